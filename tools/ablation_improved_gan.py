"""Chapter 3's ablation, several seeds: the DCGAN baseline, each Improved-GAN trick alone, all five together.

    python tools/ablation_improved_gan.py --data 25gaussians --seeds 0 1 2 --out runs/ablation_toy
    python tools/ablation_improved_gan.py --data mnist --steps 400 --seeds 0 1 2 --out runs/ablation_mnist
    python tools/ablation_improved_gan.py --variants "+ historical averaging" --set ha_weight=0.1 --out runs/ha01

Every run: `improved-gan` in the given profile (default cpu) with the variant's switches
(gans_edu.models.improved_gan.ABLATION), `torch.manual_seed(seed)` and `fit(seed=seed)`, the same steps
for every variant. Metrics: on a 2-D toy, modes covered and the high-quality share (gans_edu.metrics.toy);
on MNIST, the book's classifier (classifier score, Frechet distance, classes present, smallest class
share; not Inception numbers). Each finished run is appended to OUT/runs.csv (a rerun skips the runs
already there), and OUT/summary.md gets the median and [min, max] over seeds with the real-data row.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate
from gans_edu.models import build_model
from gans_edu.models.improved_gan import ABLATION, ablation_switches
from gans_edu.profiles import eval_n
from gans_edu.train import fit

TOY_KEYS = ("modes_covered", "high_quality")
IMAGE_KEYS = ("classifier_score", "frechet_distance", "classes_present", "min_class_share")


def run_one(data, variant: str, seed: int, steps: int, profile: str, n: int, extra: dict | None = None) -> dict:
    torch.manual_seed(seed)
    model = build_model("improved-gan", data, profile=profile, **{**ablation_switches(variant), **(extra or {})})
    result = fit(model, data, steps=steps, seed=seed, snapshot_fn=None, progress=False)
    report = evaluate(model.sample(n, generator=torch.Generator().manual_seed(seed + 1)), data.name)
    keys = TOY_KEYS if data.kind == "toy" else IMAGE_KEYS
    return {"variant": variant, "seed": seed, "steps": result.steps, "seconds": round(result.seconds, 1),
            **{k: report["model"][k] for k in keys}, **{f"real_{k}": report["real"][k] for k in keys}}


def fmt(values: list[float]) -> str:
    med, lo, hi = statistics.median(values), min(values), max(values)
    big = max(abs(v) for v in values)
    digits = 0 if all(float(v).is_integer() for v in values) or big >= 100 else (1 if big >= 10 else 3)
    return f"{med:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def summary(rows: list[dict], keys: tuple[str, ...]) -> str:
    """A Markdown table: one row per variant, median [min, max] over seeds, then the real-data row."""
    lines = ["| variant | seeds | " + " | ".join(keys) + " | training seconds |", "|---" * (len(keys) + 3) + "|"]
    for variant in ABLATION:
        mine = [r for r in rows if r["variant"] == variant]
        if mine:
            cells = [fmt([float(r[k]) for r in mine]) for k in (*keys, "seconds")]
            lines.append(f"| {variant} | {len(mine)} | " + " | ".join(cells) + " |")
    if rows:
        real = [f"{statistics.median(float(r[f'real_{k}']) for r in rows):.3g}" for k in keys]
        lines.append("| real data | | " + " | ".join(real) + " | |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="25gaussians", help="25gaussians (or another toy) or mnist")
    p.add_argument("--steps", type=int, help="steps per run (default: the profile's for the toys, 400 for mnist)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--variants", nargs="+", default=list(ABLATION), help="a subset of: " + ", ".join(ABLATION))
    p.add_argument("--profile", default="cpu")
    p.add_argument("--n", type=int, help="samples per evaluation (default: the profile's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a config override for every run, e.g. ha_weight=0.1 (use a fresh --out)")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    extra = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set wants KEY=VALUE, got {item!r}")
        extra[key] = ast.literal_eval(value) if value not in ("true", "false") else value == "true"
    for v in args.variants:
        ablation_switches(v)  # ValueError naming the valid variants
    data = load_dataset(args.data, verbose=False)
    if args.steps is None:
        from gans_edu.models.improved_gan import default_steps

        args.steps = default_steps(data, args.profile) if data.kind == "toy" else 400
    n = args.n or eval_n(args.profile)
    keys = TOY_KEYS if data.kind == "toy" else IMAGE_KEYS
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "runs.csv"
    rows = list(csv.DictReader(path.open())) if path.exists() else []
    done = {(r["variant"], int(r["seed"]), int(r["steps"])) for r in rows}
    t0 = time.perf_counter()
    for seed in args.seeds:
        for variant in args.variants:
            if (variant, seed, args.steps) in done:
                continue
            row = run_one(data, variant, seed, args.steps, args.profile, n, extra)
            new = not path.exists()
            with path.open("a", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(row))
                if new:
                    w.writeheader()
                w.writerow(row)
            rows.append({k: str(v) for k, v in row.items()})
            print(f"{variant:30s} seed {seed}: " + ", ".join(f"{k} {row[k]:.3g}" for k in (*keys, "seconds")),
                  flush=True)
    rows = [r for r in rows if int(r["steps"]) == args.steps]
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
               f"{os.environ.get('OMP_NUM_THREADS', 'default')} thread(s)")
    text = (f"{args.data}, profile {args.profile}, {args.steps} steps per run, {n} samples per evaluation; "
            f"{machine}; overrides {extra or 'none'}; this call {time.perf_counter() - t0:.0f} s\n\n" + summary(rows, keys))
    (args.out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
