"""One prepared check for a lent GPU (<= 8 minutes in all): how fast each chapter's gpu-profile run is, and on a T4.

    python tools/device_check.py [--out device_check.json] [--budget-s 420] [--models dcgan wgan ...]
    python tools/device_check.py --smoke        # on the CPU: the whole script in a minute or two, tiny models

For every chapter's gpu-profile run (model, dataset) it writes to JSON (and prints as a Markdown table):

* **steps per second** in the gpu profile, four ways: float32 eager, bf16 autocast, bf16 + ``torch.compile``,
  float32 + ``torch.compile`` (:mod:`gans_edu.accelerate`), with the **peak memory** of each. A run whose steps
  are not all alike is timed per kind of step: WGAN's bursts of 100 critic iterations apart from its ordinary
  steps, ProGAN at each stage of its schedule (float32 eager only; the other ways at the final resolution);
* **FLOPs per step** (products and convolutions, counted on the ``meta`` device: no arithmetic) and from them a
  **lower bound on a T4**: the run's FLOPs at the T4's peak float32 rate (8.1 TFLOPS). No T4 is faster than
  that, and small GAN steps reach a fraction of the peak, so the real time is several times the bound;
* the **projected T4 time** of the run: the float32 eager time measured on this GPU, step kind by step kind,
  times the ratio of this GPU's spec to a T4's. The ratio is the larger of the two spec ratios, float32 peak and
  memory bandwidth (:data:`SPECS`; H100 SXM over T4: 67/8.1 = 8.3 and 3350/320 = 10.5, so 10.5), which makes
  the projection an upper bound for a run that is compute- or memory-bound, and still over the truth for steps
  that mostly wait on kernel launches (the host runs those at about the same speed on any GPU). bf16 is not
  projected: a T4 (Turing) has no bf16 tensor cores;
* a **sample check**: 64 samples after the timed steps, finite and not constant (their range is reported).

The budget (``--budget-s``, default 390 s of the 480: a compile started late can take a minute) is shared out as
it runs: float32 and bf16 for every model first, then the compiled ways while time is left; what did not fit
says ``"skipped": "time budget"``.
``--smoke`` runs the same code on the CPU in the smoke profile (tiny networks, two timed steps, compile with the
cheap ``aot_eager`` backend), to show the script works end to end; its timings mean nothing for a GPU, so it
projects nothing (the FLOP bounds, counted for the gpu profile, hold anywhere).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gans_edu.accelerate import Speed, autocast, net_wrapper, swapped_nets  # noqa: E402
from gans_edu.data import load_dataset  # noqa: E402
from gans_edu.flops import count_flops  # noqa: E402
from gans_edu.models import build_model, default_steps  # noqa: E402
from gans_edu.train import BatchSampler, batches  # noqa: E402

# (chapter, model, dataset, config overrides): each chapter's gpu-profile runs
RUNS = [
    (1, "gan", "8gaussians", {}), (1, "gan", "mnist", {}),
    (2, "dcgan", "mnist", {}),
    (3, "improved-gan", "mnist", {}), (3, "improved-gan", "mnist", {"semi_supervised": True}),
    (4, "cgan", "mnist", {}),
    (5, "infogan", "mnist", {}),
    (6, "wgan", "mnist", {}),
    (7, "wgan-gp", "25gaussians", {}), (7, "wgan-gp", "mnist", {}),
    (8, "began", "mnist", {}),
    (9, "progan", "mnist", {}),
    (10, "cyclegan", "mnist", {}),
]
MODES = {"fp32": Speed(), "bf16": Speed(amp="bf16"), "bf16+compile": Speed(amp="bf16", compile=True),
         "fp32+compile": Speed(compile=True)}
# Vendor data sheets: dense float32 (non-tensor) TFLOPS and memory bandwidth in GB/s.
SPECS = {"T4": (8.1, 320), "L4": (30.3, 300), "A10": (31.2, 600), "A100": (19.5, 2039), "H100": (67.0, 3350),
         "H200": (67.0, 4800), "V100": (15.7, 900)}
T4_FP32_FLOPS = SPECS["T4"][0] * 1e12


@dataclass
class Segment:
    """A kind of step in a run: ``steps`` of them; ``prepare(model)`` puts the model where they happen."""

    label: str
    steps: int
    prepare: Any = None


def segments(model: Any, data: Any, profile: str) -> list[Segment]:
    steps = default_steps(model.name, data, profile)
    c = model.config
    if model.name == "wgan" and getattr(c, "burst_iters", 0):
        burst = sum(1 for g in range(steps) if model.critic_iters(g) != c.n_critic)
        return [Segment(f"burst of {c.burst_iters}", burst, lambda m: setattr(m, "g_steps", 0)),
                Segment(f"{c.n_critic} critic steps", steps - burst,
                        lambda m: setattr(m, "g_steps", m.config.burst_first))]
    if model.name == "progan" and c.progressive:
        from gans_edu.models.progan import schedule

        per = math.ceil(c.images_per_phase / c.batch_size)
        phases = 1 + 2 * int(math.log2(c.resolution // c.start_resolution))
        out = []
        for p in range(phases):
            _, res, _ = schedule(c, p * c.images_per_phase + c.images_per_phase // 2)
            kind = "fade-in to" if p % 2 else "at"
            n = per if p < phases - 1 else steps - per * (phases - 1)

            def prepare(m, p=p):
                m.images_seen, m.phase = p * m.config.images_per_phase + m.config.images_per_phase // 2, p

            out.append(Segment(f"phase {p}: {kind} {res}x{res}", n, prepare))
        return out
    return [Segment("step", steps)]


def load(dataset: str, n: int | None = None):
    return load_dataset(dataset, "train", n=n, verbose=False)


def flops_per_step(name: str, dataset: str, overrides: dict, profile: str) -> list[tuple[Segment, int]]:
    """Each segment's FLOPs per step, counted on the meta device (shapes only: milliseconds per step)."""
    data = load(dataset, 256)
    torch.manual_seed(0)
    model = build_model(name, data, profile=profile, device="meta", **overrides)
    n = 200_000
    x = torch.empty(n, *data.sample_shape, device="meta")
    y = torch.empty(n, dtype=torch.long, device="meta") if data.y is not None else None
    if overrides.get("semi_supervised"):
        k, per = model.config.num_classes, model.config.labels_per_class
        model.set_labelled(x[: k * per], torch.arange(k).repeat_interleave(per))
    draw = batches(x, y, BatchSampler(n, model.config.batch_size, 0, device="meta"))
    model.plan(default_steps(name, data, profile))
    model.train_step(draw)  # one-time set-up (GAN's output bias, the semi-supervised initialisation)
    out = []
    for seg in segments(model, data, profile):
        if seg.prepare is not None:
            seg.prepare(model)
        out.append((seg, count_flops(lambda: model.train_step(draw))))
    return out


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_mode(name: str, dataset: str, overrides: dict, profile: str, device: torch.device, speed: Speed,
              segs: list[str] | None, min_s: float, max_steps: int, warmup: int, compile_kw: dict) -> dict[str, Any]:
    """Seconds per step of each segment (``segs``: their labels; None: all), and the peak memory."""
    data = load(dataset)
    torch.manual_seed(0)
    model = build_model(name, data, profile=profile, device=device, **overrides)
    model.plan(default_steps(name, data, profile))
    x, y = data.x.to(device), (data.y.to(device) if data.y is not None else None)
    draw = batches(x, y, BatchSampler(len(data), model.config.batch_size, 0, device=device))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats(device)
    result: dict[str, Any] = {"seconds_per_step": {}}
    t_start = time.perf_counter()
    with swapped_nets(model, net_wrapper(model, speed.compile, **compile_kw)):
        model.train_step(draw)  # one-time set-up, outside the timing
        for seg in segments(model, data, profile):
            if segs is not None and seg.label not in segs:
                continue
            if seg.prepare is not None:
                seg.prepare(model)
            for _ in range(warmup):  # compiles, cudnn.benchmark's search
                with autocast(device, speed.amp):
                    model.train_step(draw)
            sync(device)
            t0, n = time.perf_counter(), 0
            while n < max_steps and (n < 2 or time.perf_counter() - t0 < min_s):
                with autocast(device, speed.amp):
                    losses = model.train_step(draw)
                n += 1
            sync(device)
            result["seconds_per_step"][seg.label] = (time.perf_counter() - t0) / n
            result["finite"] = bool(all(torch.isfinite(v).all() for v in losses.values()))
    if device.type == "cuda":
        result["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    result["wall_s"] = round(time.perf_counter() - t_start, 1)
    if speed == MODES["fp32"]:
        result["sample_check"] = sample_check(model)
    return result


def sample_check(model: Any) -> dict[str, Any]:
    labels = (torch.arange(64) % 10) if model.takes_labels else None
    x = model.sample(64, labels=labels, generator=torch.Generator().manual_seed(0))
    finite = bool(torch.isfinite(x).all())
    std = float(x.float().std()) if finite else float("nan")
    out = {"shape": list(x.shape), "finite": finite, "std": round(std, 4), "min": round(float(x.min()), 3),
           "max": round(float(x.max()), 3)}
    out["ok"] = finite and std > 1e-3  # not constant; the range is reported (ProGAN's G has a linear output)
    return out


def gpu_ratio(device: torch.device) -> tuple[float | None, str]:
    """This GPU's speed over a T4's, by data sheet (the larger of the float32 and bandwidth ratios)."""
    if device.type != "cuda":
        return None, "not a GPU: no projection"
    name = torch.cuda.get_device_name(device)
    for key, (tflops, bw) in SPECS.items():
        if key in name.replace(" ", ""):
            t4_tflops, t4_bw = SPECS["T4"]
            ratio = max(tflops / t4_tflops, bw / t4_bw)
            return ratio, (f"{name}: {tflops:g} TFLOPS fp32, {bw} GB/s; T4: {t4_tflops:g}, {t4_bw}; ratio "
                           f"max({tflops / t4_tflops:.1f}, {bw / t4_bw:.1f}) = {ratio:.1f}")
    return None, f"{name}: not in SPECS, no projection"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("device_check.json"))
    p.add_argument("--budget-s", type=float, default=390.0, help="start no new measurement after this many seconds")
    p.add_argument("--models", nargs="+", help="only these models (default: every chapter's runs)")
    p.add_argument("--smoke", action="store_true", help="on the CPU, smoke profile: does the script run?")
    args = p.parse_args(argv)

    t_begin = time.perf_counter()
    smoke = args.smoke
    device = torch.device("cpu") if smoke or not torch.cuda.is_available() else torch.device("cuda")
    profile = "smoke" if smoke else "gpu"
    timing = dict(min_s=0.0, max_steps=2, warmup=1) if smoke else dict(min_s=1.5, max_steps=200, warmup=3)
    compile_kw = {"backend": "aot_eager"} if smoke else {}
    ratio, ratio_note = gpu_ratio(device)
    runs = [r for r in RUNS if not args.models or r[1] in args.models]
    report: dict[str, Any] = {
        "device": (torch.cuda.get_device_name(device) if device.type == "cuda"
                   else f"CPU ({platform.machine()}, {os.cpu_count()} cores)"),
        "torch": torch.__version__, "profile_timed": profile, "budget_s": args.budget_s, "t4_ratio": ratio,
        "t4_ratio_note": ratio_note, "t4_fp32_tflops": SPECS["T4"][0], "runs": [],
    }

    def left() -> float:
        return args.budget_s - (time.perf_counter() - t_begin)

    # 1. FLOPs per step in the gpu profile (meta device) and the T4 lower bound.
    for chapter, name, dataset, overrides in runs:
        entry: dict[str, Any] = {"chapter": chapter, "model": name, "dataset": dataset, "overrides": overrides,
                                 "segments": [], "modes": {}}
        for seg, flops in flops_per_step(name, dataset, overrides, "gpu"):
            entry["segments"].append({"label": seg.label, "steps": seg.steps, "gflops_per_step": round(flops / 1e9, 3)})
        total = sum(s["steps"] * s["gflops_per_step"] * 1e9 for s in entry["segments"])
        entry["gpu_profile_steps"] = sum(s["steps"] for s in entry["segments"])
        entry["t4_lower_bound_min"] = round(total / T4_FP32_FLOPS / 60, 2)
        report["runs"].append(entry)
        print(f"flops: ch {chapter} {name} {dataset}: {entry['t4_lower_bound_min']} min at the T4's peak", file=sys.stderr)

    # 2. Timings, in rounds: every run float32 and bf16 first, then the compiled ways while the budget lasts.
    for mode in MODES:
        for entry in report["runs"]:
            name, dataset, overrides = entry["model"], entry["dataset"], entry["overrides"]
            labels = [s["label"] for s in entry["segments"]]
            segs = None if mode == "fp32" else labels[-1:] if name == "progan" else None
            if left() <= 0:
                entry["modes"][mode] = {"skipped": "time budget"}
                continue
            try:
                entry["modes"][mode] = time_mode(name, dataset, overrides, profile, device, MODES[mode], segs,
                                                 compile_kw=compile_kw, **timing)
            except Exception as err:  # one failure is a row of the report, not the end of the check
                entry["modes"][mode] = {"error": f"{type(err).__name__}: {str(err)[:300]}"}
            if device.type == "cuda":
                torch.cuda.empty_cache()
            print(f"{mode}: {name} {dataset}: {json.dumps(entry['modes'][mode])[:200]}", file=sys.stderr)

    # 3. Per run: steps per second of each way, the run's time here, and the projection to a T4.
    for entry in report["runs"]:
        steps = {s["label"]: s["steps"] for s in entry["segments"]}
        for r in entry["modes"].values():
            sps = r.get("seconds_per_step")
            if not sps:
                continue
            r["steps_per_s"] = {k: round(1 / v, 2) for k, v in sps.items()}
            if profile == "gpu" and set(sps) == set(steps):  # every kind of step timed: the whole run here
                r["run_min_here"] = round(sum(steps[k] * v for k, v in sps.items()) / 60, 2)
        fp32 = entry["modes"].get("fp32", {})
        if ratio is not None and "run_min_here" in fp32:
            entry["projected_t4_min"] = round(fp32["run_min_here"] * ratio, 1)
        entry["sample_check"] = fp32.get("sample_check")
    report["seconds"] = round(time.perf_counter() - t_begin, 1)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nwrote {args.out} ({report['seconds']} s)", file=sys.stderr)
    return 0


