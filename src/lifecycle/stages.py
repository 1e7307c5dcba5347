"""Lifecycle stages: a state machine of named stages, and rules that move customers.

A `Lifecycle` lists its stages, the transitions it allows, the stage every
customer starts in, and the rules that move a customer from stage to stage.
`Lifecycle.history` replays a customer's timeline through the rules and returns
every transition (when, from, to, and what caused it). A touchpoint whose rule
asks for a transition the lifecycle does not allow is recorded as an `Anomaly`
(real timelines are messy); asking for such a transition explicitly, with
`Lifecycle.check_transition`, raises `TransitionError`.

Churn is a stage like the others; `default_lifecycle` gives the default
lifecycle with churn by any churn rule (`lifecycle.churn_after_inactivity`
for a shop), the same rule the engine and the retention metrics take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import attrs
from dateutil.relativedelta import relativedelta

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_count
from lifecycle.churn import DEFAULT_CHURN, ChurnRule, check_churn_rule
from lifecycle.customers import Customer
from lifecycle.errors import InvalidValueError, TransitionError, UnknownStageError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind, Touchpoint, to_kind

__all__ = [
    "DEFAULT_LIFECYCLE",
    "Anomaly",
    "ChurnStageRule",
    "ClockRule",
    "Lifecycle",
    "StageHistory",
    "TouchpointRule",
    "Transition",
    "after_silence",
    "before_contract_end",
    "default_lifecycle",
    "on_churn",
    "on_touchpoint",
]


def _to_stage_set(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


@attrs.frozen
class TouchpointRule:
    """Move a customer to stage `to` when a touchpoint of `kind` happens.

    Build one with `on_touchpoint`.
    """

    kind: Kind
    to: str
    from_stages: frozenset[str] | None
    where: Callable[[Touchpoint], bool] | None
    description: str

    def matches(self, touchpoint: Touchpoint, stage: str) -> bool:
        """Return whether this rule applies to *touchpoint* while in *stage*."""
        if touchpoint.kind != self.kind:
            return False
        if self.from_stages is not None and stage not in self.from_stages:
            return False
        return self.where is None or bool(self.where(touchpoint))


@attrs.frozen
class ClockRule:
    """Move a customer to stage `to` on a date worked out from the customer.

    Build one with `after_silence` or `before_contract_end`, or give your own
    ``fires_on(customer, last_event)`` function: it gets the customer and the
    local date of its latest touchpoint (its ``since`` date if none yet) and
    returns the date the rule fires, or ``None``.
    """

    to: str
    from_stages: frozenset[str]
    fires_on: Callable[[Customer, dt.date], dt.date | None]
    description: str


@attrs.frozen
class ChurnStageRule:
    """Move a customer to stage `to` on the first date a churn rule says it is churned.

    Build one with `on_churn`.

    Examples:
        >>> import lifecycle as lc
        >>> rule = on_churn(lc.churn_after_inactivity(days=90), to="churned", from_="active")
        >>> rule.from_stages, rule.to
        (frozenset({'active'}), 'churned')
    """

    churn: ChurnRule
    to: str
    from_stages: frozenset[str]
    description: str


#: A stage rule: any of the three kinds.
Rule = TouchpointRule | ClockRule | ChurnStageRule


def on_touchpoint(
    kind: Kind | str,
    *,
    to: str,
    from_: Iterable[str] | str | None = None,
    where: Callable[[Touchpoint], bool] | None = None,
    description: str | None = None,
) -> TouchpointRule:
    """Make a rule: a touchpoint of *kind* moves the customer to stage *to*.

    Args:
        kind: The touchpoint kind that triggers the rule.
        to: The stage it moves the customer to.
        from_: Only in these stages (default: in any stage). In a stage from
            which *to* is not an allowed transition, the touchpoint is recorded
            as an anomaly instead.
        where: Only for touchpoints this returns true for (e.g. low scores).
        description: How the rule reads in histories; made up if not given.

    Examples:
        >>> rule = on_touchpoint("referral", to="advocate", from_=["active"])
        >>> rule.description
        'referral -> advocate'
    """
    the_kind = to_kind(kind)
    return TouchpointRule(
        kind=the_kind,
        to=to,
        from_stages=_to_stage_set(from_),
        where=where,
        description=description or f"{the_kind.name} -> {to}",
    )


def after_silence(
    days: int, *, to: str, from_: Iterable[str] | str, description: str | None = None
) -> ClockRule:
    """Make a rule: *days* days without any touchpoint move the customer to *to*.

    The rule fires on the local date of the latest touchpoint plus *days*
    (counting from ``since`` before the first touchpoint).

    Examples:
        >>> after_silence(120, to="at_risk", from_=["active"]).description
        '120 days without a touchpoint -> at_risk'
    """
    step = relativedelta(days=check_count("days", days, minimum=1))

    def fires_on(customer: Customer, last_event: dt.date) -> dt.date:
        return last_event + step

    return ClockRule(
        to=to,
        from_stages=_required_stage_set(from_),
        fires_on=fires_on,
        description=description or f"{days} days without a touchpoint -> {to}",
    )


def before_contract_end(
    days: int, *, to: str, from_: Iterable[str] | str, description: str | None = None
) -> ClockRule:
    """Make a rule: *days* days before ``contract_end`` the customer moves to *to*.

    Examples:
        >>> before_contract_end(90, to="renewal", from_=["active"]).description
        '90 days before contract end -> renewal'
    """
    step = relativedelta(days=check_count("days", days, minimum=0))

    def fires_on(customer: Customer, last_event: dt.date) -> dt.date | None:
        end = customer.contract_end
        return None if end is None else end - step

    return ClockRule(
        to=to,
        from_stages=_required_stage_set(from_),
        fires_on=fires_on,
        description=description or f"{days} days before contract end -> {to}",
    )


def on_churn(
    churn: ChurnRule, *, to: str, from_: Iterable[str] | str, description: str | None = None
) -> ChurnStageRule:
    """Make a rule: the customer moves to *to* on the date *churn* says it has churned.

    The rule is looked at after each day's touchpoints (with every touchpoint
    of that local date) and between them on the dates the churn rule may
    change (its ``next_change``), so the stage follows the rule exactly: with
    `lifecycle.churn_after_inactivity`, on the day the silence reaches its
    length. A way back (a purchase after churn, say) is a touchpoint rule.

    Examples:
        >>> import lifecycle as lc
        >>> on_churn(lc.churn_after_inactivity(days=180), to="churned",
        ...          from_=["active"]).description
        'churn_after_inactivity(days=180) -> churned'
    """
    return ChurnStageRule(
        churn=check_churn_rule("churn", churn),
        to=to,
        from_stages=_required_stage_set(from_),
        description=description or f"{churn!r} -> {to}",
    )


def _required_stage_set(value: Iterable[str] | str) -> frozenset[str]:
    stages = _to_stage_set(value)
    if not stages:
        raise InvalidValueError("from_", value, "a clock rule needs the stages it applies in")
    return stages


@attrs.frozen(kw_only=True)
class Transition:
    """A change of stage in a customer's history.

    Attributes:
        on: The local date it happened.
        from_stage: The stage before.
        to_stage: The stage after.
        touchpoint: The touchpoint that caused it (``None`` for clock rules).
        rule: The description of the rule that fired.
        reason: A sentence a person can read.
    """

    on: dt.date
    from_stage: str
    to_stage: str
    touchpoint: Touchpoint | None
    rule: str
    reason: str


@attrs.frozen(kw_only=True)
class Anomaly:
    """A touchpoint that implied a transition the lifecycle does not allow.

    The stage stays as it was; the anomaly is kept so that someone can look at
    the data (a renewal before any purchase, say).

    Attributes:
        on: The local date of the touchpoint.
        stage: The stage the customer was in (and stays in).
        wanted: The stage the rule would have moved it to.
        touchpoint: The touchpoint.
        rule: The description of the rule.
        reason: A sentence a person can read.
    """

    on: dt.date
    stage: str
    wanted: str
    touchpoint: Touchpoint
    rule: str
    reason: str


@attrs.frozen(kw_only=True)
class StageHistory:
    """How a customer moved through the lifecycle, up to a date.

    Attributes:
        customer_id: Whose history it is.
        as_of: The last date taken into account.
        initial: The stage the customer started in.
        transitions: Every change of stage, oldest first.
        anomalies: Every touchpoint that implied an impossible transition.
        recorded: The stage the CRM recorded, if any, kept beside the derived one.
    """

    customer_id: str
    as_of: dt.date
    initial: str
    transitions: tuple[Transition, ...]
    anomalies: tuple[Anomaly, ...]
    recorded: str | None

    @property
    def stage(self) -> str:
        """The derived stage as of `as_of`."""
        return self.transitions[-1].to_stage if self.transitions else self.initial

    def stage_on(self, day: dt.date) -> str:
        """Return the derived stage on *day* (no later than `as_of`).

        Raises:
            InvalidValueError: if *day* is after `as_of`, which this history
                cannot know about.
        """
        if day > self.as_of:
            raise InvalidValueError(
                "day", day, f"is after this history's as_of date {self.as_of.isoformat()}"
            )
        stage = self.initial
        for transition in self.transitions:
            if transition.on > day:
                break
            stage = transition.to_stage
        return stage

    @property
    def agrees(self) -> bool | None:
        """Whether the recorded stage equals the derived one (``None`` if none recorded)."""
        return None if self.recorded is None else self.recorded == self.stage


def _to_stages(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _to_rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


def _to_transitions(value: Mapping[str, Iterable[str]]) -> FrozenDict[str, frozenset[str]]:
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            "transitions", value, "must map each stage to the stages it may move to"
        )
    return FrozenDict({k: _to_stage_set(v) or frozenset() for k, v in value.items()})


@attrs.frozen(kw_only=True)
class Lifecycle:
    """A lifecycle: stages, the transitions between them, and the rules that move customers.

    Attributes:
        stages: Stage names, in the order they are usually met.
        transitions: For each stage, the stages it may move to.
        initial: The stage every customer starts in.
        rules: Stage rules (`on_touchpoint`, `after_silence`,
            `before_contract_end`); for each touchpoint the first matching
            touchpoint rule wins.

    Raises:
        UnknownStageError: if a transition, the initial stage or a rule names
            a stage that is not in *stages*.
        InvalidValueError: for empty or repeated stage names.

    Examples:
        >>> import datetime as dt
        >>> from lifecycle import Customer, Timeline, Touchpoint
        >>> simple = Lifecycle(
        ...     stages=["lead", "customer"], transitions={"lead": ["customer"]},
        ...     initial="lead", rules=[on_touchpoint("purchase", to="customer")])
        >>> ada = Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> bought = Touchpoint(id="t-1", customer_id="c-1", kind="purchase", channel="web",
        ...                     direction="inbound", at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC))
        >>> history = simple.history(ada, Timeline([bought]), as_of=dt.date(2026, 2, 1))
        >>> history.stage, history.transitions[0].reason
        ('customer', 'purchase t-1 on 2026-01-09: lead -> customer (rule: purchase -> customer)')
        >>> simple.check_transition("customer", "lead")
        Traceback (most recent call last):
        ...
        lifecycle.errors.TransitionError: cannot move from stage 'customer' to stage 'lead'; ...
    """

    stages: tuple[str, ...] = attrs.field(converter=_to_stages)
    transitions: Mapping[str, frozenset[str]] = attrs.field(converter=_to_transitions)
    initial: str
    rules: tuple[Rule, ...] = attrs.field(default=(), converter=_to_rules)

    def __attrs_post_init__(self) -> None:
        seen: set[object] = set()
        stages: tuple[object, ...] = self.stages
        for stage in stages:
            if not isinstance(stage, str) or not stage or stage != stage.strip():
                raise InvalidValueError("stages", stage, "a stage name must be a non-empty string")
            if stage in seen:
                raise InvalidValueError("stages", stage, "is listed twice")
            seen.add(stage)
        self.check_stage(self.initial, field="initial")
        for source, targets in self.transitions.items():
            self.check_stage(source, field="transitions")
            for target in targets:
                self.check_stage(target, field=f"transitions[{source!r}]")
        for rule in self.rules:
            if not isinstance(rule, TouchpointRule | ClockRule | ChurnStageRule):
                raise InvalidValueError("rules", rule, "must be stage rules (see on_touchpoint)")
            self.check_stage(rule.to, field=f"rule {rule.description!r}")
            for stage in rule.from_stages or ():
                self.check_stage(stage, field=f"rule {rule.description!r}")

    def check_stage(self, name: object, *, field: str = "stage") -> str:
        """Return *name* if it is a stage of this lifecycle.

        Raises:
            UnknownStageError: naming the value and the known stages.
        """
        if not isinstance(name, str) or name not in self.stages:
            raise UnknownStageError(
                field, name, f"is not a stage of this lifecycle ({', '.join(self.stages)})"
            )
        return name

    def next_stages(self, stage: str) -> tuple[str, ...]:
        """Return the stages *stage* may move to, in lifecycle order."""
        targets = self.transitions.get(self.check_stage(stage), frozenset())
        return tuple(s for s in self.stages if s in targets)

    def allows(self, from_stage: str, to_stage: str) -> bool:
        """Return whether moving from *from_stage* to *to_stage* is allowed."""
        self.check_stage(to_stage)
        return to_stage in self.next_stages(from_stage)

    def check_transition(self, from_stage: str, to_stage: str) -> str:
        """Return *to_stage* if the move is allowed.

        Raises:
            TransitionError: naming both stages and what is allowed instead.
            UnknownStageError: if either is not a stage of this lifecycle.
        """
        if not self.allows(from_stage, to_stage):
            raise TransitionError(from_stage, to_stage, self.next_stages(from_stage))
        return to_stage

    def history(self, customer: Customer, timeline: Timeline, *, as_of: dt.date) -> StageHistory:
        """Replay *timeline* through the rules and return the customer's stage history.

        Touchpoints whose local date is after *as_of* are ignored. Between two
        touchpoints (and after the last one, up to *as_of*) clock rules fire in
        date order; a clock rule due on the same day as a touchpoint fires
        before it.

        Args:
            customer: The customer (its ``since``, ``contract_end`` and
                recorded stage are read).
            timeline: Its timeline.
            as_of: The last date to take into account.
        """
        replay = _Replay(self, customer)
        window_start = customer.since - relativedelta(days=1)
        visible = timeline.until(as_of)
        days = visible.local_dates()
        for i, (touchpoint, day) in enumerate(zip(visible, days, strict=True)):
            # Churn on a day with touchpoints is decided after them (check_churn).
            replay.tick(window_start, day, churn_until=day - relativedelta(days=1))
            replay.touch(touchpoint, day)
            if replay.churn_rules and (i + 1 == len(days) or days[i + 1] != day):
                replay.seen = visible.until(day)
                replay.check_churn(day)
            window_start = max(window_start, day)
        replay.tick(window_start, as_of)
        return StageHistory(
            customer_id=customer.id,
            as_of=as_of,
            initial=self.initial,
            transitions=tuple(replay.transitions),
            anomalies=tuple(replay.anomalies),
            recorded=customer.recorded_stage,
        )

    def stage_of(self, customer: Customer, timeline: Timeline, *, as_of: dt.date) -> str:
        """Return the customer's derived stage as of *as_of* (see `history`)."""
        return self.history(customer, timeline, as_of=as_of).stage


