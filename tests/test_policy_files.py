"""Policies as configuration: TOML files build the same policies as the Python API."""

from __future__ import annotations

import datetime as dt
import io
import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle.cli import main
from lifecycle.policies import parse_policies

STARTER = lc.load_policies(lc.starter_pack_path())


@given(lct.local_dates(min_value=dt.date(2024, 1, 1)), st.data())
def test_the_starter_pack_file_gives_the_starter_pack_agenda(as_of: dt.date, data: st.DataObject):
    """starter-pack.toml and starter_pack() give the same agenda on any book, action for action."""
    book = data.draw(lct.books(max_customers=3, max_touchpoints=15, situations=True, as_of=as_of))
    engine = lc.Engine(STARTER, cap=None)
    assert engine.agenda(book, as_of) == lc.Engine(lc.starter_pack(), cap=None).agenda(book, as_of)
    for customer in book:
        mine = engine.explain(book, customer.id, as_of).verdicts
        theirs = lc.Engine(lc.starter_pack()).explain(book, customer.id, as_of).verdicts
        assert mine == theirs


def agenda_of(text: str, python: lc.Policy) -> None:
    """The file's one policy and *python* give the same verdicts on the sample book."""
    (from_file,) = parse_policies(text)
    for day in (lc.SAMPLE_AS_OF, dt.date(2025, 6, 30)):
        engine = lc.Engine([from_file], cap=None, skip_churned=False)
        other = lc.Engine([python], cap=None, skip_churned=False)
        for customer in lc.sample_book():
            mine = engine.explain(lc.sample_book(), customer.id, day).verdicts
            assert [(v.status, v.due) for v in mine] == [
                (v.status, v.due)
                for v in other.explain(lc.sample_book(), customer.id, day).verdicts
            ]


def test_every_form_means_what_its_python_twin_means():
    """Each block in TOML gives the verdicts of the same block built in Python."""
    head = '[[policy]]\nname = "p"\npriority = 3\n'
    agenda_of(
        head + 'anchor = { last = "nps", direction = "inbound" }\noffset = "2 weeks"\n'
        'when = { any = [{ segment = ["smb", "mid"] }, { not = { score = { at_least = 7 } } }] }\n'
        'expires = "10 days"\n',
        lc.policy(
            "p",
            priority=3,
            anchor=lc.last("nps", direction="inbound"),
            offset=lc.policies.weeks(2),
            when=lc.policies.segment("smb", "mid") | ~lc.score(at_least=7),
            expires=lc.days(10),
        ),
    )
    agenda_of(
        head + 'anchor = { first = "purchase" }\nrecurs = "3 months"\noffset = "1 month"\n'
        'when = { all = [{ attribute = { name = "segment", is = ["enterprise"] } }, '
        '{ stage = ["active", "at_risk"] }] }\n',
        lc.policy(
            "p",
            priority=3,
            anchor=lc.first("purchase"),
            recurs=lc.every(months=3),
            offset=lc.policies.months(1),
            when=lc.policies.attribute("segment", "enterprise")
            & lc.policies.in_stage("active", "at_risk"),
        ),
    )
    agenda_of(
        head + 'anchor = "since"\nrecurs = { rrule = "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15" }\n'
        "when = { not = { churned = true } }\n"
        'fulfilled_by = { kinds = ["check_in"], since = { due = "-3 days" } }\n',
        lc.policy(
            "p",
            priority=3,
            anchor=lc.policies.customer_since(),
            recurs=lc.every(
                rule=__import__("dateutil.rrule").rrule.rrulestr(
                    "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15"
                )
            ),
            when=~lc.policies.churned(),
            fulfilled_by=lc.fulfilled_by("check_in", since=lc.policies.from_due(days=-3)),
        ),
    )
    agenda_of(
        head + 'anchor = { last = "any" }\noffset = "1 year"\n'
        'when = { tagged = { tag = "feature:reports", within = "90 days", kind = "nps" } }\n'
        'restrict = { segment = "enterprise" }\n',
        lc.restrict(
            lc.policy(
                "p",
                priority=3,
                anchor=lc.last(),
                offset=lc.policies.years(1),
                when=lc.policies.tagged("feature:reports", within_days=90, kind="nps"),
            ),
            lc.policies.segment("enterprise"),
        ),
    )


