"""Profiles: the one switch that sizes every experiment in the book.

``GANS_EDU_PROFILE`` is read here and nowhere else.

* ``smoke`` checks the mechanics in seconds (tests, CI);
* ``cpu`` gives recognisable results in a few minutes per chapter on 2 cores;
* ``gpu`` is sized for a Colab T4 and gives the best results.

Profiles change budgets, widths and data sizes, never the algorithm: a model
module asks :func:`pick` for a value per profile, e.g.
``steps = pick(smoke=20, cpu=3000, gpu=20000)``.
"""

from __future__ import annotations

import os
from typing import TypeVar

import torch

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "GANS_EDU_PROFILE"

T = TypeVar("T")


def check_profile(name: str) -> str:
    """Return ``name`` if it is a known profile, else raise a ``ValueError`` naming the valid ones."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}")
    return name


def active_profile() -> str:
    """The profile in force: ``$GANS_EDU_PROFILE``, else ``gpu`` with CUDA, else ``cpu``."""
    name = os.environ.get(ENV_VAR, "").strip().lower()
    if name:
        return check_profile(name)
    return "gpu" if torch.cuda.is_available() else "cpu"


def pick(*, smoke: T, cpu: T, gpu: T, profile: str | None = None) -> T:
    """Choose a value for ``profile`` (default: the active profile)."""
    profile = check_profile(profile) if profile else active_profile()
    return {"smoke": smoke, "cpu": cpu, "gpu": gpu}[profile]


def eval_n(profile: str | None = None) -> int:
    """Number of generated samples that metrics use in ``profile``."""
    return pick(smoke=500, cpu=2000, gpu=10000, profile=profile)
