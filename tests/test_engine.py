"""The engine: the agenda's guarantees, as properties over generated books, and its edges."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

STARTER = lc.starter_pack()
ENGINE = lc.Engine(STARTER)
UNCAPPED = lc.Engine(STARTER, cap=None)
BOOKS = lct.books(max_customers=5, max_touchpoints=25)
DATES = lct.local_dates()


@given(BOOKS, DATES)
def test_the_agenda_is_deterministic(book: lc.Book, as_of: dt.date):
    """The same book and date give the same agenda, however the book was put together."""
    again = lc.Book(reversed(book.customers), reversed(list(book.touchpoints())))
    assert ENGINE.agenda(book, as_of) == ENGINE.agenda(again, as_of)


@given(BOOKS, DATES, st.data())
def test_the_future_is_invisible(book: lc.Book, as_of: dt.date, data: st.DataObject):
    """Adding touchpoints whose local date is after as_of changes nothing (time travel)."""
    assume(len(book) > 0)
    owner = data.draw(st.sampled_from(book.customer_ids))
    zone = book.customer(owner).timezone
    later = data.draw(
        st.lists(
            lct.touchpoints(
                customer_id=owner, ids=st.from_regex(r"future-[0-9]{1,4}", fullmatch=True)
            ),
            max_size=4,
            unique_by=lambda t: t.id,
        )
    )
    later = [t for t in later if t.local_date(zone) > as_of]
    assert ENGINE.agenda(book.with_touchpoints(later), as_of) == ENGINE.agenda(book, as_of)


@given(BOOKS, DATES, st.integers(1, 3))
def test_the_cap_never_loses_an_action(book: lc.Book, as_of: dt.date, cap: int):
    """Every due action is either shown or held back: due = shown + held back."""
    capped = lc.Engine(STARTER, cap=cap).agenda(book, as_of)
    everything = UNCAPPED.agenda(book, as_of)
    shown_and_held = sorted(
        [*capped, *(h.action for h in capped.held_back)], key=lambda a: (a.customer_id, a.policy)
    )
    assert shown_and_held == sorted(everything, key=lambda a: (a.customer_id, a.policy))
    for customer_id in book.customer_ids:
        assert len(capped.for_customer(customer_id)) <= cap


@given(BOOKS, DATES)
def test_do_not_contact_customers_never_get_an_action(book: lc.Book, as_of: dt.date):
    """Nobody who asked not to be contacted is on the agenda; each is listed as skipped."""
    agenda = ENGINE.agenda(book, as_of)
    quiet = {c.id for c in book if c.do_not_contact}
    assert quiet.isdisjoint(a.customer_id for a in agenda)
    assert quiet.isdisjoint(h.action.customer_id for h in agenda.held_back)
    assert quiet <= {s.customer_id for s in agenda.skipped if s.reason == "do_not_contact"}


@given(BOOKS, DATES)
def test_the_order_is_priority_due_date_customer(book: lc.Book, as_of: dt.date):
    """Actions are sorted by priority, then due date, then customer id, and are all due."""
    agenda = ENGINE.agenda(book, as_of)
    keys = [(a.priority, a.due, a.customer_id, a.policy) for a in agenda]
    assert keys == sorted(keys)
    assert all(a.due <= as_of and a.overdue_days == (as_of - a.due).days for a in agenda)
    assert all(a.reason for a in agenda)


# What closes each starter action, as a touchpoint added on the as-of date.
CLOSERS = {
    "detractor_recovery": ("check_in", "outbound"),
    "renewal": ("renewal", "inbound"),
    "welcome": ("onboarding", "outbound"),
    "onboarding_review": ("health_check", "outbound"),
    "promoter_referral": ("referral", "inbound"),
    "anniversary": ("anniversary", "outbound"),
    "complaint_follow_up": ("resolution", "outbound"),
    "health_check": ("health_check", "outbound"),
}


@given(BOOKS, DATES)
def test_doing_what_the_reason_asks_removes_the_action(book: lc.Book, as_of: dt.date):
    """Adding the touchpoint an action calls for, late on the as-of date, takes it off the agenda."""
    agenda = UNCAPPED.agenda(book, as_of)
    assume(any(a.policy in CLOSERS for a in agenda))
    action = next(a for a in agenda if a.policy in CLOSERS)
    customer = book.customer(action.customer_id)
    kind, direction = CLOSERS[action.policy]
    # The last minute of the local day, so it is after every touchpoint already seen.
    local = dt.datetime.combine(as_of, dt.time(23, 59, 59, 999999), tzinfo=customer.timezone)
    done = lc.Touchpoint(
        id="closing-touchpoint",
        customer_id=customer.id,
        at=local,
        kind=kind,
        channel="phone",
        direction=direction,
    )
    assume("closing-touchpoint" not in {t.id for t in book.touchpoints()})
    after = UNCAPPED.agenda(book.with_touchpoints([done]), as_of)
    assert action.policy not in {a.policy for a in after.for_customer(customer.id)}


# -- examples ----------------------------------------------------------------------------

D = dt.date(2026, 3, 1)


def customer(cid: str, **changes: object) -> lc.Customer:
    return lc.Customer(id=cid, name=cid, since=dt.date(2025, 1, 1), **changes)  # type: ignore[arg-type]


def touch(tid: str, cid: str, days_ago: int, kind: str, **changes: object) -> lc.Touchpoint:
    fields: dict[str, object] = {"channel": "email", "direction": "inbound"}
    fields.update(changes)
    return lc.Touchpoint(
        id=tid,
        customer_id=cid,
        at=dt.datetime.combine(D - dt.timedelta(days=days_ago), dt.time(12), tzinfo=dt.UTC),
        kind=kind,
        **fields,  # type: ignore[arg-type]
    )


def test_cap_keeps_the_lowest_priorities_and_holds_back_the_rest_with_why():
    """Cap 2: priorities 1 and 2 kept; the rest held back naming what was kept."""
    book = lc.Book(
        [customer("c")],
        [
            touch("p", "c", 35, "purchase"),  # welcome and onboarding_review due
            touch("k", "c", 10, "complaint"),  # complaint_follow_up
            touch("n", "c", 9, "nps", score=2),  # detractor_recovery
        ],
    )
    agenda = ENGINE.agenda(book, D)
    assert [a.policy for a in agenda] == ["complaint_follow_up", "detractor_recovery"]
    held = [h.action.policy for h in agenda.held_back]
    assert held == ["welcome", "onboarding_review"]
    assert agenda.held_back[0].reason == (
        "cap of 2 actions per customer reached; kept complaint_follow_up, detractor_recovery"
    )


def test_cap_ties_break_on_due_date_then_policy_name():
    """Same priority: the earlier due date is kept; same date too: the policy name decides."""
    first = lc.policy("b_first", priority=5, anchor=lc.first("purchase"), offset=lc.days(1))
    later = lc.policy("a_later", priority=5, anchor=lc.first("purchase"), offset=lc.days(2))
    same_b = lc.policy("b_same", priority=6, anchor=lc.first("purchase"))
    same_a = lc.policy("a_same", priority=6, anchor=lc.first("purchase"))
    book = lc.Book([customer("c")], [touch("p", "c", 10, "purchase")])
    agenda = lc.Engine([later, first], cap=1).agenda(book, D)
    assert [a.policy for a in agenda] == ["b_first"]
    agenda = lc.Engine([same_b, same_a], cap=1).agenda(book, D)
    assert [a.policy for a in agenda] == ["a_same"]


def test_customers_sort_in_code_point_order_among_equals():
    """C10 before C9 when priority and due date tie."""
    book = lc.Book(
        [customer("C9"), customer("C10")],
        [touch("a", "C9", 60, "inquiry"), touch("b", "C10", 60, "inquiry")],
    )
    assert [a.customer_id for a in ENGINE.agenda(book, D)] == ["C10", "C9"]


def test_suggested_channel_is_the_preference_else_the_most_used():
    """Preferred channel wins; else the most used (ties: the Channel order); else none."""
    book = lc.Book(
        [customer("a", preferred_channel="meeting"), customer("b"), customer("c")],
        [
            touch("1", "a", 60, "inquiry"),
            touch("2", "b", 61, "inquiry", channel="chat"),
            touch("3", "b", 60, "inquiry", channel="chat"),
            touch("4", "b", 62, "inquiry", channel="phone"),
        ],
    )
    channels = {a.customer_id: a.channel for a in ENGINE.agenda(book, D)}
    assert channels == {"a": lc.Channel.MEETING, "b": lc.Channel.CHAT}
    # A customer with no touchpoints and no preference gets no suggestion.
    anniversary_only = lc.Engine(
        [lc.policy("hello", priority=1, anchor=lc.policies.customer_since())]
    )
    assert anniversary_only.agenda(book, D).for_customer("c")[0].channel is None


def test_an_agenda_for_a_past_date_shows_what_was_due_then():
    """Time is a parameter: as of an earlier date, later touchpoints do not exist."""
    book = lc.Book(
        [customer("c")], [touch("p", "c", 20, "purchase"), touch("o", "c", 5, "onboarding")]
    )
    assert "welcome" in {a.policy for a in ENGINE.agenda(book, D - dt.timedelta(days=6))}
    assert "welcome" not in {a.policy for a in ENGINE.agenda(book, D)}


def test_explain_gives_every_verdict_and_what_the_agenda_did():
    """explain: all nine verdicts, which are on the agenda, which held back, readable text."""
    book = lc.Book(
        [customer("c")],
        [
            touch("p", "c", 35, "purchase"),
            touch("k", "c", 10, "complaint"),
            touch("n", "c", 9, "nps", score=2),
        ],
    )
    explanation = ENGINE.explain(book, "c", D)
    assert [v.policy for v in explanation.verdicts] == [p.name for p in STARTER]  # type: ignore[attr-defined]
    assert [a.policy for a in explanation.actions] == ["complaint_follow_up", "detractor_recovery"]
    assert len(explanation.held_back) == 2
    text = str(explanation)
    assert "welcome              due: held back (cap)" in text
    assert "anniversary          due: on the agenda" not in text
    facts = explanation.verdicts[1].facts
    assert facts["anchor_touchpoint"] == "n"
    assert facts["due"] == D - dt.timedelta(days=6)


def test_explain_a_skipped_customer():
    """A skipped customer still shows every verdict, and why nothing is on the agenda."""
    book = lc.Book([customer("c", do_not_contact=True)], [touch("k", "c", 10, "complaint")])
    explanation = ENGINE.explain(book, "c", D)
    assert explanation.skipped is not None
    assert explanation.actions == ()
    assert "due: skipped" in str(explanation)
    assert "skipped: c asked not to be contacted" in str(explanation)


def _policies_by_day(forecast: lc.Forecast) -> dict[dt.date, list[str]]:
    """The policies of the actions listed on each day that lists any."""
    return {day: [a.policy for a in actions] for day, actions in forecast.days.items() if actions}


def test_forecast_lists_what_comes_due_each_day():
    """forecast: each action appears on the day it comes due, before the cap."""
    book = lc.Book([customer("c")], [touch("p", "c", 3, "purchase")])
    forecast = ENGINE.forecast(book, D, D + dt.timedelta(days=30))
    by_day = _policies_by_day(forecast)
    assert by_day == {
        D + dt.timedelta(days=4): ["welcome"],
        D + dt.timedelta(days=27): ["onboarding_review"],
    }
    assert forecast.counts()[D + dt.timedelta(days=4)] == {"welcome": 1}
    with pytest.raises(lc.InvalidValueError, match="is before start"):
        ENGINE.forecast(book, D, D - dt.timedelta(days=1))


def test_forecast_sees_a_touchpoint_dated_ahead_from_its_day():
    """A purchase dated inside the range counts from its day: its follow-up is listed."""
    welcome = lc.policy("welcome_call", priority=2, anchor=lc.first("purchase"), offset=lc.days(2))
    book = lc.Book([customer("c")], [touch("p", "c", -5, "purchase")])
    forecast = lc.Engine([welcome]).forecast(book, D, D + dt.timedelta(days=10))
    by_day = _policies_by_day(forecast)
    assert by_day == {D + dt.timedelta(days=7): ["welcome_call"]}


def test_forecast_lists_a_churned_customer_again_once_it_buys_again():
    """Skipped as churned until a purchase dated inside the range; then its follow-up counts."""
    back = lc.policy("welcome_back", priority=2, anchor=lc.last("purchase"), offset=lc.days(2))
    book = lc.Book(
        [customer("c")], [touch("x", "c", 10, "cancellation"), touch("p", "c", -3, "purchase")]
    )
    forecast = lc.Engine([back]).forecast(book, D, D + dt.timedelta(days=10))
    by_day = _policies_by_day(forecast)
    assert by_day == {D + dt.timedelta(days=5): ["welcome_back"]}


def test_forecast_by_owner_counts_each_owners_actions_per_day():
    """by_owner: per day, how many actions come due per owner; None counts the unowned."""
    book = lc.Book(
        [customer("a", owner="alice"), customer("b", owner="alice"), customer("c")],
        [touch(f"p{c}", c, 3 - (c == "c"), "purchase") for c in "abc"],
    )
    forecast = ENGINE.forecast(book, D, D + dt.timedelta(days=5))
    by_owner = forecast.by_owner()
    assert list(by_owner) == list(forecast.days)
    assert by_owner[D + dt.timedelta(days=4)] == {"alice": 2}
    assert by_owner[D + dt.timedelta(days=5)] == {None: 1}
    assert by_owner[D] == {}


@given(BOOKS, DATES)
def test_forecast_agrees_with_the_daily_agendas(book: lc.Book, start: dt.date):
    """What the forecast lists for a day is what that day's uncapped agenda has due that day."""
    end = start + dt.timedelta(days=3)
    forecast = ENGINE.forecast(book, start, end)
    for day, actions in forecast.days.items():
        agenda = UNCAPPED.agenda(book, day)
        assert list(actions) == [a for a in agenda if a.due == day]


