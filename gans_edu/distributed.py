"""Data-parallel training with PyTorch's DistributedDataParallel, started by ``torchrun``.

``torchrun --nproc_per_node N -m gans_edu train MODEL ...`` starts N processes (ranks); each one runs the same
command. :func:`setup` joins them into a process group (NCCL between GPUs, gloo on the CPU) and
:func:`gans_edu.train.fit` then trains them as one run:

* every rank builds the same model from the same seed; DDP copies rank 0's weights to the others and, in every
  backward pass, averages the gradients across ranks, so the weights stay identical;
* a step's **global batch** is ``batch_size x N`` (``batch_size`` in the config is per rank, PyTorch's
  convention): one batch sampler, seeded alike on every rank, draws the global batch's indices and each rank keeps
  its own shard (:func:`shard`);
* the training noise is drawn the same way (:func:`shard_noise`): every rank draws the global batch's noise from
  the same random stream and keeps its own slice. So the ranks see exactly the data and noise one process would see
  with the global batch; what differs is batch norm, whose statistics each rank takes over its own shard (DDP's
  default; SyncBatchNorm would need GPUs, and ``tests/test_distributed.py`` measures the difference);
* the logged losses are averaged over the ranks (:func:`all_mean`), so every rank reaches the same decision on a
  NaN; a time budget or Ctrl-C stops all ranks at the same log step (:func:`agree`);
* rank 0 alone writes the run directory (``config.json`` records ``world_size``), the checkpoints and the history.

Models: those whose training step only calls its networks and ``backward()`` (DDP averages gradients in
``backward``; it never sees ``torch.autograd.grad``), listed in :data:`SUPPORTED`. The 2014 GAN's simultaneous
step takes its gradients with ``torch.autograd.grad`` and is refused (its ``update="alternating"`` works).
Random numbers other than the noise (WGAN-GP's eps, CGAN's labels for G, dropout) come from the stream the ranks
share, so every rank draws the same ones for its own shard: valid, though not the numbers one process would draw.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

# Checked with two gloo ranks on the CPU (tests/test_distributed.py: dcgan against one process; the others ran
# 6-12 smoke steps each through torchrun, by hand): model -> DDP's find_unused_parameters (True where a step
# leaves some weights out: ProGAN's blocks of other resolutions). Left out: CycleGAN (its second domain's batches
# come from a sampler of its own, which would give every rank the same printed digits) and improved-gan's
# semi-supervised mode (it copies D's state dict into its averaged classifier, which DDP's prefixes break).
SUPPORTED: dict[str, bool] = {"gan": False, "dcgan": False, "improved-gan": False, "cgan": False, "infogan": False,
                              "wgan": False, "wgan-gp": False, "began": False, "progan": True}


@dataclass(frozen=True)
class Context:
    """This process's place in the run: ``rank`` of ``world_size``, its ``device``."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


_CONTEXT: Context | None = None


def launched() -> bool:
    """Started by torchrun (or another launcher that sets ``WORLD_SIZE``) with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: torch.device) -> Context | None:
    """Join the process group if this process was launched as one of several (None otherwise).

    ``device``: what ``--device`` picked; on CUDA each rank takes GPU ``LOCAL_RANK`` and the backend is NCCL,
    elsewhere gloo on the CPU.
    """
    global _CONTEXT
    if not launched():
        return None
    if _CONTEXT is not None:
        return _CONTEXT
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    _CONTEXT = Context(dist.get_rank(), dist.get_world_size(), local_rank, device)
    return _CONTEXT


def current() -> Context | None:
    """The context :func:`setup` made, or None (one process)."""
    return _CONTEXT


def teardown() -> None:
    global _CONTEXT
    if dist.is_initialized():
        dist.destroy_process_group()
    _CONTEXT = None


def check_model(model: Any) -> None:
    """``ValueError`` for a model that DDP cannot train correctly (see :data:`SUPPORTED`)."""
    if model.name not in SUPPORTED:
        raise ValueError(f"data-parallel training is not available for {model.name!r} (checked: "
                         f"{', '.join(SUPPORTED)}); run it as one process")
    if getattr(model.config, "semi_supervised", False):
        raise ValueError("data-parallel training is not available for improved-gan's semi-supervised mode; "
                         "run it as one process")
    if model.name == "gan" and getattr(model.config, "update", "") == "simultaneous":
        raise ValueError("gan's simultaneous step takes its gradients with torch.autograd.grad, which DDP never "
                         "averages; train it as one process, or with --set update=alternating")


def parallel(model: Any, ctx: Context) -> Any:
    """A function wrapping one network in ``DistributedDataParallel`` for this rank (for
    :func:`gans_edu.accelerate.net_wrapper`). Buffers are not broadcast: each rank keeps its own batch-norm
    running statistics (rank 0's are saved), which also avoids DDP's in-place buffer copies between a GAN's
    several forward passes of one step."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    find_unused = SUPPORTED.get(model.name, False)
    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    # torch >= 2.12 renames broadcast_buffers (deprecated there) to forward_sync_buffers
    no_sync = ({"forward_sync_buffers": False} if "forward_sync_buffers" in inspect.signature(DDP).parameters
               else {"broadcast_buffers": False})

    class Parallel(DDP):
        """DDP that also answers for the network's own attributes (ProGAN's ``G.resolutions``); only calls go
        through DDP's forward, which is what its gradient averaging needs."""

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self.module, name)

    def wrap(net: nn.Module) -> nn.Module:
        if not any(p.requires_grad for p in net.parameters()):
            return net
        return Parallel(net, device_ids=ids, find_unused_parameters=find_unused, **no_sync)

    return wrap


def shard(idx: torch.Tensor, ctx: Context) -> torch.Tensor:
    """This rank's part of the global batch's indices (equal parts; the global batch is ``batch_size x N``)."""
    per = len(idx) // ctx.world_size
    return idx[ctx.rank * per : (ctx.rank + 1) * per]


class shard_noise:
    """While the block runs, ``model.noise(n)`` (the training noise: no generator given) draws the noise of the
    whole global batch, ``n x N`` rows, from the random stream every rank shares, and returns this rank's ``n``
    rows, so the ranks together use exactly the numbers one process would draw for the global batch."""

    def __init__(self, model: Any, ctx: Context) -> None:
        self.model, self.ctx = model, ctx

    def __enter__(self) -> None:
        model, ctx = self.model, self.ctx
        plain = model.noise

        def noise(n: int, generator: torch.Generator | None = None, **kwargs: Any) -> torch.Tensor:
            if generator is not None:
                return plain(n, generator, **kwargs)
            return plain(n * ctx.world_size, **kwargs)[ctx.rank * n : (ctx.rank + 1) * n]

        model.noise = noise

    def __exit__(self, *exc: Any) -> None:
        del self.model.noise  # the class's method again


def all_mean(x: torch.Tensor) -> torch.Tensor:
    """``x`` averaged over the ranks (in place), e.g. a window of losses."""
    ctx = current()
    if ctx is not None:
        dist.all_reduce(x, op=dist.ReduceOp.SUM)
        x /= ctx.world_size
    return x


def agree(code: int) -> int:
    """The largest of every rank's ``code`` (0: go on; higher: a reason to stop), so all ranks stop together."""
    ctx = current()
    if ctx is None:
        return code
    t = torch.tensor([code], device=ctx.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def barrier() -> None:
    if current() is not None:
        dist.barrier()
