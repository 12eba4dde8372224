"""Robust at the edges (issue 17): extreme Δt, parameter magnitudes a dtype cannot carry, absurd
sizes, corrupted checkpoints and data files, the command line without tracebacks, and the API's
odd corners (cotangents, dtypes, interop).

The simple invalid calls are rows of the one table ``ltc_ref/verify/invalid_calls.py`` (run by
``tests/test_errors.py``); this file holds the property tests over the accepted ranges and the
cases that need files, processes or torch.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ltc_ref
from ltc_ref import _validation as v
from ltc_ref import data, theory
from ltc_ref.data import DATASETS, DataFormatError
from ltc_ref.forward import MAX_WORK, dt_range, overflow_limit
from ltc_ref.training import CheckpointError, TrainConfig, fit, list_checkpoints, load_model
from ltc_ref.training.checkpoint import load_checkpoint, record_digest, save_checkpoint

from . import synthetic_data
from .test_theorems import initial_state, network
from .test_training import SMALL, _quiet, toy_classification

DTYPES = (np.float64, np.float32)

# --------------------------------------------------------------------------------------------
# 1 and 6. Δt over the whole accepted float range: Theorem 2 on both backends
# --------------------------------------------------------------------------------------------

#: Input steps of a run in the property test; rounding may add one allowance per step.
T_STEPS = 3


def _accepted_dt(params, x, h0, unfolds, epsilon, where):
    """A Δt at relative position ``where`` in [0, 1] of the log of the accepted range."""
    lo, hi = dt_range(params, x, h0=h0, unfolds=unfolds, epsilon=epsilon)
    assert 0 < lo < hi <= np.finfo(params.dtype).max
    try:
        dt = math.exp(math.log(lo) + where * (math.log(hi) - math.log(lo)))
    except OverflowError:  # hi is the dtype's largest float and log, exp round up past it
        dt = hi
    return min(max(dt, lo), hi)


#: The corners of the property test, always run: the smallest and the largest accepted Δt, in
#: float32 and float64, stiff and slow networks, states on and outside the hull.
CORNERS = [
    ("conductance", 0, 6.0, np.float32, "sigmoid", 0.0, 6, "numba", 0.0, "end"),
    ("paper", 1, 6.0, np.float32, "relu", 0.0, 1, "numba", 1.0, "end"),
    ("paper", 2, -3.0, np.float64, "sigmoid", 1e-8, 6, "numpy", 1.0, "outside"),
    ("conductance", 3, -3.0, np.float64, "sigmoid", 1e-8, 1, "numpy", 0.0, "inside"),
]
CORNER_FIELDS = ("form", "seed", "log_scale", "dtype", "activation", "epsilon", "unfolds",
                 "backend", "where", "placement")  # fmt: skip


def _with_examples(test):
    for corner in reversed(CORNERS):
        test = example(**dict(zip(CORNER_FIELDS, corner, strict=True)))(test)
    return test


@given(
    form=st.sampled_from(("paper", "conductance")),
    seed=st.integers(0, 2**16),
    log_scale=st.floats(-3, 6),
    dtype=st.sampled_from(DTYPES),
    activation=st.sampled_from(("sigmoid", "relu")),
    epsilon=st.sampled_from((0.0, 1e-8)),
    unfolds=st.sampled_from((1, 6)),
    backend=st.sampled_from(("numpy", "numba")),
    where=st.floats(0, 1),
    placement=st.sampled_from(("inside", "end", "outside")),
)
@_with_examples
def test_theorem2_over_the_whole_accepted_dt_range(
    form, seed, log_scale, dtype, activation, epsilon, unfolds, backend, where, placement
):
    """Every Δt `forward` accepts — from the smallest (the sub-step a normal number, C_m L/Δt
    finite) to the largest (the paper form's h(1/τ + f) and h f A finite, or the dtype's
    largest float) — gives finite states inside Theorem 2's interval, to one rounding allowance
    per step, on both backends."""
    params = network(form, seed, log_scale, dtype, activation)
    rng = np.random.default_rng(seed)
    h0 = np.stack([initial_state(params, rng, placement) for _ in range(2)]).astype(dtype)
    x = rng.normal(0, 5, (2, T_STEPS, params.n_inputs)).astype(dtype)
    dt = _accepted_dt(params, x, h0, unfolds, epsilon, where)
    _, h = ltc_ref.forward(
        params, x, h0=h0, dt=dt, unfolds=unfolds, epsilon=epsilon, backend=backend
    )
    assert np.all(np.isfinite(h))
    interval = theory.state_interval(params, h0, epsilon=epsilon)
    allowance = np.maximum(theory.fused_rounding_allowance(params, interval), np.finfo(dtype).tiny)
    excess = theory.distance_outside(h, (interval[0][:, None], interval[1][:, None]))
    assert np.all(excess <= T_STEPS * unfolds * allowance[:, None])


@given(
    form=st.sampled_from(("paper", "conductance")),
    seed=st.integers(0, 2**16),
    log_scale=st.floats(-3, 6),
    dtype=st.sampled_from(DTYPES),
    activation=st.sampled_from(("sigmoid", "relu")),
    epsilon=st.sampled_from((0.0, 1e-8)),
    derivatives=st.booleans(),
    offset=st.sampled_from((-1e-3, -1e-9, -1e-14, 0.0, 1e-14, 1e-9, 1e-3)),
    end=st.sampled_from(("lo", "hi")),
    x_scale=st.sampled_from((1.0, 1e3, 1e30)),
)
def test_the_quick_range_check_accepts_only_what_the_exact_one_accepts(
    form, seed, log_scale, dtype, activation, epsilon, derivatives, offset, end, x_scale
):
    """`check_step_range` accepts most calls from a cached summary of the parameters
    (`_inside_bounds`); whenever it does, `step_range` — the exact bounds — accepts the call
    too, at and around both ends of the range (relative offsets down to 1e-14)."""
    import importlib

    fwd = importlib.import_module("ltc_ref.forward")
    params = network(form, seed, log_scale, dtype, activation)
    rng = np.random.default_rng(seed)
    x = (x_scale * rng.normal(0, 1, (2, 3, params.n_inputs))).astype(dtype)
    try:
        h_min, h_max = fwd.step_range(params, x, epsilon=epsilon, derivatives=derivatives)
    except ValueError:  # magnitudes no step can carry: the quick check must not accept them
        h_min = h_max = None
    h_ref = (h_min if end == "lo" or h_max in (None, np.inf) else h_max) or 1.0
    with np.errstate(over="ignore"):
        h = min(h_ref * (1 + offset), float(np.finfo(dtype).max))
    dt = np.full((2, 3), h, dtype=dtype)  # one sub-step per input step: h = Δt
    call = fwd.Call(x, np.zeros((2, params.n_units), dtype), dt, 1, ltc_ref.Fused(), epsilon,
                    True, ())  # fmt: skip
    if fwd._inside_bounds(params, call, call.dt, derivatives):
        assert h_min is not None
        assert np.all(call.dt >= h_min) and np.all(call.dt <= h_max)


def test_the_quick_range_check_is_what_ordinary_calls_take():
    """The cached path is taken by an ordinary call (so the test above is not vacuous)."""
    import importlib

    fwd = importlib.import_module("ltc_ref.forward")
    for form in ("paper", "conductance"):
        params = network(form, 0, 0.0, np.float32)
        x = np.ones((2, 3, params.n_inputs), np.float32)
        call = fwd.validate_call(params, x, None, 1.0, 6, "fused", 0.0)
        assert fwd._inside_bounds(params, call, call.dt / 6, False)
        assert fwd._inside_bounds(params, call, call.dt / 6, True)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("form", ["paper", "conductance"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_ends_of_the_dt_range_are_exact(backend, form, dtype):
    """At both ends of `dt_range` forward (and, within its own range, vjp) is finite; just
    beyond an end it is refused with a message naming dt, the dtype and the limits."""
    params = network(form, 0, 3.0, dtype)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 5, (2, 3, params.n_inputs)).astype(dtype)
    lo, hi = dt_range(params, x, unfolds=6)
    for dt in (lo, hi):
        _, h = ltc_ref.forward(params, x, dt=dt, backend=backend)
        assert np.all(np.isfinite(h))
    with pytest.raises(ValueError, match=rf"dt: got .* in {np.dtype(dtype)} accepts"):
        ltc_ref.forward(params, x, dt=lo / 4, backend=backend)
    if hi < np.finfo(dtype).max / 4:
        with pytest.raises(ValueError, match=rf"dt: got .* in {np.dtype(dtype)} accepts"):
            ltc_ref.forward(params, x, dt=hi * 4, backend=backend)
    lo_d, hi_d = dt_range(params, x, unfolds=6, derivatives=True)
    assert lo_d >= lo and hi_d <= hi
    g_y = np.ones((2, 3, params.n_outputs), dtype)
    for dt in (lo_d, hi_d):
        g, g_x, _, g_dt = ltc_ref.vjp(params, x, g_y, dt=dt, backend=backend)
        assert np.isfinite(g.flatten_all()).all() and np.isfinite(g_x).all()


def test_float32_tiny_dt_is_refused_on_both_backends_with_the_limits():
    """The reproducer: forward(p32, x, dt=1e-40) was all NaN."""
    p = ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(3).build(2), np.random.default_rng(0), dtype=np.float32
    )
    x = np.ones((2, 4, 2), np.float32)
    lo, _ = dt_range(p, x)
    for backend in ("numpy", "numba"):
        with pytest.raises(ValueError, match=r"dt: .*float32 accepts 7\.05\d*e-38 <= dt"):
            ltc_ref.forward(p, x, dt=1e-40, backend=backend)
    assert lo == pytest.approx(6 * np.finfo(np.float32).tiny, rel=1e-5)


def test_overflow_limit_is_the_summation_bound():
    """lim = max / (1 + 2 (n + 4) eps): n + 4 roundings of a sum of non-negative terms cannot
    reach inf from below it."""
    for dtype in DTYPES:
        fi = np.finfo(dtype)
        lim = overflow_limit(dtype, 10)
        assert lim < float(fi.max) and lim * (1 + 28 * float(fi.eps)) == pytest.approx(
            float(fi.max), rel=1e-12
        )
        terms = np.full(11, dtype(lim / 11))
        with np.errstate(over="raise"):
            assert np.isfinite(np.sum(terms, dtype=dtype))


# --------------------------------------------------------------------------------------------
# 2. Sizes and work
# --------------------------------------------------------------------------------------------


def test_memory_and_work_limits_name_the_argument(monkeypatch):
    monkeypatch.setattr(v, "physical_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"n: the array would take 2 GiB, more than .* 1 GiB"):
        v.check_memory("n", "the array", 2**31)
    v.check_memory("n", "the array", 2**29)
    with pytest.raises(ValueError, match=r"unfolds: work is 2e\+13 operations, more than"):
        v.check_work("unfolds", "work", 2 * MAX_WORK, MAX_WORK)


def test_training_refuses_units_beyond_memory():
    with pytest.raises(ValueError, match=r"units: training N = 1000000 units .* GiB, more than"):
        TrainConfig(dataset="toy", units=10**6)


def test_wirings_of_thousands_of_units_build_quickly():
    """FullyConnected(3000).build(1) took minutes (one scalar draw per synapse); one vector draw
    is the same stream (checked against ncps in test_wirings)."""
    w = ltc_ref.FullyConnected(3000).build(1)
    assert w.sparsity_mask.shape == (3000, 3000)


# --------------------------------------------------------------------------------------------
# 3. Checkpoints
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished 2-epoch toy run (its newest checkpoint is edited by the tests, on a copy)."""
    out = tmp_path_factory.mktemp("run")
    fit(
        toy_classification(),
        TrainConfig(dataset="toy", epochs=2, **SMALL),
        out,
        backend="numpy",
        progress=False,
        log=_quiet,
    )
    return out


