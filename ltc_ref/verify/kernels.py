"""``ltc-ref verify``: the Numba kernels against the NumPy specification (forward and BPTT, both
forms, both dtypes, within `ltc_ref.kernels.AGREEMENT_RTOL`) and their fast sigmoid against a
40-digit reference."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np

from ..forward import forward
from ..gradients import vjp
from ..kernels import AGREEMENT_RTOL, SIGMOID_ATOL, SIGMOID_RTOL, U_MAX_32, U_MAX_64, fast_sigmoid
from ..testing.measure import relative_error
from .networks import everything_on_problem
from .report import CheckResult


def forward_agreement(form: str, dtype=np.float64, *, seed=0) -> float:
    """Worst relative error of the kernels' ``(y, h)`` against the NumPy specification."""
    params, x, kwargs, _, _ = everything_on_problem(form, dtype, seed=seed)
    spec = forward(params, x, **kwargs)
    kernel = forward(params, x, backend="numba", **kwargs)
    return max(relative_error(k, s) for k, s in zip(kernel, spec, strict=True))


def vjp_agreement(form: str, dtype=np.float64, *, seed=0) -> tuple[float, str]:
    """Worst relative error of the kernels' cotangents (every parameter field, ``x``, ``h0``,
    ``dt``) against the specification's BPTT, and the name of the worst one."""
    params, x, kwargs, g_y, g_h = everything_on_problem(form, dtype, seed=seed)
    spec = vjp(params, x, g_y, g_h=g_h, **kwargs)
    kernel = vjp(params, x, g_y, g_h=g_h, backend="numba", **kwargs)
    errors = {
        f"g_{name}": relative_error(getattr(kernel[0], name), getattr(spec[0], name))
        for name in params.ARRAY_FIELDS
    }
    for name, k, s in zip(("g_x", "g_h0", "g_dt"), kernel[1:], spec[1:], strict=True):
        errors[name] = relative_error(k, s)
    worst = max(errors, key=errors.get)
    return errors[worst], worst


def exact_sigmoid(z) -> np.ndarray:
    """σ(z) = 1/(1 + e^{-z}) to 40 significant digits, rounded once to float64."""
    out = []
    with localcontext() as ctx:
        ctx.prec = 40
        for value in np.asarray(z, dtype=np.float64).ravel():
            if math.isinf(value):
                out.append(1.0 if value > 0 else 0.0)
            else:
                out.append(float(1 / (1 + (-Decimal(float(value))).exp())))
    return np.array(out).reshape(np.shape(z))


def sigmoid_accuracy(dtype=np.float64, *, n=20001) -> tuple[float, float, bool]:
    """The fast sigmoid on ``n`` points of [-800, 800] and on ±inf, against `exact_sigmoid`.

    Returns:
        ``(worst relative error / SIGMOID_RTOL for |z| <= U, worst absolute error /
        SIGMOID_ATOL beyond, all finite)``: both ratios must be <= 1.
    """
    dtype = np.dtype(dtype)
    U = U_MAX_64 if dtype == np.float64 else float(U_MAX_32)
    z = np.concatenate([np.linspace(-800, 800, n), [np.inf, -np.inf, 0.0]]).astype(dtype)
    got = fast_sigmoid(z).astype(np.float64)
    exact = exact_sigmoid(z)
    inside = np.abs(z.astype(np.float64)) <= U
    rel = float(np.max(np.abs(got[inside] - exact[inside]) / exact[inside]))
    beyond = float(np.max(np.abs(got[~inside] - exact[~inside])))
    return rel / SIGMOID_RTOL[dtype], beyond / SIGMOID_ATOL[dtype], bool(np.all(np.isfinite(got)))


def check_agreement() -> list:
    """Kernels vs the NumPy specification: forward and BPTT, both forms, both dtypes."""
    out = []
    for form in ("conductance", "paper"):
        for dtype in (np.float64, np.float32):
            bound = AGREEMENT_RTOL[np.dtype(dtype)]
            name = np.dtype(dtype).name
            err = forward_agreement(form, dtype)
            out.append(
                CheckResult(
                    f"forward, numba = numpy ({form}, {name})",
                    err <= bound,
                    f"{err:.1e}",
                    f"<= {bound:g}",
                    "max|Δ|/max|spec| of y and h; B=3, T=20, irregular dt, eps=1e-8",
                )
            )
            err, worst = vjp_agreement(form, dtype)
            out.append(
                CheckResult(
                    f"vjp, numba = numpy ({form}, {name})",
                    err <= bound,
                    f"{err:.1e}",
                    f"<= {bound:g}",
                    f"worst over every cotangent: {worst}",
                )
            )
    return out


def check_sigmoid() -> list:
    """The fast sigmoid within its stated accuracy over [-800, 800] and ±inf, no NaN/inf."""
    out = []
    for dtype in (np.float64, np.float32):
        rel, beyond, finite = sigmoid_accuracy(dtype)
        rtol, atol = SIGMOID_RTOL[np.dtype(dtype)], SIGMOID_ATOL[np.dtype(dtype)]
        out.append(
            CheckResult(
                f"fast sigmoid, relative error ({np.dtype(dtype).name})",
                rel <= 1 and finite,
                f"{rel * rtol:.1e}",
                f"<= {rtol:.2g}",
                "|z| <= U, vs 40 digits",
            )
        )
        out.append(
            CheckResult(
                f"fast sigmoid, saturation ({np.dtype(dtype).name})",
                beyond <= 1 and finite,
                f"{beyond * atol:.1e}",
                f"<= {atol:.2g}",
                "absolute, |z| > U and ±inf; no NaN/inf",
            )
        )
    return out


__all__ = [
    "check_agreement",
    "check_sigmoid",
    "exact_sigmoid",
    "forward_agreement",
    "sigmoid_accuracy",
    "vjp_agreement",
]
