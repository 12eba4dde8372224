r"""The continuous adjoint method for the LTC ODE, to compare with BPTT (paper Table 1).

BPTT differentiates the *discretised* forward pass exactly and stores the states ($O(T)$
memory). The adjoint method instead differentiates the *continuous* ODE: it stores only the
final state and, walking back through the input steps, integrates the state backwards in time
together with the adjoint $a = \partial\ell/\partial x$ and the parameter cotangent
(Pontryagin; Chen et al. 2018). Within input step $t$ (input held, elapsed time
$\Delta t_b$ per sample) use the rescaled time $s \in [0, 1]$, $dx/ds = \Delta t_b F(x)$, and
integrate from $s = 1$ down to $s = 0$:

$$
\frac{dx}{ds} = \Delta t\,F(x),\quad
\frac{da}{ds} = -\Delta t\,J_x^T a,\quad
\frac{d\bar\theta}{ds} = -\Delta t\,J_\theta^T a,\quad
\frac{d\bar d}{ds} = -\Delta t\,J_d^T a,\quad
\frac{d\,\overline{\Delta t}}{ds} = -a \cdot F(x),
$$

starting from $x = h_t$, $a = \bar h_t$ (the direct cotangents of step t plus what flows back
from later steps), $\bar\theta = \bar d = \overline{\Delta t} = 0$. The end values give
$h_{t-1}$ (reconstructed, not stored), $\bar h_{t-1}$, and the step's parameter, drive and
elapsed-time cotangents. $J^T a$ is the hand-written ``rhs_vjp`` of the form.

Memory is $O(B N + P)$, independent of T. The price: the backward pass re-integrates the state
*backwards*, and an LTC is stiff — its decaying modes ($1/\tau_{sys}$ large) grow like
$e^{+\Delta t/\tau_{sys}}$ in reverse time, so the reconstructed state and the gradient lose
accuracy, or diverge, on stiff networks. `ltc_ref.gradients.adjoint_study` measures this.
"""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..forward import validate_call
from ..model import dynamics_of
from ..model.cotangents import Cotangents, add_cotangents
from ..solvers import DormandPrince, dopri5
from .bptt import _container

METHODS = ("rk4", "dopri5")


def _integrate(fun, z0, method, steps, rtol, atol):
    """Integrate ``dz/ds = fun(z)`` over s in [0, 1] (RK4 with ``steps`` steps, or Dormand–Prince).
    Returns ``(z1, n_steps)``."""
    if method == "rk4":
        h = 1.0 / steps
        z = z0
        for _ in range(steps):
            k1 = fun(z)
            k2 = fun(z + 0.5 * h * k1)
            k3 = fun(z + 0.5 * h * k2)
            k4 = fun(z + h * k3)
            z = z + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return z, steps
    sol = dopri5(lambda s, z: fun(z), (0.0, 1.0), z0, rtol=rtol, atol=atol)
    return sol.y[-1], sol.n_accepted


class _Packer:
    """Packs the augmented state (x, a, parameter cotangents, drive cotangent, dt cotangent)
    into one flat vector for the integrator, and back."""

    def __init__(self, params, B, N, drive_is_pair):
        self.fields = list(params.ARRAY_FIELDS)
        self.shapes = [getattr(params, k).shape for k in self.fields]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.B, self.N, self.pair = B, N, drive_is_pair
        n_drive = (2 if drive_is_pair else 1) * B * N
        self.layout = [2 * B * N, sum(self.sizes), n_drive, B]

    def pack(self, x, a, g_params, g_drive, g_dt):
        gp = [
            np.ravel(g_params.get(k, np.zeros(s)))
            for k, s in zip(self.fields, self.shapes, strict=True)
        ]
        gd = np.concatenate([np.ravel(g) for g in g_drive]) if self.pair else np.ravel(g_drive)
        return np.concatenate([np.ravel(x), np.ravel(a), *gp, gd, np.ravel(g_dt)])

    def unpack(self, z):
        B, N = self.B, self.N
        x = z[: B * N].reshape(B, N)
        a = z[B * N : 2 * B * N].reshape(B, N)
        start = 2 * B * N
        g_params = {}
        for k, s, n in zip(self.fields, self.shapes, self.sizes, strict=True):
            g_params[k] = z[start : start + n].reshape(s)
            start += n
        if self.pair:
            g_drive = (
                z[start : start + B * N].reshape(B, N),
                z[start + B * N : start + 2 * B * N].reshape(B, N),
            )
            start += 2 * B * N
        else:
            g_drive = z[start : start + B * N].reshape(B, N)
            start += B * N
        return x, a, g_params, g_drive, z[start : start + B].reshape(B, 1)


