"""The golden vectors: they regenerate bit for bit, their files follow the documented format, they
cover the issue's list, and the reference still reproduces them (through the public testing
API)."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import zipfile

import numpy as np
import pytest

import ltc_ref
from ltc_ref.solvers import FIXED_STEP_SOLVERS
from ltc_ref.testing import (
    assert_matches_reference,
    assert_vjp_matches_reference,
    autograd_vjp,
    golden,
    golden_cases,
    golden_manifest,
    golden_names,
    load_golden,
)
from ltc_ref.verify import golden as verify_golden
from ltc_ref.verify.command import sections_of

GOLDEN = golden.GOLDEN_DIR


def test_golden_files_regenerate(tmp_path):
    """The golden files regenerate on this machine: bit for bit if it is the platform that
    generated them, within rounding (`golden.REGENERATION_ULPS` x sensitivity) elsewhere. CI runs
    this twice, natively and with NumPy's AVX-512 paths disabled, so both modes run."""
    manifest = golden.regenerate(tmp_path)
    assert len(manifest["cases"]) == len(golden.SPECS)
    problems = golden.compare_directories(tmp_path, GOLDEN)
    assert problems == [], "\n".join(problems)
    if golden.same_platform(tmp_path, GOLDEN):
        for p in GOLDEN.iterdir():
            assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_the_manifest_records_the_generating_platform():
    stored = golden_manifest()["platform"]
    here = golden.platform_fingerprint()
    assert set(stored) == set(here)
    assert {"numpy", "simd_found", "blas", "blas_core", "python"} <= set(here)
    assert here["numpy"] == np.__version__ and here["simd_found"]


def _copy_with(tmp_path, change):
    """A copy of the stored set in which ``change(arrays)`` edited the first case's arrays."""
    copy = tmp_path / "golden"
    shutil.copytree(GOLDEN, copy)
    name = golden_names()[0]
    path = copy / f"{name}.npz"
    with np.load(path) as z:
        arrays = {k: z[k].copy() for k in z.files}
    change(arrays)
    path.write_bytes(golden._npz_bytes(arrays))
    return copy, name


def test_compare_directories_reports_a_changed_array(tmp_path):
    """The bitwise check can fail: a one-ulp change in one array is found and named."""

    def one_ulp(arrays):
        arrays["outputs/y"].flat[0] = np.nextafter(arrays["outputs/y"].flat[0], np.inf)

    copy, name = _copy_with(tmp_path, one_ulp)
    problems = golden.compare_directories(copy, GOLDEN, exact=True)
    assert any("outputs/y differs" in p and name in p for p in problems), problems
    # Across platforms one ulp is rounding, not a change:
    assert golden.compare_directories(copy, GOLDEN, exact=False) == []


def test_the_cross_platform_check_reports_a_change_beyond_rounding(tmp_path):
    """Within-rounding mode fails for a difference just beyond its bound, on an input array
    (sensitivity 1) and on a computed one (scaled by its sensitivity)."""
    entry = golden_manifest()["cases"][0]
    rtol = golden.regeneration_rtol("grads/params/w", entry["sensitivity"])
    assert rtol == golden.REGENERATION_ULPS * max(1, entry["sensitivity"]["g_w"]) * 2.0**-52

    def beyond(arrays):
        for key, bound in (
            ("inputs/x", golden.regeneration_rtol("inputs/x", {})),
            ("grads/params/w", rtol),
        ):
            a = arrays[key]
            a.flat[np.argmax(np.abs(a))] *= 1.0 + 1.5 * bound

    copy, name = _copy_with(tmp_path, beyond)
    problems = golden.compare_directories(copy, GOLDEN, exact=False)
    assert any("inputs/x differs" in p and name in p for p in problems), problems
    assert any("grads/params/w differs" in p for p in problems), problems


def test_the_cross_platform_check_catches_a_one_ulp_change_of_a_formula(tmp_path, monkeypatch):
    """The logistic sigmoid written as (1 + tanh(z/2))/2: the same function, different by about
    one ulp per evaluation. Regenerated with it, the conductance-form fused cases differ from
    the stored files by more than any platform's rounding allows: the within-rounding check is
    not a blanket tolerance."""
    from ltc_ref.model import conductance

    monkeypatch.setattr(conductance, "sigmoid", lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)))
    copy = tmp_path / "golden"
    shutil.copytree(GOLDEN, copy)
    for spec in golden.SPECS:
        if spec.form == "conductance" and spec.solver == "fused":
            case = golden.make_case(spec, with_tolerances=False)
            (copy / f"{spec.name}.npz").write_bytes(golden._npz_bytes(golden.case_arrays(case)))
    problems = golden.compare_directories(copy, GOLDEN, exact=False)
    assert problems, "a one-ulp change of the sigmoid went unnoticed"
    assert all("more than rounding on another platform allows" in p for p in problems), problems


