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
# can watch a GAN learn, watch it fail to hold on to everything it learned,
# and read the failure off the discriminator's heat map.

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
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
# * **Live runs are short; reference runs are long.** What you train in a
#   chapter is sized to run in a minute or two on a laptop. Each chapter then
#   loads a *reference run*: the same model trained once for much longer and
#   shipped with the library (`gans_edu.references`), so you can see where the
#   training you just watched is heading without waiting for it.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate
from gans_edu.metrics.toy import mode_coverage
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

steps = nb.pick(smoke=30, cpu=2000, gpu=20000)
notebook.budget(steps, toy="8 Gaussians")


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
# regions (where it says "real") pull the samples towards the modes, and
# watch the samples leave some modes again while they fill others.

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
    """One row per (problem, who): modes covered, high-quality share, precision, recall."""
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


coverage_table({f"8 Gaussians, {steps:,} steps": report8})

# %% [markdown]
# One evaluation at the last step is a single frame of a moving picture. The
# snapshots let us count along the whole run: each holds 1,000 samples from
# the same noise, scored with the same rules.

# %%
toy8 = load_dataset("8gaussians", verbose=False)
along = [mode_coverage(f["samples"], toy8.modes, toy8.mode_std) for _, f in run8.snapshots]
snap_steps = [s for s, _ in run8.snapshots]
covered = [int(c["modes_covered"]) for c in along]
hq = [c["high_quality"] for c in along]
needed = 0.1 * len(run8.snapshots[0][1]["samples"]) / 8  # a tenth of a mode's fair share
visited = {i for c in along for i, k in enumerate(c["mode_counts"]) if k >= needed}  # covered at some snapshot
second_half = range(len(along) // 2, len(along))
mean_hq = float(np.mean([hq[i] for i in second_half]))

fig, ax = plt.subplots(figsize=(9, 3.2))
ax.plot(snap_steps, covered, "o-", label="modes covered (of 8)")
ax2 = ax.twinx()
ax2.plot(snap_steps, hq, "s--", color="tab:orange", label="high-quality share")
ax2.set_ylim(0, 1)
ax.set_ylim(0, 8.5)
ax.set_xlabel("generator step")
ax.set_title("8 Gaussians: coverage along training (1,000 samples per snapshot)")
fig.legend(loc="upper left", bbox_to_anchor=(0.08, 0.88), frameon=False)
plt.show()
print(f"modes covered per snapshot: {covered}")
print(f"most modes covered at once: {max(covered)}; modes covered at some snapshot: {len(visited)} of 8; "
      f"mean high-quality share over the second half of the run: {mean_hq:.2f} (step 0: {hq[0]:.2f})")

# %% [markdown]
# The GAN learns: from nothing at step 0, a good share of its samples soon
# lands on the modes, and every one of the eight modes is covered at some
# snapshot; at its best moments it covers all or nearly all of them at once.
# But the count does not settle. From one snapshot to the next the generator
# abandons some modes and fills others, and its share of high-quality samples
# rises and falls with them: D learns to call the crowded modes fake, G moves
# its samples to where D now says "real", and D follows. The numbers in the
# table above depend on the step at which we stopped. The stray points between
# modes are the price of mapping a connected noise space onto separate
# islands with a continuous network.

# %%
if nb.quality_checks:
    assert len(visited) == 8, along  # every mode is covered at some moment of training...
    assert max(covered) >= 7, covered  # ...and at its best moment nearly all of them at once
    assert mean_hq > 0.2 and mean_hq > hq[0] + 0.15, hq  # clearly learned: from ~0 at step 0
assert report8["real"]["modes_covered"] == 8 and report8["real"]["high_quality"] > 0.95

# %% [markdown]
# ## After longer training
#
# Does the cycling die out if we keep going? The library ships a *reference
# run* for each toy: the same networks, optimiser and seed trained for 20,000
# steps, ten times the live budget of the `cpu` profile, once on 8 Gaussians
# and once on the 5 x 5 grid of 25 Gaussians. `nb.reference` loads one in
# seconds and prints how it was made (the command retrains it). Only the
# generator is shipped, so instead of D's heat map the plots below colour the
# plane by where G puts its samples (a histogram of 20,000 of them, on a log
# scale).

# %%
refs = {name: nb.reference(f"gan-{name}") for name in ("8gaussians", "25gaussians")}
n_ref = nb.pick(smoke=500, cpu=2000, gpu=2000)
ref_reports = {name: references.evaluate_model(r.model, name, n=n_ref) for name, r in refs.items()}


pretty = {"8gaussians": "8 Gaussians", "25gaussians": "25 Gaussians"}
fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
for ax, (name, r) in zip(axes, refs.items()):
    draw(ax, viz.density_frame(r.model), real=toys[name].x[:500], colorbar=True, heat_label="G's density (log)")
    m = ref_reports[name]["model"]
    ax.set_title(f"{pretty[name]}, {r.card['steps']:,} steps: {m['modes_covered']:.0f}/{m['modes_total']:.0f} modes, "
                 f"{m['high_quality']:.0%} high quality", fontsize=10)
counts = ref_reports["8gaussians"]["model"]["mode_counts"]
modes8 = toy8.modes.numpy()
angles = np.degrees(np.arctan2(modes8[:, 1], modes8[:, 0])).round().astype(int) % 360
order = np.argsort(angles)
axes[2].bar(range(8), [counts[i] for i in order], color="tab:orange", label="reference G")
axes[2].step(range(8), [ref_reports["8gaussians"]["real"]["mode_counts"][i] for i in order], where="mid", color="0.4",
             label="real data")
axes[2].set_xticks(range(8), [f"{angles[i]}°" for i in order])
axes[2].set_xlabel("mode (angle on the circle)")
axes[2].set_title(f"8 Gaussians: high-quality samples per mode (of {n_ref:,})", fontsize=10)
axes[2].legend(frameon=False)
plt.tight_layout()
plt.show()
coverage_table({f"8 Gaussians, live, {steps:,} steps": report8,
                **{f"{pretty[name]}, reference, {r.card['steps']:,} steps": ref_reports[name] for name, r in refs.items()}})

# %% [markdown]
# Longer training made the samples *sharper* and the coverage *worse*. On 8
# Gaussians the reference puts over 90% of its samples within three standard
# deviations of a mode, far more than the live run's average, but it covers
# only four of the eight modes: four neighbours on the circle, from 0° to
# 135°, while the other four get nothing. This is not a
# resting point either. The 2014 GAN does not converge on this problem: the
# generator keeps moving its mass from mode to mode as the discriminator
# chases it, and where training stops decides which modes it holds. Metz et
# al. show exactly this cycling for the same kind of GAN on a ring of eight
# Gaussians (their Figure 1), and it is the motivation for their unrolled
# GAN {cite}`metz2017unrolled`.
#
# On the 5 x 5 grid the reference holds fewer than half of the 25 modes, again
# with very sharp samples: precision close to real data's, recall far below
# it. The density plot shows the mechanism of this *mode collapse*: G's mass
# sits on a connected patch of the grid, with faint bridges between the modes
# it holds, and nothing on the rest. G gets its gradient only where its own
# samples are, and moving a whole cluster of samples to an empty mode first
# means crossing a region D has learned to call fake. With a 2-d noise space
# and a continuous generator, G also cannot jump cleanly between 25 separate
# islands, which is why the bridges appear.

# %%
r8, r25 = ref_reports["8gaussians"]["model"], ref_reports["25gaussians"]["model"]
print(f"reference, 8 Gaussians: {r8['modes_covered']:.0f}/8 modes, high quality {r8['high_quality']:.2f}, "
      f"recall {r8['recall']:.2f}; 25 Gaussians: {r25['modes_covered']:.0f}/25 modes, "
      f"high quality {r25['high_quality']:.2f}, recall {r25['recall']:.2f}")
assert all(rep["real"]["modes_covered"] == rep["model"]["modes_total"] for rep in ref_reports.values())
if nb.quality_checks:
    assert r8["high_quality"] > 0.8 and r25["high_quality"] > 0.8, (r8, r25)  # sharp samples...
    assert r8["modes_covered"] < 8 and r25["modes_covered"] <= 15, (r8, r25)  # ...on a subset of the modes
    assert r8["recall"] < 0.5 and r25["recall"] < 0.5, (r8, r25)  # collapse: low recall, high precision
    if steps < refs["8gaussians"].card["steps"]:  # longer training, sharper samples than the live run's
        assert r8["high_quality"] > mean_hq + 0.1, (r8["high_quality"], mean_hq)

# %% [markdown]
# ## What to take away
#
# * A GAN is trained by alternating steps of two networks; nothing in the
#   losses tells you whether it is working (look at the loss curves above:
#   they are flat or noisy). You have to look at samples and measure them, and
#   along the run, not only at its end.
# * Mode collapse is the signature failure: samples of good quality, but not
#   all of the data. Precision stays high while recall and mode coverage fall.
#   Training longer does not cure it; on the toys it made it plainer.
# * The rest of the book is a sequence of answers: better architectures
#   (DCGAN), tricks against collapse (minibatch discrimination and friends),
#   other distances between distributions (WGAN, WGAN-GP, BEGAN), and ways to
#   scale up (ProGAN).
#
# ## Exercises
#
# 1. Train the same GAN live on the grid with `model25, run25 = train_on("25gaussians")`
#    and play `viz.timelapse(run25.snapshots, draw=lambda ax, f: draw(ax, f, real=toys["25gaussians"].x[:500]))`.
#    How many of the 25 modes does it cover along the way, and how sharp are
#    its samples compared with the reference's?
# 2. Train on `swissroll` with `train_on("swissroll")` and plot the result with
#    `draw`. Which of precision and recall tells you more here, where there are
#    no modes to count?
# 3. Rebuild the model with `build_model("gan", data, profile=nb.profile, g_loss="minimax")`
#    (the loss exactly as in the value function above). What happens on 8 Gaussians?
# 4. The noise is 2-dimensional. Retrain with `z_dim=16` and compare mode
#    coverage; the sweep behind this chapter's settings found that more noise
#    dimensions made collapse *worse* on 8 Gaussians. Can you see why from the
#    heat map?
