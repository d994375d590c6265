# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Improved techniques for training GANs
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/03_improved_gan.ipynb)
#
# The survey this book started from lists this work as "Improved DCGANs": it
# "improved the DCGAN baseline" and let GANs produce higher-resolution images
# {cite}`perarnau2017fantastic`. Salimans, Goodfellow, Zaremba, Cheung, Radford
# and Chen {cite}`salimans2016improved` kept DCGAN's networks and asked *why*
# GAN training so often fails. Their answer: training a GAN means finding a
# Nash equilibrium of a two-player game, and gradient descent is not built for
# that. Each player improves its own cost, which can undo the other's progress;
# the pair can circle around the equilibrium forever, or G can collapse onto a
# few outputs that D happens to like.
#
# The paper offers a box of tricks against this, each motivated by the game
# view: **feature matching**, **minibatch discrimination**, **historical
# averaging**, **one-sided label smoothing** and **virtual batch
# normalisation**. It also introduced two things that outlived the tricks: the
# **Inception Score**, a way to put a number on sample quality, and
# **semi-supervised learning** with a GAN, where the discriminator doubles as
# a classifier and reached a 0.93% test error on MNIST with only 100 labels.
#
# This chapter writes each trick as a small piece of `gans_edu/models/improved_gan.py`
# that any model can switch on, checks each one's defining property, measures
# them one by one on our offline MNIST, and reproduces the semi-supervised
# result at small scale.

# %%
# Set-up: on Colab, install the book's library (elsewhere it is already installed).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu"
    pass

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import display

from gans_edu import notebook, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate, metrics_table
from gans_edu.metrics.classifier import classify
from gans_edu.metrics.image import classifier_score, summarise
from gans_edu.models import build_model, default_steps
from gans_edu.models.improved_gan import (
    HistoricalAverage,
    MinibatchDiscrimination,
    discriminator_loss,
    feature_matching_loss,
)
from gans_edu.train import fit

nb = notebook.setup("Chapter 3: Improved techniques for training GANs (Salimans et al. 2016)")
mnist = load_dataset("mnist")
test = load_dataset("mnist", "test")

