"""Purchases: a customer's buying history as dates and money, and who is still alive.

What a shop knows of a customer is when they bought and how much. This module
reads it off a timeline, with the conventions of `lifecycle.clv.summary`
(purchases on one local day are one purchase), in pure Python so that
conditions and churn rules can use it one customer at a time:

- `purchase_days`: the distinct local dates of a customer's purchases;
- `median_gap`: the median number of days between two of them (their rhythm);
- `total_spend`: what they spent, in one currency;
- `BetaGeoParameters` and `beta_geo_p_alive`: the BG/NBD model's four
  parameters (Fader, Hardie and Lee 2005) and its probability that a customer
  is still alive, for one customer; `lifecycle.clv.BetaGeo` is these
  parameters fitted to a book, and computes the same for many at once;
- `churn_on_p_alive`: a churn rule (see `lifecycle.ChurnRule`) on that probability.

Examples:
    >>> import datetime as dt
    >>> days = (dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 2))
    >>> median_gap(days)
    28.0
    >>> round(p_alive_on(CDNOW_BETA_GEO, days, dt.date(2026, 3, 30)), 3)
    0.698
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Sequence
from decimal import Context, Decimal
from typing import Any, Protocol

import attrs

from lifecycle.churn import MAX_INACTIVE_DAYS, ChurnRule
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind

__all__ = [
    "CDNOW_BETA_GEO",
    "HORIZON_DAYS",
    "BetaGeoModel",
    "BetaGeoParameters",
    "FittedBetaGeo",
    "beta_geo_p_alive",
    "check_model",
    "check_probability",
    "churn_on_p_alive",
    "fades_on",
    "first_day_below",
    "is_fading",
    "median_gap",
    "p_alive_on",
    "purchase_days",
    "total_spend",
]

#: The days of a week: the BG/NBD's period here, as in `lifecycle.clv.summary`'s default.
_WEEK = 7.0

#: How far ahead `first_day_below` looks for the day P(alive) drops below a
#: threshold: as far as a policy's longest span. Past it, the answer is
#: "not within the horizon", and the day after it is asked about again.
HORIZON_DAYS = MAX_INACTIVE_DAYS

# Sums of amounts in a fixed context, whatever the caller's decimal context is.
_DECIMAL = Context(prec=40)


def _check_parameter(instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValueError(attribute.name, value, "must be a finite number")
    if value <= 0:
        raise InvalidValueError(attribute.name, value, "must be positive")


@attrs.frozen
class BetaGeoParameters:
    """The four parameters of the BG/NBD model (Fader, Hardie and Lee 2005), in weeks.

    While alive, a customer buys at their own Poisson rate (gamma distributed
    across customers: shape ``r``, rate ``alpha`` per week); after each repeat
    purchase they drop out for good with their own probability (beta
    distributed: ``a``, ``b``). `lifecycle.clv.BetaGeo.fit` estimates them from
    a book (and is one of these); give them directly when they were fitted
    elsewhere.

    Attributes:
        r: Shape of the gamma distribution of purchase rates.
        alpha: Rate of that distribution (in weeks, the period conditions use).
        a: First parameter of the beta distribution of drop-out probabilities.
        b: Second parameter of that beta distribution.

    Raises:
        InvalidValueError: for a parameter that is not a positive finite number.

    Examples:
        >>> BetaGeoParameters(r=0.243, alpha=4.414, a=0.793, b=2.426).params
        {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    r: float = attrs.field(validator=_check_parameter)
    alpha: float = attrs.field(validator=_check_parameter)
    a: float = attrs.field(validator=_check_parameter)
    b: float = attrs.field(validator=_check_parameter)

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name: ``{"r", "alpha", "a", "b"}`` (a new dict each time)."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


#: The BG/NBD fit to the CDNOW 1/10 sample published by Fader, Hardie and Lee
#: (2005): a worked default, not a model of your shop; fit your own with
#: `lifecycle.clv.BetaGeo.fit`.
CDNOW_BETA_GEO = BetaGeoParameters(r=0.243, alpha=4.414, a=0.793, b=2.426)


def beta_geo_p_alive(model: BetaGeoParameters, frequency: int, recency: float, T: float) -> float:
    """Return one customer's BG/NBD probability of being alive, in pure Python.

    P(alive | x, t_x, T) =
    1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)),
    worked out in logs (no overflow for a long silence). A customer without a
    repeat purchase (x = 0) cannot have dropped out yet: 1.0. It equals
    `lifecycle.clv.BetaGeo.p_alive`, which computes it for a whole summary.

    Args:
        model: The parameters.
        frequency: x, the repeat purchases (distinct purchase periods after the first).
        recency: t_x, from the first to the last purchase, in the model's periods.
        T: From the first purchase to the date asked about, in the model's periods.

    Examples:
        >>> round(beta_geo_p_alive(CDNOW_BETA_GEO, 2, 30.43, 38.86), 4)
        0.7266
    """
    if frequency <= 0:
        return 1.0
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    log_odds = (
        math.log(a)
        - math.log(b + frequency - 1)
        + (r + frequency) * (math.log(alpha + T) - math.log(alpha + recency))
    )
    # The logistic function of -log_odds, on the side where exp cannot overflow.
    if log_odds >= 0:
        small = math.exp(-log_odds)
        return small / (1.0 + small)
    return 1.0 / (1.0 + math.exp(log_odds))


def purchase_days(timeline: Timeline) -> tuple[dt.date, ...]:
    """Return the distinct local dates of the timeline's purchases, oldest first.

    Purchases on the same local day (the customer's zone) are one, as in
    `lifecycle.clv.summary`. Cut the timeline at a date first to see only
    the purchases up to it.

    Examples:
        >>> import lifecycle as lc
        >>> def bought(id, hour):
        ...     return lc.Touchpoint(id=id, customer_id="c-1", kind="purchase", channel="web",
        ...                          direction="inbound",
        ...                          at=dt.datetime(2026, 1, 5, hour, tzinfo=dt.UTC))
        >>> purchase_days(lc.Timeline([bought("t-1", 9), bought("t-2", 17)]))
        (datetime.date(2026, 1, 5),)
    """
    bought = timeline.select(Kind.PURCHASE)
    return tuple(dict.fromkeys(timeline.local_date(t) for t in bought))


def p_alive_on(model: BetaGeoParameters, days: Sequence[dt.date], as_of: dt.date) -> float:
    """Return the BG/NBD P(alive) on *as_of* of a customer who bought on *days*.

    With `lifecycle.clv.summary`'s conventions: x = the days after the first,
    t_x = the last minus the first, T = *as_of* minus the first, both in weeks.

    Args:
        model: The parameters (in weeks).
        days: The distinct purchase days, oldest first, none after *as_of*; at least one.
        as_of: The date.

    Examples:
        >>> days = (dt.date(2026, 1, 5), dt.date(2026, 1, 12))
        >>> round(p_alive_on(CDNOW_BETA_GEO, days, dt.date(2026, 1, 12)), 3)
        0.754
    """
    first = days[0]
    return beta_geo_p_alive(
        model,
        len(days) - 1,
        (days[-1] - first).days / _WEEK,
        (as_of - first).days / _WEEK,
    )


def first_day_below(
    model: BetaGeoParameters,
    days: Sequence[dt.date],
    below: float,
    start: dt.date,
    stop: dt.date,
) -> dt.date | None:
    """Return the first date from *start* to *stop* on which P(alive) is below *below*.

    With no new purchase P(alive) only falls as time passes (and so does its
    floating-point value: every step of the formula is monotone), so a binary
    search over the days finds it. ``None`` if it is not below on *stop*.

    Args:
        model: The parameters.
        days: The distinct purchase days, oldest first; at least one, none after *start*.
        below: The threshold.
        start: The first date looked at.
        stop: The last date looked at.

    Examples:
        >>> days = (dt.date(2026, 1, 5), dt.date(2026, 1, 12))
        >>> first_day_below(CDNOW_BETA_GEO, days, 0.3, dt.date(2026, 1, 12), dt.date(2027, 1, 1))
        datetime.date(2026, 6, 8)
    """
    if start > stop or p_alive_on(model, days, stop) >= below:
        return None
    low, high = 0, (stop - start).days  # below on start + high
    while low < high:
        middle = (low + high) // 2
        if p_alive_on(model, days, start + dt.timedelta(days=middle)) < below:
            high = middle
        else:
            low = middle + 1
    return start + dt.timedelta(days=high)


def median_gap(days: Sequence[dt.date]) -> float | None:
    """Return the median number of days between consecutive purchase days.

    ``None`` with fewer than two days. With an even number of gaps, the mean
    of the two middle ones (it may end in .5).

    Examples:
        >>> median_gap([dt.date(2026, 1, 1), dt.date(2026, 1, 11), dt.date(2026, 1, 14)])
        6.5
    """
    if len(days) < 2:
        return None
    return float(statistics.median((b - a).days for a, b in itertools.pairwise(days)))


def total_spend(timeline: Timeline, currency: str | None = None) -> Decimal | None:
    """Return the sum of the amounts of the timeline's purchases, in one currency.

    Purchases without an amount count as nothing; refunds (negative amounts)
    take away.

    Args:
        timeline: The customer's timeline (cut it at a date first).
        currency: Count only amounts in this currency, and those that name
            none (taken to be in it). ``None``: count every amount, as long
            as the purchases name at most one currency.

    Returns:
        The total (``Decimal(0)`` without an amount), or ``None`` when
        *currency* is ``None`` and the purchases name several currencies: such
        a sum means nothing, so no total is given.

    Examples:
        >>> total_spend(Timeline())
        Decimal('0')
    """
    total = Decimal(0)
    named: set[str] = set()
    for touchpoint in timeline.select(Kind.PURCHASE):
        amount = touchpoint.amount
        if amount is None:
            continue
        code = touchpoint.currency
        if currency is None:
            if code is not None:
                named.add(code)
        elif code is not None and code != currency:
            continue
        total = _DECIMAL.add(total, amount)
    return None if len(named) > 1 else total


def check_probability(field: str, value: object) -> float:
    """Return *value* as a float if it is a probability threshold: above 0, at most 1.

    Raises:
        InvalidValueError: naming *field*, otherwise.

    Examples:
        >>> check_probability("below", 1)
        1.0
        >>> try:
        ...     check_probability("below", 0)
        ... except InvalidValueError as e:
        ...     print(e.problem)
        must be a number above 0 and at most 1
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= 1
    ):
        raise InvalidValueError(field, value, "must be a number above 0 and at most 1")
    return float(value)


class FittedBetaGeo(Protocol):
    """A fitted BG/NBD model that gives its parameters, such as `lifecycle.clv.BetaGeo`."""

    @property
    def parameters(self) -> BetaGeoParameters:
        """The model's four parameters."""
        ...  # pragma: no cover - a protocol has no body


#: What the policies' P(alive) takes: parameters, or a fitted model.
BetaGeoModel = BetaGeoParameters | FittedBetaGeo


def check_model(value: object) -> BetaGeoParameters:
    """Return the BG/NBD parameters of *value*: parameters, or a fitted model's.

    Raises:
        InvalidValueError: naming the ``model`` argument, for anything else.

    Examples:
        >>> check_model(CDNOW_BETA_GEO) is CDNOW_BETA_GEO
        True
        >>> try:
        ...     check_model({"r": 0.243})
        ... except InvalidValueError as e:
        ...     print(e.field)
        model
    """
    if isinstance(value, BetaGeoParameters):
        return value
    parameters = getattr(value, "parameters", None)
    if isinstance(parameters, BetaGeoParameters):
        return parameters
    raise InvalidValueError(
        "model", value, "must be BG/NBD parameters (a lifecycle.clv.BetaGeo, for one)"
    )


def is_fading(
    model: BetaGeoParameters, days: Sequence[dt.date], below: float, as_of: dt.date
) -> bool:
    """Whether P(alive) on *as_of*, of a customer who bought on *days*, is below *below*.

    No purchase day: no (there is nothing to fade from).

    Examples:
        >>> bought = [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]
        >>> is_fading(CDNOW_BETA_GEO, bought, 0.3, dt.date(2026, 2, 1))
        False
        >>> is_fading(CDNOW_BETA_GEO, bought, 0.3, dt.date(2026, 6, 9))
        True
    """
    return bool(days) and p_alive_on(model, days, as_of) < below


def fades_on(
    model: BetaGeoParameters, days: Sequence[dt.date], below: float, as_of: dt.date
) -> dt.date | None:
    """The first date after *as_of* on which `is_fading` may change with no new purchase.

    ``None`` when it cannot: with fewer than two purchase days (P(alive) stays
    at 1) or once it is below (with no new purchase it only falls). Past
    `HORIZON_DAYS`, the day after the horizon (to be asked again then).

    Examples:
        >>> bought = [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]
        >>> fades_on(CDNOW_BETA_GEO, bought, 0.3, dt.date(2026, 2, 1))
        datetime.date(2026, 6, 8)
    """
    if len(days) < 2 or p_alive_on(model, days, as_of) < below:
        return None
    stop = as_of + dt.timedelta(days=HORIZON_DAYS)
    found = first_day_below(model, days, below, as_of + dt.timedelta(days=1), stop)
    return found if found is not None else stop + dt.timedelta(days=1)


def _check_below(instance: object, attribute: Any, value: Any) -> None:
    check_probability("below", value)


@attrs.frozen
class _PAlive:
    """Churned once P(alive) is below a threshold (see `churn_on_p_alive`)."""

    below: float = attrs.field(validator=_check_below)
    model: BetaGeoParameters = attrs.field(converter=check_model)

    @property
    def kinds(self) -> frozenset[Kind]:
        return frozenset({Kind.PURCHASE})

    def churned(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> str | None:
        days = purchase_days(timeline)
        if not is_fading(self.model, days, self.below, as_of):
            return None
        began = first_day_below(self.model, days, self.below, days[-1], as_of)
        assert began is not None  # below on as_of, so on some day up to it
        # The same sentence every day until a purchase: it names the day it began.
        return (
            f"{customer.id} churned on {began.isoformat()}: P(alive) fell below "
            f"{self.below:g} after {len(days)} purchase days, the last on {days[-1].isoformat()}"
        )

    def next_change(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> dt.date | None:
        return fades_on(self.model, purchase_days(timeline), self.below, as_of)

    def __repr__(self) -> str:
        return f"churn_on_p_alive(below={self.below!r}, model={self.model!r})"


def churn_on_p_alive(*, below: float, model: BetaGeoModel = CDNOW_BETA_GEO) -> ChurnRule:
    """Make a churn rule for a shop: churned once the BG/NBD P(alive) is below *below*.

    On date D a customer is churned when they have at least two distinct
    purchase days up to D and `p_alive_on` (*model*, their purchase days, D)
    is below *below*. With no new purchase P(alive) only falls, so a churned
    customer stays churned until they buy again. A customer with one purchase
    day (or none) never churns by this rule: the model says they cannot have
    dropped out yet (combine it with care: `churn_after_inactivity` covers them).

    Args:
        below: The threshold, above 0 and at most 1.
        model: The BG/NBD parameters, in weeks (default `CDNOW_BETA_GEO`;
            `lifecycle.clv.BetaGeo.fit` gives your own).

    Raises:
        InvalidValueError: for a threshold out of range, or a model that is
            not BG/NBD parameters.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> rule = churn_on_p_alive(below=0.3)
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1))
        >>> def bought(id, day):
        ...     return lc.Touchpoint(id=id, customer_id="c-1", kind="purchase", channel="web",
        ...                          direction="inbound",
        ...                          at=dt.datetime(2026, 1, day, tzinfo=dt.UTC))
        >>> timeline = lc.Timeline([bought("t-1", 5), bought("t-2", 12), bought("t-3", 19)])
        >>> rule.next_change(ada, timeline, dt.date(2026, 2, 1))
        datetime.date(2026, 4, 10)
        >>> print(rule.churned(ada, timeline, dt.date(2026, 7, 1)))
        c-1 churned on 2026-04-10: P(alive) fell below 0.3 after 3 purchase days, the last on
        2026-01-19
    """
    return _PAlive(below, model)
