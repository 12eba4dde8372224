r"""The cases a candidate LTC implementation is checked on, and their tolerances.

A *case* (`Case`) is one complete problem: parameters, an input sequence ``x`` ``(B, T, C)``, an
initial state ``h0`` ``(B, N)``, elapsed times ``dt``, the solver settings, two fixed cotangents
(``g_y`` of the outputs, ``g_h_last`` of the final state) and the reference's answers:

* forward quantities: ``y`` ``(B, T, M)`` and ``h`` ``(B, T, N)`` (``h_last`` is ``h[:, -1]``);
* gradient quantities, the vector–Jacobian product of the scalar
  $\ell = \sum y \odot \bar y + \sum h_T \odot \bar h_T$: ``g_<field>`` for every parameter field
  (cotangents of *physical* values), ``g_x``, ``g_h0`` and ``g_dt`` (in the form ``dt`` was given:
  a float, ``(T,)`` or ``(B, T)``).

Cases come from the golden files (`ltc_ref.testing.golden_cases`), from `random_case`, or from
the hypothesis strategies in `ltc_ref.testing.strategies`.

**Tolerances.** Each case carries one tolerance per quantity and per candidate dtype, set by
`measure_tolerances` from the case's own conditioning:

* float64: the reference is re-run with every input (parameters, ``x``, ``h0``, ``dt``) multiplied
  by $1 \pm u$ ($u = 2^{-52}$, random signs). The relative change of each quantity measures
  how much a rounding-level difference is amplified in this case. For the gradients, the spread
  between the hand-written VJP and autograd's (two exact derivatives in different operation
  orders) counts as well. The tolerance is `FLOAT64_MARGIN` times the larger, but never below a
  floor (`FLOAT64_FORWARD_FLOOR` for outputs and states, `FLOAT64_GRADIENT_FLOOR` for
  gradients).
* float32: the reference is run in float32 on the same case; the tolerance is `FLOAT32_MARGIN`
  times its relative error against float64, never below `FLOAT32_FORWARD_FLOOR` /
  `FLOAT32_GRADIENT_FLOOR`.

Both are rounded up to one significant digit; a quantity whose tolerance would exceed
`ILL_CONDITIONED_RTOL` is not compared (``None``). The float64 measurement, in units of $u$, is
also kept as the case's *sensitivity* $\kappa$ (`measure_sensitivity`): it sets how closely the
golden files must regenerate on another platform.

Comparing a candidate's values with a case: `ltc_ref.testing.compare`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import _validation as v
from ..forward import NonFiniteError, forward
from ..gradients import vjp
from ..model.params import (
    ACTIVATIONS,
    PaperParams,
    SynapticParams,
    init_paper_params,
    init_synaptic_params,
)
from ..solvers import FIXED_STEP_SOLVERS
from .gradcheck import autograd_vjp
from .measure import relative_error

# ---- tolerance policy, each constant with its reason ------------------------------------------

#: float64 tolerances are this multiple of the measured rounding-level sensitivity: a single
#: random perturbation of the inputs stands for the many rounding errors of a different
#: implementation (different summation orders, fused multiply-adds), which can add up to a few
#: tens of times more.
FLOAT64_MARGIN = 100.0
#: Smallest float64 tolerance for outputs and states: room for a different operation order over
#: T·L chained sub-steps (ncps 1.0.1 agrees to ~4e-16; the reference's own hand-written BPTT and
#: autograd differ by ~1e-15).
FLOAT64_FORWARD_FLOOR = 1e-13
#: Smallest float64 tolerance for gradients: backpropagation chains twice as many operations
#: and sums signed cotangents (cancellation), one decade above the forward floor.
FLOAT64_GRADIENT_FLOOR = 1e-12
#: float32 tolerances are this multiple of the reference's own float32-vs-float64 error on the
#: case: another float32 implementation makes rounding errors of the same size, in another order.
FLOAT32_MARGIN = 30.0
#: Smallest float32 tolerance for outputs and states (unit round-off 6e-8, amplified by T·L
#: sub-steps).
FLOAT32_FORWARD_FLOOR = 1e-5
#: Smallest float32 tolerance for gradients (one decade above the forward floor, as in float64).
FLOAT32_GRADIENT_FLOOR = 1e-4

#: A quantity whose tolerance would be larger than this is not compared: at that precision its
#: value is dominated by rounding (relative errors of order one), e.g. the cotangent of a
#: capacitance or of dt when c = C_m L / dt is negligible against the conductances.
ILL_CONDITIONED_RTOL = 0.1
#: Machine epsilon of float64 (twice the unit round-off), the relative size of the perturbation
#: used by `measure_tolerances`.
FLOAT64_UNIT = 2.0**-52
#: A case whose states leave this range is treated as unstable (an explicit solver with too large
#: a step); the LTC's states stay within the hull of the reversal potentials / A otherwise.
UNSTABLE_STATE_BOUND = 1e3

FORWARD_QUANTITIES = ("y", "h", "h_last")
GROUPS = ("forward", "gradient")
DT_FORMS = ("scalar", "per_step", "per_sample")
#: Where a case's states start (`CaseSpec.initial_state`).
INITIAL_STATES = ("given", "zero")
#: How often `random_spec` draws each: mostly a drawn h0 (it exercises the h0 cotangent), a
#: quarter of the cases at rest (so that an implementation that always starts at 0 has cases).
INITIAL_STATE_ODDS = (0.75, 0.25)
REGIMES = ("typical", "trained", "stiff", "saturated")


def group_of(quantity: str) -> str:
    """The tolerance group of a quantity.

    Arguments:
        quantity: a quantity name (``"y"``, ``"h_last"``, ``"g_w"``, ...).

    Returns:
        ``"forward"`` for ``y``, ``h``, ``h_last``; ``"gradient"`` for ``g_*``.
    """
    return "forward" if quantity in FORWARD_QUANTITIES else "gradient"


# ---- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpec:
    """The recipe of a case: everything needed to draw it again, bit for bit.

    Attributes:
        name: a unique, descriptive name.
        form: ``"paper"`` or ``"conductance"``.
        n_inputs: C.
        n_units: N (paper form; the conductance form takes N from the wiring).
        wiring: conductance form: ``{"class": "NCP", "args": {...}}``, a recipe of
            `ltc_ref.wirings` built with ``input_dim = n_inputs``.
        activation: paper form's activation.
        regime: ``"typical"`` (initial values), ``"trained"`` (generic values of every field,
            including input/output maps and reversal potentials; the same as ``"typical"`` in the
            paper form, whose initial values are already generic), ``"stiff"`` (conductances
            ~1e2–1e3, capacitances ~1e-3 / τ ~1e-4), ``"saturated"`` (sigmoid slopes ~40–80, or
            weights ×30 in the paper form: every gate at 0 or 1).
        solver: ``"fused"``, ``"euler"`` or ``"rk4"``.
        unfolds: L.
        epsilon: the fused step's ε.
        batch: B.
        steps: T.
        dt_form: ``"scalar"``, ``"per_step"`` ``(T,)`` or ``"per_sample"`` ``(B, T)``.
        dt_range: ``(low, high)``; a scalar with ``low == high`` is exactly ``low``, otherwise
            every entry is drawn from U(low, high).
        seed: seed of ``numpy.random.default_rng`` for every draw.
        input_mapping: conductance form: ``"affine"`` (generic ``input_w``, ``input_b`` in the
            trained regimes), ``"linear"`` (``input_b = 0``) or ``None`` (``input_w = 1``,
            ``input_b = 0``): the maps an ncps model with that setting can hold.
        output_mapping: likewise for ``output_w``, ``output_b``.
        initial_state: ``"given"`` (h0 drawn from U(-0.5, 0.5), as every golden case) or
            ``"zero"`` (h0 = 0: for implementations that always start at rest; h0 is still
            drawn first, so the other draws are those of the ``"given"`` case).
        covers: what the case is for, in words.
        tags: short labels used to select cases.
    """

    name: str
    form: str
    n_inputs: int
    n_units: int | None = None
    wiring: dict | None = None
    activation: str = "sigmoid"
    regime: str = "trained"
    solver: str = "fused"
    unfolds: int = 6
    epsilon: float = 0.0
    batch: int = 2
    steps: int = 4
    dt_form: str = "scalar"
    dt_range: tuple = (1.0, 1.0)
    seed: int = 0
    input_mapping: str | None = "affine"
    output_mapping: str | None = "affine"
    initial_state: str = "given"
    covers: str = ""
    tags: tuple = ()

    def __post_init__(self):
        v.check_choice("CaseSpec.form", self.form, ("paper", "conductance"))
        v.check_int("CaseSpec.n_inputs", self.n_inputs, minimum=1)
        v.check_int("CaseSpec.unfolds", self.unfolds, minimum=1)
        v.check_int("CaseSpec.batch", self.batch, minimum=1)
        v.check_int("CaseSpec.steps", self.steps, minimum=1)
        v.check_int("CaseSpec.seed", self.seed, minimum=0)
        v.check_real("CaseSpec.epsilon", self.epsilon, minimum=0.0)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"CaseSpec.name: expected a non-empty string, got {self.name!r}")
        v.check_choice("CaseSpec.regime", self.regime, REGIMES)
        v.check_choice("CaseSpec.solver", self.solver, FIXED_STEP_SOLVERS)
        v.check_choice("CaseSpec.dt_form", self.dt_form, DT_FORMS)
        v.check_choice("CaseSpec.initial_state", self.initial_state, INITIAL_STATES)
        for name in ("input_mapping", "output_mapping"):
            if getattr(self, name) not in ("affine", "linear", None):
                raise ValueError(f"CaseSpec.{name}: expected 'affine', 'linear' or None")
        if self.form == "conductance" and self.wiring is None:
            raise ValueError("CaseSpec.wiring: the conductance form needs a wiring recipe")
        if self.form == "paper":
            if self.n_units is None:
                raise ValueError("CaseSpec.n_units: the paper form needs n_units")
            v.check_int("CaseSpec.n_units", self.n_units, minimum=1)
            v.check_choice("CaseSpec.activation", self.activation, ACTIVATIONS)
            if self.wiring is not None:
                raise ValueError("CaseSpec.wiring: the paper form has no wiring (it is dense)")
            if (self.input_mapping, self.output_mapping) != ("affine", "affine"):
                raise ValueError(
                    "CaseSpec.input_mapping/output_mapping: the paper form has no input or "
                    "output map; leave them at 'affine'"
                )
        else:
            if self.n_units is not None:
                raise ValueError(
                    "CaseSpec.n_units: the conductance form takes N from the wiring; leave "
                    "n_units at None"
                )
            if self.activation != "sigmoid":
                raise ValueError(
                    "CaseSpec.activation: the conductance form's synapses are logistic sigmoids; "
                    f"got {self.activation!r}"
                )
        dt_range = tuple(self.dt_range) if isinstance(self.dt_range, (tuple, list)) else ()
        if len(dt_range) != 2:
            raise ValueError(f"CaseSpec.dt_range: expected (low, high), got {self.dt_range!r}")
        lo = v.check_real("CaseSpec.dt_range[0]", dt_range[0])
        hi = v.check_real("CaseSpec.dt_range[1]", dt_range[1])
        if not 0.0 < lo <= hi:
            raise ValueError(f"CaseSpec.dt_range: expected 0 < low <= high, got ({lo}, {hi})")
        object.__setattr__(self, "dt_range", (lo, hi))
        object.__setattr__(self, "tags", tuple(self.tags))

    def to_json(self) -> dict:
        """The spec as a JSON-ready dict (the golden manifest stores it). ``initial_state`` is
        written only when it is ``"zero"``: the manifests (format 2) predate the field, and
        every golden case starts from a drawn h0."""
        out = dataclasses.asdict(self) | {"dt_range": list(self.dt_range), "tags": list(self.tags)}
        if out["initial_state"] == "given":
            del out["initial_state"]
        return out


@dataclass(frozen=True, eq=False)
class Case:
    r"""One problem and the reference's answers to it.

    Attributes:
        name: the case's name.
        params: `PaperParams` or `SynapticParams` (float64).
        x: ``(B, T, C)`` inputs.
        h0: ``(B, N)`` initial state.
        dt: elapsed times as given to `ltc_ref.forward`: a float, ``(T,)`` or ``(B, T)``.
        unfolds: L.
        solver: ``"fused"``, ``"euler"`` or ``"rk4"``.
        epsilon: the fused step's ε.
        g_y: ``(B, T, M)`` the fixed cotangent of the outputs.
        g_h_last: ``(B, N)`` the fixed cotangent of the final state.
        expected: quantity name → reference value (float64), see the module docstring.
        tolerances: ``{"float64": {quantity: rtol or None}, "float32": {...}}`` (see
            `measure_tolerances`).
        sensitivity: quantity → $\kappa$, the case's measured float64 sensitivity in units of
            `FLOAT64_UNIT` (see `measure_sensitivity`): how much a rounding-level difference
            is amplified in this case. It sets how closely the golden files must regenerate on
            another platform (`ltc_ref.testing.golden.compare_directories`).
        covers: what the case is for.
        tags: labels.
        spec: the `CaseSpec` it was drawn from (None if built by hand).
    """

    name: str
    params: PaperParams | SynapticParams
    x: np.ndarray
    h0: np.ndarray
    dt: float | np.ndarray
    unfolds: int
    solver: str
    epsilon: float
    g_y: np.ndarray
    g_h_last: np.ndarray
    expected: Mapping = field(default_factory=dict)
    tolerances: Mapping = field(default_factory=dict)
    sensitivity: Mapping = field(default_factory=dict)
    covers: str = ""
    tags: tuple = ()
    spec: CaseSpec | None = None

    @property
    def form(self) -> str:
        """``"paper"`` or ``"conductance"``."""
        return "paper" if isinstance(self.params, PaperParams) else "conductance"

    @property
    def dt_form(self) -> str:
        """``"scalar"``, ``"per_step"`` or ``"per_sample"``."""
        return DT_FORMS[np.ndim(self.dt)]

    @property
    def shape(self) -> dict:
        """``{"B", "T", "C", "N", "M"}``."""
        B, T, C = self.x.shape
        return {"B": B, "T": T, "C": C, "N": self.params.n_units, "M": self.params.n_outputs}

    @property
    def g_h(self) -> np.ndarray:
        """``(B, T, N)`` cotangent of the state sequence: ``g_h_last`` at the last step, 0
        elsewhere (the ``g_h`` argument of `ltc_ref.vjp`)."""
        B, T, _ = self.x.shape
        g_h = np.zeros((B, T, self.params.n_units), dtype=self.g_h_last.dtype)
        g_h[:, -1] = self.g_h_last
        return g_h

    @property
    def dt_per_entry(self) -> np.ndarray:
        """``(B, T)`` elapsed time of every sample and step."""
        return np.broadcast_to(np.asarray(self.dt, dtype=np.float64), self.x.shape[:2]).copy()

    def forward_kwargs(self) -> dict:
        """Keyword arguments of `ltc_ref.forward` for this case (all but ``params, x``)."""
        return dict(
            h0=self.h0, dt=self.dt, unfolds=self.unfolds, solver=self.solver, epsilon=self.epsilon
        )

    def astype(self, dtype) -> Case:
        """The case with its inputs (parameters, ``x``, ``h0``, ``dt``, cotangents) cast to
        ``dtype``; ``expected`` stays float64.

        Arguments:
            dtype: float32 or float64.

        Returns:
            `Case`.
        """
        dtype = v.check_dtype("dtype", dtype)
        dt = float(self.dt) if np.ndim(self.dt) == 0 else np.asarray(self.dt).astype(dtype)
        return dataclasses.replace(
            self,
            params=self.params.astype(dtype),
            x=self.x.astype(dtype),
            h0=self.h0.astype(dtype),
            dt=dt,
            g_y=self.g_y.astype(dtype),
            g_h_last=self.g_h_last.astype(dtype),
        )

    def describe(self) -> str:
        """One line: form, solver, L, dt form, shapes."""
        s = self.shape
        return (
            f"{self.form}, {self.solver}, L={self.unfolds}, eps={self.epsilon:g}, "
            f"dt {self.dt_form}, B={s['B']} T={s['T']} C={s['C']} N={s['N']} M={s['M']}"
        )


def reference_values(params, x, h0, dt, unfolds, solver, epsilon, g_y, g_h_last) -> dict:
    """Every quantity of the module docstring, computed by `ltc_ref.forward` and `ltc_ref.vjp`
    in the dtype of ``params``.

    Arguments:
        params: `PaperParams` or `SynapticParams`.
        x: ``(B, T, C)`` inputs.
        h0: ``(B, N)`` initial state.
        dt: elapsed times (a float, ``(T,)`` or ``(B, T)``).
        unfolds: L.
        solver: a fixed-step solver name.
        epsilon: the fused step's ε.
        g_y: ``(B, T, M)`` cotangent of the outputs.
        g_h_last: ``(B, N)`` cotangent of the final state.

    Returns:
        ``{"y", "h", "g_<field>" for every array field, "g_x", "g_h0", "g_dt"}``.
    """
    kw = dict(h0=h0, dt=dt, unfolds=unfolds, solver=solver, epsilon=epsilon)
    y, h = forward(params, x, **kw)
    g_h = np.zeros_like(h)
    g_h[:, -1] = g_h_last
    g_params, g_x, g_h0, g_dt = vjp(params, x, g_y, g_h=g_h, **kw)
    out = {"y": y, "h": h}
    for name in params.ARRAY_FIELDS:
        out[f"g_{name}"] = np.asarray(getattr(g_params, name))
    out.update(g_x=g_x, g_h0=g_h0, g_dt=np.asarray(g_dt))
    return out


def case_reference(case: Case) -> dict:
    """`reference_values` of a case's own arguments."""
    return reference_values(
        case.params,
        case.x,
        case.h0,
        case.dt,
        case.unfolds,
        case.solver,
        case.epsilon,
        case.g_y,
        case.g_h_last,
    )


