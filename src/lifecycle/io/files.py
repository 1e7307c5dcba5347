"""Writing one file whole or not at all: what `write_agenda` and ``--output`` write through.

A reader of the file never sees it half-written, and a failed write leaves
the file that was there as it was (see `replacing`).
"""

from __future__ import annotations

from lifecycle.io._files import replacing

__all__ = ["replacing"]
