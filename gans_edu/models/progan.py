"""ProGAN, Karras, Aila, Laine & Lehtinen 2017 (arXiv 1710.10196); official code tkarras/progressive_growing_of_gans.

Paper -> code:

* Sec. 2 / Fig. 2, growing from 4x4, a new block faded in with alpha rising 0 -> 1 in G (toRGB) and D (fromRGB)
  -> :meth:`Generator.forward`, :meth:`Discriminator.forward`; real images blended the same way -> :func:`fade_real`.
* App. A.1, 800k images to fade in a resolution and 800k to stabilise it -> :func:`schedule`.
* Sec. 3, minibatch standard deviation, one extra feature map in D's 4x4 block -> :func:`minibatch_stddev`.
* Sec. 4.1, equalized learning rate: N(0, 1) weights scaled by ``sqrt(2 / fan_in)`` on every forward pass
  -> :class:`EqualizedConv2d`, :class:`EqualizedLinear`.
* Sec. 4.2, pixel norm ``a / sqrt(mean_c(a^2) + 1e-8)`` after each 3x3 convolution of G -> :func:`pixel_norm`.
* App. A.1, WGAN-GP (lambda 10, n_critic 1) + drift ``0.001 E D(x)^2``, Adam(1e-3, betas (0, 0.99), eps 1e-8), an EMA
  of G with decay 0.999 -> :meth:`ProGAN.critic_loss`, :meth:`ProGAN.train_step`, :meth:`ProGAN.update_ema`.
* Table 2, two 3x3 convolutions per block, leaky ReLU 0.2, nearest upsampling, average pooling, linear output
  -> :class:`Generator`, :class:`Discriminator`; official code: full networks from the start, Adam reset at each phase.
* Sec. 5 / App. D, sliced Wasserstein distance -> :mod:`gans_edu.metrics.swd`. ``progressive=False``: the non-growing baseline.

Deviations:

* MNIST padded to 32x32 (4 -> 32), at most 32 feature maps and 6,000 images per phase in the cpu profile (not 800k).
* cpu profile: Adam lr 0.01 instead of 0.001, for its 375 steps per phase (lab notes, chapter 9); the EMA as a
  half-life in images (the paper's 0.999 is 11k images at batch 16), shorter in the small profiles.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel, average_weights
from gans_edu.models.wgan_gp import gradient_penalty
from gans_edu.profiles import pick
from gans_edu.utils import rng_device


@dataclass
class ProGANConfig:
    """Hyperparameters of ProGAN. Defaults: the paper (App. A.1, Table 2) unless a comment says otherwise."""

    resolution: int = 32  # final resolution (paper: 1024 for CelebA-HQ; 32 = MNIST padded)
    start_resolution: int = 4  # Sec. 2: "starting from a low resolution of 4x4 pixels"
    fmap_base: int = 16384  # channels at resolution r: min(fmap_max, fmap_base // r) (Table 2: 512 up to 32x32)
    fmap_max: int = 512  # Table 2: 512 feature maps in the low-resolution blocks
    z_dim: int = 512  # App. A.1: 512-d latent vectors
    images_per_phase: int = 800_000  # App. A.1: 800k images to fade in a resolution, 800k to stabilise it
    batch_size: int = 16  # App. A.1: minibatch 16 for resolutions up to 128x128
    lr: float = 1e-3  # App. A.1: Adam, alpha = 0.001
    betas: tuple[float, float] = (0.0, 0.99)  # App. A.1: beta1 = 0, beta2 = 0.99
    adam_eps: float = 1e-8  # App. A.1: epsilon = 1e-8
    gp_lambda: float = 10.0  # App. A.1: WGAN-GP with lambda = 10
    drift: float = 1e-3  # App. A.1: epsilon_drift = 0.001 (the "+ eps_drift E[D(x)^2]" term)
    ema_halflife: float = 11_090.0  # images; App. A.1: EMA decay 0.999 per minibatch of 16 = half-life 693 x 16
    leak: float = 0.2  # Table 2: leaky ReLU with leakiness 0.2
    progressive: bool = True  # False: train at `resolution` from the start (the paper's non-growing baseline)
    equalized_lr: bool = True  # Sec. 4.1 (False: He init at start, as in Table 1's ablation rows)
    pixel_norm: bool = True  # Sec. 4.2
    minibatch_std: bool = True  # Sec. 3
    reset_optimizers: bool = True  # official code: reset_opt_for_new_lod = True

    def __post_init__(self) -> None:
        for name in ("resolution", "start_resolution"):
            r = getattr(self, name)
            if r < 4 or r & (r - 1):
                raise ValueError(f"{name} must be a power of two >= 4 (4, 8, 16, 32, 64, ...), got {r}")
        if self.start_resolution > self.resolution:
            raise ValueError(f"start_resolution {self.start_resolution} is above resolution {self.resolution}")
        for name in ("fmap_base", "fmap_max", "z_dim", "images_per_phase", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.ema_halflife < 0:
            raise ValueError(f"ema_halflife must be >= 0 images, got {self.ema_halflife}")
        self.betas = tuple(self.betas)

    def channels(self, res: int) -> int:
        """Feature maps of the block at resolution ``res`` (at least 1)."""
        return max(1, min(self.fmap_max, self.fmap_base // res))

    @property
    def ema_decay(self) -> float:
        """EMA decay per minibatch: 0.5 ** (batch / half-life); 0.999 at the paper's settings."""
        return 0.5 ** (self.batch_size / self.ema_halflife) if self.ema_halflife > 0 else 0.0


