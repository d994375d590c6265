"""``gans-edu compare``: the book's ten models side by side, on the same data and the same metrics (chapter 12).

By default the table is read from the reference cards (``gans_edu/weights/references/*.json``): every reference
was trained once on the offline MNIST subset, on one CPU thread, and its card holds the metrics of 2,000 samples
(``references.EVAL_N``, seed 0) against the same test digits, the steps and the training seconds. Reading them
takes a second; ``evaluate`` measures the shipped weights again instead. ``live`` trains every model afresh with
its profile's config and default steps (the cpu profile by default), after printing an estimate of how long that
takes (the cards' seconds per step times the steps, plus their evaluation time).

A CycleGAN has no noise: its samples are printed test digits translated into handwriting. Its card holds the
translation report only, so the cards leave its sample metrics empty; ``evaluate`` (or ``live``) measures those
samples with the same metrics as the other nine.

Python::

    from gans_edu import compare
    table = compare.reference_table()               # a pandas DataFrame, one row per model
    print(compare.markdown(table))
    compare.write(table, "runs/compare")            # table.csv, table.md

Command line::

    gans-edu compare [MODEL ...] [--evaluate | --live [--profile P]] [--n N] [--seed S] [--device D] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

DATASET = "mnist"  # the one dataset every model of the book trains on

# Each model and the reference of its chapter (the one trained on MNIST).
REFERENCE_OF: dict[str, str] = {
    "gan": "gan-mnist",
    "dcgan": "dcgan",
    "improved-gan": "improved-gan",
    "cgan": "cgan",
    "infogan": "infogan",
    "wgan": "wgan",
    "wgan-gp": "wgan-gp-mnist",
    "began": "began",
    "progan": "progan",
    "cyclegan": "cyclegan",
}
SEMI_SUPERVISED = "improved-gan-semi"  # improved-gan's second reference: the classifier from 100 labels
REAL = "real digits"  # the baseline row: real training digits scored like a model
METRICS = {  # column -> key in a report's "model" entry
    "FD": "frechet_distance",
    "KID": "kid",
    "score": "classifier_score",
    "precision": "precision",
    "recall": "recall",
    "classes": "classes_present",
}
COLUMNS = ["reference", "steps", "train min", "ms/step", *METRICS, "also measured"]
FORMATS = {  # column -> how a figure is printed
    "steps": "{:.0f}", "train min": "{:.1f}", "ms/step": "{:.0f}", "FD": "{:.1f}", "KID": "{:.1f}",
    "score": "{:.2f}", "precision": "{:.2f}", "recall": "{:.2f}", "classes": "{:.0f}",
}


def check_models(models: Iterable[str] | None) -> list[str]:
    """The models asked for, in the book's order (all ten when ``models`` is empty or None); ``ValueError`` naming
    the valid ones for an unknown name."""
    models = list(models or [])
    unknown = [m for m in models if m not in REFERENCE_OF]
    if unknown:
        raise ValueError(f"unknown model{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"valid models: {', '.join(REFERENCE_OF)}")
    return [m for m in REFERENCE_OF if not models or m in models]


# --------------------------------------------------------------------------- rows

def _also(model: str, report: dict[str, Any], semi: dict[str, Any] | None = None) -> str:
    """What the model measures beyond samples, in a few words (the measure its chapter is about)."""
    m = report.get("model", {})
    if model == "cgan" and "class_accuracy" in m:
        return f"class accuracy {m['class_accuracy']:.1%}"
    if model == "infogan" and "code" in report:
        return f"code matches a class {report['code']['generation_matched']:.1%}"
    if model == "cyclegan" and "a2b" in report:
        a, b = report["a2b"], report["b2a"]
        return f"digit kept {a['digit_kept']:.0%} (to print), {b['digit_kept']:.0%} (to handwriting)"
    if model == "progan" and "swd_32" in m:
        return f"SWD 32x32 {m['swd_32']:.1f} (real {report['real']['swd_32']:.1f})"
    if model == "improved-gan" and semi is not None:
        return f"semi-supervised, 100 labels: test error {semi['test_error']:.1%}"
    if "classifier" in report:
        return f"test error {report['classifier']['test_error']:.1%}"
    return ""


def _row(model: str, reference: str | None, steps: float | None, seconds: float | None,
         report: dict[str, Any], semi: dict[str, Any] | None = None) -> dict[str, Any]:
    m = report.get("model", {})
    row: dict[str, Any] = {"reference": reference or "", "steps": steps,
                           "train min": seconds / 60 if seconds is not None else None,
                           "ms/step": 1000 * seconds / steps if seconds is not None and steps else None}
    row.update({col: m.get(key) for col, key in METRICS.items()})
    row["also measured"] = _also(model, report, semi)
    return row


def _real_row(report: dict[str, Any]) -> dict[str, Any]:
    row = {col: None for col in COLUMNS}
    row.update({col: report["real"].get(key) for col, key in METRICS.items()})
    row["reference"], row["also measured"] = "", "training digits scored like a model"
    return row


def measure(model: Any, n: int, seed: int = 0, translation_n: int | None = None) -> dict[str, Any]:
    """Everything ``gans-edu evaluate`` measures of ``model`` (``n`` samples drawn with ``seed + 1``; a CycleGAN's
    translation report on ``translation_n`` test digits per domain, None: all), plus, for a model whose evaluation
    is not about samples (CycleGAN), the sample metrics of its samples, so that every model gets the same columns."""
    from gans_edu.cli import evaluation_report

    report = evaluation_report(model, DATASET, n=translation_n if hasattr(model, "translate") else n, seed=seed)
    if "model" not in report:
        report.update(sample_metrics(model, n, seed))
    return report


def sample_metrics(model: Any, n: int, seed: int = 0) -> dict[str, Any]:
    """The image metrics of ``n`` samples (seed + 1) beside the real-data baseline, for any model: for a CycleGAN,
    whose own evaluation is its translation report, its samples are printed test digits translated into
    handwriting (:meth:`CycleGAN.sample`), scored like any generator's."""
    from gans_edu.models.base import GANModel

    return GANModel.sample_metrics(model, DATASET, n, seed)


