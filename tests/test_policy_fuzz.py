"""Fuzz tests: whatever a policy file holds, only the library's own errors escape.

Raw bytes, raw text and near-valid policy files (every key, with values at and
past their limits) go to `load_policies` and to ``lifecycle validate
--policies``. A file that loads is then evaluated, at the edges of the book
dates, so that nothing left for ``due`` to trip on passes the load.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle as lc
from lifecycle.cli import main

# Each example writes a file; pytest's tmp_path is one folder per test, not per example.
# The suite runs the profile's budget; a long run sets LIFECYCLE_FUZZ_EXAMPLES.
_LONG_RUN = os.environ.get("LIFECYCLE_FUZZ_EXAMPLES")
FUZZ = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    **({"max_examples": int(_LONG_RUN)} if _LONG_RUN else {}),
)

EDGES = [0, 1, -1, 7, 12, 31, 53, 100, 101, 366, 1200, 1201, 5217, 5218, 36525, 36526, 10**20]
NUMBERS = st.one_of(st.integers(-400, 400), st.sampled_from(EDGES), st.just(-(10**40)))
UNITS = st.sampled_from(["day", "days", "week", "weeks", "month", "months", "year", "years"])
DURATIONS = st.one_of(
    st.builds("{}{} {}".format, st.sampled_from(["", "-", "+"]), NUMBERS.map(abs), UNITS),
    st.builds("{} {}".format, st.just("9" * 5000), UNITS),
    st.sampled_from(["7 dayz", "", " 3  months ", "1.5 days", "-0 days"]),
)
PART = st.sampled_from(
    ["INTERVAL", "COUNT", "BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS",
     "BYEASTER", "BYHOUR", "BYMINUTE", "BYSECOND"]
)  # fmt: skip
RULE_PARTS = st.one_of(
    st.builds("{}={}".format, PART, NUMBERS),
    st.sampled_from(
        [
            "BYDAY=MO,+1TU,-1FR",
            "WKST=SU",
            "UNTIL=20300101T000000Z",
            "UNTIL=99991231",
            "UNTIL=19000101",
            "BYDAY=+60MO",
            "BYMONTH=2;BYMONTHDAY=30",
        ]
    ),
)
RRULES = st.builds(
    lambda head, freq, parts, tail: head + ";".join([f"FREQ={freq}", *parts]) + tail,
    st.sampled_from(["", "RRULE:", "DTSTART:20200101T000000\nRRULE:"]),
    st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"]),
    st.lists(RULE_PARTS, max_size=4),
    st.sampled_from(
        ["", "\nRDATE:20200101T000000", "\nEXDATE:20200101T000000", "\nRRULE:FREQ=DAILY"]
    ),
)
# Mostly valid, so that files get past their first problem; now and then not.
KINDS = st.sampled_from(
    ["purchase", "nps", "renewal", "cancellation", "complaint", "csat", "onboarding", "gossip"]
)
ANCHORS = st.recursive(
    st.one_of(
        st.sampled_from(["since", "contract_end", "since", "contract_end", "sinse"]),
        st.builds(lambda side, kind: {side: kind}, st.sampled_from(["first", "last"]), KINDS),
    ),
    lambda inner: st.one_of(
        st.builds(lambda a, b: {"latest": [a, b]}, inner, inner),
        st.builds(lambda kind, after: {"first": kind, "after": after}, KINDS, inner),
    ),
    max_leaves=4,
)
CONDITIONS = st.recursive(
    st.one_of(
        st.builds(lambda lo, hi: {"score": {"at_least": lo, "at_most": hi}}, NUMBERS, NUMBERS),
        st.builds(lambda d: {"tagged": {"tag": "vip", "within": d}}, DURATIONS),
        st.just({"stage": "active"}),
        st.just({"churned": True}),
        st.just({"health": "at_risk"}),
        st.builds(lambda a: {"exists": a}, ANCHORS),
    ),
    lambda inner: st.one_of(
        st.builds(lambda a, b: {"all": [a, b]}, inner, inner),
        st.builds(lambda a, b: {"any": [a, b]}, inner, inner),
        st.builds(lambda a: {"not": a}, inner),
    ),
    max_leaves=6,
)
WINDOWS = st.builds(
    lambda base, d: {"since": {base: d}},
    st.sampled_from(["anchor", "anchor_date", "due"]),
    DURATIONS,
)
VALUES = {
    "name": st.sampled_from(["p", "q", " p", "=cmd", ""]),
    "priority": NUMBERS,
    "anchor": ANCHORS,
    "offset": DURATIONS,
    "expires": DURATIONS,
    "recurs": st.one_of(DURATIONS, RRULES.map(lambda r: {"rrule": r})),
    "when": CONDITIONS,
    "restrict": CONDITIONS,
    "fulfilled_by": st.one_of(WINDOWS, st.builds(lambda k: {"kinds": [k]}, KINDS)),
}
WILD = st.recursive(
    st.one_of(st.integers(), st.booleans(), st.text(max_size=20), st.floats(allow_nan=False)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def toml(value: object) -> str:
    """The TOML spelling of a plain value (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) or value == value else "nan"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    pairs = (f"{json.dumps(k, ensure_ascii=False)} = {toml(v)}" for k, v in value.items())
    return "{ " + ", ".join(pairs) + " }"


