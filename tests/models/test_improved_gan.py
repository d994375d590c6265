"""Improved GAN: shapes, each technique's pitfall (a test that fails on the buggy variant), semi-supervised mode, CLI."""

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gans_edu.data import load_dataset
from gans_edu.metrics.image import classifier_score
from gans_edu.models import build_model
from gans_edu.models.improved_gan import (
    HistoricalAverage,
    ImprovedGAN,
    ImprovedGANConfig,
    MinibatchDiscrimination,
    ToyGenerator,
    VBNGenerator,
    VirtualBatchNorm1d,
    VirtualBatchNorm2d,
    ablation_switches,
    discriminator_loss,
    feature_matching_loss,
    make_config,
    model_class,
)
from gans_edu.models.improved_gan_semi import OfficialAdam, SemiSupervisedGAN, WNLinear, semi_supervised_d_loss

SMALL = dict(ngf=8, ndf=8, vbn_ref_size=16, mbd_kernels=10)
SSL_SMALL = dict(semi_supervised=True, ssl_d_widths=(64, 32), ssl_g_widths=(32,), ssl_init_size=64)


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", n=300, verbose=False)


@pytest.mark.parametrize("tricks", [{}, dict(feature_matching=True, historical_averaging=True), SSL_SMALL])
def test_shapes_and_step(mnist, tricks):
    torch.manual_seed(0)
    cfg = ImprovedGANConfig(**SMALL, **tricks)
    m = model_class(cfg)(cfg, (1, 28, 28))
    x = m.generate(m.noise(5))
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    logits, f = m.D(x, features=True)
    ssl = tricks.get("semi_supervised", False)
    assert logits.shape == ((5, 10) if ssl else (5,)) and f.shape == ((5, 32) if ssl else (5, 16 * 7 * 7))
    batches = iter([(mnist.x[i : i + 32], mnist.y[i : i + 32]) for i in range(0, 288, 32)] * 3)
    before = [p.clone() for p in m.G.parameters()]
    out = m.train_step(lambda: next(batches))
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad and torch.isfinite(v) for v in out.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, m.G.parameters()))
    assert m.sample(7).shape == (7, 1, 28, 28)


def test_defaults_and_bad_input():
    c = ImprovedGANConfig()
    assert (c.mbd_kernels, c.mbd_kernel_dim, c.real_target, c.lr, c.beta1) == (100, 5, 0.9, 2e-4, 0.5)
    ssl = make_config(load_dataset("mnist", n=10, verbose=False), "smoke", semi_supervised=True)
    assert (ssl.lr, ssl.batch_size, ssl.labels_per_class, ssl.num_classes) == (3e-3, 100, 10, 10)  # official MNIST code
    full = make_config(load_dataset("mnist", n=10, verbose=False), "gpu", semi_supervised=True)
    assert (full.ssl_d_widths, full.ssl_g_widths, full.d_input_noise, full.d_hidden_noise) == ((1000, 500, 250, 250, 250),
                                                                                              (500, 500), 0.3, 0.5)
    assert ssl.ssl_d_widths == (250, 125, 62, 62, 62) and ssl.ssl_g_widths == (250, 250)  # smoke/cpu: narrowed
    with pytest.raises(ValueError, match="ema_decay"):
        ImprovedGANConfig(ema_decay=1.0)
    with pytest.raises(ValueError, match="semi_supervised"):
        make_config(load_dataset("8gaussians", n=10, verbose=False), "smoke", semi_supervised=True)
    with pytest.raises(ValueError, match="valid: DCGAN baseline"):
        ablation_switches("everything")
    with pytest.raises(ValueError, match="real_target"):
        ImprovedGANConfig(real_target=0.3)


# ------------------------------------------------------------------ one-sided label smoothing


