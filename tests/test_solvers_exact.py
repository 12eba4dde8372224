"""Exact properties of the solvers (``ltc_ref.solvers``) that the mutation check
(``scripts/mutation.py --target solvers``) showed the other tests did not pin down.

Each test states the theorem, documented rule or hand-derived value it checks: the one-step
maps on a linear ODE, the sub-step VJPs against autograd, and the Dormand–Prince integrator's
documented starting step (Hairer, Nørsett & Wanner §II.4), step-size controller, acceptance
test, limits, dense output and error messages.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import ltc_ref
from ltc_ref import conductance, dopri5, paper
from ltc_ref.solvers import RK4, DormandPrince, Euler, Fused
from ltc_ref.solvers import dormand_prince as dp
from ltc_ref.verify.networks import nonstiff_network

#: Hand formulas in Python floats against the vectorised code: a few ulp.
EXACT_RTOL = 1e-14
#: Hand-written VJPs against autograd on the same float64 expressions, summed in other orders.
AUTOGRAD_RTOL = 1e-11
AUTOGRAD_ATOL = 1e-13
#: A step size recomputed from the documented rule in Python floats: a few ulp of each factor.
STEP_RTOL = 1e-12
#: Global error of a quadrature run at rtol 1e-10, atol 1e-12 over a few dozen steps.
QUADRATURE_ATOL = 1e-9
#: Global error of the stiff test problem at rtol 1e-6 against a rtol 1e-10 reference: within
#: ten times the local tolerance.
STIFF_ATOL = 1e-5
#: The fourth-order interpolant between the points of a rtol 1e-8 run of a smooth rotation:
#: two orders of magnitude above its error, far below a wrong interval's O(h) error.
DENSE_ATOL = 1e-6
#: At θ = 0 or 1 the interpolant returns y_k to rounding (the rows of P sum to b to 1e-16).
NODE_RTOL = 1e-13
NODE_ATOL = 1e-15
#: The same float64 computation reached two ways: equal to an ulp.
ULP_RTOL = 1e-15
#: h in the underflow message is printed to 3 significant digits.
PRINTED_RTOL = 1e-3


def _linear():
    """f = σ(μ) fixed (γ = γ_r = 0): Eq. 1 is linear, dx/dt = -(1/τ + f) x + f A."""
    return ltc_ref.PaperParams(tau=[2.0], A=[0.7], gamma=[[0.0]], gamma_r=[[0.0]], mu=[0.3])


def test_euler_and_rk4_one_step_by_hand():
    """On the linear ODE x' = -k x + b, one Euler step is x + h(-k x + b) and one RK4 step is
    the degree-4 Taylor polynomial of the exact flow: x* + (x - x*) Σ_{n≤4} (-k h)^n / n!."""
    p = _linear()
    f = 1.0 / (1.0 + np.exp(-0.3))
    k, b = 0.5 + f, f * 0.7
    x, h = 0.4, 0.3
    drive = paper.input_drive(p, np.zeros((1, 1)))
    xs = np.array([[x]])
    hh = np.array([[h]])
    euler = Euler().step(paper, p, xs, drive, hh, 0.0)
    np.testing.assert_allclose(euler, [[x + h * (-k * x + b)]], rtol=EXACT_RTOL)
    x_star = b / k
    z = -k * h
    taylor = 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24
    rk4 = RK4().step(paper, p, xs, drive, hh, 0.0)
    np.testing.assert_allclose(rk4, [[x_star + (x - x_star) * taylor]], rtol=EXACT_RTOL)


# --------------------------------------------------------------------------------------------
# Sub-step VJPs against autograd: every input, the drive included
# --------------------------------------------------------------------------------------------


def _drive_parts(drive):
    return list(drive) if isinstance(drive, tuple) else [drive]


@pytest.mark.parametrize("form", ["paper", "conductance"])
@pytest.mark.parametrize("solver", [Fused(), Euler(), RK4()], ids=lambda s: s.name)
def test_step_vjp_matches_autograd_in_every_input(form, solver):
    """step_vjp returns the cotangents of the sub-step's state, drive, step length and
    parameters: each equals autograd's derivative of `step` (the drive is shared by RK4's four
    stages, so all four contributions must be summed)."""
    params, I, x = nonstiff_network(form, seed=5)
    dyn = paper if form == "paper" else conductance
    drive = dyn.input_drive(params, I)
    h = np.array([[0.3], [0.7]])
    eps = 1e-3 if solver.uses_epsilon else 0.0
    g = np.random.default_rng(6).standard_normal(x.shape)
    g_params, g_x, g_drive, g_h = solver.step_vjp(dyn, params, x, drive, h, eps, g)

    def out(x_, parts, h_):
        d = tuple(parts) if isinstance(drive, tuple) else parts[0]
        return anp.sum(solver.step(dyn, params, x_, d, h_, eps) * g)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        want_x = autograd.grad(out, 0)(x, _drive_parts(drive), h)
        want_drive = autograd.grad(out, 1)(x, _drive_parts(drive), h)
        want_h = autograd.grad(out, 2)(x, _drive_parts(drive), h)
    close = dict(rtol=AUTOGRAD_RTOL, atol=AUTOGRAD_ATOL)
    np.testing.assert_allclose(g_x, want_x, **close)
    for got, want in zip(_drive_parts(g_drive), want_drive, strict=True):
        np.testing.assert_allclose(got, want, **close)
    assert g_h.shape == h.shape
    np.testing.assert_allclose(g_h, want_h, **close)
    assert set(g_params) <= set(params.ARRAY_FIELDS)


# --------------------------------------------------------------------------------------------
# Dormand–Prince: the starting step (Hairer, Nørsett & Wanner §II.4)
# --------------------------------------------------------------------------------------------


def _hairer_initial_step(fun, t0, y0, interval, rtol, atol):
    """The starting-step recipe of Hairer et al. §II.4 for a scalar y, in Python floats:
    d0 = |y0|/sc, d1 = |f0|/sc with sc = atol + |y0| rtol; h0 = 0.01 d0/d1 (1e-6 if either is
    below 1e-5); d2 = |f(t0+h0, y0+h0 f0) - f0| / sc / h0; h1 = (0.01/max(d1, d2))^(1/5)
    (max(1e-6, 1e-3 h0) if both d1, d2 ≤ 1e-15); h = min(100 h0, h1)."""
    f0 = fun(t0, y0)
    sc = atol + abs(y0) * rtol
    d0, d1 = abs(y0) / sc, abs(f0) / sc
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, interval)
    d2 = abs(fun(t0 + h0, y0 + h0 * f0) - f0) / sc / h0
    h1 = max(1e-6, 1e-3 * h0) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** 0.2
    return min(100 * h0, h1, interval)


#: rtol negligible and atol = 1: the scale sc is exactly 1, so d0 = |y0| and d1 = |f0| exactly
#: and the recipe's thresholds (1e-5, 1e-15) can be met with equality.
UNIT_SCALE = (1e-300, 1.0)


@pytest.mark.parametrize(
    ("fun", "t0", "y0", "tols"),
    [
        (lambda t, y: math.exp(t) + y, 0.0, 1.0, (1e-6, 1e-9)),  # d2 > d1: curvature decides
        (lambda t, y: -2.0 * y, 0.5, 1.0, (1e-6, 1e-9)),  # linear: h1 = (0.01 sc / 4)^(1/5)
        (lambda t, y: 3.0 + 0.0 * y, 0.0, 1e-10, (1e-6, 1e-9)),  # 100 h0 binds
        (lambda t, y: 1e-7 + 0.0 * y, 0.0, 1.0, (1e-6, 1e-9)),  # d1 < 1, d2 = 0: h1 from d1
        (lambda t, y: 1e-7 * t + 0.0 * y, 0.0, 1.0, (1e-6, 1e-9)),  # d1 = 0 < d2 < 1
        (lambda t, y: 1.0 + 0.0 * y, 0.0, 1e-5, UNIT_SCALE),  # d0 = 1e-5: not "below"
        (lambda t, y: 1e-5 + 0.0 * y, 0.0, 1.0, UNIT_SCALE),  # d1 = 1e-5: not "below"
        (lambda t, y: 1e-15 + 0.0 * y, 0.0, 0.0, UNIT_SCALE),  # d1 = 1e-15 ≤ 1e-15, d2 = 0
        (lambda t, y: 1e-15 * t + 0.0 * y, 0.0, 0.0, UNIT_SCALE),  # d1 = 0, d2 = 1e-15
    ],
)
def test_dopri5_first_step_is_hairers(fun, t0, y0, tols):
    """With first_step=None the first attempted step is the §II.4 starting step; on these
    smooth problems it is accepted, so it is t[1] - t[0]."""
    rtol, atol = tols
    want = _hairer_initial_step(fun, t0, y0, 1.0, rtol, atol)
    sol = dopri5(fun, (t0, t0 + 1.0), np.float64(y0), rtol=rtol, atol=atol)
    assert math.isclose(sol.t[1] - sol.t[0], want, rel_tol=STEP_RTOL)


def test_dopri5_first_step_of_a_short_interval():
    """h0 is capped by the interval before the curvature probe: the probe stays inside it."""
    probes = []

    def fun(t, y):
        probes.append(t)
        return math.exp(t) + y

    dopri5(fun, (0.0, 1e-3), np.float64(1.0), rtol=1e-10, atol=1e-12)
    assert max(probes) <= 1e-3


def test_dopri5_constant_solution_step_sequence():
    """y' = 0: d1 = d2 = 0, so the first step is max(1e-6, 1e-3 h0) = 1e-6 with h0 = 1e-6;
    every error estimate is exactly 0, so each accepted step grows h by MAX_FACTOR = 10 until
    the last step lands on t1. Counts: n_fev = 1 (k1) + 1 (the starting-step probe) + 6 per
    step."""
    for t0, t1 in [(0.0, 1.0), (-1.0, 1.0)]:
        sol = dopri5(lambda t, y: 0.0 * y, (t0, t1), np.ones(2))
        want, t, h = [t0], t0, 1e-6
        while t < t1:
            t = min(t + h, t1)
            want.append(t)
            h *= 10.0
        np.testing.assert_allclose(sol.t, want, rtol=STEP_RTOL, atol=0)
        assert sol.t[-1] == t1
        assert (sol.n_accepted, sol.n_rejected) == (len(want) - 1, 0)
        assert sol.n_fev == 2 + 6 * sol.n_accepted
        np.testing.assert_array_equal(sol.y, 1.0)


def test_dopri5_first_step_given_is_capped_by_the_interval():
    """A first_step longer than t1 - t0 becomes one step onto t1 (here t0 < 0)."""
    sol = dopri5(lambda t, y: 0.0 * y, (-1.0, 1.0), np.ones(1), first_step=5.0)
    assert sol.n_accepted == 1 and list(sol.t) == [-1.0, 1.0]
    assert sol.n_fev == 1 + 6


# --------------------------------------------------------------------------------------------
# Dormand–Prince: acceptance test and step-size controller, recomputed from every attempt
# --------------------------------------------------------------------------------------------


def _attempts(fun, t_span, y0, **kw):
    """Run dopri5 recording every evaluation; regroup them into attempted steps
    ``(t, h, y, K)`` (K: the 7 stages, k1 carried over from the previous accepted step)."""
    calls = []

    def recording(t, y):
        k = fun(t, y)
        calls.append((t, np.array(y, copy=True), np.array(k, copy=True)))
        return k

    sol = dopri5(recording, t_span, y0, **kw)
    k1 = calls[0][2]
    rest = calls[1 if kw.get("first_step") else 2 :]
    attempts = []
    t, y = t_span[0], np.asarray(y0)
    for j in range(0, len(rest), 6):
        stages = rest[j : j + 6]
        h = stages[-1][0] - t  # the last two stages are at t + h (c6 = c7 = 1)
        K = [k1] + [s[2] for s in stages]
        attempts.append((t, h, y, K))
        y_new = y + h * sum(b * k for b, k in zip(dp.B5, K, strict=True))
        err = h * sum(e * k for e, k in zip(dp.E, K, strict=True))
        scale = kw["atol"] + kw["rtol"] * np.maximum(np.abs(y), np.abs(y_new))
        norm = float(np.max(np.sqrt(np.mean((err / scale) ** 2, axis=-1))))
        norm = norm if np.isfinite(norm) else np.inf  # a non-finite stage fails the step
        accepted = norm <= 1.0
        attempts[-1] = (t, h, y, K, norm, accepted)
        if accepted:
            t, y, k1 = stages[-1][0], y_new, K[6]
    return sol, attempts


def test_dopri5_acceptance_and_controller_follow_the_documented_rule():
    """Module docstring: a step is accepted iff the RMS of err/(atol + rtol max(|y_n|, |y_n+1|))
    is ≤ 1 (err = h Σ (b_i - b*_i) k_i); then h ← h min(10, max(0.2, 0.9 err^(-1/5))) (and
    the last step is cut to land on t1). Replayed on a stiff problem with rejections."""
    kw = dict(rtol=1e-6, atol=1e-9, first_step=1.0)
    sol, attempts = _attempts(
        lambda t, y: -50.0 * (y - np.cos(t)), (0.0, 3.0), np.array([2.0]), **kw
    )
    n_acc = sum(a[5] for a in attempts)
    assert (sol.n_accepted, sol.n_rejected) == (n_acc, len(attempts) - n_acc)
    assert sol.n_rejected >= 1
    for (t, h, _, _, norm, _), nxt in itertools.pairwise(attempts):
        factor = min(10.0, max(0.2, 0.9 * norm**-0.2))
        want = min(h * factor, 3.0 - nxt[0])
        assert math.isclose(nxt[1], want, rel_tol=STEP_RTOL), (t, h, norm)


def test_dopri5_max_steps_counts_attempts():
    """max_steps limits accepted + rejected attempts: a run with n attempts needs
    max_steps ≥ n."""
    fun = lambda t, y: -50.0 * (y - np.cos(t))  # noqa: E731
    kw = dict(rtol=1e-6, atol=1e-9, first_step=1.0)
    sol = dopri5(fun, (0.0, 3.0), np.array([2.0]), **kw)
    n = sol.n_accepted + sol.n_rejected
    assert sol.n_rejected >= 1
    dopri5(fun, (0.0, 3.0), np.array([2.0]), max_steps=n, **kw)
    with pytest.raises(RuntimeError, match=rf"^dopri5: more than max_steps={n - 1} steps"):
        dopri5(fun, (0.0, 3.0), np.array([2.0]), max_steps=n - 1, **kw)


def test_dopri5_non_autonomous_stages():
    """y' = cos(t) is a quadrature: the stages must be evaluated at t + c_i h."""
    sol = dopri5(lambda t, y: np.cos(t) + 0.0 * y, (1.0, 4.0), np.zeros(1), rtol=1e-10, atol=1e-12)
    assert abs(sol.y[-1, 0] - (np.sin(4.0) - np.sin(1.0))) <= QUADRATURE_ATOL


