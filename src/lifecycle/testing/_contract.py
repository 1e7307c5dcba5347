"""The policy contract kit: the laws every well-behaved policy obeys, and `check_policy`."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import attrs
import hypothesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st

from lifecycle.agenda import Agenda
from lifecycle.book import Book
from lifecycle.calendar import Calendar
from lifecycle.customers import Customer
from lifecycle.decisions import Decision
from lifecycle.engine import Engine
from lifecycle.errors import InvalidValueError
from lifecycle.policies import (
    Fulfilment,
    Playbook,
    PolicySet,
    RulePolicy,
    evaluator,
    next_change,
    policy_set,
    starter_pack,
)
from lifecycle.policy import Context, Policy, Status, Verdict
from lifecycle.testing._books import books as _books
from lifecycle.testing._strategies import local_dates
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint, to_direction, to_kind

__all__ = [
    "LAWS",
    "AgendaMaker",
    "Law",
    "PolicyContractError",
    "check_laws",
    "check_policy",
]

#: What closes a due verdict: the kind and direction of a touchpoint that
#: fulfils it, or ``None`` when nothing named does (the law then does not apply).
Fulfil = Callable[[Verdict], "tuple[Kind | str, Direction | str] | None"]


class AgendaMaker(Protocol):
    """Anything with ``agenda(book, as_of)``: `lifecycle.Engine`, or your own wrapper."""

    def agenda(self, book: Book, as_of: dt.date) -> Agenda:
        """Return the agenda for *as_of*."""
        ...  # pragma: no cover - a protocol has no body


class PolicyContractError(AssertionError):
    """A policy broke one of the laws of the contract.

    The message names the law, the policy, the date and (shrunk, when it comes
    from `check_policy`) the book.

    Attributes:
        law: The law's name, one of `LAWS`.
        policy: The policy's name (or its repr).
        as_of: The date it was evaluated on.
        book: The book it was evaluated on.
        detail: What went wrong, in a sentence.
    """

    def __init__(self, law: str, policy: str, as_of: dt.date, book: Book, detail: str) -> None:
        self.law = law
        self.policy = policy
        self.as_of = as_of
        self.book = book
        self.detail = detail
        super().__init__(
            f"policy {policy} breaks the law {law!r} on {as_of.isoformat()}: {detail}\n"
            f"  book: {book!r}"
        )


@attrs.frozen
class _Trial:
    """One policy, one book, one date, and what the laws compare it with."""

    policy: Policy
    book: Book
    as_of: dt.date
    others: tuple[Policy, ...]
    engine: Callable[[Sequence[Policy]], AgendaMaker]
    fulfil: Fulfil | None
    calendar: Calendar | None = None

    @property
    def name(self) -> str:
        return _describe(self.policy)

    def fail(self, law: str, detail: str) -> PolicyContractError:
        return PolicyContractError(law, self.name, self.as_of, self.book, detail)

    def ask(
        self,
        customer: Customer,
        visible: Timeline,
        as_of: dt.date,
        policy: Policy | None = None,
        *,
        due_only: bool = False,
    ) -> list[Verdict]:
        """The verdicts, as the engine asks for them: with the customer's calendar, if any."""
        chosen = self.policy if policy is None else policy
        if self.calendar is None:
            # Asked for the due ones only where the policy offers due_verdicts.
            method = chosen.due_verdicts if due_only else chosen.verdicts  # type: ignore[attr-defined]
            return list(method(customer, visible, as_of))
        context = self.context(customer, visible, as_of)
        return list(evaluator(chosen).evaluate(context, due_only=due_only, changes=False)[0])

    def context(self, customer: Customer, visible: Timeline, as_of: dt.date) -> Context:
        calendar = None if self.calendar is None else self.calendar.for_customer(customer)
        return Context(customer, visible, as_of, None, {}, calendar)

    def verdicts(self, book: Book, as_of: dt.date, policy: Policy | None = None) -> list[Verdict]:
        found: list[Verdict] = []
        for customer, timeline in book.items():
            found.extend(self.ask(customer, timeline.until(as_of), as_of, policy))
        return found

    def agenda(self, policies: Sequence[Policy], book: Book | None = None) -> Agenda:
        return self.engine(policies).agenda(self.book if book is None else book, self.as_of)


