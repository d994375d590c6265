"""Improved Techniques for Training GANs (Salimans et al. 2016, arXiv 1606.03498): the Sec. 3 techniques.

The seed survey's "Improved DCGANs": the DCGAN architecture (:mod:`gans_edu.models.dcgan`) plus a
handful of techniques, each a small piece that other models can reuse, each behind a switch of
:class:`ImprovedGANConfig`. The paper's Sec. 5, semi-supervised learning, is
:mod:`gans_edu.models.improved_gan_semi` (the same registry name with ``semi_supervised=True``:
:func:`model_class` picks the model).

Map from the paper (and the official code, openai/improved-gan) to the code, top to bottom:

* Sec. 3.1, feature matching: G minimises ``|| E f(x) - E f(G(z)) ||_2^2`` with ``f`` an intermediate
  layer of D (the official MNIST code matches D's last hidden layer) -> :func:`feature_matching_loss`,
  ``Discriminator(..., features=True)``.
* Sec. 3.2, minibatch discrimination: ``M = f(x) T`` in ``R^{B x C}``,
  ``c_b(x_i, x_j) = exp(-||M_{i,b} - M_{j,b}||_L1)``, ``o_b(x_i) = sum_j c_b(x_i, x_j)``, appended to D's
  features -> :class:`MinibatchDiscrimination` (B = 100, C = 5 as in the official code).
* Sec. 3.3, historical averaging: add ``|| theta - (1/t) sum_i theta[i] ||^2`` to each player's cost
  -> :class:`HistoricalAverage`.
* Sec. 3.4, one-sided label smoothing: real targets ``alpha`` ("like .9"), fake targets stay 0
  -> :func:`discriminator_loss`.
* Sec. 3.5, virtual batch normalisation: each example is normalised with the statistics of a reference
  batch fixed at the start of training, plus the example itself; used in G -> :class:`VirtualBatchNorm2d`,
  :class:`VirtualBatchNorm1d`, :class:`VBNGenerator`.
* The networks: DCGAN's D with its last layer split into features and a logit -> :class:`Discriminator`;
  DCGAN's G (:class:`gans_edu.models.dcgan.Generator`). On the 2-D toys, MLPs -> :class:`ToyGenerator`,
  :class:`ToyDiscriminator`.
* One training step (D then G, each technique where its switch is on) -> :meth:`ImprovedGAN.train_step`;
  the chapter's ablation variants -> :data:`ABLATION` (tools/ablation_improved_gan.py runs them over seeds).
* Sec. 4, the Inception score ``exp(E_x KL(p(y|x) || p(y)))`` with 10 splits
  -> :func:`gans_edu.metrics.image.classifier_score`.

Deviations:

* The networks of the Sec. 3 techniques are DCGAN's convolutional ones (the paper's MNIST networks are
  MLPs); the smoke and cpu profiles narrow them.
* Historical averaging's weight is not in the paper; we use 1. The smoothed real target is the paper's
  0.9 (the released ImageNet code uses 0.75).
* The Inception network is replaced by the book's MNIST classifier: the scores are not comparable with
  Inception scores.
* On the 2-D toys (no setting in the paper), the toy MLPs of the book's other models (3 hidden layers of
  256 in the cpu profile, Adam lr 1e-3, betas (0.5, 0.9), 2-d noise), with batch 64 and 25 minibatch
  kernels to keep the pairwise distances affordable on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel, lr_factor, set_learning_rate
from gans_edu.models.dcgan import Generator as DCGANGenerator
from gans_edu.models.dcgan import _d_block, init_weights, layout
from gans_edu.models.gan import generator_loss
from gans_edu.profiles import pick
from gans_edu.utils import rng_device

# --------------------------------------------------------------------------- the techniques, one piece each


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Sec. 3.1: squared distance between the mean features of a real and a fake batch.

    ``real_features`` is detached: G moves its statistics towards the data's, never the reverse.
    (The paper writes the squared L2 norm; we average over feature dimensions, which only rescales it.)
    """
    return (real_features.detach().mean(0) - fake_features.mean(0)).pow(2).mean()


