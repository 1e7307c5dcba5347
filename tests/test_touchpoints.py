"""Touchpoints, kinds, channels and directions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given

import lifecycle as lc
import lifecycle.testing as lct

AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def make(**changes: object) -> lc.Touchpoint:
    fields: dict[str, object] = {
        "id": "t-1",
        "customer_id": "c-1",
        "at": AT,
        "channel": "email",
        "kind": "check_in",
        "direction": "outbound",
    }
    fields.update(changes)
    return lc.Touchpoint(**fields)  # type: ignore[arg-type]


def test_names_convert_to_members():
    """Channel, kind and direction names become their enum members / kinds."""
    tp = make(channel="in_person", kind="nps", direction="inbound", score=7)
    assert (tp.channel, tp.kind, tp.direction) == (
        lc.Channel.IN_PERSON,
        lc.Kind.NPS,
        lc.Direction.INBOUND,
    )


def test_enums_compare_to_their_names():
    """StrEnum members equal their file names, which keeps user code short."""
    assert lc.Channel.EMAIL == "email"
    assert lc.Direction.OUTBOUND == "outbound"


def test_standard_kinds_are_the_fourteen_of_the_book_format():
    """The standard kinds are exactly those of book-format.md, in its order."""
    expected = (
        "inquiry demo purchase onboarding check_in health_check complaint resolution "
        "nps csat referral renewal anniversary cancellation"
    ).split()
    assert [k.name for k in lc.Kind.standard()] == expected
    assert lc.Kind.PURCHASE is lc.Kind.named("purchase")


def test_only_nps_and_csat_carry_scores():
    """Score ranges: NPS 0-10, CSAT 1-5, none on the other standard kinds."""
    ranges = {k.name: k.score_range for k in lc.Kind.standard() if k.scored}
    assert ranges == {"nps": (0, 10), "csat": (1, 5)}


@pytest.mark.parametrize(
    ("kind", "score"), [("nps", 0), ("nps", 10), ("csat", 1), ("csat", 5), ("nps", None)]
)
def test_scores_at_the_edges_of_their_range_are_accepted(kind: str, score: int | None):
    """The ends of each range are valid, and a survey may be unanswered."""
    assert make(kind=kind, score=score).score == score


@pytest.mark.parametrize(
    ("kind", "score", "message"),
    [
        ("nps", -1, "from 0 to 10"),
        ("nps", 11, "from 0 to 10"),
        ("csat", 0, "from 1 to 5"),
        ("csat", 6, "from 1 to 5"),
        ("check_in", 3, "carry no score"),
        ("nps", True, "whole number"),
        ("nps", 7.0, "whole number"),
    ],
)
def test_bad_scores_are_rejected_naming_the_value(kind: str, score: object, message: str):
    """A score outside its kind's range, or on an unscored kind, is a ScoreError."""
    with pytest.raises(lc.ScoreError, match=message) as info:
        make(kind=kind, score=score)
    assert info.value.field == "score"
    assert info.value.value == score


def test_a_naive_datetime_is_rejected():
    """A datetime without a zone is an error, never a guess."""
    with pytest.raises(lc.NaiveDatetimeError, match="naive") as info:
        make(at=dt.datetime(2026, 3, 1, 9, 30))  # noqa: DTZ001 - the point of the test
    assert info.value.field == "at"


def test_a_date_is_not_an_instant():
    """A plain date for `at` names the field and the expected type."""
    with pytest.raises(lc.InvalidValueError, match="timezone-aware datetime"):
        make(at=dt.date(2026, 3, 1))


@pytest.mark.parametrize(
    ("field", "value", "error", "named"),
    [
        ("kind", "purchse", lc.UnknownKindError, "'purchse'"),
        ("channel", "fax", lc.InvalidValueError, "'fax'"),
        ("direction", "sideways", lc.InvalidValueError, "'sideways'"),
        ("id", "", lc.InvalidValueError, "id=''"),
        ("id", " t-1", lc.InvalidValueError, "' t-1'"),
        ("customer_id", 42, lc.InvalidValueError, "customer_id=42"),
        ("tags", "billing", lc.InvalidValueError, "'billing'"),
        # A bad tag in a collection is named on its own, not the whole collection.
        ("tags", ["ok", "a;b"], lc.InvalidValueError, "tags='a;b'"),
        ("tags", [""], lc.InvalidValueError, "tags=''"),
        ("note", None, lc.InvalidValueError, "note=None"),
    ],
)
def test_bad_fields_name_field_and_value(
    field: str, value: object, error: type[Exception], named: str
):
    """Each bad field raises a specific error whose message names the value."""
    with pytest.raises(error) as info:
        make(**{field: value})
    assert named in str(info.value)


