"""Timelines: ordering, ties, local dates and the queries policies ask."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.timeline import _Index

UTC = dt.UTC


def tp(
    id: str, at: dt.datetime, kind: str = "check_in", direction: str = "outbound"
) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=id, customer_id="c-1", at=at, kind=kind, channel="phone", direction=direction
    )


def day(d: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 1, d, hour, tzinfo=UTC)


def test_touchpoints_are_sorted_by_instant_then_id():
    """Order is by instant; at the same instant, by id in code-point order."""
    same = day(5)
    timeline = lc.Timeline([tp("b", same), tp("a", same), tp("C10", same), tp("z", day(1))])
    assert [t.id for t in timeline] == ["z", "C10", "a", "b"]


def test_ties_make_first_the_smallest_and_last_the_largest_id():
    """starter-pack.md: first(k) takes the smallest id, last(k) the largest, at one instant."""
    same = day(5)
    timeline = lc.Timeline([tp("C9", same, "nps"), tp("C10", same, "nps")])
    assert timeline.first("nps").id == "C10"  # type: ignore[union-attr]
    assert timeline.last("nps").id == "C9"  # type: ignore[union-attr]


def test_instants_in_different_offsets_sort_by_instant():
    """10:00+02:00 is before 09:00+00:00."""
    berlin = dt.datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    london = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert [t.id for t in lc.Timeline([tp("x", london), tp("y", berlin)])] == ["y", "x"]


def test_queries_filter_by_kind_direction_and_predicate():
    """first/last/count/select/any combine kind, direction and where."""
    timeline = lc.Timeline(
        [
            tp("1", day(1), "purchase", "inbound"),
            tp("2", day(2), "check_in", "outbound"),
            tp("3", day(3), "complaint", "inbound"),
            tp("4", day(4), "check_in", "inbound"),
        ]
    )
    assert timeline.count() == 4
    assert timeline.count("check_in") == 2
    assert timeline.count(direction="inbound") == 3
    assert timeline.last("check_in", direction="outbound").id == "2"  # type: ignore[union-attr]
    assert timeline.first(where=lambda t: t.id > "2").id == "3"  # type: ignore[union-attr]
    assert [t.id for t in timeline.select(lc.Kind.CHECK_IN)] == ["2", "4"]
    assert timeline.any("complaint")
    assert not timeline.any("referral")
    assert timeline.last("referral") is None
    assert timeline.kinds() == {lc.Kind.PURCHASE, lc.Kind.CHECK_IN, lc.Kind.COMPLAINT}


def test_narrowing_by_instant():
    """after/before are strict unless inclusive; since/until are inclusive."""
    timeline = lc.Timeline([tp(str(d), day(d)) for d in range(1, 6)])
    ids = lambda tl: [t.id for t in tl]  # noqa: E731
    assert ids(timeline.after(day(2))) == ["3", "4", "5"]
    assert ids(timeline.after(day(2), inclusive=True)) == ["2", "3", "4", "5"]
    assert ids(timeline.before(day(2))) == ["1"]
    assert ids(timeline.before(day(2), inclusive=True)) == ["1", "2"]
    assert ids(timeline.since(day(4))) == ["4", "5"]
    assert ids(timeline.until(day(2))) == ["1", "2"]
    assert ids(timeline.between(day(2), day(3))) == ["2", "3"]
    assert ids(timeline.after(day(1)).before(day(5)).after(day(2))) == ["3", "4"]


def test_narrowing_by_local_date_uses_the_timeline_zone():
    """A touchpoint at 19:00 UTC on 1 Jan belongs to 2 Jan in Kiritimati."""
    late = tp("late", dt.datetime(2026, 1, 1, 19, tzinfo=UTC))
    utc = lc.Timeline([late])
    kiritimati = lc.Timeline([late], timezone="Pacific/Kiritimati")
    assert len(utc.until(dt.date(2026, 1, 1))) == 1
    assert len(kiritimati.until(dt.date(2026, 1, 1))) == 0
    assert kiritimati.local_dates() == (dt.date(2026, 1, 2),)
    assert kiritimati.local_date(late) == dt.date(2026, 1, 2)


def test_sequence_protocol():
    """len, bool, indexing, slicing, reversed and equality behave like a tuple."""
    a, b = tp("a", day(1)), tp("b", day(2))
    timeline = lc.Timeline([b, a])
    assert len(timeline) == 2 and timeline
    assert not lc.Timeline()
    assert timeline[0] is a and timeline[-1] is b
    assert timeline[0:1] == (a,)
    assert list(reversed(timeline)) == [b, a]
    assert timeline == lc.Timeline([a, b])
    assert timeline != lc.Timeline([a, b], timezone="Asia/Tokyo")
    assert hash(timeline) == hash(lc.Timeline([a, b]))
    assert timeline.customer_id == "c-1"
    assert lc.Timeline().customer_id is None
    assert "Timeline(" in repr(timeline)
    assert timeline.__eq__(42) is NotImplemented


def test_an_empty_view_has_no_customer_id_like_the_empty_timeline_it_equals():
    """customer_id reads the view's own touchpoints: None before the first, else the owner's."""
    timeline = lc.Timeline([tp("a", day(2)), tp("b", day(5))])
    before = timeline.until(dt.date(2026, 1, 1))
    assert before == lc.Timeline() and before.customer_id is None
    assert timeline.between(dt.date(2026, 1, 3), dt.date(2026, 1, 4)).customer_id is None
    assert timeline.since(dt.date(2026, 1, 3)).customer_id == "c-1"
    assert timeline.until(dt.date(2026, 1, 3)).customer_id == "c-1"


def test_timelines_are_immutable():
    """No attribute can be set or deleted."""
    timeline = lc.Timeline()
    with pytest.raises(AttributeError):
        timeline.timezone = ZoneInfo("UTC")  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del timeline.timezone


def test_bad_timelines_are_rejected():
    """One customer per timeline, unique ids, aware instants in queries."""
    other = lc.Touchpoint(
        id="x", customer_id="c-2", at=day(1), kind="demo", channel="web", direction="inbound"
    )
    with pytest.raises(lc.InvalidValueError, match="several"):
        lc.Timeline([tp("a", day(1)), other])
    with pytest.raises(lc.DuplicateIdError, match="'a'"):
        lc.Timeline([tp("a", day(1)), tp("a", day(2))])
    timeline = lc.Timeline([tp("a", day(1))])
    with pytest.raises(lc.InvalidValueError, match="naive"):
        timeline.after(dt.datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(lc.InvalidValueError, match="datetime.date"):
        timeline.until("2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(lc.UnknownKindError):
        timeline.first("purchse")
    with pytest.raises(lc.InvalidValueError, match="sideways"):
        timeline.first(direction="sideways")


# -- properties: every query equals its naive restatement ----------------------

instants = lct.aware_datetimes()


@given(lct.timelines(), lct.kinds(), lct.directions())
def test_first_last_count_match_a_scan(
    timeline: lc.Timeline, kind: lc.Kind, direction: lc.Direction
):
    """Indexed queries equal a plain scan of the sorted touchpoints."""
    ordered = sorted(timeline, key=lambda t: (t.at, t.id))
    assert list(timeline) == ordered
    matching = [t for t in ordered if t.kind == kind and t.direction == direction]
    assert timeline.first(kind, direction=direction) == (matching[0] if matching else None)
    assert timeline.last(kind, direction=direction) == (matching[-1] if matching else None)
    assert timeline.count(kind) == sum(t.kind == kind for t in ordered)
    assert timeline.count(kind, direction=direction) == len(matching)


@given(lct.timelines(), instants, instants)
def test_views_match_filters_by_instant(timeline: lc.Timeline, a: dt.datetime, b: dt.datetime):
    """after/before/since/until by instant equal filtering by comparison."""
    items = list(timeline)
    assert list(timeline.after(a)) == [t for t in items if t.at > a]
    assert list(timeline.after(a, inclusive=True)) == [t for t in items if t.at >= a]
    assert list(timeline.before(a)) == [t for t in items if t.at < a]
    assert list(timeline.until(a)) == [t for t in items if t.at <= a]
    assert list(timeline.since(a).until(b)) == [t for t in items if a <= t.at <= b]


@given(lct.timelines(), lct.local_dates(), lct.kinds())
def test_views_match_filters_by_local_date(timeline: lc.Timeline, d: dt.date, kind: lc.Kind):
    """until/since by date compare local dates in the timeline's zone."""
    zone = timeline.timezone
    items = list(timeline)
    until = timeline.until(d)
    assert list(until) == [t for t in items if t.at.astimezone(zone).date() <= d]
    assert list(timeline.since(d)) == [t for t in items if t.at.astimezone(zone).date() >= d]
    assert until.last(kind) == next(
        (t for t in reversed(items) if t.kind == kind and t.local_date(zone) <= d), None
    )
    assert until.local_dates() == tuple(t.local_date(zone) for t in until)


