"""How to install an optional extra, in words that work.

ltc-ref is installed from a checkout of its repository (it is not on a package index), so
``pip install 'ltc-ref[plot]'`` fails; the messages of the optional features say
``pip install '.[plot]'`` (from the checkout) and name the extra's own packages, which install
anywhere.
"""

from __future__ import annotations

import importlib.metadata
import re

_EXTRA_MARKER = re.compile(r"""^(?P<req>[^;]+?)\s*;\s*extra\s*==\s*["'](?P<extra>[^"']+)["']\s*$""")


def extra_requirements(extra: str) -> list[str]:
    """The requirements of one extra of the installed ltc-ref (e.g. ``["matplotlib>=3.6"]``),
    from the package's metadata; empty when ltc-ref's metadata is not installed."""
    try:
        requires = importlib.metadata.requires("ltc-ref") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    out = []
    for line in requires:
        m = _EXTRA_MARKER.match(line)
        if m and m["extra"] == extra and not m["req"].startswith("ltc-ref"):
            out.append(m["req"].replace(" ", ""))
    return out


def install_hint(*extras: str) -> str:
    """``pip install '.[a,b]'`` (from a checkout of ltc-ref), with the extras' packages.

    >>> install_hint("plot")  # doctest: +SKIP
    "pip install '.[plot]' in a checkout of ltc-ref, or pip install 'matplotlib>=3.6'"
    """
    hint = f"pip install '.[{','.join(extras)}]' in a checkout of ltc-ref"
    packages = list(dict.fromkeys(r for e in extras for r in extra_requirements(e)))
    if packages:
        hint += ", or pip install " + " ".join(f"'{p}'" for p in packages)
    return hint


def with_hint(err: ImportError, *extras: str) -> str:
    """The error's message, with `install_hint` of the extras (default: the ``ncps`` extra,
    which also brings hypothesis) unless it already says how to install."""
    message = str(err)
    if "pip install" in message:
        return message
    return f"{message} ({install_hint(*(extras or ('ncps',)))})"
