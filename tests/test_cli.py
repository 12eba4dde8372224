"""The ``ltc-ref`` command line and the README's promises."""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ltc_ref import cli, verify
from ltc_ref.kernels import ENTRY_KERNELS
from ltc_ref.verify import command, report, theorems

ROOT = Path(__file__).resolve().parents[1]


def test_verify_passes_and_prints_a_report(capsys):
    assert cli.main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "ALL PASSED" in out
    for title, _ in verify.SECTIONS:
        assert f"== {title}" in out
    assert "[FAIL]" not in out


def test_verify_reports_failure_and_crash(monkeypatch, capsys):
    def failing():
        return [verify.CheckResult("a failing check", False, "3.0", "<= 1")]

    def crashing():
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "SECTIONS", [("failing", failing), ("crashing", crashing)])
    assert cli.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] a failing check" in out
    assert "RuntimeError: boom" in out
    assert "FAILED" in out


def test_bare_command_prints_the_command_list(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ltc-ref COMMAND") and "required" not in out
    for name in cli.COMMANDS:
        assert re.search(rf"^  {name} +\S", out, re.M), name
    with pytest.raises(SystemExit) as exit_:
        cli.main(["nosuch"])
    assert exit_.value.code == 2


#: Every ``--help`` that builds a parser: each command, and the subcommands with parsers of
#: their own (``ltc-ref crosscheck export``, ``ltc-ref data download``).
HELP_ARGVS = [
    *([name, "--help"] for name in cli.COMMANDS),
    ["crosscheck", "export", "--help"],
    ["data", "download", "--help"],
]


def _parsers(monkeypatch, capsys) -> list[argparse.ArgumentParser]:
    """Every argparse parser the command line builds, caught as ``--help`` builds it."""
    made = []
    real_init = argparse.ArgumentParser.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(argparse.ArgumentParser, "__init__", init)
    for argv in HELP_ARGVS:
        with pytest.raises(SystemExit) as exit_:
            cli.main(argv)
        assert exit_.value.code == 0, argv
    from ltc_ref.interop import crosscheck  # the ncps report's own parser

    with pytest.raises(SystemExit):
        crosscheck.main(["--help"])
    cli.main([])
    capsys.readouterr()
    return made


def test_every_option_of_every_command_has_help(monkeypatch, capsys):
    parsers = _parsers(monkeypatch, capsys)
    progs = {p.prog for p in parsers}
    assert progs >= {"ltc-ref", *(f"ltc-ref {n}" for n in cli.COMMANDS),
                     "ltc-ref crosscheck export", "ltc-ref data download"}, progs  # fmt: skip
    missing = [
        f"{p.prog}: {'/'.join(a.option_strings) or a.dest}"
        for p in parsers
        for a in p._actions
        if not a.help or not a.help.strip()
    ]
    assert not missing, missing


def test_help_names_each_command_as_it_is_typed(capsys):
    for argv, prog in ((["data", "--help"], "ltc-ref data"),
                       (["data", "download", "--help"], "ltc-ref data download"),
                       (["train", "--help"], "ltc-ref train")):  # fmt: skip
        with pytest.raises(SystemExit):
            cli.main(argv)
        out = capsys.readouterr().out
        assert out.startswith(f"usage: {prog} ") and "python -m" not in out, argv


def test_verify_prints_each_header_before_its_section_runs():
    stream = io.StringIO()
    seen = []

    def section():
        seen.append(stream.getvalue())
        return [verify.CheckResult("a check", True, "1", "<= 2")]

    assert report.run_all([("first", section), ("second", section)], stream=stream)
    assert seen[0].endswith("== first") and seen[1].endswith("== second")
    assert "  [PASS] a check" in seen[1]  # the first section's lines came before the second
    text = stream.getvalue()
    assert report.LEGEND in text and "docs/verify.md" in text
    assert re.search(r"== first \(\d+\.\d s\)\n  \[PASS\] a check", text)


def test_a_counterexample_pass_reads_as_such():
    found = verify.CheckResult("Euler leaves", True, "-0.5", "outside [0, 1]", "dt = 1",
                               counterexample=True)  # fmt: skip
    assert "[PASS] Euler leaves" in report.format_result(found)
    assert report.format_result(found).endswith("counterexample found, as expected: dt = 1")
    none = dataclasses.replace(found, passed=False)
    assert "[FAIL]" in report.format_result(none)
    assert "no counterexample found, though one was expected" in report.format_result(none)
    plain = dataclasses.replace(found, counterexample=False)
    assert "counterexample" not in report.format_result(plain)
    results = theorems.check_euler_counterexample()
    assert results and all(r.counterexample and r.passed for r in results)
    assert not any(r.counterexample for r in theorems.check_discrete())


def test_verify_announces_a_first_compilation(monkeypatch, capsys):
    def tiny():
        return [verify.CheckResult("tiny", True, "0", "-")]

    monkeypatch.setattr(command, "SECTIONS", [("tiny", tiny)])
    monkeypatch.setattr(command, "uncompiled_kernels", lambda: list(ENTRY_KERNELS))
    assert command.main([]) == 0
    out = capsys.readouterr().out
    notice = out.split("\n\n")[0]
    assert "Compiling the Numba kernels once (they are not in Numba's cache yet)" in notice
    assert f"about {command.COLD_SECONDS} s" in notice and f"{command.WARM_SECONDS} s" in notice
    monkeypatch.setattr(command, "uncompiled_kernels", lambda: [])
    assert command.main([]) == 0
    assert "Compiling" not in capsys.readouterr().out
    assert "paper_vjp is not" in " ".join(command.compile_notice(["paper_vjp"]))
    assert "first run compiles" in " ".join(command.compile_notice(None))


#: In a fresh process with an empty NUMBA_CACHE_DIR: every entry kernel is uncompiled; after
#: one of them is called (and so compiled and cached), that one is not any more.
_COLD_PROBE = """
import numpy as np
from ltc_ref.kernels import ENTRY_KERNELS, fast_sigmoid, uncompiled_kernels
before = uncompiled_kernels()
fast_sigmoid(np.linspace(-3, 3, 7))
after = uncompiled_kernels()
assert before == list(ENTRY_KERNELS), before
assert after == [k for k in ENTRY_KERNELS if k != "sigmoid_array"], after
print("ok")
"""


def test_cold_cache_is_detected_before_compiling(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_DISABLE_JIT": "0"}
    done = subprocess.run([sys.executable, "-c", _COLD_PROBE], env=env, capture_output=True,
                          text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert any(tmp_path.rglob("*.nbi"))  # the probe's compilation went to that cache


def test_readme_example_runs_and_is_short():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) == 1
    assert len(blocks[0].strip().splitlines()) <= 15
    exec(compile(blocks[0], "README.md", "exec"), {})


def test_readme_has_exactly_two_commands_and_docs_repeat_them():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert len(commands) == 2
    assert "ltc-ref verify" in commands[0] and "pytest" in commands[1]
    page = (ROOT / "docs" / "getting-started.md").read_text()
    for block in commands + re.findall(r"```python\n(.*?)```", readme, re.S):
        assert block in page
