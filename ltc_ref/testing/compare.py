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
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..model.cotangents import Cotangents
from ..model.params import PaperParams, SynapticParams
from .cases import Case, random_case
from .golden import golden_cases
from .quantities import CaseResult, QuantityError, compare_to_reference
from .variants import diagnose as run_diagnosis


@dataclass(frozen=True)
class Report:
    """A candidate's results on a list of cases. ``str(report)`` is a readable table;
    `to_json` the machine-readable form (schema in ``docs/crosscheck.md``), `to_junit` JUnit XML.

    Attributes:
        results: one `CaseResult` per case.
        title: the report's heading.
        diagnosis: `ltc_ref.testing.variants.VariantResult` per variant of the reference tried
            on the failing cases (empty when nothing failed or no diagnosis was asked for).
        target: how the candidate is named on the command line (for the reproducers).
    """

    results: tuple
    title: str = "candidate vs ltc-ref"
    diagnosis: tuple = ()
    target: str = "TARGET"

    @property
    def counts(self) -> dict:
        """``{"pass": n, "fail": n, "not_applicable": n}``."""
        out = {"pass": 0, "fail": 0, "not_applicable": 0}
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def passed(self) -> bool:
        """No case failed and at least one case passed (a report over no cases, or where every
        case is not applicable, has checked nothing, so it does not pass)."""
        counts = self.counts
        return counts["fail"] == 0 and counts["pass"] > 0

    @property
    def failures(self) -> tuple:
        """The failing results (not the not-applicable ones)."""
        return tuple(r for r in self.results if r.status == "fail")

    @property
    def explanations(self) -> tuple:
        """The variants of the reference that explain every diagnosed failure."""
        return tuple(d for d in self.diagnosis if d.explains)

    def format(self, *, verbose: bool = False) -> str:
        """The report as text: one line per case (its worst quantity against its tolerance),
        then, for every failing case (every case if ``verbose``), one line per quantity, its
        spec and its reproducers, then the diagnosis.

        Arguments:
            verbose: detail every case, not only the failing ones.

        Returns:
            str.
        """
        c = self.counts
        n = len(self.results)
        if not self.results:
            head = f"{self.title}: 0/0 cases pass (no cases: nothing was checked, so the report "
            head += "does not pass)"
        else:
            head = (
                f"{self.title}: {c['pass']}/{n} cases pass ({c['fail']} fail, "
                f"{c['not_applicable']} not applicable): {'PASS' if self.passed else 'FAIL'}"
            )
            if c["pass"] == 0 and c["fail"] == 0:
                head += " (every case is outside the capabilities: nothing was checked)"
        lines = [
            head,
            "",
            f"{'case':<34} {'dtype':<8} {'worst quantity':<16} {'max rel err':>11} "
            f"{'tolerance':>9}  status",
        ]
        for r in self.results:
            w = r.worst()
            status = {"pass": "PASS", "fail": "FAIL", "not_applicable": "N/A"}[r.status]
            if r.not_applicable is not None:
                lines.append(f"{r.case:<34} {r.dtype:<8} {'(not applicable)':<16} {'':>11} "
                             f"{'':>9}  N/A: {r.not_applicable}")  # fmt: skip
            elif r.error is not None:
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
            if r.not_applicable is not None:
                continue
            lines += ["", f"case {r.case} ({r.description}): {r.status.upper()}"]
            if r.error is not None:
                lines.append(f"  the candidate raised {r.error}")
            else:
                if not r.judged:
                    lines.append(
                        "  no quantity was judged (none given, or every one given is "
                        "ill-conditioned at this precision): the case shows nothing"
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
                rep = r.reproducer(self.target)
                if rep["python"] is None:
                    lines.append("  (a case built by hand: no spec to reproduce it from)")
                else:
                    lines.append(f"  reproduce: {rep['cli']}")
                    lines.append(
                        "    (in Python: case = ltc_ref.testing.case_from_json('<that JSON>'))"
                    )
        if self.diagnosis:
            lines += [
                "",
                "diagnosis: the failing cases against documented variants of the reference:",
            ]
            tried = [d for d in self.diagnosis if d.cases > 0]
            lines += ["  " + d.summary() for d in tried]
            untried = [d.variant for d in self.diagnosis if d.cases == 0]
            if untried:
                lines.append("  not applicable to these cases: " + ", ".join(untried))
            explaining = self.explanations
            for d in explaining:
                to = "exactly" if d.max_rel == 0 else f"to {d.max_rel:.0e}"
                lines.append(f"  => your implementation matches the reference {d.description} {to}")
            if not explaining:
                lines.append("  => no documented variant explains the failures")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

    def to_json(self) -> dict:
        """The report as a JSON-ready dict (schema ``ltc-ref/crosscheck-report/1``, documented
        in ``docs/crosscheck.md``); non-finite numbers become ``null``."""
        cases = []
        for r in self.results:
            entry = {
                "case": r.case,
                "status": r.status,
                "description": r.description,
                "dtype": r.dtype,
                "candidate": r.candidate,
                "spec": r.spec,
                "reason": r.not_applicable,
                "error": r.error,
                "quantities": [
                    {
                        "quantity": e.quantity,
                        "max_abs": _finite(e.max_abs),
                        "max_rel": _finite(e.max_rel),
                        "tolerance": e.tolerance,
                        "judged": e.judged,
                        "passed": e.passed,
                        "note": e.note,
                    }
                    for e in r.errors
                ],
            }
            if r.status == "fail":
                entry["reproduce"] = r.reproducer(self.target)
            cases.append(entry)
        return {
            "schema": REPORT_SCHEMA,
            "title": self.title,
            "target": self.target,
            "passed": self.passed,
            "counts": self.counts,
            "cases": cases,
            "diagnosis": [d.to_json() for d in self.diagnosis],
        }

    def to_junit(self) -> str:
        """The report as JUnit XML: one ``<testcase>`` per case, ``<failure>`` for a failing
        case, ``<skipped>`` for a not-applicable one; the diagnosis in ``<system-out>``."""
        from xml.sax.saxutils import escape, quoteattr

        c = self.counts
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<testsuite name={quoteattr(self.title)} tests="{len(self.results)}" '
            f'failures="{c["fail"]}" skipped="{c["not_applicable"]}" errors="0">',
        ]
        for r in self.results:
            out.append(f"  <testcase classname={quoteattr(self.target)} name={quoteattr(r.case)}>")
            if r.status == "not_applicable":
                out.append(f"    <skipped message={quoteattr(r.not_applicable)}/>")
            elif r.status == "fail":
                if r.error is not None:
                    message = r.error
                elif not r.judged:  # not a tolerance exceeded: nothing was compared to one
                    message = "nothing judged"
                else:
                    worst = r.worst()
                    message = (
                        f"{worst.quantity}: max rel err {worst.max_rel:.2e} > tolerance "
                        f"{worst.tolerance_text}"
                    )
                body = Report((r,), self.title, (), self.target).format()
                out.append(f"    <failure message={quoteattr(message)}>{escape(body)}</failure>")
            out.append("  </testcase>")
        if self.diagnosis:
            text = "\n".join(d.summary() for d in self.diagnosis)
            out.append(f"  <system-out>{escape(text)}</system-out>")
        out.append("</testsuite>")
        return "\n".join(out) + "\n"


