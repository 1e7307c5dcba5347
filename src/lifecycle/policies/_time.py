"""Offsets and recurrences: calendar arithmetic for due dates (via dateutil).

Every span is bounded (`MAX_SPAN`) and every recurrence is one whose
evaluation is bounded by the days it spans, so that no policy can make date
arithmetic leave Python's calendar or loop for long.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from bisect import bisect_right
from collections.abc import Iterator

import attrs
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rruleset

from lifecycle.calendar import Calendar
from lifecycle.errors import InvalidValueError

__all__ = [
    "MAX_SPAN",
    "RULE_HORIZON",
    "Offset",
    "Recurrence",
    "days",
    "every",
    "months",
    "weeks",
    "working_days",
    "years",
]

#: The longest span an offset, expiry, fulfilment window, ``within`` window or
#: recurrence step may have, before or after: 100 years, in each unit. With
#: book dates from 1900-01-01 to 2199-12-31, every date a policy works out
#: then stays far inside Python's calendar (years 1 to 9999). A 100-year span
#: is 36,525 days, so 5,217 weeks (5,218 weeks would be one day more).
MAX_SPAN: dict[str, int] = {"days": 36_525, "weeks": 5_217, "months": 1_200, "years": 100}

#: The last date an `rrule` recurrence is evaluated through. An occurrence
#: matters while its due date (at most 100 years before it) can come on or
#: before the last book date, 2199-12-31, and the one after that tells when the
#: verdict next changes. Stopping here bounds the time any rule takes, also a
#: rule that never matches (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``).
RULE_HORIZON = dt.date(2399, 12, 31)

# The Gregorian calendar repeats every 400 years, weekdays and ISO weeks
# included. A rule is evaluated this many 400-year cycles later, where
# dateutil's own stop (after year 9999) falls just after RULE_HORIZON: dateutil
# checks a rule's UNTIL only on the dates it finds, so a rule that finds none
# would otherwise run on to year 9999.
_SHIFT = dt.MAXYEAR - RULE_HORIZON.year
assert _SHIFT % 400 == 0

# The largest step of a rule, per frequency, in its own unit (100 years).
_MAX_INTERVAL = {
    "YEARLY": MAX_SPAN["years"],
    "MONTHLY": MAX_SPAN["months"],
    "WEEKLY": MAX_SPAN["weeks"],
    "DAILY": MAX_SPAN["days"],
}
_PART = re.compile(r"([A-Z]+)=([^;]*)")
# RFC 5545's range for each BY part's numbers, in absolute value (BYDAY: its ordinal).
_BY_RANGES = {
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (1, 31),
    "BYYEARDAY": (1, 366),
    "BYWEEKNO": (1, 53),
    "BYDAY": (1, 53),
}


def shown(value: object) -> object:
    """Return *value*, or a short stand-in for a number too long to quote in a message."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"a number of about {digits} digits"
    return value


def check_span(unit: str, value: object, *, field: str | None = None) -> int:
    """Return *value* if it is a whole number of *unit* of at most `MAX_SPAN` either way.

    Raises:
        InvalidValueError: naming *field* (default: *unit*).
    """
    name = field or unit
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(name, value, "must be a whole number")
    if abs(value) > MAX_SPAN[unit]:
        raise InvalidValueError(name, shown(value), too_long(unit))
    return value


def too_long(unit: str) -> str:
    """The problem with a span of *unit* beyond `MAX_SPAN`, in words."""
    years = "" if unit == "years" else " (100 years)"
    return f"is too long: at most {MAX_SPAN[unit]:,} {unit}{years} either way"


#: One day, the step of every "next date of change".
ONE_DAY = dt.timedelta(days=1)


def earliest(*days: dt.date | None) -> dt.date | None:
    """Return the earliest of *days* that is set (``None`` if none is)."""
    # A plain loop: asked a few times for each customer worked out, mostly of
    # two or three dates, where it is cheaper than building a list for `min`.
    found = None
    for day in days:
        if day is not None and (found is None or day < found):
            found = day
    return found


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


