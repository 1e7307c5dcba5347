"""Calendars: the working days, holidays by country, and the [calendar] table."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
from lifecycle.calendar import Calendar
from lifecycle.limits import MAX_DATE

FRIDAY = dt.date(2026, 12, 25)  # Christmas Day
DAY = dt.timedelta(days=1)


def test_the_weekend_and_explicit_holidays_are_days_off():
    office = Calendar(holidays=[FRIDAY])
    assert [office.is_working(FRIDAY + k * DAY) for k in range(4)] == [False, False, False, True]
    assert office.next_working(FRIDAY) == FRIDAY + 3 * DAY
    assert office.next_working(FRIDAY + 3 * DAY) == FRIDAY + 3 * DAY


def test_another_weekend():
    gulf = Calendar(weekend=["Fri", "saturday"])
    assert gulf.weekend == frozenset({"fri", "sat"})
    assert gulf.next_working(FRIDAY) == FRIDAY + 2 * DAY


def test_working_days_count_from_the_day_after():
    office = Calendar(holidays=[FRIDAY])
    thursday = FRIDAY - DAY
    assert office.add_working_days(thursday, 0) == thursday
    assert office.add_working_days(thursday, 1) == FRIDAY + 3 * DAY
    assert office.add_working_days(FRIDAY + 3 * DAY, -1) == thursday


def test_a_country_s_public_holidays():
    pytest.importorskip("holidays")
    england = Calendar(country="GB")
    assert not england.is_working(dt.date(2026, 12, 28))  # Boxing Day, moved to Monday
    assert england.next_working(FRIDAY) == dt.date(2026, 12, 29)
    scotland = Calendar(country="GB-SCT")
    assert not scotland.is_working(dt.date(2027, 1, 4))  # 2 January moved to Monday
    with pytest.raises(lc.InvalidValueError, match="holidays package knows"):
        Calendar(country="XX").is_working(FRIDAY)


def test_without_the_holidays_package_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(lc.MissingDependencyError, match=r"customer-lifecycle\[holidays\]"):
        Calendar(country="FR").is_working(dt.date(1999, 5, 6))


def test_a_customer_s_country_attribute_names_its_holidays():
    ada = lc.Customer(id="c", name="Ada", since=dt.date(2025, 1, 1), attributes={"country": "DE"})
    bob = lc.Customer(id="b", name="Bob", since=dt.date(2025, 1, 1))
    office = Calendar(holidays=[FRIDAY])
    assert office.for_customer(ada) == Calendar(holidays=[FRIDAY], country="DE")
    assert office.for_customer(bob) is office
    assert office.for_customer(ada) is office.for_customer(ada)  # one per country


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"weekend": "sat"}, "must be a list"),
        ({"weekend": ["sat", "sonntag"]}, "sonntag"),
        ({"weekend": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "no working day"),
        ({"weekend": [6]}, "6"),
        ({"holidays": ["2026-12-25"]}, "holidays"),
        ({"country": "G B"}, "ISO 3166"),
        ({"country": ""}, "ISO 3166"),
    ],
)
def test_bad_calendars_are_refused(fields, problem):
    with pytest.raises(lc.InvalidValueError, match=problem):
        Calendar(**fields)


def test_from_a_policy_file_table():
    table = {"weekend": ["fri", "sat"], "holidays": ["2026-12-25", dt.date(2026, 1, 1)]}
    assert Calendar.from_mapping(table) == Calendar(
        weekend=["fri", "sat"], holidays=[FRIDAY, dt.date(2026, 1, 1)]
    )
    with pytest.raises(lc.InvalidValueError, match="not a key"):
        Calendar.from_mapping({"weekends": ["sat"]})
    with pytest.raises(lc.InvalidValueError, match="must be a list"):
        Calendar.from_mapping({"holidays": "2026-12-25"})
    with pytest.raises(lc.InvalidValueError, match="ISO date"):
        Calendar.from_mapping({"holidays": ["25/12/2026"]})
    with pytest.raises(lc.InvalidValueError, match="ISO date"):
        Calendar.from_mapping({"holidays": [20261225]})


def test_the_last_date_has_nowhere_to_move():
    assert Calendar(holidays=[MAX_DATE]).next_working(MAX_DATE) == MAX_DATE


def test_the_engine_takes_a_calendar_or_refuses_something_else():
    assert lc.Engine(lc.starter_pack(), calendar=Calendar()).calendar == Calendar()
    with pytest.raises(lc.InvalidValueError, match="lifecycle.Calendar"):
        lc.Engine(lc.starter_pack(), calendar="GB")  # type: ignore[arg-type]


@given(
    day=st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
    weekend=st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), max_size=6),
    holidays=st.sets(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), max_size=10),
)
def test_the_next_working_day_is_working_and_never_earlier(day, weekend, holidays):
    calendar = Calendar(weekend=weekend, holidays=holidays)
    moved = calendar.next_working(day)
    assert moved >= day and calendar.is_working(moved)
    assert all(not calendar.is_working(day + k * DAY) for k in range((moved - day).days))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [({"holidays": 5}, "must be a list"), ({"holidays": "2026-12-25"}, "must be a list"),
     ({"weekend": 5}, "must be a list")],
)  # fmt: skip
def test_a_calendar_takes_lists_only(fields, problem):
    with pytest.raises(lc.InvalidValueError, match=problem):
        Calendar(**fields)


def test_a_bad_country_attribute_names_the_customer():
    ada = lc.Customer(
        id="c-7", name="Ada", since=dt.date(2025, 1, 1), attributes={"country": "United Kingdom"}
    )
    with pytest.raises(lc.InvalidValueError, match="customer 'c-7'"):
        Calendar().for_customer(ada)
