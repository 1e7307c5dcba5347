"""Books: the customers a team looks after, each with its timeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import NoReturn, Protocol, TypeVar

from lifecycle.customers import Customer
from lifecycle.decisions import Decision
from lifecycle.errors import DuplicateIdError, InvalidValueError, UnknownCustomerError
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Touchpoint

__all__ = [
    "Book",
    "Timelines",
    "customers_by_id",
    "extend_timelines",
    "group_decisions",
    "group_touchpoints",
    "rezone_timelines",
]

_FULL_REPR = 5


class Timelines(Protocol):
    """Anything that yields customers with their timelines: a `Book` or a `StreamedBook`.

    The engine's `agenda` and `forecast` need nothing more, so they work on a
    book in memory and on one streamed from its files alike.
    """

    def items(self) -> Iterable[tuple[Customer, Timeline]]:
        """Yield each customer with its timeline."""
        ...


class Book:
    """Customers and their timelines, consistent by construction.

    A book never changes: `with_touchpoints`, `with_decisions`,
    `with_customers` and `without_customers` return a new book that shares
    every timeline the change does not touch.

    Args:
        customers: The customers, in any order.
        touchpoints: Their touchpoints, in any order.
        decisions: What the team did with their actions (`Decision`), in any order.

    Raises:
        DuplicateIdError: if two customers, two touchpoints or two decisions
            share an id.
        UnknownCustomerError: if a touchpoint or decision names a customer not given.

    Examples:
        >>> import datetime as dt
        >>> from lifecycle import Customer, Touchpoint
        >>> book = Book([Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6))])
        >>> later = book.with_touchpoints([
        ...     Touchpoint(id="t-1", customer_id="c-1", kind="purchase", channel="web",
        ...                direction="inbound", at=dt.datetime(2025, 1, 6, tzinfo=dt.UTC))])
        >>> len(book.timeline("c-1")), len(later.timeline("c-1"))
        (0, 1)
    """

    __slots__ = ("_customers", "_timelines", "_touchpoint_ids")

    _customers: dict[str, Customer]
    _timelines: dict[str, Timeline]
    _touchpoint_ids: frozenset[str] | None

    def __init__(
        self,
        customers: Iterable[Customer] = (),
        touchpoints: Iterable[Touchpoint] = (),
        decisions: Iterable[Decision] = (),
    ) -> None:
        by_id = customers_by_id(customers)
        grouped = group_touchpoints(touchpoints, by_id)
        decided = group_decisions(decisions, by_id)
        self._build(
            {cid: by_id[cid] for cid in sorted(by_id)},
            {
                cid: Timeline(
                    grouped.get(cid, ()), timezone=c.timezone, decisions=decided.get(cid, ())
                )
                for cid, c in by_id.items()
            },
            None,
        )

    def _build(
        self,
        customers: dict[str, Customer],
        timelines: dict[str, Timeline],
        touchpoint_ids: frozenset[str] | None,
    ) -> None:
        object.__setattr__(self, "_customers", customers)
        object.__setattr__(self, "_timelines", timelines)
        object.__setattr__(self, "_touchpoint_ids", touchpoint_ids)

    @classmethod
    def unchecked(cls, customers: dict[str, Customer], timelines: dict[str, Timeline]) -> Book:
        """Return the book of these customers and timelines, taken as they are.

        For readers that checked the rows (ids unique, each touchpoint's
        customer known) and name the file and line when not: *customers* maps
        each id to its customer, in id order, and *timelines* each id to its
        timeline. The book keeps both dicts; the caller lets them go.

        Examples:
            >>> import datetime as dt
            >>> from lifecycle import Customer, Timeline
            >>> ada = Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6))
            >>> Book.unchecked({"c-1": ada}, {"c-1": Timeline()}) == Book([ada])
            True
        """
        book = object.__new__(cls)
        book._build(customers, timelines, None)
        return book

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Book is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Book is immutable; cannot delete {name!r}")

    # -- reading --------------------------------------------------------------

    @property
    def customers(self) -> tuple[Customer, ...]:
        """Every customer, ordered by id (code-point order: ``C10`` before ``C9``)."""
        return tuple(self._customers.values())

    @property
    def customer_ids(self) -> tuple[str, ...]:
        """Every customer id, in code-point order."""
        return tuple(self._customers)

    def customer(self, customer_id: str) -> Customer:
        """Return the customer with this id.

        Raises:
            UnknownCustomerError: if the book has no such customer.
        """
        try:
            return self._customers[customer_id]
        except (KeyError, TypeError):
            raise UnknownCustomerError(customer_id) from None

    def timeline(self, customer_id: str) -> Timeline:
        """Return the timeline of the customer with this id.

        Raises:
            UnknownCustomerError: if the book has no such customer.
        """
        try:
            return self._timelines[customer_id]
        except (KeyError, TypeError):
            raise UnknownCustomerError(customer_id) from None

    def items(self) -> Iterator[tuple[Customer, Timeline]]:
        """Yield each customer with its timeline, in customer id order."""
        timelines = self._timelines
        for cid, customer in self._customers.items():
            yield customer, timelines[cid]

    def touchpoints(self) -> Iterator[Touchpoint]:
        """Yield every touchpoint: customers in id order, each in time order."""
        timelines = self._timelines
        for cid in self._customers:
            yield from timelines[cid]

    @property
    def touchpoint_count(self) -> int:
        """How many touchpoints the book holds."""
        return sum(len(t) for t in self._timelines.values())

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._customers

    def __len__(self) -> int:
        return len(self._customers)

    def __iter__(self) -> Iterator[Customer]:
        return iter(self._customers.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Book):
            return NotImplemented
        return self._customers == other._customers and self._timelines == other._timelines

    __hash__ = None  # type: ignore[assignment]  # equal books may be large; no hashing

    def __repr__(self) -> str:
        # Small books (such as shrunk Hypothesis examples) show everything, so a
        # failing test says exactly which book failed; large ones a summary.
        count = self.touchpoint_count
        if len(self) <= _FULL_REPR and count <= 4 * _FULL_REPR:
            return f"Book({list(self)!r}, {list(self.touchpoints())!r})"
        return f"<Book: {len(self)} customers, {count} touchpoints>"

    # -- changing (into a new book) -------------------------------------------

    def _ids(self) -> frozenset[str]:
        if self._touchpoint_ids is None:
            ids = frozenset(tp.id for tp in self.touchpoints())
            object.__setattr__(self, "_touchpoint_ids", ids)
            return ids
        return self._touchpoint_ids

    def with_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> Book:
        """Return a new book with *touchpoints* added.

        Raises:
            DuplicateIdError: if a touchpoint id is already in the book (or
                given twice).
            UnknownCustomerError: if a touchpoint names a customer not in the book.
        """
        existing = self._ids()
        grouped = group_touchpoints(touchpoints, self._customers, existing)
        if not grouped:
            return self
        timelines = dict(self._timelines)
        extend_timelines(timelines, self._customers, grouped)
        added = {tp.id for new in grouped.values() for tp in new}
        book = Book.unchecked(self._customers, timelines)
        object.__setattr__(book, "_touchpoint_ids", existing | added)
        return book

    def decisions(self) -> Iterator[Decision]:
        """Yield every decision, customer by customer (in id order), in the order they count."""
        timelines = self._timelines
        for cid in self._customers:  # in id order; the timelines may be in another
            yield from timelines[cid].decisions

    def with_decisions(self, decisions: Iterable[Decision]) -> Book:
        """Return a new book with *decisions* added: what the team did with its actions.

        Raises:
            DuplicateIdError: if a decision id is already in the book (or given twice).
            UnknownCustomerError: if a decision names a customer not in the book.
            InvalidValueError: for something that is not a `Decision`.

        Examples:
            >>> import datetime as dt
            >>> import lifecycle as lc
            >>> done = lc.Decision(id="d-1", customer_id="C001", policy="welcome",
            ...                    due=dt.date(2026, 10, 9), outcome="done",
            ...                    at=dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC), by="alice")
            >>> book = lc.sample_book().with_decisions([done])
            >>> [d.id for d in book.decisions()]
            ['d-1']
        """
        taken = {d.id for d in self.decisions()}
        grouped = group_decisions(decisions, self._customers, taken)
        if not grouped:
            return self
        timelines = dict(self._timelines)
        for cid, new in grouped.items():
            timelines[cid] = timelines[cid].with_decisions(new)
        book = Book.unchecked(self._customers, timelines)
        object.__setattr__(book, "_touchpoint_ids", self._touchpoint_ids)
        return book

    def with_customers(self, customers: Iterable[Customer]) -> Book:
        """Return a new book with *customers* added, or replaced where the id exists.

        A replaced customer keeps its timeline (re-dated if its zone changed).

        Raises:
            DuplicateIdError: if the same id is given twice.
        """
        changed = customers_by_id(customers)
        merged = {**self._customers, **changed}
        timelines = dict(self._timelines)
        rezone_timelines(timelines, changed)
        book = Book.unchecked({cid: merged[cid] for cid in sorted(merged)}, timelines)
        object.__setattr__(book, "_touchpoint_ids", self._touchpoint_ids)
        return book

    def without_customers(self, customer_ids: Iterable[str]) -> Book:
        """Return a new book without these customers and every touchpoint of theirs.

        The way to erase a customer (a request under the GDPR's right to
        erasure, say): nothing of theirs is left in the new book. To erase
        them from a book's files too, write the new book back with
        `write_book`, or run ``lifecycle forget``.

        Args:
            customer_ids: The ids of the customers to leave out (an id given
                twice counts once).

        Raises:
            UnknownCustomerError: if an id names no customer of the book (all
                such ids are named; nothing is left out).
            InvalidValueError: if *customer_ids* is a single string, or not
                an iterable of ids.

        Examples:
            >>> import lifecycle as lc
            >>> book = lc.sample_book()
            >>> smaller = book.without_customers(["C001"])
            >>> len(book) - len(smaller), "C001" in smaller
            (1, False)
            >>> smaller.touchpoint_count == book.touchpoint_count - len(book.timeline("C001"))
            True
        """
        if isinstance(customer_ids, str):
            raise InvalidValueError(
                "customer_ids", customer_ids, "must be ids (a list of them), not a single string"
            )
        try:
            gone = set(customer_ids)
        except TypeError:
            raise InvalidValueError(
                "customer_ids", customer_ids, "must be an iterable of customer ids"
            ) from None
        unknown = sorted((cid for cid in gone if cid not in self._customers), key=repr)
        if unknown:
            named = ", ".join(map(repr, unknown))
            raise UnknownCustomerError(unknown[0], f"unknown: {named}; no customer was left out")
        if not gone:
            return self
        customers = {cid: c for cid, c in self._customers.items() if cid not in gone}
        timelines = {cid: t for cid, t in self._timelines.items() if cid not in gone}
        book = Book.unchecked(customers, timelines)
        if self._touchpoint_ids is not None:
            left = {tp.id for cid in gone for tp in self._timelines[cid]}
            object.__setattr__(book, "_touchpoint_ids", self._touchpoint_ids - left)
        return book


def customers_by_id(customers: Iterable[Customer]) -> dict[str, Customer]:
    """Return *customers* by id, checking that each is a `Customer` and no id comes twice.

    Raises:
        InvalidValueError: for something that is not a `Customer`.
        DuplicateIdError: if two customers share an id.

    Examples:
        >>> import datetime as dt
        >>> ada = Customer(id="c-1", name="Ada", since=dt.date(2025, 1, 6))
        >>> list(customers_by_id([ada]))
        ['c-1']
    """
    by_id: dict[str, Customer] = {}
    for customer in customers:
        if not isinstance(customer, Customer):
            raise InvalidValueError("customers", customer, "must be Customer objects")
        if customer.id in by_id:
            raise DuplicateIdError("customer", customer.id)
        by_id[customer.id] = customer
    return by_id


def extend_timelines(
    timelines: dict[str, Timeline],
    customers: Mapping[str, Customer],
    grouped: Mapping[str, list[Touchpoint]],
) -> None:
    """Extend, in place, each customer's timeline in *timelines* with its new touchpoints.

    *grouped* comes from `group_touchpoints` (checked against these
    customers and their touchpoints); *customers* gives each one's zone.
    """
    for cid, new in grouped.items():
        timelines[cid] = timelines[cid].extended(new, customers[cid].timezone)


def rezone_timelines(timelines: dict[str, Timeline], changed: Mapping[str, Customer]) -> None:
    """Give, in place, new customers an empty timeline, and re-date those whose zone changed.

    *changed* holds the new or changed customers by id (from `customers_by_id`);
    a changed customer keeps its touchpoints, re-dated in its new zone.
    """
    for cid, customer in changed.items():
        old = timelines.get(cid)
        if old is None:
            timelines[cid] = Timeline(timezone=customer.timezone)
        elif old.timezone != customer.timezone:
            timelines[cid] = Timeline.unchecked(old, customer.timezone, old.decisions)


def group_touchpoints(
    touchpoints: Iterable[Touchpoint],
    customers: Mapping[str, Customer],
    taken: AbstractSet[str] = frozenset(),
) -> dict[str, list[Touchpoint]]:
    """Return *touchpoints* grouped by customer id, checking each.

    Raises:
        InvalidValueError: for something that is not a `Touchpoint`.
        DuplicateIdError: if an id is given twice, or is one of *taken*
            (the ids already in the book).
        UnknownCustomerError: if a touchpoint names none of *customers*.

    Examples:
        >>> import datetime as dt
        >>> from lifecycle import Touchpoint
        >>> call = Touchpoint(id="t-1", customer_id="c-1", kind="inquiry", channel="phone",
        ...                   direction="inbound", at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC))
        >>> group_touchpoints([call], {"c-1": None})
        {'c-1': [Touchpoint(id='t-1', ...)]}
    """
    return _grouped(touchpoints, Touchpoint, customers, taken)


def group_decisions(
    decisions: Iterable[Decision],
    customers: Mapping[str, Customer],
    taken: AbstractSet[str] = frozenset(),
) -> dict[str, list[Decision]]:
    """Return *decisions* grouped by customer id, checking each.

    Raises:
        InvalidValueError: for something that is not a `Decision`.
        DuplicateIdError: if an id is given twice, or is one of *taken*.
        UnknownCustomerError: if a decision names none of *customers*.
    """
    return _grouped(decisions, Decision, customers, taken)


_Item = TypeVar("_Item", Touchpoint, Decision)


def _grouped(
    items: Iterable[_Item],
    cls: type[_Item],
    customers: Mapping[str, Customer],
    taken: AbstractSet[str],
) -> dict[str, list[_Item]]:
    what = cls.__name__.lower()
    seen: set[str] = set()
    grouped: dict[str, list[_Item]] = {}
    for item in items:
        if not isinstance(item, cls):
            raise InvalidValueError(f"{what}s", item, f"must be {cls.__name__} objects")
        if item.id in seen or item.id in taken:
            raise DuplicateIdError(what, item.id)
        seen.add(item.id)
        if item.customer_id not in customers:
            raise UnknownCustomerError(item.customer_id, f"named by {what} {item.id!r}")
        grouped.setdefault(item.customer_id, []).append(item)
    return grouped
