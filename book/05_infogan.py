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

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
    pass

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import compare_table
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model
from gans_edu.models.infogan import InfoGAN, best_matching, code_shares, info_lower_bound
from gans_edu.train import fit

nb = notebook.setup("Chapter 5: InfoGAN")
mnist = load_dataset("mnist")

# %% [markdown]
# ## The objective
#
# InfoGAN adds to the GAN game a mutual-information term between the code and
# the image (Eq. 3 of the paper), $\min_G \max_D V(D, G) - \lambda I(c; G(z, c))$.
# $I$ cannot be computed, but it has a lower bound that can (Lemma 5.1): with
# any distribution $Q(c \mid x)$,
#
# $$
# \begin{aligned}
# I(c; G(z, c)) &\;\ge\; L_I(G, Q) \\
#   &= \mathbb{E}_{c \sim P(c),\, x \sim G(z, c)}[\log Q(c \mid x)] + H(c),
# \end{aligned}
# $$
#
# and the game becomes (Eq. 6)
#
# $$
# \begin{aligned}
# &\min_{G, Q} \max_D \; V_\text{InfoGAN}(D, G, Q) \\
# &\qquad = V(D, G) - \lambda L_I(G, Q).
# \end{aligned}
# $$
#
# For a 10-way uniform categorical code $H(c) = \ln 10 \approx 2.303$, and
# $\mathbb{E}\log Q \le 0$, so $L_I \le \ln 10$: it reaches the maximum exactly
# when $Q$ reads the code from the image without error. That makes $L_I$ a
# gauge we can plot. For the continuous codes $Q$ is a Gaussian; as in the
# official code, its standard deviation is fixed at 1, so their term is just
# a squared error between the code and $Q$'s guess.
#
# Here is one training step: $D$ and $Q$ step together on $V$ and $L_I$,
# then $G$ on its side of Eq. 6; `info_lower_bound` is $L_I$ for both kinds
# of code:

# %% tags=["remove-input"]
notebook.show_source(InfoGAN.train_step, info_lower_bound)

# %% [markdown]
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
model = build_model("infogan", mnist, profile=nb.profile, device=nb.device)
print("parameters:", model.num_parameters(), "| latent:", model.config.latent_dim)

# %% [markdown]
# ## Training
#
# The snapshots record a fixed grid: row $k$ sets the categorical code to
# $k$, each column keeps one noise vector (and continuous codes at 0). If
# InfoGAN works, the rows become digit classes, in an order of its own.
#
# The cpu profile trains narrower networks than Appendix C (32 and 64
# channels, 256 dense units instead of 64, 128 and 1,024) for a few hundred
# steps: about a minute, enough to watch the code become legible. The
# reference run further down has the paper's widths and a longer budget.

# %%
steps = nb.pick(smoke=20, cpu=300, gpu=20000)
notebook.budget(steps)
COLS = 10


def code_grid(model, seed=0, cols=COLS, c2=0.0, c3=0.0):
    """Row k: categorical code k; column j: noise z_j; continuous codes fixed at (c2, c3)."""
    z, _, cont = model.split(model.noise(cols, generator=torch.Generator().manual_seed(seed)))
    cont = torch.tensor([c2, c3]).expand(cols, 2)
    latent = torch.cat([model.latent(z, torch.full((cols,), k), cont) for k in range(10)])  # (10*cols, 74)
    with torch.no_grad(), model.eval_mode():
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
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
viz.plot_losses(run.history, ["d_loss", "g_loss"], title="adversarial losses", ax=axes[0])
viz.plot_losses(run.history, ["L_I_cat"], title="$L_I$ (categorical code)", ax=axes[1])
axes[1].axhline(math.log(10), color="k", ls="--", lw=1, label=r"$H(c) = \ln 10$")
axes[1].legend(frameon=False)
plt.show()

