"""Row sources and sinks: CSV and JSON Lines files, read as a stream of rows.

A source yields ``(line, row)`` pairs, where *row* is a mapping of column to raw
value, or a `BookFormatError` for a line that could not be read as a row at all
(the reader decides whether to raise it or collect it). Header problems make
the whole file unreadable and are raised.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import fcntl
import io
import itertools
import json
import math
import operator
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, NamedTuple, TextIO

import attrs

from lifecycle._attributes import near_reserved
from lifecycle.errors import BookFormatError, BookWriteError
from lifecycle.io._rows import (
    CUSTOMER_COLUMNS,
    CUSTOMER_REQUIRED,
    DECISION_COLUMNS,
    DECISION_REQUIRED,
    TOUCHPOINT_COLUMNS,
    TOUCHPOINT_REQUIRED,
    json_int,
)
from lifecycle.stages import Lifecycle
from lifecycle.touchpoints import Channel, Kind, channel_table

if TYPE_CHECKING:
    from _csv import Reader

#: A row as a dict (column -> value) or, when columns are asked for, a sequence of values.
Row = dict[str, object] | Sequence[object]
RowOrError = tuple[int, "Row | BookFormatError"]
Format = Literal["csv", "jsonl"]


class Span(NamedTuple):
    """A run of whole rows of a file: bytes *start* to *stop*, beginning on line *first_line*.

    *lines* is how many physical lines the span holds (``None``: to the end).
    A span always starts and stops on a row boundary, never inside a quoted cell.
    """

    start: int
    stop: int | None
    first_line: int
    lines: int | None


class _Lines:
    """A file's lines, decoded one physical line at a time.

    A text-mode file decodes in large chunks, so a bad byte could not name its
    line. Here an undecodable line is decoded with replacement characters and
    its number remembered; the reader turns the row holding it into an error
    and reads on. A file that is valid UTF-8 throughout (checked first, in
    small chunks) is decoded line by line at C speed instead.
    """

    def __init__(self, handle: BinaryIO, span: Span | None = None) -> None:
        self._handle = handle
        self._stop: int | None = None
        first = 1
        source: Iterator[bytes] = handle
        if span is not None:
            handle.seek(span.start)
            self._stop, first = span.stop, span.first_line
            if span.lines is not None:
                source = itertools.islice(handle, span.lines)
        self._first = first
        self._source = source
        # A count of lines with no byte limit (a header) is decoded line by line.
        self._careful = span is not None and span.stop is None and span.lines is not None
        self._numbered = enumerate(source, start=first)
        self.undecodable: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        if self._careful or not _valid_utf8(self._handle, self._stop):
            return self
        source = self._source
        if self._first != 1:
            return map(_decode, source)
        first = next(source, b"")
        if first.startswith(_BOM):
            first = first[len(_BOM) :]
        return itertools.chain((first.decode("utf-8"),) if first else (), map(_decode, source))

    def __next__(self) -> str:
        number, raw = next(self._numbered)
        if number == 1 and raw.startswith(_BOM):  # as Excel writes it
            raw = raw[len(_BOM) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.undecodable[number] = e.reason
            return raw.decode("utf-8", errors="replace")

    def problem_in(self, first: int, last: int) -> tuple[int, str] | None:
        """Return (line, reason) of the first undecodable line in first..last."""
        if not self.undecodable:
            return None
        for number in range(first, last + 1):
            reason = self.undecodable.pop(number, None)
            if reason is not None:
                return number, reason
        return None


_decode = operator.methodcaller("decode", "utf-8")
_CHUNK = 1 << 16


def _valid_utf8(handle: BinaryIO, stop: int | None = None) -> bool:
    """Whether *handle* is valid UTF-8 up to *stop* (``None``: the end); the position is kept."""
    start = handle.tell()
    remaining: float = math.inf if stop is None else stop - start
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while remaining > 0 and (chunk := handle.read(int(min(_CHUNK, remaining)))):
            remaining -= len(chunk)
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        handle.seek(start)
    return True


_BOM = b"\xef\xbb\xbf"


def _undecodable(name: str, found: tuple[int, str]) -> BookFormatError:
    line, reason = found
    return BookFormatError(name, f"is not valid UTF-8: {reason}", line=line)


def read_csv(
    path: Path,
    *,
    required: Sequence[str],
    columns: Sequence[str] | None = None,
    span: Span | None = None,
    reserved: Sequence[str] = (),
    extra: bool = False,
) -> Iterator[RowOrError]:
    """Yield the rows of a CSV file, one at a time (the file is never read whole).

    Args:
        path: The file.
        required: Columns the header must have.
        columns: If given, each row is a sequence of these columns' cells, in
            this order (``""`` for a column the file does not have), instead
            of a dict: cheaper for a file with millions of rows.
        span: Only the rows of this span (the header is still read first).
        reserved: Column names that a header may not spell otherwise
            (``doNotContact`` for ``do_not_contact``).
        extra: With *columns*, keep the file's other columns too: a row that
            has any is followed by a dict of their names to cells.

    Raises:
        BookFormatError: for an unreadable header.
    """
    name = str(path)
    with path.open("rb") as handle:
        lines = _Lines(handle, None if span is None else Span(0, None, 1, 1))
        reader = csv.reader(lines, strict=True)
        header = _header(name, reader, lines)
        _check_header(name, header, None, required, reserved)
        shift = 0
        if span is not None:
            lines = _Lines(handle, span)
            reader = csv.reader(lines, strict=True)
            shift = span.first_line - 1
        shape = _Shape(name, header, columns, extra=extra)
        as_is = shape.as_is
        width = shape.width
        line = reader.line_num + shift + 1
        undecodable = lines.undecodable  # filled as lines are read, if any is bad
        try:
            for cells in reader:
                if undecodable and (found := lines.problem_in(line, reader.line_num + shift)):
                    yield line, _undecodable(name, found)
                elif as_is and len(cells) == width:
                    yield line, cells
                elif cells:  # a blank line holds no row
                    yield line, shape(line, cells)
                line = reader.line_num + shift + 1
            return
        except csv.Error:
            pass
        # The csv reader cannot find its feet again after an error (a quoted
        # cell may run on for lines): read on from that row's first line, one
        # row at a time, each row's lines found by counting quotes.
        yield from _careful_csv(handle, span, line, shape)


class _Shape:
    """Turns a CSV row's cells into the row a reader yields, or the error for its width."""

    def __init__(
        self, name: str, header: list[str], columns: Sequence[str] | None, *, extra: bool = False
    ) -> None:
        self.name = name
        self.header = header
        self.width = len(header)
        # The usual case: the columns asked for are the file's, in its order.
        self.as_is = columns is not None and list(columns) == header
        self.pick = None
        # The file's other columns, by position, when they are kept (attributes).
        self.extra: tuple[tuple[int, str], ...] = ()
        if columns is not None and not self.as_is:
            # Position `width` is the "" appended to each row, for absent columns.
            self.pick = operator.itemgetter(*(_position(header, c, self.width) for c in columns))
            if extra:
                self.extra = tuple((i, c) for i, c in enumerate(header) if c not in columns)

    def __call__(self, line: int, cells: list[str]) -> Row | BookFormatError:
        if len(cells) != self.width:
            # The row's cells are never quoted back: they hold personal data.
            return BookFormatError(
                self.name, f"has {len(cells)} fields but the header has {self.width}", line=line
            )
        if self.as_is:
            return cells
        if self.pick is None:
            return dict(zip(self.header, cells, strict=True))
        cells.append("")
        picked: Sequence[object] = self.pick(cells)
        if self.extra:
            return (*picked, {column: cells[i] for i, column in self.extra})
        return picked


