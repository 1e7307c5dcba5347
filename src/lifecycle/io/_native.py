"""Records with native values (databases, DataFrames, mappings) as the rows a file gives.

Each value is turned into what a file's cell would hold (an integer id into
its digits, an aware datetime into ISO text, a missing value into an empty
cell), and the row then goes through the file readers' own parsers: the same
rules, the same messages. A value no file could hold in that field (a naive
datetime, a score of 3.5) is left for the parser to refuse, or refused here
when only a native value can be wrong that way. Errors name the table, the
record's row number and the field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from lifecycle._attributes import near_reserved
from lifecycle.book import Book
from lifecycle.errors import BookFormatError, RecordError
from lifecycle.io._assemble import assemble
from lifecycle.io._rows import (
    CUSTOMER_COLUMNS,
    DECISION_COLUMNS,
    TOUCHPOINT_COLUMNS,
    CellError,
)
from lifecycle.stages import Lifecycle
from lifecycle.touchpoints import Channel, Kind

#: A record: field name -> native or text value.
Record = Mapping[str, object]

# pandas' and numpy's missing values, told by their types' names: neither
# library is imported here (nor needed) unless the caller uses it.
_MISSING_TYPES = frozenset({"NAType", "NaTType"})


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if type(value).__name__ in _MISSING_TYPES:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds; anything else as it is."""
    module = type(value).__module__
    if module.startswith("numpy") and hasattr(value, "item"):
        return value.item()
    return value


