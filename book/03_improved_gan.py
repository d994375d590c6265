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
# them one by one, over several seeds, on the 25-Gaussian toy and on our offline
# MNIST, and reproduces the semi-supervised
# result at small scale.

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
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
from gans_edu.metrics import compare_table, evaluate, mode_coverage
from gans_edu.metrics.classifier import classify
from gans_edu.metrics.image import classifier_score, summarise
from gans_edu.models import build_model, default_steps
from gans_edu.models.improved_gan import (
    ABLATION,
    HistoricalAverage,
    MinibatchDiscrimination,
    ablation_switches,
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
# so this page's live run is short: 400 steps in the cpu profile, about two
# minutes. Expect the first strokes rather than digits, and read the metrics
# as those of a very short run; the reference run at the end of the chapter
# shows the same combination after 3,200 steps.

# %%
steps = nb.pick(smoke=4, cpu=400, gpu=5000)
model = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device)
notebook.budget(steps, data=f"{len(mnist)} digits", batch=model.config.batch_size)
print({k: v for k, v in model.config_dict().items() if k in ("feature_matching", "minibatch_discrimination",
      "historical_averaging", "label_smoothing", "virtual_batchnorm", "real_target")})
before = evaluate(model.sample(500, generator=torch.Generator().manual_seed(2)), "mnist")["model"]  # untrained G
run = fit(model, mnist, steps=steps, seed=nb.seed, log_every=max(1, steps // 20), desc="improved GAN (MD + VBN + smoothing)")
after = evaluate(model.sample(500, generator=torch.Generator().manual_seed(2)), "mnist")["model"]
print(f"Frechet distance of 500 samples: {before['frechet_distance']:.0f} before training, "
      f"{after['frechet_distance']:.0f} after {run.steps} steps")

# %%
viz.training_panel(model, run, d_title="D's mean output (real targets 0.9)")
plt.show()
assert run.steps == steps and np.isfinite([r["g_loss"] for r in run.history]).all()
if nb.quality_checks:  # even a short run moves the samples well towards the digits
    assert after["frechet_distance"] < 0.8 * before["frechet_distance"], (before, after)

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
compare_table({"improved GAN": report, "memorised: 3 digits per class": report_mem}).round(3)

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
# of the DCGAN baseline (all switches off), then all five together
# (`gans_edu.models.improved_gan.ABLATION`). A single run per variant says
# little: GAN training is noisy, and two seeds of the *same* variant can end
# further apart than two variants. So the question for each row is whether
# its difference from the baseline is larger than the spread between seeds.
#
# ### On 25 Gaussians
#
# The 2-D toy of chapters 0 and 7: 25 modes on a grid, and the metric counts
# the modes that receive a fair share of samples within 3 standard
# deviations (`gans_edu.metrics.mode_coverage`). The paper's own toy and
# MNIST networks are MLPs, and so are ours here: G has batch norm after each
# hidden layer (virtual batch norm when switched on, `VirtualBatchNorm1d`),
# D's last hidden layer feeds feature matching and minibatch discrimination.
# Sizes as the book's other toy MLPs (3 hidden layers of 256 in the cpu
# profile), batch 64 and 25 minibatch kernels so that the pairwise
# distances stay affordable on a CPU.
#
# Seven variants over three seeds are 21 runs, about eight minutes on one
# CPU thread at the cpu profile's 1,000 steps each. The gpu profile trains
# them all in the cell below; the cpu build of the book skips the training
# (the cell only says so) and the table after it, measured on the command
# line, carries the comparison. Exercise 4 runs it on your machine.

# %%
toy = load_dataset("25gaussians")
toy_steps = nb.pick(smoke=10, cpu=default_steps("improved-gan", toy, "cpu"), gpu=5000)
toy_seeds = nb.pick(smoke=[0], cpu=[], gpu=[0, 1, 2])  # cpu: the measured table below instead
toy_rows, toy_samples = [], {}
toy_real = mode_coverage(toy.x[:n_eval], toy.modes, toy.mode_std)  # real points, as many as samples
if toy_seeds:
    notebook.budget(toy_steps, runs=len(ABLATION) * len(toy_seeds), seeds=len(toy_seeds))
else:
    print("the toy ablation is not trained in this profile; see the table below and exercise 4")
for name in ABLATION if toy_seeds else []:
    for seed in toy_seeds:
        torch.manual_seed(seed)
        m = build_model("improved-gan", toy, profile=nb.profile, device=nb.device, **ablation_switches(name))
        r = fit(m, toy, steps=toy_steps, seed=seed, snapshot_fn=None, progress=False)
        pts = m.sample(n_eval, generator=torch.Generator().manual_seed(seed + 1))
        cov = mode_coverage(pts, toy.modes, toy.mode_std)  # what `gans-edu evaluate` reports on the toys
        toy_rows.append({"variant": name, "seed": seed, "modes covered": cov["modes_covered"],
                         "high-quality share": cov["high_quality"], "seconds": r.seconds})
        toy_samples.setdefault(name, pts)
print(f"real data: {toy_real['modes_covered']:.0f} of 25 modes, high-quality share {toy_real['high_quality']:.3f}")
assert toy_real["modes_covered"] == 25 and len(toy_rows) == len(ABLATION) * len(toy_seeds)
if toy_rows:
    toy_table = pd.DataFrame(toy_rows).groupby("variant", sort=False).agg(["median", "min", "max"])
    display(toy_table.round(3))
    fig, axes = plt.subplots(1, len(toy_samples), figsize=(2.6 * len(toy_samples), 2.9))
    for ax, (name, pts) in zip(axes, toy_samples.items()):
        cov = toy_table.loc[name, ("modes covered", "median")]
        viz.plot_points(pts, real=toy.x[:1000], ax=ax, lim=1.8, title=f"{name}\n{cov:.0f} of 25 modes")
        ax.set_xticks([])
        ax.set_yticks([])
    plt.tight_layout()
    plt.show()
    assert all(0 <= row["modes covered"] <= 25 for row in toy_rows)

# %% [markdown]
# Measured on the command line, three seeds per variant, the cpu profile's
# 1,000 steps (median [min, max]; one pinned thread on a two-core machine
# shared with other jobs; `python tools/ablation_improved_gan.py --data
# 25gaussians --seeds 0 1 2 --out runs/ablation_improved_gan_toy`):
#
# | variant (1,000 steps) | seeds | modes covered (of 25) | high-quality share | training seconds |
# |---|---|---|---|---|
# | DCGAN baseline | 3 | 0 [0, 0] | 0.008 [0.004, 0.010] | 14.1 [12.6, 14.5] |
# | + feature matching | 3 | 1 [1, 3] | 0.036 [0.024, 0.041] | 13.8 [12.2, 32.7] |
# | + minibatch discrimination | 3 | 7 [0, 8] | 0.058 [0.005, 0.093] | 28.7 [22.1, 59.9] |
# | + historical averaging | 3 | 0 [0, 0] | 0.015 [0.010, 0.020] | 16.7 [15.0, 19.6] |
# | + one-sided smoothing (0.9) | 3 | 1 [1, 1] | 0.014 [0.014, 0.015] | 12.3 [12.0, 14.6] |
# | + virtual batch norm | 3 | 1 [1, 3] | 0.023 [0.021, 0.029] | 23.6 [22.1, 27.7] |
# | all five | 3 | 1 [1, 2] | 0.018 [0.015, 0.026] | 45.2 [39.4, 46.6] |
# | real data | | 25 | 0.988 | |
#
# What is real here, and what is not. At this budget (1,000 steps of 64
# points, far less than the 6,000 steps of 256 that chapter 0's GAN gets) no
# variant comes near the data: the best run covers 8 of 25 modes, and at most
# a tenth of any run's samples lie within three standard deviations of a
# mode, against 99% for real points. The one difference larger than the
# seed spread is **minibatch discrimination** against the baseline on mode
# count in two of three seeds (7 and 8 modes vs 0 in every baseline seed);
# its third seed covered none, so even this is a tendency, not a guarantee.
# Feature matching lifts the high-quality share a little above the baseline
# in all three seeds (2.4-4.1% vs 0.4-1.0%), a small but consistent gap.
# Historical averaging, one-sided smoothing, virtual batch norm and all five
# together are within a mode or two of the baseline: no evidence either way
# at this budget. All five together does *not* add up: it inherits
# minibatch discrimination but ends with 1-2 modes, as if the other tricks
# (historical averaging above all, which pulls both players back towards
# their past) slowed it down.
#
# ### On MNIST
#
# The same seven variants on our offline MNIST with DCGAN's convolutional
# networks at half width. Here a run costs minutes: even 250 steps of each
# variant would take about eight minutes on one CPU thread, for one seed. So
# the gpu profile trains each variant once in the cell below (3,000 steps)
# to show the samples, the cpu build skips it, and the comparison is the
# table over seeds measured on the command line further down.

# %%
ab_steps = nb.pick(smoke=2, cpu=250, gpu=3000)
ab_variants = nb.pick(smoke=list(ABLATION), cpu=[], gpu=list(ABLATION))  # cpu: the measured table below instead
if ab_variants:
    notebook.budget(ab_steps, runs=len(ab_variants), seeds=1)
else:
    print("the MNIST ablation is not trained in this profile; see the table below and exercise 4")
KEYS = ("classifier_score", "frechet_distance", "classes_present", "min_class_share", "recall")
ablation, ablation_models = {}, {}
for name in ab_variants:
    torch.manual_seed(nb.seed)
    m = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, **ablation_switches(name))
    r = fit(m, mnist, steps=ab_steps, seed=nb.seed, snapshot_fn=None, desc=name)
    feats, probs = classify(m.sample(n_eval, generator=torch.Generator().manual_seed(2)))
    ablation[name] = {**{k: summarise(feats, probs, ref_feats)[k] for k in KEYS}, "seconds": r.seconds}
    ablation_models[name] = m
ablation[f"MD + VBN + smoothing (default, {run.steps} steps)"] = {**{k: report["model"][k] for k in KEYS},
                                                                 "seconds": run.seconds}
ablation["real data"] = {k: report["real"][k] for k in KEYS}
ablation_table = pd.DataFrame(ablation).T
ablation_table.round(3)

# %%
if ablation_models:
    fig, axes = plt.subplots(1, len(ablation_models), figsize=(3 * len(ablation_models), 3.4))
    for ax, (name, m) in zip(axes, ablation_models.items()):
        viz.show_images(m.sample(36, generator=torch.Generator().manual_seed(4)), nrow=6, ax=ax, title=name)
    plt.show()
    assert len(ablation_table) == len(ABLATION) + 2 and ablation_table["classifier_score"].notna().all()
    vbn_row, base_row = ablation["+ virtual batch norm"], ablation["DCGAN baseline"]
    print(f"VBN vs baseline after {ab_steps} steps: Frechet distance {vbn_row['frechet_distance']:.0f} vs "
          f"{base_row['frechet_distance']:.0f}, classes present {vbn_row['classes_present']:.0f} vs "
          f"{base_row['classes_present']:.0f}")
    if nb.quality_checks:  # measured over seeds (table below): VBN covers more classes than the baseline in every seed
        assert vbn_row["classes_present"] > base_row["classes_present"], (vbn_row, base_row)

# %% [markdown]
# The comparison: the same seven variants measured on the command line at
# 400 steps each (the cpu profile's networks; 2,000 samples per evaluation
# with the book's MNIST classifier, so the numbers are not Inception
# numbers; median [min, max] over seeds; one pinned thread on a two-core
# machine shared with other jobs, which is why a step took 0.24 s even for
# the baseline). Reproduce with `python tools/ablation_improved_gan.py
# --data mnist --steps 400 --seeds 0 1 2 --out runs/ablation_improved_gan_mnist`.
# The budget allowed two seeds per variant here (about 16 minutes per seed
# for all seven); the third seed is the command above.
#
# | variant (400 steps) | seeds | classifier score | Frechet distance | classes present | smallest class | seconds |
# |---|---|---|---|---|---|---|
# | DCGAN baseline | 2 | 4.208 [4.030, 4.387] | 1009 [975, 1042] | 7 [7, 7] | 0.008 [0.007, 0.009] | 96.9 [95.2, 98.6] |
# | + feature matching | 2 | 3.250 [3.059, 3.441] | 1169 [1135, 1204] | 7 [7, 7] | 0.002 [0.000, 0.003] | 104 [98, 109] |
# | + minibatch discrimination | 2 | 2.945 [2.925, 2.965] | 1215 [1212, 1219] | 5 [5, 5] | 0.000 [0.000, 0.001] | 185 [179, 190] |
# | + historical averaging | 2 | 2.918 [2.609, 3.227] | 1248 [1195, 1301] | 6 [6, 6] | 0.001 [0.000, 0.002] | 101 [99, 104] |
# | + one-sided smoothing | 2 | 3.868 [3.814, 3.921] | 1062 [1039, 1085] | 8 [7, 8] | 0.005 [0.005, 0.005] | 109 [104, 113] |
# | + virtual batch norm | 2 | 4.990 [4.706, 5.274] | 915 [868, 961] | 10 [10, 10] | 0.033 [0.025, 0.041] | 128 [123, 133] |
# | all five | 2 | 1.000 [1.000, 1.000] | 7059 [6963, 7156] | 1 [1, 1] | 0 [0, 0] | 233 [231, 235] |
# | real data | | 9.75 | 7.89 | 10 | 0.091 | |
#
# Which differences are real? With two seeds the range is only a first
# measure of the noise, so we count a difference only where the two ranges
# are far apart. One is: **virtual batch norm** is the only single trick
# that beats the baseline on class coverage and the classifier score in
# both seeds: all ten classes against seven, the smallest class at 2.5-4.1%
# of the samples against under 1%, a classifier score of 4.7-5.3 against
# 4.0-4.4. Its Frechet distance is lower too, but only just (868 and 961
# against 975 and 1,042), not a difference two seeds can establish. Part of
# the class coverage is VBN's very point: a batch-norm G is trained with the
# statistics of its current batch but sampled (in eval mode) with running
# averages that lag behind the fast-moving early weights; a VBN G computes
# the same thing in training and at sampling time.
#
# **All five together** fails in both seeds (one class, Frechet distance in
# the thousands): historical averaging with weight 1 (the paper gives no
# coefficient) together with feature matching holds G near its starting
# point. Feature matching, minibatch discrimination and historical
# averaging alone are slightly *worse* than the baseline at this budget, in
# both seeds (Frechet distance 1,135-1,301 against 975-1,042, lower
# classifier scores, and five or six classes for minibatch discrimination
# and historical averaging). That is consistent, but small against what
# these tricks are for (collapse and oscillation over long runs, which 400
# steps do not reach), so we read it as "no help this early", not as harm. One-sided
# smoothing sits at the edge of the baseline's spread (Frechet distance
# 1,039-1,085, seven or eight classes): no measurable effect. Where the
# notebook trains the variants above (the gpu profile), those runs are one
# seed each and should be read against this table, not on their own.

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
# narrows the MLPs, G to half width (100-250-250-784) and D to a quarter
# (784-250-125-62-62-62-10). Halving both tripled the steps per second
# against the official widths and, at equal steps, learned as fast; the
# quarter-width D is another 1.5 times faster per step and, at 14,000
# steps, classified as well (4.1-4.6% against 4.1-5.3% over the same three
# seeds; table below).
# The cpu profile's budget is 14,000 steps instead of the code's 180,000
# (300 epochs of 600 batches), so the average of D uses decay 0.999 (the last
# ~1,000 steps, a similar share of the run as the code's 0.9999) and is
# bias-corrected as Adam's moments are.
#
# Even 14,000 steps take about ten minutes on one CPU thread, too long for
# this page. The live run below trains for 400 steps, long enough to
# watch the error fall; the reference run at the end of the chapter, the
# same settings trained for 20,000 steps, carries the result.
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
ssl_steps = nb.pick(smoke=2, cpu=400, gpu=30_000)  # cpu: a short run; the reference below is the long one
notebook.budget(ssl_steps, labels=100, unlabelled=len(mnist))
torch.manual_seed(nb.seed)
ssl = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, semi_supervised=True)
errors: list[float] = []  # the averaged classifier's test error at each snapshot
alone_errors: list[float] = []  # the same for the labels-alone control


