"""When a policy's verdicts can next change: what lets an agenda skip a customer's quiet days.

With the same customer and the same touchpoints, a verdict changes only on
certain dates: its due date arriving, its window expiring, the next occurrence
of a recurrence, a dated condition turning. A `RulePolicy` works these out from
its blocks; a set or a restricted policy from its parts; a policy of your own
may say with a ``next_change`` method, and otherwise is asked again every day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.policies._anchors import anchor_kinds
from lifecycle.policies._combine import PolicySet, Restricted, due_verdicts
from lifecycle.policies._rule import RulePolicy
from lifecycle.policies._time import ONE_DAY, earliest
from lifecycle.policy import Context, Policy, Verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Direction, Kind, Touchpoint

__all__ = ["EVERYTHING", "Reads", "Watch", "next_change", "reads", "watch"]


#: For one customer, its visible timeline, a date and a memo shared by the
#: policies of one evaluation: the due verdicts, and the first later date on
#: which they may differ (``None``: not without new touchpoints).
Watch = Callable[
    [Customer, Timeline, dt.date, dict[object, object]],
    tuple[tuple[Verdict, ...], dt.date | None],
]


@attrs.frozen
class Reads:
    """Which touchpoints a policy looks at: a new touchpoint of another kind changes nothing.

    Attributes:
        kinds: The kinds it looks at (``None``: any kind).
        directions: Directions it looks at whatever the kind (a fulfilment
            by any outbound touchpoint, say).
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


EVERYTHING = Reads(None)
_NOTHING = Reads(frozenset())


def reads(policy: Policy, *, closing: bool = True) -> Reads:
    """Return which touchpoints *policy* looks at (`EVERYTHING` when it cannot tell).

    Without *closing*, leave out those it looks at only to see whether an
    action was fulfilled. Such a touchpoint can close a due action, but it
    cannot make a verdict due, nor move the date a verdict that is not due may
    change (that date comes from the anchor, the condition, the offset, the
    recurrence and the expiry): a customer with nothing due need not be asked
    again for it.
    """
    if isinstance(policy, RulePolicy):
        found = Reads(anchor_kinds(policy.anchor))
        if policy.when is not None:
            found |= Reads(policy.when.kinds)
        fulfilment = policy.fulfilled_by
        if fulfilment is not None and closing:
            if fulfilment.kinds:
                found |= Reads(frozenset(fulfilment.kinds))
            elif fulfilment.direction is not None:
                found |= Reads(frozenset(), frozenset({fulfilment.direction}))
            else:
                found = EVERYTHING
        return found
    if isinstance(policy, PolicySet):
        found = _NOTHING
        for member in policy.policies:
            found |= reads(member, closing=closing)
        return found
    if isinstance(policy, Restricted):
        return Reads(policy.condition.kinds) | reads(policy.policy, closing=closing)
    return EVERYTHING


def watch(policy: Policy, *, every_verdict: bool = False) -> Watch:
    """Return a function giving *policy*'s due verdicts and the date they may next change.

    The date is that of the due verdicts, which is all an agenda needs. With
    *every_verdict*, it is that of all the verdicts, what `next_change`
    promises. The two differ where a restriction's condition fails: nothing
    is due, but each verdict tells what the policy's would be, which changes
    on the policy's own dates.
    """
    if isinstance(policy, RulePolicy):
        rule = policy

        def watch_rule(
            customer: Customer, timeline: Timeline, as_of: dt.date, memo: dict[object, object]
        ) -> tuple[tuple[Verdict, ...], dt.date | None]:
            # Positional: attrs' __init__ takes keywords more slowly, on a hot path.
            verdict, change = rule.watch(Context(customer, timeline, as_of, None, memo))
            return ((), change) if verdict is None else ((verdict,), change)

        return watch_rule
    if isinstance(policy, PolicySet):
        members = [watch(member, every_verdict=every_verdict) for member in policy.policies]

        def watch_set(
            customer: Customer, timeline: Timeline, as_of: dt.date, memo: dict[object, object]
        ) -> tuple[tuple[Verdict, ...], dt.date | None]:
            found: list[Verdict] = []
            change = None
            for member in members:
                verdicts, when = member(customer, timeline, as_of, memo)
                found.extend(verdicts)
                change = earliest(change, when)
            return tuple(found), change

        return watch_set
    if isinstance(policy, Restricted):
        inner, condition = watch(policy.policy, every_verdict=every_verdict), policy.condition

        def watch_restricted(
            customer: Customer, timeline: Timeline, as_of: dt.date, memo: dict[object, object]
        ) -> tuple[tuple[Verdict, ...], dt.date | None]:
            context = Context(customer, timeline, as_of)
            change = condition.next_change(context)
            if not condition(context):
                if every_verdict:  # each verdict tells what the policy's would be
                    change = earliest(change, inner(customer, timeline, as_of, memo)[1])
                return (), change
            verdicts, when = inner(customer, timeline, as_of, memo)
            return verdicts, earliest(change, when)

        return watch_restricted
    return _watch_own(policy)


def _watch_own(policy: Policy) -> Watch:
    says = getattr(policy, "next_change", None)

    def watch_own(
        customer: Customer, timeline: Timeline, as_of: dt.date, memo: dict[object, object]
    ) -> tuple[tuple[Verdict, ...], dt.date | None]:
        verdicts = tuple(due_verdicts(policy, customer, timeline, as_of))
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

    return watch_own


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
        InvalidValueError: if a policy's own ``next_change`` gives something
            other than a date after *as_of* (or ``None``).

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 3, 1))
        >>> lc.next_change(lc.starter_pack(), ada, lc.Timeline([]), dt.date(2026, 6, 1))
        datetime.date(2027, 3, 1)
    """
    return watch(policy, every_verdict=True)(customer, timeline, as_of, {})[1]
