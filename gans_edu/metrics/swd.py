"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2017, Sec. 5 and App. D).

ProGAN's multi-scale statistical similarity, which needs no pretrained network:

1. Build a Laplacian pyramid of every image (5x5 binomial filter, factor 2 per level), from the
   full resolution down to ``min_resolution`` (the paper: 16x16). Each level but the last holds
   the detail of its scale; the last is the coarse Gaussian image.
2. From each level of each image take ``patches_per_image`` random 7x7 neighbourhoods (the paper:
   128), all channels: the "descriptors" of that level. Unlike the official code, both sets use the
   same random positions (image i of one set and image i of the other), so identical sets score 0.
3. Normalise each set's descriptors per channel to mean 0 and std 1 (the official code's
   ``finalize_descriptors``), so the distance compares shapes, not brightness.
4. Sliced Wasserstein distance between the two sets of descriptors: project both on random unit
   directions (the paper: 512), sort each projection, and average ``|a_sorted - b_sorted|``.

The paper reports the distance times 10^3; so does :func:`sliced_wasserstein_distance`. Small is
good; two finite samples of the same distribution do not score 0 (they differ image by image),
which is why every table prints the real-data baseline (real train against real test) beside it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from gans_edu.metrics.classifier import metrics_device

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(x: torch.Tensor) -> torch.Tensor:
    """5x5 binomial filter per channel, with mirrored borders: ``(B, C, H, W) -> (B, C, H, W)``."""
    c = x.shape[1]
    k = (_BINOMIAL[:, None] * _BINOMIAL[None, :]).to(x).expand(c, 1, 5, 5)
    pad = "reflect" if min(x.shape[-2:]) > 2 else "replicate"
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode=pad), k, groups=c)


def pyr_down(x: torch.Tensor) -> torch.Tensor:
    """Blur, then keep every other pixel: ``(B, C, H, W) -> (B, C, H/2, W/2)``."""
    return _blur(x)[..., ::2, ::2]


def pyr_up(x: torch.Tensor) -> torch.Tensor:
    """Insert zeros between pixels and blur (times 4, to keep the mean): ``(B, C, H, W) -> (B, C, 2H, 2W)``."""
    b, c, h, w = x.shape
    up = torch.zeros(b, c, 2 * h, 2 * w, dtype=x.dtype, device=x.device)
    up[..., ::2, ::2] = x
    return 4 * _blur(up)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """``levels`` images, finest first: ``levels - 1`` band-pass details and the coarsest Gaussian level."""
    out, g = [], x
    for _ in range(levels - 1):
        small = pyr_down(g)
        out.append(g - pyr_up(small))
        g = small
    out.append(g)
    return out


