"""The configuration of ``scripts/mutation.py`` (the mutation check, run outside CI) stays in step
with the code: its targets, test files and hand-applied sanity mutations exist, every listed
equivalent mutant belongs to a target, and the generated ``[tool.mutmut]`` section is valid."""

from __future__ import annotations

import fnmatch
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutation = _load("mutation")


@pytest.mark.parametrize("name", sorted(mutation.TARGETS))
def test_targets_name_existing_files(name):
    """Each target's globs match source files, its test files exist, and its sanity mutation's
    line occurs exactly once in the file it mutates (else the script stops before mutmut)."""
    target = mutation.TARGETS[name]
    sources = [str(p.relative_to(ROOT)) for p in (ROOT / "ltc_ref").rglob("*.py")]
    for glob in target["mutate"]:
        assert fnmatch.filter(sources, glob), glob
    for test in target["tests"]:
        assert (ROOT / test).is_file(), test
    if target["sanity"] is not None:
        path, old, new = target["sanity"]
        assert any(fnmatch.fnmatch(path, g) for g in target["mutate"])
        assert (ROOT / path).read_text().count(old) == 1 and new != old


def test_equivalent_mutants_belong_to_a_target():
    """Every key of EQUIVALENT names a mutant of a mutated file and comes with a reason."""
    equivalent = _load("mutation_equivalent").EQUIVALENT
    globs = [g for t in mutation.TARGETS.values() for g in t["mutate"]]
    for key, reason in equivalent.items():
        module, _, function = key.rpartition(".")
        path = module.replace(".", "/") + ".py"
        assert (ROOT / path).is_file(), key
        assert any(fnmatch.fnmatch(path, g) for g in globs), key
        assert "__mutmut_" in function and len(reason) > 20, key


def test_mutmut_section_is_valid_toml():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    section = tomllib.loads(mutation.mutmut_section(mutation.TARGETS["bptt"]))["tool"]["mutmut"]
    assert section["source_paths"] == ["ltc_ref/"]
    assert section["only_mutate"] == ["ltc_ref/gradients/bptt.py"]
    assert section["pytest_add_cli_args_test_selection"] == mutation.TARGETS["bptt"]["tests"]
    assert section["also_copy"] == ["tests", "scripts", "docs"]


def test_short_shows_the_changed_words():
    assert mutation._short("g if lead > 0 else h", "g if lead >= 0 else h") == (">", ">=")
    assert mutation._short("f(a, copy=True)", "f(a, )") == ("copy=True", "(deleted)")
