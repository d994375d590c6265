"""BEGAN: shapes, the Sec. 3.5 architecture, k_t in [0, 1], M_global's formula, the controller's direction, CLI."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import began as began_module
from gans_edu.models import build_model
from gans_edu.models.began import BEGAN, Decoder, Encoder, convergence_measure, reconstruction_loss, update_k

PAPER = {"arch_g": "paper", "arch_d": "paper", "init": "pytorch"}  # the paper's networks (the book's default differs)


def test_shapes(mnist):
    m = build_model("began", mnist, profile="smoke", **PAPER)
    assert isinstance(m, BEGAN)
    x = m.sample(5)
    assert x.shape == (5, 1, 28, 28)
    assert m.D(x).shape == x.shape  # D is an autoencoder: it returns a reconstruction
    assert m.D.encoder(x).shape == (5, m.config.h)
    assert reconstruction_loss(m.D, x).dim() == 0
    assert float(m.k) == m.config.k0 == 0.0


@pytest.mark.parametrize("size", [28, 32])
def test_layout_by_image_size(size):
    """28x28 starts the decoder at 7x7, 2^k images at the paper's 8x8; each doubles up to the image."""
    cfg = build_model("began", load_dataset("mnist", n=16, verbose=False), profile="smoke", **PAPER).config
    shape = (1, size, size)
    dec, enc = Decoder(cfg, shape), Encoder(cfg, shape)
    assert dec.start == (7 if size == 28 else 8)
    assert dec(torch.zeros(2, cfg.h)).shape == (2, *shape)
    assert enc(torch.zeros(2, *shape)).shape == (2, cfg.h)
    with pytest.raises(ValueError, match="28x28 or 2"):
        Decoder(cfg, (1, 30, 30))


def test_architecture_follows_the_paper(mnist):
    """Sec. 3.5: 3x3 convolutions with ELU, no batch norm, no transposed convolutions, filters n, 2n, 3n,
    linear embedding; G has the decoder's architecture but its own weights."""
    m = build_model("began", mnist, profile="smoke", **PAPER)
    n = m.config.n
    modules = list(m.G.modules()) + list(m.D.modules())
    assert not any(isinstance(x, nn.modules.batchnorm._BatchNorm) for x in modules)
    assert not any(isinstance(x, (nn.ConvTranspose2d, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Dropout)) for x in modules)
    convs = [x for x in modules if isinstance(x, nn.Conv2d)]
    assert convs and all(c.kernel_size == (3, 3) for c in convs)
    assert sum(isinstance(x, nn.ELU) for x in modules) >= len(convs) - 2  # every conv but the two image outputs
    enc_widths = sorted({c.out_channels for c in m.D.encoder.modules() if isinstance(c, nn.Conv2d)})
    assert enc_widths == [n, 2 * n, 3 * n]  # 28x28: two downsamplings, filters growing linearly
    strided = [c for c in m.D.encoder.modules() if isinstance(c, nn.Conv2d) and c.stride == (2, 2)]
    assert len(strided) == 2
    assert isinstance(m.D.encoder.fc, nn.Linear) and isinstance(m.D.decoder.fc, nn.Linear)  # no nonlinearity at h
    with torch.no_grad():
        m.D.encoder.fc.bias.fill_(-3.0)
        assert (m.D.encoder(m.sample(4)) < -1).any()  # an ELU after the embedding would bound it below by -1
    g_shapes = [p.shape for p in m.G.net.parameters()]
    assert g_shapes == [p.shape for p in m.D.decoder.parameters()]
    assert not torch.equal(next(m.G.net.parameters()), next(m.D.decoder.parameters()))


def test_decoder_upsamples_by_nearest_neighbour(mnist, monkeypatch):
    """Sec. 3.5: upsampling by nearest neighbour (not bilinear, not transposed convolutions)."""
    modes = []
    real_interpolate = began_module.F.interpolate

    def spy(*args, **kwargs):
        modes.append(kwargs.get("mode"))
        return real_interpolate(*args, **kwargs)

    monkeypatch.setattr(began_module.F, "interpolate", spy)
    m = build_model("began", mnist, profile="smoke", **PAPER)
    m.sample(2)
    assert modes == ["nearest", "nearest"]  # 7 -> 14 -> 28
    modes.clear()
    build_model("began", mnist, profile="smoke", skip=True, **PAPER).sample(2)
    assert modes and set(modes) == {"nearest"}  # with skips h0 is upsampled too


