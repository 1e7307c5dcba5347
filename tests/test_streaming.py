"""Streamed books: the same agenda as in memory, in bounded memory, with the same errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import mmap
import os
import pickle
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import _batches, _scale
from lifecycle.cli import main
from lifecycle.io import _stream

AS_OF = dt.date(2026, 11, 23)
ENGINE = lc.Engine(lc.starter_pack())
fixture_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

CUSTOMERS = "customer_id,name,since\nc-1,Ada,2025-01-06\nc-2,Grace,2025-02-03\n"
TOUCH_HEADER = "touchpoint_id,customer_id,at,channel,kind,direction,score,tags,note\n"


def _row(tid: str, cid: str, note: str = "") -> str:
    return f"{tid},{cid},2025-01-06T09:00:00+01:00,web,purchase,inbound,,,{note}\n"


def write(folder: Path, customers: str, touchpoints: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    (folder / "touchpoints.csv").write_text(touchpoints, encoding="utf-8")
    return folder


def _shuffle(folder: Path, seed: int) -> None:
    """Shuffle the rows of both files (rows written one per line: no line breaks in cells)."""
    for name in ("customers.csv", "touchpoints.csv"):
        file = folder / name
        header, *rows = file.read_text(encoding="utf-8").splitlines(keepends=True)
        random.Random(seed).shuffle(rows)
        file.write_text(header + "".join(rows), encoding="utf-8")


@pytest.fixture
def small_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bucket files of a few hundred bytes in batches of two rows, so a small book spreads out."""
    monkeypatch.setattr(_stream, "BUCKET_BYTES", 300)
    monkeypatch.setattr(_batches, "BATCH", 2)


# -- streamed = in memory ------------------------------------------------------------


@fixture_settings
@given(
    book=lct.books(max_customers=8, max_touchpoints=40, situations=True, as_of=AS_OF),
    fmt=st.sampled_from(["csv", "jsonl"]),
)
def test_a_streamed_book_gives_the_agenda_of_the_book_in_memory(
    small_buckets: None, book: lc.Book, fmt: str
):
    """Sorted and unsorted streams give the same agenda, action for action, as read_book."""
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder, format=fmt)  # type: ignore[arg-type]
        expected = ENGINE.agenda(book, AS_OF)
        assert ENGINE.agenda(lc.stream_book(folder), AS_OF) == expected
        assert ENGINE.agenda(lc.stream_book(folder, sorted=False), AS_OF) == expected


@fixture_settings
@given(book=lct.books(max_customers=6, max_touchpoints=30))
def test_a_sorted_stream_yields_the_books_customers_and_timelines_in_order(book: lc.Book):
    """Streamed items are the book's, in id order; unsorted ones the same set."""
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder)
        assert list(lc.stream_book(folder).items()) == list(book.items())
        unsorted = lc.stream_book(folder, sorted=False)
        assert sorted(unsorted.items(), key=lambda item: item[0].id) == list(book.items())
        assert list(lc.stream_book(folder)) == list(book)


@fixture_settings
@given(
    book=lct.books(max_customers=8, max_touchpoints=40),
    parts=st.integers(1, 6),
    fmt=st.sampled_from(["csv", "jsonl"]),
)
def test_spans_cut_between_customers_and_cover_every_row(book: lc.Book, parts: int, fmt: str):
    """Merging span by span gives the whole book, even with line breaks and quotes in notes."""
    with tempfile.TemporaryDirectory() as folder:
        lc.write_book(book, folder, format=fmt)  # type: ignore[arg-type]
        files = lc.stream_book(folder).files
        spans = _stream.split(files, parts)
        assert 1 <= len(spans) <= parts
        items = []
        for index, (span, low) in enumerate(spans):
            high = spans[index + 1][1] if index + 1 < len(spans) else None
            items += list(_stream.merged(files, _stream.IdRegister(), span, low, high))
        assert items == list(book.items())