@given(st.data())
def test_order_of_input_does_not_matter(data: st.DataObject):
    """A timeline is the same whatever order its touchpoints come in."""
    timeline = data.draw(lct.timelines())
    shuffled = data.draw(st.permutations(list(timeline)))
    assert lc.Timeline(shuffled, timezone=timeline.timezone) == timeline


@given(
    lct.timelines(),
    instants,
    instants,
    st.none() | lct.kinds(),
    st.none() | lct.directions(),
    st.booleans(),
)
def test_queries_on_views_match_a_scan_of_the_view(
    timeline: lc.Timeline,
    a: dt.datetime,
    b: dt.datetime,
    kind: lc.Kind | None,
    direction: lc.Direction | None,
    scored: bool,
):
    """Every query on a narrowed view, with any mix of filters, equals a scan of that view."""
    view = timeline.since(a).until(b)

    def where(t: lc.Touchpoint) -> bool:
        return t.score is not None

    test = where if scored else None
    matching = [
        t
        for t in view
        if (kind is None or t.kind == kind)
        and (direction is None or t.direction == direction)
        and (test is None or test(t))
    ]
    assert view.select(kind, direction=direction, where=test) == tuple(matching)
    assert view.first(kind, direction=direction, where=test) == (matching[0] if matching else None)
    assert view.last(kind, direction=direction, where=test) == (matching[-1] if matching else None)
    assert view.count(kind, direction=direction, where=test) == len(matching)
    assert view.any(kind, direction=direction, where=test) == bool(matching)


