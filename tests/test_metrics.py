"""Metrics: hand-computed values on a small book, and properties on generated ones."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import metrics

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def at(day: int, hour: int = 9, month: int = 2) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def tp(id: str, cid: str, when: dt.datetime, kind: str, direction: str, score: int | None = None):
    return lc.Touchpoint(
        id=id,
        customer_id=cid,
        at=when,
        channel="email",
        kind=kind,
        direction=direction,
        score=score,
    )


BOOK = lc.Book(
    [
        lc.Customer(
            id="a", name="A", since=dt.date(2025, 1, 10), attributes={"monthly_revenue": "100"}
        ),
        lc.Customer(
            id="b", name="B", since=dt.date(2025, 1, 20), attributes={"monthly_revenue": "300"}
        ),
        lc.Customer(id="c", name="C", since=dt.date(2025, 6, 1)),
        lc.Customer(id="d", name="D", since=dt.date(2026, 2, 1)),  # joins during the period
    ],
    [
        # a: an inquiry answered after 2 hours; a complaint resolved after 24 hours.
        tp("a1", "a", at(2, 9), "inquiry", "inbound"),
        tp("a2", "a", at(2, 11), "check_in", "outbound"),
        tp("a3", "a", at(10, 9), "complaint", "inbound"),
        tp("a4", "a", at(10, 13), "check_in", "outbound"),
        tp("a5", "a", at(11, 9), "resolution", "outbound"),
        tp("a6", "a", at(12), "nps", "inbound", 10),
        tp("a7", "a", at(13), "csat", "inbound", 5),
        # b: an inquiry never answered; two NPS answers, only the latest counts.
        tp("b1", "b", at(3), "inquiry", "inbound"),
        tp("b2", "b", at(4), "nps", "inbound", 9),
        tp("b3", "b", at(20), "nps", "inbound", 3),
        tp("b4", "b", at(21), "csat", "inbound", 2),
        # c: churns in March; an NPS answer before the period does not count.
        tp("c0", "c", dt.datetime(2025, 12, 1, tzinfo=dt.UTC), "nps", "inbound", 0),
        tp("c1", "c", at(1, month=3), "cancellation", "inbound"),
        # d: a purchase, after the start.
        tp("d1", "d", at(1), "purchase", "inbound"),
    ],
)


def test_service_metrics_by_hand():
    """First response 2 h and 4 h, one waiting; one complaint resolved in 24 h; CSAT 50%."""
    first = metrics.first_response_times(BOOK, START, END)
    assert (first.count, first.waiting, first.median_hours, first.p90_hours) == (2, 1, 3.0, 4.0)
    fixed = metrics.resolution_times(BOOK, START, END)
    assert (fixed.count, fixed.waiting, fixed.median_hours) == (1, 0, 24.0)
    sat = metrics.csat(BOOK, START, END)
    assert (sat.responses, sat.satisfied, sat.percent, sat.mean) == (2, 1, 50.0, 3.5)


def test_relationship_metrics_by_hand():
    """NPS counts each customer's latest answer; retention covers the starting cohort."""
    score = metrics.nps(BOOK, START, END)
    assert (score.promoters, score.passives, score.detractors, score.responses) == (1, 0, 1, 2)
    assert score.score == 0.0
    kept = metrics.retention(BOOK, START, END)
    assert (kept.starting, kept.retained, kept.churned) == (3, 2, 1)
    assert kept.retention_rate == pytest.approx(200 / 3) and kept.churn_rate == pytest.approx(
        100 / 3
    )
    steward = metrics.stewardship_ratio(BOOK, START, END)
    assert (steward.outbound, steward.inbound) == (3, 10)
    assert steward.by_customer["a"] == pytest.approx(3 / 7)
    assert steward.by_customer["b"] == 0.0
    cohorts = metrics.cohort_retention(BOOK, END)
    assert [(c.month, c.customers, c.retained) for c in cohorts] == [
        ("2025-01", 2, 2),
        ("2025-06", 1, 0),
        ("2026-02", 1, 1),
    ]


