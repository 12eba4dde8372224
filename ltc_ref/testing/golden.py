r"""Golden vectors: a versioned set of cases computed by the reference in float64, stored in the
package (``ltc_ref/testing/golden/``), for checking other implementations without running
ltc-ref.

Each case is one ``.npz`` file (a zip of ``.npy`` arrays, NumPy's format, readable from any
language) listed in ``manifest.json`` with what it covers and the tolerances that apply. The
format is specified in ``docs/crosscheck.md``; in short, a case file holds

| entry | shape | meaning |
|---|---|---|
| ``params/<field>`` | per field | parameters (physical values; every array field of the form) |
| ``inputs/x`` | ``(B, T, C)`` | input sequence, batch first |
| ``inputs/h0`` | ``(B, N)`` | initial state |
| ``inputs/dt`` | ``()``, ``(T,)`` or ``(B, T)`` | elapsed time of each input step |
| ``cotangents/y`` | ``(B, T, M)`` | fixed cotangent $\bar y$ of the outputs |
| ``cotangents/h_last`` | ``(B, N)`` | fixed cotangent $\bar h_T$ of the final state |
| ``outputs/y`` | ``(B, T, M)`` | outputs |
| ``outputs/h`` | ``(B, T, N)`` | states after each input step |
| ``grads/params/<field>`` | per field | $\partial\ell/\partial$ field (physical value) |
| ``grads/x``, ``grads/h0``, ``grads/dt`` | like the inputs | the same for the inputs |

with the scalar $\ell = \sum y \odot \bar y + \sum h_T \odot \bar h_T$.

Regenerate (from fixed seeds): ``python scripts/make_golden.py --regenerate``; ``--check``
regenerates into a temporary directory and compares with the stored files.

**Platforms.** Floating-point results are reproducible bit for bit only on the same platform:
NumPy dispatches its elementary functions (exp, log, tanh) and reductions to SIMD code chosen at
run time (AVX2, AVX-512, ...), whose last bits differ. The manifest records the platform that
generated the files (`platform_fingerprint`: Python, NumPy and its SIMD dispatch, the BLAS and its
core type). ``--check`` compares bytes where the current platform is that one, and elsewhere
compares every array within `REGENERATION_ULPS` units in the last place, scaled by the case's
measured sensitivity $\kappa$ (`ltc_ref.testing.cases.measure_sensitivity`), and the
re-measured tolerances within `REMEASURE_FACTOR`.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import hashlib
import io
import json
import math
import platform
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..model.params import PaperParams, SynapticParams
from .cases import (
    FLOAT64_UNIT,
    ILL_CONDITIONED_RTOL,
    Case,
    CaseSpec,
    make_case,
    spec_from_json,
    spec_matches,
)
from .measure import relative_error

#: Version of the file format; bump it when the layout of a case file or the manifest changes.
#: 2: the manifest records the generating ``platform`` and each case's ``sensitivity``.
FORMAT_VERSION = 2
#: On another platform than the one that generated the files, an array may differ from the
#: stored one by rounding: NumPy's SIMD paths (AVX-512 vs AVX2 exp, log, tanh, summation blocks)
#: round differently, and the case amplifies the difference by its sensitivity $\kappa$. An array
#: passes if ``max|new - old| / max|old| <= REGENERATION_ULPS * max(1, kappa) * FLOAT64_UNIT``.
#: Measured on all 35 cases (NumPy 2.4.6, AMD EPYC, 2026-12-02; ``--check`` under
#: ``NPY_DISABLE_CPU_FEATURES`` and natively): AVX-512 against AVX2 differ by at most 1.6 kappa
#: ulps; one-ulp changes of one formula in the fused step differ by 1.7 (1/dt taken first), 2.5
#: (denominator summed in another order), 3.7 (numerator in another order) and 8.5 kappa ulps (the
#: sigmoid written through tanh). 4 leaves a factor 2.5 above the platforms' rounding and still
#: reports the last (tests/test_golden.py); the first three are as small as what two CPUs do, so
#: no tolerance could tell them from a platform (the bitwise check does, on the same platform).
REGENERATION_ULPS = 4.0
#: The tolerances and sensitivities in the manifest are measurements of rounding noise; on another
#: platform the same measurement meets other rounding errors. A re-measured value passes if it is
#: within this factor of the stored one (measured between AVX-512 and AVX2 on the 35 cases:
#: tolerances at most 2 apart, sensitivities 3.3); it is never used to compare arrays, only these
#: measurements.
REMEASURE_FACTOR = 10.0
#: Where the golden files are shipped (package data).
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
MANIFEST = "manifest.json"
#: Every zip entry gets this timestamp, so that the files do not depend on when they were made.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: The whole set must stay small (the issue's budget).
MAX_TOTAL_BYTES = 2_000_000

# ---- the cases --------------------------------------------------------------------------------


def _fc(units, output_dim=None, **kw):
    return {"class": "FullyConnected", "args": {"units": units, "output_dim": output_dim, **kw}}


_NCP = {
    "class": "NCP",
    "args": {
        "inter_neurons": 3,
        "command_neurons": 2,
        "motor_neurons": 2,
        "sensory_fanout": 2,
        "inter_fanout": 2,
        "recurrent_command_synapses": 2,
        "motor_fanin": 1,
        "seed": 7,
    },
}
_AUTONCP = {"class": "AutoNCP", "args": {"units": 8, "output_size": 2, "sparsity_level": 0.5}}
_RANDOM = {
    "class": "Random",
    "args": {"units": 6, "output_dim": 3, "sparsity_level": 0.5, "random_seed": 5},
}


def _cond(name, wiring, C, seed, covers, **kw):
    return CaseSpec(name, "conductance", C, wiring=wiring, seed=seed, covers=covers, **kw)


def _paper(name, N, C, activation, seed, covers, **kw):
    return CaseSpec(
        name, "paper", C, n_units=N, activation=activation, seed=seed, covers=covers, **kw
    )


#: The golden cases, in file order. Seeds are fixed: the files regenerate bit for bit.
SPECS: tuple[CaseSpec, ...] = (
    # -- conductance form, the fused solver (what ncps runs) -------------------------------------
    _cond("cond-fc-fused-L6-ncps-init", _fc(4), 3, 101,
          "ncps's defaults: fully connected, M = N, initial values, fused, L = 6, dt = 1, "
          "eps = 1e-8", regime="typical", epsilon=1e-8, steps=5, tags=("ncps-default",)),
    _cond("cond-fc-fused-L6-trained", _fc(6, 2), 3, 102,
          "M < N (motor slicing); generic values of every field incl. input/output maps and "
          "non-±1 reversal potentials; eps = 0", steps=5, tags=("M<N",)),
    _cond("cond-fc-fused-L1-noself", _fc(5, 3, self_connections=False), 2, 103,
          "L = 1, scalar dt = 0.7, no self-connections", unfolds=1, dt_range=(0.7, 0.7)),
    _cond("cond-fc-fused-dt-per-step", _fc(5, 2), 3, 104,
          "irregular sampling shared by the batch: dt (T,) in U(0.2, 2)", steps=6,
          dt_form="per_step", dt_range=(0.2, 2.0), tags=("irregular",)),
    _cond("cond-fc-fused-dt-per-sample", _fc(5, 2), 3, 105,
          "irregular sampling per sample: dt (B, T) in U(0.2, 2), B = 3, eps = 1e-8",
          batch=3, steps=5, epsilon=1e-8, dt_form="per_sample", dt_range=(0.2, 2.0),
          tags=("irregular", "per-sample")),
    _cond("cond-fc-fused-dt-per-sample-B1", _fc(5, 2), 3, 106,
          "per-sample dt with B = 1 (the one batch size ncps's LTC wrapper handles)",
          batch=1, steps=6, epsilon=1e-8, dt_form="per_sample", dt_range=(0.2, 2.0),
          tags=("irregular", "per-sample")),
    _cond("cond-fc-fused-dt-per-sample-B-eq-N", _fc(3), 2, 114,
          "per-sample dt with B = N = 3 (where ncps's LTC wrapper computes silently wrong "
          "numbers)", batch=3, epsilon=1e-8, dt_form="per_sample", dt_range=(0.2, 2.0),
          tags=("irregular", "per-sample")),
    _cond("cond-ncp-fused", _NCP, 3, 107,
          "sparse NCP wiring (masks), M = 2 motor neurons, eps = 1e-8", epsilon=1e-8,
          steps=5, tags=("sparse", "M<N")),
    _cond("cond-autoncp-fused-dt-per-sample", _AUTONCP, 2, 108,
          "AutoNCP(8, 2) wiring with per-sample dt", epsilon=1e-8, dt_form="per_sample",
          dt_range=(0.5, 1.5), tags=("sparse", "M<N", "irregular", "per-sample")),
    _cond("cond-random-fused-L1-dt-per-step", _RANDOM, 3, 109,
          "Random sparse wiring (sparsity 0.5), L = 1, per-step dt", unfolds=1,
          dt_form="per_step", dt_range=(0.3, 1.5), tags=("sparse", "M<N", "irregular")),
    # -- conductance form, explicit solvers ----------------------------------------------------
    _cond("cond-fc-euler-L6", _fc(4, 2), 3, 110,
          "explicit Euler, L = 6, dt = 0.2 (inside its stability region)", solver="euler",
          dt_range=(0.2, 0.2), tags=("M<N",)),
    _cond("cond-fc-euler-L1", _fc(4, 2), 3, 111, "explicit Euler, L = 1, dt = 0.05",
          solver="euler", unfolds=1, dt_range=(0.05, 0.05)),
    _cond("cond-ncp-rk4-L6-dt-per-sample", _NCP, 3, 112,
          "RK4, L = 6, NCP wiring, per-sample dt in U(0.1, 0.5)", solver="rk4",
          dt_form="per_sample", dt_range=(0.1, 0.5), tags=("sparse", "irregular", "per-sample")),
    _cond("cond-fc-rk4-L1", _fc(4), 2, 113, "RK4, L = 1, dt = 0.1", solver="rk4", unfolds=1,
          dt_range=(0.1, 0.1)),
    # -- conductance form, edge cases ------------------------------------------------------------
    _cond("edge-cond-tiny-dt", _fc(4, 2), 3, 120,
          "dt = 1e-6: the state barely moves (c = C_m L / dt ~ 3e6 dominates)",
          dt_range=(1e-6, 1e-6), tags=("edge",)),
    _cond("edge-cond-huge-dt", _fc(4, 2), 3, 121,
          "dt = 1e6: each sub-step jumps to its frozen-f equilibrium (c ~ 3e-6), eps = 1e-8",
          epsilon=1e-8, dt_range=(1e6, 1e6), tags=("edge",)),
    _cond("edge-cond-huge-dt-per-sample", _NCP, 3, 122,
          "per-sample dt in U(1e4, 1e6) with the NCP wiring", epsilon=1e-8,
          dt_form="per_sample", dt_range=(1e4, 1e6), tags=("edge", "per-sample", "sparse")),
    _cond("edge-cond-stiff", _fc(5, 2), 3, 123,
          "stiff: conductances 1e2–1e3, capacitances 1e-3–1e-2 (time constants ~1e-5 vs a "
          "sub-step of 1/6)", regime="stiff", tags=("edge", "stiff")),
    _cond("edge-cond-stiff-ncp-L1", _NCP, 3, 124, "stiff NCP network, L = 1, per-sample dt",
          regime="stiff", unfolds=1, epsilon=1e-8, dt_form="per_sample", dt_range=(0.5, 2.0),
          tags=("edge", "stiff", "sparse", "per-sample")),
    _cond("edge-cond-saturated", _fc(5, 2), 3, 125,
          "saturated sigmoids: slopes of ±(40–80), every synapse fully open or closed",
          regime="saturated", epsilon=1e-8, tags=("edge", "saturated")),
    _cond("edge-cond-T1", _fc(4, 2), 3, 126, "T = 1, B = 3", batch=3, steps=1,
          tags=("edge",)),
    _cond("edge-cond-B1-T1-N1", _fc(1), 1, 127, "the smallest network: N = C = M = B = T = 1",
          batch=1, steps=1, epsilon=1e-8, tags=("edge",)),
    _cond("edge-cond-euler-tiny-dt", _fc(4, 2), 3, 128, "explicit Euler with dt = 1e-6",
          solver="euler", dt_range=(1e-6, 1e-6), tags=("edge",)),
    _cond("edge-cond-rk4-tiny-dt", _fc(4, 2), 3, 129, "RK4 with dt = 1e-6", solver="rk4",
          dt_range=(1e-6, 1e-6), tags=("edge",)),
    # -- the paper's form ------------------------------------------------------------------------
    _paper("paper-sigmoid-fused-L6", 5, 3, "sigmoid", 201, "Eq. 1 with sigmoid f, fused (Eq. 3)"),
    _paper("paper-tanh-euler-L6", 5, 3, "tanh", 202, "tanh f, explicit Euler, dt = 0.5",
           solver="euler", dt_range=(0.5, 0.5)),
    _paper("paper-relu-rk4-L1", 4, 2, "relu", 203, "ReLU f, RK4, L = 1, dt = 0.2",
           solver="rk4", unfolds=1, dt_range=(0.2, 0.2)),
    _paper("paper-hard_tanh-fused-L1-dt-per-sample", 5, 3, "hard_tanh", 204,
           "hard-tanh f, fused, L = 1, per-sample dt", unfolds=1, batch=3,
           dt_form="per_sample", dt_range=(0.2, 2.0), tags=("irregular", "per-sample")),
    _paper("paper-sigmoid-rk4-L6-dt-per-step", 4, 3, "sigmoid", 205, "RK4, L = 6, per-step dt",
           solver="rk4", dt_form="per_step", dt_range=(0.2, 1.0), tags=("irregular",)),
    _paper("paper-tanh-fused-eps", 5, 2, "tanh", 206, "fused with eps = 1e-3 (visible)",
           epsilon=1e-3),
    _paper("edge-paper-stiff", 5, 3, "sigmoid", 210, "stiff: tau in U(1e-4, 1e-3), fused",
           regime="stiff", tags=("edge", "stiff")),
    _paper("edge-paper-saturated", 5, 3, "sigmoid", 211,
           "saturated f: weights x30, sigmoid at 0 or 1", regime="saturated",
           tags=("edge", "saturated")),
    _paper("edge-paper-huge-dt", 4, 3, "sigmoid", 212, "dt = 1e6, fused", dt_range=(1e6, 1e6),
           tags=("edge",)),
    _paper("edge-paper-tiny-dt-euler", 4, 3, "sigmoid", 213, "dt = 1e-6, explicit Euler",
           solver="euler", dt_range=(1e-6, 1e-6), tags=("edge",)),
    _paper("edge-paper-T1-B1", 3, 2, "relu", 214, "T = 1, B = 1, ReLU f", batch=1, steps=1,
           tags=("edge",)),
)  # fmt: skip


# ---- writing ----------------------------------------------------------------------------------


def case_arrays(case: Case) -> dict[str, np.ndarray]:
    """The arrays of a case file, in file order (see the module docstring).

    Arguments:
        case: a `Case` with ``expected``.

    Returns:
        dict entry name (without ``.npy``) → float64 C-ordered array.
    """
    p, e = case.params, case.expected
    arrays = {f"params/{name}": getattr(p, name) for name in p.ARRAY_FIELDS}
    arrays.update(
        {
            "inputs/x": case.x,
            "inputs/h0": case.h0,
            "inputs/dt": np.asarray(case.dt, dtype=np.float64),
            "cotangents/y": case.g_y,
            "cotangents/h_last": case.g_h_last,
            "outputs/y": e["y"],
            "outputs/h": e["h"],
        }
    )
    arrays.update({f"grads/params/{name}": e[f"g_{name}"] for name in p.ARRAY_FIELDS})
    arrays.update({"grads/x": e["g_x"], "grads/h0": e["g_h0"], "grads/dt": e["g_dt"]})
    # np.array, not np.ascontiguousarray: the latter turns a scalar dt into shape (1,).
    return {k: np.array(a, dtype=np.float64, order="C") for k, a in arrays.items()}


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic ``.npz``: stored (uncompressed) zip entries with a fixed timestamp and
    attributes, each an NPY version 1.0 file, in the given order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.create_system = 3  # "unix", whatever the platform
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
    return out.getvalue()


def _manifest_entry(case: Case, filename: str, digest: str) -> dict:
    spec = case.spec
    entry = {
        "name": case.name,
        "file": filename,
        "sha256": digest,
        "covers": case.covers,
        "tags": list(case.tags),
        "form": case.form,
        "activation": case.params.activation if case.form == "paper" else None,
        "solver": case.solver,
        "unfolds": case.unfolds,
        "epsilon": case.epsilon,
        "dt_form": case.dt_form,
        "shape": case.shape,
        "tolerances": case.tolerances,
        "sensitivity": case.sensitivity,
        "spec": spec.to_json(),
    }
    return entry


def manifest_header() -> dict:
    """The manifest's fields other than ``cases``.

    Returns:
        dict.
    """
    return {
        "format_version": FORMAT_VERSION,
        "generator": "python scripts/make_golden.py --regenerate",
        "dtype": "float64",
        "conventions": (
            "batch first; matrices [source, target]; parameters are physical values "
            "(softplus_inverse gives ncps's raw values); dt is the elapsed time of each input "
            "step, split into L = unfolds equal sub-steps with the input held constant"
        ),
        "loss": "l = sum(outputs/y * cotangents/y) + sum(outputs/h[:, -1] * cotangents/h_last)",
        "error_measure": "rel = max|candidate - reference| / max|reference|, per array",
        "tolerances": (
            "per case, per candidate dtype (float64/float32) and per quantity: y, h (outputs/), "
            "g_<field>, g_x, g_h0, g_dt (grads/); pass if rel <= tolerance; null: "
            "ill-conditioned at that precision, not compared"
        ),
        "sensitivity": (
            "per case and quantity: kappa, the relative change under a one-ulp perturbation of "
            "every input (or, for gradients, the hand-written vs autograd spread), in units of "
            "2^-52; null: unbounded (a zero reference that rounding moves)"
        ),
        "platform": platform_fingerprint(),
    }


def platform_fingerprint() -> dict:
    """What decides the last bits of the golden files on this machine.

    Returns:
        dict with ``python``, ``implementation``, ``machine``, ``numpy``, ``simd_baseline`` and
        ``simd_found`` (NumPy's compiled-in and run-time SIMD targets, after
        ``NPY_DISABLE_CPU_FEATURES``), ``blas`` (name and version) and ``blas_core`` (the kernel
        set OpenBLAS chose for this CPU, e.g. ``"Haswell"`` or ``"SkylakeX"``; ``"unknown"``
        where it cannot be read). Two platforms with equal fingerprints compute the same bits.
    """
    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # NumPy < 1.26: no machine-readable configuration
        config = {}
    simd = config.get("SIMD Extensions", {})
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "simd_baseline": list(simd.get("baseline", ["unknown"])),
        "simd_found": list(simd.get("found", ["unknown"])),
        "blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip(),
        "blas_core": _openblas_core(),
    }


def _openblas_core() -> str:
    """The core type OpenBLAS dispatched to (it can be forced with ``OPENBLAS_CORETYPE``), read
    from the OpenBLAS library that NumPy's wheel ships (``numpy.libs``); ``"unknown"`` for other
    builds (a system BLAS, Accelerate, MKL)."""
    libs_dir = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    symbols = (
        "scipy_openblas_get_corename64_",
        "openblas_get_corename64_",
        "openblas_get_corename",
    )
    for path in sorted(libs_dir.glob("*openblas*")):
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for symbol in symbols:
            get = getattr(lib, symbol, None)
            if get is not None:
                get.restype = ctypes.c_char_p
                return get().decode()
    return "unknown"


def regenerate(directory=GOLDEN_DIR) -> dict:
    """Compute every case of `SPECS` and write its ``.npz`` and the manifest to ``directory``.

    Arguments:
        directory: where to write (default: the package's golden directory).

    Returns:
        The manifest (a dict).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for spec in SPECS:
        case = make_case(spec)
        data = _npz_bytes(case_arrays(case))
        filename = f"{spec.name}.npz"
        (directory / filename).write_bytes(data)
        entries.append(_manifest_entry(case, filename, hashlib.sha256(data).hexdigest()))
    manifest = manifest_header() | {"cases": entries}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def same_platform(new, old=GOLDEN_DIR) -> bool:
    """Whether two golden directories were generated on the same platform (equal
    `platform_fingerprint`), so that their files must agree bit for bit.

    Arguments:
        new: a golden directory (e.g. freshly generated).
        old: another (default: the package's).

    Returns:
        bool.
    """
    return _read_manifest(new).get("platform") == _read_manifest(old).get("platform")


def compare_directories(new, old=GOLDEN_DIR, *, exact=None) -> list[str]:
    """Differences between two golden directories.

    Arguments:
        new: a freshly generated directory.
        old: the stored one (default: the package's).
        exact: ``True``: every file must be identical, byte for byte; ``False``: arrays within
            rounding (`REGENERATION_ULPS` scaled by each quantity's sensitivity in ``old``'s
            manifest), the manifest's measured tolerances and sensitivities within
            `REMEASURE_FACTOR`, everything else identical; ``None`` (default): exact where the
            two platforms are the same (`same_platform`), within rounding elsewhere.

    Returns:
        list of str: for each difference, the file, the entry and by how much (empty: they
        agree).
    """
    new, old = Path(new), Path(old)
    if exact is None:
        exact = same_platform(new, old)
    problems = []
    names = sorted({p.name for p in new.iterdir()} | {p.name for p in old.iterdir()})
    old_cases = {c["file"]: c for c in _read_manifest(old)["cases"]}
    for name in names:
        a, b = new / name, old / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'the stored set' if b.exists() else 'the new set'}")
            continue
        if a.read_bytes() == b.read_bytes():
            continue
        if name == MANIFEST:
            problems += ["manifest.json: text differs"] if exact else _manifest_problems(a, b)
        elif name.endswith(".npz"):
            entry = old_cases.get(name, {})
            problems += _array_problems(a, b, entry.get("sensitivity", {}), exact)
            if exact:
                problems.append(f"{name}: bytes differ")
        else:
            problems.append(f"{name}: differs")
    return problems


