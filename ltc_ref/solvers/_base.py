"""The tiny interface every solver implements.

A solver advances the state over one input step of elapsed time Δt, with the input held constant
(zero-order hold), by calling the form's ``rhs`` or ``fused_step`` (see
`ltc_ref.model.dynamics_of`).
"""

from __future__ import annotations

import abc
from typing import ClassVar

from ..model.cotangents import add_cotangents, add_drive_cotangents


class Solver(abc.ABC):
    """Advance an LTC state over one input step.

    Subclasses set ``name`` (the string accepted by ``ltc_ref.forward(..., solver=name)``) and
    ``order`` (the method's order of accuracy, which ``ltc-ref verify`` and the tests fit against
    the exact solution), and implement `advance`. Registering an instance in
    `ltc_ref.solvers.SOLVERS` is all it takes for every check to include it.
    """

    name: ClassVar[str]
    #: Order of accuracy p: the global error after a fixed time is O(h^p) in the step h.
    order: ClassVar[int]
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

    @abc.abstractmethod
    def step_vjp(self, dynamics, params, x, drive, h, epsilon, g):
        """VJP of `step`: ``(g_params, g_x, g_drive, g_step)`` for the cotangent ``g`` of its
        output; ``g_step``, the cotangent of the sub-step length ``h``, has the shape of ``h``."""

    def advance(self, dynamics, params, x, drive, dt, unfolds, epsilon):
        h = dt / unfolds
        for _ in range(unfolds):
            x = self.step(dynamics, params, x, drive, h, epsilon)
        return x

    def advance_vjp(self, dynamics, params, x, drive, dt, unfolds, epsilon, g):
        r"""VJP of `advance` by recomputation: the L sub-step states of this one input step are
        recomputed from ``x`` (memory O(L·B·N) for this step only), then the sub-steps are
        differentiated in reverse. The drive is shared by the sub-steps, so its cotangents add
        up; the sub-step length $h = \Delta t / L$ gives
        $\overline{\Delta t} = \sum_k \bar h_k / L$ (``g_step`` summed over the sub-steps).

        Returns:
            g_params (dict): field → cotangent (summed over the batch).
            g_x (np.ndarray): ``(B, N)``, cotangent of the state.
            g_drive (np.ndarray | tuple): cotangent of the input drive (the form's type).
            g_dt (np.ndarray): cotangent of ``dt``.
        """
        h = dt / unfolds
        states = [x]
        for _ in range(unfolds - 1):
            states.append(self.step(dynamics, params, states[-1], drive, h, epsilon))
        g_params, g_drive, g_step = {}, None, 0.0
        for x_k in reversed(states):
            gp, g, gd, g_step_k = self.step_vjp(dynamics, params, x_k, drive, h, epsilon, g)
            add_cotangents(g_params, gp)
            g_drive = gd if g_drive is None else add_drive_cotangents(g_drive, gd)
            g_step = g_step + g_step_k
        return g_params, g, g_drive, g_step / unfolds
