"""GAN, Goodfellow et al. 2014 (arXiv 1406.2661); MNIST settings from the official goodfeli/adversarial mnist.yaml.

Paper -> code:

* Eq. (1), ``min_G max_D E log D(x) + E log(1 - D(G(z)))`` -> :func:`discriminator_loss`, :func:`generator_loss`.
* Sec. 3, "train G to maximize log D(G(z))" -> ``g_loss="non-saturating"`` (default; ``"minimax"`` is Eq. 1).
* Algorithm 1 (k steps on D, then one on G) -> :meth:`GAN._alternating_step` (``update="alternating"``).
* mnist.yaml's ``AdversaryCost2``: one batch, D's and G's steps from the same outputs of D
  -> :meth:`GAN._simultaneous_step` (``update="simultaneous"``, the MNIST default).
* Sec. 5 / mnist.yaml networks: G two ReLU layers of 1,200 and a sigmoid output; D two maxout layers
  (240 units x 5 pieces) with dropout; weights uniform in +-0.05 (G), +-0.005 (D)
  -> :class:`Generator`, :class:`Discriminator`, :class:`Maxout`, :func:`mnist_config`.
* mnist.yaml's schedule: SGD lr 0.1 divided by 1.000004 per step, momentum 0.5 -> 0.7 over epochs 1-250, G's output
  bias at the logit of the pixel marginals -> :meth:`GAN.schedule`, :meth:`GAN.init_output_bias`.

Deviations:

* data: 4,000 offline digits, not 50,000; the profile sets the length (the momentum ramp counts epochs of the data used).
* pixels: [-1, 1] outside the model, the paper's [0, 1] inside G and D (in [-1, 1], SGD at lr 0.1 diverged).
* 2-D toys: not in the paper; WGAN-GP's toy networks, Adam and alternating steps (:func:`toy_config`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.profiles import pick
from gans_edu.utils import rng_device

G_LOSSES = ("non-saturating", "minimax")
OUTPUTS = ("sigmoid", "tanh", "linear")
UPDATES = ("alternating", "simultaneous")
RAMP_EPOCHS = (1, 250)  # mnist.yaml: MomentumAdjustor start 1, saturate 250 (epochs)
MARGINALS_SIZE = 2000  # digits drawn to estimate the pixel marginals for g_bias_from_data


@dataclass
class GANConfig:
    """Hyperparameters of the 2014 GAN. Defaults: the paper's MNIST run (``mnist.yaml``)."""

    z_dim: int = 100  # mnist.yaml: nvis 100
    z_dist: str = "uniform"  # adversarial.Generator: U(-sqrt 3, sqrt 3) noise; "normal" for the toys
    g_hidden: tuple[int, ...] = (1200, 1200)  # mnist.yaml: two RectifiedLinear layers of 1200
    d_hidden: tuple[int, ...] = (240, 240)  # mnist.yaml: two Maxout layers, 240 units ...
    d_pieces: int = 5  # ... of 5 pieces each (1 = plain ReLU units)
    d_input_dropout: float = 0.2  # mnist.yaml: input include prob 0.8 at h0
    d_dropout: float = 0.5  # mnist.yaml: default include prob 0.5
    k: int = 1  # Algorithm 1: "k = 1, the least expensive option"
    g_loss: str = "non-saturating"  # Sec. 3: maximise log D(G(z)) early in training
    optimizer: str = "sgd"  # mnist.yaml: SGD with momentum
    lr: float = 0.1  # mnist.yaml: learning_rate .1
    momentum: float = 0.5  # mnist.yaml: init_momentum .5 ...
    final_momentum: float | None = 0.7  # mnist.yaml: MomentumAdjustor final_momentum .7 (None: constant) ...
    momentum_ramp: tuple[int, int] = (0, 0)  # ... over these steps; make_config: epochs 1 -> 250 of the data
    lr_decay: float = 1.000004  # mnist.yaml: ExponentialDecay decay_factor 1.000004 per step (lr / factor^t; 1: none) ...
    min_lr: float = 1e-6  # ... down to min_lr .000001
    betas: tuple[float, float] = (0.5, 0.9)  # Adam only (toys, as gan_toy.py)
    batch_size: int = 100  # mnist.yaml: batch_size 100
    output: str = "sigmoid"  # mnist.yaml: Sigmoid output, pixels in [0, 1]; "tanh" ([-1, 1]) or "linear" (toys)
    g_init_range: float | None = 0.05  # mnist.yaml: G layers irange .05 (None: PyTorch's default init)
    d_init_range: float | None = 0.005  # mnist.yaml: D layers irange .005
    d_loss_scale: float = 0.5  # AdversaryCost2: d_obj = 0.5 * (cost(real) + cost(fake))
    update: str = "simultaneous"  # AdversaryCost2: both steps from one batch; "alternating": Algorithm 1 as written
    g_bias_from_data: bool = True  # mnist.yaml: G's output bias from the pixel marginals (init_sigmoid_bias_...)

    def __post_init__(self) -> None:
        if self.g_loss not in G_LOSSES:
            raise ValueError(f"unknown g_loss {self.g_loss!r}; valid: {', '.join(G_LOSSES)}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: sgd, adam")
        if self.output not in OUTPUTS:
            raise ValueError(f"unknown output {self.output!r}; valid: {', '.join(OUTPUTS)}")
        if self.update not in UPDATES:
            raise ValueError(f"unknown update {self.update!r}; valid: {', '.join(UPDATES)}")
        if self.update == "simultaneous" and self.k != 1:
            raise ValueError(f"k = {self.k} needs update='alternating' (the simultaneous step is k = 1)")
        if self.g_bias_from_data and self.output != "sigmoid":
            raise ValueError("g_bias_from_data needs output='sigmoid' (the bias is the logit of the pixel marginals)")
        if self.z_dist not in ("uniform", "normal"):
            raise ValueError(f"unknown z_dist {self.z_dist!r}; valid: uniform, normal")
        self.g_hidden, self.d_hidden = tuple(self.g_hidden), tuple(self.d_hidden)
        self.momentum_ramp = tuple(self.momentum_ramp)
        self.betas = tuple(self.betas)


