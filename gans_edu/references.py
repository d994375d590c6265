"""Reference runs: each chapter's model trained once for longer, shipped small, loaded in seconds.

A chapter trains its own live run (sized by the profile) and then loads its reference to show what
the paper's algorithm reaches with a longer budget. Everything about a reference lives here:

* :data:`RECIPES` - one committed recipe per reference (model, dataset, config overrides, seeds, steps);
* :func:`train` - runs the recipe through ``gans-edu train`` (resumable) and :func:`pack` ships it;
* :func:`pack` - keeps only what sampling, translation or classification needs, in fp16 where the metrics
  do not move, and writes a card (JSON) with the exact command, commit, time, device and metrics;
* :func:`load` - the shipped weights as a ready model (``weights_only=True``);
* :func:`export` - an ordinary run directory that ``gans-edu sample|evaluate|translate`` accept.

The weights and cards live in ``gans_edu/weights/references/`` (package data), so an install from git
has them.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

REFERENCE_DIR = Path(__file__).parent / "weights" / "references"
FORMAT = "gans-edu-reference/1"
SIZE_CAP = 50 * 1024 * 1024  # bytes, for all references together
EVAL_N = 2000  # samples behind every card's image metrics (CycleGAN: every test digit of both domains)
EVAL_SEED = 0
TRANSLATION_N = None  # test digits per domain behind a CycleGAN card (None: all of them)


@dataclass(frozen=True)
class Recipe:
    """How one reference is trained.

    Attributes:
        name: the reference's name (``gans-edu reference train NAME``).
        model, dataset: as ``gans-edu train MODEL --dataset DATASET``.
        chapter: the chapter that loads it.
        steps: generator steps (None: the model's own schedule sets them, e.g. ProGAN's images per phase).
        profile: the profile whose config (widths, rates) the run starts from; ``overrides`` change it.
        overrides: config fields (``--set KEY=VALUE``).
        seeds: the seeds trained; more than one only with a label-free ``select`` rule.
        select: how one of several seeds is kept without looking at quality measured with labels.
        ship: the networks whose weights are shipped (the rest is left at its initialisation).
        extra: the keys of the model's extra state that are shipped (None: all of it).
        variants: further runs of the same recipe, label -> config overrides on top of ``overrides`` (e.g. BEGAN's
            gamma sweep); each is trained with the kept seed and shipped beside the main run.
        note: one line for ``reference list`` and the card.
    """

    name: str
    model: str
    dataset: str
    chapter: str
    steps: int | None
    profile: str = "cpu"
    overrides: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0,)
    select: str | None = None
    ship: tuple[str, ...] = ("G",)
    extra: tuple[str, ...] | None = None
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""

    def train_args(self, seed: int, out: Path, variant: str | None = None) -> list[str]:
        """The ``gans-edu train`` arguments of one seed (and optionally one variant) of this recipe."""
        args = ["train", self.model, "--dataset", self.dataset, "--profile", self.profile, "--seed", str(seed)]
        if self.steps is not None:
            args += ["--steps", str(self.steps)]
        for k, v in {**self.overrides, **(self.variants[variant] if variant else {})}.items():
            args += ["--set", f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"]
        return args + ["--out", str(out)]


# Selection rules: each maps a trained model to a number, lower is better, computed without labels.
SELECTIONS = {
    "even_code_split": "the largest share of the real training digits that Q puts under one code "
                       "(lower: the codes split real digits more evenly; no labels used)",
}


RECIPES: dict[str, Recipe] = {r.name: r for r in [
    Recipe("gan-8gaussians", "gan", "8gaussians", "00_toys", steps=20_000, note="the 2014 GAN on eight Gaussians"),
    Recipe("gan-25gaussians", "gan", "25gaussians", "00_toys", steps=20_000,
           note="the 2014 GAN on a 5x5 grid of Gaussians"),
    Recipe("gan-mnist", "gan", "mnist", "01_gan", steps=10_000, note="the 2014 GAN's maxout networks on MNIST"),
    Recipe("dcgan", "dcgan", "mnist", "02_dcgan", steps=6_000, note="DCGAN on MNIST"),
    Recipe("improved-gan", "improved-gan", "mnist", "03_improved_gan", steps=3_200,
           note="minibatch discrimination, virtual batch norm, one-sided smoothing on MNIST"),
    Recipe("improved-gan-semi", "improved-gan", "mnist", "03_improved_gan", steps=20_000,
           overrides={"semi_supervised": True}, ship=("G", "D"),
           extra=("D_avg", "ema_steps", "initialised", "labelled", "step"),
           note="feature matching + a (K+1)-class D from 100 labels: the classifier is the product"),
    Recipe("cgan", "cgan", "mnist", "04_cgan", steps=5_000, note="conditional GAN: one digit class per label"),
    # The paper's widths (Appendix C, Table 1): channels 64, dense 1024, Q's head 128. Which digits share a code is
    # settled early and differs between seeds, so three seeds are trained and the one whose codes split real
    # digits most evenly is kept (no labels used); the card reports all three.
    Recipe("infogan", "infogan", "mnist", "05_infogan", steps=2_000, seeds=(0, 1, 2), select="even_code_split",
           overrides={"channels": 64, "dense": 1024, "q_hidden": 128}, ship=("G", "D"),
           note="InfoGAN at the paper's widths: a 10-way code found without labels (D carries Q)"),
    Recipe("wgan", "wgan", "mnist", "06_wgan", steps=2_000, note="WGAN with weight clipping on MNIST"),
    Recipe("wgan-gp-25gaussians", "wgan-gp", "25gaussians", "07_wgan_gp", steps=20_000,
           note="WGAN-GP on a 5x5 grid of Gaussians"),
    Recipe("wgan-gp-mnist", "wgan-gp", "mnist", "07_wgan_gp", steps=2_000, note="WGAN-GP on MNIST"),
    # BEGAN's objective and controller (Sec. 3.3) with networks that are not the paper's: the paper's autoencoder
    # pair stays collapsed at these budgets (chapter 8), a DCGAN-style G with a shallow batch-normalised
    # autoencoder D leaves the collapse within a few hundred steps. The paper's hyperparameters (batch 16,
    # Adam 1e-4, lambda_k 0.001, k_0 = 0); gamma 0.7, the top of the paper's sweep, because below about 0.65
    # these networks never bring k_t above 0. The variants sweep gamma as in the paper's Figure 2.
    Recipe("began", "began", "mnist", "08_began", steps=16_000,
           overrides={"arch_g": "dcgan", "arch_d": "shallow", "init": "normal", "n": 32, "gamma": 0.7},
           variants={"gamma=0.5": {"gamma": 0.5}, "gamma=0.9": {"gamma": 0.9}},
           note="BEGAN's objective with a DCGAN-style G and a shallow batch-normalised autoencoder D"),
    Recipe("progan", "progan", "mnist", "09_progan", steps=None, overrides={"images_per_phase": 12_000},
           extra=("images_seen", "phase", "G_ema", "phase_samples"), note="ProGAN grown 4x4 -> 32x32 on MNIST"),
    # Twice the cpu profile's widths (ngf 16, ndf 32), four times its steps; losses, pool and schedule the paper's.
    Recipe("cyclegan", "cyclegan", "mnist", "10_cyclegan", steps=4_000, overrides={"ngf": 16, "ndf": 32},
           ship=("G_ab", "G_ba"),
           extra=("step",), note="CycleGAN: handwritten <-> printed digits, no pairs"),
]}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; ``ValueError`` naming the valid ones otherwise."""
    if name not in RECIPES:
        raise ValueError(f"unknown reference {name!r}; valid references: {', '.join(RECIPES)}")
    return RECIPES[name]


