r"""Documented variants of the reference, and the diagnosis of a failing candidate.

When a candidate disagrees with the reference, the cause is usually one of a few known slips
(found in real third-party LTC implementations and in the authors' code and ncps;
docs/crosscheck.md lists them). Each *variant* below is the reference with exactly one such
slip: a short function of the specification with the arguments of
`ltc_ref.forward.forward_traceable`

    variant(p, x, h0, dt, unfolds, solver, epsilon) -> (y, h)

(``x`` ``(B, T, C)``, ``h0`` ``(B, N)``, ``dt`` ``(B, T)``, ``solver`` a name), written with
autograd's NumPy so that its vector–Jacobian product comes from autograd: a candidate built that
way is matched in its gradients too. A variant that cannot be formed for a case (ε omitted when ε
is already 0, L − 1 sub-steps when L = 1) raises `NotApplicable`; one whose values equal the
reference's on a case (Δt ignored when Δt = 1) is not applicable to that case either.

`diagnose` reruns failing cases against every variant and reports, per variant, whether it
explains the candidate: the candidate's values agree with the variant's within the case's own
tolerances on every diagnosed case the variant applies to.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np

from ..forward import forward_traceable
from ..model.params import PaperParams, SynapticParams
from ..solvers import SOLVERS
from .cases import Case, group_of
from .gradcheck import flatten_all, unflatten_all
from .quantities import compare_to_reference

#: At most this many failing cases are diagnosed (the first ones that returned values): each
#: costs one forward run per variant, and a VJP by autograd where the forward agrees; a slip that
#: explains the first few failures explains the others in practice.
MAX_DIAGNOSED_CASES = 6
#: The ε that "ε added" adds: ncps's.
NCPS_EPSILON = 1e-8


class NotApplicable(Exception):
    """The variant cannot be formed for this case."""


@dataclass(frozen=True)
class Variant:
    """One documented slip.

    Attributes:
        name: identifier (``"epsilon_omitted"``).
        description: completes "matches the reference ..." (``"with ε = 0"``).
        run: the variant, ``run(p, x, h0, dt, unfolds, solver, epsilon) -> (y, h)``.
    """

    name: str
    description: str
    run: Callable


#: name → `Variant`, in the order they are tried.
VARIANTS: dict[str, Variant] = {}


def _variant(name: str, description: str):
    def register(fn):
        VARIANTS[name] = Variant(name, description, fn)
        return fn

    return register


def reference(p, x, h0, dt, unfolds, solver, epsilon):
    """The reference itself (`ltc_ref.forward.forward_traceable`) with a solver name."""
    return forward_traceable(p, x, h0, dt, unfolds, SOLVERS[solver], epsilon)


def _with(p, **changes):
    """``p`` with some fields replaced, unvalidated (traceable; the values may be anything)."""
    fields = {name: getattr(p, name) for name in p.ARRAY_FIELDS}
    if isinstance(p, PaperParams):
        fields["activation"] = p.activation
    return type(p).unvalidated(**{**fields, **changes})


def _conductance_fused(p, solver, what):
    if not isinstance(p, SynapticParams) or solver != "fused":
        raise NotApplicable(f"{what}: the conductance form's fused step only")


@_variant("epsilon_omitted", "with ε = 0 (no ε in the fused step's denominator)")
def epsilon_omitted(p, x, h0, dt, unfolds, solver, epsilon):
    """The fused step without its ε: $v' = (\\dots) / (c + g_l + \\sum a + \\sum s)$."""
    if epsilon == 0.0:
        raise NotApplicable("ε is already 0")
    return reference(p, x, h0, dt, unfolds, solver, 0.0)


@_variant("epsilon_added", f"with ε = {NCPS_EPSILON:g} added to the denominator (as ncps)")
def epsilon_added(p, x, h0, dt, unfolds, solver, epsilon):
    """ncps's ε = 1e-8 in a case that has none."""
    if epsilon != 0.0 or solver != "fused":
        raise NotApplicable("the case has an ε already, or no fused step")
    return reference(p, x, h0, dt, unfolds, solver, NCPS_EPSILON)


