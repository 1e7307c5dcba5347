"""`books()`: consistent books, with realistic stewardship situations planted on purpose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from lifecycle._validate import to_zone
from lifecycle.book import Book
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.limits import MAX_DATE, MIN_DATE
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.testing._strategies import (
    DEFAULT_MAX_DATE,
    DEFAULT_MIN_DATE,
    customers,
    time_zones,
    touchpoints,
)
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

#: The situations `books` can plant, each a customer in a state a stewardship
#: habit is about (relative to the book's ``as_of`` date).
SITUATIONS: tuple[str, ...] = (
    "new_customer",
    "unresolved_complaint",
    "detractor",
    "promoter",
    "contract_ending",
    "long_silence",
    "health_check_due",
    "anniversary",
    "leap_day_customer",
    "churned",
    "do_not_contact",
)

#: One planted touchpoint: days before as_of, kind, direction, score.
_Event = tuple[int, str, str, int | None]
_Plan = tuple[Mapping[str, object], list[_Event]]


# The as_of dates whose planted situations (from two years and five days before,
# with a day of zone to spare, to 90 days after) stay within the library's dates.
_PLANTABLE = (MIN_DATE + dt.timedelta(days=2 * 366 + 7), MAX_DATE - dt.timedelta(days=92))


def _plan(draw: st.DrawFn, situation: str, as_of: dt.date) -> _Plan:  # noqa: PLR0911 - one per situation
    """The customer fields and touchpoints (days before *as_of*) of one situation."""
    n = st.integers
    purchase: _Event
    if situation == "new_customer":
        k = draw(n(0, 40))
        return {"since": as_of - dt.timedelta(days=k)}, [(k, "purchase", "inbound", None)]
    purchase = (400, "purchase", "inbound", None)
    since = {"since": as_of - dt.timedelta(days=400)}
    if situation == "unresolved_complaint":
        return since, [purchase, (draw(n(0, 10)), "complaint", "inbound", None)]
    if situation == "detractor":
        return since, [purchase, (draw(n(0, 10)), "nps", "inbound", draw(n(0, 6)))]
    if situation == "promoter":
        return since, [purchase, (draw(n(10, 40)), "nps", "inbound", draw(n(9, 10)))]
    if situation == "contract_ending":
        end = as_of + dt.timedelta(days=draw(n(0, 90)))
        return since | {"contract_end": end}, [purchase]
    if situation == "long_silence":
        k = draw(n(60, 150))
        return {"since": as_of - dt.timedelta(days=k)}, [(k, "purchase", "inbound", None)]
    if situation == "health_check_due":
        return since, [purchase, (draw(n(85, 120)), "health_check", "outbound", None)]
    if situation == "anniversary":
        start = as_of - relativedelta(years=draw(n(1, 2))) - dt.timedelta(days=draw(n(0, 5)))
        k = (as_of - start).days
        return {"since": start}, [(k, "purchase", "inbound", None)]
    if situation == "leap_day_customer":
        start = dt.date(2024, 2, 29)
        k = (as_of - start).days
        return {"since": start}, [(k, "purchase", "inbound", None)] if k >= 0 else []
    if situation == "churned":
        return since, [purchase, (draw(n(0, 30)), "cancellation", "inbound", None)]
    # do_not_contact: someone with an open complaint who asked not to be called.
    return since | {"do_not_contact": True}, [purchase, (3, "complaint", "inbound", None)]


def _planted(
    draw: st.DrawFn,
    situations: Sequence[str],
    as_of: dt.date,
    zones: st.SearchStrategy[ZoneInfo],
    taken: set[str],
) -> tuple[list[Customer], list[Touchpoint]]:
    people: list[Customer] = []
    items: list[Touchpoint] = []
    for situation in situations:
        if not draw(st.booleans()):  # shrinks to leaving the situation out
            continue
        planned, events = _plan(draw, situation, as_of)
        zone = draw(zones)
        cid = _unique(f"S-{situation}", taken)
        fields = {"name": situation.replace("_", " ").title(), "timezone": zone, **planned}
        people.append(Customer(id=cid, **fields))  # type: ignore[arg-type]
        # Noon local shrinks first; the ends of the day catch zone mistakes.
        hour = draw(st.sampled_from((12, 0, 23)))
        for i, (days_before, kind, direction, score) in enumerate(events, start=1):
            day = as_of - dt.timedelta(days=days_before)
            at = dt.datetime.combine(day, dt.time(hour, 30 if hour == 23 else 0), tzinfo=zone)
            items.append(
                Touchpoint(
                    id=_unique(f"{cid}-{i}", taken),
                    customer_id=cid,
                    at=at,
                    channel=Channel.EMAIL,
                    kind=kind,
                    direction=Direction(direction),
                    score=score,
                )
            )
    return people, items


def _unique(name: str, taken: set[str]) -> str:
    """*name*, primed until no random id of the book has it (random ids may be anything)."""
    while name in taken:
        name += "'"
    taken.add(name)
    return name


def _situations(value: bool | Sequence[str]) -> tuple[str, ...]:  # noqa: FBT001 - all or some
    if value is True:
        return SITUATIONS
    if value is False:
        return ()
    chosen = tuple(value)
    for name in chosen:
        if name not in SITUATIONS:
            raise InvalidValueError(
                "situations", name, f"is not a situation (known: {', '.join(SITUATIONS)})"
            )
    return chosen


def books(
    *,
    min_customers: int = 0,
    max_customers: int = 5,
    max_touchpoints: int = 20,
    min_date: dt.date = DEFAULT_MIN_DATE,
    max_date: dt.date = DEFAULT_MAX_DATE,
    timezones: st.SearchStrategy[ZoneInfo] | None = None,
    timezone: ZoneInfo | str | None = None,
    kinds: st.SearchStrategy[Kind] | None = None,
    channels: Sequence[Channel | str] | None = None,
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
    attributes: st.SearchStrategy[Mapping[str, str]] | None = None,
    situations: bool | Sequence[str] = False,
    as_of: dt.date | None = None,
    owners: Sequence[str] = (),
    amounts: bool = False,
    currencies: Sequence[str] = (),
    touchpoint_attributes: st.SearchStrategy[Mapping[str, str]] | None = None,
) -> st.SearchStrategy[Book]:
    """Generate consistent books: unique ids, every touchpoint of a known customer.

    Random customers and touchpoints come first; with *situations*, customers
    in realistic stewardship situations are planted besides them (each one may
    be left out, and shrinking leaves it out when the failure does not need
    it). A failing book shrinks towards few customers and touchpoints, simple
    ids, and dates at the start of the window.

    Args:
        min_customers: At least this many random customers.
        max_customers: At most this many random customers.
        max_touchpoints: At most this many random touchpoints in all.
        min_date: Earliest date of random dates.
        max_date: Latest date of random dates.
        timezones: Strategy for customers' zones (default `time_zones`).
        timezone: One fixed zone for every customer (overrides *timezones*).
        kinds: Strategy for random touchpoints' kinds (default: the standard kinds).
        channels: Channels to draw from (default: any).
        lifecycle: Recorded stages are drawn from its stages.
        attributes: Strategy for customers' custom attributes.
        situations: ``True`` for every situation of `SITUATIONS`, or the
            names of some: an unresolved complaint, a detractor, a contract
            ending soon, a long silence, a 29 February customer, ...
        as_of: The date situations are planted relative to (default:
            *max_date*); pass the date your test evaluates on.
        owners: Owners random customers are drawn with, or none (default:
            nobody owns a customer).
        amounts: Draw an amount, or none, for random purchases (see
            `touchpoints`; default: no money).
        currencies: With *amounts*, the codes currencies are drawn from, or
            none (default: amounts carry no currency).
        touchpoint_attributes: Strategy for random touchpoints' custom
            attributes, such as `touchpoint_attributes` (default: none).

    Raises:
        InvalidValueError: for an unknown situation or a bad size, or dates
            (*min_date*, *max_date*, *as_of*) that reach outside `lifecycle.limits`.

    Examples:
        >>> from hypothesis import find
        >>> import datetime as dt
        >>> book = find(
        ...     books(max_customers=0, situations=["detractor"], as_of=dt.date(2026, 3, 1)),
        ...     lambda b: len(b) > 0,
        ... )
        >>> [c.id for c in book], book.timeline("S-detractor").last().kind.name
        (['S-detractor'], 'nps')
    """
    planted = _situations(situations)
    if min_customers < 0 or max_customers < min_customers or max_touchpoints < 0:
        raise InvalidValueError(
            "books", (min_customers, max_customers, max_touchpoints), "sizes must fit together"
        )
    zones = (
        st.just(to_zone(timezone))
        if timezone is not None
        else (timezones if timezones is not None else time_zones())
    )
    reference = as_of if as_of is not None else max_date
    if planted and not _PLANTABLE[0] <= reference <= _PLANTABLE[1]:
        raise InvalidValueError(
            "as_of",
            reference,
            "situations are planted up to two years before and 90 days after it, which must "
            f"stay within {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()} (lifecycle.limits)",
        )

    # Made once here, not on every draw (see _strategies._shared).
    people_strategy = st.lists(
        customers(
            min_date=min_date,
            max_date=max_date,
            timezones=zones,
            channels=channels,
            lifecycle=lifecycle,
            attributes=attributes,
            owners=owners,
        ),
        min_size=min_customers,
        max_size=max_customers,
        unique_by=lambda c: c.id,
    )

    @st.composite
    def build(draw: st.DrawFn) -> Book:
        people = draw(people_strategy)
        items: list[Touchpoint] = []
        if people:
            owner = st.sampled_from([c.id for c in people])
            items = draw(
                st.lists(
                    touchpoints(
                        customer_id=owner,
                        min_date=min_date,
                        max_date=max_date,
                        kinds=kinds,
                        channels=channels,
                        amounts=amounts,
                        currencies=currencies,
                        attributes=touchpoint_attributes,
                    ),
                    max_size=max_touchpoints,
                    unique_by=lambda tp: tp.id,
                )
            )
        taken = {c.id for c in people} | {tp.id for tp in items}
        extra_people, extra_items = _planted(draw, planted, reference, zones, taken)
        return Book([*people, *extra_people], [*items, *extra_items])

    return build()
