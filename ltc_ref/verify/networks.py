r"""The random networks of ``ltc-ref verify``'s checks.

Each check draws its networks from a fixed seed, so that its figures are reproducible. The
builders differ on purpose, as their names say: a non-stiff network for the solvers and the
model (`nonstiff_network`), a well-conditioned case for the gradients
(`well_conditioned_case`), a problem with every feature of the fused solver on for the kernels
(`everything_on_problem`), stiff and extreme networks for the theorems (`stiff_network`), and
a network whose f does not depend on the state, with its exact solution (`frozen_f_problem`).

The *frozen-f* problem: with no recurrent synapses ($\gamma_r = 0$, or an all-zero
``sparsity_mask``) and the input held constant, f no longer depends on the state and Eq. 1 is
linear, $\dot x = -\lambda \odot x + f\odot A$ with $\lambda = 1/\tau + f$, whose exact solution is

$$
    x(t) = x^* + (x_0 - x^*)\, e^{-\lambda t},\qquad x^* = f \odot A / \lambda.
$$
"""

from __future__ import annotations

import numpy as np

from ..model import conductance, paper
from ..model.params import PaperParams, SynapticParams, init_paper_params, init_synaptic_params
from ..wirings import NCP, AutoNCP, FullyConnected


def frozen_f_problem(form: str, *, N=4, C=3, dtype=np.float64, seed=0):
    r"""A network whose f does not depend on the state, with the exact solution.

    Arguments:
        form: ``"paper"`` ($\gamma_r = 0$) or ``"conductance"`` (``sparsity_mask = 0``).

    Returns:
        ``(params, I, x0, exact)`` where ``I`` is ``(1, C)``, ``x0`` is ``(1, N)`` and
        ``exact(t)`` returns the exact state ``(1, N)`` after holding ``I`` for time ``t``.
    """
    rng = np.random.default_rng(seed)
    I = rng.standard_normal((1, C)).astype(dtype)
    if form == "paper":
        params = init_paper_params(C, N, rng, dtype=dtype)
        params = params.replace(
            gamma_r=np.zeros((N, N), dtype), tau=rng.uniform(0.5, 2.0, N).astype(dtype)
        )
        f = paper.f(params, np.zeros((1, N), dtype), paper.input_drive(params, I))
        lam = 1.0 / params.tau + f
        x_star = f * params.A / lam
    elif form == "conductance":
        params = init_synaptic_params(FullyConnected(N).build(C), rng, dtype=dtype)
        params = params.replace(sparsity_mask=np.zeros((N, N), dtype))
        s_sum, sE_sum = conductance.input_drive(params, I)
        lam = (params.gleak + s_sum) / params.cm
        x_star = (params.gleak * params.vleak + sE_sum) / (params.gleak + s_sum)
    else:
        raise ValueError(f"form: expected 'paper' or 'conductance', got {form!r}")
    x0 = rng.uniform(-1.0, 1.0, (1, N)).astype(dtype)

    def exact(t):
        return x_star + (x0 - x_star) * np.exp(-lam * t)

    return params, I, x0, exact


def nonstiff_network(form: str, *, N=6, C=3, B=2, dtype=np.float64, seed=0):
    """A random, non-stiff nonlinear network with an input ``(B, C)`` and a state ``(B, N)``:
    the solver and model checks' network (initial-value ranges, the explicit solvers stable at
    the default step).

    The paper form's τ is drawn from U(0.5, 2) rather than |N(0, 1)| so that the explicit
    solvers are stable at Δt/L = 1/6 (a tiny τ makes Euler amplify rounding errors)."""
    rng = np.random.default_rng(seed)
    if form == "paper":
        params = init_paper_params(C, N, rng, dtype=dtype)
        params = params.replace(tau=rng.uniform(0.5, 2.0, N).astype(dtype))
    else:
        params = init_synaptic_params(FullyConnected(N, output_dim=2).build(C), rng, dtype=dtype)
    I = rng.standard_normal((B, C)).astype(dtype)
    x = rng.uniform(-0.5, 0.5, (B, N)).astype(dtype)
    return params, I, x


