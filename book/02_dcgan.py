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
from gans_edu.models.dcgan import DCGAN, DCGANConfig, default_steps
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
# \max_D \; \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))], \qquad
# \min_G \; -\mathbb{E}_z[\log D(G(z))].
# $$
#
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
# all-convolutional networks. It matters a great deal on our budget: the
# all-convolutional 28x28 networks (`--set dense=0`) reached only about 70% of
# real data's classifier score in the `cpu` profile, with the rarest class under
# 3% of the samples (exercise 4 lets you see it).

# %%
mnist = load_dataset("mnist")
model = build_model("dcgan", mnist, profile=nb.profile, device=nb.device)
print(model.G)
print(model.D)
print("parameters:", model.num_parameters())

big = DCGAN(DCGANConfig(), (3, 64, 64))  # the paper's 64x64 setting, e.g. for faces (needs a GPU to train)
print("64x64 configuration:", big.num_parameters(), "->", tuple(big.G(big.noise(2)).shape))

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
assert run.steps == steps and np.isfinite([r["g_loss"] for r in run.history]).all()

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

n_eval = nb.pick(smoke=500, cpu=2000, gpu=10000)
report = evaluate(model.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
gan_report = evaluate(gan.sample(n_eval, generator=torch.Generator().manual_seed(2)), "mnist")
compare_table({"DCGAN": report, "GAN (2014), same time": gan_report}).round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
viz.show_images(model.sample(64, generator=torch.Generator().manual_seed(5)), nrow=8, ax=axes[0], title="DCGAN")
viz.show_images(gan.sample(64, generator=torch.Generator().manual_seed(5)), nrow=8, ax=axes[1],
                title=f"GAN (2014), {gan_run.seconds:.0f} s")
plt.show()

# %%
m, real = report["model"], report["real"]
print(f"classifier score {m['classifier_score']:.2f} vs real {real['classifier_score']:.2f} "
      f"({m['classifier_score'] / real['classifier_score']:.0%}); smallest class share {m['min_class_share']:.1%}; "
      f"Frechet distance {m['frechet_distance']:.1f} vs GAN {gan_report['model']['frechet_distance']:.1f}")
if nb.quality_checks:
    g = gan_report["model"]
    assert m["frechet_distance"] < 0.7 * g["frechet_distance"], (m, g)  # clearly below the 2014 GAN's
    assert m["recall"] > g["recall"] and m["classifier_score"] > g["classifier_score"], (m, g)
    assert m["classes_present"] >= 9 and m["classifier_score"] >= 0.6 * real["classifier_score"], (m, real)

# %% [markdown]
# At the same training time, DCGAN's Frechet distance is a fraction of the
# 2014 GAN's, and its recall (the share of real digits that have a generated
# digit nearby) and classifier score are far higher. A run this short still
# leaves its digits rough and some classes rarer than others; the reference
# below shows where the same recipe goes with more steps.
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

# %%
rd, rg = ref_reports["DCGAN"]["model"], ref_reports["GAN (2014)"]["model"]
print(f"DCGAN reference: classifier score {rd['classifier_score']:.2f} ({rd['classifier_score'] / real['classifier_score']:.0%} "
      f"of real), rarest class {rd['min_class_share']:.1%}, Frechet distance {rd['frechet_distance']:.0f} "
      f"(GAN reference {rg['frechet_distance']:.0f})")
if nb.quality_checks:  # nine tenths of real digits' score, every class, and far closer to real digits than the GAN
    assert rd["classifier_score"] >= 0.9 * real["classifier_score"] and rd["min_class_share"] >= 0.05, rd
    assert rd["frechet_distance"] < 0.3 * rg["frechet_distance"], (rd, rg)

# %% [markdown]
# With three times the live run's steps, DCGAN's samples are hard to tell
# from real digits by the classifier's score, and their Frechet distance is a
# small fraction of the 2014 GAN's reference, which had more steps still.
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
assert walk_images.shape == (6 * frames, 1, 28, 28)
if nb.quality_checks:
    assert float(jump.max()) < 0.5  # no single step carries half of a walk's change

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

# %%
assert grid.shape == (8 * len(alphas), 1, 28, 28)
if nb.quality_checks:
    assert all(a < b for a, b in zip(ink_by_alpha, ink_by_alpha[1:])), ink_by_alpha  # bolder and bolder
    assert ink_bold > 3 * abs(ink_rand), (ink_bold, ink_rand)  # a style direction, not just any step in z

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

# %%
acc = {k: v[0] for k, v in rows.items()}
assert all(0 <= a <= 1 for a in acc.values())
if nb.quality_checks:
    assert acc["trained D features"] > acc["raw pixels"] + 0.03, acc

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
# 1. Break one guideline at a time: put batch norm on G's output
#    (`_g_block(..., bn=True)` for the last layer) or use $\beta_1 = 0.9$
#    (`build_model("dcgan", mnist, beta1=0.9)`), train for the same budget, and
#    compare the metrics table.
# 2. Find a "slant" direction the way we found "bold" (hint: the horizontal
#    offset of the ink's centre between the top and bottom halves of the image
#    measures slant) and show that it composes with "bold".
# 3. Repeat the feature experiment with 1,000 labels instead of 100. Does the
#    gap between D's features and raw pixels grow or shrink, and why?
# 4. Take the guideline literally at 28x28: train
#    `build_model("dcgan", mnist, profile=nb.profile, dense=0)` (or
#    `gans-edu train dcgan --set dense=0`) for the same steps and compare its
#    metrics table and class shares with the model above. Which of the two
#    networks has more parameters, and is that the whole story?
