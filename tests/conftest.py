"""Test configuration: Hypothesis profiles with a fixed budget for CI."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI runs a fixed, derandomized budget so a run's length does not vary (smaller
# than the plugin's "ci" profile, to keep this suite quick); local runs use the
# plugin's "dev" and "thorough" profiles (lifecycle.testing._plugin), which
# explore more and keep the example database.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
