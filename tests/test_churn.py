"""Churn rules: the cancellation rule and churn after inactivity, wherever churn counts.

The inactivity rule's meaning (api.md, "Businesses without contracts"): a
customer is churned on date D when D is N or more days after the local date
of their last purchase (without a purchase: after ``since``); a later purchase
makes them active again. The same rule drives the agenda's skipped customers,
the stages and the retention metrics.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest

import lifecycle as lc
from lifecycle import metrics, stages
from lifecycle.churn import DEFAULT_CHURN, MAX_INACTIVE_DAYS, ChurnRule

SINCE = dt.date(2026, 1, 5)
BOUGHT = dt.date(2026, 2, 1)
RULE = lc.churn_after_inactivity(days=180)
DAY = dt.timedelta(days=1)
N = dt.timedelta(days=180)


def touch(
    tid: str, at: dt.datetime | dt.date, kind: str = "purchase", cid: str = "c"
) -> lc.Touchpoint:
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(12), tzinfo=dt.UTC)
    return lc.Touchpoint(
        id=tid, customer_id=cid, kind=kind, channel="web", direction="inbound", at=at
    )


def customer(cid: str = "c", **more: object) -> lc.Customer:
    fields: dict[str, object] = {"name": "Ada", "since": SINCE, **more}
    return lc.Customer(id=cid, **fields)  # type: ignore[arg-type]


def churned(rule: ChurnRule, who: lc.Customer, touchpoints: list[lc.Touchpoint], on: dt.date):
    timeline = lc.Timeline(touchpoints, timezone=who.timezone).until(on)
    return rule.churned(who, timeline, on)


# -- the rule on its boundaries -------------------------------------------------


def test_exactly_n_days_after_the_last_purchase_is_churned_one_day_less_is_not():
    """N days after the purchase's local date: churned; N - 1 days: not."""
    bought = [touch("t1", BOUGHT)]
    assert churned(RULE, customer(), bought, BOUGHT + N - DAY) is None
    assert churned(RULE, customer(), bought, BOUGHT + N) == (
        "c churned on 2026-07-31: no purchase in the 180 days after the last one (t1 on 2026-02-01)"
    )
    # The same sentence every later day: an incremental agenda keeps it.
    later = churned(RULE, customer(), bought, BOUGHT + N + 400 * DAY)
    assert later == churned(RULE, customer(), bought, BOUGHT + N)


def test_without_a_purchase_silence_counts_from_since():
    """No purchase: churned N days after ``since``, not a day before."""
    assert churned(RULE, customer(), [], SINCE + N - DAY) is None
    assert churned(RULE, customer(), [], SINCE + N) == (
        "c churned on 2026-07-04: no purchase in the 180 days after joining on 2026-01-05"
    )


def test_only_purchases_count():
    """Other touchpoints, inbound or ours, do not keep a customer."""
    others = [touch("t1", BOUGHT), touch("t2", BOUGHT + 170 * DAY, kind="complaint")]
    assert churned(RULE, customer(), others, BOUGHT + N) is not None
    assert RULE.kinds == frozenset({lc.Kind.PURCHASE})


def test_a_later_purchase_revives_and_the_count_starts_again():
    """Churned, then a purchase: active that day, churned again N days after it."""
    again = BOUGHT + 300 * DAY
    both = [touch("t1", BOUGHT), touch("t2", again)]
    assert churned(RULE, customer(), both, again - DAY) is not None
    assert churned(RULE, customer(), both, again) is None
    assert churned(RULE, customer(), both, again + N - DAY) is None
    assert churned(RULE, customer(), both, again + N) is not None


def test_a_purchase_after_the_date_is_not_seen():
    """The rule counts to the date: a purchase after it cannot keep the customer."""
    both = [touch("t1", BOUGHT), touch("t2", BOUGHT + N + DAY)]
    assert churned(RULE, customer(), both, BOUGHT + N) is not None


