"""CycleGAN, Zhu, Park, Isola & Efros 2017 (arXiv 1703.10593); official code junyanz/pytorch-CycleGAN-and-pix2pix.

A is handwritten digits (the training data), B printed digits (:mod:`gans_edu.printed`), never paired.
``G_ab`` / ``G_ba`` are the paper's G: X -> Y and F: Y -> X; ``D_b`` / ``D_a`` are D_Y and D_X.

Paper -> code:

* Eq. (1), the adversarial loss, least-squares (Sec. 4) -> :func:`lsgan_loss`; D's loss halved -> :func:`discriminator_loss`.
* Eq. (2), the cycle loss ``||F(G(x)) - x||_1 + ||G(F(y)) - y||_1`` -> :func:`cycle_loss`.
* Eq. (3), the full objective, lambda = 10 (Sec. 4) -> :meth:`CycleGAN.train_step`.
* Sec. 5.2, the identity loss ``||G(y) - y||_1 + ||F(x) - x||_1``, weight 0.5 lambda (official) -> :func:`identity_loss`.
* Sec. 4, D trained on a history of the 50 last generated images -> :class:`ImagePool` (official ``image_pool.py``).
* Sec. 4 / App. 7.2, ResNet G, 70x70 PatchGAN, instance norm, weights N(0, 0.02) -> :class:`ResnetGenerator`,
  :class:`PatchDiscriminator`, :func:`init_weights`.
* Sec. 4, Adam 2e-4 (beta1 0.5), batch 1, constant lr for half the run, then linear to 0 -> :meth:`CycleGAN.plan`.

Deviations:

* 28x28 digits: 3 residual blocks (paper: 6 at 128, 9 at 256), a PatchGAN with 2 strided layers (34x34 patches).
* the schedule counts steps, not epochs; cpu profile: narrower networks and batches of 16 instead of 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel, lr_factor, set_learning_rate
from gans_edu.profiles import pick
from gans_edu.train import BatchSampler

DIRECTIONS = ("a2b", "b2a")


@dataclass
class CycleGANConfig:
    """Hyperparameters of CycleGAN. Defaults: the paper (Sec. 4, Sec. 7.2) or its official code where said."""

    ngf: int = 64  # App. 7.2: c7s1-64 first layer; official --ngf 64
    ndf: int = 64  # App. 7.2: C64 first layer; official --ndf 64
    n_blocks: int = 0  # residual blocks; 0: by image size (9 at >= 256, 6 at >= 128, 3 below: ours)
    d_layers: int = 0  # strided PatchGAN layers; 0: by image size (3 -> 70x70 patches at >= 64, 2 below: ours)
    lambda_cycle: float = 10.0  # Sec. 4: "we set lambda = 10 in Equation 3" (both directions)
    lambda_identity: float = 0.5  # official --lambda_identity 0.5 (times lambda_cycle)
    pool_size: int = 50  # Sec. 4: "we keep an image buffer that stores the 50 previously created images"
    lr: float = 2e-4  # Sec. 4: "learning rate of 0.0002"
    beta1: float = 0.5  # official --beta1 0.5
    beta2: float = 0.999  # Adam's default, as in the official code
    batch_size: int = 1  # Sec. 4: "batch size of 1"
    decay_start: float = 0.5  # Sec. 4: constant for 100 epochs, then linear decay to 0 over the next 100
    init_std: float = 0.02  # Sec. 4 / official init_type normal, gain 0.02
    domain_b: str = "printed-digits"  # the second domain, drawn by the model itself
    # Ablation switches (Sec. 5.1.4 removes the cycle loss; the pool and identity loss are separate choices).
    cycle_loss: bool = True
    identity_loss: bool = True
    pool: bool = True

    def __post_init__(self) -> None:
        for name in ("ngf", "ndf", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.domain_b != "printed-digits":
            raise ValueError(f"unknown domain_b {self.domain_b!r}; valid: printed-digits")
        if not 0 <= self.decay_start <= 1:
            raise ValueError(f"decay_start must be in [0, 1], got {self.decay_start}")


def make_config(data: Dataset, profile: str | None = None, **overrides: Any) -> CycleGANConfig:
    """The paper's settings; smaller profiles narrow the networks and batch images (never the losses)."""
    if data.kind != "image":
        raise ValueError(f"CycleGAN translates images, not the 2-D toy {data.name!r}")
    # cpu: 1,000 steps in about 5 minutes on one thread; wider nets, longer runs, a higher rate and lighter losses
    # did no better in about the same time (lab notes, chapter 10).
    budget = pick(smoke=dict(ngf=4, ndf=4, batch_size=4), cpu=dict(ngf=8, ndf=16, batch_size=16),
                  gpu=dict(ngf=32, ndf=32, batch_size=16), profile=profile)
    return replace(CycleGANConfig(), **{**budget, **overrides})


