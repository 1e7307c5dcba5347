"""Relationship metrics: is stewardship working? Each a pure function of a book and a period.

Service metrics measure how well the team *reacts* (first response, resolution,
CSAT); relationship metrics measure what proactive stewardship is for (NPS,
retention, churn, cohorts, lifetime value, and the stewardship ratio: how much
of the conversation the team starts); the stewardship record counts what the
team did with its actions (its decisions: done, dismissed, snoozed). Every
function documents its formula; periods are inclusive local-date ranges, taken
in each customer's zone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Context, Decimal
from typing import Any

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_day, check_period
from lifecycle.book import Book
from lifecycle.churn import DEFAULT_CHURN, ChurnRule
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, Outcome, in_force
from lifecycle.errors import InvalidValueError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Direction, Kind, check_currency

__all__ = [
    "Cohort",
    "DecisionCounts",
    "Durations",
    "LifetimeValue",
    "Nps",
    "OrderValue",
    "RepeatPurchases",
    "Retention",
    "Revenue",
    "RevenueCohort",
    "Rfm",
    "RfmScore",
    "Satisfaction",
    "Stewardship",
    "StewardshipRecord",
    "average_order_value",
    "cohort_retention",
    "csat",
    "first_response_times",
    "lifetime_value",
    "nps",
    "repeat_purchase_rate",
    "report",
    "resolution_times",
    "retention",
    "revenue",
    "rfm",
    "stewardship_ratio",
    "stewardship_record",
]


def _p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile: the smallest value with at least 90% at or below it."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


@attrs.frozen
class Durations:
    """How long something took, in hours: median and 90th percentile, with counts.

    Attributes:
        count: How many were measured (answered or resolved).
        waiting: How many had no answer (or resolution) by the end of the period.
        median_hours: The median, in hours (``None`` when nothing was measured).
        p90_hours: The nearest-rank 90th percentile, in hours (``None`` likewise).
    """

    count: int
    waiting: int
    median_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, hours: list[float], waiting: int) -> Durations:
        """Summarise measured durations (hours) and how many are still waiting."""
        if not hours:
            return cls(0, waiting, None, None)
        return cls(len(hours), waiting, statistics.median(hours), _p90(hours))


def _times(
    book: Book,
    start: dt.date,
    end: dt.date,
    asked: Iterable[Kind],
    answer: Kind | None,
) -> Durations:
    hours: list[float] = []
    waiting = 0
    kinds = tuple(asked)
    for _customer, timeline in book.items():  # noqa: PERF102 - a Book, not a dict
        visible = timeline.until(end)
        for tp in visible.between(start, end):
            if tp.kind not in kinds or tp.direction is not Direction.INBOUND:
                continue
            later = visible.after(tp.at)
            reply = (
                later.first(direction=Direction.OUTBOUND) if answer is None else later.first(answer)
            )
            if reply is None:
                waiting += 1
            else:
                hours.append((reply.at - tp.at).total_seconds() / 3600)
    return Durations.of(hours, waiting)


def first_response_times(book: Book, start: dt.date, end: dt.date) -> Durations:
    """Time from each inbound inquiry or complaint in the period to our first outbound touchpoint.

    Formula: for every inbound ``inquiry`` or ``complaint`` whose local date is
    in [start, end], the time to the customer's next outbound touchpoint (of
    any kind, up to *end*); median and nearest-rank 90th percentile in hours.
    Those with no response by *end* are counted as ``waiting``.

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> times = first_response_times(lc.sample_book(), dt.date(2026, 1, 1), lc.SAMPLE_AS_OF)
        >>> times.count > 0 and times.median_hours <= times.p90_hours
        True
    """
    check_period(start, end)
    return _times(book, start, end, (Kind.INQUIRY, Kind.COMPLAINT), None)


def resolution_times(book: Book, start: dt.date, end: dt.date) -> Durations:
    """Time from each inbound complaint in the period to the next ``resolution``.

    Formula: for every inbound ``complaint`` whose local date is in
    [start, end], the time to the customer's next ``resolution`` touchpoint (up
    to *end*); median and nearest-rank 90th percentile in hours; unresolved
    ones are counted as ``waiting``.

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.
    """
    check_period(start, end)
    return _times(book, start, end, (Kind.COMPLAINT,), Kind.RESOLUTION)


@attrs.frozen
class Satisfaction:
    """CSAT over a period.

    Attributes:
        responses: CSAT answers in the period.
        satisfied: Answers of 4 or 5.
        percent: ``100 * satisfied / responses`` (``None`` without answers).
        mean: The mean score, 1 to 5 (``None`` without answers).
    """

    responses: int
    satisfied: int
    percent: float | None
    mean: float | None


def csat(book: Book, start: dt.date, end: dt.date) -> Satisfaction:
    """Customer satisfaction: the share of CSAT answers of 4 or 5, and the mean.

    Formula: over every ``csat`` touchpoint with a score whose local date is in
    [start, end], CSAT = 100 x (answers of 4 or 5) / (answers).

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.
    """
    check_period(start, end)
    scores = [
        tp.score
        for _customer, timeline in book.items()
        for tp in timeline.between(start, end).select(Kind.CSAT)
        if tp.score is not None
    ]
    if not scores:
        return Satisfaction(0, 0, None, None)
    satisfied = sum(1 for s in scores if s >= 4)
    return Satisfaction(
        len(scores), satisfied, 100 * satisfied / len(scores), statistics.fmean(scores)
    )


@attrs.frozen
class Nps:
    """Net Promoter Score over a period.

    Attributes:
        score: ``100 * (promoters - detractors) / responses``, from -100 to 100
            (``None`` without answers).
        promoters: Customers whose answer was 9 or 10.
        passives: Customers whose answer was 7 or 8.
        detractors: Customers whose answer was 0 to 6.
    """

    score: float | None
    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        """Customers who answered in the period."""
        return self.promoters + self.passives + self.detractors


def nps(book: Book, start: dt.date, end: dt.date) -> Nps:
    """Net Promoter Score: promoters minus detractors, as a share of those who answered.

    Formula: each customer's latest ``nps`` answer whose local date is in
    [start, end] counts once; promoters answered 9-10, passives 7-8,
    detractors 0-6; NPS = 100 x (promoters - detractors) / (customers who
    answered), from -100 to 100.

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> -100 <= nps(lc.sample_book(), dt.date(2024, 1, 1), lc.SAMPLE_AS_OF).score <= 100
        True
    """
    check_period(start, end)
    latest = [
        answer.score
        for _customer, timeline in book.items()
        if (answer := timeline.between(start, end).last(Kind.NPS)) is not None
        and answer.score is not None
    ]
    promoters = sum(1 for s in latest if s >= 9)
    detractors = sum(1 for s in latest if s <= 6)
    passives = len(latest) - promoters - detractors
    score = 100 * (promoters - detractors) / len(latest) if latest else None
    return Nps(score, promoters, passives, detractors)


def _churned(churn: ChurnRule, customer: Customer, timeline: Timeline, day: dt.date) -> bool:
    return churn.churned(customer, timeline.until(day), day) is not None


@attrs.frozen
class Retention:
    """Who of the customers at the start of a period were still customers at its end.

    Attributes:
        starting: Customers at the start (``since`` on or before it, not churned).
        retained: Of those, not churned at the end.
        churned: Of those, churned by the end.
    """

    starting: int
    retained: int
    churned: int

    @property
    def retention_rate(self) -> float | None:
        """``100 * retained / starting`` (``None`` for an empty cohort)."""
        return 100 * self.retained / self.starting if self.starting else None

    @property
    def churn_rate(self) -> float | None:
        """``100 * churned / starting``; with the retention rate it makes 100."""
        return 100 * self.churned / self.starting if self.starting else None


def retention(
    book: Book, start: dt.date, end: dt.date, *, churn: ChurnRule = DEFAULT_CHURN
) -> Retention:
    """Retention and churn of the customers a period starts with.

    Formula: the starting cohort is every customer whose ``since`` is on or
    before *start* and who is not churned on *start* (by *churn*; by default
    the last cancellation up to that day has no purchase or renewal after it,
    `lifecycle.churn_on_cancellation`). Retained: those not churned on *end*.
    Retention rate = 100 x retained / starting; churn rate = 100 x churned /
    starting; the two make 100.

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.
    """
    check_period(start, end)
    starting = retained = 0
    for customer, timeline in book.items():
        if customer.since > start or _churned(churn, customer, timeline, start):
            continue
        starting += 1
        retained += not _churned(churn, customer, timeline, end)
    return Retention(starting, retained, starting - retained)


@attrs.frozen
class Cohort:
    """The customers who started in one month, and how many are still customers.

    Attributes:
        month: The start month, ``"YYYY-MM"``.
        customers: Customers whose ``since`` falls in it.
        retained: Of those, not churned on the as-of date.
    """

    month: str
    customers: int
    retained: int

    @property
    def rate(self) -> float:
        """``100 * retained / customers``."""
        return 100 * self.retained / self.customers


def cohort_retention(
    book: Book, as_of: dt.date, *, churn: ChurnRule = DEFAULT_CHURN
) -> tuple[Cohort, ...]:
    """Retention by start month: of the customers who started in each month, who is left.

    Formula: customers are grouped by the month of ``since`` (on or before
    *as_of*); a cohort's rate is 100 x (not churned on *as_of*, by *churn*) /
    (customers). Oldest cohort first.

    Raises:
        InvalidValueError: if *as_of* is not a date.
    """
    check_day("as_of", as_of)
    counts: dict[str, list[int]] = {}
    for customer, timeline in book.items():
        if customer.since > as_of:
            continue
        cohort = counts.setdefault(customer.since.strftime("%Y-%m"), [0, 0])
        cohort[0] += 1
        cohort[1] += not _churned(churn, customer, timeline, as_of)
    return tuple(Cohort(month, n, kept) for month, (n, kept) in sorted(counts.items()))


@attrs.frozen
class LifetimeValue:
    """A simple customer lifetime value model.

    Attributes:
        monthly_revenue: Mean monthly revenue per customer who has the attribute.
        monthly_churn: Monthly churn rate, 0 to 1, from the period's churn.
        value: ``monthly_revenue * margin / monthly_churn`` (``None`` when no
            customer churned: the model has no finite answer).
        customers: Customers with a revenue attribute.
    """

    monthly_revenue: float
    monthly_churn: float
    value: float | None
    customers: int


def lifetime_value(
    book: Book,
    start: dt.date,
    end: dt.date,
    *,
    attribute: str = "monthly_revenue",
    yearly: bool = False,
    margin: float = 1.0,
    churn: ChurnRule = DEFAULT_CHURN,
) -> LifetimeValue | None:
    """Customer lifetime value: revenue per month times margin, over the monthly churn rate.

    Formula (the usual simple model): ARPA = the mean of the *attribute* (a
    monthly revenue, as a number) over customers that have it; monthly churn =
    (churn rate over [start, end]) / (months in the period, at least 1);
    CLV = ARPA x *margin* / monthly churn. With *yearly*, the attribute is a
    yearly revenue and is divided by 12. Returns ``None`` when no customer has
    the attribute. Churn is by *churn* (see `retention`).

    Raises:
        InvalidValueError: for a bad period or margin, or an attribute value
            that is not a number (naming the customer and the value).
    """
    check_period(start, end)
    if not 0 < margin <= 1:
        raise InvalidValueError("margin", margin, "must be more than 0 and at most 1")
    revenues: list[float] = []
    for customer in book:
        raw = customer.attributes.get(attribute)
        if raw is None:
            continue
        try:
            revenues.append(float(raw) / (12 if yearly else 1))
        except ValueError:
            raise InvalidValueError(
                f"{customer.id}.attributes[{attribute!r}]", raw, "is not a number"
            ) from None
    if not revenues:
        return None
    months = max(1.0, (end - start).days / 30.4375)
    monthly = (retention(book, start, end, churn=churn).churn_rate or 0.0) / 100 / months
    arpa = statistics.fmean(revenues)
    return LifetimeValue(arpa, monthly, arpa * margin / monthly if monthly else None, len(revenues))


@attrs.frozen
class Stewardship:
    """How much of the conversation we start: outbound touchpoints over all of them.

    Attributes:
        outbound: Touchpoints we started in the period.
        inbound: Touchpoints the customers started.
        ratio: ``outbound / (outbound + inbound)``, 0 to 1 (``None`` without touchpoints).
        by_customer: The same ratio per customer who had touchpoints in the period.
    """

    outbound: int
    inbound: int
    ratio: float | None
    by_customer: Mapping[str, float]


def stewardship_ratio(book: Book, start: dt.date, end: dt.date) -> Stewardship:
    """The stewardship ratio: the share of touchpoints we started rather than the customer.

    Formula: over touchpoints whose local date is in [start, end],
    ratio = outbound / (outbound + inbound), for the book and per customer.
    Reactive service alone keeps it low; stewardship raises it.

    Raises:
        InvalidValueError: for a date that is not a date, or *end* before *start*.
    """
    check_period(start, end)
    out_total = in_total = 0
    per: dict[str, float] = {}
    for customer, timeline in book.items():
        window = timeline.between(start, end)
        if not window:
            continue
        outbound = window.count(direction=Direction.OUTBOUND)
        per[customer.id] = outbound / len(window)
        out_total += outbound
        in_total += len(window) - outbound
    total = out_total + in_total
    return Stewardship(out_total, in_total, out_total / total if total else None, FrozenDict(per))


#: How many of the most common dismissal notes a `DecisionCounts` keeps.
TOP_NOTES = 3


@attrs.frozen
class DecisionCounts:
    """What the team did with a group of actions (one policy's, one owner's, or all).

    Attributes:
        done: Actions whose decision is ``done``.
        dismissed: Actions whose decision is ``dismissed``.
        snoozed: Actions whose decision is ``snoozed`` (still asleep or woken since).
        notes: The most common notes of the dismissed ones (at most three), as
            ``(note, count)``, most common first, ties in code-point order of
            the note; dismissals without a note are not among them.
        median_days_to_done: The median, over the done actions, of the days
            from the due date to the local date of the decision (negative:
            done before it was due); ``None`` when none is done.
    """

    done: int
    dismissed: int
    snoozed: int
    notes: tuple[tuple[str, int], ...]
    median_days_to_done: float | None

    @property
    def decided(self) -> int:
        """All the actions decided on: ``done + dismissed + snoozed``."""
        return self.done + self.dismissed + self.snoozed

    @classmethod
    def of(cls, decided: Iterable[tuple[Decision, dt.date]]) -> DecisionCounts:
        """Count decisions in force, each with the local date it was recorded on."""
        outcomes: Counter[Outcome] = Counter()
        notes: Counter[str] = Counter()
        days: list[int] = []
        for decision, recorded in decided:
            outcomes[decision.outcome] += 1
            if decision.outcome is Outcome.DONE:
                days.append((recorded - decision.due).days)
            elif decision.outcome is Outcome.DISMISSED and decision.note.strip():
                notes[decision.note.strip()] += 1
        top = sorted(notes.items(), key=lambda item: (-item[1], item[0]))[:TOP_NOTES]
        return cls(
            outcomes[Outcome.DONE],
            outcomes[Outcome.DISMISSED],
            outcomes[Outcome.SNOOZED],
            tuple(top),
            float(statistics.median(days)) if days else None,
        )


@attrs.frozen
class StewardshipRecord:
    """The team's stewardship record: what it did with its actions, per policy and per owner.

    ``str()`` gives it as a table.

    Attributes:
        start: The first day counted (``None``: from the first decision).
        as_of: The last day counted: decisions recorded later do not count.
        total: Every action decided on.
        by_policy: The same per policy, in name order.
        by_owner: The same per owner of the customer, in name order, the
            unowned (``None``) last.
    """

    start: dt.date | None
    as_of: dt.date
    total: DecisionCounts
    by_policy: Mapping[str, DecisionCounts]
    by_owner: Mapping[str | None, DecisionCounts]

    def __str__(self) -> str:
        since = "" if self.start is None else f"from {self.start.isoformat()} "
        n = self.total.decided
        lines = [
            f"Decisions {since}up to {self.as_of.isoformat()}: {n} action{'s' * (n != 1)} decided"
        ]
        if not n:
            return lines[0]
        head = "  " + " " * 22 + "  done  dismissed  snoozed  median days to done  notes"
        groups: list[tuple[str, Mapping[str, DecisionCounts] | Mapping[str | None, DecisionCounts]]]
        groups = [("by policy", self.by_policy), ("by owner", self.by_owner)]
        for title, rows in groups:
            lines += ["", title, head]
            lines += [_row(name or "(unowned)", counts) for name, counts in rows.items()]
        lines += ["", _row("all", self.total)]
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        """The record as plain JSON-ready data (groups as lists: an owner may be ``None``)."""
        return {
            "start": None if self.start is None else self.start.isoformat(),
            "as_of": self.as_of.isoformat(),
            "total": _counts_json(self.total),
            "by_policy": [{"policy": p, **_counts_json(c)} for p, c in self.by_policy.items()],
            "by_owner": [{"owner": o, **_counts_json(c)} for o, c in self.by_owner.items()],
        }


def _counts_json(counts: DecisionCounts) -> dict[str, object]:
    return {
        "done": counts.done,
        "dismissed": counts.dismissed,
        "snoozed": counts.snoozed,
        "notes": [{"note": note, "count": n} for note, n in counts.notes],
        "median_days_to_done": counts.median_days_to_done,
    }


def _row(name: str, counts: DecisionCounts) -> str:
    days = counts.median_days_to_done
    shown = "-" if days is None else f"{days:g}"
    notes = "; ".join(f"{note} ({n})" for note, n in counts.notes)
    return (
        f"  {name:<22}{counts.done:>6}{counts.dismissed:>11}{counts.snoozed:>9}"
        f"  {shown:>19}  {notes}"
    ).rstrip()


def stewardship_record(
    book: Book, *, as_of: dt.date, start: dt.date | None = None
) -> StewardshipRecord:
    """The team's stewardship record: actions done, dismissed and snoozed, per policy and owner.

    Formula: every action (one occurrence: customer, policy, due date) the
    team decided on counts once, by the decision that counts for it on
    *as_of* (the latest recorded whose local date, in the customer's zone, is
    on or before *as_of*; ties by the largest id: `lifecycle.decisions.in_force`),
    when that decision's local date is on or after *start* (if given).
    Decisions recorded after *as_of* do not count. An action's owner is its
    customer's. For the done ones: the median of (local date of the
    decision - due date) in days. For the dismissed ones: the most common
    notes, up to three.

    Raises:
        InvalidValueError: for a date that is not a date, or *as_of* before *start*.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6), owner="alice")
        >>> done = lc.Decision(id="d-1", customer_id="c-1", policy="welcome",
        ...                    due=dt.date(2026, 3, 8), outcome="done",
        ...                    at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC))
        >>> record = stewardship_record(lc.Book([ada], decisions=[done]),
        ...                             as_of=dt.date(2026, 3, 31))
        >>> record.by_owner["alice"].done, record.total.median_days_to_done
        (1, 2.0)
    """
    if start is None:
        check_day("as_of", as_of)
    else:
        check_period(start, as_of)
    total: list[tuple[Decision, dt.date]] = []
    by_policy: dict[str, list[tuple[Decision, dt.date]]] = {}
    by_owner: dict[str | None, list[tuple[Decision, dt.date]]] = {}
    for customer, timeline in book.items():
        decisions = timeline.decisions
        zone = timeline.timezone
        occurrences = dict.fromkeys((d.policy, d.due) for d in decisions)
        for policy, due in occurrences:
            decision = in_force(decisions, policy, due, as_of, zone)
            if decision is None:
                continue
            recorded = decision.local_date(zone)
            if start is not None and recorded < start:
                continue
            pair = (decision, recorded)
            total.append(pair)
            by_policy.setdefault(policy, []).append(pair)
            by_owner.setdefault(customer.owner, []).append(pair)
    return StewardshipRecord(
        start,
        as_of,
        DecisionCounts.of(total),
        FrozenDict({p: DecisionCounts.of(by_policy[p]) for p in sorted(by_policy)}),
        FrozenDict(
            {
                o: DecisionCounts.of(by_owner[o])
                for o in sorted(by_owner, key=lambda o: (o is None, o or ""))
            }
        ),
    )


# -- money: revenue, repeat purchases, order value, RFM ----------------------------------------

# Sums of amounts are exact: amounts have at most 22 digits (lifecycle.limits), so 60 digits
# hold the sum of any book; the average order value is the one division, to 28 digits.
_EXACT = Context(prec=60)
_DIVIDE = Context(prec=28)


@attrs.frozen
class _Buyer:
    """One customer's purchases up to the as-of date, as the money metrics read them."""

    id: str
    days: tuple[dt.date, ...]  # distinct local purchase days, in order
    spend: Decimal  # the counted amounts, added up
    orders: int  # purchases whose amount is counted
    without_amount: int
    other_currency: int


