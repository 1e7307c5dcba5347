"""Books from a database: two or three SQL queries over any DB-API 2.0 connection.

Rows are fetched a batch at a time (``cursor.fetchmany``) and each is turned
into a model object before the next batch comes, so a large table is never
held twice. Values are checked as `book_from_records` checks them. With
`stream_book_sql`, queries ordered by customer id are read one customer at a
time, as `stream_book` reads a sorted book's files; a decisions query is read
whole before the first customer (decisions are few), as `stream_book` reads a
decisions file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from lifecycle.book import Book
from lifecycle.customers import Customer
from lifecycle.errors import BookFormatError, RecordError
from lifecycle.io._files import BookFiles, Span, raise_error
from lifecycle.io._native import (
    as_record_error,
    customer_rows,
    decision_rows,
    native_book,
    touchpoint_rows,
)
from lifecycle.io._stream import StreamedBook
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Kind, channel_table, kind_table

__all__ = ["Connection", "Cursor", "StreamedQueries", "read_book_sql", "stream_book_sql"]

#: Rows fetched from the database at a time.
BATCH = 5000


class Cursor(Protocol):
    """The part of a DB-API 2.0 cursor (PEP 249) the readers use."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None:
        """One entry per column of the last query's result: its name first."""

    def execute(self, operation: Any, /) -> object:
        """Run a query."""

    def fetchmany(self, size: int, /) -> Sequence[Sequence[Any]]:
        """The next rows of the result, at most *size*; none at the end."""

    def close(self) -> object:
        """Release the cursor."""


class Connection(Protocol):
    """A DB-API 2.0 connection (PEP 249): ``sqlite3``, ``psycopg``, ``pymysql``, ..."""

    def cursor(self) -> Any:
        """A new cursor."""


def _records(
    cursor: Callable[[], Cursor], query: str, table: str, batch: int
) -> Generator[dict[str, Any], None, None]:
    """Yield the query's rows as records (column name -> value), a batch fetched at a time."""
    handle = cursor()
    try:
        handle.execute(query)
        description = handle.description
        if description is None:
            raise RecordError(table, "returns no rows: it must be a SELECT (or return rows)")
        names = [str(column[0]) for column in description]
        while rows := handle.fetchmany(batch):
            for values in rows:
                yield dict(zip(names, values, strict=True))
    finally:
        # A reader stopped early (a bad row) leaves this generator to be closed later,
        # perhaps after the caller closed the connection, when closing fails harmlessly.
        with contextlib.suppress(Exception):
            handle.close()


def _cursor_of(conn: Connection, cursor: Callable[[], Cursor] | None) -> Callable[[], Cursor]:
    if cursor is not None:
        return cursor
    opener: Callable[[], Cursor] = conn.cursor
    return opener


def _check_batch(batch: int) -> None:
    if type(batch) is not int or batch < 1:
        raise RecordError("batch", f"must be a whole number of rows, at least 1, not {batch!r}")


