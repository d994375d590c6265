import math

import pytest
import torch

from gans_edu.data import load_dataset
from gans_edu.metrics import (
    classifier_score,
    evaluate,
    frechet_distance,
    kernel_distance,
    mode_coverage,
    precision_recall,
)
from gans_edu.metrics.classifier import classify


def test_frechet_distance_of_a_set_with_itself_is_zero():
    f = torch.randn(500, 16)
    assert abs(frechet_distance(f, f)) < 1e-6
    shifted = f + 3.0
    # mean shift of 3 in 16 dims: ||mu_a - mu_b||^2 = 16 * 9
    assert frechet_distance(f, shifted) == pytest.approx(16 * 9, rel=1e-4)


def test_kid_near_zero_for_same_distribution_and_positive_otherwise():
    a, b = torch.randn(600, 8), torch.randn(600, 8)
    assert abs(kernel_distance(a, b)) < 0.05
    assert kernel_distance(a, b + 2) > 1.0


def test_classifier_score_bounds():
    constant = torch.zeros(1000, 10)
    constant[:, 3] = 1.0
    assert classifier_score(constant)[0] == pytest.approx(1.0, abs=1e-6)
    confident_balanced = torch.eye(10).repeat(100, 1)  # 1000 one-hot predictions, 100 per class
    assert classifier_score(confident_balanced)[0] == pytest.approx(10.0, rel=1e-4)


def test_precision_recall_on_constructed_sets():
    torch.manual_seed(0)  # fixed draws: the bounds are statistical, and the test must not depend on luck
    real = torch.randn(400, 2)
    p, r = precision_recall(real, torch.randn(400, 2))
    assert p > 0.8 and r > 0.8
    collapsed = torch.zeros(400, 2) + 0.01 * torch.randn(400, 2)  # all fakes at one point
    p, r = precision_recall(real, collapsed)
    assert p > 0.9 and r < 0.2  # good quality, no diversity
    far = torch.randn(400, 2) + 20
    assert precision_recall(real, far)[0] == 0.0


def test_mode_counting_on_constructed_samples():
    modes = load_dataset("8gaussians", "test", n=10).modes
    std = 0.02 / 1.414
    # 3 modes hit exactly, 100 samples each, plus 100 points far from every mode
    samples = torch.cat([modes[:3].repeat_interleave(100, 0), torch.full((100, 2), 5.0)])
    out = mode_coverage(samples, modes, std)
    assert out["modes_covered"] == 3 and out["high_quality"] == pytest.approx(0.75)
    assert out["mode_counts"][:3] == [100, 100, 100]


def test_classifier_is_accurate_on_the_test_split():
    test = load_dataset("mnist", "test", source="subset")
    _, probs = classify(test.x)
    accuracy = (probs.argmax(1) == test.y).float().mean().item()
    assert accuracy >= 0.97


def test_image_report_has_real_baseline():
    train = load_dataset("mnist", source="subset")
    report = evaluate(train.x[:500], "mnist", labels=train.y[:500])
    real, model = report["real"], report["model"]
    # real train digits scored as samples equal the baseline exactly
    assert model["frechet_distance"] == pytest.approx(real["frechet_distance"])
    assert real["classifier_score"] > 8.5 and real["classes_present"] == 10
    assert model["class_accuracy"] > 0.97
    noise = evaluate(torch.rand(500, 1, 28, 28) * 2 - 1, "mnist")["model"]
    assert noise["frechet_distance"] > 10 * real["frechet_distance"]
    assert math.isfinite(noise["kid"])


def test_toy_report():
    pts = load_dataset("25gaussians", n=2000, seed=7).x
    report = evaluate(pts, "25gaussians")
    assert report["model"]["modes_covered"] == 25 and report["real"]["modes_covered"] == 25
    assert report["model"]["high_quality"] > 0.95


def test_classifier_training_is_deterministic():
    """The shipped weights come from a deterministic script: one epoch twice gives identical weights."""
    from gans_edu.metrics.train_classifier import train

    a, _ = train(epochs=1, limit=400)
    b, _ = train(epochs=1, limit=400)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_compare_table_puts_models_side_by_side_with_one_real_column():
    from gans_edu.metrics import compare_table

    real = {"frechet_distance": 1.0, "classifier_score": 9.0}
    a = {"model": {"frechet_distance": 10.0, "classifier_score": 5.0}, "real": real}
    b = {"model": {"frechet_distance": 20.0, "classifier_score": 6.0, "class_accuracy": 0.9},
         "real": {**real, "class_accuracy": 0.99}}
    t = compare_table({"a": a, "b": b})
    assert list(t.columns) == ["a", "b", "real data", "better"]
    assert t["a"].tolist()[:2] == [10.0, 5.0] and t["b"].tolist()[:2] == [20.0, 6.0]
    assert t["real data"].tolist() == [1.0, 9.0, 0.99]  # the row only b has keeps b's baseline
    assert t["a"].isna().tolist() == [False, False, True]


def test_calibration_copies_have_the_flaw_they_are_named_for():
    """The calibration columns are real data with a known flaw: blurring must cost Frechet distance and recall,
    dropping half the classes must leave five classes and cost recall, while both keep precision."""
    from gans_edu.data import load_dataset
    from gans_edu.metrics import evaluate, metrics_table

    real = load_dataset("mnist", "train", verbose=False).x[-500:]
    report = evaluate(real, "mnist")
    cal = report["calibration"]
    blurred, half = cal["blurred real digits"], cal["real digits 0-4 only"]
    assert blurred["frechet_distance"] > 5 * report["real"]["frechet_distance"]
    assert half["classes_present"] == 5 and report["real"]["classes_present"] == 10
    assert half["recall"] < report["real"]["recall"] - 0.2 and blurred["recall"] < report["real"]["recall"] - 0.2
    assert half["precision"] > 0.8
    table = metrics_table(report, "copy")
    assert list(table.columns) == ["copy", "real data", "blurred real digits", "real digits 0-4 only", "better"]
    assert "blurred real digits" not in metrics_table(report, "copy", calibration=False).columns


def test_toy_calibration_covers_half_the_modes():
    from gans_edu.data import load_dataset
    from gans_edu.metrics import evaluate

    report = evaluate(load_dataset("8gaussians", "train", verbose=False).x[:400], "8gaussians")
    assert report["calibration"]["real points, half the modes"]["modes_covered"] == 4
    assert report["model"]["modes_covered"] == 8
