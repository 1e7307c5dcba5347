"""One deliberately broken policy per law of the contract, each a realistic mistake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import lifecycle as lc


def _verdict(name: str, status: lc.Status, due: dt.date | None, reason: str) -> lc.Verdict:
    return lc.Verdict(policy=name, priority=5, status=status, due=due, reason=reason)


class LastContactCrashes:
    """Breaks "total": assumes every customer has a touchpoint."""

    name = "last_contact"

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        last = timeline[-1]  # IndexError for a customer with no touchpoints yet
        due = timeline.local_date(last) + dt.timedelta(days=30)
        status = lc.Status.DUE if due <= as_of else lc.Status.UPCOMING
        return [_verdict(self.name, status, due, f"30 days after {last.id}")]


class DueAWeekEarly:
    """Breaks "well_formed": calls an action due a week before its due date."""

    name = "early_bird"

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        purchase = timeline.first("purchase")
        if purchase is None:
            return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "no purchase")]
        due = timeline.local_date(purchase) + dt.timedelta(days=30)
        if due - dt.timedelta(days=7) <= as_of:  # "due" already a week ahead
            return [_verdict(self.name, lc.Status.DUE, due, "a month after the purchase")]
        return [_verdict(self.name, lc.Status.UPCOMING, due, "a month after the purchase")]


class RoundRobin:
    """Breaks "deterministic": spreads work by alternating customers between calls."""

    name = "round_robin"

    def __init__(self) -> None:
        self.calls = 0

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        self.calls += 1
        if self.calls % 2:
            return [_verdict(self.name, lc.Status.DUE, as_of, "your turn for a check-in")]
        return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "someone else's turn")]


class CachedCheckIn:
    """Breaks "no_peeking": caches verdicts per customer, so a later date leaks into today."""

    name = "cached_check_in"

    def __init__(self) -> None:
        self.cache: dict[str, list[lc.Verdict]] = {}

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        if customer.id not in self.cache:  # "it is slow, let us cache it"
            last = timeline.last()
            if last is None:
                found = [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "no contact yet")]
            else:
                due = timeline.local_date(last) + dt.timedelta(days=45)
                status = lc.Status.DUE if due <= as_of else lc.Status.UPCOMING
                found = [_verdict(self.name, status, due, f"45 days after {last.id}")]
            self.cache[customer.id] = found
        return self.cache[customer.id]


class EveryoneGetsAnEscalation:
    """Breaks "do_not_contact": a CRM agenda that adds escalations after the engine's filter."""

    def __init__(self, policies: Sequence[lc.Policy]) -> None:
        self.engine = lc.Engine(policies)

    def agenda(self, book: lc.Book, as_of: dt.date) -> lc.Agenda:
        """The engine's agenda, plus an escalation for every open complaint (no filter)."""
        agenda = self.engine.agenda(book, as_of)
        extra = [
            lc.Action(
                customer_id=customer.id,
                policy="escalation",
                due=as_of,
                priority=1,
                overdue_days=0,
                reason="open complaint",
            )
            for customer, timeline in book.items()
            if timeline.until(as_of).any("complaint")
        ]
        return lc.Agenda(as_of, (*extra, *agenda.actions), agenda.held_back, agenda.skipped)


class CallbackNeverChecked:
    """Breaks "fulfilment": promises "unless we called since" but never looks."""

    name = "complaint_callback"

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        complaint = timeline.last("complaint")
        if complaint is None:
            return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "no complaint")]
        due = timeline.local_date(complaint) + dt.timedelta(days=1)
        status = lc.Status.DUE if due <= as_of else lc.Status.UPCOMING
        return [_verdict(self.name, status, due, "call back unless we called since")]


def callback_is_an_outbound_check_in(verdict: lc.Verdict) -> tuple[str, str]:
    """What the callback's reason asks for."""
    return ("check_in", "outbound")


#: Shared between the two policies below: who is already booked this run.
BOOKED: set[str] = set()


class BookEveryComplaint:
    """Books a call for each complained customer (and notes it in BOOKED)."""

    name = "book_complaint_call"

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        if timeline.any("complaint"):
            BOOKED.add(customer.id)
            return [_verdict(self.name, lc.Status.DUE, as_of, "complaint on file")]
        return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "no complaint")]


class NoDoubleBooking:
    """Breaks "order_independent": skips customers another policy booked *earlier in the run*."""

    name = "friendly_check_in"

    def verdicts(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date):
        if customer.id in BOOKED:
            BOOKED.discard(customer.id)
            return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "already booked")]
        if timeline.any("complaint"):
            return [_verdict(self.name, lc.Status.DUE, as_of, "a friendly check-in")]
        return [_verdict(self.name, lc.Status.NOT_APPLICABLE, None, "nothing to say")]