def well_conditioned_case(form: str, *, seed=0):
    """A small, well-conditioned case for the gradient checks: ``(params, x, h0, dt, g_y, g_h)``
    with irregular per-sample dt, an NCP wiring with non-trivial input/output maps (conductance)
    and tanh with τ in U(0.5, 2) (paper): every cotangent is O(1), so relative errors of two
    exact derivatives mean rounding only."""
    rng = np.random.default_rng(seed)
    B, T, C = 2, 5, 3
    if form == "paper":
        params = init_paper_params(C, 5, rng, activation="tanh")
        params = params.replace(tau=rng.uniform(0.5, 2.0, 5))
    else:
        wiring = NCP(3, 2, 2, 2, 2, 1, 2).build(C)
        params = init_synaptic_params(wiring, rng)
        M = params.n_outputs
        params = params.replace(
            input_w=rng.uniform(0.5, 2.0, C),
            input_b=rng.normal(0, 0.3, C),
            output_w=rng.normal(size=M),
            output_b=rng.normal(size=M),
        )
    x = rng.standard_normal((B, T, C))
    h0 = rng.uniform(-0.5, 0.5, (B, params.n_units))
    dt = rng.uniform(0.2, 1.2, (B, T))
    g_y = rng.standard_normal((B, T, params.n_outputs))
    g_h = rng.standard_normal((B, T, params.n_units))
    return params, x, h0, dt, g_y, g_h


def everything_on_problem(form: str, dtype=np.float64, *, seed=0, B=3, T=20, N=12, C=4):
    """The kernels' check problem, a network with everything switched on: irregular
    per-sample Δt, ε = 1e-8, a sparse NCP wiring (conductance form: with non-trivial input and
    output maps), an initial state and cotangents of both outputs and states.

    Arguments:
        form: ``"conductance"`` or ``"paper"`` (sigmoid activation, so the fast sigmoid is used
            in both).

    Returns:
        ``(params, x, kwargs, g_y, g_h)`` with ``kwargs`` the keyword arguments of
        ``forward``/``vjp`` (``h0``, ``dt``, ``unfolds``, ``epsilon``).
    """
    rng = np.random.default_rng(seed)
    if form == "paper":
        params = init_paper_params(C, N, rng, activation="sigmoid", sigma_w=2.0, dtype=dtype)
    else:
        params = init_synaptic_params(AutoNCP(N, 3, seed=seed + 1).build(C), rng, dtype=dtype)
        params = params.replace(
            input_w=rng.uniform(0.5, 2.0, C).astype(dtype),
            input_b=rng.normal(0, 0.3, C).astype(dtype),
            output_w=rng.normal(size=params.n_outputs).astype(dtype),
            output_b=rng.normal(size=params.n_outputs).astype(dtype),
        )
    x = rng.standard_normal((B, T, C)).astype(dtype)
    kwargs = {
        "h0": rng.uniform(-0.5, 0.5, (B, params.n_units)).astype(dtype),
        "dt": rng.uniform(0.1, 2.0, (B, T)),
        "unfolds": 6,
        "epsilon": 1e-8,
    }
    g_y = rng.standard_normal((B, T, params.n_outputs)).astype(dtype)
    g_h = rng.standard_normal((B, T, params.n_units)).astype(dtype)
    return params, x, kwargs, g_y, g_h


def stiff_network(form, rng, dtype=np.float64):
    """A random network for the theorem checks, with stiff and extreme parameters mixed in:
    weights spread over 1e-3…1e3 (log-uniform), slopes up to 50, random masks (where the other
    builders keep to well-conditioned ranges, this one looks for the edge of Theorem 2)."""
    N = int(rng.integers(1, 7))
    C = int(rng.integers(1, 4))

    def logu(lo, hi, shape):
        return 10.0 ** rng.uniform(lo, hi, shape)

    if form == "paper":
        params = PaperParams(
            tau=logu(-3, 3, N),
            A=rng.normal(0, 2, N),
            gamma=rng.normal(0, 1, (C, N)) * logu(-1, 1.5, (C, N)),
            gamma_r=rng.normal(0, 1, (N, N)) * logu(-1, 1.5, (N, N)),
            mu=rng.normal(0, 3, N),
            activation=str(rng.choice(["sigmoid", "relu"])),
        )
    else:
        params = SynapticParams(
            gleak=logu(-3, 3, N),
            vleak=rng.uniform(-1, 1, N),
            cm=logu(-3, 3, N),
            sigma=rng.uniform(-50, 50, (N, N)),
            mu=rng.uniform(-1, 1, (N, N)),
            w=logu(-3, 3, (N, N)),
            erev=rng.uniform(-2, 2, (N, N)),
            sensory_sigma=rng.uniform(-50, 50, (C, N)),
            sensory_mu=rng.uniform(-1, 1, (C, N)),
            sensory_w=logu(-3, 3, (C, N)),
            sensory_erev=rng.uniform(-2, 2, (C, N)),
            sparsity_mask=(rng.random((N, N)) < 0.6).astype(float),
            sensory_sparsity_mask=(rng.random((C, N)) < 0.6).astype(float),
            input_w=rng.normal(0, 2, C),
            input_b=rng.normal(0, 1, C),
            output_w=np.ones(1),
            output_b=np.zeros(1),
        )
    return params.astype(dtype)


__all__ = [
    "everything_on_problem",
    "frozen_f_problem",
    "nonstiff_network",
    "stiff_network",
    "well_conditioned_case",
]
