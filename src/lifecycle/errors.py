"""The exceptions `lifecycle` raises, all under `LifecycleError`.

Every message names the offending value and where it came from, so that a
person reading it can find and fix the input without a debugger.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

__all__ = [
    "AgendaWriteError",
    "BookFormatError",
    "BookOrderError",
    "BookWriteError",
    "DuplicateIdError",
    "InvalidValueError",
    "LifecycleError",
    "MissingDependencyError",
    "NaiveDatetimeError",
    "PolicyFileError",
    "PolicyProblem",
    "RecordError",
    "ScoreError",
    "TransitionError",
    "UnknownCustomerError",
    "UnknownKindError",
    "UnknownStageError",
]


_SHOWN = 80
_SHOWN_BITS = 400
_LOG10_2 = math.log10(2)


def shown(value: object, limit: int = _SHOWN) -> str:
    """Return the repr of *value* for a message, cut to about *limit* characters.

    Messages quote only the offending value, and only so much of it: a whole
    row (emails, phones, notes) never reaches a log through an error.

    Examples:
        >>> shown("x" * 200)[-6:], len(shown("x" * 200))
        ('xxx...', 80)
        >>> shown(10**5000)
        '<a whole number of about 5000 digits>'
    """
    if isinstance(value, int) and value.bit_length() > _SHOWN_BITS:
        # repr would refuse past sys.get_int_max_str_digits, and cost time before.
        text = f"<a whole number of about {math.floor(value.bit_length() * _LOG10_2)} digits>"
    else:
        try:
            text = repr(value)
        except (ValueError, RecursionError):  # a huge int inside, or nesting too deep
            text = f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class LifecycleError(Exception):
    """The base of every error this library raises on purpose.

    Catch it to handle any bad input in one place:

    Examples:
        >>> import lifecycle as lc
        >>> try:
        ...     lc.Kind.named("purchse")
        ... except lc.LifecycleError as e:
        ...     print(type(e).__name__)
        UnknownKindError
    """

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its message and fields, not by calling __init__ again (the
        # default), whose arguments differ from class to class: worker processes
        # send these errors back pickled.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[LifecycleError], args: tuple[object, ...]) -> LifecycleError:
    return cls.__new__(cls, *args)


class InvalidValueError(LifecycleError, ValueError):
    """A value given for a field of a model object is not allowed.

    Attributes:
        field: The field (or argument) that got the value.
        value: The offending value, as given.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}={shown(value)}: {problem}")


class NaiveDatetimeError(InvalidValueError):
    """A datetime without a time zone was given where an instant is needed."""


class UnknownKindError(InvalidValueError):
    """A touchpoint kind is neither standard nor registered by the caller."""


class UnknownStageError(InvalidValueError):
    """A stage name is not a stage of the lifecycle in use."""


class ScoreError(InvalidValueError):
    """A score is out of its kind's range, or given on a kind without scores."""


class DuplicateIdError(LifecycleError, ValueError):
    """Two customers, or two touchpoints, share an id."""

    def __init__(self, what: str, id: str) -> None:
        self.what = what
        self.id = id
        super().__init__(f"duplicate {what} id {shown(id)}")


class UnknownCustomerError(LifecycleError, LookupError):
    """A customer id names no customer of the book."""

    def __init__(self, customer_id: str, context: str = "") -> None:
        self.customer_id = customer_id
        suffix = f" ({context})" if context else ""
        super().__init__(f"no customer with id {shown(customer_id)} in the book{suffix}")

    def __str__(self) -> str:
        # LookupError subclasses would otherwise print the repr of their argument.
        return str(self.args[0])


class TransitionError(LifecycleError, ValueError):
    """A stage transition was asked for that the lifecycle does not allow.

    Attributes:
        from_stage: The stage the customer is in.
        to_stage: The stage that was asked for.
    """

    def __init__(self, from_stage: str, to_stage: str, allowed: tuple[str, ...]) -> None:
        self.from_stage = from_stage
        self.to_stage = to_stage
        options = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"cannot move from stage {from_stage!r} to stage {to_stage!r}; "
            f"allowed from {from_stage!r}: {options}"
        )


class BookFormatError(LifecycleError, ValueError):
    """A book file breaks the book format.

    Attributes:
        path: The file (or folder) the problem is in.
        line: The 1-based line the offending row starts on, if any.
        column: The column (or JSON key) holding the offending value, if any.
        value: The offending value as it stands in the file, if any.
        problem: What is wrong, in words.

    Examples:
        >>> err = BookFormatError("customers.csv", "is not a date", line=3,
        ...                       column="since", value="2026-02-30")
        >>> print(err)
        customers.csv, line 3, column 'since': '2026-02-30' is not a date
    """

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.column = column
        self.value = value
        where = [path]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {shown(column)}")
        what = f"{shown(value)} {problem}" if value is not None else problem
        super().__init__(f"{', '.join(where)}: {what}")