@given(lct.timelines(), instants, instants)
def test_indexing_a_view_is_indexing_its_touchpoints(
    timeline: lc.Timeline, a: dt.datetime, b: dt.datetime
):
    """view[i] is view.touchpoints[i] for every i, and out of range is an IndexError."""
    view = timeline.since(a).until(b)
    expected = view.touchpoints
    for i in range(-len(expected), len(expected)):
        assert view[i] is expected[i]
    for i in (len(expected), -len(expected) - 1):
        with pytest.raises(IndexError, match="out of range"):
            view[i]


def test_queries_for_a_kind_no_timeline_holds_find_nothing():
    """A kind never seen anywhere, and a predicate nothing meets, give empty answers."""
    timeline = lc.Timeline(
        [
            lc.Touchpoint(
                id="t",
                customer_id="c",
                kind="purchase",
                channel="web",
                direction="inbound",
                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
        ]
    )
    unseen = lc.Kind("kind_no_timeline_holds")
    assert timeline.first(unseen) is None and timeline.last(unseen) is None
    assert timeline.select(unseen) == () and timeline.count(unseen) == 0
    assert timeline.last("purchase", where=lambda t: False) is None
    assert timeline.last("purchase", where=lambda t: True) == timeline[0]


@given(lct.timelines(), st.data())
def test_extending_a_timeline_leaves_the_one_it_came_from(
    timeline: lc.Timeline, data: st.DataObject
) -> None:
    """New touchpoints go to the end of a shared index: no timeline made before sees them.

    Extending the same timeline twice (the second time it is no longer the
    index's last) gives two timelines apart, each equal to one built whole.
    """
    items, zone = list(timeline), timeline.timezone
    cut = data.draw(st.integers(0, len(items)), label="cut")
    branch = data.draw(st.integers(cut, len(items)), label="branch")
    base = lc.Timeline(items[:cut], timezone=zone)
    whole = base.extended(items[cut:], zone)
    other = base.extended(items[cut:branch], zone)
    longer = whole.extended([], zone)
    assert whole == timeline
    assert base == lc.Timeline(items[:cut], timezone=zone)
    assert other == lc.Timeline(items[:branch], timezone=zone)
    assert longer == timeline
    for kind in {tp.kind for tp in items}:
        assert base.count(kind) == sum(tp.kind == kind for tp in items[:cut])
        assert other.last(kind) == next(
            (tp for tp in reversed(items[:branch]) if tp.kind == kind), None
        )
    assert base.local_dates() == tuple(tp.local_date(zone) for tp in items[:cut])
    assert base.next_date(dt.date.min) == (items[0].local_date(zone) if cut else None)
    # The columns appended (for one touchpoint, or for many) are those of a
    # timeline built whole: local dates, kind codes, direction codes.
    one = base.extended(items[cut : cut + 1], zone)
    for grown, upto in ((whole, len(items)), (other, branch), (one, cut + 1)):
        kept = items[:upto]
        assert grown.local_dates() == tuple(tp.local_date(zone) for tp in kept)
        for kind in {tp.kind for tp in items}:
            assert grown.count(kind) == sum(tp.kind == kind for tp in kept)
        for direction in lc.Direction:
            assert grown.last(direction=direction) == next(
                (tp for tp in reversed(kept) if tp.direction == direction), None
            )


def test_one_touchpoint_appended_is_dated_in_the_customers_zone() -> None:
    """A touchpoint at 02:00 UTC on 1 March is on 28 February in New York."""
    zone = ZoneInfo("America/New_York")
    base = lc.Timeline([tp("t1", day(1))], timezone=zone)
    late = tp("t2", dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC))
    grown = base.extended([late], zone)
    assert grown.local_dates()[-1] == dt.date(2026, 2, 28)
    assert grown.until(dt.date(2026, 2, 28))[-1] == late


