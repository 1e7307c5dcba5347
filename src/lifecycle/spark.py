"""Apache Spark: the same policies and the same engine, one customer per group.

For books beyond one machine. Install the extra (``pip install
'customer-lifecycle[spark]'``: PySpark, pandas and PyArrow) and give `agenda` a
DataFrame of customers and one of touchpoints, with the columns of
``customers.csv`` and ``touchpoints.csv`` as text (see `read_frames`). Spark
groups both by customer and runs `lifecycle.Engine` on each group
(``cogroup(...).applyInPandas``); what comes back is the engine's agenda,
action for action, as DataFrames.

Examples:
    Not run here (it needs a Spark session)::

        from pyspark.sql import SparkSession
        import datetime as dt
        import lifecycle.spark as ls

        spark = SparkSession.builder.getOrCreate()
        customers, touchpoints = ls.read_frames(spark, "s3://crm/exports/")
        result = ls.agenda(customers, touchpoints, as_of=dt.date(2026, 11, 23),
                           policy_file="stewardship.toml")
        result.check()                      # raises if any row was bad
        result.actions.write.csv("s3://crm/agenda/2026-11-23/", header=True)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lifecycle._validate import check_day
from lifecycle.agenda import ACTION_FIELDS, ORDER_FIELDS, Agenda
from lifecycle.book import Book
from lifecycle.engine import Engine
from lifecycle.errors import BookFormatError, InvalidValueError
from lifecycle.io.rows import (
    MONEY_COLUMNS,
    TOUCHPOINT_COLUMNS,
    CellError,
    parse_customer,
    parse_touchpoint,
)
from lifecycle.policies import parse_policies, starter_pack
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Kind, Touchpoint, kind_table

__all__ = ["ACTION_COLUMNS", "SparkAgenda", "agenda", "read_frames"]

#: The columns of the actions DataFrame: those of ``lifecycle due --format csv``.
ACTION_COLUMNS = ("customer_id", "policy", "due", "priority", "overdue_days", "reason")

_OUT = T.StructType(
    [
        T.StructField("part", T.StringType(), nullable=False),
        T.StructField("customer_id", T.StringType()),
        T.StructField("policy", T.StringType()),
        T.StructField("due", T.DateType()),
        T.StructField("priority", T.IntegerType()),
        T.StructField("overdue_days", T.IntegerType()),
        T.StructField("reason", T.StringType()),
        T.StructField("held_back", T.StringType()),
        T.StructField("detail", T.StringType()),
        T.StructField("table", T.StringType()),
        T.StructField("touchpoint_id", T.StringType()),
        T.StructField("column", T.StringType()),
        T.StructField("value", T.StringType()),
        T.StructField("problem", T.StringType()),
    ]
)
_NAMES = tuple(field.name for field in _OUT.fields)


@attrs.frozen
class SparkAgenda:
    """The agenda worked out on Spark: four DataFrames, evaluated when Spark runs them.

    Attributes:
        actions: The due actions, with `ACTION_COLUMNS`, in agenda order.
        held_back: Actions over the cap: `ACTION_COLUMNS` and ``held_back`` (why).
        skipped: Customers left out: ``customer_id``, ``reason``, ``detail``.
        problems: Bad rows, with ``table`` (customers or touchpoints),
            ``customer_id``, ``touchpoint_id``, ``column``, ``value`` and
            ``problem``. A customer with a bad row is left out of the other
            three, and named here: nothing is dropped silently.
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
            _where(first["table"], first["customer_id"], first["touchpoint_id"]),
            f"{first['problem']}{more}",
            column=first["column"],
            value=first["value"],
        )


def _where(table: str, customer_id: str | None, touchpoint_id: str | None) -> str:
    where = f"{table} DataFrame"
    if touchpoint_id is not None:
        return f"{where}, touchpoint {touchpoint_id!r}"
    if customer_id is not None:
        return f"{where}, customer {customer_id!r}"
    return where


def read_frames(spark: SparkSession, folder: str | Path) -> tuple[DataFrame, DataFrame]:
    """Read a book folder's ``customers.csv`` and ``touchpoints.csv`` as DataFrames of text.

    Every column is read as text (no type inference: the engine checks every
    cell as `lifecycle.read_book` does), quoted cells may hold line breaks and
    doubled quotes, and an empty cell is null. *folder* may be any path
    Spark reads (local, ``hdfs://``, ``s3a://``).
    """
    base = str(folder).rstrip("/")

    def read(name: str) -> DataFrame:
        return spark.read.options(
            header="true", multiLine="true", escape='"', inferSchema="false"
        ).csv(f"{base}/{name}")

    return read("customers.csv"), read("touchpoints.csv")


