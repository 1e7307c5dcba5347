"""lifecycle.testing: the strategies yield only valid objects, steered as asked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

WINDOW = (dt.date(2030, 1, 1), dt.date(2030, 12, 31))


@given(lct.aware_datetimes(min_value=WINDOW[0], max_value=WINDOW[1]))
def test_datetimes_stay_in_their_window_and_are_aware(at: dt.datetime):
    """A window without built-in edge instants still gives aware values inside it."""
    assert at.utcoffset() is not None
    assert (
        WINDOW[0] - dt.timedelta(days=1)
        <= at.astimezone(dt.UTC).date()
        <= WINDOW[1] + dt.timedelta(days=1)
    )


@given(lct.local_dates(min_value=WINDOW[0], max_value=WINDOW[1]))
def test_dates_stay_in_their_window(day: dt.date):
    """local_dates honours min_value and max_value."""
    assert WINDOW[0] <= day <= WINDOW[1]


@given(
    lct.customers(timezones=st.just(ZoneInfo("Asia/Tokyo")), since=st.just(dt.date(2024, 2, 29)))
)
def test_customers_can_be_steered(customer: lc.Customer):
    """A fixed zone and since date are respected."""
    assert customer.timezone.key == "Asia/Tokyo"
    assert customer.since == dt.date(2024, 2, 29)


@given(
    lct.touchpoints(
        customer_id=st.just("c-9"), kinds=lct.kinds(custom=[lc.Kind("ces", score_range=(1, 7))])
    )
)
def test_touchpoints_have_valid_scores(tp: lc.Touchpoint):
    """Scores are only present on scored kinds, and within range."""
    assert tp.customer_id == "c-9"
    if tp.score is not None:
        assert tp.kind.score_range is not None
        low, high = tp.kind.score_range
        assert low <= tp.score <= high


@given(lct.touchpoints())
def test_touchpoints_draw_their_own_customer_id_by_default(tp: lc.Touchpoint):
    """Without a customer id one is generated."""
    assert tp.customer_id


@given(lct.books(min_customers=1, max_customers=3, max_touchpoints=6))
def test_books_are_consistent_and_sized(book: lc.Book):
    """Sizes are honoured; every touchpoint belongs to a customer of the book."""
    assert 1 <= len(book) <= 3
    assert book.touchpoint_count <= 6
    assert all(tp.customer_id in book for tp in book.touchpoints())


@given(lct.tags(), lct.channels(), lct.directions(), lct.time_zones(zones=["UTC", "Asia/Tokyo"]))
def test_small_strategies(
    tags: frozenset[str], channel: lc.Channel, direction: lc.Direction, zone: ZoneInfo
):
    """Tags are writable labels; the enum strategies give members."""
    assert all(tag and ";" not in tag and tag == tag.strip() for tag in tags)
    assert channel in lc.Channel
    assert direction in lc.Direction
    assert zone.key in {"UTC", "Asia/Tokyo"}
