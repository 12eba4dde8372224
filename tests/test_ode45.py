"""The MATLAB-compatible Dormand–Prince driver (`ltc_ref.solvers.ode45`): each rule of the step
control of Shampine & Reichelt (1997) on small ODEs whose behaviour is known."""

from __future__ import annotations

import numpy as np
import pytest

from ltc_ref.solvers import dopri5, matlab_ode45, ode45
from ltc_ref.solvers.dormand_prince import B5, attempt_step

#: Step sizes are sums and products of a handful of floats: they agree to a few ulps.
STEP_RTOL = 1e-12
#: Differences of output times t ~ 1 over steps ~ 0.05: rounding of t relative to the spacing.
SPACING_RTOL = 1e-9
#: ode45's default RelTol (the accuracy asked of every output row).
DEFAULT_RTOL = 1e-3
#: The interpolant's rows sum to b_i exactly in rational arithmetic; in floats, to rounding.
TABLEAU_ATOL = 1e-15
#: Two integrations of the same smooth ODE to rtol = 1e-10 (max-norm vs RMS controllers, global
#: error a small multiple of rtol each) agree to well within 1e-8.
TIGHT_AGREEMENT = 1e-8
#: The local error of a fourth-order interpolant at an interior point is O(h^5): its fitted
#: order over h = 0.4, 0.2, 0.1 lies within 0.5 of 5 (measured 4.96).
INTERPOLANT_ORDER, ORDER_TOLERANCE = 5.0, 0.5


class Recorder:
    """``fun`` wrapper recording the times of every evaluation (so that the attempted step
    sizes can be read off: the seventh stage of an attempt from t is evaluated at t + h)."""

    def __init__(self, fun):
        self.fun, self.times = fun, []

    def __call__(self, t, y):
        self.times.append(t)
        return self.fun(t, y)

    def attempt_lengths(self, n):
        """Lengths of the first ``n`` attempts from t0 = 0: call 0 is f(t0, y0), attempt j's
        stages are calls 6j + 1 ... 6j + 6, and the last of them is evaluated at t0 + h."""
        return [self.times[6 * j + 6] for j in range(n)]


def test_tableau_of_the_continuous_extension():
    """Each row of BI sums to b_i (s = 1 is the step's end) and the linear column is e_1
    (the derivative at s = 0 is k_1)."""
    np.testing.assert_allclose(matlab_ode45.BI.sum(axis=1), B5, atol=TABLEAU_ATOL)
    np.testing.assert_array_equal(matlab_ode45.BI[:, 0], np.eye(7)[0])


def test_max_step_caps_every_step_on_decay():
    """y' = -y at the default tolerances: the error allows steps of ~0.3, so after the first
    every step is MaxStep = span / 10 and there are no rejections."""
    sol = ode45(lambda t, y: -y, (0.0, 1.0), np.array([1.0]))
    np.testing.assert_allclose(sol.step_sizes, 0.1, rtol=STEP_RTOL)
    assert (sol.n_accepted, sol.n_rejected, sol.n_fev) == (10, 0, 61)
    free = ode45(lambda t, y: -y, (0.0, 1.0), np.array([1.0]), max_step=np.inf)
    assert free.n_accepted < sol.n_accepted
    assert free.step_sizes.max() > 0.1


def test_constant_rhs_step_sequence_initial_heuristic_and_fivefold_growth():
    """y' = 1 from y = 0 with RelTol 1e-2, AbsTol 1e-4 over [0, 2π] (the authors' Neural ODE in
    miniature): the error estimate is 0, so h_0 = 0.8 rtol^(1/5) / (|f| / (atol/rtol)), each
    step grows 5x until MaxStep = 2π/10, and the last step is stretched to end at 2π.
    14 steps: 56 rows in 99 input intervals = 0.566 rows per interval (Table 2's 0.56)."""
    rtol, atol, tf = 1e-2, 1e-4, 2 * np.pi
    sol = ode45(lambda t, y: np.ones(3), (0.0, tf), np.zeros(3), rtol=rtol, atol=atol)
    h = 0.8 * rtol**0.2 * (atol / rtol)
    expected = []
    t = 0.0
    while True:
        h = min(h, tf / 10)
        if 1.1 * h >= tf - t:
            expected.append(tf - t)
            break
        expected.append(h)
        t += h
        h *= 5
    np.testing.assert_allclose(sol.step_sizes, expected, rtol=STEP_RTOL)
    assert sol.n_accepted == 14 and sol.t[-1] == tf
    np.testing.assert_allclose(sol.y[:, 0], sol.t, rtol=STEP_RTOL, atol=1e-15)  # exact: y = t
    assert round(4 * sol.n_accepted / 99, 2) == 0.57


