"""Hostile books: values at and past the library's bounds, and fuzzed files.

Every case is a row of a table with the message it expects; the fuzz tests
assert that reading any bytes raises only `LifecycleError`s, and that a
report accounts for every row it was given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle as lc
from lifecycle import limits
from lifecycle.cli import main
from lifecycle.io._rows import TOUCHPOINT_COLUMNS

C_HEAD = "customer_id,name,since,stage,contract_end,do_not_contact,timezone,preferred_channel\n"
C_OK = "c-1,Ada,2025-01-06,,,,,\n"
T_HEAD = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"
T_OK = "t-1,c-1,2025-01-06T09:00:00+01:00,web,purchase,inbound,,,\n"
D_HEAD = "decision_id,customer_id,policy,due,decision,at,until,by,note\n"
D_OK = "d-1,c-1,welcome,2025-01-07,done,2025-01-08T10:00:00+01:00,,alice,called\n"
KIRITIMATI = C_HEAD + "c-1,Kiri,2025-01-06,,,,Pacific/Kiritimati,\n"
FAR_WEST = C_HEAD + "c-1,Pago,2025-01-06,,,,Pacific/Pago_Pago,\n"


def write(folder: Path, customers: str, touchpoints: str, ext: str = "csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"customers.{ext}").write_text(customers, encoding="utf-8", errors="surrogatepass")
    (folder / f"touchpoints.{ext}").write_text(
        touchpoints, encoding="utf-8", errors="surrogatepass"
    )
    return folder


def c_row(**cells: str) -> str:
    values = {"customer_id": "c-2", "name": "Bad", "since": "2025-01-01"} | cells
    return C_HEAD + C_OK + ",".join(values.get(k, "") for k in C_HEAD.strip().split(",")) + "\n"


def t_row(customers: str = C_HEAD + C_OK, **cells: str) -> tuple[str, str]:
    values = {
        "touchpoint_id": "t-2",
        "customer_id": "c-1",
        "at": "2025-01-07T10:00:00Z",
        "channel": "email",
        "kind": "check_in",
        "direction": "outbound",
    } | cells
    row = ",".join(values.get(k, "") for k in T_HEAD.strip().split(","))
    return customers, T_HEAD + T_OK + row + "\n"


J_CUSTOMER = {"customer_id": "c-1", "name": "Ada", "since": "2025-01-06"}
J_TOUCH = {
    "touchpoint_id": "t-1",
    "customer_id": "c-1",
    "at": "2025-01-06T09:00:00Z",
    "channel": "web",
    "kind": "nps",
    "direction": "inbound",
}
J_DECISION = {
    "decision_id": "d-1",
    "customer_id": "c-1",
    "policy": "welcome",
    "due": "2025-01-07",
    "decision": "snoozed",
    "at": "2025-01-08T10:00:00Z",
    "until": "2025-02-01",
}


def jl(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def j_touch(text: str) -> tuple[str, str]:
    return jl(J_CUSTOMER), text


def j_customer(text: str) -> tuple[str, str]:
    return text, jl(J_TOUCH)


NESTED = '{"customer_id": "c-1", "name": "Ada", "since": "2025-01-06", "plan": ' + (
    "[" * 100_000 + "]" * 100_000 + "}"
)
HUGE = "9" * 5000
LONG_NOTE = "n" * (limits.MAX_TEXT_LENGTH + 1)

# (id, format, (customers text, touchpoints text), file, line, column, problem words)
CASES: list[tuple[str, str, tuple[str, str], str, int, str | None, str]] = [
    ("at in year 1, an hour east", "csv", t_row(at="0001-01-01T00:00:00+01:00"), "touchpoints", 3, "at", "outside the dates the library works with (1900-01-01 to 2199-12-31, both as written and in UTC)"),
    ("at in year 9999, an hour west", "csv", t_row(at="9999-12-31T23:59:59-01:00"), "touchpoints", 3, "at", "outside the dates"),
    ("at the last hour of 9999 in Kiritimati", "csv", t_row(KIRITIMATI, at="9999-12-31T23:00Z"), "touchpoints", 3, "at", "outside the dates"),
    ("at the last hour of 2199 in Kiritimati", "csv", t_row(KIRITIMATI, at="2199-12-31T23:00Z"), "touchpoints", 3, "at", "falls on 2200-01-01 in the customer's zone Pacific/Kiritimati"),
    ("at the first hour of 1900 in Pago Pago", "csv", t_row(FAR_WEST, at="1900-01-01T05:00Z"), "touchpoints", 3, "at", "falls on 1899-12-31 in the customer's zone Pacific/Pago_Pago"),
    ("at in 2200 as written, 2199 in UTC", "csv", t_row(at="2200-01-01T05:00+10:00"), "touchpoints", 3, "at", "both as written and in UTC"),
    ("since 9999-12-31", "csv", (c_row(since="9999-12-31"), T_HEAD), "customers", 3, "since", "outside the dates"),
    ("since 0001-01-01 in Kiritimati", "csv", (c_row(since="0001-01-01", timezone="Pacific/Kiritimati"), T_HEAD), "customers", 3, "since", "outside the dates"),
    ("contract end 0001-01-01", "csv", (c_row(contract_end="0001-01-01"), T_HEAD), "customers", 3, "contract_end", "outside the dates"),
    ("a 5,000-digit score", "csv", t_row(kind="nps", score=HUGE), "touchpoints", 3, "score", "is 5,000 characters long; a score has at most 2 digits"),
    ("a zone of 1,000 segments", "csv", (c_row(timezone="/".join(["a"] * 1000)), T_HEAD), "customers", 3, "timezone", "is not an IANA time zone name (longer than 64 characters)"),
    ("a zone of 300 characters", "csv", (c_row(timezone="E" * 300), T_HEAD), "customers", 3, "timezone", "longer than 64 characters"),
    ("a zone naming a directory", "csv", (c_row(timezone="Europe"), T_HEAD), "customers", 3, "timezone", "is not a known IANA time zone"),
    ("a zone climbing out", "csv", (c_row(timezone="../../../etc/passwd"), T_HEAD), "customers", 3, "timezone", "is not a known IANA time zone"),
    ("a zone with a NUL", "csv", (c_row(timezone="Europe/Berlin\x00"), T_HEAD), "customers", 3, "timezone", "is not a known IANA time zone"),
    ("do-not-contact", "csv", (C_HEAD.replace("do_not_contact", "do-not-contact") + C_OK, T_HEAD), "customers", 1, "do-not-contact", "did you mean `do_not_contact`?"),
    ("Do_Not_Contact", "csv", (C_HEAD.replace("do_not_contact", "Do_Not_Contact") + C_OK, T_HEAD), "customers", 1, "Do_Not_Contact", "did you mean `do_not_contact`?"),
    ("doNotContact as an extra column", "csv", (C_HEAD.strip() + ",doNotContact\n" + C_OK.strip() + ",true\n", T_HEAD), "customers", 1, "doNotContact", "did you mean `do_not_contact`?"),
    ("customerId in touchpoints", "csv", (C_HEAD + C_OK, T_HEAD.replace("customer_id", "customerId")), "touchpoints", 1, "customerId", "did you mean `customer_id`?"),
    ("a note over the longest text", "csv", t_row(note=LONG_NOTE), "touchpoints", 3, "note", "is 100,001 characters long; the most allowed is 100,000"),
    ("a name over the longest text", "csv", (c_row(name=LONG_NOTE), T_HEAD), "customers", 3, "name", "100,001 characters long"),
    ("an attribute over the longest text", "csv", (C_HEAD.strip() + ",plan\n" + C_OK.strip() + "," + LONG_NOTE + "\n", T_HEAD), "customers", 2, "plan", "100,001 characters long"),
    ("tags over the longest text", "csv", t_row(tags=LONG_NOTE), "touchpoints", 3, "tags", "100,001 characters long"),
    ("a customer id over the longest id", "csv", (c_row(customer_id="c" * 300), T_HEAD), "customers", 3, "customer_id", "is 300 characters long; an id has at most 256"),
    ("a touchpoint id over the longest id", "csv", t_row(touchpoint_id="t" * 300), "touchpoints", 3, "touchpoint_id", "an id has at most 256"),
    ("a touchpoint id with a leading space", "csv", t_row(touchpoint_id=" t-2"), "touchpoints", 3, "touchpoint_id", "must not start or end with white space"),
    ("a touchpoint id with a trailing space", "csv", t_row(touchpoint_id="t-2 "), "touchpoints", 3, "touchpoint_id", "must not start or end with white space"),
    ("a JSON score of 5,000 digits", "jsonl", j_touch(jl(J_TOUCH | {"score": 10**4000})), "touchpoints", 1, "score", "must be a whole number"),
    ("a JSON score of 5,000 digits in text", "jsonl", j_touch(jl(J_TOUCH | {"score": HUGE})), "touchpoints", 1, "score", "5,000 characters long"),
    ("a JSON value nested 100,000 deep", "jsonl", j_customer(NESTED + "\n"), "customers", 1, None, "is not valid JSON: nested too deeply"),
    ("a JSON object where text belongs", "jsonl", j_touch(jl(J_TOUCH | {"note": {"a": 1}})), "touchpoints", 1, "note", "must be a string"),
    ("a JSON list as a name", "jsonl", j_customer(jl(J_CUSTOMER | {"name": ["Ada"]})), "customers", 1, "name", "must be a string"),
    ("a JSON object as a zone", "jsonl", j_customer(jl(J_CUSTOMER | {"timezone": {"k": "UTC"}})), "customers", 1, "timezone", "must be a string"),
    ("a JSON object as an attribute", "jsonl", j_customer(jl(J_CUSTOMER | {"plan": {"tier": 1}})), "customers", 1, "plan", "a custom attribute must be a string"),
    ("a repeated JSON key", "jsonl", j_customer('{"customer_id": "c-1", "name": "A", "since": "2025-01-06", "do_not_contact": true, "do_not_contact": false}\n'), "customers", 1, "do_not_contact", "appears twice in this object"),
    ("a repeated key in a nested object", "jsonl", j_touch('{"touchpoint_id": "t-1", "customer_id": "c-1", "at": "2025-01-06T09:00:00Z", "channel": "web", "kind": "nps", "direction": "inbound", "note": {"a": 1, "a": 2}}\n'), "touchpoints", 1, "a", "appears twice"),
    ("a JSON key doNotContact", "jsonl", j_customer(jl(J_CUSTOMER | {"doNotContact": True})), "customers", 1, "doNotContact", "did you mean `do_not_contact`?"),
    ("a JSON key Touchpoint_Id", "jsonl", j_touch(jl({**J_TOUCH, "Touchpoint_Id": "x"})), "touchpoints", 1, "Touchpoint_Id", "did you mean `touchpoint_id`?"),
    ("a lone surrogate in a name", "jsonl", j_customer(jl(J_CUSTOMER | {"name": "\ud800"})), "customers", 1, "name", "lone surrogate"),
    ("a lone surrogate in an attribute", "jsonl", j_customer(jl(J_CUSTOMER | {"plan": "a\udfff"})), "customers", 1, "plan", "lone surrogate"),
    ("a lone surrogate in a customer id", "jsonl", j_customer(jl(J_CUSTOMER | {"customer_id": "c\ud800"})), "customers", 1, "customer_id", "lone surrogate"),
    ("a lone surrogate in a note", "jsonl", j_touch(jl(J_TOUCH | {"note": "\udc00"})), "touchpoints", 1, "note", "lone surrogate"),
    ("a lone surrogate in a touchpoint id", "jsonl", j_touch(jl(J_TOUCH | {"touchpoint_id": "t\ud800"})), "touchpoints", 1, "touchpoint_id", "lone surrogate"),
    ("a lone surrogate in a tag", "jsonl", j_touch(jl(J_TOUCH | {"tags": ["\ud800"]})), "touchpoints", 1, "tags", "lone surrogate"),
    ("a JSON at in year 1", "jsonl", j_touch(jl(J_TOUCH | {"at": "0001-01-01T00:00:00+01:00"})), "touchpoints", 1, "at", "outside the dates"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "texts", "which", "line", "column", "problem"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_hostile_value_meets_its_clear_error(
    tmp_path: Path,
    fmt: str,
    texts: tuple[str, str],
    which: str,
    line: int,
    column: str | None,
    problem: str,
):
    """Each raises BookFormatError naming file, line, column; the report, the stream agree."""
    folder = write(tmp_path, *texts, ext=fmt)
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    error = info.value
    assert (Path(error.path).name, error.line, error.column) == (f"{which}.{fmt}", line, column)
    assert problem in error.problem
    message = str(error)
    assert len(message) < len(str(folder)) + 400  # the value is quoted cut short
    assert "tzdata" not in message and "zoneinfo" not in message
    report = lc.read_book_report(folder)
    assert report.errors and str(report.errors[0]) == message
    for sorted_ in (True, False):
        with pytest.raises(lc.BookFormatError) as streamed:
            list(lc.stream_book(folder, sorted=sorted_).items())
        assert (streamed.value.line, streamed.value.column) == (line, column)


def test_the_last_day_in_every_zone_is_accepted(tmp_path: Path):
    """The bounds are inclusive: the first and last instants that are in bounds everywhere."""
    texts = t_row(FAR_WEST, at="2199-12-31T12:59:59-11:00")  # 23:59:59 UTC
    book = lc.read_book(write(tmp_path / "last", *texts))
    assert book.touchpoint_count == 2
    texts = t_row(at="1900-01-01T14:00:00+14:00")  # midnight UTC, for a customer in UTC
    book = lc.read_book(write(tmp_path / "first", *texts))
    assert book.touchpoint_count == 2
    assert lc.read_book_report(write(tmp_path / "first", *texts, ext="csv")).ok
    for folder in (tmp_path / "last", tmp_path / "first"):
        for sorted_ in (True, False):
            assert len(list(lc.stream_book(folder, sorted=sorted_).items())) == 1
    edges = c_row(since="1900-01-01", contract_end="2199-12-31")
    assert len(lc.read_book(write(tmp_path / "dates", edges, T_HEAD + T_OK))) == 2


def test_a_wrong_number_of_fields_never_echoes_the_row(tmp_path: Path):
    """The row (emails, phones, notes) stays out of the message."""
    row = (
        "t-2,c-1,2025-01-07T10:00:00Z,email,check_in,outbound,,,ada@example.com,+44 20 7946 0000\n"
    )
    folder = write(tmp_path, C_HEAD + C_OK, T_HEAD + row)
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    assert "example.com" not in str(info.value) and "7946" not in str(info.value)
    assert str(info.value).endswith("line 2: has 10 fields but the header has 9")


def test_bad_json_quotes_only_the_text_near_the_fault(tmp_path: Path):
    """Invalid JSON shows twenty characters around the fault, not the whole line."""
    line = '{"touchpoint_id": "t-1", "note": "call ada@example.com" oops, "x": 1}'
    folder = write(tmp_path, jl(J_CUSTOMER), line + "\n", ext="jsonl")
    with pytest.raises(lc.BookFormatError) as info:
        lc.read_book(folder)
    assert info.value.value is not None and len(info.value.value) <= 20
    assert "touchpoint_id" not in str(info.value)


@pytest.mark.parametrize(
    ("line", "kind"),
    [('"c-1"', "a string"), ("null", "null"), ("true", "a boolean"), ("3.5", "a number")],
)
def test_a_json_line_that_is_not_an_object_names_its_type(tmp_path: Path, line: str, kind: str):
    """The message says what the line holds instead of quoting it."""
    folder = write(tmp_path, line + "\n", jl(J_TOUCH), ext="jsonl")
    with pytest.raises(lc.BookFormatError, match=f"line 1: must be a JSON object, not {kind}$"):
        lc.read_book(folder)


def test_strategies_keep_within_the_bounds():
    """The testing strategies refuse windows the library would refuse."""
    import lifecycle.testing as lct  # noqa: PLC0415 - only here

    with pytest.raises(lc.InvalidValueError, match="min_value"):
        lct.local_dates(min_value=dt.date(1800, 1, 1))
    with pytest.raises(lc.InvalidValueError, match="max_value"):
        lct.aware_datetimes(max_value=limits.MAX_DATE)
    with pytest.raises(lc.InvalidValueError, match="as_of"):
        lct.books(situations=True, as_of=dt.date(1900, 6, 1))
    lct.books(situations=True, as_of=dt.date(1903, 1, 10))  # far enough in


def test_a_report_reads_on_past_a_field_over_the_csv_limit(tmp_path: Path):
    """A cell over 131,072 characters is one error; the rows after keep their line numbers."""
    giant = '"' + "x\n" * 70_000 + '"'
    touchpoints = (
        T_HEAD
        + T_OK
        + f"t-2,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,{giant}\n"
        + "t-3,c-1,2025-01-08T10:00:00Z,web,demo,inbound,,,\n"
        + "t-4,c-1,2025-01-09T10:00:00Z,fax,demo,inbound,,,\n"
        + '"t-5",c-1,2025-01-10T10:00:00Z,web,demo,inbound,,,"two\nlines"\n'
        + "t-6,c-1,2025-01-11T10:00:00Z,web,demo,inbound,,,\n"
        + "t-7,c-1,2025-01-12T10:00:00Z,web,demo,inbound,,,\n"[:-1]
    )
    folder = write(tmp_path, C_HEAD + C_OK, touchpoints)
    report = lc.read_book_report(folder)
    giant_end = 3 + 70_000
    assert [(e.line, e.column) for e in report.errors] == [(3, None), (giant_end + 2, "channel")]
    assert "field larger than field limit" in report.errors[0].problem
    assert f"lines 3 to {giant_end} were not read" in report.errors[0].problem
    assert sorted(t.id for t in report.book.touchpoints()) == ["t-1", "t-3", "t-5", "t-6", "t-7"]


def test_a_report_reads_on_past_an_unclosed_quote_and_bad_bytes(tmp_path: Path):
    """After the first CSV error, rows are read one by one: bad bytes and bad rows are named."""
    giant = "y" * 140_000
    touchpoints = (
        T_HEAD.encode()
        + f"t-1,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,{giant}\n".encode()
        + b"t-2,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,\xff\n"
        + b"t-3,c-1,2025-01-07T10:00:00Z,web,demo,inbound\n"
        + b"\n"
        + b't-4,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,"a"b\n'
        + b"t-5,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,\n"
        + b't-6,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,"never closed\n'
    )
    folder = write(tmp_path, C_HEAD + C_OK, "")
    (folder / "touchpoints.csv").write_bytes(touchpoints)
    report = lc.read_book_report(folder)
    assert [(e.line, e.problem.split(":")[0]) for e in report.errors] == [
        (2, "is not valid CSV"),
        (3, "is not valid UTF-8"),
        (4, "has 6 fields but the header has 9"),
        (6, "is not valid CSV"),
        (8, "is not valid CSV"),
    ]
    assert [t.id for t in report.book.touchpoints()] == ["t-5"]


def test_reading_on_past_an_error_keeps_a_file_with_every_column(tmp_path: Path):
    """A file whose columns are exactly the touchpoint columns is read on row by row too."""
    head = T_HEAD.rstrip("\n") + ",amount,currency\n"
    touchpoints = (
        head
        + 't-1,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,"a"b,,\n'
        + "t-2,c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,,12.50,EUR\n"
    )
    folder = write(tmp_path, C_HEAD + C_OK, "")
    (folder / "touchpoints.csv").write_text(touchpoints, encoding="utf-8")
    report = lc.read_book_report(folder)
    assert [(e.line, e.problem.split(":")[0]) for e in report.errors] == [(2, "is not valid CSV")]
    assert [(t.id, str(t.amount)) for t in report.book.touchpoints()] == [("t-2", "12.50")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_split_stream_reads_on_past_a_field_over_the_csv_limit(tmp_path: Path, fmt: str):
    """The careful reading also keeps to a span of the file, as parallel reading asks."""
    from lifecycle.io._files import Span, read_csv  # noqa: PLC0415 - the span reader only

    rows = [f"t-{i},c-1,2025-01-07T10:00:00Z,web,demo,inbound,,,\n" for i in range(4)]
    rows[1] = rows[1].replace(",,,", ",,," + "z" * 140_000)
    data = (T_HEAD + "".join(rows)).encode()
    path = tmp_path / "touchpoints.csv"
    path.write_bytes(data)
    start = len(T_HEAD) + len(rows[0])
    span = Span(start, start + len(rows[1]) + len(rows[2]), 3, 2)
    got = list(read_csv(path, required=(), columns=TOUCHPOINT_COLUMNS, span=span))
    assert [line for line, _ in got] == [3, 4]
    assert isinstance(got[0][1], lc.BookFormatError)
    assert next(iter(got[1][1])) == "t-2"  # type: ignore[arg-type]


def test_the_fast_parser_refuses_what_the_careful_one_refuses():
    """A touchpoint id with edge spaces, or out-of-bounds instants, go to the careful path."""
    from lifecycle.io._rows import CellError, parse_touchpoint  # noqa: PLC0415 - the parser alone

    kinds = {k.name: k for k in lc.Kind.standard()}
    good = ["t-1", "c-1", "2025-01-07T10:00:00Z", "web", "demo", "inbound", "", "", ""]
    assert parse_touchpoint(good, kinds, {}).id == "t-1"
    for column, value in [
        (0, " t-1"),
        (0, "t-1 "),
        (1, "c-1 "),
        (0, "t" * 300),
        (2, "1900-01-01T00:00:00+01:00"),
        (2, "2199-12-31T23:30:00-01:00"),
        (6, "0" * 40),
        (8, "n" * (limits.MAX_TEXT_LENGTH + 1)),
        (7, "t" * (limits.MAX_TEXT_LENGTH + 1)),
        (8, "\ud800"),
        (0, "t\udc00"),
    ]:
        row = list(good)
        row[column] = value
        with pytest.raises(CellError):
            parse_touchpoint(row, kinds, {})
    edge = list(good)
    edge[2] = "2199-12-31T23:30:00+01:00"  # the last day: careful path, yet valid
    assert parse_touchpoint(edge, kinds, {}).at.date() == dt.date(2199, 12, 31)
    unicode = list(good)
    unicode[0], unicode[8] = "t-é", "café"
    assert parse_touchpoint(unicode, kinds, {}).note == "café"


# -- the model's own checks --------------------------------------------------------------

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TOUCH = {"id": "t", "customer_id": "c", "at": AT, "channel": "web", "kind": "demo"}
CUSTOMER = {"id": "c", "name": "Ada", "since": dt.date(2026, 1, 1)}
EAST = dt.timezone(dt.timedelta(hours=1))
WEST = dt.timezone(dt.timedelta(hours=-1))

# (id, constructor, fields, field in the message, words in the message)
MODEL_CASES: list[tuple[str, Callable[..., Any], dict[str, Any], str]] = [
    ("at in year 1", lc.Touchpoint, {"at": dt.datetime(1, 1, 1, tzinfo=EAST)}, "at=datetime.datetime(1, 1, 1, 0, 0, tzinfo="),
    ("at in year 9999", lc.Touchpoint, {"at": dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=WEST)}, "both as written and in UTC"),
    ("tags=None", lc.Touchpoint, {"tags": None}, "tags=None: must be a collection of labels"),
    ("a tag with a surrogate", lc.Touchpoint, {"tags": {"\ud800"}}, "lone surrogate"),
    ("a note with a surrogate", lc.Touchpoint, {"note": "\ud800"}, "note='\\ud800': holds a lone surrogate"),
    ("a long note", lc.Touchpoint, {"note": LONG_NOTE}, "is 100,001 characters long"),
    ("a long id", lc.Touchpoint, {"id": "t" * 257}, "is 257 characters long; the most allowed is 256"),
    ("since 9999-12-31", lc.Customer, {"since": dt.date(9999, 12, 31)}, "since=datetime.date(9999, 12, 31): is outside the dates"),
    ("since 0001-01-01", lc.Customer, {"since": dt.date(1, 1, 1), "timezone": "Pacific/Kiritimati"}, "since=datetime.date(1, 1, 1): is outside"),
    ("contract_end 0001-01-01", lc.Customer, {"contract_end": dt.date(1, 1, 1)}, "contract_end=datetime.date(1, 1, 1)"),
    ("a zone naming a directory", lc.Customer, {"timezone": "Europe"}, "timezone='Europe': is not a known IANA time zone"),
    ("a zone of 1,000 segments", lc.Customer, {"timezone": "/".join(["a"] * 1000)}, "longer than 64 characters"),
    ("a zone path", lc.Customer, {"timezone": "/etc/localtime"}, "is not a known IANA time zone"),
    ("a name with a surrogate", lc.Customer, {"name": "\udc80"}, "lone surrogate"),
    ("a near-reserved attribute", lc.Customer, {"attributes": {"Do-Not-Contact": "yes"}}, "did you mean `do_not_contact`?"),
    ("an attribute value with a surrogate", lc.Customer, {"attributes": {"plan": "\ud800"}}, "attributes['plan']='\\ud800'"),
    ("a long attribute name", lc.Customer, {"attributes": {"p" * 100_001: "x"}}, "100,001 characters long"),
    ("a recorded stage with a surrogate", lc.Customer, {"recorded_stage": "\ud800"}, "recorded_stage="),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "fields", "message"),
    [case[1:] for case in MODEL_CASES],
    ids=[case[0] for case in MODEL_CASES],
)
def test_every_hostile_field_meets_its_clear_error(
    make: Callable[..., Any], fields: dict[str, Any], message: str
):
    """The model refuses the value where it is made, naming it, cut short."""
    base = TOUCH | {"direction": "inbound"} if make is lc.Touchpoint else CUSTOMER
    with pytest.raises(lc.InvalidValueError) as info:
        make(**(base | fields))
    assert message in str(info.value)
    assert len(str(info.value)) < 300


def test_an_error_quotes_a_value_cut_short():
    """repr is cut to 80 characters; a huge number is described, not written."""
    error = lc.InvalidValueError("note", "x" * 1000, "is bad")
    assert str(error) == "note=" + repr("x" * 1000)[:77] + "...: is bad"
    assert "about 5000 digits" in str(lc.InvalidValueError("score", 10**5000, "is bad"))
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert "too large to show" in str(lc.InvalidValueError("tags", deep, "is bad"))
    assert "x" * 100 not in str(lc.DuplicateIdError("customer", "x" * 1000))
    assert "x" * 100 not in str(lc.UnknownCustomerError("x" * 1000))


# -- dates given to the engine, the metrics and the command line ---------------------------

BOOK = lc.sample_book()
ENGINE = lc.Engine(lc.starter_pack())
FAR = dt.date(9999, 12, 31)
EARLY = dt.date(1, 6, 1)
OK = lc.SAMPLE_AS_OF

RENEWAL = lc.policy("renewal", priority=3, anchor=lc.policies.contract_end(), offset=lc.days(-60))

ARGUMENT_CASES: list[tuple[str, Callable[[], object], str]] = [
    ("agenda", lambda: ENGINE.agenda(BOOK, FAR), "as_of=datetime.date(9999, 12, 31): is outside"),
    ("explain", lambda: ENGINE.explain(BOOK, "C001", EARLY), "as_of=datetime.date(1, 6, 1)"),
    ("forecast start", lambda: ENGINE.forecast(BOOK, EARLY, OK), "start=datetime.date(1, 6, 1)"),
    ("forecast end", lambda: ENGINE.forecast(BOOK, OK, FAR), "end=datetime.date(9999, 12, 31)"),
    ("nps", lambda: lc.metrics.nps(BOOK, EARLY, OK), "start="),
    ("retention", lambda: lc.metrics.retention(BOOK, OK, FAR), "end="),
    ("cohorts", lambda: lc.metrics.cohort_retention(BOOK, FAR), "as_of="),
    ("report", lambda: lc.metrics.report(BOOK, dt.date(1899, 12, 31), OK), "start="),
    (
        "incremental",
        lambda: lc.IncrementalAgenda(ENGINE, BOOK, as_of=FAR),
        "as_of=datetime.date(9999",
    ),
    ("incremental agenda", lambda: lc.IncrementalAgenda(ENGINE, BOOK, OK).agenda(FAR), "as_of="),
    ("health scores", lambda: lc.health_scores(lc.Book(), EARLY), "as_of=datetime.date(1, 6, 1)"),
    ("health score", lambda: lc.DEFAULT_HEALTH.score(*next(BOOK.items()), FAR), "as_of="),
    ("next change", lambda: lc.next_change(lc.starter_pack(), *next(BOOK.items()), FAR), "as_of="),
    ("a policy's next change", lambda: RENEWAL.next_change(*next(BOOK.items()), FAR), "as_of="),
]


@pytest.mark.parametrize(
    ("call", "message"),
    [case[1:] for case in ARGUMENT_CASES],
    ids=[case[0] for case in ARGUMENT_CASES],
)
def test_dates_out_of_bounds_are_refused_by_name(call: Callable[[], object], message: str):
    """The engine and the metrics name the argument that is out of bounds."""
    with pytest.raises(lc.InvalidValueError, match="outside the dates") as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("offset", "day"),
    [(lc.days(36_525), dt.date(9999, 12, 31)), (lc.policies.years(-100), dt.date(1, 1, 1))],
)
def test_an_offset_leaving_pythons_dates_is_refused(offset: lc.policies.Offset, day: dt.date):
    """Only a date outside the library's bounds can get there; it meets the library's error."""
    with pytest.raises(lc.InvalidValueError, match="leaves Python's dates") as info:
        offset.apply(day)
    assert str(info.value).startswith(f"day={day!r}: moved {offset.description}")


# A touchpoint in bounds in UTC whose date is out of bounds in its customer's zone.
KIRI_ZONE = "Pacific/Kiritimati"
LATE = dt.datetime(2199, 12, 31, 23, tzinfo=dt.UTC)  # 2200-01-01 in Kiritimati
KIRI = lc.Customer(id="k", name="Kiri", since=dt.date(2025, 1, 6), timezone=KIRI_ZONE)
KIRI_UTC = lc.Customer(id="k", name="Kiri", since=dt.date(2025, 1, 6))
KIRI_OK = lc.Touchpoint(
    id="t-0", customer_id="k", kind="demo", channel="web", direction="inbound", at=AT
)
KIRI_LATE = lc.Touchpoint(
    id="t-1", customer_id="k", kind="demo", channel="web", direction="inbound", at=LATE
)
EARLY_TP = lc.Touchpoint(  # 1899-12-31 in Pago Pago
    id="t-2", customer_id="p", kind="demo", channel="web", direction="inbound",
    at=dt.datetime(1900, 1, 1, 5, tzinfo=dt.UTC),
)  # fmt: skip
PAGO = lc.Customer(id="p", name="Pago", since=dt.date(2025, 1, 6), timezone="Pacific/Pago_Pago")


def _incremental_add() -> None:
    live = lc.IncrementalAgenda(ENGINE, lc.Book([KIRI, PAGO]), as_of=OK)
    kiri_ok = lc.Touchpoint(
        id="t-3", customer_id="k", kind="demo", channel="web", direction="inbound", at=AT
    )
    try:
        live.add([kiri_ok, EARLY_TP])
    finally:  # nothing is taken unless all are good
        assert live.book.touchpoint_count == 0


def _incremental_update() -> None:
    live = lc.IncrementalAgenda(ENGINE, lc.Book([KIRI_UTC, PAGO], [KIRI_OK, KIRI_LATE]), as_of=OK)
    pago_east = lc.Customer(id="p", name="Pago", since=dt.date(2025, 1, 6), timezone="UTC")
    try:
        live.update([pago_east, KIRI])
    finally:  # nothing is taken unless all are good
        assert live.book.customer("k") == KIRI_UTC
        assert live.book.timeline("p").timezone.key == "Pacific/Pago_Pago"


LOCAL_CASES: list[tuple[str, Callable[[], object], str]] = [
    ("Book", lambda: lc.Book([KIRI], [KIRI_OK, KIRI_LATE]), "2200-01-01"),
    ("Book, early", lambda: lc.Book([PAGO], [EARLY_TP]), "falls on 1899-12-31"),
    ("Timeline", lambda: lc.Timeline([KIRI_LATE], timezone=KIRI_ZONE), "2200-01-01"),
    ("with_touchpoints", lambda: lc.Book([KIRI], [KIRI_OK]).with_touchpoints([KIRI_LATE]), "t-1"),
    ("with_customers", lambda: lc.Book([KIRI_UTC], [KIRI_LATE]).with_customers([KIRI]), "2200"),
    ("IncrementalAgenda.add", _incremental_add, "touchpoint 't-2'"),
    ("IncrementalAgenda.update", _incremental_update, "touchpoint 't-1'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "message"), [case[1:] for case in LOCAL_CASES], ids=[case[0] for case in LOCAL_CASES]
)
def test_a_local_date_out_of_bounds_is_refused_in_python_too(
    call: Callable[[], object], message: str
):
    """As the readers do: a touchpoint whose local date is out of bounds is named."""
    with pytest.raises(lc.InvalidValueError) as info:
        call()
    assert str(info.value).startswith("at=datetime.datetime(")
    assert "outside the dates the library works with" in str(info.value)
    assert message in str(info.value)


def test_touchpoints_near_the_bounds_but_inside_them_locally_are_kept():
    """Only the local date counts: the last hour of 2199 in UTC is fine in Pago Pago."""
    pago_late = lc.Touchpoint(
        id="t-9", customer_id="p", kind="demo", channel="web", direction="inbound", at=LATE
    )
    book = lc.Book([PAGO], [pago_late]).with_customers([PAGO])
    assert book.timeline("p").local_dates() == (dt.date(2199, 12, 31),)


CLI_CASES = [
    (["due", "--as-of", "9999-12-31"], 2, "lifecycle due: error: argument --as-of: '9999-12-31' is outside the dates the library works with (1900-01-01 to 2199-12-31)"),
    (["forecast", "--as-of", "9999-12-31"], 2, "lifecycle forecast: error: argument --as-of: '9999-12-31' is outside"),
    (["metrics", "--to", "0001-06-01"], 2, "lifecycle metrics: error: argument --to: '0001-06-01' is outside"),
    (["metrics", "--from", "1899-12-31"], 2, "argument --from: '1899-12-31' is outside"),
    (["explain", "C001", "--as-of", "2200-01-01"], 2, "argument --as-of: '2200-01-01' is outside"),
    (["forecast", "--as-of", "2199-12-31"], 1, "lifecycle forecast: error: --days=14: reaches past 2199-12-31"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "status", "message"), CLI_CASES)
def test_the_cli_refuses_dates_out_of_bounds(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
):
    """Exit 2 (usage) or 1, one error line naming the flag and the value, no traceback."""
    assert main(argv) == status
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in err


def test_metrics_to_the_first_year_starts_at_the_first_day(capsys: pytest.CaptureFixture[str]):
    """--to in 1900 without --from: the period starts at the first date, not before it."""
    assert main(["metrics", "--to", "1900-06-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["from"] == "1900-01-01"


def test_validate_finds_what_due_would_trip_on(tmp_path: Path):
    """Every hostile book that `due` refuses, `validate` reports (exit 1)."""
    folder = write(tmp_path, *t_row(KIRITIMATI, at="2199-12-31T23:00Z"))
    env = {**os.environ, "PYTHONPATH": str(Path(lc.__file__).parent.parent)}
    for command in (["validate"], ["due", "--as-of", "2199-12-31"]):
        done = subprocess.run(
            [sys.executable, "-m", "lifecycle", *command, "--book", str(folder)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        assert done.returncode == 1
        assert "falls on 2200-01-01" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


# -- fuzzing -----------------------------------------------------------------------------

# The suite runs the profile's budget; a long run sets LIFECYCLE_FUZZ_EXAMPLES.
_LONG_RUN = os.environ.get("LIFECYCLE_FUZZ_EXAMPLES")
fuzz = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    **({"max_examples": int(_LONG_RUN)} if _LONG_RUN else {}),
)

ODD = st.sampled_from(
    [
        "\x00", "\ud800", "\u202e", "\ufeff", ",", ";", " ", "\t", "é", "\U0001d518", "\\",
        "9" * 5000, "-1", "1e999", "NaN", "0001-01-01", "9999-12-31T23:59:59-01:00",
        "2199-12-31T23:00Z", "1900-01-01T00:00+14:00", "Europe", "../x", "Do_Not_Contact",
        "x" * (limits.MAX_TEXT_LENGTH + 1),
    ]
)  # fmt: skip
T_CELLS = ["t-{n}", "c-1", "2025-01-07T10:00:00+01:00", "email", "nps", "inbound", "9", "a;b", "hi"]
D_CELLS = [
    "d-{n}",
    "c-1",
    "welcome",
    "2025-01-07",
    "snoozed",
    "2025-01-08T10:00:00+01:00",
    "2025-02-01",
    "al",
    "hi",
]
C_CELLS = ["c-{n}", "Ada", "2025-01-06", "", "2026-01-05", "yes", "Pacific/Kiritimati", "email"]


@st.composite
def mutated(draw: st.DrawFn, cells: list[str]) -> list[str]:
    """A valid row's cells, mutated: swapped, truncated, odd text inserted or replacing."""
    row = list(cells)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(row) - 1))
        how = draw(st.sampled_from(["swap", "truncate", "insert", "replace", "drop"]))
        if how == "swap":
            j = draw(st.integers(0, len(row) - 1))
            row[i], row[j] = row[j], row[i]
        elif how == "truncate":
            row[i] = row[i][: draw(st.integers(0, max(0, len(row[i]) - 1)))]
        elif how == "insert":
            at = draw(st.integers(0, len(row[i])))
            row[i] = row[i][:at] + draw(ODD) + row[i][at:]
        elif how == "replace":
            row[i] = draw(ODD)
        else:
            row[i] = ""
    return row