def test_feedback_to_action_is_one_short_policy():
    """Every customer whose feedback in 90 days is tagged feature:reports gets a call."""
    (call,) = parse_policies(
        '[[policy]]\nname = "reports_call"\npriority = 4\nanchor = { last = "any" }\n'
        'when = { tagged = { tag = "feature:reports", within = "90 days" } }\n'
        'fulfilled_by = { kinds = ["check_in"], direction = "outbound" }\n'
    )
    customer = lc.Customer(id="c", name="C", since=dt.date(2025, 1, 1))
    asked = lc.Touchpoint(
        id="t",
        customer_id="c",
        at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        channel="web",
        kind="csat",
        direction="inbound",
        score=4,
        tags={"feature:reports"},
    )
    book = lc.Book([customer], [asked])
    (action,) = lc.Engine([call]).agenda(book, dt.date(2026, 3, 2))
    assert action.policy == "reports_call"
    assert lc.Engine([call]).agenda(book, dt.date(2026, 6, 30)).actions == ()


def test_a_registered_python_policy_is_used_by_name(monkeypatch: pytest.MonkeyPatch):
    """use = "name" loads an entry point of the lifecycle.policies group, and nothing else."""
    points = [
        EntryPoint(
            "pack", "lifecycle.policies.starter:starter_pack", lc.policies.ENTRY_POINT_GROUP
        ),
        EntryPoint("pi", "math:pi", lc.policies.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr("lifecycle.policies._toml.entry_points", lambda group: points)
    pack = parse_policies('[[policy]]\nuse = "pack"\n')
    assert [p.name for p in pack][:2] == ["complaint_follow_up", "detractor_recovery"]
    with pytest.raises(lc.PolicyFileError, match="is registered, but is not a policy"):
        parse_policies('[[policy]]\nuse = "pi"\n')
    with pytest.raises(lc.PolicyFileError, match="names no policy registered"):
        parse_policies('[[policy]]\nuse = "os.system"\n')


GOOD = '[[policy]]\nname = "p"\npriority = 2\nanchor = { first = "purchase" }\n'

#: (case, file text, line, key, problem) -- each bad file and its precise error.
BAD_FILES: list[tuple[str, str, int | None, str | None, str]] = [
    ("not TOML", "[[policy]\nname = 1\n", 1, None, "is not valid TOML"),
    ("unknown top-level key", 'title = "x"\n' + GOOD, 1, "title", "is not a top-level key"),
    ("empty file", "", None, "policy", "needs [[policy]] tables"),
    ("unknown key", GOOD + 'colour = "red"\n', 5, "policy[0].colour", "is not a policy key"),
    ("missing anchor", '[[policy]]\nname = "p"\npriority = 2\n', 1, "policy[0].anchor", "is required"),
    ("priority as text", GOOD.replace("2", '"2"'), 3, "policy[0].priority", "whole number"),
    ("priority a fraction", GOOD.replace("2", "2.5"), 3, "policy[0].priority", "whole number"),
    ("bad name", GOOD.replace('"p"', '" p"'), 2, "policy[0].name", "white space"),
    ("bad duration", GOOD + 'offset = "7 dayz"\n', 5, "policy[0].offset", "is not a duration"),
    ("unknown kind", GOOD.replace("purchase", "purchse"), 4, "policy[0].anchor.first", "is not a known kind"),
    ("unknown anchor", GOOD.replace('{ first = "purchase" }', '"sinse"'), 4, "policy[0].anchor", "must be an anchor"),
    ("two sides", GOOD.replace('first = "purchase"', 'first = "nps", last = "nps"'), 4, "policy[0].anchor", "exactly one of first"),
    ("bad direction", GOOD.replace('"purchase"', '"purchase", direction = "sideways"'), 4, "policy[0].anchor.direction", "'inbound' or 'outbound'"),
    ("unknown stage", GOOD + 'when = { stage = "asleep" }\n', 5, "policy[0].when.stage", "is not a stage"),
    ("unknown condition", GOOD + 'when = { mood = "sad" }\n', 5, "policy[0].when.mood", "is not a condition"),
    ("two conditions", GOOD + 'when = { segment = "a", stage = "active" }\n', 5, "policy[0].when", "exactly one key"),
    ("score as text", GOOD + 'when = { score = { at_most = "6" } }\n', 5, "policy[0].when.score.at_most", "whole number"),
    ("empty score", GOOD + "when = { score = {} }\n", 5, "policy[0].when.score", "at_least, at_most"),
    ("one of all", GOOD + 'when = { all = [{ segment = "a" }] }\n', 5, "policy[0].when.all", "at least two"),
    ("churned false", GOOD + "when = { churned = false }\n", 5, "policy[0].when.churned", "must be true"),
    ("months in a window", GOOD + 'fulfilled_by = { since = { due = "-1 month" } }\n', 5, "policy[0].fulfilled_by.since.due", "whole number of days"),
    ("window of two bases", GOOD + 'fulfilled_by = { since = { due = "0 days", anchor = "0 days" } }\n', 5, "policy[0].fulfilled_by.since", "exactly one of anchor"),
    ("inclusive not a bool", GOOD + 'fulfilled_by = { since = { anchor = "0 days", inclusive = "yes" } }\n', 5, "policy[0].fulfilled_by.since.inclusive", "true or false"),
    ("kinds not a list", GOOD + 'fulfilled_by = { kinds = "referral" }\n', 5, "policy[0].fulfilled_by.kinds", "must be a list"),
    ("zero recurrence", GOOD + 'recurs = "0 days"\n', 5, "policy[0].recurs", "positive step"),
    ("bad rrule", GOOD + 'recurs = { rrule = "FREQ=SOMETIMES" }\n', 5, "policy[0].recurs.rrule", "RFC 5545"),
    ("latest of one", GOOD.replace('{ first = "purchase" }', '{ latest = [{ first = "nps" }] }'), 4, "policy[0].anchor.latest", "at least two"),
    ("duplicate name", GOOD + GOOD, 6, "policy[1].name", "earlier policy"),
    ("attribute without a name", GOOD + 'when = { attribute = { is = ["pro"] } }\n', 5, "policy[0].when.attribute", "needs a name"),
    ("tagged without a tag", GOOD + 'when = { tagged = { within = "30 days" } }\n', 5, "policy[0].when.tagged", "needs a tag"),
    ("tagged with an unknown kind", GOOD + 'when = { tagged = { tag = "vip", kind = "gossip" } }\n', 5, "policy[0].when.tagged.kind", "is not a known kind"),
    ("empty description", GOOD + 'description = ""\n', 5, "policy[0].description", "non-empty string"),
    ("unknown health band", GOOD + 'when = { health = "grumpy" }\n', 5, "policy[0].when.health", "is not a band"),
    ("inline policies", 'policy = [{ name = "p", priority = 1 }]\n', None, "policy[0].anchor", "is required"),
    ("use with more", '[[policy]]\nuse = "x"\nname = "p"\n', 3, "policy[0].name", "is not a key here"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_every_bad_file_meets_its_precise_error(
    tmp_path: Path, text: str, line: int | None, key: str | None, problem: str
):
    """Each bad file raises PolicyFileError naming the file, the line and the key."""
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(lc.PolicyFileError) as info:
        lc.load_policies(path)
    error = info.value
    assert error.path == str(path)
    (found,) = error.problems
    assert (found.line, found.key) == (line, key)
    assert problem in found.problem
    assert str(error).startswith(f"{path}: 1 problem\n")


def test_the_bad_file_table_is_broad():
    """At least fifteen distinct bad files."""
    assert len({case[0] for case in BAD_FILES}) == len(BAD_FILES) >= 15


def test_all_problems_are_reported_at_once():
    """Problems in several policies and keys come together, in line order."""
    text = (
        '[[policy]]\nname = "a"\npriority = "high"\nanchor = { first = "purchse" }\n'
        'offset = "7 dayz"\n\n[[policy]]\nname = "b"\npriority = 1\nanchor = "since"\n'
        'expires = "soon"\n'
    )
    with pytest.raises(lc.PolicyFileError) as info:
        parse_policies(text, source="team.toml")
    assert [(p.line, p.key) for p in info.value.problems] == [
        (3, "policy[0].priority"),
        (4, "policy[0].anchor.first"),
        (5, "policy[0].offset"),
        (11, "policy[1].expires"),
    ]
    assert str(info.value).startswith("team.toml: 4 problems\n  line 3: policy[0].priority")


def test_custom_kinds_and_lifecycles_are_known_when_given():
    """A file may name custom kinds and the stages of a custom lifecycle it is loaded with."""
    ces = lc.Kind("ces", score_range=(1, 7))
    stages = lc.Lifecycle(
        stages=("lead", "client"), initial="lead", transitions={"lead": ["client"]}
    )
    (made,) = parse_policies(
        '[[policy]]\nname = "ces_call"\npriority = 2\nanchor = { last = "ces" }\n'
        'when = { stage = "client" }\n',
        kinds=[ces],
        lifecycle=stages,
    )
    assert made.anchor.description == "ces"
    (at_risk,) = parse_policies(GOOD + 'when = { health = ["at_risk", "watch"] }\n')
    assert at_risk.when is not None and at_risk.when.description == "health is at_risk or watch"
    (vip,) = parse_policies(GOOD + 'when = { tagged = "vip" }\n')
    assert vip.when is not None and vip.when.description.startswith("tagged")


def test_unreadable_files_are_a_policy_file_error(tmp_path: Path):
    """A missing file or one that is not UTF-8 is a PolicyFileError, not a crash."""
    with pytest.raises(lc.PolicyFileError, match="cannot be read"):
        lc.load_policies(tmp_path / "missing.toml")
    (tmp_path / "latin.toml").write_bytes(b'[[policy]]\nname = "caf\xe9"\n')
    with pytest.raises(lc.PolicyFileError, match="cannot be read"):
        lc.load_policies(tmp_path / "latin.toml")


# -- hostile files (issue 23): each refused at load, with what is wrong ----------------------

DEEP = "{ a = " * 330 + "1" + " }" * 330
DEEPER = "[" * 2000 + "]" * 2000


def rule(text: str) -> str:
    """A file whose one policy recurs by *text*."""
    return GOOD + f"recurs = {{ rrule = {json.dumps(text)} }}\n"


#: (case, file text, line, key, problem) for what an attacker or an unlucky operator writes.
HOSTILE_FILES: list[tuple[str, str, int | None, str | None, str]] = [
    ("tables nested 330 deep", GOOD + f"when = {DEEP}\n", 5, None, "nests tables and arrays too deeply (at most 32 levels)"),
    ("tables nested 40 deep", GOOD + "when = " + "{a=" * 40 + "1" + "}" * 40 + "\n", 5, "policy[0].when", "at most 32 levels"),
    ("arrays nested 2,000 deep", GOOD + f"when = {DEEPER}\n", 5, None, "nests tables and arrays too deeply"),
    ("99999999999 days", GOOD + 'offset = "99999999999 days"\n', 5, "policy[0].offset", "is too long: at most 36,525 days (100 years) either way"),
    ("a 5,000-digit duration", GOOD + f'offset = "{"9" * 5000} days"\n', 5, "policy[0].offset", "is too long: at most 36,525 days"),
    ("a 5,000-digit number", GOOD + f"description = {'9' * 5000}\n", None, None, "is not valid TOML"),
    ("999999 years", GOOD + 'offset = "999999 years"\n', 5, "policy[0].offset", "is too long: at most 100 years either way"),
    ("-2100 years", GOOD + 'offset = "-2100 years"\n', 5, "policy[0].offset", "is too long: at most 100 years either way"),
    ("1201 months", GOOD + 'offset = "-1201 months"\n', 5, "policy[0].offset", "at most 1,200 months"),
    ("5218 weeks", GOOD + 'offset = "5218 weeks"\n', 5, "policy[0].offset", "at most 5,217 weeks"),
    ("a huge expiry", GOOD + 'expires = "99999999 days"\n', 5, "policy[0].expires", "at most 36,525 days"),
    ("a huge fulfilment window", GOOD + 'fulfilled_by = { since = { due = "-99999999999 days" } }\n', 5, "policy[0].fulfilled_by.since.due", "at most 36,525 days"),
    ("a huge anchor window", GOOD + 'fulfilled_by = { since = { anchor = "36526 days" } }\n', 5, "policy[0].fulfilled_by.since.anchor", "at most 36,525 days"),
    ("a huge tag window", GOOD + 'when = { tagged = { tag = "vip", within = "40000 days" } }\n', 5, "policy[0].when.tagged.within", "at most 36,525 days"),
    ("a negative tag window", GOOD + 'when = { tagged = { tag = "vip", within = "-1 days" } }\n', 5, "policy[0].when.tagged.within", "must not be negative"),
    ("a step of 101 years", GOOD + 'recurs = "101 years"\n', 5, "policy[0].recurs", "at most 100 years"),
    ("RDATE", rule("RRULE:FREQ=YEARLY\nRDATE:20200101T000000"), 5, "policy[0].recurs.rrule", "is a rule set: RDATE, EXDATE, EXRULE"),
    ("EXDATE", rule("RRULE:FREQ=YEARLY\nEXDATE:20200101T000000"), 5, "policy[0].recurs.rrule", "is a rule set"),
    ("two RRULEs", rule("RRULE:FREQ=YEARLY\nRRULE:FREQ=MONTHLY"), 5, "policy[0].recurs.rrule", "is a rule set"),
    ("BYEASTER=99999999999", rule("FREQ=YEARLY;BYEASTER=99999999999"), 5, "policy[0].recurs.rrule", "BYEASTER is not supported (a dateutil extension)"),
    ("INTERVAL=0", rule("FREQ=DAILY;INTERVAL=0"), 5, "policy[0].recurs.rrule", "INTERVAL=0 must be from 1 to 36,525 (100 years)"),
    ("INTERVAL of 101 years", rule("FREQ=YEARLY;INTERVAL=101"), 5, "policy[0].recurs.rrule", "INTERVAL=101 must be from 1 to 100"),
    ("FREQ=SECONDLY", rule("FREQ=SECONDLY"), 5, "policy[0].recurs.rrule", "FREQ=SECONDLY is below a day"),
    ("FREQ=MINUTELY", rule("FREQ=MINUTELY"), 5, "policy[0].recurs.rrule", "FREQ=MINUTELY is below a day"),
    ("FREQ=HOURLY", rule("FREQ=HOURLY"), 5, "policy[0].recurs.rrule", "FREQ=HOURLY is below a day"),
    ("BYHOUR", rule("FREQ=DAILY;BYHOUR=9"), 5, "policy[0].recurs.rrule", "BYHOUR is not supported (stewardship works in days)"),
    ("a rule that never matches", rule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"), 5, "policy[0].recurs.rrule", "matches no date"),
    ("BYDAY=+60MO", rule("FREQ=YEARLY;BYDAY=+60MO"), 5, "policy[0].recurs.rrule", "BYDAY=+60MO is out of range"),
    ("BYMONTH=101", rule("FREQ=YEARLY;BYMONTH=101"), 5, "policy[0].recurs.rrule", "BYMONTH=101 is out of range"),
    ("COUNT and UNTIL", rule("FREQ=YEARLY;COUNT=2;UNTIL=20300101T000000Z"), 5, "policy[0].recurs.rrule", "give COUNT or UNTIL, not both"),
    ("a rule too long to parse", rule("FREQ=DAILY;COUNT=" + "9" * 5000), 5, "policy[0].recurs.rrule", "is not an RFC 5545 rule"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [case[1:] for case in HOSTILE_FILES],
    ids=[case[0] for case in HOSTILE_FILES],
)
def test_every_hostile_file_is_refused_at_load_with_what_is_wrong(
    tmp_path: Path, text: str, line: int | None, key: str | None, problem: str
):
    """Load refuses it (a PolicyFileError with line, key and problem), and validate says so."""
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(lc.PolicyFileError) as info:
        lc.load_policies(path)
    (found,) = info.value.problems
    assert (found.line, found.key) == (line, key)
    assert problem in found.problem
    assert len(str(info.value)) < 400  # the value is quoted, shortened
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", "--policies", str(path)], out=out, err=err) == 1
    assert err.getvalue() == ""
    reported, summary = out.getvalue().splitlines()
    assert reported.startswith(f"{path}, line {line}" if line else f"{path}, the file")
    assert problem in reported
    assert summary == "1 problem found"


def test_the_limits_themselves_load():
    """At the bounds, exactly: 100 years of each unit, and a rule stepping 100 years."""
    for span in ("36525 days", "-5217 weeks", "1200 months", "-100 years"):
        (made,) = parse_policies(GOOD + f'offset = "{span}"\nexpires = "{span.lstrip("-")}"\n')
        assert made.offset.apply(dt.date(2199, 12, 31)).year in range(2099, 2301)
    (yearly,) = parse_policies(rule("FREQ=YEARLY;INTERVAL=100;UNTIL=20991231T000000Z"))
    assert yearly.recurs is not None
    assert yearly.recurs.latest(dt.date(1900, 1, 1), dt.date(2199, 12, 31)) == (
        1,
        dt.date(2000, 1, 1),
    )


def test_a_building_blocks_own_complaint_is_told_at_its_key(monkeypatch: pytest.MonkeyPatch):
    """Whatever a building block refuses becomes a problem at the key that gave the value."""

    def refuse(*names: str) -> lc.policies.Condition:
        raise lc.InvalidValueError("segment", names[0], "is not a segment here")

    monkeypatch.setattr("lifecycle.policies._toml.segment", refuse)
    with pytest.raises(lc.PolicyFileError) as info:
        parse_policies(GOOD + 'when = { segment = "a" }\n')
    (found,) = info.value.problems
    assert (found.line, found.key, found.value) == (5, "policy[0].when", "a")
    assert found.problem == "is not a segment here"
