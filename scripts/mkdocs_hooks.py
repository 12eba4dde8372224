"""MkDocs hooks of the ltc-ref site (``hooks:`` in mkdocs.yml): maths that renders offline.

* MathJax 3 is served by the site itself. Its files come from the ``django-static-mathjax``
  package (a dependency of the ``docs`` extra: a copy of MathJax's distribution, no
  dependencies of its own) and are added to the build as ``mathjax/...``: no page loads anything
  from another host, so the equations render on a machine without a network.
* Headings with maths: the table of contents keeps a heading's text as HTML in which
  ``pymdownx.arithmatex`` left the TeX (``\\(\\Delta t > 0\\)``) outside any element MathJax
  processes. `on_page_content` wraps every ``\\(...\\)`` of the page's table of contents in the
  same ``<span class="arithmatex">`` that arithmatex gives the heading itself, so MathJax
  renders it in both sidebars as in the heading.
* Names linked: a name in backticks (``SynapticParams``, ``ltc_ref.vjp``, ``step_range``) in the
  text of any page, docstrings included, links to its entry in the API reference when it names
  exactly one documented object (`link_names`). mkdocstrings links the names in signatures and
  in the types of the parameter and return tables itself.
"""

from __future__ import annotations

import html as html_lib
import importlib
import importlib.util
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

#: Where the site serves MathJax (mkdocs.yml's ``extra_javascript`` loads
#: ``mathjax/tex-chtml.js``).
SITE_DIR = "mathjax"

#: The parts of MathJax's ``es5`` directory the site needs: the combined TeX input + CommonHTML
#: output component (TeX only: pymdownx.arithmatex writes TeX, and a MathML input would typeset
#: the assistive MathML of already rendered maths again), the TeX extensions it loads on demand,
#: its fonts, the menu and the accessibility components the menu can switch on. The other
#: combined components (SVG output, node) are left out (≈ 15 MB).
PARTS = (
    "tex-chtml.js",
    "input",
    "output/chtml.js",
    "output/chtml",
    "ui",
    "a11y",
    "sre",
    "adaptors",
)

_INLINE_TEX = re.compile(r"\\\((.+?)\\\)", re.S)


def mathjax_dir() -> Path:
    """The ``es5`` directory of the installed MathJax distribution (django-static-mathjax).

    Raises:
        PluginError: the package is not installed, or its layout is not MathJax 3's.
    """
    spec = importlib.util.find_spec("mathjax")
    hint = "install the docs extra: pip install '.[docs]' (from a checkout of ltc-ref)"
    if spec is None or not spec.submodule_search_locations:
        raise PluginError(f"MathJax's files are missing (django-static-mathjax): {hint}")
    root = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (root / "tex-chtml.js").is_file():
        raise PluginError(f"no MathJax 3 distribution under {root}: {hint}")
    return root


def mathjax_files(root: Path) -> list[tuple[str, Path]]:
    """``(path in the site, file)`` for every file of `PARTS` under ``root``."""
    out = []
    for part in PARTS:
        path = root / part
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        if not files:
            raise PluginError(f"MathJax's distribution has no {part} under {root}")
        out += [(f"{SITE_DIR}/{p.relative_to(root).as_posix()}", p) for p in files]
    return out


def on_files(files, config):
    """Add MathJax's files to the site (they are copied, never read as pages)."""
    for uri, path in mathjax_files(mathjax_dir()):
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def wrap_inline_tex(title: str) -> str:
    """A table-of-contents title (HTML) with each ``\\(...\\)`` in an arithmatex span."""
    return _INLINE_TEX.sub(lambda m: f'<span class="arithmatex">{m.group(0)}</span>', title)


def _wrap_toc(items) -> None:
    for item in items:
        item.title = wrap_inline_tex(item.title)
        _wrap_toc(item.children)


def on_page_content(html, page, config, files):
    """Let MathJax render the maths of the page's table of contents; remember its API anchors
    (every page's content is rendered before the first page is written, `on_post_page`)."""
    _wrap_toc(page.toc)
    record_anchors(html, page.url)
    return html


