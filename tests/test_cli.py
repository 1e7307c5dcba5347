"""The command line: outputs, defaults, and clean errors with the right exit status."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lifecycle as lc
from lifecycle.agenda import ACTION_FIELDS
from lifecycle.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def agenda_of_sample(as_of: dt.date) -> lc.Agenda:
    return lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), as_of)


def test_due_on_the_sample_book_uses_its_reference_date():
    """No --book: the sample book's agenda, as of its own reference date, said in the output."""
    status, out, err = run("due")
    assert status == 0
    assert err == ""
    assert out.startswith(
        f"Sample book, as of {lc.SAMPLE_AS_OF} (the sample book's reference date)"
    )
    agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    assert f"{len(agenda)} actions due, {len(agenda.held_back)} held back" in out
    assert "complaint_follow_up" in out
    assert "Held back" in out and "Skipped:" in out


def test_due_as_csv_is_the_agenda_in_order():
    """--format csv: the six fixed columns, channel and owner, then one row per action in order."""
    import csv as csv_module  # noqa: PLC0415

    status, out, _ = run("due", "--format", "csv")
    assert status == 0
    rows = list(csv_module.reader(io.StringIO(out)))
    assert rows[0] == [
        "customer_id", "policy", "due", "priority", "overdue_days", "reason", "channel", "owner"
    ]  # fmt: skip
    agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    expected = [
        [
            *(a.customer_id, a.policy, a.due.isoformat(), str(a.priority), str(a.overdue_days)),
            *(a.reason, a.channel.value if a.channel else "", a.owner or ""),
        ]
        for a in agenda
    ]
    assert rows[1:] == expected


def test_due_as_json_holds_actions_held_back_and_skipped():
    """--format json carries everything the agenda has."""
    status, out, _ = run("due", "--format", "json", "--as-of", "2026-11-02")
    data = json.loads(out)
    assert status == 0
    assert data["as_of"] == "2026-11-02"
    assert [f.name for f in ACTION_FIELDS] == list(data["actions"][0])
    assert data["actions"] == agenda_of_sample(dt.date(2026, 11, 2)).to_records()
    assert all("held_back" in h for h in data["held_back"])
    assert {s["reason"] for s in data["skipped"]} == {"do_not_contact", "churned"}


def test_explain_shows_every_policy():
    """explain lists each starter policy's verdict for one customer."""
    status, out, _ = run("explain", "C002")
    assert status == 0
    assert "detractor_recovery   due: on the agenda" in out
    assert out.count("\n") == 2 + len(lc.starter_pack())
    status, out, _ = run("explain", "C011", "--format", "json")
    data = json.loads(out)
    assert data["skipped"] == "C011 asked not to be contacted"
    assert len(data["verdicts"]) == 9
    assert data["on_agenda"] == []


def test_explain_an_unknown_customer_exits_1():
    """An unknown id is bad data, said in one line."""
    status, _, err = run("explain", "nobody")
    assert status == 1
    assert err == "lifecycle explain: error: no customer with id 'nobody' in the book\n"


def test_forecast_counts_by_day_and_policy():
    """forecast --days N: one line per day; csv and json carry the same counts."""
    status, out, _ = run("forecast", "--days", "5")
    assert status == 0
    assert len(out.strip().splitlines()) == 2 + 5
    _, raw, _ = run("forecast", "--days", "5", "--format", "json")
    data = json.loads(raw)
    assert sorted(data) == [(lc.SAMPLE_AS_OF + dt.timedelta(days=i)).isoformat() for i in range(5)]
    _, csv_text, _ = run("forecast", "--days", "5", "--format", "csv")
    total = sum(int(line.rsplit(",", 1)[1]) for line in csv_text.splitlines()[1:])
    assert total == sum(sum(day.values()) for day in data.values())


