"""Every notebook's first code cell installs the book's library on Colab, live and pinned, and nothing elsewhere.

Read from the ``.ipynb`` files themselves (what Colab opens), not from their jupytext twins: in a
twin the ``%pip`` line is always commented, so only the notebook shows whether it runs. The URL and
the ref come from pyproject.toml (``[project.urls] Repository``, ``[tool.gans-edu] install-ref``);
``tools/sync_repo_url.py`` writes them into the notebooks.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import types
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from sync_repo_url import install_spec, settings  # noqa: E402

PYPROJECT = (ROOT / "pyproject.toml").read_text()
URL, REF = settings(PYPROJECT)
SPEC = install_spec(URL, REF)
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def first_code_cell(path: Path) -> dict:
    cells = json.loads(path.read_text())["cells"]
    return next(c for c in cells if c["cell_type"] == "code")


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


class Kernel:
    """Stands in for get_ipython(): records the magics a cell runs."""

    def __init__(self):
        self.magics: list[tuple[str, str]] = []

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1):
        self.magics.append((name, line))

    def system(self, command: str):
        self.magics.append(("!", command))

    getoutput = system


def run_cell(code: str, on_colab: bool) -> list[tuple[str, str]]:
    """Run a cell as IPython would (magics transformed), on Colab or not; the magics it ran."""
    kernel = Kernel()
    python = TransformerManager().transform_cell(code)
    saved = sys.modules.get("google.colab")
    if on_colab:
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    else:
        sys.modules.pop("google.colab", None)
    try:
        exec(compile(python, "<setup cell>", "exec"), {"get_ipython": lambda: kernel, "__name__": "__main__"})
    finally:
        if saved is not None:
            sys.modules["google.colab"] = saved
        else:
            sys.modules.pop("google.colab", None)
    return kernel.magics


def test_ref_is_a_tag_or_a_commit():
    assert re.fullmatch(r"v\d+\.\d+\.\d+(\S*)|[0-9a-f]{40}", REF), \
        f"install-ref {REF!r} in pyproject.toml: use a release tag (v0.2.0) or a full commit hash, not a branch"


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_the_pinned_ref_on_colab(path):
    code = source(first_code_cell(path))
    lines = [line.strip() for line in code.splitlines()]
    assert any(SPEC in line for line in lines), f"{path.name}: the first code cell does not install {SPEC!r}"
    assert not any(line.startswith("#") and "pip install" in line for line in lines), \
        f"{path.name}: the install line is commented out, so Colab skips it (re-sync: jupytext --sync book/{path.stem}.py)"
    ran = run_cell(code, on_colab=True)
    pips = [shlex.split(line) for name, line in ran if name == "pip"]
    assert pips, f"{path.name}: on Colab the cell runs no %pip (found {ran})"
    assert any(words[0] == "install" and SPEC in words for words in pips), f"{path.name}: %pip ran {pips}, not {SPEC!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_does_nothing_elsewhere(path):
    assert run_cell(source(first_code_cell(path)), on_colab=False) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_is_left_out_of_the_book(path):
    tags = first_code_cell(path).get("metadata", {}).get("tags", [])
    assert "remove-cell" in tags, f"{path.name}: the set-up cell lacks the remove-cell tag (# %% tags=[\"remove-cell\"])"


def test_the_check_catches_a_commented_or_unpinned_install():
    live = 'import sys\nif "google.colab" in sys.modules:\n    %pip install -q "{}"\n    pass\n'
    assert run_cell(live.format(SPEC), on_colab=True) == [("pip", f'install -q "{SPEC}"')]
    assert run_cell(live.format(SPEC).replace("%pip", "# %pip"), on_colab=True) == []
    unpinned = run_cell(live.format(f"gans-edu @ git+{URL}"), on_colab=True)
    assert SPEC not in shlex.split(unpinned[0][1])


def test_release_version_agrees():
    version = re.search(r'^version = "(.+)"$', PYPROJECT, re.M).group(1)
    init = (ROOT / "gans_edu" / "__init__.py").read_text()
    assert f'__version__ = "{version}"' in init
    assert re.search(rf"^version: ['\"]?{re.escape(version)}['\"]?$", (ROOT / "CITATION.cff").read_text(), re.M)
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()
