r"""Parameter containers for the two forms of the LTC network, their initialisers and the
softplus parameterisation.

Conventions (used everywhere in ``ltc_ref``):

* ``N`` neurons, ``C`` inputs, ``M`` outputs; ``B`` batch, ``T`` time steps.
* Synapse matrices are indexed ``[source, target]``: ``w[i, j]`` is the synapse from neuron ``i``
  onto neuron ``j``; ``sensory_w[i, j]`` from input ``i`` onto neuron ``j``.
* Containers hold *physical* values (capacitances, conductances, time constants are positive).
  Training usually works on unconstrained *raw* values, ``physical = softplus(raw)``;
  `flatten` and `unflatten` convert with ``raw=True``.
* Containers are immutable: the arrays are read-only and `replace` returns a new container.

Two containers:

* `PaperParams` — the paper's Eq. 1, $\dot x = -[1/\tau + f]\odot x + f\odot A$
  with $f = \mathrm{act}(x\gamma_r + I\gamma + \mu)$ (Hasani et al. 2021, Algorithm 1).
* `SynapticParams` — the conductance form of the authors' code and ncps (docs/model.md), with
  ncps's field names.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

import autograd.numpy as anp
import numpy as np

from .. import _validation as v

ACTIVATIONS = ("sigmoid", "tanh", "relu", "hard_tanh")


# --------------------------------------------------------------------------------------------
# Softplus parameterisation
# --------------------------------------------------------------------------------------------


def softplus(raw):
    r"""Softplus $\varphi(r) = \log(1 + e^{r})$, the map from raw to physical values.

    Evaluated as $\max(r, 0) + \log(1 + e^{-|r|})$, which never overflows and keeps full
    relative accuracy for large negative ``r`` (where $\varphi(r) \approx e^{r}$).
    Traceable by autograd.

    Arguments:
        raw: array of any shape, float32 or float64.

    Returns:
        Array of the same shape and dtype, every entry > 0 (unless it underflows).
    """
    return anp.maximum(raw, 0) + anp.log1p(anp.exp(-anp.abs(raw)))


def softplus_inverse(x):
    r"""Inverse softplus $\varphi^{-1}(x) = \log(e^{x} - 1)$ for ``x > 0``.

    Evaluated as $x + \log(-\mathrm{expm1}(-x))$: for large ``x`` the correction
    $\log(1 - e^{-x})$ tends to 0 without overflow; for small ``x`` it tends to
    $\log x$ without cancellation. ncps stores ``raw = log(expm1(x))``; this is the same
    function evaluated stably.

    Arguments:
        x: array of any shape, every entry > 0.

    Returns:
        Array of the same shape and dtype.
    """
    x = np.asarray(x)
    if np.any(~(x > 0)):
        raise ValueError("softplus_inverse: expected every entry > 0")
    return x + np.log(-np.expm1(-x))


# --------------------------------------------------------------------------------------------
# Shared machinery of both containers
# --------------------------------------------------------------------------------------------


class _Params:
    """Behaviour shared by the two parameter containers (flatten, replace, dtype, validation).

    A subclass is a frozen dataclass whose array fields are listed in ``ARRAY_FIELDS``; it
    declares which are positive (``POSITIVE_FIELDS``), 0/1 masks (``MASK_FIELDS``) and
    trainable (``TRAINABLE_FIELDS``, the ones `flatten` packs), and implements
    ``_expected_shapes``.
    """

    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ()
    POSITIVE_FIELDS: ClassVar[tuple[str, ...]] = ()
    MASK_FIELDS: ClassVar[tuple[str, ...]] = ()
    TRAINABLE_FIELDS: ClassVar[tuple[str, ...]] = ()

    def _expected_shapes(self) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    # ---- construction and validation -------------------------------------------------------

    def __post_init__(self):
        cls = type(self).__name__
        arrays = {}
        dtype = None
        for name in self.ARRAY_FIELDS:
            value = getattr(self, name)
            arr = v.as_array(f"{cls}.{name}", value)
            if dtype is None:
                dtype = arr.dtype
            elif arr.dtype != dtype:
                raise TypeError(
                    f"{cls}.{name}: expected dtype {dtype} (the dtype of "
                    f"{cls}.{self.ARRAY_FIELDS[0]}), got {arr.dtype}; all fields must share one "
                    f"dtype, float32 or float64"
                )
            arrays[name] = arr
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        shapes = self._expected_shapes()
        for name, want in shapes.items():
            got = getattr(self, name).shape
            if got != want:
                raise ValueError(
                    f"{cls}.{name}: expected shape {v.shape_str(want)}, got {v.shape_str(got)}"
                )
        for name in self.POSITIVE_FIELDS:
            v.check_positive(f"{cls}.{name}", getattr(self, name))
        for name in self.MASK_FIELDS:
            v.check_binary(f"{cls}.{name}", getattr(self, name))
        # Immutability: private read-only copies, so that mutating the caller's array later
        # cannot change this container.
        for name in self.ARRAY_FIELDS:
            arr = np.array(getattr(self, name), copy=True)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @classmethod
    def unvalidated(cls, **fields):
        """Build a container without validation or copies.

        Used on the traced path (autograd boxes are not ndarrays) and by internal code that
        derives fields from an already validated container. Not public: nothing is checked.
        """
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):
            object.__setattr__(obj, f.name, fields[f.name])
        return obj

    def _fields_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    # ---- properties ---------------------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype:
        """The dtype shared by every array field (float32 or float64)."""
        return getattr(self, self.ARRAY_FIELDS[0]).dtype

    def replace(self, **changes):
        """Return a new, validated container with some fields replaced."""
        return dataclasses.replace(self, **changes)

    def astype(self, dtype):
        """Return a copy with every array field cast to ``dtype`` (float32 or float64)."""
        dtype = v.check_dtype("dtype", dtype)
        changes = {name: getattr(self, name).astype(dtype) for name in self.ARRAY_FIELDS}
        return self.replace(**changes)

    # ---- flatten / unflatten -------------------------------------------------------------------

    @property
    def n_trainable(self) -> int:
        """Length of the vector returned by `flatten`."""
        return sum(getattr(self, name).size for name in self.TRAINABLE_FIELDS)

    def flatten(self, *, raw: bool = False) -> np.ndarray:
        """Pack the trainable fields into one vector, in ``TRAINABLE_FIELDS`` order.

        Arguments:
            raw: if True, positive fields are stored as `softplus_inverse` of their
                value (the unconstrained parameterisation used for training and by ncps).

        Returns:
            ndarray, shape ``(n_trainable,)``, the container's dtype. Masks and (for
            `PaperParams`) the activation are not included.
        """
        parts = []
        for name in self.TRAINABLE_FIELDS:
            arr = getattr(self, name)
            if raw and name in self.POSITIVE_FIELDS:
                arr = softplus_inverse(arr)
            parts.append(np.ravel(arr))
        return np.concatenate(parts).astype(self.dtype, copy=False)

    def unflatten(self, vector, *, raw: bool = False):
        """Inverse of `flatten`: a new container whose trainable fields come from
        ``vector`` and whose other fields (masks, activation) come from ``self``.

        Arguments:
            vector: ndarray, shape ``(n_trainable,)``, the container's dtype.
            raw: if True, positive fields are read as raw values and mapped through
                `softplus`.

        Returns:
            A validated container of the same type.

        Raises:
            ValueError: ``vector`` has the wrong shape or a non-finite entry, or a positive
                field is not positive (e.g. a raw value so negative that its softplus
                underflows to 0).
        """
        vector = v.as_array("vector", vector, dtype=self.dtype, shape=(self.n_trainable,))
        # What the constructor would check, minus what is known already (a training step calls
        # this once per step): shapes, dtype, masks and the other fields come from ``self``,
        # which was validated, and ``vector`` was just checked finite; the softplus of a finite
        # value is finite, so only positivity is left. Read-only, as the constructor makes
        # them: the fields are views of a private read-only copy of ``vector`` or fresh arrays.
        vector = vector.copy()
        vector.flags.writeable = False
        fields = self._unflatten_fields(vector, raw=raw)
        cls = type(self).__name__
        for name in self.POSITIVE_FIELDS:
            v.check_positive(f"{cls}.{name}", fields[name])
            fields[name].flags.writeable = False
        return type(self).unvalidated(**fields)

    def unflatten_unvalidated(self, vector, *, raw: bool = False):
        """`unflatten` without validation: traceable by autograd (``vector`` may be a
        box). For gradient checks and training code that validated ``self`` already."""
        return self.unvalidated(**self._unflatten_fields(vector, raw=raw))

    def _unflatten_fields(self, vector, *, raw: bool) -> dict:
        fields = self._fields_dict()
        start = 0
        for name in self.TRAINABLE_FIELDS:
            shape = getattr(self, name).shape
            size = math.prod(shape)
            arr = anp.reshape(vector[start : start + size], shape)
            if raw and name in self.POSITIVE_FIELDS:
                arr = softplus(arr)
            fields[name] = arr
            start += size
        return fields


# --------------------------------------------------------------------------------------------
# The paper's form
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PaperParams(_Params):
    r"""Parameters of the LTC in the paper's form (Eq. 1 and Algorithm 1).

    $$
        \frac{dx}{dt} = -\Big[\frac{1}{\tau} + f(x, I)\Big] \odot x + f(x, I) \odot A,
        \qquad f(x, I) = \mathrm{act}(x\,\gamma_r + I\,\gamma + \mu)
    $$

    Attributes:
        tau: ``(N,)`` time constants $\tau > 0$.
        A: ``(N,)`` the "bias" / reversal vector $A$.
        gamma: ``(C, N)`` input weights $\gamma$, ``[input, neuron]``.
        gamma_r: ``(N, N)`` recurrent weights $\gamma_r$, ``[source, target]``.
        mu: ``(N,)`` biases $\mu$.
        activation: one of ``"sigmoid"`` (the theorems' choice, values in [0, 1]), ``"tanh"``,
            ``"relu"``, ``"hard_tanh"``.

    The output of a paper-form network is its whole state, so ``M = N``.
    """

    tau: np.ndarray
    A: np.ndarray
    gamma: np.ndarray
    gamma_r: np.ndarray
    mu: np.ndarray
    activation: str = "sigmoid"

    ARRAY_FIELDS: ClassVar = ("tau", "A", "gamma", "gamma_r", "mu")
    POSITIVE_FIELDS: ClassVar = ("tau",)
    TRAINABLE_FIELDS: ClassVar = ("tau", "A", "gamma", "gamma_r", "mu")

    def __post_init__(self):
        v.check_choice("PaperParams.activation", self.activation, ACTIVATIONS)
        # tau and gamma fix N and C for the shape checks: their number of dimensions first.
        v.as_array("PaperParams.tau", self.tau, ndim=1)
        v.as_array("PaperParams.gamma", self.gamma, ndim=2)
        super().__post_init__()

    def _expected_shapes(self):
        N = self.tau.shape[0]
        C = self.gamma.shape[0]
        return {"A": (N,), "gamma": (C, N), "gamma_r": (N, N), "mu": (N,)}

    @property
    def n_units(self) -> int:
        """N, the number of neurons."""
        return self.tau.shape[0]

    @property
    def n_inputs(self) -> int:
        """C, the number of inputs."""
        return self.gamma.shape[0]

    @property
    def n_outputs(self) -> int:
        """M = N: the paper's form outputs its whole state."""
        return self.n_units


# --------------------------------------------------------------------------------------------
# The conductance form
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SynapticParams(_Params):
    r"""Parameters of the LTC in the conductance form (the authors' code and ncps), docs/model.md.

    $$
        C_{m,j}\frac{dv_j}{dt} = g_{l,j}(v_{l,j} - v_j) + \sum_i a_{ij}(E_{ij} - v_j)
            + \sum_i s_{ij}(E^s_{ij} - v_j)
    $$

    with $a_{ij} = w_{ij}\,\sigma(\sigma_{ij}(v_i - \mu_{ij}))\,m_{ij}$ and
    $s_{ij} = w^s_{ij}\,\sigma(\sigma^s_{ij}(\tilde x_i - \mu^s_{ij}))\,m^s_{ij}$, where
    $\tilde x = x \odot$ ``input_w`` $+$ ``input_b`` is the mapped input and the
    output is $y = v_{:M} \odot$ ``output_w`` $+$ ``output_b``.

    Attributes (physical values; the names are ncps's):
        gleak: ``(N,)`` leak conductance $g_l > 0$.
        vleak: ``(N,)`` leak (resting) potential $v_l$.
        cm: ``(N,)`` membrane capacitance $C_m > 0$.
        sigma: ``(N, N)`` synaptic sigmoid slopes $\sigma_{ij}$ (a slope, not a deviation).
        mu: ``(N, N)`` synaptic sigmoid centres $\mu_{ij}$.
        w: ``(N, N)`` maximal synaptic conductances $w_{ij} > 0$.
        erev: ``(N, N)`` synaptic reversal potentials $E_{ij}$.
        sensory_sigma, sensory_mu, sensory_w, sensory_erev: ``(C, N)``, the same for the
            synapses from the inputs ($w^s > 0$).
        sparsity_mask: ``(N, N)`` 0/1 wiring mask $m_{ij}$.
        sensory_sparsity_mask: ``(C, N)`` 0/1 wiring mask $m^s_{ij}$.
        input_w, input_b: ``(C,)`` affine input map.
        output_w, output_b: ``(M,)`` affine output map of the first ``M`` neurons;
            ``M = len(output_w)``.

    All matrices are ``[source, target]``. All fields share one dtype, float32 or float64.
    """

    gleak: np.ndarray
    vleak: np.ndarray
    cm: np.ndarray
    sigma: np.ndarray
    mu: np.ndarray
    w: np.ndarray
    erev: np.ndarray
    sensory_sigma: np.ndarray
    sensory_mu: np.ndarray
    sensory_w: np.ndarray
    sensory_erev: np.ndarray
    sparsity_mask: np.ndarray
    sensory_sparsity_mask: np.ndarray
    input_w: np.ndarray
    input_b: np.ndarray
    output_w: np.ndarray
    output_b: np.ndarray

    ARRAY_FIELDS: ClassVar = (
        "gleak", "vleak", "cm", "sigma", "mu", "w", "erev",
        "sensory_sigma", "sensory_mu", "sensory_w", "sensory_erev",
        "sparsity_mask", "sensory_sparsity_mask",
        "input_w", "input_b", "output_w", "output_b",
    )  # fmt: skip
    POSITIVE_FIELDS: ClassVar = ("gleak", "cm", "w", "sensory_w")
    MASK_FIELDS: ClassVar = ("sparsity_mask", "sensory_sparsity_mask")
    TRAINABLE_FIELDS: ClassVar = tuple(f for f in ARRAY_FIELDS if not f.endswith("sparsity_mask"))

    def __post_init__(self):
        # gleak, input_w and output_w fix N, C and M for the shape checks: their number of
        # dimensions first.
        for name in ("gleak", "input_w", "output_w"):
            v.as_array(f"SynapticParams.{name}", getattr(self, name), ndim=1)
        super().__post_init__()
        if not 1 <= self.n_outputs <= self.n_units:
            raise ValueError(
                f"SynapticParams.output_w: expected 1 <= M <= N = {self.n_units} outputs, "
                f"got M = {self.n_outputs}"
            )

    def _expected_shapes(self):
        N = self.gleak.shape[0]
        C = self.input_w.shape[0]
        M = self.output_w.shape[0]
        shapes = {"vleak": (N,), "cm": (N,), "input_b": (C,), "output_b": (M,)}
        for name in ("sigma", "mu", "w", "erev", "sparsity_mask"):
            shapes[name] = (N, N)
        for name in ("sensory_sigma", "sensory_mu", "sensory_w", "sensory_erev"):
            shapes[name] = (C, N)
        shapes["sensory_sparsity_mask"] = (C, N)
        return shapes

    @property
    def n_units(self) -> int:
        """N, the number of neurons."""
        return self.gleak.shape[0]

    @property
    def n_inputs(self) -> int:
        """C, the number of inputs."""
        return self.input_w.shape[0]

    @property
    def n_outputs(self) -> int:
        """M, the number of outputs (the first M neurons, ncps's "motor" neurons)."""
        return self.output_w.shape[0]


# --------------------------------------------------------------------------------------------
# Initialisers (the published ranges: docs/symbols.md)
# --------------------------------------------------------------------------------------------

#: Initial ranges of the conductance form. ``"ncps"``: ncps 1.0.1's ``LTCCell``;
#: ``"authors"``: the authors' TF code. Their cell has no Δt; its ``cm_t = 0.5`` is ltc-ref's
#: ``cm`` as it stands in both of their solver families: their fused solver computes
#: $c = $ ``cm_t`` per sub-step, which is ltc-ref's $c = C_m L / \Delta t$ with ``dt = L``
#: (``cm_t`` $= C_m L/\Delta t$); their explicit Euler and RK4 solvers use ``cm_t`` as $C_m$
#: itself with a fixed step 0.1 (``dt = 0.1 L``); see `ltc_ref.interop.authors`. Each entry is a
#: constant or a ``(low, high)`` uniform range.
INIT_RANGES = {
    "ncps": {
        "gleak": (0.001, 1.0),
        "vleak": (-0.2, 0.2),
        "cm": (0.4, 0.6),
        "sigma": (3.0, 8.0),
        "mu": (0.3, 0.8),
        "w": (0.001, 1.0),
        "sensory_sigma": (3.0, 8.0),
        "sensory_mu": (0.3, 0.8),
        "sensory_w": (0.001, 1.0),
    },
    "authors": {
        "gleak": 1.0,
        "vleak": (-0.2, 0.2),
        "cm": 0.5,
        "sigma": (3.0, 8.0),
        "mu": (0.3, 0.8),
        "w": (0.01, 1.0),
        "sensory_sigma": (3.0, 8.0),
        "sensory_mu": (0.3, 0.8),
        "sensory_w": (0.01, 1.0),
    },
}


def init_synaptic_params(
    wiring, rng: np.random.Generator, *, dtype=np.float64, ranges: str = "ncps"
) -> SynapticParams:
    r"""Draw conductance-form parameters with the published initial ranges (docs/symbols.md).

    Arguments:
        wiring: a built `ltc_ref.wirings.Wiring` (e.g.
            ``FullyConnected(8, output_dim=2).build(input_dim=3)``); it gives N, C, M, the
            reversal potentials $E = $ ``wiring.erev`` (±1, 0 where there is no synapse)
            and the masks.
        rng: a ``numpy.random.Generator``; the draws are made in the order of the fields of
            `SynapticParams`.
        dtype: float32 or float64.
        ranges: ``"ncps"`` (ncps 1.0.1's ranges) or ``"authors"`` (the authors' TF code); see
            `INIT_RANGES`.

    Returns:
        `SynapticParams` with ``input_w = output_w = 1``, ``input_b = output_b = 0``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    dtype = v.check_dtype("dtype", dtype)
    v.check_choice("ranges", ranges, INIT_RANGES)
    built = ("units", "input_dim", "output_dim", "erev", "sensory_erev", "sparsity_mask",
             "sensory_sparsity_mask")  # fmt: skip
    if not all(hasattr(wiring, name) for name in built):
        hint = (
            f"an unbuilt {type(wiring).__name__}: call .build(input_dim) first"
            if hasattr(wiring, "build")
            else type(wiring).__name__
        )
        raise TypeError(f"wiring: expected a built ltc_ref.wirings.Wiring, got {hint}")
    N, C, M = wiring.units, wiring.input_dim, wiring.output_dim
    shapes = {"gleak": (N,), "vleak": (N,), "cm": (N,)}
    shapes.update({k: (N, N) for k in ("sigma", "mu", "w")})
    shapes.update({k: (C, N) for k in ("sensory_sigma", "sensory_mu", "sensory_w")})
    values = {}
    for name, spec in INIT_RANGES[ranges].items():
        if isinstance(spec, tuple):
            values[name] = rng.uniform(spec[0], spec[1], size=shapes[name])
        else:
            values[name] = np.full(shapes[name], spec)
    values.update(
        erev=wiring.erev,
        sensory_erev=wiring.sensory_erev,
        sparsity_mask=wiring.sparsity_mask,
        sensory_sparsity_mask=wiring.sensory_sparsity_mask,
        input_w=np.ones(C),
        input_b=np.zeros(C),
        output_w=np.ones(M),
        output_b=np.zeros(M),
    )
    return SynapticParams(**{k: np.asarray(a, dtype=dtype) for k, a in values.items()})


def init_paper_params(
    n_inputs: int,
    n_units: int,
    rng: np.random.Generator,
    *,
    activation: str = "sigmoid",
    sigma_w: float = 1.0,
    sigma_b: float = 1.0,
    dtype=np.float64,
) -> PaperParams:
    r"""Draw paper-form parameters as in the paper's expressivity study (§5.1; docs/expressivity).

    Weights $\gamma, \gamma_r \sim N(0, \sigma_w^2 / N)$ (N, the width, is the paper's
    *k*), biases $\mu \sim N(0, \sigma_b^2)$, $\tau = |N(0, 1)|$ and
    $A \sim N(0, 1)$.

    Arguments:
        n_inputs: C >= 0 (0 for an autonomous network).
        n_units: N >= 1.
        rng: a ``numpy.random.Generator``; draws are made in the order tau, A, gamma, gamma_r, mu.
        activation: see `PaperParams`.
        sigma_w: weight scale (the paper's $\sigma_w^2$ is ``sigma_w**2``).
        sigma_b: standard deviation of the biases.
        dtype: float32 or float64.

    Returns:
        `PaperParams`.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    C = v.check_int("n_inputs", n_inputs, minimum=0)  # 0: an autonomous network (Theorem 3)
    N = v.check_int("n_units", n_units, minimum=1)
    sigma_w = v.check_real("sigma_w", sigma_w, minimum=0.0)
    sigma_b = v.check_real("sigma_b", sigma_b, minimum=0.0)
    dtype = v.check_dtype("dtype", dtype)
    tau = np.abs(rng.standard_normal(N))
    # |N(0,1)| is 0 with probability 0 but can round to 0 in float32; keep tau > 0.
    tau = np.maximum(tau, np.finfo(dtype).tiny)
    A = rng.standard_normal(N)
    gamma = rng.normal(0.0, sigma_w / np.sqrt(N), size=(C, N))
    gamma_r = rng.normal(0.0, sigma_w / np.sqrt(N), size=(N, N))
    mu = rng.normal(0.0, sigma_b, size=N)
    top = float(np.finfo(dtype).max)
    for name, scale, drawn in (("sigma_w", sigma_w, (gamma, gamma_r)), ("sigma_b", sigma_b, (mu,))):
        worst = max((float(np.max(np.abs(a))) for a in drawn if a.size), default=0.0)
        if worst > top:
            raise ValueError(
                f"{name}: {scale:g} draws weights up to {worst:.3g}, beyond the largest "
                f"{dtype} ({top:.3g}); use a smaller {name} or float64"
            )
    return PaperParams(
        tau=tau.astype(dtype),
        A=A.astype(dtype),
        gamma=gamma.astype(dtype),
        gamma_r=gamma_r.astype(dtype),
        mu=mu.astype(dtype),
        activation=activation,
    )


__all__ = [
    "ACTIVATIONS",
    "INIT_RANGES",
    "PaperParams",
    "SynapticParams",
    "init_paper_params",
    "init_synaptic_params",
    "softplus",
    "softplus_inverse",
]
