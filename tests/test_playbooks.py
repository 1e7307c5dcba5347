"""Playbooks: one step at a time, closed by touchpoints, decisions or expiry (decisions.md)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.policies import Playbook, evaluator, parse_policies, playbook, step

UTC = dt.UTC
D = dt.date
ADA = lc.Customer(id="c-1", name="Ada", since=D(2025, 1, 1))
LOW, HIGH = D(2025, 6, 1), D(2027, 1, 1)


def touch(tid: str, day: dt.date, kind: str, *, hour: int = 12, cid: str = "c-1") -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id=cid,
        kind=kind,
        channel="phone",
        direction="inbound" if kind == "purchase" else "outbound",
        at=dt.datetime.combine(day, dt.time(hour), tzinfo=UTC),
    )


def decide(
    did: str, name: str, due: dt.date, outcome: str, on: dt.date, **more: object
) -> lc.Decision:
    at = dt.datetime.combine(on, dt.time(10), tzinfo=UTC)
    fields: dict[str, object] = {"customer_id": "c-1", "policy": name, "due": due, **more}
    return lc.Decision(id=did, outcome=outcome, at=at, **fields)  # type: ignore[arg-type]


ONBOARDING = playbook(
    "onboarding",
    priority=4,
    trigger=lc.first("purchase"),
    steps=[
        step("kickoff", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("onboarding"),
             expires=lc.days(14)),
        step("check_in", offset=lc.days(7), fulfilled_by=lc.fulfilled_by("check_in"),
             expires=lc.days(14)),
        step("review", offset=lc.days(30), fulfilled_by=lc.fulfilled_by("health_check")),
    ],
)  # fmt: skip
BOUGHT = touch("T1", D(2026, 1, 5), "purchase")  # kickoff due 2026-01-06


def book_of(*touchpoints: lc.Touchpoint, decisions: tuple[lc.Decision, ...] = ()) -> lc.Book:
    return lc.Book([ADA], touchpoints).with_decisions(decisions)


def verdicts(
    book: lc.Book, as_of: dt.date, policy: lc.Policy = ONBOARDING, **engine: object
) -> dict[str, lc.Verdict]:
    explained = lc.Engine([policy], **engine).explain(book, "c-1", as_of)  # type: ignore[arg-type]
    return {v.policy.partition(".")[2]: v for v in explained.verdicts}


def statuses(book: lc.Book, as_of: dt.date, policy: lc.Policy = ONBOARDING) -> dict[str, str]:
    return {name: v.status.value for name, v in verdicts(book, as_of, policy).items()}


def agenda(book: lc.Book, as_of: dt.date, *policies: lc.Policy, **engine: object) -> list[str]:
    made = lc.Engine(policies or [ONBOARDING], **engine).agenda(book, as_of)  # type: ignore[arg-type]
    return [f"{a.policy} {a.due.isoformat()}" for a in made]


# -- the walk through the steps -----------------------------------------------------------


def test_before_the_trigger_no_step_applies():
    found = verdicts(book_of(), D(2026, 1, 10))
    assert {v.status for v in found.values()} == {lc.Status.NOT_APPLICABLE}
    assert found["kickoff"].reason == "onboarding not started: no first purchase"


def test_steps_follow_one_another_each_counted_from_the_close_of_the_one_before():
    book = book_of(BOUGHT, touch("T2", D(2026, 1, 8), "onboarding"))
    assert statuses(book, D(2026, 1, 5)) == {
        "kickoff": "upcoming", "check_in": "not_applicable", "review": "not_applicable",
    }  # fmt: skip
    assert agenda(book, D(2026, 1, 6)) == ["onboarding.kickoff 2026-01-06"]
    found = verdicts(book, D(2026, 1, 9))
    assert found["kickoff"].status is lc.Status.FULFILLED
    assert found["check_in"].status is lc.Status.UPCOMING
    assert found["check_in"].due == D(2026, 1, 15)  # 7 days after the close on 2026-01-08
    assert agenda(book, D(2026, 1, 15)) == ["onboarding.check_in 2026-01-15"]


def test_the_current_steps_reason_shows_the_playbooks_progress():
    done = decide("d-1", "onboarding.check_in", D(2026, 1, 15), "done", D(2026, 1, 16), by="alice")
    book = book_of(BOUGHT, touch("T2", D(2026, 1, 8), "onboarding"), decisions=(done,))
    review = verdicts(book, D(2026, 2, 20))["review"]
    assert review.status is lc.Status.DUE
    assert review.reason == (
        "onboarding step 3 of 3 (review) since 2026-01-16: due 30 days after the close of "
        "check_in, on 2026-02-15; no health_check since 2026-01-16; "
        "started by first purchase on 2026-01-05 (T1); "
        "kickoff fulfilled by onboarding on 2026-01-08 (T2); "
        "check_in done by alice on 2026-01-16 (d-1)"
    )
    assert review.facts["start"] == D(2026, 1, 16)
    assert review.facts["step"] == 3


def test_after_the_last_step_the_playbook_is_finished():
    book = book_of(
        BOUGHT,
        touch("T2", D(2026, 1, 6), "onboarding"),
        touch("T3", D(2026, 1, 13), "check_in"),
        touch("T4", D(2026, 2, 1), "health_check"),
    )
    assert set(statuses(book, D(2026, 6, 1)).values()) == {"fulfilled"}
    assert lc.next_change(ONBOARDING, ADA, book.timeline("c-1"), D(2026, 6, 1)) is None


# -- expiry ----------------------------------------------------------------------------------


def test_a_step_expires_after_its_window_and_the_next_counts_from_its_last_day():
    book = book_of(BOUGHT)
    assert agenda(book, D(2026, 1, 20)) == ["onboarding.kickoff 2026-01-06"]  # its last day
    found = verdicts(book, D(2026, 1, 21))
    assert found["kickoff"].status is lc.Status.EXPIRED
    assert "kickoff expired after 2026-01-20" in found["kickoff"].reason
    assert found["check_in"].due == D(2026, 1, 27)


def test_a_step_expiring_on_the_day_its_successor_would_start():
    """The successor is due on the predecessor's last day: not before that day has passed."""
    sequence = playbook(
        "s", priority=3, trigger=lc.first("purchase"),
        steps=[
            step("one", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("onboarding"),
                 expires=lc.days(3)),
            step("two", offset=lc.days(0), fulfilled_by=lc.fulfilled_by("check_in")),
        ],
    )  # fmt: skip
    book = book_of(BOUGHT)
    assert agenda(book, D(2026, 1, 9), sequence) == ["s.one 2026-01-06"]
    assert agenda(book, D(2026, 1, 10), sequence) == ["s.two 2026-01-09"]
    # A fulfilment on the last day closes the step before it expires.
    late = book_of(BOUGHT, touch("T2", D(2026, 1, 9), "onboarding", hour=23))
    assert statuses(late, D(2026, 1, 10), sequence)["one"] == "fulfilled"
    # One the day after does not.
    later = book_of(BOUGHT, touch("T2", D(2026, 1, 10), "onboarding", hour=0))
    assert statuses(later, D(2026, 1, 10), sequence)["one"] == "expired"