def _careful_csv(
    handle: BinaryIO, span: Span | None, first_row: int, shape: _Shape
) -> Iterator[RowOrError]:
    """Yield the rows from line *first_row* on, each row parsed on its own."""
    lines = _Lines(handle, span if span is not None else Span(0, None, 1, None))
    number = (1 if span is None else span.first_line) - 1
    group: list[str] = []
    quotes = 0
    start = first_row
    for text in iter(lines.__next__, None):
        number += 1
        if number < first_row:
            continue
        if not group:
            start = number
        group.append(text)
        quotes += text.count('"')
        if quotes % 2 == 0:
            yield from _group(shape, lines, group, start)
            group, quotes = [], 0
    if group:  # a quote left open at the end of the file
        yield from _group(shape, lines, group, start)


def _group(shape: _Shape, lines: _Lines, group: list[str], start: int) -> Iterator[RowOrError]:
    """Yield the rows of *group*, lines that hold whole rows, starting on line *start*."""
    last = start + len(group) - 1
    found = lines.problem_in(start, last)
    if found:
        yield start, _undecodable(shape.name, found)
        return
    reader = csv.reader(group, strict=True)
    line = start
    try:
        for cells in reader:
            if cells:
                yield line, shape(line, cells)
            line = start + reader.line_num
    except csv.Error as e:
        rest = f"; lines {line} to {last} were not read" if last > line else ""
        yield line, BookFormatError(shape.name, f"is not valid CSV: {e}{rest}", line=line)