def test_lifetime_value_by_hand():
    """ARPA 200 over a monthly churn of (1/3) / (89/30.4375 months)."""
    clv = metrics.lifetime_value(BOOK, START, END)
    assert clv is not None and clv.customers == 2 and clv.monthly_revenue == 200.0
    months = (END - START).days / 30.4375
    assert clv.monthly_churn == pytest.approx(1 / 3 / months)
    assert clv.value == pytest.approx(200 / (1 / 3 / months))
    assert metrics.lifetime_value(BOOK, START, END, attribute="arr") is None
    half = metrics.lifetime_value(BOOK, START, END, margin=0.5)
    assert half is not None and half.value == pytest.approx(clv.value / 2)  # type: ignore[operator]


def test_bad_arguments_name_themselves():
    """A reversed period, a bad margin, a revenue that is not a number."""
    with pytest.raises(lc.InvalidValueError, match="is before start"):
        metrics.nps(BOOK, END, START)
    with pytest.raises(lc.InvalidValueError, match="margin"):
        metrics.lifetime_value(BOOK, START, END, margin=0)
    odd = BOOK.with_customers(
        [
            lc.Customer(
                id="e", name="E", since=dt.date(2025, 1, 1), attributes={"monthly_revenue": "lots"}
            )
        ]
    )
    with pytest.raises(lc.InvalidValueError, match=r"e\.attributes\['monthly_revenue'\]"):
        metrics.lifetime_value(odd, START, END)


def test_empty_periods_have_no_values():
    """Nothing measured gives None, not a division by zero."""
    empty = lc.Book([])
    assert metrics.nps(empty, START, END).score is None
    assert metrics.csat(empty, START, END).percent is None
    assert metrics.first_response_times(empty, START, END).median_hours is None
    assert metrics.retention(empty, START, END).retention_rate is None
    assert metrics.stewardship_ratio(empty, START, END).ratio is None
    assert metrics.lifetime_value(empty, START, END) is None


@given(
    lct.books(max_customers=4, max_touchpoints=20, situations=True),
    lct.local_dates(),
    st.integers(0, 400),
)
def test_metric_properties(book: lc.Book, start: dt.date, span: int):
    """Ranges and sums hold on any book and period."""
    end = start + dt.timedelta(days=span)
    score = metrics.nps(book, start, end)
    assert score.score is None or -100 <= score.score <= 100
    assert score.responses <= len(book)
    kept = metrics.retention(book, start, end)
    assert kept.retained + kept.churned == kept.starting
    if kept.starting:
        assert kept.retention_rate + kept.churn_rate == pytest.approx(100)  # type: ignore[operator]
    sat = metrics.csat(book, start, end)
    assert sat.percent is None or 0 <= sat.percent <= 100
    steward = metrics.stewardship_ratio(book, start, end)
    assert steward.ratio is None or 0 <= steward.ratio <= 1
    assert all(0 <= r <= 1 for r in steward.by_customer.values())
    for times in (
        metrics.first_response_times(book, start, end),
        metrics.resolution_times(book, start, end),
    ):
        if times.count:
            assert 0 <= times.median_hours <= times.p90_hours  # type: ignore[operator]
    cohorts = metrics.cohort_retention(book, end)
    assert sum(c.customers for c in cohorts) == sum(1 for c in book if c.since <= end)
    assert metrics.report(book, start, end)["to"] == end.isoformat()


