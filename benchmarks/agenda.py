"""Benchmark the agenda end to end: CSV files -> ``lifecycle due --format csv``.

Usage: python benchmarks/agenda.py [N ...] [--repeat R] [--folder DIR] [--modes M,...]
                                  [--decisions]

For each N (default 10000), writes a synthetic book of N customers (about ten
touchpoints each, see synthetic.py), sorted by customer, and a copy whose
touchpoints are in time order; then runs the real command line in a child
process R times (default 3) per mode and reports the median wall time, the
customers per second, the peak resident memory of the largest process, and
the peak of all its processes together (sampled every 100 ms, so as to
take little of the two cores from the command measured).

Modes:
  memory    the book loaded whole, as for a small book (one process)
  stream-1  streamed, one process
  stream-2  streamed, two processes (what `lifecycle due` does on two cores)
  unsorted  streamed, two processes, touchpoints in time order (bucketed first)

With --decisions, each mode also runs on a copy of the book with a
decisions file: a decision on one action in ten of its agenda (done,
dismissed, or snoozed for a week, in turn), reported as "MODE+decided".

A benchmark, not a test: it asserts nothing about speed. The outputs of all
modes are compared and must be the same, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

import lifecycle as lc
from lifecycle.io.rows import DECISION_COLUMNS

AS_OF = synthetic.AS_OF
MODES = ("memory", "stream-1", "stream-2", "unsorted")
# `lifecycle due` streams a book whose touchpoints file holds 8 MiB or more; each
# mode sets that threshold so that any book is loaded (memory) or streamed.
_CLI = (
    "import sys, lifecycle._scale as s; s.STREAM_BYTES = {}; "
    "from lifecycle.cli import main; sys.exit(main())"
)


def _tree_rss(root: int) -> int:
    """Resident bytes of *root* and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_cli(folder: Path, mode: str) -> tuple[float, int, int, str]:
    """Run `lifecycle due` once; return seconds, largest and total peak RSS, output digest."""
    args = ["due", "--book", str(folder), "--format", "csv", "--as-of", AS_OF.isoformat()]
    command = [sys.executable, "-c", _CLI.format(1 << 62 if mode == "memory" else 0), *args]
    if mode != "memory":
        command += ["--workers", "1" if mode == "stream-1" else "2"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out)
        total = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal total
            while not done.wait(0.1):
                total = max(total, _tree_rss(child.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        # wait4 gives this child's own peak (and that of the processes it waited for).
        _, wait_status, usage = os.wait4(child.pid, 0)
        status = child.returncode = os.waitstatus_to_exitcode(wait_status)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        if status:
            raise SystemExit(f"{' '.join(command)} failed with status {status}")
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()
    largest = usage.ru_maxrss * 1024
    return seconds, largest, max(total, largest), digest


def write_decisions(folder: Path, decided: Path) -> int:
    """Copy the book in *folder* to *decided*, with a decision on one action in ten."""
    decided.mkdir(parents=True, exist_ok=True)
    for name in ("customers.csv", "touchpoints.csv"):
        (decided / name).write_bytes((folder / name).read_bytes())
    agenda = lc.Engine(lc.starter_pack()).agenda(lc.stream_book(folder), AS_OF)
    outcomes = ["done", "dismissed", "snoozed"]
    rows = []
    for i, action in enumerate(list(agenda)[::10]):
        outcome = outcomes[i % 3]
        until = (AS_OF + dt.timedelta(days=7)).isoformat() if outcome == "snoozed" else ""
        at = f"{AS_OF.isoformat()}T09:00:00+00:00"
        rows.append([f"d-{i}", action.customer_id, action.policy, action.due.isoformat(),
                     outcome, at, until, "bench", ""])  # fmt: skip
    with open(decided / "decisions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(DECISION_COLUMNS)
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None, help="where to write the books")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes")
    parser.add_argument("--decisions", action="store_true", help="also with a decisions file")
    args = parser.parse_args()
    modes = args.modes.split(",")
    root = args.folder or Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, as of {AS_OF}")
    heading = ("customers", "mode", "median s", "cust/s", "largest MiB", "total MiB")
    print(" ".join(f"{h:>11}" for h in heading))
    for n in args.sizes:
        folder = root / f"book-{n}"
        if not (folder / "customers.csv").exists():
            synthetic.write(n, folder)
        by_time = root / f"by-time-{n}"
        if "unsorted" in modes and not (by_time / "touchpoints.csv").exists():
            by_time.mkdir(parents=True, exist_ok=True)
            (by_time / "customers.csv").write_bytes((folder / "customers.csv").read_bytes())
            (by_time / "touchpoints.csv").write_bytes((folder / "touchpoints.csv").read_bytes())
            synthetic.by_time(by_time / "touchpoints.csv")
        decided = root / f"decided-{n}"
        if args.decisions and not (decided / "decisions.csv").exists():
            write_decisions(folder, decided)
        digests: dict[bool, set[str]] = {False: set(), True: set()}
        for mode in modes:
            books = {False: by_time if mode == "unsorted" else folder}
            if args.decisions and mode != "unsorted":  # the decided copy is sorted by customer
                books[True] = decided
            # With decisions, the two books take turns, run by run: the load drifts.
            runs: dict[bool, list[tuple[float, int, int, str]]] = {k: [] for k in books}
            for _ in range(args.repeat):
                for with_decisions, book in books.items():
                    runs[with_decisions].append(run_cli(book, mode))
            for with_decisions, found in runs.items():
                seconds = statistics.median(r[0] for r in found)
                largest = max(r[1] for r in found)
                total = max(r[2] for r in found)
                digests[with_decisions].update(r[3] for r in found)
                label = f"{mode}+decided" if with_decisions else mode
                cells = (n, label, f"{seconds:.2f}", f"{n / seconds:.0f}",
                         f"{largest / 2**20:.0f}", f"{total / 2**20:.0f}")  # fmt: skip
                print(" ".join(f"{c:>11}" for c in cells), flush=True)
        if any(len(found) > 1 for found in digests.values()):
            raise SystemExit(f"the modes printed different agendas for {n} customers")


if __name__ == "__main__":
    main()
