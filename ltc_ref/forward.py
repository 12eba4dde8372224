r"""The sequence forward pass, ``ltc_ref.forward``: the entry point other implementations call.

For each input step t = 0 … T-1, with the input held constant over the elapsed time
$\Delta t_{b,t}$ (zero-order hold):

$$
    h_{b,t} = \mathrm{Solve}_L\big(h_{b,t-1},\ I_{b,t},\ \Delta t_{b,t}\big),\qquad
    y_{b,t} = \mathrm{output}(h_{b,t}),\qquad h_{b,-1} = h_0
$$

where $\mathrm{Solve}_L$ is L sub-steps of the chosen solver (or the adaptive
Dormand–Prince integrator). Arrays are batch-first: ``x`` is ``(B, T, C)``.

A result that is not finite (NaN or ±inf: a state that ran away) is never returned quietly:
`forward` and `ltc_ref.vjp` raise `NonFiniteError`, naming the first input step where it
happened. The fused step keeps every state bounded (Theorem 2) whenever $f \ge 0$ — always in the
conductance form, and in the paper's form for the sigmoid and ReLU; with tanh or hard-tanh $f$
can be negative, the denominator $1 + h(1/\tau + f)$ can reach 0, and the state can run away.
"""

from __future__ import annotations

import numbers
import weakref
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from . import _validation as v
from .model import PaperParams, SynapticParams, dynamics_of
from .solvers import SOLVERS, FixedStepSolver, Fused, Solver


def forward(params, x, *, h0=None, dt=1.0, unfolds=6, solver="fused", epsilon=0.0, backend="numpy"):
    r"""Run an LTC network over a sequence.

    Arguments:
        params: `PaperParams` or `SynapticParams` (float32 or
            float64; every array argument must have the same dtype).
        x: ``(B, T, C)`` input sequence, batch first; or ``(T, C)`` for one unbatched sequence.
        h0: ``(B, N)`` initial state (``(N,)`` when unbatched); zeros when omitted.
        dt: elapsed time $\Delta t > 0$ of each input step: a scalar, a ``(T,)`` array
            (the same for every sample) or a ``(B, T)`` array (irregular sampling, per
            sample; batched calls only). Cast to the parameters' dtype.
        unfolds: L >= 1, the number of sub-steps per input step (fixed-step solvers).
        solver: ``"fused"`` (paper Eq. 3, default), ``"euler"``, ``"rk4"``, ``"dopri5"``, or a
            `Solver` instance (e.g. ``DormandPrince(rtol=1e-9)``).
        epsilon: $\varepsilon \ge 0$ added to the fused step's denominator (0 in the
            paper; ncps uses 1e-8). Only the fused solver has one: a non-zero value with
            another solver is an error.
        backend: ``"numpy"`` (default: this readable code, the specification) or ``"numba"``
            (compiled kernels of the fused solver, `ltc_ref.kernels`: the same numbers to a few
            rounding errors, see `ltc_ref.kernels.AGREEMENT_RTOL`; fused solver only).

    Returns:
        y (np.ndarray): the output sequence ``(B, T, M)`` (unbatched: ``(T, M)``), in the
            parameters' dtype. The paper's form outputs its state (M = N); the conductance form
            outputs ``v[:, :, :M] * output_w + output_b``.
        h (np.ndarray): the state sequence ``(B, T, N)`` after each input step (unbatched:
            ``(T, N)``), in the parameters' dtype.

    Raises:
        TypeError, ValueError: naming the argument, the expected and the received
            shape/dtype/range, for any invalid argument (see the docs' error list), including a
            ``dt`` or parameter magnitudes a sub-step cannot carry in the dtype (`step_range`,
            `dt_range`: docs/errors.md, "Supported ranges") and absurd work (`MAX_UNFOLDS`,
            `MAX_WORK`).
        NonFiniteError: a state became NaN or ±inf (the dynamics ran away: an explicit solver
            beyond its stable step, or the paper's form with an activation that can be
            negative); the error names the first input step, sample and neuron where it
            happened.
    """
    call = validate_call(params, x, h0, dt, unfolds, solver, epsilon)
    if check_backend(backend, call.solver) == "numba":
        from .kernels import forward as kernel_forward

        y, h = kernel_forward(params, call)
    else:
        y, h = forward_traceable(
            params, call.x, call.h0, call.dt, call.unfolds, call.solver, call.epsilon
        )
    check_finite_result("the states h", h, params=params, call=call)
    check_finite_result("the outputs y", y, params=params, call=call)
    if not call.batched:
        return y[0], h[0]
    return y, h


