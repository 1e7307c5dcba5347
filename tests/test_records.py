"""Books from records and DataFrames: the same book as from files, the same errors."""

from __future__ import annotations

import csv
import datetime as dt
import pickle
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

ENGINE = lc.Engine(lc.starter_pack())
fixture_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def customer_record(customer: lc.Customer) -> dict[str, Any]:
    """A customer as native values, as a database driver returns them."""
    channel = customer.preferred_channel
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "since": customer.since,
        "stage": customer.recorded_stage,
        "contract_end": customer.contract_end,
        "do_not_contact": customer.do_not_contact,
        "timezone": customer.timezone.key,
        "preferred_channel": channel.value if channel else None,
        **customer.attributes,
    }


def touchpoint_record(touchpoint: lc.Touchpoint, *, utc: bool = False) -> dict[str, Any]:
    """A touchpoint as native values (``at`` an aware datetime, tags a list)."""
    return {
        "touchpoint_id": touchpoint.id,
        "customer_id": touchpoint.customer_id,
        "at": touchpoint.at.astimezone(dt.UTC) if utc else touchpoint.at,
        "channel": touchpoint.channel.value,
        "kind": touchpoint.kind.name,
        "direction": touchpoint.direction.value,
        "score": touchpoint.score,
        "tags": sorted(touchpoint.tags),
        "note": touchpoint.note or None,
    }


def records(
    book: lc.Book, *, utc: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        [customer_record(c) for c in book],
        [touchpoint_record(t, utc=utc) for t in book.touchpoints()],
    )


def csv_rows(file: Path) -> list[dict[str, str]]:
    with file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the same book as from files -------------------------------------------------------


@fixture_settings
@given(lct.books(max_customers=4, max_touchpoints=12))
def test_the_rows_of_a_books_files_give_the_book_read_book_gives(tmp_path: Path, book: lc.Book):
    folder = tmp_path / "book"
    lc.write_book(book, folder)
    from_records = lc.book_from_records(
        customers=csv_rows(folder / "customers.csv"),
        touchpoints=csv_rows(folder / "touchpoints.csv"),
    )
    assert from_records == lc.read_book(folder) == book


@given(lct.books(max_customers=4, max_touchpoints=12))
def test_native_records_give_the_book_back(book: lc.Book):
    customers, touchpoints = records(book)
    assert lc.book_from_records(customers, iter(touchpoints)) == book


def test_the_sample_book_from_records_gives_the_same_agenda():
    customers, touchpoints = records(lc.sample_book())
    book = lc.book_from_records(customers=iter(customers), touchpoints=reversed(touchpoints))
    assert book == lc.sample_book()
    assert ENGINE.agenda(book, lc.SAMPLE_AS_OF) == ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)


# -- native values, taken as a file holds them -----------------------------------------

AT = dt.datetime(2025, 2, 3, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def one(customer: dict[str, Any] | None = None, **touchpoint: Any) -> lc.Book:
    """A book of one customer (fields overridden) and, if fields are given, one touchpoint."""
    c = {"customer_id": 7, "name": "Ada", "since": dt.date(2025, 1, 6), **(customer or {})}
    tps = []
    if touchpoint:
        tps.append(
            {
                "touchpoint_id": 1,
                "customer_id": 7,
                "at": AT,
                "channel": "email",
                "kind": "nps",
                "direction": "inbound",
                **touchpoint,
            }
        )
    return lc.book_from_records([c], tps)


def test_native_values_are_taken_as_the_text_a_file_holds():
    book = one(
        {
            "contract_end": dt.datetime(2027, 1, 5),  # noqa: DTZ001 - a date column pandas read
            "do_not_contact": 1,
            "timezone": None,
            "stage": float("nan"),
            "revenue": Decimal("19600.50"),
            "seats": 12.0,
            "ratio": 0.25,
            "vip": True,
            "renewed": dt.date(2026, 1, 5),
            "seen": dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC),
            "empty": "",
        },
        score=Decimal("9"),
        tags=("pricing", "onboarding"),
        note=None,
    )
    customer = book.customer("7")
    assert customer.contract_end == dt.date(2027, 1, 5)
    assert customer.do_not_contact is True
    assert customer.timezone == ZoneInfo("UTC")
    assert customer.recorded_stage is None
    assert dict(customer.attributes) == {
        "revenue": "19600.50",
        "seats": "12",
        "ratio": "0.25",
        "vip": "true",
        "renewed": "2026-01-05",
        "seen": "2026-01-05T08:00:00+00:00",
    }
    (touchpoint,) = book.timeline("7")
    assert touchpoint.id == "1"
    assert touchpoint.at == AT
    assert touchpoint.score == 9
    assert touchpoint.tags == {"pricing", "onboarding"}
    assert touchpoint.note == ""


