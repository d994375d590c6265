"""Repository-wide pytest set-up.

* Tests and notebooks run in the ``smoke`` profile unless ``GANS_EDU_PROFILE``
  says otherwise (notebook kernels inherit the environment).
* Notebooks are committed without outputs, so there is nothing to compare:
  ``pytest --nbval`` is treated as ``--nbval-lax`` (run every cell, fail on
  errors and on failed asserts).
"""

import os

os.environ.setdefault("GANS_EDU_PROFILE", "smoke")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    if getattr(config.option, "nbval", False):
        config.option.nbval_lax = True
