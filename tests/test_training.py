"""The training loop: Adam, losses and metrics, the full gradient of read-out + LTC, checkpoints,
resuming, the non-finite stop, and short runs on synthetic data (no real data, fast)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from ltc_ref.data import Split
from ltc_ref.training import (
    PROJECTION_BOUNDS,
    AdamState,
    CheckpointError,
    NonFiniteLossError,
    Objective,
    TrainConfig,
    accuracy,
    adam_init,
    adam_step,
    clip_by_global_norm,
    f1_positive,
    fit,
    head_forward,
    head_vjp,
    init_dense_head,
    init_model,
    list_checkpoints,
    load_checkpoint,
    load_model,
    loss_and_grad,
    mean_squared_error,
    project,
    save_checkpoint,
    softmax_cross_entropy,
)
from ltc_ref.training import model as model_module
from ltc_ref.training.checkpoint import record_digest
from ltc_ref.training.plots import (
    liveliest_sequence,
    plot_history,
    plot_tau_sys,
    tau_sys_sequence,
)
from ltc_ref.verify.training import autograd_loss

from . import synthetic_data

#: Hand-written gradients vs autograd on the same float64 computation: both are exact to
#: rounding; a sequence of T·L fused sub-steps and the loss's reductions accumulate a few
#: hundred roundings of O(1) quantities.
GRAD_RTOL = 1e-10
#: Closed forms evaluated two ways (vectorised vs a Python loop) in float64.
EXACT_RTOL = 1e-13


# --------------------------------------------------------------------------------------------
# Adam and clipping
# --------------------------------------------------------------------------------------------


def test_adam_two_steps_by_hand():
    """Two steps of Kingma & Ba's Algorithm 1 written out with Python floats."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    theta0 = np.array([1.0, -2.0])
    g1, g2 = np.array([0.5, -0.1]), np.array([-0.5, 0.3])
    theta1, state1 = adam_step(theta0, g1, adam_init(theta0), lr)
    theta2, state2 = adam_step(theta1, g2, state1, lr)
    for i in range(2):
        m1 = (1 - b1) * g1[i]
        v1 = (1 - b2) * g1[i] ** 2
        t1 = theta0[i] - lr * (m1 / (1 - b1)) / ((v1 / (1 - b2)) ** 0.5 + eps)
        m2 = b1 * m1 + (1 - b1) * g2[i]
        v2 = b2 * v1 + (1 - b2) * g2[i] ** 2
        t2 = t1 - lr * (m2 / (1 - b1**2)) / ((v2 / (1 - b2**2)) ** 0.5 + eps)
        assert theta1[i] == pytest.approx(t1, rel=EXACT_RTOL)
        assert theta2[i] == pytest.approx(t2, rel=EXACT_RTOL)
        assert state2.m[i] == pytest.approx(m2, rel=EXACT_RTOL)
        assert state2.v[i] == pytest.approx(v2, rel=EXACT_RTOL)
    assert state2.t == 2
    # the first step moves every coordinate by lr against the gradient's sign
    np.testing.assert_allclose(theta1 - theta0, -lr * np.sign(g1), rtol=1e-7)
    np.testing.assert_array_equal(theta0, [1.0, -2.0])  # inputs untouched


def test_adam_keeps_float32():
    theta = np.ones(3, dtype=np.float32)
    new, state = adam_step(theta, np.ones(3, dtype=np.float32), adam_init(theta), 0.01)
    assert new.dtype == state.m.dtype == state.v.dtype == np.float32


def test_adam_rejects_bad_arguments():
    with pytest.raises(ValueError, match="grad: expected shape"):
        adam_step(np.zeros(2), np.zeros(3), adam_init(np.zeros(2)), 0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        adam_step(np.zeros(2), np.zeros(2), adam_init(np.zeros(2)), 0.0)


def test_clip_by_global_norm():
    g = np.array([3.0, 4.0])
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped, [0.6, 0.8], rtol=EXACT_RTOL)
    same, _ = clip_by_global_norm(g, 10.0)
    np.testing.assert_array_equal(same, g)
    same, _ = clip_by_global_norm(g, None)
    np.testing.assert_array_equal(same, g)
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(g, -1.0)


# --------------------------------------------------------------------------------------------
# Losses and metrics against their definitions
# --------------------------------------------------------------------------------------------


