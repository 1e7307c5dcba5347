"""The engine's agenda equals a second implementation written from the specs alone.

`tests/reference_agenda.py` restates starter-pack.md (revised expiry),
decisions.md ("Decisions", "Owners and capacity") and book-format.md over the
book's CSV rows, without importing `lifecycle`. Here the engine and the
reference work out the agenda of the same generated books, owners, capacities
and decisions, and must agree action for action: the order, the due dates,
overdue days and owners; what is held back and why; who is skipped.

Decisions are drawn so that they hit real occurrences: the reference's own
agenda and held-back list on earlier dates (as a team would decide while
working the agenda day by day), plus stale ones (a due date that is no longer
the policy's), ones recorded after the as-of date, several on one occurrence at
one instant (ties by id), and snoozes ending before, on and after the as-of date.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct


def _load_reference() -> ModuleType:
    # Loaded by path: the tests folder is not a package (pytest's importlib mode).
    path = Path(__file__).with_name("reference_agenda.py")
    spec = importlib.util.spec_from_file_location("reference_agenda", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


ref = _load_reference()

DAY = dt.timedelta(days=1)
Row = dict[str, str]


# -- the book as its CSV rows ----------------------------------------------------------


def rows_of(book: lc.Book) -> tuple[list[Row], list[Row]]:
    """The customers and touchpoints rows exactly as `write_book` puts them in the CSV files."""
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder)
        tables = []
        for name in ("customers.csv", "touchpoints.csv"):
            with (Path(folder) / name).open(encoding="utf-8", newline="") as f:
                tables.append(list(csv.DictReader(f)))
    return tables[0], tables[1]


def decision_of(row: Mapping[str, str]) -> Any:
    """The `lc.Decision` a decisions.csv row stands for."""
    return lc.Decision(
        id=row["decision_id"],
        customer_id=row["customer_id"],
        policy=row["policy"],
        due=dt.date.fromisoformat(row["due"]),
        outcome=row["decision"],
        at=dt.datetime.fromisoformat(row["at"]),
        until=dt.date.fromisoformat(row["until"]) if row["until"] else None,
        by=row["by"] or None,
        note=row["note"],
    )


def engine_result(
    book: lc.Book,
    as_of: dt.date,
    *,
    capacity: int | Mapping[str, int] | None = None,
    decisions: Sequence[Mapping[str, str]] = (),
) -> Any:
    """The engine's agenda in the reference's terms."""
    if decisions:
        book = book.with_decisions([decision_of(r) for r in decisions])
    engine = (
        lc.Engine(lc.starter_pack())
        if capacity is None
        else lc.Engine(lc.starter_pack(), capacity=capacity)
    )
    agenda = engine.agenda(book, as_of)
    return ref.Result(
        actions=[
            (a.customer_id, a.policy, a.due, a.priority, a.overdue_days, a.owner) for a in agenda
        ],
        held_back=sorted(
            (h.action.customer_id, h.action.policy, why_of(h.reason)) for h in agenda.held_back
        ),
        skipped=[(s.customer_id, s.reason) for s in agenda.skipped],
    )


def why_of(reason: str) -> str:
    """``capacity`` when the reason names an owner's capacity, else ``cap``."""
    return "capacity" if "capacity" in reason else "cap"


def reference_result(
    customers: list[Row],
    touchpoints: list[Row],
    as_of: dt.date,
    *,
    capacity: int | Mapping[str, int] | None = None,
    decisions: Sequence[Mapping[str, str]] = (),
) -> Any:
    result = ref.agenda(customers, touchpoints, decisions, as_of, cap=2, capacity=capacity)
    # The spec fixes no order for the held-back list: compare it sorted.
    return ref.Result(result.actions, sorted(result.held_back), result.skipped)


