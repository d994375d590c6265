"""The project's printed-digit classifier: the judge of CycleGAN's handwritten -> printed translations.

The same small CNN as the MNIST classifier (:class:`~gans_edu.metrics.classifier.MnistClassifier`),
trained deterministically on the printed-digit train split (:mod:`gans_edu.printed`, 4,000 digits) by

    OMP_NUM_THREADS=1 python -m gans_edu.metrics.printed_classifier [--epochs 15]

(``make printed-classifier``). Its weights ship inside the package
(``gans_edu/weights/printed_classifier.pt``). It reads the label of a
printed-looking digit and gives 128-d features for a Frechet distance to the
printed domain; like the MNIST classifier's, those are not Inception numbers.
"""

from __future__ import annotations

import argparse
import math
import time
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F

from gans_edu.metrics.classifier import MnistClassifier, classify, load_classifier
from gans_edu.metrics.train_classifier import accuracy, augment
from gans_edu.utils import seed_everything

WEIGHTS = "printed_classifier.pt"


def load_printed_classifier() -> MnistClassifier:
    """The shipped printed-digit classifier, in eval mode, on the CPU (cached by :func:`load_classifier`)."""
    return load_classifier(WEIGHTS, rebuild="gans_edu.metrics.printed_classifier")


def classify_printed(x: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(features (N, 128), probabilities (N, 10))`` of the printed-digit classifier, images in [-1, 1]."""
    return classify(x, batch_size, model=load_printed_classifier())


def train(epochs: int = 15, seed: int = 0, batch_size: int = 64) -> tuple[MnistClassifier, float]:
    """Train from scratch on the printed train split (with small random shifts and rotations)."""
    from gans_edu.printed import printed_digits

    seed_everything(seed)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        x_train, y_train = printed_digits("train")
        x_test, y_test = printed_digits("test")
        model = MnistClassifier()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        steps_per_epoch = math.ceil(len(x_train) / batch_size)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * steps_per_epoch)
        g = torch.Generator().manual_seed(seed)
        acc = 0.0
        for epoch in range(epochs):
            model.train()
            for idx in torch.randperm(len(x_train), generator=g).split(batch_size):
                loss = F.cross_entropy(model(augment(x_train[idx], g)), y_train[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            acc = accuracy(model, x_test, y_test)
            print(f"epoch {epoch + 1:2d}/{epochs}  loss {loss.item():.4f}  test accuracy {acc:.2%}")
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
    return model.eval(), acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(str(resources.files("gans_edu.weights").joinpath(WEIGHTS))))
    args = parser.parse_args()
    start = time.perf_counter()
    model, acc = train(args.epochs, args.seed)
    torch.save(model.state_dict(), args.out)
    print(f"wrote {args.out}: test accuracy {acc:.2%} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