def _ce_definition(logits, labels, weights):
    total = 0.0
    for z, y in zip(logits, labels, strict=True):
        p = np.exp(z) / np.sum(np.exp(z))
        total += weights[y] * -np.log(p[y])
    return total / len(labels)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_value_and_gradient(rng, weighted):
    logits = rng.normal(size=(7, 3))
    labels = rng.integers(0, 3, 7)
    weights = np.array([0.1, 1.6, 0.7]) if weighted else np.ones(3)
    loss, g = softmax_cross_entropy(logits, labels, weights if weighted else None)
    assert loss == pytest.approx(_ce_definition(logits, labels, weights), rel=EXACT_RTOL)

    def ce(z):
        log_p = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.sum(weights[labels] * log_p[np.arange(7), labels]) / 7

    np.testing.assert_allclose(g, autograd.grad(ce)(logits), rtol=EXACT_RTOL, atol=1e-16)


def test_cross_entropy_is_stable_for_large_logits():
    logits = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    loss, g = softmax_cross_entropy(logits, np.array([1, 1]))
    assert loss == pytest.approx((1000.0 + 1000.0) / 2)
    assert np.all(np.isfinite(g))


def test_mse_value_and_gradient(rng):
    p, t = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss, g = mean_squared_error(p, t)
    by_loop = sum((a - b) ** 2 for a, b in zip(p.ravel(), t.ravel(), strict=True)) / 10
    assert loss == pytest.approx(by_loop, rel=EXACT_RTOL)
    grad = autograd.grad(lambda q: anp.mean((q - t) ** 2))(p)
    np.testing.assert_allclose(g, grad, rtol=EXACT_RTOL)


def test_accuracy_and_f1_by_hand():
    # predictions: 1, 0, 1, 1, 0 ; labels: 1, 0, 0, 1, 1 -> TP 2, FP 1, FN 1, 3 of 5 right
    logits = np.array([[0, 1], [1, 0], [0, 1], [0, 1], [1, 0]], dtype=float)
    labels = np.array([1, 0, 0, 1, 1])
    assert accuracy(logits, labels) == pytest.approx(0.6)
    assert f1_positive(logits, labels) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert f1_positive(np.array([[1.0, 0.0]]), np.array([0])) == 0.0  # class 1 absent


def test_objective_last_step_only(rng):
    """Sequential MNIST: only the last step is a target; other steps get no gradient."""
    z = rng.normal(size=(4, 6, 3))
    y = rng.integers(0, 3, (4, 6))
    obj = Objective("classification", "accuracy", "last")
    loss, g = obj.loss(z, y)
    assert loss == pytest.approx(softmax_cross_entropy(z[:, -1], y[:, -1])[0], rel=EXACT_RTOL)
    assert np.all(g[:, :-1] == 0) and np.any(g[:, -1] != 0)
    assert obj.metric_value(z, y) == accuracy(z[:, -1], y[:, -1])


def test_objective_all_steps_mean(rng):
    z, y = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    loss, g = Objective("regression", "mse").loss(z, y)
    assert loss == pytest.approx(np.mean((z - y) ** 2), rel=EXACT_RTOL)
    np.testing.assert_allclose(g, 2 * (z - y) / z.size, rtol=EXACT_RTOL)


def test_objective_better():
    acc, mse = Objective("classification", "accuracy"), Objective("regression", "mse")
    assert acc.is_better(0.9, 0.8) and not acc.is_better(0.8, 0.8)
    assert mse.is_better(0.1, 0.2) and not mse.is_better(0.3, 0.2)
    assert acc.is_better(0.5, None) and not acc.is_better(float("nan"), None)


# --------------------------------------------------------------------------------------------
# The model and its full gradient
# --------------------------------------------------------------------------------------------


def _tiny_model(rng, *, K=2, N=3, C=2):
    return init_model(C, K, rng, units=N, dt=6.0, unfolds=3)


@pytest.mark.parametrize(
    "objective",
    [
        Objective("classification", "accuracy"),
        Objective("classification", "f1", class_weights=(0.1, 1.6)),
        Objective("classification", "accuracy", "last"),
        Objective("regression", "mse"),
    ],
    ids=["ce", "weighted-ce", "ce-last", "mse"],
)
@pytest.mark.parametrize("raw", [False, True], ids=["physical", "softplus"])
def test_full_gradient_matches_autograd(rng, objective, raw):
    """Read-out + LTC (hand-written BPTT) + loss against autograd through the specification."""
    model = _tiny_model(rng)
    B, T = 2, 4
    x = rng.normal(size=(B, T, 2))
    if objective.task == "classification":
        targets = rng.integers(0, 2, (B, T))
    else:
        targets = rng.normal(size=(B, T, 2))
    loss, grad, _ = loss_and_grad(model, x, targets, objective, raw=raw)
    f = autograd_loss(model, x, targets, objective, raw)
    vec = model.flatten(raw=raw)
    assert loss == pytest.approx(f(vec), rel=GRAD_RTOL)
    expected = autograd.grad(f)(vec)
    mask = model.trainable_mask()
    np.testing.assert_allclose(grad[mask], expected[mask], rtol=GRAD_RTOL, atol=1e-14)
    assert np.all(grad[~mask] == 0)  # the frozen output map
    assert (~mask).sum() == 2 * model.ltc.n_outputs


