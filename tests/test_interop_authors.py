"""The authors' TF parameterisation (`ltc_ref.interop.authors`): their three solvers, written here
from SPEC §3 in their own variables (``cm_t``, fixed explicit step 0.1), against
``ltc_ref.forward`` with the preset; and the loader of their csv export."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ltc_ref
from ltc_ref.interop import authors

#: Their fused solver is reproduced exactly up to operation order (c = cm_t / (L / L) is exact);
#: the explicit ones take steps of 0.1·L / L, which may differ from 0.1 by one ulp. Both leave
#: rounding differences of a few ulp per step over T·L = 30 steps.
AUTHORS_RTOL = 1e-13
#: ltc-ref in float32 against their cell in float64: T·L = 36 fused steps (convex combinations,
#: so errors do not grow) of a few float32 ulp (6e-8) each; measured 1e-7 (max |error| / max |h|).
FLOAT32_RTOL = 2e-6


def authors_variables(rng, N=5, C=3, trained=True):
    """Variables with their names, drawn like their initialisers (SPEC §3) and then perturbed
    like a trained model (erev not ±1, non-trivial input map)."""
    var = {
        "sensory_mu": rng.uniform(0.3, 0.8, (C, N)),
        "sensory_sigma": rng.uniform(3.0, 8.0, (C, N)),
        "sensory_W": rng.uniform(0.01, 1.0, (C, N)),
        "sensory_erev": 2.0 * rng.integers(0, 2, (C, N)) - 1.0,
        "mu": rng.uniform(0.3, 0.8, (N, N)),
        "sigma": rng.uniform(3.0, 8.0, (N, N)),
        "W": rng.uniform(0.01, 1.0, (N, N)),
        "erev": 2.0 * rng.integers(0, 2, (N, N)) - 1.0,
        "vleak": rng.uniform(-0.2, 0.2, N),
        "gleak": np.ones(N),
        "cm_t": np.full(N, 0.5),
        "input_w": np.ones(C),
        "input_b": np.zeros(C),
    }
    if trained:
        var["sensory_erev"] = var["sensory_erev"] * rng.uniform(0.5, 1.5, (C, N))
        var["erev"] = var["erev"] * rng.uniform(0.5, 1.5, (N, N))
        var["gleak"] = rng.uniform(0.2, 2.0, N)
        var["cm_t"] = rng.uniform(0.2, 2.0, N)
        var["input_w"] = rng.uniform(0.5, 2.0, C)
        var["input_b"] = rng.normal(0.0, 0.3, C)
    return var


def _sig(pre, mu, sigma):
    return 1.0 / (1.0 + np.exp(-sigma * (pre[..., :, None] - mu)))


def authors_sequence(var, x, v0, solver, L=6):
    """Their cell over a sequence, from SPEC §3 (no Δt; cm_t is c in the fused step and C_m in the
    explicit ones, which take L steps of 0.1)."""
    v, out = v0, []
    for t in range(x.shape[1]):
        xt = x[:, t] * var["input_w"] + var["input_b"]
        s = var["sensory_W"] * _sig(xt, var["sensory_mu"], var["sensory_sigma"])

        def f_prime(v, s=s):
            a = var["W"] * _sig(v, var["mu"], var["sigma"])
            sum_in = (
                np.sum(s * var["sensory_erev"], 1)
                - v * np.sum(a, 1)
                + np.sum(a * var["erev"], 1)
                - v * np.sum(s, 1)
            )
            return (var["gleak"] * (var["vleak"] - v) + sum_in) / var["cm_t"]

        for _ in range(L):
            if solver == "semi_implicit":
                a = var["W"] * _sig(v, var["mu"], var["sigma"])
                num = var["cm_t"] * v + var["gleak"] * var["vleak"]
                num = num + np.sum(a * var["erev"], 1) + np.sum(s * var["sensory_erev"], 1)
                den = var["cm_t"] + var["gleak"] + np.sum(a, 1) + np.sum(s, 1)
                v = num / den
            else:
                v = explicit_step(solver, f_prime, v)
        out.append(v)
    return np.stack(out, axis=1)


def explicit_step(solver, f_prime, v, h=0.1):
    """One step of their explicit Euler (``"explicit"``) or classical RK4 (``"runge_kutta"``)
    with their fixed step 0.1. Only ``+`` and ``*`` on ``v``: it builds TensorFlow graphs as
    well as it computes NumPy arrays (`tests/test_interop_authors_tf.py` uses it)."""
    if solver == "explicit":
        return v + h * f_prime(v)
    k1 = h * f_prime(v)
    k2 = h * f_prime(v + 0.5 * k1)
    k3 = h * f_prime(v + 0.5 * k2)
    k4 = h * f_prime(v + k3)
    return v + (k1 + 2 * k2 + 2 * k3 + k4) / 6.0


@pytest.mark.parametrize("solver", ["semi_implicit", "explicit", "runge_kutta"])
@pytest.mark.parametrize("trained", [False, True])
def test_preset_reproduces_their_solvers(solver, trained):
    rng = np.random.default_rng(3)
    var = authors_variables(rng, trained=trained)
    x = rng.standard_normal((2, 5, 3))
    v0 = rng.uniform(-0.5, 0.5, (2, 5))
    theirs = authors_sequence(var, x, v0, solver)
    params = authors.params_from_authors(var)
    y, h = ltc_ref.forward(params, x, h0=v0, **authors.authors_forward_kwargs(solver))
    np.testing.assert_array_equal(y, h)  # their cell outputs its whole state
    err = np.max(np.abs(h - theirs)) / np.max(np.abs(theirs))
    assert err <= AUTHORS_RTOL, err


def test_forward_kwargs_of_each_solver():
    assert authors.authors_forward_kwargs() == {
        "dt": 6.0,
        "unfolds": 6,
        "solver": "fused",
        "epsilon": 0.0,
    }
    ex = authors.authors_forward_kwargs("explicit", unfolds=4)
    assert ex["solver"] == "euler" and ex["dt"] / ex["unfolds"] == pytest.approx(0.1, rel=1e-15)
    assert authors.authors_forward_kwargs("runge_kutta")["solver"] == "rk4"
    with pytest.raises(ValueError, match="solver"):
        authors.authors_forward_kwargs("dopri5")


def test_params_to_authors_round_trip_at_any_dt():
    """ltc-ref parameters run with Δt = 0.4 equal their cell with cm_t = C_m L / Δt."""
    rng = np.random.default_rng(5)
    var = authors_variables(rng)
    params = authors.params_from_authors(var)
    x = rng.standard_normal((3, 4, 3))
    _, h = ltc_ref.forward(params, x, dt=0.4)
    exported = authors.params_to_authors(params, dt=0.4)
    np.testing.assert_allclose(exported["cm_t"], params.cm * 6 / 0.4, rtol=1e-15)
    theirs = authors_sequence(exported, x, np.zeros((3, 5)), "semi_implicit")
    assert np.max(np.abs(h - theirs)) / np.max(np.abs(h)) <= AUTHORS_RTOL
    back = authors.params_from_authors(authors.params_to_authors(params))
    np.testing.assert_array_equal(back.flatten(), params.flatten())


def test_params_to_authors_writes_missing_synapses_as_zeros():
    """Their cell has no masks; --sparsity leaves W = 0 where a synapse is missing, and
    params_from_authors reads those zeros back as the same masks."""
    sparse = ltc_ref.init_synaptic_params(
        ltc_ref.NCP(2, 2, 1, 1, 1, 1, 1).build(2), np.random.default_rng(0)
    )
    sparse = sparse.replace(output_w=np.ones(sparse.n_units), output_b=np.zeros(sparse.n_units))
    theirs = authors.params_to_authors(sparse)
    np.testing.assert_array_equal(theirs["W"] == 0, sparse.sparsity_mask == 0)
    np.testing.assert_array_equal(theirs["sensory_W"] == 0, sparse.sensory_sparsity_mask == 0)
    back = authors.params_from_authors(theirs)
    for name in ("sparsity_mask", "sensory_sparsity_mask"):
        np.testing.assert_array_equal(getattr(back, name), getattr(sparse, name))
    x = np.random.default_rng(1).standard_normal((2, 4, 2))
    kw = authors.authors_forward_kwargs()
    np.testing.assert_allclose(
        ltc_ref.forward(back, x, **kw)[1], ltc_ref.forward(sparse, x, **kw)[1], rtol=1e-15
    )


def test_params_to_authors_rejects_what_their_cell_cannot_hold():
    motor = ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(3, 1).build(2), np.random.default_rng(0)
    )
    with pytest.raises(ValueError, match="whole state"):
        authors.params_to_authors(motor)


def test_names_with_scopes_mapping_modes_and_errors():
    rng = np.random.default_rng(1)
    var = authors_variables(rng)
    scoped = {f"rnn/ltc/{k}:0": a for k, a in var.items() if not k.startswith("input")}
    scoped["rnn/ltc/sensory_mapping/input_w:0"] = var["input_w"]
    p = authors.params_from_authors(scoped, input_mapping="linear")
    np.testing.assert_array_equal(p.input_w, var["input_w"])
    np.testing.assert_array_equal(p.input_b, 0.0)
    np.testing.assert_array_equal(p.cm, var["cm_t"])
    np.testing.assert_array_equal(p.w, var["W"])
    assert np.all(p.sparsity_mask == 1) and p.n_outputs == p.n_units
    with pytest.raises(ValueError, match="unexpected"):
        authors.params_from_authors(var, input_mapping=None)
    with pytest.raises(ValueError, match="missing"):
        authors.params_from_authors({k: a for k, a in var.items() if k != "W"})
    with pytest.raises(ValueError, match="unknown name"):
        authors.params_from_authors({**var, "rnn/ltc/bias": np.zeros(3)})
    with pytest.raises(ValueError, match="clipping range"):
        authors.params_from_authors({**var, "cm_t": np.full(5, 2000.0)})
    loose = authors.params_from_authors({**var, "cm_t": np.full(5, 2000.0)}, check_ranges=False)
    assert np.all(loose.cm == 2000.0)
    clipped = authors.clip_to_authors_ranges(loose.replace(w=np.full((5, 5), 1e-9)))
    assert np.all(clipped.cm == 1000.0) and np.all(clipped.w == 1e-5)


def export_like_theirs(directory, var, output_weights=None):
    """What their LTCCell.export_weights writes: np.savetxt per variable (cm.csv holds cm_t)."""
    directory.mkdir(parents=True, exist_ok=True)
    if output_weights is not None:
        np.savetxt(directory / "output_w.csv", output_weights[0])
        np.savetxt(directory / "output_b.csv", output_weights[1])
    for filename, name in authors.CSV_FILES.items():
        np.savetxt(directory / filename, var[name])


@pytest.mark.parametrize(("N", "C", "K"), [(5, 3, 2), (1, 1, 1), (4, 1, 1), (1, 3, 3)])
def test_csv_export_loads_exactly(tmp_path, N, C, K):
    """np.savetxt's '%.18e' keeps every float64 bit; shapes survive N = 1 and C = 1 (single
    rows / single values per line)."""
    rng = np.random.default_rng(N * 10 + C)
    var = authors_variables(rng, N=N, C=C)
    kernel, bias = rng.standard_normal((N, K)), rng.standard_normal(K)
    export_like_theirs(tmp_path, var, (kernel, bias))
    model = authors.load_authors_csv(tmp_path, input_w=var["input_w"], input_b=var["input_b"])
    expected = authors.params_from_authors(var)
    for name in ltc_ref.SynapticParams.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(model.params, name), getattr(expected, name))
    np.testing.assert_array_equal(model.readout_w, kernel)
    np.testing.assert_array_equal(model.readout_b, bias)
    x = rng.standard_normal((2, 3, C))
    _, h = ltc_ref.forward(model.params, x, **model.forward_kwargs())
    np.testing.assert_allclose(model.readout(h), h @ kernel + bias, rtol=1e-15)
    assert model.input_map_loaded


def test_missing_input_map_warns_and_defaults_to_identity(tmp_path):
    var = authors_variables(np.random.default_rng(2))
    export_like_theirs(tmp_path, var)
    with pytest.warns(UserWarning, match="does not save the input map"):
        model = authors.load_authors_csv(tmp_path)
    assert np.all(model.params.input_w == 1) and np.all(model.params.input_b == 0)
    assert not model.input_map_loaded and model.readout_w is None
    with pytest.raises(ValueError, match="no output_w"):
        model.readout(np.zeros((1, 5)))
    np.savetxt(tmp_path / "input_w.csv", var["input_w"])
    np.savetxt(tmp_path / "input_b.csv", var["input_b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = authors.load_authors_csv(tmp_path, dtype=np.float32)
    assert model.params.dtype == np.float32 and model.input_map_loaded


def test_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        authors.load_authors_csv(tmp_path / "nope")
    with pytest.raises(ValueError, match="lacks"):
        authors.load_authors_csv(tmp_path)
    var = authors_variables(np.random.default_rng(4))
    export_like_theirs(tmp_path, var, (np.zeros((3, 2)), np.zeros(2)))
    with pytest.raises(ValueError, match=r"output_w\.csv"):
        authors.load_authors_csv(tmp_path, input_w=var["input_w"], input_b=var["input_b"])


def _float32_trained(rng, N=5, C=3):
    """Variables as their float32 training leaves them: clipped at float32(1e-5) in places,
    W and sensory_W with exact zeros from --sparsity."""
    var = {k: a.astype(np.float32) for k, a in authors_variables(rng, N=N, C=C).items()}
    var["W"][0, :2] = np.float32(1e-5)  # = 9.99999975e-06 < 1e-5 in float64
    var["gleak"][1] = np.float32(1e-5)
    var["cm_t"][2] = np.float32(1e-6)
    var["W"][1:3, 3] = 0.0
    var["sensory_W"][0, 4] = 0.0
    return var


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float32_clipped_sparsity_trained_model_loads(tmp_path, dtype):
    """Their clip floor float32(1e-5) is below float64's 1e-5, and their --sparsity leaves exact
    zeros: both load (zeros as masks) and reproduce their cell (float64 here, their values)."""
    rng = np.random.default_rng(8)
    var = _float32_trained(rng)
    assert np.float64(var["W"][0, 0]) < 1e-5
    export_like_theirs(tmp_path, var)
    model = authors.load_authors_csv(
        tmp_path, input_w=var["input_w"], input_b=var["input_b"], dtype=dtype
    )
    p = model.params
    np.testing.assert_array_equal(p.sparsity_mask, var["W"] != 0)
    np.testing.assert_array_equal(p.sensory_sparsity_mask, var["sensory_W"] != 0)
    assert p.w[0, 0] == np.float32(1e-5) and p.cm[2] == np.float32(1e-6)
    x = rng.standard_normal((2, 6, 3))
    v0 = np.zeros((2, 5))
    theirs = authors_sequence({k: a.astype(np.float64) for k, a in var.items()}, x, v0,
                              "semi_implicit")  # fmt: skip
    _, h = ltc_ref.forward(p, x.astype(dtype), **model.forward_kwargs())
    rtol = AUTHORS_RTOL if dtype == np.float64 else FLOAT32_RTOL
    err = np.max(np.abs(h - theirs)) / np.max(np.abs(theirs))
    assert err <= rtol, err
    below = {**var, "W": np.where(var["W"] == 0, 0, var["W"]) * 0.5}  # 5e-6: below the floor
    with pytest.raises(ValueError, match="clipping range"):
        authors.params_from_authors(below)
    with pytest.raises(ValueError, match="gleak"):
        authors.params_from_authors({**var, "gleak": np.zeros(5)})


def test_clip_floor_is_the_float32_bound():
    assert authors.clip_floor("W") == float(np.float32(1e-5)) < 1e-5
    assert authors.clip_floor("cm_t") == float(np.float32(1e-6))
    with pytest.raises(ValueError, match="name"):
        authors.clip_floor("sigma")


def test_predict_time_major_is_the_transpose(tmp_path):
    rng = np.random.default_rng(9)
    var = authors_variables(rng)
    kernel, bias = rng.standard_normal((5, 2)), rng.standard_normal(2)
    export_like_theirs(tmp_path, var, (kernel, bias))
    model = authors.load_authors_csv(tmp_path, input_w=var["input_w"], input_b=var["input_b"])
    x = rng.standard_normal((2, 4, 3))  # (B, T, C)
    batch_first = model.predict(x)
    time_major = model.predict(np.swapaxes(x, 0, 1), time_major=True)
    np.testing.assert_array_equal(np.swapaxes(time_major, 0, 1), batch_first)
    _, h = ltc_ref.forward(model.params, x, **model.forward_kwargs())
    np.testing.assert_allclose(batch_first, h @ kernel + bias, rtol=1e-15)
    with pytest.raises(ValueError, match="x"):
        model.predict(x[0])


def test_checkpoint_reader_names_the_extra_without_tensorflow(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if TensorFlow were not installed
    with pytest.raises(ImportError, match=r"the tf extra\): pip install '\.\[tf\]' in a checkout"):
        authors.load_authors_checkpoint(tmp_path / "model.ckpt")
