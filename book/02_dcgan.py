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
# # 2. DCGAN: convolutions that train
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/02_dcgan.ipynb)
#
# In the survey this book started from, DCGAN is "the first major improvement
# of the GAN architecture", better both in training stability and in sample
# quality {cite}`perarnau2017fantastic`. Radford, Metz and Chintala
# {cite}`radford2015dcgan` did not change the game of chapter 1 at all: same
# value function, same alternating updates. They changed the *players*: after
# an extensive search they wrote down a short list of architecture rules with
# which convolutional GANs trained reliably, and then showed that the trained
# networks had learned something: a latent space you can walk through and do
# arithmetic in, and a discriminator whose features are useful for
# classification.
#
# This chapter writes the rules as code, trains on our offline MNIST, compares
# with the 2014 GAN at the same training time, walks the latent space, does
# style arithmetic on digits, and tests the feature-learning claim at small
# scale.

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
from IPython.display import display
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import compare_table, evaluate
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model
from gans_edu.models.dcgan import DCGAN, DCGANConfig, _d_block, _g_block, default_steps
from gans_edu.train import fit

nb = notebook.setup("Chapter 2: DCGAN (Radford et al. 2015)")

# %% [markdown]
# ## The guidelines, as code
#
# Section 3 of the paper, "Architecture guidelines for stable Deep
# Convolutional GANs", and where each lives in `gans_edu/models/dcgan.py`:
#
# | guideline | code |
# |---|---|
# | replace pooling by strided convolutions (D) and fractional-strided convolutions (G) | `Conv2d(..., stride=2)` in `_d_block`, `ConvTranspose2d(..., stride=2)` in `_g_block` |
# | batch norm in both networks, **except** G's output layer and D's input layer | `_g_block(..., bn=False)` for the last G layer, `_d_block(..., bn=False)` for the first D layer |
# | "remove fully connected hidden layers for deeper architectures" | G's first layer projects $z$ and reshapes it (a transposed convolution on a 1x1 map); for 64x64 images D ends with one convolution over its last feature map. At 28x28 see below: the official MNIST networks keep one dense hidden layer each (`dense`) |
# | ReLU in G, tanh at its output | `nn.ReLU()`, `nn.Tanh()` |
# | LeakyReLU in D, slope 0.2 (Sec. 4) | `nn.LeakyReLU(0.2)` |
#
# and the training details of Sec. 4: weights from $\mathcal{N}(0, 0.02)$
# (batch-norm gains from $\mathcal{N}(1, 0.02)$, as in the official code), Adam
# with learning rate $2 \cdot 10^{-4}$ and $\beta_1 = 0.5$ (the default 0.9
# "resulted in training oscillation and instability"), minibatches of 128.
#
# The objective is the 2014 one with the non-saturating generator loss:
#
# $$
# \begin{aligned}
# &\max_D \; \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))], \\
# &\min_G \; -\mathbb{E}_z[\log D(G(z))].
# \end{aligned}
# $$
#
# In code: the two building blocks that carry the guidelines, and the
# training step, which is chapter 1's Algorithm 1 with $k = 1$ and the
# losses of `gans_edu/models/gan.py`:

# %% tags=["remove-input"]
notebook.show_source(_g_block, _d_block, DCGAN.train_step)

# %% [markdown]
# For 28x28 digits, G starts from a 7x7 map and doubles it twice; for 64x64
# images (the paper's LSUN, faces and ImageNet setting, Fig. 1) it starts from
# 4x4 and doubles four times. The architecture is read off the data's shape.
#
# One guideline needs a closer reading at 28x28. The paper removes fully
# connected hidden layers "for deeper architectures"; its official code for
# MNIST (`mnist/train_cond_dcgan.py` in Newmu/dcgan_code) is not deep, two
# convolutions each way, and it keeps one dense hidden layer of 1,024 units in
# each network: $z \to$ FC 1024 $\to$ project to 7x7 in G, and
# $\ldots \to$ FC 1024 $\to$ logit in D, batch-normalised like the rest. We
# follow the official code at 28x28 (`DCGANConfig.dense`); 64x64 images get the
# all-convolutional networks. On a small budget the dense layers are worth a
# great deal (exercise 4; the measurements are in the [lab notes](lab_notes.md)).

