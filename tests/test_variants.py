"""The diagnosis (`ltc_ref.testing.variants`): for each documented variant of the reference, a
candidate built that way (written here with the public `ltc_ref.forward` / `ltc_ref.vjp`, not
with the variant's own code) fails, and the diagnosis names that variant."""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref.model.params import softplus, softplus_inverse
from ltc_ref.testing import VARIANTS, CaseSpec, check_candidate, diagnose
from ltc_ref.testing.cases import make_case
from ltc_ref.testing.variants import MAX_DIAGNOSED_CASES, NotApplicable, variant_values

FC3 = {"class": "FullyConnected", "args": {"units": 3, "output_dim": 2}}


def spec(**kw) -> CaseSpec:
    """C = N = B = 3 (so that h0 = x_0 and the ncps F2 broadcast exist), per-sample Δt small
    enough for explicit Euler, generic values of every field, ε = 1e-8."""
    base = dict(
        name="variant-case", form="conductance", n_inputs=3, wiring=FC3, regime="trained",
        unfolds=3, epsilon=1e-8, batch=3, steps=3, dt_form="per_sample", dt_range=(0.2, 0.5),
        seed=5,
    )  # fmt: skip
    return CaseSpec(**{**base, **kw})


CASE = make_case(spec())
CASE_NO_EPS = make_case(spec(epsilon=0.0, name="variant-case-eps0"))


def changed(**changes):
    """A candidate: ltc-ref's forward and VJP with some keyword arguments replaced by functions
    of the original ones (and of ``x``)."""

    def new_kwargs(x, kw):
        given = {**kw, "x": x}
        return {**kw, **{k: f(given) for k, f in changes.items()}}

    def forward(params, x, **kw):
        return ltc_ref.forward(params, x, **new_kwargs(x, kw))

    def vjp(params, x, g_y, **kw):
        return ltc_ref.vjp(params, x, g_y, **new_kwargs(x, kw))

    # With dt or h0 replaced, ltc-ref's cotangents are those of the replacement, not of the
    # candidate's inputs: such a candidate is checked on its forward pass only.
    return forward, None if {"dt", "h0"} & set(changes) else vjp


def with_params(transform):
    """A forward candidate that transforms the parameters before running ltc-ref."""

    def forward(params, x, **kw):
        return ltc_ref.forward(transform(params), x, **kw)

    return forward, None


def unvalidated(p, **changes):
    fields = {k: getattr(p, k) for k in p.ARRAY_FIELDS}
    return type(p).unvalidated(**{**fields, **changes})


def per_neuron_dt(params, x, *, h0, dt, unfolds, solver, epsilon):
    """ncps's LTC wrapper with (B, T) timespans and B = N: neuron j uses sample j's Δt."""
    h, ys, hs = h0, [], []
    for t in range(x.shape[1]):
        p_t = params.replace(cm=params.cm / dt[:, t])
        y, h_t = ltc_ref.forward(p_t, x[:, t : t + 1], h0=h, dt=1.0, unfolds=unfolds,
                                 epsilon=epsilon)  # fmt: skip
        h = h_t[:, -1]
        ys.append(y)
        hs.append(h_t)
    return np.concatenate(ys, 1), np.concatenate(hs, 1)


