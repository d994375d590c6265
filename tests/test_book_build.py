"""The book's Sphinx set-up: bibliography labels as the text cites, linked entries, single-page builds.

The builds here do not execute notebooks (``execute_notebooks: "off"``), so they take seconds.
"""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import book_config  # noqa: E402
import book_ext  # noqa: E402

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BIB = parse_file(str(ROOT / "book" / "references.bib"))
ENTRY = "arXiv preprint, 2015. arXiv:1511.06434"  # how DCGAN's bibliography entry ends


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.fixture(scope="module")
def unexecuted_config(tmp_path_factory) -> Path:
    """The config `make book` generates (tools/book_config.py), with notebooks not executed."""
    config = book_config.book_config("smoke")
    config["execute"]["execute_notebooks"] = "off"
    path = tmp_path_factory.mktemp("config") / "_config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _build(source: str, config: Path, out: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(JUPYTER_BOOK), "build", source, "--config", str(config), "--path-output", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.parametrize("key, label", [
    ("goodfellow2014gan", "Goodfellow et al., 2014"),
    ("mirza2014cgan", "Mirza and Osindero, 2014"),
    ("perarnau2017fantastic", "Perarnau, 2017"),
    ("kynkaanniemi2019pr", "Kynkäänniemi et al., 2019"),  # LaTeX accents decoded
    ("binkowski2018kid", "Bińkowski et al., 2018"),
])
def test_labels_read_as_the_text_cites(key, label):
    assert book_ext.author_year_label(BIB.entries[key]) == label


def test_a_repeated_label_gets_letters():
    entry = BIB.entries["arjovsky2017wgan"]
    assert list(book_ext.AuthorYearLabels().format_labels([entry, entry])) == [
        "Arjovsky et al., 2017a", "Arjovsky et al., 2017b"]


def test_every_entry_has_a_link():
    unlinked = [key for key, e in BIB.entries.items() if not {"eprint", "doi", "url"} & set(e.fields.keys())]
    assert not unlinked, f"entries without eprint, doi or url: {unlinked}"


def test_single_page_build_resolves_its_citations(unexecuted_config, tmp_path):
    """`jupyter-book build book/02_dcgan.ipynb`: book/ is the source folder, and no references page exists."""
    result = _build("book/02_dcgan.ipynb", unexecuted_config, tmp_path)
    assert "could not find bibtex key" not in result.stderr + result.stdout
    assert "does not exist" not in result.stderr + result.stdout  # _static found from the repository root
    text = _text(tmp_path / "_build" / "_page" / "02_dcgan" / "html" / "02_dcgan.html")
    assert "[Radford et al., 2015]" in text, "the citation did not render author-year"
    assert ENTRY in text, "no bibliography at the page's end"


def test_whole_book_bibliography_is_author_year_and_linked(unexecuted_config, tmp_path):
    _build(".", unexecuted_config, tmp_path)
    page = (tmp_path / "_build" / "html" / "book" / "references.html").read_text()
    text = _text(tmp_path / "_build" / "html" / "book" / "references.html")
    labels = re.findall(r"\[([^\]]+, \d{4}[a-z]?)\]", text)
    assert len(labels) == len(BIB.entries), labels
    assert labels == sorted(labels, key=str.casefold), "the bibliography is not in author order"
    assert page.count('href="https://arxiv.org/abs/') == sum("eprint" in e.fields for e in BIB.entries.values())
    # a chapter page carries no bibliography of its own in the whole-book build
    chapter = _text(tmp_path / "_build" / "html" / "book" / "02_dcgan.html")
    assert "[Radford et al., 2015]" in chapter and ENTRY not in chapter


def test_generated_config_finds_the_local_extensions():
    """`make book` builds from _build/<profile>/_config.yml; jupyter-book resolves extension paths from there."""
    extensions = book_config.book_config("smoke")["sphinx"]["local_extensions"]
    assert extensions and all(Path(path).is_absolute() and (Path(path) / f"{name}.py").exists()
                              for name, path in extensions.items())