def test_split_finds_no_cut_in_a_file_of_one_customer_or_none(tmp_path: Path):
    one = write(tmp_path / "one", CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1") + _row("t-2", "c-1"))
    assert _stream.split(lc.stream_book(one).files, 4) == [(None, None)]
    empty = write(tmp_path / "empty", CUSTOMERS, "")
    assert _stream.split(lc.stream_book(empty).files, 4) == [(None, None)]
    strange = write(tmp_path / "strange", CUSTOMERS, "id,who\n1,c-1\n2,c-2\n")
    assert _stream.split(lc.stream_book(strange).files, 2) == [(None, None)]


def test_split_skips_rows_it_cannot_read_when_looking_for_a_cut(tmp_path: Path):
    """A broken row near a cut is left to the reader, which names it."""
    rows = _row("t-1", "c-1") + "lonely\n"
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + rows)
    with (folder / "touchpoints.csv").open("ab") as file:
        file.write(b"t-4,\xff\n" + _row("t-2", "c-1").encode() + _row("t-3", "c-2").encode())
    with (folder / "touchpoints.csv").open("rb") as file:
        data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        cutter = _stream._Cutter(data, "csv")
        _, line, key = cutter.cut_after(0) or (0, 0, "")
        data.close()
    assert (line, key) == (6, "c-2")
    jsonl = tmp_path / "jsonl"
    jsonl.mkdir()
    (jsonl / "customers.jsonl").write_text(
        '{"customer_id": "c-1", "name": "A", "since": "2025-01-06"}\n', encoding="utf-8"
    )
    (jsonl / "touchpoints.jsonl").write_text(
        '{"customer_id": 7}\nnot json\n[1]\n', encoding="utf-8"
    )
    assert _stream.split(lc.stream_book(jsonl).files, 2) == [(None, None)]


def test_a_cut_never_falls_inside_a_quoted_line_break(tmp_path: Path):
    rows = _row("t-1", "c-1", '"one\ntwo\nthree"') + _row("t-2", "c-2", '"last\nline"').rstrip("\n")
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + rows)
    with (folder / "touchpoints.csv").open("rb") as file:
        data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        cutter = _stream._Cutter(data, "csv")
        inside = data.find(b"one") + 1
        assert data[cutter._row_start_after(inside) :].startswith(b"t-2,")
        assert cutter._row_start_after(data.find(b"last")) == len(data)
        assert cutter._row_end(data.find(b"t-2")) == len(data)
        assert cutter.cut_after(0) == (data.find(b"t-2"), 5, "c-2")
        data.close()


def test_batches_round_trip_in_small_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_batches, "BATCH", 2)
    assert _batches.write(iter(range(5)), tmp_path / "run") == 5
    assert list(_batches.read(tmp_path / "run")) == [0, 1, 2, 3, 4]


def test_customers_without_touchpoints_come_between_and_after_the_others(tmp_path: Path):
    customers = "customer_id,name,since\na,A,2025-01-06\nb,B,2025-01-06\nc,C,2025-01-06\n"
    folder = write(tmp_path, customers, TOUCH_HEADER + _row("t-1", "b"))
    assert [c.id for c in lc.stream_book(folder)] == ["a", "b", "c"]
    assert list(lc.stream_book(folder).items()) == list(lc.read_book(folder).items())


def test_a_stream_reads_its_files_again_on_each_pass(tmp_path: Path):
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1"))
    stream = lc.stream_book(folder)
    assert len(ENGINE.agenda(stream, AS_OF).actions) == len(ENGINE.agenda(stream, AS_OF).actions)
    assert repr(stream) == f"StreamedBook({str(folder)!r}, sorted)"
    assert "unsorted" in repr(lc.stream_book(folder, sorted=False))


# -- errors ------------------------------------------------------------------------------

