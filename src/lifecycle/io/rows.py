"""One row of a book file at a time: the readers' own parsers, for rows from elsewhere.

`read_book` and `stream_book` read rows from files; a caller that has the
rows already (`lifecycle.spark`, with a group's rows from a DataFrame) parses
them with the same checks here. A bad cell raises `CellError` naming its
column and value; the caller adds where the row came from.

Examples:
    >>> from lifecycle.io.rows import CellError, parse_customer
    >>> parse_customer({"customer_id": "c-1", "name": "Ada", "since": "2025-01-06"}, None).id
    'c-1'
    >>> try:
    ...     parse_customer({"customer_id": "c-1", "name": "Ada", "since": "soon"}, None)
    ... except CellError as e:
    ...     print(e.column, e.value)
    since soon
"""

from __future__ import annotations

from lifecycle.io._rows import (
    CUSTOMER_COLUMNS,
    DECISION_COLUMNS,
    DECISION_REQUIRED,
    MONEY_COLUMNS,
    TOUCHPOINT_COLUMNS,
    CellError,
    parse_customer,
    parse_decision,
    parse_touchpoint,
)

__all__ = [
    "CUSTOMER_COLUMNS",
    "DECISION_COLUMNS",
    "DECISION_REQUIRED",
    "MONEY_COLUMNS",
    "TOUCHPOINT_COLUMNS",
    "CellError",
    "parse_customer",
    "parse_decision",
    "parse_touchpoint",
]
