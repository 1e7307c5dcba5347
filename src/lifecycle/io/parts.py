"""A book's files in parts: what runs over a large book in several processes read.

A touchpoints file sorted by customer is cut into spans of whole customers
(`split`), each streamed on its own (`merged`, then `batched`); an unsorted
one is first spread over bucket files by customer (`partition`), each read
on its own (`bucket`). Each part keeps the hashes of the touchpoint ids it
saw in an `IdRegister`; merging the parts' registers finds an id used by two
customers in different parts. The decisions file is read whole first
(`read_decisions`); each part gives its customers their decisions
(`Decided.attach`), and the customers the parts saw tell whether a decision
named none of the book (`Decided.check`). The command line's parallel runner
(``lifecycle due`` on a large book) is built on these.
"""

from __future__ import annotations

from lifecycle.io._files import BookFiles, Span
from lifecycle.io._stream import (
    Decided,
    IdRegister,
    NoSuchCustomer,
    batched,
    bucket,
    merged,
    partition,
    read_decisions,
    split,
)

__all__ = [
    "BookFiles",
    "Decided",
    "IdRegister",
    "NoSuchCustomer",
    "Span",
    "batched",
    "bucket",
    "merged",
    "partition",
    "read_decisions",
    "split",
]
