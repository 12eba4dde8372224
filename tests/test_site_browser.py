"""The built documentation site in headless Chromium: maths rendered offline, images loaded, no
console errors, nothing loaded from another host. The tests that need the browser are marked
``browser`` and are not in the default run; the two pure checks of the helpers run everywhere.

Run it with the system's Chromium (Debian: ``apt-get install chromium``) and Playwright for
Python (``pip install ".[browser]"``; never ``playwright install``, which downloads a browser)::

    pytest -m browser tests/test_site_browser.py

The site is built with ``mkdocs build --strict`` into a temporary directory, or taken from
``LTC_REF_SITE_DIR`` when set (``.ci/run`` builds it once). Pages that fail leave a full-page
screenshot in ``LTC_REF_SITE_SCREENSHOTS`` (default: the test's temporary directory). The tests
skip, saying why, without Chromium, Playwright or MkDocs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .site_browser import check_page, find_chromium, is_local, launch, raw_tex, serve

browser = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]

#: The key pages: (path in the site, has maths).
PAGES = (
    ("", True),  # home
    ("getting-started/", False),
    ("model/", True),
    ("derivations/", True),
    ("theorems/", True),  # a heading with maths: the tables of contents render it too
    ("results/", False),
    ("benchmarks/", False),
    ("crosscheck/", True),
    ("api/forward/", True),
    ("api/conductance/", True),
    ("api/training/", True),
)


def _chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium: install Debian's chromium (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def playwright():
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="needs Playwright for Python: pip install '.[browser]' (the system's Chromium "
        "is used; never run `playwright install`)",
    )
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def context(playwright, tmp_path_factory):
    ctx = launch(playwright, _chromium(), tmp_path_factory.mktemp("chromium-profile"))
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("LTC_REF_SITE_DIR")
    if given:
        site = Path(given)
        assert (site / "index.html").is_file(), f"LTC_REF_SITE_DIR={given}: no index.html"
        return site
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install '.[docs]'")
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"mkdocs build --strict failed:\n{out.stdout}\n{out.stderr}"
    return site


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    given = os.environ.get("LTC_REF_SITE_SCREENSHOTS")
    return Path(given) if given else tmp_path_factory.mktemp("screenshots")


@browser
@pytest.mark.parametrize(("path", "has_math"), PAGES, ids=[p or "home" for p, _ in PAGES])
def test_the_sites_key_pages_render_offline(site, context, screenshots, path, has_math):
    with serve(site) as base:
        name = (path.strip("/") or "home").replace("/", "-")
        result = check_page(
            context, base + path, expect_math=has_math, screenshot=screenshots / f"{name}.png"
        )
    assert result.passed, f"{result}\n  (screenshot: {screenshots / f'{name}.png'})"
    assert result.images or path != "", "the home page shows a figure"
    if path == "theorems/":
        assert result.math["toc_math"] > 0, "the heading with maths is in the tables of contents"


@browser
def test_the_site_serves_mathjax_itself(site):
    """The renderer is part of the built site (from the docs extra), not a CDN."""
    assert (site / "mathjax" / "tex-chtml.js").is_file()
    fonts = site / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("*.woff")), "MathJax's fonts are in the site"
    html = (site / "index.html").read_text()
    assert "unpkg.com" not in html and "cdn.jsdelivr" not in html and "googleapis" not in html


# ---- the checks can fail: tiny hand-made pages ----------------------------------------------

_PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

_BAD_PAGES = {
    "raw-tex.html": "<p>The step <span>\\(\\Delta t > 0\\)</span> is left as TeX.</p>",
    "raw-display.html": "<p>An equation:</p><div>\\[ x = 1 \\]</div>",
    "broken-image.html": '<p><img src="missing.png" alt="gone"></p>',
    "console-error.html": "<script>console.error('something broke')</script><p>text</p>",
    "uncaught.html": "<script>undefinedFunction()</script><p>text</p>",
    "cdn.html": '<script src="https://cdn.example.org/mathjax.js"></script><p>text</p>',
    "unrendered.html": '<p>Maths: <span class="arithmatex">x</span></p>',
    "cut.html": '<div class="arithmatex" style="width: 100px; overflow: hidden">'
    '<span style="display: inline-block; width: 500px">a long equation</span></div>',
}


@pytest.fixture(scope="module")
def handmade(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("handmade")
    (d / "dot.png").write_bytes(_PNG_1x1)
    page = "<!doctype html><html><head><meta charset='utf-8'></head><body>{}</body></html>"
    for name, body in _BAD_PAGES.items():
        (d / name).write_text(page.format(body))
    (d / "good.html").write_text(
        page.format(
            '<p>Fine: <img src="dot.png" alt="dot"></p><pre><code>r"\\(x\\)" in code is '
            "fine</code></pre>"
        )
    )
    return d


@browser
def test_a_clean_hand_made_page_passes(handmade, context):
    with serve(handmade) as base:
        result = check_page(context, base + "good.html", expect_math=False)
    assert result.passed, str(result)
    assert result.images and result.images[0]["width"] == 1


@browser
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("raw-tex.html", "raw TeX in the visible text"),
        ("raw-display.html", "raw TeX in the visible text"),
        ("broken-image.html", "images that did not load"),
        ("console-error.html", "console errors: ['something broke']"),
        ("uncaught.html", "console errors: ['uncaught: "),
        ("cdn.html", "requests to other hosts (blocked): ['https://cdn.example.org/mathjax.js']"),
        ("unrendered.html", "maths left unrendered"),
        ("cut.html", "wide content cut off (the block does not scroll): ['div.arithmatex: 500 px"),
    ],
)
def test_the_check_catches_a_broken_page(handmade, context, tmp_path, name, expected):
    shot = tmp_path / "shot.png"
    with serve(handmade) as base:
        result = check_page(context, base + name, expect_math=False, screenshot=shot)
    assert not result.passed
    assert any(p.startswith(expected) for p in result.problems), str(result)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "a failing page leaves a screenshot"


@browser
def test_a_page_with_maths_but_no_mathjax_fails(handmade, context):
    with serve(handmade) as base:
        result = check_page(context, base + "good.html", expect_math=True)
    assert "MathJax did not start (its script did not load or run)" in result.problems
    assert "no rendered maths (no mjx-container) on a page with maths" in result.problems


def test_local_and_external_urls():
    assert is_local("http://127.0.0.1:8000/x.js") and is_local("http://localhost/")
    assert is_local("http://[::1]:80/") and is_local("data:image/png;base64,AAAA")
    assert not is_local("https://unpkg.com/mathjax@3/es5/tex-mml-chtml.js")
    assert not is_local("https://fonts.googleapis.com/css?family=Roboto")


def test_raw_tex_finds_each_delimiter_and_nothing_else():
    assert raw_tex(["a \\(x\\) b"]) == ["a \\(x\\) b"]
    assert raw_tex(["\\[ y \\]"]) == ["\\[ y \\]"]
    assert raw_tex(["plain (text) [with] brackets", "Δt > 0"]) == []
