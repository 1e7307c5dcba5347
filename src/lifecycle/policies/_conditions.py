"""Conditions: tests on a customer and its timeline, combinable with ``&``, ``|`` and ``~``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal

import attrs
from dateutil.relativedelta import relativedelta

from lifecycle.churn import DEFAULT_CHURN, ChurnRule, check_churn_rule
from lifecycle.errors import InvalidValueError
from lifecycle.health import DEFAULT_HEALTH, HealthModel
from lifecycle.policies._anchors import Anchor, anchor_kinds, date_free, union_kinds
from lifecycle.policies._time import ONE_DAY, check_span, earliest
from lifecycle.policy import Context
from lifecycle.purchases import (
    CDNOW_BETA_GEO,
    BetaGeoModel,
    check_model,
    check_probability,
    fades_on,
    is_fading,
    median_gap,
    purchase_days,
    total_spend,
)
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind, Touchpoint, check_currency, to_amount, to_kind

__all__ = [
    "Condition",
    "all_of",
    "any_of",
    "attribute",
    "churned",
    "condition",
    "exists",
    "health_is",
    "in_stage",
    "not_",
    "p_alive",
    "purchase_gap",
    "score",
    "segment",
    "spend",
    "tagged",
]


class _Combinable:
    """`&`, `|` and `~` for every condition."""

    __slots__ = ()

    def __and__(self, other: Condition) -> Condition:
        return all_of(self, other)  # type: ignore[arg-type]

    def __or__(self, other: Condition) -> Condition:
        return any_of(self, other)  # type: ignore[arg-type]

    def __invert__(self) -> Condition:
        return not_(self)  # type: ignore[arg-type]


def _any_day(context: Context) -> dt.date:
    """The cautious answer for a test that says nothing about time: the next day."""
    return context.as_of + ONE_DAY


def _never(context: Context) -> None:
    """For a test that looks only at the customer and its timeline, never the date."""


def _own_functions(test: _Test) -> object:
    return (test.test, test.changes)


@attrs.frozen
class _Test(_Combinable):
    test: Callable[[Context], bool] = attrs.field(eq=False)
    description: str
    changes: Callable[[Context], dt.date | None] = attrs.field(default=_any_day, eq=False)
    #: The touchpoint kinds the test looks at (``None``: it may look at any),
    #: so that a new touchpoint of another kind need not ask it again.
    kinds: frozenset[Kind] | None = None
    #: What makes two tests the same: a factory's name and arguments, so that
    #: conditions built alike compare equal (as values do); else its functions.
    key: object = attrs.field(
        default=attrs.Factory(_own_functions, takes_self=True), kw_only=True, hash=False
    )

    def __call__(self, context: Context) -> bool:
        return bool(self.test(context))

    def next_change(self, context: Context) -> dt.date | None:
        """Return the first date after the context's date on which the answer may differ."""
        return self.changes(context)


@attrs.frozen
class _All(_Combinable):
    parts: tuple[Condition, ...]

    @property
    def description(self) -> str:
        return " and ".join(_grouped(p) for p in self.parts)

    def __call__(self, context: Context) -> bool:
        return all(part(context) for part in self.parts)

    def next_change(self, context: Context) -> dt.date | None:
        """Return the first date after the context's date on which the answer may differ."""
        return earliest(*(part.next_change(context) for part in self.parts))

    @property
    def kinds(self) -> frozenset[Kind] | None:
        """The touchpoint kinds the parts look at (``None``: any)."""
        return union_kinds(part.kinds for part in self.parts)


@attrs.frozen
class _Any(_Combinable):
    parts: tuple[Condition, ...]

    @property
    def description(self) -> str:
        return " or ".join(_grouped(p) for p in self.parts)

    def __call__(self, context: Context) -> bool:
        return any(part(context) for part in self.parts)

    def next_change(self, context: Context) -> dt.date | None:
        """Return the first date after the context's date on which the answer may differ."""
        return earliest(*(part.next_change(context) for part in self.parts))

    @property
    def kinds(self) -> frozenset[Kind] | None:
        """The touchpoint kinds the parts look at (``None``: any)."""
        return union_kinds(part.kinds for part in self.parts)


