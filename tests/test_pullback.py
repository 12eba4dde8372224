"""`ltc_ref.forward_and_pullback`: one forward pass for the outputs and any number of backward
passes, the same numbers as `ltc_ref.vjp`; and training's one forward pass per step."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest

import ltc_ref
from ltc_ref.gradients import bptt


def _cases(dtype):
    rng = np.random.default_rng(5)
    wiring = ltc_ref.FullyConnected(5, output_dim=3).build(2)
    conductance = ltc_ref.init_synaptic_params(wiring, rng, dtype=dtype)
    paper = ltc_ref.init_paper_params(2, 5, rng, activation="sigmoid", dtype=dtype)
    x = rng.standard_normal((3, 6, 2)).astype(dtype)
    dt = rng.uniform(0.2, 1.5, size=(3, 6))
    return [(conductance, x, dt, 1e-8), (paper, x, dt, 0.0)]


def _assert_same(got, want, params):
    for name in params.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(got[0], name), getattr(want[0], name), err_msg=name)
    for a, b in zip(got[1:], want[1:], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pullback_is_vjp_bit_for_bit(backend, dtype):
    """pullback(g_y, g_h) returns exactly vjp(..., g_y, g_h=g_h) (same process, same
    computation without the second forward pass), and y, h are forward's, for both forms."""
    rng = np.random.default_rng(0)
    for params, x, dt, eps in _cases(dtype):
        kw = dict(dt=dt, epsilon=eps, backend=backend)
        y, h, pullback = ltc_ref.forward_and_pullback(params, x, **kw)
        y_f, h_f = ltc_ref.forward(params, x, **kw)
        np.testing.assert_array_equal(y, y_f)
        np.testing.assert_array_equal(h, h_f)
        g_y = rng.standard_normal(y.shape).astype(dtype)
        g_h = rng.standard_normal(h.shape).astype(dtype)
        _assert_same(pullback(g_y), ltc_ref.vjp(params, x, g_y, **kw), params)
        _assert_same(pullback(g_y, g_h), ltc_ref.vjp(params, x, g_y, g_h=g_h, **kw), params)


def test_unbatched_calls_and_the_state_are_read_only():
    params, x, _, _ = _cases(np.float64)[1]
    y, h, pullback = ltc_ref.forward_and_pullback(params, x[0], dt=0.5)
    assert y.shape == (6, 5) and h.shape == (6, 5)
    assert not h.flags.writeable  # the pullback reads it
    with pytest.raises(ValueError, match="read-only"):
        h[0, 0] = 1.0
    g_y = np.ones_like(y)
    _assert_same(pullback(g_y), ltc_ref.vjp(params, x[0], g_y, dt=0.5), params)
    assert "Pullback(PaperParams, B=1, T=6, solver='fused', backend='numpy')" == repr(pullback)


def test_pullback_validates_its_cotangents():
    params, x, dt, eps = _cases(np.float64)[0]
    y, _, pullback = ltc_ref.forward_and_pullback(params, x, dt=dt, epsilon=eps)
    with pytest.raises(ValueError, match=r"^g_y: expected shape \(3, 6, 3\)"):
        pullback(np.ones((3, 6, 5)))
    with pytest.raises(ValueError, match=r"^g_h: expected shape \(3, 6, 5\)"):
        pullback(np.ones_like(y), np.ones((3, 6, 3)))
    with pytest.raises(ValueError, match=r"^solver: vjp differentiates the fixed-step solvers"):
        ltc_ref.forward_and_pullback(params, x, solver="dopri5")


def _count_forward_passes(monkeypatch):
    calls = []
    real = bptt.forward_traceable

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(bptt, "forward_traceable", counting)
    return calls


def test_value_and_grad_runs_one_forward_pass(monkeypatch):
    params, x, dt, eps = _cases(np.float64)[0]
    calls = _count_forward_passes(monkeypatch)
    loss, g = ltc_ref.value_and_grad(lambda y: anp.sum(y**2), params, x, dt=dt, epsilon=eps)
    assert len(calls) == 1
    y, _ = ltc_ref.forward(params, x, dt=dt, epsilon=eps)
    want = ltc_ref.vjp(params, x, 2 * y, dt=dt, epsilon=eps)[0]
    assert loss == float(np.sum(y**2))
    for name in params.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(g, name), getattr(want, name))


def test_training_step_runs_one_forward_pass(monkeypatch):
    """`ltc_ref.training.model.loss_and_grad` computes the outputs and the gradient from one
    forward pass (it used to run two: `predict`, then `vjp`'s recomputation)."""
    from ltc_ref.training.losses import Objective
    from ltc_ref.training.model import init_model, loss_and_grad, predict

    rng = np.random.default_rng(1)
    model = init_model(3, 4, rng, units=6)
    x = rng.standard_normal((2, 5, 3))
    labels = rng.integers(0, 4, size=(2, 5))
    objective = Objective("classification", "accuracy")
    calls = _count_forward_passes(monkeypatch)
    loss, grad, z = loss_and_grad(model, x, labels, objective, raw=False, backend="numpy")
    assert len(calls) == 1
    np.testing.assert_array_equal(z, predict(model, x, normalise=False)[0])
    assert np.all(np.isfinite(grad)) and loss == objective.loss(z, labels)[0]


def test_value_and_grad_float32_with_a_float64_loss():
    """A loss autograd evaluates in float64 (a float64 target) still trains float32 parameters:
    its cotangent is cast to the parameters' dtype."""
    params, x, dt, eps = _cases(np.float32)[0]
    target = np.zeros((3, 6, 3))  # float64
    loss, g = ltc_ref.value_and_grad(
        lambda y: anp.mean((y - target) ** 2), params, x, dt=dt, epsilon=eps
    )
    assert isinstance(loss, float) and g.w.dtype == np.float32


def test_value_and_grad_refuses_bad_losses():
    params, x, _, _ = _cases(np.float64)[1]
    with pytest.raises(TypeError, match=r"^loss_fn: expected a callable"):
        ltc_ref.value_and_grad("mse", params, x)
    with pytest.raises(
        ValueError, match=r"^loss_fn: expected a real scalar loss, got float64 of shape \(3, 6, 5\)"
    ):
        ltc_ref.value_and_grad(lambda y: y**2, params, x)