# %% [markdown]
# ## The game, and five ways to steady it
#
# The objective is still the 2014 one. D maximises
#
# $$
# \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))],
# $$
#
# and G, in DCGAN's practice, minimises $-\mathbb{E}_z[\log D(G(z))]$. Each
# trick changes one of these costs or one of the networks.
#
# **Feature matching** (Sec. 3.1). Instead of maximising D's output, G matches
# the statistics of D's intermediate features $f(x)$ (we use D's last hidden
# layer, as the paper's MNIST code does):
#
# $$
# \min_G \; \big\| \mathbb{E}_{x \sim p_\text{data}} f(x) - \mathbb{E}_{z} f(G(z)) \big\|_2^2 .
# $$
#
# G no longer chases whatever D currently believes; it aims at a fixed point
# of the data's statistics, a target that moves only as D's features change.
#
# **Minibatch discrimination** (Sec. 3.2). A collapsed G produces many nearly
# equal samples; D judging one sample at a time cannot see that. So D gets a
# view of the batch: a learned tensor $T$ maps features $f(x_i) \in \mathbb{R}^A$
# to a matrix $M_i \in \mathbb{R}^{B \times C}$, and for each of the $B$ rows
#
# $$
# c_b(x_i, x_j) = \exp\big(-\|M_{i,b} - M_{j,b}\|_{L_1}\big), \qquad
# o_b(x_i) = \sum_{j} c_b(x_i, x_j),
# $$
#
# appended to $f(x_i)$ before D's last layer. $o$ is large when $x_i$ has many
# close neighbours in its batch. The paper gives no $B$, $C$; its code uses
# $B = 100$, $C = 5$ (and leaves $j = i$ out of the sum), and so do we.
#
# **Historical averaging** (Sec. 3.3). Each player's cost gets
# $\big\|\theta - \frac{1}{t}\sum_{i=1}^{t} \theta[i]\big\|^2$, a pull towards the
# mean of all its past parameters, which damps the orbits that plain gradient
# descent can follow around an equilibrium.
#
# **One-sided label smoothing** (Sec. 3.4). D is trained towards targets
# $\alpha < 1$ for real data (the paper: "like .9"; the released ImageNet code
# uses 0.75) and exactly 0 for fakes. Why one-sided: with real targets $\alpha$
# and fake targets $\beta$ the optimal discriminator is
# $D^*(x) = \frac{\alpha\, p_\text{data}(x) + \beta\, p_\text{model}(x)}{p_\text{data}(x) + p_\text{model}(x)}$;
# any $\beta > 0$ rewards G where the data has no mass. $\alpha = 0.9$ keeps D's
# targets close to the classifier's; 0.75 smooths more and was what the
# ImageNet model needed to keep D from becoming overconfident.
#
# **Virtual batch normalisation** (Sec. 3.5). Batch norm makes each output
# depend on the other samples in its batch. VBN normalises every example with
# the statistics of a *reference batch fixed at the start* plus the example
# itself; the reference batch is run through G (with the current weights) on
# every forward pass. We use it in G, as the paper does.
#
# | technique | config switch | piece in `improved_gan.py` |
# |---|---|---|
# | feature matching | `feature_matching` | `feature_matching_loss` |
# | minibatch discrimination | `minibatch_discrimination` (`mbd_kernels=100`, `mbd_kernel_dim=5`) | `MinibatchDiscrimination` |
# | historical averaging | `historical_averaging` (`ha_weight`) | `HistoricalAverage` |
# | one-sided label smoothing | `label_smoothing` (`real_target=0.9`) | `discriminator_loss` |
# | virtual batch norm | `virtual_batchnorm` (`vbn_ref_size`) | `VirtualBatchNorm2d`, `VBNGenerator` |
#
# All of them sit on DCGAN's networks (chapter 2). On the command line:
# `gans-edu train improved-gan --set feature_matching=True --set real_target=0.75`.
# The default is the combination behind the paper's best samples: minibatch
# discrimination, VBN and one-sided smoothing.
#
# Each piece, checked on small tensors before we train anything:

# %%
torch.manual_seed(0)
# Minibatch discrimination sees collapse: a batch of copies has o_b = N - 1 for every kernel.
mbd = MinibatchDiscrimination(32, num_kernels=100, kernel_dim=5, init_std=0.3)
diverse, collapsed = torch.randn(16, 32), torch.randn(1, 32).repeat(16, 1)
o_div, o_col = mbd(diverse)[:, 32:].detach(), mbd(collapsed)[:, 32:].detach()
print(f"minibatch features o: diverse batch {float(o_div.mean()):.2f}, collapsed batch {float(o_col.mean()):.2f} (max 15)")
assert float(o_col.mean()) > 10 * float(o_div.mean())

# One-sided smoothing: the fake half of D's loss is untouched.
real_l, fake_l = torch.randn(64), torch.randn(64)
fake_part = F.binary_cross_entropy_with_logits(fake_l, torch.zeros(64))
for alpha in (1.0, 0.9, 0.75):
    real_part = discriminator_loss(real_l, fake_l, alpha) - fake_part
    print(f"alpha {alpha}: real part {float(real_part):.3f}, fake part {float(fake_part):.3f}")
    assert torch.allclose(real_part, F.binary_cross_entropy_with_logits(real_l, torch.full((64,), alpha)))

# Historical averaging: the mean of every value so far (not an exponential average).
p = torch.nn.Parameter(torch.tensor([0.0]))
h = HistoricalAverage([p])
for v in (3.0, 6.0, 9.0):
    with torch.no_grad():
        p.fill_(v)
    h.update()
