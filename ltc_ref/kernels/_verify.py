"""Kernel-vs-specification measurements, shared by ``ltc-ref verify`` and the test suite."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np

from ..model.params import init_paper_params, init_synaptic_params
from ..wirings import AutoNCP
from ._sigmoid import SIGMOID_ATOL, SIGMOID_RTOL, U_MAX_32, U_MAX_64, fast_sigmoid


def relative_error(got, want) -> float:
    """``max |got - want| / max |want|`` (0 when both are 0): the agreement measure."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    diff = float(np.max(np.abs(got - want))) if want.size else 0.0
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return 0.0 if diff == 0 else diff / max(scale, np.finfo(float).tiny)


def random_problem(form: str, dtype=np.float64, *, seed=0, B=3, T=20, N=12, C=4):
    """A network with everything switched on: irregular per-sample Δt, ε = 1e-8, a sparse NCP
    wiring (conductance form: with non-trivial input and output maps), an initial state and
    cotangents of both outputs and states.

    Arguments:
        form: ``"conductance"`` or ``"paper"`` (sigmoid activation, so the fast sigmoid is used
            in both).

    Returns:
        ``(params, x, kwargs, g_y, g_h)`` with ``kwargs`` the keyword arguments of
        ``forward``/``vjp`` (``h0``, ``dt``, ``unfolds``, ``epsilon``).
    """
    rng = np.random.default_rng(seed)
    if form == "paper":
        params = init_paper_params(C, N, rng, activation="sigmoid", sigma_w=2.0, dtype=dtype)
    else:
        params = init_synaptic_params(AutoNCP(N, 3, seed=seed + 1).build(C), rng, dtype=dtype)
        params = params.replace(
            input_w=rng.uniform(0.5, 2.0, C).astype(dtype),
            input_b=rng.normal(0, 0.3, C).astype(dtype),
            output_w=rng.normal(size=params.n_outputs).astype(dtype),
            output_b=rng.normal(size=params.n_outputs).astype(dtype),
        )
    x = rng.standard_normal((B, T, C)).astype(dtype)
    kwargs = {
        "h0": rng.uniform(-0.5, 0.5, (B, params.n_units)).astype(dtype),
        "dt": rng.uniform(0.1, 2.0, (B, T)),
        "unfolds": 6,
        "epsilon": 1e-8,
    }
    g_y = rng.standard_normal((B, T, params.n_outputs)).astype(dtype)
    g_h = rng.standard_normal((B, T, params.n_units)).astype(dtype)
    return params, x, kwargs, g_y, g_h


def forward_agreement(form: str, dtype=np.float64, *, seed=0) -> float:
    """Worst relative error of the kernels' ``(y, h)`` against the NumPy specification."""
    from ..forward import forward

    params, x, kwargs, _, _ = random_problem(form, dtype, seed=seed)
    spec = forward(params, x, **kwargs)
    kernel = forward(params, x, backend="numba", **kwargs)
    return max(relative_error(k, s) for k, s in zip(kernel, spec, strict=True))


def vjp_agreement(form: str, dtype=np.float64, *, seed=0) -> tuple[float, str]:
    """Worst relative error of the kernels' cotangents (every parameter field, ``x``, ``h0``,
    ``dt``) against the specification's BPTT, and the name of the worst one."""
    from ..gradients import vjp

    params, x, kwargs, g_y, g_h = random_problem(form, dtype, seed=seed)
    spec = vjp(params, x, g_y, g_h=g_h, **kwargs)
    kernel = vjp(params, x, g_y, g_h=g_h, backend="numba", **kwargs)
    errors = {
        f"g_{name}": relative_error(getattr(kernel[0], name), getattr(spec[0], name))
        for name in params._ARRAY_FIELDS
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
