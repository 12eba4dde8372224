r"""The parameterisation of the authors' TensorFlow code (``raminmh/liquid_time_constant_networks``,
``experiments_with_ltcs/ltc_model.py``), so that a model trained with it runs here.

Their ``LTCCell`` is the conductance form (docs/model.md) with these differences from ncps and
ltc-ref:

* **No Δt.** A trainable ``cm_t`` plays the role of $c = C_m / h$, the capacitance over the
  sub-step. Their fused ("semi-implicit") solver takes ``L = 6`` sub-steps per input step:
  $v \leftarrow (c_t v + g_l v_l + \sum a E + \sum s E^s) / (c_t + g_l + \sum a + \sum s)$ with
  $c_t$ = ``cm_t``. ltc-ref's fused step uses $c = C_m L / \Delta t$, so **cm = cm_t with
  dt = L** reproduces it (``c = cm_t / (L / L)``, exactly).
* **Explicit variants.** Their explicit Euler and RK4 solvers take ``L`` steps of a *fixed* 0.1
  of $\dot v = [g_l (v_l - v) + \sum a (E - v) + \sum s (E^s - v)] / c_t$, i.e. they treat
  ``cm_t`` as $C_m$: **cm = cm_t with dt = 0.1 L** and ``solver="euler"`` / ``"rk4"``.
* **No ε, no masks** (dense: every synapse exists), **no output map**: the cell's output is its
  whole state (M = N); the scripts put a dense layer on top (`AuthorsModel.readout`). Their
  scripts' ``--sparsity`` option multiplies ``W`` and ``sensory_W`` by a fixed 0/1 mask after
  every step, so a model trained with it holds exact zeros: `params_from_authors` reads every
  exact zero of ``W`` / ``sensory_W`` as a missing synapse (mask 0).
* **Input map** in the variable scope ``sensory_mapping``: ``input_w``, ``input_b`` (mapping type
  Affine, their default; Linear has no ``input_b``; Identity neither).
* **Clipping** after every optimizer step (``get_param_constrain_op``): `CLIP_RANGES`, whose
  bounds their float32 graph rounds to float32: ``float32(1e-5) = 9.99999975e-06`` lies below the
  float64 number ``1e-5``, so the range check compares with `clip_floor` (the float32 bound).
* **Time-major inputs.** Their scripts feed ``(T, B, C)``; ltc-ref is batch first ``(B, T, C)``:
  ``AuthorsModel.predict(x, time_major=True)`` transposes in and out.

Their variable names → ltc-ref fields: `VARIABLE_FIELDS`. Their ``export_weights(dirname, sess,
output_weights=None)`` writes ``np.savetxt`` csv files (`CSV_FIELDS`; ``cm.csv`` holds
``cm_t``), plus ``output_w.csv`` / ``output_b.csv`` with the dense readout's kernel and bias when
``output_weights`` is passed; it does **not** write the input map. `load_authors_csv` reads such
a directory. Their scripts themselves never call ``export_weights``: they save ``tf.train.Saver``
checkpoints, which `load_authors_checkpoint` reads (needs the ``tf`` extra, TensorFlow, imported
only inside that function).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validation as v
from .._extras import install_hint
from ..forward import forward
from ..model.params import SynapticParams
from ._masks import zero_weights_as_mask

#: Sub-steps per input step in their code (``_ode_solver_unfolds``).
AUTHORS_UNFOLDS = 6
#: The fixed step of their explicit Euler and RK4 solvers.
AUTHORS_EXPLICIT_STEP = 0.1
#: Their clipping ranges (``_cm_t_min_value`` … ``_w_max_value``), by their variable name.
CLIP_RANGES = {
    "cm_t": (1e-6, 1000.0),
    "gleak": (1e-5, 1000.0),
    "W": (1e-5, 1000.0),
    "sensory_W": (1e-5, 1000.0),
}
#: Their variable name → `SynapticParams` field.
VARIABLE_FIELDS = {
    "sensory_mu": "sensory_mu",
    "sensory_sigma": "sensory_sigma",
    "sensory_W": "sensory_w",
    "sensory_erev": "sensory_erev",
    "mu": "mu",
    "sigma": "sigma",
    "W": "w",
    "erev": "erev",
    "vleak": "vleak",
    "gleak": "gleak",
    "cm_t": "cm",
    "input_w": "input_w",
    "input_b": "input_b",
}
#: ``export_weights``'s csv file → their variable name.
CSV_FILES = {
    "w.csv": "W",
    "erev.csv": "erev",
    "mu.csv": "mu",
    "sigma.csv": "sigma",
    "sensory_w.csv": "sensory_W",
    "sensory_erev.csv": "sensory_erev",
    "sensory_mu.csv": "sensory_mu",
    "sensory_sigma.csv": "sensory_sigma",
    "vleak.csv": "vleak",
    "gleak.csv": "gleak",
    "cm.csv": "cm_t",
}
#: Their solver names (``ODESolver``) and ltc-ref's.
SOLVER_NAMES = {
    "semi_implicit": "fused",
    "fused": "fused",
    "explicit": "euler",
    "euler": "euler",
    "runge_kutta": "rk4",
    "rk4": "rk4",
}
_MATRICES = ("W", "erev", "mu", "sigma", "sensory_W", "sensory_erev", "sensory_mu", "sensory_sigma")
#: Their synapse conductances, which ``--sparsity`` zeroes, and the mask field each zero sets.
SPARSE_VARIABLES = {"W": "sparsity_mask", "sensory_W": "sensory_sparsity_mask"}
#: Checkpoint entries that are not the model: Adam's moment slots (``<variable>/Adam``,
#: ``<variable>/Adam_1``) and its bias-correction powers.
OPTIMIZER_ENTRIES = ("Adam", "Adam_1", "beta1_power", "beta2_power")
#: The variable scope of their cell in the scripts' graphs (``tf.nn.dynamic_rnn`` → ``rnn``,
#: the cell → ``ltc``).
CELL_SCOPE = "rnn/ltc"
#: The scripts' dense read-out layer (``tf.layers.Dense``): ``dense/kernel`` ``(N, K)``,
#: ``dense/bias`` ``(K,)``.
READOUT_SCOPE = "dense"


def clip_floor(name: str) -> float:
    """The lower clipping bound of their variable ``name`` as their float32 graph applies it:
    ``float(np.float32(low))`` (``float32(1e-5) = 9.99999975e-06`` < 1e-5).

    Arguments:
        name: a key of `CLIP_RANGES`.

    Returns:
        The bound as a Python float (exactly the float32 value).
    """
    v.check_choice("name", name, CLIP_RANGES)
    return float(np.float32(CLIP_RANGES[name][0]))


def _short_name(key: str) -> str:
    """``"rnn/ltc/sensory_mapping/input_w:0"`` → ``"input_w"``."""
    return key.split("/")[-1].split(":")[0]


def authors_forward_kwargs(solver: str = "semi_implicit", *, unfolds: int = AUTHORS_UNFOLDS):
    r"""The `ltc_ref.forward` settings that reproduce one input step of their cell, given
    parameters from `params_from_authors` (``cm`` = ``cm_t``).

    * ``"semi_implicit"`` (their default, ltc-ref ``"fused"``): ``dt = L``, so
      $c = C_m L / \Delta t$ = ``cm_t``;
    * ``"explicit"`` (``"euler"``) and ``"runge_kutta"`` (``"rk4"``): ``dt = 0.1 L``, so each
      sub-step is their fixed 0.1.

    Arguments:
        solver: their ``ODESolver`` name (``"semi_implicit"``, ``"explicit"``,
            ``"runge_kutta"``) or ltc-ref's (``"fused"``, ``"euler"``, ``"rk4"``).
        unfolds: L (``_ode_solver_unfolds``, 6).

    Returns:
        ``{"dt", "unfolds", "solver", "epsilon": 0.0}``.
    """
    v.check_choice("solver", solver, SOLVER_NAMES)
    L = v.check_int("unfolds", unfolds, minimum=1)
    name = SOLVER_NAMES[solver]
    dt = float(L) if name == "fused" else AUTHORS_EXPLICIT_STEP * L
    return {"dt": dt, "unfolds": L, "solver": name, "epsilon": 0.0}


def params_from_authors(
    variables: Mapping, *, input_mapping="affine", check_ranges: bool = True, dtype=np.float64
) -> SynapticParams:
    r"""ltc-ref parameters from the authors' variables.

    ``cm`` is set to ``cm_t``; run with `authors_forward_kwargs` (``dt = L`` for their fused
    solver). The output map is the identity on all N neurons. Masks: 1 everywhere except where
    ``W`` / ``sensory_W`` is exactly 0 — a synapse removed by their scripts' ``--sparsity``
    option — where the mask is 0 and ``w`` is set to the clip floor (`clip_floor`; any positive
    value gives the same outputs, since the synapse's conductance is $w\sigma(\cdot)m = 0$, and
    `params_to_authors` writes the zero back).

    Arguments:
        variables: their variable name → array: ``sensory_mu, sensory_sigma, sensory_W,
            sensory_erev, mu, sigma, W, erev, vleak, gleak, cm_t`` and, per ``input_mapping``,
            ``input_w``, ``input_b``. Keys may carry TF scopes and suffixes
            (``"rnn/ltc/sensory_mapping/input_w:0"``); only the last name counts.
        input_mapping: ``"affine"`` (their default: ``input_w`` and ``input_b``), ``"linear"``
            (``input_w`` only) or ``None`` (identity).
        check_ranges: require ``cm_t``, ``gleak``, ``W``, ``sensory_W`` inside `CLIP_RANGES`
            with float32 lower bounds (`clip_floor`), exact zeros of ``W`` / ``sensory_W``
            excepted (missing synapses): true of any model their training produced, since it
            clips after every step.
        dtype: float32 (theirs) or float64.

    Returns:
        `SynapticParams`.

    Raises:
        ValueError: unknown, missing or repeated names, values outside the clipping ranges
            (with ``check_ranges``), or an exact zero anywhere else than ``W`` / ``sensory_W``'s
            missing synapses (a zero ``cm_t`` or ``gleak`` is not a model their code makes).
    """
    dtype = v.check_dtype("dtype", dtype)
    if input_mapping not in ("affine", "linear", None):
        raise ValueError(
            f"input_mapping: expected 'affine', 'linear' or None, got {input_mapping!r}"
        )
    named = {}
    for key, value in variables.items():
        short = _short_name(key)
        if short not in VARIABLE_FIELDS:
            raise ValueError(
                f"variables: unknown name {key!r}; expected the authors' names "
                f"{sorted(VARIABLE_FIELDS)} (with optional scopes)"
            )
        if short in named:
            raise ValueError(f"variables: {short!r} given twice")
        named[short] = v.as_array(f"variables[{key!r}]", value).astype(dtype)
    wanted = [k for k in VARIABLE_FIELDS if not k.startswith("input_")]
    wanted += {"affine": ["input_w", "input_b"], "linear": ["input_w"], None: []}[input_mapping]
    missing = [k for k in wanted if k not in named]
    extra = [k for k in named if k not in wanted]
    if missing or extra:
        raise ValueError(
            f"variables: missing {missing}, unexpected {extra} for input_mapping={input_mapping!r}"
        )
    masks = {}
    for name, mask_field in SPARSE_VARIABLES.items():
        dense = np.ones(named[name].shape, dtype)
        named[name], masks[mask_field] = zero_weights_as_mask(named[name], dense, clip_floor(name))
    if check_ranges:
        for name, (_, high) in CLIP_RANGES.items():
            arr, low = named[name], clip_floor(name)
            if np.any((arr < low) | (arr > high)):
                lo, hi = float(arr.min()), float(arr.max())
                raise ValueError(
                    f"variables[{name!r}]: values outside their clipping range [{low!r}, "
                    f"{high:g}] (float32 bounds; min {lo!r}, max {hi!r}); pass "
                    "check_ranges=False to load anyway"
                )
    fields = {VARIABLE_FIELDS[k]: a for k, a in named.items()}
    N, C = fields["gleak"].shape[0], fields["sensory_w"].shape[0]
    fields.setdefault("input_w", np.ones(C, dtype))
    fields.setdefault("input_b", np.zeros(C, dtype))
    fields.update(masks, output_w=np.ones(N, dtype), output_b=np.zeros(N, dtype))
    return SynapticParams(**fields)


def params_to_authors(params: SynapticParams, *, dt=None, unfolds: int = AUTHORS_UNFOLDS):
    r"""The authors' variables for ltc-ref parameters run with elapsed time ``dt`` and ``unfolds``
    fused sub-steps: ``cm_t`` $= C_m L / \Delta t$ (their fused solver then computes the same).

    Their cell has no masks: a missing synapse (mask 0) is written as ``W = 0`` /
    ``sensory_W = 0``, as their ``--sparsity`` training leaves it (keep their sparsity mask fixed
    when training further). The output map must be the identity on all neurons (their cell has
    none).

    Arguments:
        params: `SynapticParams`.
        dt: the elapsed time the parameters are meant to run with; ``None`` means the preset's
            ``dt = L`` (`authors_forward_kwargs`), so that ``cm_t = cm`` and
            `params_from_authors` inverts this function exactly.
        unfolds: L.

    Returns:
        dict of their variable name → array (``input_w`` and ``input_b`` included).
    """
    if not isinstance(params, SynapticParams):
        raise TypeError(f"params: expected SynapticParams, got {type(params).__name__}")
    if (
        params.n_outputs != params.n_units
        or np.any(params.output_w != 1)
        or np.any(params.output_b != 0)
    ):
        raise ValueError("params: the authors' cell outputs its whole state (no output map)")
    L = v.check_int("unfolds", unfolds, minimum=1)
    out = {name: np.array(getattr(params, f)) for name, f in VARIABLE_FIELDS.items()}
    for name, mask_field in SPARSE_VARIABLES.items():
        out[name] = np.where(getattr(params, mask_field) == 0, 0, out[name]).astype(params.dtype)
    if dt is not None:
        dt = v.check_real("dt", dt)
        if not dt > 0:
            raise ValueError(f"dt: expected > 0, got {dt}")
        out["cm_t"] = params.cm * L / dt
    return out


def clip_to_authors_ranges(params: SynapticParams) -> SynapticParams:
    """Apply their post-step clipping (`CLIP_RANGES`) to ``cm`` (as ``cm_t``), ``gleak``, ``w``,
    ``sensory_w``: for training here with their conventions.

    Arguments:
        params: `SynapticParams` in their parameterisation (``cm`` = ``cm_t``).

    Returns:
        `SynapticParams` with those fields clipped.
    """
    changes = {
        VARIABLE_FIELDS[name]: np.clip(getattr(params, VARIABLE_FIELDS[name]), low, high)
        for name, (low, high) in CLIP_RANGES.items()
    }
    return params.replace(**changes)


@dataclass(frozen=True, eq=False)
class AuthorsModel:
    """A model loaded from the authors' csv export.

    Attributes:
        params: `SynapticParams` (``cm`` = their ``cm_t``).
        readout_w: ``(N, K)`` kernel of the scripts' dense output layer (``output_w.csv``), or
            None.
        readout_b: ``(K,)`` its bias (``output_b.csv``), or None.
        input_map_loaded: whether ``input_w`` / ``input_b`` came from files or arguments (their
            ``export_weights`` does not write them).
    """

    params: SynapticParams
    readout_w: np.ndarray | None = None
    readout_b: np.ndarray | None = None
    input_map_loaded: bool = False

    def forward_kwargs(self, solver: str = "semi_implicit") -> dict:
        """`authors_forward_kwargs` for this model.

        Arguments:
            solver: their solver name (or ltc-ref's).

        Returns:
            dict of `ltc_ref.forward` keyword arguments.
        """
        return authors_forward_kwargs(solver)

    def readout(self, h):
        """The scripts' dense layer on the states: ``h @ readout_w + readout_b``.

        Arguments:
            h: ``(..., N)`` states (e.g. the ``h`` of `ltc_ref.forward`).

        Returns:
            ``(..., K)``.
        """
        if self.readout_w is None:
            raise ValueError(
                "readout: this model has no dense read-out (no output_w.csv / output_b.csv, or "
                "no dense/kernel in the checkpoint)"
            )
        out = np.asarray(h) @ self.readout_w
        return out if self.readout_b is None else out + self.readout_b

    def predict(self, x, *, time_major: bool = False, solver: str = "semi_implicit", h0=None):
        r"""Run the cell over a sequence and apply the dense read-out when there is one.

        Arguments:
            x: inputs in the parameters' dtype: ``(T, B, C)`` when ``time_major`` (their
                scripts' layout, ``tf.nn.dynamic_rnn(..., time_major=True)``), else ``(B, T, C)``.
            time_major: whether ``x`` (and the result) put time first.
            solver: their solver name (``"semi_implicit"``, ``"explicit"``, ``"runge_kutta"``)
                or ltc-ref's; sets `authors_forward_kwargs`.
            h0: ``(B, N)`` initial state (default 0, as their ``zero_state``).

        Returns:
            The read-out ``(B, T, K)`` (``(T, B, K)`` when ``time_major``), or the states
            ``(B, T, N)`` / ``(T, B, N)`` for a model without read-out.
        """
        x = v.as_array("x", x, ndim=3)
        batch_first = np.swapaxes(x, 0, 1) if time_major else x
        _, h = forward(self.params, batch_first, h0=h0, **authors_forward_kwargs(solver))
        out = h if self.readout_w is None else self.readout(h)
        return np.swapaxes(out, 0, 1) if time_major else out


def load_authors_csv(
    directory,
    *,
    input_w=None,
    input_b=None,
    check_ranges: bool = True,
    dtype=np.float64,
) -> AuthorsModel:
    """Load a directory written by the authors' ``LTCCell.export_weights``.

    Reads the eleven files of `CSV_FILES` (``cm.csv`` is ``cm_t``), the optional dense readout
    ``output_w.csv`` ``(N, K)`` and ``output_b.csv`` ``(K,)``, and optional ``input_w.csv`` /
    ``input_b.csv`` (not written by their export, accepted if you saved them). The files are
    ``np.savetxt`` text: one row per matrix row, one value per line for vectors.

    Arguments:
        directory: the export directory.
        input_w: ``(C,)`` the input map's weight, if not in the directory (from their
            checkpoint's ``sensory_mapping/input_w``). Without it: 1, with a warning.
        input_b: ``(C,)`` the input map's bias, likewise (default 0, with a warning).
        check_ranges: as for `params_from_authors`.
        dtype: float32 or float64 (the files hold their float32 values exactly).

    Returns:
        `AuthorsModel`; run it with ``ltc_ref.forward(model.params, x,
        **model.forward_kwargs())``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"directory: {directory} is not a directory")
    missing = [f for f in CSV_FILES if not (directory / f).exists()]
    if missing:
        raise ValueError(f"directory: {directory} lacks {missing} (an export_weights directory?)")
    variables = {}
    for filename, name in CSV_FILES.items():
        ndmin = 2 if name in _MATRICES else 1
        variables[name] = np.loadtxt(directory / filename, ndmin=ndmin, dtype=np.float64)
    loaded = {}
    for name, given in (("input_w", input_w), ("input_b", input_b)):
        path = directory / f"{name}.csv"
        if given is not None:
            loaded[name] = np.asarray(given, dtype=np.float64).reshape(-1)
        elif path.exists():
            loaded[name] = np.loadtxt(path, ndmin=1, dtype=np.float64)
    C = variables["sensory_W"].shape[0]
    if len(loaded) < 2:
        defaults = {"input_w": "input_w = 1", "input_b": "input_b = 0"}
        used = ", ".join(text for name, text in defaults.items() if name not in loaded)
        warnings.warn(
            "load_authors_csv: export_weights does not save the input map (scope "
            f"sensory_mapping: input_w, input_b); using {used}. Pass input_w= / input_b= from "
            "the checkpoint if the model was trained with an affine input map (their default).",
            UserWarning,
            stacklevel=2,
        )
    variables["input_w"] = loaded.get("input_w", np.ones(C))
    variables["input_b"] = loaded.get("input_b", np.zeros(C))
    params = params_from_authors(variables, check_ranges=check_ranges, dtype=dtype)
    readout_w = readout_b = None
    if (directory / "output_w.csv").exists():
        readout_w = np.loadtxt(directory / "output_w.csv", ndmin=2, dtype=np.float64).astype(dtype)
        if readout_w.shape[0] != params.n_units:
            raise ValueError(
                f"output_w.csv: expected a kernel of shape (N, K) with N = {params.n_units}, "
                f"got {readout_w.shape}"
            )
        if (directory / "output_b.csv").exists():
            readout_b = np.loadtxt(directory / "output_b.csv", ndmin=1, dtype=np.float64)
            readout_b = readout_b.astype(dtype)
            if readout_b.shape != (readout_w.shape[1],):
                raise ValueError(
                    f"output_b.csv: expected shape ({readout_w.shape[1]},), got {readout_b.shape}"
                )
    return AuthorsModel(params, readout_w, readout_b, input_map_loaded=len(loaded) == 2)


