"""lifecycle: model the customer lifecycle and work out which proactive actions are due.

Customer *service* reacts when the customer reaches out; customer *stewardship*
reaches out first. This package models customers, their touchpoints and their
lifecycle stages as immutable values, so that a team can write its stewardship
habits down and never miss one.

Examples:
    >>> import lifecycle as lc
    >>> book = lc.sample_book()
    >>> len(book) > 100
    True
"""

from lifecycle._version import __version__
from lifecycle.book import Book
from lifecycle.customers import Customer
from lifecycle.errors import (
    BookFormatError,
    DuplicateIdError,
    InvalidValueError,
    LifecycleError,
    NaiveDatetimeError,
    ScoreError,
    TransitionError,
    UnknownCustomerError,
    UnknownKindError,
    UnknownStageError,
)
from lifecycle.io import BookReport, read_book, read_book_report, write_book
from lifecycle.sample import SAMPLE_AS_OF, sample_book, sample_path
from lifecycle.stages import (
    DEFAULT_LIFECYCLE,
    Anomaly,
    ClockRule,
    Lifecycle,
    StageHistory,
    TouchpointRule,
    Transition,
    after_silence,
    before_contract_end,
    on_touchpoint,
)
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

__all__ = [
    "DEFAULT_LIFECYCLE",
    "SAMPLE_AS_OF",
    "Anomaly",
    "Book",
    "BookFormatError",
    "BookReport",
    "Channel",
    "ClockRule",
    "Customer",
    "Direction",
    "DuplicateIdError",
    "InvalidValueError",
    "Kind",
    "Lifecycle",
    "LifecycleError",
    "NaiveDatetimeError",
    "ScoreError",
    "StageHistory",
    "Timeline",
    "Touchpoint",
    "TouchpointRule",
    "Transition",
    "TransitionError",
    "UnknownCustomerError",
    "UnknownKindError",
    "UnknownStageError",
    "__version__",
    "after_silence",
    "before_contract_end",
    "on_touchpoint",
    "read_book",
    "read_book_report",
    "sample_book",
    "sample_path",
    "write_book",
]
