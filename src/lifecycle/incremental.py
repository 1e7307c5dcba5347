"""The incremental agenda: kept up to date as touchpoints arrive and days pass.

Stewardship runs every day, and most customers do not change between two
days. An `IncrementalAgenda` works out every customer once, then keeps, for
each customer and policy, the first date its due verdicts may change (see
`lifecycle.next_change`, which may give an earlier date). Moving to a later
date works out again only the customers whose date has come, and only the
policies whose date has come; new touchpoints and customer changes work out
again the customers they touch. The result is always the agenda the engine
would give for the whole book.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
import threading
import weakref
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from heapq import nsmallest
from itertools import compress, islice
from operator import attrgetter, not_
from typing import Generic, TypeVar, cast, overload

from lifecycle._validate import check_day
from lifecycle.agenda import (
    ORDER_FIELDS,
    Action,
    Agenda,
    HeldBack,
    Skipped,
    action_for,
    agenda_key,
    capped,
    redated,
    suggest_channel,
)
from lifecycle.book import Book, Timelines, _by_id, _extend, _group, _rezone
from lifecycle.customers import Customer
from lifecycle.engine import Engine
from lifecycle.errors import DuplicateIdError, InvalidValueError, UnknownCustomerError
from lifecycle.policies import Evaluator, Reads, earliest, evaluator
from lifecycle.policy import Context, Verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

__all__ = ["IncrementalAgenda"]

T = TypeVar("T", Action, HeldBack)

#: The kinds and directions of touchpoints come into view: those of the one
#: touchpoint (the usual case), or the sets of them.
_Sort = tuple[Kind, Direction] | tuple[frozenset[Kind], frozenset[Direction]]

#: How many mixes of new touchpoints' kinds and directions to remember which
#: policies look at (few occur; the bound only keeps odd streams in check).
_LOOKS_KEPT = 1024

#: Reading up to this share of an agenda given out (one part in so many), only
#: that first part is put in order; reading more puts the whole of it in order.
_WHOLE_FROM = 4

#: How many agendas given out may be kept up to date with changes (unread, or
#: read only in part) before the oldest is read whole.
_OPEN_KEPT = 8


class _Unknown(enum.Enum):
    UNKNOWN = enum.auto()


_UNKNOWN = _Unknown.UNKNOWN


class _State:
    """One customer's working: what it shows on a date, and when that may change."""

    __slots__ = (
        "actions",
        "changes",
        "channel",
        "found",
        "held",
        "made",
        "shows_until",
        "skip",
        "visible",
        "wake",
    )

    def __init__(self, members: int) -> None:
        self.visible = Timeline(())
        # The channel its actions suggest (worked out once per visible timeline).
        self.channel: Channel | _Unknown | None = _UNKNOWN
        self.shows_until: dt.date | None = None
        self.skip: Skipped | None = None
        self.found: list[tuple[Verdict, ...]] = [()] * members
        self.changes: list[dt.date | None] = [None] * members
        # For each policy, the actions of its due verdicts.
        self.made: list[tuple[Action, ...]] = [()] * members
        self.actions: list[Action] = []
        self.held: list[HeldBack] = []
        self.wake: dt.date | None = None


#: An item's place in the agenda: priority, due date, customer id, policy.
Place = tuple[int, dt.date, str, str]


class _Bucket(Generic[T]):
    """The items of one (priority, due) place: by customer id, put in order when read."""

    __slots__ = ("members", "order")

    def __init__(self) -> None:
        # A customer's item, or its items (several policies with the same
        # priority and due date) in order of policy.
        self.members: dict[str, T | list[T]] = {}
        self.order: list[T] | None = None  # the items in order, once read

    def ordered(self) -> list[T]:
        """The items by customer id (then policy), kept until the next change."""
        order = self.order
        if order is None:
            order = []
            members = self.members
            for customer_id in sorted(members):
                found = members[customer_id]
                if type(found) is list:
                    order += found
                else:
                    order.append(found)  # type: ignore[arg-type]
            self.order = order
        return order