def _round_up(x: float) -> float:
    """Round up to one significant digit (3.2e-14 → 4e-14), for readable, stable tolerances."""
    exponent = math.floor(math.log10(x))
    mantissa = math.ceil(x / 10.0**exponent - 1e-9)
    return float(f"{mantissa}e{exponent}")


def _measure_errors(case: Case, seed: int) -> tuple[dict, dict]:
    """The measurements behind the tolerances: per quantity, the float64 sensitivity (relative
    change under a one-ulp perturbation of every input, or the hand-written-vs-autograd spread
    for gradients, whichever is larger) and the reference's own float32 relative error."""
    rng = np.random.default_rng(seed)

    def perturb(a):
        a = np.asarray(a, dtype=np.float64)
        return a * (1.0 + FLOAT64_UNIT * rng.choice([-1.0, 1.0], size=a.shape))

    p = case.params
    fields = {
        name: getattr(p, name) if name in p.MASK_FIELDS else perturb(getattr(p, name))
        for name in p.ARRAY_FIELDS
    }
    params = p.replace(**fields)
    dt = float(perturb(case.dt)) if np.ndim(case.dt) == 0 else perturb(case.dt)
    perturbed = reference_values(
        params,
        perturb(case.x),
        perturb(case.h0),
        dt,
        case.unfolds,
        case.solver,
        case.epsilon,
        case.g_y,
        case.g_h_last,
    )
    # A second, exact derivative of the same computation in another operation order: autograd
    # differentiates the specification's own sigmoid, the hand-written VJP uses
    # sigma * (1 - sigma), which loses relative accuracy where sigma is close to 1. The spread
    # between them is a rounding difference a correct candidate can show as well.
    # autograd's tanh VJP is g / cosh(x)**2: for a saturated |x| > 710, cosh overflows to inf
    # (and its square before that), and the cotangent correctly becomes 0. NumPy warns about the
    # overflow; here it is expected, so it is silenced (pytest turns RuntimeWarnings into errors).
    with np.errstate(over="ignore"):
        g_params, g_x, g_h0, g_dt = autograd_vjp(
            case.params, case.x, case.g_y, g_h=case.g_h, **case.forward_kwargs()
        )
    other = {f"g_{name}": getattr(g_params, name) for name in p.ARRAY_FIELDS}
    other.update(g_x=g_x, g_h0=g_h0, g_dt=g_dt)
    sens64 = {k: relative_error(perturbed[k], case.expected[k]) for k in perturbed}
    for k, value in other.items():
        sens64[k] = max(sens64[k], relative_error(value, case.expected[k]))
    # The same case in float32 may run out of float32's range (a state or cotangent that is
    # finite in float64 overflows): then float32 carries no information about any quantity of
    # the case, and every float32 tolerance is None (not compared) — not an error of the case.
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            values32 = case_reference(case.astype(np.float32))
        err32 = {k: relative_error(values32[k], case.expected[k]) for k in values32}
    except (NonFiniteError, ValueError):  # ValueError: beyond float32's accepted ranges
        err32 = {k: math.inf for k in case.expected}
    return sens64, err32