def test_head_vjp_shapes(rng):
    head = init_dense_head(4, 3, rng)
    y, g = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    g_W, g_b, g_y = head_vjp(head, y, g)
    assert g_W.shape == (4, 3) and g_b.shape == (3,) and g_y.shape == y.shape
    np.testing.assert_allclose(g_b, g.sum(axis=(0, 1)), rtol=EXACT_RTOL)


#: The read-out and its VJP against the same products written out (a sum over M or over the
#: samples and steps, in another order): float64 rounding of sums of a few dozen terms.
HEAD_RTOL = 1e-12


@pytest.mark.parametrize("leading", [(), (7,), (2, 5), (2, 3, 4)])
def test_head_forward_and_vjp_for_any_leading_axes(rng, leading):
    """``(..., M)`` inputs with no, one, two or three leading axes: the per-sample products
    equal the written-out sums, and the VJP equals autograd's of ``sum(z * g)``."""
    head = init_dense_head(4, 3, rng)
    head = replace(head, b=rng.normal(size=3))
    y, g = rng.normal(size=(*leading, 4)), rng.normal(size=(*leading, 3))
    z = head_forward(head, y)
    want = (y[..., :, None] * head.W).sum(axis=-2) + head.b
    np.testing.assert_allclose(z, want, rtol=HEAD_RTOL)
    g_W, g_b, g_y = head_vjp(head, y, g)

    def f(W, b, yy):
        return anp.sum((anp.dot(yy, W) + b) * g)

    want_W, want_b, want_y = (autograd.grad(f, k)(head.W, head.b, y) for k in range(3))
    np.testing.assert_allclose(g_W, want_W, rtol=HEAD_RTOL)
    np.testing.assert_allclose(g_b, want_b, rtol=HEAD_RTOL)
    np.testing.assert_allclose(g_y, want_y, rtol=HEAD_RTOL)
    assert g_W.shape == head.W.shape and g_b.shape == (3,) and g_y.shape == y.shape


def test_model_flatten_roundtrip_and_projection(rng):
    model = _tiny_model(rng)
    for raw in (False, True):
        again = model.unflatten(model.flatten(raw=raw), raw=raw)
        np.testing.assert_allclose(again.flatten(), model.flatten(), rtol=1e-14)
    vec = model.flatten()
    where = model.positive_slices()
    vec[where["w"]] = -1.0
    vec[where["cm"]] = 5000.0
    clipped = project(model, vec, "clip")
    assert np.all(clipped[where["w"]] == PROJECTION_BOUNDS["w"][0])
    assert np.all(clipped[where["cm"]] == PROJECTION_BOUNDS["cm"][1])
    assert project(model, vec, "softplus") is vec


def test_backend_selection():
    if "numba" in model_module.available_backends():
        assert model_module.backend_kwargs("numba") == {"backend": "numba"}
        assert model_module.default_backend() == "numba"
    else:
        with pytest.raises(ValueError, match="backend: 'numba' needs"):
            model_module.backend_kwargs("numba")
        assert model_module.default_backend() == "numpy"
    with pytest.raises(ValueError, match="backend"):
        model_module.backend_kwargs("cuda")


# --------------------------------------------------------------------------------------------
# Synthetic datasets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToyDataset:
    """The attributes of `ltc_ref.data.Dataset` that `fit` reads."""

    name: str
    protocol: str
    train: Split
    valid: Split
    test: Split
    task: str
    metric: str
    target_steps: str
    class_weights: np.ndarray | None
    learning_rate: float
    batch_size: int
    n_outputs: int

    @property
    def n_features(self):
        return self.train.x.shape[2]

    @property
    def splits(self):
        return {"train": self.train, "valid": self.valid, "test": self.test}


def toy_classification(seed=0, n=(48, 16, 16), T=6):
    """Label of each step: whether the running mean of the first input is positive — needs
    memory, learnable by a few LTC neurons in a few epochs."""
    rng = np.random.default_rng(seed)

    def split(m):
        x = rng.normal(size=(m, T, 2))
        y = (np.cumsum(x[:, :, 0], axis=1) > 0).astype(np.int64)
        return Split(x, y)

    return ToyDataset("toy", "paper", *(split(m) for m in n), "classification", "accuracy",
                      "all", None, 0.05, 8, 2)  # fmt: skip


