"""The public testing API (`ltc_ref.testing`): independent candidates pass, wrong ones fail with a
readable report, tolerances follow the candidate's dtype, and the hypothesis strategies draw
valid cases."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref.testing import (
    Case,
    assert_matches_reference,
    assert_vjp_matches_reference,
    autograd_vjp,
    check_forward_against_reference,
    check_vjp_against_reference,
    compare_to_reference,
    golden_cases,
    load_golden,
    random_case,
    strategies,
)
from ltc_ref.testing.cases import CaseSpec, make_case, stable_dt_limit

from . import naive


def naive_forward(params, x, *, h0, dt, unfolds, solver, epsilon):
    """An independent candidate: the slow, one-neuron-at-a-time fused solver of tests/naive.py
    (fused only), batch by batch."""
    assert solver == "fused"
    B, T, _ = x.shape
    dts = np.broadcast_to(np.asarray(dt, dtype=np.float64), (B, T))
    h = np.array(
        [
            naive.forward_fused(
                params, x[b].tolist(), h0[b].tolist(), dts[b].tolist(), unfolds, epsilon
            )
            for b in range(B)
        ]
    )
    if isinstance(params, ltc_ref.PaperParams):
        return h, h
    y = np.array([[naive.conductance_output(params, h[b, t]) for t in range(T)] for b in range(B)])
    return y, h


FUSED = {"solver": "fused"}


def test_an_independent_candidate_matches_the_golden_cases():
    report = assert_matches_reference(naive_forward, golden_cases(solver="fused"))
    assert report.passed and len(report.results) == len(golden_cases(solver="fused"))


def test_fresh_cases_are_drawn_on_request():
    report = check_forward_against_reference(
        naive_forward, [], n_random=4, seed=3, random_kwargs=FUSED
    )
    assert report.passed and [r.case for r in report.results] == [f"random-3-{k}" for k in range(4)]


def forward_ignoring_epsilon(params, x, **kw):
    return ltc_ref.forward(params, x, **{**kw, "epsilon": 0.0})


def forward_with_whole_dt_per_substep(params, x, *, dt, unfolds, **kw):
    """A classic bug: every sub-step integrates the whole Δt instead of Δt / L."""
    return ltc_ref.forward(params, x, dt=np.asarray(dt) * unfolds, unfolds=unfolds, **kw)


def forward_with_transposed_synapses(params, x, **kw):
    if isinstance(params, ltc_ref.SynapticParams):
        transposed = {k: getattr(params, k).T for k in ("w", "sigma", "mu", "erev")}
        params = params.replace(sparsity_mask=params.sparsity_mask.T, **transposed)
    return ltc_ref.forward(params, x, **kw)


@pytest.mark.parametrize(
    ("candidate", "case_name"),
    [
        (forward_ignoring_epsilon, "cond-fc-fused-L6-ncps-init"),
        (forward_with_whole_dt_per_substep, "cond-fc-fused-dt-per-step"),
        (forward_with_transposed_synapses, "cond-fc-fused-L6-trained"),
    ],
)
def test_wrong_candidates_fail_with_a_readable_report(candidate, case_name):
    case = load_golden(case_name)
    with pytest.raises(AssertionError) as info:
        assert_matches_reference(candidate, [case])
    message = str(info.value)
    assert f"case {case_name} (" in message  # the failing case, with its description
    assert "<-- FAIL" in message and "max rel err" in message and "tolerance" in message
    assert "0/1 cases pass" in message
    # How to reproduce it: the case's full spec, which case_from_json turns back into the case.
    (line,) = [t for t in message.splitlines() if t.startswith("  reproduce: ltc-ref crosscheck")]
    words = shlex.split(line.split("reproduce: ", 1)[1])
    spec = words[words.index("--case") + 1]
    again = ltc_ref.testing.case_from_json(spec)
    assert again.name == case_name and np.array_equal(again.x, case.x)
    assert np.array_equal(again.expected["y"], case.expected["y"])


def test_epsilon_matters_in_the_ncps_default_case():
    """ε = 1e-8 against a denominator of O(1): a relative change ~1e-8, far above the float64
    tolerance of ~1e-13, so a candidate that drops ε is caught (the test above relies on it)."""
    case = load_golden("cond-fc-fused-L6-ncps-init")
    report = check_forward_against_reference(forward_ignoring_epsilon, [case])
    worst = report.results[0].worst()
    assert 1e-10 < worst.max_rel < 1e-6 and not worst.passed


def test_a_raising_candidate_is_a_failed_case_not_a_crash():
    def broken(params, x, **kw):
        raise RuntimeError("not implemented for this shape")

    report = check_forward_against_reference(broken, [load_golden("edge-cond-T1")])
    assert not report.passed
    assert "RuntimeError: not implemented for this shape" in report.format()


def test_candidate_may_return_only_the_final_state():
    def last_only(params, x, **kw):
        y, h = ltc_ref.forward(params, x, **kw)
        return y, h[:, -1]

    report = assert_matches_reference(last_only, [load_golden("cond-ncp-fused")])
    assert {e.quantity for e in report.results[0].errors} == {"y", "h_last"}


def test_float32_candidates_get_float32_tolerances():
    cases = golden_cases(tags=("edge",))
    report = assert_matches_reference(ltc_ref.forward, cases, dtype=np.float32)
    assert all(r.dtype == "float32" for r in report.results)
    assert_vjp_matches_reference(ltc_ref.vjp, cases, dtype=np.float32)
    # The same float32 results held to float64 tolerances fail.
    case = load_golden("cond-fc-fused-L6-trained")
    y, h = ltc_ref.forward(
        case.params.astype(np.float32),
        case.x.astype(np.float32),
        **case.astype(np.float32).forward_kwargs(),
    )
    assert compare_to_reference(case, {"y": y, "h": h}).passed  # dtype inferred: float32
    assert not compare_to_reference(case, {"y": y, "h": h}, dtype="float64").passed


def test_vjp_candidates_may_return_a_subset_and_per_entry_dt_cotangents():
    def torch_like_vjp(params, x, g_y, *, g_h, h0, dt, unfolds, solver, epsilon):
        B, T = x.shape[:2]
        per_entry = np.broadcast_to(np.asarray(dt, dtype=np.float64), (B, T))
        g_params, g_x, _, g_dt = ltc_ref.vjp(
            params,
            x,
            g_y,
            g_h=g_h,
            h0=h0,
            dt=per_entry,
            unfolds=unfolds,
            solver=solver,
            epsilon=epsilon,
        )
        assert g_dt.shape == (B, T)  # a per-entry cotangent, summed by the comparison
        return {"w": g_params.w, "cm": g_params.cm}, g_x, None, g_dt

    report = assert_vjp_matches_reference(torch_like_vjp, golden_cases(form="conductance"))
    assert {e.quantity for e in report.results[0].errors} == {"g_w", "g_cm", "g_x", "g_dt"}


def test_wrong_gradients_are_caught():
    def vjp_without_chain_through_state(params, x, g_y, *, g_h, **kw):
        g = ltc_ref.vjp(params, x, g_y, g_h=None, **kw)  # drops the final-state cotangent
        return g

    report = check_vjp_against_reference(
        vjp_without_chain_through_state, [load_golden("paper-sigmoid-fused-L6")]
    )
    assert not report.passed
    assert "g_h0" in report.format()


def test_unknown_quantities_are_rejected():
    case = load_golden("edge-cond-T1")
    with pytest.raises(ValueError, match="unknown quantities"):
        compare_to_reference(case, {"outputs": case.expected["y"]})


def test_shape_and_nan_problems_are_reported():
    case = load_golden("edge-cond-T1")
    y = case.expected["y"]
    result = compare_to_reference(
        case, {"y": y[:, :, :1], "h": np.full_like(case.expected["h"], np.nan)}
    )
    notes = {e.quantity: e.note for e in result.errors}
    assert "shape" in notes["y"] and "non-finite" in notes["h"] and not result.passed


def test_random_case_is_reproducible_and_tolerances_are_sensible():
    a = random_case(np.random.default_rng(7))
    b = random_case(np.random.default_rng(7))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.expected["g_x"], b.expected["g_x"])
    assert a.tolerances == b.tolerances
    for dtype, floor in (("float64", 1e-13), ("float32", 1e-5)):
        tols = [t for t in a.tolerances[dtype].values() if t is not None]
        assert tols and min(tols) >= floor


def test_ill_conditioned_quantities_are_not_judged():
    """The cotangent of dt when dt = 1e4…1e6: the state no longer depends on dt, and its
    float32 value is rounding noise. The manifest says so (None) and the comparison reports but
    does not judge it (beside a judged quantity: alone it would show nothing, see
    tests/test_checks_can_fail.py)."""
    case = load_golden("edge-cond-huge-dt-per-sample")
    assert case.tolerances["float32"]["g_dt"] is None
    noise = case.expected["g_dt"] * 3.0
    y = case.expected["y"].astype(np.float32)
    result = compare_to_reference(case, {"y": y, "g_dt": noise.astype(np.float32)})
    assert result.passed and result.errors[1].tolerance_text == "n/a"


def test_explicit_solver_cases_are_drawn_inside_the_stable_range():
    spec = CaseSpec(
        "x",
        "conductance",
        2,
        wiring={"class": "FullyConnected", "args": {"units": 4}},
        regime="trained",
        solver="euler",
        dt_range=(5.0, 10.0),
        seed=1,
    )
    from ltc_ref.testing.cases import UnstableCaseError, case_from_spec

    with pytest.raises(UnstableCaseError):
        make_case(spec)  # Euler with h = 10/6 on this network explodes
    case = case_from_spec(spec)
    assert np.max(np.abs(case.expected["h"])) < 10
    assert np.max(case.dt) <= stable_dt_limit(case.params, case.unfolds)


# ---- hypothesis strategies -------------------------------------------------------------------


@given(strategies.cases(solvers=("fused",), max_batch=2, max_steps=3))
def test_naive_candidate_matches_on_drawn_cases(case):
    """The slow loop of tests/naive.py agrees with the reference on every drawn fused case
    (both forms, every regime, wiring, dt form and ε)."""
    y, h = naive_forward(case.params, case.x, **case.forward_kwargs())
    result = compare_to_reference(case, {"y": y, "h": h})
    assert result.passed, result


@given(strategies.cases(max_batch=2, max_steps=3))
def test_autograd_matches_the_reference_vjp_on_drawn_cases(case):
    g_params, g_x, g_h0, g_dt = autograd_vjp(
        case.params, case.x, case.g_y, g_h=case.g_h, **case.forward_kwargs()
    )
    values = {f"g_{k}": getattr(g_params, k) for k in case.params.TRAINABLE_FIELDS}
    result = compare_to_reference(case, {**values, "g_x": g_x, "g_h0": g_h0, "g_dt": g_dt})
    assert result.passed, result


@given(strategies.wirings(), strategies.synaptic_params(), strategies.paper_params())
def test_parameter_and_wiring_strategies_draw_valid_objects(wiring, syn, pap):
    assert isinstance(wiring, ltc_ref.Wiring) and 1 <= wiring.output_dim <= wiring.units
    assert isinstance(syn, ltc_ref.SynapticParams) and syn.dtype == np.float64
    assert isinstance(pap, ltc_ref.PaperParams) and np.all(pap.tau > 0)


@given(st.data())
def test_input_and_dt_strategies_have_the_requested_shapes(data):
    B, T, C = (
        data.draw(st.integers(1, 3)),
        data.draw(st.integers(1, 4)),
        data.draw(st.integers(1, 3)),
    )
    x = data.draw(strategies.inputs(B, T, C))
    dt = data.draw(strategies.dts(B, T))
    assert x.shape == (B, T, C) and np.all(np.abs(x) <= 3.0)
    assert np.shape(dt) in ((), (T,), (B, T)) and np.all(np.asarray(dt) > 0)
    _, h = ltc_ref.forward(ltc_ref.init_paper_params(C, 3, np.random.default_rng(0)), x, dt=dt)
    assert h.shape == (B, T, 3)


def test_case_spec_mapping_modes_restrict_the_maps():
    base = dict(wiring={"class": "FullyConnected", "args": {"units": 3}}, seed=4)
    linear = make_case(CaseSpec("l", "conductance", 2, input_mapping="linear", **base))
    none = make_case(CaseSpec("n", "conductance", 2, output_mapping=None, **base))
    assert np.all(linear.params.input_b == 0) and np.any(linear.params.input_w != 1)
    assert np.all(none.params.output_w == 1) and np.all(none.params.output_b == 0)
    assert isinstance(linear, Case)


# ---- optional dependencies -------------------------------------------------------------------


def _run_blocked(blocked: list[str], code: str) -> subprocess.CompletedProcess:
    prelude = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in blocked)
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True)


def test_testing_imports_without_hypothesis():
    ok = _run_blocked(["hypothesis"], "import ltc_ref.testing as t; t.golden_cases(); print('ok')")
    assert ok.returncode == 0 and "ok" in ok.stdout, ok.stderr
    fails = _run_blocked(["hypothesis"], "import ltc_ref.testing.strategies")
    assert fails.returncode != 0 and "hypothesis" in fails.stderr


def test_ncps_adapter_imports_and_converts_without_torch():
    code = (
        "import numpy as np, ltc_ref\n"
        "from ltc_ref.interop import ncps, authors, crosscheck\n"
        "p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), "
        "np.random.default_rng(0))\n"
        "sd = {k: getattr(p, k) for k in p.ARRAY_FIELDS}\n"
        "for k in p.POSITIVE_FIELDS: sd[k] = ncps.ncps_softplus_inverse(sd[k])\n"
        "q = ncps.params_from_state_dict(sd, implicit_param_constraints=True)\n"
        "assert np.allclose(q.w, p.w, rtol=1e-15, atol=0)\n"
        "try:\n    ncps.params_to_state_dict(p)\nexcept ImportError as e:\n    print('needs', e)\n"
    )
    out = _run_blocked(["torch", "ncps"], code)
    assert out.returncode == 0, out.stderr
    assert "needs ltc_ref.interop.ncps needs torch" in out.stdout


# ---- the docs' walkthrough runs --------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "crosscheck.md"


def doc_blocks(tag: str) -> list[str]:
    """The ```python blocks of docs/crosscheck.md that start with ``# check: <tag>``."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    return [b for b in blocks if b.startswith(f"# check: {tag}\n")]


def test_the_docs_api_walkthrough_runs_and_passes(capsys):
    """docs/crosscheck.md "From Python": capabilities, check_candidate, check_with_hypothesis."""
    (block,) = doc_blocks("api")
    exec(compile(block, str(DOCS), "exec"), {})
    n_per_sample = len(golden_cases(dt_form="per_sample"))
    expected = {"pass": 35 - n_per_sample, "fail": 0, "not_applicable": n_per_sample}
    assert capsys.readouterr().out.strip() == str(expected)


def test_the_docs_numpy_walkthrough_runs_and_passes(capsys):
    (block,) = doc_blocks("numpy")
    exec(compile(block, str(DOCS), "exec"), {})
    out = capsys.readouterr().out
    n = len(golden_cases(form="conductance", solver="fused"))
    assert f"forward pass vs ltc-ref: {n}/{n} cases pass" in out


def test_a_case_beyond_float32s_range_has_no_float32_tolerances(monkeypatch):
    """When the float32 copy of a drawn case runs out of float32's range (the reference raises
    `NonFiniteError` or warns and overflows), the case is still drawn: its float32 tolerances
    are all None (not compared) and its float64 ones are untouched."""
    from ltc_ref import NonFiniteError
    from ltc_ref.testing import cases

    spec = cases.random_spec(np.random.default_rng(4), form="paper", solver="fused")
    normal = cases.make_case(spec)
    real = cases.case_reference

    def overflowing_in_float32(case):
        if case.params.dtype == np.float32:
            np.ones(2, np.float32) * np.float32(3e38) * np.float32(10)  # warns: silenced
            raise NonFiniteError("g_x became inf", "g_x", 0, (0, 0, 0))
        return real(case)

    monkeypatch.setattr(cases, "case_reference", overflowing_in_float32)
    case = cases.make_case(spec)
    assert set(case.tolerances["float32"].values()) == {None}
    assert case.tolerances["float64"] == normal.tolerances["float64"]
