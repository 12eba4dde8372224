r"""What a candidate implementation can represent, and which cases therefore apply to it.

A candidate declares its *capabilities*: the forms, solvers, ε values, Δt forms, wirings,
input/output maps, initial states, dtypes and gradients it supports. A case outside them is
``not_applicable``: reported as such, never counted as a pass or a failure (a run where every
case is not applicable does not pass: it has checked nothing).

As JSON (``--capabilities FILE.json``, or a ``capabilities.json`` / a ``CAPABILITIES`` dict beside
the candidate), every field is optional and **a field left out means "supported"**:

```json
{
  "forms": ["conductance"],
  "solvers": ["fused"],
  "epsilon": [0.0, 1e-8],
  "unfolds": [6],
  "dt": ["scalar", "per_step"],
  "dt_values": [1.0],
  "activations": ["sigmoid", "tanh"],
  "masks": ["dense"],
  "input_map": ["none", "linear", "affine"],
  "output_map": ["none", "linear", "affine"],
  "initial_state": ["zero", "given"],
  "dtypes": ["float64"],
  "gradients": ["params", "x", "h0", "dt"],
  "min_units": 2, "max_units": 64, "max_batch": 16, "max_inputs": 8
}
```

Fields (the values each takes; a case applies when):

* ``forms``: ``"paper"``, ``"conductance"`` — its form is listed;
* ``solvers``: ``"fused"``, ``"euler"``, ``"rk4"`` — its solver is listed;
* ``epsilon``: numbers — its ε is one of them (``[0.0]``: ε = 0 only);
* ``unfolds``: integers — its L is one of them (a candidate with a fixed sub-step count);
* ``dt``: ``"scalar"``, ``"per_step"``, ``"per_sample"`` — its Δt has a listed form;
* ``dt_values``: numbers — every entry of its Δt is one of them (``[1.0]``: no Δt input);
* ``activations``: names of `ltc_ref.model.params.ACTIVATIONS` — (paper form) its activation;
* ``masks``: ``"dense"``, ``"sparse"`` — ``"sparse"`` if some wiring mask entry is 0;
* ``input_map``, ``output_map``: ``"none"``, ``"linear"``, ``"affine"`` — the map the parameters
  need: ``"none"`` (w = 1, b = 0), ``"linear"`` (b = 0) or ``"affine"`` (the paper form has none);
* ``initial_state``: ``"zero"``, ``"given"`` — ``"zero"`` if h0 = 0, else ``"given"``;
* ``dtypes``: ``"float64"``, ``"float32"`` — the run's dtype is listed;
* ``gradients``: ``"params"``, ``"x"``, ``"h0"``, ``"dt"`` — (VJP checks) which cotangents are
  compared; ``[]``: no VJP at all;
* ``min_units``, ``max_units``, ``max_batch``, ``max_inputs``, ``max_steps``: integers — N, B,
  C, T within them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model.params import ACTIVATIONS
from ..solvers import FIXED_STEP_SOLVERS
from .cases import DT_FORMS, Case

MAP_KINDS = ("none", "linear", "affine")
GRADIENT_GROUPS = ("params", "x", "h0", "dt")
_CHOICES = {
    "forms": ("paper", "conductance"),
    "solvers": FIXED_STEP_SOLVERS,
    "dt": DT_FORMS,
    "activations": ACTIVATIONS,
    "masks": ("dense", "sparse"),
    "input_map": MAP_KINDS,
    "output_map": MAP_KINDS,
    "initial_state": ("zero", "given"),
    "dtypes": ("float64", "float32"),
    "gradients": GRADIENT_GROUPS,
}
_NUMBER_LISTS = ("epsilon", "unfolds", "dt_values")
_LIMITS = ("min_units", "max_units", "max_batch", "max_inputs", "max_steps")


@dataclass(frozen=True)
class Capabilities:
    """What a candidate supports; ``None`` (a field left out) means "everything".

    Every field is a tuple of the supported values (see the module's list) or None:
    ``forms``, ``solvers``, ``dt``, ``activations``, ``masks``, ``input_map``, ``output_map``,
    ``initial_state``, ``dtypes``, ``gradients`` (names); ``epsilon`` and ``dt_values``
    (floats), ``unfolds`` (ints). ``min_units``, ``max_units``, ``max_batch``, ``max_inputs``,
    ``max_steps`` are integer limits on N, B, C, T.
    """

    forms: tuple | None = None
    solvers: tuple | None = None
    epsilon: tuple | None = None
    unfolds: tuple | None = None
    dt: tuple | None = None
    dt_values: tuple | None = None
    activations: tuple | None = None
    masks: tuple | None = None
    input_map: tuple | None = None
    output_map: tuple | None = None
    initial_state: tuple | None = None
    dtypes: tuple | None = None
    gradients: tuple | None = None
    min_units: int | None = None
    max_units: int | None = None
    max_batch: int | None = None
    max_inputs: int | None = None
    max_steps: int | None = None

    def __post_init__(self):
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value is None:
                continue
            value = _as_tuple(name, value)
            bad = [x for x in value if x not in allowed]
            if bad:
                raise ValueError(
                    f"capabilities.{name}: unknown values {bad}; expected some of {list(allowed)}"
                )
            object.__setattr__(self, name, value)
        for name in _NUMBER_LISTS:
            value = getattr(self, name)
            if value is None:
                continue
            kind = int if name == "unfolds" else float
            try:
                value = tuple(kind(x) for x in _as_tuple(name, value))
            except (TypeError, ValueError):
                raise ValueError(f"capabilities.{name}: expected a list of numbers") from None
            object.__setattr__(self, name, value)
        for name in _LIMITS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"capabilities.{name}: expected an integer, got {value!r}")

    # ---- JSON -------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data) -> Capabilities:
        """Read capabilities from a dict or a JSON string (fields left out: supported).

        Raises:
            ValueError: an unknown field or value.
        """
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise ValueError(f"capabilities: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"capabilities: unknown fields {unknown}; known: {sorted(known)}")
        return cls(**data)

    @classmethod
    def load(cls, path) -> Capabilities:
        """`from_json` of a file."""
        return cls.from_json(Path(path).read_text())

    def to_json(self) -> dict:
        """The fields that restrict something (a JSON-ready dict)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    # ---- which cases apply --------------------------------------------------------------------

    def excludes(self, case: Case, dtype: str = "float64") -> str | None:
        """Why ``case`` is outside these capabilities, or None if it applies.

        Arguments:
            case: a `Case`.
            dtype: the dtype the candidate is run in.

        Returns:
            A short reason (``"dt per_sample not supported"``), or None.
        """
        feats = case_features(case)
        for name in ("forms", "solvers", "dt", "masks", "input_map", "output_map"):
            allowed = getattr(self, name)
            key = {"forms": "form", "solvers": "solver"}.get(name, name)
            if allowed is not None and feats[key] not in allowed:
                return f"{key} {feats[key]!r} not supported (supported: {list(allowed)})"
        if self.initial_state is not None and feats["initial_state"] not in self.initial_state:
            return f"initial state {feats['initial_state']!r} not supported"
        if self.activations is not None and case.form == "paper":
            if feats["activation"] not in self.activations:
                return f"activation {feats['activation']!r} not supported"
        if self.epsilon is not None and case.epsilon not in self.epsilon:
            return f"epsilon {case.epsilon:g} not supported (supported: {list(self.epsilon)})"
        if self.unfolds is not None and case.unfolds not in self.unfolds:
            return f"unfolds {case.unfolds} not supported (supported: {list(self.unfolds)})"
        if self.dt_values is not None and not np.all(np.isin(case.dt_per_entry, self.dt_values)):
            return f"dt values other than {list(self.dt_values)} not supported"
        if self.dtypes is not None and dtype not in self.dtypes:
            return f"dtype {dtype} not supported"
        return self._size_reason(case.shape)

    def excludes_spec(self, spec) -> str | None:
        """`excludes` for what a `CaseSpec` alone says (form, solver, Δt form, ε, L,
        activation, B, T, C, N) without drawing the case: a cheap first filter. A spec it lets
        through can still be excluded by its case's values (masks, maps, Δt values, h0).

        Returns:
            A reason, or None.
        """
        from .cases import build_wiring

        checks = (
            ("forms", spec.form),
            ("solvers", spec.solver),
            ("dt", spec.dt_form),
            ("epsilon", spec.epsilon),
            ("unfolds", spec.unfolds),
            ("initial_state", spec.initial_state),
        )
        for name, value in checks:
            allowed = getattr(self, name)
            if allowed is not None and value not in allowed:
                return f"{name}: {value!r} not supported"
        if self.activations is not None and spec.form == "paper":
            if spec.activation not in self.activations:
                return f"activation {spec.activation!r} not supported"
        N = spec.n_units if spec.form == "paper" else build_wiring(spec.wiring, spec.n_inputs).units
        sizes = {"N": N, "B": spec.batch, "C": spec.n_inputs, "T": spec.steps}
        return self._size_reason(sizes)

    def _size_reason(self, s: dict) -> str | None:
        for name, key, sign in (
            ("min_units", "N", -1),
            ("max_units", "N", 1),
            ("max_batch", "B", 1),
            ("max_inputs", "C", 1),
            ("max_steps", "T", 1),
        ):
            limit = getattr(self, name)
            if limit is not None and sign * (s[key] - limit) > 0:
                return f"{key} = {s[key]} outside {name} = {limit}"
        return None

    def gradient_quantities(self, names) -> list:
        """The cotangent names among ``names`` that these capabilities compare."""
        if self.gradients is None:
            return list(names)
        keep = []
        for name in names:
            group = name[2:] if name in ("g_x", "g_h0", "g_dt") else "params"
            if group in self.gradients:
                keep.append(name)
        return keep


def _as_tuple(name, value) -> tuple:
    if isinstance(value, (str, int, float)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"capabilities.{name}: expected a list, got {type(value).__name__}")
    return tuple(value)


def _map_kind(w, b) -> str:
    if np.all(np.asarray(b) == 0):
        return "none" if np.all(np.asarray(w) == 1) else "linear"
    return "affine"


def case_features(case: Case) -> dict:
    """The features of a case that capabilities restrict, read from its arrays.

    Returns:
        ``{"form", "solver", "dt", "activation", "masks", "input_map", "output_map",
        "initial_state"}``: ``masks`` is ``"sparse"`` if a wiring mask has a 0 (the paper form
        is dense), the maps are the least a candidate needs to hold the parameters.
    """
    p = case.params
    feats = {"form": case.form, "solver": case.solver, "dt": case.dt_form}
    feats["activation"] = getattr(p, "activation", "sigmoid")
    feats["initial_state"] = "zero" if np.all(case.h0 == 0) else "given"
    if case.form == "paper":
        feats.update(masks="dense", input_map="none", output_map="none")
        return feats
    dense = all(np.all(getattr(p, k) != 0) for k in p.MASK_FIELDS)
    feats["masks"] = "dense" if dense else "sparse"
    feats["input_map"] = _map_kind(p.input_w, p.input_b)
    feats["output_map"] = _map_kind(p.output_w, p.output_b)
    return feats


#: Everything supported (the default).
ALL = Capabilities()

__all__ = ["ALL", "GRADIENT_GROUPS", "MAP_KINDS", "Capabilities", "case_features"]