@st.composite
def policy_files(draw: st.DrawFn) -> str:
    """Near-valid policy files: the right keys, values at and past their limits."""
    blocks = []
    for i in range(draw(st.integers(1, 3))):
        optional = sorted(set(VALUES) - {"name", "priority", "anchor"})
        keys = draw(st.lists(st.sampled_from(optional), unique=True, min_size=1))
        values = {k: draw(VALUES[k]) for k in ("priority", "anchor", *keys)}
        values["name"] = draw(st.just(f"p{i}") | VALUES["name"])
        if draw(st.booleans()):  # one key, of any kind, given a wild value
            values[draw(st.sampled_from(sorted(VALUES)))] = draw(WILD)
        lines = [f"{k} = {toml(v)}" for k, v in values.items()]
        blocks.append("[[policy]]\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def loads_or_refuses(path: Path) -> None:
    """Load the file; if it loads, evaluate it at the edges of the book dates."""
    try:
        policies = lc.load_policies(path)
    except lc.LifecycleError:
        return
    book = lc.sample_book()
    for customer in list(book.customers)[:3]:
        timeline = book.timeline(customer.id)
        for as_of in (dt.date(1900, 1, 1), dt.date(2026, 6, 1), dt.date(2199, 12, 31)):
            for p in policies:
                p.verdicts(customer, timeline, as_of)
                lc.next_change(p, customer, timeline, as_of)


def validate(path: Path) -> None:
    """``lifecycle validate --policies`` exits 0 or 1, with no traceback, one line on stderr at most."""
    out, err = io.StringIO(), io.StringIO()
    status = main(["validate", "--policies", str(path)], out=out, err=err)
    assert status in (0, 1), (status, err.getvalue())
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert len(err.getvalue().splitlines()) <= 1
    if status == 1:
        assert out.getvalue().endswith(" found\n") or err.getvalue()


@FUZZ
@given(st.binary(max_size=400))
def test_raw_bytes_meet_only_library_errors(tmp_path: Path, data: bytes):
    """Any bytes at all: a PolicyFileError (or policies), never another exception."""
    path = tmp_path / "policies.toml"
    path.write_bytes(data)
    loads_or_refuses(path)


@FUZZ
@given(
    st.text(alphabet=st.sampled_from("[]{}=\"',.#\n abc01-"), max_size=300) | st.text(max_size=200)
)
def test_raw_text_meets_only_library_errors(tmp_path: Path, text: str):
    """Text made of TOML's punctuation, or any text: only library errors escape."""
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8")
    loads_or_refuses(path)


@FUZZ
@given(policy_files())
def test_near_valid_files_meet_only_library_errors(tmp_path: Path, text: str):
    """Files of the right shape with values at and past their limits load or are refused."""
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8")
    loads_or_refuses(path)


@FUZZ
@given(policy_files() | st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")))
def test_validate_reports_every_file_without_a_traceback(tmp_path: Path, text: str):
    """The command line says what is wrong in one line per problem, exit 1, or ok, exit 0."""
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    validate(path)


@FUZZ
@given(st.integers(1, 2000), st.sampled_from(["{a=", "[", "{a=[", "[{a="]))
def test_any_nesting_depth_is_refused_or_loaded(tmp_path: Path, depth: int, opener: str):
    """Tables and arrays nested to any depth: refused with the depth limit, never a crash."""
    closer = "".join({"{": "}", "[": "]"}[c] for c in reversed(opener) if c in "{[")
    body = opener * depth + "1" + closer * depth
    path = tmp_path / "policies.toml"
    path.write_text(f'[[policy]]\nname = "p"\npriority = 1\nanchor = "since"\nwhen = {body}\n')
    loads_or_refuses(path)
