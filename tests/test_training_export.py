"""A model trained with ``ltc-ref train`` exported to ncps (`ltc_ref.training.export`): ncps
reproduces its predictions, read-out, Δt, ε and normalisation included. Needs the ``ncps`` extra
(torch 2.13.0 + ncps 1.0.1); skipped without it."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs the ncps extra: pip install '.[ncps]'")
pytest.importorskip("ncps", reason="needs the ncps extra: pip install '.[ncps]'")

from ltc_ref import data  # noqa: E402
from ltc_ref.training import load_model  # noqa: E402
from ltc_ref.training import model as model_module  # noqa: E402
from ltc_ref.training.cli import main  # noqa: E402
from ltc_ref.training.export import to_ncps_model  # noqa: E402

from . import synthetic_data  # noqa: E402

pytestmark = pytest.mark.ncps

#: ncps and ltc-ref compute the same fused steps in another order (torch's reductions, its
#: softplus of the stored raw values: |r| ulp for r = log(expm1(x)), |r| <= 12 at the clip floor
#: 1e-5) over T·L = 16·6 steps (convex combinations: errors do not grow). Measured (max |error| /
#: max |z|): float64 7e-16, float32 3.7e-7; the bounds keep a margin of ten or more. A wrong Δt
#: (cm off by a factor 6) errs by > 1e-2.
EXPORT_RTOL = {np.float64: 1e-13, np.float32: 5e-6}


def _train(root, dtype, init, positivity):
    """``ltc-ref train occupancy`` on synthetic files: a trained model and its dataset."""
    synthetic_data.write_occupancy(root / "data", np.random.default_rng(0))
    args = ["occupancy", "--data-dir", str(root / "data"), "--epochs", "2", "--units", "5",
            "--max-batches", "3", "--backend", "numpy", "--out", str(root / "runs"),
            "--no-progress", "--dtype", dtype, "--init", init,
            "--positivity", positivity]  # fmt: skip
    assert main(args) == 0
    ds = data.load("occupancy", root / "data", dtype=np.dtype(dtype))
    return load_model(root / "runs" / "seed-0"), ds


@pytest.fixture(scope="module", params=[
    ("float64", "authors", "clip"), ("float32", "authors", "clip"),
    ("float64", "ncps", "softplus"),
])  # fmt: skip
def trained(request, tmp_path_factory):
    return _train(tmp_path_factory.mktemp("export"), *request.param)


def _rel_err(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("wrapper", ["LTC", "LTCCell"])
def test_ncps_reproduces_the_trained_models_predictions(trained, wrapper):
    model, ds = trained
    raw = ds.x_scaling.inverse(ds.test.x.astype(np.float64))[:8]
    z_ref, _ = model_module.predict(model, raw, normalise=True, cast=True)
    exported = to_ncps_model(model, wrapper=wrapper)
    assert exported.rnn.__class__.__name__ == wrapper
    cell = exported.rnn.rnn_cell if wrapper == "LTC" else exported.rnn
    assert cell._epsilon == model.epsilon and cell._ode_unfolds == model.unfolds
    with torch.no_grad():
        z = exported(torch.from_numpy(raw.astype(model.dtype))).numpy()
    assert z.dtype == model.dtype and z.shape == z_ref.shape
    assert _rel_err(z, z_ref) <= EXPORT_RTOL[model.dtype.type]
    # without the normalisation, the module takes the normalised split
    plain = to_ncps_model(model, wrapper=wrapper, normalise=False)
    z_norm, _ = model_module.predict(model, ds.test.x[:8], normalise=False)
    with torch.no_grad():
        z_plain = plain(torch.from_numpy(np.array(ds.test.x[:8]))).numpy()
    assert _rel_err(z_plain, z_norm) <= EXPORT_RTOL[model.dtype.type]


def test_a_wrong_time_step_is_detected(tmp_path):
    """The check can fail: ncps's LTC at its default Δt = 1 without the cm / dt rescaling
    (the authors' preset trains at dt = 6)."""
    model, ds = _train(tmp_path, "float64", "authors", "clip")
    assert model.dt == 6.0
    from ltc_ref.interop.ncps import to_ncps

    x = np.array(ds.test.x[:8])
    z_ref, y_ref = model_module.predict(model, x, normalise=False)
    naive = to_ncps(model.ltc, unfolds=model.unfolds, epsilon=model.epsilon)
    with torch.no_grad():
        y, _ = naive(torch.from_numpy(x))
    assert _rel_err(y.numpy(), y_ref) > 100 * EXPORT_RTOL[model.dtype.type]


def test_export_errors(trained):
    model, _ = trained
    with pytest.raises(ValueError, match="wrapper"):
        to_ncps_model(model, wrapper="CfC")
    with pytest.raises(TypeError, match="Model"):
        to_ncps_model(model.ltc)