class _Ordered(Generic[T]):
    """Actions (or held-back actions) in agenda order, cheap to change a few of.

    Bucketed by (priority, due), each bucket keyed by customer id and put in
    order (customer id, then policy) only when read: changing one customer's
    entries costs a look-up or two, not a search in a list and a shift of
    its tail (in a large book a bucket holds many items, each step of a
    search a string in a different place in memory). The whole
    order is the buckets read in key order.

    The agendas given out keep seeing it as it was when they were made
    (`snapshot`): each is made into one list when read past its first part,
    and until then is told of every change made after it. Making that list
    every day instead would cost a quiet day more than all its other work:
    millions of references copied, then walked again by the cyclic collector.
    """

    __slots__ = (
        "_buckets",
        "_customer",
        "_keys",
        "_latest",
        "_length",
        "_lock",
        "_open",
        "_place",
    )

    def __init__(self, place: Callable[[T], Place], customer: Callable[[T], str]) -> None:
        self._place: Callable[[T], Place] = place
        self._customer: Callable[[T], str] = customer  # an item's customer id, quickly
        self._buckets: dict[tuple[int, dt.date], _Bucket[T]] = {}
        # The buckets' keys in order, kept so (thousands: sorting them took
        # most of the time to read an agenda's first actions).
        self._keys: list[tuple[int, dt.date]] = []
        # Snapshots not yet read, which must be told of every change.
        self._open: list[weakref.ref[_Snapshot[T]]] = []
        # The snapshot to give again while nothing changes. Held weakly, as
        # `_open` is: the snapshot holds this order until read, and a cycle
        # would outlive the incremental agenda in a process that freezes its
        # objects (`gc.freeze`, as the Large books page advises).
        self._latest: weakref.ref[_Snapshot[T]] | None = None
        self._length = 0
        # Agendas given out may be read in other threads while this changes:
        # a change, and a read of an open snapshot (which reads this), take it.
        self._lock = threading.RLock()

    def update(self, old: list[T], new: list[T]) -> list[T]:
        """Replace one customer's items *old* by *new*, and return the ones now in.

        Those in both (the same objects) stay; if the two are equal, *old*
        stays and is returned.
        """
        if old == new:  # compares the same objects first, without looking inside
            return old
        if not (old and new):  # the usual case: nothing to keep
            self.replace(old, new)
            return new
        both = {id(item) for item in old}.intersection(map(id, new))
        self.replace(
            [item for item in old if id(item) not in both],
            [item for item in new if id(item) not in both],
        )
        return new

    def replace(self, old: Sequence[T], new: Sequence[T]) -> None:
        """Take the items *old* out and put the items *new* in."""
        with self._lock:
            self._latest = None
            self._length += len(new) - len(old)
            for ref in self._open:
                snapshot = ref()
                if snapshot is not None:
                    snapshot._note(old, new)
            buckets, keys, place = self._buckets, self._keys, self._place
            for item in old:
                priority, due, customer_id, _ = place(item)
                bucket = buckets[priority, due]
                bucket.order = None
                members = bucket.members
                found = members[customer_id]
                if found is item:
                    del members[customer_id]
                    if not members:
                        del buckets[priority, due]
                        del keys[bisect_left(keys, (priority, due))]
                else:  # one of the customer's several items here
                    several = cast("list[T]", found)
                    several[:] = [other for other in several if other is not item]
                    if len(several) == 1:
                        members[customer_id] = several[0]
            for item in new:
                priority, due, customer_id, policy = place(item)
                into = buckets.get((priority, due))
                if into is None:
                    into = buckets[priority, due] = _Bucket()
                    insort(keys, (priority, due))
                into.order = None
                members = into.members
                found = members.setdefault(customer_id, item)
                if found is not item:  # the customer has an item here already
                    several = found if isinstance(found, list) else [found]
                    i = 0
                    while i < len(several) and place(several[i])[3] < policy:
                        i += 1
                    several.insert(i, item)
                    members[customer_id] = several

    def snapshot(self) -> _Snapshot[T]:
        """The items as they are now, whatever changes later."""
        latest = None if self._latest is None else self._latest()
        if latest is None:
            snapshots = [s for ref in self._open if (s := ref()) is not None and s.open]
            # Each change costs every open snapshot a note, and each keeps
            # what it is told was taken out: past a few, read the oldest whole.
            excess = max(0, len(snapshots) + 1 - _OPEN_KEPT)
            for oldest in snapshots[:excess]:
                oldest.items()
            self._open = [weakref.ref(s) for s in snapshots[excess:]]
            latest = _Snapshot(self, self._length)
            self._latest = weakref.ref(latest)
            self._open.append(self._latest)
        return latest

    def ordered(self) -> list[T]:
        """The items in order, as a new list."""
        order: list[T] = []
        buckets = self._buckets
        for key in self._keys:
            order += buckets[key].ordered()
        return order

    def first(self, count: int, without: AbstractSet[int], extra: Iterable[T]) -> list[T]:
        """The first *count* items in order, less those whose id is in *without*, with *extra*."""
        taken: list[T] = []
        buckets = self._buckets
        for key in self._keys:
            values = buckets[key].ordered()
            need = count - len(taken)
            if without:
                taken += islice((item for item in values if id(item) not in without), need)
            else:
                taken += values[:need]
            if len(taken) >= count:
                break
        place = self._place
        return _merge(taken, frozenset(), nsmallest(count, extra, key=place), place)[:count]

    def of_customer(self, customer_id: str) -> list[T]:
        """One customer's items, in order: a look-up in each bucket."""
        found: list[T] = []
        buckets = self._buckets
        for key in self._keys:
            here = buckets[key].members.get(customer_id)
            if here is not None:
                found += here if isinstance(here, list) else [here]
        return found


