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
# # 4. Conditional GAN: asking for a digit
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/04_cgan.ipynb)
#
# A GAN trained on MNIST draws *some* digit; which one is up to the noise. The
# survey this book started from puts the conditional GAN in one line: it uses
# the label information to improve image quality **and to control what the
# images look like** {cite}`perarnau2017fantastic`. The idea of Mirza and
# Osindero {cite}`mirza2014cgan` is as simple as ideas get: give the label $y$
# to *both* networks. The generator gets $(z, y)$ and must draw a digit of class
# $y$; the discriminator gets $(x, y)$ and judges the *pair*: a beautiful 3
# presented as a 7 is fake. So the generator cannot ignore $y$: a sample that
# does not match its label is caught, however real it looks.
#
# This chapter trains a conditional GAN on MNIST, lets you pick the digit and
# the noise, and checks the one claim that matters: ask for a 7, get a 7. A
# short live run shows the label taking hold; a reference run, trained once
# for longer and shipped with the book, shows how far the same recipe goes.

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

from gans_edu import notebook, references, viz, widgets
from gans_edu.data import load_dataset
from gans_edu.metrics import compare_table, evaluate, metrics_table
from gans_edu.metrics.classifier import classify
from gans_edu.models import build_model
from gans_edu.models.cgan import CGAN, DEFAULT_ARCH
from gans_edu.train import fit

nb = notebook.setup("Chapter 4: conditional GAN")
mnist = load_dataset("mnist")

# %% [markdown]
# ## The objective
#
# The 2014 value function with every term conditioned on $y$ (Eq. 2 of the paper):
#
# $$
# \begin{aligned}
# \min_G \max_D \; V(D, G) = {} & \mathbb{E}_{(x, y) \sim p_\text{data}}[\log D(x \mid y)] \\
#   & + \mathbb{E}_{z \sim p_z,\, y \sim p_y}[\log(1 - D(G(z \mid y) \mid y))].
# \end{aligned}
# $$
#
# Nothing else changes: D and G alternate, one step each, and G uses the
# non-saturating loss $-\log D(G(z \mid y) \mid y)$ (chapter 1). Two details
# decide whether the label really works:
#
# * **real digits reach D with their own labels**, generated digits with the
#   label G was asked for; pairing a fake with a fresh random label is no
#   longer Eq. 2: D can then call a pair fake from the mismatch alone
#   (the first exercise shows what that does);
# * the labels asked of G are drawn like the data's (here uniformly: MNIST's
#   classes are balanced).
#
# The tests in `tests/models/test_cgan.py` check both, by recording what each
# network receives during a training step. Here is the step; its two losses
# are chapter 1's `discriminator_loss` and `generator_loss`, called with the
# label beside every image:

# %% tags=["remove-input"]
notebook.show_source(CGAN.train_step)

# %% [markdown]
# ## The networks
#
# The paper's MNIST networks (Sec. 4.1) are MLPs, `arch="mlp"`:
#
# * **G**: $z$ (100 numbers, uniform in the unit cube) $\to$ 200 ReLU units;
#   $y$ (one-hot) $\to$ 1,000 ReLU units; both joined $\to$ 1,200 ReLU units
#   $\to$ 784 pixels;
# * **D**: $x \to$ a maxout layer (240 units, 5 pieces), $y \to$ maxout (50
#   units, 5 pieces), joined $\to$ maxout (240 units, 4 pieces) $\to$ the
#   probability that the pair is real; dropout 0.5.
#
# The book adds a convolutional variant, `arch="conv"`: the DCGAN-style MNIST
# networks of chapter 5 (two strided convolutions in D, two transposed ones in
# G, batch norm, Adam at $2 \cdot 10^{-4}$), with the one-hot label appended to
# $z$ in G, and in D given as 10 constant image channels and again next to the
# dense layer. Open `gans_edu/models/cgan.py` beside this page; both variants
# are there, switched by `arch`.

# %%
arch = DEFAULT_ARCH[nb.profile]
other = "mlp" if arch == "conv" else "conv"
for a in (arch, other):
    m = build_model("cgan", mnist, profile=nb.profile, arch=a)
    print(f"arch={a}: parameters {m.num_parameters()}, optimiser {m.config.optimizer} lr {m.config.lr}")

