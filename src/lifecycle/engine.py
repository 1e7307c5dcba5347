"""The engine: which proactive actions are due, for whom, why, and in what order.

The engine is a loop over customers and policies. It knows policies only
through the `lifecycle.Policy` protocol, cuts every timeline at the as-of date
(so no policy can see the future), skips customers who must not be contacted,
honours the team's decisions, caps the actions per customer, orders the rest
and keeps each owner within their capacity.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_count, check_day, check_period
from lifecycle.agenda import (
    Action,
    Agenda,
    HeldBack,
    Skipped,
    action_for,
    agenda_key,
    capped,
    honoured,
    sort_in_agenda_order,
    suggest_channel,
    within_capacity,
)
from lifecycle.book import Book, Timelines
from lifecycle.calendar import Calendar
from lifecycle.churn import DEFAULT_CHURN, ChurnRule, check_churn_rule
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.policies import PolicySet, earliest, evaluator, policy_set
from lifecycle.policy import Context, Policy, Status, Verdict
from lifecycle.timeline import Timeline

__all__ = ["Action", "Agenda", "Engine", "Explanation", "Forecast", "HeldBack", "Skipped"]
_ONE_DAY = dt.timedelta(days=1)


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
        held = {h.action.policy: h.reason for h in self.held_back}
        for verdict in self.verdicts:
            status = verdict.status.value
            if verdict.policy in shown:
                status = "due: on the agenda"
            elif verdict.policy in held:
                why = "cap" if held[verdict.policy].startswith("cap ") else "capacity"
                status = f"due: held back ({why})"
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

    def by_owner(self) -> dict[dt.date, Counter[str | None]]:
        """Return, for each day, how many actions come due per owner (``None``: unowned).

        The workload each owner has coming, before the cap and capacities:
        set a capacity from it, or move customers to another owner ahead of a
        busy day.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 3, 1), owner="alice")
            >>> bought = lc.Touchpoint(id="t-1", customer_id="c-1", channel="web",
            ...     at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), kind="purchase",
            ...     direction="inbound")
            >>> week = lc.Engine(lc.starter_pack()).forecast(
            ...     lc.Book([ada], [bought]), dt.date(2026, 3, 2), dt.date(2026, 3, 9))
            >>> {day.isoformat(): dict(n) for day, n in week.by_owner().items() if n}
            {'2026-03-08': {'alice': 1}}
        """
        return {day: Counter(a.owner for a in actions) for day, actions in self.days.items()}


def _unique(names: list[str]) -> None:
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidValueError(
            "policies", twice, "two policies share a name; names must be unique"
        )


def _policy_set(policies: Iterable[Policy]) -> PolicySet:
    return policy_set(policies)


def _check_cap(instance: object, attribute: object, cap: int | None) -> None:
    if cap is not None:
        check_count("cap", cap, minimum=1)


def _to_capacity(value: int | Mapping[str, int] | None) -> int | Mapping[str, int] | None:
    raw: object = value  # checked as anything: it comes from the user
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        return check_count("capacity", raw, minimum=1)
    limits: dict[str, int] = {}
    for owner, limit in raw.items():
        if not isinstance(owner, str) or not owner:
            raise InvalidValueError("capacity", owner, "an owner is a non-empty string")
        limits[owner] = check_count(f"capacity[{owner!r}]", limit, minimum=0)
    return FrozenDict(limits)


def _is_churn_rule(instance: object, attribute: object, value: ChurnRule | None) -> None:
    if value is not None:
        check_churn_rule("churn", value)


def _is_calendar(instance: object, attribute: object, value: Calendar | None) -> None:
    given: object = value  # checked as anything: it comes from the user
    if given is not None and not isinstance(given, Calendar):
        raise InvalidValueError("calendar", value, "must be a lifecycle.Calendar")


@attrs.frozen(repr=False)
class Engine:
    """Works out the agenda: which proactive actions are due, for whom and why.

    An engine is immutable: make one with other settings with `attrs.evolve`,
    e.g. ``attrs.evolve(engine, cap=3)``. A calendar or churn rule not given
    comes from the policies, so ``attrs.evolve(engine, policies=...)`` takes
    the new policies' ones.

    Attributes:
        policies: The policies, in the order given: any iterable of them (a
            `PolicySet` such as the starter pack, a list, or your own objects
            meeting the `Policy` protocol), kept as a tuple.
        cap: At most this many actions per customer on one agenda (``None``:
            no cap). The rest are held back, never silently lost.
        skip_churned: Leave churned customers out (by `churn`).
            Customers who asked not to be contacted are always left out.
        churn: When a customer counts as churned: `lifecycle.churn_on_cancellation`
            (the starter pack's rule) or `lifecycle.churn_after_inactivity`
            (for a business without contracts), or a `ChurnRule` of your own.
            Not given: the policy set's (a policy file's ``churn`` table),
            else the cancellation rule.
        calendar: The working days (a `Calendar`): a due date on a day off
            moves to the next working day; a customer whose ``country``
            attribute names a country gets its public holidays. ``None``
            (default): the policy set's (a policy file's ``[calendar]``
            table), else every day is a working day.
        capacity: At most this many actions per owner on one agenda, after
            the per-customer cap, taken in agenda order: one number for every
            owner (at least 1), or a mapping of owner to number (0 for an
            owner who is away; owners it leaves out, and unowned actions, are
            not limited). ``None``: no limit.

    Raises:
        InvalidValueError: for a bad cap or something that is not a policy.

    Examples:
        >>> import lifecycle as lc
        >>> engine = lc.Engine(lc.starter_pack())
        >>> agenda = engine.agenda(lc.sample_book(), as_of=lc.SAMPLE_AS_OF)
        >>> agenda[0].policy, agenda[0].priority
        ('complaint_follow_up', 1)
    """

    _policies: PolicySet = attrs.field(converter=_policy_set, alias="policies")
    cap: int | None = attrs.field(default=2, kw_only=True, validator=_check_cap)
    skip_churned: bool = attrs.field(default=True, kw_only=True)
    capacity: int | Mapping[str, int] | None = attrs.field(
        default=None, kw_only=True, converter=_to_capacity
    )
    # What the user gave (None: the policy set's), so that ``attrs.evolve(engine,
    # policies=...)`` takes the new policies' calendar and churn rule, not the old ones.
    _given_calendar: Calendar | None = attrs.field(
        default=None, kw_only=True, validator=_is_calendar, alias="calendar"
    )
    _given_churn: ChurnRule | None = attrs.field(
        default=None, kw_only=True, validator=_is_churn_rule, alias="churn"
    )
    _check_names: bool = attrs.field(init=False, eq=False)
    _calendar: Calendar | None = attrs.field(init=False, eq=False, repr=False)
    _churn: ChurnRule = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Names are checked here, once, when every policy can tell them;
        # otherwise the verdicts are checked as they come.
        object.__setattr__(self, "_check_names", self._policies.names is None)
        # A policy file's [calendar] and churn tables, unless the engine was given its own.
        calendar = self._given_calendar or self._policies.calendar
        object.__setattr__(self, "_calendar", calendar)
        object.__setattr__(
            self, "_churn", self._given_churn or self._policies.churn or DEFAULT_CHURN
        )
        _unique([n for p in self._policies for n in evaluator(p).names or ()])

    @property
    def calendar(self) -> Calendar | None:
        """The working days due dates move by: the one given, else the policy set's, or ``None``."""
        return self._calendar

    @property
    def churn(self) -> ChurnRule:
        """Who counts as churned: the rule given, else the policy set's, else by cancellation."""
        return self._churn

    @property
    def policies(self) -> tuple[Policy, ...]:
        """The policies, in the order given."""
        return self._policies.policies

    def __repr__(self) -> str:
        capacity = "" if self.capacity is None else f", capacity={self.capacity!r}"
        return f"Engine({len(self._policies)} policies, cap={self.cap}{capacity})"

    # -- one customer -----------------------------------------------------------

    def skip(self, customer: Customer, visible: Timeline, as_of: dt.date) -> Skipped | None:
        """Return why the agenda leaves *customer* out on *as_of*, or ``None`` if it does not.

        Args:
            customer: The customer.
            visible: Its timeline, cut at *as_of*.
            as_of: The agenda's date (an inactivity churn rule counts to it).
        """
        if customer.do_not_contact:
            return Skipped(
                customer.id, "do_not_contact", f"{customer.id} asked not to be contacted"
            )
        if not self.skip_churned:
            return None
        why = self.churn.churned(customer, visible, as_of)
        return None if why is None else Skipped(customer.id, "churned", why)

    def skip_changes(self, customer: Customer, visible: Timeline, as_of: dt.date) -> dt.date | None:
        """Return the first date after *as_of* on which `skip` may change with no new touchpoint.

        ``None``: only a touchpoint of one of ``churn.kinds`` (or a change to
        the customer) can change it. The incremental agenda and the forecast
        ask the customer again on this date.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> shop = lc.Engine(lc.starter_pack(), churn=lc.churn_after_inactivity(days=90))
            >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
            >>> shop.skip_changes(ada, lc.Timeline([]), dt.date(2026, 2, 1))
            datetime.date(2026, 4, 5)
        """
        if customer.do_not_contact or not self.skip_churned:
            return None
        return self.churn.next_change(customer, visible, as_of)

    def _verdicts(
        self, customer: Customer, visible: Timeline, as_of: dt.date, *, only_due: bool = False
    ) -> tuple[Verdict, ...]:
        context = self.context(customer, visible, as_of)
        verdicts = self._policies.evaluate(context, due_only=only_due, changes=False)[0]
        self.check_names(verdicts)
        return honoured(verdicts, visible, as_of, due_only=only_due)[0]

    def context(self, customer: Customer, visible: Timeline, as_of: dt.date) -> Context:
        """Return what the policies see of *customer* on *as_of*: its timeline, its calendar.

        Every path that works out an agenda asks the policies through this one
        context (the incremental agenda too).
        """
        calendar = self.calendar
        if calendar is not None:
            calendar = calendar.for_customer(customer)
        return Context(customer, visible, as_of, None, {}, calendar)

    def check_names(self, verdicts: Sequence[Verdict]) -> None:
        """Check that no two of one customer's *verdicts* share a policy name.

        Needed only where a policy of your own cannot tell its names up front
        (the engine checks the others once, when it is made).

        Raises:
            InvalidValueError: naming the names given twice.
        """
        if self._check_names:
            _unique([v.policy for v in verdicts])

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
        channel = suggest_channel(customer, visible)
        return capped([action_for(customer, channel, v, as_of) for v in due], cap)

    # -- the book ---------------------------------------------------------------

    def agenda(self, book: Timelines, as_of: dt.date) -> Agenda:
        """Return the agenda for *as_of*: every due action, ordered, capped, explained.

        Touchpoints whose local date is after *as_of* are invisible, so an
        agenda for a past date shows what was due then.

        Args:
            book: A `Book`, or a `StreamedBook` (read one customer at a time:
                memory for the agenda and one customer's timeline).
            as_of: The date.

        Raises:
            InvalidValueError: if *as_of* is not a date within `lifecycle.limits`, or
                two verdicts of a policy of your own share a name with another's.
        """
        check_day("as_of", as_of)
        actions: list[Action] = []
        held: list[HeldBack] = []
        skipped: list[Skipped] = []
        for customer, timeline in book.items():
            visible = timeline.until(as_of)
            skip = self.skip(customer, visible, as_of)
            if skip is not None:
                skipped.append(skip)
                continue
            verdicts = self._verdicts(customer, visible, as_of, only_due=True)
            kept, over = self._actions(customer, visible, verdicts, as_of, self.cap)
            actions.extend(kept)
            held.extend(over)
        sort_in_agenda_order(actions)
        if self.capacity is not None:
            actions, over = within_capacity(actions, self.capacity)
            held.extend(over)
        sort_in_agenda_order(held, "action.")
        skipped.sort(key=attrgetter("customer_id"))  # a streamed book need not come in id order
        return Agenda(as_of, tuple(actions), tuple(held), tuple(skipped))

    def explain(self, book: Book, customer_id: str, as_of: dt.date) -> Explanation:
        """Return every policy's verdict for one customer, with the facts it used.

        A verdict the team decided on shows the decision (``done``,
        ``dismissed`` or ``snoozed``), who made it, when and why. With a
        `capacity`, the customer's owner's whole agenda is worked out to
        tell which of its actions the capacity holds back.

        Raises:
            UnknownCustomerError: if the book has no such customer.
        """
        check_day("as_of", as_of)
        customer = book.customer(customer_id)
        visible = book.timeline(customer_id).until(as_of)
        verdicts = self._verdicts(customer, visible, as_of)
        skip = self.skip(customer, visible, as_of)
        kept, over = (
            ([], []) if skip else self._actions(customer, visible, verdicts, as_of, self.cap)
        )
        if kept and self.capacity is not None and customer.owner is not None:
            owner = customer.owner
            theirs = book.without_customers([c.id for c in book if c.owner != owner])
            agenda = self.agenda(theirs, as_of)
            kept = list(agenda.for_customer(customer_id))
            over = [h for h in agenda.held_back if h.action.customer_id == customer_id]
        return Explanation(customer, as_of, tuple(verdicts), skip, tuple(kept), tuple(over))

    def forecast(self, book: Timelines, start: dt.date, end: dt.date) -> Forecast:
        """Return what comes due on each day from *start* to *end* (both included).

        Each day lists the actions whose due date is that day on that day's
        agenda, before the cap and capacities (the workload, whatever they let
        through), assuming no new touchpoints or decisions. An action snoozed
        until a day in the range comes due on that day.

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
            day += _ONE_DAY
        policies = self._policies
        for customer, timeline in book.items():
            day = start
            while day <= end:
                visible, shows = timeline.until_and_next(day)
                # What the customer's policies see, and so whether it is
                # skipped, holds until the next touchpoint comes into view
                # (or the churn rule's date comes).
                after = earliest(shows, self.skip_changes(customer, visible, day))
                if self.skip(customer, visible, day) is None:
                    context = self.context(customer, visible, day)
                    verdicts, change = policies.evaluate(context, due_only=True, changes=True)
                    self.check_names(verdicts)
                    undecided, decided = honoured(verdicts, visible, day, due_only=True)
                    after = earliest(after, change, decided)
                    due = [v for v in undecided if _comes_due(v, day)]
                    uncapped, _ = self._actions(customer, visible, due, day, None)
                    days[day].extend(uncapped)
                if after is None:
                    break
                day = max(after, day + _ONE_DAY)  # a date too early is only asked again
        return Forecast(
            start, end, FrozenDict({d: tuple(sorted(a, key=agenda_key)) for d, a in days.items()})
        )


def _comes_due(verdict: Verdict, day: dt.date) -> bool:
    """Whether a due verdict comes due on *day*: its due date, or the end of its snooze."""
    return verdict.due == day or verdict.facts.get("snoozed_until") == day
