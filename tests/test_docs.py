"""The examples in the docs and the README run, so they cannot rot."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
#: Files a page's examples read from the working directory, as its reader has them.
PAGE_FILES = {"real-data.md": [ROOT / "tests" / "data" / "cdnow_sample.csv"]}
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[str]:
    # A block that only includes a source file (a snippet) is shown, not run:
    # the source file is tested on its own.
    blocks = FENCE.findall(page.read_text(encoding="utf-8"))
    return [b for b in blocks if not b.startswith("--8<--")]


def test_the_docs_have_examples():
    """Guard against the fence pattern silently matching nothing."""
    assert sum(len(python_blocks(p)) for p in PAGES) >= 15


@pytest.fixture
def hypothesis_defaults():
    """Hypothesis' own default settings, as in a project with no profile of its own.

    The suite's profile (tests/conftest.py) has no deadline; an example that
    needs one off would fail once pasted into a project. Only the example
    database is off, so that the docs leave nothing behind.
    """
    suite = settings.default
    settings.register_profile("docs-suite", suite)
    settings.register_profile("docs-default", settings.get_profile("default"), database=None)
    settings.load_profile("docs-default")
    yield settings.default
    settings.load_profile("docs-suite")


def test_the_docs_run_under_hypothesis_defaults(hypothesis_defaults: settings):
    """Not under the suite's profile: the default deadline and health checks apply."""
    default = settings.get_profile("default")
    assert hypothesis_defaults.deadline == default.deadline is not None
    assert hypothesis_defaults.suppress_health_check == default.suppress_health_check
    assert hypothesis_defaults.max_examples == default.max_examples


@pytest.mark.usefixtures("hypothesis_defaults")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """Each page's python blocks run in order, sharing one namespace, like a reader would."""
    monkeypatch.chdir(tmp_path)
    for source in PAGE_FILES.get(page.name, []):
        shutil.copy(source, tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(python_blocks(page)):
        code = compile(block, f"{page.name}[block {i}]", "exec")
        capsys.readouterr()
        exec(code, namespace)
        shown = printed_output(block)
        if shown is not None:
            printed = capsys.readouterr().out.splitlines()
            assert len(printed) == len(shown), f"{page.name}[block {i}]: {printed}"
            for got, expected in zip(printed, shown, strict=True):
                # A shown line ending in "..." stands for a longer one.
                cut = expected.removesuffix("...")
                assert got.startswith(cut) if cut != expected else got == expected, (
                    f"{page.name}[block {i}]: {got!r} is not {expected!r}"
                )


def printed_output(block: str) -> list[str] | None:
    """What a block shows it prints: its closing comment lines, if it ends with some.

    A page shows a block's output as comment lines after its last line of
    code (or on each print's line); the test holds the page to them, so no
    figure in the docs can rot. A line ending in "..." is cut short.
    """
    lines = block.rstrip("\n").splitlines()
    shown: list[str] = []
    while lines and lines[-1].startswith("#"):
        shown.insert(0, lines.pop().removeprefix("#").removeprefix(" "))
    if shown and lines and "print(" in block:
        return shown
    # Or each top-level print says what it prints in a comment on its line.
    prints = [line for line in lines if line.startswith("print(")]
    inline = [INLINE.match(line) for line in prints]
    if prints and all(inline) and len(prints) == block.count("print("):
        return [m.group(1) for m in inline if m is not None]
    return None


INLINE = re.compile(r"^print\(.*\)\s+# (.*)$")
