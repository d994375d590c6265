"""The training loop every chapter uses. Read it top to bottom.

The model writes the paper's algorithm in its own ``train_step``; this loop
only feeds it batches and looks after everything around it:

* a ``tqdm`` progress bar with live losses,
* a loss history (one row every ``log_every`` steps, averaged over the window),
* sample snapshots from a fixed noise batch (for timelapses and sliders),
* a NaN/inf guard that names the step and the loss,
* checkpoints (``checkpoint.pt``; ``resume=True`` continues a run exactly), written atomically and
  stamped with the model's name, its config and a digest of their contents, so a damaged or foreign
  checkpoint is refused with one line instead of loading,
* Ctrl-C (or a notebook's interrupt) stops after the current step and keeps
  what was learned,
* an optional wall-clock budget (its progress bar shows the time left),
* optional speed-ups that leave the algorithm alone (:class:`~gans_edu.accelerate.Speed`: bf16 autocast,
  ``torch.compile``, channels-last) and, under ``torchrun``, data-parallel training (:mod:`gans_edu.distributed`).

Losses stay on the device between logs, and the data, its batch indices and the models' random numbers live on the
device too, so no step waits for the GPU or copies anything to it (``tests/test_device.py`` counts the copies).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
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

from gans_edu import __version__, distributed
from gans_edu.accelerate import Speed, autocast, channels_last_data, net_wrapper, swapped_nets, to_channels_last
from gans_edu.data import Dataset
from gans_edu.models.base import Draw, GANModel
from gans_edu.utils import atomic_file

CHECKPOINT = "checkpoint.pt"
HISTORY = "history.csv"
FORMAT = "gans-edu-checkpoint/2"  # checkpoints before it carry no identity and no digest; they still load


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite.

    Attributes:
        step, loss, value: where it happened.
        checkpoint_step: the step of the last checkpoint kept on disk (None: none was saved), set by :func:`fit`.
    """

    def __init__(self, message: str, step: int = 0, loss: str = "", value: float = float("nan")) -> None:
        super().__init__(message)
        self.step, self.loss, self.value = step, loss, value
        self.checkpoint_step: int | None = None


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: damaged, truncated, not a checkpoint, or another model's."""


