"""From numbered rows to a book: every check that needs more than one row."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from lifecycle._validate import LOCAL_SAFE_FIRST, LOCAL_SAFE_LAST, local_problem
from lifecycle.book import Book
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, sorted_decisions
from lifecycle.errors import BookFormatError
from lifecycle.io._rows import (
    CellError,
    check_touchpoint,
    every_problem,
    parse_customer,
    parse_decision,
    parse_touchpoint,
    touchpoint_cells,
)
from lifecycle.stages import Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Kind, Touchpoint, channel_table


def assemble(
    customer_rows: Iterable[tuple[int, dict[str, object]]],
    touchpoint_rows: Iterable[tuple[int, Sequence[object]]],
    *,
    names: tuple[str, str],
    kinds: dict[str, Kind],
    lifecycle: Lifecycle | None,
    report: Callable[[BookFormatError], None],
    decision_rows: Iterable[tuple[int, dict[str, object]]] = (),
    decisions_name: str = "",
    channels: dict[str, Channel] | None = None,
    every: bool = False,
) -> Book:
    """Build a book from numbered rows: customer dicts, touchpoint value sequences.

    *names* are the customers and touchpoints files the rows came from, for
    messages; *decisions_name* the decisions file *decision_rows* (dicts)
    came from. Every bad row goes to *report*, which raises or collects it.
    *kinds* and *channels* (``None``: the standard ones) are those the rows may name.
    With *every*, each bad row's every bad cell is reported, not only its first.
    """
    channel_names = channel_table() if channels is None else channels
    customers_name, touchpoints_name = names
    customers: dict[str, Customer] = {}
    first_line: dict[str, int] = {}
    bad_customers: dict[str, int] = {}
    for line, row in customer_rows:
        try:
            customer = parse_customer(row, lifecycle, channel_names)
        except CellError as e:
            _reject(
                report,
                (customers_name, line),
                e,
                lambda r: parse_customer(r, lifecycle, channel_names),
                row if every else None,
            )
            cid = row.get("customer_id")
            if isinstance(cid, str):
                bad_customers.setdefault(cid, line)
            continue
        if customer.id in customers:
            report(
                BookFormatError(
                    customers_name,
                    f"is a duplicate customer id (first on line {first_line[customer.id]})",
                    line=line,
                    column="customer_id",
                    value=customer.id,
                )
            )
            continue
        customers[customer.id] = customer
        first_line[customer.id] = line

    grouped: dict[str, list[Touchpoint]] = {cid: [] for cid in customers}
    seen: dict[str, int] = {}
    canonical_ids = {cid: cid for cid in customers}
    file_name = Path(customers_name).name
    for line, values in touchpoint_rows:
        try:
            touchpoint = parse_touchpoint(values, kinds, canonical_ids, channel_names)
        except CellError as e:
            _reject(
                report,
                (touchpoints_name, line),
                e,
                lambda r: check_touchpoint(r, kinds, channel_names),
                touchpoint_cells(values) if every else None,
            )
            continue
        tid = touchpoint.id
        first = seen.setdefault(tid, line)  # one look-up for "seen before?" and "remember"
        if first != line:
            report(duplicate_id(touchpoints_name, line, "touchpoint_id", tid, first))
            continue
        timeline = grouped.get(touchpoint.customer_id)
        if timeline is None:
            del seen[tid]  # a rejected row does not claim its id
            cid = touchpoint.customer_id
            rejected = bad_customers.get(cid)
            why = (
                f"names a customer whose row (line {rejected} of {file_name}) was rejected"
                if rejected is not None
                else f"names no customer of {file_name}"
            )
            report(
                BookFormatError(touchpoints_name, why, line=line, column="customer_id", value=cid)
            )
            continue
        if not LOCAL_SAFE_FIRST <= touchpoint.at <= LOCAL_SAFE_LAST:
            owner = customers[touchpoint.customer_id]
            error = local_error(touchpoints_name, line, values[2], touchpoint, owner)
            if error is not None:
                del seen[tid]  # a rejected row does not claim its id
                report(error)
                continue
        timeline.append(touchpoint)

    decided = _decisions(
        decision_rows,
        decisions_name,
        customers=customers,
        bad_customers=bad_customers,
        file_name=file_name,
        report=report,
        every=every,
    )
    return _book(customers, grouped, decided)


def _reject(
    report: Callable[[BookFormatError], None],
    where: tuple[str, int],
    error: CellError,
    parse: Callable[[dict[str, object]], object],
    row: Mapping[str, object] | None,
) -> None:
    """Report a bad row: its *error*, and with its *row* every other bad cell of it too."""
    name, line = where
    for problem in (error,) if row is None else every_problem(parse, row, error):
        report(located(name, line, problem))


def _book(
    customers: dict[str, Customer],
    grouped: dict[str, list[Touchpoint]],
    decided: dict[str, list[Decision]],
) -> Book:
    ordered = {cid: customers[cid] for cid in sorted(customers)}
    # Ids and owners were checked row by row; the timelines need not check again.
    timelines = {
        cid: Timeline.unchecked(
            grouped.pop(cid), c.timezone, sorted_decisions(decided.get(cid, ()))
        )
        for cid, c in ordered.items()
    }
    return Book.unchecked(ordered, timelines)


def _decisions(
    rows: Iterable[tuple[int, dict[str, object]]],
    name: str,
    *,
    customers: dict[str, Customer],
    bad_customers: dict[str, int],
    file_name: str,
    report: Callable[[BookFormatError], None],
    every: bool = False,
) -> dict[str, list[Decision]]:
    """Return the good decision rows of file *name*, by customer id; bad ones go to *report*."""
    decided: dict[str, list[Decision]] = {}
    first_decision: dict[str, int] = {}
    for line, decision, cell in parsed_decisions(rows, name, report, every=every):
        cid = decision.customer_id
        customer = customers.get(cid)
        if customer is None:
            rejected = bad_customers.get(cid)
            why = (
                f"names a customer whose row (line {rejected} of {file_name}) was rejected"
                if rejected is not None
                else f"names no customer of {file_name}"
            )
            report(BookFormatError(name, why, line=line, column="customer_id", value=cid))
            continue
        error = decision_local_error(name, line, cell, decision, customer)
        if error is not None:
            report(error)
            continue
        first = first_decision.setdefault(decision.id, line)  # a rejected row claims no id
        if first != line:
            report(duplicate_id(name, line, "decision_id", decision.id, first))
            continue
        decided.setdefault(cid, []).append(decision)
    return decided


def parsed_decisions(
    rows: Iterable[tuple[int, dict[str, object]]],
    name: str,
    report: Callable[[BookFormatError], None],
    *,
    every: bool = False,
) -> Iterator[tuple[int, Decision, object]]:
    """Yield each decision row of file *name* parsed: its line, the decision, its ``at`` cell.

    Bad rows go to *report* (with *every*, each of their bad cells).
    """
    for line, row in rows:
        try:
            yield line, parse_decision(row), row.get("at")
        except CellError as e:
            _reject(report, (name, line), e, parse_decision, row if every else None)


def decision_local_error(
    file: str, line: int, cell: object, decision: Decision, customer: Customer
) -> BookFormatError | None:
    """The error for a decision whose ``at``, in its customer's zone, is out of bounds, if it is."""
    if LOCAL_SAFE_FIRST <= decision.at <= LOCAL_SAFE_LAST:
        return None
    problem = local_problem(decision.at, customer.timezone)
    if problem is None:
        return None
    return BookFormatError(file, problem, line=line, column="at", value=str(cell))


def duplicate_id(file: str, line: int, column: str, value: str, first: int) -> BookFormatError:
    """The error for an id in *column* (``touchpoint_id``, ``decision_id``) seen on line *first*."""
    what = column.removesuffix("_id")
    return BookFormatError(
        file,
        f"is a duplicate {what} id (first on line {first})",
        line=line,
        column=column,
        value=value,
    )


def local_error(
    file: str, line: int, cell: object, touchpoint: Touchpoint, customer: Customer
) -> BookFormatError | None:
    """The error for a touchpoint whose date in its customer's zone is out of bounds, if it is."""
    problem = local_problem(touchpoint.at, customer.timezone)
    if problem is None:
        return None
    value = cell if isinstance(cell, str) else touchpoint.at.isoformat()
    return BookFormatError(file, problem, line=line, column="at", value=value)


def located(file: str, line: int, error: CellError) -> BookFormatError:
    """The error for a bad cell of *file*'s row on *line*."""
    return BookFormatError(
        file, error.problem, line=line, column=error.column, value=error.shown_value()
    )
