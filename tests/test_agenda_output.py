"""The agenda as data: to_dict, to_records, to_frame, write_agenda and ``due --output``."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import _agenda_output
from lifecycle.agenda import ACTION_FIELDS, json_ready
from lifecycle.cli import main

ENGINE = lc.Engine(lc.starter_pack())
NAMES = [f.name for f in ACTION_FIELDS]
HEADER = ["customer_id", "policy", "due", "priority", "overdue_days", "reason", "channel", "owner"]
DAY = dt.date(2026, 11, 2)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def written(agenda: lc.Agenda, fmt: str) -> str:
    out = io.StringIO()
    lc.write_agenda(agenda, out, format=fmt)  # type: ignore[arg-type]
    return out.getvalue()


def action(**changes: object) -> lc.Action:
    fields: dict[str, object] = {
        "customer_id": "c-1",
        "policy": "renewal_check_in",
        "due": DAY,
        "priority": 2,
        "overdue_days": 0,
        "reason": "renewal is near",
    }
    return lc.Action(**(fields | changes))  # type: ignore[arg-type]


def agenda_of(*actions: lc.Action, held: tuple[lc.HeldBack, ...] = ()) -> lc.Agenda:
    skipped = (lc.Skipped("c-9", "churned", "cancelled on 2026-01-05"),)
    return lc.Agenda(DAY, actions, held, skipped)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# -- one description, every writer ---------------------------------------------------


@given(lct.books(max_customers=4, max_touchpoints=24, situations=True), lct.local_dates())
def test_every_format_carries_the_same_actions_in_the_same_order(book: lc.Book, day: dt.date):
    """Records survive json.dumps/loads; CSV, JSON and JSON Lines hold the same actions, in order."""
    agenda = ENGINE.agenda(book, day)
    records = agenda.to_records()
    assert json.loads(json.dumps(records)) == records
    assert [list(r) for r in records] == [NAMES] * len(agenda)
    assert [(r["customer_id"], r["policy"]) for r in records] == [
        (a.customer_id, a.policy) for a in agenda
    ]
    lines = written(agenda, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == records
    document = json.loads(written(agenda, "json"))
    assert document["actions"] == records
    assert document["held_back"] == [h.to_dict() for h in agenda.held_back]
    assert document["skipped"] == [s.to_dict() for s in agenda.skipped]
    rows = csv_rows(written(agenda, "csv"))
    assert rows[0] == HEADER
    plain = [
        [str(r[n]) if r[n] is not None else "" for n in HEADER]
        for r in json.loads(json.dumps(records))
    ]
    # The CSV's text cells differ only by the ' that guards a formula.
    assert [[c.removeprefix("'") for c in row] for row in rows[1:]] == [
        [c.removeprefix("'") if c.startswith("'") else c for c in row] for row in plain
    ]
    assert len(rows) - 1 == len(agenda)


def test_to_dict_follows_the_description():
    """Dates as ISO text, the channel by name, the owner, then the facts made JSON-ready."""
    found = action(
        channel=lc.Channel.PHONE,
        owner="Ana",
        facts={"anchor_date": dt.date(2026, 10, 2), "anchor_touchpoint": None},
    ).to_dict()
    assert found == {
        "customer_id": "c-1",
        "policy": "renewal_check_in",
        "due": "2026-11-02",
        "priority": 2,
        "overdue_days": 0,
        "reason": "renewal is near",
        "channel": "phone",
        "owner": "Ana",
        "facts": {"anchor_date": "2026-10-02", "anchor_touchpoint": None},
    }
    assert action().to_dict()["channel"] is None
    assert action().to_dict()["facts"] == {}


class _Colour(enum.Enum):
    RED = 1


UTC = ZoneInfo("UTC")
AT = dt.datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
TOUCHPOINT = lc.Touchpoint(
    id="t-1", customer_id="c-1", at=AT, channel="email", kind="purchase", direction="inbound"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("text", "text"),
        (True, True),
        (3, 3),
        (2.5, 2.5),
        (dt.date(2026, 1, 5), "2026-01-05"),
        (AT, "2026-10-01T09:30:00+00:00"),
        (lc.Channel.EMAIL, "email"),
        (_Colour.RED, 1),
        (TOUCHPOINT, "t-1"),
        ({"on": dt.date(2026, 1, 5), 3: "x"}, {"on": "2026-01-05", "3": "x"}),
        (("a", dt.date(2026, 1, 5)), ["a", "2026-01-05"]),
        ([1, [2]], [1, [2]]),
        (frozenset({"b", "a"}), ["a", "b"]),
        (dt.timedelta(days=2), "2 days, 0:00:00"),
    ],
)
def test_facts_are_made_json_ready(value: object, expected: object):
    """Each kind of fact value becomes plain JSON data; anything else its str."""
    assert json_ready(value) == expected
    assert json.loads(json.dumps(json_ready(value))) == expected


def test_held_back_and_skipped_records_share_the_action_fields():
    """A held-back action is its action's record plus why; a skipped customer has three fields."""
    held = lc.HeldBack(action(), "cap reached")
    assert held.to_dict() == action().to_dict() | {"held_back": "cap reached"}
    assert lc.Skipped("c-9", "churned", "gone").to_dict() == {
        "customer_id": "c-9",
        "reason": "churned",
        "detail": "gone",
    }