def _copy_run(run_dir, tmp_path):
    import shutil

    dest = tmp_path / "run"
    shutil.copytree(run_dir, dest)
    return dest, list_checkpoints(dest)[-1]


@pytest.mark.parametrize("field", ["epoch", "adam_t", "best_epoch"])
def test_an_edited_metadata_field_is_found_by_the_hash(run_dir, tmp_path, field):
    """Adding 1 to epoch made resume report the run complete with an epoch never trained; edits
    of adam_t or best_epoch were accepted silently."""
    run, path = _copy_run(run_dir, tmp_path)
    record = json.loads(path.read_text())
    record["metadata"][field] += 1 if field != "best_epoch" else -1
    path.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=rf"{path}: corrupt or edited"):
        fit(
            toy_classification(),
            TrainConfig(dataset="toy", epochs=3, **SMALL),
            run,
            backend="numpy",
            progress=False,
            log=_quiet,
        )
    with pytest.raises(CheckpointError, match="corrupt or edited"):
        load_model(run)


def _resign(record):
    record["record_sha256"] = record_digest(record)
    return record


#: Malformed records (re-signed, as another tool might write them): (edit, the field named).
MALFORMED = {
    "npz outside": (lambda r: r.update(npz="../x.npz"), r"field 'npz': expected the name"),
    "npz a number": (lambda r: r.update(npz=3), r"field 'npz': expected a file name"),
    "dtype foo": (
        lambda r: r["arrays"]["theta"].update(dtype="foo"),
        r"field 'arrays.theta.dtype': expected a numeric NumPy dtype",
    ),
    "shape missing": (
        lambda r: r["arrays"]["theta"].pop("shape"),
        r"field 'arrays.theta' has no 'shape'",
    ),
    "arrays a list": (
        lambda r: r.update(arrays=list(r["arrays"])),
        r"field 'arrays': expected an object",
    ),
    "history missing": (
        lambda r: r["metadata"].pop("history"),
        r"the metadata has no 'history' field",
    ),
    "config renamed": (
        lambda r: r["metadata"].update(cfg=r["metadata"].pop("config")),
        r"the metadata has no 'config' field",
    ),
    "model renamed": (
        lambda r: r["metadata"].update(mdl=r["metadata"].pop("model")),
        r"the metadata has no 'model' field",
    ),
    "epoch a string": (
        lambda r: r["metadata"].update(epoch="2"),
        r"metadata field 'epoch': expected an integer >= 0",
    ),
    "history of other length": (
        lambda r: r["metadata"]["history"].pop(),
        r"metadata field 'history': expected one row per epoch",
    ),
    "sha256 a number": (lambda r: r.update(sha256=1), r"field 'sha256': expected a SHA-256"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_metadata_is_a_checkpoint_error_naming_file_and_field(run_dir, tmp_path, case):
    edit, match = MALFORMED[case]
    run, path = _copy_run(run_dir, tmp_path)
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(_resign(record)))
    with pytest.raises(CheckpointError, match=rf"checkpoint {path}: .*{match}"):
        load_model(run)
    with pytest.raises(CheckpointError, match=match):
        fit(
            toy_classification(),
            TrainConfig(dataset="toy", epochs=3, **SMALL),
            run,
            backend="numpy",
            progress=False,
            log=_quiet,
        )


def test_a_non_standard_json_constant_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "ck", {"a": np.zeros(2)}, {"x": 1})
    path.write_text(path.read_text().replace('"x": 1', '"x": NaN'))
    with pytest.raises(CheckpointError, match="NaN is not standard JSON"):
        load_checkpoint(path)


