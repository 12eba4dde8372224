"""ltc-ref: the reference implementation of Liquid Time-Constant networks.

Hasani, Lechner, Amini, Rus, Grosu, "Liquid Time-constant Networks", AAAI 2021.

Where to read first:

* `ltc_ref.model.paper` — the paper's Eq. 1 and its fused step Eq. 3, in the paper's symbols.
* `ltc_ref.model.conductance` — the conductance form used by the authors' code and ncps.
* `ltc_ref.forward` — a whole sequence, either form, any solver.

Conventions: batch first, ``(B, T, C)`` inputs, ``(B, N)`` states; synapse matrices indexed
``[source, target]``; float32 or float64 throughout, never mixed.
"""

from __future__ import annotations

from . import data, solvers, testing, theory, wirings
from ._version import __version__
from .forward import NonFiniteError, forward
from .gradients import forward_and_pullback, grad_to_flat, value_and_grad, vjp
from .model import conductance, paper
from .model.cotangents import Cotangents
from .model.params import (
    INIT_RANGES,
    PaperParams,
    SynapticParams,
    init_paper_params,
    init_synaptic_params,
    softplus,
    softplus_inverse,
)
from .solvers import RK4, DormandPrince, Euler, Fused, dopri5, ode45
from .wirings import NCP, AutoNCP, FullyConnected, Random, Wiring

__all__ = [
    "INIT_RANGES",
    "NCP",
    "RK4",
    "AutoNCP",
    "Cotangents",
    "DormandPrince",
    "Euler",
    "FullyConnected",
    "Fused",
    "NonFiniteError",
    "PaperParams",
    "Random",
    "SynapticParams",
    "Wiring",
    "__version__",
    "conductance",
    "data",
    "dopri5",
    "forward",
    "forward_and_pullback",
    "grad_to_flat",
    "init_paper_params",
    "init_synaptic_params",
    "ode45",
    "paper",
    "softplus",
    "softplus_inverse",
    "solvers",
    "testing",
    "theory",
    "value_and_grad",
    "vjp",
    "wirings",
]