# -- fulfilment ------------------------------------------------------------------------------


def test_a_fulfilling_touchpoint_before_the_steps_start_does_not_count():
    early = touch("T0", D(2026, 1, 3), "onboarding")
    assert agenda(book_of(early, BOUGHT), D(2026, 1, 6)) == ["onboarding.kickoff 2026-01-06"]
    # A check-in before kickoff closed does not fulfil check_in.
    book = book_of(
        BOUGHT, touch("T2", D(2026, 1, 7), "check_in"), touch("T3", D(2026, 1, 8), "onboarding")
    )
    assert agenda(book, D(2026, 1, 15)) == ["onboarding.check_in 2026-01-15"]
    # One on the day kickoff closed, even earlier that day, does.
    same_day = book_of(
        BOUGHT,
        touch("T2", D(2026, 1, 8), "check_in", hour=8),
        touch("T3", D(2026, 1, 8), "onboarding"),
    )
    assert statuses(same_day, D(2026, 1, 15))["check_in"] == "fulfilled"


def test_a_touchpoint_closes_one_step_and_the_trigger_none():
    calls = playbook(
        "calls", priority=3, trigger=lc.first("check_in"),
        steps=[
            step("one", offset=lc.days(0), fulfilled_by=lc.fulfilled_by("check_in")),
            step("two", offset=lc.days(0), fulfilled_by=lc.fulfilled_by("check_in")),
        ],
    )  # fmt: skip
    first = touch("T1", D(2026, 1, 5), "check_in")
    # Two touchpoints at one instant: each closes one step.
    second = touch("T2", D(2026, 1, 6), "check_in")
    twin = touch("T3", D(2026, 1, 6), "check_in")
    assert statuses(book_of(first), D(2026, 1, 5), calls) == {"one": "due", "two": "not_applicable"}
    assert statuses(book_of(first, second), D(2026, 1, 6), calls) == {
        "one": "fulfilled", "two": "due",
    }  # fmt: skip
    assert statuses(book_of(first, second, twin), D(2026, 1, 6), calls) == {
        "one": "fulfilled", "two": "fulfilled",
    }  # fmt: skip


