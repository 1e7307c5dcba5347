"""lifecycle.testing: the strategies yield only valid objects, steered as asked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import Phase, assume, find, given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct

WINDOW = (dt.date(2030, 1, 1), dt.date(2030, 12, 31))


@given(lct.aware_datetimes(min_value=WINDOW[0], max_value=WINDOW[1]))
def test_datetimes_stay_in_their_window_and_are_aware(at: dt.datetime):
    """A window without built-in edge instants still gives aware values inside it."""
    assert at.utcoffset() is not None
    assert (
        WINDOW[0] - dt.timedelta(days=1)
        <= at.astimezone(dt.UTC).date()
        <= WINDOW[1] + dt.timedelta(days=1)
    )


@given(lct.local_dates(min_value=WINDOW[0], max_value=WINDOW[1]))
def test_dates_stay_in_their_window(day: dt.date):
    """local_dates honours min_value and max_value."""
    assert WINDOW[0] <= day <= WINDOW[1]


@given(
    lct.customers(timezones=st.just(ZoneInfo("Asia/Tokyo")), since=st.just(dt.date(2024, 2, 29)))
)
def test_customers_can_be_steered(customer: lc.Customer):
    """A fixed zone and since date are respected."""
    assert customer.timezone.key == "Asia/Tokyo"
    assert customer.since == dt.date(2024, 2, 29)


@given(
    lct.touchpoints(
        customer_id=st.just("c-9"), kinds=lct.kinds(custom=[lc.Kind("ces", score_range=(1, 7))])
    )
)
def test_touchpoints_have_valid_scores(tp: lc.Touchpoint):
    """Scores are only present on scored kinds, and within range."""
    assert tp.customer_id == "c-9"
    if tp.score is not None:
        assert tp.kind.score_range is not None
        low, high = tp.kind.score_range
        assert low <= tp.score <= high


@given(lct.touchpoints())
def test_touchpoints_draw_their_own_customer_id_by_default(tp: lc.Touchpoint):
    """Without a customer id one is generated."""
    assert tp.customer_id


@given(lct.books(min_customers=1, max_customers=3, max_touchpoints=6))
def test_books_are_consistent_and_sized(book: lc.Book):
    """Sizes are honoured; every touchpoint belongs to a customer of the book."""
    assert 1 <= len(book) <= 3
    assert book.touchpoint_count <= 6
    assert all(tp.customer_id in book for tp in book.touchpoints())


@given(lct.tags(), lct.channels(), lct.directions(), lct.time_zones(zones=["UTC", "Asia/Tokyo"]))
def test_small_strategies(
    tags: frozenset[str], channel: lc.Channel, direction: lc.Direction, zone: ZoneInfo
):
    """Tags are writable labels; the enum strategies give members."""
    assert all(tag and ";" not in tag and tag == tag.strip() for tag in tags)
    assert channel in lc.Channel
    assert direction in lc.Direction
    assert zone.key in {"UTC", "Asia/Tokyo"}


# -- steering ---------------------------------------------------------------------


@given(
    lct.timelines(
        timezone="Pacific/Kiritimati",
        min_size=2,
        max_size=4,
        min_date=dt.date(2025, 1, 1),
        max_date=dt.date(2025, 1, 31),
        kinds=lct.kinds(allowed=["nps", "complaint"]),
        channels=["phone"],
    )
)
def test_timelines_can_be_steered(timeline: lc.Timeline):
    """Zone, size, date window, kinds and channels are all honoured."""
    assert timeline.timezone.key == "Pacific/Kiritimati"
    assert 2 <= len(timeline) <= 4
    for tp in timeline:
        assert dt.date(2024, 12, 31) <= tp.at.date() <= dt.date(2025, 2, 1)
        assert tp.kind.name in {"nps", "complaint"}
        assert tp.channel is lc.Channel.PHONE


@given(
    lct.books(
        min_customers=2,
        max_customers=2,
        timezone="Europe/Berlin",
        channels=["email", "chat"],
        lifecycle=lc.Lifecycle(
            stages=("lead", "client"), initial="lead", transitions={"lead": ["client"]}
        ),
        attributes=st.just({"segment": "enterprise"}),
    )
)
def test_books_can_be_steered(book: lc.Book):
    """A fixed zone, allowed channels, a custom lifecycle and user-drawn attributes."""
    assert len(book) == 2
    for customer in book:
        assert customer.timezone.key == "Europe/Berlin"
        assert customer.preferred_channel in {None, lc.Channel.EMAIL, lc.Channel.CHAT}
        assert customer.recorded_stage in {None, "lead", "client"}
        assert dict(customer.attributes) == {"segment": "enterprise"}
    assert all(tp.channel in {lc.Channel.EMAIL, lc.Channel.CHAT} for tp in book.touchpoints())


@given(lct.customers(do_not_contact=True, channels=["meeting"]))
def test_customers_flag_and_channel_can_be_fixed(customer: lc.Customer):
    """The do-not-contact flag and the preferred channels can be fixed."""
    assert customer.do_not_contact
    assert customer.preferred_channel in {None, lc.Channel.MEETING}


def test_bad_steering_is_a_clear_error():
    """Unknown names and impossible sizes fail when the strategy is made, naming the value."""
    with pytest.raises(lc.InvalidValueError, match="'fax'"):
        lct.channels(allowed=["fax"])
    with pytest.raises(lc.InvalidValueError, match="at least one"):
        lct.kinds(allowed=[])
    with pytest.raises(lc.UnknownKindError):
        lct.kinds(allowed=["purchse"])
    with pytest.raises(lc.InvalidValueError, match="'feb_29'"):
        lct.books(situations=["feb_29"])
    with pytest.raises(lc.InvalidValueError, match="sizes"):
        lct.books(min_customers=3, max_customers=1)


# -- situations and shrinking ----------------------------------------------------------

AS_OF = dt.date(2026, 3, 2)


@pytest.mark.parametrize("member", [p.name for p in lc.starter_pack()])
def test_planted_situations_make_every_starter_policy_due(member: str):
    """books(situations=True) finds, for each starter policy, a book where it is due."""
    (chosen,) = [p for p in lc.starter_pack() if p.name == member]
    engine = lc.Engine([chosen], cap=None)
    found = find(
        lct.books(max_customers=0, situations=True, as_of=AS_OF),
        lambda book: len(engine.agenda(book, AS_OF)) > 0,
        settings=settings(database=None, max_examples=500),
    )
    assert all(c.id.startswith("S-") for c in found)


def test_situations_plant_what_they_say():
    """Each situation is one customer in that state, relative to as_of."""
    book = find(
        lct.books(max_customers=0, situations=["detractor", "contract_ending"], as_of=AS_OF),
        lambda b: len(b) == 2,
        settings=settings(database=None),
    )
    nps = book.timeline("S-detractor").last("nps")
    assert nps is not None and nps.score is not None and nps.score <= 6
    contract = book.customer("S-contract_ending").contract_end
    assert contract is not None and AS_OF <= contract <= AS_OF + dt.timedelta(days=90)
    assert set(lct.SITUATIONS) >= {"leap_day_customer", "long_silence", "unresolved_complaint"}


def test_failing_books_shrink_to_few_customers_and_simple_dates():
    """A failure that needs two touchpoints shrinks to a book of two touchpoints."""
    book = find(
        lct.books(max_customers=3, max_touchpoints=6),
        lambda b: b.touchpoint_count >= 2,
        settings=settings(database=None, phases=[Phase.generate, Phase.shrink]),
    )
    assert book.touchpoint_count == 2
    assert len(book) <= 2
    assert all(tp.at.year <= 2024 for tp in book.touchpoints())


def _described(policy: lc.policies.RulePolicy | lc.policies.Playbook) -> str:
    parts = (getattr(policy, "when", None), getattr(policy, "recurs", None))  # not a playbook's
    return " ".join(part.description for part in parts if part is not None)


@pytest.mark.parametrize(
    "block",
    [
        "segment is set",
        "segment is smb",
        "tagged 'vip' in the last",
        "tagged 'vip' on",
        "health is",
        "churned",
        "stage is advocate",
        "rule",
    ],
)
def test_policies_make_every_condition_and_recurrence(block: str):
    """Each kind of condition and recurrence the docstring names is generated."""
    find(
        lct.policies(),
        lambda p: block in _described(p),
        settings=settings(database=None, max_examples=5_000, phases=[Phase.generate]),
    )


def test_tags_and_attributes_draw_what_policies_look_for():
    """Generated tag and segment conditions can hold: "vip" tags and segments are drawn."""
    assert find(lct.tags(), lambda tags: "vip" in tags) == frozenset({"vip"})
    for segment in ("smb", "mid", "enterprise"):
        found = find(lct.attributes(), lambda a, s=segment: a.get("segment") == s)
        assert found == {"segment": segment}


# -- registered with Hypothesis --------------------------------------------------------


@settings(max_examples=5)
@given(st.data())
def test_lifecycle_types_are_registered_with_hypothesis(data: st.DataObject):
    """st.from_type works for the model types once the package is installed (entry point)."""
    kinds = (lc.Customer, lc.Touchpoint, lc.Timeline, lc.Book, lc.Kind, lc.policies.RulePolicy)
    for kind in (*kinds, lc.policies.Playbook):
        assert isinstance(data.draw(st.from_type(kind)), kind)


def test_the_recommended_profiles_are_registered():
    """ci, dev and thorough exist for --hypothesis-profile, whoever registered them first."""
    for name in ("ci", "dev", "thorough"):
        assert settings.get_profile(name).deadline is None


# -- the contract kit on the library's own policies -------------------------------------


LAWS_FROM = dt.date(2024, 1, 1)  # the earliest as-of date the contract tests draw


def _check_on_a_drawn_book(policy: lc.Policy, data: st.DataObject) -> None:
    """Check every law on a small book with planted situations, as of a drawn date."""
    as_of = data.draw(lct.local_dates(min_value=LAWS_FROM), label="as_of")
    book = data.draw(
        lct.books(max_customers=2, max_touchpoints=8, situations=True, as_of=as_of), label="book"
    )
    lct.check_laws(policy, book, as_of)


@given(lct.policies(), st.data())
def test_every_generated_policy_keeps_the_contract(
    policy: lc.policies.RulePolicy, data: st.DataObject
):
    """Any policy made of building blocks obeys every law (dogfooding the kit)."""
    _check_on_a_drawn_book(policy, data)


#: Generated policies restricted and gathered into sets, at any depth.
COMPOSED = st.recursive(
    lct.policies(),
    lambda inner: (
        st.builds(lc.restrict, inner, lct.conditions())
        | st.lists(inner, min_size=1, max_size=3).map(lc.policy_set)
    ),
    max_leaves=4,
)


@given(COMPOSED, st.data())
def test_every_composition_of_generated_policies_keeps_the_contract(
    policy: lc.Policy, data: st.DataObject
):
    """Sets and restriction keep every law their members keep."""
    # A rule gives one verdict whoever the customer: these are the names the engine sees.
    anyone = lc.Customer(id="c-1", name="Anyone", since=LAWS_FROM)
    names = [v.policy for v in policy.verdicts(anyone, lc.Timeline(), LAWS_FROM)]
    assume(len(set(names)) == len(names))
    _check_on_a_drawn_book(policy, data)


@given(lct.conditions(kinds=["referral"]))
def test_conditions_look_only_at_the_kinds_given(condition: lc.policies.Condition):
    # Besides churn, which looks at cancellations and renewals of its own.
    allowed = {lc.Kind.REFERRAL, *(lc.policies.churned().kinds or ())}
    assert condition.kinds is None or condition.kinds <= allowed


def test_conditions_make_touchpoint_conditions_of_the_kinds_given():
    found = find(
        lct.conditions(kinds=["referral"]),
        lambda c: c.kinds is not None and lc.Kind.REFERRAL in c.kinds,
        settings=settings(database=None),
    )
    assert "referral" in found.description


def test_the_starter_pack_keeps_the_contract():
    """The nine starter policies, together, obey every law on generated books."""
    lct.check_policy(lc.starter_pack(), settings=settings(max_examples=40, database=None))


def test_settings_given_to_check_policy_keep_the_kit_settings_they_leave_alone():
    """settings(max_examples=5) under a profile with a deadline does not bring the deadline back."""
    from lifecycle.testing._contract import _with_kit_settings  # noqa: PLC0415

    settings.register_profile("kit-suite", settings.default)
    settings.register_profile("kit-deadline", deadline=dt.timedelta(milliseconds=200))
    settings.load_profile("kit-deadline")
    try:
        inherited = _with_kit_settings(settings(max_examples=5))
        own = _with_kit_settings(settings(max_examples=5, deadline=dt.timedelta(seconds=2)))
        bare = _with_kit_settings(None)
    finally:
        settings.load_profile("kit-suite")
    assert (inherited.max_examples, inherited.deadline) == (5, None)
    assert not inherited.report_multiple_bugs and Phase.explain not in inherited.phases
    assert (own.max_examples, own.deadline) == (5, dt.timedelta(seconds=2))
    assert bare.deadline is None


def test_laws_are_named_and_described():
    """Every law has a unique name and a sentence; an unknown name is refused."""
    names = [law.name for law in lct.LAWS]
    assert len(set(names)) == len(names) == 9
    assert all(law.description.endswith(".") for law in lct.LAWS)
    with pytest.raises(lc.InvalidValueError, match="'honest'"):
        lct.check_laws(lc.starter_pack(), lc.sample_book(), lc.SAMPLE_AS_OF, laws=["honest"])


# -- each law's own checks, on small hand-made cases ------------------------------------

DAY = dt.date(2026, 3, 2)


def _tp(id: str, cid: str, when: dt.datetime, kind: str = "purchase") -> lc.Touchpoint:
    return lc.Touchpoint(
        id=id, customer_id=cid, at=when, channel="web", kind=kind, direction="inbound"
    )


SMALL = lc.Book(
    [
        lc.Customer(id="a", name="A", since=dt.date(2025, 1, 1)),
        lc.Customer(id="b", name="B", since=dt.date(2025, 1, 1)),
    ],
    [
        _tp("t1", "a", dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)),
        _tp("t2", "b", dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)),
    ],
)


class _Fixed:
    """A policy giving whatever verdicts it was made with, for every customer."""

    def __init__(self, *verdicts: object, name: str | None = "fixed") -> None:
        self.found = verdicts
        if name is not None:
            self.name = name

    def verdicts(self, customer, timeline, as_of):  # type: ignore[no-untyped-def]
        return list(self.found)


def _verdict(status: lc.Status, due: dt.date | None, name: str = "fixed") -> lc.Verdict:
    return lc.Verdict(policy=name, priority=3, status=status, due=due, reason="because")


@pytest.mark.parametrize(
    ("policy", "detail"),
    [
        (_Fixed("not a verdict"), "is not a lifecycle.Verdict"),
        (_Fixed(_verdict(lc.Status.DUE, DAY, name="other")), "not 'fixed'"),
        (_Fixed(_verdict(lc.Status.UPCOMING, DAY)), "which has come"),
        (
            _Fixed(_verdict(lc.Status.DUE, DAY, "x"), _verdict(lc.Status.DUE, DAY, "x"), name=None),
            "share a name",
        ),
    ],
    ids=["not a verdict", "other name", "upcoming in the past", "two of one name"],
)
def test_malformed_verdicts_break_well_formed(policy: object, detail: str):
    """Each kind of malformed verdict is named in the failure."""
    with pytest.raises(lct.PolicyContractError, match=detail) as info:
        lct.check_laws(policy, SMALL, DAY, laws=["well_formed"])  # type: ignore[arg-type]
    assert info.value.law == "well_formed"


def test_a_set_is_named_by_its_members_in_failures():
    """A broken set's failure names the set by the names of its members."""
    broken = lc.policy_set(_Fixed(_verdict(lc.Status.UPCOMING, DAY), name=None))
    with pytest.raises(lct.PolicyContractError, match=r"policy set \(_Fixed\)"):
        lct.check_laws(broken, SMALL, DAY, laws=["well_formed"])


