"""The starter pack means exactly what starter-pack.md says.

Two checks: an independent restatement of every rule, written from the spec
with plain lists (none of the library's queries), must agree with the engine
on generated books; and example tests pin every rule at its boundaries.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

ENGINE = lc.Engine(lc.starter_pack(), cap=None)
DAY = dt.timedelta(days=1)


def restated(
    customer: lc.Customer, touchpoints: list[lc.Touchpoint], d: dt.date
) -> dict[str, dt.date]:
    """The due actions (policy -> due date) as of d, straight from the spec's words."""
    zone = customer.timezone

    def local(t: lc.Touchpoint) -> dt.date:
        return t.at.astimezone(zone).date()

    seen = sorted((t for t in touchpoints if local(t) <= d), key=lambda t: (t.at, t.id))

    def first(kind: str) -> lc.Touchpoint | None:
        return next((t for t in seen if t.kind.name == kind), None)

    def last(kind: str) -> lc.Touchpoint | None:
        return next((t for t in reversed(seen) if t.kind.name == kind), None)

    if customer.do_not_contact:
        return {}
    cancel = last("cancellation")
    if cancel is not None and all(
        o is None or cancel.at > o.at for o in (last("purchase"), last("renewal"))
    ):
        return {}

    due: dict[str, dt.date] = {}
    resolution = last("resolution")
    open_complaints = [
        t
        for t in seen
        if t.kind.name == "complaint" and (resolution is None or t.at > resolution.at)
    ]
    if open_complaints:
        due["complaint_follow_up"] = local(open_complaints[0]) + 2 * DAY
    n = last("nps")
    if n is not None and n.score is not None and n.score <= 6:
        if not any(t.direction == "outbound" and t.at > n.at for t in seen):
            due["detractor_recovery"] = local(n) + 3 * DAY
    end = customer.contract_end
    if end is not None and not any(
        t.kind.name in ("renewal", "cancellation") and local(t) >= end - 365 * DAY for t in seen
    ):
        due["renewal"] = end - 60 * DAY
    p = first("purchase")
    if p is not None:
        if not any(t.kind.name == "onboarding" and t.at >= p.at for t in seen):
            due["welcome"] = local(p) + 7 * DAY
        if not any(t.kind.name == "health_check" and t.at >= p.at for t in seen):
            due["onboarding_review"] = local(p) + 30 * DAY
        h = last("health_check")
        due["health_check"] = max(local(p), local(h) if h else local(p)) + 90 * DAY
    if seen:
        due["reconnect"] = local(seen[-1]) + 60 * DAY
    if n is not None and n.score is not None and n.score >= 9:
        if not any(
            t.kind.name == "referral" and t.at >= n.at - dt.timedelta(hours=180 * 24) for t in seen
        ):
            due["promoter_referral"] = local(n) + 14 * DAY
    k = 0
    while customer.since + relativedelta(years=k + 1) <= d:
        k += 1
    if k >= 1:
        anniversary = customer.since + relativedelta(years=k)
        if d <= anniversary + 30 * DAY and not any(
            t.kind.name == "anniversary" and local(t) >= anniversary - 7 * DAY for t in seen
        ):
            due["anniversary"] = anniversary
    # Expiry (revised 2026-12-07): not due once d > due + window.
    windows = {
        "detractor_recovery": 60,
        "welcome": 30,
        "onboarding_review": 60,
        "promoter_referral": 30,
        "anniversary": 30,
    }
    return {
        name: day
        for name, day in due.items()
        if day <= d and (name not in windows or d <= day + windows[name] * DAY)
    }


def engine_due(book: lc.Book, customer_id: str, d: dt.date) -> dict[str, dt.date]:
    agenda = ENGINE.agenda(book, d)
    return {a.policy: a.due for a in agenda.for_customer(customer_id)}