# -- restart ---------------------------------------------------------------------------------


def test_a_newer_trigger_restarts_the_playbook_from_its_first_step():
    again = attrs.evolve(ONBOARDING, trigger=lc.last("purchase"))
    book = book_of(BOUGHT, touch("T2", D(2026, 1, 6), "onboarding"))
    assert agenda(book, D(2026, 1, 13), again) == ["onboarding.check_in 2026-01-13"]
    restarted = book.with_touchpoints([touch("T3", D(2026, 1, 10), "purchase")])
    found = verdicts(restarted, D(2026, 1, 13), again)
    # The onboarding of 2026-01-06 was before the new start: kickoff is due again.
    assert found["kickoff"].status is lc.Status.DUE
    assert found["kickoff"].due == D(2026, 1, 11)
    assert "started by purchase on 2026-01-10 (T3)" in found["kickoff"].reason
    assert found["check_in"].status is lc.Status.NOT_APPLICABLE


# -- decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["done", "dismissed"])
def test_done_and_dismissed_close_a_step(outcome: str):
    decided = decide("d-1", "onboarding.kickoff", D(2026, 1, 6), outcome, D(2026, 1, 7), by="bo")
    book = book_of(BOUGHT, decisions=(decided,))
    assert agenda(book, D(2026, 1, 6)) == ["onboarding.kickoff 2026-01-06"]  # not recorded yet
    assert agenda(book, D(2026, 1, 7)) == []
    found = verdicts(book, D(2026, 1, 7))
    assert found["kickoff"].status is lc.Status(outcome)
    assert f"kickoff {outcome} by bo on 2026-01-07 (d-1)" in found["kickoff"].reason
    assert found["check_in"].due == D(2026, 1, 14)  # from the decision's date
    assert agenda(book, D(2026, 1, 14)) == ["onboarding.check_in 2026-01-14"]


def test_a_decision_on_another_occurrence_or_recorded_later_changes_nothing():
    other = decide("d-1", "onboarding.kickoff", D(2026, 1, 5), "done", D(2026, 1, 7))
    later = decide("d-2", "onboarding.kickoff", D(2026, 1, 6), "done", D(2026, 1, 30))
    book = book_of(BOUGHT, decisions=(other, later))
    assert statuses(book, D(2026, 1, 20))["kickoff"] == "due"
    assert lc.next_change(ONBOARDING, ADA, book.timeline("c-1"), D(2026, 1, 8)) == D(2026, 1, 21)
    assert lc.next_change(ONBOARDING, ADA, book.timeline("c-1"), D(2026, 1, 20)) == D(2026, 1, 21)


def test_a_decision_recorded_before_the_step_started_closes_it_as_it_starts():
    ahead = decide("d-1", "onboarding.check_in", D(2026, 1, 15), "dismissed", D(2026, 1, 2))
    book = book_of(BOUGHT, touch("T2", D(2026, 1, 8), "onboarding"), decisions=(ahead,))
    found = verdicts(book, D(2026, 1, 9))
    assert found["check_in"].status is lc.Status.DISMISSED
    assert found["review"].due == D(2026, 2, 7)  # 30 days after 2026-01-08


