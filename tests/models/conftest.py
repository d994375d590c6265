"""Fixtures shared by the model tests: a small MNIST set and a seeded batch drawer."""

import pytest
import torch

from gans_edu.data import load_dataset


@pytest.fixture(scope="session")
def mnist():
    """256 offline MNIST digits (a test module may override with its own size)."""
    return load_dataset("mnist", n=256, verbose=False)


@pytest.fixture
def drawer():
    """``drawer(data, batch, seed=0)`` -> a ``draw()`` giving seeded random real batches, as ``fit`` does."""

    def make(data, batch, seed=0):
        g = torch.Generator().manual_seed(seed)
        return lambda: (data.x[torch.randint(len(data), (batch,), generator=g)], None)

    return make
