"""BEGAN, Berthelot, Schumm & Metz 2017 (arXiv 1703.10717): an autoencoder D and a controlled balance k_t.

Paper -> code:

* Sec. 3.1, ``L(v) = |v - D(v)|^eta`` with eta = 1 -> :func:`reconstruction_loss`, :class:`AutoencoderD`.
* Sec. 3.3, the diversity ratio ``gamma = E L(G(z)) / E L(x)`` (lower: sharper, less diverse) -> ``gamma``.
* Sec. 3.4, ``L_D = L(x) - k_t L(G(z_D))``, ``L_G = L(G(z_G))``, ``k_{t+1} = k_t + lambda_k (gamma L(x) - L(G(z_G)))``
  with k_t clipped to [0, 1], k_0 = 0, lambda_k = 0.001 -> :meth:`BEGAN.train_step`, :func:`update_k`.
* Sec. 3.4.1, ``M_global = L(x) + |gamma L(x) - L(G(z_G))|`` -> :func:`convergence_measure`.
* Sec. 3.5 / Fig. 1, 3x3 convolutions + ELU (``repeat`` per level), stride-2 downsampling, filters n, 2n, 3n, a linear
  embedding h, nearest upsampling, no batch norm; G the decoder's architecture -> :class:`Encoder`, :class:`Decoder`,
  :class:`Generator`; the optional skip connections -> ``skip``.
* Sec. 4.1: N_z = N_h = 64, z ~ U(-1, 1), Adam lr 1e-4, batch 16 -> :class:`BEGANConfig`.

Deviations (:data:`BOOK_NETWORKS`, set by :func:`make_config` in every profile; the dataclass defaults stay the paper's):

* networks: a DCGAN-style G (:class:`DCGANStyleGenerator`) and a shallow autoencoder with a batch-normalised code
  (:class:`ShallowAutoencoderD`); the paper's stay collapsed at the book's budgets (lab notes, chapter 8).
* gamma 0.7, not 0.5: with these networks k_t stays at 0 below about 0.65 (lab notes, chapter 8).
* weights N(0, 0.02) (DCGAN's); Adam betas (0.5, 0.999) from carpedm20/BEGAN-tensorflow (the paper gives none);
  no learning-rate decay when M_global stalls; 28x28 digits start the decoder at 7x7, not 8x8.
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

INITS = ("pytorch", "glorot", "normal")
ARCHS_G = ("paper", "dcgan")
ARCHS_D = ("paper", "shallow")


@dataclass
class BEGANConfig:
    """Hyperparameters of BEGAN. Defaults: the paper (Sec. 3.3-3.5, 4.1) unless said otherwise."""

    h: int = 64  # Sec. 4.1: embedding h and noise N_z are both 64
    n: int = 128  # Sec. 3.5: filters n, 2n, 3n, ... by level; the value: carpedm20/BEGAN-tensorflow's conv_hidden_num
    repeat: int = 2  # Sec. 3.5: each 3x3 convolution "repeated a number of times (typically 2)"
    skip: bool = False  # Sec. 3.5.1: optional skip connections from h0 to every upsampling (off in the main results)
    gamma: float = 0.5  # Sec. 3.3 diversity ratio; 0.5 is the figure most results use
    lambda_k: float = 0.001  # Sec. 3.4: lambda_k = 0.001
    k0: float = 0.0  # Sec. 3.4: k_0 = 0
    lr: float = 1e-4  # Sec. 4.1: Adam, learning rate 0.0001
    betas: tuple[float, float] = (0.5, 0.999)  # not in the paper; carpedm20/BEGAN-tensorflow's
    batch_size: int = 16  # Sec. 4.1: batch size 16
    init: str = "pytorch"  # "glorot": Glorot-uniform weights and zero biases, TF's default in carpedm20/BEGAN-tensorflow
    out_bias: float | None = None  # not in the paper: start both last convolutions' biases here (-1: the background)
    bn_g: bool = False  # not in the paper ("no batch norm"): batch norm after each of G's 3x3 convolutions
    bn_d: bool = False  # not in the paper: batch norm on D's embedding h
    arch_g: str = "paper"  # "dcgan": not the paper's: a DCGAN-style G (batch norm, tanh)
    arch_d: str = "paper"  # "shallow": not the paper's: a one-convolution autoencoder with a batch-normalised code

    def __post_init__(self) -> None:
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")
        if not 0 <= self.k0 <= 1:
            raise ValueError(f"k0 must be in [0, 1], got {self.k0}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; valid: {', '.join(INITS)}")
        if self.arch_g not in ARCHS_G:
            raise ValueError(f"unknown arch_g {self.arch_g!r}; valid: {', '.join(ARCHS_G)}")
        if self.arch_d not in ARCHS_D:
            raise ValueError(f"unknown arch_d {self.arch_d!r}; valid: {', '.join(ARCHS_D)}")
        if (self.arch_g, self.arch_d) != ("paper", "paper") and self.out_bias is not None:
            raise ValueError("out_bias applies to the paper's networks only (arch_g='paper', arch_d='paper')")
        for name in ("h", "n", "repeat", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        self.betas = tuple(self.betas)


# The book's deviations from the paper (see the module docstring); `--set arch_g='paper' --set arch_d='paper'
# --set init='pytorch' --set gamma=0.5` restores the paper's networks and default gamma.
BOOK_NETWORKS = {"arch_g": "dcgan", "arch_d": "shallow", "init": "normal", "gamma": 0.7}


def make_config(data: Dataset, profile: str | None = None, **overrides) -> BEGANConfig:
    """The paper's objective and hyperparameters on the book's networks; the profile sets the width n only."""
    if data.kind != "image":
        raise ValueError(f"BEGAN's autoencoder is convolutional and needs images, not the 2-D toy {data.name!r}")
    n = pick(smoke=8, cpu=32, gpu=64, profile=profile)
    return replace(BEGANConfig(n=n, **BOOK_NETWORKS), **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    """Generator steps per profile."""
    return pick(smoke=10, cpu=3000, gpu=50000, profile=profile)


def layout(image_size: int) -> tuple[int, int]:
    """``(start, scalings)``: the decoder starts at ``start x start`` (7 for 28x28, 8 for 2^k) and doubles ``scalings`` times."""
    start = 7 if image_size % 7 == 0 else 8
    s = math.log2(image_size / start)
    if image_size < start or s != int(s):
        raise ValueError(f"BEGAN takes 28x28 or 2^k x 2^k images (k >= 3), not {image_size}x{image_size}")
    return start, int(s)


def _convs(c_in: int, c_out: int, repeat: int, bn: bool = False) -> list[nn.Module]:
    """``repeat`` 3x3 convolutions, each followed by an ELU (Sec. 3.5); the resolution is unchanged.
    ``bn``: a batch norm between each convolution and its ELU (a deviation, off by default)."""
    layers: list[nn.Module] = []
    for i in range(repeat):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1)]
        layers += [nn.BatchNorm2d(c_out)] if bn else []
        layers += [nn.ELU()]
    return layers


class Encoder(nn.Module):
    """Image -> conv -> [3x3 convs + ELU, stride-2 conv to the next width] per level -> FC -> h (no nonlinearity)."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        start, s = layout(size)
        widths = [cfg.n * (i + 1) for i in range(s + 1)]  # filters grow linearly: n, 2n, 3n, ...
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 3, padding=1), nn.ELU()]
        for i in range(s):
            layers += _convs(widths[i], widths[i], cfg.repeat)  # (B, w_i, r, r)
            layers += [nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1), nn.ELU()]  # -> (B, w_i+1, r/2, r/2)
        layers += _convs(widths[-1], widths[-1], cfg.repeat)
        self.net = nn.Sequential(*layers)
        self.fc = nn.Linear(widths[-1] * start * start, cfg.h)  # the embedding: no nonlinearity
        self.norm = nn.BatchNorm1d(cfg.h) if cfg.bn_d else nn.Identity()

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return self.norm(self.fc(self.net(v).flatten(1)))  # (B, C, H, W) -> (B, 3n, s0, s0) -> (B, h)


