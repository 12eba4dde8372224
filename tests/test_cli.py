"""The ``ltc-ref`` command line and the README's promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ltc_ref import cli, verify
from ltc_ref.verify import command

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


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit):
        cli.main([])


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