def toy_regression(seed=0, n=(16, 8, 8), T=5):
    rng = np.random.default_rng(seed)

    def split(m):
        x = rng.normal(size=(m, T, 2))
        return Split(x, np.cumsum(x, axis=1) * 0.3)

    return ToyDataset("toy-reg", "paper", *(split(m) for m in n), "regression", "mse", "all",
                      None, 0.02, 4, 2)  # fmt: skip


SMALL = dict(units=4, unfolds=2)


def _quiet(_line):
    pass


def test_training_lowers_the_loss(tmp_path):
    """A few epochs on the toy task: the training loss falls well below its first value and
    the test accuracy beats chance clearly."""
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=6, seed=1, **SMALL)
    result = fit(ds, cfg, tmp_path, backend="numpy", progress=False, log=_quiet)
    losses = result.history.column("train_loss")
    assert len(losses) == 6 and np.all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]
    assert result.test_metric > 0.7
    best = result.history.rows[result.best_epoch - 1]
    assert best["valid_metric"] == max(result.history.column("valid_metric"))
    assert result.test_metric == best["test_metric"]


def test_one_epoch_regression_float32(tmp_path):
    ds = toy_regression()
    cfg = TrainConfig(dataset="toy-reg", epochs=1, dtype="float32", positivity="softplus",
                      clip_norm=1.0, **SMALL)  # fmt: skip
    result = fit(ds, cfg, None, backend="numpy", progress=False, log=_quiet)
    assert result.model.dtype == np.float32
    assert np.isfinite(result.test_metric) and result.metric == "mse"
    assert result.checkpoint is None


def test_same_seed_same_numbers():
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=1, **SMALL)
    a = fit(ds, cfg, None, backend="numpy", progress=False, log=_quiet)
    b = fit(ds, cfg, None, backend="numpy", progress=False, log=_quiet)
    c = fit(ds, replace(cfg, seed=1), None, backend="numpy", progress=False, log=_quiet)
    np.testing.assert_array_equal(a.model.flatten(), b.model.flatten())
    assert not np.array_equal(a.model.flatten(), c.model.flatten())


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


def test_checkpoint_roundtrip_is_bit_exact(tmp_path, rng):
    arrays = {
        "a64": rng.normal(size=(3, 4)),
        "a32": rng.normal(size=5).astype(np.float32),
        "ints": np.arange(6, dtype=np.int64).reshape(2, 3),
        "tiny": np.array([np.finfo(float).tiny, 5e-324, -0.0]),
    }
    meta = {"lr": 0.1 + 0.2, "history": [{"x": 1 / 3}], "name": "τ"}
    path = save_checkpoint(tmp_path / "ck", arrays, meta)
    assert path == tmp_path / "ck.json" and (tmp_path / "ck.npz").is_file()
    loaded, meta2 = load_checkpoint(tmp_path / "ck.npz")
    assert meta2 == meta
    for name, a in arrays.items():
        assert loaded[name].dtype == a.dtype
        assert loaded[name].tobytes() == a.tobytes()


def _write(tmp_path):
    save_checkpoint(tmp_path / "ck", {"a": np.arange(4.0)}, {"k": 1})
    return tmp_path / "ck.npz", tmp_path / "ck.json"


def test_corrupt_npz_is_an_error(tmp_path):
    npz, _ = _write(tmp_path)
    data = bytearray(npz.read_bytes())
    data[-30] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(npz)


def test_truncated_and_missing_files_are_errors(tmp_path):
    npz, js = _write(tmp_path)
    npz.write_bytes(npz.read_bytes()[:50])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(js)
    npz.unlink()
    with pytest.raises(CheckpointError, match="is missing"):
        load_checkpoint(js)
    js.write_text("{not json")
    with pytest.raises(CheckpointError, match="not a valid JSON"):
        load_checkpoint(js)
    js.unlink()
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(js)


def test_foreign_or_mismatched_record_is_an_error(tmp_path):
    npz, js = _write(tmp_path)
    record = json.loads(js.read_text())
    js.write_text(json.dumps(dict(record, version=99)))
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(js)
    js.write_text(json.dumps(dict(record, format="other")))
    with pytest.raises(CheckpointError, match="not an ltc-ref-checkpoint"):
        load_checkpoint(js)
    bad = dict(record, arrays={"a": {"shape": [5], "dtype": "<f8"}})
    js.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="corrupt or edited"):  # the record's own hash
        load_checkpoint(js)
    js.write_text(json.dumps(dict(bad, record_sha256=record_digest(bad))))  # re-signed
    with pytest.raises(CheckpointError, match="its record says"):
        load_checkpoint(js)
    js.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="expected"):
        load_checkpoint(js, expect={"a": ((5,), np.float64)})
    with pytest.raises(CheckpointError, match="expected"):
        load_checkpoint(js, expect={"a": ((4,), np.float32)})
    with pytest.raises(CheckpointError, match="expected"):
        load_checkpoint(js, expect={"b": ((4,), np.float64)})