def _require_tensorflow():
    try:
        import tensorflow as tf
    except ImportError as err:
        raise ImportError(
            "load_authors_checkpoint needs TensorFlow to read tf.train.Saver checkpoints (the "
            f"tf extra): {install_hint('tf')}"
        ) from err
    return tf


def _is_optimizer_entry(key: str) -> bool:
    """Adam's slots (``.../W/Adam``, ``.../W/Adam_1``) and ``beta1_power`` / ``beta2_power``."""
    return key.split("/")[-1] in OPTIMIZER_ENTRIES


def load_authors_checkpoint(
    path,
    *,
    scope: str = CELL_SCOPE,
    readout: str | None = READOUT_SCOPE,
    check_ranges: bool = True,
    dtype=np.float64,
) -> AuthorsModel:
    """Load a model saved by the authors' training scripts (``tf.train.Saver``).

    Reads the cell's variables under ``scope`` (``rnn/ltc/W``, ``rnn/ltc/sensory_mapping/input_w``,
    …), the dense read-out under ``readout`` (``dense/kernel``, ``dense/bias``) when present, and
    ignores the optimizer's entries (`OPTIMIZER_ENTRIES`: Adam slots, ``beta1_power``,
    ``beta2_power``) and everything outside both scopes. The input mapping (affine, linear,
    none) follows from which of ``input_w`` / ``input_b`` exist. Exact zeros of ``W`` /
    ``sensory_W`` (``--sparsity``) become masks, as in `params_from_authors`.

    Needs TensorFlow (the ``tf`` extra; only its checkpoint reader is used, no graph is built).

    Arguments:
        path: the checkpoint prefix (``".../model.ckpt"``, as passed to ``Saver.save``) or its
            directory (the newest checkpoint named in its ``checkpoint`` file).
        scope: the cell's variable scope.
        readout: the dense layer's scope, or ``None`` to ignore it.
        check_ranges: as for `params_from_authors`.
        dtype: float32 (the stored values) or float64 (exact conversion).

    Returns:
        `AuthorsModel` (``input_map_loaded=True``); run it with `AuthorsModel.predict`.

    Raises:
        ImportError: TensorFlow is not installed.
        ValueError: no checkpoint at ``path``, no variables under ``scope``, or variables that
            `params_from_authors` refuses.
    """
    tf = _require_tensorflow()
    path = str(path)
    if Path(path).is_dir():
        found = tf.train.latest_checkpoint(path)
        if found is None:
            raise ValueError(f"path: {path} is a directory without a 'checkpoint' index file")
        path = found
    try:
        reader = tf.train.load_checkpoint(path)
    except (tf.errors.NotFoundError, tf.errors.DataLossError, ValueError) as err:
        raise ValueError(f"path: {path} is not a readable TensorFlow checkpoint ({err})") from err
    keys = [k for k in reader.get_variable_to_shape_map() if not _is_optimizer_entry(k)]
    prefix = scope.rstrip("/") + "/"
    variables = {k: reader.get_tensor(k) for k in keys if k.startswith(prefix)}
    if not variables:
        raise ValueError(
            f"path: {path} has no variables under {scope!r} (found {sorted(keys)[:8]}); pass "
            "scope= if the cell was built under another name"
        )
    has = {_short_name(k) for k in variables}
    mapping = "affine" if "input_b" in has else ("linear" if "input_w" in has else None)
    params = params_from_authors(
        variables, input_mapping=mapping, check_ranges=check_ranges, dtype=dtype
    )
    readout_w = readout_b = None
    if readout is not None and f"{readout}/kernel" in keys:
        readout_w = np.asarray(reader.get_tensor(f"{readout}/kernel"), dtype=dtype)
        if readout_w.ndim != 2 or readout_w.shape[0] != params.n_units:
            raise ValueError(
                f"{readout}/kernel: expected shape (N, K) with N = {params.n_units}, got "
                f"{readout_w.shape}"
            )
        if f"{readout}/bias" in keys:
            readout_b = np.asarray(reader.get_tensor(f"{readout}/bias"), dtype=dtype)
            if readout_b.shape != (readout_w.shape[1],):
                raise ValueError(
                    f"{readout}/bias: expected shape ({readout_w.shape[1]},), got {readout_b.shape}"
                )
    return AuthorsModel(params, readout_w, readout_b, input_map_loaded=True)


__all__ = [
    "AUTHORS_EXPLICIT_STEP",
    "AUTHORS_UNFOLDS",
    "CELL_SCOPE",
    "CLIP_RANGES",
    "CSV_FILES",
    "OPTIMIZER_ENTRIES",
    "READOUT_SCOPE",
    "SPARSE_VARIABLES",
    "VARIABLE_FIELDS",
    "AuthorsModel",
    "authors_forward_kwargs",
    "clip_floor",
    "clip_to_authors_ranges",
    "load_authors_checkpoint",
    "load_authors_csv",
    "params_from_authors",
    "params_to_authors",
]
