"""InfoGAN: the latent layout, Q on D's body, no real labels, the MI term in G's and Q's losses, the CLI."""

import json
import math

import numpy as np
import pytest
import torch

from gans_edu.cli import main
from gans_edu.data import load_dataset
from gans_edu.models import build_model
from gans_edu.models.infogan import best_matching, code_scores, code_shares, info_lower_bound


def model(mnist, **kw):
    torch.manual_seed(0)
    return build_model("infogan", mnist, profile="smoke", **kw)


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_latent_layout_and_shapes(mnist):
    m = model(mnist)
    z = m.noise(6)
    assert z.shape == (6, 62 + 10 + 2)  # Sec. 6: 62 noise + one 10-way categorical + two continuous
    noise, cat, cont = m.split(z)
    assert noise.abs().max() <= 1 and cont.abs().max() <= 1 and cat.shape == (6,)
    assert torch.equal(z[:, 62:72].sum(1), torch.ones(6))  # one-hot
    x = m.generate(z)
    assert x.shape == (6, 1, 28, 28)
    d, q_cat, q_cont = m.D(x)
    assert d.shape == (6,) and q_cat.shape == (6, 10) and q_cont.shape == (6, 2)
    # Q shares D's body: one module, and the head is the only part of it D's output does not use.
    assert {id(p) for p in m.D.q_parameters} <= {id(p) for p in m.D.parameters()}


def test_labels_fix_the_categorical_code(mnist):
    m = model(mnist)
    z = m.noise(5)
    with m.eval_mode():
        fixed = m.generate(z, torch.full((5,), 4))
        noise, _, cont = m.split(z)
        assert torch.allclose(fixed, m.G(m.latent(noise, torch.full((5,), 4), cont)))
    assert m.sample(10, labels=torch.arange(10)).shape == (10, 1, 28, 28)
    with pytest.raises(ValueError, match="0..9"):
        m.generate(z, torch.full((5,), 10))


def test_real_labels_never_reach_the_model(mnist):
    """Training with the true labels, shuffled labels or none gives exactly the same networks."""
    x, y = mnist.x[:32], mnist.y[:32]
    results = []
    for labels in (y, y.flip(0), None):
        m = model(mnist)
        torch.manual_seed(1)
        for _ in range(2):
            m.train_step(lambda labels=labels: (x, labels))
        results.append(params(m.G) + params(m.D))
    assert same(results[0], results[1]) and same(results[0], results[2]), "the real labels changed training"


def test_mutual_information_term_enters_g_loss(mnist):
    """With D and Q frozen (lr 0), G's update still depends on lambda: L_I is in G's loss."""
    x = mnist.x[:32]
    after = {}
    for lam in (0.0, 1.0):
        m = model(mnist, lr_d=0.0, lambda_cat=lam, lambda_cont=lam)
        torch.manual_seed(1)
        m.train_step(lambda: (x, None))
        after[lam] = params(m.G)
    assert not same(after[0.0], after[1.0]), "G's update ignores L_I"


def test_mutual_information_term_trains_q(mnist):
    """Q's head learns only from L_I: frozen with lambda 0, moved with lambda 1."""
    x = mnist.x[:32]
    for lam, moves in ((0.0, False), (1.0, True)):
        m = model(mnist, lambda_cat=lam, lambda_cont=lam)
        before = [p.detach().clone() for p in m.D.q_parameters]
        m.train_step(lambda: (x, None))
        assert same(before, m.D.q_parameters) != moves, f"lambda {lam}: Q head moved={not moves}"


