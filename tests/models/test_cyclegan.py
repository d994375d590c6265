"""CycleGAN: shapes, the pitfalls (pool, identity loss, halved D loss, decay to 0), exact resume, printed digits, CLI.

Each pitfall test also runs the buggy variant and shows that the test tells them apart.
"""

import json
import os
import signal

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.cyclegan import (
    CycleGAN,
    ImagePool,
    PatchDiscriminator,
    ResnetGenerator,
    blocks_for,
    discriminator_loss,
    evaluate_translation,
    identity_loss,
    lr_factor,
    translation_table,
)
from gans_edu.printed import FONTS, printed_digits
from gans_edu.train import fit


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", n=64, verbose=False)


# --------------------------------------------------------------------------- shapes

def test_shapes_and_paper_settings(mnist):
    torch.manual_seed(0)
    m = build_model("cyclegan", mnist, profile="smoke")
    assert isinstance(m, CycleGAN)
    x = mnist.x[:3]
    assert m.G_ab(x).shape == (3, 1, 28, 28) and m.G_ba(x).shape == (3, 1, 28, 28)
    assert m.D_a(x).shape == (3, 1, 5, 5)  # a 5 x 5 grid of patch scores
    assert m.translate(x, "a2b").shape == (3, 1, 28, 28) and m.sample(4).shape == (4, 1, 28, 28)
    assert m.G_ab(x).abs().max() <= 1  # tanh output
    c = build_model("cyclegan", mnist, profile="gpu").config
    assert (c.lambda_cycle, c.lambda_identity, c.pool_size, c.lr, c.beta1) == (10.0, 0.5, 50, 2e-4, 0.5)
    assert blocks_for(256) == 9 and blocks_for(128) == 6 and blocks_for(28) == 3
    assert any(isinstance(mod, nn.InstanceNorm2d) for mod in m.G_ab.modules())
    with pytest.raises(ValueError, match="expected images of shape"):
        m.translate(torch.zeros(2, 3, 28, 28), "a2b")
    with pytest.raises(ValueError, match="valid: a2b, b2a"):
        m.translate(x, "ab")


def test_patchgan_sees_70x70_patches_at_the_papers_depth():
    """The paper's D (3 strided layers): each output depends on exactly a 70 x 70 input patch.

    (Instance norm mixes all positions through its statistics, so it is taken out to see the convolutions' reach.)
    """
    D = PatchDiscriminator(1, 4, 3)
    for i, mod in enumerate(D.net):
        if isinstance(mod, nn.InstanceNorm2d):
            D.net[i] = nn.Identity()
    x = torch.randn(1, 1, 128, 128, requires_grad=True)
    out = D(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1)).flatten()
    cols = torch.nonzero(x.grad[0, 0].abs().sum(0)).flatten()
    assert rows.max() - rows.min() + 1 == 70 and cols.max() - cols.min() + 1 == 70


def test_generator_has_residual_blocks_at_quarter_resolution():
    G = ResnetGenerator(1, 8, 3)
    assert G(torch.randn(2, 1, 28, 28)).shape == (2, 1, 28, 28)
    assert sum(type(mod).__name__ == "ResnetBlock" for mod in G.modules()) == 3


# --------------------------------------------------------------------------- the image pool

def pool_behaviour(pool_cls, n_queries=2000):
    """Fill a pool with 50 images, then query one at a time: share of returned images that were stored, and
    whether the stored tensors still carry the generator's graph."""
    pool = pool_cls(50, seed=0)
    w = torch.ones((), requires_grad=True)
    first = [pool.query(torch.full((1, 1, 2, 2), float(i)) * w) for i in range(50)]
    filling_returns_input = all(float(r[0, 0, 0, 0].detach()) == i for i, r in enumerate(first))
    from_store = 0
    for k in range(n_queries):
        new = 1000.0 + k
        out = pool.query(torch.full((1, 1, 2, 2), new) * w)
        from_store += float(out[0, 0, 0, 0].detach()) != new
    stored_attached = any(img.requires_grad or img.grad_fn is not None for img in pool.images)
    return filling_returns_input, from_store / n_queries, stored_attached, len(pool.images)


class AlwaysStoredPool(ImagePool):
    """Buggy: once full, always hands back a stored image."""

    def query(self, images):
        out = []
        for img in images.detach():
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            else:
                i = int(torch.randint(self.size, (1,), generator=self.generator))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
        return torch.stack(out)


