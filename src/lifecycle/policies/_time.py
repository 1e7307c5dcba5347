"""Offsets and recurrences: calendar arithmetic for due dates (via dateutil)."""

from __future__ import annotations

import datetime as dt

import attrs
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule

from lifecycle._validate import check_count
from lifecycle.errors import InvalidValueError

__all__ = ["Offset", "Recurrence", "days", "every", "months", "weeks", "years"]


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

    Build one with `days`, `weeks`, `months` or `years`; a negative amount
    means *before*. Months and years follow `dateutil.relativedelta`: from
    31 January one month later is 28 (or 29) February, and from 29 February
    one year later is 28 February.

    Attributes:
        years: Whole years.
        months: Whole months.
        days: Whole days.
    """

    years: int = 0
    months: int = 0
    days: int = 0
    _delta: relativedelta | dt.timedelta = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: How the offset reads: ``"7 days after"``, ``"60 days before"``, ``"on"``.
    description: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Whole days are exact with timedelta (and far cheaper on a hot path);
        # months and years need relativedelta's calendar rules.
        delta: relativedelta | dt.timedelta = (
            relativedelta(years=self.years, months=self.months, days=self.days)
            if self.years or self.months
            else dt.timedelta(days=self.days)
        )
        object.__setattr__(self, "_delta", delta)
        object.__setattr__(self, "description", self._describe())

    def _describe(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        amounts = [(n, unit) for n, unit in parts if n]
        if not amounts:
            return "on"
        sign = "before" if amounts[0][0] < 0 else "after"
        return " ".join(_plural(abs(n), unit) for n, unit in amounts) + f" {sign}"

    def apply(self, day: dt.date) -> dt.date:
        """Return *day* moved by this offset.

        Examples:
            >>> years(1).apply(dt.date(2024, 2, 29))
            datetime.date(2025, 2, 28)
        """
        moved: dt.date = day + self._delta
        return moved


def _amount(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(name, value, "must be a whole number")
    return value


def days(n: int) -> Offset:
    """Return an offset of *n* calendar days (negative: before).

    Examples:
        >>> days(-60).description
        '60 days before'
    """
    return Offset(days=_amount("days", n))


def weeks(n: int) -> Offset:
    """Return an offset of *n* weeks (7 days each)."""
    return Offset(days=7 * _amount("weeks", n))


def months(n: int) -> Offset:
    """Return an offset of *n* calendar months (month ends are clamped)."""
    return Offset(months=_amount("months", n))


def years(n: int) -> Offset:
    """Return an offset of *n* years (29 February becomes 28 February in common years)."""
    return Offset(years=_amount("years", n))


@attrs.frozen
class Recurrence:
    """Occurrences after an anchor date: every N days, months or years, or a dateutil rrule.

    Build one with `every`. Occurrence *k* (k >= 1) is the anchor date plus
    *k* steps, each computed from the anchor itself, so a 29 February anchor
    gives 28 February in common years and 29 February in leap years.
    """

    step: Offset
    rule: rrule | None = attrs.field(default=None, eq=False, hash=False)

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

    def latest(self, base: dt.date, on_or_before: dt.date) -> tuple[int, dt.date] | None:
        """Return (k, date) of the latest occurrence on or before a date, if any."""
        if self.rule is not None:
            # rrule works on naive datetimes; here they stand for local dates.
            start = dt.datetime.combine(base, dt.time())
            rule = self.rule.replace(dtstart=start)
            found = rule.before(dt.datetime.combine(on_or_before, dt.time()), inc=True)
            if found is None or found.date() <= base:
                return None
            return len([d for d in rule.between(start, found, inc=True) if d > start]), found.date()
        k = self._estimate(base, on_or_before)
        while k >= 1 and self._nth(base, k) > on_or_before:
            k -= 1
        return (k, self._nth(base, k)) if k >= 1 else None

    def first(self, base: dt.date) -> tuple[int, dt.date] | None:
        """Return (1, date) of the first occurrence after the anchor date."""
        if self.rule is not None:
            start = dt.datetime.combine(base, dt.time())
            found = self.rule.replace(dtstart=start).after(start, inc=False)
            return None if found is None else (1, found.date())
        return 1, self._nth(base, 1)

    def following(self, base: dt.date, occurrence: tuple[int, dt.date] | None) -> dt.date | None:
        """Return the date of the occurrence after *occurrence* (the first one after ``None``)."""
        if occurrence is None:
            found = self.first(base)
            return None if found is None else found[1]
        k, day = occurrence
        if self.rule is not None:
            start = dt.datetime.combine(base, dt.time())
            later = self.rule.replace(dtstart=start).after(
                dt.datetime.combine(day, dt.time()), inc=False
            )
            return None if later is None else later.date()
        return self._nth(base, k + 1)

    def _estimate(self, base: dt.date, until: dt.date) -> int:
        """An upper bound for k: occurrence k + 1 always lands in a later month (or day)."""
        step = self.step
        span_months = (until.year - base.year) * 12 + until.month - base.month
        if step.years or step.months:
            per = step.years * 12 + step.months
            return max(0, span_months // per) if per > 0 else 0
        return max(0, (until - base).days // step.days) if step.days > 0 else 0


def every(
    *, years: int = 0, months: int = 0, days: int = 0, rule: rrule | None = None
) -> Recurrence:
    """Return a recurrence: every so many years, months or days, or a dateutil `rrule`.

    With an ``rrule``, its ``dtstart`` is replaced by the anchor date and the
    occurrences after the anchor date count.

    Raises:
        InvalidValueError: if no positive step (and no rule) is given, or both.

    Examples:
        >>> every(years=1).latest(dt.date(2024, 2, 29), dt.date(2027, 3, 1))
        (3, datetime.date(2027, 2, 28))
    """
    if rule is not None:
        if years or months or days:
            raise InvalidValueError("rule", rule, "give either a step or a rule, not both")
        return Recurrence(step=Offset(), rule=rule)
    for name, value in (("years", years), ("months", months), ("days", days)):
        check_count(name, value, minimum=0)
    if not (years or months or days):
        raise InvalidValueError("every", (years, months, days), "needs a positive step")
    return Recurrence(step=Offset(years=years, months=months, days=days))