def assert_same(
    book: lc.Book,
    as_of: dt.date,
    *,
    capacity: int | Mapping[str, int] | None = None,
    decisions: Sequence[Mapping[str, str]] = (),
) -> None:
    customers, touchpoints = rows_of(book)
    expected = reference_result(
        customers, touchpoints, as_of, capacity=capacity, decisions=decisions
    )
    actual = engine_result(book, as_of, capacity=capacity, decisions=decisions)
    assert actual.actions == expected.actions
    assert actual.held_back == expected.held_back
    assert actual.skipped == expected.skipped


# -- strategies ------------------------------------------------------------------------

#: Dates the planted situations are relative to; the agenda is then asked for
#: on a date near them.
ANCHORS = (dt.date(2025, 3, 1), dt.date(2026, 2, 28), dt.date(2026, 11, 2))
_PLANTED = {
    d: lct.books(max_customers=3, max_touchpoints=12, situations=True, as_of=d) for d in ANCHORS
}


#: The policies whose turning days `book_and_date` aims at, the expiring ones
#: first (Hypothesis draws the first elements more often).
TURNING = (
    "welcome",
    "detractor_recovery",
    "promoter_referral",
    "onboarding_review",
    "anniversary",
    "complaint_follow_up",
    "renewal",
    "health_check",
    "reconnect",
)
#: Days after an anniversary or before a contract's end where a rule turns.
CALENDAR_TURNS = (-61, -60, -59, -1, 0, 30, 31)


@st.composite
def book_and_date(draw: st.DrawFn) -> tuple[lc.Book, dt.date]:
    """A random book or one of planted situations, and a date: random, or where a rule turns."""
    if draw(st.booleans()):
        book = draw(lct.books(max_customers=4, max_touchpoints=24))
        as_of = draw(lct.local_dates())
    else:
        anchor = draw(st.sampled_from(ANCHORS))
        book = draw(_PLANTED[anchor])
        as_of = anchor + draw(st.integers(-10, 90)) * DAY
    mode = draw(st.sampled_from(("turn", "turn", "turn", "calendar", "as drawn")))
    if len(book) and mode == "turn":
        # Where a rule turns for this book: the day before an occurrence comes
        # due, its due date, the last day of its window and the day after.
        customers, touchpoints = rows_of(book)
        skipped = {cid for cid, _ in ref.agenda(customers, touchpoints, [], as_of).skipped}
        found = [
            o for o in ref.occurrences_on(customers, touchpoints, as_of) if o[0] not in skipped
        ]
        if found:
            wanted = draw(st.sampled_from(TURNING))
            policy = wanted if any(o[1] == wanted for o in found) else found[0][1]
            _, _, due, _ = draw(st.sampled_from([o for o in found if o[1] == policy]))
            window = ref.EXPIRY.get(policy, 0)
            as_of = due + draw(st.sampled_from((-1, 0, window, window + 1))) * DAY
    elif len(book) and mode == "calendar":
        customer = draw(st.sampled_from(book.customers))
        if customer.contract_end is not None and draw(st.booleans()):
            as_of = customer.contract_end + draw(st.sampled_from(CALENDAR_TURNS)) * DAY
        else:
            years = relativedelta(years=draw(st.integers(1, 3)))
            as_of = customer.since + years + draw(st.sampled_from(CALENDAR_TURNS)) * DAY
    return book, as_of


OWNERS = ("alice", "bob", "Çelik")


@st.composite
def owned(draw: st.DrawFn, book: lc.Book) -> lc.Book:
    """*book* with each customer's owner drawn (often shared, sometimes none)."""
    people = [
        attrs.evolve(c, owner=draw(st.sampled_from((*OWNERS[:2], None, OWNERS[2])))) for c in book
    ]
    return book.with_customers(people) if people else book


capacities = st.one_of(
    st.none(),
    st.integers(1, 3),
    st.dictionaries(st.sampled_from((*OWNERS, "nobody")), st.integers(1, 3), max_size=3),
)


# -- (a) no decisions, no owners -------------------------------------------------------


