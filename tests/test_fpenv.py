"""Subnormals flushed inside the kernels, the thread's state restored (`ltc_ref.kernels._fpenv`).

The kernels run with the SSE/AVX unit's FTZ and DAZ bits set on x86-64 (cotangents that underflow
otherwise cost a microcode assist per vector instruction on Intel processors) and put MXCSR back
before they return. These tests check the three claims: inside a kernel subnormals are flushed,
outside nothing changed (the calling thread, the pool's threads, NumPy), and the results still
agree with the NumPy specification where the cotangents do underflow.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import ltc_ref
from ltc_ref.kernels import AGREEMENT_RTOL
from ltc_ref.kernels import _driver as driver
from ltc_ref.kernels._fpenv import (
    FLUSHED_ATOL,
    FLUSHES,
    flush_subnormals,
    fp_state,
    restore_fp_state,
)
from ltc_ref.kernels._sigmoid import kernel

COMPILED_X86 = FLUSHES and not numba.config.DISABLE_JIT
TINY32 = np.finfo(np.float32).tiny  # the smallest normal float32, 2^-126


@kernel
def _products(a, b, out):
    """``a * b`` into ``out[0]`` with subnormals flushed, then into ``out[1]`` after the state is
    restored (arrays: loads after the state changes are not merged with loads before)."""
    state = flush_subnormals()
    for i in range(a.shape[0]):
        out[0, i] = a[i] * b[i]
    restore_fp_state(state)
    for i in range(a.shape[0]):
        out[1, i] = a[i] * b[i]


@kernel
def _state():
    return fp_state()


def test_subnormals_are_flushed_inside_and_kept_outside():
    a = np.full(16, 1e-30, np.float32)
    b = np.full(16, 1e-10, np.float32)  # the products, 1e-40, are subnormal
    out = np.empty((2, 16), np.float32)
    _products(a, b, out)
    inside, outside = out
    assert np.all(outside == a * b) and np.all(outside != 0)  # restored: subnormals again
    if COMPILED_X86:
        assert np.all(inside == 0)
    else:  # other processors, or Python under NUMBA_DISABLE_JIT: nothing is flushed
        assert np.array_equal(inside, outside)


def _network(form, rng, N=6, C=3):
    if form == "conductance":
        wiring = ltc_ref.FullyConnected(N, output_dim=N).build(input_dim=C)
        return ltc_ref.init_synaptic_params(wiring, rng, dtype=np.float32)
    return ltc_ref.init_paper_params(C, N, rng, activation="sigmoid", dtype=np.float32)


@pytest.mark.parametrize("form", ["conductance", "paper"])
def test_kernels_leave_the_threads_as_they_found_them(form, monkeypatch):
    """After forward and BPTT on two threads, MXCSR of this thread and of the pool's worker is
    what it was, and NumPy still produces subnormals."""
    rng = np.random.default_rng(0)
    params = _network(form, rng)
    x = rng.standard_normal((8, 40, params.n_inputs)).astype(np.float32)
    g_y = np.ones((8, 40, params.n_outputs), np.float32)
    before = _state()
    monkeypatch.setattr(driver, "PARALLEL_MIN_WORK", 0)  # split the batch: the pool runs a chunk
    monkeypatch.setattr(driver, "_n_threads", lambda: 2)  # whatever NUMBA_NUM_THREADS says
    ltc_ref.forward(params, x, backend="numba")
    ltc_ref.vjp(params, x, g_y, backend="numba")
    worker = driver._POOL.submit(_state).result()
    assert _state() == before
    assert worker == before
    if COMPILED_X86:
        assert before & (1 << 15) == 0 and before & (1 << 6) == 0  # FTZ, DAZ off outside
    assert np.float32(1e-30) * np.float32(1e-10) != 0


@pytest.mark.parametrize("form", ["conductance", "paper"])
def test_underflowing_cotangents_match_the_specification(form):
    """A cotangent at the last step only, over a sequence long enough that the first steps'
    cotangents fall below float32's smallest normal number in the specification (checked): the
    kernels, which flush them, agree to `AGREEMENT_RTOL` as everywhere else."""
    rng = np.random.default_rng(1)
    params = _network(form, rng)
    T = 48
    if form == "paper":  # faster neurons and a longer sequence: the paper's form shrinks slower
        params = params.replace(tau=np.full(params.n_units, 0.3, np.float32))
        T = 120
    x = rng.standard_normal((2, T, params.n_inputs)).astype(np.float32)
    g_y = np.zeros((2, T, params.n_outputs), np.float32)
    g_y[:, -1] = rng.standard_normal((2, params.n_outputs))
    dt = rng.uniform(0.5, 1.5, (2, T)).astype(np.float32)  # per step: g_dt is (B, T), not a sum
    spec = ltc_ref.vjp(params, x, g_y, dt=dt, backend="numpy")
    assert np.abs(spec[1][:, 0]).max() < TINY32  # the regime is reached
    got = ltc_ref.vjp(params, x, g_y, dt=dt, backend="numba")
    rtol, atol = AGREEMENT_RTOL[np.dtype(np.float32)], FLUSHED_ATOL[np.dtype(np.float32)]
    pairs = [(getattr(got[0], name), getattr(spec[0], name), name) for name in params.ARRAY_FIELDS]
    pairs += list(zip(got[1:], spec[1:], ("g_x", "g_h0", "g_dt"), strict=True))
    for a, b, name in pairs:
        assert np.abs(a - b).max() <= rtol * np.abs(b).max() + atol, name
    # g_h0 is all below the smallest normal number: there the absolute part decides.
    assert np.abs(spec[2]).max() < TINY32