def test_the_latest_decision_counts():
    first = decide("d-1", "onboarding.kickoff", D(2026, 1, 6), "done", D(2026, 1, 7))
    snooze = decide(
        "d-2", "onboarding.kickoff", D(2026, 1, 6), "snoozed", D(2026, 1, 8), until=D(2026, 1, 12)
    )
    book = book_of(BOUGHT, decisions=(first, snooze))
    assert statuses(book, D(2026, 1, 7))["kickoff"] == "done"
    assert statuses(book, D(2026, 1, 8))["kickoff"] == "snoozed"
    assert agenda(book, D(2026, 1, 12)) == ["onboarding.kickoff 2026-01-06"]


def test_a_snooze_only_hides_the_step():
    snooze = decide(
        "d-1", "onboarding.kickoff", D(2026, 1, 6), "snoozed", D(2026, 1, 7), until=D(2026, 1, 10)
    )
    book = book_of(BOUGHT, decisions=(snooze,))
    assert agenda(book, D(2026, 1, 9)) == []
    assert statuses(book, D(2026, 1, 9)) == {
        "kickoff": "snoozed", "check_in": "not_applicable", "review": "not_applicable",
    }  # fmt: skip
    assert agenda(book, D(2026, 1, 10)) == ["onboarding.kickoff 2026-01-06"]
    # It still expires on time: a snooze does not stretch the window.
    assert statuses(book, D(2026, 1, 21))["kickoff"] == "expired"


# -- the cap and the calendar ----------------------------------------------------------------


def test_the_cap_counts_the_current_step_as_one_action():
    urgent = lc.policy("urgent", priority=1, anchor=lc.first("purchase"))
    book = book_of(BOUGHT)
    assert agenda(book, D(2026, 1, 6), urgent, ONBOARDING, cap=2) == [
        "urgent 2026-01-05", "onboarding.kickoff 2026-01-06",
    ]  # fmt: skip
    capped = lc.Engine([urgent, ONBOARDING], cap=1).agenda(book, D(2026, 1, 6))
    assert [a.policy for a in capped] == ["urgent"]
    assert [h.action.policy for h in capped.held_back] == ["onboarding.kickoff"]


def test_a_due_date_on_a_day_off_moves_and_expiry_counts_from_the_moved_date():
    office = lc.Calendar(holidays=[D(2026, 12, 25)])  # a Friday, before a weekend
    short = playbook(
        "p", priority=4, trigger=lc.first("purchase"),
        steps=[
            step("call", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("check_in"),
                 expires=lc.days(2)),
            step("next", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("check_in")),
        ],
    )  # fmt: skip
    book = book_of(touch("T1", D(2026, 12, 24), "purchase"))
    assert agenda(book, D(2026, 12, 27), short, calendar=office) == []
    call = verdicts(book, D(2026, 12, 28), short, calendar=office)["call"]
    assert (call.status, call.due) == (lc.Status.DUE, D(2026, 12, 28))
    assert "on 2026-12-28 (moved from 2026-12-25, not a working day)" in call.reason
    assert call.facts["moved_from"] == D(2026, 12, 25)
    assert agenda(book, D(2026, 12, 30), short, calendar=office) == ["p.call 2026-12-28"]
    found = verdicts(book, D(2026, 12, 31), short, calendar=office)
    assert found["call"].status is lc.Status.EXPIRED
    assert found["next"].due == D(2026, 12, 31)  # the day after the window's last day
    # Without a calendar: due on the holiday, expired after 2026-12-27.
    assert statuses(book, D(2026, 12, 28), short)["call"] == "expired"


# -- the protocol ----------------------------------------------------------------------------


