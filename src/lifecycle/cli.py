"""The ``lifecycle`` command line.

Usage::

    lifecycle due [--book DIR] [--as-of YYYY-MM-DD] [--policies FILE.toml]
                  [--format table|csv|json|jsonl] [--output FILE] [--workers N] [--raw-csv]
                  [--owner NAME] [--capacity N] [--limit N] [--policy NAME ...]
                  [--customer ID ...] [--wide]
    lifecycle explain CUSTOMER_ID [--book DIR] [--as-of YYYY-MM-DD] [--format table|json]
    lifecycle forecast [--days N] [--by policy|owner] [--book DIR] [--as-of YYYY-MM-DD]
                       [--format table|csv|json]
    lifecycle summary [--book DIR] [--as-of YYYY-MM-DD] [--format table|csv|json]
    lifecycle validate [--book DIR] [--policies FILE.toml] [--format table|json]
    lifecycle policies init FILE [--force]
    lifecycle metrics [--book DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|json]
    lifecycle forget CUSTOMER_ID [CUSTOMER_ID ...] --book DIR
    lifecycle done|dismiss CUSTOMER_ID POLICY --book DIR [--as-of YYYY-MM-DD] [--due YYYY-MM-DD]
                  [--by NAME] [--note TEXT] [--policies FILE.toml]
    lifecycle snooze CUSTOMER_ID POLICY (--until YYYY-MM-DD | --days N) --book DIR [same options]

Exit status: 0 on success, 1 for bad data (one message naming the file, line,
column and value), 2 for bad usage, 130 when interrupted by SIGINT (Ctrl-C) and
143 by SIGTERM (one line saying the output is incomplete; temporary files
removed, worker processes ended). No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import gc
import importlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import attrs
from dateutil.relativedelta import relativedelta

from lifecycle import _agenda_output, _scale, limits
from lifecycle._plural import counted
from lifecycle._summary import render_table, summarize
from lifecycle._validate import date_problem
from lifecycle._version import __version__
from lifecycle.book import Book, Timelines
from lifecycle.calendar import Calendar
from lifecycle.churn import ChurnRule, churn_on_cancellation
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, Outcome
from lifecycle.engine import Engine, Explanation, Forecast
from lifecycle.errors import (
    BookFormatError,
    InvalidValueError,
    LifecycleError,
    PolicyFileError,
    PolicyProblem,
)
from lifecycle.io import append_decision, read_book, read_book_report, stream_book, write_book
from lifecycle.io.files import replacing
from lifecycle.metrics import report as metrics_report
from lifecycle.metrics import stewardship_record
from lifecycle.policies import PolicySet, evaluator, load_policies, policy_set, starter_pack
from lifecycle.policy import Status
from lifecycle.sample import SAMPLE_AS_OF, sample_book, starter_pack_path
from lifecycle.stages import default_lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Kind

__all__ = ["main"]

EXIT_DATA = 1


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None
    problem = date_problem(day)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return day


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3660:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to 3660")
    return int(text)


def _capacity(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of actions from 1 to 1000000")
    return int(text)


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of actions from 1 upwards")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


def _kind(text: str) -> Kind:
    if text in {k.name for k in Kind.standard()}:
        raise argparse.ArgumentTypeError(f"{text!r} is a standard kind: it needs no --kind")
    try:
        return Kind(text)
    except InvalidValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e.problem}") from None


def _channel(text: str) -> Channel:
    try:
        return Channel(text)
    except InvalidValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e.problem}") from None


def _vocabulary(sub: argparse.ArgumentParser) -> None:
    """``--kind`` and ``--channel``: the custom kinds and channels of the book a command reads."""
    sub.add_argument(
        "--kind",
        metavar="NAME",
        dest="custom_kinds",
        type=_kind,
        action="append",
        default=[],
        help="a custom touchpoint kind the book uses (unscored; repeat for several)",
    )
    sub.add_argument(
        "--channel",
        metavar="NAME",
        dest="custom_channels",
        type=_channel,
        action="append",
        default=[],
        help="a custom channel the book uses, e.g. sms or whatsapp (repeat for several)",
    )


def _registered(args: argparse.Namespace) -> dict[str, Any]:
    """The custom kinds and channels of ``--kind`` and ``--channel``, as readers take them."""
    return {"kinds": args.custom_kinds, "channels": args.custom_channels}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="Work out which proactive stewardship actions are due for a book of customers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(sub: argparse.ArgumentParser, formats: Sequence[str]) -> None:
        sub.add_argument(
            "--book",
            metavar="DIR",
            type=Path,
            help="folder with customers and touchpoints files (default: the shipped sample book)",
        )
        sub.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            type=_date,
            help="the date to work for (default: today; for the sample book, its reference date)",
        )
        sub.add_argument("--format", choices=formats, default="table", help="output format")

    def policies(sub: argparse.ArgumentParser, *, churn_only: bool = False) -> None:
        sub.add_argument(
            "--policies",
            metavar="FILE.toml|MODULE:FUNCTION",
            type=Path,
            help=(
                "policies whose churn table says who counts as churned (default: a "
                "cancellation with no purchase or renewal since)"
                if churn_only
                else "policies: a TOML policy file, or a Python function returning "
                "policies, e.g. team.policies:make (default: the starter pack)"
            ),
        )
        _vocabulary(sub)  # every command with policies reads a book

    due = commands.add_parser("due", help="the actions due on a date (the agenda)")
    common(due, ("table", "csv", "json", "jsonl"))
    policies(due)
    due.add_argument(
        "--calendar-country",
        metavar="CC",
        help="move due dates off CC's public holidays and weekends (e.g. GB, US-CA)",
    )
    due.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write to FILE, whole or not at all, instead of standard output",
    )
    due.add_argument(
        "--workers",
        metavar="N",
        type=_workers,
        default=None,
        help="processes for a large book, read as a stream (default: one per core)",
    )
    due.add_argument(
        "--raw-csv",
        action="store_true",
        help="with --format csv, write cells as they are: no ' before a cell that a "
        "spreadsheet could run as a formula (=, +, -, @, tab, CR)",
    )
    due.add_argument("--owner", metavar="NAME", help="only the actions of this owner's customers")
    due.add_argument(
        "--capacity",
        metavar="N",
        type=_capacity,
        help="at most N actions for each owner; the rest are held back",
    )
    due.add_argument(
        "--limit", metavar="N", type=_limit, help="show only the first N actions of the agenda"
    )
    due.add_argument(
        "--wide",
        action="store_true",
        help="on a terminal, the table's reasons in full rather than cut to its width",
    )
    due.add_argument(
        "--policy",
        metavar="NAME",
        dest="only_policies",
        action="append",
        help="only the actions of this policy (repeat for several)",
    )
    due.add_argument(
        "--customer",
        metavar="ID",
        dest="only_customers",
        action="append",
        help="only the actions of this customer (repeat for several)",
    )
    _decision_commands(commands, policies)
    explain = commands.add_parser("explain", help="every policy's verdict for one customer")
    explain.add_argument("customer_id", metavar="CUSTOMER_ID")
    common(explain, ("table", "json"))
    policies(explain)
    forecast = commands.add_parser("forecast", help="how many actions come due on each day ahead")
    forecast.add_argument("--days", type=_days, default=14, help="how many days ahead (default 14)")
    forecast.add_argument(
        "--by",
        choices=("policy", "owner"),
        default="policy",
        help="count per policy (default) or per owner",
    )
    common(forecast, ("table", "csv", "json"))
    policies(forecast)
    summary = commands.add_parser("summary", help="a book's customers by stage, kind and channel")
    common(summary, ("table", "csv", "json"))
    policies(summary, churn_only=True)
    validate = commands.add_parser(
        "validate", help="check a book and a policy file, listing every problem"
    )
    validate.add_argument(
        "--book", metavar="DIR", type=Path, help="folder with the book (default: the sample book)"
    )
    validate.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format: lines of text (default) or one JSON document",
    )
    policies(validate)
    _metrics_command(commands, policies)
    policy_commands = _policy_commands(commands)
    _vocabulary(_forget_command(commands))
    _describe(commands, ())
    _describe(policy_commands, ("policies",))
    return parser


def _metrics_command(commands: Any, policies: Any) -> None:
    metrics = commands.add_parser("metrics", help="service and relationship metrics for a period")
    metrics.add_argument(
        "--book", metavar="DIR", type=Path, help="folder with the book (default: the sample book)"
    )
    metrics.add_argument(
        "--from",
        dest="start",
        metavar="YYYY-MM-DD",
        type=_date,
        help="first day (default: a year before --to)",
    )
    metrics.add_argument(
        "--to",
        dest="as_of",
        metavar="YYYY-MM-DD",
        type=_date,
        help="last day (default: today; for the sample book, its reference date)",
    )
    metrics.add_argument("--format", choices=("table", "json"), default="table")
    policies(metrics, churn_only=True)


def _forget_command(commands: Any) -> argparse.ArgumentParser:
    forget: argparse.ArgumentParser = commands.add_parser(
        "forget", help="erase customers and their touchpoints from a book's files"
    )
    forget.add_argument("customer_ids", metavar="CUSTOMER_ID", nargs="+")
    forget.add_argument(
        "--book", metavar="DIR", type=Path, required=True, help="folder with the book to rewrite"
    )
    return forget


def _policy_commands(commands: Any) -> Any:
    """``policies init FILE [--force]``; returns the subcommands of ``policies``."""
    policy_files = commands.add_parser("policies", help="policy files: write a starter file")
    policy_commands = policy_files.add_subparsers(
        dest="policies_command", metavar="SUBCOMMAND", required=True
    )
    init = policy_commands.add_parser(
        "init", help="write the starter pack as a policy file to edit"
    )
    init.add_argument("file", metavar="FILE", type=Path, help="the TOML file to write")
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    return policy_commands


def _describe(commands: Any, path: tuple[str, ...]) -> None:
    """Give each subcommand its description and examples (`_ABOUT`), kept as written."""
    for name, sub in commands.choices.items():
        description, examples = _ABOUT[(*path, name)]
        sub.description = description
        sub.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter


#: Each subcommand's description and examples, shown by its --help.
_ABOUT: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {
    ("due",): (
        (
            "The agenda: the actions due on the as-of date, ordered by priority, due date\n"
            "and customer id, at most two per customer, then those held back by the cap\n"
            "and the customers skipped. --policy, --customer and --limit choose what is\n"
            "shown of the agenda worked out whole."
        ),
        (
            "lifecycle due --book exports/ --as-of 2026-11-02",
            "lifecycle due --book exports/ --format csv --output agenda.csv",
            "lifecycle due --book exports/ --policy renewal --customer C001 --limit 20",
        ),
    ),
    ("done",): (
        (
            "Record that an action was done: one row appended to the book's decisions\n"
            "file. The action is closed and leaves the agenda."
        ),
        ("lifecycle done C001 complaint_follow_up --by alice --book exports/",),
    ),
    ("dismiss",): (
        (
            "Record that the team decided not to do an action: one row appended to the\n"
            "book's decisions file. The action is closed and leaves the agenda."
        ),
        ('lifecycle dismiss C001 welcome --note "met at the fair" --book exports/',),
    ),
    ("snooze",): (
        (
            "Put an action off: it leaves the agenda until --until, or for --days days,\n"
            "then shows again. One row appended to the book's decisions file."
        ),
        (
            "lifecycle snooze C001 complaint_follow_up --days 3 --book exports/",
            "lifecycle snooze C001 renewal --until 2026-12-01 --book exports/",
        ),
    ),
    ("explain",): (
        (
            "Every policy's verdict for one customer (due, upcoming, fulfilled, expired\n"
            "or not applicable), its reason, and what the agenda did with it."
        ),
        ("lifecycle explain C002", "lifecycle explain C002 --book exports/ --format json"),
    ),
    ("forecast",): (
        (
            "How many actions come due on each of the next --days days, per policy or\n"
            "per owner, before the cap: the workload ahead."
        ),
        (
            "lifecycle forecast --days 7 --book exports/",
            "lifecycle forecast --by owner --format csv --book exports/",
        ),
    ),
    ("summary",): (
        (
            "A book at a glance: customers by derived and recorded stage, anomalies,\n"
            "and touchpoints by kind, channel and direction, up to the as-of date;\n"
            "then the customers whose recorded stage differs, and each anomaly."
        ),
        ("lifecycle summary --book exports/", "lifecycle summary --format json"),
    ),
    ("validate",): (
        (
            "Check a book (every bad row) and a policy file (every problem, with its\n"
            "line and key). Exit status 1 when there is any problem, 0 otherwise;\n"
            "warnings do not change it."
        ),
        (
            "lifecycle validate --book exports/ --policies team.toml",
            "lifecycle validate --book exports/ --format json",
        ),
    ),
    ("metrics",): (
        (
            "Service and relationship metrics for a period: response and resolution\n"
            "times, CSAT, NPS, retention, the stewardship ratio, lifetime value, cohorts."
        ),
        ("lifecycle metrics --book exports/ --from 2026-01-01 --to 2026-06-30",),
    ),
    ("policies",): (
        "Policy files: start one from the starter pack.",
        ("lifecycle policies init team.toml",),
    ),
    ("policies", "init"): (
        (
            "Write the starter pack as a policy file to edit, then use it with\n"
            "--policies FILE. A file already there is kept unless --force."
        ),
        (
            "lifecycle policies init team.toml",
            "lifecycle due --policies team.toml --book exports/",
        ),
    ),
    ("forget",): (
        (
            "Erase customers and every touchpoint and decision of theirs from the\n"
            "book's files, written back whole or not at all."
        ),
        ("lifecycle forget C001 C002 --book exports/",),
    ),
}


_DECISION_COMMANDS = {
    "done": (Outcome.DONE, "record that an action was done"),
    "dismiss": (Outcome.DISMISSED, "record that the team decided not to do an action"),
    "snooze": (Outcome.SNOOZED, "put an action off until a later date"),
}


def _decision_commands(commands: Any, policies: Any) -> None:
    for name, (_, summary) in _DECISION_COMMANDS.items():
        sub = commands.add_parser(name, help=summary)
        sub.add_argument("customer_id", metavar="CUSTOMER_ID")
        sub.add_argument("policy", metavar="POLICY")
        sub.add_argument(
            "--book",
            metavar="DIR",
            type=Path,
            help="folder with the book to record it in (the sample book is read-only)",
        )
        sub.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            type=_date,
            help="the agenda's date, to find the action (default: today)",
        )
        sub.add_argument(
            "--due",
            metavar="YYYY-MM-DD",
            type=_date,
            help="the due date of the action decided on (default: the one due on --as-of)",
        )
        sub.add_argument("--by", metavar="NAME", help="who decided")
        sub.add_argument("--note", metavar="TEXT", default="", help="why")
        policies(sub)
        if name == "snooze":
            until = sub.add_mutually_exclusive_group(required=True)
            until.add_argument(
                "--until",
                metavar="YYYY-MM-DD",
                type=_date,
                help="the first date the action shows again (after --as-of)",
            )
            until.add_argument(
                "--days", metavar="N", type=_days, help="show it again N days after --as-of"
            )


def _load(args: argparse.Namespace) -> tuple[Book, dt.date, str]:
    if args.book is None:
        as_of = args.as_of or SAMPLE_AS_OF
        note = "" if args.as_of else " (the sample book's reference date)"
        return sample_book(), as_of, f"Sample book, as of {as_of.isoformat()}{note}"
    as_of = args.as_of or dt.date.today()
    book = read_book(args.book, **_registered(args))
    return book, as_of, f"Book {args.book}, as of {as_of.isoformat()}"


def _policy_set(args: argparse.Namespace) -> PolicySet:
    if args.policies is None:
        return starter_pack()
    return _policies_from(
        args.policies, getattr(args, "custom_kinds", ()), getattr(args, "custom_channels", ())
    )


#: ``package.module:function``: a factory of policies (a file of that name wins).
_FACTORY = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


def _churn(args: argparse.Namespace) -> ChurnRule:
    """The churn rule of ``--policies`` (its ``churn`` table), else the cancellation rule."""
    return _policy_set(args).churn or churn_on_cancellation()


def _policies_from(
    path: Path, kinds: Sequence[Kind] = (), channels: Sequence[Channel] = ()
) -> PolicySet:
    """The policies of ``--policies``: a policy file, or ``package.module:function``.

    Raises:
        PolicyFileError: for a policy file with problems.
        _UsageError: for a factory that cannot be found (no such module or function).
        _FactoryError: for a factory whose module or call raises, or that
            returns something other than policies.
    """
    spec = str(path)
    if not _FACTORY.fullmatch(spec) or path.exists():
        return load_policies(path, kinds=kinds, channels=channels)
    module_name, _, function_name = spec.partition(":")
    # As `python -m` would: a team's module in the current folder is found.
    here = os.getcwd()
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and f"{module_name}.".startswith(f"{e.name}."):
            raise _UsageError(f"--policies {spec!r}: no module named {e.name!r}") from None
        raise _FactoryError(
            f"--policies {spec!r}: importing {module_name} raised {_said(e)}"
        ) from e
    except Exception as e:
        raise _FactoryError(
            f"--policies {spec!r}: importing {module_name} raised {_said(e)}"
        ) from e
    finally:
        if added:
            sys.path.remove(here)
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise _UsageError(f"--policies {spec!r}: {module_name} has no function {function_name!r}")
    try:
        made = factory()
    except Exception as e:
        raise _FactoryError(
            f"--policies {spec!r}: calling {function_name}() raised {_said(e)}"
        ) from e
    try:
        return policy_set(made)
    except (InvalidValueError, TypeError) as e:
        raise _FactoryError(
            f"--policies {spec!r}: {function_name}() did not return policies: {e}"
        ) from e


def _said(error: BaseException) -> str:
    """An exception in one line: its class and message."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _engine(args: argparse.Namespace) -> Engine:
    return Engine(_policy_set(args))


