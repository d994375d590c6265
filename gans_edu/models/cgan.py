"""Conditional GAN, Mirza & Osindero 2014 (arXiv 1411.1784): the label y goes into both networks.

Paper -> code:

* Eq. (2), ``min_G max_D E log D(x|y) + E log(1 - D(G(z|y)|y))`` -> :meth:`CGAN.train_step`, with the 2014 GAN's
  :func:`~gans_edu.models.gan.discriminator_loss` and non-saturating :func:`~gans_edu.models.gan.generator_loss`.
* Sec. 4.1, the MNIST G: z (100, uniform in the unit hypercube) -> 200 ReLU, y (one-hot) -> 1000 ReLU, joined
  -> 1200 ReLU -> 784 -> :class:`MLPGenerator` (``arch="mlp"``).
* Sec. 4.1, the MNIST D: x -> maxout 240 x 5, y -> maxout 50 x 5, joined -> maxout 240 x 4, dropout 0.5
  -> :class:`MLPDiscriminator`.
* Sec. 4.1, SGD, batch 100, learning rate 0.1, momentum 0.5 -> :class:`CGANConfig` defaults.

Deviations:

* default networks (:data:`DEFAULT_ARCH`): the book's conv variant (``arch="conv"``), InfoGAN's MNIST networks
  (Appendix C), y appended to z in G and to the input (as 10 constant channels) and dense layer of D
  -> :class:`ConvGenerator`, :class:`ConvDiscriminator`, :func:`conv_config`; the paper's MLPs did not learn here.
* optimiser: Adam (lr 2e-4, beta1 0.5) for both variants; the paper's SGD diverged without its code base's max-norm
  limits (:func:`mlp_config`; lab notes, chapter 4).
* G ends in tanh (images in [-1, 1]), not sigmoid; no learning-rate decay or momentum ramp; the cpu profile's conv
  networks are narrower than Appendix C's (32 channels and 256 dense units instead of 64 and 1,024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.models.gan import Maxout, discriminator_loss, generator_loss
from gans_edu.profiles import pick
from gans_edu.utils import rng_device

ARCHS = ("mlp", "conv")


@dataclass
class CGANConfig:
    """Hyperparameters of the conditional GAN. Defaults: the paper's MNIST run (Sec. 4.1)."""

    arch: str = "mlp"  # "mlp": Sec. 4.1; "conv": the book's convolutional variant
    num_classes: int = 10  # Sec. 4.1: y one-hot over the 10 digit classes
    z_dim: int = 100  # Sec. 4.1: "noise prior z with dimensionality 100"
    # MLP G (Sec. 4.1): z -> 200 ReLU, y -> 1000 ReLU, joined -> 1200 ReLU -> 784.
    g_z_hidden: int = 200
    g_y_hidden: int = 1000
    g_joint: int = 1200
    g_dropout: float = 0.5  # Sec. 4.1: "dropout with probability 0.5 applied to both G and D"
    # MLP D (Sec. 4.1): x -> maxout 240 x 5, y -> maxout 50 x 5, joined -> maxout 240 x 4.
    d_x_units: int = 240
    d_x_pieces: int = 5
    d_y_units: int = 50
    d_y_pieces: int = 5
    d_joint_units: int = 240
    d_joint_pieces: int = 4
    d_dropout: float = 0.5  # Sec. 4.1, on D's hidden layers
    d_input_dropout: float = 0.2  # the paper gives no input rate; 0.2 as the 2014 GAN's mnist.yaml
    # Conv variant (book's): channel widths and dense width, as InfoGAN's MNIST nets (Appendix C).
    conv_channels: int = 64  # first conv layer of D / last deconv of G; doubled in the other
    conv_dense: int = 1024
    optimizer: str = "sgd"  # Sec. 4.1: "trained using stochastic gradient descent"
    lr: float = 0.1  # Sec. 4.1: "initial learning rate of 0.1" (its exponential decay left out)
    momentum: float = 0.5  # Sec. 4.1: "initial momentum 0.5" (its ramp to 0.7 left out)
    betas: tuple[float, float] = (0.5, 0.999)  # conv variant: Adam as DCGAN
    batch_size: int = 100  # Sec. 4.1: "mini-batch size of 100"

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise ValueError(f"unknown arch {self.arch!r}; valid: {', '.join(ARCHS)}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: sgd, adam")
        self.betas = tuple(self.betas)


