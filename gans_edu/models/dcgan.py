"""DCGAN, Radford, Metz & Chintala 2015 (arXiv 1511.06434); details from the official Newmu/dcgan_code.

Paper -> code:

* Sec. 3, strided convolutions in D and fractional-strided ones in G, no pooling -> :func:`_d_block`, :func:`_g_block`.
* Sec. 3, batch norm everywhere except G's output and D's input layers -> ``bn=False`` on exactly those two.
* Sec. 3, no fully connected hidden layers; Fig. 1, "project and reshape" -> G's first transposed convolution on a
  1x1 map, D's last convolution over its whole final map.
* Sec. 3, ReLU in G with a tanh output, LeakyReLU in D (slope 0.2, Sec. 4) -> :class:`Generator`, :class:`Discriminator`.
* Sec. 4, weights N(0, 0.02), Adam lr 2e-4 and beta1 0.5, batch 128 -> :class:`DCGANConfig`, :func:`init_weights`
  (batch-norm gains N(1, 0.02), from dcgan_code).
* The 2014 GAN's loss (non-saturating G), Algorithm 1 with k = 1 -> :meth:`DCGAN.train_step`, with the losses of
  :mod:`gans_edu.models.gan`.
* Sec. 5.1, D's convolutional features, max-pooled to 4x4 grids, as a feature extractor -> :meth:`Discriminator.features`.

Deviations:

* 28x28 digits: G starts from 7x7 and G and D keep one fully connected hidden layer of 1,024 (``dense``), as
  dcgan_code's MNIST network (``dense=0``: all-convolutional); 2^k images start from 4x4, as the paper's LSUN G.
* cpu profile: base width 32 instead of 64 and a dense layer of 256, to train in five minutes on two cores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.models.gan import discriminator_loss, generator_loss
from gans_edu.profiles import pick
from gans_edu.utils import rng_device


@dataclass
class DCGANConfig:
    """Hyperparameters of DCGAN. Defaults: the paper (Sec. 3-4), or its official code where said."""

    z_dim: int = 100  # Fig. 1: "100 dimensional uniform distribution Z"
    z_dist: str = "uniform"  # Fig. 1; dcgan_code samples U(-1, 1)
    ngf: int = 64  # G's base width (channels at the last hidden layer); dcgan.torch ngf = 64
    ndf: int = 64  # D's base width (channels at the first layer); dcgan.torch ndf = 64
    lr: float = 2e-4  # Sec. 4: "learning rate of 0.0002"
    beta1: float = 0.5  # Sec. 4: "reducing [beta1] to 0.5 helped stabilize training" (0.9 oscillated)
    beta2: float = 0.999  # Adam's default, also in dcgan_code
    batch_size: int = 128  # Sec. 4: "mini-batch SGD with a mini-batch size of 128"
    init_std: float = 0.02  # Sec. 4: "zero-centered Normal distribution with standard deviation 0.02"
    bn_gain_std: float = 0.02  # dcgan_code: batch-norm gains ~ N(1, 0.02) (not in the paper)
    leak: float = 0.2  # Sec. 4: "the slope of the leak was set to 0.2"
    weight_decay: float = 0.0  # paper: none; dcgan_code uses an L2 penalty of 1e-5
    g_loss: str = "non-saturating"  # the 2014 paper's practical G loss, as in dcgan_code
    # Units of the fully connected hidden layer in G and D; None: by image size (1024 at 28x28, as
    # dcgan_code's MNIST network, ngfc = ndfc = 1024; none for 2^k images, Sec. 3); 0: none.
    dense: int | None = None

    def __post_init__(self) -> None:
        if self.z_dist not in ("uniform", "normal"):
            raise ValueError(f"unknown z_dist {self.z_dist!r}; valid: uniform, normal")
        for name in ("z_dim", "ngf", "ndf", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.dense is not None and self.dense < 0:
            raise ValueError(f"dense must be >= 0 (0: no dense layer) or None (by image size), got {self.dense}")

    def dense_units(self, image_size: int) -> int:
        """The dense layer's width for this image size (0: the all-convolutional networks)."""
        if self.dense is not None:
            return self.dense
        return 1024 if layout(image_size)[0] == 7 else 0


