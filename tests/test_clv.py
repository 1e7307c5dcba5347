"""lc.clv: the summary's conventions, the published CDNOW estimates, and the closed forms."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import lifecycle as lc
from lifecycle.clv import BetaGeo, FitError, GammaGamma, Summary
from lifecycle.errors import MissingDependencyError

scipy_special = pytest.importorskip("scipy.special")

# Fader, Hardie and Lee (2005) use weeks 1-39 from 1997-01-01 as the calibration period.
CALIBRATION_END = dt.date(1997, 9, 30)
PUBLISHED = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)


def _purchase(tid: str, cid: str, at: dt.datetime, amount: object = None, **more: object):
    return lc.Touchpoint(
        id=tid,
        customer_id=cid,
        at=at,
        channel="web",
        kind="purchase",
        direction="inbound",
        amount=amount,
        **more,
    )


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


@pytest.fixture(scope="module")
def cdnow(cdnow_book: lc.Book) -> Summary:
    """The CDNOW 1/10 sample (one purchase per row), summarised at week 39."""
    return lc.clv.summary(cdnow_book, as_of=CALIBRATION_END, period="week")


# -- the published figures ---------------------------------------------------------------


def test_the_cdnow_summary_matches_the_published_data(cdnow: Summary):
    """2,357 customers, 946 of them repeat buyers; customer 1 is FHL's worked example."""
    assert len(cdnow) == 2357
    assert sum(x > 0 for x in cdnow.frequency) == 946
    assert cdnow.currency == "USD"
    first = cdnow.customer("1")
    # lifetimes' cdnow_customers_summary_with_transactions.csv: 1,2,30.43,38.86,22.35
    assert (first.frequency, round(first.recency, 2), round(first.T, 2)) == (2, 30.43, 38.86)
    assert first.monetary_value == Decimal("22.345")


def test_bg_nbd_reproduces_fader_hardie_lee_2005(cdnow: Summary):
    """Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way", Marketing
    Science 24(2), section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    (also the figures of lifetimes' test_params_out_is_close_to_Hardie_paper)."""
    model = BetaGeo.fit(cdnow)
    assert {k: round(v, 3) for k, v in model.params.items()} == PUBLISHED.params
    assert model.log_likelihood is not None
    assert round(model.log_likelihood, 1) == -9582.4
    assert model.customers == 2357


def test_gamma_gamma_reproduces_the_published_spend_model(cdnow: Summary):
    """Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
    Analysis", JMR 42(4), and Fader and Hardie's note "The Gamma-Gamma Model of Monetary
    Value" (2013): p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers (the figures
    lifetimes' GammaGammaFitter test asserts to two decimals)."""
    spend = GammaGamma.fit(cdnow)
    assert {k: round(v, 2) for k, v in spend.params.items()} == {
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.44,
    }
    assert spend.customers == 946


def test_the_published_conditional_expectation():
    """FHL (2005): with the published estimates, customer 1 (x = 2, t_x = 30.43, T = 38.86)
    is expected to make 1.226 purchases in the next 39 weeks."""
    one = Summary(customer_ids=("1",), frequency=(2,), recency=(30.43,), T=(38.86,))
    assert round(PUBLISHED.expected_purchases(one, periods=39)["1"], 3) == 1.226


# -- the closed forms, by hand ----------------------------------------------------------


def _p_alive_by_hand(m: BetaGeo, x: int, t_x: float, age: float) -> float:
    if x == 0:
        return 1.0
    return 1 / (1 + m.a / (m.b + x - 1) * ((m.alpha + age) / (m.alpha + t_x)) ** (m.r + x))


def _expected_by_hand(m: BetaGeo, x: int, t_x: float, age: float, t: float) -> float:
    """FHL (2005)'s conditional expectation as printed, with the plain 2F1."""
    r, alpha, a, b = m.r, m.alpha, m.a, m.b
    hyp = scipy_special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp
    return head * tail * _p_alive_by_hand(m, x, t_x, age)


HAND = Summary(
    customer_ids=("never-back", "regular", "gone-quiet"),
    frequency=(0, 2, 5),
    recency=(0, 30.43, 10.0),
    T=(38.86, 38.86, 38.0),
)


