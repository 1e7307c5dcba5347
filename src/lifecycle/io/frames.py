"""Books from DataFrames: pandas, Polars and PyArrow tables, through one path.

Every frame goes through Apache Arrow (the optional ``frames`` extra:
``pip install 'customer-lifecycle[frames]'``): PyArrow tables as they are,
pandas frames with ``pyarrow.Table.from_pandas``, and anything else that
offers the Arrow PyCapsule stream (``__arrow_c_stream__``: Polars, DuckDB,
...). Their rows are then read a batch at a time as records and checked as
`book_from_records` checks them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from lifecycle.book import Book
from lifecycle.errors import MissingDependencyError, RecordError
from lifecycle.io._native import native_book
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.touchpoints import Channel, Kind, channel_table, kind_table

__all__ = ["book_from_frames"]

#: Rows turned into records at a time.
BATCH = 5000


def _pyarrow() -> ModuleType:
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        raise MissingDependencyError(
            "book_from_frames needs PyArrow: pip install 'customer-lifecycle[frames]'"
        ) from None


def _batches(pa: ModuleType, frame: object, table: str) -> Iterable[Any]:
    """The frame's record batches, whichever library made it."""
    if isinstance(frame, pa.Table):
        return frame.to_batches(max_chunksize=BATCH)  # type: ignore[no-any-return]
    if type(frame).__module__.startswith("pandas"):
        # Not the index: a pandas frame's rows are its columns.
        converted = pa.Table.from_pandas(frame, preserve_index=False)
        return converted.to_batches(max_chunksize=BATCH)  # type: ignore[no-any-return]
    if hasattr(frame, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(frame)  # type: ignore[no-any-return]
    raise RecordError(
        table,
        f"is a {type(frame).__name__}, not a DataFrame or table "
        "(pandas, Polars, PyArrow, or anything with __arrow_c_stream__)",
    )


def _records(pa: ModuleType, frame: object, table: str) -> Iterator[dict[str, Any]]:
    try:
        batches = _batches(pa, frame, table)
    except pa.ArrowException as e:  # such as a pandas column holding numbers and text
        raise RecordError(table, f"cannot be read as an Arrow table: {e}") from None
    for batch in batches:
        yield from batch.to_pylist()


def book_from_frames(
    customers: object,
    touchpoints: object,
    decisions: object | None = None,
    *,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> Book:
    """Build a book from DataFrames: pandas, Polars or PyArrow, one row per record.

    The columns are the book format's; more customer columns are kept as
    custom attributes. Each row is checked as `book_from_records` checks a
    record, so the frames' own types need no conversion: integer ids,
    datetimes with a time zone (``datetime64[ns, UTC]``, ``pl.Datetime("us",
    "UTC")``), dates, whole-valued float scores, booleans, lists of tags,
    and missing values (NaN, None, ``pd.NA``, ``pd.NaT``, null). Needs the
    ``frames`` extra (PyArrow).

    Args:
        customers: The customers' frame.
        touchpoints: The touchpoints' frame, in any order.
        decisions: The team's decisions frame (the columns of a book's
            ``decisions.csv``: dates for ``due`` and ``until``, datetimes with
            a time zone for ``at``), in any order; ``None``: the book has none.
        kinds: Custom touchpoint kinds the rows may use.
        channels: Custom channels (`Channel` objects or names) they may use.
        lifecycle: The lifecycle whose stage names ``stage`` may hold.

    Returns:
        The book.

    Raises:
        RecordError: at the first bad row, naming the table, the row number
            (from 1), the column and the value; or for a frame Arrow cannot
            read.
        ImportError: when PyArrow is not installed.

    Examples:
        >>> import pandas as pd, lifecycle as lc
        >>> customers = pd.DataFrame({"customer_id": [1, 2], "name": ["Ada", "Bo"],
        ...                           "since": pd.to_datetime(["2025-01-06", "2025-03-01"])})
        >>> touchpoints = pd.DataFrame({
        ...     "touchpoint_id": ["t1"], "customer_id": [2],
        ...     "at": pd.to_datetime(["2025-03-02 10:00"]).tz_localize("UTC"),
        ...     "channel": ["phone"], "kind": ["nps"], "direction": ["inbound"],
        ...     "score": [8.0]})
        >>> book = lc.book_from_frames(customers=customers, touchpoints=touchpoints)
        >>> [c.id for c in book], book.timeline("2")[0].score
        (['1', '2'], 8)
    """
    pa = _pyarrow()
    return native_book(
        _records(pa, customers, "customers"),
        _records(pa, touchpoints, "touchpoints"),
        names=("customers", "touchpoints"),
        kinds=kind_table(kinds),
        lifecycle=lifecycle,
        channels=channel_table(channels),
        decisions=() if decisions is None else _records(pa, decisions, "decisions"),
        decisions_name="decisions",
    )