def make_config(data: Dataset, profile: str | None = None, **overrides) -> DCGANConfig:
    """The paper's settings; the smoke and cpu profiles narrow the networks (never the algorithm)."""
    if data.kind != "image":
        raise ValueError(f"DCGAN is convolutional and needs images, not the 2-D toy {data.name!r}")
    width = pick(smoke=dict(ngf=8, ndf=8, dense=32), cpu=dict(ngf=32, ndf=32, dense=256), gpu=dict(), profile=profile)
    if DCGANConfig().dense_units(data.sample_shape[-1]) == 0:
        width.pop("dense", None)  # 2^k images: the all-convolutional networks in every profile
    return replace(DCGANConfig(), **{**width, **overrides})


def default_steps(data: Dataset, profile: str | None = None) -> int:
    """Generator steps per profile (cpu: 2,000 steps of 128, about 64 passes over the 4,000 offline digits)."""
    return pick(smoke=10, cpu=2000, gpu=10000, profile=profile)


def layout(image_size: int) -> tuple[int, int]:
    """``(start, upsamplings)``: G starts from a ``start x start`` map and doubles it ``upsamplings`` times."""
    start = 7 if image_size % 7 == 0 else 4
    n = math.log2(image_size / start)
    if image_size < 8 or n != int(n):
        raise ValueError(f"DCGAN takes 28x28 or 2^k x 2^k images (e.g. 32, 64), not {image_size}x{image_size}")
    return start, int(n)


def _g_block(c_in: int, c_out: int, bn: bool = True) -> list[nn.Module]:
    """Fractional-strided convolution doubling the resolution, then BN and ReLU (BN off at G's output)."""
    conv = nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=not bn)
    return [conv, nn.BatchNorm2d(c_out), nn.ReLU()] if bn else [conv]


def _d_block(c_in: int, c_out: int, leak: float, bn: bool = True) -> list[nn.Module]:
    """Strided convolution halving the resolution, then BN and LeakyReLU (BN off at D's input)."""
    conv = nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=not bn)
    return [conv, nn.BatchNorm2d(c_out), nn.LeakyReLU(leak)] if bn else [conv, nn.LeakyReLU(leak)]


class Generator(nn.Module):
    """z -> [FC ``dense``, BN, ReLU] -> project and reshape -> (fractional-strided conv, BN, ReLU) x n -> tanh image."""

    def __init__(self, cfg: DCGANConfig, sample_shape: tuple[int, ...], dense: int = 0) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        start, n = layout(size)
        widths = [cfg.ngf * 2 ** (n - 1 - i) for i in range(n)]  # e.g. 28x28, ngf 64: [128, 64]
        # dcgan_code's MNIST G: z -> FC 1024, BN, ReLU before the projection (absent for 2^k images).
        self.dense = nn.Sequential(nn.Linear(cfg.z_dim, dense, bias=False), nn.BatchNorm1d(dense), nn.ReLU()) \
            if dense else nn.Identity()
        # "Project and reshape" (Fig. 1): a transposed conv on a 1x1 map is a matrix multiply.
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(dense or cfg.z_dim, widths[0], start, bias=False),  # (B, z, 1, 1) -> (B, w0, s, s)
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        ]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += _g_block(c_in, c_out)  # (B, c_in, s, s) -> (B, c_out, 2s, 2s)
        layers += _g_block(widths[-1], channels, bn=False)  # no BN on G's output layer
        layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)
        self.z_dim = cfg.z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dense(z.view(-1, self.z_dim))  # (B, z) -> (B, dense), or (B, z) unchanged
        return self.net(h[:, :, None, None])  # (B, c, 1, 1) -> (B, C, H, W)