def test_p_alive_equals_the_closed_form_by_hand():
    """P(alive) = 1 without a repeat purchase; else 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    got = PUBLISHED.p_alive(HAND)
    assert got["never-back"] == 1.0
    # 0.793 / 3.426 * (43.274 / 34.844) ** 2.243 = 0.23147 * 1.24194 ** 2.243 = 0.37631
    assert got["regular"] == pytest.approx(1 / 1.37631, abs=1e-5)
    # 0.793 / 6.426 * (42.414 / 14.414) ** 5.243 = 0.12340 * 2.94256 ** 5.243 = 35.388
    assert got["gone-quiet"] == pytest.approx(1 / 36.388, abs=1e-5)
    for row in HAND:
        assert got[row.customer_id] == pytest.approx(
            _p_alive_by_hand(PUBLISHED, row.frequency, row.recency, row.T), rel=1e-12
        )


def test_expected_purchases_equal_the_closed_form():
    """The Euler-transformed form computes FHL's printed expression, and nothing at t = 0."""
    for t in (0.0, 1.0, 39.0, 104.0):
        got = PUBLISHED.expected_purchases(HAND, periods=t)
        for row in HAND:
            want = _expected_by_hand(PUBLISHED, row.frequency, row.recency, row.T, t)
            assert got[row.customer_id] == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert set(PUBLISHED.expected_purchases(HAND, periods=0).values()) == {0.0}


def test_expected_spend_and_lifetime_value_by_hand():
    """E[Z] = p (gamma + x m) / (p x + q - 1); undiscounted CLV = E[Z] E[Y(periods)]."""
    spend = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    s = Summary(
        customer_ids=("a", "b", "c"),
        frequency=(2, 0, 1),
        recency=(30.43, 0, 3),
        T=(38.86, 38.86, 5),
        monetary_value=(Decimal(100), None, Decimal(-5)),
    )
    got = spend.expected_spend(s)
    assert got["a"] == pytest.approx(6.25 * (15.44 + 200) / (12.5 + 2.74))
    assert got["b"] == got["c"] == pytest.approx(6.25 * 15.44 / 2.74) == spend.mean_spend
    flat = spend.lifetime_value(PUBLISHED, s, periods=39, discount_rate=0.0)
    purchases = PUBLISHED.expected_purchases(s, periods=39)
    for cid in s.customer_ids:
        assert flat[cid] == pytest.approx(got[cid] * purchases[cid], rel=1e-9)
    discounted = spend.lifetime_value(PUBLISHED, s, periods=39, discount_rate=0.01)
    assert all(0 < discounted[c] < flat[c] for c in s.customer_ids)
    one = spend.lifetime_value(PUBLISHED, s, periods=1, discount_rate=0.5)
    first = PUBLISHED.expected_purchases(s, periods=1)
    assert one["a"] == pytest.approx(got["a"] * first["a"] / 1.5)


# -- properties ---------------------------------------------------------------------------

_PARAMS = st.floats(0.05, 20.0)


@st.composite
def _models(draw: st.DrawFn) -> BetaGeo:
    a = draw(_PARAMS.filter(lambda v: abs(v - 1) > 0.05))  # a = 1 divides by zero
    return BetaGeo(r=draw(_PARAMS), alpha=draw(_PARAMS), a=a, b=draw(_PARAMS))


@st.composite
def _customers(draw: st.DrawFn) -> tuple[int, float, float]:
    age = draw(st.floats(0.0, 200.0))
    x = draw(st.integers(0, 60))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, age))
    return x, t_x, age


def _one(x: int, t_x: float, age: float) -> Summary:
    return Summary(customer_ids=("c",), frequency=(x,), recency=(t_x,), T=(age,))


@given(_models(), _customers())
def test_p_alive_is_a_probability(model: BetaGeo, customer: tuple[int, float, float]):
    """P(alive) is in [0, 1] for every customer and every model."""
    assert 0.0 <= model.p_alive(_one(*customer))["c"] <= 1.0


@given(_models(), _customers(), st.floats(0.0, 1.0))
def test_a_more_recent_purchase_never_lowers_p_alive(
    model: BetaGeo, customer: tuple[int, float, float], share: float
):
    """At equal frequency and T, a later last purchase never makes a customer less alive."""
    x, t_x, age = customer
    later = t_x + share * (age - t_x)
    assume(x > 0 and later >= t_x)
    both = Summary(
        customer_ids=("early", "late"), frequency=(x, x), recency=(t_x, later), T=(age, age)
    )
    p = model.p_alive(both)
    assert p["late"] >= p["early"] - 1e-12