class NonFiniteError(FloatingPointError):
    """A forward pass or a VJP produced NaN or ±inf.

    Attributes:
        quantity: what became non-finite (``"the states h"``, ``"g_x"``, ...).
        step: the input step t (0-based) where it first happened, or None if the quantity has
            no time axis.
        index: the full index of the first non-finite entry.
    """

    def __init__(self, message: str, quantity: str, step: int | None, index: tuple):
        super().__init__(message)
        self.quantity, self.step, self.index = quantity, step, index


def check_finite_result(quantity: str, arr, *, params, call, reverse: bool = False) -> None:
    """Raise `NonFiniteError` if ``arr`` holds NaN or ±inf.

    Arguments:
        quantity: its name in the message.
        arr: a batched result: ``(B, T, ·)`` (a sequence: the first non-finite input step is
            named; the last one when ``reverse``, for cotangents computed backwards in time) or
            any other shape.
        params: the parameters of the call (for the hint in the message).
        call: the validated `Call`.
        reverse: the quantity was computed from the last step backwards.
    """
    arr = np.asarray(arr)
    bad = ~np.isfinite(arr)
    if not bad.any():
        return
    sequence = arr.ndim == 3 and arr.shape[:2] == call.x.shape[:2]
    step = None
    if sequence:
        steps = np.flatnonzero(bad.any(axis=(0, 2)))
        step = int(steps[-1] if reverse else steps[0])
        b, k = (int(i) for i in np.argwhere(bad[:, step])[0])
        index, where = (
            (b, step, k),
            f"at input step t = {step} of {arr.shape[1]} (sample {b}, entry {k})",
        )
    else:
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"at index {index}"
    if not isinstance(call.solver, Fused):
        hint = (
            f"the explicit solver {call.solver.name!r} is stable only for small steps; use a "
            "smaller dt, more unfolds or the fused solver"
        )
    elif getattr(params, "activation", None) in ("tanh", "hard_tanh"):
        hint = (
            "the fused step is bounded (Theorem 2) only when f >= 0; with tanh or hard-tanh f "
            "can be negative and 1 + h (1/tau + f) can reach 0: use a smaller dt, more unfolds, "
            "or an activation with f >= 0 (sigmoid, relu)"
        )
    else:
        hint = (
            "f >= 0 here, so the fused step alone cannot run away: check the parameters' magnitudes"
        )
    raise NonFiniteError(
        f"{quantity} became non-finite ({arr[index]}) {where}, with solver "
        f"{call.solver.name!r}, L = {call.unfolds}: {hint}",
        quantity,
        step,
        index,
    )


@dataclass(frozen=True)
class Call:
    """The validated arguments of a `forward` call, batched: ``x`` ``(B, T, C)``, ``h0``
    ``(B, N)``, ``dt`` ``(B, T)``; ``batched`` says whether the caller's ``x`` had a batch axis
    and ``dt_shape`` is the shape of the caller's ``dt`` (``()``, ``(T,)`` or ``(B, T)``)."""

    x: np.ndarray
    h0: np.ndarray
    dt: np.ndarray
    unfolds: int
    solver: Solver
    epsilon: float
    batched: bool
    dt_shape: tuple

    def output_cotangents(self, params, g_y, g_h=None):
        """Validate the cotangents of the outputs ``y`` and states ``h`` of this call (in the
        caller's form: ``(B, T, ·)``, or ``(T, ·)`` unbatched) and return them batched:
        ``(B, T, M)`` and ``(B, T, N)`` (``g_h`` may be ``None``)."""
        B, T, _ = self.x.shape
        lead = (B, T) if self.batched else (T,)
        g_y = v.as_array("g_y", g_y, dtype=params.dtype, shape=(*lead, params.n_outputs))
        if g_h is not None:
            g_h = v.as_array("g_h", g_h, dtype=params.dtype, shape=(*lead, params.n_units))
            g_h = g_h.reshape(B, T, params.n_units)
        return g_y.reshape(B, T, params.n_outputs), g_h

    def input_cotangents(self, g_x, g_h0, g_dt):
        """The batched cotangents of ``x`` ``(B, T, C)``, ``h0`` ``(B, N)`` and ``dt``
        ``(B, T)`` in the forms the caller gave: unbatched ``x`` and ``h0`` lose the batch axis,
        and ``g_dt`` is summed to ``dt``'s shape (a float for a scalar ``dt``, ``(T,)`` for a
        per-step one)."""
        if self.dt_shape == ():
            g_dt = float(np.sum(g_dt))
        elif len(self.dt_shape) == 1:
            g_dt = np.sum(g_dt, axis=0)
        if not self.batched:
            g_x, g_h0 = g_x[0], g_h0[0]
        return g_x, g_h0, g_dt