@settings(max_examples=200)
@given(book_and_date())
def test_agenda_without_decisions_or_owners_equals_the_reference(
    case: tuple[lc.Book, dt.date],
):
    """Actions in order, held back, skipped: the same as the spec's restatement."""
    book, as_of = case
    assert_same(book, as_of)


# -- (b) owners and capacity -----------------------------------------------------------


@given(book_and_date(), st.data(), capacities)
def test_agenda_with_owners_and_capacity_equals_the_reference(
    case: tuple[lc.Book, dt.date], data: st.DataObject, capacity: int | dict[str, int] | None
):
    """Owners on actions; each owner's capacity taken in agenda order after the cap."""
    book, as_of = case
    assert_same(data.draw(owned(book)), as_of, capacity=capacity)


# -- (c) decisions ---------------------------------------------------------------------

POLICIES = tuple(ref.PRIORITY)
ZONES = tuple(ZoneInfo(z) for z in lct.EDGE_ZONES)


@attrs.frozen
class Scenario:
    """A book, the dates a team worked its agenda on, the decisions it recorded, a capacity."""

    book: lc.Book
    customers: list[Row]
    touchpoints: list[Row]
    days: list[dt.date]  # ascending; the last is the as-of date of the final check
    decisions: list[Row]
    capacity: int | dict[str, int] | None


