"""WGAN, Arjovsky, Chintala & Bottou 2017 (arXiv 1701.07875); official code martinarjovsky/WassersteinGAN (main.py).

Paper -> code:

* Eq. (3), ``max_{w in W} E f_w(x) - E f_w(g(z))``, the Kantorovich-Rubinstein dual (Eq. 2) over critics whose weights
  lie in a box [-c, c] -> :func:`critic_loss` (its negative, minimised), :func:`generator_loss`.
* Algorithm 1, lines 2-8 (n_critic RMSProp steps on the critic, each clipped by line 7) and lines 9-11 (one RMSProp
  step on G) -> :meth:`WGAN.train_step`, :func:`clip_weights`.
* Algorithm 1's defaults: alpha 5e-5, c 0.01, m 64, n_critic 5 -> :class:`WGANConfig`.
* main.py, not in the paper: 100 critic steps for each of the first 25 G steps and every 500th
  -> :meth:`WGAN.critic_iters` (``burst_iters=0``: Algorithm 1 exactly).
* main.py's networks: DCGAN's, batch norm in the critic, no sigmoid, every parameter clipped, N(0, 0.02) weights
  -> ``net="dcgan"``, :func:`build_networks` (WGAN-GP reuses it without the critic's batch norm).
* Sec. 4.3 / models/mlp.py: 4 linear layers with ReLU, 512 units -> ``net="mlp"``, :class:`Generator`,
  :class:`Critic` (always for the 2-D toys).

Deviations:

* 28x28 digits with DCGAN's MNIST layout (a dense hidden layer), not main.py's 64x64 networks; the MLP G ends in tanh.
* cpu and smoke profiles: narrower networks and RMSProp at 2e-4 instead of 5e-5 (lab notes, chapter 6); the smoke
  profile's bursts are 10 critic steps instead of 100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import nn

from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.models.dcgan import DCGANConfig, init_weights
from gans_edu.models.dcgan import Discriminator as DCGANDiscriminator
from gans_edu.models.dcgan import Generator as DCGANGenerator
from gans_edu.profiles import pick
from gans_edu.utils import rng_device


@dataclass
class WGANConfig:
    """Hyperparameters of WGAN. Defaults: Algorithm 1 of the paper, plus the official code's schedule."""

    z_dim: int = 100  # main.py: nz 100 (the toys use 2-d noise, as gan_toy.py)
    net: str = "dcgan"  # main.py: DCGAN networks by default (--mlp_G / --mlp_D: the MLPs); "mlp" for the toys
    ngf: int = 64  # main.py: ngf 64 (DCGAN networks)
    ndf: int = 64  # main.py: ndf 64
    dense: int | None = None  # DCGAN's dense hidden layer: None = by image size (1024 at 28x28, see dcgan.py); 0: none
    critic_bn: bool = True  # main.py's DCGAN_D keeps batch norm (WGAN-GP's critic must not)
    width: int = 512  # MLP: Sec. 4.3 / models/mlp.py: 512 hidden units
    depth: int = 3  # MLP: models/mlp.py: 3 hidden ReLU layers (4 linear layers)
    critic_depth: int = 3  # MLP: same as G; WGAN-GP's Figure 1b uses a deeper critic
    lr: float = 5e-5  # Algorithm 1: alpha = 0.00005
    clip: float = 0.01  # Algorithm 1: c = 0.01
    n_critic: int = 5  # Algorithm 1: n_critic = 5
    batch_size: int = 64  # Algorithm 1: m = 64
    burst_iters: int = 100  # main.py: Diters = 100 ...
    burst_first: int = 25  # ... while gen_iterations < 25 ...
    burst_every: int = 500  # ... or gen_iterations % 500 == 0 (0 disables the schedule's repeats)
    output: str = "tanh"  # "tanh" for images in [-1, 1]; "linear" for 2-D points

    def __post_init__(self) -> None:
        if self.output not in ("tanh", "linear"):
            raise ValueError(f"unknown output {self.output!r}; valid: tanh, linear")
        if self.net not in NETS:
            raise ValueError(f"unknown net {self.net!r}; valid: {', '.join(NETS)}")
        if self.n_critic < 1 or self.clip <= 0:
            raise ValueError("n_critic must be >= 1 and clip > 0")


