"""Custom attributes: the extra columns of a book file, kept as name -> text.

Customers and touchpoints both keep the columns a file holds beyond their
fields. The rules are one: names are non-empty text without edge spaces,
neither a field's column name nor a near miss of one (``doNotContact`` for
``do_not_contact`` would otherwise silently become an attribute); values are
non-empty text (an empty cell means "not set").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from lifecycle._frozendict import FrozenDict
from lifecycle._validate import check_text
from lifecycle.errors import InvalidValueError, shown

__all__ = ["check_attributes", "near_reserved"]


def _folded(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def near_reserved(name: str, reserved: Iterable[str]) -> str | None:
    """Return the reserved name that *name* differs from only in spelling, if any.

    Spelling is case, ``-``/``_``/space and camelCase: ``do-not-contact``,
    ``Do_Not_Contact`` and ``doNotContact`` all mean ``do_not_contact``, and
    would otherwise silently become custom attributes. An exact reserved name
    gives ``None``.

    Examples:
        >>> near_reserved("doNotContact", ["name", "do_not_contact"])
        'do_not_contact'
        >>> near_reserved("segment", ["name", "do_not_contact"]) is None
        True
    """
    return _near(name, reserved if isinstance(reserved, tuple) else tuple(reserved))


@functools.lru_cache(maxsize=4096)  # readers ask again for every row's keys
def _near(name: str, reserved: tuple[str, ...]) -> str | None:
    folded = _folded(name)
    for candidate in reserved:
        if candidate != name and _folded(candidate) == folded:
            return candidate
    return None


def check_attributes(
    value: Mapping[str, str], *, reserved: tuple[str, ...], owner: str
) -> FrozenDict[str, str]:
    """Return *value* as custom attributes, checking each name and value.

    Args:
        value: The attributes.
        reserved: The column names of the fields of *owner*, in a fixed order.
        owner: What holds the attributes (``"customer"``, ``"touchpoint"``),
            for the messages.

    Raises:
        InvalidValueError: naming the attribute and the value.

    Examples:
        >>> dict(check_attributes({"segment": "smb"}, reserved=("name",), owner="customer"))
        {'segment': 'smb'}
    """
    if not isinstance(value, Mapping):
        raise InvalidValueError("attributes", value, "must be a mapping of names to strings")
    items: Iterable[tuple[object, object]] = value.items()
    for key, item in items:
        if not isinstance(key, str) or not key or key != key.strip():
            raise InvalidValueError(
                "attributes",
                key,
                "an attribute name must be a non-empty string without edge spaces",
            )
        check_text("attributes", key)
        if key in reserved:
            raise InvalidValueError(
                "attributes", key, f"is a {owner} field's column name, not a custom attribute"
            )
        meant = near_reserved(key, reserved)
        if meant is not None:
            raise InvalidValueError(
                "attributes",
                key,
                f"differs from the {owner} field {meant!r} only in spelling; "
                f"did you mean `{meant}`?",
            )
        field = f"attributes[{shown(key, 40)}]"
        if not isinstance(item, str) or not item:
            # Empty cells mean "not set" in book files, so an empty value could not
            # survive a round trip; absence says the same thing without loss.
            raise InvalidValueError(
                field, item, "must be a non-empty string (leave the key out instead)"
            )
        check_text(field, item)
    return value if isinstance(value, FrozenDict) else FrozenDict(value)
