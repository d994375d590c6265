"""Speed options (gans_edu.accelerate) on the CPU, where torch supports them: bf16 autocast for every model, what
bf16 does to WGAN-GP's gradient penalty, torch.compile (wiring with a cheap backend; inductor once, slow),
channels-last, and that the model is left as it was (plain modules in ``nets`` and in the checkpoint)."""

import copy

import pytest
import torch

from gans_edu.accelerate import EAGER, Speed, autocast, net_wrapper, swapped_nets
from gans_edu.data import load_dataset
from gans_edu.models import MODELS, build_model
from gans_edu.models.wgan_gp import gradient_penalty
from gans_edu.train import fit


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", n=256, verbose=False)


def _draw(data, batch, seed=0):
    g = torch.Generator().manual_seed(seed)

    def draw():
        idx = torch.randint(len(data), (batch,), generator=g)
        return data.x[idx], data.y[idx]

    return draw


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_steps_under_bf16_autocast(name, mnist):
    torch.manual_seed(0)
    model = build_model(name, mnist, profile="smoke")
    with autocast(torch.device("cpu"), "bf16"):
        losses = model.train_step(_draw(mnist, model.config.batch_size))
    assert all(torch.isfinite(v).all() for v in losses.values()), losses
    # the weights and the optimisers' state stay float32: autocast only casts the operands of matmuls and convs
    assert all(p.dtype == torch.float32 for net in model.nets.values() for p in net.parameters())


def test_wgan_gp_penalty_under_bf16(mnist):
    """The gradient-of-the-gradient in bf16: the penalty and the per-sample norms move by about 0.3% and the penalty's
    gradient for each critic weight by 0.2-0.3% (measured after 30 smoke steps), so the penalty stays under autocast
    like everything else (forcing it to float32 would cost a second pass through D for nothing measurable)."""
    torch.manual_seed(0)
    model = build_model("wgan-gp", mnist, profile="smoke")
    fit(model, mnist, steps=30, snapshot_fn=None, progress=False)
    real, fake = mnist.x[:256], model.G(model.noise(256)).detach()

    def penalty(amp):
        D = copy.deepcopy(model.D)
        D.zero_grad(set_to_none=True)
        torch.manual_seed(1)  # the same eps
        with autocast(torch.device("cpu"), amp):
            gp, norms = gradient_penalty(D, real, fake)
            gp.backward()
        return gp.detach(), norms, {n: p.grad for n, p in D.named_parameters() if p.grad is not None}

    (gp32, n32, g32), (gp16, n16, g16) = penalty("off"), penalty("bf16")
    assert gp16.dtype == torch.float32  # the loss itself is float32 (autocast's reductions)
    assert abs(gp16 - gp32) / gp32 < 0.01 and abs(n16.mean() - n32.mean()) / n32.mean() < 0.01
    assert g16.keys() == g32.keys()
    for name, g in g32.items():
        if g.norm() > 0:
            assert (g16[name] - g).norm() / g.norm() < 0.02, name


def test_fit_with_bf16_and_channels_last_leaves_the_model_as_it_was(mnist, tmp_path):
    torch.manual_seed(0)
    model = build_model("dcgan", mnist, profile="smoke")
    G, D = model.G, model.D
    result = fit(model, mnist, steps=3, out_dir=tmp_path, snapshot_fn=None, progress=False,
                 speed=Speed(amp="bf16", channels_last=True))
    assert result.steps == 3 and model.G is G is model.nets["G"] and model.D is D
    conv = next(m for m in model.D.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["model"]["nets"]
    assert state["G"].keys() == G.state_dict().keys()


def test_compile_swaps_the_networks_a_step_calls_but_not_a_double_backward_critic(mnist):
    torch.manual_seed(0)
    model = build_model("wgan-gp", mnist, profile="smoke")
    G, D = model.G, model.D
    assert EAGER["wgan-gp"] == ("D",)
    with swapped_nets(model, net_wrapper(model, compile=True, backend="aot_eager")) as wrapped:
        assert set(wrapped) == {"G"} and model.G is wrapped["G"] and model.D is D and model.nets["G"] is G
        losses = model.train_step(_draw(mnist, model.config.batch_size))  # the penalty's double backward runs eager
    assert model.G is G and all(torch.isfinite(v) for v in losses.values())
    with pytest.raises(ValueError, match="valid: off, bf16"):
        Speed(amp="fp16")


@pytest.mark.slow
def test_inductor_compiled_dcgan_matches_eager(mnist):
    """torch.compile's default backend (inductor, C++ on the CPU): about a minute to compile here, then the same
    losses as eager mode to float rounding."""
    runs = []
    for speed in (Speed(), Speed(compile=True)):
        torch.manual_seed(0)
        model = build_model("dcgan", mnist, profile="smoke")
        runs.append(fit(model, mnist, steps=3, log_every=1, snapshot_fn=None, progress=False, speed=speed).history)
    for eager, compiled in zip(*runs):
        for k in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert abs(eager[k] - compiled[k]) < 1e-4, (k, eager[k], compiled[k])
