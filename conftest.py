"""Collection rules for the whole tree (tests and the doctests in src)."""

from __future__ import annotations

import importlib.util

# lifecycle.spark imports PySpark, which only the spark extra installs: without
# it, its doctests are not collected (tests/test_spark.py skips itself).
collect_ignore = [] if importlib.util.find_spec("pyspark") else ["src/lifecycle/spark.py"]
# lifecycle.clv's examples fit models with SciPy, which only the clv extra installs.
if not importlib.util.find_spec("scipy"):
    collect_ignore.append("src/lifecycle/clv.py")
