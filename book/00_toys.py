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
#   profile only checks that the mechanics work). In the built book such a cell
#   is collapsed and shows one line, `checked: ...`, with the numbers it measured.
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
from gans_edu.models.gan import GAN, discriminator_loss, generator_loss
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

fig, axes = plt.subplots(1, 4, figsize=(9.5, 3.1))
for ax, (name, ds) in zip(axes, toys.items()):
    viz.plot_points(ds.x, ax=ax, title=name)
viz.show_images(mnist.x[:64], nrow=8, ax=axes[3], title="MNIST (offline subset)")
plt.show()

# %% tags=["hide-input"]
assert all(ds.x.shape == (2000, 2) for ds in toys.values())
assert mnist.x.shape[1:] == (1, 28, 28) and -1 <= mnist.x.min() and mnist.x.max() <= 1
assert toys["8gaussians"].modes.shape == (8, 2) and toys["25gaussians"].modes.shape == (25, 2)
notebook.checked("three toys of 2,000 points each, with 8 and 25 known modes",
                 f"{len(mnist):,} digits of 1 x 28 x 28 in [-1, 1]")

# %% [markdown]
# ## The game
#
# D outputs a probability $D(x)$ that $x$ is real. The 2014 paper writes the
# game as one value function that D maximises and G minimises:
#
# $$
# \begin{aligned}
# \min_G \max_D \; V(D, G) = {} & \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] \\
#   & + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].
# \end{aligned}
# $$
#
# In practice G maximises $\log D(G(z))$ instead (the *non-saturating* loss,
# which gives G useful gradients early on; chapter 1 shows why). Training
# alternates: a step on D with a batch of real and generated samples, then a
# step on G (Algorithm 1 of the paper). Here both networks are small MLPs,
# G maps 2-d Gaussian noise to a point, and we use Adam.
#
# This is the whole algorithm in code, the training step the toys use
# (`gans_edu/models/gan.py`; its comments name the lines of Algorithm 1) and
# the two losses it calls:

# %% tags=["remove-input"]
notebook.show_source(GAN._alternating_step, discriminator_loss, generator_loss)

# %% [markdown]
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
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
viz.plot_losses(run8.history, ["d_loss", "g_loss"], title="8 Gaussians: losses", ax=axes[0])
viz.plot_losses(run8.history, ["d_real", "d_fake"], title="8 Gaussians: D's average output", ax=axes[1])
plt.show()

# %% tags=["hide-input"]
losses = [r[k] for r in run8.history for k in ("d_loss", "g_loss")]
assert len(run8.history) > 0 and all(np.isfinite(losses))
assert run8.steps == steps and len(run8.snapshots) >= 2
notebook.checked(f"{run8.steps:,} steps, every loss finite ({len(run8.history)} rows of history)",
                 f"{len(run8.snapshots)} snapshots")

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
# (as many fresh real points, scored the same way), the best a model can hope
# for, and with a calibration row: **real points from half the modes**, a
# perfect collapse (every point sharp, half the mixture missing). A model's
# row can be placed between the two.

# %%
n_eval = nb.eval_n
report8 = evaluate(model8.sample(n_eval), "8gaussians")


def coverage_table(reports):
    """One row per (problem, who): modes covered, high-quality share, precision, recall. Real data and the
    calibration ("real points, half the modes") appear once per data set, under its first report."""
    rows, seen = {}, set()
    for name, rep in reports.items():
        whos = {"GAN": rep["model"]}
        if rep["dataset"] not in seen:
            seen.add(rep["dataset"])
            whos.update({"real data": rep["real"], **rep.get("calibration", {})})
        for who, r in whos.items():
            rows[(name, who)] = {
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
# islands with a continuous network: they lower the high-quality share and
# precision, which is why the live run sits below the half-the-modes row on
# both even when it covers more modes than that row's four.

# %% tags=["hide-input"]
assert report8["real"]["modes_covered"] == 8 and report8["real"]["high_quality"] > 0.95
if nb.quality_checks:
    assert len(visited) == 8, along  # every mode is covered at some moment of training...
    assert max(covered) >= 7, covered  # ...and at its best moment nearly all of them at once
    assert mean_hq > 0.2 and mean_hq > hq[0] + 0.15, hq  # clearly learned: from ~0 at step 0
    half8 = report8["calibration"]["real points, half the modes"]
    assert all(report8["model"][k] < half8[k] for k in ("high_quality", "precision")), (report8, half8)  # strays
    notebook.checked(f"all 8 modes covered at some snapshot, at most {max(covered)} at once",
                     f"high-quality share {mean_hq:.2f} over the second half of the run ({hq[0]:.2f} at step 0)")
else:
    notebook.checked("real points cover all 8 modes, over 95% of them high quality")

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
ref_reports = {name: references.evaluate_model(r.model, name, n=n_eval) for name, r in refs.items()}


pretty = {"8gaussians": "8 Gaussians", "25gaussians": "25 Gaussians"}
fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.8))
for ax, (name, r) in zip(axes, refs.items()):
    draw(ax, viz.density_frame(r.model), real=toys[name].x[:500], colorbar=True, heat_label="G's density (log)")
    m = ref_reports[name]["model"]
    ax.set_title(f"{pretty[name]}, {r.card['steps']:,} steps\n{m['modes_covered']:.0f}/{m['modes_total']:.0f} modes, "
                 f"{m['high_quality']:.0%} high quality", fontsize="small")