def test_skip_connections_feed_h0_to_every_resolution(mnist):
    """Sec. 3.5.1: with skip=True, h0 (upsampled) joins each block after the first, so the blocks take 2n channels."""
    plain = build_model("began", mnist, profile="smoke", **PAPER)
    skip = build_model("began", mnist, profile="smoke", skip=True, **PAPER)
    n = plain.config.n
    first_in = [b[0].in_channels for b in skip.G.net.blocks]
    assert first_in == [n, 2 * n, 2 * n]
    assert [b[0].in_channels for b in plain.G.net.blocks] == [n, n, n]
    assert skip.sample(3).shape == (3, 1, 28, 28)


def test_k_update_formula_and_clip():
    k = torch.tensor(0.5)
    assert update_k(k, torch.tensor(1.0), torch.tensor(0.2), 0.5, 0.1).item() == pytest.approx(0.53)
    # The pitfall: k_t not clipped. The unclipped update leaves [0, 1]; ours stops at the bounds.
    unclipped = lambda k, lx, lg: k + 0.1 * (0.5 * lx - lg)  # noqa: E731
    assert unclipped(0.0, 0.0, 5.0) == pytest.approx(-0.5)
    assert update_k(torch.tensor(0.0), torch.tensor(0.0), torch.tensor(5.0), 0.5, 0.1).item() == 0.0
    assert unclipped(1.0, 5.0, 0.0) == pytest.approx(1.25)
    assert update_k(torch.tensor(1.0), torch.tensor(5.0), torch.tensor(0.0), 0.5, 0.1).item() == 1.0


def _ks(mnist, drawer, gamma):
    torch.manual_seed(0)
    m = build_model("began", mnist, profile="smoke", lambda_k=50.0, gamma=gamma)
    d = drawer(mnist, m.config.batch_size)
    return [m.train_step(d)["k"].item() for _ in range(6)] + [m.k.item()]


def test_k_stays_in_unit_interval_during_training(mnist, drawer, monkeypatch):
    """A huge lambda_k drives k against its bounds: it must stop at 0 and 1, never beyond."""
    for gamma in (0.1, 1.0):
        ks = _ks(mnist, drawer, gamma)
        assert all(0.0 <= k <= 1.0 for k in ks), ks
        assert any(k in (0.0, 1.0) for k in ks[1:]), ks
    # The buggy variant (no clip) leaves [0, 1] on the same runs, so the check above can fail.
    monkeypatch.setattr(began_module, "update_k", lambda k, lx, lg, gamma, lam: k + lam * (gamma * lx - lg))
    assert any(not 0.0 <= k <= 1.0 for gamma in (0.1, 1.0) for k in _ks(mnist, drawer, gamma))


def test_m_global_matches_its_formula(mnist, drawer):
    torch.manual_seed(0)
    m = build_model("began", mnist, profile="smoke", gamma=0.3)
    out = m.train_step(drawer(mnist, m.config.batch_size))
    lx, lg = out["loss_real"].item(), out["g_loss"].item()
    assert out["m_global"].item() == pytest.approx(lx + abs(0.3 * lx - lg), rel=1e-6)
    assert convergence_measure(torch.tensor(1.0), torch.tensor(0.7), 0.5).item() == pytest.approx(1.2)
    assert 1.0 + (0.5 * 1.0 - 0.7) == pytest.approx(0.8)  # without the absolute value: a different number
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())


