"""The two-domain classifier: the judge of a CycleGAN translation's digit *and* style.

A translation handwritten -> printed should keep its digit and look printed. The MNIST and printed-digit
classifiers each know one domain only, so a digit they read proves little about style. This one is the same
small CNN (:class:`~gans_edu.metrics.classifier.MnistClassifier`) with 20 outputs, ``domain * 10 + digit``
(domain 0 handwritten, 1 printed), trained on the real train digits of both domains (4,000 each, small random
shifts and rotations) by

    OMP_NUM_THREADS=1 python -m gans_edu.metrics.domain_classifier [--epochs 15]

(``make domain-classifier``). Summing its probabilities over domains reads the digit; summing over digits
reads the style; its 128-d features give a Frechet distance in which both domains live. Its weights ship in
``gans_edu/weights/domain_classifier.pt``. Like the book's other judges, it is not an Inception network.
"""

from __future__ import annotations

import argparse
import math
import time
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F

from gans_edu.metrics.classifier import MnistClassifier, load_classifier
from gans_edu.metrics.train_classifier import augment
from gans_edu.utils import seed_everything

WEIGHTS = "domain_classifier.pt"
DOMAINS = ("handwritten", "printed")


def load_domain_classifier() -> MnistClassifier:
    """The shipped two-domain classifier (20 classes), in eval mode, on the CPU."""
    return load_classifier(WEIGHTS, rebuild="gans_edu.metrics.domain_classifier", num_classes=20)


@torch.no_grad()
def judge(x: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(features (N, 128), digit probabilities (N, 10), printed probability (N,))`` for images in [-1, 1]."""
    model = load_domain_classifier()
    feats, probs = [], []
    for chunk in x.detach().float().cpu().split(batch_size):
        f = model.features(chunk)
        feats.append(f)
        probs.append(F.softmax(model.head(f), dim=1).view(-1, 2, 10))  # (B, domain, digit)
    p = torch.cat(probs) if probs else torch.zeros(0, 2, 10)
    return (torch.cat(feats) if feats else torch.zeros(0, 128)), p.sum(1), p[:, 1].sum(1)


def _data(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    from gans_edu.data import load_dataset
    from gans_edu.printed import printed_digits

    hand = load_dataset("mnist", split, verbose=False)
    px, py = printed_digits(split)
    return torch.cat([hand.x, px]), torch.cat([hand.y, py + 10])


def train(epochs: int = 15, seed: int = 0, batch_size: int = 64) -> tuple[MnistClassifier, float, float]:
    """Train from scratch on both train splits; return the model, test digit accuracy and test style accuracy."""
    seed_everything(seed)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        x_train, y_train = _data("train")
        x_test, y_test = _data("test")
        model = MnistClassifier(num_classes=20)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        steps_per_epoch = math.ceil(len(x_train) / batch_size)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * steps_per_epoch)
        g = torch.Generator().manual_seed(seed)
        for epoch in range(epochs):
            model.train()
            for idx in torch.randperm(len(x_train), generator=g).split(batch_size):
                loss = F.cross_entropy(model(augment(x_train[idx], g)), y_train[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            digit, style = accuracies(model.eval(), x_test, y_test)
            print(f"epoch {epoch + 1:2d}/{epochs}  loss {loss.item():.4f}  test digit {digit:.2%}  style {style:.2%}")
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
    return model.eval(), digit, style


@torch.no_grad()
def accuracies(model: MnistClassifier, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    p = torch.cat([F.softmax(model(c), 1) for c in x.split(500)]).view(-1, 2, 10)
    digit = (p.sum(1).argmax(1) == y % 10).float().mean()
    style = ((p[:, 1].sum(1) > 0.5).long() == y // 10).float().mean()
    return float(digit), float(style)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(str(resources.files("gans_edu.weights").joinpath(WEIGHTS))))
    args = parser.parse_args()
    start = time.perf_counter()
    model, digit, style = train(args.epochs, args.seed)
    torch.save(model.state_dict(), args.out)
    print(f"wrote {args.out}: test digit accuracy {digit:.2%}, style accuracy {style:.2%} "
          f"in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
