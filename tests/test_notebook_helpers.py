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


def test_figures_fit_the_book_column():
    """setup() draws figures for the book's column: 72 dpi, 12-pt text; fit_width caps wide layouts."""
    import matplotlib.pyplot as plt

    from gans_edu import viz

    nb.setup("figure style")
    assert plt.rcParams["figure.dpi"] == viz.FIGURE_DPI and plt.rcParams["font.size"] == viz.FONT_SIZE
    assert viz.MAX_FIGURE_WIDTH * viz.FIGURE_DPI <= 690  # the column's width in CSS px at a 1280-px window
    assert viz.fit_width(19.0, 4.0) == (viz.MAX_FIGURE_WIDTH, 2.0)
    assert viz.fit_width(6.0, 3.0) == (6.0, 3.0)
    fig, panels = viz.panel_grid(7)  # rows of four: two rows, the eighth panel hidden
    assert len(panels) == 7 and len(fig.axes) == 8 and not fig.axes[7].axison
    assert tuple(fig.get_size_inches()) == (viz.MAX_FIGURE_WIDTH, 2 * 2.7)
    plt.close(fig)


def test_figures_are_sent_at_twice_the_resolution_in_ipython():
    """In a notebook the inline backend sends 'retina' PNGs: two pixels per CSS pixel, width set to the drawn size."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell
    from PIL import Image

    from gans_edu import viz

    shell = InteractiveShell.instance()
    try:
        viz.figure_style()
        formatter = shell.display_formatter.formatters["image/png"]
        fig, _ = plt.subplots(figsize=(4, 2))
        assert formatter.lookup(fig) is not None, "no PNG formatter registered for figures"
        data, meta = formatter(fig)
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()
    png = data if isinstance(data, bytes) else base64.b64decode(data)
    pixels = Image.open(io.BytesIO(png)).width
    assert abs(meta["width"] - 4 * viz.FIGURE_DPI) < 0.1 * 4 * viz.FIGURE_DPI  # shown at the drawn size ('tight' trims)
    assert abs(pixels - 2 * meta["width"]) <= 1  # two pixels per CSS pixel
