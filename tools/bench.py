"""Benchmark chapter experiments through the command line: wall time and metrics, medians over repeats.

    python tools/bench.py [--runs gan:8gaussians gan:mnist ...] [--repeats 3] [--profile cpu] [--threads N]

Each run is `gans-edu train MODEL --dataset D --profile P --seed S` in a fresh folder (seeds
0..repeats-1), followed by the evaluation that `train` does. Prints a Markdown table of medians
(and min-max) with the machine it ran on, and writes the raw numbers to bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS = ["frechet_distance", "classifier_score", "classes_present", "precision", "recall", "modes_covered",
        "high_quality", "class_accuracy"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", nargs="+", default=["gan:8gaussians", "gan:25gaussians", "gan:mnist"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--profile", default="cpu")
    p.add_argument("--threads", type=int, help="OMP_NUM_THREADS for the runs (default: torch's choice)")
    p.add_argument("--out", type=Path, default=Path("bench.json"))
    args = p.parse_args()
    env = dict(os.environ, GANS_EDU_PROFILE=args.profile)
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    results = {}
    for spec in args.runs:
        model, _, dataset = spec.partition(":")
        rows = []
        for seed in range(args.repeats):
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [sys.executable, "-m", "gans_edu", "train", model, "--profile", args.profile, "--seed", str(seed),
                       "--out", str(Path(tmp) / "run")] + (["--dataset", dataset] if dataset else [])
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                cfg = json.loads((Path(tmp) / "run" / "config.json").read_text())
                metrics = json.loads((Path(tmp) / "run" / "metrics.json").read_text())
            rows.append({"wall_s": wall, "train_s": cfg["train_seconds"], "steps": cfg["steps_done"],
                         "model": metrics["model"], "real": metrics["real"]})
            print(f"{spec} seed {seed}: {wall:.1f} s", file=sys.stderr)
        results[spec] = rows
    args.out.write_text(json.dumps({"machine": machine, "profile": args.profile, "results": results}, indent=2))
    print(f"profile {args.profile} | {machine} | medians over {args.repeats} seeds (min-max)\n")
    print("| run | train s | " + " | ".join(KEYS) + " |")
    print("|---|---|" + "---|" * len(KEYS))
    for spec, rows in results.items():
        cells = [_stat([r["train_s"] for r in rows])]
        for k in KEYS:
            vals = [r["model"][k] for r in rows if k in r["model"]]
            real = [r["real"][k] for r in rows if k in r["real"]]
            cells.append(f"{_stat(vals)} (real {statistics.median(real):.3g})" if vals else "-")
        print(f"| {spec} | " + " | ".join(cells) + " |")


def _stat(vals: list[float]) -> str:
    return f"{statistics.median(vals):.3g} ({min(vals):.3g}-{max(vals):.3g})"


if __name__ == "__main__":
    main()