def test_a_due_verdicts_shortcut_must_agree_with_the_verdicts():
    """A policy whose due_verdicts leaves out a due verdict breaks well_formed."""

    class Forgetful(_Fixed):
        def due_verdicts(self, customer, timeline, as_of):  # type: ignore[no-untyped-def]
            return []

    with pytest.raises(lct.PolicyContractError, match="due_verdicts gave"):
        lct.check_laws(Forgetful(_verdict(lc.Status.DUE, DAY)), SMALL, DAY, laws=["well_formed"])


def test_a_policy_that_knows_its_timeline_objects_is_not_deterministic():
    """Verdicts that change when an equal book is built again break deterministic."""

    class FirstTimeline:
        name = "first_timeline"

        def __init__(self) -> None:
            self.first: object = None

        def verdicts(self, customer, timeline, as_of):  # type: ignore[no-untyped-def]
            if self.first is None:
                self.first = timeline
            status = lc.Status.DUE if timeline is self.first else lc.Status.NOT_APPLICABLE
            return [_verdict(status, as_of if status is lc.Status.DUE else None, self.name)]

    with pytest.raises(lct.PolicyContractError, match="another order"):
        lct.check_laws(FirstTimeline(), SMALL, DAY, laws=["deterministic"])


def test_policies_that_cannot_be_copied_are_still_checked():
    """A policy holding a lock is compared with itself for the no-peeking law."""
    import threading  # noqa: PLC0415

    class Locked(_Fixed):
        def __init__(self) -> None:
            super().__init__(_verdict(lc.Status.NOT_APPLICABLE, None))
            self.lock = threading.Lock()

    lct.check_laws(Locked(), SMALL, DAY, laws=["no_peeking", "fulfilment"])