def test_smoothing_never_touches_fake_targets():
    """Only real targets move to alpha; the fake half of the loss is exactly the unsmoothed one."""
    real, fake = torch.randn(64), torch.randn(64)
    for alpha in (0.9, 0.75):
        smoothed = discriminator_loss(real, fake, alpha)
        fake_part = F.binary_cross_entropy_with_logits(fake, torch.zeros(64))
        assert torch.allclose(smoothed - fake_part, F.binary_cross_entropy_with_logits(real, torch.full((64,), alpha)))
        # Two-sided smoothing (fake targets 1 - alpha) would give a different loss: this test would fail on it.
        two_sided = F.binary_cross_entropy_with_logits(real, torch.full((64,), alpha)) + \
            F.binary_cross_entropy_with_logits(fake, torch.full((64,), 1 - alpha))
        assert not torch.allclose(smoothed, two_sided)
    # The gradient on a fake logit pushes it down as hard as without smoothing.
    fake = torch.zeros(8, requires_grad=True)
    discriminator_loss(torch.zeros(8), fake, 0.9).backward()
    assert torch.allclose(fake.grad, torch.full((8,), 0.5 / 8))


def test_model_uses_smoothing_only_when_asked(mnist):
    torch.manual_seed(0)
    m = ImprovedGAN(ImprovedGANConfig(**SMALL, label_smoothing=True, real_target=0.75), (1, 28, 28))
    real = mnist.x[:32]
    # With the optimal-in-the-limit real logit log(0.75/0.25), the real part of the loss is at its minimum.
    logit = torch.full((32,), float(np.log(3)), requires_grad=True)
    discriminator_loss(logit, torch.zeros(32), m.config.real_target).backward()
    assert float(logit.grad.abs().max()) < 1e-6
    assert m.D(real).shape == (32,)


# ------------------------------------------------------------------ minibatch discrimination


def test_minibatch_features_depend_on_the_other_samples():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(20, num_kernels=100, kernel_dim=5, init_std=0.1)
    f = torch.randn(8, 20)
    out = layer(f)
    assert out.shape == (8, 120) and torch.equal(out[:, :20], f)  # features passed through, o appended
    g = f.clone()
    g[3] += 0.5  # change one sample
    out2 = layer(g)
    others = [i for i in range(8) if i != 3]
    # Every other sample's o changes (a per-sample layer would leave it as it was) ...
    assert all(not torch.allclose(out[i, 20:], out2[i, 20:]) for i in others)
    # ... while its own features do not, and nothing changes when nothing changes.
    assert torch.equal(out[others, :20], out2[others, :20]) and torch.equal(layer(f), out)
    # o is a function of the set: permuting the batch permutes the outputs.
    perm = torch.randperm(8)
    assert torch.allclose(layer(f[perm]), out[perm], atol=1e-6)


def test_minibatch_features_see_collapse():
    """Identical samples are as close as can be: o_b = N - 1 (self excluded); spread samples give less."""
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(20, num_kernels=10, kernel_dim=5, init_std=0.5)
    same = layer(torch.randn(1, 20).repeat(6, 1))[:, 20:]
    spread = layer(torch.randn(6, 20))[:, 20:]
    assert torch.allclose(same, torch.full_like(same, 5.0)) and float(spread.detach().mean()) < 5.0


# ------------------------------------------------------------------ historical averaging


def test_historical_average_is_the_running_mean_of_past_parameters():
    p = torch.nn.Parameter(torch.tensor([0.0, 10.0]))
    h = HistoricalAverage([p])
    values = [torch.tensor([0.0, 10.0])]
    for v in ([1.0, 4.0], [5.0, -2.0], [2.0, 0.0]):
        with torch.no_grad():
            p.copy_(torch.tensor(v))
        h.update()
        values.append(torch.tensor(v))
        mean = torch.stack(values).mean(0)
        # The plain mean of all values so far (an exponential moving average would weigh recent ones more).
        assert torch.allclose(h.mean[0], mean)
        assert torch.allclose(h.penalty(), ((p - mean) ** 2).sum())
    state = h.state_dict()
    h2 = HistoricalAverage([p])
    h2.load_state_dict(state)
    assert h2.count == 4 and torch.allclose(h2.mean[0], h.mean[0])


def test_historical_penalty_pulls_towards_the_mean():
    p = torch.nn.Parameter(torch.tensor([3.0]))
    h = HistoricalAverage([p])
    with torch.no_grad():
        p.fill_(5.0)
    h.update()  # mean 4
    h.penalty().backward()
    assert torch.allclose(p.grad, torch.tensor([2.0]))  # d/dp (p - 4)^2 at 5