def read_book_sql(
    conn: Connection,
    customers: str,
    touchpoints: str,
    decisions: str | None = None,
    *,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
    batch: int = BATCH,
    cursor: Callable[[], Cursor] | None = None,
) -> Book:
    """Read a book from a database with one query per table of the book format.

    Each query's columns are named as the book format's (use ``AS`` to
    rename); more columns of the customers query are kept as custom
    attributes. Values are checked as `book_from_records` checks them, so a
    database's own types (integer ids, ``timestamptz``, ``date``,
    ``numeric``, ``boolean``, arrays for tags, NULL) need no conversion.

    Args:
        conn: Any DB-API 2.0 connection: `sqlite3`, psycopg, PyMySQL, ...
        customers: The query giving the customers (a ``SELECT``).
        touchpoints: The query giving the touchpoints, in any order.
        decisions: The query giving the team's decisions (the columns of a
            book's ``decisions.csv``; ``due`` and ``until`` as dates,
            ``at`` as a ``timestamptz``), in any order; ``None``: the book
            has none.
        kinds: Custom touchpoint kinds the rows may use.
        channels: Custom channels (`Channel` objects or names) they may use.
        lifecycle: The lifecycle whose stage names ``stage`` may hold.
        batch: Rows fetched at a time (``cursor.fetchmany``).
        cursor: Opens a cursor (default: ``conn.cursor``); pass e.g.
            ``lambda: conn.cursor(name="lifecycle")`` for psycopg's server-side
            cursors, which keep a large result in the database.

    Returns:
        The book.

    Raises:
        RecordError: at the first bad row, naming the query (``customers
            query``, ``touchpoints query`` or ``decisions query``), the row
            number (from 1), the column and the value.
        Exception: the database's own errors (a query that does not run) as
            the driver raises them.

    Examples:
        >>> import sqlite3, lifecycle as lc
        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE TABLE people (id INTEGER, full_name TEXT, joined TEXT)")
        >>> _ = conn.execute("INSERT INTO people VALUES (42, 'Ada', '2025-01-06')")
        >>> book = lc.read_book_sql(
        ...     conn,
        ...     customers="SELECT id AS customer_id, full_name AS name, joined AS since "
        ...               "FROM people",
        ...     touchpoints="SELECT NULL AS touchpoint_id WHERE 0",
        ... )
        >>> book.customer("42").name
        'Ada'
    """
    _check_batch(batch)
    opener = _cursor_of(conn, cursor)
    names = ("customers query", "touchpoints query")
    decisions_name = "decisions query"
    customer_records = _records(opener, customers, names[0], batch)
    touchpoint_records = _records(opener, touchpoints, names[1], batch)
    decision_records = (
        _records(opener, decisions, decisions_name, batch) if decisions is not None else _nothing()
    )
    # Closed here, even after a bad row: each holds a cursor open until it is.
    with (
        contextlib.closing(customer_records),
        contextlib.closing(touchpoint_records),
        contextlib.closing(decision_records),
    ):
        return native_book(
            customer_records,
            touchpoint_records,
            names=names,
            kinds=kind_table(kinds),
            lifecycle=lifecycle,
            channels=channel_table(channels),
            decisions=decision_records,
            decisions_name=decisions_name,
        )


def _nothing() -> Generator[dict[str, Any], None, None]:
    """No records: the decisions of a book read without a decisions query."""
    yield from ()


@attrs.frozen
class _Queries(BookFiles):
    """A book's queries, read through the sorted-files streaming machinery.

    ``customers``, ``touchpoints`` and ``decisions`` are the queries' names
    (the machinery names files in its messages); `rows` runs a query instead
    of reading a file.
    """

    # Keywords only: they follow the files' optional decisions file.
    opener: Callable[[], Cursor] = attrs.field(eq=False, kw_only=True)
    customers_query: str = attrs.field(kw_only=True)
    touchpoints_query: str = attrs.field(kw_only=True)
    decisions_query: str | None = attrs.field(kw_only=True)
    batch: int = attrs.field(kw_only=True)

    def rows(
        self,
        file: Path,
        span: Span | None = None,
        report: Callable[[BookFormatError], None] = raise_error,
    ) -> Iterator[tuple[int, Any]]:
        """Yield the numbered rows of the customers, the touchpoints or the decisions query."""
        table = str(file)
        if file == self.customers:
            return customer_rows(table, self._run(self.customers_query, table))
        if file == self.decisions and self.decisions_query is not None:
            return decision_rows(table, self._run(self.decisions_query, table))
        return touchpoint_rows(table, self._run(self.touchpoints_query, table))

    def _run(self, query: str, table: str) -> Iterator[dict[str, Any]]:
        return _records(self.opener, query, table, self.batch)


