"""Write the Jupyter Book config for one profile: ``_build/<profile>/_config.yml``.

    python tools/book_config.py cpu

The committed ``_config.yml`` executes every notebook afresh ("force"), so a plain ``jupyter-book build .``
can never show outputs made under another profile. ``make book`` builds from this generated copy instead:
execution cached per profile (``_build/<profile>/.jupyter_cache``: fast rebuilds, never mixed between
profiles) and the profile named in every page's footer. When a local MathJax is there (``make mathjax``, from
npm), the pages load it from the book itself instead of a CDN, so the built book reads offline.
"""

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = Path("_build/vendor/node_modules/mathjax")  # `make mathjax` puts it here (relative to ROOT)
sys.path.insert(0, str(ROOT))

from gans_edu.profiles import PROFILES, check_profile  # noqa: E402


def book_config(profile: str) -> dict:
    """The committed config with execution cached per profile and the profile in the footer."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"].update(execute_notebooks="cache", cache=f"_build/{profile}/.jupyter_cache")
    # jupyter-book finds local extensions relative to the config file, which now lives in _build/<profile>/
    sphinx_section = config.setdefault("sphinx", {})
    sphinx_section["local_extensions"] = {name: str(ROOT / path) for name, path in
                                          sphinx_section.get("local_extensions", {}).items()}
    footer = config.setdefault("html", {}).get("extra_footer", "")
    config["html"]["extra_footer"] = (f"<p>Outputs made in the <b>{profile}</b> profile "
                                      f"(<code>GANS_EDU_PROFILE={profile}</code>).</p>" + footer)
    if (ROOT / MATHJAX / "es5" / "tex-chtml.js").exists():  # copied into _static; the path is relative to it
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["html_static_path"] = list(sphinx.get("html_static_path", [])) + [str(MATHJAX)]
        sphinx["mathjax_path"] = "es5/tex-chtml.js"
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", help=f"one of: {', '.join(PROFILES)}")
    profile = check_profile(parser.parse_args().profile)
    out = ROOT / "_build" / profile / "_config.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(book_config(profile), sort_keys=False))
    local = (ROOT / MATHJAX).exists()
    print(f"wrote {out.relative_to(ROOT)}; MathJax from " + ("the book itself (offline)" if local else
                                                              "a CDN (`make mathjax` once for offline reading)"))


if __name__ == "__main__":
    main()
