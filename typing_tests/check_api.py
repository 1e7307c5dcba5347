"""The public API as users write it; only type-checked (mypy --strict), never run."""

from __future__ import annotations

import datetime as dt
from typing import assert_type

import lifecycle as lc


def build_and_query() -> None:
    customer = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1), timezone="UTC")
    touchpoint = lc.Touchpoint(
        id="t-1",
        customer_id="c-1",
        at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        channel="email",
        kind=lc.Kind.PURCHASE,
        direction=lc.Direction.INBOUND,
    )
    book = lc.Book([customer], [touchpoint])
    timeline = book.timeline("c-1")
    assert_type(timeline.first("purchase"), lc.Touchpoint | None)
    assert_type(timeline.until(dt.date(2026, 1, 5)), lc.Timeline)
    assert_type(timeline[0], lc.Touchpoint)
    assert_type(timeline.count(direction="outbound"), int)
    history = lc.DEFAULT_LIFECYCLE.history(customer, timeline, as_of=dt.date(2026, 2, 1))
    assert_type(history.stage, str)
    assert_type(history.transitions, tuple[lc.stages.Transition, ...])
    assert_type(book.with_touchpoints([touchpoint]), lc.Book)


def build_policies() -> None:
    anniversary = lc.policy(
        "anniversary",
        priority=9,
        anchor=lc.policies.customer_since(),
        recurs=lc.every(years=1),
        fulfilled_by=lc.fulfilled_by("anniversary", since=lc.policies.from_due(days=-7)),
    )
    assert_type(anniversary, lc.policies.RulePolicy)
    assert_type(lc.policies.from_anchor(inclusive=True), lc.policies.WindowStart)
    assert_type(lc.policies.from_anchor_date(days=-365), lc.policies.WindowStart)
    assert_type(lc.restrict(anniversary, lc.score(at_least=9)), lc.policies.Restricted)
    assert_type(lc.Engine(lc.policy_set(lc.starter_pack(), anniversary)), lc.Engine)


def read_and_write(path: str) -> None:
    book = lc.read_book(path, format="csv", kinds=[lc.Kind("webinar")])
    report = lc.read_book_report(path)
    assert_type(report.errors, tuple[lc.BookFormatError, ...])
    lc.write_book(book, path, format="jsonl")


def test_kit() -> None:
    from hypothesis import strategies as st  # noqa: PLC0415

    import lifecycle.testing as lct  # noqa: PLC0415 - the optional extra

    assert_type(lct.books(situations=["detractor"], timezone="UTC"), st.SearchStrategy[lc.Book])
    assert_type(
        lct.policies(kinds=["nps"]),
        st.SearchStrategy[lc.policies.RulePolicy | lc.policies.Playbook],
    )
    assert_type(lct.check_policy(lc.starter_pack(), laws=["total"]), None)
    lct.check_laws(lc.starter_pack(), lc.sample_book(), lc.SAMPLE_AS_OF, fulfil=lambda v: None)
    assert_type(lct.LAWS[0].name, str)
