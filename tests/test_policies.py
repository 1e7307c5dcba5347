"""The building blocks: offsets, recurrences, anchors, conditions, fulfilment, combinators."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, HOURLY, MO, MONTHLY, WEEKLY, YEARLY, rrule, rruleset, rrulestr
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

D = dt.date(2026, 3, 1)


def customer(**changes: object) -> lc.Customer:
    fields: dict[str, object] = {"id": "c", "name": "C", "since": dt.date(2024, 2, 29)}
    fields.update(changes)
    return lc.Customer(**fields)  # type: ignore[arg-type]


def touch(tid: str, day: dt.date, kind: str, **changes: object) -> lc.Touchpoint:
    fields: dict[str, object] = {"channel": "email", "direction": "inbound"}
    fields.update(changes)
    return lc.Touchpoint(
        id=tid,
        customer_id="c",
        at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        kind=kind,
        **fields,  # type: ignore[arg-type]
    )


def context(*touchpoints: lc.Touchpoint, as_of: dt.date = D, **changes: object) -> lc.Context:
    return lc.Context(customer(**changes), lc.Timeline(touchpoints), as_of)


def one(
    policy: lc.policies.RulePolicy,
    *touchpoints: lc.Touchpoint,
    as_of: dt.date = D,
    **changes: object,
) -> lc.Verdict:
    (verdict,) = policy.verdicts(customer(**changes), lc.Timeline(touchpoints), as_of)
    return verdict


# -- offsets and recurrences ------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "start", "expected", "words"),
    [
        (lc.days(7), dt.date(2026, 2, 25), dt.date(2026, 3, 4), "7 days after"),
        (lc.days(-60), dt.date(2026, 3, 1), dt.date(2025, 12, 31), "60 days before"),
        (lc.policies.weeks(2), dt.date(2026, 1, 1), dt.date(2026, 1, 15), "14 days after"),
        (lc.policies.months(1), dt.date(2026, 1, 31), dt.date(2026, 2, 28), "1 month after"),
        (lc.policies.months(1), dt.date(2024, 1, 31), dt.date(2024, 2, 29), "1 month after"),
        (lc.policies.years(1), dt.date(2024, 2, 29), dt.date(2025, 2, 28), "1 year after"),
        (lc.policies.years(4), dt.date(2024, 2, 29), dt.date(2028, 2, 29), "4 years after"),
        (lc.policies.Offset(), dt.date(2026, 1, 1), dt.date(2026, 1, 1), "on"),
    ],
)
def test_offsets_follow_the_calendar(
    offset: lc.policies.Offset, start: dt.date, expected: dt.date, words: str
):
    """Month ends are clamped and 29 February becomes 28 February in common years."""
    assert offset.apply(start) == expected
    assert offset.description == words


def test_offsets_refuse_non_numbers():
    """Amounts are whole numbers."""
    with pytest.raises(lc.InvalidValueError, match="whole number"):
        lc.days(1.5)  # type: ignore[arg-type]
    with pytest.raises(lc.InvalidValueError, match="whole number"):
        lc.policies.months(True)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
    st.sampled_from([{"years": 1}, {"months": 1}, {"months": 3}, {"days": 7}, {"days": 90}]),
)
def test_recurrence_latest_is_the_largest_occurrence_on_or_before(
    base: dt.date, until: dt.date, step: dict[str, int]
):
    """latest(base, D) = (k, base + k steps) for the largest k >= 1 with that date <= D."""
    recurrence = lc.every(**step)
    found = recurrence.latest(base, until)
    nth = [base + relativedelta(**{u: n * k for u, n in step.items()}) for k in range(500)]
    ks = [k for k in range(1, 500) if nth[k] <= until]
    expected = (max(ks), nth[max(ks)]) if ks else None
    if expected is None or expected[0] < 499:
        assert found == expected


def test_recurrence_with_an_rrule():
    """An rrule's dtstart is the anchor date; occurrences after it count."""
    monthly = lc.every(rule=rrule(MONTHLY, bymonthday=1))
    assert monthly.latest(dt.date(2026, 1, 1), dt.date(2026, 4, 10)) == (3, dt.date(2026, 4, 1))
    assert monthly.latest(dt.date(2026, 1, 15), dt.date(2026, 1, 31)) is None
    assert monthly.first(dt.date(2026, 1, 15)) == (1, dt.date(2026, 2, 1))
    assert monthly.description == "on each date of the rule"
    with pytest.raises(lc.InvalidValueError, match="not both"):
        lc.every(months=1, rule=rrule(MONTHLY))
    with pytest.raises(lc.InvalidValueError, match="positive step"):
        lc.every()
    assert lc.every(years=1).description == "every 1 year"