def test_tags_as_text_and_do_not_contact_as_false():
    book = one({"do_not_contact": 0.0}, score=10.0, tags="a;b")
    assert book.customer("7").do_not_contact is False
    assert book.timeline("7")[0].tags == {"a", "b"}


def test_pandas_and_numpy_values():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    book = one(
        {
            "customer_id": np.int64(7),
            "since": pd.Timestamp("2025-01-06"),
            "contract_end": pd.NaT,
            "stage": pd.NA,
            "do_not_contact": np.bool_(True),
            "plan": np.float64("nan"),
        },
        touchpoint_id=np.int32(1),
        customer_id=np.int64(7),
        at=pd.Timestamp("2025-02-03 09:30:00.000000001", tz="Europe/Berlin"),
        score=np.float64(8.0),
    )
    customer = book.customer("7")
    assert (customer.since, customer.contract_end, customer.recorded_stage) == (
        dt.date(2025, 1, 6),
        None,
        None,
    )
    assert customer.do_not_contact is True
    assert dict(customer.attributes) == {}
    (touchpoint,) = book.timeline("7")
    assert type(touchpoint.at) is dt.datetime
    assert touchpoint.at == AT
    assert touchpoint.score == 8


# -- bad values: the file's rule, named by table, row and field -------------------------

NAIVE = dt.datetime(2025, 2, 3, 9, 30)  # noqa: DTZ001 - the point of the cases using it
BAD_VALUES = [
    # (customer fields, touchpoint fields, table, field, words of the message)
    ({"name": 42}, None, "customers", "name", "is required and must be a string"),
    ({"since": None}, None, "customers", "since", "is required and must not be empty"),
    ({"since": float("nan")}, None, "customers", "since", "is required and must not be empty"),
    ({"since": NAIVE}, None, "customers", "since", "a date is needed"),
    ({"since": 20250106}, None, "customers", "since", "must be a string"),
    ({"since": "2025-02-30"}, None, "customers", "since", "is not a date on the calendar"),
    ({"customer_id": True}, None, "customers", "customer_id", "must be a string"),
    ({"customer_id": 7.5}, None, "customers", "customer_id", "must be a string"),
    ({"do_not_contact": 2}, None, "customers", "do_not_contact", "must be true or false"),
    ({"timezone": "Mars/Olympus"}, None, "customers", "timezone", "Mars/Olympus"),
    ({"stage": 3}, None, "customers", "stage", "must be a string"),
    ({"plan": ["a"]}, None, "customers", "plan", "a custom attribute must be a string"),
    ({"doNotContact": "yes"}, None, "customers", "doNotContact", "did you mean `do_not_contact`?"),
    (None, {"at": NAIVE}, "touchpoints", "at", "without a time zone"),
    (None, {"at": dt.date(2025, 2, 3)}, "touchpoints", "at", "is a date; an instant"),
    (None, {"at": "2025-02-03T09:30"}, "touchpoints", "at", "has no UTC offset"),
    (None, {"at": 1738575000}, "touchpoints", "at", "must be a string"),
    (None, {"at": None}, "touchpoints", "at", "is required and must not be empty"),
    (None, {"score": 3.5}, "touchpoints", "score", "must be a whole number"),
    (None, {"score": Decimal("3.5")}, "touchpoints", "score", "must be a whole number"),
    (None, {"score": 11}, "touchpoints", "score", "is out of range: a nps score is from 0 to 10"),
    (None, {"score": True}, "touchpoints", "score", "must be a whole number"),
    (None, {"kind": "purchse"}, "touchpoints", "kind", "is not a known touchpoint kind"),
    (None, {"kind": 3}, "touchpoints", "kind", "must be a string"),
    (None, {"channel": "pigeon"}, "touchpoints", "channel", "is not a known channel (known: email"),
    (None, {"direction": None}, "touchpoints", "direction", "is required and must not be empty"),
    (None, {"tags": 5}, "touchpoints", "tags", "must be ';'-separated labels"),
    (None, {"tags": [1, 2]}, "touchpoints", "tags", "must be ';'-separated labels"),
    (None, {"note": 12}, "touchpoints", "note", "must be a string"),
    (None, {"touchpoint_id": " t1"}, "touchpoints", "touchpoint_id", "white space"),
    (None, {"customer_id": 8}, "touchpoints", "customer_id", "names no customer of customers"),
    (None, {"Amount": 3}, "touchpoints", "Amount", "did you mean `amount`?"),
    (None, {"campaign": [1]}, "touchpoints", "campaign", "a custom attribute must be a string"),
]


