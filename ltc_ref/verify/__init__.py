"""``ltc-ref verify``: the reference checked against itself, one module per subject, on top of
everything it checks (nothing below imports it).

* `.report` — `CheckResult` and `run_all`, the report.
* `.networks` — the random networks the checks draw, each builder named for what it is for.
* `.solvers` — convergence orders (from each solver's ``order``), Dormand–Prince, fixed points.
* `.model` — the conductance form equals Eq. 1 / Eq. 3; float32 vs float64.
* `.invalid_calls` — the table of invalid calls and the errors they must raise.
* `.gradients` — BPTT against autograd and against central differences.
* `.kernels` — the Numba kernels against the NumPy specification; the fast sigmoid.
* `.theorems` — Theorems 1 and 2, discrete and continuous.
* `.golden` — the golden vectors are reproduced.
* `.data`, `.training` — the data pipeline and the training code.
* `.command` — `SECTIONS` in report order and the command `main`.

Each check returns a list of `CheckResult` (name, pass/fail, the measured figure and the bound it
was held to); the test suite asserts the same functions, so the report and the tests measure
the same thing.
"""

from __future__ import annotations

from .command import SECTIONS, main
from .report import CheckResult, run_all

__all__ = ["SECTIONS", "CheckResult", "main", "run_all"]
