"""Books: consistency, look-ups, and changes that give new books."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct


def customer(cid: str, **changes: object) -> lc.Customer:
    return lc.Customer(id=cid, name=cid.upper(), since=dt.date(2025, 1, 1), **changes)  # type: ignore[arg-type]


def touch(tid: str, cid: str, d: int = 1) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=tid,
        customer_id=cid,
        at=dt.datetime(2025, 1, d, 12, tzinfo=dt.UTC),
        kind="check_in",
        channel="email",
        direction="outbound",
    )


def test_customers_are_ordered_by_id_in_code_point_order():
    """C10 sorts before C9 (starter-pack.md, Ties)."""
    book = lc.Book([customer("C9"), customer("C10"), customer("B")])
    assert book.customer_ids == ("B", "C10", "C9")
    assert [c.id for c in book] == ["B", "C10", "C9"]
    assert [c.id for c, _ in book.items()] == ["B", "C10", "C9"]


def test_look_ups():
    """customer/timeline by id; containment; counts."""
    book = lc.Book([customer("a"), customer("b")], [touch("t1", "a"), touch("t2", "a", 2)])
    assert book.customer("a").name == "A"
    assert [t.id for t in book.timeline("a")] == ["t1", "t2"]
    assert len(book.timeline("b")) == 0
    assert "a" in book and "z" not in book
    assert len(book) == 2
    assert book.touchpoint_count == 2
    assert [t.id for t in book.touchpoints()] == ["t1", "t2"]
    # Small books show everything (shrunk Hypothesis examples must be readable).
    assert repr(book).startswith("Book([Customer(id='a'")
    assert repr(lc.sample_book()) == "<Book: 200 customers, 2549 touchpoints>"


def test_unknown_ids_raise_naming_the_id():
    """A missing customer is an UnknownCustomerError (a LookupError) naming the id."""
    book = lc.Book([customer("a")])
    with pytest.raises(lc.UnknownCustomerError, match="'zz'"):
        book.customer("zz")
    with pytest.raises(LookupError, match="'zz'"):
        book.timeline("zz")


@pytest.mark.parametrize(
    ("customers", "touchpoints", "error", "message"),
    [
        (["a", "a"], [], lc.DuplicateIdError, "duplicate customer id 'a'"),
        (["a"], [("t", "a"), ("t", "a")], lc.DuplicateIdError, "duplicate touchpoint id 't'"),
        (["a"], [("t", "b")], lc.UnknownCustomerError, "'b'.*touchpoint 't'"),
    ],
)
def test_inconsistent_books_are_rejected(customers, touchpoints, error, message):
    """No duplicate ids, no touchpoint of an unknown customer."""
    with pytest.raises(error, match=message):
        lc.Book([customer(c) for c in customers], [touch(t, c) for t, c in touchpoints])


def test_only_model_objects_are_accepted():
    """Passing something else names it."""
    with pytest.raises(lc.InvalidValueError, match="Customer objects"):
        lc.Book(["a"])  # type: ignore[list-item]
    with pytest.raises(lc.InvalidValueError, match="Touchpoint objects"):
        lc.Book([customer("a")], ["t"])  # type: ignore[list-item]


def test_with_touchpoints_gives_a_new_book_and_leaves_the_old_one():
    """Adding touchpoints never mutates; untouched timelines are shared."""
    book = lc.Book([customer("a"), customer("b")], [touch("t1", "a")])
    later = book.with_touchpoints([touch("t2", "a", 2)])
    assert [t.id for t in book.timeline("a")] == ["t1"]
    assert [t.id for t in later.timeline("a")] == ["t1", "t2"]
    assert later.timeline("b") is book.timeline("b")
    assert book.with_touchpoints([]) is book


def test_with_touchpoints_keeps_the_book_consistent():
    """Duplicate ids (old or new) and unknown customers are refused."""
    book = lc.Book([customer("a")], [touch("t1", "a")])
    with pytest.raises(lc.DuplicateIdError, match="'t1'"):
        book.with_touchpoints([touch("t1", "a", 3)])
    with pytest.raises(lc.DuplicateIdError, match="'t2'"):
        book.with_touchpoints([touch("t2", "a"), touch("t2", "a")])
    with pytest.raises(lc.UnknownCustomerError):
        book.with_touchpoints([touch("t3", "zz")])
    later = book.with_touchpoints([touch("t2", "a")])
    with pytest.raises(lc.DuplicateIdError, match="'t2'"):
        later.with_touchpoints([touch("t2", "a")])


def test_with_customers_adds_and_replaces():
    """Replacing a customer keeps its timeline, re-dated in a new zone."""
    late = lc.Touchpoint(
        id="t1",
        customer_id="a",
        at=dt.datetime(2025, 1, 1, 19, tzinfo=dt.UTC),
        kind="demo",
        channel="web",
        direction="inbound",
    )
    book = lc.Book([customer("a")], [late])
    moved = book.with_customers([customer("a", timezone="Pacific/Kiritimati"), customer("0")])
    assert moved.customer_ids == ("0", "a")
    assert moved.timeline("a").local_dates() == (dt.date(2025, 1, 2),)
    assert book.timeline("a").local_dates() == (dt.date(2025, 1, 1),)
    renamed = book.with_customers([attrs.evolve(book.customer("a"), name="Ada")])
    assert renamed.timeline("a") is book.timeline("a")
    with pytest.raises(lc.DuplicateIdError):
        book.with_customers([customer("x"), customer("x")])
    with pytest.raises(lc.InvalidValueError):
        book.with_customers(["x"])  # type: ignore[list-item]


def test_books_are_immutable_and_unhashable():
    """No attribute can be set; equal books may be large, so none hash."""
    book = lc.Book()
    with pytest.raises(AttributeError):
        book._customers = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del book._customers
    with pytest.raises(TypeError):
        hash(book)
    assert book.__eq__("book") is NotImplemented


@given(lct.books(), st.randoms(use_true_random=False))
def test_a_book_does_not_depend_on_input_order(book: lc.Book, rnd):
    """Shuffling customers and touchpoints gives an equal book."""
    people, items = list(book), list(book.touchpoints())
    rnd.shuffle(people)
    rnd.shuffle(items)
    assert lc.Book(people, items) == book


@given(lct.books(min_customers=1))
def test_adding_touchpoints_one_by_one_equals_building_at_once(book: lc.Book):
    """with_touchpoints composes: the result equals a book built whole."""
    start = lc.Book(book.customers)
    for touchpoint in book.touchpoints():
        start = start.with_touchpoints([touchpoint])
    assert start == book
    assert start.touchpoint_count == book.touchpoint_count


# -- erasure ----------------------------------------------------------------------


@given(lct.books(max_customers=5), st.data())
def test_without_customers_is_the_book_built_without_them(book: lc.Book, data: st.DataObject):
    """Nothing of the customers left out remains; the rest is as it was."""
    gone = data.draw(st.lists(st.sampled_from(book.customer_ids), unique=True)) if book else []
    kept = [c for c in book if c.id not in gone]
    expected = lc.Book(kept, [tp for tp in book.touchpoints() if tp.customer_id not in gone])
    smaller = book.without_customers(gone)
    assert smaller == expected
    assert not any(cid in smaller for cid in gone)
    assert smaller.customer_ids == tuple(c.id for c in kept)
    # Their touchpoints cannot come back without them.
    again = [tp for tp in book.touchpoints() if tp.customer_id in gone]
    if again:
        with pytest.raises(lc.UnknownCustomerError):
            smaller.with_touchpoints(again)
    assert smaller.with_touchpoints([]) is smaller


def test_without_customers_frees_their_touchpoint_ids():
    book = lc.Book([customer("a"), customer("b")], [touch("t1", "a"), touch("t2", "b")])
    book = book.with_touchpoints([touch("t3", "b", 2)])  # its touchpoint ids are known now
    smaller = book.without_customers(["b", "b"])
    assert smaller.customer_ids == ("a",)
    assert [tp.id for tp in smaller.touchpoints()] == ["t1"]
    assert [tp.id for tp in smaller.with_touchpoints([touch("t2", "a")]).touchpoints()] == [
        "t1",
        "t2",
    ]
    with pytest.raises(lc.DuplicateIdError):
        smaller.with_touchpoints([touch("t1", "a")])
    assert book.without_customers([]) is book
    assert len(book) == 2  # the old book is unchanged


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        (["x"], lc.UnknownCustomerError, "no customer with id 'x' in the book (unknown: 'x'; no "),
        (
            ["a", "z", "y"],
            lc.UnknownCustomerError,
            "no customer with id 'y' in the book (unknown: 'y', 'z'; no customer was left out)",
        ),
        ("a", lc.InvalidValueError, "customer_ids='a': must be ids (a list of them), not a"),
        ([["a"]], lc.InvalidValueError, "customer_ids=[['a']]: must be an iterable of"),
        (3, lc.InvalidValueError, "customer_ids=3: must be an iterable of customer ids"),
    ],
)
def test_without_unknown_customers_says_which(ids: object, error: type, message: str):
    book = lc.Book([customer("a"), customer("b")], [touch("t1", "a")])
    with pytest.raises(error) as caught:
        book.without_customers(ids)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
    assert len(book) == 2


def test_decisions_come_customer_by_customer_in_id_order() -> None:
    def customer(cid: str) -> lc.Customer:
        return lc.Customer(id=cid, name=cid, since=dt.date(2025, 1, 1))

    def decided(did: str, cid: str) -> lc.Decision:
        return lc.Decision(
            id=did, customer_id=cid, policy="welcome", due=dt.date(2026, 1, 8), outcome="done",
            at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
        )  # fmt: skip

    book = lc.Book([customer("b"), customer("a")], (), [decided("d1", "b"), decided("d2", "a")])
    assert [d.id for d in book.decisions()] == ["d2", "d1"]