class BookOrderError(BookFormatError):
    """A streamed book's file is not sorted by customer id, as `stream_book` needs.

    Raised by a `StreamedBook` read with ``sorted=True`` at the first row out of
    order; read the book with ``sorted=False`` instead (slower: it sorts it).

    Examples:
        >>> err = BookOrderError("touchpoints.csv", "comes after 'C9' (line 4)",
        ...                      line=5, column="customer_id", value="C1")
        >>> isinstance(err, BookFormatError)
        True
    """


class RecordError(BookFormatError):
    """A record (a database row, a DataFrame row, a mapping) breaks the book format.

    Raised by `book_from_records`, `read_book_sql` and `book_from_frames`
    with the same problems, in the same words, as a file's cell; the message
    names the table and the record's 1-based row number instead of a file and
    line. It is a `BookFormatError`: ``path``, ``line`` and ``column`` hold the
    table, row and field too.

    Attributes:
        table: Where the record came from: ``customers``, ``touchpoints``, or a
            query's name (``customers query``).
        row: The record's 1-based number in its table, if any.
        field: The field (column) holding the offending value, if any.
        value: The offending value as a file would show it, if any.
        problem: What is wrong, in words.

    Examples:
        >>> err = RecordError("touchpoints", "must be a whole number", row=3,
        ...                   field="score", value="3.5")
        >>> print(err)
        touchpoints, row 3, field 'score': '3.5' must be a whole number
    """

    def __init__(
        self,
        table: str,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(table, problem, line=row, column=field, value=value)
        self.table = table
        self.row = row
        self.field = field
        where = [table]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {shown(field)}")
        what = f"{shown(value)} {problem}" if value is not None else problem
        self.args = (f"{', '.join(where)}: {what}",)


@attrs.frozen
class PolicyProblem:
    """One problem in a policy file.

    Attributes:
        line: The 1-based line it is on, as near as can be told (``None`` if unknown).
        key: The key path, e.g. ``policy[2].when.score.at_most`` (``None`` for the file).
        value: The offending value, if any.
        problem: What is wrong, in words.
    """

    line: int | None
    key: str | None
    value: object
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "the file"
        what = f"{self.key} = {shown(self.value)}: " if self.key and self.value is not None else ""
        key = f"{self.key}: " if self.key and self.value is None else ""
        return f"{where}: {key}{what}{self.problem}"


class PolicyFileError(LifecycleError, ValueError):
    """A policy file has problems; every one of them is listed.

    Attributes:
        path: The file.
        problems: Every problem found, in file order.

    Examples:
        >>> err = PolicyFileError("policies.toml",
        ...     [PolicyProblem(4, "policy[0].offset", "7 dayz", "is not a duration")])
        >>> print(err)
        policies.toml: 1 problem
          line 4: policy[0].offset = '7 dayz': is not a duration
    """

    def __init__(self, path: str, problems: Iterable[PolicyProblem]) -> None:
        self.path = path
        self.problems = tuple(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
        count = len(self.problems)
        heading = f"{path}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n  ".join([heading, *(str(p) for p in self.problems)]))


class BookWriteError(LifecycleError):
    """A book could not be written; the files already there are left as they were.

    Raised by `write_book` (and ``lifecycle forget``) for a full disk, a folder
    it may not write in, or a value the file cannot hold (such as a lone
    surrogate in a name, which UTF-8 cannot encode).

    Attributes:
        path: The file (or folder) that could not be written.
        problem: What went wrong, in words (the cause, without the book's data).

    Examples:
        >>> err = BookWriteError("book/touchpoints.csv", "No space left on device")
        >>> print(err)
        book/touchpoints.csv: cannot write the book: No space left on device
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: cannot write the book: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.problem))


class AgendaWriteError(LifecycleError):
    """An agenda could not be written to a file; a file already there is left as it was.

    Raised by `write_agenda` (and ``lifecycle due --output``) for a folder in
    the file's place, a folder it may not write in, a full disk, or text
    UTF-8 cannot encode.

    Attributes:
        path: The file that could not be written.
        problem: What went wrong, in words.

    Examples:
        >>> print(AgendaWriteError("out/agenda.csv", "Is a folder, not a file"))
        out/agenda.csv: cannot write the agenda: Is a folder, not a file
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: cannot write the agenda: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.problem))


class MissingDependencyError(LifecycleError, ImportError):
    """An optional integration was used without its extra installed.

    The message names the extra to install, e.g. ``pip install
    "customer-lifecycle[clv]"``. It is also an `ImportError`, so code that
    guards an optional import with ``except ImportError`` keeps working.

    Examples:
        >>> err = MissingDependencyError('lifecycle.charts needs matplotlib: '
        ...                              'pip install "customer-lifecycle[plot]"')
        >>> isinstance(err, ImportError), isinstance(err, LifecycleError)
        (True, True)
    """
