"""The command line a person expects: filters, plurals, help, policy files and factories."""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import lifecycle as lc
from lifecycle import _scale, cli
from lifecycle.cli import main

AS_OF = lc.SAMPLE_AS_OF
DAY = AS_OF.isoformat()
OWNERS = ("alice", "bob", None)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def owned_sample() -> lc.Book:
    """The sample book, its customers shared among alice, bob and nobody."""
    book = lc.sample_book()
    customers = [attrs.evolve(c, owner=OWNERS[n % 3]) for n, c in enumerate(book)]
    return lc.Book(customers, book.touchpoints())


AGENDA = lc.Engine(lc.starter_pack()).agenda(owned_sample(), AS_OF)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    lc.write_book(owned_sample(), tmp_path / "book")
    return tmp_path / "book"


def due_json(folder: Path, *more: str) -> dict[str, list[dict[str, object]]]:
    status, out, err = run("due", "--book", str(folder), "--as-of", DAY, "--format", "json", *more)
    assert status == 0, err
    data: dict[str, list[dict[str, object]]] = json.loads(out)
    return data


# -- due --limit, --policy, --customer ---------------------------------------------------------


def expected(
    policies: set[str] | None = None, customers: set[str] | None = None, owner: str | None = None
) -> dict[str, list[object]]:
    def shown(a: lc.Action) -> bool:
        return (
            (policies is None or a.policy in policies)
            and (customers is None or a.customer_id in customers)
            and (owner is None or a.owner == owner)
        )

    owners = {c.id: c.owner for c in owned_sample()}
    return {
        "actions": [a.customer_id + " " + a.policy for a in AGENDA if shown(a)],
        "held_back": [
            h.action.customer_id + " " + h.action.policy
            for h in AGENDA.held_back
            if shown(h.action)
        ],
        "skipped": [
            s.customer_id
            for s in AGENDA.skipped
            if (customers is None or s.customer_id in customers)
            and (owner is None or owners[s.customer_id] == owner)
        ],
    }


def seen(data: dict[str, list[dict[str, object]]]) -> dict[str, list[object]]:
    return {
        "actions": [f"{a['customer_id']} {a['policy']}" for a in data["actions"]],
        "held_back": [f"{a['customer_id']} {a['policy']}" for a in data["held_back"]],
        "skipped": [s["customer_id"] for s in data["skipped"]],
    }


HELD = AGENDA.held_back[0].action
SKIPPED = AGENDA.skipped[0].customer_id
FILTERS = [
    ([], {}),
    (["--policy", "health_check"], {"policies": {"health_check"}}),
    (
        ["--policy", "health_check", "--policy", HELD.policy],
        {"policies": {"health_check", HELD.policy}},
    ),
    (["--customer", "C001"], {"customers": {"C001"}}),
    (
        ["--customer", HELD.customer_id, "--customer", SKIPPED, "--customer", "nobody"],
        {"customers": {HELD.customer_id, SKIPPED, "nobody"}},
    ),
    (
        ["--customer", HELD.customer_id, "--policy", HELD.policy],
        {"customers": {HELD.customer_id}, "policies": {HELD.policy}},
    ),
    (["--policy", "welcome", "--owner", "alice"], {"policies": {"welcome"}, "owner": "alice"}),
]


@pytest.mark.parametrize("large", [False, True], ids=["loaded", "streamed"])
@pytest.mark.parametrize(("more", "wanted"), FILTERS)
def test_due_filters_by_policy_and_customer(
    book: Path,
    monkeypatch: pytest.MonkeyPatch,
    large: bool,
    more: list[str],
    wanted: dict[str, object],
):
    """--policy and --customer show part of the agenda worked out whole, on either path."""
    if large:
        monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    got = seen(due_json(book, "--workers", "2", *more))
    assert got == expected(**wanted)  # type: ignore[arg-type]
    if more:
        assert got["actions"] or got["held_back"] or got["skipped"]


