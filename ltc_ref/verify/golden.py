"""``ltc-ref verify``: the golden vectors. Today's reference reproduces the stored outputs and
gradients of every golden case within its tolerance."""

from __future__ import annotations

from ..testing.cases import case_reference
from ..testing.compare import compare_to_reference
from ..testing.golden import golden_cases, golden_manifest, platform_fingerprint
from .report import CheckResult


def check_golden() -> list[CheckResult]:
    """The current reference reproduces the stored golden outputs and gradients within each
    case's float64 tolerance (on any platform; see `ltc_ref.testing.golden`)."""
    worst, failing = 0.0, []
    cases = golden_cases()
    for case in cases:
        result = compare_to_reference(case, case_reference(case), candidate="ltc_ref")
        for e in result.errors:
            worst = max(worst, e.ratio)
        if not result.passed:
            failing.append(case.name)
    return [
        CheckResult(
            "golden vectors reproduced",
            not failing,
            f"{len(cases) - len(failing)}/{len(cases)}",
            "all within tolerance",
            f"worst error / tolerance = {worst:.1e}"
            + (f"; failing: {', '.join(failing[:3])}" if failing else "")
            + (
                "; the platform that generated the files"
                if golden_manifest()["platform"] == platform_fingerprint()
                else "; another platform than the generating one (rounding differs)"
            ),
        )
    ]


__all__ = ["check_golden"]
