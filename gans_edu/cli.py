"""The ``gans-edu`` command line: run every chapter's experiment outside the notebook.

    gans-edu list
    gans-edu data export DATASET [--split train|test] [--n N] --out FILE.npz
    gans-edu data download DATASET
    gans-edu train MODEL [--dataset D] [--profile P] [--steps N | --minutes M] [--seed S]
                         [--device D] [--resume] [--set KEY=VALUE ...] --out DIR
    gans-edu sample DIR --n N [--label K] [--seed S] --out FILE.npz
        (models that take a class or a code per sample write it as y: --label K fixes it to K,
        otherwise it is drawn uniformly)
    gans-edu evaluate DIR [--n N] [--seed S]
    gans-edu translate DIR --input FILE.npz --direction a2b|b2a --out FILE.npz
        (CycleGAN runs: translate the images x of FILE.npz; a2b handwritten -> printed, b2a the reverse)
    gans-edu reference list
    gans-edu reference train NAME|--all [--work DIR] [--device D]
    gans-edu reference export NAME --out DIR
        (the chapters' reference runs: trained once for longer, shipped with the package; an exported
        reference is a run directory that sample, evaluate and translate accept)
    gans-edu compare [MODEL ...] [--evaluate | --live [--profile P]] [--n N] [--out DIR]
        (the ten models side by side, from the reference cards; --live trains them afresh: gans_edu.compare)

Failures are one line on stderr: exit status 2 for a bad argument, file or run directory; 3 when training
stops on a NaN/inf loss (with the step, the loss and what to do); 130 when interrupted (Ctrl-C: what was
learned is kept, ``--resume`` continues it); 1 for a bug. ``--debug`` (anywhere on the line) adds the traceback.

A run directory holds config.json, checkpoint.pt, history.csv, samples.png and metrics.json. Every file is
written atomically (temporary file, then rename), and a process writing the directory holds its lock
(``.gans-edu.lock``, released when the process ends, however it ends): a second writer is refused with the
first one's PID. ``--resume`` reads and checks everything (config.json, the checkpoint, its model and config)
before it writes anything.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import sys
import time
import typing
from pathlib import Path
from typing import Any

CONFIG = "config.json"
CHECKPOINT = "checkpoint.pt"  # as gans_edu.train.CHECKPOINT (kept here so a bad argument is refused before torch loads)
METRICS = "metrics.json"
SAMPLES = "samples.png"
MAX_SAMPLES = 100_000  # sample and evaluate --n
MIN_EVAL = 10  # evaluate --n: the k-nearest-neighbour metrics need a few samples
MAX_STEPS = 10**9
MAX_MINUTES = 7 * 24 * 60.0  # a week
MAX_SEED = 2**32 - 1
FLOAT32_MAX = 3.4028234663852886e38


class CliError(Exception):
    """A user error: printed as one line; exit status ``code`` (2 by default)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise CliError(message)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 a bug, 2 a user error, 3 NaN/inf loss, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("GANS_EDU_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return args.func(args) or 0
    except KeyboardInterrupt:
        return _fail("interrupted (nothing half-written is kept; a training run keeps its last checkpoint)", 130, debug)
    except BrokenPipeError:  # e.g. `gans-edu list | head -1`
        sys.stderr.close()
        return 0
    except Exception as err:
        code, message = _describe(err)
        return _fail(message, code, debug)


def _describe(err: BaseException) -> tuple[int, str]:
    """Exit status and one-line message for an exception reaching the top."""
    from gans_edu.train import CheckpointError, NonFiniteLossError
    from gans_edu.utils import RunLockedError

    if isinstance(err, CliError):
        return err.code, str(err)
    if isinstance(err, NonFiniteLossError):
        return 3, str(err)
    if isinstance(err, (CheckpointError, RunLockedError, ValueError, LookupError)):
        return 2, str(err)
    if isinstance(err, OSError):
        if err.strerror and err.filename:
            return 2, f"{err.filename}: {err.strerror}"
        return 2, str(err) or type(err).__name__
    if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
        return 2, f"out of memory ({_first_line(err) or 'MemoryError'}); ask for fewer samples or a smaller batch"
    return 1, (f"internal error: {type(err).__name__}: {_first_line(err)} "
               "(a bug in gans-edu; rerun with --debug for the traceback and report it)")


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc()
    print(f"gans-edu: error: {_first_line(message)}", file=sys.stderr)
    return code


def _first_line(err: BaseException | str, limit: int = 600) -> str:
    """The message on one line (newlines folded, very long ones cut)."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gans-edu", description="gans-edu: train, sample and evaluate the book's GANs.",
                epilog="--debug anywhere on the line: a traceback with any error.")
    p.add_argument("--debug", action="store_true", help="print the traceback with any error")
    sub = p.add_subparsers(parser_class=_Parser, metavar="COMMAND")

    s = sub.add_parser("list", help="models and datasets, one line each")
    s.set_defaults(func=cmd_list)

    data = sub.add_parser("data", help="export or download datasets")
    dsub = data.add_subparsers(parser_class=_Parser, metavar="ACTION")
    e = dsub.add_parser("export", help="write a dataset split to .npz (x in [-1, 1], y labels), e.g. printed-digits")
    e.add_argument("dataset")
    e.add_argument("--split", default="train", choices=["train", "test"])
    e.add_argument("--n", type=_int_in("--n", 1, 10**7))
    e.add_argument("--out", required=True, type=Path)
    e.set_defaults(func=cmd_export)
    d = dsub.add_parser("download", help="download a dataset into the data folder (needs the network)")
    d.add_argument("dataset")
    d.add_argument("--timeout", type=_float_in("--timeout", 0, 3600.0), default=10.0, help="seconds, in (0, 3600]")
    d.set_defaults(func=cmd_download)

    t = sub.add_parser("train", help="train a model; writes config, history, checkpoint, samples, metrics")
    t.add_argument("model")
    t.add_argument("--dataset")
    t.add_argument("--profile", type=_profile)
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_int_in("--steps", 0, MAX_STEPS))
    budget.add_argument("--minutes", type=_float_in("--minutes", 0, MAX_MINUTES), help="a time budget, in (0, 10080]")
    t.add_argument("--seed", type=_int_in("--seed", 0, MAX_SEED), help="default 0 (a resumed run keeps its own)")
    t.add_argument("--device", default="auto")
    t.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field (checked against its type and range); with --resume, numbers that "
                        "do not shape the networks (learning rates, betas, loss weights, ...) change from the "
                        "checkpoint's step on, and the change is recorded in config.json")
    t.add_argument("--no-eval", action="store_true", help="skip the metrics at the end")
    t.add_argument("--amp", choices=["off", "bf16"], default="off",
                   help="bf16: each step under bfloat16 autocast (GPUs with bf16: A100, H100, L4; a T4 emulates it)")
    t.add_argument("--compile", action="store_true", help="torch.compile the networks (the first steps compile)")
    t.add_argument("--channels-last", action="store_true", help="NHWC memory order for convolutional networks")
    t.add_argument("--out", required=True, type=Path)
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="draw samples from a trained run into .npz")
    s.add_argument("run", type=Path)
    s.add_argument("--n", type=_int_in("--n", 1, MAX_SAMPLES), required=True)
    s.add_argument("--label", type=_int_in("--label", 0, 10**6), help="the class (or categorical code) of every sample")
    s.add_argument("--seed", type=_int_in("--seed", 0, MAX_SEED), default=0)
    s.add_argument("--out", required=True, type=Path)
    s.set_defaults(func=cmd_sample)

    v = sub.add_parser("evaluate", help="metrics of a trained run, with the real-data baseline")
    v.add_argument("run", type=Path)
    v.add_argument("--n", type=_int_in("--n", MIN_EVAL, MAX_SAMPLES))
    v.add_argument("--seed", type=_int_in("--seed", 0, MAX_SEED), default=0)
    v.set_defaults(func=cmd_evaluate)

    tr = sub.add_parser("translate", help="translate images with a trained CycleGAN run (.npz in, .npz out)")
    tr.add_argument("run", type=Path)
    tr.add_argument("--input", required=True, type=Path, help="an .npz with x of shape (N, 1, 28, 28) in [-1, 1]")
    tr.add_argument("--direction", required=True, choices=["a2b", "b2a"],
                    help="a2b: handwritten -> printed; b2a: printed -> handwritten")
    tr.add_argument("--out", required=True, type=Path)
    tr.set_defaults(func=cmd_translate)

    ref = sub.add_parser("reference", help="the chapters' reference runs: list, train, export")
    rsub = ref.add_subparsers(parser_class=_Parser, metavar="ACTION")
    rl = rsub.add_parser("list", help="every reference: model, dataset, key metrics, size")
    rl.set_defaults(func=cmd_reference_list)
    rt = rsub.add_parser("train", help="train a reference from its recipe (resumable) and ship it into the package")
    rt.add_argument("name", nargs="?")
    rt.add_argument("--all", action="store_true", help="every reference, one after the other")
    rt.add_argument("--work", type=Path, default=Path("runs/references"), help="where the training runs live")
    rt.add_argument("--device", default="auto")
    rt.set_defaults(func=cmd_reference_train)
    rx = rsub.add_parser("export", help="write a reference as a run directory (config.json, checkpoint.pt, card.json)")
    rx.add_argument("name")
    rx.add_argument("--out", required=True, type=Path)
    rx.set_defaults(func=cmd_reference_export)

    from gans_edu.compare import add_arguments as compare_arguments  # light: torch is imported when it runs

    cmp = sub.add_parser("compare", help="the ten models side by side (reference cards; --live: trained afresh)")
    compare_arguments(cmp)
    cmp.set_defaults(func=cmd_compare)
    return p


# --------------------------------------------------------------------------- argument types

def _int_in(flag: str, lo: int, hi: int):
    """An argparse type: an integer in ``lo..hi`` (the message names the flag and the range)."""

    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer in {lo}..{hi}, got {s!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be an integer in {lo}..{hi}, got {s}")
        return v

    parse.__name__ = "integer"
    return parse


def _float_in(flag: str, lo: float, hi: float):
    """An argparse type: a finite number in ``(lo, hi]``."""

    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number in ({lo:g}, {hi:g}], got {s!r}") from None
        if not math.isfinite(v) or not lo < v <= hi:
            raise argparse.ArgumentTypeError(f"must be a finite number in ({lo:g}, {hi:g}], got {s}")
        return v

    parse.__name__ = "number"
    return parse


def _profile(s: str) -> str:
    from gans_edu.profiles import PROFILES

    if s not in PROFILES:
        raise argparse.ArgumentTypeError(f"invalid choice: {s!r} (choose from {', '.join(PROFILES)})")
    return s


# --------------------------------------------------------------------------- commands

def cmd_list(args: argparse.Namespace) -> None:
    from gans_edu.data import DATASETS
    from gans_edu.models import MODELS

    width = max(len(n) for n in [*MODELS, *DATASETS]) + 2
    print("models:")
    for m in MODELS.values():
        status = "" if m.module else "  (chapter coming)"
        print(f"  {m.name:<{width}}{m.paper}{status}")
    print("datasets:")
    for name, desc in DATASETS.items():
        print(f"  {name:<{width}}{desc}")


def cmd_export(args: argparse.Namespace) -> None:
    from gans_edu.data import load_dataset

    _check_npz_out(args.out)
    ds = load_dataset(args.dataset, args.split, n=args.n)
    _check_finite(ds.x, f"the {args.dataset} {args.split} data ({ds.source})")
    arrays = {"x": ds.x.numpy().astype("float32")}
    if ds.y is not None:
        arrays["y"] = ds.y.numpy()
    _savez(args.out, **arrays)
    print(f"wrote {args.out}: x {tuple(ds.x.shape)}" + (f", y {tuple(ds.y.shape)}" if ds.y is not None else ""))


def cmd_download(args: argparse.Namespace) -> None:
    from gans_edu.data import download

    try:
        folder = download(args.dataset, timeout=args.timeout)
    except OSError as err:
        raise CliError(str(err)) from None
    print(f"{args.dataset} is in {folder}")


def cmd_train(args: argparse.Namespace) -> int:
    from gans_edu import distributed
    from gans_edu.models import check_model_dataset, model_info
    from gans_edu.utils import RunLock, pick_device

    info = model_info(args.model)
    out: Path = args.out
    _check_run_dir_path(out)
    device = pick_device(args.device)
    overrides = _parse_overrides(args.set)
    ctx = distributed.setup(device)  # under torchrun: join the other ranks (None: one process)
    if ctx is not None:
        device = ctx.device
        if not ctx.main:  # the other ranks check and build the same run, train beside rank 0, and write nothing
            return _train_beside(args, out, overrides, device)
    if args.resume:
        if not out.is_dir():
            raise CliError(f"--resume: {out} does not exist, so there is nothing to resume; "
                           "leave out --resume to start a run there")
        with RunLock(out, "train " + args.model):
            _clean(out)
            plan = _plan_resume(args, out, overrides, device)
            return _train(args, out, plan)
    dataset = args.dataset or info.default_dataset
    check_model_dataset(args.model, dataset)
    if (out / CHECKPOINT).exists():
        raise CliError(f"{out} already holds a run: pass --resume to continue it, or choose another --out")
    plan = _plan_new(args, dataset, overrides, device)  # everything checked before the folder is touched
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with RunLock(out, "train " + args.model):
            if (out / CHECKPOINT).exists():  # another process got there first
                raise CliError(f"{out} already holds a run: pass --resume to continue it, or choose another --out")
            _clean(out)
            return _train(args, out, plan)
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):  # failed before anything was kept
            out.rmdir()
        raise


def _train_beside(args: argparse.Namespace, out: Path, overrides: dict[str, Any], device) -> int:
    """A torchrun rank other than 0: the run rank 0 plans (the same seed, so the same model and batches), trained
    with it; rank 0 alone writes the run directory, the samples and the metrics."""
    from gans_edu import distributed
    from gans_edu.models import model_info
    from gans_edu.train import fit

    if args.resume:
        plan = _plan_resume(args, out, overrides, device)
    else:
        plan = _plan_new(args, args.dataset or model_info(args.model).default_dataset, overrides, device)
    fit(plan["model"], plan["data"], steps=plan["steps"], minutes=args.minutes, seed=plan["seed"], out_dir=out,
        resume=plan["saved"] is not None, on_resume=plan["apply"], log_every=_log_every(plan["steps"]),
        snapshot_fn=None, progress=False, speed=_speed(args))
    distributed.teardown()
    return 0


def _log_every(steps: int | None) -> int:
    return 100 if steps is None else max(1, min(100, steps // 10))


def _speed(args: argparse.Namespace):
    from gans_edu.accelerate import Speed

    return Speed(amp=args.amp, compile=args.compile, channels_last=args.channels_last)


def _plan_new(args: argparse.Namespace, dataset: str, overrides: dict[str, Any], device) -> dict[str, Any]:
    """Everything a new run needs, checked: data, model (config from the profile and ``--set``), budget."""
    from gans_edu.models import build_model, default_steps
    from gans_edu.profiles import active_profile
    from gans_edu.utils import seed_everything

    profile = args.profile or active_profile()
    seed = 0 if args.seed is None else args.seed
    seed_everything(seed)  # the data, then the networks' initialisation
    data = _load_training_data(dataset, profile)
    overrides = validate_overrides(args.model, data, profile, overrides)
    model = build_model(args.model, data, profile=profile, device=device, **overrides)
    if args.minutes is not None:
        steps = None  # the clock decides
    elif args.steps is not None:
        steps = args.steps
    else:  # the profile's length (with --set overrides: they can set ProGAN's schedule)
        steps = default_steps(args.model, data, profile, **overrides)
    return {"model": model, "data": data, "profile": profile, "seed": seed, "steps": steps, "dataset": dataset,
            "saved": None, "changes": [], "apply": None, "done": 0}


def _plan_resume(args: argparse.Namespace, out: Path, overrides: dict[str, Any], device) -> dict[str, Any]:
    """Read and check everything a resume needs, writing nothing: config.json, the checkpoint and its identity,
    the budget, and which ``--set`` overrides can apply from the checkpoint's step on."""
    from gans_edu.models import build_model
    from gans_edu.train import load_state, read_checkpoint

    if not (out / CONFIG).is_file():
        if (out / CHECKPOINT).exists():
            raise CliError(f"{out} has a {CHECKPOINT} but no {CONFIG}: it cannot be resumed")
        raise CliError(f"--resume: {out} holds no run ({CONFIG} and {CHECKPOINT} are missing); "
                       "leave out --resume to start one there")
    saved = read_config(out)
    if saved.get("reference"):
        raise CliError(f"{out} holds the exported reference {saved['reference']!r} (shipped weights, no optimiser): "
                       f"it samples and evaluates but cannot be resumed; 'gans-edu reference train "
                       f"{saved['reference']}' trains it from its recipe")
    if saved["model"] != args.model:
        raise CliError(f"{out} holds a {saved['model']!r} run, not {args.model!r}")
    for flag, given, kept in (("--dataset", args.dataset, saved["dataset"]), ("--profile", args.profile, saved["profile"]),
                              ("--seed", args.seed, saved["seed"])):
        if given is not None and given != kept:
            raise CliError(f"{out} was trained with {flag} {kept}, not {given}; a resumed run keeps its own "
                           f"(leave out {flag}, or start a new run with another --out)")
    if not (out / CHECKPOINT).is_file():
        raise CliError(f"--resume: {out} has no {CHECKPOINT} (its run stopped before the first checkpoint); "
                       "train it again without --resume")
    state = read_checkpoint(out / CHECKPOINT, training=True)
    base = _config_of_checkpoint(state, saved, str(out / CHECKPOINT))
    done = int(state["steps"])
    if args.minutes is not None:
        steps = None
    elif args.steps is not None:
        steps = args.steps
    elif saved["steps"] is not None:
        steps = saved["steps"]
    else:
        raise CliError(f"{out} is a --minutes run (stopped at step {done}): give --minutes M (or --steps N) "
                       "to say how long to continue it")
    if steps is not None and steps < done:
        raise CliError(f"--steps {steps} is fewer than the {done} steps {out} has already done")

    profile, seed, dataset = saved["profile"], saved["seed"], saved["dataset"]
    data = _load_training_data(dataset, profile)
    check_saved_config(out, saved, data)
    overrides = validate_overrides(args.model, data, profile, overrides)
    record = list(saved.get("changes") or [])
    if base is not saved["config"]:  # a change recorded at this step that no checkpoint took yet: make it again
        record = [c for c in record if c.get("step", -1) < done]
        overrides = {**{k: v for k, v in saved["config"].items() if base.get(k) != v}, **overrides}
    changes, optimiser_changes = _resume_changes(args.model, data, profile, base, overrides)
    model = build_model(args.model, data, profile=profile, device=device, config={**base, **changes})
    load_state(model, state["model"], where=str(out / CHECKPOINT))  # does it fit? (fit loads it again)
    if changes:
        record.append({"step": done, "set": changes, "was": {k: base.get(k) for k in changes}})

    def apply(model, step: int) -> None:  # the optimisers' own copies of changed hyperparameters
        for name, i, key, old, new in optimiser_changes:
            group = model.optimizers[name].param_groups[i]
            if key == "lr" and old:
                group["lr"] = group["lr"] * new / old  # keeps a schedule's progress
            else:
                group[key] = new

    return {"model": model, "data": data, "profile": profile, "seed": seed, "steps": steps, "dataset": dataset,
            "saved": saved, "changes": record, "apply": apply if optimiser_changes else None, "done": done,
            "new_changes": changes, "was": base}


def _train(args: argparse.Namespace, out: Path, plan: dict[str, Any]) -> int:
    """Write config.json, train, then write the samples and (unless --no-eval) the metrics. Holds the lock."""
    import torch

    from gans_edu import distributed
    from gans_edu.train import NonFiniteLossError, fit
    from gans_edu.utils import atomic_write_text

    model, data, steps, saved = plan["model"], plan["data"], plan["steps"], plan["saved"]
    ctx = distributed.current()
    config = {
        "model": args.model, "dataset": plan["dataset"], "profile": plan["profile"], "seed": plan["seed"],
        "steps": steps, "minutes": args.minutes,
        "device": str(model.device), "config": model.config_dict(), "torch": torch.__version__,
        "data_source": data.source, "world_size": ctx.world_size if ctx is not None else 1, **_speed(args).as_dict(),
    }
    if saved is not None:
        config["steps_done"] = plan["done"]
        if saved.get("train_seconds") is not None:
            config["train_seconds"] = saved["train_seconds"]
    if plan["changes"]:
        config["changes"] = plan["changes"]
    plan["config_before"] = (out / CONFIG).read_bytes() if (out / CONFIG).is_file() else None
    plan["checkpoint_inode"] = _inode(out / CHECKPOINT)
    atomic_write_text(out / CONFIG, json.dumps(config, indent=2) + "\n")
    budget = f"{args.minutes:g} min" if args.minutes is not None else f"{steps} steps"
    print(f"training {args.model} on {plan['dataset']} ({data.source}) | profile {plan['profile']} | device {model.device} | "
          + budget + (f" | resumed at step {plan['done']}" if saved is not None else ""))
    for k, v in (plan.get("new_changes") or {}).items():
        print(f"--set {k}: {plan['was'].get(k)!r} -> {v!r} from step {plan['done']} (recorded in {out / CONFIG})")
    try:
        result = fit(model, data, steps=steps, minutes=args.minutes, seed=plan["seed"], out_dir=out,
                     resume=saved is not None, on_resume=plan["apply"], log_every=_log_every(steps), speed=_speed(args))
    except BaseException as err:
        if _inode(out / CHECKPOINT) == plan["checkpoint_inode"]:  # no checkpoint written: config.json as it was
            _restore_file(out / CONFIG, plan["config_before"])
        if isinstance(err, NonFiniteLossError):
            raise CliError(_nan_advice(err, args, out, model), code=3) from None
        raise
    distributed.teardown()  # under torchrun: the other ranks are done; samples and metrics are rank 0's alone
    config["steps_done"], config["train_seconds"] = result.steps, round(result.seconds, 2)
    atomic_write_text(out / CONFIG, json.dumps(config, indent=2) + "\n")
    labels = (torch.arange(64) % 10) if model.takes_labels else None
    samples = model.sample(64 if data.kind == "image" else 2000, labels=labels,
                           generator=torch.Generator().manual_seed(plan["seed"]))
    save_samples(samples, out / SAMPLES, f"{args.model} on {plan['dataset']} | step {result.steps} | "
                                         f"profile {plan['profile']} | seed {plan['seed']}")
    print(f"{result.steps} steps in {result.seconds:.1f} s ({result.stopped}); wrote {out}")
    if result.stopped == "interrupted":
        print(f"interrupted at step {result.steps}; continue with: gans-edu train {args.model} --resume --out {out}",
              file=sys.stderr)
        return 130
    if not args.no_eval:
        _evaluate(out, model, plan["dataset"], n=None, seed=plan["seed"], profile=plan["profile"])
    return 0


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino  # an atomic write replaces the file, so a new checkpoint has a new inode
    except OSError:
        return None


def _restore_file(path: Path, content: bytes | None) -> None:
    """Put ``path`` back as it was (``None``: it did not exist)."""
    from gans_edu.utils import atomic_file

    if content is None:
        path.unlink(missing_ok=True)
        return
    with atomic_file(path) as f:
        f.write(content)


def _nan_advice(err, args: argparse.Namespace, out: Path, model) -> str:
    """The NaN guard's message with what to do next: resume the last checkpoint with a smaller learning rate."""
    cfg = model.config_dict()
    lrs = [k for k, v in cfg.items() if k in ("lr", "lr_d", "lr_g") and isinstance(v, float) and v > 0]
    smaller = " ".join(f"--set {k}={cfg[k] / 2:.3g}" for k in lrs) or "--set lr=..."
    if err.checkpoint_step is not None:
        return (f"{err} (the checkpoint at step {err.checkpoint_step} is kept); continue it with a smaller learning "
                f"rate: gans-edu train {args.model} --resume {smaller} --out {out}")
    return (f"{err} (before the first checkpoint, so nothing is kept); start again with a smaller learning rate: "
            f"gans-edu train {args.model} {smaller} --out {out}")


def cmd_sample(args: argparse.Namespace) -> None:
    import torch

    _check_npz_out(args.out)
    model, cfg = load_run(args.run)
    labels = None
    generator = torch.Generator().manual_seed(args.seed)
    classes = _num_labels(model)
    if args.label is not None:
        if not model.takes_labels:
            raise CliError(f"model {cfg['model']!r} is not conditional: --label does not apply")
        if not 0 <= args.label < classes:
            raise CliError(f"--label must be a class in 0..{classes - 1}, got {args.label}")
        labels = torch.full((args.n,), args.label, dtype=torch.long)
    elif model.takes_labels:  # a class (or InfoGAN's categorical code) per sample, written as y
        labels = torch.randint(0, classes, (args.n,), generator=generator)
    x = model.sample(args.n, labels=labels, generator=generator)
    _check_finite(x, f"the samples of {args.run}")
    arrays: dict[str, Any] = {"x": x.numpy().astype("float32")}
    if labels is not None:
        arrays["y"] = labels.numpy()
    _savez(args.out, **arrays)
    print(f"wrote {args.out}: x {tuple(x.shape)}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from gans_edu.utils import RunLock

    _check_is_run(args.run)
    with RunLock(args.run, "evaluate"):  # it writes metrics.json
        _clean(args.run)
        model, cfg = load_run(args.run)
        _evaluate(args.run, model, cfg["dataset"], n=args.n, seed=args.seed, profile=cfg["profile"])


def cmd_translate(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    _check_npz_out(args.out)
    if not args.input.is_file():
        raise CliError(f"--input {args.input} " + ("is not a file" if args.input.exists() else "does not exist"))
    try:
        with np.load(args.input) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as err:
        raise CliError(f"--input {args.input} is not a readable .npz file ({_first_line(err, 120)})") from None
    except Exception as err:  # zipfile.BadZipFile and friends
        raise CliError(f"--input {args.input} is not a readable .npz file ({type(err).__name__})") from None
    if "x" not in arrays:
        raise CliError(f"--input {args.input} has no array 'x' (it has: {', '.join(arrays) or 'nothing'})")
    model, cfg = load_run(args.run)
    if not hasattr(model, "translate"):
        raise CliError(f"{args.run} holds a {cfg['model']!r} run; only cyclegan runs translate")
    x = arrays["x"]
    want = "(N, " + ", ".join(str(s) for s in model.sample_shape) + ")"
    if x.ndim != 4 or tuple(x.shape[1:]) != model.sample_shape:
        channels = f" ({x.shape[1]} channels, the model takes {model.sample_shape[0]})" if x.ndim == 4 else ""
        raise CliError(f"x in {args.input} has shape {tuple(x.shape)}{channels}; expected {want} in [-1, 1]")
    if len(x) == 0:
        raise CliError(f"x in {args.input} holds no images (shape {tuple(x.shape)})")
    if not np.issubdtype(x.dtype, np.floating):
        raise CliError(f"x in {args.input} must be floats in [-1, 1] (as 'gans-edu data export' writes them), "
                       f"not {x.dtype}")
    _check_finite(x, f"x in {args.input}")
    if np.abs(x).max() > 1.0 + 1e-3:
        raise CliError(f"x in {args.input} must be floats in [-1, 1] (as 'gans-edu data export' writes them); "
                       f"it spans [{x.min():.3g}, {x.max():.3g}]")
    out = model.translate(torch.from_numpy(np.ascontiguousarray(x)).float(), args.direction)
    _check_finite(out, f"the translation of {args.input}")
    result: dict[str, Any] = {"x": out.numpy().astype("float32")}
    if "y" in arrays:
        result["y"] = arrays["y"]
    _savez(args.out, **result)
    print(f"wrote {args.out}: x {tuple(out.shape)} translated {args.direction}")


def cmd_reference_list(args: argparse.Namespace) -> None:
    from gans_edu import references

    shipped = set(references.available())
    total = 0
    print(f"{'name':<21} {'model':<13} {'dataset':<12} {'steps':>7} {'size':>8}  key metrics (real-data baseline in the card)")
    for name, r in references.RECIPES.items():
        if name not in shipped:
            print(f"{name:<21} {r.model:<13} {r.dataset:<12} {'-':>7} {'-':>8}  not shipped: gans-edu reference train {name}")
            continue
        c = references.card(name)
        size = references.weights_path(name).stat().st_size
        total += size
        print(f"{name:<21} {r.model:<13} {r.dataset:<12} {c['steps']:>7} {size / 1e6:>6.2f}MB  {references.key_metrics(c)}")
    print(f"{len(shipped)} of {len(references.RECIPES)} shipped, {total / 1e6:.1f} MB in {references.REFERENCE_DIR}; "
          "cards: <name>.json beside the weights")


def cmd_reference_train(args: argparse.Namespace) -> None:
    from gans_edu import references

    if args.all == bool(args.name):
        raise CliError("give one reference NAME or --all; valid names: " + ", ".join(references.RECIPES))
    names = list(references.RECIPES) if args.all else [references.recipe(args.name).name]
    failed = [n for n in names if references.train(n, args.work, device=args.device) is None]
    if failed:
        raise CliError(f"not finished: {', '.join(failed)} (run the same command again to resume)")


def cmd_compare(args: argparse.Namespace) -> None:
    from gans_edu.compare import command

    command(args)


def cmd_reference_export(args: argparse.Namespace) -> None:
    from gans_edu import references
    from gans_edu.utils import RunLock

    references.recipe(args.name)
    _check_run_dir_path(args.out)
    if (args.out / CHECKPOINT).exists():
        raise CliError(f"{args.out} already holds a run; choose another --out")
    args.out.mkdir(parents=True, exist_ok=True)
    with RunLock(args.out, "reference export"):
        try:
            out = references.export(args.name, args.out)
        except FileExistsError as err:
            raise CliError(str(err)) from None
    print(f"wrote {out}: config.json, checkpoint.pt (shipped weights), card.json; "
          f"try: gans-edu sample {out} --n 16 --out samples.npz")


# --------------------------------------------------------------------------- helpers

def evaluation_report(model, dataset: str, n: int | None, seed: int) -> dict:
    """What ``gans-edu evaluate`` measures, for a model in memory: its sample metrics (for most models, ``n`` samples
    drawn with ``seed + 1`` beside the real-data baselines) and its own extra metrics (see
    :meth:`gans_edu.models.base.GANModel.extra_metrics`), then the seconds it took."""
    t0 = time.perf_counter()
    report = {**model.sample_metrics(dataset, n, seed), **model.extra_metrics(dataset, n, seed)}
    report["seconds"] = round(time.perf_counter() - t0, 2)
    return report


def _evaluate(run: Path, model, dataset: str, n: int | None, seed: int, profile: str) -> dict:
    from gans_edu.utils import atomic_write_text

    n = n or model.evaluation_size(profile)
    report = evaluation_report(model, dataset, n, seed)
    print_report(model, report)
    atomic_write_text(run / METRICS, json.dumps(report, indent=2) + "\n")
    print(f"wrote {run / METRICS} ({model.metrics_note(n)})")
    return report


def print_report(model, report: dict) -> None:
    """Print an evaluation report as ``gans-edu evaluate`` does: what the model describes of it (lines, and tables
    with figures rounded and the real-data baseline beside each)."""
    for item in model.describe_metrics(report):
        print(item if isinstance(item, str) else format_table(item))


def format_number(v: Any) -> str:
    """A figure as a person reads it: whole numbers without decimals, four significant digits otherwise."""
    if v is None or isinstance(v, str):
        return "-" if v is None else v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "-"
    if math.isinf(f) or (f.is_integer() and abs(f) < 1e15):
        return str(f) if math.isinf(f) else f"{int(f)}"
    if abs(f) >= 1000:
        return f"{f:.0f}"
    return f"{f:.4g}"


def format_table(df) -> str:
    """A pandas table as aligned text: the index and text columns left-aligned, figures (:func:`format_number`)
    right-aligned."""
    header = [str(df.index.name or "")] + [str(c) for c in df.columns]
    rows = []
    numeric = [not (df[c].map(lambda v: isinstance(v, str)).any()) for c in df.columns]
    group = None
    for idx, r in df.iterrows():
        if isinstance(idx, tuple):  # a two-level index: the first level as a heading, the second indented under it
            if idx[0] != group:
                group = idx[0]
                rows.append([f"{group}:"] + [""] * len(df.columns))
            idx = "  " + " ".join(str(i) for i in idx[1:])
        rows.append([str(idx)] + [format_number(v) if numeric[i] else str(v) for i, v in enumerate(r.tolist())])
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = [cells[0].ljust(widths[0])]
        for i, c in enumerate(cells[1:], 1):
            out.append(c.rjust(widths[i]) if numeric[i - 1] else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows])


def save_samples(samples, path: Path, caption: str) -> None:
    """samples.png: the grid (or scatter plot) with a caption, written atomically."""
    from gans_edu.utils import atomic_file
    from gans_edu.viz import save_images

    with atomic_file(path) as f:
        save_images(samples, f, nrow=8, title=caption)


def read_config(run: Path) -> dict[str, Any]:
    """A run's config.json, checked: every key the commands use is there with the right type, the model and
    dataset exist, and the model's config fields have their types (a one-line :class:`CliError` otherwise)."""
    from gans_edu.models import check_model_dataset, model_info
    from gans_edu.profiles import PROFILES

    _check_is_run(run)
    path = run / CONFIG
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CliError(f"{path} is not a text file") from None
    except json.JSONDecodeError as err:
        raise CliError(f"{path} is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})") from None
    if not isinstance(cfg, dict):
        raise CliError(f"{path} must hold a JSON object, not {type(cfg).__name__}")

    def need(key: str, ok, what: str, optional: bool = False) -> None:
        if key not in cfg:
            if optional:
                return
            raise CliError(f"{path} is missing {key!r} ({what}); it was not written by gans-edu, or was edited")
        if not ok(cfg[key]):
            raise CliError(f"{path}: {key!r} must be {what}, got {cfg[key]!r}")

    is_int = lambda v: isinstance(v, int) and not isinstance(v, bool)
    need("model", lambda v: isinstance(v, str), "a model name")
    need("dataset", lambda v: isinstance(v, str), "a dataset name")
    need("profile", lambda v: v in PROFILES, "one of " + ", ".join(PROFILES))
    need("seed", lambda v: is_int(v) and 0 <= v <= MAX_SEED, f"an integer in 0..{MAX_SEED}")
    need("config", lambda v: isinstance(v, dict), "the model's config (a JSON object)")
    need("steps", lambda v: v is None or (is_int(v) and v >= 0), "an integer >= 0 or null", optional=True)
    need("minutes", lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                            and math.isfinite(v) and v > 0), "a positive number or null", optional=True)
    need("steps_done", lambda v: v is None or (is_int(v) and v >= 0), "an integer >= 0 or null", optional=True)
    need("reference", lambda v: v is None or isinstance(v, str), "a reference name or null", optional=True)
    need("changes", lambda v: isinstance(v, list), "a list", optional=True)
    cfg.setdefault("steps", None)
    cfg.setdefault("minutes", None)
    try:
        model_info(cfg["model"])
        check_model_dataset(cfg["model"], cfg["dataset"])
    except ValueError as err:
        raise CliError(f"{path}: {err}") from None
    return cfg


def check_saved_config(run: Path, cfg: dict[str, Any], data) -> None:
    """The model config in a run's config.json: every field the model knows has its type, and numbers are finite."""
    fields = _config_class_fields(cfg["model"], data, cfg["profile"])
    for key, value in cfg["config"].items():
        if key in fields:
            try:
                check_field(key, value, fields[key], ranges=False)
            except ValueError as err:
                raise CliError(f"{run / CONFIG}: config.{err}") from None


def _check_is_run(run: Path) -> None:
    if run.is_file():
        raise CliError(f"{run} is a file, not a run directory")
    if not (run / CONFIG).is_file():
        raise CliError(f"{run} is not a run directory (no {CONFIG}); train one with 'gans-edu train'")


def _check_run_dir_path(out: Path) -> None:
    """``--out`` for a run directory: refuse a file, or a path through a file, before anything is written."""
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is a file, not a directory")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CliError(f"--out {out}: {parent} is a file, not a directory")
            break


def _check_npz_out(path: Path) -> None:
    if path.suffix != ".npz":
        raise CliError(f"--out must end in .npz, got {path}")
    if path.is_dir():
        raise CliError(f"--out {path} is a directory")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CliError(f"--out {path}: {parent} is a file, not a directory")
            break


def _clean(folder: Path) -> None:
    """Under the lock: remove temporary files an earlier writer left when it was killed mid-write."""
    from gans_edu.utils import remove_temp_files

    remove_temp_files(folder)


def _check_finite(x, what: str) -> None:
    """Refuse NaN or infinite values in ``x`` (a tensor or an array), with their count."""
    import numpy as np
    import torch

    if torch.is_tensor(x):
        if not x.is_floating_point():
            return
        nan, inf, total = int(torch.isnan(x).sum()), int(torch.isinf(x).sum()), x.numel()
    else:
        if not np.issubdtype(x.dtype, np.floating):
            return
        nan, inf, total = int(np.isnan(x).sum()), int(np.isinf(x).sum()), x.size
    if nan or inf:
        raise CliError(f"{what} holds {nan} NaN and {inf} infinite values (of {total}); refusing to use them")


def _load_training_data(dataset: str, profile: str):
    from gans_edu import distributed
    from gans_edu.data import load_dataset

    ctx = distributed.current()
    if ctx is not None and not ctx.main:
        distributed.barrier()  # under torchrun, rank 0 loads (and downloads) first
    data = load_dataset(dataset, "train", download=(profile == "gpu"))
    if ctx is not None and ctx.main:
        distributed.barrier()
    _check_finite(data.x, f"the {dataset} training data ({data.source})")
    return data


def _num_labels(model) -> int:
    cfg = model.config
    return int(getattr(cfg, "num_classes", None) or getattr(cfg, "cat_dim", None) or 10)


def load_run(run: Path):
    """The model of a run directory and its config.json, everything checked first (one-line errors): the config,
    the checkpoint (damage, its model and config against config.json, that it fits, no NaN weights)."""
    from gans_edu.data import load_dataset
    from gans_edu.models import build_model
    from gans_edu.train import load_state, read_checkpoint
    from gans_edu.utils import pick_device

    cfg = read_config(run)
    if not (run / CHECKPOINT).is_file():
        raise CliError(f"{run} has no {CHECKPOINT}: its training never saved")
    data = load_dataset(cfg["dataset"], "test", n=16, verbose=False)
    check_saved_config(run, cfg, data)
    model = build_model(cfg["model"], data, profile=cfg["profile"], device=pick_device("auto"), config=cfg["config"])
    state = read_checkpoint(run / CHECKPOINT)
    _config_of_checkpoint(state, cfg, str(run / CHECKPOINT))
    load_state(model, state["model"], strict="reference" not in state, where=str(run / CHECKPOINT))
    return model, cfg


def _config_of_checkpoint(state: dict[str, Any], cfg: dict[str, Any], where: str) -> dict[str, Any]:
    """The config the checkpoint was trained with, as config.json records it: its config, or (a resume with --set
    that stopped before its first checkpoint) that config with the changes made at the checkpoint's step or later
    undone. A checkpoint saved by another model, or with another config, is refused (:class:`CheckpointError`)."""
    from gans_edu.train import CheckpointError, check_identity

    check_identity(state, cfg["model"], where=where)
    if not isinstance(state.get("identity"), dict):  # older checkpoints and exported references: no config in them
        return cfg["config"]
    step = int(state["steps"])
    undone = dict(cfg["config"])
    for change in reversed(cfg.get("changes") or []):
        if isinstance(change, dict) and isinstance(change.get("was"), dict) and change.get("step", -1) >= step:
            undone.update(change["was"])
    try:
        check_identity(state, cfg["model"], cfg["config"], where=where)
        return cfg["config"]
    except CheckpointError:
        if undone == cfg["config"]:
            raise
    try:
        check_identity(state, cfg["model"], undone, where=where)
    except CheckpointError:
        check_identity(state, cfg["model"], cfg["config"], where=where)  # the message about config.json itself
    return undone


# --------------------------------------------------------------------------- config fields: --set and config.json

# The range of every numeric config field, by name (shared across models): (low, low included, high, high included).
# Integers default to >= 1 and other numbers to >= 0; every number must be finite.
_POSITIVE = (0, False, None, False)
_NONNEGATIVE = (0, True, None, False)
_FRACTION = (0, True, 1, False)  # [0, 1)
_UNIT = (0, True, 1, True)  # [0, 1]
_ANY = (None, False, None, False)
FIELD_RANGES: dict[str, tuple] = {
    "lr": _POSITIVE, "lr_d": _POSITIVE, "lr_g": _POSITIVE, "lr_decay": _POSITIVE, "clip": _POSITIVE, "q_std": _POSITIVE,
    "adam_eps": _POSITIVE, "d_loss_scale": _POSITIVE, "g_init_range": _POSITIVE, "d_init_range": _POSITIVE,
    "gamma": _POSITIVE,
    "d_dropout": _FRACTION, "d_input_dropout": _FRACTION, "g_dropout": _FRACTION,
    "betas": _FRACTION, "beta1": _FRACTION, "beta2": _FRACTION,
    "momentum": _UNIT, "final_momentum": _UNIT, "ema_decay": _UNIT, "decay_start": _UNIT, "lr_decay_start": _UNIT,
    "k0": _UNIT, "leak": _UNIT, "real_target": (0, False, 1, True),
    # counts where 0 means "none" or "by image size"
    "dense": _NONNEGATIVE, "n_blocks": _NONNEGATIVE, "d_layers": _NONNEGATIVE, "cont_dim": _NONNEGATIVE,
    "pool_size": _NONNEGATIVE, "burst_iters": _NONNEGATIVE, "burst_first": _NONNEGATIVE, "burst_every": _NONNEGATIVE,
    "momentum_ramp": _NONNEGATIVE,
    "out_bias": _ANY,
}
# Fields a resumed run keeps: the data or the schedule it was built around.
RESUME_FIXED = {"num_classes", "labels_per_class", "resolution", "start_resolution", "images_per_phase", "pool_size",
                "vbn_ref_size", "ssl_init_size", "domain_b"}
_MISSING = object()


def _config_class_fields(model: str, data, profile: str) -> dict[str, Any]:
    """Field name -> type of ``model``'s config dataclass (for ``data`` in ``profile``)."""
    import dataclasses

    from gans_edu.models import _module

    cls = type(_module(model).make_config(data, profile))
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls)}