def _header(name: str, reader: Reader, lines: _Lines) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise BookFormatError(name, f"cannot read the header: {e}", line=1) from None
    found = lines.problem_in(1, reader.line_num)
    if found:
        raise _undecodable(name, found)
    if header is None:
        raise BookFormatError(name, "is empty; it needs at least a header line", line=1)
    return header


def _misspelt(meant: str) -> str:
    return (
        f"differs from the reserved name {meant!r} only in case, '-'/'_' or camelCase; "
        f"did you mean `{meant}`?"
    )


def _position(header: Sequence[str], column: str, absent: int) -> int:
    return header.index(column) if column in header else absent


def _check_header(
    name: str,
    header: Sequence[str],
    allowed: Sequence[str] | None,
    required: Sequence[str],
    reserved: Sequence[str] = (),
) -> None:
    seen: set[str] = set()
    for column in header:
        meant = near_reserved(column, reserved)
        if meant is not None:
            raise BookFormatError(name, _misspelt(meant), line=1, column=column)
        if not column.strip():
            raise BookFormatError(name, "the header has an empty column name", line=1, value=column)
        if column != column.strip():
            raise BookFormatError(
                name, "is a column name with spaces at its edges", line=1, value=column
            )
        if column in seen:
            raise BookFormatError(name, "appears twice in the header", line=1, column=column)
        if allowed is not None and column not in allowed:
            raise BookFormatError(
                name,
                f"is not a column of this file (columns: {', '.join(allowed)})",
                line=1,
                column=column,
            )
        seen.add(column)
    for column in required:
        if column not in seen:
            raise BookFormatError(
                name, "is a required column missing from the header", line=1, column=column
            )


def read_jsonl(
    path: Path,
    *,
    required: Sequence[str],
    columns: Sequence[str] | None = None,
    span: Span | None = None,
    reserved: Sequence[str] = (),
    extra: bool = False,
) -> Iterator[RowOrError]:
    """Yield the objects of a JSON Lines file, one line at a time.

    Missing required keys are reported per line (JSON Lines has no header).
    With *columns*, each row is a tuple of those keys' values (``None`` when
    absent), as `read_csv` gives it, followed (with *extra*) by a dict of the
    object's other keys if it has any. With *span*, only the lines of that span.
    A key repeated in an object, or spelling one of *reserved* otherwise, is
    an error: which of two values was meant cannot be told.
    """
    name = str(path)
    known = frozenset(columns or ())
    with path.open("rb") as handle:
        lines = _Lines(handle, span)
        for line, text in enumerate(lines, start=1 if span is None else span.first_line):
            found = lines.problem_in(line, line)
            if found:
                yield line, _undecodable(name, found)
                continue
            if not text.strip():
                continue
            try:
                row = _loads(text)
            except _RepeatedKey as e:
                yield (
                    line,
                    BookFormatError(
                        name,
                        "appears twice in this object; which value is meant cannot be told",
                        line=line,
                        column=e.key,
                    ),
                )
                continue
            except json.JSONDecodeError as e:
                yield (
                    line,
                    BookFormatError(
                        name,
                        f"is not valid JSON ({e.msg} at character {e.colno})",
                        line=line,
                        # Only the text around the fault: the line is a row of personal data.
                        value=text[max(0, e.pos - 10) : e.pos + 10].rstrip("\r\n"),
                    ),
                )
                continue
            except RecursionError:
                yield line, BookFormatError(name, "is not valid JSON: nested too deeply", line=line)
                continue
            if not isinstance(row, dict):
                yield (
                    line,
                    BookFormatError(
                        name,
                        f"must be a JSON object, not {_json_type(row)}",
                        line=line,
                    ),
                )
                continue
            problem = _key_problem(name, line, row, required, reserved=reserved)
            if problem is not None:
                yield line, problem
            elif columns is None:
                yield line, row
            elif extra and not known.issuperset(row):
                others = {k: v for k, v in row.items() if k not in known}
                yield line, (*map(row.get, columns), others)
            else:
                yield line, tuple(map(row.get, columns))


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    row = dict(pairs)
    if len(row) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:  # pragma: no branch - a repeated key is found
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return row