@attrs.frozen
class Offset:
    """A calendar offset such as "7 days after" or "60 days before".

    Build one with `days`, `weeks`, `months`, `years` or `working_days`; a
    negative amount means *before*. Months and years follow
    `dateutil.relativedelta`: from 31 January one month later is 28 (or 29)
    February, and from 29 February one year later is 28 February.

    Attributes:
        years: Whole years.
        months: Whole months.
        days: Whole days.
        working_days: Whole working days of the customer's calendar (alone:
            not with years, months or days); without a calendar every day
            is a working day.
    """

    years: int = attrs.field(default=0, validator=lambda _, a, v: check_span(a.name, v))
    months: int = attrs.field(default=0, validator=lambda _, a, v: check_span(a.name, v))
    days: int = attrs.field(default=0, validator=lambda _, a, v: check_span(a.name, v))
    working_days: int = attrs.field(
        default=0, kw_only=True, validator=lambda _, a, v: check_span("days", v, field=a.name)
    )
    _delta: relativedelta | dt.timedelta = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: How the offset reads: ``"7 days after"``, ``"60 days before"``, ``"on"``.
    description: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Months count as 30.4375 days (1,200 months is 36,525 days): 487/16 of a day.
        total = abs(12 * self.years + self.months) * 487 + abs(self.days) * 16
        if total > MAX_SPAN["days"] * 16:
            raise InvalidValueError(
                "offset",
                (self.years, self.months, self.days),
                "is too long: years, months and days together span at most 100 years",
            )
        if self.working_days and (self.years or self.months or self.days):
            raise InvalidValueError(
                "offset",
                (self.years, self.months, self.days, self.working_days),
                "counts working days alone, not with years, months or days",
            )
        # Whole days are exact with timedelta (and far cheaper on a hot path);
        # months and years need relativedelta's calendar rules. Without a
        # calendar every day is a working day.
        delta: relativedelta | dt.timedelta = (
            relativedelta(years=self.years, months=self.months, days=self.days)
            if self.years or self.months
            else dt.timedelta(days=self.days + self.working_days)
        )
        object.__setattr__(self, "_delta", delta)
        object.__setattr__(self, "description", self._describe())

    def _describe(self) -> str:
        parts = [
            (self.years, "year"),
            (self.months, "month"),
            (self.days, "day"),
            (self.working_days, "working day"),
        ]
        amounts = [(n, unit) for n, unit in parts if n]
        if not amounts:
            return "on"
        sign = "before" if amounts[0][0] < 0 else "after"
        return " ".join(_plural(abs(n), unit) for n, unit in amounts) + f" {sign}"

    def apply(self, day: dt.date, calendar: Calendar | None = None) -> dt.date:
        """Return *day* moved by this offset (working days by *calendar*'s).

        Examples:
            >>> years(1).apply(dt.date(2024, 2, 29))
            datetime.date(2025, 2, 28)
            >>> from lifecycle.calendar import Calendar
            >>> christmas = Calendar(holidays=[dt.date(2026, 12, 25)])
            >>> working_days(1).apply(dt.date(2026, 12, 24), christmas)
            datetime.date(2026, 12, 28)

        Raises:
            InvalidValueError: if the result is past Python's dates (years 1 to
                9999); a day within `lifecycle.limits` never is.
        """
        if self.working_days and calendar is not None:
            return calendar.add_working_days(day, self.working_days)
        try:
            moved: dt.date = day + self._delta
        except (OverflowError, ValueError):  # timedelta's and relativedelta's
            raise InvalidValueError(
                "day", day, f"moved {self.description} leaves Python's dates (years 1 to 9999)"
            ) from None
        return moved


def days(n: int) -> Offset:
    """Return an offset of *n* calendar days (negative: before), at most 36,525 either way.

    Raises:
        InvalidValueError: if *n* is not a whole number, or is beyond `MAX_SPAN`.

    Examples:
        >>> days(-60).description
        '60 days before'
    """
    return Offset(days=check_span("days", n))


def weeks(n: int) -> Offset:
    """Return an offset of *n* weeks (7 days each), at most 5,217 either way."""
    return Offset(days=7 * check_span("weeks", n))


def months(n: int) -> Offset:
    """Return an offset of *n* calendar months (month ends are clamped), at most 1,200."""
    return Offset(months=check_span("months", n))


def years(n: int) -> Offset:
    """Return an offset of *n* years (29 February becomes 28 February in common years).

    At most 100 either way.
    """
    return Offset(years=check_span("years", n))


