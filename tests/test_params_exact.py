"""Documented behaviour of the parameter containers and initialisers (``ltc_ref.model.params``)
that the mutation check (``scripts/mutation.py --target model``) showed the other tests did not
pin down: the error messages name the argument and what was expected, the defaults are the
documented ones, and the initial distributions are those of SPEC §3 and §6.
"""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref.model.params import PaperParams, SynapticParams, softplus_inverse

#: Seeded draws of n samples: a sample mean of N(0, s²) lies within 5 standard errors
#: (5 s / √n) of 0 with probability 1 - 6e-7; the seed makes it deterministic anyway.
MEAN_SE = 5.0
#: The sample standard deviation of n ≥ 1600 normal draws is within 10 % of s
#: (its relative standard error is 1/√(2n) ≤ 1.8 %).
STD_RTOL = 0.10


def _paper(**changes):
    fields = dict(tau=[1.0, 2.0], A=[0.5, -0.5], gamma=[[0.1, 0.2]], gamma_r=np.eye(2), mu=[0, 0])
    return PaperParams(**{**fields, **changes})


def _synaptic(**changes):
    p = ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(3, output_dim=2).build(2), np.random.default_rng(0)
    )
    return SynapticParams(**{**p._fields_dict(), **changes})


# ---- initialisers ------------------------------------------------------------------------------


def test_init_paper_params_distributions():
    """SPEC §6: γ, γ_r ~ N(0, σ_w²/N), μ ~ N(0, σ_b²), A ~ N(0, 1), τ = |N(0, 1)|."""
    C, N, s_w, s_b = 40, 400, 2.0, 0.5
    p = ltc_ref.init_paper_params(C, N, np.random.default_rng(1), sigma_w=s_w, sigma_b=s_b)
    for a, s in [(p.gamma, s_w / np.sqrt(N)), (p.gamma_r, s_w / np.sqrt(N)), (p.mu, s_b),
                 (p.A, 1.0)]:  # fmt: skip
        assert abs(a.mean()) <= MEAN_SE * s / np.sqrt(a.size)
        assert abs(a.std() / s - 1) <= STD_RTOL
    # |N(0, 1)| has mean √(2/π).
    assert abs(p.tau.mean() - np.sqrt(2 / np.pi)) <= MEAN_SE / np.sqrt(N)


def test_init_paper_params_defaults_and_activation():
    """The documented defaults σ_w = σ_b = 1 and the activation passed through."""
    a = ltc_ref.init_paper_params(3, 5, np.random.default_rng(2))
    b = ltc_ref.init_paper_params(3, 5, np.random.default_rng(2), sigma_w=1.0, sigma_b=1.0)
    np.testing.assert_array_equal(a.flatten(), b.flatten())
    assert a.activation == "sigmoid"
    for act in ("tanh", "relu", "hard_tanh"):
        assert (
            ltc_ref.init_paper_params(3, 5, np.random.default_rng(2), activation=act).activation
            == act
        )


def test_init_paper_params_autonomous_and_zero_scales():
    """C = 0 (an autonomous network, Theorem 3) and σ_w = σ_b = 0 are valid."""
    p = ltc_ref.init_paper_params(0, 4, np.random.default_rng(3), sigma_w=0.0, sigma_b=0.0)
    assert p.gamma.shape == (0, 4)
    assert np.all(p.gamma_r == 0) and np.all(p.mu == 0)


class _ZeroNormal(np.random.Generator):
    """A generator whose standard normal draws are all exactly 0."""

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return np.zeros(size)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_paper_params_keeps_tau_positive_when_a_draw_is_zero(dtype):
    """The guard of init_paper_params: |N(0, 1)| = 0 still gives τ > 0 in the chosen dtype."""
    p = ltc_ref.init_paper_params(2, 3, _ZeroNormal(np.random.PCG64(0)), dtype=dtype)
    assert p.tau.dtype == dtype and np.all(p.tau > 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_inputs": -1}, ValueError, r"^n_inputs: expected an integer >= 0, got -1$"),
        ({"n_units": 0}, ValueError, r"^n_units: expected an integer >= 1, got 0$"),
        ({"sigma_w": -0.5}, ValueError, r"^sigma_w: expected a number >= 0\.0, got -0\.5$"),
        ({"sigma_b": -0.5}, ValueError, r"^sigma_b: expected a number >= 0\.0, got -0\.5$"),
        ({"dtype": np.int32}, TypeError, r"^dtype: expected"),
        ({"rng": 7}, TypeError, r"^rng: expected a numpy\.random\.Generator, got int$"),
        ({"activation": "erf"}, ValueError, r"^PaperParams\.activation: expected one of"),
    ],
)
def test_init_paper_params_errors(kwargs, error, message):
    args = {"n_inputs": 2, "n_units": 3, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=message):
        ltc_ref.init_paper_params(**args)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dtype": np.int32}, TypeError, r"^dtype: expected"),
        (
            {"ranges": "tf"},
            ValueError,
            r"^ranges: expected one of \['authors', 'ncps'\], got 'tf'$",
        ),
        ({"rng": 7}, TypeError, r"^rng: expected a numpy\.random\.Generator, got int$"),
    ],
)
def test_init_synaptic_params_errors(kwargs, error, message):
    args = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=message):
        ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), **args)


def test_softplus_inverse_error_message():
    with pytest.raises(ValueError, match=r"^softplus_inverse: expected every entry > 0$"):
        softplus_inverse(np.array([1.0, -1.0]))


# ---- containers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tau": [[1.0], [2.0]]}, r"^PaperParams\.tau: expected 1 dimensions, got 2"),
        ({"gamma": [0.1, 0.2]}, r"^PaperParams\.gamma: expected 2 dimensions, got 1"),
    ],
)
def test_paper_params_check_dimensions(changes, message):
    with pytest.raises(ValueError, match=message):
        _paper(**changes)


@pytest.mark.parametrize("name", ["gleak", "input_w", "output_w"])
def test_synaptic_params_check_dimensions(name):
    """gleak, input_w and output_w fix N, C and M; a 2-D array there is refused by name rather
    than read as a column (which would broadcast silently)."""
    value = getattr(_synaptic(), name)[:, None]
    with pytest.raises(ValueError, match=rf"^SynapticParams\.{name}: expected 1 dimensions, got 2"):
        _synaptic(**{name: value})


def test_synaptic_params_output_count():
    """1 <= M <= N: one output is valid, none is not."""
    p = _synaptic(output_w=np.ones(1), output_b=np.zeros(1))
    assert p.n_outputs == 1
    with pytest.raises(ValueError, match=r"^SynapticParams\.output_w: expected 1 <= M <= N = 3"):
        _synaptic(output_w=np.ones(0), output_b=np.zeros(0))


def test_dtype_mismatch_names_the_first_field():
    message = (
        r"^PaperParams\.A: expected dtype float32 \(the dtype of PaperParams\.tau\), got float64"
    )
    with pytest.raises(TypeError, match=message):
        _paper(tau=np.ones(2, np.float32), A=np.zeros(2))


def test_astype_error_names_the_argument():
    with pytest.raises(TypeError, match=r"^dtype: expected"):
        _paper().astype(np.int64)


def test_unflatten_default_is_physical_values():
    """unflatten(v) reads physical values unless raw=True, like flatten()."""
    p = _paper()
    q = p.unflatten(p.flatten())
    for name in p.TRAINABLE_FIELDS:
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name))


def test_unflatten_refuses_another_dtype():
    p = _paper()
    with pytest.raises(TypeError, match=r"^vector: expected dtype float64"):
        p.unflatten(p.flatten().astype(np.float32))