def test_growth_follows_the_error_of_the_accepted_step():
    """Without MaxStep: after a first-attempt acceptance h_{n+1} = h_n / max(0.2, 1.25
    (err_n / rtol)^(1/5)), err_n in the max norm relative to max(|y_n|, |y_{n+1}|, atol/rtol)
    (replayed step by step with the same tableau)."""
    rtol, atol = 1e-3, 1e-6

    def fun(t, y):  # the harmonic oscillator: 18 steps, none rejected
        return np.array([y[1], -y[0]])

    sol = ode45(fun, (0.0, 10.0), np.array([1.0, 0.0]), rtol=rtol, atol=atol, max_step=np.inf)
    assert sol.n_rejected == 0
    ends = sol.step_ends
    y = sol.y[::4]  # the step ends (refine = 4)
    for n in range(sol.n_accepted - 1):
        h = ends[n + 1] - ends[n]
        y_new, e, _ = attempt_step(fun, ends[n], y[n], fun(ends[n], y[n]), h)
        np.testing.assert_allclose(y_new, y[n + 1], rtol=STEP_RTOL, atol=1e-15)
        err = np.max(np.abs(e) / np.maximum(np.maximum(abs(y[n]), abs(y_new)), atol / rtol))
        predicted = h / max(0.2, 1.25 * (err / rtol) ** 0.2)
        h_next = ends[n + 2] - ends[n + 1]
        if n + 2 < sol.n_accepted:  # the last step may be stretched or cut to end at tf
            np.testing.assert_allclose(h_next, predicted, rtol=STEP_RTOL)
        assert h_next <= 5 * h * (1 + STEP_RTOL)


def test_rejections_shrink_at_most_tenfold_then_halve_and_block_growth():
    """y' = -y with RelTol 1e-12 from InitialStep 1: the first rejection shrinks h by
    max(0.1, 0.8 (rtol/err)^(1/5)) (here the floor: 10x), later rejections of the same step
    halve it, and the step after a rejected attempt does not grow."""
    rtol = 1e-12
    rec = Recorder(lambda t, y: -y)
    sol = ode45(
        rec, (0.0, 1.0), np.array([1.0]), rtol=rtol, atol=1e-14, initial_step=1.0, max_step=np.inf
    )
    k = sol.n_rejected  # all rejections happen on the first step: attempts 0..k, k accepted
    first = rec.attempt_lengths(k + 1)
    _, e, _ = attempt_step(lambda t, y: -y, 0.0, np.array([1.0]), np.array([-1.0]), 1.0)
    assert 0.8 * (rtol / np.max(np.abs(e))) ** 0.2 < 0.1  # so the first shrink is the floor
    np.testing.assert_allclose(first[:2], [1.0, 0.1], rtol=STEP_RTOL)
    assert k >= 3
    np.testing.assert_allclose(first[2 : k + 1], 0.1 * 0.5 ** np.arange(1, k), rtol=STEP_RTOL)
    np.testing.assert_allclose(sol.step_sizes[0], first[k], rtol=STEP_RTOL)
    np.testing.assert_allclose(sol.step_sizes[1], sol.step_sizes[0], rtol=STEP_RTOL)