print(f"historical mean of 0, 3, 6, 9: {float(h.mean[0]):.2f}; penalty at 9: {float(h.penalty().detach()):.2f}")
assert abs(float(h.mean[0]) - 4.5) < 1e-6

# Feature matching: zero when the feature means agree, whatever the individual samples.
f_real = torch.randn(256, 8)
assert float(feature_matching_loss(f_real, f_real[torch.randperm(256)])) < 1e-10

# %% [markdown]
# ## Training with the paper's combination
#
# The default `improved-gan`: DCGAN's networks at half width (32 base
# channels, as in chapter 2's cpu profile), with minibatch discrimination in D,
# virtual batch norm in G and real targets of 0.9. Minibatch discrimination and
# VBN make each step two to three times as slow as DCGAN's (on one CPU thread),
# so the cpu profile trains for 600 steps instead of chapter 2's 3,000: expect
# rough digits, and read the metrics as those of a short run.

# %%
steps = nb.pick(smoke=4, cpu=600, gpu=5000)
model = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device)
notebook.budget(steps, data=f"{len(mnist)} digits", batch=model.config.batch_size)
print({k: v for k, v in model.config_dict().items() if k in ("feature_matching", "minibatch_discrimination",
      "historical_averaging", "label_smoothing", "virtual_batchnorm", "real_target")})
run = fit(model, mnist, steps=steps, desc="improved GAN (MD + VBN + smoothing)")

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
viz.show_images(model.sample(64, generator=torch.Generator().manual_seed(1)), nrow=8, ax=axes[0],
                title=f"samples after {run.steps} steps")
viz.plot_losses(run.history, ["d_loss", "g_loss"], title="losses", ax=axes[1])
viz.plot_losses(run.history, ["d_real", "d_fake"], title="D's mean output (real targets 0.9)", ax=axes[2])
plt.show()
assert run.steps == steps and np.isfinite([r["g_loss"] for r in run.history]).all()

# %% [markdown]
# The timelapse plays the same 64 noise vectors through training. With VBN,
# each frame is also independent of which other samples share the batch: the
# same $z$ gives the same digit whether it is drawn alone or among thousands.

# %%
viz.timelapse(run.snapshots)

# %%
z = model.noise(8, torch.Generator().manual_seed(3))
with torch.no_grad(), model.eval_mode():
    alone = model.generate(z[:1].to(model.device)).cpu()
    in_batch = model.generate(torch.cat([z, model.noise(56)]).to(model.device))[:1].cpu()
print(f"max difference, one z alone vs in a batch of 64: {float((alone - in_batch).abs().max()):.1e}")
assert torch.allclose(alone, in_batch, atol=1e-5)

# %% [markdown]
# With a live kernel, the slider steps through the snapshots; in the static
# book, the strip under it shows six of them.

# %%
explorer = widgets.snapshot_explorer(run.snapshots)

# %% [markdown]
# ## Scoring samples: the Inception Score
#
# Sec. 4 of the paper proposed an automatic score that agreed with human
# judgement on CIFAR-10. Run each sample through a classifier (the Inception
# network there) and ask for two things: each sample should be classified
# confidently, $p(y \mid x)$ peaked, and the samples together should cover all
# classes, $p(y) = \mathbb{E}_x\, p(y \mid x)$ flat. Both at once mean a large
# Kullback-Leibler divergence between the two:
#
# $$
# \text{IS} = \exp\Big(\mathbb{E}_{x \sim p_G}\, \mathrm{KL}\big(p(y \mid x) \,\|\, p(y)\big)\Big).
# $$
#
# It ranges from 1 to the number of classes. The protocol: 50,000 samples cut
# into 10 splits, the score computed on each split, mean $\pm$ standard
# deviation reported. Inception weights cannot be downloaded here, so the book
# uses its own MNIST classifier (`gans_edu.metrics.classifier_score`, the same
# formula and protocol with 10 classes); these numbers are comparable only
# with other numbers in this book, never with published Inception Scores.
#
# The score has a well-known blind spot {cite}`theis2016note`: it only sees
# the classifier's *outputs*. A "generator" that has memorised three training
# digits per class and returns them over and over is confident and balanced,
# so it scores like real data, while it has no diversity at all. The
# Frechet distance and recall, which compare feature *distributions* with the
# test set, catch it.

