"""Building blocks for stewardship policies, the combinators, and the starter pack."""

from lifecycle.policies._anchors import Anchor, contract_end, first, last, latest, since
from lifecycle.policies._combine import PolicySet, Restricted, policy_set, restrict
from lifecycle.policies._conditions import (
    Condition,
    all_of,
    any_of,
    attribute,
    churned,
    condition,
    exists,
    health_is,
    in_stage,
    not_,
    score,
    segment,
    tagged,
)
from lifecycle.policies._fulfilment import (
    Fulfilment,
    Since,
    fulfilled_by,
    since_anchor,
    since_anchor_date,
    since_due,
)
from lifecycle.policies._rule import RulePolicy, policy
from lifecycle.policies._time import Offset, Recurrence, days, every, months, weeks, years
from lifecycle.policies._toml import ENTRY_POINT_GROUP, load_policies, parse_policies
from lifecycle.policies._watch import next_change
from lifecycle.policies.starter import starter_pack

__all__ = [
    "ENTRY_POINT_GROUP",
    "Anchor",
    "Condition",
    "Fulfilment",
    "Offset",
    "PolicySet",
    "Recurrence",
    "Restricted",
    "RulePolicy",
    "Since",
    "all_of",
    "any_of",
    "attribute",
    "churned",
    "condition",
    "contract_end",
    "days",
    "every",
    "exists",
    "first",
    "fulfilled_by",
    "health_is",
    "in_stage",
    "last",
    "latest",
    "load_policies",
    "months",
    "next_change",
    "not_",
    "parse_policies",
    "policy",
    "policy_set",
    "restrict",
    "score",
    "segment",
    "since",
    "since_anchor",
    "since_anchor_date",
    "since_due",
    "starter_pack",
    "tagged",
    "weeks",
    "years",
]
