"""Checks that can fail: every way a check of ltc-ref could pass without checking anything fails
or raises, and a state that runs away is reported instead of returned as NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ltc_ref
from ltc_ref import theory
from ltc_ref.testing import (
    check_forward_against_reference,
    check_vjp_against_reference,
    compare_to_reference,
    golden_cases,
    load_golden,
    random_case,
)
from ltc_ref.testing.cases import CaseSpec, UnstableCaseError, random_spec
from ltc_ref.testing.gradcheck import autograd_vjp

from .gradcases import runaway_paper_params

# ---- a wrong cotangent fails, whatever the parameter's value ----------------------------------


def _reference_cotangents(case):
    g_params, g_x, g_h0, g_dt = ltc_ref.vjp(case.params, case.x, case.g_y, g_h=case.g_h,
                                            **case.forward_kwargs())  # fmt: skip
    values = {f"g_{k}": getattr(g_params, k) for k in case.params.TRAINABLE_FIELDS}
    return {**values, "g_x": g_x, "g_h0": g_h0, "g_dt": g_dt}


def test_a_wrong_cotangent_of_a_zero_valued_parameter_fails():
    """ncps's initial input bias is 0: a garbage cotangent of it (100 g + 1) is reported, as it
    would be for any other parameter (no tolerance is scaled by the parameter's value)."""
    case = load_golden("cond-fc-fused-L6-ncps-init")
    assert np.all(case.params.input_b == 0) and np.all(case.params.output_b == 0)
    values = _reference_cotangents(case)
    assert compare_to_reference(case, values).passed
    for name in ("g_input_b", "g_output_b"):
        wrong = dict(values, **{name: 100 * values[name] + 1})
        result = compare_to_reference(case, wrong)
        failed = [e.quantity for e in result.errors if not e.passed]
        assert not result.passed and failed == [name], (name, failed)


def test_a_candidate_vjp_wrong_in_a_zero_parameter_fails_the_report():
    case = load_golden("cond-fc-fused-L6-ncps-init")

    def wrong_vjp(params, x, g_y, **kw):
        g_params, g_x, g_h0, g_dt = ltc_ref.vjp(params, x, g_y, **kw)
        return {"input_b": 100 * g_params.input_b + 1}, g_x, g_h0, g_dt

    assert not check_vjp_against_reference(wrong_vjp, [case]).passed


def test_a_case_where_nothing_was_judged_does_not_pass():
    """The float32 cotangent of dt when dt = 1e4…1e6 is rounding noise (its tolerance is None):
    alone it shows nothing, so the case does not pass; beside a judged quantity it is reported
    but not judged."""
    case = load_golden("edge-cond-huge-dt-per-sample")
    assert case.tolerances["float32"]["g_dt"] is None
    noise = (case.expected["g_dt"] * 3.0).astype(np.float32)
    alone = compare_to_reference(case, {"g_dt": noise})
    assert not alone.passed and alone.judged == 0
    y = case.expected["y"].astype(np.float32)
    with_y = compare_to_reference(case, {"y": y, "g_dt": noise})
    assert with_y.passed and with_y.judged == 1
    assert compare_to_reference(case, {}).passed is False


def test_a_report_over_no_cases_does_not_pass():
    report = check_forward_against_reference(ltc_ref.forward, [])
    assert not report.passed
    assert "0/0 cases pass (no cases: nothing was checked" in report.format()


def test_a_candidate_that_returns_nothing_fails():
    report = check_vjp_against_reference(lambda *a, **k: ({}, None, None, None),
                                         golden_cases(names={"cond-ncp-fused"}))  # fmt: skip
    assert not report.passed and "(nothing judged)" in report.format()


# ---- selections and drawn cases refuse what they cannot honour --------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"form": "conductence"}, r"form: no golden case has \['conductence'\]"),
        ({"solver": "dopri"}, "solver: no golden case has"),
        ({"dt_form": "per_neuron"}, "dt_form: no golden case has"),
        ({"tags": ("sparse", "nope")}, r"tags: no golden case has \['nope'\]"),
        ({"names": {"cond-ncp-fused", "x"}}, r"names: no golden case has \['x'\]"),
        ({"names": ()}, "names: no golden case has an empty selection"),
        ({"form": "paper", "tags": ("sparse",)}, "no golden case matches form='paper'"),
    ],
)
def test_golden_cases_refuses_a_selection_that_matches_nothing(kwargs, match):
    with pytest.raises(ValueError, match=match):
        golden_cases(**kwargs)


