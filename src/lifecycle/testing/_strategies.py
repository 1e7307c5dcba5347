"""The strategies behind `lifecycle.testing`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from lifecycle.book import Book
from lifecycle.customers import RESERVED_COLUMNS, Customer
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

#: Zones that make local dates interesting, simplest first (shrinking goes to
#: UTC): DST in both hemispheres, half- and quarter-hour offsets, a 30-minute
#: DST shift, and the extremes UTC+14 and UTC-11.
EDGE_ZONES: tuple[str, ...] = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)

_MIN_DATE = dt.date(2023, 1, 1)
_MAX_DATE = dt.date(2027, 12, 31)


def time_zones(*, zones: Sequence[str] = EDGE_ZONES) -> st.SearchStrategy[ZoneInfo]:
    """Generate `ZoneInfo` zones from *zones* (shrinking towards the first)."""
    return st.sampled_from([ZoneInfo(z) for z in zones])


def local_dates(
    *, min_value: dt.date = _MIN_DATE, max_value: dt.date = _MAX_DATE
) -> st.SearchStrategy[dt.date]:
    """Generate calendar dates in a window that, by default, holds 29 February 2024.

    29 February and the last days of months are drawn more often than chance
    would, since that is where calendar arithmetic breaks.
    """
    edges = [
        d
        for d in (
            dt.date(2024, 2, 29),
            dt.date(2024, 2, 28),
            dt.date(2025, 2, 28),
            dt.date(2024, 1, 31),
        )
        if min_value <= d <= max_value
    ]
    plain = st.dates(min_value=min_value, max_value=max_value)
    return st.one_of(plain, st.sampled_from(edges)) if edges else plain


def aware_datetimes(
    *,
    min_value: dt.date = _MIN_DATE,
    max_value: dt.date = _MAX_DATE,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
) -> st.SearchStrategy[dt.datetime]:
    """Generate timezone-aware datetimes between two dates, in zones from *timezones*.

    Instants on DST change days and close to local midnight in far zones are
    mixed in on purpose.
    """
    zones = timezones if timezones is not None else time_zones()
    low = dt.datetime.combine(min_value, dt.time())
    high = dt.datetime.combine(max_value, dt.time(23, 59, 59))
    plain = st.datetimes(min_value=low, max_value=high, timezones=zones, allow_imaginary=False)
    utc = ZoneInfo("UTC")
    edges = [
        e
        for e in (
            dt.datetime(2024, 3, 31, 0, 59, 59, tzinfo=utc),  # Europe springs forward at 01:00 UTC
            dt.datetime(2024, 10, 27, 1, 0, tzinfo=utc),  # ... and falls back
            dt.datetime(2024, 3, 10, 7, 0, tzinfo=utc),  # New York springs forward
            dt.datetime(2024, 2, 29, 9, 59, tzinfo=utc),  # 23:59 on Feb 29 in Kiritimati
            dt.datetime(2024, 2, 29, 10, 0, tzinfo=utc),  # 00:00 on Mar 1 in Kiritimati
            dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
        )
        if low.replace(tzinfo=utc) <= e <= high.replace(tzinfo=utc)
    ]
    if not edges:
        return plain
    shifted = st.tuples(st.sampled_from(edges), zones).map(lambda p: p[0].astimezone(p[1]))
    return st.one_of(plain, shifted)


def channels() -> st.SearchStrategy[Channel]:
    """Generate channels."""
    return st.sampled_from(Channel)


def directions() -> st.SearchStrategy[Direction]:
    """Generate directions."""
    return st.sampled_from(Direction)


def kinds(*, custom: Sequence[Kind] = ()) -> st.SearchStrategy[Kind]:
    """Generate the standard kinds, and the *custom* ones if given."""
    return st.sampled_from([*Kind.standard(), *custom])


def scores(kind: Kind) -> st.SearchStrategy[int | None]:
    """Generate a valid score for *kind*: ``None``, or one in its range if it has one."""
    if kind.score_range is None:
        return st.none()
    low, high = kind.score_range
    return st.one_of(st.integers(low, high), st.none())


_NAME_TEXT = st.text(max_size=12)


def _label_text(*, max_size: int = 10) -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=max_size).filter(
        lambda s: s == s.strip() and s.strip() != ""
    )


def customer_ids() -> st.SearchStrategy[str]:
    """Generate ids: non-empty strings without edge spaces, unicode and punctuation included."""
    return st.one_of(
        st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True),
        _label_text(max_size=8),
    )


def tags() -> st.SearchStrategy[frozenset[str]]:
    """Generate tag sets (labels without ';' or edge spaces)."""
    return st.frozensets(_label_text().filter(lambda s: ";" not in s), max_size=3)


def customers(
    *,
    ids: st.SearchStrategy[str] | None = None,
    since: st.SearchStrategy[dt.date] | None = None,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
) -> st.SearchStrategy[Customer]:
    """Generate valid customers.

    Args:
        ids: Strategy for ids (default `customer_ids`).
        since: Strategy for the ``since`` date (default `local_dates`).
        timezones: Strategy for zones (default `time_zones`).
        lifecycle: Recorded stages are drawn from its stages.
    """
    attribute_names = _label_text(max_size=8).filter(lambda s: s not in RESERVED_COLUMNS)
    return st.builds(
        Customer,
        id=ids if ids is not None else customer_ids(),
        name=_NAME_TEXT,
        since=since if since is not None else local_dates(),
        contract_end=st.none() | local_dates(),
        do_not_contact=st.booleans(),
        timezone=timezones if timezones is not None else time_zones(),
        preferred_channel=st.none() | channels(),
        recorded_stage=st.none() | st.sampled_from(lifecycle.stages),
        attributes=st.dictionaries(attribute_names, st.text(min_size=1, max_size=8), max_size=2),
    )


@st.composite
def touchpoints(
    draw: st.DrawFn,
    *,
    customer_id: str | st.SearchStrategy[str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
    at: st.SearchStrategy[dt.datetime] | None = None,
    kinds: st.SearchStrategy[Kind] | None = None,
) -> Touchpoint:
    """Generate valid touchpoints (scores always valid for their kind).

    Args:
        customer_id: The customer's id, or a strategy for it.
        ids: Strategy for touchpoint ids.
        at: Strategy for the instant (default `aware_datetimes`).
        kinds: Strategy for kinds (default: the standard kinds).
    """
    if customer_id is None:
        cid = draw(customer_ids())
    elif isinstance(customer_id, str):
        cid = customer_id
    else:
        cid = draw(customer_id)
    kind = draw(kinds if kinds is not None else _standard_kinds)
    return Touchpoint(
        id=draw(ids if ids is not None else customer_ids()),
        customer_id=cid,
        at=draw(at if at is not None else aware_datetimes()),
        channel=draw(channels()),
        kind=kind,
        direction=draw(directions()),
        score=draw(scores(kind)),
        tags=draw(tags()),
        note=draw(_NAME_TEXT),
    )


_standard_kinds = st.sampled_from(Kind.standard())


@st.composite
def timelines(
    draw: st.DrawFn,
    *,
    customer_id: str = "C1",
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
    max_size: int = 12,
) -> Timeline:
    """Generate one customer's timeline with unique touchpoint ids."""
    zone = draw(timezones if timezones is not None else time_zones())
    items = draw(
        st.lists(
            touchpoints(customer_id=customer_id),
            max_size=max_size,
            unique_by=lambda tp: tp.id,
        )
    )
    return Timeline(items, timezone=zone)


@st.composite
def books(
    draw: st.DrawFn,
    *,
    min_customers: int = 0,
    max_customers: int = 5,
    max_touchpoints: int = 20,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
) -> Book:
    """Generate consistent books: unique ids, every touchpoint of a known customer.

    Args:
        min_customers: At least this many customers.
        max_customers: At most this many customers.
        max_touchpoints: At most this many touchpoints in all.
        timezones: Strategy for customers' zones.
    """
    people = draw(
        st.lists(
            customers(timezones=timezones),
            min_size=min_customers,
            max_size=max_customers,
            unique_by=lambda c: c.id,
        )
    )
    if not people:
        return Book(people)
    owner = st.sampled_from([c.id for c in people])
    items = draw(
        st.lists(
            touchpoints(customer_id=owner), max_size=max_touchpoints, unique_by=lambda tp: tp.id
        )
    )
    return Book(people, items)