class Decoder(nn.Module):
    """h -> FC (no nonlinearity) -> s0 x s0 x n -> [3x3 convs + ELU, nearest upsampling] per level -> 3x3 conv -> image.

    Both G and D's decoder (Sec. 3.5: the same architecture, not the same weights).
    """

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...], bn: bool = False) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        self.start, self.scalings = layout(size)
        self.n, self.skip = cfg.n, cfg.skip
        self.fc = nn.Linear(cfg.h, cfg.n * self.start * self.start)  # h -> h0, no nonlinearity
        c_in = 2 * cfg.n if cfg.skip else cfg.n  # with skips, every block after the first also sees h0
        self.blocks = nn.ModuleList(
            [nn.Sequential(*_convs(cfg.n if i == 0 else c_in, cfg.n, cfg.repeat, bn)) for i in range(self.scalings + 1)])
        self.out = nn.Conv2d(cfg.n, channels, 3, padding=1)  # the image: a last 3x3 convolution, linear

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        h0 = self.fc(e).view(-1, self.n, self.start, self.start)  # (B, h) -> (B, n, s0, s0)
        x = self.blocks[0](h0)
        for block in self.blocks[1:]:
            x = F.interpolate(x, scale_factor=2, mode="nearest")  # (B, n, r, r) -> (B, n, 2r, 2r)
            if self.skip:  # Sec. 3.5.1: h0, upsampled to this resolution, joins the block's input
                x = torch.cat([x, F.interpolate(h0, size=x.shape[-2:], mode="nearest")], 1)
            x = block(x)
        return self.out(x)  # (B, n, H, W) -> (B, C, H, W)


