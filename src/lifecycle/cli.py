"""The ``lifecycle`` command line.

Usage::

    lifecycle due [--book DIR] [--as-of YYYY-MM-DD] [--policies FILE.toml] [--format table|csv|json]
    lifecycle summary [--book DIR] [--as-of YYYY-MM-DD] [--format table|csv|json]

Exit status: 0 on success, 1 for bad data (one message naming the file, line,
column and value), 2 for bad usage. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from lifecycle._summary import render_table, summarize
from lifecycle._version import __version__
from lifecycle.book import Book
from lifecycle.errors import LifecycleError
from lifecycle.io import read_book
from lifecycle.sample import SAMPLE_AS_OF, sample_book
from lifecycle.stages import DEFAULT_LIFECYCLE

__all__ = ["main"]

EXIT_DATA = 1
EXIT_USAGE = 2


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


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

    due = commands.add_parser("due", help="the actions due on a date (the agenda)")
    common(due, ("table", "csv", "json"))
    due.add_argument("--policies", metavar="FILE.toml", type=Path, help="policies to apply")
    summary = commands.add_parser("summary", help="a book's customers by stage, kind and channel")
    common(summary, ("table", "csv", "json"))
    return parser


def _load(args: argparse.Namespace) -> tuple[Book, dt.date, str]:
    if args.book is None:
        as_of = args.as_of or SAMPLE_AS_OF
        note = "" if args.as_of else " (the sample book's reference date)"
        return sample_book(), as_of, f"Sample book, as of {as_of.isoformat()}{note}"
    as_of = args.as_of or dt.date.today()
    return read_book(args.book), as_of, f"Book {args.book}, as of {as_of.isoformat()}"


def _summary(args: argparse.Namespace, out: TextIO) -> int:
    book, as_of, title = _load(args)
    summary = summarize(book, as_of=as_of, lifecycle=DEFAULT_LIFECYCLE)
    if args.format == "json":
        json.dump(summary, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["stage", "derived", "recorded"])
        for stage, counts in summary["stages"].items():
            writer.writerow([stage, counts["derived"], counts["recorded"]])
    else:
        out.write(render_table(summary, title) + "\n")
    return 0


def _due(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.policies is not None:
        err.write(
            "lifecycle due: error: --policies is not supported yet "
            "(the policy engine is not built)\n"
        )
        return EXIT_USAGE
    # The policy engine is not part of this release yet: show what it will
    # work from, and say so, rather than an empty agenda.
    status = _summary(args, out)
    err.write("lifecycle due: the policy engine is not built yet; showed the book's summary.\n")
    return status


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line and return its exit status.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).
        out: Where results go (default: standard output).
        err: Where messages go (default: standard error).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if args.command == "due":
            return _due(args, out, err)
        return _summary(args, out)
    except LifecycleError as e:
        err.write(f"lifecycle {args.command}: error: {e}\n")
        return EXIT_DATA
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        err.write(f"lifecycle {args.command}: error:{where}: {e.strerror or e}\n")
        return EXIT_DATA
