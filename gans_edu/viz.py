"""Pictures: image grids, loss curves, 2-D samples over D's heat map, timelapses.

Every function returns a matplotlib ``Figure`` (or an ``HTML`` animation) so a
notebook shows it and a script can save it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import IO

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import animation
from matplotlib.figure import Figure

# How figures read in the built book and in a notebook. The book's text column is about 690 CSS px wide at a
# 1280-px window; a figure drawn FIGURE_DPI dots per inch and at most MAX_FIGURE_WIDTH inches wide shows at
# its natural size there (684 px), so a 12-point label is 12 px on every figure instead of shrinking with the
# figure's width. Images are sent at twice that resolution ("retina"), so they stay sharp on dense screens.
FIGURE_DPI = 72
MAX_FIGURE_WIDTH = 9.5  # inches
FONT_SIZE = 12  # points = CSS px at FIGURE_DPI
ANIMATION_DPI = 90  # timelapse players show their frames pixel for pixel: 4 in -> 360 px


def figure_style() -> None:
    """Plot defaults for the book's figures (``notebook.setup`` calls it): size, fonts, sharp inline images."""
    plt.rcParams.update({"figure.dpi": FIGURE_DPI, "font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE,
                         "axes.spines.top": False, "axes.spines.right": False})
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing is shown inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def fit_width(width: float, height: float) -> tuple[float, float]:
    """``(width, height)`` scaled down, aspect kept, to at most ``MAX_FIGURE_WIDTH`` inches wide."""
    scale = min(1.0, MAX_FIGURE_WIDTH / width)
    return width * scale, height * scale


