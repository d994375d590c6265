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


# --------------------------------------------------------------------------- checkpoints, history, locks

def test_checkpoint_carries_identity_and_digest(tmp_path):
    from gans_edu import __version__
    from gans_edu.train import CheckpointError, config_hash, read_checkpoint

    model, data = toy_model()
    fit(model, data, steps=4, out_dir=tmp_path, progress=False)
    state = read_checkpoint(tmp_path / "checkpoint.pt", training=True)
    ident = state["identity"]
    assert ident["model"] == "gan" and ident["gans_edu"] == __version__
    assert ident["config_hash"] == config_hash(model.config_dict())
    # one flipped bit in a weight: torch.load notices nothing, the digest does
    data_bytes = bytearray((tmp_path / "checkpoint.pt").read_bytes())
    w = next(iter(state["model"]["nets"]["G"].values()))
    i = bytes(data_bytes).find(w.flatten()[:8].numpy().tobytes())
    data_bytes[i + 3] ^= 0x01
    (tmp_path / "checkpoint.pt").write_bytes(bytes(data_bytes))
    with pytest.raises(CheckpointError, match="do not match the digest"):
        read_checkpoint(tmp_path / "checkpoint.pt")


def test_checkpoint_of_another_model_is_refused_by_name(tmp_path):
    from gans_edu.train import CheckpointError, load_model_state

    model, data = toy_model()
    fit(model, data, steps=2, out_dir=tmp_path, progress=False)
    other = build_model("wgan-gp", data, profile="smoke")
    with pytest.raises(CheckpointError, match="holds a 'gan' model, not 'wgan-gp'"):
        load_model_state(tmp_path / "checkpoint.pt", other)
    with pytest.raises(CheckpointError, match="holds a 'gan' model"):
        fit(other, data, steps=4, out_dir=tmp_path, resume=True, progress=False)


def test_checkpoints_without_identity_still_load(tmp_path):
    """Checkpoints written before identities and digests (and exported references) load as before."""
    from gans_edu.train import load_model_state

    model, data = toy_model()
    fit(model, data, steps=2, out_dir=tmp_path, progress=False)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    for key in ("format", "identity", "digest"):
        state.pop(key)
    torch.save(state, tmp_path / "checkpoint.pt")
    fresh, _ = toy_model(seed=5)
    assert load_model_state(tmp_path / "checkpoint.pt", fresh) == 2
    assert torch.equal(weights(fresh), weights(model))
    res = fit(fresh, data, steps=4, out_dir=tmp_path, resume=True, progress=False)
    assert res.steps == 4


def test_history_steps_are_integers(tmp_path):
    model, data = toy_model()
    fit(model, data, steps=6, log_every=2, out_dir=tmp_path, progress=False)
    lines = (tmp_path / "history.csv").read_text().splitlines()
    assert [ln.split(",")[0] for ln in lines] == ["step", "2", "4", "6"]
    assert [r["step"] for r in read_history(tmp_path / "history.csv")] == [2, 4, 6]


def test_nan_is_never_checkpointed(tmp_path):
    """A NaN between two logs is caught before the checkpoint that would have kept it; the error names the last
    checkpoint on disk."""
    model, data = toy_model()
    real_step, calls = model.train_step, {"n": 0}

    def poisoned(draw):
        calls["n"] += 1
        out = real_step(draw)
        if calls["n"] == 7:
            out["d_loss"] = torch.tensor(float("inf"))
        return out

    model.train_step = poisoned
    with pytest.raises(NonFiniteLossError) as info:
        fit(model, data, steps=40, log_every=20, checkpoint_every=4, out_dir=tmp_path, progress=False)
    assert info.value.step == 7 and info.value.loss == "d_loss" and info.value.checkpoint_step == 4
    from gans_edu.train import read_checkpoint

    assert read_checkpoint(tmp_path / "checkpoint.pt")["steps"] == 4


def test_time_budget_progress_bar_shows_time_left(capsys):
    model, data = toy_model()
    fit(model, data, steps=None, minutes=0.02, progress=True, snapshot_fn=None)
    err = capsys.readouterr().err
    assert " of 00:01, " in err and " left" in err and "step=" in err


def test_atomic_file_keeps_the_old_file_on_failure(tmp_path):
    from gans_edu.utils import atomic_file, atomic_write_text

    p = tmp_path / "config.json"
    atomic_write_text(p, "old")
    with pytest.raises(RuntimeError), atomic_file(p, "w") as f:
        f.write("half")
        raise RuntimeError("crash mid-write")
    assert p.read_text() == "old" and [x.name for x in tmp_path.iterdir()] == ["config.json"]


def test_run_lock_refuses_a_second_writer_by_pid(tmp_path):
    import os

    from gans_edu.utils import LOCK_FILE, RunLock, RunLockedError

    with RunLock(tmp_path, "train gan"):
        assert (tmp_path / LOCK_FILE).read_text() == f"PID {os.getpid()}: train gan\n"
        with pytest.raises(RunLockedError, match=rf"in use by another gans-edu process \(PID {os.getpid()}: train gan\)"):
            RunLock(tmp_path, "evaluate").acquire()
    assert not (tmp_path / LOCK_FILE).exists()
    with RunLock(tmp_path):  # released: free again
        pass


def test_tqdm_disable_switches_the_bar_off():
    """`make book` sets TQDM_DISABLE=1 so built pages show no progress bar; progress=False always does.
    tqdm reads the variable when it is imported, hence a fresh interpreter."""
    import os
    import subprocess
    import sys

    from gans_edu.train import _progress_bar

    assert not _progress_bar(10, 0, None, "x", True).disable
    assert _progress_bar(10, 0, None, "x", False).disable
    code = ("from gans_edu.train import _progress_bar as p; "
            "print(p(10, 0, None, 'x', True).disable, p(None, 0, 1.0, 'x', True).disable)")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TQDM_DISABLE": "1"},
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"], out


def test_snapshots_of_an_infogan_with_five_categories():
    """The timelapse batch asks for codes the model has: cat_dim=5 must not be asked for code 9."""
    from gans_edu.data import load_dataset
    from gans_edu.models import build_model

    mnist = load_dataset("mnist", verbose=False)
    model = build_model("infogan", mnist, profile="smoke", cat_dim=5)
    assert len(fit(model, mnist, steps=2, progress=False).snapshots) >= 2
