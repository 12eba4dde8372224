"""ncps 1.0.1 interop (`ltc_ref.interop.ncps`) and the cross-check (`ltc-ref crosscheck ncps`).

Needs the ``ncps`` extra (torch 2.13.0 CPU + ncps 1.0.1); CI installs it and runs these."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("ncps")

import ncps.torch  # noqa: E402
import ncps.wirings  # noqa: E402

import ltc_ref  # noqa: E402
from ltc_ref import cli  # noqa: E402
from ltc_ref.interop import crosscheck  # noqa: E402
from ltc_ref.interop import ncps as nx  # noqa: E402
from ltc_ref.testing import compare_to_reference, golden_cases, load_golden  # noqa: E402

pytestmark = pytest.mark.ncps

#: Hypothesis examples of the cross-check run in CI (the command's default is 300).
CI_EXAMPLES = 25
#: Converting a physical value x to ncps's raw value r and back (softplus_inverse, then
#: log1p(exp)): the relative error is about |r| ulp (the condition number of φ at r is
#: r φ'(r) / φ(r) ≈ |r| for r < 0); init values x >= 1e-3 have |r| <= 7, so 10 ulp.
ROUND_TRIP_RTOL = 2.2e-15

#: NumPy's exp/log1p vs torch's (SLEEF-vectorised) ones: at most one ulp apart, ~2.2e-16.
SOFTPLUS_RTOL = 4.5e-16

MAPPINGS = ["affine", "linear", None]


def _params(seed=0, wiring=None, **changes):
    wiring = wiring or ltc_ref.FullyConnected(5, output_dim=2).build(3)
    rng = np.random.default_rng(seed)
    p = ltc_ref.init_synaptic_params(wiring, rng)
    return p.replace(**changes) if changes else p


def test_ncps_softplus_is_torchs_softplus():
    raw = np.concatenate([np.linspace(-40, 40, 2001), [19.999999, 20.0, 20.000001, 700.0]])
    ours = nx.ncps_softplus(raw)
    theirs = torch.nn.Softplus()(torch.from_numpy(raw)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=SOFTPLUS_RTOL, atol=0)
    assert nx.ncps_softplus(np.array(25.0)) == 25.0  # the identity above the threshold
    t = torch.from_numpy(raw).requires_grad_()
    torch.nn.Softplus()(t).sum().backward()
    np.testing.assert_allclose(nx.ncps_softplus_grad(raw), t.grad.numpy(), rtol=SOFTPLUS_RTOL)
    x = np.array([1e-8, 1e-3, 0.5, 3.0, 19.9, 20.0, 20.5, 1e3])
    r = nx.ncps_softplus_inverse(x)
    err = np.abs(nx.ncps_softplus(r) - x) / x
    assert np.all(err <= 2.3e-16 * (2.0 + np.abs(r))), err  # |r| ulp, see ROUND_TRIP_RTOL


@pytest.mark.parametrize("implicit", [True, False])
@pytest.mark.parametrize("input_mapping", MAPPINGS)
@pytest.mark.parametrize("output_mapping", MAPPINGS)
def test_state_dict_round_trip_through_a_real_model(implicit, input_mapping, output_mapping):
    p = _params()
    C, M = p.n_inputs, p.n_outputs
    if input_mapping:
        p = p.replace(input_w=np.linspace(0.5, 2.0, C))
    if input_mapping == "affine":
        p = p.replace(input_b=np.linspace(-0.3, 0.3, C))
    if output_mapping:
        p = p.replace(output_w=np.linspace(0.7, 1.3, M))
    if output_mapping == "affine":
        p = p.replace(output_b=np.linspace(-1, 1, M))
    kw = dict(input_mapping=input_mapping, output_mapping=output_mapping)
    model = nx.to_ncps(p, implicit_param_constraints=implicit, **kw)
    back, settings = nx.from_ncps(model)
    assert settings == {"unfolds": 6, "epsilon": 1e-8}
    for name in p.ARRAY_FIELDS:
        np.testing.assert_allclose(getattr(back, name), getattr(p, name), rtol=ROUND_TRIP_RTOL)
    # The same model's output equals the reference's.
    x = np.random.default_rng(1).standard_normal((2, 4, C))
    y_ncps, _ = model(torch.from_numpy(x))
    y_ref, _ = ltc_ref.forward(p, x, epsilon=1e-8)
    np.testing.assert_allclose(y_ncps.detach().numpy(), y_ref, rtol=1e-14, atol=1e-15)


def test_params_from_state_dict_accepts_numpy_and_both_key_forms():
    p = _params()
    sd = nx.params_to_state_dict(p, prefix="")
    as_numpy = {k: t.numpy() for k, t in sd.items()}
    prefixed = nx.params_to_state_dict(p)
    assert list(prefixed) == [f"rnn_cell.{k}" for k in sd]
    a = nx.params_from_state_dict(as_numpy, implicit_param_constraints=True)
    b = nx.params_from_state_dict(prefixed, implicit_param_constraints=True)
    np.testing.assert_array_equal(a.flatten(), b.flatten())
    np.testing.assert_allclose(a.w, p.w, rtol=ROUND_TRIP_RTOL)


def test_params_from_state_dict_errors():
    p = _params()

    def from_sd(sd, **kw):
        return nx.params_from_state_dict(sd, **{"implicit_param_constraints": True, **kw})

    sd = {k: t.numpy() for k, t in nx.params_to_state_dict(p).items()}
    with pytest.raises(ValueError, match="mixed_memory"):
        from_sd({**sd, "lstm.input_map.weight": np.zeros((20, 3))})
    with pytest.raises(ValueError, match="unknown key"):
        from_sd({**sd, "rnn_cell.bias": np.zeros(3)})
    with pytest.raises(ValueError, match="do not belong"):
        from_sd(sd, input_mapping="linear")
    no_out = {k: a for k, a in sd.items() if "output" not in k}
    with pytest.raises(ValueError, match="motor_size: required"):
        from_sd(no_out, output_mapping=None)
    assert from_sd(no_out, output_mapping=None, motor_size=2).n_outputs == 2
    with pytest.raises(ValueError, match="missing keys"):
        from_sd({k: a for k, a in sd.items() if not k.endswith(".w")})
    raw = {**sd, "rnn_cell.w": -np.abs(sd["rnn_cell.w"])}
    with pytest.raises(ValueError, match="implicit_param_constraints=False"):
        from_sd(raw, implicit_param_constraints=False)
    with pytest.raises(ValueError, match="has no bias"):
        nx.params_to_state_dict(p.replace(input_b=np.ones(3)), input_mapping="linear")


def test_state_dict_converters_require_the_positivity_setting():
    """A state dict does not say whether its values are raw; guessing True for physical values
    (an LTCCell's) would change the outputs with no error, so the caller must say."""
    p = _params()
    physical = {k: t.numpy() for k, t in nx.params_to_state_dict(
        p, implicit_param_constraints=False, prefix="").items()}  # fmt: skip
    with pytest.raises(TypeError, match="implicit_param_constraints"):
        nx.params_from_state_dict(physical)
    with pytest.raises(TypeError, match="expected True"):
        nx.params_from_state_dict(physical, implicit_param_constraints="False")
    with pytest.raises(TypeError, match="implicit_param_constraints"):
        nx.grads_from_state_dict({}, physical)
    right = nx.params_from_state_dict(physical, implicit_param_constraints=False)
    np.testing.assert_array_equal(right.w, p.w)
    # what the old default did: a wrong, silently accepted model
    wrong = nx.params_from_state_dict(physical, implicit_param_constraints=True)
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    y_right, _ = ltc_ref.forward(right, x)
    y_wrong, _ = ltc_ref.forward(wrong, x)
    assert np.max(np.abs(y_wrong - y_right)) > 1e-2 * np.max(np.abs(y_right))


def test_grads_from_state_dict_is_the_softplus_chain_rule():
    p = _params(seed=3)
    x = np.random.default_rng(4).standard_normal((2, 3, 3))
    model = nx.to_ncps(p)
    y, _ = model(torch.from_numpy(x))
    g_y = np.random.default_rng(5).standard_normal(y.shape)
    (y * torch.from_numpy(g_y)).sum().backward()
    grads = {k: q.grad for k, q in model.named_parameters()}
    phys = nx.grads_from_state_dict(grads, model.state_dict(), implicit_param_constraints=True)
    g_ref, *_ = ltc_ref.vjp(p, x, g_y, epsilon=1e-8)
    assert "sparsity_mask" not in phys  # not a parameter ncps trains
    for name in ("w", "cm", "gleak", "sensory_w", "erev", "mu"):
        ref = getattr(g_ref, name)
        assert np.max(np.abs(phys[name] - ref)) <= 1e-13 * np.max(np.abs(ref)), name


@pytest.mark.parametrize(
    "case_name",
    ["cond-ncp-fused", "cond-autoncp-fused-dt-per-sample", "cond-random-fused-L1-dt-per-step"],
)
def test_ncps_wiring_builds_the_same_wiring_inside_a_model(case_name):
    spec = load_golden(case_name).spec
    assert crosscheck.check_wiring(spec.wiring, spec.n_inputs)
    recipe = {"NCP": ltc_ref.NCP, "AutoNCP": ltc_ref.AutoNCP, "Random": ltc_ref.Random}[
        spec.wiring["class"]
    ](**spec.wiring["args"])
    case = load_golden(case_name)
    model = nx.to_ncps(case.params, wiring=recipe)  # checks the masks match
    assert isinstance(model, ncps.torch.LTC)
    with pytest.raises(TypeError, match="recipe"):
        nx.ncps_wiring("NCP")


def test_to_ncps_leaves_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    nx.to_ncps(_params())
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_cell_loop_matches_a_golden_case_quantity_by_quantity():
    case = load_golden("cond-fc-fused-dt-per-sample")
    values = crosscheck.run_cell(case, crosscheck.Settings(implicit_param_constraints=True))
    result = compare_to_reference(case, values)
    assert result.passed, result
    names = {e.quantity for e in result.errors}
    assert {"y", "h", "g_x", "g_h0", "g_dt", "g_w", "g_cm", "g_erev", "g_input_b"} <= names


def test_defect_model_explains_the_wrapper_with_per_sample_timespans():
    case = load_golden("cond-fc-fused-dt-per-sample-B-eq-N")
    row = crosscheck.check_case(case, "LTC", crosscheck.Settings())
    assert row.status == "FINDING F2"
    y_defect, _ = crosscheck.defect_model_outputs(case)
    assert np.max(np.abs(y_defect - case.expected["y"])) > 1e-3  # really different numbers


def test_crosscheck_passes_and_reproduces_every_finding():
    result = crosscheck.run(CI_EXAMPLES, seed=1)
    report = crosscheck.format_report(result)
    assert result.passed, report
    assert all(reproduced for _, reproduced, _ in result.findings), report
    statuses = {r.status for r in result.golden_rows}
    assert statuses == {"PASS", "FINDING F1", "FINDING F2"}, statuses
    n_cases = len(golden_cases(form="conductance", solver="fused"))
    assert len(result.golden_rows) == 2 * n_cases
    assert len(result.hypothesis_rows) == 2 * CI_EXAMPLES
    assert all(r.status == "PASS" for r in result.rows if r.candidate == "LTCCell")
    assert "RESULT: PASS" in report and "F2 [reproduced]" in report


def test_command_line(monkeypatch, capsys):
    monkeypatch.setitem(
        cli.COMMANDS, "crosscheck", ("ltc_ref.interop.crosscheck", "main", "cross-check")
    )
    assert cli.main(["crosscheck", "ncps", "--examples", "2"]) == 0
    out = capsys.readouterr().out
    assert "ltc-ref crosscheck ncps" in out and "== golden cases" in out
    assert "RESULT: PASS" in out


def test_a_disagreement_is_a_fail_row(monkeypatch):
    """The cross-check can fail: an ncps run with the wrong ε is a FAIL, not a finding."""
    case = load_golden("cond-fc-fused-L6-ncps-init")
    wrong = crosscheck.Settings()
    original = crosscheck._model

    def model_with_wrong_epsilon(c, settings, *, cell):
        return original(c.__class__(**{**c.__dict__, "epsilon": 1e-3}), settings, cell=cell)

    monkeypatch.setattr(crosscheck, "_model", model_with_wrong_epsilon)
    for candidate in ("LTC", "LTCCell"):
        assert crosscheck.check_case(case, candidate, wrong).status == "FAIL"


def test_the_docs_ncps_walkthrough_runs_and_passes():
    from .test_testing_api import doc_blocks

    (block,) = doc_blocks("ncps")
    exec(compile(block, "docs/crosscheck.md", "exec"), {})


def test_ncps_through_the_generic_command_json_report_and_one_case():
    """``ltc-ref crosscheck ncps --report json``: the rows as cases (a FINDING is a case ncps's
    wrapper cannot take: not_applicable), and ``--case`` reruns one case in every setting."""
    import json

    from ltc_ref.interop import command

    from .test_crosscheck_any import _json_schema_holds, run_cli

    code, out = run_cli("ncps", "--examples", "2", "--report", "json")
    data = json.loads(out)
    _json_schema_holds(data)
    assert code == 0 and data["passed"]
    reasons = [c["reason"] for c in data["cases"] if c["status"] == "not_applicable"]
    assert reasons and all(r.startswith("known ncps defect F") for r in reasons)
    spec = json.dumps(load_golden("cond-fc-fused-dt-per-sample-B-eq-N").spec.to_json())
    code, out = run_cli("ncps", "--case", spec)
    assert code == 0 and "known ncps defect F2" in out
    assert command.main(["ncps", "--dtype", "float32"]) == 2