def weights_path(name: str) -> Path:
    return REFERENCE_DIR / f"{recipe(name).name}.pt"


def card_path(name: str) -> Path:
    return REFERENCE_DIR / f"{recipe(name).name}.json"


def available() -> list[str]:
    """The references whose weights and card are shipped."""
    return [n for n in RECIPES if weights_path(n).is_file() and card_path(n).is_file()]


def card(name: str) -> dict[str, Any]:
    """The card of a shipped reference: how it was made and what it measures."""
    path = card_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"reference {name!r} is not shipped yet (no {path.name}); "
                                f"train it with 'gans-edu reference train {name}'")
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- loading

@dataclass
class Reference:
    """A loaded reference: the model, its card, its training history and its variants (label -> model)."""

    name: str
    model: Any
    card: dict[str, Any]
    history: list[dict[str, float]]
    variants: dict[str, Any] = field(default_factory=dict)


def load(name: str, device: torch.device | str | None = None) -> Reference:
    """Load a shipped reference onto ``device`` (default: the best available) in seconds."""
    from gans_edu.utils import pick_device

    c = card(name)
    device = pick_device(device)
    model, state = _load_weights(weights_path(name), c, device)
    variants = {}
    for label, v in c.get("variants", {}).items():
        variants[label] = build_from_card({**c, "config": v["config"]}, device)
        variants[label].load_state_dict(state["variants"][label], strict=False)
    return Reference(name, model, c, list(state.get("history", [])), variants)


