"""Customers: who a team looks after, with the facts policies read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from lifecycle._attributes import check_attributes, near_reserved
from lifecycle._frozendict import FrozenDict
from lifecycle._validate import (
    UTC,
    check_day,
    check_id,
    check_text,
    id_validator,
    to_zone,
    unchecked_constructor,
)
from lifecycle.errors import InvalidValueError
from lifecycle.touchpoints import Channel, to_channel

__all__ = ["RESERVED_COLUMNS", "Customer", "near_reserved", "new_customer", "to_attributes"]

#: Column names of the customers file that are fields, not custom attributes.
RESERVED_COLUMNS: frozenset[str] = frozenset(
    {
        "customer_id",
        "name",
        "since",
        "stage",
        "contract_end",
        "do_not_contact",
        "timezone",
        "preferred_channel",
        "owner",
    }
)


_RESERVED_ORDER = tuple(sorted(RESERVED_COLUMNS))


def _check_name(instance: object, attribute: Any, value: Any) -> None:
    check_text("name", value)


def _check_since(instance: object, attribute: Any, value: Any) -> None:
    check_day("since", value)


def _check_contract_end(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_day("contract_end", value)


def _check_flag(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError("do_not_contact", value, "must be True or False")


def _to_channel(value: Channel | str | None) -> Channel | None:
    return None if value is None else to_channel(value, "preferred_channel")


def _check_stage(instance: object, attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidValueError("recorded_stage", value, "must be a non-empty stage name or None")
    if value is not None:
        check_text("recorded_stage", value)


def _check_owner(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_id("owner", value)


def to_attributes(value: Mapping[str, str]) -> FrozenDict[str, str]:
    """Return *value* as a customer's custom attributes, checking each name and value.

    Names are non-empty text without edge spaces, neither a field's column
    name nor a near miss of one; values are non-empty text.

    Raises:
        InvalidValueError: naming the attribute and the value.

    Examples:
        >>> dict(to_attributes({"segment": "smb"}))
        {'segment': 'smb'}
        >>> to_attributes({"Name": "Ada"})
        Traceback (most recent call last):
        ...
        lifecycle.errors.InvalidValueError: ...did you mean `name`?
    """
    return check_attributes(value, reserved=_RESERVED_ORDER, owner="customer")


@attrs.frozen(kw_only=True)
class Customer:
    """A customer (or prospect) of the book.

    Attributes:
        id: Stable id from the CRM; unique in a book.
        name: Display name.
        since: First day as a customer (or first contact for a prospect).
        contract_end: Last day of the current contract term, if any.
        do_not_contact: The customer asked not to be contacted proactively.
        timezone: The customer's zone (a `ZoneInfo` or an IANA name); local
            dates of touchpoints are taken there. Defaults to UTC.
        preferred_channel: How the customer likes to be reached, if known.
        recorded_stage: The stage the CRM recorded, kept beside the stage
            `lifecycle` derives from the timeline (they may disagree).
        attributes: Custom attributes (segment, plan, revenue, ...), as a
            read-only mapping of names to non-empty strings.
        owner: Who looks after the customer (``None``: nobody in particular);
            the owner of its actions (`Action.owner`), whose capacity the
            engine may limit.

    Raises:
        InvalidValueError: naming the field and value, for any bad field.

    Examples:
        >>> import datetime as dt
        >>> ada = Customer(id="c-1", name="Ada", since=dt.date(2024, 2, 29),
        ...                timezone="Pacific/Auckland", attributes={"segment": "smb"})
        >>> ada.timezone.key, ada.attributes["segment"]
        ('Pacific/Auckland', 'smb')
    """

    id: str = attrs.field(validator=id_validator)
    name: str = attrs.field(validator=_check_name)
    since: dt.date = attrs.field(validator=_check_since)
    contract_end: dt.date | None = attrs.field(default=None, validator=_check_contract_end)
    do_not_contact: bool = attrs.field(default=False, validator=_check_flag)
    timezone: ZoneInfo = attrs.field(default=UTC, converter=to_zone)
    preferred_channel: Channel | None = attrs.field(default=None, converter=_to_channel)
    recorded_stage: str | None = attrs.field(default=None, validator=_check_stage)
    attributes: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=to_attributes)
    owner: str | None = attrs.field(default=None, validator=_check_owner)


#: Build a `Customer` of values a reader has already checked, one per field in
#: order (id, name, since, contract_end, do_not_contact, timezone,
#: preferred_channel, recorded_stage, attributes, owner), skipping the validators:
#: the reader ran the same checks, with file and line in its errors.
new_customer: Callable[
    [
        str,
        str,
        dt.date,
        dt.date | None,
        bool,
        ZoneInfo,
        Channel | None,
        str | None,
        FrozenDict[str, str],
        str | None,
    ],
    Customer,
] = unchecked_constructor(Customer)