def test_a_recurring_policy_with_an_offset_and_a_finite_rule():
    """Quarterly reviews 7 days after each quarter start; a finished rule falls back to the anchor."""
    review = lc.policy(
        "review",
        priority=5,
        anchor=lc.policies.customer_since(),
        recurs=lc.every(months=3),
        offset=lc.days(7),
    )
    verdict = one(review, as_of=dt.date(2024, 6, 3), since=dt.date(2024, 3, 1))
    assert (verdict.status, verdict.due) == (lc.Status.UPCOMING, dt.date(2024, 6, 8))
    verdict = one(review, as_of=dt.date(2024, 6, 8), since=dt.date(2024, 3, 1))
    assert (verdict.status, verdict.due) == (lc.Status.DUE, dt.date(2024, 6, 8))
    assert "the 1st occurrence (every 3 months)" in verdict.reason
    once = lc.policy(
        "once",
        priority=5,
        anchor=lc.policies.customer_since(),
        recurs=lc.every(rule=rrule(MONTHLY, count=1)),
    )
    verdict = one(once, as_of=dt.date(2026, 1, 1), since=dt.date(2024, 3, 1))
    assert "no occurrence of the rule" in verdict.reason


# -- anchors ------------------------------------------------------------------------------


def test_anchors_name_their_touchpoint():
    """Labels read like the spec's examples."""
    tps = (
        touch("t1", D - dt.timedelta(days=9), "purchase"),
        touch("t2", D - dt.timedelta(days=2), "nps", score=4),
    )
    assert lc.last("nps").resolve(context(*tps)).label == "nps 4 on 2026-02-27 (t2)"  # type: ignore[union-attr]
    assert lc.first("purchase").resolve(context(*tps)).label == "first purchase on 2026-02-20 (t1)"  # type: ignore[union-attr]
    assert lc.last().resolve(context(*tps)).label == "last touchpoint (nps 4) on 2026-02-27 (t2)"  # type: ignore[union-attr]
    named = lc.first("purchase", name="initial order").resolve(context(*tps))
    assert named.label == "initial order on 2026-02-20 (t1)"  # type: ignore[union-attr]
    assert lc.policies.contract_end().resolve(context()) is None
    assert lc.policies.customer_since().resolve(context()).label == "customer since 2024-02-29"  # type: ignore[union-attr]


def test_first_after_another_anchor():
    """after= narrows to touchpoints strictly after the other anchor's touchpoint."""
    tps = (
        touch("c1", D - dt.timedelta(days=9), "complaint"),
        touch("r1", D - dt.timedelta(days=8), "resolution"),
        touch("c2", D - dt.timedelta(days=2), "complaint"),
    )
    unresolved = lc.first("complaint", after=lc.last("resolution"))
    assert unresolved.resolve(context(*tps)).touchpoint.id == "c2"  # type: ignore[union-attr]
    assert unresolved.resolve(context(*tps[:2])) is None
    assert unresolved.resolve(context(tps[0])).touchpoint.id == "c1"  # type: ignore[union-attr]


def test_latest_keeps_the_first_listed_on_a_tie():
    """latest() picks the later date; on a tie the first anchor listed."""
    day = D - dt.timedelta(days=3)
    tps = (touch("p", day, "purchase"), touch("h", day, "health_check"))
    both = lc.policies.latest(lc.first("purchase"), lc.last("health_check"))
    assert both.resolve(context(*tps)).touchpoint.id == "p"  # type: ignore[union-attr]
    assert (
        lc.policies.latest(lc.last("health_check"), lc.policies.customer_since())
        .resolve(context())
        .label.startswith("customer since")
    )  # type: ignore[union-attr]
    with pytest.raises(lc.InvalidValueError, match="at least two"):
        lc.policies.latest(lc.policies.customer_since())


