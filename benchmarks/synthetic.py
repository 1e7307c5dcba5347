"""Write a synthetic book of N customers (about 11 touchpoints each) as CSV.

Usage: python benchmarks/synthetic.py N FOLDER [--seed S] [--by-time]

Deterministic for a given N and seed. Both files come sorted by customer id,
as `ORDER BY customer_id` exports them; with --by-time the touchpoints file
is in time order instead, as an event log is. Writes the files directly (not through
`lifecycle`) so that making a large book is fast and independent of the code
being measured.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Kiritimati",
]
CHANNELS = ["email", "phone", "chat", "meeting", "social", "in_person", "web", "other"]
AS_OF = dt.date(2026, 11, 2)


def write(n: int, folder: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = AS_OF - dt.timedelta(days=3 * 365)
    with (
        (folder / "customers.csv").open("w", newline="", encoding="utf-8") as cf,
        (folder / "touchpoints.csv").open("w", newline="", encoding="utf-8") as tf,
    ):
        customers = csv.writer(cf)
        touchpoints = csv.writer(tf)
        customers.writerow(
            [
                "customer_id",
                "name",
                "since",
                "stage",
                "contract_end",
                "do_not_contact",
                "timezone",
                "preferred_channel",
                "segment",
            ]
        )
        touchpoints.writerow(
            [
                "touchpoint_id",
                "customer_id",
                "at",
                "channel",
                "kind",
                "direction",
                "score",
                "tags",
                "note",
            ]
        )
        t = 0
        for i in range(n):
            cid = f"C{i:07d}"
            since = start + dt.timedelta(days=rng.randrange(1000))
            end = AS_OF + dt.timedelta(days=rng.randrange(-30, 400)) if rng.random() < 0.5 else None
            zone = rng.choice(ZONES)
            customers.writerow(
                [
                    cid,
                    f"Customer {i}",
                    since.isoformat(),
                    "",
                    end.isoformat() if end else "",
                    "true" if rng.random() < 0.02 else "false",
                    zone,
                    rng.choice(CHANNELS),
                    rng.choice(["smb", "mid", "ent"]),
                ]
            )
            day = dt.datetime.combine(since, dt.time(9), tzinfo=dt.UTC)
            events = [("purchase", "inbound", "")]
            events += [rng.choice(_LIFE) for _ in range(rng.randrange(8, 17))]
            for kind, direction, score in events:
                t += 1
                touchpoints.writerow(
                    [
                        f"T{t:08d}",
                        cid,
                        day.isoformat(),
                        rng.choice(CHANNELS),
                        kind,
                        direction,
                        score,
                        "feature:reports" if kind == "complaint" else "",
                        "",
                    ]
                )
                day += dt.timedelta(days=rng.randrange(1, 90), minutes=rng.randrange(600))
                if day.date() > AS_OF:
                    break


_LIFE = [
    ("onboarding", "outbound", ""),
    ("check_in", "outbound", ""),
    ("health_check", "outbound", ""),
    ("inquiry", "inbound", ""),
    ("complaint", "inbound", ""),
    ("resolution", "outbound", ""),
    ("nps", "inbound", "3"),
    ("nps", "inbound", "9"),
    ("csat", "inbound", "4"),
    ("referral", "inbound", ""),
    ("renewal", "inbound", ""),
    ("anniversary", "outbound", ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--by-time", action="store_true", help="touchpoints in time order")
    args = parser.parse_args()
    write(args.n, args.folder, args.seed)
    if args.by_time:
        by_time(args.folder / "touchpoints.csv")


def by_time(file: Path) -> None:
    """Put a touchpoints file written by `write` in time order (its rows hold no line breaks)."""
    header, *rows = file.read_text(encoding="utf-8").splitlines(keepends=True)
    # The `at` cell (third) is an ISO instant in UTC, so text order is time order.
    rows.sort(key=lambda row: row.split(",", 3)[2])
    file.write_text(header + "".join(rows), encoding="utf-8")


if __name__ == "__main__":
    main()
