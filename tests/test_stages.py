"""Lifecycle stages: the state machine, rules, derived histories and anomalies."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

LC = lc.DEFAULT_LIFECYCLE
SINCE = dt.date(2025, 1, 1)
ADA = lc.Customer(id="c-1", name="Ada", since=SINCE)


def on(days: int) -> dt.date:
    return SINCE + dt.timedelta(days=days)


def tp(n: int, days: int, kind: str, score: int | None = None) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=f"t{n:02d}",
        customer_id="c-1",
        at=dt.datetime.combine(on(days), dt.time(12), tzinfo=dt.UTC),
        kind=kind,
        channel="phone",
        direction="inbound",
        score=score,
    )


def history(
    *touchpoints: lc.Touchpoint, as_of: dt.date, customer: lc.Customer = ADA
) -> lc.stages.StageHistory:
    return LC.history(customer, lc.Timeline(touchpoints), as_of=as_of)


def path(h: lc.stages.StageHistory) -> list[str]:
    return [h.initial] + [t.to_stage for t in h.transitions]


def test_default_lifecycle_has_the_seven_stages():
    """prospect, onboarding, active, at_risk, renewal, advocate, churned."""
    assert LC.stages == (
        "prospect",
        "onboarding",
        "active",
        "at_risk",
        "renewal",
        "advocate",
        "churned",
    )
    assert LC.initial == "prospect"
    assert LC.next_stages("churned") == ("active",)


def test_a_customer_with_no_touchpoints_is_a_prospect():
    """The initial stage, no transitions."""
    h = history(as_of=on(10))
    assert h.stage == "prospect" and h.transitions == () and h.anomalies == ()
    assert LC.stage_of(ADA, lc.Timeline(), as_of=on(10)) == "prospect"


def test_a_typical_relationship():
    """purchase -> onboarding -> active -> at_risk -> active -> advocate -> churned -> won back."""
    h = history(
        tp(1, 0, "purchase"),
        tp(2, 20, "health_check"),
        tp(3, 40, "complaint"),
        tp(4, 42, "resolution"),
        tp(5, 60, "referral"),
        tp(6, 80, "cancellation"),
        tp(7, 100, "purchase"),
        as_of=on(110),
    )
    assert path(h) == [
        "prospect", "onboarding", "active", "at_risk", "active", "advocate", "churned", "active",
    ]  # fmt: skip
    last = h.transitions[-1]
    assert (last.on, last.from_stage, last.to_stage, last.touchpoint.id) == (  # type: ignore[union-attr]
        on(100), "churned", "active", "t07",
    )  # fmt: skip
    assert last.reason == (
        f"purchase t07 on {on(100)}: churned -> active (rule: purchase after churn -> active)"
    )


def test_low_nps_scores_put_a_customer_at_risk_and_high_ones_do_not():
    """An NPS answer of 0-6 is a detractor: at risk. 7 is not."""
    assert history(tp(1, 0, "purchase"), tp(2, 5, "nps", 6), as_of=on(10)).stage == "at_risk"
    assert history(tp(1, 0, "purchase"), tp(2, 5, "nps", 7), as_of=on(10)).stage == "onboarding"
    assert history(tp(1, 0, "purchase"), tp(2, 5, "nps"), as_of=on(10)).stage == "onboarding"


def test_renewal_brings_a_churned_customer_back():
    """A renewal after a cancellation is a win-back."""
    h = history(tp(1, 0, "purchase"), tp(2, 10, "cancellation"), tp(3, 20, "renewal"), as_of=on(30))
    assert path(h)[-2:] == ["churned", "active"]


def test_silence_puts_a_customer_at_risk_on_the_exact_day():
    """120 days without a touchpoint: at risk on day 120, not before."""
    start = [tp(1, 0, "purchase"), tp(2, 10, "health_check")]
    assert history(*start, as_of=on(129)).stage == "active"
    h = history(*start, as_of=on(130))
    assert h.stage == "at_risk"
    assert h.transitions[-1].on == on(130)
    assert h.transitions[-1].touchpoint is None
    assert "120 days without a touchpoint" in h.transitions[-1].reason


def test_a_clock_rule_due_on_a_touchpoints_day_fires_before_it():
    """Silence reached on the day of a health check: at risk, then active again."""
    h = history(
        tp(1, 0, "purchase"), tp(2, 10, "health_check"), tp(3, 130, "health_check"), as_of=on(140)
    )
    assert path(h) == ["prospect", "onboarding", "active", "at_risk", "active"]


def test_the_renewal_window_opens_90_days_before_contract_end():
    """contract_end - 90 days: renewal; a renewal touchpoint makes the customer active again."""
    customer = attrs.evolve(ADA, contract_end=on(200))
    start = [tp(1, 0, "purchase"), tp(2, 10, "health_check"), tp(3, 100, "check_in")]
    assert history(*start, as_of=on(109), customer=customer).stage == "active"
    h = history(*start, as_of=on(110), customer=customer)
    assert h.stage == "renewal" and h.transitions[-1].on == on(110)
    renewed = history(*start, tp(4, 150, "renewal"), as_of=on(160), customer=customer)
    assert path(renewed)[-2:] == ["renewal", "active"]


def test_impossible_transitions_in_a_timeline_are_anomalies():
    """A renewal by a prospect is recorded, not applied, and nothing crashes."""
    h = history(tp(1, 0, "renewal"), tp(2, 5, "referral"), as_of=on(10))
    assert h.stage == "prospect"
    assert [(a.stage, a.wanted, a.touchpoint.id) for a in h.anomalies] == [
        ("prospect", "active", "t01"),
        ("prospect", "advocate", "t02"),
    ]
    assert "does not allow" in h.anomalies[0].reason


def test_touchpoints_after_as_of_are_invisible():
    """Evaluating as of a past date shows the stage then."""
    h = history(tp(1, 0, "purchase"), tp(2, 30, "cancellation"), as_of=on(29))
    assert h.stage == "onboarding"


def test_touchpoints_before_since_still_count():
    """Messy data: a purchase recorded before `since` still moves the customer."""
    h = history(tp(1, -5, "purchase"), as_of=on(3))
    assert h.stage == "onboarding"


def test_stage_on_a_past_day():
    """stage_on replays the transitions up to a day, and refuses days after as_of."""
    h = history(tp(1, 0, "purchase"), tp(2, 20, "health_check"), as_of=on(30))
    assert h.stage_on(on(-1)) == "prospect"
    assert h.stage_on(on(19)) == "onboarding"
    assert h.stage_on(on(20)) == "active"
    with pytest.raises(lc.InvalidValueError, match="after this history's as_of"):
        h.stage_on(on(31))


def test_recorded_stage_is_kept_beside_the_derived_one():
    """agrees is None without a recorded stage, else whether the two match."""
    assert history(as_of=on(1)).agrees is None
    stale = attrs.evolve(ADA, recorded_stage="active")
    h = history(as_of=on(1), customer=stale)
    assert (h.recorded, h.stage, h.agrees) == ("active", "prospect", False)
    assert history(as_of=on(1), customer=attrs.evolve(ADA, recorded_stage="prospect")).agrees


def test_asking_for_an_impossible_transition_names_both_stages():
    """check_transition raises TransitionError listing what is allowed instead."""
    with pytest.raises(lc.TransitionError) as info:
        LC.check_transition("prospect", "advocate")
    assert str(info.value) == (
        "cannot move from stage 'prospect' to stage 'advocate'; "
        "allowed from 'prospect': onboarding, churned"
    )
    assert (info.value.from_stage, info.value.to_stage) == ("prospect", "advocate")
    assert LC.check_transition("churned", "active") == "active"
    with pytest.raises(lc.UnknownStageError, match="'limbo'"):
        LC.check_transition("limbo", "active")
    with pytest.raises(lc.UnknownStageError, match="'limbo'"):
        LC.allows("active", "limbo")


def base(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "stages": ["a", "b"],
        "transitions": {"a": ["b"]},
        "initial": "a",
        "rules": [lc.stages.on_touchpoint("purchase", to="b")],
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"initial": "z"}, lc.UnknownStageError, "initial='z'"),
        ({"transitions": {"a": ["z"]}}, lc.UnknownStageError, "'z'"),
        ({"transitions": {"z": ["a"]}}, lc.UnknownStageError, "'z'"),
        ({"transitions": ["a"]}, lc.InvalidValueError, "must map"),
        ({"stages": ["a", "a"]}, lc.InvalidValueError, "listed twice"),
        ({"stages": ["a", ""]}, lc.InvalidValueError, "non-empty"),
        ({"rules": [lc.stages.on_touchpoint("purchase", to="z")]}, lc.UnknownStageError, "'z'"),
        (
            {"rules": [lc.stages.on_touchpoint("purchase", to="b", from_="z")]},
            lc.UnknownStageError,
            "'z'",
        ),
        ({"rules": ["purchase -> b"]}, lc.InvalidValueError, "stage rules"),
    ],
)
def test_bad_lifecycles_are_rejected(
    changes: dict[str, object], error: type[Exception], message: str
):
    """Every stage a lifecycle names must be one of its stages."""
    with pytest.raises(error, match=message):
        lc.Lifecycle(**base(**changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: lc.stages.after_silence(0, to="b", from_=["a"]),
        lambda: lc.stages.after_silence(True, to="b", from_=["a"]),
        lambda: lc.stages.before_contract_end(-1, to="b", from_=["a"]),
        lambda: lc.stages.after_silence(10, to="b", from_=[]),
    ],
)
def test_bad_clock_rules_are_rejected(make):
    """Clock rules need a sensible number of days and the stages they apply in."""
    with pytest.raises(lc.InvalidValueError):
        make()


def test_a_custom_lifecycle_and_custom_clock_rule():
    """Users define their own stages and rules, including their own clock rules."""
    trial_end = lc.stages.ClockRule(
        to="lapsed",
        from_stages=frozenset({"trial"}),
        fires_on=lambda customer, last: customer.since + dt.timedelta(days=14),
        description="trial ends after 14 days",
    )
    trial = lc.Lifecycle(
        stages=["trial", "paying", "lapsed"],
        transitions={"trial": ["paying", "lapsed"], "lapsed": ["paying"]},
        initial="trial",
        rules=[lc.stages.on_touchpoint("purchase", to="paying", from_="lapsed"), trial_end],
    )
    h = trial.history(ADA, lc.Timeline([tp(1, 20, "purchase")]), as_of=on(30))
    assert path(h) == ["trial", "lapsed", "paying"]
    assert h.transitions[0].on == on(14)


def test_where_narrows_a_rule():
    """on_touchpoint(where=...) only fires for touchpoints the predicate accepts."""
    rule = lc.stages.on_touchpoint("csat", to="b", where=lambda t: (t.score or 0) <= 2)
    assert rule.matches(tp(1, 0, "csat", 1), "a")
    assert not rule.matches(tp(1, 0, "csat", 5), "a")
    assert not rule.matches(tp(1, 0, "nps", 1), "a")


# -- properties ---------------------------------------------------------------


@given(lct.customers(), st.data(), lct.local_dates())
def test_histories_are_consistent(customer: lc.Customer, data: st.DataObject, as_of: dt.date):
    """On any timeline: no crash, transitions chain, are allowed, dated in order, up to as_of."""
    timeline = data.draw(lct.timelines(customer_id=customer.id))
    timeline = lc.Timeline(timeline, timezone=customer.timezone)
    h = LC.history(customer, timeline, as_of=as_of)
    stage = h.initial
    previous = None
    for transition in h.transitions:
        assert transition.from_stage == stage
        assert LC.allows(transition.from_stage, transition.to_stage)
        assert transition.on <= as_of
        assert previous is None or previous <= transition.on
        previous, stage = transition.on, transition.to_stage
    assert h.stage == stage == h.stage_on(as_of)
    for anomaly in h.anomalies:
        assert not LC.allows(anomaly.stage, anomaly.wanted)


@given(lct.customers(), st.data(), lct.local_dates())
def test_the_future_does_not_change_the_past(
    customer: lc.Customer, data: st.DataObject, as_of: dt.date
):
    """Touchpoints with a local date after as_of change nothing (time travel)."""
    timeline = lc.Timeline(
        data.draw(lct.timelines(customer_id=customer.id)), timezone=customer.timezone
    )
    visible = timeline.until(as_of)
    assert LC.history(customer, timeline, as_of=as_of) == LC.history(customer, visible, as_of=as_of)
