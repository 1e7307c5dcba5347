"""Every building block for stewardship policies, the combinators, and the starter pack.

The top-level package re-exports the most used of them (`lifecycle.policy`,
`lifecycle.last`, `lifecycle.fulfilled_by`, ...); everything else is here:

- **the policy contract**: `Policy`, `Verdict`, `Status`, `Context`, `Anchored`;
- **policies**: `policy` (a `RulePolicy`), `policy_set` (a `PolicySet`),
  `restrict` (a `Restricted`), `starter_pack`, `retail_pack` (and its file,
  `retail_pack_path`);
- **anchors** (where the clock starts): `first`, `last`, `customer_since`,
  `contract_end`, `latest`, and the `Anchor` protocol;
- **offsets and recurrence**: `days`, `weeks`, `months`, `years`,
  `working_days` (an `Offset`), `every` (a `Recurrence`), `earliest`;
- **conditions**: `condition`, `score`, `segment`, `attribute`, `in_stage`,
  `tagged`, `exists`, `churned`, `health_is`, on purchases `p_alive`,
  `purchase_gap` and `spend`, `all_of`, `any_of`, `not_`, and the `Condition` type;
- **fulfilment**: `fulfilled_by` (a `Fulfilment`) and where its window starts
  (a `WindowStart`): `from_anchor`, `from_anchor_date`, `from_due`;
- **evaluation**: `Evaluator`, `evaluator`, `Evaluation`, `Reads`,
  `EVERYTHING`, `NOTHING`, `next_change`;
- **playbooks**: `playbook` (a `Playbook`) of `step` values (a `Step`);
- **policy files**: `load_policies`, `parse_policies`, `ENTRY_POINT_GROUP`.

Examples:
    >>> from lifecycle.policies import customer_since, every, from_due, fulfilled_by, policy
    >>> anniversary = policy(
    ...     "anniversary",
    ...     priority=9,
    ...     anchor=customer_since(),
    ...     recurs=every(years=1),
    ...     fulfilled_by=fulfilled_by("anniversary", since=from_due(days=-7)),
    ... )
    >>> anniversary.name
    'anniversary'
"""

from lifecycle.policies._anchors import (
    Anchor,
    contract_end,
    customer_since,
    first,
    last,
    latest,
)
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
    p_alive,
    purchase_gap,
    score,
    segment,
    spend,
    tagged,
)
from lifecycle.policies._evaluation import (
    EVERYTHING,
    NOTHING,
    Evaluation,
    Evaluator,
    Reads,
    evaluator,
    next_change,
)
from lifecycle.policies._fulfilment import (
    Fulfilment,
    WindowStart,
    from_anchor,
    from_anchor_date,
    from_due,
    fulfilled_by,
)
from lifecycle.policies._playbook import Playbook, Step, playbook, step
from lifecycle.policies._rule import RulePolicy, policy
from lifecycle.policies._time import (
    Offset,
    Recurrence,
    days,
    earliest,
    every,
    months,
    weeks,
    working_days,
    years,
)
from lifecycle.policies._toml import ENTRY_POINT_GROUP, load_policies, parse_policies
from lifecycle.policies.retail import retail_pack, retail_pack_path
from lifecycle.policies.starter import starter_pack
from lifecycle.policy import Anchored, Context, Policy, Status, Verdict

__all__ = [
    "ENTRY_POINT_GROUP",
    "EVERYTHING",
    "NOTHING",
    "Anchor",
    "Anchored",
    "Condition",
    "Context",
    "Evaluation",
    "Evaluator",
    "Fulfilment",
    "Offset",
    "Playbook",
    "Policy",
    "PolicySet",
    "Reads",
    "Recurrence",
    "Restricted",
    "RulePolicy",
    "Status",
    "Step",
    "Verdict",
    "WindowStart",
    "all_of",
    "any_of",
    "attribute",
    "churned",
    "condition",
    "contract_end",
    "customer_since",
    "days",
    "earliest",
    "evaluator",
    "every",
    "exists",
    "first",
    "from_anchor",
    "from_anchor_date",
    "from_due",
    "fulfilled_by",
    "health_is",
    "in_stage",
    "last",
    "latest",
    "load_policies",
    "months",
    "next_change",
    "not_",
    "p_alive",
    "parse_policies",
    "playbook",
    "policy",
    "policy_set",
    "purchase_gap",
    "restrict",
    "retail_pack",
    "retail_pack_path",
    "score",
    "segment",
    "spend",
    "starter_pack",
    "step",
    "tagged",
    "weeks",
    "working_days",
    "years",
]