def mlp_config(profile: str | None = None, **overrides) -> CGANConfig:
    """The paper's MLPs (Sec. 4.1), trained with Adam; the smoke profile shrinks the widths.

    Adam with DCGAN's settings (lr 2e-4, beta1 0.5) is the book's deviation: the paper's plain SGD (still
    :class:`CGANConfig`'s defaults, one ``optimizer="sgd", lr=0.1`` away) diverged here without pylearn2's
    max-norm limit on every maxout weight vector, which we leave out (lab notes, chapter 4).
    """
    widths = pick(
        smoke=dict(g_z_hidden=32, g_y_hidden=32, g_joint=64, d_x_units=32, d_y_units=8, d_joint_units=32),
        cpu=dict(),
        gpu=dict(),
        profile=profile,
    )
    base = CGANConfig(optimizer="adam", lr=2e-4)
    return replace(base, **{**widths, **overrides})


def conv_config(profile: str | None = None, **overrides) -> CGANConfig:
    """The convolutional variant: DCGAN-style nets and Adam 2e-4, beta1 0.5 (Radford et al. 2015)."""
    widths = pick(
        smoke=dict(conv_channels=8, conv_dense=32),
        cpu=dict(conv_channels=32, conv_dense=256),  # narrower than Appendix C so 5 min on 2 cores suffice
        gpu=dict(),
        profile=profile,
    )
    base = CGANConfig(arch="conv", optimizer="adam", lr=2e-4, batch_size=64)
    return replace(base, **{**widths, **overrides})


# The variant each profile trains by default: the conv one, since the paper's MLPs did not learn at these
# budgets (lab notes, chapter 4). The paper's MLP stays one switch away: arch="mlp".
DEFAULT_ARCH = {"smoke": "conv", "cpu": "conv", "gpu": "conv"}


