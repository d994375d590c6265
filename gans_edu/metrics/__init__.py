"""Metrics that need no download. See :mod:`.image` (MNIST-like images, via the book's own
classifier: *not* Inception-network numbers), :mod:`.swd` (ProGAN's sliced Wasserstein distance on
Laplacian-pyramid patches: no network at all) and :mod:`.toy` (2-D toys: mode coverage)."""

from gans_edu.metrics.image import (
    class_shares,
    classifier_score,
    evaluate_images,
    frechet_distance,
    kernel_distance,
    precision_recall,
)
from gans_edu.metrics.report import compare_table, evaluate, metrics_table
from gans_edu.metrics.swd import sliced_wasserstein_distance, swd_report
from gans_edu.metrics.toy import evaluate_toy, mode_coverage

__all__ = [
    "class_shares", "classifier_score", "compare_table", "evaluate", "evaluate_images", "evaluate_toy",
    "frechet_distance", "kernel_distance", "metrics_table", "mode_coverage", "precision_recall",
    "sliced_wasserstein_distance", "swd_report",
]
