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
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from . import _validation as v
from .model import dynamics_of
from .solvers import SOLVERS, Fused, Solver


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
        ``(y, h)``: ``y`` the output sequence ``(B, T, M)`` and ``h`` the state sequence
        ``(B, T, N)`` after each input step (unbatched: ``(T, M)`` and ``(T, N)``), in the
        parameters' dtype. The paper's form outputs its state (M = N); the conductance form
        outputs ``v[:, :, :M] * output_w + output_b``.

    Raises:
        TypeError, ValueError: naming the argument, the expected and the received
            shape/dtype/range, for any invalid argument (see the docs' error list).
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


def validate_call(params, x, h0, dt, unfolds, solver, epsilon) -> Call:
    """Validate the arguments of `forward` (shared by `ltc_ref.vjp`); see `forward`."""
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
    unfolds = v.check_int("unfolds", unfolds, minimum=1)
    solver = _check_solver(solver)
    epsilon = v.check_real("epsilon", epsilon, minimum=0.0)
    if epsilon != 0.0 and not solver.uses_epsilon:
        raise ValueError(
            f"epsilon: only the fused solver uses epsilon; got epsilon={epsilon} with "
            f"solver={solver.name!r} (pass epsilon=0)"
        )

    return Call(x, h0, dt, unfolds, solver, epsilon, batched, dt_shape)


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
        arr = np.full((B, T), float(dt))
        v.check_finite("dt", arr[:1, :1])
        if not dt > 0:
            raise ValueError(f"dt: expected elapsed times > 0, got {dt}")
        return arr.astype(dtype)
    arr = np.asarray(dt)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"dt: expected a real scalar or array, got dtype {arr.dtype}")
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
    return np.broadcast_to(arr, (B, T)).astype(dtype)


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
