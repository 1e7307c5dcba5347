"""Playbooks: a named sequence of steps, one at a time (``decisions.md``, "Playbooks").

A playbook starts at a trigger (an anchor, e.g. the first purchase). Each
step is due an offset after the close of the step before (the first: after
the trigger's date); it closes when a touchpoint fulfils it, when the team
decides it ``done`` or ``dismissed``, or when it expires. Only the current
step is ever due. A newer trigger date starts the playbook again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

from lifecycle._frozendict import SmallFrozenDict
from lifecycle._validate import check_id, check_priority
from lifecycle.calendar import Calendar
from lifecycle.decisions import Decision, Outcome, changes_after, in_force
from lifecycle.errors import InvalidValueError
from lifecycle.policies._anchors import Anchor, anchor_kinds, date_free
from lifecycle.policies._evaluation import EVERYTHING, Evaluated, Evaluation, Reads
from lifecycle.policies._fulfilment import Fulfilment, from_anchor
from lifecycle.policies._time import ONE_DAY, Offset, earliest
from lifecycle.policy import Anchored, Context, Status, Verdict, new_verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Touchpoint

__all__ = ["Playbook", "Step", "playbook", "step"]

#: How a step closed, as its verdict's status says it.
_STATUS = {
    "fulfilled": Status.FULFILLED,
    "done": Status.DONE,
    "dismissed": Status.DISMISSED,
    "expired": Status.EXPIRED,
}


@attrs.frozen
class Step:
    """One step of a playbook. Build one with `step`.

    Attributes:
        name: The step's name; its actions are named ``PLAYBOOK.STEP``.
        offset: From the close of the step before (the first step: from the
            trigger's date) to the due date.
        fulfilled_by: The touchpoints that close it (counted from the step's start).
        expires: How long after its due date it stays due (``None``: until closed).
    """

    name: str
    offset: Offset
    fulfilled_by: Fulfilment
    expires: Offset | None = None


def _check_ahead(field: str, offset: object) -> Offset:
    if not isinstance(offset, Offset):
        raise InvalidValueError(field, offset, "must be an offset such as days(7)")
    if min(offset.years, offset.months, offset.days, offset.working_days) < 0:
        raise InvalidValueError(
            field, offset.description, "must not be negative: a step comes after the one before"
        )
    return offset


def step(
    name: str, *, offset: Offset, fulfilled_by: Fulfilment, expires: Offset | None = None
) -> Step:
    """Make a step of a playbook (see `playbook`).

    Args:
        name: The step's name, unique in its playbook.
        offset: From the close of the step before (the first step: from the
            trigger's date) to the due date; not negative.
        fulfilled_by: What closes the step (`fulfilled_by`, without ``since``:
            a touchpoint counts from the step's start, the close of the step
            before).
        expires: How long after its due date the step stays due; then it
            closes on the window's last day and the next step counts from there.

    Raises:
        InvalidValueError: for a bad name, a negative offset, or a fulfilment
            with a window of its own.

    Examples:
        >>> import lifecycle as lc
        >>> kickoff = step("kickoff", offset=lc.days(1),
        ...                fulfilled_by=lc.fulfilled_by("onboarding"), expires=lc.days(14))
        >>> kickoff.offset.description, kickoff.fulfilled_by.description
        ('1 day after', 'onboarding')
    """
    check_id("step", name)
    if "." in name:
        raise InvalidValueError("step", name, "must not hold a dot (actions are PLAYBOOK.STEP)")
    _check_ahead("offset", offset)
    if not isinstance(fulfilled_by, Fulfilment):
        raise InvalidValueError("fulfilled_by", fulfilled_by, "must be made with fulfilled_by()")
    if fulfilled_by.since != from_anchor():
        raise InvalidValueError(
            "fulfilled_by",
            fulfilled_by.since,
            "a step counts touchpoints from its start: leave since out",
        )
    if expires is not None:
        _check_ahead("expires", expires)
    return Step(name, offset, fulfilled_by, expires)


@attrs.frozen
class _Closed:
    """A step that closed: how, on which local date, and what closed it."""

    index: int
    start: dt.date
    due: dt.date
    planned: dt.date
    last_day: dt.date | None
    how: Literal["fulfilled", "done", "dismissed", "expired"]
    day: dt.date
    touchpoint: Touchpoint | None
    decision: Decision | None


@attrs.frozen
class _Open:
    """The current step: since when, and its due date (and the unmoved one)."""

    index: int
    start: dt.date
    due: dt.date
    planned: dt.date
    last_day: dt.date | None


@attrs.frozen
class Playbook(Evaluated):
    """A sequence of steps started by a trigger, one step on the agenda at a time.

    Build one with `playbook`. It gives one verdict per step, named
    ``PLAYBOOK.STEP``: the closed steps say how they closed (fulfilled, done,
    dismissed or expired), the current one is due or upcoming, and the later
    ones are not applicable yet.

    Attributes:
        name: The playbook's name.
        priority: Its steps' priority (1 is the most urgent).
        trigger: Where it starts (an anchor); a newer date starts it again.
        steps: Its steps, in order.
        description: What it does, in a sentence.
    """

    name: str
    priority: int
    trigger: Anchor
    steps: tuple[Step, ...]
    description: str = ""
    _names: tuple[str, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _date_free: bool = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        names = tuple(f"{self.name}.{s.name}" for s in self.steps)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_date_free", date_free(self.trigger))

    @property
    def names(self) -> tuple[str, ...]:
        """Its steps' verdict names, ``PLAYBOOK.STEP``, in order."""
        return self._names

    def reads(self, *, closing: bool) -> Reads:
        """The trigger's kinds and every step's fulfilling kinds or direction.

        A fulfilling touchpoint moves the next step's due date, so it counts
        with or without *closing*.
        """
        found = Reads(anchor_kinds(self.trigger))
        for each in self.steps:
            fulfilment = each.fulfilled_by
            if fulfilment.kinds:
                found |= Reads(frozenset(fulfilment.kinds))
            elif fulfilment.direction is not None:
                found |= Reads(frozenset(), frozenset({fulfilment.direction}))
            else:
                return EVERYTHING
        return found

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:
        """Return the steps' verdicts (see `lifecycle.policies.Evaluator`).

        With *due_only*, only the current step, if it is due. The date of
        change is the current step's due date (or the day after its window),
        a decision on one of its steps coming into view, or a snooze ending.
        """
        as_of, timeline = context.as_of, context.timeline
        change = None
        if changes:
            change = None if self._date_free else as_of + ONE_DAY
            later = changes_after(timeline.decisions, as_of, timeline.timezone, self._names)
            change = earliest(change, later)
        anchored = self.trigger.resolve(context)
        if anchored is None:
            if due_only:
                return (), change
            reason = f"{self.name} not started: no {self.trigger.description}"
            return tuple(
                self._verdict(i, Status.NOT_APPLICABLE, None, reason, {})
                for i in range(len(self.steps))
            ), change
        closed, current = self._walk(context, anchored)
        if current is not None and changes:
            if current.due > as_of:
                change = earliest(change, current.due)
            elif current.last_day is not None:
                change = earliest(change, current.last_day + ONE_DAY)
        if due_only:
            if current is None or current.due > as_of:
                return (), change
            return (self._current(current, closed, anchored, timeline, as_of),), change
        verdicts = [self._closed(c, timeline) for c in closed]
        if current is not None:
            verdicts.append(self._current(current, closed, anchored, timeline, as_of))
            waiting = f"{self.name}: waits for {self.steps[current.index].name}"
            verdicts.extend(
                self._verdict(i, Status.NOT_APPLICABLE, None, waiting, {})
                for i in range(current.index + 1, len(self.steps))
            )
        return tuple(verdicts), change

    def _walk(self, context: Context, anchored: Anchored) -> tuple[list[_Closed], _Open | None]:
        """Follow the steps from the trigger: those closed by *as_of*, and the current one."""
        timeline, as_of, calendar = context.timeline, context.as_of, context.calendar
        decisions, zone = timeline.decisions, timeline.timezone
        start = anchored.date
        # A touchpoint closes at most one step, and the trigger none.
        used = set() if anchored.touchpoint is None else {anchored.touchpoint.id}
        closed: list[_Closed] = []
        for index, each in enumerate(self.steps):
            planned = each.offset.apply(start, calendar)
            due = _working(planned, calendar)
            last_day = None if each.expires is None else each.expires.apply(due, calendar)
            events: list[tuple[dt.date, int, Touchpoint | Decision | None]] = []
            touchpoint = _fulfilling(timeline, each.fulfilled_by, start, used)
            if touchpoint is not None:
                events.append((timeline.local_date(touchpoint), 0, touchpoint))
            decision = in_force(decisions, self._names[index], due, as_of, zone)
            if decision is not None and decision.outcome is not Outcome.SNOOZED:
                # Recorded before the step started, it closes the step as it starts.
                events.append((max(decision.local_date(zone), start), 1, decision))
            if last_day is not None and as_of > last_day:
                events.append((last_day, 2, None))
            if not events:
                return closed, _Open(index, start, due, planned, last_day)
            day, _, what = min(events, key=lambda e: (e[0], e[1]))
            if isinstance(what, Touchpoint):
                used.add(what.id)
                how: Literal["fulfilled", "done", "dismissed", "expired"] = "fulfilled"
            elif isinstance(what, Decision):
                how = "done" if what.outcome is Outcome.DONE else "dismissed"
            else:
                how = "expired"
            closed.append(
                _Closed(
                    index,
                    start,
                    due,
                    planned,
                    last_day,
                    how,
                    day,
                    what if isinstance(what, Touchpoint) else None,
                    what if isinstance(what, Decision) else None,
                )
            )
            start = day
        return closed, None

    # -- reasons ---------------------------------------------------------------------

    def _closing(self, done: _Closed, timeline: Timeline) -> str:
        """How a closed step reads: ``"kickoff fulfilled by onboarding on 2026-01-03 (T5)"``."""
        name = self.steps[done.index].name
        if done.touchpoint is not None:
            tp = done.touchpoint
            return f"{name} fulfilled by {tp.kind.name} on {done.day.isoformat()} ({tp.id})"
        if done.decision is not None:
            return f"{name} {done.decision.describe(timeline.timezone)}"
        return f"{name} expired after {done.day.isoformat()}"

    def _closed(self, done: _Closed, timeline: Timeline) -> Verdict:
        facts = self._facts(done.start, done.due, done.planned, done.last_day)
        facts["closed"] = done.day
        facts["closed_by"] = done.how
        if done.touchpoint is not None:
            facts["fulfilled_by"] = done.touchpoint.id
        if done.decision is not None:
            facts["decision"] = done.decision.id
        due = _due_text(done.due, done.planned)
        reason = f"{self.name}: {self._closing(done, timeline)}; was due {due}"
        return self._verdict(done.index, _STATUS[done.how], done.due, reason, facts)

    def _current(
        self,
        current: _Open,
        closed: Sequence[_Closed],
        anchored: Anchored,
        timeline: Timeline,
        as_of: dt.date,
    ) -> Verdict:
        each = self.steps[current.index]
        counted = (
            "the trigger"
            if current.index == 0
            else f"the close of {self.steps[current.index - 1].name}"
        )
        progress = [f"started by {anchored.label}"]
        progress += [self._closing(done, timeline) for done in closed]
        reason = (
            f"{self.name} step {current.index + 1} of {len(self.steps)} ({each.name}) "
            f"since {current.start.isoformat()}: "
            f"due {each.offset.description} {counted}, {_due_text(current.due, current.planned)}; "
            f"no {each.fulfilled_by.description} since {current.start.isoformat()}"
        )
        if current.last_day is not None:
            reason += f"; expires after {current.last_day.isoformat()}"
        reason += "; " + "; ".join(progress)
        status = Status.UPCOMING if current.due > as_of else Status.DUE
        facts = self._facts(current.start, current.due, current.planned, current.last_day)
        facts["fulfilment"] = each.fulfilled_by.description
        facts["trigger"] = anchored.label
        facts["trigger_date"] = anchored.date
        # As a rule's: the touchpoint the clock started from (a newer one restarts it).
        facts["anchor_touchpoint"] = anchored.touchpoint.id if anchored.touchpoint else None
        return self._verdict(current.index, status, current.due, reason, facts)

    def _facts(
        self, start: dt.date, due: dt.date, planned: dt.date, last_day: dt.date | None
    ) -> dict[str, object]:
        facts: dict[str, object] = {"playbook": self.name, "start": start, "due": due}
        if planned != due:
            facts["moved_from"] = planned
        if last_day is not None:
            facts["expires"] = last_day
        return facts

    def _verdict(
        self,
        index: int,
        status: Status,
        due: dt.date | None,
        reason: str,
        facts: dict[str, object],
    ) -> Verdict:
        facts = {"playbook": self.name, "step": index + 1, **facts}
        # The names and priority were checked when the playbook was made.
        return new_verdict(
            self._names[index], self.priority, status, due, reason, SmallFrozenDict(facts)
        )


def _working(day: dt.date, calendar: Calendar | None) -> dt.date:
    return day if calendar is None else calendar.next_working(day)


def _due_text(due: dt.date, planned: dt.date) -> str:
    if due == planned:
        return f"on {due.isoformat()}"
    return f"on {due.isoformat()} (moved from {planned.isoformat()}, not a working day)"


def _fulfilling(
    timeline: Timeline, fulfilment: Fulfilment, start: dt.date, used: set[str]
) -> Touchpoint | None:
    """The earliest touchpoint on or after *start* that fulfils a step, not one already used."""
    position = timeline.position_from(start)
    channels = fulfilment.channels
    while True:
        found = timeline.earliest_from(position, fulfilment.kinds, fulfilment.direction)
        if found is None or (found.id not in used and (not channels or found.channel in channels)):
            return found
        position = _past(timeline, found)


def _past(timeline: Timeline, touchpoint: Touchpoint) -> int:
    """The position just after *touchpoint* in *timeline* (touchpoints at one instant too)."""
    position = timeline.position_after(touchpoint.at, inclusive=True)
    # Touchpoints at one instant stand in id order: walk to this one.
    while True:
        here = timeline.earliest_from(position, (), None)
        position += 1
        if here is None or here.id == touchpoint.id:
            return position


def playbook(
    name: str,
    *,
    priority: int,
    trigger: Anchor,
    steps: Iterable[Step],
    description: str | None = None,
) -> Playbook:
    """Build a playbook: steps one after another, started by a trigger.

    Only the current step is on the agenda, as an action named
    ``PLAYBOOK.STEP``. A step is due its offset after the close of the step
    before (the first: after the trigger's local date), moved to the next
    working day by the customer's calendar. It closes when a touchpoint its
    ``fulfilled_by`` names happens on or after its start (a touchpoint closes
    at most one step, and the trigger's touchpoint none), when the team
    decides it done or dismissed (a snooze only hides it), or when it expires
    (on the last day of its window). The next step counts from the local
    date of the close. A newer trigger date (``last("purchase")``, say)
    starts the playbook again from its first step.

    Args:
        name: The playbook's name (no dot).
        priority: Its steps' priority (1 is the most urgent).
        trigger: Where it starts: an anchor, e.g. ``first("purchase")``.
        steps: Its steps (`step`), at least one, names unique.
        description: What it does, in a sentence.

    Raises:
        InvalidValueError: for a bad name or priority, no steps, a step given
            twice or something that is not a step.

    Examples:
        >>> import datetime as dt
        >>> import lifecycle as lc
        >>> from lifecycle.policies import playbook, step
        >>> onboarding = playbook("onboarding", priority=4, trigger=lc.first("purchase"), steps=[
        ...     step("kickoff", offset=lc.days(1), fulfilled_by=lc.fulfilled_by("onboarding"),
        ...          expires=lc.days(14)),
        ...     step("check_in", offset=lc.days(7), fulfilled_by=lc.fulfilled_by("check_in")),
        ... ])
        >>> onboarding.names
        ('onboarding.kickoff', 'onboarding.check_in')
        >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1))
        >>> bought = lc.Touchpoint(id="T1", customer_id="c-1", kind="purchase", channel="web",
        ...     direction="inbound", at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
        >>> for v in onboarding.verdicts(ada, lc.Timeline([bought]), dt.date(2026, 1, 6)):
        ...     print(v.policy, v.status.value, v.due)
        onboarding.kickoff due 2026-01-06
        onboarding.check_in not_applicable None
    """
    check_id("name", name)
    if "." in name:
        raise InvalidValueError("name", name, "must not hold a dot (actions are PLAYBOOK.STEP)")
    check_priority(priority)
    if not callable(getattr(trigger, "resolve", None)):
        raise InvalidValueError("trigger", trigger, "must be an anchor such as first('purchase')")
    chosen = tuple(steps)
    if not chosen:
        raise InvalidValueError("steps", chosen, "a playbook needs at least one step")
    seen: set[str] = set()
    for each in chosen:
        if not isinstance(each, Step):
            raise InvalidValueError("steps", each, "must be made with step()")
        if each.name in seen:
            raise InvalidValueError("steps", each.name, "is the name of an earlier step")
        seen.add(each.name)
        check_id("name", f"{name}.{each.name}")
    return Playbook(name, priority, trigger, chosen, description or "")