def snapshot_error(m, into=errors):
    """Record the test error (and return samples, so the timelapse still works)."""
    into.append(m.test_error(test.x, test.y))
    return m.sample(64, generator=torch.Generator().manual_seed(1234))


ssl_run = fit(ssl, mnist, steps=ssl_steps, seed=nb.seed, snapshot_fn=snapshot_error,
              snapshot_every=max(1, ssl_steps // 10), desc="semi-supervised GAN")
torch.manual_seed(nb.seed)
alone = build_model("improved-gan", mnist, profile=nb.profile, device=nb.device, semi_supervised=True,
                    unsupervised_weight=0.0)
alone.set_labelled(*ssl.labelled)  # exactly the same 100 labelled digits
alone_run = fit(alone, mnist, steps=ssl_steps, seed=nb.seed, snapshot_fn=lambda m: snapshot_error(m, alone_errors),
                snapshot_every=max(1, ssl_steps // 10), desc="same classifier, 100 labels alone")
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
axes[0].plot([s for s, _ in alone_run.snapshots], [100 * e for e in alone_errors], marker="s", ls="--",
             label="the same D, 100 labels alone")
axes[0].set(xlabel="step", ylabel="test error (%)", title="test error during training", ylim=(0, 100))
axes[0].legend()
viz.show_images(ssl.sample(64, generator=torch.Generator().manual_seed(1)), nrow=8, ax=axes[1],
                title="samples of the semi-supervised G (feature matching)")
plt.show()
assert len(ssl.labelled[0]) == 100 and torch.equal(torch.bincount(ssl.labelled[1]), torch.full((10,), 10))
assert len(errors) == len(ssl_run.snapshots) and len(alone_errors) == len(alone_run.snapshots)

# %% [markdown]
# Both classifiers learn from their 100 labels within the first hundred
# steps, and in a run this short they stay close together: the unlabelled
# digits only start to pay once G's samples look like digits, after about
# 2,000 steps, and from then on the semi-supervised error keeps falling
# while the labels-alone error stays where it is. That part of the story is
# the reference run's, below.

# %%
print(f"test error after {ssl_run.steps:,} steps: semi-supervised {ssl_error:.1%} (at the start: {errors[0]:.1%}) "
      f"vs 100 labels alone {alone_error:.1%}")
if nb.quality_checks:  # the classifier learns from the start: most of the error is gone within the short run
    assert ssl_error < 0.35 and ssl_error < 0.5 * errors[0], errors

# %% [markdown]
# ## After longer training
#
# Two reference runs, trained once for longer with this chapter's settings
# and shipped with the book: the paper's combination (minibatch
# discrimination, VBN, one-sided smoothing) for 3,200 steps, and the
# semi-supervised GAN for 20,000 steps.
#
# ### The paper's combination

# %%
from gans_edu import references

ref = nb.reference("improved-gan")
report_ref = references.evaluate_model(ref.model, "mnist", n=nb.pick(smoke=200, cpu=2000, gpu=2000))
viz.compare_samples({f"live run, {run.steps:,} steps": model, f"reference, {ref.card['steps']:,} steps": ref.model})
plt.show()
display(compare_table({f"live run ({run.steps:,} steps)": report,
                       f"reference ({ref.card['steps']:,} steps)": report_ref}).round(3))
m_ref = report_ref["model"]
print(f"reference: Frechet distance {m_ref['frechet_distance']:.0f} (live run {report['model']['frechet_distance']:.0f}), "
      f"classifier score {m_ref['classifier_score']:.2f}, {m_ref['classes_present']:.0f} classes")
assert ref.card["config"]["minibatch_discrimination"] and ref.card["config"]["virtual_batchnorm"]
if nb.quality_checks:  # recognisable digits of every class
    real_score = report_ref["real"]["classifier_score"]
    assert m_ref["classes_present"] == 10 and m_ref["classifier_score"] > 0.75 * real_score, m_ref
    assert m_ref["frechet_distance"] < report["model"]["frechet_distance"], (m_ref, report["model"])

# %% [markdown]
# ### The semi-supervised classifier
#
# The same 100 labels, 20,000 steps; as in the live run, the classifier
# tested is the running average of D's weights.

# %%
ref_ssl = nb.reference("improved-gan-semi")
ref_error = ref_ssl.model.test_error(test.x, test.y)
ref_last = ref_ssl.model.test_error(test.x, test.y, averaged=False)
ssl_table.loc[f"reference, {ref_ssl.card['steps']:,} steps, averaged D"] = [
    ref_error, round(ref_error * 1000), ref_ssl.card["steps"], ref_ssl.card["train_seconds"]]
ssl_table.loc["... the reference D's last weights"] = [ref_last, round(ref_last * 1000), ref_ssl.card["steps"],
                                        ref_ssl.card["train_seconds"]]
display(ssl_table.round(3))
viz.show_images(ref_ssl.model.sample(64, generator=torch.Generator().manual_seed(1)), nrow=16, size=9,
                title="samples of the reference's G (feature matching)")
plt.show()
print(f"test error: reference {ref_error:.1%} after {ref_ssl.card['steps']:,} steps; live run {ssl_error:.1%} "
      f"after {ssl_run.steps:,}; 100 labels alone {alone_error:.1%}")
assert ref_ssl.card["config"]["semi_supervised"] and ref_ssl.card["seed"] == 0
if nb.quality_checks:  # under 5% with 100 labels, and well under half the labels-alone error
    assert ref_error < 0.05 and ref_error < alone_error / 2, (ref_error, alone_error)

# %% [markdown]
# What the reference classifier learned, digit by digit: drag the slider to
# see the test digits of one class that it gets wrong (the static view under
# it shows the error per class).

# %%
pred = ref_ssl.model.classify(test.x)


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
assert abs(sum(per_class[c] * int((test.y == c).sum()) for c in range(10)) / len(test) - ref_error) < 1e-6

# %% [markdown]
# ## What the paper showed and what we see
#
# | claim (paper) | this chapter (`cpu` profile, small budgets) |
# |---|---|
# | MD, VBN, smoothing: best samples (Sec. 5) | beyond the seed spread: VBN on MNIST; MD on 25 Gaussians (2 of 3 seeds) |
# | (the combination) | the default MD + VBN + smoothing after 600 steps gives recognisable digits, far from real data |
# | feature matching: good for semi-supervised learning, worse samples (Sec. 5) | the semi-supervised G's samples are rough while its D is a far better classifier |
# | the Inception Score agrees with human judgement (Sec. 4) | a memorising "generator" scores like real data (about 9.8 vs 9.8) with zero recall |
# | 100 labels: 93 $\pm$ 6.5 errors out of 10,000 (Table 1) | 4,000 unlabelled digits: the reference's test error is printed above (under 5% after 20,000 steps, against about a quarter for the same classifier on the 100 labels alone); the paper's 0.93% used 60,000 unlabelled digits and 300 epochs |
#
# The semi-supervised gap to the paper is still there, and it is the
# budget's: the official code trains for 300 epochs of 60,000 unlabelled
# digits (180,000 steps), the reference for 20,000 steps on 4,000 digits, and
# its error was still falling when it stopped. How the cpu settings were
# chosen (the seeds, the widths, the earlier convolutional version) is in
# the lab notes appendix.
#
# Deviations, and why: in the technique sections, DCGAN's convolutional
# networks at half width instead of the paper's MLPs (one architecture for
# the ablation; the budget); historical averaging with weight 1 (the paper
# gives no coefficient). In the semi-supervised section, the official MLPs at
# G at half and D at a quarter width in the `cpu` profile (full width in `gpu`), 14,000 steps
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
# 3. The paper gives historical averaging no weight; we use 1. Rerun
#    `python tools/ablation_improved_gan.py --variants "+ historical averaging"
#    --set ha_weight=0.1 --out runs/ha01` and again with 0.01 and 10: how
#    does the weight move it, and does any weight beat the baseline row of
#    the tables above by more than the seed spread?
