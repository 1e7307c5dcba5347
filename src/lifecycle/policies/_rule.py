"""A policy made of blocks: anchor, offset, recurrence, conditions, fulfilment, expiry."""

from __future__ import annotations

import datetime as dt

import attrs

from lifecycle._frozendict import SmallFrozenDict
from lifecycle._validate import check_day, check_id, check_priority
from lifecycle.calendar import Calendar
from lifecycle.customers import Customer
from lifecycle.policies._anchors import Anchor, anchor_kinds, date_free
from lifecycle.policies._conditions import Condition, unmet
from lifecycle.policies._evaluation import EVERYTHING, Evaluated, Evaluation, Reads
from lifecycle.policies._fulfilment import Fulfilment
from lifecycle.policies._time import ONE_DAY, Offset, Recurrence, due_date, earliest
from lifecycle.policy import Anchored, Context, Status, Verdict, new_verdict
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Touchpoint

__all__ = ["RulePolicy", "policy"]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@attrs.frozen
class RulePolicy(Evaluated):
    """A stewardship policy made of building blocks. Build one with `policy`.

    Attributes:
        name: The policy's name, as shown on the agenda.
        priority: 1 is the most urgent.
        anchor: Where the clock starts.
        offset: From the anchor (or each occurrence) to the due date.
        when: A condition that must hold for the policy to apply.
        fulfilled_by: The touchpoints that close the action.
        recurs: Occurrences after the anchor date, if the policy repeats.
        expires: How long after its due date an action stays due.
        description: What the policy does, in a sentence.
    """

    name: str
    priority: int
    anchor: Anchor
    offset: Offset
    when: Condition | None
    fulfilled_by: Fulfilment | None
    recurs: Recurrence | None
    expires: Offset | None
    description: str
    # Whether the anchor never looks at the date (asked on every evaluation with changes).
    _date_free: bool = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_date_free", date_free(self.anchor))

    @property
    def names(self) -> tuple[str]:
        """The name its one verdict carries (see `lifecycle.policies.Evaluator`)."""
        return (self.name,)

    def next_change(self, customer: Customer, timeline: Timeline, as_of: dt.date) -> dt.date | None:
        """Return the first date after *as_of* on which this policy's verdict may differ.

        With the same customer and timeline: the due date arriving, the action
        expiring, the next occurrence of a recurrence, a dated condition
        changing its answer. ``None``: only new touchpoints or a change to the
        customer can change the verdict. An `IncrementalAgenda` asks the
        policy again on that date and not before.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> renewal = lc.policy("renewal", priority=3, anchor=lc.policies.contract_end(),
            ...                     offset=lc.days(-60))
            >>> ada = lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1),
            ...                   contract_end=dt.date(2026, 12, 31))
            >>> renewal.next_change(ada, lc.Timeline([]), dt.date(2026, 6, 1))
            datetime.date(2026, 11, 1)

        Raises:
            InvalidValueError: if *as_of* is not a date within `lifecycle.limits`.
        """
        check_day("as_of", as_of)
        return self.evaluate(Context(customer, timeline, as_of), due_only=False, changes=True)[1]

    def reads(self, *, closing: bool) -> Reads:
        """Which touchpoints it looks at (see `lifecycle.policies.Evaluator`)."""
        found = Reads(anchor_kinds(self.anchor))
        if self.when is not None:
            found |= Reads(self.when.kinds)
        fulfilment = self.fulfilled_by
        if fulfilment is not None and closing:
            if fulfilment.kinds:
                found |= Reads(frozenset(fulfilment.kinds))
            elif fulfilment.direction is not None:
                found |= Reads(frozenset(), frozenset({fulfilment.direction}))
            else:
                found = EVERYTHING
        return found

    def evaluate(self, context: Context, *, due_only: bool, changes: bool) -> Evaluation:  # noqa: PLR0911, PLR0912 - one exit per outcome
        """Return the verdict (see `Status`) and, with *changes*, the date it may next change.

        The one path from anchor to condition, due date and closing touchpoint
        for every question asked of the policy (see `lifecycle.policies.Evaluator`).
        With *due_only* it stops as soon as the verdict cannot be due,
        without writing a reason.
        """
        timeline, as_of = context.timeline, context.as_of
        # A built-in anchor never looks at the date; one of your own might.
        change = None if not changes or self._date_free else as_of + ONE_DAY
        anchored = self.anchor.resolve(context)
        if anchored is None:
            if due_only:
                return (), change
            reason = f"no {self.anchor.description}"
            return (self._verdict(Status.NOT_APPLICABLE, None, reason, {}),), change
        when = self.when
        if when is not None:
            anchored_context = Context(
                context.customer, timeline, as_of, anchored, context.memo, context.calendar
            )
            if changes:
                change = earliest(change, when.next_change(anchored_context))
            if not when(anchored_context):
                if due_only:
                    return (), change
                label = anchored.label
                reason = f"{label}: {unmet(when)}"
                facts = self._facts(anchored, label)
                return (self._verdict(Status.NOT_APPLICABLE, None, reason, facts),), change
        calendar = context.calendar
        due, unmoved, occurrence = self._due_date(anchored, as_of, calendar)
        if changes and self.recurs is not None:
            # The occurrence counted moves on once the next one has come and is due.
            following = self.recurs.following(anchored.date, occurrence)
            if following is not None:
                change = earliest(
                    change, max(following, due_date(self.offset, following, calendar))
                )
        if due > as_of:
            if changes:
                change = earliest(change, due)
            if due_only:
                return (), change
        done, last_day = self._closing(timeline, anchored, due, calendar)
        # Fulfilled or expired stays so until the due date moves.
        if done is not None:
            status = Status.FULFILLED
        elif due > as_of:
            status = Status.UPCOMING
        elif last_day is not None and as_of > last_day:
            status = Status.EXPIRED
        else:
            status = Status.DUE
            if changes and last_day is not None:
                change = earliest(change, last_day + ONE_DAY)
        if due_only and status is not Status.DUE:
            return (), change
        verdict = self._explained(
            status=status,
            anchored=anchored,
            due=due,
            unmoved=unmoved,
            occurrence=occurrence,
            done=done,
            last_day=last_day,
            timeline=timeline,
        )
        return (verdict,), change

    def _closing(
        self, timeline: Timeline, anchored: Anchored, due: dt.date, calendar: Calendar | None
    ) -> tuple[Touchpoint | None, dt.date | None]:
        """The touchpoint that fulfilled the action, and its last due day (each if any).

        Both count from the due date as moved to a working day.
        """
        done = (
            None if self.fulfilled_by is None else self.fulfilled_by.find(timeline, anchored, due)
        )
        return done, None if self.expires is None else self.expires.apply(due, calendar)

    def _explained(
        self,
        *,
        status: Status,
        anchored: Anchored,
        due: dt.date,
        unmoved: dt.date,
        occurrence: tuple[int, dt.date] | None,
        done: Touchpoint | None,
        last_day: dt.date | None,
        timeline: Timeline,
    ) -> Verdict:
        label = anchored.label
        facts = self._facts(anchored, label)
        facts["due"] = due
        timing = self._timing(anchored, due, occurrence)
        if unmoved != due:
            facts["moved_from"] = unmoved
            timing = f"{timing} (moved from {unmoved.isoformat()}, not a working day)"
        if self.when is not None:
            # Why it applies, as well as when it is due.
            label = f"{label}, {self.when.description}"
        reason = f"{label}; {timing}"
        if self.fulfilled_by is not None:
            facts["fulfilment"] = self.fulfilled_by.description
            if done is not None:
                facts["fulfilled_by"] = done.id
                day = timeline.local_date(done).isoformat()
                reason = f"{label}; fulfilled by {done.kind.name} on {day} ({done.id})"
            else:
                missing = self.fulfilled_by.missing(anchored, due, timeline.timezone)
                reason = f"{label}, {missing}; {timing}"
                start = self.fulfilled_by.since.start(anchored, due)
                if start is not None:
                    facts["since"] = start
        if last_day is not None:
            facts["expires"] = last_day
            if status is Status.EXPIRED:
                reason = f"{reason}; expired after {last_day.isoformat()}"
        return self._verdict(status, due, reason, facts)

    def _facts(self, anchored: Anchored, label: str) -> dict[str, object]:
        facts: dict[str, object] = {
            "anchor": label,
            "anchor_date": anchored.date,
            "anchor_touchpoint": anchored.touchpoint.id if anchored.touchpoint else None,
            "offset": self.offset.description,
        }
        if self.when is not None:
            facts["condition"] = self.when.description
        return facts

    def _due_date(
        self, anchored: Anchored, as_of: dt.date, calendar: Calendar | None
    ) -> tuple[dt.date, dt.date, tuple[int, dt.date] | None]:
        """Return the due date, the date before a calendar moved it, and the occurrence.

        The occurrence, (k, date), is the one the due date belongs to if the
        policy recurs. With a *calendar*, a due date on a day off moves to the
        next working day (each occurrence's, for a recurring policy).
        """
        found = None
        unmoved = anchored.date
        if self.recurs is None:
            unmoved = self.offset.apply(unmoved, calendar)
        else:
            # The latest occurrence whose due date has come, else the first one ahead.
            found = self.recurs.latest_due(unmoved, as_of, self.offset, calendar)
            found = found or self.recurs.first(unmoved)
            if found is not None:  # else no occurrence: the anchor date stands in
                unmoved = self.offset.apply(found[1], calendar)
        due = unmoved if calendar is None else calendar.next_working(unmoved)
        return due, unmoved, found

    def _timing(
        self, anchored: Anchored, due: dt.date, occurrence: tuple[int, dt.date] | None
    ) -> str:
        """How the due date reads: ``"due 3 days after the nps, on 2026-10-28"``."""
        lead = "due on" if self.offset.description == "on" else f"due {self.offset.description}"
        if self.recurs is None:
            if anchored.touchpoint is not None:
                origin = anchored.touchpoint.kind.name
            else:
                origin = self.anchor.description.replace("_", " ")
            return f"{lead} the {origin}, on {due.isoformat()}"
        if occurrence is None:
            return f"{lead} no occurrence of the rule"
        k, _ = occurrence
        origin = f"the {_ordinal(k)} occurrence ({self.recurs.description})"
        return f"{lead} {origin}, on {due.isoformat()}"

    def _verdict(
        self, status: Status, due: dt.date | None, reason: str, facts: dict[str, object]
    ) -> Verdict:
        # The name and priority were checked when the policy was made.
        return new_verdict(self.name, self.priority, status, due, reason, SmallFrozenDict(facts))