def test_next_change_and_reads():
    book = book_of(BOUGHT)
    timeline = book.timeline("c-1")
    assert lc.next_change(ONBOARDING, ADA, timeline, D(2026, 1, 5)) == D(2026, 1, 6)
    assert lc.next_change(ONBOARDING, ADA, timeline, D(2026, 1, 6)) == D(2026, 1, 21)
    assert lc.next_change(ONBOARDING, ADA, book_of().timeline("c-1"), D(2026, 1, 6)) is None
    reads = ONBOARDING.reads(closing=False)
    assert reads == ONBOARDING.reads(closing=True)
    assert {k.name for k in reads.kinds or ()} == {
        "purchase", "onboarding", "check_in", "health_check",
    }  # fmt: skip
    outbound = playbook(
        "o", priority=1, trigger=lc.policies.customer_since(),
        steps=[step("a", offset=lc.days(1), fulfilled_by=lc.fulfilled_by(direction="outbound"))],
    )  # fmt: skip
    assert outbound.reads(closing=False) == lc.policies.Reads(
        frozenset(), frozenset({lc.Direction.OUTBOUND})
    )
    anything = attrs.evolve(
        outbound, steps=(step("a", offset=lc.days(1), fulfilled_by=lc.fulfilled_by()),)
    )
    assert anything.reads(closing=False) is lc.policies.EVERYTHING
    assert evaluator(ONBOARDING) is ONBOARDING


def test_a_trigger_of_ones_own_is_asked_every_day():
    class Monday:
        description = "the last monday"

        def resolve(self, context: lc.Context) -> lc.policies.Anchored:
            day = context.as_of - dt.timedelta(days=context.as_of.weekday())
            return lc.policies.Anchored(day, "monday")

    weekly = playbook(
        "w", priority=2, trigger=Monday(),
        steps=[step("a", offset=lc.days(2), fulfilled_by=lc.fulfilled_by("check_in"))],
    )  # fmt: skip
    assert lc.next_change(weekly, ADA, lc.Timeline(), D(2026, 1, 7)) == D(2026, 1, 8)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: playbook("a.b", priority=1, trigger=lc.first("purchase"), steps=[KICK]), "dot"),
        (lambda: playbook("a", priority=1, trigger=lc.first("purchase"), steps=[]), "one step"),
        (lambda: playbook("a", priority=1, trigger=lc.first("purchase"), steps=[KICK, KICK]),
         "earlier step"),
        (lambda: playbook("a", priority=1, trigger=lc.first("purchase"), steps=["x"]), "step()"),
        (lambda: playbook("a", priority=1, trigger="purchase", steps=[KICK]), "anchor"),
        (lambda: playbook("a", priority="1", trigger=lc.first("purchase"), steps=[KICK]),
         "whole number"),
        (lambda: playbook("a" * 300, priority=1, trigger=lc.first("purchase"), steps=[KICK]),
         "characters"),
        (lambda: step("a.b", offset=lc.days(1), fulfilled_by=lc.fulfilled_by()), "dot"),
        (lambda: step("", offset=lc.days(1), fulfilled_by=lc.fulfilled_by()), "empty"),
        (lambda: step("a", offset=lc.days(-1), fulfilled_by=lc.fulfilled_by()), "negative"),
        (lambda: step("a", offset=7, fulfilled_by=lc.fulfilled_by()), "offset such as"),
        (lambda: step("a", offset=lc.days(1), fulfilled_by="check_in"), "fulfilled_by()"),
        (lambda: step("a", offset=lc.days(1), fulfilled_by=lc.fulfilled_by(),
                      expires=lc.policies.months(-1)), "negative"),
        (lambda: step("a", offset=lc.days(1),
                      fulfilled_by=lc.fulfilled_by(since=lc.policies.from_due())), "since"),
    ],
)  # fmt: skip
def test_bad_playbooks_and_steps_are_refused(build, message: str):
    with pytest.raises(lc.InvalidValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


KICK = step("kickoff", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("onboarding"))


# -- properties ------------------------------------------------------------------------------


def _world(data: st.DataObject, *, decided: bool = True) -> tuple[Playbook, lc.Book, dt.date]:
    chosen = data.draw(lct.playbooks(), label="playbook")
    as_of = data.draw(lct.local_dates(min_value=LOW, max_value=HIGH), label="as_of")
    book = data.draw(
        lct.books(situations=True, as_of=as_of, max_customers=3, max_touchpoints=15), label="book"
    )
    if decided:
        engine = lc.Engine([chosen], cap=None)
        made = data.draw(lct.decisions(book, as_of=as_of, engine=engine), label="decisions")
        book = book.with_decisions(made)
    return chosen, book, as_of


@settings(max_examples=60)
@given(st.data())
def test_at_most_one_step_of_a_playbook_is_on_any_agenda(data: st.DataObject):
    chosen, book, as_of = _world(data)
    made = lc.Engine([chosen, *lc.starter_pack()], cap=None).agenda(book, as_of)
    mine = Counter(a.customer_id for a in made if a.policy in chosen.names)
    assert all(n == 1 for n in mine.values())
    for customer in book:
        found = lc.Engine([chosen]).explain(book, customer.id, as_of).verdicts
        open_steps = [v for v in found if v.status in (lc.Status.DUE, lc.Status.UPCOMING)]
        assert len(open_steps) <= 1


@settings(max_examples=60)
@given(st.data())
def test_steps_come_in_order_as_days_pass(data: st.DataObject):
    """With a trigger that does not move, the current step never goes back."""
    chosen, book, as_of = _world(data, decided=False)
    chosen = attrs.evolve(chosen, trigger=lc.first("purchase"))
    engine = lc.Engine([chosen], cap=None, skip_churned=False)
    days = sorted(data.draw(st.lists(st.integers(0, 120), min_size=2, max_size=6)))
    for customer in book:
        reached = []
        for shift in days:
            found = engine.explain(book, customer.id, as_of + dt.timedelta(days=shift)).verdicts
            current = [i for i, v in enumerate(found) if v.status.value in ("due", "upcoming")]
            opened = [i for i, v in enumerate(found) if v.status is not lc.Status.NOT_APPLICABLE]
            # The steps closed come first, then the current one, then those waiting.
            assert opened == list(range(len(opened)))
            assert len(current) <= 1
            reached.append(current[0] if current else len(opened))
        assert reached == sorted(reached)


@settings(max_examples=80)
@given(st.data())
def test_incremental_equals_full_with_playbooks_and_decisions(data: st.DataObject):
    chosen, book, as_of = _world(data)
    others = data.draw(st.lists(lct.policies(), max_size=2, unique_by=lambda p: p.name))
    names = set(chosen.names)
    policies: list[lc.Policy] = [chosen]
    for other in others:
        theirs = set(evaluator(other).names or ())
        if not theirs & names:
            policies.append(other)
            names |= theirs
    engine = lc.Engine(policies, cap=data.draw(st.none() | st.integers(1, 2)))
    held = data.draw(st.lists(st.sampled_from(list(book.touchpoints()) or [None]), max_size=3))
    later = [tp for tp in dict.fromkeys(held) if tp is not None]
    kept = [tp for tp in book.touchpoints() if tp not in later]
    start = lc.Book(book.customers, kept).with_decisions(book.decisions())
    live = lc.IncrementalAgenda(engine, start, as_of)
    assert live.agenda(as_of) == engine.agenda(start, as_of)
    day = as_of
    for shift in data.draw(st.lists(st.integers(0, 40), min_size=1, max_size=4)):
        day += dt.timedelta(days=shift)
        if later:
            live.add([later.pop()])
        current = live.book
        assert live.agenda(day) == engine.agenda(current, day)


@settings(max_examples=15)
@given(st.data())
def test_a_streamed_book_gives_the_playbooks_agenda_of_the_book_in_memory(data: st.DataObject):
    chosen, book, as_of = _world(data)
    engine = lc.Engine([chosen, *lc.starter_pack()])
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder)
        assert engine.agenda(lc.stream_book(folder), as_of) == engine.agenda(book, as_of)


