"""WGAN-GP, Gulrajani et al. 2017 (arXiv 1704.00028): WGAN with a gradient penalty instead of clipping.

Paper -> code:

* Eq. (3), ``L = E D(x_fake) - E D(x) + lambda E (||grad D(x_hat)||_2 - 1)^2`` -> :meth:`WGANGP.critic_loss`.
* Algorithm 1, lines 4 and 6: ``x_hat = eps x + (1 - eps) x_fake``, one ``eps ~ U[0, 1]`` per sample -> :func:`interpolate`.
* Algorithm 1, line 7: the penalty, the norm over all non-batch dimensions -> :func:`gradient_penalty` (ProGAN reuses it).
* Algorithm 1, lines 2-12, with lambda 10, n_critic 5, Adam(1e-4, beta1 0, beta2 0.9), m 64 -> :meth:`WGANGP.train_step`,
  :class:`WGANGPConfig`.
* Sec. 4, no batch norm in the critic -> WGAN's :func:`~gans_edu.models.wgan.build_networks` with ``critic_bn=False``;
  the networks are otherwise WGAN's, so only the Lipschitz constraint changes.
* The official toy script gan_toy.py: lambda 0.1, Adam(1e-4, 0.5, 0.9), 3 ReLU layers of 512, batch 256, 2-d noise
  -> :func:`make_config` for the toys.

Deviations:

* MNIST: WGAN's DCGAN layout (4x4 kernels, a dense hidden layer), not gan_mnist.py's 5x5 kernels and widths.
* toys: 1/25 to 1/5 of gan_toy.py's 100,000 iterations, so Adam 1e-3 (ProGAN's rate) decayed linearly to 0, as
  gan_cifar_resnet.py's ``DECAY`` -> ``lr_decay``, :meth:`WGANGP.plan` (lab notes, chapter 7).
* cpu and smoke profiles: WGAN's narrow widths (a quarter for the toys), shorter runs, and Adam 4e-4 on MNIST
  instead of 1e-4 (lab notes, chapter 7); the gpu profile keeps 1e-4.
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
from gans_edu.utils import rng_device


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
        # At 1e-4 the cpu networks were still far from digits after 5 minutes (lab notes, chapter 7).
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
    eps = torch.rand(real.shape[0], generator=generator, device=rng_device(generator, real.device)).to(real)  # (B,)
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

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=generator, device=rng_device(generator, device))

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Eq. (3) / Algorithm 1, line 7: ``E D(fake) - E D(real) + lambda * GP``; returns the loss and its parts (detached)."""
        w_estimate = self.D(real).mean() - self.D(fake).mean()
        gp, norms = gradient_penalty(self.D, real, fake)
        loss = -w_estimate + self.config.gp_lambda * gp
        return loss, {"w_estimate": w_estimate.detach(), "gp": gp.detach(), "grad_norm": norms.mean()}

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        self._set_lr()  # toys only: gan_cifar_resnet.py's linear decay (Algorithm 1 keeps alpha constant)
        # Algorithm 1, line 2: n_critic critic steps.
        for _ in range(self.config.n_critic):
            # Line 4: real data x and latent z, fresh for every critic step; line 5: x_fake = G(z).
            real, _ = draw()
            fake = self.G(self.noise(len(real), device=self.device)).detach()
            # Lines 4, 6, 7: eps, x_hat and L = D(x_fake) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2, batch-averaged.
            d_loss, parts = self.critic_loss(real, fake)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()  # through the penalty too: it is part of the loss, not a side number
            opt_d.step()  # line 9: Adam step on the critic
        # Line 11: a batch of latent variables; line 12: Adam step on G's loss -D(G(z)).
        g_loss = generator_loss(self.D(self.G(self.noise(self.config.batch_size, device=self.device))))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        self.step += 1
        return {"critic_loss": d_loss.detach(), "g_loss": g_loss.detach(), **parts}