#: The ``schema`` field of `Report.to_json`.
REPORT_SCHEMA = "ltc-ref/crosscheck-report/1"


def _finite(x: float):
    return float(x) if math.isfinite(x) else None


def _cases_or_golden(cases, n_random, seed, random_kwargs):
    if cases is None:
        cases = golden_cases()
    cases = list(cases)
    rng = np.random.default_rng(seed)
    for k in range(n_random):
        cases.append(random_case(rng, name=f"random-{seed}-{k}", **(random_kwargs or {})))
    return cases


def _run(case: Case, dtype, call, label, capabilities=None, gradients=False):
    """Run ``call(case_in_dtype) -> values``; a raised exception becomes a failed result, a case
    outside ``capabilities`` a not-applicable one (the candidate is not called)."""
    dtype = v.check_dtype("dtype", dtype).name
    spec = None if case.spec is None else case.spec.to_json()
    if capabilities is not None:
        reason = capabilities.excludes(case, dtype)
        if reason is None and gradients and capabilities.gradients == ():
            reason = "no gradients (capabilities.gradients is empty)"
        if reason is not None:
            return CaseResult(case.name, case.describe(), dtype, (), None, label, reason, spec)
    try:
        values = call(case.astype(dtype))
    except Exception as err:  # the candidate's failure is a result, not a crash of the check
        note = f"{type(err).__name__}: {err}"
        return CaseResult(case.name, case.describe(), dtype, (), note, label, None, spec)
    if capabilities is not None:
        keep = set(capabilities.gradient_quantities([k for k in values if k.startswith("g_")]))
        values = {k: a for k, a in values.items() if not k.startswith("g_") or k in keep}
    try:
        return compare_to_reference(case, values, candidate=label, dtype=dtype)
    except (TypeError, ValueError) as err:  # values the comparison refuses (complex, unknown)
        note = f"{type(err).__name__} (invalid values returned): {err}"
        return CaseResult(case.name, case.describe(), dtype, (), note, label, None, spec)


