"""The training loop every chapter uses. Read it top to bottom.

The model writes the paper's algorithm in its own ``train_step``; this loop
only feeds it batches and looks after everything around it:

* a ``tqdm`` progress bar with live losses,
* a loss history (one row every ``log_every`` steps, averaged over the window),
* sample snapshots from a fixed noise batch (for timelapses and sliders),
* a NaN/inf guard that names the step and the loss,
* checkpoints (``checkpoint.pt``; ``resume=True`` continues a run exactly),
* Ctrl-C (or a notebook's interrupt) stops after the current step and keeps
  what was learned,
* an optional wall-clock budget.

Losses stay on the device between logs, so no step waits for the GPU.
"""

from __future__ import annotations

import csv
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from gans_edu.data import Dataset
from gans_edu.models.base import GANModel

CHECKPOINT = "checkpoint.pt"
HISTORY = "history.csv"


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite."""


@dataclass
class TrainResult:
    """What :func:`fit` returns.

    Attributes:
        history: one dict per log row: ``step``, ``seconds`` and the mean of each loss over the window.
        snapshots: ``(step, snapshot)`` pairs; a snapshot is whatever ``snapshot_fn`` returned.
        steps: generator steps done in total (including earlier, resumed runs).
        seconds: training wall time in total.
        stopped: ``"done"``, ``"time budget"`` or ``"interrupted"``.
    """

    history: list[dict[str, float]] = field(default_factory=list)
    snapshots: list[tuple[int, Any]] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped: str = "done"

    def column(self, key: str) -> tuple[list[int], list[float]]:
        """``(steps, values)`` of one history column, for plotting."""
        rows = [r for r in self.history if key in r]
        return [int(r["step"]) for r in rows], [r[key] for r in rows]


class BatchSampler:
    """Random batches without replacement, epoch after epoch, with a state that can be saved."""

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        self.n, self.batch_size = n, min(batch_size, n)
        self.generator = torch.Generator().manual_seed(seed)
        self.perm = torch.randperm(n, generator=self.generator)
        self.pos = 0

    def next(self) -> torch.Tensor:
        if self.pos + self.batch_size > self.n:
            self.perm, self.pos = torch.randperm(self.n, generator=self.generator), 0
        idx = self.perm[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "perm": self.perm, "pos": self.pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.perm, self.pos = state["perm"], int(state["pos"])


def default_snapshot(model: GANModel, n: int = 64, seed: int = 1234) -> torch.Tensor:
    """Samples from the same noise every time (the fixed batch behind timelapses)."""
    labels = torch.arange(n) % 10 if model.takes_labels else None
    return model.sample(n, labels=labels, generator=torch.Generator().manual_seed(seed))


class _StopOnInterrupt:
    """Turn the first SIGINT into a request to stop after the current step; a second one aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def fit(
    model: GANModel,
    data: Dataset,
    *,
    steps: int | None,
    minutes: float | None = None,
    seed: int = 0,
    out_dir: str | Path | None = None,
    resume: bool = False,
    log_every: int = 50,
    snapshot_every: int | None = None,
    snapshot_fn: Callable[[GANModel], Any] | None = default_snapshot,
    checkpoint_every: int | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` for ``steps`` generator steps (or until ``minutes`` run out).

    Args:
        model: a :class:`GANModel` (its networks already on their device).
        data: the training set; its batches are moved to the model's device.
        steps: total generator steps, counting steps done before a resume (None: until ``minutes`` run out).
        minutes: optional wall-clock budget for this call.
        seed: seeds the batch order (the model's own noise uses the torch RNG, seeded by the caller).
        out_dir: where ``checkpoint.pt`` and ``history.csv`` go (None: keep nothing on disk).
        resume: continue from ``out_dir/checkpoint.pt`` if present.
        log_every: steps between history rows, NaN checks and progress-bar updates.
        snapshot_every: steps between snapshots (default: ``steps // 20``); 0 disables them.
        snapshot_fn: what to record at each snapshot (default: 64 samples from fixed noise).
        checkpoint_every: steps between checkpoints (default: ``steps // 5``); needs ``out_dir``.
        progress: show a progress bar.
        desc: progress-bar label (default: the model's name).
    """
    if steps is None and minutes is None:
        raise ValueError("give a budget: steps, minutes or both")
    if steps is not None and steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if minutes is not None and minutes <= 0:
        raise ValueError(f"minutes must be positive, got {minutes}")
    if resume and out_dir is None:
        raise ValueError("resume=True needs out_dir (where the checkpoint lives)")
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    if snapshot_every is None:
        snapshot_every = max(1, steps // 20) if steps is not None else 500
    if checkpoint_every is None:
        checkpoint_every = max(1, steps // 5) if steps is not None else 1000
    limit = steps if steps is not None else float("inf")
    log_every = max(1, log_every)

    x_all = data.x.to(model.device)
    y_all = data.y.to(model.device) if data.y is not None else None
    sampler = BatchSampler(len(data), model.config.batch_size, seed)

    def draw() -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = sampler.next().to(model.device)
        return x_all[idx], (None if y_all is None else y_all[idx])

    result = TrainResult()
    if resume and out is not None and (out / CHECKPOINT).is_file():
        _load_checkpoint(out / CHECKPOINT, model, sampler, result)
    model.plan(steps)

    window: list[dict[str, torch.Tensor]] = []
    start_step, start_seconds = result.steps, result.seconds
    t0 = time.perf_counter()
    if snapshot_fn is not None and snapshot_every and not result.snapshots:
        result.snapshots.append((0, snapshot_fn(model)))

    def save() -> None:
        if out is not None:
            result.seconds = start_seconds + (time.perf_counter() - t0)
            _save_checkpoint(out / CHECKPOINT, model, sampler, result)
            write_history(result.history, out / HISTORY)

    bar = tqdm(total=steps, initial=start_step, desc=desc or model.name, disable=not progress, dynamic_ncols=True)
    step = start_step
    with _StopOnInterrupt() as interrupt:
        while step < limit:
            window.append(model.train_step(draw))
            step += 1
            result.steps = step
            if step % log_every == 0 or step == limit or interrupt.requested:
                row = _flush(window, step, start_seconds + time.perf_counter() - t0)
                result.history.append(row)
                bar.set_postfix({k: f"{v:.3g}" for k, v in row.items() if k not in ("step", "seconds")})
            bar.update(1)
            if snapshot_fn is not None and snapshot_every and step % snapshot_every == 0:
                result.snapshots.append((step, snapshot_fn(model)))
            if interrupt.requested:
                result.stopped = "interrupted"
                break
            if minutes is not None and time.perf_counter() - t0 > 60 * minutes:
                result.stopped = "time budget"
                break
            if step % checkpoint_every == 0 and step < limit:
                save()
    if window:  # rows not yet logged (stopped between logs)
        result.history.append(_flush(window, step, start_seconds + time.perf_counter() - t0))
    bar.close()
    if snapshot_fn is not None and snapshot_every and result.snapshots[-1][0] != step:
        result.snapshots.append((step, snapshot_fn(model)))
    result.seconds = start_seconds + (time.perf_counter() - t0)
    save()
    if result.stopped != "done":
        print(f"stopped ({result.stopped}) after {step} steps; progress kept" + (f" in {out}" if out else ""))
    return result


def _flush(window: list[dict[str, torch.Tensor]], step: int, seconds: float) -> dict[str, float]:
    """Average the window's losses into one history row, after checking every step for NaN/inf."""
    keys = list(window[0])
    values = torch.stack([torch.stack([w[k].detach().float() for k in keys]) for w in window]).cpu()  # (W, K)
    bad = ~torch.isfinite(values)
    if bad.any():
        i, j = (int(v) for v in bad.nonzero()[0])
        bad_step = step - len(window) + 1 + i
        window.clear()
        raise NonFiniteLossError(
            f"loss {keys[j]!r} became {values[i, j].item()} at step {bad_step}; "
            "training stopped (try a lower learning rate, or resume from the last checkpoint)"
        )
    row = {"step": float(step), "seconds": round(seconds, 3)}
    row.update({k: float(v) for k, v in zip(keys, values.mean(0))})
    window.clear()
    return row


def _save_checkpoint(path: Path, model: GANModel, sampler: BatchSampler, result: TrainResult) -> None:
    state = {
        "model": model.state_dict(),
        "sampler": sampler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
        "steps": result.steps,
        "seconds": result.seconds,
        "history": result.history,
        "snapshots": result.snapshots,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # atomic: a crash mid-save never leaves a broken checkpoint


def _load_checkpoint(path: Path, model: GANModel, sampler: BatchSampler, result: TrainResult) -> None:
    state = torch.load(path, map_location=model.device, weights_only=True)
    model.load_state_dict(state["model"])
    sampler.load_state_dict({k: (v.cpu() if torch.is_tensor(v) else v) for k, v in state["sampler"].items()})
    torch.set_rng_state(state["rng"]["torch"].cpu())
    if state["rng"]["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    result.steps, result.seconds = int(state["steps"]), float(state["seconds"])
    result.history = list(state["history"])
    result.snapshots = [(int(s), _to_cpu(v)) for s, v in state["snapshots"]]


def load_model_state(path: str | Path, model: GANModel) -> int:
    """Load only the model from a checkpoint; return the step it was saved at.

    An exported reference (``"reference"`` in the checkpoint) holds only the networks that sample: the
    others keep their initialisation."""
    state = torch.load(path, map_location=model.device, weights_only=True)
    model.load_state_dict(state["model"], strict="reference" not in state)
    return int(state["steps"])


def _to_cpu(v: Any) -> Any:
    if torch.is_tensor(v):
        return v.cpu()
    if isinstance(v, dict):
        return {k: _to_cpu(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_to_cpu(x) for x in v)
    return v


def write_history(history: list[dict[str, float]], path: str | Path) -> None:
    """Write the loss history as CSV (one row per log)."""
    keys: list[str] = []
    for row in history:
        keys += [k for k in row if k not in keys]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(history)


def read_history(path: str | Path) -> list[dict[str, float]]:
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def finite(values: list[float]) -> bool:
    return all(math.isfinite(v) for v in values)