def _load_weights(path: Path, c: dict[str, Any], device: torch.device | str) -> tuple[Any, dict[str, Any]]:
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} file")
    model = build_from_card(c, device)
    model.load_state_dict(state["model"], strict=False)
    return model, state


def build_from_card(c: dict[str, Any], device: torch.device | str = "cpu") -> Any:
    """An untrained model with the card's exact config."""
    from gans_edu.data import load_dataset
    from gans_edu.models import build_model

    data = load_dataset(c["dataset"], "test", n=16, verbose=False)
    return build_model(c["model"], data, profile=c["profile"], device=device, config=c["config"])


def shipped_state(model: Any, r: Recipe, half: bool) -> dict[str, Any]:
    """What a reference keeps of a trained model: the ``ship`` networks and the ``extra`` state, no optimiser."""
    def cast(v: Any) -> Any:
        if torch.is_tensor(v):
            v = v.detach().cpu()
            return v.half() if half and v.is_floating_point() else v.clone()
        if isinstance(v, dict):
            return {k: cast(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(cast(x) for x in v)
        return v

    unknown = [k for k in r.ship if k not in model.nets]
    if unknown:
        raise ValueError(f"recipe {r.name!r} ships {unknown}, which model {r.model!r} does not have: {list(model.nets)}")
    extra = model.extra_state()
    if r.extra is not None:
        extra = {k: v for k, v in extra.items() if k in r.extra}
    return {"nets": {k: cast(model.nets[k].state_dict()) for k in r.ship}, "optimizers": {}, "extra": cast(extra)}


# --------------------------------------------------------------------------- evaluation

def evaluate_model(model: Any, dataset: str, n: int | None = EVAL_N, seed: int = EVAL_SEED) -> dict[str, Any]:
    """The metrics ``gans-edu evaluate`` reports, for a model in memory (the cards use ``EVAL_N``, ``EVAL_SEED``;
    a CycleGAN is always measured on every test digit of both domains)."""
    from gans_edu.cli import evaluation_report

    return evaluation_report(model, dataset, n=TRANSLATION_N if hasattr(model, "translate") else n, seed=seed)


KEY_METRICS = {  # what `reference list` shows, by kind: (path in the report, label, format)
    "toy": [(("model", "modes_covered"), "modes", "{:.0f}"), (("model", "high_quality"), "high-quality", "{:.0%}")],
    "image": [(("model", "frechet_distance"), "FD", "{:.0f}"), (("real", "frechet_distance"), "real FD", "{:.1f}"),
              (("model", "classifier_score"), "score", "{:.2f}"), (("model", "classes_present"), "classes", "{:.0f}")],
    "semi": [(("classifier", "test_error"), "test error", "{:.1%}")],
    "code": [(("code", "generation_matched"), "code matched", "{:.1%}")],
    "translation": [(("a2b", "label_kept"), "a2b kept", "{:.0%}"), (("b2a", "label_kept"), "b2a kept", "{:.0%}")],
}


def key_metrics(c: dict[str, Any]) -> str:
    """A short line of the card's headline numbers."""
    m = c.get("metrics", {})
    kinds = ["translation"] if "a2b" in m else (["toy"] if "modes_covered" in m.get("model", {}) else ["image"])
    kinds += [k for k in ("semi", "code") if ("classifier" if k == "semi" else k) in m]
    parts = []
    for kind in kinds:
        for path, label, fmt in KEY_METRICS[kind]:
            v: Any = m
            for p in path:
                v = v.get(p) if isinstance(v, dict) else None
            if isinstance(v, (int, float)):
                parts.append(f"{label} {fmt.format(v)}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- training and packing

def train(name: str, work: Path, device: str = "auto", pack_after: bool = True) -> dict[str, Any] | None:
    """Train every seed of ``name``'s recipe under ``work/NAME/seedS`` (resuming what is there), then pack it."""
    r = recipe(name)
    if len(r.seeds) > 1 and r.select not in SELECTIONS:
        raise ValueError(f"recipe {name!r} trains {len(r.seeds)} seeds but has no label-free selection rule")
    runs = []
    for seed in r.seeds:
        out = Path(work) / r.name / f"seed{seed}"
        if not _train_one(r, seed, out, device):
            return None
        runs.append(out)
    seed = r.seeds[0]
    if r.variants:  # variants use the kept seed: with one seed that is known now; with several, after selection
        seed = _select(r, runs)[0]["seed"] if r.select else seed
    variant_runs = {}
    for label in r.variants:
        out = Path(work) / r.name / f"variant-{_slug(label)}" / f"seed{seed}"
        if not _train_one(r, seed, out, device, label):
            return None
        variant_runs[label] = out
    return pack(name, runs, variant_runs) if pack_after else None


def _train_one(r: Recipe, seed: int, out: Path, device: str, variant: str | None = None) -> bool:
    from gans_edu.cli import main as cli

    what = f"{r.name}" + (f" [{variant}]" if variant else "") + f": seed {seed}"
    if _finished(out, r.steps):
        print(f"{what} already trained in {out}")
        return True
    resume = ["--resume"] if (out / "checkpoint.pt").is_file() else []
    print(f"{what} -> {out}")
    out.mkdir(parents=True, exist_ok=True)
    if not resume:  # the code that trains it, for the card
        (out / "commit.txt").write_text(f"{_commit()}\n")
    code = cli(r.train_args(seed, out, variant) + ["--device", device, "--no-eval"] + resume)
    if code != 0 or not _finished(out, r.steps):
        print(f"{what} did not finish (exit {code}); rerun the same command to resume")
        return False
    return True


def _slug(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label)


def _finished(out: Path, steps: int | None) -> bool:
    cfg = out / "config.json"
    if not cfg.is_file():
        return False
    c = json.loads(cfg.read_text())
    want = steps if steps is not None else c.get("steps")  # a recipe made longer resumes its runs
    return c.get("steps_done") is not None and want is not None and c["steps_done"] >= want


def selection_score(model: Any, rule: str) -> float:
    """The label-free number a multi-seed recipe keeps the lowest of."""
    if rule == "even_code_split":
        from gans_edu.data import load_dataset
        from gans_edu.models.infogan import code_shares

        train_x = load_dataset("mnist", "train", verbose=False).x
        return max(code_shares(model.predict_code(train_x), model.config.cat_dim))
    raise ValueError(f"unknown selection rule {rule!r}; valid: {', '.join(SELECTIONS)}")


def _select(r: Recipe, runs: list[Path]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(chosen, candidates)``: every trained seed with its label-free score; the lowest score is kept."""
    from gans_edu.cli import load_run

    candidates = []
    for run in runs:
        model, cfg = load_run(run)
        score = selection_score(model, r.select) if r.select else None
        candidates.append({"run": run, "seed": cfg["seed"], "selection_score": score, "model": model, "cfg": cfg})
    chosen = min(candidates, key=lambda c: c["selection_score"]) if r.select else candidates[0]
    return chosen, candidates


def pack(name: str, runs: list[Path], variant_runs: dict[str, Path] | None = None) -> dict[str, Any]:
    """Keep one trained run (by the recipe's label-free rule if several), ship its weights (and its variants')
    and write its card."""
    from gans_edu.cli import load_run
    from gans_edu.train import read_history

    r = recipe(name)
    chosen, candidates = _select(r, runs)
    model, cfg = chosen["model"], chosen["cfg"]
    variants = {}  # label -> (model, run config)
    for label, run in (variant_runs or {}).items():
        variants[label] = load_run(run)

    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    history = read_history(chosen["run"] / "history.csv") if (chosen["run"] / "history.csv").is_file() else []
    # fp16 when the headline metrics do not move; otherwise fp32.
    full = evaluate_model(model, cfg["dataset"])
    payload = {"format": FORMAT, "name": r.name, "steps": cfg["steps_done"], "history": history}

    def save(half: bool) -> None:
        torch.save({**payload, "model": shipped_state(model, r, half),
                    "variants": {label: shipped_state(m, r, half) for label, (m, _) in variants.items()}},
                   weights_path(name))

    save(half=True)
    metrics = evaluate_model(_load_weights(weights_path(name), cfg, "cpu")[0], cfg["dataset"])
    precision = "fp16"
    if not _close(full, metrics):
        save(half=False)
        metrics, precision = evaluate_model(_load_weights(weights_path(name), cfg, "cpu")[0], cfg["dataset"]), "fp32"
    variant_cards = {}
    for label, (_, vcfg) in variants.items():
        shipped = build_from_card(vcfg, "cpu")
        shipped.load_state_dict(torch.load(weights_path(name), weights_only=True)["variants"][label], strict=False)
        variant_cards[label] = {"overrides": r.variants[label], "config": vcfg["config"], "seed": vcfg["seed"],
                                "steps": vcfg["steps_done"], "train_seconds": vcfg.get("train_seconds"),
                                "train_command": "gans-edu " + " ".join(r.train_args(
                                    vcfg["seed"], Path("runs/references") / r.name / f"variant-{_slug(label)}"
                                    / f"seed{vcfg['seed']}", label)),
                                "metrics": _jsonable(evaluate_model(shipped, vcfg["dataset"]))}

    report_candidates = []
    if r.select:  # every seed, with what the labels say about it (reported, never used to choose)
        for c in candidates:
            entry = {"seed": c["seed"], "selection_score": c["selection_score"]}
            if c["model"].categorical_code:
                from gans_edu.models.infogan import code_scores

                entry["generation_matched"] = code_scores(c["model"], EVAL_N, EVAL_SEED + 1)["generation_matched"]
            report_candidates.append(entry)
    command = "gans-edu " + " ".join(r.train_args(chosen["seed"], Path("runs/references") / r.name / f"seed{chosen['seed']}"))
    c = {
        "name": r.name, "model": r.model, "dataset": r.dataset, "chapter": r.chapter, "note": r.note,
        "profile": r.profile, "overrides": r.overrides, "config": cfg["config"], "seed": chosen["seed"],
        "steps": cfg["steps_done"], "train_seconds": cfg.get("train_seconds"), "device": cfg["device"],
        "device_name": _device_name(cfg["device"]), "torch": cfg["torch"], "data_source": cfg.get("data_source"),
        "commit": _read(chosen["run"] / "commit.txt") or _commit(), "packed_at_commit": _commit(),
        "date": time.strftime("%Y-%m-%d"),
        "command": f"gans-edu reference train {r.name}", "train_command": command,
        "selection": ({"rule": r.select, "description": SELECTIONS[r.select], "seeds": list(r.seeds),
                       "chosen": chosen["seed"], "candidates": report_candidates} if r.select else None),
        "shipped": {"nets": list(r.ship), "precision": precision, "bytes": weights_path(name).stat().st_size},
        "eval": {"n": TRANSLATION_N if r.model == "cyclegan" else EVAL_N, "seed": EVAL_SEED},
        "metrics": _jsonable(metrics),
        "variants": variant_cards,
    }
    card_path(name).write_text(json.dumps(c, indent=1) + "\n")
    print(f"{r.name}: shipped {weights_path(name)} ({c['shipped']['bytes'] / 1e6:.2f} MB, {precision}); {key_metrics(c)}")
    return c


def _close(a: dict, b: dict, rel: float = 0.02) -> bool:
    """Whether every number of report ``b`` is within ``rel`` (relative, or 0.01 absolute) of ``a``'s."""
    for k, v in a.items():
        if k == "seconds":
            continue
        w = b.get(k)
        if isinstance(v, dict) and isinstance(w, dict):
            if not _close(v, w, rel):
                return False
        elif isinstance(v, (int, float)) and isinstance(w, (int, float)) and not isinstance(v, bool):
            if abs(v - w) > max(0.01, rel * abs(v)):
                return False
    return True


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if torch.is_tensor(v):
        return v.tolist()
    return v


def _read(path: Path) -> str | None:
    return path.read_text().strip() if path.is_file() else None


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "gans_edu"],
                               cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _device_name(device: str) -> str:
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads"


# --------------------------------------------------------------------------- export

def export(name: str, out: Path) -> Path:
    """Write ``out`` as an ordinary run directory (config.json, checkpoint.pt, card.json) from the shipped files.

    ``gans-edu sample``, ``evaluate`` and ``translate`` accept it unchanged; it cannot be resumed (no optimiser).
    """
    c = card(name)
    out = Path(out)
    if (out / "checkpoint.pt").exists():
        raise FileExistsError(f"{out} already holds a run; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    state = torch.load(weights_path(name), map_location="cpu", weights_only=True)
    torch.save({"model": state["model"], "steps": state["steps"], "reference": name, "history": state.get("history", [])},
               out / "checkpoint.pt")
    config = {"model": c["model"], "dataset": c["dataset"], "profile": c["profile"], "seed": c["seed"],
              "steps": c["steps"], "minutes": None, "device": c["device"], "config": c["config"], "torch": c["torch"],
              "data_source": c.get("data_source"), "steps_done": c["steps"], "train_seconds": c["train_seconds"],
              "reference": name}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "card.json").write_text(json.dumps(c, indent=1) + "\n")
    return out
