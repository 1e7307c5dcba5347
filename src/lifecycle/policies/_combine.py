"""Policies that combine policies: sets, and restriction to a stage or segment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import attrs

from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.policies._conditions import Condition
from lifecycle.policies._rule import RulePolicy
from lifecycle.policy import Context, Policy, Status, Verdict
from lifecycle.timeline import Timeline

__all__ = ["PolicySet", "Restricted", "policy_set", "restrict"]


def due_verdicts(
    policy: Policy, customer: Customer, timeline: Timeline, as_of: dt.date
) -> Iterable[Verdict]:
    """Return *policy*'s due verdicts: its own ``due_verdicts`` if it has one, else filtered.

    ``due_verdicts`` is an optional, cheaper companion of ``verdicts`` that the
    engine uses when a policy offers it; it must give exactly the due verdicts.
    """
    fast = getattr(policy, "due_verdicts", None)
    if fast is not None:
        found: Iterable[Verdict] = fast(customer, timeline, as_of)
        return found
    return [v for v in policy.verdicts(customer, timeline, as_of) if v.status is Status.DUE]


def _check(policies: Iterable[object]) -> tuple[Policy, ...]:
    checked = tuple(policies)
    for item in checked:
        if not isinstance(item, Policy):
            raise InvalidValueError(
                "policies",
                item,
                "is not a policy (it needs a verdicts(customer, timeline, as_of) method)",
            )
    return checked  # type: ignore[return-value]


@attrs.frozen
class PolicySet:
    """Several policies acting as one: its verdicts are its members' verdicts, in order.

    Build one with `policy_set`; iterate it to get the members.
    """

    policies: tuple[Policy, ...]

    def verdicts(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> Iterator[Verdict]:
        """Yield every member's verdicts."""
        # One memo for all members: an anchor several policies share is looked up once.
        context = Context(customer, timeline, as_of, memo={})
        for member in self.policies:
            if isinstance(member, RulePolicy):
                yield member.verdict(context)
            else:
                yield from member.verdicts(customer, timeline, as_of)

    def due_verdicts(
        self, customer: Customer, timeline: Timeline, as_of: dt.date
    ) -> Iterator[Verdict]:
        """Yield only the due verdicts: the same as filtering `verdicts`, but cheaper."""
        context = Context(customer, timeline, as_of, memo={})
        for member in self.policies:
            if isinstance(member, RulePolicy):
                found = member.verdict(context, only_due=True)
                if found is not None:
                    yield found
            else:
                yield from due_verdicts(member, customer, timeline, as_of)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)


def policy_set(*policies: Policy | Iterable[Policy]) -> PolicySet:
    """Combine policies (or iterables of them, such as another set) into one policy.

    Raises:
        InvalidValueError: for anything that does not meet the `Policy` protocol.

    Examples:
        >>> import lifecycle as lc
        >>> quarterly = lc.policy("quarterly_review", priority=6, anchor=lc.first("purchase"),
        ...                       recurs=lc.every(months=3), expires=lc.days(14))
        >>> len(lc.policy_set(lc.starter_pack(), quarterly))
        10
    """
    flat: list[object] = []
    _flatten(policies, flat)
    return PolicySet(_check(flat))


def _flatten(items: Iterable[object], into: list[object]) -> None:
    # Sets (and lists of them) are flattened, so composition is associative.
    for item in items:
        if isinstance(item, PolicySet):
            into.extend(item.policies)
        elif isinstance(item, Policy):
            into.append(item)
        elif isinstance(item, Iterable) and not isinstance(item, str):
            _flatten(item, into)
        else:
            into.append(item)


@attrs.frozen
class Restricted:
    """A policy that only applies where a condition holds. Build one with `restrict`."""

    policy: Policy
    condition: Condition

    def due_verdicts(
        self, customer: Customer, timeline: Timeline, as_of: dt.date
    ) -> Iterator[Verdict]:
        """Yield the policy's due verdicts where the condition holds."""
        if self.condition(Context(customer, timeline, as_of)):
            yield from due_verdicts(self.policy, customer, timeline, as_of)

    def verdicts(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> Iterator[Verdict]:
        """Yield the policy's verdicts, turned into not-applicable where the condition fails."""
        holds = self.condition(Context(customer, timeline, as_of))
        for verdict in self.policy.verdicts(customer, timeline, as_of):
            if holds or verdict.status is Status.NOT_APPLICABLE:
                yield verdict
            else:
                yield attrs.evolve(
                    verdict,
                    status=Status.NOT_APPLICABLE,
                    due=None,
                    reason=f"not {self.condition.description} (would be: {verdict.reason})",
                )


def restrict(policy: Policy, condition: Condition) -> Restricted:
    """Apply *policy* (or a set) only to customers for whom *condition* holds.

    Examples:
        >>> import lifecycle as lc
        >>> enterprise_only = lc.restrict(lc.starter_pack(), lc.segment("enterprise"))
    """
    (checked,) = _check((policy,))
    return Restricted(checked, condition)
