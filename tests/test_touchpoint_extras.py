"""Touchpoints' extra columns (attributes) and custom channels, through every reader."""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
import sqlite3
from pathlib import Path

import pytest

import lifecycle as lc
from lifecycle.agenda import suggest_channel
from lifecycle.cli import main
from lifecycle.io._rows import CellError, every_problem
from lifecycle.touchpoints import channel_table, to_attributes

AT = dt.datetime(2025, 1, 7, 10, tzinfo=dt.UTC)
SMS = lc.Channel("sms")


def touchpoint(**fields: object) -> lc.Touchpoint:
    values: dict[str, object] = {
        "id": "t-1",
        "customer_id": "c-1",
        "at": AT,
        "channel": "email",
        "kind": "check_in",
        "direction": "outbound",
    } | fields
    return lc.Touchpoint(**values)  # type: ignore[arg-type]


# -- channels ---------------------------------------------------------------------


def test_standard_channels_stay_as_they_were():
    """Names, order, equality with text, one object per standard channel, and pickling."""
    assert [c.value for c in lc.Channel] == [
        "email", "phone", "chat", "meeting", "social", "in_person", "web", "other",
    ]  # fmt: skip
    assert len(lc.Channel) == 8
    assert lc.Channel.EMAIL == "email" and str(lc.Channel.EMAIL) == "email"
    assert lc.Channel("email") is lc.Channel.EMAIL
    assert lc.Channel(lc.Channel.WEB) is lc.Channel.WEB
    assert repr(lc.Channel.IN_PERSON) == "Channel.IN_PERSON"
    assert lc.Channel.PHONE.name == "phone" and lc.Channel.PHONE.standard
    assert pickle.loads(pickle.dumps(lc.Channel.CHAT)) is lc.Channel.CHAT
    assert f"{lc.Channel.WEB}" == "web"


def test_a_custom_channel_is_made_and_registered_like_a_kind():
    """Channel("sms") makes one; a touchpoint takes it; its name alone is refused."""
    assert repr(SMS) == "Channel('sms')" and not SMS.standard
    assert lc.Channel("sms") == SMS and hash(SMS) == hash("sms")
    assert pickle.loads(pickle.dumps(SMS)) == SMS
    assert touchpoint(channel=SMS).channel is SMS
    assert lc.Channel.named("sms", custom=[SMS]) is SMS
    assert lc.Channel.named("web") is lc.Channel.WEB
    with pytest.raises(lc.InvalidValueError) as info:
        touchpoint(channel="whatsapp")
    assert info.value.field == "channel"
    assert "is not a known channel (known: email, phone" in info.value.problem
    assert "channels=[Channel('whatsapp')]" in info.value.problem
    assert "--channel whatsapp" in info.value.problem
    with pytest.raises(lc.InvalidValueError, match="register custom channels"):
        lc.Channel.named("sms")


def test_preferred_channel_takes_custom_channels():
    """A customer may prefer a custom channel, given as a Channel; its bare name is refused."""
    ada = lc.Customer(id="c", name="Ada", since=dt.date(2025, 1, 1), preferred_channel=SMS)
    assert ada.preferred_channel is SMS
    with pytest.raises(lc.InvalidValueError) as info:
        lc.Customer(id="c", name="Ada", since=dt.date(2025, 1, 1), preferred_channel="fax")
    assert info.value.field == "preferred_channel"
    assert "register custom channels" in info.value.problem


BAD_CHANNELS = [
    ("", "a channel name must be a non-empty string"),
    (" sms", "edge spaces"),
    ("a;b", "may not contain ';'"),
    ("a,b", "may not contain ';'"),
    (3, "a channel name must be a non-empty string"),
]


@pytest.mark.parametrize(("name", "words"), BAD_CHANNELS)
def test_bad_channel_names_are_refused(name: object, words: str):
    """A channel's name goes into files as a cell: it must read back as itself."""
    with pytest.raises(lc.InvalidValueError, match=words):
        lc.Channel(name)  # type: ignore[arg-type]