@pytest.mark.parametrize(("customer", "touchpoint", "table", "field", "words"), BAD_VALUES)
def test_a_bad_value_names_its_table_row_and_field(
    customer: dict[str, Any] | None,
    touchpoint: dict[str, Any] | None,
    table: str,
    field: str,
    words: str,
):
    with pytest.raises(lc.RecordError) as caught:
        one(customer, **(touchpoint or {"kind": "nps"}))
    error = caught.value
    assert isinstance(error, lc.BookFormatError)
    assert (error.table, error.row, error.field) == (table, 1, field)
    assert str(error).startswith(f"{table}, row 1, field {field!r}: ")
    assert words in str(error)


def test_rows_are_numbered_from_one_in_each_table():
    customers = [{"customer_id": i, "name": "x", "since": "2025-01-06"} for i in range(3)]
    customers[2]["since"] = "soon"
    with pytest.raises(lc.RecordError, match=r"^customers, row 3, field 'since': 'soon' is not"):
        lc.book_from_records(customers, [])


def test_duplicates_and_rejected_owners_name_rows_not_lines():
    customer = {"customer_id": "c1", "name": "x", "since": "2025-01-06"}
    with pytest.raises(lc.RecordError, match=r"row 2, .*duplicate customer id \(first in row 1\)"):
        lc.book_from_records([customer, customer], [])
    touchpoint = {
        "touchpoint_id": "t1",
        "customer_id": "c1",
        "at": AT,
        "channel": "web",
        "kind": "purchase",
        "direction": "inbound",
    }
    with pytest.raises(lc.RecordError, match=r"^touchpoints, row 2, .*\(first in row 1\)"):
        lc.book_from_records([customer], [touchpoint, touchpoint])


def test_a_record_that_is_not_a_mapping_or_has_a_field_name_not_text():
    with pytest.raises(lc.RecordError, match=r"^customers, row 1: is a tuple, not a mapping"):
        lc.book_from_records([("c1", "x", "2025-01-06")], [])  # type: ignore[list-item]
    with pytest.raises(
        lc.RecordError, match=r"^customers, row 1: '3' is a field name that is not text"
    ):
        lc.book_from_records([{"customer_id": "c", "name": "x", "since": "2025-01-06", 3: "x"}], [])  # type: ignore[dict-item]


def test_a_local_date_out_of_bounds_is_named_too():
    at = dt.datetime.combine(lc.limits.MAX_DATE, dt.time(23), dt.UTC)
    customer = {"customer_id": "c1", "name": "x", "since": "2025-01-06", "timezone": "Asia/Tokyo"}
    touchpoint = {
        "touchpoint_id": "t1",
        "customer_id": "c1",
        "at": at,
        "channel": "web",
        "kind": "purchase",
        "direction": "inbound",
    }
    with pytest.raises(lc.RecordError, match=r"^touchpoints, row 1, field 'at': "):
        lc.book_from_records([customer], [touchpoint])


# -- decisions: the decisions file's rules, named by table, row and field -----------------

AS_OF = dt.date(2026, 6, 1)


def decided_books(**options: Any) -> st.SearchStrategy[lc.Book]:
    """Generated books with the decisions a team records on their actions."""
    return lct.books(max_customers=4, max_touchpoints=12, **options).flatmap(
        lambda book: lct.decisions(book, as_of=AS_OF).map(book.with_decisions)
    )


def by_id(decision: lc.Decision) -> str:
    return decision.id


def decision_record(decision: lc.Decision) -> dict[str, Any]:
    """A decision as native values (dates, an aware datetime, ``None`` for an empty cell)."""
    return {
        "decision_id": decision.id,
        "customer_id": decision.customer_id,
        "policy": decision.policy,
        "due": decision.due,
        "decision": decision.outcome.value,
        "at": decision.at,
        "until": decision.until,
        "by": decision.by,
        "note": decision.note or None,
    }