NETS = ("dcgan", "mlp")
# The book's image default: main.py's DCGAN networks (the paper's MLP reached only 3-9 classes at the cpu budget).
MNIST_NET = "dcgan"
# 4x the paper's 5e-5, for a 5-minute budget (at 5e-5 still noise after 1,350 steps: lab notes, chapter 6);
# the gpu profile keeps 5e-5.
CPU_LR = 2e-4


def make_config(data: Dataset, profile: str | None = None, **overrides) -> WGANConfig:
    """Paper defaults; the profile sets the widths (and the budget's lr); the toys take the MLPs with gan_toy.py's 2-d noise."""
    if data.kind == "toy":  # gan_toy.py: 2-d noise, BATCH_SIZE 256
        width = pick(smoke=32, cpu=256, gpu=512, profile=profile)
        base = WGANConfig(net="mlp", width=width, z_dim=2, output="linear", batch_size=256)
    else:
        # smoke: bursts of 10 critic iterations instead of 100 (same schedule, a budget change): 100-iteration
        # bursts for 25 steps would take the smoke notebook's whole 45 s.
        budget = pick(smoke=dict(ngf=8, ndf=8, dense=32, width=32, lr=CPU_LR, burst_iters=10),
                      cpu=dict(ngf=16, ndf=16, dense=128, width=256, lr=CPU_LR), gpu=dict(), profile=profile)
        base = WGANConfig(net=MNIST_NET, **budget)
    return replace(base, **overrides)


def default_steps(data: Dataset, profile: str | None = None) -> int:
    if data.kind == "toy":
        return pick(smoke=10, cpu=3000, gpu=20000, profile=profile)
    # cpu: 1,000 steps (2,600 of their critic iterations in bursts) take about 5 minutes on one thread
    return pick(smoke=10, cpu=1000, gpu=40000, profile=profile)


def mlp(d_in: int, width: int, depth: int, d_out: int) -> nn.Sequential:
    """``depth`` hidden ReLU layers of ``width`` units, then a linear map to ``d_out`` (no normalisation)."""
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """MLP generator: z -> ReLU layers -> flattened sample (tanh for images), reshaped to ``sample_shape``."""

    def __init__(self, z_dim: int, width: int, depth: int, sample_shape: tuple[int, ...], output: str) -> None:
        super().__init__()
        self.sample_shape = sample_shape
        self.net = mlp(z_dim, width, depth, math.prod(sample_shape))
        self.out = nn.Tanh() if output == "tanh" else nn.Identity()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.net(z)).view(-1, *self.sample_shape)  # (B, z_dim) -> (B, *sample_shape)


