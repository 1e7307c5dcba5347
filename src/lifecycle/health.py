"""The health score: a weighted score per customer from measures, with bands and a breakdown.

A *measure* looks at one customer on one date and gives a value from 0 (worst)
to 1 (best), or ``None`` when it has nothing to go on (a customer who never
answered an NPS survey). A `HealthModel` weighs measures into a score from 0
to 100 and names its band; policies use the band as a condition, so "reach out
to every customer whose health fell to at risk" is one policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_day
from lifecycle.book import Book
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Direction, Kind

__all__ = [
    "DEFAULT_HEALTH",
    "Health",
    "HealthModel",
    "HealthPart",
    "Measure",
    "contract_runway",
    "health_scores",
    "last_nps",
    "measure",
    "recency",
    "stewardship",
    "unresolved_complaints",
]


@runtime_checkable
class Measure(Protocol):
    """One aspect of a customer's health: 0 (worst) to 1 (best), or ``None`` for no data."""

    @property
    def name(self) -> str:
        """Short name, as the breakdown shows it."""
        ...  # pragma: no cover - a protocol has no body

    def __call__(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> float | None:
        """Return the value for *customer* on *as_of* (its timeline is cut at *as_of*)."""
        ...  # pragma: no cover - a protocol has no body


@attrs.frozen
class _Measure:
    name: str
    description: str
    value: Callable[[Customer, Timeline, dt.date], float | None] = attrs.field(repr=False)

    def __call__(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> float | None:
        found = self.value(customer, timeline, as_of)
        if found is not None and not 0 <= found <= 1:
            raise InvalidValueError(
                f"measure {self.name!r}", found, f"must be from 0 to 1 (for {customer.id})"
            )
        return found


def measure(
    name: str, value: Callable[[Customer, Timeline, dt.date], float | None], description: str = ""
) -> Measure:
    """Make a measure of your own from a plain function.

    The function gets the customer, its timeline (cut at the date) and the
    date, and returns 0 (worst) to 1 (best), or ``None`` when it cannot tell.

    Examples:
        >>> enterprise = measure("enterprise", lambda c, t, d: 1.0 if
        ...                      c.attributes.get("segment") == "enterprise" else 0.5)
        >>> enterprise.name
        'enterprise'
    """
    return _Measure(name, description or name, value)


def _between(value: float, worst: float, best: float) -> float:
    """Linear from 0 at *worst* to 1 at *best* (either may be the larger), clamped."""
    share = (value - worst) / (best - worst)
    return min(1.0, max(0.0, share))


def _apart(name: str, value: float, other: str, bound: float) -> None:
    if not value > bound:
        raise InvalidValueError(name, value, f"must be more than {other} ({bound})")


def recency(*, good_days: int = 30, bad_days: int = 120) -> Measure:
    """Days since the last touchpoint of any kind: 1 within *good_days*, 0 from *bad_days*.

    Raises:
        InvalidValueError: unless *bad_days* is more than *good_days*.
    """
    _apart("bad_days", bad_days, "good_days", good_days)

    def value(customer: Customer, timeline: Timeline, as_of: dt.date) -> float | None:
        last = timeline.last()
        if last is None:
            return None
        days = (as_of - timeline.local_date(last)).days
        return _between(days, bad_days, good_days)

    return measure("recency", value, f"days since the last touchpoint ({good_days}-{bad_days})")


def last_nps() -> Measure:
    """The latest NPS answer, 0-10, as a share of 10."""

    def value(customer: Customer, timeline: Timeline, as_of: dt.date) -> float | None:
        answer = timeline.last(Kind.NPS)
        return None if answer is None or answer.score is None else answer.score / 10

    return measure("last_nps", value, "the latest NPS answer")


def unresolved_complaints(*, worst: int = 2) -> Measure:
    """Complaints since the last resolution: 1 with none, 0 from *worst* on.

    Raises:
        InvalidValueError: unless *worst* is at least 1.
    """
    _apart("worst", worst, "none", 0)

    def value(customer: Customer, timeline: Timeline, as_of: dt.date) -> float:
        resolved = timeline.last(Kind.RESOLUTION)
        open_ = timeline.after(resolved.at) if resolved is not None else timeline
        return _between(open_.count(Kind.COMPLAINT), worst, 0)

    return measure("unresolved_complaints", value, "complaints since the last resolution")


def contract_runway(*, good_days: int = 180, bad_days: int = 30) -> Measure:
    """Days to the end of the contract: 1 from *good_days* on, 0 within *bad_days*.

    Raises:
        InvalidValueError: unless *good_days* is more than *bad_days*.
    """
    _apart("good_days", good_days, "bad_days", bad_days)

    def value(customer: Customer, timeline: Timeline, as_of: dt.date) -> float | None:
        if customer.contract_end is None:
            return None
        return _between((customer.contract_end - as_of).days, bad_days, good_days)

    return measure("contract_runway", value, "days to the end of the contract")


def stewardship(*, within_days: int = 180, target: float = 0.5) -> Measure:
    """The share of recent touchpoints we started: 1 at *target* or more, 0 at none.

    Formula: our (outbound) touchpoints of the last *within_days* days, over
    all the touchpoints of the *within_days* days up to the latest one. While
    the customer is in touch the two windows are one; with silence ours drop
    out of the first and the share falls, so silence never raises it. With no
    touchpoint of ours in the last *within_days* days it is 0 (not "no data":
    silence is the worst stewardship).

    Raises:
        InvalidValueError: unless *target* is more than 0.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> stewardship()(ada, lc.Timeline([]), dt.date(2026, 6, 1))
        0.0
    """
    _apart("target", target, "none", 0)
    window = dt.timedelta(days=within_days)

    def value(customer: Customer, timeline: Timeline, as_of: dt.date) -> float:
        ours = timeline.since(as_of - window).count(direction=Direction.OUTBOUND)
        last = timeline.last()
        if not ours or last is None:
            return 0.0
        # Counted against the window up to the last touchpoint, not up to as_of:
        # touchpoints leaving the window with silence must not raise the share.
        around = timeline.since(timeline.local_date(last) - window)
        return _between(ours / len(around), 0, target)

    return measure("stewardship", value, f"outbound share of the last {within_days} days")


@attrs.frozen
class HealthPart:
    """One measure's part in a score.

    Attributes:
        name: The measure's name.
        value: Its value, 0 to 1 (``None``: no data, left out of the score).
        weight: Its weight in the model.
        points: What it adds to the score (0 to 100 in all).
    """

    name: str
    value: float | None
    weight: float
    points: float


@attrs.frozen
class Health:
    """A customer's health on one date, with the breakdown it came from.

    Attributes:
        customer_id: Whose health.
        score: 0 to 100 (``None`` when no measure had data).
        band: The band's name (``"unknown"`` without a score).
        parts: Each measure's value, weight and points.
    """

    customer_id: str
    score: float | None
    band: str
    parts: tuple[HealthPart, ...]

    @property
    def reason(self) -> str:
        """The score in a sentence, e.g. ``"health 42 (watch): recency 0.8 x 2, ..."``."""
        shown = [
            f"{p.name} {p.value:.2f} x {p.weight:g}" for p in self.parts if p.value is not None
        ]
        missing = [p.name for p in self.parts if p.value is None]
        text = "no data" if self.score is None else f"{self.score:.0f}"
        sentence = f"health {text} ({self.band})"
        if shown:
            sentence += ": " + ", ".join(shown)
        if missing:
            sentence += "; no data for " + ", ".join(missing)
        return sentence


def _weights(
    value: Mapping[Measure, float] | Iterable[tuple[Measure, float]],
) -> tuple[tuple[Measure, float], ...]:
    pairs = tuple(value.items() if isinstance(value, Mapping) else value)
    if not pairs:
        raise InvalidValueError("measures", pairs, "a health model needs at least one measure")
    for measured, _ in pairs:
        if not isinstance(measured, Measure):
            raise InvalidValueError("measures", measured, "is not a measure")
    names = [m.name for m, _ in pairs]
    for measured, weight in pairs:
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise InvalidValueError(f"weight of {measured.name!r}", weight, "must be above 0")
        if names.count(measured.name) > 1:
            raise InvalidValueError("measures", measured.name, "two measures share this name")
    return pairs


def _bands(value: Iterable[tuple[float, str]]) -> tuple[tuple[float, str], ...]:
    bands = tuple(sorted(value, reverse=True))
    if not bands or bands[-1][0] > 0:
        raise InvalidValueError("bands", bands, "the lowest band must start at 0")
    return bands


@attrs.frozen
class HealthModel:
    """A weighted health score from measures, with named bands.

    Build one from a mapping (or pairs) of measure to weight, and optionally
    ``(lowest score, name)`` band pairs.

    Attributes:
        measures: Each measure with its weight.
        bands: ``(lowest score, name)`` pairs, best first; the lowest starts at 0.

    Raises:
        InvalidValueError: for no measures, a weight of 0 or less, two
            measures of one name, or bands that do not start at 0.

    Examples:
        >>> import lifecycle as lc
        >>> model = HealthModel({recency(): 2, last_nps(): 1})
        >>> book = lc.sample_book()
        >>> found = model.score(book.customer("C002"), book.timeline("C002"), lc.SAMPLE_AS_OF)
        >>> found.band in ("healthy", "watch", "at_risk"), 0 <= found.score <= 100
        (True, True)
    """

    measures: tuple[tuple[Measure, float], ...] = attrs.field(converter=_weights)
    bands: tuple[tuple[float, str], ...] = attrs.field(
        default=((70, "healthy"), (40, "watch"), (0, "at_risk")), converter=_bands
    )

    @property
    def band_names(self) -> tuple[str, ...]:
        """The bands' names, best first."""
        return tuple(name for _, name in self.bands)

    def score(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> Health:
        """Score one customer on *as_of* (touchpoints after it are not looked at).

        Formula: score = 100 x sum(weight x value) / sum(weight), over the
        measures that have a value; the band is the first whose lowest score
        the score reaches.
        """
        check_day("as_of", as_of)
        visible = timeline.until(as_of)
        found = [(m, w, m(customer, visible, as_of)) for m, w in self.measures]
        total = sum(w for _, w, v in found if v is not None)
        parts = tuple(
            HealthPart(m.name, v, w, 0.0 if v is None or not total else 100 * w * v / total)
            for m, w, v in found
        )
        if not total:
            return Health(customer.id, None, "unknown", parts)
        score = 100 * sum(w * v for _, w, v in found if v is not None) / total
        band = next(name for low, name in self.bands if score >= low)
        return Health(customer.id, score, band, parts)


#: Recency of contact, the last NPS, unresolved complaints, days to the end of
#: the contract, and the stewardship ratio, weighted 3, 2, 2, 1, 1.
DEFAULT_HEALTH = HealthModel(
    {
        recency(): 3,
        last_nps(): 2,
        unresolved_complaints(): 2,
        contract_runway(): 1,
        stewardship(): 1,
    }
)


def health_scores(
    book: Book, as_of: dt.date, model: HealthModel = DEFAULT_HEALTH
) -> Mapping[str, Health]:
    """Score every customer of *book* on *as_of*, by customer id.

    Raises:
        InvalidValueError: if *as_of* is not a date within `lifecycle.limits`.

    Examples:
        >>> import lifecycle as lc
        >>> scores = health_scores(lc.sample_book(), lc.SAMPLE_AS_OF)
        >>> len(scores), {h.band for h in scores.values()} <= {
        ...     "at_risk", "healthy", "unknown", "watch"}
        (200, True)
    """
    check_day("as_of", as_of)
    return FrozenDict({c.id: model.score(c, t, as_of) for c, t in book.items()})
