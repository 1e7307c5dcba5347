"""The command line of decisions and owners: done, dismiss, snooze; due --owner --capacity."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import lifecycle as lc
from lifecycle import _scale, cli
from lifecycle.cli import main

AS_OF = lc.SAMPLE_AS_OF
DAY = AS_OF.isoformat()
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
ENGINE = lc.Engine(lc.starter_pack())
OWNERS = ("alice", "bob", None)


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(args, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decisions are recorded at a known instant: the sample book's reference date."""
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def owner_of(row: dict[str, str]) -> str | None:
    return OWNER[row["customer_id"]]


def owned_sample() -> lc.Book:
    """The sample book, its customers shared among alice, bob and nobody."""
    book = lc.sample_book()
    customers = [attrs.evolve(c, owner=OWNERS[n % 3]) for n, c in enumerate(book)]
    return lc.Book(customers, book.touchpoints())


OWNER = {c.id: c.owner for c in owned_sample()}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    lc.write_book(owned_sample(), tmp_path / "book")
    return tmp_path / "book"


def agenda_rows(folder: Path, *more: str) -> list[dict[str, str]]:
    status, out, err = run(["due", "--book", str(folder), "--as-of", DAY, "--format", "csv", *more])
    assert status == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def first_action(policy: str | None = None) -> lc.Action:
    agenda = ENGINE.agenda(owned_sample(), AS_OF)
    return next(a for a in agenda.actions if policy is None or a.policy == policy)


# -- done, dismiss, snooze ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "extra", "outcome", "until"),
    [
        ("done", [], "done", None),
        ("dismiss", ["--note", "not a fit"], "dismissed", None),
        ("snooze", ["--days", "7"], "snoozed", dt.date(2026, 11, 9)),
        ("snooze", ["--until", "2026-12-01"], "snoozed", dt.date(2026, 12, 1)),
    ],
)
def test_a_decision_takes_the_action_off_the_agenda(
    book: Path, command: str, extra: list[str], outcome: str, until: dt.date | None
):
    action = first_action()
    args = [command, action.customer_id, action.policy, "--book", str(book), "--as-of", DAY]
    status, out, err = run([*args, "--by", "alice", *extra])
    assert (status, err) == (0, "")
    decisions = list(lc.read_book(book).decisions())
    assert len(decisions) == 1
    decision = decisions[0]
    assert (decision.customer_id, decision.policy, decision.due) == (
        action.customer_id,
        action.policy,
        action.due,
    )
    assert (decision.outcome.value, decision.until, decision.by, decision.at) == (
        outcome,
        until,
        "alice",
        NOW,
    )
    zone = lc.sample_book().customer(action.customer_id).timezone
    assert out == (
        f"recorded in {book / 'decisions.csv'}: {action.customer_id} {action.policy} "
        f"due {action.due.isoformat()}: {decision.describe(zone)}\n"
    )
    shown = {(r["customer_id"], r["policy"]) for r in agenda_rows(book)}
    assert (action.customer_id, action.policy) not in shown
    if until is not None:
        later = agenda_rows(book, "--as-of", until.isoformat())
        assert (action.customer_id, action.policy) in {
            (r["customer_id"], r["policy"]) for r in later
        }


def test_the_decision_id_is_unique_and_sorts_by_when_it_was_made(
    book: Path, monkeypatch: pytest.MonkeyPatch
):
    action = first_action()
    args = ["done", action.customer_id, action.policy, "--book", str(book)]
    args += ["--due", action.due.isoformat()]
    for minute in (31, 30, 30):
        monkeypatch.setattr(cli, "_now", lambda m=minute: NOW.replace(minute=m))
        assert run(args)[0] == 0
    ids = [d.id for d in lc.read_book(book).decisions()]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"D\d{8}T\d{12}Z-[0-9a-f]{8}", i) for i in ids)
    assert sorted(ids)[-1].startswith("D20261102T093100000000Z-")


def test_a_held_back_action_can_be_decided_on(book: Path):
    """Without --due, the action due on the date counts whether on the agenda or held back."""
    held = ENGINE.agenda(owned_sample(), AS_OF).held_back[0].action
    args = ["dismiss", held.customer_id, held.policy, "--book", str(book), "--as-of", DAY]
    assert run(args)[0] == 0
    assert next(lc.read_book(book).decisions()).due == held.due


