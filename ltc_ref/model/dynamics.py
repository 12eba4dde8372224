"""Which module implements a parameter container's form."""

from __future__ import annotations

from . import conductance, paper
from .params import PaperParams, SynapticParams


def dynamics_of(params):
    """The module (`.paper` or `.conductance`) that implements ``params``'s form.

    Both modules expose the same functions: ``input_drive(params, I)``,
    ``rhs(params, x, drive)``, ``fused_step(params, x, drive, dt, epsilon)``,
    ``tau_sys(params, x, drive)`` and ``output(params, x)``.
    """
    if isinstance(params, PaperParams):
        return paper
    if isinstance(params, SynapticParams):
        return conductance
    raise TypeError(
        f"params: expected ltc_ref.PaperParams or ltc_ref.SynapticParams, "
        f"got {type(params).__name__}"
    )


__all__ = ["dynamics_of"]
