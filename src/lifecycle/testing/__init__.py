"""Hypothesis strategies for `lifecycle` objects, for your own property-based tests.

Requires Hypothesis (``pip install customer-lifecycle[testing]``); importing
`lifecycle` itself never imports it.

Examples:
    >>> from hypothesis import given
    >>> import lifecycle.testing as lct
    >>> @given(lct.books(max_customers=3))
    ... def test_every_touchpoint_has_its_customer(book):
    ...     for touchpoint in book.touchpoints():
    ...         assert touchpoint.customer_id in book
    >>> test_every_touchpoint_has_its_customer()
"""

from lifecycle.testing._books import SITUATIONS, books
from lifecycle.testing._calendars import calendars
from lifecycle.testing._contract import (
    LAWS,
    AgendaMaker,
    Law,
    PolicyContractError,
    check_laws,
    check_policy,
)
from lifecycle.testing._decisions import decisions
from lifecycle.testing._policies import conditions, playbooks, policies
from lifecycle.testing._strategies import (
    EDGE_ZONES,
    attributes,
    aware_datetimes,
    channels,
    customer_ids,
    customers,
    directions,
    kinds,
    local_dates,
    scores,
    tags,
    time_zones,
    timelines,
    touchpoint_attributes,
    touchpoints,
)

__all__ = [
    "EDGE_ZONES",
    "LAWS",
    "SITUATIONS",
    "AgendaMaker",
    "Law",
    "PolicyContractError",
    "attributes",
    "aware_datetimes",
    "books",
    "calendars",
    "channels",
    "check_laws",
    "check_policy",
    "conditions",
    "customer_ids",
    "customers",
    "decisions",
    "directions",
    "kinds",
    "local_dates",
    "playbooks",
    "policies",
    "scores",
    "tags",
    "time_zones",
    "timelines",
    "touchpoint_attributes",
    "touchpoints",
]
