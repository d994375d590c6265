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
# # 9. ProGAN: growing the networks with the images
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/09_progan.ipynb)
#
# The survey opens this paper with a plain observation: generating large
# images is hard, and the larger the image, the more easily the networks
# fail, because they must get fine and complicated detail right at the same
# time as the overall layout. Before ProGAN, GAN samples stopped at about
# 256x256; ProGAN made 1024x1024 faces {cite}`perarnau2017fantastic`.
#
# The idea is to not ask for both at once. Karras et al. build on WGAN-GP
# (chapter 7) and **grow** both networks during training
# {cite}`karras2018progan`:
#
# 1. train G and D on tiny images (4x4), where only the coarse layout exists;
# 2. when that has settled, add a block that doubles the resolution, to G's
#    output end and to D's input end, and **fade it in**: its output is mixed
#    with the old, upsampled output with a weight $\alpha$ that rises from 0
#    to 1, so the networks already trained are not shocked by a new,
#    untrained layer;
# 3. train at the new resolution until it is stable, and repeat until the
#    final size is reached.
#
# The survey contrasts this with StackGAN, which also goes from low to high
# resolution but trains a separate, text-conditioned network per stage;
# ProGAN trains one GAN, with no extra conditioning, and adds layers to it.
# Its result: better images, and 5.4 times less training time at 1024x1024,
# because most of the training happens at small sizes where it is cheap and
# where the large structure is learned first.
#
# This chapter grows MNIST digits, padded to 32x32, from 4x4 to 32x32:
# three doublings instead of the paper's eight.

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
    pass

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.flops import count_flops
from gans_edu.metrics import compare_table, evaluate, frechet_distance, metrics_table
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model, default_steps
from gans_edu.models import progan as P
from gans_edu.train import fit

nb = notebook.setup("Chapter 9: ProGAN")
mnist = load_dataset("mnist", pad_to=32)  # 28x28 digits padded with background to 32x32, a power of two
test = load_dataset("mnist", "test", pad_to=32, verbose=False)
# The live run's budget: the cpu profile shortens the phases (and the moving average with them); see "Training".
LIVE = nb.pick(smoke={}, cpu=dict(images_per_phase=1_000, ema_halflife=250.0), gpu={})

# %% [markdown]
# ## The objective and the four pieces
#
# **The loss** is WGAN-GP's with one extra term, a *drift* penalty that keeps
# the critic's output near zero (without it, $D$'s values can wander off,
# since the Wasserstein loss only cares about differences):
#
# $$
# \begin{aligned}
# L_D &= \mathbb{E}_{z}[D(G(z))] - \mathbb{E}_{x}[D(x)] \\
#   &\quad + \lambda \, \mathbb{E}_{\hat x}\big[(\|\nabla_{\hat x} D(\hat x)\|_2 - 1)^2\big] \\
#   &\quad + \epsilon_\text{drift} \, \mathbb{E}_{x}[D(x)^2], \\
# L_G &= -\mathbb{E}_{z}[D(G(z))],
# \end{aligned}
# $$
#
# with $\lambda = 10$, $\epsilon_\text{drift} = 0.001$ and
# $\hat x = \epsilon x + (1 - \epsilon) G(z)$, $\epsilon \sim U[0, 1]$ per
# image, exactly as in chapter 7 (the book reuses that chapter's
# `gradient_penalty`). One critic step per generator step, Adam with
# learning rate 0.001 and $\beta = (0, 0.99)$ (the cpu profile trains at
# 0.01, a budget deviation explained in the next section).
#
# **The fade-in.** While the block for resolution $r$ enters, with
# $\mathrm{up}$ nearest-neighbour upsampling and $\mathrm{down}$ 2x2
# average pooling,
#
# $$
# \begin{aligned}
# G_\alpha(z) = {}& (1 - \alpha)\,\mathrm{up}\big(\mathrm{toRGB}_{r/2}(h_{r/2})\big) \\
#   & + \alpha\,\mathrm{toRGB}_r\big(\mathrm{block}_r(h_{r/2})\big),
# \end{aligned}
# $$
#
# $$
# \begin{aligned}
# D_\alpha(x) = D_{<r}\Big(& (1 - \alpha)\,\mathrm{fromRGB}_{r/2}(\mathrm{down}(x)) \\
#   & + \alpha\,\mathrm{block}_r\big(\mathrm{fromRGB}_r(x)\big)\Big),
# \end{aligned}
# $$
#
# and the real images are blended the same way,
# $x_\alpha = (1 - \alpha)\,\mathrm{up}(\mathrm{down}(x)) + \alpha x$, so
# that D never sees real images sharper than G can make. $\alpha$ rises
# linearly with the number of **images shown**: the schedule is counted in
# images, not steps (the paper: 800k images to fade in, 800k to stabilise).
# At $\alpha = 0$ the grown G is exactly the old G, upsampled, and the grown
# D scores exactly what the old D scores on the downsampled image.
#
# **Equalized learning rate.** Weights are drawn from $\mathcal{N}(0, 1)$
# and multiplied by He's constant $c = \sqrt{2 / \text{fan-in}}$ on *every
# forward pass*: $\hat w = c\,w$. Adam's step is about the learning rate
# whatever the gradient's scale, so stored weights of size 1 move by the
# same *fraction* in every layer. Initialising with $c$ instead (the usual
# way) would let layers with a small fan-in learn many times more slowly,
# relatively, than wide ones.
#
# **Pixel normalisation** in G, after each 3x3 convolution:
# $b_{x,y} = a_{x,y} / \sqrt{\tfrac{1}{C}\sum_j (a^j_{x,y})^2 + 10^{-8}}$,
# which stops the generator's and discriminator's magnitudes from escalating
# against each other (there is no batch norm anywhere).
#
# **Minibatch standard deviation** in D's last (4x4) block: the standard
# deviation of every feature at every position over the minibatch, averaged
# into *one number*, appended as an extra constant feature map. A batch of
# near-identical fakes has a telltale small value, so D can punish missing
# variety, and G is pushed to vary.
#
# The paper's pitfalls, each a test in `tests/models/test_progan.py`:
# applying $c$ only at initialisation; reusing the name of the fade weight for
# the penalty's interpolation weight, so that the penalty's random
# $\epsilon$ overwrites $\alpha$; fading G but not D (or not the reals).
#
# ## The algorithm
#
# For each minibatch, with $(r, \alpha)$ given by the images shown so far:
#
# 1. take real images, bring them to $r \times r$ (average pooling) and blend
#    them with $\alpha$;
# 2. one critic step on $L_D$ at $(r, \alpha)$;
# 3. one generator step on $L_G$ at $(r, \alpha)$;
# 4. update the moving average $G_\text{EMA} \leftarrow \beta G_\text{EMA} + (1 - \beta) G$
#    (the paper samples from $G_\text{EMA}$, $\beta = 0.999$);
# 5. at a phase boundary, reset Adam's moments (as the official code does).
#
# `ProGAN.train_step` in `gans_edu/models/progan.py` is this loop body;
# `schedule` maps images shown to (phase, resolution, alpha), and the
# generator's `forward` is the fade-in of $G_\alpha$ above. Their comments
# name the paper's sections:

