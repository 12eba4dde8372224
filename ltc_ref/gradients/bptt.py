r"""Backpropagation through time for `ltc_ref.forward`, written by hand.

The forward pass stores the state $h_t$ after every input step (``(B, T, N)``); nothing inside an
input step is kept. The backward pass walks the sequence in reverse: for input step $t$ it
recomputes the L sub-step states from $h_{t-1}$, differentiates the sub-steps in reverse
(`FixedStepSolver.advance_vjp`), then the input drive:

$$
\bar h_t \mathrel{+}= \bar y_t\,\frac{\partial y_t}{\partial h_t} + \bar h^{ext}_t,\qquad
(\bar\theta, \bar h_{t-1}, \bar d_t, \overline{\Delta t}_t) =
    \mathrm{advance}^*(h_{t-1}, d_t, \Delta t_t; \bar h_t),\qquad
(\bar\theta, \bar I_t) \mathrel{+}= \mathrm{drive}^*(I_t; \bar d_t).
$$

Memory: the stored states, $T \cdot B \cdot N$ numbers, plus one input step's L sub-step states
and the temporaries of one sub-step's VJP ($O(B N^2)$ in the conductance form) — never
$O(T \cdot L \cdot B \cdot N^2)$. Compute: the forward pass once, the forward sub-steps once more
during the backward pass, and the VJPs: about 1 + 1 + 2 forward costs.
"""

from __future__ import annotations

import autograd
import numpy as np

from ..forward import (
    check_backend,
    check_finite_result,
    forward_traceable,
    validate_call,
)
from ..model import dynamics_of
from ..model.cotangents import Cotangents, add_cotangents
from ..model.params import PaperParams
from ..solvers import FIXED_STEP_SOLVERS, FixedStepSolver


def vjp(
    params,
    x,
    g_y,
    *,
    g_h=None,
    h0=None,
    dt=1.0,
    unfolds=6,
    solver="fused",
    epsilon=0.0,
    backend="numpy",
):
    r"""Vector–Jacobian product of `ltc_ref.forward` by backpropagation through time.

    For the cotangents $\bar y$ of the outputs (and optionally $\bar h$ of the states) returns
    the cotangents of every input of ``forward``: for a scalar loss $\ell(y, h)$ with
    ``g_y = dℓ/dy`` and ``g_h = dℓ/dh``, these are the gradients of $\ell$.

    Arguments:
        params: `PaperParams` or `SynapticParams`.
        x: ``(B, T, C)`` or unbatched ``(T, C)``, as for `forward`.
        g_y: ``(B, T, M)`` (unbatched ``(T, M)``) cotangent of the outputs ``y``.
        g_h: optional ``(B, T, N)`` (unbatched ``(T, N)``) cotangent of the states ``h``.
        h0: as for `forward`.
        dt: as for `forward`.
        unfolds: as for `forward`.
        solver: ``"fused"``, ``"euler"`` or ``"rk4"`` (or an instance); the adaptive solver is
            not differentiated here (see `ltc_ref.gradients.adjoint`).
        epsilon: as for `forward`.
        backend: ``"numpy"`` (default: the readable specification below) or ``"numba"``
            (the compiled kernels of `ltc_ref.kernels`, fused solver only; the same numbers to
            a few rounding errors).

    Returns:
        g_params (Cotangents): at ``params``: every field (``g_params.tau``, ``g_params.w`` …) holds
            the cotangent of that field's physical value (any real number: cotangents of positive
            fields may be negative; masks get their true partial derivative although they are not
            trained; ``flatten``, ``astype``, ``replace`` and comparisons work).
        g_x (np.ndarray): like ``x``.
        g_h0 (np.ndarray): like ``h0`` (``(B, N)`` or ``(N,)``).
        g_dt (float | np.ndarray): in the form ``dt`` was given (a float for a scalar, ``(T,)`` or
            ``(B, T)``).

    Raises:
        NonFiniteError: the states or a cotangent became NaN or ±inf (see `ltc_ref.forward`);
            the error names the input step.
    """
    call = _validate_differentiable_call(params, x, h0, dt, unfolds, solver, epsilon)
    g_y, g_h = call.output_cotangents(params, g_y, g_h)  # before the forward pass: fail early
    _, states = _forward_states(params, call, backend)
    return _pullback(params, call, states, backend, g_y, g_h)


