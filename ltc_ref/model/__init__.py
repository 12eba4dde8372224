"""The LTC model: parameter containers and the two forms of its dynamics.

* `ltc_ref.model.paper` — Eq. 1 and the fused step Eq. 3 in the paper's symbols (start here).
* `ltc_ref.model.conductance` — the conductance form of the authors' code and ncps, and its
  mapping onto Eq. 1.
* `ltc_ref.model.params` — the immutable parameter containers and initialisers.
"""

from __future__ import annotations

from . import conductance, paper
from .dynamics import dynamics_of
from .params import PaperParams, SynapticParams

__all__ = ["PaperParams", "SynapticParams", "conductance", "dynamics_of", "paper"]