# %% tags=["hide-input"]
first, last = run.history[0]["L_I_cat"], float(np.mean([r["L_I_cat"] for r in run.history[-3:]]))
assert run.steps == steps and all(np.isfinite(r["L_I_cat"]) for r in run.history)
assert last <= math.log(10) + 1e-4  # a lower bound on I, itself at most H(c)
if nb.quality_checks:
    assert math.log(10) - last < 0.4 and last > first + 0.5, (first, last)  # climbs most of the way to its ceiling
    notebook.checked(f"L_I climbs from {first:.2f} to {last:.2f}, within 0.4 of its ceiling ln 10 = {math.log(10):.2f}")
else:
    notebook.checked(f"L_I stays finite and below its ceiling ln 10 ({last:.2f} at the end)")

# %% [markdown]
# ## The categorical code: rows
#
# Each row fixes the categorical code; each column, the noise. Compare with
# chapter 4's grid, which looks the same but was *told* the classes. After a
# minute of training the rows already differ from each other: $Q$ can read
# the code, so $L_I$ is near its ceiling. Whether each row is *one digit
# class* is another matter; the timelapse shows the rows sorting themselves
# out, and the reference run below shows how far it goes.

# %%
final = code_grid(model)
viz.show_images(final, nrow=COLS, title=f"live run, {run.steps} steps: row k = categorical code k", size=6)
plt.show()

# %%
viz.timelapse(run.snapshots, draw=lambda ax, f: ax.imshow(viz.to_grid(f, COLS), cmap="gray", vmin=0, vmax=1))

# %% [markdown]
# ## After longer training
#
# The book ships a reference run of this chapter: the paper's networks
# (Appendix C: 64 and 128 channels, 1,024 dense units, $Q$'s head of 128)
# trained for 2,000 steps of 128 digits. It was made in a way worth copying.
# Which digits end up sharing a code is decided early in training and differs
# from seed to seed (more below), so **three seeds** were trained and one was
# kept by a rule that uses **no labels**: the run whose $Q$ spreads the real
# training digits most evenly over the ten codes (the prior gives every code
# 10%, and MNIST's classes are nearly balanced, so a code that merged two
# classes takes about twice its share). The card beside the weights records
# all three.

# %%
ref = nb.reference("infogan")
big = ref.model
viz.show_images(code_grid(big), nrow=COLS, title="reference: row k = categorical code k; column j = noise j", size=6)
plt.show()
print("parameters:", big.num_parameters())

# %% [markdown]
# ## The continuous codes: sliders
#
# In the paper, $c_2$ captures rotation and $c_3$ width (Figure 2), and varying
# them from $-2$ to $2$, beyond the $[-1, 1]$ they were trained on, still gives
# sensible digits. Which code learns what is not fixed in advance: in a given
# run $c_2$ may be width and $c_3$ rotation, or one of them may carry something
# else (thickness, a loop's size). With a live kernel the sliders move one code
# of the reference model, every row a categorical code; the static strips show
# five settings each.

# %%
VALUES = [round(v, 2) for v in np.linspace(-2, 2, 9)]


def cont_view(which, v):
    c2, c3 = (v, 0.0) if which == "c2" else (0.0, v)
    return viz.show_images(code_grid(big, seed=3, cols=1, c2=c2, c3=c3), nrow=10, title=f"{which} = {v}", size=5)


display(widgets.slider(VALUES, lambda v: cont_view("c2", v), description="c2"))
display(widgets.slider(VALUES, lambda v: cont_view("c3", v), description="c3"))


def sweep(model, which, seed=3, values=(-2, -1, 0, 1, 2)):
    """Static view: rows = categorical codes, columns = the continuous code's value."""
    cols = [code_grid(model, seed=seed, cols=1, **{which: float(v)}) for v in values]  # each (10, 1, 28, 28)
    return torch.stack(cols, 1).flatten(0, 1)  # (10 * len(values), 1, 28, 28), row-major


fig, axes = plt.subplots(1, 2, figsize=(9, 9))
viz.show_images(sweep(big, "c2"), nrow=5, ax=axes[0], title="c2 from -2 to 2")
viz.show_images(sweep(big, "c3"), nrow=5, ax=axes[1], title="c3 from -2 to 2")
plt.show()

