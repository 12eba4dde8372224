r"""Gradient checking, public so that other implementations can check themselves with it.

Two independent references for a vector–Jacobian product:

* `autograd_vjp` — autograd tracing the NumPy specification itself (`ltc_ref.forward`'s core is
  written with ``autograd.numpy``), exact to rounding;
* `check_vjp` — random directions: for $u$ in the input space and $v$ in the output space,
  $\langle u, \mathrm{VJP}(v)\rangle$ must equal $\langle v, J u\rangle$, with $J u$ from
  central differences $(F(x + \epsilon u) - F(x - \epsilon u)) / 2\epsilon$ (the idea of
  autograd's ``check_grads``).

Central-difference step and tolerance (float64): the truncation error is
$\epsilon^2 |F'''| / 6$ and the rounding error about $\delta |F| / \epsilon$ with
$\delta \approx 10^{-16}$; $\epsilon = 10^{-6}$ balances them near $10^{-10}$ relative for
O(1) derivatives. `FD_RTOL` = 1e-6 leaves four orders of magnitude for the conditioning of an LTC
sequence (products of T·L Jacobians). The checks are meaningful in float64 only.
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np

from .._validation import check_int
from ..model.cotangents import Cotangents

#: Central-difference step, relative to the size of the direction (see the module docstring).
FD_STEP = 1e-6
#: Tolerance of $|\langle u, \mathrm{VJP}(v)\rangle - \langle v, Ju\rangle|$ relative to
#: $\max(|\langle u, \mathrm{VJP}(v)\rangle|, |\langle v, Ju\rangle|)$ (see the module docstring).
FD_RTOL = 1e-6


@dataclass(frozen=True)
class VJPCheck:
    """Result of `check_vjp`: per random direction, the two inner products and their relative
    difference; ``max_rel_error`` is the worst."""

    vjp_dots: tuple
    jvp_dots: tuple
    rel_errors: tuple
    step: float
    rtol: float

    @property
    def max_rel_error(self) -> float:
        return max(self.rel_errors)

    @property
    def passed(self) -> bool:
        return self.max_rel_error <= self.rtol


def check_vjp(fun, x, vjp_fun, *, directions=3, step=FD_STEP, rtol=FD_RTOL, rng=None, raises=True):
    r"""Check ``vjp_fun`` against central differences of ``fun`` along random directions.

    Arguments:
        fun: callable ``x -> y`` on float64 arrays (any shapes).
        x: the point, a float64 array.
        vjp_fun: callable ``(x, v) -> u`` returning $J(x)^T v$ with ``x``'s shape.
        directions: number of random pairs $(u, v)$ (>= 1), each standard normal.
        step: central-difference step $\epsilon$.
        rtol: tolerance on the relative difference of the inner products.
        rng: ``numpy.random.Generator`` (default: seeded with 0).
        raises: raise ``AssertionError`` with a readable message when the check fails.

    Returns:
        `VJPCheck`.
    """
    directions = check_int("directions", directions, minimum=1)  # 0 would pass vacuously
    rng = rng or np.random.default_rng(0)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(fun(x))
    vjp_dots, jvp_dots, errors = [], [], []
    for _ in range(directions):
        u = rng.standard_normal(x.shape)
        v = rng.standard_normal(y.shape)
        jvp = (np.asarray(fun(x + step * u)) - np.asarray(fun(x - step * u))) / (2 * step)
        a = float(np.sum(u * np.asarray(vjp_fun(x, v))))
        b = float(np.sum(v * jvp))
        vjp_dots.append(a)
        jvp_dots.append(b)
        errors.append(abs(a - b) / max(abs(a), abs(b), np.finfo(float).tiny))
    result = VJPCheck(tuple(vjp_dots), tuple(jvp_dots), tuple(errors), step, rtol)
    if raises and not result.passed:
        rows = "\n".join(
            f"  direction {i}: <u, VJP(v)> = {a:.12g}, <v, J u>_fd = {b:.12g}, rel. error {e:.2e}"
            for i, (a, b, e) in enumerate(zip(vjp_dots, jvp_dots, errors, strict=True))
        )
        raise AssertionError(
            f"VJP disagrees with central differences (step {step:g}, rtol {rtol:g}):\n{rows}"
        )
    return result


# ---- the network's inputs as one vector --------------------------------------------------------


def flatten_all(params) -> np.ndarray:
    """Every array field of a parameter container (masks included), in ``ARRAY_FIELDS`` order,
    as one vector: the space in which `vjp`'s ``g_params`` lives."""
    return np.concatenate([np.ravel(getattr(params, k)) for k in params.ARRAY_FIELDS])


def unflatten_all(params, vector):
    """Inverse of `flatten_all`, without validation (traceable by autograd; entries may be
    negative or non-binary, as in a perturbed point or a cotangent)."""
    fields, start = {}, 0
    for name in params.ARRAY_FIELDS:
        ref = getattr(params, name)
        fields[name] = anp.reshape(vector[start : start + ref.size], ref.shape)
        start += ref.size
    if hasattr(params, "activation"):
        fields["activation"] = params.activation
    return type(params).unvalidated(**fields)