def test_run_checkpoint_loads_the_best_model(tmp_path):
    ds = toy_classification()
    result = fit(ds, TrainConfig(dataset="toy", epochs=2, **SMALL), tmp_path,
                 backend="numpy", progress=False, log=_quiet)  # fmt: skip
    model = load_model(tmp_path)
    assert model.flatten().tobytes() == result.model.flatten().tobytes()
    assert [p.stem for p in list_checkpoints(tmp_path)] == ["epoch-0001", "epoch-0002"]


def test_resume_with_another_config_or_data_is_an_error(tmp_path):
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=1, **SMALL)
    fit(ds, cfg, tmp_path, backend="numpy", progress=False, log=_quiet)
    with pytest.raises(CheckpointError, match=r"learning_rate: checkpoint None, now 0\.5"):
        fit(ds, replace(cfg, learning_rate=0.5), tmp_path, backend="numpy", log=_quiet)
    with pytest.raises(CheckpointError, match="the data differ"):
        fit(toy_classification(seed=1), cfg, tmp_path, backend="numpy", log=_quiet)
    with pytest.raises(CheckpointError, match="expected"):  # another model size
        fit(ds, replace(cfg, units=5), tmp_path, backend="numpy", log=_quiet)


# --------------------------------------------------------------------------------------------
# Resuming and the non-finite stop
# --------------------------------------------------------------------------------------------


def test_resume_equals_an_uninterrupted_run(tmp_path):
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=3, **SMALL)
    whole = fit(ds, cfg, tmp_path / "a", backend="numpy", progress=False, log=_quiet)
    fit(ds, replace(cfg, epochs=2), tmp_path / "b", backend="numpy", progress=False, log=_quiet)
    lines = []
    resumed = fit(ds, cfg, tmp_path / "b", backend="numpy", progress=False, log=lines.append)
    assert "resuming from" in lines[0] and resumed.epochs_run == 1
    for which in ("best", "last"):
        a, b = load_model(tmp_path / "a", which=which), load_model(tmp_path / "b", which=which)
        assert a.flatten().tobytes() == b.flatten().tobytes()
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in whole.history.rows]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in resumed.history.rows]
    assert resumed.test_metric == whole.test_metric and resumed.best_epoch == whole.best_epoch


def test_no_resume_starts_over(tmp_path):
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=2, **SMALL)
    fit(ds, cfg, tmp_path, backend="numpy", progress=False, log=_quiet)
    again = fit(ds, replace(cfg, epochs=1), tmp_path, backend="numpy", resume=False,
                progress=False, log=_quiet)  # fmt: skip
    assert len(again.history.rows) == 1
    assert [p.stem for p in list_checkpoints(tmp_path)] == ["epoch-0000", "epoch-0001"]


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    """A target of 1e300 overflows the squared error in epoch 2 only (it is in epoch 2's first
    batch and not in epoch 1's): training stops with a message, epoch 1's checkpoint stays."""
    ds = toy_regression()
    seed, bs = 0, 4
    first = set(np.random.default_rng([seed, 1]).permutation(16)[:bs])
    second = np.random.default_rng([seed, 2]).permutation(16)[:bs]
    bad = next(int(k) for k in second if k not in first)
    y = np.array(ds.train.y)
    y[bad, 2, 0] = 1e300
    ds = replace(ds, train=Split(ds.train.x, y))
    cfg = TrainConfig(dataset="toy-reg", epochs=3, batch_size=bs, max_batches=1, **SMALL)
    with pytest.raises(NonFiniteLossError, match="non-finite loss inf at epoch 2, batch 1") as e:
        fit(ds, cfg, tmp_path, backend="numpy", progress=False, log=_quiet)
    assert "epoch-0001.json (epoch 1)" in str(e.value)
    assert e.value.checkpoint == tmp_path / "epoch-0001.json"
    assert list_checkpoints(tmp_path)[-1] == tmp_path / "epoch-0001.json"
    _, meta = load_checkpoint(e.value.checkpoint)
    assert meta["epoch"] == 1 and len(meta["history"]) == 1


# --------------------------------------------------------------------------------------------
# Time budget, the liquid time constant, plots, the command line
# --------------------------------------------------------------------------------------------


