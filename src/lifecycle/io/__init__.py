"""Books on disk: read and write customers and touchpoints as CSV or JSON Lines.

The format is the one of ``book-format.md``: a folder holding
``customers.csv`` and ``touchpoints.csv`` (or ``.jsonl``). Files are read a row
at a time, so a large export never has to fit in memory as text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import attrs

from lifecycle.book import Book
from lifecycle.decisions import Decision
from lifecycle.errors import BookFormatError, BookWriteError
from lifecycle.io._assemble import assemble
from lifecycle.io._files import BookFiles, Format, Table, append_row, write_tables
from lifecycle.io._rows import (
    CUSTOMER_COLUMNS,
    DECISION_COLUMNS,
    DECISION_REQUIRED,
    MONEY_COLUMNS,
    TOUCHPOINT_COLUMNS,
    customer_row,
    decision_row,
    touchpoint_row,
)
from lifecycle.io._stream import StreamedBook
from lifecycle.io.frames import book_from_frames
from lifecycle.io.records import book_from_records
from lifecycle.io.sql import StreamedQueries, read_book_sql, stream_book_sql
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.touchpoints import Channel, Kind, channel_table, kind_table

__all__ = [
    "BookReport",
    "StreamedBook",
    "StreamedQueries",
    "append_decision",
    "book_from_frames",
    "book_from_records",
    "read_book",
    "read_book_report",
    "read_book_sql",
    "stream_book",
    "stream_book_sql",
    "write_book",
]

_FORMATS: tuple[Format, ...] = ("csv", "jsonl")


@attrs.frozen
class BookReport:
    """What `read_book_report` found: the book of good rows, and every error.

    Attributes:
        book: A consistent book made of the rows that were good.
        errors: One `BookFormatError` per bad row (or unreadable file part), in
            file order: customers first, then touchpoints.
    """

    book: Book
    errors: tuple[BookFormatError, ...]

    @property
    def ok(self) -> bool:
        """Whether the files had no errors at all."""
        return not self.errors


def read_book(
    path: str | os.PathLike[str],
    *,
    format: Format | None = None,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> Book:
    """Read a book from a folder of ``customers`` and ``touchpoints`` files.

    Args:
        path: The folder holding ``customers.csv`` and ``touchpoints.csv`` (or
            the ``.jsonl`` pair).
        format: ``"csv"`` or ``"jsonl"``; found from the files when not given.
        kinds: Custom touchpoint kinds the files may use, beside the standard ones.
        lifecycle: The lifecycle whose stage names the ``stage`` column may
            hold (``None``: any name).
        channels: Custom channels (`Channel` objects or names) the files may
            use, beside the standard ones, in ``channel`` and ``preferred_channel``.

    Returns:
        The book.

    Raises:
        BookFormatError: at the first bad row, naming the file, line, column
            and value; or when the files are missing or ambiguous.

    Examples:
        >>> import lifecycle as lc
        >>> book = lc.read_book(lc.sample_path())
        >>> book.customer("C001").name
        'Aurora Lindqvist'
    """
    return _read(
        path, format=format, kinds=kinds, lifecycle=lifecycle, collect=None, channels=channels
    )


def read_book_report(
    path: str | os.PathLike[str],
    *,
    format: Format | None = None,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> BookReport:
    """Read a book, collecting every bad row instead of stopping at the first.

    Takes the same arguments as `read_book`. Bad rows are left out of the book
    and reported in `BookReport.errors`, each of a row's bad cells on its own
    (in the order of the columns' checks); a touchpoint of a customer whose
    row was bad is reported too (nothing is dropped silently).

    Raises:
        BookFormatError: only when the files are missing or ambiguous.

    Examples:
        >>> import lifecycle as lc
        >>> report = lc.read_book_report(lc.sample_path())
        >>> report.ok, len(report.book) == len(lc.sample_book())
        (True, True)
    """
    errors: list[BookFormatError] = []
    book = _read(
        path, format=format, kinds=kinds, lifecycle=lifecycle, collect=errors, channels=channels
    )
    return BookReport(book, tuple(errors))


def stream_book(
    path: str | os.PathLike[str],
    *,
    sorted: bool = True,
    format: Format | None = None,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> StreamedBook:
    """Open a book to be read one customer at a time, for books too large to load.

    Nothing is read yet: each pass over the result (``engine.agenda(stream,
    as_of)``, ``stream.items()``) reads the files again, holding one
    customer's touchpoints at a time (*sorted*), or one bucket of customers
    (not *sorted*). Every row is checked as `read_book` checks it.

    Args:
        path: The folder, as for `read_book`.
        sorted: Whether both files are sorted by ``customer_id`` (code-point
            order, as ``ORDER BY customer_id`` exports them). If not, pass
            ``False``: a first pass then spreads the rows over temporary
            bucket files by customer, and reads one bucket at a time.
        format: ``"csv"`` or ``"jsonl"``; found from the files when not given.
        kinds: Custom touchpoint kinds the files may use.
        lifecycle: The lifecycle whose stage names the ``stage`` column may hold.
        channels: Custom channels the files may use.

    Returns:
        A `StreamedBook`, to pass to `Engine.agenda` or `Engine.forecast`.

    Raises:
        BookFormatError: when the files are missing or ambiguous (bad rows
            raise when the stream is read).

    Examples:
        >>> import lifecycle as lc
        >>> stream = lc.stream_book(lc.sample_path())
        >>> engine = lc.Engine(lc.starter_pack())
        >>> streamed = engine.agenda(stream, as_of=lc.SAMPLE_AS_OF)
        >>> streamed == engine.agenda(lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
        True
    """
    return StreamedBook(_book_files(path, format, kinds, lifecycle, channels), sorted)


def _book_files(
    path: str | os.PathLike[str],
    format: Format | None,
    kinds: Iterable[Kind],
    lifecycle: Lifecycle | None,
    channels: Iterable[Channel | str] = (),
) -> BookFiles:
    fmt, customers, touchpoints = _files(Path(path), format)
    decisions = _decisions_file(Path(path), fmt)
    return BookFiles(
        customers,
        touchpoints,
        fmt,
        kind_table(kinds),
        lifecycle,
        decisions,
        channel_table(channels),
    )


def _decisions_file(folder: Path, fmt: Format) -> Path | None:
    """The book's decisions file, ``None`` when it has none.

    One in the other format, beside no customers file of that format, is an
    error: its decisions would be ignored without a word.
    """
    for other in _FORMATS:
        stray = folder / f"decisions.{other}"
        if (
            other != fmt
            and os.path.lexists(stray)
            and not os.path.lexists(folder / f"customers.{other}")
        ):
            raise BookFormatError(
                str(stray),
                f"is in another format than the book's {fmt} files; convert it to decisions.{fmt}",
            )
    file = folder / f"decisions.{fmt}"
    if not os.path.lexists(file):
        return None
    if not file.is_file():
        raise BookFormatError(str(file), "is not a file; a book's decisions are a file")
    return file


def _files(folder: Path, format: Format | None) -> tuple[Format, Path, Path]:
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise BookFormatError(
            str(folder), f"{problem}; a book is a folder of customers and touchpoints files"
        )
    if format is not None and format not in _FORMATS:
        raise BookFormatError(str(folder), f"format {format!r} is not one of: csv, jsonl")
    found = [f for f in (format,) if f] or [
        f for f in _FORMATS if (folder / f"customers.{f}").exists()
    ]
    if not found:
        raise BookFormatError(str(folder), "holds no customers.csv or customers.jsonl")
    if len(found) > 1:
        raise BookFormatError(
            str(folder),
            "holds both customers.csv and customers.jsonl; pass format='csv' or 'jsonl'",
        )
    fmt = found[0]
    customers, touchpoints = folder / f"customers.{fmt}", folder / f"touchpoints.{fmt}"
    for file in (customers, touchpoints):
        if not file.is_file():
            problem = "is not a file" if file.exists() else "does not exist"
            raise BookFormatError(str(file), f"{problem}; a book needs both files")
    return fmt, customers, touchpoints


def _read(
    path: str | os.PathLike[str],
    *,
    format: Format | None,
    kinds: Iterable[Kind],
    lifecycle: Lifecycle | None,
    collect: list[BookFormatError] | None,
    channels: Iterable[Channel | str],
) -> Book:
    files = _book_files(path, format, kinds, lifecycle, channels)

    def report(error: BookFormatError) -> None:
        if collect is None:
            raise error
        collect.append(error)

    decisions = files.decisions
    return assemble(
        files.rows(files.customers, report=report),
        files.rows(files.touchpoints, report=report),
        names=(str(files.customers), str(files.touchpoints)),
        kinds=files.kinds,
        lifecycle=lifecycle,
        report=report,
        decision_rows=() if decisions is None else files.rows(decisions, report=report),
        decisions_name=str(decisions),
        channels=files.channels,
        every=collect is not None,
    )


def _customer_columns(book: Book) -> tuple[str, ...]:
    if any(c.owner is not None for c in book):
        return CUSTOMER_COLUMNS
    return tuple(c for c in CUSTOMER_COLUMNS if c != "owner")


def _touchpoint_columns(book: Book) -> tuple[str, ...]:
    # The money columns only when there is money: other books are written as before.
    if any(tp.amount is not None for tp in book.touchpoints()):
        return TOUCHPOINT_COLUMNS
    return TOUCHPOINT_COLUMNS[: -len(MONEY_COLUMNS)]


def write_book(
    book: Book,
    path: str | os.PathLike[str],
    *,
    format: Format = "csv",
) -> None:
    """Write *book* to a folder as ``customers`` and ``touchpoints`` files.

    What `write_book` writes, `read_book` reads back as an equal book
    (custom attributes of customers and touchpoints are columns after the
    book format's; a book with custom channels or kinds is read back with
    them registered). The
    folder is created if needed. The files are replaced together or not at
    all: each is written to a new temporary file beside it (owner-only,
    never through a symlink) and flushed to disk, and only when both are
    written are they renamed into place. If anything fails, the book already
    in the folder is left as it was and the temporary files are removed. A
    file's permissions are kept; a new file gets the usual ones (the umask).

    Args:
        book: The book to write.
        path: The folder.
        format: ``"csv"`` (default) or ``"jsonl"``.

    Raises:
        BookFormatError: for an unknown format.
        BookWriteError: when a file cannot be written, naming it and the
            cause: a full disk, a folder it may not write in, or a value
            UTF-8 cannot encode (such as a lone surrogate in a name).

    Examples:
        >>> import tempfile, lifecycle as lc
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     lc.write_book(lc.sample_book(), folder, format="jsonl")
        ...     lc.read_book(folder) == lc.sample_book()
        True
    """
    if format not in _FORMATS:
        raise BookFormatError(str(path), f"format {format!r} is not one of: csv, jsonl")
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BookWriteError(str(folder), e.strerror or str(e)) from e
    attribute_columns = tuple(sorted({k for c in book for k in c.attributes}))
    touchpoint_attribute_columns = tuple(
        sorted({k for tp in book.touchpoints() for k in tp.attributes})
    )
    if format == "csv":
        customer_rows: Iterable[dict[str, object]] = (
            customer_row(c, attribute_columns) for c in book
        )
    else:
        customer_rows = (customer_row(c, tuple(sorted(c.attributes))) for c in book)
    tables = [
        Table(
            folder / f"customers.{format}",
            (*_customer_columns(book), *attribute_columns),
            customer_rows,
        ),
        Table(
            folder / f"touchpoints.{format}",
            (*_touchpoint_columns(book), *touchpoint_attribute_columns),
            (touchpoint_row(tp) for tp in book.touchpoints()),
        ),
    ]
    decisions = folder / f"decisions.{format}"
    # A decisions file already there is rewritten even when empty: none of its
    # rows may outlive the book it was written for (a forgotten customer's).
    if any(True for _ in book.decisions()) or os.path.lexists(decisions):
        tables.append(
            Table(decisions, DECISION_COLUMNS, (decision_row(d) for d in book.decisions()))
        )
    write_tables(tables, fmt=format)


def append_decision(
    path: str | os.PathLike[str], decision: Decision, *, format: Format | None = None
) -> Path:
    """Record one decision in a book's folder: append its row to the decisions file.

    The file (``decisions.csv`` or ``decisions.jsonl``, in the book's
    format) is created with its header when missing; the rows already there
    are never rewritten. Safe with other writers at the same time: the row
    goes out whole in one write to the file opened for append (and locked),
    then to disk, so rows never interleave. This is what ``lifecycle done``,
    ``dismiss`` and ``snooze`` call. Nothing else is checked: read the book
    first to make sure the decision's customer is in it and its id new.

    Args:
        path: The book's folder.
        decision: The decision to record.
        format: ``"csv"`` or ``"jsonl"``; found from the files when not given.

    Returns:
        The decisions file written to.

    Raises:
        BookFormatError: when the book's files are missing or ambiguous, or
            its decisions file cannot take the row.
        BookWriteError: when the file cannot be written.

    Examples:
        >>> import datetime as dt, tempfile, lifecycle as lc
        >>> done = lc.Decision(id="d-1", customer_id="C001", policy="welcome",
        ...                    due=dt.date(2026, 11, 1), outcome="done",
        ...                    at=dt.datetime(2026, 11, 7, 9, tzinfo=dt.UTC))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     lc.write_book(lc.sample_book(), folder)
        ...     file = append_decision(folder, done)
        ...     file.name, [d.id for d in lc.read_book(folder).decisions()]
        ('decisions.csv', ['d-1'])
    """
    folder = Path(path)
    fmt = _files(folder, format)[0]
    file = _decisions_file(folder, fmt) or folder / f"decisions.{fmt}"
    append_row(file, DECISION_COLUMNS, DECISION_REQUIRED, decision_row(decision), fmt)
    return file