def next_power_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length()


def check_resolution(resolution: int, sample_shape: tuple[int, ...]) -> None:
    """``ValueError`` unless ``resolution`` is a power of two the data can give (after padding to a power of two)."""
    if len(sample_shape) != 3 or sample_shape[1] != sample_shape[2]:
        raise ValueError(f"ProGAN needs square images (C, H, H), got sample shape {tuple(sample_shape)}")
    if resolution < 4 or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two >= 4 (4, 8, 16, 32, 64, ...), got {resolution}")
    offered = next_power_of_two(sample_shape[1])
    if resolution > offered:
        raise ValueError(
            f"resolution {resolution} is above what the data offers ({sample_shape[1]}x{sample_shape[1]} images, "
            f"padded to {offered}); valid: " + ", ".join(str(2**k) for k in range(2, int(math.log2(offered)) + 1))
        )


def make_config(data: Dataset, profile: str | None = None, **overrides) -> ProGANConfig:
    """App. A.1's settings; the profile sets the widths and the images per phase (never the algorithm)."""
    if data.kind != "image":
        raise ValueError(f"ProGAN is convolutional and needs images, not the 2-D toy {data.name!r}")
    base = ProGANConfig(
        fmap_max=pick(smoke=16, cpu=32, gpu=256, profile=profile),  # cpu: 32, 32, 16, 8 maps at 4, 8, 16, 32
        fmap_base=pick(smoke=64, cpu=256, gpu=4096, profile=profile),
        z_dim=pick(smoke=16, cpu=32, gpu=256, profile=profile),
        images_per_phase=pick(smoke=64, cpu=6_000, gpu=300_000, profile=profile),
        # Adam moves a weight by about lr per step (beta1 = 0), and the equalized weights are N(0, 1): a phase
        # of 800k images at batch 16 (50,000 steps) lets a weight travel 50 at lr 0.001, the cpu profile's 375
        # steps only 0.4. The cpu profile raises the rate to 0.01 (a budget deviation, lab notes, chapter 9;
        # the official code's v2 presets also raise it, to 0.0015-0.003, at high resolutions: G_lrate_dict).
        lr=pick(smoke=1e-3, cpu=1e-2, gpu=1e-3, profile=profile),
        # the half-life keeps the paper's ratio to a phase only at paper scale (11k of 800k images); with
        # phases of a few thousand images it is set so the average still spans a few dozen minibatches
        ema_halflife=pick(smoke=100.0, cpu=1_000.0, gpu=11_090.0, profile=profile),
    )
    cfg = replace(base, **overrides)
    check_resolution(cfg.resolution, data.sample_shape)
    return cfg