def mnist_config(profile: str | None = None, n_data: int = 50_000, **overrides) -> GANConfig:
    """The paper's MNIST networks and training; the smoke profile shrinks the widths (never the algorithm).

    ``n_data``: training digits, which set the length of an epoch for the momentum ramp (mnist.yaml's
    MomentumAdjustor counts epochs: 1 -> 250); 50,000 is the paper's training set.
    """
    widths = pick(
        smoke=dict(g_hidden=(64, 64), d_hidden=(32, 32)),
        cpu=dict(),
        gpu=dict(),
        profile=profile,
    )
    cfg = replace(GANConfig(), **{**widths, **overrides})
    if "momentum_ramp" not in overrides:
        epoch = max(1, math.ceil(n_data / cfg.batch_size))
        cfg = replace(cfg, momentum_ramp=(RAMP_EPOCHS[0] * epoch, RAMP_EPOCHS[1] * epoch))
    return cfg


def toy_config(profile: str | None = None, **overrides) -> GANConfig:
    """2-D toys: the paper has none, so these settings are the book's.

    Networks, noise and batch follow the WGAN-GP toy script (gan_toy.py: 3 ReLU
    layers of 512, 2-d Gaussian noise, batch 256, Adam betas (0.5, 0.9)); the cpu
    profile uses 256 units. The learning rate, 1e-3, came from a small sweep on
    8 Gaussians (lab notes, chapter 1).
    """
    width = pick(smoke=64, cpu=256, gpu=512, profile=profile)
    base = GANConfig(
        z_dim=2, z_dist="normal", g_hidden=(width,) * 3, d_hidden=(width,) * 3, d_pieces=1,
        d_input_dropout=0.0, d_dropout=0.0, optimizer="adam", lr=1e-3, batch_size=256, output="linear",
        g_init_range=None, d_init_range=None, d_loss_scale=1.0, update="alternating", g_bias_from_data=False,
        final_momentum=None, lr_decay=1.0,
    )
    return replace(base, **overrides)


