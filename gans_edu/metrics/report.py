"""One entry point for the book and the command line: evaluate samples, print a table."""

from __future__ import annotations

import torch

from gans_edu.data import Dataset, load_dataset

# (key, label, better) for the table; "better" is shown so a reader knows which way is good.
ROWS = [
    ("frechet_distance", "Frechet distance (classifier features)", "lower"),
    ("kid", "KID (classifier features)", "lower"),
    ("classifier_score", "classifier score (IS formula)", "higher, max 10"),
    ("precision", "precision", "higher"),
    ("recall", "recall", "higher"),
    ("classes_present", "classes present (>= 2.5%)", "10"),
    ("min_class_share", "smallest class share", "0.10"),
    ("class_accuracy", "class accuracy (conditional)", "higher"),
    ("modes_covered", "modes covered", "all"),
    ("high_quality", "high-quality share (within 3 std)", "higher"),
]


def evaluate(samples: torch.Tensor, dataset: str | Dataset, labels: torch.Tensor | None = None) -> dict[str, dict]:
    """Evaluate samples of ``dataset`` against its test split, with the real-data baseline.

    Returns ``{"model": {...}, "real": {...}, "dataset": name, "n": N}``.
    """
    from gans_edu.metrics.image import evaluate_images
    from gans_edu.metrics.toy import evaluate_toy

    name = dataset if isinstance(dataset, str) else dataset.name
    train = load_dataset(name, "train", verbose=False)
    test = load_dataset(name, "test", verbose=False)
    if train.kind == "toy":
        report = evaluate_toy(samples, test, train)
    else:
        if name != "mnist":
            raise ValueError(f"image metrics use the MNIST classifier and only apply to 'mnist', not {name!r}")
        pad = samples.shape[-1]
        if pad != 28:  # e.g. ProGAN's 32x32: compare with equally padded real digits
            train = load_dataset(name, "train", verbose=False, pad_to=pad)
            test = load_dataset(name, "test", verbose=False, pad_to=pad)
        report = evaluate_images(samples, test.x, train.x, labels, train.y)
        if pad != 28 and pad >= 16:  # images grown to a power of two (ProGAN): SWD per pyramid level as well
            from gans_edu.metrics.swd import swd_report

            swd = swd_report(samples, test.x, train.x)
            for who in ("model", "real"):
                report[who].update({f"swd_{res}": v for res, v in swd[who].items()})
    report.update(dataset=name, n=len(samples))
    return report


def metrics_table(report: dict[str, dict], title: str = "model", calibration: bool = True):
    """A pandas table: one row per metric, columns ``title`` and ``real data``, then (``calibration``) the
    calibration copies of real data with a known flaw (blurred; half the classes or modes: see
    :func:`gans_edu.metrics.image.calibration`) that give the numbers a scale, and which way is better."""
    import pandas as pd

    extra = report.get("calibration", {}) if calibration else {}
    rows = []
    swd = [(k, f"SWD x1e3, {k[4:]}x{k[4:]} level", "lower") for k in report["model"] if k.startswith("swd_")]
    for key, label, better in ROWS + swd:
        if key in report["model"]:
            row = {"metric": label, title: report["model"][key], "real data": report["real"].get(key)}
            row.update({name: summary.get(key) for name, summary in extra.items()})
            rows.append({**row, "better": better})
    return pd.DataFrame(rows).set_index("metric")


def compare_table(reports: dict[str, dict]):
    """:func:`metrics_table` for several models side by side: one column per labelled report, in order, then
    ``real data`` (from the first report that has the metric) and which way is better. Rows missing from a report
    (class accuracy for an unconditional model, say) are left empty in its column."""
    import pandas as pd

    tables = {label: metrics_table(report, label) for label, report in reports.items()}
    columns = pd.concat([t[[label]] for label, t in tables.items()], axis=1)
    baseline = None
    for label, t in tables.items():
        rest = t.drop(columns=[label])
        baseline = rest if baseline is None else baseline.combine_first(rest)
    order = ["real data"] + [c for c in baseline.columns if c not in ("real data", "better")] + ["better"]
    return columns.join(baseline[order])