def test_channel_tables_take_channels_or_names():
    """Readers' channels= takes Channel objects or names; anything else is refused."""
    table = channel_table(["sms", SMS, "email"])
    assert list(table)[-1] == "sms" and table["sms"] == SMS
    assert table["email"] is lc.Channel.EMAIL
    with pytest.raises(lc.InvalidValueError, match="not one"):
        channel_table("sms")
    with pytest.raises(lc.InvalidValueError, match="Channel objects or names"):
        channel_table([3])  # type: ignore[list-item]


def test_suggested_channels_put_custom_ones_after_standard_ones():
    """Most used first; on a tie, a standard channel before a custom one, custom ones by name."""
    customer = lc.Customer(id="c-1", name="A", since=dt.date(2025, 1, 1))
    whatsapp = lc.Channel("whatsapp")

    def used(*channels: lc.Channel) -> lc.Timeline:
        return lc.Timeline([touchpoint(id=f"t-{i}", channel=c) for i, c in enumerate(channels)])

    assert suggest_channel(customer, used(whatsapp, SMS, SMS)) is SMS
    assert suggest_channel(customer, used(whatsapp, SMS)) == SMS
    assert suggest_channel(customer, used(SMS, lc.Channel.OTHER)) is lc.Channel.OTHER


def test_fulfilment_channels_take_custom_channels():
    """A policy's "unless we reached them by" channels may be custom ones."""
    way = lc.fulfilled_by("check_in", channels=[SMS, "phone"])
    assert set(way.channels) == {SMS, lc.Channel.PHONE}
    with pytest.raises(lc.InvalidValueError, match="is not a channel"):
        lc.fulfilled_by("check_in", channels=["pigeon"])


# -- attributes -------------------------------------------------------------------


def test_touchpoint_attributes_are_checked_as_customers_are():
    """Read-only, non-empty text; a column name or a near miss of one is refused."""
    tp = touchpoint(attributes={"campaign": "spring"})
    assert dict(tp.attributes) == {"campaign": "spring"}
    assert touchpoint().attributes == {} and touchpoint() == touchpoint(attributes={})
    assert hash(tp) != hash(touchpoint())
    with pytest.raises(TypeError):
        tp.attributes["campaign"] = "x"  # type: ignore[index]
    with pytest.raises(lc.InvalidValueError, match="touchpoint field's column name"):
        to_attributes({"note": "x"})
    with pytest.raises(lc.InvalidValueError, match="did you mean `touchpoint_id`"):
        to_attributes({"TouchpointId": "x"})
    with pytest.raises(lc.InvalidValueError, match="non-empty string"):
        to_attributes({"campaign": ""})
    with pytest.raises(lc.InvalidValueError, match="mapping"):
        to_attributes(["campaign"])  # type: ignore[arg-type]


CUSTOMERS = "customer_id,name,since\nc-1,Ada,2025-01-06\n"
HEADER = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note"


