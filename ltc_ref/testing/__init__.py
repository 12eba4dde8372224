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

Checking any implementation (docs/crosscheck.md):

* `check_candidate` — forward and VJP together on the same cases, honouring the candidate's
  `Capabilities` (cases outside them are ``not_applicable``), with a `Report` that carries each
  failing case's spec, its one-line reproducer (`case_from_json`) and a diagnosis against the
  documented variants of the reference (`ltc_ref.testing.variants`).
* `check_with_hypothesis` — the same on hypothesis-drawn cases, shrinking a failure
  (`ltc_ref.testing.property`; needs hypothesis).
* `export_cases`, `check_results` — the file protocol for implementations in other languages
  (`ltc_ref.testing.files`).
* `select_cases`, `spec_matches` — filter cases on any field of their `CaseSpec`.

Gradient checking (`ltc_ref.testing.gradcheck`):

* `check_vjp`, `check_forward_vjp` — random-direction VJP checks against central differences.
* `autograd_vjp` — the VJP of the specification by autograd, for comparison.
"""

from __future__ import annotations

from .capabilities import Capabilities
from .cases import Case, CaseSpec, random_case, select_cases, spec_matches
from .compare import (
    CaseResult,
    QuantityError,
    Report,
    assert_matches_reference,
    assert_vjp_matches_reference,
    check_candidate,
    check_forward_against_reference,
    check_vjp_against_reference,
    compare_to_reference,
)
from .files import check_results, export_cases
from .golden import case_from_json, golden_cases, golden_manifest, golden_names, load_golden
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
from .property import check_with_hypothesis
from .variants import VARIANTS, diagnose

__all__ = [
    "FD_RTOL",
    "FD_STEP",
    "VARIANTS",
    "Capabilities",
    "Case",
    "CaseResult",
    "CaseSpec",
    "QuantityError",
    "Report",
    "VJPCheck",
    "assert_matches_reference",
    "assert_vjp_matches_reference",
    "autograd_vjp",
    "case_from_json",
    "check_candidate",
    "check_forward_against_reference",
    "check_forward_vjp",
    "check_results",
    "check_vjp",
    "check_vjp_against_reference",
    "check_with_hypothesis",
    "compare_to_reference",
    "diagnose",
    "export_cases",
    "flatten_all",
    "golden_cases",
    "golden_manifest",
    "golden_names",
    "load_golden",
    "random_case",
    "relative_error",
    "select_cases",
    "spec_matches",
    "unflatten_all",
]