def csv_line(cells: list[str]) -> str:
    # No quotes or line breaks inside: each row stays one physical line, so every
    # line can be accounted for.
    return ",".join(c.replace('"', "").replace("\n", "").replace("\r", "") for c in cells) + "\n"


def accounted(
    report: lc.BookReport, ids: dict[str, list[int]], lines: list[int], customers: bool
) -> None:
    """Each row is in the book or named by an error: nothing is dropped silently.

    *ids* gives the lines holding each id; of the lines sharing an id, at most
    one (the one kept) may go unnamed by the errors.
    """
    kept = {c.id for c in report.book} if customers else {t.id for t in report.book.touchpoints()}
    file = ("customers.csv", "customers.jsonl")
    named = {e.line for e in report.errors if e.path.endswith(file) == customers}
    for line in lines:
        assert line in named or any(line in at for at in ids.values()), f"line {line} lost"
    for id_, at in ids.items():
        unnamed = [line for line in at if line not in named]
        assert len(unnamed) <= (1 if id_ in kept else 0), f"lines {unnamed} dropped silently"


def _write_bytes(folder: Path, customers: bytes, touchpoints: bytes, ext: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"customers.{ext}").write_bytes(customers)
    (folder / f"touchpoints.{ext}").write_bytes(touchpoints)
    return folder


