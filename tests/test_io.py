"""Books on disk: round trips, the table of bad inputs, collecting errors, streaming."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import lifecycle as lc
import lifecycle.testing as lct

CUSTOMERS = "customer_id,name,since\nc-1,Ada,2025-01-06\nc-2,Grace,2025-02-03\n"
TOUCH_HEADER = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"
TOUCH_ROW = "t-1,c-1,2025-01-06T09:00:00+01:00,web,purchase,inbound,,,\n"


def write(
    folder: Path,
    customers: str = CUSTOMERS,
    touchpoints: str = TOUCH_HEADER + TOUCH_ROW,
    ext: str = "csv",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"customers.{ext}").write_text(customers, encoding="utf-8")
    (folder / f"touchpoints.{ext}").write_text(touchpoints, encoding="utf-8")
    return folder


# -- round trips ----------------------------------------------------------------

# Generated books exercise unicode, commas, quotes and line breaks in every text
# field, far zones, DST change days and 29 February.
round_trip_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@round_trip_settings
@given(lct.books(max_customers=6, max_touchpoints=25))
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_write_then_read_gives_an_equal_book(tmp_path: Path, fmt: str, book: lc.Book):
    """A round trip through either format loses nothing."""
    lc.write_book(book, tmp_path, format=fmt)  # type: ignore[arg-type]
    assert lc.read_book(tmp_path) == book


# Custom channels beside standard ones, for books whose touchpoints carry attributes.
SMS, WHATSAPP = lc.Channel("sms"), lc.Channel("whatsapp")
WITH_EXTRAS = lct.books(
    max_customers=4,
    max_touchpoints=15,
    channels=[SMS, WHATSAPP, lc.Channel.EMAIL],
    touchpoint_attributes=lct.touchpoint_attributes(),
)


@round_trip_settings
@given(WITH_EXTRAS)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_touchpoint_attributes_and_custom_channels_round_trip(
    tmp_path: Path, fmt: str, book: lc.Book
):
    """Touchpoints' attributes and custom channels survive either format, registered by name."""
    lc.write_book(book, tmp_path, format=fmt)  # type: ignore[arg-type]
    assert lc.read_book(tmp_path, channels=["sms", WHATSAPP]) == book
    streamed = lc.stream_book(tmp_path, sorted=False, channels=[SMS, WHATSAPP])
    assert dict(streamed.items()) == dict(book.items())


@round_trip_settings
@given(lct.books(max_customers=4, max_touchpoints=10))
def test_csv_and_jsonl_hold_the_same_book(tmp_path: Path, book: lc.Book):
    """Both formats describe the same book."""
    lc.write_book(book, tmp_path / "csv", format="csv")
    lc.write_book(book, tmp_path / "jsonl", format="jsonl")
    assert lc.read_book(tmp_path / "csv") == lc.read_book(tmp_path / "jsonl")


def test_awkward_values_survive_a_round_trip(tmp_path: Path):
    """Unicode, separators, quotes, line breaks, far zones, DST and leap days."""
    ada = lc.Customer(
        id='ç-1,"x"',
        name='Zoë "Ada", Ł\nsecond line\r\nthird',
        since=dt.date(2024, 2, 29),
        contract_end=dt.date(2028, 2, 29),
        do_not_contact=True,
        timezone="Pacific/Kiritimati",
        preferred_channel="in_person",
        recorded_stage="advocate",
        attributes={"région": "Île-de-France", "plan, tier": ' "gold";\tplus '},
    )
    other = lc.Customer(
        id="C10", name="", since=dt.date(2025, 3, 30), timezone="Australia/Lord_Howe"
    )
    touchpoints = [
        lc.Touchpoint(
            id="t\r1", customer_id=ada.id, kind="nps", score=0, channel="social", direction="inbound",
            at=dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=ada.timezone),
            tags=["feature:reports", "ünïcode tag", "a,b"], note="line 1\nline 2\r\n\"quoted\", ;",
        ),
        lc.Touchpoint(
            id="t2", customer_id=other.id, kind="csat", score=5, channel="chat", direction="outbound",
            at=dt.datetime(2025, 4, 6, 1, 45, tzinfo=other.timezone),  # Lord Howe's 30-minute DST fall back
        ),
        lc.Touchpoint(
            id="t3", customer_id=other.id, kind="check_in", channel="phone", direction="outbound",
            at=dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=-9, minutes=-30))),
        ),
    ]  # fmt: skip
    book = lc.Book([ada, other], touchpoints)
    for fmt in ("csv", "jsonl"):
        lc.write_book(book, tmp_path / fmt, format=fmt)  # type: ignore[arg-type]
        assert lc.read_book(tmp_path / fmt) == book


