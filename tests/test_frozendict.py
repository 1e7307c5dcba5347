"""The read-only mapping behind customer attributes."""

from __future__ import annotations

import pytest

from lifecycle._frozendict import FrozenDict


def test_behaves_like_a_read_only_dict():
    """Lookup, iteration, equality with any mapping, hashing, no setting."""
    frozen = FrozenDict({"a": "1", "b": "2"})
    assert frozen["a"] == "1"
    assert list(frozen) == ["a", "b"]
    assert len(frozen) == 2
    assert frozen == {"a": "1", "b": "2"}
    assert frozen == FrozenDict({"b": "2", "a": "1"})
    assert hash(frozen) == hash(FrozenDict({"b": "2", "a": "1"}))
    assert frozen != ["a", "b"]
    assert repr(frozen) == "FrozenDict({'a': '1', 'b': '2'})"
    with pytest.raises(AttributeError, match="read-only"):
        frozen._data = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        frozen["c"] = "3"  # type: ignore[index]
