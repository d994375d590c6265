"""The book's Frechet distance and KID agree with torchmetrics' FID and KID given the book's classifier as features.

Chapter 11 makes the same check on DCGAN samples; here it runs on real and blurred digits, in seconds.
"""

import warnings

import pytest
import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance

from gans_edu.data import load_dataset
from gans_edu.metrics.classifier import FEATURE_DIM, classify, load_classifier
from gans_edu.metrics.image import blur, frechet_distance, kernel_distance

N = 200


class ClassifierFeatures(nn.Module):
    """The book's classifier as a torchmetrics feature extractor: digits in [-1, 1] -> its 128 features."""

    num_features = FEATURE_DIM

    def __init__(self):
        super().__init__()
        self.net = load_classifier()

    def forward(self, x):
        return self.net.features(x.float())


@pytest.fixture(scope="module")
def digits():
    real = load_dataset("mnist", "test", n=N, verbose=False).x
    fake = blur(load_dataset("mnist", "train", n=N, verbose=False).x).clamp(-1, 1)  # a set clearly unlike real
    return real, fake


def torchmetrics_value(metric, real, fake):
    metric.update(real, real=True)
    metric.update(fake, real=False)
    return metric.compute()


def test_fid_with_the_classifier_is_the_books_frechet_distance(digits):
    real, fake = digits
    tm = float(torchmetrics_value(FrechetInceptionDistance(feature=ClassifierFeatures()), real, fake))
    book = frechet_distance(classify(fake)[0], classify(real)[0])
    assert book > 50  # blurred digits are far from real ones: the check is not about two zeros
    assert tm == pytest.approx(book, rel=1e-5)


def test_kid_with_the_classifier_is_the_books_kid(digits):
    real, fake = digits
    with warnings.catch_warnings():  # KID warns that it keeps every feature in memory
        warnings.simplefilter("ignore")
        whole = KernelInceptionDistance(feature=ClassifierFeatures(), subsets=1, subset_size=N)
        sampled = KernelInceptionDistance(feature=ClassifierFeatures(), subsets=50, subset_size=N // 2)
    f_real, f_fake = classify(real)[0], classify(fake)[0]
    # One subset holding every sample: no randomness on either side, the same number.
    tm_mean, tm_std = torchmetrics_value(whole, real, fake)
    assert float(tm_std) == 0.0
    assert float(tm_mean) == pytest.approx(kernel_distance(f_fake, f_real, subsets=1, subset_size=N), rel=1e-5)
    # Random subsets, drawn differently on each side: equal within the spread of the subset means.
    torch.manual_seed(0)  # torchmetrics draws its subsets with the global generator
    tm_mean, tm_std = torchmetrics_value(sampled, real, fake)
    book = kernel_distance(f_fake, f_real, subsets=50, subset_size=N // 2)
    assert book > 0 and abs(float(tm_mean) - book) < float(tm_std), (float(tm_mean), float(tm_std), book)
