"""Well-conditioned random cases shared by the gradient tests."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import strategies as st

import ltc_ref
from ltc_ref.model import conductance, paper
from ltc_ref.solvers import FIXED_STEP_SOLVERS

#: Parameter forms exercised by the gradient tests: the paper's form with each activation, the
#: conductance form fully connected and with a sparse NCP wiring.
FORMS = (
    "paper-sigmoid",
    "paper-tanh",
    "paper-relu",
    "paper-hard_tanh",
    "conductance-full",
    "conductance-ncp",
)
SOLVERS = FIXED_STEP_SOLVERS


def draw_network(draw, N, C, dtype, seed, *, tau_range, ncp_units):
    """Hypothesis: one network of a drawn kind (the paper's form with a drawn activation and
    τ ∈ U(``tau_range``), or the conductance form fully connected, randomly sparse or NCP with
    ``ncp_units`` neurons) and N units, C inputs; its parameters drawn from ``seed``. Returns
    ``(params, rng)``, the generator for the caller's further draws."""
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["paper", "full", "random", "ncp"]))
    if kind == "paper":
        act = draw(st.sampled_from(["sigmoid", "tanh", "relu", "hard_tanh"]))
        params = ltc_ref.init_paper_params(C, N, rng, activation=act, dtype=dtype)
        return params.replace(tau=rng.uniform(*tau_range, N).astype(dtype)), rng
    M = draw(st.integers(1, N))
    if kind == "full":
        wiring = ltc_ref.FullyConnected(N, output_dim=M).build(C)
    elif kind == "random":
        wiring = ltc_ref.Random(N, output_dim=M, sparsity_level=0.5, random_seed=seed % 1000)
        wiring = wiring.build(C)
    else:
        wiring = ltc_ref.AutoNCP(ncp_units, 1, seed=seed % 1000).build(C)
    return ltc_ref.init_synaptic_params(wiring, rng, dtype=dtype), rng


def make_case(form, *, seed=0, B=2, T=4, C=3, dtype=np.float64):
    """Parameters, inputs, h0, irregular per-sample dt and cotangents for one gradient check.

    Well conditioned: τ ∈ U(0.5, 2) in the paper form; non-trivial input/output maps in the
    conductance form; dt ∈ U(0.2, 1.2) so the explicit solvers stay stable at L = 3.
    """
    rng = np.random.default_rng(seed)
    if form.startswith("paper"):
        act = form.split("-", 1)[1]
        params = ltc_ref.init_paper_params(C, 5, rng, activation=act, dtype=dtype)
        params = params.replace(tau=rng.uniform(0.5, 2.0, 5).astype(dtype))
    else:
        if form.endswith("ncp"):
            wiring = ltc_ref.NCP(3, 2, 2, 2, 2, 1, 2, seed=seed + 1).build(C)
        else:
            wiring = ltc_ref.FullyConnected(5, output_dim=3).build(C)
        params = ltc_ref.init_synaptic_params(wiring, rng, dtype=dtype)
        M = params.n_outputs
        params = params.replace(
            input_w=rng.uniform(0.5, 2.0, C).astype(dtype),
            input_b=rng.normal(0, 0.3, C).astype(dtype),
            output_w=rng.normal(size=M).astype(dtype),
            output_b=rng.normal(size=M).astype(dtype),
        )
    N, M = params.n_units, params.n_outputs
    x = rng.standard_normal((B, T, C)).astype(dtype)
    h0 = rng.uniform(-0.5, 0.5, (B, N)).astype(dtype)
    dt = rng.uniform(0.2, 1.2, (B, T))
    g_y = rng.standard_normal((B, T, M)).astype(dtype)
    g_h = rng.standard_normal((B, T, N)).astype(dtype)
    return params, x, h0, dt, g_y, g_h


def rel_error(a, b):
    """max |a - b| / max |a| (0 when both are 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.max(np.abs(a)) if a.size else 0.0
    diff = np.max(np.abs(a - b)) if a.size else 0.0
    return 0.0 if diff == 0 else diff / max(scale, np.finfo(float).tiny)


@contextlib.contextmanager
def sigmoid_with_relative_error(rtol, rng):
    """Within the block, the specification's sigmoid and tanh carry a relative error of up to
    ``rtol`` (uniform, random sign): an implementation whose sigmoid is only that accurate.
    Near saturation those ulps are all the digits of 1 - σ that the derivative σ(1 - σ) has, so
    the spread this causes is the accuracy a cotangent can have on the case."""

    def noisy(function):
        def f(z):
            a = function(z)
            return a * (1 + rng.uniform(-rtol, rtol, np.shape(a))).astype(a.dtype)

        return f

    sigmoid = conductance.sigmoid
    table = dict(paper.ACTIVATION_FUNCTIONS)
    conductance.sigmoid = noisy(sigmoid)
    paper.ACTIVATION_FUNCTIONS.update(sigmoid=noisy(table["sigmoid"]), tanh=noisy(table["tanh"]))
    try:
        yield
    finally:
        conductance.sigmoid = sigmoid
        paper.ACTIVATION_FUNCTIONS.update(table)


def runaway_paper_params():
    """One neuron with tau = 10 and f = tanh(-50) = -1: the fused denominator
    1 + h (1/tau + f) = 1 - 0.9 h is <= 0.1 for h = dt / L = 1, and the state runs away (Theorem 2
    needs f >= 0); with dt = 6, L = 6 and x(0) = 0.5 it overflows at input step 51."""
    p = ltc_ref.init_paper_params(1, 1, np.random.default_rng(0), activation="tanh")
    return p.replace(tau=np.array([10.0]), gamma=np.zeros((1, 1)), gamma_r=np.zeros((1, 1)),
                     mu=np.array([-50.0]), A=np.array([1.0]))  # fmt: skip