def measure_tolerances(case: Case, *, seed: int = 0) -> dict:
    """The tolerances of a case, per candidate dtype and per quantity (see the module docstring
    for the policy).

    Arguments:
        case: a float64 case with ``expected`` filled in.
        seed: seed of the random signs of the float64 perturbation.

    Returns:
        ``{"float64": {quantity: rtol or None}, "float32": {...}}`` for every quantity of
        ``case.expected``. ``None`` marks a quantity whose tolerance would exceed
        `ILL_CONDITIONED_RTOL`: at that precision it carries no information (e.g. the cotangent
        of ``dt`` when ``dt`` is so large that the state no longer depends on it), so it is not
        compared.
    """
    return _tolerances(*_measure_errors(case, seed))


def measure_sensitivity(case: Case, *, seed: int = 0) -> dict:
    r"""The case's float64 sensitivity per quantity, in units of `FLOAT64_UNIT`:
    $\kappa_q = \max(\text{rel}_q(\text{perturbed}), \text{rel}_q(\text{autograd})) / u$ — the
    relative change of quantity $q$ when every input is multiplied by $1 \pm u$, or (gradients)
    the spread between the hand-written VJP and autograd's, whichever is larger. Rounded up to one
    significant digit. $\kappa \approx 1$: rounding errors are not amplified; $\kappa \gg 1$:
    an ill-conditioned quantity.

    Arguments:
        case: a float64 case with ``expected`` filled in.
        seed: seed of the random signs of the perturbation.

    Returns:
        dict quantity → $\kappa$ (float, >= 0; ``None`` if unbounded: the reference is exactly
        zero and the perturbation moves it).
    """
    return _sensitivity(_measure_errors(case, seed)[0])


