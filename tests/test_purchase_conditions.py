"""Conditions and the churn rule on purchases: P(alive), the customer's rhythm, the money spent."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.policies import p_alive, parse_policies, purchase_gap, spend
from lifecycle.purchases import (
    CDNOW_BETA_GEO,
    HORIZON_DAYS,
    BetaGeoParameters,
    beta_geo_p_alive,
    churn_on_p_alive,
    first_day_below,
    median_gap,
    p_alive_on,
    purchase_days,
    total_spend,
)

DAY = dt.timedelta(days=1)
START = dt.date(2026, 1, 5)
ADA = lc.Customer(id="c", name="Ada", since=dt.date(2025, 12, 1))


def bought(
    tid: str, day: dt.date, amount: object = None, currency: str | None = None, hour: int = 12
) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id="c",
        kind="purchase",
        channel="web",
        direction="inbound",
        at=dt.datetime.combine(day, dt.time(hour), dt.UTC),
        amount=amount,
        currency=currency,
    )


def history(*offsets: int) -> lc.Timeline:
    """Purchases on START + each offset (in days)."""
    return lc.Timeline([bought(f"t-{i}", START + n * DAY) for i, n in enumerate(offsets)])


def holds(condition: lc.policies.Condition, timeline: lc.Timeline, day: dt.date) -> bool:
    return condition(lc.Context(ADA, timeline.until(day), day))


def changes(
    condition: lc.policies.Condition, timeline: lc.Timeline, day: dt.date
) -> dt.date | None:
    return condition.next_change(lc.Context(ADA, timeline.until(day), day))


# -- the shared formula ------------------------------------------------------------------


def test_the_pure_formula_equals_clvs_vectorised_p_alive_on_the_cdnow_sample(
    cdnow_book: lc.Book,
):
    """Per customer, beta_geo_p_alive == lc.clv.BetaGeo.p_alive on all 2,357 CDNOW customers."""
    pytest.importorskip("scipy.special")
    book = cdnow_book
    as_of = dt.date(1997, 9, 30)
    summary = lc.clv.summary(book, as_of=as_of)
    model = lc.clv.BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
    vectorised = model.p_alive(summary)
    assert len(vectorised) == 2357
    assert min(vectorised.values()) < 0.01 < 0.99 < max(vectorised.values())
    for row in summary:
        pure = beta_geo_p_alive(model, row.frequency, row.recency, row.T)
        assert math.isclose(pure, vectorised[row.customer_id], rel_tol=1e-12)
        # ... and from the timeline, as the conditions see it.
        days = purchase_days(book.timeline(row.customer_id).until(as_of))
        assert p_alive_on(model, days, as_of) == pure


def test_the_formula_by_hand():
    """FHL 2005's worked case, a first-time buyer, and a long silence without overflow."""
    assert round(beta_geo_p_alive(CDNOW_BETA_GEO, 2, 30.43, 38.86), 4) == 0.7266
    assert beta_geo_p_alive(CDNOW_BETA_GEO, 0, 0.0, 50.0) == 1.0
    # log-odds of about 4,000: exp would overflow; the answer is a tiny positive number.
    tiny = beta_geo_p_alive(CDNOW_BETA_GEO, 500, 1.0, 5000.0)
    assert 0.0 <= tiny < 1e-300
    # Negative log-odds: the other side of the logistic function.
    a, b, r, alpha = 0.793, 2.426, 0.243, 4.414
    x, t_x, age = 3, 10.0, 10.0  # bought just now: P = 1 / (1 + a / (b + 2))
    assert math.isclose(beta_geo_p_alive(CDNOW_BETA_GEO, x, t_x, age), 1 / (1 + a / (b + x - 1)))
    assert r and alpha  # (the parameters of the case, for the reader)


def test_a_fitted_model_goes_in_as_its_parameters():
    """A fitted lc.clv.BetaGeo goes into conditions, rules and packs as it is."""
    fitted = lc.clv.BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, customers=10)
    assert fitted.parameters == CDNOW_BETA_GEO
    assert isinstance(fitted.parameters, BetaGeoParameters)
    assert fitted.params == CDNOW_BETA_GEO.params
    assert p_alive(below=0.5, model=fitted).description == "P(alive) below 0.5"
    assert lc.churn_on_p_alive(below=0.2, model=fitted) == lc.churn_on_p_alive(
        below=0.2, model=CDNOW_BETA_GEO
    )
    with pytest.raises(lc.InvalidValueError, match="must be BG/NBD parameters"):
        lc.churn_on_p_alive(below=0.2, model={"r": 0.243})  # type: ignore[arg-type]