def reference_table(models: Iterable[str] | None = None, evaluate: bool = False, fill: bool = False,
                    n: int | None = None, seed: int = 0, device: Any = None, calibration: bool = False) -> Any:
    """The side-by-side table of the shipped references: one row per model (the book's order), then the real-data
    baseline, as a pandas DataFrame (index: model). Steps and training time come from the cards.

    Args:
        models: a subset (default: all ten).
        evaluate: measure every shipped reference again (``n`` samples, ``seed``) instead of reading its card's
            metrics (a CycleGAN's translation report included: minutes on a CPU).
        fill: measure now only what a card lacks: the sample metrics of CycleGAN, whose card holds its translation
            report (seconds).
        n: samples per measurement (default ``references.EVAL_N``, as on the cards).
        device: where to measure (default: the best available).
        calibration: add the two calibration rows (blurred real digits; real digits 0-4 only) at ``n`` samples.

    ``table.attrs["notes"]`` holds the lines printed under the table (how it was measured).
    """
    import pandas as pd

    from gans_edu import references

    models = check_models(models)
    n = n or references.EVAL_N
    cards = {m: references.card(REFERENCE_OF[m]) for m in models}
    semi = references.card(SEMI_SUPERVISED).get("metrics", {}).get("classifier") \
        if "improved-gan" in models and SEMI_SUPERVISED in references.available() else None
    rows, measured, card_real, measured_real = {}, [], None, None
    for m in models:
        c = cards[m]
        report = c["metrics"]
        if evaluate:
            report = measure(references.load(REFERENCE_OF[m], device).model, n, seed, references.TRANSLATION_N)
            measured.append(m)
        elif fill and "model" not in report:
            report = {**report, **sample_metrics(references.load(REFERENCE_OF[m], device).model, n, seed)}
            measured.append(m)
        rows[m] = _row(m, c["name"], c["steps"], c.get("train_seconds"), report, semi)
        if "real" in report:
            if m in measured:
                measured_real = measured_real or report
            else:
                card_real = card_real or report
    # the baseline measured as most rows were: a card's when any row is from a card, else the measured one
    real = card_real if card_real is not None and len(measured) < len(models) else measured_real
    rows[REAL] = _real_row(real or references.card(REFERENCE_OF["dcgan"])["metrics"])
    if calibration:
        for label, summary in calibration_rows(n).items():
            row = {col: None for col in COLUMNS}
            row.update({col: summary.get(key) for col, key in METRICS.items()})
            row["reference"], row["also measured"] = "", "calibration: real digits with a known flaw"
            rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")[COLUMNS].astype({"steps": "Int64"})
    table.index.name = "model"
    devices = sorted({c.get("device_name") or c.get("device", "?") for c in cards.values()})
    card_n = sorted({c["eval"]["n"] for m, c in cards.items() if m not in measured and c["eval"]["n"]})
    source = ("all measured again now" if evaluate else
              f"from the cards; {', '.join(measured)} measured now ({n} samples)" if measured else "from the cards")
    notes = [f"steps, train min and ms/step: the reference cards' training runs ({'; '.join(devices)})",
             f"metrics: {n if evaluate else ', '.join(map(str, card_n)) or n} samples each, against the same MNIST "
             f"test digits in the book's classifier features (not an Inception network); {source}",
             f"{REAL}: as many real training digits, scored like a model: the scale to read the rest against"]
    if "cyclegan" in models:
        notes.append("cyclegan: its samples are printed test digits translated into handwriting" +
                     ("" if "cyclegan" in measured else
                      "; its card holds the translation report only (--evaluate measures its samples)"))
    table.attrs["notes"] = notes
    return table


