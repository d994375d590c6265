"""Improved Techniques for Training GANs (Salimans et al. 2016, arXiv 1606.03498).

The seed survey's "Improved DCGANs": the DCGAN architecture (:mod:`gans_edu.models.dcgan`)
plus a handful of tricks, each a small piece that other models can reuse.

Map from the paper to the code:

* Sec. 3.1, feature matching: G minimises ``|| E f(x) - E f(G(z)) ||_2^2`` with
  ``f`` an intermediate layer of D (the official MNIST code matches D's last
  hidden layer) -> :func:`feature_matching_loss`, ``Discriminator(..., features=True)``.
* Sec. 3.2, minibatch discrimination: ``M = f(x) T`` in ``R^{B x C}``,
  ``c_b(x_i, x_j) = exp(-||M_{i,b} - M_{j,b}||_L1)``, ``o_b(x_i) = sum_j c_b(x_i, x_j)``,
  appended to D's features -> :class:`MinibatchDiscrimination` (B = 100, C = 5 as in
  the official code openai/improved-gan; the paper gives no values).
* Sec. 3.3, historical averaging: add ``|| theta - (1/t) sum_i theta[i] ||^2`` to
  each player's cost -> :class:`HistoricalAverage`.
* Sec. 3.4, one-sided label smoothing: real targets ``alpha`` (paper: "like .9";
  the released ImageNet code uses 0.75), fake targets stay 0 ->
  :func:`discriminator_loss`.
* Sec. 3.5, virtual batch normalisation: each example is normalised with the
  statistics of a reference batch fixed at the start of training, plus the example
  itself; used in G -> :class:`VirtualBatchNorm2d`, :class:`VBNGenerator`.
* Sec. 4, the Inception score ``exp(E_x KL(p(y|x) || p(y)))`` with 10 splits ->
  :func:`gans_edu.metrics.image.classifier_score` (the book's MNIST classifier stands in
  for the Inception network: the numbers are not comparable with Inception scores).
* Sec. 5, semi-supervised learning: D becomes a (K+1)-class classifier whose
  "fake" logit is fixed at 0, so ``D(x) = Z(x) / (Z(x) + 1)`` with
  ``Z(x) = sum_k exp(l_k(x))``; D's loss is the supervised cross-entropy on the
  labelled examples plus the unsupervised GAN loss, written with logsumexp and
  softplus as in the official code; G uses feature matching on D's last hidden
  layer -> :func:`semi_supervised_d_loss`, :meth:`ImprovedGAN.train_step`.
  This mode uses the official MNIST code's networks and training
  (openai/improved-gan, ``mnist_svhn_cifar10/train_mnist_feature_matching.py``
  and its ``nn.py``): D an MLP 784-1000-500-250-250-250-10 with weight
  normalisation, a data-dependent initialisation on 500 digits, ReLU, Gaussian
  noise of std 0.3 on the input and 0.5 after each hidden layer, all on data in
  [0, 1] (:class:`SSLDiscriminator`, :class:`WNLinear`); G an MLP
  100-500-500-784 with batch norm, softplus and a weight-normalised sigmoid
  output, noise U(0, 1) (:class:`SSLGenerator`); the code's own Adam, whose
  epsilon sits inside the square root (:class:`OfficialAdam`), lr 0.003, beta1
  0.5, batch 100, all 100 labelled digits in every step; the classifier is a
  running average of D's weights (``D_avg``).

On the 2-D toys (25 Gaussians and the others) the same techniques run on MLPs
(:class:`ToyGenerator` with batch norm, or virtual batch norm through
:class:`VBNGenerator` and :class:`VirtualBatchNorm1d`; :class:`ToyDiscriminator`
whose last hidden layer feeds feature matching and minibatch discrimination), sized
as the book's other toy MLPs (3 hidden layers of 256 in the cpu profile, Adam lr
1e-3, betas (0.5, 0.9), 2-d noise); batch 64 and 25 minibatch kernels to keep the
pairwise distances affordable on a CPU. :data:`ABLATION` lists the chapter's
ablation variants (tools/ablation_improved_gan.py runs them over seeds).

Deviations: the networks of the Sec. 3 techniques are DCGAN's convolutional ones
(the paper's MNIST networks are MLPs) and the cpu profile halves their width.
Historical averaging's weight is not given in the paper; we use 1. In
semi-supervised mode: the running average of D is bias-corrected (the official
``a += 0.0001 (p - a)`` starts from 0 and is meant for 180,000 steps; ours are
14,000 in the cpu profile) and decays at 0.999 instead of 0.9999; the cpu profile halves the MLPs'
widths (a budget, as elsewhere in the book); our MNIST offline has 4,000
unlabelled training digits instead of 60,000.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel, average_weights, lr_factor, set_learning_rate
from gans_edu.models.dcgan import Generator as DCGANGenerator
from gans_edu.models.dcgan import _d_block, init_weights, layout
from gans_edu.models.gan import generator_loss
from gans_edu.profiles import pick

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


class GaussianNoise(nn.Module):
    """Additive N(0, std^2) noise while training (the official semi-supervised MNIST D); identity in eval mode."""

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.add(x, torch.randn_like(x), alpha=self.std) if self.training and self.std > 0 else x  # x + std * eps


# --------------------------------------------------------------------------- Sec. 5: the official MNIST networks


class WNLinear(nn.Module):
    """A weight-normalised dense layer as in the official MNIST code (``nn.DenseLayer``, Salimans & Kingma 2016).

    ``W = theta * scale / ||theta||`` per output unit, ``theta ~ N(0, 0.1)``, ``scale`` starting at 1. The scale is
    trained only where the official code says ``train_scale=True`` (D's output layer); elsewhere it is set once by
    :meth:`data_init` and then fixed (a buffer). :meth:`data_init` is the code's data-dependent initialisation:
    on a batch, it sets ``scale`` and ``bias`` so that every unit's pre-activation has mean 0 and variance 1.
    """

    def __init__(self, n_in: int, n_out: int, train_scale: bool = False, init_std: float = 0.1) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.randn(n_out, n_in) * init_std)
        self.bias = nn.Parameter(torch.zeros(n_out))
        if train_scale:
            self.scale = nn.Parameter(torch.ones(n_out))
        else:
            self.register_buffer("scale", torch.ones(n_out))

    def weight(self) -> torch.Tensor:
        return self.theta * (self.scale / self.theta.norm(dim=1)).unsqueeze(1)  # (out, in), rows of norm `scale`

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight(), self.bias)

    @torch.no_grad()
    def data_init(self, x: torch.Tensor) -> torch.Tensor:
        """Set scale and bias from the batch ``x`` (mean 0, std 1 per unit); returns the normalised pre-activations."""
        a = F.linear(x, self.weight())
        mean, std = a.mean(0), a.std(0, unbiased=False)
        self.scale.div_(std)
        self.bias.copy_(-mean / std)
        return (a - mean) / std


class SSLDiscriminator(nn.Module):
    """The official semi-supervised MNIST D: an MLP 784-1000-500-250-250-250-K with weight normalisation and ReLU,
    Gaussian noise (std 0.3) on the input and (std 0.5) after every hidden layer, K class logits.

    Inputs are the book's images in [-1, 1]; the official code's data are in [0, 1] (the noise stds are
    relative to that range), so D first maps ``x -> (x + 1) / 2``.
    """

    def __init__(self, cfg: ImprovedGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        widths = [math.prod(sample_shape), *cfg.ssl_d_widths]
        self.hidden = nn.ModuleList([WNLinear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.out = WNLinear(widths[-1], cfg.num_classes, train_scale=True)
        self.input_noise = GaussianNoise(cfg.d_input_noise)
        self.hidden_noise = GaussianNoise(cfg.d_hidden_noise)
        self.feature_dim = widths[-1]
        self.mbd = None  # no minibatch discrimination in the official MNIST D

    def forward(self, x: torch.Tensor, features: bool = False):
        """Logits ``(B, K)``; with ``features=True`` also the last hidden layer ``(B, 250)`` (before its noise),
        the layer that feature matching uses (the official ``layers[-3]``)."""
        h = self.input_noise((x.flatten(1) + 1) / 2)  # (B, C, H, W) in [-1, 1] -> (B, CHW) in [0, 1], plus noise
        f = h
        for layer in self.hidden:
            f = F.relu(layer(h))
            h = self.hidden_noise(f)
        logits = self.out(h)
        return (logits, f) if features else logits

    @torch.no_grad()
    def data_init(self, x: torch.Tensor) -> None:
        """The official code's ``init_param(trainx[:500])``: layer by layer, noise on, as in its init pass."""
        h = self.input_noise((x.flatten(1) + 1) / 2)
        for layer in self.hidden:
            h = self.hidden_noise(F.relu(layer.data_init(h)))
        self.out.data_init(h)


class SSLGenerator(nn.Module):
    """The official semi-supervised MNIST G: ``z ~ U(0, 1)^100`` -> 500 -> 500 (dense, batch norm without gain,
    softplus) -> 784 (weight-normalised dense, sigmoid). Its output in [0, 1] is mapped to the book's [-1, 1]."""

    def __init__(self, cfg: ImprovedGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.sample_shape, self.z_dim = tuple(sample_shape), cfg.z_dim
        widths = [cfg.z_dim, *cfg.ssl_g_widths]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            lin = nn.Linear(a, b, bias=False)  # the batch norm's shift replaces the bias, as in nn.batch_norm
            nn.init.xavier_uniform_(lin.weight)  # Lasagne's default (Glorot uniform)
            layers += [lin, nn.BatchNorm1d(b, affine=False), _Shift(b), nn.Softplus()]
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(widths[-1], math.prod(sample_shape))
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        weight_norm(self.out)  # nn.l2normalize: unit-norm rows times a trained scale that starts at 1
        nn.init.ones_(self.out.parametrizations.weight.original0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = torch.sigmoid(self.out(self.body(z.flatten(1))))  # (B, z) -> (B, CHW) in [0, 1]
        return (2 * x - 1).view(-1, *self.sample_shape)  # the book's range [-1, 1]


class OfficialAdam(torch.optim.Optimizer):
    """Adam exactly as the official code's ``nn.adam_updates``: ``p -= lr * m_hat / sqrt(v_hat + 1e-8)``.

    The only difference from ``torch.optim.Adam`` (``m_hat / (sqrt(v_hat) + eps)``) is where the epsilon sits: inside
    the square root it acts like ``eps = 1e-4``, which slows the parameters whose gradients are that small (G's
    first layers get gradients around 1e-5 here) instead of moving them at the full learning rate.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):  # noqa: D102
        # The same arithmetic on all parameters at once (torch._foreach_*): one call per operation instead of one
        # per operation and parameter, which matters for the semi-supervised MLPs' many small tensors.
        for group in self.param_groups:
            (b1, b2), lr, eps = group["betas"], group["lr"], group["eps"]
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                if not self.state[p]:
                    self.state[p].update(step=0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                self.state[p]["step"] += 1
            steps = [self.state[p]["step"] for p in params]
            grads = [p.grad for p in params]
            m = [self.state[p]["exp_avg"] for p in params]
            v = [self.state[p]["exp_avg_sq"] for p in params]
            torch._foreach_lerp_(m, grads, 1 - b1)  # m <- b1 m + (1 - b1) g
            torch._foreach_mul_(v, b2)
            torch._foreach_addcmul_(v, grads, grads, value=1 - b2)  # v <- b2 v + (1 - b2) g^2
            denom = torch._foreach_div(v, [1 - b2**t for t in steps])  # v_hat
            torch._foreach_add_(denom, eps)
            torch._foreach_sqrt_(denom)  # sqrt(v_hat + eps)
            torch._foreach_addcdiv_(params, m, denom, [-lr / (1 - b1**t) for t in steps])  # p -= lr m_hat / sqrt(v_hat + eps)


class _Shift(nn.Module):
    """A learned per-unit shift (the ``b`` of the official batch-norm layer with ``g=None``: no gain)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.zeros(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.b


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
    # Semi-supervised learning (Sec. 5).
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
    # last ~1,000, a similar share; bias-corrected (see ImprovedGAN._update_average). 0: D's own weights.
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


# Official MNIST code: Adam lr 0.003, beta1 0.5, batch 100; G with batch norm, D without minibatch features.
SEMI_SUPERVISED = dict(lr=3e-3, batch_size=100, minibatch_discrimination=False, virtual_batchnorm=False,
                       label_smoothing=False)


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


TOY_CPU_STEPS = 1000  # the toy ablation's budget per run: ~12-45 s on one thread (tools/ablation_improved_gan.py)


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
    if overrides.get("semi_supervised"):
        # The official MNIST MLPs, narrowed in smoke and cpu: G at half width, D at a quarter (784-250-125-62-62-62-10).
        # Half width tripled the steps per second against full width; the quarter-width D another ~1.5x, and at
        # 14,000 steps it classified as well (seeds 0/1/2: 4.1/4.6/4.2% test error vs 5.3/4.1/4.6% at half width).
        narrow = dict(ssl_d_widths=(250, 125, 62, 62, 62), ssl_g_widths=(250, 250))
        width = pick(smoke=narrow, cpu=narrow, gpu=dict(), profile=profile)
        return replace(ImprovedGANConfig(), **{**width, **SEMI_SUPERVISED, **overrides})
    width = pick(smoke=dict(ngf=8, ndf=8), cpu=dict(ngf=32, ndf=32), gpu=dict(), profile=profile)
    return replace(ImprovedGANConfig(), **{**width, **overrides})


def default_steps(data: Dataset, profile: str | None = None, **overrides) -> int:
    """Generator steps per profile (cpu: 1,663 steps of the default config took 5 min on one thread).

    Semi-supervised: cpu 14,000 steps (quarter-width D: 518-708 s on one thread of the two-core machine while
    other runs shared it; the half-width D took 751.5 s on two idle threads);
    gpu 30,000 (50 epochs of full MNIST; the official code runs 300).
    """
    if overrides.get("semi_supervised"):
        return pick(smoke=10, cpu=14_000, gpu=30_000, profile=profile)
    if data.kind == "toy":
        return pick(smoke=10, cpu=TOY_CPU_STEPS, gpu=20_000, profile=profile)
    return pick(smoke=10, cpu=1600, gpu=10000, profile=profile)


# --------------------------------------------------------------------------- networks


class Discriminator(nn.Module):
    """DCGAN's D, with its last layer split: conv blocks -> features f -> [minibatch discrimination] -> linear.

    The linear layer over the flattened last map is DCGAN's final convolution
    written as a matrix; it gives 1 logit. (Semi-supervised mode uses :class:`SSLDiscriminator`.)
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


def semi_supervised_d_loss(
    logits_lab: torch.Tensor, labels: torch.Tensor, logits_unl: torch.Tensor, logits_fake: torch.Tensor,
    unsupervised_weight: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sec. 5: ``(supervised, unsupervised)`` losses of the (K+1)-class D whose fake logit is fixed at 0.

    With ``Z = sum_k exp(l_k)``, ``D(x) = Z / (Z + 1)``, so ``log D(x) = lse(l) - softplus(lse(l))`` and
    ``log(1 - D(x)) = -softplus(lse(l))`` (the official code's ``loss_unl``, halved as there).
    """
    supervised = F.cross_entropy(logits_lab, labels)
    lse_unl, lse_fake = torch.logsumexp(logits_unl, 1), torch.logsumexp(logits_fake, 1)
    unsupervised = 0.5 * (-lse_unl + F.softplus(lse_unl)).mean() + 0.5 * F.softplus(lse_fake).mean()
    return supervised, unsupervised_weight * unsupervised


# --------------------------------------------------------------------------- the model


class ImprovedGAN(GANModel):
    """DCGAN plus the Sec. 3 techniques, and the Sec. 5 semi-supervised mode."""

    name = "improved-gan"

    def __init__(self, config: ImprovedGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        self.toy = len(self.sample_shape) == 1
        if len(self.sample_shape) != 3 and not self.toy:
            raise ValueError(f"improved-gan needs images (C, H, W) or 2-D points (2,), got sample shape {self.sample_shape}")
        if self.toy and config.semi_supervised:
            raise ValueError("semi_supervised needs images with labels, not 2-D points")
        self.G: nn.Module
        self.D: nn.Module
        if config.semi_supervised:
            # Sec. 5 with the official MNIST networks (MLPs, weight-normalised D with noise layers); its own tricks
            # (minibatch discrimination, VBN, smoothing) are not used there, as in the official code.
            self.G, self.D = SSLGenerator(config, self.sample_shape), SSLDiscriminator(config, self.sample_shape)
        elif self.toy:
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
        adam = OfficialAdam if config.semi_supervised else torch.optim.Adam  # the official MNIST code's own Adam
        self.optimizers = {
            k: adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2)) for k, net in self.nets.items()
        }
        self.history = ({k: HistoricalAverage(list(net.parameters())) for k, net in self.nets.items()}
                        if config.historical_averaging else {})
        self.labelled: tuple[torch.Tensor, torch.Tensor] | None = None
        # Semi-supervised: the data-dependent initialisation is done once, at the first step; D_avg is the running
        # average of D's weights that classifies (official code), bias-corrected so that short runs average too.
        self.initialised = not config.semi_supervised
        self.D_avg: nn.Module | None = None
        self.ema_steps = 0
        self.step = 0  # steps done: drives the learning-rate schedule (saved with the checkpoint)
        self.total_steps: int | None = None
        if config.semi_supervised and config.ema_decay > 0:
            self.D_avg = copy.deepcopy(self.D).eval().requires_grad_(False)

    def _maybe_vbn(self, base: nn.Module) -> nn.Module:
        """``base`` with virtual batch norm if configured; the reference batch is fixed once, here (Sec. 3.5)."""
        if not self.config.virtual_batchnorm:
            return base
        ref_z = self.noise(self.config.vbn_ref_size, torch.Generator().manual_seed(12345))
        return VBNGenerator(base, ref_z, self.config.bn_gain_std)

    def plan(self, steps: int | None) -> None:
        """Told by :func:`gans_edu.train.fit` how many steps the run has: a decaying rate reaches 0 there."""
        self.total_steps = steps

    def _set_lr(self) -> None:
        if self.config.lr_decay_start < 1:  # no decay under a time budget (total unknown): lr_factor gives 1
            set_learning_rate(self.optimizers,
                              self.config.lr * lr_factor(self.step, self.total_steps, self.config.lr_decay_start))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.config.semi_supervised:
            return torch.rand(n, self.config.z_dim, generator=generator)  # U(0, 1), the official MNIST code
        return torch.rand(n, self.config.z_dim, generator=generator) * 2 - 1  # U(-1, 1), as DCGAN

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    # ------------------------------------------------------------------ semi-supervised helpers
    def set_labelled(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """The labelled examples of semi-supervised training (the only labels D ever sees)."""
        self.labelled = (x.to(self.device), y.to(self.device))

    def _collect_labelled(self, draw: Draw) -> None:
        """Take the first ``labels_per_class`` examples of each class that the (shuffled) batches bring."""
        k, per = self.config.num_classes, self.config.labels_per_class
        xs: list[list[torch.Tensor]] = [[] for _ in range(k)]
        for _ in range(10_000):
            x, y = draw()
            if y is None:
                raise ValueError("semi-supervised training needs a labelled dataset")
            for xi, yi in zip(x, y.tolist()):
                if len(xs[yi]) < per:
                    xs[yi].append(xi)
            if all(len(c) == per for c in xs):
                break
        else:
            raise ValueError(f"could not find {per} examples of each of {k} classes")
        self.set_labelled(torch.stack([xi for c in xs for xi in c]), torch.arange(k).repeat_interleave(per))

    @torch.no_grad()
    def _data_init(self, draw: Draw) -> None:
        """The official code's data-dependent initialisation of D, on the first ``ssl_init_size`` digits drawn."""
        xs, n = [], 0
        while n < self.config.ssl_init_size:
            x, _ = draw()  # labels unused
            xs.append(x)
            n += len(x)
        self.D.data_init(torch.cat(xs)[: self.config.ssl_init_size])
        if self.D_avg is not None:
            self.D_avg.load_state_dict(self.D.state_dict())
        self.initialised = True

    @torch.no_grad()
    def _update_average(self) -> None:
        """``D_avg <- D_avg + r (D - D_avg)``: the official ``a += 0.0001 (p - a)`` from a = 0, divided by its weight sum
        ``1 - decay^t`` (as Adam's bias correction), which makes ``r = (1 - decay) / (1 - decay^t)``."""
        self.ema_steps += 1
        d = self.config.ema_decay
        r = (1 - d) / (1 - d**self.ema_steps)
        average_weights(self.D_avg, self.D, r)
        for a, b in zip(self.D_avg.buffers(), self.D.buffers()):  # the fixed weight-norm scales
            a.copy_(b)

    @torch.no_grad()
    def classify(self, x: torch.Tensor, batch_size: int = 500, averaged: bool = True) -> torch.Tensor:
        """Class predictions of the semi-supervised D (eval mode: no noise layers); by default with the running
        average of its weights, as the official code evaluates (``averaged=False``: D's current weights)."""
        if not self.config.semi_supervised:
            raise ValueError("classify needs semi_supervised=True")
        net = self.D_avg if averaged and self.D_avg is not None and self.ema_steps > 0 else self.D
        with self.eval_mode():
            return torch.cat([net(c.to(self.device)).argmax(1).cpu() for c in x.split(batch_size)])

    def test_error(self, x: torch.Tensor, y: torch.Tensor, averaged: bool = True) -> float:
        """Share of ``x`` that D classifies wrongly."""
        return float((self.classify(x, averaged=averaged) != y.cpu()).float().mean())

    # ------------------------------------------------------------------ training
    def _ha(self, name: str) -> torch.Tensor | float:
        return self.config.ha_weight * self.history[name].penalty() if name in self.history else 0.0

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        self._set_lr()
        self.step += 1
        if self.config.semi_supervised:
            return self._semi_supervised_step(draw)
        cfg, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        # D step: the GAN loss, real targets smoothed to real_target if label_smoothing (fake targets: 0).
        real, _ = draw()
        fake = self.G(self.noise(len(real)).to(self.device)).detach()
        real_logits, fake_logits = self.D(real), self.D(fake)
        d_gan = discriminator_loss(real_logits, fake_logits, cfg.real_target if cfg.label_smoothing else 1.0)
        d_loss = d_gan + self._ha("D")
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        if "D" in self.history:
            self.history["D"].update()
        # G step: feature matching on D's last hidden layer (fresh real batch), or the non-saturating loss.
        fake_logits_g, fake_f = self.D(self.G(self.noise(cfg.batch_size).to(self.device)), features=True)
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

    def _semi_supervised_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        """Sec. 5: D = (K+1)-class classifier (labelled cross-entropy + GAN loss), G = feature matching."""
        cfg, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        if self.labelled is None:
            self._collect_labelled(draw)
        if not self.initialised:
            self._data_init(draw)
        x_lab, y_lab = self.labelled
        if cfg.unsupervised_weight > 0:
            x_unl, _ = draw()  # the labels of unlabelled batches are never used
            fake = self.G(self.noise(len(x_unl)).to(self.device)).detach()
            # One pass over the three batches (D has no batch statistics, so this equals three passes, only faster).
            logits_lab, logits_unl, logits_fake = self.D(torch.cat([x_lab, x_unl, fake])).split(
                [len(x_lab), len(x_unl), len(fake)])
            sup, unsup = semi_supervised_d_loss(logits_lab, y_lab, logits_unl, logits_fake, cfg.unsupervised_weight)
        else:  # the labels-only control: the same classifier, no GAN term
            logits_lab = self.D(x_lab)
            sup, unsup = F.cross_entropy(logits_lab, y_lab), torch.zeros((), device=self.device)
        d_loss = sup + unsup + self._ha("D")
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        if "D" in self.history:
            self.history["D"].update()
        if self.D_avg is not None:
            self._update_average()
        out = {"d_sup": sup.detach(), "d_unsup": unsup.detach(),
               "train_acc": (logits_lab.argmax(1) == y_lab).float().mean().detach()}
        if cfg.unsupervised_weight == 0:  # the labels-only baseline: G plays no part
            return out
        x2, _ = draw()
        with torch.no_grad():
            _, real_f = self.D(x2, features=True)
        self.D.requires_grad_(False)  # G's step needs no gradients for D's weights (saves their computation)
        _, fake_f = self.D(self.G(self.noise(cfg.batch_size).to(self.device)), features=True)
        g_loss = feature_matching_loss(real_f, fake_f) + self._ha("G")
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.D.requires_grad_(True)
        opt_g.step()
        if "G" in self.history:
            self.history["G"].update()
        out["g_loss"] = g_loss.detach()
        return out

    # ------------------------------------------------------------------ state
    def extra_state(self) -> dict:
        state: dict = {k: h.state_dict() for k, h in self.history.items()}
        state["step"] = self.step
        if self.labelled is not None:
            state["labelled"] = [t.cpu() for t in self.labelled]
        if self.config.semi_supervised:
            state["initialised"] = self.initialised
            if self.D_avg is not None:
                state["D_avg"], state["ema_steps"] = self.D_avg.state_dict(), self.ema_steps
        return state

    def load_extra_state(self, state: dict) -> None:
        for k, h in self.history.items():
            if k in state:
                h.load_state_dict(state[k])
        if "labelled" in state:
            self.set_labelled(*state["labelled"])
        self.step = int(state.get("step", 0))
        self.initialised = bool(state.get("initialised", self.initialised))
        if self.D_avg is not None and "D_avg" in state:
            self.D_avg.load_state_dict(state["D_avg"])
            self.ema_steps = int(state["ema_steps"])
