"""Metrics that need no download. See :mod:`.image` (MNIST-like images, via the book's own
classifier: *not* Inception-network numbers) and :mod:`.toy` (2-D toys: mode coverage)."""

from gans_edu.metrics.image import (
    class_shares,
    classifier_score,
    evaluate_images,
    frechet_distance,
    kernel_distance,
    precision_recall,
)
from gans_edu.metrics.report import evaluate, metrics_table
from gans_edu.metrics.toy import evaluate_toy, mode_coverage

__all__ = [
    "class_shares", "classifier_score", "evaluate", "evaluate_images", "evaluate_toy",
    "frechet_distance", "kernel_distance", "metrics_table", "mode_coverage", "precision_recall",
]
