"""`policies()`: policies made of building blocks, for properties about any policy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dateutil.rrule import MO, MONTHLY, WEEKLY, rrule
from hypothesis import strategies as st

from lifecycle.churn import churn_after_inactivity
from lifecycle.health import DEFAULT_HEALTH
from lifecycle.policies import (
    Anchor,
    Condition,
    Fulfilment,
    Offset,
    Playbook,
    Recurrence,
    RulePolicy,
    attribute,
    churned,
    contract_end,
    customer_since,
    days,
    every,
    exists,
    first,
    from_anchor,
    from_anchor_date,
    from_due,
    fulfilled_by,
    health_is,
    in_stage,
    last,
    latest,
    months,
    p_alive,
    playbook,
    policy,
    purchase_gap,
    score,
    segment,
    spend,
    step,
    tagged,
    weeks,
    working_days,
    years,
)
from lifecycle.purchases import CDNOW_BETA_GEO, BetaGeoParameters
from lifecycle.stages import DEFAULT_LIFECYCLE
from lifecycle.testing._strategies import SEGMENTS, VIP
from lifecycle.touchpoints import Channel, Direction, Kind, to_kind

_POLICY_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
#: The anchors on a customer's date field rather than a touchpoint.
_FIELD_ANCHORS = (customer_since(), contract_end())


def _anchors(kinds: st.SearchStrategy[Kind]) -> st.SearchStrategy[Anchor]:
    directions = st.none() | st.sampled_from(Direction)
    touchpoint = st.builds(
        lambda which, kind, direction: which(kind, direction=direction),
        st.sampled_from([first, last]),
        kinds,
        directions,
    )
    after = st.builds(lambda kind, bound: first(kind, after=last(bound)), kinds, kinds)
    return st.one_of(
        touchpoint,
        st.just(customer_since()),
        st.just(contract_end()),
        st.just(last()),
        after,
        st.builds(latest, touchpoint, touchpoint),
    )


def _offsets() -> st.SearchStrategy[Offset]:
    return st.one_of(
        st.integers(-90, 90).map(days),
        st.integers(-8, 8).map(weeks),
        st.integers(-12, 12).map(months),
        st.integers(-2, 2).map(years),
        st.integers(-30, 30).map(working_days),
    )


def _one_or_two(
    values: Sequence[str], make: Callable[..., Condition]
) -> st.SearchStrategy[Condition]:
    """A condition on one or two of *values* (``make("a")`` or ``make("a", "b")``)."""
    chosen = st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)
    return chosen.map(lambda names: make(*names))


def conditions(*, kinds: Sequence[Kind | str] | None = None) -> st.SearchStrategy[Condition]:
    """Generate conditions built from the public building blocks.

    The conditions `policies` puts in a policy's ``when``: on scores, earlier
    touchpoints, attributes and segments, tags (in a window of days, or of a
    kind), the stage, health bands, churn, and purchases (P(alive) by the
    BG/NBD model, the silence against the customer's own rhythm, the total
    spent), each alone, negated with ``~``
    or two combined with ``&`` or ``|``. Use it for what policies cannot say
    of themselves, such as ``restrict(my_policies, condition)``. A failing
    condition shrinks towards a simple score condition.

    Args:
        kinds: The kinds touchpoint conditions use (default: the standard kinds).

    Examples:
        >>> from hypothesis import find
        >>> import lifecycle as lc
        >>> found = find(conditions(), lambda c: "vip" in c.description)
        >>> isinstance(found, lc.policies.Condition)
        True
    """
    return _conditions(_kinds(kinds))


def _kinds(kinds: Sequence[Kind | str] | None) -> st.SearchStrategy[Kind]:
    return st.sampled_from([to_kind(k) for k in kinds] if kinds else list(Kind.standard()))


def _conditions(kinds: st.SearchStrategy[Kind]) -> st.SearchStrategy[Condition]:
    simple = st.one_of(
        st.integers(0, 10).map(lambda n: score(at_most=n)),
        st.integers(0, 10).map(lambda n: score(at_least=n)),
        kinds.map(lambda k: exists(first(k))),
        st.sampled_from(SEGMENTS).map(segment),
        st.just(attribute("segment")),
        st.just(tagged(VIP)),
        # A window moves with the date: the condition changes with no new touchpoint.
        st.integers(1, 60).map(lambda n: tagged(VIP, within_days=n)),
        kinds.map(lambda k: tagged(VIP, kind=k)),
        _one_or_two(DEFAULT_LIFECYCLE.stages, in_stage),
        _one_or_two([*DEFAULT_HEALTH.band_names, "unknown"], health_is),
        st.just(churned()),
        # Churn that comes with silence: the condition changes with the date.
        st.integers(1, 120).map(lambda n: churned(churn_after_inactivity(days=n))),
        _purchase_conditions(),
    )
    return st.one_of(
        simple,
        simple.map(lambda c: ~c),
        st.builds(lambda a, b: a & b, simple, simple),
        st.builds(lambda a, b: a | b, simple, simple),
    )


def _beta_geo_models() -> st.SearchStrategy[BetaGeoParameters]:
    """The published CDNOW fit, or parameters of other shops (faster, slower, loyal or not)."""
    positive = st.floats(min_value=0.05, max_value=20, allow_nan=False, allow_infinity=False)
    return st.just(CDNOW_BETA_GEO) | st.builds(
        BetaGeoParameters, positive, positive, positive, positive
    )


def _purchase_conditions() -> st.SearchStrategy[Condition]:
    """Conditions on purchases: P(alive), the customer's rhythm, and what they spent."""
    return st.one_of(
        st.builds(
            lambda below, model: p_alive(below=below, model=model),
            st.sampled_from([0.05, 0.3, 0.6, 0.9, 1.0]) | st.floats(0.001, 1.0),
            _beta_geo_models(),
        ),
        st.builds(
            lambda over, least: purchase_gap(over=over, at_least_days=least),
            st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]) | st.floats(0.01, 10.0),
            st.integers(0, 90),
        ),
        st.builds(
            lambda least, currency: spend(at_least=least, currency=currency),
            st.integers(-100, 3000),
            st.none() | st.sampled_from(_CURRENCIES),
        ),
    )


