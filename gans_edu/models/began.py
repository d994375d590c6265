"""BEGAN (Berthelot, Schumm & Metz 2017, arXiv 1703.10717): boundary equilibrium GAN.

Map from the paper to the code:

* Sec. 3.1, the discriminator is an autoencoder and ``L(v) = |v - D(v)|^eta`` (eta = 1, the mean
  absolute reconstruction error) -> :class:`AutoencoderD`, :func:`reconstruction_loss`.
* Sec. 3.3, Eq. 4: ``L_D = L(x) - k_t L(G(z_D))``, ``L_G = L(G(z_G))``,
  ``k_{t+1} = k_t + lambda_k (gamma L(x) - L(G(z_G)))``, with k_t clipped to [0, 1]
  (k_0 = 0, lambda_k = 0.001) -> :meth:`BEGAN.train_step`, :func:`update_k`.
* Sec. 3.2, gamma = E L(G(z)) / E L(x), the diversity ratio: lower gamma, sharper but less
  diverse samples -> ``gamma``.
* Sec. 3.4.1, the convergence measure ``M_global = L(x) + |gamma L(x) - L(G(z_G))|``
  -> :func:`convergence_measure`.
* Sec. 3.5 / 4.1, the networks: G has the same architecture as D's decoder (not the same
  weights), ELU activations, no batch norm, no dropout; embedding h = N_z = 64; Adam with
  learning rate 1e-4 -> :class:`BEGANConfig`.

Deviations: the paper's encoder and decoder are convolutional (3x3 convolutions, nearest-neighbour
upsampling); here they are ELU MLPs of the same role (784 -> width -> width -> h and back), which a
CPU trains in minutes, and decoders end in tanh because images live in [-1, 1]. The paper's
learning-rate decay "when M_global stalls" is left out at these budgets. Adam's betas
(0.5, 0.999) follow the widely used reimplementation carpedm20/BEGAN-tensorflow, since the paper
gives none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.profiles import pick


@dataclass
class BEGANConfig:
    """Hyperparameters of BEGAN. Defaults: the paper (Sec. 3.3, 4.1) unless said otherwise."""

    h: int = 64  # Sec. 4.1: embedding h and noise N_z are both 64
    width: int = 512  # hidden units per MLP layer (book's choice; the paper's layers are convolutions)
    gamma: float = 0.5  # Sec. 3.2 diversity ratio; 0.5 is the figure most results use
    lambda_k: float = 0.001  # Sec. 3.3: lambda_k = 0.001
    k0: float = 0.0  # Sec. 3.3: k_0 = 0
    lr: float = 1e-4  # Sec. 4.1: Adam, learning rate 0.0001
    betas: tuple[float, float] = (0.5, 0.999)  # not in the paper; carpedm20/BEGAN-tensorflow's
    batch_size: int = 16  # Sec. 4.1: batch size 16

    def __post_init__(self) -> None:
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")
        if not 0 <= self.k0 <= 1:
            raise ValueError(f"k0 must be in [0, 1], got {self.k0}")
        self.betas = tuple(self.betas)


def make_config(data: Dataset, profile: str | None = None, **overrides) -> BEGANConfig:
    """Paper defaults; the profile sets the width only."""
    width = pick(smoke=32, cpu=256, gpu=512, profile=profile)
    return replace(BEGANConfig(width=width), **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    return pick(smoke=10, cpu=8000, gpu=100000, profile=profile)


def decoder(h: int, width: int, d_out: int) -> nn.Sequential:
    """h -> ELU layers -> a flat image in [-1, 1]: G, and D's decoder (same shape, own weights)."""
    return nn.Sequential(nn.Linear(h, width), nn.ELU(), nn.Linear(width, width), nn.ELU(), nn.Linear(width, d_out),
                         nn.Tanh())


