"""The sample book shipped inside the package, for demos, docs and tests.

About 200 customers over three years, tuned so that every standard touchpoint
kind, every channel and every stage of the default lifecycle shows up, with
customers in far time zones and one who became a customer on 29 February.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib.resources import files
from pathlib import Path

from lifecycle.book import Book

__all__ = ["SAMPLE_AS_OF", "sample_book", "sample_path", "starter_pack_path"]

#: The date the sample book is meant to be looked at on. The CLI uses it as
#: the default ``--as-of`` for the sample book, so the demo stays meaningful
#: whatever today is.
SAMPLE_AS_OF = dt.date(2026, 11, 2)


def sample_path() -> Path:
    """Return the folder holding the sample book's CSV files.

    Examples:
        >>> sorted(p.name for p in sample_path().iterdir() if p.suffix == ".csv")
        ['customers.csv', 'touchpoints.csv']
    """
    return Path(str(files("lifecycle") / "data" / "sample"))


def starter_pack_path() -> Path:
    """Return the starter pack as a TOML policy file, to copy and make your own.

    It gives the same agenda as `lifecycle.starter_pack` on any book.

    Examples:
        >>> starter_pack_path().name
        'starter-pack.toml'
    """
    return Path(str(files("lifecycle") / "data" / "policies" / "starter-pack.toml"))


@functools.cache
def sample_book() -> Book:
    """Return the sample book (read once, then shared: books are immutable).

    Examples:
        >>> book = sample_book()
        >>> len(book), book.touchpoint_count > 1000
        (200, True)
    """
    from lifecycle.io import read_book  # noqa: PLC0415 - io sits above the model

    return read_book(sample_path())
