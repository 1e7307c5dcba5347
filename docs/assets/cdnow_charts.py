"""Draw the charts of the tutorial "A shop's year and a half" (docs/tutorial/real-data.md).

From the CDNOW 1/10 sample shipped in tests/data, with the clv and plot extras
installed, from the repository's root:

    python docs/assets/cdnow_charts.py

It rewrites docs/assets/cdnow-retention.svg and docs/assets/cdnow-p-alive.svg
with the figures the tutorial computes (the same book, rule and model). The
files are the same from one run to the next with the same matplotlib.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import matplotlib

import lifecycle as lc
from lifecycle import charts

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "tests" / "data" / "cdnow_sample.csv"
END = dt.date(1998, 6, 30)
#: The tutorial's churn rule: silent for longer than nine in ten gaps between purchases.
QUIET_DAYS = 196


def read_cdnow(path: Path) -> lc.Book:
    """The sample as a book: a customer per id, since their first purchase; a purchase per row."""
    with path.open(encoding="utf-8", newline="") as f:
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


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of each month from *first*'s month to *last*'s."""
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        ends.append(dt.date(year, month, 1) - dt.timedelta(days=1))
    return ends


def main(out: Path = HERE, data: Path = DATA) -> list[Path]:
    """Draw both charts into *out*; return the files written."""
    book = read_cdnow(data)
    quiet = lc.churn_after_inactivity(days=QUIET_DAYS)
    today = lc.clv.summary(book, as_of=END)
    model = lc.clv.BetaGeo.fit(today)
    drawn = {
        "cdnow-retention.svg": charts.retention_by_cohort(
            book, month_ends(dt.date(1997, 1, 1), END), churn=quiet
        ),
        "cdnow-p-alive.svg": charts.p_alive_distribution(model, today),
    }
    written = []
    # A fixed salt and no date: the same SVG from one run to the next.
    with matplotlib.rc_context({"svg.hashsalt": "lifecycle"}):
        for name, figure in drawn.items():
            path = out / name
            figure.savefig(path, format="svg", metadata={"Date": None})
            written.append(path)
    return written


if __name__ == "__main__":
    for path in main(*(Path(arg) for arg in sys.argv[1:2])):
        print(path)
