"""Writing an agenda as a table, CSV, JSON or JSON Lines, from pieces rendered apart and merged.

A large book's agenda is worked out in parts (by several processes, a chunk
of customers at a time), each part rendered into sorted runs of lines. Here
the runs are merged into agenda order and written out. A book in memory goes
the same way as a single part, so both give the same bytes, and JSON streams
as CSV does: one line per action, never the whole document held at once.

Every format takes an action's fields from one description, `ACTION_FIELDS`:
CSV has its columns (the six fixed ones, then ``channel`` and ``owner``),
JSON and JSON Lines `Action.to_dict`.

CSV is opened by spreadsheets, which run a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula (OWASP "CSV injection"): the text cells of the
``csv`` format (customer ids, policy names, reasons, owners) that start so,
or with a tab or carriage return, get a leading ``'``. The ``raw-csv``
format writes them as they are; numbers and dates are never changed, and
JSON keeps every value as it is. CSV lines end with a line feed alone; a
cell holding a line break is quoted.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import itertools
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from lifecycle._plural import counted
from lifecycle.agenda import ACTION_FIELDS, Action, Agenda, HeldBack, json_ready
from lifecycle.errors import AgendaWriteError, InvalidValueError
from lifecycle.io.files import replacing

__all__ = [
    "CSV_HEADER",
    "Only",
    "Rendered",
    "fitted",
    "neutralised",
    "output",
    "render",
    "write",
    "write_agenda",
    "written",
]

#: ``raw-csv`` is ``csv`` with text cells as they are (see `neutralised`).
OutputFormat = Literal["table", "csv", "raw-csv", "json", "jsonl"]
_COLUMNS = tuple(f for f in ACTION_FIELDS if f.column)
#: The CSV columns: the six fixed ones, then ``channel`` and ``owner``.
CSV_HEADER = tuple(f.name for f in _COLUMNS)

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


class Only(NamedTuple):
    """Which part of an agenda to show (``None``: no filter of that kind).

    An action is shown when its policy is one of *policies* and its customer
    one of *customers*; a held-back action likewise. A skipped customer has no
    actions: it is shown when it is one of *customers*, whatever *policies*.
    The agenda itself is worked out whole first: the cap and capacities are
    the same as without a filter.
    """

    policies: frozenset[str] | None = None
    customers: frozenset[str] | None = None

    def shows(self, action: Action) -> bool:
        """Whether *action* (on the agenda or held back) is shown."""
        return (self.policies is None or action.policy in self.policies) and (
            self.customers is None or action.customer_id in self.customers
        )

    def shows_customer(self, customer_id: str) -> bool:
        """Whether a skipped customer is shown."""
        return self.customers is None or customer_id in self.customers


def _ellipsis(out: TextIO) -> str:
    """``…``, or ``...`` for a terminal whose encoding has no ``…``."""
    try:
        "…".encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "..."
    return "…"


class _Echo:
    """A file whose `write` hands back what it is given: `csv.writer` then returns each line."""

    def write(self, text: str) -> str:
        return text


def _key(action: Action) -> Key:
    return (action.priority, action.due.toordinal(), action.customer_id, action.policy)


def _default(value: object) -> object:
    """`json_ready`, one level at a time: the encoder goes on into what it returns."""
    if isinstance(value, Mapping):
        data = dict(value)
        return data if all(type(k) is str for k in data) else json_ready(data)
    return json_ready(value)


# Compact, and not ASCII-escaped: one line per item, as CSV has. The encoder is
# given an action's values as they are and calls `_default` on each value it
# cannot write itself (dates, facts): the text of `Action.to_dict`, without
# making the dict first.
_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=_default).encode
_NAMES = tuple(f.name for f in ACTION_FIELDS)
_values = attrgetter(*_NAMES)


def _fields(action: Action) -> dict[str, object]:
    return dict(zip(_NAMES, _values(action), strict=True))


def _json_item(data: dict[str, object]) -> str:
    # Items sit two levels deep in the document, one to a line.
    return "    " + _dumps(data)


def _jsonl_line(action: Action) -> str:
    return _dumps(_fields(action)) + "\n"


def _held_item(held: HeldBack) -> str:
    return _json_item(_fields(held.action) | {"held_back": held.reason})


def render(agenda: Agenda, fmt: OutputFormat, only: Only | None = None) -> Rendered:
    """Render an agenda (or a part of one) for *fmt*, only what *only* shows.

    JSON Lines holds the actions alone; the other formats say what was held
    back and skipped too.
    """
    shown: Iterable[Action] = agenda
    held_back: Iterable[HeldBack] = agenda.held_back
    skipped_customers = agenda.skipped
    if only is not None:
        shown = [a for a in agenda if only.shows(a)]
        held_back = [h for h in held_back if only.shows(h.action)]
        skipped_customers = tuple(
            s for s in skipped_customers if only.shows_customer(s.customer_id)
        )
    actions: list[tuple[Key, str]]
    held: list[tuple[Key, str]] = []
    skipped: list[tuple[str, str]] = []
    if fmt in ("csv", "raw-csv"):
        line = _csv_line(guard=fmt == "csv")
        actions = [(_key(a), line(a)) for a in shown]
    elif fmt == "jsonl":
        actions = [(_key(a), _jsonl_line(a)) for a in shown]
    elif fmt == "json":
        actions = [(_key(a), _json_item(_fields(a))) for a in shown]
        held = [(_key(h.action), _held_item(h)) for h in held_back]
        skipped = [(s.customer_id, _json_item(s.to_dict())) for s in skipped_customers]
    else:
        actions = [(_key(a), _table_line(a)) for a in shown]
        held = [
            (_key(h.action), f"  {h.action.customer_id} {h.action.policy}: {h.reason}")
            for h in held_back
        ]
        skipped = [(s.customer_id, s.reason) for s in skipped_customers]
    return Rendered(actions, held, skipped)


#: What a spreadsheet may take for the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """*text*, with a ``'`` before it if a spreadsheet could take it for a formula.

    Only for text cells: numbers written by the library (a negative priority)
    stay numbers.
    """
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _guarded(value: object) -> object:
    return neutralised(value) if isinstance(value, str) else value


def _csv_row(cells: Iterable[object]) -> str:
    # Written with "\r\n" so that csv quotes a cell holding a lone "\r" (with "\n"
    # alone it would not, and the row would split when read back), then ended with "\n".
    line: str = _writerow(cells)
    return line[:-2] + "\n"


_writerow = csv.writer(_Echo(), lineterminator="\r\n").writerow
_column_values = attrgetter(*CSV_HEADER)


def _csv_line(*, guard: bool) -> Callable[[Action], str]:
    """The CSV line of an action: its `CSV_HEADER` cells (text cells neutralised if *guard*)."""
    makers = [_guarding(f.data) if guard and f.text else f.data for f in _COLUMNS]

    def line(action: Action) -> str:
        return _csv_row([make(v) for make, v in zip(makers, _column_values(action), strict=True)])

    return line


def _guarding(data: Callable[[Any], object]) -> Callable[[Any], object]:
    return lambda value: _guarded(data(value))


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


def write(
    out: TextIO,
    fmt: OutputFormat,
    runs: Runs,
    *,
    title: str,
    as_of: str,
    limit: int | None = None,
    width: int | None = None,
) -> None:
    """Write the agenda the runs make up to *out*, in agenda order.

    With a *limit*, only the first *limit* actions (held-back actions and
    skipped customers are all written). With a *width*, the table's lines of
    actions and held-back actions are cut to it, ending in ``…``: the reason,
    their last column, is what is cut (see `fitted`).
    """
    actions = _merged(runs.actions)
    shown = runs.counts[0]
    if limit is not None:
        actions = itertools.islice(actions, limit)
        shown = min(shown, limit)
    if fmt in ("csv", "raw-csv"):
        out.write(_csv_row(CSV_HEADER))
        out.writelines(actions)
    elif fmt == "jsonl":
        out.writelines(actions)
    elif fmt == "json":
        out.write(f'{{\n  "as_of": {json.dumps(as_of)},\n')
        _json_list(out, "actions", actions, shown, end=",")
        _json_list(out, "held_back", _merged(runs.held_back), runs.counts[1], end=",")
        _json_list(out, "skipped", _merged(runs.skipped), runs.counts[2], end="")
        out.write("}\n")
    else:
        _table(out, runs, title, actions, shown, width=width)


def write_agenda(
    agenda: Agenda,
    path_or_file: str | os.PathLike[str] | TextIO,
    *,
    format: Literal["csv", "jsonl", "json"] = "csv",
) -> None:
    """Write an agenda to a file as CSV, JSON Lines or JSON, the command line's formats.

    - ``"csv"``: a header, then one row per action, in agenda order, with the
      columns ``customer_id,policy,due,priority,overdue_days,reason,channel,owner``;
      text cells a spreadsheet could run as a formula get a leading ``'``
      (as ``lifecycle due --format csv``). Lines end with a line feed alone.
    - ``"jsonl"``: one object per action per line, as `Agenda.to_records`.
    - ``"json"``: one document: ``as_of``, ``actions`` (as `Agenda.to_records`),
      ``held_back`` (each with ``held_back``: why) and ``skipped``.

    A path is written whole or not at all: to a temporary file beside it,
    renamed into place once complete, so a file already there is kept if the
    write fails. An open text file is written to as it is (and not closed).

    Args:
        agenda: The agenda, from `Engine.agenda` or an `IncrementalAgenda`.
        path_or_file: A path (text or `os.PathLike`), or a file open for text.
        format: ``"csv"``, ``"jsonl"`` or ``"json"``.

    Raises:
        InvalidValueError: for another *format*.
        AgendaWriteError: naming the path, when it cannot be written (a
            folder in its place, no such folder, no permission, a full disk).

    Examples:
        >>> import io, lifecycle as lc
        >>> agenda = lc.Engine(lc.starter_pack()).agenda(lc.sample_book(), lc.SAMPLE_AS_OF)
        >>> out = io.StringIO()
        >>> lc.write_agenda(agenda, out, format="jsonl")
        >>> len(out.getvalue().splitlines()) == len(agenda)
        True
    """
    if format not in ("csv", "jsonl", "json"):
        raise InvalidValueError("format", format, "is not one of 'csv', 'jsonl', 'json'")
    runs = Runs.of([render(agenda, format)])
    as_of = agenda.as_of.isoformat()
    if not isinstance(path_or_file, str | os.PathLike):
        write(path_or_file, format, runs, title="", as_of=as_of)
        return
    with written(Path(path_or_file)) as out:
        write(out, format, runs, title="", as_of=as_of)


def output(path: Path | None, default: TextIO) -> contextlib.AbstractContextManager[TextIO]:
    """The file to write to: *path* (see `written`), or *default* when there is none."""
    return contextlib.nullcontext(default) if path is None else written(path)


@contextlib.contextmanager
def written(path: Path) -> Iterator[TextIO]:
    """A new file that takes *path*'s place once whole (see `replacing`).

    Raises:
        AgendaWriteError: naming *path*, when it cannot be written; a file
            already there is left as it was.
    """
    try:
        with replacing(path) as out:
            yield out
    except OSError as e:
        raise AgendaWriteError(str(path), e.strerror or str(e)) from e
    except UnicodeEncodeError as e:
        raise AgendaWriteError(str(path), f"holds text UTF-8 cannot encode ({e.reason})") from e


def _json_list(out: TextIO, name: str, items: Iterator[str], count: int, *, end: str) -> None:
    if not count:
        out.write(f'  "{name}": []{end}\n')
        return
    out.write(f'  "{name}": [\n')
    for number, item in enumerate(items, start=1):
        out.write(item)
        out.write(",\n" if number < count else "\n")
    out.write(f"  ]{end}\n")


def fitted(line: str, width: int, ellipsis: str = "…") -> str:
    """*line*, cut to *width* characters with *ellipsis* at the end if it is longer.

    Examples:
        >>> fitted("due 2 days after the complaint", 16)
        'due 2 days afte…'
        >>> fitted("short", 16)
        'short'
    """
    if len(line) <= width:
        return line
    return line[: max(width - len(ellipsis), 0)] + ellipsis


def _table(
    out: TextIO,
    runs: Runs,
    title: str,
    lines: Iterator[str],
    shown: int,
    *,
    width: int | None,
) -> None:
    # The title and counts stay whole: they name the book and say what is missing.
    mark = _ellipsis(out)

    def fit(line: str) -> str:
        return line if width is None else fitted(line, width, mark)

    actions, held, skipped = runs.counts
    first = f" (the first {shown} shown)" if shown < actions else ""
    out.write(
        f"{title}\n{counted(actions, 'action')} due{first}, {held} held back by the cap, "
        f"{counted(skipped, 'customer')} skipped\n\n{fit(_HEADINGS)}"
    )
    for line in lines:
        out.write("\n" + fit(line))
    if held:
        out.write("\n\n" + fit("Held back (over the cap of actions per customer):"))
        for line in _merged(runs.held_back):
            out.write("\n" + fit(line))
    if skipped:
        reasons = Counter(_merged(runs.skipped))
        counts = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        out.write("\n\n" + fit("Skipped: " + counts))
    out.write("\n")