def _sensitivity(sens64: dict) -> dict:
    """κ per quantity; ``None`` where it is unbounded (a reference of exact zeros that the
    perturbation moves: pure rounding noise)."""
    return {
        k: None if not math.isfinite(e) else 0.0 if e == 0 else _round_up(e / FLOAT64_UNIT)
        for k, e in sens64.items()
    }


def _tolerances(sens64: dict, err32: dict) -> dict:
    measured = {"float64": (sens64, 64), "float32": (err32, 32)}
    return {
        dtype: {name: _tolerance(name, err, bits) for name, err in errors.items()}
        for dtype, (errors, bits) in measured.items()
    }


def _tolerance(quantity: str, measured: float, bits: int) -> float | None:
    """Margin × measured error, floored, rounded up; None if above `ILL_CONDITIONED_RTOL`."""
    forward = group_of(quantity) == "forward"
    if bits == 64:
        margin, floor = FLOAT64_MARGIN, FLOAT64_FORWARD_FLOOR if forward else FLOAT64_GRADIENT_FLOOR
    else:
        margin, floor = FLOAT32_MARGIN, FLOAT32_FORWARD_FLOOR if forward else FLOAT32_GRADIENT_FLOOR
    tol = _round_up(max(floor, margin * measured)) if math.isfinite(measured) else math.inf
    return None if tol > ILL_CONDITIONED_RTOL else tol


