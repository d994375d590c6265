"""The command line under hostile input: every failure is one line, the right exit status, and loses nothing.

Each case runs the real entry point (``python -m gans_edu``) in a subprocess, in a folder holding copies of a few
small runs, and checks: the exit status, that stderr is one line (``gans-edu: error: ...``) naming the problem with no
traceback, and that no file in the folder changed (byte for byte), was added or was removed.

The cases run side by side (a thread pool of subprocesses) the first time a test of this module asks for them, so the
module costs a few interpreter start-ups per core rather than one per case.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from gans_edu.cli import main

WORKERS = max(1, min(4, os.cpu_count() or 1))


def gans_edu(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """The real entry point in a subprocess: (exit status, stdout, stderr)."""
    e = {**os.environ, "OMP_NUM_THREADS": "1", "GANS_EDU_PROFILE": "smoke", "PYTHONWARNINGS": "ignore", **(env or {})}
    p = subprocess.run([sys.executable, "-m", "gans_edu", *args], capture_output=True, text=True, cwd=cwd, env=e,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> SHA-256), and every folder (-> "dir")."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------- the runs the cases start from

def make_base(base: Path) -> Path:
    """Small runs made once: a toy GAN (6 steps), a --minutes toy GAN, DCGAN and WGAN on MNIST (whose networks have
    the same shapes), a CycleGAN, and .npz inputs for translate."""
    def train(*args: str) -> None:
        assert main(["train", *args, "--profile", "smoke", "--no-eval"]) == 0

    train("gan", "--dataset", "8gaussians", "--steps", "6", "--out", str(base / "toy"))
    train("gan", "--dataset", "8gaussians", "--minutes", "0.002", "--out", str(base / "mins"))
    train("dcgan", "--steps", "2", "--out", str(base / "dcgan"))
    train("wgan", "--steps", "2", "--out", str(base / "wgan"))
    train("cyclegan", "--steps", "2", "--out", str(base / "cyc"))
    (base / "only-config").mkdir()
    shutil.copy(base / "toy" / "config.json", base / "only-config" / "config.json")
    assert main(["data", "export", "mnist", "--split", "test", "--n", "4", "--out", str(base / "digits.npz")]) == 0
    x = np.load(base / "digits.npz")["x"]
    nan, inf = x.copy(), x.copy()
    nan[1, 0, 5, 7] = np.nan
    inf[2, 0, 9, 9] = np.inf
    np.savez(base / "nan.npz", x=nan)
    np.savez(base / "inf.npz", x=inf)
    (base / "a-file").write_text("not a folder\n")
    return base


class Workspace:
    """A case's folder: copies of the base runs it asks for."""

    def __init__(self, base: Path, folder: Path) -> None:
        self.base, self.folder = base, folder

    def run(self, name: str) -> str:
        src, dst = self.base / name, self.folder / name
        if not dst.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
        return name

    def path(self, name: str) -> Path:
        return self.folder / name

    def edit_config(self, run: str, fn: Callable[[dict], object]) -> str:
        self.run(run)
        p = self.path(run) / "config.json"
        cfg = json.loads(p.read_text())
        fn(cfg)
        p.write_text(json.dumps(cfg, indent=2))
        return run


def _truncate(ws: Workspace, run: str) -> str:
    p = ws.path(ws.run(run)) / "checkpoint.pt"
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return run


def _flip_bit(ws: Workspace, run: str) -> str:
    """Flip one bit inside the generator's first weight tensor (where torch.load itself notices nothing)."""
    p = ws.path(ws.run(run)) / "checkpoint.pt"
    data = bytearray(p.read_bytes())
    state = torch.load(p, weights_only=True)
    w = next(iter(state["model"]["nets"]["G"].values()))
    i = bytes(data).find(w.flatten()[:8].numpy().tobytes())
    assert i > 0
    data[i + 5] ^= 0x10
    p.write_bytes(bytes(data))
    return run


