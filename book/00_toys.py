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
# # 0. Toy problems, and how to read this book
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/00_toys.ipynb)
#
# A generative adversarial network is two networks playing a game
# {cite}`goodfellow2014gan`. The *generator* G turns random noise into samples;
# the *discriminator* D looks at a sample and says how likely it is to be real.
# D learns to tell real from generated; G learns to fool D. If all goes well,
# G ends up producing samples that D cannot tell apart from the data.
#
# "If all goes well" is the catch, and the rest of this book is about it. This
# chapter introduces the tools every chapter uses (the data, the training
# loop, the metrics and the plots) on problems small enough to *see*: points
# in the plane drawn from mixtures of Gaussians. There we know the answer, so we
# can watch a GAN succeed on one problem and fail on another, and read the
# failure off the discriminator's heat map.

# %%
# Set-up: on Colab, install the book's library (elsewhere it is already installed).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu"
    pass

# %% [markdown]
# ## How to read this book
#
# * **Every chapter runs.** The code cells call the small library `gans_edu`
#   that ships with the book: one module per paper, plus shared pieces.
#   Open `gans_edu/models/gan.py` beside this page to see the model used here.
# * **One switch sizes everything.** The environment variable
#   `GANS_EDU_PROFILE` picks `smoke` (seconds, for tests), `cpu` (a few minutes
#   on a laptop) or `gpu` (Colab). It changes budgets and network widths, never
#   the algorithm. The next cell prints which profile made the outputs you are
#   reading.
# * **Claims are checked.** When the text says "the generator misses modes of
#   the grid", a cell below it asserts it (in the `cpu` and `gpu` profiles; the `smoke`
#   profile only checks that the mechanics work).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gans_edu import notebook, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate
from gans_edu.models import build_model
from gans_edu.train import fit

nb = notebook.setup("Chapter 0: toy problems")

# %% [markdown]
# ## The data
#
# The 2-D toys are the ones used by the WGAN-GP authors {cite}`gulrajani2017wgangp`:
# **8 Gaussians** on a circle, **25 Gaussians** on a grid, and the **Swiss
# roll**. Each mixture component is very narrow (its standard deviation is
# 0.014 for 8 Gaussians and 0.018 for 25), so a generator has to put its samples
# precisely. Images come later in the book; the offline MNIST digits are shown
# here so you know what the later chapters work with. All data lives in
# $[-1, 1]$; images are tensors of shape `(N, C, H, W)`.

# %%
toys = {name: load_dataset(name, n=2000) for name in ["8gaussians", "25gaussians", "swissroll"]}
mnist = load_dataset("mnist")

fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for ax, (name, ds) in zip(axes, toys.items()):
    viz.plot_points(ds.x, ax=ax, title=name)
viz.show_images(mnist.x[:64], nrow=8, ax=axes[3], title="MNIST (offline subset)")
plt.show()

assert all(ds.x.shape == (2000, 2) for ds in toys.values())
assert mnist.x.shape[1:] == (1, 28, 28) and -1 <= mnist.x.min() and mnist.x.max() <= 1
assert toys["8gaussians"].modes.shape == (8, 2) and toys["25gaussians"].modes.shape == (25, 2)

# %% [markdown]
# ## The game
#
# D outputs a probability $D(x)$ that $x$ is real. The 2014 paper writes the
# game as one value function that D maximises and G minimises:
#
# $$
# \min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)]
#   + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].
# $$
#
# In practice G maximises $\log D(G(z))$ instead (the *non-saturating* loss,
# which gives G useful gradients early on; chapter 1 shows why). Training
# alternates: a step on D with a batch of real and generated samples, then a
# step on G (Algorithm 1 of the paper). Here both networks are small MLPs,
# G maps 2-d Gaussian noise to a point, and we use Adam.
#
# ## The loop
#
# Every chapter trains with the same short loop, `gans_edu.train.fit`. The
# model's `train_step` holds the paper's algorithm; the loop feeds it batches,
# shows a progress bar with the losses, records a loss history, takes
# *snapshots* from a fixed batch of noise (so a timelapse shows the same
# points moving), stops with a clear message if a loss becomes NaN, saves
# checkpoints, and stops cleanly on an interrupt (the kernel's stop button)
# keeping what was learned.
#
# Our snapshots record the samples and D's output on a grid over the plane:
# the *heat map* of what D currently believes is real.