def panel_grid(n: int, per_row: int = 4, panel_height: float = 2.7, **subplots) -> tuple[Figure, list[plt.Axes]]:
    """``n`` panels in rows of ``per_row`` across the column's width (spare panels hidden): a wide comparison
    wraps onto more rows instead of shrinking. Returns the figure and the ``n`` panels in reading order."""
    rows = -(-n // per_row)
    fig, axes = plt.subplots(rows, per_row, figsize=(MAX_FIGURE_WIDTH, panel_height * rows), squeeze=False,
                             **subplots)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, list(axes.flat[:n])


def to_grid(images: torch.Tensor, nrow: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile ``(N, C, H, W)`` images in [-1, 1] into one ``(H', W')`` or ``(H', W', 3)`` array in [0, 1]."""
    if images.dim() != 4:
        raise ValueError(f"expected images of shape (N, C, H, W), got {tuple(images.shape)}")
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).numpy()
    n, c, h, w = x.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    ncol = int(np.ceil(n / nrow))
    grid = np.ones((c, ncol * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, nrow)
        grid[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + col * (w + pad) : pad + col * (w + pad) + w] = x[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def show_images(
    images: torch.Tensor, nrow: int | None = None, title: str | None = None, ax: plt.Axes | None = None,
    size: float = 4.0,
) -> Figure:
    """Show a grid of images."""
    fig, ax = _fig_ax(ax, size)
    ax.imshow(to_grid(images, nrow), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def compare_samples(models: dict, n: int = 64, seed: int = 1, nrow: int = 8, size: float = 5.0) -> Figure:
    """Samples of several models side by side, one panel per ``{title: model}``, each from the same seeded noise
    stream (a live run beside its reference, say)."""
    fig, axes = plt.subplots(1, len(models), figsize=fit_width(size * len(models), size), squeeze=False)
    for ax, (title, model) in zip(axes[0], models.items()):
        show_images(model.sample(n, generator=torch.Generator().manual_seed(seed)), nrow=nrow, ax=ax, title=title)
    return fig


def training_panel(model, run, title: str | None = None, d_title: str = "D's mean output", seed: int = 1) -> Figure:
    """The figure that follows a training run: 64 samples, the two losses, and D's mean output on real and
    generated batches (``d_real``/``d_fake`` of the run's history), side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(MAX_FIGURE_WIDTH, 3.4), layout="constrained")
    title = textwrap.fill(title or f"samples after {run.steps:,} steps", 24)  # a third of the width
    show_images(model.sample(64, generator=torch.Generator().manual_seed(seed)), nrow=8, ax=axes[0], title=title)
    plot_losses(run.history, ["d_loss", "g_loss"], title="losses", ax=axes[1])
    plot_losses(run.history, ["d_real", "d_fake"], title=d_title, ax=axes[2])
    return fig


def save_images(images: torch.Tensor, path: str | IO[bytes], nrow: int | None = None, title: str | None = None) -> None:
    """Write a grid of images (or 2-D points, as a scatter plot) to a PNG file (a path or a binary file object),
    captioned with ``title`` if given."""
    if images.dim() == 2:
        fig = plot_points(images, title=title)
    else:
        fig = show_images(images, nrow, title=title)
    if title:
        fig.axes[0].title.set_fontsize(8)  # a caption, kept on one line (the tight bounding box makes room)
    fig.savefig(path, bbox_inches="tight", dpi=100, format="png")
    plt.close(fig)


def plot_losses(
    history: Sequence[dict[str, float]], keys: Sequence[str] | None = None, title: str = "losses",
    ax: plt.Axes | None = None,
) -> Figure:
    """Plot history columns against the step (every column but ``step`` and ``seconds`` by default)."""
    fig, ax = _fig_ax(ax, (6, 3.5))
    keys = keys or [k for k in history[0] if k not in ("step", "seconds")]
    for k in keys:
        rows = [r for r in history if k in r]
        ax.plot([r["step"] for r in rows], [r[k] for r in rows], label=k)
    ax.set_xlabel("generator step")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig


def plot_points(
    samples: torch.Tensor,
    real: torch.Tensor | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    lim: float = 2.0,
    heat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    heat_label: str = "D(x)",
    colorbar: bool = True,
) -> Figure:
    """Scatter 2-D samples (orange) over real points (grey) and, optionally, a heat map ``(xs, ys, values)``."""
    fig, ax = _fig_ax(ax, 4.0)
    if heat is not None:
        xs, ys, v = heat
        mesh = ax.contourf(xs, ys, v, levels=20, cmap="viridis", alpha=0.85)
        if colorbar:
            fig.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label=heat_label)
    if real is not None:
        r = real.detach().cpu().numpy()
        ax.scatter(r[:, 0], r[:, 1], s=2, c="0.6", alpha=0.5, label="real")
    s = samples.detach().cpu().numpy()
    ax.scatter(s[:, 0], s[:, 1], s=2, c="tab:orange", alpha=0.7, label="generated")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return fig


@torch.no_grad()
def heat_map(fn: Callable[[torch.Tensor], torch.Tensor], lim: float = 2.0, n: int = 100, device: str | torch.device = "cpu"):
    """Evaluate ``fn`` (points ``(M, 2)`` -> values ``(M,)``) on an ``n x n`` grid; returns ``(xs, ys, values)``."""
    lin = torch.linspace(-lim, lim, n)
    xx, yy = torch.meshgrid(lin, lin, indexing="xy")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1).to(device)  # (n*n, 2)
    v = fn(pts).float().cpu().reshape(n, n)
    return xx.numpy(), yy.numpy(), v.numpy()


def toy_snapshot(
    model,
    n: int = 1000,
    score: Callable[[torch.Tensor], torch.Tensor] | None = None,
    lim: float = 2.0,
    grid: int = 60,
) -> dict[str, torch.Tensor]:
    """A training snapshot on a 2-D toy: ``n`` samples from fixed noise and D's heat map on a grid.

    ``score`` maps points to the value drawn (default ``sigmoid(model.D(p))``, a probability;
    pass ``model.D`` for a critic's raw value). Use as ``fit(..., snapshot_fn=toy_snapshot)``
    and draw a frame with :func:`draw_toy_frame`.
    """
    samples = model.sample(n, generator=torch.Generator().manual_seed(0))
    fn = score or (lambda p: torch.sigmoid(model.D(p)))
    with model.eval_mode():
        _, _, heat = heat_map(fn, lim=lim, n=grid, device=model.device)
    return {"samples": samples, "heat": torch.from_numpy(heat)}


def draw_toy_frame(ax: plt.Axes, frame: dict, real: torch.Tensor | None = None, colorbar: bool = False,
                   lim: float = 2.0, heat_label: str = "D(x)") -> Figure:
    """Draw one :func:`toy_snapshot` frame: samples over the heat map (the grid size is read from the frame)."""
    grid = frame["heat"].shape[0]
    xs, ys = np.meshgrid(np.linspace(-lim, lim, grid), np.linspace(-lim, lim, grid))
    return plot_points(frame["samples"], real=real, heat=(xs, ys, frame["heat"].numpy()), ax=ax, colorbar=colorbar,
                       lim=lim, heat_label=heat_label)


def density_frame(model, n: int = 20000, lim: float = 2.0, grid: int = 60, seed: int = 0) -> dict:
    """A :func:`draw_toy_frame` frame from a generator alone: 1,000 of ``n`` samples over a log-scale histogram
    of all ``n`` (where G puts its mass), for reference runs that ship no discriminator."""
    x = model.sample(n, generator=torch.Generator().manual_seed(seed)).cpu()
    h, _, _ = np.histogram2d(x[:, 1].numpy(), x[:, 0].numpy(), bins=grid, range=[[-lim, lim], [-lim, lim]])
    return {"samples": x[:1000], "heat": torch.from_numpy(np.log1p(h) / np.log1p(max(h.max(), 1.0)))}


def timelapse(
    frames: Sequence[tuple[int, object]],
    draw: Callable[[plt.Axes, object], None] | None = None,
    size: float = 4.0,
    interval: int = 300,
):
    """An animation over ``(step, frame)`` pairs, as HTML/JavaScript that plays in the static book.

    ``draw(ax, frame)`` draws one frame; by default frames are image batches
    (shown as a grid) or 2-D point sets (shown as a scatter plot).
    """
    from IPython.display import HTML

    matplotlib.rcParams["animation.embed_limit"] = 64  # MB
    fig, ax = plt.subplots(figsize=(size, size), dpi=ANIMATION_DPI)

    def default_draw(ax: plt.Axes, frame: object) -> None:
        t = frame if torch.is_tensor(frame) else torch.as_tensor(frame)
        if t.dim() == 2:
            plot_points(t, ax=ax)
        else:
            ax.imshow(to_grid(t), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_axis_off()

    draw = draw or default_draw

    def update(i: int) -> None:
        ax.clear()
        step, frame = frames[i]
        draw(ax, frame)
        ax.set_title(f"step {step}")

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=interval)
    html = HTML(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return html


def snapshot_strip(
    frames: Sequence[tuple[int, object]], count: int = 6, draw: Callable[[plt.Axes, object], None] | None = None,
    size: float = 2.2,
) -> Figure:
    """``count`` evenly spaced snapshots side by side: the static view of a slider or timelapse."""
    idx = np.unique(np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int))
    fig, axes = plt.subplots(1, len(idx), figsize=fit_width(size * len(idx), size), squeeze=False)
    for ax, i in zip(axes[0], idx):
        step, frame = frames[i]
        if draw is not None:
            draw(ax, frame)
        elif torch.as_tensor(frame).dim() == 2:
            plot_points(torch.as_tensor(frame), ax=ax)
        else:
            ax.imshow(to_grid(torch.as_tensor(frame)), cmap="gray", vmin=0, vmax=1)
            ax.set_axis_off()
        ax.set_title(f"step {step}", fontsize="small")
    fig.tight_layout()
    return fig


def _fig_ax(ax: plt.Axes | None, size: float | tuple[float, float]):
    if ax is not None:
        return ax.figure, ax
    figsize = (size, size) if isinstance(size, (int, float)) else size
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def growth_diagram(resolutions: Sequence[int], channels: Sequence[int], stage: tuple[int, float] | None = None,
                   ax: plt.Axes | None = None) -> Figure:
    """ProGAN's G (top) and D (bottom) at one stage of growing: one box per block, a column per resolution.

    ``stage = (resolution, alpha)``: blocks up to ``resolution`` are solid, later ones dashed (not grown yet).
    During a fade-in (``alpha < 1``) the new blocks are shaded by ``alpha`` and the old toRGB / fromRGB
    path, with weight ``1 - alpha``, is drawn in orange.
    """
    fig, ax = _fig_ax(ax, (8, 3.4))
    res_now, alpha = stage if stage is not None else (resolutions[-1], 1.0)
    resolutions = list(resolutions)
    last = resolutions.index(res_now)
    fading = alpha < 1 and last > 0
    for name, y, direction in (("G", 1.0, 1), ("D", -1.0, -1)):
        ax.text(-0.8, y, name, fontsize=14, ha="center", va="center", weight="bold")
        for i, (r, c) in enumerate(zip(resolutions, channels)):
            grown = i <= last
            shade = alpha if (i == last and fading) else (1.0 if grown else 0.0)
            ax.add_patch(plt.Rectangle((i - 0.3, y - 0.35), 0.6, 0.7, facecolor=(0.2, 0.45, 0.8, 0.1 + 0.6 * shade),
                                       edgecolor="k" if grown else "0.6", linestyle="-" if grown else "--"))
            ax.text(i, y, f"{r}x{r}\n{c} maps", ha="center", va="center", fontsize="small", color="k" if grown else "0.5")
            if 0 < i <= last:
                start, end = (i - 1 + 0.3, i - 0.3) if direction == 1 else (i - 0.3, i - 1 + 0.3)
                ax.annotate("", (end, y), (start, y), arrowprops=dict(arrowstyle="->", color="k"))
    # the image between them: G's toRGB at the current resolution, D's fromRGB
    ax.annotate("", (last, -0.62), (last, 0.62), arrowprops=dict(arrowstyle="->", color="tab:red", lw=2))
    ax.text(last + 0.08, 0, f"image {res_now}x{res_now}\n(weight {alpha:.2f})" if fading else f"image {res_now}x{res_now}",
            fontsize="small", color="tab:red", va="center")
    if fading:  # the old path: previous block's toRGB, upsampled; downsampled image into the old fromRGB
        ax.annotate("", (last - 1, -0.62), (last - 1, 0.62),
                    arrowprops=dict(arrowstyle="->", color="tab:orange", lw=2, linestyle="--"))
        ax.text(last - 1 - 0.08, 0, f"old path\n(weight {1 - alpha:.2f})", fontsize="small", color="tab:orange",
                va="center", ha="right")
    ax.set_title(f"stage {res_now}x{res_now}" + (f", fading in: alpha = {alpha:.2f}" if fading else ""), fontsize="small")
    ax.set_xlim(-1.2, len(resolutions) - 0.4)
    ax.set_ylim(-1.5, 1.5)
    ax.set_axis_off()
    return fig
