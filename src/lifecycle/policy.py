"""The contract between policies and the engine: `Policy`, `Verdict`, `Status`, `Context`.

The engine knows policies only through `Policy`: anything with a ``verdicts``
method that, for one customer on one date, says for each policy it holds
whether an action is due, and why. Everything else (the building blocks, the
starter pack, your own classes) is built on this.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from lifecycle._frozendict import FrozenDict, SmallFrozenDict
from lifecycle._validate import (
    check_date,
    check_priority,
    enum_converter,
    id_validator,
    unchecked_constructor,
)
from lifecycle.calendar import Calendar
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Touchpoint

__all__ = ["Anchored", "Context", "Policy", "Status", "Verdict", "new_verdict"]


class Status(enum.StrEnum):
    """What a policy says about one customer on one date."""

    #: An action is due: its due date is on or before the as-of date.
    DUE = "due"
    #: The policy applies, but its due date is still ahead.
    UPCOMING = "upcoming"
    #: The touchpoint that closes the action has happened.
    FULFILLED = "fulfilled"
    #: The action was due, but its window has passed.
    EXPIRED = "expired"
    #: The policy does not apply to this customer (yet).
    NOT_APPLICABLE = "not_applicable"
    #: Due, but the team recorded it done (a `lifecycle.Decision`): closed.
    DONE = "done"
    #: Due, but the team decided not to do it: closed.
    DISMISSED = "dismissed"
    #: Due, but the team put it off until a date: closed until then.
    SNOOZED = "snoozed"


_status = enum_converter(Status, "status")


def _to_status(value: Status | str) -> Status:
    return _status(value)


def _check_priority(instance: object, attribute: Any, value: Any) -> None:
    check_priority(value)


def _check_due(instance: Verdict, attribute: Any, value: Any) -> None:
    if value is None:
        if instance.status is not Status.NOT_APPLICABLE:
            raise InvalidValueError(
                "due", value, f"a {instance.status.value} verdict needs a due date"
            )
        return
    check_date("due", value)


def _check_reason(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidValueError("reason", value, "must be a sentence a person can read")


def _to_facts(value: Mapping[str, object]) -> Mapping[str, object]:
    return value if isinstance(value, FrozenDict | SmallFrozenDict) else FrozenDict(value)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Verdict:
    """One policy's verdict on one customer as of one date.

    Attributes:
        policy: The policy's name.
        priority: Its priority (1 is the most urgent).
        status: Due, upcoming, fulfilled, expired or not applicable.
        due: The due date, when the policy applies (else ``None``).
        reason: A sentence a person can read, naming the touchpoints or fields
            the verdict was worked out from.
        facts: The structured facts behind it (anchor, offset, due date, what
            would fulfil it, what did).

    Examples:
        >>> import datetime as dt
        >>> v = Verdict(policy="welcome", priority=4, status=Status.DUE,
        ...             due=dt.date(2026, 1, 8), reason="first purchase on 2026-01-01")
        >>> v.overdue_days(dt.date(2026, 1, 10))
        2
    """

    policy: str = attrs.field(validator=id_validator)
    priority: int = attrs.field(validator=_check_priority)
    status: Status = attrs.field(converter=_to_status)
    due: dt.date | None = attrs.field(validator=_check_due)
    reason: str = attrs.field(validator=_check_reason)
    facts: Mapping[str, object] = attrs.field(factory=FrozenDict, converter=_to_facts)

    def overdue_days(self, as_of: dt.date) -> int:
        """Return how many days past its due date the action is on *as_of* (0 if due today)."""
        if self.due is None:
            return 0
        return (as_of - self.due).days


#: Build a `Verdict` of values the caller vouches for, one per field in order
#: (policy, priority, status, due, reason, facts), skipping the validators:
#: a `RulePolicy` checked its name and priority when it was made, and its due
#: dates and reasons are dates and sentences by construction. Pass *facts*
#: already frozen (a `SmallFrozenDict`).
new_verdict: Callable[[str, int, Status, dt.date | None, str, Mapping[str, object]], Verdict] = (
    unchecked_constructor(Verdict)
)


@attrs.frozen(weakref_slot=False)
class Anchored:
    """Where a policy's clock starts for one customer: a date, and what it came from.

    Attributes:
        date: The local date the due date is counted from.
        name: What it is, e.g. ``"first purchase"`` or ``"contract ends"``.
        touchpoint: The touchpoint it came from, if any (else a customer field).
        show_kind: Name the touchpoint's kind in the label (for anchors on
            touchpoints of any kind, such as "last touchpoint").

    Examples:
        >>> import datetime as dt
        >>> Anchored(dt.date(2026, 12, 20), "contract ends").label
        'contract ends 2026-12-20'
    """

    date: dt.date
    name: str
    touchpoint: Touchpoint | None = None
    show_kind: bool = False

    @property
    def label(self) -> str:
        """How it reads in a reason, e.g. ``"nps 4 on 2026-11-02 (T12)"``.

        Worked out only when asked for: the agenda skips it for verdicts that
        are not due.
        """
        touchpoint = self.touchpoint
        if touchpoint is None:
            return f"{self.name} {self.date.isoformat()}"
        score = "" if touchpoint.score is None else f" {touchpoint.score}"
        what = f"{touchpoint.kind.name}{score}"
        if self.show_kind:
            what = f"{self.name} ({what})"
        elif self.name != touchpoint.kind.name:
            what = f"{self.name}{score}"
        return f"{what} on {self.date.isoformat()} ({touchpoint.id})"


@attrs.frozen
class Context:
    """What a condition or anchor may look at: one customer, its visible timeline, the date.

    The timeline holds only touchpoints whose local date is on or before
    `as_of`: a policy cannot see the future.

    Attributes:
        customer: The customer.
        timeline: Its touchpoints up to `as_of`.
        as_of: The date the agenda is for.
        anchor: The policy's resolved anchor, when there is one.
        memo: A scratch dict shared by the policies of one evaluation, so that
            an anchor several policies use is looked up once (``None``: no
            sharing). Anchors of your own may use it or ignore it.
        calendar: The customer's working days (see `lifecycle.Calendar`):
            due dates on a day off move to the next working day. ``None``:
            every day is a working day.
    """

    customer: Customer
    timeline: Timeline
    as_of: dt.date
    anchor: Anchored | None = None
    memo: dict[object, object] | None = attrs.field(default=None, eq=False, repr=False)
    calendar: Calendar | None = None


@runtime_checkable
class Policy(Protocol):
    """Anything that gives verdicts: the one thing the engine knows about policies.

    A policy made with `lifecycle.policy` gives one verdict; a set of policies
    gives one per member. Your own class needs no base class: a ``verdicts``
    method with this signature is enough.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> class VipCall:
        ...     '''Call every VIP on the first of the month.'''
        ...     def verdicts(self, customer, timeline, as_of):
        ...         if customer.attributes.get("segment") != "vip":
        ...             return [lc.Verdict(policy="vip_call", priority=5, due=None,
        ...                     status=lc.Status.NOT_APPLICABLE, reason="not a VIP")]
        ...         due = as_of.replace(day=1)
        ...         return [lc.Verdict(policy="vip_call", priority=5, due=due,
        ...                 status=lc.Status.DUE, reason=f"VIP: monthly call, due {due}")]
        >>> isinstance(VipCall(), lc.Policy)
        True
    """

    def verdicts(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> Iterable[Verdict]:
        """Return the verdicts for *customer* as of *as_of*.

        Args:
            customer: The customer.
            timeline: Its timeline, already cut at *as_of* by the engine.
            as_of: The date the agenda is for.
        """
        ...  # pragma: no cover - a protocol has no body