def test_d_loss_weighs_fakes_by_k(mnist, drawer):
    """L_D = L(x) - k_t L(G(z_D)): at k = 0 D only reconstructs real images; at k > 0 the fakes' error is subtracted."""
    torch.manual_seed(0)
    m = build_model("began", mnist, profile="smoke")
    out = m.train_step(drawer(mnist, m.config.batch_size))
    assert out["k"].item() == 0.0 and out["d_loss"].item() == pytest.approx(out["loss_real"].item())
    m.k = torch.tensor(0.5)
    out = m.train_step(drawer(mnist, m.config.batch_size, seed=1))
    assert out["d_loss"].item() < out["loss_real"].item()


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


def test_bad_settings_are_clear_errors(mnist):
    with pytest.raises(ValueError, match="gamma"):
        build_model("began", mnist, profile="smoke", gamma=0.0)
    with pytest.raises(ValueError, match="n must be positive"):
        build_model("began", mnist, profile="smoke", n=0)
    with pytest.raises(ValueError, match="cannot train on"):
        build_model("began", load_dataset("8gaussians", n=64, verbose=False), profile="smoke")


def test_glorot_init_and_output_bias_options(mnist):
    m = build_model("began", mnist, profile="smoke", **{**PAPER, "init": "glorot"}, out_bias=-1.0)
    default = build_model("began", mnist, profile="smoke", **PAPER)
    for net in (m.G, m.D):
        for layer in net.modules():
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                fan_in = layer.weight[0].numel()
                fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
                bound = (6 / (fan_in + fan_out)) ** 0.5
                assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.5 * bound
                if layer not in (m.G.net.out, m.D.decoder.out):
                    assert (layer.bias == 0).all()
    assert (m.G.net.out.bias == -1).all() and (m.D.decoder.out.bias == -1).all()
    assert (default.G.net.out.bias != -1).all()  # without the option the biases stay PyTorch's
    with pytest.raises(ValueError, match="valid: pytorch, glorot, normal"):
        build_model("began", mnist, profile="smoke", init="xavier")


def test_dcgan_style_networks_option(mnist):
    m = build_model("began", mnist, profile="smoke", arch_g="dcgan", arch_d="shallow", init="normal")
    assert isinstance(m.G, began_module.DCGANStyleGenerator) and isinstance(m.D, began_module.ShallowAutoencoderD)
    x = m.sample(6)
    assert x.shape == (6, 1, 28, 28) and x.abs().max() <= 1  # tanh output
    assert any(isinstance(layer, nn.BatchNorm2d) for layer in m.G.modules())
    convs = [layer for net in (m.G, m.D) for layer in net.modules() if isinstance(layer, nn.Conv2d)]
    assert all(abs(float(c.weight.detach().std()) - 0.02) < 0.01 for c in convs if c.weight.numel() > 200)  # N(0, 0.02)
    # The mechanism: with a batch-normalised code, a batch of copies of one image is reconstructed the same
    # way whatever the image (its code is normalised to zero): D's output depends on the batch, not only the image.
    m.D.train()
    a, b = mnist.x[:1].repeat(8, 1, 1, 1), mnist.x[1:2].repeat(8, 1, 1, 1)
    with torch.no_grad():
        assert torch.allclose(m.D(a), m.D(b), atol=1e-4)
        assert not torch.allclose(m.D(mnist.x[:8]), m.D(mnist.x[8:16]), atol=1e-4)
    book = build_model("began", mnist, profile="smoke")  # the book's default: these networks, gamma 0.7
    assert isinstance(book.D, began_module.ShallowAutoencoderD) and book.config.gamma == 0.7
    assert began_module.BEGANConfig().arch_g == "paper" and began_module.BEGANConfig().gamma == 0.5  # the paper's
    paper = build_model("began", mnist, profile="smoke", **PAPER)
    assert isinstance(paper.G, began_module.Generator) and isinstance(paper.D, began_module.AutoencoderD)
    with pytest.raises(ValueError, match="valid: paper, dcgan"):
        build_model("began", mnist, profile="smoke", arch_g="resnet")
    with pytest.raises(ValueError, match="valid: paper, shallow"):
        build_model("began", mnist, profile="smoke", arch_d="deep")
    with pytest.raises(ValueError, match="out_bias applies"):
        build_model("began", mnist, profile="smoke", arch_g="dcgan", out_bias=-1.0)