# %%
n_eval = nb.pick(smoke=500, cpu=2000, gpu=10000)
rng = torch.Generator().manual_seed(0)
memorised_idx = torch.cat([torch.nonzero(mnist.y == c).squeeze(1)[:3] for c in range(10)])  # 30 digits
memorised = mnist.x[memorised_idx[torch.randint(0, 30, (n_eval,), generator=rng)]]  # (n_eval, 1, 28, 28)
report = evaluate(model.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
ref_feats, p_real = classify(test.x)  # the real test digits' features, reused below
report_mem = {"model": summarise(*classify(memorised), ref_feats), "real": report["real"]}
is_real = classifier_score(p_real)
print(f"classifier score (IS formula, 10 splits): real test digits {is_real[0]:.2f} +- {is_real[1]:.2f}")
table = metrics_table(report, "improved GAN")
table.insert(1, "memorised: 3 digits per class", metrics_table(report_mem)["model"])
table.round(3)

# %%
viz.show_images(memorised[:32], nrow=16, size=9, title="the memorising 'generator': 30 training digits, repeated")
plt.show()
m_mem, real = report_mem["model"], report_mem["real"]
print(f"memorised: score {m_mem['classifier_score']:.2f} vs real {real['classifier_score']:.2f}; "
      f"recall {m_mem['recall']:.3f} vs real {real['recall']:.3f}; "
      f"Frechet distance {m_mem['frechet_distance']:.1f} vs real {real['frechet_distance']:.1f}")
assert m_mem["classifier_score"] >= 0.9 * real["classifier_score"]  # the blind spot: it scores like real data ...
assert m_mem["recall"] < 0.5 * real["recall"]  # ... while recall sees that almost nothing is covered

# %% [markdown]
# ## Ablation: which trick does what
#
# Same data, same networks, same number of steps, one trick at a time on top
# of the DCGAN baseline (all switches off), then all five together; the
# default run above appears as "MD + VBN + smoothing". The cpu profile gives
# each run a small budget (250 steps, one seed), so read the table as a
# first look: differences smaller than the spread between seeds, which we do
# not measure here (exercise 3), are not evidence. Times are on this
# machine's CPU (one thread, shared with other jobs when the book was built).

# %%
ab_steps = nb.pick(smoke=2, cpu=250, gpu=3000)
OFF = dict(feature_matching=False, minibatch_discrimination=False, historical_averaging=False,
           label_smoothing=False, virtual_batchnorm=False)
variants = {
    "DCGAN baseline": {},
    "+ feature matching": dict(feature_matching=True),
    "+ minibatch discrimination": dict(minibatch_discrimination=True),
    "+ historical averaging": dict(historical_averaging=True),
    "+ one-sided smoothing (0.9)": dict(label_smoothing=True),
    "+ virtual batch norm": dict(virtual_batchnorm=True),
    "all five": {k: True for k in OFF},
}
notebook.budget(ab_steps, runs=len(variants), seeds=1)
KEYS = ("classifier_score", "frechet_distance", "classes_present", "min_class_share", "recall")
ablation, ablation_models = {}, {}
for name, switches in variants.items():
    torch.manual_seed(nb.seed)
    m = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, **{**OFF, **switches})
    r = fit(m, mnist, steps=ab_steps, snapshot_fn=None, desc=name)
    feats, probs = classify(m.sample(n_eval, generator=torch.Generator().manual_seed(2)))
    ablation[name] = {**{k: summarise(feats, probs, ref_feats)[k] for k in KEYS}, "seconds": r.seconds}
    ablation_models[name] = m