def test_fulfilment_is_skipped_when_the_day_has_no_room_left():
    """A touchpoint at the day's last second leaves no later instant to fulfil at."""
    late = lc.Book(
        [lc.Customer(id="a", name="A", since=dt.date(2025, 1, 1))],
        [_tp("t3", "a", dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=dt.UTC), kind="complaint")],
    )
    due = _verdict(lc.Status.DUE, DAY)
    # Nor does a plain class with no fulfil hint name anything that would close it.
    lct.check_laws(_Fixed(due), SMALL, DAY, laws=["fulfilment"])
    lct.check_laws(
        _Fixed(due), late, DAY, laws=["fulfilment"], fulfil=lambda v: ("check_in", "outbound")
    )


def test_fulfilment_tells_the_closed_action_from_the_one_the_touchpoint_starts():
    """On the day of any last contact, fulfilled by a later one: each contact starts a new action.

    The touchpoint that closes the action anchored on the complaint starts
    another one, due the same day; that is not the closed action still due.
    (Found by the thorough profile over generated policies.)
    """
    same_day = lc.policy(
        "same_day",
        priority=1,
        anchor=lc.last(),
        fulfilled_by=lc.fulfilled_by(since=lc.policies.from_anchor(inclusive=False)),
    )
    complaint = lc.Book(
        [lc.Customer(id="a", name="A", since=dt.date(2025, 1, 1))],
        [_tp("t1", "a", dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), kind="complaint")],
    )
    lct.check_laws(same_day, complaint, DAY, laws=["fulfilment"])
    # A closing touchpoint that does not close it is still caught.
    never = lc.policy("never_closed", priority=1, anchor=lc.first("complaint"))
    with pytest.raises(lct.PolicyContractError, match="still due after an outbound check_in"):
        lct.check_laws(
            never, complaint, DAY, laws=["fulfilment"], fulfil=lambda v: ("check_in", "outbound")
        )