class Generator(nn.Module):
    """G(z): the decoder's architecture with its own weights."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.net = Decoder(cfg, sample_shape, bn=cfg.bn_g)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, N_z) -> (B, C, H, W)


class AutoencoderD(nn.Module):
    """D(v): encode to an h-dimensional embedding and decode back; returns the reconstruction."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.encoder = Encoder(cfg, sample_shape)
        self.decoder = Decoder(cfg, sample_shape)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(v))  # (B, C, H, W) -> (B, h) -> (B, C, H, W)


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


class DCGANStyleGenerator(nn.Module):
    """Not the paper's G: z -> FC -> (2n, s0, s0) -> BN -> [nearest x2, 3x3 conv, BN, leaky ReLU] x2 -> 3x3 conv -> tanh.

    The generator of DCGAN-style BEGAN reimplementations (2n and n channels; batch norm everywhere but the output)."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        self.start, scalings = layout(size)
        if scalings != 2:
            raise ValueError(f"arch_g='dcgan' upsamples twice (7 -> 28 or 8 -> 32), not for {size}x{size} images")
        w = 2 * cfg.n
        self.w = w
        self.fc = nn.Linear(cfg.h, w * self.start * self.start)
        self.net = nn.Sequential(
            nn.BatchNorm2d(w),
            nn.Upsample(scale_factor=2), nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2), nn.Conv2d(w, cfg.n, 3, padding=1), nn.BatchNorm2d(cfg.n), nn.LeakyReLU(0.2),
            nn.Conv2d(cfg.n, channels, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(z).view(-1, self.w, self.start, self.start))  # (B, h) -> (B, C, H, W)


class ShallowAutoencoderD(nn.Module):
    """Not the paper's D: 3x3 stride-2 conv (n) + ReLU -> FC -> h -> BN -> ReLU -> FC -> BN -> ReLU -> nearest x2 -> 3x3 conv.

    Batch norm on the embedding makes the reconstruction depend on the whole batch: a batch of near-identical
    fakes has its tiny differences stretched to the spread of real codes, and is reconstructed badly."""

    def __init__(self, cfg: BEGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        self.shape = (cfg.n, size // 2, size // 2)
        flat = cfg.n * (size // 2) ** 2
        self.down = nn.Sequential(nn.Conv2d(channels, cfg.n, 3, stride=2, padding=1), nn.ReLU())
        self.code = nn.Sequential(nn.Linear(flat, cfg.h), nn.BatchNorm1d(cfg.h), nn.ReLU(),
                                  nn.Linear(cfg.h, flat), nn.BatchNorm1d(flat), nn.ReLU())
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(cfg.n, channels, 3, padding=1))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return self.up(self.code(self.down(v).flatten(1)).view(-1, *self.shape))  # (B, C, H, W) -> same


@torch.no_grad()
def normal_init(net: nn.Module) -> None:
    """DCGAN's initialisation (Radford et al. 2015, Sec. 4): convolution weights N(0, 0.02), batch-norm gains
    N(1, 0.02) and shifts 0; dense layers keep PyTorch's default."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@torch.no_grad()
