"""Books from pandas, Polars and PyArrow frames: one path, the same book, the same errors."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

import lifecycle as lc

pa = pytest.importorskip("pyarrow", reason="the frames extra is not installed")
pd = pytest.importorskip("pandas")

ENGINE = lc.Engine(lc.starter_pack())
DOCS = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "use-with-dataframes.md"


def records(book: lc.Book) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The book as native records, every instant in UTC (a frame's column has one zone)."""
    customers = [
        {
            "customer_id": c.id,
            "name": c.name,
            "since": c.since,
            "stage": c.recorded_stage,
            "contract_end": c.contract_end,
            "do_not_contact": c.do_not_contact,
            "timezone": c.timezone.key,
            "preferred_channel": c.preferred_channel.value if c.preferred_channel else None,
            **c.attributes,
        }
        for c in book
    ]
    touchpoints = [
        {
            "touchpoint_id": t.id,
            "customer_id": t.customer_id,
            "at": t.at.astimezone(dt.UTC),
            "channel": t.channel.value,
            "kind": t.kind.name,
            "direction": t.direction.value,
            "score": t.score,
            "tags": sorted(t.tags),
            "note": t.note,
        }
        for t in book.touchpoints()
    ]
    return customers, touchpoints


def same_as_the_sample(book: lc.Book) -> None:
    assert book == lc.sample_book()
    assert ENGINE.agenda(book, lc.SAMPLE_AS_OF) == ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)


def decision_records(book: lc.Book) -> list[dict[str, Any]]:
    """The book's decisions as native records (``at`` in UTC, ``None`` for an empty cell)."""
    return [
        {
            "decision_id": d.id,
            "customer_id": d.customer_id,
            "policy": d.policy,
            "due": d.due,
            "decision": d.outcome.value,
            "at": d.at.astimezone(dt.UTC),
            "until": d.until,
            "by": d.by,
            "note": d.note or None,
        }
        for d in book.decisions()
    ]


def by_id(decision: lc.Decision) -> str:
    return decision.id


@pytest.mark.parametrize("library", ["pandas", "polars", "pyarrow"])
def test_a_decisions_frame_gives_the_decided_books_agenda(library: str, decided_sample: lc.Book):
    book = decided_sample
    customers, touchpoints = records(book)
    decisions = decision_records(book)
    assert any(d["until"] is None for d in decisions)
    assert any(d["until"] is not None for d in decisions)
    if library == "pandas":
        frame = pd.DataFrame(decisions)
        frame["due"] = pd.to_datetime(frame["due"])  # as pandas reads a date column
        frames = pd.DataFrame(customers), pd.DataFrame(touchpoints), frame
    elif library == "polars":
        pl = pytest.importorskip("polars")
        frames = (
            pl.DataFrame(customers, infer_schema_length=None),
            pl.DataFrame(touchpoints, infer_schema_length=None),
            pl.DataFrame(decisions, infer_schema_length=None),
        )
    else:
        frames = tuple(pa.Table.from_pylist(r) for r in (customers, touchpoints, decisions))
    read = lc.book_from_frames(*frames)
    assert read == book
    assert sorted(read.decisions(), key=by_id) == sorted(book.decisions(), key=by_id)
    agenda = ENGINE.agenda(read, lc.SAMPLE_AS_OF)
    assert agenda == ENGINE.agenda(book, lc.SAMPLE_AS_OF)
    assert agenda != ENGINE.agenda(lc.sample_book(), lc.SAMPLE_AS_OF)


def test_pandas_frames_give_the_sample_book():
    customers, touchpoints = records(lc.sample_book())
    frame = pd.DataFrame(touchpoints)
    # Nanoseconds in pandas 2, microseconds in pandas 3: a UTC timestamp column either way.
    assert str(frame["at"].dtype).startswith("datetime64[") and str(frame["at"].dt.tz) == "UTC"
    assert frame["score"].dtype == "float64"  # NaN where there is no score
    same_as_the_sample(lc.book_from_frames(pd.DataFrame(customers), frame.iloc[::-1]))


def test_pyarrow_tables_give_the_sample_book():
    customers, touchpoints = records(lc.sample_book())
    same_as_the_sample(
        lc.book_from_frames(pa.Table.from_pylist(customers), pa.Table.from_pylist(touchpoints))
    )


def test_polars_frames_give_the_sample_book():
    pl = pytest.importorskip("polars")
    customers, touchpoints = records(lc.sample_book())
    same_as_the_sample(
        lc.book_from_frames(
            pl.DataFrame(customers, infer_schema_length=None),
            pl.DataFrame(touchpoints, infer_schema_length=None),
        )
    )


def test_integer_keys_and_dates_as_pandas_reads_them():
    customers = pd.DataFrame(
        {"customer_id": [1, 2], "name": ["Ada", None], "since": ["2025-01-06", "2025-03-01"]}
    )
    customers["since"] = pd.to_datetime(customers["since"])
    touchpoints = pd.DataFrame(
        {
            "touchpoint_id": [10],
            "customer_id": [2],
            "at": pd.to_datetime(["2025-03-02 10:00"]).tz_localize("Europe/Paris"),
            "channel": ["phone"],
            "kind": ["csat"],
            "direction": ["inbound"],
            "score": [pd.NA],
        }
    )
    book = lc.book_from_frames(customers, touchpoints)
    assert [(c.id, c.name, c.since) for c in book] == [
        ("1", "Ada", dt.date(2025, 1, 6)),
        ("2", "", dt.date(2025, 3, 1)),
    ]
    assert book.timeline("2")[0].at == dt.datetime(2025, 3, 2, 9, tzinfo=dt.UTC)