@given(lct.books(max_customers=4, max_touchpoints=24), lct.local_dates(), st.data())
def test_every_policy_matches_its_restatement(book: lc.Book, d: dt.date, data: st.DataObject):
    """On generated books and dates, the engine's due actions equal the spec's, date for date."""
    agenda = ENGINE.agenda(book, d)
    for customer, timeline in book.items():
        expected = restated(customer, list(timeline), d)
        actual = {a.policy: a.due for a in agenda.for_customer(customer.id)}
        assert actual == expected, customer.id


# -- boundaries, row by row ----------------------------------------------------------

UTC = ZoneInfo("UTC")
SINCE = dt.date(2025, 1, 10)


def cust(**changes: object) -> lc.Customer:
    fields: dict[str, object] = {"id": "c", "name": "C", "since": SINCE}
    fields.update(changes)
    return lc.Customer(**fields)  # type: ignore[arg-type]


def tp(
    tid: str,
    day: dt.date,
    kind: str,
    *,
    hour: int = 12,
    direction: str = "inbound",
    score: int | None = None,
    zone: ZoneInfo = UTC,
    minute: int = 0,
) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id="c",
        at=dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone),
        kind=kind,
        channel="email",
        direction=direction,
        score=score,
    )


def due_on(
    d: dt.date, *touchpoints: lc.Touchpoint, customer: lc.Customer | None = None
) -> dict[str, dt.date]:
    book = lc.Book([customer or cust()], touchpoints)
    return engine_due(book, "c", d)


def verdict(
    name: str, d: dt.date, *touchpoints: lc.Touchpoint, customer: lc.Customer | None = None
) -> lc.Verdict:
    book = lc.Book([customer or cust()], touchpoints)
    return next(v for v in ENGINE.explain(book, "c", d).verdicts if v.policy == name)


D = dt.date(2026, 3, 1)


class TestComplaintFollowUp:
    def test_due_exactly_two_days_after_the_earliest_open_complaint(self):
        """Due on the local date of the earliest complaint after the last resolution + 2."""
        c1, c2 = tp("a", D - 5 * DAY, "complaint"), tp("b", D - 4 * DAY, "complaint")
        assert due_on(D - 3 * DAY, c1, c2)["complaint_follow_up"] == D - 3 * DAY
        assert "complaint_follow_up" not in due_on(D - 4 * DAY, c1, c2)

    def test_a_resolution_after_it_makes_it_not_apply(self):
        """A resolution after the complaint closes it; a later complaint opens a new one."""
        c1 = tp("a", D - 10 * DAY, "complaint")
        r = tp("r", D - 9 * DAY, "resolution", direction="outbound")
        assert verdict("complaint_follow_up", D, c1, r).status is lc.Status.NOT_APPLICABLE
        c2 = tp("b", D - 5 * DAY, "complaint")
        assert due_on(D, c1, r, c2)["complaint_follow_up"] == D - 3 * DAY

    def test_a_complaint_at_the_same_instant_as_the_resolution_is_not_after_it(self):
        """'After' is strictly later: a complaint at the resolution's instant counts as resolved."""
        same = D - 5 * DAY
        assert "complaint_follow_up" not in due_on(
            D, tp("a", same, "complaint"), tp("r", same, "resolution")
        )


