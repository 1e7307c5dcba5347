"""Books from databases: SQLite always, PostgreSQL when LIFECYCLE_TEST_POSTGRES_DSN names one."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import sqlite3
import string
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

ENGINE = lc.Engine(lc.starter_pack())

DSN = os.environ.get("LIFECYCLE_TEST_POSTGRES_DSN")
SORTED = " ORDER BY CAST(customer_id AS TEXT)"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_book(book: lc.Book) -> sqlite3.Connection:
    """The book in an in-memory SQLite database, as text columns the way SQLite keeps them.

    Its decisions are in a third table, ``decisions`` (NULL for an empty cell).
    """
    conn = sqlite3.connect(":memory:")
    extra = sorted({k for c in book for k in c.attributes})
    columns = [
        "customer_id TEXT", "name TEXT", "since TEXT", "stage TEXT", "contract_end TEXT",
        "do_not_contact INTEGER", "timezone TEXT", "preferred_channel TEXT",
        *(f"{quoted(k)} TEXT" for k in extra),
    ]  # fmt: skip
    conn.execute(f"CREATE TABLE customers ({', '.join(columns)})")
    conn.execute(
        "CREATE TABLE touchpoints (touchpoint_id TEXT, customer_id TEXT, at TEXT, channel TEXT,"
        " kind TEXT, direction TEXT, score INTEGER, tags TEXT, note TEXT)"
    )
    conn.executemany(
        f"INSERT INTO customers VALUES ({', '.join('?' * len(columns))})",
        [
            (
                c.id, c.name, c.since.isoformat(), c.recorded_stage,
                c.contract_end.isoformat() if c.contract_end else None,
                int(c.do_not_contact), c.timezone.key,
                c.preferred_channel.value if c.preferred_channel else None,
                *(c.attributes.get(k) for k in extra),
            )
            for c in book
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO touchpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                t.id, t.customer_id, t.at.isoformat(), t.channel.value, t.kind.name,
                t.direction.value, t.score, ";".join(sorted(t.tags)) or None, t.note or None,
            )
            for t in book.touchpoints()
        ],
    )  # fmt: skip
    conn.execute(
        "CREATE TABLE decisions (decision_id TEXT, customer_id TEXT, policy TEXT, due TEXT,"
        " decision TEXT, at TEXT, until TEXT, by TEXT, note TEXT)"
    )
    conn.executemany(
        "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.id, d.customer_id, d.policy, d.due.isoformat(), d.outcome.value,
                d.at.isoformat(), d.until.isoformat() if d.until else None, d.by,
                d.note or None,
            )
            for d in book.decisions()
        ],
    )  # fmt: skip
    return conn


ATTRIBUTES = st.dictionaries(
    st.sampled_from(["plan", "segment", "Region Name"]),
    st.text(string.ascii_letters + " éß-", min_size=1, max_size=6),
    max_size=2,
)


AS_OF = dt.date(2026, 6, 1)
DECIDED_BOOKS = lct.books(
    max_customers=4, max_touchpoints=12, situations=True, attributes=ATTRIBUTES
).flatmap(lambda book: lct.decisions(book, as_of=AS_OF).map(book.with_decisions))


def by_id(decision: lc.Decision) -> str:
    return decision.id


def csv_rows(file: Path) -> list[dict[str, str]]:
    with file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@given(DECIDED_BOOKS)
def test_a_sqlite_round_trip_gives_the_same_book_and_agenda(book: lc.Book):
    """Files, records read from the files, SQLite read and streamed: one book, one agenda."""
    conn = sqlite_book(book)
    read = lc.read_book_sql(
        conn,
        "SELECT * FROM customers",
        "SELECT * FROM touchpoints",
        "SELECT * FROM decisions",
        batch=3,
    )
    assert read == book
    assert sorted(read.decisions(), key=by_id) == sorted(book.decisions(), key=by_id)
    stream = lc.stream_book_sql(
        conn,
        "SELECT * FROM customers" + SORTED,
        "SELECT * FROM touchpoints" + SORTED,
        "SELECT * FROM decisions ORDER BY decision_id DESC",  # decisions need no order
        batch=2,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lc.write_book(book, folder)
        written = folder / "decisions.csv"
        from_files = lc.read_book(folder)
        from_records = lc.book_from_records(
            csv_rows(folder / "customers.csv"),
            csv_rows(folder / "touchpoints.csv"),
            csv_rows(written) if written.exists() else (),
        )
    expected = ENGINE.agenda(book, AS_OF)
    assert ENGINE.agenda(read, AS_OF) == ENGINE.agenda(stream, AS_OF) == expected
    assert ENGINE.agenda(from_files, AS_OF) == ENGINE.agenda(from_records, AS_OF) == expected


def test_the_sample_book_through_sqlite_streamed():
    conn = sqlite_book(lc.sample_book())
    stream = lc.stream_book_sql(
        conn, "SELECT * FROM customers" + SORTED, "SELECT * FROM touchpoints" + SORTED
    )
    assert [c for c, _ in stream.items()] == list(lc.sample_book())
    assert list(stream) == list(lc.sample_book())
    expected = ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    assert ENGINE.agenda(stream, lc.SAMPLE_AS_OF) == expected


CRM_SQLITE = """
CREATE TABLE accounts (id INTEGER PRIMARY KEY, display_name TEXT, created DATE,
                       opted_out BOOLEAN, tz TEXT, arr NUMERIC);