def make_config(data: Dataset, profile: str | None = None, **overrides) -> CGANConfig:
    arch = overrides.pop("arch", None) or pick(**DEFAULT_ARCH, profile=profile)
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; valid: {', '.join(ARCHS)}")
    return (mlp_config if arch == "mlp" else conv_config)(profile, **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    return pick(smoke=20, cpu=2500, gpu=20000, profile=profile)


# --------------------------------------------------------------------------- the paper's MLPs

class MLPGenerator(nn.Module):
    """Sec. 4.1: z and y each through their own ReLU layer, joined, one more ReLU layer, then pixels."""

    def __init__(self, cfg: CGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.sample_shape, self.num_classes = sample_shape, cfg.num_classes
        self.z_path = nn.Sequential(nn.Linear(cfg.z_dim, cfg.g_z_hidden), nn.ReLU())
        self.y_path = nn.Sequential(nn.Linear(cfg.num_classes, cfg.g_y_hidden), nn.ReLU())
        self.joint = nn.Sequential(
            nn.Linear(cfg.g_z_hidden + cfg.g_y_hidden, cfg.g_joint), nn.ReLU(), nn.Dropout(cfg.g_dropout),
            nn.Linear(cfg.g_joint, math.prod(sample_shape)), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        y = F.one_hot(labels, self.num_classes).float()  # (B,) -> (B, 10)
        h = torch.cat([self.z_path(z), self.y_path(y)], 1)  # (B, 200 + 1000)
        return self.joint(h).view(-1, *self.sample_shape)  # (B, 784) -> (B, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    """Sec. 4.1: maxout layers for x and for y, a joint maxout layer, then the logit of D(x|y)."""

    def __init__(self, cfg: CGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.num_classes = cfg.num_classes
        p = cfg.d_dropout
        self.x_path = nn.Sequential(nn.Flatten(), nn.Dropout(cfg.d_input_dropout),
                                    Maxout(math.prod(sample_shape), cfg.d_x_units, cfg.d_x_pieces))
        self.y_path = Maxout(cfg.num_classes, cfg.d_y_units, cfg.d_y_pieces)
        self.joint = nn.Sequential(
            nn.Dropout(p), Maxout(cfg.d_x_units + cfg.d_y_units, cfg.d_joint_units, cfg.d_joint_pieces),
            nn.Dropout(p), nn.Linear(cfg.d_joint_units, 1),
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        y = F.one_hot(labels, self.num_classes).float()  # (B,) -> (B, 10)
        h = torch.cat([self.x_path(x), self.y_path(y)], 1)  # (B, 240 + 50)
        return self.joint(h).squeeze(1)  # (B,) logits


# --------------------------------------------------------------------------- the convolutional variant

class ConvGenerator(nn.Module):
    """[z, y] -> dense -> dense (128 x 7 x 7) -> deconv to 14 x 14 -> deconv to 28 x 28, tanh."""

    def __init__(self, cfg: CGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        c, self.num_classes = cfg.conv_channels, cfg.num_classes
        self.c, self.side = c, sample_shape[-1] // 4
        self.dense = nn.Sequential(
            nn.Linear(cfg.z_dim + cfg.num_classes, cfg.conv_dense), nn.BatchNorm1d(cfg.conv_dense), nn.ReLU(),
            nn.Linear(cfg.conv_dense, 2 * c * self.side**2), nn.BatchNorm1d(2 * c * self.side**2), nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.ConvTranspose2d(c, sample_shape[0], 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        y = F.one_hot(labels, self.num_classes).float()  # (B,) -> (B, 10)
        h = self.dense(torch.cat([z, y], 1)).view(-1, 2 * self.c, self.side, self.side)  # (B, 2c, 7, 7)
        return self.up(h)  # (B, 2c, 7, 7) -> (B, c, 14, 14) -> (B, 1, 28, 28)


class ConvDiscriminator(nn.Module):
    """[x, y as 10 constant channels] -> conv -> conv -> [features, y] -> dense -> logit."""

    def __init__(self, cfg: CGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        c, self.num_classes = cfg.conv_channels, cfg.num_classes
        side = sample_shape[-1] // 4
        self.conv = nn.Sequential(
            nn.Conv2d(sample_shape[0] + cfg.num_classes, c, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Flatten(),
        )
        self.dense = nn.Sequential(
            nn.Linear(2 * c * side**2 + cfg.num_classes, cfg.conv_dense), nn.BatchNorm1d(cfg.conv_dense),
            nn.LeakyReLU(0.2), nn.Linear(cfg.conv_dense, 1),
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        y = F.one_hot(labels, self.num_classes).float()  # (B,) -> (B, 10)
        maps = y[:, :, None, None].expand(-1, -1, *x.shape[-2:])  # (B, 10) -> (B, 10, 28, 28)
        h = self.conv(torch.cat([x, maps], 1))  # (B, 11, 28, 28) -> (B, 2c * 7 * 7)
        return self.dense(torch.cat([h, y], 1)).squeeze(1)  # (B,) logits


# --------------------------------------------------------------------------- the model

class CGAN(GANModel):
    """Conditional GAN: every call to G and to D carries the label (Eq. 2)."""

    name = "cgan"
    conditional = True

    def __init__(self, config: CGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        gen, disc = (MLPGenerator, MLPDiscriminator) if config.arch == "mlp" else (ConvGenerator, ConvDiscriminator)
        self.G = gen(config, self.sample_shape).to(self.device)
        self.D = disc(config, self.sample_shape).to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self._optimizer(self.G), "D": self._optimizer(self.D)}

    def _optimizer(self, net: nn.Module) -> torch.optim.Optimizer:
        c = self.config
        if c.optimizer == "sgd":
            return torch.optim.SGD(net.parameters(), lr=c.lr, momentum=c.momentum)
        return torch.optim.Adam(net.parameters(), lr=c.lr, betas=c.betas)

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        # Sec. 4.1: "drawn from a uniform distribution within the unit hypercube".
        return torch.rand(n, self.config.z_dim, generator=generator, device=rng_device(generator, device))

    def random_labels(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | None = None) -> torch.Tensor:
        """Uniformly drawn classes, for G's batches (the data's classes are balanced); ``device`` as :meth:`noise`."""
        return torch.randint(0, self.config.num_classes, (n,), generator=generator, device=rng_device(generator, device))

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise ValueError("cgan generates a requested class: pass labels (one class in 0..9 per sample)")
        if labels.min() < 0 or labels.max() >= self.config.num_classes:
            raise ValueError(f"labels must be classes in 0..{self.config.num_classes - 1}")
        return self.G(z, labels.long())

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        # Eq. (2), D's side: ascend log D(x|y) + log(1 - D(G(z|y')|y')) on real pairs (x, y) and generated
        # pairs with y' drawn like the data's labels (Algorithm 1 of the 2014 GAN, k = 1).
        real, y_real = draw()
        if y_real is None:
            raise ValueError("cgan needs a labelled dataset")
        y_fake = self.random_labels(len(real), device=self.device)  # drawn on the device: nothing copied
        fake = self.G(self.noise(len(real), device=self.device), y_fake).detach()
        real_logits, fake_logits = self.D(real, y_real), self.D(fake, y_fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # Eq. (2), G's side (non-saturating, -log D(G(z|y)|y)): fresh noise and labels; D judges the image
        # *together with* the label G was asked for, so an image of the wrong class is a fake.
        y = self.random_labels(self.config.batch_size, device=self.device)
        fake_logits = self.D(self.G(self.noise(self.config.batch_size, device=self.device), y), y)
        g_loss = generator_loss(fake_logits, "non-saturating")
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
