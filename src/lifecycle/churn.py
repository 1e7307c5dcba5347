"""Churn: when a customer counts as lost, the one rule the agenda, stages and metrics share.

A churn rule says whether a customer is churned on a date, and why, in a
sentence. Two rules ship:

- `churn_on_cancellation` (the default, `DEFAULT_CHURN`, the starter pack's
  rule): a customer has churned when their last cancellation is after their
  last purchase and their last renewal (with neither, a cancellation alone is
  enough). Right for a business with contracts, where customers say goodbye.
- `churn_after_inactivity`: a customer is churned on a date N or more days
  after the local date of their last purchase (without a purchase: after
  their ``since`` date); a later purchase makes them active again. Right for
  a shop, where customers just stop buying.

The engine (`lifecycle.Engine`'s ``churn``), the default lifecycle's stages
(`lifecycle.stages.default_lifecycle`) and the retention metrics
(`lifecycle.metrics.retention`, `lifecycle.metrics.cohort_retention`) all take
one; a policy file names the second with ``churn = { inactive_after = "180 days" }``.

Examples:
    >>> import datetime as dt
    >>> import lifecycle as lc
    >>> from lifecycle.churn import churning_cancellation
    >>> bye = lc.Touchpoint(id="t-1", customer_id="c-1", kind="cancellation",
    ...                     channel="email", direction="inbound",
    ...                     at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    >>> churning_cancellation(lc.Timeline([bye])).id
    't-1'
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import attrs

from lifecycle._validate import check_count
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError
from lifecycle.limits import MAX_POLICY_YEARS
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind, Touchpoint

__all__ = [
    "CHURN_KINDS",
    "DEFAULT_CHURN",
    "MAX_INACTIVE_DAYS",
    "ChurnRule",
    "check_churn_rule",
    "churn_after_inactivity",
    "churn_on_cancellation",
    "churning_cancellation",
]

#: The kinds that decide whether a customer has churned by the cancellation
#: rule: a new touchpoint of another kind cannot change it.
CHURN_KINDS = frozenset({Kind.CANCELLATION, Kind.PURCHASE, Kind.RENEWAL})

#: The longest silence `churn_after_inactivity` takes, in days: as long as a
#: policy's longest span (`lifecycle.limits.MAX_POLICY_YEARS` years), so that
#: a churn date stays within Python's dates for every date of a book.
MAX_INACTIVE_DAYS = round(MAX_POLICY_YEARS * 365.25)


@runtime_checkable
class ChurnRule(Protocol):
    """When a customer counts as churned: what every churn rule answers.

    Make one with `churn_on_cancellation`, `churn_after_inactivity` or
    `lifecycle.churn_on_p_alive`, or write your own object with these members.

    Examples:
        >>> isinstance(churn_after_inactivity(days=90), ChurnRule)
        True
    """

    @property
    def kinds(self) -> frozenset[Kind]:
        """The touchpoint kinds it looks at: a touchpoint of another kind cannot change it."""
        ...  # pragma: no cover - a protocol has no body

    def churned(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> str | None:
        """Return why *customer* is churned on *as_of*, in a sentence, or ``None`` if it is not.

        The sentence (shown as `lifecycle.Skipped.detail`) must stay the same
        on every date up to `next_change` while the timeline does: name the
        date churn began, not a count of days up to *as_of*.

        Args:
            customer: The customer.
            timeline: Its timeline, cut at *as_of* (no touchpoint with a later local date).
            as_of: The date.
        """
        ...  # pragma: no cover - a protocol has no body

    def next_change(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> dt.date | None:
        """Return the first date after *as_of* on which `churned` may change, or ``None``.

        The date assumes no new touchpoint (a new one of the rule's `kinds`
        is looked at anyway); ``None``: it changes only with a new touchpoint.
        An earlier date than the true one is allowed (it is only asked again).
        """
        ...  # pragma: no cover - a protocol has no body


def check_churn_rule(field: str, value: object) -> ChurnRule:
    """Return *value* if it is a churn rule, else raise naming *field*.

    Raises:
        InvalidValueError: for anything without a churn rule's members.

    Examples:
        >>> check_churn_rule("churn", churn_on_cancellation())
        churn_on_cancellation()
        >>> try:
        ...     check_churn_rule("churn", "180 days")
        ... except InvalidValueError as e:
        ...     print(e.field, e.value)
        churn 180 days
    """
    if not isinstance(value, ChurnRule):
        raise InvalidValueError(
            field, value, "must be a churn rule (see lifecycle.churn_after_inactivity)"
        )
    return value


def churning_cancellation(timeline: Timeline) -> Touchpoint | None:
    """Return the cancellation that makes the customer churned, or ``None`` if it is not."""
    cancelled = timeline.last(Kind.CANCELLATION)
    if cancelled is None:
        return None
    for kind in (Kind.PURCHASE, Kind.RENEWAL):
        other = timeline.last(kind)
        # "After" compares instants: a purchase at the same instant keeps the customer.
        if other is not None and other.at >= cancelled.at:
            return None
    return cancelled


@attrs.frozen
class _Cancellation:
    """The starter pack's churn rule (see `churn_on_cancellation`)."""

    @property
    def kinds(self) -> frozenset[Kind]:
        return CHURN_KINDS

    def churned(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> str | None:
        cancelled = churning_cancellation(timeline)
        if cancelled is None:
            return None
        day = timeline.local_date(cancelled).isoformat()
        return (
            f"{customer.id} churned: cancellation on {day} ({cancelled.id}), "
            "no purchase or renewal since"
        )

    def next_change(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> dt.date | None:
        return None  # only a touchpoint changes it

    def __repr__(self) -> str:
        return "churn_on_cancellation()"


def churn_on_cancellation() -> ChurnRule:
    """Make the starter pack's churn rule: a cancellation with no purchase or renewal since.

    A customer is churned when their last cancellation is after (a later
    instant than) their last purchase and their last renewal, those that
    exist; with neither, a cancellation alone makes them churned. A later
    purchase or renewal makes them a customer again. It is the default
    everywhere (`DEFAULT_CHURN`).

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> bye = lc.Touchpoint(id="t-1", customer_id="c-1", kind="cancellation",
        ...                     channel="email", direction="inbound",
        ...                     at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
        >>> lc.churn_on_cancellation().churned(ada, lc.Timeline([bye]), dt.date(2026, 3, 2))
        'c-1 churned: cancellation on 2026-03-01 (t-1), no purchase or renewal since'
    """
    return _Cancellation()


def _check_days(instance: object, attribute: object, value: int) -> None:
    check_count("days", value, minimum=1)
    if value > MAX_INACTIVE_DAYS:
        raise InvalidValueError("days", value, f"must be at most {MAX_INACTIVE_DAYS:,}")


@attrs.frozen
class _Inactivity:
    """Churned after *days* without a purchase (see `churn_after_inactivity`)."""

    days: int = attrs.field(validator=_check_days)

    @property
    def kinds(self) -> frozenset[Kind]:
        return frozenset({Kind.PURCHASE})

    def _base(self, customer: Customer, timeline: Timeline) -> tuple[dt.date, Touchpoint | None]:
        """The date silence counts from, and the purchase it is the date of (if any)."""
        last = timeline.last(Kind.PURCHASE)
        if last is None:
            return customer.since, None
        return timeline.local_date(last), last

    def churned(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> str | None:
        base, last = self._base(customer, timeline)
        churns_on = base + dt.timedelta(days=self.days)
        if as_of < churns_on:
            return None
        # The same sentence every day until a purchase: it names no count up to as_of.
        since = (
            f"joining on {base.isoformat()}"
            if last is None
            else f"the last one ({last.id} on {base.isoformat()})"
        )
        return (
            f"{customer.id} churned on {churns_on.isoformat()}: "
            f"no purchase in the {self.days} days after {since}"
        )

    def next_change(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> dt.date | None:
        base, _ = self._base(customer, timeline)
        churns_on = base + dt.timedelta(days=self.days)
        return churns_on if churns_on > as_of else None  # churned: only a purchase changes it

    def __repr__(self) -> str:
        return f"churn_after_inactivity(days={self.days})"


def churn_after_inactivity(*, days: int) -> ChurnRule:
    """Make a churn rule for a business without contracts: *days* days without a purchase.

    A customer is churned on date D when D is *days* or more days after the
    local date (in the customer's zone) of their last purchase on or before D;
    a customer without a purchase, *days* or more days after their ``since``
    date. A later purchase makes them active again. Other touchpoints
    (a complaint, an email) do not count: only buying keeps a customer.

    Args:
        days: The silence that makes a customer churned, in days (1 to
            `MAX_INACTIVE_DAYS`).

    Raises:
        InvalidValueError: for a *days* that is not a whole number in range.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> rule = lc.churn_after_inactivity(days=180)
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> bought = lc.Touchpoint(id="t-1", customer_id="c-1", kind="purchase",
        ...                        channel="web", direction="inbound",
        ...                        at=dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC))
        >>> timeline = lc.Timeline([bought])
        >>> rule.churned(ada, timeline, dt.date(2026, 7, 7)) is None   # 179 days
        True
        >>> print(rule.churned(ada, timeline, dt.date(2026, 7, 9)))
        c-1 churned on 2026-07-08: no purchase in the 180 days after the last one
        (t-1 on 2026-01-09)
        >>> rule.next_change(ada, timeline, dt.date(2026, 3, 1))
        datetime.date(2026, 7, 8)
    """
    return _Inactivity(days)


#: The default churn rule everywhere: `churn_on_cancellation`.
DEFAULT_CHURN: ChurnRule = churn_on_cancellation()