# ---- drawing cases from a spec ----------------------------------------------------------------


class UnstableCaseError(ValueError):
    """The spec's explicit solver leaves the stable range (non-finite or exploding states)."""


def build_wiring(recipe: Mapping, input_dim: int):
    """Build a wiring recipe given as data.

    Arguments:
        recipe: ``{"class": "FullyConnected" | "Random" | "NCP" | "AutoNCP", "args": {...}}``,
            the class of `ltc_ref.wirings` and its constructor's keyword arguments.
        input_dim: C.

    Returns:
        `ltc_ref.wirings.Wiring`.
    """
    from .. import wirings

    classes = {"FullyConnected": wirings.FullyConnected, "Random": wirings.Random}
    classes.update(NCP=wirings.NCP, AutoNCP=wirings.AutoNCP)
    v.check_choice("wiring['class']", recipe.get("class"), classes)
    return classes[recipe["class"]](**recipe.get("args", {})).build(input_dim)


def _draw_params(spec: CaseSpec, rng: np.random.Generator):
    """The parameters of a spec; the draws are made in a fixed order (bit-for-bit)."""
    C = spec.n_inputs
    if spec.form == "paper":
        N = spec.n_units
        sigma_w = 30.0 if spec.regime == "saturated" else 1.0
        p = init_paper_params(C, N, rng, activation=spec.activation, sigma_w=sigma_w)
        if spec.regime == "stiff":
            tau = rng.uniform(1e-4, 1e-3, N)
        else:
            # |N(0, 1)| can be tiny (a stiff neuron by accident); keep τ in a known range.
            tau = rng.uniform(0.5, 2.0, N)
        return p.replace(tau=tau)

    wiring = build_wiring(spec.wiring, C)
    p = init_synaptic_params(wiring, rng)
    if spec.regime == "typical":
        return p
    return _restrict_maps(spec, p.replace(**_trained_fields(spec, p, rng)))


def _restrict_maps(spec: CaseSpec, p: SynapticParams) -> SynapticParams:
    """Drop the parts of the input/output maps that ``spec``'s mapping modes do not have."""
    changes = {}
    for kind in ("input", "output"):
        mode = getattr(spec, f"{kind}_mapping")
        w, b = getattr(p, f"{kind}_w"), getattr(p, f"{kind}_b")
        if mode in ("linear", None):
            changes[f"{kind}_b"] = np.zeros_like(b)
        if mode is None:
            changes[f"{kind}_w"] = np.ones_like(w)
    return p.replace(**changes) if changes else p


def _trained_fields(spec: CaseSpec, p: SynapticParams, rng: np.random.Generator) -> dict:
    """The fields the "trained", "stiff" and "saturated" regimes replace, drawn in order."""
    N, M, C = p.n_units, p.n_outputs, p.n_inputs
    # "trained": generic values of every field, so that a candidate that ignores one of them
    # (an input bias, the output map, non-±1 reversal potentials) is caught.
    changes = dict(
        erev=p.erev * rng.uniform(0.5, 1.5, (N, N)),
        sensory_erev=p.sensory_erev * rng.uniform(0.5, 1.5, (C, N)),
        vleak=rng.uniform(-0.5, 0.5, N),
        input_w=rng.uniform(0.5, 2.0, C) * rng.choice([-1.0, 1.0], C),
        input_b=rng.normal(0.0, 0.5, C),
        output_w=rng.normal(1.0, 0.5, M),
        output_b=rng.normal(0.0, 0.5, M),
    )
    if spec.regime == "stiff":
        # Conductances 1e2–1e3 against capacitances 1e-3–1e-2: time constants ~1e-5, so one
        # sub-step of Δt/L ~ 0.1 is 1e4 time constants. Only the fused step is stable here.
        changes.update(
            w=rng.uniform(1e2, 1e3, (N, N)),
            sensory_w=rng.uniform(1e2, 1e3, (C, N)),
            gleak=rng.uniform(1e2, 1e3, N),
            cm=rng.uniform(1e-3, 1e-2, N),
        )
    elif spec.regime == "saturated":
        # Slopes of 40–80 with either sign: σ(σ_ij (v - μ)) is 0 or 1 to within e^-10 for most
        # synapses, and its derivative is tiny but representable (no underflow to 0).
        changes.update(
            sigma=rng.uniform(40.0, 80.0, (N, N)) * rng.choice([-1.0, 1.0], (N, N)),
            sensory_sigma=rng.uniform(40.0, 80.0, (C, N)) * rng.choice([-1.0, 1.0], (C, N)),
        )
    return changes


