"""Streamed books: customers read from their files one at a time, never the whole book.

Two ways through the files:

- **sorted** (both files sorted by ``customer_id``, as ``ORDER BY customer_id``
  exports them): a merge of the two files, holding one customer's rows at a
  time. Rows out of order raise `BookOrderError`.
- **unsorted**: a first pass writes each row to one of a few bucket files
  chosen by a hash of its customer id (an external hash partition); each
  bucket, a small book, is then read in turn. Memory is bounded by the
  largest bucket.

Both check every row as `read_book` does. A touchpoint id used by two
customers can only be found once every id has been seen: its hash is kept
(8 bytes an id) and the check runs when the stream ends, raising then.

Decisions are few (one for each action a team answered, not one for each
touchpoint): the decisions file is read whole before the first customer, into
a dict by customer (`Decided`), and each customer's timeline carries its own.
A decision naming no customer of the book is found when the stream ends.
"""

from __future__ import annotations

import array
import collections
import contextlib
import csv
import itertools
import json
import math
import mmap
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from lifecycle import _batches
from lifecycle._validate import LOCAL_SAFE_FIRST, LOCAL_SAFE_LAST
from lifecycle.customers import Customer
from lifecycle.decisions import Decision
from lifecycle.errors import BookFormatError, BookOrderError
from lifecycle.io._assemble import (
    assemble,
    decision_local_error,
    duplicate_id,
    local_error,
    located,
    parsed_decisions,
)
from lifecycle.io._files import BookFiles, Format, Span, raise_error
from lifecycle.io._rows import (
    CellError,
    parse_customer,
    parse_touchpoint,
)
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Touchpoint

__all__ = ["Decided", "IdRegister", "NoSuchCustomer", "StreamedBook", "split"]


#: Touchpoint file bytes per bucket of the unsorted path (about 18,000 customers).
BUCKET_BYTES = 16 << 20
_MAX_BUCKETS = 256
_COUNT_CHUNK = 1 << 20
_NO_IDS: dict[str, str] = {}
_ORDER_HINT = "a book streamed with sorted=True needs both files sorted by customer_id"


class NoSuchCustomer(BookFormatError):
    """A touchpoint row of a customer the sorted customers file does not hold.

    Told apart because, when several processes each read part of a book, it
    may also mean that the customers file is out of order past this part.
    """


class IdRegister:
    """The hashes of every touchpoint id seen, to find an id used twice in little memory.

    Each id's `hash` goes into one of 256 compact arrays. A hash seen twice is
    a candidate (two different ids may share one), confirmed by reading the
    file again with `confirm`. Hashes are only comparable within one process
    and the processes it forks.
    """

    __slots__ = ("buckets",)

    def __init__(self) -> None:
        self.buckets = [array.array("q") for _ in range(256)]

    def add(self, ids: Iterable[str]) -> None:
        """Remember these ids."""
        buckets = self.buckets
        for h in map(hash, ids):
            buckets[h & 255].append(h)

    def to_bytes(self) -> list[bytes]:
        """The hashes, as bytes, to send to another process."""
        return [b.tobytes() for b in self.buckets]

    def merge(self, other: list[bytes]) -> None:
        """Add the hashes another register sent with `to_bytes`."""
        for bucket, data in zip(self.buckets, other, strict=True):
            bucket.frombytes(data)

    def repeated(self) -> set[int]:
        """The hashes seen more than once."""
        found: set[int] = set()
        for bucket in self.buckets:
            if len(set(bucket)) != len(bucket):
                seen: set[int] = set()
                for h in bucket:
                    if h in seen:
                        found.add(h)
                    seen.add(h)
        return found

    def check(self, files: BookFiles) -> None:
        """Raise for the first touchpoint id used twice, in file order, if any.

        Raises:
            BookFormatError: naming the later line and the first one.
        """
        candidates = self.repeated()
        if not candidates:
            return
        first_line: dict[str, int] = {}
        name = str(files.touchpoints)
        for line, values in files.rows(files.touchpoints):
            tid = values[0]
            if hash(tid) in candidates:
                first = first_line.setdefault(tid, line)
                if first != line:
                    raise duplicate_id(name, line, "touchpoint_id", tid, first)


