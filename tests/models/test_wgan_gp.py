"""WGAN-GP: the penalty's pitfalls (per-sample eps, norm over all non-batch dims, part of the loss), CLI."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.wgan_gp import WGANGP, gradient_penalty, interpolate


class Linear(nn.Module):
    """f(x) = <w, x>: its gradient is w everywhere, so the penalty is known in closed form."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1)


def test_shapes_and_toy_settings(mnist):
    m = build_model("wgan-gp", mnist, profile="smoke")
    assert isinstance(m, WGANGP) and m.sample(4).shape == (4, 1, 28, 28)
    assert m.config.gp_lambda == 10 and m.config.betas == (0.0, 0.9)
    toy = build_model("wgan-gp", load_dataset("8gaussians", n=64, verbose=False), profile="smoke")
    assert toy.config.gp_lambda == 0.1 and toy.config.betas == (0.5, 0.9) and toy.config.batch_size == 256
    assert toy.sample(3).shape == (3, 2)


def test_no_batch_norm_in_the_critic(mnist):
    """Sec. 4: each sample's score must not depend on the rest of its batch (the penalty is per sample).

    WGAN's critic (main.py's DCGAN_D, batch norm included) is the buggy variant: it fails both checks.
    """
    torch.manual_seed(0)
    x = mnist.x[:16]

    def has_bn(m):
        return any(isinstance(mod, nn.modules.batchnorm._BatchNorm) for mod in m.D.modules())

    def mixes_samples(m):  # in training mode, as during the critic's updates
        m.D.train()
        return not torch.allclose(m.D(x)[:4], m.D(x[:4]), atol=1e-6)

    gp = build_model("wgan-gp", mnist, profile="smoke", net="dcgan")
    assert not has_bn(gp) and not mixes_samples(gp) and not has_bn(build_model("wgan-gp", mnist, profile="smoke"))
    clipped = build_model("wgan", mnist, profile="smoke", net="dcgan")
    assert has_bn(clipped) and mixes_samples(clipped)


def test_same_networks_as_wgan_but_the_critic_norm(mnist):
    """A fair comparison with chapter 6: the same G, and the same critic layers less batch norm."""
    gp, clipped = (build_model(name, mnist, profile="cpu", net="dcgan") for name in ("wgan-gp", "wgan"))
    assert [p.shape for p in gp.G.parameters()] == [p.shape for p in clipped.G.parameters()]
    convs = [[mod.weight.shape for mod in m.D.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))] for m in (gp, clipped)]
    assert convs[0] == convs[1]


def test_eps_is_drawn_once_per_sample():
    """x_hat lies on the segment between each real/fake pair: one eps per sample, shared by its pixels."""
    torch.manual_seed(0)
    real, fake = torch.rand(16, 1, 4, 4) + 1.0, -torch.rand(16, 1, 4, 4) - 1.0
    x_hat = interpolate(real, fake)
    eps = (x_hat - fake) / (real - fake)  # (B, 1, 4, 4): per-pixel eps would vary within a sample
    per_sample = eps.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-5)
    assert per_sample[:, 0].std() > 0.1  # and it differs between samples
    assert ((per_sample >= 0) & (per_sample <= 1)).all()


def test_norm_is_over_all_non_batch_dimensions():
    """With f(x) = <w, x> and ||w||_2 = 1 over all of C, H, W, the penalty is exactly 0.

    A norm over one dimension (e.g. dim=1, channels) would see per-pixel norms of 0.5 and give 0.25.
    """
    w = torch.full((1, 1, 2, 2), 0.5)  # ||w|| over all 4 entries = 1
    critic = Linear(w)
    real, fake = torch.randn(8, 1, 2, 2), torch.randn(8, 1, 2, 2)
    gp, norms = gradient_penalty(critic, real, fake)
    assert norms.shape == (8,)
    assert torch.allclose(norms, torch.ones(8)) and gp.item() == pytest.approx(0.0, abs=1e-10)
    critic2 = Linear(torch.full((1, 1, 2, 2), 1.0))  # ||w|| = 2 -> (2 - 1)^2 = 1
    gp2, _ = gradient_penalty(critic2, real, fake)
    assert gp2.item() == pytest.approx(1.0)


