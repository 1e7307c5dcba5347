"""Pausing the cyclic garbage collector around work that makes millions of objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of objects are made.

    Reading a book allocates objects that all stay alive, and an agenda keeps
    every action it makes; neither makes reference cycles. The collector would
    walk the growing heap again and again for nothing. It is restored as it
    was, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