# %% tags=["remove-input"]
notebook.show_source(P.ProGAN.train_step, P.ProGAN.critic_loss, P.schedule, P.Generator.forward)

# %% [markdown]
# ## The pieces, one at a time
#
# First, why the equalized learning rate matters. Two dense layers, with
# fan-in 8 and 512, each take one Adam step on the same kind of loss; we
# measure how far the *effective* weights $c\,w$ moved, relative to their size.

# %%
relative_step = P.relative_adam_step  # one Adam step on a fresh layer; see gans_edu/models/progan.py
steps_table = pd.DataFrame({"equalized (c at run time)": [relative_step(n, True) for n in (8, 512)],
                            "He init (c at start)": [relative_step(n, False) for n in (8, 512)]},
                           index=["fan-in 8", "fan-in 512"])
steps_table.round(4)

# %% tags=["hide-input"]
eq, he = steps_table.iloc[:, 0], steps_table.iloc[:, 1]
assert abs(eq.iloc[0] / eq.iloc[1] - 1) < 0.2 and he.iloc[1] / he.iloc[0] > 4
notebook.checked(f"equalized: both layers move {eq.min():.2%}-{eq.max():.2%} of their size",
                 f"He init: the wide layer moves {he.iloc[1] / he.iloc[0]:.1f}x more than the narrow one")

# %% [markdown]
# With the scale applied at run time both layers move by about 1% of their
# size; with the usual initialisation the wide layer moves about
# $\sqrt{512/8} = 8$ times more, relatively, than the narrow one.
#
# Pixel normalisation and the minibatch standard deviation, on small tensors:
# the former gives every pixel's feature vector a root mean square of 1; the
# latter is large for a varied batch and near zero for a collapsed one.

# %%
a = 5 * torch.randn(4, 16, 3, 3)
rms = P.pixel_norm(a).pow(2).mean(1).sqrt()
varied = torch.randn(16, 8, 4, 4)
collapsed = varied[:1].expand(16, -1, -1, -1) + 0.01 * torch.randn(16, 8, 4, 4)
s_varied, s_collapsed = (P.minibatch_stddev(b)[0, -1, 0, 0].item() for b in (varied, collapsed))
print(f"pixel norm: RMS per pixel in [{rms.min():.4f}, {rms.max():.4f}]; "
      f"minibatch stddev feature: varied batch {s_varied:.3f}, collapsed batch {s_collapsed:.3f}")

