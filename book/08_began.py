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
# # 8. BEGAN: an autoencoder as the discriminator
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/08_began.ipynb)
#
# BEGAN, the boundary equilibrium GAN {cite}`berthelot2017began`, appeared on
# the same day as WGAN-GP and shares its selling points (stable training,
# simple architectures, a loss that tracks image quality) by a different
# route {cite}`perarnau2017fantastic`. Its discriminator is an
# **autoencoder**, as in EBGAN: it reconstructs whatever it is shown, and the
# reconstruction error is the signal. Real images should be reconstructed
# well, generated ones badly; the generator tries to make images the
# autoencoder reconstructs well.
#
# The twist is in what is matched. BEGAN does not match the distribution of
# images directly; it matches the *distributions of reconstruction errors*
# of real and generated images, using a lower bound on the Wasserstein
# distance between them. Reconstruction error is a crude measure of an
# image, but the authors' bet is that matching these error distributions,
# with an autoencoder that keeps improving, ends up matching the images.

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
    pass

# %% [markdown]
# ## The objective
#
# With the autoencoder $D$ and $\mathcal{L}(v) = |v - D(v)|$ (the mean absolute
# pixel error), the losses are
#
# $$
# \mathcal{L}_D = \mathcal{L}(x) - k_t \, \mathcal{L}(G(z_D)), \qquad
# \mathcal{L}_G = \mathcal{L}(G(z_G)),
# $$
#
# $$
# k_{t+1} = \operatorname{clip}_{[0, 1]}\Big(k_t
#   + \lambda_k \big(\gamma \, \mathcal{L}(x) - \mathcal{L}(G(z_G))\big)\Big),
# \qquad k_0 = 0, \;\; \lambda_k = 0.001.
# $$
#
# **Equilibrium and the diversity ratio $\gamma$.** The authors want the
# expected errors to keep the ratio
# $\gamma = \mathbb{E}[\mathcal{L}(G(z))] / \mathbb{E}[\mathcal{L}(x)]$. The
# variable $k_t$ is a proportional controller that enforces it: when generated
# images are reconstructed too well ($\mathcal{L}(G(z)) < \gamma \mathcal{L}(x)$),
# $k_t$ grows and $D$ pushes harder against them; when $D$ is winning, $k_t$
# shrinks and $D$ concentrates on reconstructing real images. This is the
# survey's "diversity factor": a low $\gamma$ makes $D$ care mostly about
# reconstructing real images, and the generator's samples get sharper but less
# diverse; a high $\gamma$ the opposite.
#
# **A convergence measure.** Because of this balance, the paper proposes
#
# $$
# \mathcal{M}_\text{global} = \mathcal{L}(x) + |\gamma \, \mathcal{L}(x) - \mathcal{L}(G(z_G))|,
# $$
#
# low when $D$ reconstructs real images well *and* the equilibrium holds;
# the paper shows it falling as the samples improve.
#
# `gans_edu/models/began.py` writes each formula as one function
# (`reconstruction_loss`, `update_k`, `convergence_measure`) and
# `BEGAN.train_step` runs one step of each network and one update of $k_t$.
#
# **The paper's networks** (Sec. 3.5, Fig. 1) are deliberately plain. The
# encoder is a stack of 3x3 convolutions, each followed by an ELU, two per
# resolution; it halves the resolution with stride-2 convolutions while the
# number of filters grows *linearly* ($n$, $2n$, $3n$), and ends in a fully
# connected layer to the embedding $h \in \mathbb{R}^{64}$ with no
# nonlinearity. The decoder mirrors it, upsampling by nearest neighbour; the
# generator has the decoder's architecture with its own weights. There is no
# batch norm, no dropout and no transposed convolution anywhere. Adam at
# $10^{-4}$, batches of 16, $N_z = N_h = 64$.
#
# **The networks this chapter trains are not the paper's.** At the budgets of
# this book (minutes to an hour on a CPU) the paper's networks never get past
# BEGAN's collapsed start: every sample is the same blurry image, whatever the
# seed, with the paper's hyperparameters or with those of popular
# reimplementations (you will see it below). What changes that is the
# networks: a DCGAN-style generator (batch norm, a tanh output) and a shallow
# autoencoder whose 64-d code is **batch-normalised**, the pair used by
# DCGAN-style BEGAN reimplementations. The batch norm in the code is what
# fights collapse: the code of a batch of near-identical images is stretched
# to the spread of a normal batch, so $D$ reconstructs a collapsed batch
# badly, and the generator is pushed to vary its images. The objective, the
# controller and the hyperparameters stay the paper's, with one more change
# that follows from the networks: $\gamma = 0.7$ instead of 0.5 (why is shown
# below). `build_model("began", ..., arch_g="paper", arch_d="paper",
# init="pytorch", gamma=0.5)` gives the paper's networks back; the lab notes
# appendix has the measurements behind the choice.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import compare_table, frechet_distance
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model
from gans_edu.train import fit