class TestDetractorRecovery:
    def test_score_six_is_a_detractor_seven_is_not(self):
        """N.score <= 6 applies; 7 does not; an unanswered survey does not."""
        assert due_on(D, tp("n", D - 3 * DAY, "nps", score=6))["detractor_recovery"] == D
        assert "detractor_recovery" not in due_on(D, tp("n", D - 3 * DAY, "nps", score=7))
        assert "detractor_recovery" not in due_on(D, tp("n", D - 3 * DAY, "nps"))

    def test_only_the_last_nps_counts(self):
        """A later promoter answer replaces an earlier detractor one."""
        older, newer = tp("a", D - 9 * DAY, "nps", score=2), tp("b", D - 8 * DAY, "nps", score=9)
        assert "detractor_recovery" not in due_on(D, older, newer)

    def test_fulfilled_by_an_outbound_touchpoint_strictly_after(self):
        """Outbound after N fulfils; at the same instant or inbound does not."""
        n = tp("n", D - 5 * DAY, "nps", score=3)
        assert "detractor_recovery" not in due_on(
            D, n, tp("o", D - 4 * DAY, "check_in", direction="outbound")
        )
        same = tp("o", D - 5 * DAY, "check_in", direction="outbound")
        assert "detractor_recovery" in due_on(D, n, same)
        assert "detractor_recovery" in due_on(
            D, n, tp("i", D - 4 * DAY, "inquiry", direction="inbound")
        )


class TestRenewal:
    def test_due_sixty_days_before_contract_end(self):
        """Due on E - 60 days, not the day before."""
        customer = cust(contract_end=D + 60 * DAY)
        assert due_on(D, customer=customer)["renewal"] == D
        assert "renewal" not in due_on(D - DAY, customer=customer)

    def test_fulfilled_by_renewal_or_cancellation_in_the_last_year_of_the_term(self):
        """A renewal or cancellation with local date >= E - 365 days fulfils; one earlier does not."""
        end = D + 30 * DAY
        customer = cust(contract_end=end)
        boundary = end - 365 * DAY
        assert "renewal" not in due_on(D, tp("r", boundary, "renewal"), customer=customer)
        assert "renewal" in due_on(D, tp("r", boundary - DAY, "renewal"), customer=customer)

    def test_no_contract_end_no_renewal(self):
        """Without contract_end the policy does not apply."""
        assert verdict("renewal", D).status is lc.Status.NOT_APPLICABLE


class TestWelcomeAndOnboardingReview:
    def test_due_seven_and_thirty_days_after_the_first_purchase(self):
        """welcome on P + 7, onboarding_review on P + 30, from the first purchase only."""
        p = tp("p", D - 30 * DAY, "purchase")
        later = tp("q", D - 20 * DAY, "purchase")
        due = due_on(D, p, later)
        assert due["welcome"] == D - 23 * DAY
        assert due["onboarding_review"] == D

    def test_fulfilled_exactly_at_the_anchor_instant(self):
        """An onboarding at the very instant of the purchase counts ('at or after P')."""
        p = tp("p", D - 30 * DAY, "purchase")
        at_once = tp("o", D - 30 * DAY, "onboarding", direction="outbound")
        check = tp("h", D - 30 * DAY, "health_check", direction="outbound")
        due = due_on(D, p, at_once, check)
        assert "welcome" not in due
        assert "onboarding_review" not in due
        just_before = tp("o", D - 30 * DAY, "onboarding", hour=11)
        assert "welcome" in due_on(D, p, just_before)

    def test_a_time_zone_can_push_the_purchase_into_the_next_local_day(self):
        """19:00 UTC is the next day in Kiritimati: the due date moves with it."""
        customer = cust(timezone="Pacific/Kiritimati")
        p = tp("p", D - 10 * DAY, "purchase", hour=19)
        assert due_on(D, p)["welcome"] == D - 3 * DAY
        assert due_on(D, p, customer=customer)["welcome"] == D - 2 * DAY
        # ... and a touchpoint whose local date is after as_of is invisible.
        late = tp("x", D, "onboarding", hour=19, direction="outbound")
        assert "welcome" in due_on(D, p, late, customer=customer)
        assert "welcome" not in due_on(D, p, late)


