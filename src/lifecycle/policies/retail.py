"""The retail pack: six stewardship policies for a shop, with exact meaning (``retail-pack.md``).

Built only from the public building blocks, so each one is also a worked
example of a policy on purchases: their rhythm, their money, and the BG/NBD
probability that a customer is still alive.
"""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from lifecycle.policies._anchors import first, last
from lifecycle.policies._combine import PolicySet, policy_set
from lifecycle.policies._conditions import exists, p_alive, purchase_gap, spend
from lifecycle.policies._fulfilment import fulfilled_by
from lifecycle.policies._rule import policy
from lifecycle.policies._time import days
from lifecycle.purchases import CDNOW_BETA_GEO, BetaGeoModel

__all__ = ["retail_pack", "retail_pack_path"]

# The P(alive) below which the retail pack asks for a win-back.
_WIN_BACK_BELOW = 0.3

# The total spend from which the retail pack thanks a customer as a VIP.
_VIP_SPEND = Decimal(1000)


# --8<-- [start:retail_pack]
def retail_pack(model: BetaGeoModel = CDNOW_BETA_GEO) -> PolicySet:
    """Return the six policies of the retail pack, in priority order.

    =====================  ========  =============================================================
    policy                 priority  in words
    =====================  ========  =============================================================
    first_purchase_thanks  1         1 day after the first purchase, unless we reached out; 14 days
    win_back               2         once P(alive) is below 0.3, until a purchase
    second_purchase_nudge  3         30 days after the first purchase if no other came; 30 days
    replenishment          4         silent over 1.5 x their median gap (and 14 days), still alive
    vip_thanks             5         1 day after a purchase by a customer who spent 1,000 or more
    review_request         6         7 days after the last purchase, unless a CSAT came; 14 days
    =====================  ========  =============================================================

    Args:
        model: The BG/NBD parameters (in weeks) behind ``win_back`` and
            ``replenishment``: fit them to your shop with
            ``lifecycle.clv.BetaGeo.fit(lifecycle.clv.summary(book, as_of=...))``
            (default: `lifecycle.purchases.CDNOW_BETA_GEO`, the published
            CDNOW fit, which `retail_pack_path`'s file holds). A new fit is a
            new pack, and a new engine.

    Examples:
        >>> [p.name for p in retail_pack()][:3]
        ['first_purchase_thanks', 'win_back', 'second_purchase_nudge']
    """
    first_purchase = first("purchase")
    last_purchase = last("purchase")
    fading = p_alive(below=_WIN_BACK_BELOW, model=model)
    return policy_set(
        policy(
            "first_purchase_thanks",
            priority=1,
            anchor=first_purchase,
            offset=days(1),
            expires=days(14),
            fulfilled_by=fulfilled_by(direction="outbound"),
            description="Thank a new customer the day after their first purchase, within 14 days.",
        ),
        policy(
            "win_back",
            priority=2,
            anchor=last_purchase,
            offset=days(0),
            when=fading,
            description="Win back a customer whose P(alive) fell below 0.3, until they buy.",
        ),
        policy(
            "second_purchase_nudge",
            priority=3,
            anchor=first_purchase,
            offset=days(30),
            expires=days(30),
            when=~exists(first("purchase", after=first_purchase)),
            description="Nudge towards a second purchase 30 days after the first, within 30 days.",
        ),
        policy(
            "replenishment",
            priority=4,
            anchor=last_purchase,
            offset=days(0),
            when=purchase_gap(over=1.5, at_least_days=14) & ~fading,
            description="Remind a customer silent for longer than their own rhythm to restock.",
        ),
        policy(
            "vip_thanks",
            priority=5,
            anchor=last_purchase,
            offset=days(1),
            expires=days(14),
            when=spend(at_least=_VIP_SPEND),
            fulfilled_by=fulfilled_by(direction="outbound"),
            description="Thank a customer who spent 1,000 or more after each purchase.",
        ),
        policy(
            "review_request",
            priority=6,
            anchor=last_purchase,
            offset=days(7),
            expires=days(14),
            fulfilled_by=fulfilled_by("csat"),
            description="Ask for a review 7 days after the last purchase, within 14 days.",
        ),
    )


# --8<-- [end:retail_pack]


def retail_pack_path() -> Path:
    """Return the retail pack as a TOML policy file, to copy and make your own.

    It gives the same agenda as `retail_pack` (with its default model) on any book.

    Examples:
        >>> retail_pack_path().name
        'retail-pack.toml'
    """
    return Path(str(files("lifecycle") / "data" / "policies" / "retail-pack.toml"))