# %%
mnist = load_dataset("mnist")
model = build_model("dcgan", mnist, profile=nb.profile, device=nb.device)
print(model.G)
print(model.D)
print("parameters:", model.num_parameters())

big = DCGAN(DCGANConfig(), (3, 64, 64))  # the paper's 64x64 setting, e.g. for faces (needs a GPU to train)
print("64x64 configuration:", big.num_parameters(), "->", tuple(big.G(big.noise(2)).shape))

# %% tags=["hide-input"]
# The guidelines, checked on both configurations.
for m in (model, big):
    g_layers = [x for x in m.G.modules() if not isinstance(x, (nn.Sequential, nn.ModuleList))][1:]
    d_layers = [x for x in m.D.modules() if not isinstance(x, (nn.Sequential, nn.ModuleList))][1:]
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN at G's output
    assert isinstance(d_layers[0], nn.Conv2d) and isinstance(d_layers[1], nn.LeakyReLU)  # no BN at D's input
    assert not any(isinstance(x, (nn.MaxPool2d, nn.AvgPool2d)) for x in g_layers + d_layers)  # no pooling
    assert all(x.negative_slope == 0.2 for x in d_layers if isinstance(x, nn.LeakyReLU))
    dense = [(a, b) for layers in (g_layers, d_layers) for a, b in zip(layers, layers[1:]) if isinstance(a, nn.Linear)]
    if m is big:
        assert not dense  # 64x64: no fully connected hidden layer
    else:  # 28x28: the official MNIST code's dense hidden layers, batch-normalised (D's output layer excepted)
        assert len(dense) == 2 and all(isinstance(b, nn.BatchNorm1d) for _, b in dense)
assert abs(float(model.G.net[0].weight.detach().std()) - 0.02) < 0.002
notebook.checked("at 28x28 and at 64x64: no batch norm at G's output or D's input, no pooling, "
                 "LeakyReLU slope 0.2 in D, dense hidden layers only at 28x28 (batch-normalised)",
                 f"G's initial weights have std {float(model.G.net[0].weight.detach().std()):.4f}")

# %% [markdown]
# The cpu profile halves the paper's base width (32 channels instead of 64)
# and quarters the dense layers (256 units instead of 1,024) so that training
# fits in a few minutes on two cores; the smoke profile uses 8 channels and 32
# units. Nothing else changes.
#
# ## Training

# %%
steps = nb.pick(smoke=default_steps(mnist, "smoke"), cpu=800, gpu=default_steps(mnist, "gpu"))  # cpu: `gans-edu train dcgan` runs 2,000
notebook.budget(steps, data=f"{len(mnist)} digits", batch=model.config.batch_size)
run = fit(model, mnist, steps=steps, desc="DCGAN on MNIST")

# %%
viz.training_panel(model, run, f"DCGAN samples after {run.steps:,} steps")
plt.show()

# %% tags=["hide-input"]
assert run.steps == steps and np.isfinite([r["g_loss"] for r in run.history]).all()
notebook.checked(f"{run.steps:,} steps, every loss finite")

# %% [markdown]
# The timelapse plays the same 64 noise vectors through training. Compare it
# with chapter 1's: the convolutional generator produces smooth strokes from
# the first snapshots on, because neighbouring pixels share weights.

# %%
viz.timelapse(run.snapshots)

# %% [markdown]
# ## Against the 2014 GAN, at the same training time
#
# The claim is that the architecture, not the budget, makes the difference. So
# we train chapter 1's GAN (the paper's MLPs and SGD) for exactly as many
# seconds as DCGAN just took, and score both with the book's metrics (the
# project's MNIST classifier, not an Inception network; real digits scored the
# same way beside them).

# %%
torch.manual_seed(nb.seed)
gan = build_model("gan", mnist, profile=nb.profile, device=nb.device)
gan_run = fit(gan, mnist, steps=None, minutes=run.seconds / 60, snapshot_fn=None, desc="GAN (2014), same time")
print(f"DCGAN: {run.steps} steps in {run.seconds:.0f} s; GAN: {gan_run.steps} steps in {gan_run.seconds:.0f} s")