def validate_call(params, x, h0, dt, unfolds, solver, epsilon, *, derivatives=False) -> Call:
    """Validate the arguments of `forward` (shared by `ltc_ref.vjp`); see `forward`.
    ``derivatives``: check the ranges the VJP's cotangent terms need too (`check_step_range`;
    they include the forward pass's)."""
    dynamics_of(params)  # raises TypeError for anything but the two parameter containers
    dtype = params.dtype
    N, C = params.n_units, params.n_inputs

    x = v.as_array("x", x, dtype=dtype, ndim=(2, 3))
    batched = x.ndim == 3
    if not batched:
        x = x[None]
    B, T, C_x = x.shape
    if C_x != C:
        want = "(B, T, C)" if batched else "(T, C)"
        raise ValueError(f"x: expected shape {want} with C = {C} inputs, got {x.shape[-1]} inputs")
    if T < 1 or B < 1:
        raise ValueError(f"x: expected at least one sample and one time step, got {x.shape}")

    if h0 is None:
        h0 = np.zeros((B, N), dtype=dtype)
    elif batched:
        h0 = v.as_array("h0", h0, dtype=dtype, shape=(B, N))
    else:
        h0 = v.as_array("h0", h0, dtype=dtype, shape=(N,))[None]

    dt_shape = np.shape(dt)
    dt = _check_dt(dt, B=B, T=T, batched=batched, dtype=dtype)
    unfolds = v.check_int("unfolds", unfolds, minimum=1, maximum=MAX_UNFOLDS)
    solver = _check_solver(solver)
    epsilon = v.check_real("epsilon", epsilon, minimum=0.0)
    if epsilon != 0.0 and not solver.uses_epsilon:
        raise ValueError(
            f"epsilon: only the fused solver uses epsilon; got epsilon={epsilon} with "
            f"solver={solver.name!r} (pass epsilon=0)"
        )
    S = N * (N + C)  # synapse evaluations per sub-step and sample
    work = (unfolds if isinstance(solver, FixedStepSolver) else 1) * B * T * max(S, 1)
    v.check_work("x, unfolds", f"L·B·T·N(N + C) = {unfolds}·{B}·{T}·{S}", work, MAX_WORK)
    n_bytes = B * T * (N + params.n_outputs) * dtype.itemsize
    v.check_memory("x", f"the (B, T, N + M) results, B·T = {B}·{T}", n_bytes)

    call = Call(x, h0, dt, unfolds, solver, epsilon, batched, dt_shape)
    check_step_range(params, call, derivatives=derivatives)
    return call


#: The implementations `forward` and `ltc_ref.vjp` can run on.
BACKENDS = ("numpy", "numba")


def check_backend(backend, solver: Solver) -> str:
    """Validate ``backend`` (one of `BACKENDS`) against the validated ``solver``: the Numba
    kernels implement the fused solver only."""
    v.check_choice("backend", backend, BACKENDS)
    if backend == "numba" and type(solver) is not Fused:
        raise ValueError(
            f"backend: the 'numba' backend implements the fused solver only, got "
            f"solver={solver.name!r}; use backend='numpy' for this solver"
        )
    return backend


def forward_traceable(params, x, h0, dt, unfolds, solver, epsilon):
    """The forward pass on validated arguments, written so autograd can trace it.

    Arguments as in `forward` after validation: ``x`` ``(B, T, C)``, ``h0`` ``(B, N)``,
    ``dt`` ``(B, T)``, ``solver`` a `Solver`.
    """
    dynamics = dynamics_of(params)
    h = h0
    states = []
    for t in range(x.shape[1]):
        drive = dynamics.input_drive(params, x[:, t])  # held constant over the input step
        h = solver.advance(dynamics, params, h, drive, dt[:, t : t + 1], unfolds, epsilon)
        states.append(h)
    h_seq = anp.stack(states, axis=1)
    return dynamics.output(params, h_seq), h_seq