def adjoint_vjp(
    params,
    x,
    g_y,
    *,
    g_h=None,
    h0=None,
    dt=1.0,
    method="rk4",
    steps=6,
    rtol=1e-6,
    atol=1e-9,
    return_stats=False,
):
    r"""Cotangents of the continuous LTC sequence map by the adjoint method.

    Same arguments and returns as `ltc_ref.vjp`, but the forward pass and the backward
    re-integration use ``method``: ``"rk4"`` with ``steps`` fixed steps per input step, or
    ``"dopri5"`` with tolerances ``rtol``/``atol``. The result approximates the gradient of the
    *continuous* ODE solution (as the forward pass does), not of a discretisation.

    Arguments:
        params: `PaperParams` or `SynapticParams`.
        x: ``(B, T, C)`` or ``(T, C)``.
        g_y: cotangent of the outputs, like `ltc_ref.vjp`.
        g_h: optional cotangent of the states.
        h0: initial state.
        dt: elapsed times, as for `ltc_ref.forward`.
        method: ``"rk4"`` or ``"dopri5"``.
        steps: RK4 steps per input step, forward and backward.
        rtol: Dormand–Prince relative tolerance.
        atol: Dormand–Prince absolute tolerance.
        return_stats: also return a dict with the forward and backward step counts and the
            reconstruction error of the initial state, $\max|h_0^{rec} - h_0|$.

    Returns:
        g_params (Cotangents): as `ltc_ref.vjp` returns them.
        g_x (np.ndarray): like ``x``.
        g_h0 (np.ndarray): like ``h0``.
        g_dt (float | np.ndarray): in the form ``dt`` was given.
        stats (dict): only with ``return_stats=True``: the forward and backward step counts and the
            reconstruction error of the initial state.
    """
    v.check_choice("method", method, METHODS)
    steps = v.check_int("steps", steps, minimum=1)
    solver = "rk4" if method == "rk4" else DormandPrince(rtol=rtol, atol=atol)
    call = validate_call(params, x, h0, dt, steps, solver, 0.0)
    dynamics = dynamics_of(params)
    B, T, _ = call.x.shape
    N = params.n_units
    g_y, g_h = call.output_cotangents(params, g_y, g_h)

    # Forward: keep only the current state (O(1) in T).
    h, n_forward = call.h0, 0
    for t in range(T):
        drive = dynamics.input_drive(params, call.x[:, t])
        dt_t = call.dt[:, t : t + 1]
        h, n = _integrate(
            lambda z, d=drive, s=dt_t: s * dynamics.rhs(params, z, d), h, method, steps, rtol, atol
        )
        n_forward += n

    # Backward: re-integrate the state together with the adjoint.
    g_params = {}
    g_x = np.zeros_like(call.x)
    g_dt = np.zeros_like(call.dt)
    a = np.zeros_like(h)
    n_backward = 0
    for t in range(T - 1, -1, -1):
        gp, g_state = dynamics.output_vjp(params, h, g_y[:, t])
        add_cotangents(g_params, gp)
        a = a + g_state + (g_h[:, t] if g_h is not None else 0.0)
        I = call.x[:, t]
        drive = dynamics.input_drive(params, I)
        dt_t = call.dt[:, t : t + 1]
        packer = _Packer(params, B, N, isinstance(drive, tuple))

        def backward_field(z, drive=drive, dt_t=dt_t, packer=packer):
            # In sigma = 1 - s every term changes sign: dz/dsigma = -dz/ds.
            xs, adj, _, _, _ = packer.unpack(z)
            F = dynamics.rhs(params, xs, drive)
            gp_, g_x_, g_d_ = dynamics.rhs_vjp(params, xs, drive, dt_t * adj)
            return packer.pack(-dt_t * F, g_x_, gp_, g_d_, np.sum(adj * F, axis=-1))

        zero_drive = (np.zeros_like(h), np.zeros_like(h)) if packer.pair else np.zeros_like(h)
        z0 = packer.pack(h, a, {}, zero_drive, np.zeros(B))
        z1, n = _integrate(backward_field, z0, method, steps, rtol, atol)
        n_backward += n
        h, a, gp, g_drive, g_dt_t = packer.unpack(z1)
        add_cotangents(g_params, gp)
        gp, g_x[:, t] = dynamics.input_drive_vjp(params, I, g_drive)
        add_cotangents(g_params, gp)
        g_dt[:, t] = g_dt_t[:, 0]

    g_params = Cotangents.of(params, _container(params, g_params))
    result = (g_params, *call.input_cotangents(g_x, a, g_dt))
    if return_stats:
        stats = {
            "forward_steps": n_forward,
            "backward_steps": n_backward,
            "h0_reconstruction_error": float(np.max(np.abs(h - call.h0))),
        }
        return (*result, stats)
    return result


__all__ = ["METHODS", "adjoint_vjp"]