@attrs.frozen
class StreamedQueries:
    """A book read from queries ordered by customer id, one customer at a time.

    Made by `stream_book_sql`; pass it to `Engine.agenda` or `Engine.forecast`
    like a `Book`. Each pass over it runs the queries again (the decisions
    query, if any, first and whole: decisions are few).

    Examples:
        >>> import sqlite3, lifecycle as lc
        >>> conn = sqlite3.connect(":memory:")
        >>> stream = lc.stream_book_sql(
        ...     conn,
        ...     customers="SELECT 'c1' AS customer_id, 'Ada' AS name, '2025-01-06' AS since",
        ...     touchpoints="SELECT NULL AS touchpoint_id WHERE 0",
        ... )
        >>> [customer.id for customer in stream]
        ['c1']
    """

    queries: _Queries

    def items(self) -> Iterator[tuple[Customer, Timeline]]:
        """Yield each customer with its timeline, in customer id order.

        Raises:
            RecordError: at the first bad row, or a row out of order; for a
                touchpoint id used by two customers, or a decision naming no
                customer, once every row is read.
        """
        try:
            yield from StreamedBook(self.queries, sorted=True).items()
        except BookFormatError as e:
            raise as_record_error(e) from None

    def __iter__(self) -> Iterator[Customer]:
        return (customer for customer, _ in self.items())


def stream_book_sql(
    conn: Connection,
    customers: str,
    touchpoints: str,
    decisions: str | None = None,
    *,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
    batch: int = BATCH,
    cursor: Callable[[], Cursor] | None = None,
) -> StreamedQueries:
    """Open a book to be read from sorted queries one customer at a time.

    Like `stream_book` for a sorted book: both queries must return their rows
    ordered by ``customer_id`` in code-point order of its text. In
    PostgreSQL that is ``ORDER BY customer_id::text COLLATE "C"`` (an
    integer key sorts otherwise as a number, and a language's collation
    otherwise by its own rules); in SQLite ``ORDER BY CAST(customer_id AS
    TEXT)``. A row out of order raises `RecordError`. Memory holds one
    customer's touchpoints and a batch of rows at a time (and 8 bytes per
    touchpoint id, to find an id used by two customers).

    The decisions query, if given, need not be sorted: as `stream_book` reads
    a decisions file, it is read whole before the first customer (decisions
    are few), and each customer's timeline carries its decisions.

    Takes the same arguments as `read_book_sql`; nothing runs until the
    stream is read, and each pass runs the queries again.

    Returns:
        A `StreamedQueries`, to pass to `Engine.agenda` or `Engine.forecast`.

    Raises:
        RecordError: for a bad *batch* (bad rows raise when the stream is
            read).

    Examples:
        >>> import sqlite3, lifecycle as lc
        >>> conn = sqlite3.connect(":memory:")
        >>> stream = lc.stream_book_sql(
        ...     conn,
        ...     customers="SELECT 'c1' AS customer_id, 'Ada' AS name, '2025-01-06' AS since",
        ...     touchpoints="SELECT NULL AS touchpoint_id WHERE 0",
        ...     decisions="SELECT 'd1' AS decision_id, 'c1' AS customer_id, 'welcome' AS policy,"
        ...               " '2025-01-07' AS due, 'done' AS decision,"
        ...               " '2025-01-07T09:00:00+00:00' AS at",
        ... )
        >>> [[d.id for d in timeline.decisions] for _, timeline in stream.items()]
        [['d1']]
    """
    _check_batch(batch)
    queries = _Queries(
        customers=Path("customers query"),
        touchpoints=Path("touchpoints query"),
        format="csv",
        kinds=kind_table(kinds),
        lifecycle=lifecycle,
        channels=channel_table(channels),
        decisions=None if decisions is None else Path("decisions query"),
        opener=_cursor_of(conn, cursor),
        customers_query=customers,
        touchpoints_query=touchpoints,
        decisions_query=decisions,
        batch=batch,
    )
    return StreamedQueries(queries)
