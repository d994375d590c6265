"""Data-parallel training (gans_edu.distributed): two gloo ranks on the CPU against one process with the same
global batch, and the command line under torchrun.

What must match and why: the ranks draw the shards of exactly the batches and the noise one process draws for
the global batch, and DDP averages their gradients, so the runs differ only by rounding (sums in another order)
and where batch norm takes its statistics over a rank's shard instead of the global batch (SyncBatchNorm needs
GPUs). DCGAN has batch norm in both networks, so the comparison runs twice over 20 smoke steps: with batch norm
taken out of both runs, they agree to rounding (measured: losses 5e-7, weights 5e-5); with it, the losses agree
to 1.1e-3 and the weights to 4.7e-3, about as far apart as two single-process runs on other batches (1.9e-3 and
4e-3), because Adam's normalised steps (lr 2e-4 each) turn small gradient differences into whole steps. The two
ranks' weights agree exactly either way.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.train import fit

STEPS, PER_RANK, WORLD = 20, 32, 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _without_batchnorm(net: torch.nn.Module) -> None:
    for name, child in net.named_children():
        if isinstance(child, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            setattr(net, name, torch.nn.Identity())
        else:
            _without_batchnorm(child)


def _run(batch_size: int, batchnorm: bool) -> tuple[list[dict], dict[str, torch.Tensor]]:
    data = load_dataset("mnist", n=512, verbose=False)
    torch.manual_seed(0)
    model = build_model("dcgan", data, profile="smoke", batch_size=batch_size)
    if not batchnorm:
        for net in model.nets.values():
            _without_batchnorm(net)
    result = fit(model, data, steps=STEPS, seed=0, log_every=1, snapshot_fn=None, progress=False)
    weights = {f"{n}.{k}": v.detach().clone() for n, net in model.nets.items() for k, v in net.state_dict().items()}
    return result.history, weights


def _rank(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(WORLD), OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    from gans_edu import distributed

    distributed.setup(torch.device("cpu"))
    try:
        for bn in (False, True):
            history, weights = _run(PER_RANK, bn)
            torch.save({"history": history, "weights": weights}, Path(out) / f"rank{rank}-bn{int(bn)}.pt")
    finally:
        distributed.teardown()


def _largest_differences(a: tuple[list[dict], dict], b: tuple[list[dict], dict]) -> tuple[float, float]:
    """The largest difference of a logged loss and of a weight between two runs."""
    assert len(a[0]) == len(b[0]) == STEPS
    loss = max(abs(x[k] - y[k]) for x, y in zip(a[0], b[0]) for k in ("d_loss", "g_loss", "d_real", "d_fake"))
    weight = max(float((a[1][k] - v).abs().max()) for k, v in b[1].items() if "running" not in k and "num_batches" not in k)
    return loss, weight


@pytest.mark.slow
def test_two_gloo_ranks_match_one_process_with_the_global_batch(tmp_path):
    mp.spawn(_rank, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    for bn in (False, True):
        ranks = [torch.load(tmp_path / f"rank{r}-bn{int(bn)}.pt", weights_only=True) for r in range(WORLD)]
        # DDP: the ranks' weights are identical, and so (the losses averaged over the ranks) are their histories.
        for k, v in ranks[0]["weights"].items():
            if "running" not in k and "num_batches" not in k:  # batch norm's buffers: each rank its own shards'
                assert torch.equal(v, ranks[1]["weights"][k]), k
        drop = lambda h: [{k: v for k, v in row.items() if k != "seconds"} for row in h]  # noqa: E731
        assert drop(ranks[0]["history"]) == drop(ranks[1]["history"])
        loss, weight = _largest_differences((ranks[0]["history"], ranks[0]["weights"]), _run(PER_RANK * WORLD, bn))
        print(f"batch norm {bn}: largest loss difference {loss:.1e}, weight difference {weight:.1e}")
        if not bn:  # the same numbers, summed in another order (Adam's g / sqrt(v) magnifies the rounding of
            # near-zero gradients: measured 5e-7 for the losses, 5e-5 for a weight; two runs on other batches: 4e-3)
            assert loss < 1e-5 and weight < 5e-4, (loss, weight)
        else:  # BN per shard; after 20 steps about as far apart as two runs with different batches (see the top)
            assert loss < 1e-2, loss


def test_the_shards_are_the_global_batch():
    """Rank r's batch indices and noise are rows r*B .. (r+1)*B of what one process draws for the global batch."""
    from gans_edu import distributed
    from gans_edu.train import BatchSampler

    data = load_dataset("mnist", n=512, verbose=False)
    one = BatchSampler(len(data), PER_RANK * WORLD, seed=3).next()
    parts = [distributed.shard(BatchSampler(len(data), PER_RANK * WORLD, seed=3).next(),
                               distributed.Context(r, WORLD, r, torch.device("cpu"))) for r in range(WORLD)]
    assert torch.equal(torch.cat(parts), one)
    model = build_model("dcgan", data, profile="smoke")
    torch.manual_seed(5)
    whole = model.noise(PER_RANK * WORLD)
    for r in range(WORLD):
        torch.manual_seed(5)
        with distributed.shard_noise(model, distributed.Context(r, WORLD, r, torch.device("cpu"))):
            assert torch.equal(model.noise(PER_RANK), whole[r * PER_RANK : (r + 1) * PER_RANK])
            g = torch.Generator().manual_seed(1)  # sampling with a generator is left alone
            assert torch.equal(model.noise(4, g), model.__class__.noise(model, 4, torch.Generator().manual_seed(1)))
    assert "noise" not in vars(model)  # the method is the class's again


def test_models_ddp_cannot_train_are_refused():
    from gans_edu import distributed

    data = load_dataset("mnist", n=64, verbose=False)
    with pytest.raises(ValueError, match="autograd.grad"):
        distributed.check_model(build_model("gan", data, profile="smoke"))
    with pytest.raises(ValueError, match="not available for .cyclegan."):
        distributed.check_model(build_model("cyclegan", data, profile="smoke"))
    with pytest.raises(ValueError, match="semi-supervised"):
        distributed.check_model(build_model("improved-gan", data, profile="smoke", semi_supervised=True))
    distributed.check_model(build_model("gan", data, profile="smoke", update="alternating"))


def test_torchrun_trains_dcgan_and_rank_0_writes_the_run(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANS_EDU_PROFILE": "smoke"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(WORLD), "--master_port",
           str(_free_port()), "-m", "gans_edu", "train", "dcgan", "--profile", "smoke", "--steps", "4", "--no-eval",
           "--out", str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == WORLD and config["steps_done"] == 4
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "config.json", "history.csv", "samples.png"]
    assert proc.stdout.count("training dcgan") == 1  # rank 0 alone speaks