def _draw_dt(spec: CaseSpec, rng: np.random.Generator):
    lo, hi = spec.dt_range
    B, T = spec.batch, spec.steps
    if spec.dt_form == "scalar":
        return lo if lo == hi else float(rng.uniform(lo, hi))
    shape = (T,) if spec.dt_form == "per_step" else (B, T)
    return rng.uniform(lo, hi, shape)


def make_case(spec: CaseSpec, *, with_tolerances: bool = True) -> Case:
    """Draw the case of a spec and compute the reference's answers (and its tolerances).

    Draw order from ``numpy.random.default_rng(spec.seed)``: parameters, ``x`` (standard normal),
    ``h0`` (U(-0.5, 0.5)), ``dt``, ``g_y`` and ``g_h_last`` (standard normal).

    Arguments:
        spec: the `CaseSpec`.
        with_tolerances: also measure the tolerances and the sensitivity (`measure_tolerances`,
            `measure_sensitivity`: three more runs).

    Returns:
        `Case` with ``expected`` (and ``tolerances``) filled in.

    Raises:
        UnstableCaseError: the states are not finite or leave ±`UNSTABLE_STATE_BOUND` (an
            explicit solver with too large a step).
    """
    rng = np.random.default_rng(spec.seed)
    params = _draw_params(spec, rng)
    B, T, C = spec.batch, spec.steps, spec.n_inputs
    N, M = params.n_units, params.n_outputs
    x = rng.standard_normal((B, T, C))
    h0 = rng.uniform(-0.5, 0.5, (B, N))
    if spec.initial_state == "zero":
        h0 = np.zeros_like(h0)
    dt = _draw_dt(spec, rng)
    g_y = rng.standard_normal((B, T, M))
    g_h_last = rng.standard_normal((B, N))
    case = Case(
        spec.name,
        params,
        x,
        h0,
        dt,
        spec.unfolds,
        spec.solver,
        spec.epsilon,
        g_y,
        g_h_last,
        covers=spec.covers,
        tags=spec.tags,
        spec=spec,
    )
    with np.errstate(over="ignore", invalid="ignore"):
        expected = case_reference(case)
    h = expected["h"]
    if not (np.all(np.isfinite(h)) and np.max(np.abs(h)) <= UNSTABLE_STATE_BOUND):
        raise UnstableCaseError(
            f"case {spec.name!r}: the states leave ±{UNSTABLE_STATE_BOUND:g} with solver "
            f"{spec.solver!r} and dt in {spec.dt_range} (choose a smaller step)"
        )
    case = dataclasses.replace(case, expected=expected)
    if with_tolerances:
        sens64, err32 = _measure_errors(case, spec.seed)
        case = dataclasses.replace(
            case, tolerances=_tolerances(sens64, err32), sensitivity=_sensitivity(sens64)
        )
    return case


def stable_dt_limit(params, unfolds: int) -> float:
    r"""A largest elapsed time Δt for which explicit Euler / RK4 with L sub-steps stays well
    inside its stability region: $h \lambda \le 1/2$ with $h = \Delta t / L$ and $\lambda$ a
    bound on the Jacobian's size.

    Conductance form: $\lambda = \max_j (g_{l,j} + \sum_i w_{ij} m_{ij}(1 + |\sigma_{ij}|/2)
    + \sum_i w^s_{ij} m^s_{ij}) / C_{m,j}$ (the leak, the synaptic conductances and the
    sigmoids' slopes times $|E - v| \le 2$). Paper form:
    $\lambda = 1/\tau_{min} + (1 + 2\max_j \sum_i |\gamma_{r,ij}|)(1 + \max|A| + \max|\mu|)$, a
    rough bound for activations with slope <= 1.

    Arguments:
        params: `PaperParams` or `SynapticParams`.
        unfolds: L.

    Returns:
        The largest Δt, a float.
    """
    if isinstance(params, SynapticParams):
        syn = params.w * params.sparsity_mask * (1.0 + 0.5 * np.abs(params.sigma))
        sens = params.sensory_w * params.sensory_sparsity_mask
        lam = np.max((params.gleak + syn.sum(0) + sens.sum(0)) / params.cm)
    else:
        row = np.max(np.sum(np.abs(params.gamma_r), axis=0))
        scale = 1.0 + np.max(np.abs(params.A)) + np.max(np.abs(params.mu))
        lam = 1.0 / np.min(params.tau) + (1.0 + 2.0 * row) * scale
    return float(0.5 * unfolds / lam)


_WIRING_KINDS = ("FullyConnected", "Random", "NCP", "AutoNCP")
_SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(CaseSpec))