# %% tags=["hide-input"]
assert torch.allclose(rms, torch.ones_like(rms), atol=1e-3) and s_collapsed < 0.05 < 0.5 < s_varied
notebook.checked("pixel norm gives every pixel an RMS of 1 (to 1e-3)",
                 f"the stddev feature reads {s_varied:.2f} on a varied batch, {s_collapsed:.2f} on a collapsed one")

# %% [markdown]
# ## Growing, drawn
#
# The networks are built at full size from the start; a stage uses the
# blocks up to its resolution. The middle panel is the fade-in of the 16x16
# blocks at $\alpha = 0.4$: the image D sees is 40% the new 16x16 toRGB
# output and 60% the old 8x8 one, upsampled (orange), and D's input is split
# the same way.

# %%
model = build_model("progan", mnist, profile=nb.profile, device=nb.device, **LIVE)
cfg = model.config
res_list = model.G.resolutions
fig, axes = plt.subplots(3, 1, figsize=(7.5, 8))
for ax, st in zip(axes, [(4, 1.0), (16, 0.4), (32, 1.0)]):
    viz.growth_diagram(res_list, [cfg.channels(r) for r in res_list], st, ax=ax)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Training
#
# The schedule, in images shown: one phase at 4x4, then for each doubling a
# fade-in phase and a stabilising phase of equal length. The paper used
# 800,000 images per phase and 512 feature maps; the cpu profile's live run
# affords 1,000 images per phase and at most 32 maps, shrinking to 8 at
# 32x32 (the table below prints the profile's numbers). The reference run at
# the end of the chapter trains the same networks on 12,000 images per
# phase.
#
# Fewer images means fewer steps, and that changes what the learning rate
# means. With $\beta_1 = 0$, Adam moves every weight by about the learning
# rate per step, whatever its gradient; with the equalized learning rate the
# weights are of size 1. A paper phase is 50,000 steps (800,000 images at
# batch 16), so a weight can travel up to 50 at rate 0.001; a phase of
# 6,000 images (the cpu profile's default) is 375 steps, which at 0.001
# allows 0.4, and the networks barely leave their starting point. The cpu
# profile therefore trains at **0.01** (the official code's later presets
# raise the rate at high resolutions too, to 0.0015-0.003); the runs at
# 0.001 that led to this are in the [lab notes](lab_notes.md). The moving
# average of G is shortened with the phases: its half-life is 250 images in
# the live run. Everything else is the paper's.

# %%
steps = default_steps("progan", mnist, nb.profile, **LIVE)
phases = []
for ph in range(2 * (len(res_list) - 1) + 1):
    _, r, _ = P.schedule(cfg, ph * cfg.images_per_phase)
    phases.append({"phase": ph, "resolution": f"{r}x{r}", "alpha": "0 -> 1" if ph % 2 else "1",
                   "images": cfg.images_per_phase, "feature maps (G block)": cfg.channels(r)})
display(pd.DataFrame(phases).set_index("phase"))
notebook.budget(steps, images=P.total_images(cfg), batch=cfg.batch_size, ema_halflife_images=cfg.ema_halflife)

CLOCK_N = nb.pick(smoke=100, cpu=300, gpu=1000)
clock_ref, _ = classify(test.x[:CLOCK_N])


class Clock:
    """Snapshot function: records (images shown, Frechet distance of CLOCK_N samples) and returns 64 samples."""

    def __init__(self):
        self.points = []

    def __call__(self, model):
        feats, _ = classify(model.sample(CLOCK_N, generator=torch.Generator().manual_seed(1)))
        self.points.append({"images": model.images_seen, "fd": frechet_distance(feats, clock_ref),
                            "resolution": model.stage[1]})
        return model.sample(64, generator=torch.Generator().manual_seed(0))