@_variant("one_substep_fewer", "with L − 1 sub-steps per input step")
def one_substep_fewer(p, x, h0, dt, unfolds, solver, epsilon):
    """L − 1 sub-steps of Δt / (L − 1) (an off-by-one loop)."""
    if unfolds == 1:
        raise NotApplicable("L = 1")
    return reference(p, x, h0, dt, unfolds - 1, solver, epsilon)


@_variant("one_substep_more", "with L + 1 sub-steps per input step")
def one_substep_more(p, x, h0, dt, unfolds, solver, epsilon):
    """L + 1 sub-steps of Δt / (L + 1)."""
    return reference(p, x, h0, dt, unfolds + 1, solver, epsilon)


@_variant("dt_ignored", "with Δt ignored (taken as 1)")
def dt_ignored(p, x, h0, dt, unfolds, solver, epsilon):
    """Every elapsed time taken as 1 (an implementation without a Δt input)."""
    return reference(p, x, h0, anp.ones(dt.shape), unfolds, solver, epsilon)


@_variant("dt_not_divided", "with every sub-step integrating the whole Δt (not Δt / L)")
def dt_not_divided(p, x, h0, dt, unfolds, solver, epsilon):
    """Each of the L sub-steps of length Δt instead of Δt / L: the reference with Δt · L."""
    return reference(p, x, h0, dt * unfolds, unfolds, solver, epsilon)


@_variant("dt_first_sample", "with per-sample Δt collapsed to the first sample's")
def dt_first_sample(p, x, h0, dt, unfolds, solver, epsilon):
    """Sample 0's elapsed times used for every sample (a ``(B, T)`` Δt read as ``(T,)``)."""
    if dt.shape[0] == 1:
        raise NotApplicable("B = 1")
    return reference(p, x, h0, anp.tile(dt[0:1], (dt.shape[0], 1)), unfolds, solver, epsilon)


@_variant("dt_per_neuron", "with per-sample Δt broadcast over neurons (ncps F2)")
def dt_per_neuron(p, x, h0, dt, unfolds, solver, epsilon):
    """ncps's ``LTC`` wrapper with ``(B, T)`` timespans and B = N (finding F2): neuron j of
    every sample uses sample j's elapsed time, $c_{b,j} = C_{m,j} L / \\Delta t_{j,t}$. With
    Δt = 1 and $C_{m,j}$ divided by $\\Delta t_{j,t}$ the reference computes exactly that."""
    _conductance_fused(p, solver, "dt_per_neuron")
    B, T = dt.shape
    if B != p.n_units:
        raise NotApplicable("needs B = N")
    h, ys, hs = h0, [], []
    for t in range(T):
        p_t = _with(p, cm=p.cm / dt[:, t])
        y_t, h_t = reference(p_t, x[:, t : t + 1], h, anp.ones((B, 1)), unfolds, solver, epsilon)
        h = h_t[:, 0]
        ys.append(y_t)
        hs.append(h_t)
    return anp.concatenate(ys, axis=1), anp.concatenate(hs, axis=1)


@_variant("cm_per_substep", "with C_m not divided by the sub-step length (the authors' cm_t)")
def cm_per_substep(p, x, h0, dt, unfolds, solver, epsilon):
    """The authors' TF code: a capacitance ``cm_t`` used directly as $c = C_m / (\\Delta t / L)$,
    i.e. $c = C_m$: the reference with every sub-step of length 1 ($\\Delta t = L$)."""
    _conductance_fused(p, solver, "cm_per_substep")
    return reference(p, x, h0, anp.full(dt.shape, float(unfolds)), unfolds, solver, epsilon)


@_variant("transposed", "with the recurrent matrices transposed ([target, source])")
def transposed(p, x, h0, dt, unfolds, solver, epsilon):
    """The recurrent (N, N) matrices read as ``[target, source]`` instead of
    ``[source, target]``."""
    if isinstance(p, PaperParams):
        q = _with(p, gamma_r=anp.transpose(p.gamma_r))
    else:
        names = ("sigma", "mu", "w", "erev", "sparsity_mask")
        q = _with(p, **{k: anp.transpose(getattr(p, k)) for k in names})
    return reference(q, x, h0, dt, unfolds, solver, epsilon)


