"""ncps 1.0.1's Keras backend (`ltc_ref.interop.ncps_keras`): both directions against the installed
``ncps.keras`` (skipped without Keras 3 and ncps), and the array converter without them."""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref.interop import ncps_keras as nk

#: ncps.keras runs in float32, the reference here in float64: T·L = 42 fused steps (convex
#: combinations, errors do not grow) of a few float32 ulp (6e-8) each; measured 8e-8
#: (max |error| / max |y|). 2e-6 keeps a margin of twenty; a cm off by 1 % errs by ~1e-3.
KERAS_RTOL = 2e-6


def _params(wiring=None, seed=0, dtype=np.float32):
    wiring = wiring or ltc_ref.NCP(3, 2, 2, 2, 2, 1, 1).build(3)
    rng = np.random.default_rng(seed)
    p = ltc_ref.init_synaptic_params(wiring, rng)
    C, M = p.n_inputs, p.n_outputs
    p = p.replace(
        input_w=rng.uniform(0.5, 1.5, C),
        input_b=rng.normal(0, 0.2, C),
        output_w=rng.uniform(0.5, 1.5, M),
        output_b=rng.normal(0, 0.2, M),
    )
    return p.astype(dtype)


def _rel_err(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


@pytest.fixture(scope="module")
def keras_ncps():
    keras = pytest.importorskip("keras", reason="needs Keras 3: pip install '.[ncps-keras]'")
    ncps_keras = pytest.importorskip("ncps.keras", reason="needs ncps: pip install '.[ncps-keras]'")
    return keras, ncps_keras


# ---- against the installed package --------------------------------------------------------


@pytest.mark.tensorflow
@pytest.mark.parametrize("mapping", ["affine", "linear", None])
def test_to_keras_computes_ltc_ref_forward_at_any_dt(keras_ncps, mapping):
    p = _params()
    if mapping != "affine":
        p = p.replace(input_b=np.zeros(3, np.float32), output_b=np.zeros(2, np.float32))
    if mapping is None:
        p = p.replace(input_w=np.ones(3, np.float32), output_w=np.ones(2, np.float32))
    x = np.random.default_rng(1).standard_normal((4, 7, 3)).astype(np.float32)
    model = nk.to_ncps_keras(p, dt=0.5, input_mapping=mapping, output_mapping=mapping)
    theirs = np.asarray(model(x))
    ours, _ = ltc_ref.forward(p.astype(np.float64), x.astype(np.float64), dt=0.5, epsilon=1e-8)
    assert theirs.shape == (4, 7, 2)
    assert _rel_err(theirs, ours) <= KERAS_RTOL
    wrong = nk.to_ncps_keras(p.replace(cm=p.cm * np.float32(1.01)), dt=0.5,
                             input_mapping=mapping, output_mapping=mapping)  # fmt: skip
    assert _rel_err(np.asarray(wrong(x)), ours) > 10 * KERAS_RTOL  # the check can fail


@pytest.mark.tensorflow
def test_round_trip_is_exact(keras_ncps):
    recipe = ltc_ref.NCP(3, 2, 2, 2, 2, 1, 1)
    p = _params(recipe.build(3))
    for wiring in (None, recipe):
        for cell in (False, True):
            model = nk.to_ncps_keras(p, wiring=wiring, cell=cell)
            q, kw = nk.from_ncps_keras(model)
            assert kw == {"dt": 1.0, "unfolds": 6, "epsilon": 1e-8}
            for name in ltc_ref.SynapticParams.ARRAY_FIELDS:
                np.testing.assert_array_equal(getattr(q, name), getattr(p, name), err_msg=name)
    with pytest.raises(ValueError, match="wiring"):
        nk.to_ncps_keras(p, wiring=ltc_ref.FullyConnected(p.n_units, output_dim=2))


@pytest.mark.tensorflow
def test_a_model_built_by_ncps_keras_runs_here(keras_ncps):
    """ncps.keras's own initialisation and wiring, and a synapse NonNeg switched off (w = 0):
    from_ncps_keras reproduces the model's outputs."""
    keras, ncps_keras = keras_ncps
    import ncps.wirings

    keras.utils.set_random_seed(3)
    model = ncps_keras.LTC(ncps.wirings.AutoNCP(8, 2), return_sequences=True)
    x = np.random.default_rng(2).standard_normal((3, 6, 4)).astype(np.float32)
    model(x)
    cell = model.cell
    w = cell._params["w"]
    connected = np.argwhere(np.abs(cell.wiring.adjacency_matrix) == 1)[0]
    w.assign(
        np.where(np.arange(64).reshape(8, 8) == 8 * connected[0] + connected[1], 0.0, w.numpy())
    )
    theirs = np.asarray(model(x))
    params, kw = nk.from_ncps_keras(model, dtype=np.float64)
    assert params.sparsity_mask[tuple(connected)] == 0  # the zero conductance, read as a mask
    ours, _ = ltc_ref.forward(params, x.astype(np.float64), **kw)
    assert _rel_err(ours, theirs) <= KERAS_RTOL


@pytest.mark.tensorflow
def test_keras_errors(keras_ncps):
    keras, ncps_keras = keras_ncps
    import ncps.wirings

    with pytest.raises(ValueError, match="not built"):
        nk.from_ncps_keras(ncps_keras.LTCCell(ncps.wirings.FullyConnected(3)))
    mixed = ncps_keras.LTC(3, mixed_memory=True)
    mixed(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="mixed_memory"):
        nk.from_ncps_keras(mixed)
    with pytest.raises(TypeError, match=r"ncps\.keras\.LTC"):
        nk.from_ncps_keras(object())
    model = nk.to_ncps_keras(_params())
    model.cell._params["cm"].assign(np.zeros(model.cell.state_size, np.float32))
    with pytest.raises(ValueError, match="cm"):
        nk.from_ncps_keras(model)


# ---- without Keras ----------------------------------------------------------------------------


def test_keras_weights_and_back_without_keras():
    p = _params(dtype=np.float64)
    weights = nk.keras_weights(p, dt=2.0)
    assert list(weights) == list(nk.KERAS_WEIGHTS)
    assert all(a.dtype == np.float32 for a in weights.values())
    np.testing.assert_array_equal(weights["cm"], (p.cm / 2.0).astype(np.float32))
    q = nk.params_from_keras_weights(
        weights,
        sparsity_mask=p.sparsity_mask,
        sensory_sparsity_mask=p.sensory_sparsity_mask,
        dtype=np.float64,
    )
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    a, _ = ltc_ref.forward(p, x, dt=2.0)
    b, _ = ltc_ref.forward(q, x, dt=1.0)
    assert _rel_err(b, a) <= KERAS_RTOL  # float32 rounding of the stored weights


def test_params_from_keras_weights_errors():
    p = _params()
    masks = dict(sparsity_mask=p.sparsity_mask, sensory_sparsity_mask=p.sensory_sparsity_mask)
    weights = nk.keras_weights(p)
    with pytest.raises(ValueError, match="unexpected"):
        nk.params_from_keras_weights(weights, input_mapping="linear", **masks)
    with pytest.raises(ValueError, match="missing"):
        nk.params_from_keras_weights({k: a for k, a in weights.items() if k != "w"}, **masks)
    with pytest.raises(ValueError, match="gleak"):
        nk.params_from_keras_weights({**weights, "gleak": np.zeros_like(weights["gleak"])}, **masks)
    with pytest.raises(ValueError, match="negative"):
        nk.params_from_keras_weights({**weights, "w": -weights["w"]}, **masks)
    no_out = {k: a for k, a in weights.items() if not k.startswith("output")}
    with pytest.raises(ValueError, match="motor_size"):
        nk.params_from_keras_weights(no_out, output_mapping=None, **masks)
    q = nk.params_from_keras_weights(no_out, output_mapping=None, motor_size=2, **masks)
    assert q.n_outputs == 2 and np.all(q.output_w == 1)
    with pytest.raises(ValueError, match="input_mapping='linear' has no bias"):
        nk.keras_weights(p, input_mapping="linear")
    with pytest.raises(ValueError, match="dt"):
        nk.keras_weights(p, dt=0.0)


def test_keras_functions_name_the_extra_without_keras(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "keras", None)  # as if Keras were not installed
    with pytest.raises(ImportError, match=r"pip install '\.\[ncps-keras\]' in a checkout"):
        nk.to_ncps_keras(_params())
    with pytest.raises(ImportError, match=r"pip install '\.\[ncps-keras\]' in a checkout"):
        nk.from_ncps_keras(object())
