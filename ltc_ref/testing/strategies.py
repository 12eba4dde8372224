"""Hypothesis strategies for property-testing an LTC implementation against the reference.

Needs ``hypothesis`` (the ``test`` extra); import this module explicitly,
``from ltc_ref.testing import strategies``, it is not imported by `ltc_ref.testing`.

Structure (sizes, wiring recipe, solver, L, dt form, regime, mapping modes) is drawn by
hypothesis; the numbers inside a case are drawn by NumPy from a hypothesis-drawn seed with the
ranges of `ltc_ref.testing.cases` (so they stay physically sensible and every case is
reproducible from its `CaseSpec`). Shrinking reduces sizes and options first. Typical use::

    from hypothesis import given
    from ltc_ref.testing import compare_to_reference, strategies

    @given(strategies.cases(forms=("conductance",), solvers=("fused",)))
    def test_mine(case):
        y, h = my_forward(case.params, case.x, **case.forward_kwargs())
        assert compare_to_reference(case, {"y": y, "h": h}).passed
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..solvers import FIXED_STEP_SOLVERS
from .cases import (
    DT_FORMS,
    INITIAL_STATES,
    CaseSpec,
    UnstableCaseError,
    _draw_params,
    build_wiring,
    case_from_spec,
)

ACTIVATIONS = ("sigmoid", "tanh", "relu", "hard_tanh")
WIRING_KINDS = ("FullyConnected", "Random", "NCP", "AutoNCP")
_SEEDS = st.integers(0, 2**31 - 1)


@st.composite
def wiring_recipes(draw, *, kinds=WIRING_KINDS, max_units=8):
    """A wiring recipe ``{"class": ..., "args": {...}}`` of `ltc_ref.wirings` (ncps's classes and
    arguments); build it with `ltc_ref.testing.cases.build_wiring` ``(recipe, C)``.

    Arguments:
        kinds: the classes to draw from.
        max_units: the largest N (AutoNCP needs N >= 5, NCP has N >= 3).

    Returns:
        A strategy of dicts.
    """
    kind = draw(st.sampled_from(kinds))
    if kind in ("FullyConnected", "Random"):
        N = draw(st.integers(1, max_units))
        args = {"units": N, "output_dim": draw(st.integers(1, N))}
        if kind == "FullyConnected":
            args["self_connections"] = draw(st.booleans())
            args["erev_init_seed"] = draw(st.integers(0, 10_000))
        else:
            args["sparsity_level"] = draw(st.sampled_from([0.0, 0.3, 0.5, 0.8]))
            args["random_seed"] = draw(st.integers(0, 10_000))
    elif kind == "NCP":
        budget = max(max_units - 2, 1)
        inter = draw(st.integers(1, budget))
        command = draw(st.integers(1, max(budget - inter + 1, 1)))
        motor = draw(st.integers(1, max(max_units - inter - command, 1)))
        args = {"inter_neurons": inter, "command_neurons": command, "motor_neurons": motor}
        args["sensory_fanout"] = draw(st.integers(1, inter))
        args["inter_fanout"] = draw(st.integers(1, command))
        args["recurrent_command_synapses"] = draw(st.integers(0, 4))
        args["motor_fanin"] = draw(st.integers(1, command))
        args["seed"] = draw(st.integers(0, 10_000))
    else:
        units = draw(st.integers(5, max(max_units, 5)))
        args = {"units": units, "output_size": draw(st.integers(1, units - 3))}
        args["sparsity_level"] = draw(st.sampled_from([0.1, 0.5, 0.9]))
        args["seed"] = draw(st.integers(0, 10_000))
    return {"class": kind, "args": args}


@st.composite
def wirings(draw, *, kinds=WIRING_KINDS, max_units=8, max_inputs=4):
    """A built wiring.

    Arguments:
        kinds: as for `wiring_recipes`.
        max_units: as for `wiring_recipes`.
        max_inputs: the largest C.

    Returns:
        A strategy of `ltc_ref.wirings.Wiring`.
    """
    recipe = draw(wiring_recipes(kinds=kinds, max_units=max_units))
    return build_wiring(recipe, draw(st.integers(1, max_inputs)))


@st.composite
def synaptic_params(draw, *, regimes=("typical", "trained"), max_units=8, max_inputs=4):
    """Conductance-form parameters on a drawn wiring.

    Arguments:
        regimes: drawn from these (see `ltc_ref.testing.CaseSpec`).
        max_units: the largest N.
        max_inputs: the largest C.

    Returns:
        A strategy of float64 `SynapticParams`.
    """
    spec = CaseSpec(
        "params",
        "conductance",
        draw(st.integers(1, max_inputs)),
        wiring=draw(wiring_recipes(max_units=max_units)),
        regime=draw(st.sampled_from(regimes)),
        seed=draw(_SEEDS),
    )
    return _draw_params(spec, np.random.default_rng(spec.seed))


@st.composite
def paper_params(draw, *, activations=ACTIVATIONS, regimes=("typical",), max_units=8, max_inputs=4):
    """Paper-form parameters: τ in U(0.5, 2) (``"typical"``) or U(1e-4, 1e-3) (``"stiff"``),
    weights N(0, 1/N) (×30 when ``"saturated"``).

    Arguments:
        activations: drawn from these.
        regimes: drawn from these.
        max_units: the largest N.
        max_inputs: the largest C.

    Returns:
        A strategy of float64 `PaperParams`.
    """
    spec = CaseSpec(
        "params",
        "paper",
        draw(st.integers(1, max_inputs)),
        n_units=draw(st.integers(1, max_units)),
        activation=draw(st.sampled_from(activations)),
        regime=draw(st.sampled_from(regimes)),
        seed=draw(_SEEDS),
    )
    return _draw_params(spec, np.random.default_rng(spec.seed))


def inputs(batch: int, steps: int, n_inputs: int, *, scale: float = 3.0):
    """Input sequences, shrinking towards 0.

    Arguments:
        batch: B.
        steps: T.
        n_inputs: C.
        scale: entries lie in [-scale, scale].

    Returns:
        A strategy of float64 arrays ``(B, T, C)``.
    """
    return hnp.arrays(
        np.float64,
        (batch, steps, n_inputs),
        elements=st.floats(-scale, scale, allow_nan=False, allow_subnormal=False),
    )


@st.composite
def dts(draw, batch: int, steps: int, *, forms=DT_FORMS, low: float = 1e-2, high: float = 10.0):
    """Elapsed times in one of ``forms``.

    Arguments:
        batch: B.
        steps: T.
        forms: drawn from ``"scalar"``, ``"per_step"``, ``"per_sample"``.
        low: smallest entry (> 0).
        high: largest entry.

    Returns:
        A strategy of floats, ``(T,)`` or ``(B, T)`` float64 arrays.
    """
    form = draw(st.sampled_from(forms))
    element = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if form == "scalar":
        return draw(element)
    shape = (steps,) if form == "per_step" else (batch, steps)
    return draw(hnp.arrays(np.float64, shape, elements=element))


@st.composite
def case_specs(
    draw,
    *,
    forms=("paper", "conductance"),
    solvers=FIXED_STEP_SOLVERS,
    regimes=("typical", "trained", "stiff", "saturated"),
    dt_forms=DT_FORMS,
    epsilons=(0.0, 1e-8),
    unfolds=(1, 2, 6),
    mappings=("affine",),
    initial_states=INITIAL_STATES,
    max_batch=3,
    max_steps=5,
    max_units=8,
    max_inputs=4,
):
    """The recipe of a case.

    Arguments:
        forms: ``"paper"`` and/or ``"conductance"``.
        solvers: fixed-step solver names.
        regimes: see `ltc_ref.testing.CaseSpec` (``"stiff"`` only with the fused solver,
            ``"trained"`` only in the conductance form).
        dt_forms: Δt forms.
        epsilons: ε values (fused solver only; 0 otherwise).
        unfolds: L values.
        mappings: input/output mapping modes (conductance form), each drawn separately.
        initial_states: ``"given"`` and/or ``"zero"`` (`ltc_ref.testing.CaseSpec`).
        max_batch: the largest B.
        max_steps: the largest T.
        max_units: the largest N.
        max_inputs: the largest C.

    Returns:
        A strategy of `CaseSpec`.
    """
    form = draw(st.sampled_from(forms))
    solver = draw(st.sampled_from(solvers))
    allowed = [r for r in regimes if not (solver != "fused" and r == "stiff")]
    if form == "paper":
        allowed = [r for r in allowed if r != "trained"] or ["typical"]
    kw = dict(
        regime=draw(st.sampled_from(allowed or ["typical"])),
        solver=solver,
        unfolds=draw(st.sampled_from(unfolds)),
        epsilon=draw(st.sampled_from(epsilons)) if solver == "fused" else 0.0,
        batch=draw(st.integers(1, max_batch)),
        steps=draw(st.integers(1, max_steps)),
        dt_form=draw(st.sampled_from(dt_forms)),
        seed=draw(_SEEDS),
        initial_state=draw(st.sampled_from(initial_states)),
    )
    low = draw(st.sampled_from([1e-3, 0.1, 0.5, 1.0, 10.0]))
    kw["dt_range"] = (low, low * draw(st.sampled_from([1.0, 2.0, 5.0])))
    C = draw(st.integers(1, max_inputs))
    if form == "paper":
        return CaseSpec(
            "hypothesis",
            "paper",
            C,
            n_units=draw(st.integers(1, max_units)),
            activation=draw(st.sampled_from(ACTIVATIONS)),
            **kw,
        )
    return CaseSpec(
        "hypothesis",
        "conductance",
        C,
        wiring=draw(wiring_recipes(max_units=max_units)),
        input_mapping=draw(st.sampled_from(mappings)),
        output_mapping=draw(st.sampled_from(mappings)),
        **kw,
    )


@st.composite
def cases(draw, **kwargs):
    """A complete case with the reference's answers and tolerances. Explicit solvers get a step
    inside their stability region (`ltc_ref.testing.cases.stable_dt_limit`); a case that
    still explodes is rejected.

    Arguments:
        **kwargs: the arguments of `case_specs`.

    Returns:
        A strategy of `Case`.
    """
    spec = draw(case_specs(**kwargs))
    try:
        return case_from_spec(spec)
    except UnstableCaseError:  # pragma: no cover - rare: the dt cap is conservative
        assume(False)


__all__ = [
    "case_specs",
    "cases",
    "dts",
    "inputs",
    "paper_params",
    "synaptic_params",
    "wiring_recipes",
    "wirings",
]