_loads = json.JSONDecoder(object_pairs_hook=_object, parse_int=json_int).decode


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a boolean" if isinstance(value, bool) else "a number"


def _key_problem(
    name: str,
    line: int,
    row: Mapping[str, object],
    required: Sequence[str],
    *,
    reserved: Sequence[str] = (),
) -> BookFormatError | None:
    for key in row:
        if key not in reserved:  # an exact name is never a misspelling
            meant = near_reserved(key, reserved)
            if meant is not None:
                return BookFormatError(name, _misspelt(meant), line=line, column=key)
    for key in required:
        if key not in row:
            return BookFormatError(
                name, "is a required key missing from this object", line=line, column=key
            )
    return None


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


class Table(NamedTuple):
    """One file of a book to write: where, its columns, and its rows."""

    path: Path
    columns: Sequence[str]
    rows: Iterable[Mapping[str, object]]


class _Unwritable(Exception):
    """A row's value the file's encoding cannot hold, with the line it would be on."""

    def __init__(self, line: int, cause: UnicodeEncodeError) -> None:
        super().__init__(line, cause)
        self.line = line
        self.cause = cause


def _write_table(handle: TextIO, table: Table, fmt: str) -> None:
    columns = table.columns
    line = 1
    try:
        if fmt == "csv":
            # RFC 4180 line ends: with "\n" alone, a lone "\r" in a note would go unquoted
            # and split the row when read back.
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns)
            for line, row in enumerate(table.rows, start=2):  # noqa: B007 - kept for the error
                writer.writerow([_csv_cell(row.get(c)) for c in columns])
        else:
            for line, row in enumerate(table.rows, start=1):  # noqa: B007 - kept for the error
                handle.write(json.dumps(row, ensure_ascii=False))
                handle.write("\n")
    except UnicodeEncodeError as e:
        raise _Unwritable(line, e) from e


#: Flags for a temporary file: made here and now, never an existing file or a symlink.
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_EXCLUSIVE |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TRIES = 100


def _token() -> str:
    return secrets.token_hex(8)


def _temporary(path: Path) -> tuple[Path, int]:
    """Create a new file beside *path*, readable by the owner only; return it and its descriptor.

    A name already taken (by anything, a symlink too) is never opened: another is tried.
    """
    for _ in range(_TRIES):
        temporary = path.with_name(f".{path.name}.{_token()}.partial")
        try:
            return temporary, os.open(temporary, _EXCLUSIVE, 0o600)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name after {_TRIES} tries", str(path))