def read_all_ways(folder: Path) -> lc.BookReport | None:
    """Read *folder* with every reader; only LifecycleErrors may escape. Return the report."""
    report = None
    with contextlib.suppress(lc.LifecycleError):
        report = lc.read_book_report(folder)
    with contextlib.suppress(lc.LifecycleError):
        lc.read_book(folder)
    for sorted_ in (True, False):
        with contextlib.suppress(lc.LifecycleError):
            list(lc.stream_book(folder, sorted=sorted_).items())
    return report


@fuzz
@given(
    data=st.binary(max_size=300),
    which=st.sampled_from(["customers", "touchpoints", "decisions"]),
    fmt=st.sampled_from(["csv", "jsonl"]),
    header=st.booleans(),
)
def test_fuzz_raw_bytes_raise_only_library_errors(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, which: str, fmt: str, header: bool
):
    """Any bytes in any file, with or without a valid header, raise only LifecycleErrors."""
    good = {
        "csv": ((C_HEAD + C_OK).encode(), (T_HEAD + T_OK).encode(), (D_HEAD + D_OK).encode()),
        "jsonl": (jl(J_CUSTOMER).encode(), jl(J_TOUCH).encode(), jl(J_DECISION).encode()),
    }[fmt]
    heads = {"customers": C_HEAD, "touchpoints": T_HEAD, "decisions": D_HEAD}
    prefix = heads[which].encode() if header and fmt == "csv" else b""
    names = ("customers", "touchpoints", "decisions")
    files = dict(zip(names, good, strict=True)) | {which: prefix + data}
    folder = _write_bytes(
        tmp_path_factory.mktemp("raw"), files["customers"], files["touchpoints"], fmt
    )
    (folder / f"decisions.{fmt}").write_bytes(files["decisions"])
    read_all_ways(folder)