def default_steps(data: Dataset, profile: str | None = None) -> int:
    """Training steps per profile (cpu: under five minutes on one thread)."""
    return pick(smoke=4, cpu=1000, gpu=20000, profile=profile)


def blocks_for(size: int) -> int:
    """Residual blocks by image size: the paper's 9 at 256, 6 at 128; 3 for our 28x28 digits."""
    return 9 if size >= 256 else 6 if size >= 128 else 3


def d_layers_for(size: int) -> int:
    """Strided PatchGAN layers: the paper's 3 (70x70 patches) from 64 pixels up, 2 (34x34) below."""
    return 3 if size >= 64 else 2


# --------------------------------------------------------------------------- networks

class ResnetBlock(nn.Module):
    """R_k: two 3x3 convolutions with reflection padding and instance norm, added to the input."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """App. 7.2: c7s1-ngf, d(2 ngf), d(4 ngf), R(4 ngf) x n, u(2 ngf), u(ngf), c7s1-C, tanh."""

    def __init__(self, channels: int, ngf: int, n_blocks: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU()]
        for mult in (1, 2):  # (B, ngf, H, W) -> (B, 4 ngf, H/4, W/4)
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1),
                       nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU()]
        layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]  # (B, 4 ngf, H/4, W/4), e.g. 7x7 for digits
        for mult in (4, 2):  # (B, 4 ngf, H/4, W/4) -> (B, ngf, H, W)
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU()]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, C, H, W) -> (B, C, H, W)


class PatchDiscriminator(nn.Module):
    """PatchGAN: C(ndf) (no norm), C(2 ndf), ... strided 4x4 convs, one stride-1 layer, then a 1-channel map.

    Each output is the real/fake score of one overlapping patch (70x70 with 3 strided layers).
    """

    def __init__(self, channels: int, ndf: int, n_layers: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c = ndf
        for n in range(1, n_layers + 1):
            c_out = ndf * min(2**n, 8)
            stride = 2 if n < n_layers else 1  # the last C-block keeps the resolution, as in the official code
            layers += [nn.Conv2d(c, c_out, 4, stride=stride, padding=1), nn.InstanceNorm2d(c_out), nn.LeakyReLU(0.2)]
            c = c_out
        layers.append(nn.Conv2d(c, 1, 4, stride=1, padding=1))  # (B, c, h, w) -> (B, 1, h-1, w-1) patch scores
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # 28x28 digits, 2 layers: (B, 1, 28, 28) -> (B, 1, 5, 5)


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """Conv weights ~ N(0, std), biases 0 (official ``init_type='normal'``)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# --------------------------------------------------------------------------- losses and the pool

def lsgan_loss(scores: torch.Tensor, target_real: bool) -> torch.Tensor:
    """Least-squares GAN loss: mean (D - 1)^2 for a real target, mean D^2 for a fake one."""
    return F.mse_loss(scores, torch.full_like(scores, 1.0 if target_real else 0.0))