torch.manual_seed(nb.seed)
clock = Clock()
run = fit(model, mnist, steps=steps, snapshot_every=max(1, steps // nb.pick(smoke=4, cpu=14, gpu=24)),
          snapshot_fn=clock, log_every=nb.pick(smoke=2, cpu=10, gpu=50), desc="ProGAN")
print(f"{run.steps} steps, {model.images_seen} images in {run.seconds:.0f} s of training; stage now {model.stage}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
viz.plot_losses(run.history, keys=["w_estimate", "gp", "drift"], ax=axes[0], title="critic terms")
viz.plot_losses(run.history, keys=["resolution"], ax=axes[1], title="resolution (window mean) and alpha")
ax2 = axes[1].twinx()
ax2.plot([r["step"] for r in run.history], [r["alpha"] for r in run.history], color="tab:orange", label="alpha")
ax2.set_ylabel("alpha")
plt.show()

# %% [markdown]
# ### Samples at the end of each phase
#
# The model keeps 16 samples from fixed noise (from the moving-average
# generator) at the end of every phase; here are the first eight of each, side by side, at their own
# resolution, then the final samples.

# %%
def show_phase_ends(m, label):
    """The first eight of each phase-end sample set (at its own resolution), then eight final 32x32 samples."""
    ends = [(label(i, r, a, k), x[:8]) for k, (i, r, a, x) in enumerate(m.phase_samples)]
    z = m.noise(16, torch.Generator().manual_seed(2024)).to(nb.device)
    with torch.no_grad():
        ends.append((f"final 32x32\n{m.images_seen:,} images", m.G_ema(z, 32, 1.0)[:8].cpu()))
    fig, axes = plt.subplots(1, len(ends), figsize=viz.fit_width(2.0 * len(ends), 4.4), layout="constrained")
    for ax, (title, x) in zip(axes, ends):
        ax.imshow(viz.to_grid(x, nrow=2), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize="small" if len(ends) <= 6 else "x-small")
        ax.set_axis_off()
    plt.show()


show_phase_ends(model, lambda i, r, a, k: f"{r}x{r}\nend of {'fade-in' if k % 2 else 'stable phase'}")

# %% tags=["hide-input"]
assert len(model.phase_samples) == 2 * (len(res_list) - 1) or nb.profile == "smoke"
notebook.checked(f"{len(model.phase_samples)} phase ends kept, at resolutions "
                 + ", ".join(str(r) for _, r, _, _ in model.phase_samples))

# %% [markdown]
# ### Timelapse over the whole schedule
#
# 64 samples from the same noise, every few percent of training, all shown
# at 32x32 (earlier stages upsampled): the blocky 4x4 layout comes first,
# then each fade-in sharpens it.

# %%
viz.timelapse(run.snapshots)

# %% [markdown]
# ### The alpha slider: the two output paths of the trained model
#
# The trained generator still has its 16x16 toRGB layer, last trained when
# the 32x32 block faded in. Moving $\alpha$ from 0 to 1 at 32x32 blends that
# old path (upsampled) into the new one, which is what D saw during the last
# fade-in. In the static book, the strip below the slider shows five values.

# %%
alphas = [0.0, 0.25, 0.5, 0.75, 1.0]
z16 = model.noise(16, torch.Generator().manual_seed(5)).to(nb.device)
with torch.no_grad():
    blends = [model.generate(z16, resolution=32, alpha=a).cpu() for a in alphas]


def render(i):
    return viz.show_images(blends[i], nrow=4, title=f"alpha = {alphas[i]:.2f}", size=3)


display(widgets.slider(list(range(len(alphas))), render, description="alpha", labels=[f"{a:.2f}" for a in alphas]))
fig, axes = plt.subplots(1, len(alphas), figsize=viz.fit_width(2.6 * len(alphas), 2.8))
for ax, a, x in zip(axes, alphas, blends):
    viz.show_images(x, nrow=4, ax=ax, title=f"alpha = {a:.2f}")
plt.show()

# %% tags=["hide-input"]
with torch.no_grad():
    old16 = torch.nn.functional.interpolate(model.G_ema(z16, 16, 1.0), scale_factor=2).cpu()
assert torch.allclose(blends[0], old16, atol=1e-4)  # alpha = 0 is the 16x16 output, upsampled
notebook.checked("at alpha = 0 the 32x32 output is exactly the 16x16 output, upsampled (to 1e-4)")

# %% [markdown]
# ## Results
#
# Metrics from the project's MNIST classifier (Frechet distance and the
# others in its 128-d feature space: **not** Inception numbers), plus the
# paper's SWD at each pyramid level (times $10^3$; no network involved). The
# classifier works on 28x28 digits: it cuts the 2-pixel border that the
# padding added (a centre crop of the 32x32 image, no resizing). The
# real-data column is real training digits scored the same way against the
# test digits.

# %%
n_eval = nb.eval_n
report = evaluate(model.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
table = metrics_table(report, "ProGAN")
table.round(3)

# %%
m, r = report["model"], report["real"]
shares = dict(enumerate(np.round(m["class_shares"], 3)))
print(f"SWD 32x32 level: {m['swd_32']:.1f} (real {r['swd_32']:.1f}, ratio {m['swd_32'] / r['swd_32']:.2f}); "
      f"16x16: {m['swd_16']:.1f} (real {r['swd_16']:.1f}); classes present {m['classes_present']:.0f}; shares {shares}")
feats_end, _ = classify(model.sample(CLOCK_N, generator=torch.Generator().manual_seed(1)))
start_fd, end_fd = clock.points[0]["fd"], frechet_distance(feats_end, clock_ref)
print(f"Frechet distance of {CLOCK_N} samples: {start_fd:.0f} untrained, {end_fd:.0f} after {model.images_seen:,} images; "
      f"classifier score {m['classifier_score']:.2f} (real {r['classifier_score']:.2f})")

# %% tags=["hide-input"]
assert np.isfinite([m["frechet_distance"], m["swd_32"], m["swd_16"]]).all()
if nb.quality_checks:  # it learns, though a run this short leaves some classes rare
    assert end_fd < 0.85 * start_fd and m["classes_present"] >= 5, (start_fd, end_fd, shares)
    blurred = report["calibration"]["blurred real digits"]
    assert m["frechet_distance"] > blurred["frechet_distance"], (m, blurred)
    notebook.checked(f"the Frechet distance of {CLOCK_N} samples falls from {start_fd:.0f} to {end_fd:.0f}",
                     f"{m['classes_present']:.0f} classes present",
                     f"on {n_eval} samples {m['frechet_distance']:.0f}, above the blurred digits' "
                     f"{blurred['frechet_distance']:.0f}")
else:
    notebook.checked(f"SWD and Frechet distance finite on {n_eval} samples")

# %% [markdown]
# The digits are recognisable but rough: the calibration columns place the
# live run's Frechet distance well above that of blurred real digits (every
# digit readable, the fine strokes gone), and its recall far below real
# data's; some classes are rare. (Chapter 1 explains why this distance is
# large even for digits that look fine; chapter 11 takes the metrics apart.)
# The reference run at the end of the chapter, grown on twelve times as many
# images, gets much closer.

# %% [markdown]
# ## Progressive against fixed: the same compute
#
# The paper's headline speed-up compares progressive growing with training
# the final-resolution networks from the start, on the same clock. A clock
# on a shared CPU measures the other jobs as much as the networks, so we
# count the work instead: the floating-point operations (FLOPs) of one
# training step, counted with PyTorch's per-operator FLOP formulas
# (`gans_edu.flops.count_flops`) for every stage of the schedule (the convolutions and matrix products, forward and backward,
# the penalty's second backward pass included). `progressive=False` builds
# the same networks and trains all of them at 32x32 from the first step,
# with the same losses, optimiser, EMA and batch; it gets **as many FLOPs as
# the progressive run above used**, and both are measured along the way.


# %%
def step_flops(model, images_seen):
    """FLOPs of one training step at the stage `images_seen` puts `model` in (counted on a copy, RNG untouched)."""
    m = copy.deepcopy(model)
    m.images_seen, m.phase = images_seen, P.schedule(m.config, images_seen)[0]
    batch = mnist.x[: m.config.batch_size].to(nb.device)
    with torch.random.fork_rng():
        return count_flops(lambda: m.train_step(lambda: (batch, None)))


n_phases = len(phases)
ipp = cfg.images_per_phase
phase_flops = [step_flops(model, ph * ipp + ipp // 2) for ph in range(n_phases)]  # the middle of each phase


def flops_until(images):
    """FLOPs of the progressive schedule up to `images` images shown (steps of `batch_size` images)."""
    s = np.arange(images // cfg.batch_size)
    return int(np.asarray(phase_flops)[np.minimum(s * cfg.batch_size // ipp, n_phases - 1)].sum())


torch.manual_seed(nb.seed)
fixed = build_model("progan", mnist, profile=nb.profile, device=nb.device, progressive=False, **LIVE)
fixed_step = step_flops(fixed, 0)
budget_flops = flops_until(model.images_seen)
fixed_steps = max(1, round(budget_flops / fixed_step))
cost = pd.DataFrame({"resolution": [f"{p['resolution']}" + (" fade-in" if k % 2 else "") for k, p in enumerate(phases)]
                     + ["fixed 32x32"], "MFLOPs per step": [f / 1e6 for f in phase_flops] + [fixed_step / 1e6]})
display(cost.set_index("resolution").round(1).T)
print(f"progressive: {run.steps:,} steps, {budget_flops / 1e9:.1f} GFLOPs; the same compute buys the fixed run "
      f"{fixed_steps:,} steps ({fixed_steps * cfg.batch_size:,} images)")

fixed_clock = Clock()
fixed_run = fit(fixed, mnist, steps=fixed_steps, snapshot_every=max(1, fixed_steps // nb.pick(smoke=4, cpu=8, gpu=24)),
                snapshot_fn=fixed_clock, log_every=nb.pick(smoke=2, cpu=10, gpu=50), desc="fixed 32x32")

# %%
curves = {"progressive": [(flops_until(p["images"]), p["fd"]) for p in clock.points],
          "fixed 32x32": [(p["images"] // cfg.batch_size * fixed_step, p["fd"]) for p in fixed_clock.points]}
fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.4), gridspec_kw={"width_ratios": [1.2, 1, 1]}, layout="constrained")
for name, pts in curves.items():
    axes[0].semilogy([f / 1e9 for f, _ in pts], [fd for _, fd in pts], "o-", ms=3, label=name)
axes[0].set(xlabel="compute used (GFLOPs)", ylabel=f"Frechet distance, {CLOCK_N} samples (log)",
            title="the same compute")
axes[0].grid(alpha=0.3)
axes[0].legend(frameon=False)
for ax, (name, r_, m_) in zip(axes[1:], (("progressive", run, model), ("fixed 32x32", fixed_run, fixed))):
    ax.imshow(viz.to_grid(r_.snapshots[-1][1][:32], nrow=8), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}\n{r_.steps:,} steps, {m_.images_seen:,} images", fontsize="small")
    ax.set_axis_off()
plt.show()

# %%
fixed_report = evaluate(fixed.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
display(compare_table({"progressive": report, "fixed 32x32": fixed_report}).round(3))
fm = fixed_report["model"]
print(f"same compute: progressive FD {m['frechet_distance']:.0f}, SWD32 {m['swd_32']:.1f}, {m['classes_present']:.0f} classes; "
      f"fixed FD {fm['frechet_distance']:.0f}, SWD32 {fm['swd_32']:.1f}, {fm['classes_present']:.0f} classes")

# %% tags=["hide-input"]
assert abs(fixed_steps * fixed_step - budget_flops) <= fixed_step  # the same compute, to one step
checks = [f"both runs used {budget_flops / 1e9:.1f} GFLOPs, to one step"]
if nb.quality_checks:  # at this budget the two are close; which is ahead changes with the seed
    assert 0.7 < m["frechet_distance"] / fm["frechet_distance"] < 1.4, (m, fm)
    checks.append(f"the progressive run's Frechet distance is {m['frechet_distance'] / fm['frechet_distance']:.2f} "
                  "times the fixed run's")
notebook.checked(*checks)

# %% [markdown]
# At this budget the two runs end close together, and which one is ahead
# changes from seed to seed (three seeds are in the [lab notes](lab_notes.md)).
# That is not the paper's result, and the reason is the scale. Growing saves compute
# because the early phases run at low resolution, where a step is cheap: at
# 32x32 with a few feature maps the whole network is small, so the savings
# buy the progressive run less than twice the fixed run's steps, and much of
# its budget goes on resolutions it then leaves behind. The paper's speed-up
# (2-6x to the same quality) is measured at 256x256 to 1024x1024, where a
# full-resolution step costs hundreds of times a 4x4 one. What growing does
# show here is in the strips above: coarse structure first, details later.

# %% [markdown]
# ## After longer training
#
# The library ships a reference run of this chapter: the same networks, rate
# and losses, grown on 12,000 images per phase instead of 1,000
# (84,000 images, 5,250 steps). `nb.reference` loads it in seconds and
# prints how it was made (the command retrains it). It kept its samples from
# fixed noise at the end of every phase, so we can watch it grow.

# %%
ref = nb.reference("progan")
big = ref.model
show_phase_ends(big, lambda i, r, a, k: f"{r}x{r}\n{i:,} images" + (f"\nalpha {a:.2f}" if a < 0.995 else ""))
viz.show_images(big.sample(64, generator=torch.Generator().manual_seed(nb.seed)), nrow=16,
                title=f"reference: 64 samples after {big.images_seen:,} images", size=8)
plt.show()

# %%
ref_report = references.evaluate_model(big, "mnist", n=nb.eval_n, seed=nb.seed)
rm, rr = ref_report["model"], ref_report["real"]
print(f"reference: Frechet distance {rm['frechet_distance']:.0f} (live {m['frechet_distance']:.0f}), classifier score "
      f"{rm['classifier_score']:.2f} (real {rr['classifier_score']:.2f}), {rm['classes_present']:.0f} classes "
      f"(rarest {rm['min_class_share']:.1%}), SWD 32x32 {rm['swd_32']:.1f} (real {rr['swd_32']:.1f})")
compare_table({f"live, {model.images_seen:,} images": report,
               f"reference, {big.images_seen:,} images": ref_report}).round(3)

# %% tags=["hide-input"]
assert len(big.phase_samples) == 2 * (len(big.G.resolutions) - 1)
if nb.quality_checks:  # every class, recognisable digits, and far closer to real digits than the live run
    assert rm["classes_present"] == 10 and rm["classifier_score"] > 0.8 * rr["classifier_score"], rm
    assert rm["frechet_distance"] < 0.5 * m["frechet_distance"] and rm["swd_32"] < 3 * rr["swd_32"], (rm, rr)
    ref_blurred = ref_report["calibration"]["blurred real digits"]
    assert rm["frechet_distance"] < ref_blurred["frechet_distance"], (rm, ref_blurred)
    notebook.checked(f"the reference draws all ten classes, scores {rm['classifier_score']:.2f} "
                     f"(real {rr['classifier_score']:.2f})",
                     f"its Frechet distance {rm['frechet_distance']:.0f} is under half the live run's and under the "
                     f"blurred digits' {ref_blurred['frechet_distance']:.0f}",
                     f"its SWD at 32x32 is {rm['swd_32'] / rr['swd_32']:.1f} times real data's")
else:
    notebook.checked(f"the reference kept {len(big.phase_samples)} phase ends")

# %% [markdown]
# Twelve times the images make the difference: the reference draws every
# class, and its Frechet distance is below even that of the blurred real
# digits in the calibration column, with a recall close to real data's.

# %% [markdown]
# ## What the paper showed and what we see
#
# * **Paper:** 1024x1024 CelebA-HQ faces; an Inception score of 8.80 on
#   CIFAR-10 (unsupervised, a record then); SWD per pyramid level and MS-SSIM
#   as new measures; and progressive growing reaching the same quality as
#   non-progressive training about 5.4 times sooner at 1024x1024 (Figure 4),
#   with better final results.
# * **Here** (MNIST padded to 32x32): the mechanics behave as the paper
#   describes. The equalized learning rate gives layers of very different
#   fan-in the same relative Adam step, where He's initialisation does not;
#   at $\alpha = 0$ the grown networks are exactly the old ones; the
#   minibatch standard deviation tells a varied batch from a collapsed one.
#   The samples grow from 4x4 blobs to 32x32 digits: in a minute, rough ones
#   with some classes rare; in the reference, every class, with a classifier
#   score and an SWD near real digits'. At equal compute the growing run
#   and the fixed 32x32 run end close together at this scale (see above for
#   why); the paper's saving needs large images.
# * **Deviations:** 32x32 instead of 1024x1024; at most 32 feature maps
#   instead of 512; 6,000 images per phase (the cpu profile's default; 1,000
#   in the live run, 12,000 in the reference) instead of 800,000, and
#   therefore Adam's learning rate 0.01 instead of 0.001 (see "Training");
#   the EMA given as a half-life of 1,000 images (250 in the live run; the
#   paper's decay 0.999 at batch 16 is a half-life of 11,000 images, longer
#   than our phases); SWD computed from
#   1,000 images per set instead of 16,384, with the same random patch
#   positions in both sets. The gpu profile (256 maps, 300,000 images per
#   phase, full MNIST when it can be downloaded) is sized for a Colab T4 and
#   has not been measured; MNIST offers at most 32x32, and the library
#   refuses a larger resolution (or one that is not a power of two) with a
#   clear error.
#
# ## When to use it
#
# The survey's advice: use ProGAN when you want the state of the art and
# have plenty of time to train ("we trained the network on a single NVIDIA
# Tesla P100 GPU for 20 days"), or when you want samples more realistic than
# anything before it. Our reading of the small-scale run adds one condition:
# growing pays when the final resolution is large, so that the cheap small
# stages are a large saving. At 32x32 there is little to save. Its pieces
# outlived it: the equalized learning rate, pixel normalisation, the
# minibatch standard deviation and the EMA generator are all in StyleGAN.
#
# ## Exercises
#
# ```{exercise} Which layers would learn slowly?
# :label: ex-progan-eqlr
# Without the equalized learning rate (`equalized_lr=False`: He's constant
# applied once, at initialisation), which layers of the live run's generator
# would take the smallest relative steps? Use `P.relative_adam_step` on the
# fan-in of each layer. What does that mean for the blocks added last?
# ```
#
# ```{solution-start} ex-progan-eqlr
# :class: dropdown
# ```

# %%
layers = [(name, layer.weight[0].numel()) for name, layer in model.G.named_modules()
          if isinstance(layer, (P.EqualizedConv2d, P.EqualizedLinear))]
per_layer = pd.DataFrame({"fan-in": [f for _, f in layers],
                          "equalized": [P.relative_adam_step(f, True) for _, f in layers],
                          "He init": [P.relative_adam_step(f, False) for _, f in layers]},
                         index=pd.Index([n for n, _ in layers], name="layer of G"))
if nb.quality_checks:  # what the answer below says
    he_steps, eq_steps = per_layer["He init"], per_layer["equalized"]
    assert he_steps["blocks.3.1"] < 0.6 * he_steps["blocks.0.0"], per_layer  # the 32x32 block: half the step
    assert he_steps["to_rgb.3"] < 0.25 * he_steps["blocks.0.0"], per_layer  # its toRGB: under a quarter
    assert eq_steps.max() < 1.15 * eq_steps.min(), per_layer  # equalized: every layer alike
per_layer.round(4)

# %% [markdown]
# The narrowest layers: with He's initialisation a layer's relative step
# grows with the square root of its fan-in, and the generator is narrowest
# at high resolution (here 8 feature maps at 32x32 against 32 at 4x4; in the
# paper 16 at 1024x1024 against 512 up to 32x32). The last convolution of the
# 32x32 block would move about half as far, relative to its size, as the 4x4
# block's, and the 32x32 toRGB layer less than a fifth as far. These are the
# blocks added last, with the fewest images left to learn from. With the
# equalized learning rate every layer moves by about the same 1% per step.
#
# ```{solution-end}
# ```
#
# ```{exercise} An abrupt fade-in
# :label: ex-progan-abrupt
# Make the fade-in abrupt: keep `images_per_phase`, but change `schedule`
# so that alpha is 1 from the first step of each new resolution. Train a
# fresh model through its 4x4 phase, then a few steps into the 8x8 phase
# with each schedule. What happens to the critic terms at the jump?
# ```
#
# ```{solution-start} ex-progan-abrupt
# :class: dropdown
# ```

# %%
smooth_schedule = P.schedule


def abrupt_schedule(config, images):
    """The paper's schedule, but every new resolution enters at full weight (alpha 1) at once."""
    phase, res, _ = smooth_schedule(config, images)
    return phase, res, 1.0


torch.manual_seed(nb.seed)
grown_4x4 = build_model("progan", mnist, profile=nb.profile, device=nb.device, **LIVE)
fit(grown_4x4, mnist, steps=-(-grown_4x4.config.images_per_phase // grown_4x4.config.batch_size), snapshot_fn=None,
    progress=False)  # the 4x4 phase, to the first step of the 8x8 fade-in
jump = {}
for name, sched in (("fade-in (the paper)", smooth_schedule), ("abrupt", abrupt_schedule)):
    m_ = copy.deepcopy(grown_4x4)
    P.schedule = sched  # the model reads its stage from this function
    try:
        torch.manual_seed(nb.seed + 100)
        jump[name] = fit(m_, mnist, steps=nb.pick(smoke=4, cpu=20, gpu=20), snapshot_fn=None, log_every=1,
                         progress=False).history
    finally:
        P.schedule = smooth_schedule
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3))
for name, hist_ in jump.items():
    for ax, key in zip(axes, ("w_estimate", "g_loss")):
        ax.plot([h["step"] for h in hist_], [h[key] for h in hist_], "o-", ms=3, label=name)
axes[0].set(title="critic's estimate E D(x) - E D(G(z))", xlabel="step into the 8x8 phase")
axes[1].set(title="G's loss", xlabel="step into the 8x8 phase")
axes[0].legend(frameon=False)
plt.show()
first = {name: (h[0]["w_estimate"], h[0]["g_loss"]) for name, h in jump.items()}
print("first step at 8x8 (critic estimate, G's loss):", {k: tuple(round(v, 2) for v in x) for k, x in first.items()})
if nb.quality_checks:  # what the answer below says
    (w_fade, g_fade), (w_abrupt, g_abrupt) = first["fade-in (the paper)"], first["abrupt"]
    assert w_abrupt > w_fade + 0.5 and g_abrupt > g_fade + 1.0, first
    assert min(h["w_estimate"] for h in jump["fade-in (the paper)"]) < -1.0, jump  # the faded run swings too

# %% [markdown]
# At the very first step of the 8x8 phase the abrupt run's critic estimate
# jumps from about 0 to about 1, and the generator's loss jumps with it: the
# critic tells real 8x8 digits at once from the output of a block that has
# never been trained, and the generator receives a large, sudden gradient
# through that block. With the fade-in the first step sees almost exactly the
# old networks, and nothing jumps. The fade is no cure-all at this scale,
# though: in the steps that follow, the faded run's critic terms swing as well
# (the estimate falls below -1; resetting Adam's moments at the boundary is a
# disturbance of its own), so what the fade removes here is the shock at the
# boundary itself.
#
# ```{solution-end}
# ```
#
# ```{exercise} Does the critic use the minibatch standard deviation?
# :label: ex-progan-mbstd
# Score real test digits with the live run's trained critic, in batches of
# 16 different digits and in batches of one digit repeated 16 times (a
# perfectly collapsed batch), and compare with the critic's scores for the
# generator's samples.
# ```
#
# ```{solution-start} ex-progan-mbstd
# :class: dropdown
# ```

# %%
bs, res = cfg.batch_size, cfg.resolution
digits = test.x[: nb.pick(smoke=2, cpu=4, gpu=4) * bs].to(nb.device)
with torch.no_grad():
    in_varied = torch.cat([model.D(digits[i : i + bs], res) for i in range(0, len(digits), bs)])
    repeated = torch.stack([model.D(d.expand(bs, -1, -1, -1), res)[0] for d in digits])
    fakes = torch.cat([model.D(model.G(model.noise(bs, torch.Generator().manual_seed(i)).to(nb.device), res), res)
                       for i in range(len(digits) // bs)])
mbstd_scores = pd.Series({"real digits, 16 different per batch": in_varied.mean().item(),
                          "the same digits, each repeated 16 times": repeated.mean().item(),
                          "G's samples, 16 per batch": fakes.mean().item()}, name="mean critic score")
lower = (repeated < in_varied).float().mean().item()
print(f"{lower:.0%} of the digits score lower when the batch repeats them")
if nb.quality_checks:  # what the answer below says
    assert lower > 0.9 and repeated.mean() < fakes.mean() < in_varied.mean(), mbstd_scores
mbstd_scores.round(2)

# %% [markdown]
# The trained critic relies on it. The same real digits that score well in a
# varied batch score far lower when the batch repeats them, lower even than
# the generator's own samples: a generator that collapsed onto one image
# would be scored as fake however good that image is, which is the pressure
# towards variety the paper wanted. Without the feature
# (`minibatch_std=False`) the critic scores every image on its own and
# cannot see repetition at all.
#
# ```{solution-end}
# ```