def forward_and_pullback(
    params, x, *, h0=None, dt=1.0, unfolds=6, solver="fused", epsilon=0.0, backend="numpy"
):
    r"""`ltc_ref.forward` and, for the same call, a function that backpropagates through it.

    One forward pass serves both the outputs and any number of backward passes: where
    ``forward`` followed by `vjp` runs the forward pass twice (``vjp`` recomputes the states),
    ``y, h, pullback = forward_and_pullback(...)`` runs it once and ``pullback(g_y)`` reuses its
    stored states $h_t$ — the $T \cdot B \cdot N$ numbers ``forward`` returns anyway, so the
    memory is the same $O(T B N)$. This is what a training step wants (`value_and_grad`,
    `ltc_ref.training`): the loss needs ``y`` before its cotangent ``g_y`` is known.

    Arguments:
        params: `PaperParams` or `SynapticParams`, as for `ltc_ref.forward`.
        x: ``(B, T, C)`` or unbatched ``(T, C)``, as for `ltc_ref.forward`.
        h0: as for `ltc_ref.forward`.
        dt: as for `ltc_ref.forward`.
        unfolds: as for `ltc_ref.forward`.
        solver: as for `vjp` (the fixed-step solvers).
        epsilon: as for `ltc_ref.forward`.
        backend: as for `ltc_ref.forward`.

    Returns:
        y (np.ndarray): the outputs, as `ltc_ref.forward` returns them.
        h (np.ndarray): the states, as `ltc_ref.forward` returns them (read-only: ``pullback``
            reads it).
        pullback (Pullback): ``pullback(g_y, g_h=None)`` returns ``(g_params, g_x, g_h0, g_dt)``
            exactly as `vjp` does for the same call (bit for bit: it is the same computation without
            the repeated forward pass).

    Raises:
        ValueError: as `ltc_ref.forward` (and `vjp`: the adaptive solver is refused).
        NonFiniteError: the states became NaN or ±inf; ``pullback`` raises it for a cotangent,
            as `vjp`.
    """
    call = _validate_differentiable_call(params, x, h0, dt, unfolds, solver, epsilon)
    y, states = _forward_states(params, call, backend)
    states.flags.writeable = False
    pullback = Pullback(params, call, states, backend)
    if not call.batched:
        return y[0], states[0], pullback
    return y, states, pullback


class Pullback:
    """The backward pass of one `forward_and_pullback` call: ``pullback(g_y, g_h=None)``.

    Holds the call's validated arguments and the states of its forward pass (read-only); may be
    called any number of times, with any cotangents of the shapes `vjp` takes.
    """

    def __init__(self, params, call, states, backend):
        self._params, self._call, self._states, self._backend = params, call, states, backend

    def __call__(self, g_y, g_h=None):
        """The cotangents of every input of the forward call, as `vjp` returns them.

        Arguments:
            g_y: ``(B, T, M)`` (unbatched ``(T, M)``) cotangent of the outputs ``y``.
            g_h: optional ``(B, T, N)`` (unbatched ``(T, N)``) cotangent of the states ``h``.

        Returns:
            g_params (Cotangents): see `vjp`.
            g_x (np.ndarray): see `vjp`.
            g_h0 (np.ndarray): see `vjp`.
            g_dt (float | np.ndarray): see `vjp`.
        """
        g_y, g_h = self._call.output_cotangents(self._params, g_y, g_h)
        return _pullback(self._params, self._call, self._states, self._backend, g_y, g_h)

    def __repr__(self) -> str:
        B, T, _ = self._call.x.shape
        return (
            f"Pullback({type(self._params).__name__}, B={B}, T={T}, "
            f"solver={self._call.solver.name!r}, backend={self._backend!r})"
        )


