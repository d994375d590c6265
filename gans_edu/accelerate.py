"""Faster steps on a GPU, without touching any model's algorithm: bf16 autocast, ``torch.compile``, channels-last.

:func:`gans_edu.train.fit` takes a :class:`Speed` (the command line: ``--amp bf16``, ``--compile``,
``--channels-last``); a model's ``train_step`` stays what its paper says. What each one does:

* ``amp="bf16"``: every training step runs under ``torch.autocast(dtype=torch.bfloat16)``: convolutions and matrix
  products in bfloat16, losses and reductions (softplus, mse, mean, ...) and the optimisers in float32. bfloat16 has
  float32's range, so no loss scaling is needed. WGAN-GP's gradient penalty differentiates D's gradient: under
  autocast that gradient-of-a-gradient is computed in bfloat16 too. ``tests/test_accelerate.py`` measures it against
  float32 on a critic after 30 smoke steps: the penalty, the mean gradient norm and the penalty's gradient for each
  critic weight all move by 0.2-0.3%, so the penalty stays under autocast (no float32 island).
* ``compile=True``: ``torch.compile`` of every network a step calls (the model's attributes that hold them are
  swapped for compiled versions while :func:`fit` runs, and swapped back after; ``model.nets``, the checkpoints
  and the optimisers keep the plain modules). A network whose graph a step differentiates twice stays uncompiled
  (:data:`EAGER`): WGAN-GP's and ProGAN's critic (the penalty's ``create_graph=True``: a compiled backward cannot
  be differentiated again) and the 2014 GAN's D (its simultaneous step runs two ``autograd.grad`` through one
  graph of D, ``retain_graph=True``, which a compiled backward's donated buffers refuse).
* ``channels_last=True``: the networks' 4-D weights and the image data in NHWC memory order, which the GPU's
  convolution kernels prefer (tensor cores); only for models with convolutions, a no-op for MLPs.

On a CUDA device :func:`fit` also sets ``torch.backends.cudnn.benchmark`` (the fastest convolution algorithm is
measured once per input shape: the shapes of a GAN's step never change, ProGAN's change once per phase).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

AMP_MODES = ("off", "bf16")

# Networks whose graph a training step differentiates twice (create_graph=True, or retain_graph=True and a second
# autograd.grad): torch.compile's AOTAutograd refuses both, so these stay in eager mode under --compile.
EAGER = {"wgan-gp": ("D",), "progan": ("D",), "gan": ("D",)}


@dataclass(frozen=True)
class Speed:
    """How :func:`gans_edu.train.fit` runs each step: ``amp`` ``"off"`` or ``"bf16"``, ``compile``, ``channels_last``."""

    amp: str = "off"
    compile: bool = False
    channels_last: bool = False

    def __post_init__(self) -> None:
        if self.amp not in AMP_MODES:
            raise ValueError(f"unknown amp {self.amp!r}; valid: {', '.join(AMP_MODES)}")

    def as_dict(self) -> dict[str, Any]:
        return {"amp": self.amp, "compile": self.compile, "channels_last": self.channels_last}


def autocast(device: torch.device, amp: str) -> contextlib.AbstractContextManager:
    """The context a training step runs in: bf16 autocast on ``device``'s type, or nothing."""
    if amp == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def is_convolutional(net: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.conv._ConvNd) or type(m).__name__.endswith("Conv2d") for m in net.modules())


def to_channels_last(model: Any) -> list[str]:
    """Every convolutional network of ``model`` in channels-last memory order; returns their names."""
    done = []
    for name, net in model.nets.items():
        if is_convolutional(net):
            net.to(memory_format=torch.channels_last)
            done.append(name)
    return done


def channels_last_data(x: torch.Tensor) -> torch.Tensor:
    """Images ``(N, C, H, W)`` in channels-last order (other tensors unchanged)."""
    return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


@contextlib.contextmanager
def swapped_nets(model: Any, wrap: Callable[[str, nn.Module], nn.Module | None]) -> Iterator[dict[str, nn.Module]]:
    """While the block runs, every attribute of ``model`` that holds one of its networks (``model.G``,
    ``model.D_a``, ...) holds ``wrap(name, net)`` instead (None: left as it is); restored afterwards.

    ``model.nets`` keeps the plain modules, so state dicts, optimisers and checkpoints never see the wrappers
    (a ``DistributedDataParallel`` or a compiled module would prefix every key)."""
    swapped: list[tuple[str, nn.Module]] = []
    wrapped: dict[str, nn.Module] = {}
    try:
        for name, net in model.nets.items():
            new = wrap(name, net)
            if new is None:
                continue
            wrapped[name] = new
            for attr, value in list(vars(model).items()):
                if value is net:
                    swapped.append((attr, net))
                    setattr(model, attr, new)
        yield wrapped
    finally:
        for attr, net in swapped:
            setattr(model, attr, net)


def net_wrapper(model: Any, compile: bool = False, parallel: Callable[[nn.Module], nn.Module] | None = None,
                **compile_kwargs: Any) -> Callable[[str, nn.Module], nn.Module | None]:
    """The ``wrap`` for :func:`swapped_nets`: ``parallel(net)`` (e.g. ``DistributedDataParallel``) if given, then
    ``torch.compile`` if asked, except for the networks in :data:`EAGER`. None: nothing to wrap."""
    skip = EAGER.get(model.name, ())

    def wrap(name: str, net: nn.Module) -> nn.Module | None:
        out = parallel(net) if parallel is not None else net
        if compile and name not in skip:
            out = torch.compile(out, **compile_kwargs)
        return None if out is net else out

    return wrap
