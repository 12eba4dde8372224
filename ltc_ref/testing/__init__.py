"""Tools for checking an LTC implementation — this one or yours — against the reference.

Golden vectors and comparisons (`ltc_ref.testing.golden`, `ltc_ref.testing.cases`):

* `golden_cases`, `load_golden`, `golden_names`, `golden_manifest` — the stored float64 cases
  (inputs, parameters, outputs, states and a VJP), with their tolerances.
* `assert_matches_reference`, `assert_vjp_matches_reference` — run a candidate forward pass /
  VJP on the golden (or freshly drawn) cases; raise with a per-case, per-quantity table on
  failure. `check_forward_against_reference` and `check_vjp_against_reference` return the
  `Report` instead.
* `compare_to_reference` — compare values you computed yourself with one `Case`.
* `random_case` — a freshly drawn case; hypothesis strategies are in
  `ltc_ref.testing.strategies` (import it explicitly; it needs hypothesis).

Gradient checking (`ltc_ref.testing.gradcheck`):

* `check_vjp`, `check_forward_vjp` — random-direction VJP checks against central differences.
* `autograd_vjp` — the VJP of the specification by autograd, for comparison.
"""

from __future__ import annotations

from .cases import Case, CaseSpec, random_case
from .compare import (
    CaseResult,
    QuantityError,
    Report,
    assert_matches_reference,
    assert_vjp_matches_reference,
    check_forward_against_reference,
    check_vjp_against_reference,
    compare_to_reference,
)
from .golden import golden_cases, golden_manifest, golden_names, load_golden
from .gradcheck import (
    FD_RTOL,
    FD_STEP,
    VJPCheck,
    autograd_vjp,
    check_forward_vjp,
    check_vjp,
    flatten_all,
    unflatten_all,
)
from .measure import relative_error

__all__ = [
    "FD_RTOL",
    "FD_STEP",
    "Case",
    "CaseResult",
    "CaseSpec",
    "QuantityError",
    "Report",
    "VJPCheck",
    "assert_matches_reference",
    "assert_vjp_matches_reference",
    "autograd_vjp",
    "check_forward_against_reference",
    "check_forward_vjp",
    "check_vjp",
    "check_vjp_against_reference",
    "compare_to_reference",
    "flatten_all",
    "golden_cases",
    "golden_manifest",
    "golden_names",
    "load_golden",
    "random_case",
    "relative_error",
    "unflatten_all",
]
