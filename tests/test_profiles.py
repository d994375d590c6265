import pytest
import torch

from gans_edu import profiles
from gans_edu.utils import pick_device, seed_everything


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("GANS_EDU_PROFILE", "cpu")
    assert profiles.active_profile() == "cpu"
    assert profiles.pick(smoke=1, cpu=2, gpu=3) == 2
    assert profiles.pick(smoke=1, cpu=2, gpu=3, profile="smoke") == 1


def test_default_profile_follows_cuda(monkeypatch):
    monkeypatch.delenv("GANS_EDU_PROFILE", raising=False)
    assert profiles.active_profile() == ("gpu" if torch.cuda.is_available() else "cpu")


def test_unknown_profile_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("GANS_EDU_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        profiles.active_profile()


def test_eval_n_per_profile():
    """The number of samples the metrics use, per profile (the only budget profiles.py itself keeps)."""
    assert [profiles.eval_n(p) for p in profiles.PROFILES] == [500, 2000, 10000]
    with pytest.raises(ValueError, match="valid profiles"):
        profiles.eval_n("fast")


def test_device_helper():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device().type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="valid devices"):
        pick_device("tpu")


def test_seed_everything_repeats():
    seed_everything(3)
    a = torch.randn(5)
    seed_everything(3)
    assert torch.equal(a, torch.randn(5))