def test_dopri5_divergence_is_reported():
    """y' = y² from y(1) = 1 blows up at t = 2: the controller shrinks h until the documented
    step-size-underflow error, naming where it happened (at t ≈ 2)."""
    message = (
        r"^dopri5: step size underflow at t=(1\.9|2\.0)\d* \(h=[0-9.e-]+\); the problem is too "
        r"stiff for rtol=1e-06, atol=1e-09 or the solution diverges$"
    )
    with pytest.raises(RuntimeError, match=message) as info:
        dopri5(lambda t, y: y * y, (1.0, 11.0), np.ones(1))
    # The reported h is the first below MIN_STEP_FRACTION (t1 - t0) = 1e-13; the one before was
    # not, and one rejection shrinks h by at most MIN_FACTOR = 0.2.
    h = float(re.search(r"\(h=([0-9.e-]+)\)", str(info.value)).group(1))
    assert 0.2 * 1e-13 * (1 - PRINTED_RTOL) <= h < 1e-13


def test_dopri5_rejects_a_non_finite_rhs():
    with pytest.raises(
        RuntimeError, match=r"^dopri5: the right-hand side is not finite at t=0\.0$"
    ):
        dopri5(lambda t, y: y * np.inf, (0.0, 1.0), np.ones(1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t_span": (1.0, 1.0)}, r"^t_span: expected t1 > t0, got \(1\.0, 1\.0\)$"),
        ({"atol": 0.0}, r"^rtol, atol: expected > 0, got rtol=1e-06, atol=0\.0$"),
        ({"rtol": "tight"}, r"^rtol: expected a real number"),
        ({"atol": "tight"}, r"^atol: expected a real number"),
    ],
)
def test_dopri5_argument_errors(kwargs, message):
    args = {"t_span": (0.0, 1.0), **kwargs}
    error = TypeError if "tight" in kwargs.values() else ValueError
    with pytest.raises(error, match=message):
        dopri5(lambda t, y: -y, y0=np.ones(1), **args)


