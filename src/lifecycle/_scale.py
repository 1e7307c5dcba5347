"""Large books from the command line: streamed, worked out in parts, by several processes.

``lifecycle due`` on a large book never loads it. The touchpoints file, if
sorted by customer, is cut into one span of whole customers per process
(`split`); each process streams its span, works out the agenda a chunk of
customers at a time and writes each chunk's rendered lines, sorted, to a
temporary run file. The parent merges the runs into agenda order while it
writes them out. A file that is not sorted is first spread over bucket files
by customer (`partition`), and the processes share the buckets.

The decisions file is read whole, once, before the processes start (they
share it as forked); each gives its customers their decisions.

Memory stays bounded by a chunk of customers per process plus a batch of
lines per run; the output is the same, byte for byte, as for the book
loaded in memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import itertools
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from lifecycle import _batches
from lifecycle._agenda_output import Only, OutputFormat, Runs, render
from lifecycle.customers import Customer
from lifecycle.engine import Engine
from lifecycle.errors import BookFormatError, BookOrderError, InvalidValueError, LifecycleError
from lifecycle.io import stream_book
from lifecycle.io.parts import (
    BookFiles,
    Decided,
    IdRegister,
    NoSuchCustomer,
    Span,
    batched,
    bucket,
    merged,
    partition,
    read_decisions,
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
# Workers are forked, not spawned: the policies a command runs may hold closures
# (they cannot be pickled), and the id register compares `hash()` values made in
# different processes, which agree only between a process and its forks.
_FORK = "fork" in multiprocessing.get_all_start_methods()


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
    decided: set[str]  # the customers given their decisions


class _Job(NamedTuple):
    """What every part of one command's work shares."""

    files: BookFiles
    engine: Engine
    as_of: dt.date
    fmt: OutputFormat
    folder: Path
    decisions: Decided = Decided({}, {}, "", "")
    only: Only | None = None
    # Customers worked out (a multiprocessing.Value), and what draws the progress line
    # (only in this process: a worker's job has none).
    progress: Any = None
    tick: Callable[[], None] | None = None


