"""Metrics for the 2-D toys, where the true distribution is known.

* Mode coverage and the share of high-quality samples, as in Unrolled GAN /
  VEEGAN: a sample is *high quality* when it lies within 3 standard deviations
  of its nearest mode; a mode is *covered* when it receives at least
  ``min_share`` (default 10%) of its fair share of all samples as
  high-quality samples.
* Precision and recall (Kynkaanniemi et al. 2019) directly on the 2-D points,
  which also works for the Swiss roll (no modes).
"""

from __future__ import annotations

import torch

from gans_edu.data import Dataset
from gans_edu.metrics.image import precision_recall


def mode_coverage(
    samples: torch.Tensor, modes: torch.Tensor, std: float, min_share: float = 0.1
) -> dict[str, float | list[int]]:
    """Modes covered, high-quality share and per-mode counts of ``samples`` ``(N, 2)``."""
    if samples.dim() != 2 or samples.shape[1] != 2:
        raise ValueError(f"expected 2-D points of shape (N, 2), got {tuple(samples.shape)}")
    d = torch.cdist(samples.float(), modes.float())  # (N, K)
    nearest_d, nearest = d.min(1)
    good = nearest_d <= 3 * std
    counts = torch.bincount(nearest[good], minlength=len(modes))
    needed = min_share * len(samples) / len(modes)
    return {
        "modes_covered": float((counts >= needed).sum()),
        "modes_total": float(len(modes)),
        "high_quality": float(good.float().mean()),
        "mode_counts": counts.tolist(),
    }


def evaluate_toy(samples: torch.Tensor, test: Dataset, train: Dataset) -> dict[str, dict]:
    """Toy metrics for ``samples`` and, as baseline, for as many real train points, against real test."""
    n = len(samples)
    ref = test.x[: min(n, 5000)]

    def one(x: torch.Tensor) -> dict:
        out: dict = {}
        if test.modes is not None:
            out.update(mode_coverage(x, test.modes, test.mode_std))
        p, r = precision_recall(ref, x[: len(ref)])
        out.update(precision=p, recall=r)
        return out

    report = {"model": one(samples.float()), "real": one(train.x[:n])}
    if test.modes is not None:  # calibration: perfect points from half the modes (variety lost, quality kept)
        nearest = torch.cdist(train.x.float(), test.modes.float()).argmin(1)
        half = train.x[nearest < len(test.modes) // 2][:n]
        report["calibration"] = {"real points, half the modes": one(half.float())}
    return report
