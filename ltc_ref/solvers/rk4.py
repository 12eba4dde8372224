"""The classical fourth-order Runge–Kutta method."""

from __future__ import annotations

from ..model.cotangents import add_cotangents, add_drive_cotangents, reduce_to
from ._base import FixedStepSolver


class RK4(FixedStepSolver):
    r"""L classical Runge–Kutta sub-steps (fourth order):

    $$
        k_1 = \dot x(x),\ k_2 = \dot x(x + \tfrac h2 k_1),\ k_3 = \dot x(x + \tfrac h2 k_2),\
        k_4 = \dot x(x + h k_3),\quad x \leftarrow x + \tfrac h6 (k_1 + 2k_2 + 2k_3 + k_4)
    $$

    The input is held constant, so the vector field is autonomous within the step.
    """

    name = "rk4"
    order = 4

    def step(self, dynamics, params, x, drive, h, epsilon):
        k1 = dynamics.rhs(params, x, drive)
        k2 = dynamics.rhs(params, x + 0.5 * h * k1, drive)
        k3 = dynamics.rhs(params, x + 0.5 * h * k2, drive)
        k4 = dynamics.rhs(params, x + h * k3, drive)
        return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    def step_vjp(self, dynamics, params, x, drive, h, epsilon, g):
        r"""Reverse sweep through the four stages. With $y_2 = x + \tfrac h2 k_1$,
        $y_3 = x + \tfrac h2 k_2$, $y_4 = x + h k_3$ and $k_i = F(y_i)$:
        $\bar k_1 = \bar k_4 = \tfrac h6 \bar x'$, $\bar k_2 = \bar k_3 = \tfrac h3 \bar x'$;
        then for $i = 4, 3, 2$: $\bar y_i = J(y_i)^T \bar k_i$ adds to $\bar x$ and to the
        previous stage's $\bar k$ (times $h$ or $h/2$); finally $\bar x \mathrel{+}= J(x)^T
        \bar k_1$. $\bar h$ collects $\bar x' \cdot (k_1 + 2k_2 + 2k_3 + k_4)/6$ and
        $\bar y_i \cdot$ the stage increments."""
        F = dynamics.rhs
        k1 = F(params, x, drive)
        y2 = x + 0.5 * h * k1
        k2 = F(params, y2, drive)
        y3 = x + 0.5 * h * k2
        k3 = F(params, y3, drive)
        y4 = x + h * k3
        g_k = [g * (h / 6.0), g * (h / 3.0), g * (h / 3.0), g * (h / 6.0)]
        g_step = g * (k1 + 2.0 * k2 + 2.0 * k3 + (F(params, y4, drive))) / 6.0
        g_x = g
        g_params, g_drive = {}, None
        # stage 4: y4 = x + h k3
        gp, g_y4, gd = dynamics.rhs_vjp(params, y4, drive, g_k[3])
        g_params, g_drive = _acc(g_params, g_drive, gp, gd)
        g_x = g_x + g_y4
        g_k[2] = g_k[2] + h * g_y4
        g_step = g_step + g_y4 * k3
        # stage 3: y3 = x + h/2 k2
        gp, g_y3, gd = dynamics.rhs_vjp(params, y3, drive, g_k[2])
        g_params, g_drive = _acc(g_params, g_drive, gp, gd)
        g_x = g_x + g_y3
        g_k[1] = g_k[1] + 0.5 * h * g_y3
        g_step = g_step + 0.5 * g_y3 * k2
        # stage 2: y2 = x + h/2 k1
        gp, g_y2, gd = dynamics.rhs_vjp(params, y2, drive, g_k[1])
        g_params, g_drive = _acc(g_params, g_drive, gp, gd)
        g_x = g_x + g_y2
        g_k[0] = g_k[0] + 0.5 * h * g_y2
        g_step = g_step + 0.5 * g_y2 * k1
        # stage 1: k1 = F(x)
        gp, g_x1, gd = dynamics.rhs_vjp(params, x, drive, g_k[0])
        g_params, g_drive = _acc(g_params, g_drive, gp, gd)
        return g_params, g_x + g_x1, g_drive, reduce_to(g_step, h)


def _acc(g_params, g_drive, gp, gd):
    add_cotangents(g_params, gp)
    return g_params, gd if g_drive is None else add_drive_cotangents(g_drive, gd)