@attrs.frozen
class _Not(_Combinable):
    part: Condition

    @property
    def description(self) -> str:
        return f"not {_grouped(self.part)}"

    def __call__(self, context: Context) -> bool:
        return not self.part(context)

    def next_change(self, context: Context) -> dt.date | None:
        """Return the first date after the context's date on which the answer may differ."""
        return self.part.next_change(context)

    @property
    def kinds(self) -> frozenset[Kind] | None:
        """The touchpoint kinds the part looks at (``None``: any)."""
        return self.part.kinds


#: A condition: call it with a `Context`; it has a ``description``, a
#: ``next_change(context)`` (the first later date on which its answer may
#: differ, with the same touchpoints; ``None``: never) and combines with
#: ``&``, ``|`` and ``~``.
Condition = _Test | _All | _Any | _Not


def _grouped(part: Condition) -> str:
    return f"({part.description})" if isinstance(part, _All | _Any) else part.description


def unmet(condition: Condition) -> str:
    """Say in words that *condition* does not hold, for a reason.

    A negation reads as what holds instead, never "not not"; a combination
    is negated whole.

    Examples:
        >>> import lifecycle as lc
        >>> smb = lc.policies.segment("smb")
        >>> unmet(smb), unmet(~smb), unmet(~lc.policies.tagged("vip") & smb)
        ('not segment is smb', 'segment is smb', "not (not tagged 'vip' and segment is smb)")
    """
    return (
        condition.part.description if isinstance(condition, _Not) else f"not {_grouped(condition)}"
    )


def _check(parts: tuple[object, ...]) -> tuple[Condition, ...]:
    for part in parts:
        if not isinstance(part, _Test | _All | _Any | _Not):
            raise InvalidValueError(
                "condition", part, "is not a condition (see lifecycle.policies.condition)"
            )
    return parts  # type: ignore[return-value]


def all_of(*conditions: Condition) -> Condition:
    """Return a condition that holds when all of *conditions* hold (also ``a & b``).

    Nested ``all_of`` are flattened, so composition is associative.
    """
    flat: list[Condition] = []
    for part in _check(conditions):
        flat.extend(part.parts if isinstance(part, _All) else (part,))
    return flat[0] if len(flat) == 1 else _All(tuple(flat))


def any_of(*conditions: Condition) -> Condition:
    """Return a condition that holds when any of *conditions* holds (also ``a | b``)."""
    flat: list[Condition] = []
    for part in _check(conditions):
        flat.extend(part.parts if isinstance(part, _Any) else (part,))
    return flat[0] if len(flat) == 1 else _Any(tuple(flat))


def not_(condition: Condition) -> Condition:
    """Return a condition that holds when *condition* does not (also ``~a``)."""
    (part,) = _check((condition,))
    return part.part if isinstance(part, _Not) else _Not(part)


def condition(
    test: Callable[[Context], bool],
    description: str,
    *,
    next_change: Callable[[Context], dt.date | None] | None = None,
) -> Condition:
    """Wrap a plain function of a `Context` as a condition.

    Args:
        test: Returns whether the condition holds.
        description: How it reads in reasons, e.g. ``"on the gold plan"``.
        next_change: Only matters to an `IncrementalAgenda`: a function of the
            same context returning the first date after ``context.as_of`` on
            which *test* may answer differently with the same touchpoints, or
            ``None`` if only new touchpoints or customer changes can change it.
            Without it the test is asked again every day, which is always right.
            A test that never looks at ``as_of`` can say so with
            ``next_change=lambda context: None``.

    Raises:
        InvalidValueError: if *test* (or *next_change*) is not callable.

    Examples:
        >>> gold = condition(lambda c: c.customer.attributes.get("plan") == "gold", "on gold",
        ...                  next_change=lambda c: None)
        >>> (gold & ~segment("smb")).description
        'on gold and not segment is smb'
    """
    if not callable(test):
        raise InvalidValueError("test", test, "must be a function of a Context")
    if next_change is None:
        return _Test(test, description)
    if not callable(next_change):
        raise InvalidValueError("next_change", next_change, "must be a function of a Context")
    return _Test(test, description, next_change)