POSITIVE = ("gleak", "cm", "w", "sensory_w")
CANDIDATES = {
    "epsilon_omitted": (changed(epsilon=lambda kw: 0.0), CASE),
    "epsilon_added": (changed(epsilon=lambda kw: 1e-8), CASE_NO_EPS),
    "one_substep_fewer": (changed(unfolds=lambda kw: kw["unfolds"] - 1), CASE),
    "one_substep_more": (changed(unfolds=lambda kw: kw["unfolds"] + 1), CASE),
    "dt_ignored": (changed(dt=lambda kw: 1.0), CASE),
    "dt_not_divided": (changed(dt=lambda kw: kw["dt"] * kw["unfolds"]), CASE),
    "dt_first_sample": (changed(dt=lambda kw: np.asarray(kw["dt"])[0]), CASE),
    "dt_per_neuron": ((per_neuron_dt, None), CASE),
    "cm_per_substep": (changed(dt=lambda kw: float(kw["unfolds"])), CASE),
    "transposed": (
        with_params(
            lambda p: p.replace(
                **{k: getattr(p, k).T for k in ("sigma", "mu", "w", "erev", "sparsity_mask")}
            )
        ),
        CASE,
    ),
    "softplus_on_physical": (
        with_params(lambda p: p.replace(**{k: softplus(getattr(p, k)) for k in POSITIVE})),
        CASE,
    ),
    "softplus_missing": (
        with_params(
            lambda p: unvalidated(p, **{k: softplus_inverse(getattr(p, k)) for k in POSITIVE})
        ),
        CASE,
    ),
    "h0_zero": (changed(h0=lambda kw: np.zeros_like(kw["h0"])), CASE),
    "h0_first_input": (changed(h0=lambda kw: kw["x"][:, 0]), CASE),
    "explicit_euler": (changed(solver=lambda kw: "euler", epsilon=lambda kw: 0.0), CASE_NO_EPS),
    "input_map_skipped": (
        with_params(lambda p: p.replace(input_w=np.ones(3), input_b=np.zeros(3))),
        CASE,
    ),
    "output_map_skipped": (
        with_params(lambda p: p.replace(output_w=np.ones(2), output_b=np.zeros(2))),
        CASE,
    ),
}


def test_every_variant_has_a_candidate_here_and_a_docstring():
    assert set(CANDIDATES) == set(VARIANTS)
    for variant in VARIANTS.values():
        assert variant.run.__doc__ and variant.description


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_the_diagnosis_names_the_variant_a_candidate_was_built_with(name):
    (forward, vjp), case = CANDIDATES[name]
    report = check_candidate(forward, vjp, [case])
    assert not report.passed
    named = [d.variant for d in report.explanations]
    assert name in named, report.format()
    (mine,) = [d for d in report.diagnosis if d.variant == name]
    assert mine.cases == mine.explained == 1 and mine.max_rel < 1e-11
    text = report.format()
    assert f"matches the reference {VARIANTS[name].description}" in text


def test_the_diagnosis_explains_gradients_too():
    """A candidate whose VJP is built the same wrong way is explained in every gradient."""
    (forward, vjp), case = CANDIDATES["one_substep_fewer"]
    report = check_candidate(forward, vjp, [case])
    (result,) = report.results
    assert any(e.quantity == "g_w" for e in result.errors)
    assert [d.variant for d in report.explanations] == ["one_substep_fewer"]


def test_a_correct_candidate_has_no_diagnosis_and_a_wrong_one_unexplained_says_so():
    assert check_candidate(ltc_ref.forward, ltc_ref.vjp, [CASE]).diagnosis == ()

    def scaled(params, x, **kw):
        y, h = ltc_ref.forward(params, x, **kw)
        return 1.01 * y, h

    report = check_candidate(scaled, None, [CASE])
    assert not report.passed and report.explanations == ()
    assert "no documented variant explains the failures" in report.format()


def test_variants_that_cannot_be_formed_or_equal_the_reference_are_not_applicable():
    with pytest.raises(NotApplicable):
        variant_values(VARIANTS["epsilon_omitted"], CASE_NO_EPS)
    unit = make_case(spec(dt_form="scalar", dt_range=(1.0, 1.0), name="unit-dt"))
    forward, _ = changed(epsilon=lambda kw: 0.0)
    report = check_candidate(forward, None, [unit])
    by_name = {d.variant: d for d in report.diagnosis}
    assert by_name["dt_ignored"].cases == 0 and not by_name["dt_ignored"].explains
    assert "dt_ignored" in report.format()  # listed among the not applicable


def test_at_most_max_diagnosed_cases_are_rerun():
    forward, _ = changed(epsilon=lambda kw: 0.0)
    report = check_candidate(forward, None, [CASE] * (MAX_DIAGNOSED_CASES + 3))
    (d,) = [d for d in report.diagnosis if d.variant == "epsilon_omitted"]
    assert d.cases == MAX_DIAGNOSED_CASES


def test_unknown_variant_names_are_an_error():
    with pytest.raises(ValueError, match="unknown"):
        diagnose([], variants=["no_such_variant"])