# (customers, touchpoints): each book breaks one rule; the stream must say what
# read_book says, word for word.
SAME_ERRORS = {
    "bad cell": (CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1").replace("web", "fax")),
    "bad customer cell": (CUSTOMERS.replace("2025-02-03", "2025-02-30"), TOUCH_HEADER),
    "empty customer id": (CUSTOMERS + ",Nobody,2025-01-06\n", TOUCH_HEADER),
    "duplicate customer": (CUSTOMERS + "c-2,Again,2025-01-06\n", TOUCH_HEADER),
    "duplicate touchpoint, one customer": (
        CUSTOMERS,
        TOUCH_HEADER + _row("t-1", "c-1") + _row("t-2", "c-1") + _row("t-1", "c-1"),
    ),
    "duplicate touchpoint, two customers": (
        CUSTOMERS,
        TOUCH_HEADER + _row("t-1", "c-1") + _row("t-2", "c-1") + _row("t-1", "c-2"),
    ),
    "unknown customer": (CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1") + _row("t-2", "c-15")),
    "unknown customer after the last": (CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-3")),
    "too few fields": (CUSTOMERS, TOUCH_HEADER + "t-1,c-1\n"),
    "missing column": (CUSTOMERS, "touchpoint_id,customer_id\n"),
}


@pytest.mark.parametrize("case", sorted(SAME_ERRORS))
@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_a_stream_names_a_bad_row_as_read_book_does(
    tmp_path: Path, small_buckets: None, case: str, order: str
):
    folder = write(tmp_path, *SAME_ERRORS[case])
    with pytest.raises(lc.BookFormatError) as expected:
        lc.read_book(folder)
    with pytest.raises(lc.BookFormatError) as streamed:
        ENGINE.agenda(lc.stream_book(folder, sorted=order == "sorted"), AS_OF)
    assert str(streamed.value) == str(expected.value)


OUT_OF_ORDER = {
    "customers": (
        "customer_id,name,since\nc-2,G,2025-01-06\nc-1,A,2025-01-06\n",
        TOUCH_HEADER,
        "customers.csv, line 3, column 'customer_id': 'c-1' comes after 'c-2' (line 2)",
    ),
    "customers, before a touchpoint": (
        "customer_id,name,since\nc-2,G,2025-01-06\nc-1,A,2025-01-06\n",
        TOUCH_HEADER + _row("t-1", "c-1"),
        "customers.csv, line 3, column 'customer_id': 'c-1' comes after 'c-2' (line 2)",
    ),
    "touchpoints": (
        CUSTOMERS,
        TOUCH_HEADER + _row("t-1", "c-2") + _row("t-2", "c-1"),
        "touchpoints.csv, line 3, column 'customer_id': 'c-1' comes after 'c-2' (line 2)",
    ),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_ORDER))
def test_a_sorted_stream_names_the_first_row_out_of_order(tmp_path: Path, case: str):
    customers, touchpoints, message = OUT_OF_ORDER[case]
    folder = write(tmp_path, customers, touchpoints)
    with pytest.raises(lc.BookOrderError) as error:
        list(lc.stream_book(folder).items())
    assert str(error.value).endswith(
        f"{message}; a book streamed with sorted=True needs both files sorted by customer_id"
    )
    assert ENGINE.agenda(lc.stream_book(folder, sorted=False), AS_OF) == ENGINE.agenda(
        lc.read_book(folder), AS_OF
    )


def test_a_span_refuses_rows_outside_its_range_of_customers(tmp_path: Path):
    customers = "customer_id,name,since\na,A,2025-01-06\nb,B,2025-01-06\nc,C,2025-01-06\n"
    folder = write(tmp_path, customers, TOUCH_HEADER + _row("t-1", "a") + _row("t-2", "c"))
    files = lc.stream_book(folder).files
    register = _stream.IdRegister()
    with pytest.raises(lc.BookOrderError, match="'a' comes after 'b'"):
        list(_stream.merged(files, register, None, "b", None))
    with pytest.raises(lc.BookOrderError, match="'c' comes before a row of 'c'"):
        list(_stream.merged(files, register, None, None, "c"))


def test_two_ids_sharing_a_hash_are_not_taken_for_a_duplicate(tmp_path: Path):
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1") + _row("t-2", "c-2"))
    register = _stream.IdRegister()
    register.add(["t-1", "t-2"])
    register.buckets[hash("t-2") & 255].append(hash("t-2"))  # as if another id hashed alike
    assert register.repeated() == {hash("t-2")}
    register.check(lc.stream_book(folder).files)  # no error: t-2 is on one line only


# -- the command line: large books streamed, in parts, by several processes ------------


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(args, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def streamed_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every book counts as large; chunks of three customers make several runs."""
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    monkeypatch.setattr(_scale, "CHUNK", 3)


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    lc.write_book(lc.sample_book(), folder)
    return folder


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_due_on_a_streamed_book_prints_what_it_prints_for_the_book_in_memory(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, workers: str
):
    args = ["due", "--book", str(sample_copy), "--as-of", "2026-03-02", "--format", fmt]
    loaded = _cli(args)
    monkeypatch.setattr(_scale, "STREAM_BYTES", 0)
    monkeypatch.setattr(_scale, "CHUNK", 40)
    assert _cli([*args, "--workers", workers]) == loaded
    assert loaded[0] == 0


@pytest.mark.parametrize("workers", ["1", "3"])
def test_due_sorts_an_unsorted_book_on_the_way(
    tmp_path: Path, sample_copy: Path, small_buckets: None, streamed_cli: None, workers: str
):
    for name in ("customers.csv", "touchpoints.csv"):
        (tmp_path / name).write_bytes((sample_copy / name).read_bytes())
    _shuffle(tmp_path, seed=3)
    args = ["due", "--book", str(tmp_path), "--as-of", "2026-03-02", "--format", "csv"]
    status, out, _ = _cli([*args, "--workers", workers])
    assert status == 0
    expected = io.StringIO()
    main(
        ["due", "--book", str(sample_copy), "--as-of", "2026-03-02", "--format", "csv"],
        out=expected,
    )
    assert out == expected.getvalue()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_due_on_a_streamed_book_names_a_bad_row(tmp_path: Path, streamed_cli: None, workers: str):
    rows = "".join(_row(f"t-{i}", "c-1") for i in range(5)) + _row("t-9", "c-2").replace(
        "web", "fax"
    )
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + rows)
    status, out, err = _cli(["due", "--book", str(folder), "--workers", workers])
    assert (status, out) == (1, "")
    assert (
        "touchpoints.csv, line 7, column 'channel': 'fax' is not a known channel (known: email"
        in err
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_due_on_a_streamed_book_finds_a_touchpoint_id_two_customers_use(
    tmp_path: Path, streamed_cli: None, workers: str
):
    rows = _row("t-1", "c-1") + _row("t-2", "c-1") + _row("t-1", "c-2")
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + rows)
    status, _, err = _cli(["due", "--book", str(folder), "--workers", workers])
    assert status == 1
    assert (
        "line 4, column 'touchpoint_id': 't-1' is a duplicate touchpoint id (first on line 2)"
        in err
    )


def test_the_workers_option_takes_a_number_of_processes(capsys: pytest.CaptureFixture[str]):
    assert main(["due", "--workers", "0"]) == 2
    assert "'0' is not a number of processes from 1 to 64" in capsys.readouterr().err


def _answer(job: object, value: int) -> int:
    return value


def _broken(job: object) -> int:
    raise lc.BookFormatError("f.csv", "is broken", line=2)


def _vanishes(job: object) -> int:
    os._exit(3)


def _job(tmp_path: Path) -> object:
    return _scale._Job(lc.stream_book(lc.sample_path()).files, ENGINE, AS_OF, "csv", tmp_path)


def test_a_worker_that_fails_or_vanishes_fails_the_command(tmp_path: Path):
    job = _job(tmp_path)
    with pytest.raises(lc.BookFormatError, match=r"f.csv, line 2: is broken"):
        _scale._run_all(job, [(_answer, (1,)), (_broken, ())])
    with pytest.raises(lc.LifecycleError, match="stopped without an answer"):
        _scale._run_all(job, [(_answer, (1,)), (_vanishes, ())])
    assert _scale._run_all(job, [(_answer, (1,)), (_answer, (2,))]) == [1, 2]
    assert _scale._run_all(job, [(_answer, (3,))]) == [3]


class _Overflows:
    """A policy that fails for one customer, as an agenda at the calendar's end did."""

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> list[object]:
        if customer.id == "c-2":
            raise OverflowError("date value out of range")
        return []


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_a_customer_whose_agenda_fails_is_named_by_its_row(
    tmp_path: Path, streamed_cli: None, small_buckets: None, workers: int, order: str
):
    """The worker's error names the file, line and customer, across the process boundary."""
    customers = CUSTOMERS + "c-3,Bob,2025-01-06\n"
    rows = _row("t-1", "c-1") + _row("t-2", "c-2") + _row("t-3", "c-3")
    folder = write(tmp_path / "book", customers, TOUCH_HEADER + rows)
    if order == "unsorted":
        (folder / "customers.csv").write_text(
            "customer_id,name,since\nc-3,Bob,2025-01-06\nc-2,Grace,2025-02-03\nc-1,Ada,2025-01-06\n",
            encoding="utf-8",
        )
    engine = lc.Engine([_Overflows()])
    with (
        pytest.raises(lc.BookFormatError) as error,
        _scale.agenda_runs(folder, engine, AS_OF, "csv", workers=workers),
    ):
        pass  # pragma: no cover - never reached
    assert str(error.value) == (
        f"{folder / 'customers.csv'}, line 3, column 'customer_id': 'c-2' is a customer "
        "whose agenda cannot be worked out: OverflowError: date value out of range"
    )


ERRORS = [
    lc.LifecycleError("plain"),
    lc.InvalidValueError("score", 11, "is above 10"),
    lc.NaiveDatetimeError("at", dt.datetime(2026, 1, 1), "has no time zone"),  # noqa: DTZ001
    lc.UnknownKindError("kind", "fax", "is not a kind"),
    lc.UnknownStageError("stage", "x", "is not a stage"),
    lc.ScoreError("score", 11, "is above 10"),
    lc.DuplicateIdError("customer", "c-1"),
    lc.UnknownCustomerError("c-9", "in touchpoints.csv"),
    lc.TransitionError("lead", "churned", ("customer",)),
    lc.BookFormatError("customers.csv", "is not a date", line=3, column="since", value="x"),
    lc.BookOrderError("touchpoints.csv", "comes after 'b'", line=4, column="customer_id"),
    _stream.NoSuchCustomer("touchpoints.csv", "names no customer", line=2, value="c-9"),
    lc.PolicyFileError("p.toml", [lc.PolicyProblem(4, "policy[0].offset", "7 dayz", "bad")]),
    lc.BookWriteError("book/touchpoints.csv", "No space left on device"),
    lc.RecordError("touchpoints", "must be a whole number", row=3, field="score", value="3.5"),
    lc.AgendaWriteError("out/agenda.csv", "Is a folder, not a file"),
    lc.MissingDependencyError("lifecycle.charts needs matplotlib: pip install ..."),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_crosses_a_process_boundary_whole(error: lc.LifecycleError):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.args, vars(copy)) == (str(error), error.args, vars(error))


def test_every_error_class_is_checked_for_pickling():
    classes = {getattr(lc.errors, name) for name in lc.errors.__all__}
    exceptions = {c for c in classes if issubclass(c, BaseException)}
    assert exceptions <= {type(e) for e in ERRORS}


@pytest.mark.parametrize("workers", [1, 2])
def test_temporary_files_are_owner_only_and_removed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample_copy: Path,
    small_buckets: None,
    workers: int,
):
    """Run and bucket files: 0600 in 0700 folders, whatever the umask allows; gone at the end."""
    book = tmp_path / "book"
    for name in ("customers.csv", "touchpoints.csv"):
        (book / name).parent.mkdir(exist_ok=True)
        (book / name).write_bytes((sample_copy / name).read_bytes())
    _shuffle(book, seed=5)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(_scale, "CHUNK", 40)
    old = os.umask(0)
    try:
        with _scale.agenda_runs(book, ENGINE, AS_OF, "csv", workers=workers):
            made = {path: (path.is_dir(), path.stat().st_mode) for path in temporary.rglob("*")}
    finally:
        os.umask(old)
    assert "buckets" in {path.name for path, (folder, _) in made.items() if folder}
    assert {mode & 0o777 for folder, mode in made.values() if folder} == {0o700}
    assert {mode & 0o777 for folder, mode in made.values() if not folder} == {0o600}
    assert list(temporary.iterdir()) == []


def test_due_as_json_on_a_streamed_book_with_nothing_held_back_or_skipped(
    tmp_path: Path, streamed_cli: None
):
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER)
    args = ["due", "--book", str(folder), "--as-of", "2026-11-23", "--format", "json"]
    status, out, _ = _cli(args)
    assert status == 0
    data = json.loads(out)
    assert data == {"as_of": "2026-11-23", "actions": [], "held_back": [], "skipped": []}


def test_only_large_books_are_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = write(tmp_path, CUSTOMERS, TOUCH_HEADER + _row("t-1", "c-1"))
    assert not _scale.large(folder)
    monkeypatch.setattr(_scale, "STREAM_BYTES", 10)
    assert _scale.large(folder)


def test_a_forecast_over_a_streamed_book_is_the_forecast_over_the_book():
    start, end = lc.SAMPLE_AS_OF, lc.SAMPLE_AS_OF + dt.timedelta(days=4)
    streamed = ENGINE.forecast(lc.stream_book(lc.sample_path()), start, end)
    assert streamed == ENGINE.forecast(lc.sample_book(), start, end)


def test_the_parallel_runner_refuses_an_engine_with_a_capacity(tmp_path: Path):
    """A capacity spans the whole book: parts of it cannot apply one alone."""
    lc.write_book(lc.sample_book(), tmp_path)
    engine = lc.Engine(lc.starter_pack(), capacity=3)
    with (
        pytest.raises(lc.InvalidValueError, match="has a capacity"),
        _scale.agenda_runs(tmp_path, engine, AS_OF, "csv", workers=1),
    ):
        pass  # pragma: no cover - never reached
