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
# # 11. Measuring GANs
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gans-edu/gans-edu/blob/main/book/11_measuring.ipynb)
#
# Every chapter so far ended with a table of numbers: a Frechet distance, a
# KID, a classifier score, precision and recall, and, for the toys, modes
# covered. A GAN gives samples, not probabilities, so each of these numbers
# compares a *set* of samples with a set of real data, and each one looks at
# that comparison from one angle only. This chapter puts every metric of the
# book on the page once, formula beside code, and then builds for each one a
# case it gets wrong: a set of samples that is clearly bad in a way the
# number does not see, or clearly fine in a way the number punishes.
#
# The chapter answers these questions, all with data built in front of you,
# in this order:
#
# 1. **What does each number compute?** The formula and the function that
#    implements it, for every metric the book uses.
# 2. **Can a near-perfect Frechet distance come from a generator that
#    generates nothing new?** Yes: a memorised training set scores like real
#    data. A nearest-neighbour distance exposes it.
# 3. **What do the classifier score and precision/recall see, and what
#    not?** Missing classes, repeated digits, blur.
# 4. **How much do the numbers depend on the sample size**, and why is KID
#    built differently from the Frechet distance?
# 5. **Why is the book's Frechet distance so large for digits that look
#    good?** The same samples in three feature spaces.
# 6. **What do the metrics without a classifier miss?** The sliced
#    Wasserstein distance, the Parzen window and mode coverage.
# 7. **How much does a number move if you only draw other samples?**
#
# At the end, torchmetrics' FID and KID, given the book's classifier as their
# feature network, reproduce the book's numbers.

# %% tags=["remove-cell"]
# Set-up: on Colab, install the book's library at the release this chapter was written for
# (elsewhere it is already installed and this cell does nothing; the built book leaves it out).
import sys

if "google.colab" in sys.modules:
    # %pip install -q "gans-edu @ git+https://github.com/gans-edu/gans-edu@v0.2.0"
    pass

# %%
import importlib.util
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance, maximum_mean_discrepancy, poly_kernel

from gans_edu import notebook, viz
from gans_edu.data import load_dataset
from gans_edu.metrics import evaluate
from gans_edu.metrics.classifier import classify, load_classifier
from gans_edu.metrics.image import blur, calibration, classifier_score, frechet_distance, kernel_distance
from gans_edu.metrics.image import precision_recall, summarise
from gans_edu.metrics.parzen import parzen_estimate, parzen_log_likelihood
from gans_edu.metrics.swd import sliced_wasserstein, sliced_wasserstein_distance
from gans_edu.metrics.toy import mode_coverage

nb = notebook.setup("Chapter 11: Measuring GANs")

# %% [markdown]
# ## The data every metric is measured against
#
# Every image metric in this book compares a set of samples with the **1,000
# held-out test digits** of the offline MNIST subset, and it does so in the
# 128-dimensional features of the project's own small MNIST classifier
# (`gans_edu/metrics/classifier.py`), not in an Inception network's. We load
# the 4,000 training digits and the test digits, and compute the classifier's
# features and class probabilities once; every constructed set below reuses
# them where it can.
#
# Two shipped reference runs give us samples from real generators: DCGAN
# (chapter 2, digits most readers would call good) and the 2014 GAN
# (chapter 1, grainier digits). We draw several sets of samples from the
# DCGAN reference and one from the 2014 GAN's; each set has its own fixed
# seed, so the numbers repeat.