def test_dopri5_defaults_are_shared_with_the_solver_class():
    """dopri5 and DormandPrince document one set of defaults (rtol 1e-6, atol 1e-9, 100 000
    steps)."""
    sig = inspect.signature(dopri5).parameters
    solver = DormandPrince()
    assert (sig["rtol"].default, sig["atol"].default) == (1e-6, 1e-9) == (solver.rtol, solver.atol)
    assert sig["max_steps"].default == solver.max_steps == 100_000


def test_dormand_prince_uses_its_own_tolerances_and_limit(rng):
    """DormandPrince(atol=..., max_steps=...) passes both to dopri5."""
    params, I, x = nonstiff_network("paper", seed=1)
    drive = paper.input_drive(params, I)
    dt = np.ones((2, 1))
    loose = DormandPrince(rtol=1e-2, atol=1e-1).advance(paper, params, x, drive, dt, 1, 0.0)
    want = dopri5(lambda s, y: dt * paper.rhs(params, y, drive), (0.0, 1.0), x, rtol=1e-2,
                  atol=1e-1).y[-1]  # fmt: skip
    np.testing.assert_array_equal(loose, want)
    with pytest.raises(RuntimeError, match="max_steps=1 "):
        DormandPrince(rtol=1e-10, atol=1e-12, max_steps=1).advance(
            paper, params, x, drive, dt, 1, 0.0
        )