@pytest.mark.parametrize(
    ("score", "group"),
    [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"), (9, "promoters"),
     (10, "promoters")],
)  # fmt: skip
def test_nps_groups_each_answer_at_its_boundary(score: int, group: str):
    """6 is a detractor, 7 and 8 are passives, 9 a promoter: each boundary on its own."""
    book = lc.Book(
        [lc.Customer(id="x", name="X", since=dt.date(2025, 1, 1))],
        [tp("x1", "x", at(5), "nps", "inbound", score)],
    )
    found = metrics.nps(book, START, END)
    counts = {
        "detractors": found.detractors,
        "passives": found.passives,
        "promoters": found.promoters,
    }
    assert counts == {g: int(g == group) for g in counts}
    assert found.score == {"detractors": -100, "passives": 0, "promoters": 100}[group]


def test_retention_counts_a_customer_who_starts_on_the_periods_first_day():
    """`since` on the first day of the period: in the starting cohort; the day after: not."""
    book = lc.Book(
        [
            lc.Customer(id="on", name="On", since=START),
            lc.Customer(id="after", name="After", since=START + dt.timedelta(days=1)),
        ],
        [],
    )
    assert metrics.retention(book, START, END) == metrics.Retention(1, 1, 0)


# -- the stewardship record: what the team did with its actions ------------------

AS_OF = dt.date(2026, 3, 31)
DUE = dt.date(2026, 3, 1)


def person(cid: str, owner: str | None = None, zone: str = "UTC") -> lc.Customer:
    return lc.Customer(id=cid, name=cid, since=dt.date(2025, 1, 1), owner=owner, timezone=zone)


def decided(
    did: str,
    cid: str,
    outcome: str,
    when: dt.datetime,
    *,
    policy: str = "welcome",
    due: dt.date = DUE,
    note: str = "",
) -> lc.Decision:
    until = when.date() + dt.timedelta(days=7) if outcome == "snoozed" else None
    return lc.Decision(
        id=did,
        customer_id=cid,
        policy=policy,
        due=due,
        outcome=outcome,
        at=when,
        until=until,
        note=note,
    )