@fuzz
@given(rows=st.lists(mutated(T_CELLS), min_size=1, max_size=6))
def test_fuzz_near_valid_csv_touchpoints(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
):
    """Mutated touchpoint rows: library errors only, and every row accounted for."""
    customers = C_HEAD + "c-1,Kiri,2025-01-06,,,,Pacific/Kiritimati,\n"
    lines: list[int] = []
    ids: dict[str, list[int]] = {}
    text = T_HEAD
    for n, raw in enumerate(rows, start=2):
        cells = [c.replace("{n}", str(n)) for c in raw]
        text += csv_line(cells)
        lines.append(n)
        ids.setdefault(cells[0], []).append(n)
    folder = write(tmp_path_factory.mktemp("tcsv"), customers, text)
    report = read_all_ways(folder)
    assert report is not None
    accounted(report, ids, lines, customers=False)


@fuzz
@given(rows=st.lists(mutated(C_CELLS), min_size=1, max_size=6))
def test_fuzz_near_valid_csv_customers(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
):
    """Mutated customer rows: library errors only, and every row accounted for."""
    lines: list[int] = []
    ids: dict[str, list[int]] = {}
    text = C_HEAD
    for n, raw in enumerate(rows, start=2):
        cells = [c.replace("{n}", str(n)) for c in raw]
        text += csv_line(cells)
        lines.append(n)
        ids.setdefault(cells[0], []).append(n)
    folder = write(tmp_path_factory.mktemp("ccsv"), text, T_HEAD)
    report = read_all_ways(folder)
    assert report is not None
    accounted(report, ids, lines, customers=True)


