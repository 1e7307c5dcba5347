"""Hypothesis plugin: registers `lifecycle` types and settings profiles when Hypothesis loads.

Hypothesis calls `_hypothesis_setup_hook` through the ``hypothesis`` entry point
declared in ``pyproject.toml``, once the package is installed; importing
`lifecycle` itself never imports Hypothesis.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any


def _strategy(name: str, kind: type) -> Any:
    """The default strategy of `lifecycle.testing` called *name*, giving only *kind*.

    (`policies` gives playbooks too: ``from_type(RulePolicy)`` keeps the rules.)
    """
    made = getattr(importlib.import_module("lifecycle.testing"), name)()
    return made.filter(lambda value: isinstance(value, kind))


def _hypothesis_setup_hook() -> None:
    """Register a strategy for each `lifecycle` type, and the recommended profiles."""
    from hypothesis import HealthCheck, settings  # noqa: PLC0415 - only when Hypothesis loads
    from hypothesis import strategies as st  # noqa: PLC0415
    from hypothesis.errors import InvalidArgument  # noqa: PLC0415

    import lifecycle  # noqa: PLC0415
    from lifecycle.policies import Playbook, RulePolicy  # noqa: PLC0415

    # Strategies are looked up when a test asks for the type, not now: this hook
    # runs while Hypothesis is being imported, possibly by lifecycle.testing itself.
    strategies: dict[type, str] = {
        lifecycle.Customer: "customers",
        lifecycle.Touchpoint: "touchpoints",
        lifecycle.Timeline: "timelines",
        lifecycle.Book: "books",
        lifecycle.Kind: "kinds",
        RulePolicy: "policies",
        Playbook: "playbooks",
    }
    for kind, name in strategies.items():
        st.register_type_strategy(kind, functools.partial(_strategy, name))

    for name, profile in PROFILES.items():
        try:
            settings.get_profile(name)
        except InvalidArgument:  # not registered yet
            settings.register_profile(name, suppress_health_check=[HealthCheck.too_slow], **profile)


#: The recommended settings profiles, registered by name unless Hypothesis (or
#: your conftest, loaded later) already has one of that name: ``ci`` gives a
#: fixed, repeatable budget; ``dev`` a quick local run; ``thorough`` a long hunt.
PROFILES: dict[str, dict[str, Any]] = {
    "ci": {"max_examples": 100, "deadline": None, "derandomize": True, "database": None},
    "dev": {"max_examples": 100, "deadline": None},
    "thorough": {"max_examples": 2000, "deadline": None},
}