def _instant(draw: st.DrawFn, day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """An instant on *day* in *zone* (near midnight now and then), in a drawn zone."""
    moment = draw(st.sampled_from((dt.time(12), dt.time(0), dt.time(23, 59), dt.time(9, 30))))
    at = dt.datetime.combine(day, moment, tzinfo=zone)
    # Written in another zone: the same instant, but its date there may differ.
    return at.astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    book, final = draw(book_and_date())
    book = draw(owned(book))
    customers, touchpoints = rows_of(book)
    zones = {row["customer_id"]: ref.zone_of(row) for row in customers}
    back = draw(st.lists(st.integers(1, 120), min_size=1, max_size=3, unique=True))
    days = [*sorted(final - k * DAY for k in back), final]
    capacity = draw(capacities)
    numbers = iter(draw(st.permutations(range(1, 40))))  # ids "D1" .. "D39": "D10" < "D9"
    decisions: list[Row] = []

    def record(
        cid: str, policy: str, due: dt.date, at: dt.datetime, unlike: str | None = None
    ) -> Row:
        if unlike is None:
            outcome = draw(st.sampled_from(("done", "dismissed", "snoozed")))
        else:  # a tie that matters: a snooze against a closing decision, or the reverse
            outcome = (
                "snoozed" if unlike != "snoozed" else draw(st.sampled_from(("done", "dismissed")))
            )
        until = ""
        if outcome == "snoozed":
            # Before, on or after the final as-of date, or shortly after the decision.
            base = draw(st.sampled_from((final, at.astimezone(zones[cid]).date())))
            until = (base + draw(st.integers(-3, 10)) * DAY).isoformat()
        row = {
            "decision_id": f"D{next(numbers)}",
            "customer_id": cid,
            "policy": policy,
            "due": due.isoformat(),
            "decision": outcome,
            "at": at.isoformat(),
            "until": until,
            "by": draw(st.sampled_from(("", "alice"))),
            "note": "",
        }
        decisions.append(row)
        return row

    for day in days[:-1]:
        # What the team saw on that day (given its decisions so far).
        seen = ref.agenda(customers, touchpoints, decisions, day, capacity=capacity)
        states = ref.occurrences_on(customers, touchpoints, day)
        due_of = {(cid, policy): due for cid, policy, due, _ in states}
        shown = [(a[0], a[1], a[2]) for a in seen.actions] + [
            (cid, policy, due_of[cid, policy]) for cid, policy, _ in seen.held_back
        ]
        anything = [(cid, policy, due) for cid, policy, due, _ in states]
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(
                st.sampled_from(
                    ("shown", "twin", "shown", "any", "stale", "late", "twin", "stranger")
                )
            )
            if kind in ("shown", "late", "stale") and shown:
                cid, policy, due = draw(st.sampled_from(shown))
            elif kind in ("any", "stranger") and anything:
                cid, policy, due = draw(st.sampled_from(anything))
            elif kind == "twin" and decisions:
                # Another decision on an occurrence already decided, at the same instant.
                other = draw(st.sampled_from(decisions))
                twin = dt.datetime.fromisoformat(other["at"]).astimezone(
                    draw(st.sampled_from(ZONES))
                )
                record(
                    other["customer_id"],
                    other["policy"],
                    dt.date.fromisoformat(other["due"]),
                    twin,
                    unlike=other["decision"],
                )
                continue
            else:
                continue
            if kind == "stale":
                due += draw(st.sampled_from((-1, 1, -30, 7))) * DAY
            if kind == "stranger":
                policy = draw(st.sampled_from((*POLICIES, "no_such_policy")))
            when = day
            if kind == "late":
                when = final + draw(st.integers(1, 3)) * DAY
            record(cid, policy, due, _instant(draw, when, zones[cid]))
    return Scenario(book, customers, touchpoints, days, decisions, capacity)


@settings(max_examples=100)
@given(scenarios())
def test_agenda_with_decisions_equals_the_reference(case: Scenario):
    """Decisions on real, stale, late and tied occurrences: the same agenda on every day."""
    for day in case.days:
        assert_same(case.book, day, capacity=case.capacity, decisions=case.decisions)


def row_of(decision: lc.Decision) -> Row:
    """A `lc.Decision` as its decisions.csv row (book-format.md's columns)."""
    return {
        "decision_id": decision.id,
        "customer_id": decision.customer_id,
        "policy": decision.policy,
        "due": decision.due.isoformat(),
        "decision": decision.outcome.value,
        "at": decision.at.isoformat(),
        "until": decision.until.isoformat() if decision.until else "",
        "by": decision.by or "",
        "note": decision.note,
    }


@given(book_and_date(), st.data())
def test_the_kits_decisions_give_the_reference_agenda_too(
    case: tuple[lc.Book, dt.date], data: st.DataObject
):
    """The testing kit's own decisions strategy, on the same check."""
    book, as_of = case
    made = data.draw(lct.decisions(book, as_of=as_of))
    assert_same(book, as_of, decisions=[row_of(d) for d in made])


# -- the tricky rules, one example each ------------------------------------------------

UTC = ZoneInfo("UTC")
D = dt.date(2026, 3, 10)


def person(cid: str, **fields: object) -> lc.Customer:
    values: dict[str, object] = {"id": cid, "name": cid, "since": dt.date(2025, 9, 1)}
    values.update(fields)
    return lc.Customer(**values)  # type: ignore[arg-type]


def touch(tid: str, cid: str, day: dt.date, kind: str, **fields: object) -> lc.Touchpoint:
    values: dict[str, object] = {
        "id": tid,
        "customer_id": cid,
        "at": dt.datetime.combine(day, dt.time(12), tzinfo=UTC),
        "kind": kind,
        "channel": "email",
        "direction": "inbound",
    }
    values.update(fields)
    return lc.Touchpoint(**values)  # type: ignore[arg-type]


def decided(
    did: str,
    cid: str,
    policy: str,
    due: dt.date,
    outcome: str,
    at: dt.datetime,
    until: dt.date | None = None,
) -> Row:
    return {
        "decision_id": did,
        "customer_id": cid,
        "policy": policy,
        "due": due.isoformat(),
        "decision": outcome,
        "at": at.isoformat(),
        "until": until.isoformat() if until else "",
        "by": "",
        "note": "",
    }


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=UTC)


def agreed(
    book: lc.Book,
    as_of: dt.date,
    decisions: Sequence[Row] = (),
    capacity: int | Mapping[str, int] | None = None,
) -> Any:
    """The engine's agenda, after checking that the reference gives the same."""
    assert_same(book, as_of, capacity=capacity, decisions=decisions)
    return engine_result(book, as_of, capacity=capacity, decisions=decisions)


