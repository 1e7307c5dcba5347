"""Working days in policies: due dates moved off days off, working-day offsets, [calendar]."""

from __future__ import annotations

import datetime as dt
import functools
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.calendar import Calendar
from lifecycle.cli import main
from lifecycle.policies import evaluator, from_due, working_days
from lifecycle.policy import Context

FRIDAY = dt.date(2026, 12, 25)  # Christmas Day
MONDAY = dt.date(2026, 12, 28)
TUESDAY = dt.date(2026, 12, 29)
DAY = dt.timedelta(days=1)
CHRISTMAS = Calendar(holidays=[FRIDAY])
UTC = dt.UTC


def _customer(**more: object) -> lc.Customer:
    fields: dict[str, object] = {"id": "c-1", "name": "Ada", "since": dt.date(2025, 1, 6)}
    fields.update(more)
    return lc.Customer(**fields)  # type: ignore[arg-type]


def _touch(tid: str, day: dt.date, kind: str, *, direction: str = "inbound", **more: object):
    at = dt.datetime.combine(day, dt.time(9), tzinfo=UTC)
    fields: dict[str, object] = {"channel": "email", "direction": direction, **more}
    return lc.Touchpoint(id=tid, customer_id="c-1", kind=kind, at=at, **fields)  # type: ignore[arg-type]


def _ask(
    policy: lc.Policy,
    as_of: dt.date,
    touchpoints: list[lc.Touchpoint] = (),  # type: ignore[assignment]
    calendar: Calendar | None = CHRISTMAS,
    customer: lc.Customer | None = None,
) -> lc.Verdict:
    """The one verdict of *policy*, asked as the engine asks it (with the calendar)."""
    who = customer or _customer()
    context = Context(who, lc.Timeline(touchpoints).until(as_of), as_of, None, {}, calendar)
    (verdict,) = evaluator(policy).evaluate(context, due_only=False, changes=False)[0]
    return verdict


def _change(policy: lc.Policy, as_of: dt.date, touchpoints=(), calendar=CHRISTMAS):
    context = Context(_customer(), lc.Timeline(touchpoints).until(as_of), as_of, None, {}, calendar)
    return evaluator(policy).evaluate(context, due_only=False, changes=True)[1]


#: A purchase on the Friday a week before Christmas: due 7 days later, on Christmas Day.
PURCHASE = _touch("t-1", FRIDAY - 7 * DAY, "purchase")
WELCOME = lc.policy("welcome", priority=4, anchor=lc.first("purchase"), offset=lc.days(7))


# -- the due date moves -------------------------------------------------------------


def test_a_due_date_on_a_friday_holiday_moves_over_the_weekend_to_monday():
    verdict = _ask(WELCOME, MONDAY, [PURCHASE])
    assert (verdict.status, verdict.due) == (lc.Status.DUE, MONDAY)
    assert "on 2026-12-28 (moved from 2026-12-25, not a working day)" in verdict.reason
    assert verdict.facts["due"] == MONDAY and verdict.facts["moved_from"] == FRIDAY
    assert _ask(WELCOME, MONDAY - DAY, [PURCHASE]).status is lc.Status.UPCOMING
    # Without a calendar, nothing moves and the reason says nothing of it.
    plain = _ask(WELCOME, MONDAY, [PURCHASE], calendar=None)
    assert plain.due == FRIDAY and "moved" not in plain.reason and "moved_from" not in plain.facts


def test_and_to_tuesday_when_monday_is_a_holiday_too():
    both = Calendar(holidays=[FRIDAY, MONDAY])
    assert _ask(WELCOME, TUESDAY, [PURCHASE], calendar=both).due == TUESDAY
    assert _ask(WELCOME, MONDAY, [PURCHASE], calendar=both).status is lc.Status.UPCOMING


def test_overdue_days_count_from_the_moved_date():
    engine = lc.Engine([WELCOME], calendar=CHRISTMAS)
    book = lc.Book([_customer()], [PURCHASE])
    (action,) = engine.agenda(book, TUESDAY).actions
    assert (action.due, action.overdue_days) == (MONDAY, 1)
    assert "moved from 2026-12-25" in action.reason


def test_a_due_date_on_a_working_day_stays():
    verdict = _ask(WELCOME, MONDAY, [_touch("t-1", FRIDAY - 8 * DAY, "purchase")])
    assert verdict.due == FRIDAY - DAY and "moved" not in verdict.reason


