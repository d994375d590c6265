"""Image metrics in the feature space of the project's MNIST classifier.

These follow the formulas of FID (Heusel et al. 2017), KID (Binkowski et al.
2018), the Inception Score (Salimans et al. 2016) and improved precision and
recall (Kynkaanniemi et al. 2019), but in the 128-d penultimate layer of the
book's own small classifier (:mod:`gans_edu.metrics.classifier`), not an
Inception network. They are *not* Inception-network numbers: compare them
only with other numbers made the same way, and always with the real-data
baseline printed beside them.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import torch
from torchmetrics.image.kid import poly_mmd

from gans_edu.metrics.classifier import classify


def frechet_distance(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)): the FID formula on any features.

    Biased upwards for small samples: compare values made with equal sample sizes.
    """
    a, b = feats_a.double().cpu().numpy(), feats_b.double().cpu().numpy()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # dead ReLU features make the covariances singular: harmless here
        warnings.simplefilter("ignore")
        covmean = scipy.linalg.sqrtm(s_a @ s_b)
    if np.iscomplexobj(covmean):  # tiny imaginary parts from numerical error
        covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * covmean))


def kernel_distance(
    feats_a: torch.Tensor, feats_b: torch.Tensor, subsets: int = 20, subset_size: int = 500, seed: int = 0
) -> float:
    """KID: unbiased MMD^2 with the cubic polynomial kernel, averaged over random subsets (torchmetrics)."""
    size = min(subset_size, len(feats_a), len(feats_b))
    g = torch.Generator().manual_seed(seed)
    vals = []
    for _ in range(subsets):
        ia = torch.randperm(len(feats_a), generator=g)[:size]
        ib = torch.randperm(len(feats_b), generator=g)[:size]
        vals.append(poly_mmd(feats_a[ia].double(), feats_b[ib].double()))
    return float(torch.stack(vals).mean())