# %%
train = load_dataset("mnist")
test = load_dataset("mnist", "test")
n_feat = min(len(train), nb.pick(smoke=500, cpu=4000, gpu=4000))  # training digits scored by the classifier
n = min(nb.pick(smoke=250, cpu=nb.eval_n, gpu=nb.eval_n), n_feat // 2)  # samples per set
x_train, y_train = train.x[:n_feat], train.y[:n_feat]
x_test = test.x[: nb.pick(smoke=500, cpu=1000, gpu=1000)]  # the digits every set is measured against
f_train, p_train = classify(x_train)
f_test, _ = classify(x_test)


def scores(feats, probs):
    """Every image metric of the book, for one set of samples, against the test digits."""
    return summarise(feats, probs, f_test)


refs = {"DCGAN": nb.reference("dcgan"), "GAN (2014)": nb.reference("gan-mnist")}
n_seeds = nb.pick(smoke=2, cpu=5, gpu=5)  # sample seeds of the DCGAN reference (section 7)
dcgan_x = [refs["DCGAN"].model.sample(n, generator=torch.Generator().manual_seed(s)).cpu() for s in range(n_seeds)]
dcgan_fp = [classify(x) for x in dcgan_x]
gan_x = refs["GAN (2014)"].model.sample(n, generator=torch.Generator().manual_seed(0)).cpu()
gan_fp = classify(gan_x)
print(f"{n_feat} training digits, {len(x_test)} test digits, {n} samples per set; "
      f"{n_seeds} sample seeds of the DCGAN reference")

# %% [markdown]
# ## 1. The metrics, one by one
#
# ### Frechet distance
#
# Fit a Gaussian to the features of the real digits (mean $\mu_r$,
# covariance $\Sigma_r$) and one to the features of the samples ($\mu_g$,
# $\Sigma_g$); the Frechet (2-Wasserstein) distance between the two Gaussians
# is
#
# $$
# \begin{aligned}
# \mathrm{FD} &= \lVert \mu_r - \mu_g \rVert^2 \\
#   &\quad + \operatorname{Tr}\big(\Sigma_r + \Sigma_g
#     - 2\,(\Sigma_r \Sigma_g)^{1/2}\big).
# \end{aligned}
# $$
#
# With Inception-v3 features this is Heusel et al.'s FID
# {cite}`heusel2017fid`; the book uses the same formula on its classifier's
# features. Lower is better, 0 only for identical Gaussians. The mean and
# covariance are estimated from the samples, so the number also depends on
# how many samples there are (section 4).

# %% tags=["remove-input"]
notebook.show_source(frechet_distance)

# %% [markdown]
# ### Kernel distance (KID)
#
# Binkowski et al.'s KID {cite}`binkowski2018kid` drops the Gaussian
# assumption. It is the squared *maximum mean discrepancy* between the two
# sets of features $x_i$ (real) and $y_j$ (samples), with a cubic polynomial
# kernel on $d$-dimensional features, estimated without bias on subsets of
# $m$ samples:
#
# $$
# \begin{aligned}
# k(a, b) &= \big(a^\top b / d + 1\big)^3, \\
# \widehat{\mathrm{MMD}}^2 &= \frac{1}{m(m-1)} \sum_{i \ne j}
#   \big[k(x_i, x_j) + k(y_i, y_j)\big] \\
#   &\quad - \frac{2}{m^2} \sum_{i, j} k(x_i, y_j).
# \end{aligned}
# $$
#
# Leaving out the $i = j$ terms is what makes the estimate unbiased: its
# average over many draws is the true MMD², whatever $m$ is. The book
# averages it over 20 random subsets of 500. The kernel and the estimate come
# from torchmetrics; the book's function draws the subsets:

# %% tags=["remove-input"]
notebook.show_source(kernel_distance, poly_kernel, maximum_mean_discrepancy)

# %% [markdown]
# ### Classifier score (the Inception Score's formula)
#
# Salimans et al.'s Inception Score {cite}`salimans2016improved` asks a
# classifier for $p(y \mid x)$ on each sample. Good samples get confident
# predictions (low entropy), and a varied set spreads over all classes (the
# marginal $p(y)$ has high entropy):
#
# $$
# \begin{aligned}
# \mathrm{CS} &= \exp\Big(\mathbb{E}_{x}\,
#   \mathrm{KL}\big(p(y \mid x) \,\|\, p(y)\big)\Big), \\
# p(y) &= \mathbb{E}_{x}\, p(y \mid x).
# \end{aligned}
# $$
#
# With ten classes it lies between 1 and 10. As in the paper, the samples are
# cut into 10 parts and the mean over parts is reported. Note what is not in
# the formula: real data. The score never compares the samples with anything.

# %% tags=["remove-input"]
notebook.show_source(classifier_score)

# %% [markdown]
# ### Precision and recall
#
# Kynkaanniemi et al. {cite}`kynkaanniemi2019pr` estimate the *support* of
# each set as a union of balls: around every point, a ball reaching its
# $k$-th nearest neighbour in the same set ($k = 3$). With real features
# $X = \{x_i\}_{i=1}^N$ and sample features $Y = \{y_j\}_{j=1}^M$:
#
# $$
# \begin{aligned}
# \mathrm{manifold}(X) &= \textstyle\bigcup_i
#   B\big(x_i,\ \lVert x_i - \mathrm{NN}_k(x_i) \rVert\big), \\
# \mathrm{precision} &= \tfrac{1}{M} \textstyle\sum_j
#   \mathbb{1}\big[y_j \in \mathrm{manifold}(X)\big], \\
# \mathrm{recall} &= \tfrac{1}{N} \textstyle\sum_i
#   \mathbb{1}\big[x_i \in \mathrm{manifold}(Y)\big].
# \end{aligned}
# $$
#
# Precision is meant to measure quality (samples that land where real data
# lives), recall variety (real data that the samples reach). Both are
# computed on as many samples as there are test digits.

# %% tags=["remove-input"]
notebook.show_source(precision_recall)

# %% [markdown]
# ### Sliced Wasserstein distance
#
# ProGAN's metric {cite}`karras2018progan` (chapter 9) needs no trained
# network at all. It cuts random $7 \times 7$ patches from every level of a
# Laplacian pyramid of each image, normalises them, and compares the two sets
# of patch descriptors $A$ and $B$ along random unit directions $\theta$: in
# one dimension the Wasserstein distance between two sets of $N$ numbers is
# the mean gap between their sorted values,
#
# $$
# \mathrm{SWD}(A, B) = \mathbb{E}_{\theta}\ \frac{1}{N} \sum_{i=1}^{N}
#   \big| (\theta^\top A)_{(i)} - (\theta^\top B)_{(i)} \big|,
# $$
#
# reported $\times 10^3$, one number per pyramid level.

# %% tags=["remove-input"]
notebook.show_source(sliced_wasserstein)

# %% [markdown]
# ### Parzen window log-likelihood
#
# The 2014 GAN paper's number (chapter 1): a Gaussian kernel density on
# $n$ samples $s_i$, with $\sigma$ chosen on validation digits, and the mean
# log-likelihood of the test digits under it,
#
# $$
# \log \hat p(x) = \log \frac{1}{n} \sum_{i=1}^{n}
#   \mathcal{N}(x;\, s_i,\, \sigma^2 I).
# $$

# %% tags=["remove-input"]
notebook.show_source(parzen_log_likelihood)

# %% [markdown]
# ### Mode coverage on the toys
#
# On the 2-D mixtures of chapter 0 we know the true modes $m_1, \dots, m_K$
# and their spread $\sigma$. Following Unrolled GAN and VEEGAN
# {cite}`metz2017unrolled,srivastava2017veegan`, a sample is *high quality*
# when it lies within $3\sigma$ of its nearest mode, and a mode is *covered*
# when it receives at least a tenth of its fair share of the $N$ samples:
#
# $$
# c_k = \#\big\{x :\ \textstyle\arg\min_l \lVert x - m_l \rVert = k,\
#   \min_l \lVert x - m_l \rVert \le 3\sigma\big\} \ \ge\ 0.1\, N / K.
# $$

# %% tags=["remove-input"]
notebook.show_source(mode_coverage)

# %% [markdown]
# ### The calibration copies
#
# Since none of these numbers has a natural scale, every table in the book
# prints, beside real data, two copies of real data with a known flaw:
# blurred digits (quality lost) and digits from half the classes (variety
# lost). They are made by these two functions:

# %% tags=["remove-input"]
notebook.show_source(blur, calibration)

# %% [markdown]
# ### Seven sets of samples
#
# Here are the sets this chapter takes apart, each of $n$ images, all scored
# against the same test digits:
#
# * **real digits**: training digits, the baseline every table prints;
# * **a memorised training set**: *other* training digits, returned as they
#   are, as a generator that has learned its data by heart would return them;
# * **blurred digits**: real digits under a Gaussian blur of 1 pixel;
# * **three classes missing**: real digits of classes 0 to 6 only;
# * **ten digits, repeated**: one real digit per class, each copied $n/10$
#   times;
# * samples of the **DCGAN** and **2014 GAN** references.

# %%
by_class = [torch.nonzero(y_train == c)[0, 0] for c in range(10)]  # the first digit of each class
keep7 = torch.nonzero(y_train < 7)[:, 0][:n]
ten = torch.stack(by_class).repeat(n // 10)
blurred_x = blur(x_train[:n]).clamp(-1, 1)
sets = {  # name -> (features, probabilities); the sets made of training digits reuse their features
    "real digits": (f_train[:n], p_train[:n]),
    "memorised training set": (f_train[n:2 * n], p_train[n:2 * n]),
    "blurred digits": classify(blurred_x),
    "three classes missing": (f_train[keep7], p_train[keep7]),
    "ten digits, repeated": (f_train[ten], p_train[ten]),
    "DCGAN reference": dcgan_fp[0],
    "GAN (2014) reference": gan_fp,
}
summary = {name: scores(*fp) for name, fp in sets.items()}
rows = {"frechet_distance": "Frechet distance", "kid": "KID", "classifier_score": "classifier score",
        "precision": "precision", "recall": "recall", "classes_present": "classes present"}
table = pd.DataFrame({name: {label: s[key] for key, label in rows.items()} for name, s in summary.items()}).T
table.round(2)

# %% tags=["hide-input"]
real, memo, blurred = summary["real digits"], summary["memorised training set"], summary["blurred digits"]
missing, ten_rep = summary["three classes missing"], summary["ten digits, repeated"]
dcgan, gan = summary["DCGAN reference"], summary["GAN (2014) reference"]
assert len(keep7) == n and len(ten) == n and all(np.isfinite(s["frechet_distance"]) for s in summary.values())
assert abs(frechet_distance(f_test, f_test)) < 1e-6  # a set against itself: 0
assert missing["classes_present"] == 7 and ten_rep["classes_present"] == 10
notebook.checked(f"{len(sets)} sets of {n} samples scored; a set against itself has Frechet distance 0")

# %% [markdown]
# ## 2. A memorised training set
#
# Read the first two columns of the table. The *memorised training set* is
# a generator that has learned nothing but a list: every sample is a training
# digit. By every number in the table it is as good as real data, because it
# *is* real data: the Frechet distance, KID, score, precision and recall all
# sit at the real-data baseline (its Frechet distance even a little below it,
# since the baseline is just another draw of training digits). None of these metrics asks whether a sample
# is new; they compare the samples with held-out test digits, which the
# training digits resemble exactly as much as real data should.
#
# A check that does ask is the distance from each sample to its **nearest
# training digit**, here in pixels. Held-out test digits show what "new but
# real" looks like; a copy sits at distance 0.

# %%
def nearest_train(x, chunk=500):
    """Pixel distance from each image to its nearest training digit, and that digit's index."""
    flat = train.x.flatten(1).double()  # double precision: a copy comes out at 0, not at rounding error
    d, i = zip(*[torch.cdist(c.flatten(1).double(), flat).min(1) for c in x.split(chunk)])
    return torch.cat(d), torch.cat(i)


nn_dist = {"held-out test digits": nearest_train(x_test), "memorised training set": nearest_train(train.x[n:2 * n]),
           "DCGAN reference": nearest_train(dcgan_x[0]), "GAN (2014) reference": nearest_train(gan_x)}
medians = {k: float(d.median()) for k, (d, _) in nn_dist.items()}
first_pct = {k: float(d.quantile(0.01)) for k, (d, _) in nn_dist.items()}  # the closest 1% of each set

fig = plt.figure(figsize=(9.5, 3.8), layout="constrained")
ax = fig.add_subplot(1, 2, 1)
bins = np.linspace(0, float(max(d.max() for d, _ in nn_dist.values())), 50)
for colour, (name, (d, _)) in zip(["C0", "C3", "C1", "C2"], nn_dist.items()):
    if medians[name] < 1e-3:  # every copy sits at 0: a line, not a histogram
        ax.axvline(0, color=colour, lw=3, label=f"{name} (all at 0)")
    else:
        ax.hist(d.numpy(), bins=bins, histtype="step", lw=2, density=True, color=colour,
                label=f"{name} (median {medians[name]:.1f})")
ax.set_ylim(0, 2.0 * ax.get_ylim()[1])  # room for the legend above the histograms
ax.set_xlabel("pixel distance to the nearest training digit")
ax.set_title("how far is each image\nfrom the training set?")
ax.legend(frameon=False, fontsize="small", loc="upper right")
closest = nn_dist["DCGAN reference"][0].argsort()[:8]  # the DCGAN samples most like a training digit
pairs = torch.cat([dcgan_x[0][closest], train.x[nn_dist["DCGAN reference"][1][closest]]])
viz.show_images(pairs, nrow=8, ax=fig.add_subplot(1, 2, 2),
                title="DCGAN samples closest to a training\ndigit (top), that digit (below)")
plt.show()
print("closest 1% of each set lies within: " + ", ".join(f"{k} {v:.2f}" for k, v in first_pct.items()))

# %% [markdown]
# Every memorised sample sits at 0, while held-out digits lie a typical
# distance from their nearest training digit, and so do the DCGAN samples.
# The DCGAN samples that come closest to the training set are all ones, the
# simplest digit, and they are no closer than the closest held-out test
# digits, which are ones as well: the closest 1% of either set lies at about
# the same distance (printed above). Close pairs of ones occur in real data
# too. The nearest-neighbour check and the Frechet distance answer different
# questions, so a report needs both. It has blind spots of its own (a generator that shifts each training
# digit by one pixel is far from all of them in pixels), which is why the
# check is often made in a feature space instead.

# %% tags=["hide-input"]
assert medians["memorised training set"] < 1e-3  # copies: distance 0
if nb.quality_checks:
    assert memo["frechet_distance"] < 1.5 * real["frechet_distance"], (memo, real)
    assert memo["frechet_distance"] < dcgan["frechet_distance"] / 3, (memo, dcgan)
    assert abs(memo["precision"] - real["precision"]) < 0.03 and abs(memo["recall"] - real["recall"]) < 0.05
    assert medians["DCGAN reference"] > 0.8 * medians["held-out test digits"], medians
    assert abs(first_pct["DCGAN reference"] / first_pct["held-out test digits"] - 1) < 0.15, first_pct
    notebook.checked(f"memorised set: Frechet distance {memo['frechet_distance']:.1f} (real digits "
                     f"{real['frechet_distance']:.1f}, DCGAN {dcgan['frechet_distance']:.1f}), median distance to the "
                     f"training set 0; DCGAN samples {medians['DCGAN reference']:.1f}, test digits "
                     f"{medians['held-out test digits']:.1f}")
else:
    notebook.checked("the memorised set sits at distance 0 from the training set")

# %% [markdown]
# ## 3. What the classifier score and precision/recall see
#
# ### Three classes missing
#
# Take away the digits 7, 8 and 9 and keep everything else perfect. The
# classifier score falls from about 9.7 to about 7: exactly what its formula
# allows, since with seven confident, balanced classes
# $\mathrm{KL}(p(y \mid x) \,\|\, p(y)) \approx \log 7$. **Precision does not
# move at all**: every remaining digit is a real digit. Recall and the
# Frechet distance register the loss.
#
# A score of 7 is therefore ambiguous: seven perfect classes, or ten classes
# of digits the classifier is unsure about, give the same number.
#
# ### Ten digits, repeated
#
# Now the opposite: ten digits, one per class, each copied $n/10$ times.
# Nobody would call this a generator. Its classifier score is the **highest
# in the table, 10.0**, above real data's: every prediction is confident
# and the classes are perfectly balanced, and that is all the formula looks
# at. It sees nothing *within* a class. Precision is perfect too (all ten
# are real digits). Recall, which measures how much of the real data the
# samples reach, is 0, and the Frechet distance is large.

# %% tags=["hide-input"]
print(f"classifier score: real {real['classifier_score']:.2f}, three classes missing "
      f"{missing['classifier_score']:.2f}, ten digits repeated {ten_rep['classifier_score']:.2f}; precision "
      f"{real['precision']:.3f} / {missing['precision']:.3f} / {ten_rep['precision']:.3f}; recall "
      f"{real['recall']:.3f} / {missing['recall']:.3f} / {ten_rep['recall']:.3f}")
if nb.quality_checks:
    assert 6.3 < missing["classifier_score"] < 7.0 < real["classifier_score"] - 2, (missing, real)
    assert abs(missing["precision"] - real["precision"]) < 0.02, (missing, real)
    assert missing["recall"] < real["recall"] - 0.15, (missing, real)
    assert ten_rep["classifier_score"] > 9.95 and ten_rep["classifier_score"] > real["classifier_score"]
    assert ten_rep["precision"] > 0.95 and ten_rep["recall"] < 0.01
    assert ten_rep["frechet_distance"] > 20 * real["frechet_distance"]
    notebook.checked(f"three classes missing: score {missing['classifier_score']:.2f} (real "
                     f"{real['classifier_score']:.2f}), precision {missing['precision']:.3f} (real "
                     f"{real['precision']:.3f}), recall {missing['recall']:.2f} (real {real['recall']:.2f})",
                     f"ten repeated digits: score {ten_rep['classifier_score']:.2f}, recall {ten_rep['recall']:.3f}")
else:
    notebook.checked("the missing-class and repeated-digit sets were scored")

# %% [markdown]
# ### Quality or variety? Precision against recall
#
# Precision and recall were designed to tell two failures apart: samples
# of poor quality should lose precision, a generator that drops modes should
# lose recall. Here is the test, on the precision/recall plane. One path
# removes classes, one by one, from perfect real digits; the other blurs all
# ten classes more and more.

# %%
n_pr = min(n, len(x_test))  # precision and recall use as many samples as test digits
sigmas = [0.5, 1.0, 1.5]
pr_blur = {s: classify(blur(x_train[:n_pr], s).clamp(-1, 1))[0] for s in sigmas if s != 1.0}
pr_blur[1.0] = sets["blurred digits"][0][:n_pr]
class_counts = [10, 7, 5, 3]
pr_classes = {k: f_train[torch.nonzero(y_train < k)[:, 0][:n_pr]] for k in class_counts}
pr = {"blur": {s: precision_recall(f_test, pr_blur[s]) for s in sigmas},
      "classes": {k: precision_recall(f_test, pr_classes[k]) for k in class_counts}}
pr_models = {name: (summary[name]["precision"], summary[name]["recall"]) for name in ("DCGAN reference",
                                                                                      "GAN (2014) reference")}

fig, ax = plt.subplots(figsize=(7, 5))
ax.plot(*zip(*pr["classes"].values()), "o-", label="real digits, fewer classes")
for k, (p, r) in pr["classes"].items():
    label = "real digits" if k == 10 else f"{k} classes"
    ax.annotate(label, (p, r), textcoords="offset points", xytext=(-7, -4), ha="right", fontsize="small")
ax.plot(*zip(*[pr["classes"][10]] + list(pr["blur"].values())), "s-", label="real digits, blurred")
for s, (p, r) in pr["blur"].items():
    ax.annotate(f"blur {s} px", (p, r), textcoords="offset points", xytext=(7, -4), fontsize="small")
for name, (p, r) in pr_models.items():
    ax.plot(p, r, "k^")
    ax.annotate(name, (p, r), textcoords="offset points", xytext=(-7, 4), ha="right", fontsize="small")
ax.set_xlabel("precision (quality?)")
ax.set_ylabel("recall (variety?)")
ax.set_xlim(0.45, 1.08)
ax.set_ylim(-0.03, 1.0)
ax.grid(alpha=0.3)
ax.legend(frameon=False, loc="upper left")
plt.show()

radius = {name: float(torch.cdist(f, f).kthvalue(4, dim=1).values.median())
          for name, f in {"real": pr_classes[10], "blurred 1 px": pr_blur[1.0]}.items()}
norm_ratio = float(pr_blur[1.0].norm(dim=1).mean() / pr_classes[10].norm(dim=1).mean())
print(f"feature norm of blurred digits / real digits: {norm_ratio:.2f}; median 3-NN radius: real "
      f"{radius['real']:.1f}, blurred {radius['blurred 1 px']:.1f}")

# %% [markdown]
# Removing classes behaves as designed: precision stays where real data's
# is and recall falls with every class removed.
#
# Blur does **not** behave as designed. At 1 pixel, where every digit is
# still easy to read, precision has barely moved and recall has collapsed,
# further than with half the classes gone. Only heavy blur (1.5 pixels, where
# the classifier starts to misread digits) costs precision. By these two
# numbers, lightly blurred digits look like a generator that dropped most of
# the data, not like one with poor quality.
#
# The reason is geometry. A blurred digit has weaker edges, so the
# classifier's features of blurred digits are smaller (the printed norm
# ratio) and packed more tightly (smaller nearest-neighbour radii). They end
# up *inside* the cloud of real features, which is all that precision asks,
# while their small balls no longer reach the real digits at the cloud's
# edge, which is what recall asks. Precision and recall tell you *where* the
# samples' features sit relative to real ones, not why. Read them together
# with the pictures.

# %% tags=["hide-input"]
(p_b1, r_b1), (p_b15, r_b15) = pr["blur"][1.0], pr["blur"][1.5]
(p_10, r_10), (p_5, r_5) = pr["classes"][10], pr["classes"][5]
if nb.quality_checks:
    assert all(abs(p - p_10) < 0.03 for p, _ in pr["classes"].values()), pr["classes"]  # precision stays
    assert r_10 > pr["classes"][7][1] > r_5 > pr["classes"][3][1], pr["classes"]  # recall falls class by class
    assert p_b1 > p_10 - 0.06 and r_b1 < r_5, pr["blur"]  # 1 px blur: precision kept, recall below half the classes
    assert p_b15 < p_10 - 0.2, pr["blur"]  # only heavy blur costs precision
    assert norm_ratio < 0.95 and radius["blurred 1 px"] < radius["real"], (norm_ratio, radius)
    notebook.checked(f"fewer classes: precision stays within 0.03 of {p_10:.2f}, recall {r_10:.2f} -> {r_5:.2f} "
                     f"with 5 classes", f"blur 1 px: precision {p_b1:.2f}, recall {r_b1:.2f}",
                     f"blur 1.5 px: precision {p_b15:.2f}")
else:
    notebook.checked("precision and recall computed for every blur and class count")

# %% [markdown]
# ## 4. Sample size: the Frechet distance's bias, KID's noise
#
# The Frechet distance plugs *estimated* means and covariances into a
# formula that is not linear in them, and the estimation error does not
# average out: with fewer samples the estimated covariances differ more from
# each other by chance, and the distance comes out **larger**, on average,
# for the same two distributions. KID's estimator was built to avoid this.
#
# To see it, we measure both for real training digits and for DCGAN samples
# at several sample sizes, always against the same 1,000 test digits. Where
# the data allow, each size is measured on several disjoint sets, and the
# plot shows their mean and spread.

# %%
pool = torch.cat([f for f, _ in dcgan_fp])  # all DCGAN samples drawn above, n_seeds x n
sizes = [s for s in (250, 500, 1000, 2000, 4000, 10000) if s <= len(pool)]


def by_size(feats, size, most=8):
    """Frechet distance and KID on up to `most` disjoint sets of `size` samples: mean and spread of each."""
    chunks = feats[: (len(feats) // size) * size].split(size)[:most]
    fd = [frechet_distance(c, f_test) for c in chunks]
    kid = [kernel_distance(c, f_test) for c in chunks]
    return {"FD": np.mean(fd), "FD sd": np.std(fd), "KID": np.mean(kid), "KID sd": np.std(kid), "sets": len(chunks)}


curves = {"real digits": {s: by_size(f_train, s) for s in sizes if s <= len(f_train)},
          "DCGAN reference": {s: by_size(pool, s) for s in sizes}}
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
for name, c in curves.items():
    ss = list(c)
    for ax, key in zip(axes, ("FD", "KID")):
        ax.errorbar(ss, [c[s][key] for s in ss], yerr=[c[s][key + " sd"] for s in ss], fmt="o-", capsize=3,
                    label=name)
axes[0].set_title("Frechet distance against the test digits")
axes[1].set_title("KID against the test digits")
axes[1].axhline(0, color="k", lw=0.8)
for ax in axes:
    ax.set_xscale("log")
    ax.set_xlabel("samples in the set")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
plt.show()
size_table = pd.DataFrame({f"{name}, {key}": {s: f"{v[key]:.1f} ± {v[key + ' sd']:.1f}" for s, v in c.items()}
                           for name, c in curves.items() for key in ("FD", "KID")})
size_table.rename_axis("samples")

# %% [markdown]
# For real digits the Frechet distance falls steadily as the sets grow:
# the same distribution scores several times worse at 500 samples than at
# 4,000. The DCGAN curve falls by a similar amount: the bias adds roughly
# the same to any distance at a given size (exercise 1 below fits it). Two Frechet distances are therefore only
# comparable at the **same sample size** (this is why every chapter uses the
# profile's `nb.eval_n` for its live run and its reference alike). Even then,
# part of the number is bias, and the part depends on the size: the 1,000
# test digits on the other side add bias that never goes away here.
#
# KID for real digits stays around 0 at every size, sometimes below it (an
# unbiased estimate of a quantity that is 0 must be negative about half the
# time), and DCGAN's KID does not drift with size. What no estimator can
# remove is noise: at a few hundred samples both numbers spread widely from
# one set to the next (the error bars). For real digits at 250 samples, KID's
# spread between sets is a third or more of the whole gap between real data
# and DCGAN. KID lets you compare sets of different sizes; it does not make
# small sets precise.

# %% tags=["hide-input"]
rc, dc = curves["real digits"], curves["DCGAN reference"]
assert all(np.isfinite([v["FD"], v["KID"]]).all() for c in curves.values() for v in c.values())
if nb.quality_checks:
    assert rc[500]["FD"] > 2 * rc[2000]["FD"] > 2 * rc[4000]["FD"], rc  # the same data, larger FD at smaller sizes
    assert dc[250]["FD"] > dc[max(dc)]["FD"] + 15, dc
    assert 0.5 < (dc[250]["FD"] - dc[4000]["FD"]) / (rc[250]["FD"] - rc[4000]["FD"]) < 2, (rc, dc)  # similar fall
    assert all(abs(v["KID"]) < 2 * max(v["KID sd"], abs(rc[4000]["KID"])) + 10 for v in rc.values()), rc
    assert all(abs(v["KID"]) < 0.25 * dc[2000]["KID"] for v in rc.values()), rc  # real: about 0 at every size
    assert max(v["KID"] for v in dc.values()) < 1.3 * min(v["KID"] for v in dc.values()), dc  # no drift with size
    assert rc[250]["KID sd"] > dc[2000]["KID"] / 3, (rc, dc)  # small sets: a wide spread
    notebook.checked(f"real digits: Frechet distance {rc[500]['FD']:.1f} at 500, {rc[2000]['FD']:.1f} at 2,000, "
                     f"{rc[4000]['FD']:.1f} at 4,000; KID between {min(v['KID'] for v in rc.values()):.0f} and "
                     f"{max(v['KID'] for v in rc.values()):.0f} (DCGAN about {dc[2000]['KID']:.0f})",
                     f"DCGAN: Frechet distance {dc[250]['FD']:.0f} at 250 samples, {dc[max(dc)]['FD']:.0f} at "
                     f"{max(dc):,}")
else:
    notebook.checked("Frechet distance and KID computed at every size")

# %% [markdown]
# ## 5. Whose features? Why the book's Frechet distance is large for good digits
#
# In chapter 2 the DCGAN reference's digits look like real handwriting, yet
# their Frechet distance is several times real data's, and the 2014 GAN's
# readable digits are some forty times further. The formula is the same in
# any feature space, so let us compute it in three: the classifier's 128
# features (the book's choice), the 784 raw pixels, and the first 20
# principal components of the training digits (the directions in which
# digits vary most, with no training on labels). To compare across spaces,
# each distance is divided by real data's distance in the same space.

# %%
fig, axes = plt.subplots(1, 4, figsize=(9.5, 3.5))
for ax, (title, x) in zip(axes, {"real digits": x_train[:64], "blurred digits": blurred_x[:64],
                                 "DCGAN reference": dcgan_x[0][:64], "GAN (2014) reference": gan_x[:64]}.items()):
    viz.show_images(x, nrow=8, ax=ax, title=title)
plt.show()

# %%
flat_train = train.x.flatten(1)
mean = flat_train.mean(0)
_, _, basis = torch.pca_lowrank(flat_train - mean, q=20, center=False, niter=4)
spaces = {
    "classifier (128)": lambda x, f: f,
    "pixels (784)": lambda x, f: x.flatten(1),
    "pixel PCA (20)": lambda x, f: (x.flatten(1) - mean) @ basis,
}
images = {"real digits": (x_train[:n], f_train[:n]), "blurred digits": (blurred_x, sets["blurred digits"][0]),
          "three classes missing": (x_train[keep7], f_train[keep7]),
          "DCGAN reference": (dcgan_x[0], dcgan_fp[0][0]), "GAN (2014) reference": (gan_x, gan_fp[0])}
fd_space = pd.DataFrame({space: {name: frechet_distance(to(x, f), to(x_test, f_test)) for name, (x, f) in images.items()}
                         for space, to in spaces.items()})
ratio = fd_space / fd_space.loc["real digits"]

ax = ratio.drop(index="real digits").plot.bar(figsize=(7.6, 3.6), logy=True, rot=0)  # the legend sits outside, at the right
ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
ax.axhline(1, color="k", lw=0.8)
ax.set_ylabel("Frechet distance / real data's")
ax.set_title("the same samples in three feature spaces")
ax.tick_params(axis="x", labelsize="small")
ax.grid(alpha=0.3, axis="y")
plt.show()
pd.concat({"Frechet distance": fd_space, "/ real data's": ratio}, axis=1).round(1)

# %% [markdown]
# In pixels, the DCGAN samples are less than twice as far as real data, and
# the 2014 GAN's about five times. In the classifier's features every
# distance is stretched: by several times for DCGAN, by an order of
# magnitude for the missing classes. The classifier was trained to separate
# digits, so its features put each class in its own region, and they
# presumably react strongly to the details that tell a 4 from a 9: stroke
# ends, thin gaps, sharp corners. Those are the details a grainy MLP sample
# or a blur gets wrong. Pixels, dominated by where the ink is, barely notice.
# The PCA space, which keeps only the coarse shapes, lies in between.
#
# The order of the sets changes too. In pixels, real digits with three
# classes missing are *closer* to the test digits than the 2014 GAN's
# samples; in the classifier's features they are further. Neither answer is
# wrong: each space weighs different failures. So a large book-style Frechet
# distance for digits that look fine is expected, and only its ratio to the
# real-data baseline and the calibration columns carries meaning. The same
# caution applies to FID: its Inception features, trained on ImageNet
# photos, weigh failures in yet another way.

# %% tags=["hide-input"]
assert np.isfinite(fd_space.to_numpy()).all()
r = ratio
if nb.quality_checks:
    assert (r["classifier (128)"] > 3 * r["pixels (784)"]).drop("real digits").all(), r
    assert r.loc["DCGAN reference", "pixels (784)"] < 2 and 3.5 < r.loc["GAN (2014) reference", "pixels (784)"] < 6.5, r
    others = r.drop(index="real digits")
    assert ((others["pixel PCA (20)"] > others["pixels (784)"])
            & (others["pixel PCA (20)"] < others["classifier (128)"])).all(), r  # PCA in between
    assert r.loc["three classes missing", "pixels (784)"] < r.loc["GAN (2014) reference", "pixels (784)"], r
    assert (r.loc["three classes missing", "classifier (128)"]
            > r.loc["GAN (2014) reference", "classifier (128)"]), r
    notebook.checked("every set is at least 3x further from the test digits, relative to real data, in classifier "
                     f"features than in pixels (DCGAN {r.loc['DCGAN reference', 'classifier (128)']:.1f}x "
                     f"vs {r.loc['DCGAN reference', 'pixels (784)']:.1f}x)",
                     "three missing classes rank above the 2014 GAN in pixels, below it in classifier features")
else:
    notebook.checked("Frechet distances computed in three feature spaces")

# %% [markdown]
# ## 6. Metrics without a classifier: SWD, Parzen, mode coverage
#
# ### SWD sees texture, not shapes
#
# The sliced Wasserstein distance compares small patches. So build digits
# whose patches are all real but whose shapes are not: cut every (32 x 32,
# as in chapter 9) real digit into four quadrants and swap each quadrant with
# the same quadrant of another, random digit. The result is "jigsaw"
# digits, made of real strokes, that nobody can read. The SWD here uses 32
# patches per image instead of ProGAN's 128, to keep the cell fast.

# %%
n_swd = nb.pick(smoke=64, cpu=500, gpu=1000)
train32 = load_dataset("mnist", pad_to=32, verbose=False).x[:n_swd]
test32 = load_dataset("mnist", "test", pad_to=32, verbose=False).x[:n_swd]


def jigsaw(x, seed=0):
    """Swap each 16x16 quadrant of every image with the same quadrant of a random other image."""
    g, out = torch.Generator().manual_seed(seed), x.clone()
    for r0 in (0, 16):
        for c0 in (0, 16):
            out[..., r0:r0 + 16, c0:c0 + 16] = x[torch.randperm(len(x), generator=g)][..., r0:r0 + 16, c0:c0 + 16]
    return out


swd_sets = {"real digits": train32, "jigsaw digits": jigsaw(train32), "blurred digits": blur(train32).clamp(-1, 1)}
swd = {name: sliced_wasserstein_distance(x, test32, patches_per_image=32) for name, x in swd_sets.items()}
seen = {name: scores(*classify(x[..., 2:30, 2:30])) for name, x in swd_sets.items()}  # the classifier's view

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.9))
for ax, (name, x) in zip(axes, swd_sets.items()):
    viz.show_images(x[:36], nrow=6, ax=ax, title=name)
plt.show()
pd.DataFrame({name: {"SWD x1e3, 32x32 level": swd[name][32], "SWD x1e3, 16x16 level": swd[name][16],
                     "Frechet distance (classifier)": seen[name]["frechet_distance"],
                     "classifier score": seen[name]["classifier_score"]} for name in swd_sets}).round(1)

# %% [markdown]
# By SWD the jigsaw digits are only a little worse than real digits, and
# far *better* than blurred digits at both levels. The classifier's metrics
# say the opposite: the jigsaw digits are far from real ones and its score
# drops, while the blurred digits, which you can read, do much better. SWD
# answers "are the local statistics right?" (sharpness, stroke width,
# texture), which is what ProGAN used it for; whether the strokes form a
# digit is outside what it looks at.

# %% tags=["hide-input"]
if nb.quality_checks:
    assert all(swd["jigsaw digits"][lv] < swd["blurred digits"][lv] for lv in (32, 16)), swd
    assert swd["jigsaw digits"][32] < 4 * swd["real digits"][32], swd
    assert seen["jigsaw digits"]["frechet_distance"] > 2 * seen["blurred digits"]["frechet_distance"], seen
    assert seen["jigsaw digits"]["classifier_score"] < seen["blurred digits"]["classifier_score"] - 2, seen
    notebook.checked(f"SWD (32x32): jigsaw {swd['jigsaw digits'][32]:.1f}, blurred {swd['blurred digits'][32]:.1f}, "
                     f"real {swd['real digits'][32]:.1f}; classifier Frechet distance: jigsaw "
                     f"{seen['jigsaw digits']['frechet_distance']:.0f}, blurred "
                     f"{seen['blurred digits']['frechet_distance']:.0f}")
else:
    notebook.checked("SWD computed for real, jigsaw and blurred digits")

# %% [markdown]
# ### The Parzen window rewards blur
#
# Chapter 1 showed that this estimate depends on $\sigma$ and on the number
# of samples more than on the model. Here is the constructed case: the
# paper's protocol ($\sigma$ picked on 1,000 validation digits) on 1,000
# real digits, the same digits blurred, real digits from seven classes, and
# DCGAN samples.

# %%
n_parzen = nb.pick(smoke=200, cpu=1000, gpu=1000)
valid, centres = train.x[:1000], train.x[1000:]  # the validation digits are not among the centres
parzen_sets = {"real digits": centres[:n_parzen], "blurred digits": blur(centres[:n_parzen]).clamp(-1, 1),
               "three classes missing": centres[train.y[1000:] < 7][:n_parzen],
               "DCGAN reference": dcgan_x[0][:n_parzen]}
parzen = {name: parzen_estimate(x, x_test, valid) for name, x in parzen_sets.items()}
pd.DataFrame(parzen).T[["log_likelihood", "std_error", "sigma"]].round(2)

# %% [markdown]
# The blurred digits score far *above* the real digits they were made from:
# a blur spreads each digit's ink, so a Gaussian kernel on it reaches more
# test digits. Missing classes cost some nats (the test 7s, 8s and 9s are far
# from every kernel), and the DCGAN samples land below real digits. The
# number ranks smoothness first, which is why the field left it
# {cite}`theis2016note`.

# %% tags=["hide-input"]
ll = {k: v["log_likelihood"] for k, v in parzen.items()}
assert all(np.isfinite(v) for v in ll.values())
if nb.quality_checks:
    assert ll["blurred digits"] > ll["real digits"] + 40, ll
    assert ll["three classes missing"] < ll["real digits"] - 15 and ll["DCGAN reference"] < ll["real digits"], ll
    notebook.checked(f"Parzen log-likelihood: blurred {ll['blurred digits']:.0f}, real {ll['real digits']:.0f}, "
                     f"three classes missing {ll['three classes missing']:.0f}, DCGAN {ll['DCGAN reference']:.0f} nats")
else:
    notebook.checked("the Parzen estimate is finite for every set")

# %% [markdown]
# ### Mode coverage counts modes, not proportions
#
# On the eight Gaussians of chapter 0, two constructed "generators":
# one puts its samples *exactly* on the eight mode centres, in equal shares;
# the other draws from the right mixture but with the wrong weights, 72% of
# the samples from one mode and 4% from each of the others.

# %%
toy = load_dataset("8gaussians")
n_toy = nb.pick(smoke=400, cpu=2000, gpu=2000)
g = torch.Generator().manual_seed(0)
weights = torch.tensor([0.72] + [0.04] * 7)
which = torch.multinomial(weights, n_toy, replacement=True, generator=g)
toy_sets = {"real points": toy.x[:n_toy],
            "the 8 centres, exactly": toy.modes[torch.arange(n_toy) % 8],
            "72% from one mode": toy.modes[which] + toy.mode_std * torch.randn(n_toy, 2, generator=g)}
toy_reports = {name: evaluate(x, "8gaussians")["model"] for name, x in toy_sets.items()}

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.8))
for ax, (name, x) in zip(axes, toy_sets.items()):
    ax.scatter(*x.T, s=3, alpha=0.3)
    for mode, count in zip(toy.modes, toy_reports[name]["mode_counts"]):  # each mode's share of the samples
        ax.annotate(f"{count / n_toy:.0%}", mode * 1.3, ha="center", va="center", fontsize="small")
    ax.set_title(name)
    ax.set_aspect("equal")
    ax.set_xlim(-2.2, 2.2)
    ax.set_ylim(-2.2, 2.2)
