"""BEGAN: shapes, k_t in [0, 1], M_global's formula, the controller's direction, CLI."""

import json

import numpy as np
import pytest
import torch

from gans_edu.cli import main
from gans_edu.models import build_model
from gans_edu.models.began import BEGAN, convergence_measure, reconstruction_loss, update_k


def test_shapes(mnist):
    m = build_model("began", mnist, profile="smoke")
    assert isinstance(m, BEGAN)
    x = m.sample(5)
    assert x.shape == (5, 1, 28, 28)
    assert m.D(x).shape == x.shape  # D is an autoencoder: it returns a reconstruction
    assert reconstruction_loss(m.D, x).dim() == 0
    assert float(m.k) == m.config.k0 == 0.0


def test_k_update_formula_and_clip():
    k = torch.tensor(0.5)
    assert update_k(k, torch.tensor(1.0), torch.tensor(0.2), 0.5, 0.1).item() == pytest.approx(0.53)
    assert update_k(torch.tensor(0.0), torch.tensor(0.0), torch.tensor(5.0), 0.5, 0.1).item() == 0.0  # not -0.5
    assert update_k(torch.tensor(1.0), torch.tensor(5.0), torch.tensor(0.0), 0.5, 0.1).item() == 1.0  # not 1.25


def test_k_stays_in_unit_interval_during_training(mnist, drawer):
    """A huge lambda_k drives k against its bounds: it must stop at 0 and 1, never beyond."""
    torch.manual_seed(0)
    for gamma in (0.1, 1.0):
        m = build_model("began", mnist, profile="smoke", lambda_k=50.0, gamma=gamma)
        d = drawer(mnist, m.config.batch_size)
        ks = [m.train_step(d)["k"].item() for _ in range(6)] + [m.k.item()]
        assert all(0.0 <= k <= 1.0 for k in ks), ks
        assert any(k in (0.0, 1.0) for k in ks[1:]), ks


def test_m_global_matches_its_formula(mnist, drawer):
    torch.manual_seed(0)
    m = build_model("began", mnist, profile="smoke", gamma=0.3)
    out = m.train_step(drawer(mnist, m.config.batch_size))
    lx, lg = out["loss_real"].item(), out["g_loss"].item()
    assert out["m_global"].item() == pytest.approx(lx + abs(0.3 * lx - lg), rel=1e-6)
    assert convergence_measure(torch.tensor(1.0), torch.tensor(0.7), 0.5).item() == pytest.approx(1.2)
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())


def test_k_is_saved_with_the_model(mnist):
    m = build_model("began", mnist, profile="smoke")
    m.k = torch.tensor(0.25)
    m2 = build_model("began", mnist, profile="smoke")
    m2.load_state_dict(m.state_dict())
    assert m2.k.item() == pytest.approx(0.25)


def test_cli_train_sample(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "began", "--profile", "smoke", "--steps", "3", "--no-eval", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["steps_done"] == 3
    assert main(["sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    assert np.load(tmp_path / "s.npz")["x"].shape == (10, 1, 28, 28)


def test_bad_gamma_is_a_clear_error(mnist):
    with pytest.raises(ValueError, match="gamma"):
        build_model("began", mnist, profile="smoke", gamma=0.0)