def accounted_decisions(report: lc.BookReport, ids: dict[str, list[int]], lines: list[int]) -> None:
    """As `accounted`, for the rows of the decisions file."""
    kept = {d.id for d in report.book.decisions()}
    named = {e.line for e in report.errors if Path(e.path).stem == "decisions"}
    for line in lines:
        assert line in named or any(line in at for at in ids.values()), f"line {line} lost"
    for id_, at in ids.items():
        unnamed = [line for line in at if line not in named]
        assert len(unnamed) <= (1 if id_ in kept else 0), f"lines {unnamed} dropped silently"


@fuzz
@given(rows=st.lists(mutated(D_CELLS), min_size=1, max_size=6))
def test_fuzz_near_valid_csv_decisions(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
):
    """Mutated decision rows: library errors only, and every row accounted for."""
    lines: list[int] = []
    ids: dict[str, list[int]] = {}
    text = D_HEAD
    for n, raw in enumerate(rows, start=2):
        cells = [c.replace("{n}", str(n)) for c in raw]
        text += csv_line(cells)
        lines.append(n)
        ids.setdefault(cells[0], []).append(n)
    folder = write(tmp_path_factory.mktemp("dcsv"), KIRITIMATI, T_HEAD)
    (folder / "decisions.csv").write_text(text, encoding="utf-8", errors="surrogatepass")
    report = read_all_ways(folder)
    assert report is not None
    accounted_decisions(report, ids, lines)


