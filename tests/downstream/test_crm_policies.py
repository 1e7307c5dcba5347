"""A downstream project's tests: its own policies, checked with `lifecycle.testing` only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings

import lifecycle as lc
from lifecycle.testing import PolicyContractError, check_policy

sys.path.insert(0, str(Path(__file__).parent))

import broken_policies as broken
import crm_policies as crm

# A small, repeatable budget, quick in CI, with a margin: the narrowest bug
# here (DueAWeekEarly needs a purchase 23 to 29 days back) was found in 50 of
# 60 random runs of 60 examples, and in 28 of 30 runs of 100.
KIT = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


def test_our_policies_keep_the_contract():
    """Ours obey every law, alone and combined with the starter pack."""
    check_policy(crm.csat_rescue, settings=KIT)
    check_policy(crm.QuarterlyReview(), fulfil=crm.review_is_a_health_check, settings=KIT)
    check_policy(lc.policy_set(crm.csat_rescue, crm.QuarterlyReview()), settings=KIT)


CASES = [
    ("total", broken.LastContactCrashes, {}, "raised IndexError"),
    ("well_formed", broken.DueAWeekEarly, {}, "after the as-of date"),
    ("deterministic", broken.RoundRobin, {}, "different verdicts"),
    ("no_peeking", broken.CachedCheckIn, {}, "after the as-of date"),
    (
        "do_not_contact",
        lambda: crm.csat_rescue,
        {"engine": broken.EveryoneGetsAnEscalation},
        "do-not-contact customers",
    ),
    (
        "fulfilment",
        broken.CallbackNeverChecked,
        {"fulfil": broken.callback_is_an_outbound_check_in},
        "still due after an outbound check_in",
    ),
    (
        "order_independent",
        broken.NoDoubleBooking,
        {"others": [broken.BookEveryComplaint()]},
        "came after the others",
    ),
]


@pytest.mark.parametrize(("law", "make", "options", "detail"), CASES, ids=[c[0] for c in CASES])
def test_each_law_catches_its_broken_policy(law, make, options, detail):
    """check_policy fails with the law's name, the date, the detail and the shrunk book."""
    with pytest.raises(PolicyContractError) as info:
        check_policy(make(), laws=[law], settings=KIT, **options)
    error = info.value
    assert error.law == law
    assert detail in error.detail
    message = str(error)
    assert f"breaks the law {law!r} on {error.as_of.isoformat()}" in message
    assert "book: Book(" in message
    # Shrunk: the book holds only what the failure needs.
    assert len(error.book) <= 2
