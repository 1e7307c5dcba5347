"""Churn: when a customer counts as lost, the one rule the agenda, stages and metrics share.

The starter pack's rule: a customer has churned when their last cancellation
is after their last purchase and their last renewal (with neither, a
cancellation alone is enough).

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

from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind, Touchpoint

__all__ = ["CHURN_KINDS", "churning_cancellation"]

#: The kinds that decide whether a customer has churned: a new touchpoint of
#: another kind cannot change it.
CHURN_KINDS = frozenset({Kind.CANCELLATION, Kind.PURCHASE, Kind.RENEWAL})


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