# %% [markdown]
# Does a continuous code change the digit's *class*? Ideally not: rotation
# and width are style. The share of digits whose class (as read by the
# project's classifier) stays the same from $c = -1$ to $c = 1$ tells us.

# %%
n_check = nb.eval_n
base = big.noise(n_check, generator=torch.Generator().manual_seed(5))
keep = {}
for i, which in enumerate(("c2", "c3")):
    reads = []
    for v in (-1.0, 1.0):
        lat = base.clone()
        lat[:, big.config.noise_dim + big.config.cat_dim + i] = v
        with torch.no_grad(), big.eval_mode():
            reads.append(classify(big.G(lat.to(big.device)).cpu())[1].argmax(1))
    keep[which] = float((reads[0] == reads[1]).float().mean())
print({k: f"{v:.0%} keep their class from -1 to 1" for k, v in keep.items()})

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
n_eval = nb.eval_n
test = load_dataset("mnist", "test")


def code_readings(model):
    """(codes, classes read, matching, generation accuracy, Q's codes for the test digits, recognition accuracy)."""
    codes = torch.arange(n_eval) % 10
    read = classify(model.sample(n_eval, labels=codes, generator=torch.Generator().manual_seed(1)))[1].argmax(1)
    mapping, gen_acc = best_matching(codes, read)
    q_codes = model.predict_code(test.x)
    return codes, read, mapping, gen_acc, q_codes, best_matching(q_codes, test.y)[1]


codes, read, mapping, gen_acc, q_codes, q_acc = code_readings(big)
*_, live_acc, _, live_q_acc = code_readings(model)
print(f"reference: {gen_acc:.1%} of samples read as their code's class; Q classifies real test digits with "
      f"{1 - q_acc:.1%} error (paper: 5%)")
print(f"live run ({run.steps} steps, narrower networks): {live_acc:.1%} and {1 - live_q_acc:.1%}")
print("reference, code -> class:", dict(enumerate(mapping.tolist())))
pd.crosstab(pd.Series(codes.numpy(), name="code"), pd.Series(read.numpy(), name="class read"))

# %% tags=["hide-input"]
assert sorted(mapping.tolist()) == list(range(10))  # one-to-one
assert final.shape == (10 * COLS, 1, 28, 28) and all(0 <= v <= 1 for v in keep.values())
crosstab = pd.crosstab(codes.numpy(), read.numpy())
purity = crosstab.max(axis=1) / crosstab.sum(axis=1)  # share of a code's samples in its commonest class
mixed = {int(k): sorted(crosstab.loc[k].nlargest(2).index.tolist()) for k in purity.index[purity < 0.7]}
print("codes that mix two classes (code: [classes]):", mixed)
if nb.quality_checks:
    # Most codes draw one class each, but not all: short of the paper's 5% error (see below).
    assert 0.8 <= gen_acc < 0.99 and 1 - q_acc <= 0.3, (gen_acc, q_acc)
    assert mixed, purity  # the shortfall the prose below describes
    notebook.checked(f"the reference's codes match the classes for {gen_acc:.1%} of its samples",
                     f"Q's error on real test digits {1 - q_acc:.1%}", f"{len(mixed)} code(s) mix two classes")
else:
    notebook.checked("the matching of codes to classes is one-to-one")

# %% [markdown]
# The reference falls short of the paper here. Most rows of the grid above
# are one digit each, but in the crosstab two codes share two classes
# between them (on the seeds we trained, the 7s and the 9s) instead of one
# each, and another class leaks into a third code; $Q$, which learned its codes
# from such samples, carries the same confusion into its reading of real
# digits. Section 7.1 of the paper reports 5% error; our runs are shorter
# (2,000 steps instead of the official code's 5,000) and on 4,000 digits
# instead of 60,000, and the next sections show why a single run may land
# on either side of that line.