CREATE TABLE activities (id INTEGER PRIMARY KEY, account_id INTEGER, happened_at TEXT,
                         channel TEXT, type TEXT, direction TEXT, rating REAL, labels TEXT);
INSERT INTO accounts VALUES (1, 'Ada', '2025-01-06', 0, 'Europe/Berlin', 1200.5),
                            (2, 'Bo', '2025-03-01', 1, NULL, NULL);
INSERT INTO activities VALUES (10, 2, '2025-03-02T10:00:00Z', 'phone', 'csat', 'inbound', 4.0,
                               'billing;support'),
                              (11, 1, '2025-02-01T09:00:00+01:00', 'web', 'purchase', 'inbound',
                               NULL, NULL);
CREATE TABLE outcomes (id INTEGER PRIMARY KEY, account_id INTEGER, policy TEXT, due DATE,
                       outcome TEXT, recorded_at TEXT, snooze_until DATE, agent TEXT);
INSERT INTO outcomes VALUES (20, 2, 'detractor_recovery', '2025-03-02', 'snoozed',
                             '2025-03-03T08:00:00Z', '2025-03-10', 'alice'),
                            (21, 1, 'welcome', '2025-01-07', 'done',
                             '2025-01-07T09:00:00+01:00', NULL, NULL);
"""
CUSTOMERS = (
    "SELECT id AS customer_id, display_name AS name, created AS since, opted_out AS"
    " do_not_contact, tz AS timezone, arr FROM accounts"
)
TOUCHPOINTS = (
    "SELECT id AS touchpoint_id, account_id AS customer_id, happened_at AS at, channel,"
    " type AS kind, direction, rating AS score, labels AS tags FROM activities"
)
DECISIONS = (
    "SELECT id AS decision_id, account_id AS customer_id, policy, due, outcome AS decision,"
    " recorded_at AS at, snooze_until AS until, agent AS by FROM outcomes"
)


@pytest.fixture
def crm() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.executescript(CRM_SQLITE)
    yield conn
    conn.close()


def test_a_crm_shaped_sqlite_database(crm: sqlite3.Connection):
    book = lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS)
    assert [(c.id, c.name, c.do_not_contact, c.timezone.key) for c in book] == [
        ("1", "Ada", False, "Europe/Berlin"),
        ("2", "Bo", True, "UTC"),
    ]
    assert dict(book.customer("1").attributes) == {"arr": "1200.5"}
    (touchpoint,) = book.timeline("2")
    assert (touchpoint.id, touchpoint.score, touchpoint.tags) == ("10", 4, {"billing", "support"})
    assert list(book.decisions()) == []


def test_a_crm_shaped_sqlite_database_with_decisions(crm: sqlite3.Connection):
    book = lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, DECISIONS, batch=1)
    (snoozed,) = book.timeline("2").decisions
    assert (snoozed.id, snoozed.outcome, snoozed.until, snoozed.by) == (
        "20",
        lc.Outcome.SNOOZED,
        dt.date(2025, 3, 10),
        "alice",
    )
    (done,) = book.timeline("1").decisions
    assert (done.id, done.at, done.until, done.by) == (
        "21",
        dt.datetime(2025, 1, 7, 8, tzinfo=dt.UTC),
        None,
        None,
    )
    stream = lc.stream_book_sql(
        crm, CUSTOMERS + " ORDER BY id", TOUCHPOINTS + " ORDER BY account_id", DECISIONS
    )
    assert {c.id: t.decisions for c, t in stream.items()} == {
        "1": (done,),
        "2": (snoozed,),
    }


def test_a_cursor_factory_is_used_for_every_query(crm: sqlite3.Connection):
    opened = []

    def cursor() -> sqlite3.Cursor:
        opened.append(1)
        return crm.cursor()

    lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, cursor=cursor)
    assert len(opened) == 2
    lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, DECISIONS, cursor=cursor)
    assert len(opened) == 5


@pytest.mark.parametrize(
    ("update", "query", "message"),
    [
        (
            "UPDATE activities SET rating = 3.5 WHERE id = 10",
            "touchpoints",
            "touchpoints query, row 1, field 'score': '3.5' must be a whole number",
        ),
        (
            "UPDATE activities SET happened_at = '2025-03-02T10:00' WHERE id = 11",
            "touchpoints",
            "touchpoints query, row 2, field 'at': '2025-03-02T10:00' has no UTC offset",
        ),
        (
            "UPDATE activities SET type = 'purchse' WHERE id = 10",
            "touchpoints",
            "touchpoints query, row 1, field 'kind': 'purchse' is not a known touchpoint kind",
        ),
        (
            "UPDATE accounts SET created = NULL WHERE id = 2",
            "customers",
            "customers query, row 2, field 'since': '' is required and must not be empty",
        ),
        (
            "UPDATE accounts SET opted_out = 7 WHERE id = 1",
            "customers",
            "customers query, row 1, field 'do_not_contact': '7' must be true or false",
        ),
        (
            "UPDATE activities SET account_id = 3 WHERE id = 10",
            "touchpoints",
            "touchpoints query, row 1, field 'customer_id': '3' names no customer of customers query",
        ),
        (
            "UPDATE outcomes SET snooze_until = NULL WHERE id = 20",
            "decisions",
            "decisions query, row 1, field 'until': '' is required for a snoozed decision",
        ),
        (
            "UPDATE outcomes SET snooze_until = '2025-03-10' WHERE id = 21",
            "decisions",
            "decisions query, row 2, field 'until': '2025-03-10' must be empty: only a snoozed",
        ),
        (
            "UPDATE outcomes SET recorded_at = '2025-01-07 09:00' WHERE id = 21",
            "decisions",
            "decisions query, row 2, field 'at': '2025-01-07 09:00' has no UTC offset",
        ),
        (
            "UPDATE outcomes SET due = '2025-02-30' WHERE id = 20",
            "decisions",
            "decisions query, row 1, field 'due': '2025-02-30' is not a date on the calendar",
        ),
        (
            "UPDATE outcomes SET outcome = 'closed' WHERE id = 21",
            "decisions",
            "decisions query, row 2, field 'decision': 'closed' is not one of",
        ),
        (
            "UPDATE outcomes SET policy = NULL WHERE id = 20",
            "decisions",
            "decisions query, row 1, field 'policy': '' is required and must not be empty",
        ),
        (
            "UPDATE outcomes SET account_id = 3 WHERE id = 21",
            "decisions",
            "decisions query, row 2, field 'customer_id': '3' names no customer of customers query",
        ),
    ],
)
def test_a_bad_value_names_the_query_row_and_column(
    crm: sqlite3.Connection, update: str, query: str, message: str
):
    crm.execute(update)
    with pytest.raises(lc.RecordError) as caught:
        lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, DECISIONS)
    assert str(caught.value).startswith(message)
    assert caught.value.table == f"{query} query"
    stream = lc.stream_book_sql(
        crm, CUSTOMERS + " ORDER BY id", TOUCHPOINTS + " ORDER BY account_id", DECISIONS
    )
    with pytest.raises(lc.RecordError) as caught:
        list(stream)
    assert caught.value.table == f"{query} query"
    assert caught.value.field == message.split("field '")[1].split("'", maxsplit=1)[0]


def test_a_stream_out_of_order_names_the_row(crm: sqlite3.Connection):
    stream = lc.stream_book_sql(
        crm, CUSTOMERS + " ORDER BY id DESC", TOUCHPOINTS + " ORDER BY account_id"
    )
    with pytest.raises(lc.RecordError, match=r"^customers query, row 2, field 'customer_id': '1'"):
        list(stream)
    stream = lc.stream_book_sql(crm, CUSTOMERS, TOUCHPOINTS + " ORDER BY id")
    with pytest.raises(lc.RecordError, match=r"comes after '2' \(row 1\)"):
        list(stream)


def test_a_stream_names_a_bad_value_as_a_book_does(crm: sqlite3.Connection):
    crm.execute("UPDATE activities SET rating = 3.5 WHERE id = 10")
    stream = lc.stream_book_sql(crm, CUSTOMERS, TOUCHPOINTS + " ORDER BY account_id")
    with pytest.raises(lc.RecordError, match=r"^touchpoints query, row 2, field 'score': '3.5'"):
        list(stream)
    misspelt = CUSTOMERS.replace("AS do_not_contact", "AS doNotContact")
    stream = lc.stream_book_sql(crm, misspelt, TOUCHPOINTS + " ORDER BY account_id")
    with pytest.raises(lc.RecordError, match=r"^customers query, row 1, field 'doNotContact': "):
        list(stream)


def test_a_stream_finds_a_touchpoint_id_used_by_two_customers(crm: sqlite3.Connection):
    touchpoints = TOUCHPOINTS.replace("SELECT id AS", "SELECT 7 AS") + " ORDER BY account_id"
    stream = lc.stream_book_sql(crm, CUSTOMERS + " ORDER BY id", touchpoints)
    with pytest.raises(lc.RecordError, match=r"^touchpoints query, row 2, .*\(first in row 1\)"):
        list(stream)


def test_a_decision_id_used_twice_names_both_rows(crm: sqlite3.Connection):
    decisions = DECISIONS.replace("SELECT id AS", "SELECT 7 AS") + " ORDER BY id"
    message = r"^decisions query, row 2, field 'decision_id': '7' .*\(first in row 1\)"
    with pytest.raises(lc.RecordError, match=message):
        lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, decisions)
    stream = lc.stream_book_sql(crm, CUSTOMERS, TOUCHPOINTS, decisions)
    with pytest.raises(lc.RecordError, match=message):
        list(stream)


def test_queries_that_return_no_rows_and_bad_arguments(crm: sqlite3.Connection):
    with pytest.raises(lc.RecordError, match=r"^customers query: returns no rows"):
        lc.read_book_sql(crm, "CREATE TABLE t (a)", TOUCHPOINTS)
    for batch in (0, True, 2.5):
        with pytest.raises(lc.RecordError, match=r"^batch: must be a whole number of rows"):
            lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, batch=batch)  # type: ignore[arg-type]
        with pytest.raises(lc.RecordError, match=r"^batch: "):
            lc.stream_book_sql(crm, CUSTOMERS, TOUCHPOINTS, batch=batch)  # type: ignore[arg-type]
    with pytest.raises(lc.RecordError, match=r"^decisions query: returns no rows"):
        lc.read_book_sql(crm, CUSTOMERS, TOUCHPOINTS, decisions="CREATE TABLE d (a)")
    with pytest.raises(lc.RecordError, match=r"^decisions query, row 1, field 'a': is not a field"):
        list(lc.stream_book_sql(crm, CUSTOMERS, TOUCHPOINTS, decisions="SELECT 1 AS a"))
    with pytest.raises(sqlite3.OperationalError):
        lc.read_book_sql(crm, "SELECT * FROM nowhere", TOUCHPOINTS)


# -- PostgreSQL ---------------------------------------------------------------------------


def test_ci_runs_the_postgresql_tests():
    """CI must never skip them silently: .ci/run starts a server and names it."""
    if os.environ.get("CI") and not DSN:
        pytest.fail("CI is set but LIFECYCLE_TEST_POSTGRES_DSN is not: .ci/run must set it")


CRM_POSTGRES = """
CREATE TABLE accounts (
    id integer PRIMARY KEY, display_name text NOT NULL, created date NOT NULL,
    contract_end date, opted_out boolean NOT NULL DEFAULT false, tz text, stage text,
    preferred_channel text, annual_revenue numeric(12, 2), plan text, segment text);
