"""Interrupts: SIGINT and SIGTERM end a command cleanly; workers die with their parent.

The command line runs in a child process on a streamed book whose workers,
once they have written some runs, leave a mark and wait; the test signals the
command only then, so nothing depends on how fast the machine is.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lifecycle as lc
from lifecycle import cli

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")

# Every book is streamed, in chunks of five customers (an unsorted one in buckets
# of a few customers, so that two processes share them); after its first runs each
# part leaves a mark named by its process id and waits to be interrupted.
DRIVER = """
import os, sys, time
from pathlib import Path
import lifecycle._scale as s
import lifecycle.io._stream as t
s.STREAM_BYTES = 0
s.CHUNK = 5
t.BUCKET_BYTES = 2000
evaluate = s._evaluate
def stuck(job, items, name):
    runs = evaluate(job, items, name)
    Path(os.environ["MARKS"], str(os.getpid())).write_text(name)
    time.sleep(600)
    return runs
s._evaluate = stuck
from lifecycle.cli import main
sys.exit(main())
"""
PATIENCE = 60.0  # seconds: a bound on each wait, never an expectation


def _poll(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:  # pragma: no cover - only when the test fails
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Whether process *pid* still runs (a zombie has ended: only its entry is left)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The commands a test starts, ended (with all their processes) if the test fails."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        # Each command leads a process group of its own: whatever is left of it goes.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Run:
    """`lifecycle due` on a copy of the sample book, in a child process."""

    def __init__(
        self,
        tmp_path: Path,
        started: list[subprocess.Popen[bytes]],
        *,
        workers: int,
        shuffled: bool = False,
    ) -> None:
        book = tmp_path / "book"
        lc.write_book(lc.sample_book(), book)
        if shuffled:  # rows one per line: the sample book has no line breaks in cells
            for name in ("customers.csv", "touchpoints.csv"):
                header, *rows = (book / name).read_text(encoding="utf-8").splitlines(True)
                (book / name).write_text(header + "".join(reversed(rows)), encoding="utf-8")
        self.temporary = tmp_path / "tmp"
        self.marks = tmp_path / "marks"
        self.temporary.mkdir()
        self.marks.mkdir()
        self.workers = workers
        self.err = tmp_path / "err"
        source = str(Path(lc.__file__).parents[1])
        env = {
            **os.environ,
            "TMPDIR": str(self.temporary),
            "MARKS": str(self.marks),
            "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]),
        }
        args = ["due", "--book", str(book), "--as-of", "2026-03-02", "--workers", str(workers)]
        with self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", DRIVER, *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        started.append(self.process)

    def wait_for_marks(self) -> list[int]:
        """The process ids of the command's parts, once each has made runs and waits."""

        def marked() -> bool:
            if self.process.poll() is not None:  # pragma: no cover - only when the test fails
                pytest.fail(f"the command ended early: {self.err.read_text()}")
            return len(list(self.marks.iterdir())) == self.workers

        _poll(marked, "the command's parts to start")
        assert any(self.temporary.rglob("*.actions"))  # runs exist to be removed
        return [int(mark.name) for mark in self.marks.iterdir()]

    def wait(self) -> int:
        _poll(lambda: self.process.poll() is not None, "the command to end")
        return self.process.returncode


@pytest.mark.parametrize(
    ("signum", "status", "workers", "shuffled"),
    [
        (signal.SIGINT, 130, 2, False),
        (signal.SIGTERM, 143, 2, False),
        (signal.SIGTERM, 143, 2, True),
        (signal.SIGINT, 130, 1, False),
        (signal.SIGTERM, 143, 1, True),
    ],
)
def test_a_signal_ends_the_command_cleanly(
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
    signum: int,
    status: int,
    workers: int,
    shuffled: bool,
):
    """Exit 130/143, one line on stderr, no temporary file left, no worker left."""
    run = Run(tmp_path, started, workers=workers, shuffled=shuffled)
    parts = run.wait_for_marks()
    run.process.send_signal(signum)
    assert run.wait() == status
    name = signal.Signals(signum).name
    assert run.err.read_text() == (
        f"lifecycle due: interrupted by {name}; the output is incomplete\n"
    )
    assert list(run.temporary.iterdir()) == []
    assert not any(_alive(pid) for pid in parts)


