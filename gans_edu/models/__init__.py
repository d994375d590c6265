"""The model registry: one entry per paper, shared by the command line and the book.

A model's module provides ``make_config(data, profile, **overrides)``,
``default_steps(data, profile)`` and the model class (``cls`` in the entry).
A module whose config picks between classes also provides
``model_class(config)``, which :func:`build_model` asks instead: ``improved-gan``
builds the Sec. 5 semi-supervised model when ``semi_supervised=True`` (a mode of
the same paper, model and config, not a registry name of its own: the command
line, the checkpoints and the reference ``improved-gan-semi`` say
``improved-gan`` with ``semi_supervised=True``). A paper not yet written is
listed with ``module=None``.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, fields
from typing import Any

import torch

from gans_edu.data import TOYS, Dataset
from gans_edu.models.base import GANModel

IMAGES = ("mnist", "fashion-mnist")


@dataclass(frozen=True)
class ModelInfo:
    """Registry entry: the command-line name, the paper, and where the code lives."""

    name: str
    paper: str
    module: str | None  # None: chapter not written yet
    cls: str | None  # the model class (the module's ``model_class(config)`` decides where it has one)
    datasets: tuple[str, ...]
    default_dataset: str


MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in [
        ModelInfo("gan", "Goodfellow et al. 2014, Generative Adversarial Nets", "gans_edu.models.gan", "GAN",
                  TOYS + IMAGES, "8gaussians"),
        ModelInfo("dcgan", "Radford et al. 2015, DCGAN", "gans_edu.models.dcgan", "DCGAN", IMAGES, "mnist"),
        ModelInfo("improved-gan", "Salimans et al. 2016, Improved Techniques for Training GANs",
                  "gans_edu.models.improved_gan", "ImprovedGAN", TOYS + IMAGES, "mnist"),
        ModelInfo("cgan", "Mirza & Osindero 2014, Conditional GAN", "gans_edu.models.cgan", "CGAN", IMAGES, "mnist"),
        ModelInfo("infogan", "Chen et al. 2016, InfoGAN", "gans_edu.models.infogan", "InfoGAN", IMAGES, "mnist"),
        ModelInfo("wgan", "Arjovsky et al. 2017, Wasserstein GAN", "gans_edu.models.wgan", "WGAN",
                  TOYS + IMAGES, "mnist"),
        ModelInfo("wgan-gp", "Gulrajani et al. 2017, WGAN-GP", "gans_edu.models.wgan_gp", "WGANGP",
                  TOYS + IMAGES, "mnist"),
        ModelInfo("began", "Berthelot et al. 2017, BEGAN", "gans_edu.models.began", "BEGAN", IMAGES, "mnist"),
        ModelInfo("progan", "Karras et al. 2017, Progressive Growing of GANs", "gans_edu.models.progan", "ProGAN",
                  IMAGES, "mnist"),
        ModelInfo("cyclegan", "Zhu et al. 2017, CycleGAN", "gans_edu.models.cyclegan", "CycleGAN", ("mnist",),
                  "mnist"),
    ]
}


def model_info(name: str) -> ModelInfo:
    """The entry for ``name``; ``ValueError`` naming the valid models otherwise."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}")
    info = MODELS[name]
    if info.module is None:
        ready = [m.name for m in MODELS.values() if m.module]
        raise ValueError(f"model {name!r} is not implemented yet (its chapter is coming); ready: {', '.join(ready)}")
    return info


def _module(name: str) -> Any:
    return importlib.import_module(model_info(name).module)


def check_model_dataset(name: str, dataset: str) -> None:
    info = model_info(name)
    if dataset not in info.datasets:
        raise ValueError(f"model {name!r} cannot train on {dataset!r}; it takes: {', '.join(info.datasets)}")


def build_model(
    name: str,
    data: Dataset,
    *,
    profile: str | None = None,
    device: torch.device | str = "cpu",
    config: dict[str, Any] | None = None,
    **overrides: Any,
) -> GANModel:
    """Build model ``name`` for ``data``: from a saved ``config`` dict, or the profile's config plus ``overrides``."""
    check_model_dataset(name, data.name)
    mod = _module(name)
    if config is not None:
        cfg_cls = type(mod.make_config(data, profile))
        known = {f.name for f in fields(cfg_cls)}
        cfg = cfg_cls(**{k: v for k, v in config.items() if k in known})
    else:
        known = [f.name for f in fields(type(mod.make_config(data, profile)))]
        unknown = [k for k in overrides if k not in known]
        if unknown:
            raise ValueError(f"unknown config field(s) {', '.join(unknown)} for {name!r}; valid: {', '.join(known)}")
        cfg = mod.make_config(data, profile, **overrides)
    cls = mod.model_class(cfg) if hasattr(mod, "model_class") else getattr(mod, model_info(name).cls)
    return cls(cfg, data.sample_shape, device)


def default_steps(name: str, data: Dataset, profile: str | None = None, **overrides: Any) -> int:
    """The profile's training steps for ``name``; ``overrides`` (config fields) matter for models whose
    schedule sets the length (ProGAN's images per phase); other models ignore them."""
    fn = _module(name).default_steps
    if overrides and "overrides" in inspect.signature(fn).parameters:
        return int(fn(data, profile, **overrides))
    return int(fn(data, profile))