#: The currencies generated spend conditions count, and books with money may carry.
_CURRENCIES = ("EUR", "USD")


def _fulfilments(
    kinds: st.SearchStrategy[Kind], *, due_only: bool
) -> st.SearchStrategy[Fulfilment]:
    due = st.builds(from_due, days=st.integers(-30, 0))
    windows = (
        due
        if due_only
        else st.one_of(
            st.builds(from_anchor, inclusive=st.booleans(), days=st.integers(-180, 0)),
            st.builds(from_anchor_date, days=st.integers(-365, 0)),
            due,
        )
    )
    return st.builds(
        lambda chosen, direction, window, channels: fulfilled_by(
            *chosen, direction=direction, channels=channels, since=window
        ),
        st.lists(kinds, max_size=2, unique=True),
        st.none() | st.sampled_from(Direction),
        windows,
        # Now and then only some channels count ("unless we called").
        st.just(())
        | st.lists(st.sampled_from(tuple(Channel)), min_size=1, max_size=2, unique=True),
    )


def _recurrences() -> st.SearchStrategy[Recurrence]:
    return st.one_of(
        st.integers(1, 2).map(lambda n: every(years=n)),
        st.integers(1, 12).map(lambda n: every(months=n)),
        st.integers(7, 365).map(lambda n: every(days=n)),
        # Rules: on fixed days of the month or week, some with an end.
        st.builds(
            lambda day, count: every(rule=rrule(MONTHLY, bymonthday=day, count=count)),
            st.sampled_from([1, 15, 31, -1]),
            st.none() | st.integers(1, 4),
        ),
        st.integers(1, 4).map(lambda n: every(rule=rrule(WEEKLY, interval=n, byweekday=MO))),
    )


def _step_offsets() -> st.SearchStrategy[Offset]:
    return st.one_of(
        st.integers(0, 60).map(days), st.integers(0, 4).map(weeks), st.integers(0, 2).map(months)
    )