class Discriminator(nn.Module):
    """Image -> (strided conv, BN, LeakyReLU) x n -> one conv over the last map (or FC ``dense``, BN, LeakyReLU, FC) -> logit."""

    def __init__(self, cfg: DCGANConfig, sample_shape: tuple[int, ...], dense: int = 0, bn: bool = True) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        start, n = layout(size)
        widths = [cfg.ndf * 2**i for i in range(n)]  # e.g. 28x28, ndf 64: [64, 128]
        blocks = [nn.Sequential(*_d_block(channels, widths[0], cfg.leak, bn=False))]  # no BN on D's input layer
        for c_in, c_out in zip(widths[:-1], widths[1:]):  # bn=False: a critic without batch norm (WGAN-GP)
            blocks.append(nn.Sequential(*_d_block(c_in, c_out, cfg.leak, bn)))  # (B, c_in, s, s) -> (B, c_out, s/2, s/2)
        self.blocks = nn.ModuleList(blocks)
        if dense:  # dcgan_code's MNIST D: flatten -> FC 1024, BN, LeakyReLU -> FC 1 logit
            self.out = nn.Sequential(
                nn.Flatten(), nn.Linear(widths[-1] * start * start, dense, bias=not bn),
                nn.BatchNorm1d(dense) if bn else nn.Identity(), nn.LeakyReLU(cfg.leak), nn.Linear(dense, 1),
            )
        else:  # Sec. 3: no dense layer; one convolution over the last map
            self.out = nn.Conv2d(widths[-1], 1, start)  # (B, w, s0, s0) -> (B, 1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.out(x).view(-1)  # (B,) logits

    @torch.no_grad()
    def features(self, x: torch.Tensor, grid: int = 4) -> torch.Tensor:
        """Sec. 5.1: every conv layer's activations, max-pooled to ``grid x grid`` and concatenated."""
        feats = []
        for block in self.blocks:
            x = block(x)
            feats.append(F.adaptive_max_pool2d(x, grid).flatten(1))  # (B, c, s, s) -> (B, c * grid^2)
        return torch.cat(feats, 1)


def init_weights(module: nn.Module, std: float = 0.02, bn_gain_std: float = 0.02) -> None:
    """Sec. 4: conv and dense weights ~ N(0, std); BN gains ~ N(1, bn_gain_std) and biases 0 (dcgan_code)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, bn_gain_std)
            nn.init.zeros_(m.bias)


class DCGAN(GANModel):
    """DCGAN: the 2014 objective with the Sec. 3 architecture and the Sec. 4 training details."""

    name = "dcgan"

    def __init__(self, config: DCGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        if len(self.sample_shape) != 3:
            raise ValueError(f"DCGAN needs images of shape (C, H, W), got sample shape {self.sample_shape}")
        dense = config.dense_units(self.sample_shape[-1])
        self.G = Generator(config, self.sample_shape, dense)
        self.D = Discriminator(config, self.sample_shape, dense)
        for net in (self.G, self.D):
            init_weights(net, config.init_std, config.bn_gain_std)
            net.to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {
            k: torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2),
                                weight_decay=config.weight_decay)
            for k, net in self.nets.items()
        }

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        device = rng_device(generator, device)
        if self.config.z_dist == "uniform":
            return torch.rand(n, self.config.z_dim, generator=generator, device=device) * 2 - 1  # U(-1, 1), as dcgan_code
        return torch.randn(n, self.config.z_dim, generator=generator, device=device)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        # Algorithm 1 (Goodfellow et al. 2014), k = 1: a minibatch of m examples and one of m noise samples.
        real, _ = draw()
        fake = self.G(self.noise(len(real), device=self.device)).detach()
        # Algorithm 1: update D by ascending log D(x) + log(1 - D(G(z))) (Eq. 1 there).
        real_logits, fake_logits = self.D(real), self.D(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # Algorithm 1: fresh noise, then update G; the 2014 paper's Sec. 3 loss -log D(G(z)), as dcgan_code.
        fake_logits_g = self.D(self.G(self.noise(self.config.batch_size, device=self.device)))
        g_loss = generator_loss(fake_logits_g, self.config.g_loss)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
