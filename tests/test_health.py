"""The health score: measures, weights, bands, the breakdown, and health as a condition."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import health

AS_OF = dt.date(2026, 6, 30)


def tp(id: str, day: dt.date, kind: str, direction: str = "inbound", score: int | None = None):
    return lc.Touchpoint(
        id=id,
        customer_id="c",
        at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        channel="phone",
        kind=kind,
        direction=direction,
        score=score,
    )


ADA = lc.Customer(
    id="c", name="Ada", since=dt.date(2025, 1, 1), contract_end=AS_OF + dt.timedelta(days=105)
)
TIMELINE = lc.Timeline(
    [
        tp("t1", dt.date(2026, 3, 1), "complaint"),
        tp("t2", dt.date(2026, 3, 2), "resolution", "outbound"),
        tp("t3", dt.date(2026, 4, 1), "complaint"),
        tp("t4", dt.date(2026, 4, 10), "nps", score=6),
        tp("t5", AS_OF - dt.timedelta(days=75), "check_in", "outbound"),
    ]
)


def test_each_measure_by_hand():
    """Recency 75 days (0.5), NPS 6 (0.6), one open complaint (0.5), 105 days left (0.5)."""
    assert health.recency()(ADA, TIMELINE, AS_OF) == pytest.approx(0.5)
    assert health.last_nps()(ADA, TIMELINE, AS_OF) == pytest.approx(0.6)
    assert health.unresolved_complaints()(ADA, TIMELINE, AS_OF) == pytest.approx(0.5)
    assert health.contract_runway()(ADA, TIMELINE, AS_OF) == pytest.approx(0.5)
    # 2 of the 5 touchpoints in 180 days were ours: 0.4 of a 0.5 target.
    assert health.stewardship()(ADA, TIMELINE, AS_OF) == pytest.approx(0.8)


def test_the_default_score_and_its_breakdown():
    """Weights 3, 2, 2, 1, 1; the parts add up to the score; the band follows it."""
    found = lc.DEFAULT_HEALTH.score(ADA, TIMELINE, AS_OF)
    expected = 100 * (3 * 0.5 + 2 * 0.6 + 2 * 0.5 + 1 * 0.5 + 1 * 0.8) / 9
    assert found.score == pytest.approx(expected)
    assert sum(p.points for p in found.parts) == pytest.approx(expected)
    assert found.band == "watch"
    assert [p.name for p in found.parts] == [
        "recency",
        "last_nps",
        "unresolved_complaints",
        "contract_runway",
        "stewardship",
    ]
    assert found.reason.startswith(f"health {expected:.0f} (watch): recency 0.50 x 3")


def test_missing_data_is_left_out_but_silence_counts_as_zero():
    """A new customer with no touchpoints: recency, NPS and runway are left out, ours is 0."""
    new = lc.Customer(id="n", name="New", since=AS_OF)
    found = lc.DEFAULT_HEALTH.score(new, lc.Timeline(), AS_OF)
    # No complaints (1 x 2) and no stewardship yet (0 x 1).
    assert found.score == pytest.approx(100 * 2 / 3)
    assert found.band == "watch"
    assert "no data for recency, last_nps, contract_runway" in found.reason
    assert "stewardship 0.00 x 1" in found.reason
    nothing = lc.HealthModel({health.last_nps(): 1}).score(new, lc.Timeline(), AS_OF)
    assert (nothing.score, nothing.band) == (None, "unknown")
    assert nothing.reason == "health no data (unknown); no data for last_nps"


def test_stewardship_after_long_silence_is_zero_not_left_out():
    """Past 180 silent days the stewardship part counts 0: the score falls, never rises."""
    before = lc.DEFAULT_HEALTH.score(ADA, TIMELINE, AS_OF)
    # t5 (the last, ours) was 75 days before AS_OF: 106 days later it leaves the window.
    later = AS_OF + dt.timedelta(days=106)
    after = lc.DEFAULT_HEALTH.score(ADA, TIMELINE, later)
    part = {p.name: p for p in after.parts}["stewardship"]
    assert (part.value, part.points) == (0.0, 0.0)
    assert after.score is not None and before.score is not None
    assert after.score < before.score


def test_stewardship_falls_as_our_touchpoints_leave_the_window():
    """Ours counted against the 180 days up to the last touchpoint: an old inbound drop-out
    does not raise the share."""
    days = [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 3, 1)]
    timeline = lc.Timeline(
        [tp("a", days[0], "complaint"), tp("b", days[1], "complaint"),
         tp("c", days[2], "check_in", "outbound")]
    )  # fmt: skip
    measure = health.stewardship()
    # On 2026-03-01: 1 of 3 ours (0.33 of 0.5). On 2026-07-01 the two inbound left the
    # last 180 days, but the share is still 1 of 3, and 0 once ours has left too.
    assert measure(ADA, timeline, days[2]) == pytest.approx(2 / 3)
    assert measure(ADA, timeline, dt.date(2026, 7, 1)) == pytest.approx(2 / 3)
    assert measure(ADA, timeline, dt.date(2026, 8, 28)) == pytest.approx(2 / 3)
    assert measure(ADA, timeline, dt.date(2026, 8, 29)) == 0.0


@given(
    customer=lct.customers(),
    data=st.data(),
    first=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
    more=st.integers(0, 800),
)
def test_more_silence_never_raises_the_score(customer, data, first, more):
    """With no new touchpoint, a later date never gives a higher score (or a better band)."""
    touchpoints = data.draw(
        st.lists(
            lct.touchpoints(
                customer_id=customer.id,
                min_date=dt.date(2024, 6, 1),
                max_date=dt.date(2027, 12, 31),
            ),
            max_size=8,
            unique_by=lambda t: t.id,
        )
    )
    timeline = lc.Timeline(touchpoints, timezone=customer.timezone).until(first)
    later = first + dt.timedelta(days=more)
    now, then = (lc.DEFAULT_HEALTH.score(customer, timeline, d) for d in (first, later))
    if now.score is None:
        assert then.score is None
    else:
        assert then.score is not None
        assert then.score <= now.score
        bands = lc.DEFAULT_HEALTH.band_names
        assert bands.index(then.band) >= bands.index(now.band)


def test_custom_measures_and_bands():
    """A plain function is a measure; bands are named and ordered by their lowest score."""
    enterprise = health.measure(
        "enterprise", lambda c, t, d: 1.0 if c.attributes.get("segment") == "enterprise" else 0.0
    )
    model = lc.HealthModel([(enterprise, 1)], bands=[(0, "red"), (50, "green")])
    assert model.band_names == ("green", "red")
    big = lc.Customer(id="b", name="B", since=AS_OF, attributes={"segment": "enterprise"})
    assert model.score(big, lc.Timeline(), AS_OF).band == "green"
    assert model.score(ADA, TIMELINE, AS_OF).band == "red"
    broken = health.measure("broken", lambda c, t, d: 2.0)
    with pytest.raises(lc.InvalidValueError, match="must be from 0 to 1"):
        lc.HealthModel({broken: 1}).score(ADA, TIMELINE, AS_OF)


@pytest.mark.parametrize(
    ("measures", "bands", "problem"),
    [
        ({}, [(0, "x")], "at least one measure"),
        ({health.recency(): 0}, [(0, "x")], "must be above 0"),
        ([(health.recency(), 1), (health.recency(), 2)], [(0, "x")], "share this name"),
        ({health.recency(): 1}, [(10, "x")], "must start at 0"),
        ([("recency", 1)], [(0, "x")], "is not a measure"),
    ],
)
def test_bad_models_are_refused(measures: object, bands: object, problem: str):
    """Each malformed model is an InvalidValueError saying what is wrong."""
    with pytest.raises(lc.InvalidValueError, match=problem):
        lc.HealthModel(measures, bands=bands)  # type: ignore[arg-type]


def test_measures_need_a_span():
    """Bounds that leave no room between worst and best are refused, naming the argument."""
    with pytest.raises(lc.InvalidValueError, match="bad_days=30: must be more than good_days"):
        health.recency(good_days=30, bad_days=30)
    with pytest.raises(lc.InvalidValueError, match="good_days"):
        health.contract_runway(good_days=10, bad_days=30)
    with pytest.raises(lc.InvalidValueError, match="worst"):
        health.unresolved_complaints(worst=0)
    with pytest.raises(lc.InvalidValueError, match="target"):
        health.stewardship(target=0)


def test_health_as_a_policy_condition():
    """ "Reach out to every customer whose health fell to at risk" is one policy."""
    rescue = lc.policy(
        "health_rescue",
        priority=2,
        anchor=lc.last(),
        when=lc.policies.health_is("at_risk", "watch"),
        fulfilled_by=lc.fulfilled_by(direction="outbound"),
    )
    book = lc.sample_book()
    scores = lc.health_scores(book, lc.SAMPLE_AS_OF)
    agenda = lc.Engine([rescue], cap=None, skip_churned=False).agenda(book, lc.SAMPLE_AS_OF)
    assert agenda.actions
    assert all(scores[a.customer_id].band in {"at_risk", "watch"} for a in agenda.actions)
    with pytest.raises(lc.InvalidValueError, match="is not a band"):
        lc.policies.health_is("grumpy")
    with pytest.raises(lc.InvalidValueError, match="at least one band"):
        lc.policies.health_is()


@given(
    lct.books(max_customers=3, max_touchpoints=15, situations=True), lct.local_dates(), st.data()
)
def test_health_properties(book: lc.Book, as_of: dt.date, data: st.DataObject):
    """Score 0-100 (or no data), parts add up, bands follow thresholds, the future is ignored."""
    for customer, timeline in book.items():
        found = lc.DEFAULT_HEALTH.score(customer, timeline, as_of)
        if found.score is None:
            assert found.band == "unknown"
            continue
        assert 0 <= found.score <= 100
        assert sum(p.points for p in found.parts) == pytest.approx(found.score)
        low = {name: bound for bound, name in lc.DEFAULT_HEALTH.bands}[found.band]
        assert found.score >= low
        later = timeline.since(as_of + dt.timedelta(days=1))
        assert lc.DEFAULT_HEALTH.score(customer, timeline.until(as_of), as_of) == found or later