def test_anchor_filters():
    """direction= and where= narrow what an anchor finds."""
    tps = (
        touch("a", D - dt.timedelta(days=5), "check_in", direction="outbound"),
        touch("b", D - dt.timedelta(days=4), "inquiry"),
    )
    assert lc.last(direction="outbound").resolve(context(*tps)).touchpoint.id == "a"  # type: ignore[union-attr]
    assert lc.first(where=lambda t: t.id == "b").resolve(context(*tps)).touchpoint.id == "b"  # type: ignore[union-attr]
    with pytest.raises(lc.InvalidValueError, match="sideways"):
        lc.last(direction="sideways")


# -- conditions -----------------------------------------------------------------------------


def test_conditions_combine_and_describe_themselves():
    """&, | and ~ combine; nested ands and ors flatten; double negation cancels."""
    smb, gold = lc.policies.segment("smb"), lc.policies.attribute("plan", "gold")
    both = smb & gold & lc.policies.attribute("region")
    assert both.description == "segment is smb and plan is gold and region is set"
    assert isinstance(both, type(smb & gold)) and len(both.parts) == 3  # type: ignore[union-attr]
    either = (smb | gold) | lc.policies.segment("mid")
    assert len(either.parts) == 3  # type: ignore[union-attr]
    assert (~(smb | gold)).description == "not (segment is smb or plan is gold)"
    assert ~~smb == smb
    assert (smb & gold) | ~smb
    ctx = context(attributes={"segment": "smb", "plan": "gold"})
    assert both(ctx) is False
    assert (smb & gold)(ctx) is True
    assert ((smb & gold) | ~smb)(ctx) is True
    assert (~smb)(ctx) is False
    assert lc.policies.all_of(smb) is smb
    with pytest.raises(lc.InvalidValueError, match="is not a condition"):
        lc.policies.all_of(smb, "gold")  # type: ignore[arg-type]
    with pytest.raises(lc.InvalidValueError, match="function"):
        lc.policies.condition("yes", "always")  # type: ignore[arg-type]


def test_condition_building_blocks():
    """score, exists, in_stage, tagged and churned read the customer and its timeline."""
    nps = touch("n", D - dt.timedelta(days=2), "nps", score=4, tags=["feature:reports"])
    anchored = lc.Context(customer(), lc.Timeline([nps]), D, lc.last("nps").resolve(context(nps)))
    assert lc.score(at_most=6)(anchored)
    assert not lc.score(at_least=9)(anchored)
    assert not lc.score(at_most=6)(context(nps))  # no anchor
    assert lc.score(at_least=1, at_most=5).description == "score at least 1 and at most 5"
    with pytest.raises(lc.InvalidValueError):
        lc.score()
    assert lc.policies.exists(lc.last("nps"))(context(nps))
    assert not lc.policies.exists(lc.last("purchase"))(context(nps))
    assert lc.policies.tagged("feature:reports")(context(nps))
    assert lc.policies.tagged("feature:reports", within_days=2)(context(nps))
    assert not lc.policies.tagged("feature:reports", within_days=1)(context(nps))
    assert not lc.policies.tagged("feature:reports", kind="complaint")(context(nps))
    assert (
        lc.policies.tagged("billing", within_days=90).description
        == "tagged 'billing' in the last 90 days"
    )
    assert (
        lc.policies.tagged("billing", within_days=9, kind="nps").description
        == "tagged 'billing' on nps touchpoints in the last 9 days"
    )
    assert lc.policies.in_stage("prospect")(context(nps))
    assert not lc.policies.in_stage("active", "advocate")(context(nps))
    with pytest.raises(lc.UnknownStageError):
        lc.policies.in_stage("vip")
    cancelled = touch("x", D - dt.timedelta(days=1), "cancellation")
    assert lc.policies.churned()(context(nps, cancelled))
    assert not lc.policies.churned()(context(nps))