def _describe(policy: Policy) -> str:
    """A policy's name, a set's member names, or else its class's name."""
    if isinstance(policy, PolicySet):
        return "set (" + ", ".join(_describe(p) for p in policy) + ")"
    name = getattr(policy, "name", None)
    return name if isinstance(name, str) else type(policy).__name__


@attrs.frozen
class Law:
    """One law of the policy contract.

    Attributes:
        name: Short name, as failure messages give it.
        description: What a well-behaved policy does, in a sentence.
    """

    name: str
    description: str
    # Raises PolicyContractError if a trial breaks the law; run by check_laws.
    _check: Callable[[_Trial], None] = attrs.field(repr=False)


def _total(trial: _Trial) -> None:
    try:
        trial.verdicts(trial.book, trial.as_of)
        trial.agenda([trial.policy])
    except Exception as e:
        raise trial.fail("total", f"raised {type(e).__name__}: {e}") from e


def _well_formed(trial: _Trial) -> None:
    as_of = trial.as_of
    for customer, timeline in trial.book.items():
        visible = timeline.until(as_of)
        found = trial.ask(customer, visible, as_of)
        names = [getattr(v, "policy", None) for v in found]  # a non-verdict fails below
        for verdict in found:
            problem = _malformed(verdict, as_of, trial.policy)
            if problem:
                raise trial.fail("well_formed", f"for {customer.id}: {problem}")
        if len(set(names)) != len(names):
            raise trial.fail("well_formed", f"for {customer.id}: two verdicts share a name {names}")
        if trial.calendar is not None or hasattr(trial.policy, "due_verdicts"):
            due = [v for v in found if v.status is Status.DUE]
            offered = trial.ask(customer, visible, as_of, due_only=True)
            if offered != due:
                raise trial.fail(
                    "well_formed",
                    f"for {customer.id}: due_verdicts gave {_names(offered)}, "
                    f"but the due verdicts are {_names(due)}",
                )


def _malformed(verdict: object, as_of: dt.date, policy: Policy) -> str | None:
    if not isinstance(verdict, Verdict):
        return f"{verdict!r} is not a lifecycle.Verdict"
    due = verdict.due
    name = getattr(policy, "name", None)
    if isinstance(policy, Playbook):  # one verdict per step, PLAYBOOK.STEP
        if verdict.policy not in policy.names:
            return f"a verdict names policy {verdict.policy!r}, not a step of {name!r}"
    elif isinstance(name, str) and not isinstance(policy, PolicySet) and verdict.policy != name:
        return f"a verdict names policy {verdict.policy!r}, not {name!r}"
    if verdict.status is Status.DUE and due is not None and due > as_of:
        return f"{verdict.policy} is due on {due.isoformat()}, after the as-of date"
    if verdict.status is Status.UPCOMING and due is not None and due <= as_of:
        return f"{verdict.policy} is upcoming on {due.isoformat()}, which has come"
    return None


def _names(verdicts: Iterable[Verdict]) -> list[str]:
    return [f"{v.policy} ({v.status.value})" for v in verdicts]


def _deterministic(trial: _Trial) -> None:
    first = trial.verdicts(trial.book, trial.as_of)
    again = trial.verdicts(trial.book, trial.as_of)
    if first != again:
        raise trial.fail(
            "deterministic", "two evaluations of the same book gave different verdicts"
        )
    # The same book, built again from its parts in another order.
    rebuilt = Book(reversed(trial.book.customers), reversed(list(trial.book.touchpoints())))
    if trial.verdicts(rebuilt, trial.as_of) != first:
        raise trial.fail(
            "deterministic", "an equal book built in another order gave other verdicts"
        )


#: Touchpoints the "no peeking" law adds after the as-of date, one of each.
_FUTURE: tuple[tuple[str, str, int | None], ...] = (
    ("purchase", "inbound", None),
    ("complaint", "inbound", None),
    ("resolution", "outbound", None),
    ("nps", "inbound", 0),
    ("health_check", "outbound", None),
    ("onboarding", "outbound", None),
    ("referral", "inbound", None),
    ("renewal", "inbound", None),
    ("anniversary", "outbound", None),
    ("check_in", "outbound", None),
)


