"""Printed digits: the second domain of the CycleGAN chapter, rendered offline from matplotlib's fonts.

CycleGAN needs two unpaired image domains. Handwritten digits (offline MNIST,
:mod:`gans_edu.data`) are one; this module makes the other: the digits 0-9
printed in the fonts that ship with matplotlib (DejaVu, STIX and Computer
Modern; sans, serif, monospace; regular, bold, italic), with random height,
stroke thickening, small rotations and offsets. Every image is 28x28 in
[-1, 1] with background -1, like :func:`gans_edu.data.load_dataset` gives
MNIST, and carries its label. The labels are never used to train CycleGAN:
they only tell whether a translation kept its digit.

Rendering is deterministic: a glyph is drawn once per font with FreeType
(``matplotlib.ft2font``), then each sample is one affine resampling of it
(``torch.nn.functional.grid_sample`` at twice the resolution, averaged down),
driven by a seeded ``torch.Generator``. The same split, size and seed always
give the same tensors (on the same matplotlib version).

    gans-edu data export printed-digits --split test --out printed_test.npz
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

# (file, description). Only fonts whose digits are lining figures of the usual shapes.
FONTS: tuple[tuple[str, str], ...] = (
    ("DejaVuSans.ttf", "DejaVu Sans"),
    ("DejaVuSans-Bold.ttf", "DejaVu Sans Bold"),
    ("DejaVuSans-Oblique.ttf", "DejaVu Sans Oblique"),
    ("DejaVuSans-BoldOblique.ttf", "DejaVu Sans Bold Oblique"),
    ("DejaVuSerif.ttf", "DejaVu Serif"),
    ("DejaVuSerif-Bold.ttf", "DejaVu Serif Bold"),
    ("DejaVuSerif-Italic.ttf", "DejaVu Serif Italic"),
    ("DejaVuSerif-BoldItalic.ttf", "DejaVu Serif Bold Italic"),
    ("DejaVuSansMono.ttf", "DejaVu Sans Mono"),
    ("DejaVuSansMono-Bold.ttf", "DejaVu Sans Mono Bold"),
    ("STIXGeneral.ttf", "STIX"),
    ("STIXGeneralBol.ttf", "STIX Bold"),
    ("STIXGeneralItalic.ttf", "STIX Italic"),
    ("STIXGeneralBolIta.ttf", "STIX Bold Italic"),
    ("cmr10.ttf", "Computer Modern Roman"),
    ("cmb10.ttf", "Computer Modern Bold"),
    ("cmss10.ttf", "Computer Modern Sans"),
    ("cmtt10.ttf", "Computer Modern Typewriter"),
    ("cmti10.ttf", "Computer Modern Italic"),
)

TRAIN_N, TEST_N = 4000, 1000  # as the offline MNIST split: 400 / 100 per class
CANVAS = 96  # side of the square a glyph is centred in before resampling (pixels)
GLYPH_PX = 72  # FreeType size: the em square in pixels (digits come out ~50 px high)

# The random draws per sample, and their ranges (chosen to resemble MNIST's 20-pixel digits).
HEIGHT_PX = (15.0, 20.0)  # digit height in the 28x28 image
MAX_ROTATION_DEG = 10.0
MAX_SHIFT_PX = 2.0
THICKEN = (0, 1, 2)  # extra dilation steps at twice the resolution (0: the font's own weight)


def _font_dir() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@lru_cache(maxsize=1)
def glyphs() -> torch.Tensor:
    """Every digit in every font: ``(F, 10, CANVAS, CANVAS)`` float in [0, 1], each centred by its bounding box."""
    from matplotlib.ft2font import FT2Font

    out = torch.zeros(len(FONTS), 10, CANVAS, CANVAS)
    for i, (fname, _) in enumerate(FONTS):
        font = FT2Font(os.path.join(_font_dir(), fname))
        font.set_size(GLYPH_PX, 72)  # points at 72 dpi: GLYPH_PX pixels per em
        for d in range(10):
            font.set_text(str(d))
            font.draw_glyphs_to_bitmap(antialiased=True)
            img = np.asarray(font.get_image(), dtype=np.float32) / 255.0
            rows, cols = np.flatnonzero(img.max(1) > 0.05), np.flatnonzero(img.max(0) > 0.05)
            img = img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # crop to the ink
            h, w = img.shape
            if h > CANVAS - 4 or w > CANVAS - 4:
                raise RuntimeError(f"glyph {d} of {fname} is {h}x{w}, larger than the {CANVAS}px canvas")
            top, left = (CANVAS - h) // 2, (CANVAS - w) // 2
            out[i, d, top : top + h, left : left + w] = torch.from_numpy(img)
    return out


@lru_cache(maxsize=1)
def glyph_heights() -> torch.Tensor:
    """``(F, 10)`` ink height of each glyph in canvas pixels."""
    rows = (glyphs().amax(-1) > 0.05).float()  # (F, 10, CANVAS)
    idx = torch.arange(CANVAS).float()
    top = torch.where(rows > 0, idx, torch.full_like(idx, CANVAS)).amin(-1)
    bottom = torch.where(rows > 0, idx, torch.full_like(idx, -1)).amax(-1)
    return bottom - top + 1


def render(
    labels: torch.Tensor, fonts: torch.Tensor, heights: torch.Tensor, angles_deg: torch.Tensor,
    shifts: torch.Tensor, thicken: torch.Tensor,
) -> torch.Tensor:
    """Render digits with the given draws: ``(N, 1, 28, 28)`` in [-1, 1] (background -1).

    Args:
        labels: ``(N,)`` digits 0-9.  fonts: ``(N,)`` indices into :data:`FONTS`.
        heights: ``(N,)`` digit height in output pixels.  angles_deg: ``(N,)`` rotation (counter-clockwise).
        shifts: ``(N, 2)`` offset (x, y) in output pixels.  thicken: ``(N,)`` extra dilation steps.
    """
    n = len(labels)
    src = glyphs()[fonts, labels].unsqueeze(1)  # (N, 1, CANVAS, CANVAS)
    # Output normalised coords -> canvas normalised coords: scale so that the glyph's ink height becomes `heights`.
    scale = 28.0 * glyph_heights()[fonts, labels] / (heights * CANVAS)  # (N,)
    a = torch.deg2rad(angles_deg)
    cos, sin = torch.cos(a) * scale, torch.sin(a) * scale
    tx, ty = -shifts[:, 0] / 14.0, -shifts[:, 1] / 14.0  # shift in output normalised units
    # canvas = scale * R(a) @ (out + t): rotating the sampling grid by a turns the digit by -a (y points down).
    theta = torch.stack([
        torch.stack([cos, -sin, cos * tx - sin * ty], 1),
        torch.stack([sin, cos, sin * tx + cos * ty], 1),
    ], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta, [n, 1, 56, 56], align_corners=False)
    big = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)  # (N, 1, 56, 56)
    for k in range(1, int(thicken.max()) + 1 if n else 1):
        grown = F.max_pool2d(big, 3, stride=1, padding=1)
        big = torch.where((thicken >= k).view(-1, 1, 1, 1), grown, big)
    img = F.avg_pool2d(big, 2).clamp(0, 1)  # (N, 1, 56, 56) -> (N, 1, 28, 28)
    return img * 2 - 1


def printed_digits(split: str = "train", n: int | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The printed-digit split: ``(x (N, 1, 28, 28) in [-1, 1], y (N,) int64)``, balanced over the ten digits.

    ``train`` has 4,000 digits and ``test`` 1,000 (400 / 100 per class); ``n`` keeps the first ``n`` (or renders
    more). Each split draws from its own seeded generator, so the two splits never share a rendering.
    """
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}; valid splits: train, test")
    full = TRAIN_N if split == "train" else TEST_N
    if n is not None and n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    size = max(full, n or 0)  # n below the split's size keeps its first n digits, as for MNIST
    x, y = _cached(split, size, seed)
    n = n or full
    return x[:n].clone(), y[:n].clone()


@lru_cache(maxsize=8)
def _cached(split: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(10_007 + 2 * seed + (0 if split == "train" else 1))
    labels = (torch.arange(n) % 10)[torch.randperm(n, generator=g)]  # balanced, shuffled
    fonts = torch.randint(len(FONTS), (n,), generator=g)
    heights = HEIGHT_PX[0] + (HEIGHT_PX[1] - HEIGHT_PX[0]) * torch.rand(n, generator=g)
    angles = (torch.rand(n, generator=g) * 2 - 1) * MAX_ROTATION_DEG
    shifts = (torch.rand(n, 2, generator=g) * 2 - 1) * MAX_SHIFT_PX
    thicken = torch.tensor(THICKEN)[torch.randint(len(THICKEN), (n,), generator=g)]
    x = torch.cat([render(labels[i : i + 500], fonts[i : i + 500], heights[i : i + 500], angles[i : i + 500],
                          shifts[i : i + 500], thicken[i : i + 500]) for i in range(0, n, 500)])
    return x, labels.long()


def font_names() -> list[str]:
    return [name for _, name in FONTS]
