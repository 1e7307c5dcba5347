"""The incremental agenda: kept up to date as touchpoints and decisions arrive and days pass.

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
import threading
from collections.abc import Iterable, Sequence
from operator import attrgetter

from lifecycle._agenda_order import Dated, Ordered, held_order, held_redated
from lifecycle._validate import check_day
from lifecycle.agenda import (
    Action,
    Agenda,
    HeldBack,
    Skipped,
    action_for,
    agenda_key,
    capped,
    honoured,
    redated,
    sort_in_agenda_order,
    suggest_channel,
    within_capacity,
)
from lifecycle.book import (
    Book,
    Timelines,
    customers_by_id,
    extend_timelines,
    group_decisions,
    group_touchpoints,
    rezone_timelines,
)
from lifecycle.customers import Customer
from lifecycle.decisions import Decision
from lifecycle.engine import Engine
from lifecycle.errors import DuplicateIdError, InvalidValueError, UnknownCustomerError
from lifecycle.policies import Evaluator, Reads, earliest, evaluator
from lifecycle.policy import Verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

__all__ = ["IncrementalAgenda"]

#: The kinds and directions of touchpoints come into view: those of the one
#: touchpoint (the usual case), or the sets of them.
_Sort = tuple[Kind, Direction] | tuple[frozenset[Kind], frozenset[Direction]]

#: How many mixes of new touchpoints' kinds and directions to remember which
#: policies look at (few occur; the bound only keeps odd streams in check).
_LOOKS_KEPT = 1024


class _Unknown(enum.Enum):
    UNKNOWN = enum.auto()


_UNKNOWN = _Unknown.UNKNOWN


class _State:
    """One customer's working: what it shows on a date, and when that may change."""

    __slots__ = (
        "actions",
        "changes",
        "channel",
        "churns_on",
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
        # The date its skip may change with no new touchpoint (an inactivity churn rule's).
        self.churns_on: dt.date | None = None
        self.found: list[tuple[Verdict, ...]] = [()] * members
        self.changes: list[dt.date | None] = [None] * members
        # For each policy, the actions of its due verdicts.
        self.made: list[tuple[Action, ...]] = [()] * members
        self.actions: list[Action] = []
        self.held: list[HeldBack] = []
        self.wake: dt.date | None = None


class IncrementalAgenda:
    """An agenda kept up to date as touchpoints arrive, customers change and days pass.

    Built once from a book (every customer worked out on *as_of*), it then
    takes new touchpoints (`add`), the team's decisions (`decide`) and new
    or changed customers (`update`),
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
        "_decision_ids",
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
        self._decision_ids: set[str] = set()
        self._states: dict[str, _State] = {}
        self._calendar: dict[dt.date, set[str]] = {}
        self._actions: Ordered[Action] = Ordered(agenda_key, attrgetter("customer_id"))
        self._held: Ordered[HeldBack] = Ordered(held_order, attrgetter("action.customer_id"))
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
            self._decision_ids.update(d.id for d in timeline.decisions)
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
            return Book.unchecked(customers, dict(self._timelines))

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
            grouped = group_touchpoints(touchpoints, self._customers, self._ids)
            # Into a copy of the touched timelines: one refused leaves all as they were.
            touched = {cid: self._timelines[cid] for cid in grouped}
            extend_timelines(touched, self._customers, grouped)
            self._timelines.update(touched)
            self._ids.update([tp.id for new in grouped.values() for tp in new])
            for cid in grouped:
                self._dirty.setdefault(cid, False)

    def decide(self, decisions: Iterable[Decision]) -> None:
        """Take the team's new decisions; their customers are worked out again on the next `agenda`.

        A decision counts from its own date on (see `Decision`): one recorded
        ahead of the agenda's date waits for it, and a snoozed action
        comes back by itself on its ``until`` date. Nothing is taken unless all are good.

        Raises:
            DuplicateIdError: if a decision id is already in the book (or given twice).
            UnknownCustomerError: if a decision names a customer not in the book.
            InvalidValueError: for something that is not a `Decision`.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> engine = lc.Engine(lc.starter_pack())
            >>> live = lc.IncrementalAgenda(engine, lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
            >>> first = live.agenda(lc.SAMPLE_AS_OF)[0]
            >>> live.decide([lc.Decision(
            ...     id="d-1", customer_id=first.customer_id, policy=first.policy, due=first.due,
            ...     outcome="done", at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC))])
            >>> first in live.agenda(lc.SAMPLE_AS_OF)
            False
        """
        decisions = list(decisions)  # read before the lock: it may be a slow generator
        with self._lock:
            grouped = group_decisions(decisions, self._customers, self._decision_ids)
            for cid, new in grouped.items():
                self._timelines[cid] = self._timelines[cid].with_decisions(new)
                self._decision_ids.update(d.id for d in new)
                self._dirty[cid] = True

    def update(self, customers: Iterable[Customer]) -> None:
        """Take new customers, or changed ones (replaced by id), as `Book.with_customers` does.

        A changed customer keeps its timeline (re-dated if its zone changed).

        Raises:
            DuplicateIdError: if the same id is given twice.
            InvalidValueError: for something that is not a `Customer`.
        """
        changed = customers_by_id(customers)
        with self._lock:
            # Into a copy of the touched timelines: one refused leaves all as they were.
            touched = {cid: self._timelines[cid] for cid in changed if cid in self._timelines}
            rezone_timelines(touched, changed)
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
            self._decision_ids.difference_update([d.id for d in timeline.decisions])
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
        try:
            for cid in due:
                self._refresh(cid, as_of, everything=dirty.get(cid, False))
        except BaseException:
            # A policy that raised leaves these customers half worked out, and
            # their dates are off the calendar: the next call works them out whole.
            dirty.update(dict.fromkeys(due, True))
            raise
        dirty.clear()
        if self._skipped_order is None:
            self._skipped_order = tuple(self._skipped[cid] for cid in sorted(self._skipped))
        actions = Dated(self._actions.snapshot(), as_of, redated)
        held = Dated(self._held.snapshot(), as_of, held_redated)
        capacity = self._engine.capacity
        if capacity is None:
            return Agenda(as_of, actions, held, self._skipped_order)
        # Capacities are shared across customers: worked out on the whole
        # agenda, as the engine does.
        kept, over = within_capacity(actions, capacity)
        all_held = [*held, *over]
        sort_in_agenda_order(all_held, "action.")
        return Agenda(as_of, tuple(kept), tuple(all_held), self._skipped_order)

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
            or (state.churns_on is not None and state.churns_on <= as_of)
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
        wake = state.wake = earliest(state.shows_until, state.churns_on, *state.changes)
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
        context = self._engine.context(customer, state.visible, as_of)
        changed = []
        for i in asked:
            verdicts, change = members[i].evaluate(context, due_only=True, changes=True)
            verdicts, decided = honoured(verdicts, state.visible, as_of, due_only=True)
            changes[i] = earliest(change, decided)
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
        visible, state.shows_until = self._timelines[cid].until_and_next(as_of)
        state.visible = visible
        seen = [] if everything else visible.additions(before)
        altered = recolour = everything
        # Whether it is skipped changes with the customer, the kinds it looks at, or its date.
        engine = self._engine
        if (
            everything
            or (state.churns_on is not None and state.churns_on <= as_of)
            or any(tp.kind in engine.churn.kinds for tp in seen)
        ):
            skip = engine.skip(customer, visible, as_of)
            state.churns_on = engine.skip_changes(customer, visible, as_of)
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