def _with_future(book: Book, as_of: dt.date) -> Book:
    """*book* plus, for every customer, one touchpoint of several kinds the next day."""
    later = as_of + dt.timedelta(days=1)
    added = [
        Touchpoint(
            id=f"~future-{customer.id}-{i}",
            customer_id=customer.id,
            at=dt.datetime.combine(later, dt.time(12), tzinfo=customer.timezone),
            channel="phone",
            kind=kind,
            direction=direction,
            score=score,
        )
        for customer in book
        for i, (kind, direction, score) in enumerate(_FUTURE)
    ]
    # Ids of the book's own touchpoints may collide with ours only by design; skip those.
    taken = {tp.id for tp in book.touchpoints()}
    return book.with_touchpoints(tp for tp in added if tp.id not in taken)


def _fresh(policy: Policy) -> Policy:
    """A deep copy of *policy*, or the policy itself if it cannot be copied."""
    try:
        return copy.deepcopy(policy)
    except Exception:
        return policy


def _no_peeking(trial: _Trial) -> None:
    reference = trial.verdicts(trial.book, trial.as_of, _fresh(trial.policy))
    future = _with_future(trial.book, trial.as_of)
    # Evaluated on a later date first: a policy that remembers what it saw then leaks it.
    trial.verdicts(future, trial.as_of + dt.timedelta(days=400))
    seen = trial.verdicts(future, trial.as_of)
    if seen != reference:
        changed = sorted({v.policy for v in seen} ^ {v.policy for v in reference}) or _diff(
            seen, reference
        )
        raise trial.fail(
            "no_peeking",
            "touchpoints after the as-of date (or an evaluation on a later date) "
            f"changed its verdicts: {changed}",
        )


def _diff(a: list[Verdict], b: list[Verdict]) -> list[str]:
    return [
        f"{x.policy}: {x.status.value} vs {y.status.value}"
        for x, y in zip(a, b, strict=False)
        if x != y
    ]


def _do_not_contact(trial: _Trial) -> None:
    quiet = {c.id for c in trial.book if c.do_not_contact}
    everyone_quiet = trial.book.with_customers(
        attrs.evolve(c, do_not_contact=True) for c in trial.book
    )
    for book, ids in ((trial.book, quiet), (everyone_quiet, {c.id for c in trial.book})):
        agenda = trial.agenda([trial.policy], book)
        acted = sorted(
            {a.customer_id for a in agenda.actions}
            | {h.action.customer_id for h in agenda.held_back}
        )
        wrong = [cid for cid in acted if cid in ids]
        if wrong:
            raise trial.fail(
                "do_not_contact", f"the agenda acts on do-not-contact customers {wrong}"
            )


def _decided(trial: _Trial, due_shift: int, suffix: str = "") -> list[Decision]:
    """A done decision on each action of the agenda (and held back), recorded on the as-of day."""
    agenda = trial.agenda([trial.policy])
    made = []
    for number, action in enumerate([*agenda.actions, *(h.action for h in agenda.held_back)]):
        zone = trial.book.customer(action.customer_id).timezone
        made.append(
            Decision(
                id=f"law-{number}{suffix}",
                customer_id=action.customer_id,
                policy=action.policy,
                due=action.due + dt.timedelta(days=due_shift),
                outcome="done",
                at=dt.datetime.combine(trial.as_of, dt.time(12), tzinfo=zone),
            )
        )
    return made


def _shown(agenda: Agenda) -> list[tuple[str, str, dt.date]]:
    everything = [*agenda.actions, *(h.action for h in agenda.held_back)]
    return sorted((a.customer_id, a.policy, a.due) for a in everything)


def _decisions(trial: _Trial) -> None:
    before = trial.agenda([trial.policy])
    if not before.actions:
        return
    done = _decided(trial, 0)
    closed = trial.agenda([trial.policy], trial.book.with_decisions(done))
    still = set(_shown(closed)) & {(d.customer_id, d.policy, d.due) for d in done}
    if still:
        raise trial.fail("decisions", f"actions decided done still show: {sorted(still)}")
    twice = trial.book.with_decisions([*done, *_decided(trial, 0, "-again")])
    if _shown(trial.agenda([trial.policy], twice)) != _shown(closed):
        raise trial.fail("decisions", "recording the same decisions twice changed the agenda")
    elsewhere = trial.book.with_decisions(_decided(trial, -1))
    if _shown(trial.agenda([trial.policy], elsewhere)) != _shown(before):
        raise trial.fail(
            "decisions", "decisions on other occurrences (other due dates) changed the agenda"
        )


