"""Apache Spark: the same policies and the same engine, one customer per group.

For books beyond one machine. Install the extra (``pip install
'customer-lifecycle[spark]'``: PySpark, pandas and PyArrow) and give `agenda` a
DataFrame of customers and one of touchpoints (and, optionally, one of the
team's decisions), with the columns of ``customers.csv``, ``touchpoints.csv``
and ``decisions.csv`` as text (see `read_frames`). Spark groups them by
customer and runs `lifecycle.Engine` on each group
(``cogroup(...).applyInPandas``), then keeps each owner within their capacity;
what comes back is the engine's agenda, action for action, as DataFrames.

Examples:
    Not run here (it needs a Spark session)::

        from pyspark.sql import SparkSession
        import datetime as dt
        import lifecycle.spark as ls

        spark = SparkSession.builder.getOrCreate()
        customers, touchpoints, decisions = ls.read_frames(spark, "s3://crm/exports/")
        result = ls.agenda(customers, touchpoints, decisions, as_of=dt.date(2026, 11, 23),
                           policy_file="stewardship.toml", capacity=40)
        result.check()                      # raises if any row was bad
        result.actions.write.csv("s3://crm/agenda/2026-11-23/", header=True)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lifecycle._validate import check_day
from lifecycle.agenda import (
    ACTION_FIELDS,
    ORDER_FIELDS,
    Action,
    Agenda,
    new_action,
    sort_in_agenda_order,
    within_capacity,
)
from lifecycle.book import Book
from lifecycle.decisions import Decision, sorted_decisions
from lifecycle.engine import Engine
from lifecycle.errors import BookFormatError, InvalidValueError
from lifecycle.io.rows import (
    DECISION_COLUMNS,
    DECISION_REQUIRED,
    MONEY_COLUMNS,
    TOUCHPOINT_COLUMNS,
    CellError,
    parse_customer,
    parse_decision,
    parse_touchpoint,
)
from lifecycle.policies import parse_policies, starter_pack
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Kind, Touchpoint, channel_table, kind_table

__all__ = ["ACTION_COLUMNS", "DECISION_COLUMNS", "SparkAgenda", "agenda", "read_frames"]

#: The columns of the actions DataFrame: those of ``lifecycle due --format csv``.
ACTION_COLUMNS = tuple(f.name for f in ACTION_FIELDS if f.column)

_OPTIONAL_DECISION_COLUMNS = tuple(c for c in DECISION_COLUMNS if c not in DECISION_REQUIRED)

_OUT = T.StructType(
    [
        T.StructField("part", T.StringType(), nullable=False),
        T.StructField("customer_id", T.StringType()),
        T.StructField("policy", T.StringType()),
        T.StructField("due", T.DateType()),
        T.StructField("priority", T.IntegerType()),
        T.StructField("overdue_days", T.IntegerType()),
        T.StructField("reason", T.StringType()),
        T.StructField("channel", T.StringType()),
        T.StructField("owner", T.StringType()),
        T.StructField("held_back", T.StringType()),
        T.StructField("detail", T.StringType()),
        T.StructField("table", T.StringType()),
        T.StructField("touchpoint_id", T.StringType()),
        T.StructField("column", T.StringType()),
        T.StructField("value", T.StringType()),
        T.StructField("problem", T.StringType()),
        T.StructField("decision_id", T.StringType()),
    ]
)
_NAMES = tuple(field.name for field in _OUT.fields)


@attrs.frozen
class SparkAgenda:
    """The agenda worked out on Spark: four DataFrames, evaluated when Spark runs them.

    Attributes:
        actions: The due actions, with `ACTION_COLUMNS`, in agenda order.
        held_back: Actions over the cap or their owner's capacity:
            `ACTION_COLUMNS` and ``held_back`` (why).
        skipped: Customers left out: ``customer_id``, ``reason``, ``detail``.
        problems: Bad rows, with ``table`` (customers, touchpoints or
            decisions), ``customer_id``, ``touchpoint_id``, ``column``,
            ``value``, ``problem`` and ``decision_id``. A customer with a bad
            row is left out of the other three, and named here: nothing is
            dropped silently.
    """

    actions: DataFrame
    held_back: DataFrame
    skipped: DataFrame
    problems: DataFrame

    def check(self, *, limit: int = 20) -> None:
        """Raise if any row was bad, naming the first few.

        Raises:
            BookFormatError: naming the table, customer, column and value of
                the first bad rows (at most *limit*), and how many there are.
        """
        found = self.problems.limit(limit + 1).collect()
        if not found:
            return
        first = found[0]
        more = ""
        if len(found) > 1:
            count = f"{limit}+" if len(found) > limit else str(len(found) - 1)
            more = f" (and {count} more problems: see .problems)"
        raise BookFormatError(
            _where(
                first["table"], first["customer_id"], first["touchpoint_id"], first["decision_id"]
            ),
            f"{first['problem']}{more}",
            column=first["column"],
            value=first["value"],
        )


def _where(
    table: str, customer_id: str | None, touchpoint_id: str | None, decision_id: str | None = None
) -> str:
    where = f"{table} DataFrame"
    if touchpoint_id is not None:
        return f"{where}, touchpoint {touchpoint_id!r}"
    if decision_id is not None:
        return f"{where}, decision {decision_id!r}"
    if customer_id is not None:
        return f"{where}, customer {customer_id!r}"
    return where


def read_frames(
    spark: SparkSession, folder: str | Path
) -> tuple[DataFrame, DataFrame, DataFrame | None]:
    """Read a book folder's CSV files as DataFrames of text: customers, touchpoints, decisions.

    Every column is read as text (no type inference: the engine checks every
    cell as `lifecycle.read_book` does), quoted cells may hold line breaks and
    doubled quotes, and an empty cell is null. *folder* may be any path
    Spark reads (local, ``hdfs://``, ``s3a://``). The decisions are ``None``
    when the folder has no ``decisions.csv`` (a book without decisions); the
    three go to `agenda` as they are: ``agenda(*read_frames(spark, folder), ...)``.
    """
    base = str(folder).rstrip("/")

    def read(name: str) -> DataFrame:
        return spark.read.options(
            header="true", multiLine="true", escape='"', inferSchema="false"
        ).csv(f"{base}/{name}")

    try:
        decisions: DataFrame | None = read("decisions.csv")
    except AnalysisException as e:
        # Spark 4 names the condition getCondition; 3.5 only getErrorClass.
        condition = getattr(e, "getCondition", e.getErrorClass)()
        if condition != "PATH_NOT_FOUND":  # pragma: no cover - e.g. no permission to read
            raise
        decisions = None
    return read("customers.csv"), read("touchpoints.csv"), decisions


def agenda(
    customers: DataFrame,
    touchpoints: DataFrame,
    decisions: DataFrame | None = None,
    *,
    as_of: dt.date,
    engine: Engine | None = None,
    policy_file: str | Path | None = None,
    cap: int | None = 2,
    capacity: int | Mapping[str, int] | None = None,
    skip_churned: bool = True,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> SparkAgenda:
    """Work out the agenda for *as_of* on Spark: the engine's, action for action.

    Args:
        customers: The customers, with the columns of ``customers.csv`` (other
            columns are attributes; ``owner`` is the customer's owner), as text.
        touchpoints: The touchpoints, with the columns of ``touchpoints.csv``
            (other columns are the touchpoints' attributes), as text.
        decisions: The team's decisions, with `DECISION_COLUMNS` as text
            (``None``: no decisions). Each customer's reach its timeline, and
            the engine honours them as on one machine.
        as_of: The date.
        engine: The engine to run (its policies travel to the executors
            pickled, so they must be importable there, see the guide).
            Default: the starter pack, with *cap*, *capacity* and *skip_churned*.
        policy_file: A TOML policy file read here, on the driver; its text
            travels to the executors (nothing to install there but
            ``lifecycle``). Not with *engine*.
        cap: The per-customer cap, when *engine* is not given.
        capacity: At most this many actions per owner (one number, or one
            per owner), when *engine* is not given (else the engine's).
        skip_churned: Leave churned customers out, when *engine* is not given.
        kinds: Custom touchpoint kinds the rows (and the policy file) use.
        lifecycle: The lifecycle stages the rows and policies name.
        channels: Custom channels (`Channel` objects or names) the rows use.

    Raises:
        InvalidValueError: for a bad date or capacity, a DataFrame without a
            required column, or both *engine* and *policy_file*.
        PolicyFileError: for a bad policy file (checked here, before Spark runs).
    """
    check_day("as_of", as_of)
    kinds = tuple(kinds)
    text = None
    if policy_file is not None:
        if engine is not None:
            raise InvalidValueError(
                "policy_file", policy_file, "give engine or policy_file, not both"
            )
        text = Path(policy_file).read_text(encoding="utf-8")
        # Checked once here, so that a bad file fails at once and not on every executor.
        engine = Engine(
            parse_policies(text, source=str(policy_file), kinds=kinds, lifecycle=lifecycle),
            cap=cap,
            skip_churned=skip_churned,
            capacity=capacity,
        )
    elif engine is None:
        engine = Engine(starter_pack(), cap=cap, skip_churned=skip_churned, capacity=capacity)
    limits = engine.capacity
    # Each group sees one customer: capacities are for the whole agenda, kept below.
    engine = attrs.evolve(engine, capacity=None)
    _require("customers", customers, ("customer_id",))
    _require("touchpoints", touchpoints, TOUCHPOINT_COLUMNS[: -len(MONEY_COLUMNS)])
    if decisions is not None:
        required = [c for c in DECISION_COLUMNS if c not in _OPTIONAL_DECISION_COLUMNS]
        _require("decisions", decisions, required)
    names = tuple(customers.columns)
    others = tuple(c for c in touchpoints.columns if c not in TOUCHPOINT_COLUMNS)
    group = _Group(
        engine if text is None else None,
        text,
        cap,
        skip_churned,
        as_of,
        kinds,
        lifecycle,
        names,
        others,
        tuple(channel_table(channels).values()),
    )

    def run(customer_rows: pd.DataFrame, event_rows: pd.DataFrame) -> pd.DataFrame:
        # A plain function of two frames: PySpark counts a callable's arguments.
        return group(customer_rows, event_rows)  # pragma: no cover - on the executors

    # Attribute columns may have any name; inside Spark they are c0, c1, ...
    customers = customers.select(
        *(
            _text(c).alias("customer_id" if c == "customer_id" else f"c{i}")
            for i, c in enumerate(names)
        )
    )
    # The money columns are optional: a frame without them has no money.
    # Their other columns (attributes) may have any name too: inside Spark, t0, t1, ...
    touchpoints = touchpoints.select(
        *(
            _text(c) if c in touchpoints.columns else F.lit(None).cast("string").alias(c)
            for c in TOUCHPOINT_COLUMNS
        ),
        *(_text(c).alias(f"t{i}") for i, c in enumerate(others)),
    )
    # cogroup takes two sides: a customer's touchpoints and decisions come as
    # one side, told apart by _EVENT (one shuffle of both, no join).
    events = touchpoints.withColumn(_EVENT, F.lit("touchpoints"))
    if decisions is not None:
        decisions = decisions.select(
            *(
                _text(c) if c in decisions.columns else F.lit(None).cast("string").alias(c)
                for c in DECISION_COLUMNS
            )
        )
        tagged = decisions.withColumn(_EVENT, F.lit("decisions"))
        events = events.unionByName(tagged, allowMissingColumns=True)
    parts = (
        customers.groupBy("customer_id")
        .cogroup(events.groupBy("customer_id"))
        .applyInPandas(run, schema=_OUT)
    )
    if limits is not None:
        parts = _within_capacity(parts, limits)
    twice = _twice(touchpoints, "touchpoints", "touchpoint_id")
    if decisions is not None:
        twice = twice.unionByName(_twice(decisions, "decisions", "decision_id"))
    every = parts.unionByName(twice)
    order = ORDER_FIELDS
    return SparkAgenda(
        actions=every.where(F.col("part") == "action").select(*ACTION_COLUMNS).orderBy(*order),
        held_back=every.where(F.col("part") == "held")
        .select(*ACTION_COLUMNS, "held_back")
        .orderBy(*order),
        skipped=every.where(F.col("part") == "skipped")
        .select("customer_id", "reason", "detail")
        .orderBy("customer_id"),
        problems=every.where(F.col("part") == "problem")
        .select(
            "table", "customer_id", "touchpoint_id", "column", "value", "problem", "decision_id"
        )
        .orderBy("table", "customer_id", "touchpoint_id", "decision_id", "column"),
    )


_EVENT = "_lifecycle_table"


def _twice(frame: DataFrame, table: str, id_column: str) -> DataFrame:
    """A problem row per id given to more than one row of *frame* (ids are unique in a book)."""
    return (
        frame.where(F.col(id_column).isNotNull())
        .groupBy(id_column)
        .agg(F.count(F.lit(1)).alias("n"), F.min("customer_id").alias("customer_id"))
        .where(F.col("n") > 1)
        .select(
            *(
                F.col("customer_id")
                if f.name == "customer_id"
                else F.col(id_column).alias(f.name)
                if f.name in ("value", id_column)
                else _fixed(f, table, id_column)
                for f in _OUT.fields
            )
        )
    )


def _fixed(field: T.StructField, table: str, id_column: str) -> Column:
    if field.name == "part":
        return F.lit("problem").alias("part")
    if field.name == "table":
        return F.lit(table).alias("table")
    if field.name == "column":
        return F.lit(id_column).alias("column")
    if field.name == "problem":
        what = id_column.removesuffix("_id")
        return F.concat(
            F.lit(f"is a duplicate {what} id ("), F.col("n").cast("string"), F.lit(" rows)")
        ).alias("problem")
    return F.lit(None).cast(field.dataType).alias(field.name)


def _within_capacity(parts: DataFrame, capacity: int | Mapping[str, int]) -> DataFrame:
    """Keep each owner's actions within *capacity*, the rest held back: `within_capacity`.

    The owner's actions are collected in one group (``groupBy(owner)``) and
    given to `lifecycle.agenda.within_capacity` in agenda order, so that the
    rule is the one core's, not a second copy of it in Spark terms (a window
    with ``row_number`` would be one). An owner's actions on one agenda are
    a day's work for one person: a group of them fits any executor. Unowned
    actions are not limited; each customer's go to a group of their own (not
    one group of every unowned action in the book).
    """
    keep = _Capacity(capacity)

    def run(rows: pd.DataFrame) -> pd.DataFrame:
        return keep(rows)  # pragma: no cover - on the executors

    actions = parts.where(F.col("part") == "action").withColumn(
        "_bucket", F.when(F.col("owner").isNull(), F.col("customer_id"))
    )
    kept = actions.groupBy("owner", "_bucket").applyInPandas(run, schema=_OUT)
    return parts.where(F.col("part") != "action").unionByName(kept)


def _require(table: str, frame: DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidValueError(
            table, missing, f"the {table} DataFrame lacks these columns (it has {frame.columns})"
        )


def _text(column: str) -> Column:
    # Backticks quote the name, so that dots or spaces in an attribute column are kept.
    quoted = column.replace("`", "``")
    return F.col(f"`{quoted}`").cast("string").alias(column)


_ENGINES: dict[tuple[str, int | None, bool, tuple[Kind, ...], Lifecycle], Engine] = {}


@attrs.frozen
class _Group:
    """What runs on the executors: one customer's rows in, its agenda rows out."""

    engine: Engine | None
    text: str | None
    cap: int | None
    skip_churned: bool
    as_of: dt.date
    kinds: tuple[Kind, ...]
    lifecycle: Lifecycle
    names: tuple[str, ...]
    touchpoint_names: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()

    def _engine(self) -> Engine:
        if self.engine is not None:
            return self.engine
        assert self.text is not None
        key = (self.text, self.cap, self.skip_churned, self.kinds, self.lifecycle)
        found = _ENGINES.get(key)
        if found is None:
            # Parsed once per executor process, not once per customer.
            policies = parse_policies(self.text, kinds=self.kinds, lifecycle=self.lifecycle)
            found = _ENGINES[key] = Engine(policies, cap=self.cap, skip_churned=self.skip_churned)
        return found

    def __call__(self, customer_rows: pd.DataFrame, event_rows: pd.DataFrame) -> pd.DataFrame:
        named = customer_rows.set_axis(list(self.names), axis=1)
        events = _records(event_rows)
        touchpoint_rows = [r for r in events if r.get(_EVENT, "touchpoints") == "touchpoints"]
        decision_rows = [r for r in events if r.get(_EVENT) == "decisions"]
        return _frame(self.rows(_records(named), touchpoint_rows, decision_rows))

    def _touchpoints(
        self,
        rows: list[dict[str, Any]],
        kinds: dict[str, Kind],
        channels: dict[str, Channel],
        problems: list[dict[str, Any]],
    ) -> list[Touchpoint]:
        """One customer's touchpoints; each bad row's problem goes to *problems*."""
        others = tuple((f"t{i}", c) for i, c in enumerate(self.touchpoint_names))
        found: list[Touchpoint] = []
        seen: set[str] = set()
        for row in rows:
            tid = row.get("touchpoint_id")
            try:
                values: list[object] = [row.get(c, "") for c in TOUCHPOINT_COLUMNS]
                if others:  # the touchpoints' attributes
                    values.append({name: row.get(key) for key, name in others})
                touchpoint = parse_touchpoint(values, kinds, {}, channels)
            except CellError as e:
                problems.append(_problem("touchpoints", row.get("customer_id"), tid, e))
                continue
            if touchpoint.id in seen:
                # Repeats across customers are found by a separate count; within one, here.
                continue
            seen.add(touchpoint.id)
            found.append(touchpoint)
        return found

    def rows(
        self,
        customer_rows: list[dict[str, Any]],
        touchpoint_rows: list[dict[str, Any]],
        decision_rows: Sequence[dict[str, Any]] = (),
    ) -> Iterator[dict[str, Any]]:
        """The output rows for one customer id's rows (actions, held back, skipped, problems)."""
        kinds = kind_table(self.kinds)
        channels = channel_table(self.channels)
        problems: list[dict[str, Any]] = []
        customer = None
        for row in customer_rows:
            try:
                parsed = parse_customer(row, self.lifecycle, channels)
            except CellError as e:
                problems.append(_problem("customers", row.get("customer_id"), None, e))
                continue
            if customer is not None:
                problems.append(
                    _problem(
                        "customers",
                        parsed.id,
                        None,
                        CellError("customer_id", parsed.id, "is a duplicate customer id"),
                    )
                )
                continue
            customer = parsed
        found = self._touchpoints(touchpoint_rows, kinds, channels, problems)
        decided: list[Decision] = []
        seen: set[str] = set()
        for row in decision_rows:
            did = row.get("decision_id")
            try:
                decision = parse_decision(row)
            except CellError as e:
                problems.append(_problem("decisions", row.get("customer_id"), None, e, did))
                continue
            if decision.id not in seen:  # repeats are found by a separate count, as above
                seen.add(decision.id)
                decided.append(decision)
        if customer is None and not problems:
            cid = (touchpoint_rows or decision_rows)[0].get("customer_id")
            error = CellError("customer_id", cid, "names no customer of the customers DataFrame")
            problems.extend(
                _problem("touchpoints", cid, row.get("touchpoint_id"), error)
                for row in touchpoint_rows
            )
            problems.extend(
                _problem("decisions", cid, None, error, row.get("decision_id"))
                for row in decision_rows
            )
        if problems or customer is None:
            yield from problems
            return
        timeline = Timeline.unchecked(found, customer.timezone, sorted_decisions(decided))
        book = Book.unchecked({customer.id: customer}, {customer.id: timeline})
        yield from _agenda_rows(self._engine().agenda(book, self.as_of))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of text, a null cell as ``""``: what the CSV reader gives for an empty cell.

    Spark reads an empty CSV cell as null; the same rule then holds for both.
    """
    rows: list[dict[str, Any]] = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                row[key] = ""
    return rows


def _frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    out = [[row.get(name) for name in _NAMES] for row in rows]
    # Object columns keep None as None (not NaN), which Arrow turns into nulls.
    return pd.DataFrame(out, columns=list(_NAMES), dtype=object)


def _problem(
    table: str,
    customer_id: object,
    touchpoint_id: object,
    error: CellError,
    decision_id: object = None,
) -> dict[str, Any]:
    shown = error.shown_value()
    return {
        "part": "problem",
        "customer_id": customer_id if isinstance(customer_id, str) else None,
        "table": table,
        "touchpoint_id": touchpoint_id if isinstance(touchpoint_id, str) else None,
        "decision_id": decision_id if isinstance(decision_id, str) and decision_id else None,
        "column": error.column,
        "value": shown,
        "problem": error.problem,
    }


def _agenda_rows(found: Agenda) -> Iterator[dict[str, Any]]:
    for a in found.actions:
        yield {"part": "action", **_action(a)}
    for h in found.held_back:
        yield {"part": "held", **_action(h.action), "held_back": h.reason}
    for s in found.skipped:
        yield {
            "part": "skipped",
            "customer_id": s.customer_id,
            "reason": s.reason,
            "detail": s.detail,
        }


def _action(a: Action) -> dict[str, Any]:
    # The flat fields of the one description, as values Spark takes (a date stays a
    # date, a channel is its name).
    row = {f.name: getattr(a, f.name) for f in ACTION_FIELDS if f.column}
    row["channel"] = None if a.channel is None else a.channel.value
    return row


@attrs.frozen
class _Capacity:
    """What runs on the executors after the groups: one owner's actions in, kept or held out."""

    capacity: int | Mapping[str, int]

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        actions = [_from_row(row) for row in rows.to_dict("records")]
        sort_in_agenda_order(actions)
        kept, held = within_capacity(actions, self.capacity)
        return _frame(_agenda_rows(Agenda(dt.date.min, kept, held, ())))


def _from_row(row: Mapping[str, Any]) -> Action:
    channel, owner = row["channel"], row["owner"]
    return new_action(
        row["customer_id"],
        row["policy"],
        row["due"],
        int(row["priority"]),
        int(row["overdue_days"]),
        row["reason"],
        {},
        None if channel is None else Channel(channel),
        owner,
    )