@given(_models(), _customers(), st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_expected_purchases_are_non_negative_and_grow_with_the_horizon(
    model: BetaGeo, customer: tuple[int, float, float], t1: float, t2: float
):
    """E[Y(t)] >= 0, and a longer horizon never expects fewer purchases."""
    short, long = sorted((t1, t2))
    s = _one(*customer)
    near = model.expected_purchases(s, periods=short)["c"]
    far = model.expected_purchases(s, periods=long)["c"]
    assert math.isfinite(far)
    assert near >= -1e-9
    assert far >= near - 1e-9 * max(1.0, far)


# -- the summary's conventions ------------------------------------------------------------


def test_summary_conventions():
    """Distinct local days, purchases only, none after as_of, days or weeks, repeat-day means."""
    tokyo = ZoneInfo("Asia/Tokyo")
    customers = [
        lc.Customer(id="tokyo", name="T", since=dt.date(2026, 1, 1), timezone=tokyo),
        lc.Customer(id="plain", name="P", since=dt.date(2026, 1, 1)),
        lc.Customer(id="browser", name="B", since=dt.date(2026, 1, 1)),
        lc.Customer(id="later", name="L", since=dt.date(2026, 1, 1)),
    ]
    touchpoints = [
        # 2026-01-01 20:00 UTC is 2026-01-02 in Tokyo: one local day with the next purchase.
        _purchase("k1", "tokyo", dt.datetime(2026, 1, 1, 20, tzinfo=dt.UTC), "10"),
        _purchase("k2", "tokyo", dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC), "5"),
        _purchase("k3", "tokyo", dt.datetime(2026, 1, 16, 3, tzinfo=dt.UTC), "7.50"),
        _purchase("k4", "tokyo", dt.datetime(2026, 1, 16, 4, tzinfo=dt.UTC), "2.50"),
        _purchase("k5", "tokyo", dt.datetime(2026, 1, 23, 3, tzinfo=dt.UTC)),  # no amount
        _purchase("k6", "tokyo", dt.datetime(2026, 3, 1, 3, tzinfo=dt.UTC), "99"),  # after as_of
        _purchase("p1", "plain", _noon(dt.date(2026, 1, 5))),
        _purchase("p2", "plain", _noon(dt.date(2026, 1, 12))),
        lc.Touchpoint(
            id="b1",
            customer_id="browser",
            at=_noon(dt.date(2026, 1, 5)),
            channel="web",
            kind="inquiry",
            direction="inbound",
        ),
        _purchase("l1", "later", _noon(dt.date(2026, 2, 2))),
    ]
    book = lc.Book(customers, touchpoints)
    as_of = dt.date(2026, 1, 30)
    weeks = lc.clv.summary(book, as_of=as_of)
    assert weeks.customer_ids == ("plain", "tokyo")  # in book order; none by as_of: left out
    tokyo_row = weeks.customer("tokyo")
    assert tokyo_row.frequency == 2  # Jan 2 (twice), Jan 16 (twice), Jan 23 locally
    assert tokyo_row.recency == 3.0  # Jan 23 - Jan 2 = 21 days
    assert tokyo_row.T == 4.0  # Jan 30 - Jan 2 = 28 days
    assert tokyo_row.monetary_value == Decimal("10.00")  # Jan 16's 7.50 + 2.50; Jan 23 has none
    plain = weeks.customer("plain")
    assert (plain.frequency, plain.recency, plain.monetary_value) == (1, 1.0, None)
    days = lc.clv.summary(book, as_of=as_of, period="day")
    assert (days.customer("tokyo").recency, days.customer("tokyo").T) == (21.0, 28.0)
    assert (days.period, days.as_of, days.currency) == ("day", as_of, None)
    assert [r.customer_id for r in days] == ["plain", "tokyo"]


def test_summary_refuses_mixed_currencies_and_bad_arguments():
    """Amounts in two currencies cannot be averaged; period and as_of are checked."""
    book = lc.Book(
        [lc.Customer(id="c", name="C", since=dt.date(2026, 1, 1))],
        [
            _purchase("1", "c", _noon(dt.date(2026, 1, 2)), "1", currency="EUR"),
            _purchase("2", "c", _noon(dt.date(2026, 1, 3)), "1", currency="USD"),
        ],
    )
    with pytest.raises(lc.InvalidValueError, match=r"\['EUR', 'USD'\].*one currency"):
        lc.clv.summary(book, as_of=dt.date(2026, 2, 1))
    with pytest.raises(lc.InvalidValueError, match="period='month'"):
        lc.clv.summary(book, as_of=dt.date(2026, 2, 1), period="month")  # type: ignore[arg-type]
    with pytest.raises(lc.InvalidValueError, match="as_of"):
        lc.clv.summary(book, as_of="2026-02-01")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"period": "month"}, "period='month': must be 'day' or 'week'"),
        ({"frequency": (1,)}, "frequency=1: must hold one value per customer (2)"),
        ({"customer_ids": ("a", "a")}, "customer_ids=('a', 'a'): must not repeat an id"),
        ({"frequency": (-1, 1)}, "frequency=-1: customer 'a': must be a count"),
        ({"frequency": (True, 1)}, "frequency=True: customer 'a': must be a count"),
        ({"recency": (0, 9)}, "recency=9.0: customer 'b': must be from 0 to T (8.0)"),
        ({"recency": (1, 2)}, "recency=1.0: customer 'a': must be 0 without a repeat purchase"),
        ({"T": (math.nan, 8)}, "T=nan: must be a finite number"),
        ({"recency": ("0", 2)}, "recency='0': must be a finite number"),
    ],
)
def test_summary_refuses_bad_columns(columns: dict[str, object], message: str):
    """Each column is checked, and the message names the field, customer and value."""
    given_columns: dict[str, object] = {
        "customer_ids": ("a", "b"),
        "frequency": (0, 1),
        "recency": (0, 2),
        "T": (5, 8),
        **columns,
    }
    with pytest.raises(lc.InvalidValueError) as caught:
        Summary(**given_columns)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_unknown_customer_in_a_summary():
    """Asking for a customer the summary does not hold names it."""
    with pytest.raises(lc.UnknownCustomerError, match="nobody"):
        HAND.customer("nobody")