#: What closes a due verdict, as the fulfilment law plays it: kind, direction, channel.
_Closing = tuple[Kind, Direction, Channel]


def _fulfilment_of(trial: _Trial, verdict: Verdict) -> _Closing | None:
    if trial.fulfil is not None:
        hint = trial.fulfil(verdict)
        return None if hint is None else (to_kind(hint[0]), to_direction(hint[1]), Channel.PHONE)
    members = trial.policy.policies if isinstance(trial.policy, PolicySet) else (trial.policy,)
    for member in members:
        way: Fulfilment | None
        if isinstance(member, Playbook) and verdict.policy in member.names:
            way = member.steps[member.names.index(verdict.policy)].fulfilled_by
        elif isinstance(member, RulePolicy) and member.name == verdict.policy:
            way = member.fulfilled_by
        else:
            continue
        if way is None:
            return None
        kind = way.kinds[0] if way.kinds else Kind.CHECK_IN
        channel = min(way.channels) if way.channels else Channel.PHONE
        return kind, way.direction or Direction.OUTBOUND, channel
    return None


def _fulfilment(trial: _Trial) -> None:
    as_of = trial.as_of
    for customer, timeline in trial.book.items():
        visible = timeline.until(as_of)
        for verdict in trial.ask(customer, visible, as_of):
            if verdict.status is not Status.DUE:
                continue
            hint = _fulfilment_of(trial, verdict)
            done = _closing(customer, visible.last(), hint, as_of)
            if done is None:
                continue
            book = trial.book.with_touchpoints([done])
            after = book.timeline(customer.id).until(as_of)
            # The same action: same policy, same due date. A new action the
            # touchpoint itself starts is another one: due on another day, or
            # anchored on that touchpoint ("on the day of the last contact").
            again = [
                v
                for v in trial.ask(customer, after, as_of)
                if v.policy == verdict.policy
                and v.status is Status.DUE
                and v.due == verdict.due
                and v.facts.get("anchor_touchpoint") != done.id
            ]
            if again:
                raise trial.fail(
                    "fulfilment",
                    f"{verdict.policy} for {customer.id} is still due after an "
                    f"{done.direction.value} {done.kind.name} on {as_of.isoformat()} "
                    f"(reason: {verdict.reason})",
                )


def _closing(
    customer: Customer,
    latest: Touchpoint | None,
    hint: _Closing | None,
    as_of: dt.date,
) -> Touchpoint | None:
    """The touchpoint that does what a due verdict asks, at the end of the as-of day."""
    if hint is None:
        return None
    at = dt.datetime.combine(as_of, dt.time(23, 59, 59), tzinfo=customer.timezone)
    if latest is not None and latest.at >= at:  # no room after the last touchpoint that day
        return None
    kind, direction, channel = hint
    return Touchpoint(
        id=f"~fulfil-{customer.id}-{kind.name}",
        customer_id=customer.id,
        at=at,
        channel=channel,
        kind=kind,
        direction=direction,
    )


def _order_independent(trial: _Trial) -> None:
    if not trial.others:
        return
    before = trial.agenda([trial.policy, *trial.others])
    after = trial.agenda([*trial.others, trial.policy])
    if before != after:
        raise trial.fail(
            "order_independent",
            "the agenda changed when the policy came after the others instead of before",
        )


