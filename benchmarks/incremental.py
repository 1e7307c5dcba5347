"""Benchmark the incremental agenda: new touchpoints, then the next day's agenda.

Usage: python benchmarks/incremental.py FOLDER [--batches 1000,10000,100000] [--rounds R]
                                       [--every-day N] [--decisions D]

Loads the book in FOLDER (see synthetic.py), builds a `lifecycle.IncrementalAgenda`
on the synthetic reference date, then moves one day at a time: R rounds of a
day with no new touchpoints and of each smaller batch; then N days in a row
of 10,000 new touchpoints ("every day": a daily job in its steady state, where
the follow-ups of the days before come due too); then R days of the largest
batch. Each day makes that many new touchpoints for random customers, dated
that day (outside the timing), and times ``add`` + ``agenda(day)``.
Then R days on which the team records D decisions (default 1,000: done,
dismissed or snoozed for a week) on random actions of the day before's
agenda, and times ``decide`` + ``agenda(day)``.
Also times reading the first 100 actions of each "every day" agenda (only
those are put in order), reading every action of a
no-touchpoint day's agenda (each is made as it is read), and one full
evaluation by the engine for comparison.
Reports medians.

Checks the last agenda against the engine's for the same book (``==``):
a benchmark of a wrong answer is worth nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

import lifecycle as lc

KINDS = [
    ("check_in", 30),
    ("inquiry", 25),
    ("nps", 10),
    ("complaint", 8),
    ("resolution", 8),
    ("health_check", 8),
    ("purchase", 5),
    ("onboarding", 3),
    ("referral", 3),
]


def _touchpoints(
    ids: list[str], n: int, day: dt.date, rng: random.Random, start: int
) -> list[lc.Touchpoint]:
    kinds, weights = zip(*KINDS, strict=True)
    made = []
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        at = dt.datetime.combine(
            day, dt.time(rng.randrange(8, 18), rng.randrange(60)), tzinfo=dt.UTC
        )
        made.append(
            lc.Touchpoint(
                id=f"new-{start + i}",
                customer_id=rng.choice(ids),
                at=at,
                channel=rng.choice(["email", "phone", "web", "chat"]),
                kind=kind,
                direction=rng.choice(["inbound", "outbound"]),
                score=rng.randrange(11) if kind == "nps" else None,
            )
        )
    return made


def _decisions(
    agenda: lc.Agenda, n: int, day: dt.date, rng: random.Random, start: int
) -> list[lc.Decision]:
    chosen = rng.sample(list(agenda), min(n, len(agenda)))
    outcomes = ["done", "dismissed", "snoozed"]
    at = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    return [
        lc.Decision(
            id=f"d-{start + i}",
            customer_id=a.customer_id,
            policy=a.policy,
            due=a.due,
            outcome=outcomes[i % 3],
            at=at,
            until=day + dt.timedelta(days=7) if i % 3 == 2 else None,
        )
        for i, a in enumerate(chosen)
    ]


def _decision_days(
    live: lc.IncrementalAgenda,
    agenda: lc.Agenda,
    day: dt.date,
    args: argparse.Namespace,
    *,
    rng: random.Random,
    times: dict[str, list[float]],
) -> tuple[dt.date, lc.Agenda]:
    """Time the days on which the team records decisions on the day before's actions."""
    times["decisions"] = []
    for round_ in range(args.rounds):
        day += dt.timedelta(days=1)
        decided = _decisions(agenda, args.decisions, day, rng, round_ * args.decisions)
        began = time.perf_counter()
        live.decide(decided)
        agenda = live.agenda(day)
        times["decisions"].append(time.perf_counter() - began)
    return day, agenda


def _report(times: dict[str, list[float]]) -> None:
    for name, found in times.items():
        if not found:
            continue
        shown = ", ".join(f"{t:.3f}" for t in found)
        label = name if name in {"read all", "every day", "top 100", "decisions"} else f"{name} new"
        print(f"a day, {label:>12}: median {statistics.median(found):.3f} s  ({shown})")


def _time_reads(agenda: lc.Agenda, size: int, label: str, times: dict[str, list[float]]) -> int:
    """Time reading a day's agenda; return how many actions were read in all (0: not read).

    The first 100 actions on "every day" days; every action on days with nothing new.
    """
    if label == "every day":
        began = time.perf_counter()
        agenda[:100]
        times["top 100"].append(time.perf_counter() - began)
    if size:
        return 0
    began = time.perf_counter()
    count = sum(1 for _ in agenda) + sum(1 for _ in agenda.held_back)
    times["read all"].append(time.perf_counter() - began)
    return count


def _plan(batches: list[int], rounds: int, every_day: int) -> list[tuple[int, str]]:
    """The days to run: how many new touchpoints each, and the label it reports under."""
    plan: list[tuple[int, str]] = []
    for _ in range(rounds):
        plan += [(b, f"{b:,}" if b else "none") for b in [0, *batches] if b < max(batches)]
    plan += [(10_000, "every day")] * every_day
    plan += [(max(batches), f"{max(batches):,}")] * rounds
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--batches", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--every-day", type=int, default=7, metavar="N")
    parser.add_argument("--decisions", type=int, default=1000, metavar="D")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    rng = random.Random(7)
    engine = lc.Engine(lc.starter_pack())

    began = time.perf_counter()
    book = lc.read_book(args.folder)
    loaded = time.perf_counter() - began
    print(f"{len(book):,} customers, {book.touchpoint_count:,} touchpoints; read in {loaded:.1f} s")
    day = synthetic.AS_OF
    began = time.perf_counter()
    live = lc.IncrementalAgenda(engine, book, day)
    print(f"built in {time.perf_counter() - began:.1f} s")
    ids = list(book.customer_ids)
    del book
    # As the how-to advises for a long-lived process: the objects built so far
    # stay, so keep the cyclic collector from walking them again and again.
    gc.collect()
    gc.freeze()

    # One day at a time, as a daily job runs: first the rounds of a day with no
    # new touchpoints and of the smaller batches, then 10,000 new touchpoints
    # day after day (the steady state of a busy book), then the days of the
    # largest batch (whose aftermath, many actions coming due two or three days
    # later, would weigh on the days after them).
    plan = _plan(batches, args.rounds, args.every_day)
    times: dict[str, list[float]] = {"none": [], "read all": [], "top 100": []}
    times.update({label: [] for _, label in plan})
    made = 0
    count = 0
    for size, label in plan:
        day += dt.timedelta(days=1)
        new = _touchpoints(ids, size, day, rng, made)
        made += size
        began = time.perf_counter()
        live.add(new)
        agenda = live.agenda(day)
        times[label].append(time.perf_counter() - began)
        count = _time_reads(agenda, size, label, times) or count
    day, agenda = _decision_days(live, agenda, day, args, rng=rng, times=times)
    print(
        f"agenda of {len(agenda):,} actions, {len(agenda.held_back):,} held back; "
        f"{count:,} read in 'read all'"
    )
    _report(times)

    snapshot = live.book
    began = time.perf_counter()
    full = engine.agenda(snapshot, day)
    print(f"full evaluation of the same day: {time.perf_counter() - began:.1f} s")
    if full != agenda:
        raise SystemExit("the incremental agenda differs from the full evaluation")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"equal to the full evaluation; peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
