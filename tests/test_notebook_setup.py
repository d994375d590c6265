"""The chapter set-up: profile and seed in the banner, the seed from $GANS_EDU_SEED, bad values named;
the jupyter lab command the introduction tells readers to run."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gans_edu import notebook


def test_seed_defaults_to_zero_and_follows_the_variable(monkeypatch, capsys):
    monkeypatch.delenv(notebook.SEED_VAR, raising=False)
    assert notebook.setup("chapter").seed == 0
    monkeypatch.setenv(notebook.SEED_VAR, "2")
    s = notebook.setup("chapter")
    assert s.seed == 2 and "seed: 2" in capsys.readouterr().out
    assert notebook.setup("chapter", seed=5).seed == 5  # an explicit seed wins


def test_bad_seed_is_named(monkeypatch):
    monkeypatch.setenv(notebook.SEED_VAR, "one")
    with pytest.raises(ValueError, match="GANS_EDU_SEED must be an integer"):
        notebook.setup("chapter")


def test_jupyter_lab_command_exists():
    """The introduction tells readers to run `.venv/bin/jupyter lab book/`: the dev extras must provide it."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed here (it comes with: pip install -e '.[dev]')")
    bindir = Path(sys.executable).parent
    assert (bindir / "jupyter-lab").is_file(), f"no jupyter-lab beside {sys.executable}"
    done = subprocess.run([str(bindir / "jupyter"), "lab", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and re.match(r"\d+\.", done.stdout), done.stderr