class _Snapshot(Generic[T]):
    """An `_Ordered` as it was: as it is, less what was put in since, plus what was taken out."""

    __slots__ = (
        "__weakref__",
        "_added",
        "_customer",
        "_head",
        "_items",
        "_length",
        "_live",
        "_lock",
        "_place",
        "_removed",
    )

    def __init__(self, live: _Ordered[T], length: int) -> None:
        self._live: _Ordered[T] | None = live  # until read whole
        self._place: Callable[[T], Place] = live._place
        self._customer: Callable[[T], str] = live._customer
        self._lock = live._lock  # its reads while open read the live order
        self._length = length
        self._added: set[int] = set()  # ids of the items put in since
        self._removed: dict[int, T] = {}  # the items taken out since, by id
        self._items: list[T] = []
        # The first items in order, once some are read (a snapshot does not change).
        self._head: list[T] = []

    def __len__(self) -> int:
        return self._length

    @property
    def open(self) -> bool:
        """Whether it is still to be read (and so told of changes)."""
        return self._live is not None

    def _note(self, old: Sequence[T], new: Sequence[T]) -> None:
        if self._live is None:
            return
        added, removed = self._added, self._removed
        for item in old:
            if id(item) in added:  # put in after this snapshot: never in it
                added.discard(id(item))
            else:
                removed[id(item)] = item
        added.update(map(id, new))

    def items(self) -> list[T]:
        """The items in order (made into a list on the first call)."""
        with self._lock:
            live = self._live
            if live is not None:
                removed = list(self._removed.values())
                self._items = _merge(live.ordered(), self._added, removed, self._place)
                self._live, self._added, self._removed, self._head = None, set(), {}, []
            return self._items

    def of_customer(self, customer_id: str) -> list[T]:
        """One customer's items, in order, without putting them all in order."""
        customer = self._customer
        with self._lock:
            live = self._live
            if live is not None:
                added = self._added
                found = [i for i in live.of_customer(customer_id) if id(i) not in added]
                found += [i for i in self._removed.values() if customer(i) == customer_id]
                found.sort(key=self._place)
                return found
        # Read whole: the list no longer changes. C-level: millions of items.
        return list(compress(self._items, map(customer_id.__eq__, map(customer, self._items))))

    def head(self, stop: int) -> list[T]:
        """The items in order, or only a first part of them at least *stop* long.

        Reading the first few of a large agenda (the day's top actions) then
        costs a few bucket reads, not a list of every item: in a large book,
        millions of references, walked again by the cyclic
        collector. Those read grow the part kept twice over, so reading page
        after page costs no more than reading all at once.
        """
        with self._lock:
            live = self._live
            if live is None or stop * _WHOLE_FROM >= self._length:
                return self.items()
            if stop > len(self._head):
                count = max(stop, 2 * len(self._head))
                self._head = live.first(count, self._added, self._removed.values())
            return self._head


