"""Check (c): hand-written BPTT vs autograd on hypothesis-drawn shapes (N, C, M, B, T, L),
dtypes, elapsed times and wirings."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref.solvers import FIXED_STEP_SOLVERS
from ltc_ref.testing import autograd_vjp, flatten_all

from .gradcases import draw_network, rel_error, sigmoid_with_relative_error

#: float64: both sides are exact derivatives of the same computation (the issue's bound).
RTOL = {np.float64: 1e-10, np.float32: 2e-3}
#: float64, saturated sigmoids: σ'(z) = σ(1 - σ) is formed from σ, whose last bits are all the
#: digits of 1 - σ when σ ≈ 1, so a cotangent made of such factors (~1e-8 when every gate is
#: saturated) has a relative accuracy of u / (1 - σ), ~1e-10, in the hand-written VJP and in
#: autograd's alike. Where the two differ by more than RTOL they must differ by at most this
#: factor times the spread that a one-ulp error of the sigmoid causes in the hand-written VJP on
#: the case (the accuracy available there).
SATURATION_FACTOR = 4.0
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
    pairs = [(flatten_all(ref[0]), flatten_all(mine[0])), *zip(ref[1:], mine[1:], strict=True)]
    misses = [i for i, (a, b) in enumerate(pairs) if not rel_error(a, b) <= RTOL[dtype]]
    if misses and dtype == np.float64:
        # Saturated sigmoids: the accuracy available on this case (see SATURATION_FACTOR).
        with sigmoid_with_relative_error(2.0**-52, np.random.default_rng(0)):
            noisy = ltc_ref.vjp(params, x, g_y, dt=dt, unfolds=L, solver=solver)
        noisy_pairs = [flatten_all(noisy[0]), *noisy[1:]]
        for i in misses:
            available = rel_error(noisy_pairs[i], pairs[i][1])
            bound = SATURATION_FACTOR * max(available, RTOL[dtype])
            assert rel_error(*pairs[i]) <= bound, (i, rel_error(*pairs[i]), available)
    else:
        assert not misses, [(i, rel_error(*pairs[i])) for i in misses]
