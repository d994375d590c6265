"""The package installs on Colab without replacing what Colab's image already has.

A chapter's set-up cell runs ``%pip install gans-edu @ git+...`` under a live kernel. If a runtime
dependency's lower bound is above the version Colab ships (``ipython>=8`` against Colab's 7.34,
pinned there by ``google-colab``), pip upgrades the package under the running kernel: Colab asks for
a restart, and widgets built for ipywidgets 8 do not render in its ipywidgets 7 front end. These
tests read Colab's package list from a committed snapshot (``tests/data/colab-gpu-image-*.txt``,
with its date and source in its header) and fail on any such requirement, directly or through a
package Colab lacks (torchmetrics and what it needs), and when ``requires-python`` excludes
Colab's Python.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SNAPSHOT = sorted((ROOT / "tests" / "data").glob("colab-gpu-image-*.txt"))[-1]


def read_image(path: Path) -> tuple[Version, dict[str, Version | None]]:
    """Colab's Python version and its packages (name -> version; None when installed from a URL without one)."""
    text = path.read_text()
    python = Version(re.search(r"Python (\d+\.\d+\.\d+)", text).group(1))
    packages: dict[str, Version | None] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
            packages[canonicalize_name(name)] = Version(version)
        elif " @ " in line:  # a direct URL: the version from a wheel's file name, if it has one
            name, url = line.split(" @ ", 1)
            wheel = re.search(r"/[^/]+?-([^-/]+)-[^/]+\.whl", url)
            try:
                packages[canonicalize_name(name)] = Version(wheel.group(1)) if wheel else None
            except InvalidVersion:
                packages[canonicalize_name(name)] = None
    return python, packages


PYTHON, COLAB = read_image(SNAPSHOT)
# The marker environment of Colab's image, for requirements such as `; python_version < "3.12"`.
MARKERS = {
    "python_version": f"{PYTHON.major}.{PYTHON.minor}",
    "python_full_version": str(PYTHON),
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "extra": "",
}


def replaced(requirement: str, colab: dict[str, Version | None] = COLAB, seen: frozenset = frozenset()) -> list[str]:
    """What installing ``requirement`` on Colab would replace, one line per package.

    A package Colab has must already satisfy the requirement. A package it lacks will be installed;
    its own requirements are checked the same way, from its metadata in this environment (the
    version the constraints pin), when it is installed here.
    """
    req = Requirement(requirement)
    if req.marker is not None and not req.marker.evaluate(MARKERS):
        return []
    name = canonicalize_name(req.name)
    if name in colab:
        have = colab[name]
        if have is None or req.specifier.contains(have, prereleases=True):
            return []
        return [f"{requirement} would replace Colab's {req.name} {have}"]
    if name in seen:
        return []
    try:
        needs = importlib.metadata.requires(req.name) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [f"{line} (via {req.name})" for r in needs for line in replaced(r, colab, seen | {name})]


def test_snapshot_says_when_and_where_from():
    header = "\n".join(line for line in SNAPSHOT.read_text().splitlines() if line.startswith("#"))
    assert re.search(r"\d{4}-\d{2}-\d{2}", header), f"{SNAPSHOT.name}: no date in its header"
    assert "googlecolab/backend-info" in header, f"{SNAPSHOT.name}: no source in its header"
    assert {"torch", "ipython", "ipywidgets", "numpy"} <= COLAB.keys()


def test_requires_python_admits_colabs_python():
    spec = SpecifierSet(PYPROJECT["requires-python"])
    assert spec.contains(PYTHON), f"requires-python {spec} excludes Colab's Python {PYTHON}"


@pytest.mark.parametrize("requirement", PYPROJECT["dependencies"])
def test_runtime_dependency_keeps_what_colab_has(requirement):
    assert replaced(requirement) == [], "lower the bound to Colab's version or below"


@pytest.mark.parametrize("requirement, culprit", [
    ("ipython>=8", "ipython"),             # what pyproject asked for before: Colab has 7.34 (google-colab pins it)
    ("ipywidgets>=8", "ipywidgets"),       # Colab has 7.7
    ("torch>=99", "torch"),
    ("numpy<2", "numpy"),                  # an upper bound replaces too
])
def test_the_check_catches_a_replacement(requirement, culprit):
    found = replaced(requirement)
    assert found and culprit in found[0]


def test_the_check_passes_what_colab_satisfies():
    assert replaced("ipython>=7.34") == replaced("ipywidgets>=7.7") == []
    assert replaced("torch>=2.1") == []                    # a local version (2.11.0+cu128) satisfies >=2.1
    assert replaced('ipython>=9; python_version < "3.10"') == []   # a marker false on Colab
    assert replaced("not-on-colab-or-here>=1") == []       # a new package replaces nothing


def test_the_check_follows_a_package_colab_lacks():
    # torchmetrics is not on Colab: its requirements are checked against Colab in turn.
    pytest.importorskip("torchmetrics")
    fake = {k: v for k, v in COLAB.items() if k != "torch"} | {"torch": Version("1.0")}
    found = replaced("torchmetrics>=1.0", colab=fake)
    assert any("via torchmetrics" in line and "torch" in line for line in found), found