def table(report: dict[str, Any]) -> str:
    """The report as Markdown: one row per run."""
    head = ("| ch | run | gpu steps | T4 lower bound (min) | " + " | ".join(f"{m} steps/s" for m in MODES)
            + " | peak MiB (fp32) | run here (min, fp32) | projected T4 (min) | samples |")
    lines = [f"device: {report['device']}, torch {report['torch']}, timed in the {report['profile_timed']} profile; "
             f"T4 ratio: {report['t4_ratio_note']}", "", head, "|" + "---|" * (head.count("|") - 1)]
    for e in report["runs"]:
        cells = []
        for m in MODES:
            r = e["modes"].get(m, {})
            if "steps_per_s" in r:
                cells.append(", ".join(f"{v:g}" for v in r["steps_per_s"].values()))
            else:
                cells.append(r.get("skipped") or ("error" if "error" in r else "-"))
        fp32 = e["modes"].get("fp32", {})
        run = f"{e['model']} {e['dataset']}" + (" semi" if e["overrides"] else "")
        check = e.get("sample_check") or {}
        lines.append(f"| {e['chapter']} | {run} | {e['gpu_profile_steps']} | {e['t4_lower_bound_min']} | "
                     + " | ".join(cells) + f" | {fp32.get('peak_memory_mib', '-')} | {fp32.get('run_min_here', '-')} | "
                     f"{e.get('projected_t4_min', '-')} | {'ok' if check.get('ok') else check.get('ok', '-')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