@attrs.frozen
class Decided:
    """A book's decisions, read whole up front, by customer id: what a streamed book carries.

    Attributes:
        by_customer: Each decided customer's decisions, by customer id.
        where: Each decision's line and ``at`` cell, by decision id (for messages).
        name: The decisions file (``""``: the book has none).
        customers_name: The customers file's name, for messages.
    """

    by_customer: dict[str, tuple[Decision, ...]]
    where: dict[str, tuple[int, object]]
    name: str
    customers_name: str

    def attach(
        self, items: Iterator[tuple[Customer, Timeline]], seen: set[str]
    ) -> Iterator[tuple[Customer, Timeline]]:
        """Yield *items*, each timeline with its customer's decisions; add those ids to *seen*.

        Raises:
            BookFormatError: for a decision whose date in its customer's zone
                is out of bounds.
        """
        by_customer = self.by_customer
        if not by_customer:
            yield from items
            return
        for customer, timeline in items:
            mine = by_customer.get(customer.id)
            if mine is None:
                yield customer, timeline
                continue
            for decision in mine:
                line, cell = self.where[decision.id]
                error = decision_local_error(self.name, line, cell, decision, customer)
                if error is not None:
                    raise error
            seen.add(customer.id)
            yield customer, timeline.with_decisions(mine)

    def check(self, seen: set[str]) -> None:
        """Raise for the first decision (in file order) of a customer not in *seen*, if any.

        Raises:
            BookFormatError: naming its line, as `read_book` would.
        """
        lost = [d for cid, ds in self.by_customer.items() if cid not in seen for d in ds]
        if not lost:
            return
        first = min(lost, key=lambda d: self.where[d.id][0])
        raise BookFormatError(
            self.name,
            f"names no customer of {self.customers_name}",
            line=self.where[first.id][0],
            column="customer_id",
            value=first.customer_id,
        )


def read_decisions(files: BookFiles) -> Decided:
    """Read the book's decisions file whole (decisions are few), checking every row.

    Raises:
        BookFormatError: at the first bad row (a duplicate id too).
    """
    file = files.decisions
    customers_name = files.customers.name
    if file is None:
        return Decided({}, {}, "", customers_name)
    name = str(file)
    grouped: dict[str, list[Decision]] = {}
    where: dict[str, tuple[int, object]] = {}
    for line, decision, cell in parsed_decisions(files.rows(file), name, raise_error):
        if decision.id in where:
            raise duplicate_id(name, line, "decision_id", decision.id, where[decision.id][0])
        where[decision.id] = (line, cell)
        grouped.setdefault(decision.customer_id, []).append(decision)
    return Decided({cid: tuple(ds) for cid, ds in grouped.items()}, where, name, customers_name)


@attrs.frozen
class StreamedBook:
    """A book read from its files one customer at a time, never held whole.

    Made by `stream_book`; pass it to `Engine.agenda` or `Engine.forecast` like
    a `Book`. Each pass over it reads the files again, checking every row as
    `read_book` does.

    Attributes:
        files: The files and how to read them.
        sorted: Whether the files are sorted by customer id (the merge path)
            or not (the bucket path).
    """

    files: BookFiles
    sorted: bool

    def items(self) -> Iterator[tuple[Customer, Timeline]]:
        """Yield each customer with its timeline.

        With ``sorted=True`` customers come in id order; otherwise in no
        particular order.

        The decisions file is read whole first; each timeline carries its
        customer's decisions.

        Raises:
            BookFormatError: at the first bad row; for a touchpoint id used by
                two customers, or a decision naming no customer, only once
                every row has been read.
            BookOrderError: with ``sorted=True``, at the first row out of order.
        """
        register = IdRegister()
        decisions = read_decisions(self.files)
        seen: set[str] = set()
        source = (
            batched(merged(self.files, register))
            if self.sorted
            else partitioned(self.files, register)
        )
        with contextlib.closing(source):  # its bucket files go at once, even on an error
            yield from decisions.attach(source, seen)
        register.check(self.files)
        decisions.check(seen)

    def __iter__(self) -> Iterator[Customer]:
        return (customer for customer, _ in self.items())

    def __repr__(self) -> str:
        order = "sorted" if self.sorted else "unsorted"
        return f"StreamedBook({str(self.files.customers.parent)!r}, {order})"