@pytest.mark.parametrize("large", [False, True], ids=["loaded", "streamed"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "table"])
def test_due_limit_shows_the_first_actions(
    book: Path, monkeypatch: pytest.MonkeyPatch, large: bool, fmt: str
):
    """--limit N: the first N actions in agenda order; the rest of the output is unchanged."""
    if large:
        monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    argv = ["due", "--book", str(book), "--as-of", DAY, "--format", fmt, "--workers", "2"]
    whole = run(*argv)[1]
    status, out, _ = run(*argv, "--limit", "3")
    assert status == 0
    first = [f"{a.customer_id} {a.policy}" for a in AGENDA.actions[:3]]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [f"{r['customer_id']} {r['policy']}" for r in rows] == first
        assert whole.startswith(out)
    elif fmt == "jsonl":
        assert [f"{r['customer_id']} {r['policy']}" for r in map(json.loads, out.splitlines())] == (
            first
        )
        assert whole.startswith(out)
    elif fmt == "json":
        data = json.loads(out)
        assert seen(data)["actions"] == first
        assert data["held_back"] == json.loads(whole)["held_back"]
        assert data["skipped"] == json.loads(whole)["skipped"]
    else:
        assert f"{len(AGENDA)} actions due (the first 3 shown)," in out
        lines = out.splitlines()
        start = lines.index(next(x for x in lines if x.startswith("prio")))
        assert lines[start + 1 : start + 4] == whole.splitlines()[start + 1 : start + 4]
        assert lines[start + 4] == ""
        assert out.split("Held back")[1] == whole.split("Held back")[1]


def test_a_limit_above_the_agenda_shows_it_all(book: Path):
    assert due_json(book, "--limit", "100000") == due_json(book)
    _, out, _ = run("due", "--book", str(book), "--as-of", DAY, "--limit", "100000")
    assert "shown" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--limit", "0"], "'0' is not a number of actions from 1 upwards"),
        (["--limit", "x"], "'x' is not a number of actions from 1 upwards"),
        (
            ["--policy", "renewal", "--policy", "vip_call"],
            "--policy 'vip_call' is not a policy in use (policies: complaint_follow_up,",
        ),
    ],
)
def test_bad_filters_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]):
    out, err = io.StringIO(), io.StringIO()
    assert main(["due", *argv], out=out, err=err) == 2
    assert message in err.getvalue() + capsys.readouterr().err


# -- plurals -----------------------------------------------------------------------------------


@pytest.fixture
def one(tmp_path: Path) -> Path:
    """A book of one customer, who has one touchpoint."""
    (tmp_path / "customers.csv").write_text("customer_id,name,since\nc-1,Ada,2025-01-01\n")
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
        "t-1,c-1,2026-01-01T10:00:00Z,web,inquiry,inbound\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["due", "--as-of", "2026-03-02"], "1 action due, 0 held back by the cap, 0 customers"),
        (["due", "--customer", "nobody"], "0 actions due, 0 held back by the cap, 0 customers"),
        (["validate"], ": 1 customer, 1 touchpoint; the starter pack: 9 policies"),
        (["summary", "--as-of", "2026-03-02"], "1 customer (0 do not contact), 1 touchpoint up to"),
        (["summary", "--as-of", "2026-03-02"], "recorded stage differs from derived: 0 customers;"),
        (["forecast", "--days", "1", "--as-of", "2026-03-02"], "in the next 1 day (before"),
        (["forecast", "--days", "2", "--as-of", "2026-03-02"], "in the next 2 days (before"),
    ],
)
def test_counts_are_in_the_right_number(one: Path, argv: list[str], line: str):
    status, out, err = run(*argv, "--book", str(one))
    assert status == 0, err
    assert line in out


