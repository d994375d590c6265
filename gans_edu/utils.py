"""Device choice and seeding: one helper each, used by every chapter."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def pick_device(name: str | torch.device | None = None) -> torch.device:
    """Return ``name`` as a device, or the best available: cuda, then mps, then cpu."""
    if isinstance(name, torch.device):
        name = str(name)
    valid = ("auto", "cpu", "cuda", "mps")
    if name and name != "auto":
        kind = name.split(":")[0]
        if kind not in valid:
            raise ValueError(f"unknown device {name!r}; valid devices: {', '.join(valid)}")
        if kind == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' asked for, but CUDA is not available here")
        if kind == "mps" and not torch.backends.mps.is_available():
            raise ValueError("device 'mps' asked for, but MPS is not available here")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