def test_planted_ids_step_aside_for_random_ones():
    """A random id equal to a planted one makes the planted one take a prime."""
    from lifecycle.testing._books import _unique  # noqa: PLC0415

    taken = {"S-detractor"}
    assert _unique("S-detractor", taken) == "S-detractor'"
    assert "S-detractor'" in taken


class _Today:
    """Due on the as-of date itself, so its verdict changes every day."""

    def __init__(self, says: object) -> None:
        self.says = says

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[lc.Verdict]:
        return [_verdict(lc.Status.DUE, as_of)]

    def next_change(self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date) -> object:
        return self.says


@pytest.mark.parametrize(
    ("says", "detail"),
    [
        (None, "next_change said never, but on 2026-03-03"),
        (DAY + dt.timedelta(days=10), "said 2026-03-12, but on 2026-03-03"),
        ("tomorrow", "must be a date after as_of"),
    ],
)
def test_a_late_next_change_breaks_the_law(says: object, detail: str) -> None:
    with pytest.raises(lct.PolicyContractError, match=detail) as info:
        lct.check_laws(_Today(says), SMALL, DAY, laws=["next_change"])  # type: ignore[arg-type]
    assert info.value.law == "next_change"
    lct.check_laws(_Today(DAY + dt.timedelta(days=1)), SMALL, DAY, laws=["next_change"])  # type: ignore[arg-type]


