"""No module of lifecycle reaches into another's private names or private modules.

A name starting with ``_`` belongs to its module (a private module, ``_x.py``,
to its package): other modules use what it makes public. The check reads
every module of ``src/lifecycle`` with `ast`:

- ``from lifecycle.m import _name`` and ``import lifecycle.p._m`` from outside
  the module (or package) the private name belongs to;
- ``obj._name`` where ``obj`` is not ``self`` or ``cls`` and no ``_name`` is
  defined in the module itself: another module's private attribute.

The package's shared utility modules at its root are the exception: any
module may import them (their public names only).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src"

#: Private modules at the package root that any module of it may import.
SHARED = frozenset(
    {
        "_agenda_order",  # the incremental agenda's order (its tests use it too)
        "_agenda_output",
        "_attributes",  # custom attributes, of customers and touchpoints alike
        "_batches",
        "_frozendict",
        "_plural",  # counts in words ("1 action")
        "_scale",
        "_summary",
        "_validate",
        "_version",
    }
)

#: Private attributes of other modules' objects used on purpose, with why.
ALLOWED_ATTRIBUTES = frozenset(
    {
        # The standard library's documented way for a forked child to leave
        # without running the parent's exit handlers.
        "os._exit",
    }
)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _reachable(importer: str, target: str) -> bool:
    """Whether module *importer* may use the dotted name *target* of lifecycle."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if not _private(part):
            continue
        owner = ".".join(parts[:i])
        if owner == "lifecycle":
            if part not in SHARED:
                return False
        elif importer != owner and not importer.startswith(f"{owner}."):
            return False
    return True


def _defined(tree: ast.AST) -> set[str]:
    """Every name the module defines or mentions as its own (slots, attributes, names)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # __slots__ entries, setattr names
    return names


def violations(module: str, source: str, *, package: bool = False) -> Iterator[str]:
    """Each use of another module's private name in *source*, the module named *module*."""
    tree = ast.parse(source)
    here = module if package else module.rpartition(".")[0]
    defined = _defined(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                source_module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source_module = node.module or ""
            if source_module != "lifecycle" and not source_module.startswith("lifecycle."):
                continue
            for alias in node.names:
                target = f"{source_module}.{alias.name}"
                if not _reachable(module, target):
                    yield f"{module}:{node.lineno}: from {source_module} import {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lifecycle.") and not _reachable(module, alias.name):
                    yield f"{module}:{node.lineno}: import {alias.name}"
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in {"self", "cls"}:
                continue
            shown = f"{ast.unparse(owner)}.{node.attr}"
            if node.attr not in defined and shown not in ALLOWED_ATTRIBUTES:
                yield f"{module}:{node.lineno}: {shown}"


def _modules() -> Iterator[tuple[str, Path, bool]]:
    for path in sorted((SRC / "lifecycle").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        yield ".".join(parts), path, package


def test_no_module_uses_another_modules_private_names():
    """Every module of src/lifecycle keeps to the others' public names."""
    found = [
        line
        for module, path, package in _modules()
        for line in violations(module, path.read_text(encoding="utf-8"), package=package)
    ]
    assert found == []


def test_the_check_reads_every_module():
    """The walk finds the package, its subpackages and their private modules."""
    names = {module for module, _, _ in _modules()}
    assert {"lifecycle", "lifecycle.io", "lifecycle.policies._rule", "lifecycle.testing"} <= names


@pytest.mark.parametrize(
    ("module", "source", "found"),
    [
        # Another module's private name.
        (
            "lifecycle.incremental",
            "from lifecycle.book import _by_id",
            "from lifecycle.book import _by_id",
        ),
        ("lifecycle.io._stream", "from . import _rows", None),  # its own private module
        (
            "lifecycle.io._rows",
            "from ..customers import _to_attributes",
            "from lifecycle.customers import _to_attributes",
        ),
        # A package's private module, from outside the package.
        (
            "lifecycle.spark",
            "from lifecycle.io._rows import parse_customer",
            "from lifecycle.io._rows import parse_customer",
        ),
        ("lifecycle.spark", "from lifecycle.io import _rows", "from lifecycle.io import _rows"),
        ("lifecycle.spark", "import lifecycle.io._rows", "import lifecycle.io._rows"),
        (
            "lifecycle.testing._policies",
            "from lifecycle.policies._anchors import Anchor",
            "from lifecycle.policies._anchors import Anchor",
        ),
        # Inside the package, its private modules are its own; their private names are not.
        ("lifecycle.policies._toml", "from lifecycle.policies._anchors import Anchor", None),
        (
            "lifecycle.policies._toml",
            "from lifecycle.policies._anchors import _FieldAnchor",
            "from lifecycle.policies._anchors import _FieldAnchor",
        ),
        (
            "lifecycle.testing._books",
            "from lifecycle.testing._strategies import _MIN_DATE",
            "from lifecycle.testing._strategies import _MIN_DATE",
        ),
        # The shared root modules, and the version.
        ("lifecycle.cli", "from lifecycle import _scale, __version__", None),
        ("lifecycle.engine", "from lifecycle._validate import check_day", None),
        (
            "lifecycle.engine",
            "from lifecycle._validate import _known_zones",
            "from lifecycle._validate import _known_zones",
        ),
        ("lifecycle.engine", "from lifecycle import _secret", "from lifecycle import _secret"),
        # Private attributes: one's own, or another module's.
        (
            "lifecycle.engine",
            "def f(timeline):\n    return timeline._until_next(day)",
            "timeline._until_next",
        ),
        (
            "lifecycle.book",
            "class B:\n    __slots__ = ('_items',)\n    def __eq__(self, other):\n        return other._items",
            None,
        ),
        ("lifecycle.book", "def f(self):\n    return self._elsewhere", None),
        ("lifecycle._scale", "import os\nos._exit(1)", None),
        ("lifecycle.engine", "import os\nx = 1", None),
    ],
)
def test_the_check_finds_each_kind_of_reach(module: str, source: str, found: str | None):
    """Each pattern the check looks for is found, and what is allowed is not."""
    lines = [line.partition(": ")[2] for line in violations(module, source)]
    assert lines == ([] if found is None else [found])