def _nan_weights(ws: Workspace, run: str) -> str:
    """A checkpoint that is intact (its digest matches) but whose generator holds a NaN weight."""
    from gans_edu.train import state_digest

    p = ws.path(ws.run(run)) / "checkpoint.pt"
    state = torch.load(p, weights_only=True)
    next(iter(state["model"]["nets"]["G"].values())).view(-1)[0] = float("nan")
    state["digest"] = state_digest(state)
    torch.save(state, p)
    return run


def _copy_checkpoint(ws: Workspace, src: str, dst: str) -> str:
    shutil.copy(ws.path(ws.run(src)) / "checkpoint.pt", ws.path(ws.run(dst)) / "checkpoint.pt")
    return dst


def _read_only(ws: Workspace) -> str:
    if os.geteuid() == 0:  # root writes through any mode bits: a file system that refuses everyone instead
        return "/sys/gans-edu-hostile-test/run"
    ro = ws.path("read-only")
    ro.mkdir()
    ro.chmod(0o555)
    return str(ro / "run")


@dataclass
class Case:
    id: str
    setup: Callable[[Workspace], list[str]]  # prepares the workspace, returns the command's arguments
    code: int
    message: str  # a fragment of the one line on stderr

    def __repr__(self) -> str:
        return self.id


TRAIN = ["train", "gan", "--dataset", "8gaussians", "--profile", "smoke", "--no-eval"]

