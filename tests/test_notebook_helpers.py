"""The helpers chapters call: show_source (the code beside the objective) and checked (an assert cell's line)."""

import pytest

from gans_edu import notebook as nb


def _documented(x):
    """A docstring the chapter's prose replaces."""
    return x + 1  # the line a reader should see


def test_show_source_shows_the_code_without_the_docstring():
    code = nb.show_source(_documented)
    assert "return x + 1  # the line a reader should see" in code.data
    assert "A docstring" not in code.data
    assert code.data.startswith("# tests.test_notebook_helpers._documented") or "_documented" in code.data.splitlines()[0]
    assert "A docstring" in nb.show_source(_documented, skip_docstring=False).data


def test_show_source_of_a_method_and_bad_input():
    from gans_edu.models.gan import GAN

    code = nb.show_source(GAN.train_step)
    assert code.data.splitlines()[1].startswith("def train_step(")  # dedented: a method reads as a function
    with pytest.raises(TypeError, match="function, method or class"):
        nb.show_source(42)


def test_checked_prints_one_line(capsys):
    nb.checked("ten classes", "precision above 0.6")
    assert capsys.readouterr().out == "checked: ten classes; precision above 0.6\n"
    with pytest.raises(ValueError):
        nb.checked()
