r"""The trained model: an LTC (conductance form, fused solver) and a dense read-out, as one flat
parameter vector for the optimizer.

Choices, following the authors' TensorFlow scripts (docs/training.md, "What is trained"):

* **32 units, fully connected**, every neuron an output ($M = N$; `ltc_ref.FullyConnected` with
  its fixed reversal-potential signs), read out by a dense layer (`ltc_ref.training.head`) at
  every time step. The LTC's own affine output map (``output_w``, ``output_b``) is kept at
  1 and 0 and **not trained**: the authors' cell has none, and the dense layer makes it
  redundant.
* **Two presets of time and initial values** (`TIME_PRESETS`), chosen by ``ranges``:
  ``"authors"`` — their cell has no $\Delta t$ and a trainable ``cm_t`` that is $c = C_m / h$ per
  sub-step; ltc-ref's fused step uses $c = C_m L / \Delta t$, so ``dt = L`` (6) reproduces it
  with ``cm = cm_t`` (`ltc_ref.interop.authors`), $\varepsilon = 0$, and their initial values
  ($C_m = 0.5$, $g_l = 1$, $w \sim U(0.01, 1)$); ``"ncps"`` — ncps's regularly sampled
  ``LTC``: $\Delta t = 1$ (so $c = L\,C_m$), $\varepsilon = 10^{-8}$, ncps's initial ranges.
* **Input normalisation**: the model trained on normalised data (`ltc_ref.data.Dataset`'s
  ``x_scaling``, ``y_scaling``), which `Model` keeps (from `ltc_ref.training.load_model`) and
  `predict` applies on request (``normalise=True``: raw inputs in, outputs in the targets'
  units).
* **Positive parameters** ($C_m$, $g_l$, $w$, $w^s$), two choices:
  ``positivity="clip"`` — optimise the physical values and project them after every step onto
  the authors' boxes `PROJECTION_BOUNDS` (their ``get_param_constrain_op``);
  ``positivity="softplus"`` — optimise raw values $r$ with $x = \log(1 + e^r)$ (ncps's
  default), so the flat vector is ``params.flatten(raw=True)`` and the gradient goes through
  the softplus chain rule (`ltc_ref.grad_to_flat` with ``raw=True``).

The flat vector is ``[ltc.flatten(raw=...), W.ravel(), b]``.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..data.windowing import ZScore
from ..forward import NonFiniteError, forward
from ..gradients import forward_and_pullback, grad_to_flat, vjp
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
#: Time and ε of each preset (``ranges`` / ``--init``): ``dt`` as a function of L and ε.
#: ``"authors"``: ``dt = L`` makes ``cm`` their ``cm_t`` ($c = C_m L / \Delta t = C_m$), no ε.
#: ``"ncps"``: ncps's ``LTC`` without timespans (elapsed time 1: $c = L\,C_m$), its ε = 1e-8.
TIME_PRESETS = {
    "authors": {"dt": lambda unfolds: float(unfolds), "epsilon": 0.0},
    "ncps": {"dt": lambda unfolds: 1.0, "epsilon": 1e-8},
}


def preset_dt_epsilon(ranges: str, unfolds: int) -> tuple[float, float]:
    """``(dt, epsilon)`` of a preset (`TIME_PRESETS`).

    Arguments:
        ranges: ``"authors"`` or ``"ncps"``.
        unfolds: L.

    Returns:
        dt (float): ``L`` for ``"authors"``, 1.0 for ``"ncps"``.
        epsilon (float): 0.0 for ``"authors"``, 1e-8 for ``"ncps"``.
    """
    v.check_choice("ranges", ranges, TIME_PRESETS)
    L = v.check_int("unfolds", unfolds, minimum=1)
    preset = TIME_PRESETS[ranges]
    return preset["dt"](L), preset["epsilon"]


@functools.cache
def _supports_backend() -> bool:
    """Whether this version of `ltc_ref.forward` and `ltc_ref.vjp` take ``backend=`` (read
    once: `inspect.signature` costs more than a small training step's bookkeeping)."""
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
        x_scaling: the `ltc_ref.data.ZScore` the training inputs were normalised with
            (``(C,)`` ``mean``, ``std``), or ``None``.
        y_scaling: the `ZScore` of the regression targets (``(K,)``), or ``None``.
    """

    ltc: SynapticParams
    head: DenseHead
    dt: float = 6.0
    unfolds: int = 6
    epsilon: float = 0.0
    x_scaling: ZScore | None = None
    y_scaling: ZScore | None = None

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
        for name, width in (("x_scaling", self.ltc.n_inputs), ("y_scaling", self.head.n_outputs)):
            scaling = getattr(self, name)
            if scaling is None:
                continue
            if not isinstance(scaling, ZScore):
                raise TypeError(f"{name}: expected ltc_ref.data.ZScore or None, got {scaling!r}")
            for part in ("mean", "std"):
                arr = v.as_array(f"{name}.{part}", getattr(scaling, part), shape=(width,))
                if part == "std":
                    v.check_positive(f"{name}.std", arr)

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
        return Model(ltc, head, self.dt, self.unfolds, self.epsilon, self.x_scaling, self.y_scaling)

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
    dt: float | None = None,
    unfolds: int = 6,
    epsilon: float | None = None,
    dtype=np.float64,
) -> Model:
    """A fully connected LTC of ``units`` neurons and a Glorot-initialised dense read-out.

    Arguments:
        n_inputs: C, input features.
        n_outputs: K, classes or regression targets.
        rng: a ``numpy.random.Generator``: the LTC's draws first, then the read-out's.
        units: N (= M, every neuron is read out).
        ranges: initial ranges, ``"authors"`` or ``"ncps"`` (`ltc_ref.INIT_RANGES`).
        dt: see `Model`; ``None``: the preset's (`preset_dt_epsilon`: L for ``"authors"``, 1
            for ``"ncps"``).
        unfolds: see `Model`.
        epsilon: see `Model`; ``None``: the preset's (0 / 1e-8).
        dtype: float32 or float64.

    Returns:
        `Model`.
    """
    preset_dt, preset_epsilon = preset_dt_epsilon(ranges, unfolds)
    dt = preset_dt if dt is None else dt
    epsilon = preset_epsilon if epsilon is None else epsilon
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


def _check_inputs(model: Model, x, cast: bool) -> np.ndarray:
    """``x`` as an array in the model's dtype: cast only when asked."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"x: expected float32 or float64 inputs, got {x.dtype}")
    if x.dtype != model.dtype and not cast:
        raise TypeError(
            f"x: {x.dtype} inputs for a {model.dtype} model; pass cast=True to round them to "
            f"{model.dtype} (explicit, so that no precision is lost unnoticed)"
        )
    return x


