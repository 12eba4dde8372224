"""Gradients: hand-written backpropagation through time (`vjp`, `value_and_grad`) and the
continuous adjoint method (`ltc_ref.gradients.adjoint`) for comparison.

The vector–Jacobian product of every step sits next to the step it differentiates
(`ltc_ref.model.paper`, `ltc_ref.model.conductance`, `ltc_ref.solvers`); this package chains them
through a sequence.
"""

from __future__ import annotations

from .bptt import Pullback, forward_and_pullback, grad_to_flat, value_and_grad, vjp

__all__ = ["Pullback", "forward_and_pullback", "grad_to_flat", "value_and_grad", "vjp"]
