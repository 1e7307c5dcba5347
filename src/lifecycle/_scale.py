"""Large books from the command line: streamed, worked out in parts, by several processes.

``lifecycle due`` on a large book never loads it. The touchpoints file, if
sorted by customer, is cut into one span of whole customers per process
(`split`); each process streams its span, works out the agenda a chunk of
customers at a time and writes each chunk's rendered lines, sorted, to a
temporary run file. The parent merges the runs into agenda order while it
writes them out. A file that is not sorted is first spread over bucket files
by customer (`partition`), and the processes share the buckets.

Memory stays bounded by a chunk of customers per process plus a batch of
lines per run; the output is the same, byte for byte, as for the book
loaded in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import pickle
import select
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from lifecycle import _batches
from lifecycle._agenda_output import OutputFormat, Runs, render
from lifecycle._gc import collector_paused
from lifecycle.customers import Customer
from lifecycle.engine import Engine
from lifecycle.errors import BookOrderError, LifecycleError
from lifecycle.io import stream_book
from lifecycle.io._files import BookFiles
from lifecycle.io._stream import (
    IdRegister,
    NoSuchCustomer,
    batched,
    bucket,
    merged,
    partition,
    split,
)
from lifecycle.timeline import Timeline

__all__ = ["agenda_runs", "large"]

T = TypeVar("T")

#: A book whose touchpoints file holds this many bytes or more is streamed (about 9,000 customers).
STREAM_BYTES = 8 << 20
#: Customers per run: what one process holds at a time, beside the lines of its runs.
CHUNK = 20_000
_MAX_WORKERS = 8


def large(folder: Path) -> bool:
    """Whether the book in *folder* is large enough to be streamed rather than loaded."""
    for name in ("touchpoints.csv", "touchpoints.jsonl"):
        file = folder / name
        if file.is_file() and file.stat().st_size >= STREAM_BYTES:
            return True
    return False


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class _Run(NamedTuple):
    files: tuple[Path, Path, Path]
    counts: tuple[int, int, int]


class _Part(NamedTuple):
    runs: list[_Run]
    ids: list[bytes]


class _Chunk:
    """A chunk of customers with their timelines, for `Engine.agenda`."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[Customer, Timeline]]) -> None:
        self._items = items

    def items(self) -> list[tuple[Customer, Timeline]]:
        return self._items


# Reading makes millions of objects, none in cycles: the collector would only rescan them.
@collector_paused()
def _evaluate(
    items: Iterator[tuple[Customer, Timeline]],
    engine: Engine,
    as_of: dt.date,
    fmt: OutputFormat,
    *,
    folder: Path,
    name: str,
) -> list[_Run]:
    """Work out the agenda of *items* a chunk at a time, writing each as a sorted run."""
    runs: list[_Run] = []
    while chunk := list(itertools.islice(items, CHUNK)):
        number = len(runs)
        rendered = render(engine.agenda(_Chunk(chunk), as_of), fmt)
        files = (
            folder / f"{name}-{number}.actions",
            folder / f"{name}-{number}.held",
            folder / f"{name}-{number}.skipped",
        )
        counts = (
            _batches.write(rendered.actions, files[0]),
            _batches.write(rendered.held_back, files[1]),
            _batches.write(rendered.skipped, files[2]),
        )
        runs.append(_Run(files, counts))
    return runs


def _sorted_parts(
    files: BookFiles, work: Callable[[Iterator[Any], str], list[_Run]], workers: int
) -> list[_Part]:
    def task(span_index: int) -> Callable[[], _Part]:
        span, low = spans[span_index]
        high = spans[span_index + 1][1] if span_index + 1 < len(spans) else None

        def run() -> _Part:
            register = IdRegister()
            items = batched(merged(files, register, span, low, high))
            return _Part(work(items, f"span{span_index}"), register.to_bytes())

        return run

    spans = split(files, workers)
    return _run_all([task(i) for i in range(len(spans))])