def exists(anchor: Anchor) -> Condition:
    """Holds when *anchor* finds something for the customer."""
    return _Test(
        lambda c: anchor.resolve(c) is not None,
        f"there is a {anchor.description}",
        _never if date_free(anchor) else _any_day,
        anchor_kinds(anchor),
        key=("exists", anchor),
    )


def score(*, at_least: int | None = None, at_most: int | None = None) -> Condition:
    """Holds when the policy's anchor is a touchpoint whose score is in the range.

    Examples:
        >>> score(at_most=6).description
        'score at most 6'
    """
    if at_least is None and at_most is None:
        raise InvalidValueError("score", None, "give at_least, at_most or both")
    low = -(10**9) if at_least is None else at_least
    high = 10**9 if at_most is None else at_most
    words = [
        f"at least {at_least}" if at_least is not None else "",
        f"at most {at_most}" if at_most is not None else "",
    ]

    def test(context: Context) -> bool:
        anchor = context.anchor
        if anchor is None or anchor.touchpoint is None or anchor.touchpoint.score is None:
            return False
        return low <= anchor.touchpoint.score <= high

    # It looks only at the policy's anchor, whose kinds the policy counts.
    description = "score " + " and ".join(w for w in words if w)
    return _Test(test, description, _never, frozenset(), key=("score", low, high))


def attribute(name: str, *values: str) -> Condition:
    """Holds when the customer's attribute *name* is one of *values* (or, without values, set)."""
    if values:
        wanted = frozenset(values)
        shown = " or ".join(values)
        return _Test(
            lambda c: c.customer.attributes.get(name) in wanted,
            f"{name} is {shown}",
            _never,
            frozenset(),
            key=("attribute", name, wanted),
        )
    return _Test(
        lambda c: name in c.customer.attributes,
        f"{name} is set",
        _never,
        frozenset(),
        key=("attribute", name),
    )


def segment(*values: str) -> Condition:
    """Holds when the customer's ``segment`` attribute is one of *values*."""
    return attribute("segment", *values)


def in_stage(*stages: str, lifecycle: Lifecycle = DEFAULT_LIFECYCLE) -> Condition:
    """Holds when the customer's derived stage as of the date is one of *stages*.

    Raises:
        UnknownStageError: for a name that is not a stage of *lifecycle*.
    """
    for stage in stages:
        lifecycle.check_stage(stage)
    wanted = frozenset(stages)

    def test(context: Context) -> bool:
        return lifecycle.stage_of(context.customer, context.timeline, as_of=context.as_of) in wanted

    return _Test(test, "stage is " + " or ".join(stages), key=("in_stage", wanted, lifecycle))


def tagged(
    tag: str, *, within_days: int | None = None, kind: Kind | str | None = None
) -> Condition:
    """Holds when a touchpoint carries *tag* (within the last *within_days* days).

    Args:
        tag: The label, e.g. ``"feature:reports"``.
        within_days: Only touchpoints whose local date is at most this many
            days before the as-of date (default: any time).
        kind: Only touchpoints of this kind.

    Raises:
        InvalidValueError: if *within_days* is not a whole number from 0 to 36,525.
    """
    if within_days is not None and check_span("days", within_days, field="within_days") < 0:
        raise InvalidValueError("within_days", within_days, "must be at least 0")
    window = None if within_days is None else relativedelta(days=within_days)

    def carries(touchpoint: Touchpoint) -> bool:
        return tag in touchpoint.tags

    def test(context: Context) -> bool:
        timeline: Timeline = context.timeline
        if window is not None:
            start: dt.date = context.as_of - window
            timeline = timeline.since(start)
        return timeline.any(kind, where=carries)

    def changes(context: Context) -> dt.date | None:
        # Only the window moves: the latest tagged touchpoint leaves it the day
        # after its date plus the window; once none is in it, none comes back.
        if window is None:
            return None
        timeline = context.timeline
        newest = timeline.last(kind, where=carries)
        if newest is None:
            return None
        left: dt.date = timeline.local_date(newest) + window + ONE_DAY
        return left if left > context.as_of else None

    within = "" if within_days is None else f" in the last {within_days} days"
    the_kind = None if kind is None else to_kind(kind)
    looks_at = None if the_kind is None else frozenset({the_kind})
    on = "" if the_kind is None else f" on {the_kind.name} touchpoints"
    key = ("tagged", tag, within_days, the_kind)
    return _Test(test, f"tagged {tag!r}{on}{within}", changes, looks_at, key=key)