n_eval = nb.eval_n
report = evaluate(model.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
gan_report = evaluate(gan.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
compare_table({"DCGAN": report, "GAN (2014), same time": gan_report}).round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.9))
viz.show_images(model.sample(64, generator=torch.Generator().manual_seed(5)), nrow=8, ax=axes[0], title="DCGAN")
viz.show_images(gan.sample(64, generator=torch.Generator().manual_seed(5)), nrow=8, ax=axes[1],
                title=f"GAN (2014), {gan_run.seconds:.0f} s")
plt.show()

# %% tags=["hide-input"]
m, real = report["model"], report["real"]
assert real["classes_present"] == 10 and gan_run.steps > 0
if nb.quality_checks:
    g = gan_report["model"]
    assert m["frechet_distance"] < g["frechet_distance"], (m, g)  # below the 2014 GAN's (by how much varies)
    assert m["recall"] > g["recall"] and m["classifier_score"] > g["classifier_score"], (m, g)
    assert m["classes_present"] >= 9 and m["classifier_score"] >= 0.6 * real["classifier_score"], (m, real)
    notebook.checked(f"DCGAN's Frechet distance {m['frechet_distance']:.0f} against the GAN's "
                     f"{g['frechet_distance']:.0f}; recall {m['recall']:.2f} against {g['recall']:.2f}",
                     f"classifier score {m['classifier_score']:.2f} "
                     f"({m['classifier_score'] / real['classifier_score']:.0%} of real digits'), "
                     f"{m['classes_present']:.0f} classes present")
else:
    notebook.checked(f"both models trained ({run.steps} and {gan_run.steps} steps) and scored",
                     "real digits show all ten classes")

# %% [markdown]
# At the same training time, DCGAN's Frechet distance is below the 2014
# GAN's (by how much varies from run to run: from about a quarter lower to a
# small fraction of it), and its recall (the share of real digits that have a generated
# digit nearby) and classifier score are higher, recall by far. A run this short still
# leaves its digits rough and some classes rarer than others; the reference
# below shows where the same recipe goes with more steps. (Chapter 1 explains
# why these Frechet distances are large even for digits that look fine; the
# calibration columns, real digits blurred and real digits of half the
# classes, give them a scale.)
#
# ### After longer training
#
# Both chapters ship a reference run: DCGAN trained once for 6,000 steps,
# and chapter 1's GAN for 10,000 (each with its `cpu` profile's settings,
# seed 0). The GAN's reference had more steps, though fewer seconds, since
# its steps are cheaper (19 minutes against 35 on one CPU thread).

# %%
refs = {"DCGAN": nb.reference("dcgan"), "GAN (2014)": nb.reference("gan-mnist")}
ref_reports = {k: references.evaluate_model(r.model, "mnist", n=n_eval, seed=nb.seed) for k, r in refs.items()}
viz.compare_samples({f"{k} reference, {r.card['steps']:,} steps": r.model for k, r in refs.items()}, seed=5)
plt.show()
compare_table({f"{k} reference": rep for k, rep in ref_reports.items()}).round(3)

# %% tags=["hide-input"]
rd, rg = ref_reports["DCGAN"]["model"], ref_reports["GAN (2014)"]["model"]
assert all(rep["real"]["classes_present"] == 10 for rep in ref_reports.values())
if nb.quality_checks:  # nine tenths of real digits' score, every class, and far closer to real digits than the GAN
    assert rd["classifier_score"] >= 0.9 * real["classifier_score"] and rd["min_class_share"] >= 0.05, rd
    assert rd["frechet_distance"] < 0.3 * rg["frechet_distance"], (rd, rg)
    blurred = ref_reports["DCGAN"]["calibration"]["blurred real digits"]
    assert rd["frechet_distance"] < 0.5 * blurred["frechet_distance"], (rd, blurred)  # closer than a blur
    notebook.checked(f"DCGAN reference: classifier score {rd['classifier_score']:.2f} "
                     f"({rd['classifier_score'] / real['classifier_score']:.0%} of real digits'), rarest class "
                     f"{rd['min_class_share']:.1%}", f"Frechet distance {rd['frechet_distance']:.0f} against the GAN "
                     f"reference's {rg['frechet_distance']:.0f} and the blurred real digits' "
                     f"{blurred['frechet_distance']:.0f}")
