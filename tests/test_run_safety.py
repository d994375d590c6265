"""No run lost or mixed up, with real processes: two writers on one run directory, Ctrl-C, and kill -9 in a loop."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gans_edu.cli import main
from gans_edu.train import read_checkpoint
from gans_edu.utils import LOCK_FILE, RunLock

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "GANS_EDU_PROFILE": "smoke", "PYTHONWARNINGS": "ignore"}
TOY = ["train", "gan", "--dataset", "8gaussians", "--profile", "smoke", "--no-eval"]


def gans_edu(*args: str, timeout: float = 600):
    p = subprocess.run([sys.executable, "-m", "gans_edu", *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gans_edu", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=ENV)


def wait_for_lock(out: Path, p: subprocess.Popen, timeout: float = 300) -> str:
    """Wait until ``p`` holds the run directory's lock (it is training); return what the lock file says."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        lock = out / LOCK_FILE
        text = lock.read_text() if lock.is_file() else ""
        if f"PID {p.pid}" in text:
            return text
        if p.poll() is not None:
            raise AssertionError(f"the writer ended (exit {p.returncode}) before taking the lock: {p.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError("the writer never took the lock")


# What the writer itself goes on to write while the refused commands run (its config right after taking the lock,
# then checkpoints and history, each through a ``.NAME.*.tmp`` file): left out of the comparison, so that it tests
# the refused commands and not how far the writer has got.
WRITER_FILES = {"config.json", "checkpoint.pt", "history.csv"}


def own_files(out: Path) -> list[str]:
    """The names in ``out`` other than the writer's own files and their temporary copies."""
    return sorted(n for n in (p.name for p in out.iterdir())
                  if n not in WRITER_FILES and not (n.startswith(".") and n.endswith(".tmp")))


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("gans-edu: error: ") and "Traceback" not in err, err
    return lines[0]


def test_two_writers_and_ctrl_c(tmp_path):
    out = tmp_path / "run"
    writer = start(*TOY, "--steps", "1000000", "--out", str(out))
    try:
        holder = wait_for_lock(out, writer)
        assert holder.startswith(f"PID {writer.pid}: train gan")
        before = own_files(out)
        # a second train on the same --out (no checkpoint there yet), a resume, and an evaluate: each refused by PID
        for args in ([*TOY, "--steps", "5", "--out", str(out)],
                     ["train", "gan", "--resume", "--steps", "5", "--out", str(out)],
                     ["evaluate", str(out)]):
            code, _, err = gans_edu(*args)
            line = one_line(err)
            assert code == 2 and f"in use by another gans-edu process (PID {writer.pid}: train gan)" in line, line
        assert own_files(out) == before  # the refused commands added nothing
        writer.send_signal(signal.SIGINT)  # Ctrl-C: finish the step, keep everything, exit 130
        _, err = writer.communicate(timeout=300)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 130, err
    assert "interrupted at step" in err and "--resume" in err
    done = json.loads((out / "config.json").read_text())["steps_done"]
    assert done > 0 and read_checkpoint(out / "checkpoint.pt", training=True)["steps"] == done
    assert not (out / LOCK_FILE).exists()
    code, _, err = gans_edu("train", "gan", "--resume", "--steps", str(done + 3), "--no-eval", "--out", str(out))
    assert code == 0, err
    assert json.loads((out / "config.json").read_text())["steps_done"] == done + 3


def _weights(run: Path) -> dict[str, torch.Tensor]:
    state = read_checkpoint(run / "checkpoint.pt", training=True)
    return {f"{n}.{k}": v for n, net in state["model"]["nets"].items() for k, v in net.items()}


def kill_loop(tmp_path: Path, kills: int, steps: int, seed: int = 0) -> None:
    """Kill -9 a training run at random moments, ``kills`` times, resuming after each; everything on disk stays
    readable after every kill, and the finished run's weights equal an uninterrupted run's, bit for bit."""
    rng = random.Random(seed)
    out = tmp_path / "killed"
    args = [*TOY, "--steps", str(steps), "--out", str(out)]
    killed_at = []
    for _ in range(kills):
        resume = ["--resume"] if (out / "checkpoint.pt").exists() else []
        p = start(*args, *resume)
        try:
            wait_for_lock(out, p)
            time.sleep(rng.uniform(0.0, 2.0))
        finally:
            p.kill()  # SIGKILL: no handler runs, no file is closed cleanly
            p.wait()
        cfg = json.loads((out / "config.json").read_text())  # whole, valid JSON
        assert cfg["model"] == "gan"
        if (out / "checkpoint.pt").exists():
            killed_at.append(read_checkpoint(out / "checkpoint.pt", training=True)["steps"])
        with RunLock(out):  # the lock died with the process
            pass
    resume = ["--resume"] if (out / "checkpoint.pt").exists() else []
    code, _, err = gans_edu(*args, *resume)
    assert code == 0, err
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    assert main([*args[:-1], str(tmp_path / "whole")]) == 0
    got, want = _weights(out), _weights(tmp_path / "whole")
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want), killed_at


def test_kill_9_loop(tmp_path):
    kill_loop(tmp_path, kills=3, steps=1500)


@pytest.mark.slow
def test_kill_9_loop_long(tmp_path):
    kill_loop(tmp_path, kills=8, steps=3000, seed=1)  # eight kills at random moments: make test stays within 15 min
