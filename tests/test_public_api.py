"""The public surface: exactly what __all__ says, all documented, Hypothesis kept out."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import lifecycle as lc
import lifecycle.testing as lct


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


def test_every_public_name_has_a_docstring():
    """Docstrings on every public class and function, and their public methods."""
    missing = []
    for module in (lc, lct):
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
    assert len(errors) == 13
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
