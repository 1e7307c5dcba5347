"""Turn rows of a book file (column -> raw value) into model objects.

CSV cells are always strings; JSON Lines values may also be numbers, booleans,
lists or null. Both go through these functions so the two formats accept the
same things and fail with the same messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import (
    UTC,
    date_problem,
    instant_problem,
    text_problem,
    to_zone,
)
from lifecycle.customers import RESERVED_COLUMNS, Customer, new_customer, to_attributes
from lifecycle.decisions import Decision, Outcome
from lifecycle.errors import InvalidValueError, shown
from lifecycle.limits import MAX_DATE, MAX_ID_LENGTH, MAX_SCORE_TEXT, MAX_TEXT_LENGTH, MIN_DATE
from lifecycle.stages import Lifecycle
from lifecycle.touchpoints import RESERVED_COLUMNS as TOUCHPOINT_RESERVED
from lifecycle.touchpoints import (
    Channel,
    Direction,
    Kind,
    Touchpoint,
    channel_table,
    check_currency,
    new_touchpoint,
    to_amount,
    unknown_channel,
)
from lifecycle.touchpoints import to_attributes as touchpoint_attributes

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "since",
    "stage",
    "contract_end",
    "do_not_contact",
    "timezone",
    "preferred_channel",
    "owner",
)
CUSTOMER_REQUIRED = ("customer_id", "name", "since")
#: The touchpoint columns of money, last and optional: a row may leave them off.
MONEY_COLUMNS = ("amount", "currency")
TOUCHPOINT_COLUMNS = TOUCHPOINT_RESERVED
assert TOUCHPOINT_COLUMNS[-len(MONEY_COLUMNS) :] == MONEY_COLUMNS
TOUCHPOINT_REQUIRED = ("touchpoint_id", "customer_id", "at", "channel", "kind", "direction")
DECISION_COLUMNS = (
    "decision_id",
    "customer_id",
    "policy",
    "due",
    "decision",
    "at",
    "until",
    "by",
    "note",
)
DECISION_REQUIRED = ("decision_id", "customer_id", "policy", "due", "decision", "at")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INT = re.compile(r"[+-]?\d+\Z")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})
_CHANNELS = channel_table()
_DIRECTIONS = {d.value: d for d in Direction}
_OUTCOMES = {o.value: o for o in Outcome}

T = TypeVar("T")

#: A raw value from a file: a CSV cell, or a decoded JSON value.
Raw = object


class CellError(Exception):
    """One bad value in a row; the reader adds the file and line."""

    def __init__(self, column: str | None, value: Raw, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.value = value
        self.problem = problem

    def shown_value(self) -> str | None:
        """The value as it stands in the file (its start, if long), for the message."""
        value = self.value
        if value is None:
            return None
        if isinstance(value, str):
            return value[:_SHOWN_TEXT]
        try:
            return json.dumps(value, ensure_ascii=False)[:_SHOWN_TEXT]
        except (TypeError, ValueError, RecursionError):  # a number too long to write
            return shown(value)


_SHOWN_TEXT = 200


class HugeNumber:
    """A JSON number too long to be any value of a book, kept as its length only.

    Parsing thousands of digits costs time (and Python refuses past 4,300), so a
    reader gives this instead; every field then refuses it as not a number it takes.
    """

    __slots__ = ("digits",)

    def __init__(self, text: str) -> None:
        self.digits = len(text)

    def __repr__(self) -> str:
        return f"<a number of {self.digits} characters>"


def json_int(text: str) -> int | HugeNumber:
    """``parse_int`` for `json.loads`: small numbers as ints, huge ones as `HugeNumber`."""
    return int(text) if len(text) <= MAX_SCORE_TEXT else HugeNumber(text)


def _text(row: Mapping[str, Raw], column: str, *, required: bool) -> str | None:
    """Return the cell as text, ``None`` when empty or missing (an error if *required*)."""
    value = row.get(column)
    if value is None or value == "":
        if required:
            raise CellError(column, value, "is required and must not be empty")
        return None
    if not isinstance(value, str):
        raise CellError(column, value, "must be a string")
    problem = text_problem(value)
    if problem is not None:
        raise CellError(column, value, problem)
    return value


def _required(row: Mapping[str, Raw], column: str) -> str:
    value = _text(row, column, required=True)
    if value is None:  # pragma: no cover - _text raised already
        raise CellError(column, value, "is required and must not be empty")
    return value


def _id(row: Mapping[str, Raw], column: str) -> str:
    value = _required(row, column)
    if value != value.strip():
        raise CellError(column, value, "must not start or end with white space")
    if len(value) > MAX_ID_LENGTH:
        raise CellError(
            column, value, f"is {len(value):,} characters long; an id has at most {MAX_ID_LENGTH}"
        )
    return value


def _date(row: Mapping[str, Raw], column: str, *, required: bool) -> dt.date | None:
    text = _text(row, column, required=required)
    if text is None:
        return None
    if not _DATE.match(text):
        raise CellError(column, text, "is not a date in the form YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(column, text, "is not a date on the calendar") from None
    problem = date_problem(day)
    if problem is not None:
        raise CellError(column, text, problem)
    return day


def _flag(row: Mapping[str, Raw], column: str) -> bool:
    value = row.get(column)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise CellError(column, value, "must be true or false (also 1/0, yes/no)")


def _lookup(column: str, text: str, table: Mapping[str, T]) -> T:
    try:
        return table[text]
    except KeyError:
        raise CellError(column, text, f"is not one of: {', '.join(table)}") from None


def _channel(row: Mapping[str, Raw], column: str, table: Mapping[str, Channel]) -> Channel | None:
    text = _text(row, column, required=False)
    return None if text is None else _named_channel(column, text, table)


def _named_channel(column: str, text: str, table: Mapping[str, Channel]) -> Channel:
    channel = table.get(text)
    if channel is None:
        raise CellError(column, text, unknown_channel(table))
    return channel


def _required_choice(row: Mapping[str, Raw], column: str, table: Mapping[str, T]) -> T:
    return _lookup(column, _required(row, column), table)


def parse_customer(
    row: Mapping[str, Raw],
    lifecycle: Lifecycle | None,
    channels: Mapping[str, Channel] = _CHANNELS,
) -> Customer:
    """Build a `Customer` from a customers row (*channels*: those it may prefer, by name).

    Raises:
        CellError: naming the column and value of the first bad cell.
    """
    customer_id = _id(row, "customer_id")
    name = row.get("name")
    if not isinstance(name, str):
        raise CellError("name", name, "is required and must be a string")
    if name:
        _text(row, "name", required=False)  # its length and encoding
    since = _date(row, "since", required=True)
    stage = _text(row, "stage", required=False)
    if stage is not None and lifecycle is not None and stage not in lifecycle.stages:
        raise CellError(
            "stage", stage, f"is not a stage of the lifecycle ({', '.join(lifecycle.stages)})"
        )
    zone_name = _text(row, "timezone", required=False)
    zone: ZoneInfo = UTC
    if zone_name is not None:
        try:
            zone = to_zone(zone_name)
        except InvalidValueError as e:
            raise CellError("timezone", zone_name, e.problem) from None
    attributes: dict[str, str] = {}
    for column, value in row.items():
        if column in RESERVED_COLUMNS or value is None or value == "":
            continue
        if not isinstance(value, str):
            raise CellError(column, value, "a custom attribute must be a string")
        attributes[column] = _text(row, column, required=False) or value
    try:
        checked_attributes = _shared_attributes(tuple(attributes.items()))
    except InvalidValueError as e:  # a JSON key no CSV header could have
        raise CellError(e.field, e.value, e.problem) from None
    # The readers refuse near-reserved names (`did you mean`) before any row.
    # Every other field was checked cell by cell above, as Customer's validators would.
    return new_customer(
        customer_id,
        name,
        since,  # type: ignore[arg-type]  # required: never None here
        _date(row, "contract_end", required=False),
        _flag(row, "do_not_contact"),
        zone,
        _channel(row, "preferred_channel", channels),
        stage,
        checked_attributes,
        _owner(row),
    )


def _owner(row: Mapping[str, Raw]) -> str | None:
    value = row.get("owner")
    return None if value is None or value == "" else _id(row, "owner")


def _instant(row: Mapping[str, Raw], column: str) -> dt.datetime:
    text = _required(row, column)
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CellError(column, text, "is not an ISO 8601 datetime") from None
    if at.tzinfo is None:
        raise CellError(
            column,
            text,
            "has no UTC offset; write it with one, e.g. 2026-03-01T09:30:00+01:00 or Z",
        )
    problem = instant_problem(at)
    if problem is not None:
        raise CellError(column, text, problem)
    return at


def _score(row: Mapping[str, Raw], kind: Kind) -> int | None:
    value = row.get("score")
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) > MAX_SCORE_TEXT:
        raise CellError(
            "score", value, f"is {len(value):,} characters long; a score has at most 2 digits"
        )
    if isinstance(value, str) and _INT.match(value.strip()):
        score = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        score = value
    else:
        raise CellError("score", value, "must be a whole number")
    if kind.score_range is None:
        raise CellError(
            "score", value, f"is given, but touchpoints of kind {kind.name!r} carry no score"
        )
    low, high = kind.score_range
    if not low <= score <= high:
        raise CellError(
            "score", value, f"is out of range: a {kind.name} score is from {low} to {high}"
        )
    return score


def _tags(value: Raw) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, str):
        pieces = value.split(";")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        pieces = value
    else:
        raise CellError("tags", value, "must be ';'-separated labels (or a JSON list of strings)")
    problem = text_problem(";".join(pieces))
    if problem is not None:
        raise CellError("tags", value, problem)
    # Empty pieces ("a;;b", a trailing ';') carry no label, so nothing is lost.
    return frozenset(p.strip() for p in pieces if p.strip())


_EMPTY_TAGS: frozenset[str] = frozenset()
# A book repeats a few tag sets and attribute bags many times over. Equal ones
# are shared: each object kept is one more for the cyclic collector to walk
# again and again while a book is read (and more memory).
_SHARED = 4096
_shared_tags = functools.lru_cache(maxsize=_SHARED)(_tags)


@functools.lru_cache(maxsize=_SHARED)
def _shared_attributes(items: tuple[tuple[str, str], ...]) -> FrozenDict[str, str]:
    return to_attributes(dict(items))


def _encodable(text: str) -> bool:
    return text_problem(text, len(text)) is None


def _fits(text: str) -> bool:
    return len(text) <= MAX_TEXT_LENGTH and (text.isascii() or _encodable(text))


_UTC = dt.UTC
_fromisoformat = dt.datetime.fromisoformat
# An instant a day inside the bounds has its date in bounds in any offset; the
# fast path takes only those, and sends the last day at either end to the careful one.
_FAST_FIRST = dt.datetime.combine(MIN_DATE, dt.time(), _UTC) + dt.timedelta(days=1)
_FAST_LAST = dt.datetime.combine(MAX_DATE, dt.time(), _UTC)


def parse_touchpoint(
    values: Sequence[Raw],
    kinds: Mapping[str, Kind],
    customer_ids: Mapping[str, str],
    channels: Mapping[str, Channel] = _CHANNELS,
) -> Touchpoint:
    """Build a `Touchpoint` from a touchpoints row's values, in `TOUCHPOINT_COLUMNS` order.

    The common case (every cell plainly valid) is checked inline, in one go;
    anything unusual goes through `check_touchpoint`, which finds the first bad
    cell and says exactly what is wrong with it.

    Args:
        values: The row's raw values, one per column of `TOUCHPOINT_COLUMNS`
            (the `MONEY_COLUMNS` at its end may be left off), then, if the
            row has other columns, a mapping of their names to raw values
            (kept as the touchpoint's attributes).
        kinds: The kinds the file may use, by name.
        customer_ids: The book's customer ids, used to share one string per id
            (a book holds many touchpoints per customer).
        channels: The channels the file may use, by name.

    Raises:
        CellError: naming the column and value of the first bad cell.
    """
    cells: Sequence[Any] = values  # checked below, or by check_touchpoint
    extra: Any = None
    if len(cells) > _WIDTH:  # other columns, kept as attributes
        extra = cells[_WIDTH]
        cells = cells[:_WIDTH]
    tid, cid, text, channel_cell, kind_cell, direction_cell, score_cell, tags_cell, note, *money = (
        cells
    )
    # Any surprise (a missing name, a JSON list where text belongs, a datetime
    # that does not parse, "²" passing isdigit) sends the row to the careful path.
    try:
        channel = channels[channel_cell]
        kind = kinds[kind_cell]
        direction = _DIRECTIONS[direction_cell]
        if (
            tid
            and cid
            and tid == tid.strip()
            and cid == cid.strip()
            and len(tid) <= MAX_ID_LENGTH
            and len(cid) <= MAX_ID_LENGTH
            and (tid.isascii() or _encodable(tid))
            and (cid.isascii() or _encodable(cid))
            and (not note or (type(note) is str and _fits(note)))
            and (not tags_cell or (type(tags_cell) is str and _fits(tags_cell)))
        ):
            at = _fromisoformat(text)
            if at.tzinfo is not None:
                if at.tzinfo is not _UTC:
                    at = at.astimezone(_UTC)
                if not _FAST_FIRST <= at < _FAST_LAST:
                    raise ValueError(text)
                if score_cell is None or score_cell == "":
                    score = None
                else:
                    limits = kind.score_range
                    score = (
                        int(score_cell)
                        if type(score_cell) is str and len(score_cell) < 3 and score_cell.isdigit()
                        else -1
                    )
                    if limits is None or not limits[0] <= score <= limits[1]:
                        raise ValueError(score_cell)
                amount, currency = _money(*money) if money else _NO_MONEY
                return new_touchpoint(
                    tid,
                    customer_ids.get(cid, cid),
                    at,
                    channel,
                    kind,
                    direction,
                    score,
                    _shared_tags(tags_cell) if tags_cell else _EMPTY_TAGS,
                    note or "",
                    amount,
                    currency,
                    _NO_ATTRIBUTES if extra is None else _extra_attributes(extra),
                )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        pass
    return check_touchpoint(touchpoint_cells(values), kinds, channels)


def touchpoint_cells(values: Sequence[Raw]) -> dict[str, Raw]:
    """Return a touchpoints row's values (as `parse_touchpoint` takes them) as column -> value."""
    row = dict(zip(TOUCHPOINT_COLUMNS, values[:_WIDTH], strict=False))
    if len(values) > _WIDTH:
        extra: Mapping[str, Raw] = values[_WIDTH]  # type: ignore[assignment]  # see parse_touchpoint
        row.update(extra)
    return row


_WIDTH = len(TOUCHPOINT_COLUMNS)
_NO_ATTRIBUTES = touchpoint_attributes({})


def _extra_attributes(extra: Mapping[str, Raw]) -> FrozenDict[str, str]:
    """The attributes of a row's other columns: every non-empty one, as text.

    Raises:
        ValueError: for anything but text (the careful path names the cell).
    """
    items = tuple((k, v) for k, v in extra.items() if v is not None and v != "")
    if not items:
        return _NO_ATTRIBUTES
    for _, value in items:
        if type(value) is not str or not _fits(value):
            raise ValueError(value)
    return _shared_touchpoint_attributes(items)


@functools.lru_cache(maxsize=_SHARED)
def _shared_touchpoint_attributes(items: tuple[tuple[str, str], ...]) -> FrozenDict[str, str]:
    return touchpoint_attributes(dict(items))


def _row_attributes(row: Mapping[str, Raw]) -> FrozenDict[str, str]:
    """The attributes of a touchpoints row: its non-empty cells outside the reserved columns."""
    items: list[tuple[str, str]] = []
    for column, value in row.items():
        if column in TOUCHPOINT_RESERVED or value is None or value == "":
            continue
        if not isinstance(value, str):
            raise CellError(column, value, "a custom attribute must be a string")
        items.append((column, _text(row, column, required=False) or value))
    if not items:
        return _NO_ATTRIBUTES
    try:
        return _shared_touchpoint_attributes(tuple(items))
    except InvalidValueError as e:  # a JSON key no CSV header could have
        raise CellError(e.field, e.value, e.problem) from None


_NO_MONEY = (None, None)


def _money(amount_cell: Raw, currency_cell: Raw = None) -> tuple[Decimal | None, str | None]:
    """Return the amount and currency of a row's money cells (empty ones: ``None``)."""
    amount = None
    if amount_cell is not None and amount_cell != "":
        try:
            amount = to_amount(amount_cell)  # type: ignore[arg-type]  # any other type is refused
        except InvalidValueError as e:
            raise CellError("amount", amount_cell, e.problem) from None
    currency = None if currency_cell == "" else currency_cell
    try:
        check_currency(currency, amount)
    except InvalidValueError as e:
        raise CellError("currency", currency_cell, e.problem) from None
    return amount, currency  # type: ignore[return-value]  # checked: a code or None


def check_touchpoint(
    row: Mapping[str, Raw],
    kinds: Mapping[str, Kind],
    channels: Mapping[str, Channel] = _CHANNELS,
) -> Touchpoint:
    """Build a `Touchpoint` from a row, checking each cell in turn.

    Raises:
        CellError: naming the column and value of the first bad cell.
    """
    touchpoint_id = _id(row, "touchpoint_id")
    customer_id = _id(row, "customer_id")
    at = _instant(row, "at")
    channel = _named_channel("channel", _required(row, "channel"), channels)
    kind_name = _required(row, "kind")
    kind = kinds.get(kind_name)
    if kind is None:
        raise CellError(
            "kind",
            kind_name,
            f"is not a known touchpoint kind (known: {', '.join(sorted(kinds))}); "
            "register custom kinds with read_book(..., kinds=[Kind(...)]) "
            "or --kind NAME on the command line",
        )
    direction = _required_choice(row, "direction", _DIRECTIONS)
    note = _text(row, "note", required=False) or ""
    amount, currency = _money(row.get("amount"), row.get("currency"))
    try:
        return Touchpoint(
            id=touchpoint_id,
            customer_id=customer_id,
            at=at,
            channel=channel,
            kind=kind,
            direction=direction,
            score=_score(row, kind),
            tags=_tags(row.get("tags")),
            note=note,
            amount=amount,
            currency=currency,
            attributes=_row_attributes(row),
        )
    except InvalidValueError as e:  # pragma: no cover - the cell checks above come first
        raise CellError(_column_of(e.field), e.value, e.problem) from None


def parse_decision(row: Mapping[str, Raw]) -> Decision:
    """Build a `Decision` from a decisions row (column -> raw value).

    Raises:
        CellError: naming the column and value of the first bad cell.

    Examples:
        >>> row = {"decision_id": "d-1", "customer_id": "c-1", "policy": "welcome",
        ...        "due": "2026-03-08", "decision": "snoozed",
        ...        "at": "2026-03-09T10:00:00+01:00", "until": "2026-03-16"}
        >>> parse_decision(row).until
        datetime.date(2026, 3, 16)
    """
    decision_id = _id(row, "decision_id")
    customer_id = _id(row, "customer_id")
    policy = _id(row, "policy")
    due = _date(row, "due", required=True)
    outcome = _required_choice(row, "decision", _OUTCOMES)
    at = _instant(row, "at")
    until = _date(row, "until", required=False)
    if outcome is Outcome.SNOOZED and until is None:
        raise CellError(
            "until",
            row.get("until"),
            "is required for a snoozed decision: the first date the action shows again",
        )
    if outcome is not Outcome.SNOOZED and until is not None:
        raise CellError(
            "until",
            row.get("until"),
            f"must be empty: only a snoozed decision ends, not {outcome}",
        )
    by = _text(row, "by", required=False)
    note = _text(row, "note", required=False) or ""
    try:
        return Decision(
            id=decision_id,
            customer_id=customer_id,
            policy=policy,
            due=due,  # type: ignore[arg-type]  # required: never None here
            outcome=outcome,
            at=at,
            until=until,
            by=by,
            note=note,
        )
    except InvalidValueError as e:  # pragma: no cover - the cell checks above come first
        column = "decision_id" if e.field == "id" else _column_of(e.field)
        raise CellError(column, e.value, e.problem) from None


def _column_of(field: str) -> str:  # pragma: no cover - only for the safety nets above
    return {
        "id": "customer_id",
        "recorded_stage": "stage",
        "outcome": "decision",
    }.get(field, field)


def customer_row(customer: Customer, attribute_columns: tuple[str, ...]) -> dict[str, Raw]:
    """Return the row a customer is written as (JSON-friendly values)."""
    row: dict[str, Raw] = {
        "customer_id": customer.id,
        "name": customer.name,
        "since": customer.since.isoformat(),
        "stage": customer.recorded_stage,
        "contract_end": customer.contract_end.isoformat() if customer.contract_end else None,
        "do_not_contact": customer.do_not_contact,
        "timezone": customer.timezone.key,
        "preferred_channel": customer.preferred_channel.value
        if customer.preferred_channel
        else None,
    }
    if customer.owner is not None:  # an optional column: written when someone owns a customer
        row["owner"] = customer.owner
    for column in attribute_columns:
        row[column] = customer.attributes.get(column)
    return row


def touchpoint_row(touchpoint: Touchpoint) -> dict[str, Raw]:
    """Return the row a touchpoint is written as (JSON-friendly values), attributes last."""
    row: dict[str, Raw] = {
        "touchpoint_id": touchpoint.id,
        "customer_id": touchpoint.customer_id,
        "at": touchpoint.at.isoformat(),
        "channel": touchpoint.channel.value,
        "kind": touchpoint.kind.name,
        "direction": touchpoint.direction.value,
        "score": touchpoint.score,
        "tags": sorted(touchpoint.tags),
        "note": touchpoint.note,
        # As text, so that 12.50 stays 12.50 (a JSON number would be read as a float).
        "amount": None if touchpoint.amount is None else str(touchpoint.amount),
        "currency": touchpoint.currency,
    }
    if touchpoint.attributes:
        row.update(touchpoint.attributes)
    return row


def decision_row(decision: Decision) -> dict[str, Raw]:
    """Return the row a decision is written as (JSON-friendly values)."""
    return {
        "decision_id": decision.id,
        "customer_id": decision.customer_id,
        "policy": decision.policy,
        "due": decision.due.isoformat(),
        "decision": decision.outcome.value,
        "at": decision.at.isoformat(),
        "until": decision.until.isoformat() if decision.until is not None else None,
        "by": decision.by,
        "note": decision.note,
    }


# -- every problem of a row ------------------------------------------------------------

# A plainly valid cell per column, put in place of a bad one so that the next
# parse finds the row's next problem. The amount's stand-in is a number, so that
# a currency given with a bad amount is still checked as one given with an amount.
_STAND_INS: dict[str, str] = {
    "customer_id": "x",
    "touchpoint_id": "x",
    "decision_id": "x",
    "name": "x",
    "since": "2000-01-01",
    "due": "2000-01-01",
    "at": "2000-01-01T00:00:00+00:00",
    "channel": "email",
    "kind": "inquiry",
    "direction": "inbound",
    "policy": "x",
    "decision": "done",
    "amount": "1",
    "until": "2000-01-02",
}
# A cell whose check depends on another's value cannot be checked once that
# other is bad: a score needs its kind, an end date its decision.
_DEPENDENT = {"kind": "score", "decision": "until"}


def every_problem(
    parse: Callable[[dict[str, Raw]], object], row: Mapping[str, Raw], first: CellError
) -> list[CellError]:
    """Return *first* and every other problem of *row*, one per bad cell, in the parser's order.

    Each bad cell is replaced by a valid one (or left out) and the row parsed
    again, until it parses.

    Examples:
        >>> row = {"customer_id": " c", "name": "Ada", "since": "2025-02-30", "timezone": "Mars"}
        >>> try:
        ...     parse_customer(row, None)
        ... except CellError as e:
        ...     [p.column for p in every_problem(lambda r: parse_customer(r, None), row, e)]
        ['customer_id', 'since', 'timezone']
    """
    problems = [first]
    cells = dict(row)
    tried: dict[str, int] = {}  # how many stand-ins each bad column has had
    column = first.column
    while column is not None and column in cells:
        # A column's problem is told once; if its stand-in is refused too (an end
        # date a decision may not have), an empty cell is tried next.
        count = tried.get(column, 0)
        if count == len(_TRIES):
            break
        tried[column] = count + 1
        cells[column] = _TRIES[count](column)
        if column in _DEPENDENT:
            cells[_DEPENDENT[column]] = ""
        try:
            parse(cells)
        except CellError as e:
            if e.column not in tried:
                problems.append(e)
            column = e.column
        else:
            break
    return problems


_TRIES: tuple[Callable[[str], str], ...] = (lambda c: _STAND_INS.get(c, ""), lambda c: "")
