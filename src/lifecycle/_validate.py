"""Validators and converters shared by the model classes.

Each raises a subclass of `InvalidValueError` naming the field and the value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lifecycle.errors import InvalidValueError, NaiveDatetimeError

E = TypeVar("E", bound=Enum)

UTC = ZoneInfo("UTC")


def check_id(field: str, value: object) -> str:
    """Return *value* if it is a usable id: a non-empty string with no edge spaces."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "must be a string")
    if not value:
        raise InvalidValueError(field, value, "must not be empty")
    if value != value.strip():
        raise InvalidValueError(field, value, "must not start or end with white space")
    return value


def id_validator(instance: object, attribute: Any, value: Any) -> None:
    """Attrs validator form of `check_id`."""
    check_id(attribute.name, value)


def check_date(field: str, value: object) -> dt.date:
    """Return *value* if it is a calendar date (and not a datetime)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidValueError(field, value, "must be a datetime.date (a calendar date)")
    return value


def check_period(start: object, end: object) -> None:
    """Check that *start* and *end* are dates and *end* is not before *start*."""
    first = check_date("start", start)
    last = check_date("end", end)
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
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
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
    """Return the setters of a slotted class's fields, for its unchecked fast constructors.

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