def test_train_cli_reports_a_malformed_checkpoint_in_one_line(tmp_path, capsys):
    out = str(tmp_path / "runs")
    assert _train(tmp_path, "--out", out) == 0
    path = list_checkpoints(tmp_path / "runs" / "seed-0")[-1]
    record = json.loads(path.read_text())
    record["arrays"] = list(record["arrays"])
    path.write_text(json.dumps(_resign(record)))
    capsys.readouterr()
    assert _train(tmp_path, "--out", out) == 2
    err = capsys.readouterr().err
    assert f"ltc-ref train: checkpoint {path}: field 'arrays'" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------------
# 4. Corrupt data files
# --------------------------------------------------------------------------------------------


def _corruptions(path):
    """(kind, bytes) replacing a data file's contents."""
    b = path.read_bytes()
    text_format = path.suffix not in (".npy", ".npz", ".gz")
    if text_format:
        yield "latin-1", b[:200] + "é".encode("latin-1") + b[200:]
        yield "UTF-16", b.decode("utf-8").encode("utf-16")
        first = b.splitlines(keepends=True)[0]
        yield "header or first line only", first
    yield "binary", bytes(range(256)) * 4
    yield "truncated", b[: len(b) // 2]
    yield "empty", b""
    if path.suffix == ".gz":
        yield "not gzip", b"plain text, not gzip\n"
        yield "gzip of latin-1", gzip.compress("é,1\n".encode("latin-1"))
    if path.suffix == ".npy":
        buffer = io.BytesIO()
        np.savez(buffer, a=np.zeros((3, 17)))
        yield "an npz in place of an npy", buffer.getvalue()
    if path.suffix == ".npz":
        for kind, arrays in (
            ("pickled data", {"x_train": np.array([{}], dtype=object)}),
            (
                "zero images",
                {
                    "x_train": np.zeros((0, 28, 28), np.uint8),
                    "x_test": np.zeros((0, 28, 28), np.uint8),
                    "y_train": np.zeros(0, np.int64),
                    "y_test": np.zeros(0, np.int64),
                },
            ),
        ):
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            yield kind, buffer.getvalue()


def _data_files(root):
    """One file per data file kind of every dataset (the first trace of cheetah)."""
    seen = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = (path.parent.name, path.suffix if path.parent.name == "cheetah" else path.name)
        if key not in seen:
            seen.add(key)
            yield path


def test_every_corrupt_data_file_names_the_file_what_was_expected_and_found(tmp_path):
    """latin-1, UTF-16 or binary bytes gave a bare UnicodeDecodeError, a truncated or non-gzip
    digits.csv.gz EOFError/BadGzipFile, an empty .npy or an npz in its place, a corrupt
    mnist.npz (BadZipFile, pickled data), zero images, a header-only ozone or person file other
    errors: each is now a DataFormatError naming the file, what was expected and what was
    found."""
    synthetic_data.write_all(tmp_path)
    by_folder = {spec.folder: name for name, spec in DATASETS.items()}
    checked = set()
    for path in _data_files(tmp_path):
        name = by_folder[path.parent.name]
        original = path.read_bytes()
        for kind, content in _corruptions(path):
            path.write_bytes(content)
            seq_len = None if name in ("smnist", "digits") else synthetic_data.SEQ_LEN
            with pytest.raises(DataFormatError) as err:
                data.load(name, tmp_path, seq_len=seq_len)
            message = str(err.value)
            assert str(path) in message, (name, kind, message)
            assert "expected" in message and ("got" in message or "found" in message), message
            checked.add((name, kind))
        path.write_bytes(original)
    assert {n for n, _ in checked} == set(DATASETS)
    assert ("digits", "not gzip") in checked and ("smnist", "pickled data") in checked


# --------------------------------------------------------------------------------------------
# 5. The command line
# --------------------------------------------------------------------------------------------


def _train_args(tmp_path, *extra, progress=False):
    """``ltc-ref train`` of one quick epoch on synthetic occupancy data (written here)."""
    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    args = ["occupancy", "--data-dir", str(tmp_path / "data"), "--epochs", "1", "--units", "4",
            "--max-batches", "1", "--backend", "numpy", *extra]  # fmt: skip
    return args if progress else [*args, "--no-progress"]


def _train(tmp_path, *extra, progress=False):
    from ltc_ref.training.cli import main

    return main(_train_args(tmp_path, *extra, progress=progress))


@pytest.mark.parametrize(
    "args, match",
    [
        (["--out", "/dev/null"], r"--out: /dev/null exists and is not a directory"),
        (["--out", "/proc/ltc-ref-runs"], r"--out: cannot write into /proc/ltc-ref-runs"),
        (["--max-train", "0"], r"--max-train: expected a number of sequences >= 1, got 0"),
        (["--max-train", "-5"], r"--max-train: expected a number of sequences >= 1, got -5"),
        (["--max-minutes", "-1"], r"--max-minutes: expected a finite number > 0, got -1"),
        (["--max-minutes", "nan"], r"--max-minutes: expected a finite number > 0, got nan"),
        (["--units", "1000000"], r"units: training N = 1000000 units .* more than"),
        (["--lr", "inf"], r"--lr: expected a finite number, got inf"),
    ],
)
def test_train_refuses_bad_arguments_before_training(tmp_path, capsys, args, match):
    assert _train(tmp_path, *args) == 2
    out = capsys.readouterr()
    assert re.search(match, out.err), out.err
    assert "--- seed" not in out.out and "Traceback" not in out.err


def test_train_out_an_existing_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert _train(tmp_path, "--out", str(tmp_path / "file")) == 2
    assert "exists and is not a directory" in capsys.readouterr().err


def test_train_plot_without_matplotlib_and_progress_without_tqdm(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("matplotlib", "tqdm") else real(name, *a),
    )
    assert _train(tmp_path, "--plot", "--out", str(tmp_path / "runs")) == 2
    assert "--plot: needs matplotlib" in capsys.readouterr().err
    assert _train(tmp_path, "--out", str(tmp_path / "runs"), progress=True) == 0
    err = capsys.readouterr().err
    assert err.count("no progress bar (tqdm is not installed") == 1


@pytest.mark.parametrize(
    "args, match",
    [
        (["--json", "/dev/null/study.json"], r"--json: /dev/null exists and is not a directory"),
        (["--json", "/proc/ltc-ref.json"], r"--json: cannot write into /proc"),
        (["--plots", "/proc/ltc-ref-plots"], r"--plots: cannot write into /proc/ltc-ref-plots"),
        (["--tries", "0"], r"--tries: expected an integer >= 1, got 0"),
        (["--workers", "0"], r"--workers: expected an integer >= 1, got 0"),
        (["--parts", "nope"], r"parts: expected one of"),
        (["--report", "/nonexistent.json"], r"--report: /nonexistent.json is not a JSON file"),
    ],
)
def test_trajectory_refuses_unwritable_outputs_up_front(capsys, args, match):
    """--json/--plots to an unwritable path were found only after the whole study."""
    from ltc_ref.trajectory import main

    with pytest.raises(SystemExit) as exit_:
        main(["--size", "smoke", "--quiet", *args])
    assert exit_.value.code == 2
    assert re.search(match, capsys.readouterr().err)


def test_crosscheck_refuses_negative_examples(capsys):
    from ltc_ref.interop.crosscheck import main

    with pytest.raises(SystemExit) as exit_:
        main(["ncps", "--examples", "-1"])
    assert exit_.value.code == 2
    assert "--examples: expected a number of cases >= 0, got -1" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# 7. API edges
# --------------------------------------------------------------------------------------------


def _small(form="conductance", dtype=np.float64):
    rng = np.random.default_rng(0)
    if form == "paper":
        return ltc_ref.init_paper_params(2, 3, rng, dtype=dtype)
    return ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), rng, dtype=dtype)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_value_and_grad_in_float32_with_its_docstring_loss(backend):
    """anp.mean((y - t)**2) of a float32 y is a float64 scalar; its cotangent is now cast to
    the parameters' dtype (it failed with "g_y: expected dtype float32")."""
    p = _small(dtype=np.float32)
    x = np.random.default_rng(1).normal(size=(2, 4, 2)).astype(np.float32)
    target = np.zeros((2, 4, 3), np.float32)
    loss, g = ltc_ref.value_and_grad(lambda y: anp.mean((y - target) ** 2), p, x, backend=backend)
    assert isinstance(loss, float) and g.dtype == np.float32
    _, want = ltc_ref.value_and_grad(
        lambda y: anp.mean((y - target) ** 2), p.astype(np.float64), x.astype(np.float64)
    )
    assert g.allclose(want.astype(np.float32), rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("form", ["paper", "conductance"])
def test_cotangents_convert_flatten_and_compare(form):
    """The vjp's g_params was an invalid instance of the parameter class (negative cotangents of
    positive fields): astype, replace and flatten(raw=True) raised. Cotangents do all three."""
    p = _small(form)
    x = np.random.default_rng(1).normal(size=(2, 4, 2))
    g, *_ = ltc_ref.vjp(p, x, np.random.default_rng(2).normal(size=(2, 4, p.n_outputs)))
    negative = [f for f in p.POSITIVE_FIELDS if np.any(getattr(g, f) < 0)]
    assert negative  # cotangents of positive fields that are negative: not a valid container
    positive = negative[0]
    g32 = g.astype(np.float32)
    assert g32.dtype == np.float32 and g32.params.dtype == np.float32
    doubled = g.replace(**{positive: 2 * getattr(g, positive)})
    np.testing.assert_array_equal(getattr(doubled, positive), 2 * getattr(g, positive))
    np.testing.assert_array_equal(g.flatten(raw=True), ltc_ref.grad_to_flat(p, g, raw=True))
    assert g.flatten().shape == (p.n_trainable,) and g == g and g != doubled
    assert (g + g).allclose(g.replace(**{k: 2 * a for k, a in g.items()}), rtol=0)
    with pytest.raises(ValueError, match=r"g_params\.\w+: expected shape"):
        g.replace(**{positive: np.zeros(7)})
    with pytest.raises(AttributeError, match="immutable"):
        g.tau = 0


def test_check_forward_vjp_accepts_cotangents_or_a_mapping():
    """A user's VJP returns Cotangents or a plain {field: array}: no private constructor."""
    from ltc_ref.testing import check_forward_vjp

    p = _small()
    x = np.random.default_rng(1).normal(size=(1, 2, 2))

    def as_mapping(*args, **kw):
        g, *rest = ltc_ref.vjp(*args, **kw)
        return (dict(g.items()), *rest)

    assert check_forward_vjp(p, x, dt=0.5, unfolds=2, vjp_fn=as_mapping).passed
    assert check_forward_vjp(p, x, dt=0.5, unfolds=2).passed


def test_the_dtype_rule():
    """One rule: an array that has a floating dtype must have the parameters'; anything without
    one (Python numbers, nested lists, integer arrays) is converted; dt, an elapsed time, is cast
    (refused only beyond the dtype's range)."""
    p = _small(dtype=np.float32)
    x = [[[1, 0]] * 3]
    y_list, _ = ltc_ref.forward(p, x)
    y_int, _ = ltc_ref.forward(p, np.array(x))
    assert y_list.dtype == y_int.dtype == np.float32
    with pytest.raises(TypeError, match="x: expected dtype float32"):
        ltc_ref.forward(p, np.array(x, dtype=np.float64))
    y_dt, _ = ltc_ref.forward(p, x, dt=np.full(3, 1.0, np.float64))
    np.testing.assert_array_equal(y_dt, y_list)


def test_masked_nan_is_refused_not_computed():
    """NaN under an np.ma mask passed validation and Numba returned NaN."""
    p = _small()
    x = np.ma.masked_invalid(np.array([[[np.nan, 0.0], [1.0, 0.0]]]))
    for backend in ("numpy", "numba"):
        with pytest.raises(TypeError, match="x: expected a plain ndarray"):
            ltc_ref.forward(p, x, backend=backend)


# ---- interop.ncps -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ncps_state():
    torch = pytest.importorskip("torch")
    from ltc_ref.interop import ncps as nx

    sd = nx.params_to_state_dict(_small(), implicit_param_constraints=True)
    return (
        torch,
        nx,
        {k.removeprefix("rnn_cell."): torch.as_tensor(np.asarray(a)) for k, a in sd.items()},
    )


def test_ncps_state_dict_edges(ncps_state):
    torch, nx, sd = ncps_state
    kw = dict(implicit_param_constraints=True)
    nx.params_from_state_dict(sd, **kw)  # the valid one loads
    with pytest.raises(TypeError, match=r"state_dict\['cm'\]: dtype float32, but .*float64"):
        nx.params_from_state_dict({**sd, "cm": sd["cm"].float()}, **kw)
    with pytest.raises(
        TypeError,
        match=r"state_dict\['w'\]: expected a float32 or float64 "
        r"tensor, got torch.bfloat16",
    ):
        nx.params_from_state_dict({**sd, "w": sd["w"].to(torch.bfloat16)}, **kw)
    with pytest.raises(TypeError, match=r"state_dict: expected a mapping"):
        nx.params_from_state_dict(None, **kw)
    with pytest.raises(TypeError, match=r"implicit_param_constraints: expected True"):
        nx.params_from_state_dict(sd, implicit_param_constraints="yes")


@pytest.mark.parametrize("dtype, raw", [(np.float64, -746.0), (np.float32, -105.0)])
def test_ncps_gradients_never_become_inf_or_pass_nan(ncps_state, dtype, raw):
    """grads_from_state_dict returned inf for raw values <= -745 (float64) / -104 (float32),
    and NaN gradients passed through."""
    torch, nx, sd = ncps_state
    sd = {k: t.to(torch.float64 if dtype == np.float64 else torch.float32) for k, t in sd.items()}
    grads = {k: torch.ones_like(t) for k, t in sd.items() if not k.endswith("mask")}
    ok = nx.grads_from_state_dict(grads, sd, implicit_param_constraints=True)
    assert all(np.isfinite(g).all() for g in ok.values())
    low = {**sd, "cm": torch.full_like(sd["cm"], raw)}
    with pytest.raises(ValueError, match=r"grads\['cm'\]: the cotangent .* not representable"):
        nx.grads_from_state_dict(grads, low, implicit_param_constraints=True)
    nan = {**grads, "w": torch.full_like(grads["w"], float("nan"))}
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected finite values"):
        nx.grads_from_state_dict(nan, sd, implicit_param_constraints=True)