def _buyers(
    book: Book, as_of: dt.date, currency: str | None, *, money: bool = True
) -> tuple[str | None, list[_Buyer]]:
    """Every customer with a purchase on or before *as_of*, and the currency counted.

    Without *money* (only days are wanted), several currencies are no error.
    """
    day = check_day("as_of", as_of)
    if currency is not None:
        check_currency(currency, Decimal(0))
    found: list[tuple[str, list[tuple[dt.date, Decimal | None, str | None]]]] = []
    named: set[str] = set()
    for customer, timeline in book.items():
        view = timeline.until(day)
        rows = [
            (local, tp.amount, tp.currency)
            for tp, local in zip(view, view.local_dates(), strict=True)
            if tp.kind == Kind.PURCHASE
        ]
        if rows:
            found.append((customer.id, rows))
            named.update(code for _day, amount, code in rows if amount is not None and code)
    if money and currency is None and len(named) > 1:
        raise InvalidValueError(
            "currency",
            sorted(named),
            f"purchases up to {day.isoformat()} are in more than one currency, which are "
            "never added together: pass currency= one of them",
        )
    target = currency if currency is not None else min(named, default=None)
    # An amount without a currency is in the book's one currency; beside several, it is
    # in none of them.
    counted = {target, None} if named <= {target} else {target}
    buyers = []
    for customer_id, rows in found:
        spend, orders, missing, other = Decimal(0), 0, 0, 0
        for _day, amount, code in rows:
            if amount is None:
                missing += 1
            elif code in counted:
                spend = _EXACT.add(spend, amount)
                orders += 1
            else:
                other += 1
        days = tuple(dict.fromkeys(local for local, _amount, _code in rows))
        buyers.append(_Buyer(customer_id, days, spend, orders, missing, other))
    return target, buyers


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,.2f}" + ("" if currency is None else f" {currency}")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


