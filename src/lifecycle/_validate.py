"""Validators and converters shared by the model classes.

Each raises a subclass of `InvalidValueError` naming the field and the value.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import zoneinfo
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from lifecycle.errors import InvalidValueError, NaiveDatetimeError
from lifecycle.limits import (
    MAX_DATE,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_ZONE_LENGTH,
    MIN_DATE,
)

E = TypeVar("E", bound=Enum)
T = TypeVar("T", bound=attrs.AttrsInstance)

UTC = ZoneInfo("UTC")


def text_problem(value: str, limit: int = MAX_TEXT_LENGTH) -> str | None:
    """Say what makes *value* unusable as text of the library (too long, not UTF-8), if anything."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; the most allowed is {limit:,}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a lone surrogate (e.g. from a JSON \\ud800 escape): not writable as UTF-8"
    return None


def check_text(field: str, value: object, limit: int = MAX_TEXT_LENGTH) -> str:
    """Return *value* if it is a string within *limit* characters that UTF-8 can hold."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "must be a string")
    problem = text_problem(value, limit)
    if problem is not None:
        raise InvalidValueError(field, value, problem)
    return value


def check_id(field: str, value: object) -> str:
    """Return *value* if it is a usable id: a non-empty string with no edge spaces."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "must be a string")
    if not value:
        raise InvalidValueError(field, value, "must not be empty")
    if value != value.strip():
        raise InvalidValueError(field, value, "must not start or end with white space")
    return check_text(field, value, MAX_ID_LENGTH)


def id_validator(instance: object, attribute: Any, value: Any) -> None:
    """Attrs validator form of `check_id`."""
    check_id(attribute.name, value)


def check_date(field: str, value: object) -> dt.date:
    """Return *value* if it is a calendar date (and not a datetime)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidValueError(field, value, "must be a datetime.date (a calendar date)")
    return value


def date_problem(value: dt.date) -> str | None:
    """Say why *value* is outside the library's dates (`lifecycle.limits`), if it is."""
    if MIN_DATE <= value <= MAX_DATE:
        return None
    return f"is outside the dates the library works with ({MIN_DATE} to {MAX_DATE})"


def check_day(field: str, value: object) -> dt.date:
    """Return *value* if it is a calendar date within `lifecycle.limits`' bounds."""
    day = check_date(field, value)
    problem = date_problem(day)
    if problem is not None:
        raise InvalidValueError(field, value, problem)
    return day


def check_period(start: object, end: object) -> None:
    """Check that *start* and *end* are dates in bounds and *end* is not before *start*."""
    first = check_day("start", start)
    last = check_day("end", end)
    if last < first:
        raise InvalidValueError("end", last, f"is before start {first.isoformat()}")


def check_instant(field: str, value: object) -> dt.datetime:
    """Return *value* if it is a timezone-aware datetime."""
    if not isinstance(value, dt.datetime):
        raise InvalidValueError(field, value, "must be a timezone-aware datetime.datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            field, value, "is naive (has no time zone); give it a tzinfo, e.g. tzinfo=UTC"
        )
    return value


_FIRST_INSTANT = dt.datetime.combine(MIN_DATE, dt.time(), dt.UTC)
_LAST_INSTANT = dt.datetime.combine(MAX_DATE, dt.time.max, dt.UTC)


def instant_problem(value: dt.datetime) -> str | None:
    """Say why aware *value*'s date, as written or in UTC, is out of bounds, if it is."""
    if date_problem(value.date()) is None and _FIRST_INSTANT <= value <= _LAST_INSTANT:
        return None
    return (
        f"is outside the dates the library works with ({MIN_DATE} to {MAX_DATE}, "
        "both as written and in UTC)"
    )


def check_bounded_instant(field: str, value: object) -> dt.datetime:
    """Return *value* if it is an aware datetime whose date, as written and in UTC, is in bounds."""
    at = check_instant(field, value)
    problem = instant_problem(at)
    if problem is not None:
        raise InvalidValueError(field, value, problem)
    return at


def local_problem(at: dt.datetime, zone: ZoneInfo) -> str | None:
    """Say why *at*'s date in *zone* is out of bounds, if it is (*at* itself in bounds).

    Only an instant outside `LOCAL_SAFE_FIRST` to `LOCAL_SAFE_LAST` can be;
    callers look only at those, on their hot paths.
    """
    local = at.astimezone(zone).date()
    if date_problem(local) is None:
        return None
    return (
        f"falls on {local.isoformat()} in the customer's zone {zone.key}, outside the dates "
        f"the library works with ({MIN_DATE} to {MAX_DATE})"
    )


#: Instants whose date is in bounds in every zone (`local_problem` need not look).
LOCAL_SAFE_FIRST = _FIRST_INSTANT + dt.timedelta(days=1)
LOCAL_SAFE_LAST = _LAST_INSTANT - dt.timedelta(days=1)
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*\Z")


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_problem(name: str) -> str | None:
    """Say why *name* is not a known IANA zone name, if it is not; zoneinfo never sees it."""
    if len(name) > MAX_ZONE_LENGTH:
        return f"is not an IANA time zone name (longer than {MAX_ZONE_LENGTH} characters)"
    if not _ZONE_NAME.match(name) or name not in _known_zones():
        return "is not a known IANA time zone (e.g. 'Europe/Berlin')"
    return None


