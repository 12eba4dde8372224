r"""The file protocol: check an implementation in any language through files.

``export_cases(DIR)`` (``ltc-ref crosscheck export DIR``) writes one directory per case:

* ``DIR/index.json`` — ``{"format": "ltc-ref/crosscheck-files/1", "cases": [names]}``;
* ``DIR/<case>/case.json`` — the settings: ``form``, ``solver``, ``unfolds`` (L), ``epsilon``,
  ``activation`` (paper form), ``dt_form``, ``shapes`` (``B``, ``T``, ``C``, ``N``, ``M``),
  ``fields`` (the parameter arrays and their shapes), ``compare`` (the quantities that are
  judged in float64), ``tolerances`` (per dtype and quantity; ``null``: not judged) and the full
  ``spec`` (`ltc_ref.testing.CaseSpec` as JSON);
* ``DIR/<case>/inputs.npz`` — ``x`` ``(B, T, C)``, ``h0`` ``(B, N)``, ``dt`` (``()``, ``(T,)``
  or ``(B, T)``), ``g_y`` ``(B, T, M)``, ``g_h_last`` ``(B, N)`` and every parameter field under
  its ltc-ref name (physical values, float64, C order).

The implementation writes ``DIR/<case>/outputs.npz`` with ``y`` ``(B, T, M)`` and ``h`` (the
state sequence ``(B, T, N)``) or ``h_last`` ``(B, N)``, and optionally the cotangents of
$\ell = \sum y \odot \bar y + \sum h_T \odot \bar h_T$: ``g_<field>`` (of the physical values),
``g_x``, ``g_h0``, ``g_dt`` (in ``dt``'s shape, or per entry ``(B, T)``). float32 outputs are
judged with the float32 tolerances. It may also write ``DIR/capabilities.json``
(`ltc_ref.testing.capabilities`): cases outside it are not applicable.

``check_results(DIR)`` (``ltc-ref crosscheck --results DIR``) compares them: missing optional
quantities are not compared; a missing ``outputs.npz`` or a missing ``y`` is a failure. The
reference's answers are not in ``DIR``: they are recomputed from each case's spec (a golden
case is read from the golden files).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .capabilities import Capabilities
from .cases import Case
from .compare import Report, run_cases
from .golden import case_from_json, golden_cases

FORMAT = "ltc-ref/crosscheck-files/1"
INDEX = "index.json"
#: The inputs in ``DIR`` must be the ones the spec draws: identical on the platform that wrote
#: them; a few ulps apart on another (the parameter initialisers call exp/log).
INPUT_RTOL = 1e-13


def _input_arrays(case: Case) -> dict:
    p = case.params
    arrays = {
        "x": case.x,
        "h0": case.h0,
        "dt": np.asarray(case.dt, dtype=np.float64),
        "g_y": case.g_y,
        "g_h_last": case.g_h_last,
    }
    arrays.update({name: getattr(p, name) for name in p.ARRAY_FIELDS})
    return {k: np.array(a, dtype=np.float64, order="C") for k, a in arrays.items()}


def case_settings(case: Case) -> dict:
    """The ``case.json`` of a case (see the module docstring)."""
    p = case.params
    tolerances = {d: dict(t) for d, t in case.tolerances.items()}
    tolerances.get("float64", {}).setdefault("h_last", tolerances.get("float64", {}).get("h"))
    tolerances.get("float32", {}).setdefault("h_last", tolerances.get("float32", {}).get("h"))
    return {
        "format": FORMAT,
        "name": case.name,
        "form": case.form,
        "solver": case.solver,
        "unfolds": case.unfolds,
        "epsilon": case.epsilon,
        "activation": getattr(p, "activation", None),
        "dt_form": case.dt_form,
        "shapes": case.shape,
        "fields": {name: list(np.shape(getattr(p, name))) for name in p.ARRAY_FIELDS},
        "compare": [q for q, t in case.tolerances["float64"].items() if t is not None],
        "tolerances": tolerances,
        "outputs": {
            "required": ["y", "h or h_last"],
            "optional": [f"g_{name}" for name in p.ARRAY_FIELDS] + ["g_x", "g_h0", "g_dt"],
        },
        "spec": case.spec.to_json(),
    }


def export_cases(directory, cases=None) -> list:
    """Write cases for an implementation in another language (see the module docstring).

    Arguments:
        directory: the output directory (created; existing case directories are overwritten,
            ``outputs.npz`` files in them are removed).
        cases: an iterable of `Case` with a spec (default: every golden case).

    Returns:
        list of the case names written.

    Raises:
        ValueError: a case without a spec (built by hand: it could not be recomputed), or two
            cases with one name.
    """
    directory = Path(directory)
    cases = golden_cases() if cases is None else list(cases)
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError("cases: two cases have the same name")
    directory.mkdir(parents=True, exist_ok=True)
    for case in cases:
        if case.spec is None:
            raise ValueError(
                f"case {case.name!r}: no spec (a case built by hand cannot be exported)"
            )
        here = directory / case.name
        here.mkdir(exist_ok=True)
        (here / "outputs.npz").unlink(missing_ok=True)
        (here / "case.json").write_text(json.dumps(case_settings(case), indent=1) + "\n")
        np.savez(here / "inputs.npz", **_input_arrays(case))
    index = {"format": FORMAT, "cases": names}
    (directory / INDEX).write_text(json.dumps(index, indent=1) + "\n")
    return names


def load_exported(directory, names=None) -> list:
    """The cases of an exported directory, recomputed from their specs and checked against the
    ``inputs.npz`` written there.

    Arguments:
        directory: a directory written by `export_cases`.
        names: only these cases (default: all).

    Returns:
        list of `Case`.

    Raises:
        ValueError: no ``index.json``, a case directory missing, or inputs that are not the
            ones the spec draws.
    """
    directory = Path(directory)
    if not (directory / INDEX).is_file():
        raise ValueError(
            f"results: {directory} has no {INDEX} (write it with ltc-ref crosscheck export DIR)"
        )
    index = json.loads((directory / INDEX).read_text())
    wanted = index["cases"] if names is None else list(names)
    unknown = sorted(set(wanted) - set(index["cases"]))
    if unknown:
        raise ValueError(f"results: no exported cases {unknown} in {directory}")
    cases = []
    for name in wanted:
        here = directory / name
        if not (here / "case.json").is_file():
            raise ValueError(f"results: {here} has no case.json")
        case = case_from_json(json.loads((here / "case.json").read_text())["spec"])
        with np.load(here / "inputs.npz", allow_pickle=False) as z:
            stored = {k: z[k] for k in z.files}
        for key, arr in _input_arrays(case).items():
            a = stored.get(key)
            same = a is not None and a.shape == arr.shape
            if not (same and np.allclose(a, arr, rtol=INPUT_RTOL, atol=0)):
                raise ValueError(
                    f"results: {here / 'inputs.npz'}: {key!r} is not what the case's spec draws "
                    "(edited, or exported by another version of ltc-ref)"
                )
        cases.append(case)
    return cases


def read_outputs(path) -> dict:
    """The arrays of an ``outputs.npz``."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def check_results(directory, *, capabilities=None, diagnose=True, dtype=None, names=None) -> Report:
    """Compare the ``outputs.npz`` an implementation wrote into an exported directory.

    Arguments:
        directory: a directory written by `export_cases`, with the candidate's outputs.
        capabilities: `Capabilities` (default: ``DIR/capabilities.json`` if present, else
            everything supported).
        diagnose: diagnose failures against the variants of the reference.
        dtype: ``"float64"`` or ``"float32"`` tolerances (default: float32 if any output array
            is float32).
        names: compare only these cases (default: every case of ``index.json``).

    Returns:
        `Report` (target ``--results DIR``).
    """
    directory = Path(directory)
    if capabilities is None and (directory / "capabilities.json").is_file():
        capabilities = Capabilities.load(directory / "capabilities.json")
    cases = load_exported(directory, names)
    outputs = {}
    for case in cases:
        path = directory / case.name / "outputs.npz"
        outputs[case.name] = read_outputs(path) if path.is_file() else None
    if dtype is None:
        kinds = {a.dtype for o in outputs.values() if o for a in o.values()}
        dtype = "float32" if np.dtype(np.float32) in kinds else "float64"

    def call(case):
        values = outputs[case.name]
        if values is None:
            raise FileNotFoundError(f"no {case.name}/outputs.npz was written")
        if "y" not in values:
            raise KeyError(f"{case.name}/outputs.npz has no 'y' (required)")
        if "h" not in values and "h_last" not in values:
            raise KeyError(f"{case.name}/outputs.npz has neither 'h' nor 'h_last' (one is needed)")
        return values

    return run_cases(
        cases,
        call,
        dtype=dtype,
        capabilities=capabilities,
        diagnose=diagnose,
        label="files",
        title=f"outputs in {directory} vs ltc-ref",
        target=f"--results {directory}",
    )


__all__ = [
    "FORMAT",
    "case_settings",
    "check_results",
    "export_cases",
    "load_exported",
    "read_outputs",
]
