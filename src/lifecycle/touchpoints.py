"""Touchpoints: every interaction with a customer, whoever started it.

A touchpoint records *when* (an instant), *how* (a `Channel`), *what* (a
`Kind`), *who started it* (a `Direction`), and optionally a survey score, tags,
a note, and the money it carried (an amount, in a currency).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

import attrs

from lifecycle._attributes import check_attributes
from lifecycle._frozendict import FrozenDict
from lifecycle._validate import (
    check_bounded_instant,
    check_text,
    enum_converter,
    id_validator,
    unchecked_constructor,
)
from lifecycle.errors import InvalidValueError, ScoreError, UnknownKindError
from lifecycle.limits import MAX_AMOUNT, MAX_AMOUNT_PLACES, MAX_AMOUNT_TEXT

__all__ = [
    "RESERVED_COLUMNS",
    "Channel",
    "Direction",
    "Kind",
    "Touchpoint",
    "channel_table",
    "check_currency",
    "new_touchpoint",
    "to_amount",
    "to_attributes",
    "to_channel",
    "unknown_channel",
]

#: Column names of the touchpoints file that are fields, not custom attributes,
#: in the file's order.
RESERVED_COLUMNS: tuple[str, ...] = (
    "touchpoint_id",
    "customer_id",
    "at",
    "channel",
    "kind",
    "direction",
    "score",
    "tags",
    "note",
    "amount",
    "currency",
)


class _ChannelType(type):
    """Lets ``for c in Channel`` and ``len(Channel)`` go over the standard channels."""

    def __iter__(cls) -> Iterator[Channel]:
        return iter(_STANDARD_CHANNELS)

    def __len__(cls) -> int:
        return len(_STANDARD_CHANNELS)


class Channel(str, metaclass=_ChannelType):
    """How a touchpoint happened (and how a customer may be reached).

    The eight standard channels are class attributes (``Channel.EMAIL``, ...);
    iterating over `Channel` gives them in their documented order. Channels
    compare equal to their names, so ``Channel.EMAIL == "email"``.

    A team that records other channels (sms, video, whatsapp, ...) makes its
    own, ``Channel("whatsapp")``, and passes them wherever channels are read
    from text (for example ``read_book(..., channels=[whatsapp])``), so that a
    typo in a channel is an error instead of a new channel, as with `Kind`.

    Examples:
        >>> Channel.EMAIL == "email", Channel("email") is Channel.EMAIL
        (True, True)
        >>> whatsapp = Channel("whatsapp")
        >>> whatsapp.standard, Channel.named("whatsapp", custom=[whatsapp]) is whatsapp
        (False, True)
        >>> [c.value for c in Channel][:3]
        ['email', 'phone', 'chat']
    """

    __slots__ = ()

    EMAIL: ClassVar[Channel]
    PHONE: ClassVar[Channel]
    CHAT: ClassVar[Channel]
    MEETING: ClassVar[Channel]
    SOCIAL: ClassVar[Channel]
    IN_PERSON: ClassVar[Channel]
    WEB: ClassVar[Channel]
    OTHER: ClassVar[Channel]

    def __new__(cls, name: str) -> Channel:
        """Return the channel called *name* (a standard one is the same object each time).

        Raises:
            InvalidValueError: if *name* is not a usable channel name (empty,
                or with ';', ',', line breaks or edge spaces).
        """
        given: object = name  # checked as anything: it comes from the user
        standard = _STANDARD_CHANNEL_TABLE.get(name) if isinstance(given, str) else None
        if standard is not None:
            return standard
        _check_name("channel", name)
        return super().__new__(cls, name)

    def __repr__(self) -> str:
        if self.standard:
            return f"Channel.{self.value.upper()}"
        return f"Channel({str.__repr__(self)})"

    def __str__(self) -> str:
        return str.__str__(self)

    def __reduce__(self) -> tuple[type[Channel], tuple[str]]:
        return (Channel, (str.__str__(self),))

    @property
    def value(self) -> str:
        """The channel's name as it appears in book files (``"email"``)."""
        return str.__str__(self)

    @property
    def name(self) -> str:
        """The channel's name as it appears in book files, as for `Kind.name`."""
        return str.__str__(self)

    @property
    def standard(self) -> bool:
        """Whether this is one of the standard channels of the book format."""
        return _STANDARD_CHANNEL_TABLE.get(self) is self

    @staticmethod
    def named(name: str, *, custom: Iterable[Channel] = ()) -> Channel:
        """Return the channel called *name*: a standard one, or one of *custom*.

        Args:
            name: A channel name, such as ``"email"``.
            custom: Channels the caller registers beside the standard ones.

        Raises:
            InvalidValueError: if no channel has that name. The message lists
                the known names and says how to register a custom channel.

        Examples:
            >>> Channel.named("sms")
            Traceback (most recent call last):
            ...
            lifecycle.errors.InvalidValueError: ...register custom channels...
        """
        return _look_up(channel_table(custom) if custom else _STANDARD_CHANNEL_TABLE, name)


