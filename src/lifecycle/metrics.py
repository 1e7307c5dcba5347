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

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_day, check_period
from lifecycle.book import Book
from lifecycle.churn import DEFAULT_CHURN, ChurnRule
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, Outcome, in_force
from lifecycle.errors import InvalidValueError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Direction, Kind

__all__ = [
    "Cohort",
    "DecisionCounts",
    "Durations",
    "LifetimeValue",
    "Nps",
    "Retention",
    "Satisfaction",
    "Stewardship",
    "StewardshipRecord",
    "cohort_retention",
    "csat",
    "first_response_times",
    "lifetime_value",
    "nps",
    "report",
    "resolution_times",
    "retention",
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


def report(book: Book, start: dt.date, end: dt.date) -> dict[str, object]:
    """Every metric for a book and a period, as plain JSON-ready data.

    Lifetime value uses the ``monthly_revenue`` attribute, else
    ``annual_revenue`` (divided by 12); it is ``None`` when customers have
    neither. ``decisions`` is the `stewardship_record` of decisions recorded
    in the period.

    Raises:
        InvalidValueError: for a bad period, or a revenue that is not a number.
    """
    clv = lifetime_value(book, start, end) or lifetime_value(
        book, start, end, attribute="annual_revenue", yearly=True
    )
    keep = retention(book, start, end)
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
            for c in cohort_retention(book, end)
        ],
        "decisions": stewardship_record(book, as_of=end, start=start).as_json(),
    }