class TestHealthCheckAndReconnect:
    def test_health_check_recurs_from_the_last_one(self):
        """max(P, last health check) + 90 days; a newer health check moves it."""
        p = tp("p", D - 200 * DAY, "purchase")
        assert due_on(D, p)["health_check"] == D - 110 * DAY
        h = tp("h", D - 90 * DAY, "health_check", direction="outbound")
        assert due_on(D, p, h)["health_check"] == D
        assert "health_check" not in due_on(D - DAY, p, h)

    def test_health_check_needs_a_purchase(self):
        """A health check alone (no purchase) does not make the policy apply."""
        assert (
            verdict("health_check", D, tp("h", D - 100 * DAY, "health_check")).status
            is lc.Status.NOT_APPLICABLE
        )

    def test_reconnect_sixty_days_after_any_touchpoint(self):
        """Any touchpoint moves reconnect; due exactly 60 days after the last."""
        assert due_on(D, tp("a", D - 60 * DAY, "inquiry"))["reconnect"] == D
        assert "reconnect" not in due_on(
            D, tp("a", D - 60 * DAY, "inquiry"), tp("b", D - 59 * DAY, "demo")
        )


class TestPromoterReferral:
    def test_score_nine_applies_eight_does_not(self):
        """N.score >= 9; due 14 days after."""
        assert due_on(D, tp("n", D - 14 * DAY, "nps", score=9))["promoter_referral"] == D
        assert "promoter_referral" not in due_on(D, tp("n", D - 14 * DAY, "nps", score=8))

    def test_a_referral_up_to_180_days_before_counts(self):
        """Fulfilled by a referral at or after N.at - 180 x 24 hours, to the minute."""
        n = tp("n", D - 20 * DAY, "nps", score=10, hour=12)
        edge = n.at - dt.timedelta(days=180)
        on_edge = lc.Touchpoint(
            id="r", customer_id="c", at=edge, kind="referral", channel="web", direction="inbound"
        )
        too_early = attrs.evolve(on_edge, at=edge - dt.timedelta(minutes=1))
        assert "promoter_referral" not in due_on(D, n, on_edge)
        assert "promoter_referral" in due_on(D, n, too_early)


class TestExpiry:
    """The revised pack (2026-12-07): four more policies leave the agenda after a window."""

    @pytest.mark.parametrize(
        ("policy", "anchor", "offset", "window"),
        [
            ("detractor_recovery", ("nps", 3), 3, 60),
            ("welcome", ("purchase", None), 7, 30),
            ("onboarding_review", ("purchase", None), 30, 60),
            ("promoter_referral", ("nps", 10), 14, 30),
        ],
    )
    def test_due_through_the_last_day_of_the_window_then_expired(
        self, policy: str, anchor: tuple[str, int | None], offset: int, window: int
    ):
        """Due on due + window (the last day); expired, and not held back, the day after."""
        kind, score = anchor
        start = dt.date(2026, 1, 10)
        due = start + offset * DAY
        trigger = tp("a", start, kind, score=score)
        assert due_on(due + window * DAY, trigger)[policy] == due
        after = due + (window + 1) * DAY
        assert policy not in due_on(after, trigger)
        assert verdict(policy, after, trigger).status is lc.Status.EXPIRED
        book = lc.Book([cust()], [trigger])
        held = ENGINE.agenda(book, after).held_back
        assert policy not in {h.action.policy for h in held}