# %% [markdown]
# **A warning sign that needs no labels**, the one that picked the reference
# run: how evenly $Q$ spreads *real* digits over the codes. A code that has
# found the classes splits real digits about evenly; a code that merged the
# 4s and 9s takes about twice its share, while the class split over two codes
# leaves each of them half of it.

# %%
shares = code_shares(q_codes)
fig, ax = plt.subplots(figsize=(6, 2.2))
ax.bar(range(10), shares, color="tab:blue")
ax.axhline(0.1, ls="--", color="k", lw=1, label="even split (the prior)")
ax.set_xticks(range(10))
ax.set_xlabel("code Q gives a real test digit (reference)")
ax.set_ylabel("share")
ax.legend(fontsize="small")
plt.show()
print(f"largest share {max(shares):.1%}, smallest {min(shares):.1%} (even: 10%)")

# %% [markdown]
# ## One seed is not enough
#
# The three seeds behind the reference, with the label-free score that chose
# between them and, for the record, what the labels say about each:

# %%
sel = ref.card["selection"]
seeds = pd.DataFrame([{"seed": c["seed"], "largest share of real digits under one code": c["selection_score"],
                       "samples read as their code's class": c["generation_matched"],
                       "kept": "yes" if c["seed"] == sel["chosen"] else ""} for c in sel["candidates"]])
seeds.set_index("seed").round(3)

# %% tags=["hide-input"]
assert abs(sum(shares) - 1) < 1e-6 and len(shares) == 10
chosen = seeds.set_index("seed").loc[sel["chosen"]]
assert chosen["largest share of real digits under one code"] == seeds.iloc[:, 1].min()  # kept by the label-free rule
notebook.checked(f"seed {sel['chosen']} was kept: the smallest largest share "
                 f"({chosen['largest share of real digits under one code']:.1%}) of the {len(seeds)} seeds")

# %% [markdown]
# The spread between seeds is the lesson of this chapter. $L_I$ reaches its
# ceiling on every seed, because $Q$ reads the code perfectly in all of them;
# but in some runs two codes draw the same class (4s and 9s, or two styles of
# 1) and another class is spread over several codes, and nothing in the
# objective prefers the split we had in mind: both let $Q$ read the code
# perfectly. The split is settled within the first one or two thousand steps,
# so more training rarely undoes it. On the narrower networks of the cpu
# profile, nine seeds trained for 2,000 to 3,000 steps gave between 61% and
# 88% (median 77%; the measurements are in the [lab notes](lab_notes.md)); the
# paper's widths line the codes up more often, but not always. The practical
# answer is the one used for the reference: train a few seeds and keep the
# one whose codes split real data most evenly, which costs no labels. The
# paper's authors did something similar for some of their figures on other
# datasets, picking codes from several runs.
#
# ## The usual table
#
# The same metrics as every chapter, for samples with random codes, next to
# real digits, for the reference and for the live run.

# %%
report = references.evaluate_model(big, "mnist", n=n_eval)
live_report = references.evaluate_model(model, "mnist", n=n_eval)
compare_table({"reference": report, f"live run ({run.steps} steps)": live_report}).round(3)

# %% [markdown]
# Read the reference against the calibration columns. By Frechet distance it
# lies far closer to real digits than the blurred copy does; its recall,
# between real data's and that of the digits from half the classes, is
# where the merged codes show: part of the variety is missing.

# %% tags=["hide-input"]
m, cal = report["model"], report["calibration"]
if nb.quality_checks:
    assert m["classes_present"] == 10 and m["classifier_score"] > 0.8 * report["real"]["classifier_score"], m
    assert m["frechet_distance"] < live_report["model"]["frechet_distance"], (m, live_report["model"])
    assert m["frechet_distance"] < cal["blurred real digits"]["frechet_distance"], (m, cal)
    assert cal["real digits 0-4 only"]["recall"] < m["recall"] < report["real"]["recall"], (m, cal)
    notebook.checked(f"reference: all ten classes, Frechet distance {m['frechet_distance']:.0f} (blurred real digits "
                     f"{cal['blurred real digits']['frechet_distance']:.0f}), recall {m['recall']:.2f} between "
                     f"{cal['real digits 0-4 only']['recall']:.2f} (half the classes) and {report['real']['recall']:.2f} (real)")
