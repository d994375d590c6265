"""Copy the repository URL and the notebooks' install ref from pyproject.toml into every place that needs them.

    .venv/bin/python tools/sync_repo_url.py

pyproject.toml holds both: the URL as ``[project.urls] Repository``, the ref (a tag or a commit)
as ``[tool.gans-edu] install-ref``. This rewrites the Colab badges and the Colab install lines of
book/*.py (``%pip install "gans-edu @ git+URL@REF"``), the repository URL in _config.yml, then
re-syncs each changed chapter's notebook with jupytext. Run it after changing either; the tests
(tests/test_notebooks.py, tests/test_colab_setup_cell.py) fail while a copy is stale.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def settings(pyproject: str) -> tuple[str, str]:
    """The repository URL and the install ref, from pyproject.toml's text."""
    url = re.search(r'^Repository = "(.+)"$', pyproject, re.M).group(1)
    ref = re.search(r'^install-ref = "(.+)"$', pyproject, re.M).group(1)
    return url, ref


def install_spec(url: str, ref: str) -> str:
    """What the set-up cell installs: the package from the repository at the ref."""
    return f"gans-edu @ git+{url}@{ref}"


def main() -> None:
    url, ref = settings((ROOT / "pyproject.toml").read_text())
    slug = url.removeprefix("https://github.com/")
    for twin in sorted((ROOT / "book").glob("*.py")):
        old = twin.read_text()
        text = re.sub(r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/",
                      f"https://colab.research.google.com/github/{slug}/blob/", old)
        text = re.sub(r'"gans-edu @ git\+[^"]+"', f'"{install_spec(url, ref)}"', text)
        if text == old:
            continue
        twin.write_text(text)
        subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(twin)], check=True, capture_output=True)
        print(f"{twin.name}: updated")
    config = ROOT / "_config.yml"
    config.write_text(re.sub(r"(repository:\n  url: ).+", rf"\g<1>{url}", config.read_text()))
    print(f"repository URL {url} at {ref} written to the notebooks and _config.yml")


if __name__ == "__main__":
    main()