def _forward_values(case: Case, out) -> dict:
    y, h = out
    h = np.asarray(h)
    B, T, _ = case.x.shape
    key = "h" if h.shape == (B, T, case.params.n_units) else "h_last"
    return {"y": np.asarray(y), key: h}


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


def candidate_call(forward_fn=None, vjp_fn=None, capabilities=None):
    """The candidate as one function of a case, for `run_cases`: its forward pass's ``y`` and
    ``h`` (or ``h_last``) and its VJP's cotangents together (the VJP is not called when the
    capabilities say it has no gradients).

    Arguments:
        forward_fn: ``ltc_ref.forward``-like, or None.
        vjp_fn: ``ltc_ref.vjp``-like, or None.
        capabilities: `ltc_ref.testing.capabilities.Capabilities`, or None.

    Returns:
        ``call(case) -> {quantity: array}``.
    """
    if forward_fn is None and vjp_fn is None:
        raise ValueError("give forward_fn, vjp_fn or both")
    use_vjp = vjp_fn is not None and not (capabilities is not None and capabilities.gradients == ())

    def call(c):
        values = {}
        if forward_fn is not None:
            values.update(_forward_values(c, forward_fn(c.params, c.x, **c.forward_kwargs())))
        if use_vjp:
            out = vjp_fn(c.params, c.x, c.g_y, g_h=c.g_h, **c.forward_kwargs())
            values.update(_vjp_values(out))
        return values

    return call


def run_cases(
    cases,
    call,
    *,
    dtype=np.float64,
    capabilities=None,
    diagnose=True,
    gradients=False,
    label="candidate",
    title="candidate vs ltc-ref",
    target="TARGET",
) -> Report:
    """Run ``call(case) -> values`` on every case, compare, and diagnose the failures.

    Arguments:
        cases: an iterable of `Case`.
        call: the candidate as a function of a `Case` (cast to ``dtype``) returning a mapping
            quantity → array (see `compare_to_reference`).
        dtype: float64 or float32 (selects the tolerances).
        capabilities: `ltc_ref.testing.capabilities.Capabilities` (None: everything supported):
            cases outside them are ``not_applicable``, gradients it does not list are not
            compared.
        diagnose: rerun the failing cases against the variants of the reference
            (`ltc_ref.testing.variants.diagnose`).
        gradients: the call computes gradients (then ``capabilities.gradients == []`` makes
            every case not applicable).
        label: the candidate's label in each result.
        title: the report's title.
        target: the command-line target (for the reproducers).

    Returns:
        `Report`.
    """
    cases = list(cases)
    results = tuple(_run(c, dtype, call, label, capabilities, gradients) for c in cases)
    diagnosis = ()
    if diagnose and any(r.status == "fail" for r in results):
        failing = [(c, r) for c, r in zip(cases, results, strict=True) if r.status == "fail"]
        diagnosis = run_diagnosis(failing)
    return Report(results, title, diagnosis, target)


