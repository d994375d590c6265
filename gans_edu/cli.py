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

Bad arguments give one clear line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path
from typing import Any

CONFIG = "config.json"


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise CliError(message)


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return args.func(args) or 0
    except (CliError, ValueError, FileNotFoundError) as err:
        print(f"gans-edu: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gans-edu: interrupted", file=sys.stderr)
        return 130


def _build_parser() -> argparse.ArgumentParser:
    from gans_edu.profiles import PROFILES

    p = _Parser(prog="gans-edu", description="gans-edu: train, sample and evaluate the book's GANs.")
    sub = p.add_subparsers(parser_class=_Parser, metavar="COMMAND")

    s = sub.add_parser("list", help="models and datasets, one line each")
    s.set_defaults(func=cmd_list)

    data = sub.add_parser("data", help="export or download datasets")
    dsub = data.add_subparsers(parser_class=_Parser, metavar="ACTION")
    e = dsub.add_parser("export", help="write a dataset split to .npz (x in [-1, 1], y labels), e.g. printed-digits")
    e.add_argument("dataset")
    e.add_argument("--split", default="train", choices=["train", "test"])
    e.add_argument("--n", type=_positive_int)
    e.add_argument("--out", required=True, type=Path)
    e.set_defaults(func=cmd_export)
    d = dsub.add_parser("download", help="download a dataset into the data folder (needs the network)")
    d.add_argument("dataset")
    d.add_argument("--timeout", type=float, default=10.0)
    d.set_defaults(func=cmd_download)

    t = sub.add_parser("train", help="train a model; writes config, history, checkpoint, samples, metrics")
    t.add_argument("model")
    t.add_argument("--dataset")
    t.add_argument("--profile", choices=PROFILES)
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_nonnegative_int)
    budget.add_argument("--minutes", type=_positive_float)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto")
    t.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field")
    t.add_argument("--no-eval", action="store_true", help="skip the metrics at the end")
    t.add_argument("--out", required=True, type=Path)
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="draw samples from a trained run into .npz")
    s.add_argument("run", type=Path)
    s.add_argument("--n", type=_positive_int, required=True)
    s.add_argument("--label", type=int, help="the class (or categorical code) of every sample")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, type=Path)
    s.set_defaults(func=cmd_sample)

    v = sub.add_parser("evaluate", help="metrics of a trained run, with the real-data baseline")
    v.add_argument("run", type=Path)
    v.add_argument("--n", type=_positive_int)
    v.add_argument("--seed", type=int, default=0)
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
    return p


def _positive_int(s: str) -> int:
    v = _int(s)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {s}")
    return v