def test_purchase_days_are_distinct_local_days():
    """Two purchases on one local day are one; the customer's zone decides the day."""
    timeline = lc.Timeline(
        [bought("a", START, hour=1), bought("b", START, hour=23), bought("c", START + DAY)]
    )
    assert purchase_days(timeline) == (START, START + DAY)
    assert median_gap(purchase_days(timeline)) == 1.0
    assert median_gap((START,)) is None
    assert median_gap(()) is None


def test_first_day_below_searches_the_days_given():
    days = (START, START + 7 * DAY, START + 14 * DAY)
    found = first_day_below(CDNOW_BETA_GEO, days, 0.3, days[-1], days[-1] + 3650 * DAY)
    assert found is not None
    assert (
        p_alive_on(CDNOW_BETA_GEO, days, found)
        < 0.3
        <= p_alive_on(CDNOW_BETA_GEO, days, found - DAY)
    )
    assert first_day_below(CDNOW_BETA_GEO, days, 0.3, found - DAY, found - DAY) is None
    assert first_day_below(CDNOW_BETA_GEO, days, 0.3, found, found) == found
    assert first_day_below(CDNOW_BETA_GEO, days, 0.3, found + DAY, found) is None  # empty range


# -- p_alive ------------------------------------------------------------------------------

WEEKLY = history(0, 7, 14, 21)  # four purchase days, a week apart


def test_p_alive_at_the_threshold_just_below_and_above():
    """Holds when P(alive) < below: not at P itself, yes just above it."""
    day = START + 60 * DAY
    p = p_alive_on(CDNOW_BETA_GEO, purchase_days(WEEKLY), day)
    assert 0 < p < 1
    assert not holds(p_alive(below=p), WEEKLY, day)
    assert holds(p_alive(below=math.nextafter(p, 1)), WEEKLY, day)
    assert not holds(p_alive(below=math.nextafter(p, 0)), WEEKLY, day)


def test_p_alive_next_change_is_the_first_day_below():
    """The day before it: not below; on it: below; after: still below, and no next change."""
    condition = p_alive(below=0.3)
    change = changes(condition, WEEKLY, START + 21 * DAY)
    assert change is not None
    assert not holds(condition, WEEKLY, change - DAY)
    assert changes(condition, WEEKLY, change - DAY) == change
    assert holds(condition, WEEKLY, change)
    assert holds(condition, WEEKLY, change + 400 * DAY)
    assert changes(condition, WEEKLY, change) is None
    # A purchase brings the customer back.
    again = lc.Timeline([*WEEKLY, bought("t-new", change)])
    assert not holds(condition, again, change)


def test_p_alive_without_a_repeat_purchase():
    """No purchase: does not hold; one purchase day: P = 1, never below; no next change."""
    condition = p_alive(below=1.0)
    assert not holds(condition, lc.Timeline(), START)
    assert changes(condition, lc.Timeline(), START) is None
    once = history(0)
    assert not holds(condition, once, START + 9000 * DAY)
    assert changes(condition, once, START + 10 * DAY) is None


def test_p_alive_that_does_not_fall_below_within_the_horizon_asks_again_after_it():
    """A threshold P(alive) reaches in no century: asked again the day after the horizon."""
    condition = p_alive(below=1e-10)
    day = START + 7 * DAY
    assert changes(condition, history(0, 7), day) == day + (HORIZON_DAYS + 1) * DAY