# -- fulfilment ------------------------------------------------------------------------------


def test_fulfilment_windows():
    """from_anchor (strict or inclusive, shifted), from_anchor_date and from_due."""
    day = D - dt.timedelta(days=10)
    anchor = lc.policies.Anchored(date=day, name="nps", touchpoint=touch("a", day, "nps", score=1))
    field = lc.policies.Anchored(date=day, name="field")
    same = touch("s", day, "check_in")
    timeline = lc.Timeline([anchor.touchpoint, same])  # type: ignore[list-item]
    strictly = lc.fulfilled_by("check_in")
    assert strictly.find(timeline, anchor, D) is None  # same instant is not after
    assert (
        lc.fulfilled_by("check_in", since=lc.policies.from_anchor(inclusive=True)).find(
            timeline, anchor, D
        )
        == same
    )
    assert (
        lc.fulfilled_by("check_in", since=lc.policies.from_anchor_date()).find(timeline, anchor, D)
        == same
    )
    assert (
        lc.fulfilled_by("check_in", since=lc.policies.from_due(days=-10)).find(timeline, anchor, D)
        == same
    )
    assert (
        lc.fulfilled_by("check_in", since=lc.policies.from_due(days=-9)).find(timeline, anchor, D)
        is None
    )
    assert (
        lc.fulfilled_by("check_in").find(timeline, field, D) == same
    )  # a field anchor: its whole day
    assert lc.fulfilled_by().find(timeline, anchor, D) is None
    assert (
        lc.fulfilled_by(since=lc.policies.from_anchor(inclusive=True)).find(timeline, anchor, D)
        == anchor.touchpoint
    )
    assert strictly.missing(anchor, D) == "no check_in since"
    shifted = lc.policies.from_anchor(inclusive=True, days=-180)
    # A reason names the window's start by its local date, not the instant (12:00 UTC).
    referral = lc.fulfilled_by("referral", since=shifted)
    assert referral.missing(anchor, D) == "no referral since 2025-08-23"
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: already the next day
    assert referral.missing(anchor, D, kiritimati) == "no referral since 2025-08-24"
    assert shifted.start(anchor, D) == dt.datetime(2025, 8, 23, 12, tzinfo=dt.UTC)
    assert lc.policies.from_anchor().start(anchor, D) is None
    assert (
        lc.fulfilled_by("check_in", since=lc.policies.from_anchor(days=-1)).since.describe(field, D)
        == "since 2026-02-18"
    )
    with pytest.raises(lc.InvalidValueError):
        lc.policies.from_due(days=1.5)  # type: ignore[arg-type]


# -- policies and combinators ------------------------------------------------------------------


def test_policy_verdicts_cover_every_status():
    """Not applicable, upcoming, due, fulfilled, expired: each with a reason and facts."""
    welcome = lc.policy(
        "welcome",
        priority=4,
        anchor=lc.first("purchase"),
        offset=lc.days(7),
        fulfilled_by=lc.fulfilled_by("onboarding", since=lc.policies.from_anchor(inclusive=True)),
        expires=lc.days(30),
    )
    p = touch("p", D - dt.timedelta(days=7), "purchase")
    assert one(welcome).status is lc.Status.NOT_APPLICABLE
    assert one(welcome, p, as_of=D - dt.timedelta(days=1)).status is lc.Status.UPCOMING
    due = one(welcome, p)
    assert due.status is lc.Status.DUE
    assert (
        due.reason
        == "first purchase on 2026-02-22 (p), no onboarding since; due 7 days after the purchase, on 2026-03-01"
    )
    assert due.facts["due"] == D
    assert due.overdue_days(D + dt.timedelta(days=3)) == 3
    done = one(welcome, p, touch("o", D, "onboarding"))
    assert (done.status, done.facts["fulfilled_by"]) == (lc.Status.FULFILLED, "o")
    late = one(welcome, p, as_of=D + dt.timedelta(days=31))
    assert late.status is lc.Status.EXPIRED
    assert late.reason.endswith("expired after 2026-03-31")
    gated = lc.policy(
        "gated", priority=1, anchor=lc.first("purchase"), when=lc.policies.segment("vip")
    )
    assert one(gated, p).reason == "first purchase on 2026-02-22 (p): not segment is vip"
    assert (
        lc.Verdict(
            policy="x", priority=1, status=lc.Status.NOT_APPLICABLE, due=None, reason="r"
        ).overdue_days(D)
        == 0
    )