def policies_of(result: Any) -> list[tuple[str, str]]:
    return [(a[0], a[1]) for a in result.actions]


# A customer whose only due action on D is a reconnect, due D - 5.
QUIET = lc.Book([person("c")], [touch("t1", "c", D - 65 * DAY, "inquiry")])
RECONNECT_DUE = D - 5 * DAY


def test_a_decision_counts_from_the_local_date_of_its_instant():
    """Counted only when the local date of `at` in the customer's zone is <= D.

    01:00 on D + 1 in Kiritimati is 11:00 UTC on D: not yet in force on D there,
    in force on D for a UTC customer.
    """
    at = dt.datetime.combine(D, dt.time(11), tzinfo=UTC)
    dismissed = [decided("d1", "c", "reconnect", RECONNECT_DUE, "dismissed", at)]
    midnight = dt.datetime.combine(D - 65 * DAY, dt.time(0), tzinfo=UTC)  # D - 65 there too
    far = lc.Book(
        [person("c", timezone="Pacific/Kiritimati")],
        [touch("t1", "c", D, "inquiry", at=midnight)],
    )
    assert policies_of(agreed(far, D, dismissed)) == [("c", "reconnect")]
    assert policies_of(agreed(far, D + DAY, dismissed)) == []
    assert policies_of(agreed(QUIET, D, dismissed)) == []


def test_a_decision_on_an_old_occurrence_does_not_touch_the_new_one():
    """A decision applies only to the occurrence whose due date equals `due`."""
    done = [decided("d1", "c", "reconnect", RECONNECT_DUE, "done", noon(D - 4 * DAY))]
    assert policies_of(agreed(QUIET, D, done)) == []
    # A touchpoint 70 days before D + 70 moves reconnect's due date: a new action.
    later = QUIET.with_touchpoints([touch("t2", "c", D, "inquiry")])
    result = agreed(later, D + 60 * DAY, done)
    assert result.actions == [("c", "reconnect", D + 60 * DAY, 7, 0, None)]


def test_the_latest_decision_counts_and_ties_go_to_the_largest_id():
    """Latest `at` wins; at one instant, the largest decision_id in code-point order.

    "D9" > "D10" in code-point order: D9's snooze (ended) counts, not D10's dismissal.
    """
    at = noon(D - 3 * DAY)
    same_instant = at.astimezone(ZoneInfo("Asia/Kathmandu"))
    tied = [
        decided("D10", "c", "reconnect", RECONNECT_DUE, "dismissed", at),
        decided("D9", "c", "reconnect", RECONNECT_DUE, "snoozed", same_instant, until=D),
    ]
    assert agreed(QUIET, D, tied).actions == [("c", "reconnect", RECONNECT_DUE, 7, 5, None)]
    # A later instant beats any id; a decision recorded after D does not count yet.
    later = [*tied, decided("D1", "c", "reconnect", RECONNECT_DUE, "done", at + dt.timedelta(1))]
    assert policies_of(agreed(QUIET, D, later)) == []
    too_late = [*tied, decided("D1", "c", "reconnect", RECONNECT_DUE, "done", noon(D + DAY))]
    assert policies_of(agreed(QUIET, D, too_late)) == [("c", "reconnect")]


def test_a_snooze_hides_the_action_until_its_date_then_it_is_overdue_from_its_due_date():
    """Snoozed until U: closed for D < U; due from U on, overdue days from its due date."""
    snoozed = [decided("d", "c", "reconnect", RECONNECT_DUE, "snoozed", noon(D - 5 * DAY), D)]
    assert policies_of(agreed(QUIET, D - DAY, snoozed)) == []
    assert agreed(QUIET, D, snoozed).actions == [("c", "reconnect", RECONNECT_DUE, 7, 5, None)]