def health_is(*bands: str, model: HealthModel | None = None) -> Condition:
    """The customer's health score falls in one of these bands (see `lifecycle.health`).

    Args:
        bands: Band names, e.g. ``"at_risk"`` (or ``"unknown"``: no data).
        model: The health model (default `lifecycle.DEFAULT_HEALTH`).

    Raises:
        InvalidValueError: for a band the model does not have.

    Examples:
        >>> health_is("at_risk").description
        'health is at_risk'
    """
    chosen = model if model is not None else DEFAULT_HEALTH
    known = (*chosen.band_names, "unknown")
    for band in bands:
        if band not in known:
            raise InvalidValueError("bands", band, f"is not a band (bands: {', '.join(known)})")
    if not bands:
        raise InvalidValueError("bands", bands, "name at least one band")
    wanted = frozenset(bands)

    def test(context: Context) -> bool:
        found = chosen.score(context.customer, context.timeline, context.as_of)
        return found.band in wanted

    return _Test(test, f"health is {' or '.join(bands)}", key=("health_is", wanted, chosen))


@attrs.frozen
class _Churned:
    """Whether *rule* says the context's customer is churned (a value: equal rules, equal tests)."""

    rule: ChurnRule

    def __call__(self, context: Context) -> bool:
        return self.rule.churned(context.customer, context.timeline, context.as_of) is not None


@attrs.frozen
class _ChurnChanges:
    """When *rule*'s answer may next change with no new touchpoint."""

    rule: ChurnRule

    def __call__(self, context: Context) -> dt.date | None:
        return self.rule.next_change(context.customer, context.timeline, context.as_of)


def churned(rule: ChurnRule = DEFAULT_CHURN) -> Condition:
    """Holds when the customer is churned by *rule* (default: the cancellation rule).

    The default is the starter pack's definition: the last cancellation is
    after the last purchase and the last renewal (with neither, a
    cancellation alone). Give the rule your engine uses
    (`lifecycle.churn_after_inactivity`, say) so the two agree; in a policy
    file, ``churned = true`` uses the file's ``churn`` table.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> quiet = churned(lc.churn_after_inactivity(days=90))
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> quiet(lc.Context(ada, lc.Timeline([]), dt.date(2026, 4, 5)))
        True
        >>> churned()(lc.Context(ada, lc.Timeline([]), dt.date(2026, 4, 5)))
        False
    """
    check_churn_rule("rule", rule)
    description = "churned" if rule == DEFAULT_CHURN else f"churned by {rule!r}"
    return _Test(_Churned(rule), description, _ChurnChanges(rule), rule.kinds)


_PURCHASES = frozenset({Kind.PURCHASE})


def p_alive(*, below: float, model: BetaGeoModel = CDNOW_BETA_GEO) -> Condition:
    """Holds when the customer's BG/NBD probability of being alive is below *below*.

    P(alive) is worked out from the customer's own purchases up to the as-of
    date, with `lifecycle.clv.summary`'s conventions: the distinct local
    purchase days, periods of a week (see `lifecycle.purchases.p_alive_on`).
    Without a purchase it does not hold; with one purchase day P(alive) is 1,
    so it does not hold either. With no new purchase P(alive) only falls, so
    once it holds it holds until the customer buys again.

    Args:
        below: The threshold, above 0 and at most 1.
        model: The BG/NBD parameters, in weeks (default
            `lifecycle.purchases.CDNOW_BETA_GEO`, the published CDNOW fit): a
            `lifecycle.clv.BetaGeo` fitted on weekly summaries fits here as it is.

    Raises:
        InvalidValueError: for a threshold out of range, or a model that is
            not BG/NBD parameters.

    Examples:
        >>> import lifecycle as lc
        >>> model = lc.clv.BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> p_alive(below=0.3, model=model).description
        'P(alive) below 0.3'
    """
    threshold = check_probability("below", below)
    parameters = check_model(model)

    def test(context: Context) -> bool:
        return is_fading(parameters, purchase_days(context.timeline), threshold, context.as_of)

    def changes(context: Context) -> dt.date | None:
        return fades_on(parameters, purchase_days(context.timeline), threshold, context.as_of)

    key = ("p_alive", threshold, parameters)
    return _Test(test, f"P(alive) below {threshold:g}", changes, _PURCHASES, key=key)