def test_threads_extending_one_timeline_each_get_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads extending the same timeline at once: none sees another's touchpoints.

    Growing an index is made slow (it lets the other threads run), so that
    without the lock they would all find it ending where the timeline ends.
    """
    grow = _Index.append

    def slow(index: _Index, later: list[lc.Touchpoint], zone: ZoneInfo) -> None:
        time.sleep(0.01)
        grow(index, later, zone)

    monkeypatch.setattr(_Index, "append", slow)
    first = [tp(f"t{d}", day(d)) for d in range(1, 4)]
    base = lc.Timeline(first)
    made: dict[int, lc.Timeline] = {}
    start = threading.Barrier(4)

    def extend(n: int) -> None:
        start.wait()
        made[n] = base.extended([tp(f"n{n}", day(10 + n))], base.timezone)

    threads = [threading.Thread(target=extend, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: [t.id for t in timeline] for n, timeline in made.items()} == {
        n: ["t1", "t2", "t3", f"n{n}"] for n in range(4)
    }
    assert list(base) == first


def test_a_timeline_refuses_a_touchpoint_as_a_decision_and_the_other_way() -> None:
    call = lc.Touchpoint(
        id="t", customer_id="c", kind="inquiry", channel="phone", direction="inbound",
        at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
    )  # fmt: skip
    done = lc.Decision(
        id="d", customer_id="c", policy="welcome", due=dt.date(2026, 1, 8), outcome="done",
        at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
    )  # fmt: skip
    with pytest.raises(lc.InvalidValueError, match="must be Decision values"):
        lc.Timeline(decisions=[call])  # type: ignore[list-item]
    with pytest.raises(lc.InvalidValueError, match="must be Touchpoint values"):
        lc.Timeline([done])  # type: ignore[list-item]
