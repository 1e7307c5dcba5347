"""A strategy for the team's decisions on a book's actions."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from lifecycle.book import Book
from lifecycle.decisions import Decision, Outcome
from lifecycle.engine import Engine
from lifecycle.limits import MAX_DATE, MIN_DATE
from lifecycle.policies import starter_pack

__all__ = ["decisions"]

_DAY = dt.timedelta(days=1)


def _bounded(day: dt.date) -> dt.date:
    return min(max(day, MIN_DATE + _DAY), MAX_DATE - _DAY)


def decisions(
    book: Book,
    *,
    as_of: dt.date,
    engine: Engine | None = None,
    max_size: int = 8,
) -> st.SearchStrategy[list[Decision]]:
    """Generate decisions on *book*'s actions: the ones a team records, and awkward ones.

    Most hit a real occurrence: an action (or held-back one) of *engine*'s
    agenda on *as_of* or a date up to 60 days before it. The others name a
    policy and due date at random (a stale occurrence, or none at all). The
    instants they are recorded at come before and after *as_of*, and often
    tie (several decisions on one occurrence at the same instant), so the
    rules for which decision counts get tried.

    Args:
        book: The book the decisions are for (its customers and zones).
        as_of: The date the test evaluates on.
        engine: Whose agenda gives the occurrences (default: the starter
            pack without a cap).
        max_size: At most this many decisions.

    Examples:
        >>> from hypothesis import find
        >>> import lifecycle as lc
        >>> made = find(decisions(lc.sample_book(), as_of=lc.SAMPLE_AS_OF), lambda d: len(d) > 1)
        >>> len({d.id for d in made}) == len(made)
        True
    """
    chosen = engine if engine is not None else Engine(starter_pack(), cap=None)

    @st.composite
    def build(draw: st.DrawFn) -> list[Decision]:
        ids = [c.id for c in book]
        if not ids:
            return []
        days = draw(st.lists(st.integers(0, 60), min_size=1, max_size=2, unique=True))
        occurrences: list[tuple[str, str, dt.date]] = []
        for back in days:
            agenda = chosen.agenda(book, _bounded(as_of - back * _DAY))
            shown = [*agenda.actions, *(h.action for h in agenda.held_back)]
            occurrences += [(a.customer_id, a.policy, a.due) for a in shown]
        names = sorted({policy for _, policy, _ in occurrences}) or ["welcome"]
        made: list[Decision] = []
        for number in range(draw(st.integers(0, max_size))):
            real = draw(st.integers(0, 3)) > 0  # most decisions are on a real occurrence
            if occurrences and real:
                customer_id, policy, due = draw(st.sampled_from(occurrences))
            else:
                customer_id = draw(st.sampled_from(ids))
                policy = draw(st.sampled_from(names))
                due = _bounded(as_of - draw(st.integers(-10, 120)) * _DAY)
            outcome = draw(st.sampled_from(Outcome))
            day = _bounded(due + draw(st.integers(-5, 40)) * _DAY)
            hour = draw(st.sampled_from([0, 12, 23]))
            zone = book.customer(customer_id).timezone
            until = None
            if outcome is Outcome.SNOOZED:
                until = _bounded(day + draw(st.integers(1, 30)) * _DAY)
            made.append(
                Decision(
                    id=f"D{number:02d}",
                    customer_id=customer_id,
                    policy=policy,
                    due=due,
                    outcome=outcome,
                    at=dt.datetime.combine(day, dt.time(hour), tzinfo=zone),
                    until=until,
                    by=draw(st.none() | st.sampled_from(["alice", "bob"])),
                )
            )
        return made

    return build()
