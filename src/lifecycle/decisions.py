"""Decisions: what the team did with an action (``decisions.md``, "Decisions").

The agenda says what is due; a team then does the action, decides not to, or
puts it off. A `Decision` records that answer for one occurrence of one
customer's action: the policy and the due date the agenda showed. Done and
dismissed close the occurrence; snoozed hides it until a date. A new
occurrence (a new anchor, the next recurrence) is a new action that no
earlier decision touches.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Container, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from lifecycle._validate import (
    check_bounded_instant,
    check_day,
    check_text,
    enum_converter,
    id_validator,
)
from lifecycle.errors import InvalidValueError

__all__ = ["Decision", "Outcome", "changes_after", "decision_order", "in_force", "sorted_decisions"]


class Outcome(enum.StrEnum):
    """What the team decided about an action."""

    #: Done, with or without a touchpoint to show for it: the action is closed.
    DONE = "done"
    #: Decided not to do it: the action is closed.
    DISMISSED = "dismissed"
    #: Put off: the action is hidden until the decision's ``until`` date.
    SNOOZED = "snoozed"


_outcome = enum_converter(Outcome, "decision")


def _to_outcome(value: Outcome | str) -> Outcome:
    return _outcome(value)


def _to_instant(value: dt.datetime) -> dt.datetime:
    at = check_bounded_instant("at", value)
    return at if at.tzinfo is dt.UTC else at.astimezone(dt.UTC)


def _check_due(instance: object, attribute: Any, value: Any) -> None:
    check_day("due", value)


def _check_until(instance: Decision, attribute: Any, value: Any) -> None:
    if instance.outcome is Outcome.SNOOZED:
        if value is None:
            raise InvalidValueError("until", value, "a snoozed decision needs the date it ends")
        check_day("until", value)
    elif value is not None:
        raise InvalidValueError(
            "until", value, f"only a snoozed decision has one, not a {instance.outcome.value} one"
        )


def _check_by(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_text("by", value)
        if not value:
            raise InvalidValueError("by", value, "must not be empty (leave it out: None)")


def _check_note(instance: object, attribute: Any, value: Any) -> None:
    check_text("note", value)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Decision:
    """What the team did with one occurrence of a customer's action.

    Attributes:
        id: Stable id, unique in a book (the ``decision_id`` column).
        customer_id: Whose action.
        policy: The action's policy.
        due: The action's due date, as the agenda showed it: the decision
            applies to that occurrence only.
        outcome: Done, dismissed or snoozed (an `Outcome` or its name; the
            ``decision`` column).
        at: When it was recorded: timezone-aware, stored in UTC. It counts on
            agendas from its local date (the customer's zone) on.
        until: For a snoozed action, the first date it shows again (required
            then, ``None`` otherwise).
        by: Who decided (``None``: not said).
        note: Why.

    Raises:
        InvalidValueError: naming the field and value, for any bad field.

    Examples:
        >>> import datetime as dt
        >>> d = Decision(id="d-1", customer_id="c-1", policy="welcome",
        ...              due=dt.date(2026, 3, 8), outcome="snoozed",
        ...              at=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC),
        ...              until=dt.date(2026, 3, 16), by="alice", note="on holiday")
        >>> d.outcome, d.closes(dt.date(2026, 3, 15)), d.closes(dt.date(2026, 3, 16))
        (<Outcome.SNOOZED: 'snoozed'>, True, False)
    """

    id: str = attrs.field(validator=id_validator)
    customer_id: str = attrs.field(validator=id_validator)
    policy: str = attrs.field(validator=id_validator)
    due: dt.date = attrs.field(validator=_check_due)
    outcome: Outcome = attrs.field(converter=_to_outcome)
    at: dt.datetime = attrs.field(converter=_to_instant)
    until: dt.date | None = attrs.field(default=None, validator=_check_until)
    by: str | None = attrs.field(default=None, validator=_check_by)
    note: str = attrs.field(default="", validator=_check_note)

    def local_date(self, zone: ZoneInfo) -> dt.date:
        """Return the calendar date in *zone* on which the decision was recorded."""
        return self.at.astimezone(zone).date()

    def closes(self, as_of: dt.date) -> bool:
        """Whether the decision keeps its action off the agenda of *as_of*.

        Done and dismissed always do; a snooze does before its ``until`` date.
        """
        return self.until is None or as_of < self.until

    def describe(self, zone: ZoneInfo) -> str:
        """How it reads in a reason, its date taken in *zone* (the customer's).

        Examples:
            >>> import datetime as dt
            >>> from zoneinfo import ZoneInfo
            >>> Decision(id="d-1", customer_id="c-1", policy="welcome",
            ...          due=dt.date(2026, 3, 8), outcome="done", by="alice",
            ...          at=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC)).describe(ZoneInfo("UTC"))
            'done by alice on 2026-03-09 (d-1)'
        """
        what = self.outcome.value
        if self.until is not None:
            what += f" until {self.until.isoformat()}"
        if self.by is not None:
            what += f" by {self.by}"
        what += f" on {self.local_date(zone).isoformat()} ({self.id})"
        if self.note:
            what += f": {self.note}"
        return what


def decision_order(decision: Decision) -> tuple[dt.datetime, str]:
    """The order in which a customer's decisions count: the latest ``at`` (then id) wins."""
    return decision.at, decision.id