def test_policy_arguments_are_checked():
    """A policy needs a usable name and a whole-number priority."""
    with pytest.raises(lc.InvalidValueError, match="name"):
        lc.policy("", priority=1, anchor=lc.policies.customer_since())
    with pytest.raises(lc.InvalidValueError, match="priority"):
        lc.policy("x", priority="high", anchor=lc.policies.customer_since())  # type: ignore[arg-type]


def test_restrict_turns_verdicts_off_where_the_condition_fails():
    """A restricted policy (or set) is not applicable outside its stage or segment."""
    reconnect = lc.policy("reconnect", priority=7, anchor=lc.last(), offset=lc.days(60))
    tp = touch("t", D - dt.timedelta(days=60), "inquiry")
    enterprise = lc.restrict(reconnect, lc.policies.segment("enterprise"))
    (inside,) = enterprise.verdicts(
        customer(attributes={"segment": "enterprise"}), lc.Timeline([tp]), D
    )
    (outside,) = enterprise.verdicts(customer(), lc.Timeline([tp]), D)
    assert inside.status is lc.Status.DUE
    assert outside.status is lc.Status.NOT_APPLICABLE
    assert outside.reason.startswith("not segment is enterprise (would be: ")
    (none,) = enterprise.verdicts(customer(), lc.Timeline(), D)
    assert none.reason == "no last touchpoint"
    with pytest.raises(lc.InvalidValueError, match="is not a policy"):
        lc.restrict("reconnect", lc.policies.segment("x"))  # type: ignore[arg-type]


def test_policy_sets_flatten_and_check_their_members():
    """Sets of sets flatten; lists are accepted; non-policies are refused by name."""
    pack = lc.starter_pack()
    extra = lc.policy("extra", priority=10, anchor=lc.policies.customer_since())
    combined = lc.policy_set(pack, [extra])
    assert len(combined) == 10
    assert list(combined)[-1] is extra
    with pytest.raises(lc.InvalidValueError, match="'nope': is not a policy"):
        lc.policy_set(pack, "nope")  # type: ignore[arg-type]
    with pytest.raises(lc.InvalidValueError, match="is not a policy"):
        lc.policy_set(42)  # type: ignore[arg-type]


@given(
    lct.books(max_customers=3, max_touchpoints=12),
    lct.local_dates(),
    st.randoms(use_true_random=False),
)
def test_the_order_of_policies_does_not_change_the_agenda(book: lc.Book, as_of: dt.date, rnd):
    """Combining policies is order-independent: the agenda sorts by its own rules."""
    members = list(lc.starter_pack())
    rnd.shuffle(members)
    assert lc.Engine(members).agenda(book, as_of) == lc.Engine(lc.starter_pack()).agenda(
        book, as_of
    )


def test_recurrence_estimates_that_overshoot_are_corrected():
    """A month or year not yet complete on the date does not count as an occurrence."""
    assert lc.every(months=1).latest(dt.date(2024, 1, 31), dt.date(2024, 2, 15)) is None
    assert lc.every(years=1).latest(dt.date(2024, 6, 15), dt.date(2025, 6, 10)) is None
    assert lc.every(years=1).latest(dt.date(2024, 6, 15), dt.date(2026, 6, 10)) == (
        1,
        dt.date(2025, 6, 15),
    )


def test_mixed_step_recurrences_step_back_to_the_right_occurrence():
    """Months plus days per step: the month-count estimate overshoots and is corrected."""
    recurrence = lc.every(months=1, days=20)
    base = dt.date(2026, 1, 1)
    # Occurrences: Feb 21 (k=1), Apr 10 (k=2: two months and 40 days), May 31 (k=3) ...
    assert recurrence.latest(base, dt.date(2026, 4, 9)) == (1, dt.date(2026, 2, 21))
    # k = 7 is Aug 1 + 140 days = Dec 19.
    assert recurrence.latest(base, dt.date(2026, 12, 31)) == (7, dt.date(2026, 12, 19))


