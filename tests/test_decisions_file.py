"""The book's third file: decisions.csv / decisions.jsonl read, streamed, written, appended."""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import _batches, _scale
from lifecycle.cli import main
from lifecycle.io import _stream, append_decision
from lifecycle.io.rows import DECISION_COLUMNS, CellError, parse_decision

C_HEAD = "customer_id,name,since,timezone\n"
CUSTOMERS = C_HEAD + "c-1,Ada,2025-01-06,\nc-2,Kiri,2025-01-06,Pacific/Kiritimati\n"
T_HEAD = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"
TOUCHPOINTS = T_HEAD + "t-1,c-1,2025-01-06T09:00:00+01:00,web,purchase,inbound,,,\n"
D_HEAD = ",".join(DECISION_COLUMNS) + "\n"
D_OK = "d-1,c-1,welcome,2025-01-07,done,2025-01-08T10:00:00+01:00,,alice,called\n"
AS_OF = dt.date(2026, 11, 23)
ENGINE = lc.Engine(lc.starter_pack())
fixture_settings = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


def write(folder: Path, decisions: str, ext: str = "csv", customers: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if ext == "csv":
        (folder / "customers.csv").write_text(customers or CUSTOMERS, encoding="utf-8")
        (folder / "touchpoints.csv").write_text(TOUCHPOINTS, encoding="utf-8")
    else:
        (folder / "customers.jsonl").write_text(
            customers
            or jl(
                {"customer_id": "c-1", "name": "Ada", "since": "2025-01-06"},
                {"customer_id": "c-2", "name": "K", "since": "2025-01-06"},
            ),
            encoding="utf-8",
        )
        (folder / "touchpoints.jsonl").write_text("", encoding="utf-8")
    (folder / f"decisions.{ext}").write_text(decisions, encoding="utf-8")
    return folder


def jl(*rows: object) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def d_row(**cells: str) -> str:
    values = {
        "decision_id": "d-2",
        "customer_id": "c-1",
        "policy": "welcome",
        "due": "2025-01-07",
        "decision": "dismissed",
        "at": "2025-01-09T10:00:00Z",
    } | cells
    return D_HEAD + D_OK + ",".join(values.get(c, "") for c in DECISION_COLUMNS) + "\n"


J_OK = {
    "decision_id": "d-1",
    "customer_id": "c-1",
    "policy": "welcome",
    "due": "2025-01-07",
    "decision": "snoozed",
    "at": "2025-01-08T10:00:00Z",
    "until": "2025-01-20",
}

# (id, format, decisions text, line, column, words of the problem)
CASES: list[tuple[str, str, str, int, str | None, str]] = [
    ("a bad outcome", "csv", d_row(decision="closed"), 3, "decision", "'closed' is not one of: done, dismissed, snoozed"),
    ("an outcome in capitals", "csv", d_row(decision="Done"), 3, "decision", "is not one of"),
    ("no outcome", "csv", d_row(decision=""), 3, "decision", "is required and must not be empty"),
    ("a snooze without until", "csv", d_row(decision="snoozed"), 3, "until", "is required for a snoozed decision"),
    ("until on a done decision", "csv", d_row(decision="done", until="2025-02-01"), 3, "until", "'2025-02-01' must be empty: only a snoozed decision ends, not done"),
    ("until on a dismissal", "csv", d_row(until="2025-02-01"), 3, "until", "not dismissed"),
    ("a naive at", "csv", d_row(at="2025-01-09T10:00:00"), 3, "at", "has no UTC offset"),
    ("an at that is no datetime", "csv", d_row(at="yesterday"), 3, "at", "is not an ISO 8601 datetime"),
    ("an at in year 1", "csv", d_row(at="0001-01-01T00:00:00+01:00"), 3, "at", "outside the dates"),
    ("an at on 2200-01-01 in Kiritimati", "csv", d_row(customer_id="c-2", at="2199-12-31T23:00Z"), 3, "at", "falls on 2200-01-01 in the customer's zone Pacific/Kiritimati"),
    ("a due that is no date", "csv", d_row(due="07/01/2025"), 3, "due", "is not a date in the form YYYY-MM-DD"),
    ("a due off the calendar", "csv", d_row(due="2025-02-30"), 3, "due", "is not a date on the calendar"),
    ("an until off the calendar", "csv", d_row(decision="snoozed", until="2025-02-30"), 3, "until", "is not a date on the calendar"),
    ("an unknown customer", "csv", d_row(customer_id="c-9"), 3, "customer_id", "'c-9' names no customer of customers.csv"),
    ("a duplicate decision id", "csv", d_row(decision_id="d-1"), 3, "decision_id", "'d-1' is a duplicate decision id (first on line 2)"),
    ("an empty decision id", "csv", d_row(decision_id=""), 3, "decision_id", "is required"),
    ("a decision id with edge spaces", "csv", d_row(decision_id=" d-2"), 3, "decision_id", "must not start or end with white space"),
    ("an empty policy", "csv", d_row(policy=""), 3, "policy", "is required"),
    ("a note with a lone surrogate", "jsonl", jl(J_OK | {"note": "\ud800"}), 1, "note", "lone surrogate"),
    ("a by with a lone surrogate", "jsonl", jl(J_OK | {"by": "\udc00"}), 1, "by", "lone surrogate"),
    ("a column decision_Id", "csv", D_HEAD.replace("decision_id", "Decision_Id") + D_OK, 1, "Decision_Id", "did you mean `decision_id`?"),
    ("a column customerId", "csv", D_HEAD.replace("customer_id", "customerId") + D_OK, 1, "customerId", "did you mean `customer_id`?"),
    ("an unknown column", "csv", D_HEAD.strip() + ",outcome\n" + D_OK.strip() + ",x\n", 1, "outcome", "is not a column of this file (columns: decision_id, customer_id"),
    ("a required column missing", "csv", D_HEAD.replace(",at,", ","), 1, "at", "is a required column missing from the header"),
    ("too many fields", "csv", D_HEAD + D_OK.strip() + ",extra\n", 2, None, "has 10 fields but the header has 9"),
    ("a JSON outcome of the wrong case", "jsonl", jl(J_OK | {"decision": "SNOOZED"}), 1, "decision", "is not one of"),
    ("a JSON snooze with a null until", "jsonl", jl(J_OK | {"until": None}), 1, "until", "is required for a snoozed decision"),
    ("a JSON by that is a number", "jsonl", jl(J_OK | {"by": 7}), 1, "by", "must be a string"),
    ("a JSON naive at", "jsonl", jl(J_OK | {"at": "2025-01-08T10:00:00"}), 1, "at", "has no UTC offset"),
    ("a JSON key Decision", "jsonl", jl(J_OK | {"Decision": "done"}), 1, "Decision", "did you mean `decision`?"),
    ("a JSON key unknown", "jsonl", jl(J_OK | {"reason": "x"}), 1, "reason", "is not a key of this file (keys: decision_id"),
    ("a JSON key missing", "jsonl", jl({k: v for k, v in J_OK.items() if k != "due"}), 1, "due", "is a required key missing"),
    ("a JSON duplicate id", "jsonl", jl(J_OK, J_OK), 2, "decision_id", "is a duplicate decision id (first on line 1)"),
    ("a JSON unknown customer", "jsonl", jl(J_OK, J_OK | {"decision_id": "d-2", "customer_id": "x"}), 2, "customer_id", "names no customer of customers.jsonl"),
    ("a JSON line that is no object", "jsonl", jl(J_OK) + "[1]\n", 2, None, "must be a JSON object, not an array"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "text", "line", "column", "problem"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_bad_decision_row_meets_its_clear_error(
    tmp_path: Path, fmt: str, text: str, line: int, column: str | None, problem: str
):
    """read_book names file, line, column and value; the report and both streams agree."""
    folder = write(tmp_path, text, fmt)
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    error = info.value
    assert (Path(error.path).name, error.line, error.column) == (f"decisions.{fmt}", line, column)
    assert problem in str(error)
    report = lc.read_book_report(folder)
    assert [str(e) for e in report.errors] == [str(error)]
    for sorted_ in (True, False):
        with pytest.raises(lc.BookFormatError) as streamed:
            list(lc.stream_book(folder, sorted=sorted_).items())
        assert str(streamed.value) == str(error)


def test_a_report_collects_every_bad_decision_and_keeps_the_good_ones(tmp_path: Path):
    """Errors in file order; a rejected row claims no id; a rejected customer is named."""
    customers = C_HEAD + "c-1,Ada,2025-01-06,\nc-3,Bad,someday,\n"
    rows = [
        "d-2,c-1,welcome,2025-01-07,closed,2025-01-09T10:00:00Z,,,",
        "d-3,c-3,welcome,2025-01-07,done,2025-01-09T10:00:00Z,,,",
        "d-4,c-9,welcome,2025-01-07,done,2025-01-09T10:00:00Z,,,",
        "d-4,c-1,welcome,2025-01-07,done,2025-01-09T10:00:00Z,,,",
        "d-1,c-1,welcome,2025-01-07,done,2025-01-09T10:00:00Z,,,",
    ]
    folder = write(tmp_path, D_HEAD + D_OK + "\n".join(rows) + "\n", customers=customers)
    report = lc.read_book_report(folder)
    assert [(Path(e.path).name, e.line, e.column) for e in report.errors] == [
        ("customers.csv", 3, "since"),
        ("decisions.csv", 3, "decision"),
        ("decisions.csv", 4, "customer_id"),
        ("decisions.csv", 5, "customer_id"),
        ("decisions.csv", 7, "decision_id"),
    ]
    assert "names a customer whose row (line 3 of customers.csv) was rejected" in str(
        report.errors[2]
    )
    assert [d.id for d in report.book.decisions()] == ["d-1", "d-4"]


def test_a_book_without_a_decisions_file_has_no_decisions(tmp_path: Path):
    folder = write(tmp_path, "")
    (folder / "decisions.csv").unlink()
    assert list(lc.read_book(folder).decisions()) == []
    assert all(not t.decisions for _, t in lc.stream_book(folder).items())


def test_an_empty_or_header_only_decisions_file_holds_no_decisions(tmp_path: Path):
    assert list(lc.read_book(write(tmp_path / "h", D_HEAD)).decisions()) == []
    assert list(lc.read_book(write(tmp_path / "j", "", "jsonl")).decisions()) == []
    with pytest.raises(lc.BookFormatError, match="is empty; it needs at least a header line"):
        lc.read_book(write(tmp_path / "e", ""))


def test_the_read_decisions_are_the_rows_of_the_file(tmp_path: Path):
    """Every column reaches its field: decision <-> outcome, decision_id <-> id."""
    text = (
        D_HEAD
        + D_OK
        + "d-0,c-2,renewal,2025-03-01,snoozed,2025-01-09T10:00:00+14:00,2025-04-01,,\n"
    )
    book = lc.read_book(write(tmp_path, text))
    done = book.timeline("c-1").decisions[0]
    assert done == lc.Decision(
        id="d-1",
        customer_id="c-1",
        policy="welcome",
        due=dt.date(2025, 1, 7),
        outcome=lc.Outcome.DONE,
        at=dt.datetime(2025, 1, 8, 9, tzinfo=dt.UTC),
        by="alice",
        note="called",
    )
    snoozed = book.timeline("c-2").decisions[0]
    assert (snoozed.until, snoozed.by, snoozed.note) == (dt.date(2025, 4, 1), None, "")


@pytest.mark.parametrize("other", ["csv", "jsonl"])
def test_a_decisions_file_in_the_other_format_is_an_error(tmp_path: Path, other: str):
    """It would otherwise be ignored without a word."""
    fmt = "jsonl" if other == "csv" else "csv"
    folder = write(tmp_path, "", fmt)
    (folder / f"decisions.{fmt}").unlink()
    (folder / f"decisions.{other}").write_text("", encoding="utf-8")
    with pytest.raises(lc.BookFormatError, match=f"another format than the book's {fmt} files"):
        lc.read_book(folder)


def test_a_folder_of_both_formats_takes_the_decisions_of_the_format_asked(tmp_path: Path):
    folder = write(tmp_path, D_HEAD + D_OK)
    write(tmp_path, "", "jsonl")
    (folder / "decisions.jsonl").unlink()
    assert [d.id for d in lc.read_book(folder, format="csv").decisions()] == ["d-1"]
    assert list(lc.read_book(folder, format="jsonl").decisions()) == []


def test_a_decisions_folder_is_not_a_decisions_file(tmp_path: Path):
    folder = write(tmp_path, "")
    (folder / "decisions.csv").unlink()
    (folder / "decisions.csv").mkdir()
    with pytest.raises(lc.BookFormatError, match="decisions.csv: is not a file"):
        lc.read_book(folder)


def test_parse_decision_names_the_bad_cell():
    with pytest.raises(CellError) as info:
        parse_decision({"decision_id": "d", "customer_id": "c", "policy": "p", "due": "x"})
    assert (info.value.column, info.value.value) == ("due", "x")


# -- round trips -----------------------------------------------------------------------

POLICIES = ["welcome", "renewal", "onboarding_review", "no_such_policy"]


@st.composite
def decided_books(draw: st.DrawFn) -> lc.Book:
    """A generated book with generated decisions on its customers (several on one occurrence)."""
    book = draw(lct.books(max_customers=6, max_touchpoints=20, situations=True, as_of=AS_OF))
    ids = [c.id for c in book]
    if not ids:
        return book
    decisions = []
    for n in range(draw(st.integers(0, 8))):
        outcome = draw(st.sampled_from(list(lc.Outcome)))
        due = draw(lct.local_dates(min_value=AS_OF - dt.timedelta(days=400), max_value=AS_OF))
        at = draw(st.sampled_from([None, *[d.at for d in decisions]]))
        decisions.append(
            lc.Decision(
                id=draw(st.sampled_from([f"d-{n}", f"D{n:03}é", f'd,{n}"x'])),
                customer_id=draw(st.sampled_from(ids)),
                policy=draw(st.sampled_from(POLICIES)),
                due=due,
                outcome=outcome,
                at=at
                or draw(
                    lct.aware_datetimes(
                        min_value=AS_OF - dt.timedelta(days=400),
                        max_value=AS_OF + dt.timedelta(days=30),
                    )
                ),
                until=due + dt.timedelta(days=draw(st.integers(1, 60)))
                if outcome is lc.Outcome.SNOOZED
                else None,
                by=draw(st.sampled_from([None, "alice", "Zoë, lead"])),
                note=draw(st.sampled_from(["", "called", 'said "no"', "two\nlines", " ;x"])),
            )
        )
    unique = {d.id: d for d in decisions}
    return book.with_decisions(unique.values())


def id_of(decision: lc.Decision) -> str:
    return decision.id


@fixture_settings
@given(book=decided_books(), fmt=st.sampled_from(["csv", "jsonl"]))
def test_a_book_with_decisions_round_trips_and_streams_alike(book: lc.Book, fmt: str):
    """write_book then read_book gives an equal book; streams give the same agenda."""
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder, format=fmt)  # type: ignore[arg-type]
        has_file = (Path(folder) / f"decisions.{fmt}").exists()
        assert has_file == any(True for _ in book.decisions())
        again = lc.read_book(folder)
        assert again == book
        assert sorted(again.decisions(), key=id_of) == sorted(book.decisions(), key=id_of)
        expected = ENGINE.agenda(book, AS_OF)
        for sorted_ in (True, False):
            stream = lc.stream_book(folder, sorted=sorted_)
            assert dict(stream.items()) == dict(book.items())
            assert ENGINE.agenda(stream, AS_OF) == expected


def test_write_book_empties_a_decisions_file_the_book_no_longer_needs(tmp_path: Path):
    """No decision outlives its customer: forget rewrites the decisions too."""
    folder = write(tmp_path, D_HEAD + D_OK)
    book = lc.read_book(folder)
    lc.write_book(book.without_customers(["c-1"]), folder)
    assert (folder / "decisions.csv").read_bytes() == D_HEAD.replace("\n", "\r\n").encode()
    assert list(lc.read_book(folder).decisions()) == []
    assert main(["forget", "c-1", "--book", str(write(tmp_path / "f", D_HEAD + D_OK))]) == 0
    assert list(lc.read_book(tmp_path / "f").decisions()) == []


def test_a_book_without_decisions_writes_no_decisions_file(tmp_path: Path):
    lc.write_book(lc.sample_book(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "touchpoints.csv"]


# -- streams and the parallel runner -------------------------------------------------------


def test_a_stream_finds_a_decision_of_no_customer_when_it_ends(tmp_path: Path):
    """Decisions are read up front; one naming nobody is told once every customer was seen."""
    folder = write(tmp_path, D_HEAD + D_OK + D_OK.replace("d-1,c-1", "d-2,c-0"))
    for sorted_ in (True, False):
        items = lc.stream_book(folder, sorted=sorted_).items()
        assert next(items)[0].id in {"c-1", "c-2"}
        with pytest.raises(lc.BookFormatError, match="line 3, column 'customer_id': 'c-0' names"):
            list(items)


@pytest.fixture
def streamed_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every book counts as large; small chunks and buckets make several parts."""
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    monkeypatch.setattr(_scale, "CHUNK", 3)
    monkeypatch.setattr(_stream, "BUCKET_BYTES", 300)
    monkeypatch.setattr(_batches, "BATCH", 2)


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(args, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("workers", ["1", "3"])
@pytest.mark.parametrize("shuffled", [False, True])
def test_the_parallel_runner_gives_each_customer_its_decisions(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    workers: str,
    shuffled: bool,
    decided_sample: lc.Book,
):
    """Split spans, buckets and workers: the same agenda as the book in memory."""
    book = decided_sample
    lc.write_book(book, tmp_path, format=fmt)  # type: ignore[arg-type]
    if shuffled:
        file = tmp_path / f"touchpoints.{fmt}"
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        head, rows = (lines[:1], lines[1:]) if fmt == "csv" else ([], lines)
        file.write_text("".join(head + rows[::-1]), encoding="utf-8")
    args = ["due", "--book", str(tmp_path), "--as-of", lc.SAMPLE_AS_OF.isoformat(), "--format"]
    loaded = _cli([*args, "csv"])
    assert loaded[0] == 0
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    monkeypatch.setattr(_scale, "CHUNK", 3)
    monkeypatch.setattr(_stream, "BUCKET_BYTES", 300)
    monkeypatch.setattr(_batches, "BATCH", 2)
    assert _cli([*args, "csv", "--workers", workers]) == loaded
    undecided = ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    assert len(loaded[1].splitlines()) - 1 < len(undecided.actions)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_parallel_runner_names_a_decision_of_no_customer(
    tmp_path: Path, streamed_cli: None, workers: str
):
    lc.write_book(lc.sample_book(), tmp_path)
    (tmp_path / "decisions.csv").write_text(D_HEAD + D_OK, encoding="utf-8")
    status, out, err = _cli(["due", "--book", str(tmp_path), "--workers", workers])
    assert (status, out) == (1, "")
    assert "decisions.csv, line 2, column 'customer_id': 'c-1' names no customer" in err


# -- appending one row -----------------------------------------------------------------------

DONE = lc.Decision(
    id="d-9",
    customer_id="c-1",
    policy="welcome",
    due=dt.date(2025, 1, 7),
    outcome="done",
    at=dt.datetime(2025, 1, 9, 8, tzinfo=dt.UTC),
    note='a "quoted", note\nover two lines',
)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_append_creates_the_file_with_its_header(tmp_path: Path, fmt: str):
    folder = write(tmp_path, "", fmt)
    (folder / f"decisions.{fmt}").unlink()
    file = append_decision(folder, DONE)
    assert file == folder / f"decisions.{fmt}"
    assert list(lc.read_book(folder).decisions()) == [DONE]
    first = file.read_text(encoding="utf-8").splitlines()[0]
    assert first == (",".join(DECISION_COLUMNS) if fmt == "csv" else first)
    assert fmt == "csv" or json.loads(first)["decision_id"] == "d-9"


def test_append_keeps_the_files_own_column_order_and_the_rows_before(tmp_path: Path):
    columns = ["at", "decision", "due", "policy", "customer_id", "decision_id", "note"]
    text = ",".join(columns) + "\n2025-01-08T10:00:00Z,dismissed,2025-01-07,welcome,c-1,d-1,x\n"
    folder = write(tmp_path, text)
    append_decision(folder, DONE)
    assert (folder / "decisions.csv").read_text(encoding="utf-8").startswith(text)
    assert [d.id for d in lc.read_book(folder).decisions()] == ["d-1", "d-9"]


def test_append_refuses_a_header_without_a_column_the_row_needs(tmp_path: Path):
    folder = write(tmp_path, D_HEAD.replace(",note", ""))
    with pytest.raises(lc.BookFormatError, match="column 'note'.*needs but the header lacks"):
        append_decision(folder, DONE)
    assert (folder / "decisions.csv").read_text(encoding="utf-8") == D_HEAD.replace(",note", "")


def test_append_refuses_a_bad_header(tmp_path: Path):
    folder = write(tmp_path, D_HEAD.replace("decision_id", "Decision_Id"))
    with pytest.raises(lc.BookFormatError, match="did you mean `decision_id`"):
        append_decision(folder, DONE)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_append_ends_a_last_row_left_without_its_line_end(tmp_path: Path, fmt: str):
    text = D_HEAD + D_OK.strip() if fmt == "csv" else json.dumps(J_OK)
    folder = write(tmp_path, text, fmt)
    append_decision(folder, DONE)
    assert [d.id for d in lc.read_book(folder).decisions()] == ["d-1", "d-9"]


def test_append_never_follows_a_symlink(tmp_path: Path):
    folder = write(tmp_path, "")
    target = tmp_path / "elsewhere.csv"
    target.write_text("", encoding="utf-8")
    (folder / "decisions.csv").unlink()
    (folder / "decisions.csv").symlink_to(target)
    with pytest.raises(lc.BookWriteError):
        append_decision(folder, DONE)
    assert target.read_text(encoding="utf-8") == ""


def test_append_refuses_an_unreadable_book_folder(tmp_path: Path):
    with pytest.raises(lc.BookFormatError, match="does not exist"):
        append_decision(tmp_path / "nowhere", DONE)


def _append_many(folder: str, worker: int, count: int) -> None:
    for n in range(count):
        decision = lc.Decision(
            id=f"w{worker}-{n}",
            customer_id="c-1",
            policy="welcome",
            due=dt.date(2025, 1, 7),
            outcome="snoozed",
            until=dt.date(2025, 2, 1),
            at=dt.datetime(2025, 1, 9, 8, tzinfo=dt.UTC),
            note=f"worker {worker} row {n} " + "x" * (n * 97 % 3000),
        )
        append_decision(folder, decision)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_writers_appending_at_once_never_interleave(tmp_path: Path, fmt: str):
    """Several processes append to one new file at once: one header, every row whole."""
    folder = write(tmp_path, "", fmt)
    (folder / f"decisions.{fmt}").unlink()
    context = multiprocessing.get_context("fork")
    workers, count = 4, 40
    processes = [
        context.Process(target=_append_many, args=(str(folder), w, count)) for w in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    assert [p.exitcode for p in processes] == [0] * workers
    decisions = list(lc.read_book(folder).decisions())
    expected = {f"w{w}-{n}" for w in range(workers) for n in range(count)}
    assert {d.id for d in decisions} == expected and len(decisions) == len(expected)
    for d in decisions:
        worker, n = d.id[1:].split("-")
        assert d.note == f"worker {worker} row {n} " + "x" * (int(n) * 97 % 3000)
    if fmt == "csv":
        text = (folder / "decisions.csv").read_text(encoding="utf-8")
        assert text.count("decision_id") == 1
    assert os.stat(folder / f"decisions.{fmt}").st_size > 0


def test_append_names_the_file_when_the_disk_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = write(tmp_path, D_HEAD)

    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(lc.BookWriteError, match="decisions.csv.*No space left on device"):
        append_decision(folder, DONE)


def test_a_decision_at_the_first_instant_in_bounds_is_kept(tmp_path: Path):
    """Near the bounds, yet inside them in the customer's zone (UTC): no error."""
    row = D_OK.replace("2025-01-08T10:00:00+01:00", "1900-01-01T12:00:00Z")
    book = lc.read_book(write(tmp_path, D_HEAD + row))
    assert next(book.decisions()).at == dt.datetime(1900, 1, 1, 12, tzinfo=dt.UTC)
    assert [d.id for _, t in lc.stream_book(tmp_path).items() for d in t.decisions] == ["d-1"]