class MinibatchDiscrimination(nn.Module):
    """Sec. 3.2: lets D look at a whole minibatch, so a collapsed G (many near-identical samples) is easy to spot.

    ``forward(f)`` returns ``[f, o(f)]``: the input features with ``num_kernels`` closeness
    statistics appended, one per kernel b: ``o_b(x_i) = sum_{j != i} exp(-||M_{i,b} - M_{j,b}||_1)``.
    The sum leaves out ``j = i`` (always ``exp(0) = 1``), as the official code does.
    """

    def __init__(self, in_features: int, num_kernels: int = 100, kernel_dim: int = 5, init_std: float = 0.05) -> None:
        super().__init__()
        self.num_kernels, self.kernel_dim = num_kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, num_kernels * kernel_dim) * init_std)  # official: N(0, 0.05)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        m = (f @ self.T).view(-1, self.num_kernels, self.kernel_dim).transpose(0, 1)  # (N, A) -> (B, N, C)
        l1 = torch.cdist(m, m, p=1)  # (B, N, N): ||M_i,b - M_j,b||_1 for every pair
        c = torch.exp(-l1) * (1 - torch.eye(len(f), device=f.device, dtype=f.dtype))  # drop j = i
        o = c.sum(2).t()  # (B, N) -> (N, B)
        return torch.cat([f, o], 1)  # (N, A) -> (N, A + B)


class HistoricalAverage:
    """Sec. 3.3: the running mean of every past value of some parameters, and the penalty towards it.

    ``update()`` after each optimiser step adds the current values to the mean
    (the mean starts at the initial values); ``penalty()`` is ``sum ||theta - mean||^2``.
    """

    def __init__(self, params: list[nn.Parameter]) -> None:
        self.params = list(params)
        self.mean = [p.detach().clone() for p in self.params]
        self.count = 1

    def penalty(self) -> torch.Tensor:
        return sum(((p - m) ** 2).sum() for p, m in zip(self.params, self.mean))

    @torch.no_grad()
    def update(self) -> None:
        self.count += 1
        for p, m in zip(self.params, self.mean):
            m.add_((p - m) / self.count)  # incremental mean: m_t = m_{t-1} + (theta_t - m_{t-1}) / t

    def state_dict(self) -> dict:
        return {"mean": [m.clone() for m in self.mean], "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        for m, s in zip(self.mean, state["mean"]):
            m.copy_(s)
        self.count = int(state["count"])


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """D's cross-entropy with one-sided label smoothing (Sec. 3.4): real targets ``real_target``, fake targets 0.

    Smoothing the fake targets too (to some beta > 0) would reward G's samples where the
    data has no mass: D's optimum becomes ``(alpha p_data + beta p_model) / (p_data + p_model)``.
    """
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_target))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))  # never smoothed
    return real + fake


