"""WGAN-GP (Gulrajani et al. 2017, arXiv 1704.00028): WGAN with a gradient penalty instead of clipping.

Map from the paper to the code:

* Eq. 3, ``L = E D(x_fake) - E D(x_real) + lambda E (||grad_x_hat D(x_hat)||_2 - 1)^2`` with
  ``x_hat = eps x_real + (1 - eps) x_fake``, ``eps ~ U[0, 1]`` -> :func:`interpolate` (one eps
  per sample) and :func:`gradient_penalty` (the norm over all non-batch dimensions), added to
  the critic's loss in :meth:`WGANGP.critic_loss`. ProGAN reuses :func:`gradient_penalty`.
* Algorithm 1 (lambda = 10, n_critic = 5, Adam alpha = 1e-4, beta1 = 0, beta2 = 0.9)
  -> :class:`WGANGPConfig` defaults and :meth:`WGANGP.train_step`.
* Sec. 4, "no critic batch normalization": the penalty is per sample, and batch norm would make
  each sample's score depend on the others -> the critic is WGAN's with its batch norm removed
  (:func:`gans_edu.models.wgan.build_networks` with ``critic_bn=False``; layer norm would be the
  paper's drop-in, the authors' ``gan_mnist.py`` uses none).
* 2-D toys: the official toy script (igul222/improved_wgan_training, ``gan_toy.py``) uses
  lambda = 0.1, Adam(1e-4, beta1 0.5, beta2 0.9), 3 hidden ReLU layers of 512 units, batch 256,
  2-d noise, 100,000 generator iterations -> :func:`make_config` for toys, with one change for
  the budget: our runs are 1/25 to 1/5 of those iterations, so the toys train at Adam 1e-3 (the
  rate ProGAN trains its WGAN-GP loss at, Karras et al. 2017, App. A) decayed linearly to 0 over
  the run, as the authors' ``gan_cifar_resnet.py`` does (``DECAY = True``: ``lr * (1 - it / ITERS)``)
  -> ``lr_decay`` and :meth:`WGANGP.plan`. Measured on 25 Gaussians, width 128, 5,000 steps:
  lr 1e-4 reaches 11/25 modes, 1e-3 constant 24/25 but only 65% of samples near a mode; the
  decay is what tightens the samples (8 Gaussians: 91% near a mode after 3,000 steps). The
  paper's lambda = 10 fails on these tiny modes (std 0.018): 0-2 of 25 modes at either rate.

The networks are WGAN's (:mod:`gans_edu.models.wgan`, the same ``net`` for images): the MLPs, or
with ``net="dcgan"`` DCGAN's convolutional G and critic (the official WGAN code's default; the
authors' ``gan_mnist.py`` also trains a convolutional critic with no normalisation), the critic
without batch norm; the toys always take the MLPs. Only the
Lipschitz constraint changes, which is the paper's point. Deviations: MNIST uses WGAN's DCGAN
layout (4x4 kernels, the dense hidden layer of DCGAN's MNIST code) rather than ``gan_mnist.py``'s
5x5 kernels and widths, so that the comparison with WGAN changes one thing only; the cpu profile
narrows the networks (WGAN's widths; a quarter of the width for the toys) and shortens the run
(:func:`default_steps`). Its budget also changes the rate on MNIST (WGAN's cpu
profile raises its rate fourfold, to 2e-4, and so does WGAN-GP's: Adam 4e-4 in the smoke and cpu
profiles, where Algorithm 1's 1e-4 is still far from digits after 5 minutes; the gpu profile keeps 1e-4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models import wgan
from gans_edu.models.base import Draw, GANModel, lr_factor, set_learning_rate
from gans_edu.models.wgan import NETS, build_networks, generator_loss
from gans_edu.profiles import pick


@dataclass
class WGANGPConfig:
    """Hyperparameters of WGAN-GP. Defaults: Algorithm 1 of the paper (toys: ``gan_toy.py``)."""

    z_dim: int = 100  # as WGAN (main.py nz 100); the toys use 2-d noise (gan_toy.py)
    net: str = "dcgan"  # images: WGAN's DCGAN networks, the critic without batch norm (Sec. 4); toys: "mlp"
    ngf: int = 64  # as WGAN (main.py ngf 64)
    ndf: int = 64  # as WGAN (main.py ndf 64)
    dense: int | None = None  # as WGAN: DCGAN's dense hidden layer (None: 1024 at 28x28); 0: none
    width: int = 512  # gan_toy.py DIM = 512 (and WGAN's MLP)
    depth: int = 3  # gan_toy.py: 3 hidden ReLU layers
    critic_depth: int = 3  # gan_toy.py; Figure 1b uses a 12-layer critic
    gp_lambda: float = 10.0  # Algorithm 1: lambda = 10 (gan_toy.py: 0.1)
    n_critic: int = 5  # Algorithm 1: n_critic = 5
    lr: float = 1e-4  # Algorithm 1: alpha = 0.0001
    betas: tuple[float, float] = (0.0, 0.9)  # Algorithm 1: beta1 = 0, beta2 = 0.9 (gan_toy.py: 0.5, 0.9)
    batch_size: int = 64  # Algorithm 1: m = 64 (gan_toy.py: 256)
    output: str = "tanh"  # "tanh" for images in [-1, 1]; "linear" for 2-D points
    lr_decay: bool = False  # Algorithm 1: constant; gan_cifar_resnet.py DECAY: linear to 0 over the run

    def __post_init__(self) -> None:
        if self.output not in ("tanh", "linear"):
            raise ValueError(f"unknown output {self.output!r}; valid: tanh, linear")
        if self.net not in NETS:
            raise ValueError(f"unknown net {self.net!r}; valid: {', '.join(NETS)}")
        if self.gp_lambda < 0:
            raise ValueError(f"gp_lambda must be >= 0, got {self.gp_lambda}")
        self.betas = tuple(self.betas)


CPU_LR = 4e-4  # images, smoke and cpu profiles: 4x Algorithm 1's 1e-4, for the budget (see make_config)


def make_config(data: Dataset, profile: str | None = None, **overrides) -> WGANGPConfig:
    """Algorithm 1 for images, ``gan_toy.py`` for the toys (rate and decay: see the module); the profile sets the width."""
    if data.kind == "toy":
        width = pick(smoke=32, cpu=128, gpu=512, profile=profile)  # a 2-D toy: 128 units fit 4,000 steps in 4 min
        base = WGANGPConfig(net="mlp", width=width, z_dim=2, output="linear", gp_lambda=0.1, betas=(0.5, 0.9),
                            batch_size=256, lr=1e-3, lr_decay=True)
    else:  # WGAN's networks and widths (wgan.make_config), so that the two chapters compare the constraint only
        w = wgan.make_config(data, profile)
        # The budget's rate: four times Algorithm 1's, as WGAN's cpu profile (wgan.CPU_LR); the gpu profile keeps 1e-4.
        # Measured (seed 0, 5 minutes on one thread, the cpu networks): at 1e-4, 614 steps, FD 2,368 and 3 classes;
        # at 4e-4, 724 steps, FD 656 and all 10 classes (WGAN at its 2e-4, slowed by another job: FD 1,078, 5 classes);
        # seed 1, both at full speed: 825 steps, FD 676, 10 classes (WGAN: 941 steps, FD 711, 10 classes). Chapter 7.
        lr = pick(smoke=CPU_LR, cpu=CPU_LR, gpu=1e-4, profile=profile)
        base = WGANGPConfig(net=w.net, ngf=w.ngf, ndf=w.ndf, dense=w.dense, width=w.width, lr=lr)
    return replace(base, **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    if data.kind == "toy":  # gan_toy.py: 100,000
        return pick(smoke=10, cpu=4000, gpu=20000, profile=profile)
    # cpu: a step of the convolutional networks costs ~0.4 s on one thread (5 critic steps, each with the
    # penalty's second backward pass), so 700 steps fill the 5-minute budget (724 steps in 5 minutes measured)
    return pick(smoke=10, cpu=700, gpu=40000, profile=profile)


def interpolate(real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x_hat = eps x_real + (1 - eps) x_fake`` with ONE eps ~ U[0, 1] per sample, broadcast over its dims.

    One eps per pixel would put x_hat off the segment between the two samples, where the
    optimal critic's gradient has unit norm (Proposition 1), so the penalty would aim elsewhere.
    """
    eps = torch.rand(real.shape[0], generator=generator).to(real)  # (B,)
    eps = eps.view(-1, *([1] * (real.dim() - 1)))  # (B,) -> (B, 1, 1, 1) for images, (B, 1) for points
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``E (||grad D(x_hat)||_2 - 1)^2`` (Eq. 3) and the per-sample gradient norms.

    The graph is kept (``create_graph=True``) so the penalty's own gradient reaches the critic's
    weights when it is added to the critic's loss.
    """
    x_hat = interpolate(real, fake.detach(), generator).requires_grad_(True)
    scores = critic(x_hat)  # (B,)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, ...) like x_hat
    norms = grad.flatten(1).norm(2, dim=1)  # (B, C, H, W) -> (B, C*H*W) -> (B,): all non-batch dims
    return ((norms - 1) ** 2).mean(), norms.detach()


class WGANGP(GANModel):
    """WGAN-GP: Algorithm 1 in :meth:`train_step`."""

    name = "wgan-gp"

    def __init__(self, config: WGANGPConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        c = config
        G, D = build_networks(c, self.sample_shape, critic_bn=False)  # Sec. 4: no batch norm in the critic
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {
            "G": torch.optim.Adam(self.G.parameters(), lr=c.lr, betas=c.betas),
            "D": torch.optim.Adam(self.D.parameters(), lr=c.lr, betas=c.betas),
        }
        self.step = 0  # generator steps done: drives the learning-rate decay
        self.total_steps: int | None = None

    def plan(self, steps: int | None) -> None:
        """Told by :func:`gans_edu.train.fit` how many steps the run has: the decay ends at 0 there."""
        self.total_steps = steps
        self._set_lr()

    def _set_lr(self) -> None:
        """``lr * (1 - step / total)`` for both networks with ``lr_decay`` (none under a time budget)."""
        if not self.config.lr_decay:
            return
        set_learning_rate(self.optimizers, self.config.lr * lr_factor(self.step, self.total_steps, decay_start=0.0))

    def extra_state(self) -> dict:
        return {"step": self.step}

    def load_extra_state(self, state: dict) -> None:
        self.step = int(state.get("step", 0))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=generator)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Eq. 3: ``E D(fake) - E D(real) + lambda * GP``; returns the loss and its parts (detached)."""
        w_estimate = self.D(real).mean() - self.D(fake).mean()
        gp, norms = gradient_penalty(self.D, real, fake)
        loss = -w_estimate + self.config.gp_lambda * gp
        return loss, {"w_estimate": w_estimate.detach(), "gp": gp.detach(), "grad_norm": norms.mean()}

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        self._set_lr()
        # Algorithm 1, lines 2-9: n_critic critic steps, each on a fresh real batch and fresh noise.
        for _ in range(self.config.n_critic):
            real, _ = draw()
            fake = self.G(self.noise(len(real)).to(self.device)).detach()
            d_loss, parts = self.critic_loss(real, fake)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()  # through the penalty too: it is part of the loss, not a side number
            opt_d.step()
        # Lines 10-11: one generator step.
        g_loss = generator_loss(self.D(self.G(self.noise(self.config.batch_size).to(self.device))))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        self.step += 1
        return {"critic_loss": d_loss.detach(), "g_loss": g_loss.detach(), **parts}