def test_forecast_by_owner_counts_per_owner_per_day(tmp_path: Path):
    """forecast --by owner: a column per owner (unowned last); csv and json say "" for unowned."""
    ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 3, 1), owner="alice")
    lin = lc.Customer(id="c-2", name="Lin", since=dt.date(2026, 3, 1))
    bought = [
        lc.Touchpoint(
            id=f"t-{c.id}",
            customer_id=c.id,
            at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
            channel="web",
            kind="purchase",
            direction="inbound",
        )
        for c in (ada, lin)
    ]
    lc.write_book(lc.Book([ada, lin], bought), tmp_path)
    options = ("forecast", "--by", "owner", "--days", "2", "--book", str(tmp_path))
    status, out, _ = run(*options, "--as-of", "2026-03-07")
    assert status == 0
    assert out.splitlines()[2:] == [
        "date            total  alice  (unowned)",
        "2026-03-07 Sat      0      0          0",
        "2026-03-08 Sun      2      1          1",
    ]
    _, csv_text, _ = run(*options, "--as-of", "2026-03-08", "--format", "csv")
    assert csv_text.splitlines() == ["date,owner,count", "2026-03-08,,1", "2026-03-08,alice,1"]
    _, raw, _ = run(*options, "--as-of", "2026-03-08", "--format", "json")
    assert json.loads(raw) == {"2026-03-08": {"": 1, "alice": 1}, "2026-03-09": {}}


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch):
    """`lifecycle due | head` must not print an error when head stops reading."""

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    assert main(["due"], out=Closed(), err=err) == 0
    assert err.getvalue() == ""


def test_summary_formats():
    """table, csv and json carry the same counts."""
    _, table, _ = run("summary", "--as-of", "2026-01-01")
    assert "as of 2026-01-01" in table and "(the sample book" not in table
    _, raw, _ = run("summary", "--format", "json")
    data = json.loads(raw)
    assert data["customers"] == 200
    assert sum(s["derived"] for s in data["stages"].values()) == 200
    assert set(data["kinds"]) == {k.name for k in lc.Kind.standard()}
    _, csv_text, _ = run("summary", "--format", "csv")
    lines = csv_text.splitlines()
    assert lines[0] == "stage,derived,recorded"
    assert len(lines) == 1 + len(lc.DEFAULT_LIFECYCLE.stages)


def test_a_book_folder_and_today_as_default(tmp_path: Path):
    """--book reads a folder; without --as-of, today is used."""
    lc.write_book(lc.sample_book(), tmp_path)
    status, out, _ = run("summary", "--book", str(tmp_path))
    assert status == 0
    assert out.startswith(f"Book {tmp_path}, as of {dt.date.today().isoformat()}")  # noqa: DTZ011 - the CLI default under test


def test_bad_data_exits_1_with_one_clear_line(tmp_path: Path):
    """A bad row names file, line, column and value; no traceback."""
    (tmp_path / "customers.csv").write_text("customer_id,name,since\nc-1,Ada,2025-01-01\n")
    path = tmp_path / "touchpoints.csv"
    path.write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
        "t-1,c-1,2025-01-02T10:00:00Z,web,purchase,inbound\n"
        "t-2,c-1,2025-01-03T10:00:00,phone,check_in,outbound\n"
    )
    status, out, err = run("due", "--book", str(tmp_path))
    assert status == 1
    assert out == ""
    assert err.startswith(
        f"lifecycle due: error: {path}, line 3, column 'at': '2025-01-03T10:00:00' has no UTC offset"
    )
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_a_missing_book_exits_1(tmp_path: Path):
    """A folder that does not exist is bad data, said in one line."""
    status, _, err = run("summary", "--book", str(tmp_path / "nope"))
    assert status == 1
    assert "does not exist" in err


