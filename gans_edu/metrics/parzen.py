"""The Parzen-window log-likelihood estimate of the 2014 GAN paper (Sec. 5, Table 1).

Fit a Gaussian kernel density to generated samples, then report the mean
log-likelihood of held-out test data under it:

    log p(x) = log (1/n) sum_i N(x; s_i, sigma^2 I)
             = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log n - (d/2) log(2 pi sigma^2),

with sigma chosen by maximising the same quantity on a validation set. This
follows the official script (goodfeli/adversarial, ``parzen_ll.py``, credited
there to Yann Dauphin): pixels in [0, 1], 10,000 samples, sigma on a grid of
10 values from 0.1 to 1 (log-spaced), validated on 1,000 digits. The paper
reports 225 +- 2 nats on MNIST, the +- being the standard error over test
points. The estimate has a high variance and depends strongly on sigma and on
the number of samples (Theis et al. 2016): the chapter shows how much.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

DEFAULT_SIGMAS = tuple(float(s) for s in torch.logspace(-1, 0, 10))  # parzen_ll.py: logspace(-1, 0, num=10)


def _flat01(x: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (any shape ``(N, ...)``) -> ``(N, D)`` float64 in [0, 1], the paper's pixel scale."""
    return ((x.detach().cpu().double().flatten(1) + 1) / 2).clamp(0, 1)


def parzen_log_likelihood(
    centres: torch.Tensor, x: torch.Tensor, sigma: float, batch_size: int = 100
) -> torch.Tensor:
    """Per-point log-likelihood (nats) of ``x`` under a Gaussian Parzen window on ``centres``.

    Both are images in [-1, 1]; they are compared in [0, 1] pixel space, as in the paper.
    Returns a ``(len(x),)`` float64 tensor.
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    mu, pts = _flat01(centres), _flat01(x)
    if mu.shape[1] != pts.shape[1]:
        raise ValueError(f"centres have {mu.shape[1]} dimensions but x has {pts.shape[1]}")
    n, d = mu.shape
    mu_sq = (mu**2).sum(1)  # (n,)
    z = d * math.log(sigma * math.sqrt(2 * math.pi))
    out = []
    for chunk in pts.split(batch_size):
        sq = (chunk**2).sum(1, keepdim=True) - 2 * chunk @ mu.T + mu_sq  # (b, n) squared distances
        out.append(torch.logsumexp(-sq.clamp_min(0) / (2 * sigma**2), 1) - math.log(n) - z)
    return torch.cat(out)


def select_sigma(
    centres: torch.Tensor, valid: torch.Tensor, sigmas: Sequence[float] = DEFAULT_SIGMAS
) -> tuple[float, list[float]]:
    """The sigma in ``sigmas`` that maximises the mean validation log-likelihood, and every mean."""
    means = [float(parzen_log_likelihood(centres, valid, s).mean()) for s in sigmas]
    return float(sigmas[max(range(len(means)), key=means.__getitem__)]), means


def parzen_estimate(
    samples: torch.Tensor,
    test: torch.Tensor,
    valid: torch.Tensor,
    sigmas: Sequence[float] = DEFAULT_SIGMAS,
    sigma: float | None = None,
) -> dict[str, float]:
    """The paper's protocol: pick sigma on ``valid`` (unless given), report mean +- s.e. on ``test``.

    Returns ``{"log_likelihood", "std_error", "sigma", "n_samples"}``.
    """
    if sigma is None:
        sigma, _ = select_sigma(samples, valid, sigmas)
    ll = parzen_log_likelihood(samples, test, sigma)
    return {
        "log_likelihood": float(ll.mean()),
        "std_error": float(ll.std() / math.sqrt(len(ll))),
        "sigma": float(sigma),
        "n_samples": float(len(samples)),
    }
