"""Anchors: where a policy's clock starts for a customer (a touchpoint or a field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Literal, Protocol

import attrs

from lifecycle.errors import InvalidValueError
from lifecycle.policy import Anchored, Context
from lifecycle.touchpoints import Direction, Kind, Touchpoint, to_direction, to_kind

__all__ = ["Anchor", "contract_end", "customer_since", "first", "last", "latest"]


class Anchor(Protocol):
    """Finds the date a policy counts from, or ``None`` when there is none."""

    @property
    def description(self) -> str:
        """What the anchor is, e.g. ``"first purchase"``."""
        ...  # pragma: no cover - a protocol has no body

    def resolve(self, context: Context) -> Anchored | None:
        """Return the anchor for this customer, or ``None``."""
        ...  # pragma: no cover - a protocol has no body


_UNSEEN = object()


@attrs.frozen(cache_hash=True)
class _TouchpointAnchor:
    which: Literal["first", "last"]
    kind: Kind | None
    direction: Direction | None
    where: Callable[[Touchpoint], bool] | None
    after: Anchor | None
    name: str

    @property
    def description(self) -> str:
        return self.name

    def resolve(self, context: Context) -> Anchored | None:
        memo = context.memo
        if memo is None:
            return self._resolve(context)
        found = memo.get(self, _UNSEEN)
        if found is _UNSEEN:
            found = memo[self] = self._resolve(context)
        return found  # type: ignore[return-value]

    def _resolve(self, context: Context) -> Anchored | None:
        timeline = context.timeline
        if self.after is not None:
            bound = self.after.resolve(context)
            if bound is not None and bound.touchpoint is not None:
                timeline = timeline.after(bound.touchpoint.at)
        found = timeline.dated_match(
            self.kind, self.direction, self.where, last=self.which == "last"
        )
        if found is None:
            return None
        touchpoint, day = found
        # show_kind, positional: attrs' __init__ takes keywords more slowly (a hot path).
        return Anchored(day, self.name, touchpoint, self.kind is None)


def _touchpoint_anchor(
    which: Literal["first", "last"],
    *,
    kind: Kind | str | None,
    direction: Direction | str | None,
    where: Callable[[Touchpoint], bool] | None,
    after: Anchor | None,
    name: str | None,
) -> _TouchpointAnchor:
    the_kind = None if kind is None else to_kind(kind)
    the_direction = None if direction is None else to_direction(direction)
    if name is None:
        if the_kind is None:
            name = f"{which} touchpoint"
        else:
            name = f"first {the_kind.name}" if which == "first" else the_kind.name
        if after is not None:
            name = f"{name} after the {after.description}"
    return _TouchpointAnchor(which, the_kind, the_direction, where, after, name)


def first(
    kind: Kind | str | None = None,
    *,
    direction: Direction | str | None = None,
    where: Callable[[Touchpoint], bool] | None = None,
    after: Anchor | None = None,
    name: str | None = None,
) -> Anchor:
    """Anchor on the earliest matching touchpoint (smallest id among ties).

    Args:
        kind: Only touchpoints of this kind (default: any).
        direction: Only inbound or only outbound touchpoints.
        where: Only touchpoints this returns true for.
        after: Only touchpoints strictly after this anchor's touchpoint
            (all of them when that anchor finds nothing).
        name: How the anchor reads in reasons (default: ``"first <kind>"``).

    Examples:
        >>> unresolved = first("complaint", after=last("resolution"), name="complaint")
        >>> unresolved.description
        'complaint'
    """
    return _touchpoint_anchor(
        "first", kind=kind, direction=direction, where=where, after=after, name=name
    )


def last(
    kind: Kind | str | None = None,
    *,
    direction: Direction | str | None = None,
    where: Callable[[Touchpoint], bool] | None = None,
    after: Anchor | None = None,
    name: str | None = None,
) -> Anchor:
    """Anchor on the latest matching touchpoint (largest id among ties).

    Takes the same arguments as `first`; the name defaults to the kind's name
    (``"last touchpoint"`` without a kind).
    """
    return _touchpoint_anchor(
        "last", kind=kind, direction=direction, where=where, after=after, name=name
    )


_FIELDS = {"since": "customer since", "contract_end": "contract ends"}


@attrs.frozen
class _FieldAnchor:
    field: Literal["since", "contract_end"]

    @property
    def description(self) -> str:
        return self.field

    def resolve(self, context: Context) -> Anchored | None:
        value: dt.date | None = getattr(context.customer, self.field)
        if value is None:
            return None
        return Anchored(value, _FIELDS[self.field])


def customer_since() -> Anchor:
    """Anchor on the customer's ``since`` date (first day as a customer).

    In a policy file this anchor is written ``anchor = "since"``.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2025, 3, 1))
        >>> context = lc.Context(ada, lc.Timeline([]), dt.date(2026, 1, 1))
        >>> customer_since().resolve(context).label
        'customer since 2025-03-01'
    """
    return _FieldAnchor("since")


def contract_end() -> Anchor:
    """Anchor on the customer's ``contract_end`` date; nothing when it is not set."""
    return _FieldAnchor("contract_end")


@attrs.frozen
class _Latest:
    anchors: tuple[Anchor, ...]

    @property
    def description(self) -> str:
        return "the latest of " + ", ".join(a.description for a in self.anchors)

    def resolve(self, context: Context) -> Anchored | None:
        best: Anchored | None = None
        for anchor in self.anchors:
            found = anchor.resolve(context)
            # Strictly later wins, so on a tie the anchor listed first is kept.
            if found is not None and (best is None or found.date > best.date):
                best = found
        return best


def latest(*anchors: Anchor) -> Anchor:
    """Anchor on the latest date any of *anchors* finds (the first listed wins ties).

    Raises:
        InvalidValueError: if fewer than two anchors are given.

    Examples:
        >>> latest(first("purchase"), last("health_check")).description
        'the latest of first purchase, health_check'
    """
    if len(anchors) < 2:
        raise InvalidValueError("anchors", anchors, "latest() needs at least two anchors")
    return _Latest(anchors)


def date_free(anchor: Anchor) -> bool:
    """Whether *anchor* depends only on the customer and its timeline, never on the date.

    True for the built-in anchors (`first`, `last`, `customer_since`, `contract_end`,
    `latest` of those). An anchor of your own may look at ``as_of``, so an
    `IncrementalAgenda` asks a policy anchored on it again every day.
    """
    if isinstance(anchor, _FieldAnchor):
        return True
    if isinstance(anchor, _TouchpointAnchor):
        return anchor.after is None or date_free(anchor.after)
    if isinstance(anchor, _Latest):
        return all(date_free(a) for a in anchor.anchors)
    return False


def anchor_kinds(anchor: Anchor) -> frozenset[Kind] | None:
    """The touchpoint kinds *anchor* looks at (``None``: it may look at any)."""
    if isinstance(anchor, _FieldAnchor):
        return frozenset()
    if isinstance(anchor, _TouchpointAnchor):
        after = frozenset() if anchor.after is None else anchor_kinds(anchor.after)
        if anchor.kind is None or after is None:
            return None
        return after | {anchor.kind}
    if isinstance(anchor, _Latest):
        return union_kinds(anchor_kinds(part) for part in anchor.anchors)
    return None


def union_kinds(parts: Iterable[frozenset[Kind] | None]) -> frozenset[Kind] | None:
    """All the kinds *parts* look at (``None``, any kind, if one of them may look at any)."""
    found: frozenset[Kind] = frozenset()
    for kinds in parts:
        if kinds is None:
            return None
        found |= kinds
    return found