# %% [markdown]
# ## Training
#
# Every profile trains the convolutional variant: it learns the label within
# minutes on a CPU, while the paper's MLPs did not learn at this budget (why
# the default is what it is: [lab notes](lab_notes.md)). The cpu profile
# trains it for 300 steps, about a minute: enough for the rows to become
# different digits, not enough for clean ones (the reference run at the end
# of the chapter has the long version).
#
# The snapshots record a fixed grid: row $k$ asks for digit $k$, and each
# column keeps one noise vector $z$ for every row. A working conditional GAN
# gives rows of one digit each, and columns that share a *style* (slant,
# thickness) across digits, because the style is all that is left for $z$ to
# carry.

# %%
steps = nb.pick(smoke=20, cpu=300, gpu=20000)
notebook.budget(steps, variant=arch)

COLS = 10
grid_labels = torch.arange(10).repeat_interleave(COLS)  # rows = classes


def class_grid(model, seed=0, cols=COLS):
    """Samples for a (class x noise) grid: row k asks for digit k, column j reuses noise z_j."""
    z = model.noise(cols, generator=torch.Generator().manual_seed(seed)).repeat(10, 1)  # (10*cols, z_dim)
    labels = torch.arange(10).repeat_interleave(cols)
    with model.eval_mode():
        return model.generate(z.to(model.device), labels.to(model.device)).cpu()


