"""Counts in words for people: "1 action", "2 actions"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """*count* and *noun*, the noun in the plural unless the count is one.

    Examples:
        >>> counted(1, "action"), counted(2, "action"), counted(0, "policy", "policies")
        ('1 action', '2 actions', '0 policies')
    """
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
