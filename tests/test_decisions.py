"""Decisions: the model, which decision counts, and what it does to the agenda."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import lifecycle as lc
from lifecycle.decisions import Decision, Outcome, in_force, next_decision_change, sorted_decisions

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
        assert next_decision_change(log, dt.date(2026, 3, 1), UTC) == DUE
        assert next_decision_change(log, DUE, UTC) == dt.date(2026, 3, 9)
        assert next_decision_change(log, dt.date(2026, 3, 9), UTC) == dt.date(2026, 3, 12)
        assert next_decision_change(log, dt.date(2026, 3, 12), UTC) is None
