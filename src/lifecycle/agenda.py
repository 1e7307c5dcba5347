"""The agenda: actions due, in one order, with what was held back or skipped and why.

One customer's due verdicts become actions here, the same way on every path
that works out an agenda (the engine, its forecast, the incremental agenda,
streamed books, Spark): the team's decisions close some (`honoured`), each
action suggests a channel, at most `cap` are kept per customer and the rest
held back with the reason, the whole agenda is put in one order
(`ORDER_FIELDS`), and each owner gets at most their capacity (`within_capacity`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

import attrs

from lifecycle._frozendict import FrozenDict
from lifecycle._plural import counted
from lifecycle._validate import unchecked_constructor
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, Outcome, changes_after, in_force
from lifecycle.errors import MissingDependencyError
from lifecycle.policy import Status, Verdict, new_verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Touchpoint

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ACTION_FIELDS",
    "ORDER_FIELDS",
    "Action",
    "ActionField",
    "Agenda",
    "ByCustomer",
    "HeldBack",
    "Skipped",
    "action_for",
    "agenda_key",
    "capped",
    "honoured",
    "json_ready",
    "new_action",
    "redated",
    "sort_in_agenda_order",
    "suggest_channel",
    "within_capacity",
]

_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}
_CUSTOM = len(_CHANNEL_ORDER)  # custom channels sort after the standard ones


@runtime_checkable
class ByCustomer(Protocol):
    """A sequence of actions that finds one customer's without reading the others."""

    def for_customer(self, customer_id: str) -> tuple[Action, ...]:
        """Return the customer's actions, in agenda order."""
        ...  # pragma: no cover - a protocol has no body


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
        owner: The customer's owner (``None``: unowned).
    """

    customer_id: str
    policy: str
    due: dt.date
    priority: int
    overdue_days: int
    reason: str
    facts: Mapping[str, object] = attrs.field(factory=FrozenDict)
    channel: Channel | None = None
    owner: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the action as a JSON-ready dict: the fields of `ACTION_FIELDS`, in order.

        Dates are ISO text, the channel its name (or ``None``), and the facts
        JSON-ready too (see `json_ready`): ``json.dumps`` takes the result as
        it is, and a CRM's API or database gets plain values.

        Examples:
            >>> import datetime as dt, json
            >>> action = Action(customer_id="c-1", policy="renewal_check_in",
            ...                 due=dt.date(2026, 11, 2), priority=2, overdue_days=0,
            ...                 reason="renewal is near",
            ...                 facts={"anchor_date": dt.date(2026, 12, 2)})
            >>> action.to_dict()["due"], action.to_dict()["facts"]
            ('2026-11-02', {'anchor_date': '2026-12-02'})
            >>> json.loads(json.dumps(action.to_dict())) == action.to_dict()
            True
        """
        data = dict(zip(_NAMES, _values(self), strict=True))
        for name, convert in _CONVERTED:
            data[name] = convert(data[name])
        return data


