"""Every chapter notebook: committed without outputs, in sync with its jupytext twin, with the Colab set-up."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
# The repository URL lives in one place, pyproject.toml; tools/sync_repo_url.py copies it into the
# notebooks and _config.yml, and these tests fail when a copy is stale.
REPO_URL = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def test_book_config_uses_the_repository_url():
    assert f"url: {REPO_URL}" in (ROOT / "_config.yml").read_text()


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: a code cell has outputs (run: make sync-notebooks after clearing)"
            assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_paired_twin_is_in_sync(path):
    twin = path.with_suffix(".py")
    assert twin.is_file(), f"{path.name} has no jupytext twin {twin.name}"
    a, b = jupytext.read(path), jupytext.read(twin)
    cells_a = [(c.cell_type, c.source.strip()) for c in a.cells]
    cells_b = [(c.cell_type, c.source.strip()) for c in b.cells]
    assert cells_a == cells_b, f"{path.name} and {twin.name} differ: run 'make sync-notebooks'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_badge_and_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    slug = REPO_URL.removeprefix("https://github.com/")
    assert f"https://colab.research.google.com/github/{slug}/blob/main/book/{path.name}" in first_md.source
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "google.colab" in first_code.source and f"git+{REPO_URL}" in first_code.source
