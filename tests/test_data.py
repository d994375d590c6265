import numpy as np
import pytest
import torch

from gans_edu import data
from gans_edu.data import DATASETS, load_dataset


def test_toys_shapes_and_scaling():
    for name in ("8gaussians", "25gaussians", "swissroll"):
        ds = load_dataset(name, n=1000)
        assert ds.x.shape == (1000, 2) and ds.x.dtype == torch.float32
        assert ds.kind == "toy"
    eight = load_dataset("8gaussians", n=2000)
    # gan_toy.py: radius 2, divided by 1.414 -> every point near radius 1.414
    assert torch.allclose(eight.x.norm(dim=1).mean(), torch.tensor(2 / 1.414), atol=0.02)
    assert eight.modes.shape == (8, 2) and len(load_dataset("25gaussians", n=10).modes) == 25


def test_toys_are_deterministic_and_splits_differ():
    a, b = load_dataset("25gaussians", n=100), load_dataset("25gaussians", n=100)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, load_dataset("25gaussians", "test", n=100).x)


def test_mnist_offline_split():
    train, test = load_dataset("mnist", "train", source="subset"), load_dataset("mnist", "test", source="subset")
    assert train.x.shape == (4000, 1, 28, 28) and test.x.shape == (1000, 1, 28, 28)
    assert train.x.min() == -1 and train.x.max() == 1
    assert torch.bincount(train.y).tolist() == [400] * 10
    assert torch.bincount(test.y).tolist() == [100] * 10
    # no digit in both splits
    flat_train = {bytes(r) for r in ((train.x + 1) * 127.5).round().to(torch.uint8).flatten(1).numpy()}
    assert not any(bytes(r) in flat_train for r in ((test.x + 1) * 127.5).round().to(torch.uint8).flatten(1).numpy())
    # the first digits are a fair mix of classes (fixed shuffle, not sorted by label)
    assert len(torch.unique(train.y[:50])) >= 8


def test_padding():
    ds = load_dataset("mnist", n=8, pad_to=32)
    assert ds.x.shape == (8, 1, 32, 32)
    assert (ds.x[..., :2, :] == -1).all()


def test_bad_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="valid datasets: " + ", ".join(DATASETS)):
        load_dataset("cifar")
    with pytest.raises(ValueError, match="valid splits"):
        load_dataset("mnist", "validation")


def test_fashion_mnist_offline_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_EDU_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="gans-edu data download fashion-mnist"):
        load_dataset("fashion-mnist")


def test_download_fails_fast_offline(tmp_path, monkeypatch):
    """Nothing listens on this loopback port: the download must fail at once, then MNIST falls back."""
    monkeypatch.setenv("GANS_EDU_DATA", str(tmp_path))
    monkeypatch.setitem(data.IDX_FILES["mnist"], "mirrors", ["http://127.0.0.1:9/"])
    import time

    t0 = time.perf_counter()
    ds = load_dataset("mnist", download=True)
    assert time.perf_counter() - t0 < 15
    assert "offline MNIST subset" in ds.source


def test_idx_reader_and_md5(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    import gzip

    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())
    assert np.array_equal(data.read_idx(path), arr)
    assert len(data.md5(path)) == 32