class Critic(nn.Module):
    """MLP critic f(x): a real number per sample, no sigmoid, no batch norm (each sample on its own)."""

    def __init__(self, width: int, depth: int, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.net = mlp(math.prod(sample_shape), width, depth, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)  # (B, ...) -> (B, D) -> (B,)


def build_networks(c, sample_shape: tuple[int, ...], critic_bn: bool) -> tuple[nn.Module, nn.Module]:
    """G and the critic for config ``c`` (WGAN's or WGAN-GP's): the MLPs, or DCGAN's networks with a linear output.

    DCGAN's discriminator ends in a linear layer (its logit), so as a critic it gives an unbounded
    score: the sigmoid lives in DCGAN's loss, which WGAN does not use. Both nets take DCGAN's
    initialisation, N(0, 0.02) (main.py's ``weights_init``).
    """
    if c.net == "mlp":
        return (Generator(c.z_dim, c.width, c.depth, sample_shape, c.output),
                Critic(c.width, c.critic_depth, sample_shape))
    if len(sample_shape) != 3 or c.output != "tanh":
        raise ValueError(f"net 'dcgan' needs images (C, H, W) with output tanh, got {sample_shape}; valid for points: mlp")
    cfg = DCGANConfig(z_dim=c.z_dim, ngf=c.ngf, ndf=c.ndf, dense=c.dense)
    dense = cfg.dense_units(sample_shape[-1])
    G = DCGANGenerator(cfg, sample_shape, dense)
    D = DCGANDiscriminator(cfg, sample_shape, dense, bn=critic_bn)
    for net in (G, D):
        init_weights(net, cfg.init_std, cfg.bn_gain_std)
    return G, D


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """E f(G(z)) - E f(x): minimising it maximises the critic's Wasserstein estimate (Eq. 3)."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """-E f(G(z)): G moves its samples up the critic (Algorithm 1, line 10)."""
    return -fake_scores.mean()


@torch.no_grad()
def clip_weights(net: nn.Module, c: float) -> None:
    """Clamp every parameter of ``net`` (weights and biases) into [-c, c] (Algorithm 1, line 7).

    Two fused calls over all the parameters (a Python loop of one clamp per tensor costs a kernel launch each,
    after every critic iteration)."""
    params = list(net.parameters())
    torch._foreach_clamp_min_(params, -c)
    torch._foreach_clamp_max_(params, c)


class WGAN(GANModel):
    """WGAN with weight clipping: Algorithm 1 in :meth:`train_step`."""

    name = "wgan"

    def __init__(self, config: WGANConfig, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        super().__init__(config, sample_shape, device)
        c = config
        G, D = build_networks(c, self.sample_shape, critic_bn=c.critic_bn)
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.nets = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self._optimizer(self.G), "D": self._optimizer(self.D)}
        self.g_steps = 0  # generator steps so far: drives the official critic schedule
        clip_weights(self.D, c.clip)  # start inside the box, so every critic evaluation is a clipped one

    def _optimizer(self, net: nn.Module) -> torch.optim.Optimizer:
        # Sec. 3: "Adam ... caused instability"; RMSProp is the paper's choice.
        return torch.optim.RMSprop(net.parameters(), lr=self.config.lr)

    def noise(self, n: int, generator: torch.Generator | None = None, device: torch.device | None = None) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=generator, device=rng_device(generator, device))

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def critic_iters(self, g_step: int) -> int:
        """Critic steps before generator step ``g_step``: n_critic, or the official code's burst of 100."""
        c = self.config
        if c.burst_iters and (g_step < c.burst_first or (c.burst_every and g_step % c.burst_every == 0)):
            return c.burst_iters
        return c.n_critic

    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        opt_d, opt_g = self.optimizers["D"], self.optimizers["G"]
        # Algorithm 1, line 2: n_critic critic iterations (main.py's bursts of 100 at times: critic_iters).
        for _ in range(self.critic_iters(self.g_steps)):
            # Lines 3-4: a fresh batch of real data and a batch of prior samples.
            real, _ = draw()
            fake = self.G(self.noise(len(real), device=self.device)).detach()
            # Line 5: the gradient of E f(x) - E f(g(z)), ascended by descending its negative (Eq. 3).
            real_scores, fake_scores = self.D(real), self.D(fake)
            d_loss = critic_loss(real_scores, fake_scores)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()  # line 6: RMSProp (Sec. 3: Adam made training unstable)
            clip_weights(self.D, self.config.clip)  # line 7: clip(w, -c, c), after every critic update
        # Line 9: a batch of prior samples; line 10: G's gradient of -E f(g(z)) through the clipped critic.
        g_loss = generator_loss(self.D(self.G(self.noise(self.config.batch_size, device=self.device))))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()  # line 11: RMSProp
        self.g_steps += 1
        return {
            "w_estimate": -d_loss.detach(),  # E f(x) - E f(G(z)) at the last critic step: the paper's curve
            "critic_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
        }

    def extra_state(self) -> dict:
        return {"g_steps": self.g_steps}

    def load_extra_state(self, state: dict) -> None:
        self.g_steps = int(state.get("g_steps", 0))