def agenda(
    customers: DataFrame,
    touchpoints: DataFrame,
    *,
    as_of: dt.date,
    engine: Engine | None = None,
    policy_file: str | Path | None = None,
    cap: int | None = 2,
    skip_churned: bool = True,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
) -> SparkAgenda:
    """Work out the agenda for *as_of* on Spark: the engine's, action for action.

    Args:
        customers: The customers, with the columns of ``customers.csv`` (other
            columns are attributes), as text.
        touchpoints: The touchpoints, with the columns of ``touchpoints.csv``, as text.
        as_of: The date.
        engine: The engine to run (its policies travel to the executors
            pickled, so they must be importable there, see the guide).
            Default: the starter pack, with *cap* and *skip_churned*.
        policy_file: A TOML policy file read here, on the driver; its text
            travels to the executors (nothing to install there but
            ``lifecycle``). Not with *engine*.
        cap: The per-customer cap, when *engine* is not given.
        skip_churned: Leave churned customers out, when *engine* is not given.
        kinds: Custom touchpoint kinds the rows (and the policy file) use.
        lifecycle: The lifecycle stages the rows and policies name.

    Raises:
        InvalidValueError: for a bad date, or both *engine* and *policy_file*.
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
        )
    elif engine is None:
        engine = Engine(starter_pack(), cap=cap, skip_churned=skip_churned)
    _require("customers", customers, ("customer_id",))
    _require("touchpoints", touchpoints, TOUCHPOINT_COLUMNS[: -len(MONEY_COLUMNS)])
    names = tuple(customers.columns)
    group = _Group(
        engine if text is None else None, text, cap, skip_churned, as_of, kinds, lifecycle, names
    )

    def run(customer_rows: pd.DataFrame, touchpoint_rows: pd.DataFrame) -> pd.DataFrame:
        # A plain function of two frames: PySpark counts a callable's arguments.
        return group(customer_rows, touchpoint_rows)  # pragma: no cover - on the executors

    # Attribute columns may have any name; inside Spark they are c0, c1, ...
    customers = customers.select(
        *(
            _text(c).alias("customer_id" if c == "customer_id" else f"c{i}")
            for i, c in enumerate(names)
        )
    )
    # The money columns are optional: a frame without them has no money.
    touchpoints = touchpoints.select(
        *(
            _text(c) if c in touchpoints.columns else F.lit(None).cast("string").alias(c)
            for c in TOUCHPOINT_COLUMNS
        )
    )
    parts = (
        customers.groupBy("customer_id")
        .cogroup(touchpoints.groupBy("customer_id"))
        .applyInPandas(run, schema=_OUT)
    )
    twice = (
        touchpoints.where(F.col("touchpoint_id").isNotNull())
        .groupBy("touchpoint_id")
        .agg(F.count(F.lit(1)).alias("n"), F.min("customer_id").alias("customer_id"))
        .where(F.col("n") > 1)
        .select(
            F.lit("problem").alias("part"),
            "customer_id",
            *(F.lit(None).cast(f.dataType).alias(f.name) for f in _OUT.fields[2:9]),
            F.lit("touchpoints").alias("table"),
            "touchpoint_id",
            F.lit("touchpoint_id").alias("column"),
            F.col("touchpoint_id").alias("value"),
            F.concat(
                F.lit("is a duplicate touchpoint id ("),
                F.col("n").cast("string"),
                F.lit(" rows)"),
            ).alias("problem"),
        )
    )
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
        .select("table", "customer_id", "touchpoint_id", "column", "value", "problem")
        .orderBy("table", "customer_id", "touchpoint_id", "column"),
    )


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

    def __call__(self, customer_rows: pd.DataFrame, touchpoint_rows: pd.DataFrame) -> pd.DataFrame:
        named = customer_rows.set_axis(list(self.names), axis=1)
        out = [
            [row.get(name) for name in _NAMES]
            for row in self.rows(_records(named), _records(touchpoint_rows))
        ]
        # Object columns keep None as None (not NaN), which Arrow turns into nulls.
        return pd.DataFrame(out, columns=list(_NAMES), dtype=object)

    def rows(
        self, customer_rows: list[dict[str, Any]], touchpoint_rows: list[dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        """The output rows for one customer id's rows (actions, held back, skipped, problems)."""
        kinds = kind_table(self.kinds)
        problems: list[dict[str, Any]] = []
        customer = None
        for row in customer_rows:
            try:
                parsed = parse_customer(row, self.lifecycle)
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
        found: list[Touchpoint] = []
        seen: set[str] = set()
        for row in touchpoint_rows:
            tid = row.get("touchpoint_id")
            try:
                values = [row.get(c, "") for c in TOUCHPOINT_COLUMNS]  # money: optional
                touchpoint = parse_touchpoint(values, kinds, {})
            except CellError as e:
                problems.append(_problem("touchpoints", row.get("customer_id"), tid, e))
                continue
            if touchpoint.id in seen:
                # Repeats across customers are found by a separate count; within one, here.
                continue
            seen.add(touchpoint.id)
            found.append(touchpoint)
        if customer is None and not problems:
            cid = touchpoint_rows[0].get("customer_id")
            error = CellError("customer_id", cid, "names no customer of the customers DataFrame")
            problems.extend(
                _problem("touchpoints", cid, row.get("touchpoint_id"), error)
                for row in touchpoint_rows
            )
        if problems or customer is None:
            yield from problems
            return
        book = Book.unchecked(
            {customer.id: customer},
            {customer.id: Timeline.unchecked(found, customer.timezone)},
        )
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


def _problem(
    table: str, customer_id: object, touchpoint_id: object, error: CellError
) -> dict[str, Any]:
    shown = error.shown_value()
    return {
        "part": "problem",
        "customer_id": customer_id if isinstance(customer_id, str) else None,
        "table": table,
        "touchpoint_id": touchpoint_id if isinstance(touchpoint_id, str) else None,
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


def _action(a: Any) -> dict[str, Any]:
    # The flat fields of the one description, as values Spark takes (a date stays a date);
    # the rows keep those `_OUT` has a column for.
    return {f.name: getattr(a, f.name) for f in ACTION_FIELDS if f.column}