plt.show()
pd.DataFrame({name: {"modes covered": r["modes_covered"], "high-quality share": r["high_quality"],
                     "largest mode share": max(r["mode_counts"]) / n_toy, "precision": r["precision"],
                     "recall": r["recall"]} for name, r in toy_reports.items()}).round(3)

# %% [markdown]
# Both get all eight modes and a perfect or near-perfect high-quality share.
# The point masses are caught by recall (a point has no spread, so its ball
# reaches no real point), but the lopsided mixture scores like real data on
# **every** metric here, precision and recall included: they measure where
# the samples are, not how often they are there. The per-mode counts that
# `mode_coverage` returns show the imbalance at once; a table that reports
# only "8/8 modes" hides it.

# %% tags=["hide-input"]
tr_ = toy_reports
assert all(r["modes_covered"] == 8 for r in tr_.values()), tr_
assert tr_["the 8 centres, exactly"]["high_quality"] == 1.0
if nb.quality_checks:
    assert tr_["the 8 centres, exactly"]["recall"] < 0.05 and tr_["the 8 centres, exactly"]["precision"] > 0.95
    lop, re_ = tr_["72% from one mode"], tr_["real points"]
    assert abs(lop["precision"] - re_["precision"]) < 0.03 and abs(lop["recall"] - re_["recall"]) < 0.03, (lop, re_)
    assert max(lop["mode_counts"]) > 0.6 * n_toy
    notebook.checked(f"both constructed sets cover 8/8 modes; point masses: recall "
                     f"{tr_['the 8 centres, exactly']['recall']:.3f}; lopsided mixture: precision "
                     f"{lop['precision']:.3f}, recall {lop['recall']:.3f} (real {re_['precision']:.3f}, "
                     f"{re_['recall']:.3f})")