def _whole(value: object) -> int | None:
    """The int a whole number is (an int, or a whole-valued float or Decimal), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


def _text_cell(field: str, value: object) -> object:
    """Text fields: text as it is; anything else for the parser to refuse."""
    return value


def _id_cell(field: str, value: object) -> object:
    """Ids: databases keep them as integers; a file holds their digits."""
    number = _whole(value)
    return str(number) if number is not None else value


def _date_cell(field: str, value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time():
            return value.date().isoformat()  # a date column read as a timestamp (pandas)
        raise CellError(field, value.isoformat(), "is a datetime; a date is needed (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _instant_cell(field: str, value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise CellError(
                field,
                dt.datetime.isoformat(value),
                "is a datetime without a time zone; give it one (a timestamptz column, "
                "or tzinfo=UTC), as a file writes it with an offset",
            )
        # The base class's isoformat: a pandas Timestamp's own would add nanoseconds.
        return dt.datetime.isoformat(value)
    if isinstance(value, dt.date):
        raise CellError(
            field, value.isoformat(), "is a date; an instant with a time zone is needed"
        )
    return value


def _flag_cell(field: str, value: object) -> object:
    number = _whole(value)
    if number in (0, 1):
        return bool(number)
    return value


def _score_cell(field: str, value: object) -> object:
    number = _whole(value)
    return number if number is not None else value


def _tags_cell(field: str, value: object) -> object:
    if isinstance(value, tuple | list):
        return list(value)
    return value


def _any_cell(field: str, value: object) -> object:
    """A column without rules of its own (a custom attribute): the text a file would hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    number = _whole(value)
    if number is not None:
        return str(number)
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return dt.datetime.isoformat(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


Cell = Callable[[str, object], object]

_CUSTOMER_CELLS: dict[str, Cell] = {
    "customer_id": _id_cell,
    "name": _text_cell,
    "since": _date_cell,
    "stage": _text_cell,
    "contract_end": _date_cell,
    "do_not_contact": _flag_cell,
    "timezone": _text_cell,
    "preferred_channel": _text_cell,
}
_TOUCHPOINT_CELLS: dict[str, Cell] = {
    "touchpoint_id": _id_cell,
    "customer_id": _id_cell,
    "at": _instant_cell,
    "channel": _text_cell,
    "kind": _text_cell,
    "direction": _text_cell,
    "score": _score_cell,
    "tags": _tags_cell,
    "note": _text_cell,
}
_DECISION_CELLS: dict[str, Cell] = {
    "decision_id": _id_cell,
    "customer_id": _id_cell,
    "policy": _text_cell,
    "due": _date_cell,
    "decision": _text_cell,
    "at": _instant_cell,
    "until": _date_cell,
    "by": _text_cell,
    "note": _text_cell,
}


def cell(cells: Mapping[str, Cell], field: str, value: object) -> object:
    """What a file's cell would hold for *value* in *field* (``""`` for a missing value).

    Raises:
        CellError: for a value only a native source can get wrong (a naive datetime).
    """
    if type(value) is str:
        return value
    value = _plain(value)
    if _is_missing(value):
        return ""
    return cells.get(field, _any_cell)(field, value)


class _Fields:
    """Checks a table's field names once per distinct set of them (records mostly share one)."""

    def __init__(self, allowed: Sequence[str] | None, reserved: Sequence[str]) -> None:
        self.allowed = allowed
        self.reserved = reserved
        self.good: set[tuple[object, ...]] = set()

    def check(self, names: tuple[object, ...]) -> None:
        if names in self.good:
            return
        for name in names:
            if not isinstance(name, str):
                raise CellError(None, name, "is a field name that is not text")
            if name not in self.reserved:
                meant = near_reserved(name, self.reserved)
                if meant is not None:
                    raise CellError(
                        name,
                        None,
                        f"differs from the reserved name {meant!r} only in case, '-'/'_' "
                        f"or camelCase; did you mean `{meant}`?",
                    )
            if self.allowed is not None and name not in self.allowed:
                raise CellError(
                    name, None, f"is not a field of this table (fields: {', '.join(self.allowed)})"
                )
        self.good.add(names)


def _where(table: str, row: int, error: CellError) -> RecordError:
    return RecordError(table, error.problem, row=row, field=error.column, value=error.shown_value())


def customer_rows(table: str, records: Iterable[object]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield each customer record, numbered from 1, as the row a customers file gives.

    Raises:
        RecordError: for a record that is not a mapping, or a bad field or value.
    """
    fields = _Fields(None, CUSTOMER_COLUMNS)
    cells = _CUSTOMER_CELLS
    for number, record in enumerate(records, start=1):
        try:
            items = _items(record)
            fields.check(tuple(k for k, _ in items))
            yield number, {k: cell(cells, k, v) for k, v in items}
        except CellError as e:
            raise _where(table, number, e) from None


def touchpoint_rows(
    table: str, records: Iterable[object]
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Yield each touchpoint record, numbered from 1, as values in `TOUCHPOINT_COLUMNS` order.

    A record with other fields gives a dict of them after the values (attributes).

    Raises:
        RecordError: for a record that is not a mapping, or a bad field or value.
    """
    fields = _Fields(None, TOUCHPOINT_COLUMNS)
    cells = _TOUCHPOINT_CELLS
    columns = TOUCHPOINT_COLUMNS
    known = frozenset(columns)
    for number, record in enumerate(records, start=1):
        try:
            items = _items(record)
            fields.check(tuple(k for k, _ in items))
            row = dict(items)
            values = tuple(cell(cells, c, row.get(c)) for c in columns)
            if not known.issuperset(row):  # other fields: the touchpoint's attributes
                others = {k: cell(cells, k, v) for k, v in items if k not in known}
                values = (*values, others)
            yield number, values
        except CellError as e:
            raise _where(table, number, e) from None


def decision_rows(table: str, records: Iterable[object]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield each decision record, numbered from 1, as the row a decisions file gives.

    Every column of `DECISION_COLUMNS` is in the row (``""`` for a field the
    record lacks), as a file's header gives them.

    Raises:
        RecordError: for a record that is not a mapping, or a bad field or value.
    """
    fields = _Fields(DECISION_COLUMNS, DECISION_COLUMNS)
    cells = _DECISION_CELLS
    columns = DECISION_COLUMNS
    for number, record in enumerate(records, start=1):
        try:
            items = _items(record)
            fields.check(tuple(k for k, _ in items))
            row = dict(items)
            yield number, {c: cell(cells, c, row.get(c)) for c in columns}
        except CellError as e:
            raise _where(table, number, e) from None


def _items(record: object) -> list[tuple[Any, object]]:
    if not isinstance(record, Mapping):
        kind = type(record).__name__
        raise CellError(None, None, f"is a {kind}, not a mapping of field to value")
    return list(record.items())


_LINE = re.compile(r"\b(on )?line (\d+)")


def _rows_not_lines(problem: str) -> str:
    """A file problem's words for records: "(first on line 3)" -> "(first in row 3)"."""
    return _LINE.sub(lambda m: f"{'in ' if m[1] else ''}row {m[2]}", problem)


def as_record_error(error: BookFormatError) -> RecordError:
    """The `RecordError` for an error the file machinery raised about a record."""
    if isinstance(error, RecordError):
        return error
    return RecordError(
        error.path,
        _rows_not_lines(error.problem),
        row=error.line,
        field=error.column,
        value=error.value,
    )


def raise_record_error(error: BookFormatError) -> None:
    """Report a bad record by raising it as a `RecordError`."""
    raise as_record_error(error)


def native_book(
    customers: Iterable[object],
    touchpoints: Iterable[object],
    *,
    names: tuple[str, str],
    kinds: dict[str, Kind],
    lifecycle: Lifecycle | None,
    decisions: Iterable[object] = (),
    decisions_name: str = "decisions",
    channels: dict[str, Channel] | None = None,
) -> Book:
    """Build a book from customer, touchpoint and decision records, checked as a file's rows are.

    Raises:
        RecordError: at the first bad record, naming the table, row and field.
    """
    customers_name, touchpoints_name = names
    return assemble(
        customer_rows(customers_name, customers),
        touchpoint_rows(touchpoints_name, touchpoints),
        names=names,
        kinds=kinds,
        lifecycle=lifecycle,
        report=raise_record_error,
        decision_rows=decision_rows(decisions_name, decisions),
        decisions_name=decisions_name,
        channels=channels,
    )
