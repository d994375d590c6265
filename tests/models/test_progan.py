"""ProGAN: equalized learning rate at run time, fade-in in G and D (and the reals), the penalty's eps apart
from alpha, minibatch stddev, the schedule in images, exact resume mid-schedule, bad resolutions, CLI."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models import progan as P
from gans_edu.train import fit


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", n=256, verbose=False)


def drawer(data, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    return lambda: (data.x[torch.randint(len(data), (batch,), generator=g)], None)


def small(mnist, **kw):
    torch.manual_seed(0)
    return build_model("progan", mnist, profile="smoke", **kw)


def test_shapes_and_paper_settings(mnist):
    m = small(mnist)
    c = m.config
    assert isinstance(m, P.ProGAN) and m.sample_shape == (1, 32, 32)
    assert (c.lr, c.betas, c.adam_eps, c.gp_lambda, c.drift, c.batch_size) == (1e-3, (0.0, 0.99), 1e-8, 10.0, 1e-3, 16)
    assert abs(P.ProGANConfig().ema_decay - 0.999) < 1e-5
    # the cpu profile's budget deviation: 375 steps per phase train at lr 0.01; the gpu profile keeps the paper's
    assert (P.make_config(mnist, "cpu").lr, P.make_config(mnist, "gpu").lr) == (1e-2, 1e-3)
    z = m.noise(5)
    for res in (4, 8, 16, 32):
        assert m.G(z, res, 0.5).shape == (5, 1, res, res)
        assert m.D(torch.randn(5, 1, res, res), res, 0.5).shape == (5,)
        assert m.generate(z, resolution=res).shape == (5, 1, 32, 32)  # lower stages upsampled for display
    assert m.sample(3).shape == (3, 1, 32, 32)
    assert not any(isinstance(x, torch.nn.modules.batchnorm._BatchNorm) for x in m.D.modules())


@pytest.mark.parametrize("bad", [24, 48, 3, 0])
def test_resolution_not_a_power_of_two_is_a_clear_error(mnist, bad):
    with pytest.raises(ValueError, match="power of two"):
        build_model("progan", mnist, profile="smoke", resolution=bad)


def test_resolution_above_the_data_is_a_clear_error(mnist):
    with pytest.raises(ValueError, match="above what the data offers.*valid: 4, 8, 16, 32"):
        build_model("progan", mnist, profile="smoke", resolution=64)
    m = build_model("progan", mnist, profile="smoke", resolution=16)  # below: fine, reals are downsampled
    assert m.sample(2).shape == (2, 1, 16, 16)
    assert m.prepare_real(mnist.x[:2], 16).shape == (2, 1, 16, 16)


def test_equalized_lr_scales_at_run_time():
    """The stored weights are N(0, 1); the He constant multiplies them in every forward pass."""
    torch.manual_seed(0)
    x = torch.randn(4, 8, 6, 6)
    good = P.EqualizedConv2d(8, 16, 3, padding=1)
    bad = P.EqualizedConv2d(8, 16, 3, padding=1, equalized=False)  # He's constant applied once, at init
    c = math.sqrt(2 / (8 * 9))
    assert abs(good.weight.std().item() - 1) < 0.1 and abs(bad.weight.std().item() - c) < 0.05
    w = torch.randn_like(good.weight)
    for layer in (good, bad):
        with torch.no_grad():
            layer.weight.copy_(w)
    assert torch.allclose(good(x), F.conv2d(x, c * w, padding=1), atol=1e-5)
    assert not torch.allclose(bad(x), F.conv2d(x, c * w, padding=1), atol=1e-3)  # the pitfall's output differs
    with torch.no_grad():  # changing the stored weight by a factor changes the output by that factor
        good.weight.mul_(3.0)
    assert torch.allclose(good(x), 3 * F.conv2d(x, c * w, padding=1), atol=1e-4)
    lin = P.EqualizedLinear(10, 3)
    v = torch.randn(2, 10)
    assert torch.allclose(lin(v), v @ (lin.weight * math.sqrt(2 / 10)).T, atol=1e-6)


def test_equalized_lr_gives_every_layer_the_same_relative_step():
    """Why it matters: one Adam step moves the effective weights by the same fraction whatever the fan-in."""

    eq = [P.relative_adam_step(n, True) for n in (8, 512)]
    he = [P.relative_adam_step(n, False) for n in (8, 512)]
    assert abs(eq[0] / eq[1] - 1) < 0.2  # equal relative speed
    assert he[1] / he[0] > 4  # init-only scaling: the wide layer learns ~sqrt(512/8) = 8x faster, relatively


def test_pixel_norm_gives_unit_rms_per_pixel():
    a = torch.randn(3, 16, 5, 5) * 7
    b = P.pixel_norm(a)
    assert torch.allclose(b.pow(2).mean(1), torch.ones(3, 5, 5), atol=1e-4)


def test_minibatch_stddev_is_the_mean_std_over_the_batch():
    torch.manual_seed(0)
    x = torch.randn(8, 4, 4, 4) * torch.arange(1, 5).view(1, 4, 1, 1)
    out = P.minibatch_stddev(x)
    assert out.shape == (8, 5, 4, 4) and torch.equal(out[:, :4], x)
    expected = x.std(dim=0, unbiased=False).mean()  # per feature and position over the batch, then averaged
    assert torch.allclose(out[:, 4], expected.expand(8, 4, 4), atol=1e-5)
    per_sample = x.flatten(1).std(dim=1, unbiased=False).mean()  # the wrong axis: std within each sample
    assert not torch.allclose(out[:, 4], per_sample.expand(8, 4, 4), atol=1e-2)
    # it varies with the batch: a collapsed batch (all samples equal) scores ~0
    assert P.minibatch_stddev(x[:1].expand(8, -1, -1, -1))[:, 4].abs().max() < 1e-3


def test_generator_fade_in(mnist):
    """alpha = 0: the grown G is the previous stage, upsampled; alpha = 1: the old toRGB path is ignored."""
    m = small(mnist)
    z = m.noise(6)
    with torch.no_grad():
        old = m.G(z, 8, 1.0)
        at0, at1, half = m.G(z, 16, 0.0), m.G(z, 16, 1.0), m.G(z, 16, 0.5)
        assert torch.allclose(at0, F.interpolate(old, scale_factor=2, mode="nearest"), atol=1e-5)
        assert torch.allclose(half, 0.5 * at0 + 0.5 * at1, atol=1e-5)  # linear in alpha
        m.G.to_rgb[1].weight.add_(1.0)  # change the old (8x8) toRGB
        assert torch.allclose(m.G(z, 16, 1.0), at1, atol=1e-6)
        assert not torch.allclose(m.G(z, 16, 0.0), at0, atol=1e-3)


def test_discriminator_fades_too(mnist):
    """alpha = 0: D at the new resolution scores exactly what D at the old one scores on the downsampled image."""
    m = small(mnist)
    x = torch.randn(6, 1, 16, 16)
    with torch.no_grad():
        at0 = m.D(x, 16, 0.0)
        assert torch.allclose(at0, m.D(F.avg_pool2d(x, 2), 8, 1.0), atol=1e-5)
        at1 = m.D(x, 16, 1.0)  # a D that skipped the fade (alpha stuck at 1) would score this instead
        assert not torch.allclose(at0, at1, atol=1e-3)
        m.D.from_rgb[1].weight.add_(1.0)  # the old input path matters only while alpha < 1
        assert torch.allclose(m.D(x, 16, 1.0), at1, atol=1e-6)


def test_real_images_fade_like_the_generator():
    x = torch.randn(4, 1, 16, 16)
    assert torch.allclose(P.fade_real(x, 0.0), F.interpolate(F.avg_pool2d(x, 2), scale_factor=2), atol=1e-6)
    assert torch.equal(P.fade_real(x, 1.0), x)


def test_penalty_eps_does_not_touch_alpha(mnist):
    """D is called at the model's alpha everywhere in the critic loss, including on the penalty's x_hat."""
    m = small(mnist)
    seen = []
    forward = m.D.forward

    def spy(x, res, alpha=1.0):
        seen.append(alpha)
        return forward(x, res, alpha)

    m.D.forward = spy
    real, fake = torch.randn(8, 1, 16, 16), torch.randn(8, 1, 16, 16)
    m.critic_loss(real, fake, 16, 0.3)
    assert len(seen) == 3 and seen == [0.3, 0.3, 0.3]
    # the pitfall (the paper's authors' own warning): one name for both, so the penalty's eps becomes D's alpha
    seen.clear()
    eps = torch.rand(1).item()
    x_hat = eps * real + (1 - eps) * fake
    spy(x_hat, 16, eps)
    assert seen != [0.3]


def test_schedule_is_counted_in_images():
    c = P.ProGANConfig(resolution=16, images_per_phase=100, batch_size=10)
    assert P.schedule(c, 0) == (0, 4, 1.0)
    assert P.schedule(c, 99) == (0, 4, 1.0)
    assert P.schedule(c, 100) == (1, 8, 0.0)
    assert P.schedule(c, 150) == (1, 8, 0.5)  # alpha rises linearly with the images shown
    assert P.schedule(c, 200) == (2, 8, 1.0)
    assert P.schedule(c, 330) == (3, 16, 0.3)
    assert P.schedule(c, 10_000) == (4, 16, 1.0)  # after the schedule: final resolution, alpha 1
    assert P.total_images(c) == 500
    fixed = P.ProGANConfig(resolution=16, progressive=False)
    assert P.schedule(fixed, 0) == (0, 16, 1.0)


def test_training_grows_and_updates_the_ema(mnist):
    m = small(mnist, images_per_phase=32)
    draw = drawer(mnist, m.config.batch_size)
    ema_before = [p.clone() for p in m.G_ema.parameters()]
    stages = []
    for _ in range(2 * 7 + 2):  # 32 images per phase, batch 16: 2 steps per phase, 7 phases to 32x32
        stages.append(m.stage[1:])
        out = m.train_step(draw)
        assert all(torch.isfinite(v).all() for v in out.values())
    assert [s[0] for s in stages][::2] == [4, 8, 8, 16, 16, 32, 32, 32]
    assert stages[2] == (8, 0.0) and stages[3] == (8, 0.5)
    assert m.images_seen == 16 * 16 and len(m.phase_samples) == 6
    assert [(r, a) for _, r, a, _ in m.phase_samples] == [(4, 1.0), (8, 0.5), (8, 1.0), (16, 0.5), (16, 1.0), (32, 0.5)]
    moved = [not torch.equal(a, b) for a, b in zip(ema_before, m.G_ema.parameters())]
    assert all(moved)
    # the EMA lags G: not equal to it, but closer to it than its own start
    g, e = torch.cat([p.flatten() for p in m.G.parameters()]), torch.cat([p.flatten() for p in m.G_ema.parameters()])
    e0 = torch.cat([p.flatten() for p in ema_before])
    assert not torch.allclose(g, e) and (g - e).norm() < (g - e0).norm()


def test_fixed_resolution_baseline_trains_at_the_final_size(mnist):
    m = small(mnist, progressive=False)
    draw = drawer(mnist, m.config.batch_size)
    out = m.train_step(draw)
    assert out["resolution"].item() == 32 and out["alpha"].item() == 1.0 and m.stage == (0, 32, 1.0)


def test_resume_mid_schedule_is_exact(mnist, tmp_path):
    """Stop in the middle of a fade-in, resume: the same weights, EMA, phase and alpha as one straight run."""

    def run(steps, out, resume=False):
        torch.manual_seed(0)
        m = build_model("progan", mnist, profile="smoke", images_per_phase=48)
        if resume:  # a fresh process would reseed too
            torch.manual_seed(123)
        fit(m, mnist, steps=steps, out_dir=out, resume=resume, progress=False, snapshot_every=0, checkpoint_every=1000)
        return m

    straight = run(9, tmp_path / "a")  # 9 steps x 16 = 144 images: phase 3 (fade to 16x16) starts at 144
    run(5, tmp_path / "b")  # 80 images: in the middle of the first fade (alpha = 32/48)
    half = build_model("progan", mnist, profile="smoke", images_per_phase=48)
    from gans_edu.train import load_model_state

    load_model_state(tmp_path / "b" / "checkpoint.pt", half)
    assert half.stage[1] == 8 and 0 < half.stage[2] < 1 and half.images_seen == 80
    resumed = run(9, tmp_path / "b", resume=True)
    assert resumed.stage == straight.stage and resumed.images_seen == straight.images_seen
    for a, b in zip(list(straight.G.parameters()) + list(straight.G_ema.parameters()) + list(straight.D.parameters()),
                    list(resumed.G.parameters()) + list(resumed.G_ema.parameters()) + list(resumed.D.parameters())):
        assert torch.allclose(a, b, atol=1e-6)
    assert len(resumed.phase_samples) == len(straight.phase_samples)


def test_cli_train_grows_samples_and_resumes(tmp_path):
    out = tmp_path / "run"
    args = ["train", "progan", "--profile", "smoke", "--no-eval", "--set", "images_per_phase=32", "--out", str(out)]
    assert main(args + ["--steps", "5"]) == 0  # 80 images: mid-schedule
    assert main(args + ["--steps", "14", "--resume"]) == 0  # 224 images: all 7 phases, grown to 32x32
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["steps_done"] == 14 and cfg["config"]["images_per_phase"] == 32
    assert main(["sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (10, 1, 32, 32) and np.isfinite(x).all()
    assert main(["train", "progan", "--profile", "smoke", "--set", "resolution=48", "--out", str(tmp_path / "bad")]) == 2
    # without --steps the run covers the whole schedule of the overridden config, not the profile's default one
    full = tmp_path / "full"
    assert main(["train", "progan", "--profile", "smoke", "--no-eval", "--set", "images_per_phase=48", "--out", str(full)]) == 0
    cfg = json.loads((full / "config.json").read_text())
    assert cfg["steps_done"] == 21, cfg["steps_done"]  # 7 phases x 48 images / batch 16 (the profile's default: 28)