@attrs.frozen
class RevenueCohort:
    """The customers whose first purchase fell in one month, and what they spent.

    Attributes:
        month: The month of the first purchase, ``"YYYY-MM"`` (the customer's local date).
        customers: Customers whose first purchase fell in it.
        revenue: Everything they spent up to the as-of date (not only in that month).
    """

    month: str
    customers: int
    revenue: Decimal


@attrs.frozen
class Revenue:
    """Revenue from purchases up to a date: in all, per customer, per first-purchase cohort.

    ``str()`` gives a short text; `as_json` plain JSON-ready data (amounts as text).

    Attributes:
        as_of: The last day counted.
        currency: The currency of the amounts counted (``None``: none named).
        total: The counted amounts added up, exactly.
        orders: Purchases whose amount is counted.
        without_amount: Purchases that carry no amount (not counted).
        other_currency: Purchases in another currency than *currency* (not counted).
        by_customer: The amounts of each customer with a purchase, added up (``0``
            for one whose purchases carry no counted amount); they add up to *total*.
        by_cohort: Per month of the first purchase, oldest first.
    """

    as_of: dt.date
    currency: str | None
    total: Decimal
    orders: int
    without_amount: int
    other_currency: int
    by_customer: Mapping[str, Decimal]
    by_cohort: tuple[RevenueCohort, ...]

    def __str__(self) -> str:
        n = len(self.by_customer)
        text = (
            f"Revenue up to {self.as_of.isoformat()}: {_money(self.total, self.currency)} "
            f"from {_plural(self.orders, 'purchase')} by {_plural(n, 'customer')}"
        )
        left = [
            f"{self.without_amount:,} without an amount" if self.without_amount else "",
            f"{self.other_currency:,} in other currencies" if self.other_currency else "",
        ]
        left = [part for part in left if part]
        return text + (f" ({', '.join(left)} not counted)" if left else "")

    def as_json(self, *, per_customer: bool = True) -> dict[str, object]:
        """The revenue as JSON-ready data; amounts as text, so that they stay exact.

        Args:
            per_customer: Include ``by_customer`` (leave it out for a large book).
        """
        data: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "total": str(self.total),
            "orders": self.orders,
            "without_amount": self.without_amount,
            "other_currency": self.other_currency,
            "customers": len(self.by_customer),
            "by_cohort": [
                {"month": c.month, "customers": c.customers, "revenue": str(c.revenue)}
                for c in self.by_cohort
            ],
        }
        if per_customer:
            data["by_customer"] = {cid: str(v) for cid, v in self.by_customer.items()}
        return data


