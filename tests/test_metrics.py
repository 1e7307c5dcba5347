"""Metrics: hand-computed values on a small book, and properties on generated ones."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import metrics

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def at(day: int, hour: int = 9, month: int = 2) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def tp(id: str, cid: str, when: dt.datetime, kind: str, direction: str, score: int | None = None):
    return lc.Touchpoint(
        id=id,
        customer_id=cid,
        at=when,
        channel="email",
        kind=kind,
        direction=direction,
        score=score,
    )


BOOK = lc.Book(
    [
        lc.Customer(
            id="a", name="A", since=dt.date(2025, 1, 10), attributes={"monthly_revenue": "100"}
        ),
        lc.Customer(
            id="b", name="B", since=dt.date(2025, 1, 20), attributes={"monthly_revenue": "300"}
        ),
        lc.Customer(id="c", name="C", since=dt.date(2025, 6, 1)),
        lc.Customer(id="d", name="D", since=dt.date(2026, 2, 1)),  # joins during the period
    ],
    [
        # a: an inquiry answered after 2 hours; a complaint resolved after 24 hours.
        tp("a1", "a", at(2, 9), "inquiry", "inbound"),
        tp("a2", "a", at(2, 11), "check_in", "outbound"),
        tp("a3", "a", at(10, 9), "complaint", "inbound"),
        tp("a4", "a", at(10, 13), "check_in", "outbound"),
        tp("a5", "a", at(11, 9), "resolution", "outbound"),
        tp("a6", "a", at(12), "nps", "inbound", 10),
        tp("a7", "a", at(13), "csat", "inbound", 5),
        # b: an inquiry never answered; two NPS answers, only the latest counts.
        tp("b1", "b", at(3), "inquiry", "inbound"),
        tp("b2", "b", at(4), "nps", "inbound", 9),
        tp("b3", "b", at(20), "nps", "inbound", 3),
        tp("b4", "b", at(21), "csat", "inbound", 2),
        # c: churns in March; an NPS answer before the period does not count.
        tp("c0", "c", dt.datetime(2025, 12, 1, tzinfo=dt.UTC), "nps", "inbound", 0),
        tp("c1", "c", at(1, month=3), "cancellation", "inbound"),
        # d: a purchase, after the start.
        tp("d1", "d", at(1), "purchase", "inbound"),
    ],
)


def test_service_metrics_by_hand():
    """First response 2 h and 4 h, one waiting; one complaint resolved in 24 h; CSAT 50%."""
    first = metrics.first_response_times(BOOK, START, END)
    assert (first.count, first.waiting, first.median_hours, first.p90_hours) == (2, 1, 3.0, 4.0)
    fixed = metrics.resolution_times(BOOK, START, END)
    assert (fixed.count, fixed.waiting, fixed.median_hours) == (1, 0, 24.0)
    sat = metrics.csat(BOOK, START, END)
    assert (sat.responses, sat.satisfied, sat.percent, sat.mean) == (2, 1, 50.0, 3.5)


def test_relationship_metrics_by_hand():
    """NPS counts each customer's latest answer; retention covers the starting cohort."""
    score = metrics.nps(BOOK, START, END)
    assert (score.promoters, score.passives, score.detractors, score.responses) == (1, 0, 1, 2)
    assert score.score == 0.0
    kept = metrics.retention(BOOK, START, END)
    assert (kept.starting, kept.retained, kept.churned) == (3, 2, 1)
    assert kept.retention_rate == pytest.approx(200 / 3) and kept.churn_rate == pytest.approx(
        100 / 3
    )
    steward = metrics.stewardship_ratio(BOOK, START, END)
    assert (steward.outbound, steward.inbound) == (3, 10)
    assert steward.by_customer["a"] == pytest.approx(3 / 7)
    assert steward.by_customer["b"] == 0.0
    cohorts = metrics.cohort_retention(BOOK, END)
    assert [(c.month, c.customers, c.retained) for c in cohorts] == [
        ("2025-01", 2, 2),
        ("2025-06", 1, 0),
        ("2026-02", 1, 1),
    ]