def test_due_given_records_that_occurrence_as_it_is(book: Path):
    args = ["done", "C001", "welcome", "--book", str(book), "--due", "2024-03-05", "--by", ""]
    status, out, _ = run(args)
    assert status == 0
    decision = next(lc.read_book(book).decisions())
    assert (decision.due, decision.by) == (dt.date(2024, 3, 5), None)
    assert "C001 welcome due 2024-03-05: done on 2026-11-02" in out


def test_a_jsonl_book_gets_a_jsonl_row(tmp_path: Path):
    lc.write_book(lc.sample_book(), tmp_path, format="jsonl")
    action = first_action()
    args = ["done", action.customer_id, action.policy, "--book", str(tmp_path), "--as-of", DAY]
    assert run(args)[0] == 0
    rows = (tmp_path / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["customer_id"] for r in rows] == [action.customer_id]


def test_explain_shows_the_decision_recorded(book: Path):
    action = first_action()
    base = [action.customer_id, action.policy, "--book", str(book), "--as-of", DAY]
    assert run(["snooze", *base, "--days", "3", "--by", "bob", "--note", "away"])[0] == 0
    status, out, _ = run(["explain", action.customer_id, "--book", str(book), "--as-of", DAY])
    assert status == 0
    line = next(x for x in out.splitlines() if x.strip().startswith(action.policy))
    assert "snoozed" in line and "until 2026-11-05 by bob on 2026-11-02" in line and "away" in line


# -- errors: nothing is written, no traceback ------------------------------------------------

ERRORS = [
    ("no such customer", ["done", "C999", "welcome"], 1, "no customer with id 'C999' in the book"),
    ("no such policy", ["done", "C001", "welcom"], 1, "no policy in use is named 'welcom'"),
    ("nothing of it due", ["done", "C001", "welcome"], 1, "nothing of welcome is due for C001 on 2026-11-02: it is fulfilled"),
    ("skipped", ["done", "SKIPPED", "welcome"], 1, "is left off the agenda of 2026-11-02"),
    ("until on the as-of date", ["snooze", "C001", "welcome", "--until", DAY], 2, "--until 2026-11-02 is not after the as-of date 2026-11-02"),
    ("until before", ["snooze", "C001", "welcome", "--until", "2026-01-01"], 2, "is not after the as-of date"),
    ("until and days", ["snooze", "C001", "welcome", "--until", "2026-12-01", "--days", "3"], 2, "not allowed with argument"),
    ("neither until nor days", ["snooze", "C001", "welcome"], 2, "one of the arguments --until --days is required"),
    ("zero days", ["snooze", "C001", "welcome", "--days", "0"], 2, "is not a number of days"),
    ("a bad due", ["done", "C001", "welcome", "--due", "soon"], 2, "is not a date in the form YYYY-MM-DD"),
]  # fmt: skip


def skipped_customer() -> str:
    return ENGINE.agenda(owned_sample(), AS_OF).skipped[0].customer_id