def _unsorted_parts(
    files: BookFiles,
    work: Callable[[Iterator[Any], str], list[_Run]],
    workers: int,
    folder: Path,
) -> list[_Part]:
    count = partition(files, folder)

    def task(worker: int) -> Callable[[], _Part]:
        def run() -> _Part:
            register = IdRegister()
            mine = range(worker, count, workers)
            items = itertools.chain.from_iterable(
                bucket(files, folder, number, register) for number in mine
            )
            return _Part(work(items, f"buckets{worker}"), register.to_bytes())

        return run

    return _run_all([task(w) for w in range(min(workers, count))])


@contextlib.contextmanager
def agenda_runs(
    folder: Path, engine: Engine, as_of: dt.date, fmt: OutputFormat, *, workers: int | None
) -> Iterator[Runs]:
    """Work out the agenda of the book in *folder*, streamed; yield its runs, ready to merge.

    Raises:
        BookFormatError: for a bad file or row, as `read_book` would.
    """
    stream = stream_book(folder)
    files = stream.files
    count = min(workers or _cores(), _MAX_WORKERS) if hasattr(os, "fork") else 1
    with tempfile.TemporaryDirectory(prefix="lifecycle-runs-") as temporary:
        root = Path(temporary)

        def work(items: Iterator[Any], name: str) -> list[_Run]:
            return _evaluate(items, engine, as_of, fmt, folder=root, name=name)

        try:
            parts = _sorted_parts(files, work, count)
        except (BookOrderError, NoSuchCustomer):
            buckets = root / "buckets"
            buckets.mkdir()
            parts = _unsorted_parts(files, work, count, buckets)
        register = IdRegister()
        for part in parts:
            register.merge(part.ids)
        register.check(files)
        runs = [run for part in parts for run in part.runs]
        yield Runs(
            [_batches.read(run.files[0]) for run in runs],
            [_batches.read(run.files[1]) for run in runs],
            [_batches.read(run.files[2]) for run in runs],
            (
                sum(run.counts[0] for run in runs),
                sum(run.counts[1] for run in runs),
                sum(run.counts[2] for run in runs),
            ),
        )


# -- processes ----------------------------------------------------------------------


def _run_all(tasks: list[Callable[[], T]]) -> list[T]:
    """Run each task in a forked process (one task: in this one); return their results.

    The first error any task raises is raised here, once every process has
    stopped (the others are stopped at once).
    """
    if len(tasks) == 1:
        return [tasks[0]()]
    children = [_fork(task) for task in tasks]
    results: dict[int, T] = {}
    try:
        waiting = {fd: index for index, (_, fd) in enumerate(children)}
        while waiting:
            ready, _, _ = select.select(list(waiting), [], [])
            for fd in ready:
                index = waiting.pop(fd)
                ok, value = _answer(fd)
                if not ok:
                    raise value
                results[index] = value
    finally:
        for pid, _ in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    return [results[i] for i in range(len(tasks))]


def _answer(fd: int) -> tuple[bool, Any]:
    with os.fdopen(fd, "rb") as pipe:
        try:
            answer: tuple[bool, Any] = pickle.load(pipe)  # from our own child process
        except EOFError:
            return False, LifecycleError("a worker process stopped without an answer")
    return answer


def _fork(task: Callable[[], T]) -> tuple[int, int]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; the tasks are covered in one process
        os.close(reader)
        answer: tuple[bool, Any]
        try:
            answer = (True, task())
        except LifecycleError as e:
            answer = (False, e)
        except BaseException as e:
            answer = (False, LifecycleError(f"a worker process failed: {e!r}"))
        with os.fdopen(writer, "wb") as pipe:
            try:
                pipe.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            except Exception:
                pipe.write(pickle.dumps((False, LifecycleError(str(answer[1])))))
        os._exit(0)
    os.close(writer)
    return pid, reader
