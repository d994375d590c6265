"""InfoGAN, Chen et al. 2016 (arXiv 1606.03657); details from the official openai/InfoGAN.

Paper -> code:

* Eq. (6), ``min_{G,Q} max_D V(D, G) - lambda L_I(G, Q)`` -> :meth:`InfoGAN.train_step`.
* Eq. (5) / Lemma 5.1, ``L_I = E log Q(c|x) + H(c) <= I(c; G(z, c))``, at most ``ln 10 ~ 2.303`` for the 10-way
  code -> :func:`info_lower_bound`.
* Sec. 6, the MNIST latent: 62 noise U(-1, 1), one Cat(10) code, two U(-1, 1) codes -> :meth:`InfoGAN.noise`
  (layout ``[noise | one-hot | continuous]``).
* Sec. 6, Q shares all of D's layers and adds one small head; Appendix C, Table 1, the MNIST networks
  -> :class:`DiscriminatorQ`, :class:`Generator`.
* Appendix C: Adam, lr 2e-4 for D (and Q), 1e-3 for G, beta1 0.5; batch 128 -> :class:`InfoGANConfig`.
* Official code: Q's Gaussian std fixed at 1, Q's head dense 128 + BN + leaky ReLU, L_I subtracted from both D's and
  G's losses (so Q trains with D's optimiser) -> :class:`InfoGANConfig` defaults.
* Sec. 7.1, the categorical code as a classifier -> :meth:`InfoGAN.predict_code`, :func:`code_scores`.

Deviations (the real labels are never used: :meth:`InfoGAN.train_step` drops them):

* G ends in tanh (images in [-1, 1]), not the official code's sigmoid (Bernoulli mean).
* cpu profile: narrower networks (32/64 channels, 256 dense units, Q's head 64), to train in minutes.
* PyTorch's default initialisation, not the official N(0, 0.02) (``init="normal"``; lab notes, chapter 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.models.gan import discriminator_loss, generator_loss
from gans_edu.profiles import pick
from gans_edu.utils import rng_device

INITS = ("normal", "pytorch")


@dataclass
class InfoGANConfig:
    """Hyperparameters of InfoGAN on MNIST. Defaults: the paper (Sec. 6, Appendix C) and official code."""

    noise_dim: int = 62  # Sec. 6 / run_mnist_exp.py: Uniform(62)
    cat_dim: int = 10  # Sec. 6: "one categorical code c1 ~ Cat(K = 10, p = 0.1)"
    cont_dim: int = 2  # Sec. 6: "two continuous codes c2, c3 ~ Unif(-1, 1)"
    lambda_cat: float = 1.0  # Sec. 6: "lambda = 1 for discrete latent codes"; info_reg_coeff = 1.0
    lambda_cont: float = 1.0  # official code: the same info_reg_coeff for the continuous codes
    q_std: float = 1.0  # official code: Uniform(1, fix_std=True), Q's Gaussian has std 1
    channels: int = 64  # Appendix C, Table 1: conv 64 -> conv 128 in D; deconv 128 -> 64 in G
    dense: int = 1024  # Appendix C, Table 1: FC 1024 in D and G
    q_hidden: int = 128  # Appendix C, Table 1 / regularized_gan.py: Q's FC 128 head
    lr_d: float = 2e-4  # Appendix C: "learning rate 2e-4 for D"
    lr_g: float = 1e-3  # Appendix C: "1e-3 for G"
    betas: tuple[float, float] = (0.5, 0.999)  # infogan_trainer.py: AdamOptimizer(beta1=0.5)
    batch_size: int = 128  # run_mnist_exp.py: batch_size = 128
    init: str = "pytorch"  # "normal": custom_ops.py, weights N(0, 0.02) (truncated in convolutions), BN scale N(1, 0.02)

    def __post_init__(self) -> None:
        if self.cat_dim < 2:
            raise ValueError(f"cat_dim must be >= 2, got {self.cat_dim}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; valid: {', '.join(INITS)}")
        if self.q_std <= 0:
            raise ValueError(f"q_std must be positive, got {self.q_std}")
        self.betas = tuple(self.betas)

    @property
    def latent_dim(self) -> int:
        """62 + 10 + 2 = 74 on MNIST."""
        return self.noise_dim + self.cat_dim + self.cont_dim


def make_config(data: Dataset, profile: str | None = None, **overrides) -> InfoGANConfig:
    """Paper defaults; the smoke and cpu profiles narrow the networks (never the algorithm)."""
    widths = pick(
        smoke=dict(channels=8, dense=32, q_hidden=16),
        cpu=dict(channels=32, dense=256, q_hidden=64),
        gpu=dict(),
        profile=profile,
    )
    return replace(InfoGANConfig(), **{**widths, **overrides})


def default_steps(data: Dataset, profile: str | None = None) -> int:
    return pick(smoke=20, cpu=3000, gpu=20000, profile=profile)


class Generator(nn.Module):
    """Appendix C, Table 1: FC 1024 BN ReLU -> FC 7x7x128 BN ReLU -> deconv 64 BN ReLU -> deconv 1 (tanh)."""

    def __init__(self, cfg: InfoGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        c = cfg.channels
        self.c, self.side = c, sample_shape[-1] // 4
        self.dense = nn.Sequential(
            nn.Linear(cfg.latent_dim, cfg.dense), nn.BatchNorm1d(cfg.dense), nn.ReLU(),
            nn.Linear(cfg.dense, 2 * c * self.side**2), nn.BatchNorm1d(2 * c * self.side**2), nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.ConvTranspose2d(c, sample_shape[0], 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dense(z).view(-1, 2 * self.c, self.side, self.side)  # (B, 74) -> (B, 128, 7, 7)
        return self.up(h)  # (B, 128, 7, 7) -> (B, 64, 14, 14) -> (B, 1, 28, 28)


class DiscriminatorQ(nn.Module):
    """D and Q on one shared body (Sec. 6): conv 64 lReLU -> conv 128 BN lReLU -> FC 1024 BN lReLU.

    ``forward`` returns ``(d_logit (B,), cat_logits (B, 10), cont_mean (B, 2))``.
    """

    def __init__(self, cfg: InfoGANConfig, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        c, side = cfg.channels, sample_shape[-1] // 4
        self.cat_dim = cfg.cat_dim
        self.body = nn.Sequential(
            nn.Conv2d(sample_shape[0], c, 4, 2, 1), nn.LeakyReLU(0.1),  # Appendix C: leaky ReLU, leak 0.1
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.1), nn.Flatten(),
            nn.Linear(2 * c * side**2, cfg.dense), nn.BatchNorm1d(cfg.dense), nn.LeakyReLU(0.1),
        )
        self.d_head = nn.Linear(cfg.dense, 1)
        self.q_head = nn.Sequential(  # "a small head": FC 128 BN lReLU -> 10 logits + 2 means
            nn.Linear(cfg.dense, cfg.q_hidden), nn.BatchNorm1d(cfg.q_hidden), nn.LeakyReLU(0.1),
            nn.Linear(cfg.q_hidden, cfg.cat_dim + cfg.cont_dim),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.body(x)  # (B, 1, 28, 28) -> (B, 64, 14, 14) -> (B, 128, 7, 7) -> (B, 1024)
        q = self.q_head(h)  # (B, 1024) -> (B, 10 + 2)
        return self.d_head(h).squeeze(1), q[:, : self.cat_dim], q[:, self.cat_dim :]

    @property
    def q_parameters(self) -> list[nn.Parameter]:
        """The parameters only Q uses (its head); the body is shared with D."""
        return list(self.q_head.parameters())


def info_lower_bound(
    cat_logits: torch.Tensor, cont_mean: torch.Tensor, cat: torch.Tensor, cont: torch.Tensor, q_std: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """L_I = E log Q(c|x) + H(c) (Lemma 5.1), for the categorical and the continuous codes separately.

    Args:
        cat_logits: ``(B, K)`` Q's logits for the categorical code.
        cont_mean: ``(B, C)`` Q's means for the continuous codes (Gaussian, std ``q_std``).
        cat: ``(B,)`` the categorical codes G was given.
        cont: ``(B, C)`` the continuous codes G was given, drawn from U(-1, 1).

    Returns:
        ``(L_I categorical, L_I continuous)``. The first is at most ``H(c) = ln K``; the second
        (a sum over the C codes, with ``H = ln 2`` each) is only a bound, loose with a fixed std.
    """
    k = cat_logits.shape[1]
    li_cat = math.log(k) - F.cross_entropy(cat_logits, cat)
    log_q = -0.5 * math.log(2 * math.pi * q_std**2) - (cont - cont_mean) ** 2 / (2 * q_std**2)  # (B, C)
    li_cont = (log_q + math.log(2.0)).sum(1).mean()
    return li_cat, li_cont


@torch.no_grad()
def official_init(net: nn.Module) -> None:
    """custom_ops.py's initialisation: weights N(0, 0.02) (truncated at 2 std in D's convolutions, as
    ``truncated_normal_initializer``), biases 0, batch-norm scales N(1, 0.02) and shifts 0."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.trunc_normal_(m.weight, 0.0, 0.02, -0.04, 0.04)
        elif isinstance(m, (nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
        else:
            continue
        nn.init.zeros_(m.bias)


class InfoGAN(GANModel):
    """InfoGAN: a GAN plus Q, rewarded for reading the code back from G's image (Eq. 6)."""

    name = "infogan"
    categorical_code = True  # sample(labels=...) fixes the categorical code (not a class: none was seen)

    def __init__(self, config: InfoGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        self.G = Generator(config, self.sample_shape).to(self.device)
        self.D = DiscriminatorQ(config, self.sample_shape).to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        if config.init == "normal":
            official_init(self.G)
            official_init(self.D)
        c = config
        # As the official code: Q's head lives with D ("d_net" scope), so D's optimiser trains it.
        self.optimizers = {
            "G": torch.optim.Adam(self.G.parameters(), lr=c.lr_g, betas=c.betas),
            "D": torch.optim.Adam(self.D.parameters(), lr=c.lr_d, betas=c.betas),
        }

    # ------------------------------------------------------------------ the latent code
    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        """The full latent ``(n, 74)``: ``[62 noise U(-1,1) | one-hot of c1 ~ Cat(10) | c2, c3 ~ U(-1,1)]``."""
        c, device = self.config, rng_device(generator, device)
        z = torch.rand(n, c.noise_dim, generator=generator, device=device) * 2 - 1
        cat = torch.randint(0, c.cat_dim, (n,), generator=generator, device=device)
        cont = torch.rand(n, c.cont_dim, generator=generator, device=device) * 2 - 1
        return self.latent(z, cat, cont)

    def latent(self, z: torch.Tensor, cat: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        """Assemble ``[z | one-hot(cat) | cont]``."""
        return torch.cat([z, F.one_hot(cat.long(), self.config.cat_dim).to(z), cont.to(z)], 1)

    def split(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(noise (B, 62), categorical code (B,), continuous codes (B, 2))`` of a latent batch."""
        c = self.config
        z, onehot, cont = latent.split([c.noise_dim, c.cat_dim, c.cont_dim], 1)
        return z, onehot.argmax(1), cont

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G on the latent ``z``; ``labels``, if given, replace its categorical code."""
        if labels is not None:
            if labels.min() < 0 or labels.max() >= self.config.cat_dim:
                raise ValueError(f"codes must be in 0..{self.config.cat_dim - 1}")
            noise, _, cont = self.split(z)
            z = self.latent(noise, labels, cont)
        return self.G(z)

    # ------------------------------------------------------------------ Eq. (6)
    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        c, opt_d, opt_g = self.config, self.optimizers["D"], self.optimizers["G"]
        real, _ = draw()  # the labels are dropped here: InfoGAN is unsupervised
        # Sec. 6: z ~ U(-1, 1)^62, c1 ~ Cat(10), c2, c3 ~ U(-1, 1); one generated batch serves D, Q and G.
        latent = self.noise(len(real), device=self.device)  # drawn on the device: nothing copied
        _, cat, cont = self.split(latent)
        fake = self.G(latent)

        # Eq. (6), D's and Q's side: max_D V(D, G) and max_Q L_I (Eq. 5: Q reads the code back from G's image).
        # As the official code, -lambda L_I sits in D's loss too, so Q's head trains with D's optimiser.
        real_logits, _, _ = self.D(real)
        fake_logits, cat_logits, cont_mean = self.D(fake.detach())
        li_cat, li_cont = info_lower_bound(cat_logits, cont_mean, cat, cont, c.q_std)
        d_adv = discriminator_loss(real_logits, fake_logits)
        d_loss = d_adv - c.lambda_cat * li_cat - c.lambda_cont * li_cont
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()

        # Eq. (6), G's side: min_G V - lambda L_I: fool D (non-saturating V) *and* keep the code readable by Q.
        fake_logits, cat_logits, cont_mean = self.D(fake)
        g_li_cat, g_li_cont = info_lower_bound(cat_logits, cont_mean, cat, cont, c.q_std)
        g_adv = generator_loss(fake_logits, "non-saturating")
        g_loss = g_adv - c.lambda_cat * g_li_cat - c.lambda_cont * g_li_cont
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_adv.detach(),  # the adversarial parts only, comparable across chapters
            "g_loss": g_adv.detach(),
            "L_I_cat": li_cat.detach(),  # -> ln 10 when Q reads the categorical code perfectly
            "L_I_cont": li_cont.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }

    # ------------------------------------------------------------------ reading the code
    @torch.no_grad()
    def predict_code(self, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
        """Q's guess of the categorical code for images ``x``: InfoGAN as an unsupervised classifier."""
        out = []
        with self.eval_mode():
            for chunk in x.split(batch_size):
                out.append(self.D(chunk.to(self.device))[1].argmax(1).cpu())
        return torch.cat(out)

    # ------------------------------------------------------------------ evaluation (gans-edu evaluate)
    def extra_metrics(self, dataset: str, n: int | None, seed: int) -> dict:
        """On MNIST, how the categorical code lines up with the digits (:func:`code_scores`, ``n`` samples)."""
        return {"code": code_scores(self, n, seed + 1)} if dataset == "mnist" else {}

    def describe_metrics(self, report: dict) -> list:
        lines = super().describe_metrics(report)
        if "code" in report:
            c = report["code"]
            lines.insert(0, f"categorical code: {c['generation_matched']:.1%} of samples read as their code's matched "
                            f"class; Q classifies real test digits with {c['recognition_error']:.1%} error (code -> "
                            f"class {c['code_to_class']}); the most-used code takes {c['largest_code_share']:.1%} of "
                            "real test digits (even split: 10%)")
        return lines


def best_matching(codes: torch.Tensor, classes: torch.Tensor, k: int = 10) -> tuple[np.ndarray, float]:
    """Best one-to-one map of codes to classes (Hungarian algorithm) and the accuracy it gives.

    Args:
        codes: ``(N,)`` categorical codes (the code G was given, or Q's guess).
        classes: ``(N,)`` classes (e.g. the project classifier's verdict, or true labels).

    Returns:
        ``(mapping, accuracy)``: ``mapping[code] = class``; accuracy = share of samples whose
        code maps to their class.
    """
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((k, k), dtype=np.int64)  # counts[code, class]
    np.add.at(counts, (codes.cpu().numpy(), classes.cpu().numpy()), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = np.empty(k, dtype=np.int64)
    mapping[rows] = cols
    return mapping, float(counts[rows, cols].sum() / max(1, len(codes)))


def code_scores(model: InfoGAN, n: int, seed: int = 1) -> dict:
    """The categorical code read two ways, each after the best one-to-one matching of codes to classes.

    * ``generation_matched``: G draws ``n`` digits, every code equally often, and the project's MNIST
      classifier reads them; the share read as their code's matched class (the book's target).
    * ``recognition_error``: Q classifies the real MNIST test digits; the error against their true labels
      (Sec. 7.1 / Fig. 2a: "5% error" on MNIST). Labels are used for scoring only, never in training.
    """
    from gans_edu.data import load_dataset
    from gans_edu.metrics.classifier import classify

    k = model.config.cat_dim
    if k != 10:
        raise ValueError(f"code_scores matches codes to the 10 MNIST classes; this model has {k} codes")
    codes = torch.arange(n) % k
    samples = model.sample(n, labels=codes, generator=torch.Generator().manual_seed(seed))
    mapping, gen_acc = best_matching(codes, classify(samples)[1].argmax(1), k)
    test = load_dataset("mnist", "test", verbose=False)
    q_codes = model.predict_code(test.x)
    _, q_acc = best_matching(q_codes, test.y, k)
    return {"generation_matched": gen_acc, "recognition_error": 1 - q_acc, "code_to_class": mapping.tolist(),
            "largest_code_share": max(code_shares(q_codes, k)), "samples": n, "test_digits": len(test)}


def code_shares(codes: torch.Tensor, k: int = 10) -> list[float]:
    """The share of images Q puts under each code: a check that needs no labels.

    The prior gives every code 1/k. A code that has found MNIST's ten (nearly balanced) classes splits real
    digits evenly; one that spends two codes on one class and merges two others puts about 2/k of the real
    digits under the merged code. So the largest share is a label-free warning sign.
    """
    return (torch.bincount(codes.long().cpu(), minlength=k).float() / max(1, len(codes))).tolist()
