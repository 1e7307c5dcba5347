"""The ``lifecycle`` command line.

Usage::

    lifecycle due [--book DIR] [--as-of YYYY-MM-DD] [--policies FILE.toml]
                  [--format table|csv|json|jsonl] [--output FILE] [--workers N] [--raw-csv]
    lifecycle explain CUSTOMER_ID [--book DIR] [--as-of YYYY-MM-DD] [--format table|json]
    lifecycle forecast [--days N] [--by policy|owner] [--book DIR] [--as-of YYYY-MM-DD]
                       [--format table|csv|json]
    lifecycle summary [--book DIR] [--as-of YYYY-MM-DD] [--format table|csv|json]
    lifecycle validate [--book DIR] [--policies FILE.toml]
    lifecycle metrics [--book DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|json]
    lifecycle forget CUSTOMER_ID [CUSTOMER_ID ...] --book DIR

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
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from dateutil.relativedelta import relativedelta

from lifecycle import _agenda_output, _scale, limits
from lifecycle._summary import render_table, summarize
from lifecycle._validate import date_problem
from lifecycle._version import __version__
from lifecycle.book import Book
from lifecycle.engine import Engine, Explanation, Forecast
from lifecycle.errors import InvalidValueError, LifecycleError, PolicyFileError
from lifecycle.io import read_book, read_book_report, write_book
from lifecycle.metrics import report as metrics_report
from lifecycle.metrics import stewardship_record
from lifecycle.policies import load_policies, starter_pack
from lifecycle.sample import SAMPLE_AS_OF, sample_book
from lifecycle.stages import DEFAULT_LIFECYCLE

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


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


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

    def policies(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--policies",
            metavar="FILE.toml",
            type=Path,
            help="policies (default: the starter pack)",
        )

    due = commands.add_parser("due", help="the actions due on a date (the agenda)")
    common(due, ("table", "csv", "json", "jsonl"))
    policies(due)
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
    validate = commands.add_parser(
        "validate", help="check a book and a policy file, listing every problem"
    )
    validate.add_argument(
        "--book", metavar="DIR", type=Path, help="folder with the book (default: the sample book)"
    )
    policies(validate)
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
    forget = commands.add_parser(
        "forget", help="erase customers and their touchpoints from a book's files"
    )
    forget.add_argument("customer_ids", metavar="CUSTOMER_ID", nargs="+")
    forget.add_argument(
        "--book", metavar="DIR", type=Path, required=True, help="folder with the book to rewrite"
    )
    return parser


def _load(args: argparse.Namespace) -> tuple[Book, dt.date, str]:
    if args.book is None:
        as_of = args.as_of or SAMPLE_AS_OF
        note = "" if args.as_of else " (the sample book's reference date)"
        return sample_book(), as_of, f"Sample book, as of {as_of.isoformat()}{note}"
    as_of = args.as_of or dt.date.today()
    return read_book(args.book), as_of, f"Book {args.book}, as of {as_of.isoformat()}"


def _engine(args: argparse.Namespace) -> Engine:
    if args.policies is not None:
        return Engine(load_policies(args.policies))
    return Engine(starter_pack())


def _due(args: argparse.Namespace, out: TextIO) -> int:
    engine = _engine(args)
    fmt: _agenda_output.OutputFormat = args.format
    if fmt == "csv" and args.raw_csv:
        fmt = "raw-csv"
    if args.book is not None and _scale.large(args.book):
        as_of = args.as_of or dt.date.today()
        title = f"Book {args.book}, as of {as_of.isoformat()}"
        streamed = _scale.agenda_runs(args.book, engine, as_of, fmt, workers=args.workers)
        with streamed as runs, _agenda_output.output(args.output, out) as to:
            _agenda_output.write(to, fmt, runs, title=title, as_of=as_of.isoformat())
        return 0
    book, as_of, title = _load(args)
    agenda = engine.agenda(book, as_of)
    runs = _agenda_output.Runs.of([_agenda_output.render(agenda, fmt)])
    with _agenda_output.output(args.output, out) as to:
        _agenda_output.write(to, fmt, runs, title=title, as_of=as_of.isoformat())
    return 0


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
        lines = [f"{title}: actions coming due in the next {args.days} days (before the cap)", ""]
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
    summary = summarize(book, as_of=as_of, lifecycle=DEFAULT_LIFECYCLE)
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
    problems: list[str] = []
    if args.book is None:
        book_line = f"the sample book: {len(sample_book())} customers"
    else:
        report = read_book_report(args.book)
        problems.extend(str(e) for e in report.errors)
        book_line = (
            f"book {args.book}: {len(report.book)} customers, "
            f"{report.book.touchpoint_count} touchpoints"
        )
    if args.policies is None:
        policies_line = f"the starter pack: {len(starter_pack())} policies"
    else:
        try:
            policies_line = (
                f"policies {args.policies}: {len(load_policies(args.policies))} policies"
            )
        except PolicyFileError as e:
            problems.extend(f"{e.path}, {p}" for p in e.problems)
    if problems:
        for problem in problems:
            out.write(problem + "\n")
        out.write(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found\n")
        return EXIT_DATA
    out.write(f"ok: {book_line}; {policies_line}\n")
    return 0


def _metrics(args: argparse.Namespace, out: TextIO) -> int:
    book, end, title = _load(args)
    start = args.start or max(end - relativedelta(years=1) + dt.timedelta(days=1), limits.MIN_DATE)
    if start > end:
        raise InvalidValueError("--from", start.isoformat(), f"is after --to {end.isoformat()}")
    data = metrics_report(book, start, end)
    if args.format == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        record = stewardship_record(book, as_of=end, start=start)
        out.write(f"{_metrics_table(data, title.split(', as of')[0])}\n\n{record}\n")
    return 0


def _forget(args: argparse.Namespace, out: TextIO) -> int:
    folder: Path = args.book
    book = read_book(folder)
    smaller = book.without_customers(args.customer_ids)
    # read_book found exactly one of the two formats: write the same one back.
    write_book(smaller, folder, format="csv" if (folder / "customers.csv").is_file() else "jsonl")
    gone = len(book) - len(smaller)
    touchpoints = book.touchpoint_count - smaller.touchpoint_count
    out.write(
        f"forgot {gone} customer{'s' if gone != 1 else ''} and {touchpoints} "
        f"touchpoint{'s' if touchpoints != 1 else ''}; rewrote {folder}\n"
    )
    return 0


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
        "  lifetime value  "
        + (
            "- (no revenue attribute)"
            if clv is None or clv["value"] is None
            else f"{clv['value']:,.0f}"
        ),
        "",
        "Cohorts by start month (customers, still customers)",
    ]
    lines += [f"  {c['month']}  {c['customers']:>5}  {c['rate']:5.1f}%" for c in data["cohorts"]]
    return "\n".join(lines)


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
        return _COMMANDS[args.command](args, out)
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