class _Misreads:
    """An engine that misreads decisions in one way, to break the decisions law."""

    def __init__(self, policies: object, mode: str) -> None:
        self.engine = lc.Engine(policies)  # type: ignore[arg-type]
        self.mode = mode

    def agenda(self, book: lc.Book, as_of: dt.date) -> lc.Agenda:
        decisions = list(book.decisions())
        occurrences = [(d.customer_id, d.policy, d.due) for d in decisions]
        plain = lc.Book(book.customers, book.touchpoints())
        if self.mode == "ignores":
            return self.engine.agenda(plain, as_of)
        if self.mode == "twice" and len(set(occurrences)) < len(occurrences):
            return self.engine.agenda(plain, as_of)
        if self.mode == "any_due" and decisions:
            decided = {d.customer_id for d in decisions}
            return self.engine.agenda(plain.without_customers(decided), as_of)
        return self.engine.agenda(book, as_of)


@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("ignores", "decided done still show"),
        ("twice", "recording the same decisions twice"),
        ("any_due", "other occurrences"),
    ],
)
def test_an_engine_misreading_decisions_breaks_the_decisions_law(mode: str, detail: str):
    """Closed stays closed, twice is once, and another due date is another action."""
    with pytest.raises(lct.PolicyContractError, match=detail) as caught:
        lct.check_laws(
            lc.starter_pack(),
            lc.sample_book(),
            lc.SAMPLE_AS_OF,
            engine=lambda policies: _Misreads(policies, mode),
            laws=["decisions"],
        )
    assert caught.value.law == "decisions"


def test_the_decisions_law_holds_for_the_engine_and_passes_an_empty_agenda():
    lct.check_laws(lc.starter_pack(), lc.sample_book(), lc.SAMPLE_AS_OF, laws=["decisions"])
    lct.check_laws(lc.starter_pack(), lc.Book(), lc.SAMPLE_AS_OF, laws=["decisions"])
