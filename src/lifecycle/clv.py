"""Buy-till-you-die models: who is still a customer, what they will buy, and what they are worth.

A shop never hears "I cancel": customers just stop buying. The models here,
from the marketing literature, read each customer's purchase history as three
numbers (how often, how recently, since when) and estimate from a whole book:

- `BetaGeo`, the BG/NBD model of Fader, Hardie and Lee (2005), "Counting Your
  Customers the Easy Way", Marketing Science 24(2): while alive, a customer
  buys at their own Poisson rate (gamma distributed across customers, shape
  ``r``, rate ``alpha``); after each purchase they drop out for good with their
  own probability (beta distributed, ``a`` and ``b``). It gives `BetaGeo.p_alive`
  and `BetaGeo.expected_purchases`.
- `GammaGamma`, the spend model of Fader, Hardie and Lee (2005), "RFM and
  CLV", Journal of Marketing Research 42(4): each customer's purchase values
  scatter around their own mean, itself gamma distributed across customers
  (``p``, ``q``, ``gamma``). It gives `GammaGamma.expected_spend` and, with a
  `BetaGeo`, a discounted `GammaGamma.lifetime_value`.

`summary` turns a book into the models' input. Fitting needs the ``clv`` extra
(``pip install "customer-lifecycle[clv]"``: SciPy and NumPy), imported only when
a model is fitted or used, never by ``import lifecycle``.

Examples:
    >>> import datetime as dt
    >>> import lifecycle as lc
    >>> def bought(id, customer, day, amount):
    ...     return lc.Touchpoint(id=id, customer_id=customer, channel="web", kind="purchase",
    ...                          direction="inbound", amount=amount,
    ...                          at=dt.datetime.combine(day, dt.time(12), dt.UTC))
    >>> book = lc.Book(
    ...     [lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1))],
    ...     [bought("t-1", "c-1", dt.date(2026, 1, 5), "20.00"),
    ...      bought("t-2", "c-1", dt.date(2026, 2, 2), "30.00"),
    ...      bought("t-3", "c-1", dt.date(2026, 3, 2), "40.00")],
    ... )
    >>> summary = lc.clv.summary(book, as_of=dt.date(2026, 3, 30), period="week")
    >>> row = summary.customer("c-1")
    >>> row.frequency, row.recency, row.T, row.monetary_value
    (2, 8.0, 12.0, Decimal('35.00'))
    >>> model = lc.clv.BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005's CDNOW fit
    >>> round(model.p_alive(summary)["c-1"], 3)
    0.698
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from decimal import Context, Decimal
from typing import Any, Literal

import attrs

from lifecycle._validate import check_day
from lifecycle.book import Book
from lifecycle.errors import (
    InvalidValueError,
    LifecycleError,
    MissingDependencyError,
    UnknownCustomerError,
)
from lifecycle.purchases import BetaGeoParameters
from lifecycle.touchpoints import Kind

__all__ = [
    "BetaGeo",
    "CustomerSummary",
    "FitError",
    "GammaGamma",
    "Period",
    "Summary",
    "summary",
]

#: The unit of recency and T: a day, or a week of seven days.
Period = Literal["day", "week"]

_DAYS: Mapping[str, int] = {"day": 1, "week": 7}
# Sums and means of amounts in a fixed context, whatever the caller's decimal context is.
_DECIMAL = Context(prec=28)


class FitError(LifecycleError, ValueError):
    """A model could not be fitted to a summary (too few customers, or no optimum found)."""


# -- the summary ---------------------------------------------------------------------------


@attrs.frozen
class CustomerSummary:
    """One customer's purchase history as the models read it (see `summary`).

    Attributes:
        customer_id: The customer.
        frequency: Repeat purchases: distinct purchase days after the first.
        recency: From the first to the last purchase day, in periods.
        T: From the first purchase day to the as-of date, in periods.
        monetary_value: The mean value of the repeat purchase days (``None``
            when there is none, or none carries an amount).
    """

    customer_id: str
    frequency: int
    recency: float
    T: float
    monetary_value: Decimal | None


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _check_float(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValueError(field, value, "must be a finite number")
    return float(value)


@attrs.frozen(eq=True)
class Summary:
    """Per customer: frequency, recency, T and monetary value, as of a date.

    Made by `summary` from a book; it can also be made directly (from another
    system's figures), one tuple per column, all of the same length and in the
    same customer order. The columns follow the buy-till-you-die literature
    (Fader, Hardie and Lee 2005; the ``lifetimes`` package).

    Attributes:
        customer_ids: The customers, each once.
        frequency: Repeat purchases per customer: distinct purchase days after the first.
        recency: Last purchase day minus first purchase day, in periods
            (0 without a repeat purchase).
        T: The as-of date minus the first purchase day, in periods (at least the recency).
        monetary_value: Mean value of the repeat purchase days, or ``None``.
        period: The unit of recency and T (``"week"``: days / 7; ``"day"``).
        as_of: The date the summary was taken on, if known.
        currency: The one currency of the amounts, if any named one.

    Raises:
        InvalidValueError: if the columns differ in length, an id repeats, or
            a value is out of range (negative, recency beyond T, recency without
            a repeat purchase).

    Examples:
        >>> s = Summary(customer_ids=("a", "b"), frequency=(0, 2), recency=(0, 30.43),
        ...             T=(38.86, 38.86))
        >>> len(s), s.customer("b").frequency, s.monetary_value
        (2, 2, (None, None))
    """

    customer_ids: tuple[str, ...] = attrs.field(converter=_tuple)
    frequency: tuple[int, ...] = attrs.field(converter=_tuple)
    recency: tuple[float, ...] = attrs.field(converter=_tuple)
    T: tuple[float, ...] = attrs.field(converter=_tuple)
    monetary_value: tuple[Decimal | None, ...] = attrs.field(
        default=(), converter=_tuple, kw_only=True
    )
    period: Period = attrs.field(default="week", kw_only=True)
    as_of: dt.date | None = attrs.field(default=None, kw_only=True)
    currency: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.period not in _DAYS:
            raise InvalidValueError("period", self.period, "must be 'day' or 'week'")
        size = len(self.customer_ids)
        if not self.monetary_value:
            object.__setattr__(self, "monetary_value", (None,) * size)
        for name in ("frequency", "recency", "T", "monetary_value"):
            if len(getattr(self, name)) != size:
                raise InvalidValueError(
                    name, len(getattr(self, name)), f"must hold one value per customer ({size})"
                )
        if len(set(self.customer_ids)) != size:
            raise InvalidValueError("customer_ids", self.customer_ids, "must not repeat an id")
        recency = tuple(_check_float("recency", r) for r in self.recency)
        age = tuple(_check_float("T", t) for t in self.T)
        for cid, x, r, t in zip(self.customer_ids, self.frequency, recency, age, strict=True):
            if type(x) is not int or x < 0:
                raise InvalidValueError("frequency", x, f"customer {cid!r}: must be a count")
            if not 0 <= r <= t:
                raise InvalidValueError(
                    "recency", r, f"customer {cid!r}: must be from 0 to T ({t})"
                )
            if x == 0 and r != 0:
                raise InvalidValueError(
                    "recency", r, f"customer {cid!r}: must be 0 without a repeat purchase"
                )
        object.__setattr__(self, "recency", recency)
        object.__setattr__(self, "T", age)

    def __len__(self) -> int:
        return len(self.customer_ids)

    def __iter__(self) -> Iterator[CustomerSummary]:
        columns = (self.customer_ids, self.frequency, self.recency, self.T, self.monetary_value)
        return (CustomerSummary(*row) for row in zip(*columns, strict=True))

    def customer(self, customer_id: str) -> CustomerSummary:
        """Return one customer's row.

        Raises:
            UnknownCustomerError: if the customer is not in the summary (it
                holds only customers with a purchase by its as-of date).
        """
        try:
            i = self.customer_ids.index(customer_id)
        except ValueError:
            raise UnknownCustomerError(customer_id, "in the summary") from None
        return CustomerSummary(
            customer_id,
            self.frequency[i],
            self.recency[i],
            self.T[i],
            self.monetary_value[i],
        )


def summary(book: Book, *, as_of: dt.date, period: Period = "week") -> Summary:
    """Summarise each customer's purchases as of a date, as the buy-till-you-die models read them.

    The conventions of Fader, Hardie and Lee (2005) and the ``lifetimes``
    package, on each customer's local calendar (their zone):

    - only ``purchase`` touchpoints count, and only those dated on or before *as_of*;
    - purchases on the same local day are one purchase (their amounts add up);
    - frequency = distinct purchase days after the first;
    - recency = last purchase day - first purchase day; T = *as_of* - first
      purchase day; both in *period* units (days, or days / 7 for weeks);
    - monetary value = the mean value of the repeat purchase days (the first
      purchase left out, as the spend model requires); days whose purchases
      carry no amount are left out of the mean, and it is ``None`` when no
      repeat day has one.

    Customers without a purchase by *as_of* are not in the summary: the models
    describe customers from their first purchase on.

    Args:
        book: The book whose purchases are read.
        as_of: The last day counted: the end of the calibration period.
        period: ``"week"`` (the literature's unit) or ``"day"``.

    Raises:
        InvalidValueError: for a bad *as_of* or *period*, or amounts in more
            than one currency.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> len(lc.clv.summary(lc.sample_book(), as_of=dt.date(2026, 11, 23))) > 0
        True
    """
    day = check_day("as_of", as_of)
    if period not in _DAYS:
        raise InvalidValueError("period", period, "must be 'day' or 'week'")
    unit = _DAYS[period]
    ids: list[str] = []
    frequency: list[int] = []
    recency: list[float] = []
    age: list[float] = []
    monetary: list[Decimal | None] = []
    currencies: set[str] = set()
    for customer, timeline in book.items():
        values: dict[dt.date, Decimal | None] = {}
        view = timeline.until(day)
        for touchpoint, local in zip(view, view.local_dates(), strict=True):
            if touchpoint.kind != Kind.PURCHASE:
                continue
            amount = touchpoint.amount
            if amount is None:
                values.setdefault(local, None)
                continue
            if touchpoint.currency is not None:
                currencies.add(touchpoint.currency)
            earlier = values.get(local)
            values[local] = amount if earlier is None else _DECIMAL.add(earlier, amount)
        if not values:
            continue
        days = list(values)  # in date order: a timeline is in time order
        first, last = days[0], days[-1]
        repeat = [v for v in (values[d] for d in days[1:]) if v is not None]
        ids.append(customer.id)
        frequency.append(len(days) - 1)
        recency.append((last - first).days / unit)
        age.append((day - first).days / unit)
        monetary.append(
            _DECIMAL.divide(sum(repeat, Decimal(0)), Decimal(len(repeat))) if repeat else None
        )
    if len(currencies) > 1:
        raise InvalidValueError(
            "currency",
            sorted(currencies),
            "a summary's amounts must be in one currency; convert them, or split the book",
        )
    return Summary(
        ids,
        frequency,
        recency,
        age,
        monetary_value=monetary,
        period=period,
        as_of=day,
        currency=next(iter(currencies), None),
    )


# -- numerics --------------------------------------------------------------------------------


def _numerics() -> Any:
    """Return numpy, scipy.special and scipy.optimize, or say which extra installs them."""
    try:
        import numpy  # noqa: PLC0415 - the clv extra, only when a model is used
        import scipy.optimize  # noqa: PLC0415
        import scipy.special  # noqa: PLC0415
    except ImportError as e:
        raise MissingDependencyError(
            f"lifecycle.clv needs SciPy and NumPy ({e.name} is missing): "
            'pip install "customer-lifecycle[clv]"'
        ) from e
    return numpy, scipy.special, scipy.optimize


@attrs.frozen
class _Columns:
    """The numerics, and frequency, recency and T as NumPy arrays (one entry per customer)."""

    np: Any
    special: Any
    x: Any
    t_x: Any
    age: Any


def _columns(summary: Summary) -> _Columns:
    if not isinstance(summary, Summary):
        raise InvalidValueError("summary", summary, "must be a lifecycle.clv.Summary")
    np, special, _ = _numerics()
    return _Columns(
        np,
        special,
        np.asarray(summary.frequency, dtype=float),
        np.asarray(summary.recency, dtype=float),
        np.asarray(summary.T, dtype=float),
    )


def _check_positive(instance: object, attribute: Any, value: float) -> None:
    if _check_float(attribute.name, value) <= 0:
        raise InvalidValueError(attribute.name, value, "must be positive")


def _maximise(
    np: Any, optimize: Any, log_likelihood: Any, start: list[float], model: str
) -> tuple[Any, float]:
    """Maximise a mean log-likelihood over log-parameters; return the parameters and the total."""

    def loss(log_params: Any) -> float:
        with np.errstate(all="ignore"):  # trial points far out overflow; they just lose
            value = -float(log_likelihood(np.exp(log_params)))
        return value if math.isfinite(value) else math.inf

    # Nelder-Mead on log-parameters: no gradients, positive parameters, and the
    # tight tolerances reach the published estimates to their last digit.
    result = optimize.minimize(
        loss,
        np.log(start),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000},
    )
    if not result.success or not math.isfinite(result.fun):
        raise FitError(f"the {model} fit found no optimum: {result.message}")
    if np.any(np.abs(result.x) > _LOG_BOUND):
        # The likelihood keeps rising towards a parameter of 0 or infinity: the
        # data cannot tell the model's parameters apart (say, nobody came back).
        raise FitError(
            f"the {model} fit has no maximum inside the parameters' range "
            f"({', '.join(f'{v:.3g}' for v in np.exp(result.x))}): the data cannot "
            "identify the model (too few customers, or no repeat purchases)"
        )
    return np.exp(result.x), -float(result.fun)


#: The widest log-parameter of a fit: beyond e**30 (about 1e13) either way it has run off.
_LOG_BOUND = 30.0


# -- BG/NBD ---------------------------------------------------------------------------------


@attrs.frozen
class BetaGeo:
    """The BG/NBD model (Fader, Hardie and Lee 2005) with its four parameters.

    Made by `BetaGeo.fit` from a `Summary`, or directly from known parameters.
    Times are in the summary's period (weeks, usually). A model fitted on
    weeks can be given as it is to the condition and churn rule on P(alive)
    (`lifecycle.policies.p_alive`, `lifecycle.churn_on_p_alive`) and to
    `lifecycle.retail_pack`: they take its `parameters`.

    Attributes:
        r: Shape of the gamma distribution of purchase rates.
        alpha: Rate (scale, in periods) of that gamma distribution.
        a: First parameter of the beta distribution of drop-out probabilities.
        b: Second parameter of that beta distribution.
        log_likelihood: The fit's total log-likelihood (``None`` if not fitted).
        customers: How many customers it was fitted to (0 if not fitted).

    Examples:
        >>> model = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.params
        {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    r: float = attrs.field(validator=_check_positive)
    alpha: float = attrs.field(validator=_check_positive)
    a: float = attrs.field(validator=_check_positive)
    b: float = attrs.field(validator=_check_positive)
    log_likelihood: float | None = attrs.field(default=None, kw_only=True)
    customers: int = attrs.field(default=0, kw_only=True)

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name: ``{"r", "alpha", "a", "b"}`` (a new dict each time)."""
        return self.parameters.params

    @property
    def parameters(self) -> BetaGeoParameters:
        """The four parameters alone, as the policies' P(alive) takes them."""
        return BetaGeoParameters(self.r, self.alpha, self.a, self.b)

    @classmethod
    def fit(cls, summary: Summary) -> BetaGeo:
        """Fit the model to a summary by maximum likelihood.

        The likelihood is that of Fader, Hardie and Lee (2005),
        in logs; customers with the same (frequency, recency, T) are counted
        once with a weight, so a large book fits in seconds.

        Raises:
            FitError: if the summary has no customer, or no optimum is found.
            MissingDependencyError: without the ``clv`` extra.

        Examples:
            >>> s = Summary(customer_ids=("a", "b", "c", "d"), frequency=(0, 1, 3, 2),
            ...             recency=(0, 5, 20, 8), T=(30, 30, 25, 28))
            >>> BetaGeo.fit(s).customers
            4
        """
        columns = _columns(summary)
        np, special, optimize = _numerics()
        if not len(columns.x):
            raise FitError("the BG/NBD fit needs at least one customer; the summary is empty")
        rows, weights = np.unique(
            np.stack([columns.x, columns.t_x, columns.age], axis=1), axis=0, return_counts=True
        )
        unique = _Columns(np, special, rows[:, 0], rows[:, 1], rows[:, 2])
        total = float(weights.sum())

        def mean_log_likelihood(params: Any) -> float:
            return float((weights * _beta_geo_log_likelihood(unique, params)).sum() / total)

        params, mean = _maximise(np, optimize, mean_log_likelihood, [1.0] * 4, "BG/NBD")
        r, alpha, a, b = (float(p) for p in params)
        return cls(r, alpha, a, b, log_likelihood=mean * total, customers=int(total))

    def p_alive(self, summary: Summary) -> dict[str, float]:
        """Return each customer's probability of being still active at the summary's date.

        P(alive | x, t_x, T) =
        1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).
        A customer without a repeat purchase cannot have dropped out yet (P = 1).
        For one customer, `lifecycle.purchases.beta_geo_p_alive` gives the same
        in pure Python (no NumPy).

        Raises:
            MissingDependencyError: without the ``clv`` extra.

        Examples:
            >>> model = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> s = Summary(customer_ids=("new", "old"), frequency=(0, 2),
            ...             recency=(0, 30.43), T=(38.86, 38.86))
            >>> {k: round(v, 4) for k, v in model.p_alive(s).items()}
            {'new': 1.0, 'old': 0.7266}
        """
        p = _beta_geo_p_alive(self, _columns(summary))
        return dict(zip(summary.customer_ids, p.tolist(), strict=True))

    def expected_purchases(self, summary: Summary, *, periods: float) -> dict[str, float]:
        """Return each customer's expected number of purchases in the next *periods* periods.

        Fader, Hardie and Lee (2005): E[Y(t) | x, t_x, T] =
        (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
        2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] * P(alive), with
        t = *periods* (written with Euler's transformation of 2F1, which stays
        finite for frequent buyers).

        Args:
            summary: The customers, as of the date the forecast starts.
            periods: The horizon, in the summary's period (52 for a year of weeks).

        Raises:
            InvalidValueError: if *periods* is negative or not finite.
            MissingDependencyError: without the ``clv`` extra.

        Examples:
            >>> model = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> s = Summary(customer_ids=("c",), frequency=(2,), recency=(30.43,), T=(38.86,))
            >>> round(model.expected_purchases(s, periods=39)["c"], 3)  # FHL 2005: 1.226
            1.226
        """
        t = _check_float("periods", periods)
        if t < 0:
            raise InvalidValueError("periods", periods, "must not be negative")
        expected = _beta_geo_expected(self, _columns(summary), t)
        return dict(zip(summary.customer_ids, expected.tolist(), strict=True))


def _beta_geo_log_likelihood(data: _Columns, params: Any) -> Any:
    """Each customer's log-likelihood under BG/NBD (FHL 2005)."""
    np, special, x, t_x, age = data.np, data.special, data.x, data.t_x, data.age
    r, alpha, a, b = params
    ln_beta = special.betaln(a, b)
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    silent = special.betaln(a, b + x) - ln_beta - (r + x) * np.log(alpha + age)
    # The drop-out right after the last purchase, possible only after a repeat purchase.
    repeat = np.maximum(x, 1)
    dropped = special.betaln(a + 1, b + repeat - 1) - ln_beta - (r + x) * np.log(alpha + t_x)
    return head + np.logaddexp(silent, np.where(x > 0, dropped, -np.inf))


def _beta_geo_p_alive(model: BetaGeo, data: _Columns) -> Any:
    np, x = data.np, data.x
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    repeat = np.maximum(x, 1)
    log_odds = (
        math.log(a)
        - np.log(b + repeat - 1)
        + (r + x) * (np.log(alpha + data.age) - np.log(alpha + data.t_x))
    )
    return np.where(x > 0, data.special.expit(-log_odds), 1.0)


def _beta_geo_expected(model: BetaGeo, data: _Columns, t: float) -> Any:
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    z = t / (alpha + data.age + t)
    # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; c; z) with c = a+b+x-1 equals, by Euler's
    # transformation, (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z): no huge factor times a tiny one.
    c = a + b + data.x - 1
    tail = (1 - z) ** (a - 1) * data.special.hyp2f1(a + b - 1 - r, a - 1, c, z)
    return c / (a - 1) * (1 - tail) * _beta_geo_p_alive(model, data)


# -- Gamma-Gamma ----------------------------------------------------------------------------


@attrs.frozen
class GammaGamma:
    """The Gamma-Gamma model of spend per purchase (Fader, Hardie and Lee 2005, JMR).

    A customer's purchase values are gamma distributed (shape ``p``) around
    their own mean, whose scale is itself gamma distributed across customers
    (shape ``q``, scale ``gamma``). It assumes spend is independent of how
    often a customer buys. Made by `GammaGamma.fit` or from known parameters.

    Attributes:
        p: Shape of each customer's distribution of purchase values.
        q: Shape of the distribution of customers' scale parameters.
        gamma: Scale of that distribution.
        log_likelihood: The fit's total log-likelihood (``None`` if not fitted).
        customers: How many customers it was fitted to (0 if not fitted).

    Examples:
        >>> spend = GammaGamma(p=6.25, q=3.74, gamma=15.44)
        >>> round(spend.mean_spend, 2)  # p * gamma / (q - 1)
        35.22
    """

    p: float = attrs.field(validator=_check_positive)
    q: float = attrs.field(validator=_check_positive)
    gamma: float = attrs.field(validator=_check_positive)
    log_likelihood: float | None = attrs.field(default=None, kw_only=True)
    customers: int = attrs.field(default=0, kw_only=True)

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name: ``{"p", "q", "gamma"}`` (a new dict each time)."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per purchase, p * gamma / (q - 1) (infinite if q <= 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.inf

    @classmethod
    def fit(cls, summary: Summary) -> GammaGamma:
        """Fit the model by maximum likelihood to the customers with a repeat purchase.

        Only customers with a frequency of at least one and a positive monetary
        value say anything about spend per purchase; the others are left out
        (as in the literature). The likelihood of a customer's mean spend m
        over x purchases is that of Fader, Hardie and Lee (2005), in logs.

        Raises:
            FitError: if no customer has a repeat purchase with a positive value,
                or no optimum is found.
            MissingDependencyError: without the ``clv`` extra.

        Examples:
            >>> from decimal import Decimal as D
            >>> s = Summary(customer_ids=("a", "b", "c", "d"), frequency=(1, 2, 3, 1),
            ...             recency=(5, 9, 20, 8), T=(30, 30, 25, 28),
            ...             monetary_value=(D(20), D("35.5"), D(18), D(60)))
            >>> GammaGamma.fit(s).customers
            4
        """
        np, special, optimize = _numerics()
        pairs = [
            (x, float(m))
            for x, m in zip(summary.frequency, summary.monetary_value, strict=True)
            if x > 0 and m is not None and m > 0
        ]
        if not pairs:
            raise FitError(
                "the Gamma-Gamma fit needs customers with a repeat purchase of positive value"
            )
        x, m = np.asarray(pairs, dtype=float).T

        def mean_log_likelihood(params: Any) -> float:
            p, q, gamma = params
            ll = (
                special.gammaln(p * x + q)
                - special.gammaln(p * x)
                - special.gammaln(q)
                + q * np.log(gamma)
                + (p * x - 1) * np.log(m)
                + p * x * np.log(x)
                - (p * x + q) * np.log(gamma + x * m)
            )
            return float(ll.mean())

        params, mean = _maximise(np, optimize, mean_log_likelihood, [1.0] * 3, "Gamma-Gamma")
        p, q, gamma = (float(v) for v in params)
        return cls(p, q, gamma, log_likelihood=mean * len(pairs), customers=len(pairs))

    def expected_spend(self, summary: Summary) -> dict[str, float]:
        """Return each customer's expected spend per purchase.

        E[Z | m, x] = p (gamma + x m) / (p x + q - 1): the customer's own mean m,
        weighed against the population's mean by how many purchases (x) it
        rests on. A customer with no repeat purchase of positive value gets the
        population's mean, `mean_spend`.

        Raises:
            FitError: if q <= 1 (the population's mean spend is infinite).

        Examples:
            >>> from decimal import Decimal as D
            >>> spend = GammaGamma(p=6.25, q=3.74, gamma=15.44)
            >>> s = Summary(customer_ids=("a", "b"), frequency=(2, 0), recency=(30.43, 0),
            ...             T=(38.86, 38.86), monetary_value=(D("100"), None))
            >>> {k: round(v, 2) for k, v in spend.expected_spend(s).items()}
            {'a': 88.35, 'b': 35.22}
        """
        if self.q <= 1:
            raise FitError(f"q = {self.q} <= 1: the population's mean spend is infinite")
        p, q, gamma = self.p, self.q, self.gamma
        return {
            cid: p * (gamma + x * float(m)) / (p * x + q - 1)
            if x > 0 and m is not None and m > 0
            else self.mean_spend
            for cid, x, m in zip(
                summary.customer_ids, summary.frequency, summary.monetary_value, strict=True
            )
        }

    def lifetime_value(
        self,
        beta_geo: BetaGeo,
        summary: Summary,
        *,
        periods: int,
        discount_rate: float,
    ) -> dict[str, float]:
        """Return each customer's discounted value over the next *periods* periods.

        CLV = E[spend] * sum over k = 1..periods of
        (E[Y(k)] - E[Y(k - 1)]) / (1 + discount_rate)^k: the purchases expected
        in each period (from *beta_geo*), valued at the customer's expected spend
        and discounted to the summary's date, period by period.

        Args:
            beta_geo: The purchase model, fitted on the same periods.
            summary: The customers, as of the date the value is taken.
            periods: The horizon, a whole number of the summary's periods.
            discount_rate: The discount rate per period (for weeks, an annual
                rate of 10% is about ``1.10 ** (1 / 52) - 1``).

        Raises:
            InvalidValueError: if *periods* is not a positive whole number, or
                *discount_rate* is negative or not finite.
            FitError: if q <= 1 (see `expected_spend`).
            MissingDependencyError: without the ``clv`` extra.

        Examples:
            >>> from decimal import Decimal as D
            >>> beta_geo = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> spend = GammaGamma(p=6.25, q=3.74, gamma=15.44)
            >>> s = Summary(customer_ids=("a",), frequency=(2,), recency=(30.43,), T=(38.86,),
            ...             monetary_value=(D("100"),))
            >>> round(spend.lifetime_value(beta_geo, s, periods=39, discount_rate=0.0)["a"], 2)
            108.32
        """
        if type(periods) is not int or periods < 1:
            raise InvalidValueError(
                "periods", periods, "must be a whole number of periods, 1 or more"
            )
        rate = _check_float("discount_rate", discount_rate)
        if rate < 0:
            raise InvalidValueError("discount_rate", discount_rate, "must not be negative")
        spend = self.expected_spend(summary)
        data = _columns(summary)
        value = data.np.zeros(len(data.x))
        before = data.np.zeros(len(data.x))
        for k in range(1, periods + 1):
            after = _beta_geo_expected(beta_geo, data, float(k))
            value += (after - before) / (1 + rate) ** k
            before = after
        return {
            cid: spend[cid] * float(v)
            for cid, v in zip(summary.customer_ids, value.tolist(), strict=True)
        }