# ---- names linked to the API reference ---------------------------------------------------------

_ANCHOR = re.compile(
    r'id="(ltc_ref(?:\.\w+)*)" class="doc doc-heading">\s*'
    r'<code class="doc-symbol doc-symbol-heading doc-symbol-(\w+)">'
)
_CODE = re.compile(r"<code>([A-Za-z_][\w.]*)</code>")
# Where no link is added: existing links, code blocks, headings, mkdocstrings' signatures and
# labels.
_PROTECTED = re.compile(
    r"<a\b.*?</a>|<pre\b.*?</pre>|<h[1-6]\b.*?</h[1-6]>"
    r'|<div class="doc-signature.*?</div>|<small class="doc-label.*?</small>',
    re.S,
)
_ARTICLE = re.compile(r'(<article class="md-content__inner[^"]*">)(.*?)(</article>)', re.S)

#: Anchor id of every documented object → ``(URL of its page, kind)``, kind being
#: mkdocstrings' symbol type (module, class, function, method, attribute); filled as pages render.
ANCHORS: dict[str, tuple[str, str]] = {}

#: The kinds a bare name (no dots) may stand for: a bare ``params`` or ``shape`` in the text is
#: an argument or a field far more often than a module or an attribute.
BARE_KINDS = ("class", "function")

#: Bare names never linked: documented functions whose names are also the usual names of
#: arguments and variables in the text (``cases``, ``inputs``, ``dts`` of the strategies).
BARE_EXCLUDED = frozenset({"cases", "inputs", "dts", "wirings", "data"})


def on_config(config):
    ANCHORS.clear()
    return config


def record_anchors(html: str, page_url: str) -> None:
    """Remember the API anchors (mkdocstrings' ``id="ltc_ref...."``) of a rendered page."""
    for name, kind in _ANCHOR.findall(html):
        ANCHORS.setdefault(name, (page_url, kind))


def _public_path(name: str) -> str | None:
    """The documented path of a name exported by ltc_ref (``ltc_ref.vjp`` →
    ``ltc_ref.gradients.bptt.vjp``), or None."""
    module, _, attr = name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError):
        return None
    mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    return f"{mod}.{qual}" if mod and qual else None


def resolve(name: str, anchors: dict[str, tuple[str, str]]) -> str | None:
    """The anchor a backticked name stands for, or None when it names no single object.

    A dotted ``ltc_ref....`` name is looked up as written, then as the object it names (the
    package's re-exports); a bare name is ``ltc_ref.<name>`` if the package exports it, else
    the one documented function or class (`BARE_KINDS`) with that last component.
    """
    if name.startswith("ltc_ref"):
        if name in anchors:
            return name
        target = _public_path(name)
        return target if target in anchors else None
    if "." in name or name in BARE_EXCLUDED:
        return None
    target = _public_path(f"ltc_ref.{name}")
    if target in anchors:
        return target
    matches = [
        a for a, (_, kind) in anchors.items() if a.rsplit(".", 1)[-1] == name and kind in BARE_KINDS
    ]
    return matches[0] if len(matches) == 1 else None


def link_names(html: str, page_url: str, anchors: dict[str, tuple[str, str]]) -> str:
    """``<code>Name</code>`` → a link to Name's API entry, outside links, code blocks,
    headings and signatures (only in the page's article)."""

    def link(match):
        target = resolve(html_lib.unescape(match.group(1)), anchors)
        if target is None:
            return match.group(0)
        href = get_relative_url(anchors[target][0], page_url) + "#" + target
        return f'<a class="ltc-autolink" href="{href}" title="{target}">{match.group(0)}</a>'

    def article(m):
        parts = _PROTECTED.split(m.group(2))
        kept = _PROTECTED.findall(m.group(2))
        out = [_CODE.sub(link, parts[0])]
        for protected, text in zip(kept, parts[1:], strict=True):
            out += [protected, _CODE.sub(link, text)]
        return m.group(1) + "".join(out) + m.group(3)

    return _ARTICLE.sub(article, html)


def on_post_page(output, page, config):
    return link_names(output, page.url, ANCHORS)
