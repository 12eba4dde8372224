"""The classical fourth-order Runge–Kutta method."""

from __future__ import annotations

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

    def step(self, dynamics, params, x, drive, h, epsilon):
        k1 = dynamics.rhs(params, x, drive)
        k2 = dynamics.rhs(params, x + 0.5 * h * k1, drive)
        k3 = dynamics.rhs(params, x + 0.5 * h * k2, drive)
        k4 = dynamics.rhs(params, x + h * k3, drive)
        return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
