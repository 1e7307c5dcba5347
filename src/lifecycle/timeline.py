"""Timelines: one customer's touchpoints in time order, with the queries policies ask.

A timeline also carries the customer's decisions (`lifecycle.Decision`): what
the team did with its actions. Every path that works out an agenda reads a
customer through its timeline, so the decisions reach all of them from here.

A `Timeline` is sorted once and indexed by kind when it is built; every query
after that is a binary search or a slice, and narrowing it (`until`, `since`,
`after`, `before`) gives a *view* that shares the index instead of copying it.
"""

from __future__ import annotations

import datetime as dt
import operator
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from operator import attrgetter, methodcaller
from typing import NoReturn, overload
from zoneinfo import ZoneInfo

from lifecycle._validate import (
    LOCAL_SAFE_FIRST,
    LOCAL_SAFE_LAST,
    UTC,
    check_date,
    local_problem,
    slot_setters,
    to_zone,
)
from lifecycle.decisions import Decision, sorted_decisions
from lifecycle.errors import DuplicateIdError, InvalidValueError
from lifecycle.touchpoints import Direction, Kind, Touchpoint, to_direction, to_kind

__all__ = ["Timeline"]

#: A test on one touchpoint, as used by ``where=`` arguments.
Predicate = Callable[[Touchpoint], bool]


# Touchpoints at the same instant are ordered by id (code-point order), so
# "first" and "last" are well defined (starter-pack.md, "Ties").
_sort_key = attrgetter("at", "id")
_at = attrgetter("at")
_kind = attrgetter("kind")
_direction = attrgetter("direction")
_toordinal = methodcaller("toordinal")

# One character per kind and per direction, so that "the first complaint" is a
# `str.find` over a short string rather than a loop in Python. Codes are handed
# out as kinds are first seen; a kind keeps its code for the life of the process.
_KIND_CODES: dict[Kind, str] = {}
# Held while an index is checked to end where a timeline ends and then grown:
# two threads extending one book must not both append to the same index.
_GROWING = threading.Lock()
_DIRECTION_CODES = {Direction.INBOUND: "i", Direction.OUTBOUND: "o"}


def _check_local(items: Sequence[Touchpoint], zone: ZoneInfo) -> None:
    """Refuse a touchpoint whose date in *zone* is out of bounds (*items* in time order).

    Only the first and last few can be near the bounds: a look at the ends suffices.
    """
    if not items or (items[0].at >= LOCAL_SAFE_FIRST and items[-1].at <= LOCAL_SAFE_LAST):
        return
    for touchpoint in items:
        if not LOCAL_SAFE_FIRST <= touchpoint.at <= LOCAL_SAFE_LAST:
            problem = local_problem(touchpoint.at, zone)
            if problem is not None:
                raise InvalidValueError(
                    "at", touchpoint.at, f"{problem} (touchpoint {touchpoint.id!r})"
                )


def _kind_code(kind: Kind) -> str:
    code = _KIND_CODES.get(kind)
    if code is None:
        code = _KIND_CODES.setdefault(kind, chr(len(_KIND_CODES) + 1))
    return code


def _columns(items: Sequence[Touchpoint], zone: ZoneInfo) -> tuple[array[int], str, str]:
    """Each touchpoint's local date (as an ordinal), kind code and direction code."""
    if len(items) == 1:  # the usual new touchpoint: no pipelines to set up for one
        (touchpoint,) = items
        at = touchpoint.at if zone is UTC else touchpoint.at.astimezone(zone)
        code = _kind_code(touchpoint.kind)
        return array("i", [at.toordinal()]), code, _DIRECTION_CODES[touchpoint.direction]
    # map() pipelines of C-level callables: a book holds millions of touchpoints.
    instants = map(_at, items)
    if zone is not UTC:  # instants are stored in UTC already
        instants = map(methodcaller("astimezone", zone), instants)
    days = array("i", map(_toordinal, instants))
    try:
        kinds = "".join(map(_KIND_CODES.__getitem__, map(_kind, items)))
    except KeyError:  # a kind seen for the first time
        kinds = "".join([_kind_code(tp.kind) for tp in items])
    directions = "".join(map(_DIRECTION_CODES.__getitem__, map(_direction, items)))
    return days, kinds, directions


