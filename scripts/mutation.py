"""Mutation testing of the specification with mutmut 3 (issue 11, part 4; not run in CI).

    python scripts/mutation.py --target model            # ltc_ref/model/
    python scripts/mutation.py --target solvers --target bptt
    python scripts/mutation.py --all                     # every target in TARGETS
    python scripts/mutation.py --target model --report   # summarise the last run, run nothing
    python scripts/mutation.py --list                    # the targets and their tests

Needs ``pip install -e ".[mutation]"`` (mutmut 3.8.1; mutant names, and so the list of
equivalent mutants in ``scripts/mutation_equivalent.py``, depend on mutmut's numbering) and an
environment where ``ltc_ref`` is *not* importable from site-packages: mutmut runs the tests
against its own mutated copy, and an editable install would shadow it (the script checks).

For each target the script lays out a work directory ``build/mutation/<target>/`` with a copy of
``ltc_ref/``, ``tests/``, ``scripts/`` and ``pyproject.toml``, the latter with a generated
``[tool.mutmut]`` section: the whole package is given to mutmut (``source_paths``) and narrowed
with ``only_mutate``, and the target's fast test files are the test selection. It then runs
``mutmut run`` there (after a sanity check: one obvious mutation applied by hand must make the
tests fail) and classifies every mutant: killed, timeout, *equivalent* (a survivor listed in
``scripts/mutation_equivalent.py`` with the reason it cannot change behaviour) or surviving.
It prints a table and a JSON summary (also written to ``build/mutation/summary.json``) and, with
``--markdown``, the equivalence table for ``docs/development.md``.

Exit status: 0 when no target has a surviving mutant, 1 otherwise, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What each target mutates (``only_mutate`` globs, relative to the repository) and the fast test
#: files that cover it. mutmut runs, for each mutant, only the tests of this selection that call
#: the mutated function.
TARGETS = {
    "model": {
        "mutate": ["ltc_ref/model/*"],
        "tests": [
            "tests/test_model.py",
            "tests/test_model_exact.py",
            "tests/test_params.py",
            "tests/test_params_exact.py",
            "tests/test_grad_autograd.py",
            "tests/test_errors.py",
        ],
        # An obvious mutation that the tests must catch: Eq. 3's numerator loses its f*A term.
        "sanity": (
            "ltc_ref/model/paper.py",
            "return (x + dt * f_ * A) / (1.0 + dt * (1.0 / tau + f_) + epsilon)",
            "return (x) / (1.0 + dt * (1.0 / tau + f_) + epsilon)",
        ),
    },
    "solvers": {
        # The solvers of the specification; matlab_ode45.py (the emulation of MATLAB's ode45 for
        # the authors' trajectory study, tests/test_ode45.py) is not one of them.
        "mutate": [
            "ltc_ref/solvers/__init__.py",
            "ltc_ref/solvers/_base.py",
            "ltc_ref/solvers/dormand_prince.py",
            "ltc_ref/solvers/euler.py",
            "ltc_ref/solvers/fused.py",
            "ltc_ref/solvers/rk4.py",
        ],
        "tests": [
            "tests/test_solvers.py",
            "tests/test_solvers_exact.py",
            "tests/test_forward.py",
            "tests/test_grad_autograd.py",
        ],
        # RK4's weights 1, 2, 2, 1 become 1, 2, 2, 2.
        "sanity": (
            "ltc_ref/solvers/rk4.py",
            "return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)",
            "return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + 2.0 * k4)",
        ),
    },
    "bptt": {
        "mutate": ["ltc_ref/gradients/bptt.py"],
        "tests": [
            "tests/test_grad_autograd.py",
            "tests/test_grad_fd.py",
            "tests/test_grad_hypothesis.py",
            "tests/test_bptt_exact.py",
        ],
        # The reverse sweep forgets the output cotangent of every step but the last.
        "sanity": (
            "ltc_ref/gradients/bptt.py",
            "g = g + g_state_seq[:, t]",
            "g = g + (g_state_seq[:, t] if t == T - 1 else 0.0)",
        ),
    },
    "compare": {
        # The comparison logic of the checking kit: the error measure and the pass criteria.
        "mutate": [
            "ltc_ref/testing/compare.py",
            "ltc_ref/testing/quantities.py",
            "ltc_ref/testing/measure.py",
        ],
        "tests": [
            "tests/test_testing_api.py",
            "tests/test_checks_can_fail.py",
            "tests/test_compare_exact.py",
            "tests/test_golden.py",
            # The reports' text, JSON and JUnit forms and the runner (issue 13's kit).
            "tests/test_crosscheck_any.py",
        ],
        # A report over no cases passes again (the vacuous pass of issue 11).
        "sanity": (
            "ltc_ref/testing/compare.py",
            'return counts["fail"] == 0 and counts["pass"] > 0',
            'return counts["fail"] == 0',
        ),
    },
}

#: Copied into each work directory (mutmut copies the package itself into ``mutants/``).
COPY = ["ltc_ref", "tests", "scripts", "docs", "pyproject.toml"]
WORK = ROOT / "build" / "mutation"
#: mutmut's default limits, written out: a mutant is a timeout when its tests take more than
#: (their clean duration + 1 s) x 15 x 2 seconds of CPU.
TIMEOUT_MULTIPLIER = 15.0
TIMEOUT_CONSTANT = 1.0


def _fail(message: str):
    """A setup error: print it and exit with status 2."""
    print(f"mutation.py: {message}", file=sys.stderr)
    sys.exit(2)


def _load_equivalent() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        "mutation_equivalent", ROOT / "scripts" / "mutation_equivalent.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EQUIVALENT


def _toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(str(i)) for i in items) + "]"


def mutmut_section(target: dict) -> str:
    """The ``[tool.mutmut]`` section of a target's work directory."""
    return "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["ltc_ref/"]',
            f"only_mutate = {_toml_list(target['mutate'])}",
            'also_copy = ["tests", "scripts", "docs"]',
            f"pytest_add_cli_args_test_selection = {_toml_list(target['tests'])}",
            '# no .pytest_cache in the copies; pyproject\'s addopts still deselect "slow"',
            'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
            f"timeout_multiplier = {TIMEOUT_MULTIPLIER}",
            f"timeout_constant = {TIMEOUT_CONSTANT}",
            "use_git_change_detection = false",
            "",
        ]
    )