def _softplus(z):
    return anp.logaddexp(0.0, z)


@_variant("softplus_on_physical", "with softplus applied to the (already physical) values")
def softplus_on_physical(p, x, h0, dt, unfolds, solver, epsilon):
    """Positive fields (C_m, g_l, w, wˢ; τ) passed through softplus although they are
    physical values already (ncps's ``implicit_param_constraints`` on a converted model)."""
    q = _with(p, **{k: _softplus(getattr(p, k)) for k in p.POSITIVE_FIELDS})
    return reference(q, x, h0, dt, unfolds, solver, epsilon)


@_variant("softplus_missing", "with raw (pre-softplus) values used without softplus")
def softplus_missing(p, x, h0, dt, unfolds, solver, epsilon):
    """Positive fields used as their raw values $\\log(e^x - 1)$ (stored raw, softplus
    forgotten at run time)."""
    q = _with(p, **{k: anp.log(anp.expm1(getattr(p, k))) for k in p.POSITIVE_FIELDS})
    return reference(q, x, h0, dt, unfolds, solver, epsilon)


@_variant("h0_zero", "with the initial state left at zero instead of h0")
def h0_zero(p, x, h0, dt, unfolds, solver, epsilon):
    """h0 ignored: the state starts at 0."""
    return reference(p, x, h0 * 0.0, dt, unfolds, solver, epsilon)


@_variant("h0_first_input", "with the initial state taken from the first input")
def h0_first_input(p, x, h0, dt, unfolds, solver, epsilon):
    """The state started from the first input, $h_0 = x_0$ (needs C = N)."""
    if x.shape[2] != p.n_units:
        raise NotApplicable("needs C = N")
    return reference(p, x, x[:, 0], dt, unfolds, solver, epsilon)


@_variant("explicit_euler", "with explicit Euler instead of the fused step")
def explicit_euler(p, x, h0, dt, unfolds, solver, epsilon):
    """L explicit Euler sub-steps instead of the fused (semi-implicit) ones."""
    if solver != "fused":
        raise NotApplicable("the case's solver is not the fused step")
    return reference(p, x, h0, dt, unfolds, "euler", 0.0)


def _map_skipped(p, kind: str):
    """``p`` with its ``kind`` (``"input"`` / ``"output"``) map set to the identity."""
    if not isinstance(p, SynapticParams):
        raise NotApplicable(f"the paper form has no {kind} map")
    w, b = getattr(p, f"{kind}_w"), getattr(p, f"{kind}_b")
    return _with(p, **{f"{kind}_w": w * 0.0 + 1.0, f"{kind}_b": b * 0.0})


@_variant("input_map_skipped", "with the input map skipped (input_w = 1, input_b = 0)")
def input_map_skipped(p, x, h0, dt, unfolds, solver, epsilon):
    """The affine input map $\\tilde x = x \\odot w_{in} + b_{in}$ left out."""
    return reference(_map_skipped(p, "input"), x, h0, dt, unfolds, solver, epsilon)


@_variant("output_map_skipped", "with the output map skipped (output_w = 1, output_b = 0)")
def output_map_skipped(p, x, h0, dt, unfolds, solver, epsilon):
    """The affine output map $y = v_{:M} \\odot w_{out} + b_{out}$ left out."""
    return reference(_map_skipped(p, "output"), x, h0, dt, unfolds, solver, epsilon)


# ---- running a variant on a case --------------------------------------------------------------


