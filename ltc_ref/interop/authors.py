r"""The parameterisation of the authors' TensorFlow code (``raminmh/liquid_time_constant_networks``,
``experiments_with_ltcs/ltc_model.py``), so that a model trained with it runs here.

Their ``LTCCell`` is the conductance form (SPEC §2) with these differences from ncps / ltc-ref:

* **No Δt.** A trainable ``cm_t`` plays the role of $c = C_m / h$, the capacitance over the
  sub-step. Their fused ("semi-implicit") solver takes ``L = 6`` sub-steps per input step:
  $v \leftarrow (c_t v + g_l v_l + \sum a E + \sum s E^s) / (c_t + g_l + \sum a + \sum s)$ with
  $c_t$ = ``cm_t``. ltc-ref's fused step uses $c = C_m L / \Delta t$, so **cm = cm_t with
  dt = L** reproduces it (``c = cm_t / (L / L)``, exactly).
* **Explicit variants.** Their explicit Euler and RK4 solvers take ``L`` steps of a *fixed* 0.1
  of $\dot v = [g_l (v_l - v) + \sum a (E - v) + \sum s (E^s - v)] / c_t$, i.e. they treat
  ``cm_t`` as $C_m$: **cm = cm_t with dt = 0.1 L** and ``solver="euler"`` / ``"rk4"``.
* **No ε, no masks** (dense: every synapse exists), **no output map**: the cell's output is its
  whole state (M = N); the scripts put a dense layer on top (`AuthorsModel.readout`).
* **Input map** in the variable scope ``sensory_mapping``: ``input_w``, ``input_b`` (mapping type
  Affine, their default; Linear has no ``input_b``; Identity neither).
* **Clipping** after every optimizer step (``get_param_constrain_op``): `CLIP_RANGES`.

Their variable names → ltc-ref fields: `VARIABLE_FIELDS`. Their ``export_weights(dirname, sess,
output_weights=None)`` writes ``np.savetxt`` csv files (`CSV_FIELDS`; ``cm.csv`` holds
``cm_t``), plus ``output_w.csv`` / ``output_b.csv`` with the dense readout's kernel and bias when
``output_weights`` is passed; it does **not** write the input map. `load_authors_csv` reads such
a directory.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validation as v
from ..model.params import SynapticParams

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
    solver). Masks are all ones (their cell is dense), the output map the identity on all N
    neurons.

    Arguments:
        variables: their variable name → array: ``sensory_mu, sensory_sigma, sensory_W,
            sensory_erev, mu, sigma, W, erev, vleak, gleak, cm_t`` and, per ``input_mapping``,
            ``input_w``, ``input_b``. Keys may carry TF scopes and suffixes
            (``"rnn/ltc/sensory_mapping/input_w:0"``); only the last name counts.
        input_mapping: ``"affine"`` (their default: ``input_w`` and ``input_b``), ``"linear"``
            (``input_w`` only) or ``None`` (identity).
        check_ranges: require ``cm_t``, ``gleak``, ``W``, ``sensory_W`` inside `CLIP_RANGES`
            (true of any model their training produced, since it clips after every step).
        dtype: float32 (theirs) or float64.

    Returns:
        `SynapticParams`.
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
    if check_ranges:
        for name, (low, high) in CLIP_RANGES.items():
            arr = named[name]
            if np.any((arr < low) | (arr > high)):
                raise ValueError(
                    f"variables[{name!r}]: values outside their clipping range [{low:g}, "
                    f"{high:g}] (min {arr.min():g}, max {arr.max():g}); pass check_ranges=False "
                    "to load anyway"
                )
    fields = {VARIABLE_FIELDS[k]: a for k, a in named.items()}
    N, C = fields["gleak"].shape[0], fields["sensory_w"].shape[0]
    fields.setdefault("input_w", np.ones(C, dtype))
    fields.setdefault("input_b", np.zeros(C, dtype))
    fields.update(
        sparsity_mask=np.ones((N, N), dtype),
        sensory_sparsity_mask=np.ones((C, N), dtype),
        output_w=np.ones(N, dtype),
        output_b=np.zeros(N, dtype),
    )
    return SynapticParams(**fields)


def params_to_authors(params: SynapticParams, *, dt=None, unfolds: int = AUTHORS_UNFOLDS):
    r"""The authors' variables for ltc-ref parameters run with elapsed time ``dt`` and ``unfolds``
    fused sub-steps: ``cm_t`` $= C_m L / \Delta t$ (their fused solver then computes the same).

    The parameters must be dense (all-ones masks) with the identity output map on all neurons
    (their cell has neither).

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
    if not (np.all(params.sparsity_mask == 1) and np.all(params.sensory_sparsity_mask == 1)):
        raise ValueError("params: the authors' cell is dense; the masks must be all ones")
    if (
        params.n_outputs != params.n_units
        or np.any(params.output_w != 1)
        or np.any(params.output_b != 0)
    ):
        raise ValueError("params: the authors' cell outputs its whole state (no output map)")
    L = v.check_int("unfolds", unfolds, minimum=1)
    out = {name: np.array(getattr(params, f)) for name, f in VARIABLE_FIELDS.items()}
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
            raise ValueError("readout: no output_w.csv / output_b.csv were loaded")
        out = np.asarray(h) @ self.readout_w
        return out if self.readout_b is None else out + self.readout_b


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


__all__ = [
    "AUTHORS_EXPLICIT_STEP",
    "AUTHORS_UNFOLDS",
    "CLIP_RANGES",
    "CSV_FILES",
    "VARIABLE_FIELDS",
    "AuthorsModel",
    "authors_forward_kwargs",
    "clip_to_authors_ranges",
    "load_authors_csv",
    "params_from_authors",
    "params_to_authors",
]
