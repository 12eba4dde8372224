"""The documentation's promises that need no browser: the home page repeats the README's example,
the snippets of docs/crosscheck.md run, no page points at notes a reader does not have, install
hints that work from a checkout, and the site hooks (scripts/mkdocs_hooks.py: MathJax from the
docs extra, maths in the tables of contents, names linked to the API reference)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import ltc_ref
from ltc_ref._extras import extra_requirements, install_hint, with_hint

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CROSSCHECK = DOCS / "crosscheck.md"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def _tagged(tag: str) -> str:
    (block,) = [b for b in _python_blocks(CROSSCHECK) if b.startswith(f"# check: {tag}\n")]
    return block


def _hooks():
    """The site's hooks (``scripts/mkdocs_hooks.py``), which import mkdocs: the docs extra."""
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install '.[docs]'")
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts/mkdocs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- pages -----------------------------------------------------------------------------------


def test_the_home_page_shows_the_readme_example_and_a_figure_with_its_command():
    (example,) = _python_blocks(ROOT / "README.md")
    home = (DOCS / "index.md").read_text()
    assert example in _python_blocks(DOCS / "index.md")
    (image,) = re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", home)
    assert (DOCS / image).is_file()
    assert "ltc-ref train gesture" in home and "--plot" in home  # how the figure is made


def test_no_page_or_docstring_points_at_the_projects_internal_spec():
    """``SPEC §n`` named the project's internal notes; pages and docstrings point at the docs'
    own pages or the paper's sections instead."""
    paths = [ROOT / "README.md", *DOCS.rglob("*.md"), *(ROOT / "ltc_ref").rglob("*.py")]
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in paths
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"SPEC §|SPEC\.md|beside SPEC", line)
    ]
    assert not found, found


def test_no_install_command_names_a_package_index_that_does_not_have_ltc_ref():
    """``pip install 'ltc-ref[x]'`` fails (ltc-ref is installed from its checkout); only
    ltc_ref/_extras.py quotes it, to say so."""
    quoting = {"ltc_ref/_extras.py"}
    paths = [ROOT / "README.md", *DOCS.rglob("*.md"), *(ROOT / "ltc_ref").rglob("*.py")]
    paths += [*(ROOT / "examples").rglob("*.py")]
    pattern = re.compile(r"""pip install (-e )?["']?ltc-ref\[""")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in paths
        if str(p.relative_to(ROOT)) not in quoting
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


def test_the_sites_repository_and_address_are_the_projects_urls():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    config = (ROOT / "mkdocs.yml").read_text()
    assert f"repo_url: {urls['Repository']}\n" in config
    assert f"site_url: {urls['Documentation'].rstrip('/')}/\n" in config


def test_the_gradients_page_has_no_dangling_reference_to_a_table():
    text = (DOCS / "gradients.md").read_text()
    assert "needs the\n  table above." not in text and "BPTT needs the table above" not in text


# ---- the snippets of docs/crosscheck.md ------------------------------------------------------


def test_every_python_snippet_of_the_crosscheck_page_imports_what_it_uses():
    """Each block either runs in a test (``# check: <tag>``) or is a fragment whose free names
    (the user's data) are introduced in a comment; none uses ``ltc_ref`` without importing it."""
    for block in _python_blocks(CROSSCHECK):
        if "ltc_ref." in block.replace("from ltc_ref.", ""):
            assert "import ltc_ref" in block, block


def test_the_epsilon_snippet_prints_the_report_shown_below_it(capsys):
    exec(compile(_tagged("epsilon"), str(CROSSCHECK), "exec"), {})
    shown = re.search(
        r"```text\n(forward pass vs ltc-ref: 0/1 cases pass .*?)\n```", CROSSCHECK.read_text(), re.S
    ).group(1)
    assert capsys.readouterr().out.rstrip("\n") == shown


def test_the_property_snippet_runs_with_the_numpy_candidate_of_the_page(tmp_path, capsys):
    """The two snippets as one module (hypothesis reads the test's source, so a real file)."""
    pytest.importorskip("hypothesis")
    from hypothesis import settings

    path = tmp_path / "my_property_test.py"
    path.write_text(_tagged("numpy") + "\n\n" + _tagged("property"))
    spec = importlib.util.spec_from_file_location("my_property_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings(max_examples=3, database=None)(module.test_my_forward)()


def test_the_authors_snippet_runs_on_their_variables():
    from ltc_ref.interop import authors

    rng = np.random.default_rng(0)
    params = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(4).build(3), rng)
    variables = authors.params_to_authors(params)
    x = rng.standard_normal((2, 5, 3))
    namespace = {"variables": variables, "x": x}
    exec(compile(_tagged("authors"), str(CROSSCHECK), "exec"), namespace)
    y, _ = ltc_ref.forward(params, x, **authors.authors_forward_kwargs("semi_implicit"))
    np.testing.assert_array_equal(namespace["y"], y)