# %%
# Each snapshot holds 1,000 samples from fixed noise and D(x) on a 60 x 60 grid over [-2, 2]^2
# (viz.toy_snapshot); viz.draw_toy_frame draws one.
snapshot, draw = viz.toy_snapshot, viz.draw_toy_frame

steps = nb.pick(smoke=30, cpu=6000, gpu=20000)
notebook.budget(steps, toys="8 Gaussians, then 25 Gaussians")


def train_on(name):
    data = load_dataset(name)
    model = build_model("gan", data, profile=nb.profile, device=nb.device)
    result = fit(model, data, steps=steps, snapshot_every=max(1, steps // 24), snapshot_fn=snapshot, desc=name)
    return model, result


model8, run8 = train_on("8gaussians")

# %% [markdown]
# The history holds the mean of each loss over every logging window. For this
# GAN, `d_real` and `d_fake` are D's average outputs on real and generated
# points. At the game's equilibrium both would be 1/2: D cannot tell.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
viz.plot_losses(run8.history, ["d_loss", "g_loss"], title="8 Gaussians: losses", ax=axes[0])
viz.plot_losses(run8.history, ["d_real", "d_fake"], title="8 Gaussians: D's average output", ax=axes[1])
plt.show()

losses = [r[k] for r in run8.history for k in ("d_loss", "g_loss")]
assert len(run8.history) > 0 and all(np.isfinite(losses))
assert run8.steps == steps and len(run8.snapshots) >= 2

# %% [markdown]
# The timelapse below plays the snapshots: orange points are G's samples for
# the same noise at each step, the colours are $D(x)$. Watch D's bright
# regions (where it says "real") pull the samples towards the modes.

# %%
viz.timelapse(run8.snapshots, draw=lambda ax, f: draw(ax, f, real=toys["8gaussians"].x[:500]))

# %% [markdown]
# With a live kernel, the slider lets you step through the same snapshots;
# the strip under it is the static view for the printed book.

# %%
explorer = widgets.snapshot_explorer(run8.snapshots, draw=lambda ax, f: draw(ax, f, real=toys["8gaussians"].x[:500]))

# %% [markdown]
# ## Measuring it: mode coverage
#
# On a mixture we know where the modes are, so we can count. Following the
# Unrolled GAN and VEEGAN papers {cite}`metz2017unrolled,srivastava2017veegan`, a
# sample is *high quality* when it lies within three standard deviations of
# its nearest mode, and we call a mode *covered* when it receives at least a
# tenth of its fair share of high-quality samples. Precision and recall
# {cite}`kynkaanniemi2019pr`, computed directly on the points, say the same in
# another way: precision is the share of generated points that land where real
# points are (quality), recall the share of real points near some generated
# point (diversity). Every number comes with the value real data gets
# (2,000 fresh real points scored the same way), the best a model can hope for.

# %%
n_eval = nb.pick(smoke=500, cpu=2000, gpu=5000)
report8 = evaluate(model8.sample(n_eval), "8gaussians")


def coverage_table(reports):
    rows = {}
    for name, rep in reports.items():
        for who in ("model", "real"):
            r = rep[who]
            rows[(name, "GAN" if who == "model" else "real data")] = {
                "modes covered": f"{r['modes_covered']:.0f} / {r['modes_total']:.0f}",
                "high quality": round(r["high_quality"], 3),
                "precision": round(r["precision"], 3),
                "recall": round(r["recall"], 3),
            }
    return pd.DataFrame(rows).T


coverage_table({"8 Gaussians": report8})

# %% [markdown]
# On 8 Gaussians the GAN finds all or nearly all of the modes, and most of its
# samples are of high quality: a success, if not a perfect one. The stray
# points between modes are the price of mapping a connected noise space onto
# separate islands with a continuous network; a mode that gets fewer samples
# than its share shows up as "not covered" in the strict count above.

# %%
if nb.quality_checks:
    assert report8["model"]["modes_covered"] >= 7, report8["model"]
    assert report8["model"]["high_quality"] >= 0.6, report8["model"]
assert report8["real"]["modes_covered"] == 8 and report8["real"]["high_quality"] > 0.95

# %% [markdown]
# ## The same GAN on 25 Gaussians
#
# Now the same networks, optimiser and budget on the 5 x 5 grid.

# %%
model25, run25 = train_on("25gaussians")
report25 = evaluate(model25.sample(n_eval), "25gaussians")

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
draw(axes[0], run8.snapshots[-1][1], real=toys["8gaussians"].x[:500], colorbar=True)
axes[0].set_title("8 Gaussians, end of training")
draw(axes[1], run25.snapshots[-1][1], real=toys["25gaussians"].x[:500], colorbar=True)
axes[1].set_title("25 Gaussians, end of training")
plt.show()
coverage_table({"8 Gaussians": report8, "25 Gaussians": report25})

# %% [markdown]
# On the grid the generator settles on a subset of the modes: some are
# missed, and part of its mass lies on the bridges between modes, where no
# real data lives. The discriminator's heat map shows the mechanism of this
# *mode collapse*: D still rates the missed modes as real (bright cells with
# no orange points), but G gets its gradient only where its own samples are,
# and moving a whole cluster of samples to an empty mode first means crossing
# a region D has learned to call fake. With a 2-d noise space and a
# continuous generator, G also cannot jump cleanly between 25 separate
# islands, which is why the bridges appear.

# %%
viz.timelapse(run25.snapshots, draw=lambda ax, f: draw(ax, f, real=toys["25gaussians"].x[:500]))

# %%
share8 = report8["model"]["modes_covered"] / 8
share25 = report25["model"]["modes_covered"] / 25
print(f"modes covered: 8 Gaussians {share8:.0%}, 25 Gaussians {share25:.0%}")
if nb.quality_checks:
    assert report25["model"]["modes_covered"] < 25, report25["model"]
    assert share25 < share8 or report25["model"]["high_quality"] < report8["model"]["high_quality"]
assert report25["real"]["modes_covered"] == 25

# %% [markdown]
# ## What to take away
#
# * A GAN is trained by alternating steps of two networks; nothing in the
#   losses tells you whether it is working (look at the loss curves above:
#   they are flat or noisy in both runs). You have to look at samples and
#   measure them.
# * Mode collapse is the signature failure: samples of good quality, but not
#   all of the data. Precision stays high while recall and mode coverage fall.
# * The rest of the book is a sequence of answers: better architectures
#   (DCGAN), tricks against collapse (minibatch discrimination and friends),
#   other distances between distributions (WGAN, WGAN-GP, BEGAN), and ways to
#   scale up (ProGAN).
#
# ## Exercises
#
# 1. Train on `swissroll` with `train_on("swissroll")` and plot the result with
#    `draw`. Which of precision and recall tells you more here, where there are
#    no modes to count?
# 2. Rebuild the model with `build_model("gan", data, profile=nb.profile, g_loss="minimax")`
#    (the loss exactly as in the value function above). What happens on 8 Gaussians?
# 3. The noise is 2-dimensional. Retrain with `z_dim=16` and compare mode
#    coverage; the sweep behind this chapter's settings found that more noise
#    dimensions made collapse *worse* on 8 Gaussians. Can you see why from the
#    heat map?