def _range_words(name: str, integer: bool) -> tuple[tuple, str]:
    lo, lo_in, hi, hi_in = FIELD_RANGES.get(name, (1, True, None, False) if integer else _NONNEGATIVE)
    if lo is None and hi is None:
        return (lo, lo_in, hi, hi_in), "finite"
    if hi is None:
        return (lo, lo_in, hi, hi_in), (">= " if lo_in else "> ") + f"{lo:g}"
    return (lo, lo_in, hi, hi_in), f"in {'[' if lo_in else '('}{lo:g}, {hi:g}{']' if hi_in else ')'}"


def _describe_type(name: str, tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return "True or False"
    if tp is int:
        return "an integer " + _range_words(name, True)[1]
    if tp is float:
        return "a number " + _range_words(name, False)[1]
    if tp is str:
        return "a string"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a tuple of {_plural(name, args[0])}, e.g. (64, 64)"
        return ("a pair of " if len(args) == 2 else f"a tuple of {len(args)} ") + _plural(name, args[0])
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_describe_type(name, a) for a in rest) + " or None"
    return str(tp)


def _plural(name: str, tp: Any) -> str:
    if tp is int:
        return "integers " + _range_words(name, True)[1]
    if tp is float:
        return "numbers " + _range_words(name, False)[1]
    return "values of type " + getattr(tp, "__name__", str(tp))