@settings(max_examples=30)
@given(decided_books(situations=True))
def test_a_decided_books_files_as_records_give_the_agenda_read_book_gives(book: lc.Book):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lc.write_book(book, folder)
        written = folder / "decisions.csv"
        assert written.exists() == any(True for _ in book.decisions())
        from_records = lc.book_from_records(
            customers=csv_rows(folder / "customers.csv"),
            touchpoints=csv_rows(folder / "touchpoints.csv"),
            decisions=csv_rows(written) if written.exists() else (),
        )
        from_files = lc.read_book(folder)
    assert from_records == from_files == book
    decisions = sorted(book.decisions(), key=by_id)
    assert sorted(from_records.decisions(), key=by_id) == decisions
    assert sorted(from_files.decisions(), key=by_id) == decisions
    expected = ENGINE.agenda(book, AS_OF)
    assert ENGINE.agenda(from_records, AS_OF) == ENGINE.agenda(from_files, AS_OF) == expected


@settings(max_examples=30)
@given(decided_books())
def test_native_decision_records_give_the_decisions_back(book: lc.Book):
    customers, touchpoints = records(book)
    decisions = [decision_record(d) for d in book.decisions()]
    read = lc.book_from_records(customers, touchpoints, iter(decisions[::-1]))
    assert sorted(read.decisions(), key=by_id) == sorted(book.decisions(), key=by_id)
    for customer in book:
        assert read.timeline(customer.id).decisions == book.timeline(customer.id).decisions


DECISION = {
    "decision_id": 1,
    "customer_id": 7,
    "policy": "welcome",
    "due": dt.date(2025, 1, 7),
    "decision": "snoozed",
    "at": AT,
    "until": dt.date(2025, 2, 1),
}


def decided(*decisions: dict[str, Any]) -> lc.Book:
    """A book of customer 7 (as `one` makes it) with *decisions*."""
    customer = {"customer_id": 7, "name": "Ada", "since": dt.date(2025, 1, 6)}
    return lc.book_from_records([customer], [], decisions)


def test_native_decision_values_are_taken_as_the_text_a_file_holds():
    book = decided(
        {**DECISION, "due": dt.datetime(2025, 1, 7), "by": None, "note": float("nan")},  # noqa: DTZ001 - pandas' date
        {**DECISION, "decision_id": 2.0, "decision": "done", "until": None, "by": "bob"},
        {**DECISION, "decision_id": "d-3", "decision": "dismissed", "until": "", "note": "no"},
    )
    first, second, third = sorted(book.timeline("7").decisions, key=lambda d: d.id)
    assert (first.id, first.due, first.at, first.until, first.by, first.note) == (
        "1",
        dt.date(2025, 1, 7),
        AT,
        dt.date(2025, 2, 1),
        None,
        "",
    )
    assert (second.id, second.outcome, second.until, second.by) == (
        "2",
        lc.Outcome.DONE,
        None,
        "bob",
    )
    assert (third.id, third.outcome, third.note) == ("d-3", lc.Outcome.DISMISSED, "no")


def test_pandas_decision_values():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    book = decided(
        {
            **DECISION,
            "decision_id": np.int64(1),
            "customer_id": np.int32(7),
            "due": pd.Timestamp("2025-01-07"),
            "at": pd.Timestamp(AT),
            "until": pd.Timestamp("2025-02-01"),
            "by": pd.NA,
            "note": np.float64("nan"),
        },
        {**DECISION, "decision_id": 2, "decision": "done", "until": pd.NaT},
    )
    first, second = sorted(book.timeline("7").decisions, key=lambda d: d.id)
    assert (first.id, first.due, first.until, first.by, first.note) == (
        "1",
        dt.date(2025, 1, 7),
        dt.date(2025, 2, 1),
        None,
        "",
    )
    assert type(first.at) is dt.datetime
    assert first.at == AT
    assert (second.id, second.until) == ("2", None)


