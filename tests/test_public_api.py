"""The public surface: exactly what __all__ says, all documented, Hypothesis kept out.

The top level holds the model, the engine, the errors, the io entry points, the
sample helpers and the most used building blocks; every building block is in
`lifecycle.policies`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import lifecycle as lc
import lifecycle.policies as lp
import lifecycle.testing as lct

MODEL = {
    "Customer", "Touchpoint", "Kind", "Channel", "Direction", "Timeline", "Timelines", "Book",
    "Lifecycle", "DEFAULT_LIFECYCLE", "Health", "HealthModel", "DEFAULT_HEALTH", "health_scores",
    "Policy", "Context", "Verdict", "Status", "Decision", "Outcome", "Calendar",
    "ChurnRule", "churn_after_inactivity", "churn_on_cancellation", "churn_on_p_alive",
}  # fmt: skip
ENGINE = {
    "Engine", "Agenda", "Action", "HeldBack", "Skipped", "Explanation", "Forecast",
    "IncrementalAgenda",
}  # fmt: skip
IO = {
    "read_book", "write_book", "stream_book", "read_book_report", "BookReport", "StreamedBook",
    "book_from_records", "read_book_sql", "stream_book_sql", "StreamedQueries", "book_from_frames",
    "write_agenda",
}  # fmt: skip
SAMPLE = {"sample_book", "sample_path", "starter_pack_path", "SAMPLE_AS_OF"}
MOST_USED_BLOCKS = {
    "policy", "policy_set", "restrict", "starter_pack", "retail_pack", "retail_pack_path", "load_policies", "next_change",
    "first", "last", "days", "every", "score", "fulfilled_by", "working_days",
}  # fmt: skip
#: Bounds the policies package checks against, kept beside the code that checks them.
INTERNAL_BOUNDS = {"MAX_SPAN", "RULE_HORIZON", "MAX_DEPTH"}


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } - {"annotations"}


def test_all_is_exactly_the_public_surface():
    """Every public top-level name is in __all__, and __all__ names only real things."""
    assert set(lc.__all__) - {"__version__"} == public_names(lc)
    assert len(set(lc.__all__)) == len(lc.__all__)  # ruff (RUF022) keeps it sorted
    assert set(lct.__all__) == public_names(lct)
    assert set(lp.__all__) == public_names(lp)
    assert len(set(lp.__all__)) == len(lp.__all__)


def test_the_top_level_is_the_model_engine_errors_io_and_the_most_used_blocks():
    """Nothing joins or leaves the top level by accident."""
    errors = {n for n in lc.__all__ if n.endswith("Error")} | {"PolicyProblem"}
    expected = MODEL | ENGINE | IO | SAMPLE | MOST_USED_BLOCKS | errors | {"__version__"}
    assert set(lc.__all__) == expected


def test_every_top_level_block_is_the_one_in_lifecycle_policies():
    """`lc.policy` is `lifecycle.policies.policy`: one object, two addresses."""
    for name in MOST_USED_BLOCKS | {"Policy", "Context", "Verdict", "Status"}:
        assert getattr(lc, name) is getattr(lp, name), name


def test_every_building_block_lives_in_lifecycle_policies():
    """What each module of the policies package exports, the package exports."""
    exported = set(lp.__all__)
    for info in pkgutil.iter_modules(lp.__path__, prefix="lifecycle.policies."):
        module = importlib.import_module(info.name)
        assert set(module.__all__) - INTERNAL_BOUNDS <= exported, info.name
    # The policy contract is there too, for a policy class of your own.
    assert {"Policy", "Verdict", "Status", "Context", "Anchored"} <= exported


def test_no_name_is_a_bare_since():
    """The since family says what each is: an anchor, a window start, where it starts."""
    for module in (lc, lp):
        assert not [n for n in module.__all__ if n.lower().startswith("since")]
    assert lp.customer_since().description == "since"
    assert lp.from_anchor() == lp.WindowStart("anchor", inclusive=False)
    assert lp.from_anchor_date(days=-365) == lp.WindowStart("anchor_date", days=-365)
    assert lp.from_due(days=-7) == lp.WindowStart("due", days=-7)


def test_every_public_name_has_a_docstring():
    """Docstrings on every public class and function, and their public methods."""
    missing = []
    for module in (lc, lp, lct):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and not (value.__doc__ or "").strip():
                missing.append(name)
            if isinstance(value, type):
                for attr, member in vars(value).items():
                    if (
                        not attr.startswith("_")
                        and callable(member)
                        and not (member.__doc__ or "").strip()
                    ):
                        missing.append(f"{name}.{attr}")
    assert missing == []


def test_importing_lifecycle_does_not_import_hypothesis():
    """Hypothesis is only needed for lifecycle.testing."""
    code = "import sys, lifecycle; lifecycle.sample_book(); print('hypothesis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_errors_share_one_base():
    """Every exception class is a LifecycleError."""
    errors = [getattr(lc, n) for n in lc.__all__ if n.endswith("Error")]
    assert len(errors) == 16
    assert all(issubclass(e, lc.LifecycleError) for e in errors)


def test_load_policies_shows_a_short_signature():
    """help(lc.load_policies) does not print the whole default lifecycle as a default value."""
    shown = str(inspect.signature(lc.load_policies))
    assert len(shown) < 200, shown
    assert "lifecycle: 'Lifecycle | None' = None" in shown


def test_load_policies_uses_the_default_lifecycle_unless_given_one(tmp_path: Path):
    """None (the default) means DEFAULT_LIFECYCLE; a lifecycle given names its own stages."""
    file = tmp_path / "team.toml"
    file.write_text(
        '[[policy]]\nname = "client_call"\npriority = 2\nanchor = { last = "purchase" }\n'
        'when = { stage = "client" }\n',
        encoding="utf-8",
    )
    stages = lc.Lifecycle(
        stages=("lead", "client"), initial="lead", transitions={"lead": ["client"]}
    )
    (made,) = lc.load_policies(file, lifecycle=stages)
    assert made.name == "client_call"
    with pytest.raises(lc.PolicyFileError, match="is not a stage.*prospect"):
        lc.load_policies(file)