def patch_positions(n: int, size: int, patches_per_image: int, patch: int,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-left corners ``(ys, xs)``, each ``(n, patches_per_image)``, of random neighbourhoods (with replacement)."""
    if size < patch:
        raise ValueError(f"a {size}x{size} pyramid level is smaller than the {patch}x{patch} patches; raise min_resolution")
    ys = torch.randint(0, size - patch + 1, (n, patches_per_image), generator=generator)
    xs = torch.randint(0, size - patch + 1, (n, patches_per_image), generator=generator)
    return ys, xs


def patch_descriptors(level: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, patch: int) -> torch.Tensor:
    """The ``patch x patch`` neighbourhoods at corners ``(ys, xs)``: ``(B, C, H, W) -> (B * P, C, patch, patch)``."""
    b, c, h, w = level.shape
    p_per = ys.shape[1]
    offs = torch.arange(patch)
    rows = (ys[..., None] + offs).view(b, p_per, patch, 1).expand(-1, -1, -1, patch)  # (B, P, p, p)
    cols = (xs[..., None] + offs).view(b, p_per, 1, patch).expand(-1, -1, patch, -1)  # (B, P, p, p)
    flat = (rows * w + cols).reshape(b, 1, -1).expand(-1, c, -1)  # (B, C, P*p*p) indices into H*W
    picked = level.flatten(2).gather(2, flat.to(level.device))  # (B, C, P*p*p)
    return picked.view(b, c, p_per, patch, patch).transpose(1, 2).reshape(-1, c, patch, patch)


def normalize_descriptors(d: torch.Tensor) -> torch.Tensor:
    """Per channel: subtract the mean and divide by the std over all descriptors; then flatten ``(N, C*p*p)``."""
    mean = d.mean(dim=(0, 2, 3), keepdim=True)
    std = d.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    return ((d - mean) / std).flatten(1)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, n_projections: int = 512, generator: torch.Generator | None = None,
                       chunk: int = 128) -> float:
    """Mean over random unit directions of the 1-D Wasserstein-1 distance between the projections.

    ``a`` and ``b``: ``(N, D)`` with the same N (1-D optimal transport is then sorting).
    """
    if a.shape != b.shape:
        raise ValueError(f"sliced_wasserstein needs equally many descriptors of one size, got {tuple(a.shape)}, "
                         f"{tuple(b.shape)}")
    total, done = 0.0, 0
    while done < n_projections:
        k = min(chunk, n_projections - done)
        dirs = torch.randn(a.shape[1], k, generator=generator).to(a)  # drawn on the CPU: the same on any device
        dirs = dirs / dirs.norm(dim=0, keepdim=True)  # (D, k) unit directions
        if a.device.type == "cpu":  # (k, N) rows, sorted with NumPy: several times faster than torch.sort on a CPU
            pa = np.sort((dirs.T @ a.T).numpy(), axis=1)
            pb = np.sort((dirs.T @ b.T).numpy(), axis=1)
            total += float(np.abs(pa - pb).mean()) * k
        else:  # on an accelerator, sorted where they are; one number comes back per chunk
            pa, pb = (dirs.T @ a.T).sort(dim=1).values, (dirs.T @ b.T).sort(dim=1).values
            total += float((pa - pb).abs().mean()) * k
        done += k
    return total / n_projections


@torch.no_grad()
def sliced_wasserstein_distance(
    images_a: torch.Tensor,
    images_b: torch.Tensor,
    *,
    min_resolution: int = 16,
    patches_per_image: int = 128,
    patch: int = 7,
    n_projections: int = 512,
    seed: int = 0,
) -> dict[int, float]:
    """SWD x 10^3 per pyramid level, keyed by the level's resolution (finest first), e.g. ``{32: .., 16: ..}``.

    Args:
        images_a, images_b: ``(N, C, H, W)`` images of the same size (any value range: descriptors are normalised);
            the larger set is cut to the size of the smaller one.
        min_resolution: the coarsest level (the paper: 16).
        patches_per_image: random 7x7 neighbourhoods per image and level (the paper: 128).
        patch: neighbourhood size (the paper: 7).
        n_projections: random directions (the paper: 512).
        seed: seeds the patch positions and the directions, so a call is repeatable.
    """
    if images_a.dim() != 4 or images_a.shape[1:] != images_b.shape[1:]:
        raise ValueError(f"expected two image sets of one shape (N, C, H, W), got {tuple(images_a.shape)} and "
                         f"{tuple(images_b.shape)}")
    size = images_a.shape[-1]
    if min_resolution > size or size % min_resolution or (size // min_resolution) & (size // min_resolution - 1):
        raise ValueError(f"min_resolution must be the image size {size} divided by a power of two, got {min_resolution}")
    n = min(len(images_a), len(images_b))
    device = metrics_device(images_a)  # the GPU where there is one; the random positions and directions stay CPU draws
    a, b = images_a[:n].float().to(device), images_b[:n].float().to(device)
    levels = (size // min_resolution).bit_length()  # e.g. 32 / 16 = 2 -> 2 levels
    g = torch.Generator().manual_seed(seed)
    out: dict[int, float] = {}
    for la, lb in zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)):
        # The same random positions for both sets (common random numbers): identical sets give exactly 0,
        # and the noise of the patch draw does not add to the distance between two different sets.
        ys, xs = patch_positions(n, la.shape[-1], patches_per_image, patch, g)
        da = normalize_descriptors(patch_descriptors(la, ys, xs, patch))
        db = normalize_descriptors(patch_descriptors(lb, ys, xs, patch))
        out[la.shape[-1]] = 1e3 * sliced_wasserstein(da, db, n_projections, g)
    return out


def swd_report(samples: torch.Tensor, real_test: torch.Tensor, real_train: torch.Tensor, **kwargs) -> dict[str, dict]:
    """SWD per level of ``samples`` against real test images, and the baseline: as many real train images.

    Returns ``{"model": {res: swd}, "real": {res: swd}}``.
    """
    n = min(len(samples), len(real_test), len(real_train))
    return {"model": sliced_wasserstein_distance(samples[:n], real_test[:n], **kwargs),
            "real": sliced_wasserstein_distance(real_train[:n], real_test[:n], **kwargs)}