def test_random_case_refuses_unknown_options_and_invalid_values():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"unknown spec fields \['nonsense'\]"):
        random_case(rng, batch=0, unfolds=0, nonsense=1)
    for field, value in (("batch", 0), ("unfolds", 0), ("steps", -1), ("n_inputs", 0)):
        with pytest.raises(ValueError, match=rf"CaseSpec.{field}: expected an integer >= 1"):
            random_spec(rng, **{field: value})
    with pytest.raises(ValueError, match=r"CaseSpec.dt_range: expected 0 < low <= high"):
        random_spec(rng, dt_range=(2.0, 1.0))
    with pytest.raises(ValueError, match=r"CaseSpec.n_units: the conductance form takes N"):
        random_spec(rng, form="conductance", n_units=3)
    with pytest.raises(ValueError, match=r"CaseSpec.activation: the conductance form"):
        random_spec(rng, form="conductance", activation="tanh")
    with pytest.raises(TypeError, match=r"rng: expected a numpy.random.Generator"):
        random_spec(0)


def test_random_spec_uses_every_fixed_value_as_given():
    fixed = dict(form="paper", n_inputs=1, n_units=1, activation="relu", solver="euler",
                 regime="typical", unfolds=1, epsilon=0.0, batch=1, steps=1,
                 dt_form="per_step", dt_range=(0.01, 0.02), seed=3)  # fmt: skip
    for seed in range(5):
        spec = random_spec(np.random.default_rng(seed), **fixed)
        assert {k: getattr(spec, k) for k in fixed} == fixed


def test_random_case_honours_a_fixed_dt_range_or_raises():
    """An explicit solver's dt_range is capped only when it was drawn; a fixed one is used as
    given, and a step it cannot take is an error, not a silent replacement."""
    rng = np.random.default_rng(1)
    small = random_case(rng, form="conductance", solver="euler", dt_range=(0.01, 0.02))
    assert small.spec.dt_range == (0.01, 0.02)
    assert 0.01 <= np.min(small.dt) and np.max(small.dt) <= 0.02
    with pytest.raises(UnstableCaseError, match=r"choose a smaller step"):
        random_case(np.random.default_rng(1), form="conductance", solver="euler",
                    regime="trained", dt_range=(50.0, 60.0))  # fmt: skip
    drawn = random_case(np.random.default_rng(1), form="conductance", solver="euler")
    assert np.max(drawn.dt) <= drawn.spec.dt_range[1]


def test_case_spec_validates_its_fields():
    with pytest.raises(ValueError, match=r"CaseSpec.epsilon: expected a number >= 0"):
        CaseSpec("x", "paper", 2, n_units=2, epsilon=-1.0)
    with pytest.raises(ValueError, match=r"CaseSpec.wiring: the paper form has no wiring"):
        CaseSpec("x", "paper", 2, n_units=2, wiring={"class": "FullyConnected", "args": {}})
    with pytest.raises(ValueError, match=r"CaseSpec.name"):
        CaseSpec("", "paper", 2, n_units=2)


# ---- values the comparison cannot take without losing information ----------------------------


def test_compare_to_reference_refuses_complex_and_object_arrays():
    case = load_golden("edge-cond-T1")
    y = case.expected["y"]
    with pytest.raises(TypeError, match=r"values\['y'\]: expected a real .* got dtype complex128"):
        compare_to_reference(case, {"y": y + 0j})
    with pytest.raises(TypeError, match=r"got dtype object"):
        compare_to_reference(case, {"y": y.astype(object)})
    # through a runner, a candidate returning complex values fails its case (no crash):
    report = check_forward_against_reference(lambda p, x, **k: (y + 1e-3j, case.expected["h"]),
                                             [case])  # fmt: skip
    assert not report.passed and "invalid values returned" in report.format()


def test_autograd_vjp_refuses_a_cotangent_of_the_wrong_shape():
    case = load_golden("cond-fc-fused-dt-per-sample")  # B = 3, T = 5, M = 2
    B, T, M = case.g_y.shape
    g_y = np.ones((T, B, M))  # same size, wrong layout: reshaping it would be silently wrong
    with pytest.raises(ValueError, match=r"g_y: expected shape"):
        autograd_vjp(case.params, case.x, g_y, **case.forward_kwargs())


# ---- theory helpers refuse inputs that broadcast into nonsense --------------------------------