# -- purchase_gap ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "over", "least", "first_day"),
    [
        ((0, 10, 20), 2.0, 0, 41),  # median 10: more than 20 days after day 20
        ((0, 10, 20), 2.0, 30, 50),  # the floor: at least 30 days
        ((0, 10, 20), 2.0, 21, 41),  # the floor below the rhythm: the rhythm
        ((0, 10, 13), 2.0, 0, 27),  # gaps 10 and 3: median 6.5, 13 days -> day 14 after 13
        ((0, 7), 1.5, 0, 18),  # 10.5 days: day 11 after day 7
        ((0, 7), 1.0, 7, 15),  # gap = floor = 7: more than 7 needs 8, the floor allows 7
        ((0, 7), 1.0, 9, 16),  # the floor just above the rhythm's 8: 9 days
    ],
)
def test_purchase_gap_boundaries(offsets: tuple[int, ...], over: float, least: int, first_day: int):
    """The day before the first silent day: no; on it and after: yes; next_change says it."""
    condition = purchase_gap(over=over, at_least_days=least)
    timeline = history(*offsets)
    last = START + offsets[-1] * DAY
    first = START + first_day * DAY
    assert not holds(condition, timeline, first - DAY)
    assert holds(condition, timeline, first)
    assert holds(condition, timeline, first + DAY)
    assert changes(condition, timeline, last) == first
    assert changes(condition, timeline, first - DAY) == first
    assert changes(condition, timeline, first) is None


def test_purchase_gap_needs_two_purchase_days():
    condition = purchase_gap()
    for timeline in (
        lc.Timeline(),
        history(0),
        lc.Timeline([bought("a", START), bought("b", START)]),
    ):
        assert not holds(condition, timeline, START + 1000 * DAY)
        assert changes(condition, timeline, START) is None


def test_purchase_gap_defaults_and_words():
    assert purchase_gap().description == (
        "silent for over 2 x the median gap between purchases and at least 30 days"
    )


# -- spend ---------------------------------------------------------------------------------


def test_spend_at_just_below_and_above_the_total():
    """Holds when the total is at least at_least: at it, yes; a cent more, no."""
    timeline = lc.Timeline(
        [
            bought("a", START, "600.00"),
            bought("b", START + DAY, "400.00"),
            bought("c", START + 2 * DAY),
        ]
    )
    assert holds(spend(at_least="1000.00"), timeline, START + 2 * DAY)
    assert holds(spend(at_least=Decimal("999.99")), timeline, START + 2 * DAY)
    assert not holds(spend(at_least="1000.01"), timeline, START + 2 * DAY)
    assert not holds(spend(at_least=1000), timeline, START)  # the second purchase is not yet seen
    assert changes(spend(at_least=1), timeline, START) is None


def test_spend_counts_refunds_and_one_currency():
    """Refunds take away; with a currency only it (and unnamed amounts) counts; several: no."""
    refund = lc.Timeline([bought("a", START, "500"), bought("b", START + DAY, "-200")])
    assert total_spend(refund) == Decimal(300)
    mixed = lc.Timeline(
        [
            bought("a", START, "500", "EUR"),
            bought("b", START + DAY, "700", "USD"),
            bought("c", START + 2 * DAY, "100"),
        ]
    )
    day = START + 3 * DAY
    assert total_spend(mixed) is None
    assert not holds(spend(at_least=0), mixed, day)
    assert holds(spend(at_least=600, currency="EUR"), mixed, day)
    assert not holds(spend(at_least="600.01", currency="EUR"), mixed, day)
    assert holds(spend(at_least=800, currency="USD"), mixed, day)
    euros = lc.Timeline([bought("a", START, "500", "EUR"), bought("b", START, "1")])
    assert total_spend(euros) == Decimal(501)
    assert spend(at_least=5).description == "spent at least 5"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: p_alive(below=0), "below=0: must be a number above 0 and at most 1"),
        (lambda: p_alive(below=1.5), "below=1.5: must be a number above 0 and at most 1"),
        (lambda: p_alive(below=math.nan), "below=nan: must be a number above 0 and at most 1"),
        (lambda: p_alive(below=True), "below=True: must be a number above 0 and at most 1"),
        (lambda: p_alive(below=0.5, model="cdnow"), "model='cdnow': must be BG/NBD parameters"),
        (lambda: purchase_gap(over=0), "over=0: must be a positive finite number"),
        (lambda: purchase_gap(over=math.inf), "over=inf: must be a positive finite number"),
        (lambda: purchase_gap(over=True), "over=True: must be a positive finite number"),
        (lambda: purchase_gap(at_least_days=-1), "at_least_days=-1: must be at least 0"),
        (lambda: purchase_gap(at_least_days=1.5), "at_least_days=1.5: must be a whole number"),
        (lambda: purchase_gap(at_least_days=40_000), "at_least_days=40000: is too long"),
        (lambda: spend(at_least="lots"), "amount='lots': is not a decimal number"),
        (lambda: spend(at_least=1, currency="eur"), "currency='eur': must be a three-letter"),
        (lambda: BetaGeoParameters(r=0, alpha=1, a=1, b=1), "r=0: must be positive"),
        (lambda: BetaGeoParameters(r=1, alpha=1, a=math.nan, b=1), "a=nan: must be a finite"),
        (lambda: churn_on_p_alive(below=2), "below=2: must be a number above 0 and at most 1"),
        (lambda: churn_on_p_alive(below=0.5, model=None), "model=None: must be BG/NBD"),
    ],
)
def test_bad_arguments_are_refused_with_their_value(make, message: str):
    with pytest.raises(lc.InvalidValueError) as info:
        make()
    assert message in str(info.value)