# --------------------------------------------------------------------------------------------
# Dormand–Prince: the worst-sample norm and the dense output
# --------------------------------------------------------------------------------------------


def test_rms_norm_takes_the_worst_sample():
    """RMS over the last axis, max over the leading (batch) axes; |e| for a scalar."""
    e = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    assert dp._rms_norm(e) == math.sqrt(12.5)
    assert dp._rms_norm(np.float64(-2.5)) == 2.5


def _dense_problem(dtype=np.float64):
    y0 = np.array([1.0, 0.5], dtype=dtype)
    return dopri5(lambda t, y: np.stack([-y[1], y[0]]) - 0.1 * y, (0.0, 6.0), y0, rtol=1e-8,
                  atol=1e-10, dense=True)  # fmt: skip


def test_dense_output_interpolates_every_accepted_point():
    """At each accepted t_k the continuous extension returns y_k (rows of P sum to b), on every
    step of the run (the first, the middle ones and the last)."""
    sol = _dense_problem()
    assert sol.n_accepted >= 5
    np.testing.assert_allclose(sol(sol.t), sol.y, rtol=NODE_RTOL, atol=NODE_ATOL)
    np.testing.assert_allclose(sol(sol.t[-1]), sol.y[-1], rtol=NODE_RTOL)


def test_dense_output_between_the_points_is_accurate():
    """Between accepted points the fourth-order interpolant of a damped rotation is close to
    the exact solution y(t) = e^{-0.1 t} R(t) y0 (to about the requested tolerance)."""
    sol = _dense_problem()
    mids = (sol.t[:-1] + sol.t[1:]) / 2
    c, s = np.cos(mids), np.sin(mids)
    exact = np.exp(-0.1 * mids)[:, None] * np.stack([c * 1.0 - s * 0.5, s * 1.0 + c * 0.5], 1)
    np.testing.assert_allclose(sol(mids), exact, atol=DENSE_ATOL)