# -- boundaries -----------------------------------------------------------------------


def test_an_empty_agenda_in_every_format():
    """No actions: a header alone, no lines, an empty list, an empty frame with the columns."""
    empty = lc.Agenda(DAY, (), (), ())
    assert empty.to_records() == []
    assert written(empty, "csv") == ",".join(HEADER) + "\n"
    assert written(empty, "jsonl") == ""
    assert json.loads(written(empty, "json")) == {
        "as_of": "2026-11-02",
        "actions": [],
        "held_back": [],
        "skipped": [],
    }
    frame = empty.to_frame()
    assert list(frame.columns) == NAMES
    assert len(frame) == 0


@pytest.mark.parametrize(
    "reason",
    [
        'say "hello", then wait',
        "line one\nline two",
        "line one\r\nline two",
        "lone\rcarriage return",
        "Zoë, São Paulo, 東京 🎉",
        "=1+1",
    ],
)
def test_awkward_reasons_come_back_as_they_were(reason: str):
    """Commas, quotes, line breaks and non-ASCII survive CSV, JSON and JSON Lines."""
    agenda = agenda_of(action(reason=reason, owner="Zoë", facts={"on": dt.date(2026, 1, 5)}))
    rows = csv_rows(written(agenda, "csv"))
    assert len(rows) == 2
    expected_cell = "'" + reason if reason.startswith("=") else reason
    assert rows[1][HEADER.index("reason")] == expected_cell
    assert rows[1][HEADER.index("owner")] == "Zoë"
    (line,) = written(agenda, "jsonl").splitlines()
    assert json.loads(line)["reason"] == reason
    assert json.loads(line)["facts"] == {"on": "2026-01-05"}
    assert json.loads(written(agenda, "json"))["actions"][0]["reason"] == reason
    assert "Zoë" in written(agenda, "jsonl")  # not escaped as \u00eb


def test_csv_lines_end_with_a_line_feed_alone():
    """Every CSV line ends with \\n; a carriage return inside a cell is quoted, not a line end."""
    agenda = agenda_of(action(reason="a\rb"), action(customer_id="c-2"))
    text = written(agenda, "csv")
    assert text.count("\n") == 3
    assert "\r\n" not in text
    assert '"a\rb"' in text
    status, out, _ = run("due", "--format", "csv")
    assert status == 0
    assert "\r" not in out
    assert out.endswith("\n")


def test_owners_and_channels_are_csv_columns_and_owners_are_guarded():
    """The channel by name (empty: none); an owner a spreadsheet could run gets a '."""
    agenda = agenda_of(action(channel=lc.Channel.CHAT, owner="@team"), action(customer_id="c-2"))
    rows = csv_rows(written(agenda, "csv"))
    assert [r[6:] for r in rows[1:]] == [["chat", "'@team"], ["", ""]]


def test_to_frame_has_the_records_columns_and_dates():
    """One row per action, the records' columns, due as datetime64."""
    agenda = ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    frame = agenda.to_frame()
    assert list(frame.columns) == NAMES
    assert list(frame["customer_id"]) == [a.customer_id for a in agenda]
    assert [d.date() for d in frame["due"]] == [a.due for a in agenda]
    assert str(frame["priority"].dtype) == "int64"
    assert list(frame["facts"]) == [r["facts"] for r in agenda.to_records()]


def test_to_frame_without_pandas_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    """No pandas: a LifecycleError naming the extra, not a bare ImportError."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(
        lc.MissingDependencyError, match=r"pip install 'customer-lifecycle\[pandas\]'"
    ):
        agenda_of(action()).to_frame()


# -- write_agenda -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_a_path_gets_what_a_file_gets(tmp_path: Path, fmt: str):
    """A path (text or Path) holds the same text as a file object is given; no temporary is left."""
    agenda = ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    lc.write_agenda(agenda, tmp_path / f"a.{fmt}", format=fmt)  # type: ignore[arg-type]
    lc.write_agenda(agenda, str(tmp_path / f"b.{fmt}"), format=fmt)  # type: ignore[arg-type]
    expected = written(agenda, fmt)
    assert (tmp_path / f"a.{fmt}").read_bytes().decode("utf-8") == expected
    assert (tmp_path / f"b.{fmt}").read_bytes().decode("utf-8") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a.{fmt}", f"b.{fmt}"]


def test_the_default_format_is_csv():
    """format= left out: CSV."""
    out = io.StringIO()
    lc.write_agenda(agenda_of(action()), out)
    assert out.getvalue().startswith(",".join(HEADER) + "\n")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p / "folder", "Is a folder, not a file"),
        (lambda p: p / "missing" / "a.csv", "No such file or directory"),
    ],
)
def test_a_path_that_cannot_be_written_names_it(tmp_path: Path, make, problem: str):
    """A folder in the file's place or no such folder: AgendaWriteError naming the path."""
    (tmp_path / "folder").mkdir()
    path = make(tmp_path)
    with pytest.raises(lc.AgendaWriteError) as raised:
        lc.write_agenda(agenda_of(action()), path)
    assert str(raised.value) == f"{path}: cannot write the agenda: {problem}"
    assert raised.value.path == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_text_utf8_cannot_hold_keeps_the_old_file(tmp_path: Path):
    """A lone surrogate in a reason: the error names the path, the file there stays as it was."""
    path = tmp_path / "agenda.jsonl"
    path.write_text("yesterday\n", encoding="utf-8")
    with pytest.raises(lc.AgendaWriteError, match="agenda.jsonl: cannot write the agenda: holds"):
        lc.write_agenda(agenda_of(action(reason="bad \udc80")), path, format="csv")
    assert path.read_text(encoding="utf-8") == "yesterday\n"
    assert [p.name for p in tmp_path.iterdir()] == ["agenda.jsonl"]


