"""lc.charts: the figures drawn are the metrics' and the models' numbers, and no pyplot."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import lifecycle as lc
from lifecycle import charts, metrics
from lifecycle.clv import BetaGeo, Summary

pytest.importorskip("matplotlib")
pytest.importorskip("scipy.special")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "assets" / "cdnow_charts.py"
PUBLISHED = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cdnow_charts", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cdnow(cdnow_book: lc.Book) -> lc.Book:
    """The CDNOW 1/10 sample as the tutorial reads it (since = the first purchase)."""
    return cdnow_book


def _lines(figure) -> dict[str, tuple[list[dt.date], list[float]]]:
    return {
        line.get_label(): (list(line.get_xdata()), [float(y) for y in line.get_ydata()])
        for line in figure.axes[0].get_lines()
    }


def _heights(figure) -> list[list[int]]:
    return [[int(bar.get_height()) for bar in bars] for bars in figure.axes[0].containers]


# -- retention by cohort ----------------------------------------------------------------------


def test_each_cohort_line_is_cohort_retention_on_each_date(cdnow: lc.Book):
    """One line per start month; on each date its point is that cohort's rate by the rule."""
    quiet = lc.churn_after_inactivity(days=196)
    dates = [dt.date(1997, 6, 30), dt.date(1997, 9, 30), dt.date(1998, 6, 30)]
    figure = charts.retention_by_cohort(cdnow, dates, churn=quiet)
    want: dict[str, tuple[list[dt.date], list[float]]] = {}
    for day in dates:
        for cohort in metrics.cohort_retention(cdnow, day, churn=quiet):
            want.setdefault(cohort.month, ([], []))
            want[cohort.month][0].append(day)
            want[cohort.month][1].append(cohort.rate)
    assert _lines(figure) == want
    assert list(want) == ["1997-01", "1997-02", "1997-03"]
    assert want["1997-01"][1][-1] == pytest.approx(100 * 164 / 781)  # the tutorial's figure
    assert "churn_after_inactivity(days=196)" in figure.axes[0].get_title()
    assert [t.get_text() for t in figure.legends[0].get_texts()] == list(want)


def test_by_the_cancellation_rule_a_shop_keeps_everyone(cdnow: lc.Book):
    """No cancellation ever: every cohort at 100% on every date, the issue's complaint."""
    figure = charts.retention_by_cohort(cdnow, [dt.date(1997, 12, 31), dt.date(1998, 6, 30)])
    assert {y for _x, ys in _lines(figure).values() for y in ys} == {100.0}
    assert "churn_on_cancellation()" in figure.axes[0].get_title()


def test_dates_in_any_order_once_each_and_late_cohorts_start_late():
    """Dates are sorted and deduplicated; a cohort's line starts on the first date it exists."""
    book = lc.sample_book()
    early, late = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
    figure = charts.retention_by_cohort(book, [late, early, late])
    lines = _lines(figure)
    assert lines["2026-10"] == ([late], [100.0])
    for month, (x, y) in lines.items():
        assert x == [early, late] or (month == "2026-10" and x == [late])
        rates = {c.month: c.rate for c in metrics.cohort_retention(book, x[-1])}
        assert y[-1] == rates[month]


def test_an_empty_book_draws_axes_without_lines_or_legend():
    """Nothing to draw is not an error: the axes, no line, no legend."""
    figure = charts.retention_by_cohort(lc.Book([], []), [dt.date(2026, 1, 31)])
    assert figure.axes[0].get_lines() == []
    assert figure.legends == []


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ([], "dates=[]: must hold at least one date"),
        (["2026-01-31"], "dates='2026-01-31'"),
        ([dt.datetime(2026, 1, 31, tzinfo=dt.UTC)], "dates=datetime.datetime(2026, 1, 31"),
    ],
)
def test_retention_by_cohort_refuses_bad_dates(dates: list[object], message: str):
    with pytest.raises(lc.InvalidValueError) as caught:
        charts.retention_by_cohort(lc.sample_book(), dates)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


# -- the distribution of P(alive) -------------------------------------------------------------


class _Known:
    """A stand-in for a model whose P(alive) values are given (to test the bin edges)."""

    def __init__(self, alive: dict[str, float]) -> None:
        self.alive = alive

    def p_alive(self, summary: Summary) -> dict[str, float]:
        return self.alive