@settings(max_examples=60)
@given(lct.playbooks(), st.data())
def test_generated_playbooks_keep_the_contract(chosen: Playbook, data: st.DataObject):
    as_of = data.draw(lct.local_dates(min_value=D(2024, 1, 1)), label="as_of")
    book = data.draw(
        lct.books(max_customers=2, max_touchpoints=8, situations=True, as_of=as_of), label="book"
    )
    lct.check_laws(chosen, book, as_of)


# -- policy files ----------------------------------------------------------------------------

ONBOARDING_TOML = """\
[[playbook]]
name = "onboarding"
priority = 4
trigger = { first = "purchase" }
steps = [
  { name = "kickoff",  offset = "1 day",   fulfilled_by = { kinds = ["onboarding"] }, expires = "14 days" },
  { name = "check_in", offset = "7 days",  fulfilled_by = { kinds = ["check_in"] },   expires = "14 days" },
  { name = "review",   offset = "30 days", fulfilled_by = { kinds = ["health_check"] } },
]
"""


def test_the_playbook_form_of_decisions_md_is_the_python_playbook():
    (from_file,) = parse_policies(ONBOARDING_TOML)
    assert from_file == ONBOARDING
    with_rules = parse_policies(
        ONBOARDING_TOML + '[[policy]]\nname = "welcome"\npriority = 2\nanchor = "since"\n'
    )
    assert [getattr(p, "name", None) for p in with_rules] == ["welcome", "onboarding"]
    described = parse_policies(
        ONBOARDING_TOML.replace("priority = 4", 'priority = 4\ndescription = "x"')
    )
    assert next(iter(described)).description == "x"  # type: ignore[attr-defined]


