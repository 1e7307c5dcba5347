"""Timelines: one customer's touchpoints in time order, with the queries policies ask.

A `Timeline` is sorted once and indexed by kind when it is built; every query
after that is a binary search or a slice, and narrowing it (`until`, `since`,
`after`, `before`) gives a *view* that shares the index instead of copying it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NoReturn, overload
from zoneinfo import ZoneInfo

from lifecycle._validate import UTC, to_zone
from lifecycle.errors import DuplicateIdError, InvalidValueError
from lifecycle.touchpoints import Direction, Kind, Touchpoint, to_direction, to_kind

__all__ = ["Timeline"]

#: A test on one touchpoint, as used by ``where=`` arguments.
Predicate = Callable[[Touchpoint], bool]


def _sort_key(tp: Touchpoint) -> tuple[dt.datetime, str]:
    # Touchpoints at the same instant are ordered by id (code-point order), so
    # "first" and "last" are well defined (starter-pack.md, "Ties").
    return (tp.at, tp.id)


class _Index:
    """The shared, immutable data behind a timeline and all its views."""

    __slots__ = ("by_kind", "dates", "instants", "items")

    def __init__(self, items: tuple[Touchpoint, ...], zone: ZoneInfo) -> None:
        self.items = items
        self.instants = tuple(tp.at for tp in items)
        self.dates = tuple(tp.at.astimezone(zone).date() for tp in items)
        by_kind: dict[Kind, list[int]] = {}
        for i, tp in enumerate(items):
            by_kind.setdefault(tp.kind, []).append(i)
        self.by_kind = by_kind


class Timeline:
    """One customer's touchpoints in time order (ties broken by touchpoint id).

    Immutable: every narrowing query returns a new view. Kinds may be given as
    `Kind` objects or standard kind names; ``direction=`` and ``where=`` narrow
    a query further.

    Args:
        touchpoints: The customer's touchpoints, in any order.
        timezone: The customer's zone, in which local dates are taken.

    Raises:
        InvalidValueError: if the touchpoints belong to more than one customer.
        DuplicateIdError: if two touchpoints share an id.

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

    __slots__ = ("_index", "_start", "_stop", "timezone")

    timezone: ZoneInfo
    _index: _Index
    _start: int
    _stop: int

    def __init__(
        self, touchpoints: Iterable[Touchpoint] = (), *, timezone: ZoneInfo | str = UTC
    ) -> None:
        zone = to_zone(timezone)
        items = tuple(touchpoints)
        customer_ids = {tp.customer_id for tp in items}
        if len(customer_ids) > 1:
            raise InvalidValueError(
                "touchpoints",
                sorted(customer_ids),
                "a timeline holds one customer's touchpoints, these belong to several",
            )
        seen: set[str] = set()
        for tp in items:
            if tp.id in seen:
                raise DuplicateIdError("touchpoint", tp.id)
            seen.add(tp.id)
        self._build(zone, items)

    @classmethod
    def _checked(cls, touchpoints: Iterable[Touchpoint], zone: ZoneInfo) -> Timeline:
        """Build a timeline from touchpoints already known to be one customer's, ids unique."""
        timeline = object.__new__(cls)
        timeline._build(zone, touchpoints)
        return timeline

    def _build(self, zone: ZoneInfo, touchpoints: Iterable[Touchpoint]) -> None:
        items = tuple(sorted(touchpoints, key=_sort_key))
        self._init(zone, _Index(items, zone), 0, len(items))

    def _init(self, zone: ZoneInfo, index: _Index, start: int, stop: int) -> None:
        object.__setattr__(self, "timezone", zone)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_start", start)
        object.__setattr__(self, "_stop", stop)

    def _view(self, start: int, stop: int) -> Timeline:
        start = max(start, self._start)
        stop = min(stop, self._stop)
        if start == self._start and stop == self._stop:
            return self
        view = object.__new__(Timeline)
        view._init(self.timezone, self._index, start, max(start, stop))
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
        items = self._index.items
        return (items[i] for i in range(self._start, self._stop))

    def __reversed__(self) -> Iterator[Touchpoint]:
        items = self._index.items
        return (items[i] for i in range(self._stop - 1, self._start - 1, -1))

    @overload
    def __getitem__(self, i: int) -> Touchpoint: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Touchpoint, ...]: ...
    def __getitem__(self, i: int | slice) -> Touchpoint | tuple[Touchpoint, ...]:
        return self.touchpoints[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return self.timezone == other.timezone and self.touchpoints == other.touchpoints

    def __hash__(self) -> int:
        return hash((self.timezone, self.touchpoints))

    def __repr__(self) -> str:
        return f"Timeline({list(self.touchpoints)!r}, timezone={self.timezone.key!r})"

    @property
    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """The touchpoints of this timeline (or view), oldest first."""
        return self._index.items[self._start : self._stop]

    @property
    def customer_id(self) -> str | None:
        """The customer these touchpoints belong to (``None`` when empty)."""
        items = self._index.items
        return items[0].customer_id if items else None

    def local_dates(self) -> tuple[dt.date, ...]:
        """The local date of each touchpoint, in the timeline's zone and order."""
        return self._index.dates[self._start : self._stop]

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
            return search(index.instants, when.astimezone(dt.UTC), self._start, self._stop)
        if isinstance(when, dt.date):
            # Local dates are non-decreasing along the timeline: one zone, sorted instants.
            return search(index.dates, when, self._start, self._stop)
        raise InvalidValueError(
            "when", when, "must be a datetime.date or an aware datetime.datetime"
        )

    # -- questions ------------------------------------------------------------

    def _positions(self, kind: Kind | str | None) -> Sequence[int]:
        """Positions (in the shared index) of this view's touchpoints of *kind*.

        A range over the kind's position list, not a copy: ``first`` and
        ``last`` look at one end of it and stop.
        """
        if kind is None:
            return range(self._start, self._stop)
        positions = self._index.by_kind.get(kind if type(kind) is Kind else to_kind(kind))
        if not positions:
            return ()
        lo = bisect_left(positions, self._start)
        hi = bisect_left(positions, self._stop, lo)
        return _Slice(positions, lo, hi)

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
        direction = _to_direction(direction)
        items = self._index.items
        positions = self._positions(kind)
        if direction is None and where is None:
            return items[positions[0]] if positions else None
        for i in positions:
            tp = items[i]
            if _matches(tp, direction, where):
                return tp
        return None

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
        direction = _to_direction(direction)
        items = self._index.items
        positions = self._positions(kind)
        if direction is None and where is None:
            return items[positions[-1]] if positions else None
        for i in reversed(positions):
            tp = items[i]
            if _matches(tp, direction, where):
                return tp
        return None

    def count(
        self,
        kind: Kind | str | None = None,
        *,
        direction: Direction | str | None = None,
        where: Predicate | None = None,
    ) -> int:
        """Return how many touchpoints match the filters."""
        if direction is None and where is None:
            return len(self._positions(kind))
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


class _Slice(Sequence[int]):
    """A read-only window onto part of a list, without copying it."""

    __slots__ = ("_items", "_start", "_stop")

    def __init__(self, items: list[int], start: int, stop: int) -> None:
        self._items, self._start, self._stop = items, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...
    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            return self._items[self._start : self._stop][i]
        n = self._stop - self._start
        if not -n <= i < n:
            raise IndexError(i)
        return self._items[self._start + i if i >= 0 else self._stop + i]

    def __iter__(self) -> Iterator[int]:
        items = self._items
        return (items[i] for i in range(self._start, self._stop))

    def __reversed__(self) -> Iterator[int]:
        items = self._items
        return (items[i] for i in range(self._stop - 1, self._start - 1, -1))


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
