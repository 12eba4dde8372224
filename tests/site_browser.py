"""Check pages of the built documentation site in headless Chromium (Playwright).

Used by ``tests/test_site_browser.py``. A page passes when, served from localhost:

* the maths rendered: MathJax's elements (``mjx-container``) are present where the page has maths
  (every ``.arithmatex`` element holds exactly one, the tables of contents included), no raw TeX
  delimiter ``\\(``, ``\\)``, ``\\[``, ``\\]`` is left in the text a reader sees (code blocks
  excepted);
* a long equation, code block or table scrolls inside its block rather than being cut off;
* every ``<img>`` loaded (``naturalWidth > 0``);
* the console shows no error and no script raised;
* no request left localhost: every other request is **blocked** (so a page that needs a CDN, a
  web font or an API fails the check instead of silently using the network) and reported.

The browser is the system's Chromium (Debian's ``chromium``), never one that Playwright
downloads; `find_chromium` looks for it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Flags for headless Chromium as root in a container: no sandbox (root), no GPU, and none of
#: the background services that would reach the network (QUIC, component updates, sync).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: Where the system's Chromium usually is (``LTC_REF_CHROMIUM`` overrides).
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

#: How long a page may take to load and typeset, ms (MathJax typesets a long page in ~1-3 s;
#: the machine may be shared with other jobs).
PAGE_TIMEOUT_MS = 120_000

#: Wide enough that Material shows both sidebars, so the tables of contents are checked too.
VIEWPORT = {"width": 1440, "height": 1000}

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

_TEX_DELIMITERS = ("\\(", "\\)", "\\[", "\\]")

# Visible text outside code, scripts and MathJax's own output: [text, snippet] per text node.
_VISIBLE_TEXT_JS = """() => {
  const skip = "pre, code, script, style, textarea, noscript, mjx-container, mjx-assistive-mml";
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const text = node.nodeValue;
    if (text.trim()) out.push(text);
  }
  return out;
}"""

_MATH_JS = """() => {
  const arith = Array.from(document.querySelectorAll(".arithmatex"));
  const unrendered = arith.filter(e => !e.querySelector("mjx-container"))
                          .map(e => e.textContent.trim().slice(0, 80));
  const doubled = arith.filter(e => e.querySelectorAll("mjx-container").length > 1).length;
  const tocMath = document.querySelectorAll(".md-nav__link .arithmatex").length;
  const tocRendered = document.querySelectorAll(".md-nav__link .arithmatex mjx-container").length;
  return {arithmatex: arith.length, containers: document.querySelectorAll("mjx-container").length,
          unrendered: unrendered, doubled: doubled, toc_math: tocMath,
          toc_rendered: tocRendered};
}"""

# Blocks whose content is wider than they are and that do not scroll (text cut off), and a page
# wider than the window (the layout broken by something too wide).
_CUT_JS = """() => {
  const out = Array.from(document.querySelectorAll(
      "div.arithmatex, pre > code, .md-typeset__scrollwrap")).filter(e => {
    const style = getComputedStyle(e);
    return e.scrollWidth > e.clientWidth + 1 && !["auto", "scroll"].includes(style.overflowX)
      && e.checkVisibility();
  }).map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} px in ${e.clientWidth}`);
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1)
    out.push(`the page: ${page.scrollWidth} px in a ${window.innerWidth} px window`);
  return out;
}"""

_IMAGES_JS = """() => Array.from(document.images).map(
  img => ({src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth}))"""

# Resolves when MathJax has started and typeset the page (false at once without MathJax).
_MATHJAX_DONE_JS = """async () => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return false;
  await mj.startup.promise;
  return true;
}"""


def find_chromium() -> str | None:
    """The system's Chromium executable, or None (``LTC_REF_CHROMIUM`` overrides the search)."""
    env = os.environ.get("LTC_REF_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    return shutil.which("chromium")


def is_local(url: str) -> bool:
    """Whether a request URL stays on this machine (localhost, or no network at all)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return parts.hostname in {h.strip("[]") for h in LOCAL_HOSTS}


def raw_tex(texts) -> list[str]:
    """The pieces of visible text that still hold a TeX delimiter, with a little context."""
    found = []
    for text in texts:
        for delim in _TEX_DELIMITERS:
            i = text.find(delim)
            if i >= 0:
                found.append(text[max(0, i - 30) : i + 50].strip())
                break
    return found


@dataclass
class PageCheck:
    """What `check_page` found on one page; ``problems`` is empty when the page passes."""

    url: str
    problems: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    images: list = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.url}: {'ok' if self.passed else 'FAIL'}"
        return "\n  ".join([head, *self.problems])


@contextlib.contextmanager
def serve(directory):
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the test reports failed requests itself
        pass


def launch(playwright, executable: str, user_data_dir):
    """A persistent Chromium context on a fresh profile directory, every external request
    blocked (and recorded in ``context.ltc_blocked``)."""
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=executable,
        headless=True,
        args=list(CHROMIUM_ARGS),
        viewport=VIEWPORT,
        service_workers="block",
    )
    context.ltc_blocked = []

    def route(route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            context.ltc_blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def check_page(context, url: str, *, expect_math: bool, screenshot: Path | None = None):
    """Load ``url`` in a new page of ``context`` and check it (see the module docstring).

    Args:
        context: from `launch`.
        url: the page.
        expect_math: the page has maths, so MathJax's elements must be there.
        screenshot: where to save a full-page screenshot when the page fails (None: none).

    Returns:
        A `PageCheck`.
    """
    result = PageCheck(url)
    start = len(context.ltc_blocked)
    page = context.new_page()
    console, failed = [], []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: failed.append(f"{r.url} ({r.failure})") if is_local(r.url) else None,
    )
    try:
        response = page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        if response is None or not response.ok:
            status = "no response" if response is None else response.status
            result.problems.append(f"the page did not load: {status}")
        has_mathjax = page.evaluate(_MATHJAX_DONE_JS)
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
        result.math = page.evaluate(_MATH_JS)
        result.images = page.evaluate(_IMAGES_JS)
        texts = page.evaluate(_VISIBLE_TEXT_JS)
        cut = page.evaluate(_CUT_JS)
    except Exception as err:  # a timeout or a crash is a failed page, with its screenshot
        result.problems.append(f"could not check the page: {type(err).__name__}: {err}")
        has_mathjax, texts, cut = False, [], []
    result.blocked = context.ltc_blocked[start:]
    math = result.math
    if expect_math:
        if not has_mathjax:
            result.problems.append("MathJax did not start (its script did not load or run)")
        if not math.get("containers"):
            result.problems.append("no rendered maths (no mjx-container) on a page with maths")
    if math.get("unrendered"):
        result.problems.append(f"maths left unrendered: {math['unrendered'][:5]}")
    if math.get("doubled"):
        result.problems.append(f"maths typeset more than once: {math['doubled']} elements")
    if math.get("toc_math", 0) != math.get("toc_rendered", 0):
        result.problems.append(
            f"maths in the tables of contents: {math['toc_rendered']} of {math['toc_math']} "
            "rendered"
        )
    tex = raw_tex(texts)
    if tex:
        result.problems.append(f"raw TeX in the visible text: {tex[:5]}")
    if cut:
        result.problems.append(f"wide content cut off (the block does not scroll): {cut[:5]}")
    broken = [i["src"] for i in result.images if not i["complete"] or i["width"] == 0]
    if broken:
        result.problems.append(f"images that did not load: {broken}")
    if console:
        result.problems.append(f"console errors: {console[:5]}")
    if failed:
        result.problems.append(f"failed requests: {failed[:5]}")
    if result.blocked:
        result.problems.append(f"requests to other hosts (blocked): {result.blocked[:5]}")
    if screenshot is not None and result.problems:
        with contextlib.suppress(Exception):
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True, timeout=PAGE_TIMEOUT_MS)
    page.close()
    return result
