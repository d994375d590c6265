"""The project's MNIST classifier: the feature network behind the image metrics.

Inception-network weights cannot be downloaded here, so the book measures
MNIST-like samples with a small CNN of its own, trained deterministically on
the offline train split (4,000 digits) by ``python -m gans_edu.metrics.train_classifier``.
Its weights ship inside the package (``gans_edu/weights/mnist_classifier.pt``).
Numbers computed with it are *not* Inception-network numbers (FID, IS): they
are the same formulas in a different, much smaller feature space, comparable
only with other numbers from this book.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS = "mnist_classifier.pt"
FEATURE_DIM = 128


class MnistClassifier(nn.Module):
    """A small VGG-style CNN: ``features`` (128-d, after ReLU) and ``logits`` (10 classes)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.MaxPool2d(2),
            )

        self.body = nn.Sequential(block(1, 32), block(32, 64), block(64, 128))  # (B,1,28,28) -> (B,128,3,3)
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(128 * 3 * 3, FEATURE_DIM), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURE_DIM, num_classes))

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """Accept ``(B, 1, 28, 28)`` or 32x32 padded digits (centre-cropped) in [-1, 1]."""
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(f"expected images of shape (B, 1, 28, 28), got {tuple(x.shape)}")
        if x.shape[-1] == 32 and x.shape[-2] == 32:
            x = x[..., 2:30, 2:30]
        if x.shape[-2:] != (28, 28):
            raise ValueError(f"expected 28x28 (or 32x32 padded) digits, got {tuple(x.shape[-2:])}")
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(self.prepare(x)))  # (B, 128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, 10) logits


@lru_cache(maxsize=4)
def load_classifier(weights: str = WEIGHTS, rebuild: str = "gans_edu.metrics.train_classifier",
                    num_classes: int = 10) -> MnistClassifier:
    """A shipped classifier (default: the MNIST one), in eval mode, on the CPU (move it where you need it).

    ``weights`` names a file in ``gans_edu/weights``; ``rebuild`` is the module that makes it (for the error).
    """
    model = MnistClassifier(num_classes)
    ref = resources.files("gans_edu.weights").joinpath(weights)
    if not ref.is_file():
        raise FileNotFoundError(f"classifier weights {weights} are missing; rebuild them with 'python -m {rebuild}'")
    with resources.as_file(ref) as path:
        state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def metrics_device(x: torch.Tensor) -> torch.device:
    """Where the metrics measure ``x``: its own device if that is an accelerator, else CUDA when there is one (samples
    come back from :meth:`~gans_edu.models.base.GANModel.sample` on the CPU, and the GPU measures 10,000 of them in a
    fraction of the CPU's time), else the CPU."""
    if x.device.type != "cpu":
        return x.device
    return torch.device("cuda") if torch.cuda.is_available() else x.device


@lru_cache(maxsize=8)
def _on_device(model: nn.Module, device: str) -> nn.Module:
    """A copy of a (cached, CPU) classifier on ``device``, made once per classifier and device."""
    return copy.deepcopy(model).to(device)


@torch.no_grad()
def classify(x: torch.Tensor, batch_size: int = 500, model: MnistClassifier | None = None,
             device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(features (N, 128), probabilities (N, 10))`` for images in [-1, 1] (default model: the MNIST classifier).

    The classifier runs on ``device`` (default :func:`metrics_device`); the results come back on the CPU.
    """
    model = model or load_classifier()
    device = torch.device(device) if device is not None else metrics_device(x)
    if next(model.parameters()).device != device:
        model = _on_device(model, str(device))
    feats, probs = [], []
    for chunk in x.detach().float().split(batch_size):
        f = model.features(chunk.to(device, non_blocking=True))
        feats.append(f)
        probs.append(F.softmax(model.head(f), dim=1))
    return torch.cat(feats).cpu(), torch.cat(probs).cpu()