else:
    notebook.checked("both runs scored, with the calibration columns")

# %% [markdown]
# ## What the paper showed and what we see
#
# | claim (paper) | this chapter |
# |---|---|
# | $L_I$ climbs to $H(c) = \ln 10$ early in training (Figure 1) | within a few hundred steps in the live run |
# | the categorical code captures the digit class, 5% error on MNIST (Sec. 7.1) | most of the reference's codes are one class each; two codes share a class and $Q$'s error on real digits is several times the paper's |
# | the continuous codes capture rotation and width, and extrapolate to $\pm 2$ (Figure 2) | the strips above; which code takes which factor changes between runs |
#
# We train on the 4,000-digit offline subset of MNIST, not the full 60,000,
# for 2,000 steps (the official code runs 5,000), and keep one seed of three
# by a label-free rule. Everything else (networks, rates, $\lambda$, the
# fixed-variance continuous $Q$) is the paper's and the official code's.
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
# ```{exercise} An idle Q
# :label: ex-infogan-idle
# Set `lambda_cat=0, lambda_cont=0` (`build_model("infogan", mnist,
# profile=nb.profile, lambda_cat=0, lambda_cont=0)`): a GAN with an idle Q.
# Train it for a few steps and follow $L_I$ and Q's head. What do the rows of
# the code grid mean now?
# ```
#
# ```{solution-start} ex-infogan-idle
# :class: dropdown
# ```

