"""Spark (local mode): the same agenda as the single-machine engine, action for action."""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if not os.environ.get("LIFECYCLE_REQUIRE_SPARK"):  # .ci/run sets it: there they must run
    pytest.importorskip("pyspark", reason="the spark extra is not installed")

import pandas as pd
from pyspark.sql import SparkSession

import lifecycle as lc
import lifecycle.spark as ls
import lifecycle.testing as lct

AS_OF = dt.date(2026, 11, 2)
LOW, HIGH = dt.date(2024, 6, 1), dt.date(2027, 3, 1)
slow = settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # The workers run this interpreter, so they see this environment's lifecycle.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("lifecycle-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _expected(agenda: lc.Agenda) -> tuple[list[tuple[object, ...]], ...]:
    def row(a: lc.Action) -> tuple[object, ...]:
        channel = None if a.channel is None else a.channel.value
        return (
            a.customer_id,
            a.policy,
            a.due,
            a.priority,
            a.overdue_days,
            a.reason,
            channel,
            a.owner,
        )

    return (
        [row(a) for a in agenda],
        [(*row(h.action), h.reason) for h in agenda.held_back],
        [(s.customer_id, s.reason, s.detail) for s in agenda.skipped],
    )


def _found(result: ls.SparkAgenda) -> tuple[list[tuple[object, ...]], ...]:
    return (
        [tuple(r) for r in result.actions.collect()],
        [tuple(r) for r in result.held_back.collect()],
        [tuple(r) for r in result.skipped.collect()],
    )


