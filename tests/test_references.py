"""Reference runs: recipes, the train -> pack -> load -> export path, and every shipped reference."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from gans_edu import references as R
from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model, check_model_dataset

NAMES = ["gan-8gaussians", "gan-25gaussians", "gan-mnist", "dcgan", "improved-gan", "improved-gan-semi", "cgan",
         "infogan", "wgan", "wgan-gp-25gaussians", "wgan-gp-mnist", "began", "progan", "cyclegan"]


def test_the_fourteen_recipes():
    assert list(R.RECIPES) == NAMES
    for r in R.RECIPES.values():
        check_model_dataset(r.model, r.dataset)
        assert len(r.seeds) == 1 or r.select in R.SELECTIONS, r.name  # several seeds only with a label-free rule
        data = load_dataset(r.dataset, "test", n=16, verbose=False)
        m = build_model(r.model, data, profile="smoke", **r.overrides)
        assert set(r.ship) <= set(m.nets), r.name
        set_once_trained = {"D_avg", "ema_steps", "labelled"}
        assert r.extra is None or set(r.extra) <= set(m.extra_state()) | set_once_trained, r.name


def test_unknown_reference_is_named():
    with pytest.raises(ValueError, match="valid references: gan-8gaussians"):
        R.recipe("vae")
    assert main(["reference", "export", "vae", "--out", "x"]) == 2
    assert main(["reference", "train"]) == 2  # neither NAME nor --all


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Recipes shrunk to a few smoke-profile steps, shipped into a temporary folder."""
    monkeypatch.setattr(R, "REFERENCE_DIR", tmp_path / "refs")
    monkeypatch.setattr(R, "EVAL_N", 200)
    monkeypatch.setattr(R, "TRANSLATION_N", 100)

    def shrink(name, **kw):
        r = R.RECIPES[name]
        monkeypatch.setitem(R.RECIPES, name, dataclasses.replace(r, profile="smoke", steps=6, **kw))
    return shrink


def test_train_pack_load_export(tiny, tmp_path):
    tiny("dcgan")
    card = R.train("dcgan", tmp_path / "work")
    assert card["steps"] == 6 and card["seed"] == 0 and card["shipped"]["nets"] == ["G"]
    assert card["train_command"].startswith("gans-edu train dcgan --dataset mnist --profile smoke --seed 0 --steps 6")
    for key in ("commit", "torch", "device", "train_seconds", "metrics"):
        assert card[key] is not None, key
    assert card["metrics"]["real"]["frechet_distance"] < card["metrics"]["model"]["frechet_distance"]
    # the shipped file: weights only, no optimiser, no discriminator; loadable with weights_only=True
    state = torch.load(R.weights_path("dcgan"), weights_only=True)
    assert set(state["model"]["nets"]) == {"G"} and not state["model"]["optimizers"]
    if card["shipped"]["precision"] == "fp16":
        assert all(v.dtype == torch.float16 for v in state["model"]["nets"]["G"].values() if v.is_floating_point())
    ref = R.load("dcgan", "cpu")
    again = R.evaluate_model(ref.model, "mnist", n=200)
    assert again["model"]["frechet_distance"] == pytest.approx(card["metrics"]["model"]["frechet_distance"], rel=1e-3)
    # resuming the finished recipe trains nothing more and packs the same run
    assert R.train("dcgan", tmp_path / "work")["steps"] == 6
    # export -> sample -> evaluate, unchanged commands
    out = tmp_path / "exported"
    assert main(["reference", "export", "dcgan", "--out", str(out)]) == 0
    assert main(["sample", str(out), "--n", "20", "--out", str(tmp_path / "s.npz")]) == 0
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (20, 1, 28, 28)
    assert np.allclose(x, ref.model.sample(20, generator=torch.Generator().manual_seed(0)).numpy(), atol=1e-5)
    assert main(["evaluate", str(out), "--n", "200"]) == 0
    assert json.loads((out / "metrics.json").read_text())["n"] == 200
    assert main(["reference", "export", "dcgan", "--out", str(out)]) == 2  # never overwrites a run
    assert main(["train", "dcgan", "--resume", "--out", str(out)]) == 2  # shipped weights cannot be resumed