def test_dense_output_keeps_float32():
    sol = _dense_problem(np.float32)
    assert sol(np.array([0.5, 2.0])).dtype == np.float32


def test_dense_output_error_message():
    sol = dopri5(lambda t, y: -y, (0.0, 1.0), np.ones(1))
    with pytest.raises(
        ValueError, match=r"^dense output needs dopri5\(\.\.\., dense=True\) and at least one step$"
    ):
        sol(0.5)


def test_dopri5_lands_exactly_on_t1():
    """The last step lands on t1 even when t + (t1 - t) rounds to just below t1 (here by one
    ulp): within 1e-12 |t1| of t1 the step end is snapped to t1, so no sliver step follows."""
    t0, t1 = 16.6906301155596, 999.0291199498496
    assert t0 + (t1 - t0) < t1  # the rounding this test is about
    sol = dopri5(lambda t, y: 0.0 * y, (t0, t1), np.ones(1), first_step=t1 - t0)
    assert sol.n_accepted == 1 and sol.t[-1] == t1
    # The tolerance's boundary is included: a step ending at t1 - 1e-12 |t1| lands on t1.
    sol = dopri5(lambda t, y: 0.0 * y, (0.0, 1.0), np.ones(1), first_step=1.0 - 1e-12)
    assert sol.n_accepted == 1 and sol.t[-1] == 1.0