def check_field(name: str, value: Any, tp: Any, ranges: bool = True) -> Any:
    """``value`` for config field ``name`` of type ``tp``, checked (and ints widened to floats where a float is due);
    ``ValueError`` naming the field, what it takes and what it got. ``ranges=False``: types and finiteness only."""

    def bad() -> ValueError:
        return ValueError(f"{name} must be {_describe_type(name, tp)}, got {value!r}")

    def one(v: Any, t: Any) -> Any:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if t is Any:
            return v
        if t is bool:
            if isinstance(v, bool):
                return v
            raise bad()
        if t is int or t is float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise bad()
            if t is int and not isinstance(v, int):
                raise bad()
            if not math.isfinite(v) or abs(v) > FLOAT32_MAX:  # the networks compute in float32
                raise bad()
            if ranges:
                (lo, lo_in, hi, hi_in), _ = _range_words(name, t is int)
                if lo is not None and (v < lo or (v == lo and not lo_in)):
                    raise bad()
                if hi is not None and (v > hi or (v == hi and not hi_in)):
                    raise bad()
            return float(v) if t is float else v
        if t is str:
            if isinstance(v, str):
                return v
            raise bad()
        if origin is tuple:
            if not isinstance(v, (tuple, list)):
                raise bad()
            if len(args) == 2 and args[1] is Ellipsis:
                if not v:
                    raise bad()
                return tuple(one(x, args[0]) for x in v)
            if len(v) != len(args):
                raise bad()
            return tuple(one(x, a) for x, a in zip(v, args))
        if args:  # a union, e.g. float | None
            if v is None and type(None) in args:
                return None
            for a in args:
                if a is type(None):
                    continue
                try:
                    return one(v, a)
                except ValueError:
                    pass
            raise bad()
        return v

    return one(value, tp)