else:
    notebook.checked("both constructed toy sets cover all eight modes")

# %% [markdown]
# ## 7. How much does a number move between seeds?
#
# Every number above came from one set of samples. Draw another set from the
# same generator and every number changes a little. Here the DCGAN reference
# draws its samples with several different seeds, and real data is
# resampled the same way (random sets of $n$ of the training digits). This
# is the variation from **sampling** alone: the generator's weights are the
# same every time. Training the model again with another seed changes the
# weights too and moves the numbers further (the lab notes measure that for
# InfoGAN, for example); we cannot afford several trainings here.

# %%
metrics = ["frechet_distance", "kid", "classifier_score", "precision", "recall"]
per_seed = {"DCGAN reference": [scores(*fp) for fp in dcgan_fp]}
real_draws = [torch.randperm(n_feat, generator=torch.Generator().manual_seed(s))[:n] for s in range(n_seeds)]
per_seed["real digits"] = [scores(f_train[i], p_train[i]) for i in real_draws]
spread = pd.concat({name: pd.DataFrame(runs)[metrics].agg(["mean", "std", "min", "max"]).T
                    for name, runs in per_seed.items()}, axis=1)
pd.DataFrame({f"{name}, {col}": {m: fmt.format(*spread.loc[m, name][list(keys)]) for m in metrics}
              for name in per_seed for col, fmt, keys in [("mean ± std", "{:.3f} ± {:.3f}", ("mean", "std")),
                                                          ("range", "{:.3f} to {:.3f}", ("min", "max"))]})