@dataclass
class TrainResult:
    """What :func:`fit` returns.

    Attributes:
        history: one dict per log row: ``step`` (an int), ``seconds`` and the mean of each loss over the window.
        snapshots: ``(step, snapshot)`` pairs; a snapshot is whatever ``snapshot_fn`` returned.
        steps: generator steps done in total (including earlier, resumed runs).
        seconds: training wall time in total.
        stopped: ``"done"``, ``"time budget"`` or ``"interrupted"``.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[tuple[int, Any]] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped: str = "done"

    def column(self, key: str) -> tuple[list[int], list[float]]:
        """``(steps, values)`` of one history column, for plotting."""
        rows = [r for r in self.history if key in r]
        return [int(r["step"]) for r in rows], [r[key] for r in rows]


class BatchSampler:
    """Random batches without replacement, epoch after epoch, with a state that can be saved.

    The permutation is drawn on the CPU (a CPU generator: the same order on every device, and a state that saves
    anywhere) and copied to ``device`` once per epoch; :meth:`next` slices that copy, so a step copies nothing.
    """

    def __init__(self, n: int, batch_size: int, seed: int, device: torch.device | str = "cpu") -> None:
        self.n, self.batch_size = n, min(batch_size, n)
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)
        self.perm = torch.randperm(n, generator=self.generator)
        self.pos = 0
        self._perm_on_device: torch.Tensor | None = None

    def next(self) -> torch.Tensor:
        """The next batch's indices, on ``device``."""
        if self.pos + self.batch_size > self.n:
            self.perm, self.pos = torch.randperm(self.n, generator=self.generator), 0
            self._perm_on_device = None
        if self._perm_on_device is None:  # once per epoch
            perm = self.perm.pin_memory() if self.device.type == "cuda" else self.perm
            self._perm_on_device = perm.to(self.device, non_blocking=True)
        idx = self._perm_on_device[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "perm": self.perm, "pos": self.pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.perm, self.pos = state["perm"], int(state["pos"])
        self._perm_on_device = None


def batches(x_all: torch.Tensor, y_all: torch.Tensor | None, sampler: BatchSampler,
            ctx: distributed.Context | None = None) -> Draw:
    """``draw()`` for a model's ``train_step``: the sampler's next batch of ``x_all`` (and ``y_all``), indexed where
    they are (the device), so nothing is copied; under torchrun, this rank's shard of the global batch."""

    def draw() -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = sampler.next()
        if ctx is not None:
            idx = distributed.shard(idx, ctx)
        return x_all[idx], (None if y_all is None else y_all[idx])

    return draw


def default_snapshot(model: GANModel, n: int = 64, seed: int = 1234) -> torch.Tensor:
    """Samples from the same noise every time (the fixed batch behind timelapses)."""
    config = getattr(model, "config", None)  # classes (cGAN) or categories of the code (InfoGAN: cat_dim may be 5)
    k = getattr(config, "cat_dim", None) or getattr(config, "num_classes", None) or 10
    labels = torch.arange(n) % k if model.takes_labels else None
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
    on_resume: Callable[[GANModel, int], None] | None = None,
    speed: Speed | None = None,
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
        progress: show a progress bar (steps done; with ``minutes`` alone, the time used and left).
        desc: progress-bar label (default: the model's name).
        on_resume: called as ``on_resume(model, step)`` once the checkpoint is restored (the command line uses it
            to apply ``--set`` overrides to the optimisers of a resumed run).
        speed: bf16 autocast, ``torch.compile``, channels-last (:class:`~gans_edu.accelerate.Speed`; default: none).

    Under torchrun (:func:`gans_edu.distributed.setup` was called), every rank calls ``fit`` alike: the model's
    networks are wrapped in DistributedDataParallel for the run, each rank trains on its shard of a global batch of
    ``batch_size x world_size``, and only rank 0 writes to ``out_dir``.

    Raises:
        NonFiniteLossError: a loss became NaN or infinite (the last checkpoint on disk is left as it was).
        CheckpointError: ``resume=True`` and the checkpoint is damaged or belongs to another model.
    """
    if steps is None and minutes is None:
        raise ValueError("give a budget: steps, minutes or both")
    if steps is not None and steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if minutes is not None and not (minutes > 0 and math.isfinite(minutes)):
        raise ValueError(f"minutes must be positive and finite, got {minutes}")
    if resume and out_dir is None:
        raise ValueError("resume=True needs out_dir (where the checkpoint lives)")
    ctx = distributed.current()
    main = ctx is None or ctx.main  # the process that writes
    if ctx is not None:
        distributed.check_model(model)
    speed = speed or Speed()
    out = Path(out_dir) if out_dir is not None else None
    if out is not None and main:
        out.mkdir(parents=True, exist_ok=True)
    if snapshot_every is None:
        snapshot_every = max(1, steps // 20) if steps is not None else 500
    if checkpoint_every is None:
        checkpoint_every = max(1, steps // 5) if steps is not None else 1000
    limit = steps if steps is not None else float("inf")
    log_every = max(1, log_every)

    if model.device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # a step's shapes never change: measure the fastest kernels once
    if speed.channels_last:
        to_channels_last(model)
    x_all = data.x.to(model.device)  # the whole training set on the device, once
    x_all = channels_last_data(x_all) if speed.channels_last else x_all
    y_all = data.y.to(model.device) if data.y is not None else None
    world = ctx.world_size if ctx is not None else 1
    sampler = BatchSampler(len(data), model.config.batch_size * world, seed, device=model.device)
    draw = batches(x_all, y_all, sampler, ctx)

    result = TrainResult()
    saved_step: int | None = None  # the step of the checkpoint on disk
    if resume and out is not None and (out / CHECKPOINT).is_file():
        state = read_checkpoint(out / CHECKPOINT, training=True)
        check_identity(state, model.name, where=str(out / CHECKPOINT))
        _restore(state, model, sampler, result, where=str(out / CHECKPOINT))
        saved_step = result.steps
        if on_resume is not None:
            on_resume(model, result.steps)
    model.plan(steps)

    window: list[dict[str, torch.Tensor]] = []
    start_step, start_seconds = result.steps, result.seconds
    t0 = time.perf_counter()

    def save() -> None:
        nonlocal saved_step
        if out is not None and main:
            result.seconds = start_seconds + (time.perf_counter() - t0)
            _save_checkpoint(out / CHECKPOINT, model, sampler, result)
            write_history(result.history, out / HISTORY)
            saved_step = result.steps

    def train_step() -> dict[str, torch.Tensor]:
        with autocast(model.device, speed.amp):
            return model.train_step(draw)

    # For the run only: the networks a step calls wrapped in DDP (torchrun) and compiled (speed.compile);
    # the training noise sharded across ranks. model.nets, the checkpoints and the optimisers never see it.
    wrappers = contextlib.ExitStack()
    wrappers.enter_context(swapped_nets(model, net_wrapper(
        model, speed.compile, distributed.parallel(model, ctx) if ctx is not None else None)))
    if ctx is not None:
        wrappers.enter_context(distributed.shard_noise(model, ctx))
    with wrappers:
        if snapshot_fn is not None and snapshot_every and not result.snapshots:
            result.snapshots.append((0, snapshot_fn(model)))
        timed = steps is None and minutes is not None  # the clock is the budget: the bar shows time, not steps
        bar = _progress_bar(steps, start_step, minutes if timed else None, desc or model.name, progress and main)
        step = start_step
        try:
            with _StopOnInterrupt() as interrupt:
                while step < limit:
                    window.append(train_step())
                    step += 1
                    result.steps = step
                    log_step = step % log_every == 0 or step == limit
                    if log_step or (ctx is None and interrupt.requested):
                        row = _flush(window, step, start_seconds + time.perf_counter() - t0)
                        result.history.append(row)
                        postfix = {"step": step} if timed else {}
                        postfix.update({k: f"{v:.3g}" for k, v in row.items() if k not in ("step", "seconds")})
                        bar.set_postfix(postfix, refresh=False)
                    if timed:
                        bar.update(min(bar.total, time.perf_counter() - t0) - bar.n)
                    else:
                        bar.update(1)
                    if snapshot_fn is not None and snapshot_every and step % snapshot_every == 0:
                        result.snapshots.append((step, snapshot_fn(model)))
                    stop = _stop_reason(interrupt.requested, minutes, t0, log_step, ctx)
                    if stop is not None:
                        result.stopped = stop
                        break
                    if step % checkpoint_every == 0 and step < limit:
                        _check_window(window, step)  # never save weights a NaN has already reached
                        save()
            if window:  # rows not yet logged (stopped between logs)
                result.history.append(_flush(window, step, start_seconds + time.perf_counter() - t0))
        except NonFiniteLossError as err:
            err.checkpoint_step = saved_step
            raise
        finally:  # the bar's line ends before anything else is printed, an error included
            if timed:
                bar.update(min(bar.total, time.perf_counter() - t0) - bar.n)
            bar.close()
        if snapshot_fn is not None and snapshot_every and result.snapshots[-1][0] != step:
            result.snapshots.append((step, snapshot_fn(model)))
    result.seconds = start_seconds + (time.perf_counter() - t0)
    save()
    if result.stopped != "done" and main:
        print(f"stopped ({result.stopped}) after {step} steps; progress kept" + (f" in {out}" if out else ""))
    return result


def _stop_reason(interrupted: bool, minutes: float | None, t0: float, log_step: bool,
                 ctx: distributed.Context | None) -> str | None:
    """Why to stop after this step: ``"interrupted"`` (Ctrl-C), ``"time budget"``, or None. Under torchrun the
    ranks decide together, at log steps only (one tiny all-reduce there), so they all stop at the same step."""
    code = 2 if interrupted else 1 if minutes is not None and time.perf_counter() - t0 > 60 * minutes else 0
    if ctx is not None:
        code = distributed.agree(code) if log_step else 0
    return (None, "time budget", "interrupted")[code]


def _progress_bar(steps: int | None, start: int, minutes: float | None, desc: str, progress: bool) -> tqdm:
    """Steps done of ``steps``; with a time budget alone (``minutes``), seconds used of the budget and the time left."""
    # `disable` is passed only to switch the bar off, so that tqdm's own TQDM_DISABLE=1 (set by `make book`:
    # a built page shows no bar) still applies when ``progress`` is True.
    off = {} if progress else {"disable": True}
    if minutes is None:
        return tqdm(total=steps, initial=start, desc=desc, dynamic_ncols=True, **off)
    budget = 60 * minutes
    total = tqdm.format_interval(budget)
    return tqdm(total=budget, desc=desc, dynamic_ncols=True, unit="s", **off,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} of " + total + ", {remaining} left{postfix}")


def _check_window(window: list[dict[str, torch.Tensor]], step: int) -> None:
    """Raise :class:`NonFiniteLossError` if any loss of the steps not yet logged is NaN or infinite."""
    if window:
        _flush(list(window), step, 0.0)


def _flush(window: list[dict[str, torch.Tensor]], step: int, seconds: float) -> dict[str, Any]:
    """Average the window's losses into one history row, after checking every step for NaN/inf."""
    keys = list(window[0])
    values = torch.stack([torch.stack([w[k].detach().float() for k in keys]) for w in window])  # (W, K)
    values = distributed.all_mean(values).cpu()  # under torchrun: the mean over the ranks, the same on each
    bad = ~torch.isfinite(values)
    if bad.any():
        i, j = (int(v) for v in bad.nonzero()[0])
        bad_step = step - len(window) + 1 + i
        value = values[i, j].item()
        window.clear()
        raise NonFiniteLossError(f"loss {keys[j]!r} became {value} at step {bad_step}; training stopped",
                                 step=bad_step, loss=keys[j], value=value)
    row: dict[str, Any] = {"step": int(step), "seconds": round(seconds, 3)}
    row.update({k: float(v) for k, v in zip(keys, values.mean(0))})
    window.clear()
    return row


# --------------------------------------------------------------------------- checkpoints

def config_hash(config: dict[str, Any]) -> str:
    """A short hash of a config dict as JSON stores it (tuples and lists alike)."""
    text = json.dumps(_jsonable(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_identity(model: GANModel) -> dict[str, Any]:
    """What a checkpoint says about itself: the model's name, its config (and the config's hash), the package version."""
    config = _jsonable(model.config_dict())
    return {"model": model.name, "config": config, "config_hash": config_hash(config), "gans_edu": __version__}


def _save_checkpoint(path: Path, model: GANModel, sampler: BatchSampler, result: TrainResult) -> None:
    state = {
        "format": FORMAT,
        "identity": checkpoint_identity(model),
        "model": model.state_dict(),
        "sampler": sampler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
        "steps": result.steps,
        "seconds": result.seconds,
        "history": result.history,
        "snapshots": result.snapshots,
    }
    state["digest"] = state_digest(state)
    with atomic_file(path) as f:  # a crash (or kill -9) mid-save never leaves a broken checkpoint
        torch.save(state, f)


def state_digest(state: dict[str, Any]) -> str:
    """SHA-256 of everything in a checkpoint but its ``digest``: tensors by dtype, shape and bytes, other values
    by their repr. A flipped bit anywhere in the weights changes it."""
    h = hashlib.sha256()
    _digest(_without(state, "digest"), h)
    return h.hexdigest()


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


def _digest(v: Any, h: Any) -> None:
    if torch.is_tensor(v):
        t = v.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(v, dict):
        h.update(b"{")
        for k in sorted(v, key=repr):
            h.update(repr(k).encode())
            _digest(v[k], h)
        h.update(b"}")
    elif isinstance(v, (list, tuple)):
        h.update(b"[" if isinstance(v, list) else b"(")
        for x in v:
            _digest(x, h)
        h.update(b"]")
    else:
        h.update(repr(v).encode())


def read_checkpoint(path: str | Path, training: bool = False) -> dict[str, Any]:
    """Read and check a checkpoint (``weights_only=True``, on the CPU) without touching any model.

    Raises :class:`CheckpointError` with one line naming the file if it is missing, empty, truncated, damaged (its
    digest does not match: a flipped bit), not a gans-edu checkpoint, or (``training=True``) lacks what a resume needs.
    Checkpoints written before identities and digests (and exported references) load without them.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(f"{path} is empty (0 bytes): the run's checkpoint was lost")
    try:
        with open(path, "rb") as f:
            state = torch.load(io.BytesIO(f.read()), map_location="cpu", weights_only=True)
    except Exception as err:  # torch reports damage as RuntimeError, EOFError, UnpicklingError, ...
        raise CheckpointError(f"{path} is damaged or truncated ({size} bytes; torch.load: {_first_words(err)})") from None
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict) or "steps" not in state \
            or not isinstance(state["model"].get("nets"), dict):
        raise CheckpointError(f"{path} is not a gans-edu checkpoint (no model state and step count)")
    if "digest" in state or state.get("format") == FORMAT:
        if state.get("digest") != state_digest(state):
            raise CheckpointError(f"{path} is damaged: its contents do not match the digest saved with them")
    if training:
        missing = [k for k in ("sampler", "rng", "seconds", "history", "snapshots") if k not in state]
        if missing:
            raise CheckpointError(f"{path} holds weights only (no {', '.join(missing)}): it cannot be resumed")
    return state


def _first_words(err: BaseException, n: int = 120) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    text = text.split(". ")[0]
    return text if len(text) <= n else text[: n - 3] + "..."


def check_identity(state: dict[str, Any], model: str, config: dict[str, Any] | None = None,
                   where: str = "the checkpoint") -> None:
    """Refuse a checkpoint saved by another model (by name), or (given ``config``) with a config that differs in
    a field both know. A checkpoint without an identity (older, or an exported reference) passes."""
    ident = state.get("identity")
    if not isinstance(ident, dict):
        return
    if ident.get("model") != model:
        raise CheckpointError(f"{where} holds a {ident.get('model')!r} model, not {model!r}; "
                              "it was copied from another run")
    saved = ident.get("config")
    if config is not None and isinstance(saved, dict) and ident.get("config_hash") != config_hash(config):
        now = _jsonable(config)
        diff = [k for k in saved if k in now and saved[k] != now[k]]
        if diff:
            shown = ", ".join(f"{k}={saved[k]!r} in the checkpoint but {now[k]!r} in config.json" for k in diff[:3])
            raise CheckpointError(f"{where} was trained with another config ({shown}); config.json was edited or "
                                  "the checkpoint copied from another run")


def _restore(state: dict[str, Any], model: GANModel, sampler: BatchSampler, result: TrainResult,
             where: str = "the checkpoint") -> None:
    load_state(model, state["model"], where=where)
    sampler.load_state_dict({k: (v.cpu() if torch.is_tensor(v) else v) for k, v in state["sampler"].items()})
    torch.set_rng_state(state["rng"]["torch"].cpu())
    if state["rng"]["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    result.steps, result.seconds = int(state["steps"]), float(state["seconds"])
    result.history = [_int_step(r) for r in state["history"]]
    result.snapshots = [(int(s), _to_cpu(v)) for s, v in state["snapshots"]]


def load_model_state(path: str | Path, model: GANModel, config: dict[str, Any] | None = None) -> int:
    """Load only the model from a checkpoint; return the step it was saved at.

    Everything is checked first, and a failure is a :class:`CheckpointError` naming the file: the file itself
    (:func:`read_checkpoint`), the model's name in it against ``model``'s, the config it was trained with against
    ``config`` (the run's config.json, if given), that its tensors fit ``model``, and that no weight is NaN or
    infinite. An exported reference (``"reference"`` in the checkpoint) holds only the networks that sample: the
    others keep their initialisation."""
    state = read_checkpoint(path)
    check_identity(state, model.name, config, where=str(path))
    load_state(model, state["model"], strict="reference" not in state, where=str(path))
    return int(state["steps"])


def load_state(model: GANModel, state: dict[str, Any], strict: bool = True, where: str = "the checkpoint") -> None:
    """``model.load_state_dict(state)``, with a one-line :class:`CheckpointError` if it does not fit or holds NaN/inf."""
    try:
        model.load_state_dict(_to_device(state, model.device), strict=strict)
    except KeyError as err:
        raise CheckpointError(f"{where} does not fit a {model.name!r} model: it has no state for {err}") from None
    except (RuntimeError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise CheckpointError(f"{where} does not fit this {model.name!r} model ({_first_words(err, 200)})") from None
    for name, net in model.nets.items():
        bad = sum(int((~torch.isfinite(p)).sum()) for p in net.state_dict().values() if p.is_floating_point())
        if bad:
            raise CheckpointError(f"{where} holds {bad} NaN or infinite weights in network {name!r}; "
                                  "use an earlier checkpoint or train again")


def _to_device(v: Any, device: torch.device) -> Any:
    if torch.is_tensor(v):
        return v.to(device)
    if isinstance(v, dict):
        return {k: _to_device(x, device) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_to_device(x, device) for x in v)
    return v


def _to_cpu(v: Any) -> Any:
    if torch.is_tensor(v):
        return v.cpu()
    if isinstance(v, dict):
        return {k: _to_cpu(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_to_cpu(x) for x in v)
    return v


def _jsonable(v: Any) -> Any:
    """``v`` as JSON would give it back: tuples as lists, keys as strings."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def _int_step(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "step": int(row["step"])} if "step" in row else dict(row)


# --------------------------------------------------------------------------- history

def write_history(history: list[dict[str, Any]], path: str | Path) -> None:
    """Write the loss history as CSV (one row per log; steps as integers), atomically."""
    keys: list[str] = []
    for row in history:
        keys += [k for k in row if k not in keys]
    with atomic_file(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(_int_step(r) for r in history)


def read_history(path: str | Path) -> list[dict[str, Any]]:
    """The rows :func:`write_history` wrote: ``step`` as an int, the other columns as floats."""
    with open(path, newline="") as f:
        return [_int_step({k: float(v) for k, v in row.items() if v not in ("", None)}) for row in csv.DictReader(f)]


def finite(values: list[float]) -> bool:
    return all(math.isfinite(v) for v in values)
