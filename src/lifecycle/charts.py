"""Charts of a book's figures: retention by cohort, and the distribution of P(alive).

Each function computes its figures with `lifecycle.metrics` or `lifecycle.clv`
and returns a new `matplotlib.figure.Figure`, ready to save
(``figure.savefig("retention.svg")``) or to show in a notebook. Nothing here
touches pyplot's global state or opens a window.

Drawing needs the ``plot`` extra (``pip install "customer-lifecycle[plot]"``:
matplotlib), imported only when a chart is drawn, never by ``import
lifecycle.charts``; without it, a chart raises `MissingDependencyError`.

Examples:
    >>> import datetime as dt
    >>> import lifecycle as lc
    >>> from lifecycle import charts
    >>> quiet = lc.churn_after_inactivity(days=180)
    >>> figure = charts.retention_by_cohort(lc.sample_book(), [lc.SAMPLE_AS_OF], churn=quiet)
    >>> figure.axes[0].get_ylabel()
    'still customers (%)'
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from lifecycle._validate import check_count, check_day
from lifecycle.book import Book
from lifecycle.churn import DEFAULT_CHURN, ChurnRule
from lifecycle.clv import BetaGeo, Summary
from lifecycle.errors import InvalidValueError, MissingDependencyError
from lifecycle.metrics import cohort_retention

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["p_alive_distribution", "retention_by_cohort"]


def _figure() -> Figure:
    """Return a new figure of its own (no pyplot), or say which extra installs matplotlib."""
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 - the plot extra, only when drawing
    except ImportError as e:
        raise MissingDependencyError(
            f"lifecycle.charts needs matplotlib (cannot import {e.name}): "
            'pip install "customer-lifecycle[plot]"'
        ) from e
    return Figure(figsize=(7.0, 4.0), layout="constrained")


def retention_by_cohort(
    book: Book, dates: Iterable[dt.date], *, churn: ChurnRule = DEFAULT_CHURN
) -> Figure:
    """Draw retention by start month: one line per cohort, its rate on each date.

    On each date of *dates*, `lifecycle.metrics.cohort_retention` with *churn*
    gives every cohort's rate (100 x customers not churned / customers who
    started in that month); a cohort's line joins its rates, in date order,
    from the first date it exists on (a cohort is in the figures from the
    date its first customer starts). The y axis runs 0-100%.

    By the default rule (a cancellation) a shop's customers never churn and
    every line stays at 100%: give a shop `lifecycle.churn_after_inactivity`.

    Args:
        book: The customers (their ``since`` dates make the cohorts).
        dates: The as-of dates, such as each month's end (any order; at least one).
        churn: Who counts as lost (see `lifecycle.metrics.cohort_retention`).

    Raises:
        InvalidValueError: if *dates* is empty or holds something that is not a date.
        MissingDependencyError: without the ``plot`` extra.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ends = [dt.date(2026, 9, 30), dt.date(2026, 10, 31)]
        >>> figure = retention_by_cohort(lc.sample_book(), ends)
        >>> oldest = figure.axes[0].get_lines()[0]  # one line per start month
        >>> oldest.get_label(), [float(rate) for rate in oldest.get_ydata()]
        ('2023-11', [80.0, 80.0])
    """
    days = sorted({check_day("dates", day) for day in dates})
    if not days:
        raise InvalidValueError("dates", days, "must hold at least one date")
    lines: dict[str, tuple[list[dt.date], list[float]]] = {}
    for day in days:
        for cohort in cohort_retention(book, day, churn=churn):
            x, y = lines.setdefault(cohort.month, ([], []))
            x.append(day)
            y.append(cohort.rate)
    figure = _figure()
    axes = figure.subplots()
    for month, (x, y) in sorted(lines.items()):
        # Dates are what matplotlib's date converter takes; its stubs list only numbers.
        axes.plot(cast("Any", x), y, marker="o", markersize=3, label=month)
    axes.set_ylim(0, 105)
    axes.set_ylabel("still customers (%)")
    axes.set_title(f"Retention by start month, churn: {churn!r}", fontsize="medium")
    axes.grid(visible=True, alpha=0.3)
    if lines:
        figure.legend(title="started in", fontsize="small", loc="outside right upper")
    figure.autofmt_xdate()
    return figure


def p_alive_distribution(model: BetaGeo, summary: Summary, *, bins: int = 10) -> Figure:
    """Draw how P(alive) is spread over the customers of a summary, in equal bins from 0 to 1.

    P(alive) is `lifecycle.clv.BetaGeo.p_alive`. Bin k (k = 0 .. *bins* - 1)
    holds the customers with k / *bins* <= P(alive) < (k + 1) / *bins*; the
    last one also holds P(alive) = 1. The bars are stacked: customers with a
    repeat purchase, and on top those with a single purchase day, whom the
    BG/NBD model takes to be alive (P(alive) = 1: it lets a customer drop
    out only after a repeat purchase), so that they are not mistaken for
    customers the model is sure of.

    Args:
        model: A fitted (or known) BG/NBD model.
        summary: The customers, as of the date P(alive) is wanted.
        bins: How many equal bins (1 to 100).

    Raises:
        InvalidValueError: for *bins* out of range (and as `lifecycle.clv.BetaGeo.p_alive`).
        MissingDependencyError: without the ``plot`` extra.
        lifecycle.clv.MissingDependencyError: without the ``clv`` extra.

    Examples:
        >>> from lifecycle.clv import BetaGeo, Summary
        >>> model = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> s = Summary(customer_ids=("a", "b"), frequency=(0, 5), recency=(0, 10), T=(38, 38))
        >>> figure = p_alive_distribution(model, s, bins=4)
        >>> [[int(bar.get_height()) for bar in bars] for bars in figure.axes[0].containers]
        [[1, 0, 0, 0], [0, 0, 0, 1]]
    """
    check_count("bins", bins, minimum=1)
    if bins > 100:
        raise InvalidValueError("bins", bins, "must be at most 100")
    alive = model.p_alive(summary)
    edges = [k / bins for k in range(bins + 1)]
    repeat = [0] * bins
    single = [0] * bins
    for cid, frequency in zip(summary.customer_ids, summary.frequency, strict=True):
        k = min(bisect.bisect_right(edges, alive[cid]) - 1, bins - 1)
        (repeat if frequency else single)[k] += 1
    figure = _figure()
    axes = figure.subplots()
    width = 1 / bins
    axes.bar(edges[:-1], repeat, width, align="edge", edgecolor="white", label="repeat buyers")
    axes.bar(
        edges[:-1],
        single,
        width,
        bottom=repeat,
        align="edge",
        edgecolor="white",
        label="one purchase day (P(alive) = 1 by the model)",
    )
    axes.set_xlim(0, 1)
    axes.set_xlabel("P(alive)")
    axes.set_ylabel("customers")
    as_of = "" if summary.as_of is None else f" on {summary.as_of.isoformat()}"
    axes.set_title(
        f"P(alive){as_of}: {len(summary):,} customers, {sum(repeat):,} repeat buyers",
        fontsize="medium",
    )
    axes.legend(fontsize="small")
    return figure
