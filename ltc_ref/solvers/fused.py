"""The fused (semi-implicit) solver of the paper, Eq. 3."""

from __future__ import annotations

from ._base import FixedStepSolver


class Fused(FixedStepSolver):
    r"""L fused sub-steps (paper Eq. 3; conductance form: SPEC §3).

    Each sub-step is the explicit Euler step with the linearly appearing state replaced by its
    new value: $x \leftarrow (x + h f A)/(1 + h(1/\tau + f) + \varepsilon)$. First order in
    h, and for every h > 0 a convex combination of the state and the reversal potentials, so it
    never leaves Theorem 2's bounds however stiff the network.
    """

    name = "fused"
    uses_epsilon = True

    def step(self, dynamics, params, x, drive, h, epsilon):
        return dynamics.fused_step(params, x, drive, h, epsilon)

    def step_vjp(self, dynamics, params, x, drive, h, epsilon, g):
        return dynamics.fused_step_vjp(params, x, drive, h, epsilon, g)
