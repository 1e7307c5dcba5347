"""The engine: which proactive actions are due, for whom, why, and in what order.

The engine is a loop over customers and policies. It knows policies only
through the `lifecycle.Policy` protocol, cuts every timeline at the as-of date
(so no policy can see the future), skips customers who must not be contacted,
caps the actions per customer, and orders the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._gc import collector_paused
from lifecycle._validate import check_count, check_day, check_period, slot_setters
from lifecycle.book import Book, Timelines
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.policies._combine import policy_set
from lifecycle.policies._conditions import CHURN_KINDS, churning_cancellation
from lifecycle.policies._rule import RulePolicy
from lifecycle.policies._time import ONE_DAY, earliest
from lifecycle.policies._watch import watch
from lifecycle.policy import Policy, Status, Verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel

__all__ = ["Action", "Agenda", "Engine", "Explanation", "Forecast", "HeldBack", "Skipped"]

_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}


@attrs.frozen(kw_only=True, weakref_slot=False)
class Action:
    """A proactive action due for one customer, with the reason it is due.

    Attributes:
        customer_id: Whom to contact.
        policy: The policy that asks for it.
        due: The due date.
        priority: The policy's priority (1 is the most urgent).
        overdue_days: Days past the due date on the agenda's date (0: due today).
        reason: A sentence naming the touchpoints or fields it was worked out from.
        facts: The structured facts behind the reason.
        channel: The suggested channel: the customer's preferred one, else the
            one it uses most (``None`` when neither is known).
    """

    customer_id: str
    policy: str
    due: dt.date
    priority: int
    overdue_days: int
    reason: str
    facts: Mapping[str, object] = attrs.field(factory=FrozenDict)
    channel: Channel | None = None


@attrs.frozen(weakref_slot=False)
class HeldBack:
    """An action over the per-customer cap: not on today's agenda, but not lost.

    Attributes:
        action: The action held back.
        reason: Why, naming the actions kept instead.
    """

    action: Action
    reason: str


@attrs.frozen
class Skipped:
    """A customer the agenda leaves out on purpose.

    Attributes:
        customer_id: The customer.
        reason: ``"do_not_contact"`` or ``"churned"``.
        detail: A sentence saying why.
    """

    customer_id: str
    reason: str
    detail: str


@attrs.frozen
class Agenda:
    """The actions due on one date, in order, with what was held back or skipped.

    Iterating an agenda gives its actions: by priority, then due date, then
    customer id (code-point order), then policy name.

    Attributes:
        as_of: The date the agenda is for.
        actions: The actions to take: a tuple, or from an `IncrementalAgenda`
            a sequence that makes each action as it is read (equal to the tuple).
        held_back: Actions over the cap, with why (a tuple or such a sequence).
        skipped: Customers left out (do not contact, churned), with why.
    """

    as_of: dt.date
    actions: Sequence[Action]
    held_back: Sequence[HeldBack]
    skipped: tuple[Skipped, ...]

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def __getitem__(self, index: int) -> Action:
        return self.actions[index]

    def for_customer(self, customer_id: str) -> tuple[Action, ...]:
        """Return the actions for one customer."""
        # An incremental agenda's actions find the customer's before making
        # any: making every action to read a few would cost seconds.
        of_customer: Callable[[str], tuple[Action, ...]] | None = getattr(
            self.actions, "_of_customer", None
        )
        if of_customer is not None:
            return of_customer(customer_id)
        return tuple(a for a in self.actions if a.customer_id == customer_id)


@attrs.frozen
class Explanation:
    """Every policy's verdict for one customer on one date, and what the agenda does with it.

    Attributes:
        customer: The customer.
        as_of: The date.
        verdicts: One or more verdicts per policy, in policy order.
        skipped: Why the customer is left out, if it is.
        actions: Its actions on the agenda.
        held_back: Its actions over the cap.
    """

    customer: Customer
    as_of: dt.date
    verdicts: tuple[Verdict, ...]
    skipped: Skipped | None
    actions: tuple[Action, ...]
    held_back: tuple[HeldBack, ...]

    def __str__(self) -> str:
        lines = [f"{self.customer.id} ({self.customer.name}) as of {self.as_of.isoformat()}"]
        if self.skipped is not None:
            lines.append(f"  skipped: {self.skipped.detail}")
        shown = {a.policy for a in self.actions}
        held = {h.action.policy for h in self.held_back}
        for verdict in self.verdicts:
            status = verdict.status.value
            if verdict.policy in shown:
                status = "due: on the agenda"
            elif verdict.policy in held:
                status = "due: held back (cap)"
            elif verdict.status is Status.DUE:
                status = "due: skipped"
            lines.append(f"  {verdict.policy:<20} {status:<22} {verdict.reason}")
        return "\n".join(lines)


@attrs.frozen
class Forecast:
    """What comes due on each day of a range: the team's workload ahead.

    Attributes:
        start: First day of the range.
        end: Last day of the range.
        days: For each day, the actions that come due that day (before the cap).
    """

    start: dt.date
    end: dt.date
    days: Mapping[dt.date, tuple[Action, ...]]

    def counts(self) -> dict[dt.date, Counter[str]]:
        """Return, for each day, how many actions come due per policy."""
        return {day: Counter(a.policy for a in actions) for day, actions in self.days.items()}


_new = object.__new__
(
    _SET_CUSTOMER_ID,
    _SET_POLICY,
    _SET_DUE,
    _SET_PRIORITY,
    _SET_OVERDUE,
    _SET_REASON,
    _SET_FACTS,
    _SET_CHANNEL,
) = slot_setters(
    Action, "customer_id", "policy", "due", "priority", "overdue_days", "reason", "facts", "channel"
)


def _new_action(  # noqa: PLR0917 - one positional value per field, on a hot path
    customer_id: str,
    policy: str,
    due: dt.date,
    priority: int,
    overdue_days: int,
    reason: str,
    facts: Mapping[str, object],
    channel: Channel | None,
) -> Action:
    """An `Action` of values the caller vouches for, through its slots' own setters.

    Half the time of attrs' ``__init__`` with keywords (``Action`` takes only
    keywords): an agenda makes one per due verdict, and again per overdue
    day as it is read.
    """
    action = _new(Action)
    _SET_CUSTOMER_ID(action, customer_id)
    _SET_POLICY(action, policy)
    _SET_DUE(action, due)
    _SET_PRIORITY(action, priority)
    _SET_OVERDUE(action, overdue_days)
    _SET_REASON(action, reason)
    _SET_FACTS(action, facts)
    _SET_CHANNEL(action, channel)
    return action


def redated(action: Action, as_of: dt.date) -> Action:
    """Return *action* as it stands on *as_of*: its ``overdue_days`` counted to that date."""
    overdue = (as_of - action.due).days
    if overdue == action.overdue_days:
        return action
    return _new_action(
        action.customer_id,
        action.policy,
        action.due,
        action.priority,
        overdue,
        action.reason,
        action.facts,
        action.channel,
    )


def _action(customer: Customer, channel: Channel | None, due: Verdict, as_of: dt.date) -> Action:
    """The action for a *due* verdict on *as_of*, suggesting *channel*."""
    return _new_action(
        customer.id,
        due.policy,
        due.due,  # type: ignore[arg-type]  # a due verdict has a due date
        due.priority,
        due.overdue_days(as_of),
        due.reason,
        due.facts,
        channel,
    )


def _capped(
    actions: list[Action], cap: int | None, before: Sequence[HeldBack] = ()
) -> tuple[list[Action], list[HeldBack]]:
    """One customer's actions in agenda order: those kept, and those over *cap* (held back).

    A held-back action of *before* still held back for the same reason is
    given again as it is (the incremental agenda keeps what did not change).
    """
    if len(actions) > 1:  # most customers have one action or none
        actions.sort(key=_customer_order)
    if cap is None or len(actions) <= cap:
        return actions, []
    kept, over = actions[:cap], actions[cap:]
    names = ", ".join(a.policy for a in kept)
    why = f"cap of {cap} actions per customer reached; kept {names}"
    if before and before[0].reason == why:
        held = {id(h.action): h for h in before}
        return kept, [held.get(id(a)) or HeldBack(a, why) for a in over]
    return kept, [HeldBack(a, why) for a in over]


def _suggest(customer: Customer, timeline: Timeline) -> Channel | None:
    if customer.preferred_channel is not None:
        return customer.preferred_channel
    if not timeline:
        return None
    counts: Counter[Channel] = Counter(map(_channel_of, timeline))
    return min(counts, key=lambda c: (-counts[c], _CHANNEL_ORDER[c]))


_channel_of = attrgetter("channel")
_customer_order = attrgetter("priority", "due", "policy")  # one customer's actions
_customer_id = attrgetter("customer_id")


class Engine:
    """Works out the agenda: which proactive actions are due, for whom and why.

    Args:
        policies: Any iterable of policies (a `PolicySet` such as the starter
            pack, a list, or your own objects meeting the `Policy` protocol).
        cap: At most this many actions per customer on one agenda (``None``:
            no cap). The rest are held back, never silently lost.
        skip_churned: Leave churned customers out (the starter pack's rule).
            Customers who asked not to be contacted are always left out.

    Raises:
        InvalidValueError: for a bad cap or something that is not a policy.

    Examples:
        >>> import lifecycle as lc
        >>> engine = lc.Engine(lc.starter_pack())
        >>> agenda = engine.agenda(lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
        >>> agenda[0].policy, agenda[0].priority
        ('complaint_follow_up', 1)
    """

    __slots__ = ("_check_names", "_policies", "cap", "skip_churned")

    def __init__(
        self, policies: Iterable[Policy], *, cap: int | None = 2, skip_churned: bool = True
    ) -> None:
        if cap is not None:
            check_count("cap", cap, minimum=1)
        self._policies = policy_set(policies)
        names = [getattr(p, "name", None) for p in self._policies]
        known = [n for n in names if isinstance(n, str)]
        # Names are checked here, once. A RulePolicy's verdicts always carry its
        # name; any other policy's verdicts are checked as they come.
        self._check_names = not all(isinstance(p, RulePolicy) for p in self._policies)
        if len(set(known)) != len(known):
            twice = sorted({n for n in known if known.count(n) > 1})
            raise InvalidValueError(
                "policies", twice, "two policies share a name; names must be unique"
            )
        self.cap = cap
        self.skip_churned = skip_churned

    @property
    def policies(self) -> tuple[Policy, ...]:
        """The policies, in the order given."""
        return self._policies.policies

    def __repr__(self) -> str:
        return f"Engine({len(self._policies)} policies, cap={self.cap})"

    # -- one customer -----------------------------------------------------------

    #: The touchpoint kinds `_skip` looks at (besides the customer): the
    #: incremental agenda asks it again only when one of these comes into view.
    _SKIP_KINDS = CHURN_KINDS

    def _skip(self, customer: Customer, visible: Timeline, as_of: dt.date) -> Skipped | None:
        if customer.do_not_contact:
            return Skipped(
                customer.id, "do_not_contact", f"{customer.id} asked not to be contacted"
            )
        if not self.skip_churned:
            return None
        cancelled = churning_cancellation(visible)
        if cancelled is not None:
            day = visible.local_date(cancelled).isoformat()
            detail = (
                f"{customer.id} churned: cancellation on {day} ({cancelled.id}), "
                "no purchase or renewal since"
            )
            return Skipped(customer.id, "churned", detail)
        return None

    def _verdicts(
        self, customer: Customer, visible: Timeline, as_of: dt.date, *, only_due: bool = False
    ) -> list[Verdict]:
        policies = self._policies
        if only_due:
            verdicts = list(policies.due_verdicts(customer, visible, as_of))
        else:
            verdicts = list(policies.verdicts(customer, visible, as_of))
        self._check_unique(verdicts)
        return verdicts

    def _check_unique(self, verdicts: Sequence[Verdict]) -> None:
        if not self._check_names:
            return
        names = [v.policy for v in verdicts]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise InvalidValueError(
                "policies", twice, "two policies share a name; names must be unique"
            )

    def _actions(
        self,
        customer: Customer,
        visible: Timeline,
        verdicts: Iterable[Verdict],
        as_of: dt.date,
        cap: int | None,
    ) -> tuple[list[Action], list[HeldBack]]:
        due = [v for v in verdicts if v.status is Status.DUE]
        if not due:
            return [], []
        channel = _suggest(customer, visible)
        return _capped([_action(customer, channel, v, as_of) for v in due], cap)

    # -- the book ---------------------------------------------------------------

    @collector_paused()
    def agenda(self, book: Timelines, as_of: dt.date) -> Agenda:
        """Return the agenda for *as_of*: every due action, ordered, capped, explained.

        Touchpoints whose local date is after *as_of* are invisible, so an
        agenda for a past date shows what was due then.

        Args:
            book: A `Book`, or a `StreamedBook` (read one customer at a time:
                memory for the agenda and one customer's timeline).
            as_of: The date.

        Raises:
            InvalidValueError: if *as_of* is not a date, or two policies share a name.
        """
        check_day("as_of", as_of)
        actions: list[Action] = []
        held: list[HeldBack] = []
        skipped: list[Skipped] = []
        for customer, timeline in book.items():
            visible = timeline.until(as_of)
            skip = self._skip(customer, visible, as_of)
            if skip is not None:
                skipped.append(skip)
                continue
            verdicts = self._verdicts(customer, visible, as_of, only_due=True)
            kept, over = self._actions(customer, visible, verdicts, as_of, self.cap)
            actions.extend(kept)
            held.extend(over)
        _sort(actions)
        _sort(held, "action.")
        skipped.sort(key=_customer_id)  # a streamed book need not come in id order
        return Agenda(as_of, tuple(actions), tuple(held), tuple(skipped))

    def explain(self, book: Book, customer_id: str, as_of: dt.date) -> Explanation:
        """Return every policy's verdict for one customer, with the facts it used.

        Raises:
            UnknownCustomerError: if the book has no such customer.
        """
        check_day("as_of", as_of)
        customer = book.customer(customer_id)
        visible = book.timeline(customer_id).until(as_of)
        verdicts = self._verdicts(customer, visible, as_of)
        skip = self._skip(customer, visible, as_of)
        kept, over = (
            ([], []) if skip else self._actions(customer, visible, verdicts, as_of, self.cap)
        )
        return Explanation(customer, as_of, tuple(verdicts), skip, tuple(kept), tuple(over))

    @collector_paused()
    def forecast(self, book: Timelines, start: dt.date, end: dt.date) -> Forecast:
        """Return what comes due on each day from *start* to *end* (both included).

        Each day lists the actions whose due date is that day on that day's
        agenda, before the cap (the workload, whatever the cap lets through),
        assuming no new touchpoints.

        A customer is worked out only on the days its verdicts may change
        (see `lifecycle.next_change`): between two such days its due verdicts
        stay the same, so none comes due. A policy of your own without a
        ``next_change`` method is asked every day.

        Raises:
            InvalidValueError: if *end* is before *start*, or a policy's own
                ``next_change`` gives something other than a later date.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> engine = lc.Engine(lc.starter_pack())
            >>> start = lc.SAMPLE_AS_OF
            >>> week = engine.forecast(lc.sample_book(), start, start + dt.timedelta(days=6))
            >>> [len(actions) for actions in week.days.values()]
            [7, 0, 1, 4, 2, 4, 3]
            >>> week.counts()[dt.date(2026, 11, 7)]["promoter_referral"]
            2
        """
        check_period(start, end)
        days: dict[dt.date, list[Action]] = {}
        day = start
        while day <= end:
            days[day] = []
            day += ONE_DAY
        policies = watch(self._policies)
        for customer, timeline in book.items():
            day = start
            while day <= end:
                visible, shows = timeline._until_next(day)
                # What the customer's policies see, and so whether it is
                # skipped, holds until the next touchpoint comes into view.
                after = shows
                if self._skip(customer, visible, day) is None:
                    verdicts, change = policies(customer, visible, day, {})
                    after = earliest(after, change)
                    self._check_unique(verdicts)
                    due = [v for v in verdicts if v.due == day]
                    uncapped, _ = self._actions(customer, visible, due, day, None)
                    days[day].extend(uncapped)
                if after is None:
                    break
                day = max(after, day + ONE_DAY)  # a date too early is only asked again
        return Forecast(
            start, end, FrozenDict({d: tuple(sorted(a, key=_order)) for d, a in days.items()})
        )


#: Agenda order: by priority, then due date, then customer id, then policy.
_ORDER_FIELDS = ("priority", "due", "customer_id", "policy")
_order = attrgetter(*_ORDER_FIELDS)


def _sort(items: list[Action] | list[HeldBack], path: str = "") -> None:
    """Sort actions (or, with *path* ``"action."``, held-back ones) in agenda order.

    The same order as ``sort(key=_order)``, by stable sorts from the last key
    to the first: no key tuple per action (an agenda may hold hundreds of
    thousands of them).
    """
    for field in reversed(_ORDER_FIELDS):
        items.sort(key=attrgetter(path + field))