# ------------------------------------------------------------------ virtual batch norm


def test_vbn_does_not_use_the_current_batch_statistics_alone():
    torch.manual_seed(0)
    m = ImprovedGAN(ImprovedGANConfig(**SMALL), (1, 28, 28))
    m.G.eval()
    z = m.noise(6)
    out = m.G(z)
    # An example's output does not depend on the rest of its batch (batch norm's would) ...
    z2 = z.clone()
    z2[1:] = m.noise(5)
    assert torch.allclose(m.G(z2)[0], out[0], atol=1e-5)
    assert torch.allclose(m.G(z[:1])[0], out[0], atol=1e-5)
    # ... but it does depend on the reference batch, fixed at the start and kept with the weights.
    ref = m.G.ref_z.clone()
    assert torch.equal(m.G.ref_z, ref) and "ref_z" in m.G.state_dict()
    m.G.ref_z.copy_(m.noise(len(ref)))
    assert not torch.allclose(m.G(z)[0], out[0], atol=1e-4)


def test_vbn_layer_mixes_reference_and_example():
    torch.manual_seed(0)
    vbn = VirtualBatchNorm2d(3)
    ref, x = torch.randn(10, 3, 4, 4) * 2 + 1, torch.randn(2, 3, 4, 4)
    vbn.reference = True
    vbn(ref)
    vbn.reference = False
    y = vbn(x)
    a = 1 / 11
    mean = a * x.mean((2, 3), keepdim=True) + (1 - a) * ref.mean((0, 2, 3)).view(1, 3, 1, 1)
    sq = a * (x**2).mean((2, 3), keepdim=True) + (1 - a) * (ref**2).mean((0, 2, 3)).view(1, 3, 1, 1)
    assert torch.allclose(y, (x - mean) / torch.sqrt(sq - mean**2 + 1e-5), atol=1e-5)
    bn = (x - x.mean((0, 2, 3), keepdim=True)) / x.std((0, 2, 3), unbiased=False, keepdim=True)
    assert not torch.allclose(y, bn, atol=1e-2)  # not the current batch's own statistics


# ------------------------------------------------------------------ the 2-D toys: MLPs with every trick


@pytest.mark.parametrize("variant", ["DCGAN baseline", "all five"])
def test_toy_shapes_and_step(variant):
    torch.manual_seed(0)
    data = load_dataset("25gaussians", n=512, verbose=False)
    cfg = make_config(data, "smoke", **ablation_switches(variant))
    assert (cfg.z_dim, cfg.toy_width, cfg.batch_size, cfg.lr) == (2, 64, 64, 1e-3)
    m = ImprovedGAN(cfg, data.sample_shape)
    assert isinstance(m.G, VBNGenerator) == (variant == "all five")
    x = m.generate(m.noise(5))
    assert x.shape == (5, 2)
    logits, f = m.D(x, features=True)
    assert logits.shape == (5,) and f.shape == (5, 64)  # features: D's last hidden layer, before minibatch features
    if variant == "all five":
        assert m.D.mbd is not None and m.D.out.in_features == 64 + cfg.mbd_kernels and set(m.history) == {"G", "D"}
    batches = iter([data.x[i : i + 64] for i in range(0, 512, 64)] * 2)
    before = [p.clone() for p in m.G.parameters()]
    out = m.train_step(lambda: (next(batches), None))
    assert all(torch.is_tensor(v) and v.dim() == 0 and torch.isfinite(v) for v in out.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, m.G.parameters()))
    assert m.sample(7).shape == (7, 2)