def classifier_score(probs: torch.Tensor, splits: int = 10) -> tuple[float, float]:
    """The Inception Score formula exp(E_x KL(p(y|x) || p(y))) with the book's classifier.

    Follows the paper's protocol: the samples are cut into ``splits`` parts and
    the mean and standard deviation over parts are returned. Ranges from 1
    (every sample gets the same prediction) to 10 (confident and balanced).
    """
    scores = []
    for part in probs.double().chunk(splits):
        p_y = part.mean(0, keepdim=True)
        kl = (part * (torch.log(part + 1e-12) - torch.log(p_y + 1e-12))).sum(1).mean()
        scores.append(torch.exp(kl))
    s = torch.stack(scores)
    return float(s.mean()), float(s.std(unbiased=False)) if len(s) > 1 else 0.0


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k-nearest-neighbour balls.

    Precision: share of fake samples inside some real sample's k-NN ball (quality).
    Recall: share of real samples inside some fake sample's k-NN ball (diversity).
    """
    real, fake = real.float(), fake.float()

    def radii(x: torch.Tensor) -> torch.Tensor:
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # k+1: the nearest is the point itself

    def coverage(points: torch.Tensor, centres: torch.Tensor, r: torch.Tensor) -> float:
        inside = [(torch.cdist(chunk, centres) <= r).any(1) for chunk in points.split(1000)]
        return float(torch.cat(inside).float().mean())

    return coverage(fake, real, radii(real)), coverage(real, fake, radii(fake))


def class_shares(probs: torch.Tensor, num_classes: int = 10) -> list[float]:
    """Share of samples the classifier puts in each class."""
    return (torch.bincount(probs.argmax(1), minlength=num_classes).float() / len(probs)).tolist()


PRESENT_SHARE = 0.025  # a class counts as present with >= 1/4 of its fair share (1/10)


def summarise(
    feats: torch.Tensor,
    probs: torch.Tensor,
    ref_feats: torch.Tensor,
    labels: torch.Tensor | None = None,
) -> dict[str, float | list[float]]:
    """All image metrics of one sample set against the reference (real test) features."""
    n = min(len(feats), len(ref_feats))
    cs_mean, cs_std = classifier_score(probs)
    precision, recall = precision_recall(ref_feats[:n], feats[:n])
    shares = class_shares(probs)
    out: dict[str, float | list[float]] = {
        "frechet_distance": frechet_distance(feats, ref_feats),
        "kid": kernel_distance(feats, ref_feats),
        "classifier_score": cs_mean,
        "classifier_score_std": cs_std,
        "precision": precision,
        "recall": recall,
        "classes_present": float(sum(s >= PRESENT_SHARE for s in shares)),
        "min_class_share": min(shares),
        "confidence": float(probs.max(1).values.mean()),
        "class_shares": shares,
    }
    if labels is not None:
        out["class_accuracy"] = float((probs.argmax(1) == labels.cpu()).float().mean())
    return out


def evaluate_images(
    samples: torch.Tensor,
    real_test: torch.Tensor,
    real_train: torch.Tensor,
    labels: torch.Tensor | None = None,
    real_train_labels: torch.Tensor | None = None,
) -> dict[str, dict]:
    """Metrics for generated ``samples`` and, as the baseline, for real train digits, both against real test.

    The baseline uses as many real train digits as there are samples (up to
    all of them), so sample-size bias affects both columns alike.

    Returns ``{"model": {...}, "real": {...}}``.
    """
    ref_feats, _ = classify(real_test)
    feats, probs = classify(samples)
    base = real_train[: len(samples)]
    base_feats, base_probs = classify(base)
    base_labels = None if (labels is None or real_train_labels is None) else real_train_labels[: len(samples)]
    report = {
        "model": summarise(feats, probs, ref_feats, labels),
        "real": summarise(base_feats, base_probs, ref_feats, base_labels),
    }
    if real_train_labels is not None:
        report["calibration"] = calibration(real_train, real_train_labels, ref_feats, len(samples))
    return report


BLUR_SIGMA = 1.0  # pixels: the digits stay easy to read, the strokes lose their edges
_calibration_cache: dict[tuple, dict] = {}


def blur(images: torch.Tensor, sigma: float = BLUR_SIGMA) -> torch.Tensor:
    """Gaussian blur of a batch of single-channel images ``(N, 1, H, W)`` (separable, reflect-padded)."""
    radius = max(1, round(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=images.dtype)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    k = k / k.sum()
    out = torch.nn.functional.pad(images, (radius, radius, radius, radius), mode="reflect")
    out = torch.nn.functional.conv2d(out, k.view(1, 1, 1, -1))
    return torch.nn.functional.conv2d(out, k.view(1, 1, -1, 1))


def calibration(real_train: torch.Tensor, real_train_labels: torch.Tensor, ref_feats: torch.Tensor, n: int) -> dict:
    """Two copies of real data with a known flaw, scored like a model, so a table's scale means something:

    * ``blurred real digits``: every digit recognisable, the fine detail gone (a Gaussian blur of
      ``BLUR_SIGMA`` px) - quality lost, variety kept;
    * ``real digits 0-4 only``: perfect digits from half the classes - variety lost, quality kept.

    Cached per sample size and data, so a chapter that evaluates several models pays once."""
    key = (n, tuple(real_train.shape), float(real_train[:256].sum()), float(ref_feats[:256].sum()))
    if key not in _calibration_cache:
        base = real_train[:n]
        blurred_feats, blurred_probs = classify(blur(base.float()).clamp(-1, 1))
        half = real_train[real_train_labels.cpu() < 5][:n]
        half_feats, half_probs = classify(half)
        _calibration_cache[key] = {
            "blurred real digits": summarise(blurred_feats, blurred_probs, ref_feats),
            "real digits 0-4 only": summarise(half_feats, half_probs, ref_feats),
        }
    return _calibration_cache[key]