class _Index:
    """The shared data behind a timeline and all its views.

    Besides the touchpoints themselves it keeps, per position, the local date
    as an ordinal (4 bytes each in an array, not a `datetime.date` object), and
    a kind code and direction code (one character each), so that the questions
    policies ask are C-level searches.

    It only ever grows at the end (`append`), and each timeline reads only its
    own positions, so a timeline sharing it never sees a change.
    """

    __slots__ = ("days", "directions", "items", "kinds")

    def __init__(self, items: list[Touchpoint], zone: ZoneInfo) -> None:
        self.items = items
        self.days, self.kinds, self.directions = _columns(items, zone)

    def append(self, later: list[Touchpoint], zone: ZoneInfo) -> None:
        """Put *later* (touchpoints that all come after these) at the end.

        In place: joining copies would touch every older touchpoint of the
        customer again, for each new one (a large book gets thousands a day).
        """
        days, kinds, directions = _columns(later, zone)
        self.days += days
        self.kinds += kinds
        self.directions += directions
        self.items += later


class Timeline:
    """One customer's touchpoints in time order (ties broken by touchpoint id).

    Immutable: every narrowing query returns a new view. Kinds may be given as
    `Kind` objects or standard kind names; ``direction=`` and ``where=`` narrow
    a query further.

    Args:
        touchpoints: The customer's touchpoints, in any order.
        timezone: The customer's zone, in which local dates are taken.
        decisions: The customer's decisions, in any order. Every view keeps
            them all: the engine takes each from its own date on.

    Raises:
        InvalidValueError: if the touchpoints and decisions belong to more
            than one customer.
        DuplicateIdError: if two touchpoints, or two decisions, share an id.

    Examples:
        >>> import datetime as dt
        >>> from lifecycle import Touchpoint
        >>> def tp(id, day, kind):
        ...     return Touchpoint(id=id, customer_id="c-1", kind=kind, channel="phone",
        ...                       direction="outbound",
        ...                       at=dt.datetime(2026, 1, day, 12, tzinfo=dt.UTC))
        >>> tl = Timeline([tp("t2", 9, "check_in"), tp("t1", 2, "purchase")])
        >>> [t.id for t in tl]
        ['t1', 't2']
        >>> tl.last().id, tl.first("purchase").id, tl.count("check_in")
        ('t2', 't1', 1)
        >>> tl.until(dt.date(2026, 1, 5)).last().id
        't1'
    """

    __slots__ = ("_index", "_start", "_stop", "decisions", "timezone")

    timezone: ZoneInfo
    #: The customer's decisions, in the order they count (latest last).
    decisions: tuple[Decision, ...]
    _index: _Index
    _start: int
    _stop: int

    def __init__(
        self,
        touchpoints: Iterable[Touchpoint] = (),
        *,
        timezone: ZoneInfo | str = UTC,
        decisions: Iterable[Decision] = (),
    ) -> None:
        zone = to_zone(timezone)
        items = tuple(touchpoints)
        decided = tuple(decisions)
        for what, group, cls in (
            ("touchpoint", items, Touchpoint),
            ("decision", decided, Decision),
        ):
            seen: set[str] = set()
            for item in group:
                if not isinstance(item, cls):
                    raise InvalidValueError(f"{what}s", item, f"must be {cls.__name__} values")
                if item.id in seen:
                    raise DuplicateIdError(what, item.id)
                seen.add(item.id)
        customer_ids = {tp.customer_id for tp in items} | {d.customer_id for d in decided}
        if len(customer_ids) > 1:
            raise InvalidValueError(
                "touchpoints",
                sorted(customer_ids),
                "a timeline holds one customer's touchpoints and decisions, "
                "these belong to several",
            )
        self._build(zone, items, sorted_decisions(decided))

    @classmethod
    def unchecked(
        cls,
        touchpoints: Iterable[Touchpoint],
        timezone: ZoneInfo,
        decisions: tuple[Decision, ...] = (),
    ) -> Timeline:
        """Return the timeline of touchpoints the caller vouches for, without checking them.

        For readers that checked, row by row, that the touchpoints (and
        *decisions*, already in the order they count) are one customer's and
        their ids unique (and name the file and line when not); the
        constructor checks both again. *timezone* is a `ZoneInfo`.

        Examples:
            >>> import datetime as dt
            >>> from zoneinfo import ZoneInfo
            >>> from lifecycle import Touchpoint
            >>> bought = Touchpoint(id="t1", customer_id="c-1", kind="purchase",
            ...                     channel="web", direction="inbound",
            ...                     at=dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC))
            >>> Timeline.unchecked([bought], ZoneInfo("UTC")) == Timeline([bought])
            True
        """
        timeline = object.__new__(cls)
        timeline._build(timezone, touchpoints, decisions)
        return timeline

    def extended(self, touchpoints: Iterable[Touchpoint], timezone: ZoneInfo) -> Timeline:
        """Return a timeline in *timezone* of these and more of the customer's touchpoints.

        Unchecked: the caller vouches that *touchpoints* are the same
        customer's and their ids new (`Book.with_touchpoints` checks both,
        then extends). New touchpoints usually come after all the others:
        then they are put at the end of this timeline's shared index, and
        this timeline, which reads only its own positions, does not change.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Touchpoint
            >>> def tp(id, day):
            ...     return Touchpoint(id=id, customer_id="c-1", kind="inquiry", channel="web",
            ...                       direction="inbound",
            ...                       at=dt.datetime(2026, 1, day, tzinfo=dt.UTC))
            >>> before = Timeline([tp("t1", 2)])
            >>> after = before.extended([tp("t2", 5)], before.timezone)
            >>> len(before), [t.id for t in after]
            (1, ['t1', 't2'])
        """
        more = list(touchpoints)
        if len(more) > 1:  # usually one: no key to make
            more.sort(key=_sort_key)
        _check_local(more, timezone)
        index = self._index
        with _GROWING:
            items = index.items
            if (
                timezone is self.timezone
                and self._start == 0
                # Not a view, nor a timeline already extended (its index holds others too).
                and self._stop == len(items)
                and not (items and more and _sort_key(more[0]) <= _sort_key(items[-1]))
            ):
                index.append(more, timezone)
                timeline = object.__new__(Timeline)
                timeline._init(timezone, index, 0, len(index.items), self.decisions)
                return timeline
        return Timeline.unchecked([*self, *more], timezone, self.decisions)

    def with_decisions(self, decisions: Iterable[Decision]) -> Timeline:
        """Return this timeline with more of the customer's decisions.

        Unchecked: the caller vouches that they are the customer's and their
        ids new (`Book.with_decisions` checks both). The touchpoints are
        shared, not copied.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Decision
            >>> done = Decision(id="d1", customer_id="c-1", policy="welcome",
            ...                 due=dt.date(2026, 1, 8), outcome="done",
            ...                 at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC))
            >>> timeline = Timeline()
            >>> timeline.with_decisions([done]).decisions == (done,), timeline.decisions
            (True, ())
        """
        timeline = object.__new__(Timeline)
        decided = sorted_decisions([*self.decisions, *decisions])
        timeline._init(self.timezone, self._index, self._start, self._stop, decided)
        return timeline

    def additions(self, earlier: Timeline) -> list[Touchpoint]:
        """Return the touchpoints of this timeline that *earlier* does not hold, in order.

        *earlier* is an older timeline (or view) of the same customer, all of
        whose touchpoints this one holds: what an incremental agenda saw
        before. When *earlier*'s last touchpoint has as many before it here
        as there, those are *earlier*'s (touchpoints are only ever added),
        and the new ones are all after it: no need to compare ids.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Touchpoint
            >>> def tp(id, day):
            ...     return Touchpoint(id=id, customer_id="c-1", kind="inquiry", channel="web",
            ...                       direction="inbound",
            ...                       at=dt.datetime(2026, 1, day, tzinfo=dt.UTC))
            >>> timeline = Timeline([tp("t1", 2), tp("t2", 5)])
            >>> [t.id for t in timeline.additions(timeline.until(dt.date(2026, 1, 3)))]
            ['t2']
        """
        items, count = self._index.items, len(earlier)
        if not count:
            return list(self)
        last = self._start + count - 1
        if last < self._stop and items[last] is earlier._index.items[earlier._stop - 1]:
            return list(items[last + 1 : self._stop])
        known = {tp.id for tp in earlier}
        return [tp for tp in self if tp.id not in known]

    def _build(
        self, zone: ZoneInfo, touchpoints: Iterable[Touchpoint], decisions: tuple[Decision, ...]
    ) -> None:
        # A list, not a tuple: appending to it later (see `_Index.append`) needs no copy.
        items = sorted(touchpoints, key=_sort_key)
        _check_local(items, zone)
        self._init(zone, _Index(items, zone), 0, len(items), decisions)

    def _init(
        self,
        zone: ZoneInfo,
        index: _Index,
        start: int,
        stop: int,
        decisions: tuple[Decision, ...],
    ) -> None:
        # The slots' own setters: cheaper than `object.__setattr__`, and a
        # day of an incremental agenda makes a timeline per touched customer.
        _SET_ZONE(self, zone)
        _SET_INDEX(self, index)
        _SET_START(self, start)
        _SET_STOP(self, stop)
        _SET_DECISIONS(self, decisions)

    def _view(self, start: int, stop: int) -> Timeline:
        start = max(start, self._start)
        stop = min(stop, self._stop)
        if start == self._start and stop == self._stop:
            return self
        view = object.__new__(Timeline)
        view._init(self.timezone, self._index, start, max(start, stop), self.decisions)
        return view

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Timeline is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Timeline is immutable; cannot delete {name!r}")

    # -- the sequence ---------------------------------------------------------

    def __len__(self) -> int:
        return self._stop - self._start

    def __bool__(self) -> bool:
        return self._stop > self._start

    def __iter__(self) -> Iterator[Touchpoint]:
        # C-level, without copying: the index only grows past this view's stop.
        return islice(self._index.items, self._start, self._stop)

    def __reversed__(self) -> Iterator[Touchpoint]:
        items = self._index.items
        return (items[i] for i in range(self._stop - 1, self._start - 1, -1))

    @overload
    def __getitem__(self, i: int) -> Touchpoint: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Touchpoint, ...]: ...
    def __getitem__(self, i: int | slice) -> Touchpoint | tuple[Touchpoint, ...]:
        if isinstance(i, slice):
            return self.touchpoints[i]
        # One touchpoint without copying the others (a view may hold thousands).
        position = operator.index(i)
        size = self._stop - self._start
        if not -size <= position < size:
            raise IndexError(f"timeline index {i!r} out of range for {size} touchpoints")
        return self._index.items[self._start + position % size]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return (
            self.timezone == other.timezone
            and self.touchpoints == other.touchpoints
            and self.decisions == other.decisions
        )

    def __hash__(self) -> int:
        return hash((self.timezone, self.touchpoints, self.decisions))

    def __repr__(self) -> str:
        decided = f", decisions={list(self.decisions)!r}" if self.decisions else ""
        return f"Timeline({list(self.touchpoints)!r}, timezone={self.timezone.key!r}{decided})"

    @property
    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """The touchpoints of this timeline (or view), oldest first."""
        return tuple(self._index.items[self._start : self._stop])

    @property
    def customer_id(self) -> str | None:
        """The customer these touchpoints belong to (``None`` when empty).

        Read from this view's own touchpoints, so an empty view, such as
        ``timeline.until(day)`` before the first one, gives ``None`` like the
        empty timeline it equals.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Touchpoint
            >>> bought = Touchpoint(id="t1", customer_id="c-1", kind="purchase",
            ...                     channel="web", direction="inbound",
            ...                     at=dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC))
            >>> timeline = Timeline([bought])
            >>> timeline.customer_id
            'c-1'
            >>> print(timeline.until(dt.date(2026, 1, 1)).customer_id)
            None
        """
        if self._stop == self._start:
            return None
        return self._index.items[self._start].customer_id

    def local_dates(self) -> tuple[dt.date, ...]:
        """The local date of each touchpoint, in the timeline's zone and order."""
        return tuple(map(dt.date.fromordinal, self._index.days[self._start : self._stop]))

    def local_date(self, touchpoint: Touchpoint) -> dt.date:
        """Return *touchpoint*'s calendar date in this timeline's zone."""
        return touchpoint.local_date(self.timezone)

    # -- narrowing ------------------------------------------------------------

    def until(self, when: dt.date | dt.datetime) -> Timeline:
        """Keep touchpoints up to *when*, inclusive.

        Args:
            when: A local `datetime.date` (touchpoints whose local date is on
                or before it) or an aware `datetime.datetime` (touchpoints at or
                before that instant).
        """
        return self._view(self._start, self._cut(when, after=True))

    def next_date(self, after: dt.date) -> dt.date | None:
        """Return the local date of the first touchpoint dated after *after*, if any.

        The day `until` (*after*) would start to show more of this timeline.

        Raises:
            InvalidValueError: if *after* is not a date.
        """
        return self.until_and_next(check_date("after", after))[1]

    def until_and_next(self, day: dt.date) -> tuple[Timeline, dt.date | None]:
        """Return `until` (*day*) and `next_date` (*day*) with one search.

        What the engine asks of each customer for each date: the touchpoints
        its policies see, and the day that changes. *day* is a date (unchecked).

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Touchpoint
            >>> call = Touchpoint(id="t1", customer_id="c-1", kind="inquiry", channel="phone",
            ...                   direction="inbound", at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC))
            >>> seen, changes = Timeline([call]).until_and_next(dt.date(2026, 1, 1))
            >>> len(seen), changes
            (0, datetime.date(2026, 1, 9))
        """
        days, stop = self._index.days, self._stop
        position = bisect_right(days, day.toordinal(), self._start, stop)
        later = dt.date.fromordinal(days[position]) if position < stop else None
        return self._view(self._start, position), later

    def since(self, when: dt.date | dt.datetime) -> Timeline:
        """Keep touchpoints from *when* on, inclusive (a local date or an instant)."""
        return self._view(self._cut(when, after=False), self._stop)

    def after(self, instant: dt.datetime, *, inclusive: bool = False) -> Timeline:
        """Keep touchpoints strictly after *instant* (at or after, if *inclusive*)."""
        return self._view(self._cut(instant, after=not inclusive), self._stop)

    def before(self, instant: dt.datetime, *, inclusive: bool = False) -> Timeline:
        """Keep touchpoints strictly before *instant* (at or before, if *inclusive*)."""
        return self._view(self._start, self._cut(instant, after=inclusive))

    def between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> Timeline:
        """Keep touchpoints from *start* to *end*, both inclusive."""
        return self.since(start).until(end)

    def _cut(self, when: dt.date | dt.datetime, *, after: bool) -> int:
        """Position of the first touchpoint after (or at, if not *after*) *when*."""
        search = bisect_right if after else bisect_left
        index = self._index
        if isinstance(when, dt.datetime):
            if when.tzinfo is None or when.utcoffset() is None:
                raise InvalidValueError(
                    "when", when, "is naive; timeline queries need an aware datetime"
                )
            return search(index.items, when, self._start, self._stop, key=_at)
        if isinstance(when, dt.date):
            # Local dates are non-decreasing along the timeline: one zone, sorted instants.
            return search(index.days, when.toordinal(), self._start, self._stop)
        raise InvalidValueError(
            "when", when, "must be a datetime.date or an aware datetime.datetime"
        )

    # -- questions ------------------------------------------------------------

    def _find(self, kind: Kind | str | None, direction: Direction | None, *, reverse: bool) -> int:
        """Position of the first (or, if *reverse*, last) match in the view, else -1."""
        index, start, stop = self._index, self._start, self._stop
        if kind is None:
            if direction is None:
                return (stop - 1 if reverse else start) if stop > start else -1
            way, ways = _DIRECTION_CODES[direction], index.directions
            return ways.rfind(way, start, stop) if reverse else ways.find(way, start, stop)
        code = _KIND_CODES.get(kind if type(kind) is Kind else to_kind(kind))
        if code is None:  # a kind no timeline has held
            return -1
        codes = index.kinds
        if direction is None:
            return codes.rfind(code, start, stop) if reverse else codes.find(code, start, stop)
        want = _DIRECTION_CODES[direction]
        directions = index.directions
        if reverse:
            i = codes.rfind(code, start, stop)
            while i >= 0 and directions[i] != want:
                i = codes.rfind(code, start, i)
        else:
            i = codes.find(code, start, stop)
            while i >= 0 and directions[i] != want:
                i = codes.find(code, i + 1, stop)
        return i

    def _locate(
        self,
        kind: Kind | str | None,
        direction: Direction | None,
        where: Predicate | None,
        *,
        reverse: bool,
    ) -> int:
        """Position of the first (or last) touchpoint matching every filter, else -1."""
        if where is None:
            return self._find(kind, direction, reverse=reverse)
        items = self._index.items
        positions = list(self._positions(kind))
        return next(
            (
                i
                for i in (reversed(positions) if reverse else positions)
                if _matches(items[i], direction, where)
            ),
            -1,
        )

    def dated_match(
        self,
        kind: Kind | None,
        direction: Direction | None,
        where: Predicate | None,
        *,
        last: bool,
    ) -> tuple[Touchpoint, dt.date] | None:
        """Return the first (or *last*) touchpoint matching every filter, with its local date.

        What an anchor asks: `first` or `last`, and the date without working
        it out again. *kind* and *direction* are a `Kind` and a `Direction`
        (or ``None``), not names.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Kind, Touchpoint
            >>> bought = Touchpoint(id="t1", customer_id="c-1", kind="purchase", channel="web",
            ...                     direction="inbound",
            ...                     at=dt.datetime(2026, 1, 9, 23, tzinfo=dt.UTC))
            >>> timeline = Timeline([bought], timezone="Asia/Tokyo")
            >>> timeline.dated_match(Kind.PURCHASE, None, None, last=True)[1]
            datetime.date(2026, 1, 10)
        """
        i = self._locate(kind, direction, where, reverse=last)
        if i < 0:
            return None
        return self._index.items[i], dt.date.fromordinal(self._index.days[i])

    def earliest_from(
        self, start: int, kinds: tuple[Kind, ...], direction: Direction | None
    ) -> Touchpoint | None:
        """Return the earliest touchpoint of any of *kinds* (any kind if none) from *start* on.

        *start* is a position from `position_after` or `position_from`;
        *direction*, if given, is a `Direction`. What fulfilment asks: the
        touchpoint that closes an action, without a view made for it.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Kind, Touchpoint
            >>> def tp(id, day, kind):
            ...     return Touchpoint(id=id, customer_id="c-1", kind=kind, channel="web",
            ...                       direction="inbound",
            ...                       at=dt.datetime(2026, 1, day, tzinfo=dt.UTC))
            >>> timeline = Timeline([tp("t1", 2, "renewal"), tp("t2", 5, "renewal")])
            >>> start = timeline.position_from(dt.date(2026, 1, 3))
            >>> timeline.earliest_from(start, (Kind.RENEWAL,), None).id
            't2'
        """
        view = self._view(start, self._stop)
        if not kinds:
            i = view._find(None, direction, reverse=False)
        else:
            i = -1
            for kind in kinds:
                j = view._find(kind, direction, reverse=False)
                # Positions follow (instant, id) order: the smallest is the earliest.
                if j >= 0 and (i < 0 or j < i):
                    i = j
        return self._index.items[i] if i >= 0 else None

    def position_after(self, instant: dt.datetime, *, inclusive: bool) -> int:
        """Return where touchpoints after (or at, if *inclusive*) an aware *instant* start.

        A position for `earliest_from` (*instant* is not checked to be aware).
        """
        search = bisect_left if inclusive else bisect_right
        return search(self._index.items, instant, self._start, self._stop, key=_at)

    def position_from(self, day: dt.date) -> int:
        """Return where touchpoints on or after a local *day* start (for `earliest_from`)."""
        return bisect_left(self._index.days, day.toordinal(), self._start, self._stop)

    def _positions(self, kind: Kind | str | None) -> Iterator[int]:
        """Positions (in the shared index) of this view's touchpoints of *kind*, in order."""
        start, stop = self._start, self._stop
        if kind is None:
            yield from range(start, stop)
            return
        code = _KIND_CODES.get(kind if type(kind) is Kind else to_kind(kind))
        if code is None:
            return
        codes = self._index.kinds
        i = codes.find(code, start, stop)
        while i >= 0:
            yield i
            i = codes.find(code, i + 1, stop)

    def select(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> tuple[Touchpoint, ...]:
        """Return the touchpoints matching every filter given, oldest first.

        Args:
            kind: Only touchpoints of this kind.
            direction: Only inbound (or only outbound) touchpoints.
            where: Only touchpoints for which this returns true.
        """
        direction = _to_direction(direction)
        items = self._index.items
        found = tuple(items[i] for i in self._positions(kind))
        return _filter(found, direction, where) if direction or where else found

    def first(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> Touchpoint | None:
        """Return the earliest touchpoint matching the filters, or ``None``.

        Among touchpoints at the same instant the smallest id counts as first.
        """
        i = self._locate(kind, _to_direction(direction), where, reverse=False)
        return self._index.items[i] if i >= 0 else None

    def last(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> Touchpoint | None:
        """Return the latest touchpoint matching the filters, or ``None``.

        Among touchpoints at the same instant the largest id counts as last.
        """
        i = self._locate(kind, _to_direction(direction), where, reverse=True)
        return self._index.items[i] if i >= 0 else None

    def count(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> int:
        """Return how many touchpoints match the filters."""
        if direction is None and where is None:
            if kind is None:
                return self._stop - self._start
            code = _KIND_CODES.get(kind if type(kind) is Kind else to_kind(kind))
            return 0 if code is None else self._index.kinds.count(code, self._start, self._stop)
        return len(self.select(kind, direction=direction, where=where))

    def any(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> bool:
        """Return whether any touchpoint matches the filters."""
        return self.first(kind, direction=direction, where=where) is not None

    def kinds(self) -> frozenset[Kind]:
        """Return the kinds that occur in this timeline (or view)."""
        return frozenset(tp.kind for tp in self)


_SET_ZONE, _SET_INDEX, _SET_START, _SET_STOP, _SET_DECISIONS = slot_setters(
    Timeline, "timezone", "_index", "_start", "_stop", "decisions"
)


def _to_direction(value: Direction | str | None) -> Direction | None:
    return None if value is None else to_direction(value)


def _matches(tp: Touchpoint, direction: Direction | None, where: Predicate | None) -> bool:
    if direction is not None and tp.direction != direction:
        return False
    return where is None or bool(where(tp))


def _filter(
    items: tuple[Touchpoint, ...], direction: Direction | None, where: Predicate | None
) -> tuple[Touchpoint, ...]:
    return tuple(tp for tp in items if _matches(tp, direction, where))