def check_environment() -> None:
    """mutmut must test its mutated copy: no ``ltc_ref`` importable from outside the work dir."""
    if importlib.util.find_spec("mutmut") is None:
        _fail('mutmut is not installed; pip install -e ".[mutation]"')
    probe = subprocess.run(
        [sys.executable, "-c", "import ltc_ref, sys; sys.stdout.write(ltc_ref.__file__)"],
        cwd="/",
        env=_env(),
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0:
        _fail(
            f"ltc_ref is importable from {probe.stdout}; mutmut would test that copy instead of "
            f"its mutants. Use an environment without it (pip uninstall ltc-ref, keep the "
            f"dependencies)."
        )


def _env() -> dict:
    env = dict(os.environ)
    env.update(NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    return env


def prepare(name: str, target: dict) -> Path:
    """Lay out a fresh work directory for ``name`` and return it."""
    work = WORK / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for item in COPY:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, work / item, ignore=ignore)
        else:
            shutil.copy2(src, work / item)
    missing = [t for t in target["tests"] if not (work / t).exists()]
    if missing:
        _fail(f"target {name}: test files not found: {missing}")
    with open(work / "pyproject.toml", "a") as fh:
        fh.write(mutmut_section(target))
    return work


def sanity_check(name: str, target: dict, work: Path) -> dict:
    """Apply the target's obvious mutation to a scratch copy and check that its tests fail,
    then that they pass without it: evidence that the tests really import the copy under test."""
    if target["sanity"] is None:
        return {"checked": False}
    path, old, new = target["sanity"]
    scratch = work / "sanity"
    for item in COPY:
        (shutil.copytree if (work / item).is_dir() else shutil.copy2)(work / item, scratch / item)
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *target["tests"]]
    clean = subprocess.run(cmd, cwd=scratch, env=_env(), capture_output=True, text=True)
    source = (scratch / path).read_text()
    if source.count(old) != 1:
        _fail(f"target {name}: the sanity mutation's line is not in {path} once")
    (scratch / path).write_text(source.replace(old, new))
    mutated = subprocess.run(cmd, cwd=scratch, env=_env(), capture_output=True, text=True)
    shutil.rmtree(scratch)
    result = {"checked": True, "clean_exit": clean.returncode, "mutated_exit": mutated.returncode}
    if clean.returncode != 0 or mutated.returncode == 0:
        print(clean.stdout[-3000:], mutated.stdout[-3000:], sep="\n")
        _fail(f"target {name}: sanity check failed: {result}")
    return result