def revenue(book: Book, *, as_of: dt.date, currency: str | None = None) -> Revenue:
    """Revenue from purchase touchpoints up to a date: total, per customer, per cohort.

    Formula: over every ``purchase`` touchpoint whose local date (the
    customer's zone) is on or before *as_of*, the sum of the amounts, exactly
    (`Decimal`; a refund recorded as a negative amount lowers it). Purchases
    without an amount are counted in ``without_amount``, not in the sum.
    Per customer: the same sum for each customer with a purchase. Per cohort:
    customers grouped by the month of their first purchase, with everything
    they spent up to *as_of*.

    Currencies are never added together. Without *currency*, the amounts must
    name at most one currency (amounts without a currency are taken to be in
    it, as `lifecycle.clv.summary` does); with *currency*, only amounts in it
    count, the others are counted in ``other_currency`` (and so are amounts
    without a currency when the book names several).

    Raises:
        InvalidValueError: for a bad *as_of* or *currency*, or, without
            *currency*, amounts in more than one currency (naming them).

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> def bought(id, customer, day, amount):
        ...     return lc.Touchpoint(id=id, customer_id=customer, channel="web",
        ...                          kind="purchase", direction="inbound",
        ...                          amount=amount, currency="EUR",
        ...                          at=dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC))
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> book = lc.Book([ada], [bought("t-1", "c-1", 2, "20.00"),
        ...                        bought("t-2", "c-1", 9, "12.50")])
        >>> print(revenue(book, as_of=dt.date(2026, 3, 31)))
        Revenue up to 2026-03-31: 32.50 EUR from 2 purchases by 1 customer
    """
    target, buyers = _buyers(book, as_of, currency)
    cohorts: dict[str, list[Any]] = {}
    for buyer in buyers:
        cohort = cohorts.setdefault(buyer.days[0].strftime("%Y-%m"), [0, Decimal(0)])
        cohort[0] += 1
        cohort[1] = _EXACT.add(cohort[1], buyer.spend)
    total = Decimal(0)
    for buyer in buyers:
        total = _EXACT.add(total, buyer.spend)
    return Revenue(
        as_of,
        target,
        total,
        sum(b.orders for b in buyers),
        sum(b.without_amount for b in buyers),
        sum(b.other_currency for b in buyers),
        FrozenDict({b.id: b.spend for b in buyers}),
        tuple(RevenueCohort(m, n, spent) for m, (n, spent) in sorted(cohorts.items())),
    )