def test_bins_take_their_lower_edge_and_the_last_takes_one():
    """Bin k holds k/bins <= P < (k+1)/bins; 1.0 goes in the last bin."""
    values = {"a": 0.0, "b": 0.2499, "c": 0.25, "d": 0.5, "e": 0.99, "f": 1.0, "g": 1.0}
    ids = tuple(values)
    summary = Summary(
        customer_ids=ids,
        frequency=(1, 1, 1, 1, 1, 1, 0),
        recency=(1, 1, 1, 1, 1, 1, 0),
        T=(9,) * len(ids),
    )
    figure = charts.p_alive_distribution(_Known(values), summary, bins=4)  # type: ignore[arg-type]
    assert _heights(figure) == [[2, 1, 1, 2], [0, 0, 0, 1]]
    bars = figure.axes[0].containers
    assert [bar.get_x() for bar in bars[0]] == [0.0, 0.25, 0.5, 0.75]
    assert [bar.get_y() for bar in bars[1]] == [2, 1, 1, 2]  # stacked on the repeat buyers
    assert figure.axes[0].get_title() == "P(alive): 7 customers, 6 repeat buyers"


def test_the_histogram_counts_the_models_p_alive(cdnow: lc.Book):
    """On the CDNOW calibration period: each bar counts the customers model.p_alive puts there."""
    summary = lc.clv.summary(cdnow, as_of=dt.date(1997, 9, 30))
    figure = charts.p_alive_distribution(PUBLISHED, summary, bins=10)
    alive = PUBLISHED.p_alive(summary)
    want: list[list[int]] = [[0] * 10, [0] * 10]
    for row in summary:
        p = alive[row.customer_id]
        k = next(k for k in range(10) if k / 10 <= p < (k + 1) / 10 or k == 9)
        want[row.frequency == 0][k] += 1
    assert _heights(figure) == want
    assert sum(want[0]) == 946  # the published sample's repeat buyers
    assert want[1] == [0] * 9 + [2357 - 946]  # P(alive) = 1 without a repeat purchase
    assert figure.axes[0].get_title() == (
        "P(alive) on 1997-09-30: 2,357 customers, 946 repeat buyers"
    )


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        (0, "bins=0: must be a whole number, at least 1"),
        (True, "bins=True: must be a whole number, at least 1"),
        (2.0, "bins=2.0: must be a whole number, at least 1"),
        (101, "bins=101: must be at most 100"),
    ],
)
def test_p_alive_distribution_refuses_bad_bins(bins: object, message: str):
    summary = Summary(customer_ids=("a",), frequency=(0,), recency=(0,), T=(3,))
    with pytest.raises(lc.InvalidValueError) as caught:
        charts.p_alive_distribution(PUBLISHED, summary, bins=bins)  # type: ignore[arg-type]
    assert str(caught.value) == message


# -- the plot extra, and no global state ------------------------------------------------------


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    """No matplotlib: a MissingDependencyError (a LifecycleError, an ImportError) naming it."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "matplotlib.figure", raising=False)
    with pytest.raises(lc.MissingDependencyError) as caught:
        charts.retention_by_cohort(lc.sample_book(), [lc.SAMPLE_AS_OF])
    assert str(caught.value) == (
        'lifecycle.charts needs matplotlib (cannot import matplotlib.figure): pip install "customer-lifecycle[plot]"'
    )
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, lc.LifecycleError)


def test_importing_charts_loads_no_matplotlib_and_drawing_no_pyplot(tmp_path: Path):
    """matplotlib loads only to draw, and drawing never touches pyplot's global state."""
    code = (
        "import sys, datetime as dt, lifecycle as lc\n"
        "from lifecycle import charts\n"
        "before = 'matplotlib' in sys.modules\n"
        "charts.retention_by_cohort(lc.sample_book(), [lc.SAMPLE_AS_OF]).savefig(sys.argv[1])\n"
        "print(before, 'matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "x.svg")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["False", "True", "False"]


def test_the_tutorial_chart_script_writes_both_charts(tmp_path: Path):
    """docs/assets/cdnow_charts.py runs, and writes the same SVG twice over."""
    script = _script()
    written = script.main(tmp_path)
    assert [p.name for p in written] == ["cdnow-retention.svg", "cdnow-p-alive.svg"]
    first = [p.read_bytes() for p in written]
    assert all(svg.startswith(b"<?xml") and b"<svg" in svg for svg in first)
    assert [p.read_bytes() for p in script.main(tmp_path)] == first
    assert script.month_ends(dt.date(1997, 11, 5), dt.date(1998, 2, 1)) == [
        dt.date(1997, 11, 30),
        dt.date(1997, 12, 31),
        dt.date(1998, 1, 31),
        dt.date(1998, 2, 28),
    ]