def test_ctrl_c_reaches_every_process_and_only_the_command_answers(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
):
    """A terminal sends SIGINT to the whole process group: workers leave it to the parent."""
    run = Run(tmp_path, started, workers=2)
    parts = run.wait_for_marks()
    os.killpg(run.process.pid, signal.SIGINT)
    assert run.wait() == 130
    assert run.err.read_text() == (
        "lifecycle due: interrupted by SIGINT; the output is incomplete\n"
    )
    assert list(run.temporary.iterdir()) == []
    assert not any(_alive(pid) for pid in parts)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path, started: list[subprocess.Popen[bytes]]):
    """SIGKILL gives the parent no chance to clean up: the workers end all the same."""
    run = Run(tmp_path, started, workers=2)
    parts = run.wait_for_marks()
    assert all(_alive(pid) for pid in parts)
    run.process.kill()
    assert run.wait() == -signal.SIGKILL
    _poll(lambda: not any(_alive(pid) for pid in parts), "the workers to end")


# -- in this process: the handlers come and go with main ------------------------------


def test_a_signal_during_a_command_ends_it_and_the_handlers_are_restored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    def interrupted(args: object, out: object) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(PATIENCE)  # the handler raises long before
        raise AssertionError("not interrupted")  # pragma: no cover

    monkeypatch.setitem(cli._COMMANDS, "summary", interrupted)
    assert cli.main(["summary"]) == 143
    assert capsys.readouterr().err == (
        "lifecycle summary: interrupted by SIGTERM; the output is incomplete\n"
    )
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_signal_ignored_at_the_start_stays_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """As `cmd &` in a script leaves SIGINT ignored: the command must not catch it then."""
    seen: list[object] = []

    def command(args: object, out: object) -> int:
        seen.append(signal.getsignal(signal.SIGINT))
        os.kill(os.getpid(), signal.SIGINT)  # ignored: the command goes on
        return 0

    monkeypatch.setitem(cli._COMMANDS, "summary", command)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert cli.main(["summary"]) == 0
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIG_IGN]
    assert capsys.readouterr().err == ""


def test_main_outside_the_main_thread_installs_no_handler(capsys: pytest.CaptureFixture[str]):
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def command() -> None:
        seen.append(cli.main(["summary", "--format", "json"]))

    thread = threading.Thread(target=command)
    thread.start()
    thread.join()
    assert seen == [0]
    assert signal.getsignal(signal.SIGTERM) == before
    assert '"stages"' in capsys.readouterr().out


def test_the_library_installs_no_signal_handler_and_leaves_the_collector_alone(
    tmp_path: Path,
):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    engine = lc.Engine(lc.starter_pack())
    seen: list[bool] = []

    class Watch:
        def verdicts(
            self, customer: lc.Customer, timeline: lc.Timeline, as_of: object
        ) -> list[object]:
            seen.append(gc.isenabled())
            return []

    lc.write_book(lc.sample_book(), tmp_path)
    book = lc.read_book(tmp_path)
    engine.agenda(book, lc.SAMPLE_AS_OF)
    lc.Engine([Watch()]).agenda(book, lc.SAMPLE_AS_OF)
    lc.IncrementalAgenda(lc.Engine([Watch()]), book, lc.SAMPLE_AS_OF)
    assert seen and all(seen)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_the_command_line_pauses_the_collector_for_its_command_only(
    monkeypatch: pytest.MonkeyPatch,
):
    seen: list[bool] = []

    def command(args: object, out: object) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setitem(cli._COMMANDS, "summary", command)
    assert cli.main(["summary"]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert cli.main(["summary"]) == 0
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
    assert seen == [False, False]
