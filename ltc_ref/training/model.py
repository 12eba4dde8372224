r"""The trained model: an LTC (conductance form, fused solver) and a dense read-out, as one flat
parameter vector for the optimizer.

Choices, following the authors' TensorFlow scripts (SPEC §3–4):

* **32 units, fully connected**, every neuron an output ($M = N$; `ltc_ref.FullyConnected` with
  its fixed reversal-potential signs), read out by a dense layer (`ltc_ref.training.head`) at
  every time step. The LTC's own affine output map (``output_w``, ``output_b``) is kept at
  1 and 0 and **not trained**: the authors' cell has none, and the dense layer makes it
  redundant.
* **Their parameterisation of time**: their cell has no $\Delta t$ and a trainable ``cm_t`` that
  is $c = C_m / h$ per sub-step; ltc-ref's fused step uses $c = C_m L / \Delta t$, so
  ``dt = L`` (6) reproduces it with ``cm = cm_t`` (`ltc_ref.interop.authors`), and their initial
  values (``ranges="authors"``: $C_m = 0.5$, $g_l = 1$, $w \sim U(0.01, 1)$).
* **Positive parameters** ($C_m$, $g_l$, $w$, $w^s$), two choices:
  ``positivity="clip"`` — optimise the physical values and project them after every step onto
  the authors' boxes `PROJECTION_BOUNDS` (their ``get_param_constrain_op``);
  ``positivity="softplus"`` — optimise raw values $r$ with $x = \log(1 + e^r)$ (ncps's
  default), so the flat vector is ``params.flatten(raw=True)`` and the gradient goes through
  the softplus chain rule (`ltc_ref.grad_to_flat` with ``raw=True``).

The flat vector is ``[ltc.flatten(raw=...), W.ravel(), b]``.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..forward import NonFiniteError, forward
from ..gradients import grad_to_flat, vjp
from ..model.params import SynapticParams, init_synaptic_params
from ..wirings import FullyConnected
from .head import DenseHead, head_forward, head_vjp, init_dense_head

#: The authors' clipping boxes for the positive parameters (``ltc_model.py``:
#: ``_cm_t_min_value`` … ``_w_max_value``), applied after every optimizer step with
#: ``positivity="clip"``. The lower bounds keep the fused step's denominator positive; the
#: upper bounds were never reached in our runs.
PROJECTION_BOUNDS = {
    "gleak": (1e-5, 1000.0),
    "cm": (1e-6, 1000.0),
    "w": (1e-5, 1000.0),
    "sensory_w": (1e-5, 1000.0),
}
#: `SynapticParams` fields that are not trained (see the module docstring).
FROZEN_FIELDS = ("output_w", "output_b")
#: The two parameterisations of the positive fields.
POSITIVITY = ("clip", "softplus")
#: The backends `ltc_ref.forward` / `ltc_ref.vjp` may offer.
BACKENDS = ("numpy", "numba")


def _supports_backend() -> bool:
    """Whether this version of `ltc_ref.forward` and `ltc_ref.vjp` take ``backend=``."""
    return all("backend" in inspect.signature(f).parameters for f in (forward, vjp))


def available_backends() -> tuple[str, ...]:
    """The backends training can use: ``("numpy", "numba")`` when `ltc_ref.vjp` takes
    ``backend=``, else ``("numpy",)``."""
    return BACKENDS if _supports_backend() else ("numpy",)


def default_backend() -> str:
    """``"numba"`` when available (the NumPy specification is ~10× slower), else ``"numpy"``."""
    return "numba" if "numba" in available_backends() else "numpy"


def backend_kwargs(backend: str) -> dict:
    """The keyword arguments that select ``backend`` in `ltc_ref.forward` / `ltc_ref.vjp`.

    Raises:
        ValueError: for an unknown backend, or ``"numba"`` when this version has no kernels.
    """
    v.check_choice("backend", backend, BACKENDS)
    if not _supports_backend():
        if backend != "numpy":
            raise ValueError(
                f"backend: {backend!r} needs ltc_ref.forward/vjp(..., backend=...), which this "
                f"version does not have; use backend='numpy'"
            )
        return {}
    return {"backend": backend}


@dataclass(frozen=True, eq=False)
class Model:
    """An LTC and its dense read-out, with the solver settings they run with.

    Attributes:
        ltc: `SynapticParams` (physical values), ``M = N`` outputs.
        head: `DenseHead` ``(M, K)``.
        dt: elapsed time $\\Delta t$ of one input step (``6.0``: the authors' convention,
            module docstring).
        unfolds: L, fused sub-steps per input step (6).
        epsilon: the fused step's $\\varepsilon$ (0, as the authors).
    """

    ltc: SynapticParams
    head: DenseHead
    dt: float = 6.0
    unfolds: int = 6
    epsilon: float = 0.0

    def __post_init__(self):
        if not isinstance(self.ltc, SynapticParams):
            raise TypeError(f"ltc: expected SynapticParams, got {type(self.ltc).__name__}")
        if self.head.n_inputs != self.ltc.n_outputs:
            raise ValueError(
                f"head.W: expected {self.ltc.n_outputs} rows (the LTC's outputs), got "
                f"{self.head.n_inputs}"
            )
        if self.head.dtype != self.ltc.dtype:
            raise TypeError(f"head: expected dtype {self.ltc.dtype}, got {self.head.dtype}")

    @property
    def dtype(self) -> np.dtype:
        """float32 or float64."""
        return self.ltc.dtype

    @property
    def n_params(self) -> int:
        """Length of the flat vector."""
        return self.ltc.n_trainable + self.head.size

    def flatten(self, *, raw: bool = False) -> np.ndarray:
        """``[ltc.flatten(raw=raw), W.ravel(), b]``, ``(n_params,)``."""
        return np.concatenate([self.ltc.flatten(raw=raw), self.head.W.ravel(), self.head.b])

    def unflatten(self, vector, *, raw: bool = False) -> Model:
        """Inverse of `flatten`: a new, validated model with the same settings and masks."""
        vector = v.as_array("vector", vector, dtype=self.dtype, shape=(self.n_params,))
        n = self.ltc.n_trainable
        M, K = self.head.W.shape
        ltc = self.ltc.unflatten(vector[:n], raw=raw)
        head = DenseHead(W=vector[n : n + M * K].reshape(M, K), b=vector[n + M * K :])
        return Model(ltc, head, self.dt, self.unfolds, self.epsilon)

    def trainable_mask(self) -> np.ndarray:
        """Boolean ``(n_params,)``: False on the entries of `FROZEN_FIELDS`."""
        parts = [
            np.full(getattr(self.ltc, name).size, name not in FROZEN_FIELDS)
            for name in self.ltc.TRAINABLE_FIELDS
        ]
        parts.append(np.ones(self.head.size, dtype=bool))
        return np.concatenate(parts)

    def positive_slices(self) -> dict[str, slice]:
        """Where each positive field lies in the flat vector."""
        out, start = {}, 0
        for name in self.ltc.TRAINABLE_FIELDS:
            size = getattr(self.ltc, name).size
            if name in self.ltc.POSITIVE_FIELDS:
                out[name] = slice(start, start + size)
            start += size
        return out


def init_model(
    n_inputs: int,
    n_outputs: int,
    rng: np.random.Generator,
    *,
    units: int = 32,
    ranges: str = "authors",
    dt: float = 6.0,
    unfolds: int = 6,
    epsilon: float = 0.0,
    dtype=np.float64,
) -> Model:
    """A fully connected LTC of ``units`` neurons and a Glorot-initialised dense read-out.

    Arguments:
        n_inputs: C, input features.
        n_outputs: K, classes or regression targets.
        rng: a ``numpy.random.Generator``: the LTC's draws first, then the read-out's.
        units: N (= M, every neuron is read out).
        ranges: initial ranges, ``"authors"`` or ``"ncps"`` (`ltc_ref.INIT_RANGES`).
        dt: see `Model`.
        unfolds: see `Model`.
        epsilon: see `Model`.
        dtype: float32 or float64.

    Returns:
        `Model`.
    """
    C = v.check_int("n_inputs", n_inputs, minimum=1)
    N = v.check_int("units", units, minimum=1)
    wiring = FullyConnected(N).build(C)
    ltc = init_synaptic_params(wiring, rng, dtype=dtype, ranges=ranges)
    head = init_dense_head(N, n_outputs, rng, dtype=dtype)
    dt = v.check_real("dt", dt, minimum=0.0)
    if not dt > 0:
        raise ValueError(f"dt: expected a number > 0, got {dt}")
    return Model(
        ltc,
        head,
        dt,
        v.check_int("unfolds", unfolds, minimum=1),
        v.check_real("epsilon", epsilon, minimum=0.0),
    )


def project(model: Model, vector, positivity: str):
    r"""Apply the positivity constraint to a flat vector (the authors' projection).

    With ``"clip"``, each positive field is clipped into its box of `PROJECTION_BOUNDS`,
    $x \leftarrow \min(\max(x, \ell), u)$; with ``"softplus"`` the raw values need nothing.

    Arguments:
        model: the model whose layout ``vector`` follows (`Model.flatten`).
        vector: ``(model.n_params,)``.
        positivity: ``"clip"`` or ``"softplus"``.

    Returns:
        ``(n_params,)``: a new array with ``"clip"``, ``vector`` itself with ``"softplus"``.
    """
    if positivity == "softplus":
        return vector
    vector = np.array(vector, copy=True)
    for name, where in model.positive_slices().items():
        low, high = PROJECTION_BOUNDS[name]
        np.clip(vector[where], low, high, out=vector[where])
    return vector


def predict(model: Model, x, *, backend: str = "numpy"):
    """The read-out of every time step.

    Arguments:
        model: `Model`.
        x: ``(B, T, C)`` inputs in the model's dtype.
        backend: ``"numpy"`` or ``"numba"`` (`available_backends`).

    Returns:
        ``(z, y)``: ``(B, T, K)`` logits or predictions and the LTC outputs ``(B, T, M)``.
    """
    y, _ = forward(
        model.ltc,
        x,
        dt=model.dt,
        unfolds=model.unfolds,
        solver="fused",
        epsilon=model.epsilon,
        **backend_kwargs(backend),
    )
    return head_forward(model.head, y), y


def loss_and_grad(model: Model, x, targets, objective, *, raw: bool, backend: str = "numpy"):
    r"""The loss of a batch and its gradient with respect to ``model.flatten(raw=raw)``.

    Chain: LTC forward $y$ → read-out $z = yW + b$ → loss $\ell(z)$ with its gradient $\bar z$
    (`Objective.loss`) → $(\bar W, \bar b, \bar y)$ (`head_vjp`) → $\bar\theta_{LTC}$ by
    backpropagation through time (`ltc_ref.vjp`), mapped through the softplus chain rule when
    ``raw``. The frozen fields get a zero gradient.

    Arguments:
        model: `Model`.
        x: ``(B, T, C)``.
        targets: ``(B, T)`` labels or ``(B, T, K)`` targets.
        objective: `ltc_ref.training.losses.Objective`.
        raw: whether the flat vector holds raw (softplus) values of the positive fields.
        backend: see `predict`.

    Returns:
        ``(loss, grad, z)``: a float, ``(n_params,)`` and the ``(B, T, K)`` outputs;
        ``grad`` is ``None`` when the loss is not finite (nothing to differentiate; ``z`` is
        ``None`` too when the states themselves ran away, `ltc_ref.NonFiniteError`) and NaN
        when the backward pass was not finite.
    """
    try:
        z, y = predict(model, x, backend=backend)
    except NonFiniteError:  # the states ran away: reported as a non-finite loss
        return math.nan, None, None
    with np.errstate(over="ignore", invalid="ignore"):  # reported as a non-finite loss
        loss, g_z = objective.loss(z, targets)
    if not np.isfinite(loss):
        return loss, None, z
    g_W, g_b, g_y = head_vjp(model.head, y, g_z)
    try:
        g_ltc, *_ = vjp(
            model.ltc,
            x,
            g_y,
            dt=model.dt,
            unfolds=model.unfolds,
            solver="fused",
            epsilon=model.epsilon,
            **backend_kwargs(backend),
        )
    except NonFiniteError:  # a non-finite gradient: the loop stops before the step
        return loss, np.full(model.flatten(raw=raw).shape, np.nan, dtype=model.dtype), z
    grad = np.concatenate([grad_to_flat(model.ltc, g_ltc, raw=raw), g_W.ravel(), g_b])
    grad = np.where(model.trainable_mask(), grad, 0).astype(model.dtype, copy=False)
    return loss, grad, z


__all__ = [
    "BACKENDS",
    "FROZEN_FIELDS",
    "POSITIVITY",
    "PROJECTION_BOUNDS",
    "Model",
    "available_backends",
    "backend_kwargs",
    "default_backend",
    "init_model",
    "loss_and_grad",
    "predict",
    "project",
]
