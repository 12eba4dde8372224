r"""Compare a candidate LTC implementation with the reference, case by case and quantity by
quantity (the cases and their tolerances: `ltc_ref.testing.cases`).

**Error measure.** For a quantity with reference $r$ and candidate $c$ (arrays of one shape):

$$
    \text{abs} = \max_i |c_i - r_i|,\qquad \text{rel} = \frac{\max_i |c_i - r_i|}{\max_i |r_i|}
$$

(normwise: relative to the quantity's largest entry, so entries near zero do not blow it up). A
quantity passes when ``rel <= tolerance``.

**No vacuous passes.** A quantity is judged only against its own reference: the error is scaled
by the reference values themselves (``max|r|``), never by the value of the parameter it is the
cotangent of (a parameter that is 0, e.g. an input bias at its initial value, has a cotangent like
any other). A reference that is exactly zero everywhere is matched only by exact zeros. A case
passes only if at least one quantity was judged (a tolerance not ``None``) and every judged
quantity is within its tolerance; a report over no cases does not pass.

A correct float64 implementation typically agrees to ~1e-15 (ncps 1.0.1 does), far inside the
tolerances; a wrong one (a missing ε, a wrong Δt, a transposed matrix) is off by 1e-8 (ε) to
1e-1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..model.cotangents import Cotangents
from ..model.params import PaperParams, SynapticParams
from .cases import Case, group_of, random_case
from .golden import golden_cases
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
    """

    case: str
    description: str
    dtype: str
    errors: tuple = ()
    error: str | None = None
    candidate: str = "candidate"

    @property
    def judged(self) -> int:
        """How many quantities were judged (had a tolerance)."""
        return sum(e.judged for e in self.errors)

    @property
    def passed(self) -> bool:
        """No exception, at least one judged quantity, and every quantity within tolerance (a
        case where nothing was judged has shown nothing, so it does not pass)."""
        return self.error is None and self.judged > 0 and all(e.passed for e in self.errors)

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
    return CaseResult(case.name, case.describe(), dtype, tuple(errors), None, candidate)


