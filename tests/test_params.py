"""Parameter containers: construction, immutability, flatten/unflatten, softplus, initialisers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref import INIT_RANGES, PaperParams, SynapticParams, softplus, softplus_inverse

#: softplus ∘ softplus_inverse is the identity up to a few ulp (each is a handful of
#: correctly rounded operations).
ROUNDTRIP_RTOL = {np.float64: 4e-15, np.float32: 4e-7}


def _syn(rng, dtype=np.float64, N=5, C=3, M=2):
    return ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(N, output_dim=M).build(C), rng, dtype=dtype
    )


def test_keyword_construction_and_shapes(rng):
    p = _syn(rng)
    q = SynapticParams(**{k: getattr(p, k) for k in p.ARRAY_FIELDS})
    assert (q.n_units, q.n_inputs, q.n_outputs) == (5, 3, 2)
    assert q.dtype == np.float64
    pp = PaperParams(tau=np.ones(4), A=np.zeros(4), gamma=np.zeros((2, 4)),
                     gamma_r=np.zeros((4, 4)), mu=np.zeros(4), activation="tanh")  # fmt: skip
    assert (pp.n_units, pp.n_inputs, pp.n_outputs) == (4, 2, 4)


def test_containers_are_immutable(rng):
    p = _syn(rng)
    with pytest.raises(AttributeError):
        p.cm = np.ones(5)
    with pytest.raises(ValueError, match="read-only"):
        p.cm[0] = 3.0
    source = np.ones(5)
    q = p.replace(cm=source)
    source[0] = -1.0  # mutating the caller's array must not reach the container
    assert q.cm[0] == 1.0


def test_replace_validates(rng):
    with pytest.raises(ValueError, match=r"SynapticParams\.cm"):
        _syn(rng).replace(cm=-np.ones(5))


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flatten_unflatten_roundtrip(rng, raw, dtype):
    for p in (_syn(rng, dtype), ltc_ref.init_paper_params(2, 3, rng, dtype=dtype)):
        vec = p.flatten(raw=raw)
        assert vec.shape == (p.n_trainable,) and vec.dtype == dtype
        q = p.unflatten(vec, raw=raw)
        assert type(q) is type(p)
        for name in p.ARRAY_FIELDS:
            np.testing.assert_allclose(
                getattr(q, name), getattr(p, name), rtol=ROUNDTRIP_RTOL[dtype], err_msg=name
            )


@pytest.mark.parametrize("raw", [False, True])
def test_unflatten_checks_what_the_constructor_checks(rng, raw):
    """`unflatten` skips the checks that ``self`` already passed; what it builds equals the
    constructor's result, is immutable and independent of the caller's vector, and what the
    constructor refuses (a non-positive field, a non-finite entry) it refuses too."""
    for p in (_syn(rng), ltc_ref.init_paper_params(2, 3, rng)):
        vec = p.flatten(raw=raw)
        q = p.unflatten(vec, raw=raw)
        built = type(p)(**q._fields_dict())
        for name in p.ARRAY_FIELDS:
            np.testing.assert_array_equal(getattr(q, name), getattr(built, name), err_msg=name)
            assert not getattr(q, name).flags.writeable, name
        before = q.flatten(raw=raw)
        vec[:] = 7.0  # the caller's vector changes afterwards: the container does not
        np.testing.assert_array_equal(q.flatten(raw=raw), before)

        name = p.POSITIVE_FIELDS[-1]
        bad = p.flatten(raw=raw)
        start = 0
        for field in p.TRAINABLE_FIELDS:  # the first entry of that field
            if field == name:
                break
            start += getattr(p, field).size
        # raw: a softplus that underflows to 0; physical: a negative value
        bad[start] = -1e6 if raw else -1.0
        cls = type(p).__name__
        with pytest.raises(ValueError, match=rf"{cls}\.{name}: expected every entry > 0"):
            p.unflatten(bad, raw=raw)
        bad[start] = np.nan
        with pytest.raises(ValueError, match="vector: expected finite"):
            p.unflatten(bad, raw=raw)


def test_flatten_excludes_masks_and_unflatten_keeps_them(rng):
    p = ltc_ref.init_synaptic_params(ltc_ref.NCP(3, 2, 2, 2, 2, 1, 2).build(2), rng)
    assert p.n_trainable == sum(getattr(p, f).size for f in p.ARRAY_FIELDS if "mask" not in f)
    q = p.unflatten(np.ones(p.n_trainable))
    np.testing.assert_array_equal(q.sparsity_mask, p.sparsity_mask)


def test_raw_flatten_maps_positive_fields_only(rng):
    p = ltc_ref.init_paper_params(2, 3, rng)
    raw = p.flatten(raw=True)
    np.testing.assert_allclose(softplus(raw[:3]), p.tau, rtol=1e-15)
    np.testing.assert_array_equal(raw[3:], p.flatten()[3:])


@given(st.floats(-745, 745, allow_nan=False))
def test_softplus_is_stable_and_positive(r):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softplus(np.float64(r))
    assert np.isfinite(y) and y > 0
    exact = np.log1p(np.exp(r)) if r < 30 else r + np.exp(-r)
    assert abs(y - exact) <= 4e-16 * max(abs(exact), 1e-300) + 1e-320


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_inverse_roundtrip_extremes(dtype):
    x = np.array([1e-30, 1e-8, 1e-3, 0.5, 1.0, 20.0, 1e3, 1e30], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = softplus_inverse(x)
        y = softplus(r)
    assert r.dtype == dtype and np.all(np.isfinite(r))
    np.testing.assert_allclose(y, x, rtol=ROUNDTRIP_RTOL[dtype])


def test_softplus_inverse_rejects_nonpositive():
    with pytest.raises(ValueError, match="softplus_inverse"):
        softplus_inverse(np.array([1.0, 0.0]))


@pytest.mark.parametrize("ranges", sorted(INIT_RANGES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_synaptic_params_ranges(ranges, dtype):
    wiring = ltc_ref.FullyConnected(16, output_dim=3).build(4)
    p = ltc_ref.init_synaptic_params(wiring, np.random.default_rng(7), dtype=dtype, ranges=ranges)
    assert p.dtype == dtype
    for name, spec in INIT_RANGES[ranges].items():
        a = getattr(p, name)
        if isinstance(spec, tuple):
            assert a.min() >= np.asarray(spec[0], dtype) and a.max() <= np.asarray(spec[1], dtype)
            assert a.std() > 0
        else:
            assert np.all(a == np.asarray(spec, dtype))
    np.testing.assert_array_equal(p.erev, wiring.erev)
    np.testing.assert_array_equal(p.sensory_sparsity_mask, wiring.sensory_sparsity_mask)
    assert np.all(p.input_w == 1) and np.all(p.output_b == 0) and p.n_outputs == 3


def test_initialisers_are_seeded():
    w = ltc_ref.FullyConnected(6).build(2)
    a = ltc_ref.init_synaptic_params(w, np.random.default_rng(3))
    b = ltc_ref.init_synaptic_params(w, np.random.default_rng(3))
    np.testing.assert_array_equal(a.flatten(), b.flatten())
    c = ltc_ref.init_paper_params(2, 6, np.random.default_rng(3))
    d = ltc_ref.init_paper_params(2, 6, np.random.default_rng(3))
    np.testing.assert_array_equal(c.flatten(), d.flatten())
    assert not np.array_equal(
        c.flatten(), ltc_ref.init_paper_params(2, 6, np.random.default_rng(4)).flatten()
    )


def test_init_paper_params_scales(rng):
    p = ltc_ref.init_paper_params(50, 400, rng, sigma_w=2.0, sigma_b=0.5)
    # gamma_r ~ N(0, sigma_w^2 / N): sample std within 2% of 2/sqrt(400) = 0.1 (160k draws).
    assert abs(p.gamma_r.std() - 0.1) < 0.002
    assert abs(p.mu.std() - 0.5) < 0.1
    assert np.all(p.tau > 0)


def test_astype(rng):
    p = _syn(rng)
    q = p.astype(np.float32)
    assert q.dtype == np.float32 and q.sparsity_mask.dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        p.astype(np.int32)