# -- fitting and its failures ---------------------------------------------------------------


def test_fits_that_cannot_be_made():
    """An empty summary, nobody coming back, or nothing to learn spend from: FitError."""
    empty = Summary(customer_ids=(), frequency=(), recency=(), T=())
    with pytest.raises(FitError, match="at least one customer"):
        BetaGeo.fit(empty)
    never = Summary(customer_ids=("a", "b"), frequency=(0, 0), recency=(0, 0), T=(10, 20))
    with pytest.raises(FitError, match="cannot identify the model"):
        BetaGeo.fit(never)
    with pytest.raises(FitError, match="positive value"):
        GammaGamma.fit(HAND)  # no monetary values at all
    lone = Summary(
        customer_ids=("a",), frequency=(3,), recency=(5,), T=(5,), monetary_value=(Decimal(5),)
    )
    with pytest.raises(FitError, match="Gamma-Gamma fit found no optimum"):
        GammaGamma.fit(lone)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: BetaGeo(r=0, alpha=1, a=1, b=1), "r=0: must be positive"),
        (lambda: BetaGeo(r=1, alpha=math.inf, a=1, b=1), "alpha=inf: must be a finite number"),
        (lambda: GammaGamma(p=1, q=1, gamma=-2), "gamma=-2: must be positive"),
        (
            lambda: PUBLISHED.expected_purchases(HAND, periods=-1),
            "periods=-1: must not be negative",
        ),
        (lambda: PUBLISHED.p_alive("HAND"), "summary='HAND': must be a lifecycle.clv.Summary"),
        (
            lambda: GammaGamma(p=1, q=2, gamma=1).lifetime_value(
                PUBLISHED, HAND, periods=0, discount_rate=0
            ),
            "periods=0: must be a whole number of periods, 1 or more",
        ),
        (
            lambda: GammaGamma(p=1, q=2, gamma=1).lifetime_value(
                PUBLISHED, HAND, periods=2.0, discount_rate=0
            ),
            "periods=2.0: must be a whole number of periods, 1 or more",
        ),
        (
            lambda: GammaGamma(p=1, q=2, gamma=1).lifetime_value(
                PUBLISHED, HAND, periods=2, discount_rate=-0.1
            ),
            "discount_rate=-0.1: must not be negative",
        ),
    ],
)
def test_bad_arguments(call, message: str):
    """Bad parameters and arguments raise InvalidValueError naming the value."""
    with pytest.raises(lc.InvalidValueError) as caught:
        call()
    assert str(caught.value) == message


def test_an_infinite_mean_spend_is_refused():
    """With q <= 1 the population's mean spend is infinite: no expected spend, no CLV."""
    heavy = GammaGamma(p=1, q=0.5, gamma=1)
    assert heavy.mean_spend == math.inf
    with pytest.raises(FitError, match="q = 0.5 <= 1"):
        heavy.expected_spend(HAND)


def test_without_scipy_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    """No SciPy: a clear MissingDependencyError (also an ImportError) naming the extra."""
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.delitem(sys.modules, "scipy.special", raising=False)
    monkeypatch.delitem(sys.modules, "scipy.optimize", raising=False)
    with pytest.raises(MissingDependencyError, match=r"customer-lifecycle\[clv\]") as caught:
        PUBLISHED.p_alive(HAND)
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, lc.LifecycleError)


def test_importing_lifecycle_does_not_import_scipy():
    """SciPy and NumPy load only when a model is used, never with ``import lifecycle``."""
    code = "import sys, lifecycle; print('scipy' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
