r"""A trained `Model` as an ncps 1.0.1 (PyTorch) model: the LTC, its dense read-out, its time
settings and its normalisation, in one ``torch.nn.Module``.

What has to travel with the parameters, and how it is carried:

* **Δt and ε.** The model runs at ``model.dt`` (6 for the authors' preset, 1 for ncps's) with
  ``model.epsilon`` (0 or 1e-8); ncps's ``epsilon`` is set to the model's (its default 1e-8 is
  not the authors' 0).
* **The time step in ncps.** ``wrapper="LTC"`` (default) uses ``ncps.torch.LTC`` without
  ``timespans`` — elapsed time 1 — with ``cm / dt`` stored, so that ncps's
  $c = (C_m/\Delta t)\,L / 1$ is the model's $C_m L/\Delta t$; this avoids the ``timespans``
  argument, which is wrong for batches of more than one sequence in ncps 1.0.1 (defect F1,
  ``docs/crosscheck.md``). ``wrapper="LTCCell"`` keeps ``cm`` and drives ``ncps.torch.LTCCell``
  step by step with ``elapsed_time = dt`` of shape ``(B, 1)``, the form that is correct per
  sample.
* **The read-out** ``z = y W + b`` as ``torch.nn.Linear(M, K)`` (weight $W^\top$, bias $b$).
* **The normalisation** (``model.x_scaling``, ``model.y_scaling``) as buffers: the module takes
  raw inputs and returns outputs in the targets' units, as ``predict(model, x, normalise=True)``;
  with ``normalise=False`` it takes normalised inputs, as ``predict(..., normalise=False)``.

torch and ncps are imported inside `to_ncps_model` only (the ``ncps`` extra).
"""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from .model import Model

#: The two ways of running the LTC in ncps (module docstring).
WRAPPERS = ("LTC", "LTCCell")


def _exported_class(torch):
    """The module class (defined lazily: torch is optional)."""

    class NcpsExport(torch.nn.Module):
        """An exported `ltc_ref.training.Model`: ``forward(x)`` with ``x`` ``(B, T, C)`` returns
        ``z`` ``(B, T, K)``; see `ltc_ref.training.export`."""

        def __init__(self, rnn, readout, wrapper, dt, x_scaling, y_scaling, dtype):
            super().__init__()
            self.rnn = rnn
            self.readout = readout
            self.wrapper = wrapper
            self.dt = float(dt)
            for prefix, scaling in (("x", x_scaling), ("y", y_scaling)):
                for part in ("mean", "std"):
                    value = None if scaling is None else getattr(scaling, part)
                    tensor = None if value is None else torch.tensor(np.asarray(value), dtype=dtype)
                    self.register_buffer(f"{prefix}_{part}", tensor)

        def forward(self, x):
            if self.x_mean is not None:
                x = (x - self.x_mean) / self.x_std
            if self.wrapper == "LTC":
                y, _ = self.rnn(x)
            else:
                B = x.shape[0]
                h = torch.zeros(B, self.rnn.state_size, dtype=x.dtype)
                elapsed = torch.full((B, 1), self.dt, dtype=x.dtype)
                ys = []
                for t in range(x.shape[1]):
                    y_t, h = self.rnn(x[:, t], h, elapsed)
                    ys.append(y_t)
                y = torch.stack(ys, 1)
            z = self.readout(y)
            if self.y_mean is not None:
                z = z * self.y_std + self.y_mean
            return z

    return NcpsExport


def to_ncps_model(
    model: Model,
    *,
    wrapper: str = "LTC",
    normalise: bool = True,
    implicit_param_constraints: bool = True,
):
    r"""The trained model as a ``torch.nn.Module`` built on ncps (module docstring).

    Arguments:
        model: a trained `Model` (e.g. ``load_model(run_dir)``).
        wrapper: ``"LTC"`` (``ncps.torch.LTC``, elapsed time 1, ``cm / dt`` stored) or
            ``"LTCCell"`` (``ncps.torch.LTCCell`` once per step with ``elapsed_time = dt``).
        normalise: include the model's stored normalisation (raw inputs in, outputs in the
            targets' units); False: the module takes normalised inputs and returns the model's
            own outputs. Ignored for a model without a stored normalisation.
        implicit_param_constraints: ncps's setting (True, the ``LTC`` default: raw values,
            softplus at run time, so ncps training keeps them positive).

    Returns:
        ``NcpsExport`` (a ``torch.nn.Module``) in the model's dtype, with attributes ``rnn``
        (the ncps model), ``readout`` (``torch.nn.Linear``) and ``dt``; call it on a
        ``(B, T, C)`` tensor. Save it with ``torch.save(module.state_dict(), ...)``.
    """
    from ..interop.ncps import _require_torch, to_ncps

    torch = _require_torch()
    if not isinstance(model, Model):
        raise TypeError(f"model: expected ltc_ref.training.Model, got {type(model).__name__}")
    v.check_choice("wrapper", wrapper, WRAPPERS)
    ltc = model.ltc
    if wrapper == "LTC":
        ltc = ltc.replace(cm=(ltc.cm / ltc.dtype.type(model.dt)).astype(ltc.dtype))
    rnn = to_ncps(
        ltc,
        cell=wrapper == "LTCCell",
        implicit_param_constraints=implicit_param_constraints,
        unfolds=model.unfolds,
        epsilon=model.epsilon,
    )
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    M, K = model.head.W.shape
    with torch.random.fork_rng(devices=[]):  # Linear's initial draws: discarded, and torch's
        readout = torch.nn.Linear(M, K, dtype=dtype)  # global random state is left untouched
    with torch.no_grad():
        readout.weight.copy_(torch.from_numpy(np.array(model.head.W.T)))
        readout.bias.copy_(torch.from_numpy(np.array(model.head.b)))
    scalings = (model.x_scaling, model.y_scaling) if normalise else (None, None)
    return _exported_class(torch)(rnn, readout, wrapper, model.dt, *scalings, dtype)


__all__ = ["WRAPPERS", "to_ncps_model"]
