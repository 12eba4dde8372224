"""The tiny interface every solver implements.

A solver advances the state over one input step of elapsed time Δt, with the input held constant
(zero-order hold), by calling the form's ``rhs`` or ``fused_step`` (see
`ltc_ref.model.dynamics_of`).
"""

from __future__ import annotations

import abc
from typing import ClassVar


class Solver(abc.ABC):
    """Advance an LTC state over one input step.

    Subclasses set ``name`` (the string accepted by ``ltc_ref.forward(..., solver=name)``) and
    implement `advance`.
    """

    name: ClassVar[str]
    #: Whether the solver uses ``epsilon`` (only the fused step has a denominator to guard).
    uses_epsilon: ClassVar[bool] = False

    @abc.abstractmethod
    def advance(self, dynamics, params, x, drive, dt, unfolds, epsilon):
        """Return the state after elapsed time ``dt``.

        Arguments:
            dynamics: the form's module (`ltc_ref.model.paper` or ``.conductance``).
            params: the parameters of that form.
            x: ``(B, N)`` state at the start of the input step.
            drive: ``dynamics.input_drive(params, I)`` of the held input.
            dt: ``(B, 1)`` elapsed time of this input step, per sample.
            unfolds: L, the number of sub-steps of a fixed-step solver.
            epsilon: the fused step's ε (0 for the other solvers).

        Returns:
            ``(B, N)``.
        """


class FixedStepSolver(Solver):
    """A solver that takes L equal sub-steps of length Δt/L (the paper's "unfolds")."""

    @abc.abstractmethod
    def step(self, dynamics, params, x, drive, h, epsilon):
        """One sub-step of length ``h`` (``(B, 1)``)."""

    def advance(self, dynamics, params, x, drive, dt, unfolds, epsilon):
        h = dt / unfolds
        for _ in range(unfolds):
            x = self.step(dynamics, params, x, drive, h, epsilon)
        return x