def predict(
    model: Model,
    x,
    *,
    backend: str = "numpy",
    normalise: bool | None = None,
    cast: bool = False,
):
    r"""The read-out of every time step.

    With ``normalise=True`` the inputs are raw (in the data files' units): the model's stored
    ``x_scaling`` is applied first, $\tilde x = (x - \mu) / s$ (in float64, before any cast), and
    regression outputs are mapped back through ``y_scaling``, $z \leftarrow z\,s_y + \mu_y$, so
    that raw data give predictions in the targets' units. ``normalise=False`` takes ``x`` as
    already normalised (e.g. a `ltc_ref.data.Split` of the training dataset) and returns the
    model's own outputs.

    Arguments:
        model: `Model`.
        x: ``(B, T, C)`` inputs (or ``(T, C)``), float32 or float64.
        backend: ``"numpy"`` or ``"numba"`` (`available_backends`).
        normalise: required (True or False) when the model has a stored normalisation
            (`load_model` of a run trained on normalised data): a wrong guess would be silently
            wrong. For a model without one, ``None`` or False (True has nothing to apply and is
            refused).
        cast: allow inputs of another dtype than the model's (float64 data for a float32
            model): they are rounded to the model's dtype, ``x.astype(model.dtype)``, after the
            normalisation. Without it, a dtype mismatch is a ``TypeError``.

    Returns:
        z (np.ndarray): ``(B, T, K)`` logits or predictions, in the model's dtype.
        y (np.ndarray): ``(B, T, M)``, the LTC outputs, in the model's dtype.

    Raises:
        TypeError: a dtype mismatch without ``cast``; non-float inputs.
        ValueError: ``normalise`` unset for a model with a stored normalisation, or True for
            one without.
    """
    x = _check_inputs(model, x, cast)
    has_scaling = model.x_scaling is not None or model.y_scaling is not None
    if normalise is None and has_scaling:
        raise ValueError(
            "normalise: this model was trained on normalised data and stores the normalisation; "
            "pass normalise=True for raw inputs (it is applied, and regression outputs are "
            "mapped back to the targets' units) or normalise=False for inputs normalised "
            "already (e.g. dataset.test.x)"
        )
    if normalise and not has_scaling:
        raise ValueError(
            "normalise: this model stores no normalisation (trained on data used as they are, "
            "or built by init_model); pass normalise=False or leave it out"
        )
    if normalise and model.x_scaling is not None:
        x = model.x_scaling(x.astype(np.float64))
    x = x.astype(model.dtype, copy=False)
    y, _ = forward(
        model.ltc,
        x,
        dt=model.dt,
        unfolds=model.unfolds,
        solver="fused",
        epsilon=model.epsilon,
        **backend_kwargs(backend),
    )
    z = head_forward(model.head, y)
    if normalise and model.y_scaling is not None:
        z = model.y_scaling.inverse(z).astype(model.dtype)
    return z, y