class TestAnniversary:
    def test_due_on_the_anniversary_and_expires_after_thirty_days(self):
        """Due on since + K years through due + 30 days; not on day 31."""
        customer = cust(since=dt.date(2024, 6, 15))
        anniversary = dt.date(2026, 6, 15)
        assert due_on(anniversary, customer=customer)["anniversary"] == anniversary
        assert "anniversary" not in due_on(anniversary - DAY, customer=customer)
        assert due_on(anniversary + 30 * DAY, customer=customer)["anniversary"] == anniversary
        assert "anniversary" not in due_on(anniversary + 31 * DAY, customer=customer)
        assert (
            verdict("anniversary", anniversary + 31 * DAY, customer=customer).status
            is lc.Status.EXPIRED
        )

    def test_not_before_the_first_year(self):
        """since + k years with k >= 1: nothing in the first year."""
        customer = cust(since=D - 364 * DAY)
        assert verdict("anniversary", D, customer=customer).status is lc.Status.UPCOMING

    def test_feb_29_customers_celebrate_on_feb_28_in_common_years(self):
        """Feb 29 -> Feb 28 in common years, Feb 29 again in leap years."""
        customer = cust(since=dt.date(2024, 2, 29))
        assert due_on(dt.date(2025, 2, 28), customer=customer)["anniversary"] == dt.date(
            2025, 2, 28
        )
        assert "anniversary" not in due_on(dt.date(2025, 2, 27), customer=customer)
        assert due_on(dt.date(2028, 2, 29), customer=customer)["anniversary"] == dt.date(
            2028, 2, 29
        )
        # The day before a leap-year 29 February: last year's expired long ago, this year's is ahead.
        before = verdict("anniversary", dt.date(2028, 2, 28), customer=customer)
        assert (before.status, before.due) == (lc.Status.EXPIRED, dt.date(2027, 2, 28))

    def test_fulfilled_by_an_anniversary_touchpoint_from_a_week_before(self):
        """An anniversary touchpoint with local date >= due - 7 days fulfils it."""
        customer = cust(since=dt.date(2024, 6, 15))
        anniversary = dt.date(2026, 6, 15)
        week_before = tp("a", anniversary - 7 * DAY, "anniversary", direction="outbound")
        eight_days = tp("a", anniversary - 8 * DAY, "anniversary", direction="outbound")
        assert "anniversary" not in due_on(anniversary, week_before, customer=customer)
        assert "anniversary" in due_on(anniversary, eight_days, customer=customer)


class TestWhoGetsNothing:
    def test_do_not_contact_customers_are_skipped_and_listed(self):
        """Skipped with reason do_not_contact, whatever policies would say."""
        book = lc.Book([cust(do_not_contact=True)], [tp("c", D - 5 * DAY, "complaint")])
        agenda = ENGINE.agenda(book, D)
        assert list(agenda) == []
        assert [(s.customer_id, s.reason) for s in agenda.skipped] == [("c", "do_not_contact")]

    def test_churned_customers_are_skipped_and_a_purchase_wins_them_back(self):
        """A cancellation after the last purchase and renewal: churned; a later purchase: back."""
        p, x = tp("p", D - 50 * DAY, "purchase"), tp("x", D - 40 * DAY, "cancellation")
        agenda = ENGINE.agenda(lc.Book([cust()], [p, x]), D)
        assert [(s.customer_id, s.reason) for s in agenda.skipped] == [("c", "churned")]
        back = tp("q", D - 30 * DAY, "purchase")
        assert ENGINE.agenda(lc.Book([cust()], [p, x, back]), D).skipped == ()
        alone = ENGINE.agenda(lc.Book([cust()], [x]), D)
        assert alone.skipped[0].reason == "churned"

    def test_a_customer_both_churned_and_do_not_contact_is_listed_once(self):
        """Listed once, as do_not_contact."""
        book = lc.Book([cust(do_not_contact=True)], [tp("x", D - 5 * DAY, "cancellation")])
        assert [s.reason for s in ENGINE.agenda(book, D).skipped] == ["do_not_contact"]

    def test_a_cancellation_at_the_purchase_instant_does_not_churn(self):
        """'After' is strictly later."""
        same = D - 5 * DAY
        book = lc.Book([cust()], [tp("p", same, "purchase"), tp("x", same, "cancellation")])
        assert ENGINE.agenda(book, D).skipped == ()


@pytest.mark.parametrize("policy", [p.name for p in lc.starter_pack()])  # type: ignore[attr-defined]
def test_each_policy_is_due_somewhere_in_the_sample_book(policy: str):
    """The sample book is tuned so every starter policy shows up on its agenda."""
    agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    assert policy in {a.policy for a in agenda}
