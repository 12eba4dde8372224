"""The comparison of a candidate with the reference (`ltc_ref.testing.compare`), exactly: the
report's text, the fields of its results, the inferred dtype, the defaults of the runners and
their pass/fail outcome (the mutation check of issue 11 asks that each be pinned by a test)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import ltc_ref
from ltc_ref.testing import (
    assert_matches_reference,
    assert_vjp_matches_reference,
    check_forward_against_reference,
    check_vjp_against_reference,
    compare_to_reference,
    load_golden,
)
from ltc_ref.testing.compare import Report
from ltc_ref.testing.measure import relative_error

DOCS = Path(__file__).resolve().parents[1] / "docs" / "crosscheck.md"
CASE = load_golden("edge-cond-T1")


def _exact(params, x, **kwargs):
    return CASE.expected["y"], CASE.expected["h"]


def _raises(params, x, **kwargs):
    raise RuntimeError("no")


def _broken(params, x, **kwargs):
    return CASE.expected["y"][:, :, :1], np.full_like(CASE.expected["h"], np.nan)


#: The documented layout of a report, one case of each kind (computed on exact values, so the
#: numbers are the same on every machine).
EXPECTED_REPORT = """\
demo: 1/4 cases pass (3 fail, 0 not applicable): FAIL

case                               dtype    worst quantity   max rel err tolerance  status
edge-cond-T1                       float64  y                   0.00e+00     1e-13  PASS
edge-cond-T1                       float64  (raised)                                FAIL
edge-cond-T1                       float64  y                        nan     1e-13  FAIL
edge-cond-T1                       float64  (nothing judged)                        FAIL

case edge-cond-T1 (conductance, fused, L=6, eps=0, dt scalar, B=3 T=1 C=3 N=4 M=2): PASS
  quantity               max abs err max rel err tolerance
  y                         0.00e+00    0.00e+00     1e-13
  h                         0.00e+00    0.00e+00     1e-13

case edge-cond-T1 (conductance, fused, L=6, eps=0, dt scalar, B=3 T=1 C=3 N=4 M=2): FAIL
  the candidate raised RuntimeError: no
  reproduce: ltc-ref crosscheck TARGET --case '{"name":"edge-cond-T1","form":"conductance","n_inputs":3,"n_units":null,"wiring":{"class":"FullyConnected","args":{"units":4,"output_dim":2}},"activation":"sigmoid","regime":"trained","solver":"fused","unfolds":6,"epsilon":0.0,"batch":3,"steps":1,"dt_form":"scalar","dt_range":[1.0,1.0],"seed":126,"input_mapping":"affine","output_mapping":"affine","covers":"T = 1, B = 3","tags":["edge"]}'
    (in Python: case = ltc_ref.testing.case_from_json('<that JSON>'))

case edge-cond-T1 (conductance, fused, L=6, eps=0, dt scalar, B=3 T=1 C=3 N=4 M=2): FAIL
  quantity               max abs err max rel err tolerance
  y                              nan         nan     1e-13   <-- FAIL (shape (3, 1, 1), expected (3, 1, 2))
  h                              nan         nan     1e-13   <-- FAIL (12 non-finite entries)
  reproduce: ltc-ref crosscheck TARGET --case '{"name":"edge-cond-T1","form":"conductance","n_inputs":3,"n_units":null,"wiring":{"class":"FullyConnected","args":{"units":4,"output_dim":2}},"activation":"sigmoid","regime":"trained","solver":"fused","unfolds":6,"epsilon":0.0,"batch":3,"steps":1,"dt_form":"scalar","dt_range":[1.0,1.0],"seed":126,"input_mapping":"affine","output_mapping":"affine","covers":"T = 1, B = 3","tags":["edge"]}'
    (in Python: case = ltc_ref.testing.case_from_json('<that JSON>'))