else:
    notebook.checked("both references loaded and scored")

# %% [markdown]
# With 6,000 steps, DCGAN's samples are hard to tell from real digits by the
# classifier's score, and their Frechet distance is a small fraction of the
# 2014 GAN's reference, which had more steps still. The calibration columns
# place it: the reference lies far closer to real digits than the blurred
# real digits do, though every blurred digit is easy to read.
#
# ## Walking the latent space
#
# From here on we use the reference's generator: walks and style directions
# need one that draws clean digits.
#
# If $G$ had memorised its training digits, moving $z$ in a straight line
# would make the output jump from one memorised digit to the next. The paper
# (Sec. 6.1) reads smooth transitions as a sign that $G$ has learned a
# representation instead. Drag the slider to move along the lines between
# pairs of noise vectors (one row per pair); the strip under it is the static
# view: the whole walk, left to right.

# %%
gen = refs["DCGAN"].model  # walks and styles need a well-trained G: the reference's
frames = 9
g = torch.Generator().manual_seed(7)
z_a, z_b = gen.noise(6, g), gen.noise(6, g)
ts = torch.linspace(0, 1, frames)
walk = torch.stack([(1 - t) * z_a + t * z_b for t in ts], 1)  # (6, frames, z_dim)
with torch.no_grad(), gen.eval_mode():
    walk_images = gen.generate(walk.flatten(0, 1).to(gen.device)).cpu()  # (6 * frames, 1, 28, 28)


def show_walk(t):
    """The six walks at position t (0 = left end, 1 = right end)."""
    with torch.no_grad(), gen.eval_mode():
        x = gen.generate(((1 - t) * z_a + t * z_b).to(gen.device)).cpu()
    return viz.show_images(x, nrow=6, size=5, title=f"t = {t:.2f}")


positions = [i / 20 for i in range(21)]
walker = widgets.slider(positions, show_walk, description="t", labels=[f"{t:.2f}" for t in positions])
display(walker)
fig = viz.show_images(walk_images, nrow=frames, size=6, title="latent walks (static view)")
plt.show()

# %%
walk_steps = walk_images.view(6, frames, -1)
step_sizes = (walk_steps[:, 1:] - walk_steps[:, :-1]).norm(dim=-1)  # (6, frames - 1)
path_length = step_sizes.sum(1)  # the distance travelled in pixel space, frame by frame
end_to_end = (walk_steps[:, -1] - walk_steps[:, 0]).norm(dim=-1)
jump = step_sizes.max(1).values / path_length  # the largest step's share of the whole change
print(f"largest single step / path length: {float(jump.max()):.2f} (an abrupt jump would be close to 1; "
      f"a uniform path of {frames - 1} steps gives {1 / (frames - 1):.2f}); "
      f"path length / end-to-end distance: {float((path_length / end_to_end).median()):.1f} (median)")

# %% tags=["hide-input"]
assert walk_images.shape == (6 * frames, 1, 28, 28)
if nb.quality_checks:
    assert float(jump.max()) < 0.5  # no single step carries half of a walk's change
    notebook.checked(f"in every walk the largest step is at most {float(jump.max()):.2f} of the path")
else:
    notebook.checked(f"six walks of {frames} frames each")

# %% [markdown]
# The measure divides the largest step by the length of the whole path, not
# by the straight distance between its ends: a walk from one digit to another
# fades some strokes out and others in, so in pixel space it travels two to
# three times the end-to-end distance even when every step is small. No step
# carries more than a small share of the change: the walks are smooth.
#
# ## Vector arithmetic on styles
#
# The paper's most quoted figure adds and subtracts averaged $z$ vectors:
# "smiling woman" - "neutral woman" + "neutral man" = "smiling man" (Sec. 6.3,
# with three exemplars averaged per concept, because single vectors were
# unstable). MNIST has no smiles, but it has a style that cuts across every
# class: stroke thickness. We generate digits, let the project classifier name
# them, and within each class take the mean $z$ of the boldest quarter minus the
# mean $z$ of the thinnest quarter. Averaging this difference over the ten
# classes gives a "bold" direction that, we hope, says nothing about which
# digit it is. Then: thin digit + $\alpha \cdot$ bold.

