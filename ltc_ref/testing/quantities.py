r"""One case's comparison: a candidate's values against the reference, quantity by quantity
(the error measure and the rule against vacuous passes: `ltc_ref.testing.compare`).
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import _validation as v
from .cases import Case, group_of
from .measure import relative_error

# ---- comparing a candidate --------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityError:
    r"""The error of one quantity of one case.

    Attributes:
        quantity: ``"y"``, ``"h"``, ``"h_last"``, ``"g_x"``, ``"g_w"``, ...
        max_abs: $\max_i |c_i - r_i|$ (nan when the shapes differ).
        max_rel: ``max_abs / max|r|`` (nan when the shapes differ; inf when the reference is 0
            everywhere and the candidate is not).
        tolerance: the tolerance of ``max_rel``; ``None``: ill-conditioned at this precision,
            reported but not judged.
        note: why it failed, if not by size (a shape mismatch, non-finite values).

    A judged quantity passes if ``max_rel <= tolerance``.
    """

    quantity: str
    max_abs: float
    max_rel: float
    tolerance: float | None
    note: str = ""

    @property
    def judged(self) -> bool:
        """Whether the quantity counts: it has a tolerance, or it failed by shape/finiteness."""
        return bool(self.note) or self.tolerance is not None

    @property
    def passed(self) -> bool:
        return not self.note and self.ratio <= 1.0

    @property
    def ratio(self) -> float:
        """How far in the tolerance: ``max_rel / tolerance`` (<= 1 passes; inf on a shape or
        finiteness failure, 0 if not judged)."""
        if self.note:
            return math.inf
        if self.tolerance is None:
            return 0.0
        return self.max_rel / self.tolerance

    @property
    def tolerance_text(self) -> str:
        return "n/a" if self.tolerance is None else f"{self.tolerance:.0e}"


@dataclass(frozen=True)
class CaseResult:
    """A candidate's errors on one case.

    Attributes:
        case: the case's name.
        description: `Case.describe`.
        dtype: the candidate's dtype (``"float64"`` or ``"float32"``), which selects the
            tolerances.
        errors: one `QuantityError` per compared quantity.
        error: the exception the candidate raised, if it raised one (then ``errors`` is empty).
        candidate: the candidate's label.
        not_applicable: why the case is outside the candidate's capabilities
            (`ltc_ref.testing.capabilities`), or None; such a case is neither a pass nor a
            failure.
        spec: the case's full `CaseSpec` as JSON (a dict), or None for a case built by hand:
            `ltc_ref.testing.case_from_json` draws the case again from it.
        values: the candidate's values (quantity → array), kept for the diagnosis; not
            compared, not printed.
    """

    case: str
    description: str
    dtype: str
    errors: tuple = ()
    error: str | None = None
    candidate: str = "candidate"
    not_applicable: str | None = None
    spec: dict | None = None
    values: Mapping | None = field(default=None, compare=False, repr=False)

    @property
    def judged(self) -> int:
        """How many quantities were judged (had a tolerance)."""
        return sum(e.judged for e in self.errors)

    @property
    def passed(self) -> bool:
        """No exception, at least one judged quantity, and every quantity within tolerance (a
        case where nothing was judged has shown nothing, so it does not pass; a case that is
        not applicable does not pass either)."""
        return (
            self.not_applicable is None
            and self.error is None
            and self.judged > 0
            and all(e.passed for e in self.errors)
        )

    @property
    def status(self) -> str:
        """``"pass"``, ``"fail"`` or ``"not_applicable"``."""
        if self.not_applicable is not None:
            return "not_applicable"
        return "pass" if self.passed else "fail"

    def reproducer(self, target: str = "TARGET") -> dict:
        """One-line reproducers of this case: ``{"python": ..., "cli": ...}`` (None entries for
        a case without a spec)."""
        if self.spec is None:
            return {"python": None, "cli": None}
        text = json.dumps(self.spec, separators=(",", ":"))
        return {
            "python": f"ltc_ref.testing.case_from_json({text!r})",
            "cli": f"ltc-ref crosscheck {target} --case {shlex.quote(text)}",
        }

    def worst(self, group: str | None = None) -> QuantityError | None:
        """The quantity closest to (or furthest beyond) its tolerance.

        Arguments:
            group: ``"forward"`` or ``"gradient"`` to look only there.

        Returns:
            `QuantityError` with the largest ``ratio``, or None if nothing was compared.
        """
        errs = [e for e in self.errors if group is None or group_of(e.quantity) == group]
        if not errs:
            return None
        return max(errs, key=lambda e: e.ratio)


def _candidate_dtype(values: Mapping) -> str:
    kinds = {np.asarray(a).dtype for a in values.values() if np.ndim(a) > 0}
    return "float32" if np.dtype(np.float32) in kinds else "float64"


def _reduce_dt(g, case: Case):
    """A ``(B, T)`` cotangent of the elapsed times, summed to the form of the case's ``dt``."""
    g = np.asarray(g)
    if g.shape == np.shape(case.dt) or g.shape != case.x.shape[:2]:
        return g
    return np.sum(g) if np.ndim(case.dt) == 0 else np.sum(g, axis=0)