def test_penalty_has_a_gradient_for_the_critic():
    """create_graph=True: the penalty is differentiable in the critic's weights (d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w/||w||)."""
    critic = Linear(torch.full((1, 1, 2, 2), 1.0))
    gp, _ = gradient_penalty(critic, torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2))
    gp.backward()
    assert torch.allclose(critic.w.grad, torch.full((1, 1, 2, 2), 1.0))  # 2 * (2 - 1) * 1/2


def test_penalty_is_part_of_the_critic_loss_and_its_gradient(mnist):
    torch.manual_seed(0)
    m = build_model("wgan-gp", mnist, profile="smoke")
    real = mnist.x[:32]
    fake = m.G(m.noise(32)).detach()
    torch.manual_seed(1)
    loss, parts = m.critic_loss(real, fake)
    assert loss.item() == pytest.approx((-parts["w_estimate"] + m.config.gp_lambda * parts["gp"]).item(), rel=1e-5)
    assert parts["gp"] > 0
    params = list(m.D.parameters())
    g_with = torch.autograd.grad(loss, params)
    torch.manual_seed(1)
    m.config.gp_lambda = 0.0
    loss0, _ = m.critic_loss(real, fake)
    g_without = torch.autograd.grad(loss0, params)
    assert any(not torch.allclose(a, b) for a, b in zip(g_with, g_without))


def test_train_step_update_depends_on_lambda(mnist, drawer):
    """The penalty reaches the optimiser: the same step with lambda = 0 moves the critic differently."""

    def critic_after_step(lam):
        torch.manual_seed(0)
        m = build_model("wgan-gp", mnist, profile="smoke", gp_lambda=lam)
        m.train_step(drawer(mnist, m.config.batch_size))
        return torch.cat([p.detach().flatten() for p in m.D.parameters()])

    assert not torch.allclose(critic_after_step(10.0), critic_after_step(0.0))


def test_step_returns_detached_scalars_and_draws_per_critic_step(mnist, drawer):
    m = build_model("wgan-gp", mnist, profile="smoke")
    n = {"draws": 0}
    d = drawer(mnist, m.config.batch_size)

    def counting():
        n["draws"] += 1
        return d()

    out = m.train_step(counting)
    assert n["draws"] == m.config.n_critic
    assert {"w_estimate", "gp", "grad_norm", "critic_loss", "g_loss"} <= set(out)
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())


def test_cli_train_sample_on_a_toy(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "wgan-gp", "--dataset", "8gaussians", "--profile", "smoke", "--steps", "3",
                              "--no-eval", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["steps_done"] == 3
    assert main(["sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    assert np.load(tmp_path / "s.npz")["x"].shape == (10, 2)


def test_negative_lambda_is_a_clear_error(mnist):
    with pytest.raises(ValueError, match="gp_lambda"):
        build_model("wgan-gp", mnist, profile="smoke", gp_lambda=-1)


def test_toy_learning_rate_decays_linearly_to_zero_and_resumes(mnist):
    """Toys: lr * (1 - step / total) for both networks (gan_cifar_resnet.py's DECAY), across a resume; images: constant."""
    toy = load_dataset("8gaussians", n=512, verbose=False)
    draw = lambda: (toy.x[torch.randint(len(toy), (16,))], None)  # noqa: E731
    m = build_model("wgan-gp", toy, profile="smoke", batch_size=16)
    assert m.config.lr_decay and m.config.lr == 1e-3
    used = []
    m.plan(4)
    for _ in range(2):
        m.train_step(draw)
        used.append([opt.param_groups[0]["lr"] for opt in m.optimizers.values()])  # the rate this step ran at
    resumed = build_model("wgan-gp", toy, profile="smoke", batch_size=16)
    resumed.load_state_dict(m.state_dict())
    resumed.plan(4)  # as fit() does after loading a checkpoint
    for _ in range(2):
        resumed.train_step(draw)
        used.append([opt.param_groups[0]["lr"] for opt in resumed.optimizers.values()])
    np.testing.assert_allclose(used, [[1e-3 * f] * 2 for f in (1, 0.75, 0.5, 0.25)])
    images = build_model("wgan-gp", mnist, profile="smoke")
    images.plan(4)
    assert not images.config.lr_decay and images.optimizers["G"].param_groups[0]["lr"] == images.config.lr == 4e-4