def book_folder(tmp_path: Path, touchpoints: str, *, ext: str = "csv") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    if ext == "csv":
        (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    else:
        customer = {"customer_id": "c-1", "name": "Ada", "since": "2025-01-06"}
        (tmp_path / "customers.jsonl").write_text(json.dumps(customer) + "\n", encoding="utf-8")
    (tmp_path / f"touchpoints.{ext}").write_text(touchpoints, encoding="utf-8")
    return tmp_path


def test_csv_extra_columns_become_attributes(tmp_path: Path):
    """Other columns, anywhere in the header, are attributes; an empty cell is not set."""
    text = (
        "campaign,touchpoint_id,customer_id,at,channel,kind,direction,agent\n"
        "spring,t-1,c-1,2025-01-07T10:00:00Z,sms,check_in,outbound,\n"
        ",t-2,c-1,2025-01-08T10:00:00Z,email,check_in,outbound,bo\n"
        ",t-3,c-1,2025-01-09T10:00:00Z,email,check_in,outbound,\n"
    )
    folder = book_folder(tmp_path, text)
    book = lc.read_book(folder, channels=["sms"])
    assert [dict(tp.attributes) for tp in book.touchpoints()] == [
        {"campaign": "spring"},
        {"agent": "bo"},
        {},
    ]
    assert next(iter(book.touchpoints())).channel == SMS
    lc.write_book(book, tmp_path / "again")
    header = (tmp_path / "again" / "touchpoints.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == HEADER + ",agent,campaign"
    assert lc.read_book(tmp_path / "again", channels=[SMS]) == book
    streamed = lc.stream_book(folder, channels=[SMS])
    assert dict(streamed.items()) == dict(book.items())


def test_a_bad_attribute_cell_names_its_line_and_column(tmp_path: Path):
    """An attribute's cell is checked as any text cell, on the careful path."""
    text = f"{HEADER},campaign\nt-1,c-1,2025-01-07T10:00:00Z,web,check_in,outbound,,,,\ud800x\n"
    folder = book_folder(tmp_path, "")
    (folder / "touchpoints.csv").write_bytes(text.encode("utf-8", "surrogatepass"))
    report = lc.read_book_report(folder)
    assert [(e.line, e.column) for e in report.errors] == [(2, None)]  # not UTF-8 at all
    long = "x" * (lc.limits.MAX_TEXT_LENGTH + 1)
    (folder / "touchpoints.csv").write_text(
        f"{HEADER},campaign\nt-1,c-1,2025-01-07T10:00:00Z,web,check_in,outbound,,,,{long}\n",
        encoding="utf-8",
    )
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    assert (info.value.line, info.value.column) == (2, "campaign")


def test_jsonl_extra_keys_become_attributes(tmp_path: Path):
    """Other keys are attributes; null or "" is not set; a number is refused, naming its key."""
    row = {
        "touchpoint_id": "t-1",
        "customer_id": "c-1",
        "at": "2025-01-07T10:00:00Z",
        "channel": "sms",
        "kind": "check_in",
        "direction": "outbound",
    }
    lines = [
        row | {"campaign": "spring", "agent": None},
        row | {"touchpoint_id": "t-2", "channel": "web", "agent": ""},
    ]
    text = "".join(json.dumps(r) + "\n" for r in lines)
    folder = book_folder(tmp_path, text, ext="jsonl")
    book = lc.read_book(folder, channels=[SMS])
    assert [dict(tp.attributes) for tp in book.touchpoints()] == [{"campaign": "spring"}, {}]
    lc.write_book(book, tmp_path / "again", format="jsonl")
    assert lc.read_book(tmp_path / "again", channels=[SMS]) == book
    (folder / "touchpoints.jsonl").write_text(
        json.dumps(row | {"channel": "web", "campaign": 7}) + "\n", encoding="utf-8"
    )
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    assert (info.value.column, info.value.value) == ("campaign", "7")


def test_records_keep_other_fields_as_attributes():
    """book_from_records: other fields, as a file would hold them (numbers as their digits)."""
    book = lc.book_from_records(
        customers=[{"customer_id": 1, "name": "Ada", "since": dt.date(2025, 1, 6),
                    "preferred_channel": "sms"}],
        touchpoints=[{"touchpoint_id": 10, "customer_id": 1, "at": AT, "channel": "sms",
                      "kind": "check_in", "direction": "outbound", "campaign_id": 42,
                      "agent": None}],
        channels=[SMS],
    )  # fmt: skip
    tp = book.timeline("1")[0]
    assert (tp.channel, dict(tp.attributes)) == (SMS, {"campaign_id": "42"})
    assert book.customer("1").preferred_channel == SMS
    with pytest.raises(lc.RecordError) as info:
        lc.book_from_records(
            customers=[{"customer_id": 1, "name": "Ada", "since": dt.date(2025, 1, 6)}],
            touchpoints=[{"touchpoint_id": 10, "customer_id": 1, "at": AT, "channel": "sms",
                          "kind": "check_in", "direction": "outbound"}],
        )  # fmt: skip
    assert (info.value.row, info.value.field) == (1, "channel")


def test_sql_keeps_other_columns_as_attributes():
    """read_book_sql and stream_book_sql: a query's other columns are attributes."""
    conn = sqlite3.connect(":memory:")
    customers = "SELECT 'c1' AS customer_id, 'Ada' AS name, '2025-01-06' AS since"
    touchpoints = (
        "SELECT 't1' AS touchpoint_id, 'c1' AS customer_id, '2025-01-07T10:00:00+00:00' AS at,"
        " 'whatsapp' AS channel, 'check_in' AS kind, 'outbound' AS direction,"
        " 'spring' AS campaign"
    )
    book = lc.read_book_sql(conn, customers, touchpoints, channels=["whatsapp"])
    tp = book.timeline("c1")[0]
    assert (tp.channel, dict(tp.attributes)) == ("whatsapp", {"campaign": "spring"})
    stream = lc.stream_book_sql(conn, customers, touchpoints, channels=["whatsapp"])
    assert dict(stream.items()) == dict(book.items())
    with pytest.raises(lc.RecordError, match="--channel whatsapp"):
        lc.read_book_sql(conn, customers, touchpoints)


def test_frames_keep_other_columns_as_attributes():
    """book_from_frames: a frame's other columns are attributes."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    customers = pd.DataFrame({"customer_id": [1], "name": ["Ada"], "since": ["2025-01-06"]})
    touchpoints = pd.DataFrame({
        "touchpoint_id": ["t1"], "customer_id": [1], "at": [AT], "channel": ["sms"],
        "kind": ["check_in"], "direction": ["outbound"], "campaign": ["spring"],
    })  # fmt: skip
    book = lc.book_from_frames(customers, touchpoints, channels=[SMS])
    assert dict(book.timeline("1")[0].attributes) == {"campaign": "spring"}


# -- the command line ------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def custom_book(tmp_path: Path) -> Path:
    text = (
        f"{HEADER},campaign\n"
        "t-1,c-1,2025-01-07T10:00:00Z,sms,webinar,outbound,,,,spring\n"
        "t-2,c-1,2025-01-08T10:00:00Z,email,check_in,outbound,,,,\n"
    )
    return book_folder(tmp_path / "book", text)


COMMANDS = [
    ("due", "--as-of", "2025-02-01"),
    ("explain", "c-1", "--as-of", "2025-02-01"),
    ("forecast", "--as-of", "2025-02-01"),
    ("summary",),
    ("metrics", "--to", "2025-02-01"),
    ("validate",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_reading_a_book_registers_kinds_and_channels(
    custom_book: Path, command: tuple[str, ...]
):
    """--kind and --channel let a command read the book; without them, its error says so."""
    status, _, err = run(*command, "--book", str(custom_book), "--kind", "webinar",
                         "--channel", "sms")  # fmt: skip
    assert (status, err) == (0, "")
    status, out, err = run(*command, "--book", str(custom_book), "--kind", "webinar")
    said = out if command[0] == "validate" else err  # validate lists its problems
    assert status == 1
    assert "column 'channel': 'sms' is not a known channel" in said
    assert "--channel whatsapp on the command line" in said


def test_decisions_and_forget_register_them_too(custom_book: Path):
    """done/dismiss/snooze and forget read the book with the custom names."""
    status, out, err = run("forget", "c-1", "--book", str(custom_book))
    assert status == 1 and "--channel whatsapp" in err
    options = ("--kind", "webinar", "--channel", "sms")
    status, _, err = run("dismiss", "c-1", "welcome", "--book", str(custom_book), *options,
                         "--as-of", "2025-01-07", "--due", "2025-01-07")  # fmt: skip
    assert (status, err) == (0, "")
    status, out, err = run("forget", "c-1", "--book", str(custom_book), *options)
    assert (status, err) == (0, "")
    assert "forgot 1 customer and 2 touchpoints" in out


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--channel", "a;b", "argument --channel: 'a;b': a channel name may not contain"),
        ("--kind", " x", "argument --kind: ' x': a kind name may not contain"),
    ],
)
def test_a_bad_custom_name_is_a_usage_error(
    option: str, value: str, words: str, capsys: pytest.CaptureFixture[str]
):
    """A name that could not be a kind or channel stops the command with exit status 2."""
    status, _, _ = run("summary", f"{option}={value}")
    assert status == 2
    assert words in capsys.readouterr().err


def test_a_policy_file_may_name_a_custom_kind(custom_book: Path, tmp_path: Path):
    """--kind reaches the policy file too: its policies may name the kind."""
    policies = tmp_path / "team.toml"
    policies.write_text(
        '[[policy]]\nname = "after_webinar"\npriority = 2\n'
        'anchor = { last = "webinar" }\noffset = "3 days"\n',
        encoding="utf-8",
    )
    status, _, err = run("validate", "--book", str(custom_book), "--policies", str(policies),
                         "--kind", "webinar", "--channel", "sms")  # fmt: skip
    assert (status, err) == (0, "")


# -- every problem of a row ------------------------------------------------------


def test_a_report_lists_every_bad_cell_of_a_row(tmp_path: Path):
    """Each bad cell once, in column order, with line and column; good rows still read."""
    customers = (
        "customer_id,name,since,timezone,preferred_channel\n"
        "c-1,Ada,2025-01-06,,\n"
        " c-2,Bo,2025-02-30,Mars/Base,fax\n"
    )
    touchpoints = (
        f"{HEADER},amount,currency\n"
        "t-1,c-1,yesterday,fax,nps,sideways,11,,,1.2.3,eur\n"
        "t-2,c-1,2025-01-07T10:00:00Z,email,purchse,inbound,4,,,,\n"
        "t-3,c-1,2025-01-07T10:00:00Z,email,check_in,inbound,,,,,\n"
    )
    folder = book_folder(tmp_path, touchpoints)
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    report = lc.read_book_report(folder)
    assert [(Path(e.path).name, e.line, e.column) for e in report.errors] == [
        ("customers.csv", 3, "customer_id"),
        ("customers.csv", 3, "since"),
        ("customers.csv", 3, "timezone"),
        ("customers.csv", 3, "preferred_channel"),
        ("touchpoints.csv", 2, "at"),
        ("touchpoints.csv", 2, "channel"),
        ("touchpoints.csv", 2, "direction"),
        ("touchpoints.csv", 2, "amount"),
        ("touchpoints.csv", 2, "currency"),
        ("touchpoints.csv", 2, "score"),
        # A score cannot be checked without its kind.
        ("touchpoints.csv", 3, "kind"),
    ]
    assert [tp.id for tp in report.book.touchpoints()] == ["t-3"]
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)  # stops at the first
    assert (info.value.line, info.value.column) == (3, "customer_id")
    status, out, _ = run("validate", "--book", str(folder))
    assert status == 1
    assert "touchpoints.csv, line 2, column 'currency'" in out
    assert out.endswith("11 problems found\n")


def test_every_bad_cell_of_a_decision_row_and_an_unknown_column(tmp_path: Path):
    """An unknown decisions column is a problem, but the rows are read on."""
    folder = book_folder(tmp_path, f"{HEADER}\n")
    (folder / "decisions.csv").write_text(
        "decision_id,customer_id,policy,due,decision,at,until,outcome\n"
        "d-1,c-1,welcome,2025-01-06,done,2025-01-07T09:00:00Z,,x\n"
        "d-2,c-1,welcome,2025-02-30,done,2025-01-07T09:00:00Z,2025-99-01,\n"
        "d-3,c-1,welcome,2025-01-06,maybe,2025-01-07T09:00:00Z,2025-01-09,\n",
        encoding="utf-8",
    )
    report = lc.read_book_report(folder)
    assert [(e.line, e.column) for e in report.errors] == [
        (1, "outcome"), (3, "due"), (3, "until"), (4, "decision"),
    ]  # fmt: skip
    assert "is not a column of this file" in report.errors[0].problem
    assert [d.id for d in report.book.decisions()] == ["d-1"]
    with pytest.raises(lc.BookFormatError, match="outcome"):
        lc.read_book(folder)
    (folder / "decisions.csv").write_text('"decision_id\n', encoding="utf-8")
    assert [e.line for e in lc.read_book_report(folder).errors] == [1]


def test_an_unknown_decisions_key_is_reported_on_its_line(tmp_path: Path):
    """JSON Lines: each object's unknown key, on its own line; the decision is still read."""
    folder = book_folder(tmp_path, "", ext="jsonl")
    decision = {"decision_id": "d-1", "customer_id": "c-1", "policy": "welcome",
                "due": "2025-01-06", "decision": "done", "at": "2025-01-07T09:00:00Z"}  # fmt: skip
    (folder / "decisions.jsonl").write_text(
        json.dumps(decision | {"reason": "x"}) + "\n", encoding="utf-8"
    )
    report = lc.read_book_report(folder)
    assert [(e.line, e.column) for e in report.errors] == [(1, "reason")]
    assert [d.id for d in report.book.decisions()] == ["d-1"]


def test_every_problem_stops_at_a_cell_no_stand_in_mends():
    """A cell that stays bad whatever stands in for it is told once, and the search ends."""

    def stubborn(row: dict[str, object]) -> None:
        raise CellError("name", row["name"], "is never right")

    first = CellError("name", "x", "is never right")
    assert every_problem(stubborn, {"name": "x"}, first) == [first]
    no_column = CellError(None, None, "is not a mapping")
    assert every_problem(stubborn, {}, no_column) == [no_column]


def test_a_decision_is_not_appended_under_an_unknown_column(tmp_path: Path):
    """Appending keeps refusing a decisions file whose header has a column it cannot take."""
    folder = book_folder(tmp_path, f"{HEADER}\n")
    (folder / "decisions.csv").write_text(
        "decision_id,customer_id,policy,due,decision,at,outcome\n", encoding="utf-8"
    )
    done = lc.Decision(id="d-1", customer_id="c-1", policy="welcome", due=dt.date(2025, 1, 6),
                       outcome="done", at=AT)  # fmt: skip
    with pytest.raises(lc.BookFormatError, match="is not a column of this file") as info:
        lc.io.append_decision(folder, done)
    assert (info.value.line, info.value.column) == (1, "outcome")


FOLLOW_UP = """
[[policy]]
name = "follow_up"
priority = 2
anchor = { last = "check_in" }
offset = "3 days"
fulfilled_by = { channels = ["sms"] }
"""


def test_a_policy_file_names_custom_channels_once_registered(custom_book: Path, tmp_path: Path):
    with pytest.raises(lc.PolicyFileError) as caught:
        lc.policies.parse_policies(FOLLOW_UP)
    (problem,) = caught.value.problems
    assert (problem.line, problem.key) == (7, "policy[0].fulfilled_by.channels[0]")
    assert "= 'sms': is not a known channel" in str(caught.value)
    sms = lc.Channel("sms")
    pack = lc.policies.parse_policies(FOLLOW_UP, channels=[sms])
    file = tmp_path / "follow.toml"
    file.write_text(FOLLOW_UP, encoding="utf-8")
    assert lc.load_policies(file, channels=["sms"]) == pack
    # The check-in of 2025-01-08 was by email: an sms afterwards would fulfil it.
    status, out, err = run(
        "due", "--book", str(custom_book), "--kind", "webinar", "--channel", "sms",
        "--policies", str(file), "--as-of", "2025-02-01", "--format", "csv",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.splitlines()[1].startswith("c-1,follow_up,2025-01-11,2,")
    status, _, err = run(
        "validate", "--book", str(custom_book), "--kind", "webinar", "--channel", "sms",
        "--policies", str(file),
    )  # fmt: skip
    assert status == 0


def test_registering_a_standard_kind_is_a_usage_error(
    custom_book: Path, capsys: pytest.CaptureFixture[str]
):
    status, _, err = run("due", "--book", str(custom_book), "--kind", "nps")
    assert status == 2
    said = err + capsys.readouterr().err
    assert said.endswith("argument --kind: 'nps' is a standard kind: it needs no --kind\n")