@attrs.frozen
class RepeatPurchases:
    """How many purchasing customers came back: bought on at least two different days.

    Attributes:
        as_of: The last day counted.
        customers: Customers with a purchase on or before *as_of*.
        repeat: Of those, customers with purchases on two or more distinct local days.
    """

    as_of: dt.date
    customers: int
    repeat: int

    @property
    def rate(self) -> float | None:
        """``100 * repeat / customers`` (``None`` when nobody purchased)."""
        return 100 * self.repeat / self.customers if self.customers else None

    def __str__(self) -> str:
        rate = "-" if self.rate is None else f"{self.rate:.1f}%"
        return (
            f"Repeat purchases up to {self.as_of.isoformat()}: {rate} "
            f"({self.repeat:,} of {_plural(self.customers, 'purchasing customer')})"
        )

    def as_json(self) -> dict[str, object]:
        """The counts and the rate as JSON-ready data."""
        return {
            "as_of": self.as_of.isoformat(),
            "customers": self.customers,
            "repeat": self.repeat,
            "rate": self.rate,
        }


def repeat_purchase_rate(book: Book, *, as_of: dt.date) -> RepeatPurchases:
    """The repeat-purchase rate: the share of purchasing customers who bought on two days or more.

    Formula: of the customers with a ``purchase`` touchpoint whose local date
    (the customer's zone) is on or before *as_of*, those with purchases on at
    least two distinct local dates; rate = 100 x repeat / customers. Two
    purchases on one day are one visit (the convention of `lifecycle.clv.summary`).
    Amounts play no part.

    Raises:
        InvalidValueError: if *as_of* is not a date.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> rate = repeat_purchase_rate(lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
        >>> 0 <= rate.repeat <= rate.customers
        True
    """
    _currency, buyers = _buyers(book, as_of, None, money=False)
    return RepeatPurchases(as_of, len(buyers), sum(len(b.days) >= 2 for b in buyers))