case edge-cond-T1 (conductance, fused, L=6, eps=0, dt scalar, B=3 T=1 C=3 N=4 M=2): FAIL
  no quantity was judged (none given, or every one given is ill-conditioned at this precision): the case shows nothing
  quantity               max abs err max rel err tolerance
  reproduce: ltc-ref crosscheck TARGET --case '{"name":"edge-cond-T1","form":"conductance","n_inputs":3,"n_units":null,"wiring":{"class":"FullyConnected","args":{"units":4,"output_dim":2}},"activation":"sigmoid","regime":"trained","solver":"fused","unfolds":6,"epsilon":0.0,"batch":3,"steps":1,"dt_form":"scalar","dt_range":[1.0,1.0],"seed":126,"input_mapping":"affine","output_mapping":"affine","covers":"T = 1, B = 3","tags":["edge"]}'
    (in Python: case = ltc_ref.testing.case_from_json('<that JSON>'))"""  # noqa: E501


def _demo_report() -> Report:
    reports = [check_forward_against_reference(f, [CASE]) for f in (_exact, _raises, _broken)]
    results = tuple(r for rep in reports for r in rep.results)
    return Report((*results, compare_to_reference(CASE, {})), "demo")


def test_the_report_text_is_the_documented_layout():
    report = _demo_report()
    assert report.format(verbose=True) == EXPECTED_REPORT
    # Without verbose, only the failing cases are detailed:
    short = report.format()
    assert short.count("\ncase edge-cond-T1 (") == 3 and str(report) == short
    assert short.startswith(EXPECTED_REPORT.split("\n\ncase edge-cond-T1 (")[0])


def test_the_docs_report_of_a_candidate_without_epsilon_is_what_the_code_prints():
    """docs/crosscheck.md shows the report of ltc-ref with ε forced to 0 on the ncps default case;
    the code prints exactly that (the error is ε's effect, ~1e-8, far above rounding)."""

    def forward_without_eps(params, x, **kw):
        return ltc_ref.forward(params, x, **{**kw, "epsilon": 0.0})

    case = load_golden("cond-fc-fused-L6-ncps-init")
    printed = str(check_forward_against_reference(forward_without_eps, [case]))
    block = re.search(r"```text\n(forward pass vs ltc-ref: 0/1 cases pass .*?)\n```",
                      DOCS.read_text(), re.S).group(1)  # fmt: skip
    assert printed == block


def test_results_carry_the_candidate_label_the_description_and_the_errors():
    default = compare_to_reference(CASE, {"y": CASE.expected["y"]})
    assert default.candidate == "candidate" and default.description == CASE.describe()
    assert (
        compare_to_reference(CASE, {"y": CASE.expected["y"]}, candidate="mine").candidate == "mine"
    )
    forward = check_forward_against_reference(_exact, [CASE]).results[0]
    assert forward.candidate == "forward" and forward.description == CASE.describe()
    raised = check_forward_against_reference(_raises, [CASE]).results[0]
    assert raised.candidate == "forward" and raised.description == CASE.describe()
    assert raised.error == "RuntimeError: no" and raised.errors == ()

    def vjp_exact(params, x, g_y, **kw):
        return ltc_ref.vjp(params, x, g_y, **kw)

    vjp_report = check_vjp_against_reference(vjp_exact, [CASE])
    assert vjp_report.title == "VJP vs ltc-ref" and vjp_report.results[0].candidate == "vjp"
    assert check_forward_against_reference(_exact, [CASE]).title == "forward pass vs ltc-ref"


def test_invalid_values_are_a_failed_case_naming_the_error():
    report = check_forward_against_reference(lambda p, x, **k: ({"y": 1}, None), [CASE])
    (result,) = report.results
    assert result.candidate == "forward" and result.description == CASE.describe()
    assert result.error.startswith("TypeError (invalid values returned): values['y']: expected")
    report = check_vjp_against_reference(lambda *a, **k: ({"nope": 1.0}, None, None, None), [CASE])
    (result,) = report.results
    assert result.candidate == "vjp" and result.description == CASE.describe()
    assert result.error.startswith("ValueError (invalid values returned): values: unknown")


def test_none_values_are_skipped_and_the_rest_compared():
    result = compare_to_reference(CASE, {"y": None, "h": CASE.expected["h"], "g_x": None,
                                         "h_last": CASE.expected["h"][:, -1]})  # fmt: skip
    assert [e.quantity for e in result.errors] == ["h", "h_last"] and result.passed


def test_integer_and_boolean_arrays_are_real_values():
    zeros = np.zeros(CASE.expected["y"].shape, dtype=np.int64)
    result = compare_to_reference(CASE, {"y": zeros, "h": CASE.expected["h"]})
    (y, h) = result.errors
    assert y.max_abs == float(np.max(np.abs(CASE.expected["y"]))) and y.max_rel == 1.0
    assert h.max_abs == 0.0 and not result.passed


def test_the_errors_of_shape_and_finiteness_failures():
    bad = {"y": CASE.expected["y"][:, :, :1], "h": np.full_like(CASE.expected["h"], np.inf)}
    result = compare_to_reference(CASE, bad)
    y, h = result.errors
    assert y.tolerance == 1e-13 and h.tolerance == 1e-13
    for e in (y, h):
        assert math.isnan(e.max_abs) and math.isnan(e.max_rel) and e.ratio == math.inf
    assert h.note == "12 non-finite entries" and y.note == "shape (3, 1, 1), expected (3, 1, 2)"


def test_max_abs_is_the_largest_difference():
    y = CASE.expected["y"].copy()
    y.flat[3] += 1e-3
    (e,) = compare_to_reference(CASE, {"y": y}).errors
    assert e.max_abs == pytest.approx(1e-3, rel=1e-9)
    assert e.max_rel == pytest.approx(1e-3 / np.max(np.abs(CASE.expected["y"])), rel=1e-9)


def test_the_dtype_is_inferred_from_the_arrays_or_given():
    g = {"g_output_b": CASE.expected["g_output_b"]}
    assert compare_to_reference(CASE, g).dtype == "float64"
    assert compare_to_reference(CASE, {k: a.astype(np.float32) for k, a in g.items()}).dtype == (
        "float32"
    )
    assert compare_to_reference(CASE, {"y": CASE.expected["y"]}, dtype="float32").dtype == "float32"
    # A scalar float32 does not make the set float32 (only arrays say what the candidate ran in):
    scalar = {"y": CASE.expected["y"], "g_dt": np.float32(CASE.expected["g_dt"])}
    assert compare_to_reference(CASE, scalar).dtype == "float64"
    with pytest.raises(ValueError, match=r"dtype: expected one of \['float32', 'float64'\]"):
        compare_to_reference(CASE, {"y": CASE.expected["y"]}, dtype="float16")


def test_the_runners_cast_the_case_to_their_dtype():
    seen = []

    def spy(params, x, **kw):
        seen.append((params.dtype, x.dtype))
        return ltc_ref.forward(params, x, **kw)

    report = check_forward_against_reference(spy, [CASE], dtype=np.float32)
    assert seen == [(np.float32, np.float32)] and report.results[0].dtype == "float32"
    assert report.passed
    with pytest.raises(TypeError, match="dtype: expected"):
        check_forward_against_reference(spy, [CASE], dtype=np.int32)


def test_worst_picks_by_group():
    values = {"y": CASE.expected["y"] * (1 + 1e-9), "g_x": CASE.expected["g_x"] * (1 + 1e-6)}
    result = compare_to_reference(CASE, values)
    assert result.worst("forward").quantity == "y" and result.worst("gradient").quantity == "g_x"
    assert result.worst().quantity == "g_x"
    assert compare_to_reference(CASE, {"y": CASE.expected["y"]}).worst("gradient") is None


def test_the_vjp_runner_uses_its_seed_and_random_options():
    """Drawn cases come from ``numpy.random.default_rng(seed)`` with ``random_kwargs`` fixed: two
    runs with one seed see the same cases, another seed other cases; the default seed is 0."""
    seen = []

    def spy(params, x, g_y, **kw):
        seen.append((kw["solver"], x.copy()))
        return ltc_ref.vjp(params, x, g_y, **kw)

    kwargs = {"random_kwargs": {"solver": "euler"}, "n_random": 1}
    for seed in (3, 3, None, 0):
        check_vjp_against_reference(spy, [], **kwargs, **({} if seed is None else {"seed": seed}))
    assert {solver for solver, _ in seen} == {"euler"}
    (_, a), (_, b), (_, c), (_, d) = seen
    assert np.array_equal(a, b) and np.array_equal(c, d) and not np.array_equal(a, c)


def test_forward_runner_default_seed_is_zero():
    seen = []

    def spy(params, x, **kw):
        seen.append(x.copy())
        return ltc_ref.forward(params, x, **kw)

    check_forward_against_reference(spy, [], n_random=1)
    check_forward_against_reference(spy, [], n_random=1, seed=0)
    assert np.array_equal(seen[0], seen[1])


def test_vjp_values_are_compared_field_by_field():
    """A parameter container's trainable fields are each compared: a wrong ``g_w`` fails."""

    def wrong_w(params, x, g_y, **kw):
        g, g_x, g_h0, g_dt = ltc_ref.vjp(params, x, g_y, **kw)
        return g.replace(w=2 * g.w), g_x, g_h0, g_dt  # Cotangents: public, no validation of signs

    report = check_vjp_against_reference(wrong_w, [CASE])
    failed = [e.quantity for e in report.results[0].errors if not e.passed]
    assert failed == ["g_w"]


def test_the_assertions_raise_with_the_report():
    with pytest.raises(AssertionError) as err:
        assert_matches_reference(_raises, [CASE])
    assert str(err.value) == "\n" + check_forward_against_reference(_raises, [CASE]).format()

    def vjp_raises(*args, **kwargs):
        raise RuntimeError("no")

    with pytest.raises(AssertionError) as err:
        assert_vjp_matches_reference(vjp_raises, [CASE])
    assert str(err.value) == "\n" + check_vjp_against_reference(vjp_raises, [CASE]).format()
    report = assert_vjp_matches_reference(ltc_ref.vjp, [CASE], dtype=np.float32)
    assert report.results[0].dtype == "float32"


def test_a_non_finite_quantity_does_not_stop_the_comparison():
    bad = {"h": np.full_like(CASE.expected["h"], np.nan), "y": 2 * CASE.expected["y"]}
    h, y = compare_to_reference(CASE, bad).errors
    assert h.note == "12 non-finite entries" and y.quantity == "y" and y.max_rel == 1.0


def test_the_runner_judges_by_its_dtype_whatever_the_candidate_returns():
    """A runner at float32 judges with the float32 tolerances even if the candidate returns
    float64 arrays (the dtype it was asked to compute in decides)."""
    result = check_forward_against_reference(_exact, [CASE], dtype=np.float32).results[0]
    assert result.dtype == "float32"
    assert result.errors[0].tolerance == CASE.tolerances["float32"]["y"]


def test_relative_error_of_empty_and_zero_references():
    """Its documented edge cases: equal empty arrays are 0 apart; a zero reference is matched
    only by zeros (anything else is infinitely far)."""
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0, 1e-300]), np.zeros(2)) == math.inf
    assert relative_error([1.0, 3.0], [1.0, 2.0]) == 0.5