def test_custom_kinds_round_trip_when_registered(tmp_path: Path):
    """A book with custom kinds reads back when the kinds are passed in."""
    ces = lc.Kind("ces", score_range=(1, 7))
    book = lc.Book(
        [lc.Customer(id="c", name="C", since=dt.date(2025, 1, 1))],
        [
            lc.Touchpoint(id="t", customer_id="c", kind=ces, score=7, channel="web",
                          direction="inbound", at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC)),
        ],
    )  # fmt: skip
    lc.write_book(book, tmp_path)
    assert lc.read_book(tmp_path, kinds=[ces]) == book
    with pytest.raises(lc.BookFormatError, match="'ces' is not a known touchpoint kind"):
        lc.read_book(tmp_path)


def test_written_files_follow_the_book_format(tmp_path: Path):
    """Columns in the documented order, custom attributes after them, CSV booleans as words."""
    lc.write_book(lc.sample_book(), tmp_path)
    header = (tmp_path / "customers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "customer_id,name,since,stage,contract_end,do_not_contact,timezone,preferred_channel,"
        "annual_revenue,plan,segment"
    )
    first = (tmp_path / "touchpoints.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first == TOUCH_HEADER.strip()
    lc.write_book(lc.sample_book(), tmp_path, format="jsonl")
    row = json.loads((tmp_path / "touchpoints.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(row["tags"], list)
    customer = json.loads(
        (tmp_path / "customers.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )
    assert customer["do_not_contact"] is False


def test_write_book_replaces_files_and_refuses_unknown_formats(tmp_path: Path):
    """Writing twice replaces; no partial files are left; a bad format is an error."""
    lc.write_book(lc.sample_book(), tmp_path)
    lc.write_book(lc.Book(), tmp_path)
    assert lc.read_book(tmp_path) == lc.Book()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "touchpoints.csv"]
    with pytest.raises(lc.BookFormatError, match="'xml' is not one of"):
        lc.write_book(lc.Book(), tmp_path, format="xml")  # type: ignore[arg-type]


# -- reading what CRMs export ----------------------------------------------------


def test_lenient_spellings_the_format_allows(tmp_path: Path):
    """Flags in any case with spaces, empty optional cells, a BOM, blank lines, empty tag pieces."""
    customers = (
        "\ufeffcustomer_id,name,since,do_not_contact,timezone,stage,segment\n"
        "a,A,2025-01-01, YES ,,,\n"
        "b,B,2025-01-01,0,Asia/Tokyo,churned,smb\n"
        "\n"
        "c,C,2025-01-01,,,,\n"
    )
    touchpoints = TOUCH_HEADER + "t,a,2025-01-02T00:00:00Z,web,nps,inbound, 9 ,a;;b;,\n"
    book = lc.read_book(write(tmp_path, customers, touchpoints))
    a, b, c = book.customers
    assert (a.do_not_contact, b.do_not_contact, c.do_not_contact) == (True, False, False)
    assert a.timezone.key == "UTC" and b.timezone.key == "Asia/Tokyo"
    assert (a.recorded_stage, b.recorded_stage) == (None, "churned")
    assert dict(a.attributes) == {} and dict(b.attributes) == {"segment": "smb"}
    only = book.timeline("a")[0]
    assert (only.score, only.tags) == (9, frozenset({"a", "b"}))


def test_a_custom_lifecycle_decides_which_stages_are_valid(tmp_path: Path):
    """The stage column is checked against the lifecycle in use (or not at all)."""
    folder = write(tmp_path, "customer_id,name,since,stage\na,A,2025-01-01,trial\n", TOUCH_HEADER)
    with pytest.raises(lc.BookFormatError, match="'trial' is not a stage"):
        lc.read_book(folder)
    trial = lc.Lifecycle(
        stages=["trial", "paying"], transitions={"trial": ["paying"]}, initial="trial"
    )
    assert lc.read_book(folder, lifecycle=trial).customer("a").recorded_stage == "trial"
    assert lc.read_book(folder, lifecycle=None).customer("a").recorded_stage == "trial"


# -- the table of bad inputs -------------------------------------------------------

C_HEAD = "customer_id,name,since,contract_end,do_not_contact,timezone,preferred_channel,stage\n"
C_OK = "c-1,Ada,2025-01-06,,,,,\n"


def c_row(**cells: str) -> str:
    values = {"customer_id": "c-2", "name": "Bad", "since": "2025-01-01"} | cells
    return C_HEAD + C_OK + ",".join(values.get(k, "") for k in C_HEAD.strip().split(",")) + "\n"


def t_row(**cells: str) -> str:
    values = {
        "touchpoint_id": "t-2",
        "customer_id": "c-1",
        "at": "2025-01-07T10:00:00Z",
        "channel": "email",
        "kind": "check_in",
        "direction": "outbound",
    } | cells
    return (
        TOUCH_HEADER
        + TOUCH_ROW
        + ",".join(values.get(k, "") for k in TOUCH_HEADER.strip().split(","))
        + "\n"
    )


# (id, which file, its text, line, column, value, words in the problem)
BAD_CSV: list[tuple[str, str, str, int, str | None, str | None, str]] = [
    ("missing required column", "customers", "customer_id,name\nc-1,Ada\n", 1, "since", None, "required column missing"),
    ("empty id", "customers", c_row(customer_id=""), 3, "customer_id", "", "required"),
    ("id with edge spaces", "customers", c_row(customer_id=" c-2"), 3, "customer_id", " c-2", "white space"),
    ("impossible date", "customers", c_row(since="2025-02-29"), 3, "since", "2025-02-29", "not a date on the calendar"),
    ("date in another form", "customers", c_row(since="01/02/2025"), 3, "since", "01/02/2025", "YYYY-MM-DD"),
    ("bad contract end", "customers", c_row(contract_end="soon"), 3, "contract_end", "soon", "YYYY-MM-DD"),
    ("bad flag", "customers", c_row(do_not_contact="maybe"), 3, "do_not_contact", "maybe", "true or false"),
    ("unknown zone", "customers", c_row(timezone="Mars/Base"), 3, "timezone", "Mars/Base", "IANA"),
    ("unknown channel preference", "customers", c_row(preferred_channel="fax"), 3, "preferred_channel", "fax", "is not a known channel (known: email"),
    ("unknown stage", "customers", c_row(stage="vip"), 3, "stage", "vip", "not a stage"),
    ("duplicate customer", "customers", C_HEAD + C_OK + C_OK, 3, "customer_id", "c-1", "duplicate customer id (first on line 2)"),
    ("too few fields", "customers", C_HEAD + "c-1,Ada\n", 2, None, None, "has 2 fields but the header has 8"),
    ("repeated header column", "customers", "customer_id,name,since,name\n", 1, "name", None, "twice"),
    ("empty header column", "customers", "customer_id,name,since,\n", 1, None, "", "empty column name"),
    ("empty file", "customers", "", 1, None, None, "is empty"),
    ("column name with edge spaces", "customers", "customer_id,name,since, plan\n", 1, None, " plan", "spaces at its edges"),
    ("unreadable header", "customers", '"customer_id,name,since\n', 1, None, None, "cannot read the header"),
    ("naive instant", "touchpoints", t_row(at="2025-01-07T10:00:00"), 3, "at", "2025-01-07T10:00:00", "no UTC offset"),
    ("not an instant", "touchpoints", t_row(at="yesterday"), 3, "at", "yesterday", "ISO 8601"),
    ("unknown channel", "touchpoints", t_row(channel="fax"), 3, "channel", "fax", "is not a known channel (known: email"),
    ("unknown channel: how to register", "touchpoints", t_row(channel="sms"), 3, "channel", "sms", "read_book(..., channels=[Channel('whatsapp')]) or --channel whatsapp"),
    ("misspelt kind: how to register", "touchpoints", t_row(kind="webinar"), 3, "kind", "webinar", "kinds=[Kind(...)]) or --kind NAME"),
    ("misspelt kind", "touchpoints", t_row(kind="purchse"), 3, "kind", "purchse", "not a known touchpoint kind"),
    ("unknown direction", "touchpoints", t_row(direction="sideways"), 3, "direction", "sideways", "inbound, outbound"),
    ("missing direction", "touchpoints", t_row(direction=""), 3, "direction", "", "required"),
    ("score out of range", "touchpoints", t_row(kind="nps", score="11"), 3, "score", "11", "from 0 to 10"),
    ("csat score of zero", "touchpoints", t_row(kind="csat", score="0"), 3, "score", "0", "from 1 to 5"),
    ("score on an unscored kind", "touchpoints", t_row(score="5"), 3, "score", "5", "carry no score"),
    ("fractional score", "touchpoints", t_row(kind="nps", score="4.5"), 3, "score", "4.5", "whole number"),
    ("superscript digit score", "touchpoints", t_row(kind="nps", score="\u00b2"), 3, "score", "\u00b2", "whole number"),
    ("unknown customer", "touchpoints", t_row(customer_id="c-9"), 3, "customer_id", "c-9", "names no customer"),
    ("duplicate touchpoint", "touchpoints", TOUCH_HEADER + TOUCH_ROW + TOUCH_ROW, 3, "touchpoint_id", "t-1", "duplicate touchpoint id"),
    ("misspelt column", "touchpoints", "touchpoint_id,customer_id,at,Channel,kind,direction\n", 1, "Channel", None, "did you mean `channel`?"),
    ("misspelt money column", "touchpoints", "touchpoint_id,customer_id,at,channel,kind,direction,Amount\n", 1, "Amount", None, "did you mean `amount`?"),
    ("misspelt id column", "touchpoints", "touchpoint-id,customer_id,at,channel,kind,direction\n", 1, "touchpoint-id", None, "did you mean `touchpoint_id`?"),
    ("missing column", "touchpoints", "touchpoint_id,customer_id,at,channel,kind\n", 1, "direction", None, "required column"),
    ("unterminated quote", "touchpoints", TOUCH_HEADER + 't-2,c-1,2025-01-07T10:00:00Z,email,check_in,outbound,,,"never closed\n', 2, None, None, "not valid CSV"),
]  # fmt: skip


def test_invalid_utf8_is_reported_with_its_line(tmp_path: Path):
    """Bytes that are not UTF-8 name the line they are on."""
    folder = write(tmp_path)
    (folder / "touchpoints.csv").write_bytes(
        (TOUCH_HEADER + TOUCH_ROW).encode() + b"t-2,c-1,\xff\xfe\n"
    )
    with pytest.raises(lc.BookFormatError, match="line 3: is not valid UTF-8"):
        lc.read_book(folder)


def test_invalid_utf8_in_a_header_or_json_line(tmp_path: Path):
    """Undecodable bytes in a CSV header or a JSON line name their line too."""
    folder = write(tmp_path / "csv")
    (folder / "customers.csv").write_bytes(b"customer_id,n\xe4me,since\n")
    with pytest.raises(lc.BookFormatError, match="line 1: is not valid UTF-8"):
        lc.read_book(folder)
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    later = "t-2,c-2,2025-02-03T09:00:00Z,web,purchase,inbound,,,\n"
    (folder / "touchpoints.csv").write_bytes(
        (TOUCH_HEADER + TOUCH_ROW).encode() + b"t-x,\xff\n" + later.encode()
    )
    report = lc.read_book_report(folder)
    assert [(e.line, e.problem) for e in report.errors] == [
        (3, "is not valid UTF-8: invalid start byte")
    ]
    assert [t.id for t in report.book.touchpoints()] == ["t-1", "t-2"]  # reading went on
    folder = write(tmp_path / "jsonl", jl(J_CUSTOMER), jl(J_TOUCH), ext="jsonl")
    (folder / "touchpoints.jsonl").write_bytes(jl(J_TOUCH).encode() + b'{"note": "\xff"}\n')
    with pytest.raises(lc.BookFormatError, match="line 2: is not valid UTF-8"):
        lc.read_book(folder)
    (folder / "touchpoints.jsonl").write_bytes(
        jl(J_TOUCH).encode()
        + b'{"note": "\xff"}\n'
        + jl(J_TOUCH | {"touchpoint_id": "t-9"}).encode()
    )
    report = lc.read_book_report(folder)
    assert [e.line for e in report.errors] == [2]
    assert [t.id for t in report.book.touchpoints()] == ["t-1", "t-9"]


def test_line_numbers_count_physical_lines_of_multi_line_cells(tmp_path: Path):
    """A note spanning three lines moves the next row's line number by three."""
    touchpoints = (
        TOUCH_HEADER
        + 't-1,c-1,2025-01-06T09:00:00Z,web,purchase,inbound,,,"one\ntwo\nthree"\n'
        + "t-2,c-1,2025-01-07T09:00:00Z,fax,check_in,outbound,,,\n"
    )
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(write(tmp_path, touchpoints=touchpoints))
    assert info.value.line == 5


J_CUSTOMER = {"customer_id": "c-1", "name": "Ada", "since": "2025-01-06"}
J_TOUCH = {
    "touchpoint_id": "t-1",
    "customer_id": "c-1",
    "at": "2025-01-06T09:00:00Z",
    "channel": "web",
    "kind": "nps",
    "direction": "inbound",
}


def jl(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


BAD_JSONL: list[tuple[str, str, str, int, str | None, str | None, str]] = [
    ("not JSON", "touchpoints", jl(J_TOUCH, "{oops"), 2, None, "{oops", "not valid JSON"),
    ("not an object", "touchpoints", jl([1, 2]), 1, None, None, "JSON object, not an array"),
    ("missing key", "customers", jl({"customer_id": "c-1", "name": "A"}), 1, "since", None, "required key"),
    ("misspelt key", "touchpoints", jl(J_TOUCH | {"Kind": "nps"}), 1, "Kind", None, "did you mean `kind`?"),
    ("unknown channel", "touchpoints", jl(J_TOUCH | {"channel": "whatsapp"}), 1, "channel", "whatsapp", "register custom channels"),
    ("non-string touchpoint attribute", "touchpoints", jl(J_TOUCH | {"campaign": 7}), 1, "campaign", "7", "a custom attribute must be a string"),
    ("touchpoint attribute key with edge spaces", "touchpoints", jl(J_TOUCH | {" plan": "pro"}), 1, "attributes", " plan", "edge spaces"),
    ("number for a date", "customers", jl(J_CUSTOMER | {"since": 20250106}), 1, "since", "20250106", "must be a string"),
    ("string score", "touchpoints", jl(J_TOUCH | {"score": "high"}), 1, "score", "high", "whole number"),
    ("boolean score", "touchpoints", jl(J_TOUCH | {"score": True}), 1, "score", "true", "whole number"),
    ("tags of numbers", "touchpoints", jl(J_TOUCH | {"tags": [1]}), 1, "tags", "[1]", "list of strings"),
    ("non-string attribute", "customers", jl(J_CUSTOMER | {"revenue": 12.5}), 1, "revenue", "12.5", "must be a string"),
    ("null name", "customers", jl(J_CUSTOMER | {"name": None}), 1, "name", None, "must be a string"),
    ("number note", "touchpoints", jl(J_TOUCH | {"note": 3}), 1, "note", "3", "must be a string"),
    ("flag as number", "customers", jl(J_CUSTOMER | {"do_not_contact": 2}), 1, "do_not_contact", "2", "true or false"),
    ("attribute key with edge spaces", "customers", jl(J_CUSTOMER | {" plan": "pro"}), 1, "attributes", " plan", "edge spaces"),
]  # fmt: skip


BAD_INPUTS = [("csv", *case) for case in BAD_CSV] + [("jsonl", *case) for case in BAD_JSONL]


@pytest.mark.parametrize(
    ("fmt", "which", "text", "line", "column", "value", "problem"),
    [case[:1] + case[2:] for case in BAD_INPUTS],
    ids=[f"{case[0]}: {case[1]}" for case in BAD_INPUTS],
)
def test_every_bad_input_meets_its_clear_error(
    tmp_path: Path,
    fmt: str,
    which: str,
    text: str,
    line: int,
    column: str | None,
    value: str | None,
    problem: str,
):
    """Each bad input raises BookFormatError naming file, line, column and value.

    The same input read in collect mode gives the same error first: nothing is
    dropped silently.
    """
    good = {"csv": (CUSTOMERS, TOUCH_HEADER + TOUCH_ROW), "jsonl": (jl(J_CUSTOMER), jl(J_TOUCH))}[
        fmt
    ]
    files = dict(zip(("customers", "touchpoints"), good, strict=True)) | {which: text}
    folder = write(tmp_path, files["customers"], files["touchpoints"], ext=fmt)
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    error = info.value
    assert (Path(error.path).name, error.line, error.column, error.value) == (
        f"{which}.{fmt}", line, column, value,
    )  # fmt: skip
    assert problem in error.problem
    assert str(error).startswith(f"{folder / which}.{fmt}, line {line}")
    report = lc.read_book_report(folder)
    assert [str(e) for e in report.errors][:1] == [str(error)]


def test_the_table_of_bad_inputs_is_broad():
    """At least 15 kinds of bad input per format family, all distinct."""
    assert len(BAD_CSV) >= 15
    assert len(BAD_JSONL) >= 10
    assert len({case[:2] for case in BAD_INPUTS}) == len(BAD_INPUTS)


def test_jsonl_accepts_native_and_string_values(tmp_path: Path):
    """Null, booleans, numbers and lists, or the CSV spellings, mean the same."""
    customers = jl(
        J_CUSTOMER | {"do_not_contact": True, "stage": None, "timezone": None},
        {"customer_id": "c-2", "name": "B", "since": "2025-01-06", "do_not_contact": "no"},
    )
    touchpoints = jl(
        J_TOUCH | {"score": 3, "tags": ["x", "y"]},
        J_TOUCH | {"touchpoint_id": "t-2", "score": "4", "tags": "x;y"},
    )
    book = lc.read_book(write(tmp_path, customers, touchpoints, ext="jsonl"))
    assert book.customer("c-1").do_not_contact and not book.customer("c-2").do_not_contact
    first, second = book.timeline("c-1")
    assert (first.score, first.tags) == (3, frozenset({"x", "y"}))
    assert (second.score, second.tags) == (4, frozenset({"x", "y"}))


# -- collecting every error ---------------------------------------------------------


def test_collect_mode_returns_every_error_and_the_good_rows(tmp_path: Path):
    """All errors come back in file order; good rows make a consistent book."""
    customers = C_HEAD + C_OK + "c-2,Bad,someday,,,,,\n" + "c-3,Fine,2025-01-01,,,,,\n"
    touchpoints = (
        TOUCH_HEADER
        + TOUCH_ROW
        + "t-2,c-2,2025-01-07T10:00:00Z,email,check_in,outbound,,,\n"  # its customer was rejected
        + "t-3,c-3,2025-01-07T10:00:00,email,check_in,outbound,,,\n"  # naive
        + "t-4,c-3,2025-01-07T10:00:00Z,email,check_in,outbound,,,\n"
        + "t-4,c-3,2025-01-08T10:00:00Z,email,check_in,outbound,,,\n"  # duplicate
    )
    report = lc.read_book_report(write(tmp_path, customers, touchpoints))
    assert not report.ok
    assert [(Path(e.path).name, e.line, e.column) for e in report.errors] == [
        ("customers.csv", 3, "since"),
        ("touchpoints.csv", 3, "customer_id"),
        ("touchpoints.csv", 4, "at"),
        ("touchpoints.csv", 6, "touchpoint_id"),
    ]
    assert "whose row (line 3 of customers.csv) was rejected" in str(report.errors[1])
    assert report.book.customer_ids == ("c-1", "c-3")
    assert [t.id for t in report.book.touchpoints()] == ["t-1", "t-4"]


def test_collect_mode_goes_on_past_bad_json_lines(tmp_path: Path):
    """Every bad JSON line is reported and the lines after it are still read."""
    customers = jl(
        J_CUSTOMER, J_CUSTOMER | {"customer_id": 7}, "", J_CUSTOMER | {"customer_id": "c-2"}
    )
    touchpoints = jl("nope", [1], J_TOUCH, J_TOUCH | {"touchpoint_id": "t-2", "customer_id": "c-2"})
    report = lc.read_book_report(write(tmp_path, customers, touchpoints, ext="jsonl"))
    assert [(Path(e.path).name, e.line) for e in report.errors] == [
        ("customers.jsonl", 2),
        ("touchpoints.jsonl", 1),
        ("touchpoints.jsonl", 2),
    ]
    assert report.book.touchpoint_count == 2


def test_collect_mode_reports_an_unreadable_header_and_goes_on(tmp_path: Path):
    """A broken touchpoints header is one error; the customers are still read."""
    report = lc.read_book_report(write(tmp_path, touchpoints="id,when\n"))
    assert len(report.book) == 2
    # Other columns are attributes: what is wrong is the missing touchpoint_id.
    assert [e.column for e in report.errors] == ["touchpoint_id"]


# -- finding the files ----------------------------------------------------------------


def test_files_that_are_missing_or_ambiguous(tmp_path: Path):
    """Folder problems are errors in both modes, naming the path."""
    with pytest.raises(lc.BookFormatError, match="does not exist"):
        lc.read_book(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(lc.BookFormatError, match="is not a folder"):
        lc.read_book(tmp_path / "file")
    with pytest.raises(lc.BookFormatError, match="no customers.csv or customers.jsonl"):
        lc.read_book_report(tmp_path)
    folder = write(tmp_path / "both")
    write(folder, jl(J_CUSTOMER), jl(J_TOUCH), ext="jsonl")
    with pytest.raises(lc.BookFormatError, match="both customers.csv and customers.jsonl"):
        lc.read_book(folder)
    assert len(lc.read_book(folder, format="jsonl")) == 1
    assert len(lc.read_book(folder, format="csv")) == 2
    with pytest.raises(lc.BookFormatError, match="'xlsx' is not one of"):
        lc.read_book(folder, format="xlsx")  # type: ignore[arg-type]
    (folder / "touchpoints.csv").unlink()
    with pytest.raises(lc.BookFormatError, match="touchpoints.csv: does not exist"):
        lc.read_book(folder, format="csv")
    (folder / "touchpoints.csv").mkdir()
    with pytest.raises(lc.BookFormatError, match="touchpoints.csv: is not a file"):
        lc.read_book(folder, format="csv")


def test_rows_are_streamed_not_read_whole(tmp_path: Path):
    """Reading rows keeps memory flat: far less than the file's size is ever held."""
    from lifecycle.io._files import read_csv  # noqa: PLC0415 - the streaming layer itself

    path = tmp_path / "touchpoints.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(TOUCH_HEADER)
        for i in range(60_000):
            handle.write(f"t-{i},c-1,2025-01-06T09:00:00+01:00,web,check_in,outbound,,,note {i}\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        rows = sum(1 for _ in read_csv(path, required=()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 60_000
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte file"


def test_errors_carry_their_parts(tmp_path: Path):
    """BookFormatError exposes path, line, column, value and problem for programs."""
    folder = write(tmp_path, touchpoints=t_row(kind="purchse"))
    error: Any = lc.read_book_report(folder).errors[0]
    assert isinstance(error, lc.LifecycleError) and isinstance(error, ValueError)
    assert (error.line, error.column, error.value) == (3, "kind", "purchse")
    assert error.problem.startswith("is not a known touchpoint kind")


def test_reading_restores_the_garbage_collector(tmp_path: Path):
    """The collector is paused while reading and left as it was found, even on errors."""
    import gc  # noqa: PLC0415

    folder = write(tmp_path, touchpoints=t_row(kind="purchse"))
    assert gc.isenabled()
    with pytest.raises(lc.BookFormatError):
        lc.read_book(folder)
    assert gc.isenabled()
    gc.disable()
    try:
        lc.read_book_report(folder)
        assert not gc.isenabled()
    finally:
        gc.enable()


@given(lct.touchpoints())
def test_the_fast_and_the_checked_row_parsers_agree(touchpoint: lc.Touchpoint):
    """The inline fast path builds exactly what the cell-by-cell checker builds."""
    from lifecycle.io._files import _csv_cell  # noqa: PLC0415
    from lifecycle.io._rows import (  # noqa: PLC0415
        TOUCHPOINT_COLUMNS,
        check_touchpoint,
        parse_touchpoint,
        touchpoint_row,
    )
    from lifecycle.touchpoints import kind_table  # noqa: PLC0415

    row = {k: _csv_cell(v) for k, v in touchpoint_row(touchpoint).items()}
    kinds = kind_table()
    values = tuple(row[c] for c in TOUCHPOINT_COLUMNS)
    fast = parse_touchpoint(values, kinds, {touchpoint.customer_id: touchpoint.customer_id})
    assert fast == check_touchpoint(row, kinds) == touchpoint


def test_undecodable_lines_are_reported_once_with_the_row_they_belong_to():
    """_Lines hands each bad line to the first row range that holds it, once."""
    import io as io_module  # noqa: PLC0415

    from lifecycle.io._files import _Lines  # noqa: PLC0415

    lines = _Lines(io_module.BytesIO(b"\xef\xbb\xbfok\n\xff\nok\n"))
    assert list(lines) == ["ok\n", "\ufffd\n", "ok\n"]  # the BOM is dropped here too
    assert lines.problem_in(1, 1) is None
    assert lines.problem_in(1, 3) == (2, "invalid start byte")
    assert lines.problem_in(1, 3) is None
