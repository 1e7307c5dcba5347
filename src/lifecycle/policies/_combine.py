"""Policies that combine policies: sets, and restriction to a stage or segment."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from lifecycle.calendar import Calendar
from lifecycle.churn import ChurnRule, check_churn_rule
from lifecycle.errors import InvalidValueError
from lifecycle.policies._conditions import Condition
from lifecycle.policies._evaluation import (
    NOTHING,
    Evaluated,
    Evaluation,
    Evaluator,
    Reads,
    evaluator,
)
from lifecycle.policies._time import earliest
from lifecycle.policy import Context, Policy, Status, Verdict

__all__ = ["PolicySet", "Restricted", "policy_set", "restrict"]


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


def _is_churn_rule(instance: object, attribute: object, value: ChurnRule | None) -> None:
    if value is not None:
        check_churn_rule("churn", value)


@attrs.frozen
class PolicySet(Evaluated):
    """Several policies acting as one: its verdicts are its members' verdicts, in order.

    Build one with `policy_set`; iterate it to get the members.

    Attributes:
        policies: The members, in order.
        calendar: The working days its policy file names (its ``[calendar]``
            table), if any: an `Engine` given no calendar of its own uses it.
            The set's verdicts asked directly (``verdicts``) do not use it.
        churn: The churn rule its policy file names (its ``churn`` table), if
            any: an `Engine` given no churn rule of its own uses it.
    """

    policies: tuple[Policy, ...]
    calendar: Calendar | None = attrs.field(default=None, kw_only=True)
    churn: ChurnRule | None = attrs.field(default=None, kw_only=True, validator=_is_churn_rule)
    _members: tuple[Evaluator, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _names: tuple[str, ...] | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        members = tuple(evaluator(p) for p in self.policies)
        object.__setattr__(self, "_members", members)
        known = [member.names for member in members]
        names = None if None in known else tuple(n for names in known for n in names or ())
        object.__setattr__(self, "_names", names)

    @property
    def names(self) -> tuple[str, ...] | None:
        """Its members' verdict names, in order (``None`` if a member cannot tell)."""
        return self._names

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        """Ask every member (see `lifecycle.policies.Evaluator`); the earliest change counts."""
        if context.memo is None:
            # One memo for all members: an anchor several policies share is looked up once.
            context = Context(
                context.customer,
                context.timeline,
                context.as_of,
                memo={},
                calendar=context.calendar,
            )
        found: list[Verdict] = []
        change = None
        for member in self._members:
            verdicts, when = member.evaluate(context, due_only=due_only, changes=changes)
            if verdicts:
                found.extend(verdicts)
            if when is not None:
                change = earliest(change, when)
        return tuple(found), change

    def reads(self, *, closing: bool) -> Reads:
        """What its members read, together."""
        found = NOTHING
        for member in self._members:
            found |= member.reads(closing=closing)
        return found

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)


def policy_set(*policies: Policy | Iterable[Policy]) -> PolicySet:
    """Combine policies (or iterables of them, such as another set) into one policy.

    A set's calendar (from a policy file's ``[calendar]`` table) and churn
    rule (its ``churn`` table) carry over to the combined set; sets with
    different calendars, or different churn rules, cannot be combined.

    Raises:
        InvalidValueError: for anything that does not meet the `Policy` protocol,
            or sets with different calendars or churn rules.

    Examples:
        >>> import lifecycle as lc
        >>> quarterly = lc.policy("quarterly_review", priority=6, anchor=lc.first("purchase"),
        ...                       recurs=lc.every(months=3), expires=lc.days(14))
        >>> len(lc.policy_set(lc.starter_pack(), quarterly))
        10
    """
    flat: list[object] = []
    calendars: set[Calendar] = set()
    churns: list[ChurnRule] = []
    _flatten(policies, flat, calendars, churns)
    if len(calendars) > 1:
        raise InvalidValueError(
            "calendar",
            sorted(map(repr, calendars)),
            "the sets combined name different calendars: give the engine one",
        )
    if len(churns) > 1:
        raise InvalidValueError(
            "churn", churns, "the sets combined name different churn rules: give the engine one"
        )
    calendar = calendars.pop() if calendars else None
    return PolicySet(_check(flat), calendar=calendar, churn=churns[0] if churns else None)


def _flatten(
    items: Iterable[object], into: list[object], calendars: set[Calendar], churns: list[ChurnRule]
) -> None:
    # Sets (and lists of them) are flattened, so composition is associative.
    for item in items:
        if isinstance(item, PolicySet):
            into.extend(item.policies)
            if item.calendar is not None:
                calendars.add(item.calendar)
            if item.churn is not None and item.churn not in churns:
                churns.append(item.churn)
        elif isinstance(item, Policy):
            into.append(item)
        elif isinstance(item, Iterable) and not isinstance(item, str):
            _flatten(item, into, calendars, churns)
        else:
            into.append(item)


@attrs.frozen
class Restricted(Evaluated):
    """A policy that only applies where a condition holds. Build one with `restrict`."""

    policy: Policy
    condition: Condition
    _inner: Evaluator = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_inner", evaluator(self.policy))

    @property
    def names(self) -> tuple[str, ...] | None:
        """Its policy's verdict names."""
        return self._inner.names

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        """Ask the policy where the condition holds (see `lifecycle.policies.Evaluator`).

        Where it fails, nothing is due, and each verdict says what the
        policy's would be: so all verdicts change on the policy's own dates
        too, while the due ones (none) change only with the condition.
        """
        condition = self.condition
        bare = Context(
            context.customer, context.timeline, context.as_of, None, context.memo, context.calendar
        )
        change = condition.next_change(bare) if changes else None
        if condition(bare):
            verdicts, when = self._inner.evaluate(context, due_only=due_only, changes=changes)
            return verdicts, earliest(change, when)
        if due_only:
            return (), change
        verdicts, when = self._inner.evaluate(context, due_only=False, changes=changes)
        why = condition.description
        return tuple(
            verdict
            if verdict.status is Status.NOT_APPLICABLE
            else attrs.evolve(
                verdict,
                status=Status.NOT_APPLICABLE,
                due=None,
                reason=f"not {why} (would be: {verdict.reason})",
            )
            for verdict in verdicts
        ), earliest(change, when)

    def reads(self, *, closing: bool) -> Reads:
        """What the condition and the policy read."""
        return Reads(self.condition.kinds) | self._inner.reads(closing=closing)


def restrict(policy: Policy, condition: Condition) -> Restricted:
    """Apply *policy* (or a set) only to customers for whom *condition* holds.

    Examples:
        >>> import lifecycle as lc
        >>> enterprise_only = lc.restrict(lc.starter_pack(), lc.policies.segment("enterprise"))
    """
    (checked,) = _check((policy,))
    return Restricted(checked, condition)