def _quantity(entry: str) -> str | None:
    """The quantity an entry of a case file holds (``"grads/params/w"`` → ``"g_w"``); None for
    inputs, parameters and cotangents, which are drawn, not computed through the network (their
    sensitivity is 1)."""
    if entry.startswith("outputs/"):
        return entry[len("outputs/") :]
    if entry.startswith("grads/params/"):
        return "g_" + entry[len("grads/params/") :]
    if entry.startswith("grads/"):
        return "g_" + entry[len("grads/") :]
    return None


def regeneration_rtol(entry: str, sensitivity: dict) -> float:
    """The largest relative difference `compare_directories` allows for one array of a case
    file regenerated on another platform.

    Arguments:
        entry: the array's name in the file (``"outputs/y"``, ``"grads/params/w"``, ...).
        sensitivity: the case's ``sensitivity`` from the stored manifest.

    Returns:
        ``REGENERATION_ULPS * max(1, kappa) * FLOAT64_UNIT`` (inf if kappa is unbounded).
    """
    quantity = _quantity(entry)
    kappa = 1.0 if quantity is None else sensitivity.get(quantity, 1.0)
    if kappa is None:
        return math.inf
    return REGENERATION_ULPS * max(1.0, kappa) * FLOAT64_UNIT


def _array_problems(a: Path, b: Path, sensitivity: dict, exact: bool) -> list[str]:
    name, problems = a.name, []
    with np.load(a) as za, np.load(b) as zb:
        for key in sorted(set(za.files) | set(zb.files)):
            if key not in za.files or key not in zb.files:
                problems.append(f"{name}: entry {key} only in one file")
                continue
            x, y = za[key], zb[key]
            if x.shape != y.shape:
                problems.append(f"{name}: {key} shape {x.shape} != {y.shape}")
            elif exact and not np.array_equal(x, y):
                diff = np.max(np.abs(x - y))
                problems.append(f"{name}: {key} differs (max abs difference {diff:.3g})")
            elif not exact:
                rel, rtol = relative_error(x, y), regeneration_rtol(key, sensitivity)
                if not rel <= rtol:
                    problems.append(
                        f"{name}: {key} differs by {rel:.3g} relative, more than rounding on "
                        f"another platform allows ({rtol:.3g})"
                    )
    return problems