def test_selection_among_seeds_is_label_free_and_reported(tiny, tmp_path):
    tiny("infogan", seeds=(0, 1))
    card = R.train("infogan", tmp_path / "work")
    sel = card["selection"]
    assert sel["rule"] == "even_code_split" and sel["seeds"] == [0, 1]
    scores = {c["seed"]: c["selection_score"] for c in sel["candidates"]}
    assert card["seed"] == min(scores, key=scores.get)  # the most even split is kept, whatever the labels say
    assert all("generation_matched" in c for c in sel["candidates"])  # ... and what the labels say is reported
    assert "code" in card["metrics"]
    out = tmp_path / "exported"
    assert main(["reference", "export", "infogan", "--out", str(out)]) == 0
    assert main(["sample", str(out), "--n", "10", "--label", "3", "--out", str(tmp_path / "s.npz")]) == 0
    assert (np.load(tmp_path / "s.npz")["y"] == 3).all()


def test_cyclegan_reference_translates(tiny, tmp_path):
    tiny("cyclegan")
    card = R.train("cyclegan", tmp_path / "work")
    assert card["shipped"]["nets"] == ["G_ab", "G_ba"] and "a2b" in card["metrics"]
    out = tmp_path / "exported"
    assert main(["reference", "export", "cyclegan", "--out", str(out)]) == 0
    assert main(["data", "export", "mnist", "--split", "test", "--n", "5", "--out", str(tmp_path / "m.npz")]) == 0
    assert main(["translate", str(out), "--input", str(tmp_path / "m.npz"), "--direction", "a2b",
                 "--out", str(tmp_path / "t.npz")]) == 0
    assert np.load(tmp_path / "t.npz")["x"].shape == (5, 1, 28, 28)


# --------------------------------------------------------------------------- the shipped references

SHIPPED = R.available()


def test_every_reference_is_shipped_within_the_size_cap():
    assert sorted(SHIPPED) == sorted(NAMES), f"not shipped: {sorted(set(NAMES) - set(SHIPPED))}"
    total = sum(R.weights_path(n).stat().st_size for n in SHIPPED)
    assert total <= R.SIZE_CAP, f"{total / 1e6:.1f} MB > {R.SIZE_CAP / 1e6:.0f} MB"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_reference_reproduces_its_card(name):
    card = R.card(name)
    for key in ("command", "train_command", "commit", "seed", "steps", "train_seconds", "device", "torch", "metrics"):
        assert card.get(key) is not None, key
    state = torch.load(R.weights_path(name), map_location="cpu", weights_only=True)
    assert not state["model"]["optimizers"]
    assert set(state["model"]["nets"]) == set(R.recipe(name).ship)
    ref = R.load(name, "cpu")
    report = R.evaluate_model(ref.model, card["dataset"], n=card["eval"]["n"], seed=card["eval"]["seed"])
    want = card["metrics"]
    if "a2b" in want:
        for d in ("a2b", "b2a"):
            for k in ("label_kept", "style", "frechet"):
                if k in want[d]:
                    assert report[d][k] == pytest.approx(want[d][k], rel=0.02, abs=0.01), (d, k)
        return
    for k in ("frechet_distance", "classifier_score", "classes_present", "modes_covered", "high_quality", "class_accuracy"):
        if k in want["model"]:
            assert report["model"][k] == pytest.approx(want["model"][k], rel=0.02, abs=0.01), k
    if "classifier" in want:
        assert report["classifier"]["test_error"] == pytest.approx(want["classifier"]["test_error"], abs=1e-3)
    if "code" in want:
        assert report["code"]["generation_matched"] == pytest.approx(want["code"]["generation_matched"], abs=0.01)


def test_reference_list_shows_every_reference(capsys):
    assert main(["reference", "list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


def test_variants_are_trained_shipped_and_loaded(tiny, tmp_path):
    tiny("began", variants={"gamma=0.3": {"gamma": 0.3}})
    card = R.train("began", tmp_path / "work")
    v = card["variants"]["gamma=0.3"]
    assert v["config"]["gamma"] == 0.3 and card["config"]["gamma"] != 0.3
    assert "--set gamma=0.3" in v["train_command"] and "frechet_distance" in v["metrics"]["model"]
    ref = R.load("began", "cpu")
    assert ref.variants["gamma=0.3"].config.gamma == 0.3
    shipped = torch.load(R.weights_path("began"), weights_only=True)["variants"]["gamma=0.3"]["nets"]["G"]
    for k, v in ref.variants["gamma=0.3"].G.state_dict().items():  # the variant's own weights, not the main run's
        assert torch.equal(v, shipped[k].to(v.dtype)), k
    assert ref.variants["gamma=0.3"].sample(4).shape == (4, 1, 28, 28)