def variant_values(variant: Variant, case: Case, *, gradients: bool = True) -> dict:
    r"""The quantities of a case computed by a variant: ``y``, ``h`` and (``gradients``) the
    VJP of $\ell = \sum y \odot \bar y + \sum h_T \odot \bar h_T$ by autograd: ``g_<field>``
    for every array field, ``g_x``, ``g_h0`` and ``g_dt`` (in the form of the case's ``dt``).

    Arguments:
        variant: a `Variant`.
        case: a float64 `Case`.
        gradients: also compute the VJP.

    Returns:
        dict quantity → array.

    Raises:
        NotApplicable: the variant cannot be formed for the case.
    """
    p, B = case.params, case.x.shape[0]
    dt = case.dt_per_entry
    args = (case.unfolds, case.solver, case.epsilon)
    # The variants leave the reference's range on purpose (raw values, no Δt, explicit Euler on
    # stiff cases): overflows and NaNs are expected and show up as a large error, not warnings.
    with np.errstate(all="ignore"):
        y, h = variant.run(p, case.x, case.h0, dt, *args)
        out = {"y": np.asarray(y), "h": np.asarray(h)}
        if not gradients:
            return out
        g_y, g_h = case.g_y, case.g_h

        def loss(vec, x, h0, dts):
            y, h = variant.run(unflatten_all(p, vec), x, h0, dts, *args)
            return anp.sum(y * g_y) + anp.sum(h * g_h)

        g_vec, g_x, g_h0, g_dt = autograd.grad(loss, (0, 1, 2, 3))(
            flatten_all(p), case.x, case.h0, dt
        )
    g_params = unflatten_all(p, g_vec)
    out.update({f"g_{k}": np.asarray(getattr(g_params, k)) for k in p.ARRAY_FIELDS})
    g_dt = np.asarray(g_dt).reshape(B, -1)
    if case.dt_form != "per_sample":  # in the form the case's dt was given, as the reference's
        g_dt = np.sum(g_dt) if case.dt_form == "scalar" else np.sum(g_dt, axis=0)
    out.update(g_x=np.asarray(g_x), g_h0=np.asarray(g_h0), g_dt=g_dt)
    return out


@dataclass(frozen=True)
class VariantResult:
    """How well one variant explains the diagnosed failures.

    Attributes:
        variant: the variant's name.
        description: what it does ("with ε = 0").
        explains: it applies to at least one diagnosed case and the candidate agrees with it
            within tolerance on every one it applies to.
        max_rel: the largest relative error left between the candidate and the variant over
            those cases (inf if the variant produced non-finite values; nan if it applied to
            none).
        cases: how many diagnosed cases it applies to.
        explained: on how many of them it explains the candidate.
    """

    variant: str
    description: str
    explains: bool
    max_rel: float
    cases: int
    explained: int

    def summary(self) -> str:
        """One line of the text report."""
        mark = "EXPLAINS" if self.explains else "-"
        if self.cases == 0:
            return f"{mark:<9}{self.variant:<21} not applicable to the diagnosed cases"
        return (
            f"{mark:<9}{self.variant:<21} {self.explained}/{self.cases} cases, error left "
            f"{self.max_rel:.1e}: {self.description}"
        )

    def to_json(self) -> dict:
        """The entry of the JSON report's ``diagnosis`` list."""
        err = self.max_rel if math.isfinite(self.max_rel) else None
        return {
            "variant": self.variant,
            "description": self.description,
            "explains": self.explains,
            "error": err,
            "cases": self.cases,
            "explained": self.explained,
        }


def _compare(case: Case, expected: dict, values: dict, dtype: str):
    return compare_to_reference(dataclasses.replace(case, expected=expected), values, dtype=dtype)


def _judged_rel(result) -> float:
    errs = [e for e in result.errors if e.judged]
    if any(e.note for e in errs):
        return math.inf
    return max((e.max_rel for e in errs), default=math.nan)