def sorted_decisions(decisions: Iterable[Decision]) -> tuple[Decision, ...]:
    """Return *decisions* in the order they count (`decision_order`)."""
    return tuple(sorted(decisions, key=decision_order))


def in_force(
    decisions: Sequence[Decision], policy: str, due: dt.date, as_of: dt.date, zone: ZoneInfo
) -> Decision | None:
    """Return the decision that counts for an occurrence on *as_of*, if any.

    Of the *decisions* (one customer's, in `decision_order`) on the action of
    *policy* due on *due* recorded on or before *as_of* (their local date in
    *zone*), the one with the latest ``at``; ties go to the largest id.

    Examples:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> def made(id, day, outcome):
        ...     return Decision(id=id, customer_id="c", policy="welcome",
        ...                     due=dt.date(2026, 3, 8), outcome=outcome,
        ...                     at=dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC))
        >>> log = (made("d1", 9, "dismissed"), made("d2", 11, "done"))
        >>> utc = ZoneInfo("UTC")
        >>> in_force(log, "welcome", dt.date(2026, 3, 8), dt.date(2026, 3, 10), utc).id
        'd1'
        >>> in_force(log, "welcome", dt.date(2026, 3, 8), dt.date(2026, 3, 11), utc).id
        'd2'
    """
    for decision in reversed(decisions):
        if decision.policy == policy and decision.due == due and decision.local_date(zone) <= as_of:
            return decision
    return None


def changes_after(
    decisions: Sequence[Decision],
    as_of: dt.date,
    zone: ZoneInfo,
    policies: Container[str],
    due: dt.date | None = None,
) -> dt.date | None:
    """Return the first date after *as_of* on which a decision starts or stops counting.

    Only decisions on *policies* count (and on the occurrence due on *due*,
    when given): one recorded later comes into view on its local date, a
    snooze ends on its ``until``. Asking again on that date is enough to
    follow them (it may come earlier than needed, never later).

    Examples:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> snooze = Decision(id="d1", customer_id="c", policy="welcome",
        ...                   due=dt.date(2026, 3, 8), outcome="snoozed",
        ...                   at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC), until=dt.date(2026, 3, 16))
        >>> changes_after((snooze,), dt.date(2026, 3, 9), ZoneInfo("UTC"), {"welcome"})
        datetime.date(2026, 3, 16)
    """
    found: dt.date | None = None
    for decision in decisions:
        if decision.policy in policies and (due is None or decision.due == due):
            for day in (decision.local_date(zone), decision.until):
                if day is not None and day > as_of and (found is None or day < found):
                    found = day
    return found