# %%
idle_steps = nb.pick(smoke=3, cpu=20, gpu=100)
torch.manual_seed(nb.seed)
idle = build_model("infogan", mnist, profile=nb.profile, device=nb.device, lambda_cat=0, lambda_cont=0)
q_before = [p.detach().clone() for p in idle.D.q_parameters]
idle_run = fit(idle, mnist, steps=idle_steps, log_every=max(1, idle_steps // 10), snapshot_every=0, progress=False)
q_moved = any(not torch.equal(a, b.detach()) for a, b in zip(q_before, idle.D.q_parameters))
idle_li = [float(r["L_I_cat"]) for r in idle_run.history]
live_li, live_first = float(run.history[0]["L_I_cat"]), int(run.history[0]["step"])
print(f"Q's head moved: {q_moved}; L_I (categorical) over {idle_steps} steps: "
      + ", ".join(f"{v:.3f}" for v in idle_li) + f"; the live run's over its first {live_first} steps: {live_li:.3f}")
assert not q_moved  # lambda = 0: L_I is in no loss, so Q's head gets exactly zero gradient
if nb.quality_checks:  # what the answer below says
    assert max(abs(v) for v in idle_li) < 0.3 and live_li > 0.5, (idle_li, live_li)

# %% [markdown]
# With $\lambda = 0$, $L_I$ is in no loss, so Q's head receives exactly zero
# gradient and never moves (the check above compares its weights before and
# after). $L_I$ stays where a random head puts it, near 0, while the live
# run's is already about 1 over its first steps (in a 300-step run of the
# cpu profile the idle one sat at about $-0.05$ throughout, while the live
# run's climbed to about 2.1 of its 2.30). The code is still an input to $G$, but
# nothing asks $G$ to make it visible: it is ten more noise inputs. In that
# 300-step run the best matching of codes to the classes read was 13%, no
# better than chance, and every row of the grid was a jumble of classes.
#
# ```{solution-end}
# ```
#
# ```{exercise} A 5-way code
# :label: ex-infogan-five
# Use a 5-way code (`cat_dim=5`). Which digits share a code? Does it match
# what looks similar to you?
# ```
#
# ```{solution} ex-infogan-five
# :class: dropdown
# Each code takes about two classes, and which two is not always what you
# would guess. In a 2,000-step run of the cpu profile (seed 0; $L_I$ at
# 1.595 of its ceiling $\ln 5 \approx 1.609$, so Q read the code almost
# perfectly) the classifier read the five codes as 1 and 7; 0 and 3; 4 and
# 6; 5 and 8 (with some 3s); 2 and 9 (with some 7s). Some pairs look alike
# (1 and 7, 5 and 8), others do not (4 and 6, 0 and 3): the objective only
# asks that the code be readable from the image, and any split of the
# digits into five recognisable groups serves. Within a code, which of its
# two classes a sample becomes is left to the noise $z$. As with ten codes,
# another seed may pair the digits differently.
# ```
#
# ```{exercise} Ranking seeds without labels
# :label: ex-infogan-seeds
# Train three seeds of the live run for longer (`gans-edu train infogan
# --seed S --steps 2000`), compute `code_shares` of each on the real digits
# and the matched accuracy with `gans-edu evaluate`: does the label-free
# score rank them as the labels do?
# ```
#
# ```{solution} ex-infogan-seeds
# :class: dropdown
# Roughly, once the codes have settled, and not before. On twelve runs of
# the cpu profile's networks and several variants, the largest share of
# real digits under one code against the matched accuracy had a Spearman
# rank correlation of $-0.92$ (a smaller largest share, a better run). On
# six more seeds, checked along the way, it was $-0.75$ at 2,000 steps but
# only $-0.43$ at 1,000 steps, when the codes were still being divided up.
# So keep the seed whose codes split the real digits most evenly, as the
# reference did, but only at the end of training. The runs are in the
# [lab notes](lab_notes.md).
# ```
#
# ```{exercise} How loose is the continuous bound?
# :label: ex-infogan-std
# The continuous Q has a fixed standard deviation of 1. Estimate how tight
# the bound $L_I$ (continuous part, logged as `L_I_cont`) could be if Q also
# learned its standard deviation, from the spread of $c - \mu_Q(x)$ on
# generated digits.
# ```
#
# ```{solution-start} ex-infogan-std
# :class: dropdown
# ```

# %%
n_std = nb.pick(smoke=200, cpu=2000, gpu=2000)
lat = big.noise(n_std, generator=torch.Generator().manual_seed(6))
_, _, cont = big.split(lat)
with torch.no_grad(), big.eval_mode():
    _, _, mu_q = big.D(big.G(lat.to(big.device)))
spread = (cont - mu_q.cpu()).pow(2).mean(0).sqrt()  # per code: the std that fits Q's errors best
bound_fixed = -0.5 * math.log(2 * math.pi) - spread**2 / 2 + math.log(2)  # E log N(c; mu, 1) + H(c), per code
bound_learned = -0.5 * torch.log(2 * math.pi * math.e * spread**2) + math.log(2)  # the same with std = spread
cont_bounds = pd.DataFrame({"std of c - mu_Q(x)": spread, "L_I, std fixed at 1": bound_fixed,
                            "L_I, std learned": bound_learned}, index=["c2", "c3"])
if nb.quality_checks:  # what the answer below says
    assert (spread < 0.3).all() and (bound_fixed < 0).all() and (bound_learned > 0.7).all(), cont_bounds
cont_bounds.round(3)

# %% [markdown]
# Q's guesses miss the reference's continuous codes by a standard deviation
# of about 0.2, where the codes themselves, uniform on $[-1, 1]$, spread with
# 0.58. With the standard deviation fixed at 1 the bound is *negative* for
# each code (about $-0.24$): it says less than nothing, since mutual
# information is never negative. A Q that learned its standard deviation
# would fit it to that spread, and the same errors would give about one
# nat per code: a bound tighter by well over a nat per code. The official
# code's choice costs nothing in training (the fixed-variance term is a
# squared error, whose gradient still pulls Q's guess and G's code
# together); it only makes `L_I_cont` a poor gauge of how much of the code
# survives.
#
# ```{solution-end}
# ```
