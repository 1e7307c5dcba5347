"""The read-only mappings behind customer attributes and verdict facts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle._frozendict import FrozenDict, SmallFrozenDict


@pytest.mark.parametrize("kind", [FrozenDict, SmallFrozenDict])
def test_behaves_like_a_read_only_dict(kind: type[FrozenDict[str, str]]):
    """Lookup, iteration, equality with any mapping, hashing, no setting."""
    frozen = kind({"a": "1", "b": "2"})
    assert frozen["a"] == "1"
    assert list(frozen) == ["a", "b"]
    assert len(frozen) == 2
    assert frozen == {"a": "1", "b": "2"}
    assert frozen == FrozenDict({"b": "2", "a": "1"}) == SmallFrozenDict({"b": "2", "a": "1"})
    assert hash(frozen) == hash(FrozenDict({"b": "2", "a": "1"}))
    assert frozen != ["a", "b"]
    assert repr(frozen) == "FrozenDict({'a': '1', 'b': '2'})"
    with pytest.raises(KeyError):
        frozen["c"]
    with pytest.raises(AttributeError, match="read-only"):
        frozen._data = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        frozen["c"] = "3"  # type: ignore[index]


@given(st.dictionaries(st.text(max_size=3), st.integers(), max_size=8), st.text(max_size=3))
def test_the_small_mapping_answers_as_the_dict_it_was_made_from(data: dict[str, int], key: str):
    """Every Mapping question gets the dict's answer; equal contents share one key tuple."""
    small = SmallFrozenDict(data)
    assert dict(small) == data
    assert list(small.items()) == list(data.items())
    assert (key in small) == (key in data)
    assert small.get(key) == data.get(key)
    assert small == FrozenDict(data)
    assert hash(small) == hash(FrozenDict(data))
    assert SmallFrozenDict(dict(data))._keys is small._keys


@pytest.mark.parametrize("kind", [FrozenDict, SmallFrozenDict])
def test_pickles(kind: type[FrozenDict[str, str]]):
    """Spark executors and worker processes get them pickled."""
    import pickle  # noqa: PLC0415 - only this test pickles

    frozen = kind({"a": "1", "b": "2"})
    again = pickle.loads(pickle.dumps(frozen))
    assert again == frozen and type(again) is kind