class VirtualBatchNorm2d(nn.Module):
    """Sec. 3.5: normalise each example with the statistics of a fixed reference batch plus itself.

    Two calls per forward pass of the network: first the reference batch with
    ``reference=True`` (normalised with its own statistics, which are kept),
    then the real input, each example with ``(1/(N+1)) its own + (N/(N+1)) the
    reference's`` mean and mean square (as in the official ImageNet code). An
    example's output therefore never depends on the other examples of its batch.
    """

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.ref: tuple[torch.Tensor, torch.Tensor, int] | None = None
        self.reference = False  # set by VBNGenerator around the reference pass

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.reference:
            mean, sq = x.mean((0, 2, 3)), x.pow(2).mean((0, 2, 3))  # (C,)
            self.ref = (mean, sq, len(x))
            mean, sq = mean.view(1, -1, 1, 1), sq.view(1, -1, 1, 1)
        else:
            if self.ref is None:
                raise RuntimeError("virtual batch norm needs the reference batch first (see VBNGenerator)")
            ref_mean, ref_sq, n = self.ref
            a = 1.0 / (n + 1)
            mean = a * x.mean((2, 3), keepdim=True) + (1 - a) * ref_mean.view(1, -1, 1, 1)  # (B, C, 1, 1)
            sq = a * x.pow(2).mean((2, 3), keepdim=True) + (1 - a) * ref_sq.view(1, -1, 1, 1)
        var = (sq - mean.pow(2)).clamp_min(0)
        y = (x - mean) / torch.sqrt(var + self.eps)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class VirtualBatchNorm1d(VirtualBatchNorm2d):
    """Sec. 3.5 for dense layers ``(B, C)``: :class:`VirtualBatchNorm2d` on a ``(B, C, 1, 1)`` view.

    Same rule: the reference batch's mean and mean square per unit, mixed ``N/(N+1)`` with the example's own
    value ``x`` and ``x^2`` (the per-example "statistics" of one number), never the current batch's.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.view(*x.shape, 1, 1)).view(x.shape)  # (B, C) -> (B, C, 1, 1) -> (B, C)


class VBNGenerator(nn.Module):
    """A generator with every batch norm replaced by virtual batch norm; the reference noise is a buffer.

    ``base`` is DCGAN's convolutional G (batch norm 2-d) or the toy MLP G (batch norm 1-d); it needs a
    ``net`` (``nn.Sequential``) and ``z_dim``. ``forward(z)`` first runs the reference batch (fixed at
    construction, so saved with the weights) to set each layer's statistics under the *current* weights,
    then runs ``z``.
    """

    def __init__(self, base: nn.Module, ref_z: torch.Tensor, bn_gain_std: float = 0.02) -> None:
        super().__init__()
        layers = []
        for m in base.net:
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                v = (VirtualBatchNorm2d if isinstance(m, nn.BatchNorm2d) else VirtualBatchNorm1d)(m.num_features)
                nn.init.normal_(v.weight, 1.0, bn_gain_std)  # as DCGAN's BN gains
                m = v
            layers.append(m)
        self.net = nn.Sequential(*layers)
        self.z_dim = base.z_dim
        self.z_view = getattr(base, "z_view", (-1, base.z_dim, 1, 1))  # DCGAN's G reads z as a 1x1 map
        self.register_buffer("ref_z", ref_z.clone())
        self.vbn = [m for m in self.net if isinstance(m, VirtualBatchNorm2d)]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        for m in self.vbn:
            m.reference = True
        self.net(self.ref_z.view(self.z_view))  # sets the reference statistics
        for m in self.vbn:
            m.reference = False
        return self.net(z.view(self.z_view))  # (B, z) -> (B, C, H, W), or (B, 2) for the toy G


# --------------------------------------------------------------------------- config


@dataclass
class ImprovedGANConfig:
    """DCGAN's settings plus one switch per technique. Defaults: the paper, or openai/improved-gan where said."""

    # The techniques. Default: the combination behind the paper's best samples (Sec. 5.2-5.3: minibatch
    # discrimination, virtual batch norm in G, one-sided smoothing); feature matching is for semi-supervised use.
    feature_matching: bool = False  # Sec. 3.1
    minibatch_discrimination: bool = True  # Sec. 3.2
    mbd_kernels: int = 100  # B, official code (the paper gives none)
    mbd_kernel_dim: int = 5  # C, official code
    historical_averaging: bool = False  # Sec. 3.3 (used for low-dimensional games in the paper)
    ha_weight: float = 1.0  # the paper's cost has no coefficient
    label_smoothing: bool = True  # Sec. 3.4
    real_target: float = 0.9  # Sec. 3.4 "like .9"; the released ImageNet code uses 0.75
    virtual_batchnorm: bool = True  # Sec. 3.5, in G
    vbn_ref_size: int = 64  # size of the reference batch (the paper fixes "a reference batch"; our choice)
    # Semi-supervised learning (Sec. 5, gans_edu.models.improved_gan_semi).
    semi_supervised: bool = False
    num_classes: int = 10  # K
    labels_per_class: int = 10  # 100 labels on MNIST, the paper's headline setting
    unsupervised_weight: float = 1.0  # official code: loss_lab + loss_unl; 0 trains the classifier on the labels alone
    d_input_noise: float = 0.3  # official semi-supervised MNIST D: GaussianNoiseLayer(sigma=0.3) on the input (data in [0, 1])
    d_hidden_noise: float = 0.5  # ... and sigma=0.5 after each hidden layer
    ssl_d_widths: tuple[int, ...] = (1000, 500, 250, 250, 250)  # official MNIST D's hidden layers
    ssl_g_widths: tuple[int, ...] = (500, 500)  # official MNIST G's hidden layers
    ssl_init_size: int = 500  # official: data-dependent initialisation on trainx[:500]
    # The classifier is a running average of D's weights (official: a += 0.0001 (p - a), i.e. decay 0.9999, over
    # 180,000 steps, so it averages the last ~1/18 of the run). Ours are 14,000 steps: decay 0.999 averages the
    # last ~1,000, a similar share; bias-corrected (see SemiSupervisedGAN._update_average). 0: D's own weights.
    ema_decay: float = 0.999
    # Learning rate: constant until this share of the run, then linear to 0 at its end (1.0: constant, as the
    # official MNIST code; its CIFAR-10 code, train_cifar_feature_matching.py, decays over the last third: 2/3).
    lr_decay_start: float = 1.0
    # DCGAN's architecture and optimiser (Radford et al. Sec. 3-4).
    z_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    lr: float = 2e-4  # DCGAN; semi-supervised mode: 3e-3 (official MNIST code), set by make_config
    beta1: float = 0.5  # DCGAN and the official code
    beta2: float = 0.999
    batch_size: int = 128  # DCGAN; semi-supervised mode: 100 (official MNIST code), set by make_config
    init_std: float = 0.02
    bn_gain_std: float = 0.02
    leak: float = 0.2
    # 2-D toys (no setting in the paper): MLPs as the book's other toy models (gan.toy_config: 3 x 256 in cpu).
    toy_width: int = 256
    toy_layers: int = 3

    def __post_init__(self) -> None:
        for name in ("mbd_kernels", "mbd_kernel_dim", "vbn_ref_size", "num_classes", "labels_per_class", "z_dim",
                     "ngf", "ndf", "batch_size", "toy_width", "toy_layers"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0.5 < self.real_target <= 1.0:
            raise ValueError(f"real_target must be in (0.5, 1], got {self.real_target} (the paper: 0.9; official: 0.75)")
        if self.ha_weight < 0 or self.unsupervised_weight < 0:
            raise ValueError("ha_weight and unsupervised_weight must be >= 0")
        self.ssl_d_widths, self.ssl_g_widths = tuple(self.ssl_d_widths), tuple(self.ssl_g_widths)  # lists from JSON
        if not self.ssl_d_widths or min(self.ssl_d_widths + self.ssl_g_widths, default=1) <= 0 or self.ssl_init_size <= 0:
            raise ValueError("ssl_d_widths needs at least one layer; every width and ssl_init_size must be positive")
        if not 0 <= self.lr_decay_start <= 1:
            raise ValueError(f"lr_decay_start must be in [0, 1] (1: constant rate), got {self.lr_decay_start}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay} (official: 0.9999; 0: D's own weights)")


# The ablation's variants (chapter 3, tools/ablation_improved_gan.py): every switch off is the DCGAN baseline.
TRICKS = ("feature_matching", "minibatch_discrimination", "historical_averaging", "label_smoothing", "virtual_batchnorm")
ABLATION = {
    "DCGAN baseline": {},
    "+ feature matching": dict(feature_matching=True),
    "+ minibatch discrimination": dict(minibatch_discrimination=True),
    "+ historical averaging": dict(historical_averaging=True),
    "+ one-sided smoothing (0.9)": dict(label_smoothing=True),
    "+ virtual batch norm": dict(virtual_batchnorm=True),
    "all five": dict.fromkeys(TRICKS, True),
}


def ablation_switches(name: str) -> dict[str, bool]:
    """The five switches of ablation variant ``name`` (all off except the variant's)."""
    if name not in ABLATION:
        raise ValueError(f"unknown ablation variant {name!r}; valid: {', '.join(ABLATION)}")
    return {**dict.fromkeys(TRICKS, False), **ABLATION[name]}


TOY_CPU_STEPS = 1000  # the toy ablation's budget per run (tools/ablation_improved_gan.py)


def make_config(data: Dataset, profile: str | None = None, **overrides) -> ImprovedGANConfig:
    """The paper's settings on DCGAN's networks; the smoke and cpu profiles narrow them (never the algorithm)."""
    if data.kind == "toy":
        if overrides.get("semi_supervised"):
            raise ValueError("semi_supervised needs a labelled image dataset (mnist), not a 2-D toy")
        # The toy MLPs and optimiser of gan.toy_config (2-d noise, Adam lr 1e-3, betas (0.5, 0.9), batch 256).
        # Batch 64 and 25 minibatch kernels (our choice): the pairwise L1 distances cost B x N^2 per call, and
        # the official 100 kernels on gan.toy_config's batches of 256 made a toy step ~30x slower than the baseline's.
        toy = dict(toy_width=pick(smoke=64, cpu=256, gpu=512, profile=profile), z_dim=2, lr=1e-3, beta2=0.9,
                   batch_size=64, mbd_kernels=25, vbn_ref_size=64)
        return replace(ImprovedGANConfig(), **{**toy, **overrides})
    if data.kind != "image":
        raise ValueError(f"improved-gan needs images or a 2-D toy, not {data.name!r}")
    if overrides.get("semi_supervised"):  # Sec. 5: the official MNIST networks and settings
        from gans_edu.models.improved_gan_semi import semi_supervised_config

        return semi_supervised_config(profile, **overrides)
    width = pick(smoke=dict(ngf=8, ndf=8), cpu=dict(ngf=32, ndf=32), gpu=dict(), profile=profile)
    return replace(ImprovedGANConfig(), **{**width, **overrides})


def default_steps(data: Dataset, profile: str | None = None, **overrides) -> int:
    """Generator steps per profile (cpu: about 5 minutes on one thread for the images, 12-45 s for the toys)."""
    if overrides.get("semi_supervised"):
        from gans_edu.models.improved_gan_semi import semi_supervised_steps

        return semi_supervised_steps(profile)
    if data.kind == "toy":
        return pick(smoke=10, cpu=TOY_CPU_STEPS, gpu=20_000, profile=profile)
    return pick(smoke=10, cpu=1600, gpu=10000, profile=profile)


# --------------------------------------------------------------------------- networks


class Discriminator(nn.Module):
    """DCGAN's D, with its last layer split: conv blocks -> features f -> [minibatch discrimination] -> linear.

    The linear layer over the flattened last map is DCGAN's final convolution
    written as a matrix; it gives 1 logit.
    """

    def __init__(self, cfg: ImprovedGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        channels, size = sample_shape[0], sample_shape[-1]
        start, n = layout(size)
        widths = [cfg.ndf * 2**i for i in range(n)]
        blocks = [nn.Sequential(*_d_block(channels, widths[0], cfg.leak, bn=False))]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            blocks.append(nn.Sequential(*_d_block(c_in, c_out, cfg.leak, bn=True)))
        self.blocks = nn.ModuleList(blocks)
        self.feature_dim = widths[-1] * start * start
        self.mbd = (MinibatchDiscrimination(self.feature_dim, cfg.mbd_kernels, cfg.mbd_kernel_dim)
                    if cfg.minibatch_discrimination else None)
        extra = cfg.mbd_kernels if self.mbd is not None else 0
        self.out = nn.Linear(self.feature_dim + extra, 1)

    def forward(self, x: torch.Tensor, features: bool = False):
        """Logits ``(B,)``; with ``features=True`` also D's last hidden layer ``(B, F)``."""
        for block in self.blocks:
            x = block(x)  # (B, c, s, s) -> (B, c', s/2, s/2)
        f = x.flatten(1)  # (B, w, s0, s0) -> (B, F)
        h = self.mbd(f) if self.mbd is not None else f  # (B, F) -> (B, F + mbd_kernels)
        logits = self.out(h).squeeze(1)
        return (logits, f) if features else logits


class ToyGenerator(nn.Module):
    """G for the 2-D toys: an MLP ``z -> [linear -> batch norm -> ReLU] x layers -> linear -> (B, 2)``.

    DCGAN's generator written with dense layers (the paper's own MNIST networks are MLPs): batch norm after
    every hidden layer, which :class:`VBNGenerator` swaps for :class:`VirtualBatchNorm1d`. Sizes as the book's
    other toy MLPs (:func:`gans_edu.models.gan.toy_config`: 3 hidden layers, 256 units in the cpu profile).
    """

    def __init__(self, cfg: ImprovedGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.z_dim, self.z_view = cfg.z_dim, (-1, cfg.z_dim)
        layers: list[nn.Module] = []
        d = cfg.z_dim
        for _ in range(cfg.toy_layers):
            layers += [nn.Linear(d, cfg.toy_width, bias=False), nn.BatchNorm1d(cfg.toy_width), nn.ReLU()]
            d = cfg.toy_width  # the batch norm's shift replaces the bias
        layers.append(nn.Linear(d, math.prod(sample_shape)))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(self.z_view))  # (B, z) -> (B, 2)


class ToyDiscriminator(nn.Module):
    """D for the 2-D toys: an MLP ``x -> [linear -> leaky ReLU] x layers`` = features f ``-> [minibatch
    discrimination] -> linear -> logit``, the same split as :class:`Discriminator` (no batch norm: each
    sample's logit depends on that sample only, unless minibatch discrimination is on)."""

    def __init__(self, cfg: ImprovedGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = math.prod(sample_shape)
        for _ in range(cfg.toy_layers):
            layers += [nn.Linear(d, cfg.toy_width), nn.LeakyReLU(cfg.leak)]
            d = cfg.toy_width
        self.body = nn.Sequential(*layers)
        self.feature_dim = d
        self.mbd = (MinibatchDiscrimination(self.feature_dim, cfg.mbd_kernels, cfg.mbd_kernel_dim)
                    if cfg.minibatch_discrimination else None)
        self.out = nn.Linear(self.feature_dim + (cfg.mbd_kernels if self.mbd is not None else 0), 1)

    def forward(self, x: torch.Tensor, features: bool = False):
        """Logits ``(B,)``; with ``features=True`` also D's last hidden layer ``(B, toy_width)``."""
        f = self.body(x.flatten(1))  # (B, 2) -> (B, F)
        h = self.mbd(f) if self.mbd is not None else f  # (B, F) -> (B, F + mbd_kernels)
        logits = self.out(h).squeeze(1)
        return (logits, f) if features else logits


# --------------------------------------------------------------------------- the model


class ImprovedGANTraining:
    """What both improved-GAN models share: the official code's learning rate, constant, then linearly down to 0
    from ``lr_decay_start`` of the run (``fit`` says how many steps the run has through :meth:`plan`), and the
    historical-averaging penalty of Sec. 3.3 (:meth:`_ha`)."""

    def _ha(self, name: str) -> torch.Tensor | float:
        """Sec. 3.3: the player's historical-averaging penalty, if the switch is on."""
        return self.config.ha_weight * self.history[name].penalty() if name in self.history else 0.0

    total_steps: int | None = None

    def plan(self, steps: int | None) -> None:
        """Told by :func:`gans_edu.train.fit` how many steps the run has: a decaying rate reaches 0 there."""
        self.total_steps = steps

    def _set_lr(self) -> None:
        if self.config.lr_decay_start < 1:  # no decay under a time budget (total unknown): lr_factor gives 1
            set_learning_rate(self.optimizers,
                              self.config.lr * lr_factor(self.step, self.total_steps, self.config.lr_decay_start))


class ImprovedGAN(ImprovedGANTraining, GANModel):
    """DCGAN (or the toy MLPs) plus the Sec. 3 techniques, each where its switch is on.

    ``semi_supervised=True`` is another model, :class:`gans_edu.models.improved_gan_semi.SemiSupervisedGAN`
    (:func:`model_class`, which ``build_model`` asks, picks it).
    """

    name = "improved-gan"

    def __init__(self, config: ImprovedGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        if config.semi_supervised:
            raise ValueError("semi_supervised=True is the Sec. 5 model, SemiSupervisedGAN in "
                             "gans_edu.models.improved_gan_semi (build_model('improved-gan', ...) picks it)")
        self.toy = len(self.sample_shape) == 1
        if len(self.sample_shape) != 3 and not self.toy:
            raise ValueError(f"improved-gan needs images (C, H, W) or 2-D points (2,), got sample shape {self.sample_shape}")
        self.G: nn.Module
        self.D: nn.Module
        if self.toy:
            # MLPs with PyTorch's default initialisation (as the book's other toy models); batch norm in G.
            self.G = self._maybe_vbn(ToyGenerator(config, self.sample_shape))
            self.D = ToyDiscriminator(config, self.sample_shape)
        else:
            base = DCGANGenerator(config, self.sample_shape)  # reads z_dim and ngf from our config
            init_weights(base, config.init_std, config.bn_gain_std)
            self.G = self._maybe_vbn(base)
            self.D = Discriminator(config, self.sample_shape)
            init_weights(self.D, config.init_std, config.bn_gain_std)
            nn.init.normal_(self.D.out.weight, 0.0, config.init_std)
            nn.init.zeros_(self.D.out.bias)
        for net in (self.G, self.D):
            net.to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {
            k: torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2))
            for k, net in self.nets.items()
        }
        self.history = ({k: HistoricalAverage(list(net.parameters())) for k, net in self.nets.items()}
                        if config.historical_averaging else {})
        self.step = 0  # steps done: drives the learning-rate schedule (saved with the checkpoint)
        self.total_steps: int | None = None

    def _maybe_vbn(self, base: nn.Module) -> nn.Module:
        """``base`` with virtual batch norm if configured; the reference batch is fixed once, here (Sec. 3.5)."""
        if not self.config.virtual_batchnorm:
            return base
        ref_z = self.noise(self.config.vbn_ref_size, torch.Generator().manual_seed(12345))
        return VBNGenerator(base, ref_z, self.config.bn_gain_std)

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        return torch.rand(n, self.config.z_dim, generator=generator, device=rng_device(generator, device)) * 2 - 1  # U(-1, 1)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    # ------------------------------------------------------------------ training
    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        self._set_lr()
        self.step += 1
        cfg, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        # D step: the GAN loss, real targets smoothed to real_target if label_smoothing (fake targets: 0).
        real, _ = draw()
        fake = self.G(self.noise(len(real), device=self.device)).detach()
        real_logits, fake_logits = self.D(real), self.D(fake)
        d_gan = discriminator_loss(real_logits, fake_logits, cfg.real_target if cfg.label_smoothing else 1.0)
        d_loss = d_gan + self._ha("D")
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        if "D" in self.history:
            self.history["D"].update()
        # G step: feature matching on D's last hidden layer (fresh real batch), or the non-saturating loss.
        fake_logits_g, fake_f = self.D(self.G(self.noise(cfg.batch_size, device=self.device)), features=True)
        if cfg.feature_matching:
            real2, _ = draw()
            with torch.no_grad():
                _, real_f = self.D(real2, features=True)
            g_gan = feature_matching_loss(real_f, fake_f)
        else:
            g_gan = generator_loss(fake_logits_g, "non-saturating")
        g_loss = g_gan + self._ha("G")
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        if "G" in self.history:
            self.history["G"].update()
        return {
            "d_loss": d_gan.detach(),
            "g_loss": g_gan.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }

    # ------------------------------------------------------------------ state
    def extra_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {k: h.state_dict() for k, h in self.history.items()}
        state["step"] = self.step
        return state

    def load_extra_state(self, state: dict[str, Any]) -> None:
        for k, h in self.history.items():
            if k in state:
                h.load_state_dict(state[k])
        self.step = int(state.get("step", 0))


# --------------------------------------------------------------------------- the registry's entry point


def model_class(config: ImprovedGANConfig) -> type[GANModel]:
    """The class :func:`gans_edu.models.build_model` builds for ``config``: :class:`ImprovedGAN`, or with
    ``semi_supervised=True`` the Sec. 5 model :class:`~gans_edu.models.improved_gan_semi.SemiSupervisedGAN`."""
    if config.semi_supervised:
        from gans_edu.models.improved_gan_semi import SemiSupervisedGAN

        return SemiSupervisedGAN
    return ImprovedGAN


# The Sec. 5 names, importable from here as before the split (loaded on first use: improved_gan_semi imports
# this module, so it cannot be imported at the top).
_SEMI_SUPERVISED_NAMES = ("SemiSupervisedGAN", "SSLDiscriminator", "SSLGenerator", "WNLinear", "GaussianNoise",
                          "OfficialAdam", "semi_supervised_d_loss", "SEMI_SUPERVISED")


def __getattr__(name: str) -> Any:
    if name in _SEMI_SUPERVISED_NAMES:
        from gans_edu.models import improved_gan_semi

        return getattr(improved_gan_semi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