def _look_up(table: Mapping[str, Channel], name: object, field: str = "channel") -> Channel:
    found = table.get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidValueError(field, name, unknown_channel(table))
    return found


def unknown_channel(table: Iterable[str]) -> str:
    """The problem of a channel name missing from *table*: the known names, and how to add one.

    Examples:
        >>> unknown_channel(["email", "phone"])[:52]
        'is not a known channel (known: email, phone); regist'
    """
    return (
        f"is not a known channel (known: {', '.join(table)}); register custom channels "
        "by passing Channel objects, e.g. read_book(..., channels=[Channel('whatsapp')]) "
        "or --channel whatsapp on the command line"
    )


class Direction(enum.StrEnum):
    """Who started a touchpoint: the customer (inbound) or we (outbound).

    The balance between the two is the balance between service (reacting) and
    stewardship (reaching out first).
    """

    INBOUND = "inbound"
    OUTBOUND = "outbound"


def _check_name(field: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidValueError(field, value, f"a {field} name must be a non-empty string")
    if value != value.strip() or any(c in value for c in ";,\n\r"):
        raise InvalidValueError(
            field, value, f"a {field} name may not contain ';', ',', line breaks or edge spaces"
        )
    check_text(field, value)


def _check_kind_name(instance: object, attribute: Any, value: Any) -> None:
    _check_name("kind", value)


def _check_score_range(instance: Kind, attribute: Any, value: Any) -> None:
    if value is None:
        return
    low, high = value
    if not (isinstance(low, int) and isinstance(high, int)) or low > high:
        raise InvalidValueError(
            "score_range", value, "must be a (lowest, highest) pair of integers"
        )


@attrs.frozen(cache_hash=True)
class Kind:
    """What a touchpoint was: a purchase, a complaint, an NPS survey, ...

    The fourteen standard kinds are class attributes (``Kind.PURCHASE``, ...).
    A team that records other kinds makes its own and passes them wherever kinds
    are read from text (for example ``read_book(..., kinds=[webinar])``), so that
    a typo in a kind is an error instead of a new kind.

    Attributes:
        name: The kind's name as it appears in book files.
        score_range: ``(lowest, highest)`` if touchpoints of this kind carry a
            score (a survey answer), else ``None``.

    Examples:
        >>> Kind.NPS.score_range
        (0, 10)
        >>> webinar = Kind("webinar")
        >>> Kind.named("webinar", custom=[webinar]) is webinar
        True
    """

    name: str = attrs.field(validator=_check_kind_name)
    score_range: tuple[int, int] | None = attrs.field(
        default=None, kw_only=True, validator=_check_score_range
    )

    INQUIRY: ClassVar[Kind]
    DEMO: ClassVar[Kind]
    PURCHASE: ClassVar[Kind]
    ONBOARDING: ClassVar[Kind]
    CHECK_IN: ClassVar[Kind]
    HEALTH_CHECK: ClassVar[Kind]
    COMPLAINT: ClassVar[Kind]
    RESOLUTION: ClassVar[Kind]
    NPS: ClassVar[Kind]
    CSAT: ClassVar[Kind]
    REFERRAL: ClassVar[Kind]
    RENEWAL: ClassVar[Kind]
    ANNIVERSARY: ClassVar[Kind]
    CANCELLATION: ClassVar[Kind]

    def __str__(self) -> str:
        return self.name

    @property
    def scored(self) -> bool:
        """Whether touchpoints of this kind carry a score."""
        return self.score_range is not None

    @staticmethod
    def standard() -> tuple[Kind, ...]:
        """Return the standard kinds of the book format, in their documented order."""
        return _STANDARD

    @staticmethod
    def named(name: str, *, custom: Iterable[Kind] = ()) -> Kind:
        """Return the kind called *name*: a standard one, or one of *custom*.

        Args:
            name: A kind name, such as ``"purchase"``.
            custom: Kinds the caller registers beside the standard ones.

        Raises:
            UnknownKindError: if no kind has that name. The message lists the
                known names, so a typo is easy to spot.
            InvalidValueError: if a custom kind reuses a standard name with a
                different definition.
        """
        table = kind_table(custom) if custom else _STANDARD_TABLE
        try:
            return table[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(table))
            raise UnknownKindError(
                "kind",
                name,
                f"is not a known touchpoint kind (known: {known}); "
                "register custom kinds by passing Kind objects",
            ) from None


_NPS_RANGE = (0, 10)
_CSAT_RANGE = (1, 5)

Kind.INQUIRY = Kind("inquiry")
Kind.DEMO = Kind("demo")
Kind.PURCHASE = Kind("purchase")
Kind.ONBOARDING = Kind("onboarding")
Kind.CHECK_IN = Kind("check_in")
Kind.HEALTH_CHECK = Kind("health_check")
Kind.COMPLAINT = Kind("complaint")
Kind.RESOLUTION = Kind("resolution")
Kind.NPS = Kind("nps", score_range=_NPS_RANGE)
Kind.CSAT = Kind("csat", score_range=_CSAT_RANGE)
Kind.REFERRAL = Kind("referral")
Kind.RENEWAL = Kind("renewal")
Kind.ANNIVERSARY = Kind("anniversary")
Kind.CANCELLATION = Kind("cancellation")

_STANDARD: tuple[Kind, ...] = (
    Kind.INQUIRY,
    Kind.DEMO,
    Kind.PURCHASE,
    Kind.ONBOARDING,
    Kind.CHECK_IN,
    Kind.HEALTH_CHECK,
    Kind.COMPLAINT,
    Kind.RESOLUTION,
    Kind.NPS,
    Kind.CSAT,
    Kind.REFERRAL,
    Kind.RENEWAL,
    Kind.ANNIVERSARY,
    Kind.CANCELLATION,
)
_STANDARD_TABLE = {k.name: k for k in _STANDARD}


def _standard_channel(name: str) -> Channel:
    return str.__new__(Channel, name)


Channel.EMAIL = _standard_channel("email")
Channel.PHONE = _standard_channel("phone")
Channel.CHAT = _standard_channel("chat")
Channel.MEETING = _standard_channel("meeting")
Channel.SOCIAL = _standard_channel("social")
Channel.IN_PERSON = _standard_channel("in_person")
Channel.WEB = _standard_channel("web")
Channel.OTHER = _standard_channel("other")

_STANDARD_CHANNELS: tuple[Channel, ...] = (
    Channel.EMAIL,
    Channel.PHONE,
    Channel.CHAT,
    Channel.MEETING,
    Channel.SOCIAL,
    Channel.IN_PERSON,
    Channel.WEB,
    Channel.OTHER,
)
_STANDARD_CHANNEL_TABLE: dict[str, Channel] = {c.value: c for c in _STANDARD_CHANNELS}


def channel_table(custom: Iterable[Channel | str] = ()) -> dict[str, Channel]:
    """Return name -> channel for the standard channels plus *custom* ones.

    A custom channel may be given as a `Channel` or as its name (the command
    line's ``--channel sms``); a standard name given again is harmless.

    Raises:
        InvalidValueError: if a custom entry is not a usable channel name.

    Examples:
        >>> list(channel_table(["sms"]))[-2:]
        ['other', 'sms']
    """
    table = dict(_STANDARD_CHANNEL_TABLE)
    if isinstance(custom, str):
        raise InvalidValueError("channels", custom, "must be a collection of channels, not one")
    for channel in custom:
        if not isinstance(channel, str):
            raise InvalidValueError(
                "channels", channel, "custom channels must be Channel objects or names"
            )
        made = channel if isinstance(channel, Channel) else Channel(channel)
        table.setdefault(made.value, made)
    return table


def kind_table(custom: Iterable[Kind] = ()) -> dict[str, Kind]:
    """Return name -> kind for the standard kinds plus *custom* ones.

    Raises:
        InvalidValueError: if a custom entry is not a `Kind`, or reuses a
            standard name with a different score range.
    """
    table = dict(_STANDARD_TABLE)
    for kind in custom:
        if not isinstance(kind, Kind):
            raise InvalidValueError("kinds", kind, "custom kinds must be Kind objects")
        known = table.get(kind.name)
        if known is not None and known != kind:
            raise InvalidValueError(
                "kinds", kind, f"clashes with the kind already named {kind.name!r}: {known!r}"
            )
        table[kind.name] = kind
    return table


def to_kind(value: Kind | str) -> Kind:
    """Convert a standard kind name to its `Kind`; pass `Kind` objects through."""
    if isinstance(value, Kind):
        return value
    return Kind.named(value)


def _to_tags(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise InvalidValueError("tags", value, "must be a collection of labels, not one string")
    if not isinstance(value, Iterable):
        raise InvalidValueError(
            "tags", value, "must be a collection of labels (give frozenset() for none)"
        )
    tags: frozenset[Any] = frozenset(value)
    for tag in tags:
        if not isinstance(tag, str) or not tag or tag != tag.strip() or ";" in tag:
            raise InvalidValueError(
                "tags", tag, "a tag must be a non-empty string without ';' or edge spaces"
            )
        check_text("tags", tag)
    # Written as one ';'-separated cell, which must fit the longest text too.
    check_text("tags", ";".join(sorted(tags)))
    return tags


_direction = enum_converter(Direction, "direction")


def to_channel(value: Channel | str, field: str = "channel") -> Channel:
    """Convert a standard channel name to its `Channel`; pass `Channel` objects through.

    A name that is not a standard channel's is refused, as with `to_kind`:
    custom channels are registered by passing `Channel` objects.

    Raises:
        InvalidValueError: naming *field*, for a name no standard channel has.

    Examples:
        >>> to_channel("email") is Channel.EMAIL
        True
        >>> to_channel(Channel("sms"))
        Channel('sms')
    """
    return value if isinstance(value, Channel) else _look_up(_STANDARD_CHANNEL_TABLE, value, field)


def to_direction(value: Direction | str) -> Direction:
    """Convert a direction name to its `Direction`, naming the value when it is unknown."""
    return _direction(value)


def _to_instant(value: dt.datetime) -> dt.datetime:
    # Stored in UTC: an instant is what `at` means, and PEP 495 makes an
    # ambiguous wall time (a DST fall-back hour) unequal to the same instant
    # written in another zone, which would make equality depend on spelling.
    at = check_bounded_instant("at", value)
    return at if at.tzinfo is dt.UTC else at.astimezone(dt.UTC)


def _check_score(instance: Touchpoint, attribute: Any, value: Any) -> None:
    kind = instance.kind
    if value is None:
        return
    if kind.score_range is None:
        raise ScoreError("score", value, f"touchpoints of kind {kind.name!r} carry no score")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScoreError("score", value, "must be a whole number")
    low, high = kind.score_range
    if not low <= value <= high:
        raise ScoreError("score", value, f"a {kind.name} score must be from {low} to {high}")


def _check_note(instance: object, attribute: Any, value: Any) -> None:
    check_text("note", value)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_CURRENCY = re.compile(r"[A-Z]{3}\Z")


def to_amount(value: Decimal | int | float | str) -> Decimal:
    """Convert an amount of money to a checked `Decimal`.

    A `Decimal` is kept as it is (``Decimal("12.50")`` stays ``12.50``); an
    `int` and text such as ``"12.50"`` or ``"-3"`` are converted exactly. A
    `float` is converted through its shortest text (``0.1`` becomes
    ``Decimal("0.1")``, not the binary fraction a float really holds), which is
    what was meant whenever the float came from text; give a `Decimal` or text
    to keep trailing zeros. Negative amounts (refunds) are allowed.

    Raises:
        InvalidValueError: if the value is not a finite number, is beyond
            `limits.MAX_AMOUNT` either side of zero, or has more than
            `limits.MAX_AMOUNT_PLACES` decimal places.

    Examples:
        >>> to_amount("12.50"), to_amount(3), to_amount(0.1)
        (Decimal('12.50'), Decimal('3'), Decimal('0.1'))
    """
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool):
        raise InvalidValueError("amount", value, "must be a number, not true or false")
    elif isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise InvalidValueError("amount", value, _TOO_LARGE)
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValueError("amount", value, "must be a finite number")
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        if len(value) > MAX_AMOUNT_TEXT or not _NUMBER.match(value):
            raise InvalidValueError(
                "amount", value, "is not a decimal number such as 12.50 (a point, no commas)"
            )
        amount = Decimal(value)
    else:
        raise InvalidValueError(
            "amount", value, "must be a Decimal, an int, a float or text such as '12.50'"
        )
    if not amount.is_finite():
        raise InvalidValueError("amount", value, "must be a finite number")
    # copy_abs and comparison are exact whatever the decimal context (abs rounds).
    if amount.copy_abs() > MAX_AMOUNT:
        raise InvalidValueError("amount", value, _TOO_LARGE)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_AMOUNT_PLACES:
        raise InvalidValueError(
            "amount", value, f"has more than {MAX_AMOUNT_PLACES} decimal places"
        )
    return amount


_TOO_LARGE = f"is beyond {MAX_AMOUNT:,} either side of zero"


def _to_optional_amount(value: Decimal | int | float | str | None) -> Decimal | None:
    return None if value is None else to_amount(value)


def check_currency(value: object, amount: Decimal | None) -> None:
    """Check a currency code given with *amount* (``None`` passes).

    Raises:
        InvalidValueError: if the code is not three capital letters (the shape
            of ISO 4217 codes), or comes without an amount.
    """
    if value is None:
        return
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidValueError(
            "currency", value, "must be a three-letter ISO 4217 code in capitals, such as EUR"
        )
    if amount is None:
        raise InvalidValueError("currency", value, "is given without an amount")


def _check_currency(instance: Touchpoint, attribute: Any, value: Any) -> None:
    check_currency(value, instance.amount)


def to_attributes(value: Mapping[str, str]) -> FrozenDict[str, str]:
    """Return *value* as a touchpoint's custom attributes, checking each name and value.

    The rules are the customers' (`lifecycle.customers.to_attributes`), with
    the touchpoints file's column names reserved.

    Raises:
        InvalidValueError: naming the attribute and the value.

    Examples:
        >>> dict(to_attributes({"campaign": "spring"}))
        {'campaign': 'spring'}
        >>> to_attributes({"Channel": "sms"})
        Traceback (most recent call last):
        ...
        lifecycle.errors.InvalidValueError: ...did you mean `channel`?
    """
    if not value and isinstance(value, Mapping):
        return _NO_ATTRIBUTES
    return check_attributes(value, reserved=RESERVED_COLUMNS, owner="touchpoint")


#: The attributes of a touchpoint without any (one shared empty mapping).
_NO_ATTRIBUTES: FrozenDict[str, str] = FrozenDict()


@attrs.frozen(kw_only=True, weakref_slot=False)
class Touchpoint:
    """One interaction with a customer, at an instant.

    Attributes:
        id: Stable id, unique in a book.
        customer_id: The customer it was with.
        at: When it happened: a timezone-aware datetime, stored as the same
            instant in UTC (local dates come from the customer's zone). A naive
            one raises `NaiveDatetimeError`, because guessing its zone would
            silently move it to another local day.
        channel: How it happened (a `Channel` or its name).
        kind: What it was (a `Kind`, or a standard kind's name).
        direction: Who started it (a `Direction` or its name).
        score: The survey answer for scored kinds (NPS 0-10, CSAT 1-5).
        tags: Labels such as ``"feature:reports"``.
        note: Free text.
        amount: The money it carried (a purchase's value, a refund as a negative
            amount), as a `Decimal`; an `int`, a `float` or text is converted
            by `to_amount`. ``None``: no money.
        currency: The amount's ISO 4217 code (``"EUR"``), if known. A currency
            without an amount is an error.
        attributes: Custom attributes (the extra columns of a touchpoints
            file: campaign, agent, ...), as a read-only mapping of names to
            non-empty strings, as for `Customer.attributes`.

    Raises:
        InvalidValueError: naming the field and value, for any bad field.

    Examples:
        >>> import datetime as dt
        >>> tp = Touchpoint(
        ...     id="t-1", customer_id="c-1",
        ...     at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        ...     channel="email", kind="nps", direction="inbound", score=9,
        ... )
        >>> tp.kind is Kind.NPS, tp.score
        (True, 9)
        >>> Touchpoint(
        ...     id="t-2", customer_id="c-1",
        ...     at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC),
        ...     channel="web", kind="purchase", direction="inbound",
        ...     amount="12.50", currency="EUR",
        ... ).amount
        Decimal('12.50')
    """

    id: str = attrs.field(validator=id_validator)
    customer_id: str = attrs.field(validator=id_validator)
    at: dt.datetime = attrs.field(converter=_to_instant)
    channel: Channel = attrs.field(converter=to_channel)
    kind: Kind = attrs.field(converter=to_kind)
    direction: Direction = attrs.field(converter=to_direction)
    score: int | None = attrs.field(default=None, validator=_check_score)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_to_tags)
    note: str = attrs.field(default="", validator=_check_note)
    amount: Decimal | None = attrs.field(default=None, converter=_to_optional_amount)
    currency: str | None = attrs.field(default=None, validator=_check_currency)
    attributes: Mapping[str, str] = attrs.field(default=_NO_ATTRIBUTES, converter=to_attributes)

    def local_date(self, zone: ZoneInfo) -> dt.date:
        """Return the calendar date of this touchpoint in *zone*.

        Examples:
            >>> import datetime as dt
            >>> from zoneinfo import ZoneInfo
            >>> tp = Touchpoint(id="t", customer_id="c", channel="web", kind="inquiry",
            ...                 direction="inbound",
            ...                 at=dt.datetime(2026, 1, 1, 23, 0, tzinfo=dt.UTC))
            >>> tp.local_date(ZoneInfo("Pacific/Kiritimati"))
            datetime.date(2026, 1, 2)
        """
        return self.at.astimezone(zone).date()


class _NewTouchpoint(Protocol):
    def __call__(  # noqa: PLR0917 - positional, as the generated constructor is
        self,
        id: str,
        customer_id: str,
        at: dt.datetime,
        channel: Channel,
        kind: Kind,
        direction: Direction,
        score: int | None,
        tags: frozenset[str],
        note: str,
        amount: Decimal | None = None,
        currency: str | None = None,
        attributes: Mapping[str, str] = ...,
        /,
    ) -> Touchpoint: ...


#: Build a `Touchpoint` of values a reader has already checked, one per field
#: in order (id, customer_id, at, channel, kind, direction, score, tags, note,
#: amount, currency, attributes; the last three may be left off), skipping the validators:
#: the reader ran the same checks, with file and line in its errors. *at* must
#: already be in UTC.
new_touchpoint: _NewTouchpoint = unchecked_constructor(Touchpoint)
