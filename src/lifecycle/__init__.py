"""lifecycle: model the customer lifecycle and work out which proactive actions are due.

Customer *service* reacts when the customer reaches out; customer *stewardship*
reaches out first. This package models customers, their touchpoints and their
lifecycle stages as immutable values, so that a team can write its stewardship
habits down and never miss one.

The top level holds the model (customers, touchpoints, timelines, books,
stages, health), the engine and its agenda, the errors, reading and writing
books, the sample book, and the most used policy building blocks. Every
building block is in `lifecycle.policies`; the stage rules are in
`lifecycle.stages`, the health score's parts in `lifecycle.health`.

Examples:
    >>> import lifecycle as lc
    >>> book = lc.sample_book()
    >>> len(book) > 100
    True
"""

from lifecycle import charts as charts  # the module: lifecycle.charts.retention_by_cohort(...)
from lifecycle import clv as clv  # the module: lifecycle.clv.BetaGeo.fit(...)
from lifecycle import health as health  # the module: lifecycle.health.recency(...)
from lifecycle import limits as limits  # the module: lifecycle.limits.MAX_DATE
from lifecycle import metrics as metrics  # the module: lifecycle.metrics.nps(...)
from lifecycle import policies as policies  # every building block: lifecycle.policies.tagged(...)
from lifecycle import stages as stages  # the stage rules: lifecycle.stages.on_touchpoint(...)
from lifecycle._agenda_output import write_agenda
from lifecycle._version import __version__
from lifecycle.agenda import Action, Agenda, HeldBack, Skipped
from lifecycle.book import Book, Timelines
from lifecycle.calendar import Calendar
from lifecycle.churn import ChurnRule, churn_after_inactivity, churn_on_cancellation
from lifecycle.customers import Customer
from lifecycle.decisions import Decision, Outcome
from lifecycle.engine import Engine, Explanation, Forecast
from lifecycle.errors import (
    AgendaWriteError,
    BookFormatError,
    BookOrderError,
    BookWriteError,
    DuplicateIdError,
    InvalidValueError,
    LifecycleError,
    MissingDependencyError,
    NaiveDatetimeError,
    PolicyFileError,
    PolicyProblem,
    RecordError,
    ScoreError,
    TransitionError,
    UnknownCustomerError,
    UnknownKindError,
    UnknownStageError,
)
from lifecycle.health import DEFAULT_HEALTH, Health, HealthModel, health_scores
from lifecycle.incremental import IncrementalAgenda
from lifecycle.io import (
    BookReport,
    StreamedBook,
    StreamedQueries,
    book_from_frames,
    book_from_records,
    read_book,
    read_book_report,
    read_book_sql,
    stream_book,
    stream_book_sql,
    write_book,
)
from lifecycle.policies import (
    days,
    every,
    first,
    fulfilled_by,
    last,
    load_policies,
    next_change,
    policy,
    policy_set,
    restrict,
    retail_pack,
    retail_pack_path,
    score,
    starter_pack,
    working_days,
)
from lifecycle.policy import Context, Policy, Status, Verdict
from lifecycle.purchases import churn_on_p_alive
from lifecycle.sample import SAMPLE_AS_OF, sample_book, sample_path, starter_pack_path
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle
from lifecycle.timeline import Timeline
from lifecycle.touchpoints import Channel, Direction, Kind, Touchpoint

__all__ = [
    "DEFAULT_HEALTH",
    "DEFAULT_LIFECYCLE",
    "SAMPLE_AS_OF",
    "Action",
    "Agenda",
    "AgendaWriteError",
    "Book",
    "BookFormatError",
    "BookOrderError",
    "BookReport",
    "BookWriteError",
    "Calendar",
    "Channel",
    "ChurnRule",
    "Context",
    "Customer",
    "Decision",
    "Direction",
    "DuplicateIdError",
    "Engine",
    "Explanation",
    "Forecast",
    "Health",
    "HealthModel",
    "HeldBack",
    "IncrementalAgenda",
    "InvalidValueError",
    "Kind",
    "Lifecycle",
    "LifecycleError",
    "MissingDependencyError",
    "NaiveDatetimeError",
    "Outcome",
    "Policy",
    "PolicyFileError",
    "PolicyProblem",
    "RecordError",
    "ScoreError",
    "Skipped",
    "Status",
    "StreamedBook",
    "StreamedQueries",
    "Timeline",
    "Timelines",
    "Touchpoint",
    "TransitionError",
    "UnknownCustomerError",
    "UnknownKindError",
    "UnknownStageError",
    "Verdict",
    "__version__",
    "book_from_frames",
    "book_from_records",
    "churn_after_inactivity",
    "churn_on_cancellation",
    "churn_on_p_alive",
    "days",
    "every",
    "first",
    "fulfilled_by",
    "health_scores",
    "last",
    "load_policies",
    "next_change",
    "policy",
    "policy_set",
    "read_book",
    "read_book_report",
    "read_book_sql",
    "restrict",
    "retail_pack",
    "retail_pack_path",
    "sample_book",
    "sample_path",
    "score",
    "starter_pack",
    "starter_pack_path",
    "stream_book",
    "stream_book_sql",
    "working_days",
    "write_agenda",
    "write_book",
]