def test_expiry_counts_from_the_moved_date():
    expiring = lc.policy(
        "welcome", priority=4, anchor=lc.first("purchase"), offset=lc.days(7), expires=lc.days(2)
    )
    last_day = MONDAY + 2 * DAY
    assert _ask(expiring, last_day, [PURCHASE]).status is lc.Status.DUE
    assert _ask(expiring, last_day, [PURCHASE]).facts["expires"] == last_day
    assert _ask(expiring, last_day + DAY, [PURCHASE]).status is lc.Status.EXPIRED
    # Counted from the unmoved date, it would have expired after the 27th.
    assert _ask(expiring, MONDAY, [PURCHASE], calendar=None).status is lc.Status.EXPIRED
    assert _change(expiring, MONDAY, [PURCHASE]) == last_day + DAY


def test_a_fulfilment_window_from_the_due_date_counts_from_the_moved_date():
    thanked = lc.policy(
        "welcome",
        priority=4,
        anchor=lc.first("purchase"),
        offset=lc.days(7),
        fulfilled_by=lc.fulfilled_by("onboarding", since=from_due(days=-1)),
    )
    boxing_day = _touch("t-2", FRIDAY + DAY, "onboarding", direction="outbound")
    sunday = _touch("t-3", MONDAY - DAY, "onboarding", direction="outbound")
    # The window opens the day before the moved date (Sunday), not on Christmas Eve.
    assert _ask(thanked, MONDAY, [PURCHASE, boxing_day]).status is lc.Status.DUE
    assert "no onboarding since 2026-12-27" in _ask(thanked, MONDAY, [PURCHASE, boxing_day]).reason
    assert _ask(thanked, MONDAY, [PURCHASE, sunday]).status is lc.Status.FULFILLED
    assert _ask(thanked, MONDAY, [PURCHASE, boxing_day], calendar=None).status is (
        lc.Status.FULFILLED
    )


def _renewal() -> lc.policies.RulePolicy:
    (found,) = [p for p in lc.starter_pack() if p.name == "renewal"]
    return found  # type: ignore[return-value]


@pytest.mark.parametrize(("renewed", "status"), [(0, lc.Status.FULFILLED), (-1, lc.Status.DUE)])
def test_the_renewal_window_counts_from_the_contract_end_and_does_not_move(renewed, status):
    end = FRIDAY + 60 * DAY  # due E - 60 days: Christmas Day, moved to Monday
    renewal = _touch("t-9", end - 365 * DAY + renewed * DAY, "renewal")
    verdict = _ask(_renewal(), MONDAY, [renewal], customer=_customer(contract_end=end))
    assert verdict.status is status
    assert verdict.due == MONDAY or status is lc.Status.FULFILLED


def test_each_occurrence_of_a_recurring_policy_moves():
    yearly = lc.policy(
        "anniversary", priority=9, anchor=lc.policies.customer_since(), recurs=lc.every(years=1)
    )
    ada = _customer(since=FRIDAY.replace(year=2024))
    previous = _ask(yearly, MONDAY - DAY, customer=ada)
    assert (previous.status, previous.due) == (lc.Status.DUE, FRIDAY.replace(year=2025))
    current = _ask(yearly, MONDAY, customer=ada)
    assert (current.due, current.facts["moved_from"]) == (MONDAY, FRIDAY)
    assert "2nd occurrence" in current.reason and "moved from 2026-12-25" in current.reason
    context = Context(ada, lc.Timeline(), FRIDAY - DAY, None, {}, CHRISTMAS)
    change = evaluator(yearly).evaluate(context, due_only=False, changes=True)[1]
    assert change == MONDAY


def test_next_change_is_the_moved_date():
    assert _change(WELCOME, FRIDAY - 3 * DAY, [PURCHASE]) == MONDAY
    assert _change(WELCOME, FRIDAY - 3 * DAY, [PURCHASE], calendar=None) == FRIDAY


def test_a_customer_s_country_attribute_names_its_holidays():
    pytest.importorskip("holidays")
    british = _customer(attributes={"country": "GB"})
    engine = lc.Engine([WELCOME], calendar=Calendar())
    book = lc.Book([british], [PURCHASE])
    assert engine.agenda(book, TUESDAY).actions[0].due == TUESDAY  # Boxing Day on Monday
    assert not engine.agenda(book, MONDAY).actions
    # Without a calendar every day is a working day, whatever the attribute.
    assert lc.Engine([WELCOME]).agenda(book, FRIDAY).actions[0].due == FRIDAY