def _nonnegative_int(s: str) -> int:
    v = _int(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {s}")
    return v


def _positive_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {s}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {s}")
    return v


def _int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {s}") from None


# --------------------------------------------------------------------------- commands

def cmd_list(args: argparse.Namespace) -> None:
    from gans_edu.data import DATASETS
    from gans_edu.models import MODELS

    print("models:")
    for m in MODELS.values():
        status = "" if m.module else "  (chapter coming)"
        print(f"  {m.name:<13} {m.paper}{status}")
    print("datasets:")
    for name, desc in DATASETS.items():
        print(f"  {name:<13} {desc}")


def cmd_export(args: argparse.Namespace) -> None:

    from gans_edu.data import load_dataset

    ds = load_dataset(args.dataset, args.split, n=args.n)
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


def cmd_train(args: argparse.Namespace) -> None:
    import torch

    from gans_edu.data import load_dataset
    from gans_edu.models import build_model, default_steps, model_info
    from gans_edu.profiles import active_profile
    from gans_edu.train import fit
    from gans_edu.utils import pick_device, seed_everything
    from gans_edu.viz import save_images

    info = model_info(args.model)
    out: Path = args.out
    saved = _read_config(out) if args.resume and (out / CONFIG).is_file() else None
    if args.resume and saved is None and (out / "checkpoint.pt").exists():
        raise CliError(f"{out} has a checkpoint but no {CONFIG}")
    if saved and saved["model"] != args.model:
        raise CliError(f"{out} holds a {saved['model']!r} run, not {args.model!r}")
    if not args.resume and (out / "checkpoint.pt").exists():
        raise CliError(f"{out} already holds a run: pass --resume to continue it, or choose another --out")
    if saved and saved.get("reference"):
        raise CliError(f"{out} holds the exported reference {saved['reference']!r} (shipped weights, no optimiser): "
                       f"it samples and evaluates but cannot be resumed; 'gans-edu reference train "
                       f"{saved['reference']}' trains it from its recipe")

    profile = args.profile or (saved["profile"] if saved else active_profile())
    dataset = args.dataset or (saved["dataset"] if saved else info.default_dataset)
    if saved and dataset != saved["dataset"]:
        raise CliError(f"{out} was trained on {saved['dataset']!r}, not {dataset!r}")
    from gans_edu.models import check_model_dataset

    check_model_dataset(args.model, dataset)
    device = pick_device(args.device)
    seed = saved["seed"] if saved else args.seed
    seed_everything(seed)
    data = load_dataset(dataset, "train", download=(profile == "gpu"))
    overrides = _parse_overrides(args.set)
    if saved:
        model = build_model(args.model, data, profile=profile, device=device, config=saved["config"])
    else:
        model = build_model(args.model, data, profile=profile, device=device, **overrides)
    if args.steps is not None:
        steps = args.steps
    else:  # the saved run's length, or the profile's (with --set overrides: they can set ProGAN's schedule)
        steps = saved["steps"] if saved else default_steps(args.model, data, profile, **overrides)
    if args.minutes is not None:
        steps = None  # the clock decides
    config = {
        "model": args.model, "dataset": dataset, "profile": profile, "seed": seed,
        "steps": steps if args.minutes is None else None, "minutes": args.minutes,
        "device": str(device), "config": model.config_dict(), "torch": torch.__version__,
        "data_source": data.source,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    print(f"training {args.model} on {dataset} ({data.source}) | profile {profile} | device {device} | "
          + (f"{args.minutes:g} min" if args.minutes else f"{steps} steps"))
    result = fit(model, data, steps=steps, minutes=args.minutes, seed=seed, out_dir=out, resume=args.resume,
                 log_every=100 if steps is None else max(1, min(100, steps // 10)))
    config["steps_done"], config["train_seconds"] = result.steps, round(result.seconds, 2)
    (out / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    labels = (torch.arange(64) % 10) if model.takes_labels else None
    save_images(model.sample(64 if data.kind == "image" else 2000, labels=labels,
                             generator=torch.Generator().manual_seed(seed)), str(out / "samples.png"), nrow=8)
    print(f"{result.steps} steps in {result.seconds:.1f} s ({result.stopped}); wrote {out}")
    if not args.no_eval and result.stopped != "interrupted":
        _evaluate(out, model, dataset, n=None, seed=seed, profile=profile)


def cmd_sample(args: argparse.Namespace) -> None:
    import torch

    model, cfg = load_run(args.run)
    labels = None
    generator = torch.Generator().manual_seed(args.seed)
    if args.label is not None:
        if not model.takes_labels:
            raise CliError(f"model {cfg['model']!r} is not conditional: --label does not apply")
        if not 0 <= args.label < 10:
            raise CliError(f"--label must be a class in 0..9, got {args.label}")
        labels = torch.full((args.n,), args.label, dtype=torch.long)
    elif model.takes_labels:  # a class (or InfoGAN's categorical code) per sample, written as y
        labels = torch.randint(0, 10, (args.n,), generator=generator)
    x = model.sample(args.n, labels=labels, generator=generator)
    arrays: dict[str, Any] = {"x": x.numpy().astype("float32")}
    if labels is not None:
        arrays["y"] = labels.numpy()
    _savez(args.out, **arrays)
    print(f"wrote {args.out}: x {tuple(x.shape)}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    model, cfg = load_run(args.run)
    _evaluate(args.run, model, cfg["dataset"], n=args.n, seed=args.seed, profile=cfg["profile"])


def cmd_translate(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    if args.out.suffix != ".npz":
        raise CliError(f"--out must end in .npz, got {args.out}")
    if not args.input.is_file():
        raise CliError(f"--input {args.input} does not exist")
    try:
        with np.load(args.input) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as err:
        raise CliError(f"--input {args.input} is not a readable .npz file ({err})") from None
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
    if not np.issubdtype(x.dtype, np.floating) or np.nanmax(np.abs(x), initial=0) > 1.0 + 1e-3:
        raise CliError(f"x in {args.input} must be floats in [-1, 1] (as 'gans-edu data export' writes them)")
    out = model.translate(torch.from_numpy(np.ascontiguousarray(x)).float(), args.direction)
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


def cmd_reference_export(args: argparse.Namespace) -> None:
    from gans_edu import references

    references.recipe(args.name)
    try:
        out = references.export(args.name, args.out)
    except FileExistsError as err:
        raise CliError(str(err)) from None
    print(f"wrote {out}: config.json, checkpoint.pt (shipped weights), card.json; "
          f"try: gans-edu sample {out} --n 16 --out samples.npz")


# --------------------------------------------------------------------------- helpers

def evaluation_report(model, dataset: str, n: int | None, seed: int) -> dict:
    """What ``gans-edu evaluate`` measures, for a model in memory: image or toy metrics with the real-data
    baseline (``n`` samples drawn with ``seed + 1``), plus the semi-supervised classifier's test error or
    InfoGAN's code alignment where they apply; CycleGAN: the translation report on ``n`` test digits per
    domain (None: all)."""
    import torch

    t0 = time.perf_counter()
    if hasattr(model, "translate"):
        from gans_edu.models.cyclegan import evaluate_translation

        report = evaluate_translation(model, n)
        report["seconds"] = round(time.perf_counter() - t0, 2)
        return report

    from gans_edu.metrics import evaluate

    labels = (torch.arange(n) % 10) if model.conditional else None
    samples = model.sample(n, labels=labels, generator=torch.Generator().manual_seed(seed + 1))
    report = evaluate(samples, dataset, labels=labels)
    if getattr(model.config, "semi_supervised", False):  # improved-gan's Sec. 5 mode: D is a classifier
        from gans_edu.data import load_dataset

        test = load_dataset(dataset, "test", verbose=False)
        report["classifier"] = {"test_error": model.test_error(test.x, test.y), "test_digits": len(test)}
    if model.categorical_code and dataset == "mnist":  # InfoGAN: does the unsupervised code line up with the digits?
        from gans_edu.models.infogan import code_scores

        report["code"] = code_scores(model, n, seed + 1)
    report["seconds"] = round(time.perf_counter() - t0, 2)
    return report


def _evaluate(run: Path, model, dataset: str, n: int | None, seed: int, profile: str) -> dict:
    from gans_edu.profiles import eval_n, pick

    if hasattr(model, "translate"):
        n = n or pick(smoke=200, cpu=None, gpu=None, profile=profile)  # None: every test digit of both domains
    else:
        n = n or eval_n(profile)
    report = evaluation_report(model, dataset, n, seed)
    print_report(report)
    (run / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    if hasattr(model, "translate"):
        print(f"wrote {run / 'metrics.json'} (test digits of both domains; judged by the book's MNIST, printed-digit "
              "and two-domain classifiers, not an Inception network)")
    else:
        print(f"wrote {run / 'metrics.json'} (n = {n}; image metrics use the book's MNIST classifier, "
              "not an Inception network)")
    return report


def print_report(report: dict) -> None:
    """Print an evaluation report as ``gans-edu evaluate`` does."""
    if "a2b" in report:
        from gans_edu.models.cyclegan import translation_table

        print(translation_table({k: v for k, v in report.items() if k != "seconds"}).round(3).to_string())
        return
    from gans_edu.metrics import metrics_table

    if "classifier" in report:
        c = report["classifier"]
        print(f"semi-supervised D: test error {c['test_error']:.2%} on {c['test_digits']} test digits")
    if "code" in report:
        c = report["code"]
        print(f"categorical code: {c['generation_matched']:.1%} of samples read as their code's matched class; "
              f"Q classifies real test digits with {c['recognition_error']:.1%} error (code -> class {c['code_to_class']}); "
              f"the most-used code takes {c['largest_code_share']:.1%} of real test digits (even split: 10%)")
    print(metrics_table(report).to_string())


def _read_config(run: Path) -> dict:
    path = run / CONFIG
    if not path.is_file():
        raise CliError(f"{run} is not a run directory (no {CONFIG}); train one with 'gans-edu train'")
    return json.loads(path.read_text())


def load_run(run: Path):
    from gans_edu.data import load_dataset
    from gans_edu.models import build_model
    from gans_edu.train import CHECKPOINT, load_model_state
    from gans_edu.utils import pick_device

    cfg = _read_config(run)
    if not (run / CHECKPOINT).is_file():
        raise CliError(f"{run} has no {CHECKPOINT}: its training never saved")
    data = load_dataset(cfg["dataset"], "test", n=16, verbose=False)
    model = build_model(cfg["model"], data, profile=cfg["profile"], device=pick_device("auto"), config=cfg["config"])
    load_model_state(run / CHECKPOINT, model)
    return model, cfg


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        if "=" not in item:
            raise CliError(f"--set takes KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return out


def _savez(path: Path, **arrays: Any) -> None:
    import numpy as np

    path = Path(path)
    if path.suffix != ".npz":
        raise CliError(f"--out must end in .npz, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)


if __name__ == "__main__":
    sys.exit(main())