def test_the_purchase_date_is_local_to_the_customer():
    """23:30 UTC on 1 February is 2 February in Tokyo: churn a day later there."""
    late = touch("t1", dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC))
    tokyo = customer(timezone="Asia/Tokyo")
    utc = customer()
    assert churned(RULE, utc, [late], BOUGHT + N) is not None
    assert churned(RULE, tokyo, [late], BOUGHT + N) is None
    assert churned(RULE, tokyo, [late], BOUGHT + N + DAY) is not None
    # West of UTC the same instant is still 1 February.
    assert churned(RULE, customer(timezone=ZoneInfo("America/New_York")), [late], BOUGHT + N)


def test_next_change_is_the_day_of_churn_then_none():
    """Not churned: the day it churns; churned: only a purchase changes it (None)."""
    who, bought = customer(), lc.Timeline([touch("t1", BOUGHT)])
    assert RULE.next_change(who, bought, BOUGHT) == BOUGHT + N
    assert RULE.next_change(who, bought, BOUGHT + N - DAY) == BOUGHT + N
    assert RULE.next_change(who, bought, BOUGHT + N) is None
    assert RULE.next_change(who, lc.Timeline(), SINCE) == SINCE + N


def test_the_cancellation_rule_is_the_default_and_never_changes_by_date():
    """The starter pack's rule: dated changes never; the kinds it looks at."""
    who = customer()
    bye = [touch("t1", BOUGHT), touch("t2", BOUGHT + DAY, kind="cancellation")]
    assert lc.churn_on_cancellation() == DEFAULT_CHURN
    assert churned(DEFAULT_CHURN, who, bye, BOUGHT + DAY) == (
        "c churned: cancellation on 2026-02-02 (t2), no purchase or renewal since"
    )
    assert churned(DEFAULT_CHURN, who, bye[:1], BOUGHT + 4000 * DAY) is None
    assert DEFAULT_CHURN.next_change(who, lc.Timeline(bye), BOUGHT) is None
    assert lc.Kind.CANCELLATION in DEFAULT_CHURN.kinds
    assert (repr(DEFAULT_CHURN), repr(RULE)) == (
        "churn_on_cancellation()",
        "churn_after_inactivity(days=180)",
    )


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        (0, "at least 1"),
        (-5, "at least 1"),
        (1.5, "whole number"),
        (True, "whole number"),
        ("180", "whole number"),
        (MAX_INACTIVE_DAYS + 1, f"at most {MAX_INACTIVE_DAYS:,}"),
    ],
)
def test_bad_inactivity_lengths_are_refused(days: object, problem: str):
    """A length of silence is a whole number of days, 1 to MAX_INACTIVE_DAYS."""
    with pytest.raises(lc.InvalidValueError, match=problem) as caught:
        lc.churn_after_inactivity(days=days)  # type: ignore[arg-type]
    assert caught.value.field == "days"


def test_the_longest_rule_stays_within_dates():
    """MAX_INACTIVE_DAYS from the last date a book holds is still a date."""
    rule = lc.churn_after_inactivity(days=MAX_INACTIVE_DAYS)
    last = lc.limits.MAX_DATE
    assert rule.next_change(customer(since=last), lc.Timeline(), last) == last + dt.timedelta(
        days=MAX_INACTIVE_DAYS
    )


# -- the engine -----------------------------------------------------------------

SHOP = lc.Book(
    [customer("a"), customer("b"), customer("z")],
    [
        touch("a1", BOUGHT, cid="a"),
        touch("b1", BOUGHT, cid="b"),
        touch("b2", BOUGHT + 200 * DAY, cid="b"),
        touch("b3", BOUGHT + 201 * DAY, kind="cancellation", cid="b"),
    ],
)