@dataclass(frozen=True)
class Report:
    """A candidate's results on a list of cases. ``str(report)`` is a readable table."""

    results: tuple
    title: str = "candidate vs ltc-ref"

    @property
    def passed(self) -> bool:
        """At least one case, and every case passed (a report over no cases shows nothing)."""
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple:
        return tuple(r for r in self.results if not r.passed)

    def format(self, *, verbose: bool = False) -> str:
        """The report as text: one line per case (its worst quantity against its tolerance),
        then, for every failing case (every case if ``verbose``), one line per quantity.

        Arguments:
            verbose: detail every case, not only the failing ones.

        Returns:
            str.
        """
        n_fail = len(self.failures)
        head = f"{self.title}: {len(self.results) - n_fail}/{len(self.results)} cases pass"
        if not self.results:
            head += " (no cases: nothing was checked, so the report does not pass)"
        lines = [
            head,
            "",
            f"{'case':<34} {'dtype':<8} {'worst quantity':<16} {'max rel err':>11} "
            f"{'tolerance':>9}  status",
        ]
        for r in self.results:
            w = r.worst()
            status = "PASS" if r.passed else "FAIL"
            if r.error is not None:
                lines.append(f"{r.case:<34} {r.dtype:<8} {'(raised)':<16} {'':>11} {'':>9}  FAIL")
            elif not r.judged:
                lines.append(f"{r.case:<34} {r.dtype:<8} {'(nothing judged)':<16} {'':>11} "
                             f"{'':>9}  FAIL")  # fmt: skip
            else:
                lines.append(
                    f"{r.case:<34} {r.dtype:<8} {w.quantity:<16} {w.max_rel:>11.2e} "
                    f"{w.tolerance_text:>9}  {status}"
                )
        detailed = self.results if verbose else self.failures
        for r in detailed:
            lines += ["", f"case {r.case} ({r.description}): {'PASS' if r.passed else 'FAIL'}"]
            if r.error is not None:
                lines.append(f"  the candidate raised {r.error}")
                continue
            if not r.judged:
                lines.append(
                    "  no quantity was judged (none given, or every one given is ill-conditioned "
                    "at this precision): the case shows nothing"
                )
            lines.append(
                f"  {'quantity':<22} {'max abs err':>11} {'max rel err':>11} {'tolerance':>9}"
            )
            for e in r.errors:
                mark = "" if e.passed else "   <-- FAIL" + (f" ({e.note})" if e.note else "")
                lines.append(
                    f"  {e.quantity:<22} {e.max_abs:>11.2e} {e.max_rel:>11.2e} "
                    f"{e.tolerance_text:>9}{mark}"
                )
            if not r.passed:
                lines.append(
                    f"  reproduce: ltc_ref.testing.load_golden({r.case!r}) for a golden case "
                    f"(the arrays: case.params, case.x, case.forward_kwargs())"
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _cases_or_golden(cases, n_random, seed, random_kwargs):
    if cases is None:
        cases = golden_cases()
    cases = list(cases)
    rng = np.random.default_rng(seed)
    for k in range(n_random):
        cases.append(random_case(rng, name=f"random-{seed}-{k}", **(random_kwargs or {})))
    return cases


def _run(case: Case, dtype, call, label):
    """Run ``call(case_in_dtype) -> values``; a raised exception becomes a failed result."""
    dtype = v.check_dtype("dtype", dtype).name
    try:
        values = call(case.astype(dtype))
    except Exception as err:  # the candidate's failure is a result, not a crash of the check
        note = f"{type(err).__name__}: {err}"
        return CaseResult(case.name, case.describe(), dtype, (), note, label)
    try:
        return compare_to_reference(case, values, candidate=label, dtype=dtype)
    except (TypeError, ValueError) as err:  # values the comparison refuses (complex, unknown)
        note = f"{type(err).__name__} (invalid values returned): {err}"
        return CaseResult(case.name, case.describe(), dtype, (), note, label)


def _forward_values(case: Case, out) -> dict:
    y, h = out
    h = np.asarray(h)
    B, T, _ = case.x.shape
    key = "h" if h.shape == (B, T, case.params.n_units) else "h_last"
    return {"y": np.asarray(y), key: h}


def check_forward_against_reference(
    forward_fn, cases=None, *, dtype=np.float64, n_random=0, seed=0, random_kwargs=None
) -> Report:
    """Run a candidate forward pass on cases and compare it with the reference.

    Arguments:
        forward_fn: the candidate, with `ltc_ref.forward`'s signature:
            ``forward_fn(params, x, *, h0, dt, unfolds, solver, epsilon) -> (y, h)`` where
            ``h`` is the state sequence ``(B, T, N)`` or just the final state ``(B, N)``.
            Wrap your implementation in such a function (convert the parameters, call it, return
            NumPy arrays).
        cases: an iterable of `Case` (default: every golden case, `golden_cases`). Select
            with e.g. ``golden_cases(form="conductance", solver="fused")``.
        dtype: the dtype the case is cast to before calling the candidate (float64 or float32);
            it selects the tolerances.
        n_random: number of freshly drawn cases (`random_case`) added to ``cases``.
        seed: seed for the fresh cases.
        random_kwargs: spec fields fixed for the fresh cases (e.g. ``{"solver": "fused"}``).

    Returns:
        `Report`.
    """
    cases = _cases_or_golden(cases, n_random, seed, random_kwargs)

    def call(c):
        return _forward_values(c, forward_fn(c.params, c.x, **c.forward_kwargs()))

    return Report(tuple(_run(c, dtype, call, "forward") for c in cases), "forward pass vs ltc-ref")


def _vjp_values(out) -> dict:
    g_params, g_x, g_h0, g_dt = out
    values = {}
    if isinstance(g_params, (PaperParams, SynapticParams, Cotangents)):
        # A container: compare the trainable fields (masks are not trained; their cotangents
        # are compared only when a candidate returns them by name in a mapping).
        for name in g_params.TRAINABLE_FIELDS:
            values[f"g_{name}"] = getattr(g_params, name)
    elif g_params is not None:
        for name, g in g_params.items():
            values[f"g_{name}"] = g
    values.update(g_x=g_x, g_h0=g_h0, g_dt=g_dt)
    return {k: val for k, val in values.items() if val is not None}


def check_vjp_against_reference(
    vjp_fn, cases=None, *, dtype=np.float64, n_random=0, seed=0, random_kwargs=None
) -> Report:
    r"""Run a candidate vector–Jacobian product on cases and compare it with the reference.

    Arguments:
        vjp_fn: the candidate, with `ltc_ref.vjp`'s signature:
            ``vjp_fn(params, x, g_y, *, g_h, h0, dt, unfolds, solver, epsilon) ->
            (g_params, g_x, g_h0, g_dt)``; ``g_h`` is ``(B, T, N)``, zero except at the last
            step (`Case.g_h`). ``g_params`` is a parameter container (its trainable fields are
            compared) or a mapping ``{field: cotangent}`` (only the fields given); ``g_x``,
            ``g_h0``, ``g_dt`` may be ``None`` (not compared). With autograd-style tools:
            differentiate $\sum y \odot g_y + \sum h \odot g_h$.
        cases: as for `check_forward_against_reference`.
        dtype: as for `check_forward_against_reference`.
        n_random: as for `check_forward_against_reference`.
        seed: as for `check_forward_against_reference`.
        random_kwargs: as for `check_forward_against_reference`.

    Returns:
        `Report`.
    """
    cases = _cases_or_golden(cases, n_random, seed, random_kwargs)

    def call(c):
        return _vjp_values(vjp_fn(c.params, c.x, c.g_y, g_h=c.g_h, **c.forward_kwargs()))

    return Report(tuple(_run(c, dtype, call, "vjp") for c in cases), "VJP vs ltc-ref")


def assert_matches_reference(forward_fn, cases=None, **kwargs) -> Report:
    """`check_forward_against_reference`, raising ``AssertionError`` with the report's table
    (every failing case, quantity by quantity) if any case fails.

    Arguments:
        forward_fn: the candidate (see `check_forward_against_reference`).
        cases: the cases (default: every golden case).
        **kwargs: ``dtype``, ``n_random``, ``seed``, ``random_kwargs`` of
            `check_forward_against_reference`.

    Returns:
        The `Report` (when every case passes).
    """
    report = check_forward_against_reference(forward_fn, cases, **kwargs)
    if not report.passed:
        raise AssertionError("\n" + report.format())
    return report


def assert_vjp_matches_reference(vjp_fn, cases=None, **kwargs) -> Report:
    """`check_vjp_against_reference`, raising ``AssertionError`` with the report's table if any
    case fails.

    Arguments:
        vjp_fn: the candidate (see `check_vjp_against_reference`).
        cases: the cases (default: every golden case).
        **kwargs: ``dtype``, ``n_random``, ``seed``, ``random_kwargs`` of
            `check_vjp_against_reference`.

    Returns:
        The `Report` (when every case passes).
    """
    report = check_vjp_against_reference(vjp_fn, cases, **kwargs)
    if not report.passed:
        raise AssertionError("\n" + report.format())
    return report


__all__ = [
    "CaseResult",
    "QuantityError",
    "Report",
    "assert_matches_reference",
    "assert_vjp_matches_reference",
    "check_forward_against_reference",
    "check_vjp_against_reference",
    "compare_to_reference",
]
