"""The incremental agenda: always the engine's agenda for the book as it is now."""

from __future__ import annotations

import datetime as dt
import gc
import pickle
import re
import sys
import threading
import time
import unittest.mock
import weakref
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path

import attrs
import pytest
from dateutil.rrule import MONTHLY, rrule
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle._agenda_order import Ordered, Snapshot, merge
from lifecycle.agenda import agenda_key
from lifecycle.policies import EVERYTHING, Reads, evaluator

AS_OF = dt.date(2026, 11, 2)
ENGINE = lc.Engine(lc.starter_pack())
LOW, HIGH = dt.date(2024, 6, 1), dt.date(2027, 3, 1)
UTC = dt.UTC


def _touch(
    tid: str, cid: str, day: dt.date, kind: str = "check_in", **more: object
) -> lc.Touchpoint:
    at = dt.datetime.combine(day, dt.time(9), tzinfo=UTC)
    fields: dict[str, object] = {"channel": "email", "direction": "inbound", **more}
    return lc.Touchpoint(id=tid, customer_id=cid, kind=kind, at=at, **fields)  # type: ignore[arg-type]


def _customer(cid: str = "c-1", **more: object) -> lc.Customer:
    fields: dict[str, object] = {"name": "Ada", "since": dt.date(2025, 1, 6)}
    fields.update(more)
    return lc.Customer(id=cid, **fields)  # type: ignore[arg-type]


# -- event streams ------------------------------------------------------------


@st.composite
def events(draw: st.DrawFn, book: lc.Book) -> list[tuple[str, object]]:
    """A stream of days passing, new touchpoints and customer changes."""
    ids = list(book.customer_ids) or ["c-new"]
    stream: list[tuple[str, object]] = []
    fresh = 0
    for _ in range(draw(st.integers(1, 6))):
        what = draw(st.sampled_from(["days", "add", "update"]))
        if what == "days":
            stream.append(("days", draw(st.integers(0, 120))))
        elif what == "add" and book.customer_ids:
            new = draw(
                st.lists(
                    lct.touchpoints(customer_id=st.sampled_from(ids), min_date=LOW, max_date=HIGH),
                    max_size=4,
                )
            )
            renamed = []
            for tp in new:
                fresh += 1
                renamed.append(attrs.evolve(tp, id=f"new-{fresh}"))
            stream.append(("add", renamed))
        else:
            changed = draw(
                st.lists(
                    lct.customers(
                        ids=st.sampled_from([*ids, "c-new"]), min_date=LOW, max_date=HIGH
                    ),
                    max_size=2,
                    unique_by=lambda c: c.id,
                )
            )
            stream.append(("update", changed))
    return stream


def _replay(engine: lc.Engine, book: lc.Book, stream: Iterable[tuple[str, object]]) -> None:
    live = lc.IncrementalAgenda(engine, book, AS_OF)
    day = AS_OF
    assert live.agenda(day) == engine.agenda(book, day)
    # Every other agenda is first read at the end, after all the changes since:
    # an agenda given out does not change.
    unread: list[tuple[lc.Agenda, lc.Agenda]] = []
    for step, (what, value) in enumerate(stream):
        if what == "days":
            day += dt.timedelta(days=value)  # type: ignore[arg-type]
        elif what == "add":
            live.add(value)  # type: ignore[arg-type]
            book = book.with_touchpoints(value)  # type: ignore[arg-type]
        else:
            live.update(value)  # type: ignore[arg-type]
            book = book.with_customers(value)  # type: ignore[arg-type]
        agenda = live.agenda(day)
        if step % 2:
            unread.append((agenda, engine.agenda(book, day)))
            continue
        assert agenda == engine.agenda(book, day)
        assert list(agenda.actions) == list(engine.agenda(book, day).actions)
        assert live.book == book
    assert live.book == book
    for agenda, full in unread:
        for cid in book.customer_ids:  # found without reading the agenda whole
            assert agenda.for_customer(cid) == full.for_customer(cid)
        assert agenda == full


@given(st.data())
def test_incremental_equals_full_evaluation_with_the_starter_pack(data: st.DataObject) -> None:
    book = data.draw(
        lct.books(situations=True, as_of=AS_OF, min_date=LOW, max_date=HIGH, max_customers=4)
    )
    _replay(ENGINE, book, data.draw(events(book)))


class _Monthly:
    """A policy of one's own without next_change: asked again every day."""

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        due = as_of.replace(day=1)
        return [
            lc.Verdict(
                policy="monthly", priority=5, status=lc.Status.DUE, due=due, reason="monthly call"
            )
        ]