class _Replay:
    """The mutable state of one `Lifecycle.history` replay (never escapes it)."""

    def __init__(self, lifecycle: Lifecycle, customer: Customer) -> None:
        self.lifecycle = lifecycle
        self.customer = customer
        self.stage = lifecycle.initial
        self.last_event = customer.since
        self.transitions: list[Transition] = []
        self.anomalies: list[Anomaly] = []
        self.touch_rules = [r for r in lifecycle.rules if isinstance(r, TouchpointRule)]
        self.clock_rules = [r for r in lifecycle.rules if isinstance(r, ClockRule)]
        self.churn_rules = [r for r in lifecycle.rules if isinstance(r, ChurnStageRule)]
        # The touchpoints seen so far (up to the last touchpoint's day), for the churn rules.
        self.seen = Timeline(())

    def tick(self, after: dt.date, until: dt.date, *, churn_until: dt.date | None = None) -> None:
        """Fire the clock rules due in (after, until] and the churn rules in (after, churn_until].

        *churn_until* defaults to *until*. On one date, clock rules fire
        first, then churn rules, each in rule order.
        """
        due: list[tuple[dt.date, int, ClockRule | ChurnStageRule]] = []
        for i, rule in enumerate(self.clock_rules):
            day = rule.fires_on(self.customer, self.last_event)
            if day is not None and after < day <= until:
                due.append((day, i, rule))
        for i, churn_rule in enumerate(self.churn_rules, start=len(self.clock_rules)):
            day = self._churns_on(
                churn_rule.churn, after, until if churn_until is None else churn_until
            )
            if day is not None:
                due.append((day, i, churn_rule))
        for day, _, fired in sorted(due, key=lambda d: (d[0], d[1])):
            stage = self.stage
            if stage in fired.from_stages and self.lifecycle.allows(stage, fired.to):
                why = (
                    fired.churn.churned(self.customer, self.seen, day)
                    if isinstance(fired, ChurnStageRule)
                    else None
                )
                self._move(day, fired.to, None, fired.description, why or f"on {day.isoformat()}")

    def _churns_on(self, churn: ChurnRule, after: dt.date, until: dt.date) -> dt.date | None:
        """The first date in (after, until] *churn* says the customer is churned on."""
        day = after
        while True:
            # A rule may give an earlier date than the true one: ask again from there.
            found = churn.next_change(self.customer, self.seen, day)
            if found is None or found > until:
                return None
            if churn.churned(self.customer, self.seen, found) is not None:
                return found
            day = found

    def check_churn(self, day: dt.date) -> None:
        """Fire the churn rules that hold on *day*, after its touchpoints, in rule order."""
        for rule in self.churn_rules:
            stage = self.stage
            if stage == rule.to or stage not in rule.from_stages:
                continue
            why = rule.churn.churned(self.customer, self.seen, day)
            if why is not None and self.lifecycle.allows(stage, rule.to):
                self._move(day, rule.to, None, rule.description, why)

    def touch(self, touchpoint: Touchpoint, day: dt.date) -> None:
        """Apply the first touchpoint rule that matches *touchpoint*."""
        self.last_event = day
        for rule in self.touch_rules:
            if rule.matches(touchpoint, self.stage):
                break
        else:
            return
        what = f"{touchpoint.kind.name} {touchpoint.id} on {day.isoformat()}"
        if rule.to == self.stage:
            return
        if self.lifecycle.allows(self.stage, rule.to):
            self._move(day, rule.to, touchpoint, rule.description, what)
            return
        self.anomalies.append(
            Anomaly(
                on=day,
                stage=self.stage,
                wanted=rule.to,
                touchpoint=touchpoint,
                rule=rule.description,
                reason=(
                    f"{what} implies {self.stage} -> {rule.to} (rule: {rule.description}), "
                    f"which this lifecycle does not allow; stage stays {self.stage}"
                ),
            )
        )

    def _move(
        self, day: dt.date, to: str, touchpoint: Touchpoint | None, rule: str, what: str
    ) -> None:
        self.transitions.append(
            Transition(
                on=day,
                from_stage=self.stage,
                to_stage=to,
                touchpoint=touchpoint,
                rule=rule,
                reason=f"{what}: {self.stage} -> {to} (rule: {rule})",
            )
        )
        self.stage = to