def test_an_unreadable_book_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An OS error while reading is one line naming the file, not a traceback."""

    def refuse(path: object, **options: object) -> lc.Book:
        raise PermissionError(13, "Permission denied", str(tmp_path / "customers.csv"))

    monkeypatch.setattr("lifecycle.cli.read_book", refuse)
    status, _, err = run("summary", "--book", str(tmp_path))
    assert status == 1
    assert err == f"lifecycle summary: error: {tmp_path / 'customers.csv'}: Permission denied\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due", "--as-of", "2026-13-01"], "'2026-13-01' is not a date"),
        (["due", "--as-of", "20261101"], "is not a date in the form YYYY-MM-DD"),
        (["due", "--format", "xml"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["forecast", "--days", "0"], "is not a number of days"),
        (["explain"], "required"),
    ],
)
def test_bad_usage_exits_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]):
    """Usage errors exit with status 2 and a message, never a traceback."""
    status, _, err = run(*argv)
    assert status == 2
    assert message in err + capsys.readouterr().err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]):
    """--help and --version print and succeed."""
    assert run("--version")[0] == 0
    assert lc.__version__ in capsys.readouterr().out
    assert run("due", "--help")[0] == 0
    assert "--as-of" in capsys.readouterr().out


def test_the_main_module_runs_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """lifecycle/__main__.py hands the arguments to the CLI and exits with its status."""
    import runpy  # noqa: PLC0415

    monkeypatch.setattr(sys, "argv", ["lifecycle", "summary", "--format", "csv"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("lifecycle", run_name="__main__")
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("stage,derived,recorded")


def test_python_dash_m_runs_the_cli():
    """`python -m lifecycle` is the same command."""
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle", "summary", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["customers"] == 200


def test_a_closed_real_pipe_is_silenced():
    """With a real file descriptor, the closed pipe is pointed at /dev/null so exit is clean."""
    import os  # noqa: PLC0415

    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as out:
        err = io.StringIO()
        assert main(["due"], out=out, err=err) == 0
        out.write("more text after the reader left")  # goes to /dev/null now
    assert err.getvalue() == ""


def test_a_small_agenda_table_without_held_back_or_skipped(tmp_path: Path):
    """The table leaves out the held-back and skipped sections when they are empty."""
    (tmp_path / "customers.csv").write_text("customer_id,name,since\nc-1,Ada,2025-01-01\n")
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\nt-1,c-1,2026-01-01T10:00:00Z,web,inquiry,inbound\n"
    )
    status, out, _ = run("due", "--book", str(tmp_path), "--as-of", "2026-03-02")
    assert status == 0
    assert "1 action due, 0 held back by the cap, 0 customers skipped" in out
    assert "Held back" not in out
    assert "Skipped" not in out


def test_due_with_a_policy_file_is_the_same_agenda_as_the_starter_pack():
    """--policies with the shipped starter-pack.toml gives the built-in agenda, row for row."""
    plain = run("due", "--format", "csv")
    from_file = run("due", "--format", "csv", "--policies", str(lc.starter_pack_path()))
    assert plain == from_file
    assert plain[0] == 0


def test_a_bad_policy_file_exits_1_listing_every_problem(tmp_path: Path):
    """Every problem of the file, with line and key, and no traceback."""
    path = tmp_path / "p.toml"
    path.write_text('[[policy]]\nname = "a"\npriority = "1"\nanchor = "sinse"\n', encoding="utf-8")
    status, out, err = run("due", "--policies", str(path))
    assert (status, out) == (1, "")
    assert err.startswith(f"lifecycle due: error: {path}: 2 problems\n")
    assert "line 3: policy[0].priority = '1': must be a whole number" in err
    assert "line 4: policy[0].anchor = 'sinse'" in err
    missing = run("due", "--policies", str(tmp_path / "none.toml"))
    assert missing[0] == 1 and "cannot be read" in missing[2]


def test_validate_lists_every_problem_of_book_and_policies(tmp_path: Path):
    """validate: exit 1 with each problem on its line; exit 0 with a one-line summary."""
    assert run("validate") == (
        0,
        "ok: the sample book: 200 customers; the starter pack: 9 policies\n",
        "",
    )
    (tmp_path / "customers.csv").write_text(
        "customer_id,name,since\nc-1,Ada,2025-13-01\nc-2,Bob,2025-01-01\n", encoding="utf-8"
    )
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
        "t-1,c-2,2025-01-02T09:00:00Z,web,purchse,inbound\n",
        encoding="utf-8",
    )
    policies = tmp_path / "p.toml"
    policies.write_text('[[policy]]\nname = "a"\npriority = 1\n', encoding="utf-8")
    status, out, _ = run("validate", "--book", str(tmp_path), "--policies", str(policies))
    assert status == 1
    lines = out.splitlines()
    assert lines[-1] == "3 problems found"
    assert "line 2, column 'since': '2025-13-01'" in lines[0]
    assert "column 'kind': 'purchse'" in lines[1]
    assert lines[2] == f"{policies}, line 1: policy[0].anchor: is required"
    good = run(
        "validate",
        "--book",
        str(lc.sample_path()),
        "--policies",
        str(lc.starter_pack_path()),
    )
    assert good[0] == 0
    assert good[1].startswith(f"ok: book {lc.sample_path()}: 200 customers, ")


def test_metrics_for_the_sample_book():
    """metrics: a table by default, the same numbers as JSON, and a clear bad period."""
    status, out, err = run("metrics")
    assert (status, err) == (0, "")
    assert out.startswith("Sample book, 2025-11-03 to 2026-11-02\n")
    assert "Service (reactive)" in out and "NPS" in out and "Cohorts by start month" in out
    status, out, _ = run(
        "metrics", "--from", "2026-01-01", "--to", "2026-06-30", "--format", "json"
    )
    data = json.loads(out)
    assert (data["from"], data["to"]) == ("2026-01-01", "2026-06-30")
    expected = lc.metrics.nps(lc.sample_book(), dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert data["nps"]["score"] == expected.score
    status, out, err = run("metrics", "--from", "2026-12-01")
    assert (status, out) == (1, "")
    assert "--from='2026-12-01': is after --to 2026-11-02" in err


def test_metrics_end_with_the_teams_stewardship_record(monkeypatch: pytest.MonkeyPatch):
    """metrics: the table ends with the decisions of the period; JSON holds them too."""
    sample = lc.sample_book()
    first = next(iter(sample))
    done = lc.Decision(
        id="d-1",
        customer_id=first.id,
        policy="welcome",
        due=dt.date(2026, 10, 1),
        outcome="done",
        at=dt.datetime(2026, 10, 3, 12, tzinfo=dt.UTC),
    )
    monkeypatch.setattr("lifecycle.cli.sample_book", lambda: sample.with_decisions([done]))
    status, out, _ = run("metrics", "--from", "2026-10-03")
    assert status == 0
    record = lc.metrics.stewardship_record(
        sample.with_decisions([done]), as_of=lc.SAMPLE_AS_OF, start=dt.date(2026, 10, 3)
    )
    assert out.endswith(f"\n\n{record}\n")
    assert "Decisions from 2026-10-03 up to 2026-11-02: 1 action decided" in out
    _, raw, _ = run("metrics", "--from", "2026-10-04", "--format", "json")
    assert json.loads(raw)["decisions"]["total"]["done"] == 0


# -- CSV formula injection (OWASP): text cells a spreadsheet could run ------------------

_HOSTILE_IDS = ["=1+1", "+44", "-2", "@SUM(A1)", "plain", "a=b", "'quoted"]


def _hostile_book(folder: Path) -> Path:
    customers = [lc.Customer(id=cid, name="Ada", since=dt.date(2025, 1, 6)) for cid in _HOSTILE_IDS]
    complaints = [
        lc.Touchpoint(id=f"t{n}", customer_id=cid, kind="complaint", channel="phone",
                      direction="inbound", at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC))
        for n, cid in enumerate(_HOSTILE_IDS)
    ]  # fmt: skip
    lc.write_book(lc.Book(customers, complaints), folder)
    return folder


def test_agenda_csv_cells_a_spreadsheet_could_run_get_a_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv as csv_module  # noqa: PLC0415

    from lifecycle import _scale  # noqa: PLC0415

    book = str(_hostile_book(tmp_path))
    args = ("due", "--book", book, "--as-of", "2026-11-02", "--format", "csv")
    status, out, _ = run(*args)
    assert status == 0
    ids = [row[0] for row in csv_module.reader(io.StringIO(out))][1:]
    assert sorted(ids) == sorted(["'=1+1", "'+44", "'-2", "'@SUM(A1)", "plain", "a=b", "'quoted"])
    status, raw, _ = run(*args, "--raw-csv")
    assert sorted(row[0] for row in csv_module.reader(io.StringIO(raw)) if row[0] in ids) == [
        "'quoted",
        "a=b",
        "plain",
    ]  # the others differ
    assert sorted(row[0] for row in csv_module.reader(io.StringIO(raw))) == sorted(
        ["customer_id", *_HOSTILE_IDS]
    )
    # Only the neutralised cells differ (each line starts with its customer id).
    changed = [
        as_is for neutral, as_is in zip(out.splitlines(), raw.splitlines(), strict=True)
        if neutral != as_is and neutral == "'" + as_is
    ]  # fmt: skip
    assert len(changed) == 4
    assert len(out) == len(raw) + 4
    # JSON keeps values as they are; --raw-csv does not change it (nor the table).
    _, data, _ = run("due", "--book", book, "--as-of", "2026-11-02", "--format", "json")
    assert sorted(a["customer_id"] for a in json.loads(data)["actions"]) == sorted(_HOSTILE_IDS)
    assert run("due", "--book", book, "--format", "json", "--raw-csv") == run(
        "due", "--book", book, "--format", "json"
    )
    # A large book (streamed, by several processes) gives the same bytes.
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    assert run(*args) == (0, out, "")
    assert run(*args, "--raw-csv") == (0, raw, "")


class _Hostile:
    """A policy whose own name and reason a spreadsheet could run."""

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        return [
            lc.Verdict(policy=self.name, priority=-3, status=lc.Status.DUE, due=as_of,
                       reason=self.reason)
        ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tcall", "'\tcall"),
        ("\rcall", "'\rcall"),
        ("call = now", "call = now"),
        ("", ""),
    ],
)
def test_policy_names_and_reasons_are_neutralised_too(text: str, neutral: str) -> None:
    import csv as csv_module  # noqa: PLC0415

    from lifecycle import _agenda_output  # noqa: PLC0415

    engine = lc.Engine([_Hostile("@policy", text or "why")])  # type: ignore[list-item]
    book = lc.Book([lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6))])
    agenda = engine.agenda(book, lc.SAMPLE_AS_OF)

    def cells(fmt: _agenda_output.OutputFormat) -> list[list[str]]:
        out = io.StringIO()
        runs = _agenda_output.Runs.of([_agenda_output.render(agenda, fmt)])
        _agenda_output.write(out, fmt, runs, title="", as_of="")
        return list(csv_module.reader(io.StringIO(out.getvalue())))

    day = lc.SAMPLE_AS_OF.isoformat()
    assert cells("csv")[1] == ["c-1", "'@policy", day, "-3", "0", neutral or "why", "", ""]
    assert cells("raw-csv")[1] == ["c-1", "@policy", day, "-3", "0", text or "why", "", ""]


# -- forget: erase customers from a book's files ---------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_forget_rewrites_the_book_without_the_customer(tmp_path: Path, fmt: str) -> None:
    lc.write_book(lc.sample_book(), tmp_path, format=fmt)  # type: ignore[arg-type]
    gone = lc.sample_book().timeline("C001")
    status, out, err = run("forget", "C001", "--book", str(tmp_path))
    assert (status, err) == (0, "")
    assert out == f"forgot 1 customer and {len(gone)} touchpoints; rewrote {tmp_path}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"customers.{fmt}", f"touchpoints.{fmt}"]
    assert lc.read_book(tmp_path) == lc.sample_book().without_customers(["C001"])
    for file in tmp_path.iterdir():  # nothing of theirs is left in the files
        assert "Aurora Lindqvist" not in file.read_text(encoding="utf-8")
        assert not any(tp.id in file.read_text(encoding="utf-8") for tp in gone)
    status, out, _ = run("forget", "C002", "C003", "--book", str(tmp_path))
    assert status == 0 and out.startswith("forgot 2 customers and ")


def test_forget_a_customer_without_touchpoints(tmp_path: Path) -> None:
    lc.write_book(lc.Book([lc.Customer(id="c-1", name="Ada", since=lc.SAMPLE_AS_OF)]), tmp_path)
    assert run("forget", "c-1", "--book", str(tmp_path)) == (
        0,
        f"forgot 1 customer and 0 touchpoints; rewrote {tmp_path}\n",
        "",
    )


def test_forget_says_what_is_wrong_and_leaves_the_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lc.write_book(lc.sample_book(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    status, out, err = run("forget", "C001", "nobody", "--book", str(tmp_path))
    assert (status, out) == (1, "")
    assert err == (
        "lifecycle forget: error: no customer with id 'nobody' in the book "
        "(unknown: 'nobody'; no customer was left out)\n"
    )
    assert run("forget", "C001")[0] == 2  # no --book: the sample book is not to be rewritten
    status, _, err = run("forget", "C001", "--book", str(tmp_path / "missing"))
    assert status == 1 and "does not exist" in err

    def full(*args: object, **kwargs: object) -> None:
        raise lc.BookWriteError(str(tmp_path / "touchpoints.csv"), "No space left on device")

    monkeypatch.setattr("lifecycle.cli.write_book", full)
    status, _, err = run("forget", "C001", "--book", str(tmp_path))
    assert status == 1
    assert err == (
        f"lifecycle forget: error: {tmp_path / 'touchpoints.csv'}: cannot write the book: "
        "No space left on device\n"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