def _manifest_problems(a: Path, b: Path) -> list[str]:
    """The manifest on another platform: identical but for the platform, the files' hashes and
    the re-measured tolerances and sensitivities (those within `REMEASURE_FACTOR`)."""
    new, old = json.loads(a.read_text()), json.loads(b.read_text())
    measured = ("sha256", "tolerances", "sensitivity")
    problems = []
    for key in sorted(set(new) | set(old)):
        if key not in ("platform", "cases") and new.get(key) != old.get(key):
            problems.append(f"manifest.json: field {key!r} differs")
    old_cases = {c["name"]: c for c in old.get("cases", [])}
    new_cases = {c["name"]: c for c in new.get("cases", [])}
    if list(old_cases) != list(new_cases):
        problems.append("manifest.json: the list of cases differs")
    for case_name in old_cases.keys() & new_cases.keys():
        n, o = new_cases[case_name], old_cases[case_name]
        for key in sorted(set(n) | set(o)):
            if key not in measured and n.get(key) != o.get(key):
                problems.append(f"manifest.json: {case_name}: field {key!r} differs")
        pairs = [
            (f"sensitivity {q}", n["sensitivity"].get(q), k) for q, k in o["sensitivity"].items()
        ]
        for dtype, tols in o["tolerances"].items():
            pairs += [(f"{dtype} tolerance {q}", n["tolerances"][dtype].get(q), t)
                      for q, t in tols.items()]  # fmt: skip
        for what, value, stored in pairs:
            if not _remeasured(value, stored, what.startswith("sensitivity")):
                problems.append(
                    f"manifest.json: {case_name}: {what} re-measured as {value}, stored {stored} "
                    f"(more than a factor {REMEASURE_FACTOR:g} apart)"
                )
    return problems