def calibration_rows(n: int) -> dict[str, dict[str, Any]]:
    """The calibration copies of real data (:func:`gans_edu.metrics.image.calibration`) at ``n`` samples."""
    from gans_edu.data import load_dataset
    from gans_edu.metrics.classifier import classify
    from gans_edu.metrics.image import calibration

    train = load_dataset(DATASET, "train", verbose=False)
    ref_feats, _ = classify(load_dataset(DATASET, "test", verbose=False).x)
    return calibration(train.x, train.y, ref_feats, n)


# --------------------------------------------------------------------------- live runs

def estimate(models: Iterable[str] | None = None, profile: str = "cpu", n: int | None = None) -> Any:
    """How long ``live`` would take, per model, from the cards: the profile's default steps times the reference's
    seconds per step, plus its evaluation time scaled to ``n`` samples (default: the profile's). A rough guide: a
    reference may be wider than the profile's networks (InfoGAN, BEGAN, CycleGAN) and its machine was not yours."""
    import pandas as pd

    from gans_edu import references
    from gans_edu.data import load_dataset
    from gans_edu.models import default_steps
    from gans_edu.profiles import check_profile, eval_n

    check_profile(profile)
    models = check_models(models)
    data = load_dataset(DATASET, "test", n=16, verbose=False)
    n = n or eval_n(profile)
    rows = {}
    for m in models:
        c = references.card(REFERENCE_OF[m])
        steps = default_steps(m, data, profile)
        per_step = (c.get("train_seconds") or 0) / max(1, c["steps"])
        card_n, eval_s = c["eval"]["n"], c["metrics"].get("seconds", 0.0)
        eval_s = eval_s * (1.0 if card_n is None or m == "cyclegan" else n / card_n)
        rows[m] = {"steps": steps, "s/step (card)": per_step, "train s": steps * per_step, "evaluate s": eval_s,
                   "total s": steps * per_step + eval_s}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def live_table(models: Iterable[str] | None = None, profile: str = "cpu", n: int | None = None, seed: int = 0,
               device: Any = None, progress: bool = True, say=print) -> Any:
    """Train each model afresh (``profile``'s config and default steps, on MNIST), then measure it as the cards
    were measured (``n`` samples, default: the profile's), and return the table with the seconds each took."""
    import pandas as pd
    import torch

    from gans_edu.data import load_dataset
    from gans_edu.models import build_model, default_steps
    from gans_edu.profiles import check_profile, eval_n
    from gans_edu.train import fit
    from gans_edu.utils import pick_device, seed_everything

    check_profile(profile)
    models = check_models(models)
    device = pick_device(device)
    n = n or eval_n(profile)
    guess = estimate(models, profile, n)
    say(f"live: {len(models)} model(s) trained afresh in the {profile} profile on {DATASET}, device {device}; "
        f"estimate {_duration(guess['total s'].sum())} (training {_duration(guess['train s'].sum())}, evaluation "
        f"{_duration(guess['evaluate s'].sum())}), from the reference cards' seconds per step on one CPU thread")
    data = load_dataset(DATASET, "train", download=(profile == "gpu"))
    rows, real = {}, None
    for i, m in enumerate(models, 1):
        say(f"[{i}/{len(models)}] {m}: {int(guess.loc[m, 'steps'])} steps, about {_duration(guess.loc[m, 'total s'])}")
        seed_everything(seed)
        model = build_model(m, data, profile=profile, device=device)
        steps = default_steps(m, data, profile)
        run = fit(model, data, steps=steps, seed=seed, progress=progress, desc=f"[{i}/{len(models)}] {m}",
                  snapshot_fn=None, log_every=max(1, min(100, steps // 10)))
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            report = measure(model, n, seed, model.evaluation_size(profile))
        rows[m] = _row(m, f"live, {profile}", run.steps, run.seconds, report)
        rows[m]["evaluate s"] = time.perf_counter() - t0
        real = real or (report if "real" in report else None)
    if real is not None:
        rows[REAL] = _real_row(real)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table[[*COLUMNS, "evaluate s"]].astype({"steps": "Int64"})
    table.index.name = "model"
    table.attrs["notes"] = [f"steps, train min and ms/step: measured now, {profile} profile, device {device}",
                            f"metrics: {n} samples per model against the MNIST test digits in the book's classifier "
                            "features (not an Inception network)",
                            f"{REAL}: as many real training digits, scored like a model"]
    if "cyclegan" in models:
        table.attrs["notes"].append("cyclegan: its samples are printed test digits translated into handwriting")
    return table


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --------------------------------------------------------------------------- output

def _cell(column: str, value: Any) -> str:
    if value is None or value is pd_na() or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value or "-"
    fmt = FORMATS.get(column, "{:.3g}")
    return fmt.format(value)


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def formatted(table: Any) -> Any:
    """The table with every figure as the printout shows it (a DataFrame of strings, for a notebook)."""
    return table.apply(lambda col: [_cell(col.name, v) for v in col])


def markdown(table: Any, notes: bool = True) -> str:
    """The table as aligned Markdown (what ``gans-edu compare`` prints), with its notes as a list under it."""
    cells = formatted(table)
    header = [table.index.name or "model", *map(str, table.columns)]
    body = [[str(i), *row] for i, row in zip(table.index, cells.values.tolist())]
    numeric = [False] + [c in FORMATS or c.endswith(" s") for c in table.columns]
    widths = [max(len(r[j]) for r in [header, *body]) for j in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if num else c.ljust(w)
                                 for c, w, num in zip(cells, widths, numeric)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric)) + "|"
    out = [line(header), rule, *map(line, body)]
    if notes and table.attrs.get("notes"):
        out += [""] + [f"- {note}" for note in table.attrs["notes"]]
    return "\n".join(out)


def write(table: Any, out: str | Path) -> tuple[Path, Path]:
    """Write ``out/table.csv`` (full precision) and ``out/table.md`` (as printed); return both paths."""
    from gans_edu.utils import atomic_write_text

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a directory")
    out.mkdir(parents=True, exist_ok=True)
    csv, md = out / "table.csv", out / "table.md"
    atomic_write_text(csv, table.to_csv())
    atomic_write_text(md, markdown(table) + "\n")
    return csv, md


# --------------------------------------------------------------------------- command line

def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``gans-edu compare`` (the command line registers the subcommand and calls :func:`command`)."""
    from gans_edu.cli import MAX_SAMPLES, MAX_SEED, MIN_EVAL, _int_in, _profile

    p.add_argument("models", nargs="*", metavar="MODEL",
                   help=f"a subset of the models (default: all ten: {', '.join(REFERENCE_OF)})")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--evaluate", action="store_true",
                     help="measure the shipped references again instead of reading their cards (minutes)")
    how.add_argument("--live", action="store_true",
                     help="train every model afresh in --profile (default cpu) and measure it; prints an estimate "
                          "first (over two hours for all ten in the cpu profile on one thread)")
    p.add_argument("--profile", type=_profile, help="with --live: the profile to train in (default cpu)")
    p.add_argument("--n", type=_int_in("--n", MIN_EVAL, MAX_SAMPLES),
                   help="samples per evaluation (default: the cards' 2000; with --live, the profile's)")
    p.add_argument("--seed", type=_int_in("--seed", 0, MAX_SEED), default=0)
    p.add_argument("--device", default="auto", help="where --evaluate and --live run (default: the best available)")
    p.add_argument("--out", type=Path, help="also write DIR/table.csv and DIR/table.md")


def command(args: argparse.Namespace) -> None:
    """``gans-edu compare``: build the table, print it as Markdown, write it when ``--out`` is given."""
    models = check_models(args.models)
    if args.profile is not None and not args.live:
        raise ValueError("--profile applies to --live runs only (the references were trained once; their "
                         "cards say how)")
    if args.n is not None and not (args.live or args.evaluate):
        raise ValueError("--n applies to --evaluate and --live (the cards hold 2000-sample metrics)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out} is a file, not a directory")
    if args.live:
        table = live_table(models, profile=args.profile or "cpu", n=args.n, seed=args.seed, device=args.device)
    else:
        table = reference_table(models, evaluate=args.evaluate, n=args.n, seed=args.seed,
                                device=args.device if args.evaluate else None)
    print(markdown(table))
    if args.out is not None:
        csv, md = write(table, args.out)
        print(f"wrote {csv} and {md}")
