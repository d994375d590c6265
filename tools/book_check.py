"""Check the built book in a real browser: every page, as a reader at 1280 px would see it.

    python tools/book_check.py [--profile smoke] [--pages 00_toys,intro]

Serves ``_build/<profile>/_build/html`` on 127.0.0.1 and drives headless Chromium (Debian's ``chromium`` and
``chromium-driver``, through selenium) over every page of the table of contents. Per page it checks that

* the page loads and MathJax typeset every formula (no raw ``$$``, ``\\(``, ``\\[`` or ``\\begin{`` left in
  the text outside code);
* every image loaded, and each timelapse the chapter draws is there as a player;
* every figure shows at the size it was drawn for (not shrunk to fit the column, so its labels read as
  drawn); figures drawn at fewer than two pixels per CSS pixel (soft on dense screens) are reported;
* no "Traceback", no warning text, no Colab set-up cell;
* no element is wider than the content column, and no display equation is cut (scrolls sideways).

Code blocks whose longest line scrolls sideways are reported, not failed. A screenshot of each page goes to
``_build/<profile>/screens/<page>.png``: look at them. Exits 1 if any page fails.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1280, 900
MAX_SHOT_HEIGHT = 16000  # px: longer pages are cut in the screenshot (not in the checks)

# Evaluated in the page: what a reader would see go wrong.
PAGE_JS = r"""
const done = arguments[arguments.length - 1];
const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
ready.then(() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const column = article.getBoundingClientRect();
  const clone = article.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, mjx-container, .highlight, .MathJax").forEach(e => e.remove());
  const text = clone.textContent;
  const raw = ["$$", "\\(", "\\[", "\\begin{"].filter(s => text.includes(s));
  const images = [...article.querySelectorAll("img")];
  // Images of the book itself; external ones (the Colab badge) cannot load offline and are only counted.
  const local = images.filter(i => i.src.startsWith(location.origin));
  const broken = local.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.split("/").pop());
  // Figures (not the players' frames): shown at the size they were drawn for (their width style or attribute,
  // else their pixels), so their labels are not shrunk; drawn at two pixels per CSS pixel, so they stay sharp.
  const figures = local.filter(i => i.naturalWidth > 0 && !i.closest(".animation"));
  // myst-nb writes a retina figure's size as style="width: ...px"
  const drawnFor = i => parseFloat(i.style.width) || Number(i.getAttribute("width")) || i.naturalWidth;
  const shrunk = figures.filter(i => i.getBoundingClientRect().width < 0.97 * drawnFor(i))
    .map(i => `${i.src.split("/").pop().slice(0, 12)} (${drawnFor(i)} -> ${Math.round(i.getBoundingClientRect().width)} px)`);
  const soft = figures.filter(i => i.naturalWidth < 1.9 * i.getBoundingClientRect().width).length;
  const wide = [];
  for (const e of article.querySelectorAll("*")) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= column.right + 2) continue;
    let scrolled = false;  // inside a container that scrolls sideways: the column itself is not widened
    for (let p = e.parentElement; p && p !== article; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if ((s === "auto" || s === "scroll" || s === "hidden") && p.getBoundingClientRect().right <= column.right + 2) {
        scrolled = true; break;
      }
    }
    const cls = (typeof e.className === "string" && e.className) ? "." + e.className.split(" ")[0] : "";
    if (!scrolled) wide.push(e.tagName.toLowerCase() + cls + ` (${Math.round(r.right - column.right)} px)`);
  }
  const cutMath = [...article.querySelectorAll("mjx-container[display='true']")]
    .filter(m => m.scrollWidth > m.clientWidth + 2 || m.getBoundingClientRect().right > column.right + 2)
    .map(m => (m.getAttribute("aria-label") || m.textContent).slice(0, 60));
  const longCode = [...article.querySelectorAll("pre")].filter(p => p.scrollWidth > p.clientWidth + 2).length;
  done({title: document.title, raw, broken, shrunk, soft, figures: figures.length, images: images.length,
        wide: wide.slice(0, 8), nWide: wide.length,
        cutMath, longCode, players: article.querySelectorAll(".animation").length,
        text: article.innerText, height: document.documentElement.scrollHeight,
        columnWidth: Math.round(column.width)});
});
"""
BAD_TEXT = ["Traceback (most recent call last)", "UserWarning", "RuntimeWarning", "FutureWarning", "DeprecationWarning",
            "Set-up: on Colab", "%pip install"]


def toc_pages() -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as paths without suffix (``book/01_gan``)."""
    toc = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^root:\s*(\S+)", toc, re.M) + re.findall(r"file:\s*(\S+)", toc)