def _remeasured(value, stored, is_sensitivity: bool) -> bool:
    """Whether a re-measured tolerance or sensitivity agrees with the stored one within
    `REMEASURE_FACTOR`. ``None`` (ill-conditioned tolerance, unbounded sensitivity) matches
    ``None``, or a value within the factor of the boundary it stands for."""
    boundary = math.inf if is_sensitivity else ILL_CONDITIONED_RTOL
    if value is None and stored is None:
        return True
    if value is None or stored is None:
        known = stored if value is None else value
        return is_sensitivity is False and known * REMEASURE_FACTOR >= boundary
    if is_sensitivity:  # kappa below 1 ulp is rounding of rounding: compare from 1 up
        value, stored = max(value, 1.0), max(stored, 1.0)
    return max(value, stored) <= REMEASURE_FACTOR * min(value, stored)


def _read_manifest(directory) -> dict:
    return json.loads((Path(directory) / MANIFEST).read_text())


# ---- reading ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _manifest(directory: str) -> dict:
    path = Path(directory) / MANIFEST
    manifest = json.loads(path.read_text())
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version {version}, this ltc_ref reads version {FORMAT_VERSION}"
        )
    return manifest


def golden_manifest(directory=GOLDEN_DIR) -> dict:
    """The parsed ``manifest.json``.

    Arguments:
        directory: the golden directory (default: the package's).

    Returns:
        dict (see ``docs/crosscheck.md``).

    Raises:
        ValueError: the manifest's ``format_version`` is not `FORMAT_VERSION`.
    """
    return _manifest(str(Path(directory)))


