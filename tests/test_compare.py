"""gans-edu compare: the ten models side by side, from the reference cards (fast) or trained afresh (--live)."""

import csv
import math

import pytest

from gans_edu import compare, references
from gans_edu.cli import main

MODELS = list(compare.REFERENCE_OF)


def test_every_model_of_the_registry_has_a_shipped_reference():
    from gans_edu.models import MODELS as REGISTRY

    assert MODELS == list(REGISTRY)
    assert all(compare.REFERENCE_OF[m] in references.available() for m in MODELS)
    assert all(references.RECIPES[compare.REFERENCE_OF[m]].model == m for m in MODELS)


def test_default_table_reads_the_cards_without_loading_a_model(monkeypatch):
    monkeypatch.setattr(references, "load", lambda *a, **k: pytest.fail("the default table must not load weights"))
    table = compare.reference_table()
    assert list(table.index) == [*MODELS, compare.REAL]
    for m in MODELS:
        c = references.card(compare.REFERENCE_OF[m])
        row = table.loc[m]
        assert row["steps"] == c["steps"] and row["reference"] == c["name"]
        assert math.isclose(row["train min"], c["train_seconds"] / 60)
        assert math.isclose(row["ms/step"], 1000 * c["train_seconds"] / c["steps"])
        if m != "cyclegan":
            assert math.isclose(row["FD"], c["metrics"]["model"]["frechet_distance"])
            assert row["classes"] == c["metrics"]["model"]["classes_present"]
    # CycleGAN's card holds its translation report: no sample metrics, its own measure instead
    assert math.isnan(table.loc["cyclegan", "FD"]) and "digit kept" in table.loc["cyclegan", "also measured"]
    assert "class accuracy" in table.loc["cgan", "also measured"]
    assert "test error" in table.loc["improved-gan", "also measured"]
    assert math.isclose(table.loc[compare.REAL, "FD"], references.card("dcgan")["metrics"]["real"]["frechet_distance"])


def test_markdown_is_one_aligned_table_with_its_notes():
    text = compare.markdown(compare.reference_table(["dcgan", "cyclegan"]))
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3  # header, rule, dcgan, cyclegan, real digits
    assert len({len(r) for r in rows}) == 1  # aligned
    assert rows[0].split("|")[1].strip() == "model" and "| dcgan " in text and "| -" in text
    assert "- cyclegan: its samples are printed test digits" in text


def test_cli_prints_the_table_and_writes_csv_and_markdown(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for m in MODELS:
        assert f"| {m} " in printed
    with open(out / "table.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["model"] for r in rows] == [*MODELS, compare.REAL]
    assert float(rows[MODELS.index("dcgan")]["FD"]) == pytest.approx(
        references.card("dcgan")["metrics"]["model"]["frechet_distance"])
    assert (out / "table.md").read_text() in printed + "\n"


def test_cli_subset_keeps_the_book_order(capsys):
    assert main(["compare", "wgan-gp", "cgan"]) == 0
    lines = [ln.split("|")[1].strip() for ln in capsys.readouterr().out.splitlines() if ln.startswith("| ")]
    assert lines == ["model", "cgan", "wgan-gp", compare.REAL]


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "vae"], "unknown model 'vae'; valid models: gan, dcgan, improved-gan, cgan, infogan, wgan, "
                             "wgan-gp, began, progan, cyclegan"),
        (["compare", "dcgan", "stylegan", "biggan"], "unknown models 'stylegan', 'biggan'; valid models: gan,"),
        (["compare", "--profile", "smoke"], "--profile applies to --live runs only"),
        (["compare", "--live", "--profile", "fast"], "invalid choice: 'fast' (choose from smoke, cpu, gpu)"),
        (["compare", "--n", "100"], "--n applies to --evaluate and --live"),
        (["compare", "--live", "--evaluate"], "not allowed with argument"),
        (["compare", "--live", "--n", "5"], "--n: must be an integer in 10..100000, got 5"),
        (["compare", "--out", "a_file"], "--out a_file is a file, not a directory"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("x")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_estimate_is_the_cards_seconds_per_step_times_the_profile_steps():
    from gans_edu.data import load_dataset
    from gans_edu.models import default_steps

    est = compare.estimate(profile="cpu")
    data = load_dataset("mnist", "test", n=16, verbose=False)
    for m in MODELS:
        c = references.card(compare.REFERENCE_OF[m])
        assert est.loc[m, "steps"] == default_steps(m, data, "cpu")
        assert est.loc[m, "train s"] == pytest.approx(est.loc[m, "steps"] * c["train_seconds"] / c["steps"])
    assert (est["total s"] > 0).all()
    assert est["total s"].sum() > 30 * 60  # all ten afresh in the cpu profile is no quick job
    assert compare.estimate(["dcgan"], profile="smoke")["total s"].sum() < est.loc["dcgan", "total s"]


def test_live_trains_afresh_with_an_estimate_up_front(tmp_path, capsys):
    out = tmp_path / "live"
    assert main(["compare", "dcgan", "--live", "--profile", "smoke", "--n", "50", "--device", "cpu",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.index("estimate") < printed.index("[1/1] dcgan") < printed.index("| dcgan ")
    with open(out / "table.csv") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["dcgan", compare.REAL]
    row = rows["dcgan"]
    assert row["reference"] == "live, smoke" and int(row["steps"]) == 10  # the smoke profile's default steps
    assert float(row["train min"]) > 0 and math.isfinite(float(row["FD"])) and float(row["evaluate s"]) > 0


def test_cyclegan_gets_the_same_sample_metrics_when_measured():
    table = compare.reference_table(["cyclegan"], fill=True, n=50, device="cpu", calibration=True)
    row = table.loc["cyclegan"]
    assert math.isfinite(row["FD"]) and 0 <= row["precision"] <= 1 and "digit kept" in row["also measured"]
    assert "cyclegan measured now (50 samples)" in " ".join(table.attrs["notes"])
    blurred, half = table.loc["blurred real digits"], table.loc["real digits 0-4 only"]
    assert half["classes"] == 5 and blurred["classes"] == 10 and half["FD"] > table.loc[compare.REAL, "FD"]
    # measured alone, its baseline is measured with it (50 real digits), not taken from a 2000-sample card
    assert table.loc[compare.REAL, "FD"] != pytest.approx(references.card("dcgan")["metrics"]["real"]["frechet_distance"])
