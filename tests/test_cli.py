import json
import subprocess
import sys

import numpy as np
import pytest

from gans_edu.cli import main


def run(*args):
    """The real entry point in a subprocess: exit code, stdout, stderr."""
    p = subprocess.run([sys.executable, "-m", "gans_edu", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("dataset", ["8gaussians", "mnist"])
def test_train_sample_evaluate(tmp_path, dataset):
    out = tmp_path / "run"
    code, stdout, stderr = run("train", "gan", "--dataset", dataset, "--profile", "smoke", "--steps", "6", "--out", str(out))
    assert code == 0, stderr
    for f in ("config.json", "history.csv", "checkpoint.pt", "samples.png", "metrics.json"):
        assert (out / f).is_file(), f
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["profile"] == "smoke" and cfg["steps_done"] == 6
    code, _, stderr = run("sample", str(out), "--n", "50", "--out", str(tmp_path / "s.npz"))
    assert code == 0, stderr
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == ((50, 2) if dataset == "8gaussians" else (50, 1, 28, 28)) and x.dtype == np.float32
    assert main(["evaluate", str(out), "--n", "200"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == 200 and "real" in metrics and "model" in metrics


def test_resume_continues(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--steps", "4", "--no-eval", "--out", str(out)]) == 0
    assert main(["train", "gan", "--profile", "smoke", "--steps", "8", "--no-eval", "--resume", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["steps_done"] == 8


def test_export(tmp_path):
    assert main(["data", "export", "mnist", "--split", "test", "--n", "10", "--out", str(tmp_path / "m.npz")]) == 0
    d = np.load(tmp_path / "m.npz")
    assert d["x"].shape == (10, 1, 28, 28) and d["y"].shape == (10,)
    assert d["x"].min() >= -1 and d["x"].max() <= 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "vae", "--out", "r"], "unknown model 'vae'; valid models: gan, dcgan"),
        (["train", "gan", "--dataset", "cifar", "--out", "r"], "cannot train on 'cifar'"),
        (["train", "gan", "--steps", "-3", "--out", "r"], "must be >= 0"),
        (["train", "gan", "--profile", "fast", "--out", "r"], "invalid choice: 'fast'"),
        (["train", "gan", "--set", "k=2", "--set", "colour=red", "--out", "r"], "unknown config field(s) colour"),
        (["sample", "no/such/run", "--n", "5", "--out", "s.npz"], "is not a run directory"),
        (["evaluate", "no/such/run"], "is not a run directory"),
        (["data", "export", "cifar", "--out", "x.npz"], "valid datasets"),
        (["sample", "r", "--n", "0", "--out", "s.npz"], "must be a positive integer"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    code, _, stderr = run("train", "nope", "--out", str(tmp_path / "r"))
    assert code == 2 and "Traceback" not in stderr and "valid models" in stderr


def test_minutes_budget(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--minutes", "0.01", "--no-eval", "--out", str(out)]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["minutes"] == 0.01 and cfg["steps_done"] > 0


def test_refuses_to_overwrite_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    assert main(["train", "gan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