JSON_ODD = st.one_of(
    ODD,
    st.sampled_from(
        [None, True, 10**40, -(10**4000), 1.5, float("inf"), [], {}, ["a", 1], {"k": "v"}]
    ),
    st.lists(st.lists(st.integers(), max_size=2), max_size=2),
)


@st.composite
def json_rows(draw: st.DrawFn, base: dict[str, Any], n: int) -> str:
    """A valid object, its values mutated, a key respelt or repeated, or the text cut."""
    row: dict[str, Any] = {
        k: (v.replace("{n}", str(n)) if isinstance(v, str) else v) for k, v in base.items()
    }
    keys = list(row)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(keys))
        how = draw(st.sampled_from(["value", "drop", "respell", "nest"]))
        if how == "value":
            row[key] = draw(JSON_ODD)
        elif how == "drop":
            row.pop(key, None)
        elif how == "respell":
            row[key.upper() if draw(st.booleans()) else key.replace("_", "-")] = row.pop(key, "x")
        else:
            row[key] = [[[[row.get(key)]]]]
    text = json.dumps(row, ensure_ascii=True)
    how = draw(st.sampled_from(["as is", "repeat", "cut", "deep"]))
    if how == "repeat" and row:
        first = next(iter(row))
        text = text[:-1] + f", {json.dumps(first)}: {json.dumps(row[first])}}}"
    elif how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "deep":
        text = text[:-1] + ', "deep": ' + "[" * 50_000 + "]" * 50_000 + "}"
    return text.replace("\n", " ")


