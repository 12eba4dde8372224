"""Explicit Euler."""

from __future__ import annotations

from ._base import FixedStepSolver


class Euler(FixedStepSolver):
    r"""L explicit Euler sub-steps, $x \leftarrow x + h\,\dot x(x)$. First order; no
    stability or boundedness guarantee (it leaves Theorem 2's bounds for large h)."""

    name = "euler"

    def step(self, dynamics, params, x, drive, h, epsilon):
        return x + h * dynamics.rhs(params, x, drive)