class _Chunk:
    """A chunk of customers with their timelines, for `Engine.agenda`."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[Customer, Timeline]]) -> None:
        self._items = items

    def items(self) -> list[tuple[Customer, Timeline]]:
        return self._items


def _evaluate(job: _Job, items: Iterator[tuple[Customer, Timeline]], name: str) -> list[_Run]:
    """Work out the agenda of *items* a chunk at a time, writing each as a sorted run."""
    runs: list[_Run] = []
    while chunk := list(itertools.islice(items, CHUNK)):
        number = len(runs)
        try:
            agenda = job.engine.agenda(_Chunk(chunk), job.as_of)
        except Exception as e:
            raise _failed_customer(job, chunk, e) from e
        rendered = render(agenda, job.fmt, job.only)
        files = (
            job.folder / f"{name}-{number}.actions",
            job.folder / f"{name}-{number}.held",
            job.folder / f"{name}-{number}.skipped",
        )
        counts = (
            _batches.write(rendered.actions, files[0]),
            _batches.write(rendered.held_back, files[1]),
            _batches.write(rendered.skipped, files[2]),
        )
        runs.append(_Run(files, counts))
        if job.progress is not None:
            with job.progress.get_lock():
                job.progress.value += len(chunk)
            (job.tick or _quiet)()
    return runs


def _failed_customer(
    job: _Job, chunk: list[tuple[Customer, Timeline]], error: Exception
) -> LifecycleError:
    """The library's error for the customer of *chunk* whose agenda raised *error*.

    Found by working the chunk out again one customer at a time (only once
    something failed), then named by its row of the customers file.
    """
    for item in chunk:
        try:
            job.engine.agenda(_Chunk([item]), job.as_of)
        except Exception as e:
            return _customer_error(job.files, item[0].id, e)
    return _customer_error(job.files, None, error)  # pragma: no cover - the engine is pure


def _customer_error(files: BookFiles, cid: str | None, error: Exception) -> BookFormatError:
    line = next(
        (n for n, row in files.rows(files.customers) if row.get("customer_id") == cid), None
    )
    return BookFormatError(
        str(files.customers),
        f"is a customer whose agenda cannot be worked out: {type(error).__name__}: {error}",
        line=line,
        column="customer_id" if cid is not None else None,
        value=cid,
    )


def _span_part(job: _Job, spans: list[tuple[Span | None, str | None]], index: int) -> _Part:
    """Work out the customers of one span of a sorted book."""
    span, low = spans[index]
    high = spans[index + 1][1] if index + 1 < len(spans) else None
    register = IdRegister()
    seen: set[str] = set()
    items = job.decisions.attach(batched(merged(job.files, register, span, low, high)), seen)
    return _Part(_evaluate(job, items, f"span{index}"), register.to_bytes(), seen)


def _buckets_part(job: _Job, buckets: Path, numbers: range, worker: int) -> _Part:
    """Work out the customers of some buckets of an unsorted book."""
    register = IdRegister()
    seen: set[str] = set()
    items = itertools.chain.from_iterable(
        bucket(job.files, buckets, number, register) for number in numbers
    )
    return _Part(
        _evaluate(job, job.decisions.attach(items, seen), f"buckets{worker}"),
        register.to_bytes(),
        seen,
    )


@contextlib.contextmanager
def agenda_runs(
    folder: Path,
    engine: Engine,
    as_of: dt.date,
    fmt: OutputFormat,
    *,
    workers: int | None,
    only: Only | None = None,
    progress: tuple[Any, Callable[[], None]] | None = None,
) -> Iterator[Runs]:
    """Work out the agenda of the book in *folder*, streamed; yield its runs, ready to merge.

    Each part renders only what *only* shows (see `Only`). With
    *progress*, (a ``multiprocessing.Value``, a function), the value is added
    to as chunks of customers are done, by every process, and the function
    is called now and then, in this process only, to show it.

    The runs live in a temporary folder only the owner can read, removed on
    leaving, whatever happens; the worker processes have ended by then.

    The engine must have no capacity: a capacity counts an owner's actions
    across the whole book, and each part here sees only its own customers.

    Raises:
        BookFormatError: for a bad file or row, as `read_book` would.
        InvalidValueError: for an engine with a capacity.
    """
    if engine.capacity is not None:
        raise InvalidValueError(
            "engine", engine, "has a capacity, which parts of a book cannot apply alone"
        )
    stream = stream_book(folder)
    files = stream.files
    count = min(workers or _cores(), _MAX_WORKERS) if _FORK else 1
    decisions = read_decisions(files)
    with tempfile.TemporaryDirectory(prefix="lifecycle-runs-") as temporary:
        shared, tick = progress or (None, None)
        job = _Job(files, engine, as_of, fmt, Path(temporary), decisions, only, shared, tick)
        try:
            spans = split(files, count)
            parts = _run_all(job, [(_span_part, (spans, i)) for i in range(len(spans))])
        except (BookOrderError, NoSuchCustomer):
            buckets = job.folder / "buckets"
            buckets.mkdir(mode=0o700)
            number = partition(files, buckets)
            tasks = [
                (_buckets_part, (buckets, range(w, number, count), w))
                for w in range(min(count, number))
            ]
            parts = _run_all(job, tasks)
        register = IdRegister()
        for part in parts:
            register.merge(part.ids)
        register.check(files)
        decisions.check({cid for part in parts for cid in part.decided})
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

_Task = tuple[Callable[..., T], tuple[Any, ...]]


def _run_all(job: _Job, tasks: list[_Task[T]]) -> list[T]:
    """Run each task, ``task(job, *args)``, in a process of its own (one task: in this one).

    The first error a task raises (in task order, among those that failed
    before the others finished) is raised here. Whatever ends the call, an
    error or an interrupt, every worker has ended when it returns.
    """
    if len(tasks) == 1:
        task, args = tasks[0]
        return [task(job, *args)]
    tick = job.tick
    reader, writer = os.pipe()
    pool = ProcessPoolExecutor(
        len(tasks),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        # The workers' job has no tick (the last field): only this process draws.
        initargs=(_Job(*job[:-1]), reader, writer, os.getpid()),
    )
    try:
        futures = [pool.submit(_call, task, *args) for task, args in tasks]
        done, pending = wait(futures, timeout=_TICK, return_when=FIRST_EXCEPTION)
        while pending and tick is not None and not any(f.exception() for f in done):
            tick()
            done, pending = wait(futures, timeout=_TICK, return_when=FIRST_EXCEPTION)
        for future in futures:
            error = future.exception() if future in done else None
            if error is not None:
                raise error
        results = [future.result() for future in futures]
        pool.shutdown(wait=True)  # each worker ends of itself
        return results
    except BrokenProcessPool:
        raise LifecycleError("a worker process stopped without an answer") from None
    finally:
        # Closing the lifeline ends at once any worker still at work (see _watch).
        os.close(writer)
        pool.shutdown(wait=True, cancel_futures=True)
        os.close(reader)


#: Seconds between looks at the workers' progress, while they work.
_TICK = 0.25


def _quiet() -> None:  # pragma: no cover - in workers
    """Draw nothing: a worker adds to the count, the parent shows it."""


# The job of a worker process, set by _start_worker in the worker only: fork hands
# it over as it is, where a task's arguments would have to be pickled.
_worker_job: list[_Job] = []


def _call(task: Callable[..., T], *args: Any) -> T:  # pragma: no cover - in workers
    return task(_worker_job[0], *args)


def _start_worker(
    job: _Job, lifeline: int, parent_end: int, parent: int
) -> None:  # pragma: no cover - in workers
    """Set up a worker process: its job, and its end when the parent ends or says so.

    Portable (POSIX): a thread waits on the read end of a pipe (the lifeline)
    whose write end only the parent holds; it reads end-of-file when the
    parent closes it or dies, however it dies, and ends the worker at once.
    On Linux the kernel also kills the worker when the parent dies
    (``PR_SET_PDEATHSIG``), even if the worker's thread cannot run; strictly,
    when the parent's thread that forked it ends: the caller's, which waits
    in `_run_all` until the workers have ended.
    Interrupts are the parent's to handle: the worker ignores SIGINT (a
    terminal sends it to every process of the group) and dies of SIGTERM.
    """
    _worker_job.append(job)
    os.close(parent_end)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch, args=(lifeline,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(_STOPPED)


_PR_SET_PDEATHSIG = 1
_STOPPED = 70


def _watch(lifeline: int) -> None:  # pragma: no cover - in workers
    with contextlib.suppress(OSError):
        while os.read(lifeline, 1):
            pass
    os._exit(_STOPPED)
