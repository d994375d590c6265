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
# # 5. InfoGAN: a code that means something, found without labels
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/05_infogan.ipynb)
#
# The conditional GAN of chapter 4 gives control, but pays for it with labels.
# InfoGAN {cite}`chen2016infogan` asks for control *without* labels. The survey
# this book started from describes it as a model that encodes meaningful image
# features in a completely unsupervised way: on MNIST, one part of its latent
# code ends up meaning the digit's class, another its rotation
# {cite}`perarnau2017fantastic`.
#
# The trick: split the generator's input into unstructured noise $z$ and a
# *code* $c$, and reward the generator when the code can be **read back** from
# the image. A third network $Q$ looks at $G(z, c)$ and guesses $c$. If a
# 10-way code must be recoverable from a digit, the cheapest way for $G$ is to
# make the code decide something visible and discrete about the digit, and on
# MNIST the most visible discrete thing is the class. Nobody told it so.

# %%
# Set-up: on Colab, install the book's library (elsewhere it is already installed).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu"
    pass

# %% [markdown]
# ## The objective
#
# InfoGAN adds to the GAN game a mutual-information term between the code and
# the image (Eq. 3 of the paper), $\min_G \max_D V(D, G) - \lambda I(c; G(z, c))$.
# $I$ cannot be computed, but it has a lower bound that can (Lemma 5.1): with
# any distribution $Q(c \mid x)$,
#
# $$
# I(c; G(z, c)) \;\ge\; L_I(G, Q) = \mathbb{E}_{c \sim P(c),\, x \sim G(z, c)}[\log Q(c \mid x)] + H(c),
# $$
#
# and the game becomes (Eq. 6)
#
# $$
# \min_{G, Q} \max_D \; V_\text{InfoGAN}(D, G, Q) = V(D, G) - \lambda L_I(G, Q).
# $$
#
# For a 10-way uniform categorical code $H(c) = \ln 10 \approx 2.303$, and
# $\mathbb{E}\log Q \le 0$, so $L_I \le \ln 10$: it reaches the maximum exactly
# when $Q$ reads the code from the image without error. That makes $L_I$ a
# gauge we can plot. For the continuous codes $Q$ is a Gaussian; as in the
# official code, its standard deviation is fixed at 1, so their term is just
# a squared error between the code and $Q$'s guess.
#
# ## The latent code and the networks (Sec. 6, Appendix C)
#
# * 62 noise variables $z \sim U(-1, 1)$, one categorical code
#   $c_1 \sim \text{Cat}(10)$ (one-hot), two continuous codes
#   $c_2, c_3 \sim U(-1, 1)$: 74 inputs to $G$.
# * $Q$ costs almost nothing: it **shares D's whole body** (two convolutions
#   and a dense layer) and adds one small head (dense 128, then 10 logits and
#   2 means).
# * $\lambda = 1$; Adam with learning rate $2 \cdot 10^{-4}$ for $D$ (and $Q$,
#   whose head lives with $D$ as in the official code) and $10^{-3}$ for $G$.
#
# Two pitfalls are tested in `tests/models/test_infogan.py`: the real labels
# must never reach the model (popular reimplementations feed them in as $c$,
# which turns InfoGAN into a conditional GAN and makes its "discovery"
# meaningless), and $L_I$ must enter $G$'s loss, not only $Q$'s (otherwise $Q$
# learns to read whatever $G$ happens to do, and $G$ never makes the code
# readable).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

from gans_edu import notebook, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate, metrics_table
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model
from gans_edu.models.infogan import best_matching, code_shares
from gans_edu.train import fit

nb = notebook.setup("Chapter 5: InfoGAN")
mnist = load_dataset("mnist")
model = build_model("infogan", mnist, profile=nb.profile, device=nb.device)
print("parameters:", model.num_parameters(), "| latent:", model.config.latent_dim)

# %% [markdown]
# ## Training
#
# The snapshots record a fixed grid: row $k$ sets the categorical code to
# $k$, each column keeps one noise vector (and continuous codes at 0). If
# InfoGAN works, the rows become digit classes, in an order of its own.

# %%
steps = nb.pick(smoke=20, cpu=3000, gpu=20000)
notebook.budget(steps)
COLS = 10


def code_grid(model, seed=0, cols=COLS, c2=0.0, c3=0.0):
    """Row k: categorical code k; column j: noise z_j; continuous codes fixed at (c2, c3)."""
    z, _, cont = model.split(model.noise(cols, generator=torch.Generator().manual_seed(seed)))
    cont = torch.tensor([c2, c3]).expand(cols, 2)
    latent = torch.cat([model.latent(z, torch.full((cols,), k), cont) for k in range(10)])  # (10*cols, 74)
    with model.eval_mode():
        return model.G(latent.to(model.device)).cpu()