def test_official_init(mnist):
    """custom_ops.py: weights N(0, 0.02), biases 0, batch-norm scales N(1, 0.02); PyTorch's default is far wider."""
    from torch import nn

    def weights(m, kinds):
        return torch.cat([x.weight.flatten() for net in (m.G, m.D) for x in net.modules() if isinstance(x, kinds)])

    kinds = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
    official = build_model("infogan", mnist, profile="cpu", init="normal")
    w = weights(official, kinds)
    assert abs(w.std().item() - 0.02) < 0.002 and abs(w.mean().item()) < 0.002
    bn = weights(official, (nn.BatchNorm1d, nn.BatchNorm2d))
    assert abs(bn.mean().item() - 1) < 0.01 and 0.01 < bn.std().item() < 0.03
    assert all((x.bias == 0).all() for net in (official.G, official.D) for x in net.modules() if isinstance(x, kinds))
    default = build_model("infogan", mnist, profile="cpu", init="pytorch")
    assert default.D.body[0].weight.std() > 0.1 > 0.03 > official.D.body[0].weight.std()  # first conv: fan-in 16
    with pytest.raises(ValueError, match="valid: normal, pytorch"):
        build_model("infogan", mnist, profile="smoke", init="xavier")


def test_info_lower_bound():
    cat = torch.arange(10)
    perfect = torch.eye(10) * 50
    li_cat, li_cont = info_lower_bound(perfect, torch.zeros(10, 2), cat, torch.zeros(10, 2))
    assert abs(li_cat.item() - math.log(10)) < 1e-4  # reaches its maximum H(c) = ln 10
    li_cat, _ = info_lower_bound(torch.zeros(10, 10), torch.zeros(10, 2), cat, torch.zeros(10, 2))
    assert abs(li_cat.item()) < 1e-6  # a Q that knows nothing: L_I = 0
    expected = 2 * (math.log(2) - 0.5 * math.log(2 * math.pi))  # exact means, std 1, two codes
    assert abs(li_cont.item() - expected) < 1e-5


def test_best_matching_undoes_a_permutation():
    perm = torch.randperm(10, generator=torch.Generator().manual_seed(0))
    classes = torch.arange(1000) % 10
    codes = perm[classes]
    mapping, acc = best_matching(codes, classes)
    assert acc == 1.0 and (mapping[perm.numpy()] == np.arange(10)).all()


def test_cli_sample_writes_the_code_as_y(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "infogan", "--profile", "smoke", "--steps", "3", "--no-eval", "--out", str(out)]) == 0
    assert main(["sample", str(out), "--n", "12", "--label", "7", "--out", str(tmp_path / "s.npz")]) == 0
    s = np.load(tmp_path / "s.npz")
    assert s["x"].shape == (12, 1, 28, 28) and (s["y"] == 7).all()
    assert main(["sample", str(out), "--n", "40", "--out", str(tmp_path / "r.npz")]) == 0
    y = np.load(tmp_path / "r.npz")["y"]
    assert y.shape == (40,) and 0 <= y.min() and y.max() <= 9 and len(set(y.tolist())) > 1


def test_code_scores_read_a_permuted_code_as_perfect():
    """A model whose code k always draws digit (k + 3) % 10, and whose Q says the same of real digits."""
    test = load_dataset("mnist", "test", verbose=False)
    by_class = [test.x[test.y == c] for c in range(10)]

    class Permuted:
        config = type("C", (), {"cat_dim": 10})()

        def sample(self, n, labels, generator):
            return torch.stack([by_class[(int(k) + 3) % 10][i % 50] for i, k in enumerate(labels)])

        def predict_code(self, x):
            return (test.y + 7) % 10  # x is the test set itself here

    s = code_scores(Permuted(), 200)
    assert s["generation_matched"] > 0.95  # the project classifier misreads a few real digits, no more
    assert s["recognition_error"] == 0.0
    assert s["code_to_class"] == [(k + 3) % 10 for k in range(10)]
    assert s["largest_code_share"] == pytest.approx(max(np.bincount(test.y.numpy(), minlength=10)) / len(test))


def test_code_shares():
    assert code_shares(torch.tensor([0, 0, 1, 3]), 4) == [0.5, 0.25, 0.0, 0.25]


def test_cli_evaluate_reports_the_code(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "infogan", "--profile", "smoke", "--steps", "3", "--no-eval", "--out", str(out)]) == 0
    assert main(["evaluate", str(out), "--n", "100"]) == 0
    code = json.loads((out / "metrics.json").read_text())["code"]
    assert 0 <= code["generation_matched"] <= 1 and 0 <= code["recognition_error"] <= 1
    assert sorted(code["code_to_class"]) == list(range(10)) and code["samples"] == 100
