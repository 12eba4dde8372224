r"""The Python side of the kernels: ``forward(..., backend="numba")`` and
``vjp(..., backend="numba")``.

The NumPy code in `ltc_ref.model`, `ltc_ref.solvers` and `ltc_ref.gradients` is the
specification; the kernels compute the same numbers (to a few rounding errors, see
`AGREEMENT_RTOL`) faster: one compiled loop nest per sample instead of array operations on
``(B, N, N)`` temporaries, samples spread over threads, and a sigmoid that LLVM vectorises
(`ltc_ref.kernels._sigmoid`). Only the fused solver has kernels.

The functions here take arguments already validated by `ltc_ref.forward` / `ltc_ref.vjp` (a
`ltc_ref.forward.Call`) and validate nothing themselves. They lay the parameters out for the
kernels (cached per parameter container, which is immutable), allocate the outputs, call the
kernels, and finish the parameter cotangents with NumPy.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from ..model import dynamics_of
from ..model.params import PaperParams, SynapticParams
from . import _fused

#: Kernel vs NumPy specification, max |kernel - spec| / max |spec| over each output array and
#: each parameter cotangent. float64: the fast sigmoid differs from the specification's by a few
#: units of 2^-53 and the kernels sum in another order and fuse multiply-adds; the fused step is
#: contractive, so these differences do not grow over a sequence (measured: below 1e-14).
#: float32: the same differences at 2^-24 (measured: below 1e-6 on the verify networks).
#: One regime is excepted in float64: cotangents through saturated sigmoids (see
#: `SATURATED_ACCURACY_FACTOR`). The kernels flush subnormal numbers to zero
#: (`ltc_ref.kernels._fpenv`): the bound is ``AGREEMENT_RTOL * max|spec| + FLUSHED_ATOL``, the
#: absolute part a thousand smallest normal numbers, which decides only for an array whose values
#: are all that small (the initial state's cotangent after a long sequence, say).
AGREEMENT_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}

#: The float64 tolerance of the saturated regime, where `AGREEMENT_RTOL` does not hold: a
#: synapse's cotangent carries σ(1 − σ), and near σ = 1 the difference 1 − σ keeps only the few
#: digits the rounding of σ left, so tiny cotangents (at most ~2e-6 of the largest) differ between
#: the kernels and the specification by more than 1e-12 (22 of 3,000 random cases), both equally
#: far from autograd's exact derivative. The bound there is relative to the exact derivative: the
#: kernels' relative distance to autograd is at most this factor times
#: ``max(the specification's own distance to autograd, AGREEMENT_RTOL)`` (measured ratio ≤ 1.9;
#: ``tests/test_kernels.py``). Outside that regime (and always for the forward pass), 1e-12.
SATURATED_ACCURACY_FACTOR = 4.0

_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _packed(params, key: str, build: Callable):
    """``build(params)``, cached per (immutable) parameter container."""
    entry = _PACKED.setdefault(params, {})
    if key not in entry:
        entry[key] = build(params)
    return entry[key]


def _c(a):
    """``a`` as a writable, C-contiguous array (a copy when needed). Numba compiles one version
    of a kernel per array type, and read-only or strided arrays are other types: normalising
    them keeps the number of compiled signatures at one per dtype."""
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, order="C")


def _conductance_arrays(p: SynapticParams) -> _fused.ConductanceArrays:
    wm = p.w * p.sparsity_mask
    s_wm = p.sensory_w * p.sensory_sparsity_mask
    return _fused.ConductanceArrays(
        gleak=_c(p.gleak),
        vleak=_c(p.vleak),
        cm=_c(p.cm),
        gleak_vleak=_c(p.gleak * p.vleak),
        sigma=_c(p.sigma),
        mu=_c(p.mu),
        erev=_c(p.erev),
        wm=_c(wm),
        wmE=_c(wm * p.erev),
        wms=_c(wm * p.sigma),
        s_sigma=_c(p.sensory_sigma),
        s_mu=_c(p.sensory_mu),
        s_erev=_c(p.sensory_erev),
        s_wm=_c(s_wm),
        s_wmE=_c(s_wm * p.sensory_erev),
        s_wms=_c(s_wm * p.sensory_sigma),
        input_w=_c(p.input_w),
        input_b=_c(p.input_b),
    )


def _paper_arrays(p: PaperParams) -> _fused.PaperArrays:
    return _fused.PaperArrays(
        inv_tau=_c(1.0 / p.tau),
        A=_c(p.A),
        mu=_c(p.mu),
        gamma=_c(p.gamma),
        gamma_r=_c(p.gamma_r),
        gamma_T=_c(p.gamma.T),
        gamma_r_T=_c(p.gamma_r.T),
        activation=_fused.ACTIVATION_CODES[p.activation],
    )


def _batched_inputs(params, call):
    """The validated arrays as the kernels want them: C-contiguous, and the sub-step length
    h = Δt / L computed exactly as the specification does."""
    x = _c(call.x)
    h0 = _c(call.h0)
    h = _c(call.dt / call.unfolds)
    eps = params.dtype.type(call.epsilon)
    return x, h0, h, eps


#: Below this many sigmoid evaluations per call (L·N²·B·T) the batch is not split across threads:
#: starting them costs tens of microseconds, more than the work.
PARALLEL_MIN_WORK = 200_000

_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0  # a forked child must not use its parent's pool (its threads are not copied)


def _n_threads() -> int:
    """Threads to use: ``NUMBA_NUM_THREADS`` (default: the number of CPUs)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _chunks(B: int, work: int) -> list[tuple[int, int]]:
    """Contiguous slices ``[lo, hi)`` of the batch, one per thread (sizes differ by <= 1)."""
    K = 1 if work < PARALLEL_MIN_WORK else min(B, _n_threads())
    return [(k * B // K, (k + 1) * B // K) for k in range(K)]


def _run(kernel, chunks, args_of):
    """``kernel(*args_of(lo, hi))`` for every chunk: the first in this thread, the others in a
    pool of threads (the kernels release the GIL)."""
    global _POOL, _POOL_PID
    stale = _POOL is None or _POOL_PID != os.getpid() or _POOL._max_workers < len(chunks) - 1
    if len(chunks) > 1 and stale:
        _POOL = ThreadPoolExecutor(max_workers=len(chunks) - 1, thread_name_prefix="ltc_ref")
        _POOL_PID = os.getpid()
    futures = [_POOL.submit(kernel, *args_of(lo, hi)) for lo, hi in chunks[1:]]
    kernel(*args_of(*chunks[0]))
    for future in futures:
        future.result()


def _work(params, call) -> int:
    B, T, _ = call.x.shape
    return call.unfolds * params.n_units**2 * B * T


def forward(params, call):
    """The fused solver's forward pass by the kernels.

    Arguments:
        params: `SynapticParams` or `PaperParams`.
        call: the validated `ltc_ref.forward.Call` (batched arrays; ``call.solver`` is the
            fused solver).

    Returns:
        ``(y, h)``, batched: ``(B, T, M)`` and ``(B, T, N)``.
    """
    states = _states(params, call, *_batched_inputs(params, call))
    return dynamics_of(params).output(params, states), states


def _states(params, call, x, h0, h, eps):
    """The states ``(B, T, N)`` after each input step, from `_batched_inputs`."""
    B, T, _ = x.shape
    states = np.empty((B, T, params.n_units), dtype=params.dtype)
    if isinstance(params, SynapticParams):
        p = _packed(params, "forward", _conductance_arrays)
        kernel = _fused.conductance_forward
    else:
        p = _packed(params, "forward", _paper_arrays)
        kernel = _fused.paper_forward
    _run(
        kernel,
        _chunks(B, _work(params, call)),
        lambda lo, hi: (p, x[lo:hi], h0[lo:hi], h[lo:hi], call.unfolds, eps, states[lo:hi]),
    )
    return states


def vjp(params, call, g_y, g_h=None, *, states=None):
    """Backpropagation through time by the kernels (the fused solver).

    Arguments:
        params: `SynapticParams` or `PaperParams`.
        call: the validated, batched `ltc_ref.forward.Call`.
        g_y: ``(B, T, M)`` cotangent of the outputs (validated).
        g_h: optional ``(B, T, N)`` cotangent of the states.
        states: ``(B, T, N)``, the states `forward` returned for this ``call`` (then they are
            not computed again), or ``None``.

    Returns:
        ``(g_params, g_x, g_h0, g_dt)``: a container of ``params``'s type (unvalidated) with the
        cotangent of every array field's physical value, ``(B, T, C)``, ``(B, N)`` and
        ``g_dt`` ``(B, T)`` (the caller reduces it to the shape ``dt`` was given in).
    """
    dynamics = dynamics_of(params)
    x, h0, h, eps = _batched_inputs(params, call)
    B, T, C = x.shape
    N, dtype = params.n_units, params.dtype
    if states is None:
        states = _states(params, call, x, h0, h, eps)
    else:
        states = _c(states)  # read-only states (from forward_and_pullback) are copied
    g_out, g_states = dynamics.output_vjp(params, states, g_y)
    if g_h is not None:
        g_states = g_states + g_h
    g_states = _c(np.asarray(g_states, dtype=dtype))
    g_x = np.empty_like(x)
    g_h0 = np.empty_like(h0)
    g_step = np.empty((B, T), dtype=dtype)
    chunks = _chunks(B, 3 * _work(params, call))

    def zeros(*shape):
        return np.zeros(shape, dtype=dtype)

    if isinstance(params, SynapticParams):
        p = _packed(params, "forward", _conductance_arrays)
        shapes = [(N, N)] * 4 + [(C, N)] * 4 + [(N,)] * 3 + [(C,)] * 2
        accs = [_fused.ConductanceCotangents(*(zeros(*s) for s in shapes)) for _ in chunks]
        kernel, finish, head = _fused.conductance_vjp, _finish_conductance, (p,)
    else:
        p = _packed(params, "forward", _paper_arrays)
        accs = [
            _fused.PaperCotangents(zeros(N), zeros(N), zeros(N), zeros(C, N), zeros(N, N))
            for _ in chunks
        ]
        kernel, finish, head = _fused.paper_vjp, _finish_paper, (p,)
    acc_of = dict(zip(chunks, accs, strict=True))

    def args_of(lo, hi):
        batch = (x, h0, h, call.unfolds, eps, states, g_states, g_x, g_h0, g_step)
        sliced = [a if np.isscalar(a) else a[lo:hi] for a in batch]
        return (*head, *sliced, acc_of[(lo, hi)])

    _run(kernel, chunks, args_of)
    total = type(accs[0])(*(sum(parts) for parts in zip(*accs, strict=True)))
    fields = finish(params, total)
    fields.update(g_out)
    fields = {name: np.asarray(value, dtype=dtype) for name, value in fields.items()}
    if isinstance(params, PaperParams):
        fields["activation"] = params.activation
    g_dt = g_step / call.unfolds  # h = Δt / L
    return type(params).unvalidated(**fields), g_x, g_h0, g_dt


def _finish_conductance(p: SynapticParams, acc) -> dict:
    """Parameter cotangents from the accumulators (module docstring of `_fused`)."""
    total = acc._asdict()
    wm = p.w * p.sparsity_mask
    s_wm = p.sensory_w * p.sensory_sparsity_mask
    Q, U, P, S = (total[k] for k in ("Q", "U", "P", "S"))
    sQ, sU, sP, sS = (total[k] for k in ("sQ", "sU", "sP", "sS"))
    return {
        "gleak": total["gleak"],
        "vleak": total["vleak"],
        "cm": total["cm"],
        "sigma": wm * S,
        "mu": -(wm * P) * p.sigma,
        "w": Q * p.sparsity_mask,
        "erev": wm * U,
        "sensory_sigma": s_wm * sS,
        "sensory_mu": -(s_wm * sP) * p.sensory_sigma,
        "sensory_w": sQ * p.sensory_sparsity_mask,
        "sensory_erev": s_wm * sU,
        "sparsity_mask": Q * p.w,
        "sensory_sparsity_mask": sQ * p.sensory_w,
        "input_w": total["input_w"],
        "input_b": total["input_b"],
    }


def _finish_paper(p: PaperParams, acc) -> dict:
    """Parameter cotangents of the paper's form from the accumulators."""
    total = acc._asdict()
    return {
        "tau": -total["tau_h"] / p.tau**2,
        "A": total["A"],
        "mu": total["mu"],
        "gamma": total["gamma"],
        "gamma_r": total["gamma_r"],
    }


# --------------------------------------------------------------------------------------------
# ltc-ref verify
# --------------------------------------------------------------------------------------------


__all__ = ["AGREEMENT_RTOL", "SATURATED_ACCURACY_FACTOR", "forward", "vjp"]
