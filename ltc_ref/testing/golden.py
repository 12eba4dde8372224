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

Regenerate (bit for bit, from fixed seeds): ``python scripts/make_golden.py --regenerate``;
``--check`` regenerates into a temporary directory and compares bytes.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .reference import Case, CaseSpec, make_case

#: Version of the file format; bump it when the layout of a case file or the manifest changes.
FORMAT_VERSION = 1
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
    arrays = {f"params/{name}": getattr(p, name) for name in p._ARRAY_FIELDS}
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
    arrays.update({f"grads/params/{name}": e[f"g_{name}"] for name in p._ARRAY_FIELDS})
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
    }


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


def compare_directories(new, old=GOLDEN_DIR) -> list[str]:
    """Differences between two golden directories.

    Arguments:
        new: a freshly generated directory.
        old: the stored one (default: the package's).

    Returns:
        list of str: for each file that differs, which arrays differ and by how much (empty:
        identical bytes).
    """
    new, old = Path(new), Path(old)
    problems = []
    names = sorted({p.name for p in new.iterdir()} | {p.name for p in old.iterdir()})
    for name in names:
        a, b = new / name, old / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'the stored set' if b.exists() else 'the new set'}")
            continue
        if a.read_bytes() == b.read_bytes():
            continue
        if name.endswith(".npz"):
            with np.load(a) as za, np.load(b) as zb:
                for key in sorted(set(za.files) | set(zb.files)):
                    if key not in za.files or key not in zb.files:
                        problems.append(f"{name}: entry {key} only in one file")
                    elif za[key].shape != zb[key].shape:
                        problems.append(f"{name}: {key} shape {za[key].shape} != {zb[key].shape}")
                    elif not np.array_equal(za[key], zb[key]):
                        diff = np.max(np.abs(za[key] - zb[key]))
                        problems.append(f"{name}: {key} differs (max abs difference {diff:.3g})")
            problems.append(f"{name}: bytes differ")
        else:
            problems.append(f"{name}: text differs")
    return problems


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
    from ..model.params import PaperParams, SynapticParams

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
        covers=entry["covers"],
        tags=tuple(entry["tags"]),
        spec=CaseSpec(**{**entry["spec"], "tags": tuple(entry["spec"]["tags"])}),
    )


def golden_cases(*, form=None, solver=None, dt_form=None, tags=None, names=None, directory=None):
    """The golden cases, optionally filtered.

    Arguments:
        form: ``"paper"`` or ``"conductance"``.
        solver: ``"fused"``, ``"euler"``, ``"rk4"``, or a tuple of them.
        dt_form: ``"scalar"``, ``"per_step"``, ``"per_sample"``, or a tuple of them.
        tags: keep cases with at least one of these tags (e.g. ``("edge",)``).
        names: keep only these names.
        directory: the golden directory (default: the one shipped in the package).

    Returns:
        list of `Case`, in manifest order.
    """
    directory = GOLDEN_DIR if directory is None else directory

    def ok(entry):
        if form is not None and entry["form"] != form:
            return False
        if solver is not None and entry["solver"] not in _as_tuple(solver):
            return False
        if dt_form is not None and entry["dt_form"] not in _as_tuple(dt_form):
            return False
        if tags is not None and not set(entry["tags"]) & set(_as_tuple(tags)):
            return False
        return names is None or entry["name"] in names

    entries = [e for e in golden_manifest(directory)["cases"] if ok(e)]
    return [load_golden(e["name"], directory) for e in entries]


def _as_tuple(x):
    return (x,) if isinstance(x, str) else tuple(x)


# ---- self-check and command line --------------------------------------------------------------


def verify_sections():
    """``ltc-ref verify`` section: the current reference reproduces the stored golden outputs
    and gradients within each case's float64 tolerance.

    Returns:
        ``[(title, check)]`` with ``check() -> list[CheckResult]``.
    """
    from ..verify import CheckResult
    from .reference import _case_reference, compare_to_reference

    def check():
        worst, failing = 0.0, []
        cases = golden_cases()
        for case in cases:
            result = compare_to_reference(case, _case_reference(case), candidate="ltc_ref")
            for e in result.errors:
                worst = max(worst, e.ratio)
            if not result.passed:
                failing.append(case.name)
        return [
            CheckResult(
                "golden vectors reproduced",
                not failing,
                f"{len(cases) - len(failing)}/{len(cases)}",
                "all within tolerance",
                f"worst error / tolerance = {worst:.1e}"
                + (f"; failing: {', '.join(failing[:3])}" if failing else ""),
            )
        ]

    return [("golden vectors", check)]


def main(argv=None) -> int:
    """``python scripts/make_golden.py``: ``--regenerate [--out DIR]`` writes the files;
    ``--check`` regenerates into a temporary directory and compares bytes (exit 1 if any
    differ); ``--list`` prints the cases.

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
    group.add_argument("--check", action="store_true", help="regenerate and compare bytes")
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
        problems = compare_directories(tmp, GOLDEN_DIR)
    for p in problems:
        print(p)
    print("golden files regenerate bit for bit" if not problems else "golden files DIFFER")
    return 1 if problems else 0


__all__ = [
    "FORMAT_VERSION",
    "GOLDEN_DIR",
    "SPECS",
    "case_arrays",
    "compare_directories",
    "golden_cases",
    "golden_manifest",
    "golden_names",
    "load_golden",
    "regenerate",
]