def playbooks(
    *,
    names: st.SearchStrategy[str] | None = None,
    kinds: Sequence[Kind | str] | None = None,
    priorities: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[Playbook]:
    """Generate playbooks built from the public building blocks.

    One to three steps, each with an offset in days, weeks or months (zero
    too: a step due the day the one before closed), a fulfilment by one or
    two kinds and/or a direction, and now and then an expiry; triggers are
    the anchors `policies` uses. A failing playbook shrinks towards one step
    due on the trigger's date.

    Args:
        names: Strategy for the playbook's name (default: short snake_case names).
        kinds: The kinds triggers and fulfilment use (default: the standard kinds).
        priorities: Strategy for the priority (default: 1 to 9).

    Examples:
        >>> from hypothesis import find
        >>> found = find(playbooks(), lambda p: len(p.steps) == 3)
        >>> found.names
        ('a.first', 'a.second', 'a.third')
    """
    chosen = _kinds(kinds)
    one_step = st.builds(
        lambda offset, made, expires: (offset, made, expires),
        _step_offsets(),
        st.builds(
            lambda found, direction: fulfilled_by(*found, direction=direction),
            st.lists(chosen, max_size=2, unique=True),
            st.none() | st.sampled_from(Direction),
        ),
        st.none() | st.integers(0, 30).map(days),
    )
    return st.builds(
        lambda name, priority, trigger, parts: playbook(
            name,
            priority=priority,
            trigger=trigger,
            steps=[
                step(label, offset=offset, fulfilled_by=made, expires=expires)
                for label, (offset, made, expires) in zip(_STEP_NAMES, parts, strict=False)
            ],
            description="A generated playbook.",
        ),
        names if names is not None else _POLICY_NAMES,
        priorities if priorities is not None else st.integers(1, 9),
        _anchors(chosen),
        st.lists(one_step, min_size=1, max_size=len(_STEP_NAMES)),
    )


_STEP_NAMES = ("first", "second", "third")


def policies(
    *,
    names: st.SearchStrategy[str] | None = None,
    kinds: Sequence[Kind | str] | None = None,
    priorities: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[RulePolicy | Playbook]:
    """Generate policies built from the public building blocks.

    Every block appears: anchors on touchpoints (first, last, by direction,
    after another), on ``since`` and ``contract_end``, the latest of two;
    offsets in days, weeks, months, years and working days; conditions on scores, earlier
    touchpoints, attributes, tags (in a window of days, or of a kind), the
    stage, health bands, churn and purchases (P(alive), rhythm, spend),
    combined with ``&``, ``|`` and ``~``;
    fulfilment windows of each kind, some counting only some channels;
    recurrence by a step or by an ``rrule``; expiry in days or working days
    (the conditions are those of `conditions`); now and then a playbook (see
    `playbooks`). To check them with working days, give the engine a
    calendar (see `calendars`). The tag looked for is
    ``"vip"`` and the segments smb, mid and enterprise, which `tags` and
    `attributes` draw now and then. A failing policy shrinks towards "on the
    first such touchpoint, no condition, nothing fulfils it".

    Args:
        names: Strategy for the policy's name (default: short snake_case names).
        kinds: The kinds anchors, conditions and fulfilment use (default: the
            standard kinds).
        priorities: Strategy for the priority (default: 1 to 9).

    Examples:
        >>> from hypothesis import find
        >>> found = find(policies(kinds=["referral"]),
        ...              lambda p: getattr(p, "fulfilled_by", None) is not None)
        >>> found.fulfilled_by.description in ("touchpoint", "referral")
        True
    """
    chosen = _kinds(kinds)
    rules = st.builds(
        lambda name, priority, anchored, offset, when, recurs, expires: policy(
            name,
            priority=priority,
            anchor=anchored[0],
            offset=offset,
            when=when,
            fulfilled_by=anchored[1],
            recurs=recurs,
            expires=expires,
            description="A generated policy.",
        ),
        names if names is not None else _POLICY_NAMES,
        priorities if priorities is not None else st.integers(1, 9),
        # A date field (a contract end) may lie ahead: a window counted from it
        # could open only after the action is due, so it counts from the due date.
        _anchors(chosen).flatmap(
            lambda anchor: st.tuples(
                st.just(anchor),
                st.none() | _fulfilments(chosen, due_only=anchor in _FIELD_ANCHORS),
            )
        ),
        _offsets(),
        st.none() | _conditions(chosen),
        st.none() | _recurrences(),
        st.none() | st.integers(0, 60).map(days) | st.integers(0, 20).map(working_days),
    )
    # Rules first, so that a failure shrinks towards a rule; a playbook one time in eight.
    made = playbooks(names=names, kinds=kinds, priorities=priorities)
    return st.one_of(*[rules] * 7, made)
