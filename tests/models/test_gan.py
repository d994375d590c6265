"""The 2014 GAN: shapes, the losses, Algorithm 1, the paper's MNIST setting, and the command line."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.gan import (
    GAN,
    GANConfig,
    Maxout,
    discriminator_loss,
    generator_loss,
    make_config,
    mnist_config,
)


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", n=200, verbose=False)


@pytest.mark.parametrize("name, shape", [("8gaussians", (2,)), ("mnist", (1, 28, 28))])
def test_shapes(name, shape):
    data = load_dataset(name, n=50, verbose=False)
    m = build_model("gan", data, profile="smoke")
    z = m.noise(6)
    assert z.shape == (6, m.config.z_dim)
    x = m.generate(z)
    assert x.shape == (6, *shape) and m.D(x).shape == (6,)
    if name == "mnist":
        assert x.min() >= -1 and x.max() <= 1


def test_maxout():
    layer = Maxout(4, 3, 5)
    x = torch.randn(8, 4)
    expected = layer.linear(x).view(8, 3, 5).max(-1).values
    assert torch.equal(layer(x), expected) and layer(x).shape == (8, 3)


def test_losses_match_the_value_function():
    logits = torch.randn(64)
    d = torch.sigmoid(logits)
    real = torch.randn(64)
    # D's loss is minus V(D, G) of Eq. 1.
    expected = -(torch.log(torch.sigmoid(real)).mean() + torch.log(1 - d).mean())
    assert torch.allclose(discriminator_loss(real, logits), expected, atol=1e-5)
    assert torch.allclose(generator_loss(logits, "minimax"), torch.log(1 - d).mean(), atol=1e-5)
    assert torch.allclose(generator_loss(logits, "non-saturating"), -torch.log(d).mean(), atol=1e-5)
    assert torch.allclose(generator_loss(logits, "non-saturating"), F.binary_cross_entropy(d, torch.ones(64)))
    with pytest.raises(ValueError, match="valid: non-saturating, minimax"):
        generator_loss(logits, "wasserstein")


def test_minimax_saturates_where_non_saturating_does_not():
    """Sec. 3: early on D(G(z)) ~ 0, where log(1 - D) is flat and -log D is steep (a swapped loss fails)."""
    logit = torch.tensor([-6.0], requires_grad=True)  # D(G(z)) ~ 0.0025: D easily rejects the sample
    (g_mm,) = torch.autograd.grad(generator_loss(logit, "minimax"), logit)
    (g_ns,) = torch.autograd.grad(generator_loss(logit, "non-saturating"), logit)
    assert abs(g_ns) > 100 * abs(g_mm)
    assert g_ns < 0 and g_mm < 0  # both push the logit up, i.e. make D(G(z)) larger


def test_paper_mnist_setting():
    c = mnist_config("cpu")
    assert (c.z_dim, c.g_hidden, c.d_hidden, c.d_pieces, c.batch_size) == (100, (1200, 1200), (240, 240), 5, 100)
    assert (c.optimizer, c.lr, c.momentum, c.k, c.g_loss, c.output) == ("sgd", 0.1, 0.5, 1, "non-saturating", "sigmoid")
    m = GAN(c, (1, 28, 28))
    opt = m.optimizers["G"].param_groups[0]
    assert isinstance(m.optimizers["D"], torch.optim.SGD) and opt["lr"] == 0.1 and opt["momentum"] == 0.5
    # mnist.yaml's irange: G weights uniform in +-0.05, D weights in +-0.005 (PyTorch's default is wider for D).
    gw = torch.cat([x.weight.flatten() for x in m.G.modules() if isinstance(x, nn.Linear)])
    dw = torch.cat([x.weight.flatten() for x in m.D.modules() if isinstance(x, nn.Linear)])
    assert 0.045 < gw.abs().max() <= 0.05 and 0.0045 < dw.abs().max() <= 0.005
    dropouts = [x.p for x in m.D.modules() if isinstance(x, nn.Dropout)]
    assert dropouts == [0.2, 0.5, 0.5]  # include probabilities 0.8 at the input, 0.5 elsewhere


def test_pixels_are_in_the_papers_zero_one_scale_inside_the_model(mnist):
    """G's sigmoid makes [0, 1] pixels (returned in [-1, 1]); D reads real digits back in [0, 1]."""
    m = build_model("gan", mnist, profile="smoke")
    assert isinstance(m.G.net[-1], nn.Sigmoid)
    seen = []
    hook = m.D.net[1].register_forward_hook(lambda mod, inp, out: seen.append(inp[0]))  # after Flatten (and Dropout)
    with m.eval_mode():
        m.D(mnist.x[:8])
    hook.remove()
    assert seen[0].min() >= 0 and seen[0].max() <= 1 and seen[0].min() == 0  # background is 0, not -1
    x = m.sample(16)
    assert x.min() >= -1 and x.max() <= 1


def test_algorithm_1_draws_k_real_batches(mnist):
    torch.manual_seed(0)
    m = build_model("gan", mnist, profile="smoke", k=3)
    calls = []

    def draw():
        calls.append(1)
        return mnist.x[:32], None

    out = m.train_step(draw)
    assert len(calls) == 3
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())
    assert all(torch.isfinite(v) for v in out.values())


def test_bad_config():
    with pytest.raises(ValueError, match="valid: non-saturating, minimax"):
        GANConfig(g_loss="saturating")
    with pytest.raises(ValueError, match="valid: sigmoid, tanh, linear"):
        GANConfig(output="relu")
    with pytest.raises(ValueError, match="valid: sgd, adam"):
        GANConfig(optimizer="rmsprop")


def test_toy_config_is_unchanged_by_the_mnist_setting():
    c = make_config(load_dataset("8gaussians", n=10), "cpu")
    assert c.output == "linear" and c.g_init_range is None and c.d_loss_scale == 1.0 and c.optimizer == "adam"


def test_cli_smoke_train_sample(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "gans_edu"]
    p = subprocess.run([*cmd, "train", "gan", "--dataset", "mnist", "--profile", "smoke", "--steps", "3",
                        "--no-eval", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "config.json").read_text())["config"]["output"] == "sigmoid"
    p = subprocess.run([*cmd, "sample", str(out), "--n", "9", "--out", str(tmp_path / "s.npz")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (9, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