def due_date(offset: Offset, day: dt.date, calendar: Calendar | None) -> dt.date:
    """Return the due date *offset* after *day*: with a *calendar*, moved to a working day.

    A due date on a day off moves to the next working day (``decisions.md``,
    "Working days"); without a calendar every day is a working day.

    Examples:
        >>> from lifecycle.calendar import Calendar
        >>> due_date(days(7), dt.date(2026, 12, 18), Calendar(holidays=[dt.date(2026, 12, 25)]))
        datetime.date(2026, 12, 28)
    """
    unmoved = offset.apply(day, calendar)
    return unmoved if calendar is None else calendar.next_working(unmoved)


def working_days(n: int) -> Offset:
    """Return an offset of *n* working days (negative: before), at most 36,525 either way.

    The *n*-th working day after the anchor date (the anchor date itself not
    counted), by the customer's calendar (see `lifecycle.Calendar`); without
    a calendar every day is a working day, so it is ``days(n)``.

    Raises:
        InvalidValueError: if *n* is not a whole number, or is beyond 36,525.

    Examples:
        >>> working_days(5).description
        '5 working days after'
        >>> from lifecycle.calendar import Calendar
        >>> friday = dt.date(2026, 12, 18)
        >>> working_days(5).apply(friday, Calendar(holidays=[dt.date(2026, 12, 25)]))
        datetime.date(2026, 12, 28)
        >>> working_days(5).apply(friday)
        datetime.date(2026, 12, 23)
    """
    return Offset(working_days=check_span("days", n, field="working_days"))


def rule_text(rule: rrule | None) -> str | None:
    """The rule's RFC 5545 ``RRULE`` text, without its start: what makes two rules equal."""
    if rule is None:
        return None
    lines = str(rule).splitlines()
    return next(line for line in lines if line.startswith("RRULE:")).removeprefix("RRULE:")


