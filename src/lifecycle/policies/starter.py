"""The starter pack: nine stewardship policies with exact meaning (``starter-pack.md``).

Built only from the public building blocks, so each one is also a worked
example of writing a policy.
"""

from __future__ import annotations

from lifecycle.policies._anchors import contract_end, customer_since, first, last, latest
from lifecycle.policies._combine import PolicySet, policy_set
from lifecycle.policies._conditions import exists, score
from lifecycle.policies._fulfilment import from_anchor, from_anchor_date, from_due, fulfilled_by
from lifecycle.policies._rule import policy
from lifecycle.policies._time import days, every

__all__ = ["starter_pack"]


# --8<-- [start:starter_pack]
def starter_pack() -> PolicySet:
    """Return the nine policies of the starter pack, in priority order.

    =====================  ========  =============================================================
    policy                 priority  in words
    =====================  ========  =============================================================
    complaint_follow_up    1         2 days after the earliest unresolved complaint
    detractor_recovery     2         3 days after an NPS of 0-6, unless we reached out; 60 days
    renewal                3         60 days before the contract ends, unless renewed or cancelled
    welcome                4         7 days after the first purchase, unless onboarded; 30 days
    onboarding_review      5         30 days after the first purchase, unless checked; 60 days
    health_check           6         90 days after the purchase or the last health check
    reconnect              7         60 days after the last touchpoint of any kind
    promoter_referral      8         14 days after an NPS of 9-10, unless a referral came; 30 days
    anniversary            9         on each yearly anniversary of ``since``, for 30 days
    =====================  ========  =============================================================

    Examples:
        >>> [p.name for p in starter_pack()][:3]
        ['complaint_follow_up', 'detractor_recovery', 'renewal']
    """
    purchase = first("purchase")
    return policy_set(
        policy(
            "complaint_follow_up",
            priority=1,
            anchor=first("complaint", after=last("resolution"), name="unresolved complaint"),
            offset=days(2),
            description="Follow up 2 days after the earliest complaint not yet resolved.",
        ),
        policy(
            "detractor_recovery",
            priority=2,
            anchor=last("nps"),
            when=score(at_most=6),
            offset=days(3),
            expires=days(60),
            fulfilled_by=fulfilled_by(direction="outbound"),
            description="Reach out 3 days after an NPS of 0-6 unless someone did, within 60 days.",
        ),
        policy(
            "renewal",
            priority=3,
            anchor=contract_end(),
            offset=days(-60),
            fulfilled_by=fulfilled_by("renewal", "cancellation", since=from_anchor_date(days=-365)),
            description="Start the renewal talk 60 days before the contract ends.",
        ),
        policy(
            "welcome",
            priority=4,
            anchor=purchase,
            offset=days(7),
            expires=days(30),
            fulfilled_by=fulfilled_by("onboarding", since=from_anchor(inclusive=True)),
            description="Welcome and onboard 7 days after the first purchase, within 30 days.",
        ),
        policy(
            "onboarding_review",
            priority=5,
            anchor=purchase,
            offset=days(30),
            expires=days(60),
            fulfilled_by=fulfilled_by("health_check", since=from_anchor(inclusive=True)),
            description="Review onboarding 30 days after the first purchase, within 60 days.",
        ),
        policy(
            "health_check",
            priority=6,
            anchor=latest(purchase, last("health_check")),
            when=exists(purchase),
            offset=days(90),
            description="A health check every 90 days: a new one moves the next.",
        ),
        policy(
            "reconnect",
            priority=7,
            anchor=last(name="last touchpoint"),
            offset=days(60),
            description="Reconnect after 60 days of silence: any touchpoint moves it.",
        ),
        policy(
            "promoter_referral",
            priority=8,
            anchor=last("nps"),
            when=score(at_least=9),
            offset=days(14),
            expires=days(30),
            fulfilled_by=fulfilled_by("referral", since=from_anchor(inclusive=True, days=-180)),
            description="Ask a promoter for a referral 14 days after an NPS of 9-10, for 30 days.",
        ),
        policy(
            "anniversary",
            priority=9,
            anchor=customer_since(),
            recurs=every(years=1),
            expires=days(30),
            fulfilled_by=fulfilled_by("anniversary", since=from_due(days=-7)),
            description="Mark each yearly anniversary of becoming a customer, within 30 days.",
        ),
    )


# --8<-- [end:starter_pack]