J_T = {**J_TOUCH, "touchpoint_id": "t-{n}", "score": 9, "tags": ["a"], "note": "hi"}
J_C = {
    **J_CUSTOMER,
    "customer_id": "c-{n}",
    "timezone": "Pacific/Kiritimati",
    "do_not_contact": True,
}


J_D = {**J_DECISION, "decision_id": "d-{n}", "by": "al", "note": "hi"}


@fuzz
@given(data=st.data(), count=st.integers(1, 5))
def test_fuzz_near_valid_jsonl_decisions(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, count: int
):
    """Mutated JSON Lines decisions: library errors only, and every row accounted for."""
    texts = [data.draw(json_rows(J_D, n)) for n in range(1, count + 1)]
    ids: dict[str, list[int]] = {}
    for n, text in enumerate(texts, start=1):
        try:
            value = json.loads(text).get("decision_id")
        except (ValueError, AttributeError, RecursionError):
            continue
        if isinstance(value, str):
            ids.setdefault(value, []).append(n)
    folder = write(tmp_path_factory.mktemp("jld"), jl(J_CUSTOMER), jl(J_TOUCH), ext="jsonl")
    (folder / "decisions.jsonl").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    report = read_all_ways(folder)
    assert report is not None
    accounted_decisions(report, ids, [n for n, t in enumerate(texts, start=1) if t.strip()])