def purchase_gap(*, over: float = 2.0, at_least_days: int = 30) -> Condition:
    """Holds when the customer has been silent for longer than their own rhythm says.

    With L the local date of the last purchase and G the median gap in days
    between consecutive distinct purchase days (`lifecycle.purchases.median_gap`),
    it holds on date D when D - L (in days) is more than *over* x G and at
    least *at_least_days*. It needs two purchase days at least (else it does
    not hold); a new purchase moves L and may change G.

    Args:
        over: How many median gaps of silence make it hold (a positive number).
        at_least_days: The least silence, in days, whatever the rhythm (0 to 36,525).

    Raises:
        InvalidValueError: for an *over* that is not a positive finite
            number, or *at_least_days* out of range.

    Examples:
        >>> purchase_gap(over=1.5, at_least_days=14).description
        'silent for over 1.5 x the median gap between purchases and at least 14 days'
    """
    given: object = over  # checked as anything: a policy file may give anything
    if (
        isinstance(given, bool)
        or not isinstance(given, int | float)
        or not math.isfinite(given)
        or given <= 0
    ):
        raise InvalidValueError("over", over, "must be a positive finite number")
    factor = float(over)
    if check_span("days", at_least_days, field="at_least_days") < 0:
        raise InvalidValueError("at_least_days", at_least_days, "must be at least 0")

    def silent_from(context: Context) -> dt.date | None:
        """The first date the condition holds on, with the purchases up to as_of."""
        days = purchase_days(context.timeline)
        gap = median_gap(days)
        if gap is None:
            return None
        # The least whole number of days strictly more than over x gap.
        needed = max(math.floor(factor * gap) + 1, at_least_days)
        return days[-1] + dt.timedelta(days=needed)

    def test(context: Context) -> bool:
        start = silent_from(context)
        return start is not None and context.as_of >= start

    def changes(context: Context) -> dt.date | None:
        start = silent_from(context)
        return start if start is not None and start > context.as_of else None

    return _Test(
        test,
        f"silent for over {factor:g} x the median gap between purchases "
        f"and at least {at_least_days} days",
        changes,
        _PURCHASES,
        key=("purchase_gap", factor, at_least_days),
    )


def spend(*, at_least: Decimal | int | str, currency: str | None = None) -> Condition:
    """Holds when the customer's purchases up to the as-of date add up to *at_least* or more.

    The total is that of `lifecycle.purchases.total_spend`: the amounts of
    every purchase (refunds, negative, take away; a purchase without an amount
    counts as nothing). With *currency*, only amounts in it and those that
    name no currency count. Without it every amount counts, as long as the
    customer's purchases name at most one currency: a customer whose
    purchases name several does not meet the condition (their sum means
    nothing), so name the currency in a shop that takes several.

    Args:
        at_least: The least total, a decimal amount (``Decimal("500.00")``, 500 or ``"500.00"``).
        currency: The currency counted, an ISO 4217 code such as ``"EUR"``.

    Raises:
        InvalidValueError: for an amount or currency that is not valid.

    Examples:
        >>> spend(at_least="500.00", currency="EUR").description
        'spent at least 500.00 EUR'
    """
    least = to_amount(at_least)
    check_currency(currency, least)
    code: str | None = currency

    def test(context: Context) -> bool:
        total = total_spend(context.timeline, code)
        return total is not None and total >= least

    shown_in = "" if code is None else f" {code}"
    # Only a purchase changes a total.
    key = ("spend", least, code)
    return _Test(test, f"spent at least {least}{shown_in}", _never, _PURCHASES, key=key)