def test_time_budget_stops_between_epochs(tmp_path):
    ds = toy_classification()
    cfg = TrainConfig(dataset="toy", epochs=50, **SMALL)
    result = fit(ds, cfg, None, backend="numpy", progress=False, log=_quiet, max_minutes=1e-6)
    assert result.epochs_run == 1 and result.stopped.startswith("time budget")


def test_tau_sys_is_bounded_by_tau(rng):
    """Theorem 1 (conductance form): every open synapse shortens the time constant,
    0 < τ_sys ≤ C_m / g_l."""
    model = _tiny_model(rng)
    tau = tau_sys_sequence(model, rng.normal(size=(9, 2)))
    bound = model.ltc.cm / model.ltc.gleak / model.dt
    assert tau.shape == (9, 3)
    assert np.all(tau > 0) and np.all(tau <= bound)
    assert np.all(tau < bound)  # the synapses are never all closed: strictly shorter


def test_plots_write_png_or_name_the_extra(tmp_path, rng):
    ds = toy_classification()
    result = fit(ds, TrainConfig(dataset="toy", epochs=2, **SMALL), None, backend="numpy",
                 progress=False, log=_quiet)  # fmt: skip
    try:
        a = plot_history(result.history, tmp_path / "curves.png", metric="accuracy")
        b = plot_tau_sys(result.model, ds.test.x[0], tmp_path / "tau.png", n_neurons=2)
    except ImportError as err:
        assert "[plot]" in str(err) and "matplotlib" in str(err)
    else:
        for path in (a, b):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _figures(monkeypatch):
    """Capture the figures the plot functions save (then save them as usual)."""
    from ltc_ref.training import plots

    figures, real_save = [], plots._save

    def save(fig, path, title):
        out = real_save(fig, path, title)  # laid out as written
        fig.canvas.draw()
        fig._ltc_boxes = [
            (ax.get_window_extent().frozen(),
             [leg.get_window_extent().frozen() for leg in [ax.get_legend()] if leg])
            for ax in fig.axes
        ]  # fmt: skip
        figures.append(fig)
        return out

    monkeypatch.setattr(plots, "_save", save)
    return figures


def test_plot_legends_cover_no_data_and_epoch_ticks_are_whole(tmp_path, rng, monkeypatch):
    pytest.importorskip("matplotlib")
    figures = _figures(monkeypatch)
    ds = toy_classification()
    result = fit(ds, TrainConfig(dataset="toy", epochs=3, **SMALL), None, backend="numpy",
                 progress=False, log=_quiet)  # fmt: skip
    plot_history(result.history, tmp_path / "curves.png", metric="accuracy")
    plot_tau_sys(result.model, ds.test.x[0], tmp_path / "tau.png", n_neurons=2)
    history_fig, tau_fig = figures
    for fig in figures:
        legends = [leg for _, legs in fig._ltc_boxes for leg in legs]
        assert legends, "every figure has a legend"
        for ax_box, _ in fig._ltc_boxes:
            for leg in legends:  # outside every axes: it covers no line
                assert not ax_box.overlaps(leg), (ax_box, leg)
    for ax in [*history_fig.axes, tau_fig.axes[1]]:  # epochs; input steps
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_liveliest_sequence_is_the_one_whose_inputs_move_most():
    x = np.zeros((4, 5, 2))
    x[2, ::2, 1] = 1.0  # moves at every step
    x[1, 3:, 0] = 3.0  # one jump of 3 (less than 4 moves of 1)
    assert liveliest_sequence(x) == 2
    with pytest.raises(ValueError, match=r"x: expected shape \(n, T, C\)"):
        liveliest_sequence(np.zeros((0, 5, 2)))


def test_docs_say_which_test_sequence_tau_sys_shows():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    training_md, results_md = (docs / p for p in ("training.md", "results.md"))
    assert "first test sequence" not in training_md.read_text()
    for page in (training_md, results_md):
        assert "whose inputs move most" in " ".join(page.read_text().split()), page


