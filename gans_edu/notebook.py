"""What every chapter's first code cell calls: say which profile and device make the outputs."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch

from gans_edu import __version__
from gans_edu.profiles import active_profile, pick
from gans_edu.utils import pick_device, seed_everything


@dataclass
class Setup:
    """The settings a chapter runs under."""

    profile: str
    device: torch.device
    seed: int

    def pick(self, *, smoke, cpu, gpu):
        """A value per profile (see :func:`gans_edu.profiles.pick`)."""
        return pick(smoke=smoke, cpu=cpu, gpu=gpu, profile=self.profile)

    @property
    def quality_checks(self) -> bool:
        """Whether the chapter's quality claims are asserted (not in the smoke profile)."""
        return self.profile != "smoke"

    def reference(self, name: str):
        """Load the chapter's reference run (trained once for longer, shipped with the package) onto this
        chapter's device, and say how it was made. Returns a :class:`gans_edu.references.Reference`."""
        from gans_edu import references

        ref = references.load(name, self.device)
        c = ref.card
        minutes = (c.get("train_seconds") or 0) / 60
        print(f"reference {name!r}: {c['steps']:,} generator steps, seed {c['seed']}, {minutes:.0f} min on "
              f"{c['device_name']} (torch {c['torch']}); made by `{c['command']}`")
        if c.get("selection"):
            s = c["selection"]
            print(f"kept seed {s['chosen']} of seeds {s['seeds']} by a label-free rule: {s['description']}")
        return ref


SEED_VAR = "GANS_EDU_SEED"


def setup(chapter: str, seed: int | None = None, device: str | None = None) -> Setup:
    """Seed everything, pick the device, set plot defaults and print the banner that heads each chapter.

    ``seed`` defaults to ``$GANS_EDU_SEED`` or 0: rerunning a chapter with another seed checks that what its
    prose claims does not hang on one lucky run."""
    if seed is None:
        value = os.environ.get(SEED_VAR, "0").strip() or "0"
        try:
            seed = int(value)
        except ValueError:
            raise ValueError(f"${SEED_VAR} must be an integer seed, got {value!r}") from None
    seed_everything(seed)
    s = Setup(active_profile(), pick_device(device), seed)
    plt.rcParams.update({"figure.dpi": 90, "axes.spines.top": False, "axes.spines.right": False})
    print(
        f"{chapter}\nprofile: {s.profile} | seed: {s.seed} | device: {s.device} | gans-edu {__version__} | "
        f"torch {torch.__version__} | {torch.get_num_threads()} CPU threads | Python {platform.python_version()}"
    )
    if s.profile == "smoke":
        print("smoke profile: a mechanics check with tiny budgets; pictures and numbers are not meaningful.")
    return s


def budget(steps: int, minutes: float | None = None, **extra) -> None:
    """Print the training budget a cell is about to use."""
    parts = [f"{steps} generator steps"] + ([f"at most {minutes:g} min"] if minutes else [])
    parts += [f"{k} {v}" for k, v in extra.items()]
    print("budget: " + ", ".join(parts))
