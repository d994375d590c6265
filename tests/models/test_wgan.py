"""WGAN: shapes, the networks, an unbounded critic, the critic schedule, clipping of every parameter after every update, CLI."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.wgan import WGAN, critic_loss, generator_loss


def test_shapes(mnist):
    torch.manual_seed(0)
    m = build_model("wgan", mnist, profile="smoke")
    assert isinstance(m, WGAN)
    x = m.sample(5)
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert m.D(x).shape == (5,)
    toy = build_model("wgan", load_dataset("8gaussians", n=64, verbose=False), profile="smoke")
    assert toy.sample(7).shape == (7, 2) and toy.config.z_dim == 2


def test_official_dcgan_networks_and_the_mlps(mnist):
    """main.py's default: DCGAN's convolutional G and critic, batch norm in both; the toys take the MLPs."""
    m = build_model("wgan", mnist, profile="smoke", net="dcgan")
    assert any(isinstance(mod, nn.Conv2d) for mod in m.D.modules())
    assert any(isinstance(mod, nn.modules.batchnorm._BatchNorm) for mod in m.D.modules())
    mlp = build_model("wgan", mnist, profile="smoke", net="mlp")
    assert not any(isinstance(mod, nn.Conv2d) for mod in mlp.D.modules()) and mlp.sample(2).shape == (2, 1, 28, 28)
    toy = load_dataset("8gaussians", n=64, verbose=False)
    assert build_model("wgan", toy, profile="smoke").config.net == "mlp"
    with pytest.raises(ValueError, match="valid for points: mlp"):
        build_model("wgan", toy, profile="smoke", net="dcgan")
    with pytest.raises(ValueError, match="valid: dcgan, mlp"):
        build_model("wgan", mnist, profile="smoke", net="resnet")


@pytest.mark.parametrize("name", ["wgan", "wgan-gp"])
@pytest.mark.parametrize("net", ["dcgan", "mlp"])
def test_critic_score_is_unbounded(mnist, name, net):
    """The critic ends in a linear layer: raising its bias by 5 raises every score by exactly 5.

    A critic ending in a sigmoid (a discriminator's probability) fails: its scores cannot pass 1
    and would move by less than 5.
    """
    torch.manual_seed(0)
    m = build_model(name, mnist, profile="smoke", net=net)
    x = mnist.x[:8]
    last = [mod for mod in m.D.modules() if isinstance(mod, nn.Linear)][-1]
    before = m.D(x).detach()
    with torch.no_grad():
        last.bias += 5.0
    after = m.D(x).detach()
    torch.testing.assert_close(after - before, torch.full((8,), 5.0))
    assert (after > 1).all()
    assert not torch.allclose(torch.sigmoid(after) - torch.sigmoid(before), torch.full((8,), 5.0))  # the buggy variant


def test_sign_convention():
    real, fake = torch.tensor([3.0, 1.0]), torch.tensor([0.0, 0.0])
    # the critic scores real higher: its Wasserstein estimate is positive and its loss negative
    assert critic_loss(real, fake) == pytest.approx(-2.0)
    assert generator_loss(fake) == 0


def test_official_schedule_and_its_switch(mnist):
    m = build_model("wgan", mnist, profile="cpu")
    assert [m.critic_iters(s) for s in (0, 24, 25, 499, 500, 501, 1000)] == [100, 100, 5, 5, 100, 5, 100]
    paper = build_model("wgan", mnist, profile="cpu", burst_iters=0)
    assert {paper.critic_iters(s) for s in range(0, 1001)} == {5}
    smoke = build_model("wgan", mnist, profile="smoke")  # the same schedule with shorter bursts (a budget change)
    assert [smoke.critic_iters(s) for s in (0, 24, 25, 499, 500, 501, 1000)] == [10, 10, 5, 5, 10, 5, 10]


def test_mnist_defaults_per_profile(mnist):
    """Images: main.py's DCGAN networks; the papers' rates on gpu, four times them for the cpu budget; WGAN-GP follows."""
    cpu, gpu = (build_model("wgan", mnist, profile=p).config for p in ("cpu", "gpu"))
    assert cpu.net == gpu.net == "dcgan" and (cpu.ngf, cpu.ndf, cpu.dense) == (16, 16, 128)
    assert cpu.lr == 2e-4 and gpu.lr == 5e-5 and cpu.clip == gpu.clip == 0.01 and cpu.burst_iters == 100
    gp, gp_gpu = (build_model("wgan-gp", mnist, profile=p).config for p in ("cpu", "gpu"))
    assert (gp.net, gp.ngf, gp.ndf, gp.dense) == (cpu.net, cpu.ngf, cpu.ndf, cpu.dense)
    assert gp.lr == 4e-4 and gp_gpu.lr == 1e-4 and gp.betas == (0.0, 0.9) and gp.gp_lambda == 10


def test_every_critic_parameter_is_clipped_after_every_critic_update(mnist, drawer):
    """A forward pre-hook sees the critic's weights at every evaluation: all must lie in [-c, c].

    A large learning rate makes each RMSProp update leave the box, so clipping only once per
    generator step, or only the weights and not the biases, fails here.
    """
    torch.manual_seed(0)
    m = build_model("wgan", mnist, profile="smoke", lr=0.05, burst_iters=0)
    c = m.config.clip
    seen = []
    m.D.register_forward_pre_hook(lambda mod, args: seen.append(max(p.abs().max().item() for p in mod.parameters())))
    calls = {"n": 0}
    step = m.optimizers["D"].step

    def counting_step(*a, **k):
        calls["n"] += 1
        return step(*a, **k)

    m.optimizers["D"].step = counting_step
    m.train_step(drawer(mnist, m.config.batch_size))
    assert calls["n"] == m.config.n_critic
    assert len(seen) == 2 * m.config.n_critic + 1  # real + fake per critic step, then the generator step
    assert max(seen) <= c + 1e-7
    assert all(p.abs().max() <= c + 1e-7 for p in m.D.parameters())
    # and the updates really did push weights out: without the clamp they would leave the box
    assert any(p.abs().max() > 0.99 * c for p in m.D.parameters())


def test_each_critic_iteration_draws_a_fresh_batch(mnist, drawer):
    m = build_model("wgan", mnist, profile="smoke", burst_iters=0)
    n = {"draws": 0}
    d = drawer(mnist, m.config.batch_size)

    def counting():
        n["draws"] += 1
        return d()

    out = m.train_step(counting)
    assert n["draws"] == m.config.n_critic
    assert set(out) == {"w_estimate", "critic_loss", "g_loss"}
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())


def test_schedule_step_counter_survives_a_checkpoint(mnist, drawer):
    m = build_model("wgan", mnist, profile="smoke", burst_iters=0)
    m.train_step(drawer(mnist, m.config.batch_size))
    m2 = build_model("wgan", mnist, profile="smoke", burst_iters=0)
    m2.load_state_dict(m.state_dict())
    assert m2.g_steps == 1


def test_cli_train_sample(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "wgan", "--profile", "smoke", "--steps", "3", "--no-eval", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["steps_done"] == 3
    assert main(["sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    assert np.load(tmp_path / "s.npz")["x"].shape == (10, 1, 28, 28)


def test_bad_config_is_a_clear_error(mnist):
    with pytest.raises(ValueError, match="valid: tanh, linear"):
        build_model("wgan", mnist, profile="smoke", output="sigmoid")
