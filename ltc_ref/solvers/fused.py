"""The fused (semi-implicit) solver of the paper, Eq. 3."""

from __future__ import annotations

from ._base import FixedStepSolver


class Fused(FixedStepSolver):
    r"""L fused sub-steps (paper Eq. 3; conductance form: docs/model.md).

    Each sub-step is the explicit Euler step with the linearly appearing state replaced by its
    new value: $x \leftarrow (x + h f A)/(1 + h(1/\tau + f) + \varepsilon)$. First order in
    h. Where $f \ge 0$ — always in the conductance form, for the sigmoid and ReLU in the paper's
    form — it is for every h > 0 a convex combination of the state, 0 (the leak) and $A$ (the
    reversal potentials), so it never leaves Theorem 2's bounds however stiff the network. With
    tanh or hard-tanh $f$ can be negative: the denominator can approach or cross 0 and the state
    can run away (`ltc_ref.forward` raises `ltc_ref.NonFiniteError` when it overflows).
    """

    name = "fused"
    order = 1
    uses_epsilon = True

    def step(self, dynamics, params, x, drive, h, epsilon):
        return dynamics.fused_step(params, x, drive, h, epsilon)

    def step_vjp(self, dynamics, params, x, drive, h, epsilon, g):
        return dynamics.fused_step_vjp(params, x, drive, h, epsilon, g)