def golden_names(directory=GOLDEN_DIR) -> list[str]:
    """The names of the golden cases.

    Arguments:
        directory: the golden directory (default: the package's).

    Returns:
        list of str, in manifest order.
    """
    return [c["name"] for c in golden_manifest(directory)["cases"]]


def load_golden(name: str, directory=GOLDEN_DIR) -> Case:
    """Read one golden case.

    Arguments:
        name: a name from `golden_names`.
        directory: the golden directory (default: the one shipped in the package).

    Returns:
        `Case` with ``expected`` and ``tolerances`` from the file and the manifest.
    """
    entries = {c["name"]: c for c in golden_manifest(directory)["cases"]}
    if name not in entries:
        raise ValueError(f"name: no golden case {name!r}; known: {sorted(entries)}")
    entry = entries[name]
    with np.load(Path(directory) / entry["file"], allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if entry["form"] == "paper":
        cls, extra = PaperParams, {"activation": entry["activation"]}
    else:
        cls, extra = SynapticParams, {}
    fields = {k[len("params/") :]: a for k, a in arrays.items() if k.startswith("params/")}
    params = cls(**fields, **extra)
    dt = arrays["inputs/dt"]
    expected = {"y": arrays["outputs/y"], "h": arrays["outputs/h"]}
    for k, a in arrays.items():
        if k.startswith("grads/params/"):
            expected[f"g_{k[len('grads/params/') :]}"] = a
    expected.update(g_x=arrays["grads/x"], g_h0=arrays["grads/h0"], g_dt=arrays["grads/dt"])
    return Case(
        name,
        params,
        arrays["inputs/x"],
        arrays["inputs/h0"],
        float(dt) if dt.ndim == 0 else dt,
        entry["unfolds"],
        entry["solver"],
        entry["epsilon"],
        arrays["cotangents/y"],
        arrays["cotangents/h_last"],
        expected=expected,
        tolerances=entry["tolerances"],
        sensitivity=entry["sensitivity"],
        covers=entry["covers"],
        tags=tuple(entry["tags"]),
        spec=_golden_spec(entry),
    )


def _golden_spec(entry: dict) -> CaseSpec:
    return CaseSpec(**{**entry["spec"], "tags": tuple(entry["spec"]["tags"])})


def case_from_json(data, *, directory=GOLDEN_DIR) -> Case:
    """The case of a spec given as JSON: a failing case's ``spec`` in a report (golden or
    drawn). A golden case's spec loads the stored golden file (bit for bit what was checked);
    any other spec is drawn again from its seed (`ltc_ref.testing.cases.make_case`, with its
    ``dt_range`` as given).

    Arguments:
        data: the spec, a dict or a JSON string (`CaseSpec.to_json`).
        directory: the golden directory.

    Returns:
        `Case` with the reference's answers and tolerances.

    Raises:
        ValueError: not a valid spec.
    """
    spec = spec_from_json(data)
    entries = {e["name"]: e for e in golden_manifest(directory)["cases"]}
    entry = entries.get(spec.name)
    if entry is not None and _golden_spec(entry) == spec:
        return load_golden(spec.name, directory)
    return make_case(spec)


def golden_cases(
    *, form=None, solver=None, dt_form=None, tags=None, names=None, directory=None, **spec_filters
):
    """The golden cases, optionally filtered (every filter given must hold).

    Arguments:
        form: ``"paper"`` or ``"conductance"``.
        solver: ``"fused"``, ``"euler"``, ``"rk4"``, or a tuple of them.
        dt_form: ``"scalar"``, ``"per_step"``, ``"per_sample"``, or a tuple of them.
        tags: keep cases with at least one of these tags (e.g. ``("edge",)``).
        names: keep only these names.
        directory: the golden directory (default: the one shipped in the package).
        **spec_filters: filters on any other field of the cases' `CaseSpec` (``epsilon=0.0``,
            ``unfolds=(1, 6)``, ``batch=lambda b: b > 1``, ...), as in
            `ltc_ref.testing.cases.spec_matches`.

    Returns:
        list of `Case`, in manifest order; never empty.

    Raises:
        ValueError: a filter value that no golden case can have (a misspelt form, solver, dt
            form, tag or name), or a selection that matches no case: an empty selection would
            let a check pass without checking anything.
    """
    directory = GOLDEN_DIR if directory is None else directory
    entries = golden_manifest(directory)["cases"]
    known = {
        "form": {e["form"] for e in entries},
        "solver": {e["solver"] for e in entries},
        "dt_form": {e["dt_form"] for e in entries},
        "tags": {t for e in entries for t in e["tags"]},
        "names": {e["name"] for e in entries},
    }
    given = {"form": form, "solver": solver, "dt_form": dt_form, "tags": tags, "names": names}
    wanted = {}
    for key, value in given.items():
        if value is None:
            continue
        values = set(_as_tuple(value))
        unknown = sorted(values - known[key])
        if unknown or not values:
            raise ValueError(
                f"{key}: no golden case has {unknown or 'an empty selection'}; known: "
                f"{sorted(known[key])}"
            )
        wanted[key] = values

    def ok(entry):
        if "form" in wanted and entry["form"] not in wanted["form"]:
            return False
        if "solver" in wanted and entry["solver"] not in wanted["solver"]:
            return False
        if "dt_form" in wanted and entry["dt_form"] not in wanted["dt_form"]:
            return False
        if "tags" in wanted and not set(entry["tags"]) & wanted["tags"]:
            return False
        return "names" not in wanted or entry["name"] in wanted["names"]

    selected = [e for e in entries if ok(e)]
    if spec_filters:
        selected = [e for e in selected if spec_matches(_golden_spec(e), **spec_filters)]
    if not selected:
        filters = ", ".join([f"{k}={given[k]!r}" for k in wanted] + list(spec_filters))
        raise ValueError(f"golden_cases: no golden case matches {filters}")
    return [load_golden(e["name"], directory) for e in selected]


def _as_tuple(x):
    return (x,) if isinstance(x, str) else tuple(x)


# ---- command line ---------------------------------------------------------------------------


def main(argv=None) -> int:
    """``python scripts/make_golden.py``: ``--regenerate [--out DIR]`` writes the files;
    ``--check`` regenerates into a temporary directory and compares them with the stored ones
    (bytes on the generating platform, within rounding elsewhere: `compare_directories`; exit 1
    if any differ); ``--list`` prints the cases.

    Arguments:
        argv: the command's arguments.

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(
        prog="make_golden.py", description="The golden vectors of ltc-ref."
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--regenerate", action="store_true", help="write the golden files")
    group.add_argument(
        "--check",
        action="store_true",
        help="regenerate and compare (bit for bit on the generating platform, within rounding "
        "elsewhere)",
    )
    group.add_argument("--list", action="store_true", help="list the cases")
    parser.add_argument("--out", default=str(GOLDEN_DIR), help="directory for --regenerate")
    ns = parser.parse_args(argv)
    if ns.list:
        for entry in golden_manifest()["cases"]:
            print(f"{entry['name']:<40} {entry['covers']}")
        return 0
    if ns.regenerate:
        manifest = regenerate(ns.out)
        total = sum(p.stat().st_size for p in Path(ns.out).iterdir())
        print(f"wrote {len(manifest['cases'])} cases + {MANIFEST} to {ns.out} ({total} bytes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        regenerate(tmp)
        exact = same_platform(tmp, GOLDEN_DIR)
        problems = compare_directories(tmp, GOLDEN_DIR, exact=exact)
    for p in problems:
        print(p)
    if exact:
        how = "bit for bit (this is the platform that generated them)"
    else:
        stored, here = golden_manifest()["platform"], platform_fingerprint()
        differs = ", ".join(f"{k} {stored.get(k)} here {here[k]}" for k in here
                            if stored.get(k) != here[k])  # fmt: skip
        how = (
            f"within rounding: at most {REGENERATION_ULPS:g} ulps x each quantity's sensitivity "
            f"(another platform than the one that generated them: {differs})"
        )
    print(f"golden files regenerate {how}" if not problems else "golden files DIFFER")
    return 1 if problems else 0


__all__ = [
    "FORMAT_VERSION",
    "GOLDEN_DIR",
    "REGENERATION_ULPS",
    "REMEASURE_FACTOR",
    "SPECS",
    "case_arrays",
    "case_from_json",
    "compare_directories",
    "golden_cases",
    "golden_manifest",
    "golden_names",
    "load_golden",
    "platform_fingerprint",
    "regenerate",
    "regeneration_rtol",
    "same_platform",
]