def make_config(data: Dataset, profile: str | None = None, **overrides) -> GANConfig:
    if data.kind == "toy":
        return toy_config(profile, **overrides)
    return mnist_config(profile, n_data=len(data), **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    if data.kind == "toy":
        return pick(smoke=30, cpu=6000, gpu=20000, profile=profile)
    # cpu: about 4.5 min on one uncontended thread (~19 steps/s); the paper trained far longer.
    return pick(smoke=20, cpu=5000, gpu=60000, profile=profile)


class Maxout(nn.Module):
    """Maxout units (Goodfellow et al. 2013): the max over ``pieces`` linear maps."""

    def __init__(self, d_in: int, units: int, pieces: int) -> None:
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(d_in, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1, self.units, self.pieces).amax(-1)  # (B, units*pieces) -> (B, units)


class Generator(nn.Module):
    """MLP: z -> ReLU hidden layers -> flattened sample, reshaped to ``sample_shape``."""

    def __init__(self, cfg: GANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.sample_shape = sample_shape
        layers, d = [], cfg.z_dim
        for h in cfg.g_hidden:
            layers += [nn.Linear(d, h), nn.ReLU()]
            d = h
        layers.append(nn.Linear(d, math.prod(sample_shape)))
        if cfg.output == "tanh":
            layers.append(nn.Tanh())
        elif cfg.output == "sigmoid":
            layers.append(nn.Sigmoid())
        self.net = nn.Sequential(*layers)
        self.output = cfg.output
        _uniform_init(self, cfg.g_init_range)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z).view(-1, *self.sample_shape)  # (B, z_dim) -> (B, *sample_shape)
        return 2 * x - 1 if self.output == "sigmoid" else x  # [0, 1] pixels -> the library's [-1, 1]


class Discriminator(nn.Module):
    """MLP of maxout (or ReLU) layers with dropout; returns the logit of D(x)."""

    def __init__(self, cfg: GANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        d = math.prod(sample_shape)
        for i, h in enumerate(cfg.d_hidden):
            p = cfg.d_input_dropout if i == 0 else cfg.d_dropout
            if p > 0:
                layers.append(nn.Dropout(p))
            layers += [Maxout(d, h, cfg.d_pieces)] if cfg.d_pieces > 1 else [nn.Linear(d, h), nn.ReLU()]
            d = h
        if cfg.d_dropout > 0:
            layers.append(nn.Dropout(cfg.d_dropout))
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)
        self.pixels01 = cfg.output == "sigmoid"
        _uniform_init(self, cfg.d_init_range)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pixels01:
            x = (x + 1) / 2  # the library's [-1, 1] -> the paper's [0, 1] pixels
        return self.net(x).squeeze(1)  # (B, ...) -> (B,) logits


def _uniform_init(net: nn.Module, irange: float | None) -> None:
    """pylearn2's ``irange``: weights uniform in [-irange, irange], biases 0 (None: keep PyTorch's init)."""
    if irange is None:
        return
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -irange, irange)
            nn.init.zeros_(m.bias)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-(E log D(x) + E log(1 - D(G(z)))), Eq. 1 from D's side, with D = sigmoid(logit)."""
    # -log sigmoid(l) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l): stable for any logit.
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, kind: str = "non-saturating") -> torch.Tensor:
    """G's loss: ``minimax`` = E log(1 - D(G(z))) (Eq. 1); ``non-saturating`` = -E log D(G(z)) (Sec. 3)."""
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    if kind == "non-saturating":
        return F.softplus(-fake_logits).mean()
    raise ValueError(f"unknown generator loss {kind!r}; valid: {', '.join(G_LOSSES)}")