def _honest_change(trial: _Trial) -> None:
    as_of = trial.as_of
    for customer, timeline in trial.book.items():
        visible = timeline.until(as_of)
        try:
            if trial.calendar is None:
                change = next_change(trial.policy, customer, visible, as_of)
            else:
                context = trial.context(customer, visible, as_of)
                change = evaluator(trial.policy).evaluate(context, due_only=False, changes=True)[1]
        except InvalidValueError as e:
            raise trial.fail("next_change", str(e)) from e
        last = as_of + dt.timedelta(days=366) if change is None else change - dt.timedelta(days=1)
        if last <= as_of:
            continue
        before = trial.ask(customer, visible, as_of)
        # The first and last quiet days, and one between: a late date shows on the last.
        for day in sorted({as_of + dt.timedelta(days=1), as_of + (last - as_of) // 2, last}):
            after = trial.ask(customer, visible, day)
            if after != before:
                said = "never" if change is None else change.isoformat()
                raise trial.fail(
                    "next_change",
                    f"for customer {customer.id!r} next_change said {said}, but on "
                    f"{day.isoformat()} (same touchpoints) the verdicts differ: "
                    + "; ".join(_diff(before, after)),
                )


#: The laws every well-behaved policy obeys, in the order `check_laws` tries them.
LAWS: tuple[Law, ...] = (
    Law("total", "Gives verdicts for every valid book and date without raising.", _total),
    Law(
        "well_formed",
        "Gives Verdict objects: named after the policy, due ones due by the as-of date, "
        "upcoming ones after it, names unique; due_verdicts (if offered) gives exactly "
        "the due ones.",
        _well_formed,
    ),
    Law(
        "deterministic",
        "The same book and date give the same verdicts, however the book was built.",
        _deterministic,
    ),
    Law(
        "no_peeking",
        "Never looks past the as-of date: later touchpoints, or an evaluation on a later "
        "date first, change nothing.",
        _no_peeking,
    ),
    Law(
        "do_not_contact",
        "Through the engine, a do-not-contact customer is never acted on.",
        _do_not_contact,
    ),
    Law(
        "fulfilment",
        "Doing what a due action asks (the touchpoint that fulfils it, at the end of the "
        "as-of day) removes the action: no verdict of that policy stays due on that due date, "
        "but one anchored on that touchpoint (a new action it starts); "
        "a fulfilment window that opens only after the due date breaks it.",
        _fulfilment,
    ),
    Law(
        "decisions",
        "Through the engine, a done decision on a due action closes it (on the agenda and "
        "held back), the same decision recorded twice changes nothing more, and decisions "
        "on other occurrences (other due dates) change nothing.",
        _decisions,
    ),
    Law(
        "order_independent",
        "Combined with other policies, the agenda is the same whatever their order.",
        _order_independent,
    ),
    Law(
        "next_change",
        "The date next_change gives (see lifecycle.next_change) is never late: before it, "
        "with the same touchpoints, the verdicts stay the same.",
        _honest_change,
    ),
)


def _others(policy: Policy, others: Iterable[Policy] | None) -> tuple[Policy, ...]:
    chosen = tuple(policy_set(starter_pack() if others is None else others))
    mine = {getattr(p, "name", None) for p in policy_set(policy)}
    return tuple(p for p in chosen if getattr(p, "name", None) not in mine)


def _laws(names: Iterable[str] | None) -> tuple[Law, ...]:
    if names is None:
        return LAWS
    known = {law.name: law for law in LAWS}
    chosen = []
    for name in names:
        if name not in known:
            raise InvalidValueError("laws", name, f"is not a law (laws: {', '.join(known)})")
        chosen.append(known[name])
    return tuple(chosen)


def check_laws(
    policy: Policy,
    book: Book,
    as_of: dt.date,
    *,
    others: Iterable[Policy] | None = None,
    engine: Callable[[Sequence[Policy]], AgendaMaker] = Engine,
    fulfil: Fulfil | None = None,
    laws: Iterable[str] | None = None,
    calendar: Calendar | None = None,
) -> None:
    """Check the laws on one book and date: for your own ``@given`` tests.

    Takes the same options as `check_policy`, which calls it on generated
    books; call it yourself when your test already draws books and dates.
    With a *calendar*, the policy is asked as the engine asks it, with each
    customer's calendar (see `lifecycle.Engine.context`).

    Raises:
        PolicyContractError: naming the first law broken.
        InvalidValueError: for an unknown law name.

    Examples:
        >>> import lifecycle as lc
        >>> check_laws(lc.starter_pack(), lc.sample_book(), lc.SAMPLE_AS_OF)
    """
    if calendar is not None and engine is Engine:
        engine = functools.partial(Engine, calendar=calendar)
    trial = _Trial(
        policy=policy,
        book=book,
        as_of=as_of,
        others=_others(policy, others),
        engine=engine,
        fulfil=fulfil,
        calendar=calendar,
    )
    for law in _laws(laws):
        law._check(trial)


#: The settings `check_policy` adds to the current profile, or to the settings
#: given where they keep the profile's value: no deadline (an agenda over a book
#: takes as long as it takes) and one bug reported, shrunk.
_KIT_SETTINGS: dict[str, Any] = {
    "deadline": None,
    # The explain phase replays a failure many times over; the message says enough.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    "report_multiple_bugs": False,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _with_kit_settings(given: hypothesis.settings | None) -> hypothesis.settings:
    """*given* (or the current profile), with the kit's settings where it keeps the profile's.

    ``settings(max_examples=20)`` inherits the profile's deadline; without
    this, passing it would bring back the deadline the kit turns off.
    """
    if given is None:
        return hypothesis.settings(**_KIT_SETTINGS)
    profile = hypothesis.settings()
    kept = {
        name: value
        for name, value in _KIT_SETTINGS.items()
        if getattr(given, name) == getattr(profile, name)
    }
    return hypothesis.settings(given, **kept)


def check_policy(
    policy: Policy,
    *,
    books: st.SearchStrategy[Book] | None = None,
    dates: st.SearchStrategy[dt.date] | None = None,
    others: Iterable[Policy] | None = None,
    engine: Callable[[Sequence[Policy]], AgendaMaker] = Engine,
    fulfil: Fulfil | None = None,
    laws: Iterable[str] | None = None,
    settings: hypothesis.settings | None = None,
    calendar: Calendar | st.SearchStrategy[Calendar] | None = None,
) -> None:
    """Check that *policy* obeys every law of the contract, on generated books.

    Call it from a plain test function (not from inside a ``@given`` test:
    use `check_laws` there). It draws a date, then a book with every
    stewardship situation planted relative to that date, checks each law in
    `LAWS`, and on failure raises the error for the smallest book Hypothesis
    can shrink it to.

    Args:
        policy: Any policy: one made of building blocks, a set, or your own
            object meeting the `lifecycle.Policy` protocol.
        books: Strategy for books (default: ``books(situations=True,
            as_of=<the drawn date>)``, up to 3 random customers besides).
        dates: Strategy for the as-of date (default: 2024 to 2026).
        others: The policies it is combined with for the order law (default:
            the starter pack; policies sharing a name with *policy* are left out).
        engine: What turns policies into an agenda (default `lifecycle.Engine`);
            pass your own wrapper to hold it to the do-not-contact law.
        fulfil: For your own policy classes: given a due verdict, the kind and
            direction of a touchpoint that fulfils it (``None``: nothing does).
            Building-block policies need none: their ``fulfilled_by`` says it.
        laws: Check only these laws (names from `LAWS`).
        calendar: The working days the policy is checked with: a `Calendar`,
            or a strategy for one (such as `calendars`), drawn per example.
            The default engine gets it; your own *engine* must use the
            same calendar (its ``agenda`` is compared with the verdicts).
        settings: Hypothesis settings (default: the current profile). Where
            they keep the profile's deadline, phases, health checks or
            multiple-bug report, the kit's apply instead: no deadline, one
            bug reported. Set one of these to another value to keep yours.

    Raises:
        PolicyContractError: naming the law broken, the shrunk book and the date.
        InvalidValueError: for an unknown law name.

    Examples:
        >>> import lifecycle as lc
        >>> from hypothesis import settings
        >>> check_policy(lc.starter_pack(), settings=settings(max_examples=5))
    """
    chosen_laws = _laws(laws)
    day_strategy = (
        dates
        if dates is not None
        else local_dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))
    )
    chosen = _with_kit_settings(settings)

    @chosen
    @given(st.data())
    def check(data: st.DataObject) -> None:
        as_of = data.draw(day_strategy, label="as_of")
        book_strategy = (
            books
            if books is not None
            else _books(max_customers=3, max_touchpoints=12, situations=True, as_of=as_of)
        )
        book = data.draw(book_strategy, label="book")
        working = (
            data.draw(calendar, label="calendar")
            if isinstance(calendar, st.SearchStrategy)
            else calendar
        )
        # A fresh copy per example: state a policy keeps must not leak from one
        # example into the next (Hypothesis replays examples while shrinking).
        check_laws(
            _fresh(policy),
            book,
            as_of,
            others=None if others is None else [_fresh(p) for p in others],
            engine=engine,
            fulfil=fulfil,
            laws=[law.name for law in chosen_laws],
            calendar=working,
        )

    check()