def _due(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    policies = _policy_set(args)
    engine = Engine(policies)
    if args.calendar_country is not None:
        # On top of the policy file's [calendar] table, if it has one.
        calendar = attrs.evolve(engine.calendar or Calendar(), country=args.calendar_country)
        engine = attrs.evolve(engine, calendar=calendar)
    if args.capacity is not None:
        engine = attrs.evolve(engine, capacity=args.capacity)
    fmt: _agenda_output.OutputFormat = args.format
    if fmt == "csv" and args.raw_csv:
        fmt = "raw-csv"
    only = _only(args, policies)
    # The parallel runner works out its parts apart: owners are taken as a whole below.
    owners = args.owner is not None or args.capacity is not None
    with contextlib.ExitStack() as stack:
        if args.book is not None and _scale.large(args.book) and not owners:
            as_of = args.as_of or dt.date.today()
            title = f"Book {args.book}, as of {as_of.isoformat()}"
            # The progress line is cleared before the agenda is written.
            with _Progress.on(err, total=None) as progress:
                runs = stack.enter_context(
                    _scale.agenda_runs(
                        args.book,
                        engine,
                        as_of,
                        fmt,
                        workers=args.workers,
                        only=only,
                        progress=None if progress is None else (progress.count, progress.tick),
                    )
                )
        else:
            book, as_of, title = _agenda_source(args)
            total = len(book) if isinstance(book, Book) else None
            with _Progress.on(err, total=total) as progress:
                agenda = engine.agenda(_Owned(book, args.owner, progress), as_of)
            runs = _agenda_output.Runs.of([_agenda_output.render(agenda, fmt, only)])
        with _agenda_output.output(args.output, out) as to:
            _agenda_output.write(
                to,
                fmt,
                runs,
                title=title,
                as_of=as_of.isoformat(),
                limit=args.limit,
                width=_width(args, to),
            )
    return 0


class _Count:
    """Customers worked out in this process: ``value``, as a `multiprocessing.Value` has."""

    def __init__(self) -> None:
        self.value = 0


class _Progress:
    """A progress line on standard error, for a run longer than a moment, on a terminal only.

    Drawn by whoever does the work, calling `tick` (no thread: a thread
    running while worker processes are forked could leave them a lock held),
    once `AFTER` seconds have passed and then every `EVERY` seconds; cleared
    when the work is done, before the agenda is written.
    """

    #: Seconds before the line shows: a quick run shows none.
    AFTER = 2.0
    #: Seconds between updates.
    EVERY = 0.25

    def __init__(self, err: TextIO, count: Any, total: int | None) -> None:
        self.count = count
        self._err = err
        self._total = total
        self._next = time.monotonic() + self.AFTER
        self._drawn = False

    @classmethod
    @contextlib.contextmanager
    def on(cls, err: TextIO | None, *, total: int | None) -> Iterator[_Progress | None]:
        """A progress line on *err* if it is a terminal, else ``None``."""
        if err is None or not err.isatty():
            yield None
            return
        # Shared with forked worker processes, which add to it as they go.
        count = multiprocessing.Value("q", 0) if total is None else _Count()
        progress = cls(err, count, total)
        try:
            yield progress
        finally:
            if progress._drawn:
                err.write("\r\x1b[K")  # back to the line's start, and clear it
                err.flush()

    def tick(self) -> None:
        """Draw the line, if it is time to."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.EVERY
        done = self.count.value
        if self._total:
            share = min(done / self._total, 1.0)
            bar = "#" * round(24 * share)
            text = f"[{bar:<24}] {done:,}/{self._total:,} customers"
        else:
            text = f"{done:,} customers worked out"
        self._err.write(f"\rlifecycle due: {text}\x1b[K")
        self._err.flush()
        self._drawn = True


def _width(args: argparse.Namespace, out: TextIO) -> int | None:
    """The width to cut the table's lines to: the terminal's, when *out* is one.

    ``None`` (lines in full) for a file or a pipe, and with ``--wide``.
    """
    if args.wide or not out.isatty():
        return None
    return shutil.get_terminal_size().columns


def _only(args: argparse.Namespace, policies: PolicySet) -> _agenda_output.Only | None:
    """The filters of ``due --policy`` and ``--customer`` (``None``: none given).

    Raises:
        _UsageError: for a policy name that none of the policies in use gives
            (when they tell their names up front).
    """
    if args.only_policies is None and args.only_customers is None:
        return None
    names = evaluator(policies).names
    unknown = [p for p in args.only_policies or () if names is not None and p not in names]
    if unknown:
        raise _UsageError(
            f"--policy {unknown[0]!r} is not a policy in use (policies: {', '.join(names or ())})"
        )
    return _agenda_output.Only(
        None if args.only_policies is None else frozenset(args.only_policies),
        None if args.only_customers is None else frozenset(args.only_customers),
    )


def _agenda_source(args: argparse.Namespace) -> tuple[Timelines, dt.date, str]:
    """The book for ``due``: loaded, or for a large one streamed (read by this process)."""
    if args.book is None or not _scale.large(args.book):
        return _load(args)
    as_of = args.as_of or dt.date.today()
    stream = stream_book(args.book, **_registered(args))
    return stream, as_of, f"Book {args.book}, as of {as_of.isoformat()}"


class _Owned:
    """The customers of one owner (``None``: every customer), for ``due --owner``.

    Capacity is per owner, so the agenda of an owner's customers alone holds
    the same actions for them as the whole book's.
    """

    def __init__(
        self, book: Timelines, owner: str | None, progress: _Progress | None = None
    ) -> None:
        self._book = book
        self._owner = owner
        self._progress = progress

    def items(self) -> Iterable[tuple[Customer, Timeline]]:
        owner = self._owner
        items = self._book.items() if self._progress is None else self._counted(self._progress)
        if owner is None:
            return items
        return ((c, t) for c, t in items if c.owner == owner)

    def _counted(self, progress: _Progress) -> Iterator[tuple[Customer, Timeline]]:
        """The book's customers, each counted as it is taken (for the progress line)."""
        count = progress.count
        for item in self._book.items():
            yield item
            count.value += 1
            progress.tick()


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    engine = _engine(args)
    book, as_of, title = _load(args)
    explanation: Explanation = engine.explain(book, args.customer_id, as_of)
    if args.format == "json":
        data = {
            "customer_id": explanation.customer.id,
            "as_of": as_of.isoformat(),
            "skipped": explanation.skipped.detail if explanation.skipped else None,
            "verdicts": [
                {
                    "policy": v.policy,
                    "priority": v.priority,
                    "status": v.status.value,
                    "due": v.due.isoformat() if v.due else None,
                    "reason": v.reason,
                    "facts": {k: _plain(x) for k, x in v.facts.items()},
                }
                for v in explanation.verdicts
            ],
            "on_agenda": [a.policy for a in explanation.actions],
            "held_back": [h.action.policy for h in explanation.held_back],
        }
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(f"{title}\n{explanation}\n")
    return 0


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _forecast(args: argparse.Namespace, out: TextIO) -> int:
    engine = _engine(args)
    book, start, title = _load(args)
    end = start + dt.timedelta(days=args.days - 1)
    if end > limits.MAX_DATE:
        raise InvalidValueError(
            "--days", args.days, f"reaches past {limits.MAX_DATE} (lifecycle.limits)"
        )
    forecast: Forecast = engine.forecast(book, start, end)
    # Unowned actions count under "" (no owner is empty); the table says "(unowned)".
    counts = (
        forecast.counts()
        if args.by == "policy"
        else {
            day: Counter({o or "": n for o, n in c.items()})
            for day, c in forecast.by_owner().items()
        }
    )
    if args.format == "csv":
        writer = csv.writer(out)
        writer.writerow(["date", args.by, "count"])
        for day, by_policy in counts.items():
            for name, n in sorted(by_policy.items()):
                writer.writerow([day.isoformat(), name, n])
    elif args.format == "json":
        data = {day.isoformat(): dict(sorted(c.items())) for day, c in counts.items()}
        json.dump(data, out, indent=2)
        out.write("\n")
    elif args.by == "owner":
        out.write(_owner_grid(counts, f"{title}: actions coming due per owner (before the cap)"))
    else:
        days = counted(args.days, "day")
        lines = [f"{title}: actions coming due in the next {days} (before the cap)", ""]
        for day, by_policy in counts.items():
            detail = ", ".join(f"{name} {n}" for name, n in sorted(by_policy.items()))
            lines.append(f"{day.isoformat()} {day:%a}  {sum(by_policy.values()):>5}  {detail}")
        out.write("\n".join(lines) + "\n")
    return 0


def _owner_grid(counts: dict[dt.date, Counter[str]], title: str) -> str:
    """One row per day, one column per owner (unowned last), with each day's total."""
    owners = sorted({o for c in counts.values() for o in c}, key=lambda o: (o == "", o))
    names = [o or "(unowned)" for o in owners]
    widths = [max(len(n), 5) for n in names]
    head = "".join(f"  {n:>{w}}" for n, w in zip(names, widths, strict=True))
    lines = [title, "", f"{'date':<14}  {'total':>5}{head}"]
    for day, c in counts.items():
        cells = "".join(f"  {c[o]:>{w}}" for o, w in zip(owners, widths, strict=True))
        lines.append(f"{day.isoformat()} {day:%a}  {sum(c.values()):>5}{cells}")
    return "\n".join(lines) + "\n"


def _summary(args: argparse.Namespace, out: TextIO) -> int:
    book, as_of, title = _load(args)
    summary = summarize(book, as_of=as_of, lifecycle=default_lifecycle(churn=_churn(args)))
    if args.format == "json":
        json.dump(summary, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.writer(out)
        writer.writerow(["stage", "derived", "recorded"])
        for stage, counts in summary["stages"].items():
            writer.writerow([stage, counts["derived"], counts["recorded"]])
    else:
        out.write(render_table(summary, title) + "\n")
    return 0


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    problems: list[tuple[str, dict[str, object]]] = []
    checked: dict[str, object] = {}
    if args.book is None:
        count = len(sample_book())
        book_line = f"the sample book: {counted(count, 'customer')}"
        checked["book"] = {"path": None, "customers": count}
    else:
        report = read_book_report(args.book, **_registered(args))
        problems.extend((str(e), _book_problem(e)) for e in report.errors)
        book_line = (
            f"book {args.book}: {counted(len(report.book), 'customer')}, "
            f"{counted(report.book.touchpoint_count, 'touchpoint')}"
        )
        checked["book"] = {
            "path": str(args.book),
            "customers": len(report.book),
            "touchpoints": report.book.touchpoint_count,
        }
    names: tuple[str, ...] | None = None
    if args.policies is None:
        policies_line = f"the starter pack: {counted(len(starter_pack()), 'policy', 'policies')}"
        names = evaluator(starter_pack()).names
        checked["policies"] = {"path": None, "policies": len(starter_pack())}
    else:
        try:
            loaded = _policies_from(args.policies, args.custom_kinds, args.custom_channels)
            policies_line = (
                f"policies {args.policies}: {counted(len(loaded), 'policy', 'policies')}"
            )
            names = evaluator(loaded).names
            checked["policies"] = {"path": str(args.policies), "policies": len(loaded)}
        except PolicyFileError as e:
            problems.extend((f"{e.path}, {p}", _policy_problem(e.path, p)) for p in e.problems)
            checked["policies"] = {"path": str(args.policies), "policies": None}
    warnings: list[tuple[str, dict[str, object]]] = []
    if args.book is not None and names is not None:
        warnings = list(_unknown_policies(report.book, names))
    if args.format == "json":
        data = {
            "ok": not problems,
            "checked": checked,
            "problems": [p for _, p in problems],
            "warnings": [w for _, w in warnings],
        }
        json.dump(data, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
        return EXIT_DATA if problems else 0
    for warning, _ in warnings:
        out.write(warning + "\n")
    if problems:
        for problem, _ in problems:
            out.write(problem + "\n")
        out.write(f"{counted(len(problems), 'problem')} found\n")
        return EXIT_DATA
    out.write(f"ok: {book_line}; {policies_line}\n")
    return 0


def _book_problem(error: BookFormatError) -> dict[str, object]:
    """A bad row of a book, for ``validate --format json``."""
    return {
        "file": error.path,
        "line": error.line,
        "column": error.column,
        "value": error.value,
        "problem": error.problem,
        "message": str(error),
    }


def _policy_problem(path: str, problem: PolicyProblem) -> dict[str, object]:
    """A problem of a policy file, for ``validate --format json``."""
    return {
        "file": path,
        "line": problem.line,
        "key": problem.key,
        "value": problem.value,
        "problem": problem.problem,
        "message": f"{path}, {problem}",
    }


def _unknown_policies(book: Book, names: Sequence[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """Warnings for decisions naming a policy none in use gives (``due`` ignores them)."""
    known = set(names)
    for decision in book.decisions():
        if decision.policy not in known:
            message = (
                f"warning: decision {decision.id!r} of {decision.customer_id} names policy "
                f"{decision.policy!r}, which none of the policies in use gives; due ignores it"
            )
            data: dict[str, object] = {
                "decision": decision.id,
                "customer_id": decision.customer_id,
                "policy": decision.policy,
                "message": message.removeprefix("warning: "),
            }
            yield message, data


def _metrics(args: argparse.Namespace, out: TextIO) -> int:
    book, end, title = _load(args)
    start = args.start or max(end - relativedelta(years=1) + dt.timedelta(days=1), limits.MIN_DATE)
    if start > end:
        raise InvalidValueError("--from", start.isoformat(), f"is after --to {end.isoformat()}")
    data = metrics_report(book, start, end, churn=_churn(args))
    if args.format == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        record = stewardship_record(book, as_of=end, start=start)
        out.write(f"{_metrics_table(data, title.split(', as of')[0])}\n\n{record}\n")
    return 0


def _policies(args: argparse.Namespace, out: TextIO) -> int:
    """``policies init FILE``: the starter pack as a policy file, written whole or not at all."""
    file: Path = args.file
    if (file.exists() or file.is_symlink()) and not args.force:
        raise _Refused(f"{file} exists; pass --force to overwrite it")
    try:
        with replacing(file) as to:
            to.write(starter_pack_path().read_text(encoding="utf-8"))
    except OSError as e:
        # The system names the temporary file beside FILE: name FILE instead.
        raise _Refused(f"{file}: cannot write the policy file: {e.strerror or e}") from None
    out.write(
        f"wrote {file}: the starter pack's {counted(len(starter_pack()), 'policy', 'policies')}; "
        f"edit it, check it with: lifecycle validate --policies {file}\n"
    )
    return 0


def _forget(args: argparse.Namespace, out: TextIO) -> int:
    folder: Path = args.book
    book = read_book(folder, **_registered(args))
    smaller = book.without_customers(args.customer_ids)
    # read_book found exactly one of the two formats: write the same one back.
    write_book(smaller, folder, format="csv" if (folder / "customers.csv").is_file() else "jsonl")
    gone = len(book) - len(smaller)
    touchpoints = book.touchpoint_count - smaller.touchpoint_count
    out.write(
        f"forgot {counted(gone, 'customer')} and {counted(touchpoints, 'touchpoint')}; "
        f"rewrote {folder}\n"
    )
    return 0


class _UsageError(Exception):
    """A command's arguments that cannot work together (exit 2, as argparse's own)."""


class _FactoryError(LifecycleError):
    """A policy factory (``--policies module:function``) that failed (exit 1)."""


class _Refused(LifecycleError):
    """A file the command cannot or may not write (exit 1)."""


class _NothingToDecide(LifecycleError):
    """No action of the policy is due for the customer: there is nothing to record."""


def _now() -> dt.datetime:
    """The current instant in UTC: the command line may ask, the library never does."""
    return dt.datetime.now(dt.UTC)


def _decision_id(at: dt.datetime) -> str:
    """A new decision id: ``D``, the UTC instant to the microsecond, and a random suffix.

    Ids of decisions recorded later sort after earlier ones (code-point order,
    as the engine breaks ties); the suffix keeps two made in one microsecond apart.
    """
    return f"D{at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"


def _decide(args: argparse.Namespace, out: TextIO) -> int:
    """Record one decision: ``done``, ``dismiss`` or ``snooze``."""
    if args.book is None:
        raise _UsageError(
            "the sample book is read-only (it ships inside the package); "
            "pass --book DIR to record a decision in your own book"
        )
    as_of = args.as_of or dt.date.today()
    outcome = _DECISION_COMMANDS[args.command][0]
    until = None
    if outcome is Outcome.SNOOZED:
        until = args.until or as_of + dt.timedelta(days=args.days)
        if until <= as_of:
            raise _UsageError(
                f"--until {until.isoformat()} is not after the as-of date {as_of.isoformat()}; "
                "a snooze ends on a later date"
            )
    policies = _policy_set(args)
    book = read_book(args.book, **_registered(args))
    customer = book.customer(args.customer_id)
    # The starter pack and policy files tell their names up front.
    names = evaluator(policies).names or ()
    if args.policy not in names:
        raise _NothingToDecide(
            f"no policy in use is named {args.policy!r} (policies: {', '.join(names)})"
        )
    due = args.due or _due_date(Engine(policies), book, customer, args.policy, as_of)
    at = _now()
    decision = Decision(
        id=_decision_id(at),
        customer_id=customer.id,
        policy=args.policy,
        due=due,
        outcome=outcome,
        at=at,
        until=until,
        by=args.by or None,
        note=args.note,
    )
    file = append_decision(args.book, decision)
    out.write(
        f"recorded in {file}: {customer.id} {decision.policy} due {due.isoformat()}: "
        f"{decision.describe(customer.timezone)}\n"
    )
    return 0


def _due_date(
    engine: Engine, book: Book, customer: Customer, policy: str, as_of: dt.date
) -> dt.date:
    """The due date of *policy*'s action due for *customer* on *as_of*, on the agenda or held back.

    Raises:
        _NothingToDecide: when the customer is skipped, or no such action is due.
    """
    explanation = engine.explain(book, customer.id, as_of)
    if explanation.skipped is not None:
        raise _NothingToDecide(
            f"{customer.id} is left off the agenda of {as_of.isoformat()} "
            f"({explanation.skipped.detail}); nothing of {policy} is due (nothing was recorded)"
        )
    mine = [v for v in explanation.verdicts if v.policy == policy]
    due = next((v.due for v in mine if v.status is Status.DUE), None)
    if due is None:
        now = "; ".join(f"it is {v.status.value} ({v.reason})" for v in mine)
        raise _NothingToDecide(
            f"nothing of {policy} is due for {customer.id} on {as_of.isoformat()}: "
            f"{now or 'no verdict'}; nothing was recorded "
            "(pass --due to decide on another occurrence)"
        )
    return due


def _hours(value: object) -> str:
    return "-" if value is None else f"{value:.1f} h"


def _percent(value: object) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _metrics_table(data: dict[str, Any], title: str) -> str:
    first, fixed, sat, score = data["first_response"], data["resolution"], data["csat"], data["nps"]
    keep, steward, clv = data["retention"], data["stewardship"], data["lifetime_value"]
    ours = None if steward["ratio"] is None else 100 * steward["ratio"]
    nps_text = "-" if score["score"] is None else f"{score['score']:+.0f}"
    lines = [
        f"{title}, {data['from']} to {data['to']}",
        "",
        "Service (reactive)",
        (
            f"  first response  {first['count']} answered, {first['waiting']} waiting; "
            f"median {_hours(first['median_hours'])}, p90 {_hours(first['p90_hours'])}"
        ),
        (
            f"  resolution      {fixed['count']} resolved, {fixed['waiting']} open; "
            f"median {_hours(fixed['median_hours'])}, p90 {_hours(fixed['p90_hours'])}"
        ),
        f"  CSAT            {_percent(sat['percent'])} satisfied of {sat['responses']} answers",
        "",
        "Relationship (proactive)",
        (
            f"  NPS             {nps_text} ({score['promoters']} promoters, "
            f"{score['passives']} passives, {score['detractors']} detractors)"
        ),
        (
            f"  retention       {_percent(keep['retention_rate'])} of {keep['starting']} customers "
            f"(churn {_percent(keep['churn_rate'])}, {keep['churned']} churned)"
        ),
        (
            f"  stewardship     {_percent(ours)}"
            f" of touchpoints started by us ({steward['outbound']} out, {steward['inbound']} in)"
        ),
        "  lifetime value  " + _lifetime_value(clv),
        "",
        "Cohorts by start month (customers, still customers)",
    ]
    lines += [f"  {c['month']}  {c['customers']:>5}  {c['rate']:5.1f}%" for c in data["cohorts"]]
    return "\n".join(lines + _money_table(data["money"]))


def _lifetime_value(clv: dict[str, Any] | None) -> str:
    if clv is None:
        return "- (no customer has a monthly_revenue or annual_revenue attribute)"
    if clv["value"] is None:
        return (
            "- (nobody churned in the period, so no finite value; "
            f"mean monthly revenue {clv['monthly_revenue']:,.0f})"
        )
    return f"{clv['value']:,.0f}"


def _money_table(money: dict[str, Any]) -> list[str]:
    repeat = money["repeat_purchases"]
    lines = [
        "",
        f"Purchases up to {money['as_of']}",
        (
            f"  repeat rate     {_percent(repeat['rate'])} ({repeat['repeat']} of"
            f" {repeat['customers']} purchasing customers bought on two days or more)"
        ),
    ]
    for entry in money["currencies"]:
        sales, aov, rfm = entry["revenue"], entry["average_order_value"], entry["rfm"]
        code = "" if entry["currency"] is None else f" {entry['currency']}"
        total = (
            f"{Decimal(sales['total']):,.2f} from {sales['orders']} purchases"
            if sales["orders"]
            else "- (no purchase with an amount)"
        )
        left = [
            f"{sales['without_amount']} without an amount" if sales["without_amount"] else "",
            f"{sales['other_currency']} in other currencies" if sales["other_currency"] else "",
        ]
        left_out = ", ".join(part for part in left if part)
        lines += [
            f"  revenue{code:<9}{total}" + (f"; not counted: {left_out}" if left_out else ""),
            "  order value     "
            + ("-" if aov["value"] is None else f"{Decimal(aov['value']):,.2f}{code}"),
            "  RFM segments    "
            + (", ".join(f"{s['segment']}: {s['customers']}" for s in rfm["segments"][:5]) or "-")
            + (" ..." if len(rfm["segments"]) > 5 else ""),
        ]
    return lines


def _silence(stream: TextIO) -> None:
    """Point *stream* at /dev/null so flushing it at exit cannot fail again."""
    try:
        fileno = stream.fileno()
    except (OSError, ValueError):  # not a real file (e.g. in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


_COMMANDS = {
    "due": _due,
    "explain": _explain,
    "forecast": _forecast,
    "summary": _summary,
    "validate": _validate,
    "metrics": _metrics,
    "forget": _forget,
    "policies": _policies,
    "done": _decide,
    "dismiss": _decide,
    "snooze": _decide,
}


class _Interrupted(BaseException):
    """A signal asked the command to stop (a BaseException: no ``except Exception`` keeps it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal must not cut short the removal of temporary files.
    for number in _SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise _Interrupted(signum)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `_Interrupted` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal ignored when the command starts stays ignored (the POSIX way: a
    # job started with `&` by a script, or under nohup, is meant to outlive Ctrl-C).
    previous = {
        number: signal.signal(number, _interrupt)
        for number in _SIGNALS
        if signal.getsignal(number) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # A command is one short batch that keeps nearly everything it makes until
    # it exits, without reference cycles: the cyclic collector would only rescan
    # that heap. The library never pauses it; the command line owns its process.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line and return its exit status.

    SIGINT and SIGTERM end a command cleanly, with status 130 or 143 and one
    line on *err* (when called from the main thread).

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).
        out: Where results go (default: standard output).
        err: Where messages go (default: standard error).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    command = "lifecycle"
    try:
        with _interruptible():
            args = _arguments(argv)
            if isinstance(args, int):
                return args
            command = f"lifecycle {args.command}"
            with _collector_paused():
                return _run(args, out, err)
    except _Interrupted as e:
        name = signal.Signals(e.signum).name
        err.write(f"{command}: interrupted by {name}; the output is incomplete\n")
        return 128 + e.signum


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace | int:
    try:
        return _parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        if args.command == "due":
            return _due(args, out, err)
        return _COMMANDS[args.command](args, out)
    except _UsageError as e:
        err.write(f"lifecycle {args.command}: error: {e}\n")
        return 2
    except LifecycleError as e:
        err.write(f"lifecycle {args.command}: error: {e}\n")
        return EXIT_DATA
    except BrokenPipeError:
        # The reader went away (`lifecycle due | head`): stop quietly, as Unix tools do.
        _silence(out)
        return 0
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        err.write(f"lifecycle {args.command}: error:{where}: {e.strerror or e}\n")
        return EXIT_DATA