# %%
n_style = nb.pick(smoke=500, cpu=4000, gpu=10000)
z_all = gen.noise(n_style, torch.Generator().manual_seed(11))
with torch.no_grad(), gen.eval_mode():
    x_all = torch.cat([gen.generate(z.to(gen.device)).cpu() for z in z_all.split(500)])
_, probs = classify(x_all)
label = probs.argmax(1)
ink = ((x_all + 1) / 2).flatten(1).mean(1)  # share of the image covered by the stroke


def style_direction(z, ink, label):
    """Mean over classes of (mean z of the boldest quarter - mean z of the thinnest quarter)."""
    diffs = []
    for c in range(10):
        idx = (label == c).nonzero().squeeze(1)
        if len(idx) < 8:
            continue
        order = idx[ink[idx].argsort()]
        q = len(order) // 4
        diffs.append(z[order[-q:]].mean(0) - z[order[:q]].mean(0))
    return torch.stack(diffs).mean(0)


bold = style_direction(z_all, ink, label)
# Eight digits of different classes where possible (the first sample of each class), shown at every alpha.
firsts = [int(i[0]) for i in (torch.nonzero(label == c).squeeze(1) for c in range(10)) if len(i)]
shown = torch.tensor((firsts + [i for i in range(n_style) if i not in firsts])[:8])
alphas = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]


def push(z, a):
    with torch.no_grad(), gen.eval_mode():
        return torch.cat([gen.generate((c + a * bold).to(gen.device)).cpu() for c in z.split(500)])


rows = [push(z_all[shown], a) for a in alphas]  # each (8, 1, 28, 28)
grid = torch.stack(rows, 1).flatten(0, 1)  # row = digit, column = alpha
viz.show_images(grid, nrow=len(alphas), size=5, title="z + alpha * bold, alpha = " + ", ".join(f"{a:g}" for a in alphas))
plt.show()

# Measured on 1,000 samples, not just the eight shown: stroke ink per alpha, and how often the class survives.
z_check = z_all[:1000]
pushed = {a: push(z_check, a) for a in alphas}
ink_by_alpha = [float(((pushed[a] + 1) / 2).flatten(1).mean(1).mean()) for a in alphas]
_, p0 = classify(pushed[0.0])
_, p1 = classify(pushed[1.0])
kept = float((p0.argmax(1) == p1.argmax(1)).float().mean())
# The control: a random direction of the same length.
rand = torch.randn(bold.shape, generator=torch.Generator().manual_seed(12))
rand = rand * bold.norm() / rand.norm()
with torch.no_grad(), gen.eval_mode():
    x_rand = torch.cat([gen.generate((c + rand).to(gen.device)).cpu() for c in z_check.split(500)])
_, p_rand = classify(x_rand)
kept_rand = float((p0.argmax(1) == p_rand.argmax(1)).float().mean())
ink_rand = float(((x_rand + 1) / 2).flatten(1).mean(1).mean()) - ink_by_alpha[alphas.index(0.0)]
ink_bold = ink_by_alpha[alphas.index(1.0)] - ink_by_alpha[alphas.index(0.0)]
print("mean ink per alpha:", " ".join(f"{a:+g}: {v:.3f}" for a, v in zip(alphas, ink_by_alpha)))
print(f"alpha = 1, on 1,000 samples: ink {ink_bold:+.3f} along 'bold', {ink_rand:+.3f} along a random direction "
      f"of the same length; class kept {kept:.0%} along 'bold', {kept_rand:.0%} along the random direction")

