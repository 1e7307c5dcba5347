"""Customers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given

import lifecycle as lc
import lifecycle.testing as lct


def make(**changes: object) -> lc.Customer:
    fields: dict[str, object] = {"id": "c-1", "name": "Ada", "since": dt.date(2024, 2, 29)}
    fields.update(changes)
    return lc.Customer(**fields)  # type: ignore[arg-type]


def test_defaults():
    """Optional fields default to no contract, contact allowed, UTC, no preference."""
    ada = make()
    assert ada.contract_end is None
    assert ada.do_not_contact is False
    assert ada.timezone == ZoneInfo("UTC")
    assert ada.preferred_channel is None
    assert ada.recorded_stage is None
    assert dict(ada.attributes) == {}


def test_zone_and_channel_names_convert():
    """IANA names become ZoneInfo objects, channel names Channel members."""
    ada = make(timezone="Asia/Kathmandu", preferred_channel="chat")
    assert ada.timezone is ZoneInfo("Asia/Kathmandu")
    assert ada.preferred_channel is lc.Channel.CHAT


def test_attributes_are_a_read_only_copy():
    """Changing the dict passed in changes nothing; the mapping has no setters."""
    source = {"segment": "smb"}
    ada = make(attributes=source)
    source["segment"] = "enterprise"
    assert ada.attributes["segment"] == "smb"
    with pytest.raises(TypeError):
        ada.attributes["segment"] = "x"  # type: ignore[index]
    assert hash(ada) == hash(make(attributes={"segment": "smb"}))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "", "must not be empty"),
        ("id", "c-1 ", "white space"),
        ("name", None, "must be a string"),
        ("since", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "calendar date"),
        ("since", "2024-01-01", "calendar date"),
        ("contract_end", "2025-01-01", "calendar date"),
        ("do_not_contact", "yes", "True or False"),
        ("timezone", "Mars/Olympus", "not a known IANA time zone"),
        ("timezone", "", "IANA zone name"),
        ("preferred_channel", "pigeon", "is not a known channel"),
        ("recorded_stage", "", "stage name"),
        ("attributes", {"plan": ""}, "non-empty string"),
        ("attributes", {"since": "x"}, "column name"),
        ("attributes", {" plan": "x"}, "attribute name"),
        ("attributes", ["plan"], "mapping"),
    ],
)
def test_bad_fields_are_rejected(field: str, value: object, message: str):
    """Every bad field raises InvalidValueError naming the field and the value."""
    with pytest.raises(lc.InvalidValueError, match=message) as info:
        make(**{field: value})
    assert field in str(info.value) or info.value.field == field


def test_changing_a_customer_gives_a_new_one():
    """Frozen: evolve makes a changed, re-validated copy."""
    ada = make()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ada.name = "Grace"  # type: ignore[misc]
    assert attrs.evolve(ada, name="Grace").name == "Grace"
    assert ada.name == "Ada"


@given(lct.customers())
def test_generated_customers_are_valid(customer: lc.Customer):
    """Generated customers re-validate and are hashable."""
    assert attrs.evolve(customer) == customer
    assert hash(attrs.evolve(customer)) == hash(customer)