def policy(
    name: str,
    *,
    priority: int,
    anchor: Anchor,
    offset: Offset | None = None,
    when: Condition | None = None,
    fulfilled_by: Fulfilment | None = None,
    recurs: Recurrence | None = None,
    expires: Offset | None = None,
    description: str = "",
) -> RulePolicy:
    """Build a policy from building blocks, the way one would say it.

    "7 days after the first purchase, unless there was an onboarding since"::

        policy("welcome", priority=4, anchor=first("purchase"), offset=days(7),
               fulfilled_by=fulfilled_by("onboarding", since=from_anchor(inclusive=True)))

    Args:
        name: Unique name shown on the agenda.
        priority: 1 is the most urgent; the agenda is ordered by it.
        anchor: Where the clock starts (`first`, `last`, `customer_since`,
            `contract_end`, `latest`).
        offset: From the anchor to the due date (default: on the anchor date).
        when: A condition that must hold (combine with ``&``, ``|``, ``~``).
        fulfilled_by: What closes the action (`fulfilled_by`).
        recurs: Repeat after the anchor (`every`); the latest occurrence due
            counts, else the next one.
        expires: Stop being due this long after the due date.
        description: What the policy does, in a sentence.

    Raises:
        InvalidValueError: for a bad name or priority.
    """
    check_id("name", name)
    check_priority(priority)
    return RulePolicy(
        name=name,
        priority=priority,
        anchor=anchor,
        offset=offset if offset is not None else Offset(),
        when=when,
        fulfilled_by=fulfilled_by,
        recurs=recurs,
        expires=expires,
        description=description,
    )