def test_steps_may_be_tables_of_their_own():
    text = (
        '[[playbook]]\nname = "p"\npriority = 1\ntrigger = "since"\n'
        '[[playbook.steps]]\nname = "a"\noffset = "1 day"\nfulfilled_by = { direction = "outbound" }\n'
        '[[playbook.steps]]\nname = "b"\noffset = "-1 day"\nfulfilled_by = {}\n'
    )
    with pytest.raises(lc.PolicyFileError) as raised:
        parse_policies(text)
    (problem,) = raised.value.problems
    assert (problem.line, problem.key) == (11, "playbook[0].steps[1].offset")


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "message"),
    [
        ('priority = 4', 'priority = "4"', 3, "playbook[0].priority", "whole number"),
        ('name = "onboarding"', 'name = "on.boarding"', 2, "playbook[0].name", "dot"),
        ('name = "onboarding"', 'name = ""', 2, "playbook[0].name", "non-empty"),
        ('name = "onboarding"\n', "", 1, "playbook[0].name", "is required"),
        ('trigger = { first = "purchase" }', 'trigger = { first = "buy" }', 4,
         "playbook[0].trigger.first", "known kind"),
        ('trigger = { first = "purchase" }', 'colour = "red"', 4, "playbook[0].colour",
         "not a playbook key"),
        ('steps = [', 'steps = []\nx = [', 5, "playbook[0].steps", "at least one step"),
        ('"7 days"', '"-7 days"', 7, "playbook[0].steps[1].offset", "negative"),
        ('"7 days"', '"7 dayz"', 7, "playbook[0].steps[1].offset", "duration"),
        ('expires = "14 days" },\n  { name = "check_in"', 'expires = "-1 day" },\n  { name = "check_in"',
         6, "playbook[0].steps[0].expires", "negative"),
        ('{ kinds = ["check_in"] }', '{ kinds = ["chek"] }', 7,
         "playbook[0].steps[1].fulfilled_by.kinds[0]", "known kind"),
        ('{ kinds = ["check_in"] }', '{ kinds = ["check_in"], since = { due = "0 days" } }', 7,
         "playbook[0].steps[1].fulfilled_by.since", "leave since out"),
        ('name = "review"', 'name = "kickoff"', 8, "playbook[0].steps[2].name", "earlier step"),
        ('name = "review"', 'name = "re.view"', 8, "playbook[0].steps[2].name", "dot"),
        ('offset = "30 days", ', "", 8, "playbook[0].steps[2].offset", "is required"),
        ('expires = "14 days" },\n  { name = "check_in"',
         'expires = "14 days", colour = 1 },\n  { name = "check_in"', 6,
         "playbook[0].steps[0].colour", "not a key here"),
        ('{ name = "review",   offset = "30 days", fulfilled_by = { kinds = ["health_check"] } }',
         '"review"', 5, "playbook[0].steps[2]", "a step"),
        ('name = "onboarding"', 'name = "' + "o" * 250 + '"', 5, "playbook[0].steps", "characters"),
    ],
)  # fmt: skip
def test_a_bad_playbook_field_is_named_with_its_line(
    old: str, new: str, line: int, key: str, message: str
):
    assert old in ONBOARDING_TOML
    with pytest.raises(lc.PolicyFileError) as raised:
        parse_policies(ONBOARDING_TOML.replace(old, new, 1))
    (problem,) = [p for p in raised.value.problems if p.key == key]
    assert problem.line == line
    assert message in problem.problem


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        (ONBOARDING_TOML + ONBOARDING_TOML, 11, "playbook[1].name", "earlier playbook"),
        ("playbook = 3\n", 1, "playbook", "[[playbook]] tables"),
        ("playbook = [3]\n", 1, "playbook[0]", "[[playbook]] table"),
        ("[[playbook]]\n", 1, "playbook[0].name", "is required"),
    ],
)
def test_bad_playbook_tables_are_named(text: str, line: int, key: str, message: str):
    with pytest.raises(lc.PolicyFileError) as raised:
        parse_policies(text)
    found = [p for p in raised.value.problems if p.key == key]
    assert found and found[0].line == line and message in found[0].problem