def check_candidate(
    forward_fn=None,
    vjp_fn=None,
    cases=None,
    *,
    dtype=np.float64,
    capabilities=None,
    diagnose=True,
    n_random=0,
    seed=0,
    random_kwargs=None,
    target="TARGET",
) -> Report:
    """Run a candidate's forward pass and/or VJP on cases and compare every quantity with the
    reference: one result per case holding the forward quantities (``y``, ``h`` or ``h_last``)
    and the gradients together.

    Arguments:
        forward_fn: the forward pass (see `check_forward_against_reference`), or None.
        vjp_fn: the VJP (see `check_vjp_against_reference`), or None.
        cases: an iterable of `Case` (default: every golden case).
        dtype: float64 or float32.
        capabilities: `ltc_ref.testing.capabilities.Capabilities`, or None (everything).
        diagnose: diagnose the failures (`ltc_ref.testing.variants.diagnose`).
        n_random: freshly drawn cases (`random_case`) added to ``cases``.
        seed: their seed.
        random_kwargs: spec fields fixed for the fresh cases.
        target: the command-line target named in the reproducers.

    Returns:
        `Report`.
    """
    call = candidate_call(forward_fn, vjp_fn, capabilities)
    cases = _cases_or_golden(cases, n_random, seed, random_kwargs)
    return run_cases(
        cases,
        call,
        dtype=dtype,
        capabilities=capabilities,
        diagnose=diagnose,
        gradients=forward_fn is None,
        title="candidate vs ltc-ref",
        target=target,
    )


def check_forward_against_reference(
    forward_fn,
    cases=None,
    *,
    dtype=np.float64,
    n_random=0,
    seed=0,
    random_kwargs=None,
    capabilities=None,
    diagnose=True,
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
        capabilities: `ltc_ref.testing.capabilities.Capabilities` (None: everything
            supported); cases outside them are ``not_applicable``.
        diagnose: rerun failing cases against the variants of the reference
            (`Report.diagnosis`).

    Returns:
        `Report`.
    """
    return run_cases(
        _cases_or_golden(cases, n_random, seed, random_kwargs),
        candidate_call(forward_fn, None),
        dtype=dtype,
        capabilities=capabilities,
        diagnose=diagnose,
        label="forward",
        title="forward pass vs ltc-ref",
    )


def check_vjp_against_reference(
    vjp_fn,
    cases=None,
    *,
    dtype=np.float64,
    n_random=0,
    seed=0,
    random_kwargs=None,
    capabilities=None,
    diagnose=True,
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
        capabilities: as for `check_forward_against_reference` (``gradients`` selects the
            cotangents compared; an empty list makes every case not applicable).
        diagnose: as for `check_forward_against_reference`.

    Returns:
        `Report`.
    """
    return run_cases(
        _cases_or_golden(cases, n_random, seed, random_kwargs),
        candidate_call(None, vjp_fn),
        dtype=dtype,
        capabilities=capabilities,
        diagnose=diagnose,
        gradients=True,
        label="vjp",
        title="VJP vs ltc-ref",
    )


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
    "REPORT_SCHEMA",
    "CaseResult",
    "QuantityError",
    "Report",
    "assert_matches_reference",
    "assert_vjp_matches_reference",
    "check_candidate",
    "check_forward_against_reference",
    "check_vjp_against_reference",
    "compare_to_reference",
    "run_cases",
]
