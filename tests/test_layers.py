"""The architecture, enforced: the specification at the bottom, the evidence on top.

Rule: *each layer imports only from the layers below it* (function-level imports included), and
the import graph of the package has no cycle. The layers, bottom to top (`LAYERS`):

    _validation, _version, _extras, _command → model, wirings → solvers, kernels → forward
    → gradients → theory → testing → interop → data → training, expressivity
    → expressivity_authors → trajectory → verify → cli and the package facade

Within one layer, a package imports only its own modules (``ltc_ref.solvers`` may not import
``ltc_ref.kernels``). The package facade ``ltc_ref/__init__.py`` re-exports the public names of
every layer, so it sits on top, beside the command line. The test reads every module with
``ast`` (nothing is imported), resolves relative imports, and fails on each import that points
up or sideways, and on any cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ltc_ref"

#: Bottom to top; an entry is a module or a package (with everything under it).
LAYERS = (
    ("ltc_ref._validation", "ltc_ref._version", "ltc_ref._extras", "ltc_ref._command"),
    ("ltc_ref.model", "ltc_ref.wirings"),
    ("ltc_ref.solvers", "ltc_ref.kernels"),
    ("ltc_ref.forward",),
    ("ltc_ref.gradients",),
    ("ltc_ref.theory",),
    ("ltc_ref.testing",),
    ("ltc_ref.interop",),
    ("ltc_ref.data",),
    ("ltc_ref.training", "ltc_ref.expressivity"),
    ("ltc_ref.expressivity_authors",),
    ("ltc_ref.trajectory",),
    ("ltc_ref.verify",),
    ("ltc_ref.cli", "ltc_ref"),
)


def read_package(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    """module name → (source text, whether it is a package's ``__init__``)."""
    out = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path.read_text(), is_package)
    return out


SOURCES = read_package()


def unit_of(module: str) -> str:
    """The entry of `LAYERS` a module belongs to (the longest matching prefix)."""
    matches = [u for layer in LAYERS for u in layer if module == u or module.startswith(u + ".")]
    assert matches, f"{module} is in no layer of tests/test_layers.py: add it to LAYERS"
    return max(matches, key=len)


def layer_of(module: str) -> int:
    unit = unit_of(module)
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def imports_of(module: str, sources) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import of ``ltc_ref`` code in the module, anywhere
    in it (function bodies included); ``from package import submodule`` is the submodule."""
    text, is_package = sources[module]
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("ltc_ref")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("ltc_ref"):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    out.append((node.lineno, sub if sub in sources else target))
    return out


def layering_violations(sources) -> list[str]:
    """Every import of ``sources`` that points up or sideways."""
    violations = []
    for module in sorted(sources):
        here, unit = layer_of(module), unit_of(module)
        for line, target in imports_of(module, sources):
            if unit_of(target) == unit:
                continue  # within one package or module
            there = layer_of(target)
            if there >= here:
                how = "up" if there > here else "sideways"
                violations.append(f"{module}:{line} (layer {here}) imports {target} "
                                  f"(layer {there}): {how}")  # fmt: skip
    return violations


def import_cycles(sources) -> list[str]:
    """The cycles of the module import graph, each as ``a -> b -> a``."""
    graph = {m: sorted({t for _, t in imports_of(m, sources) if t != m and t in sources})
             for m in sources}  # fmt: skip
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in graph[m]:
            if state.get(t) == "open":
                cycles.append(" -> ".join([*stack[stack.index(t) :], t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return cycles


def test_every_module_is_in_a_layer():
    for module in SOURCES:
        unit_of(module)


def test_no_import_points_up_or_sideways():
    violations = layering_violations(SOURCES)
    assert not violations, "\n".join(violations)


def test_the_import_graph_has_no_cycle():
    cycles = import_cycles(SOURCES)
    assert not cycles, "\n".join(cycles)


def test_the_rule_can_fail():
    """An upward import, a sideways one inside a function, and a cycle are each reported."""
    fake = {
        "ltc_ref.model.x": ("from ..forward import forward\n", False),
        "ltc_ref.forward": ("", False),
        "ltc_ref.solvers.y": ("def f():\n    from ..kernels import vjp\n", False),
        "ltc_ref.kernels": ("", True),
        "ltc_ref.testing.a": ("from .b import g\n", False),
        "ltc_ref.testing.b": ("from .a import f\n", False),
    }
    violations = layering_violations(fake)
    assert any("ltc_ref.model.x:1" in v and "imports ltc_ref.forward" in v and "up" in v
               for v in violations), violations  # fmt: skip
    assert any("ltc_ref.solvers.y:2" in v and "sideways" in v for v in violations), violations
    assert len(violations) == 2
    assert import_cycles(fake) == ["ltc_ref.testing.a -> ltc_ref.testing.b -> ltc_ref.testing.a"]
