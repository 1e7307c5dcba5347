"""How the engine asks a policy tree: one `evaluate` for verdicts and dates of change.

Every path that works out an agenda (the engine, its forecast, the
incremental agenda, Spark) asks a policy through one protocol, `Evaluator`:
for one customer's `Context`, its verdicts (all, or only the due ones) and,
when asked for, the first later date on which they may differ; and which
touchpoints it looks at. The building blocks (`RulePolicy`, `PolicySet`,
`Restricted`) answer it themselves, in one pass; a policy of your own, which
only has ``verdicts``, is adapted once by `evaluator`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import attrs

from lifecycle._validate import check_day
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.policies._time import ONE_DAY
from lifecycle.policy import Context, Policy, Status, Verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Direction, Kind, Touchpoint

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "Evaluation",
    "Evaluator",
    "Reads",
    "evaluator",
    "next_change",
]

#: An evaluation: the verdicts, and the first date after the as-of date on which
#: they may differ (``None``: not without new touchpoints or a changed customer;
#: also ``None`` when the date was not asked for).
Evaluation = tuple[tuple[Verdict, ...], dt.date | None]


@attrs.frozen
class Reads:
    """Which touchpoints a policy looks at: a new touchpoint of another kind changes nothing.

    Attributes:
        kinds: The kinds it looks at (``None``: any kind).
        directions: Directions it looks at whatever the kind (a fulfilment
            by any outbound touchpoint, say).

    Examples:
        >>> import lifecycle as lc
        >>> from lifecycle.policies import evaluator
        >>> welcome = lc.starter_pack().policies[3]
        >>> sorted(k.name for k in evaluator(welcome).reads(closing=True).kinds)
        ['onboarding', 'purchase']
    """

    kinds: frozenset[Kind] | None
    directions: frozenset[Direction] = frozenset()

    def __or__(self, other: Reads) -> Reads:
        if self.kinds is None or other.kinds is None:
            return EVERYTHING
        return Reads(self.kinds | other.kinds, self.directions | other.directions)

    def any_of(self, touchpoints: Iterable[Touchpoint]) -> bool:
        """Whether any of *touchpoints* is one it looks at."""
        kinds, directions = self.kinds, self.directions
        if kinds is None:
            return True
        return any(tp.kind in kinds or tp.direction in directions for tp in touchpoints)


#: Looks at every touchpoint: what a policy that cannot tell reads.
EVERYTHING = Reads(None)
#: Looks at no touchpoint.
NOTHING = Reads(frozenset())


@runtime_checkable
class Evaluator(Protocol):
    """A policy as the engine asks it: verdicts and dates of change in one call.

    The building blocks are evaluators; `evaluator` adapts any other policy.
    Implement it yourself only to give a policy of your own the same
    shortcuts (its answers must agree with its ``verdicts``; the contract
    kit in `lifecycle.testing` checks that).
    """

    @property
    def names(self) -> tuple[str, ...] | None:
        """The names its verdicts carry, in order (``None``: not known before asking)."""
        ...  # pragma: no cover - a protocol has no body

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        """Return the verdicts for the context's customer and, with *changes*, their next change.

        Args:
            context: The customer, its timeline cut at the as-of date, the
                date, and a memo shared by the policies of one evaluation.
            due_only: Give only the due verdicts (what an agenda needs).
            changes: Also give the first later date on which the verdicts
                (all of them, or with *due_only* the due ones) may differ;
                earlier than needed is allowed, later is a bug.
        """
        ...  # pragma: no cover - a protocol has no body

    def reads(self, *, closing: bool) -> Reads:
        """Which touchpoints it looks at.

        Without *closing*, leave out those it looks at only to see whether an
        action was fulfilled: such a touchpoint can close a due action, but
        cannot make a verdict due nor move the date a verdict not due may
        change.
        """
        ...  # pragma: no cover - a protocol has no body


class Evaluated:
    """The `Policy` protocol's methods, for a building block that is an `Evaluator`.

    Each asks `evaluate` once; a block needs to write only that (and `reads`).
    """

    __slots__ = ()

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        """See `Evaluator.evaluate`."""
        raise NotImplementedError

    def verdicts(
        self, customer: Customer, timeline: Timeline, as_of: dt.date
    ) -> tuple[Verdict, ...]:
        """Return the verdicts for *customer* as of *as_of* (see `lifecycle.Policy`)."""
        context = Context(customer, timeline, as_of)
        return self.evaluate(context, due_only=False, changes=False)[0]

    def due_verdicts(
        self, customer: Customer, timeline: Timeline, as_of: dt.date
    ) -> tuple[Verdict, ...]:
        """Return only the due verdicts: the same as filtering `verdicts`, but cheaper."""
        context = Context(customer, timeline, as_of)
        return self.evaluate(context, due_only=True, changes=False)[0]


def evaluator(policy: Policy) -> Evaluator:
    """Return *policy* as an `Evaluator`: itself if it is one, else adapted once.

    A policy of your own is asked through its ``verdicts``, its optional
    ``due_verdicts`` (a cheaper way to the due ones) and its optional
    ``next_change``; without the latter it is taken to change every day.

    Examples:
        >>> import lifecycle as lc
        >>> from lifecycle.policies import evaluator
        >>> evaluator(lc.starter_pack()).names[:2]
        ('complaint_follow_up', 'detractor_recovery')
    """
    if isinstance(policy, Evaluator):
        return policy
    return _Own(policy)


_NEVER: Evaluation = ((), None)


@attrs.frozen
class _Own:
    """A policy of your own, asked through the `Policy` protocol (and its optional extras)."""

    policy: Policy

    @property
    def names(self) -> None:
        return None

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        policy, customer, timeline, as_of = (
            self.policy,
            context.customer,
            context.timeline,
            context.as_of,
        )
        if due_only:
            fast = getattr(policy, "due_verdicts", None)
            if fast is not None:
                verdicts = tuple(fast(customer, timeline, as_of))
            else:
                found = policy.verdicts(customer, timeline, as_of)
                verdicts = tuple(v for v in found if v.status is Status.DUE)
        else:
            verdicts = tuple(policy.verdicts(customer, timeline, as_of))
        if not changes:
            return verdicts, None
        says = getattr(policy, "next_change", None)
        if says is None:
            return verdicts, as_of + ONE_DAY
        change = says(customer, timeline, as_of)
        if change is not None and (
            isinstance(change, dt.datetime) or not isinstance(change, dt.date) or change <= as_of
        ):
            raise InvalidValueError(
                "next_change",
                change,
                f"from policy {policy!r} for customer {customer.id!r}: must be a date "
                f"after as_of {as_of.isoformat()}, or None",
            )
        return verdicts, change

    def reads(self, *, closing: bool) -> Reads:
        return EVERYTHING


def next_change(
    policy: Policy, customer: Customer, timeline: Timeline, as_of: dt.date
) -> dt.date | None:
    """Return the first date after *as_of* on which *policy*'s verdicts may differ.

    With the same customer and the same timeline (cut at *as_of*). ``None``
    means only new touchpoints or a change to the customer can change them.
    Earlier than needed is allowed (the verdicts are simply worked out again);
    later is a bug. A policy of your own is asked through its
    ``next_change(customer, timeline, as_of)`` method when it has one, and is
    otherwise taken to change every day. All verdicts count, not only due
    ones: a restricted policy whose condition fails changes when its
    policy's verdicts do, since its own say what they would be (an
    `IncrementalAgenda` only waits for the condition there).

    Raises:
        InvalidValueError: if *as_of* is not a date within `lifecycle.limits`, or
            a policy's own ``next_change`` gives something other than a date
            after *as_of* (or ``None``).

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 3, 1))
        >>> lc.next_change(lc.starter_pack(), ada, lc.Timeline([]), dt.date(2026, 6, 1))
        datetime.date(2027, 3, 1)
    """
    check_day("as_of", as_of)
    context = Context(customer, timeline, as_of, memo={})
    return evaluator(policy).evaluate(context, due_only=False, changes=True)[1]