def random_spec(rng: np.random.Generator, *, name="random", **fixed) -> CaseSpec:
    """Draw a random `CaseSpec` (small sizes: N <= 8, C <= 4, B <= 3, T <= 5).

    Arguments:
        rng: ``numpy.random.Generator``.
        name: the spec's name.
        **fixed: spec fields to fix instead of drawing (any field of `CaseSpec` but ``name``,
            e.g. ``form="conductance", solver="fused"``). A fixed value is used as given, never
            replaced; an unknown field is an error, and so is an invalid value (`CaseSpec`
            validates every field).

    Returns:
        `CaseSpec`. A drawn (not fixed) ``dt_range`` of an explicit solver is capped later by
        `random_case` with `stable_dt_limit`.

    Raises:
        TypeError: ``fixed`` names a field `CaseSpec` does not have.
    """
    _check_rng(rng)
    unknown = sorted(set(fixed) - (set(_SPEC_FIELDS) - {"name"}))
    if unknown:
        raise TypeError(
            f"random_spec: unknown spec fields {unknown}; the fields are "
            f"{sorted(set(_SPEC_FIELDS) - {'name'})}"
        )

    def pick(key, draw):
        """The fixed value of ``key`` if the caller gave one, else a fresh draw."""
        return fixed[key] if key in fixed else draw()

    choice = {"form": pick("form", lambda: str(rng.choice(["paper", "conductance"])))}
    choice["n_inputs"] = pick("n_inputs", lambda: int(rng.integers(1, 5)))
    if choice["form"] == "paper":
        choice["n_units"] = pick("n_units", lambda: int(rng.integers(1, 7)))
        choice["activation"] = pick(
            "activation", lambda: str(rng.choice(["sigmoid", "tanh", "relu", "hard_tanh"]))
        )
        regimes = ["typical", "stiff", "saturated"]
    else:
        choice["wiring"] = pick("wiring", lambda: _random_wiring(rng))
        regimes = ["typical", "trained", "trained", "stiff", "saturated"]
    choice["solver"] = pick("solver", lambda: str(rng.choice(FIXED_STEP_SOLVERS)))
    if choice["solver"] != "fused":
        regimes = [r for r in regimes if r != "stiff"]  # explicit solvers cannot take it
    choice["regime"] = pick("regime", lambda: str(rng.choice(regimes)))
    choice["unfolds"] = pick("unfolds", lambda: int(rng.choice([1, 2, 6])))
    eps_choices = [0.0, 1e-8] if choice["solver"] == "fused" else [0.0]
    choice["epsilon"] = pick("epsilon", lambda: float(rng.choice(eps_choices)))
    choice["batch"] = pick("batch", lambda: int(rng.integers(1, 4)))
    choice["steps"] = pick("steps", lambda: int(rng.integers(1, 6)))
    choice["dt_form"] = pick("dt_form", lambda: str(rng.choice(DT_FORMS)))
    lo = float(10.0 ** rng.uniform(-2, 0.5))
    choice["dt_range"] = pick("dt_range", lambda: (lo, lo * float(rng.uniform(1.0, 3.0))))
    choice["seed"] = pick("seed", lambda: int(rng.integers(0, 2**31)))
    # Drawn last, so that every earlier draw is what it was before the field existed.
    choice["initial_state"] = pick(
        "initial_state", lambda: str(rng.choice(INITIAL_STATES, p=INITIAL_STATE_ODDS))
    )
    # The fields no branch above draws (the maps, the other form's fields, which CaseSpec then
    # refuses, the labels): the caller's, when given.
    choice.update({k: fixed[k] for k in fixed.keys() - choice.keys()})
    return CaseSpec(name=name, **choice)


def spec_matches(spec: CaseSpec, **filters) -> bool:
    """Whether a spec passes filters on its fields (every filter given must hold).

    Arguments:
        spec: a `CaseSpec`.
        **filters: any field of `CaseSpec` → a value (equality), a list, tuple or set of
            values (membership; for ``tags``: at least one tag in common; for ``dt_range``, one
            ``(low, high)`` pair is a value, not a choice) or a predicate (a
            callable taking the field's value), e.g. ``epsilon=0.0``, ``dt_form=("scalar",
            "per_step")``, ``batch=lambda b: b > 1``, ``wiring=lambda w: w is None or
            w["class"] == "FullyConnected"``.

    Returns:
        bool.

    Raises:
        TypeError: a filter names no field of `CaseSpec`.
    """
    unknown = sorted(set(filters) - set(_SPEC_FIELDS))
    if unknown:
        raise TypeError(f"unknown spec fields {unknown}; the fields are {sorted(_SPEC_FIELDS)}")
    for key, wanted in filters.items():
        value = getattr(spec, key)
        if key == "dt_range" and _is_pair(wanted):
            wanted = [wanted]  # one (low, high) pair, not a choice of two values
        if callable(wanted):
            ok = bool(wanted(value))
        elif isinstance(wanted, (list, tuple, set, frozenset)):
            wanted = [tuple(w) if isinstance(w, list) else w for w in wanted]
            ok = bool(set(value) & set(wanted)) if key == "tags" else value in wanted
        else:
            ok = value == (tuple(wanted) if isinstance(wanted, list) else wanted)
        if not ok:
            return False
    return True


def _is_pair(x) -> bool:
    return (
        isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(e, (int, float)) for e in x)
    )


def select_cases(cases, **filters) -> list:
    """The cases whose spec passes `spec_matches` (a case without a spec never does, unless no
    filter is given).

    Arguments:
        cases: an iterable of `Case`.
        **filters: as for `spec_matches`.

    Returns:
        list of `Case` (possibly empty).
    """
    cases = list(cases)
    if not filters:
        return cases
    return [c for c in cases if c.spec is not None and spec_matches(c.spec, **filters)]