def test_the_cross_platform_manifest_check(tmp_path):
    """On another platform the manifest may differ only in its platform, hashes and the
    re-measured tolerances/sensitivities (within a factor); anything else is reported."""
    copy = tmp_path / "golden"
    shutil.copytree(GOLDEN, copy)
    manifest = json.loads((GOLDEN / golden.MANIFEST).read_text())
    manifest["platform"]["simd_found"] = ["SOMETHING_ELSE"]
    case = manifest["cases"][0]
    case["tolerances"]["float64"]["y"] *= 2  # a re-measurement: fine
    case["sensitivity"]["y"] = max(case["sensitivity"]["y"], 1.0) * 3
    (copy / golden.MANIFEST).write_text(json.dumps(manifest))
    assert not golden.same_platform(copy, GOLDEN)
    assert golden.compare_directories(copy, GOLDEN) == []
    case["tolerances"]["float64"]["h"] *= golden.REMEASURE_FACTOR * 2
    case["covers"] = "something else"
    (copy / golden.MANIFEST).write_text(json.dumps(manifest))
    problems = golden.compare_directories(copy, GOLDEN)
    assert any("float64 tolerance h" in p for p in problems), problems
    assert any("field 'covers' differs" in p for p in problems), problems


def test_the_set_is_small_and_the_manifest_matches_the_files():
    manifest = golden_manifest()
    assert manifest["format_version"] == golden.FORMAT_VERSION
    total = sum(p.stat().st_size for p in GOLDEN.iterdir())
    assert total < golden.MAX_TOTAL_BYTES
    files = {p.name for p in GOLDEN.iterdir()}
    assert files == {golden.MANIFEST} | {c["file"] for c in manifest["cases"]}
    for entry in manifest["cases"]:
        data = (GOLDEN / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]


def _read_npy(data: bytes) -> np.ndarray:
    """A minimal NPY 1.0 reader written from the format description in docs/crosscheck.md,
    without numpy.load: magic, version, header length, a Python-literal header, raw data."""
    assert data[:6] == b"\x93NUMPY" and data[6:8] == b"\x01\x00"
    header_len = int.from_bytes(data[8:10], "little")
    header = ast.literal_eval(data[10 : 10 + header_len].decode("latin1"))
    assert header["descr"] == "<f8" and header["fortran_order"] is False
    assert (10 + header_len) % 64 == 0  # the data start is aligned to 64 bytes
    count = int(np.prod(header["shape"], dtype=np.int64))
    values = np.frombuffer(data[10 + header_len :], dtype="<f8", count=count)
    return values.reshape(header["shape"])


def test_case_files_follow_the_documented_format():
    """Every case file is a stored (uncompressed) zip of NPY 1.0 float64 little-endian arrays
    with the documented entry names, readable without numpy.load."""
    for entry in golden_manifest()["cases"]:
        path = GOLDEN / entry["file"]
        with zipfile.ZipFile(path) as zf, np.load(path) as z:
            names = zf.namelist()
            for info in zf.infolist():
                assert info.compress_type == zipfile.ZIP_STORED
                np.testing.assert_array_equal(_read_npy(zf.read(info)), z[info.filename[:-4]])
        s = entry["shape"]
        B, T, C, N, M = (s[k] for k in "BTCNM")
        field_names = [n[len("params/") : -4] for n in names if n.startswith("params/")]
        dt_shape = {"scalar": (), "per_step": (T,), "per_sample": (B, T)}[entry["dt_form"]]
        expected = {
            "inputs/x": (B, T, C),
            "inputs/h0": (B, N),
            "inputs/dt": dt_shape,
            "cotangents/y": (B, T, M),
            "cotangents/h_last": (B, N),
            "outputs/y": (B, T, M),
            "outputs/h": (B, T, N),
            "grads/x": (B, T, C),
            "grads/h0": (B, N),
            "grads/dt": dt_shape,
        }
        with np.load(path) as z:
            for key, shape in expected.items():
                assert z[key].shape == shape, (entry["name"], key)
            for f in field_names:
                assert z[f"grads/params/{f}"].shape == z[f"params/{f}"].shape
        form_fields = (
            ltc_ref.PaperParams if entry["form"] == "paper" else ltc_ref.SynapticParams
        ).ARRAY_FIELDS
        assert tuple(field_names) == form_fields
        quantities = {"y", "h", "g_x", "g_h0", "g_dt"} | {f"g_{f}" for f in form_fields}
        for dtype in ("float64", "float32"):
            assert set(entry["tolerances"][dtype]) == quantities