def validate_overrides(model: str, data, profile: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """``--set`` values checked against the config's fields: known, of the field's type, finite and in range."""
    fields = _config_class_fields(model, data, profile)
    unknown = [k for k in overrides if k not in fields]
    if unknown:
        raise CliError(f"unknown config field(s) {', '.join(unknown)} for {model!r}; valid: {', '.join(fields)}")
    checked = {}
    for k, v in overrides.items():
        try:
            checked[k] = check_field(k, v, fields[k])
        except ValueError as err:
            raise CliError(f"--set {k}={_shown(v)}: {err}") from None
    return checked


def _shown(v: Any) -> str:
    return v if isinstance(v, str) else repr(v)


def _resume_changes(model: str, data, profile: str, saved: dict[str, Any], overrides: dict[str, Any]):
    """Which ``--set`` overrides a resumed run can take, or a :class:`CliError` saying why not.

    A change can apply from the checkpoint's step on if it is a number that leaves the networks alone (their shapes
    and their initialisation), the models' start-of-training state, and the optimisers' kind: learning rates, betas,
    loss weights, critic steps. Returns ``(changes, optimiser_changes)``; the latter lists the optimiser settings to
    patch after the checkpoint is loaded (``(optimiser, group, key, old, new)``)."""
    import torch

    from gans_edu.models import build_model
    from gans_edu.train import _jsonable

    changes = {k: v for k, v in overrides.items() if _jsonable(v) != _jsonable(saved.get(k, _MISSING))}
    if not changes:
        return {}, []
    for k, v in changes.items():
        why = None
        if k in RESUME_FIXED:
            why = "it sets the data or the schedule the run was built around"
        elif isinstance(v, (bool, str)) or v is None:
            why = "only numbers (learning rates, betas, loss weights, ...) can change on a resumed run"
        if why:
            raise CliError(f"--set {k}={_shown(v)} cannot apply to a resumed run: {why}; start a new run "
                           f"with it (another --out), or leave it out")

    def fresh(config: dict[str, Any]):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return build_model(model, data, profile=profile, device="cpu", config=config)

    old, new = fresh(saved), fresh({**saved, **changes})
    names = ", ".join(f"{k}={_shown(v)}" for k, v in changes.items())
    o, n = old.state_dict(), new.state_dict()
    for net in o["nets"]:
        a, b = o["nets"][net], n["nets"].get(net, {})
        if a.keys() != b.keys() or any(a[p].shape != b[p].shape for p in a):
            raise CliError(f"--set {names} changes the shapes of network {net!r}: it cannot apply to a resumed run; "
                           "start a new run with it (another --out)")
        if any(not torch.equal(a[p], b[p]) for p in a):
            raise CliError(f"--set {names} changes how network {net!r} is initialised, which a resumed run has left "
                           "behind: it would have no effect; start a new run with it (another --out)")
    if repr(old.extra_state()) != repr(new.extra_state()):
        raise CliError(f"--set {names} sets the state training starts from, which a resumed run has left behind: "
                       "it would have no effect; start a new run with it (another --out)")
    optimiser_changes = []
    for name, opt in old.optimizers.items():
        other = new.optimizers.get(name)
        if type(other) is not type(opt) or len(other.param_groups) != len(opt.param_groups):
            raise CliError(f"--set {names} changes the optimiser {name!r}: it cannot apply to a resumed run; "
                           "start a new run with it (another --out)")
        for i, (ga, gb) in enumerate(zip(opt.param_groups, other.param_groups)):
            for key in ga:
                if key != "params" and ga[key] != gb.get(key):
                    optimiser_changes.append((name, i, key, ga[key], gb[key]))
    return {k: _jsonable(v) for k, v in changes.items()}, optimiser_changes


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise CliError(f"--set takes KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = ast.literal_eval(v.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            out[k.strip()] = v
    return out


def _savez(path: Path, **arrays: Any) -> None:
    import numpy as np

    from gans_edu.utils import atomic_file

    path = Path(path)
    _check_npz_out(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as f:
        np.savez(f, **arrays)


if __name__ == "__main__":
    sys.exit(main())