class Generator(nn.Module):
    """G(z): the decoder architecture, reshaped to ``sample_shape``."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.sample_shape = sample_shape
        self.net = decoder(cfg.h, cfg.width, math.prod(sample_shape))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.sample_shape)  # (B, h) -> (B, *sample_shape)


class AutoencoderD(nn.Module):
    """D(v): encode to an h-dimensional embedding and decode back; returns the reconstruction."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        d = math.prod(sample_shape)
        self.encoder = nn.Sequential(nn.Linear(d, cfg.width), nn.ELU(), nn.Linear(cfg.width, cfg.width), nn.ELU(),
                                     nn.Linear(cfg.width, cfg.h))
        self.decoder = decoder(cfg.h, cfg.width, d)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        e = self.encoder(v.flatten(1))  # (B, C, H, W) -> (B, C*H*W) -> (B, h)
        return self.decoder(e).view_as(v)  # (B, h) -> (B, C*H*W) -> (B, C, H, W)


def reconstruction_loss(D: nn.Module, v: torch.Tensor) -> torch.Tensor:
    """L(v) = mean |v - D(v)| (eta = 1), averaged over the batch."""
    return (v - D(v)).abs().mean()


def update_k(k: torch.Tensor, loss_real: torch.Tensor, loss_fake: torch.Tensor, gamma: float,
             lambda_k: float) -> torch.Tensor:
    """k_{t+1} = clip_[0,1](k_t + lambda_k (gamma L(x) - L(G(z_G)))): proportional control of the balance."""
    return (k + lambda_k * (gamma * loss_real - loss_fake)).clamp(0.0, 1.0)


def convergence_measure(loss_real: torch.Tensor, loss_fake: torch.Tensor, gamma: float) -> torch.Tensor:
    """M_global = L(x) + |gamma L(x) - L(G(z_G))| (Sec. 3.4.1): low when D reconstructs well and the balance holds."""
    return loss_real + (gamma * loss_real - loss_fake).abs()


class BEGAN(GANModel):
    """BEGAN: the autoencoder discriminator and the k_t controller in :meth:`train_step`."""

    name = "began"

    def __init__(self, config: BEGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        c = config
        self.G = Generator(c, self.sample_shape).to(self.device)
        self.D = AutoencoderD(c, self.sample_shape).to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {
            "G": torch.optim.Adam(self.G.parameters(), lr=c.lr, betas=c.betas),
            "D": torch.optim.Adam(self.D.parameters(), lr=c.lr, betas=c.betas),
        }
        self.k = torch.tensor(c.k0, device=self.device)  # a tensor, so the update never waits on the device

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        # Sec. 4.1: z uniform in [-1, 1]^{N_z}
        return torch.rand(n, self.config.h, generator=generator) * 2 - 1

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        c, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        real, _ = draw()
        # D: reconstruct real digits well and generated ones badly, weighted by k_t.
        fake = self.G(self.noise(len(real)).to(self.device)).detach()  # G(z_D)
        loss_real = reconstruction_loss(self.D, real)
        loss_fake_d = reconstruction_loss(self.D, fake)
        d_loss = loss_real - self.k * loss_fake_d
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # G: make its samples easy to reconstruct, with fresh noise z_G.
        g_loss = reconstruction_loss(self.D, self.G(self.noise(c.batch_size).to(self.device)))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        # The controller and the convergence measure use L(x) and L(G(z_G)).
        lr_, lg_ = loss_real.detach(), g_loss.detach()
        k_used = self.k
        self.k = update_k(self.k, lr_, lg_, c.gamma, c.lambda_k)
        return {
            "d_loss": d_loss.detach(),
            "g_loss": lg_,
            "loss_real": lr_,
            "k": k_used,
            "m_global": convergence_measure(lr_, lg_, c.gamma),
        }

    def extra_state(self) -> dict:
        return {"k": float(self.k)}

    def load_extra_state(self, state: dict) -> None:
        self.k = torch.tensor(float(state.get("k", self.config.k0)), device=self.device)