def discriminator_loss(D: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """0.5 [ (D(real) - 1)^2 + D(fake)^2 ]: halved, "which slows down the rate at which D learns" (Sec. 4)."""
    return 0.5 * (lsgan_loss(D(real), True) + lsgan_loss(D(fake.detach()), False))


def cycle_loss(real: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    """Eq. 2, one direction: mean |F(G(x)) - x|."""
    return F.l1_loss(reconstructed, real)


def identity_loss(G_ab: nn.Module, G_ba: nn.Module, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
    """|G_ab(b) - b| + |G_ba(a) - a|: each generator gets a real image of **its own target domain** and should
    leave it alone (Sec. 5.2). Feeding G_ab an image from A instead would ask it not to translate at all."""
    return F.l1_loss(G_ab(real_b), real_b) + F.l1_loss(G_ba(real_a), real_a)


class ImagePool:
    """Sec. 4 (``util/image_pool.py``): a buffer of past generated images for the discriminator.

    Until ``size`` images are stored, each new image is stored and returned. Then each new image is, with
    probability 0.5, swapped for a random stored one (which is returned, the new one stored in its place), and
    otherwise returned as is. Images are detached before storing: the pool must not keep the generator's graph.
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """Return a batch of the same shape: new and stored images, as the rule above says."""
        if self.size <= 0:
            return images.detach()
        out = []
        for img in images.detach():
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand(1, generator=self.generator).item() > 0.5:
                i = int(torch.randint(self.size, (1,), generator=self.generator))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
            else:
                out.append(img)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        stored = torch.stack(self.images).cpu() if self.images else torch.empty(0)
        return {"images": stored, "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any], device: torch.device | str = "cpu") -> None:
        self.images = [img.to(device) for img in state["images"]] if state["images"].numel() else []
        self.generator.set_state(state["generator"].cpu())


# --------------------------------------------------------------------------- the model

class CycleGAN(GANModel):
    """CycleGAN between handwritten digits (A, the training dataset) and printed digits (B, drawn by the model).

    ``sample``/``generate`` translate printed test digits into handwriting (B -> A): CycleGAN has no noise,
    so its "noise" (:meth:`noise`) is a printed digit. :meth:`translate` goes either way.
    """

    name = "cyclegan"

    def __init__(self, config: CycleGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        if len(self.sample_shape) != 3:
            raise ValueError(f"CycleGAN needs images of shape (C, H, W), got sample shape {self.sample_shape}")
        channels, size = self.sample_shape[0], self.sample_shape[-1]
        n_blocks = config.n_blocks or blocks_for(size)
        d_layers = config.d_layers or d_layers_for(size)
        self.G_ab = ResnetGenerator(channels, config.ngf, n_blocks)  # the paper's G: X -> Y
        self.G_ba = ResnetGenerator(channels, config.ngf, n_blocks)  # the paper's F: Y -> X
        self.D_a = PatchDiscriminator(channels, config.ndf, d_layers)  # D_X: real handwriting?
        self.D_b = PatchDiscriminator(channels, config.ndf, d_layers)  # D_Y: real print?
        self.nets = {"G_ab": self.G_ab, "G_ba": self.G_ba, "D_a": self.D_a, "D_b": self.D_b}
        for net in self.nets.values():
            init_weights(net, config.init_std)
            net.to(self.device)
        betas = (config.beta1, config.beta2)
        # One Adam for both generators and one for both discriminators, as in the official code.
        self.optimizers = {
            "G": torch.optim.Adam([*self.G_ab.parameters(), *self.G_ba.parameters()], lr=config.lr, betas=betas),
            "D": torch.optim.Adam([*self.D_a.parameters(), *self.D_b.parameters()], lr=config.lr, betas=betas),
        }
        # The model's own randomness (B batches, pools) is seeded from the torch RNG, which the caller seeds.
        seeds = torch.randint(0, 2**31 - 1, (3,)).tolist()
        self.pool_a = ImagePool(config.pool_size if config.pool else 0, seeds[0])  # fake handwriting for D_a
        self.pool_b = ImagePool(config.pool_size if config.pool else 0, seeds[1])  # fake print for D_b
        self._b_seed = seeds[2]
        self._b_sampler: Any = None
        self._b_x: torch.Tensor | None = None
        self.step = 0  # steps done: drives the learning-rate schedule
        self.total_steps: int | None = None

    # ------------------------------------------------------------------ domain B
    def _domain_b(self, split: str) -> torch.Tensor:
        from gans_edu.data import load_dataset

        return load_dataset(self.config.domain_b, split, verbose=False).x

    def _load_b(self) -> None:
        if self._b_x is None:  # rendered on first use, so that translating never pays for it
            self._b_x = self._domain_b("train").to(self.device)
            self._b_sampler = BatchSampler(len(self._b_x), self.config.batch_size, self._b_seed, device=self.device)

    def _draw_b(self) -> torch.Tensor:
        """A batch of printed digits, unaligned with A's batch (an independent sampler, its own order)."""
        self._load_b()
        return self._b_x[self._b_sampler.next()]  # indices on the device: nothing copied

    # ------------------------------------------------------------------ schedule
    def plan(self, steps: int | None) -> None:
        """Told by :func:`gans_edu.train.fit` how many steps the run has, for the linear decay."""
        self.total_steps = steps
        self._set_lr()

    def _set_lr(self) -> None:
        set_learning_rate(self.optimizers, self.config.lr * lr_factor(self.step, self.total_steps, self.config.decay_start))

    @property
    def lr(self) -> float:
        return self.optimizers["G"].param_groups[0]["lr"]

    # ------------------------------------------------------------------ training
    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        cfg = self.config
        real_a, _ = draw()  # handwritten; labels never used
        real_b = self._draw_b()  # printed, drawn independently: no pairs
        # Eq. (3), the generators' side: L_GAN(G, D_Y) + L_GAN(F, D_X) + lambda L_cyc (+ Sec. 5.2's identity loss).
        fake_b = self.G_ab(real_a)  # A -> B
        fake_a = self.G_ba(real_b)  # B -> A
        for D in (self.D_a, self.D_b):
            D.requires_grad_(False)  # G's step must not fill D's gradients
        # Eq. (1), least-squares (Sec. 4): each generator pushes D's score on its fakes towards 1.
        g_gan = lsgan_loss(self.D_b(fake_b), True) + lsgan_loss(self.D_a(fake_a), True)
        loss = g_gan
        zero = torch.zeros((), device=self.device)
        cyc, idt = zero, zero
        if cfg.cycle_loss:  # Eq. (2): F(G(x)) ~ x and G(F(y)) ~ y, weighted by lambda (Eq. 3)
            cyc = cycle_loss(real_a, self.G_ba(fake_b)) + cycle_loss(real_b, self.G_ab(fake_a))  # A->B->A, B->A->B
            loss = loss + cfg.lambda_cycle * cyc
        if cfg.identity_loss and cfg.lambda_identity > 0:  # Sec. 5.2, weight 0.5 lambda as the official code
            idt = identity_loss(self.G_ab, self.G_ba, real_a, real_b)
            loss = loss + cfg.lambda_identity * cfg.lambda_cycle * idt
        self.optimizers["G"].zero_grad(set_to_none=True)
        loss.backward()
        self.optimizers["G"].step()
        # Eq. (1), the discriminators' side (Sec. 4): least-squares, halved, on a history of 50 fakes (the pool).
        for D in (self.D_a, self.D_b):
            D.requires_grad_(True)
        d_b = discriminator_loss(self.D_b, real_b, self.pool_b.query(fake_b))
        d_a = discriminator_loss(self.D_a, real_a, self.pool_a.query(fake_a))
        self.optimizers["D"].zero_grad(set_to_none=True)
        (d_a + d_b).backward()
        self.optimizers["D"].step()
        self.step += 1
        self._set_lr()  # the rate for the next step (0 after the last one)
        return {"d_a": d_a.detach(), "d_b": d_b.detach(), "g_gan": g_gan.detach(), "cycle": cyc.detach(),
                "identity": idt.detach()}

    # ------------------------------------------------------------------ translating
    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str, batch_size: int = 500) -> torch.Tensor:
        """Translate images ``(N, C, H, W)`` in [-1, 1] from A to B (``"a2b"``) or B to A (``"b2a"``), on the CPU."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; valid: {', '.join(DIRECTIONS)}")
        if x.dim() != 4 or tuple(x.shape[1:]) != self.sample_shape:
            shape = "(N, " + ", ".join(str(s) for s in self.sample_shape) + ")"
            raise ValueError(f"expected images of shape {shape}, got {tuple(x.shape)}")
        G = self.G_ab if direction == "a2b" else self.G_ba
        with self.eval_mode():
            return torch.cat([G(c.float().to(self.device)).cpu() for c in x.split(batch_size)]) if len(x) else x.float()

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """CycleGAN's "noise" is a real image of B: ``n`` printed test digits drawn at random."""
        pool = self._domain_b("test")
        return pool[torch.randint(len(pool), (n,), generator=generator)]

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G_ba(z)  # printed -> handwritten

    # ------------------------------------------------------------------ state
    def extra_state(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "pool_a": self.pool_a.state_dict(),
            "pool_b": self.pool_b.state_dict(),
            "b_sampler": self._b_sampler.state_dict() if self._b_sampler is not None else {},
        }

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if not state:
            return
        self.step = int(state["step"])
        if "pool_a" in state:  # a shipped reference keeps the generators and the step only
            self.pool_a.load_state_dict(state["pool_a"], self.device)
            self.pool_b.load_state_dict(state["pool_b"], self.device)
        if state.get("b_sampler"):
            self._load_b()
            self._b_sampler.load_state_dict({k: (v.cpu() if torch.is_tensor(v) else v)
                                             for k, v in state["b_sampler"].items()})
        self._set_lr()

    # ------------------------------------------------------------------ evaluation (gans-edu evaluate)
    def evaluation_size(self, profile: str | None = None) -> int | None:
        """Test digits per domain: 200 in the smoke profile, otherwise all of them (None)."""
        return pick(smoke=200, cpu=None, gpu=None, profile=profile)

    def sample_metrics(self, dataset: str, n: int | None, seed: int) -> dict[str, Any]:
        """None: CycleGAN's samples are translations, which :meth:`extra_metrics` measures."""
        return {}

    def extra_metrics(self, dataset: str, n: int | None, seed: int) -> dict[str, Any]:
        """The translation report on the first ``n`` test digits of each domain (:func:`evaluate_translation`)."""
        return evaluate_translation(self, n)

    def describe_metrics(self, report: dict[str, Any]) -> list[Any]:
        return [translation_table({k: v for k, v in report.items() if k in DIRECTIONS})]

    def metrics_note(self, n: int | None) -> str:
        return ("test digits of both domains; judged by the book's MNIST, printed-digit and two-domain classifiers, "
                "not an Inception network")


# --------------------------------------------------------------------------- measuring a translation

def _same_class_l1(x: torch.Tensor, y: torch.Tensor, others: torch.Tensor | None = None,
                   other_y: torch.Tensor | None = None, seed: int = 0) -> float:
    """Mean |x_i - o_j| between each image and a random image of the same class.

    Partners come from ``others`` (e.g. the other domain) when given; otherwise from ``x`` itself, never the
    image itself. A scale for cycle errors and for how far a translation moves.
    """
    g = torch.Generator().manual_seed(seed)
    own = others is None
    others, other_y = (x, y) if own else (others, other_y)
    partner = torch.empty(len(x), dtype=torch.long)
    for c in y.unique():
        idx, pool = torch.nonzero(y == c).flatten(), torch.nonzero(other_y == c).flatten()
        if own:  # a shift of 1..len-1 within the class: never 0, never the image itself
            shift = torch.randint(1, max(2, len(idx)), (len(idx),), generator=g)
            partner[idx] = idx[(torch.arange(len(idx)) + shift) % len(idx)]
        elif len(pool) == 0:
            raise ValueError(f"no digit of class {int(c)} in the other domain to compare with")
        else:
            partner[idx] = pool[torch.randint(0, len(pool), (len(idx),), generator=g)]
    return float((x - others[partner]).abs().mean())


TRAIN_DIGITS = 4000  # train digits per domain behind evaluate_translation's baselines (when n is None)


def evaluate_translation(model: CycleGAN, n: int | None = None) -> dict[str, dict[str, float]]:
    """Measure a CycleGAN on the test splits of both domains (the first ``n`` digits of each; default all 1,000).

    For each direction: the share of translations whose digit the target domain's classifier still reads as the
    input's label (printed classifier for A -> B, the MNIST classifier for B -> A), the mean L1 cycle error, and
    the Frechet distance to the target domain's test digits in that classifier's features. Beside each, the
    real-data baseline (the classifier on real target digits; the distance between the target domain's train and
    test digits; the L1 between two real digits of the same class) and the untranslated input.

    How far a translation goes, in mean L1 per pixel ([-1, 1] units): ``moved`` = |G(x) - x|, against
    ``moved_needed`` = the L1 between an input and a random target-domain digit of its class (what a redraw in
    the other style changes); ``to_target`` = the L1 between a translation and a random target-domain digit of the
    input's class, against ``to_target_real`` (two target-domain digits of one class) and ``moved_needed``
    (the untranslated input).

    Judged by the two-domain classifier (:mod:`gans_edu.metrics.domain_classifier`), which knows both styles, so
    that keeping the digit and changing the style are measured apart: ``digit_kept`` (its digit reading is the
    input's label), ``target_style`` (it reads the target domain's style) and ``frechet_joint`` (the Frechet
    distance to the target domain's test digits in its features), each with ``_real`` (real target digits) and
    ``_untranslated`` (the input itself) beside it.
    """
    from gans_edu.data import load_dataset
    from gans_edu.metrics.classifier import classify
    from gans_edu.metrics.domain_classifier import judge as judge_both
    from gans_edu.metrics.image import frechet_distance
    from gans_edu.metrics.printed_classifier import classify_printed

    n_train = n or TRAIN_DIGITS  # the baselines' train digits: all of the offline 4,000, never all of full MNIST
    domains = {
        "a": (load_dataset("mnist", "test", n=n, verbose=False),
              load_dataset("mnist", "train", n=n_train, verbose=False), classify),
        "b": (load_dataset(model.config.domain_b, "test", n=n, verbose=False),
              load_dataset(model.config.domain_b, "train", n=n_train, verbose=False), classify_printed),
    }
    report: dict[str, dict[str, float]] = {}
    for direction, (src, dst) in {"a2b": ("a", "b"), "b2a": ("b", "a")}.items():
        test_src, _, _ = domains[src]
        test_dst, train_dst, judge = domains[dst]
        back = "b2a" if direction == "a2b" else "a2b"
        fake = model.translate(test_src.x, direction)
        rec = model.translate(fake, back)
        f_fake, p_fake = judge(fake)
        f_dst, p_dst = judge(test_dst.x)
        f_train, _ = judge(train_dst.x)
        f_raw, p_raw = judge(test_src.x)
        report[direction] = {
            "label_kept": float((p_fake.argmax(1) == test_src.y).float().mean()),
            "label_real": float((p_dst.argmax(1) == test_dst.y).float().mean()),
            "label_untranslated": float((p_raw.argmax(1) == test_src.y).float().mean()),
            "cycle_l1": float((rec - test_src.x).abs().mean()),
            "cycle_l1_same_class": _same_class_l1(test_src.x, test_src.y),
            "frechet": frechet_distance(f_fake, f_dst),
            "frechet_real": frechet_distance(f_train, f_dst),
            "frechet_untranslated": frechet_distance(f_raw, f_dst),
            "moved": float((fake - test_src.x).abs().mean()),
            "moved_needed": _same_class_l1(test_src.x, test_src.y, train_dst.x, train_dst.y),
            "to_target": _same_class_l1(fake, test_src.y, train_dst.x, train_dst.y),
            "to_target_real": _same_class_l1(test_dst.x, test_dst.y),
        }
        target = 1 if dst == "b" else 0  # the two-domain classifier's style index: 0 handwritten, 1 printed
        (f2_fake, d_fake, s_fake), (f2_dst, d_dst, s_dst) = judge_both(fake), judge_both(test_dst.x)
        (f2_raw, d_raw, s_raw), (f2_train, _, _) = judge_both(test_src.x), judge_both(train_dst.x)

        def style(printed: torch.Tensor, target: int = target) -> float:
            return float(((printed > 0.5).long() == target).float().mean())

        report[direction].update({
            "digit_kept": float((d_fake.argmax(1) == test_src.y).float().mean()),
            "digit_kept_real": float((d_dst.argmax(1) == test_dst.y).float().mean()),
            "digit_kept_untranslated": float((d_raw.argmax(1) == test_src.y).float().mean()),
            "target_style": style(s_fake), "target_style_real": style(s_dst), "target_style_untranslated": style(s_raw),
            "frechet_joint": frechet_distance(f2_fake, f2_dst), "frechet_joint_real": frechet_distance(f2_train, f2_dst),
            "frechet_joint_untranslated": frechet_distance(f2_raw, f2_dst),
        })
    return report


def translation_table(report: dict[str, dict[str, float]], label: str = "CycleGAN") -> Any:
    """The report as a table: one row per measurement, columns for the model, real data and no translation."""
    import pandas as pd

    names = {"a2b": "handwritten -> printed", "b2a": "printed -> handwritten"}
    rows = {}
    for d, r in report.items():
        if "digit_kept" in r:  # the two-domain classifier's readings (reports written before it lack them)
            for key, what in (("digit_kept", "digit kept (two-domain judge)"),
                              ("target_style", "in the target style (two-domain judge)"),
                              ("frechet_joint", "Frechet distance (two-domain judge)")):
                rows[(names[d], what)] = {label: r[key], "real data": r[f"{key}_real"],
                                          "untranslated": r[f"{key}_untranslated"]}
        rows[(names[d], "label kept")] = {label: r["label_kept"], "real data": r["label_real"],
                                          "untranslated": r["label_untranslated"]}
        rows[(names[d], "Frechet distance")] = {label: r["frechet"], "real data": r["frechet_real"],
                                                "untranslated": r["frechet_untranslated"]}
        rows[(names[d], "cycle L1")] = {label: r["cycle_l1"], "real data": r["cycle_l1_same_class"],
                                        "untranslated": float("nan")}
        if "moved" in r:  # reports written before these entries existed lack them
            rows[(names[d], "L1 moved from the input")] = {label: r["moved"], "real data": r["moved_needed"],
                                                           "untranslated": 0.0}
            rows[(names[d], "L1 to target digits, same class")] = {label: r["to_target"],
                                                                   "real data": r["to_target_real"],
                                                                   "untranslated": r["moved_needed"]}
    return pd.DataFrame(rows).T