def _validate_differentiable_call(params, x, h0, dt, unfolds, solver, epsilon):
    """`validate_call`, refusing the solvers `vjp` does not differentiate."""
    call = validate_call(params, x, h0, dt, unfolds, solver, epsilon, derivatives=True)
    if not isinstance(call.solver, FixedStepSolver):
        raise ValueError(
            f"solver: vjp differentiates the fixed-step solvers {FIXED_STEP_SOLVERS}, got "
            f"{call.solver.name!r}; for the adaptive solver use ltc_ref.gradients.adjoint"
        )
    return call


def _forward_states(params, call, backend):
    """``(y, states)``, batched, of the validated ``call`` on ``backend``, checked finite."""
    if check_backend(backend, call.solver) == "numba":
        from ..kernels import forward as kernel_forward

        y, states = kernel_forward(params, call)
    else:
        y, states = forward_traceable(
            params, call.x, call.h0, call.dt, call.unfolds, call.solver, call.epsilon
        )
    check_finite_result("the states h", states, params=params, call=call)
    check_finite_result("the outputs y", y, params=params, call=call)
    return y, states


def _pullback(params, call, states, backend, g_y, g_h):
    """The reverse sweep from the forward pass's ``states`` (batched, validated cotangents),
    checked finite, with the input cotangents in the caller's forms."""
    if backend == "numba":
        from ..kernels import vjp as kernel_vjp

        g_params, g_x, g_h0, g_dt = kernel_vjp(params, call, g_y, g_h, states=states)
    else:
        g_params, g_x, g_h0, g_dt = _backward(params, call, states, g_y, g_h)
    check_finite_result("g_x", g_x, params=params, call=call, reverse=True)
    fields = {f"g_{f}": getattr(g_params, f) for f in params.ARRAY_FIELDS}
    for name, value in {"g_h0": g_h0, "g_dt": g_dt, **fields}.items():
        check_finite_result(name, value, params=params, call=call)
    return (Cotangents.of(params, g_params), *call.input_cotangents(g_x, g_h0, g_dt))


def _backward(params, call, states, g_y, g_h):
    """The reverse sweep of `vjp` on validated, batched arguments."""
    dynamics = dynamics_of(params)
    solver, L, eps = call.solver, call.unfolds, call.epsilon
    T = call.x.shape[1]
    g_params = {}
    g_x = np.zeros_like(call.x)
    g_dt = np.zeros_like(call.dt)
    gp, g_state_seq = dynamics.output_vjp(params, states, g_y)
    add_cotangents(g_params, gp)
    if g_h is not None:
        g_state_seq = g_state_seq + g_h
    g = np.zeros_like(call.h0)  # cotangent of the state after the current step
    for t in range(T - 1, -1, -1):
        g = g + g_state_seq[:, t]
        h_prev = states[:, t - 1] if t > 0 else call.h0
        I = call.x[:, t]
        drive = dynamics.input_drive(params, I)
        dt = call.dt[:, t : t + 1]
        gp, g, g_drive, g_dt_t = solver.advance_vjp(dynamics, params, h_prev, drive, dt, L, eps, g)
        add_cotangents(g_params, gp)
        gp, g_x[:, t] = dynamics.input_drive_vjp(params, I, g_drive)
        add_cotangents(g_params, gp)
        g_dt[:, t] = g_dt_t[:, 0]
    return _container(params, g_params), g_x, g, g_dt


