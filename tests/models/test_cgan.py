"""Conditional GAN: shapes, the label reaching both networks, and the command line with --label."""

import numpy as np
import pytest
import torch

from gans_edu.cli import main
from gans_edu.models import build_model
from gans_edu.models.cgan import CGANConfig

ARCHS = ["mlp", "conv"]


def model(mnist, arch, **kw):
    torch.manual_seed(0)
    return build_model("cgan", mnist, profile="smoke", arch=arch, **kw)


@pytest.mark.parametrize("arch", ARCHS)
def test_shapes(mnist, arch):
    m = model(mnist, arch)
    z, y = m.noise(5), torch.arange(5)
    x = m.generate(z, y)
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert m.D(x, y).shape == (5,)
    assert m.sample(12, labels=torch.arange(12) % 10).shape == (12, 1, 28, 28)
    assert z.shape == (5, 100) and 0 <= z.min() and z.max() <= 1  # Sec. 4.1: uniform in the unit hypercube


@pytest.mark.parametrize("arch", ARCHS)
def test_label_changes_both_networks(mnist, arch):
    m = model(mnist, arch)
    z, x = m.noise(10), mnist.x[:10]
    with m.eval_mode():
        a, b = m.generate(z, torch.zeros(10, dtype=torch.long)), m.generate(z, torch.full((10,), 7))
        assert not torch.allclose(a, b), "G ignores the label"
        da, db = m.D(x, torch.zeros(10, dtype=torch.long)), m.D(x, torch.full((10,), 7))
        assert not torch.allclose(da, db), "D ignores the label"


@pytest.mark.parametrize("arch", ARCHS)
def test_train_step_pairs_every_image_with_its_label(mnist, arch):
    """D sees real digits with *their* labels and each generated digit with the label G was given."""
    m = model(mnist, arch)
    calls = {"G": [], "D": []}
    m.G.register_forward_hook(lambda mod, args, out: calls["G"].append((args[1].clone(), out.detach().clone())))
    m.D.register_forward_hook(lambda mod, args, out: calls["D"].append((args[0].detach().clone(), args[1].clone())))
    real, y_real = mnist.x[:32], mnist.y[:32]
    out = m.train_step(lambda: (real, y_real))
    assert all(v.dim() == 0 for v in out.values())
    d_real = [lab for x, lab in calls["D"] if x.shape == real.shape and torch.equal(x, real)]
    assert d_real and all(torch.equal(lab, y_real) for lab in d_real), "real digits reach D without their labels"
    assert calls["G"], "G was not called"
    for g_labels, g_out in calls["G"]:
        d_labels = [lab for x, lab in calls["D"] if x.shape == g_out.shape and torch.allclose(x, g_out)]
        assert d_labels, "a generated batch never reached D"
        assert all(torch.equal(lab, g_labels) for lab in d_labels), "D judged a fake with another label than G's"


def test_generate_needs_labels_and_bad_config_is_clear(mnist):
    m = model(mnist, "mlp")
    with pytest.raises(ValueError, match="pass labels"):
        m.generate(m.noise(2))
    with pytest.raises(ValueError, match="0..9"):
        m.generate(m.noise(2), torch.tensor([3, 10]))
    with pytest.raises(ValueError, match="valid: mlp, conv"):
        CGANConfig(arch="resnet")
    with pytest.raises(ValueError, match="valid: mlp, conv"):
        build_model("cgan", mnist, profile="smoke", arch="resnet")


def test_cli_train_then_sample_a_class(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "cgan", "--profile", "smoke", "--steps", "4", "--no-eval", "--out", str(out)]) == 0
    assert main(["sample", str(out), "--n", "20", "--label", "3", "--out", str(tmp_path / "s.npz")]) == 0
    s = np.load(tmp_path / "s.npz")
    assert s["x"].shape == (20, 1, 28, 28) and (s["y"] == 3).all()
    assert main(["sample", str(out), "--n", "50", "--out", str(tmp_path / "r.npz")]) == 0
    y = np.load(tmp_path / "r.npz")["y"]
    assert y.shape == (50,) and y.min() >= 0 and y.max() <= 9 and len(set(y.tolist())) > 1
    capsys.readouterr()
    assert main(["sample", str(out), "--n", "5", "--label", "12", "--out", str(tmp_path / "b.npz")]) == 2
    assert "0..9" in capsys.readouterr().err
