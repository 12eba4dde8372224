r"""Adaptive Dormand–Prince 5(4) with dense output (the solver of the paper's trajectory study).

Butcher tableau of J. R. Dormand and P. J. Prince, "A family of embedded Runge-Kutta formulae",
J. Comp. Appl. Math. 6 (1980); fifth-order solution with local extrapolation, fourth-order
embedded error estimate, first-same-as-last (FSAL). Dense output: the fourth-order continuous
extension of Shampine (1986) as given in Hairer, Nørsett & Wanner, *Solving Ordinary Differential
Equations I*, §II.6. Step-size control: the standard controller
$h \leftarrow h \cdot \min(10, \max(0.2, 0.9\,\mathrm{err}^{-1/5}))$ on the RMS error norm
scaled by ``atol + rtol * max(|y_n|, |y_{n+1}|)``, taking the worst sample of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validation as v
from ._base import Solver

# Nodes c_i, coefficients a_ij, fifth-order weights b_i (= the last row of a: FSAL).
C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
B5 = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
# Fourth-order embedded weights b*_i; the error estimate is h * sum_i (b_i - b*_i) k_i.
B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
E = B5 - B4
# Dense output: y(t + theta h) = y + h * sum_i k_i * (P[i] @ [theta, theta^2, theta^3, theta^4]).
# Each row sums to b_i, so theta = 1 reproduces the step's end point.
P = np.array(
    [
        [1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [
            0.0,
            127303824393 / 49829197408,
            -318862633887 / 49829197408,
            701980252875 / 199316789632,
        ],
        [0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)

SAFETY = 0.9  # fraction of the optimal step the controller takes
MIN_FACTOR = 0.2  # largest shrink of h in one step
MAX_FACTOR = 10.0  # largest growth of h in one step
ORDER_EXPONENT = 1 / 5  # error ~ h^5 for the embedded fourth-order estimate
MIN_STEP_FRACTION = 1e-14  # a step this small relative to the interval is a failure, not progress


def _rms_norm(e):
    """RMS over the last axis, max over leading (batch) axes: the worst sample decides."""
    e = np.asarray(e)
    if e.ndim == 0:
        return float(abs(e))
    return float(np.max(np.sqrt(np.mean(e * e, axis=-1))))


@dataclass
class DopriSolution:
    """Result of `dopri5`.

    Attributes:
        t: ``(K,)`` the accepted step end points, starting at ``t0`` and ending at ``t1``.
        y: ``(K, *shape)`` the solution at ``t``.
        n_accepted, n_rejected: step counts.
        n_fev: number of right-hand-side evaluations.
    """

    t: np.ndarray
    y: np.ndarray
    n_accepted: int
    n_rejected: int
    n_fev: int
    _steps: list = field(default_factory=list, repr=False)

    def __call__(self, t):
        """Dense output at time(s) ``t`` inside ``[t0, t1]``: ``(*shape)`` for a scalar ``t``,
        ``(len(t), *shape)`` for a 1-D array. Fourth-order accurate. Needs ``dense=True``."""
        if not self._steps:
            raise ValueError("dense output needs dopri5(..., dense=True) and at least one step")
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        lo, hi = self.t[0], self.t[-1]
        if np.any((ts < min(lo, hi)) | (ts > max(lo, hi))):
            raise ValueError(f"t: expected values inside [{lo}, {hi}], got {ts}")
        starts = np.array([s[0] for s in self._steps])
        out = []
        for tq in ts:
            i = int(np.clip(np.searchsorted(starts, tq, side="right") - 1, 0, len(starts) - 1))
            t0, h, y0, K = self._steps[i]
            theta = (tq - t0) / h
            q = P @ np.array([theta, theta**2, theta**3, theta**4])
            out.append((y0 + h * np.tensordot(q, K, axes=(0, 0))).astype(y0.dtype))
        out = np.stack(out)
        return out[0] if np.ndim(t) == 0 else out


def dopri5(
    fun,
    t_span,
    y0,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    first_step: float | None = None,
    max_steps: int = 100_000,
    dense: bool = False,
) -> DopriSolution:
    r"""Integrate $dy/dt = \mathrm{fun}(t, y)$ from ``t_span[0]`` to ``t_span[1] > t0``.

    Arguments:
        fun: callable ``(t, y) -> dy/dt`` with ``y``'s shape (e.g. ``(B, N)``).
        t_span: ``(t0, t1)`` with ``t1 > t0``.
        y0: initial value, any shape; its dtype is kept.
        rtol: relative tolerance of the local error (> 0).
        atol: absolute tolerance of the local error (> 0).
        first_step: initial step; ``None`` selects it as in Hairer et al. §II.4.
        max_steps: raise ``RuntimeError`` after this many attempted steps.
        dense: keep the stages of every accepted step for `DopriSolution.__call__`.

    Returns:
        `DopriSolution` with the accepted points and the step counts.
    """
    t0, t1 = (float(t) for t in t_span)
    if not t1 > t0:
        raise ValueError(f"t_span: expected t1 > t0, got ({t0}, {t1})")
    rtol = v.check_real("rtol", rtol)
    atol = v.check_real("atol", atol)
    if rtol <= 0 or atol <= 0:
        raise ValueError(f"rtol, atol: expected > 0, got rtol={rtol}, atol={atol}")
    y = np.asarray(y0)
    dtype = y.dtype
    k1 = np.asarray(fun(t0, y), dtype=dtype)
    n_fev = 1
    _check_finite_rhs(k1, t0)
    if first_step is None:
        h, extra = _initial_step(fun, t0, y, k1, t1 - t0, rtol, atol)
        n_fev += extra
    else:
        h = min(float(first_step), t1 - t0)
    ts, ys, steps = [t0], [y], []
    t = t0
    n_acc = n_rej = 0
    while t < t1:
        if n_acc + n_rej >= max_steps:
            raise RuntimeError(f"dopri5: more than max_steps={max_steps} steps before t1={t1}")
        h = min(h, t1 - t)
        y_new, err, K = attempt_step(fun, t, y, k1, h)
        n_fev += 6
        scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
        # A non-finite stage (overflow of a diverging trajectory) counts as a failed step.
        err_norm = _rms_norm(err / scale)
        if not np.isfinite(err_norm):
            err_norm = np.inf
        if err_norm <= 1.0:
            if dense:
                steps.append((t, h, y, np.stack(K)))
            # Land exactly on t1 on the last step despite rounding of t + h.
            t = t1 if t + h >= t1 - 1e-12 * abs(t1) else t + h
            y, k1 = y_new, K[6]  # first-same-as-last
            _check_finite_rhs(k1, t)
            ts.append(t)
            ys.append(y)
            n_acc += 1
            factor = MAX_FACTOR if err_norm == 0 else SAFETY * err_norm**-ORDER_EXPONENT
            h *= min(MAX_FACTOR, factor)
        else:
            n_rej += 1
            h *= max(MIN_FACTOR, SAFETY * err_norm**-ORDER_EXPONENT)
            if h < MIN_STEP_FRACTION * (t1 - t0):
                raise RuntimeError(
                    f"dopri5: step size underflow at t={t} (h={h:.3g}); the problem is too "
                    f"stiff for rtol={rtol}, atol={atol} or the solution diverges"
                )
    return DopriSolution(
        t=np.array(ts), y=np.stack(ys), n_accepted=n_acc, n_rejected=n_rej, n_fev=n_fev,
        _steps=steps,
    )  # fmt: skip


def attempt_step(fun, t, y, k1, h):
    r"""One Dormand–Prince 5(4) step of length ``h`` from ``(t, y)``, not yet accepted.

    Arguments:
        fun: callable ``(t, y) -> dy/dt``.
        t: start of the step.
        y: state at ``t``, any shape; its dtype is kept.
        k1: ``fun(t, y)`` (the previous step's last stage: first-same-as-last).
        h: step length.

    Returns:
        y_new (np.ndarray): the fifth-order solution at ``t + h``, of ``y``'s shape.
        err (np.ndarray): the local error estimate $h \sum_i (b_i - b^*_i) k_i$, of ``y``'s shape.
        K (list): the stages, seven arrays, ``K[6] = fun(t + h, y_new)`` (six new evaluations).
    """
    dtype = np.asarray(y).dtype
    K = [k1]
    for i in range(1, 7):
        yi = y + h * sum(a * k for a, k in zip(A[i], K, strict=False) if a != 0.0)
        K.append(np.asarray(fun(t + C[i] * h, yi), dtype=dtype))
    # Python-float coefficients (.tolist()): a NumPy float64 scalar would promote a float32
    # state to float64.
    y_new = y + h * sum(b * k for b, k in zip(B5.tolist(), K, strict=True) if b != 0.0)
    err = h * sum(e * k for e, k in zip(E.tolist(), K, strict=True) if e != 0.0)
    return y_new, err, K


def _check_finite_rhs(k, t):
    if not np.all(np.isfinite(k)):
        raise RuntimeError(f"dopri5: the right-hand side is not finite at t={t}")


def _initial_step(fun, t0, y0, f0, interval, rtol, atol):
    """Starting step size (Hairer, Nørsett & Wanner, §II.4): a step whose explicit Euler error
    estimate is about the tolerance. Returns ``(h, number of extra evaluations)``."""
    scale = atol + np.abs(y0) * rtol
    d0 = _rms_norm(y0 / scale)
    d1 = _rms_norm(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, interval)
    if not h0 > MIN_STEP_FRACTION * interval:
        raise RuntimeError(
            f"dopri5: step size underflow at t={t0} (|dy/dt| = {d1:.3g} in units of the "
            f"tolerance); the solution diverges or the problem is too stiff"
        )
    f1 = np.asarray(fun(t0 + h0, y0 + h0 * f0))
    d2 = _rms_norm((f1 - f0) / scale) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** ORDER_EXPONENT
    return min(100 * h0, h1, interval), 1


@dataclass(frozen=True)
class DormandPrince(Solver):
    r"""Adaptive Dormand–Prince 5(4) over each input step (see `dopri5`).

    One input step of elapsed time $\Delta t_b$ (per sample *b*) integrates the held-input
    ODE in the rescaled time $s \in [0, 1]$, $dx/ds = \Delta t_b\,\dot x(x)$, so that
    samples with different $\Delta t$ share one step-size sequence (controlled by the
    worst sample). ``unfolds`` is not used: the controller chooses the steps.

    Attributes:
        rtol, atol: tolerances of the local error.
        max_steps: limit per input step.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    max_steps: int = 100_000

    name = "dopri5"
    order = 5  # the propagated solution; the embedded error estimate is of order 4

    def advance(self, dynamics, params, x, drive, dt, unfolds, epsilon):
        def fun(s, state):
            return dt * dynamics.rhs(params, state, drive)

        sol = dopri5(fun, (0.0, 1.0), x, rtol=self.rtol, atol=self.atol, max_steps=self.max_steps)
        return sol.y[-1]