def test_a_policy_of_your_own_is_not_moved():
    class Christmas:
        def verdicts(self, customer, timeline, as_of):
            return [lc.Verdict(policy="xmas", priority=5, status="due", due=FRIDAY, reason="xmas")]

    engine = lc.Engine([Christmas()], calendar=CHRISTMAS)
    book = lc.Book([_customer()], [])
    assert engine.agenda(book, MONDAY).actions[0].due == FRIDAY
    # The laws hold for it, asked with a calendar or without.
    lct.check_laws(Christmas(), book, MONDAY)
    lct.check_laws(Christmas(), book, MONDAY, calendar=CHRISTMAS)


# -- working days -------------------------------------------------------------------


def test_working_days_skip_the_weekend_and_holidays():
    new_year = Calendar(holidays=[FRIDAY, dt.date(2027, 1, 1)])
    thursday = FRIDAY - DAY
    assert working_days(5).apply(thursday, new_year) == dt.date(2027, 1, 4)
    assert working_days(5).apply(thursday, CHRISTMAS) == dt.date(2027, 1, 1)
    assert working_days(5).apply(thursday) == thursday + 5 * DAY  # every day works
    assert working_days(-1).apply(MONDAY, CHRISTMAS) == thursday
    assert lc.working_days(0).description == "on"
    assert lc.working_days(-2).description == "2 working days before"


def test_a_working_day_offset_in_a_policy():
    onboarding = lc.policy(
        "onboarding_call", priority=4, anchor=lc.first("purchase"), offset=lc.working_days(5)
    )
    purchase = _touch("t-1", FRIDAY - DAY, "purchase")  # Christmas Eve, a Thursday
    verdict = _ask(onboarding, dt.date(2027, 1, 1), [purchase])
    assert verdict.due == dt.date(2027, 1, 1) and "moved" not in verdict.reason
    assert "due 5 working days after the purchase, on 2027-01-01" in verdict.reason
    assert _ask(onboarding, FRIDAY, [purchase], calendar=None).due == FRIDAY + 4 * DAY


def test_working_days_expiry():
    expiring = lc.policy(
        "welcome", priority=4, anchor=lc.first("purchase"), offset=lc.days(6),
        expires=lc.working_days(1),
    )  # fmt: skip
    purchase = _touch("t-1", FRIDAY - 7 * DAY, "purchase")  # due Thursday the 24th
    assert _ask(expiring, MONDAY, [purchase]).status is lc.Status.DUE
    assert _ask(expiring, TUESDAY, [purchase]).status is lc.Status.EXPIRED


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: lc.policies.Offset(days=1, working_days=1), "working days alone"),
        (lambda: working_days(40_000), "too long"),
        (lambda: working_days(1.5), "whole number"),  # type: ignore[arg-type]
        (
            lambda: lc.policies.Recurrence(step=working_days(3)),
            "calendar days, not working days",
        ),
    ],
)
def test_bad_working_day_offsets_are_refused(make, problem):
    with pytest.raises(lc.InvalidValueError, match=problem):
        make()


# -- fulfilment by channel ----------------------------------------------------------


def test_unless_we_called():
    recovery = lc.policy(
        "detractor_recovery",
        priority=2,
        anchor=lc.last("nps"),
        offset=lc.days(3),
        fulfilled_by=lc.fulfilled_by(direction="outbound", channels=["phone"]),
    )
    nps = _touch("t-1", dt.date(2026, 11, 2), "nps", score=3)
    email = _touch("t-2", dt.date(2026, 11, 3), "check_in", direction="outbound")
    call = _touch("t-3", dt.date(2026, 11, 4), "check_in", direction="outbound", channel="phone")
    as_of = dt.date(2026, 11, 10)
    due = _ask(recovery, as_of, [nps, email])
    assert due.status is lc.Status.DUE
    assert "no outbound touchpoint by phone since" in due.reason
    called = _ask(recovery, as_of, [nps, email, call])
    assert called.status is lc.Status.FULFILLED and called.facts["fulfilled_by"] == "t-3"


def test_channels_with_several_kinds_take_the_earliest():
    fulfilment = lc.fulfilled_by("onboarding", "check_in", channels=["phone", "meeting"])
    assert fulfilment.description == "onboarding or check_in by meeting or phone"
    welcome = lc.policy("welcome", priority=4, anchor=lc.first("purchase"), fulfilled_by=fulfilment)
    purchase = _touch("t-1", dt.date(2026, 11, 2), "purchase")
    later = _touch("t-3", dt.date(2026, 11, 5), "onboarding", channel="meeting")
    earlier = _touch("t-2", dt.date(2026, 11, 4), "check_in", channel="phone")
    web = _touch("t-4", dt.date(2026, 11, 3), "check_in", channel="web")
    found = _ask(welcome, dt.date(2026, 11, 9), [purchase, later, earlier, web], calendar=None)
    assert found.facts["fulfilled_by"] == "t-2"
    assert lc.fulfilled_by(channels="phone").channels == {lc.Channel.PHONE}
    with pytest.raises(lc.InvalidValueError, match="is not a channel"):
        lc.fulfilled_by(channels=["video"])