def _low_nps(touchpoint: Touchpoint) -> bool:
    return touchpoint.score is not None and touchpoint.score <= 6


PROSPECT, ONBOARDING, ACTIVE, AT_RISK, RENEWAL, ADVOCATE, CHURNED = (
    "prospect",
    "onboarding",
    "active",
    "at_risk",
    "renewal",
    "advocate",
    "churned",
)

#: The default lifecycle: prospect -> onboarding -> active, with at risk,
#: renewal and advocate around it, churned at the end, and a way back from
#: churned to active for customers won back.
DEFAULT_LIFECYCLE = Lifecycle(
    stages=[PROSPECT, ONBOARDING, ACTIVE, AT_RISK, RENEWAL, ADVOCATE, CHURNED],
    transitions={
        PROSPECT: [ONBOARDING, CHURNED],
        ONBOARDING: [ACTIVE, AT_RISK, CHURNED],
        ACTIVE: [AT_RISK, RENEWAL, ADVOCATE, CHURNED],
        AT_RISK: [ACTIVE, RENEWAL, CHURNED],
        RENEWAL: [ACTIVE, AT_RISK, ADVOCATE, CHURNED],
        ADVOCATE: [AT_RISK, RENEWAL, CHURNED],
        CHURNED: [ACTIVE],
    },
    initial=PROSPECT,
    rules=[
        on_touchpoint(Kind.CANCELLATION, to=CHURNED),
        on_touchpoint(
            Kind.PURCHASE, to=ACTIVE, from_=[CHURNED], description="purchase after churn -> active"
        ),
        on_touchpoint(
            Kind.PURCHASE,
            to=ACTIVE,
            from_=[AT_RISK],
            description="purchase while at risk -> active",
        ),
        on_touchpoint(Kind.PURCHASE, to=ONBOARDING, from_=[PROSPECT]),
        # A renewal by a prospect is messy data: it shows up as an anomaly.
        on_touchpoint(Kind.RENEWAL, to=ACTIVE, from_=[PROSPECT, AT_RISK, RENEWAL, CHURNED]),
        on_touchpoint(Kind.HEALTH_CHECK, to=ACTIVE, from_=[ONBOARDING, AT_RISK]),
        on_touchpoint(Kind.RESOLUTION, to=ACTIVE, from_=[AT_RISK]),
        on_touchpoint(Kind.COMPLAINT, to=AT_RISK, from_=[ONBOARDING, ACTIVE, RENEWAL, ADVOCATE]),
        on_touchpoint(
            Kind.NPS,
            to=AT_RISK,
            from_=[ONBOARDING, ACTIVE, RENEWAL, ADVOCATE],
            where=_low_nps,
            description="nps 0-6 -> at_risk",
        ),
        on_touchpoint(Kind.REFERRAL, to=ADVOCATE, from_=[PROSPECT, ACTIVE, RENEWAL]),
        before_contract_end(90, to=RENEWAL, from_=[ACTIVE, AT_RISK, ADVOCATE]),
        after_silence(120, to=AT_RISK, from_=[ONBOARDING, ACTIVE, RENEWAL, ADVOCATE]),
    ],
)