run = fit(model, mnist, steps=steps, snapshot_every=max(1, steps // 20), snapshot_fn=code_grid, desc="infogan")

# %% [markdown]
# ## $L_I$ against its maximum
#
# The left plot is the usual pair of GAN losses; the right one is the
# categorical part of $L_I$ with its ceiling $\ln 10$. The paper's Figure 1
# shows $L_I$ reaching the ceiling quickly; a plain GAN with a $Q$ bolted on
# (but no $L_I$ in $G$'s loss) stays far below, because $G$ has no reason to
# keep the code legible.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
viz.plot_losses(run.history, ["d_loss", "g_loss"], title="adversarial losses", ax=axes[0])
viz.plot_losses(run.history, ["L_I_cat"], title="$L_I$ (categorical code)", ax=axes[1])
axes[1].axhline(math.log(10), color="k", ls="--", lw=1, label=r"$H(c) = \ln 10$")
axes[1].legend(frameon=False)
plt.show()

tail = [r["L_I_cat"] for r in run.history[-max(1, len(run.history) // 10) :]]
li_final = float(np.mean(tail))
print(f"L_I at the end of training: {li_final:.3f} (maximum ln 10 = {math.log(10):.3f})")
assert run.steps == steps and all(np.isfinite(r["L_I_cat"]) for r in run.history)
assert li_final <= math.log(10) + 1e-4  # a lower bound on I, itself at most H(c)
if nb.quality_checks:
    assert math.log(10) - li_final < 0.1, li_final

# %% [markdown]
# ## The categorical code: rows
#
# Each row fixes the categorical code; each column, the noise. Compare with
# chapter 4's grid, which looks the same but was *told* the classes. Look for
# a row that mixes two classes: in our cpu run, one code drew both 4s and 9s
# and another mostly 9s, the classic InfoGAN confusion.

# %%
final = code_grid(model)
viz.show_images(final, nrow=COLS, title="row k: categorical code k; column j: noise vector j", size=6)
plt.show()
assert final.shape == (10 * COLS, 1, 28, 28)

# %%
viz.timelapse(run.snapshots, draw=lambda ax, f: ax.imshow(viz.to_grid(f, COLS), cmap="gray", vmin=0, vmax=1))

# %% [markdown]
# ## The continuous codes: sliders
#
# In the paper, $c_2$ captures rotation and $c_3$ width (Figure 2), and varying
# them from $-2$ to $2$, beyond the $[-1, 1]$ they were trained on, still gives
# sensible digits. Which code learns what is not fixed in advance: in your run,
# $c_2$ may be width and $c_3$ rotation, or one of them may carry something else
# (thickness, a loop's size). With a live kernel the sliders move one code,
# every row a categorical code; the static strips show five settings each.

# %%
VALUES = [round(v, 2) for v in np.linspace(-2, 2, 9)]


def cont_view(which, v):
    c2, c3 = (v, 0.0) if which == "c2" else (0.0, v)
    return viz.show_images(code_grid(model, seed=3, cols=1, c2=c2, c3=c3), nrow=10, title=f"{which} = {v}", size=5)


display(widgets.slider(VALUES, lambda v: cont_view("c2", v), description="c2"))
display(widgets.slider(VALUES, lambda v: cont_view("c3", v), description="c3"))


def sweep(which, seed=3, values=(-2, -1, 0, 1, 2)):
    """Static view: rows = categorical codes, columns = the continuous code's value."""
    cols = [code_grid(model, seed=seed, cols=1, **{which: float(v)}) for v in values]  # each (10, 1, 28, 28)
    return torch.stack(cols, 1).flatten(0, 1)  # (10 * len(values), 1, 28, 28), row-major


fig, axes = plt.subplots(1, 2, figsize=(9, 9))
viz.show_images(sweep("c2"), nrow=5, ax=axes[0], title="c2 from -2 to 2")
viz.show_images(sweep("c3"), nrow=5, ax=axes[1], title="c3 from -2 to 2")
plt.show()

# %% [markdown]
# Does a continuous code change the digit's *class*? Ideally not: rotation
# and width are style. The share of digits whose class (as read by the
# project's classifier) stays the same from $c = -1$ to $c = 1$ tells us. In
# our cpu run it was about 70% for each code: at this budget the continuous
# codes are partly entangled with the class (in the strips above, some rows
# turn an 8 into a 5 or a 9 into a 4 as the code moves), where the paper's
# fully trained model keeps the class.

# %%
n_check = nb.pick(smoke=200, cpu=1000, gpu=2000)
base = model.noise(n_check, generator=torch.Generator().manual_seed(5))
keep = {}
for i, which in enumerate(("c2", "c3")):
    reads = []
    for v in (-1.0, 1.0):
        lat = base.clone()
        lat[:, model.config.noise_dim + model.config.cat_dim + i] = v
        with model.eval_mode():
            reads.append(classify(model.G(lat.to(model.device)).cpu())[1].argmax(1))
    keep[which] = float((reads[0] == reads[1]).float().mean())
print({k: f"{v:.0%} keep their class from -1 to 1" for k, v in keep.items()})
assert all(0 <= v <= 1 for v in keep.values())

# %% [markdown]
# ## The categorical code as an unsupervised classifier
#
# Two ways to ask whether the categorical code "is" the class. Codes come in
# an arbitrary order (code 3 may draw sevens), so each time we first find the
# best one-to-one matching of codes to classes (the Hungarian algorithm,
# `scipy.optimize.linear_sum_assignment`), then count agreements.
#
# 1. **Generation**: draw digits with known codes and let the project's
#    classifier read them: the share read as their code's matched class.
# 2. **Recognition**, the paper's number: let $Q$ classify *real* test digits
#    and compare with their true labels (the paper reports 5% error on MNIST).
#    The labels are used here for scoring only, never in training.

# %%
n_eval = nb.pick(smoke=500, cpu=2000, gpu=10000)
codes = torch.arange(n_eval) % 10
samples = model.sample(n_eval, labels=codes, generator=torch.Generator().manual_seed(1))
_, probs = classify(samples)
read = probs.argmax(1)
mapping, gen_acc = best_matching(codes, read)

test = load_dataset("mnist", "test")
q_codes = model.predict_code(test.x)
q_mapping, q_acc = best_matching(q_codes, test.y)
print(f"generation: {gen_acc:.1%} of samples read as their code's class")
print(f"recognition: Q classifies real test digits with {1 - q_acc:.1%} error (paper: 5%)")
print("code -> class:", dict(enumerate(mapping.tolist())))
pd.crosstab(pd.Series(codes.numpy(), name="code"), pd.Series(read.numpy(), name="class read"))

# %% [markdown]
# The book's target is 85% for the generation score. InfoGAN does not reach
# it on every seed at this budget (see "What the paper showed and what we see"
# below), so the cell asserts only what held on every seed we ran: the code
# lines up with the classes far better than chance (a code unrelated to the
# class scores about 15% after matching), at least 65%.

# %%
assert sorted(mapping.tolist()) == list(range(10))  # one-to-one
print(f"target (85% after matching): {'reached' if gen_acc >= 0.85 else 'not reached'} in this run ({gen_acc:.1%})")
if nb.quality_checks:
    assert gen_acc >= 0.65, gen_acc

# %% [markdown]
# **A warning sign that needs no labels.** Everything above used the labels
# to score the code. One check does without them: how evenly $Q$ spreads
# *real* digits over the codes. The prior gives each code 10%, and MNIST's
# classes are nearly balanced, so a code that has found the classes splits
# real digits about evenly; a code that merged the 4s and 9s takes about
# twice its share, while the class split over two codes leaves each of them
# half of it.

# %%
shares = code_shares(q_codes)
fig, ax = plt.subplots(figsize=(6, 2.2))
ax.bar(range(10), shares, color="tab:blue")
ax.axhline(0.1, ls="--", color="k", lw=1, label="even split (the prior)")
ax.set_xticks(range(10))
ax.set_xlabel("code Q gives a real test digit")
ax.set_ylabel("share")
ax.legend(fontsize=8)
plt.show()
print(f"largest share {max(shares):.1%}, smallest {min(shares):.1%} (even: 10%); "
      f"matched accuracy of this run {gen_acc:.1%}")
assert abs(sum(shares) - 1) < 1e-6 and len(shares) == 10

# %% [markdown]
# ## The usual table
#
# The same metrics as every chapter, for 2,000 samples with random codes,
# next to real digits.

# %%
random_samples = model.sample(n_eval, generator=torch.Generator().manual_seed(2))
report = evaluate(random_samples, "mnist")
metrics_table(report, "InfoGAN").round(3)

# %% [markdown]
# ## What the paper showed and what we see
#
# The paper shows (Figure 1) $L_I$ climbing to $H(c) = \ln 10$ early in
# training, the categorical code acting as a classifier with 5% error on
# MNIST, and the two continuous codes capturing rotation and width (Figure
# 2), all on full MNIST with the networks of Appendix C.
#
# In our cpu run (seed 0 in this notebook) 87% of samples were read as their
# code's class, and $Q$ misclassified 19% of real test digits after matching,
# against the paper's 5%.
#
# We train narrower networks (32 and 64 channels, 256 dense units) for 3,000
# steps (five to seven minutes on one shared CPU thread) on the 4,000-digit
# offline subset. $L_I$ reaches its ceiling on every seed: within 0.02 of
# $\ln 10$ at the end of training. The categorical code is a different story.
# Measured with the command line (`gans-edu train infogan --seed S`, then
# `gans-edu sample RUN --n 2000`, the project's classifier and the best
# matching), the share of samples read as their code's class was
#
# | seed | 0 | 1 | 2 |
# |---|---|---|---|
# | after matching | 86.1% | 76.9% | 71.0% |
# | $\ln 10 - L_I$ | 0.017 | 0.016 | 0.023 |
#
# so the 85% target was met on one seed of three. A run that misses it is not
# broken: typically two codes draw the same class (4 and 9, or two styles of
# 1) and one class is spread over several codes. $L_I$ is at its ceiling all
# the same, because $Q$ reads the code perfectly; the code just does not line
# up with the classes *we* had in mind. Nothing in the objective asks it to.
# Longer training sometimes helps (in one run the score rose from 82% at
# 1,500 steps to 94% at 3,000), but not reliably; the official code trains
# for 5,000 steps (50 "epochs" of 100 batches) on full MNIST. Try another
# `seed` in `notebook.setup` to see the spread yourself.
#
# We also tried the levers a reader would reach for. Each row is one run of
# a script with the command line's model and training loop (seeds as given;
# it measured the score every 500 steps on 1,000 samples, so its random
# stream, and its run, differ from the command line's run of the same seed),
# scored at the end on 2,000 samples; seconds on one shared CPU thread:
#
# | setting (change from the cpu profile) | seed | steps | seconds | after matching | best on the way |
# |---|---|---|---|---|---|
# | none | 2 | 3,000 | 663 | 83.0% | 84% (step 2,000) |
# | none, the official code's 5,000 steps | 1 | 5,000 | 1,242 | 65.5% | 68% |
# | $\lambda = 0.1$ for the continuous codes | 2 | 2,000 | 469 | 86.4% | 86% |
# | $\lambda = 0.1$ for the continuous codes | 1 | 2,000 | 483 | 75.8% | 76% |
# | batches of 64, twice the steps | 1 | 4,000 | 651 | 80.2% | 81% |
# | $D$'s learning rate doubled ($4 \cdot 10^{-4}$) | 1 | 2,000 | 471 | 70.7% | 73% |
# | dense 1024, $Q$'s head 128 (channels stay 32) | 1 | 1,500 | 546 | 84.0% | 86% |
# | channels 64, $Q$'s head 128 (dense stays 256) | 1 | 1,500 | 764 | 68.8% | 70% |
# | the paper's widths (channels 64, dense 1024, $Q$'s head 128) | 1 | 2,000 | 1,658 | **98.0%** | 98% |
# | the paper's widths | 0 | 1,500 | 1,306 | 75.1% | 79% |
# | the paper's widths | 2 | 1,500 | 1,301 | 82.4% | 82% |
# | $Q$'s Gaussian std 0.5 instead of 1 (continuous codes count 4x more) | 1 | 2,000 | 525 | 67.8% | 69% |
# | $G$'s learning rate $2 \cdot 10^{-4}$, as $D$'s (the paper: $10^{-3}$) | 1 | 2,000 | 538 | 47.1% | 47% |
# | $G$'s learning rate $2 \cdot 10^{-4}$, as $D$'s | 2 | 2,000 | 522 | 67.3% | 68% |
# | $G$'s learning rate $2 \cdot 10^{-3}$ | 1 | 2,000 | 511 | 66.9% | 67% |
#
# ($\lambda = 0.1$ for the continuous codes follows the paper's remark that
# a smaller $\lambda$ is typically used for continuous codes, whose $L_I$
# involves differential entropy; the official code keeps 1.) None of the
# cheap levers lifts every seed above 85%; the spread between seeds is larger
# than any difference between them. Not even the paper's full widths, at
# three times the time per step: on seed 1 every code drew a single class
# (98%), on seeds 0 and 2 the usual mix-ups came back (75% and 82%). The
# paper's fast generator is not the culprit either: slowed to $D$'s rate,
# $G$ lines its codes up later and worse (47% and 67% at 2,000 steps), and
# doubled it does no better (67%). In
# every failing run the same thing happens: the 4s, 7s and 9s, which differ
# by a stroke or a closed loop, share two or three codes, and which of them a
# sample becomes is left to the noise $z$.
# The split of the codes is mostly settled within the first 1,500 to 2,500
# steps and then changes little (the "best on the way" column; the 5,000-step
# run never passed 68%), so more steps do not undo it.
# Nothing in the objective prefers this split over the one we want: both let
# $Q$ read the code perfectly. (For some figures of other datasets, the
# paper's authors picked codes from several runs, as they said in the
# official repository's issue tracker.)
#
# The label-free check above ranks these runs almost as the labels do. On
# the twelve runs of the table whose weights we kept, the largest share of
# real (training) digits under one code against the matched accuracy,
# Spearman rank correlation -0.92:
#
# | matched accuracy | 98.0% | 84.0% | 82.4% | 80.2% | 75.1% | 70.7% | 68.8% | 67.8% | 67.3% | 66.9% | 65.5% | 47.1% |
# |---|---|---|---|---|---|---|---|---|---|---|---|---|
# | largest code share | 10.3% | 11.0% | 10.8% | 11.4% | 10.8% | 11.9% | 11.9% | 11.9% | 12.8% | 12.3% | 12.0% | 13.0% |
#
# So a reader without
# labels could start a few seeds, keep the one whose codes split the real
# digits most evenly, and expect it to be among the better-aligned runs, but
# not early. Six more seeds of the cpu profile (3 to 8, the same probe
# script, 2,000 steps, 414-464 seconds each), with the check every 250 steps:
#
# | seed | 3 | 4 | 5 | 6 | 7 | 8 |
# |---|---|---|---|---|---|---|
# | matched accuracy at 1,000 steps | 72.6% | 70.0% | 65.6% | 67.6% | 66.9% | 59.6% |
# | largest code share at 1,000 steps | 12.0% | 11.5% | 12.0% | 11.5% | 11.2% | 12.0% |
# | matched accuracy at 2,000 steps | 86.3% | **87.7%** | 74.0% | 77.3% | 85.1% | 61.3% |
# | largest code share at 2,000 steps | 10.8% | 10.9% | 11.8% | 11.1% | 11.6% | 11.6% |
#
# At 2,000 steps the check ranks them roughly (Spearman -0.75, seed 7 the
# exception); at 1,000 steps it does not yet (-0.43). Three of the six seeds
# reach 85% by 2,000 steps (median 81%), so with seeds 0 to 2 the book's
# target holds on about half of the seeds we ran.
#
# Could a detail of our module cause the merges? We checked it against the
# official code (openai/InfoGAN): $Q$'s head (dense 128, batch norm, leaky
# ReLU) on $D$'s whole body, $\lambda = 1$ for both kinds of code, $L_I$ in
# both $D$'s and $G$'s losses (so $Q$ trains with $D$'s optimiser), $U(-1, 1)$
# noise, batch norm in $D$ and $Q$, learning rates $2 \cdot 10^{-4}$ and
# $10^{-3}$: all as there. One difference is left: the official code draws
# every weight from $N(0, 0.02)$, we keep PyTorch's default initialisation.
# `init="normal"` switches to the official one; on seed 2 it gave 75.5%
# instead of 71.0% (two codes still shared the 4s and 9s, and the 7s spread
# over five codes), short of the target, so the default stays.
#
# ## When to use it
#
# The survey's advice {cite}`perarnau2017fantastic`: use InfoGAN when your
# dataset is not too complex, you have no labels, and you want to understand
# (and control) the factors of variation in it. On rich, multi-object data
# the discovered codes are much less clean. With labels at hand, a
# conditional GAN (chapter 4) gives control more reliably.
#
# ## Exercises
#
# 1. Set `lambda_cat=0, lambda_cont=0` (`build_model("infogan", mnist,
#    profile=nb.profile, lambda_cat=0, lambda_cont=0)`): a GAN with an idle Q.
#    Plot $L_I$ and the grid: what do the rows mean now?
# 2. Use a 5-way code (`cat_dim=5`). Which digits share a code? Does it match
#    what looks similar to you?
# 3. The continuous Q has a fixed standard deviation of 1. Estimate how tight
#    the bound $L_I$ (continuous part, logged as `L_I_cont`) could be if Q also
#    learned its standard deviation, from the spread of $c - \mu_Q(x)$ on
#    generated digits.