EXAMPLES = sorted((Path(__file__).parent.parent / "docs" / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_playbook_runs_on_the_sample_book(path: Path):
    loaded = lc.load_policies(path)
    engine = lc.Engine(loaded, cap=None)
    names = {n for p in loaded for n in evaluator(p).names or ()}
    book = lc.sample_book()
    start = lc.SAMPLE_AS_OF - dt.timedelta(days=200)
    # Over the sample's last months, some step comes due, and never two of one playbook.
    seen = set()
    for back in range(0, 201, 5):
        day = start + dt.timedelta(days=back)
        made = engine.agenda(book, day)
        assert all(a.policy in names for a in made)
        assert max(Counter(a.customer_id for a in made).values(), default=0) <= len(loaded)
        seen |= {a.policy for a in made}
    assert len(seen) >= 2


def test_the_examples_are_both_there():
    assert [p.name for p in EXAMPLES] == ["b2b-onboarding.toml", "retail-post-purchase.toml"]


def test_the_contract_kit_catches_a_playbook_naming_other_steps():
    class Misnamed(Playbook):
        @property
        def names(self) -> tuple[str, ...]:
            return ("elsewhere",)

    odd = Misnamed("odd", 1, lc.policies.customer_since(), (KICK,))
    with pytest.raises(lct.PolicyContractError, match="not a step of 'odd'"):
        lct.check_laws(odd, book_of(), D(2026, 1, 1), laws=["well_formed"])


def test_the_contract_kit_fulfils_a_playbooks_due_step():
    """The fulfilment law finds the step's fulfilment, among other policies too."""
    book = book_of(BOUGHT)
    lct.check_laws(lc.policy_set(lc.starter_pack(), ONBOARDING), book, D(2026, 1, 6))
    never = lc.policy("never", priority=1, anchor=lc.first("purchase"))
    lct.check_laws(lc.policy_set(never, ONBOARDING), book, D(2026, 1, 6), laws=["fulfilment"])


def test_steps_count_working_days_and_only_the_named_channels_fulfil():
    """A step "2 working days" after a Thursday trigger is due on Monday; an email
    does not close a step that only a call fulfils, and the call after it does."""
    called = playbook(
        "call",
        priority=3,
        trigger=lc.first("purchase"),
        steps=[step("first", offset=lc.working_days(2),
                    fulfilled_by=lc.fulfilled_by("check_in", channels=["phone"]))],
    )  # fmt: skip
    thursday = D(2026, 1, 8)
    bought = touch("T1", thursday, "purchase")
    office = lc.Calendar()
    assert verdicts(book_of(bought), D(2026, 1, 12), called, calendar=office)["first"].due == D(
        2026, 1, 12
    )
    mailed = attrs.evolve(touch("T2", D(2026, 1, 12), "check_in"), channel="email")
    rang = touch("T3", D(2026, 1, 13), "check_in")
    found = verdicts(book_of(bought, mailed), D(2026, 1, 12), called, calendar=office)
    assert found["first"].status is lc.Status.DUE
    found = verdicts(book_of(bought, mailed, rang), D(2026, 1, 13), called, calendar=office)
    assert found["first"].status is lc.Status.FULFILLED


def test_a_negative_working_days_offset_is_refused():
    with pytest.raises(lc.InvalidValueError, match="must not be negative"):
        step("back", offset=lc.working_days(-1), fulfilled_by=lc.fulfilled_by("check_in"))