@attrs.frozen
class Recurrence:
    """Occurrences after an anchor date: every N days, months or years, or a dateutil rrule.

    Build one with `every`. Occurrence *k* (k >= 1) is the anchor date plus
    *k* steps, each computed from the anchor itself, so a 29 February anchor
    gives 28 February in common years and 29 February in leap years.

    Two recurrences are equal when their steps are, or their rules read the
    same (the ``RRULE`` text, without a start date, which the anchor gives).
    """

    step: Offset
    rule: rrule | None = attrs.field(default=None, eq=rule_text)
    # The rule's UNTIL, as a plain date-time (dateutil keeps it only privately).
    _until: dt.datetime | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.rule is None:
            step = self.step
            if min(step.years, step.months, step.days) < 0 or step == Offset():
                raise InvalidValueError("step", step, "must be a positive step")
            if step.working_days:
                raise InvalidValueError("step", step, "counts calendar days, not working days")
            object.__setattr__(self, "_until", None)
            return
        if self.step != Offset():
            raise InvalidValueError("rule", self.rule, "give either a step or a rule, not both")
        rule, until = _checked_rule(self.rule)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "_until", until)

    @property
    def description(self) -> str:
        """How the recurrence reads, e.g. ``"every 1 year"``."""
        if self.rule is not None:
            return "on each date of the rule"
        return "every " + self.step.description.rsplit(" ", 1)[0]

    def _nth(self, base: dt.date, k: int) -> dt.date:
        step = self.step
        if not (step.months or step.days):
            # Whole years: relativedelta's rule (29 February -> 28 February), without its cost.
            year = base.year + k * step.years
            try:
                return base.replace(year=year)
            except ValueError:
                return base.replace(year=year, day=28)
        moved: dt.date = base + relativedelta(
            years=k * step.years, months=k * step.months, days=k * step.days
        )
        return moved

    def _dates(self, rule: rrule, base: dt.date, through: dt.date) -> list[dt.date]:
        """The rule's dates after *base*, at least through *through* (one more if there is one)."""
        return _known_dates(rule, self._until, base).through(through)

    def latest(self, base: dt.date, on_or_before: dt.date) -> tuple[int, dt.date] | None:
        """Return (k, date) of the latest occurrence on or before a date, if any."""
        if self.rule is not None:
            dates = self._dates(self.rule, base, on_or_before)
            k = bisect_right(dates, on_or_before)
            return (k, dates[k - 1]) if k else None
        k = self._estimate(base, on_or_before)
        while k >= 1 and self._nth(base, k) > on_or_before:
            k -= 1
        return (k, self._nth(base, k)) if k >= 1 else None

    def latest_due(
        self, base: dt.date, as_of: dt.date, offset: Offset, calendar: Calendar | None = None
    ) -> tuple[int, dt.date] | None:
        """Return (k, date) of the latest occurrence on or before *as_of* due by then, if any.

        An occurrence is due by *as_of* when *offset* moves it to *as_of* or
        before (and, with a *calendar*, on to the next working day: see `due_date`).
        """
        if self.rule is not None:
            dates = self._dates(self.rule, base, as_of)
            for k in range(bisect_right(dates, as_of), 0, -1):
                if due_date(offset, dates[k - 1], calendar) <= as_of:
                    return k, dates[k - 1]
            return None
        found = self.latest(base, as_of)
        while found is not None and due_date(offset, found[1], calendar) > as_of:
            found = self.latest(base, found[1] - ONE_DAY)
        return found

    def first(self, base: dt.date) -> tuple[int, dt.date] | None:
        """Return (1, date) of the first occurrence after the anchor date."""
        if self.rule is not None:
            dates = self._dates(self.rule, base, base)
            return (1, dates[0]) if dates else None
        return 1, self._nth(base, 1)

    def following(self, base: dt.date, occurrence: tuple[int, dt.date] | None) -> dt.date | None:
        """Return the date of the occurrence after *occurrence* (the first one after ``None``)."""
        if occurrence is None:
            found = self.first(base)
            return None if found is None else found[1]
        k, day = occurrence
        if self.rule is not None:
            dates = self._dates(self.rule, base, day)
            after = bisect_right(dates, day)
            return dates[after] if after < len(dates) else None
        return self._nth(base, k + 1)

    def _estimate(self, base: dt.date, until: dt.date) -> int:
        """An upper bound for k: occurrence k + 1 always lands in a later month (or day)."""
        step = self.step
        span_months = (until.year - base.year) * 12 + until.month - base.month
        if step.years or step.months:
            per = step.years * 12 + step.months
            return max(0, span_months // per) if per > 0 else 0
        return max(0, (until - base).days // step.days) if step.days > 0 else 0


class _KnownDates:
    """A rule's dates after one base date, worked out as far as asked, and kept.

    A forecast or an incremental agenda asks a recurrence again on every day
    it may change, from the same anchor: keeping what was worked out makes
    each question cost the days it adds, not all the days since the anchor.
    """

    __slots__ = ("_dates", "_lock", "_more")

    def __init__(self, rule: rrule, until: dt.datetime | None, base: dt.date) -> None:
        self._more: Iterator[dt.date] | None = _rule_dates(rule, until, base)
        self._dates: list[dt.date] = []
        self._lock = threading.Lock()  # one engine may be used from several threads

    def through(self, day: dt.date) -> list[dt.date]:
        """The dates up to *day*, and the next one if there is one (the list kept: read only)."""
        dates = self._dates
        if self._more is not None and (not dates or dates[-1] <= day):
            with self._lock:
                more: Iterator[dt.date] | None = self._more
                while more is not None and (not dates or dates[-1] <= day):
                    found = next(more, None)
                    if found is None:
                        self._more = more = None
                    else:
                        dates.append(found)
        return dates


@functools.lru_cache(maxsize=64)
def _known_dates(rule: rrule, until: dt.datetime | None, base: dt.date) -> _KnownDates:
    # Bounded: a book's customers come one after the other, each asked on its own days.
    return _KnownDates(rule, until, base)


def _rule_dates(rule: rrule, until: dt.datetime | None, base: dt.date) -> Iterator[dt.date]:
    """The rule's dates after *base*, in order, through `RULE_HORIZON` at most."""
    if base > RULE_HORIZON:
        return
    # rrule works on naive datetimes; here they stand for local dates.
    shifted = base.replace(year=base.year + _SHIFT)
    if until is not None:
        later = until.year + _SHIFT
        until = None if later > dt.MAXYEAR else until.replace(year=later)
    moved = rule.replace(dtstart=dt.datetime.combine(shifted, dt.time()), until=until)
    for found in moved:
        day = found.date()
        if day > shifted:
            yield day.replace(year=day.year - _SHIFT)


def _check_parts(text: str, parts: dict[str, str]) -> None:
    """Refuse the parts of a rule that are below a day, not RFC 5545, or out of range."""
    for part in ("BYHOUR", "BYMINUTE", "BYSECOND", "BYEASTER"):
        if part in parts:
            why = "a dateutil extension" if part == "BYEASTER" else "stewardship works in days"
            raise InvalidValueError("rule", text, f"{part} is not supported ({why})")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidValueError("rule", text, "give COUNT or UNTIL, not both (RFC 5545)")
    for part, (low, high) in _BY_RANGES.items():
        for item in parts[part].split(",") if part in parts else ():
            number = int(re.sub(r"[A-Z]+$", "", item) or "1")
            if not low <= abs(number) <= high:
                raise InvalidValueError("rule", text, f"{part}={item} is out of range")


def _checked_rule(rule: object) -> tuple[rrule, dt.datetime | None]:
    """Return *rule* and its UNTIL as a plain date-time, if it is a rule a policy can use.

    Refused: rule sets (RDATE, EXDATE, EXRULE, several RRULEs), frequencies
    below a day and BYHOUR/BYMINUTE/BYSECOND (stewardship works in days),
    BYEASTER (a dateutil extension, not RFC 5545), an INTERVAL of 0 or beyond
    100 years, and a rule that matches no date at all.
    """
    if isinstance(rule, rruleset):
        raise InvalidValueError(
            "rule", rule, "is a rule set: RDATE, EXDATE, EXRULE and more RRULEs are not supported"
        )
    if not isinstance(rule, rrule):
        raise InvalidValueError("rule", rule, "must be a dateutil rrule")
    text = rule_text(rule) or ""
    parts = dict(_PART.findall(text))
    freq = parts["FREQ"]
    if freq not in _MAX_INTERVAL:
        raise InvalidValueError(
            "rule", text, f"FREQ={freq} is below a day: use YEARLY, MONTHLY, WEEKLY or DAILY"
        )
    _check_parts(text, parts)
    interval = int(parts.get("INTERVAL", "1"))
    if not 1 <= interval <= _MAX_INTERVAL[freq]:
        raise InvalidValueError(
            "rule",
            text,
            f"INTERVAL={interval} must be from 1 to {_MAX_INTERVAL[freq]:,} (100 years)",
        )
    # UNTIL as written (a UTC one counts as a plain date-time: the rule works in days).
    until = None
    if "UNTIL" in parts:
        until = dt.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S")  # noqa: DTZ007 - a local date
    start = dt.datetime.combine(dt.date(2000, 1, 1), dt.time())
    plain = rule.replace(dtstart=start, until=until)
    try:
        found = next(_rule_dates(plain.replace(count=None, until=None), None, start.date()), None)
    except (ValueError, IndexError) as e:  # dateutil finds some combinations only when it runs
        raise InvalidValueError("rule", text, f"cannot be worked out ({e})") from None
    if found is None:
        raise InvalidValueError("rule", text, "matches no date (in 400 years from 2000-01-01)")
    return plain, until


def every(
    *, years: int = 0, months: int = 0, days: int = 0, rule: rrule | None = None
) -> Recurrence:
    """Return a recurrence: every so many years, months or days, or a dateutil `rrule`.

    With an ``rrule``, its ``dtstart`` is replaced by the anchor date and the
    occurrences after the anchor date count, through `RULE_HORIZON`. A step
    spans at most 100 years (see `MAX_SPAN`).

    Raises:
        InvalidValueError: if no positive step (and no rule) is given, or both;
            for a step beyond 100 years; for a rule set (RDATE, EXDATE), a
            frequency below a day, BYHOUR, BYMINUTE, BYSECOND or BYEASTER, an
            INTERVAL of 0 or beyond 100 years, or a rule that matches no date.

    Examples:
        >>> every(years=1).latest(dt.date(2024, 2, 29), dt.date(2027, 3, 1))
        (3, datetime.date(2027, 2, 28))
        >>> from dateutil.rrule import rrulestr
        >>> try:
        ...     every(rule=rrulestr("FREQ=DAILY;INTERVAL=0"))
        ... except InvalidValueError as e:
        ...     print(e.problem)
        INTERVAL=0 must be from 1 to 36,525 (100 years)
    """
    if rule is not None:
        if years or months or days:
            raise InvalidValueError("rule", rule, "give either a step or a rule, not both")
        return Recurrence(step=Offset(), rule=rule)
    for name, value in (("years", years), ("months", months), ("days", days)):
        if check_span(name, value) < 0:
            raise InvalidValueError(name, value, "must be a whole number, at least 0")
    if not (years or months or days):
        raise InvalidValueError("every", (years, months, days), "needs a positive step")
    return Recurrence(step=Offset(years=years, months=months, days=days))