counts = ref_reports["8gaussians"]["model"]["mode_counts"]
modes8 = toy8.modes.numpy()
angles = np.degrees(np.arctan2(modes8[:, 1], modes8[:, 0])).round().astype(int) % 360
order = np.argsort(angles)
axes[2].bar(range(8), [counts[i] for i in order], color="tab:orange", label="reference G")
axes[2].step(range(8), [ref_reports["8gaussians"]["real"]["mode_counts"][i] for i in order], where="mid", color="0.4",
             label="real data")
axes[2].set_xticks(range(8), [f"{angles[i]}" for i in order], fontsize="small")
axes[2].set_xlabel("mode (angle on the circle, °)")
axes[2].set_title(f"8 Gaussians: high-quality\nsamples per mode (of {n_eval:,})", fontsize="small")
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
# GAN {cite}`metz2017unrolled`. Set the reference beside the calibration row,
# real points from half the modes: it holds as many modes (four), yet its
# recall is lower still, so even on the modes it holds, its points miss part
# of the data's spread.
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

# %% tags=["hide-input"]
r8, r25 = ref_reports["8gaussians"]["model"], ref_reports["25gaussians"]["model"]
half8 = ref_reports["8gaussians"]["calibration"]["real points, half the modes"]
assert all(rep["real"]["modes_covered"] == rep["model"]["modes_total"] for rep in ref_reports.values())
if nb.quality_checks:
    assert r8["high_quality"] > 0.8 and r25["high_quality"] > 0.8, (r8, r25)  # sharp samples...
    assert r8["modes_covered"] < 8 and r25["modes_covered"] <= 15, (r8, r25)  # ...on a subset of the modes
    assert r8["recall"] < 0.5 and r25["recall"] < 0.5, (r8, r25)  # collapse: low recall, high precision
    assert r8["modes_covered"] == half8["modes_covered"] and r8["recall"] < half8["recall"], (r8, half8)
    if steps < refs["8gaussians"].card["steps"]:  # longer training, sharper samples than the live run's
        assert r8["high_quality"] > mean_hq + 0.1, (r8["high_quality"], mean_hq)
    notebook.checked(f"8 Gaussians reference: {r8['modes_covered']:.0f}/8 modes, "
                     f"high quality {r8['high_quality']:.2f}, recall {r8['recall']:.2f} (half the modes: {half8['recall']:.2f})",
                     f"25 Gaussians reference: {r25['modes_covered']:.0f}/25 modes, high quality "
                     f"{r25['high_quality']:.2f}, recall {r25['recall']:.2f}")
