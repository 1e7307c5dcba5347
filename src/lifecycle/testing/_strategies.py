"""The strategies behind `lifecycle.testing`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from lifecycle._validate import to_zone
from lifecycle.customers import RESERVED_COLUMNS, Customer, near_reserved
from lifecycle.errors import InvalidValueError
from lifecycle.limits import MAX_DATE, MIN_DATE
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import RESERVED_COLUMNS as TOUCHPOINT_RESERVED
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint, to_channel, to_kind

T = TypeVar("T")

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

#: The dates the strategies draw from unless told otherwise.
DEFAULT_MIN_DATE = dt.date(2023, 1, 1)
DEFAULT_MAX_DATE = dt.date(2027, 12, 31)


def time_zones(*, zones: Sequence[str] = EDGE_ZONES) -> st.SearchStrategy[ZoneInfo]:
    """Generate `ZoneInfo` zones from *zones* (shrinking towards the first)."""
    return _time_zones(tuple(zones))


# Strategies are made once per set of arguments and shared: Hypothesis does
# real work for each new strategy object (zone transitions, regexes), and the
# composite strategies below ask for their parts on every draw.
_shared = functools.lru_cache(maxsize=512)


@_shared
def _time_zones(zones: tuple[str, ...]) -> st.SearchStrategy[ZoneInfo]:
    return st.sampled_from([ZoneInfo(z) for z in zones])


def local_dates(
    *, min_value: dt.date = DEFAULT_MIN_DATE, max_value: dt.date = DEFAULT_MAX_DATE
) -> st.SearchStrategy[dt.date]:
    """Generate calendar dates in a window that, by default, holds 29 February 2024.

    29 February and the last days of months are drawn more often than chance
    would, since that is where calendar arithmetic breaks.

    Raises:
        InvalidValueError: if the window reaches outside `lifecycle.limits`' dates.
    """
    _within("min_value", min_value, MIN_DATE, MAX_DATE)
    _within("max_value", max_value, MIN_DATE, MAX_DATE)
    return _local_dates(min_value, max_value)


# A day in from either end, so that an instant's date stays in bounds in every zone.
_FIRST_INSTANT_DAY = MIN_DATE + dt.timedelta(days=1)
_LAST_INSTANT_DAY = MAX_DATE - dt.timedelta(days=1)


def _within(name: str, value: dt.date, low: dt.date, high: dt.date) -> None:
    if not low <= value <= high:
        raise InvalidValueError(
            name, value, f"must be from {low.isoformat()} to {high.isoformat()} (lifecycle.limits)"
        )


@_shared
def _local_dates(min_value: dt.date, max_value: dt.date) -> st.SearchStrategy[dt.date]:
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
    min_value: dt.date = DEFAULT_MIN_DATE,
    max_value: dt.date = DEFAULT_MAX_DATE,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
) -> st.SearchStrategy[dt.datetime]:
    """Generate timezone-aware datetimes between two dates, in zones from *timezones*.

    Instants on DST change days and close to local midnight in far zones are
    mixed in on purpose.

    Raises:
        InvalidValueError: if the window reaches outside `lifecycle.limits`' dates
            less a day at either end (so that the date is in bounds in every zone).
    """
    _within("min_value", min_value, _FIRST_INSTANT_DAY, _LAST_INSTANT_DAY)
    _within("max_value", max_value, _FIRST_INSTANT_DAY, _LAST_INSTANT_DAY)
    return _aware_datetimes(min_value, max_value, timezones)


@_shared
def _aware_datetimes(
    min_value: dt.date, max_value: dt.date, timezones: st.SearchStrategy[ZoneInfo] | None
) -> st.SearchStrategy[dt.datetime]:
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


def channels(*, allowed: Sequence[Channel | str] | None = None) -> st.SearchStrategy[Channel]:
    """Generate channels (only the *allowed* ones, if given; shrinking towards the first).

    *allowed* may hold custom channels (`Channel` objects, such as
    ``Channel("whatsapp")``) beside standard ones or their names.

    Raises:
        InvalidValueError: for an unknown channel name or an empty *allowed*.
    """
    return _channels_from(None if allowed is None else tuple(allowed))


@_shared
def _channels_from(allowed: tuple[Channel | str, ...] | None) -> st.SearchStrategy[Channel]:
    if allowed is None:
        return st.sampled_from(tuple(Channel))
    return st.sampled_from(_non_empty("allowed", [to_channel(c, "allowed") for c in allowed]))


@_shared
def directions() -> st.SearchStrategy[Direction]:
    """Generate directions."""
    return st.sampled_from(Direction)


def kinds(
    *, custom: Sequence[Kind] = (), allowed: Sequence[Kind | str] | None = None
) -> st.SearchStrategy[Kind]:
    """Generate the standard kinds and the *custom* ones, or only the *allowed* ones.

    Raises:
        UnknownKindError: for an unknown kind name in *allowed*.
        InvalidValueError: for an empty *allowed*.

    Examples:
        >>> from hypothesis import find
        >>> find(kinds(allowed=["complaint", "resolution"]), lambda k: True).name
        'complaint'
    """
    return _kinds_from(tuple(custom), None if allowed is None else tuple(allowed))


@_shared
def _kinds_from(
    custom: tuple[Kind, ...], allowed: tuple[Kind | str, ...] | None
) -> st.SearchStrategy[Kind]:
    if allowed is not None:
        return st.sampled_from(_non_empty("allowed", [to_kind(k) for k in allowed]))
    return st.sampled_from([*Kind.standard(), *custom])


@_shared
def scores(kind: Kind) -> st.SearchStrategy[int | None]:
    """Generate a valid score for *kind*: ``None``, or one in its range if it has one."""
    if kind.score_range is None:
        return st.none()
    low, high = kind.score_range
    return st.one_of(st.integers(low, high), st.none())


_NAME_TEXT = st.text(max_size=12)


@_shared
def _label_text(*, max_size: int = 10) -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=max_size).filter(
        lambda s: s == s.strip() and s.strip() != ""
    )


@_shared
def customer_ids() -> st.SearchStrategy[str]:
    """Generate ids: non-empty strings without edge spaces, unicode and punctuation included.

    Shrinks towards short ASCII ids such as ``"A0"``.
    """
    return st.one_of(
        st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True),
        _label_text(max_size=8),
    )


#: A tag drawn now and then among the random labels, so that the conditions
#: on a tag that `policies` makes (``tagged("vip")``) sometimes hold.
VIP = "vip"


@_shared
def tags() -> st.SearchStrategy[frozenset[str]]:
    """Generate tag sets: labels without ';' or edge spaces, now and then ``"vip"``."""
    labels = _label_text().filter(lambda s: ";" not in s)
    return st.frozensets(st.just(VIP) | labels, max_size=3)


#: The segments drawn now and then, so that the conditions on a segment that
#: `policies` makes (``segment("smb")``) sometimes hold.
SEGMENTS = ("smb", "mid", "enterprise")


@_shared
def attributes() -> st.SearchStrategy[dict[str, str]]:
    """Generate custom attributes: up to two names (not field names) with non-empty values.

    Now and then a ``segment`` too (``smb``, ``mid`` or ``enterprise``).
    """
    return _named_attributes(tuple(sorted(RESERVED_COLUMNS)), "segment", SEGMENTS)


@_shared
def touchpoint_attributes() -> st.SearchStrategy[dict[str, str]]:
    """Generate a touchpoint's custom attributes: up to two names (not column names).

    Now and then a ``campaign`` too, as a touchpoints file's extra column holds it.
    """
    return _named_attributes(tuple(TOUCHPOINT_RESERVED), "campaign", ("spring", "renewal-2026"))


def _named_attributes(
    reserved: tuple[str, ...], usual: str, values: Sequence[str]
) -> st.SearchStrategy[dict[str, str]]:
    """Up to two other names (neither *reserved* nor near one), and now and then *usual*."""
    names = _label_text(max_size=8).filter(
        lambda s: s not in reserved and s != usual and near_reserved(s, reserved) is None
    )
    others = st.dictionaries(names, st.text(min_size=1, max_size=8), max_size=2)
    return st.builds(
        lambda value, rest: rest if value is None else {usual: value, **rest},
        st.none() | st.sampled_from(values),
        others,
    )


def customers(
    *,
    ids: st.SearchStrategy[str] | None = None,
    since: st.SearchStrategy[dt.date] | None = None,
    min_date: dt.date = DEFAULT_MIN_DATE,
    max_date: dt.date = DEFAULT_MAX_DATE,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
    timezone: ZoneInfo | str | None = None,
    channels: Sequence[Channel | str] | None = None,
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
    attributes: st.SearchStrategy[Mapping[str, str]] | None = None,
    do_not_contact: bool | None = None,
    owners: Sequence[str] = (),
) -> st.SearchStrategy[Customer]:
    """Generate valid customers.

    Args:
        ids: Strategy for ids (default `customer_ids`).
        since: Strategy for the ``since`` date (default: `local_dates` in the window).
        min_date: Earliest ``since`` and ``contract_end`` date.
        max_date: Latest ``since`` and ``contract_end`` date.
        timezones: Strategy for zones (default `time_zones`).
        timezone: One fixed zone for every customer (overrides *timezones*).
        channels: Preferred channels to draw from (default: any, or none).
        lifecycle: Recorded stages are drawn from its stages.
        attributes: Strategy for custom attributes (default: `attributes`);
            each drawn mapping is checked as `Customer` checks it.
        do_not_contact: Fix the flag (default: drawn).
        owners: Owners to draw from, or none (default: no owner).

    Examples:
        >>> from hypothesis import find
        >>> ada = find(customers(timezone="Asia/Tokyo", do_not_contact=True), lambda c: True)
        >>> ada.timezone.key, ada.do_not_contact
        ('Asia/Tokyo', True)
    """
    zones = (
        st.just(to_zone(timezone))
        if timezone is not None
        else (timezones if timezones is not None else time_zones())
    )
    days = local_dates(min_value=min_date, max_value=max_date)
    return st.builds(
        Customer,
        id=ids if ids is not None else customer_ids(),
        name=_NAME_TEXT,
        since=since if since is not None else days,
        contract_end=st.none() | days,
        do_not_contact=st.booleans() if do_not_contact is None else st.just(do_not_contact),
        timezone=zones,
        preferred_channel=st.none() | _channels(allowed=channels),
        recorded_stage=st.none() | st.sampled_from(lifecycle.stages),
        attributes=attributes if attributes is not None else _attributes(),
        owner=st.none() | st.sampled_from(tuple(owners)) if owners else st.none(),
    )


@st.composite
def touchpoints(
    draw: st.DrawFn,
    *,
    customer_id: str | st.SearchStrategy[str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
    at: st.SearchStrategy[dt.datetime] | None = None,
    min_date: dt.date = DEFAULT_MIN_DATE,
    max_date: dt.date = DEFAULT_MAX_DATE,
    kinds: st.SearchStrategy[Kind] | None = None,
    channels: Sequence[Channel | str] | None = None,
    amounts: bool = False,
    currencies: Sequence[str] = (),
    attributes: st.SearchStrategy[Mapping[str, str]] | None = None,
) -> Touchpoint:
    """Generate valid touchpoints (scores always valid for their kind).

    Args:
        customer_id: The customer's id, or a strategy for it.
        ids: Strategy for touchpoint ids.
        at: Strategy for the instant (default: `aware_datetimes` in the window).
        min_date: Earliest date of the instant (when *at* is not given).
        max_date: Latest date of the instant (when *at* is not given).
        kinds: Strategy for kinds (default: the standard kinds; see `kinds`).
        channels: Channels to draw from (default: any).
        amounts: Draw an amount, or none, for purchases: from -1,000 (a refund)
            to 100,000, with at most two decimal places (default: no money).
        currencies: With *amounts*, the codes an amount's currency is drawn
            from, or none (default: amounts carry no currency).
        attributes: Strategy for custom attributes, such as
            `touchpoint_attributes` (default: none); each drawn mapping is
            checked as `Touchpoint` checks it.

    Examples:
        >>> from hypothesis import find
        >>> from lifecycle.touchpoints import Channel
        >>> tp = find(
        ...     touchpoints(channels=[Channel("sms")], attributes=touchpoint_attributes()),
        ...     lambda tp: "campaign" in tp.attributes,
        ... )
        >>> tp.channel, tp.attributes["campaign"]
        (Channel('sms'), 'spring')
    """
    if customer_id is None:
        cid = draw(customer_ids())
    elif isinstance(customer_id, str):
        cid = customer_id
    else:
        cid = draw(customer_id)
    kind = draw(kinds if kinds is not None else _standard_kinds)
    money = draw(_money(tuple(currencies))) if amounts and kind == Kind.PURCHASE else (None, None)
    when = at if at is not None else aware_datetimes(min_value=min_date, max_value=max_date)
    return Touchpoint(
        id=draw(ids if ids is not None else customer_ids()),
        customer_id=cid,
        at=draw(when),
        channel=draw(_channels(allowed=channels)),
        kind=kind,
        direction=draw(directions()),
        score=draw(scores(kind)),
        tags=draw(tags()),
        note=draw(_NAME_TEXT),
        amount=money[0],
        currency=money[1],
        attributes=draw(attributes) if attributes is not None else {},
    )


@functools.cache
def _money(currencies: tuple[str, ...]) -> st.SearchStrategy[tuple[Decimal | None, str | None]]:
    amount = st.decimals(min_value=-1000, max_value=100_000, places=2)
    code = st.none() | st.sampled_from(currencies) if currencies else st.none()
    return st.just((None, None)) | st.tuples(amount, code)


_standard_kinds = st.sampled_from(Kind.standard())
_channels = channels
_attributes = attributes


@st.composite
def timelines(
    draw: st.DrawFn,
    *,
    customer_id: str = "C1",
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
    timezone: ZoneInfo | str | None = None,
    min_size: int = 0,
    max_size: int = 12,
    min_date: dt.date = DEFAULT_MIN_DATE,
    max_date: dt.date = DEFAULT_MAX_DATE,
    kinds: st.SearchStrategy[Kind] | None = None,
    channels: Sequence[Channel | str] | None = None,
    attributes: st.SearchStrategy[Mapping[str, str]] | None = None,
) -> Timeline:
    """Generate one customer's timeline with unique touchpoint ids.

    Args:
        customer_id: Whose timeline it is.
        timezones: Strategy for the timeline's zone (default `time_zones`).
        timezone: One fixed zone (overrides *timezones*).
        min_size: At least this many touchpoints.
        max_size: At most this many touchpoints.
        min_date: Earliest touchpoint date.
        max_date: Latest touchpoint date.
        kinds: Strategy for kinds (default: the standard kinds).
        channels: Channels to draw from (default: any).
        attributes: Strategy for the touchpoints' custom attributes (default: none).
    """
    zone = (
        to_zone(timezone)
        if timezone is not None
        else draw(timezones if timezones is not None else time_zones())
    )
    items = draw(
        st.lists(
            touchpoints(
                customer_id=customer_id,
                min_date=min_date,
                max_date=max_date,
                kinds=kinds,
                channels=channels,
                attributes=attributes,
            ),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda tp: tp.id,
        )
    )
    return Timeline(items, timezone=zone)


def _non_empty(name: str, values: list[T]) -> list[T]:
    if not values:
        raise InvalidValueError(name, values, "must name at least one value")
    return values
