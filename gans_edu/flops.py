"""Counting the floating-point operations of a piece of work (chapter 9 compares schedules at equal compute).

``torch.utils.flop_counter.FlopCounterMode`` tracks modules with backward hooks, and those fail inside
``torch.autograd.grad`` (the gradient penalty of WGAN-GP and ProGAN: "A leaf node was passed to
_will_engine_execute_node"). The counter here uses the same per-operator formulas (``flop_registry``:
matrix products and convolutions, forward and backward) without the module tracking.
"""

from __future__ import annotations

from collections.abc import Callable

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry


class _CountFlops(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def count_flops(work: Callable[[], object]) -> int:
    """FLOPs of calling ``work()`` (products and convolutions; element-wise operations are not counted)."""
    with _CountFlops() as counter:
        work()
    return int(counter.total)