def loss_and_grad(model: Model, x, targets, objective, *, raw: bool, backend: str = "numpy"):
    r"""The loss of a batch and its gradient with respect to ``model.flatten(raw=raw)``.

    Chain: LTC forward $y$ → read-out $z = yW + b$ → loss $\ell(z)$ with its gradient $\bar z$
    (`Objective.loss`) → $(\bar W, \bar b, \bar y)$ (`head_vjp`) → $\bar\theta_{LTC}$ by
    backpropagation through time, mapped through the softplus chain rule when ``raw``. The
    frozen fields get a zero gradient. One forward pass: `ltc_ref.forward_and_pullback`'s
    pullback reuses its states (the same numbers as `ltc_ref.vjp`, without its second forward
    pass).

    Arguments:
        model: `Model`.
        x: ``(B, T, C)``.
        targets: ``(B, T)`` labels or ``(B, T, K)`` targets.
        objective: `ltc_ref.training.losses.Objective`.
        raw: whether the flat vector holds raw (softplus) values of the positive fields.
        backend: see `predict`.

    Returns:
        loss (float): the loss.
        grad (np.ndarray | None): ``(n_params,)``; ``None`` when the loss is not finite (nothing
            to differentiate), NaN when the backward pass was not finite.
        z (np.ndarray | None): the ``(B, T, K)`` outputs; ``None`` when the states themselves ran
            away (`ltc_ref.NonFiniteError`).
    """
    x = _check_inputs(model, x, cast=False)
    try:  # one forward pass: its states serve the backward pass too
        y, _, pullback = forward_and_pullback(
            model.ltc,
            x,
            dt=model.dt,
            unfolds=model.unfolds,
            solver="fused",
            epsilon=model.epsilon,
            **backend_kwargs(backend),
        )
    except NonFiniteError:  # the states ran away: reported as a non-finite loss
        return math.nan, None, None
    z = head_forward(model.head, y)
    with np.errstate(over="ignore", invalid="ignore"):  # reported as a non-finite loss
        loss, g_z = objective.loss(z, targets)
    if not np.isfinite(loss):
        return loss, None, z
    g_W, g_b, g_y = head_vjp(model.head, y, g_z)
    try:
        g_ltc, *_ = pullback(g_y)
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
    "TIME_PRESETS",
    "Model",
    "available_backends",
    "backend_kwargs",
    "default_backend",
    "init_model",
    "loss_and_grad",
    "predict",
    "preset_dt_epsilon",
    "project",
]