# -- properties -----------------------------------------------------------------------


@given(
    lct.policies(),
    lct.calendars(),
    lct.books(max_customers=2, max_touchpoints=8),
    lct.local_dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31)),
)
def test_a_moved_due_date_is_a_working_day_and_never_earlier(policy, calendar, book, as_of):
    for customer, timeline in book.items():
        context = Context(customer, timeline.until(as_of), as_of, None, {}, calendar)
        for verdict in evaluator(policy).evaluate(context, due_only=False, changes=False)[0]:
            if verdict.due is None:
                continue
            assert calendar.is_working(verdict.due)
            unmoved = verdict.facts.get("moved_from", verdict.due)
            assert unmoved <= verdict.due
            assert all(not calendar.is_working(d) for d in _days(unmoved, verdict.due))


def _days(start: dt.date, stop: dt.date) -> list[dt.date]:
    return [start + k * DAY for k in range((stop - start).days)]


@settings(max_examples=60)
@given(lct.policies(), st.data())
def test_every_generated_policy_keeps_the_contract_with_a_calendar(policy, data):
    as_of = data.draw(lct.local_dates(min_value=dt.date(2024, 1, 1)), label="as_of")
    book = data.draw(
        lct.books(max_customers=2, max_touchpoints=8, situations=True, as_of=as_of), label="book"
    )
    lct.check_laws(policy, book, as_of, calendar=data.draw(lct.calendars(), label="calendar"))


def test_check_policy_takes_a_calendar_or_a_strategy_for_one():
    few = settings(max_examples=5, database=None)
    lct.check_policy(lc.starter_pack(), calendar=CHRISTMAS, settings=few)
    lct.check_policy(lc.starter_pack(), calendar=lct.calendars(), settings=few)


def test_the_laws_use_the_calendar_with_your_own_engine_too():
    engine = functools.partial(lc.Engine, calendar=CHRISTMAS)
    book = lc.Book([_customer()], [PURCHASE])
    lct.check_laws(WELCOME, book, MONDAY, engine=engine, calendar=CHRISTMAS)
    lct.check_laws(WELCOME, book, FRIDAY, calendar=CHRISTMAS)


# -- policy files -------------------------------------------------------------------

FILE = """\
[calendar]
weekend = ["sat", "sun"]
holidays = ["2026-12-25"]

[[policy]]
name = "welcome"
priority = 4
anchor = { first = "purchase" }
offset = "7 days"
expires = "3 working days"
fulfilled_by = { channels = ["phone", "meeting"], since = { due = "-1 days" } }

[[policy]]
name = "onboarding_call"
priority = 5
anchor = { first = "purchase" }
offset = "5 working days"
"""


def test_a_policy_file_names_its_calendar_and_the_engine_uses_it():
    pack = lc.policies.parse_policies(FILE)
    assert pack.calendar == CHRISTMAS
    welcome, call = pack
    assert welcome.offset == lc.days(7) and welcome.expires == working_days(3)
    assert welcome.fulfilled_by.channels == {lc.Channel.PHONE, lc.Channel.MEETING}
    assert call.offset == working_days(5)
    engine = lc.Engine(pack)
    assert engine.calendar == CHRISTMAS
    book = lc.Book([_customer()], [PURCHASE])
    # 5 working days after Friday the 18th is Monday the 28th too.
    assert [a.due for a in engine.agenda(book, MONDAY).actions] == [MONDAY, MONDAY]
    # The engine's own calendar wins; a set combined keeps its file's calendar.
    assert lc.Engine(pack, calendar=Calendar()).calendar == Calendar()
    assert lc.policy_set(pack, lc.starter_pack()).calendar == CHRISTMAS
    assert lc.policy_set(pack, pack).calendar == CHRISTMAS
    with pytest.raises(lc.InvalidValueError, match="different calendars"):
        lc.policy_set(pack, lc.policies.PolicySet((), calendar=Calendar()))
    assert lc.policies.parse_policies(FILE.split("\n\n", 1)[1]).calendar is None