def test_vbn_1d_uses_the_reference_batch():
    """VirtualBatchNorm1d: reference statistics mixed N/(N+1) with the example; a plain batch norm G fails this."""
    torch.manual_seed(0)
    vbn = VirtualBatchNorm1d(3)
    ref, x = torch.randn(10, 3) * 2 + 1, torch.randn(4, 3)
    vbn.reference = True
    vbn(ref)
    vbn.reference = False
    a = 1 / 11
    mean, sq = a * x + (1 - a) * ref.mean(0), a * x**2 + (1 - a) * (ref**2).mean(0)
    assert torch.allclose(vbn(x), (x - mean) / torch.sqrt(sq - mean**2 + 1e-5), atol=1e-5)
    data = load_dataset("25gaussians", n=64, verbose=False)
    cfg = make_config(data, "smoke")
    plain = ToyGenerator(cfg, (2,))  # the buggy variant: batch norm with the current batch's statistics
    virtual = VBNGenerator(plain, torch.rand(cfg.vbn_ref_size, 2) * 2 - 1)
    z = torch.rand(6, 2) * 2 - 1
    z2 = torch.cat([z[:1], torch.rand(5, 2) * 2 - 1])
    # An example's output does not depend on the rest of its batch ...
    assert torch.allclose(virtual(z)[0], virtual(z2)[0], atol=1e-5)
    assert not torch.allclose(plain(z)[0], plain(z2)[0], atol=1e-3)  # ... the plain batch norm G's does
    # ... but it does depend on the reference batch.
    out = virtual(z)[0]
    virtual.ref_z.copy_(torch.rand(cfg.vbn_ref_size, 2) * 2 - 1)
    assert not torch.allclose(virtual(z)[0], out, atol=1e-4)


def test_toy_feature_matching_and_smoothing_reach_the_step():
    """The switches act in the toy step: feature matching changes G's loss, smoothing D's (same weights, batch)."""
    data = load_dataset("25gaussians", n=256, verbose=False)
    outs = {}
    for name, sw in {"plain": {}, "fm": dict(feature_matching=True), "ls": dict(label_smoothing=True)}.items():
        torch.manual_seed(0)
        m = ImprovedGAN(make_config(data, "smoke", **{**ablation_switches("DCGAN baseline"), **sw}), (2,))
        batches = iter([data.x[:64], data.x[64:128]])
        torch.manual_seed(1)
        outs[name] = m.train_step(lambda b=batches: (next(b), None))
    assert torch.equal(outs["plain"]["d_loss"], outs["fm"]["d_loss"])
    assert not torch.allclose(outs["plain"]["g_loss"], outs["fm"]["g_loss"])
    assert not torch.allclose(outs["plain"]["d_loss"], outs["ls"]["d_loss"])