def run_mutmut(work: Path, max_children: int) -> float:
    """``mutmut run`` in ``work``; returns the wall time in seconds. Output: ``mutmut.log``."""
    cmd = ["nice", "-n", "10", sys.executable, "-m", "mutmut", "run"]
    cmd += ["--max-children", str(max_children)]
    start = time.monotonic()
    with open(work / "mutmut.log", "w") as log:
        proc = subprocess.run(cmd, cwd=work, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        tail = (work / "mutmut.log").read_text()[-3000:]
        _fail(f"mutmut run failed in {work} (exit {proc.returncode}):\n{tail}")
    return wall


def _function_span(source: str, mangled: str) -> tuple[int, int] | None:
    """Line span of the function a mutant belongs to: ``x_f`` (function ``f``) or
    ``xǁCǁm`` (method ``m`` of class ``C``)."""
    if "ǁ" in mangled:
        _, cls, meth = mangled.split("ǁ")
        names = [cls, meth]
    else:
        names = [mangled[2:] if mangled.startswith("x_") else mangled]
    tree = ast.parse(source)
    nodes = tree.body
    for i, wanted in enumerate(names):
        for node in nodes:
            is_last = i == len(names) - 1
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef) if is_last else (ast.ClassDef,)
            if isinstance(node, kinds) and node.name == wanted:
                if is_last:
                    return node.lineno, node.end_lineno
                nodes = node.body
                break
        else:
            return None
    return None


def describe(key: str, path: str, diff: str, source_lines: list[str]) -> dict:
    """``file:line`` and a one-line ``old → new`` description of a mutant from its diff."""
    removed = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and ln[1:2] != "-"]
    added = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and ln[1:2] != "+"]
    mangled = key.rsplit(".", 1)[1].split("__mutmut_")[0]
    span = _function_span("\n".join(source_lines), mangled)
    line = None
    if removed and span is not None:
        for n in range(span[0], span[1] + 1):
            if source_lines[n - 1].strip() == removed[0]:
                line = n
                break
    return {
        "mutant": key,
        "where": f"{path}:{line if line is not None else '?'}",
        "old": " ".join(removed),
        "new": " ".join(added),
    }


def collect(name: str, target: dict, work: Path, equivalent: dict[str, str]) -> dict:
    """Classify the mutants of the last run in ``work``."""
    cwd = os.getcwd()
    os.chdir(work)
    try:
        from mutmut.configuration import reset_config
        from mutmut.mutation.diff_apply import get_diff_for_mutant
        from mutmut.stats import status_by_exit_code

        reset_config()
        statuses, rows = Counter(), []
        for meta in sorted(Path("mutants").rglob("*.py.meta")):
            path = str(meta.relative_to("mutants"))[: -len(".meta")]
            exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
            source_lines = Path(path).read_text().splitlines()
            for key, code in sorted(exit_codes.items()):
                status = status_by_exit_code[code]
                if status == "killed":
                    statuses["killed"] += 1
                    continue
                if status == "timeout":
                    statuses["timeout"] += 1
                    continue
                row = describe(key, path, get_diff_for_mutant(key, path=path), source_lines)
                row["status"] = status
                if key in equivalent:
                    statuses["equivalent"] += 1
                    row["reason"] = equivalent[key]
                else:
                    statuses["surviving"] += 1
                rows.append(row)
    finally:
        os.chdir(cwd)
    generated = sum(statuses.values())
    return {
        "target": name,
        "mutate": target["mutate"],
        "tests": target["tests"],
        "generated": generated,
        "killed": statuses["killed"],
        "timeout": statuses["timeout"],
        "equivalent": statuses["equivalent"],
        "surviving": statuses["surviving"],
        "survivors": [r for r in rows if "reason" not in r],
        "equivalents": [r for r in rows if "reason" in r],
    }


