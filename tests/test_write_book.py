"""Writing a book: all files or none, never through a symlink, the library's error on failure."""

from __future__ import annotations

import errno
import importlib
import itertools
import os
import stat
from pathlib import Path

import pytest

import lifecycle as lc
from lifecycle.io._files import Table, write_tables

# The module, not `lifecycle.io._files`: the package has a function of that name.
_files = importlib.import_module("lifecycle.io._files")

SMALL = lc.Book(
    [lc.Customer(id="c-1", name="Ada", since=lc.SAMPLE_AS_OF)],
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry of *folder*: a file's bytes, a symlink's target."""
    found: dict[str, bytes] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            found[entry.name] = b"-> " + os.readlink(entry).encode()
        else:
            found[entry.name] = entry.read_bytes()
    return found


def _counting_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count()
    monkeypatch.setattr(_files, "_token", lambda: f"t{next(counter)}")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_round_trip_leaves_only_the_books_files(tmp_path: Path, fmt: str) -> None:
    lc.write_book(lc.sample_book(), tmp_path, format=fmt)  # type: ignore[arg-type]
    assert lc.read_book(tmp_path) == lc.sample_book()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"customers.{fmt}", f"touchpoints.{fmt}"]


def test_new_files_get_the_umask_and_old_files_keep_their_mode(tmp_path: Path) -> None:
    lc.write_book(SMALL, tmp_path)
    customers, touchpoints = tmp_path / "customers.csv", tmp_path / "touchpoints.csv"
    assert stat.S_IMODE(customers.stat().st_mode) == 0o666 & ~_files._umask()
    customers.chmod(0o640)
    lc.write_book(lc.sample_book(), tmp_path)
    assert stat.S_IMODE(customers.stat().st_mode) == 0o640
    assert stat.S_IMODE(touchpoints.stat().st_mode) == 0o666 & ~_files._umask()


@pytest.mark.parametrize(
    ("status", "umask"),
    [("Name:\tpython\nUmask:\t0077\n", 0o077), ("Name:\tpython\n", 0o022), (None, 0o022)],
)
def test_the_umask_is_read_without_changing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str | None, umask: int
) -> None:
    path = tmp_path / "status"
    if status is not None:
        path.write_text(status, encoding="ascii")
    monkeypatch.setattr(_files, "_STATUS", path)
    assert _files._umask() == umask


def test_symlinks_at_every_name_the_writer_might_use_are_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, victim = tmp_path / "book", tmp_path / "victim.txt"
    book.mkdir()
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    _counting_tokens(monkeypatch)
    # The names the writer tries first, the old fixed name, and the files themselves.
    for name in ("customers.csv", "touchpoints.csv"):
        for token in range(3):
            (book / f".{name}.t{token}.partial").symlink_to(victim)
        (book / f"{name}.partial").symlink_to(victim)
    (book / "customers.csv").symlink_to(victim)
    (book / "touchpoints.csv").symlink_to(tmp_path / "elsewhere")  # a folder, through a link
    lc.write_book(lc.sample_book(), book)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert not (book / "customers.csv").is_symlink()
    assert not (book / "touchpoints.csv").is_symlink()
    assert lc.read_book(book) == lc.sample_book()
    # The symlinks it passed over are still there, untouched.
    left = {p.name for p in book.iterdir() if p.is_symlink()}
    assert len(left) == 8


def test_a_writer_that_finds_no_free_name_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lc.write_book(SMALL, tmp_path)
    before = _snapshot(tmp_path)
    monkeypatch.setattr(_files, "_token", lambda: "taken")
    (tmp_path / ".customers.csv.taken.partial").symlink_to(tmp_path / "nowhere")
    with pytest.raises(lc.BookWriteError, match=r"customers\.csv: .*no free temporary name"):
        lc.write_book(lc.sample_book(), tmp_path)
    assert _snapshot(tmp_path) == before | {
        ".customers.csv.taken.partial": b"-> " + str(tmp_path / "nowhere").encode()
    }


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_full_disk_on_the_second_file_leaves_the_old_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    lc.write_book(SMALL, tmp_path, format=fmt)  # type: ignore[arg-type]
    before = _snapshot(tmp_path)
    calls = itertools.count(1)
    write_table = _files._write_table

    def failing(handle: object, table: Table, fmt: str) -> None:
        if next(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_table(handle, table, fmt)  # type: ignore[arg-type]

    monkeypatch.setattr(_files, "_write_table", failing)
    with pytest.raises(lc.BookWriteError) as caught:
        lc.write_book(lc.sample_book(), tmp_path, format=fmt)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"{tmp_path / f'touchpoints.{fmt}'}: cannot write the book: No space left on device"
    )
    assert caught.value.path == str(tmp_path / f"touchpoints.{fmt}")
    assert isinstance(caught.value.__cause__, OSError)
    assert _snapshot(tmp_path) == before  # the old files, and no temporary left
    assert lc.read_book(tmp_path) == SMALL


def test_a_folder_it_may_not_write_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lc.write_book(SMALL, tmp_path)
    before = _snapshot(tmp_path)

    def refused(path: Path) -> tuple[Path, int]:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(_files, "_temporary", refused)
    with pytest.raises(
        lc.BookWriteError, match=r"customers\.csv: cannot write .*Permission denied"
    ):
        lc.write_book(lc.sample_book(), tmp_path)
    assert _snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_a_read_only_folder(tmp_path: Path) -> None:  # pragma: no cover - CI runs as a user
    lc.write_book(SMALL, tmp_path)
    before = _snapshot(tmp_path)
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(lc.BookWriteError, match="Permission denied"):
            lc.write_book(lc.sample_book(), tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("fmt", "line"), [("csv", 3), ("jsonl", 2)])
def test_a_value_utf8_cannot_encode_names_its_line(tmp_path: Path, fmt: str, line: int) -> None:
    # Written through the private writer: a lone surrogate may be refused where it is made.
    old = tmp_path / f"customers.{fmt}"
    old.write_text("the old file\n", encoding="utf-8")
    rows = [{"customer_id": "c-1", "name": "Ada"}, {"customer_id": "c-2", "name": "Gr\ud800ce"}]
    with pytest.raises(lc.BookWriteError) as caught:
        write_tables([Table(old, ("customer_id", "name"), rows)], fmt=fmt)
    assert str(caught.value) == (
        f"{old}: cannot write the book: line {line} holds a value UTF-8 cannot encode "
        "(surrogates not allowed)"
    )
    assert [p.name for p in tmp_path.iterdir()] == [old.name]
    assert old.read_text(encoding="utf-8") == "the old file\n"


def test_a_file_that_is_a_folder_or_a_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "touchpoints.csv").mkdir()
    with pytest.raises(lc.BookWriteError, match=r"touchpoints\.csv: .*Is a folder, not a file"):
        lc.write_book(SMALL, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["touchpoints.csv"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(lc.BookWriteError, match="file: cannot write the book: File exists"):
        lc.write_book(SMALL, tmp_path / "file")


def test_syncing_the_folder_is_best_effort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files._sync_folder(tmp_path / "missing")  # cannot be opened: nothing to do

    def unsupported(descriptor: int) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(_files.os, "fsync", unsupported)
    _files._sync_folder(tmp_path)


def test_write_errors_pickle() -> None:
    import pickle  # noqa: PLC0415

    error = lc.BookWriteError("book/customers.csv", "No space left on device")
    again = pickle.loads(pickle.dumps(error))
    assert (again.path, again.problem, str(again)) == (error.path, error.problem, str(error))


def _failing_replace(monkeypatch: pytest.MonkeyPatch, failing_call: int) -> None:
    """Make the *failing_call*-th rename into place fail (put-backs still work)."""
    calls = itertools.count(1)
    replace = os.replace

    def failing(source: Path, target: Path) -> None:
        if not Path(source).name.endswith(".old") and next(calls) == failing_call:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        replace(source, target)

    monkeypatch.setattr(_files.os, "replace", failing)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_failed_second_rename_puts_the_first_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    lc.write_book(SMALL, tmp_path, format=fmt)  # type: ignore[arg-type]
    before = _snapshot(tmp_path)
    _failing_replace(monkeypatch, 2)
    with pytest.raises(lc.BookWriteError) as caught:
        lc.write_book(lc.sample_book(), tmp_path, format=fmt)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"{tmp_path / f'touchpoints.{fmt}'}: cannot write the book: Input/output error"
    )
    assert _snapshot(tmp_path) == before  # the old customers file back, nothing left over
    assert lc.read_book(tmp_path) == SMALL


def test_a_failed_rename_into_a_new_folder_leaves_no_half_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing_replace(monkeypatch, 2)
    with pytest.raises(lc.BookWriteError, match=r"touchpoints\.csv: .*Input/output error"):
        lc.write_book(SMALL, tmp_path)
    assert _snapshot(tmp_path) == {}


def test_without_hard_links_the_book_is_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lc.write_book(lc.sample_book(), tmp_path)

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(_files.os, "link", no_links)
    lc.write_book(SMALL, tmp_path)
    assert lc.read_book(tmp_path) == SMALL
    assert sorted(_snapshot(tmp_path)) == ["customers.csv", "touchpoints.csv"]