# -- bounds and equality (issues 23 and 24) ---------------------------------------------------


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: lc.days(36_526), "days=36526: is too long: at most 36,525 days (100 years)"),
        (lambda: lc.days(-(10**5000)), "days='a number of about 5001 digits': is too long"),
        (lambda: lc.policies.weeks(5_218), "weeks=5218: is too long: at most 5,217 weeks"),
        (lambda: lc.policies.months(-1_201), "months=-1201: is too long: at most 1,200 months"),
        (lambda: lc.policies.years(101), "years=101: is too long: at most 100 years either way"),
        (lambda: lc.policies.Offset(years=100, days=1), "together span at most 100 years"),
        (lambda: lc.every(years=101), "years=101: is too long"),
        (lambda: lc.every(days=-1), "days=-1: must be a whole number, at least 0"),
        (lambda: lc.policies.Recurrence(step=lc.policies.Offset()), "must be a positive step"),
        (lambda: lc.policies.Recurrence(step=lc.days(1), rule=rrule(MONTHLY)), "not both"),
        (lambda: lc.policies.from_due(days=40_000), "days=40000: is too long"),
        (lambda: lc.policies.from_anchor(days=1.5), "days=1.5: must be a whole number"),
        (lambda: lc.policies.tagged("vip", within_days=-1), "within_days=-1: must be at least 0"),
        (lambda: lc.policies.tagged("vip", within_days=36_526), "within_days=36526: is too long"),
        (lambda: lc.every(rule=rrulestr("FREQ=DAILY;INTERVAL=0")), "INTERVAL=0 must be from 1"),
        (lambda: lc.every(rule=rrule(WEEKLY, interval=5_218)), "INTERVAL=5218 must be from 1"),
        (lambda: lc.every(rule=rrule(HOURLY)), "FREQ=HOURLY is below a day"),
        (lambda: lc.every(rule=rrule(DAILY, byminute=5)), "BYMINUTE is not supported"),
        (lambda: lc.every(rule=rrule(YEARLY, byeaster=1)), "BYEASTER is not supported"),
        (lambda: lc.every(rule=rruleset()), "is a rule set"),
        (lambda: lc.every(rule="FREQ=DAILY"), "must be a dateutil rrule"),  # type: ignore[arg-type]
        (lambda: lc.every(rule=rrule(DAILY, bymonth=4, bymonthday=31)), "matches no date"),
        (
            lambda: lc.every(rule=rrule(YEARLY, bymonth=12, byweekday=MO(+9))),
            "cannot be worked out",
        ),
        (lambda: lc.every(rule=rrule(YEARLY, byweekday=MO(+60))), "BYDAY=+60MO is out of range"),
    ],
)
def test_python_building_blocks_refuse_what_files_refuse(make: object, problem: str):
    """The same bounds hold for the Python API, as an InvalidValueError when built."""
    with pytest.raises(lc.InvalidValueError) as info:
        make()  # type: ignore[operator]
    assert problem in str(info.value)


def test_a_rule_with_both_count_and_until_is_refused():
    """RFC 5545 allows one of COUNT and UNTIL; dateutil warns on both, and would on each use."""
    with pytest.warns(DeprecationWarning, match="count.*until"):
        both = rrule(YEARLY, count=2, until=dt.datetime.combine(D, dt.time()))
    with pytest.raises(lc.InvalidValueError, match="give COUNT or UNTIL, not both"):
        lc.every(rule=both)