GOOD_TOUCHPOINT = {
    "touchpoint_id": "t1",
    "customer_id": "c1",
    "at": dt.datetime(2025, 3, 2, 10, tzinfo=dt.UTC),
    "channel": "phone",
    "kind": "csat",
    "direction": "inbound",
    "score": 4,
}


NAIVE = dt.datetime(2025, 3, 2, 10)  # noqa: DTZ001 - the point of the case using it


@pytest.mark.parametrize(
    ("first", "change", "field", "words"),
    [
        # A column holds one type: a naive datetime column is naive in every row.
        ({"at": NAIVE}, {"at": NAIVE}, "at", "without a time zone"),
        ({}, {"score": 3.5}, "score", "must be a whole number"),
        ({}, {"kind": "purchse"}, "kind", "is not a known touchpoint kind"),
        ({}, {"channel": None}, "channel", "is required and must not be empty"),
        ({}, {"touchpoint_id": None}, "touchpoint_id", "is required and must not be empty"),
    ],
)
@pytest.mark.parametrize("library", ["pandas", "polars", "pyarrow"])
def test_a_bad_value_in_a_frame_names_row_and_field(
    library: str, first: dict[str, Any], change: dict[str, Any], field: str, words: str
):
    rows = [{**GOOD_TOUCHPOINT, **first}, {**GOOD_TOUCHPOINT, "touchpoint_id": "t2", **change}]
    row = 1 if first else 2
    customers = [{"customer_id": "c1", "name": "Ada", "since": dt.date(2025, 1, 6)}]
    if library == "pandas":
        frames = pd.DataFrame(customers), pd.DataFrame(rows)
    elif library == "polars":
        pl = pytest.importorskip("polars")
        frames = pl.DataFrame(customers), pl.DataFrame(rows, strict=False)
    else:
        frames = pa.Table.from_pylist(customers), pa.Table.from_pylist(rows)
    with pytest.raises(lc.RecordError, match=rf"^touchpoints, row {row}, field '{field}': ") as e:
        lc.book_from_frames(*frames)
    assert words in str(e.value)


def test_what_is_not_a_frame_or_cannot_be_one():
    with pytest.raises(lc.RecordError, match=r"^customers: is a list, not a DataFrame or table"):
        lc.book_from_frames([{"customer_id": "c1"}], pa.table({}))
    mixed = pd.DataFrame({"customer_id": ["c1", 2], "name": ["x", "y"], "since": ["a", "b"]})
    with pytest.raises(lc.RecordError, match=r"^customers: cannot be read as an Arrow table: "):
        lc.book_from_frames(mixed, pa.table({}))


GOOD_DECISION = {
    "decision_id": "d1",
    "customer_id": "c1",
    "policy": "welcome",
    "due": dt.date(2025, 1, 7),
    "decision": "snoozed",
    "at": dt.datetime(2025, 1, 7, 9, tzinfo=dt.UTC),
    "until": dt.date(2025, 1, 14),
}


@pytest.mark.parametrize(
    ("first", "change", "field", "words"),
    [
        # A column holds one type: a naive datetime column is naive in every row.
        ({"at": NAIVE}, {"at": NAIVE}, "at", "without a time zone"),
        ({"due": NAIVE}, {"due": NAIVE}, "due", "is a datetime; a date is needed"),
        ({}, {"until": None}, "until", "is required for a snoozed decision"),
        ({}, {"decision": "closed"}, "decision", "'closed' is not one of"),
        ({}, {"policy": None}, "policy", "is required and must not be empty"),
        ({}, {"decision_id": "d1"}, "decision_id", "is a duplicate decision id (first in row 1)"),
        ({}, {"customer_id": "c9"}, "customer_id", "'c9' names no customer of customers"),
    ],
)
@pytest.mark.parametrize("library", ["pandas", "polars", "pyarrow"])
def test_a_bad_decision_in_a_frame_names_row_and_field(
    library: str, first: dict[str, Any], change: dict[str, Any], field: str, words: str
):
    rows = [{**GOOD_DECISION, **first}, {**GOOD_DECISION, "decision_id": "d2", **change}]
    row = 1 if first else 2
    customers = [{"customer_id": "c1", "name": "Ada", "since": dt.date(2025, 1, 6)}]
    touchpoints = pa.table({"touchpoint_id": pa.array([], pa.string())})
    if library == "pandas":
        frames = pd.DataFrame(customers), touchpoints, pd.DataFrame(rows)
    elif library == "polars":
        pl = pytest.importorskip("polars")
        frames = pl.DataFrame(customers), touchpoints, pl.DataFrame(rows, strict=False)
    else:
        frames = pa.Table.from_pylist(customers), touchpoints, pa.Table.from_pylist(rows)
    with pytest.raises(lc.RecordError, match=rf"^decisions, row {row}, field '{field}': ") as e:
        lc.book_from_frames(*frames)
    assert words in str(e.value)


def test_what_is_not_a_decisions_frame():
    empty = pa.table({"customer_id": pa.array([], pa.string())})
    with pytest.raises(lc.RecordError, match=r"^decisions: is a list, not a DataFrame or table"):
        lc.book_from_frames(empty, empty, decisions=[])
    assert list(lc.book_from_frames(empty, empty, decisions=None).decisions()) == []


def test_without_pyarrow_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    real = importlib.import_module

    def without_pyarrow(name: str, *args: Any) -> Any:
        if name == "pyarrow":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_pyarrow)
    with pytest.raises(lc.MissingDependencyError, match=re.escape("customer-lifecycle[frames]")):
        lc.book_from_frames(None, None)


def test_the_how_to_pages_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The page's examples (``py`` fences: they need pandas and Polars, not in every install)."""
    pytest.importorskip("polars")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"^```py\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOCS.name}[block {i}]", "exec"), namespace)
