"""Every example runs at reduced size (``--quick``) and passes its own final self-check."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
#: Examples run in a separate process: JAX starts threads when imported, and a later fork of this
#: process (tests that run subprocesses) would then warn that it may deadlock.
OWN_PROCESS = {"check_jax_ltc"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_quick(path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if path.stem in OWN_PROCESS:
        assert path.read_text().startswith('"""'), f"{path.name} needs a docstring"
        run = subprocess.run([sys.executable, str(path), "--quick"], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert run.stdout.strip()
        return
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.__doc__, f"{path.name} needs a docstring"
    module.main(["--quick"])  # raises if the example's self-check fails
    assert capsys.readouterr().out.strip()


def test_the_jax_example_skips_cleanly_without_jax():
    path = next(p for p in EXAMPLES if p.stem == "check_jax_ltc")
    code = "import runpy, sys\nsys.modules['jax'] = None\nsys.argv = ['x', '--quick']\n"
    code += f"runpy.run_path({str(path)!r}, run_name='__main__')\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "JAX is not installed" in run.stdout and "skipping" in run.stdout
