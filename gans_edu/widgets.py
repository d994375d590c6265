"""Interactive explorers (ipywidgets) with a static fallback for the built book.

A widget needs a live kernel; the static HTML book has none. So each explorer
here shows the widget *and*, with ``static=True`` (the default), a static
figure of what the slider would show, so a reader of the built book still
sees the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from IPython.display import display

from gans_edu import viz


def slider(
    values: Sequence,
    render: Callable[[object], object],
    description: str = "value",
    labels: Sequence[str] | None = None,
):
    """A slider over ``values``; ``render(value)`` returns a figure (or anything displayable)."""
    import ipywidgets as widgets

    labels = list(labels) if labels is not None else [str(v) for v in values]
    out = widgets.Output()
    control = widgets.SelectionSlider(options=list(zip(labels, range(len(values)))), description=description,
                                      continuous_update=False)

    def update(change: dict | None = None) -> None:
        out.clear_output(wait=True)
        with out:
            fig = render(values[control.value])
            if isinstance(fig, plt.Figure):
                display(fig)
                plt.close(fig)
            else:
                display(fig)

    control.observe(update, names="value")
    update()
    return widgets.VBox([control, out])


def snapshot_explorer(
    snapshots: Sequence[tuple[int, object]],
    draw: Callable[[plt.Axes, object], None] | None = None,
    static: bool = True,
):
    """A slider over training snapshots; with ``static``, also a strip of snapshots for the static book."""

    def render(item: tuple[int, object]):
        return viz.snapshot_strip([item], count=1, draw=draw, size=4)

    w = slider(list(snapshots), render, description="step", labels=[str(s) for s, _ in snapshots])
    display(w)
    if static:
        fig = viz.snapshot_strip(snapshots, draw=draw)
        display(fig)
        plt.close(fig)
    return w