def autograd_vjp(
    params, x, g_y, *, g_h=None, h0=None, dt=1.0, unfolds=6, solver="fused", epsilon=0.0
):
    """The VJP of `ltc_ref.forward` computed by autograd tracing the specification.

    Same arguments and return values as `ltc_ref.vjp` (batched calls; ``dt`` a ``(B, T)`` array
    is returned as ``(B, T)``, a scalar as a float, ``(T,)`` as ``(T,)``). Slow; for checking.
    """
    from ..forward import forward_traceable, validate_call

    call = validate_call(params, x, h0, dt, unfolds, solver, epsilon)
    # Validated like ltc_ref.vjp's: a g_y of another shape is an error, never reshaped.
    g_y, g_h = call.output_cotangents(params, g_y, g_h)

    def scalar(vec, xs, h_0, dts):
        y, h = forward_traceable(
            unflatten_all(params, vec), xs, h_0, dts, call.unfolds, call.solver, call.epsilon
        )
        out = anp.sum(y * g_y)
        return out if g_h is None else out + anp.sum(h * g_h)

    g_vec, g_x, g_h0, g_dt = autograd.grad(scalar, (0, 1, 2, 3))(
        flatten_all(params), call.x, call.h0, call.dt
    )
    return (unflatten_all(params, g_vec), *call.input_cotangents(g_x, g_h0, g_dt))


def check_forward_vjp(
    params,
    x,
    *,
    h0=None,
    dt=1.0,
    unfolds=6,
    solver="fused",
    epsilon=0.0,
    vjp_fn=None,
    forward_fn=None,
    directions=3,
    rng=None,
    raises=True,
):
    """Check a VJP of the LTC sequence map against central differences, jointly in every
    parameter field, the inputs, the initial state and the elapsed times.

    Arguments:
        params: the parameters (float64).
        x: ``(B, T, C)`` inputs.
        h0: ``(B, N)`` initial state (default zeros).
        dt: ``(B, T)`` elapsed times (or a scalar, broadcast to ``(B, T)``).
        unfolds: L.
        solver: a fixed-step solver name.
        epsilon: the fused step's ε.
        vjp_fn: the candidate, with `ltc_ref.vjp`'s signature and returns (default
            `ltc_ref.vjp`); its ``g_params`` may be `ltc_ref.Cotangents`, a mapping
            ``{field: array}`` (missing fields are zeros) or a container with the fields.
        forward_fn: the function differenced, with `ltc_ref.forward`'s signature (default
            `ltc_ref.forward`).
        directions: number of random direction pairs.
        rng: ``numpy.random.Generator``.
        raises: raise ``AssertionError`` when the check fails.

    Returns:
        `VJPCheck`.
    """
    from ..forward import forward
    from ..gradients import vjp

    vjp_fn = vjp_fn or vjp
    forward_fn = forward_fn or forward
    x = np.asarray(x, dtype=np.float64)
    B, T = x.shape[:2]
    h0 = np.zeros((B, params.n_units)) if h0 is None else np.asarray(h0, dtype=np.float64)
    dt = np.broadcast_to(np.asarray(dt, dtype=np.float64), (B, T)).copy()
    sizes = [flatten_all(params).size, x.size, h0.size, dt.size]
    cuts = np.cumsum(sizes)[:-1]

    def split(z):
        p, xs, h, d = np.split(z, cuts)
        return (
            unflatten_all(params, p),
            xs.reshape(x.shape),
            h.reshape(h0.shape),
            d.reshape(dt.shape),
        )

    def fun(z):
        p, xs, h, d = split(z)
        y, hs = forward_fn(p, xs, h0=h, dt=d, unfolds=unfolds, solver=solver, epsilon=epsilon)
        return np.concatenate([np.ravel(y), np.ravel(hs)])

    n_y = B * T * params.n_outputs

    def vjp_fun(z, w):
        p, xs, h, d = split(z)
        g_y = w[:n_y].reshape(B, T, -1)
        g_h = w[n_y:].reshape(B, T, -1)
        gp, gx, gh0, gdt = vjp_fn(
            p, xs, g_y, g_h=g_h, h0=h, dt=d, unfolds=unfolds, solver=solver, epsilon=epsilon
        )
        gp = Cotangents.of(p, gp)  # Cotangents, a mapping {field: array} or a container
        return np.concatenate([gp.flatten_all(), np.ravel(gx), np.ravel(gh0), np.ravel(gdt)])

    z0 = np.concatenate([flatten_all(params), x.ravel(), h0.ravel(), dt.ravel()])
    return check_vjp(fun, z0, vjp_fun, directions=directions, rng=rng, raises=raises)


__all__ = [
    "FD_RTOL",
    "FD_STEP",
    "VJPCheck",
    "autograd_vjp",
    "check_forward_vjp",
    "check_vjp",
    "flatten_all",
    "unflatten_all",
]