def test_one_customer_skipped_and_one_problem(tmp_path: Path):
    (tmp_path / "customers.csv").write_text(
        "customer_id,name,since,do_not_contact\nc-1,Ada,2025-01-01,true\n"
    )
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
        "t-1,c-1,2026-01-01T10:00:00Z,web,inquiry,inbound\n"
    )
    assert (
        "0 actions due, 0 held back by the cap, 1 customer skipped"
        in run("due", "--book", str(tmp_path), "--as-of", "2026-03-02")[1]
    )
    policies = tmp_path / "one.toml"
    policies.write_text(
        '[[policy]]\nname = "call"\npriority = "high"\nanchor = { last = "nps" }\n'
        'offset = "3 days"\n'
    )
    status, out, _ = run("validate", "--book", str(tmp_path), "--policies", str(policies))
    assert status == 1
    assert out.endswith("\n1 problem found\n")


# -- reasons name dates ------------------------------------------------------------------------


def test_the_referral_reason_names_a_local_date_and_the_facts_the_instant():
    """The window "N.at - 180 days" reads as the customer's local date; facts keep the instant."""
    status, out, _ = run("due", "--format", "jsonl", "--policy", "promoter_referral")
    assert status == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows
    zones = {c.id: c.timezone for c in lc.sample_book()}
    for row in rows:
        since = dt.datetime.fromisoformat(row["facts"]["since"])
        day = since.astimezone(zones[row["customer_id"]]).date().isoformat()
        assert f", no referral since {day}; due " in row["reason"]
        assert "T" not in row["reason"].split("since ")[1].split(";")[0]


# -- validate --format json, policies init -------------------------------------------------------


def test_validate_as_json_lists_problems_and_warnings(tmp_path: Path):
    """Each problem and warning as an object, with where it is; exit status as for text."""
    status, out, _ = run("validate", "--format", "json")
    assert status == 0
    assert json.loads(out) == {
        "ok": True,
        "checked": {
            "book": {"path": None, "customers": 200},
            "policies": {"path": None, "policies": 9},
        },
        "problems": [],
        "warnings": [],
    }
    (tmp_path / "customers.csv").write_text(
        "customer_id,name,since\nc-1,Ada,2025-13-01\nc-2,Bob,2025-01-01\n", encoding="utf-8"
    )
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
        "t-1,c-2,2025-01-02T09:00:00Z,web,inquiry,inbound\n",
        encoding="utf-8",
    )
    (tmp_path / "decisions.csv").write_text(
        "decision_id,customer_id,policy,due,decision,at\n"
        "d-1,c-2,vip_call,2025-02-01,done,2025-02-02T10:00:00Z\n",
        encoding="utf-8",
    )
    text = run("validate", "--book", str(tmp_path))
    status, out, _ = run("validate", "--book", str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert status == 1 == text[0]
    assert data["ok"] is False
    assert data["checked"]["book"] == {"path": str(tmp_path), "customers": 1, "touchpoints": 1}
    [problem] = data["problems"]
    assert problem | {"message": ""} == {
        "file": str(tmp_path / "customers.csv"),
        "line": 2,
        "column": "since",
        "value": "2025-13-01",
        "problem": problem["problem"],
        "message": "",
    }
    [warning] = data["warnings"]
    assert warning == {
        "decision": "d-1",
        "customer_id": "c-2",
        "policy": "vip_call",
        "message": warning["message"],
    }
    # The messages are the lines of the text output.
    assert text[1].splitlines()[:2] == [f"warning: {warning['message']}", problem["message"]]
    policies = tmp_path / "p.toml"
    policies.write_text('[[policy]]\nname = "a"\npriority = 1\n', encoding="utf-8")
    status, out, _ = run("validate", "--policies", str(policies), "--format", "json")
    data = json.loads(out)
    assert status == 1
    assert data["checked"]["policies"] == {"path": str(policies), "policies": None}
    assert data["problems"] == [
        {
            "file": str(policies),
            "line": 1,
            "key": "policy[0].anchor",
            "value": None,
            "problem": "is required",
            "message": f"{policies}, line 1: policy[0].anchor: is required",
        }
    ]
    assert run("validate", "--policies", str(lc.starter_pack_path()), "--format", "json")[0] == 0


def test_policies_init_writes_the_starter_pack_to_edit(tmp_path: Path):
    file = tmp_path / "team.toml"
    status, out, err = run("policies", "init", str(file))
    assert (status, err) == (0, "")
    assert out == (
        f"wrote {file}: the starter pack's 9 policies; edit it, check it with: "
        f"lifecycle validate --policies {file}\n"
    )
    assert "[[policy]]" in file.read_text(encoding="utf-8")
    book = lc.sample_book()
    assert lc.Engine(lc.load_policies(file)).agenda(book, AS_OF) == lc.Engine(
        lc.starter_pack()
    ).agenda(book, AS_OF)
    assert (
        run("due", "--policies", str(file), "--format", "csv")[1]
        == run("due", "--format", "csv")[1]
    )
    # An edit is kept unless --force.
    file.write_text("# mine\n", encoding="utf-8")
    status, _, err = run("policies", "init", str(file))
    assert status == 1
    assert err == f"lifecycle policies: error: {file} exists; pass --force to overwrite it\n"
    assert file.read_text(encoding="utf-8") == "# mine\n"
    assert run("policies", "init", str(file), "--force")[0] == 0
    assert file.read_text(encoding="utf-8") == lc.starter_pack_path().read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "force", "message"),
    [
        (
            "no/such/folder.toml",
            False,
            "no/such/folder.toml: cannot write the policy file: No such",
        ),
        (".", True, ": cannot write the policy file: Is a folder, not a file"),
        (".", False, " exists; pass --force to overwrite it"),
    ],
)
def test_policies_init_names_a_file_it_cannot_write(
    tmp_path: Path, name: str, force: bool, message: str
):
    status, out, err = run(
        "policies", "init", str(tmp_path / name), *(["--force"] if force else [])
    )
    assert (status, out) == (1, "")
    assert message in err and err.count("\n") == 1
    assert "partial" not in err