_STATUS = Path("/proc/self/status")


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with _STATUS.open(encoding="ascii") as status:
            for text in status:
                if text.startswith("Umask:"):
                    return int(text.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _final_mode(path: Path) -> int:
    """The mode a file at *path* ends with: the old file's, or a new file's under the umask."""
    try:
        found = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        found = None
    if found is not None and stat.S_ISREG(found.st_mode):
        return stat.S_IMODE(found.st_mode)
    return 0o666 & ~_umask()  # new, or a symlink (replaced by the file, not followed)


def write_tables(tables: Sequence[Table], *, fmt: str) -> None:
    """Write each table to its file as CSV or JSON Lines: all of them, or none.

    Each goes first to a new temporary file in the same folder (created
    exclusively, owner-only, never through a symlink), flushed to disk; only
    when all are written are they renamed into place. On any failure the old
    files are left as they were and the temporary files removed.

    Raises:
        BookWriteError: naming the file and the cause (a full disk, a folder
            it may not write in, a value UTF-8 cannot encode).
    """
    made: list[tuple[Path, Path]] = []  # (temporary, final), in the order made
    current = Path()
    try:
        for table in tables:  # a rename onto a folder would fail after others were done
            current = table.path
            if current.is_dir() and not current.is_symlink():
                raise IsADirectoryError(errno.EISDIR, "Is a folder, not a file")
        for table in tables:
            current = table.path
            temporary, descriptor = _temporary(current)
            made.append((temporary, current))
            with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
                _write_table(handle, table, fmt)
                os.fchmod(handle.fileno(), _final_mode(current))
                handle.flush()
                os.fsync(handle.fileno())
        kept = [_keep(final) for _, final in made]
        done = 0
        try:
            for temporary, final in made:
                current = final
                os.replace(temporary, final)
                done += 1
        except OSError:
            _put_back(made[:done], kept)
            raise
        finally:
            for old in kept:
                if old is not None:
                    old.unlink(missing_ok=True)
        _sync_folder(current.parent)
    except _Unwritable as e:
        raise BookWriteError(
            str(current), f"line {e.line} holds a value UTF-8 cannot encode ({e.cause.reason})"
        ) from None
    except OSError as e:
        raise BookWriteError(str(current), e.strerror or str(e)) from e
    finally:
        for temporary, _ in made:
            temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[TextIO]:
    """Open a new text file (UTF-8, lines as written) that takes *path*'s place once whole.

    Written like each file of `write_tables`: to a temporary file beside
    *path*, synced, then renamed onto it. If the block raises, *path* is left
    as it was and the temporary file removed.

    Raises:
        OSError: as the system gives it (a folder at *path*, no such folder,
            no permission, a full disk).
    """
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "Is a folder, not a file")
    temporary, descriptor = _temporary(path)
    try:
        with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
            yield handle
            os.fchmod(handle.fileno(), _final_mode(path))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _keep(final: Path) -> Path | None:
    """A new hard link to the file now at *final*, to put back if a later rename fails.

    ``None`` when there is no file there, or no link can be made (a file
    system without hard links): then that file cannot be put back.
    """
    if not os.path.lexists(final):
        return None
    old = final.with_name(f".{final.name}.{_token()}.old")
    try:
        os.link(final, old, follow_symlinks=False)  # never onto an existing name
    except OSError:
        return None
    return old


def _put_back(renamed: Sequence[tuple[Path, Path]], kept: Sequence[Path | None]) -> None:
    """Undo the renames done: the old files back (from `_keep`), new ones removed."""
    for (_, final), old in zip(renamed, kept, strict=False):
        with contextlib.suppress(OSError):  # best effort: the first error is the one to tell
            if old is None:
                final.unlink()
            else:
                os.replace(old, final)