# %% tags=["hide-input"]
assert grid.shape == (8 * len(alphas), 1, 28, 28)
if nb.quality_checks:
    assert all(a < b for a, b in zip(ink_by_alpha, ink_by_alpha[1:])), ink_by_alpha  # bolder and bolder
    assert ink_bold > 3 * abs(ink_rand), (ink_bold, ink_rand)  # a style direction, not just any step in z
    notebook.checked(f"the ink grows with alpha ({ink_by_alpha[0]:.3f} to {ink_by_alpha[-1]:.3f})",
                     f"at alpha = 1: {ink_bold:+.3f} along 'bold', {ink_rand:+.3f} along a random direction")
else:
    notebook.checked(f"{len(shown)} digits at {len(alphas)} values of alpha")

# %% [markdown]
# Along the "bold" direction the strokes thicken steadily from left to
# right, while a random step in $z$ of the same length leaves the amount of
# ink unchanged: the averaged difference has isolated a *style*. It is not a
# clean one, though. Roughly half of the digits change class by $\alpha = 1$,
# more often than along the random direction: in our small generator,
# thickness is entangled with identity (look along the rows of the grid for
# digits that turn into others). The paper's faces had far more data and capacity behind
# them, and even there single exemplar vectors were unstable; averaging is
# what makes the arithmetic work at all.
#
# ## The discriminator as a feature extractor
#
# Section 5.1 of the paper uses the trained D as a feature extractor: the
# activations of all its convolutional layers, max-pooled to 4x4 grids and
# concatenated, feed a linear classifier (an L2-SVM), which reached 82.8% on
# CIFAR-10 and a 22.5% error on SVHN with 1,000 labels. Our small-scale
# version: **100 labelled MNIST digits** (10 per class, drawn at random from
# the training split), a logistic regression (scikit-learn) on
#
# * the raw pixels,
# * the features of the same D architecture with its random initial weights
#   (the control: how much comes from the architecture alone?),
# * the features of our trained D (`model.D.features`),
#
# scored on the 1,000 test digits. Five random draws of the 100 labels give a
# mean and a spread.

# %%
test = load_dataset("mnist", "test")
random_d = build_model("dcgan", mnist, profile=nb.profile, device=nb.device).D.eval()
extractors = {
    "raw pixels": lambda x: x.flatten(1),
    "random D features": lambda x: random_d.features(x.to(nb.device)).cpu(),
    "trained D features": lambda x: model.D.features(x.to(nb.device)).cpu(),
}


def few_label_accuracy(extract, n_per_class=10, draws=5):
    with model.eval_mode():
        f_train, f_test = extract(mnist.x).numpy(), extract(test.x).numpy()
    accs = []
    for seed in range(draws):
        rng = np.random.RandomState(seed)
        idx = np.concatenate([rng.choice(np.flatnonzero(mnist.y.numpy() == c), n_per_class, replace=False)
                              for c in range(10)])
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
        clf.fit(f_train[idx], mnist.y.numpy()[idx])
        accs.append(clf.score(f_test, test.y.numpy()))
    return np.mean(accs), np.std(accs), f_train.shape[1]


rows = {name: few_label_accuracy(f) for name, f in extractors.items()}
features_table = pd.DataFrame(rows, index=["test accuracy", "std over draws", "feature dimension"]).T
features_table.round(3)

# %% tags=["hide-input"]
acc = {k: v[0] for k, v in rows.items()}
assert all(0 <= a <= 1 for a in acc.values())
if nb.quality_checks:
    assert acc["trained D features"] > acc["random D features"] > acc["raw pixels"], acc
    assert acc["trained D features"] > acc["raw pixels"] + 0.03, acc
    notebook.checked(f"trained D's features {acc['trained D features']:.1%}, raw pixels {acc['raw pixels']:.1%} "
                     f"(random D {acc['random D features']:.1%})")
else:
    notebook.checked("three feature sets, five label draws each, accuracies in [0, 1]")