def _empty(customer: Customer) -> Timeline:
    return Timeline.unchecked((), customer.timezone)


def _order_error(file: Path, line: int, cid: str, problem: str) -> BookOrderError:
    return BookOrderError(
        str(file),
        f"{problem}; {_ORDER_HINT}",
        line=line,
        column="customer_id",
        value=cid,
    )


def _customers(files: BookFiles, low: str | None, high: str | None) -> Iterator[Customer]:
    """Yield the customers with ids in [low, high), checking the file's order up to there."""
    name = str(files.customers)
    previous: str | None = None
    previous_line = 0
    for line, row in files.rows(files.customers):
        cid = row.get("customer_id")
        if not isinstance(cid, str) or not cid:
            cid = _parse_customer(row, files, name, line).id  # raises, naming the bad cell
        if previous is not None and cid <= previous:
            if cid == previous:
                raise BookFormatError(
                    name,
                    f"is a duplicate customer id (first on line {previous_line})",
                    line=line,
                    column="customer_id",
                    value=cid,
                )
            raise _order_error(
                files.customers, line, cid, f"comes after {previous!r} (line {previous_line})"
            )
        previous, previous_line = cid, line
        if high is not None and cid >= high:
            return
        if low is None or cid >= low:
            yield _parse_customer(row, files, name, line)


def _parse_customer(row: dict[str, object], files: BookFiles, name: str, line: int) -> Customer:
    try:
        return parse_customer(row, files.lifecycle, files.channels)
    except CellError as e:
        raise located(name, line, e) from None


def _check_local(name: str, group: list[Touchpoint], lines: list[int], owner: Customer) -> None:
    """Raise for the first touchpoint of *group* whose local date is out of bounds."""
    for touchpoint, line in zip(group, lines, strict=True):
        if not LOCAL_SAFE_FIRST <= touchpoint.at <= LOCAL_SAFE_LAST:
            error = local_error(name, line, None, touchpoint, owner)
            if error is not None:
                raise error


def merged(
    files: BookFiles,
    register: IdRegister,
    span: Span | None = None,
    low: str | None = None,
    high: str | None = None,
) -> Iterator[tuple[Customer, Timeline]]:
    """Yield customers with ids in [low, high) and their timelines, from sorted files.

    Only the touchpoint rows of *span* are read; they must all belong to
    customers in [low, high).
    """
    customers = _customers(files, low, high)
    pending = next(customers, None)
    name = str(files.touchpoints)
    kinds = files.kinds
    channels = files.channels

    def flush(
        cid: str, group: list[Touchpoint], lines: list[int]
    ) -> Iterator[tuple[Customer, Timeline]]:
        nonlocal pending
        while pending is not None and pending.id < cid:
            yield pending, _empty(pending)
            pending = next(customers, None)
        if pending is None or pending.id != cid:
            # A customers file out of order is the likelier story: read on to tell.
            collections.deque(customers, maxlen=0)
            raise NoSuchCustomer(
                name,
                f"names no customer of {files.customers.name}",
                line=lines[0],
                column="customer_id",
                value=cid,
            )
        _check_local(name, group, lines, pending)
        ids = [tp.id for tp in group]
        register.add(ids)
        if len(set(ids)) != len(ids):
            first: dict[str, int] = {}
            tid, line = next(
                (t, n) for t, n in zip(ids, lines, strict=True) if first.setdefault(t, n) != n
            )
            raise duplicate_id(name, line, "touchpoint_id", tid, first[tid])
        yield pending, Timeline.unchecked(group, pending.timezone)
        pending = next(customers, None)

    current: str | None = None
    current_line = 0
    group: list[Touchpoint] = []
    lines: list[int] = []
    for line, values in files.rows(files.touchpoints, span):
        try:
            touchpoint = parse_touchpoint(values, kinds, _NO_IDS, channels)
        except CellError as e:
            raise located(name, line, e) from None
        cid = touchpoint.customer_id
        if cid != current:
            if current is not None:
                if cid < current:
                    raise _order_error(
                        files.touchpoints,
                        line,
                        cid,
                        f"comes after {current!r} (line {current_line})",
                    )
                yield from flush(current, group, lines)
            if low is not None and cid < low:
                raise _order_error(files.touchpoints, line, cid, f"comes after {low!r}")
            if high is not None and cid >= high:
                raise _order_error(files.touchpoints, line, cid, f"comes before a row of {high!r}")
            current, group, lines = cid, [], []
        current_line = line
        group.append(touchpoint)
        lines.append(line)
    if current is not None:
        yield from flush(current, group, lines)
    while pending is not None:
        yield pending, _empty(pending)
        pending = next(customers, None)


