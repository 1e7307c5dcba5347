"""A book's summary: counts by stage, kind, channel and direction, as of a date."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from lifecycle._plural import counted
from lifecycle.book import Book
from lifecycle.stages import Lifecycle


def summarize(book: Book, *, as_of: dt.date, lifecycle: Lifecycle) -> dict[str, Any]:
    """Return plain data describing *book* as of *as_of* (JSON-ready)."""
    derived: Counter[str] = Counter()
    recorded: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    do_not_contact = 0
    anomalous: list[dict[str, Any]] = []
    disagreeing: list[dict[str, Any]] = []
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    for customer, timeline in book.items():
        history = lifecycle.history(customer, timeline, as_of=as_of)
        derived[history.stage] += 1
        if customer.recorded_stage is not None:
            recorded[customer.recorded_stage] += 1
        anomalous.extend(
            {
                "customer_id": customer.id,
                "on": a.on.isoformat(),
                "touchpoint_id": a.touchpoint.id,
                "reason": a.reason,
            }
            for a in history.anomalies
        )
        if history.agrees is False:
            disagreeing.append(
                {
                    "customer_id": customer.id,
                    "recorded": customer.recorded_stage,
                    "derived": history.stage,
                }
            )
        do_not_contact += customer.do_not_contact
        visible = timeline.until(as_of)
        for tp in visible:
            kinds[tp.kind.name] += 1
            channels[tp.channel.value] += 1
            directions[tp.direction.value] += 1
        if visible:
            first = min(first or visible[0].at, visible[0].at)
            last = max(last or visible[-1].at, visible[-1].at)
    return {
        "as_of": as_of.isoformat(),
        "customers": len(book),
        "do_not_contact": do_not_contact,
        "touchpoints": sum(kinds.values()),
        "first_touchpoint": first.isoformat() if first else None,
        "last_touchpoint": last.isoformat() if last else None,
        "stages": {
            stage: {"derived": derived[stage], "recorded": recorded[stage]}
            for stage in lifecycle.stages
        },
        "stage_disagreements": len(disagreeing),
        "anomalies": len(anomalous),
        "disagreeing_customers": sorted(disagreeing, key=lambda d: d["customer_id"]),
        "anomalous_customers": sorted(anomalous, key=lambda a: (a["customer_id"], a["on"])),
        "kinds": dict(sorted(kinds.items())),
        "channels": dict(sorted(channels.items())),
        "directions": dict(sorted(directions.items())),
    }


def render_table(summary: dict[str, Any], title: str) -> str:
    """Render a summary as aligned text for a terminal."""
    lines = [
        title,
        (
            f"{counted(summary['customers'], 'customer')} "
            f"({summary['do_not_contact']} do not contact), "
            f"{counted(summary['touchpoints'], 'touchpoint')} up to {summary['as_of']}"
        ),
        "",
        f"{'stage':<14}{'derived':>8}{'recorded':>10}",
    ]
    for stage, counts in summary["stages"].items():
        lines.append(f"{stage:<14}{counts['derived']:>8}{counts['recorded']:>10}")
    lines += [
        "",
        (
            f"recorded stage differs from derived: "
            f"{counted(summary['stage_disagreements'], 'customer')}; "
            f"anomalies in timelines: {summary['anomalies']}"
        ),
        "kinds:      " + ", ".join(f"{k} {n}" for k, n in summary["kinds"].items()),
        "channels:   " + ", ".join(f"{k} {n}" for k, n in summary["channels"].items()),
        "directions: " + ", ".join(f"{k} {n}" for k, n in summary["directions"].items()),
    ]
    lines += _listed(
        "recorded stage differs from derived",
        [
            f"{d['customer_id']}: recorded {d['recorded']}, derived {d['derived']}"
            for d in summary["disagreeing_customers"]
        ],
    )
    lines += _listed(
        "anomalies in timelines",
        [f"{a['customer_id']}: {a['reason']}" for a in summary["anomalous_customers"]],
    )
    return "\n".join(lines)


#: How many customers a table lists under a heading; the JSON lists them all.
SHOWN = 10


def _listed(heading: str, entries: list[str]) -> list[str]:
    """*entries* under *heading*, at most `SHOWN` of them, saying how many more there are."""
    if not entries:
        return []
    lines = ["", f"{heading}:", *(f"  {e}" for e in entries[:SHOWN])]
    if len(entries) > SHOWN:
        lines.append(f"  and {len(entries) - SHOWN} more (--format json lists them all)")
    return lines