# -- the churn rule -------------------------------------------------------------------------


def test_churn_on_p_alive_from_the_day_before_to_the_day_after():
    rule = churn_on_p_alive(below=0.3)
    assert rule.kinds == frozenset({lc.Kind.PURCHASE})
    assert isinstance(rule, lc.ChurnRule)
    change = rule.next_change(ADA, WEEKLY, START + 21 * DAY)
    assert change == changes(p_alive(below=0.3), WEEKLY, START + 21 * DAY)
    assert change is not None
    assert rule.churned(ADA, WEEKLY, change - DAY) is None
    said = rule.churned(ADA, WEEKLY, change)
    assert said == (
        f"c churned on {change.isoformat()}: P(alive) fell below 0.3 after 4 purchase days, "
        f"the last on {(START + 21 * DAY).isoformat()}"
    )
    assert rule.churned(ADA, WEEKLY, change + 300 * DAY) == said  # the same sentence every day
    assert rule.next_change(ADA, WEEKLY, change) is None
    assert repr(rule).startswith("churn_on_p_alive(below=0.3, model=BetaGeoParameters(")


def test_churn_on_p_alive_needs_a_repeat_purchase_and_has_a_horizon():
    rule = churn_on_p_alive(below=1e-10)
    assert rule.churned(ADA, history(0), START + 30_000 * DAY) is None
    assert rule.next_change(ADA, history(0), START) is None
    assert (
        rule.next_change(ADA, history(0, 7), START + 7 * DAY)
        == START + (7 + HORIZON_DAYS + 1) * DAY
    )


def test_the_engine_skips_customers_churned_by_p_alive():
    book = lc.Book([ADA], list(WEEKLY))
    engine = lc.Engine(lc.retail_pack(), churn=churn_on_p_alive(below=0.3))
    change = churn_on_p_alive(below=0.3).next_change(ADA, WEEKLY, START + 21 * DAY)
    assert change is not None
    assert not engine.agenda(book, change - DAY).skipped
    assert [s.reason for s in engine.agenda(book, change).skipped] == ["churned"]


# -- never late, on generated purchase histories ---------------------------------------------

LOW, HIGH = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
PURCHASES = st.sampled_from([lc.Kind.PURCHASE] * 3 + [lc.Kind.CHECK_IN])


@st.composite
def purchase_histories(draw: st.DrawFn) -> tuple[lc.Customer, lc.Timeline, dt.date]:
    customer = draw(lct.customers(min_date=LOW, max_date=HIGH))
    items = draw(
        st.lists(
            lct.touchpoints(
                customer_id=customer.id,
                min_date=LOW,
                max_date=HIGH,
                kinds=PURCHASES,
                amounts=True,
                currencies=("EUR", "USD"),
            ),
            max_size=8,
            unique_by=lambda t: t.id,
        )
    )
    timeline = lc.Timeline(items, timezone=customer.timezone)
    return customer, timeline, draw(lct.local_dates(min_value=LOW, max_value=HIGH))


@given(purchase_histories(), lct.conditions(), st.data())
def test_next_change_of_generated_conditions_is_never_late(
    found: tuple[lc.Customer, lc.Timeline, dt.date], condition, data: st.DataObject
):
    """On every day before next_change the answer is the as-of date's (and never after none)."""
    customer, timeline, as_of = found
    visible = timeline.until(as_of)
    context = lc.Context(customer, visible, as_of)
    change = condition.next_change(context)
    assert change is None or change > as_of
    before = condition(context)
    last = as_of + 2000 * DAY if change is None else change - DAY
    days = data.draw(st.lists(lct.local_dates(min_value=as_of, max_value=last), max_size=4))
    for day in [last, *days]:
        assert condition(lc.Context(customer, visible, day)) == before


