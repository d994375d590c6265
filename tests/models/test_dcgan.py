"""DCGAN: shapes, the architecture guidelines and the training details, each as a test that fails on the bug."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.dcgan import DCGAN, DCGANConfig, Discriminator, Generator, layout, make_config


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 32, 32), (3, 64, 64)])
def test_shapes(shape):
    torch.manual_seed(0)
    m = DCGAN(DCGANConfig(ngf=8, ndf=8), shape)
    z = m.noise(5)
    assert z.shape == (5, 100) and z.min() >= -1 and z.max() <= 1  # U(-1, 1)
    x = m.generate(z)
    assert x.shape == (5, *shape) and x.min() >= -1 and x.max() <= 1
    assert m.D(x).shape == (5,)
    assert m.D.features(x).dim() == 2 and len(m.D.features(x)) == 5
    assert m.sample(7).shape == (7, *shape)


def test_layout_and_bad_input():
    assert layout(28) == (7, 2) and layout(32) == (4, 3) and layout(64) == (4, 4)
    with pytest.raises(ValueError, match="28x28 or 2"):
        layout(30)
    with pytest.raises(ValueError, match="needs images"):
        make_config(load_dataset("8gaussians", n=10), "smoke")
    with pytest.raises(ValueError, match="valid: uniform, normal"):
        DCGANConfig(z_dist="gaussian")


def test_paper_defaults():
    c = DCGANConfig()
    assert (c.lr, c.beta1, c.batch_size, c.init_std, c.leak, c.z_dim) == (2e-4, 0.5, 128, 0.02, 0.2, 100)
    m = DCGAN(DCGANConfig(ngf=8, ndf=8), (1, 28, 28))
    for opt in m.optimizers.values():
        g = opt.param_groups[0]
        assert g["lr"] == 2e-4 and g["betas"] == (0.5, 0.999)  # beta1 0.9 oscillated in the paper


def test_init_statistics():
    """Sec. 4: conv weights ~ N(0, 0.02); dcgan_code: BN gains ~ N(1, 0.02). PyTorch's default init fails both."""
    torch.manual_seed(0)
    m = DCGAN(DCGANConfig(), (1, 28, 28))  # full width: enough weights for tight statistics
    assert any(isinstance(p, nn.Linear) for p in m.G.modules())  # 28x28: the dense layers are initialised too
    for net in (m.G, m.D):
        w = torch.cat([p.weight.flatten() for p in net.modules()
                       if isinstance(p, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))])
        assert abs(w.mean()) < 2e-3 and abs(w.std() - 0.02) < 1e-3, (w.mean(), w.std())
        gains = torch.cat([p.weight for p in net.modules() if isinstance(p, (nn.BatchNorm1d, nn.BatchNorm2d))])
        assert abs(gains.mean() - 1) < 5e-3 and 0.01 < gains.std() < 0.03, (gains.mean(), gains.std())
        biases = [p.bias for p in net.modules()
                  if isinstance(p, (nn.BatchNorm1d, nn.BatchNorm2d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
        assert all(float(b.detach().abs().max()) == 0 for b in biases if b is not None)


def _layers(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if not isinstance(m, (nn.Sequential, nn.ModuleList, Generator, Discriminator))]


@pytest.mark.parametrize("shape,dense", [((1, 28, 28), 0), ((1, 28, 28), 16), ((3, 64, 64), None)])
def test_batchnorm_placement(shape, dense):
    """BN after every hidden conv (and dense layer) of G and D, but never on G's output layer nor D's input layer."""
    m = DCGAN(DCGANConfig(ngf=8, ndf=8, dense=dense), shape)
    g, d = _layers(m.G), _layers(m.D)
    # G: the output conv goes straight into tanh.
    assert isinstance(g[-1], nn.Tanh) and isinstance(g[-2], nn.ConvTranspose2d) and g[-2].out_channels == shape[0]
    assert not any(isinstance(x, nn.BatchNorm2d) and x.num_features == shape[0] for x in g)
    # D: the input conv goes straight into LeakyReLU.
    assert isinstance(d[0], nn.Conv2d) and d[0].in_channels == shape[0] and isinstance(d[1], nn.LeakyReLU)
    # Every other conv is followed by BN.
    g_convs = [i for i, x in enumerate(g) if isinstance(x, nn.ConvTranspose2d)][:-1]
    d_convs = [i for i, x in enumerate(d) if isinstance(x, nn.Conv2d)][1:]
    if not dense:
        d_convs = d_convs[:-1]  # the last conv is D's output layer
    assert g_convs and all(isinstance(g[i + 1], nn.BatchNorm2d) for i in g_convs)
    assert all(isinstance(d[i + 1], nn.BatchNorm2d) for i in d_convs)
    assert len(d_convs) == layout(shape[-1])[1] - 1  # a 28x28 D has one BN conv layer, a 64x64 D three
    # The dense hidden layers (dcgan_code's MNIST networks) are batch-normalised; D's output layer is not.
    g_fc = [i for i, x in enumerate(g) if isinstance(x, nn.Linear)]
    d_fc = [i for i, x in enumerate(d) if isinstance(x, nn.Linear)]
    assert len(g_fc) == (1 if dense else 0) and len(d_fc) == (2 if dense else 0)
    assert all(isinstance(g[i + 1], nn.BatchNorm1d) for i in g_fc)
    if dense:
        assert isinstance(d[d_fc[0] + 1], nn.BatchNorm1d) and d_fc[-1] == len(d) - 1


def test_dense_layer_by_image_size():
    """dcgan_code's MNIST networks keep a dense hidden layer (1024); 2^k images follow Sec. 3 without one."""
    assert DCGANConfig().dense_units(28) == 1024 and DCGANConfig().dense_units(64) == 0
    assert DCGANConfig(dense=0).dense_units(28) == 0  # the all-convolutional networks at 28x28
    mnist_like = load_dataset("mnist", "train", n=8, verbose=False)
    assert make_config(mnist_like, "cpu").dense == 256 and make_config(mnist_like, "gpu").dense is None
    m = DCGAN(make_config(mnist_like, "smoke"), (1, 28, 28))
    assert m.G.dense[0].out_features == 32 and m.D.out[1].out_features == 32
    with pytest.raises(ValueError, match="dense must be >= 0"):
        DCGANConfig(dense=-1)


def test_g_output_is_not_batch_normalised():
    """With BN on G's output, every pixel's batch mean would be pinned near tanh(beta); without it, it is free."""
    torch.manual_seed(0)
    m = DCGAN(DCGANConfig(ngf=8, ndf=8), (1, 28, 28))
    last = [x for x in m.G.modules() if isinstance(x, nn.ConvTranspose2d)][-1]
    nn.init.constant_(last.bias, 2.0)  # shift the output layer: BN would undo this, a plain conv passes it on
    assert m.G(m.noise(64)).mean() > 0.9


def test_activations():
    """G: ReLU everywhere but tanh at the output; D: LeakyReLU with slope 0.2, no plain ReLU."""
    m = DCGAN(DCGANConfig(ngf=8, ndf=8), (1, 28, 28))
    g_acts = [x for x in m.G.modules() if isinstance(x, (nn.ReLU, nn.LeakyReLU, nn.Tanh))]
    assert all(type(x) is nn.ReLU for x in g_acts[:-1]) and isinstance(g_acts[-1], nn.Tanh)
    d_acts = [x for x in m.D.modules() if isinstance(x, (nn.ReLU, nn.LeakyReLU))]
    assert d_acts and all(isinstance(x, nn.LeakyReLU) and x.negative_slope == 0.2 for x in d_acts)
    # Behaviour: D's first block passes negative pre-activations through with slope 0.2.
    x = -torch.ones(1, 1, 28, 28)
    conv = m.D.blocks[0][0]
    pre = conv(x)
    assert torch.allclose(m.D.blocks[0](x), torch.where(pre > 0, pre, 0.2 * pre))


def test_train_step(mnist):
    torch.manual_seed(0)
    m = build_model("dcgan", mnist, profile="smoke")
    calls = []

    def draw():
        calls.append(1)
        return mnist.x[:32], None

    before = [p.clone() for p in m.G.parameters()]
    out = m.train_step(draw)
    assert len(calls) == 1
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad and torch.isfinite(v) for v in out.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, m.G.parameters()))


def test_features_for_a_linear_classifier(mnist):
    m = build_model("dcgan", mnist, profile="smoke")
    f = m.D.features(mnist.x[:10])
    c = m.config.ndf
    assert f.shape == (10, (c + 2 * c) * 16)  # two conv layers (c and 2c channels), each max-pooled to 4x4


def test_cli_smoke_train_sample(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "gans_edu"]
    p = subprocess.run([*cmd, "train", "dcgan", "--profile", "smoke", "--steps", "3", "--no-eval", "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"] == "dcgan" and cfg["dataset"] == "mnist" and cfg["steps_done"] == 3
    p = subprocess.run([*cmd, "sample", str(out), "--n", "12", "--out", str(tmp_path / "s.npz")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (12, 1, 28, 28) and np.isfinite(x).all() and x.min() >= -1 and x.max() <= 1