def expected_players(page: str) -> int:
    """How many timelapses the chapter's source draws (``viz.timelapse(`` calls in the code of its twin)."""
    twin = ROOT / f"{page}.py"
    if not twin.exists():
        return 0
    return sum(line.count("viz.timelapse(") for line in twin.read_text().splitlines() if not line.startswith("#"))


@contextlib.contextmanager
def serve(directory: Path):
    """An HTTP server for ``directory`` on a free port of 127.0.0.1, for the duration of the block."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # one line per request would bury the report
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def browser():
    """Headless Chromium through chromedriver, at the width a laptop reader has."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not (chrome and driver):
        sys.exit("book-check needs Chromium and its driver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars"):
        options.add_argument(arg)
    b = webdriver.Chrome(service=Service(driver), options=options)
    b.set_script_timeout(120)
    b.set_page_load_timeout(120)
    return b


def check_page(b, url: str, page: str, shots: Path) -> tuple[list[str], list[str]]:
    """Load one page, run the checks, save its screenshot. Returns (failures, notes)."""
    b.set_window_size(WIDTH, HEIGHT)
    b.get(url)
    r = b.execute_async_script(PAGE_JS)
    fail, note = [], []
    if "404" in r["title"] or not r["text"].strip():
        fail.append(f"did not load (title {r['title']!r})")
    if r["raw"]:
        fail.append(f"formulas left untypeset: {r['raw']}")
    if r["broken"]:
        fail.append(f"{len(r['broken'])} of {r['images']} images of the book did not load: {r['broken'][:3]}")
    if r["shrunk"]:
        fail.append(f"{len(r['shrunk'])} figures shrunk to fit the column (labels smaller than drawn): {r['shrunk'][:3]}")
    if r["soft"]:
        note.append(f"{r['soft']} of {r['figures']} figures with fewer than 2 pixels per CSS pixel")
    want = expected_players(page)
    if r["players"] < want:
        fail.append(f"{r['players']} timelapse players, the chapter draws {want}")
    for bad in BAD_TEXT:
        if bad in r["text"]:
            fail.append(f"shows {bad!r}")
    if r["nWide"]:
        fail.append(f"{r['nWide']} elements wider than the {r['columnWidth']} px column: {r['wide']}")
    if r["cutMath"]:
        fail.append(f"{len(r['cutMath'])} display equations wider than the column: {r['cutMath'][:3]}")
    if r["longCode"]:
        note.append(f"{r['longCode']} code blocks scroll sideways")
    note.append(f"{r['images']} images, {r['players']} players")
    b.set_window_size(WIDTH, min(r["height"] + 50, MAX_SHOT_HEIGHT))
    b.save_screenshot(str(shots / (Path(page).name + ".png")))
    return fail, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--pages", help="comma-separated page names (default: every page of _toc.yml)")
    args = parser.parse_args()
    html = ROOT / "_build" / args.profile / "_build" / "html"
    if not (html / "index.html").exists():
        sys.exit(f"no built book in {html}: run `make book PROFILE={args.profile}` first")
    pages = toc_pages()
    if args.pages:
        wanted = {Path(name).name for name in args.pages.split(",")}  # "01_gan" or "book/01_gan"
        unknown = wanted - {Path(p).name for p in pages}
        if unknown:
            sys.exit(f"unknown pages {sorted(unknown)}; choose from: {', '.join(Path(p).name for p in pages)}")
        pages = [p for p in pages if Path(p).name in wanted]
    shots = ROOT / "_build" / args.profile / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    failed = 0
    b = browser()
    try:
        with serve(html) as base:
            for page in pages:
                fail, note = check_page(b, f"{base}/{page}.html", page, shots)
                failed += bool(fail)
                print(f"{'FAIL' if fail else 'ok  '} {page}: " + "; ".join(fail + note))
    finally:
        b.quit()
    print(f"{len(pages) - failed} of {len(pages)} pages pass; screenshots in {shots.relative_to(ROOT)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