# -- the unsorted path: an external hash partition -----------------------------------


def _bucket_of(cid: object, count: int) -> int:
    return hash(cid if type(cid) is str else repr(cid)) % count


def _spill(
    rows: Iterable[tuple[int, Any]],
    key: Callable[[Any], object],
    folder: Path,
    prefix: str,
    count: int,
) -> None:
    """Write each numbered row to the bucket file its key hashes to, in batches."""
    handles: list[BinaryIO] = [_batches.create(folder / f"{prefix}{b}") for b in range(count)]
    try:
        batches: list[list[Any]] = [[] for _ in range(count)]
        for line, row in rows:
            bucket = _bucket_of(key(row), count)
            batch = batches[bucket]
            batch.append((line, row))
            if len(batch) == _batches.BATCH:
                _batches.dump(batch, handles[bucket])
                batches[bucket] = []
        for batch, handle in zip(batches, handles, strict=True):
            _batches.dump(batch, handle)
    finally:
        for handle in handles:
            handle.close()


def partition(files: BookFiles, folder: Path) -> int:
    """Spread the rows of both files over bucket files in *folder*; return the bucket count.

    A customer's row and all its touchpoint rows land in the same bucket.

    Raises:
        BookFormatError: for a row that cannot be read at all.
    """
    size = files.touchpoints.stat().st_size
    count = max(1, min(_MAX_BUCKETS, math.ceil(size / BUCKET_BYTES)))
    _spill(files.rows(files.customers), _customer_of_dict, folder, "c", count)
    _spill(files.rows(files.touchpoints), _customer_of_values, folder, "t", count)
    return count


def _customer_of_dict(row: dict[str, object]) -> object:
    return row.get("customer_id")


def _customer_of_values(values: list[object]) -> object:
    return values[1]


def bucket(
    files: BookFiles, folder: Path, number: int, register: IdRegister
) -> Iterator[tuple[Customer, Timeline]]:
    """Yield the customers and timelines of one bucket that `partition` wrote."""
    book = assemble(
        _batches.read(folder / f"c{number}"),
        _batches.read(folder / f"t{number}"),
        names=(str(files.customers), str(files.touchpoints)),
        kinds=files.kinds,
        lifecycle=files.lifecycle,
        report=raise_error,
        channels=files.channels,
    )
    register.add(tp.id for tp in book.touchpoints())
    return book.items()


def partitioned(
    files: BookFiles, register: IdRegister
) -> Generator[tuple[Customer, Timeline], None, None]:
    """Yield customers and timelines from files in any order, one bucket at a time."""
    with tempfile.TemporaryDirectory(prefix="lifecycle-buckets-") as temporary:
        folder = Path(temporary)
        for number in range(partition(files, folder)):
            yield from bucket(files, folder, number, register)


def batched(
    items: Iterator[tuple[Customer, Timeline]], size: int = 128
) -> Generator[tuple[Customer, Timeline], None, None]:
    """Yield *items*, read ahead *size* at a time.

    Reading one customer and evaluating it in turn costs more than reading a
    hundred and evaluating them, as the two kinds of work stop evicting each
    other from the processor's caches.
    """
    while chunk := list(itertools.islice(items, size)):
        yield from chunk


# -- splitting a sorted file among processes ------------------------------------------