def test_policies_needs_a_subcommand(capsys: pytest.CaptureFixture[str]):
    assert main(["policies"]) == 2
    assert "required: SUBCOMMAND" in capsys.readouterr().err


# -- help --------------------------------------------------------------------------------------


def subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every subcommand of *parser*, nested ones too, with the words that name it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


SUBCOMMANDS = [pytest.param(p, s, id=" ".join(p)) for p, s in subcommands(cli._parser())]


def test_every_subcommand_is_walked():
    names = {" ".join(path) for path, _ in subcommands(cli._parser())}
    assert {"due", "validate", "metrics", "policies", "policies init", "snooze"} <= names
    assert len(names) == 12


@pytest.mark.parametrize(("path", "sub"), SUBCOMMANDS)
def test_every_subcommand_has_a_description_and_an_example(
    path: tuple[str, ...], sub: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
):
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: lifecycle {' '.join(path)} ")
    assert sub.description and sub.description in text  # kept as written, line breaks too
    examples = text.split("\nexamples:\n")[1].splitlines()
    assert examples and all(e.startswith("  lifecycle ") for e in examples)
    # Each example parses: its command exists and takes those options.
    for example in examples:
        words = shlex.split(example)[1:]
        assert cli._parser().parse_args(words).command == words[0]


# -- --policies module:function ----------------------------------------------------------------