def test_lifecycle_due_takes_the_calendar_of_the_policy_file(tmp_path: Path, capsys):
    policies = tmp_path / "policies.toml"
    policies.write_text(FILE, encoding="utf-8")
    book = tmp_path / "book.json"
    lc.write_book(lc.Book([_customer()], [PURCHASE]), book)
    code = main(["due", "--book", str(book), "--policies", str(policies),
                 "--as-of", "2026-12-28", "--format", "csv"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "2026-12-28" in out and "moved from 2026-12-25" in out


@pytest.mark.parametrize(
    ("text", "key", "line", "problem"),
    [
        ('[calendar]\nweekend = "sat"\n', "calendar.weekend", 2, "must be a list"),
        ('[calendar]\nweekend = ["sat", "sonntag"]\n', "calendar.weekend", 2, "day names are"),
        ('[calendar]\nholidays = ["25/12/2026"]\n', "calendar.holidays", 2, "ISO date"),
        ('[calendar]\nholidays = "2026-12-25"\n', "calendar.holidays", 2, "must be a list"),
        ('[calendar]\ncountry = "G B"\n', "calendar.country", 2, "ISO 3166"),
        ('[calendar]\n\ncountry = "XX"\n', "calendar.country", 3, "holidays package knows"),
        ('[calendar]\nweekends = ["sat"]\n', "calendar.weekends", 2, "is not a key here"),
        ('calendar = "GB"\n', "calendar", 1, "must be a table"),
        ('calendar.weekend = "sat"\n', "calendar.weekend", 1, "must be a list"),
        ('calendar = { country = "" }\n', "calendar.country", 1, "ISO 3166"),
        # Quoted keys are not looked for: the table's line, or none, stands in.
        ('[calendar]\n"weekends" = ["sat"]\n', "calendar.weekends", 1, "is not a key here"),
        ('"calendar" = { weekends = ["sat"] }\n', "calendar.weekends", None, "is not a key"),
    ],
)
def test_bad_calendar_tables_name_line_and_key(text, key, line, problem):
    body = text + '\n[[policy]]\nname = "w"\npriority = 1\nanchor = { first = "purchase" }\n'
    with pytest.raises(lc.PolicyFileError) as caught:
        lc.policies.parse_policies(body)
    (found,) = caught.value.problems
    assert (found.key, found.line) == (key, line)
    assert problem in found.problem


@pytest.mark.parametrize(
    ("entry", "key", "problem"),
    [
        ('offset = "5 workdays"', "offset", "'5 working days'"),
        ('recurs = "5 working days"', "recurs", "not working days"),
        ('offset = "99999 working days"', "offset", "too long"),
        (
            'fulfilled_by = { since = { due = "-2 working days" } }',
            "fulfilled_by.since.due",
            "whole number of days",
        ),
        (
            'fulfilled_by = { channels = ["video"] }',
            "fulfilled_by.channels[0]",
            "is not a known channel",
        ),
        ('fulfilled_by = { channels = "phone" }', "fulfilled_by.channels", "must be a list"),
        ('fulfilled_by = { channels = [""] }', "fulfilled_by.channels[0]", "non-empty string"),
    ],
)
def test_bad_working_days_and_channels_in_a_file(entry, key, problem):
    body = f'[[policy]]\nname = "w"\npriority = 1\nanchor = {{ first = "purchase" }}\n{entry}\n'
    with pytest.raises(lc.PolicyFileError) as caught:
        lc.policies.parse_policies(body)
    (found,) = caught.value.problems
    assert found.key == f"policy[0].{key}" and found.line == 5
    assert problem in found.problem


def test_a_calendar_table_with_a_country():
    pytest.importorskip("holidays")
    text = textwrap.dedent("""\
        [calendar]
        country = "GB"
        holidays = [2026-12-24]

        [[policy]]
        name = "w"
        priority = 1
        anchor = { first = "purchase" }
        """)
    pack = lc.policies.parse_policies(text)
    assert pack.calendar == Calendar(country="GB", holidays=[FRIDAY - DAY])


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_lifecycle_due_calendar_country(tmp_path: Path, capsys, workers):
    pytest.importorskip("holidays")
    book = tmp_path / "book"
    lc.write_book(lc.Book([_customer()], [PURCHASE]), book)
    base = ["due", "--book", str(book), "--as-of", "2026-12-28", "--format", "csv", *workers]
    assert main(base) == 0
    assert "2026-12-25" in capsys.readouterr().out  # no calendar: due on Christmas Day
    assert main([*base, "--calendar-country", "GB"]) == 0
    assert "2026-12-29" not in capsys.readouterr().out  # due on Tuesday: not yet
    assert main([*base, "--as-of", "2026-12-29", "--calendar-country", "GB"]) == 0
    assert "moved from 2026-12-25" in capsys.readouterr().out
    assert main([*base, "--calendar-country", "G B"]) == 1
    assert "ISO 3166" in capsys.readouterr().err
