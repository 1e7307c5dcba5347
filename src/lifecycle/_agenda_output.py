"""Writing an agenda as a table, CSV or JSON, from pieces rendered apart and merged.

A large book's agenda is worked out in parts (by several processes, a chunk
of customers at a time), each part rendered into sorted runs of lines. Here
the runs are merged into agenda order and written out. A book in memory goes
the same way as a single part, so both give the same bytes.

CSV is opened by spreadsheets, which run a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula (OWASP "CSV injection"): the text cells of the
``csv`` format (customer ids, policy names, reasons) that start so, or with a
tab or carriage return, get a leading ``'``. The ``raw-csv`` format writes
them as they are; numbers and dates are never changed, and JSON keeps every
value as it is.
"""

from __future__ import annotations

import csv
import heapq
import json
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any, Literal, NamedTuple, TextIO

from lifecycle.agenda import Action, Agenda, HeldBack, Skipped

__all__ = ["CSV_HEADER", "Rendered", "neutralised", "render", "write"]

#: ``raw-csv`` is ``csv`` with text cells as they are (see `neutralised`).
OutputFormat = Literal["table", "csv", "raw-csv", "json"]
CSV_HEADER = ("customer_id", "policy", "due", "priority", "overdue_days", "reason")

#: The agenda order of an action: priority, due date (ordinal), customer id, policy.
Key = tuple[int, int, str, str]
_HEADINGS = (
    f"{'prio':<5}{'policy':<21}{'customer':<12}{'due':<12}{'overdue':>8}  {'channel':<10}reason"
)


class Rendered(NamedTuple):
    """A part of an agenda, rendered for one format, each list in agenda order.

    Attributes:
        actions: (key, text) for each action.
        held_back: (key, text) for each held-back action.
        skipped: (customer id, text) for each skipped customer; for a table,
            the text is the reason (tables show counts by reason).
    """

    actions: list[tuple[Key, str]]
    held_back: list[tuple[Key, str]]
    skipped: list[tuple[str, str]]


class _Echo:
    """A file whose `write` hands back what it is given: `csv.writer` then returns each line."""

    def write(self, text: str) -> str:
        return text


def _key(action: Action) -> Key:
    return (action.priority, action.due.toordinal(), action.customer_id, action.policy)


def _action_json(action: Action) -> dict[str, Any]:
    return {
        "customer_id": action.customer_id,
        "policy": action.policy,
        "due": action.due.isoformat(),
        "priority": action.priority,
        "overdue_days": action.overdue_days,
        "reason": action.reason,
        "channel": action.channel.value if action.channel else None,
    }


def _json_item(data: dict[str, Any]) -> str:
    # Items sit two levels deep in the document: indented as json.dump(indent=2) would.
    return textwrap.indent(json.dumps(data, indent=2, ensure_ascii=False), "    ")


def render(agenda: Agenda, fmt: OutputFormat) -> Rendered:
    """Render an agenda (or a part of one) for *fmt*."""
    actions: list[tuple[Key, str]]
    held: list[tuple[Key, str]] = []
    skipped: list[tuple[str, str]] = []
    if fmt in ("csv", "raw-csv"):
        line = csv.writer(_Echo()).writerow
        cells = _raw_cells if fmt == "raw-csv" else _csv_cells
        actions = [(_key(a), line(cells(a))) for a in agenda]
    elif fmt == "json":
        actions = [(_key(a), _json_item(_action_json(a))) for a in agenda]
        held = [(_key(h.action), _json_item(_held_json(h))) for h in agenda.held_back]
        skipped = [(s.customer_id, _json_item(_skipped_json(s))) for s in agenda.skipped]
    else:
        actions = [(_key(a), _table_line(a)) for a in agenda]
        held = [
            (_key(h.action), f"  {h.action.customer_id} {h.action.policy}: {h.reason}")
            for h in agenda.held_back
        ]
        skipped = [(s.customer_id, s.reason) for s in agenda.skipped]
    return Rendered(actions, held, skipped)


