"""Benchmark the agenda end to end: CSV files -> ``lifecycle due --format csv``.

Usage: python benchmarks/agenda.py [N ...] [--repeat R] [--folder DIR]

For each N (default 10000), writes a synthetic book of N customers (about ten
touchpoints each, see synthetic.py), then runs the real command line in a
child process R times (default 3) and reports the median wall time, the
customers per second, and the child's peak resident memory. Also reports the
split between reading the book and working out the agenda, measured in this
process. A benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

import lifecycle as lc

AS_OF = synthetic.AS_OF


def run_cli(folder: Path) -> tuple[float, int, int]:
    """Run `lifecycle due` once; return seconds, peak RSS in bytes, and output rows."""
    command = [
        sys.executable,
        "-m",
        "lifecycle",
        "due",
        "--book",
        str(folder),
        "--format",
        "csv",
        "--as-of",
        AS_OF.isoformat(),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: only trust it when it grew.
    peak = max(peak_kib, before) * 1024
    return seconds, peak, done.stdout.count(b"\n") - 1


def split(folder: Path) -> tuple[float, float, int]:
    """Time reading the book and working out the agenda, in this process."""
    start = time.perf_counter()
    book = lc.read_book(folder)
    read = time.perf_counter() - start
    start = time.perf_counter()
    lc.Engine(lc.starter_pack()).agenda(book, AS_OF)
    return read, time.perf_counter() - start, book.touchpoint_count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None, help="where to write the books")
    args = parser.parse_args()
    root = args.folder or Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, as of {AS_OF}")
    heading = ("customers", "touchpoints", "median s", "cust/s", "peak MiB", "read s", "agenda s")
    print(" ".join(f"{h:>11}" for h in (*heading, "actions")))
    for n in args.sizes:
        folder = root / f"book-{n}"
        if not (folder / "customers.csv").exists():
            synthetic.write(n, folder)
        runs = [run_cli(folder) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        read, agenda, touchpoints = split(folder)
        cells = (n, touchpoints, f"{seconds:.2f}", f"{n / seconds:.0f}", f"{peak / 2**20:.0f}",
                 f"{read:.2f}", f"{agenda:.2f}", runs[0][2])  # fmt: skip
        print(" ".join(f"{c:>11}" for c in cells))


if __name__ == "__main__":
    main()