def _container(params, g_params: dict):
    """The parameter cotangents as a container of ``params``'s type (unvalidated); fields that
    received no cotangent (e.g. masks of the paper form — it has none) are zeros."""
    fields = {}
    for name in params.ARRAY_FIELDS:
        ref = getattr(params, name)
        fields[name] = np.asarray(g_params.get(name, np.zeros_like(ref)), dtype=ref.dtype)
    if isinstance(params, PaperParams):
        fields["activation"] = params.activation
    return type(params).unvalidated(**fields)


def grad_to_flat(params, g_params, *, raw: bool = False) -> np.ndarray:
    r"""Flatten cotangents like ``params.flatten(raw=raw)`` flattens the parameters.

    With ``raw=True`` the positive fields' cotangents are mapped through the softplus chain
    rule, $\bar r = \bar x\, \varphi'(r) = \bar x\,(1 - e^{-x})$ where $x = \varphi(r)$ is the
    physical value, so the result is the gradient with respect to ``params.flatten(raw=True)``
    (`ltc_ref.Cotangents.flatten`).

    Arguments:
        params: the parameters the cotangents belong to.
        g_params: their `ltc_ref.Cotangents` (as returned by `vjp`), a mapping
            ``{field: array}`` or a container with the same fields.
        raw: see above.

    Returns:
        ``(params.n_trainable,)``.

    Raises:
        TypeError: ``params`` is not a parameter container, or ``g_params`` not cotangents of
            one of its type (naming what is missing).
    """
    return Cotangents.of(params, g_params).flatten(raw=raw)


def value_and_grad(
    loss_fn,
    params,
    x,
    *,
    h0=None,
    dt=1.0,
    unfolds=6,
    solver="fused",
    epsilon=0.0,
    backend="numpy",
):
    r"""The loss of a sequence and its gradient with respect to the parameters, for training.

    ``loss_fn(y)`` maps the output sequence (``(B, T, M)``, or ``(T, M)`` unbatched) to a scalar
    and must be written with ``autograd.numpy`` (it is differentiated by autograd; the network
    itself is differentiated by the hand-written `vjp`). Close over targets, e.g.
    ``lambda y: anp.mean((y - target) ** 2)``.

    Arguments:
        loss_fn: callable ``y -> float``.
        params: `PaperParams` or `SynapticParams`.
        x: as for `forward`.
        h0: as for `forward`.
        dt: as for `forward`.
        unfolds: as for `forward`.
        solver: as for `vjp`.
        epsilon: as for `forward`.
        backend: as for `vjp`.

    Returns:
        loss (float): the loss. One forward pass (`forward_and_pullback`); the loss's cotangent is
            cast to the parameters' dtype.
        g_params (Cotangents): its gradient, a container of cotangents (use `grad_to_flat` to get
            the gradient of ``params.flatten(raw=...)``).

    Raises:
        TypeError: ``loss_fn`` is not callable. ValueError: it does not return a scalar.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a callable y -> scalar, got {type(loss_fn).__name__}")
    y, _, pullback = forward_and_pullback(
        params, x, h0=h0, dt=dt, unfolds=unfolds, solver=solver, epsilon=epsilon, backend=backend
    )
    loss_vjp, loss = autograd.make_vjp(loss_fn)(y)
    if np.ndim(loss) != 0 or np.iscomplexobj(loss):
        raise ValueError(
            f"loss_fn: expected a real scalar loss, got {np.asarray(loss).dtype} of shape "
            f"{np.shape(loss)} (reduce it, e.g. with anp.mean)"
        )
    g_y = loss_vjp(np.ones((), dtype=np.result_type(loss)))
    # autograd computes the loss in the dtype it promotes to (a float64 scalar for a float32 y
    # in `anp.mean((y - target) ** 2)` with a float64 target): its cotangent is cast back.
    g_y = np.asarray(g_y, dtype=params.dtype)
    g_params, *_ = pullback(g_y)
    return float(loss), g_params


__all__ = ["Pullback", "forward_and_pullback", "grad_to_flat", "value_and_grad", "vjp"]