def _merge(
    items: list[T], without: AbstractSet[int], extra: list[T], place: Callable[[T], Place]
) -> list[T]:
    """*items* (in order of *place*) less those whose id is in *without*, with *extra*, in order."""
    if without:
        # C-level throughout: there may be millions of items.
        items = list(compress(items, map(not_, map(without.__contains__, map(id, items)))))
    if not extra:
        return items
    extra.sort(key=place)
    if len(extra) * len(items).bit_length() > len(items):
        items.extend(extra)
        items.sort(key=place)  # two runs in order: the sort merges them
        return items
    # Few to put back: find each one's place by binary search, and splice.
    merged: list[T] = []
    start = 0
    for item in extra:
        i = bisect_left(items, place(item), start, key=place)
        merged += items[start:i]
        merged.append(item)
        start = i
    merged += items[start:]
    return merged


class _Dated(Sequence[T]):
    """Actions (or held-back ones) as of one date, each made when it is read.

    Between two dates an action changes only its ``overdue_days``; making
    every action of a large agenda again each day would cost more than all the
    rest, so this sequence holds yesterday's and dates each one on reading.
    It equals (and hashes as) the tuple of the dated actions.
    """

    __slots__ = ("_as_of", "_items", "_redate")

    def __init__(
        self, items: _Snapshot[T], as_of: dt.date, redate: Callable[[T, dt.date], T]
    ) -> None:
        self._items: _Snapshot[T] = items
        self._as_of = as_of
        self._redate: Callable[[T, dt.date], T] = redate

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        items = self._items
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            # From the front, forwards: only the first part need be put in order.
            front = (start is None or start >= 0) and (step is None or step > 0)
            read = items.head(stop) if front and stop is not None and stop >= 0 else items.items()
            return self._dated(read[index])
        index = operator.index(index)
        read = items.head(index + 1) if index >= 0 else items.items()
        return self._redate(read[index], self._as_of)

    def __iter__(self) -> Iterator[T]:
        redate, as_of = self._redate, self._as_of
        return (redate(item, as_of) for item in self._items.items())

    def for_customer(self, customer_id: str) -> tuple[T, ...]:
        """One customer's items (what `Agenda.for_customer` reads), dated."""
        return self._dated(self._items.of_customer(customer_id))

    def _dated(self, items: Iterable[T]) -> tuple[T, ...]:
        redate, as_of = self._redate, self._as_of
        return tuple(redate(item, as_of) for item in items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self) -> tuple[type[tuple[T, ...]], tuple[tuple[T, ...]]]:
        return (tuple, (tuple(self),))  # pickled as what it equals

    def __repr__(self) -> str:
        return repr(tuple(self))


def _held_redated(held: HeldBack, as_of: dt.date) -> HeldBack:
    action = redated(held.action, as_of)
    return held if action is held.action else HeldBack(action, held.reason)


_held_order = attrgetter(*(f"action.{field}" for field in ORDER_FIELDS))