# %% [markdown]
# The DCGAN reference's Frechet distance moves a lot between draws: over
# five sets of samples from the *same* generator, the largest is more than a
# quarter above the smallest, and the first draw, the one in the tables
# above, happens to be the lowest. KID moves
# about as much, relative to its value. The classifier score, precision and
# recall move only in the second decimal. Real data, resampled, shows the
# same pattern at its smaller scale.
#
# As a rule of thumb for this book's tables, at the cpu profile's 2,000
# samples: two Frechet distances within about a quarter of each other may
# differ by the draw alone, while precisions and recalls a few hundredths
# apart are the same number. Larger claims in the chapters (DCGAN's distance
# a fraction of the 2014 GAN's, say) are far outside this range.

# %% tags=["hide-input"]
sd = spread["DCGAN reference"]
rel = {m: sd.loc[m, "std"] / abs(sd.loc[m, "mean"]) for m in metrics}
fd_runs = [r["frechet_distance"] for r in per_seed["DCGAN reference"]]
assert len(fd_runs) == n_seeds and fd_runs[0] == dcgan["frechet_distance"]
if nb.quality_checks:
    assert max(fd_runs) > 1.25 * min(fd_runs) and fd_runs[0] == min(fd_runs), fd_runs
    assert 0.5 * rel["frechet_distance"] < rel["kid"] < 2 * rel["frechet_distance"], rel
    assert all(sd.loc[m, "std"] < 0.02 for m in ("precision", "recall")) and sd.loc["classifier_score", "std"] < 0.1, sd
    assert max(fd_runs) < 0.5 * gan["frechet_distance"], (fd_runs, gan)
    notebook.checked(f"over {n_seeds} sample seeds, DCGAN's Frechet distance runs from {min(fd_runs):.1f} (seed 0) to "
                     f"{max(fd_runs):.1f} (std {rel['frechet_distance']:.0%} of the mean), KID std {rel['kid']:.0%}; "
                     f"precision and recall std {sd.loc['precision', 'std']:.3f} and {sd.loc['recall', 'std']:.3f}, "
                     f"score std {sd.loc['classifier_score', 'std']:.2f}")