def glorot_init(net: nn.Module) -> None:
    """TF's default for convolutions and dense layers (``glorot_uniform`` weights, zero biases), which the
    reimplementation carpedm20/BEGAN-tensorflow trains with; PyTorch's default draws smaller weights."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


class BEGAN(GANModel):
    """BEGAN: the autoencoder discriminator and the k_t controller in :meth:`train_step`."""

    name = "began"

    def __init__(self, config: BEGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        if len(self.sample_shape) != 3:
            raise ValueError(f"BEGAN needs images of shape (C, H, W), got sample shape {self.sample_shape}")
        c = config
        G = DCGANStyleGenerator if c.arch_g == "dcgan" else Generator
        D = ShallowAutoencoderD if c.arch_d == "shallow" else AutoencoderD
        self.G = G(c, self.sample_shape).to(self.device)
        self.D = D(c, self.sample_shape).to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        if c.init == "glorot":
            glorot_init(self.G)
            glorot_init(self.D)
        elif c.init == "normal":
            normal_init(self.G)
            normal_init(self.D)
        if c.out_bias is not None:
            with torch.no_grad():
                self.G.net.out.bias.fill_(c.out_bias)
                self.D.decoder.out.bias.fill_(c.out_bias)
        self.optimizers = {
            "G": torch.optim.Adam(self.G.parameters(), lr=c.lr, betas=c.betas),
            "D": torch.optim.Adam(self.D.parameters(), lr=c.lr, betas=c.betas),
        }
        self.k = torch.full((), c.k0, device=self.device)  # a tensor, so the update never waits on the device

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        # Sec. 4.1: z uniform in [-1, 1]^{N_z}
        return torch.rand(n, self.config.h, generator=generator, device=rng_device(generator, device)) * 2 - 1

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z).clamp(-1, 1)  # G's last conv is linear; samples are shown and scored in the data's range

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        c, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        real, _ = draw()
        # Sec. 3.4, L_D = L(x) - k_t L(G(z_D)): reconstruct real digits well and generated ones badly.
        fake = self.G(self.noise(len(real), device=self.device)).detach()  # G(z_D)
        loss_real = reconstruction_loss(self.D, real)
        loss_fake_d = reconstruction_loss(self.D, fake)
        d_loss = loss_real - self.k * loss_fake_d
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # Sec. 3.4, L_G = L(G(z_G)): G makes its samples easy to reconstruct, with fresh noise z_G.
        g_loss = reconstruction_loss(self.D, self.G(self.noise(c.batch_size, device=self.device)))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        # Sec. 3.4, k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), proportional control;
        # Sec. 3.4.1, M_global from the same two losses.
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
        self.k = torch.full((), float(state.get("k", self.config.k0)), device=self.device)