def test_dopri5_keeps_the_dtype_of_y0():
    """y0's dtype is kept even when fun returns another (float64 stages for a float32 state)."""
    sol = dopri5(lambda t, y: (-y).astype(np.float64), (0.0, 1.0), np.ones(2, np.float32),
                 dense=True)  # fmt: skip
    assert sol.y.dtype == np.float32
    assert sol(0.5).dtype == np.float32


def test_dopri5_recovers_from_a_non_finite_trial_step():
    """A non-finite stage (an overshooting trial step) counts as a failed step: h shrinks by
    MIN_FACTOR = 0.2 and the integration goes on to an accurate answer."""
    rhs = lambda t, y: -50.0 * (y - np.cos(t))  # noqa: E731

    def guarded(t, y):
        return np.where(np.abs(y) > 10.0, np.inf, rhs(t, y))

    kw = dict(rtol=1e-6, atol=1e-9, first_step=1.0)
    with np.errstate(invalid="ignore"):  # the stages combine inf - inf: NumPy warns, by design
        sol, attempts = _attempts(guarded, (0.0, 3.0), np.array([2.0]), **kw)
    assert attempts[0][4] == np.inf and attempts[1][1] == pytest.approx(0.2)
    ref = dopri5(rhs, (0.0, 3.0), np.array([2.0]), rtol=1e-10, atol=1e-12)
    assert abs(sol.y[-1, 0] - ref.y[-1, 0]) <= STIFF_ATOL