# ---- install hints ---------------------------------------------------------------------------


def test_install_hints_work_from_a_checkout_and_name_the_packages():
    hint = install_hint("plot")
    assert hint.startswith("pip install '.[plot]' in a checkout of ltc-ref")
    assert "ltc-ref[" not in hint
    if extra_requirements("plot"):  # ltc-ref's metadata is installed
        assert "'matplotlib>=" in hint
        assert "'torch==" in install_hint("ncps") and "'ncps==" in install_hint("ncps")
    assert install_hint("ncps", "test").startswith("pip install '.[ncps,test]'")


def test_an_import_error_gets_the_hint_once():
    bare = ImportError("No module named 'hypothesis'")
    assert with_hint(bare).endswith(f"({install_hint('ncps')})")
    hinted = ImportError(f"needs torch: {install_hint('ncps')}")
    assert with_hint(hinted) == str(hinted)


# ---- the site's hooks ------------------------------------------------------------------------


def test_headings_maths_is_wrapped_for_mathjax_in_the_tables_of_contents():
    hooks = _hooks()
    title = r"The fused step: any \(\Delta t &gt; 0\)"
    wrapped = hooks.wrap_inline_tex(title)
    assert wrapped == (r'The fused step: any <span class="arithmatex">\(\Delta t &gt; 0\)</span>')
    assert hooks.wrap_inline_tex("Plain title") == "Plain title"


def test_mathjax_comes_from_the_docs_extra():
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install '.[docs]'")
    hooks = _hooks()
    try:
        root = hooks.mathjax_dir()
    except hooks.PluginError as err:
        pytest.skip(str(err))
    uris = dict(hooks.mathjax_files(root))
    assert "mathjax/tex-chtml.js" in uris
    assert any(u.startswith("mathjax/output/chtml/fonts/woff-v2/") for u in uris)
    assert not any("svg" in u.rsplit("/", 1)[-1] for u in uris)  # the SVG output is left out


def test_backticked_names_link_to_their_api_entry_only_when_unambiguous():
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install '.[docs]'")
    hooks = _hooks()
    anchors = {
        "ltc_ref.forward": ("api/forward/", "module"),
        "ltc_ref.forward.forward": ("api/forward/", "function"),
        "ltc_ref.gradients.bptt.vjp": ("api/gradients/", "function"),
        "ltc_ref.model.params.SynapticParams": ("api/params/", "class"),
        "ltc_ref.data.gesture.load": ("api/data/", "function"),
        "ltc_ref.data.occupancy.load": ("api/data/", "function"),
        "ltc_ref.model.cotangents.Cotangents.max_abs": ("api/gradients/", "method"),
        "ltc_ref.model.params": ("api/params/", "module"),
    }
    assert hooks.resolve("ltc_ref.vjp", anchors) == "ltc_ref.gradients.bptt.vjp"  # re-export
    assert hooks.resolve("vjp", anchors) == "ltc_ref.gradients.bptt.vjp"
    assert hooks.resolve("forward", anchors) == "ltc_ref.forward.forward"
    assert hooks.resolve("SynapticParams", anchors) == "ltc_ref.model.params.SynapticParams"
    assert hooks.resolve("load", anchors) is None  # two objects of that name
    assert hooks.resolve("max_abs", anchors) is None  # a method: only by its full name
    assert hooks.resolve("params", anchors) is None  # a module: only by its full name
    assert hooks.resolve("numpy.sum", anchors) is None

    page = (
        '<nav><code>vjp</code></nav><article class="md-content__inner md-typeset">'
        "<p>Call <code>vjp</code> or <code>load</code>.</p>"
        '<pre><code>vjp</code></pre><a href="x"><code>vjp</code></a>'
        '<h2 id="h"><code>vjp</code></h2></article>'
    )
    out = hooks.link_names(page, "crosscheck/", anchors)
    link = (
        '<a class="ltc-autolink" href="../api/gradients/#ltc_ref.gradients.bptt.vjp" '
        'title="ltc_ref.gradients.bptt.vjp"><code>vjp</code></a>'
    )
    assert out.count(link) == 1 and f"<p>Call {link} or <code>load</code>.</p>" in out
    assert out.startswith("<nav><code>vjp</code></nav>")  # outside the article: unchanged
    assert '<pre><code>vjp</code></pre><a href="x"><code>vjp</code></a>' in out
    assert '<h2 id="h"><code>vjp</code></h2>' in out
