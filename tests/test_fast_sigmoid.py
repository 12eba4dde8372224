"""The kernels' fast sigmoid (`ltc_ref.kernels._sigmoid`) against a 40-digit reference.

The stated accuracy (`SIGMOID_RTOL`, `SIGMOID_ATOL`) must hold over the whole input range, in
both dtypes, including saturation (|z| beyond the clamp U), with no NaN or inf.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc_ref.kernels import _sigmoid
from ltc_ref.kernels._sigmoid import SIGMOID_ATOL, SIGMOID_RTOL, U_MAX_32, U_MAX_64, fast_sigmoid
from ltc_ref.verify.kernels import exact_sigmoid

DTYPES = (np.float64, np.float32)
U_MAX = {np.float64: U_MAX_64, np.float32: float(U_MAX_32)}


def assert_within_stated_accuracy(z, dtype):
    """|fast - exact| <= RTOL·exact where |z| <= U, and <= ATOL beyond; always finite."""
    z = np.asarray(z, dtype=dtype)
    got = fast_sigmoid(z)
    assert got.dtype == dtype
    assert np.all(np.isfinite(got))
    assert np.all((got >= 0) & (got <= 1))
    exact = exact_sigmoid(z)  # of the dtype's value of z, so input rounding does not count
    inside = np.abs(z.astype(np.float64)) <= U_MAX[dtype]
    error = np.abs(got.astype(np.float64) - exact)
    rtol, atol = SIGMOID_RTOL[np.dtype(dtype)], SIGMOID_ATOL[np.dtype(dtype)]
    assert np.all(error[inside] <= rtol * exact[inside]), np.max(error[inside] / exact[inside])
    assert np.all(error[~inside] <= atol)


def grid(dtype) -> np.ndarray:
    """A dense sweep of [-800, 800], the points where the range reduction switches k (odd
    multiples of ln2/2), the clamp ±U and its neighbours, tiny and signed-zero inputs."""
    U = U_MAX[dtype]
    boundaries = (np.arange(-2100, 2101, 2) + 1) * math.log(2) / 2
    boundaries = boundaries[np.abs(boundaries) < 800]
    edges = [U, -U, np.nextafter(U, 0), np.nextafter(-U, 0), np.nextafter(U, 1e9)]
    special = [0.0, -0.0, 1e-300, -1e-300, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5]
    return np.concatenate(
        [
            np.linspace(-800, 800, 16001),
            boundaries,
            np.nextafter(boundaries, 0),
            np.nextafter(boundaries, 1e9),
            np.array(edges + [-e for e in edges] + special),
        ]
    ).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_stated_accuracy_over_the_whole_range(dtype):
    assert_within_stated_accuracy(grid(dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturation_is_exact_1_or_below_the_absolute_bound(dtype):
    """Beyond the clamp the result is exactly 1 (z > 0; so is the rounded true value) or a number
    within `SIGMOID_ATOL` of 0 (z < 0), for arguments up to the largest float and infinity."""
    big = np.finfo(dtype).max
    z = np.array([U_MAX[dtype] + 1, 1e4, 1e30, big, np.inf], dtype=dtype)
    assert np.all(fast_sigmoid(z) == 1.0)
    low = fast_sigmoid(-z)
    assert np.all((low >= 0) & (low <= SIGMOID_ATOL[np.dtype(dtype)]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_symmetry(dtype):
    """σ(z) + σ(-z) = 1, to the stated accuracy (a check independent of the reference)."""
    z = np.linspace(-40, 40, 4001).astype(dtype)
    total = fast_sigmoid(z).astype(np.float64) + fast_sigmoid(-z).astype(np.float64)
    assert np.max(np.abs(total - 1.0)) <= 2 * SIGMOID_RTOL[np.dtype(dtype)]


@given(st.floats(-1000, 1000, width=64))
def test_random_float64(z):
    assert_within_stated_accuracy(np.array([z]), np.float64)


@given(st.floats(-1000, 1000, width=32))
def test_random_float32(z):
    assert_within_stated_accuracy(np.array([z]), np.float32)


def test_float32_is_computed_in_float32():
    """The float32 kernels must not promote to float64 (which would halve their speed): the
    compiled sigmoid of a float32 returns a float32."""

    @numba.njit
    def call(z):
        return _sigmoid.sigmoid(z)

    value = call(np.float32(0.25))
    if numba.config.DISABLE_JIT:  # plain Python on NumPy scalars
        assert type(value) is np.float32
    else:
        assert call.nopython_signatures[0].return_type == numba.float32
    assert abs(float(value) - exact_sigmoid(np.float32(0.25))) <= 8 * 2.0**-24


def test_libm_baseline_matches():
    """The throughput benchmark's baseline (libm ``exp``) computes the specification's formula."""
    z = np.linspace(-50, 50, 1001)
    out = _sigmoid.libm_sigmoid_array(z, np.empty_like(z))
    assert np.max(np.abs(out - exact_sigmoid(z)) / exact_sigmoid(z)) <= 4 * 2.0**-53