def compare_to_reference(case: Case, values: Mapping, *, candidate="candidate", dtype=None):
    """Compare a candidate's values with the case's expected ones.

    Arguments:
        case: a `Case` (golden or drawn).
        values: quantity name → real array (NumPy or anything ``numpy.asarray`` accepts).
            Names: ``y``, ``h`` (the state sequence) or ``h_last`` (the final state), ``g_x``,
            ``g_h0``, ``g_dt`` (in the case's dt form, or per entry ``(B, T)``: then summed
            to the case's form), ``g_<field>`` for parameter fields (cotangents of the physical
            values). Quantities absent from ``values`` (or ``None``) are not compared; unknown
            names are an error.
        candidate: a label for the report.
        dtype: ``"float64"`` or ``"float32"``, the tolerance set; inferred from the arrays
            (float32 if any is float32) when omitted.

    Returns:
        `CaseResult`.

    Raises:
        ValueError: an unknown quantity name.
        TypeError: a value that is not a real array (complex, object, strings): converting it
            would drop information (the imaginary part) or guess.
    """
    expected = dict(case.expected)
    expected["h_last"] = expected["h"][:, -1]
    unknown = sorted(set(values) - set(expected))
    if unknown:
        raise ValueError(
            f"values: unknown quantities {unknown}; expected names among {sorted(expected)}"
        )
    arrays = {}
    for name, value in values.items():
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"values[{name!r}]: expected a real (integer or floating) array, got dtype "
                f"{arr.dtype}"
            )
        arrays[name] = arr
    dtype = dtype or _candidate_dtype(arrays)
    v.check_choice("dtype", dtype, ("float64", "float32"))
    errors = []
    for name, cand in arrays.items():
        tol = case.tolerances[dtype]["h" if name == "h_last" else name]
        ref = np.asarray(expected[name], dtype=np.float64)
        if name == "g_dt":
            cand = _reduce_dt(cand, case)
        cand = np.asarray(cand, dtype=np.float64)
        if cand.shape != ref.shape:
            note = f"shape {cand.shape}, expected {ref.shape}"
            errors.append(QuantityError(name, math.nan, math.nan, tol, note))
            continue
        if not np.all(np.isfinite(cand)):
            note = f"{int(np.sum(~np.isfinite(cand)))} non-finite entries"
            errors.append(QuantityError(name, math.nan, math.nan, tol, note))
            continue
        max_abs = float(np.max(np.abs(cand - ref))) if ref.size else 0.0
        errors.append(QuantityError(name, max_abs, relative_error(cand, ref), tol))
    spec = None if case.spec is None else case.spec.to_json()
    return CaseResult(
        case.name, case.describe(), dtype, tuple(errors), None, candidate, None, spec, arrays
    )


__all__ = ["CaseResult", "QuantityError", "compare_to_reference"]