def test_distance_outside_refuses_broadcasting_shapes_and_inverted_intervals():
    lo, hi = np.zeros(3), np.ones(3)
    assert theory.distance_outside(np.full((4, 3), 2.0), (lo, hi)).shape == (4, 3)
    with pytest.raises(ValueError, match=r"does not broadcast to x's shape \(4, 1\)"):
        theory.distance_outside(np.zeros((4, 1)), (lo, hi))
    with pytest.raises(ValueError, match=r"expected lo <= hi, got lo > hi at index \(1,\)"):
        theory.distance_outside(np.zeros(3), (np.array([0.0, 2.0, 0.0]), hi))
    with pytest.raises(ValueError, match=r"interval: expected a pair"):
        theory.distance_outside(np.zeros(3), (lo, hi, hi))


def test_fused_worst_excess_refuses_non_positive_steps():
    p = ltc_ref.init_paper_params(2, 3, np.random.default_rng(0))
    x0, inputs = np.zeros(3), np.zeros((2, 2))
    assert theory.fused_worst_excess(p, x0, inputs, [1.0, 2.0])[0] <= 1.0
    for dts in ([1.0, 0.0], [1.0, -2.0]):
        with pytest.raises(ValueError, match=r"dts: expected every entry > 0"):
            theory.fused_worst_excess(p, x0, inputs, dts)
    with pytest.raises(ValueError, match=r"dts: expected one step length per input"):
        theory.fused_worst_excess(p, x0, inputs, [1.0])


# ---- a run-away state is an error, not a quiet NaN --------------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_state_that_runs_away_raises_naming_the_step(backend):
    p = runaway_paper_params()
    x, h0 = np.zeros((1, 100, 1)), np.full((1, 1), 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's overflow warnings on the way
        with pytest.raises(ltc_ref.NonFiniteError, match=r"the states h became non-finite") as err:
            ltc_ref.forward(p, x, h0=h0, dt=6.0, backend=backend)
        assert err.value.step == 51 and "at input step t = 51 of 100" in str(err.value)
        assert "only when f >= 0" in str(err.value)
        with pytest.raises(ltc_ref.NonFiniteError):
            ltc_ref.vjp(p, x, np.ones((1, 100, 1)), h0=h0, dt=6.0, backend=backend)
        y, h = ltc_ref.forward(p, x[:, :10], h0=h0, dt=6.0, backend=backend)
        assert np.all(np.isfinite(h))  # before the run-away nothing is refused


def test_an_explicit_solver_beyond_its_stable_step_raises():
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), np.random.default_rng(0))
    p = p.replace(cm=np.full(3, 1e-3))  # time constants ~1e-3 against a step of 1/6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ltc_ref.NonFiniteError, match=r"explicit solver 'euler' is stable"):
            ltc_ref.forward(p, np.ones((1, 200, 2)), solver="euler")


def test_a_run_where_every_case_is_not_applicable_does_not_pass():
    """Issue 13: cases outside a candidate's capabilities are never a pass; with nothing else,
    the run has checked nothing."""
    from ltc_ref.testing import Capabilities, check_candidate, golden_cases

    cases = golden_cases(form="paper")
    report = check_candidate(ltc_ref.forward, None, cases, capabilities=Capabilities(
        forms=["conductance"]))  # fmt: skip
    assert report.counts == {"pass": 0, "fail": 0, "not_applicable": len(cases)}
    assert not report.passed
    assert "every case is outside the capabilities" in report.format()
    assert report.to_json()["passed"] is False


def test_a_not_applicable_case_is_not_a_pass_even_for_a_correct_candidate():
    from ltc_ref.testing import Capabilities, check_candidate, golden_cases

    (case,) = golden_cases(names=["edge-cond-T1"])
    (r,) = check_candidate(ltc_ref.forward, None, [case],
                           capabilities=Capabilities(max_batch=1)).results  # fmt: skip
    assert r.status == "not_applicable" and not r.passed and r.errors == ()


def test_the_diagnosis_can_fail_to_explain(rng):
    """A disagreement that is none of the documented variants is reported as unexplained (the
    per-variant tests are in tests/test_variants.py)."""
    from ltc_ref.testing import check_candidate, golden_cases

    def shifted(params, x, **kw):
        y, h = ltc_ref.forward(params, x, **kw)
        return y + 1e-3, h

    report = check_candidate(shifted, None, golden_cases(names=["cond-ncp-fused"]))
    assert not report.passed and report.diagnosis and report.explanations == ()