TEAM = """\
import lifecycle as lc

def make():
    return [lc.starter_pack(), lc.policy("quarterly_review", priority=6,
            anchor=lc.first("purchase"), recurs=lc.every(months=3), expires=lc.days(14))]

def starter():
    return lc.starter_pack()

def broken():
    raise RuntimeError("no database\\nat all")

def nothing():
    return 42

not_a_function = 3
"""


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A team's package of policies in the current folder, under a name of its own."""
    name = f"team_{tmp_path.name.replace('-', '_')}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / name / "policies.py").write_text(TEAM, encoding="utf-8")
    (tmp_path / name / "bad.py").write_text("import no_such_dependency_xyz\n", encoding="utf-8")
    (tmp_path / name / "worse.py").write_text("1 +\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return name


def test_policies_from_a_python_factory(team: str):
    """--policies package.module:function runs the policies the function returns."""
    import sys  # noqa: PLC0415

    before = list(sys.path)
    status, out, err = run("due", "--policies", f"{team}.policies:make", "--format", "csv")
    assert (status, err) == (0, "")
    assert sys.path == before  # the current folder was searched for the import only
    book = lc.sample_book()
    engine = lc.Engine([lc.starter_pack(), lc.policy("quarterly_review", priority=6,
        anchor=lc.first("purchase"), recurs=lc.every(months=3), expires=lc.days(14))])  # fmt: skip
    assert len(out.splitlines()) == len(engine.agenda(book, AS_OF)) + 1
    assert ",quarterly_review," in out
    same = run("due", "--policies", f"{team}.policies:starter", "--format", "csv")
    assert same == run("due", "--format", "csv")
    assert run("due", "--policies", f"{team}.policies:make", "--policy", "quarterly_review")[0] == 0
    status, out, _ = run("validate", "--policies", f"{team}.policies:make")
    assert (status, out) == (
        0,
        f"ok: the sample book: 200 customers; policies {team}.policies:make: 10 policies\n",
    )


@pytest.mark.parametrize(
    ("spec", "status", "message"),
    [
        ("{team}.nope:make", 2, "--policies '{team}.nope:make': no module named '{team}.nope'"),
        ("nope_xyz.mod:make", 2, "--policies 'nope_xyz.mod:make': no module named 'nope_xyz'"),
        (
            "{team}.policies:missing",
            2,
            "--policies '{team}.policies:missing': {team}.policies has no function 'missing'",
        ),
        (
            "{team}.policies:not_a_function",
            2,
            (
                "--policies '{team}.policies:not_a_function': {team}.policies has no function "
                "'not_a_function'"
            ),
        ),
        (
            "{team}.policies:broken",
            1,
            (
                "--policies '{team}.policies:broken': calling broken() raised "
                "RuntimeError: no database at all"
            ),
        ),
        (
            "{team}.policies:nothing",
            1,
            "--policies '{team}.policies:nothing': nothing() did not return policies: ",
        ),
        (
            "{team}.bad:make",
            1,
            (
                "--policies '{team}.bad:make': importing {team}.bad raised ModuleNotFoundError: "
                "No module named 'no_such_dependency_xyz'"
            ),
        ),
        (
            "{team}.worse:make",
            1,
            "--policies '{team}.worse:make': importing {team}.worse raised SyntaxError: ",
        ),
    ],
)
def test_a_policy_factory_that_fails_says_so_in_one_line(
    team: str, spec: str, status: int, message: str
):
    got, out, err = run("due", "--policies", spec.format(team=team))
    assert (got, out) == (status, "")
    assert err.startswith(f"lifecycle due: error: {message.format(team=team)}")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_file_named_like_a_factory_is_a_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "team.policies:make").write_text(
        lc.starter_pack_path().read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert run("due", "--policies", "team.policies:make") == run("due")


def test_a_factory_on_the_path_already(team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import sys  # noqa: PLC0415

    monkeypatch.syspath_prepend(str(tmp_path))
    before = list(sys.path)
    assert run("due", "--policies", f"{team}.policies:starter") == run("due")
    assert sys.path == before


# -- the table fits the terminal ---------------------------------------------------------------


class Terminal(io.StringIO):
    """Standard output as a terminal."""

    def isatty(self) -> bool:
        return True


class AsciiTerminal(Terminal):
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "ascii"


def on(out: io.StringIO, *argv: str) -> str:
    assert main(list(argv), out=out, err=io.StringIO()) == 0
    return out.getvalue()


@pytest.mark.parametrize(("terminal", "mark"), [(Terminal, "…"), (AsciiTerminal, "...")])
def test_on_a_terminal_the_table_fits_its_width(
    monkeypatch: pytest.MonkeyPatch, terminal: type[Terminal], mark: str
):
    monkeypatch.setenv("COLUMNS", "90")
    full = run("due")[1].splitlines()
    cut = on(terminal(), "due").splitlines()
    assert len(cut) == len(full)
    assert any(len(line) > 90 for line in full)
    assert cut[:2] == full[:2]  # the title and counts stay whole
    for whole, line in zip(full[2:], cut[2:], strict=True):
        if len(whole) <= 90:
            assert line == whole
        else:
            assert len(line) == 90
            assert line == whole[: 90 - len(mark)] + mark
    held = [line for line in cut if line.startswith("  C")]
    assert held and all(len(line) <= 90 for line in held)


def test_wide_output_files_and_pipes_keep_the_full_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("COLUMNS", "90")
    full = run("due")[1]
    assert on(Terminal(), "due", "--wide") == full
    assert on(Terminal(), "due", "--output", str(tmp_path / "a.txt")) == ""
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == full
    assert on(Terminal(), "due", "--format", "csv") == run("due", "--format", "csv")[1]


def test_the_table_fits_on_the_streamed_path_too(book: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "70")
    argv = ("due", "--book", str(book), "--as-of", DAY)
    expected = on(Terminal(), *argv)
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    assert on(Terminal(), *argv, "--workers", "2") == expected
    assert max(len(line) for line in expected.splitlines()[2:]) == 70


# -- a progress line on a terminal -------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "done", "line"),
    [
        (200, 50, "\rlifecycle due: [######                  ] 50/200 customers\x1b[K"),
        (None, 12345, "\rlifecycle due: 12,345 customers worked out\x1b[K"),
    ],
)
def test_a_long_run_shows_its_progress_then_clears_it(
    monkeypatch: pytest.MonkeyPatch, total: int | None, done: int, line: str
):
    monkeypatch.setattr(cli._Progress, "AFTER", 0)
    monkeypatch.setattr(cli._Progress, "EVERY", 3600)
    err = Terminal()
    with cli._Progress.on(err, total=total) as progress:
        assert progress is not None
        progress.count.value = done
        progress.tick()
        assert err.getvalue() == line
        progress.tick()  # not yet time to draw again
        assert err.getvalue() == line
    assert err.getvalue() == line + "\r\x1b[K"


def test_a_quick_run_or_no_terminal_shows_no_progress(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli._Progress, "AFTER", 3600)
    err = Terminal()
    with cli._Progress.on(err, total=3) as progress:
        assert progress is not None
        progress.tick()
    assert err.getvalue() == ""
    for quiet in (io.StringIO(), None):
        with cli._Progress.on(quiet, total=3) as progress:
            assert progress is None


@pytest.mark.parametrize(
    ("large", "more", "total", "line"),
    [
        (False, [], 200, "] 200/200 customers\x1b[K"),
        (True, ["--workers", "2"], None, " customers worked out\x1b[K"),
        (True, ["--workers", "1"], None, "200 customers worked out\x1b[K"),
        (True, ["--owner", "alice"], None, "200 customers worked out\x1b[K"),
    ],
)
def test_the_progress_counts_every_customer(
    book: Path,
    monkeypatch: pytest.MonkeyPatch,
    large: bool,
    more: list[str],
    total: int | None,
    line: str,
):
    """Loaded, streamed by several processes, or streamed by this one: each customer counts."""
    monkeypatch.setattr(cli._Progress, "AFTER", 0)
    monkeypatch.setattr(cli._Progress, "EVERY", 0)
    monkeypatch.setattr(_scale, "_TICK", 0)  # look at the workers as often as can be
    if large:
        monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    seen: list[tuple[int | None, int]] = []
    shown = cli._Progress.on

    @contextlib.contextmanager
    def recording(err: io.StringIO | None, *, total: int | None) -> Iterator[object]:
        with shown(err, total=total) as progress:
            yield progress
            if progress is not None:  # not on a terminal: nothing counted
                seen.append((total, progress.count.value))

    monkeypatch.setattr(cli._Progress, "on", recording)
    out, err = io.StringIO(), Terminal()
    argv = ["due", "--book", str(book), "--as-of", DAY, "--format", "csv", *more]
    assert main(argv, out=out, err=err) == 0
    assert seen == [(total, len(lc.sample_book()))]
    assert line in err.getvalue()
    assert err.getvalue().startswith("\rlifecycle due: ")
    assert err.getvalue().endswith("\x1b[K\r\x1b[K")
    assert out.getvalue() == run(*argv)[1]


# -- summary names the customers; summary and metrics take the policy file's churn rule --


def test_summary_names_anomalous_and_disagreeing_customers() -> None:
    book = lc.sample_book()
    histories = {c.id: lc.DEFAULT_LIFECYCLE.history(c, t, as_of=AS_OF) for c, t in book.items()}
    _, raw, _ = run("summary", "--format", "json")
    data = json.loads(raw)
    assert [d["customer_id"] for d in data["disagreeing_customers"]] == sorted(
        cid for cid, h in histories.items() if h.agrees is False
    )
    assert [a["reason"] for a in data["anomalous_customers"]] == [
        a.reason for _, h in sorted(histories.items()) for a in h.anomalies
    ]
    assert data["anomalies"] == len(data["anomalous_customers"]) >= 1
    _, table, _ = run("summary")
    first = data["disagreeing_customers"][0]
    assert (
        f"  {first['customer_id']}: recorded {first['recorded']}, derived {first['derived']}"
        in table.splitlines()
    )
    assert f"  {data['anomalous_customers'][0]['customer_id']}: " in table


def test_summary_lists_ten_and_says_how_many_more(tmp_path: Path) -> None:
    # Recorded as churned, derived as prospects: twelve disagreements.
    customers = [
        lc.Customer(id=f"c-{n:02}", name="N", since=dt.date(2026, 1, 1), recorded_stage="churned")
        for n in range(12)
    ]
    lc.write_book(lc.Book(customers, []), tmp_path)
    _, table, _ = run("summary", "--book", str(tmp_path), "--as-of", "2026-02-01")
    listed = [line for line in table.splitlines() if line.startswith("  c-")]
    assert len(listed) == 10
    assert "  and 2 more (--format json lists them all)" in table.splitlines()
    assert "anomalies in timelines:" not in table.splitlines()


def _shop_policies(tmp_path: Path) -> Path:
    file = tmp_path / "shop.toml"
    text = lc.sample.starter_pack_path().read_text(encoding="utf-8")
    file.write_text('churn = { inactive_after = "90 days" }\n' + text, encoding="utf-8")
    return file


def test_metrics_count_churn_by_the_policy_files_rule(tmp_path: Path) -> None:
    shop = _shop_policies(tmp_path)
    start, end = AS_OF - dt.timedelta(days=364), AS_OF
    _, raw, _ = run("metrics", "--policies", str(shop), "--format", "json")
    _, default, _ = run("metrics", "--format", "json")
    rule = lc.churn_after_inactivity(days=90)
    kept = lc.metrics.retention(lc.sample_book(), start, end, churn=rule)
    assert json.loads(raw)["retention"]["retained"] == kept.retained
    assert json.loads(default)["retention"]["retained"] == (
        lc.metrics.retention(lc.sample_book(), start, end).retained
    )
    assert kept.retained != lc.metrics.retention(lc.sample_book(), start, end).retained


def test_summary_derives_stages_with_the_policy_files_rule(tmp_path: Path) -> None:
    _, raw, _ = run("summary", "--policies", str(_shop_policies(tmp_path)), "--format", "json")
    shop = lc.stages.default_lifecycle(churn=lc.churn_after_inactivity(days=90))
    churned = sum(
        shop.history(c, t, as_of=AS_OF).stage == "churned" for c, t in lc.sample_book().items()
    )
    assert json.loads(raw)["stages"]["churned"]["derived"] == churned
    _, usual, _ = run("summary", "--format", "json")
    assert json.loads(usual)["stages"]["churned"]["derived"] != churned