@pytest.mark.parametrize("refine", [1, 4, 7])
def test_refine_rows_are_equally_spaced_and_interpolated(refine):
    """Refine = r: 1 + r·(accepted steps) rows; inside each step r - 1 equally spaced rows from
    the continuous extension, then the step's end."""
    sol = ode45(lambda t, y: -y, (0.0, 2.0), np.array([1.0, 2.0]), refine=refine)
    assert sol.t.shape == (1 + refine * sol.n_accepted,) and sol.y.shape == (sol.t.size, 2)
    np.testing.assert_allclose(sol.t[::refine], sol.step_ends, rtol=STEP_RTOL)
    inside = sol.t.reshape(-1)[1:].reshape(sol.n_accepted, refine)
    spacing = np.diff(np.concatenate([sol.step_ends[:-1, None], inside], axis=1), axis=1)
    expected = np.broadcast_to(sol.step_sizes[:, None] / refine, spacing.shape)
    np.testing.assert_allclose(spacing, expected, rtol=SPACING_RTOL)
    # The interpolated rows are as accurate as the step ends: within RelTol = 1e-3 of e^{-t}.
    np.testing.assert_allclose(sol.y[:, 0], np.exp(-sol.t), rtol=DEFAULT_RTOL)


def test_continuous_extension_is_fourth_order():
    """One step of y' = y from the exact value: the interpolant's error at s = 1/2 falls like
    h^5 (fourth-order interpolant: local error O(h^5))."""
    hs = np.array([0.4, 0.2, 0.1])
    errors = []
    for h in hs:
        fun = lambda t, y: y  # noqa: E731
        y0 = np.array([1.0])
        _, _, K = attempt_step(fun, 0.0, y0, fun(0.0, y0), h)
        mid = matlab_ode45.continuous_extension(y0, h, K, [0.5])[0, 0]
        errors.append(abs(mid - np.exp(h / 2)))
    order = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert abs(order - INTERPOLANT_ORDER) < ORDER_TOLERANCE


def test_agrees_with_dopri5():
    """Same tableau: one step of the same length gives the same end point as `dopri5`; at tight
    tolerances the two controllers' solutions agree with each other and with the exact one."""
    fun = lambda t, y: np.array([y[1], -y[0]])  # noqa: E731
    y0 = np.array([1.0, 0.0])
    one = ode45(fun, (0.0, 0.5), y0, rtol=1.0, atol=1.0, max_step=np.inf)
    ref = dopri5(fun, (0.0, 0.5), y0, rtol=1.0, atol=1.0, first_step=0.5)
    assert one.n_accepted == ref.n_accepted == 1
    np.testing.assert_allclose(one.y[-1], ref.y[-1], rtol=STEP_RTOL)
    a = ode45(fun, (0.0, 5.0), y0, rtol=1e-10, atol=1e-12)
    b = dopri5(fun, (0.0, 5.0), y0, rtol=1e-10, atol=1e-12)
    exact = np.array([np.cos(5.0), -np.sin(5.0)])
    np.testing.assert_allclose(a.y[-1], b.y[-1], atol=TIGHT_AGREEMENT)
    np.testing.assert_allclose(a.y[-1], exact, atol=TIGHT_AGREEMENT)


def test_failures_raise():
    """A solution that blows up (y' = y², y(0) = 1, singular at t = 1) and the attempt cap raise
    RuntimeError, never return a silently wrong or non-finite result."""
    with pytest.raises(RuntimeError, match="ode45"):
        ode45(lambda t, y: y * y, (0.0, 2.0), np.array([1.0]))
    with pytest.raises(RuntimeError, match="max_steps=5"):
        ode45(lambda t, y: -1e4 * y, (0.0, 1.0), np.array([1.0]), max_steps=5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"t_span": (1.0, 0.0)}, "t_span"),
        ({"rtol": 0.0}, "rtol"),
        ({"atol": -1.0}, "atol"),
        ({"max_step": 0.0}, "max_step"),
        ({"initial_step": -0.1}, "initial_step"),
        ({"refine": 0}, "refine"),
    ],
)
def test_validation(kwargs, match):
    args = {"t_span": (0.0, 1.0), **kwargs}
    t_span = args.pop("t_span")
    with pytest.raises(ValueError, match=match):
        ode45(lambda t, y: -y, t_span, np.array([1.0]), **args)