else:
    notebook.checked(f"{n_seeds} sample seeds scored")

# ## 8. A cross-check with torchmetrics
#
# The book's formulas are its own code, so it is worth checking them against
# an independent implementation. torchmetrics' `FrechetInceptionDistance` and
# `KernelInceptionDistance` accept any network as their feature extractor.
# Given the book's classifier (its 128 features), they must give the book's
# numbers. torchmetrics draws KID's subsets with the global random generator,
# so for an exact comparison both sides use one subset holding every sample.

# %%
class ClassifierFeatures(nn.Module):
    """The book's MNIST classifier as a torchmetrics feature extractor: digits in [-1, 1] -> 128 features."""

    num_features = 128

    def __init__(self):
        super().__init__()
        self.net = load_classifier()

    def forward(self, x):
        return self.net.features(x.float())


n_tm = min(n, len(x_test))
fake, real_ref = dcgan_x[0][:n_tm], x_test[:n_tm]
with warnings.catch_warnings():  # KID warns that it keeps every feature in memory: expected here
    warnings.simplefilter("ignore")
    fid = FrechetInceptionDistance(feature=ClassifierFeatures())
    kid = KernelInceptionDistance(feature=ClassifierFeatures(), subsets=1, subset_size=n_tm)
for metric in (fid, kid):
    metric.update(real_ref, real=True)
    metric.update(fake, real=False)
