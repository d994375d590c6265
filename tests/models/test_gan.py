"""The 2014 GAN: shapes, the losses, Algorithm 1, the paper's MNIST setting, and the command line."""

import copy
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
    MARGINALS_SIZE,
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
    # Both networks step together on one batch (AdversaryCost2); G's output bias from the pixel marginals.
    assert (c.update, c.g_bias_from_data, c.final_momentum, c.lr_decay) == ("simultaneous", True, 0.7, 1.000004)
    # mnist.yaml's schedule (the default): momentum 0.5 -> 0.7 from epoch 1 to 250 (500 steps an epoch on 50,000
    # digits, 40 on the 4,000 offline ones), learning rate divided by 1.000004 every step.
    assert mnist_config("cpu", final_momentum=0.7).momentum_ramp == (500, 125_000)
    assert mnist_config("cpu", n_data=4000, final_momentum=0.7).momentum_ramp == (40, 10_000)
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
    m = build_model("gan", mnist, profile="smoke", k=3, update="alternating", g_bias_from_data=False)
    calls = []

    def draw():
        calls.append(1)
        return mnist.x[:32], None

    out = m.train_step(draw)
    assert len(calls) == 3
    assert all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in out.values())
    assert all(torch.isfinite(v) for v in out.values())


def _one_step(update, mnist):
    """One training step from identical networks and noise, without dropout (so the result is deterministic)."""
    torch.manual_seed(0)
    m = build_model("gan", mnist, profile="smoke", update=update, d_input_dropout=0.0, d_dropout=0.0,
                    g_init_range=None, d_init_range=None, g_bias_from_data=False)  # PyTorch init: updates above float eps
    before = copy.deepcopy(m)
    torch.manual_seed(1)
    m.train_step(lambda: (mnist.x[:32], None))
    return before, m


def test_simultaneous_update_steps_g_against_the_d_before_its_step(mnist):
    """mnist.yaml (AdversaryCost2): both gradients come from one forward pass, so G's step sees D *before* D's
    step; Algorithm 1 as written (alternating) lets G see the updated D. Both must be what they claim."""
    before, m = _one_step("simultaneous", mnist)
    torch.manual_seed(1)
    z = before.noise(32)  # the noise the step drew (same seed, same first draw)
    loss = generator_loss(before.D(before.G(z)), "non-saturating")
    grads = torch.autograd.grad(loss, list(before.G.parameters()))
    lr = before.config.lr  # first SGD step: the momentum buffer is the gradient itself
    expected = torch.cat([-lr * g.flatten() for g in grads])  # G's update, against the D from before D's step

    def g_update(after):
        return torch.cat([(a - b).flatten() for a, b in zip(after.G.parameters(), before.G.parameters())])

    assert (g_update(m) - expected).norm() < 1e-3 * expected.norm()
    _, alt = _one_step("alternating", mnist)  # G stepped against the updated D, on fresh noise
    assert (g_update(alt) - expected).norm() > 0.1 * expected.norm()
    # D's step is the same in both: the first thing either does, on the same real batch and generated batch.
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(m.D.parameters(), alt.D.parameters()))


def test_output_bias_starts_at_the_pixel_marginals(mnist):
    """mnist.yaml: init_sigmoid_bias_from_marginals. G's first samples are the mean digit, not uniform grey."""
    draws = []

    def draw():
        draws.append(1)
        return mnist.x[torch.randint(len(mnist), (100,))], None

    torch.manual_seed(0)
    m = build_model("gan", mnist, profile="smoke", g_bias_from_data=True)
    plain = build_model("gan", mnist, profile="smoke")
    mean_digit = mnist.x.mean(0)
    m.train_step(draw)
    assert len(draws) == MARGINALS_SIZE // 100 + 1  # the marginals' batches, then the step's own
    m.train_step(draw)
    assert len(draws) == MARGINALS_SIZE // 100 + 2  # only once
    fresh = build_model("gan", mnist, profile="smoke", g_bias_from_data=True)
    fresh.init_output_bias(mnist.x)
    err = (fresh.sample(200).mean(0) - mean_digit).abs().mean()
    err_plain = (plain.sample(200).mean(0) - mean_digit).abs().mean()
    assert err < 0.1 < err_plain  # the plain init draws grey (0 in [-1, 1]) where the data are mostly black (-1)
    assert m.extra_state()["bias_initialised"] is True
    resumed = build_model("gan", mnist, profile="smoke", g_bias_from_data=True)
    resumed.load_extra_state(m.extra_state())
    resumed.train_step(draw)
    assert len(draws) == MARGINALS_SIZE // 100 + 3  # a resumed run keeps its trained bias


def test_schedule_follows_mnist_yaml(mnist):
    m = build_model("gan", mnist, profile="smoke", final_momentum=0.7, lr_decay=1.000004)  # 200 digits: ramp 2 -> 500
    assert m.config.momentum_ramp == (2, 500)
    assert m.schedule(0) == (0.1, 0.5) and m.schedule(2) == pytest.approx((0.1 / 1.000004**2, 0.5), rel=1e-12)
    lr, mom = m.schedule(251)
    assert mom == pytest.approx(0.6) and lr == pytest.approx(0.1 / 1.000004**251, rel=1e-12)
    assert m.schedule(10**9) == (1e-6, 0.7)  # the decay stops at min_lr, the ramp at final_momentum
    for _ in range(3):
        m.train_step(lambda: (mnist.x[:32], None))
    assert m.steps_done == 3 and m.optimizers["G"].param_groups[0]["momentum"] == m.schedule(2)[1]
    assert m.optimizers["D"].param_groups[0]["lr"] == m.schedule(2)[0]
    resumed = build_model("gan", mnist, profile="smoke", final_momentum=0.7, lr_decay=1.000004)
    resumed.load_extra_state(m.extra_state())
    assert resumed.steps_done == 3  # a resumed run continues the schedule


def test_schedule_on_mnist_by_default_and_off_for_toys(mnist):
    m = build_model("gan", mnist, profile="smoke")  # MNIST: mnist.yaml's decay and momentum ramp
    m.train_step(lambda: (mnist.x[:32], None))
    assert m.optimizers["G"].param_groups[0]["momentum"] == 0.5  # the ramp starts after the first epoch
    lr, momentum = m.schedule(10**6)
    assert lr < 0.1 and momentum == 0.7
    off = build_model("gan", mnist, profile="smoke", final_momentum=None, lr_decay=1.0)
    assert off.schedule(10**6) == (0.1, 0.5)
    toy = build_model("gan", load_dataset("8gaussians", n=256, verbose=False), profile="smoke")
    assert (toy.config.final_momentum, toy.config.lr_decay) == (None, 1.0)  # the toys use Adam, no schedule


def test_bad_config():
    with pytest.raises(ValueError, match="valid: non-saturating, minimax"):
        GANConfig(g_loss="saturating")
    with pytest.raises(ValueError, match="valid: sigmoid, tanh, linear"):
        GANConfig(output="relu")
    with pytest.raises(ValueError, match="valid: sgd, adam"):
        GANConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="k = 3 needs update='alternating'"):
        GANConfig(k=3)
    with pytest.raises(ValueError, match="valid: alternating, simultaneous"):
        GANConfig(update="both")
    with pytest.raises(ValueError, match="output='sigmoid'"):
        GANConfig(output="tanh", g_bias_from_data=True)


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