class UndetachedPool(ImagePool):
    """Buggy: stores the images with their graph (no detach)."""

    def query(self, images):
        out = []
        for img in images:
            if len(self.images) < self.size:
                self.images.append(img)
                out.append(img)
            elif torch.rand(1, generator=self.generator).item() > 0.5:
                i = int(torch.randint(self.size, (1,), generator=self.generator))
                out.append(self.images[i])
                self.images[i] = img
            else:
                out.append(img)
        return torch.stack(out)


def test_pool_returns_stored_images_half_the_time_once_full_and_stores_detached():
    filling, share, attached, size = pool_behaviour(ImagePool)
    assert filling and size == 50 and 0.45 < share < 0.55 and not attached
    # The buggy variants fail the same checks.
    _, share_bug, _, _ = pool_behaviour(AlwaysStoredPool)
    assert not 0.45 < share_bug < 0.55
    _, _, attached_bug, _ = pool_behaviour(UndetachedPool)
    assert attached_bug


def test_pool_off_passes_images_through():
    pool = ImagePool(0)
    x = torch.randn(4, 1, 2, 2)
    assert torch.equal(pool.query(x), x) and pool.images == []


# --------------------------------------------------------------------------- identity loss

class Constant(nn.Module):
    """A 'generator' that outputs one value everywhere (with a parameter, so it can be trained)."""

    def __init__(self, value):
        super().__init__()
        self.value = nn.Parameter(torch.tensor(float(value)))

    def forward(self, x):
        return torch.zeros_like(x) + self.value


def test_identity_loss_feeds_each_generator_its_own_target_domain():
    """G_ab only ever outputs B-like images (here: the value 0.7 of every real B image), G_ba A-like (-0.3).

    Fed an image of its own target domain, each returns it unchanged: the identity loss is 0. The swapped
    variant (G_ab fed A, G_ba fed B) asks each generator not to translate and is far from 0.
    """
    real_a, real_b = torch.full((4, 1, 3, 3), -0.3), torch.full((4, 1, 3, 3), 0.7)
    G_ab, G_ba = Constant(0.7), Constant(-0.3)
    assert identity_loss(G_ab, G_ba, real_a, real_b).item() == pytest.approx(0.0)
    swapped = F.l1_loss(G_ab(real_a), real_a) + F.l1_loss(G_ba(real_b), real_b)
    assert swapped.item() == pytest.approx(2.0)


def test_train_step_gives_generators_the_right_images(mnist):
    """In a real step, G_ab sees the B batch only through the identity term (and the A batch for translation)."""
    torch.manual_seed(0)
    seen = {"G_ab": [], "G_ba": []}

    def run(identity):
        m = build_model("cyclegan", mnist, profile="smoke", identity_loss=identity)
        real_a, real_b = mnist.x[:4], -mnist.x[4:8]
        m._draw_b = lambda: real_b
        for name in seen:
            seen[name] = []
            getattr(m, name).register_forward_hook(lambda mod, inp, out, name=name: seen[name].append(inp[0]))
        m.train_step(lambda: (real_a, None))
        fed_b_to_ab = any(torch.equal(x, real_b) for x in seen["G_ab"])
        fed_a_to_ba = any(torch.equal(x, real_a) for x in seen["G_ba"])
        fed_a_to_ab = any(torch.equal(x, real_a) for x in seen["G_ab"])
        return fed_b_to_ab, fed_a_to_ba, fed_a_to_ab

    assert run(True) == (True, True, True)
    assert run(False) == (False, False, True)  # without the identity loss, G_ab never sees a real B image


# --------------------------------------------------------------------------- the discriminator loss