def test_dopri5_accepts_a_step_whose_error_equals_the_tolerance():
    """The acceptance test is err ≤ 1, equality included: on y' = t⁵ (y0 = 0) with atol set
    to the step's |error estimate| (rtol negligible), the first step is accepted."""
    h = 0.5
    fun = lambda t, y: t**5 + 0.0 * y  # noqa: E731
    K = [fun(dp.C[i] * h, 0.0) for i in range(7)]  # y does not enter the stages
    err = h * sum(e * k for e, k in zip(dp.E.tolist(), K, strict=True) if e != 0.0)
    sol = dopri5(fun, (0.0, 1.0), np.float64(0.0), rtol=1e-300, atol=abs(err), first_step=h)
    assert sol.t[1] == h


def test_dopri5_step_underflow_threshold_is_strict():
    """A rejected step is retried while h ≥ MIN_STEP_FRACTION (t1 - t0), the boundary included:
    here the first step (rejected: the rhs is infinite after t0) shrinks by MIN_FACTOR = 0.2 to
    exactly 1e-14, is retried, and fails again at 2e-15."""

    def fun(t, y):
        return 0.0 * y if t == 0.0 else np.inf * (1.0 + 0.0 * y)

    first = 4.9999999999999995e-14
    assert first * 0.2 == 1e-14  # the arithmetic this test is about
    with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match=r"\(h=2e-15\)"):
        dopri5(fun, (0.0, 1.0), np.ones(1), first_step=first)


def test_dopri5_starting_step_at_the_threshold_is_refused():
    """The starting step must exceed MIN_STEP_FRACTION (t1 - t0): h0 = 0.01 d0/d1 = 1e-14
    exactly (d0 = 1, d1 = 1e12 with a unit scale) is an underflow."""
    with pytest.raises(RuntimeError, match=r"^dopri5: step size underflow at t=0\.0 "):
        dopri5(lambda t, y: 1e12 + 0.0 * y, (0.0, 1.0), np.float64(1.0), rtol=UNIT_SCALE[0],
               atol=UNIT_SCALE[1])  # fmt: skip


def test_dopri5_starting_step_underflow_is_reported():
    """A starting step below MIN_STEP_FRACTION of the interval (|y0| tiny against |f0|) is the
    documented underflow error, before any step is taken."""
    message = (
        r"^dopri5: step size underflow at t=0\.0 \(\|dy/dt\| = 1e\+14 in units of the "
        r"tolerance\); the solution diverges or the problem is too stiff$"
    )
    with pytest.raises(RuntimeError, match=message):
        dopri5(lambda t, y: 1e5 + 0.0 * y, (0.0, 1e6), np.float64(1e-12), rtol=1e-6, atol=1e-9)


def test_dense_output_computes_in_float64_whatever_the_query_dtype():
    """The query times are cast to float: a float32 t gives the value at that (exactly
    representable) time, computed in float64, not a float32-rounded θ."""
    sol = _dense_problem()
    t32 = np.float32(2.3)
    np.testing.assert_allclose(sol(t32), sol(float(t32)), rtol=ULP_RTOL, atol=0)
    np.testing.assert_allclose(
        sol(np.array([t32, np.float32(4.1)])),
        sol(np.array([float(t32), float(np.float32(4.1))])),
        rtol=ULP_RTOL,
        atol=0,
    )


@pytest.mark.slow
def test_dopri5_default_step_limit():
    """The default max_steps is 100 000 attempted steps (≈ 20 s: explicit steps on a problem
    stiff enough to need 3·10⁶ of them)."""
    with pytest.raises(RuntimeError, match=r"^dopri5: more than max_steps=100000 steps "):
        dopri5(lambda t, y: -1e7 * y, (0.0, 1.0), np.ones(1))


def test_dopri5_counts_every_evaluation_of_the_right_hand_side():
    """``n_fev``: one evaluation at the start, one for the starting-step heuristic, and six per
    attempted step (the seventh stage is the next step's first: first same as last)."""
    calls = []

    def fun(t, y):
        calls.append(t)
        return -50.0 * y

    sol = dopri5(fun, (0.0, 1.0), np.ones(2), rtol=1e-3, atol=1e-6)
    assert sol.n_rejected > 0
    assert sol.n_fev == len(calls) == 2 + 6 * (sol.n_accepted + sol.n_rejected)