def test_lifetime_value_by_hand():
    """ARPA 200 over a monthly churn of (1/3) / (89/30.4375 months)."""
    clv = metrics.lifetime_value(BOOK, START, END)
    assert clv is not None and clv.customers == 2 and clv.monthly_revenue == 200.0
    months = (END - START).days / 30.4375
    assert clv.monthly_churn == pytest.approx(1 / 3 / months)
    assert clv.value == pytest.approx(200 / (1 / 3 / months))
    assert metrics.lifetime_value(BOOK, START, END, attribute="arr") is None
    half = metrics.lifetime_value(BOOK, START, END, margin=0.5)
    assert half is not None and half.value == pytest.approx(clv.value / 2)  # type: ignore[operator]


def test_bad_arguments_name_themselves():
    """A reversed period, a bad margin, a revenue that is not a number."""
    with pytest.raises(lc.InvalidValueError, match="is before start"):
        metrics.nps(BOOK, END, START)
    with pytest.raises(lc.InvalidValueError, match="margin"):
        metrics.lifetime_value(BOOK, START, END, margin=0)
    odd = BOOK.with_customers(
        [
            lc.Customer(
                id="e", name="E", since=dt.date(2025, 1, 1), attributes={"monthly_revenue": "lots"}
            )
        ]
    )
    with pytest.raises(lc.InvalidValueError, match=r"e\.attributes\['monthly_revenue'\]"):
        metrics.lifetime_value(odd, START, END)


def test_empty_periods_have_no_values():
    """Nothing measured gives None, not a division by zero."""
    empty = lc.Book([])
    assert metrics.nps(empty, START, END).score is None
    assert metrics.csat(empty, START, END).percent is None
    assert metrics.first_response_times(empty, START, END).median_hours is None
    assert metrics.retention(empty, START, END).retention_rate is None
    assert metrics.stewardship_ratio(empty, START, END).ratio is None
    assert metrics.lifetime_value(empty, START, END) is None


@given(
    lct.books(max_customers=4, max_touchpoints=20, situations=True),
    lct.local_dates(),
    st.integers(0, 400),
)
def test_metric_properties(book: lc.Book, start: dt.date, span: int):
    """Ranges and sums hold on any book and period."""
    end = start + dt.timedelta(days=span)
    score = metrics.nps(book, start, end)
    assert score.score is None or -100 <= score.score <= 100
    assert score.responses <= len(book)
    kept = metrics.retention(book, start, end)
    assert kept.retained + kept.churned == kept.starting
    if kept.starting:
        assert kept.retention_rate + kept.churn_rate == pytest.approx(100)  # type: ignore[operator]
    sat = metrics.csat(book, start, end)
    assert sat.percent is None or 0 <= sat.percent <= 100
    steward = metrics.stewardship_ratio(book, start, end)
    assert steward.ratio is None or 0 <= steward.ratio <= 1
    assert all(0 <= r <= 1 for r in steward.by_customer.values())
    for times in (
        metrics.first_response_times(book, start, end),
        metrics.resolution_times(book, start, end),
    ):
        if times.count:
            assert 0 <= times.median_hours <= times.p90_hours  # type: ignore[operator]
    cohorts = metrics.cohort_retention(book, end)
    assert sum(c.customers for c in cohorts) == sum(1 for c in book if c.since <= end)
    assert metrics.report(book, start, end)["to"] == end.isoformat()


@pytest.mark.parametrize(
    ("score", "group"),
    [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"), (9, "promoters"),
     (10, "promoters")],
)  # fmt: skip
def test_nps_groups_each_answer_at_its_boundary(score: int, group: str):
    """6 is a detractor, 7 and 8 are passives, 9 a promoter: each boundary on its own."""
    book = lc.Book(
        [lc.Customer(id="x", name="X", since=dt.date(2025, 1, 1))],
        [tp("x1", "x", at(5), "nps", "inbound", score)],
    )
    found = metrics.nps(book, START, END)
    counts = {
        "detractors": found.detractors,
        "passives": found.passives,
        "promoters": found.promoters,
    }
    assert counts == {g: int(g == group) for g in counts}
    assert found.score == {"detractors": -100, "passives": 0, "promoters": 100}[group]


def test_retention_counts_a_customer_who_starts_on_the_periods_first_day():
    """`since` on the first day of the period: in the starting cohort; the day after: not."""
    book = lc.Book(
        [
            lc.Customer(id="on", name="On", since=START),
            lc.Customer(id="after", name="After", since=START + dt.timedelta(days=1)),
        ],
        [],
    )
    assert metrics.retention(book, START, END) == metrics.Retention(1, 1, 0)