class ConstantD(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = nn.Parameter(torch.tensor(float(value)))

    def forward(self, x):
        return torch.zeros(len(x), 1, 5, 5) + self.value


def test_discriminator_loss_is_halved():
    """D outputs 0 everywhere: (0 - 1)^2 on real and 0^2 on fake sum to 1; the paper's loss is half of it,
    and so is its gradient."""
    real, fake = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    D = ConstantD(0.0)
    loss = discriminator_loss(D, real, fake)
    assert loss.item() == pytest.approx(0.5)
    unhalved = F.mse_loss(D(real), torch.ones(4, 1, 5, 5)) + F.mse_loss(D(fake), torch.zeros(4, 1, 5, 5))
    assert unhalved.item() == pytest.approx(1.0) and unhalved.item() != pytest.approx(loss.item())
    (g,) = torch.autograd.grad(loss, D.value)
    (g_bug,) = torch.autograd.grad(unhalved, D.value)
    assert g.item() == pytest.approx(-1.0) and g_bug.item() == pytest.approx(2 * g.item())


def test_discriminator_loss_does_not_reach_the_generator():
    G = Constant(0.2)
    D = PatchDiscriminator(1, 4, 2)
    discriminator_loss(D, torch.randn(2, 1, 28, 28), G(torch.randn(2, 1, 28, 28))).backward()
    assert G.value.grad is None


# --------------------------------------------------------------------------- learning-rate schedule

def official_rule(step, total, decay_start=0.5):
    """The official code's rule, 1 - max(0, epoch - n_epochs) / (n_epochs_decay + 1): it never reaches 0."""
    start = round(decay_start * total)
    return 1.0 - max(0, step - start) / (total - start + 1)


def test_lr_constant_then_linear_to_zero_at_the_end(mnist):
    torch.manual_seed(0)
    m = build_model("cyclegan", mnist, profile="smoke")
    lrs = []
    step = m.train_step

    def recording_step(draw):
        lrs.append(m.lr)
        return step(draw)

    m.train_step = recording_step
    fit(m, mnist, steps=10, progress=False, snapshot_fn=None)
    base = m.config.lr
    assert lrs[:6] == [base] * 6  # steps 0..5: constant (decay starts after half of the run)
    assert all(a > b for a, b in zip(lrs[5:], lrs[6:]))  # then strictly decreasing
    assert np.allclose(np.diff(lrs[5:]), -base / 5)  # linearly
    assert m.lr == 0.0 and lr_factor(10, 10) == 0.0  # and exactly 0 once the run is done
    assert official_rule(10, 10) > 0  # the rule that stops short of 0 fails this test
    assert lr_factor(3, None) == 1.0  # a time budget: no known end, no decay


# --------------------------------------------------------------------------- resume, ablation switches

def _interrupt_at(step_to_stop):
    def snap(model):
        if model.step == step_to_stop:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: stop after this step, keep the checkpoint
        return None

    return snap


def test_resume_is_exact(mnist, tmp_path):
    """Pools, the B sampler, the step counter (the schedule) and the RNG are all in the checkpoint."""
    torch.manual_seed(0)
    straight = build_model("cyclegan", mnist, profile="smoke", pool_size=2)
    fit(straight, mnist, steps=8, progress=False, snapshot_fn=None)
    torch.manual_seed(0)
    first = build_model("cyclegan", mnist, profile="smoke", pool_size=2)
    r = fit(first, mnist, steps=8, out_dir=tmp_path, progress=False, snapshot_every=1, snapshot_fn=_interrupt_at(4))
    assert r.stopped == "interrupted" and r.steps == 4
    torch.manual_seed(123)  # a different state: resume must restore everything itself
    resumed = build_model("cyclegan", mnist, profile="smoke", pool_size=2)
    fit(resumed, mnist, steps=8, out_dir=tmp_path, resume=True, progress=False, snapshot_fn=None)
    for name, net in straight.nets.items():
        for p, q in zip(net.parameters(), resumed.nets[name].parameters()):
            assert torch.equal(p, q), name
    assert resumed.lr == 0.0 and resumed.step == 8


def drawer(data, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    return lambda: (data.x[torch.randint(len(data), (batch,), generator=g)], None)


def test_ablation_switches_drop_their_terms(mnist):
    torch.manual_seed(0)
    full = build_model("cyclegan", mnist, profile="smoke").train_step(drawer(mnist, 4))
    assert full["cycle"] > 0 and full["identity"] > 0
    no_cycle = build_model("cyclegan", mnist, profile="smoke", cycle_loss=False).train_step(drawer(mnist, 4))
    no_idt = build_model("cyclegan", mnist, profile="smoke", identity_loss=False).train_step(drawer(mnist, 4))
    assert no_cycle["cycle"] == 0 and no_cycle["identity"] > 0 and no_idt["identity"] == 0 and no_idt["cycle"] > 0
    no_pool = build_model("cyclegan", mnist, profile="smoke", pool=False)
    no_pool.train_step(drawer(mnist, 4))
    assert no_pool.pool_a.images == [] and all(v.dim() == 0 and not v.requires_grad for v in full.values())


# --------------------------------------------------------------------------- printed digits

def test_printed_digits_are_deterministic_balanced_and_labelled():
    from gans_edu.printed import _cached, glyphs

    x, y = printed_digits("test")
    _cached.cache_clear()
    glyphs.cache_clear()
    x2, y2 = printed_digits("test")
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert x.shape == (1000, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.bincount(y).tolist() == [100] * 10
    assert x.min() == -1 and x.max() <= 1  # MNIST's range
    border = torch.cat([x[:, 0, 0], x[:, 0, -1], x[:, 0, :, 0], x[:, 0, :, -1]], 1)  # (N, 112)
    assert (border > -1).any(1).float().mean() < 0.02  # background -1, digits kept inside (a rotated few touch)
    xt, _ = printed_digits("train")
    assert len(xt) == 4000 and not torch.equal(xt[:1000], x)
    small = load_dataset("printed-digits", "test", n=10, verbose=False)
    assert torch.equal(small.x, x[:10]) and small.num_classes == 10
    assert len(FONTS) >= 10


def test_printed_labels_are_right():
    """The shipped printed-digit classifier reads the test split; a shuffled labelling would score ~10%."""
    from gans_edu.metrics.printed_classifier import classify_printed

    x, y = printed_digits("test")
    _, p = classify_printed(x)
    acc = (p.argmax(1) == y).float().mean().item()
    wrong = (p.argmax(1) == y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]).float().mean()
    assert acc > 0.97 and wrong < 0.2


def test_export_printed_digits(tmp_path):
    out = tmp_path / "p.npz"
    assert main(["data", "export", "printed-digits", "--split", "test", "--n", "20", "--out", str(out)]) == 0
    d = np.load(out)
    assert d["x"].shape == (20, 1, 28, 28) and d["y"].shape == (20,)
    assert np.array_equal(d["x"], printed_digits("test")[0][:20].numpy())


# --------------------------------------------------------------------------- command line

@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cyclegan") / "run"
    assert main(["train", "cyclegan", "--profile", "smoke", "--steps", "3", "--out", str(out)]) == 0
    return out


def test_cli_train_then_translate(run_dir, tmp_path):
    for f in ("config.json", "history.csv", "checkpoint.pt", "samples.png", "metrics.json"):
        assert (run_dir / f).is_file(), f
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 0 <= metrics["a2b"]["label_kept"] <= 1 and metrics["b2a"]["label_real"] > 0.9
    src = tmp_path / "printed.npz"
    assert main(["data", "export", "printed-digits", "--split", "test", "--n", "12", "--out", str(src)]) == 0
    for direction in ("a2b", "b2a"):
        out = tmp_path / f"{direction}.npz"
        assert main(["translate", str(run_dir), "--input", str(src), "--direction", direction, "--out", str(out)]) == 0
        d = np.load(out)
        assert d["x"].shape == (12, 1, 28, 28) and d["x"].dtype == np.float32 and d["y"].shape == (12,)
        assert np.abs(d["x"]).max() <= 1


def test_translate_errors_are_one_line(run_dir, tmp_path, capsys):
    rgb, flat = tmp_path / "rgb.npz", tmp_path / "flat.npz"
    np.savez(rgb, x=np.zeros((2, 3, 28, 28), np.float32))
    np.savez(flat, x=np.zeros((2, 784), np.float32))
    cases = [
        ([str(run_dir), "--input", str(rgb), "--direction", "a2b", "--out", "o.npz"], "3 channels, the model takes 1"),
        ([str(run_dir), "--input", str(flat), "--direction", "a2b", "--out", "o.npz"], "expected (N, 1, 28, 28)"),
        ([str(run_dir), "--input", str(rgb), "--direction", "sideways", "--out", "o.npz"], "invalid choice"),
        ([str(run_dir), "--input", str(tmp_path / "none.npz"), "--direction", "a2b", "--out", "o.npz"],
         "does not exist"),
        ([str(tmp_path), "--input", str(rgb), "--direction", "a2b", "--out", "o.npz"], "not a run directory"),
    ]
    for args, message in cases:
        assert main(["translate", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err, err


def test_evaluate_translation_of_doing_nothing():
    """A 'translation' that returns its input moves nothing, keeps exactly the untranslated score, and stays as
    far from the target digits as the input was."""

    class Identity:
        config = type("C", (), {"domain_b": "printed-digits"})()

        def translate(self, x, direction):
            return x.clone()

    report = evaluate_translation(Identity(), n=100)
    for d, r in report.items():
        assert r["moved"] == 0.0 and r["cycle_l1"] == 0.0, d
        assert r["label_kept"] == r["label_untranslated"] and r["frechet"] == pytest.approx(r["frechet_untranslated"])
        assert r["to_target"] == pytest.approx(r["moved_needed"])
        assert 0.1 < r["moved_needed"] < 1.0 and 0.05 < r["to_target_real"] < 1.0, (d, r)
    table = translation_table(report)
    assert table.loc[("handwritten -> printed", "L1 moved from the input"), "untranslated"] == 0.0
