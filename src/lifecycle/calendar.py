"""Working days: a weekend, holidays, and the days a team works (``decisions.md``).

A `Calendar` names the working days. The engine moves a due date that falls
on a day off to the next working day, and ``working_days(n)`` offsets count
working days. Public holidays of a country (or a subdivision) come from the
`holidays <https://pypi.org/project/holidays/>`_ package, the maintained
source for well over a hundred countries (``pip install
'customer-lifecycle[holidays]'``); explicit dates need nothing more.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from lifecycle._validate import check_day, check_text
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError, MissingDependencyError
from lifecycle.limits import MAX_DATE

__all__ = ["COUNTRY_ATTRIBUTE", "WEEKDAYS", "Calendar"]

#: The names of the days of the week, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: The customer attribute naming the country (and, after a hyphen, the
#: subdivision: ``"US-CA"``) whose public holidays its due dates avoid.
COUNTRY_ATTRIBUTE = "country"

_ONE_DAY = dt.timedelta(days=1)


def _iterable(field: str, value: object, example: str) -> Iterable[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, f"must be a list, e.g. {example}")
    return value


def _to_weekend(value: Iterable[str]) -> frozenset[str]:
    given = _iterable("weekend", value, '["sat", "sun"]')
    days: set[str] = set()
    for day in given:
        name = day.lower()[:3] if isinstance(day, str) else None
        if name not in WEEKDAYS:
            raise InvalidValueError("weekend", day, f"day names are {', '.join(WEEKDAYS)}")
        days.add(name)
    if len(days) == len(WEEKDAYS):
        raise InvalidValueError("weekend", sorted(days), "leaves no working day")
    return frozenset(days)


def _to_holidays(value: Iterable[dt.date]) -> frozenset[dt.date]:
    given = _iterable("holidays", value, "[datetime.date(2026, 12, 25)]")
    return frozenset(check_day("holidays", day) for day in given)


def _check_country(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_text("country", value, 16)
        if not value or not value.replace("-", "").isalnum():
            raise InvalidValueError(
                "country", value, 'must be an ISO 3166 code such as "GB", or "US-CA"'
            )


@functools.lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    try:
        import holidays  # noqa: PLC0415 - an optional extra, only needed here
    except ImportError:
        raise MissingDependencyError(
            f"the holidays of {country!r} need the holidays package: "
            "pip install 'customer-lifecycle[holidays]'"
        ) from None
    code, _, subdivision = country.partition("-")
    try:
        found = holidays.country_holidays(code, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        raise InvalidValueError(
            "country", country, "is not a country (or subdivision) the holidays package knows"
        ) from None
    return frozenset(found)


@attrs.frozen
class Calendar:
    """The working days: every day but the weekend and the holidays.

    Attributes:
        weekend: The days off each week, by name (default Saturday and
            Sunday; any case, the first three letters count).
        holidays: Explicit days off.
        country: An ISO 3166 country code, or ``"CC-SUB"`` for a
            subdivision (``"US-CA"``, ``"GB-SCT"``), whose public holidays
            are days off too (needs the ``holidays`` extra).

    Raises:
        InvalidValueError: for an unknown day name, a weekend of every day,
            or a bad date or country code.

    Examples:
        >>> import datetime as dt
        >>> office = Calendar(holidays=[dt.date(2026, 12, 25)])
        >>> office.is_working(dt.date(2026, 12, 25)), office.is_working(dt.date(2026, 12, 28))
        (False, True)
        >>> office.next_working(dt.date(2026, 12, 25))  # Christmas, a Friday
        datetime.date(2026, 12, 28)
        >>> office.add_working_days(dt.date(2026, 12, 23), 2)
        datetime.date(2026, 12, 28)
    """

    weekend: frozenset[str] = attrs.field(default=frozenset({"sat", "sun"}), converter=_to_weekend)
    holidays: frozenset[dt.date] = attrs.field(default=frozenset(), converter=_to_holidays)
    country: str | None = attrs.field(default=None, validator=_check_country)
    _off_weekdays: frozenset[int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        off = frozenset(WEEKDAYS.index(d) for d in self.weekend)
        object.__setattr__(self, "_off_weekdays", off)

    def is_working(self, day: dt.date) -> bool:
        """Whether *day* is a working day."""
        if day.weekday() in self._off_weekdays or day in self.holidays:
            return False
        return self.country is None or day not in _public_holidays(self.country, day.year)

    def next_working(self, day: dt.date) -> dt.date:
        """Return *day* if it is a working day, else the next working day after it."""
        while not self.is_working(day):
            if day >= MAX_DATE:
                return day  # nothing later to move to: the bound keeps its date
            day += _ONE_DAY
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """Return the *count*-th working day after *day* (*day* itself not counted).

        A negative *count* counts back; zero gives *day*.
        """
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        left = abs(count)
        while left:
            day += step
            if self.is_working(day):
                left -= 1
        return day

    def for_customer(self, customer: Customer) -> Calendar:
        """The calendar for *customer*: this one, with its country's holidays when it names one.

        A customer whose ``country`` attribute (`COUNTRY_ATTRIBUTE`) holds a
        country code, such as ``"DE"`` or ``"US-CA"``, gets that country's
        public holidays instead of this calendar's country; the weekend and
        explicit holidays stay.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Customer
            >>> ada = Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6),
            ...                attributes={"country": "DE"})
            >>> Calendar().for_customer(ada).country
            'DE'
        """
        country = customer.attributes.get(COUNTRY_ATTRIBUTE)
        if country is None or country == self.country:
            return self
        try:
            return _with_country(self, country)
        except InvalidValueError as e:
            raise InvalidValueError(
                "country", country, f"{e.problem} (the attribute of customer {customer.id!r})"
            ) from None

    @classmethod
    def from_mapping(cls, table: Mapping[str, object]) -> Calendar:
        """Make a calendar from a policy file's ``[calendar]`` table (already parsed).

        Keys: ``weekend`` (day names), ``holidays`` (ISO dates) and ``country``.

        Raises:
            InvalidValueError: naming the key and value of the first bad one.

        Examples:
            >>> table = {"weekend": ["Fri", "sat"], "holidays": ["2026-12-25"]}
            >>> office = Calendar.from_mapping(table)
            >>> sorted(office.weekend), sorted(office.holidays)
            (['fri', 'sat'], [datetime.date(2026, 12, 25)])
        """
        unknown = sorted(set(table) - {"weekend", "holidays", "country"})
        if unknown:
            raise InvalidValueError(
                "calendar", unknown[0], "is not a key of [calendar] (weekend, holidays, country)"
            )
        values: dict[str, Any] = dict(table)
        if "holidays" in values:
            values["holidays"] = [_iso_date(text) for text in _listed(values["holidays"])]
        if "weekend" in values:
            values["weekend"] = _listed(values["weekend"])
        return cls(**values)


@functools.lru_cache(maxsize=1024)
def _with_country(calendar: Calendar, country: str) -> Calendar:
    # Customers of one country share one calendar (and its cached holidays).
    return attrs.evolve(calendar, country=country)


def _listed(value: object) -> list[object]:
    if not isinstance(value, list):
        raise InvalidValueError("calendar", value, "must be a list")
    return value


def _iso_date(text: object) -> dt.date:
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    if not isinstance(text, str):
        raise InvalidValueError("holidays", text, "must be an ISO date such as 2026-12-25")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(
            "holidays", text, "must be an ISO date such as 2026-12-25"
        ) from None
