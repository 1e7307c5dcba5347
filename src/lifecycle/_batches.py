"""Temporary files of pickled batches: rows spilled to disk and read back in order.

Only files this package wrote, in a private temporary folder it made, are
ever unpickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

BATCH = 4096


def dump(batch: list[Any], handle: BinaryIO) -> None:
    """Append one batch to an open file."""
    pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)


def write(items: Iterable[Any], file: Path) -> int:
    """Write *items* to *file* in batches; return how many there were."""
    count = 0
    batch: list[Any] = []
    with file.open("wb") as handle:
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