def spec_from_json(data) -> CaseSpec:
    """A `CaseSpec` from its JSON form (`CaseSpec.to_json`; a dict or a JSON string).

    Raises:
        ValueError: not a JSON object, or an invalid spec (the message names the field).
    """
    import json

    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as err:
            raise ValueError(f"case: not valid JSON ({err})") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"case: expected a JSON object (a case spec), got {type(data).__name__}")
    unknown = sorted(set(data) - set(_SPEC_FIELDS))
    if unknown:
        known = list(_SPEC_FIELDS)
        raise ValueError(f"case: unknown spec fields {unknown}; the fields are {known}")
    fields = dict(data)
    for key in ("dt_range", "tags"):
        if isinstance(fields.get(key), list):
            fields[key] = tuple(fields[key])
    try:
        return CaseSpec(**fields)
    except TypeError as err:
        raise ValueError(f"case: {err}") from None


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng: expected a numpy.random.Generator (numpy.random.default_rng(seed)), got "
            f"{type(rng).__name__}"
        )


def _random_wiring(rng: np.random.Generator) -> dict:
    kind = str(rng.choice(_WIRING_KINDS))
    if kind == "FullyConnected":
        N = int(rng.integers(1, 8))
        args = {"units": N, "output_dim": int(rng.integers(1, N + 1))}
        args["self_connections"] = bool(rng.integers(0, 2))
        args["erev_init_seed"] = int(rng.integers(0, 10_000))
    elif kind == "Random":
        N = int(rng.integers(1, 8))
        args = {"units": N, "output_dim": int(rng.integers(1, N + 1))}
        args["sparsity_level"] = float(rng.choice([0.0, 0.3, 0.5, 0.8]))
        args["random_seed"] = int(rng.integers(0, 10_000))
    elif kind == "NCP":
        inter, command, motor = (int(k) for k in rng.integers(1, 4, 3))
        args = {"inter_neurons": inter, "command_neurons": command, "motor_neurons": motor}
        args["sensory_fanout"] = int(rng.integers(1, inter + 1))
        args["inter_fanout"] = int(rng.integers(1, command + 1))
        args["recurrent_command_synapses"] = int(rng.integers(0, 4))
        args["motor_fanin"] = int(rng.integers(1, command + 1))
        args["seed"] = int(rng.integers(0, 10_000))
    else:
        units = int(rng.integers(5, 9))
        args = {"units": units, "output_size": int(rng.integers(1, units - 2))}
        args["sparsity_level"] = float(rng.choice([0.1, 0.5, 0.9]))
        args["seed"] = int(rng.integers(0, 10_000))
    return {"class": kind, "args": args}


def case_from_spec(
    spec: CaseSpec, *, with_tolerances: bool = True, retries: int = 5, cap_dt: bool = True
) -> Case:
    """`make_case`, after capping an explicit solver's ``dt_range`` with `stable_dt_limit`;
    if the case still explodes, the range is divided by 10, up to ``retries`` times. The case's
    ``spec`` is the one actually used (its ``dt_range`` shows any cap).

    Arguments:
        spec: the `CaseSpec`.
        with_tolerances: as for `make_case`.
        retries: how many times to shrink ``dt_range``.
        cap_dt: whether ``dt_range`` may be capped and shrunk at all; ``False`` uses it as given
            and raises `UnstableCaseError` if the solver explodes with it.

    Returns:
        `Case`.

    Raises:
        UnstableCaseError: ``cap_dt=False`` and the states explode with the given ``dt_range``.
    """
    retries = v.check_int("retries", retries, minimum=0)
    if not cap_dt:
        return make_case(spec, with_tolerances=with_tolerances)
    if spec.solver != "fused":
        params = _draw_params(spec, np.random.default_rng(spec.seed))
        limit = stable_dt_limit(params, spec.unfolds)
        lo, hi = spec.dt_range
        if hi > limit:
            spec = dataclasses.replace(spec, dt_range=(min(lo, limit) / 2.0, limit))
    for _ in range(retries):
        try:
            return make_case(spec, with_tolerances=with_tolerances)
        except UnstableCaseError:
            lo, hi = spec.dt_range
            spec = dataclasses.replace(spec, dt_range=(lo / 10.0, hi / 10.0))
    return make_case(spec, with_tolerances=with_tolerances)


def random_case(rng: np.random.Generator, *, name="random", **fixed) -> Case:
    """A freshly drawn case with the reference's answers and tolerances: `random_spec` then
    `case_from_spec`. A ``dt_range`` the caller fixed is used as given (an explicit solver
    that explodes with it raises `UnstableCaseError`); a drawn one is capped to the solver's
    stable range.

    Arguments:
        rng: ``numpy.random.Generator``.
        name: the case's name.
        **fixed: spec fields to fix (see `random_spec`).

    Returns:
        `Case`.
    """
    spec = random_spec(rng, name=name, **fixed)
    return case_from_spec(spec, cap_dt="dt_range" not in fixed)


__all__ = [
    "DT_FORMS",
    "FLOAT32_FORWARD_FLOOR",
    "FLOAT32_GRADIENT_FLOOR",
    "FLOAT32_MARGIN",
    "FLOAT64_FORWARD_FLOOR",
    "FLOAT64_GRADIENT_FLOOR",
    "FLOAT64_MARGIN",
    "FLOAT64_UNIT",
    "ILL_CONDITIONED_RTOL",
    "INITIAL_STATES",
    "REGIMES",
    "Case",
    "CaseSpec",
    "UnstableCaseError",
    "build_wiring",
    "case_from_spec",
    "case_reference",
    "group_of",
    "make_case",
    "measure_sensitivity",
    "measure_tolerances",
    "random_case",
    "random_spec",
    "reference_values",
    "select_cases",
    "spec_from_json",
    "spec_matches",
    "stable_dt_limit",
]