tm = {"Frechet distance": float(fid.compute()), "KID": float(kid.compute()[0])}
book = {"Frechet distance": frechet_distance(dcgan_fp[0][0][:n_tm], f_test[:n_tm]),
        "KID": kernel_distance(dcgan_fp[0][0][:n_tm], f_test[:n_tm], subsets=1, subset_size=n_tm)}
pd.DataFrame({"torchmetrics": tm, "this book": book})

# %% tags=["hide-input"]
assert abs(tm["Frechet distance"] - book["Frechet distance"]) < 1e-4 * book["Frechet distance"], (tm, book)
assert abs(tm["KID"] - book["KID"]) < 1e-4 * abs(book["KID"]) + 1e-6, (tm, book)
notebook.checked(f"torchmetrics with the book's classifier: Frechet distance {tm['Frechet distance']:.4f}, KID "
                 f"{tm['KID']:.4f}, equal to the book's to 4 digits")

# %% [markdown]
# The test suite repeats the check on other digits, and adds one with random
# subsets on both sides, which agree within their spread
# (`tests/test_metrics_crosscheck.py`).
#
# ### An Inception FID, when its weights are here
#
# The numbers in papers are FIDs in Inception-v3 features. torchmetrics can
# compute them, but it needs the `torch-fidelity` package and a 100 MB
# download of the weights, which the book never attempts on its own: this
# machine may be offline. The cell below computes an Inception FID between
# real digits and each reference's samples when the weights are already in
# PyTorch's cache, or when you set `DOWNLOAD_INCEPTION = True` on a machine
# that is online; otherwise it prints one line saying why it is skipped. On
# a CPU it is slow (Inception works on 299 x 299 colour images), so it uses
# few samples there.

# %%
DOWNLOAD_INCEPTION = False  # set True to let torchmetrics download the Inception weights (online only)
weights_file = Path(torch.hub.get_dir()) / "checkpoints" / "weights-inception-2015-12-05-6726825d.pth"
if nb.profile == "smoke":
    print("Inception FID skipped: the smoke profile never downloads or runs Inception.")
elif importlib.util.find_spec("torch_fidelity") is None:
    print("Inception FID skipped: torch-fidelity is not installed (pip install torch-fidelity, then set "
          "DOWNLOAD_INCEPTION = True on a machine that is online).")
