r"""Dormand–Prince 5(4) with the step control of MATLAB's ``ode45`` (the authors' solver).

The paper's trajectory-length study ran MATLAB's ``ode45`` with ``RelTol = 1e-2``,
``AbsTol = 1e-4`` and every other option at its default (``AUTHORS_CODE.md``, the project's
notes on the authors' code).
Its figures depend on that solver's step control and output rules, which differ from
`ltc_ref.dopri5`'s (Hairer–Wanner) controller. This module writes them down from
L. F. Shampine and M. W. Reichelt, "The MATLAB ODE Suite", SIAM J. Sci. Comput. 18 (1997),
and the documented defaults of ``ode45``; the Runge–Kutta tableau is `ltc_ref.dopri5`'s
(`attempt_step`). With $\mathrm{rtol}$, $\mathrm{atol}$, the threshold
$\theta = \mathrm{atol}/\mathrm{rtol}$ and the time span $[t_0, t_f]$:

* **Maximum step** $h_{\max}$ = ``max_step``, by default $|t_f - t_0| / 10$.
* **Initial step**: $h = \min(h_{\max}, |t_f - t_0|)$, reduced to $1/r$ when $h\,r > 1$,
  where $r = \lVert f(t_0, y_0) / \max(|y_0|, \theta) \rVert_\infty / (0.8\,
  \mathrm{rtol}^{1/5})$.
* **Error norm** of a step from $y$ to $y_{\text{new}}$ with estimate $e = h \sum_i
  (b_i - b^*_i) k_i$: $\mathrm{err} = \lVert e / \max(|y|, |y_{\text{new}}|, \theta)
  \rVert_\infty$; the step is accepted when $\mathrm{err} \le \mathrm{rtol}$.
* **Rejection**: the first rejection of a step shrinks $h$ by
  $\max(0.1, 0.8\,(\mathrm{rtol}/\mathrm{err})^{1/5})$ (at most 10×); further rejections of
  the same step halve it. The step after a rejected attempt keeps its size (no growth).
* **Growth** after a step accepted at its first attempt: $h \leftarrow h / q$ with
  $q = 1.25\,(\mathrm{err}/\mathrm{rtol})^{1/5}$, at most 5× ($q$ floored at 0.2).
* Before every step $h \leftarrow \min(h_{\max}, \max(h_{\min}, h))$ with
  $h_{\min} = 16\,\epsilon(t)$ (16 units in the last place of $t$), and a step that would end
  within 10 % of $t_f$ is stretched to end exactly there.
* **Output** (``Refine``): for each accepted step, ``refine - 1`` rows at
  $t + h j / \mathrm{refine}$, $j = 1, \dots, \mathrm{refine}-1$, from the method's free
  fourth-order continuous extension (the interpolant of L. F. Shampine, "Some practical
  Runge-Kutta formulas", Math. Comp. 46 (1986), the one ``ode45`` uses; `BI` below), then the
  step's end. The first row is $(t_0, y_0)$, so a run of $n$ steps returns
  $1 + \mathrm{refine}\cdot n$ rows.

Not emulated: events, ``NormControl``, non-negativity, a ``tspan`` of more than two points
(MATLAB then outputs at those points only), complex states. Where MATLAB accepts a step whose
error is NaN (``NaN > rtol`` is false), `ode45` raises instead: a non-finite state is an error
here, never a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from .dormand_prince import attempt_step

ORDER_EXPONENT = 1 / 5  # "pow" of Shampine & Reichelt: the error of the 4th-order estimate ~ h^5
INITIAL_SAFETY = 0.8  # the initial-step heuristic aims at 0.8 rtol^(1/5) per unit of |f|/|y|
GROWTH_SAFETY = 1.25  # the growth rule divides h by 1.25 (err/rtol)^(1/5) ...
MAX_GROWTH = 5.0  # ... but grows it at most 5x per step
FIRST_REJECTION_SAFETY = 0.8  # a first rejection shrinks h by max(0.1, 0.8 (rtol/err)^(1/5))
MAX_FIRST_SHRINK = 0.1  # ... i.e. by at most 10x
REPEATED_REJECTION_FACTOR = 0.5  # further rejections of the same step halve it
STRETCH = 1.1  # a step that ends within 10 % of t_f is stretched to t_f
DEFAULT_MAX_STEP_FRACTION = 0.1  # MaxStep defaults to a tenth of the time span
MIN_STEP_ULPS = 16  # hmin = 16 eps(t)
DEFAULT_REFINE = 4  # ode45's default Refine

#: The continuous extension: $y(t + s h) = y + h \sum_i k_i\,(BI_i \cdot (s, s^2, s^3, s^4))$.
#: Rows are stages; each row sums to the fifth-order weight $b_i$, so $s = 1$ gives the step's
#: end, and the linear column is $(1, 0, \dots, 0)$, so the derivative at $s = 0$ is $k_1$.
BI = np.array(
    [
        [1.0, -183 / 64, 37 / 12, -145 / 128],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 1500 / 371, -1000 / 159, 1000 / 371],
        [0.0, -125 / 32, 125 / 12, -375 / 64],
        [0.0, 9477 / 3392, -729 / 106, 25515 / 6784],
        [0.0, -11 / 7, 11 / 3, -55 / 28],
        [0.0, 3 / 2, -4.0, 5 / 2],
    ]
)


@dataclass
class Ode45Solution:
    """Result of `ode45`.

    Attributes:
        t: ``(R,)`` output times (MATLAB's ``t``): $t_0$, then ``refine`` rows per accepted
            step; ``R = 1 + refine * n_accepted``.
        y: ``(R, *shape)`` the solution at ``t`` (MATLAB's ``y``, one row per time).
        step_ends: ``(n_accepted + 1,)`` $t_0$ and the end of every accepted step.
        step_sizes: ``(n_accepted,)`` the accepted step lengths.
        n_accepted: successful steps (MATLAB's ``stats.nsteps``).
        n_rejected: failed attempts (``stats.nfailed``).
        n_fev: right-hand-side evaluations (``stats.nfevals``).
    """

    t: np.ndarray
    y: np.ndarray
    step_ends: np.ndarray
    step_sizes: np.ndarray
    n_accepted: int
    n_rejected: int
    n_fev: int


def continuous_extension(y, h, K, s):
    r"""The fourth-order interpolant of one step, $y + h \sum_i k_i (BI_i \cdot (s, s^2, s^3,
    s^4))$.

    Arguments:
        y: state at the start of the step, any shape.
        h: the step length.
        K: the seven stages of the step (`attempt_step`), each of ``y``'s shape.
        s: ``(m,)`` fractions of the step in $[0, 1]$.

    Returns:
        ``(m, *y.shape)``.
    """
    s = np.asarray(s, dtype=float)
    powers = np.stack([s, s**2, s**3, s**4])  # (4, m)
    weights = BI @ powers  # (7, m)
    return y + h * np.tensordot(weights.T, np.stack(K), axes=(1, 0))


def _max_norm(x):
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


def ode45(
    fun,
    t_span,
    y0,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-6,
    max_step: float | None = None,
    initial_step: float | None = None,
    refine: int = DEFAULT_REFINE,
    max_steps: int = 1_000_000,
) -> Ode45Solution:
    r"""Integrate $dy/dt = \mathrm{fun}(t, y)$ over ``t_span`` as MATLAB's
    ``ode45(fun, [t0 tf], y0, odeset(...))`` does (see the module docstring for the rules).

    Arguments:
        fun: callable ``(t, y) -> dy/dt`` with ``y``'s shape.
        t_span: ``(t0, tf)`` with ``tf > t0`` (MATLAB also integrates backwards; not here).
        y0: initial value, any shape, float64 (MATLAB computes in double).
        rtol: ``RelTol`` (> 0; MATLAB's default 1e-3).
        atol: ``AbsTol`` (> 0, a scalar; MATLAB's default 1e-6).
        max_step: ``MaxStep`` (> 0); ``None`` = MATLAB's default $|t_f - t_0|/10$;
            ``numpy.inf`` removes the cap.
        initial_step: ``InitialStep`` (> 0); ``None`` = the heuristic.
        refine: ``Refine``, output rows per accepted step (integer >= 1; default 4).
        max_steps: raise ``RuntimeError`` after this many attempted steps (not a MATLAB
            option: a guard against runs that would take hours).

    Returns:
        `Ode45Solution`.

    Raises:
        RuntimeError: the step fell below $16\,\epsilon(t)$ (MATLAB: "Unable to meet
            integration tolerances"), the state or its derivative is not finite, or more
            than ``max_steps`` attempts were needed.
    """
    t0, tf = (float(t) for t in t_span)
    if not tf > t0:
        raise ValueError(f"t_span: expected tf > t0, got ({t0}, {tf})")
    rtol = v.check_real("rtol", rtol)
    atol = v.check_real("atol", atol)
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol, atol: expected > 0, got rtol={rtol}, atol={atol}")
    span = tf - t0
    if max_step is None:
        h_max = DEFAULT_MAX_STEP_FRACTION * span
    else:
        if isinstance(max_step, bool) or not isinstance(max_step, int | float | np.floating):
            raise TypeError(f"max_step: expected a real number, got {max_step!r}")
        h_max = float(max_step)
        if not h_max > 0:  # also rejects NaN; inf is allowed (no cap)
            raise ValueError(f"max_step: expected > 0 (or inf), got {max_step}")
    h_max = min(h_max, span)
    refine = v.check_int("refine", refine, minimum=1)
    max_steps = v.check_int("max_steps", max_steps, minimum=1)
    y = np.array(y0, dtype=float)
    threshold = atol / rtol
    k1 = np.asarray(fun(t0, y), dtype=float)
    n_fev = 1
    _check_finite(k1, t0, "the right-hand side")

    if initial_step is None:
        h = min(h_max, span)
        rh = _max_norm(k1 / np.maximum(np.abs(y), threshold)) / (
            INITIAL_SAFETY * rtol**ORDER_EXPONENT
        )
        if h * rh > 1:
            h = 1 / rh
    else:
        h = v.check_real("initial_step", initial_step)
        if not h > 0:
            raise ValueError(f"initial_step: expected > 0, got {initial_step}")
        h = min(h, span)
    h = max(h, MIN_STEP_ULPS * np.spacing(t0))

    fractions = np.arange(1, refine) / refine
    ts, ys = [t0], [y]
    ends, sizes = [t0], []
    t = t0
    n_acc = n_rej = 0
    done = False
    while not done:
        h_min = MIN_STEP_ULPS * np.spacing(t)
        h = min(h_max, max(h_min, h))
        if STRETCH * h >= tf - t:
            h, done = tf - t, True
        first_attempt = True
        while True:
            if n_acc + n_rej >= max_steps:
                raise RuntimeError(
                    f"ode45: more than max_steps={max_steps} attempted steps before tf={tf} "
                    f"(reached t={t:.6g} with h={h:.3g}); the problem is stiff"
                )
            y_new, e, K = attempt_step(fun, t, y, k1, h)
            n_fev += 6
            t_new = tf if done else t + h
            h = t_new - t  # the step actually taken (MATLAB: h = tnew - t)
            err = _max_norm(e / np.maximum(np.maximum(np.abs(y), np.abs(y_new)), threshold))
            if not np.isfinite(err):
                raise RuntimeError(
                    f"ode45: the error estimate is not finite at t={t:.6g} (h={h:.3g}): the "
                    "solution diverges"
                )
            if err <= rtol:
                break
            n_rej += 1
            if h <= h_min:
                raise RuntimeError(
                    f"ode45: unable to meet the tolerances without a step below the minimum "
                    f"{h_min:.3g} at t={t:.6g}"
                )
            if first_attempt:
                first_attempt = False
                shrink = FIRST_REJECTION_SAFETY * (rtol / err) ** ORDER_EXPONENT
                h = max(h_min, h * max(MAX_FIRST_SHRINK, shrink))
            else:
                h = max(h_min, REPEATED_REJECTION_FACTOR * h)
            done = False
        n_acc += 1
        _check_finite(K[6], t_new, "the right-hand side")
        if refine > 1:
            rows = continuous_extension(y, h, K, fractions)
            ts.extend(t + h * fractions)
            ys.extend(rows)
        ts.append(t_new)
        ys.append(y_new)
        ends.append(t_new)
        sizes.append(h)
        if first_attempt:
            q = GROWTH_SAFETY * (err / rtol) ** ORDER_EXPONENT
            h = h / q if q > 1 / MAX_GROWTH else MAX_GROWTH * h
        t, y, k1 = t_new, y_new, K[6]  # first-same-as-last
    return Ode45Solution(
        t=np.array(ts), y=np.stack(ys), step_ends=np.array(ends), step_sizes=np.array(sizes),
        n_accepted=n_acc, n_rejected=n_rej, n_fev=n_fev,
    )  # fmt: skip


def _check_finite(k, t, what):
    if not np.all(np.isfinite(k)):
        raise RuntimeError(f"ode45: {what} is not finite at t={t:.6g}: the solution diverges")