def test_cli_one_seed_and_plot_paths(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    from ltc_ref.training import plots
    from ltc_ref.training.cli import main

    shown, real = [], plots.plot_tau_sys

    def spy(model, x, path, **kw):
        shown.append((np.array(x), kw["title"]))
        return real(model, x, path, **kw)

    monkeypatch.setattr(plots, "plot_tau_sys", spy)
    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    out = tmp_path / "runs"
    args = ["occupancy", "--data-dir", str(tmp_path / "data"), "--epochs", "2", "--units", "3",
            "--max-batches", "1", "--backend", "numpy", "--out", str(out), "--no-progress",
            "--seeds", "4", "--plot"]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "(1 seed: seed 4)" in text and "±" not in text and "seed(s)" not in text
    run = out / "seed-4"
    assert f"seed 4: plots written to {run / 'curves.png'} and {run / 'tau_sys.png'}" in text
    assert (run / "curves.png").is_file() and (run / "tau_sys.png").is_file()
    from ltc_ref import data

    test_x = data.load("occupancy", tmp_path / "data", dtype=np.float32).test.x
    k = liveliest_sequence(test_x)
    [(x, title)] = shown
    np.testing.assert_array_equal(x, test_x[k])
    assert title.endswith(f"test sequence {k} (its inputs move most)")


def test_cli_trains_on_synthetic_occupancy_files(tmp_path, capsys):
    from ltc_ref.training.cli import main

    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    out = tmp_path / "runs"
    args = ["occupancy", "--data-dir", str(tmp_path / "data"), "--epochs", "1", "--units", "4",
            "--max-batches", "2", "--backend", "numpy", "--out", str(out), "--no-progress",
            "--seeds", "0", "1"]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "seed 1: test accuracy" in text and "over 2 seed(s)" in text
    summary = json.loads((out / "summary.json").read_text())
    assert [r["seed"] for r in summary["runs"]] == [0, 1]
    assert summary["command"].startswith("ltc-ref train occupancy")
    assert (out / "seed-0" / "epoch-0001.json").is_file()


def test_cli_reports_missing_data(tmp_path, capsys):
    from ltc_ref.training.cli import main

    assert main(["occupancy", "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_config_validation():
    with pytest.raises(ValueError, match="positivity"):
        TrainConfig(positivity="abs")
    with pytest.raises(ValueError, match="learning_rate"):
        TrainConfig(learning_rate=-1.0)
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=-1)
    assert AdamState(np.zeros(1), np.zeros(1)).t == 0


def test_verify_section_passes():
    from ltc_ref.verify import training as verify_training
    from ltc_ref.verify.command import sections_of

    [(title, fn)] = sections_of(verify_training)
    results = fn()
    assert title == "training" and len(results) == 4
    assert all(r.passed for r in results), results


# --------------------------------------------------------------------------------------------
# Trained models that travel: stored normalisation, predict on raw data, presets
# --------------------------------------------------------------------------------------------

#: predict on raw inputs normalises them in float64 and casts; on the dataset's normalised
#: split the same numbers were computed by the loader (the same float64 formula, then the cast).
#: float32: the normalised inputs may differ by one float32 ulp (the round trip through the
#: inverse map), which T·L fused steps of a 4-unit model carry to ~1e-6 of the outputs. (Measured
#: 0 in both dtypes on this machine; the bounds allow other rounding of the two paths.)
RAW_PREDICT_RTOL = {np.float64: 1e-12, np.float32: 1e-5}


def _occupancy_run(tmp_path, dtype):
    from ltc_ref import data
    from ltc_ref.training.cli import main

    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    out = tmp_path / "runs"
    args = ["occupancy", "--data-dir", str(tmp_path / "data"), "--epochs", "1", "--units", "4",
            "--max-batches", "2", "--backend", "numpy", "--out", str(out), "--no-progress",
            "--dtype", np.dtype(dtype).name]  # fmt: skip
    assert main(args) == 0
    ds = data.load("occupancy", tmp_path / "data", dtype=np.dtype(dtype))
    return out / "seed-0", ds


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_trained_model_predicts_on_raw_data(tmp_path, capsys, dtype):
    """ltc-ref train's checkpoint stores the input normalisation: raw inputs (the files' units)
    give the predictions the model makes on the normalised test split."""
    run, ds = _occupancy_run(tmp_path, dtype)
    capsys.readouterr()
    model = load_model(run)
    assert model.dtype == dtype
    np.testing.assert_array_equal(model.x_scaling.mean, ds.x_scaling.mean)
    np.testing.assert_array_equal(model.x_scaling.std, ds.x_scaling.std)
    raw = ds.x_scaling.inverse(ds.test.x.astype(np.float64))  # float64, the files' units
    assert np.max(np.abs(raw.mean(axis=(0, 1)))) > 10  # really raw (CO2 ~ 500, light ~ 100)
    z_norm, _ = model_module.predict(model, ds.test.x, normalise=False)
    z_raw, _ = model_module.predict(model, raw, normalise=True, cast=dtype == np.float32)
    assert z_raw.dtype == dtype
    err = np.max(np.abs(z_raw - z_norm)) / np.max(np.abs(z_norm))
    assert err <= RAW_PREDICT_RTOL[dtype], err
    with pytest.raises(ValueError, match="pass normalise=True for raw inputs"):
        model_module.predict(model, ds.test.x)
    if dtype == np.float32:
        with pytest.raises(TypeError, match="cast=True"):
            model_module.predict(model, raw, normalise=True)


def test_regression_predictions_come_back_in_the_targets_units(rng):
    from ltc_ref.data.windowing import ZScore

    model = _tiny_model(rng, K=2)
    x_scaling = ZScore(np.array([10.0, -3.0]), np.array([2.0, 0.5]))
    y_scaling = ZScore(np.array([100.0, 5.0]), np.array([20.0, 0.1]))
    scaled = replace(model, x_scaling=x_scaling, y_scaling=y_scaling)
    x = rng.normal(size=(3, 4, 2))
    z, _ = model_module.predict(model, x)
    z_raw, _ = model_module.predict(scaled, x_scaling.inverse(x), normalise=True)
    np.testing.assert_allclose(z_raw, y_scaling.inverse(z), rtol=EXACT_RTOL)
    with pytest.raises(ValueError, match="stores no normalisation"):
        model_module.predict(model, x, normalise=True)
    with pytest.raises(ValueError, match=r"x_scaling\.mean"):
        replace(model, x_scaling=ZScore(np.zeros(3), np.ones(3)))
    with pytest.raises(ValueError, match=r"y_scaling\.std"):
        replace(model, y_scaling=ZScore(np.zeros(2), np.zeros(2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        model_module.predict(model, x.astype(np.int64))


def test_presets_set_dt_and_epsilon():
    """--init ncps gives ncps's dynamics (Δt = 1, so c = L·C_m, ε = 1e-8); --init authors
    theirs (dt = L, so cm is their cm_t; ε = 0); explicit values win."""
    assert (TrainConfig().dt, TrainConfig().epsilon) == (6.0, 0.0)
    assert (TrainConfig(unfolds=4).dt, TrainConfig(unfolds=4).epsilon) == (4.0, 0.0)
    ncps_like = TrainConfig(init="ncps", positivity="softplus")
    assert (ncps_like.dt, ncps_like.epsilon) == (1.0, 1e-8)
    assert TrainConfig(init="ncps", dt=0.5, epsilon=0.0).dt == 0.5
    with pytest.raises(ValueError, match="epsilon"):
        TrainConfig(epsilon=-1.0)
    m = init_model(2, 2, np.random.default_rng(0), units=3, ranges="ncps")
    assert (m.dt, m.epsilon) == (1.0, 1e-8)


def test_cli_dt_and_init_reach_the_checkpoint(tmp_path, capsys):
    from ltc_ref.training.cli import main

    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    base = ["occupancy", "--data-dir", str(tmp_path / "data"), "--epochs", "1", "--units", "3",
            "--max-batches", "1", "--backend", "numpy", "--no-progress"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "a"), "--init", "ncps",
                 "--positivity", "softplus"]) == 0  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "b"), "--dt", "2.5"]) == 0
    capsys.readouterr()
    a, b = load_model(tmp_path / "a" / "seed-0"), load_model(tmp_path / "b" / "seed-0")
    assert (a.dt, a.epsilon, b.dt, b.epsilon) == (1.0, 1e-8, 2.5, 0.0)