def _write_decisions(book: lc.Book, folder: Path) -> None:
    # The book writers do not write decisions yet (issue 25, item 2): the file by hand.
    with (folder / "decisions.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(ls.DECISION_COLUMNS)
        for d in book.decisions():
            until = "" if d.until is None else d.until.isoformat()
            row = [d.id, d.customer_id, d.policy, d.due.isoformat(), d.outcome.value]
            out.writerow([*row, d.at.isoformat(), until, d.by or "", d.note])


def _run(spark: SparkSession, book: lc.Book, folder: Path, **options: object) -> ls.SparkAgenda:
    lc.write_book(book, folder)
    if any(True for _ in book.decisions()):
        _write_decisions(book, folder)
    return ls.agenda(*ls.read_frames(spark, folder), as_of=AS_OF, **options)  # type: ignore[arg-type]


# Spark's CSV reader does not take a line break inside a header cell, so
# attribute names here have none (values may; see the Spark guide).
_ONE_LINE_ATTRIBUTES = lct.attributes().filter(lambda a: not any("\n" in k or "\r" in k for k in a))


@slow
@given(
    lct.books(
        situations=True,
        as_of=AS_OF,
        min_date=LOW,
        max_date=HIGH,
        max_customers=6,
        attributes=_ONE_LINE_ATTRIBUTES,
    ),
    st.none() | st.integers(1, 3),
)
def test_spark_gives_the_engines_agenda(
    spark: SparkSession, book: lc.Book, cap: int | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = _run(spark, book, Path(folder), cap=cap)
        assert result.problems.count() == 0
        expected = lc.Engine(lc.starter_pack(), cap=cap).agenda(book, AS_OF)
        assert _found(result) == _expected(expected)


OWNERS = st.sampled_from(["alice", "bob", None])
CAPACITIES = (
    st.none()
    | st.integers(1, 3)
    | st.fixed_dictionaries({"alice": st.integers(0, 2)}, optional={"bob": st.integers(0, 2)})
)


@st.composite
def team_books(draw: st.DrawFn) -> lc.Book:
    """Generated books with owners and decisions on their due actions.

    Decisions on the actions due on AS_OF (uncapped), on stale occurrences
    (another due date), recorded after AS_OF, several on one occurrence at
    equal instants, and snoozes that end before, on and after AS_OF.
    """
    book = draw(
        lct.books(
            situations=True,
            as_of=AS_OF,
            min_date=LOW,
            max_date=HIGH,
            max_customers=6,
            attributes=_ONE_LINE_ATTRIBUTES,
        )
    )
    people = [attrs.evolve(c, owner=draw(OWNERS)) for c in book]
    due = lc.Engine(lc.starter_pack(), cap=None).agenda(book, AS_OF)
    if not due.actions:
        return lc.Book(people, book.touchpoints())
    instants = st.sampled_from(
        [
            dt.datetime.combine(AS_OF + dt.timedelta(days=d), dt.time(h), tzinfo=dt.UTC)
            for d, h in ((-9, 8), (-1, 12), (0, 23), (1, 0))
        ]
    )
    decisions = []
    for i in range(draw(st.integers(0, 8))):
        action = draw(st.sampled_from(due.actions))
        outcome = draw(st.sampled_from(["done", "dismissed", "snoozed"]))
        until = AS_OF + dt.timedelta(days=draw(st.integers(-2, 2)))
        stale = draw(st.booleans()) and draw(st.booleans())
        decisions.append(
            lc.Decision(
                id=f"d{i:02}",
                customer_id=action.customer_id,
                policy=action.policy,
                due=action.due - dt.timedelta(days=1) if stale else action.due,
                outcome=outcome,
                at=draw(instants),
                until=until if outcome == "snoozed" else None,
                by=draw(st.none() | st.just("lead")),
                note=draw(st.sampled_from(["", 'moved, "abroad"', "line\nbreak"])),
            )
        )
    return lc.Book(people, book.touchpoints(), decisions)


@slow
@given(team_books(), st.none() | st.integers(1, 3), CAPACITIES)
def test_spark_gives_the_engines_agenda_with_decisions_owners_and_capacity(
    spark: SparkSession, book: lc.Book, cap: int | None, capacity: object
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = _run(spark, book, Path(folder), cap=cap, capacity=capacity)
        assert result.problems.count() == 0
        engine = lc.Engine(lc.starter_pack(), cap=cap, capacity=capacity)  # type: ignore[arg-type]
        assert _found(result) == _expected(engine.agenda(book, AS_OF))


def _decide(action: lc.Action, did: str, outcome: str, **more: object) -> lc.Decision:
    at = dt.datetime.combine(AS_OF, dt.time(9), tzinfo=dt.UTC)
    return lc.Decision(
        id=did,
        customer_id=action.customer_id,
        policy=action.policy,
        due=action.due,
        outcome=outcome,
        at=at,
        **more,  # type: ignore[arg-type]
    )


def test_decisions_and_an_engines_capacity_on_the_sample_book(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Done and snoozed actions leave, a woken one stays; capacity counts across customers."""
    sample = lc.sample_book()
    engine = lc.Engine(lc.starter_pack(), capacity={"alice": 2})
    first = engine.agenda(sample, AS_OF).actions
    decisions = [
        _decide(first[0], "d-1", "done"),
        _decide(first[1], "d-2", "snoozed", until=AS_OF + dt.timedelta(days=1)),
        _decide(first[2], "d-3", "snoozed", until=AS_OF, note="back, today"),
    ]
    owned = lc.Book(
        [attrs.evolve(c, owner="alice" if i % 2 else None) for i, c in enumerate(sample)],
        sample.touchpoints(),
        decisions,
    )
    result = _run(spark, owned, tmp_path, engine=engine)
    expected = engine.agenda(owned, AS_OF)
    assert _found(result) == _expected(expected)
    shown = {(r.customer_id, r.policy) for r in result.actions.collect()}
    shown |= {(r.customer_id, r.policy) for r in result.held_back.collect()}
    assert (first[0].customer_id, first[0].policy) not in shown
    assert (first[1].customer_id, first[1].policy) not in shown
    assert (first[2].customer_id, first[2].policy) in shown
    assert [r.owner for r in result.actions.collect()].count("alice") == 2
    assert any("capacity of 2 actions for owner alice" in h.reason for h in expected.held_back)


def test_the_sample_book_with_a_policy_file(spark: SparkSession, tmp_path: Path) -> None:
    book = lc.sample_book()
    result = _run(
        spark, book, tmp_path, policy_file=lc.starter_pack_path(), cap=1, skip_churned=False
    )
    result.check()
    expected = lc.Engine(lc.starter_pack(), cap=1, skip_churned=False).agenda(book, AS_OF)
    assert _found(result) == _expected(expected)
    assert tuple(result.actions.columns) == ls.ACTION_COLUMNS


def test_playbooks_and_a_calendar_from_a_policy_file(spark: SparkSession, tmp_path: Path) -> None:
    """A [[playbook]] and a [calendar] table reach the executors with the policy text."""
    examples = Path(__file__).parent.parent / "docs" / "examples"
    text = (examples / "retail-post-purchase.toml").read_text(encoding="utf-8")
    text = '[calendar]\nholidays = ["2026-11-04"]\n\n' + text
    policy_file = tmp_path / "policies.toml"
    policy_file.write_text(text, encoding="utf-8")
    book = lc.sample_book()
    result = _run(spark, book, tmp_path / "book", policy_file=policy_file)
    result.check()
    engine = lc.Engine(lc.load_policies(policy_file))
    assert engine.calendar == lc.Calendar(holidays=[dt.date(2026, 11, 4)])
    expected = engine.agenda(book, AS_OF)
    assert len(expected) > 0
    assert _found(result) == _expected(expected)


@slow
@given(st.lists(lct.policies(), min_size=1, max_size=3, unique_by=lambda p: p.name))
def test_policies_of_ones_own_travel_to_the_executors(
    spark: SparkSession, policies: list[lc.policies.RulePolicy]
) -> None:
    engine = lc.Engine(policies)
    book = lc.sample_book()
    with tempfile.TemporaryDirectory() as folder:
        result = _run(spark, book, Path(folder), engine=engine)
        assert _found(result) == _expected(engine.agenda(book, AS_OF))


CUSTOMERS = "customer_id,name,since\nc-1,Ada,2025-01-06\nc-2,Grace,2025-13-01\nc-3,Lin,2025-01-06\nc-3,Lin,2025-01-07\n"
TOUCH = (
    "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"
    "T1,c-1,2026-10-01T09:00:00+00:00,web,complaint,inbound,,,\n"
    "T2,c-1,2026-10-02T09:00:00,web,check_in,inbound,,,\n"
    "T3,c-9,2026-10-02T09:00:00+00:00,web,check_in,inbound,,,\n"
    "T1,c-3,2026-10-02T09:00:00+00:00,web,check_in,inbound,,,\n"
)


def test_bad_rows_are_problems_never_dropped(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "touchpoints.csv").write_text(TOUCH, encoding="utf-8")
    customers, touchpoints, decisions = ls.read_frames(spark, tmp_path)
    assert decisions is None  # the folder has no decisions.csv
    result = ls.agenda(customers, touchpoints, as_of=AS_OF)
    problems = [tuple(r)[:6] for r in result.problems.collect()]
    assert problems == [
        ("customers", "c-2", None, "since", "2025-13-01", "is not a date on the calendar"),
        ("customers", "c-3", None, "customer_id", "c-3", "is a duplicate customer id"),
        (
            "touchpoints",
            "c-1",
            "T1",
            "touchpoint_id",
            "T1",
            "is a duplicate touchpoint id (2 rows)",
        ),
        ("touchpoints", "c-1", "T2", "at", "2026-10-02T09:00:00", problems[3][5]),
        (
            "touchpoints",
            "c-9",
            "T3",
            "customer_id",
            "c-9",
            "names no customer of the customers DataFrame",
        ),
    ]
    assert result.actions.count() == 0  # c-1 has a bad row: left out, and named above
    with pytest.raises(
        lc.BookFormatError, match=r"customers DataFrame, customer 'c-2', column 'since'"
    ) as caught:
        result.check()
    assert "and 4 more problems" in str(caught.value)
    with pytest.raises(lc.BookFormatError, match="and 1\\+ more"):
        result.check(limit=1)


def test_check_passes_a_clean_book(spark: SparkSession, tmp_path: Path) -> None:
    book = lc.Book([lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6))])
    result = _run(spark, book, tmp_path)
    result.check()
    assert result.skipped.count() == 0


def test_engine_or_policy_file_not_both(spark: SparkSession, tmp_path: Path) -> None:
    customers, touchpoints = spark.createDataFrame([], "customer_id string"), None
    with pytest.raises(lc.InvalidValueError, match="not both"):
        ls.agenda(
            customers,
            touchpoints,  # type: ignore[arg-type]
            as_of=AS_OF,
            engine=lc.Engine(lc.starter_pack()),
            policy_file=lc.starter_pack_path(),
        )
    bad = tmp_path / "bad.toml"
    bad.write_text("[[policy]]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(lc.PolicyFileError):
        ls.agenda(customers, touchpoints, as_of=AS_OF, policy_file=bad)  # type: ignore[arg-type]


# -- the executors' side, run in this process (Spark's workers are not traced) ---


def _frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = {"dtype": str, "keep_default_na": False}
    return (
        pd.read_csv(folder / "customers.csv", **read),
        pd.read_csv(folder / "touchpoints.csv", **read),
    )


def _group(**options: object) -> ls._Group:
    fields: dict[str, object] = {
        "engine": None,
        "text": None,
        "cap": 2,
        "skip_churned": True,
        "as_of": AS_OF,
        "kinds": (),
        "lifecycle": lc.DEFAULT_LIFECYCLE,
        "names": tuple(lc.io._rows.CUSTOMER_COLUMNS),
    }
    fields.update(options)
    return ls._Group(**fields)  # type: ignore[arg-type]


def test_a_group_from_a_policy_file_text(tmp_path: Path) -> None:
    book = lc.sample_book()
    lc.write_book(book, tmp_path)
    customers, touchpoints = _frames(tmp_path)
    text = lc.starter_pack_path().read_text(encoding="utf-8")
    group = _group(text=text, names=tuple(customers.columns), cap=1)
    one = customers[customers.customer_id == "C096"]
    its = touchpoints[touchpoints.customer_id == "C096"]
    out = group(one, its)
    expected = lc.Engine(lc.starter_pack(), cap=1).agenda(book, AS_OF)
    assert (
        len(out[out.part == "held"])
        == len([h for h in expected.held_back if h.action.customer_id == "C096"])
        > 0
    )
    assert list(out[out.part == "action"].policy) == [
        a.policy for a in expected.for_customer("C096")
    ]
    again = group(one, its.iloc[[0, 0]])  # the same engine, parsed once; a repeated row
    assert list(again.part) == [] or set(again.part) <= {"action", "held", "skipped"}
    gone = customers[customers.customer_id == "C096"].assign(do_not_contact="true")
    assert list(group(gone, its).part) == ["skipped"]
    missing = pd.DataFrame(
        {"customer_id": ["C096"], "name": [float("nan")], "since": ["2025-01-01"]}
    )
    named = _group(engine=lc.Engine(lc.starter_pack()), names=("customer_id", "name", "since"))
    assert list(named(missing, its.iloc[0:0]).part) == []


def test_check_names_where_a_problem_is(spark: SparkSession) -> None:
    customers = spark.createDataFrame([("c-1",)], "customer_id string")
    with pytest.raises(lc.InvalidValueError, match="touchpoints DataFrame lacks"):
        ls.agenda(customers, customers, as_of=AS_OF)
    assert ls._where("customers", None, None) == "customers DataFrame"
    assert ls._where("touchpoints", "c-1", "T1") == "touchpoints DataFrame, touchpoint 'T1'"
    one = spark.createDataFrame(
        [("c-1", "Ada", "someday")], "customer_id string, name string, since string"
    )
    none = spark.createDataFrame(
        [], ", ".join(f"{c} string" for c in lc.io._rows.TOUCHPOINT_COLUMNS)
    )
    with pytest.raises(lc.BookFormatError) as caught:
        ls.agenda(one, none, as_of=AS_OF).check()
    assert str(caught.value) == (
        "customers DataFrame, customer 'c-1', column 'since': 'someday' is not a date in the form YYYY-MM-DD"
    )


def test_bad_rows_in_a_group(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "touchpoints.csv").write_text(TOUCH, encoding="utf-8")
    customers, touchpoints = _frames(tmp_path)
    group = _group(engine=lc.Engine(lc.starter_pack()), names=tuple(customers.columns))
    problems = {}
    for cid in ("c-1", "c-2", "c-3", "c-9"):
        out = group(
            customers[customers.customer_id == cid], touchpoints[touchpoints.customer_id == cid]
        )
        problems[cid] = sorted(out.column)
    assert problems == {
        "c-1": ["at"],
        "c-2": ["since"],
        "c-3": ["customer_id"],
        "c-9": ["customer_id"],
    }


@pytest.mark.parametrize("as_of", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_a_date_out_of_bounds_is_refused_before_spark_runs(as_of: dt.date) -> None:
    with pytest.raises(lc.InvalidValueError, match="as_of=.*outside the dates the library works"):
        ls.agenda(None, None, as_of=as_of)  # type: ignore[arg-type]


# -- decisions: bad rows, and the executors' side of decisions and capacity ------

DECISIONS = (
    "decision_id,customer_id,policy,due,decision,at,until,by,note\n"
    "D1,c-1,welcome,2026-10-01,done,2026-10-02T09:00:00+00:00,,,\n"
    "D2,c-1,welcome,2026-10-01,snoozed,2026-10-02T09:00:00+00:00,,,\n"
    "D3,c-9,welcome,2026-10-01,done,2026-10-02T09:00:00+00:00,,,\n"
    "D1,c-3,welcome,2026-10-01,done,2026-10-02T09:00:00+00:00,,,\n"
)
GOOD = "customer_id,name,since\nc-1,Ada,2025-01-06\nc-3,Lin,2025-01-06\n"
NO_TOUCHPOINTS = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"


def test_bad_decision_rows_are_problems_never_dropped(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "touchpoints.csv").write_text(NO_TOUCHPOINTS, encoding="utf-8")
    (tmp_path / "decisions.csv").write_text(DECISIONS, encoding="utf-8")
    result = ls.agenda(*ls.read_frames(spark, tmp_path), as_of=AS_OF)
    problems = [
        (r.table, r.customer_id, r.decision_id, r.column) for r in result.problems.collect()
    ]
    assert problems == [
        ("decisions", "c-1", "D1", "decision_id"),
        ("decisions", "c-1", "D2", "until"),
        ("decisions", "c-9", "D3", "customer_id"),
    ]
    with pytest.raises(
        lc.BookFormatError, match=r"^decisions DataFrame, decision 'D1', column 'decision_id'"
    ):
        result.check()
    lacking = spark.createDataFrame([("D1",)], "decision_id string")
    customers, touchpoints, _ = ls.read_frames(spark, tmp_path)
    with pytest.raises(lc.InvalidValueError, match="decisions DataFrame lacks"):
        ls.agenda(customers, touchpoints, lacking, as_of=AS_OF)


def test_a_group_with_decisions(tmp_path: Path) -> None:
    """The executors' side: a customer's decisions close its actions, as on one machine."""
    book = lc.sample_book()
    first = lc.Engine(lc.starter_pack(), cap=None).agenda(book, AS_OF).for_customer("C096")
    decided = book.with_decisions([_decide(first[0], "d-1", "dismissed", note="no")])
    lc.write_book(decided, tmp_path)
    _write_decisions(decided, tmp_path)
    customers, touchpoints = _frames(tmp_path)
    decisions = pd.read_csv(tmp_path / "decisions.csv", dtype=str, keep_default_na=False)
    events = pd.concat(
        [
            touchpoints[touchpoints.customer_id == "C096"].assign(_lifecycle_table="touchpoints"),
            decisions.assign(_lifecycle_table="decisions"),
            decisions.assign(_lifecycle_table="decisions"),  # a repeat: counted elsewhere
        ]
    )
    group = _group(text=None, engine=lc.Engine(lc.starter_pack()), names=tuple(customers.columns))
    out = group(customers[customers.customer_id == "C096"], events)
    expected = lc.Engine(lc.starter_pack()).agenda(decided, AS_OF).for_customer("C096")
    assert list(out[out.part == "action"].policy) == [a.policy for a in expected]
    assert first[0].policy not in set(out.policy)
    bad = decisions.assign(_lifecycle_table="decisions", decision="maybe")
    refused = group(customers[customers.customer_id == "C096"], bad)
    assert list(refused.column) == ["decision"]
    assert list(refused.table) == ["decisions"]
    nobody = group(customers.iloc[0:0], decisions.assign(_lifecycle_table="decisions"))
    assert list(nobody.column) == ["customer_id"]
    assert list(nobody.table) == ["decisions"]


def test_capacity_on_the_executors_keeps_agenda_order() -> None:
    """One owner's actions in any order: the first in agenda order are kept, the rest held."""
    rows = [
        {
            "customer_id": cid,
            "policy": "welcome",
            "due": dt.date(2026, 10, 1),
            "priority": priority,
            "overdue_days": 1,
            "reason": "why",
            "channel": channel,
            "owner": "alice",
        }
        for cid, priority, channel in (("c-3", 4, None), ("c-2", 1, "phone"), ("c-1", 4, "email"))
    ]
    out = ls._Capacity(2)(pd.DataFrame(rows, dtype=object))
    assert list(zip(out.part, out.customer_id, strict=True)) == [
        ("action", "c-2"),
        ("action", "c-1"),
        ("held", "c-3"),
    ]
    assert list(out.channel[:2]) == ["phone", "email"]
    assert out.held_back.iloc[2] == "capacity of 2 actions for owner alice reached"
    assert ls._where("decisions", "c-1", None, "D1") == "decisions DataFrame, decision 'D1'"


def test_a_group_keeps_touchpoint_attributes_and_custom_channels() -> None:
    """Other touchpoint columns travel as t0, t1, ...; custom channels are registered."""
    group = _group(
        engine=lc.Engine(lc.starter_pack()),
        names=("customer_id", "name", "since", "preferred_channel"),
        touchpoint_names=("campaign",),
        channels=(lc.Channel("sms"),),
    )
    customer = {"customer_id": "c", "name": "Ada", "since": "2025-01-01",
                "preferred_channel": "sms"}  # fmt: skip
    touchpoint = {"touchpoint_id": "t", "customer_id": "c", "at": "2025-01-02T09:00:00Z",
                  "channel": "sms", "kind": "complaint", "direction": "inbound",
                  "t0": "spring"}  # fmt: skip
    rows = list(group.rows([customer], [touchpoint]))
    actions = [(r["policy"], r["channel"]) for r in rows if r["part"] == "action"]
    assert ("complaint_follow_up", "sms") in actions
    bad = list(group.rows([customer], [touchpoint | {"t0": "x" * (lc.limits.MAX_TEXT_LENGTH + 1)}]))
    assert [r["part"] for r in bad] == ["problem"]
    plain = _group(engine=lc.Engine(lc.starter_pack()), names=("customer_id", "name", "since"))
    refused = list(plain.rows([customer | {"preferred_channel": ""}], [touchpoint]))
    assert [r["part"] for r in refused] == ["problem"]