def test_an_unknown_format_is_refused():
    """Only csv, jsonl and json: the table is for people, not for files."""
    with pytest.raises(lc.InvalidValueError, match="is not one of 'csv', 'jsonl', 'json'"):
        lc.write_agenda(agenda_of(action()), io.StringIO(), format="table")  # type: ignore[arg-type]


# -- the command line ----------------------------------------------------------------------


def test_due_as_jsonl_is_to_records_line_by_line():
    """--format jsonl: one object per action per line, the fields of to_records()."""
    status, out, err = run("due", "--format", "jsonl", "--as-of", "2026-11-02")
    assert (status, err) == (0, "")
    agenda = ENGINE.agenda(lc.sample_book(), DAY)
    assert [json.loads(line) for line in out.splitlines()] == agenda.to_records()
    assert any(r["facts"] for r in agenda.to_records())
    assert any(r["channel"] for r in agenda.to_records())


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl"])
def test_output_writes_the_file_and_nothing_to_stdout(tmp_path: Path, fmt: str):
    """--output FILE holds what standard output would; standard output stays empty."""
    target = tmp_path / "agenda.out"
    status, out, err = run("due", "--format", fmt, "--output", str(target))
    assert (status, out, err) == (0, "", "")
    assert target.read_bytes().decode("utf-8") == run("due", "--format", fmt)[1]


def test_output_onto_a_folder_is_a_clean_error(tmp_path: Path):
    """--output naming a folder: exit 1, one line naming it, the folder untouched."""
    (tmp_path / "kept.txt").write_text("x")
    status, out, err = run("due", "--output", str(tmp_path))
    assert (status, out) == (1, "")
    assert (
        err
        == f"lifecycle due: error: {tmp_path}: cannot write the agenda: Is a folder, not a file\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_output_keeps_the_old_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A failure half-way through writing: the file already there is kept, no temporary left."""
    target = tmp_path / "agenda.csv"
    target.write_text("yesterday's agenda\n")
    real = _agenda_output.write

    def half(out, fmt, runs, **kwargs):  # type: ignore[no-untyped-def]
        out.write("customer_id,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_agenda_output, "write", half)
    status, _, err = run("due", "--format", "csv", "--output", str(target))
    assert status == 1
    assert (
        err == f"lifecycle due: error: {target}: cannot write the agenda: No space left on device\n"
    )
    assert target.read_text() == "yesterday's agenda\n"
    assert [p.name for p in tmp_path.iterdir()] == ["agenda.csv"]
    monkeypatch.setattr(_agenda_output, "write", real)
    assert run("due", "--format", "csv", "--output", str(target))[0] == 0
    assert target.read_text().startswith(",".join(HEADER) + "\n")


def test_output_keeps_the_old_file_when_the_book_is_bad(tmp_path: Path):
    """Bad data stops the command before the file is touched."""
    (tmp_path / "customers.csv").write_text("customer_id,name,since\nc-1,Ada,2025-13-01\n")
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction\n"
    )
    target = tmp_path / "agenda.csv"
    target.write_text("kept\n")
    status, _, err = run("due", "--book", str(tmp_path), "--output", str(target))
    assert status == 1
    assert "customers.csv" in err
    assert target.read_text() == "kept\n"


@given(st.sampled_from(["csv", "json", "jsonl"]))
def test_the_command_line_and_write_agenda_agree(fmt: str):
    """`due --format F` and `write_agenda(..., format=F)` write the same text."""
    agenda = ENGINE.agenda(lc.sample_book(), DAY)
    assert run("due", "--format", fmt, "--as-of", "2026-11-02")[1] == written(agenda, fmt)


def test_facts_with_keys_other_than_text_are_written_as_to_dict_has_them():
    """A nested mapping with a number key, a set, a touchpoint: JSON Lines equals to_dict."""
    facts = {"counts": {3: "x"}, "tags": frozenset({"b", "a"}), "first": TOUCHPOINT, "at": AT}
    agenda = agenda_of(action(facts=facts))
    (line,) = written(agenda, "jsonl").splitlines()
    assert json.loads(line) == agenda[0].to_dict()
    assert json.loads(line)["facts"] == {
        "counts": {"3": "x"},
        "tags": ["a", "b"],
        "first": "t-1",
        "at": "2026-10-01T09:30:00+00:00",
    }