def test_a_snooze_does_not_revive_an_expired_or_fulfilled_action():
    """A welcome snoozed past its 30-day window stays expired; one fulfilled stays fulfilled."""
    bought = D - 7 * DAY  # welcome due on D, expires after D + 30
    book = lc.Book([person("c")], [touch("p", "c", bought, "purchase")])
    snoozed = [decided("d", "c", "welcome", D, "snoozed", noon(D), D + 31 * DAY)]
    assert ("c", "welcome") in policies_of(agreed(book, D + 30 * DAY))
    assert ("c", "welcome") not in policies_of(agreed(book, D + 31 * DAY, snoozed))
    onboarded = book.with_touchpoints(
        [touch("o", "c", D + 2 * DAY, "onboarding", direction="outbound")]
    )
    assert ("c", "welcome") not in policies_of(agreed(onboarded, D + 5 * DAY, snoozed[:0]))
    again = [decided("d", "c", "welcome", D, "snoozed", noon(D), D + 3 * DAY)]
    assert ("c", "welcome") not in policies_of(agreed(onboarded, D + 5 * DAY, again))


def test_closed_actions_take_no_place_in_the_cap():
    """Done/dismissed: not on the agenda, not held back, and the next action moves up."""
    bought = D - 35 * DAY  # welcome (D - 28), onboarding_review (D - 5)
    book = lc.Book(
        [person("c")],
        [touch("p", "c", bought, "purchase"), touch("n", "c", D - 5 * DAY, "nps", score=3)],
    )
    before = agreed(book, D)
    assert policies_of(before) == [("c", "detractor_recovery"), ("c", "welcome")]
    assert before.held_back == [("c", "onboarding_review", "cap")]
    dismissed = [decided("d", "c", "welcome", bought + 7 * DAY, "dismissed", noon(D - DAY))]
    after = agreed(book, D, dismissed)
    assert policies_of(after) == [("c", "detractor_recovery"), ("c", "onboarding_review")]
    assert after.held_back == []


def test_capacity_comes_after_the_cap_in_agenda_order_and_closed_actions_free_it():
    """Each owner gets at most N actions in agenda order; unowned and unmapped owners are free."""
    people = [
        person("a", owner="alice"),
        person("b", owner="alice"),
        person("c", owner="bob"),
        person("d"),
    ]
    silence = [touch(f"t{c.id}", c.id, D - 65 * DAY, "inquiry") for c in people]
    book = lc.Book(people, silence)
    result = agreed(book, D, capacity={"alice": 1})
    assert [(a[0], a[5]) for a in result.actions] == [("a", "alice"), ("c", "bob"), ("d", None)]
    assert result.held_back == [("b", "reconnect", "capacity")]
    closed = [decided("d", "a", "reconnect", RECONNECT_DUE, "done", noon(D))]
    freed = agreed(book, D, closed, capacity=1)
    assert [a[0] for a in freed.actions] == ["b", "c", "d"]
    assert freed.held_back == []


def test_the_capacity_reason_names_the_owner_and_the_capacity():
    """Held back with a reason naming the owner and the capacity."""
    people = [person("a", owner="alice"), person("b", owner="alice")]
    book = lc.Book(people, [touch(f"t{c.id}", c.id, D - 65 * DAY, "inquiry") for c in people])
    engine = lc.Engine(lc.starter_pack(), capacity=1)
    (held,) = engine.agenda(book, D).held_back
    assert "alice" in held.reason
    assert "1" in held.reason


def test_skipped_customers_stay_skipped_whatever_was_decided():
    """Do-not-contact and churned customers stay skipped, snoozes and all."""
    book = lc.Book([person("c", do_not_contact=True)], [touch("t1", "c", D - 65 * DAY, "inquiry")])
    woken = [decided("d", "c", "reconnect", RECONNECT_DUE, "snoozed", noon(D - 3 * DAY), D)]
    result = agreed(book, D, woken)
    assert result.actions == []
    assert result.skipped == [("c", "do_not_contact")]
