"""``ltc-ref verify``: input validation. A table of invalid calls to the public entry points and
the error each must raise.

Used by ``ltc-ref verify`` (all at once, `check_error_handling`) and by ``tests/test_errors.py``
(one test per case).
Every error must be a ``TypeError`` or ``ValueError`` whose message names the argument; the
``match`` strings below are the part of the message that names it and says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from .report import CheckResult


@dataclass(frozen=True)
class InvalidCall:
    name: str
    call: Callable[[], object]
    exc: type
    match: str  # a regular expression searched for in the message


@cache
def _synaptic():
    from ..model.params import init_synaptic_params
    from ..wirings import FullyConnected

    return init_synaptic_params(FullyConnected(4, output_dim=2).build(3), np.random.default_rng(0))


@cache
def _paper():
    from ..model.params import init_paper_params

    return init_paper_params(3, 4, np.random.default_rng(0))


def _x(B=2, T=5, C=3, dtype=np.float64):
    return np.random.default_rng(1).standard_normal((B, T, C)).astype(dtype)


def _fwd(**kw):
    from ..forward import forward

    params = kw.pop("params", None) or _synaptic()
    x = kw.pop("x", None)
    return forward(params, _x() if x is None else x, **kw)


def _with_nan(a, value=np.nan):
    a = np.array(a, dtype=float)
    a.flat[0] = value
    return a


def _syn(**changes):
    return _synaptic().replace(**changes)


def _pap(**changes):
    return _paper().replace(**changes)


def _fields(params):
    return {k: getattr(params, k) for k in params.ARRAY_FIELDS}


INVALID_CALLS = [
    # ---- forward: x --------------------------------------------------------------------------
    InvalidCall("x 1-D", lambda: _fwd(x=np.zeros(3)), ValueError, r"x: expected 2 or 3 dim"),
    InvalidCall("x 4-D", lambda: _fwd(x=np.zeros((1, 2, 5, 3))), ValueError, r"x: expected 2 or 3"),
    InvalidCall("x wrong C", lambda: _fwd(x=_x(C=4)), ValueError, r"x: expected shape \(B, T, C\)"),
    InvalidCall(
        "x T = 0", lambda: _fwd(x=np.zeros((2, 0, 3))), ValueError, r"x: expected at least"
    ),
    InvalidCall(
        "x float32 with float64 params",
        lambda: _fwd(x=_x(dtype=np.float32)),
        TypeError,
        r"x: expected dtype float64",
    ),
    InvalidCall("x NaN", lambda: _fwd(x=_with_nan(_x())), ValueError, r"x: expected finite"),
    InvalidCall(
        "x inf", lambda: _fwd(x=_with_nan(_x(), np.inf)), ValueError, r"x: expected finite"
    ),
    InvalidCall("x complex", lambda: _fwd(x=_x() + 0j), TypeError, r"x: expected a real"),
    # ---- forward: h0 -------------------------------------------------------------------------
    InvalidCall(
        "h0 wrong shape", lambda: _fwd(h0=np.zeros((2, 5))), ValueError, r"h0: expected shape"
    ),
    InvalidCall(
        "h0 unbatched with batched x", lambda: _fwd(h0=np.zeros(4)), ValueError, r"h0: expected"
    ),
    InvalidCall(
        "h0 NaN", lambda: _fwd(h0=_with_nan(np.zeros((2, 4)))), ValueError, r"h0: expected finite"
    ),
    InvalidCall(
        "h0 dtype",
        lambda: _fwd(h0=np.zeros((2, 4), np.float32)),
        TypeError,
        r"h0: expected dtype float64",
    ),
    # ---- forward: dt -------------------------------------------------------------------------
    InvalidCall("dt = 0", lambda: _fwd(dt=0.0), ValueError, r"dt: expected elapsed times > 0"),
    InvalidCall("dt < 0", lambda: _fwd(dt=-1.0), ValueError, r"dt: expected elapsed times > 0"),
    InvalidCall("dt NaN", lambda: _fwd(dt=float("nan")), ValueError, r"dt: expected finite"),
    InvalidCall("dt inf", lambda: _fwd(dt=float("inf")), ValueError, r"dt: expected finite"),
    InvalidCall(
        "dt (B, T) with an entry <= 0",
        lambda: _fwd(dt=np.array([[1.0] * 5, [1.0] * 4 + [0.0]])),
        ValueError,
        r"dt: expected every entry > 0",
    ),
    InvalidCall(
        "dt (T,) NaN", lambda: _fwd(dt=_with_nan(np.ones(5))), ValueError, r"dt: expected finite"
    ),
    InvalidCall(
        "dt wrong length", lambda: _fwd(dt=np.ones(6)), ValueError, r"dt: expected a scalar"
    ),
    InvalidCall(
        "dt (T, B) transposed",
        lambda: _fwd(dt=np.ones((5, 2))),
        ValueError,
        r"dt: expected per-sample elapsed times of shape \(B, T\)",
    ),
    InvalidCall(
        "dt (B, T) for an unbatched x",
        lambda: _fwd(x=_x()[0], dt=np.ones((1, 5))),
        ValueError,
        r"dt: expected a scalar or \(5,\)",
    ),
    InvalidCall("dt bool", lambda: _fwd(dt=True), TypeError, r"dt: expected a real"),
    # ---- forward: unfolds, solver, epsilon, params ---------------------------------------------
    InvalidCall("unfolds = 0", lambda: _fwd(unfolds=0), ValueError, r"unfolds: expected an int"),
    InvalidCall("unfolds float", lambda: _fwd(unfolds=2.5), TypeError, r"unfolds: expected an int"),
    InvalidCall("unknown solver", lambda: _fwd(solver="rk45"), ValueError, r"solver: expected one"),
    InvalidCall("solver not a solver", lambda: _fwd(solver=3), TypeError, r"solver: expected"),
    InvalidCall("epsilon < 0", lambda: _fwd(epsilon=-1e-8), ValueError, r"epsilon: expected a n"),
    InvalidCall(
        "epsilon with euler",
        lambda: _fwd(epsilon=1e-8, solver="euler"),
        ValueError,
        r"epsilon: only the fused solver",
    ),
    InvalidCall(
        "params of another type",
        lambda: _fwd(params={"w": 1}),
        TypeError,
        r"params: expected ltc_ref.PaperParams or ltc_ref.SynapticParams",
    ),
    # ---- SynapticParams -------------------------------------------------------------------------
    InvalidCall(
        "cm = 0",
        lambda: _syn(cm=np.zeros(4)),
        ValueError,
        r"SynapticParams.cm: expected every entry > 0",
    ),
    InvalidCall(
        "gleak < 0",
        lambda: _syn(gleak=-np.ones(4)),
        ValueError,
        r"SynapticParams.gleak: expected every entry > 0",
    ),
    InvalidCall(
        "w <= 0",
        lambda: _syn(w=np.zeros((4, 4))),
        ValueError,
        r"SynapticParams.w: expected every entry > 0",
    ),
    InvalidCall(
        "sensory_w < 0",
        lambda: _syn(sensory_w=-np.ones((3, 4))),
        ValueError,
        r"SynapticParams.sensory_w: expected every entry > 0",
    ),
    InvalidCall(
        "sparsity_mask not 0/1",
        lambda: _syn(sparsity_mask=np.full((4, 4), 0.5)),
        ValueError,
        r"SynapticParams.sparsity_mask: expected a 0/1 mask",
    ),
    InvalidCall(
        "sensory_sparsity_mask not 0/1",
        lambda: _syn(sensory_sparsity_mask=-np.ones((3, 4))),
        ValueError,
        r"SynapticParams.sensory_sparsity_mask: expected a 0/1 mask",
    ),
    InvalidCall(
        "sigma wrong shape",
        lambda: _syn(sigma=np.ones((3, 4))),
        ValueError,
        r"SynapticParams.sigma: expected shape \(4, 4\)",
    ),
    InvalidCall(
        "sensory_mu wrong shape",
        lambda: _syn(sensory_mu=np.ones((4, 3))),
        ValueError,
        r"SynapticParams.sensory_mu: expected shape \(3, 4\)",
    ),
    InvalidCall(
        "M > N outputs",
        lambda: _syn(output_w=np.ones(5), output_b=np.zeros(5)),
        ValueError,
        r"SynapticParams.output_w: expected 1 <= M <= N",
    ),
    InvalidCall(
        "mu NaN",
        lambda: _syn(mu=_with_nan(np.ones((4, 4)))),
        ValueError,
        r"SynapticParams.mu: expected finite",
    ),
    InvalidCall(
        "vleak inf",
        lambda: _syn(vleak=_with_nan(np.ones(4), np.inf)),
        ValueError,
        r"SynapticParams.vleak: expected finite",
    ),
    InvalidCall(
        "mixed dtypes",
        lambda: _syn(erev=np.ones((4, 4), np.float32)),
        TypeError,
        r"SynapticParams.erev: expected dtype float64",
    ),
    InvalidCall(
        "float16 parameters",
        lambda: _syn(**{k: a.astype(np.float16) for k, a in _fields(_synaptic()).items()}),
        TypeError,
        r"SynapticParams.gleak: expected dtype float32 or float64",
    ),
    # ---- PaperParams -------------------------------------------------------------------------
    InvalidCall(
        "tau = 0",
        lambda: _pap(tau=np.zeros(4)),
        ValueError,
        r"PaperParams.tau: expected every entry > 0",
    ),
    InvalidCall(
        "tau NaN",
        lambda: _pap(tau=_with_nan(np.ones(4))),
        ValueError,
        r"PaperParams.tau: expected finite",
    ),
    InvalidCall(
        "gamma wrong shape",
        lambda: _pap(gamma=np.ones((3, 5))),
        ValueError,
        r"PaperParams.gamma_r: expected shape \(4, 4\)|PaperParams.gamma: expected shape",
    ),
    InvalidCall(
        "gamma_r wrong shape",
        lambda: _pap(gamma_r=np.ones((4, 3))),
        ValueError,
        r"PaperParams.gamma_r: expected shape \(4, 4\)",
    ),
    InvalidCall(
        "unknown activation",
        lambda: _pap(activation="softsign"),
        ValueError,
        r"PaperParams.activation: expected one of",
    ),
    InvalidCall(
        "A inf",
        lambda: _pap(A=_with_nan(np.ones(4), -np.inf)),
        ValueError,
        r"PaperParams.A: expected finite",
    ),
    # ---- initialisers, flatten ---------------------------------------------------------------
    InvalidCall(
        "init rng not a Generator",
        lambda: __import__("ltc_ref").init_paper_params(3, 4, 0),
        TypeError,
        r"rng: expected a numpy.random.Generator",
    ),
    InvalidCall(
        "init dtype int",
        lambda: __import__("ltc_ref").init_paper_params(3, 4, np.random.default_rng(), dtype=int),
        TypeError,
        r"dtype: expected dtype float32 or float64",
    ),
    InvalidCall(
        "init n_units = 0",
        lambda: __import__("ltc_ref").init_paper_params(3, 0, np.random.default_rng()),
        ValueError,
        r"n_units: expected an integer >= 1",
    ),
    InvalidCall(
        "unflatten wrong length",
        lambda: _paper().unflatten(np.zeros(3)),
        ValueError,
        r"vector: expected shape",
    ),
    # ---- the edges (issue 17): ranges a dtype cannot carry, absurd sizes, odd containers -----
    InvalidCall(
        "dt below the float32 range",
        lambda: _fwd(params=_synaptic().astype(np.float32), x=_x(dtype=np.float32), dt=1e-40),
        ValueError,
        r"dt: got [0-9.e+-]+ \(sample 0, step 0.* in float32 accepts [0-9.e+-]+ <= dt <=",
    ),
    InvalidCall(
        "dt beyond float32",
        lambda: _fwd(params=_synaptic().astype(np.float32), x=_x(dtype=np.float32), dt=3.5e38),
        ValueError,
        r"dt: expected elapsed times <= 3.4028235e\+38, the largest float32",
    ),
    InvalidCall(
        "dt paper form float32 overflow",
        lambda: _fwd(
            params=_pap(tau=np.full(4, 1e-4)).astype(np.float32), x=_x(dtype=np.float32), dt=1e36
        ),
        ValueError,
        r"dt: got 1e\+36.*paper form",
    ),
    InvalidCall("dt 10**400", lambda: _fwd(dt=10**400), ValueError, r"dt: expected finite"),
    InvalidCall(
        "dt array beyond float32",
        lambda: _fwd(
            params=_synaptic().astype(np.float32), x=_x(dtype=np.float32), dt=np.full(5, 1e39)
        ),
        ValueError,
        r"dt: expected elapsed times <= 3.4028235e\+38.*at index \(0,\)",
    ),
    InvalidCall(
        "unfolds 2**63",
        lambda: _fwd(unfolds=2**63),
        ValueError,
        r"unfolds: expected an integer <= 1000000",
    ),
    InvalidCall(
        "unfolds 2**64",
        lambda: _fwd(unfolds=2**64, backend="numba"),
        ValueError,
        r"unfolds: expected an integer <=",
    ),
    InvalidCall(
        "unfolds 10**12",
        lambda: _fwd(unfolds=10**12),
        ValueError,
        r"unfolds: expected an integer <= 1000000",
    ),
    InvalidCall(
        "absurd work",
        lambda: _fwd(x=np.zeros((1000, 1000, 3)), unfolds=10**6),
        ValueError,
        r"x, unfolds: L·B·T·N\(N \+ C\) = .* operations, more than the limit of 1e\+13",
    ),
    InvalidCall(
        "w = 1e308",
        lambda: _fwd(params=_syn(w=np.full((4, 4), 1e308))),
        ValueError,
        r"SynapticParams.gleak, vleak, w, erev.*beyond what float64 can carry",
    ),
    InvalidCall(
        "erev = 1e308",
        lambda: _fwd(params=_syn(erev=np.full((4, 4), 1e308))),
        ValueError,
        r"SynapticParams.*erev.*beyond what float64 can carry",
    ),
    InvalidCall(
        "tau = 1e-300 in vjp",
        lambda: _vjp(params=_pap(tau=np.full(4, 1e-300))),
        ValueError,
        r"PaperParams.tau: 1/tau² \(in the tau cotangent\) is inf at neuron 0",
    ),
    InvalidCall(
        "masked x",
        lambda: _fwd(x=np.ma.masked_invalid(_with_nan(_x()).reshape(2, 5, 3))),
        TypeError,
        r"x: expected a plain ndarray, got a numpy.ma.MaskedArray",
    ),
    InvalidCall(
        "masked dt",
        lambda: _fwd(dt=np.ma.masked_invalid(_with_nan(np.ones(5)))),
        TypeError,
        r"dt: expected a plain ndarray, got a numpy.ma.MaskedArray",
    ),
    InvalidCall(
        "matrix x",
        lambda: _fwd(x=_matrix((5, 3))),
        TypeError,
        r"x: expected a plain ndarray, got a numpy.matrix",
    ),
    InvalidCall(
        "float64 x, float32 params",
        lambda: _fwd(params=_synaptic().astype(np.float32)),
        TypeError,
        r"x: expected dtype float32 \(the parameters' dtype\), got float64",
    ),
    InvalidCall(
        "init unbuilt wiring",
        lambda: _init_synaptic(_unbuilt()),
        TypeError,
        r"wiring: expected a built ltc_ref.wirings.Wiring, got an unbuilt FullyConnected",
    ),
    InvalidCall(
        "init wiring None",
        lambda: _init_synaptic(None),
        TypeError,
        r"wiring: expected a built ltc_ref.wirings.Wiring, got NoneType",
    ),
    InvalidCall(
        "init_paper_params sigma_w beyond float32",
        lambda: _init_paper(sigma_w=1e300, dtype=np.float32),
        ValueError,
        r"sigma_w: 1e\+300 draws weights up to",
    ),
    InvalidCall(
        "grad_to_flat wrong second argument",
        lambda: _grad_to_flat(_paper(), _synaptic()),
        TypeError,
        r"g_params: expected the cotangents of a PaperParams",
    ),
    InvalidCall(
        "grad_to_flat wrong first argument",
        lambda: _grad_to_flat(None, {}),
        TypeError,
        r"params: expected a PaperParams or SynapticParams",
    ),
    InvalidCall(
        "check_vjp directions=0",
        lambda: _check_vjp(directions=0),
        ValueError,
        r"directions: expected an integer >= 1",
    ),
    InvalidCall("random_case(0)", lambda: _random_case(0), TypeError, r"rng: expected a numpy"),
    InvalidCall(
        "loss_fn not callable",
        lambda: _value_and_grad(3.0),
        TypeError,
        r"loss_fn: expected a callable",
    ),
    InvalidCall(
        "loss_fn returns a vector",
        lambda: _value_and_grad(lambda y: y[0, 0]),
        ValueError,
        r"loss_fn: expected a real scalar loss, got float64 of shape \(2,\)",
    ),
    InvalidCall(
        "FullyConnected beyond memory",
        lambda: _build_fc(10**7),
        ValueError,
        r"units: the \(N, N\) wiring arrays, N = 10000000, C = 1 would take .* GiB, more than",
    ),
    InvalidCall(
        "NCP absurd recurrent_command_synapses",
        lambda: _ncp(recurrent_command_synapses=10**9),
        ValueError,
        r"recurrent_command_synapses: expected an integer <= 1000000",
    ),
]


def _vjp(**kw):
    from ..gradients import vjp

    params = kw.pop("params", None) or _synaptic()
    x = _x(C=params.n_inputs)
    return vjp(params, x, np.ones((2, 5, params.n_outputs)), **kw)


def _matrix(shape):
    import warnings

    with warnings.catch_warnings():  # numpy.matrix is pending deprecation: that is the point
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(np.zeros(shape))


def _unbuilt():
    from ..wirings import FullyConnected

    return FullyConnected(4)


def _init_synaptic(wiring):
    from ..model.params import init_synaptic_params

    return init_synaptic_params(wiring, np.random.default_rng(0))


def _init_paper(**kw):
    from ..model.params import init_paper_params

    return init_paper_params(3, 4, np.random.default_rng(0), **kw)


def _grad_to_flat(params, g):
    from ..gradients import grad_to_flat

    return grad_to_flat(params, g)


def _check_vjp(**kw):
    from ..testing import check_vjp

    return check_vjp(lambda z: z, np.zeros(2), lambda z, w: w, **kw)


def _random_case(rng):
    from ..testing import random_case

    return random_case(rng)


def _value_and_grad(loss_fn):
    from ..gradients import value_and_grad

    return value_and_grad(loss_fn, _synaptic(), _x())


def _build_fc(units):
    from ..wirings import FullyConnected

    return FullyConnected(units).build(1)


def _ncp(**kw):
    from ..wirings import NCP

    spec = dict(
        inter_neurons=2,
        command_neurons=3,
        motor_neurons=2,
        sensory_fanout=1,
        inter_fanout=1,
        recurrent_command_synapses=2,
        motor_fanin=1,
    )
    return NCP(**{**spec, **kw})


def run_invalid_call(case: InvalidCall) -> str:
    """Run one case; return ``""`` if it raised as expected, else what went wrong."""
    try:
        case.call()
    except case.exc as err:
        if re.search(case.match, str(err)):
            return ""
        return f"message {str(err)!r} does not match {case.match!r}"
    except Exception as err:
        return f"raised {type(err).__name__}: {err} (expected {case.exc.__name__})"
    return f"did not raise (expected {case.exc.__name__})"


def check_error_handling() -> list[CheckResult]:
    """Every call of `INVALID_CALLS` raises its error with a message naming the argument."""
    failures = []
    for case in INVALID_CALLS:
        problem = run_invalid_call(case)
        if problem:
            failures.append(f"{case.name}: {problem}")
    return [
        CheckResult(
            "invalid arguments raise a named error",
            not failures,
            f"{len(INVALID_CALLS) - len(failures)}/{len(INVALID_CALLS)}",
            "all",
            "; ".join(failures[:3]),
        )
    ]
