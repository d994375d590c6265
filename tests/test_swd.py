"""Sliced Wasserstein distance on Laplacian-pyramid patches (ProGAN, App. D)."""

import pytest
import torch
import torch.nn.functional as F

from gans_edu.metrics import sliced_wasserstein_distance, swd_report
from gans_edu.metrics.swd import laplacian_pyramid, patch_descriptors, patch_positions, sliced_wasserstein

KW = dict(patches_per_image=32, n_projections=128)


@pytest.fixture(scope="module")
def digits():
    from gans_edu.data import load_dataset

    return load_dataset("mnist", n=400, pad_to=32, verbose=False).x


def test_pyramid_levels_and_reconstruction():
    x = torch.randn(3, 2, 32, 32)
    levels = laplacian_pyramid(x, 3)
    assert [lv.shape[-1] for lv in levels] == [32, 16, 8]
    from gans_edu.metrics.swd import pyr_up

    rebuilt = pyr_up(pyr_up(levels[2]) + levels[1]) + levels[0]  # a Laplacian pyramid is invertible
    assert torch.allclose(rebuilt, x, atol=1e-4)


def test_patches_are_the_neighbourhoods_at_the_drawn_corners():
    x = torch.arange(2 * 3 * 10 * 10, dtype=torch.float32).view(2, 3, 10, 10)
    ys, xs = patch_positions(2, 10, 4, 7, torch.Generator().manual_seed(0))
    d = patch_descriptors(x, ys, xs, 7)  # (2 * 4, 3, 7, 7)
    assert d.shape == (8, 3, 7, 7)
    i, p = 1, 2
    y0, x0 = ys[i, p].item(), xs[i, p].item()
    assert torch.equal(d[i * 4 + p], x[i, :, y0 : y0 + 7, x0 : x0 + 7])


def test_identical_sets_score_zero_and_shifted_sets_more(digits):
    a, b = digits[:200], digits[200:400]
    same = sliced_wasserstein_distance(a, a, **KW)
    assert list(same) == [32, 16] and all(v < 1e-6 for v in same.values())
    real = sliced_wasserstein_distance(a, b, **KW)
    blurred = sliced_wasserstein_distance(a, F.interpolate(F.avg_pool2d(b, 2), scale_factor=2), **KW)
    assert all(v > 0 for v in real.values())
    assert blurred[32] > 1.5 * real[32]  # the finest level notices lost detail
    # the further b is shifted towards noise, the larger the distance, at every level
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(b.shape, generator=g)
    steps = [sliced_wasserstein_distance(a, (1 - t) * b + t * noise, **KW) for t in (0.0, 0.2, 0.5)]
    for lvl in (32, 16):
        assert steps[0][lvl] < steps[1][lvl] < steps[2][lvl]
        assert steps[2][lvl] > 1.5 * real[lvl]


def test_deterministic_with_seed(digits):
    a, b = digits[:100], digits[100:200]
    first = sliced_wasserstein_distance(a, b, seed=3, **KW)
    assert first == sliced_wasserstein_distance(a, b, seed=3, **KW)
    assert first != sliced_wasserstein_distance(a, b, seed=4, **KW)


def test_one_dimensional_case_is_the_wasserstein_distance():
    a = torch.randn(1000, 1)
    assert abs(sliced_wasserstein(a, a + 2.0, n_projections=8) - 2.0) < 1e-4  # a shift by 2: W1 = 2


def test_report_has_the_real_baseline(digits):
    rep = swd_report(digits[:100], digits[100:200], digits[200:300], **KW)
    assert set(rep) == {"model", "real"} and list(rep["real"]) == [32, 16]


def test_bad_inputs_are_clear_errors(digits):
    with pytest.raises(ValueError, match="min_resolution"):
        sliced_wasserstein_distance(digits[:4], digits[4:8], min_resolution=12)
    with pytest.raises(ValueError, match="smaller than the 7x7"):
        sliced_wasserstein_distance(digits[:4], digits[4:8], min_resolution=4)
    with pytest.raises(ValueError, match="one shape"):
        sliced_wasserstein_distance(digits[:4], digits[:4, :, :16, :16])