# %% [markdown]
# With 100 labels, a linear classifier on the trained discriminator's features
# beats the same classifier on raw pixels by several points: D, trained only to
# tell real from fake and never shown a label, has learned features in which
# digit classes are easier to separate. The random-D row is the control most
# write-ups skip: random convolutional features, max-pooled, are already
# better than pixels, so much of the gain is the architecture alone. In our
# `cpu` run (81% for the trained D, 78% for a random one, 72% for pixels, with
# spreads of 1-2 points over label draws), adversarial training adds a few
# points on top of the architecture: a real gain, but not the bulk of it.
#
# ## What the paper showed and what we see
#
# | claim (paper) | this chapter (`cpu` profile) |
# |---|---|
# | the guidelines make convolutional GANs train stably (Sec. 3-4) | trained with the paper's settings unchanged (and the official MNIST code's dense layers), at half the paper's width; losses settle within a few hundred steps |
# | better samples than earlier GANs | Frechet distance a fraction of the 2014 GAN's at the same training time; the reference scores about nine tenths of real data's classifier score, every class present |
# | smooth latent walks, no memorisation (Sec. 6.1) | walks without jumps (measured above) |
# | vector arithmetic on averaged $z$ (Sec. 6.3) | a "bold" direction from averages thickens strokes, but is entangled with the digit's class |
# | D's features are good for classification (82.8% on CIFAR-10, Sec. 5.1) | with 100 MNIST labels, D's features beat raw pixels clearly (81% vs 72%), a random D's features by a few points (78%) |
#
# ## When to use it
#
# DCGAN is the baseline architecture for images: the survey's advice is to
# use it whenever you generate images at small to moderate resolution (up to
# about 64x64) and want a stable, well-understood starting point; most later
# GANs in this book keep its convolutional layout and change the loss or the
# training schedule. Move on when the images are larger (ProGAN, chapter 9),
# when training still collapses (WGAN-GP, chapter 7), or when you need control
# over what is generated (conditional GAN and InfoGAN, chapters 4 and 5).
#
# ## Exercises
#
# ```{exercise} Break one guideline
# :label: ex-dcgan-guideline
# Break one guideline at a time: put batch norm on G's output
# (`_g_block(..., bn=True)` for the last layer, in a copy of the module) or use
# $\beta_1 = 0.9$ (`build_model("dcgan", mnist, profile=nb.profile, beta1=0.9)`),
# train for the same budget, and compare the metrics table and $D$'s mean
# outputs.
# ```
#
# ```{solution} ex-dcgan-guideline
# :class: dropdown
# With $\beta_1 = 0.9$ our `cpu` run (800 steps, seed 0) collapsed: two classes
# present, a classifier score of 1.1 and a recall of 0, against ten classes,
# 6.7 and 0.53 for the same run at the paper's 0.5. The training curves show
# it coming: $D$'s mean output on generated digits fell steadily, to 0.19 at
# the end, while with $\beta_1 = 0.5$ it settled around 0.33. A larger
# $\beta_1$ averages the gradient over more past steps, so each player keeps
# moving in the direction that was right for the opponent as it *was*; in a
# game that is the oscillation the paper reports (Sec. 4). Batch norm on G's
# output we did not run; the paper says that batch norm on every layer
# "resulted in sample oscillation and model instability" (Sec. 3). Such a
# layer fixes, through its gain and bias, each channel's mean and spread over
# the batch, so G can no longer choose how much ink a batch of digits has, and
# every sample depends on the others in its batch.
# ```
#
# ```{exercise} A "slant" direction
# :label: ex-dcgan-slant
# Find a "slant" direction the way we found "bold" (hint: the horizontal
# offset of the ink's centre between the top and bottom halves of the image
# measures slant) and show that it composes with "bold".
# ```
#
# ```{solution-start} ex-dcgan-slant
# :class: dropdown
# ```

# %%
def slant(x):
    """Horizontal position of the ink's centre in the top half minus in the bottom half (pixels; > 0: leans right)."""
    ink_map = (x + 1) / 2  # (N, 1, 28, 28), ink in [0, 1]
    cols = torch.arange(x.shape[-1], dtype=ink_map.dtype)

    def centre(part):  # (N, 1, h, 28) -> (N,): the ink-weighted mean column
        w = part.sum(dim=(1, 2))
        return (w * cols).sum(1) / w.sum(1).clamp_min(1e-6)

    return centre(ink_map[:, :, :14]) - centre(ink_map[:, :, 14:])


