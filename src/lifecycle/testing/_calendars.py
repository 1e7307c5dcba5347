"""`calendars()`: working days with weekends and runs of holidays, for properties."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from lifecycle.calendar import WEEKDAYS, Calendar
from lifecycle.testing._strategies import DEFAULT_MAX_DATE, DEFAULT_MIN_DATE, local_dates

__all__ = ["calendars"]


def calendars(
    *,
    min_value: dt.date = DEFAULT_MIN_DATE,
    max_value: dt.date = DEFAULT_MAX_DATE,
    max_holidays: int = 12,
) -> st.SearchStrategy[Calendar]:
    """Generate calendars: a weekend of up to three days and runs of explicit holidays.

    Holidays come in runs of one to five days (a bridge between a holiday
    and the weekend, a closed week at the new year), from *min_value* to
    *max_value*, so that a due date may move across several days off in a
    row. No country: calendars drawn never need the ``holidays`` package.
    A failing calendar shrinks towards the plain Saturday-and-Sunday one.

    Args:
        min_value: The earliest holiday.
        max_value: The latest holiday (a run may end a few days later).
        max_holidays: At most this many runs of holidays.

    Examples:
        >>> from hypothesis import find
        >>> found = find(calendars(), lambda c: len(c.holidays) >= 3)
        >>> len(found.holidays) >= 3 and found.weekend == {"sat", "sun"}
        True
    """
    weekends = st.one_of(
        st.just(("sat", "sun")),
        st.lists(st.sampled_from(WEEKDAYS), max_size=3, unique=True).map(tuple),
    )
    runs = st.lists(
        st.tuples(local_dates(min_value=min_value, max_value=max_value), st.integers(1, 5)),
        max_size=max_holidays,
    )
    return st.builds(
        lambda weekend, found: Calendar(
            weekend=weekend,
            holidays=[
                start + dt.timedelta(days=k) for start, length in found for k in range(length)
            ],
        ),
        weekends,
        runs,
    )
