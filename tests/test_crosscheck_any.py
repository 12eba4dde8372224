"""Checking any implementation (issue 13): capabilities, case filters, reproducible failures, the
hypothesis runner, the JSON / JUnit reports, ``ltc-ref crosscheck TARGET`` and the file
protocol (``export`` → outputs written by another process → ``--results``)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import ltc_ref
from ltc_ref.interop import command
from ltc_ref.testing import (
    Capabilities,
    case_from_json,
    check_candidate,
    check_results,
    check_with_hypothesis,
    export_cases,
    golden_cases,
    load_golden,
    select_cases,
    spec_matches,
)
from ltc_ref.testing.capabilities import case_features
from ltc_ref.testing.cases import random_case
from ltc_ref.testing.compare import REPORT_SCHEMA

HERE = Path(__file__).resolve().parent
FOREIGN = HERE / "foreign_ltc.py"
#: Few drawn cases: each is a few milliseconds; shrinking a failure takes some dozens more.
EXAMPLES = 8

CANDIDATE_FILE = '''\
"""Candidates for the command line (written by tests/test_crosscheck_any.py)."""
import ltc_ref


def forward(params, x, **kw):
    return ltc_ref.forward(params, x, **kw)


def vjp(params, x, g_y, **kw):
    return ltc_ref.vjp(params, x, g_y, **kw)


def no_eps(params, x, **kw):
    return ltc_ref.forward(params, x, **{**kw, "epsilon": 0.0})


def no_eps_vjp(params, x, g_y, **kw):
    return ltc_ref.vjp(params, x, g_y, **{**kw, "epsilon": 0.0})


no_eps.vjp = no_eps_vjp


def fewer_substeps(params, x, **kw):
    return ltc_ref.forward(params, x, **{**kw, "unfolds": max(kw["unfolds"] - 1, 1)})


fewer_substeps.vjp = None


def no_per_sample(params, x, **kw):
    if getattr(kw["dt"], "ndim", 0) == 2:
        raise ValueError("per-sample dt is not supported")
    return ltc_ref.forward(params, x, **kw)


no_per_sample.capabilities = {"dt": ["scalar", "per_step"]}
'''


@pytest.fixture
def candidates(tmp_path):
    path = tmp_path / "candidates.py"
    path.write_text(CANDIDATE_FILE)
    return path


def run_cli(*args) -> tuple[int, str]:
    """``ltc-ref crosscheck ...`` in this process: (exit code, stdout)."""
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        code = command.main(list(args))
    return code, out.getvalue()


# ---- capabilities -----------------------------------------------------------------------------


def test_capabilities_round_trip_json_and_fields_left_out_mean_supported():
    caps = Capabilities.from_json('{"dt": ["scalar", "per_step"], "epsilon": [0], "max_units": 4}')
    assert caps.to_json() == {"epsilon": [0.0], "dt": ["scalar", "per_step"], "max_units": 4}
    assert Capabilities.from_json(caps.to_json()) == caps
    everything = Capabilities()
    assert everything.to_json() == {}
    assert all(everything.excludes(c) is None for c in golden_cases())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"dts": ["scalar"]}', "unknown fields"),
        ('{"dt": ["per_neuron"]}', "unknown values"),
        ('{"epsilon": ["small"]}', "list of numbers"),
        ('{"max_units": 2.5}', "integer"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_invalid_capabilities_name_the_field(data, message):
    with pytest.raises(ValueError, match=message):
        Capabilities.from_json(data)


@pytest.mark.parametrize(
    ("caps", "excluded"),
    [
        ({"forms": ["paper"]}, lambda c: c.form != "paper"),
        ({"solvers": ["fused"]}, lambda c: c.solver != "fused"),
        ({"dt": ["scalar"]}, lambda c: c.dt_form != "scalar"),
        ({"epsilon": [0.0]}, lambda c: c.epsilon != 0.0),
        ({"unfolds": [6]}, lambda c: c.unfolds != 6),
        ({"dt_values": [1.0]}, lambda c: not np.all(c.dt_per_entry == 1.0)),
        ({"masks": ["dense"]}, lambda c: case_features(c)["masks"] == "sparse"),
        ({"output_map": ["none"]}, lambda c: case_features(c)["output_map"] != "none"),
        ({"activations": ["sigmoid"]}, lambda c: c.form == "paper" and c.params.activation
         != "sigmoid"),
        ({"initial_state": ["zero"]}, lambda c: bool(np.any(c.h0 != 0))),
        ({"min_units": 2}, lambda c: c.shape["N"] < 2),
        ({"max_batch": 2}, lambda c: c.shape["B"] > 2),
    ],
)  # fmt: skip
def test_each_capability_excludes_exactly_the_cases_it_cannot_represent(caps, excluded):
    capabilities = Capabilities.from_json(caps)
    cases = golden_cases()
    out = [c.name for c in cases if capabilities.excludes(c) is not None]
    assert out == [c.name for c in cases if excluded(c)]
    assert out, "the golden cases exercise this capability"
    # The cheap spec-level filter of the hypothesis runner never excludes more:
    assert {c.name for c in cases if capabilities.excludes_spec(c.spec)} <= set(out)


def test_a_candidate_without_per_sample_dt_gets_those_cases_not_applicable_and_passes():
    def no_per_sample(params, x, **kw):
        if np.ndim(kw["dt"]) == 2:
            raise ValueError("per-sample dt is not supported")
        return ltc_ref.forward(params, x, **kw)

    caps = Capabilities(dt=["scalar", "per_step"])
    report = check_candidate(no_per_sample, None, capabilities=caps)
    per_sample = {c.name for c in golden_cases(dt_form="per_sample")}
    na = {r.case for r in report.results if r.status == "not_applicable"}
    assert na == per_sample and report.passed
    assert report.counts == {"pass": 35 - len(per_sample), "fail": 0,
                             "not_applicable": len(per_sample)}  # fmt: skip
    # Without the capabilities the same candidate fails exactly there:
    assert {r.case for r in check_candidate(no_per_sample, None).failures} == per_sample


def test_a_candidate_that_always_starts_at_rest_passes_on_drawn_cases_at_rest():
    """Every golden case starts from a drawn h0, so a candidate without an h0 input
    (``initial_state: ["zero"]``) gets them all not applicable; the drawn cases at rest
    (``CaseSpec.initial_state = "zero"``: a quarter of `random_case`'s, every one of the
    hypothesis runner's) check it, and it passes — while it fails on a drawn h0."""

    def at_rest(params, x, **kw):
        return ltc_ref.forward(params, x, **{**kw, "h0": None})

    def at_rest_vjp(params, x, g_y, **kw):
        return ltc_ref.vjp(params, x, g_y, **{**kw, "h0": None})

    caps = Capabilities(initial_state=["zero"])
    report = check_candidate(at_rest, at_rest_vjp, capabilities=caps, n_random=12, seed=3)
    at_rest_cases = [r for r in report.results if r.status != "not_applicable"]
    assert at_rest_cases and all(r.spec["initial_state"] == "zero" for r in at_rest_cases)
    assert report.passed and report.counts["pass"] == len(at_rest_cases)
    drawn = check_with_hypothesis(at_rest, at_rest_vjp, capabilities=caps,
                                  max_examples=EXAMPLES, seed=2)  # fmt: skip
    assert drawn.passed and len(drawn.results) == EXAMPLES
    assert not check_candidate(at_rest, None, n_random=12, seed=3).passed  # h0 ignored


def test_the_gradients_capability_selects_the_cotangents_compared():
    case = load_golden("cond-fc-fused-L6-trained")
    caps = Capabilities(gradients=["x", "h0"])
    (r,) = check_candidate(ltc_ref.forward, ltc_ref.vjp, [case], capabilities=caps).results
    assert {e.quantity for e in r.errors} == {"y", "h", "g_x", "g_h0"}
    none = Capabilities(gradients=[])
    (r,) = check_candidate(None, ltc_ref.vjp, [case], capabilities=none).results
    assert r.status == "not_applicable"


def test_a_dtype_outside_the_capabilities_is_not_applicable():
    caps = Capabilities(dtypes=["float32"])
    report = check_candidate(ltc_ref.forward, None, golden_cases(names=["edge-cond-T1"]),
                             capabilities=caps)  # fmt: skip
    assert report.counts["not_applicable"] == 1 and not report.passed


# ---- selecting cases --------------------------------------------------------------------------


def test_golden_cases_filter_on_every_spec_field():
    eps0 = golden_cases(epsilon=0.0)
    assert eps0 and all(c.epsilon == 0.0 for c in eps0)
    assert len(eps0) < len(golden_cases())
    wide = golden_cases(batch=lambda b: b > 2, form="conductance")
    assert wide and all(c.shape["B"] > 2 and c.form == "conductance" for c in wide)
    dense = golden_cases(wiring=lambda w: w is not None and w["class"] == "FullyConnected")
    assert {c.spec.wiring["class"] for c in dense} == {"FullyConnected"}
    assert {c.unfolds for c in golden_cases(unfolds=(1,))} == {1}
    with pytest.raises(ValueError, match="no golden case matches"):
        golden_cases(epsilon=0.5)
    with pytest.raises(TypeError, match="unknown spec fields"):
        golden_cases(colour="red")


def test_select_cases_and_spec_matches():
    cases = golden_cases()
    assert select_cases(cases) == cases
    tagged = select_cases(cases, tags=("edge",))
    assert tagged and all("edge" in c.tags for c in tagged)
    spec = cases[0].spec
    assert spec_matches(spec, name=spec.name, dt_range=list(spec.dt_range))
    assert not spec_matches(spec, seed=spec.seed + 1)


# ---- reproducible failures --------------------------------------------------------------------


def test_a_failing_drawn_case_carries_its_spec_and_the_reproducer_draws_it_again():
    case = random_case(np.random.default_rng(4), name="drawn-4", form="conductance",
                       solver="fused", epsilon=1e-8)  # fmt: skip

    def no_eps(params, x, **kw):
        return ltc_ref.forward(params, x, **{**kw, "epsilon": 0.0})

    report = check_candidate(no_eps, None, [case], target="mine.py:no_eps")
    (r,) = report.failures
    assert r.spec == case.spec.to_json()
    rep = r.reproducer("mine.py:no_eps")
    again = case_from_json(shlex.split(rep["cli"])[-1])
    assert np.array_equal(again.x, case.x) and again.tolerances == case.tolerances
    assert np.array_equal(again.expected["y"], case.expected["y"])
    assert eval(rep["python"], {"ltc_ref": ltc_ref}).name == "drawn-4"
    assert rep["cli"] in report.format()


def test_the_reproducer_of_a_drawn_explicit_solver_case_keeps_its_capped_dt():
    """random_case caps an explicit solver's drawn dt_range; the spec a result carries is the
    one used, so the case is drawn again bit for bit."""
    case = random_case(np.random.default_rng(11), name="drawn-euler", solver="euler")
    again = case_from_json(json.dumps(case.spec.to_json()))
    assert again.spec == case.spec and np.array_equal(again.dt_per_entry, case.dt_per_entry)
    assert np.array_equal(again.expected["h"], case.expected["h"])


def test_case_from_json_loads_a_golden_case_and_rejects_bad_specs():
    golden = load_golden("cond-ncp-fused")
    again = case_from_json(json.dumps(golden.spec.to_json()))
    assert np.array_equal(again.expected["g_w"], golden.expected["g_w"])
    assert again.tolerances == golden.tolerances
    for bad, message in [("{", "not valid JSON"), ("[]", "JSON object"),
                         ('{"name": "x", "colour": 1}', "unknown spec fields"),
                         ('{"name": "x", "form": "paper", "n_inputs": 0, "n_units": 1}',
                          "n_inputs")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            case_from_json(bad)


# ---- the hypothesis runner --------------------------------------------------------------------


def test_the_hypothesis_runner_passes_a_correct_candidate_within_its_capabilities():
    caps = Capabilities(forms=["conductance"], dt=["scalar", "per_step"])
    report = check_with_hypothesis(ltc_ref.forward, ltc_ref.vjp, capabilities=caps,
                                   max_examples=EXAMPLES, seed=1)  # fmt: skip
    assert report.passed and len(report.results) == EXAMPLES
    for r in report.results:
        assert r.spec["form"] == "conductance" and r.spec["dt_form"] != "per_sample"
        assert any(e.quantity.startswith("g_") for e in r.errors)


def test_the_hypothesis_runner_shrinks_a_failure_and_diagnoses_it():
    def fewer(params, x, **kw):
        return ltc_ref.forward(params, x, **{**kw, "unfolds": max(kw["unfolds"] - 1, 1)})

    report = check_with_hypothesis(fewer, None, max_examples=30, seed=0)
    assert not report.passed
    (minimal,) = report.failures
    assert minimal.case == "hypothesis-0-minimal" and minimal is report.results[-1]
    spec = minimal.spec
    # Shrunk: the smallest failing sizes (L = 2 is the least L where L - 1 differs).
    assert (spec["batch"], spec["steps"], spec["n_inputs"], spec["unfolds"]) == (1, 1, 1, 2)
    assert [d.variant for d in report.explanations] == ["one_substep_fewer"]
    assert case_from_json(spec).name == "hypothesis-0-minimal"


def test_the_hypothesis_runner_with_nothing_drawable_does_not_pass():
    caps = Capabilities(min_units=50)  # the strategy draws at most 8 neurons
    report = check_with_hypothesis(ltc_ref.forward, capabilities=caps, max_examples=3)
    assert report.results == () and not report.passed


# ---- reports ----------------------------------------------------------------------------------


#: The fields of the JSON report, exactly as docs/crosscheck.md ("The JSON report") lists them.
REPORT_FIELDS = {"schema", "title", "target", "passed", "counts", "cases", "diagnosis"}
CASE_FIELDS = {"case", "status", "description", "dtype", "candidate", "spec", "reason", "error",
               "quantities"}  # fmt: skip
QUANTITY_FIELDS = {"quantity", "max_abs", "max_rel", "tolerance", "judged", "passed", "note"}


def _json_schema_holds(data: dict) -> None:
    """The documented schema (docs/crosscheck.md, "The JSON report"): these fields and no
    others, ``reproduce`` on failing cases only."""
    assert set(data) == REPORT_FIELDS
    assert data["schema"] == REPORT_SCHEMA
    assert isinstance(data["passed"], bool)
    assert set(data["counts"]) == {"pass", "fail", "not_applicable"}
    assert sum(data["counts"].values()) == len(data["cases"])
    for c in data["cases"]:
        assert c["status"] in ("pass", "fail", "not_applicable")
        want = CASE_FIELDS | ({"reproduce"} if c["status"] == "fail" else set())
        assert set(c) == want, c["case"]
        assert c["dtype"] in ("float32", "float64") and isinstance(c["description"], str)
        for q in c["quantities"]:
            assert set(q) == QUANTITY_FIELDS
            assert isinstance(q["judged"], bool) and isinstance(q["note"], str)
        if c["status"] == "fail":
            assert set(c["reproduce"]) == {"python", "cli"}
            assert c["reproduce"]["cli"].startswith(f"ltc-ref crosscheck {data['target']} ")
    for d in data["diagnosis"]:
        assert {"variant", "explains", "error"} <= set(d) and isinstance(d["explains"], bool)


def test_json_and_junit_reports(tmp_path):
    def no_eps(params, x, **kw):
        return ltc_ref.forward(params, x, **{**kw, "epsilon": 0.0})

    caps = Capabilities(forms=["conductance"])
    report = check_candidate(no_eps, None, golden_cases(solver="fused"), capabilities=caps)
    data = json.loads(json.dumps(report.to_json()))  # valid JSON (no NaN)
    _json_schema_holds(data)
    assert data["passed"] is False and data["counts"]["fail"] > 0
    assert data["counts"]["not_applicable"] > 0
    assert [d["variant"] for d in data["diagnosis"] if d["explains"]] == ["epsilon_omitted"]
    assert data["title"] == report.title and data["target"] == report.target
    assert {c["candidate"] for c in data["cases"]} == {r.candidate for r in report.results}

    text = report.to_junit()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuite ')
    suite = ET.fromstring(text)
    assert suite.get("name") == report.title and suite.get("errors") == "0"
    assert int(suite.get("tests")) == len(data["cases"])
    assert int(suite.get("failures")) == data["counts"]["fail"]
    assert int(suite.get("skipped")) == data["counts"]["not_applicable"]
    testcases = suite.findall("testcase")
    assert len(testcases) == len(data["cases"])
    for element, case in zip(testcases, data["cases"], strict=True):
        assert element.get("classname") == report.target and element.get("name") == case["case"]
        assert (element.tail or "").strip() == "" and (element.text or "").strip() == ""
        children = [child.tag for child in element]
        if case["status"] == "fail":
            assert children == ["failure"]
            failure = element.find("failure")
            worst = next(r for r in report.results if r.case == case["case"]).worst()
            assert failure.get("message").startswith(f"{worst.quantity}: max rel err ")
            assert failure.text.startswith(f"{report.title}: 0/1 cases pass")
            assert case["case"] in failure.text
        elif case["status"] == "not_applicable":
            assert children == ["skipped"]
            assert element.find("skipped").get("message") == case["reason"]
        else:
            assert children == []
    summaries = [d.summary() for d in report.diagnosis]
    assert suite.find("system-out").text.split("\n") == summaries
    assert any("epsilon_omitted" in line for line in summaries)


def _hand_built_report(diagnosis=None):
    """A report of five hand-built cases, one of each kind: pass, fail (one quantity too far,
    one not judged, one of the wrong shape), not applicable, raised, nothing judged."""
    from ltc_ref.testing.compare import Report
    from ltc_ref.testing.quantities import CaseResult, QuantityError
    from ltc_ref.testing.variants import VariantResult

    nan = float("nan")
    results = (
        CaseResult("ok", "a passing case", "float64", (QuantityError("y", 1e-15, 2e-15, 1e-13),)),
        CaseResult("off", "a failing case", "float32", (
            QuantityError("y", 3e-3, 4e-3, 1e-5),
            QuantityError("g_w", 1e-9, 2e-9, None),
            QuantityError("h", nan, nan, 1e-5, "shape (2, 3) instead of (2, 4)"),
        )),
        CaseResult("skip", "outside the capabilities", "float64", not_applicable="float32 only"),
        CaseResult("boom", "a raising case", "float64", error="ValueError: boom"),
        CaseResult("vague", "nothing judged", "float64",
                   (QuantityError("g_dt", 1e-3, 1e-3, None),)),
    )  # fmt: skip
    if diagnosis is None:
        diagnosis = (
            VariantResult("epsilon_omitted", "with ε = 0", True, 0.0, 2, 2),
            VariantResult("h0_zero", "with h0 = 0", False, 0.3, 2, 0),
            VariantResult("cm_per_substep", "with cm_t", False, nan, 0, 0),
        )
    return Report(results, "mine vs ltc-ref", diagnosis, "mine.py:forward")


def _with_a_spec(result, name):
    """``result`` as the result of a golden case, with that case's spec (so it has
    reproducers), renamed ``name``."""
    golden = load_golden("paper-tanh-fused-eps")
    return replace(result, case=name, spec=golden.spec.to_json())


#: `_hand_built_report().format()`, line by line: the text report's documented layout.
HAND_BUILT_REPORT_TEXT = HERE / "data" / "hand_built_report.txt"


def test_text_report_layout():
    """The text report of every kind of case, pinned line by line; ``verbose`` adds the passing
    cases' details; the headings of an empty report, of one with nothing applicable, of a
    passing one; an explaining variant with an error left; a failing case with a spec gets the
    command that reproduces it."""
    from ltc_ref.testing.compare import Report
    from ltc_ref.testing.variants import VariantResult

    report = _hand_built_report()
    want = HAND_BUILT_REPORT_TEXT.read_text(encoding="utf-8").rstrip("\n")
    assert report.format().split("\n") == want.split("\n")
    assert str(report) == report.format()
    verbose = report.format(verbose=True).split("\n")
    start = verbose.index("case ok (a passing case): PASS")
    assert verbose[start + 1 : start + 4] == [
        "  quantity               max abs err max rel err tolerance",
        "  y                         1.00e-15    2.00e-15     1e-13",
        "",
    ]
    assert [line for line in verbose if line.startswith("case ")][1:] == [
        "case ok (a passing case): PASS",
        "case off (a failing case): FAIL",
        "case boom (a raising case): FAIL",
        "case vague (nothing judged): FAIL",
    ]

    ok, _, skip = report.results[:3]
    assert Report((), "t").format().split("\n")[0] == (
        "t: 0/0 cases pass (no cases: nothing was checked, so the report does not pass)"
    )
    assert Report((skip,), "t").format().split("\n")[0] == (
        "t: 0/1 cases pass (0 fail, 1 not applicable): FAIL "
        "(every case is outside the capabilities: nothing was checked)"
    )
    assert Report((ok,), "t").format().split("\n")[0] == (
        "t: 1/1 cases pass (0 fail, 0 not applicable): PASS"
    )

    close = (VariantResult("one_substep_more", "with L + 1 sub-steps", True, 3e-14, 1, 1),)
    lines = _hand_built_report(close).format().split("\n")
    assert lines[-1] == (
        "  => your implementation matches the reference with L + 1 sub-steps to 3e-14"
    )
    assert "no documented variant" not in "\n".join(lines)
    unexplained = (VariantResult("h0_zero", "with h0 = 0", False, 0.3, 2, 0),)
    lines = _hand_built_report(unexplained).format().split("\n")
    assert lines[-1] == "  => no documented variant explains the failures"

    failing = _with_a_spec(report.results[1], "paper-tanh-fused-eps")
    lines = Report((failing,), "t", (), "mine.py:forward").format().split("\n")
    cli = failing.reproducer("mine.py:forward")["cli"]
    assert cli.startswith("ltc-ref crosscheck mine.py:forward --case ")
    assert lines[-2:] == [
        f"  reproduce: {cli}",
        "    (in Python: case = ltc_ref.testing.case_from_json('<that JSON>'))",
    ]


def test_junit_and_json_of_every_kind_of_case():
    """The hand-built report's JUnit failure messages (the worst quantity, the exception,
    "nothing judged"), each failure's body (the one-case text report, with the reproducer of a
    case that has a spec), its JSON numbers (non-finite → null) and the default reproducers."""
    from ltc_ref.testing.compare import Report

    report = _hand_built_report()
    with_spec = _with_a_spec(report.results[1], "with-spec")
    report = replace(report, results=(*report.results, with_spec))
    suite = ET.fromstring(report.to_junit())
    failures = {t.get("name"): t.find("failure") for t in suite.findall("testcase") if len(t)}
    assert failures["off"].get("message") == "h: max rel err nan > tolerance 1e-05"
    assert failures["boom"].get("message") == "ValueError: boom"
    assert failures["vague"].get("message") == "nothing judged"
    assert failures["skip"] is None and "skip" in {t.get("name") for t in suite}
    for r in report.failures:
        body = Report((r,), report.title, (), report.target).format()
        assert failures[r.case].text == body
    assert "reproduce: ltc-ref crosscheck mine.py:forward --case " in failures["with-spec"].text

    off = next(c for c in report.to_json()["cases"] if c["case"] == "off")
    assert [q["max_rel"] for q in off["quantities"]] == [4e-3, 2e-9, None]
    assert [q["tolerance"] for q in off["quantities"]] == [1e-5, None, 1e-5]
    assert report.results[1].reproducer() == {"python": None, "cli": None}
    assert with_spec.reproducer()["cli"].startswith("ltc-ref crosscheck TARGET --case ")


# ---- the command line -------------------------------------------------------------------------


def test_cli_a_correct_file_target_passes_with_a_json_report(candidates):
    code, out = run_cli(f"{candidates}:forward", "--report", "json", "--examples", str(EXAMPLES))
    data = json.loads(out)
    _json_schema_holds(data)
    assert code == 0 and data["passed"] and data["counts"]["fail"] == 0
    assert data["counts"]["pass"] == 35 + EXAMPLES
    # the VJP beside it was found: gradients were compared
    assert any(q["quantity"] == "g_w" for c in data["cases"] for q in c["quantities"])


@pytest.mark.parametrize(
    ("function", "variant"),
    [("no_eps", "epsilon_omitted"), ("fewer_substeps", "one_substep_fewer")],
)
def test_cli_a_wrong_candidate_fails_with_the_diagnosis_naming_the_variant(
    candidates, function, variant
):
    code, out = run_cli(f"{candidates}:{function}", "--report", "json", "--examples", "5")
    data = json.loads(out)
    assert code == 1 and not data["passed"]
    assert [d["variant"] for d in data["diagnosis"] if d["explains"]] == [variant]


def test_cli_capabilities_beside_the_function_make_per_sample_cases_not_applicable(candidates):
    code, out = run_cli(f"{candidates}:no_per_sample", "--report", "json", "--examples", "5")
    data = json.loads(out)
    na = {c["case"] for c in data["cases"] if c["status"] == "not_applicable"}
    assert code == 0 and na == {c.name for c in golden_cases(dt_form="per_sample")}
    drawn = [c for c in data["cases"] if c["case"].startswith("hypothesis-")]
    assert len(drawn) == 5 and all(c["spec"]["dt_form"] != "per_sample" for c in drawn)
    assert data["counts"] == {"pass": 35 - len(na) + 5, "fail": 0, "not_applicable": len(na)}


def test_cli_finds_capabilities_json_beside_the_file_and_module_capabilities(tmp_path):
    (tmp_path / "impl.py").write_text(CANDIDATE_FILE)
    (tmp_path / "capabilities.json").write_text('{"forms": ["paper"]}')
    found = command.load_target(f"{tmp_path / 'impl.py'}:forward")
    assert found.capabilities == Capabilities(forms=["paper"]) and found.vjp is not None
    (tmp_path / "impl2.py").write_text(CANDIDATE_FILE + '\nCAPABILITIES = {"solvers": ["rk4"]}\n')
    found = command.load_target(f"{tmp_path / 'impl2.py'}:no_per_sample")
    assert found.capabilities == Capabilities(dt=["scalar", "per_step"])  # the function's own
    found = command.load_target(f"{tmp_path / 'impl2.py'}:forward")
    assert found.capabilities == Capabilities(solvers=["rk4"])
    assert command.load_target(f"{tmp_path / 'impl2.py'}:fewer_substeps").vjp is None


def test_cli_capabilities_file_module_target_case_and_out(candidates, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(candidates.parent))
    caps = tmp_path / "caps.json"
    caps.write_text('{"forms": ["paper"]}')
    out_file = tmp_path / "report.xml"
    code, out = run_cli("candidates:forward", "--capabilities", str(caps), "--cases", "golden",
                        "--report", "junit", "--out", str(out_file))  # fmt: skip
    assert code == 0 and "PASS (report in" in out
    suite = ET.fromstring(out_file.read_text())
    assert int(suite.get("skipped")) == len(golden_cases(form="conductance"))
    # --case: one case, from the JSON a report prints
    spec = json.dumps(load_golden("paper-tanh-fused-eps").spec.to_json())
    code, out = run_cli("candidates:no_eps", "--case", spec)
    assert code == 1 and "1 fail" in out and "epsilon_omitted" in out


@pytest.mark.parametrize(
    "args",
    [
        ["nope"],  # no module:function
        ["no_such_module_xyz:forward"],
        ["missing_file.py:forward"],
        ["ltc_ref:no_such_function"],
        ["ltc_ref:forward", "--case", "{not json"],
        ["ltc_ref:forward", "--capabilities", "/no/such/file.json"],
        ["ltc_ref:forward", "--results", "somewhere"],
        ["--results", "no/such/dir"],
        ["--results", "no/such/dir", "--case", "{not json"],
        [],
    ],
)
def test_cli_usage_errors_exit_2(args, capsys):
    try:
        code = command.main(args)
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    assert code == 2


def test_cli_the_top_level_command_dispatches_here():
    from ltc_ref import cli

    assert cli.COMMANDS["crosscheck"][:2] == ("ltc_ref.interop.command", "main")


# ---- the file protocol ------------------------------------------------------------------------


def test_export_writes_the_documented_files(tmp_path):
    case = load_golden("cond-ncp-fused")
    export_cases(tmp_path, [case])
    assert json.loads((tmp_path / "index.json").read_text())["cases"] == [case.name]
    settings = json.loads((tmp_path / case.name / "case.json").read_text())
    assert settings["unfolds"] == case.unfolds and settings["epsilon"] == case.epsilon
    assert settings["shapes"] == case.shape and settings["spec"] == case.spec.to_json()
    assert "y" in settings["compare"] and settings["tolerances"]["float64"]["y"] is not None
    with np.load(tmp_path / case.name / "inputs.npz") as z:
        assert {"x", "h0", "dt", "g_y", "g_h_last", "w", "sparsity_mask"} <= set(z.files)
        assert np.array_equal(z["w"], case.params.w)
    with pytest.raises(ValueError, match="no spec"):
        export_cases(tmp_path, [dataclass_without_spec(case)])


def dataclass_without_spec(case):
    import dataclasses

    return dataclasses.replace(case, spec=None)


def _foreign(directory, *flags):
    """The other-language implementation: a separate process."""
    subprocess.run([sys.executable, str(FOREIGN), str(directory), *flags], check=True)


def test_round_trip_through_another_process_passes_for_a_correct_implementation(tmp_path):
    assert run_cli("export", str(tmp_path))[0] == 0
    _foreign(tmp_path)
    code, out = run_cli("--results", str(tmp_path), "--report", "json")
    data = json.loads(out)
    _json_schema_holds(data)
    assert code == 0 and data["passed"]
    n_supported = len(golden_cases(form="conductance", solver="fused"))
    assert data["counts"]["pass"] == n_supported  # its capabilities.json excludes the rest
    assert data["counts"]["not_applicable"] == 35 - n_supported


def test_round_trip_fails_with_a_diagnosis_for_a_wrong_implementation(tmp_path):
    assert run_cli("export", str(tmp_path))[0] == 0
    _foreign(tmp_path, "--no-epsilon")
    code, out = run_cli("--results", str(tmp_path))
    assert code == 1
    assert "EXPLAINS epsilon_omitted" in out
    assert "matches the reference with ε = 0" in out
    # the printed reproducer reruns that one case from the files
    line = next(t for t in out.splitlines() if t.startswith("  reproduce: "))
    words = shlex.split(line.split("reproduce: ", 1)[1])
    code, again = run_cli(*words[2:])  # drop "ltc-ref crosscheck"
    assert code == 1 and "0/1 cases pass (1 fail" in again


def test_missing_outputs_and_a_missing_y_are_failures(tmp_path):
    names = ["edge-cond-T1", "cond-ncp-fused", "cond-fc-fused-L6-trained"]
    cases = {c.name: c for c in golden_cases(names=names)}
    export_cases(tmp_path, cases.values())
    # edge-cond-T1: no outputs.npz; cond-ncp-fused: no y
    np.savez(tmp_path / names[1] / "outputs.npz", h=cases[names[1]].expected["h"])
    y, h = cases[names[2]].expected["y"], cases[names[2]].expected["h"]
    np.savez(tmp_path / names[2] / "outputs.npz", y=y.astype(np.float32),
             h_last=h[:, -1].astype(np.float32))  # fmt: skip
    report = check_results(tmp_path, diagnose=False)
    by_case = {r.case: r for r in report.results}
    assert "no edge-cond-T1/outputs.npz" in by_case["edge-cond-T1"].error
    assert "has no 'y'" in by_case["cond-ncp-fused"].error
    assert by_case["cond-fc-fused-L6-trained"].passed  # float32 outputs, float32 tolerances
    assert by_case["cond-fc-fused-L6-trained"].dtype == "float32"
    assert not report.passed


def test_edited_inputs_are_refused(tmp_path):
    case = load_golden("edge-cond-T1")
    export_cases(tmp_path, [case])
    arrays = dict(np.load(tmp_path / case.name / "inputs.npz"))
    arrays["x"] = arrays["x"] + 1.0
    np.savez(tmp_path / case.name / "inputs.npz", **arrays)
    with pytest.raises(ValueError, match="'x' is not what the case's spec draws"):
        check_results(tmp_path)
    assert command.main(["--results", str(tmp_path)]) == 2