def to_zone(value: ZoneInfo | str) -> ZoneInfo:
    """Convert an IANA zone name to a `ZoneInfo`, naming the value when unknown."""
    if isinstance(value, ZoneInfo):
        if value.key is None:
            raise InvalidValueError(
                "timezone", value, "must be built from an IANA name (ZoneInfo(key)), not a file"
            )
        return value
    name: object = value
    if not isinstance(name, str) or not name:
        raise InvalidValueError(
            "timezone", value, "must be an IANA zone name such as 'Europe/Berlin'"
        )
    problem = zone_problem(name)
    if problem is not None:
        raise InvalidValueError("timezone", value, problem)
    try:
        return ZoneInfo(name)
    except (
        ZoneInfoNotFoundError,
        ValueError,
        OSError,
    ):  # pragma: no cover - listed, yet unreadable
        raise InvalidValueError(
            "timezone", value, "is not a known IANA time zone (e.g. 'Europe/Berlin')"
        ) from None


def enum_converter(enum: type[E], field: str) -> Callable[[E | str], E]:
    """Build a converter that accepts an *enum* member or its value."""
    names = ", ".join(str(m.value) for m in enum)

    def convert(value: E | str) -> E:
        if isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            raise InvalidValueError(field, value, f"is not one of: {names}") from None

    convert.__doc__ = f"Convert a {enum.__name__} value, naming {field!r} when it is unknown."
    return convert


def check_priority(value: object) -> int:
    """Return *value* if it is a whole-number priority (1 is the most urgent)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError("priority", value, "must be a whole number (1 is the most urgent)")
    return value


def check_count(field: str, value: object, *, minimum: int) -> int:
    """Return *value* if it is a whole number (not a bool) of at least *minimum*."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidValueError(field, value, f"must be a whole number, at least {minimum}")
    return value


def slot_setters(cls: type, *names: str) -> tuple[Callable[[Any, Any], None], ...]:
    """Return the setters of slots of a class that is not attrs' (see `unchecked_constructor`).

    Raises:
        TypeError: if a name is not a slot of *cls* (a programming error).
    """
    setters = []
    for name in names:
        slot = cls.__dict__.get(name)
        if slot is None or not hasattr(slot, "__set__"):  # pragma: no cover - a typo here
            raise TypeError(f"{cls.__name__}.{name} is not a slot")
        setters.append(slot.__set__)
    return tuple(setters)


def unchecked_constructor(cls: type[T]) -> Callable[..., T]:
    """Return a constructor of the slotted attrs class *cls* that skips its checks.

    It takes one value per field, positionally, in `attrs.fields` order (the
    trailing ones with a plain default may be left out), and
    sets each through its slot's own setter: no validators, no converters, no
    keywords (attrs' ``__init__`` takes keywords more slowly). For values the
    caller vouches for, such as a reader's, checked cell by cell with file and
    line in its errors; the result is an ordinary object, equal to the one
    ``cls(**values)`` makes. Generated as source and compiled, the way attrs
    makes ``__init__``, so it costs no loop over the fields.

    Raises:
        TypeError: if a field is private (its name would clash with the
            constructor's own) or not a slot of *cls* (a programming error).

    Examples:
        >>> @attrs.frozen
        ... class Point:
        ...     x: int = attrs.field(validator=attrs.validators.gt(0))
        ...     y: int = 0
        >>> new_point = unchecked_constructor(Point)
        >>> new_point(-1, 2)
        Point(x=-1, y=2)
        >>> new_point(-1)
        Point(x=-1, y=0)
    """
    fields = attrs.fields(cls)
    names = [field.name for field in fields]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    # A trailing field with a plain default may be left out, as in ``__init__``:
    # adding such a field keeps every caller's positional values right.
    parameters = list(names)
    for number in reversed(range(len(fields))):
        default = fields[number].default
        if default is attrs.NOTHING or isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            break
        namespace[f"_default{number}"] = default
        parameters[number] += f"=_default{number}"
    lines = [f"def new({', '.join(parameters)}):", "    _self = _new(_cls)"]
    for number, name in enumerate(names):
        slot = cls.__dict__.get(name)
        if name.startswith("_") or not hasattr(slot, "__set__"):
            raise TypeError(f"{cls.__name__}.{name} is not a public slot")
        namespace[f"_set{number}"] = slot.__set__  # type: ignore[union-attr]
        lines.append(f"    _set{number}(_self, {name})")
    lines.append("    return _self")
    exec("\n".join(lines), namespace)  # source made of checked field names only
    new: types.FunctionType = namespace["new"]
    new.__name__ = new.__qualname__ = f"new_{cls.__name__.lower()}"
    new.__doc__ = (
        f"Return a `{cls.__name__}` of values the caller vouches for, skipping its checks.\n\n"
        f"Positional, one per field: {', '.join(names)} (trailing defaults may be left off)."
    )
    return new
