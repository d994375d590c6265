"""The Parzen-window estimator of the 2014 GAN paper."""

import math

import pytest
import torch

from gans_edu.metrics.parzen import DEFAULT_SIGMAS, parzen_estimate, parzen_log_likelihood, select_sigma


def _images(n, seed):
    """Random 'images' in [-1, 1], shape (n, 1, 4, 4): 16 dimensions."""
    return torch.rand(n, 1, 4, 4, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_matches_the_density_written_out():
    centres, x, sigma = _images(7, 0), _images(5, 1), 0.3
    c01, x01 = (centres.flatten(1).double() + 1) / 2, (x.flatten(1).double() + 1) / 2  # the paper's [0, 1] pixels
    dens = torch.distributions.Normal(c01[None], sigma).log_prob(x01[:, None]).sum(-1)  # (5, 7): log N(x; s_i, s^2 I)
    expected = torch.logsumexp(dens, 1) - math.log(7)
    got = parzen_log_likelihood(centres, x, sigma, batch_size=2)
    assert got.shape == (5,) and torch.allclose(got, expected, atol=1e-8)


def test_sigma_selection_finds_the_generating_width():
    # Data drawn around the centres with std 0.05 in [0, 1] pixels: the grid value nearest 0.05 should win.
    g = torch.Generator().manual_seed(0)
    centres = torch.rand(200, 16, generator=g) * 0.6 + 0.2
    sigmas = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
    idx = torch.randint(0, 200, (500,), generator=g)
    valid = centres[idx] + 0.05 * torch.randn(500, 16, generator=g)
    best, means = select_sigma(centres * 2 - 1, valid * 2 - 1, sigmas)
    assert best == 0.05 and len(means) == len(sigmas) and max(means) == means[2]


def test_estimate_protocol_and_bad_sigma():
    samples, test, valid = _images(50, 0), _images(30, 1), _images(20, 2)
    r = parzen_estimate(samples, test, valid)
    assert r["sigma"] in DEFAULT_SIGMAS and r["n_samples"] == 50 and r["std_error"] > 0
    fixed = parzen_estimate(samples, test, valid, sigma=0.5)
    assert fixed["sigma"] == 0.5
    assert len(DEFAULT_SIGMAS) == 10 and abs(DEFAULT_SIGMAS[0] - 0.1) < 1e-6 and abs(DEFAULT_SIGMAS[-1] - 1) < 1e-6
    with pytest.raises(ValueError, match="sigma must be positive"):
        parzen_log_likelihood(samples, test, 0.0)
    with pytest.raises(ValueError, match="dimensions"):
        parzen_log_likelihood(samples, torch.zeros(3, 1, 2, 2), 0.1)
