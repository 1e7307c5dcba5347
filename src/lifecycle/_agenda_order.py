"""The incremental agenda's order: actions kept in agenda order, cheap to change a few of.

An `IncrementalAgenda` changes a few customers' actions a day in an agenda
of millions. `Ordered` keeps them bucketed by (priority, due) and puts a
bucket in order only when it is read; `Snapshot` is the order as it was when
an agenda was given out, whatever changes after; `Dated` is that agenda's
actions as of its date, each dated as it is read.
"""

from __future__ import annotations

import datetime as dt
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

from lifecycle.agenda import ORDER_FIELDS, Action, HeldBack, redated

__all__ = [
    "OPEN_KEPT",
    "WHOLE_FROM",
    "Bucket",
    "Dated",
    "Ordered",
    "Place",
    "Snapshot",
    "held_order",
    "held_redated",
    "merge",
]

T = TypeVar("T", Action, HeldBack)

#: Reading up to this share of an agenda given out (one part in so many), only
#: that first part is put in order; reading more puts the whole of it in order.
WHOLE_FROM = 4

#: How many agendas given out may be kept up to date with changes (unread, or
#: read only in part) before the oldest is read whole.
OPEN_KEPT = 8

#: An item's place in the agenda: priority, due date, customer id, policy.
Place = tuple[int, dt.date, str, str]


class Bucket(Generic[T]):
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


class Ordered(Generic[T]):
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
        self._buckets: dict[tuple[int, dt.date], Bucket[T]] = {}
        # The buckets' keys in order, kept so (thousands: sorting them took
        # most of the time to read an agenda's first actions).
        self._keys: list[tuple[int, dt.date]] = []
        # Snapshots not yet read, which must be told of every change.
        self._open: list[weakref.ref[Snapshot[T]]] = []
        # The snapshot to give again while nothing changes. Held weakly, as
        # `_open` is: the snapshot holds this order until read, and a cycle
        # would outlive the incremental agenda in a process that freezes its
        # objects (`gc.freeze`, as the Large books page advises).
        self._latest: weakref.ref[Snapshot[T]] | None = None
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
                    into = buckets[priority, due] = Bucket()
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

    def snapshot(self) -> Snapshot[T]:
        """The items as they are now, whatever changes later."""
        latest = None if self._latest is None else self._latest()
        if latest is None:
            snapshots = [s for ref in self._open if (s := ref()) is not None and s.open]
            # Each change costs every open snapshot a note, and each keeps
            # what it is told was taken out: past a few, read the oldest whole.
            excess = max(0, len(snapshots) + 1 - OPEN_KEPT)
            for oldest in snapshots[:excess]:
                oldest.items()
            self._open = [weakref.ref(s) for s in snapshots[excess:]]
            latest = Snapshot(self, self._length)
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
        return merge(taken, frozenset(), nsmallest(count, extra, key=place), place)[:count]

    def of_customer(self, customer_id: str) -> list[T]:
        """One customer's items, in order: a look-up in each bucket."""
        found: list[T] = []
        buckets = self._buckets
        for key in self._keys:
            here = buckets[key].members.get(customer_id)
            if here is not None:
                found += here if isinstance(here, list) else [here]
        return found


class Snapshot(Generic[T]):
    """An `Ordered` as it was: as it is, less what was put in since, plus what was taken out."""

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

    def __init__(self, live: Ordered[T], length: int) -> None:
        self._live: Ordered[T] | None = live  # until read whole
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
                self._items = merge(live.ordered(), self._added, removed, self._place)
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
            if live is None or stop * WHOLE_FROM >= self._length:
                return self.items()
            if stop > len(self._head):
                count = max(stop, 2 * len(self._head))
                self._head = live.first(count, self._added, self._removed.values())
            return self._head


def merge(
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


class Dated(Sequence[T]):
    """Actions (or held-back ones) as of one date, each made when it is read.

    Between two dates an action changes only its ``overdue_days``; making
    every action of a large agenda again each day would cost more than all the
    rest, so this sequence holds yesterday's and dates each one on reading.
    It equals (and hashes as) the tuple of the dated actions.
    """

    __slots__ = ("_as_of", "_items", "_redate")

    def __init__(
        self, items: Snapshot[T], as_of: dt.date, redate: Callable[[T, dt.date], T]
    ) -> None:
        self._items: Snapshot[T] = items
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


def held_redated(held: HeldBack, as_of: dt.date) -> HeldBack:
    """Return *held* as it stands on *as_of* (see `redated`): itself, if unchanged."""
    action = redated(held.action, as_of)
    return held if action is held.action else HeldBack(action, held.reason)


#: A held-back action's place in the agenda: its action's.
held_order = attrgetter(*(f"action.{field}" for field in ORDER_FIELDS))