CASES = [
    # resume: reads and checks everything before it writes
    Case("resume-truncated-checkpoint", lambda w: ["train", "gan", "--resume", "--steps", "12", "--out", _truncate(w, "toy")],
         2, "damaged or truncated"),
    Case("resume-emptied-checkpoint",
         lambda w: [(w.path(w.run("toy")) / "checkpoint.pt").write_bytes(b""), "train", "gan", "--resume", "--steps", "12",
                    "--out", "toy"][1:], 2, "is empty"),
    Case("resume-bit-flipped-checkpoint", lambda w: ["train", "gan", "--resume", "--steps", "12", "--out", _flip_bit(w, "toy")],
         2, "do not match the digest"),
    Case("resume-another-models-checkpoint",
         lambda w: ["train", "gan", "--resume", "--steps", "12", "--out", _copy_checkpoint(w, "dcgan", "toy")],
         2, "holds a 'dcgan' model, not 'gan'"),
    Case("resume-minutes-run-without-budget", lambda w: ["train", "gan", "--resume", "--out", w.run("mins")],
         2, "is a --minutes run"),
    Case("resume-empty-directory", lambda w: [w.path("empty").mkdir(), "train", "gan", "--resume", "--out", "empty"][1:],
         2, "holds no run"),
    Case("resume-missing-directory", lambda w: ["train", "gan", "--resume", "--out", "nowhere"], 2, "does not exist"),
    Case("resume-before-first-checkpoint", lambda w: ["train", "gan", "--resume", "--out", w.run("only-config")],
         2, "has no checkpoint.pt"),
    Case("resume-set-network-shape",
         lambda w: ["train", "gan", "--resume", "--steps", "12", "--set", "g_hidden=(8, 8)", "--out", w.run("toy")],
         2, "changes the shapes of network 'G'"),
    Case("resume-set-initialisation-only",
         lambda w: ["train", "gan", "--resume", "--steps", "12", "--set", "g_init_range=0.1", "--out", w.run("toy")],
         2, "changes how network 'G' is initialised"),
    Case("resume-set-string-field",
         lambda w: ["train", "gan", "--resume", "--steps", "12", "--set", "g_loss='minimax'", "--out", w.run("toy")],
         2, "only numbers"),
    Case("resume-another-seed", lambda w: ["train", "gan", "--resume", "--steps", "12", "--seed", "3", "--out", w.run("toy")],
         2, "trained with --seed 0, not 3"),
    Case("resume-exported-reference-like", lambda w: [
        w.edit_config("dcgan", lambda c: c.update(reference="dcgan")), "train", "dcgan", "--resume", "--out", "dcgan"][1:],
         2, "cannot be resumed"),
    Case("nan-loss-on-resume",
         lambda w: ["train", "gan", "--resume", "--steps", "12", "--set", "lr=1e30", "--out", w.run("toy")],
         3, "became"),
    # checkpoints carry their identity
    Case("sample-another-models-checkpoint-same-shapes",
         lambda w: ["sample", _copy_checkpoint(w, "dcgan", "wgan"), "--n", "4", "--out", "s.npz"],
         2, "holds a 'dcgan' model, not 'wgan'"),
    Case("sample-config-edited-by-hand",
         lambda w: ["sample", w.edit_config("toy", lambda c: c["config"].update(lr=0.5)), "--n", "4", "--out", "s.npz"],
         2, "trained with another config (lr=0.001 in the checkpoint but 0.5 in config.json)"),
    Case("sample-truncated-checkpoint", lambda w: ["sample", _truncate(w, "toy"), "--n", "4", "--out", "s.npz"],
         2, "damaged or truncated"),
    Case("sample-nan-weights", lambda w: ["sample", _nan_weights(w, "toy"), "--n", "4", "--out", "s.npz"],
         2, "NaN or infinite weights"),
    Case("evaluate-bit-flipped-checkpoint", lambda w: ["evaluate", _flip_bit(w, "toy")], 2, "do not match the digest"),
    # config.json that is not what gans-edu wrote
    Case("config-missing-key",
         lambda w: ["sample", w.edit_config("toy", lambda c: c.pop("dataset")), "--n", "4", "--out", "s.npz"],
         2, "is missing 'dataset'"),
    Case("config-wrong-type", lambda w: ["evaluate", w.edit_config("toy", lambda c: c.update(profile=3))],
         2, "'profile' must be one of smoke, cpu, gpu"),
    Case("config-field-wrong-type",
         lambda w: ["sample", w.edit_config("toy", lambda c: c["config"].update(batch_size="many")), "--n", "4",
                    "--out", "s.npz"],
         2, "config.batch_size must be an integer"),
    Case("config-not-json",
         lambda w: [(w.path(w.run("toy")) / "config.json").write_text("{"), "sample", "toy", "--n", "4", "--out", "s.npz"][1:],
         2, "is not valid JSON"),
    # --set checked against the field's type and range
    Case("set-lr-word", lambda w: [*TRAIN, "--set", "lr=fast", "--out", "new"], 2, "lr must be a number > 0, got 'fast'"),
    Case("set-lr-infinite", lambda w: [*TRAIN, "--set", "lr=1e999", "--out", "new"], 2, "lr must be a number > 0"),
    Case("set-batch-size-fraction", lambda w: [*TRAIN, "--set", "batch_size=2.5", "--out", "new"],
         2, "batch_size must be an integer >= 1, got 2.5"),
    Case("set-batch-size-negative", lambda w: [*TRAIN, "--set", "batch_size=-4", "--out", "new"],
         2, "batch_size must be an integer >= 1, got -4"),
    Case("set-batch-size-zero", lambda w: [*TRAIN, "--set", "batch_size=0", "--out", "new"],
         2, "batch_size must be an integer >= 1, got 0"),
    Case("set-dropout-one", lambda w: [*TRAIN, "--set", "d_dropout=1", "--out", "new"],
         2, "d_dropout must be a number in [0, 1)"),
    Case("set-lr-beyond-float32", lambda w: [*TRAIN, "--set", "lr=1e300", "--out", "new"], 2, "lr must be a number > 0"),
    Case("set-bool-for-int", lambda w: [*TRAIN, "--set", "z_dim=True", "--out", "new"], 2, "z_dim must be an integer"),
    Case("set-unknown-field", lambda w: [*TRAIN, "--set", "colour=red", "--out", "new"], 2, "unknown config field(s) colour"),
    Case("set-without-value", lambda w: [*TRAIN, "--set", "lr", "--out", "new"], 2, "--set takes KEY=VALUE"),
    # numeric arguments
    Case("minutes-nan", lambda w: [*TRAIN, "--minutes", "nan", "--out", "new"], 2, "--minutes: must be a finite number"),
    Case("minutes-inf", lambda w: [*TRAIN, "--minutes", "inf", "--out", "new"], 2, "--minutes: must be a finite number"),
    Case("minutes-negative", lambda w: [*TRAIN, "--minutes=-1", "--out", "new"], 2, "--minutes: must be a finite number"),
    Case("steps-fraction", lambda w: [*TRAIN, "--steps", "2.5", "--out", "new"], 2, "--steps: must be an integer"),
    Case("seed-negative", lambda w: [*TRAIN, "--seed=-1", "--out", "new"], 2, "--seed: must be an integer in 0.."),
    Case("evaluate-n-1", lambda w: ["evaluate", w.run("toy"), "--n", "1"], 2, "--n: must be an integer in 10..100000"),
    Case("sample-n-2e9", lambda w: ["sample", w.run("toy"), "--n", "2e9", "--out", "s.npz"], 2, "--n: must be an integer"),
    Case("sample-n-2000000000", lambda w: ["sample", w.run("toy"), "--n", "2000000000", "--out", "s.npz"],
         2, "--n: must be an integer in 1..100000"),
    Case("device-malformed", lambda w: [*TRAIN, "--device", "cuda:x", "--out", "new"], 2, "device"),
    Case("download-timeout-nan", lambda w: ["data", "download", "fashion-mnist", "--timeout", "nan"], 2, "--timeout"),
    # --out that cannot be a run directory
    Case("out-is-a-file", lambda w: [*TRAIN, "--steps", "2", "--out", w.run("a-file")], 2, "is a file"),
    Case("out-under-a-file", lambda w: [*TRAIN, "--steps", "2", "--out", w.run("a-file") + "/run"], 2, "is a file"),
    Case("out-read-only", lambda w: [*TRAIN, "--steps", "2", "--out", _read_only(w)], 2, "not permitted"),
    # NaN/inf inputs
    Case("translate-nan-pixel",
         lambda w: ["translate", w.run("cyc"), "--input", w.run("nan.npz"), "--direction", "a2b", "--out", "t.npz"],
         2, "nan.npz holds 1 NaN and 0 infinite values"),
    Case("translate-inf-pixel",
         lambda w: ["translate", w.run("cyc"), "--input", w.run("inf.npz"), "--direction", "a2b", "--out", "t.npz"],
         2, "inf.npz holds 0 NaN and 1 infinite values"),
]


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """Run every selected case once, side by side: id -> (exit status, stdout, stderr, files before, files after)."""
    wanted = {item.callspec.params["case"].id for item in request.session.items
              if getattr(item, "originalname", "") == "test_hostile_input" and hasattr(item, "callspec")}
    cases = [c for c in CASES if c.id in wanted]
    base = make_base(tmp_path_factory.mktemp("base"))
    root = tmp_path_factory.mktemp("cases")
    prepared = []
    for case in cases:
        folder = root / case.id
        folder.mkdir()
        args = case.setup(Workspace(base, folder))
        prepared.append((case, folder, args, snapshot(folder)))

    def run(item):
        case, folder, args, before = item
        code, out, err = gans_edu(*args, cwd=folder)
        return case.id, (code, out, err, before, snapshot(folder))

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(run, prepared))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(outcomes, case):
    code, out, err, before, after = outcomes[case.id]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("gans-edu: error: ")]
    assert "Traceback" not in err, err
    if case.code == 3:  # training ran: its progress bar shares stderr; the error is the one last line
        assert len(errors) == 1 and lines[-1] == errors[0], err
    else:
        assert len(lines) == 1 and errors, err
    assert case.message in errors[0], errors[0]
    assert code == case.code, (code, err)
    assert after == before, "the command changed files it should have left alone"


def test_at_least_thirty_cases():
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)
