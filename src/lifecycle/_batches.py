"""Temporary files of pickled batches: rows spilled to disk and read back in order.

Only files this package wrote, in a private temporary folder it made, are
ever unpickled. They hold customers' data: only their owner may read them.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

BATCH = 4096


def create(file: Path) -> BinaryIO:
    """Open a new file for writing, readable and writable by its owner only (0600).

    Never an existing file, nor a link planted in its place.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(file, flags, 0o600), "wb")


def dump(batch: list[Any], handle: BinaryIO) -> None:
    """Append one batch to an open file."""
    pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)


def write(items: Iterable[Any], file: Path) -> int:
    """Write *items* to *file* in batches; return how many there were."""
    count = 0
    batch: list[Any] = []
    with create(file) as handle:
        for item in items:
            batch.append(item)
            if len(batch) == BATCH:
                dump(batch, handle)
                count += len(batch)
                batch = []
        dump(batch, handle)
    return count + len(batch)


def read(file: Path) -> Iterator[Any]:
    """Yield the items of a file of batches, one batch in memory at a time."""
    with file.open("rb") as handle:
        while True:
            try:
                batch = pickle.load(handle)  # our own temporary file (see the module doc)
            except EOFError:
                return
            yield from batch