ablation[f"MD + VBN + smoothing (default, {run.steps} steps)"] = {**{k: report["model"][k] for k in KEYS},
                                                                 "seconds": run.seconds}
ablation["real data"] = {k: report["real"][k] for k in KEYS}
ablation_table = pd.DataFrame(ablation).T
ablation_table.round(3)

# %%
fig, axes = plt.subplots(1, len(ablation_models), figsize=(3 * len(ablation_models), 3.4))
for ax, (name, m) in zip(axes, ablation_models.items()):
    viz.show_images(m.sample(36, generator=torch.Generator().manual_seed(4)), nrow=6, ax=ax, title=name)
plt.show()
assert len(ablation_table) == len(variants) + 2 and ablation_table["classifier_score"].notna().all()
vbn_row, base_row = ablation["+ virtual batch norm"], ablation["DCGAN baseline"]
print(f"VBN vs baseline after {ab_steps} steps: Frechet distance {vbn_row['frechet_distance']:.0f} vs "
      f"{base_row['frechet_distance']:.0f}, classes present {vbn_row['classes_present']:.0f} vs "
      f"{base_row['classes_present']:.0f}")
if nb.quality_checks:
    assert vbn_row["frechet_distance"] < base_row["frechet_distance"], (vbn_row, base_row)

# %% [markdown]
# What this budget shows (cpu profile, 250 steps, one seed; when the book was
# built): only **virtual batch norm** changes the picture this early. Its
# samples are recognisable strokes in all ten classes while every other
# single-trick run still gives grey blurs that the classifier puts in one or
# two classes. Part of that is VBN's very point: a batch-norm G is trained
# with the statistics of its current batch but sampled (in eval mode) with
# running averages that lag behind the fast-moving early weights; a VBN G
# computes the same thing in training and at sampling time. The other tricks
# act on slower failure modes (collapse, oscillation) that 250 steps do not
# reach; the default run above, with 600 steps, shows what minibatch
# discrimination, VBN and smoothing give together. "All five" failed at this
# budget: historical averaging with weight 1 (the paper gives no
# coefficient) together with feature matching held G near its starting
# point, so it still produces noise. Treat these as one-seed observations
# and rerun with more steps and seeds (exercise 3) before concluding.