def explain_case(variant: Variant, case: Case, values: dict, dtype: str = "float64"):
    """Whether a variant explains a candidate's values on one case.

    Arguments:
        variant: a `Variant`.
        case: the float64 `Case` the candidate failed.
        values: the candidate's values (quantity → array, as given to `compare_to_reference`).
        dtype: the candidate's dtype (selects the tolerances).

    Returns:
        ``(explains, max_rel)``, or None when the variant does not apply to the case (it cannot
        be formed, or its values equal the reference's within tolerance on the compared
        quantities).
    """
    compared = {k: a for k, a in values.items() if a is not None}
    wants_gradients = any(group_of(k) == "gradient" for k in compared)
    forward_part = {k: a for k, a in compared.items() if group_of(k) == "forward"}
    try:
        mine = variant_values(variant, case, gradients=False)
        if forward_part and wants_gradients:
            first = _compare(case, {**case.expected, **mine}, forward_part, dtype)
            if not first.passed:  # the forward already disagrees: no need for the VJP
                same = _compare(case, case.expected, _as_candidate(mine, forward_part), dtype)
                return None if same.passed else (False, _judged_rel(first))
        if wants_gradients:
            mine = variant_values(variant, case, gradients=True)
    except NotApplicable:
        return None
    expected = {**case.expected, **mine}
    same = _compare(case, case.expected, _as_candidate(expected, compared), dtype)
    if same.passed:
        return None  # the variant equals the reference here: it shows nothing
    result = _compare(case, expected, compared, dtype)
    return result.passed, _judged_rel(result)


def _as_candidate(values: dict, like: dict) -> dict:
    """``values`` restricted to the quantities of ``like`` (``h_last`` from ``h``)."""
    out = {}
    for k in like:
        if k == "h_last":
            out[k] = values["h"][:, -1]
        elif k == "g_dt":
            out[k] = values["g_dt"]
        else:
            out[k] = values[k]
    return out


def diagnose(failing, variants=None) -> tuple:
    """Rerun failing cases against the variants of the reference.

    Arguments:
        failing: ``(case, result)`` pairs: the float64 `Case` and the candidate's failing
            `ltc_ref.testing.compare.CaseResult` (with its ``values``; results without values,
            e.g. the candidate raised, are skipped). At most `MAX_DIAGNOSED_CASES` are used.
        variants: names of `VARIANTS` to try (default: all).

    Returns:
        tuple of `VariantResult`, one per variant, those that explain the failures first.
    """
    names = list(VARIANTS) if variants is None else list(variants)
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        raise ValueError(f"variants: unknown {unknown}; known: {list(VARIANTS)}")
    pairs = [(c, r) for c, r in failing if r.values][:MAX_DIAGNOSED_CASES]
    out = []
    for name in names:
        variant = VARIANTS[name]
        verdicts = [explain_case(variant, c, dict(r.values), r.dtype) for c, r in pairs]
        verdicts = [v for v in verdicts if v is not None]
        n_ok = sum(ok for ok, _ in verdicts)
        errs = [e for _, e in verdicts]
        max_rel = max(errs, default=math.nan) if not any(math.isnan(e) for e in errs) else math.inf
        explains = bool(verdicts) and n_ok == len(verdicts)
        out.append(VariantResult(name, variant.description, explains, max_rel, len(verdicts), n_ok))
    # Those that explain first, then the closest; the ones not applicable last.
    out.sort(key=lambda d: (not d.explains, d.cases == 0, d.max_rel if d.cases else 0.0))
    return tuple(out)


def diagnose_report(report):
    """The report with its failing cases diagnosed (`diagnose`), each case drawn again from the
    spec it carries (`ltc_ref.testing.case_from_json`); failures without a spec or without
    values are skipped.

    Arguments:
        report: `ltc_ref.testing.Report`.

    Returns:
        `ltc_ref.testing.Report` with ``diagnosis`` filled in (the same report if nothing
        failed).
    """
    from .golden import case_from_json

    failing = [r for r in report.failures if r.spec is not None and r.values]
    if not failing:
        return report
    pairs = [(case_from_json(r.spec), r) for r in failing[:MAX_DIAGNOSED_CASES]]
    return dataclasses.replace(report, diagnosis=diagnose(pairs))


__all__ = [
    "MAX_DIAGNOSED_CASES",
    "NCPS_EPSILON",
    "VARIANTS",
    "NotApplicable",
    "Variant",
    "VariantResult",
    "diagnose",
    "diagnose_report",
    "explain_case",
    "reference",
    "variant_values",
]