BAD_DECISIONS = [
    # (fields changed, field named, words of the message)
    ({"decision_id": None}, "decision_id", "is required and must not be empty"),
    ({"decision_id": 1.5}, "decision_id", "must be a string"),
    ({"decision_id": " d1"}, "decision_id", "must not start or end with white space"),
    ({"customer_id": None}, "customer_id", "is required and must not be empty"),
    ({"customer_id": 8}, "customer_id", "'8' names no customer of customers"),
    ({"policy": None}, "policy", "is required and must not be empty"),
    ({"policy": 3}, "policy", "must be a string"),
    ({"due": None}, "due", "is required and must not be empty"),
    ({"due": float("nan")}, "due", "is required and must not be empty"),
    ({"due": NAIVE}, "due", "is a datetime; a date is needed"),
    ({"due": AT}, "due", "is a datetime; a date is needed"),
    ({"due": "2025-02-30"}, "due", "is not a date on the calendar"),
    ({"due": 20250107}, "due", "must be a string"),
    ({"decision": "closed"}, "decision", "'closed' is not one of"),
    ({"decision": None}, "decision", "is required and must not be empty"),
    ({"at": None}, "at", "is required and must not be empty"),
    ({"at": NAIVE}, "at", "without a time zone"),
    ({"at": dt.date(2025, 1, 7)}, "at", "is a date; an instant"),
    ({"at": "2025-01-07T09:00"}, "at", "has no UTC offset"),
    ({"until": None}, "until", "is required for a snoozed decision"),
    ({"until": NAIVE}, "until", "is a datetime; a date is needed"),
    ({"decision": "done"}, "until", "must be empty: only a snoozed decision ends"),
    ({"by": 3}, "by", "must be a string"),
    ({"note": ["x"]}, "note", "must be a string"),
    ({"outcome": "done"}, "outcome", "is not a field of this table"),
    ({"Until": "2025-02-01"}, "Until", "did you mean `until`?"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_DECISIONS)
def test_a_bad_decision_names_its_table_row_and_field(
    change: dict[str, Any], field: str, words: str
):
    good = {**DECISION, "decision_id": "d0"}
    with pytest.raises(lc.RecordError) as caught:
        decided(good, {**DECISION, **change})
    error = caught.value
    assert (error.table, error.row, error.field) == ("decisions", 2, field)
    assert str(error).startswith(f"decisions, row 2, field {field!r}: ")
    assert words in str(error)


def test_a_duplicate_decision_id_names_both_rows():
    with pytest.raises(
        lc.RecordError,
        match=r"^decisions, row 3, field 'decision_id': '1' is a duplicate decision id "
        r"\(first in row 1\)",
    ):
        decided(DECISION, {**DECISION, "decision_id": 2}, {**DECISION, "decision_id": "1"})


def test_a_decision_that_is_not_a_mapping_or_out_of_bounds_in_its_zone():
    with pytest.raises(lc.RecordError, match=r"^decisions, row 1: is a tuple, not a mapping"):
        decided(("d1", 7))  # type: ignore[arg-type]
    customer = {"customer_id": "c1", "name": "x", "since": "2025-01-06", "timezone": "Asia/Tokyo"}
    at = dt.datetime.combine(lc.limits.MAX_DATE, dt.time(23), dt.UTC)
    late = {**DECISION, "customer_id": "c1", "at": at}
    with pytest.raises(lc.RecordError, match=r"^decisions, row 1, field 'at': "):
        lc.book_from_records([customer], [], [late])


def test_no_decisions_and_decisions_honoured_by_the_agenda():
    assert list(lc.book_from_records([], [], decisions=iter(())).decisions()) == []
    customers, touchpoints = records(lc.sample_book())
    agenda = ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    first = agenda.actions[0]
    done = {
        "decision_id": 1,
        "customer_id": first.customer_id,
        "policy": first.policy,
        "due": first.due,
        "decision": "done",
        "at": dt.datetime.combine(lc.SAMPLE_AS_OF, dt.time(), dt.UTC),
    }
    book = lc.book_from_records(customers, touchpoints, [done])
    after = ENGINE.agenda(book, lc.SAMPLE_AS_OF)
    assert first not in after.actions
    same = lc.sample_book().with_decisions(
        [
            lc.Decision(
                id="1",
                outcome="done",
                **{k: v for k, v in done.items() if k in ("customer_id", "policy", "due", "at")},
            )
        ]
    )
    assert after == ENGINE.agenda(same, lc.SAMPLE_AS_OF)


def test_record_errors_pickle():
    error = lc.RecordError(
        "touchpoints", "must be a whole number", row=3, field="score", value="3.5"
    )
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert (again.table, again.row, again.field, again.line, again.column) == (
        "touchpoints",
        3,
        "score",
        3,
        "score",
    )


def test_custom_kinds_and_any_lifecycle():
    kind = lc.Kind("webinar")
    book = lc.book_from_records(
        [{"customer_id": "c1", "name": "x", "since": "2025-01-06", "stage": "whatever"}],
        [
            {
                "touchpoint_id": "t1",
                "customer_id": "c1",
                "at": AT,
                "channel": "web",
                "kind": "webinar",
                "direction": "inbound",
            }
        ],
        kinds=[kind],
        lifecycle=None,
    )
    assert book.timeline("c1")[0].kind == kind
