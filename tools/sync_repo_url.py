"""Copy the repository URL from pyproject.toml ([project.urls] Repository) into every place that needs it.

    python tools/sync_repo_url.py

Rewrites the Colab badges and the Colab install lines of book/*.py, the repository URL in
_config.yml, then re-syncs the notebooks with jupytext. Run it after changing the URL.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    url = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    slug = url.removeprefix("https://github.com/")
    for twin in sorted((ROOT / "book").glob("*.py")):
        text = twin.read_text()
        text = re.sub(r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/",
                      f"https://colab.research.google.com/github/{slug}/blob/", text)
        text = re.sub(r'"gans-edu @ git\+[^"]+"', f'"gans-edu @ git+{url}"', text)
        twin.write_text(text)
        subprocess.run([sys.executable, "-m", "jupytext", "--to", "ipynb", str(twin), "-o", str(twin.with_suffix(".ipynb"))],
                       check=True, capture_output=True)
    config = ROOT / "_config.yml"
    config.write_text(re.sub(r"(repository:\n  url: ).+", rf"\g<1>{url}", config.read_text()))
    print(f"repository URL {url} written to the notebooks and _config.yml")


if __name__ == "__main__":
    main()