def test_cli_trains_on_25_gaussians(tmp_path):
    from gans_edu.cli import main

    out = tmp_path / "toy"
    assert main(["train", "improved-gan", "--dataset", "25gaussians", "--profile", "smoke", "--steps", "3",
                 "--out", str(out), "--set", "feature_matching=True", "--set", "historical_averaging=True"]) == 0
    report = json.loads((out / "metrics.json").read_text())
    assert report["dataset"] == "25gaussians" and 0 <= report["model"]["modes_covered"] <= 25
    assert report["real"]["modes_covered"] == 25
    p = subprocess.run([sys.executable, "-m", "gans_edu", "sample", str(out), "--n", "9", "--out", str(tmp_path / "s.npz")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert np.load(tmp_path / "s.npz")["x"].shape == (9, 2)


# ------------------------------------------------------------------ feature matching and semi-supervised mode


def test_feature_matching_targets_the_real_mean_only():
    real = torch.randn(16, 4, requires_grad=True)
    fake = torch.randn(16, 4, requires_grad=True)
    loss = feature_matching_loss(real, fake)
    assert torch.allclose(loss, ((real.mean(0) - fake.mean(0)) ** 2).mean())
    loss.backward()
    assert real.grad is None and fake.grad is not None  # G moves towards the data, never the reverse
    assert float(feature_matching_loss(real, real.detach() + 0)) == 0


def test_semi_supervised_loss_fixes_the_fake_logit_at_zero():
    logits = torch.randn(5, 10)
    lse = torch.logsumexp(logits, 1)
    d = torch.sigmoid(lse)  # Z / (Z + 1) = sigmoid(log Z)
    # The K+1-class softmax with an extra zero logit gives the same "fake" probability.
    p_fake = torch.softmax(torch.cat([logits, torch.zeros(5, 1)], 1), 1)[:, -1]
    assert torch.allclose(1 - d, p_fake)
    sup, unsup = semi_supervised_d_loss(logits, torch.arange(5), logits, logits)
    expected = 0.5 * (-torch.log(d)).mean() + 0.5 * (-torch.log(1 - d)).mean()
    assert torch.allclose(unsup, expected, atol=1e-5) and torch.allclose(sup, F.cross_entropy(logits, torch.arange(5)))
    assert float(semi_supervised_d_loss(logits, torch.arange(5), logits, logits, 0.0)[1]) == 0


def test_semi_supervised_uses_only_the_labelled_subset(mnist):
    torch.manual_seed(0)
    m = SemiSupervisedGAN(ImprovedGANConfig(**SMALL, **SSL_SMALL, labels_per_class=2, batch_size=32), (1, 28, 28))
    seen = []

    def draw():
        i = torch.randint(0, len(mnist), (32,))
        seen.append(i)
        return mnist.x[i], mnist.y[i]

    m.train_step(draw)
    x_lab, y_lab = m.labelled
    assert len(x_lab) == 20 and torch.equal(torch.bincount(y_lab), torch.full((10,), 2))
    state = m.extra_state()
    m2 = SemiSupervisedGAN(ImprovedGANConfig(**SMALL, **SSL_SMALL, labels_per_class=2), (1, 28, 28))
    m2.load_extra_state(state)
    assert torch.equal(m2.labelled[1], y_lab)
    err = m.test_error(mnist.x[:50], mnist.y[:50])
    assert 0 <= err <= 1


def test_official_adam_puts_epsilon_inside_the_square_root():
    """nn.adam_updates: p -= lr m_hat / sqrt(v_hat + 1e-8). With gradients of 1e-5 (G's first layers) that step is
    about lr / 10; torch's Adam (eps outside the root) would take a full lr step: the test fails on it."""
    for opt_cls, expected in ((OfficialAdam, 1e-5 / (1e-10 + 1e-8) ** 0.5), (torch.optim.Adam, 1e-5 / (1e-5 + 1e-8))):
        p = torch.nn.Parameter(torch.zeros(3))
        opt = opt_cls([p], lr=1.0, betas=(0.5, 0.999))
        p.grad = torch.full((3,), 1e-5)
        opt.step()  # first step: m_hat = g, v_hat = g^2
        assert torch.allclose(-p.detach(), torch.full((3,), expected), rtol=1e-4), opt_cls
    assert abs(1e-5 / (1e-10 + 1e-8) ** 0.5 - 1.0) > 0.5  # the two rules really differ here
    # Large gradients: both are sign-like steps of size lr.
    p = torch.nn.Parameter(torch.zeros(2))
    opt = OfficialAdam([p], lr=0.1)
    p.grad = torch.tensor([3.0, -2.0])
    opt.step()
    assert torch.allclose(p.detach(), torch.tensor([-0.1, 0.1]), atol=1e-6)


def test_weight_norm_data_dependent_init():
    """WNLinear.data_init: unit-variance, zero-mean pre-activations on the init batch; the hidden layers' scales are
    then fixed (buffers), only the output layer's scale is trained (official train_scale=True)."""
    torch.manual_seed(0)
    layer = WNLinear(20, 7)
    x = torch.randn(500, 20) * 3 + 1
    z = layer.data_init(x)
    a = layer(x)
    assert torch.allclose(a, z, atol=1e-4)
    assert torch.allclose(a.mean(0), torch.zeros(7), atol=1e-4)
    assert torch.allclose(a.std(0, unbiased=False), torch.ones(7), atol=1e-4)
    assert torch.allclose(layer.weight().norm(dim=1), layer.scale)  # rows of norm `scale`, whatever theta's norm
    assert "scale" not in dict(layer.named_parameters()) and "scale" in dict(layer.named_buffers())
    assert "scale" in dict(WNLinear(20, 7, train_scale=True).named_parameters())


def test_ssl_discriminator_sees_the_official_data_range(mnist):
    """D maps the book's [-1, 1] to the official [0, 1] before its noise (std 0.3 is relative to that range),
    and its noise layers are on in training and off in evaluation."""
    torch.manual_seed(0)
    m = SemiSupervisedGAN(ImprovedGANConfig(**SMALL, **SSL_SMALL), (1, 28, 28))
    D, x = m.D, mnist.x[:8]
    D.eval()
    h = (x.flatten(1) + 1) / 2
    assert h.min() >= 0 and h.max() <= 1
    for layer in D.hidden:
        h = F.relu(layer(h))
    assert torch.allclose(D(x), D.out(h), atol=1e-5)
    assert not torch.allclose(D(x), D.out(F.relu(D.hidden[1](F.relu(D.hidden[0](x.flatten(1)))))), atol=1e-3)
    D.train()
    assert not torch.allclose(D(x), D(x))  # noise while training


def test_classifier_is_the_bias_corrected_running_average(mnist):
    """D_avg after t steps is sum_s d^(t-s) theta_s / sum_s d^(t-s) (the official a += (1-d)(p - a) from 0, divided by
    1 - d^t); without the division, 100 steps at d = 0.9999 would shrink every weight to 1% of its size."""
    torch.manual_seed(0)
    m = SemiSupervisedGAN(ImprovedGANConfig(**SMALL, **SSL_SMALL, batch_size=32, labels_per_class=1, ema_decay=0.9), (1, 28, 28))
    batches = iter([(mnist.x[i : i + 32], mnist.y[i : i + 32]) for i in range(0, 288, 32)] * 20)
    history = []
    for _ in range(4):
        m.train_step(lambda: next(batches))
        history.append([p.detach().clone() for p in m.D.parameters()])
    w = torch.tensor([0.9**3, 0.9**2, 0.9, 1.0])
    for i, a in enumerate(m.D_avg.parameters()):
        expected = sum(wk * h[i] for wk, h in zip(w, history)) / w.sum()
        assert torch.allclose(a, expected, atol=1e-5)
    assert not torch.allclose(next(m.D_avg.parameters()), history[-1][0])
    # classify() uses the average by default, D's own weights on request; both survive a save and load.
    x, y = mnist.x[:64], mnist.y[:64]
    assert not torch.equal(m.D_avg(x), m.D.eval()(x))
    state = m.state_dict()
    m2 = SemiSupervisedGAN(m.config, (1, 28, 28))
    m2.load_state_dict(state)
    assert m2.initialised and m2.ema_steps == 4
    assert torch.equal(m2.classify(x), m.classify(x))
    assert torch.equal(m2.classify(x, averaged=False), m.classify(x, averaged=False))
    assert m.test_error(x, y) == float((m.D_avg(x).argmax(1) != y).float().mean())


def test_learning_rate_schedule_decays_the_last_share_and_resumes(mnist):
    """lr_decay_start=0.5 over 4 steps: constant to step 2, then (4 - step) / (4 - 2) of lr, the counter surviving a
    save and load (the rates 1, 1, 1, 0.5); the default (1.0, the official MNIST code) keeps the rate constant."""
    cfg = ImprovedGANConfig(**SMALL, **SSL_SMALL, batch_size=32, labels_per_class=1, lr_decay_start=0.5)
    batches = iter([(mnist.x[i : i + 32], mnist.y[i : i + 32]) for i in range(0, 288, 32)] * 20)
    m, used = SemiSupervisedGAN(cfg, (1, 28, 28)), []
    m.plan(4)
    for _ in range(2):
        m.train_step(lambda: next(batches))
        used.append([opt.param_groups[0]["lr"] for opt in m.optimizers.values()])  # the rate this step ran at
    resumed = SemiSupervisedGAN(cfg, (1, 28, 28))
    resumed.load_state_dict(m.state_dict())
    resumed.plan(4)  # as fit() does after loading a checkpoint
    for _ in range(2):
        resumed.train_step(lambda: next(batches))
        used.append([opt.param_groups[0]["lr"] for opt in resumed.optimizers.values()])
    np.testing.assert_allclose(used, [[cfg.lr * f] * 2 for f in (1, 1, 1, 0.5)])
    constant = SemiSupervisedGAN(replace(cfg, lr_decay_start=1.0), (1, 28, 28))
    constant.plan(4)
    for _ in range(4):
        constant.train_step(lambda: next(batches))
    assert [opt.param_groups[0]["lr"] for opt in constant.optimizers.values()] == [cfg.lr] * 2
    with pytest.raises(ValueError, match="lr_decay_start"):
        ImprovedGANConfig(lr_decay_start=1.5)


def test_inception_score_split_protocol():
    """The score is computed per split (10 by default): a set whose halves each hold one class scores 1 per split."""
    one_class = torch.zeros(100, 10)
    one_class[:50, 0] = 1
    one_class[50:, 1] = 1
    assert abs(classifier_score(one_class, splits=1)[0] - 2.0) < 1e-6  # over the whole set: two classes, score 2
    assert abs(classifier_score(one_class, splits=2)[0] - 1.0) < 1e-6  # per split: one class each, score 1


def test_cli_train_with_tricks_and_sample(tmp_path):
    from gans_edu.cli import main

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "gans_edu"]
    assert main(["train", "improved-gan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out),
                 "--set", "feature_matching=True", "--set", "historical_averaging=True", "--set", "real_target=0.75"]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"] == "improved-gan" and cfg["steps_done"] == 2
    assert cfg["config"]["feature_matching"] and cfg["config"]["historical_averaging"] and cfg["config"]["real_target"] == 0.75
    p = subprocess.run([*cmd, "sample", str(out), "--n", "12", "--out", str(tmp_path / "s.npz")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (12, 1, 28, 28) and np.isfinite(x).all() and x.min() >= -1 and x.max() <= 1


def test_cli_semi_supervised_resume(tmp_path, capsys):
    out = tmp_path / "run"
    from gans_edu.cli import main

    args = ["train", "improved-gan", "--profile", "smoke", "--no-eval", "--out", str(out), "--set", "semi_supervised=True"]
    assert main([*args, "--steps", "1"]) == 0
    assert main([*args, "--steps", "2", "--resume"]) == 0
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert len(state["model"]["extra"]["labelled"][0]) == 100  # the same 100 labelled digits after resuming
    assert json.loads((out / "config.json").read_text())["config"]["semi_supervised"]
    assert state["model"]["extra"]["initialised"] and state["model"]["extra"]["ema_steps"] == 2
    capsys.readouterr()
    assert main(["evaluate", str(out), "--n", "100"]) == 0  # the classifier's test error beside the sample metrics
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("semi-supervised D: test error ") and lines[0].endswith("on 1000 test digits")
    assert lines[1].split()[0] == "metric"
    report = json.loads((out / "metrics.json").read_text())
    assert 0 <= report["classifier"]["test_error"] <= 1 and report["classifier"]["test_digits"] == 1000


def test_registry_builds_it(mnist):
    m = build_model("improved-gan", mnist, profile="smoke", minibatch_discrimination=False)
    assert m.D.mbd is None and m.config.ngf == 8


def test_semi_supervised_is_a_mode_of_improved_gan(mnist):
    """One registry name: semi_supervised=True builds the Sec. 5 model, which still calls itself improved-gan (its
    checkpoints and the reference improved-gan-semi say so); the Sec. 3 model refuses that config."""
    m = build_model("improved-gan", mnist, profile="smoke", semi_supervised=True, ssl_d_widths=(16,), ssl_g_widths=(8,))
    assert type(m) is SemiSupervisedGAN and m.name == "improved-gan" and isinstance(m.optimizers["D"], OfficialAdam)
    again = build_model("improved-gan", mnist, profile="smoke", config=m.config_dict())  # as a run's config.json
    assert type(again) is SemiSupervisedGAN
    assert type(build_model("improved-gan", mnist, profile="smoke")) is ImprovedGAN
    with pytest.raises(ValueError, match="SemiSupervisedGAN"):
        ImprovedGAN(ImprovedGANConfig(**SMALL, **SSL_SMALL), (1, 28, 28))
    with pytest.raises(ValueError, match="semi_supervised=True"):
        SemiSupervisedGAN(ImprovedGANConfig(**SMALL), (1, 28, 28))
    with pytest.raises(ValueError, match="semi_supervised needs images"):
        SemiSupervisedGAN(ImprovedGANConfig(**SSL_SMALL), (2,))
    # The Sec. 5 names are still importable from improved_gan, as before the split.
    from gans_edu.models import improved_gan, improved_gan_semi

    assert improved_gan.OfficialAdam is OfficialAdam and improved_gan.SEMI_SUPERVISED is improved_gan_semi.SEMI_SUPERVISED
    with pytest.raises(AttributeError):
        improved_gan.no_such_name  # noqa: B018