def print_table(summaries: list[dict]) -> None:
    cols = ["target", "generated", "killed", "timeout", "equivalent", "surviving", "wall_s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for s in summaries:
        cells = [str(s.get(c, "")) if c != "wall_s" else f"{s.get('wall_s', 0):.0f}" for c in cols]
        print("| " + " | ".join(cells) + " |")


def _short(old: str, new: str) -> tuple[str, str]:
    """The part of a one-line mutation that differs, widened to whole words: ``a > 0`` →
    ``a >= 0`` rather than the whole statement twice."""
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    while p > 0 and old[p - 1] not in " ,(":
        p -= 1
    while s > 0 and old[len(old) - s] not in " ,)":
        s -= 1
    cut_old, cut_new = old[p : len(old) - s].strip(), new[p : len(new) - s].strip()
    return cut_old or "(deleted)", cut_new or "(deleted)"


def print_markdown_equivalents(summaries: list[dict]) -> None:
    """The equivalent mutants as a Markdown table, one row per reason."""
    by_reason: dict[str, list[str]] = {}
    for s in summaries:
        for r in s["equivalents"]:
            old, new = _short(r["old"], r["new"])
            item = f"`{r['where']}` `{old}` → `{new}`".replace("|", "\\|")
            by_reason.setdefault(r["reason"], []).append(item)
    print("| why the mutants are equivalent | mutants (file:line, original → mutant) |")
    print("|---|---|")
    for reason, items in by_reason.items():
        print(f"| {reason} | {'<br>'.join(items)} |")


def print_markdown_survivors(summaries: list[dict]) -> None:
    print("| target | file:line | original → mutant |")
    print("|---|---|---|")
    for s in summaries:
        for r in s["survivors"]:
            old, new = _short(r["old"], r["new"])
            change = f"`{old}` → `{new}`".replace("|", "\\|")
            print(f"| {s['target']} | `{r['where']}` | {change} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), default=[])
    parser.add_argument("--all", action="store_true", help="every target")
    parser.add_argument("--list", action="store_true", help="print the targets and exit")
    parser.add_argument("--report", action="store_true", help="summarise the last run only")
    parser.add_argument("--markdown", action="store_true", help="print the equivalence table")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutmut workers")
    args = parser.parse_args(argv)
    if args.list:
        for name, t in TARGETS.items():
            print(f"{name}: mutate {', '.join(t['mutate'])}; tests {', '.join(t['tests'])}")
        return 0
    names = sorted(TARGETS) if args.all else args.target
    if not names:
        parser.error("give --target NAME (repeatable) or --all")
    if args.max_children < 1:
        parser.error(f"--max-children: expected >= 1, got {args.max_children}")
    check_environment()
    equivalent = _load_equivalent()
    summaries = []
    for name in names:
        target = TARGETS[name]
        work = WORK / name
        if args.report:
            if not (work / "mutants").exists():
                _fail(f"no previous run of {name} in {work}")
            wall = json.loads((work / "wall.json").read_text())
        else:
            work = prepare(name, target)
            wall = {"sanity": sanity_check(name, target, work)}
            wall["wall_s"] = run_mutmut(work, args.max_children)
            (work / "wall.json").write_text(json.dumps(wall))
        summary = collect(name, target, work, equivalent)
        summary.update(wall)
        summaries.append(summary)
    print_table(summaries)
    if args.markdown:
        print()
        print_markdown_equivalents(summaries)
        if any(s["survivors"] for s in summaries):
            print()
            print_markdown_survivors(summaries)
    if any(s["survivors"] for s in summaries):
        print("\nsurviving mutants:")
        for s in summaries:
            for r in s["survivors"]:
                print(f"  {r['mutant']} ({r['status']}) {r['where']}: {r['old']!r} -> {r['new']!r}")
    text = json.dumps(summaries, indent=1, ensure_ascii=False)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "summary.json").write_text(text)
    print(json.dumps([{k: v for k, v in s.items() if k not in ("survivors", "equivalents")}
                      for s in summaries], indent=1))  # fmt: skip
    return 1 if any(s["surviving"] for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