def _sync_folder(folder: Path) -> None:
    """Flush the renames to disk too, where the system allows a folder to be synced."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a folder; the files themselves are synced
    finally:
        os.close(descriptor)


#: Flags for the file a row is appended to (read too: its last byte is looked at),
#: never through a symlink planted in its place.
_APPEND = os.O_RDWR | os.O_APPEND | os.O_CREAT
_APPEND |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def append_row(
    path: Path,
    columns: Sequence[str],
    required: Sequence[str],
    row: Mapping[str, object],
    fmt: Format,
) -> None:
    """Append one row to the file at *path*, creating it (with its header, for CSV) if missing.

    Safe with other writers: the file is opened for append and locked, and
    the whole row (with the header, when the file is new) goes out in one
    write, then to disk; two writers never interleave, nor both write a
    header. A CSV file keeps its own column order (it must have a column
    for every value given); rows already there are never rewritten.

    Raises:
        BookFormatError: for an existing CSV header that cannot take the row.
        BookWriteError: naming the file and the cause.
    """
    try:
        descriptor = os.open(path, _APPEND, 0o666)
    except OSError as e:
        raise BookWriteError(str(path), e.strerror or str(e)) from e
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the descriptor is closed
        size = os.fstat(descriptor).st_size
        if fmt == "csv":
            header = columns if size == 0 else _csv_header(path, columns, required, row)
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            if size == 0:
                writer.writerow(header)
            writer.writerow([_csv_cell(row.get(c)) for c in header])
            data = text.getvalue()
        else:
            data = json.dumps(dict(row), ensure_ascii=False) + "\n"
        if size and os.pread(descriptor, 1, size - 1) != b"\n":
            data = "\n" + data  # the last row was left without its line end
        encoded = data.encode("utf-8")  # a Decision's text is valid UTF-8: checked when made
        if os.write(descriptor, encoded) != len(encoded):  # pragma: no cover - a full disk
            os.ftruncate(descriptor, size)  # no half row left behind (the lock is still held)
            raise OSError(errno.ENOSPC, "the row was not written whole")
        os.fsync(descriptor)
    except OSError as e:
        raise BookWriteError(str(path), e.strerror or str(e)) from e
    finally:
        os.close(descriptor)


def _csv_header(
    path: Path, allowed: Sequence[str], required: Sequence[str], row: Mapping[str, object]
) -> list[str]:
    """The header of the CSV file at *path*, checked to take *row*."""
    name = str(path)
    with path.open("rb") as handle:
        lines = _Lines(handle, Span(0, None, 1, 1))
        header = _header(name, csv.reader(lines, strict=True), lines)
    _check_header(name, header, allowed, required, allowed)
    for column, value in row.items():
        if value not in (None, "") and column not in header:
            raise BookFormatError(
                name,
                "is a column this row needs but the header lacks; add it to the header",
                line=1,
                column=column,
            )
    return header


def _unknown_columns(
    path: Path, rows: Iterator[RowOrError], allowed: Sequence[str], *, header: bool
) -> Iterator[RowOrError]:
    """Yield *rows*, each column not *allowed* an error first: a CSV header's, or each object's."""
    name = str(path)
    if header:
        try:
            with path.open("rb") as handle:
                lines = _Lines(handle, Span(0, None, 1, 1))
                columns = _header(name, csv.reader(lines, strict=True), lines)
            _check_header(name, columns, None, (), allowed)
        except BookFormatError:
            columns = []  # reading the rows reports what is wrong with the header
        for column in columns:
            if column not in allowed:
                yield 1, _unknown(name, 1, column, "column", allowed)
        yield from rows
        return
    for line, row in rows:
        if isinstance(row, dict):
            for key in row:
                if key not in allowed:
                    yield line, _unknown(name, line, key, "key", allowed)
        yield line, row


def _unknown(
    name: str, line: int, column: str, word: str, allowed: Sequence[str]
) -> BookFormatError:
    return BookFormatError(
        name,
        f"is not a {word} of this file ({word}s: {', '.join(allowed)}); its values were not read",
        line=line,
        column=column,
    )


def raise_error(error: BookFormatError) -> None:
    """Report a bad row by raising it: stop at the first."""
    raise error


@attrs.frozen
class BookFiles:
    """The files of a book on disk, how to read them, and what they may hold.

    *decisions* is the optional third file (``None``: the book has none).
    """

    customers: Path
    touchpoints: Path
    format: Format
    kinds: dict[str, Kind] = attrs.field(eq=False)
    lifecycle: Lifecycle | None
    decisions: Path | None = None
    channels: dict[str, Channel] = attrs.field(eq=False, factory=channel_table)

    def rows(
        self,
        file: Path,
        span: Span | None = None,
        report: Callable[[BookFormatError], None] = raise_error,
    ) -> Iterator[tuple[int, Any]]:
        """Yield the good numbered rows of *file*; each bad one goes to *report* (default: raise).

        Customers and decisions come as dicts, touchpoints as values in
        `TOUCHPOINT_COLUMNS` order (then a dict of any other columns).
        """
        source = read_csv if self.format == "csv" else read_jsonl
        if file == self.customers:
            rows: Iterator[RowOrError] = source(
                file, required=CUSTOMER_REQUIRED, span=span, reserved=CUSTOMER_COLUMNS
            )
        elif file == self.decisions:
            # An unknown column is a problem, but not of the rest of the file: each
            # is reported, its cells left unread, and the rows read on.
            rows = _unknown_columns(
                file,
                source(file, required=DECISION_REQUIRED, reserved=DECISION_COLUMNS),
                DECISION_COLUMNS,
                header=self.format == "csv",
            )
        else:
            rows = source(
                file,
                required=TOUCHPOINT_REQUIRED,
                columns=TOUCHPOINT_COLUMNS,
                span=span,
                reserved=TOUCHPOINT_COLUMNS,
                extra=True,
            )
        try:
            for line, row in rows:
                if isinstance(row, BookFormatError):
                    report(row)
                else:
                    yield line, row
        except BookFormatError as e:
            report(e)
