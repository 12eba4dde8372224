"""Explicit Euler."""

from __future__ import annotations

from ..model.cotangents import reduce_to
from ._base import FixedStepSolver


class Euler(FixedStepSolver):
    r"""L explicit Euler sub-steps, $x \leftarrow x + h\,\dot x(x)$. First order; no
    stability or boundedness guarantee (it leaves Theorem 2's bounds for large h)."""

    name = "euler"
    order = 1

    def step(self, dynamics, params, x, drive, h, epsilon):
        return x + h * dynamics.rhs(params, x, drive)

    def step_vjp(self, dynamics, params, x, drive, h, epsilon, g):
        r"""$\bar x = \bar x' + h\,J^T \bar x'$, parameters and drive through
        $h\,\bar x'$, and $\bar h = \sum_j \bar x' \dot x$."""
        g_params, g_x, g_drive = dynamics.rhs_vjp(params, x, drive, h * g)
        g_step = reduce_to(g * dynamics.rhs(params, x, drive), h)
        return g_params, g + g_x, g_drive, g_step