class _Quarterly(_Monthly):
    """One that says when it changes: the first day of the next quarter."""

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        due = dt.date(as_of.year, (as_of.month - 1) // 3 * 3 + 1, 1)
        return [
            lc.Verdict(
                policy="quarterly", priority=6, status=lc.Status.DUE, due=due, reason="quarterly"
            )
        ]

    def next_change(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date) -> dt.date:
        month = (as_of.month - 1) // 3 * 3 + 4
        return dt.date(as_of.year + (month > 12), (month - 1) % 12 + 1, 1)


def _names(policy: lc.Policy) -> frozenset[str]:
    """The names of the verdicts *policy* gives: each of these gives as many, whoever asks."""
    return frozenset(v.policy for v in policy.verdicts(_customer(), lc.Timeline(), AS_OF))


def _extra_policies() -> st.SearchStrategy[lc.Policy]:
    """What policies() does not make: restricted sets, and policies of one's own (in them too)."""
    own = st.sampled_from([_Monthly(), _Quarterly()])
    members = st.lists(lct.policies() | own, min_size=1, max_size=2, unique_by=_names)
    return st.one_of(own, st.builds(lc.restrict, members.map(lc.policy_set), lct.conditions()))


def _any_policies(data: st.DataObject) -> list[lc.Policy]:
    chosen: list[lc.Policy] = []
    names: set[str] = set()
    generated = data.draw(st.lists(lct.policies(), max_size=3))
    for policy in [*generated, *data.draw(st.lists(_extra_policies(), max_size=2))]:
        gives = _names(policy)
        if not names & gives:  # the engine refuses two policies of one name
            chosen.append(policy)
            names |= gives
    return chosen


@settings(max_examples=40)
@given(st.data())
def test_incremental_equals_full_evaluation_with_any_policies(data: st.DataObject) -> None:
    engine = lc.Engine(
        _any_policies(data),
        cap=data.draw(st.none() | st.integers(1, 3)),
        skip_churned=data.draw(st.booleans()),
    )
    book = data.draw(lct.books(min_date=LOW, max_date=HIGH, max_customers=3))
    _replay(engine, book, data.draw(events(book)))


@settings(max_examples=40)
@given(st.data())
def test_incremental_equals_full_evaluation_with_calendars(data: st.DataObject) -> None:
    """Due dates moved to working days (and working-day offsets) change on the right days."""
    starter = data.draw(st.booleans())
    engine = lc.Engine(
        lc.starter_pack() if starter else _any_policies(data),
        cap=data.draw(st.none() | st.integers(1, 3)),
        calendar=data.draw(lct.calendars(min_value=LOW, max_value=HIGH)),
    )
    book = data.draw(lct.books(min_date=LOW, max_date=HIGH, max_customers=3))
    _replay(engine, book, data.draw(events(book)))


@settings(max_examples=40)
@given(st.data())
def test_incremental_equals_full_evaluation_with_an_inactivity_churn_rule(
    data: st.DataObject,
) -> None:
    """Customers churn on a date with no touchpoint, and come back with a purchase."""
    # No policy at all: nothing but the churn date wakes a customer.
    chosen = data.draw(st.sampled_from(["starter", "any", "none"]))
    engine = lc.Engine(
        lc.starter_pack()
        if chosen == "starter"
        else _any_policies(data)
        if chosen == "any"
        else [],
        cap=data.draw(st.none() | st.integers(1, 3)),
        churn=lc.churn_after_inactivity(days=data.draw(st.integers(1, 200))),
    )
    book = data.draw(lct.books(min_date=LOW, max_date=HIGH, max_customers=3))
    _replay(engine, book, data.draw(events(book)))


@settings(max_examples=30)  # each works out up to 61 agendas
@given(st.data())
def test_the_forecast_is_what_each_days_agenda_brings_due_with_any_policies(
    data: st.DataObject,
) -> None:
    # The forecast works a customer out only on its dates of change; whatever
    # comes due between two of them would be missed.
    policies, skip_churned = _any_policies(data), data.draw(st.booleans())
    # With an inactivity rule, a customer also changes on the day it churns.
    churn = data.draw(
        st.just(lc.churn_on_cancellation())
        | st.builds(lc.churn_after_inactivity, days=st.integers(1, 200))
    )
    engine = lc.Engine(
        policies,
        cap=data.draw(st.none() | st.integers(1, 3)),
        skip_churned=skip_churned,
        churn=churn,
    )
    uncapped = lc.Engine(policies, cap=None, skip_churned=skip_churned, churn=churn)
    book = data.draw(lct.books(min_date=LOW, max_date=HIGH, max_customers=3))
    start = data.draw(lct.local_dates(min_value=LOW, max_value=HIGH))
    forecast = engine.forecast(
        book, start, start + dt.timedelta(days=data.draw(st.integers(0, 60)))
    )
    for day, actions in forecast.days.items():
        assert list(actions) == [a for a in uncapped.agenda(book, day) if a.due == day]


@given(lct.policies(), lct.customers(min_date=LOW, max_date=HIGH), st.data())
def test_next_change_is_never_late(
    rule: lc.policies.RulePolicy, customer: lc.Customer, data: st.DataObject
) -> None:
    timeline = data.draw(
        lct.timelines(
            customer_id=customer.id, timezone=customer.timezone, min_date=LOW, max_date=HIGH
        )
    )
    as_of = data.draw(lct.local_dates(min_value=LOW, max_value=HIGH))
    visible = timeline.until(as_of)
    change = lc.next_change(rule, customer, visible, as_of)
    assert change is None or change > as_of
    before = list(rule.verdicts(customer, visible, as_of))
    last = as_of + dt.timedelta(days=400) if change is None else change - dt.timedelta(days=1)
    for day in data.draw(st.lists(lct.local_dates(min_value=as_of, max_value=last), max_size=5)):
        assert list(rule.verdicts(customer, visible, day)) == before


# -- examples -----------------------------------------------------------------


def test_a_complaint_today_is_on_tomorrows_agenda() -> None:
    live = lc.IncrementalAgenda(ENGINE, lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
    before = live.agenda(lc.SAMPLE_AS_OF)
    live.add([_touch("T-new", "C009", lc.SAMPLE_AS_OF, kind="complaint")])
    later = lc.SAMPLE_AS_OF + dt.timedelta(days=2)
    after = live.agenda(later)
    assert not [a for a in before.for_customer("C009") if a.policy == "complaint_follow_up"]
    assert after.for_customer("C009")[0].policy == "complaint_follow_up"
    assert after == ENGINE.agenda(live.book, later)


def test_many_mixes_of_new_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    # Which policies look at a mix of kinds is remembered, up to a bound.
    monkeypatch.setattr("lifecycle.incremental._LOOKS_KEPT", 1)
    live = lc.IncrementalAgenda(ENGINE, lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
    day = lc.SAMPLE_AS_OF
    for n, kind in enumerate(["complaint", "complaint", "inquiry", "purchase"]):
        day += dt.timedelta(days=1)
        live.add([_touch(f"T-new-{n}", "C009", day, kind=kind)])
        assert live.agenda(day) == ENGINE.agenda(live.book, day)


def test_only_dated_changes_are_worked_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    book = lc.Book(
        [_customer(contract_end=dt.date(2027, 1, 31)), _customer("c-2", name="Grace")],
        [_touch("T1", "c-1", dt.date(2026, 10, 1), kind="purchase")],
    )
    live = lc.IncrementalAgenda(ENGINE, book, as_of=dt.date(2026, 11, 1))
    worked = _count_refreshes(monkeypatch)
    live.agenda(dt.date(2026, 11, 2))
    assert worked == []  # nothing comes due on 2 November
    live.agenda(dt.date(2026, 12, 2))  # renewal due on 2 December (60 days before 31 January)
    assert worked == ["c-1"]
    live.add([_touch("T2", "c-2", dt.date(2026, 12, 2))])
    worked.clear()
    live.agenda(dt.date(2026, 12, 2))
    assert worked == ["c-2"]


@attrs.frozen
class _Counting:
    """An evaluator that notes each customer it is asked about, then asks its policy."""

    policy: lc.policies.RulePolicy
    asked: list[str]

    @property
    def names(self) -> tuple[str, ...] | None:
        return self.policy.names

    def verdicts(self, customer, timeline, as_of):  # type: ignore[no-untyped-def]
        return self.policy.verdicts(customer, timeline, as_of)

    def evaluate(self, context: lc.Context, *, due_only: bool, changes: bool):  # type: ignore[no-untyped-def]
        self.asked.append(context.customer.id)
        return self.policy.evaluate(context, due_only=due_only, changes=changes)

    def reads(self, *, closing: bool) -> Reads:
        return self.policy.reads(closing=closing)


def test_a_touchpoint_that_can_only_fulfil_asks_only_customers_with_an_action_due() -> None:
    # Any outbound touchpoint closes a detractor recovery; it cannot open one.
    detractor = _touch("T1", "c-1", dt.date(2026, 10, 25), kind="nps", score=3)
    book = lc.Book([_customer(), _customer("c-2", name="Grace")], [detractor])
    asked: list[str] = []
    pack = list(lc.starter_pack())
    pack[1] = _Counting(pack[1], asked)  # the starter pack's detractor_recovery
    engine = lc.Engine(pack)
    live = lc.IncrementalAgenda(engine, book, as_of=AS_OF)
    assert [a.policy for a in live.agenda(AS_OF).for_customer("c-1")] == ["detractor_recovery"]
    asked.clear()
    day = AS_OF + dt.timedelta(days=1)
    live.add([_touch(f"T-{cid}", cid, day, direction="outbound") for cid in ("c-1", "c-2")])
    agenda = live.agenda(day)
    assert asked == ["c-1"]  # c-2 has nothing to close
    assert not [a for a in agenda.for_customer("c-1") if a.policy == "detractor_recovery"]
    assert agenda == ENGINE.agenda(live.book, day)


def _count_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note each customer an incremental agenda works out again, in the list returned."""
    worked: list[str] = []
    refresh = lc.IncrementalAgenda._refresh

    def counting(self: lc.IncrementalAgenda, cid: str, as_of: dt.date, *, everything: bool) -> None:
        worked.append(cid)
        refresh(self, cid, as_of, everything=everything)

    monkeypatch.setattr(lc.IncrementalAgenda, "_refresh", counting)
    return worked


def test_a_customer_changed_early_is_not_woken_by_its_old_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = lc.Book([_customer(contract_end=dt.date(2027, 1, 31))], [])
    live = lc.IncrementalAgenda(ENGINE, book, as_of=dt.date(2026, 11, 1))
    live.update([_customer(contract_end=dt.date(2027, 6, 30))])  # renewal due 1 May 2027 now
    live.agenda(dt.date(2026, 11, 2))
    worked = _count_refreshes(monkeypatch)
    agenda = live.agenda(dt.date(2026, 12, 2))  # the date of the renewal before the change
    assert worked == []
    assert agenda == ENGINE.agenda(live.book, dt.date(2026, 12, 2))


def _act(cid: str, policy: str = "p", priority: int = 1, day: int = 1) -> lc.Action:
    return lc.Action(
        customer_id=cid, policy=policy, due=dt.date(2026, 1, day), priority=priority,
        overdue_days=0, reason="r",
    )  # fmt: skip


def test_an_agenda_given_out_does_not_change() -> None:
    order: Ordered[lc.Action] = Ordered(agenda_key, attrgetter("customer_id"))
    a, b, c, d = _act("a"), _act("b"), _act("c"), _act("d")
    order.update([], [a, b])
    first = order.snapshot()
    order.update([], [c])
    second = order.snapshot()
    order.update([c], [])  # put in after the first, taken out before it is read
    order.update([a], [d])
    assert second.items() == [a, b, c]  # read: told of no more changes
    order.update([b], [])
    assert first.items() == [a, b]
    assert order.snapshot().items() == [d]
    assert (len(first), len(second)) == (2, 3)


def test_a_customer_with_several_items_in_one_place_keeps_them_in_order_of_policy() -> None:
    # Same customer, priority and due date: held together, in order of policy.
    order: Ordered[lc.Action] = Ordered(agenda_key, attrgetter("customer_id"))
    p, q, r, other = _act("b", "p"), _act("b", "q"), _act("b", "r"), _act("a", "z")
    order.update([], [r, p])
    order.update([], [other])
    order.update([r, p], [q, r, p])
    assert order.ordered() == [other, p, q, r]
    assert order.of_customer("b") == [p, q, r]
    order.update([q, r, p], [r, p])  # one of three taken out
    assert order.ordered() == [other, p, r]
    order.update([r, p], [r])  # one of two: the other stays alone
    assert order.ordered() == [other, r] and order.of_customer("b") == [r]
    order.update([r], [])
    assert order.ordered() == [other] and order._keys == sorted(order._buckets)


def test_an_agenda_given_out_makes_no_reference_cycle() -> None:
    # A process that freezes its objects (gc.freeze) never collects cycles:
    # a snapshot dropped unread must go by reference counting alone.
    order: Ordered[lc.Action] = Ordered(agenda_key, attrgetter("customer_id"))
    snapshot = order.snapshot()
    assert order.snapshot() is snapshot  # given again while nothing changes
    gone = weakref.ref(snapshot)
    gc.disable()
    try:
        del snapshot
        assert gone() is None
    finally:
        gc.enable()


@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcd"),
            st.lists(st.tuples(st.sampled_from("pqr"), st.integers(1, 2), st.integers(1, 3))),
            st.none() | st.integers(0, 12),
            st.integers(0, 12),
        ),
        max_size=12,
    ),
    st.sampled_from([1, 4]),
)
def test_a_snapshot_read_in_part_is_the_first_part_of_the_whole(
    steps: list[tuple[str, list[tuple[str, int, int]], int | None, int]], share: int
) -> None:
    # Each step changes one customer's items, may take a snapshot (and read its
    # first part at once), and reads the first part of an earlier snapshot.
    order: Ordered[lc.Action] = Ordered(agenda_key, attrgetter("customer_id"))
    held: dict[str, list[lc.Action]] = {}
    taken: list[tuple[Snapshot[lc.Action], list[lc.Action]]] = []
    with unittest.mock.patch("lifecycle._agenda_order.WHOLE_FROM", share):
        for cid, wanted, snap, read in steps:
            unique = {policy: (policy, priority, day) for policy, priority, day in wanted}
            new = [_act(cid, *item) for item in unique.values()]
            held[cid] = order.update(held.get(cid, []), new)
            assert order._keys == sorted(order._buckets)  # kept in order, none left over
            if snap is not None:
                taken.append((order.snapshot(), sorted(order.ordered(), key=agenda_key)))
                if snap % 2:  # read at once, or only after later changes
                    assert taken[-1][0].head(snap)[:snap] == taken[-1][1][:snap]
            if taken:
                snapshot, expected = taken[read % len(taken)]
                first = snapshot.head(read)
                assert first == expected[: len(first)] and len(first) >= min(read, len(expected))
                ours = [item for item in expected if item.customer_id == cid]
                assert snapshot.of_customer(cid) == ours
        for snapshot, expected in taken:
            for _ in range(2):  # as it was left (perhaps still open), then read whole
                for cid in "abcd":
                    ours = [item for item in expected if item.customer_id == cid]
                    assert snapshot.of_customer(cid) == ours
                assert snapshot.items() == expected == snapshot.head(1)[: len(expected)]


def test_an_agenda_given_out_can_be_read_while_the_agenda_changes() -> None:
    def customer_of(action: lc.Action) -> str:
        time.sleep(0)  # let the other thread run in the middle of a read
        return action.customer_id

    order: Ordered[lc.Action] = Ordered(agenda_key, customer_of)
    first = [_act(f"z{n:03}", day=28) for n in range(100)]
    order.update([], first)
    snapshot = order.snapshot()
    assert snapshot.head(1) == first[:1]  # read in part: told of each change

    def change_each() -> None:
        for action in first:
            order.update([action], [attrs.evolve(action, reason="changed")])
            time.sleep(0)

    writer = threading.Thread(target=change_each)
    writer.start()
    while writer.is_alive():
        assert snapshot.of_customer("z050") == [first[50]]
    writer.join()
    assert snapshot.head(2) == first[:2] and snapshot.items() == first


def test_only_a_few_agendas_given_out_are_kept_up_to_date() -> None:
    order: Ordered[lc.Action] = Ordered(agenda_key, attrgetter("customer_id"))
    order.update([], [_act(f"z{n}", day=28) for n in range(8)])  # enough to read in part
    taken = []
    for day in range(1, 13):
        order.update([], [_act(f"c{day:02}", day=day), _act(f"d{day:02}", day=day)])
        taken.append((order.snapshot(), order.ordered()))
        assert taken[-1][0].head(1) == taken[-1][1][:1]  # read in part: still open
    assert [snapshot.open for snapshot, _ in taken] == [False] * 4 + [True] * 8
    for snapshot, expected in taken:
        assert snapshot.items() == expected


@settings(max_examples=30)  # each builds an incremental agenda; each reads it five ways
@given(st.data())
def test_an_agenda_given_out_reads_as_a_tuple(data: st.DataObject) -> None:
    live = lc.IncrementalAgenda(ENGINE, lc.sample_book(), lc.SAMPLE_AS_OF)
    later = lc.SAMPLE_AS_OF + dt.timedelta(days=data.draw(st.integers(0, 40)))
    agenda, whole = live.agenda(later), ENGINE.agenda(live.book, later)
    actions, full = agenda.actions, whole.actions
    assert len(full) > 8
    for _ in range(5):
        index = data.draw(st.slices(len(full) + 2) | st.integers(-len(full), len(full) - 1))
        assert actions[index] == full[index]
    for cid in live.book.customer_ids:
        assert agenda.for_customer(cid) == whole.for_customer(cid)


def test_merging_an_order_with_changes() -> None:
    items = list(range(0, 100, 2))
    removed = {id(items[3]), id(items[40])}
    for extra in ([51], list(range(1, 100, 4))):  # a few put in by search, many by sorting
        merged = merge(list(items), removed, list(extra), lambda n: n)  # type: ignore[arg-type, return-value]
        assert merged == sorted({*items, *extra} - {6, 80})


def test_touchpoints_dated_ahead_show_on_their_date() -> None:
    book = lc.Book([_customer()], [_touch("T1", "c-1", dt.date(2026, 12, 1), kind="complaint")])
    live = lc.IncrementalAgenda(ENGINE, book, as_of=dt.date(2026, 11, 1))
    assert live.agenda(dt.date(2026, 12, 2)).for_customer("c-1") == ()
    shown = live.agenda(dt.date(2026, 12, 3))
    assert [a.policy for a in shown.for_customer("c-1")] == ["complaint_follow_up"]
    assert shown == ENGINE.agenda(book, dt.date(2026, 12, 3))


@pytest.mark.parametrize("walk", [False, True])
def test_a_touchpoint_dated_ahead_counts_on_its_own_local_date(walk: bool) -> None:
    """Asked exactly on the date: a resolution dated ahead closes the follow-up that day."""
    ahead = dt.date(2026, 12, 1)
    book = lc.Book(
        [_customer(timezone="Pacific/Kiritimati")],  # 09:00 UTC is 23:00 the same local day
        [
            _touch("T1", "c-1", dt.date(2026, 10, 1), kind="complaint"),
            _touch("T2", "c-1", ahead, kind="resolution"),
        ],
    )
    live = lc.IncrementalAgenda(ENGINE, book, as_of=dt.date(2026, 11, 1))
    days = [ahead - dt.timedelta(days=n) for n in (3, 2, 1, 0)] if walk else [ahead]
    for day in days:
        assert live.agenda(day) == ENGINE.agenda(book, day)
    # The day before, the follow-up is due; on the date, it is not.
    assert "complaint_follow_up" in {
        a.policy for a in ENGINE.agenda(book, ahead - dt.timedelta(days=1))
    }
    assert "complaint_follow_up" not in {a.policy for a in live.agenda(ahead)}


def test_customer_changes_are_taken() -> None:
    book = lc.Book([_customer()], [_touch("T1", "c-1", dt.date(2026, 10, 1), kind="complaint")])
    live = lc.IncrementalAgenda(ENGINE, book, as_of=dt.date(2026, 11, 1))
    assert len(live.agenda(dt.date(2026, 11, 1))) == 1
    live.update(
        [_customer(do_not_contact=True), _customer("c-2", name="Grace", timezone="Asia/Tokyo")]
    )
    agenda = live.agenda(dt.date(2026, 11, 1))
    assert [s.customer_id for s in agenda.skipped] == ["c-1"]
    assert len(live) == 2
    live.update([_customer(timezone="Pacific/Kiritimati")])
    assert live.book.timeline("c-1").timezone.key == "Pacific/Kiritimati"
    assert live.agenda(dt.date(2026, 11, 1)) == ENGINE.agenda(live.book, dt.date(2026, 11, 1))


def test_actions_are_dated_as_they_are_read() -> None:
    book = lc.Book(
        [_customer()],
        [
            _touch("T0", "c-1", dt.date(2026, 10, 5), kind="purchase"),
            _touch("T1", "c-1", dt.date(2026, 10, 1), kind="complaint"),
        ],
    )
    live = lc.IncrementalAgenda(lc.Engine(lc.starter_pack(), cap=1), book, dt.date(2026, 11, 1))
    agenda = live.agenda(dt.date(2026, 11, 11))
    full = live.engine.agenda(book, dt.date(2026, 11, 11))
    assert agenda.actions[0].overdue_days == full.actions[0].overdue_days == 39
    assert agenda.actions[:1] == full.actions[:1]
    assert agenda.held_back == full.held_back and len(agenda.held_back) == 2
    assert agenda.held_back[0].action.overdue_days == full.held_back[0].action.overdue_days
    assert hash(agenda) == hash(full)
    assert pickle.loads(pickle.dumps(agenda)) == full  # as tuples
    assert repr(agenda.actions) == repr(full.actions)
    assert agenda.actions != "not a sequence of actions"
    assert agenda.actions != (full.actions[0], full.actions[0])
    assert live.as_of == dt.date(2026, 11, 11)
    assert repr(live) == "IncrementalAgenda(1 customers, as_of=2026-11-11)"


def test_a_streamed_book_works_as_well(tmp_path: Path) -> None:
    lc.write_book(lc.sample_book(), tmp_path)
    live = lc.IncrementalAgenda(ENGINE, lc.stream_book(tmp_path), lc.SAMPLE_AS_OF)
    assert live.agenda(lc.SAMPLE_AS_OF) == ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)


class _Twice:
    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        return [lc.Verdict(policy="same", priority=1, status="due", due=as_of, reason="twice")] * 2


class _Wrong(_Monthly):
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def next_change(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date) -> object:
        return self.answer


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda live: live.agenda(dt.date(2026, 10, 1)),
            lc.InvalidValueError,
            "only moves forward",
        ),
        (lambda live: live.agenda("2026-12-01"), lc.InvalidValueError, "as_of"),
        (lambda live: live.add([_touch("T1", "c-1", AS_OF)]), lc.DuplicateIdError, "T1"),
        (lambda live: live.add([_touch("T9", "c-9", AS_OF)]), lc.UnknownCustomerError, "c-9"),
        (lambda live: live.add(["T9"]), lc.InvalidValueError, "Touchpoint"),
        (lambda live: live.update([_customer(), _customer()]), lc.DuplicateIdError, "c-1"),
        (lambda live: live.update(["c-1"]), lc.InvalidValueError, "Customer"),
    ],
)
def test_bad_calls_say_what_is_wrong(call, error, words) -> None:  # type: ignore[no-untyped-def]
    book = lc.Book([_customer()], [_touch("T1", "c-1", dt.date(2026, 10, 1))])
    live = lc.IncrementalAgenda(ENGINE, book, AS_OF)
    with pytest.raises(error, match=words):
        call(live)
    assert live.agenda(AS_OF) == ENGINE.agenda(book, AS_OF)  # nothing half taken


@pytest.mark.parametrize("answer", [AS_OF, "2027-01-01", dt.datetime(2027, 1, 1, tzinfo=UTC)])
def test_an_own_next_change_must_be_a_later_date(answer: object) -> None:
    engine, book = lc.Engine([_Wrong(answer)]), lc.Book([_customer()])
    with pytest.raises(lc.InvalidValueError, match="next_change"):
        lc.IncrementalAgenda(engine, book, AS_OF)
    with pytest.raises(lc.InvalidValueError, match="next_change"):
        engine.forecast(book, AS_OF, AS_OF + dt.timedelta(days=7))


def test_bad_construction() -> None:
    with pytest.raises(lc.InvalidValueError, match="engine"):
        lc.IncrementalAgenda("engine", lc.Book(), AS_OF)  # type: ignore[arg-type]
    with pytest.raises(lc.InvalidValueError, match="share a name"):
        lc.IncrementalAgenda(lc.Engine([_Twice()]), lc.Book([_customer()]), AS_OF)
    with pytest.raises(lc.InvalidValueError, match="share a name"):
        lc.Engine([_Twice()]).forecast(lc.Book([_customer()]), AS_OF, AS_OF)
    stream = [(_customer(), lc.Timeline([])), (_customer(), lc.Timeline([]))]

    class Repeats:
        def items(self) -> list[tuple[lc.Customer, lc.Timeline]]:
            return stream

    with pytest.raises(lc.DuplicateIdError, match="c-1"):
        lc.IncrementalAgenda(ENGINE, Repeats(), AS_OF)


# -- next change of the blocks -------------------------------------------------


def test_next_change_of_the_starter_pack() -> None:
    ada = _customer(contract_end=dt.date(2027, 3, 31))
    nothing = lc.Timeline([])
    assert lc.next_change(lc.starter_pack(), ada, nothing, AS_OF) == dt.date(2027, 1, 6)
    bought = lc.Timeline([_touch("T1", "c-1", dt.date(2026, 10, 30), kind="purchase")])
    # welcome: 7 days after the purchase
    assert lc.next_change(lc.starter_pack(), ada, bought, AS_OF) == dt.date(2026, 11, 6)


def test_next_change_of_dated_conditions() -> None:
    ada = _customer()
    tagged = lc.Timeline([_touch("T1", "c-1", dt.date(2026, 10, 20), tags=frozenset({"vip"}))])
    window = lc.policies.tagged("vip", within_days=30)
    context = lc.Context(ada, tagged, AS_OF)
    assert window(context) and window.next_change(context) == dt.date(2026, 11, 20)
    late = lc.Context(ada, tagged, dt.date(2026, 11, 20))
    assert not window(late) and window.next_change(late) is None
    assert lc.policies.tagged("vip").next_change(context) is None
    assert lc.policies.tagged("gold", within_days=9).next_change(context) is None
    assert lc.policies.in_stage("active").next_change(context) == AS_OF + dt.timedelta(days=1)
    assert (lc.policies.segment("smb") & ~lc.policies.churned()).next_change(context) is None
    assert (lc.policies.segment("smb") | window).next_change(context) == dt.date(2026, 11, 20)
    quiet = lc.policies.condition(lambda c: True, "always", next_change=lambda c: None)
    daily = lc.policies.condition(lambda c: True, "always")
    assert quiet.next_change(context) is None
    assert daily.next_change(context) == AS_OF + dt.timedelta(days=1)
    with pytest.raises(lc.InvalidValueError, match="next_change"):
        lc.policies.condition(lambda c: True, "always", next_change="never")  # type: ignore[arg-type]


def test_next_change_of_anchors_of_ones_own() -> None:
    class Today:
        description = "today"

        def resolve(self, context: lc.Context) -> lc.policies.Anchored:
            return lc.policies.Anchored(context.as_of, "today")

    ada = _customer()
    own = lc.policy("today", priority=1, anchor=Today())
    assert lc.next_change(own, ada, lc.Timeline([]), AS_OF) == AS_OF + dt.timedelta(days=1)
    none_yet = lc.policy("first_nps", priority=1, anchor=lc.first("nps", after=lc.last("purchase")))
    assert lc.next_change(none_yet, ada, lc.Timeline([]), AS_OF) is None
    assert lc.next_change(lc.policies.exists(Today()) and own, ada, lc.Timeline([]), AS_OF)
    assert (
        lc.policies.exists(Today()).next_change(lc.Context(ada, lc.Timeline([]), AS_OF)) is not None
    )


def test_next_change_of_recurrences() -> None:
    ada = _customer(since=dt.date(2026, 1, 15))
    ruled = lc.policy(
        "monthly",
        priority=5,
        anchor=lc.policies.customer_since(),
        recurs=lc.every(rule=rrule(MONTHLY, count=3)),
    )
    nothing = lc.Timeline([])
    assert lc.next_change(ruled, ada, nothing, dt.date(2026, 2, 20)) == dt.date(2026, 3, 15)
    assert lc.next_change(ruled, ada, nothing, dt.date(2026, 4, 20)) is None
    never = lc.policy(
        "never",
        priority=5,
        anchor=lc.policies.customer_since(),
        recurs=lc.every(rule=rrule(MONTHLY, count=0)),
    )
    assert lc.next_change(never, ada, nothing, dt.date(2026, 4, 20)) is None
    member = evaluator(lc.policy_set(ruled, _Quarterly()))
    context = lc.Context(ada, nothing, dt.date(2026, 2, 20), memo={})
    found, change = member.evaluate(context, due_only=True, changes=True)
    assert [v.policy for v in found] == ["monthly", "quarterly"]
    assert change == dt.date(2026, 3, 15)


def test_timeline_next_date() -> None:
    timeline = lc.Timeline(
        [_touch("T1", "c-1", dt.date(2026, 10, 1)), _touch("T2", "c-1", dt.date(2026, 12, 1))]
    )
    assert timeline.next_date(dt.date(2026, 10, 1)) == dt.date(2026, 12, 1)
    assert timeline.next_date(dt.date(2026, 9, 1)) == dt.date(2026, 10, 1)
    assert timeline.next_date(dt.date(2026, 12, 1)) is None
    with pytest.raises(lc.InvalidValueError, match="after"):
        timeline.next_date(dt.datetime(2026, 12, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_next_change_of_a_restricted_policy() -> None:
    reconnect = lc.policy("reconnect", priority=7, anchor=lc.last(), offset=lc.days(60))
    vip = lc.restrict(reconnect, lc.policies.tagged("vip", within_days=30))
    ada = _customer()
    tagged = lc.Timeline([_touch("T1", "c-1", dt.date(2026, 10, 20), tags=frozenset({"vip"}))])
    # the tag leaves the window on 20 November, before reconnect is due (19 December)
    assert lc.next_change(vip, ada, tagged, AS_OF) == dt.date(2026, 11, 20)
    # Then its verdict tells what reconnect's would be, which comes due on
    # 19 December; but nothing is due until the tag comes back, so an agenda
    # need not ask again without new touchpoints.
    left = dt.date(2026, 11, 20)
    assert lc.next_change(vip, ada, tagged, left) == dt.date(2026, 12, 19)
    context = lc.Context(ada, tagged, left, memo={})
    assert evaluator(vip).evaluate(context, due_only=True, changes=True) == ((), None)
    would = "not tagged 'vip' in the last 30 days (would be: last touchpoint"
    assert vip.verdicts(ada, tagged, left)[0].reason.startswith(would)
    live = lc.IncrementalAgenda(lc.Engine([vip]), lc.Book([ada], tagged), AS_OF)
    assert len(live.agenda(dt.date(2026, 12, 19))) == 0


def _reads(policy: lc.Policy) -> Reads:
    return evaluator(policy).reads(closing=True)


def test_which_touchpoints_a_policy_looks_at() -> None:
    kinds = _reads(lc.starter_pack()).kinds
    assert kinds is None  # reconnect looks at the last touchpoint of any kind
    welcome = lc.starter_pack().policies[3]
    assert _reads(welcome) == Reads(frozenset({lc.Kind.PURCHASE, lc.Kind.ONBOARDING}))
    detractor = lc.starter_pack().policies[1]
    assert _reads(detractor) == Reads(frozenset({lc.Kind.NPS}), frozenset({lc.Direction.OUTBOUND}))
    anyone = lc.policy(
        "any", priority=1, anchor=lc.policies.customer_since(), fulfilled_by=lc.fulfilled_by()
    )
    assert _reads(anyone) == EVERYTHING
    smb = lc.restrict(welcome, lc.policies.segment("smb") & ~lc.policies.churned())
    assert _reads(smb).kinds == {
        lc.Kind.PURCHASE,
        lc.Kind.ONBOARDING,
        lc.Kind.CANCELLATION,
        lc.Kind.RENEWAL,
    }
    assert (
        _reads(lc.restrict(welcome, lc.policies.segment("smb") | lc.policies.in_stage("active")))
        == EVERYTHING
    )
    assert _reads(lc.restrict(welcome, ~lc.policies.health_is("at_risk"))) == EVERYTHING
    assert _reads(_Monthly()) == EVERYTHING
    latest = lc.policy("l", priority=1, anchor=lc.policies.latest(lc.first("purchase"), lc.last()))
    assert _reads(latest) == EVERYTHING
    after = lc.policy("a", priority=1, anchor=lc.first("nps", after=lc.last()))
    assert _reads(after) == EVERYTHING
    tagged = lc.policy(
        "t",
        priority=1,
        anchor=lc.policies.customer_since(),
        when=lc.policies.tagged("vip", kind="nps"),
    )
    assert _reads(tagged).kinds == {lc.Kind.NPS}
    assert EVERYTHING.any_of([]) and not Reads(frozenset()).any_of([_touch("T", "c", AS_OF)])


def test_one_customers_actions_on_the_same_day_and_priority_keep_their_order() -> None:
    """Actions that share a priority and a due date are ordered by customer, then policy.

    Each changes on its own (one is fulfilled, one is held back then kept again)
    and the order stays the engine's.
    """
    purchase = lc.first("purchase")
    policies = [
        lc.policy("b_call", priority=2, anchor=purchase, offset=lc.days(7),
                  fulfilled_by=lc.fulfilled_by("onboarding")),
        lc.policy("a_mail", priority=2, anchor=purchase, offset=lc.days(7)),
        lc.policy("c_note", priority=2, anchor=purchase, offset=lc.days(7),
                  fulfilled_by=lc.fulfilled_by("check_in")),
    ]  # fmt: skip
    engine = lc.Engine(policies, cap=2)
    day = dt.date(2026, 3, 1)
    people = [_customer("c-2"), _customer("c-1"), _customer("c-10")]
    bought = [_touch(f"p-{c.id}", c.id, day, kind="purchase") for c in people]
    live = lc.IncrementalAgenda(engine, lc.Book(people, bought), as_of=day)
    due = day + dt.timedelta(days=7)
    agenda = live.agenda(due)
    assert [(a.customer_id, a.policy) for a in agenda] == [
        ("c-1", "a_mail"), ("c-1", "b_call"), ("c-10", "a_mail"), ("c-10", "b_call"),
        ("c-2", "a_mail"), ("c-2", "b_call"),
    ]  # fmt: skip
    assert [h.action.policy for h in agenda.held_back] == ["c_note"] * 3
    live.add([_touch("o-1", "c-10", due, kind="onboarding")])
    live.add([_touch("k-1", "c-2", due, kind="check_in")])
    for later in (due, due + dt.timedelta(days=1)):
        agenda = live.agenda(later)
        assert agenda == engine.agenda(live.book, later)
    assert [(a.customer_id, a.policy) for a in agenda if a.customer_id != "c-1"] == [
        ("c-10", "a_mail"), ("c-10", "c_note"), ("c-2", "a_mail"), ("c-2", "b_call"),
    ]  # fmt: skip
    assert [h.action.customer_id for h in agenda.held_back] == ["c-1"]


# -- erasure ------------------------------------------------------------------------


@settings(max_examples=40)
@given(st.data())
def test_forgetting_customers_equals_a_full_evaluation_without_them(data: st.DataObject) -> None:
    book = data.draw(
        lct.books(situations=True, as_of=AS_OF, min_date=LOW, max_date=HIGH, max_customers=4)
    )
    live = lc.IncrementalAgenda(ENGINE, book, AS_OF)
    day = AS_OF
    live.agenda(day)
    for what, value in data.draw(events(book)):
        if what == "days":
            day += dt.timedelta(days=value)  # type: ignore[arg-type]
        elif what == "add":  # only for customers not forgotten
            kept = [tp for tp in value if tp.customer_id in book]  # type: ignore[attr-defined]
            live.add(kept)
            book = book.with_touchpoints(kept)
        else:
            live.update(value)  # type: ignore[arg-type]
            book = book.with_customers(value)  # type: ignore[arg-type]
        if book and data.draw(st.booleans()):
            if data.draw(st.booleans()):  # sometimes right after a change, before an agenda
                live.agenda(day)
            gone = data.draw(st.sampled_from(book.customer_ids))
            live.forget(gone)
            book = book.without_customers([gone])
        assert live.book == book
        assert live.agenda(day) == ENGINE.agenda(book, day)
    assert all(cid in book for woken in live._calendar.values() for cid in woken)


def test_forget_erases_everything_of_a_customer() -> None:
    book = lc.Book(
        [_customer("c-1"), _customer("c-2", do_not_contact=True), _customer("c-3")],
        [
            _touch("T1", "c-1", dt.date(2026, 10, 1), kind="complaint"),
            _touch("T2", "c-2", dt.date(2026, 10, 1), kind="complaint"),
            _touch("T3", "c-3", dt.date(2026, 12, 1), kind="complaint"),  # ahead: on the calendar
        ],
    )
    live = lc.IncrementalAgenda(ENGINE, book, AS_OF)
    before = live.agenda(AS_OF)
    assert [a.customer_id for a in before] == ["c-1"]
    assert [s.customer_id for s in before.skipped] == ["c-2"]
    live.forget("c-1")
    live.forget("c-2")
    live.forget("c-3")
    after = live.agenda(AS_OF)
    assert (len(after), after.skipped, live._calendar, len(live)) == (0, (), {}, 0)
    assert len(before) == 1  # an agenda given out does not change
    # Its touchpoint ids are free again, for a customer of the same id come back.
    live.update([_customer("c-1")])
    live.forget("c-1")  # forgotten before it was ever worked out
    live.update([_customer("c-1")])
    live.add([_touch("T1", "c-1", dt.date(2026, 10, 1), kind="complaint")])
    assert [a.customer_id for a in live.agenda(AS_OF)] == ["c-1"]


@pytest.mark.parametrize("unknown", ["c-9", ["c-1"], None])
def test_forgetting_an_unknown_customer_says_so(unknown: object) -> None:
    live = lc.IncrementalAgenda(ENGINE, lc.Book([_customer()]), AS_OF)
    with pytest.raises(
        lc.UnknownCustomerError, match=re.escape(f"no customer with id {unknown!r}")
    ):
        live.forget(unknown)  # type: ignore[arg-type]
    assert len(live) == 1


# -- several threads ------------------------------------------------------------------


def test_several_writer_threads_lose_nothing() -> None:
    book = lc.sample_book()
    live = lc.IncrementalAgenda(ENGINE, book, lc.SAMPLE_AS_OF)
    ids = book.customer_ids[:6]
    writers, each = 4, 150
    added = [
        [
            _touch(f"w{w}-{i}", ids[i % len(ids)], lc.SAMPLE_AS_OF - dt.timedelta(days=i % 40),
                   kind=("complaint", "check_in", "purchase", "resolution")[i % 4])
            for i in range(each)
        ]
        for w in range(writers)
    ]  # fmt: skip
    failures: list[BaseException] = []
    start = threading.Barrier(writers + 1)
    done = threading.Event()

    def write(mine: list[lc.Touchpoint]) -> None:
        try:
            start.wait()
            for tp in mine:
                live.add([tp])
        except BaseException as e:  # reported below
            failures.append(e)

    def read() -> None:
        try:
            start.wait()
            while not done.is_set():
                live.agenda(lc.SAMPLE_AS_OF)
                assert len(live.book) == len(book)
        except BaseException as e:  # reported below
            failures.append(e)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as can be, to meet every race
    try:
        threads = [threading.Thread(target=write, args=(mine,)) for mine in added]
        reader = threading.Thread(target=read)
        for thread in [*threads, reader]:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        reader.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == []
    full = book.with_touchpoints([tp for mine in added for tp in mine])
    assert live.book == full
    assert live.agenda(lc.SAMPLE_AS_OF) == ENGINE.agenda(full, lc.SAMPLE_AS_OF)


@attrs.define
class _FailsOnce:
    """A policy of one's own that raises the first time it is asked on a given day."""

    day: dt.date
    failed: bool = False

    def verdicts(self, customer, timeline, as_of):  # type: ignore[no-untyped-def]
        if as_of == self.day and not self.failed:
            self.failed = True
            raise RuntimeError("the CRM is down")
        return [
            lc.Verdict(policy="ping", priority=5, status=lc.Status.DUE, due=as_of, reason="daily")
        ]


def test_a_policy_that_raises_leaves_nothing_half_worked_out() -> None:
    day = AS_OF + dt.timedelta(days=1)
    fails = _FailsOnce(day)
    engine = lc.Engine([*lc.starter_pack(), fails])
    book = lc.Book([_customer(), _customer("c-2", name="Grace")])
    live = lc.IncrementalAgenda(engine, book, AS_OF)
    with pytest.raises(RuntimeError, match="down"):
        live.agenda(day)
    assert live.agenda(day) == engine.agenda(live.book, day)
    later = day + dt.timedelta(days=40)
    assert live.agenda(later) == engine.agenda(live.book, later)
