"""Books from records: mappings of field to value, as a CRM's API or a query gives them.

Values may be text, as in the book files, or native Python values: `date`,
`datetime` (with a time zone), `int`, a whole-valued `float`, `bool`,
`Decimal`, `None`, numpy scalars, and pandas' missing values and timestamps.
Each is checked with the same rules and messages as a file's cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lifecycle.book import Book
from lifecycle.io._native import native_book
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.touchpoints import Channel, Kind, channel_table, kind_table

__all__ = ["book_from_records"]


def book_from_records(
    customers: Iterable[Mapping[str, object]],
    touchpoints: Iterable[Mapping[str, object]],
    decisions: Iterable[Mapping[str, object]] = (),
    *,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> Book:
    """Build a book from records: one mapping of field (column) to value per row.

    The fields are the book format's columns (see the book format reference);
    customers' other fields are kept as custom attributes, as text. A value
    may be text, exactly as in a file, or a native value, taken as a file
    would hold it:

    - ids: text, or whole numbers (``42`` is the id ``"42"``);
    - ``since``, ``contract_end``: `datetime.date` (a naive midnight
      `datetime`, as pandas reads a date column, is taken as its date);
    - ``at`` (touchpoints and decisions): a `datetime.datetime` with a time
      zone (a naive one is an error);
    - ``due``, ``until`` (decisions): `datetime.date`, as ``since``;
    - ``score``: a whole number (``3.0`` is 3; ``3.5`` is an error);
    - ``do_not_contact``: `bool`, or 0 / 1;
    - ``tags``: a list or tuple of labels, or ``"a;b"`` text;
    - ``None``, NaN, ``pd.NA``, ``pd.NaT``: an empty cell.

    Records are read one at a time (an iterator is never held whole).

    Args:
        customers: The customers' records.
        touchpoints: The touchpoints' records, in any order.
        decisions: The team's decisions on actions (the columns of a book's
            ``decisions.csv``), in any order; each reaches its customer's
            timeline, as `read_book` attaches a decisions file's rows.
        kinds: Custom touchpoint kinds the records may use.
        channels: Custom channels (`Channel` objects or names) they may use.
        lifecycle: The lifecycle whose stage names ``stage`` may hold
            (``None``: any name).

    Returns:
        The book.

    Raises:
        RecordError: at the first bad record, naming the table
            (``customers``, ``touchpoints`` or ``decisions``), the record's
            row number (from 1), the field and the value, with the words a
            file's error would use; also for a touchpoint or decision naming
            no customer, and for a duplicate id.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> book = lc.book_from_records(
        ...     customers=[{"customer_id": 7, "name": "Ada", "since": dt.date(2025, 1, 6)}],
        ...     touchpoints=[{"touchpoint_id": 1, "customer_id": 7,
        ...                   "at": dt.datetime(2025, 2, 3, 9, 30, tzinfo=dt.UTC),
        ...                   "channel": "email", "kind": "nps", "direction": "inbound",
        ...                   "score": 9.0, "tags": ["pricing"]}],
        ... )
        >>> book.timeline("7")[0].score
        9
        >>> try:
        ...     lc.book_from_records(customers=[{"customer_id": 7, "name": "Ada",
        ...                                      "since": "2025-02-30"}], touchpoints=[])
        ... except lc.RecordError as e:
        ...     print(e)
        customers, row 1, field 'since': '2025-02-30' is not a date on the calendar

        A decision, as a CRM's table of them holds it:

        >>> book = lc.book_from_records(
        ...     customers=[{"customer_id": 7, "name": "Ada", "since": dt.date(2025, 1, 6)}],
        ...     touchpoints=[],
        ...     decisions=[{"decision_id": 1, "customer_id": 7, "policy": "welcome",
        ...                 "due": dt.date(2025, 1, 7), "decision": "snoozed",
        ...                 "at": dt.datetime(2025, 1, 7, 9, tzinfo=dt.UTC),
        ...                 "until": dt.date(2025, 1, 14), "by": "alice", "note": None}],
        ... )
        >>> [(d.id, d.outcome.value, d.until) for d in book.timeline("7").decisions]
        [('1', 'snoozed', datetime.date(2025, 1, 14))]
    """
    return native_book(
        customers,
        touchpoints,
        names=("customers", "touchpoints"),
        kinds=kind_table(kinds),
        lifecycle=lifecycle,
        channels=channel_table(channels),
        decisions=decisions,
        decisions_name="decisions",
    )
