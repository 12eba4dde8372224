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
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

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
    """Let MathJax render the maths of the page's table of contents."""
    _wrap_toc(page.toc)
    return html
