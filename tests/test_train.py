import signal

import pytest
import torch

from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.train import NonFiniteLossError, fit, read_history
from gans_edu.utils import seed_everything


def toy_model(seed=0):
    seed_everything(seed)
    data = load_dataset("8gaussians", n=2000)
    return build_model("gan", data, profile="smoke", batch_size=64), data


def weights(model):
    return torch.cat([p.detach().flatten() for net in model.nets.values() for p in net.parameters()])


def test_same_seed_same_losses():
    runs = []
    for _ in range(2):
        model, data = toy_model()
        runs.append(fit(model, data, steps=20, log_every=5, progress=False).history)
    assert [r["d_loss"] for r in runs[0]] == [r["d_loss"] for r in runs[1]]
    assert [r["g_loss"] for r in runs[0]] == [r["g_loss"] for r in runs[1]]


def test_history_snapshots_and_files(tmp_path):
    model, data = toy_model()
    res = fit(model, data, steps=20, log_every=5, snapshot_every=10, out_dir=tmp_path, progress=False)
    assert [int(r["step"]) for r in res.history] == [5, 10, 15, 20]
    assert [s for s, _ in res.snapshots] == [0, 10, 20]
    assert res.snapshots[0][1].shape == (64, 2)
    # the fixed noise batch: the first snapshot equals a fresh sample from the untrained model
    fresh, _ = toy_model()
    from gans_edu.train import default_snapshot

    assert torch.equal(res.snapshots[0][1], default_snapshot(fresh))
    assert (tmp_path / "checkpoint.pt").is_file()
    assert len(read_history(tmp_path / "history.csv")) == 4


def test_interrupted_and_resumed_run_matches_uninterrupted(tmp_path):
    model, data = toy_model()
    fit(model, data, steps=30, out_dir=tmp_path / "full", progress=False)
    expected = weights(model)

    class Interrupting:
        """Sends the process a real SIGINT (Ctrl-C) in the middle of step 12."""

        def __init__(self, model):
            self.model, self.calls = model, 0

        def __getattr__(self, name):
            return getattr(self.model, name)

        def train_step(self, draw):
            self.calls += 1
            if self.calls == 12:
                signal.raise_signal(signal.SIGINT)
            return self.model.train_step(draw)

    model, data = toy_model()
    res = fit(Interrupting(model), data, steps=30, out_dir=tmp_path / "cut", progress=False)
    assert res.stopped == "interrupted" and res.steps == 12  # the step in flight finished, then it stopped
    model, data = toy_model(seed=99)  # different init: everything must come from the checkpoint
    res = fit(model, data, steps=30, out_dir=tmp_path / "cut", resume=True, progress=False)
    assert res.steps == 30 and res.stopped == "done"
    assert torch.equal(weights(model), expected)


def test_nan_guard_names_step_and_loss():
    model, data = toy_model()
    real_step = model.train_step
    calls = {"n": 0}

    def poisoned(draw):
        calls["n"] += 1
        out = real_step(draw)
        if calls["n"] == 7:
            out["g_loss"] = torch.tensor(float("nan"))
        return out

    model.train_step = poisoned
    with pytest.raises(NonFiniteLossError, match=r"'g_loss' became nan at step 7"):
        fit(model, data, steps=20, log_every=5, progress=False)


def test_time_budget_stops_early():
    model, data = toy_model()
    res = fit(model, data, steps=None, minutes=0.02, progress=False, snapshot_every=0)
    assert res.stopped == "time budget" and res.steps > 0


def test_bad_budgets():
    model, data = toy_model()
    with pytest.raises(ValueError, match="steps must be >= 0"):
        fit(model, data, steps=-1, progress=False)
    with pytest.raises(ValueError, match="give a budget"):
        fit(model, data, steps=None, progress=False)