def test_the_cases_cover_the_issue_list():
    cases = golden_manifest()["cases"]

    def some(pred):
        return any(pred(c) for c in cases)

    for form in ("paper", "conductance"):
        for solver in FIXED_STEP_SOLVERS:
            assert some(lambda c, f=form, s=solver: c["form"] == f and c["solver"] == s)
    for L in (1, 6):
        assert some(lambda c, L=L: c["unfolds"] == L)
    for dt_form in ("scalar", "per_step", "per_sample"):
        assert some(lambda c, d=dt_form: c["dt_form"] == d)
    wirings = {c["spec"]["wiring"]["class"] for c in cases if c["form"] == "conductance"}
    assert {"FullyConnected", "NCP", "AutoNCP", "Random"} <= wirings
    assert some(lambda c: c["shape"]["M"] < c["shape"]["N"])
    assert some(lambda c: c["spec"]["dt_range"][1] <= 1e-6)
    assert some(lambda c: c["spec"]["dt_range"][0] >= 1e4)
    assert some(lambda c: c["spec"]["regime"] == "stiff")
    assert some(lambda c: c["spec"]["regime"] == "saturated")
    assert some(lambda c: c["shape"]["T"] == 1)
    assert some(lambda c: c["shape"]["B"] == 1)
    assert some(lambda c: c["epsilon"] == 1e-8) and some(lambda c: c["epsilon"] == 0.0)
    activations = {c["activation"] for c in cases if c["form"] == "paper"}
    assert activations == {"sigmoid", "tanh", "relu", "hard_tanh"}


def test_the_reference_reproduces_every_golden_case():
    """Forward and VJP of today's reference against the stored files, within tolerance, through
    the public testing API."""
    assert assert_matches_reference(ltc_ref.forward).passed
    assert assert_vjp_matches_reference(ltc_ref.vjp).passed


def test_autograd_reproduces_every_stored_vjp():
    """An independent derivative (autograd tracing the specification) against the stored,
    hand-written VJPs."""
    report = assert_vjp_matches_reference(autograd_vjp)
    assert len(report.results) == len(golden_names())


def test_load_golden_round_trips_the_arrays():
    case = load_golden("cond-ncp-fused")
    arrays = golden.case_arrays(case)
    with np.load(GOLDEN / "cond-ncp-fused.npz") as z:
        assert list(arrays) == [k for k in z.files]
        for k in z.files:
            np.testing.assert_array_equal(arrays[k], z[k])
    assert case.spec.wiring["class"] == "NCP" and "sparse" in case.tags


def test_golden_cases_filters():
    fused = golden_cases(form="conductance", solver="fused")
    assert fused and all(c.form == "conductance" and c.solver == "fused" for c in fused)
    edge = golden_cases(tags=("edge",))
    assert edge and all("edge" in c.tags for c in edge)
    per_sample = golden_cases(dt_form="per_sample")
    assert all(np.shape(c.dt) == c.x.shape[:2] for c in per_sample)
    assert [c.name for c in golden_cases(names={"edge-paper-T1-B1"})] == ["edge-paper-T1-B1"]


def test_unknown_case_and_wrong_version_are_errors(tmp_path):
    with pytest.raises(ValueError, match="no golden case 'nope'"):
        load_golden("nope")
    manifest = json.loads((GOLDEN / golden.MANIFEST).read_text())
    manifest["format_version"] = golden.FORMAT_VERSION + 1
    (tmp_path / golden.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="format_version"):
        golden_manifest(tmp_path)


def test_verify_section_passes():
    ((_, check),) = sections_of(verify_golden)
    (result,) = check()
    assert result.passed, result
    assert result.figure == f"{len(golden_names())}/{len(golden_names())}"


def test_make_golden_check_command(capsys):
    assert golden.main(["--list"]) == 0
    assert "edge-cond-stiff" in capsys.readouterr().out
