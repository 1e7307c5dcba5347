"""The fast constructors, generated from each class's fields, make what the checked ones make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle._frozendict import FrozenDict, SmallFrozenDict
from lifecycle._validate import unchecked_constructor
from lifecycle.agenda import new_action
from lifecycle.customers import new_customer
from lifecycle.policy import new_verdict
from lifecycle.touchpoints import new_touchpoint

_REASONS = st.text(min_size=1, max_size=20)
_FACTS = st.dictionaries(st.sampled_from(["anchor", "due", "offset"]), st.integers(), max_size=3)

_VERDICTS = st.builds(
    lc.Verdict,
    policy=lct.customer_ids(),
    priority=st.integers(1, 9),
    status=st.sampled_from([s for s in lc.Status if s is not lc.Status.NOT_APPLICABLE]),
    due=lct.local_dates(),
    reason=_REASONS,
    facts=_FACTS.map(SmallFrozenDict),
)
_ACTIONS = st.builds(
    lc.Action,
    customer_id=lct.customer_ids(),
    policy=lct.customer_ids(),
    due=lct.local_dates(),
    priority=st.integers(1, 9),
    overdue_days=st.integers(0, 400),
    reason=_REASONS,
    facts=_FACTS.map(FrozenDict),
    channel=st.none() | lct.channels(),
)

_CASES: list[tuple[Callable[..., Any], st.SearchStrategy[Any]]] = [
    (new_customer, lct.customers()),
    (new_touchpoint, lct.touchpoints()),
    (new_verdict, _VERDICTS),
    (new_action, _ACTIONS),
]


@pytest.mark.parametrize(
    ("new", "checked"), _CASES, ids=["Customer", "Touchpoint", "Verdict", "Action"]
)
@given(data=st.data())
def test_unchecked_equals_checked(
    new: Callable[..., Any], checked: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    """Each field's value, positionally in field order, makes an equal object of the class."""
    made = data.draw(checked)
    cls = type(made)
    values = {field.name: getattr(made, field.name) for field in attrs.fields(cls)}
    fast = new(*values.values())
    assert type(fast) is cls
    assert fast == cls(**values) == made
    assert hash(fast) == hash(made)
    assert all(getattr(fast, name) is value for name, value in values.items())


def test_only_public_slots_make_a_fast_constructor() -> None:
    """A private field (its name could clash) or a class without slots is refused."""

    @attrs.frozen
    class Private:
        _secret: int

    @attrs.frozen(slots=False)
    class Unslotted:
        value: int

    with pytest.raises(TypeError, match=r"Private\._secret is not a public slot"):
        unchecked_constructor(Private)
    with pytest.raises(TypeError, match=r"Unslotted\.value is not a public slot"):
        unchecked_constructor(Unslotted)
