"""Check (c): hand-written BPTT vs autograd on hypothesis-drawn shapes (N, C, M, B, T, L),
dtypes, elapsed times and wirings."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref.solvers import FIXED_STEP_SOLVERS
from ltc_ref.testing import autograd_vjp, flatten_all

from .gradcases import draw_network, rel_error

#: float64: both sides are exact derivatives of the same computation (the issue's bound).
RTOL = {np.float64: 1e-10, np.float32: 2e-3}
#: float32: the two differ by the rounding of different operation orders, ~1e-7 per operation,
#: amplified by up to T·L = 48 chained steps and by cancellation in sums of signed cotangents.


@st.composite
def cases(draw):
    N = draw(st.integers(1, 7))
    C = draw(st.integers(1, 4))
    B = draw(st.integers(1, 3))
    T = draw(st.integers(1, 6))
    L = draw(st.integers(1, 8))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    solver = draw(st.sampled_from(FIXED_STEP_SOLVERS))
    seed = draw(st.integers(0, 2**32 - 1))
    params, rng = draw_network(
        draw, N, C, dtype, seed, tau_range=(0.5, 2.0), ncp_units=max(N, 3) + 2
    )
    dt = rng.uniform(0.05, 1.0, (B, T)) if draw(st.booleans()) else float(rng.uniform(0.05, 1.0))
    x = rng.standard_normal((B, T, C)).astype(dtype)
    g_y = rng.standard_normal((B, T, params.n_outputs)).astype(dtype)
    return params, x, dt, L, solver, g_y, dtype


@given(cases())
def test_bptt_matches_autograd_on_random_shapes(case):
    params, x, dt, L, solver, g_y, dtype = case
    mine = ltc_ref.vjp(params, x, g_y, dt=dt, unfolds=L, solver=solver)
    ref = autograd_vjp(params, x, g_y, dt=dt, unfolds=L, solver=solver)
    assert mine[1].dtype == dtype and flatten_all(mine[0]).dtype == dtype
    for a, b in [(flatten_all(ref[0]), flatten_all(mine[0])), *zip(ref[1:], mine[1:], strict=True)]:
        assert rel_error(a, b) <= RTOL[dtype]