else:
    notebook.checked("real points cover every mode of both toys")

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
# ```{exercise} The grid, live
# :label: ex-toys-grid
# Train the same GAN live on the grid with `model25, run25 = train_on("25gaussians")`
# and play `viz.timelapse(run25.snapshots, draw=lambda ax, f: draw(ax, f, real=toys["25gaussians"].x[:500]))`.
# How many of the 25 modes does it cover along the way, and how sharp are
# its samples compared with the reference's?
# ```
#
# ```{solution} ex-toys-grid
# :class: dropdown
# Count along the run as the section "Measuring it" did, with
# `mode_coverage(f["samples"], toys["25gaussians"].modes, toys["25gaussians"].mode_std)`
# for each snapshot `f`. In our `cpu` run (2,000 steps, seed 0) the count
# climbed slowly, with the usual back and forth: 0 modes at step 0, 10 by the
# middle of the run, 11 to 17 over the last six snapshots, and every one of
# the 25 covered at some snapshot. Its samples are *not* sharp: only 30% of
# them within three standard deviations of a mode at the end (precision 0.26,
# recall 0.80), against the reference's 96% (precision 0.96, recall 0.21, 9
# modes). The
# short run is spread out and blurry, the long one sharp and collapsed:
# recall and precision have swapped places.
# ```
#
# ```{exercise} The Swiss roll
# :label: ex-toys-swissroll
# Train on `swissroll` with `train_on("swissroll")` and plot the result with
# `draw`. Which of precision and recall tells you more here, where there are
# no modes to count?
# ```
#
# ```{solution} ex-toys-swissroll
# :class: dropdown
# Recall. Without modes, it is the only number that sees the failure this
# chapter is about: a generator that draws a sharp piece of the spiral and
# nothing of the rest keeps a high precision, while recall falls with the
# share of the roll it leaves out. Precision still tells you whether the
# points sit *on* the roll rather than between its turns. In our `cpu` runs
# both stayed well below real data's (0.97 and 0.95) after 1,000 and 2,000
# steps: precision 0.7-0.8 (a fifth to a quarter of the points off the roll)
# and recall 0.5-0.7 (a third to a half of the real points with no generated
# point near them).
# ```
#
# ```{exercise} The minimax loss on a toy
# :label: ex-toys-minimax
# Rebuild the model with `build_model("gan", data, profile=nb.profile, g_loss="minimax")`
# (the loss exactly as in the value function above) and train it on 8
# Gaussians. Chapter 1 says this loss stops $G$ from learning once $D$
# rejects its samples. Does it here? Watch $D(G(z))$ in `run.history`.
# ```
#
# ```{solution-start} ex-toys-minimax
# :class: dropdown
# ```

# %%
minimax_steps = nb.pick(smoke=30, cpu=300, gpu=300)  # early training, where saturation would bite
torch.manual_seed(nb.seed)
minimax = build_model("gan", toy8, profile=nb.profile, device=nb.device, g_loss="minimax")
minimax_run = fit(minimax, toy8, steps=minimax_steps, seed=nb.seed, log_every=max(1, minimax_steps // 20),
                  snapshot_fn=None, progress=False)
d_fake = np.array([float(r["d_fake"]) for r in minimax_run.history])
minimax_report = evaluate(minimax.sample(n_eval), "8gaussians")["model"]
print(f"after {minimax_steps} minimax steps: D(G(z)) between {d_fake.min():.2f} and {d_fake.max():.2f} in every "
      f"logged window, so the non-saturating gradient is at most {((1 - d_fake) / d_fake).max():.1f}x the minimax "
      f"one; {minimax_report['modes_covered']:.0f} modes covered, "
      f"high-quality share {minimax_report['high_quality']:.2f}")
if nb.quality_checks:  # what the answer below says
    assert d_fake.min() > 0.2 and ((1 - d_fake) / d_fake).max() < 4, d_fake  # D never rejects G's samples
    assert minimax_report["modes_covered"] >= 2 and minimax_report["high_quality"] > 0.03, minimax_report  # G learns

# %% [markdown]
# Not here. On the toys $D$ never becomes confident: $D(G(z))$ stays between
# about 0.3 and 0.5, so the minimax gradient, proportional to $D(G(z))$, is
# never more than a few times smaller than the non-saturating one, $1 -
# D(G(z))$ (chapter 1 measured thousands of times on MNIST, where $D$ wins
# quickly). $G$ learns at the usual pace: after 300 steps its samples already
# gather on some of the modes (2 to 5 of the 8 over three seeds; the
# non-saturating loss gave 1 and 3 on two of them). The saturation is a property of a *winning* $D$, not
# of the loss alone.
#
# ```{solution-end}
# ```
#
# ```{exercise} More noise dimensions
# :label: ex-toys-zdim
# The noise is 2-dimensional. Retrain with `z_dim=16` and compare mode
# coverage. Can you see from the heat map why more noise dimensions do not
# bring more modes?
# ```
#
# ```{solution} ex-toys-zdim
# :class: dropdown
# Coverage gets *worse*: chapter 1 (section 2) runs exactly this comparison
# and finds the 16-dimensional generator on a few of the eight modes, fewer
# than the 2-dimensional one after the same steps. The heat map shows why
# nothing pulls it back: $D$ rates the empty modes as real (bright regions
# with no samples), but $G$'s gradient is $D$'s slope at $G$'s own samples,
# and a sample sitting on one mode is not told that another mode, across a
# dark region, would be better.
# ```
