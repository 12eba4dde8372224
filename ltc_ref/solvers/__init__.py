"""Solvers: one small module per method behind the interface in `._base`.

* `Fused` — the paper's semi-implicit step (Eq. 3), the default.
* `Euler` — explicit Euler.
* `RK4` — classical Runge–Kutta.
* `DormandPrince` — adaptive Dormand–Prince 5(4); `dopri5` is the general integrator
  with dense output and step counts.
* `ode45` — the same method with the step control and ``Refine`` output of MATLAB's
  ``ode45`` (the solver of the authors' trajectory study).

``ltc_ref.forward(..., solver=...)`` takes a name from `SOLVERS` or a solver instance.
"""

from __future__ import annotations

from ._base import FixedStepSolver, Solver
from .dormand_prince import DopriSolution, DormandPrince, dopri5
from .euler import Euler
from .fused import Fused
from .matlab_ode45 import Ode45Solution, ode45
from .rk4 import RK4

#: The registry: solver names accepted by ``ltc_ref.forward``, with the instance each name stands
#: for. Every list of solvers in the package (the checks of ``ltc-ref verify``, the test cases, the
#: hypothesis strategies) derives from it: adding a solver is writing its module and adding it
#: here.
SOLVERS = {s.name: s for s in (Fused(), Euler(), RK4(), DormandPrince())}
#: The fixed-step solvers (``unfolds`` sub-steps; differentiated by ``ltc_ref.vjp``), in registry
#: order.
FIXED_STEP_SOLVERS = tuple(n for n, s in SOLVERS.items() if isinstance(s, FixedStepSolver))

__all__ = [
    "FIXED_STEP_SOLVERS",
    "RK4",
    "SOLVERS",
    "DopriSolution",
    "DormandPrince",
    "Euler",
    "FixedStepSolver",
    "Fused",
    "Ode45Solution",
    "Solver",
    "dopri5",
    "ode45",
]