@attrs.frozen
class OrderValue:
    """The average order value: revenue over the purchases it came from.

    Attributes:
        as_of: The last day counted.
        currency: The currency of the amounts (``None``: none named).
        orders: Purchases whose amount is counted.
        total: Their amounts added up.
        value: ``total / orders`` to 28 significant digits (``None`` without orders).
    """

    as_of: dt.date
    currency: str | None
    orders: int
    total: Decimal
    value: Decimal | None

    def __str__(self) -> str:
        value = "-" if self.value is None else _money(self.value, self.currency)
        return (
            f"Average order value up to {self.as_of.isoformat()}: {value} "
            f"over {_plural(self.orders, 'purchase')}"
        )

    def as_json(self) -> dict[str, object]:
        """The value as JSON-ready data; amounts as text, so that they stay exact."""
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "orders": self.orders,
            "total": str(self.total),
            "value": None if self.value is None else str(self.value),
        }


def average_order_value(book: Book, *, as_of: dt.date, currency: str | None = None) -> OrderValue:
    """The average order value: the counted purchase amounts over the number of them.

    Formula: AOV = (sum of the amounts `revenue` counts) / (purchases with a
    counted amount), each purchase touchpoint being one order. Purchases
    without an amount are neither in the sum nor in the count. Currencies as
    in `revenue`.

    Raises:
        InvalidValueError: as `revenue`.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> paid = [lc.Touchpoint(id=f"t-{n}", customer_id="c-1", channel="web",
        ...                       kind="purchase", direction="inbound", amount=amount,
        ...                       at=dt.datetime(2026, 3, n, 12, tzinfo=dt.UTC))
        ...         for n, amount in [(1, "10"), (2, "20"), (3, None)]]
        >>> average_order_value(lc.Book([ada], paid), as_of=dt.date(2026, 3, 31)).value
        Decimal('15')
    """
    target, buyers = _buyers(book, as_of, currency)
    total = Decimal(0)
    for buyer in buyers:
        total = _EXACT.add(total, buyer.spend)
    orders = sum(b.orders for b in buyers)
    value = _DIVIDE.divide(total, Decimal(orders)) if orders else None
    return OrderValue(as_of, target, orders, total, value)


