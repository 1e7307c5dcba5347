"""The retail pack means exactly what retail-pack.md says, in Python and in its file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.policies import retail_pack_path
from lifecycle.purchases import CDNOW_BETA_GEO, first_day_below, purchase_days

PACK = lc.retail_pack()
FILE = lc.load_policies(retail_pack_path())
ENGINE = lc.Engine(PACK, cap=None)
DAY = dt.timedelta(days=1)
LOW, HIGH = dt.date(2024, 6, 1), dt.date(2027, 3, 1)
AS_OF = dt.date(2026, 11, 2)
SHOP_KINDS = st.sampled_from(
    [lc.Kind.PURCHASE] * 4 + [lc.Kind.CSAT, lc.Kind.CHECK_IN, lc.Kind.CANCELLATION]
)


def shop_books(**more: object) -> st.SearchStrategy[lc.Book]:
    fields: dict[str, object] = {
        "max_customers": 3,
        "max_touchpoints": 16,
        "min_date": LOW,
        "max_date": HIGH,
        "kinds": SHOP_KINDS,
        "amounts": True,
        "currencies": ("EUR",),
    }
    fields.update(more)
    return lct.books(**fields)  # type: ignore[arg-type]


def test_the_pack_is_six_policies_in_priority_order():
    assert [(p.name, p.priority) for p in PACK] == [
        ("first_purchase_thanks", 1),
        ("win_back", 2),
        ("second_purchase_nudge", 3),
        ("replenishment", 4),
        ("vip_thanks", 5),
        ("review_request", 6),
    ]
    assert [p.name for p in FILE] == [p.name for p in PACK]


@given(lct.local_dates(min_value=LOW, max_value=HIGH), st.data())
def test_the_file_gives_the_packs_verdicts(as_of: dt.date, data: st.DataObject):
    """retail-pack.toml and retail_pack() give the same verdicts, customer by customer."""
    book = data.draw(shop_books())
    from_file = lc.Engine(FILE, cap=None)
    assert from_file.agenda(book, as_of) == ENGINE.agenda(book, as_of)
    for customer in book:
        assert (
            from_file.explain(book, customer.id, as_of).verdicts
            == ENGINE.explain(book, customer.id, as_of).verdicts
        )


def test_another_model_makes_another_pack():
    """The model reaches win_back and replenishment."""
    loyal = lc.clv.BetaGeo(r=0.243, alpha=4.414, a=0.01, b=50.0)
    pack = lc.retail_pack(model=loyal)
    book = lc.Book([cust()], [buy("a", START), buy("b", START + 7 * DAY)])
    day = START + 300 * DAY
    assert verdict("win_back", day, book).status is lc.Status.DUE
    assert verdict("win_back", day, book, pack).status is lc.Status.NOT_APPLICABLE


def test_the_pack_keeps_the_contract():
    lct.check_policy(PACK, settings=settings(max_examples=30, database=None))


# -- incremental = full ------------------------------------------------------------------


@st.composite
def shop_events(draw: st.DrawFn, book: lc.Book) -> list[tuple[str, object]]:
    """Days passing and new purchases (with money), CSATs and check-ins."""
    ids = list(book.customer_ids)
    stream: list[tuple[str, object]] = []
    for n in range(draw(st.integers(1, 6))):
        if ids and draw(st.booleans()):
            new = draw(
                st.lists(
                    lct.touchpoints(
                        customer_id=st.sampled_from(ids),
                        min_date=LOW,
                        max_date=HIGH,
                        kinds=SHOP_KINDS,
                        amounts=True,
                        currencies=("EUR",),
                    ),
                    max_size=3,
                    unique_by=lambda t: t.id,
                )
            )
            stream.append(("add", [_renamed(t, f"new-{n}-{i}") for i, t in enumerate(new)]))
        else:
            stream.append(("days", draw(st.integers(0, 150))))
    return stream


def _renamed(touchpoint: lc.Touchpoint, tid: str) -> lc.Touchpoint:
    import attrs  # noqa: PLC0415

    return attrs.evolve(touchpoint, id=tid)


@settings(max_examples=60)
@given(st.data())
def test_incremental_equals_full_evaluation_with_the_retail_pack(data: st.DataObject):
    """Win-backs and reminders come due on days with no touchpoint; purchases move them."""
    churn = data.draw(
        st.sampled_from(
            [
                lc.churn_on_cancellation(),
                lc.churn_on_p_alive(below=0.2),
                lc.churn_after_inactivity(days=120),
            ]
        )
    )
    engine = lc.Engine(PACK, cap=data.draw(st.none() | st.integers(1, 3)), churn=churn)
    book = data.draw(shop_books())
    live = lc.IncrementalAgenda(engine, book, AS_OF)
    day = AS_OF
    assert live.agenda(day) == engine.agenda(book, day)
    for what, value in data.draw(shop_events(book)):
        if what == "days":
            day += dt.timedelta(days=value)  # type: ignore[arg-type]
        else:
            live.add(value)  # type: ignore[arg-type]
            book = book.with_touchpoints(value)  # type: ignore[arg-type]
        assert live.agenda(day) == engine.agenda(book, day)


@settings(max_examples=20)
@given(st.data())
def test_the_forecast_is_what_each_days_agenda_brings_due(data: st.DataObject):
    book = data.draw(shop_books())
    start = data.draw(lct.local_dates(min_value=LOW, max_value=HIGH))
    forecast = lc.Engine(PACK).forecast(book, start, start + dt.timedelta(days=40))
    for day, actions in forecast.days.items():
        assert list(actions) == [a for a in ENGINE.agenda(book, day) if a.due == day]


# -- boundaries, policy by policy -------------------------------------------------------------

START = dt.date(2026, 1, 10)


def cust() -> lc.Customer:
    return lc.Customer(id="c", name="C", since=dt.date(2025, 1, 1))


def buy(tid: str, day: dt.date, amount: object = None, hour: int = 12) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id="c",
        at=dt.datetime.combine(day, dt.time(hour), dt.UTC),
        kind="purchase",
        channel="web",
        direction="inbound",
        amount=amount,
    )


def touch(tid: str, day: dt.date, kind: str, direction: str = "outbound") -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id="c",
        at=dt.datetime.combine(day, dt.time(15), dt.UTC),
        kind=kind,
        channel="email",
        direction=direction,
    )


def verdict(
    name: str, day: dt.date, book: lc.Book, pack: lc.policies.PolicySet = PACK
) -> lc.Verdict:
    found = lc.Engine(pack, cap=None).explain(book, "c", day).verdicts
    return next(v for v in found if v.policy == name)


def status(name: str, day: dt.date, *touchpoints: lc.Touchpoint) -> lc.Status:
    return verdict(name, day, lc.Book([cust()], touchpoints)).status


def due(name: str, day: dt.date, *touchpoints: lc.Touchpoint) -> dt.date | None:
    return verdict(name, day, lc.Book([cust()], touchpoints)).due


UPCOMING, DUE, EXPIRED = lc.Status.UPCOMING, lc.Status.DUE, lc.Status.EXPIRED
NOT_APPLICABLE, FULFILLED = lc.Status.NOT_APPLICABLE, lc.Status.FULFILLED


class TestFirstPurchaseThanks:
    def test_due_the_day_after_the_first_purchase_through_fourteen_days(self):
        p = buy("p", START)
        assert status("first_purchase_thanks", START, p) is UPCOMING
        assert (
            status("first_purchase_thanks", START + DAY, p),
            due("first_purchase_thanks", START + DAY, p),
        ) == (DUE, START + DAY)
        assert status("first_purchase_thanks", START + 15 * DAY, p) is DUE
        assert status("first_purchase_thanks", START + 16 * DAY, p) is EXPIRED

    def test_fulfilled_by_an_outbound_touchpoint_after_the_purchase(self):
        p = buy("p", START)
        assert (
            status("first_purchase_thanks", START + 2 * DAY, p, touch("o", START, "check_in"))
            is FULFILLED
        )
        inbound = touch("i", START, "inquiry", direction="inbound")
        assert status("first_purchase_thanks", START + 2 * DAY, p, inbound) is DUE
        earlier = touch("o", START - DAY, "check_in")
        assert status("first_purchase_thanks", START + 2 * DAY, p, earlier) is DUE

    def test_no_purchase_no_thanks(self):
        assert (
            status("first_purchase_thanks", START, touch("o", START, "check_in")) is NOT_APPLICABLE
        )


class TestSecondPurchaseNudge:
    def test_due_thirty_days_after_the_first_purchase_through_sixty(self):
        p = buy("p", START)
        assert status("second_purchase_nudge", START + 29 * DAY, p) is UPCOMING
        assert due("second_purchase_nudge", START + 30 * DAY, p) == START + 30 * DAY
        assert status("second_purchase_nudge", START + 30 * DAY, p) is DUE
        assert status("second_purchase_nudge", START + 60 * DAY, p) is DUE
        assert status("second_purchase_nudge", START + 61 * DAY, p) is EXPIRED

    def test_a_later_purchase_makes_it_not_apply_one_at_the_same_instant_does_not(self):
        p = buy("p", START)
        assert (
            status("second_purchase_nudge", START + 30 * DAY, p, buy("q", START + 29 * DAY))
            is NOT_APPLICABLE
        )
        assert status("second_purchase_nudge", START + 30 * DAY, p, buy("q", START)) is DUE
        # A second purchase later than the as-of date is not seen yet.
        assert (
            status("second_purchase_nudge", START + 30 * DAY, p, buy("q", START + 31 * DAY)) is DUE
        )


def _fading_day(*days_: dt.date, below: float = 0.3) -> dt.date:
    found = first_day_below(CDNOW_BETA_GEO, days_, below, days_[-1], days_[-1] + 5000 * DAY)
    assert found is not None
    return found


class TestWinBack:
    def test_due_from_the_day_p_alive_drops_below_0_3(self):
        purchases = [buy("a", START), buy("b", START + 7 * DAY), buy("c", START + 14 * DAY)]
        fading = _fading_day(*purchase_days(lc.Timeline(purchases)))
        assert status("win_back", fading - DAY, *purchases) is NOT_APPLICABLE
        assert status("win_back", fading, *purchases) is DUE
        assert due("win_back", fading, *purchases) == START + 14 * DAY  # the last purchase's day
        assert status("win_back", fading + 999 * DAY, *purchases) is DUE  # no expiry

    def test_a_purchase_ends_it_and_a_one_time_buyer_never_gets_one(self):
        purchases = [buy("a", START), buy("b", START + 7 * DAY)]
        fading = _fading_day(START, START + 7 * DAY)
        assert status("win_back", fading, *purchases, buy("c", fading)) is NOT_APPLICABLE
        assert status("win_back", START + 3000 * DAY, buy("a", START)) is NOT_APPLICABLE

    def test_a_decision_closes_it_until_the_next_purchase(self):
        purchases = [buy("a", START), buy("b", START + 7 * DAY)]
        fading = _fading_day(START, START + 7 * DAY)
        done = lc.Decision(
            id="d-1",
            customer_id="c",
            policy="win_back",
            due=START + 7 * DAY,
            outcome="done",
            at=dt.datetime.combine(fading, dt.time(16), dt.UTC),
        )
        book = lc.Book([cust()], purchases).with_decisions([done])
        assert "win_back" not in {a.policy for a in ENGINE.agenda(book, fading + DAY)}


class TestReplenishment:
    # Purchases 10 days apart: the median gap is 10, so 1.5 x 10 = 15: due from day 16 of silence.
    PURCHASES = (buy("a", START), buy("b", START + 10 * DAY), buy("c", START + 20 * DAY))
    LAST = START + 20 * DAY

    def test_due_once_silent_for_more_than_one_and_a_half_median_gaps(self):
        assert status("replenishment", self.LAST + 15 * DAY, *self.PURCHASES) is NOT_APPLICABLE
        assert status("replenishment", self.LAST + 16 * DAY, *self.PURCHASES) is DUE
        assert due("replenishment", self.LAST + 16 * DAY, *self.PURCHASES) == self.LAST

    def test_at_least_fourteen_days(self):
        weekly = (
            buy("a", START),
            buy("b", START + 2 * DAY),
            buy("c", START + 4 * DAY),
        )  # 1.5 x 2 = 3
        last = START + 4 * DAY
        assert status("replenishment", last + 13 * DAY, *weekly) is NOT_APPLICABLE
        assert status("replenishment", last + 14 * DAY, *weekly) is DUE

    def test_it_gives_way_to_the_win_back(self):
        fading = _fading_day(*purchase_days(lc.Timeline(self.PURCHASES)))
        assert status("replenishment", fading - DAY, *self.PURCHASES) is DUE
        assert status("replenishment", fading, *self.PURCHASES) is NOT_APPLICABLE
        assert status("win_back", fading, *self.PURCHASES) is DUE

    def test_one_purchase_day_has_no_rhythm(self):
        assert status("replenishment", START + 500 * DAY, buy("a", START)) is NOT_APPLICABLE


class TestVipThanks:
    def test_spend_of_1000_just_below_at_and_above(self):
        day = START + 2 * DAY
        base = buy("a", START, "600")
        assert status("vip_thanks", day, base, buy("b", START + DAY, "399.99")) is NOT_APPLICABLE
        assert status("vip_thanks", day, base, buy("b", START + DAY, "400.00")) is DUE
        assert status("vip_thanks", day, base, buy("b", START + DAY, "400.01")) is DUE

    def test_due_the_day_after_each_purchase_through_fourteen_days(self):
        big = buy("a", START, "1500")
        assert status("vip_thanks", START, big) is UPCOMING
        assert due("vip_thanks", START + DAY, big) == START + DAY
        assert status("vip_thanks", START + 15 * DAY, big) is DUE
        assert status("vip_thanks", START + 16 * DAY, big) is EXPIRED
        again = buy("b", START + 40 * DAY, "5")
        assert due("vip_thanks", START + 41 * DAY, big, again) == START + 41 * DAY
        assert (
            status(
                "vip_thanks", START + 41 * DAY, big, again, touch("o", START + 40 * DAY, "check_in")
            )
            is FULFILLED
        )

    def test_a_refund_can_take_a_customer_below(self):
        assert (
            status(
                "vip_thanks",
                START + 2 * DAY,
                buy("a", START, "1500"),
                buy("b", START + DAY, "-600"),
            )
            is NOT_APPLICABLE
        )


class TestReviewRequest:
    def test_due_seven_days_after_the_last_purchase_through_twenty_one(self):
        p = buy("p", START)
        assert status("review_request", START + 6 * DAY, p) is UPCOMING
        assert due("review_request", START + 7 * DAY, p) == START + 7 * DAY
        assert status("review_request", START + 21 * DAY, p) is DUE
        assert status("review_request", START + 22 * DAY, p) is EXPIRED

    def test_fulfilled_by_a_csat_after_the_purchase(self):
        p = buy("p", START)
        assert (
            status("review_request", START + 8 * DAY, p, touch("s", START + DAY, "csat", "inbound"))
            is FULFILLED
        )
        assert (
            status("review_request", START + 8 * DAY, p, touch("s", START - DAY, "csat", "inbound"))
            is DUE
        )

    def test_the_last_purchase_moves_it(self):
        later = buy("q", START + 5 * DAY)
        assert due("review_request", START + 12 * DAY, buy("p", START), later) == START + 12 * DAY


@pytest.mark.parametrize("amount", [Decimal("999.99"), Decimal(1000)])
def test_vip_threshold_is_the_documented_one(amount: Decimal):
    day = START + DAY
    expected = NOT_APPLICABLE if amount < 1000 else DUE
    assert status("vip_thanks", day, buy("a", START, amount)) is expected