# %% [markdown]
# ## Semi-supervised learning: the discriminator as a classifier
#
# The paper's headline result turns D into a classifier with $K + 1$ outputs:
# the $K$ classes of the data and one for "generated". Since a softmax is
# unchanged when the same number is added to every logit, the "generated"
# logit can be fixed at 0. With $Z(x) = \sum_{k=1}^K \exp l_k(x)$,
#
# $$
# p(y = k \mid x, y \le K) = \frac{\exp l_k(x)}{Z(x)}, \qquad
# D(x) = 1 - p(y = K+1 \mid x) = \frac{Z(x)}{Z(x) + 1},
# $$
#
# and D's loss is the cross-entropy on the few labelled examples plus the GAN
# loss on everything else:
#
# $$
# L = -\mathbb{E}_{(x, y) \in \text{labelled}} \log p(y \mid x, y \le K)
#     - \mathbb{E}_{x \in \text{unlabelled}} \log D(x) - \mathbb{E}_{z} \log(1 - D(G(z))).
# $$
#
# In code, with $\operatorname{lse} = \log Z$, $\log D(x) = \operatorname{lse}(l) -
# \operatorname{softplus}(\operatorname{lse}(l))$ and $\log(1 - D(x)) =
# -\operatorname{softplus}(\operatorname{lse}(l))$: the official code writes the
# unsupervised loss this way (halved), which never forms $Z$ itself.
#
# G is trained with feature matching, which the paper found to work much
# better for this than the usual loss (and worse for sample quality).
# `semi_supervised=True` follows the official MNIST code (openai/improved-gan,
# `train_mnist_feature_matching.py`) closely, because the details matter:
#
# * D is an MLP 784-1000-500-250-250-250-10 with ReLU and **weight
#   normalisation**, whose scales and biases are set once by a
#   **data-dependent initialisation** (every unit starts with mean 0 and
#   variance 1 on 500 training digits); Gaussian noise of std 0.3 on the
#   input and 0.5 after each hidden layer. The noise is relative to data in
#   **[0, 1]**, the code's range; our images are in [-1, 1], so D first maps
#   them back (on [-1, 1], std 0.3 would be half as strong).
# * G is an MLP 100-500-500-784 with batch norm and softplus, a
#   weight-normalised sigmoid output, and noise $z \sim U(0, 1)^{100}$;
#   feature matching uses D's last hidden layer.
# * Adam with learning rate 0.003 and $\beta_1 = 0.5$, **as the code writes
#   it**: the step is $\hat m / \sqrt{\hat v + 10^{-8}}$, with the epsilon inside
#   the root, which damps the parameters whose gradients are around $10^{-4}$
#   or smaller (G's first layers get about $10^{-5}$). Batches of 100; every
#   step sees all 100 labelled digits, reshuffled, beside 100 unlabelled ones.
# * The classifier that is tested is a **running average of D's weights**,
#   not D itself.
#
# An earlier version of this chapter used DCGAN's convolutional networks on
# [-1, 1] with torch's Adam and D's last weights, and stalled at 12.4% test
# error after 10 minutes. The first version with the official networks
# showed the real bottleneck: G needs about 2,000 steps before its samples
# look like digits, and only then does the error fall steadily, by about one
# point every 500 steps. So the budget is spent on steps: the `cpu` profile
# halves the MLPs' widths (784-500-250-125-125-125-10 and 100-250-250-784),
# which triples the steps per second and, at equal steps, learns as fast.
# Our budget is 14,000 steps instead of the code's 180,000 (300 epochs
# of 600 batches), so the average of D uses decay 0.999 (the last ~1,000
# steps, a similar share of the run as the code's 0.9999) and is
# bias-corrected as Adam's moments are.
#
# D sees **100 labels**, the first 10 of each class that the shuffled training
# batches bring; the labels of every other digit are never read.
# The control: the *same* D network, initialisation, noise and optimiser, but
# with the unsupervised term switched off (`unsupervised_weight=0`), i.e. the
# classifier trained on the 100 labelled digits alone for the same number of
# steps. Paper (full MNIST, 60,000 unlabelled digits): 93 $\pm$ 6.5 errors out
# of 10,000 with 100 labels. We have 4,000 unlabelled training digits and
# score on the 1,000 held-out ones.

# %%
ssl_steps = nb.pick(smoke=2, cpu=default_steps("improved-gan", mnist, "cpu", semi_supervised=True), gpu=30_000)
notebook.budget(ssl_steps, labels=100, unlabelled=len(mnist))
torch.manual_seed(nb.seed)
ssl = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, semi_supervised=True)
errors: list[tuple[int, float]] = []


def snapshot_error(m):
    """Record the test error (and return samples, so the timelapse still works)."""
    errors.append(m.test_error(test.x, test.y))
    return m.sample(64, generator=torch.Generator().manual_seed(1234))


ssl_run = fit(ssl, mnist, steps=ssl_steps, snapshot_fn=snapshot_error, snapshot_every=max(1, ssl_steps // 10),
              desc="semi-supervised GAN")
torch.manual_seed(nb.seed)
alone = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, semi_supervised=True,
                    unsupervised_weight=0.0)