def test_the_engine_skips_by_its_churn_rule():
    """Inactivity: a and z (no purchase) churned; b bought again. Default: b cancelled."""
    on = BOUGHT + 210 * DAY
    shop = lc.Engine(lc.starter_pack(), churn=RULE).agenda(SHOP, on)
    assert [(s.customer_id, s.reason) for s in shop.skipped] == [
        ("a", "churned"),
        ("z", "churned"),
    ]
    assert shop.skipped[1].detail == (
        "z churned on 2026-07-04: no purchase in the 180 days after joining on 2026-01-05"
    )
    contracts = lc.Engine(lc.starter_pack()).agenda(SHOP, on)
    assert [s.customer_id for s in contracts.skipped] == ["b"]
    assert (
        lc.Engine(lc.starter_pack(), churn=RULE, skip_churned=False).agenda(SHOP, on).skipped == ()
    )


def test_explain_says_why_and_skip_changes_tells_the_date():
    """explain shows the rule's sentence; skip_changes the day a customer will churn."""
    engine = lc.Engine(lc.starter_pack(), churn=RULE)
    shown = engine.explain(SHOP, "a", BOUGHT + N)
    assert shown.skipped is not None and "(a1 on 2026-02-01)" in shown.skipped.detail
    who, seen = SHOP.customer("a"), SHOP.timeline("a").until(BOUGHT)
    assert engine.skip_changes(who, seen, BOUGHT) == BOUGHT + N
    assert attrs.evolve(engine, skip_churned=False).skip_changes(who, seen, BOUGHT) is None
    quiet = attrs.evolve(who, do_not_contact=True)
    assert engine.skip_changes(quiet, seen, BOUGHT) is None


def test_the_forecast_stops_on_the_day_a_customer_churns():
    """An action due after the churn date does not come due in the forecast."""
    nudge = lc.policy("nudge", priority=7, anchor=lc.last("purchase"), offset=lc.days(120))
    book = lc.Book([customer("a")], [touch("a1", BOUGHT, cid="a")])
    plain = lc.Engine([nudge], cap=None).forecast(book, BOUGHT, BOUGHT + 200 * DAY)
    assert [d for d, actions in plain.days.items() if actions] == [BOUGHT + 120 * DAY]
    engine = lc.Engine([nudge], churn=lc.churn_after_inactivity(days=100), cap=None)
    assert not any(engine.forecast(book, BOUGHT, BOUGHT + 200 * DAY).days.values())
    assert list(engine.agenda(book, BOUGHT + 120 * DAY)) == []


def test_the_incremental_agenda_churns_a_customer_on_its_day():
    """No touchpoint arrives, yet on day N the customer leaves the agenda for skipped."""
    engine = lc.Engine(lc.starter_pack(), churn=RULE)
    book = lc.Book([customer("a")], [touch("a1", BOUGHT, cid="a")])
    live = lc.IncrementalAgenda(engine, book, BOUGHT + 100 * DAY)
    assert live.agenda(BOUGHT + N - DAY).skipped == ()
    gone = live.agenda(BOUGHT + N)
    assert [s.customer_id for s in gone.skipped] == ["a"]
    assert gone == engine.agenda(book, BOUGHT + N)
    live.add([touch("a2", BOUGHT + N + 5 * DAY, cid="a")])
    back = live.agenda(BOUGHT + N + 5 * DAY)
    assert back.skipped == ()
    assert back == engine.agenda(live.book, BOUGHT + N + 5 * DAY)


def test_the_engine_refuses_what_is_not_a_churn_rule():
    """churn= takes a churn rule, and says which factories make one."""
    with pytest.raises(lc.InvalidValueError, match="churn_after_inactivity") as caught:
        lc.Engine(lc.starter_pack(), churn=180)  # type: ignore[arg-type]
    assert caught.value.field == "churn"


# -- policy files -----------------------------------------------------------------

POLICY = '[[policy]]\nname = "p"\npriority = 2\nanchor = { first = "purchase" }\n'


def test_a_policy_files_churn_table_is_the_engines_unless_it_has_its_own():
    """churn = { inactive_after = "180 days" }: carried on the set, used by the engine."""
    pack = lc.policies.parse_policies('churn = { inactive_after = "180 days" }\n' + POLICY)
    assert pack.churn == RULE
    assert lc.Engine(pack).churn == RULE
    assert lc.Engine(pack, churn=DEFAULT_CHURN).churn == DEFAULT_CHURN
    assert lc.Engine(lc.policies.parse_policies(POLICY)).churn == DEFAULT_CHURN
    assert lc.policy_set(pack, lc.starter_pack()).churn == RULE
    assert lc.Engine([pack, *lc.starter_pack()]).churn == RULE
    table = lc.policies.parse_policies('[churn]\ninactive_after = "1 day"\n\n' + POLICY)
    assert table.churn == lc.churn_after_inactivity(days=1)