@fuzz
@given(data=st.data(), count=st.integers(1, 5), which=st.sampled_from(["customers", "touchpoints"]))
def test_fuzz_near_valid_jsonl(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, count: int, which: str
):
    """Mutated JSON Lines rows: library errors only, and every row accounted for."""
    base = J_C if which == "customers" else J_T
    texts = [data.draw(json_rows(base, n)) for n in range(1, count + 1)]
    ids: dict[str, list[int]] = {}
    for n, text in enumerate(texts, start=1):
        try:
            value = json.loads(text).get("customer_id" if which == "customers" else "touchpoint_id")
        except (ValueError, AttributeError, RecursionError):
            continue
        if isinstance(value, str):
            ids.setdefault(value, []).append(n)
    body = "".join(t + "\n" for t in texts)
    good = jl(J_CUSTOMER) if which == "touchpoints" else ""
    files = (
        (body + good, jl(J_TOUCH | {"score": 9}))
        if which == "customers"
        else (jl(J_CUSTOMER), body)
    )
    folder = write(tmp_path_factory.mktemp("jl"), *files, ext="jsonl")
    report = read_all_ways(folder)
    assert report is not None
    lines = [n for n, t in enumerate(texts, start=1) if t.strip()]
    accounted(report, ids, lines, customers=which == "customers")