def total_images(config: ProGANConfig) -> int:
    """Images in the whole schedule: one stabilising phase at the start, then fade + stabilise per doubling."""
    doublings = int(math.log2(config.resolution // config.start_resolution))
    return (1 + 2 * doublings) * config.images_per_phase


def default_steps(data: Dataset, profile: str | None = None, **overrides) -> int:
    """Steps that complete the whole schedule (every phase), with the config ``overrides`` applied."""
    cfg = make_config(data, profile, **overrides)
    return math.ceil(total_images(cfg) / cfg.batch_size)


def schedule(config: ProGANConfig, images: int) -> tuple[int, int, float]:
    """``(phase, resolution, alpha)`` after ``images`` images shown.

    Phase 0 stabilises the start resolution; then each doubling has a fade-in phase (odd:
    ``alpha = images into the phase / images_per_phase``, rising linearly from 0 to 1) and a
    stabilising phase (even: ``alpha = 1``). After the schedule the final resolution stays, alpha 1.
    ``progressive=False``: phase 0 at the final resolution for ever.
    """
    if not config.progressive:
        return 0, config.resolution, 1.0
    doublings = int(math.log2(config.resolution // config.start_resolution))
    phase = min(images // config.images_per_phase, 2 * doublings)
    into = images - phase * config.images_per_phase
    res = config.start_resolution * 2 ** ((phase + 1) // 2)
    alpha = min(1.0, into / config.images_per_phase) if phase % 2 == 1 else 1.0
    return int(phase), int(res), float(alpha)


# --------------------------------------------------------------------------- building blocks

class EqualizedConv2d(nn.Module):
    """A convolution whose weights are N(0, 1) and are scaled by ``gain / sqrt(fan_in)`` on every forward pass.

    With ``equalized=False`` the scale is applied once, at initialisation (He's initializer), and the
    forward pass uses the stored weights as they are: the variant the paper argues against.
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, padding: int = 0, gain: float = math.sqrt(2),
                 equalized: bool = True) -> None:
        super().__init__()
        self.padding = padding
        he = gain / math.sqrt(c_in * kernel * kernel)
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel) * (1.0 if equalized else he))
        self.bias = nn.Parameter(torch.zeros(c_out))
        self.scale = he if equalized else 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Module):
    """A dense layer with the same run-time weight scaling as :class:`EqualizedConv2d`."""

    def __init__(self, f_in: int, f_out: int, gain: float = math.sqrt(2), equalized: bool = True) -> None:
        super().__init__()
        he = gain / math.sqrt(f_in)
        self.weight = nn.Parameter(torch.randn(f_out, f_in) * (1.0 if equalized else he))
        self.bias = nn.Parameter(torch.zeros(f_out))
        self.scale = he if equalized else 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def relative_adam_step(fan_in: int, equalized: bool, lr: float = 1e-2, seed: int = 0) -> float:
    """How far one Adam step moves a fresh :class:`EqualizedLinear`'s *effective* weights ``c w``, relative to
    their size: about the same for every fan-in with the equalized learning rate (Sec. 4.1), and growing
    with ``sqrt(fan_in)`` when ``c`` is applied only at initialisation (the chapter's demonstration)."""
    torch.manual_seed(seed)
    layer = EqualizedLinear(fan_in, 32, equalized=equalized)
    before = (layer.weight * layer.scale).detach().clone()
    opt = torch.optim.Adam(layer.parameters(), lr=lr, betas=(0.0, 0.99))
    layer(torch.randn(64, fan_in)).pow(2).mean().backward()
    opt.step()
    after = (layer.weight * layer.scale).detach()
    return ((after - before).norm() / before.norm()).item()


def pixel_norm(a: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Sec. 4.2: each pixel's feature vector divided by its root mean square over the channels (dim 1)."""
    return a * torch.rsqrt(a.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Sec. 3: append one feature map holding the std over the batch, averaged over features and positions.

    ``(B, C, H, W) -> (B, C + 1, H, W)``.
    """
    std = (x.var(dim=0, unbiased=False) + eps).sqrt()  # (C, H, W): each feature at each position, over the batch
    s = std.mean().view(1, 1, 1, 1).expand(x.shape[0], 1, *x.shape[2:])  # (B, 1, H, W): one number
    return torch.cat([x, s], dim=1)


def upsample(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Nearest-neighbour upsampling (Table 2: "Upsample" is 2x2 replication)."""
    return x if factor == 1 else F.interpolate(x, scale_factor=factor, mode="nearest")


def downsample(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Average pooling (Table 2: "Downsample" is 2x2 average pooling)."""
    return x if factor == 1 else F.avg_pool2d(x, factor)


def fade_real(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """App. A.1: during a fade-in, real images are blended between the two resolutions like G's output."""
    if alpha >= 1.0:
        return x
    return (1 - alpha) * upsample(downsample(x)) + alpha * x


# --------------------------------------------------------------------------- networks

class Generator(nn.Module):
    """Table 2's generator, built to the final resolution; ``forward(z, res, alpha)`` runs the grown part.

    Block 0 maps the latent to 4x4 (a dense layer, then a 3x3 convolution); block k upsamples to
    ``4 * 2^k`` and applies two 3x3 convolutions. Each block has its own toRGB (a 1x1 convolution).
    """

    def __init__(self, c: ProGANConfig, img_channels: int) -> None:
        super().__init__()
        self.c, eq = c, c.equalized_lr
        self.resolutions = [4 * 2**k for k in range(int(math.log2(c.resolution)) - 1)]  # 4, 8, ..., final
        c4 = c.channels(4)
        self.dense = EqualizedLinear(c.z_dim, c4 * 16, gain=math.sqrt(2) / 4, equalized=eq)  # official: gain sqrt(2)/4
        self.blocks = nn.ModuleList([nn.ModuleList([EqualizedConv2d(c4, c4, 3, 1, equalized=eq)])])
        for r in self.resolutions[1:]:
            c_in, c_out = c.channels(r // 2), c.channels(r)
            self.blocks.append(nn.ModuleList([EqualizedConv2d(c_in, c_out, 3, 1, equalized=eq),
                                              EqualizedConv2d(c_out, c_out, 3, 1, equalized=eq)]))
        self.to_rgb = nn.ModuleList([EqualizedConv2d(c.channels(r), img_channels, 1, gain=1.0, equalized=eq)
                                     for r in self.resolutions])

    def _act(self, h: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(h, self.c.leak)
        return pixel_norm(h) if self.c.pixel_norm else h

    def features(self, z: torch.Tensor, res: int) -> list[torch.Tensor]:
        """The feature maps of every block up to ``res``: ``[(B, C4, 4, 4), (B, C8, 8, 8), ...]``."""
        x = pixel_norm(z) if self.c.pixel_norm else z  # official code normalises the latent too
        h = self._act(self.dense(x)).view(len(z), -1, 4, 4)  # (B, z_dim) -> (B, C4, 4, 4)
        h = self._act(self.blocks[0][0](h))
        out = [h]
        for k in range(1, self.resolutions.index(res) + 1):
            h = upsample(h)  # (B, C, r/2, r/2) -> (B, C, r, r)
            for conv in self.blocks[k]:
                h = self._act(conv(h))
            out.append(h)
        return out

    def forward(self, z: torch.Tensor, res: int, alpha: float = 1.0) -> torch.Tensor:
        """Images at ``res``: the new toRGB blended with the previous block's toRGB, upsampled (weight 1 - alpha)."""
        feats = self.features(z, res)
        k = len(feats) - 1
        new = self.to_rgb[k](feats[k])  # (B, img_channels, res, res)
        if k == 0 or alpha >= 1.0:
            return new
        old = upsample(self.to_rgb[k - 1](feats[k - 1]))  # (B, img_channels, res/2, res/2) -> (..., res, res)
        return (1 - alpha) * old + alpha * new


class Discriminator(nn.Module):
    """Table 2's discriminator, mirrored: fromRGB at the input resolution, blocks down to 4x4, a final block.

    Block k > 0 (resolution ``4 * 2^k``): two 3x3 convolutions and 2x2 average pooling. Block 0:
    minibatch stddev, a 3x3 convolution, a 4x4 convolution (a dense layer on the 4x4 map) and a
    linear output.
    """

    def __init__(self, c: ProGANConfig, img_channels: int) -> None:
        super().__init__()
        self.c, eq = c, c.equalized_lr
        self.resolutions = [4 * 2**k for k in range(int(math.log2(c.resolution)) - 1)]
        self.from_rgb = nn.ModuleList([EqualizedConv2d(img_channels, c.channels(r), 1, equalized=eq)
                                       for r in self.resolutions])
        self.blocks = nn.ModuleList([nn.ModuleList()])  # block 0 is the final block below
        for r in self.resolutions[1:]:
            self.blocks.append(nn.ModuleList([EqualizedConv2d(c.channels(r), c.channels(r), 3, 1, equalized=eq),
                                              EqualizedConv2d(c.channels(r), c.channels(r // 2), 3, 1, equalized=eq)]))
        c4 = c.channels(4)
        self.final_conv = EqualizedConv2d(c4 + int(c.minibatch_std), c4, 3, 1, equalized=eq)
        self.final_dense = EqualizedLinear(c4 * 16, c4, equalized=eq)  # the 4x4 convolution of Table 2
        self.out = EqualizedLinear(c4, 1, gain=1.0, equalized=eq)

    def _block(self, k: int, h: torch.Tensor) -> torch.Tensor:
        for conv in self.blocks[k]:
            h = F.leaky_relu(conv(h), self.c.leak)
        return downsample(h)  # (B, C, r, r) -> (B, C, r/2, r/2)

    def forward(self, x: torch.Tensor, res: int, alpha: float = 1.0) -> torch.Tensor:
        """Scores ``(B,)`` of images at ``res``; during a fade the new input path is blended with the old one."""
        if x.shape[-1] != res:
            raise ValueError(f"D at resolution {res} got images of size {x.shape[-1]}")
        k = self.resolutions.index(res)
        h = F.leaky_relu(self.from_rgb[k](x), self.c.leak)  # (B, C_res, res, res)
        if k > 0:
            h = self._block(k, h)  # (B, C_res/2, res/2, res/2)
            if alpha < 1.0:
                old = F.leaky_relu(self.from_rgb[k - 1](downsample(x)), self.c.leak)  # the old input path
                h = (1 - alpha) * old + alpha * h
            for j in range(k - 1, 0, -1):
                h = self._block(j, h)
        if self.c.minibatch_std:
            h = minibatch_stddev(h)  # (B, C4, 4, 4) -> (B, C4 + 1, 4, 4)
        h = F.leaky_relu(self.final_conv(h), self.c.leak)
        h = F.leaky_relu(self.final_dense(h.flatten(1)), self.c.leak)  # (B, C4 * 16) -> (B, C4)
        return self.out(h).squeeze(1)  # (B,)


# --------------------------------------------------------------------------- the model

class ProGAN(GANModel):
    """Progressive growing with WGAN-GP + drift, n_critic = 1, EMA generator (:meth:`train_step`)."""

    name = "progan"

    def __init__(self, config: ProGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        check_resolution(config.resolution, tuple(sample_shape))
        super().__init__(config, sample_shape, device)
        self.data_shape = tuple(sample_shape)
        self.sample_shape = (sample_shape[0], config.resolution, config.resolution)  # what G makes
        c = config
        self.G = Generator(c, sample_shape[0]).to(self.device)
        self.D = Discriminator(c, sample_shape[0]).to(self.device)
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {k: torch.optim.Adam(m.parameters(), lr=c.lr, betas=c.betas, eps=c.adam_eps)
                           for k, m in self.nets.items()}
        self.images_seen = 0
        self.phase = 0
        # Samples from fixed noise at the end of each phase: (images, resolution, alpha, images (16, C, res, res))
        self.phase_samples: list[tuple[int, int, float, torch.Tensor]] = []

    # ------------------------------------------------------------------ schedule
    @property
    def stage(self) -> tuple[int, int, float]:
        """``(phase, resolution, alpha)`` at this point of the schedule."""
        return schedule(self.config, self.images_seen)

    def prepare_real(self, x: torch.Tensor, res: int) -> torch.Tensor:
        """Real images at the final resolution (padded with background if the data is smaller), then down to ``res``."""
        size = x.shape[-1]
        full = next_power_of_two(size)
        if full != size:  # e.g. 28x28 digits -> 32x32, as gans_edu.data's pad_to does
            p = full - size
            x = F.pad(x, (p // 2, p - p // 2, p // 2, p - p // 2), value=-1.0)
        x = downsample(x, full // self.config.resolution)  # data larger than the final resolution
        return downsample(x, self.config.resolution // res)

    # ------------------------------------------------------------------ sampling
    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=generator, device=rng_device(generator, device))

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None, resolution: int | None = None,
                 alpha: float | None = None, ema: bool = True) -> torch.Tensor:
        """Images from ``z``, always at the final resolution (lower stages upsampled, nearest neighbour).

        By default at the current stage of the schedule, from the EMA generator; ``resolution`` and
        ``alpha`` pick any stage of the grown networks (e.g. the alpha slider of the chapter).
        """
        _, res, a = self.stage
        res = res if resolution is None else resolution
        a = a if alpha is None else alpha
        if res not in self.G.resolutions:
            raise ValueError(f"resolution {res} is not a stage of this model; valid: {self.G.resolutions}")
        out = (self.G_ema if ema else self.G)(z, res, a)
        return upsample(out, self.config.resolution // res)

    # ------------------------------------------------------------------ training
    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor, res: int,
                    alpha: float) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """WGAN-GP + drift: ``E D(fake) - E D(real) + lambda GP + drift E D(real)^2``, all at (res, alpha)."""
        d_real, d_fake = self.D(real, res, alpha), self.D(fake, res, alpha)
        w_estimate = d_real.mean() - d_fake.mean()
        # The penalty's interpolation weight (eps) is drawn inside gradient_penalty; alpha is passed in, untouched.
        gp, norms = gradient_penalty(lambda x: self.D(x, res, alpha), real, fake)
        drift = d_real.pow(2).mean()
        loss = -w_estimate + self.config.gp_lambda * gp + self.config.drift * drift
        return loss, {"w_estimate": w_estimate.detach(), "gp": gp.detach(), "drift": drift.detach(),
                      "grad_norm": norms.mean()}

    @torch.no_grad()
    def update_ema(self) -> None:
        """``ema <- decay * ema + (1 - decay) * G``, over every weight of the full-size generator."""
        average_weights(self.G_ema, self.G, 1 - self.config.ema_decay)

    def _enter_phase(self, phase: int) -> None:
        if phase == self.phase:
            return
        _, res, alpha = schedule(self.config, self.images_seen - self.config.batch_size)  # the last step's stage
        z = self.noise(16, torch.Generator().manual_seed(2024)).to(self.device)
        with torch.no_grad():
            self.phase_samples.append((self.images_seen, res, alpha, self.G_ema(z, res, alpha).cpu()))
        if self.config.reset_optimizers:
            for opt in self.optimizers.values():
                opt.state = defaultdict(dict)
        self.phase = phase

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        # Sec. 2 / App. A.1: the stage (resolution, fade-in alpha) from the images shown so far.
        phase, res, alpha = self.stage
        self._enter_phase(phase)  # official code: Adam's moments reset when a phase begins
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        real, _ = draw()
        # App. A.1: real images at the current resolution, blended across a fade-in as G's output is.
        real = fade_real(self.prepare_real(real, res), alpha)  # (B, C, res, res)
        fake = self.G(self.noise(len(real), device=self.device), res, alpha).detach()
        # App. A.1: WGAN-GP's critic loss (Gulrajani et al., Eq. 3) + the drift term, one critic step (n_critic = 1).
        d_loss, parts = self.critic_loss(real, fake, res, alpha)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # App. A.1, n_critic = 1: one G step per D step, on fresh noise (WGAN-GP's Algorithm 1, lines 11-12).
        g_loss = -self.D(self.G(self.noise(len(real), device=self.device), res, alpha), res, alpha).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        self.update_ema()  # App. A.1: the samples come from an average of G's weights (decay 0.999)
        self.images_seen += len(real)
        return {"critic_loss": d_loss.detach(), "g_loss": g_loss.detach(), **parts,
                # filled on the device (torch.tensor(x, device=...) would copy a CPU scalar in every step)
                "resolution": torch.full((), float(res), device=self.device), "alpha": torch.full((), alpha, device=self.device)}

    # ------------------------------------------------------------------ state
    def extra_state(self) -> dict[str, Any]:
        return {"images_seen": self.images_seen, "phase": self.phase, "G_ema": self.G_ema.state_dict(),
                "phase_samples": [(i, r, a, x) for i, r, a, x in self.phase_samples]}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if not state:
            return
        self.images_seen, self.phase = int(state["images_seen"]), int(state["phase"])
        self.G_ema.load_state_dict(state["G_ema"])
        self.phase_samples = [(int(i), int(r), float(a), x.cpu()) for i, r, a, x in state.get("phase_samples", [])]