class IncrementalAgenda:
    """An agenda kept up to date as touchpoints arrive, customers change and days pass.

    Built once from a book (every customer worked out on *as_of*), it then
    takes new touchpoints (`add`) and new or changed customers (`update`),
    and gives the agenda for the same or any later date (`agenda`), working
    out again only the customers touched since, and the policies whose verdicts
    may have changed by then (each keeps its next date of change). It always
    equals ``engine.agenda(incremental.book, as_of)``.

    It is the one stateful object of the library: the state is the point (it
    is a cache of the engine's work). `book` gives an immutable snapshot.

    It is safe to share between threads: one lock is held by every method
    that changes it (`add`, `update`, `forget`, `agenda`) and by `book`, so
    several threads may add touchpoints at once, and each call sees every
    change made before it, whole. The calls are then taken one at a time.
    An agenda it gave out may be read in any thread while it changes.
    It holds the whole book in memory, with each customer's due verdicts and
    dates of change: more than the book alone (see the performance page).

    Args:
        engine: The engine (policies, cap, churn rule).
        book: A `Book`, or any `Timelines` such as a `StreamedBook`.
        as_of: The first date.

    Raises:
        InvalidValueError: if *as_of* is not a date within `lifecycle.limits`.
        DuplicateIdError: if *book* (a stream) repeats a customer.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> engine = lc.Engine(lc.starter_pack())
        >>> live = lc.IncrementalAgenda(engine, lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
        >>> call = lc.Touchpoint(id="T-new", customer_id="C009", kind="complaint",
        ...                      channel="phone", direction="inbound",
        ...                      at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC))
        >>> live.add([call])
        >>> tomorrow = lc.SAMPLE_AS_OF + dt.timedelta(days=1)
        >>> live.agenda(tomorrow) == engine.agenda(live.book, tomorrow)
        True
    """

    __slots__ = (
        "_actions",
        "_as_of",
        "_calendar",
        "_customers",
        "_dirty",
        "_engine",
        "_held",
        "_ids",
        "_lock",
        "_looks",
        "_members",
        "_reads",
        "_skipped",
        "_skipped_order",
        "_states",
        "_timelines",
    )

    def __init__(self, engine: Engine, book: Timelines, as_of: dt.date) -> None:
        if not isinstance(engine, Engine):
            raise InvalidValueError("engine", engine, "must be a lifecycle.Engine")
        self._engine = engine
        self._as_of = check_day("as_of", as_of)
        # Re-entrant: a policy of one's own may read `book` while being asked.
        self._lock = threading.RLock()
        self._members: list[Evaluator] = [evaluator(p) for p in engine.policies]
        self._reads: list[tuple[Reads, Reads]] = [
            (m.reads(closing=True), m.reads(closing=False)) for m in self._members
        ]
        self._looks: dict[_Sort, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._customers: dict[str, Customer] = {}
        self._timelines: dict[str, Timeline] = {}
        self._ids: set[str] = set()
        self._states: dict[str, _State] = {}
        self._calendar: dict[dt.date, set[str]] = {}
        self._actions: _Ordered[Action] = _Ordered(agenda_key, attrgetter("customer_id"))
        self._held: _Ordered[HeldBack] = _Ordered(_held_order, attrgetter("action.customer_id"))
        self._skipped: dict[str, Skipped] = {}
        self._skipped_order: tuple[Skipped, ...] | None = None
        # Customers touched since the last agenda: True if the customer itself
        # changed (work out everything), False if only touchpoints came.
        self._dirty: dict[str, bool] = {}
        for customer, timeline in book.items():
            if customer.id in self._customers:
                raise DuplicateIdError("customer", customer.id)
            self._customers[customer.id] = customer
            self._timelines[customer.id] = timeline
            self._ids.update(tp.id for tp in timeline)
            self._refresh(customer.id, as_of, everything=True)

    @property
    def as_of(self) -> dt.date:
        """The date of the last agenda worked out (the first date before any)."""
        return self._as_of

    @property
    def engine(self) -> Engine:
        """The engine whose agenda this keeps."""
        return self._engine

    @property
    def book(self) -> Book:
        """The book as it is now: the first one, with every touchpoint and customer change."""
        with self._lock:
            customers = {cid: self._customers[cid] for cid in sorted(self._customers)}
            return Book._from_parts(customers, dict(self._timelines))

    def __len__(self) -> int:
        return len(self._customers)

    def __repr__(self) -> str:
        return f"IncrementalAgenda({len(self)} customers, as_of={self._as_of.isoformat()})"

    def add(self, touchpoints: Iterable[Touchpoint]) -> None:
        """Take new touchpoints; their customers are worked out again on the next `agenda`.

        Touchpoints of any date are welcome: a late entry dated last week
        counts from its date, one dated ahead becomes visible on its date.
        Nothing is taken unless all are good.

        Raises:
            DuplicateIdError: if a touchpoint id is already in the book (or given twice).
            UnknownCustomerError: if a touchpoint names a customer not in the book.
            InvalidValueError: for something that is not a `Touchpoint`.
        """
        touchpoints = list(touchpoints)  # read before the lock: it may be a slow generator
        with self._lock:
            grouped = _group(touchpoints, self._customers, self._ids)
            # Into a copy of the touched timelines: one refused leaves all as they were.
            touched = {cid: self._timelines[cid] for cid in grouped}
            _extend(touched, self._customers, grouped)
            self._timelines.update(touched)
            self._ids.update([tp.id for new in grouped.values() for tp in new])
            for cid in grouped:
                self._dirty.setdefault(cid, False)

    def update(self, customers: Iterable[Customer]) -> None:
        """Take new customers, or changed ones (replaced by id), as `Book.with_customers` does.

        A changed customer keeps its timeline (re-dated if its zone changed).

        Raises:
            DuplicateIdError: if the same id is given twice.
            InvalidValueError: for something that is not a `Customer`.
        """
        changed = _by_id(customers)
        with self._lock:
            # Into a copy of the touched timelines: one refused leaves all as they were.
            touched = {cid: self._timelines[cid] for cid in changed if cid in self._timelines}
            _rezone(touched, changed)
            self._timelines.update(touched)
            self._customers.update(changed)
            self._dirty.update(dict.fromkeys(changed, True))

    def forget(self, customer_id: str) -> None:
        """Erase a customer: its row, its timeline and its actions are gone at once.

        The next `agenda` (and `book`) is the one for the book without the
        customer, as `Book.without_customers` gives it. Agendas given out
        before still hold the customer's actions (they never change): let
        them go too.

        Raises:
            UnknownCustomerError: if no customer has this id.

        Examples:
            >>> import lifecycle as lc
            >>> engine = lc.Engine(lc.starter_pack())
            >>> live = lc.IncrementalAgenda(engine, lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
            >>> live.forget("C009")
            >>> "C009" in live.book, live.agenda(lc.SAMPLE_AS_OF).for_customer("C009")
            (False, ())
        """
        with self._lock:
            try:
                self._customers.pop(customer_id)
            except (KeyError, TypeError):
                raise UnknownCustomerError(customer_id) from None
            timeline = self._timelines.pop(customer_id)
            self._ids.difference_update([tp.id for tp in timeline])
            self._dirty.pop(customer_id, None)
            state = self._states.pop(customer_id, None)
            if state is not None:
                self._actions.update(state.actions, [])
                self._held.update(state.held, [])
            if self._skipped.pop(customer_id, None) is not None:
                self._skipped_order = None
            for day in [d for d, woken in self._calendar.items() if customer_id in woken]:
                woken = self._calendar[day]
                woken.discard(customer_id)
                if not woken:
                    del self._calendar[day]

    def agenda(self, as_of: dt.date) -> Agenda:
        """Return the agenda for *as_of*: the same as the engine's for the book as it is now.

        Works out again the customers touched since the last call, and the
        policies whose next date of change has come by *as_of*. Its order is
        put together as it is read: reading the first few actions (a quarter
        or less) puts only those in order, reading more puts all of them in
        order (one list of references). Each action is made as it is read
        (see `Agenda`). It does not change when this incremental agenda does
        afterwards.

        Raises:
            InvalidValueError: if *as_of* is not a date within `lifecycle.limits`,
                or is before `as_of`
                (an incremental agenda only moves forward; build a new one to
                look back).
        """
        check_day("as_of", as_of)
        with self._lock:
            return self._agenda(as_of)

    def _agenda(self, as_of: dt.date) -> Agenda:
        if as_of < self._as_of:
            raise InvalidValueError(
                "as_of",
                as_of,
                f"is before {self._as_of.isoformat()}, the date this incremental agenda "
                "has reached; it only moves forward (build a new one to look back)",
            )
        # A tuple of strings, the set gone: the collector stops looking at it
        # after its first pass (a large book wakes many customers a day).
        due = tuple(sorted(self._woken(as_of)))
        self._as_of = as_of
        dirty = self._dirty
        for cid in due:
            self._refresh(cid, as_of, everything=dirty.get(cid, False))
        self._dirty.clear()
        if self._skipped_order is None:
            self._skipped_order = tuple(self._skipped[cid] for cid in sorted(self._skipped))
        return Agenda(
            as_of,
            _Dated(self._actions.snapshot(), as_of, redated),
            _Dated(self._held.snapshot(), as_of, _held_redated),
            self._skipped_order,
        )

    def _woken(self, as_of: dt.date) -> set[str]:
        """The customers to work out again for *as_of*: touched, or whose date has come."""
        woken = set(self._dirty)
        for day in sorted(d for d in self._calendar if d <= as_of):
            for cid in self._calendar.pop(day):
                # A customer worked out again since was filed under a new date too.
                wake = self._states[cid].wake
                if wake is not None and wake <= as_of:
                    woken.add(cid)
        return woken

    def _refresh(self, cid: str, as_of: dt.date, *, everything: bool) -> None:
        """Work one customer out again on *as_of*: all of it, or what may have changed.

        A policy is asked again when its next date of change has come, or when
        a touchpoint it looks at has come into view (new, or its date reached);
        one it looks at only as fulfilment, only when it has an action due.
        The customer's actions are made again only if a verdict, the skip or
        the channel to suggest has changed.
        """
        members = self._members
        customer = self._customers[cid]
        state = self._states.get(cid)
        if state is None:
            state = self._states[cid] = _State(len(members))
            everything = True
        seen: list[Touchpoint] = []
        altered = recolour = everything
        if (
            everything
            or cid in self._dirty
            or (state.shows_until is not None and state.shows_until <= as_of)
        ):
            seen, everything, altered, recolour = self._see(
                cid, state, customer, as_of, everything=everything
            )
        changed: Sequence[int] = []  # the policies whose verdicts changed
        if state.skip is not None:
            state.found = [()] * len(members)
            state.made = [()] * len(members)
            state.changes = [None] * len(members)
        else:
            changed = self._ask(state, customer, as_of, seen, everything=everything)
            if recolour:
                changed = range(len(members))
        if altered or changed:
            self._show(cid, state, customer, as_of, changed)
        wake = state.wake = earliest(state.shows_until, *state.changes)
        if wake is not None:
            woken = self._calendar.get(wake)
            if woken is None:  # not `setdefault`: a set made for nothing, each time
                woken = self._calendar[wake] = set()
            woken.add(cid)

    def _ask(
        self,
        state: _State,
        customer: Customer,
        as_of: dt.date,
        seen: list[Touchpoint],
        *,
        everything: bool,
    ) -> list[int]:
        """Ask again the policies whose date has come or that look at *seen*: those changed."""
        members, found, changes = self._members, state.found, state.changes
        if everything:
            asked: Sequence[int] = range(len(members))
        elif seen:  # what the touchpoints bear on (only a due action can be closed)
            shaping, closing = self._looking(seen)
            picked = [*shaping, *[i for i in closing if found[i]]]
            if state.wake is not None and state.wake <= as_of:  # a date has come too
                picked += [i for i, c in enumerate(changes) if c and c <= as_of and i not in picked]
            asked = picked
        else:
            asked = [i for i, c in enumerate(changes) if c and c <= as_of]
        context = Context(customer, state.visible, as_of, None, {})
        changed = []
        for i in asked:
            verdicts, changes[i] = members[i].evaluate(context, due_only=True, changes=True)
            # An equal verdict (they do not depend on the date) keeps the old one.
            if verdicts != found[i]:
                found[i] = verdicts
                changed.append(i)
        return changed

    def _see(
        self, cid: str, state: _State, customer: Customer, as_of: dt.date, *, everything: bool
    ) -> tuple[list[Touchpoint], bool, bool, bool]:
        """Bring what the customer's policies see up to *as_of*.

        Returns the touchpoints come into view, whether to ask every policy
        again (a skip lifted), whether the skip or channel changed, and
        whether every action must be made again (the channel changed).
        """
        before = state.visible
        visible, state.shows_until = self._timelines[cid]._until_next(as_of)
        state.visible = visible
        seen = [] if everything else visible._new_since(before)
        altered = recolour = everything
        # Whether it is skipped changes with the customer or with the kinds it looks at.
        if everything or any(tp.kind in Engine.SKIP_KINDS for tp in seen):
            skip = self._engine.skip(customer, visible)
            if skip != state.skip:
                everything = recolour = everything or state.skip is not None
                altered, state.skip = True, skip
        if everything or seen:  # the channel to suggest may have changed
            if state.actions or state.held:
                channel = suggest_channel(customer, visible)
                if channel != state.channel:
                    altered = recolour = True
                    state.channel = channel
            else:
                state.channel = _UNKNOWN
        return seen, everything, altered, recolour

    def _looking(self, seen: list[Touchpoint]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The policies *seen* bears on in any way, and those it may only close an action of.

        Kept by the touchpoints' kinds and directions (what `Reads` looks at).
        """
        if len(seen) == 1:  # the usual case, without making two sets
            sort: _Sort = (seen[0].kind, seen[0].direction)
        else:
            sort = (frozenset([tp.kind for tp in seen]), frozenset([tp.direction for tp in seen]))
        looks = self._looks.get(sort)
        if looks is None:
            if len(self._looks) >= _LOOKS_KEPT:
                self._looks.clear()
            policies = self._reads
            shaping = tuple(i for i, (_, shapes) in enumerate(policies) if shapes.any_of(seen))
            closing = tuple(
                i for i, (any_, _) in enumerate(policies) if i not in shaping and any_.any_of(seen)
            )
            looks = self._looks[sort] = shaping, closing
        return looks

    def _show(
        self, cid: str, state: _State, customer: Customer, as_of: dt.date, changed: Iterable[int]
    ) -> None:
        """Put the customer's actions (or its skip) where the agenda reads them.

        Only the actions of the *changed* policies are made again; the others
        are the same objects as before (their overdue days are counted as they
        are read), and so keep their place in the agenda's order.
        """
        if self._skipped.get(cid) != state.skip:
            self._skipped_order = None
            if state.skip is None:
                del self._skipped[cid]
            else:
                self._skipped[cid] = state.skip
        found, made, engine = state.found, state.made, self._engine
        remade = False
        for i in changed:
            verdicts = found[i]
            if not verdicts:
                made[i] = ()
                continue
            channel = state.channel
            if channel is _UNKNOWN:
                channel = state.channel = suggest_channel(customer, state.visible)
            made[i] = tuple([action_for(customer, channel, v, as_of) for v in verdicts])
            remade = True
        if remade:
            engine.check_names([v for verdicts in found for v in verdicts])
        kept, over = capped([a for m in made for a in m], engine.cap, state.held)
        state.actions = self._actions.update(state.actions, kept)
        state.held = self._held.update(state.held, over)
