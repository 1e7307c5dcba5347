"""Benchmark the forecast against one agenda, on a book already written.

Usage: python benchmarks/forecast.py FOLDER [--days D] [--repeat R]

Loads the book in FOLDER (see synthetic.py), then times one agenda on the
synthetic reference date and a forecast of D days (default 14) from it, each
R times (default 3), and reports the medians.

A benchmark, not a test: it asserts nothing about speed. It checks the
forecast against each day's uncapped agenda (what it must equal), outside
the timing: a benchmark of a wrong answer is worth nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

import lifecycle as lc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    book = lc.read_book(args.folder)
    engine = lc.Engine(lc.starter_pack())
    start = synthetic.AS_OF
    end = start + dt.timedelta(days=args.days - 1)
    agendas, forecasts = [], []
    for _ in range(args.repeat):
        began = time.perf_counter()
        engine.agenda(book, start)
        agendas.append(time.perf_counter() - began)
        began = time.perf_counter()
        forecast = engine.forecast(book, start, end)
        forecasts.append(time.perf_counter() - began)
    uncapped = lc.Engine(lc.starter_pack(), cap=None)
    for day, actions in forecast.days.items():
        if list(actions) != [a for a in uncapped.agenda(book, day) if a.due == day]:
            sys.exit(f"the forecast differs from the agenda of {day}")
    listed = sum(len(actions) for actions in forecast.days.values())
    print(f"{len(book):,} customers; {args.days} days forecast, {listed:,} actions listed")
    for label, times in (("one agenda", agendas), ("forecast", forecasts)):
        each = ", ".join(f"{t:.3f}" for t in times)
        print(f"{label:>10}: median {statistics.median(times):.3f} s  ({each})")


if __name__ == "__main__":
    main()
