"""Semi-supervised learning with a GAN: Sec. 5 of Salimans et al. 2016 (arXiv 1606.03498), with 100 MNIST labels.

The discriminator is the product: a K-class classifier that also tells real from fake. It is the model
``improved-gan`` with ``semi_supervised=True`` (the command line ``gans-edu train improved-gan --set
semi_supervised=True``, the reference run ``improved-gan-semi``, chapter 3): one paper, one registry name,
one config (:class:`~gans_edu.models.improved_gan.ImprovedGANConfig`), whose switch picks this module's
:class:`SemiSupervisedGAN` instead of :class:`~gans_edu.models.improved_gan.ImprovedGAN`. The Sec. 3
techniques it uses (feature matching, optionally historical averaging) come from
:mod:`gans_edu.models.improved_gan`.

The networks and training follow the official MNIST code (openai/improved-gan,
``mnist_svhn_cifar10/train_mnist_feature_matching.py`` and its ``nn.py``). Map from the paper and that
code to this module, top to bottom:

* Sec. 5, the (K+1)-class discriminator whose "fake" logit is fixed at 0, so ``D(x) = Z(x) / (Z(x) + 1)``
  with ``Z(x) = sum_k exp(l_k(x))``; D's loss is the supervised cross-entropy on the labelled digits plus
  the unsupervised GAN loss, written with logsumexp and softplus as in the official code
  -> :func:`semi_supervised_d_loss`.
* Sec. 5, G trained by feature matching (Sec. 3.1) on D's last hidden layer (the official ``layers[-3]``)
  -> :func:`~gans_edu.models.improved_gan.feature_matching_loss` in :meth:`SemiSupervisedGAN.train_step`.
* ``nn.GaussianNoiseLayer``: noise of std 0.3 on D's input and 0.5 after each hidden layer, on data in
  [0, 1] -> :class:`GaussianNoise`.
* ``nn.DenseLayer`` with weight normalisation (Salimans & Kingma 2016) and ``init_param(trainx[:500])``,
  the data-dependent initialisation -> :class:`WNLinear`, :meth:`SSLDiscriminator.data_init`.
* D, an MLP 784-1000-500-250-250-250-10 with ReLU -> :class:`SSLDiscriminator`; G, an MLP 100-500-500-784
  with batch norm without gain (``nn.batch_norm(g=None)``), softplus and a weight-normalised sigmoid
  output, noise ``z ~ U(0, 1)^100`` -> :class:`SSLGenerator`, :meth:`SemiSupervisedGAN.noise`.
* ``nn.adam_updates``, whose epsilon sits inside the square root -> :class:`OfficialAdam`; lr 0.003,
  beta1 0.5, batch 100 -> :data:`SEMI_SUPERVISED`, :func:`semi_supervised_config`.
* All 100 labelled digits (10 per class) in every step -> :meth:`SemiSupervisedGAN._collect_labelled`.
* The classifier that is tested: a running average of D's weights (``a += 0.0001 (p - a)``)
  -> ``SemiSupervisedGAN.D_avg``, :meth:`~SemiSupervisedGAN._update_average`, :meth:`~SemiSupervisedGAN.classify`,
  :meth:`~SemiSupervisedGAN.test_error`.

Deviations: the running average of D is bias-corrected (the official one starts from 0 and is meant
for 180,000 steps) and decays at 0.999 instead of 0.9999 (the cpu profile trains 14,000 steps); the cpu
and smoke profiles halve G's widths and quarter D's (a budget, as elsewhere in the book); our offline
MNIST has 4,000 unlabelled training digits instead of 60,000, and 1,000 test digits.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from gans_edu.models.base import Draw, GANModel, average_weights
from gans_edu.models.improved_gan import HistoricalAverage, ImprovedGANConfig, ImprovedGANTraining, feature_matching_loss
from gans_edu.profiles import pick
from gans_edu.utils import rng_device

# --------------------------------------------------------------------------- the loss


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


# --------------------------------------------------------------------------- the official MNIST networks


class GaussianNoise(nn.Module):
    """Additive N(0, std^2) noise while training (the official semi-supervised MNIST D); identity in eval mode."""

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.add(x, torch.randn_like(x), alpha=self.std) if self.training and self.std > 0 else x  # x + std * eps


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


class _Shift(nn.Module):
    """A learned per-unit shift (the ``b`` of the official batch-norm layer with ``g=None``: no gain)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.zeros(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.b


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


# --------------------------------------------------------------------------- the official code's Adam


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


# --------------------------------------------------------------------------- settings


# Official MNIST code: Adam lr 0.003, beta1 0.5, batch 100; G with batch norm, D without minibatch features,
# no virtual batch norm and no label smoothing (the Sec. 3 switches this mode leaves off).
SEMI_SUPERVISED = dict(lr=3e-3, batch_size=100, minibatch_discrimination=False, virtual_batchnorm=False,
                       label_smoothing=False)


def semi_supervised_config(profile: str | None = None, **overrides: Any) -> ImprovedGANConfig:
    """The official MNIST settings, for :func:`gans_edu.models.improved_gan.make_config`. The smoke and cpu profiles
    narrow the MLPs (a budget; measurements in book/lab_notes.md, chapter 3): G to half width (100-250-250-784),
    D to a quarter (784-250-125-62-62-62-10)."""
    narrow = dict(ssl_d_widths=(250, 125, 62, 62, 62), ssl_g_widths=(250, 250))
    width = pick(smoke=narrow, cpu=narrow, gpu=dict(), profile=profile)
    return replace(ImprovedGANConfig(), **{**width, **SEMI_SUPERVISED, **overrides})


def semi_supervised_steps(profile: str | None = None) -> int:
    """Steps per profile, for :func:`gans_edu.models.improved_gan.default_steps`: cpu 14,000 (about ten minutes on
    one thread), gpu 30,000 (50 epochs of full MNIST; the official code runs 300)."""
    return pick(smoke=10, cpu=14_000, gpu=30_000, profile=profile)


# --------------------------------------------------------------------------- the model


class SemiSupervisedGAN(ImprovedGANTraining, GANModel):
    """Sec. 5: D is a (K+1)-class classifier (the labelled cross-entropy plus the GAN loss), G plays feature matching.

    Its registry name is ``improved-gan`` (chosen with ``semi_supervised=True``): its checkpoints, and the
    reference ``improved-gan-semi``, say so. ``unsupervised_weight=0`` is the labels-only control: the same D,
    trained on the labelled digits alone, G left out.
    """

    name = "improved-gan"

    def __init__(self, config: ImprovedGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        if not config.semi_supervised:
            raise ValueError("SemiSupervisedGAN needs semi_supervised=True (the Sec. 3 model is ImprovedGAN)")
        if len(self.sample_shape) != 3:
            raise ValueError(f"semi_supervised needs images with labels, not sample shape {self.sample_shape}")
        # The official MNIST networks (MLPs, weight-normalised D with noise layers); the Sec. 3 tricks of D and G
        # (minibatch discrimination, VBN, smoothing) are not used here, as in the official code.
        self.G, self.D = SSLGenerator(config, self.sample_shape), SSLDiscriminator(config, self.sample_shape)
        for net in (self.G, self.D):
            net.to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {
            k: OfficialAdam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2))
            for k, net in self.nets.items()
        }
        self.history = ({k: HistoricalAverage(list(net.parameters())) for k, net in self.nets.items()}
                        if config.historical_averaging else {})
        self.labelled: tuple[torch.Tensor, torch.Tensor] | None = None  # collected at the first step
        self.initialised = False  # the data-dependent initialisation, done once at the first step
        # D_avg: the running average of D's weights that classifies (official code), bias-corrected so that short
        # runs average too; None with ema_decay=0 (D's own weights classify).
        self.D_avg: nn.Module | None = None
        self.ema_steps = 0
        self.step = 0  # steps done: drives the learning-rate schedule (saved with the checkpoint)
        self.total_steps: int | None = None
        if config.ema_decay > 0:
            self.D_avg = copy.deepcopy(self.D).eval().requires_grad_(False)

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        # U(0, 1), the official MNIST code; ``device``: where to draw without a generator (a step: the model's)
        return torch.rand(n, self.config.z_dim, generator=generator, device=rng_device(generator, device))

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    # ------------------------------------------------------------------ the labelled digits and the first step
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
            self.D_avg.load_state_dict(self.nets["D"].state_dict())  # the plain module (self.D may be compiled)
        self.initialised = True

    # ------------------------------------------------------------------ training
    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        """D = (K+1)-class classifier (labelled cross-entropy + GAN loss), then G = feature matching."""
        self._set_lr()
        self.step += 1
        cfg, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        if self.labelled is None:
            self._collect_labelled(draw)
        if not self.initialised:
            self._data_init(draw)
        x_lab, y_lab = self.labelled
        if cfg.unsupervised_weight > 0:
            x_unl, _ = draw()  # the labels of unlabelled batches are never used
            fake = self.G(self.noise(len(x_unl), device=self.device)).detach()
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
        _, fake_f = self.D(self.G(self.noise(cfg.batch_size, device=self.device)), features=True)
        g_loss = feature_matching_loss(real_f, fake_f) + self._ha("G")
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.D.requires_grad_(True)
        opt_g.step()
        if "G" in self.history:
            self.history["G"].update()
        out["g_loss"] = g_loss.detach()
        return out

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

    # ------------------------------------------------------------------ the classifier
    @torch.no_grad()
    def classify(self, x: torch.Tensor, batch_size: int = 500, averaged: bool = True) -> torch.Tensor:
        """Class predictions of D (eval mode: no noise layers); by default with the running average of its weights,
        as the official code evaluates (``averaged=False``: D's current weights)."""
        net = self.D_avg if averaged and self.D_avg is not None and self.ema_steps > 0 else self.D
        with self.eval_mode():
            return torch.cat([net(c.to(self.device)).argmax(1).cpu() for c in x.split(batch_size)])

    def test_error(self, x: torch.Tensor, y: torch.Tensor, averaged: bool = True) -> float:
        """Share of ``x`` that D classifies wrongly."""
        return float((self.classify(x, averaged=averaged) != y.cpu()).float().mean())

    def extra_metrics(self, dataset: str, n: int | None, seed: int) -> dict[str, Any]:
        """``gans-edu evaluate``'s extra entry: the classifier's error on every test digit of ``dataset``."""
        from gans_edu.data import load_dataset

        test = load_dataset(dataset, "test", verbose=False)
        return {"classifier": {"test_error": self.test_error(test.x, test.y), "test_digits": len(test)}}

    def describe_metrics(self, report: dict[str, Any]) -> list[Any]:
        c = report["classifier"]
        return [f"semi-supervised D: test error {c['test_error']:.2%} on {c['test_digits']} test digits",
                *super().describe_metrics(report)]

    # ------------------------------------------------------------------ state
    def extra_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {k: h.state_dict() for k, h in self.history.items()}
        state["step"] = self.step
        if self.labelled is not None:
            state["labelled"] = [t.cpu() for t in self.labelled]
        state["initialised"] = self.initialised
        if self.D_avg is not None:
            state["D_avg"], state["ema_steps"] = self.D_avg.state_dict(), self.ema_steps
        return state

    def load_extra_state(self, state: dict[str, Any]) -> None:
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
