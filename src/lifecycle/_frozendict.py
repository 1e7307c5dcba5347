"""A small read-only, hashable mapping for attribute bags on frozen objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(Mapping[K, V]):
    """A read-only mapping that is hashable when its values are.

    `types.MappingProxyType` is read-only too, but not hashable, which would make
    every frozen object holding one unhashable.
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        # Pickling (Spark executors, worker processes) rebuilds it from its items:
        # the default would set the slots one by one, which a read-only object refuses.
        return (type(self), (self._data,))


# Key tuples are shared between the small mappings that have the same keys.
_KEYS: dict[tuple[object, ...], tuple[object, ...]] = {}
_set = object.__setattr__


class SmallFrozenDict(Mapping[K, V]):
    """A read-only mapping of a few keys, stored as two tuples (keys shared).

    An agenda holds one facts mapping per action, hundreds of thousands of
    them with the same few keys: a dict each would be several times the
    size. Look-ups scan the keys, which is as quick as hashing for a handful.
    Equal to any mapping with the same items, and shown as a `FrozenDict`.
    """

    __slots__ = ("_keys", "_values")

    _keys: tuple[K, ...]
    _values: tuple[V, ...]

    def __init__(self, data: Mapping[K, V]) -> None:
        keys = tuple(data)
        _set(self, "_keys", _KEYS.setdefault(keys, keys))
        _set(self, "_values", tuple(data.values()))

    def __getitem__(self, key: K) -> V:
        try:
            return self._values[self._keys.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __hash__(self) -> int:
        return hash(frozenset(zip(self._keys, self._values, strict=True)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SmallFrozenDict) and other._keys is self._keys:
            # The usual case, comparing two verdicts' facts: the keys are shared.
            return self._values == other._values
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"FrozenDict({dict(self.items())!r})"

    def __reduce__(self) -> tuple[type[SmallFrozenDict[K, V]], tuple[dict[K, V]]]:
        return (type(self), (dict(self.items()),))