elif not (weights_file.is_file() or DOWNLOAD_INCEPTION):
    print(f"Inception FID skipped: no Inception weights at {weights_file} and DOWNLOAD_INCEPTION is False.")
else:
    n_inc = nb.pick(smoke=0, cpu=200, gpu=2000)

    def rgb01(x):  # digits in [-1, 1] -> 3-channel images in [0, 1]; torchmetrics resizes them to 299 x 299
        return ((x.float().cpu() + 1) / 2).clamp(0, 1).expand(-1, 3, -1, -1)

    inception_fid = {}
    for name, x in {"real digits": x_train[:n_inc], "DCGAN reference": dcgan_x[0][:n_inc],
                    "GAN (2014) reference": gan_x[:n_inc]}.items():
        metric = FrechetInceptionDistance(normalize=True).to(nb.device)
        for chunk in x_test[:n_inc].split(100):
            metric.update(rgb01(chunk).to(nb.device), real=True)
        for chunk in x.split(100):
            metric.update(rgb01(chunk).to(nb.device), real=False)
        inception_fid[name] = float(metric.compute())
    print(f"Inception FID on {n_inc} samples against {n_inc} test digits: "
          + ", ".join(f"{k} {v:.1f}" for k, v in inception_fid.items()))

# %% [markdown]
# ## Summary
#
# | metric | measures | fooled here by | pair it with |
# |---|---|---|---|
# | Frechet distance | distance between Gaussians fitted to features | a memorised training set (scores like real data); sample size (biased upwards for small sets) | nearest-neighbour distance to the training set; equal sample sizes; the real-data baseline |
# | KID | unbiased MMD² of features | its own noise: large spread between subsets | many subsets; several sample seeds |
# | classifier score | confident, balanced class predictions | ten repeated digits (a perfect 10.0); blind to variety within a class | recall, the class shares |
# | precision / recall | samples inside real data's support / real data inside the samples' | light blur (reads as lost variety, not lost quality); wrong proportions (invisible) | the pictures; per-class or per-mode shares |
# | SWD | local patch statistics per scale | jigsaw digits (real strokes, no digits) | a metric with a notion of shape |
# | Parzen window | kernel density of samples at test points | blur (scores above real data); $\sigma$ and sample count (chapter 1) | nothing: the book does not use it |
# | mode coverage | modes reached, samples near a mode | point masses and lopsided mixtures (8/8 modes) | recall, the per-mode counts |
#
# No single number says "good GAN". Every table in this book therefore shows
# several metrics, real data's values under the same protocol, and two
# calibration copies with a known flaw; and it shows the samples.
#
# ## Exercises
#
# ```{exercise} A Frechet distance for infinitely many samples
# :label: ex-measuring-fd-infinity
# Section 4 showed the Frechet distance shrinking as the sample grows. Its
# bias is close to proportional to $1/n$, so plotting the distance against
# $1/n$ gives nearly a straight line, and its intercept at $1/n = 0$ is an
# estimate for infinitely many samples (Chong and Forsyth's
# $\mathrm{FID}_\infty$). Fit the line for real digits and for the DCGAN
# samples, using the sizes measured above. What is left at $1/n = 0$?
# ```
#
# ```{solution-start} ex-measuring-fd-infinity
# :class: dropdown
# ```

# %%
fd_inf = {}
for name, c in curves.items():
    inv = np.array([1 / s for s in c])
    slope, intercept = np.polyfit(inv, np.array([v["FD"] for v in c.values()]), 1)
    fd_inf[name] = intercept
    print(f"{name}: FD ~ {intercept:.1f} + {slope:.0f} / n")
if nb.quality_checks:  # what the answer below says
    assert 0.3 < fd_inf["real digits"] / curves["real digits"][2000]["FD"] < 0.65, fd_inf  # about half is bias
    assert fd_inf["DCGAN reference"] > 5 * max(fd_inf["real digits"], 1), fd_inf

# %% [markdown]
# For real digits about half of the distance at 2,000 samples is bias: the
# intercept is about half the measured value. It is not 0, because the
# 1,000 test digits on the other side stay fixed and carry their own bias,
# and because the classifier sees small real differences between the
# training and test digits. For DCGAN the intercept stays far above real
# data's: the distance it measures is mostly real. The extrapolation makes
# numbers at different sample sizes comparable, but only if you measure
# several sizes.
#
# ```{solution-end}
# ```
#
# ```{exercise} The k of precision and recall
# :label: ex-measuring-k
# Precision and recall draw each ball to the $k$-th nearest neighbour, with
# $k = 3$. Recompute both for real digits, blurred digits (1 pixel) and digits
# from five classes with $k = 1, 3, 10$. Which conclusions of section 3
# survive a different $k$?
# ```
#
# ```{solution-start} ex-measuring-k
# :class: dropdown
# ```

# %%
pr_k = {(name, k): precision_recall(f_test, f, k=k)
        for name, f in {"real": pr_classes[10], "blurred 1 px": pr_blur[1.0], "5 classes": pr_classes[5]}.items()
        for k in (1, 3, 10)}
pr_k_table = pd.DataFrame(pr_k, index=["precision", "recall"]).T.unstack(0).round(3)
if nb.quality_checks:  # what the answer below says
    for k in (1, 3, 10):
        assert pr_k[("5 classes", k)][0] > pr_k[("real", k)][0] - 0.03, pr_k  # 5 classes: precision kept
        assert pr_k[("5 classes", k)][1] < pr_k[("real", k)][1] - 0.3, pr_k  # ... and recall lost
    for k in (1, 3):
        assert pr_k[("blurred 1 px", k)][1] < 0.6 * pr_k[("5 classes", k)][1], pr_k  # blur: far lower recall
    assert abs(pr_k[("blurred 1 px", 10)][1] - pr_k[("5 classes", 10)][1]) < 0.1, pr_k  # k = 10: about equal
    assert all(pr_k[(s, 10)][0] > 0.95 for s in ("real", "blurred 1 px", "5 classes")), pr_k  # precision saturates
    assert all(pr_k[(s, 10)][1] > pr_k[(s, 1)][1] for s in ("real", "blurred 1 px", "5 classes")), pr_k
pr_k_table

# %% [markdown]
# Larger $k$ means larger balls, so both numbers rise for every set: their
# absolute values depend on $k$, and only numbers with the same $k$ compare.
# Dropping classes keeps precision and costs recall at every $k$. Light blur
# costs far more recall than dropping half the classes at $k = 1$ and 3; at
# $k = 10$ the blurred digits' balls grow large enough to bring the two
# level. And at $k = 10$ precision is 0.99 for all three sets: the real
# digits' balls are so large that nothing lands outside them, and precision
# stops telling sets apart.
#
# ```{solution-end}
# ```
#
# ```{exercise} A negative KID
# :label: ex-measuring-negative-kid
# Section 4 printed negative KIDs for real digits. A squared distance cannot
# be negative. What went wrong, and should you clip KID at 0 before
# reporting it?
# ```
#
# ```{solution} ex-measuring-negative-kid
# :class: dropdown
# Nothing went wrong. KID is an *unbiased estimate* of MMD², which is 0 when
# the two distributions are the same. An estimate whose average is 0 must
# fall below 0 about as often as above it. Clipping it at 0 would make the
# average positive again, bringing back exactly the bias the estimator was
# built to avoid (and making a model whose KID is 0 look worse than it is).
# Report it as it comes, with its spread over subsets, and read a value
# within that spread of 0 as "indistinguishable from real data at this
# sample size".
# ```