alone.set_labelled(*ssl.labelled)  # exactly the same 100 labelled digits
alone_run = fit(alone, mnist, steps=ssl_steps, snapshot_fn=None, desc="same classifier, 100 labels alone")
ssl_error, alone_error = ssl.test_error(test.x, test.y), alone.test_error(test.x, test.y)
last_error = ssl.test_error(test.x, test.y, averaged=False)  # D's own last weights, for comparison
ssl_table = pd.DataFrame({
    "test error (1,000 digits)": [ssl_error, last_error, alone_error],
    "errors out of 1,000": [round(e * 1000) for e in (ssl_error, last_error, alone_error)],
    "steps": [ssl_run.steps, ssl_run.steps, alone_run.steps],
    "training seconds": [ssl_run.seconds, ssl_run.seconds, alone_run.seconds],
}, index=["semi-supervised GAN (100 labels + 4,000 unlabelled), averaged D", "... D's last weights",
          "same D, 100 labels alone (averaged)"])
# Mechanics: the data-dependent initialisation ran once, the average followed every D step, same 100 labels.
assert ssl.initialised and alone.initialised and ssl.ema_steps == ssl_run.steps and alone.ema_steps == alone_run.steps
assert torch.equal(alone.labelled[1], ssl.labelled[1]) and torch.equal(alone.labelled[0], ssl.labelled[0])
ssl_table.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
err_steps = [s for s, _ in ssl_run.snapshots]
axes[0].plot(err_steps, [100 * e for e in errors], marker="o", label="semi-supervised GAN")
axes[0].axhline(100 * alone_error, color="C1", ls="--", label="100 labels alone (end)")
axes[0].set(xlabel="step", ylabel="test error (%)", title="test error during training")
axes[0].legend()
viz.show_images(ssl.sample(64, generator=torch.Generator().manual_seed(1)), nrow=8, ax=axes[1],
                title="samples of the semi-supervised G (feature matching)")
plt.show()
assert len(ssl.labelled[0]) == 100 and torch.equal(torch.bincount(ssl.labelled[1]), torch.full((10,), 10))
assert len(errors) == len(ssl_run.snapshots)

# %% [markdown]
# What the classifier learned, digit by digit: drag the slider to see the
# test digits of one class that it gets wrong (the static view under it shows
# the error per class).

# %%
pred = ssl.classify(test.x)


def show_mistakes(c):
    idx = torch.nonzero((test.y == c) & (pred != c)).squeeze(1)[:16]
    if len(idx) == 0:
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.axis("off")
        ax.set_title(f"class {c}: no mistakes")
        return fig
    return viz.show_images(test.x[idx], nrow=8, size=4,
                           title=f"class {c}: misread as " + " ".join(str(int(p)) for p in pred[idx]))


display(widgets.slider(list(range(10)), show_mistakes, description="class"))
per_class = [float((pred[test.y == c] != c).float().mean()) for c in range(10)]
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.bar(range(10), [100 * e for e in per_class])
ax.set(xlabel="class", ylabel="test error (%)", xticks=range(10), title="error per class (static view)")
plt.show()

# %%
print(f"test error: semi-supervised {ssl_error:.1%} vs 100 labels alone {alone_error:.1%}")
if nb.quality_checks:  # measured at 10 minutes on the command line: 4.9-6.2% vs 21% for the labels alone
    assert ssl_error < 0.06 and ssl_error < alone_error / 2, (ssl_error, alone_error)