@attrs.frozen(weakref_slot=False)
class HeldBack:
    """An action over the per-customer cap or its owner's capacity: not on the agenda, not lost.

    Attributes:
        action: The action held back.
        reason: Why: the cap and the actions kept instead, or the owner and
            their capacity.
    """

    action: Action
    reason: str

    def to_dict(self) -> dict[str, object]:
        """Return the held-back action as a JSON-ready dict: its action's, and ``held_back`` (why).

        Examples:
            >>> import datetime as dt
            >>> action = Action(customer_id="c-1", policy="nps_follow_up", due=dt.date(2026, 11, 2),
            ...                 priority=3, overdue_days=0, reason="a passive answer")
            >>> HeldBack(action, "cap reached").to_dict()["held_back"]
            'cap reached'
        """
        return self.action.to_dict() | {"held_back": self.reason}


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

    def to_dict(self) -> dict[str, object]:
        """Return the skipped customer as a JSON-ready dict: its three fields.

        Examples:
            >>> Skipped("c-9", "churned", "cancelled on 2026-01-05").to_dict()["reason"]
            'churned'
        """
        return {"customer_id": self.customer_id, "reason": self.reason, "detail": self.detail}


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
        actions = self.actions
        if isinstance(actions, ByCustomer):
            # An incremental agenda's actions find the customer's before making any.
            return actions.for_customer(customer_id)
        return tuple(a for a in actions if a.customer_id == customer_id)

    def to_records(self) -> list[dict[str, object]]:
        """Return the actions as JSON-ready dicts (`Action.to_dict`), in agenda order.

        What a CRM takes back: rows for a database's ``executemany``, a body
        for its API. Held-back and skipped records have ``to_dict`` too.

        Examples:
            >>> import lifecycle as lc
            >>> agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
            >>> records = agenda.to_records()
            >>> len(records) == len(agenda), list(records[0])[:3]
            (True, ['customer_id', 'policy', 'due'])
        """
        return [a.to_dict() for a in self.actions]

    def to_frame(self) -> pd.DataFrame:
        """Return the actions as a pandas DataFrame: one row per action, in agenda order.

        The columns are those of `to_records` (`ACTION_FIELDS`), with the same
        values, except ``due``, a ``datetime64`` column. Needs pandas
        (``pip install 'customer-lifecycle[pandas]'``).

        Raises:
            LifecycleError: if pandas is not installed, saying how to install it.

        Examples:
            >>> import lifecycle as lc
            >>> agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
            >>> frame = agenda.to_frame()
            >>> len(frame) == len(agenda), frame["due"].dtype.kind  # M: datetime64
            (True, 'M')
        """
        try:
            import pandas as pd  # noqa: PLC0415 - an optional extra, only needed here
        except ImportError:
            raise MissingDependencyError(
                "Agenda.to_frame needs pandas: pip install 'customer-lifecycle[pandas]'"
            ) from None
        names = [f.name for f in ACTION_FIELDS]
        frame = pd.DataFrame.from_records(self.to_records(), columns=names)
        frame["due"] = pd.to_datetime(frame["due"], format="%Y-%m-%d")
        return frame.astype({"priority": "int64", "overdue_days": "int64"})