def test_unknown_kind_message_lists_the_known_kinds():
    """A typo is easy to spot because the known names are listed."""
    with pytest.raises(lc.UnknownKindError, match="purchase"):
        lc.Kind.named("purchse")


def test_custom_kinds_are_registered_by_passing_them():
    """A custom kind is found by name only when passed in."""
    webinar = lc.Kind("webinar")
    assert lc.Kind.named("webinar", custom=[webinar]) is webinar
    with pytest.raises(lc.UnknownKindError):
        lc.Kind.named("webinar")


def test_a_custom_kind_may_not_redefine_a_standard_one():
    """Reusing a standard name with another score range is refused."""
    with pytest.raises(lc.InvalidValueError, match="clashes"):
        lc.Kind.named("nps", custom=[lc.Kind("nps", score_range=(1, 3))])


@pytest.mark.parametrize("name", ["", " x", "a;b", "a,b", "a\nb", 3])
def test_kind_names_are_checked(name: object):
    """Kind names must be writable to a book file unchanged."""
    with pytest.raises(lc.InvalidValueError):
        lc.Kind(name)  # type: ignore[arg-type]


def test_bad_score_ranges_are_rejected():
    """A score range is a (low, high) pair of integers with low <= high."""
    with pytest.raises(lc.InvalidValueError, match="score_range"):
        lc.Kind("ces", score_range=(7, 1))


def test_custom_scored_kind_validates_its_scores():
    """Custom kinds get the same score validation as the standard ones."""
    ces = lc.Kind("ces", score_range=(1, 7))
    assert make(kind=ces, score=7).score == 7
    with pytest.raises(lc.ScoreError):
        make(kind=ces, score=8)


def test_touchpoints_are_immutable_and_evolve_into_copies():
    """Frozen: no setters; attrs.evolve gives a validated copy."""
    tp = make()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        tp.note = "changed"  # type: ignore[misc]
    assert attrs.evolve(tp, note="changed").note == "changed"
    with pytest.raises(lc.NaiveDatetimeError):
        attrs.evolve(tp, at=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_local_date_is_taken_in_the_given_zone():
    """19:00 UTC on 1 March is already 2 March in Kiritimati (UTC+14)."""
    tp = make(at=dt.datetime(2026, 3, 1, 19, tzinfo=dt.UTC))
    assert tp.local_date(ZoneInfo("UTC")) == dt.date(2026, 3, 1)
    assert tp.local_date(ZoneInfo("Pacific/Kiritimati")) == dt.date(2026, 3, 2)
    assert tp.local_date(ZoneInfo("Pacific/Pago_Pago")) == dt.date(2026, 3, 1)


@given(lct.touchpoints())
def test_generated_touchpoints_are_valid_and_hashable(tp: lc.Touchpoint):
    """Every generated touchpoint survives re-validation and hashes like its copy."""
    copy = attrs.evolve(tp)
    assert copy == tp
    assert hash(copy) == hash(tp)
    assert tp.at.utcoffset() is not None


def test_zones_must_come_from_an_iana_name():
    """A ZoneInfo built from a file has no name and could not be written to a book."""
    from pathlib import Path  # noqa: PLC0415

    candidates = [Path("/usr/share/zoneinfo/UTC")]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:  # pragma: no cover - platforms without system zone files
        pytest.skip("no system zone file to build a ZoneInfo from")
    with path.open("rb") as handle:
        unnamed = ZoneInfo.from_file(handle)
    with pytest.raises(lc.InvalidValueError, match="IANA name"):
        lc.Customer(id="c", name="C", since=dt.date(2025, 1, 1), timezone=unnamed)


def test_custom_kinds_must_be_kind_objects():
    """A string among custom kinds is refused, naming it."""
    with pytest.raises(lc.InvalidValueError, match="'webinar'"):
        lc.Kind.named("webinar", custom=["webinar"])  # type: ignore[list-item]