def test_a_rule_that_rarely_matches_is_bounded_by_the_horizon():
    """Yearly on 29 February from a 29 February anchor, 100 years apart: the next is 400 years on.

    Found through 2399 at most (nothing after the horizon is looked for), and
    quickly: the evaluation stops at the horizon instead of running to 9999.
    """
    rare = lc.every(rule=rrule(YEARLY, interval=100))
    base = dt.date(2000, 2, 29)
    assert rare.first(base) is None
    assert rare.latest(base, dt.date(2199, 12, 31)) is None
    assert rare.first(dt.date(2500, 1, 1)) is None  # past the horizon: nothing
    yearly = lc.every(
        rule=rrule(
            YEARLY,
            bymonth=3,
            bymonthday=1,
            until=dt.datetime.combine(dt.date(2030, 1, 1), dt.time()),
        )
    )
    assert yearly.latest(dt.date(2025, 6, 1), dt.date(2199, 1, 1)) == (4, dt.date(2029, 3, 1))
    assert yearly.following(dt.date(2025, 6, 1), (4, dt.date(2029, 3, 1))) is None
    assert lc.every(rule=rrule(YEARLY)).latest(dt.date(2399, 1, 1), dt.date(2401, 1, 1)) is None


def test_a_rule_with_an_offset_counts_the_latest_occurrence_due():
    """An rrule's occurrence counts once its due date (offset applied) has come."""
    monthly = lc.every(rule=rrule(MONTHLY, bymonthday=1))
    base = dt.date(2026, 1, 15)
    assert monthly.latest_due(base, dt.date(2026, 4, 5), lc.days(7)) == (2, dt.date(2026, 3, 1))
    assert monthly.latest_due(base, dt.date(2026, 4, 8), lc.days(7)) == (3, dt.date(2026, 4, 1))
    assert monthly.latest_due(base, dt.date(2026, 2, 5), lc.days(7)) is None


def test_recurrences_with_equal_rules_are_equal_and_different_rules_differ():
    """Rules compare by their RRULE text (their start is the anchor's, so it does not count)."""
    a = lc.every(
        rule=rrulestr("FREQ=MONTHLY;BYMONTHDAY=1", dtstart=dt.datetime.combine(D, dt.time()))
    )
    b = lc.every(rule=rrule(MONTHLY, bymonthday=1))
    c = lc.every(rule=rrule(MONTHLY, bymonthday=2))
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert a != lc.every(months=1)
    assert lc.every(months=1) == lc.every(months=1) != lc.every(months=2)
    assert hash(lc.every(months=1)) == hash(lc.every(months=1))
    made = lc.policy("p", priority=1, anchor=lc.policies.customer_since(), recurs=a)
    assert made == lc.policy("p", priority=1, anchor=lc.policies.customer_since(), recurs=b)
    assert made != lc.policy("p", priority=1, anchor=lc.policies.customer_since(), recurs=c)


@pytest.mark.parametrize(
    "kinds", [("renewal", "cancellation"), ("cancellation", "renewal")], ids=["r-c", "c-r"]
)
def test_of_several_kinds_the_earliest_touchpoint_closes_the_action(kinds: tuple[str, str]):
    """A renewal and a cancellation both fulfil: the earlier one is named, whichever kind is first.

    Its id is in the verdict's facts and its kind and date in the reason.
    """
    renewal = lc.policy(
        "renewal",
        priority=3,
        anchor=lc.policies.contract_end(),
        offset=lc.days(-60),
        fulfilled_by=lc.fulfilled_by(*kinds, since=lc.policies.from_anchor_date(days=-365)),
    )
    end = dt.date(2026, 6, 30)
    for first, second in (("cancellation", "renewal"), ("renewal", "cancellation")):
        early = touch("t-early", dt.date(2026, 2, 1), first)
        late = touch("t-late", dt.date(2026, 2, 20), second)
        verdict = one(renewal, late, early, contract_end=end)
        assert verdict.status is lc.Status.FULFILLED
        assert verdict.facts["fulfilled_by"] == "t-early"
        assert f"fulfilled by {first} on 2026-02-01 (t-early)" in verdict.reason


RULES = [
    rrule(DAILY, interval=3),
    rrule(WEEKLY, byweekday=MO),
    rrule(MONTHLY, bymonthday=31),
    rrule(MONTHLY, bymonthday=-1, count=5),
    rrule(YEARLY, bymonth=2, bymonthday=29),
]