def test_sets_with_different_churn_rules_cannot_be_combined():
    """As with calendars: the engine is given one instead."""
    long = lc.policies.parse_policies('churn = { inactive_after = "180 days" }\n' + POLICY)
    short = lc.policies.parse_policies(
        'churn = { inactive_after = "90 days" }\n' + POLICY.replace('"p"', '"q"')
    )
    with pytest.raises(lc.InvalidValueError, match="different churn rules") as caught:
        lc.policy_set(long, short)
    assert caught.value.field == "churn"
    assert lc.policy_set(long, long).churn == RULE


def test_a_policy_files_stage_conditions_use_its_churn_rule():
    """stage = "churned" in a file with a churn table means churned by that rule."""
    text = (
        'churn = { inactive_after = "30 days" }\n'
        '[[policy]]\nname = "winback"\npriority = 3\nanchor = { last = "purchase" }\n'
        'offset = "30 days"\nwhen = { stage = "churned" }\n'
    )
    engine = lc.Engine(lc.policies.parse_policies(text), skip_churned=False)
    book = lc.Book([customer("a")], [touch("a1", BOUGHT, cid="a")])
    assert [a.policy for a in engine.agenda(book, BOUGHT + 30 * DAY)] == ["winback"]
    assert list(engine.agenda(book, BOUGHT + 29 * DAY)) == []


