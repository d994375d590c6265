"""What the chapters call: the banner of their first code cell, the source shown beside an objective, the
one-line summary of an assert cell."""

from __future__ import annotations

import inspect
import os
import platform
from dataclasses import dataclass

import torch

from gans_edu import __version__, viz
from gans_edu.profiles import active_profile, eval_n, pick
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
    def eval_n(self) -> int:
        """How many samples a chapter's metrics use in this profile (:func:`gans_edu.profiles.eval_n`): the live
        run and its reference are scored on the same number, since the Frechet distance depends on it."""
        return eval_n(self.profile)

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
    viz.figure_style()
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


def show_source(*objs, skip_docstring: bool = True):
    """Show the source of functions, methods or classes as highlighted code, so a chapter can set the code that
    trains a model beside the paper's objective. ``skip_docstring`` drops a function's docstring: the chapter's
    prose already says what it does. Returns an :class:`IPython.display.Code` (a notebook renders it)."""
    from IPython.display import Code

    parts = []
    for obj in objs:
        target = getattr(obj, "__func__", obj)  # bound methods: the function
        try:
            source = inspect.getsource(target)
        except (TypeError, OSError) as err:
            raise TypeError(f"show_source needs a function, method or class defined in a file, not {obj!r}") from err
        source = inspect.cleandoc("\n" + source) if source.startswith((" ", "\t")) else source
        if skip_docstring and inspect.isfunction(target) and target.__doc__:
            source = _drop_docstring(source)
        module = getattr(target, "__module__", "")
        parts.append(f"# {module}.{target.__qualname__}\n{source.rstrip()}")
    return Code("\n\n".join(parts), language="python")


def _drop_docstring(source: str) -> str:
    """``source`` without the docstring that opens the function body (found by the parser, not by a regex)."""
    import ast

    fn = ast.parse(source).body[0]
    first = fn.body[0] if fn.body else None
    if not (isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
            and isinstance(first.value.value, str)):
        return source
    lines = source.splitlines()
    del lines[first.lineno - 1: first.end_lineno]
    return "\n".join(lines)


def checked(*claims: str) -> None:
    """Print the one line an assert cell leaves in the built book (its code is collapsed there):
    ``checked: claim; claim``. Call it after the asserts, so the line appears only when they passed."""
    if not claims:
        raise ValueError("checked() needs at least one claim to report")
    print("checked: " + "; ".join(claims))