@given(purchase_histories(), st.sampled_from([0.05, 0.3, 0.6, 1.0]))
def test_next_change_of_the_churn_rule_is_never_late(
    found: tuple[lc.Customer, lc.Timeline, dt.date], below: float
):
    customer, timeline, as_of = found
    visible = timeline.until(as_of)
    rule = churn_on_p_alive(below=below)
    change = rule.next_change(customer, visible, as_of)
    said = rule.churned(customer, visible, as_of)
    if change is None:
        assert rule.churned(customer, visible, as_of + 5000 * DAY) == said
        return
    assert said is None
    assert rule.churned(customer, visible, change - DAY) is None
    assert (
        rule.churned(customer, visible, change) is not None
        or change == as_of + (HORIZON_DAYS + 1) * DAY
    )


@pytest.mark.parametrize("block", ["P(alive) below", "silent for over", "spent at least"])
def test_generated_policies_use_every_purchase_condition(block: str):
    def described(policy) -> str:
        when = getattr(policy, "when", None)
        return "" if when is None else when.description

    find(
        lct.policies(),
        lambda p: block in described(p),
        settings=settings(database=None, max_examples=5_000, phases=[Phase.generate]),
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(lct.conditions(), st.data())
def test_generated_purchase_conditions_keep_the_contract(condition, data: st.DataObject):
    """A policy on a purchase condition obeys every law, on books with money."""
    rule = lc.policy(
        "on_purchases", priority=1, anchor=lc.last("purchase"), offset=lc.days(3), when=condition
    )
    as_of = data.draw(lct.local_dates(min_value=LOW, max_value=HIGH), label="as_of")
    book = data.draw(
        lct.books(
            max_customers=2,
            max_touchpoints=10,
            min_date=LOW,
            max_date=HIGH,
            kinds=PURCHASES,
            amounts=True,
            currencies=("EUR",),
        ),
        label="book",
    )
    lct.check_laws(rule, book, as_of)


# -- policy files -------------------------------------------------------------------------

MODEL = "r = 0.243, alpha = 4.414, a = 0.793, b = 2.426"


def one_policy(when: str, churn: str = "") -> str:
    return (
        f'{churn}\n[[policy]]\nname = "p"\npriority = 1\nanchor = {{ last = "purchase" }}\n'
        f"when = {when}\n"
    )


@pytest.mark.parametrize(
    ("when", "python"),
    [
        (f"{{ p_alive = {{ below = 0.3, {MODEL} }} }}", p_alive(below=0.3)),
        (
            '{ purchase_gap = { over = 1.5, at_least = "14 days" } }',
            purchase_gap(over=1.5, at_least_days=14),
        ),
        ("{ purchase_gap = {} }", purchase_gap()),
        ("{ purchase_gap = { over = 3 } }", purchase_gap(over=3)),
        (
            '{ spend = { at_least = "1000.00", currency = "EUR" } }',
            spend(at_least="1000.00", currency="EUR"),
        ),
        ("{ spend = { at_least = 250 } }", spend(at_least=250)),
    ],
)
def test_the_file_forms_mean_the_python_conditions(when: str, python):
    (made,) = parse_policies(one_policy(when))
    assert made.when.description == python.description
    timeline = lc.Timeline(
        [bought("a", START, "600", "EUR"), bought("b", START + 10 * DAY, "500", "EUR")]
    )
    for day in (START + 10 * DAY, START + 26 * DAY, START + 30 * DAY, START + 400 * DAY):
        context = lc.Context(ADA, timeline.until(day), day)
        assert made.when(context) == python(context)
        assert made.when.next_change(context) == python.next_change(context)


def test_the_churn_table_names_the_p_alive_rule():
    made = parse_policies(
        one_policy("{ spend = { at_least = 1 } }", f"churn = {{ p_alive_below = 0.1, {MODEL} }}")
    )
    assert made.churn == churn_on_p_alive(below=0.1)
    inactive = parse_policies(
        one_policy("{ spend = { at_least = 1 } }", 'churn = { inactive_after = "90 days" }')
    )
    assert inactive.churn == lc.churn_after_inactivity(days=90)


@pytest.mark.parametrize(
    ("when", "churn", "key", "problem"),
    [
        ("{ p_alive = { below = 0.3 } }", "", "policy[0].when.p_alive.r", "is required"),
        (
            "{ p_alive = { r = 1, alpha = 1, a = 1, b = 1 } }",
            "",
            "policy[0].when.p_alive.below",
            "is required",
        ),
        (
            f"{{ p_alive = {{ below = 0, {MODEL} }} }}",
            "",
            "policy[0].when.p_alive.below",
            "must be above 0 and at most 1",
        ),
        (
            f'{{ p_alive = {{ below = "low", {MODEL} }} }}',
            "",
            "policy[0].when.p_alive.below",
            "must be a number",
        ),
        (
            "{ p_alive = { below = 0.3, r = 0, alpha = 1, a = 1, b = 1 } }",
            "",
            "policy[0].when.p_alive.r",
            "must be positive",
        ),
        (
            f"{{ p_alive = {{ below = 0.3, c = 1, {MODEL} }} }}",
            "",
            "policy[0].when.p_alive.c",
            "is not a key here",
        ),
        ("{ p_alive = 0.3 }", "", "policy[0].when.p_alive", "must be a table"),
        (
            "{ purchase_gap = { over = 0 } }",
            "",
            "policy[0].when.purchase_gap.over",
            "must be a positive finite number",
        ),
        (
            "{ purchase_gap = { over = true } }",
            "",
            "policy[0].when.purchase_gap.over",
            "must be a number",
        ),
        (
            '{ purchase_gap = { at_least = "2 weeks" } }',
            "",
            "policy[0].when.purchase_gap.at_least",
            "must be a whole number of days",
        ),
        (
            '{ purchase_gap = { at_least = "-2 days" } }',
            "",
            "policy[0].when.purchase_gap.at_least",
            "must not be negative",
        ),
        ("{ purchase_gap = 2 }", "", "policy[0].when.purchase_gap", "must be a table"),
        ("{ spend = {} }", "", "policy[0].when.spend", "needs at_least"),
        (
            "{ spend = { at_least = 10.5 } }",
            "",
            "policy[0].when.spend.at_least",
            "must be an amount in text",
        ),
        (
            '{ spend = { at_least = "ten" } }',
            "",
            "policy[0].when.spend.at_least",
            "is not a decimal number",
        ),
        (
            '{ spend = { at_least = "10", currency = "euro" } }',
            "",
            "policy[0].when.spend.currency",
            "must be a three-letter",
        ),
        (
            '{ spend = { at_least = "10", currency = 3 } }',
            "",
            "policy[0].when.spend.currency",
            "must be a non-empty string",
        ),
        ("{ spend = 5 }", "", "policy[0].when.spend", "must be a table"),
        (
            "{ spend = { at_least = 1 } }",
            f'churn = {{ p_alive_below = 0.1, inactive_after = "9 days", {MODEL} }}',
            "churn.inactive_after",
            "is not a key here (keys: p_alive_below, r, alpha, a, b)",
        ),
        (
            "{ spend = { at_least = 1 } }",
            "churn = { r = 1 }",
            "churn.r",
            "is not a key here (keys: inactive_after)",
        ),
        (
            "{ spend = { at_least = 1 } }",
            "churn = { p_alive_below = 0.1 }",
            "churn.r",
            "is required",
        ),
        (
            "{ spend = { at_least = 1 } }",
            f"churn = {{ p_alive_below = 2, {MODEL} }}",
            "churn.p_alive_below",
            "must be above 0 and at most 1",
        ),
        (
            "{ spend = { at_least = 1 } }",
            "churn = {}",
            "churn",
            'needs inactive_after (e.g. "180 days") or p_alive_below',
        ),
    ],
)
def test_bad_purchase_conditions_in_files_are_told_at_their_key(
    when: str, churn: str, key: str, problem: str
):
    with pytest.raises(lc.PolicyFileError) as info:
        parse_policies(one_policy(when, churn))
    (found,) = info.value.problems
    assert (found.key, problem in found.problem) == (key, True), found