#: (case, churn table, line, key, problem): each bad churn value and its precise error.
BAD_CHURN: list[tuple[str, str, int, str, str]] = [
    ("not a table", "churn = 180", 1, "churn", "must be a table"),
    ("text", 'churn = "180 days"', 1, "churn", "must be a table"),
    ("empty table", "churn = {}", 1, "churn", "needs inactive_after"),
    ("unknown key", 'churn = { inactive_for = "180 days" }', 1, "churn.inactive_for", "is not a key here (keys: inactive_after)"),
    ("a number", "churn = { inactive_after = 180 }", 1, "churn.inactive_after", "non-empty string"),
    ("empty text", 'churn = { inactive_after = "" }', 1, "churn.inactive_after", "non-empty string"),
    ("no unit", 'churn = { inactive_after = "180" }', 1, "churn.inactive_after", "number of days such as '180 days'"),
    ("months", 'churn = { inactive_after = "6 months" }', 1, "churn.inactive_after", "number of days"),
    ("working days", 'churn = { inactive_after = "5 working days" }', 1, "churn.inactive_after", "number of days"),
    ("negative", 'churn = { inactive_after = "-180 days" }', 1, "churn.inactive_after", "number of days"),
    ("a fraction", 'churn = { inactive_after = "1.5 days" }', 1, "churn.inactive_after", "number of days"),
    ("zero", 'churn = { inactive_after = "0 days" }', 1, "churn.inactive_after", "must be 1 to 36,525 days"),
    ("too long", 'churn = { inactive_after = "36526 days" }', 1, "churn.inactive_after", "must be 1 to 36,525 days"),
    ("thousands of digits", 'churn = { inactive_after = "' + "9" * 5000 + ' days" }', 1, "churn.inactive_after", "must be 1 to"),
    ("table form", '[churn]\n\ninactive_after = "soon"', 3, "churn.inactive_after", "number of days"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [case[1:] for case in BAD_CHURN],
    ids=[case[0] for case in BAD_CHURN],
)
def test_bad_churn_tables_name_line_key_and_problem(text: str, line: int, key: str, problem: str):
    """Each bad churn value is one problem naming its line and key."""
    with pytest.raises(lc.PolicyFileError) as caught:
        lc.policies.parse_policies(text + "\n\n" + POLICY)
    (found,) = caught.value.problems
    assert (found.line, found.key) == (line, key)
    assert problem in found.problem


# -- stages ---------------------------------------------------------------------


def test_the_default_lifecycle_with_an_inactivity_rule_churns_on_the_day():
    """Active -> at_risk after 120 silent days -> churned on day N; a purchase: active."""
    shop = stages.default_lifecycle(churn=RULE)
    onboarded = [touch("t1", BOUGHT), touch("t2", BOUGHT + 10 * DAY, kind="health_check")]
    history = shop.history(customer(), lc.Timeline(onboarded), as_of=BOUGHT + 400 * DAY)
    assert [(t.on, t.to_stage) for t in history.transitions] == [
        (BOUGHT, "onboarding"),
        (BOUGHT + 10 * DAY, "active"),
        (BOUGHT + 130 * DAY, "at_risk"),
        (BOUGHT + N, "churned"),
    ]
    assert history.transitions[-1].rule == "churn_after_inactivity(days=180) -> churned"
    again = [*onboarded, touch("t3", BOUGHT + 300 * DAY)]
    back = shop.history(customer(), lc.Timeline(again), as_of=BOUGHT + 300 * DAY)
    assert (back.transitions[-1].to_stage, back.stage) == ("active", "active")
    assert back.stage_on(BOUGHT + N - DAY) == "at_risk"


def test_the_stage_agrees_with_the_rule_on_every_day():
    """Churned as a stage exactly on the days the rule says churned."""
    shop = stages.default_lifecycle(churn=lc.churn_after_inactivity(days=30))
    touchpoints = [
        touch("t1", BOUGHT),
        touch("t2", BOUGHT + 20 * DAY, kind="complaint"),
        touch("t3", BOUGHT + 45 * DAY),
        touch("t4", BOUGHT + 45 * DAY, kind="renewal"),
        touch("t5", BOUGHT + 90 * DAY, kind="cancellation"),
    ]
    who, timeline = customer(), lc.Timeline(touchpoints)
    end = BOUGHT + 130 * DAY
    history = shop.history(who, timeline, as_of=end)
    day = SINCE
    while day <= end:
        rule_says = churned(shop.rules[-1].churn, who, touchpoints, day) is not None  # type: ignore[union-attr]
        assert (history.stage_on(day) == "churned") == rule_says, day
        day += DAY


def test_a_prospect_without_a_purchase_churns_n_days_after_since():
    """No purchase at all: prospect until since + N, then churned."""
    shop = stages.default_lifecycle(churn=RULE)
    history = shop.history(customer(), lc.Timeline(), as_of=SINCE + 365 * DAY)
    assert [(t.on, t.from_stage, t.to_stage) for t in history.transitions] == [
        (SINCE + N, "prospect", "churned")
    ]
    # A renewal while churned by silence is no purchase: back to churned on the day.
    renewed = shop.history(
        customer(),
        lc.Timeline([touch("r", SINCE + 200 * DAY, kind="renewal")]),
        as_of=SINCE + 365 * DAY,
    )
    assert renewed.stage == "churned"
    assert renewed.transitions[-1].reason.startswith("c churned on 2026-07-04: no purchase")


def test_the_default_lifecycle_is_the_cancellation_rules():
    """No rule, or the default one: DEFAULT_LIFECYCLE itself."""
    assert stages.default_lifecycle() is lc.DEFAULT_LIFECYCLE
    assert stages.default_lifecycle(churn=lc.churn_on_cancellation()) is lc.DEFAULT_LIFECYCLE
    shop = stages.default_lifecycle(churn=RULE)
    assert not [r for r in shop.rules if getattr(r, "kind", None) == lc.Kind.CANCELLATION]


def test_a_purchase_brings_an_at_risk_customer_back_to_active():
    """Default lifecycle: a complaint puts an active customer at risk; a purchase ends it."""
    events = [
        touch("t1", BOUGHT),
        touch("t2", BOUGHT + 5 * DAY, kind="health_check"),
        touch("t3", BOUGHT + 10 * DAY, kind="complaint"),
        touch("t4", BOUGHT + 20 * DAY),
    ]
    history = lc.DEFAULT_LIFECYCLE.history(customer(), lc.Timeline(events), as_of=BOUGHT + 30 * DAY)
    assert [t.to_stage for t in history.transitions] == [
        "onboarding",
        "active",
        "at_risk",
        "active",
    ]
    assert history.transitions[-1].rule == "purchase while at risk -> active"


def test_a_churn_stage_rule_names_known_stages_only():
    """on_churn needs the stages it applies in, and its stages must be the lifecycle's."""
    with pytest.raises(lc.InvalidValueError, match="needs the stages"):
        stages.on_churn(RULE, to="churned", from_=[])
    with pytest.raises(lc.UnknownStageError):
        lc.Lifecycle(
            stages=["lead", "customer"],
            transitions={"lead": ["customer"]},
            initial="lead",
            rules=[stages.on_churn(RULE, to="gone", from_=["customer"])],
        )


def test_a_churn_stage_rule_waits_for_an_allowed_transition():
    """Churned by the rule, but the lifecycle does not allow it from this stage: it stays."""
    simple = lc.Lifecycle(
        stages=["lead", "customer", "lost"],
        transitions={"lead": ["customer"], "customer": ["lost"]},
        initial="lead",
        rules=[
            stages.on_touchpoint("purchase", to="customer"),
            stages.on_churn(RULE, to="lost", from_=["lead", "customer"]),
        ],
    )
    assert simple.stage_of(customer(), lc.Timeline(), as_of=SINCE + 400 * DAY) == "lead"
    late = lc.Timeline([touch("t1", SINCE + 400 * DAY)])
    # Bought on day 400, long after 180 silent days: churned at once, then on day 580.
    history = simple.history(customer(), late, as_of=SINCE + 600 * DAY)
    assert [(t.on, t.to_stage) for t in history.transitions] == [
        (SINCE + 400 * DAY, "customer"),
        (SINCE + 580 * DAY, "lost"),
    ]


# -- metrics --------------------------------------------------------------------


def test_retention_and_cohorts_by_the_churn_rule():
    """Nobody cancelled: 100% by default; with inactivity, a and z are lost, b is kept."""
    start, end = SINCE, BOUGHT + 210 * DAY
    assert metrics.retention(SHOP, start, end) == metrics.Retention(3, 2, 1)
    assert metrics.retention(SHOP, start, end, churn=RULE) == metrics.Retention(3, 1, 2)
    # Churned already at the start by the rule: not in the starting cohort.
    later = metrics.retention(SHOP, SINCE + N, end, churn=RULE)
    assert later == metrics.Retention(2, 1, 1)  # z churned on since + 180
    (cohort,) = metrics.cohort_retention(SHOP, end, churn=RULE)
    assert (cohort.month, cohort.customers, cohort.retained) == ("2026-01", 3, 1)
    assert metrics.cohort_retention(SHOP, end)[0].retained == 2


def test_lifetime_value_uses_the_churn_rule():
    """Churn by inactivity gives the model a churn rate where cancellations give none."""
    paying = SHOP.with_customers(
        [attrs.evolve(c, attributes={"monthly_revenue": "30"}) for c in SHOP]
    )
    start, end = SINCE, BOUGHT + 170 * DAY
    flat = metrics.lifetime_value(paying, start, end)
    assert flat is not None and flat.value is None  # nobody cancelled by then
    shop = metrics.lifetime_value(paying, start, end, churn=lc.churn_after_inactivity(days=90))
    assert shop is not None and shop.value is not None and shop.monthly_churn > 0


@attrs.frozen
class _PausedUntil:
    """A churn rule of one's own: every customer counts as lost before a date."""

    until: dt.date
    kinds: frozenset[lc.Kind] = frozenset()

    def churned(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date) -> str | None:
        return f"{customer.id} paused" if as_of < self.until else None

    def next_change(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> dt.date | None:
        return self.until if as_of < self.until else None


def test_a_churn_rule_of_ones_own_that_lifts_on_a_date():
    """Skipped until a date, with no touchpoint: forecast and incremental agenda wake on it."""
    nudge = lc.policy("nudge", priority=7, anchor=lc.last("purchase"), offset=lc.days(60))
    paused = _PausedUntil(BOUGHT + 50 * DAY)
    assert isinstance(paused, ChurnRule)
    engine = lc.Engine([nudge], churn=paused, cap=None)
    book = lc.Book([customer("a")], [touch("a1", BOUGHT, cid="a")])
    forecast = engine.forecast(book, BOUGHT, BOUGHT + 100 * DAY)
    assert [d for d, actions in forecast.days.items() if actions] == [BOUGHT + 60 * DAY]
    live = lc.IncrementalAgenda(engine, book, BOUGHT)
    assert [s.detail for s in live.agenda(BOUGHT + 49 * DAY).skipped] == ["a paused"]
    for day in (BOUGHT + 50 * DAY, BOUGHT + 60 * DAY):
        assert live.agenda(day) == engine.agenda(book, day)
    assert [a.policy for a in live.agenda(BOUGHT + 60 * DAY)] == ["nudge"]


@attrs.frozen
class _ChurnedFrom:
    """A churn rule of one's own whose next change is only ever the next day."""

    day: dt.date
    kinds: frozenset[lc.Kind] = frozenset()

    def churned(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date) -> str | None:
        return f"{customer.id} gone" if as_of >= self.day else None

    def next_change(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> dt.date | None:
        return as_of + DAY if as_of < self.day else None


def test_a_stage_rule_asks_again_after_an_early_next_change():
    """A rule whose next change comes early is asked day by day: churned on its own day."""
    gone = SINCE + 10 * DAY
    shop = stages.default_lifecycle(churn=_ChurnedFrom(gone))
    history = shop.history(customer(), lc.Timeline(), as_of=SINCE + 20 * DAY)
    assert [(t.on, t.to_stage, t.reason) for t in history.transitions] == [
        (
            gone,
            "churned",
            f"c gone: prospect -> churned (rule: {_ChurnedFrom(gone)!r} -> churned)",
        )
    ]


def test_a_second_cancellation_keeps_a_churned_customer_churned():
    """Default lifecycle: a cancellation while churned moves nothing."""
    events = [touch("t1", BOUGHT), touch("t2", BOUGHT + DAY, "cancellation")]
    events.append(touch("t3", BOUGHT + 2 * DAY, "cancellation"))
    history = lc.DEFAULT_LIFECYCLE.history(customer(), lc.Timeline(events), as_of=BOUGHT + 9 * DAY)
    assert [t.to_stage for t in history.transitions] == ["onboarding", "churned"]


def test_the_churned_condition_follows_its_rule() -> None:
    quiet = lc.churn_after_inactivity(days=30)
    condition = lc.policies.churned(quiet)
    customer = lc.Customer(id="c-1", name="Ada", since=BOUGHT)
    context = lc.Context(customer, lc.Timeline([]), BOUGHT + 29 * DAY)
    assert not condition(context)
    assert condition.next_change(context) == BOUGHT + 30 * DAY
    assert condition(attrs.evolve(context, as_of=BOUGHT + 30 * DAY))
    assert condition.description == "churned by churn_after_inactivity(days=30)"
    assert lc.policies.churned().description == "churned"
    assert condition == lc.policies.churned(lc.churn_after_inactivity(days=30))
    with pytest.raises(lc.InvalidValueError, match="must be a churn rule"):
        lc.policies.churned("180 days")  # type: ignore[arg-type]


def test_churned_in_a_policy_file_follows_the_files_churn_table() -> None:
    text = (
        'churn = { inactive_after = "30 days" }\n'
        "[[policy]]\n"
        'name = "winback"\n'
        "priority = 3\n"
        'anchor = "since"\n'
        'offset = "1 day"\n'
        "when = { churned = true }\n"
    )
    loaded = lc.policies.parse_policies(text)
    engine = lc.Engine(loaded, skip_churned=False)
    customer = lc.Customer(id="c-1", name="Ada", since=BOUGHT)
    book = lc.Book([customer], [])
    assert list(engine.agenda(book, BOUGHT + 29 * DAY)) == []
    assert [a.policy for a in engine.agenda(book, BOUGHT + 30 * DAY)] == ["winback"]


def test_a_purchase_on_the_day_churn_would_begin_keeps_the_stage() -> None:
    """The churn rule is asked after the day's touchpoints: buying on day N is not churning."""
    shop = stages.default_lifecycle(churn=lc.churn_after_inactivity(days=30))
    first, again = touch("t1", BOUGHT), touch("t2", BOUGHT + 30 * DAY)
    history = shop.history(customer(), lc.Timeline([first, again]), as_of=BOUGHT + 31 * DAY)
    assert [(t.on, t.to_stage) for t in history.transitions] == [(BOUGHT, "onboarding")]
    # Silent on day N instead: churned that day, the reason the rule's own sentence.
    quiet = shop.history(customer(), lc.Timeline([first]), as_of=BOUGHT + 31 * DAY)
    assert quiet.transitions[-1].on == BOUGHT + 30 * DAY
    assert quiet.transitions[-1].reason.startswith(
        "c churned on 2026-03-03: no purchase in the 30 days after the last one"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: stages.on_churn("nope", to="churned", from_="active"),  # type: ignore[arg-type]
        lambda: stages.default_lifecycle(churn=180),  # type: ignore[arg-type]
        lambda: lc.policies.PolicySet((), churn="180 days"),  # type: ignore[arg-type]
        lambda: lc.Engine(lc.starter_pack(), churn="180 days"),  # type: ignore[arg-type]
    ],
)
def test_anything_but_a_churn_rule_is_refused_where_it_is_given(make) -> None:
    with pytest.raises(lc.InvalidValueError, match="must be a churn rule"):
        make()


def test_evolving_an_engine_with_new_policies_takes_their_churn_rule_and_calendar() -> None:
    text = 'churn = { inactive_after = "90 days" }\n[calendar]\nweekend = ["Sun"]\n'
    text += lc.sample.starter_pack_path().read_text(encoding="utf-8")
    shop = lc.policies.parse_policies(text)
    engine = lc.Engine(lc.starter_pack())
    moved = attrs.evolve(engine, policies=shop)
    assert moved.churn == lc.churn_after_inactivity(days=90) == lc.Engine(shop).churn
    assert moved.calendar == shop.calendar == lc.Engine(shop).calendar
    # What was given stays given.
    mine = attrs.evolve(lc.Engine(shop, churn=lc.churn_on_cancellation()), cap=3)
    assert mine.churn == lc.churn_on_cancellation()
    assert attrs.evolve(lc.Engine(shop), policies=lc.starter_pack()).churn == DEFAULT_CHURN


def test_a_churn_table_with_a_lifecycle_of_ones_own_keeps_that_lifecycle() -> None:
    own = attrs.evolve(lc.DEFAULT_LIFECYCLE, rules=lc.DEFAULT_LIFECYCLE.rules[:1])
    text = (
        'churn = { inactive_after = "30 days" }\n'
        "[[policy]]\n"
        'name = "winback"\n'
        "priority = 3\n"
        'anchor = "since"\n'
        'offset = "1 day"\n'
        'when = { all = [{ churned = true }, { stage = "prospect" }] }\n'
    )
    loaded = lc.policies.parse_policies(text, lifecycle=own)
    assert loaded.churn == lc.churn_after_inactivity(days=30)
    # The stage condition sees the lifecycle given (no churn stage rule in it).
    customer = lc.Customer(id="c-1", name="Ada", since=BOUGHT)
    agenda = lc.Engine(loaded, skip_churned=False).agenda(
        lc.Book([customer], []), BOUGHT + 40 * DAY
    )
    assert [a.policy for a in agenda] == ["winback"]
