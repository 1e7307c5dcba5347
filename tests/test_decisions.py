"""Decisions: the model, which decision counts, and what it does to the agenda."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest

import lifecycle as lc
from lifecycle.decisions import Decision, Outcome, changes_after, in_force, sorted_decisions

UTC = ZoneInfo("UTC")
DUE = dt.date(2026, 3, 8)


def made(
    id: str = "d1",
    *,
    outcome: str = "done",
    day: int = 9,
    hour: int = 12,
    policy: str = "welcome",
    due: dt.date = DUE,
    until: dt.date | None = None,
) -> Decision:
    return Decision(
        id=id,
        customer_id="c",
        policy=policy,
        due=due,
        outcome=outcome,
        at=dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC),
        until=until,
    )


class TestModel:
    def test_at_is_stored_in_utc(self):
        """An instant written in another zone is the same decision."""
        zone = ZoneInfo("America/New_York")
        here = made()
        there = Decision(
            id="d1",
            customer_id="c",
            policy="welcome",
            due=DUE,
            outcome=Outcome.DONE,
            at=here.at.astimezone(zone),
        )
        assert there == here and there.at.tzinfo is dt.UTC

    @pytest.mark.parametrize(
        ("fields", "field", "problem"),
        [
            ({"outcome": "finished"}, "decision", "finished"),
            ({"outcome": "snoozed"}, "until", "needs the date it ends"),
            ({"until": dt.date(2026, 3, 20)}, "until", "only a snoozed decision"),
            ({"at": dt.datetime(2026, 3, 9)}, "at", "time zone"),  # noqa: DTZ001
            ({"due": "2026-03-08"}, "due", "2026-03-08"),
            ({"by": ""}, "by", "must not be empty"),
            ({"by": 7}, "by", "7"),
            ({"note": None}, "note", "None"),
            ({"id": ""}, "id", "empty"),
            ({"policy": ""}, "policy", "empty"),
            ({"outcome": "snoozed", "until": dt.date(3000, 1, 1)}, "until", "3000"),
        ],
    )
    def test_bad_fields_are_refused_naming_field_and_value(self, fields, field, problem):
        values = {
            "id": "d1",
            "customer_id": "c",
            "policy": "welcome",
            "due": DUE,
            "outcome": "done",
            "at": dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
        }
        values.update(fields)
        with pytest.raises(lc.LifecycleError) as caught:
            Decision(**values)
        assert field in str(caught.value) and problem in str(caught.value)

    def test_describe_names_outcome_until_by_date_id_and_note(self):
        snooze = Decision(
            id="d2",
            customer_id="c",
            policy="welcome",
            due=DUE,
            outcome="snoozed",
            at=dt.datetime(2026, 3, 9, 23, tzinfo=dt.UTC),
            until=dt.date(2026, 3, 16),
            by="alice",
            note="on holiday",
        )
        tokyo = ZoneInfo("Asia/Tokyo")
        assert snooze.describe(tokyo) == (
            "snoozed until 2026-03-16 by alice on 2026-03-10 (d2): on holiday"
        )
        assert made().describe(UTC) == "done on 2026-03-09 (d1)"

    def test_closes(self):
        """Done and dismissed always close; a snooze closes before its until date only."""
        assert made().closes(dt.date(2099, 1, 1))
        assert made(outcome="dismissed").closes(dt.date(2099, 1, 1))
        snooze = made(outcome="snoozed", until=dt.date(2026, 3, 16))
        assert snooze.closes(dt.date(2026, 3, 15)) and not snooze.closes(dt.date(2026, 3, 16))


class TestInForce:
    def test_counts_from_its_local_date_on(self):
        """Recorded late on 9 March UTC: 10 March in Tokyo, so it counts from the 10th there."""
        late = made(hour=23)
        tokyo = ZoneInfo("Asia/Tokyo")
        assert in_force((late,), "welcome", DUE, dt.date(2026, 3, 9), UTC) is late
        assert in_force((late,), "welcome", DUE, dt.date(2026, 3, 9), tokyo) is None
        assert in_force((late,), "welcome", DUE, dt.date(2026, 3, 10), tokyo) is late

    def test_applies_to_its_occurrence_only(self):
        """Another due date or another policy is another action."""
        log = (made(),)
        assert in_force(log, "welcome", DUE + dt.timedelta(days=1), DUE, UTC) is None
        assert in_force(log, "renewal", DUE, dt.date(2026, 3, 9), UTC) is None

    def test_latest_at_wins_then_largest_id(self):
        """Equal instants: the largest id in code-point order ("d9" after "d10")."""
        log = sorted_decisions([made("d9"), made("d10", outcome="dismissed"), made("a", day=8)])
        assert in_force(log, "welcome", DUE, dt.date(2026, 3, 9), UTC).id == "d9"

    def test_next_change_is_the_next_recorded_date_or_snooze_end(self):
        log = sorted_decisions([made("d1", day=12), made("d2", outcome="snoozed", until=DUE)])
        welcome = {"welcome"}
        assert changes_after(log, dt.date(2026, 3, 1), UTC, welcome) == DUE
        assert changes_after(log, DUE, UTC, welcome) == dt.date(2026, 3, 9)
        assert changes_after(log, dt.date(2026, 3, 9), UTC, welcome) == dt.date(2026, 3, 12)
        assert changes_after(log, dt.date(2026, 3, 12), UTC, welcome) is None
        assert changes_after(log, dt.date(2026, 3, 1), UTC, {"renewal"}) is None
        assert changes_after(log, dt.date(2026, 3, 1), UTC, welcome, DUE + DAY) is None


# -- through the engine ---------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import lifecycle.testing as lct  # noqa: E402

AS_OF = dt.date(2026, 3, 1)
DAY = dt.timedelta(days=1)
ENGINE = lc.Engine(lc.starter_pack())


def customer(cid: str = "c", owner: str | None = None) -> lc.Customer:
    return lc.Customer(id=cid, name=cid, since=dt.date(2025, 1, 1), owner=owner)


def complaint(cid: str = "c", day: dt.date = AS_OF - 10 * DAY) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=f"k-{cid}",
        customer_id=cid,
        at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        kind="complaint",
        channel="phone",
        direction="inbound",
    )


def decided(outcome: str, *, on: dt.date = AS_OF - DAY, **fields: object) -> Decision:
    values: dict[str, object] = {
        "id": "d1",
        "customer_id": "c",
        "policy": "complaint_follow_up",
        "due": AS_OF - 8 * DAY,
        "outcome": outcome,
        "at": dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC),
    }
    values.update(fields)
    return Decision(**values)  # type: ignore[arg-type]


def shown(book: lc.Book, as_of: dt.date = AS_OF, engine: lc.Engine = ENGINE) -> list[str]:
    agenda = engine.agenda(book, as_of)
    return [a.policy for a in agenda] + [h.action.policy for h in agenda.held_back]


class TestAgenda:
    def test_done_and_dismissed_close_the_occurrence(self):
        book = lc.Book([customer()], [complaint()])
        assert shown(book) == ["complaint_follow_up"]
        for outcome in ("done", "dismissed"):
            assert shown(book.with_decisions([decided(outcome)])) == []

    def test_a_decision_counts_from_its_local_date_on(self):
        """Recorded after the as-of date: as of then, it did not exist yet."""
        book = lc.Book([customer()], [complaint()]).with_decisions([decided("done", on=AS_OF)])
        assert shown(book, AS_OF - DAY) == ["complaint_follow_up"]
        assert shown(book, AS_OF) == []

    def test_a_new_occurrence_is_a_new_action(self):
        """Decided on an earlier due date: the action due now is another one."""
        book = lc.Book([customer()], [complaint()])
        stale = decided("done", due=AS_OF - 9 * DAY)
        assert shown(book.with_decisions([stale])) == ["complaint_follow_up"]

    def test_snoozed_until_u_shows_again_on_u_with_its_overdue_days(self):
        until = AS_OF + 3 * DAY
        book = lc.Book([customer()], [complaint()]).with_decisions(
            [decided("snoozed", until=until, by="bob", note="travelling")]
        )
        assert shown(book, until - DAY) == []
        back = ENGINE.agenda(book, until)[0]
        assert back.overdue_days == (until - (AS_OF - 8 * DAY)).days
        assert "back from snoozed until 2026-03-04 by bob" in back.reason
        assert back.facts["snoozed_until"] == until

    def test_the_latest_decision_counts_and_ties_go_to_the_largest_id(self):
        book = lc.Book([customer()], [complaint()])
        later = decided("snoozed", id="d2", on=AS_OF, until=AS_OF + 5 * DAY)
        assert shown(book.with_decisions([decided("done"), later]), AS_OF) == []
        assert shown(book.with_decisions([decided("done"), later]), AS_OF + 5 * DAY) == [
            "complaint_follow_up"
        ]
        tie = [decided("done", id="d9"), decided("snoozed", id="d10", until=AS_OF)]
        assert shown(book.with_decisions(tie)) == []  # "d9" > "d10": done counts

    def test_a_closed_action_takes_no_place_in_the_cap(self):
        book = lc.Book(
            [customer()],
            [
                complaint(),
                attrs.evolve(complaint(), id="n", kind="nps", score=2, direction="inbound"),
                attrs.evolve(complaint(), id="p", kind="purchase", at=complaint().at - 25 * DAY),
            ],
        )
        assert shown(book) == ["complaint_follow_up", "detractor_recovery", "welcome",
                               "onboarding_review"]  # fmt: skip
        after = ENGINE.agenda(book.with_decisions([decided("done")]), AS_OF)
        assert [a.policy for a in after] == ["detractor_recovery", "welcome"]

    def test_a_snooze_does_not_revive_an_expired_action(self):
        nps = attrs.evolve(complaint(), id="n", kind="nps", score=2)
        book = lc.Book([customer()], [nps])
        due = AS_OF - 7 * DAY
        late = AS_OF + 70 * DAY
        snooze = decided("snoozed", policy="detractor_recovery", due=due, until=late)
        snooze = attrs.evolve(snooze, at=snooze.at - 10 * DAY)
        assert "detractor_recovery" not in shown(book.with_decisions([snooze]), late)
        assert ENGINE.agenda(book, AS_OF)[0].due == due  # the occurrence snoozed

    def test_skipped_customers_stay_skipped(self):
        quiet = attrs.evolve(customer(), do_not_contact=True)
        book = lc.Book([quiet], [complaint()]).with_decisions(
            [decided("snoozed", until=AS_OF - DAY)]
        )
        assert ENGINE.agenda(book, AS_OF).skipped[0].reason == "do_not_contact"


class TestExplainAndForecast:
    def test_explain_shows_the_decision_who_when_and_why(self):
        book = lc.Book([customer()], [complaint()]).with_decisions(
            [decided("dismissed", by="alice", note="already called")]
        )
        explanation = ENGINE.explain(book, "c", AS_OF)
        verdict = explanation.verdicts[0]
        assert verdict.status is lc.Status.DISMISSED
        assert verdict.facts["decision"] == "d1"
        assert "dismissed by alice on 2026-02-28 (d1): already called" in str(explanation)

    def test_forecast_shows_a_snoozed_action_on_its_until_date(self):
        until = AS_OF + 3 * DAY
        book = lc.Book([customer()], [complaint()]).with_decisions(
            [decided("snoozed", until=until)]
        )
        days = ENGINE.forecast(book, AS_OF, AS_OF + 5 * DAY).days
        assert [d for d, actions in days.items() if actions] == [until]


class TestCapacity:
    def book(self) -> lc.Book:
        people = [customer("a", "alice"), customer("b", "alice"), customer("c", "bob"),
                  customer("d")]  # fmt: skip
        return lc.Book(people, [complaint(c.id) for c in people])

    def test_each_owner_gets_at_most_n_in_agenda_order(self):
        agenda = attrs.evolve(ENGINE, capacity=1).agenda(self.book(), AS_OF)
        assert [(a.customer_id, a.owner) for a in agenda] == [
            ("a", "alice"), ("c", "bob"), ("d", None)
        ]  # fmt: skip
        assert [h.reason for h in agenda.held_back] == [
            "capacity of 1 action for owner alice reached"
        ]

    def test_a_mapping_limits_only_the_owners_it_names(self):
        agenda = attrs.evolve(ENGINE, capacity={"bob": 0}).agenda(self.book(), AS_OF)
        assert [a.customer_id for a in agenda] == ["a", "b", "d"]
        assert [h.action.customer_id for h in agenda.held_back] == ["c"]

    def test_explain_names_the_capacity(self):
        engine = attrs.evolve(ENGINE, capacity=1)
        explanation = engine.explain(self.book(), "b", AS_OF)
        assert explanation.actions == ()
        assert "due: held back (capacity)" in str(explanation)
        assert engine.explain(self.book(), "a", AS_OF).actions[0].owner == "alice"

    @pytest.mark.parametrize(
        ("capacity", "problem"),
        [
            (0, "at least 1"),
            ("2", "whole number"),
            ({"": 1}, "non-empty"),
            ({"a": -1}, "at least 0"),
        ],
    )
    def test_a_bad_capacity_is_refused(self, capacity: object, problem: str):
        with pytest.raises(lc.InvalidValueError, match=problem):
            lc.Engine(lc.starter_pack(), capacity=capacity)  # type: ignore[arg-type]

    def test_repr_names_it(self):
        assert repr(attrs.evolve(ENGINE, capacity=3)) == "Engine(9 policies, cap=2, capacity=3)"


@given(
    book=lct.books(max_customers=4, situations=True, as_of=AS_OF, owners=["alice", "bob"]),
    data=st.data(),
)
def test_incremental_equals_full_with_decisions_and_capacity(book: lc.Book, data: st.DataObject):
    """Decisions given up front or later, snoozes waking, capacities: always the full agenda."""
    capacity = data.draw(st.none() | st.integers(1, 2) | st.just({"alice": 1}))
    engine = lc.Engine(lc.starter_pack(), capacity=capacity)
    made = data.draw(lct.decisions(book, as_of=AS_OF))
    half = data.draw(st.integers(0, len(made)))
    start = AS_OF - 20 * DAY
    live = lc.IncrementalAgenda(engine, book.with_decisions(made[:half]), start)
    assert live.agenda(start) == engine.agenda(live.book, start)
    live.decide(made[half:])
    for day in (AS_OF - 5 * DAY, AS_OF, AS_OF + 10 * DAY, AS_OF + 40 * DAY):
        assert live.agenda(day) == engine.agenda(live.book, day)


@given(book=lct.books(max_customers=4, situations=True, as_of=AS_OF), data=st.data())
def test_forecast_agrees_with_each_days_agenda_with_decisions(book: lc.Book, data: st.DataObject):
    """A forecast day lists the agenda's actions due that day or back from a snooze that day."""
    book = book.with_decisions(data.draw(lct.decisions(book, as_of=AS_OF)))
    engine = lc.Engine(lc.starter_pack(), cap=None)
    forecast = engine.forecast(book, AS_OF, AS_OF + 10 * DAY)
    for day, actions in forecast.days.items():
        expected = [
            a
            for a in engine.agenda(book, day)
            if a.due == day or a.facts.get("snoozed_until") == day
        ]
        assert list(actions) == expected


def test_no_capacity_keeps_every_action():
    actions = ENGINE.agenda(lc.sample_book(), AS_OF).actions
    assert lc.agenda.within_capacity(actions, None) == (list(actions), [])