@given(
    st.sampled_from(RULES),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    st.lists(st.integers(0, 3_000), min_size=1, max_size=6),
)
def test_a_rule_asked_again_gives_what_a_fresh_walk_gives(
    rule: rrule, base: dt.date, spans: list[int]
):
    """The dates a recurrence keeps between questions change no answer, in any order asked."""
    recurrence = lc.every(rule=rule)
    for span in spans:
        day = base + dt.timedelta(days=span)
        start, stop = (dt.datetime.combine(d, dt.time()) for d in (base, day))
        # Far enough past *day* for the next date of any rule here (29 February: 8 years).
        walk = rule.replace(dtstart=start).between(start, stop + dt.timedelta(days=3_000))
        walked = [d.date() for d in walk]
        seen = [d for d in walked if d <= day]
        assert recurrence.latest(base, day) == ((len(seen), seen[-1]) if seen else None)
        after = [d for d in walked if d > day]
        assert recurrence.following(base, (len(seen), day) if seen else None) == (
            (after[0] if after else None) if seen else (walked[0] if walked else None)
        )


# -- reasons say why a policy applies -------------------------------------------------


def test_a_reason_names_the_condition_that_made_the_policy_apply() -> None:
    nudge = lc.policy(
        "nudge",
        priority=3,
        anchor=lc.first("purchase"),
        offset=lc.days(30),
        when=~lc.policies.exists(lc.first("purchase", after=lc.first("purchase"))),
    )
    bought = touch("p-1", D - dt.timedelta(days=31), "purchase")
    due = one(nudge, bought)
    assert due.status is lc.Status.DUE
    assert due.reason == (
        "first purchase on 2026-01-29 (p-1), not there is a first purchase after the first "
        "purchase; due 30 days after the purchase, on 2026-02-28"
    )
    again = touch("p-2", D - dt.timedelta(days=2), "purchase")
    # The negated condition fails: its reason says what holds, never "not not".
    assert one(nudge, bought, again).reason == (
        "first purchase on 2026-01-29 (p-1): there is a first purchase after the first purchase"
    )
    plain = lc.policy(
        "p",
        priority=1,
        anchor=lc.first("purchase"),
        offset=lc.days(1),
        when=lc.policies.segment("smb"),
    )
    assert one(plain, bought).reason == "first purchase on 2026-01-29 (p-1): not segment is smb"


def test_an_anchor_after_another_says_so_unless_named() -> None:
    assert lc.last("nps", after=lc.last("complaint")).description == "nps after the complaint"
    named = lc.first("complaint", after=lc.last("resolution"), name="unresolved complaint")
    assert named.description == "unresolved complaint"


def test_conditions_made_alike_are_equal_values() -> None:
    """Built twice from the same arguments, a condition (and so a policy) is the same value."""
    make = [
        lambda: lc.policies.score(at_most=6),
        lambda: lc.policies.exists(lc.first("purchase")),
        lambda: lc.policies.segment("smb", "mid"),
        lambda: lc.policies.attribute("plan"),
        lambda: lc.policies.in_stage("active"),
        lambda: lc.policies.tagged("vip", within_days=30, kind="nps"),
        lambda: lc.policies.health_is("at_risk"),
        lambda: lc.policies.p_alive(below=0.3),
        lambda: lc.policies.purchase_gap(over=1.5, at_least_days=14),
        lambda: lc.policies.spend(at_least="100", currency="EUR"),
        lambda: lc.policies.churned(lc.churn_after_inactivity(days=30)),
    ]
    for build in make:
        assert build() == build()
        assert hash(build()) == hash(build())
    assert lc.policies.score(at_most=6) != lc.policies.score(at_most=5)
    assert lc.policies.tagged("vip", within_days=30) != lc.policies.tagged("vip", within_days=31)
    # A condition of your own is the same only with the same functions.
    gold = lc.policies.condition(lambda c: True, "gold")
    assert gold == gold
    assert gold != lc.policies.condition(lambda c: True, "gold")


def test_a_pack_loaded_from_its_file_equals_the_python_pack() -> None:
    assert lc.starter_pack() == lc.starter_pack()
    assert lc.load_policies(lc.starter_pack_path()) == lc.starter_pack()
    assert lc.load_policies(lc.retail_pack_path()) == lc.retail_pack()