class GAN(GANModel):
    """The 2014 GAN: Algorithm 1 (alternating) or the official code's simultaneous step in :meth:`train_step`."""

    name = "gan"

    def __init__(self, config: GANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        self.G = Generator(config, self.sample_shape).to(self.device)
        self.D = Discriminator(config, self.sample_shape).to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self._optimizer(self.G), "D": self._optimizer(self.D)}
        self.bias_initialised = False  # g_bias_from_data: set from the first batches train_step draws
        self.steps_done = 0  # for mnist.yaml's momentum ramp and learning-rate decay

    def _optimizer(self, net: nn.Module) -> torch.optim.Optimizer:
        c = self.config
        if c.optimizer == "sgd":
            return torch.optim.SGD(net.parameters(), lr=c.lr, momentum=c.momentum)
        return torch.optim.Adam(net.parameters(), lr=c.lr, betas=c.betas)

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        device = rng_device(generator, device)
        if self.config.z_dist == "uniform":
            return (torch.rand(n, self.config.z_dim, generator=generator, device=device) * 2 - 1) * math.sqrt(3)
        return torch.randn(n, self.config.z_dim, generator=generator, device=device)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    @torch.no_grad()
    def init_output_bias(self, x: torch.Tensor) -> None:
        """mnist.yaml's ``init_sigmoid_bias_from_marginals``: G's sigmoid output starts at the mean digit.

        ``x``: real images in the library's [-1, 1]; the bias becomes ``logit(clip(mean pixel in [0, 1], 1e-7))``.
        """
        mean = ((x.flatten(1) + 1) / 2).mean(0).clamp(1e-7, 1 - 1e-7)  # (784,) pixel marginals in [0, 1]
        self.G.net[-2].bias.copy_(torch.logit(mean))  # net[-1] is the sigmoid
        self.bias_initialised = True

    def _draw_marginals(self, draw: Draw) -> None:
        xs, n = [], 0
        while n < MARGINALS_SIZE:
            x, _ = draw()  # labels unused
            xs.append(x)
            n += len(x)
        self.init_output_bias(torch.cat(xs)[:MARGINALS_SIZE])

    def extra_state(self) -> dict:
        return {"bias_initialised": self.bias_initialised, "steps_done": self.steps_done}

    def load_extra_state(self, state: dict) -> None:
        self.bias_initialised = bool(state.get("bias_initialised", False))
        self.steps_done = int(state.get("steps_done", 0))

    def schedule(self, step: int) -> tuple[float, float]:
        """mnist.yaml's learning rate and momentum at ``step``: ``lr / decay^step`` (at least ``min_lr``), and the
        momentum ramped linearly from ``momentum`` to ``final_momentum`` over ``momentum_ramp`` (MomentumAdjustor)."""
        c = self.config
        lr = max(c.min_lr, c.lr * math.exp(-step * math.log(c.lr_decay)))  # lr / decay^step, without overflow
        if c.final_momentum is None:
            return lr, c.momentum
        start, end = c.momentum_ramp
        t = min(1.0, max(0.0, (step - start) / max(1, end - start)))
        return lr, c.momentum + t * (c.final_momentum - c.momentum)

    def _apply_schedule(self) -> None:
        if self.config.optimizer != "sgd" or (self.config.lr_decay == 1.0 and self.config.final_momentum is None):
            return
        lr, momentum = self.schedule(self.steps_done)
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"], group["momentum"] = lr, momentum

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        if self.config.g_bias_from_data and not self.bias_initialised:
            self._draw_marginals(draw)
        self._apply_schedule()
        self.steps_done += 1
        if self.config.update == "simultaneous":
            return self._simultaneous_step(draw)
        return self._alternating_step(draw)

    def _alternating_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        """Algorithm 1 as the paper writes it: k steps on D, then one on G with fresh noise."""
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        # Algorithm 1, "for k steps do" (k = 1 in the paper's experiments):
        for _ in range(self.config.k):
            # Algorithm 1: sample a minibatch of m examples and one of m noise samples.
            real, _ = draw()
            fake = self.G(self.noise(len(real), device=self.device)).detach()  # detached: this step moves D only
            # Algorithm 1: update D by ascending log D(x) + log(1 - D(G(z))) (Eq. 1), i.e. descending its negative.
            real_logits, fake_logits = self.D(real), self.D(fake)
            d_loss = self.config.d_loss_scale * discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        # Algorithm 1, after the loop: sample a fresh minibatch of m noise samples.
        fake_logits = self.D(self.G(self.noise(self.config.batch_size, device=self.device)))
        # Algorithm 1: update G by descending log(1 - D(G(z))); by default Sec. 3's -log D(G(z)), which does not saturate.
        g_loss = generator_loss(fake_logits, self.config.g_loss)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),  # D(x), ideally -> 1/2 at equilibrium
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),  # D(G(z))
        }

    def _simultaneous_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        """mnist.yaml's training (AdversaryCost2.get_gradients): one minibatch, one forward pass, both steps.

        D's loss and G's loss are taken from the *same* D outputs on the same generated batch (with the same
        dropout masks); each network then takes one SGD step on its own gradient, from the same starting point.
        """
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        # Algorithm 1 with k = 1: one minibatch of m examples and one of m noise samples, shared by both steps.
        real, _ = draw()
        fake = self.G(self.noise(len(real), device=self.device))
        real_logits, fake_logits = self.D(real), self.D(fake)
        # Eq. (1) from both sides on the same outputs of D: D's loss (AdversaryCost2 halves it) and G's loss.
        d_loss = self.config.d_loss_scale * discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits, self.config.g_loss)
        d_params, g_params = list(self.D.parameters()), list(self.G.parameters())
        d_grads = torch.autograd.grad(d_loss, d_params, retain_graph=True)  # (d_loss only reaches D's weights)
        g_grads = torch.autograd.grad(g_loss, g_params)  # through D (its gradient unused), into G
        for p, g in zip(d_params + g_params, d_grads + g_grads):
            p.grad = g
        # Algorithm 1's two updates, taken at once: G's step does not see D's update.
        opt_d.step()
        opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