nb = notebook.setup("Chapter 8: BEGAN")

# %% [markdown]
# ## Training on MNIST
#
# A short live run with the book's networks. Snapshots keep 64 samples from
# fixed noise and the Frechet distance of 500 fresh samples; the history keeps
# $k_t$ and $\mathcal{M}_\text{global}$.

# %%
mnist = load_dataset("mnist")
test = load_dataset("mnist", "test", verbose=False)
ref_feats, _ = classify(test.x)
steps = nb.pick(smoke=30, cpu=600, gpu=50000)
every = max(1, steps // nb.pick(smoke=3, cpu=12, gpu=20))


def snapshot(model):
    grid = model.sample(64, generator=torch.Generator().manual_seed(0))
    feats, _ = classify(model.sample(500, generator=torch.Generator().manual_seed(1)))
    return {"samples": grid, "fd": frechet_distance(feats, ref_feats)}


torch.manual_seed(nb.seed)
model = build_model("began", mnist, profile=nb.profile, device=nb.device)
notebook.budget(steps, gamma=model.config.gamma, batch=model.config.batch_size)
run = fit(model, mnist, steps=steps, log_every=every, snapshot_every=every, snapshot_fn=snapshot, desc="BEGAN")

# %%
ks = [r["k"] for r in run.history]
assert run.steps == steps and all(0.0 <= k <= 1.0 for k in ks)
assert all(np.isfinite(r["m_global"]) for r in run.history)

# %% [markdown]
# ## $k_t$, $\mathcal{M}_\text{global}$ and the samples

# %%
fd_steps = [s for s, _ in run.snapshots]
fd = [f["fd"] for _, f in run.snapshots]
fig, axes = plt.subplots(1, 3, figsize=(15, 3.5))
axes[0].plot(*run.column("k"))
axes[0].set(title="k_t (clipped to [0, 1])", xlabel="generator step")
axes[1].plot(*run.column("m_global"), color="tab:purple")
axes[1].set(title="convergence measure M_global", xlabel="generator step")
axes[2].plot(fd_steps, fd, "o-", color="tab:red")
axes[2].set(title="Frechet distance (lower is better)", xlabel="generator step")
for ax in axes:
    ax.grid(alpha=0.3)
plt.show()
draw_grid = lambda ax, f: (ax.imshow(viz.to_grid(f["samples"], nrow=8), cmap="gray"), ax.set_axis_off())  # noqa: E731
fig = viz.snapshot_strip(run.snapshots, count=6, draw=draw_grid)
plt.show()
print(f"Frechet distance: first snapshot {fd[0]:.0f}, last {fd[-1]:.0f}; k_t: max {max(ks):.3f}, last {ks[-1]:.3f}; "
      f"M_global: first {run.history[0]['m_global']:.3f}, last {run.history[-1]['m_global']:.3f}")
if nb.quality_checks:
    assert fd[-1] < 0.6 * max(fd), fd  # after the first blobs, the samples move towards real digits
    assert run.history[-1]["m_global"] < run.history[0]["m_global"], run.history  # and M_global falls with them

# %% [markdown]
# In a minute the samples go from noise to strokes and the first digit
# shapes, and $\mathcal{M}_\text{global}$ falls with the Frechet distance,
# as the paper says it should. (The distance may first rise: to the
# classifier, the untrained generator's faint noise is closer to digits
# than the bright blobs of the first training steps; judge the fall from the
# worst point.) $k_t$ starts at 0 and climbs only when the
# generator's images are reconstructed better than $\gamma$ times the real
# ones; watch it in the reference run's history below.
#
# **The same minute with the paper's networks.** Here is what the paper's
# networks do on this budget (their default width in the `cpu` profile would
# be the same 32 filters; we use 16 to keep it short): every sample becomes
# the same image. We measure it by the average distance between pairs of
# samples, next to the same number for the live run above and for real digits.

# %%
torch.manual_seed(nb.seed)
paper = build_model("began", mnist, profile=nb.profile, device=nb.device, arch_g="paper", arch_d="paper",
                    init="pytorch", gamma=0.5, n=nb.pick(smoke=4, cpu=16, gpu=64))
paper_run = fit(paper, mnist, steps=steps, snapshot_fn=None, desc="BEGAN, the paper's networks")


def spread(x):
    """Mean L1 distance per pixel between the first half of a sample set and the second half, pair by pair."""
    x = x.flatten(1)
    return float((x[: len(x) // 2] - x[len(x) // 2 :]).abs().mean())


g = torch.Generator().manual_seed(3)
paper_samples, book_samples = paper.sample(200, generator=g), model.sample(200, generator=g)
spreads = {"paper's networks": spread(paper_samples), "book's networks": spread(book_samples),
           "real digits": spread(test.x[:200])}
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
viz.show_images(paper_samples[:64], nrow=8, ax=axes[0], title=f"the paper's networks, {paper_run.steps} steps")
viz.show_images(book_samples[:64], nrow=8, ax=axes[1], title=f"the book's networks, {run.steps} steps")
plt.show()
print("spread of the samples (mean L1 between pairs):", {k: round(v, 3) for k, v in spreads.items()})
if nb.quality_checks:
    assert spreads["paper's networks"] < 0.5 * spreads["book's networks"], spreads  # one image repeated

# %% [markdown]
# ## Timelapse and explorer

# %%
viz.timelapse(run.snapshots, draw=draw_grid)

# %%
explorer = widgets.snapshot_explorer(run.snapshots, draw=draw_grid)

# %% [markdown]
# ## After longer training
#
# The reference run of this chapter trains the same networks for 16,000
# steps with $\gamma = 0.7$, and, for the sweep further down, twice more with
# $\gamma = 0.5$ and $\gamma = 0.9$, all from the same seed.

# %%
ref = nb.reference("began")
n_eval = nb.pick(smoke=200, cpu=2000, gpu=2000)
report = references.evaluate_model(ref.model, "mnist", n=n_eval)
live_report = references.evaluate_model(model, "mnist", n=n_eval)
viz.show_images(ref.model.sample(100, generator=torch.Generator().manual_seed(2)), nrow=10,
                title=f"reference (gamma {ref.model.config.gamma}, {ref.card['steps']:,} steps)", size=6)
plt.show()
compare_table({"reference": report, f"live run ({run.steps} steps)": live_report}).round(3)

# %%
m, real = report["model"], report["real"]
print("share of each class:", np.round(m["class_shares"], 3))
print(f"classifier score {m['classifier_score']:.2f} ({m['classifier_score'] / real['classifier_score']:.0%} of real "
      f"digits'), smallest class {m['min_class_share']:.1%}")
if nb.quality_checks:
    assert m["classes_present"] == 10 and m["min_class_share"] >= 0.03, m["class_shares"]  # every digit
    assert 0.6 * real["classifier_score"] <= m["classifier_score"] < 0.85 * real["classifier_score"], (m, real)
    assert m["frechet_distance"] < live_report["model"]["frechet_distance"], (m, live_report["model"])

# %% [markdown]
# Every digit is there, in roughly its share, but the samples are not yet
# convincing: the classifier's score is well below real digits', because it
# is unsure about many samples (strokes that wander, loops that do not
# close), and the Frechet distance is far from real data's. More steps help
# only slowly here: between 8,000 and 16,000 steps the score rose by a few
# hundredths and the distance by a few percent (the lab notes have the
# numbers). The paper trained its CelebA models far longer, with learning
# rate decay; this chapter's budget shows BEGAN's mechanics working rather
# than its best samples.

# %% [markdown]
# The reference's history shows the controller at work. Early on the
# generator's images are reconstructed *worse* than $\gamma$ times the real
# ones, so $k_t$ stays at 0 and $D$ only learns to reconstruct real digits;
# once the generator catches up, $k_t$ rises and settles where the errors
# keep the ratio $\gamma$, and $\mathcal{M}_\text{global}$ keeps falling.

# %%
hist = pd.DataFrame(ref.history)
fig, axes = plt.subplots(1, 3, figsize=(15, 3.5))
axes[0].plot(hist["step"], hist["k"])
axes[0].set(title="reference: k_t", xlabel="generator step")
axes[1].plot(hist["step"], hist["g_loss"] / hist["loss_real"], color="tab:green")
axes[1].axhline(ref.model.config.gamma, color="k", ls="--", lw=1, label="gamma")
axes[1].set(title="L(G(z)) / L(x)", xlabel="generator step")
axes[1].legend(frameon=False)
axes[2].plot(hist["step"], hist["m_global"], color="tab:purple")
axes[2].set(title="reference: M_global", xlabel="generator step")
for ax in axes:
    ax.grid(alpha=0.3)
plt.show()
late = hist[hist["step"] > hist["step"].max() / 2]
ratio = float((late["g_loss"] / late["loss_real"]).mean())
print(f"second half of training: k_t {late['k'].mean():.3f} on average, L(G)/L(x) {ratio:.2f} (gamma "
      f"{ref.model.config.gamma}); M_global {hist['m_global'].iloc[0]:.3f} -> {hist['m_global'].iloc[-1]:.3f}")
if nb.quality_checks:
    assert late["k"].mean() > 0 and abs(ratio - ref.model.config.gamma) < 0.1, (late["k"].mean(), ratio)
    assert hist["m_global"].iloc[-1] < hist["m_global"].iloc[0]

# %% [markdown]
# ## The diversity ratio: a sweep over $\gamma$
#
# Precision measures quality (the share of samples that land where real
# digits are), recall measures diversity (the share of real digits near some
# sample). The paper's claim (Fig. 2): lower $\gamma$, less diverse. With
# these networks the generator's images are never reconstructed better than
# about 0.65 times the real ones, so at $\gamma = 0.5$ the controller never
# engages: $k_t$ stays at (almost exactly) 0 and $D$ never pushes back against generated
# images, only learns to reconstruct real ones. That is the low-$\gamma$ end
# of the paper's trade-off taken to its limit.

# %%
runs = {0.5: ref.variants["gamma=0.5"], 0.7: ref.model, 0.9: ref.variants["gamma=0.9"]}
sweep = {}
for gamma, mdl in runs.items():
    rep = report if mdl is ref.model else references.evaluate_model(mdl, "mnist", n=n_eval)
    sweep[gamma] = {"samples": mdl.sample(64, generator=torch.Generator().manual_seed(4)), "report": rep,
                    "k": float(mdl.k)}
sweep_table = pd.DataFrame({
    f"gamma {g}": {"precision": v["report"]["model"]["precision"], "recall": v["report"]["model"]["recall"],
                   "Frechet distance": v["report"]["model"]["frechet_distance"],
                   "classes present": v["report"]["model"]["classes_present"],
                   "smallest class share": v["report"]["model"]["min_class_share"], "final k_t": v["k"]}
    for g, v in sweep.items()})
sweep_table["real data"] = [real["precision"], real["recall"], real["frechet_distance"], real["classes_present"],
                            real["min_class_share"], np.nan]
sweep_table.round(3)


# %%
def render_gamma(gamma):
    v = sweep[gamma]
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(viz.to_grid(v["samples"], nrow=8), cmap="gray")
    ax.set_axis_off()
    r = v["report"]["model"]
    ax.set_title(f"gamma {gamma}: precision {r['precision']:.2f}, recall {r['recall']:.2f}", fontsize=9)
    return fig


gammas = list(sweep)
display(widgets.slider(gammas, render_gamma, description="gamma"))
fig, axes = plt.subplots(1, 4, figsize=(16, 4))  # the static view of the slider, plus the trade-off
for ax, gamma in zip(axes, gammas):
    ax.imshow(viz.to_grid(sweep[gamma]["samples"], nrow=8), cmap="gray")
    ax.set_axis_off()
    ax.set_title(f"gamma {gamma}")
pr = [(sweep[g]["report"]["model"]["precision"], sweep[g]["report"]["model"]["recall"]) for g in gammas]
axes[3].plot([p for p, _ in pr], [r for _, r in pr], "o-")
for g, (p, r) in zip(gammas, pr):
    axes[3].annotate(f"gamma {g}", (p, r), textcoords="offset points", xytext=(5, 5))
axes[3].set(xlabel="precision (quality)", ylabel="recall (diversity)", title="the trade-off")
axes[3].grid(alpha=0.3)
plt.show()

# %%
assert all(0 <= v["k"] <= 1 for v in sweep.values())
if nb.quality_checks:
    recall = {g: v["report"]["model"]["recall"] for g, v in sweep.items()}
    assert recall[0.5] < recall[0.7] < recall[0.9], recall  # lower gamma, less diverse
    assert sweep[0.5]["k"] < 1e-3 < sweep[0.7]["k"], {g: v["k"] for g, v in sweep.items()}  # 0.5: k_t stays ~0

# %% [markdown]
# ## What the paper showed and what we see
#
# | claim (paper) | this chapter |
# |---|---|
# | a simple architecture trains stably to sharp, diverse images (CelebA, up to 128x128) | not with the paper's networks at our budgets: they stay collapsed; with DCGAN-style networks the reference covers every digit class, but its samples score well below real digits |
# | $k_t$ keeps $\mathcal{L}(G(z)) \approx \gamma\,\mathcal{L}(x)$ (Sec. 3.3) | in the reference's second half the ratio sits at $\gamma$, with $k_t$ above 0 |
# | $\mathcal{M}_\text{global}$ falls as the images improve (Fig. 5) | it falls with the Frechet distance in the live run and keeps falling in the reference |
# | lower $\gamma$, less diverse (Fig. 2) | recall rises from $\gamma = 0.5$ to $0.9$; at 0.5 the controller never acts |
#
# **Deviations:** the networks (above); $\gamma = 0.7$ by default; DCGAN's
# initialisation; a 7x7 start for 28x28 digits (the paper starts at 8x8); no
# learning-rate decay; far fewer steps than the paper.
#
# ## When to use it
#
# The survey puts BEGAN beside WGAN-GP: both train stably with simple
# architectures and have a loss that relates to image quality; they differ in
# method, and it is hard to say which is better since generative models are
# hard to evaluate. BEGAN is the one with a knob for the quality/diversity
# trade-off ($\gamma$) and a built-in convergence measure; its autoencoder
# discriminator costs more per step than a plain critic. This chapter adds a
# caution: its published networks were the fragile part at small budgets.
#
# ## Exercises
#
# 1. Set `lambda_k=0` (k stays at 0) and retrain: what does the discriminator learn when it never pushes
#    back against generated images? Compare with the $\gamma = 0.5$ run of the sweep.
# 2. Change `k0` to 1. How long does the controller take to find its equilibrium, and does the final
#    quality change?
# 3. Which half of the book's networks fights the collapse? Train with `arch_g="dcgan", arch_d="paper"`
#    and with `arch_g="paper", arch_d="shallow"` for a few thousand steps and compare the spread of the
#    samples with the run above.
# 4. Compute M_global on held-out test digits instead of training batches. Is it a better convergence
#    measure?
