"""``ltc_ref.forward``: shapes, batching, dt forms, and agreement with the naive sequence loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref.solvers import FIXED_STEP_SOLVERS, SOLVERS

from . import naive
from .test_model import NAIVE_RTOL, _nested


def _syn(rng, N=5, C=3, M=2, wiring=None):
    wiring = wiring or ltc_ref.FullyConnected(N, output_dim=M).build(C)
    return ltc_ref.init_synaptic_params(wiring, rng)


@pytest.mark.parametrize("form", ["paper", "conductance"])
def test_forward_matches_naive_loop(rng, form):
    if form == "paper":
        p = ltc_ref.init_paper_params(3, 4, rng, activation="tanh")
    else:
        p = _syn(rng, N=4)
    x = rng.standard_normal((2, 6, 3))
    h0 = rng.uniform(-0.5, 0.5, (2, 4))
    dt = rng.uniform(0.1, 2.0, (2, 6))
    y, h = ltc_ref.forward(p, x, h0=h0, dt=dt, unfolds=3, epsilon=1e-3)
    for b in range(2):
        hs = naive.forward_fused(_nested(p), x[b].tolist(), h0[b], dt[b].tolist(), 3, 1e-3)
        np.testing.assert_allclose(h[b], hs, rtol=NAIVE_RTOL, atol=1e-15)
    if form == "paper":
        np.testing.assert_array_equal(y, h)
    else:
        np.testing.assert_array_equal(y, h[..., :2] * p.output_w + p.output_b)


def test_shapes_and_dtypes(rng):
    p = _syn(rng).astype(np.float32)
    y, h = ltc_ref.forward(p, np.zeros((4, 7, 3), np.float32))
    assert y.shape == (4, 7, 2) and h.shape == (4, 7, 5)
    assert y.dtype == h.dtype == np.float32


def test_unbatched_equals_batch_of_one(rng):
    p = _syn(rng)
    x = rng.standard_normal((6, 3))
    y1, h1 = ltc_ref.forward(p, x, h0=np.full(5, 0.1))
    yb, hb = ltc_ref.forward(p, x[None], h0=np.full((1, 5), 0.1))
    assert y1.shape == (6, 2) and h1.shape == (6, 5)
    np.testing.assert_array_equal(y1, yb[0])
    np.testing.assert_array_equal(h1, hb[0])


def test_default_h0_is_zeros(rng):
    p = _syn(rng)
    x = rng.standard_normal((2, 4, 3))
    np.testing.assert_array_equal(
        ltc_ref.forward(p, x)[1], ltc_ref.forward(p, x, h0=np.zeros((2, 5)))[1]
    )


def test_dt_forms_agree(rng):
    p = _syn(rng)
    x = rng.standard_normal((3, 4, 3))
    ref = ltc_ref.forward(p, x, dt=0.7)[1]
    np.testing.assert_array_equal(ltc_ref.forward(p, x, dt=np.full(4, 0.7))[1], ref)
    np.testing.assert_array_equal(ltc_ref.forward(p, x, dt=np.full((3, 4), 0.7))[1], ref)
    np.testing.assert_array_equal(ltc_ref.forward(p, x, dt=np.float64(0.7))[1], ref)


@pytest.mark.parametrize("solver", FIXED_STEP_SOLVERS)
def test_per_sample_dt_equals_separate_runs_when_B_equals_N(rng, solver):
    """Irregular sampling per sample. B = N on purpose: ncps's (B, T) timespans silently mix
    samples up exactly in this case (SPEC §7); here each sample keeps its own dt."""
    p = _syn(rng, N=4, C=2, M=4)
    x = rng.standard_normal((4, 5, 2))
    dt = rng.uniform(0.05, 3.0, (4, 5))
    _, h = ltc_ref.forward(p, x, dt=dt, solver=solver)
    for b in range(4):
        _, hb = ltc_ref.forward(p, x[b], dt=dt[b], solver=solver)
        np.testing.assert_allclose(h[b], hb, rtol=1e-15, atol=0)


def test_unfolds_splits_the_step(rng):
    """L sub-steps of dt/L: forward(dt=1, L=4) = forward over 4 repeats of dt=0.25, L=1."""
    p = _syn(rng)
    x = rng.standard_normal((1, 2, 3))
    _, h = ltc_ref.forward(p, x, dt=1.0, unfolds=4)
    _, h4 = ltc_ref.forward(p, np.repeat(x, 4, axis=1), dt=0.25, unfolds=1)
    np.testing.assert_allclose(h[0, -1], h4[0, -1], rtol=1e-15)


def test_epsilon_changes_only_the_fused_denominator(rng):
    p = _syn(rng)
    x = rng.standard_normal((1, 3, 3))
    h0, h1 = ltc_ref.forward(p, x)[1], ltc_ref.forward(p, x, epsilon=1e-8)[1]
    assert 0 < np.max(np.abs(h0 - h1)) < 1e-7


def test_solver_instance_is_accepted(rng):
    p = _syn(rng)
    x = rng.standard_normal((1, 3, 3))
    np.testing.assert_array_equal(
        ltc_ref.forward(p, x, solver=ltc_ref.RK4())[1], ltc_ref.forward(p, x, solver="rk4")[1]
    )


def test_integer_inputs_are_converted(rng):
    p = _syn(rng)
    y, _ = ltc_ref.forward(p, np.ones((1, 2, 3), dtype=np.int64))
    assert y.dtype == np.float64


@given(
    N=st.integers(1, 6),
    C=st.integers(1, 4),
    B=st.integers(1, 3),
    T=st.integers(1, 5),
    L=st.integers(1, 4),
    seed=st.integers(0, 2**31),
    solver=st.sampled_from(sorted(SOLVERS)),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_forward_shapes_property(N, C, B, T, L, seed, solver, dtype):
    rng = np.random.default_rng(seed)
    M = int(rng.integers(1, N + 1))
    p = ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(N, output_dim=M).build(C), rng, dtype=dtype
    )
    x = rng.standard_normal((B, T, C)).astype(dtype)
    dt = rng.uniform(0.01, 1.0, (B, T))
    y, h = ltc_ref.forward(p, x, dt=dt, unfolds=L, solver=solver)
    assert y.shape == (B, T, M) and h.shape == (B, T, N)
    assert y.dtype == dtype and h.dtype == dtype
    assert np.all(np.isfinite(h))