@attrs.frozen
class RfmScore:
    """One customer's RFM: recency, frequency and money, and their quintile scores 1-5.

    Attributes:
        days_since: Days from the last purchase day to the as-of date (recency).
        purchase_days: Distinct local days with a purchase (frequency).
        spend: The counted amounts added up (monetary; ``0`` without any).
        r: The recency score, 1 (longest silence) to 5 (most recent).
        f: The frequency score, 1 to 5 (most purchase days).
        m: The monetary score, 1 to 5 (most spent).
    """

    days_since: int
    purchase_days: int
    spend: Decimal
    r: int
    f: int
    m: int

    @property
    def segment(self) -> str:
        """The three scores as one label, such as ``"555"`` (the best customers)."""
        return f"{self.r}{self.f}{self.m}"


@attrs.frozen
class Rfm:
    """RFM segments of the purchasing customers: scores per customer, customers per segment.

    Attributes:
        as_of: The last day counted.
        currency: The currency of the monetary part (``None``: none named).
        customers: Each purchasing customer's `RfmScore`, by customer id.
        segments: Customers per segment, such as ``{"555": 12, ...}``, best
            segment first (in descending order of the label); they add up to
            the number of purchasing customers.
    """

    as_of: dt.date
    currency: str | None
    customers: Mapping[str, RfmScore]
    segments: Mapping[str, int]

    def __str__(self) -> str:
        head = (
            f"RFM segments up to {self.as_of.isoformat()}: "
            f"{_plural(len(self.customers), 'purchasing customer')}"
        )
        return "\n".join([head] + [f"  {s}  {n:>6,}" for s, n in self.segments.items()])

    def as_json(self, *, per_customer: bool = True) -> dict[str, object]:
        """The segments (and, with *per_customer*, every customer's scores) as JSON-ready data."""
        data: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "customers": len(self.customers),
            "segments": [{"segment": s, "customers": n} for s, n in self.segments.items()],
        }
        if per_customer:
            data["by_customer"] = {
                cid: {
                    "days_since": s.days_since,
                    "purchase_days": s.purchase_days,
                    "spend": str(s.spend),
                    "segment": s.segment,
                }
                for cid, s in self.customers.items()
            }
        return data