def default_lifecycle(*, churn: ChurnRule | None = None) -> Lifecycle:
    """Return the default lifecycle, with churn by *churn* (default: `DEFAULT_LIFECYCLE`).

    With a churn rule other than the cancellation rule, the lifecycle's
    cancellation rule gives way to `on_churn`: a customer moves to
    ``churned`` on the date *churn* says so (from any other stage), and a
    purchase brings them back to ``active``. Give the same rule to the engine
    and the retention metrics, so all three agree on who is lost.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> shop = default_lifecycle(churn=lc.churn_after_inactivity(days=180))
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 5))
        >>> bought = lc.Touchpoint(id="t-1", customer_id="c-1", kind="purchase",
        ...                        channel="web", direction="inbound",
        ...                        at=dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC))
        >>> history = shop.history(ada, lc.Timeline([bought]), as_of=dt.date(2026, 8, 1))
        >>> history.stage, history.transitions[-1].on
        ('churned', datetime.date(2026, 7, 8))
    """
    if churn is None or check_churn_rule("churn", churn) == DEFAULT_CHURN:
        return DEFAULT_LIFECYCLE
    cancelled = on_touchpoint(Kind.CANCELLATION, to=CHURNED)
    others = [s for s in DEFAULT_LIFECYCLE.stages if s != CHURNED]
    rules = [r for r in DEFAULT_LIFECYCLE.rules if r != cancelled]
    return attrs.evolve(
        DEFAULT_LIFECYCLE, rules=[*rules, on_churn(churn, to=CHURNED, from_=others)]
    )
