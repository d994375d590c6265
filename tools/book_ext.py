"""The book's own Sphinx extension (``_config.yml``: ``sphinx.local_extensions``).

Two things the stock set-up gets wrong for this book:

* **Bibliography labels.** The text cites author-year ("[Radford et al., 2015]",
  ``bibtex_reference_style: author_year``), but pybtex's default ``alpha`` labels list the same paper as
  ``[RMC15]``. The ``author_year`` bibliography style here labels every entry the way the text cites it
  ("Radford et al., 2015"), sorts by author and year, and links each entry's ``eprint`` (arXiv), ``doi``
  and ``url`` fields (pybtex's ``unsrt`` formatting does the linking).
* **Single-page builds.** ``jupyter-book build book/02_dcgan.ipynb`` uses the root ``_config.yml`` but
  ``book/`` as the source folder, so ``bibtex_bibfiles: [book/references.bib]`` would be looked for in
  ``book/book/``, and the page has no references page to resolve its citations against. Paths that do
  not exist under the source folder are taken from the repository root, and a single page gets its own
  bibliography at its end.
"""

import json
from collections import Counter
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle

ROOT = Path(__file__).resolve().parents[1]


def _surname(person) -> str:
    """'van den Oord', 'Kynkäänniemi': the name as the text prints it (LaTeX accents decoded)."""
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year_label(entry) -> str:
    """'Goodfellow et al., 2014', 'Mirza and Osindero, 2014', 'Perarnau, 2017'."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    year = entry.fields.get("year", "n.d.")
    if not people:
        return f"{entry.fields.get('title', entry.key)}, {year}"
    if len(people) == 1:
        names = _surname(people[0])
    elif len(people) == 2:
        names = f"{_surname(people[0])} and {_surname(people[1])}"
    else:
        names = f"{_surname(people[0])} et al."
    return f"{names}, {year}"


class AuthorYearLabels(BaseLabelStyle):
    """Labels as the text cites; two entries with one label get 'a', 'b' after the year."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year_label(e) for e in entries]
        repeated = {label for label, n in Counter(labels).items() if n > 1}
        seen = Counter()
        for label in labels:
            if label in repeated:
                seen[label] += 1
                label = f"{label}{chr(ord('a') + seen[label] - 1)}"
            yield label


class AuthorYearStyle(UnsrtStyle):
    """pybtex's ``unsrt`` entries (with their links), author-year labels, sorted by author, year, title."""

    default_label_style = "author_year"
    default_sorting_style = "author_year_title"


register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)


def _from_root(app, names: list[str]) -> list[str]:
    """Paths as given where they exist under the conf folder (the source folder), else from the repository root."""
    return [name if (Path(app.confdir) / name).exists() or not (ROOT / name).exists() else str(ROOT / name)
            for name in names]


def _resolve_paths(app, config) -> None:
    config.bibtex_bibfiles = _from_root(app, config.bibtex_bibfiles)
    config.html_static_path = _from_root(app, config.html_static_path)


def _bibliography_on_single_page(app, docname: str, source: list[str]) -> None:
    """A single-page build has no references page, so the page lists what it cites at its end."""
    if "sphinx_external_toc" in app.extensions or docname != app.config.root_doc:
        return  # a whole-book build: book/references.md holds the bibliography
    directive = "## References\n\n```{bibliography}\n```\n"
    if Path(app.env.doc2path(docname)).suffix == ".ipynb":
        notebook = json.loads(source[0])
        notebook["cells"].append({"cell_type": "markdown", "id": "single-page-references", "metadata": {}, "source": directive})
        source[0] = json.dumps(notebook)
    else:
        source[0] += "\n\n" + directive


def setup(app):
    app.connect("config-inited", _resolve_paths, priority=100)
    app.connect("source-read", _bibliography_on_single_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
