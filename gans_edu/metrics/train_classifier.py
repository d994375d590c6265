"""Train the project's MNIST classifier and write its weights into the package.

    python -m gans_edu.metrics.train_classifier [--epochs 30] [--out PATH]

Deterministic on CPU: the same seed and thread count give the same weights (the shipped
weights were made with OMP_NUM_THREADS=1, as `make classifier` does). Trained on the
offline train split (4,000 digits) with small random shifts and rotations;
the 1,000 test digits are used only for the reported accuracy.
"""

from __future__ import annotations

import argparse
import math
import time
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F

from gans_edu.data import load_dataset
from gans_edu.metrics.classifier import WEIGHTS, MnistClassifier
from gans_edu.utils import seed_everything


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random rotation (+-12 degrees), scale (0.9-1.1) and shift (+-2 px)."""
    b = x.shape[0]
    angle = (torch.rand(b, generator=g) - 0.5) * 2 * math.radians(12)
    scale = 0.9 + 0.2 * torch.rand(b, generator=g)
    shift = (torch.rand(b, 2, generator=g) - 0.5) * 2 * (2 / 14)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # Pad with the background value (-1) rather than zero.
    return F.grid_sample(x + 1, grid, align_corners=False, padding_mode="zeros") - 1


def train(
    epochs: int = 30, seed: int = 0, batch_size: int = 64, limit: int | None = None
) -> tuple[MnistClassifier, float]:
    """Train from scratch; ``limit`` keeps only the first digits of each split (for quick checks)."""
    seed_everything(seed)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        return _train(epochs, seed, batch_size, limit)
    finally:
        torch.use_deterministic_algorithms(was_deterministic)


def _train(epochs: int, seed: int, batch_size: int, limit: int | None) -> tuple[MnistClassifier, float]:
    train_set = load_dataset("mnist", "train", source="subset", n=limit, verbose=False)
    test_set = load_dataset("mnist", "test", source="subset", n=limit, verbose=False)
    model = MnistClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * steps_per_epoch)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(train_set), generator=g)
        for idx in perm.split(batch_size):
            x, y = augment(train_set.x[idx], g), train_set.y[idx]
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, test_set.x, test_set.y)
        print(f"epoch {epoch + 1:2d}/{epochs}  loss {loss.item():.4f}  test accuracy {acc:.2%}")
    return model.eval(), acc


@torch.no_grad()
def accuracy(model: MnistClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    pred = torch.cat([model(c).argmax(1) for c in x.split(500)])
    return (pred == y).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    default_out = Path(str(resources.files("gans_edu.weights").joinpath(WEIGHTS)))
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    start = time.perf_counter()
    model, acc = train(args.epochs, args.seed)
    torch.save(model.state_dict(), args.out)
    print(f"wrote {args.out}: test accuracy {acc:.2%} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