model = build_model("cgan", mnist, profile=nb.profile, device=nb.device, arch=arch)
run = fit(model, mnist, steps=steps, seed=nb.seed, snapshot_every=max(1, steps // 20), snapshot_fn=class_grid,
          desc=f"cgan-{arch}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
viz.plot_losses(run.history, ["d_loss", "g_loss"], title="losses", ax=axes[0])
viz.plot_losses(run.history, ["d_real", "d_fake"], title="D's average output", ax=axes[1])
plt.show()

# %% [markdown]
# ## Rows are classes, columns are noise
#
# The grid below is the main picture of this chapter. Read it by rows (is each
# row one digit?) and by columns (does the same $z$ give the same style?).

# %%
final = class_grid(model)
fig = viz.show_images(final, nrow=COLS, title="row k: digit k asked for; column j: one noise vector", size=6)
plt.show()

# %% tags=["hide-input"]
assert run.steps == steps and len(run.snapshots) >= 2
assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in run.history)
assert final.shape == (10 * COLS, 1, 28, 28)
notebook.checked(f"{run.steps} steps with finite losses, {len(run.snapshots)} snapshots, a 10 x {COLS} class grid")

# %% [markdown]
# The timelapse plays the same grid through training: first blobs, then
# blobs that differ *by row* (the label is learned early, because D checks it
# from the start), then digits.

# %%
viz.timelapse(run.snapshots, draw=lambda ax, f: ax.imshow(viz.to_grid(f, COLS), cmap="gray", vmin=0, vmax=1))

# %% [markdown]
# ## Pick the digit, pick the noise
#
# With a live kernel, the first slider picks the digit (eight noise vectors
# each); the second picks a noise vector and shows it under every label, so
# you can see the style travel across digits. Under each slider, the static
# figure shows the same thing for the printed book.

# %%
NOISE = model.noise(64, generator=torch.Generator().manual_seed(7))


def digit_view(k):
    with model.eval_mode():
        x = model.generate(NOISE[:8].to(model.device), torch.full((8,), k, device=model.device)).cpu()
    return viz.show_images(x, nrow=8, title=f"digit {k}, noise vectors 0-7", size=5)


def noise_view(j):
    with model.eval_mode():
        x = model.generate(NOISE[j : j + 1].repeat(10, 1).to(model.device), torch.arange(10, device=model.device))
    return viz.show_images(x.cpu(), nrow=10, title=f"noise vector {j}, digits 0-9", size=6)


display(widgets.slider(list(range(10)), digit_view, description="digit"))
display(widgets.slider(list(range(len(NOISE))), noise_view, description="noise"))
fig, axes = plt.subplots(1, 2, figsize=(9.5, 2.2))
viz.show_images(class_grid(model, seed=7, cols=8)[7 * 8 : 8 * 8], nrow=8, ax=axes[0], title="static: digit 7")
viz.show_images(class_grid(model, seed=7, cols=1), nrow=10, ax=axes[1], title="static: noise vector 0, digits 0-9")
plt.show()

# %% [markdown]
# ## Measuring control
#
# The project's MNIST classifier (trained on real digits, see chapter 0) reads
# every generated digit; *class accuracy* is the share it reads as the class
# that was asked for. Real training digits, scored the same way against their
# true labels, give the baseline. The other metrics are those of every
# chapter, in the classifier's feature space.
#
# The same number comes from the command line, which is how the book's figures
# are measured:
#
# ```bash
# gans-edu train cgan --out runs/cgan          # the profile's default variant
# gans-edu sample runs/cgan --n 100 --label 7 --out sevens.npz   # x: 100 sevens, y: 7s
# gans-edu evaluate runs/cgan                  # asks for every class equally
# ```

# %%
n_eval = nb.eval_n
labels = torch.arange(n_eval) % 10
samples = model.sample(n_eval, labels=labels, generator=torch.Generator().manual_seed(1))
report = evaluate(samples, "mnist", labels=labels)
metrics_table(report, f"cGAN ({arch})").round(3)

# %% tags=["hide-input"]
acc = report["model"]["class_accuracy"]
print(f"class accuracy after {run.steps} steps: {acc:.1%} (chance: 10%; real digits: "
      f"{report['real']['class_accuracy']:.1%}); classes present: {report['model']['classes_present']:.0f}")
sevens = model.sample(50, labels=torch.full((50,), 7), generator=torch.Generator().manual_seed(2))
assert sevens.shape == (50, 1, 28, 28) and 0 <= acc <= 1
if nb.quality_checks:  # the label has taken hold: far above chance, every class drawn
    assert acc >= 0.45, report["model"]
    assert report["model"]["classes_present"] == 10, report["model"]
    notebook.checked(f"class accuracy {acc:.0%} (chance 10%), all ten classes drawn")
else:
    notebook.checked("class accuracy is a share; a class can be asked for")

# %% [markdown]
# A short run gets the label right more often than not, but far from always.
# Where does the model miss? The confusion matrix (rows: class asked for;
# columns: class the classifier reads) shows which digits it confuses.

# %%
_, probs = classify(samples)
confusion = pd.crosstab(pd.Series(labels.numpy(), name="asked"), pd.Series(probs.argmax(1).numpy(), name="read"))
confusion

# %% [markdown]
# ## After longer training
#
# The same recipe (the convolutional variant, the cpu profile's widths, seed
# 0) trained once for 5,000 steps and shipped with the book. The class grid
# is the chapter's main picture again: one digit per row, one style per
# column.

# %%
ref = nb.reference("cgan")
fig = viz.show_images(class_grid(ref.model), nrow=COLS, size=6,
                      title=f"reference, {ref.card['steps']:,} steps: row k asks for digit k, column j: one noise vector")
plt.show()
fig, ax = plt.subplots(figsize=(9.5, 2.8))
viz.plot_losses(ref.history, ["d_real", "d_fake"], title="the reference's D: average output over its training", ax=ax)
plt.show()

# %% [markdown]
# Measured the same way as the live run (the project's classifier reads every
# generated digit), beside it:

# %%
report_ref = references.evaluate_model(ref.model, "mnist", n=n_eval)
compare_table({f"live run ({run.steps:,} steps)": report,
               f"reference ({ref.card['steps']:,} steps)": report_ref}).round(3)

# %% [markdown]
# Ask for a 7, get a 7: the reference's class accuracy is close to real
# digits'. The calibration columns place the rest. By Frechet distance the
# reference lies close to real data, far closer than the blurred real digits
# (the measure's blind spots are chapter 1's subject and chapter 11's); the
# short live run lies beyond the blurred copy, its digits still rough.

# %% tags=["hide-input"]
acc_ref = report_ref["model"]["class_accuracy"]
fd_ref, fd_live = report_ref["model"]["frechet_distance"], report["model"]["frechet_distance"]
fd_blur = report_ref["calibration"]["blurred real digits"]["frechet_distance"]
print(f"class accuracy: reference {acc_ref:.1%}, live run {acc:.1%}, real digits {report_ref['real']['class_accuracy']:.1%}")
print(f"Frechet distance: reference {fd_ref:.0f}, live run {fd_live:.0f}, blurred real digits {fd_blur:.0f}, "
      f"real digits {report_ref['real']['frechet_distance']:.1f}")
assert ref.card["model"] == "cgan" and 0 <= acc_ref <= 1
if nb.quality_checks:  # ask for a 7, get a 7: at least 95% of the digits are read as the class asked for
    assert acc_ref >= 0.95, report_ref["model"]
    assert report_ref["model"]["classes_present"] == 10, report_ref["model"]
    assert fd_ref < fd_blur < fd_live, (fd_ref, fd_blur, fd_live)
    notebook.checked(f"the reference draws the class asked for {acc_ref:.1%} of the time, all ten classes",
                     f"Frechet distance: reference {fd_ref:.0f} < blurred real digits {fd_blur:.0f} < live run {fd_live:.0f}")
else:
    notebook.checked("the reference is a cgan and its class accuracy is a share")

# %% [markdown]
# ## The paper's MLP
#
# The paper's own networks are the MLPs (`arch="mlp"`). Trained with Adam
# for 1,000 steps, four times the live run above, they learned nothing
# useful here: their samples ignored the noise (every column of a row the
# same speckled blob) and the classifier read none of them as the class
# asked for. The paper trained them far longer, with a learning-rate
# schedule and weight-norm limits we leave out (the last exercise). To see
# it for yourself:
#
# ```bash
# gans-edu train cgan --set arch=mlp --steps 1000 --out runs/cgan-mlp
# gans-edu evaluate runs/cgan-mlp
# ```

# %% [markdown]
# ## What the paper showed and what we see
#
# The paper reports a Parzen-window log-likelihood of 132 ± 1.8 on MNIST for
# its conditional MLPs, below the 225 of the unconditional GAN, and calls the
# result a proof of concept; its figure shows rows of digits, one class per
# row. The measurable claim is control, and we measure it directly: the
# table above gives the share of generated digits that the project's
# classifier reads as the class asked for, next to what real digits get.
#
# What we see on a CPU: the convolutional variant learns the label first.
# After the live run's 300 steps about half of its digits are read as the
# class asked for (chance: 10%), and the reference reads 98.7% after 5,000
# steps (real digits: 99.95%), with a Frechet distance of 22 where real
# digits score 8. The paper's MLPs need a careful optimiser and more than
# our budget (the paper's plain SGD diverged here; with Adam they had not
# started drawing digits after 1,000 steps). We deviate from the paper in four places, all said in
# `gans_edu/models/cgan.py`: images in $[-1, 1]$ with a tanh output, Adam in
# place of SGD, no learning-rate decay or momentum ramp, and the convolutional
# variant as the default.
#
# ## When to use it
#
# The survey's advice {cite}`perarnau2017fantastic`: use a conditional GAN
# when you have labels and want to *control* what is generated, or when the
# labels can help the generator (a class to aim at makes each sub-problem
# simpler). The condition does not have to be a class: it can be a
# sentence (text-to-image GANs such as StackGAN, which the survey discusses),
# an attribute vector, or a whole image (image-to-image translation, chapter
# 10's neighbours). If you have no labels but still want control, read the
# next chapter: InfoGAN finds a class-like code on its own.
#
# ## Exercises
#
# ```{exercise} A label that does not match
# :label: ex-cgan-label
# Pair each fake with a *fresh* random label in D's step (copy
# `CGAN.train_step` and change one line). What happens to class accuracy
# after the live run's 300 steps, and why does the test
# `test_train_step_pairs_every_image_with_its_label` fail?
# ```
#
# ```{solution} ex-cgan-label
# :class: dropdown
# Class accuracy does not fall; it rises. In a 300-step run of the cpu
# profile (seed 0) the changed step drew the class asked for 87% of the
# time, the correct step 56%. The change hands D a shortcut: nine fakes in
# ten now reach it with a label that does not match the image, and no real
# digit ever does, so D learns that a mismatch means "fake", and G, judged
# with its own label, is pushed hard to match it. But the game is no longer
# Eq. 2. D's fake term now compares real (image, label) pairs with G's
# images under *independent* labels, so even a perfect generator,
# $p_g(x, y) = p_\text{data}(x, y)$, does not leave D at 1/2: a clean digit
# with its own label would still score about $1 / (1 + 0.1) \approx 0.91$,
# and G keeps being pushed away from the data. The test fails with "D judged
# a fake with another label than G's": it pins down Eq. 2 as written,
# whatever a shortcut does to a short run.
# ```
#
# ```{exercise} A digit between 3 and 8
# :label: ex-cgan-between
# Ask the reference model for a digit "between" 3 and 8: copy
# `ConvGenerator.forward` so that it takes a soft label, say
# $0.5 \cdot e_3 + 0.5 \cdot e_8$, in place of the one-hot vector. What comes
# out, and does the project's classifier hesitate between the two classes?
# ```
#
# ```{solution-start} ex-cgan-between
# :class: dropdown
# ```

# %%
def generate_soft(G, z, y):
    """ConvGenerator.forward with a label vector y (B, 10) given as it is, instead of a one-hot."""
    h = G.dense(torch.cat([z, y], 1)).view(-1, 2 * G.c, G.side, G.side)  # (B, 2c, 7, 7)
    return G.up(h)  # (B, 1, 28, 28)


n_soft = nb.pick(smoke=100, cpu=500, gpu=500)
z_soft = ref.model.noise(n_soft, generator=torch.Generator().manual_seed(4)).to(ref.model.device)
mix_rows, mix_images = {}, []
for w in (0.0, 0.25, 0.5, 0.75, 1.0):  # the weight of the 8
    y_soft = torch.zeros(n_soft, 10, device=ref.model.device)
    y_soft[:, 3], y_soft[:, 8] = 1 - w, w
    with torch.no_grad(), ref.model.eval_mode():
        x_soft = generate_soft(ref.model.G, z_soft, y_soft).cpu()
    _, p_soft = classify(x_soft)
    read_soft = p_soft.argmax(1)
    mix_rows[f"{1 - w:.2f} e3 + {w:.2f} e8"] = {
        "read as 3": float((read_soft == 3).float().mean()), "read as 8": float((read_soft == 8).float().mean()),
        "read as another digit": float(((read_soft != 3) & (read_soft != 8)).float().mean()),
        "classifier below 90% sure": float((p_soft.max(1).values < 0.9).float().mean())}
    mix_images.append(x_soft[:10])
viz.show_images(torch.cat(mix_images), nrow=10, size=6, title="rows: from e3 (top) to e8 (bottom); column j: noise j")
plt.show()
mix = pd.DataFrame(mix_rows).T
if nb.quality_checks:  # what the answer below says
    half = mix.loc["0.50 e3 + 0.50 e8"]
    assert half["read as 3"] > 0.15 and half["read as 8"] > 0.15, half
    assert half["read as 3"] + half["read as 8"] > 0.8 and half["classifier below 90% sure"] < 0.3, half
    assert mix.iloc[0]["read as 3"] > 0.9 and mix.iloc[-1]["read as 8"] > 0.9, mix
mix.round(3)

# %% [markdown]
# Not a blend: a 3 or an 8. At the half-and-half label the classifier reads
# most samples as one of the two digits (in the cpu profile, 60% as 3s and
# 31% as 8s), and it barely hesitates: only about one sample in six leaves it
# less than 90% sure. Each noise vector falls to one side, and the switch
# happens between a quarter and three quarters of $e_8$. G only ever saw
# one-hot labels; between them it is free to do anything, and what it does
# is pick a class, with a few shapes on the way that are neither.
#
# ```{solution-end}
# ```
#
# ```{exercise} The paper's MLP
# :label: ex-cgan-mlp
# Make the paper's MLP (`arch="mlp"`) work: try `g_dropout=0`, uniform
# noise centred on 0, or the paper's SGD (`optimizer="sgd", lr=0.1`) with a
# cap on the norm of D's weight vectors, as its original code had. How many
# steps does the MLP need to reach 95% class accuracy?
# ```
#
# ```{solution} ex-cgan-mlp
# :class: dropdown
# This one is open: we have no setting that gets there on a CPU budget.
# What we measured is the starting point. The paper's SGD at learning rate
# 0.1 without the weight-norm cap gave NaN losses within 50 to 100 steps, so
# the cap is the first thing to add (after each D step, rescale every
# maxout weight vector whose norm exceeds a limit, as pylearn2's
# `max_col_norm` did). With Adam ($2 \cdot 10^{-4}$, $\beta_1 = 0.5$) the
# MLPs trained without diverging but still ignored the noise after 1,000
# steps (class accuracy 0%). A sample that ignores $z$ is collapse within
# each class: watch the columns of the class grid, which should differ,
# before you watch class accuracy. The paper trained far longer, with a
# decaying learning rate and a momentum ramp from 0.5 to 0.7, like chapter
# 1's official schedule.
# ```