def split(files: BookFiles, parts: int) -> list[tuple[Span | None, str | None]]:
    """Cut the sorted touchpoints file into up to *parts* spans of whole customers.

    Returns each span (``None``: the whole file) with the first customer id it
    holds (``None`` for the first span: it starts the range). Cuts are found
    by counting quotes from a row start, so a quoted cell holding a line
    break is never cut.
    """
    file = files.touchpoints
    whole: list[tuple[Span | None, str | None]] = [(None, None)]
    if parts < 2 or file.stat().st_size == 0:
        return whole
    with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        cutter = _Cutter(data, files.format)
        first_row, first_line = cutter.position, cutter.line
        cuts: list[tuple[int, int, str]] = []
        for part in range(1, parts):
            cut = cutter.cut_after(len(data) * part // parts)
            if cut is None:
                break
            cuts.append(cut)
    if not cuts:
        return whole
    spans: list[tuple[Span | None, str | None]] = []
    start, line, low = first_row, first_line, None
    for offset, next_line, key in cuts:
        spans.append((Span(start, offset, line, next_line - line), low))
        start, line, low = offset, next_line, key
    spans.append((Span(start, None, line, None), low))
    return spans


class _Cutter:
    """Walks a sorted file's bytes forward from row start to row start, counting lines."""

    def __init__(self, data: mmap.mmap, fmt: Format) -> None:
        self.data = data
        self.csv = fmt == "csv"
        self.position = 0  # always a row start, on line `line`
        self.line = 1
        self.key_position: int | None = 1
        if self.csv:  # skip the header
            end = self._row_end(0)
            header = next(csv.reader([data[:end].decode("utf-8", "replace")]), [])
            self.key_position = header.index("customer_id") if "customer_id" in header else None
            self._advance(end)

    def _count(self, byte: bytes, start: int, end: int) -> int:
        """How often *byte* occurs in data[start:end], copying at most 1 MiB at a time."""
        data = self.data
        return sum(
            data[at : min(at + _COUNT_CHUNK, end)].count(byte)
            for at in range(start, end, _COUNT_CHUNK)
        )

    def _advance(self, to: int) -> None:
        self.line += self._count(b"\n", self.position, to)
        self.position = to

    def _row_end(self, start: int) -> int:
        """The end (after its line break) of the row starting at *start*."""
        data, end = self.data, start
        while True:
            newline = data.find(b"\n", end)
            if newline < 0:
                return len(data)
            end = newline + 1
            if not self.csv or data[start:end].count(b'"') % 2 == 0:
                return end

    def _row_start_after(self, target: int) -> int:
        """The first row start at or after *target*.

        Quote parity counted from the last known row start tells whether a
        line break lies inside a quoted cell.
        """
        data = self.data
        newline = data.find(b"\n", target)
        # Parity once up to the first candidate, then only what lies between candidates.
        quotes = self._count(b'"', self.position, newline + 1) if self.csv and newline >= 0 else 0
        while newline >= 0:
            if quotes % 2 == 0:
                return newline + 1
            following = data.find(b"\n", newline + 1)
            if following >= 0:
                quotes += data[newline + 1 : following + 1].count(b'"')
            newline = following
        return len(data)

    def _key(self, start: int, end: int) -> str | None:
        text = self.data[start:end]
        try:
            if self.csv:
                cells = next(csv.reader([text.decode("utf-8")]), [])
                position = self.key_position
                return cells[position] if position is not None and len(cells) > position else None
            value = json.loads(text).get("customer_id")
        except (ValueError, csv.Error, AttributeError):
            return None
        return value if isinstance(value, str) else None

    def cut_after(self, target: int) -> tuple[int, int, str] | None:
        """Find the first change of customer after *target*: (offset, line, new id)."""
        size = len(self.data)
        start = self._row_start_after(target) if target > self.position else self.position
        first: str | None = None
        while start < size:
            end = self._row_end(start)
            key = self._key(start, end)
            if key is not None:
                if first is None:
                    first = key
                elif key != first:
                    self._advance(start)
                    return start, self.line, key
            start = end
        return None
