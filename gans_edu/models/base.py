"""What every model offers the training loop, the command line and the notebooks.

Deliberately thin: a model owns its networks and optimisers and writes its own
``train_step`` (the paper's algorithm, in its own module). This base only
gathers what is truly shared: noise, sampling in eval mode, and saving state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import torch
from torch import nn

Batch = tuple[torch.Tensor, torch.Tensor | None]
Draw = Callable[[], Batch]


class GANModel:
    """Base for the book's models.

    Subclasses set ``self.nets`` (name -> module) and ``self.optimizers``
    (name -> optimiser) and implement :meth:`train_step` and :meth:`generate`.

    Attributes:
        name: registry name (``"gan"``, ``"dcgan"``, ...).
        conditional: trained on the data's labels; :meth:`sample` takes the classes to draw.
        categorical_code: :meth:`sample` takes the value of an unsupervised categorical code (InfoGAN):
            one integer per sample, like a label, but its meaning was learned without labels.
        config: the model's config dataclass.
        sample_shape: shape of one data sample, e.g. ``(1, 28, 28)`` or ``(2,)``.
    """

    name = "base"
    conditional = False
    categorical_code = False

    @property
    def takes_labels(self) -> bool:
        """Whether :meth:`sample` and :meth:`generate` take one integer per sample (a class or a code)."""
        return self.conditional or self.categorical_code

    def __init__(self, config: Any, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> None:
        self.config = config
        self.sample_shape = tuple(sample_shape)
        self.device = torch.device(device)
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}

    # ------------------------------------------------------------------ training
    def train_step(self, draw: Draw) -> dict[str, torch.Tensor]:
        """One generator step (with its discriminator steps); ``draw()`` gives a fresh real batch.

        Returns detached scalar tensors; the loop turns them into floats every few
        steps, so no step waits on the device.
        """
        raise NotImplementedError

    def plan(self, steps: int | None) -> None:
        """Told by the training loop, before the first step, how many steps the run has in total
        (None: a time budget). Most models ignore it; a schedule that ends with the run (CycleGAN's
        linear learning-rate decay, WGAN-GP's on the toys) needs it: see :func:`lr_factor`."""

    # ------------------------------------------------------------------ sampling
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Latent noise for ``n`` samples (drawn on the CPU so a CPU generator can seed it)."""
        raise NotImplementedError

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Run the generator on ``z`` (already on the device)."""
        raise NotImplementedError

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        batch_size: int = 1000,
    ) -> torch.Tensor:
        """Draw ``n`` samples in eval mode, returned on the CPU."""
        if labels is not None and not self.takes_labels:
            raise ValueError(f"model {self.name!r} is not conditional: it takes no labels")
        z = self.noise(n, generator)
        out = []
        with self.eval_mode():
            for i in range(0, n, batch_size):
                lab = None if labels is None else labels[i : i + batch_size].to(self.device)
                out.append(self.generate(z[i : i + batch_size].to(self.device), lab).float().cpu())
        return torch.cat(out)

    def eval_mode(self) -> _EvalMode:
        """Context manager: all networks in eval mode, restored afterwards."""
        return _EvalMode(self.nets.values())

    # ------------------------------------------------------------------ evaluation
    # ``gans-edu evaluate`` and the reference cards (gans_edu.cli.evaluation_report) ask the model, never name it:
    # the report is sample_metrics() plus extra_metrics(), printed as describe_metrics() says. A model with
    # something of its own to measure (InfoGAN's code, the semi-supervised classifier, CycleGAN's translations)
    # overrides these.
    def evaluation_size(self, profile: str | None = None) -> int | None:
        """How many samples the evaluation measures when not told (``--n``): the profile's
        :func:`~gans_edu.profiles.eval_n`; None means every test example."""
        from gans_edu.profiles import eval_n

        return eval_n(profile)

    def sample_metrics(self, dataset: str, n: int, seed: int) -> dict[str, Any]:
        """The image (or 2-D toy) metrics of ``n`` samples drawn with seed ``seed + 1``, beside the real-data
        baselines (:func:`gans_edu.metrics.evaluate`); a conditional model draws the classes in turn."""
        from gans_edu.metrics import evaluate

        labels = (torch.arange(n) % 10) if self.conditional else None
        samples = self.sample(n, labels=labels, generator=torch.Generator().manual_seed(seed + 1))
        nan, inf = int(torch.isnan(samples).sum()), int(torch.isinf(samples).sum())
        if nan or inf:
            raise ValueError(f"the model's {n} samples holds {nan} NaN and {inf} infinite values "
                             f"(of {samples.numel()}); refusing to use them")
        return evaluate(samples, dataset, labels=labels)

    def extra_metrics(self, dataset: str, n: int | None, seed: int) -> dict[str, Any]:
        """Entries of the evaluation report that only this model has, added after :meth:`sample_metrics`
        (default: none). ``n`` and ``seed`` as there."""
        return {}

    def describe_metrics(self, report: dict[str, Any]) -> list[Any]:
        """What ``gans-edu evaluate`` prints of ``report``, in order: lines of text, or tables (pandas DataFrames,
        printed aligned). Default: the sample metrics' table with its baselines."""
        from gans_edu.metrics import metrics_table

        return [metrics_table(report)]

    def metrics_note(self, n: int | None) -> str:
        """What ``gans-edu evaluate`` says, after the path of metrics.json, about how the report was measured."""
        return f"n = {n}; image metrics use the book's MNIST classifier, not an Inception network"

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {k: m.state_dict() for k, m in self.nets.items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Load a :meth:`state_dict`. ``strict=False`` accepts a partial state (a shipped reference keeps only the
        networks that sample, no optimiser): networks and optimisers it lacks keep their current state."""
        for k, m in self.nets.items():
            if strict or k in state["nets"]:
                m.load_state_dict(state["nets"][k])  # fp16 tensors are cast to the network's dtype on copy
        for k, o in self.optimizers.items():
            if strict or k in state.get("optimizers", {}):
                o.load_state_dict(state["optimizers"][k])
        self.load_extra_state(state.get("extra", {}))

    def extra_state(self) -> dict[str, Any]:
        """Training state that is neither weights nor optimiser (e.g. BEGAN's k_t)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def config_dict(self) -> dict[str, Any]:
        return asdict(self.config)

    def num_parameters(self) -> dict[str, int]:
        return {k: sum(p.numel() for p in m.parameters()) for k, m in self.nets.items()}


class _EvalMode:
    def __init__(self, modules: Any) -> None:
        self.modules = list(modules)

    def __enter__(self) -> None:
        self.was_training = [m.training for m in self.modules]
        for m in self.modules:
            m.eval()

    def __exit__(self, *exc: Any) -> None:
        for m, t in zip(self.modules, self.was_training):
            m.train(t)


# --------------------------------------------------------------------------- learning-rate schedules

def lr_factor(step: int, total: int | None, decay_start: float = 0.5) -> float:
    """The learning-rate multiplier for step ``step`` (0-based) of ``total``: 1, then linear to 0 at ``total``.

    Constant for the first ``decay_start`` of training, then ``(total - step) / (total - start)``, which is
    exactly 0 once ``total`` steps are done. ``total=None`` (a time budget) keeps it constant.
    """
    if total is None or total <= 0:
        return 1.0
    start = round(decay_start * total)
    if step <= start:
        return 1.0
    return max(0.0, (total - step) / (total - start))


def set_learning_rate(optimizers: dict[str, torch.optim.Optimizer], lr: float) -> None:
    """Set every parameter group of every optimizer to ``lr`` (for schedules kept by a model)."""
    for opt in optimizers.values():
        for group in opt.param_groups:
            group["lr"] = lr


@torch.no_grad()
def average_weights(avg: nn.Module, net: nn.Module, rate: float) -> None:
    """One step of a running average of weights: ``avg <- avg + rate * (net - avg)`` for every parameter
    (ProGAN's EMA generator, the semi-supervised D's averaged classifier). Buffers are left to the caller."""
    torch._foreach_lerp_(list(avg.parameters()), list(net.parameters()), rate)  # all tensors in one call