@pytest.mark.parametrize(
    ("argv", "status", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_a_decision_that_cannot_be_recorded_writes_nothing(
    book: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
):
    argv = [skipped_customer() if a == "SKIPPED" else a for a in argv]
    got = main([*argv, "--book", str(book), "--as-of", DAY])
    captured = capsys.readouterr()
    assert got == status
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert not (book / "decisions.csv").exists()


def test_the_sample_book_is_read_only(capsys: pytest.CaptureFixture[str]):
    before = sorted(p.name for p in lc.sample_path().iterdir())
    assert main(["done", "C001", "welcome"]) == 2
    assert "the sample book is read-only" in capsys.readouterr().err
    assert sorted(p.name for p in lc.sample_path().iterdir()) == before


def test_a_bad_policy_file_is_a_data_error(book: Path, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[policy]]\nname = 1\n", encoding="utf-8")
    status, _, err = run(["done", "C001", "welcome", "--book", str(book), "--policies", str(bad)])
    assert status == 1 and "bad.toml" in err


def test_a_symlinked_decisions_file_is_refused(book: Path, tmp_path: Path):
    (tmp_path / "elsewhere").write_text("", encoding="utf-8")
    (book / "decisions.csv").symlink_to(tmp_path / "elsewhere")
    action = first_action()
    args = ["done", action.customer_id, action.policy, "--book", str(book), "--as-of", DAY]
    status, _, err = run(args)
    assert status == 1 and "decisions.csv" in err
    assert (tmp_path / "elsewhere").read_text(encoding="utf-8") == ""


def test_commands_at_once_append_every_row_whole(book: Path):
    """Several processes record decisions on one new file at once: one header, no torn row."""
    env = {**os.environ, "PYTHONPATH": str(Path(lc.__file__).parent.parent)}
    note = "n" * 5000
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lifecycle",
                "done",
                "C001",
                "welcome",
                "--book",
                str(book),
                "--due",
                f"2026-01-{n + 1:02}",
                "--note",
                f"{n}{note}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    decisions = list(lc.read_book(book).decisions())
    assert sorted(d.due.day for d in decisions) == list(range(1, 7))
    assert all(d.note == f"{d.due.day - 1}{note}" for d in decisions)
    assert (book / "decisions.csv").read_text(encoding="utf-8").count("decision_id") == 1


# -- validate ---------------------------------------------------------------------------------


def test_validate_warns_of_a_decision_on_a_policy_not_in_use(book: Path):
    (book / "decisions.csv").write_text(
        "decision_id,customer_id,policy,due,decision,at\n"
        "d-1,C001,vip_call,2026-11-01,done,2026-11-02T10:00:00Z\n"
        "d-2,C001,welcome,2026-11-01,done,2026-11-02T10:00:00Z\n",
        encoding="utf-8",
    )
    status, out, _ = run(["validate", "--book", str(book)])
    assert status == 0
    assert out.startswith(
        "warning: decision 'd-1' of C001 names policy 'vip_call', which none of the policies "
        "in use gives; due ignores it\nok: "
    )
    assert "'d-2'" not in out
    assert len(agenda_rows(book)) == len(ENGINE.agenda(owned_sample(), AS_OF).actions)
    policies = book / "p.toml"
    policies.write_text(lc.starter_pack_path().read_text(encoding="utf-8"), encoding="utf-8")
    status, out, _ = run(["validate", "--book", str(book), "--policies", str(policies)])
    assert status == 0 and out.startswith("warning: decision 'd-1'")


# -- owners and capacity ----------------------------------------------------------------------


def test_due_owner_lists_only_that_owners_actions(book: Path):
    everyone = agenda_rows(book)
    alice = agenda_rows(book, "--owner", "alice")
    assert alice and {owner_of(r) for r in alice} == {"alice"}
    assert alice == [r for r in everyone if owner_of(r) == "alice"]
    assert agenda_rows(book, "--owner", "nobody") == []


def test_due_capacity_holds_back_each_owners_excess(book: Path):
    rows = agenda_rows(book, "--capacity", "5")
    counts = {o: sum(owner_of(r) == o for r in rows) for o in ("alice", "bob")}
    assert counts == {"alice": 5, "bob": 5}
    expected = attrs.evolve(ENGINE, capacity=5).agenda(owned_sample(), AS_OF)
    assert [(r["customer_id"], r["policy"]) for r in rows] == [
        (a.customer_id, a.policy) for a in expected.actions
    ]
    status, out, _ = run(["due", "--book", str(book), "--as-of", DAY, "--capacity", "5"])
    assert status == 0 and "capacity" in out
    alice = agenda_rows(book, "--capacity", "5", "--owner", "alice")
    assert alice == [r for r in rows if owner_of(r) == "alice"]


@pytest.mark.parametrize(
    "more", [["--owner", "bob"], ["--capacity", "3"], ["--capacity", "2", "--owner", "alice"]]
)
def test_a_large_book_gives_the_same_owners_agenda(
    book: Path, monkeypatch: pytest.MonkeyPatch, more: list[str]
):
    expected = agenda_rows(book, *more)
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    assert agenda_rows(book, *more) == expected


def test_capacity_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]):
    assert main(["due", "--capacity", "0"]) == 2
    assert "is not a number of actions from 1 to 1000000" in capsys.readouterr().err


def test_the_decision_is_recorded_at_the_current_instant(
    book: Path, monkeypatch: pytest.MonkeyPatch
):
    """Without a clock fixed by the test, `at` is now, in UTC."""
    monkeypatch.undo()
    before = dt.datetime.now(dt.UTC)
    assert run(["done", "C001", "welcome", "--book", str(book), "--due", "2024-03-05"])[0] == 0
    at = next(lc.read_book(book).decisions()).at
    assert before <= at <= dt.datetime.now(dt.UTC) and at.tzinfo is dt.UTC
