"""Ready for a GPU it has never met: every model's training step in the gpu profile, on the ``meta`` device.

A meta tensor has a shape and a dtype but no data, so a step costs no arithmetic (milliseconds at full gpu size),
yet everything a real device would object to shows up:

* a tensor made on the CPU and mixed into the step: a blocking host-to-device copy on a GPU. Counted here, as
  copies from the CPU onto the device (``aten._to_copy`` / ``aten.copy_`` seen by a ``TorchDispatchMode``, and
  ``torch.tensor(..., device=...)``/``torch.as_tensor``, which copy below the dispatcher, seen by a
  ``TorchFunctionMode``): zero for every model, from its second step on (before this test: 1-4 per step for most
  models, 11 for WGAN-GP, 101 in a WGAN burst step);
* a value read back to the host (``.item()``, ``float(t)``, ``if t:``, ``.tolist()``, ``.cpu()``): a GPU step would
  wait for the device there; on meta it raises.

The first step may set a model up once (CycleGAN uploads its printed digits, the semi-supervised improved-gan its
labelled digits, the batch sampler each epoch's permutation), so it runs uncounted. The batches come from
:func:`gans_edu.train.batches`, the training loop's own.

Then every model is built in the gpu profile on the CPU and takes one real step (about 15 s for all of them here).
"""

import pytest
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from gans_edu.data import load_dataset
from gans_edu.models import MODELS, build_model
from gans_edu.train import BatchSampler, batches

aten = torch.ops.aten

# (model, dataset, config overrides): every model, and the variants whose steps differ
CASES = [
    ("gan", "mnist", {}),  # the simultaneous step, and G's output bias from the first batches
    ("gan", "8gaussians", {}),  # the alternating step
    ("dcgan", "mnist", {}),
    ("improved-gan", "mnist", {}),
    ("improved-gan", "8gaussians", {}),
    ("improved-gan", "mnist", {"semi_supervised": True}),
    ("cgan", "mnist", {}),
    ("infogan", "mnist", {}),
    ("wgan", "mnist", {}),  # the first steps are bursts of 100 critic iterations
    ("wgan", "8gaussians", {}),
    ("wgan-gp", "mnist", {}),
    ("wgan-gp", "8gaussians", {}),
    ("began", "mnist", {}),
    ("progan", "mnist", {}),
    ("cyclegan", "mnist", {}),
]
IDS = [f"{m}-{d}" + ("-semi" if o else "") for m, d, o in CASES]


class CopiesOntoDevice(TorchDispatchMode):
    """Counts copies of CPU tensors onto ``device`` (and other ops are left alone)."""

    def __init__(self, device: str = "meta") -> None:
        super().__init__()
        self.device, self.copies = device, []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func is aten._to_copy.default:
            src, dst = args[0], out
        elif func is aten.copy_.default:
            dst, src = args[0], args[1]
        else:
            return out
        if src.device.type == "cpu" and dst.device.type == self.device:
            self.copies.append(f"{func} {tuple(src.shape)}")
        return out


class TensorsFromHost(TorchFunctionMode):
    """Counts ``torch.tensor``/``torch.as_tensor`` calls that put host data on ``device`` (below the dispatcher)."""

    def __init__(self, device: str = "meta") -> None:
        super().__init__()
        self.device, self.copies = device, []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.tensor, torch.as_tensor) and torch.device(kwargs.get("device") or "cpu").type == self.device:
            self.copies.append(f"{func.__name__}({args[0] if args else ''})")
        return func(*args, **kwargs)


def count_copies(step) -> list[str]:
    """The copies from the host onto the meta device that ``step()`` makes."""
    dispatch, function = CopiesOntoDevice(), TensorsFromHost()
    with function, dispatch:
        step()
    return function.copies + dispatch.copies


def meta_model(name: str, dataset: str, overrides: dict):
    """The model in the gpu profile on meta, and a ``draw`` from the training loop's own batches."""
    data = load_dataset(dataset, n=256, verbose=False)
    torch.manual_seed(0)
    model = build_model(name, data, profile="gpu", device="meta", **overrides)
    n = 200_000  # meta tensors hold no data: a set this large never ends an epoch inside the counted steps
    x = torch.empty(n, *data.sample_shape, device="meta")
    y = torch.empty(n, dtype=torch.long, device="meta") if data.y is not None else None
    if overrides.get("semi_supervised"):  # its first step would collect labelled digits with .tolist()
        k, per = model.config.num_classes, model.config.labels_per_class
        model.set_labelled(x[: k * per], torch.arange(k).repeat_interleave(per))
    sampler = BatchSampler(n, model.config.batch_size, seed=0, device="meta")
    return model, batches(x, y, sampler)


@pytest.mark.parametrize("name,dataset,overrides", CASES, ids=IDS)
def test_a_gpu_profile_step_copies_nothing_onto_the_device_and_never_reads_it_back(name, dataset, overrides):
    model, draw = meta_model(name, dataset, overrides)
    model.plan(1000)
    if name == "wgan":  # the set-up step an ordinary one, the counted step a burst of 100 critic iterations
        model.g_steps = model.config.burst_every - 1
    model.train_step(draw)  # set-up: uncounted (see the top)
    losses = []
    assert count_copies(lambda: losses.append(model.train_step(draw))) == []
    assert all(v.device.type == "meta" and v.dim() == 0 for v in losses[0].values())


def test_the_counter_sees_each_kind_of_copy():
    """The test above would pass on a counter that counts nothing; this one must count four."""
    def step():
        x = torch.zeros(3, device="meta")
        x + torch.randn(3).to("meta")  # a CPU tensor moved
        x.copy_(torch.ones(3))  # copied in place
        x * torch.tensor(2.0, device="meta")  # torch.tensor(..., device=): host data, copied below the dispatcher
        torch.as_tensor([1.0, 2.0, 3.0], device="meta")
        x + torch.randn(3, device="meta")  # drawn on the device: not a copy
        torch.full((), 2.0, device="meta")  # filled on the device: not a copy
        torch.randn(3).to("cpu")  # CPU to CPU: not a copy onto the device

    assert len(count_copies(step)) == 4  # _to_copy, copy_, tensor, as_tensor
    with pytest.raises((RuntimeError, NotImplementedError)):  # and a read-back fails on meta
        float(torch.zeros((), device="meta"))


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_builds_in_the_gpu_profile_and_takes_a_real_step_on_the_cpu(name):
    dataset = MODELS[name].default_dataset if name != "gan" else "mnist"
    data = load_dataset(dataset, n=1024, verbose=False)
    torch.manual_seed(0)
    model = build_model(name, data, profile="gpu")
    if name == "wgan":
        model.g_steps = model.config.burst_first  # past the bursts: one step is 5 critic iterations, not 100
    sampler = BatchSampler(len(data), model.config.batch_size, seed=0)
    losses = model.train_step(batches(data.x, data.y, sampler))
    assert losses and all(torch.isfinite(v) for v in losses.values()), losses