def _check_dt(dt, *, B, T, batched, dtype):
    """Normalise ``dt`` to a ``(B, T)`` array of the parameters' dtype, all finite and > 0."""
    if isinstance(dt, numbers.Real) and not isinstance(dt, bool):
        try:
            value = float(dt)
        except OverflowError as err:
            raise ValueError(
                f"dt: expected finite values, got {dt!r}, beyond the float range"
            ) from err
        v.check_finite("dt", np.asarray(value))
        if not value > 0:
            raise ValueError(f"dt: expected elapsed times > 0, got {dt}")
        _check_dt_representable(np.asarray(value), dtype)
        return np.full((B, T), value).astype(dtype)
    if isinstance(dt, (np.ma.MaskedArray, np.matrix)):
        v.as_array("dt", dt)  # refused there, with the reason
    arr = np.asarray(dt)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"dt: expected a real scalar or array, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        raise TypeError(f"dt: expected dtype float32 or float64, got {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        return _check_dt(float(arr), B=B, T=T, batched=batched, dtype=dtype)
    if arr.ndim == 1:
        if arr.shape != (T,):
            raise ValueError(f"dt: expected a scalar, shape ({T},) or ({B}, {T}), got {arr.shape}")
    elif arr.ndim == 2 and batched:
        if arr.shape != (B, T):
            raise ValueError(
                f"dt: expected per-sample elapsed times of shape (B, T) = ({B}, {T}), "
                f"got {arr.shape}"
            )
    else:
        want = f"a scalar, ({T},) or ({B}, {T})" if batched else f"a scalar or ({T},)"
        raise ValueError(f"dt: expected {want}, got shape {arr.shape}")
    v.check_finite("dt", arr)
    v.check_positive("dt", arr)
    _check_dt_representable(arr, dtype)
    return np.broadcast_to(arr, (B, T)).astype(dtype)


def _check_dt_representable(arr, dtype) -> None:
    """``dt`` is cast to the parameters' dtype: refuse values that the cast would turn into
    ±inf (above its largest finite number)."""
    top = float(np.finfo(dtype).max)
    if np.any(arr > top):
        idx = tuple(int(i) for i in np.argwhere(arr > top)[0])
        raise ValueError(
            f"dt: expected elapsed times <= {top:.8g}, the largest {np.dtype(dtype)} (the "
            f"parameters' dtype, to which dt is cast), got {arr[idx]:.6g}"
            + (f" at index {idx}" if idx else "")
        )


def _check_solver(solver) -> Solver:
    if isinstance(solver, Solver):
        return solver
    if isinstance(solver, str):
        if solver not in SOLVERS:
            raise ValueError(f"solver: expected one of {sorted(SOLVERS)}, got {solver!r}")
        return SOLVERS[solver]
    raise TypeError(
        f"solver: expected a solver name or an ltc_ref.solvers.Solver, got {type(solver).__name__}"
    )


# --------------------------------------------------------------------------------------------
# The range a sub-step can carry: Δt and parameter magnitudes
# --------------------------------------------------------------------------------------------

#: The largest number of sub-steps L per input step `forward` accepts. The fused step is
#: bounded for every Δt (Theorem 2) and the explicit solvers converge long before: a larger L
#: cannot be meant (``unfolds=10**12`` would run for days).
MAX_UNFOLDS = 10**6

#: The largest work of one `forward` / `ltc_ref.vjp` call, in synapse evaluations
#: ``L·B·T·N(N + C)`` (``B·T·N(N + C)`` for the adaptive solver): about 1e13 is hours on the
#: Numba backend and days on NumPy's — such a call cannot be meant; split it into batches.
MAX_WORK = 10**13


def overflow_limit(dtype, n_terms: int) -> float:
    r"""The largest exact value a sum of ``n_terms`` non-negative terms may have so that its
    computed value (any summation order, each term itself one or two roundings away) stays
    finite: $\max / (1 + 2 (n + 4)\,\epsilon)$, with $\max$ and $\epsilon$ the dtype's largest
    finite number and machine epsilon. The computed sum is at most the exact one times
    $(1 + u)^{n + 4} \le 1 + 2(n + 4)u$, $u = \epsilon/2$ (Higham, *Accuracy and Stability*,
    Lemma 3.1), so it never reaches ±inf."""
    fi = np.finfo(dtype)
    return float(fi.max) / (1.0 + 2.0 * (n_terms + 4) * float(fi.eps))


def _max_abs(arr) -> float:
    return float(np.max(np.abs(arr))) if np.size(arr) else 0.0


def _conductance_hull(p) -> float:
    """The parameters' part of Theorem 2's state bound X (conductance form): the largest
    |v_l|, |E| and |E_s| of a present synapse; ``p``: the fields as float64 arrays."""
    m, ms = p["sparsity_mask"], p["sensory_sparsity_mask"]
    return max(_max_abs(p["vleak"]), _max_abs(p["erev"] * m), _max_abs(p["sensory_erev"] * ms))


def _conductance_sums(p, epsilon: float):
    """`step_range`'s per-neuron sums of the fused step, $R_j$ (numerator) and $G_j$
    (denominator), ``(N,)`` each; ``p``: the fields as float64 arrays (signed or absolute
    values: the positive fields and the masks are their own magnitudes)."""
    m, ms = p["sparsity_mask"], p["sensory_sparsity_mask"]
    R = (
        np.abs(p["gleak"] * p["vleak"])
        + np.sum(p["w"] * m * np.abs(p["erev"]), axis=0)
        + np.sum(p["sensory_w"] * ms * np.abs(p["sensory_erev"]), axis=0)
    )
    G = p["gleak"] + np.sum(p["w"] * m, axis=0) + np.sum(p["sensory_w"] * ms, axis=0) + epsilon
    return R, G


def step_range(params, x, *, h0=None, epsilon=0.0, derivatives=False):
    r"""The sub-step lengths $h = \Delta t / L$ a fused step of ``params`` can carry in its dtype,
    and a check of the parameter magnitudes (see docs/errors.md, "Supported ranges").

    The bounds follow from the step's algebra and Theorem 2 (the state never leaves the hull of
    its start and the reversal potentials, ``|state| <= X``), with the summation bound of
    `overflow_limit` (``lim``):

    * conductance form, $n_j = (C_{m,j}/h) v_j + g_{l,j} v_{l,j} + \sum_i a_{ij}E_{ij} +
      \sum_i s_{ij} E^s_{ij}$, $d_j = C_{m,j}/h + g_{l,j} + \sum_i a_{ij} + \sum_i s_{ij} +
      \varepsilon$: with $R_j = |g_{l,j} v_{l,j}| + \sum_i w_{ij} m_{ij}|E_{ij}| +
      \sum_i w^s_{ij} m^s_{ij}|E^s_{ij}|$ and $G_j = g_{l,j} + \sum_i w_{ij}m_{ij} +
      \sum_i w^s_{ij}m^s_{ij} + \varepsilon$, both stay finite iff
      $C_{m,j}\max(X, 1)/h + \max(R_j, G_j) \le \mathrm{lim}$: a lower bound on h, no upper one.
      With ``derivatives`` (`ltc_ref.vjp`) also $C_{m,j}/h^2 \le \mathrm{lim}$ (the
      $\overline{\Delta t}$ term) and $h^2$ normal.
    * paper form, $n_j = x_j + h f_j A_j$, $d_j = 1 + h(1/\tau_j + f_j) + \varepsilon$ with
      $|f_j| \le F_j$ (1 for sigmoid, tanh, hard-tanh; the pre-activation bound $Z_j$ for ReLU):
      $h \le (\mathrm{lim} - 1 - \varepsilon)/(1/\tau_j + F_j)$ and
      $h \le (\mathrm{lim} - X)/(F_j|A_j|)$: an upper bound on h, no lower one. With
      ``derivatives`` also $1/\tau_j^2 \le \mathrm{lim}$ (the $\bar\tau$ term).

    Both forms also need finite pre-activations: $|\sigma_{ij}|(X + |\mu_{ij}|)$,
    $|\sigma^s_{ij}|(|\tilde x_i| + |\mu^s_{ij}|)$ with $|\tilde x_i| \le \max|x_i|\,|w_{in,i}| +
    |b_{in,i}|$ (conductance); $Z_j = X\sum_i|\gamma_{r,ij}| + \sum_i \max|x_i|\,|\gamma_{ij}| +
    |\mu_j|$ (paper), each at most ``lim``. And every h must be a normal number of the dtype.

    For tanh and hard-tanh (f can be negative, no Theorem 2) X bounds the state only as long as
    it has not run away; a run-away is reported by `NonFiniteError`.

    Arguments:
        params: `PaperParams` or `SynapticParams`.
        x: ``(..., C)`` inputs (only their largest magnitude per input is used).
        h0: ``(..., N)`` initial states, or None (zeros).
        epsilon: the fused step's ε.
        derivatives: also require what the VJP's cotangent terms need.

    Returns:
        h_min (float): the shortest accepted sub-step length.
        h_max (float): the longest (may be ``inf``).

    Raises:
        ValueError: naming the parameter fields (or ``x``, ``epsilon``) whose magnitudes no
            step length can carry in this dtype.
    """
    dtype = params.dtype
    cls = type(params).__name__
    tiny = float(np.finfo(dtype).tiny)
    N, C = params.n_units, params.n_inputs
    lim = overflow_limit(dtype, N + C + 4)
    x_max = np.max(np.abs(np.reshape(x, (-1, C))), axis=0) if np.size(x) else np.zeros(C)
    h0_max = 0.0 if h0 is None else _max_abs(h0)

    def refuse(fields, what, value, j):
        raise ValueError(
            f"{fields}: {what} is {value:.4g} at neuron {j}, beyond what {dtype} can carry "
            f"through a step (at most {lim:.4g}); use smaller magnitudes or float64"
        )

    with np.errstate(over="ignore", invalid="ignore"):
        p = {
            name: np.asarray(getattr(params, name), dtype=np.float64)
            for name in params.ARRAY_FIELDS
        }
        if isinstance(params, SynapticParams):
            X = max(h0_max, _conductance_hull(p))
            x_tilde = x_max * np.abs(p["input_w"]) + np.abs(p["input_b"])
            R, G = _conductance_sums(p, epsilon)
            checks = [
                (
                    f"{cls}.gleak, vleak, w, erev, sensory_w, sensory_erev",
                    "the numerator's sum |g_l v_l| + Σ w|E| + Σ w_s|E_s|",
                    R,
                ),
                (
                    f"{cls}.gleak, w, sensory_w, epsilon",
                    "the denominator's sum g_l + Σ w + Σ w_s + ε",
                    G,
                ),
            ]
            checks += [
                ("x, input_w, input_b", "the mapped input |x·input_w + input_b|", x_tilde),
                (
                    f"{cls}.sigma, mu",
                    "the pre-activation |sigma|·(X + |mu|), X the hull of h0, vleak, erev",
                    np.max(np.abs(p["sigma"]) * (X + np.abs(p["mu"])), axis=0, initial=0.0),
                ),
                (
                    f"{cls}.sensory_sigma, sensory_mu",
                    "the pre-activation |sensory_sigma|·(|x~| + |sensory_mu|)",
                    np.max(
                        np.abs(p["sensory_sigma"]) * (x_tilde[:, None] + np.abs(p["sensory_mu"])),
                        axis=0,
                        initial=0.0,
                    ),
                ),
            ]
        else:
            X = max(h0_max, _max_abs(p["A"]))
            Z = (
                X * np.sum(np.abs(p["gamma_r"]), axis=0)
                + np.sum(x_max[:, None] * np.abs(p["gamma"]), axis=0)
                + np.abs(p["mu"])
            )
            inv_tau = 1.0 / p["tau"]
            checks = [
                (
                    f"x, {cls}.gamma, gamma_r, mu",
                    "the pre-activation bound X·Σ|gamma_r| + Σ|x||gamma| + |mu|",
                    Z,
                ),
                (f"{cls}.tau", "1/tau", inv_tau),
                ("epsilon", "the denominator's 1 + epsilon", np.full(N, 1.0 + epsilon)),
            ]
            if derivatives:
                checks.append((f"{cls}.tau", "1/tau² (in the tau cotangent)", inv_tau**2))
        for fields, what, values in checks:
            values = np.asarray(values, dtype=np.float64)
            bad = ~(values <= lim)
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                refuse(fields, what, float(values[j]), j)

        if isinstance(params, SynapticParams):
            cm = p["cm"]
            h_min = float(np.max(cm * max(X, 1.0) / (lim - np.maximum(R, G))))
            if derivatives:
                h_min = max(h_min, float(np.sqrt(np.max(cm) / lim)), float(np.sqrt(tiny)))
            h_max = np.inf
        else:
            F = np.ones(N) if params.activation != "relu" else Z
            h_max = float(np.min((lim - 1.0 - epsilon) / (inv_tau + F)))
            fA = F * np.abs(p["A"])
            if np.any(fA > 0):
                h_max = min(h_max, float(np.min((lim - X) / fA[fA > 0])))
            h_min = 0.0
    return max(h_min, tiny), h_max


#: Relative slack of `_inside_bounds`'s float64 arithmetic against `step_range`'s: the same
#: bounds computed in another order (a common factor taken out of a maximum), a few roundings of
#: 2^-53 apart; 64 ulp keeps the quick acceptance strictly inside the exact one.
_QUICK_SLACK = 64 * float(np.finfo(np.float64).eps)

_SUMMARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _parameter_summary(params, epsilon: float, derivatives: bool):
    """What `_inside_bounds` needs of ``params`` (cached per container, ε and ``derivatives``):
    maxima and per-neuron sums of the magnitudes in `step_range`'s bounds, or ``None`` when a
    bound that depends on the parameters alone already fails (`step_range` then names it)."""
    entry = _SUMMARIES.setdefault(params, {})
    key = (float(epsilon), bool(derivatives))
    if key in entry:
        return entry[key]
    dtype = params.dtype
    N, C = params.n_units, params.n_inputs
    lim = overflow_limit(dtype, N + C + 4)
    p = {
        name: np.abs(np.asarray(getattr(params, name), dtype=np.float64))
        for name in params.ARRAY_FIELDS
    }
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(params, SynapticParams):
            M = np.maximum(*_conductance_sums(p, epsilon))
            summary = None
            if np.all(M <= lim / (1 + _QUICK_SLACK)):
                summary = {
                    "X": _conductance_hull(p),
                    "cm_over": float(np.max(p["cm"] / (lim - M))),  # h_min / max(X, 1)
                    "cm_max": _max_abs(p["cm"]),
                    "sigma": _max_abs(p["sigma"]),
                    "mu": _max_abs(p["mu"]),
                    "s_sigma": _max_abs(p["sensory_sigma"]),
                    "s_mu": _max_abs(p["sensory_mu"]),
                    "input_w": p["input_w"],
                    "input_b": p["input_b"],
                }
        else:
            inv_tau = 1.0 / p["tau"]
            worst_tau = inv_tau**2 if derivatives else inv_tau
            summary = None
            if np.all(worst_tau <= lim / (1 + _QUICK_SLACK)) and 1.0 + epsilon <= lim:
                summary = {
                    "A": p["A"],
                    "X": _max_abs(p["A"]),
                    "inv_tau": inv_tau,
                    "mu": p["mu"],
                    "gamma_r": np.sum(p["gamma_r"], axis=0),
                    "gamma": np.sum(p["gamma"], axis=0),
                }
    entry[key] = summary
    return summary


def _inside_bounds(params, call, h, derivatives: bool) -> bool:
    """Whether every sub-step length ``h`` ``(B, T)`` of ``call`` lies inside bounds that imply
    `step_range`'s (the same bounds with the inputs' and states' magnitudes replaced by their
    maxima, and a relative slack of `_QUICK_SLACK`): True accepts the call, False means "ask
    `step_range`", never "refuse"."""
    if not isinstance(call.solver, Fused):
        return False  # rare: the exact path
    summary = _parameter_summary(params, call.epsilon, derivatives)
    if summary is None:
        return False
    dtype = params.dtype
    N, C = params.n_units, params.n_inputs
    lim = overflow_limit(dtype, N + C + 4) / (1 + _QUICK_SLACK)
    tiny = float(np.finfo(dtype).tiny)
    x_max = np.max(np.abs(call.x), axis=(0, 1)).astype(np.float64)  # (C,)
    X = max(_max_abs(call.h0), summary["X"])
    h_lo, h_hi = float(np.min(h)), float(np.max(h))
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(params, SynapticParams):
            x_tilde = float(np.max(x_max * summary["input_w"] + summary["input_b"], initial=0.0))
            h_min = max(X, 1.0) * summary["cm_over"] * (1 + _QUICK_SLACK)
            if derivatives:
                h_min = max(h_min, np.sqrt(summary["cm_max"] / lim), np.sqrt(tiny))
            return bool(
                x_tilde <= lim
                and summary["sigma"] * (X + summary["mu"]) <= lim
                and summary["s_sigma"] * (x_tilde + summary["s_mu"]) <= lim
                and h_lo >= max(h_min, tiny)
            )
        Z = X * summary["gamma_r"] + float(np.max(x_max, initial=0.0)) * summary["gamma"]
        Z = Z + summary["mu"]
        F = Z if params.activation == "relu" else np.ones(N)
        h_max = float(np.min((lim - 1.0 - call.epsilon) / (summary["inv_tau"] + F)))
        fA = F * summary["A"]
        if np.any(fA > 0):
            h_max = min(h_max, float(np.min((lim - X) / fA[fA > 0])))
        return bool(np.all(Z <= lim) and h_lo >= tiny and h_hi <= h_max * (1 - _QUICK_SLACK))


def dt_range(params, x, *, h0=None, unfolds=6, epsilon=0.0, derivatives=False):
    r"""The elapsed times Δt that `forward` (``derivatives=False``) or `ltc_ref.vjp`
    (``derivatives=True``) accept with the fused solver for these parameters, inputs and initial
    states: ``(dt_min, dt_max)``, the interval $L\,[h_{min}, h_{max}]$ of `step_range` shrunk by
    four roundings of the dtype (so that every Δt inside passes after the cast and the division
    by L), and capped at the dtype's largest finite number. Theorem 2 holds over the whole
    interval (``tests/test_edges.py``).

    Arguments as for `forward`.

    Returns:
        dt_min (float): the shortest accepted elapsed time of an input step.
        dt_max (float): the longest (may be ``inf``).
    """
    dynamics_of(params)  # raises TypeError for anything but the two parameter containers
    dtype = params.dtype
    L = v.check_int("unfolds", unfolds, minimum=1, maximum=MAX_UNFOLDS)
    h_min, h_max = step_range(params, x, h0=h0, epsilon=epsilon, derivatives=derivatives)
    slack = 4 * float(np.finfo(dtype).eps)
    top = float(np.finfo(dtype).max)
    with np.errstate(over="ignore"):
        return h_min * L * (1 + slack), min(h_max * L * (1 - slack), top)


def check_step_range(params, call, *, derivatives=False) -> None:
    """Refuse a call whose sub-steps a fused step cannot carry in the parameters' dtype (see
    `step_range`; for other solvers only the parameter magnitudes and normal sub-step lengths
    are checked): a ``ValueError`` naming ``dt`` (or the fields), the dtype and the limits.

    Most calls are far inside the range: `_inside_bounds` accepts them from a summary of the
    parameters kept per (immutable) container and a few reductions of the call's arrays, with
    bounds that are never looser than `step_range`'s; a call it cannot accept so cheaply goes
    through `step_range` itself, which decides (and words the error)."""
    dtype = params.dtype
    h = call.dt / call.unfolds if isinstance(call.solver, FixedStepSolver) else call.dt
    if _inside_bounds(params, call, h, derivatives):
        return
    h_min, h_max = step_range(
        params, call.x, h0=call.h0, epsilon=call.epsilon, derivatives=derivatives
    )
    if not isinstance(call.solver, Fused):
        h_min, h_max = float(np.finfo(dtype).tiny), np.inf
    bad = (h < h_min) | (h > h_max)
    if not bad.any():
        return
    b, t = (int(i) for i in np.argwhere(bad)[0])
    L = call.unfolds if isinstance(call.solver, FixedStepSolver) else 1
    slack = 4 * float(np.finfo(dtype).eps)
    with np.errstate(over="ignore"):
        lo, hi = h_min * L * (1 + slack), min(h_max * L * (1 - slack), float(np.finfo(dtype).max))
    what = "forward" if not derivatives else "vjp"
    form = "paper form" if isinstance(params, PaperParams) else "conductance form"
    raise ValueError(
        f"dt: got {float(call.dt[b, t]):.6g} (sample {b}, step {t}; sub-step dt/L = "
        f"{float(h[b, t]):.6g} with L = {L}); {what} with solver {call.solver.name!r} in "
        f"{dtype} accepts {lo:.6g} <= dt <= {hi:.6g} for these parameters ({form}; beyond, "
        "a sum of the step would overflow or the sub-step would not be a normal number — see "
        "docs/errors.md, 'Supported ranges')"
    )