lean = style_direction(z_all, slant(x_all), label)  # the same recipe as "bold", with slant as the style
control = torch.randn(lean.shape, generator=torch.Generator().manual_seed(13))
control = control * lean.norm() / control.norm()  # a random direction of the same length
base = push(z_check, 0.0)
moves = {"bold": bold, "slant": lean, "slant + bold": lean + bold, "random": control}
style_table = pd.DataFrame({name: {"slant change (pixels)": float((slant(x) - slant(base)).mean()),
                                   "ink change": float(((x - base) / 2).flatten(1).mean(1).mean())}
                            for name, x in ((name, push(z_check + d, 0.0)) for name, d in moves.items())}).T
columns = [push(z_all[shown] + d, 0.0) for d in (0.0, bold, lean, lean + bold)]  # each (8, 1, 28, 28)
viz.show_images(torch.stack(columns, 1).flatten(0, 1), nrow=4, size=4, title="z, z + bold, z + slant, z + slant + bold")
plt.show()
if nb.quality_checks:  # what the answer below says
    sc, ic = style_table["slant change (pixels)"], style_table["ink change"]
    assert sc["slant"] > 2 and sc["slant"] > 2 * abs(sc["random"]), sc  # a slant direction
    assert sc["slant + bold"] > 0.8 * sc["slant"], sc  # the lean survives adding "bold"...
    assert ic["slant + bold"] - ic["slant"] > 0.5 * ic["bold"], ic  # ...and "bold" still adds ink
style_table.round(3)

# %% [markdown]
# The slant direction tilts the digits: on 1,000 samples the top half's ink
# moves about four pixels to the right of the bottom half's, several times
# more than along a random direction of the same length, with only a small
# change in the amount of ink. Added together with "bold", each keeps its effect: the
# lean is nearly that of "slant" alone, and the ink grows by about what "bold"
# adds, so the two styles compose as the paper's faces did. Like "bold",
# "slant" is entangled with the class: look for digits in the grid that
# become others as they lean.
#
# ```{solution-end}
# ```
#
# ```{exercise} More labels
# :label: ex-dcgan-labels
# Repeat the feature experiment with 1,000 labels instead of 100
# (`few_label_accuracy(f, n_per_class=100)`). Does the gap between D's
# features and raw pixels grow or shrink, and why?
# ```
#
# ```{solution} ex-dcgan-labels
# :class: dropdown
# Every row improves, and the gaps shrink, the one that matters most the
# fastest. In our `cpu` run (800 steps, five label draws) the accuracies went
# from 72% / 77% / 81% (raw pixels / random D / trained D) with 100 labels to
# 86% / 94% / 95% with 1,000: the trained D still leads raw pixels by about
# eight points, but its lead over a *random* D fell from four points to one.
# With more labels, the linear classifier needs less help from its features:
# what adversarial training adds on top of the architecture is worth most
# when labels are scarce, which is the semi-supervised setting of the next
# chapter.
# ```
#
# ```{exercise} The guideline taken literally
# :label: ex-dcgan-dense
# Take the guideline literally at 28x28: train
# `build_model("dcgan", mnist, profile=nb.profile, dense=0)` (or
# `gans-edu train dcgan --set dense=0`) for the same steps and compare its
# metrics table and class shares with the model above. Which of the two
# networks has more parameters, and is that the whole story?
# ```
#
# ```{solution} ex-dcgan-dense
# :class: dropdown
# The networks with the dense layers are much larger: in the `cpu` profile
# 0.86 million weights in G and 0.84 million in D, against 0.35 million and
# 0.04 million without them (`num_parameters()`); nearly all of D's weights
# sit in its dense layer. The all-convolutional pair also trains worse: in
# our measurements (see the [lab notes](lab_notes.md)) it reached about 70%
# of real data's classifier score after 3,000 steps, with the rarest class
# under 3% of the samples. But size is not the whole story: wider
# convolutions, which add weights too, helped less than the dense layers. At
# 28x28 a D of two convolutions sees only 7x7 maps at its end; the dense layer
# lets it combine the whole digit before it decides, and G's dense layer does
# the same for the layout of the strokes it will draw.
# ```