def test_export_names_the_extra_without_torch(monkeypatch, rng):
    import sys

    from ltc_ref.training import to_ncps_model

    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    with pytest.raises(ImportError, match=r"pip install '\.\[ncps\]' in a checkout"):
        to_ncps_model(_tiny_model(rng))


def test_checkpoints_without_or_with_a_broken_normalisation_record(tmp_path, capsys):
    """Checkpoints written before the normalisation was stored load without one (predict then
    needs no normalise=); a malformed record is a CheckpointError, not a silent identity."""
    run, ds = _occupancy_run(tmp_path, np.float64)
    capsys.readouterr()
    record_path = list_checkpoints(run)[-1]
    record = json.loads(record_path.read_text())
    assert record["metadata"]["normalisation"]["x"]["mean"] == list(ds.x_scaling.mean)
    del record["metadata"]["normalisation"]
    record["record_sha256"] = record_digest(record)  # as an older writer would have signed it
    record_path.write_text(json.dumps(record))
    old = load_model(run)
    assert old.x_scaling is None and old.y_scaling is None
    z, _ = model_module.predict(old, ds.test.x)  # no normalise= needed: nothing stored
    assert np.all(np.isfinite(z))
    record["metadata"]["normalisation"] = {"x": {"mean": [0.0]}, "y": None}
    record["record_sha256"] = record_digest(record)
    record_path.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="normalisation"):
        load_model(run)
