"""Test configuration: Hypothesis profiles with a fixed budget for CI, and shared books."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import lifecycle as lc

# CI runs a fixed, derandomized budget so a run's length does not vary (smaller
# than the plugin's "ci" profile, to keep this suite quick); local runs use the
# plugin's "dev" and "thorough" profiles (lifecycle.testing._plugin), which
# explore more and keep the example database.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# -- books several test modules share ------------------------------------------------


CDNOW = Path(__file__).parent / "data" / "cdnow_sample.csv"


@pytest.fixture(scope="session")
def decided_sample() -> lc.Book:
    """The sample book, one in three of its actions decided on (done, dismissed or snoozed)."""
    book = lc.sample_book()
    agenda = lc.Engine(lc.starter_pack()).agenda(book, lc.SAMPLE_AS_OF)
    actions = [*agenda.actions, *(h.action for h in agenda.held_back)]
    outcomes = ["done", "dismissed", "snoozed"]
    return book.with_decisions(
        lc.Decision(
            id=f"D{n + 1}",
            customer_id=a.customer_id,
            policy=a.policy,
            due=a.due,
            outcome=outcomes[n % 3],
            at=dt.datetime(2026, 10, 1, 9, n % 60, tzinfo=dt.UTC),
            until=a.due + dt.timedelta(days=40) if n % 3 == 2 else None,
            by="alice" if n % 2 else None,
            note="called" if n % 4 == 1 else "",
        )
        for n, a in enumerate(actions[::3])
    )


@pytest.fixture(scope="session")
def cdnow_book() -> lc.Book:
    """The CDNOW 1/10 sample (tests/data): a customer per id since their first purchase,
    a purchase per row at noon UTC, with its amount in USD."""
    with CDNOW.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    first: dict[str, dt.date] = {}
    for row in rows:
        first.setdefault(row["customer"], dt.date.fromisoformat(row["date"]))
    return lc.Book(
        [lc.Customer(id=c, name=f"customer {c}", since=day) for c, day in first.items()],
        [
            lc.Touchpoint(
                id=f"t-{n}",
                customer_id=row["customer"],
                kind="purchase",
                channel="web",
                direction="inbound",
                at=dt.datetime.combine(dt.date.fromisoformat(row["date"]), dt.time(12), dt.UTC),
                amount=row["dollars"],
                currency="USD",
            )
            for n, row in enumerate(rows, start=1)
        ],
    )