# %% [markdown]
# ## What the paper showed and what we see
#
# | claim (paper) | this chapter (`cpu` profile, one seed, small budgets) |
# |---|---|
# | MD, VBN and one-sided smoothing give the best samples (Sec. 5) | at 250 steps only VBN made a visible difference; the default combination after 600 steps gives recognisable digits, still far from real data (Frechet distance in the hundreds vs 8) |
# | feature matching: good for semi-supervised learning, worse samples (Sec. 5) | the semi-supervised G's samples are rough while its D is a far better classifier |
# | the Inception Score agrees with human judgement (Sec. 4) | a memorising "generator" scores like real data (about 9.8 vs 9.8) with zero recall |
# | 100 labels: 93 $\pm$ 6.5 errors out of 10,000 (Table 1) | 4,000 unlabelled digits, 14,000 steps (about 10 minutes on two CPU threads): median 4.6% test error over three seeds (4.1-5.3%) vs 21.0% for the same classifier on the 100 labels alone; the paper's 0.93% used 60,000 unlabelled digits and 300 epochs |
#
# The semi-supervised gap to the paper is still there, and the measurements
# say where it comes from: the budget. The official code trains for 300
# epochs of 60,000 unlabelled digits (180,000 steps); we train for 14,000
# steps on 4,000 digits. On an idle two-core machine a step takes about
# 42 ms with two threads (1,500 steps in 62.6 s), so the `cpu` profile's
# 14,000 steps are about 10 minutes of training. Measured on the command
# line (`gans-edu train improved-gan --profile cpu --set semi_supervised=True
# --seed S`; the classifier's test error is printed by the evaluation at the
# end; one thread per run, two runs side by side, so the seconds are
# slower than the two-thread figure):
#
# | run | steps | training seconds (one thread) | test error (1,000 digits) |
# |---|---|---|---|
# | semi-supervised, seed 0 | 14,000 | 986 | 5.3% |
# | semi-supervised, seed 1 | 14,000 | 980 | 4.1% |
# | semi-supervised, seed 2 | 14,000 | 862 | 4.6% |
# | the same seeds after 10 minutes on one thread (`--minutes 10`, 9,676-11,562 steps) | | 600 | 6.2%, 5.2%, 4.9% |
# | same D, 100 labels alone (seed 0, `--set unsupervised_weight=0.0 --steps 10000`) | 10,000 | 202 | 21.0% |
# | earlier convolutional version of this chapter (seed 0) | 5,260 | 600 | 12.4% (labels alone: 27.3%) |
#
# Against the 12.4% of this chapter's earlier convolutional version, the
# official networks and training details cut the error by more than half
# in about the same time. Our target of 5% is met by the median of three
# seeds (4.6%), not by every seed: seed 0 ends at 5.3%. The error was still
# falling at the end (by about a quarter of a point per 1,000 steps between
# the 10-minute marks and 14,000 steps), so more steps (a faster machine, or the `gpu` profile) are
# what it needs for more.
#
# Deviations, and why: in the technique sections, DCGAN's convolutional
# networks at half width instead of the paper's MLPs (one architecture for
# the ablation; the budget); historical averaging with weight 1 (the paper
# gives no coefficient). In the semi-supervised section, the official MLPs at
# half width in the `cpu` profile (full width in `gpu`), 14,000 steps
# instead of 180,000, and a bias-corrected average of D with decay 0.999
# instead of 0.9999 (see above); 4,000 unlabelled digits because the book
# works offline (the `gpu` profile uses full MNIST when it has been
# downloaded).
#
# ## When to use it
#
# The survey's advice: use these techniques when you want to *improve a DCGAN
# baseline*, for better samples at higher resolution than DCGAN alone reaches.
# In practice: reach for one-sided label smoothing almost always (one line,
# no cost); minibatch discrimination when G collapses onto a few outputs;
# feature matching when you want D as a classifier with few labels; VBN when
# batch statistics leak between samples (it doubles G's cost). Historical
# averaging is rarely used on images. For stable training across architectures
# the book's later chapters change the loss instead (WGAN-GP, chapter 7), and
# ProGAN (chapter 9) grows the resolution step by step.
#
# ## Exercises
#
# 1. Set `real_target=0.75` (the official ImageNet value) and then smooth the
#    fake targets too (edit `discriminator_loss` in a copy): how do the
#    classifier score and D's mean output on fakes change?
# 2. Train the semi-supervised model with 20 and 50 labels
#    (`labels_per_class=2` and `5`): how quickly does the gap to the
#    labels-alone classifier grow?
# 3. Rerun the ablation with three seeds (`torch.manual_seed(s)` before each
#    build) and add the spread to the table. Which differences survive?