CREATE TABLE activities (
    id bigint PRIMARY KEY, account_id integer NOT NULL REFERENCES accounts (id),
    happened_at timestamptz NOT NULL, channel text NOT NULL, kind text NOT NULL,
    direction text NOT NULL, score numeric, tags text[], note text);
CREATE TABLE outcomes (
    id integer PRIMARY KEY, account_id integer NOT NULL REFERENCES accounts (id),
    policy text NOT NULL, due date NOT NULL, outcome text NOT NULL,
    recorded_at timestamptz NOT NULL, snooze_until date, agent text, reason text);
"""
PG_CUSTOMERS = """
SELECT id AS customer_id, display_name AS name, created AS since, stage, contract_end,
       opted_out AS do_not_contact, tz AS timezone, preferred_channel,
       annual_revenue, plan, segment
FROM accounts"""
PG_TOUCHPOINTS = """
SELECT id AS touchpoint_id, account_id AS customer_id, happened_at AS at, channel, kind,
       direction, score, tags, note
FROM activities"""
PG_DECISIONS = """
SELECT id AS decision_id, account_id AS customer_id, policy, due, outcome AS decision,
       recorded_at AS at, snooze_until AS until, agent AS by, reason AS note
FROM outcomes"""
PG_SORTED = ' ORDER BY {}::text COLLATE "C"'


def numbered(book: lc.Book) -> lc.Book:
    """The book with integer-like ids, as a database with integer keys holds it (decisions too)."""
    customers = []
    for c in book:
        record: dict[str, Any] = {
            "customer_id": int(c.id[1:]), "name": c.name, "since": c.since,
            "stage": c.recorded_stage, "contract_end": c.contract_end,
            "do_not_contact": c.do_not_contact, "timezone": c.timezone.key,
            "preferred_channel": c.preferred_channel.value if c.preferred_channel else None,
            **c.attributes,
        }  # fmt: skip
        customers.append(record)
    touchpoints = [
        {
            "touchpoint_id": int(t.id[1:]),
            "customer_id": int(t.customer_id[1:]),
            "at": t.at,
            "channel": t.channel.value,
            "kind": t.kind.name,
            "direction": t.direction.value,
            "score": t.score,
            "tags": sorted(t.tags),
            "note": t.note,
        }
        for t in book.touchpoints()
    ]
    decisions = [
        {
            "decision_id": int(d.id[1:]),
            "customer_id": int(d.customer_id[1:]),
            "policy": d.policy,
            "due": d.due,
            "decision": d.outcome.value,
            "at": d.at,
            "until": d.until,
            "by": d.by,
            "note": d.note,
        }
        for d in book.decisions()
    ]
    return lc.book_from_records(customers, touchpoints, decisions)


@pytest.fixture(scope="module")
def postgres(decided_sample: lc.Book) -> Iterator[Any]:
    if not DSN:
        pytest.skip("LIFECYCLE_TEST_POSTGRES_DSN is not set (.ci/run starts a server and sets it)")
    psycopg = pytest.importorskip("psycopg") if not os.environ.get("CI") else __import__("psycopg")
    schema = f"lifecycle_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        conn.execute(CRM_POSTGRES)
        book = decided_sample
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO accounts VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(c.id[1:]), c.name, c.since, c.contract_end, c.do_not_contact,
                        None if c.timezone.key == "UTC" else c.timezone.key, c.recorded_stage,
                        c.preferred_channel.value if c.preferred_channel else None,
                        Decimal(c.attributes["annual_revenue"]) if "annual_revenue"
                        in c.attributes else None,
                        c.attributes.get("plan"), c.attributes.get("segment"),
                    )
                    for c in book
                ],
            )  # fmt: skip
            cursor.executemany(
                "INSERT INTO activities VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(t.id[1:]), int(t.customer_id[1:]), t.at, t.channel.value,
                        t.kind.name, t.direction.value, t.score, sorted(t.tags) or None,
                        t.note or None,
                    )
                    for t in book.touchpoints()
                ],
            )  # fmt: skip
            cursor.executemany(
                "INSERT INTO outcomes VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(d.id[1:]), int(d.customer_id[1:]), d.policy, d.due,
                        d.outcome.value, d.at, d.until, d.by, d.note or None,
                    )
                    for d in book.decisions()
                ],
            )  # fmt: skip
        yield conn
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_postgresql_gives_the_book_and_the_agenda(postgres: Any, decided_sample: lc.Book):
    expected = numbered(decided_sample)
    assert any(d.until is not None for d in expected.decisions())
    assert any(d.until is None for d in expected.decisions())
    book = lc.read_book_sql(postgres, PG_CUSTOMERS, PG_TOUCHPOINTS, PG_DECISIONS, batch=50)
    assert book == expected
    assert sorted(book.decisions(), key=by_id) == sorted(expected.decisions(), key=by_id)
    agenda = ENGINE.agenda(book, lc.SAMPLE_AS_OF)
    assert agenda == ENGINE.agenda(expected, lc.SAMPLE_AS_OF)
    undecided = lc.read_book_sql(postgres, PG_CUSTOMERS, PG_TOUCHPOINTS, batch=50)
    assert agenda != ENGINE.agenda(undecided, lc.SAMPLE_AS_OF)


def test_postgresql_streamed_with_server_side_cursors(postgres: Any, decided_sample: lc.Book):
    names = (f"lifecycle_{n}" for n in itertools.count())
    postgres.autocommit = False
    try:
        stream = lc.stream_book_sql(
            postgres,
            PG_CUSTOMERS + PG_SORTED.format("id"),
            PG_TOUCHPOINTS + PG_SORTED.format("account_id"),
            PG_DECISIONS,
            batch=64,
            cursor=lambda: postgres.cursor(name=next(names)),
        )
        expected = numbered(decided_sample)
        assert ENGINE.agenda(stream, lc.SAMPLE_AS_OF) == ENGINE.agenda(expected, lc.SAMPLE_AS_OF)
    finally:
        postgres.rollback()
        postgres.autocommit = True


def test_postgresql_bad_values_name_the_row_and_column(postgres: Any):
    query = PG_TOUCHPOINTS.replace("happened_at AS at", "happened_at::timestamp AS at")
    with pytest.raises(
        lc.RecordError, match=r"^touchpoints query, row 1, field 'at': .* time zone"
    ):
        lc.read_book_sql(postgres, PG_CUSTOMERS, query + " ORDER BY id")
    query = PG_TOUCHPOINTS.replace("score,", "score + 0.5 AS score,")
    rows = postgres.execute(
        "SELECT n FROM (SELECT row_number() OVER (ORDER BY id) AS n, score FROM activities) s"
        " WHERE score IS NOT NULL ORDER BY n LIMIT 1"
    ).fetchone()
    with pytest.raises(
        lc.RecordError, match=rf"^touchpoints query, row {rows[0]}, field 'score': "
    ):
        lc.read_book_sql(postgres, PG_CUSTOMERS, query + " ORDER BY id")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("recorded_at AS at", "recorded_at::timestamp AS at"),
            r"^decisions query, row 1, field 'at': '[^']*' is a datetime without a time zone",
        ),
        (
            ("snooze_until AS until", "NULL::date AS until"),
            r"^decisions query, row 3, field 'until': '' is required for a snoozed decision",
        ),
        (
            ("due,", "due::timestamptz AS due,"),
            r"^decisions query, row 1, field 'due': '[^']*' is a datetime; a date is needed",
        ),
        (
            ("account_id AS customer_id", "account_id + 1000 AS customer_id"),
            r"^decisions query, row 1, field 'customer_id': '\d+' names no customer",
        ),
    ],
)
def test_postgresql_bad_decisions_name_the_row_and_column(
    postgres: Any, change: tuple[str, str], message: str
):
    query = PG_DECISIONS.replace(*change) + " ORDER BY id"
    with pytest.raises(lc.RecordError, match=message):
        lc.read_book_sql(postgres, PG_CUSTOMERS, PG_TOUCHPOINTS, query)
