"""The chapter set-up: profile and seed in the banner, the seed from $GANS_EDU_SEED, bad values named."""

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