#: What a spreadsheet may take for the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """*text*, with a ``'`` before it if a spreadsheet could take it for a formula.

    Only for text cells: numbers written by the library (a negative priority)
    stay numbers.
    """
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _raw_cells(a: Action) -> list[object]:
    return [a.customer_id, a.policy, a.due.isoformat(), a.priority, a.overdue_days, a.reason]


def _csv_cells(a: Action) -> list[object]:
    return [
        neutralised(a.customer_id),
        neutralised(a.policy),
        a.due.isoformat(),
        a.priority,
        a.overdue_days,
        neutralised(a.reason),
    ]


def _held_json(held: HeldBack) -> dict[str, Any]:
    return _action_json(held.action) | {"held_back": held.reason}


def _skipped_json(skipped: Skipped) -> dict[str, Any]:
    return {"customer_id": skipped.customer_id, "reason": skipped.reason, "detail": skipped.detail}


def _table_line(a: Action) -> str:
    channel = a.channel.value if a.channel else "-"
    return (
        f"{a.priority:<5}{a.policy:<21}{a.customer_id:<12}{a.due.isoformat():<12}"
        f"{a.overdue_days:>8}  {channel:<10}{a.reason}"
    )


class Runs(NamedTuple):
    """The sorted runs of every part, with how many items each list holds in all."""

    actions: list[Iterable[tuple[Key, str]]]
    held_back: list[Iterable[tuple[Key, str]]]
    skipped: list[Iterable[tuple[str, str]]]
    counts: tuple[int, int, int]

    @classmethod
    def of(cls, parts: Iterable[Rendered]) -> Runs:
        """Runs from parts held in memory."""
        rendered = list(parts)
        return cls(
            [p.actions for p in rendered],
            [p.held_back for p in rendered],
            [p.skipped for p in rendered],
            (
                sum(len(p.actions) for p in rendered),
                sum(len(p.held_back) for p in rendered),
                sum(len(p.skipped) for p in rendered),
            ),
        )


_first = itemgetter(0)


def _merged(runs: list[Iterable[tuple[Any, str]]]) -> Iterator[str]:
    if len(runs) == 1:
        return map(itemgetter(1), runs[0])
    return map(itemgetter(1), heapq.merge(*runs, key=_first))


def write(out: TextIO, fmt: OutputFormat, runs: Runs, *, title: str, as_of: str) -> None:
    """Write the agenda the runs make up to *out*, in agenda order."""
    if fmt in ("csv", "raw-csv"):
        out.write(csv.writer(_Echo()).writerow(CSV_HEADER))
        out.writelines(_merged(runs.actions))
    elif fmt == "json":
        out.write(f'{{\n  "as_of": {json.dumps(as_of)},\n')
        _json_list(out, "actions", _merged(runs.actions), runs.counts[0], end=",")
        _json_list(out, "held_back", _merged(runs.held_back), runs.counts[1], end=",")
        _json_list(out, "skipped", _merged(runs.skipped), runs.counts[2], end="")
        out.write("}\n")
    else:
        _table(out, runs, title)


def _json_list(out: TextIO, name: str, items: Iterator[str], count: int, *, end: str) -> None:
    if not count:
        out.write(f'  "{name}": []{end}\n')
        return
    out.write(f'  "{name}": [\n')
    for number, item in enumerate(items, start=1):
        out.write(item)
        out.write(",\n" if number < count else "\n")
    out.write(f"  ]{end}\n")


def _table(out: TextIO, runs: Runs, title: str) -> None:
    actions, held, skipped = runs.counts
    out.write(
        f"{title}\n{actions} actions due, {held} held back by the cap, "
        f"{skipped} customers skipped\n\n{_HEADINGS}"
    )
    for line in _merged(runs.actions):
        out.write("\n" + line)
    if held:
        out.write("\n\nHeld back (over the cap of actions per customer):")
        for line in _merged(runs.held_back):
            out.write("\n" + line)
    if skipped:
        reasons = Counter(_merged(runs.skipped))
        out.write("\n\nSkipped: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())))
    out.write("\n")