def json_ready(value: object) -> object:
    """Return *value* as plain JSON data: what an action's facts become in `Action.to_dict`.

    Dates and datetimes become ISO text, enums their value, a touchpoint its
    id, mappings and sequences the same inside; text, numbers, booleans and
    ``None`` stay as they are; anything else becomes its ``str``.

    Examples:
        >>> import datetime as dt
        >>> json_ready({"on": dt.date(2026, 1, 5), "ids": ("t-1", 2), "ok": None})
        {'on': '2026-01-05', 'ids': ['t-1', 2], 'ok': None}
    """
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, Touchpoint):
        return value.id
    if isinstance(value, Mapping):
        return {str(k): v if type(v) in _AS_IS else json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [json_ready(v) for v in items]
    return str(value)


_AS_IS = frozenset({str, int, float, bool, type(None)})


def _same(value: object) -> object:
    return value


class ActionField(NamedTuple):
    """One field of an action as data: the writers (dicts, CSV, JSON, Spark) all read these.

    Attributes:
        name: The field's name, and its key or column in every output.
        data: Makes the field's value JSON-ready: `json_ready`, or nothing to do.
        text: Free text a spreadsheet could run as a formula (CSV guards it).
        column: A column of the flat outputs (CSV, Spark); ``facts`` is not.
    """

    name: str
    data: Callable[[Any], object]
    text: bool = False
    column: bool = True


#: An action's fields as data, in the order of every output: the six fixed
#: fields, then the suggested channel, the owner and the facts.
ACTION_FIELDS = (
    ActionField("customer_id", _same, text=True),
    ActionField("policy", _same, text=True),
    ActionField("due", json_ready),
    ActionField("priority", _same),
    ActionField("overdue_days", _same),
    ActionField("reason", _same, text=True),
    ActionField("channel", json_ready),
    ActionField("owner", _same, text=True),
    ActionField("facts", json_ready, column=False),
)
_NAMES = tuple(f.name for f in ACTION_FIELDS)
_values = attrgetter(*_NAMES)
# Most fields are JSON-ready as they are: only these need converting.
_CONVERTED = tuple((f.name, f.data) for f in ACTION_FIELDS if f.data is not _same)


#: Return an `Action` of values the caller vouches for, one per field in order
#: (customer_id, policy, due, priority, overdue_days, reason, facts, channel,
#: owner), skipping attrs' ``__init__``, which takes only keywords and more
#: slowly: an agenda makes one per due verdict, and again per overdue day as
#: it is read.
new_action: Callable[
    [str, str, dt.date, int, int, str, Mapping[str, object], Channel | None, str | None], Action
] = unchecked_constructor(Action)


def redated(action: Action, as_of: dt.date) -> Action:
    """Return *action* as it stands on *as_of*: its ``overdue_days`` counted to that date."""
    overdue = (as_of - action.due).days
    if overdue == action.overdue_days:
        return action
    return new_action(
        action.customer_id,
        action.policy,
        action.due,
        action.priority,
        overdue,
        action.reason,
        action.facts,
        action.channel,
        action.owner,
    )


def action_for(customer: Customer, channel: Channel | None, due: Verdict, as_of: dt.date) -> Action:
    """Return the action for a *due* verdict on *as_of*, suggesting *channel*."""
    return new_action(
        customer.id,
        due.policy,
        due.due,  # type: ignore[arg-type]  # a due verdict has a due date
        due.priority,
        due.overdue_days(as_of),
        due.reason,
        due.facts,
        channel,
        customer.owner,
    )


def capped(
    actions: list[Action], cap: int | None, before: Sequence[HeldBack] = ()
) -> tuple[list[Action], list[HeldBack]]:
    """Return one customer's actions in agenda order: those kept, and those over *cap*.

    A held-back action of *before* still held back for the same reason is
    given again as it is (the incremental agenda keeps what did not change).
    """
    if len(actions) > 1:  # most customers have one action or none
        actions.sort(key=_customer_order)
    if cap is None or len(actions) <= cap:
        return actions, []
    kept, over = actions[:cap], actions[cap:]
    names = ", ".join(a.policy for a in kept)
    why = f"cap of {counted(cap, 'action')} per customer reached; kept {names}"
    if before and before[0].reason == why:
        held = {id(h.action): h for h in before}
        return kept, [held.get(id(a)) or HeldBack(a, why) for a in over]
    return kept, [HeldBack(a, why) for a in over]


def suggest_channel(customer: Customer, timeline: Timeline) -> Channel | None:
    """The channel to suggest: the customer's preferred one, else the one it uses most.

    Ties go to the channel listed first in `Channel` (custom channels after
    the standard ones, by name); ``None`` when neither is known.
    """
    if customer.preferred_channel is not None:
        return customer.preferred_channel
    if not timeline:
        return None
    counts: Counter[Channel] = Counter(map(_channel_of, timeline))
    return min(counts, key=lambda c: (-counts[c], _CHANNEL_ORDER.get(c, _CUSTOM), c))


_channel_of = attrgetter("channel")
_customer_order = attrgetter("priority", "due", "policy")  # one customer's actions


#: Agenda order: by priority, then due date, then customer id, then policy.
ORDER_FIELDS = ("priority", "due", "customer_id", "policy")
agenda_key = attrgetter(*ORDER_FIELDS)


def sort_in_agenda_order(items: list[Action] | list[HeldBack], path: str = "") -> None:
    """Sort actions (or, with *path* ``"action."``, held-back ones) in agenda order.

    The same order as ``sort(key=agenda_key)``, by stable sorts from the last key
    to the first: no key tuple per action (an agenda may hold hundreds of
    thousands of them).
    """
    for field in reversed(ORDER_FIELDS):
        items.sort(key=attrgetter(path + field))


def within_capacity(
    actions: Sequence[Action], capacity: int | Mapping[str, int] | None
) -> tuple[list[Action], list[HeldBack]]:
    """Return the *actions* (in agenda order) each owner has room for, and those held back.

    Each owner gets at most *capacity* actions (one number for all, or one
    per owner), taken in agenda order; unowned actions, and owners a mapping
    leaves out, are not limited (``decisions.md``, "Owners and capacity").

    Examples:
        >>> import datetime as dt
        >>> calls = [Action(customer_id=c, policy="welcome", due=dt.date(2026, 3, 1),
        ...                 priority=4, overdue_days=0, reason="...", owner="alice")
        ...          for c in ("c1", "c2", "c3")]
        >>> kept, held = within_capacity(calls, 2)
        >>> [a.customer_id for a in kept], held[0].reason
        (['c1', 'c2'], 'capacity of 2 actions for owner alice reached')
    """
    if capacity is None:
        return list(actions), []
    every = capacity if isinstance(capacity, int) else None
    limits: Mapping[str, int] = {} if isinstance(capacity, int) else capacity
    taken: Counter[str] = Counter()
    kept: list[Action] = []
    held: list[HeldBack] = []
    for action in actions:
        owner = action.owner
        if owner is None:
            kept.append(action)
            continue
        limit = every if every is not None else limits.get(owner)
        if limit is None or taken[owner] < limit:
            taken[owner] += 1
            kept.append(action)
        else:
            why = f"capacity of {counted(limit, 'action')} for owner {owner} reached"
            held.append(HeldBack(action, why))
    return kept, held


_CLOSED = {
    Outcome.DONE: Status.DONE,
    Outcome.DISMISSED: Status.DISMISSED,
    Outcome.SNOOZED: Status.SNOOZED,
}


def honoured(
    verdicts: Sequence[Verdict], timeline: Timeline, as_of: dt.date, *, due_only: bool
) -> tuple[tuple[Verdict, ...], dt.date | None]:
    """Return *verdicts* with the team's decisions applied, and when that may change.

    A due verdict whose occurrence (policy and due date) the team decided on
    by *as_of* (see `lifecycle.decisions.in_force`) is closed when the
    decision was done or dismissed, or snoozed until a later date: it is left
    out with *due_only*, else given the decision's status, its reason saying
    who decided what and when. A snooze that has ended leaves the verdict
    due, its reason saying so. The date is the first after *as_of* on which
    a decision on one of these occurrences starts or stops counting
    (``None``: none will).

    *timeline* is the customer's (its zone and decisions); the verdicts are
    one policy's or many.
    """
    decisions = timeline.decisions
    if not decisions:
        return tuple(verdicts), None
    zone = timeline.timezone
    result: list[Verdict] = []
    change: dt.date | None = None
    for verdict in verdicts:
        if verdict.status is not Status.DUE:
            result.append(verdict)
            continue
        due = verdict.due
        assert due is not None  # a due verdict has a due date
        later = changes_after(decisions, as_of, zone, (verdict.policy,), due)
        if later is not None and (change is None or later < change):
            change = later
        decision = in_force(decisions, verdict.policy, due, as_of, zone)
        if decision is None:
            result.append(verdict)
        elif decision.closes(as_of):
            if not due_only:
                result.append(_closed(verdict, decision, timeline))
        else:
            result.append(_woken(verdict, decision, timeline))
    return tuple(result), change


def _facts(verdict: Verdict, decision: Decision) -> dict[str, object]:
    return {**verdict.facts, "decision": decision.id, "decided": decision.outcome.value}


def _closed(verdict: Verdict, decision: Decision, timeline: Timeline) -> Verdict:
    due = verdict.due
    assert due is not None
    facts = _facts(verdict, decision)
    if decision.until is not None:
        facts["snoozed_until"] = decision.until
    reason = f"{decision.describe(timeline.timezone)}; due {due.isoformat()}: {verdict.reason}"
    return new_verdict(
        verdict.policy, verdict.priority, _CLOSED[decision.outcome], due, reason, FrozenDict(facts)
    )


def _woken(verdict: Verdict, decision: Decision, timeline: Timeline) -> Verdict:
    until = decision.until
    assert until is not None  # only a snooze ends
    facts = _facts(verdict, decision)
    facts["snoozed_until"] = until
    reason = f"{verdict.reason} (back from {decision.describe(timeline.timezone)})"
    return new_verdict(
        verdict.policy, verdict.priority, Status.DUE, verdict.due, reason, FrozenDict(facts)
    )