def on(day: int, hour: int = 12, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def record(decisions: list[lc.Decision], **options: object) -> metrics.StewardshipRecord:
    people = [person("a", "alice"), person("b", "bob"), person("c")]
    book = lc.Book(people, decisions=decisions)
    return metrics.stewardship_record(book, as_of=AS_OF, **options)  # type: ignore[arg-type]


def test_a_book_without_decisions_has_an_empty_record():
    """No decisions: nothing counted, no groups, no median, and one line of table."""
    found = record([])
    assert found.total == metrics.DecisionCounts(0, 0, 0, (), None)
    assert found.total.decided == 0
    assert (dict(found.by_policy), dict(found.by_owner)) == ({}, {})
    assert str(found) == "Decisions up to 2026-03-31: 0 actions decided"


def test_each_action_counts_once_by_the_decision_in_force():
    """Snoozed then done counts as done; the later snooze of another action as snoozed."""
    found = record(
        [
            decided("d1", "a", "snoozed", on(2)),
            decided("d2", "a", "done", on(5)),
            decided("d3", "b", "snoozed", on(3), policy="reconnect"),
        ]
    )
    assert (found.total.done, found.total.dismissed, found.total.snoozed) == (1, 0, 1)
    assert found.by_policy["welcome"].done == 1
    assert found.by_policy["reconnect"].snoozed == 1
    assert found.by_owner["alice"].decided == found.by_owner["bob"].decided == 1


def test_equal_instants_go_to_the_largest_id():
    """Two decisions on one action at the same instant: the largest id (code points) counts."""
    found = record([decided("d-b", "a", "dismissed", on(4)), decided("d-a", "a", "done", on(4))])
    assert (found.total.done, found.total.dismissed) == (0, 1)
    swapped = record([decided("d-a", "a", "dismissed", on(4)), decided("d-b", "a", "done", on(4))])
    assert (swapped.total.done, swapped.total.dismissed) == (1, 0)


def test_decisions_after_as_of_do_not_count_by_the_customers_local_date():
    """Recorded on the as-of date (local) counts; the next local day does not, even at UTC noon."""
    book = lc.Book(
        [person("here"), person("east", zone="Pacific/Auckland")],
        decisions=[
            decided("d1", "here", "done", on(31, 23)),
            decided("d2", "east", "done", on(31, 12)),  # 1 April in Auckland
            decided("d3", "here", "dismissed", on(1, 0, month=4), policy="reconnect"),
        ],
    )
    found = metrics.stewardship_record(book, as_of=AS_OF)
    assert (found.total.done, found.total.dismissed) == (1, 0)
    assert metrics.stewardship_record(book, as_of=AS_OF + dt.timedelta(days=1)).total.decided == 3


def test_a_later_decision_after_as_of_leaves_the_earlier_one_in_force():
    """A done recorded after as-of: the earlier dismissal is what counts on as-of."""
    found = record(
        [decided("d1", "a", "dismissed", on(2)), decided("d2", "a", "done", on(1, month=4))]
    )
    assert (found.total.done, found.total.dismissed) == (0, 1)


def test_start_counts_decisions_from_its_day():
    """With start: a decision recorded on start counts, the day before does not."""
    decisions = [
        decided("d1", "a", "done", on(9, 23)),
        decided("d2", "b", "done", on(10, 0), policy="reconnect"),
    ]
    found = record(decisions, start=dt.date(2026, 3, 10))
    assert list(found.by_policy) == ["reconnect"]
    assert found.start == dt.date(2026, 3, 10)
    with pytest.raises(lc.InvalidValueError, match="before"):
        record(decisions, start=AS_OF + dt.timedelta(days=1))
    with pytest.raises(lc.InvalidValueError, match="as_of"):
        metrics.stewardship_record(lc.Book(), as_of="2026-03-31")  # type: ignore[arg-type]


def test_a_customer_without_owner_counts_under_none_last():
    """Unowned actions are grouped under None, after the named owners."""
    found = record(
        [
            decided("d1", "c", "done", on(2)),
            decided("d2", "b", "done", on(2)),
            decided("d3", "a", "dismissed", on(2)),
        ]
    )
    assert list(found.by_owner) == ["alice", "bob", None]
    assert found.by_owner[None].done == 1


def test_the_median_days_from_due_to_done():
    """Local date of the decision minus due; done early is negative; an even count averages."""
    one = record([decided("d1", "a", "done", on(1))])
    assert one.total.median_days_to_done == 0.0
    early = record([decided("d1", "a", "done", on(1), due=dt.date(2026, 3, 4))])
    assert early.total.median_days_to_done == -3.0
    two = record([decided("d1", "a", "done", on(4)), decided("d2", "b", "done", on(8))])
    assert two.total.median_days_to_done == 5.0  # 3 and 7 days
    assert two.by_owner["alice"].median_days_to_done == 3.0
    zone = metrics.stewardship_record(
        lc.Book(
            [person("east", zone="Pacific/Auckland")],
            decisions=[decided("d1", "east", "done", on(1, 12))],  # 2 March in Auckland
        ),
        as_of=AS_OF,
    )
    assert zone.total.median_days_to_done == 1.0
    assert record([decided("d1", "a", "dismissed", on(4))]).total.median_days_to_done is None


def test_the_most_common_dismissal_notes_up_to_three():
    """Most common first, ties by the note's text; blank notes and other outcomes left out."""
    notes = ["moved", "no budget", "moved", "asked", "no budget", "zzz", "", "  "]
    decisions = [
        decided(f"d{i}", "a", "dismissed", on(2), policy=f"p{i}", note=n)
        for i, n in enumerate(notes)
    ]
    decisions.append(decided("x", "a", "done", on(2), policy="px", note="zzz"))
    found = record(decisions)
    assert found.total.notes == (("moved", 2), ("no budget", 2), ("asked", 1))
    assert found.total.dismissed == len(notes)


def test_the_record_as_a_table_and_as_json():
    """str(): a row per policy and per owner, then all; as_json: groups as lists."""
    found = record(
        [
            decided("d1", "a", "done", on(4)),
            decided("d2", "c", "dismissed", on(2), policy="reconnect", note="moved away"),
            decided("d3", "b", "snoozed", on(2), policy="reconnect"),
        ],
        start=dt.date(2026, 3, 1),
    )
    head = "                          done  dismissed  snoozed  median days to done  notes"
    assert str(found).splitlines() == [
        "Decisions from 2026-03-01 up to 2026-03-31: 3 actions decided",
        "",
        "by policy",
        head,
        "  reconnect                  0          1        1                    -  moved away (1)",
        "  welcome                    1          0        0                    3",
        "",
        "by owner",
        head,
        "  alice                      1          0        0                    3",
        "  bob                        0          0        1                    -",
        "  (unowned)                  0          1        0                    -  moved away (1)",
        "",
        "  all                        1          1        1                    3  moved away (1)",
    ]
    data = found.as_json()
    assert data["start"] == "2026-03-01"
    assert data["by_owner"][-1] == {  # type: ignore[index]
        "owner": None,
        "done": 0,
        "dismissed": 1,
        "snoozed": 0,
        "notes": [{"note": "moved away", "count": 1}],
        "median_days_to_done": None,
    }
    assert record([]).as_json()["start"] is None


def test_the_report_holds_the_record_of_its_period():
    """report(): the decisions recorded in the period, as JSON-ready data."""
    book = lc.Book([person("a", "alice")], decisions=[decided("d1", "a", "done", on(4))])
    data = metrics.report(book, dt.date(2026, 3, 5), AS_OF)
    assert data["decisions"]["total"]["done"] == 0  # type: ignore[index]
    data = metrics.report(book, dt.date(2026, 3, 4), AS_OF)
    assert data["decisions"]["by_owner"][0]["owner"] == "alice"  # type: ignore[index]


OWNERS = st.none() | st.sampled_from(["alice", "bob"])


@st.composite
def books_with_decisions(draw: st.DrawFn) -> lc.Book:
    """Generated books whose customers have owners and decisions (stale ones, equal instants)."""
    book = draw(lct.books(max_customers=4, max_touchpoints=5))
    people = [attrs.evolve(c, owner=draw(OWNERS)) for c in book]
    decisions = []
    instants = st.sampled_from([on(1), on(15), on(31, 23), on(1, 1, month=4)])
    for i in range(draw(st.integers(0, 12)) if people else 0):
        who = draw(st.sampled_from(people))
        outcome = draw(st.sampled_from(["done", "dismissed", "snoozed"]))
        decisions.append(
            decided(
                f"d{i:02}",
                who.id,
                outcome,
                draw(instants),
                policy=draw(st.sampled_from(["welcome", "reconnect"])),
                due=draw(st.sampled_from([DUE, DUE + dt.timedelta(days=40)])),
                note=draw(st.sampled_from(["", "moved", "no budget"])),
            )
        )
    return lc.Book(people, book.touchpoints(), decisions)


@given(books_with_decisions(), st.none() | st.just(dt.date(2026, 3, 15)))
def test_the_counts_add_up_to_the_actions_decided(book: lc.Book, start: dt.date | None):
    """done + dismissed + snoozed = actions with a decision counted, in total, per policy, per owner."""
    found = metrics.stewardship_record(book, as_of=AS_OF, start=start)
    counted = set()
    for customer, timeline in book.items():
        for d in timeline.decisions:
            day = d.local_date(timeline.timezone)
            if day <= AS_OF:
                counted.add((customer.id, d.policy, d.due))
    if start is None:
        assert found.total.decided == len(counted)
    else:
        assert found.total.decided <= len(counted)
    assert sum(c.decided for c in found.by_policy.values()) == found.total.decided
    assert sum(c.decided for c in found.by_owner.values()) == found.total.decided
    assert sum(n for _, n in found.total.notes) <= found.total.dismissed