def test_bad_arguments_are_refused():
    """A bad cap, a non-policy, a datetime for a date, duplicate names: clear errors."""
    with pytest.raises(lc.InvalidValueError, match="cap"):
        lc.Engine(STARTER, cap=0)
    with pytest.raises(lc.InvalidValueError, match="is not a policy"):
        lc.Engine([object()])  # type: ignore[list-item]
    with pytest.raises(lc.InvalidValueError, match="as_of"):
        ENGINE.agenda(lc.Book(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(lc.InvalidValueError, match="share a name"):
        lc.Engine([STARTER, lc.policy("welcome", priority=1, anchor=lc.policies.customer_since())])


def test_engine_repr_and_policies():
    """The engine says what it holds."""
    assert repr(ENGINE) == "Engine(9 policies, cap=2)"
    assert len(ENGINE.policies) == 9


def test_an_engine_is_frozen_and_changed_with_evolve():
    """Setting a field raises; attrs.evolve makes another engine, checked like a new one."""
    engine = lc.Engine(STARTER)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        engine.cap = 1  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        engine.skip_churned = False  # type: ignore[misc]
    tighter = attrs.evolve(engine, cap=1)
    assert (tighter.cap, engine.cap) == (1, 2)
    assert tighter.policies == engine.policies
    assert tighter != engine
    assert attrs.evolve(engine) == engine
    with pytest.raises(lc.InvalidValueError, match="cap"):
        attrs.evolve(engine, cap=0)


def test_an_incremental_agenda_keeps_the_engine_it_was_built_with():
    """Evolving the engine afterwards cannot make the incremental agenda disagree."""
    engine = lc.Engine(STARTER, cap=2)
    book = lc.sample_book()
    live = lc.IncrementalAgenda(engine, book, lc.SAMPLE_AS_OF)
    tighter = attrs.evolve(engine, cap=1)
    # The change would show: the sample book has customers with two due actions.
    assert tighter.agenda(book, lc.SAMPLE_AS_OF) != engine.agenda(book, lc.SAMPLE_AS_OF)
    assert live.engine is engine
    tomorrow = lc.SAMPLE_AS_OF + dt.timedelta(days=1)
    for day in (lc.SAMPLE_AS_OF, tomorrow):
        assert live.agenda(day) == engine.agenda(live.book, day)


def test_a_plain_class_meeting_the_protocol_is_a_policy():
    """No base class: a verdicts method is enough."""

    @attrs.frozen
    class Birthday:
        def verdicts(
            self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
        ) -> list[lc.Verdict]:
            due = customer.since.replace(year=as_of.year)
            status = lc.Status.DUE if due <= as_of else lc.Status.UPCOMING
            return [
                lc.Verdict(
                    policy="birthday",
                    priority=3,
                    status=status,
                    due=due,
                    reason=f"since {customer.since}",
                )
            ]

    agenda = lc.Engine([Birthday()]).agenda(lc.Book([customer("c")]), D)
    assert [(a.policy, a.due) for a in agenda] == [("birthday", dt.date(2026, 1, 1))]


def test_churned_customers_can_be_kept():
    """skip_churned=False keeps churned customers on the agenda (do-not-contact still skipped)."""
    book = lc.Book([customer("c")], [touch("x", "c", 70, "cancellation")])
    assert ENGINE.agenda(book, D).skipped[0].reason == "churned"
    keeping = lc.Engine(STARTER, skip_churned=False).agenda(book, D)
    assert keeping.skipped == ()
    assert [a.policy for a in keeping] == ["reconnect"]


@given(BOOKS, DATES)
def test_the_due_only_path_equals_filtering_all_verdicts(book: lc.Book, as_of: dt.date):
    """due_verdicts (the agenda's shortcut) gives exactly the due verdicts of verdicts (explain's)."""
    restricted = lc.restrict(STARTER, lc.policies.segment("smb") | lc.policies.in_stage("active"))
    for policy in (STARTER, restricted, *STARTER):
        for customer, timeline in book.items():
            visible = timeline.until(as_of)
            full = [
                v for v in policy.verdicts(customer, visible, as_of) if v.status is lc.Status.DUE
            ]
            assert list(policy.due_verdicts(customer, visible, as_of)) == full


@attrs.frozen
class AlsoWelcome:
    """A plain-class policy that (wrongly) reuses a starter policy's name."""

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        return [
            lc.Verdict(policy="welcome", priority=1, status=lc.Status.DUE, due=as_of, reason="also")
        ]


def test_a_name_clash_from_a_nameless_policy_is_caught_when_evaluated():
    """Names a policy does not declare are checked on its verdicts, naming the clash."""
    engine = lc.Engine([STARTER, AlsoWelcome()])
    book = lc.Book([customer("c")], [touch("p", "c", 10, "purchase")])
    with pytest.raises(lc.InvalidValueError, match=r"\['welcome'\].*share a name"):
        engine.explain(book, "c", D)
    with pytest.raises(lc.InvalidValueError, match="share a name"):
        engine.agenda(book, D)


@attrs.frozen
class Thanks:
    """A plain-class policy: thank every customer on the first of the month."""

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        due = as_of.replace(day=1)
        return [
            lc.Verdict(policy="thanks", priority=9, status=lc.Status.DUE, due=due, reason="monthly")
        ]


def test_a_plain_policy_inside_a_set_is_explained_too():
    """A set hands plain-class members their turn in explain and on the agenda."""
    engine = lc.Engine([STARTER, Thanks()], cap=None)
    book = lc.Book([customer("c")])
    assert engine.explain(book, "c", D).verdicts[-1].policy == "thanks"
    # No touchpoints, and the 2026-01-01 anniversary expired: only the plain policy is due.
    assert [a.policy for a in engine.agenda(book, D)] == ["thanks"]
    restricted = lc.Engine([STARTER, lc.restrict(Thanks(), lc.policies.segment("none"))])
    assert restricted.explain(book, "c", D).verdicts[-1].status is lc.Status.NOT_APPLICABLE


@attrs.frozen
class ThanksQuickly(Thanks):
    """Thanks, with the optional due_verdicts shortcut, noting each time it is used."""

    asked: list[str] = attrs.field(factory=list)

    def due_verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        self.asked.append(customer.id)
        return self.verdicts(customer, timeline, as_of)


def test_the_agenda_asks_a_plain_policy_for_its_due_verdicts_when_it_offers_them():
    quick = ThanksQuickly()
    engine = lc.Engine([quick])
    book = lc.Book([customer("c")])
    assert [a.policy for a in engine.agenda(book, D)] == ["thanks"]
    assert quick.asked == ["c"]  # the shortcut, not verdicts filtered
    assert engine.explain(book, "c", D).verdicts[0].policy == "thanks"
    assert quick.asked == ["c"]  # explain asks for every verdict


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": lc.Status.DUE, "due": None}, "a due verdict needs a due date"),
        ({"status": "overdue"}, "'overdue': is not one of"),
        ({"due": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, "calendar date"),
        ({"priority": "1"}, "whole number"),
        ({"reason": ""}, "a sentence"),
        ({"policy": " x"}, "white space"),
    ],
)
def test_malformed_verdicts_from_custom_policies_are_refused(
    fields: dict[str, object], message: str
):
    """A plain-class policy's verdict is checked where it is made, naming the field."""
    good: dict[str, object] = {
        "policy": "x", "priority": 1, "status": lc.Status.DUE, "due": D, "reason": "because",
    }  # fmt: skip
    with pytest.raises(lc.InvalidValueError, match=message):
        lc.Verdict(**(good | fields))  # type: ignore[arg-type]
    assert lc.Verdict(**(good | {"status": "not_applicable", "due": None})).due is None  # type: ignore[arg-type]


def test_the_agenda_restores_the_garbage_collector():
    """The collector is paused while the agenda is worked out and left as it was found."""
    import gc  # noqa: PLC0415

    engine = lc.Engine(lc.starter_pack())
    assert gc.isenabled()
    engine.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
    assert gc.isenabled()
    gc.disable()
    try:
        engine.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
        assert not gc.isenabled()
    finally:
        gc.enable()
