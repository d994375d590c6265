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
        (["train", "gan", "--steps", "-3", "--out", "r"], "--steps: must be an integer in 0..1000000000, got -3"),
        (["train", "gan", "--profile", "fast", "--out", "r"], "invalid choice: 'fast'"),
        (["train", "gan", "--set", "k=2", "--set", "colour=red", "--out", "r"], "unknown config field(s) colour"),
        (["sample", "no/such/run", "--n", "5", "--out", "s.npz"], "is not a run directory"),
        (["evaluate", "no/such/run"], "is not a run directory"),
        (["data", "export", "cifar", "--out", "x.npz"], "valid datasets"),
        (["sample", "r", "--n", "0", "--out", "s.npz"], "--n: must be an integer in 1..100000, got 0"),
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


def test_resume_with_set_applies_and_is_recorded(tmp_path, capsys):
    from gans_edu.train import read_checkpoint

    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--steps", "4", "--no-eval", "--out", str(out)]) == 0
    assert main(["train", "gan", "--resume", "--steps", "8", "--set", "lr=0.0005", "--no-eval", "--out", str(out)]) == 0
    assert "--set lr: 0.001 -> 0.0005 from step 4" in capsys.readouterr().out
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["config"]["lr"] == 0.0005 and cfg["steps_done"] == 8
    assert cfg["changes"] == [{"step": 4, "set": {"lr": 0.0005}, "was": {"lr": 0.001}}]
    state = read_checkpoint(out / "checkpoint.pt", training=True)
    assert all(g["lr"] == 0.0005 for o in state["model"]["optimizers"].values() for g in o["param_groups"])
    assert state["identity"]["config"]["lr"] == 0.0005
    assert main(["sample", str(out), "--n", "5", "--out", str(tmp_path / "s.npz")]) == 0
    # the same value again is no change
    assert main(["train", "gan", "--resume", "--steps", "9", "--set", "lr=0.0005", "--no-eval", "--out", str(out)]) == 0
    assert len(json.loads((out / "config.json").read_text())["changes"]) == 1


def test_nan_exits_3_with_step_loss_and_advice(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--steps", "4", "--no-eval", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["train", "gan", "--resume", "--steps", "12", "--set", "lr=1e30", "--no-eval", "--out", str(out)]) == 3
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "became" in err and "at step" in err and "the checkpoint at step 4 is kept" in err
    assert f"gans-edu train gan --resume --set lr=5e+29 --out {out}" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing lost, nothing half-changed


def test_list_is_aligned(capsys):
    assert main(["list"]) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  ")]
    starts = {len(ln) - len(ln[2:].split(None, 1)[1]) for ln in rows}
    assert len(starts) == 1, rows


def test_evaluate_prints_rounded_figures_beside_the_baseline(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--dataset", "mnist", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--n", "100"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["metric", "model", "real", "data"] and table[0].split()[-1] == "better"
    row = next(ln for ln in table if ln.startswith("classes present"))
    assert ".000" not in row and row.split()[4].isdigit()
    for ln in table[1:]:
        if ln.startswith("wrote"):
            break
        for cell in ln.split():
            if any(ch.isdigit() for ch in cell) and "." in cell:
                assert len(cell.replace("-", "").replace(".", "").lstrip("0")) <= 4, ln


def test_samples_png_has_a_caption(tmp_path, monkeypatch):
    import gans_edu.viz as viz

    titles = []
    real = viz.show_images
    monkeypatch.setattr(viz, "show_images", lambda *a, **k: titles.append(k.get("title")) or real(*a, **k))
    out = tmp_path / "run"
    assert main(["train", "dcgan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    assert titles == ["dcgan on mnist | step 2 | profile smoke | seed 0"]
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"


def test_every_default_config_and_recipe_passes_validation():
    """The field ranges accept every profile's config of every model and every reference recipe's overrides."""
    from gans_edu import references
    from gans_edu.cli import _config_class_fields, check_field, validate_overrides
    from gans_edu.data import load_dataset
    from gans_edu.models import MODELS, _module
    from gans_edu.profiles import PROFILES

    sets = {}
    for name, info in MODELS.items():
        for ds in {info.default_dataset, info.datasets[0]}:
            data = sets.setdefault(ds, load_dataset(ds, "test", n=16, verbose=False))
            for profile in PROFILES:
                cfg = _module(name).make_config(data, profile)
                fields = _config_class_fields(name, data, profile)
                for k, v in vars(cfg).items():
                    if k in fields:
                        check_field(k, v, fields[k])
    for r in references.RECIPES.values():
        data = sets.setdefault(r.dataset, load_dataset(r.dataset, "test", n=16, verbose=False))
        for extra in [{}, *r.variants.values()]:
            validate_overrides(r.model, data, r.profile, {**r.overrides, **extra})


# ------------------------------------------------------------------ evaluate asks the model (GANModel's evaluation hooks)


def test_evaluate_reports_what_the_model_adds(tmp_path, monkeypatch, capsys):
    """evaluate names no model: a model's extra_metrics land in metrics.json, its describe_metrics lines are printed
    before the sample table, and its metrics_note follows the path."""
    from gans_edu.models.gan import GAN

    out = tmp_path / "run"
    assert main(["train", "gan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    monkeypatch.setattr(GAN, "extra_metrics", lambda self, dataset, n, seed: {"extra": {"n": n, "seed": seed}},
                        raising=False)
    described = GAN.describe_metrics
    monkeypatch.setattr(GAN, "describe_metrics", lambda self, r: [f"extra line {r['extra']}", *described(self, r)])
    monkeypatch.setattr(GAN, "metrics_note", lambda self, n: f"noted {n}")
    capsys.readouterr()
    assert main(["evaluate", str(out), "--n", "50", "--seed", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "extra line {'n': 50, 'seed': 3}" and lines[1].split()[0] == "metric"
    assert lines[-1] == f"wrote {out / 'metrics.json'} (noted 50)"
    report = json.loads((out / "metrics.json").read_text())
    assert report["extra"] == {"n": 50, "seed": 3} and report["n"] == 50 and list(report)[-1] == "seconds"


def test_evaluate_prints_the_infogan_code_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "infogan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--n", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("categorical code: ") and "(even split: 10%)" in lines[0]
    assert lines[1].split()[0] == "metric" and "n = 50; image metrics" in lines[-1]
    report = json.loads((out / "metrics.json").read_text())
    assert report["code"]["samples"] == 50 and "model" in report


def test_evaluate_prints_the_cyclegan_translation_table(tmp_path, capsys):
    """CycleGAN's report is its translations only (no sample table), on 200 test digits per domain by default in the
    smoke profile."""
    out = tmp_path / "run"
    assert main(["train", "cyclegan", "--profile", "smoke", "--steps", "2", "--no-eval", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--n", "100"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split() == ["CycleGAN", "real", "data", "untranslated"]
    assert "handwritten -> printed:" in text and "printed -> handwritten:" in text
    assert not any(ln.startswith("metric") for ln in text.splitlines())  # no sample metrics table
    assert "(test digits of both domains; judged by the book's MNIST, printed-digit" in text.splitlines()[-1]
    report = json.loads((out / "metrics.json").read_text())
    assert list(report) == ["a2b", "b2a", "seconds"]
    from gans_edu.cli import load_run

    model, _ = load_run(out)
    assert model.evaluation_size("smoke") == 200 and model.evaluation_size("cpu") is None