def _quintiles(values: list[Any]) -> list[int]:
    # Higher is better; a score counts the strictly worse values, so ties share one score.
    ordered = sorted(values)
    n = len(values)
    return [1 + 5 * bisect.bisect_left(ordered, v) // n for v in values]


def rfm(book: Book, *, as_of: dt.date, currency: str | None = None) -> Rfm:
    """RFM segments: recency, frequency and monetary quintiles (1-5) of the purchasing customers.

    Formula: for each customer with a ``purchase`` touchpoint on or before
    *as_of* (local dates, the customer's zone): recency = days from the last
    purchase day to *as_of*; frequency = distinct purchase days; monetary =
    the amounts `revenue` counts, added up (``0`` without any). Each is scored
    against all purchasing customers as ``1 + floor(5 x worse / n)``, where
    *n* is the number of purchasing customers and *worse* how many of them
    have a strictly worse value (a longer silence, fewer days, less spent).
    So equal values always share a score (a tie never lifts one customer
    above another), scores run 1 to 5, and with *n* distinct values each
    score holds a fifth of the customers; with fewer than five customers, or
    many ties, some scores stay empty. The segment is the three scores as a
    label, ``"555"`` the best. Currencies as in `revenue`.

    Raises:
        InvalidValueError: as `revenue`.

    Examples:
        >>> import datetime as dt, lifecycle as lc
        >>> segments = rfm(lc.sample_book(), as_of=lc.SAMPLE_AS_OF).segments
        >>> sum(segments.values()) > 0
        True
    """
    target, buyers = _buyers(book, as_of, currency)
    recency = [-(as_of - b.days[-1]).days for b in buyers]
    r, f, m = (
        _quintiles(recency),
        _quintiles([len(b.days) for b in buyers]),
        _quintiles([b.spend for b in buyers]),
    )
    scores = {
        b.id: RfmScore(-recency[i], len(b.days), b.spend, r[i], f[i], m[i])
        for i, b in enumerate(buyers)
    }
    counts = Counter(s.segment for s in scores.values())
    return Rfm(
        as_of,
        target,
        FrozenDict(scores),
        FrozenDict({s: counts[s] for s in sorted(counts, reverse=True)}),
    )


def _money_report(book: Book, as_of: dt.date) -> dict[str, object]:
    """The money metrics for `report`: one entry per currency, never added together."""
    named = sorted(
        {
            tp.currency
            for _customer, timeline in book.items()
            for tp in timeline.until(as_of)
            if tp.currency is not None and tp.kind == Kind.PURCHASE
        }
    )
    currencies: list[str | None] = [None] if len(named) < 2 else list(named)
    return {
        "as_of": as_of.isoformat(),
        "repeat_purchases": repeat_purchase_rate(book, as_of=as_of).as_json(),
        "currencies": [
            {
                "currency": money.currency,
                "revenue": money.as_json(per_customer=False),
                "average_order_value": average_order_value(
                    book, as_of=as_of, currency=code
                ).as_json(),
                "rfm": rfm(book, as_of=as_of, currency=code).as_json(per_customer=False),
            }
            for code in currencies
            for money in [revenue(book, as_of=as_of, currency=code)]
        ],
    }


def report(
    book: Book, start: dt.date, end: dt.date, *, churn: ChurnRule = DEFAULT_CHURN
) -> dict[str, object]:
    """Every metric for a book and a period, as plain JSON-ready data.

    Retention, cohorts and lifetime value count churn by *churn* (default: the
    cancellation rule, `lifecycle.churn_on_cancellation`). Lifetime value uses
    the ``monthly_revenue`` attribute, else ``annual_revenue`` (divided by 12);
    it is ``None`` when customers have neither. ``decisions`` is the
    `stewardship_record` of decisions recorded in the period. ``money`` holds
    the purchase metrics up to *end* (all purchases so far, not only the
    period's): the `repeat_purchase_rate`, and per currency (one entry, its
    ``currency`` ``None`` when the amounts name none; one per currency when they
    name several, never added together) the `revenue` and `rfm` (without the
    per-customer parts) and the `average_order_value`.

    Raises:
        InvalidValueError: for a bad period, or a revenue that is not a number.
    """
    clv = lifetime_value(book, start, end, churn=churn) or lifetime_value(
        book, start, end, attribute="annual_revenue", yearly=True, churn=churn
    )
    keep = retention(book, start, end, churn=churn)
    steward = stewardship_ratio(book, start, end)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "first_response": attrs.asdict(first_response_times(book, start, end)),
        "resolution": attrs.asdict(resolution_times(book, start, end)),
        "csat": attrs.asdict(csat(book, start, end)),
        "nps": attrs.asdict(nps(book, start, end)),
        "retention": {
            **attrs.asdict(keep),
            "retention_rate": keep.retention_rate,
            "churn_rate": keep.churn_rate,
        },
        "stewardship": {
            "outbound": steward.outbound,
            "inbound": steward.inbound,
            "ratio": steward.ratio,
        },
        "lifetime_value": None if clv is None else attrs.asdict(clv),
        "cohorts": [
            {"month": c.month, "customers": c.customers, "retained": c.retained, "rate": c.rate}
            for c in cohort_retention(book, end, churn=churn)
        ],
        "decisions": stewardship_record(book, as_of=end, start=start).as_json(),
        "money": _money_report(book, end),
    }
