r"""ncps 1.0.1's Keras backend (``ncps.keras``, Keras 3) ↔ ltc-ref.

``ncps.keras.LTCCell`` computes the same fused step as ncps's PyTorch backend (docs/model.md) and
ltc-ref, with conventions of its own:

1. **Physical values.** ``gleak``, ``cm``, ``w``, ``sensory_w`` are stored as they are, with a
   ``keras.constraints.NonNeg()`` constraint (clipped at 0 after every optimizer step): no raw
   values, no softplus and no ``implicit_param_constraints`` flag (unlike ``ncps.torch``). A
   trained model can therefore hold exact zeros: a zero ``w`` / ``sensory_w`` is a synapse that
   conducts nothing and is read as a mask 0 (`ltc_ref.interop._masks`); a zero ``cm`` or
   ``gleak`` has no physical meaning and is refused.
2. **float32 only** (``add_weight(dtype="float32")``); `to_ncps_keras` rounds float64
   parameters to float32, `from_ncps_keras` returns float32 or, on request, float64 (exact).
3. **Masks are not weights.** ``sparsity_mask`` and ``sensory_sparsity_mask`` are
   ``abs(wiring.adjacency_matrix)`` and ``abs(wiring.sensory_adjacency_matrix)``, fixed when the
   cell is built. `to_ncps_keras` builds the cell on an ``ncps.wirings.Wiring`` whose adjacency
   matrices are ltc-ref's masks (or on the ncps wiring of an `ltc_ref.wirings` recipe).
4. **Δt = 1.** Only the regularly sampled mode works: ``ncps.keras.LTC`` called with
   ``(x, timespans)`` fails (the cell maps the input tuple, AttributeError), so every input step
   has elapsed time 1 and $c = C_m L$. ltc-ref parameters meant for ``dt`` are exported with
   ``cm / dt`` (then $c = (C_m/\Delta t) L$, the same fused step).
5. **Weight names** (Keras 3 ``variable.name``): ``gleak, vleak, cm, sigma, mu, w, erev,
   sensory_sigma, sensory_mu, sensory_w, sensory_erev`` and, per mapping mode, ``input_w``,
   ``input_b``, ``output_w``, ``output_b`` (`KERAS_WEIGHTS`): `SynapticParams`'s field names.

`params_from_keras_weights` converts plain arrays (no Keras needed); `to_ncps_keras` and
`from_ncps_keras` need the ``tf`` extra and ncps (Keras is imported inside them only).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validation as v
from .._extras import install_hint
from ..model.params import SynapticParams
from ._masks import zero_weights_as_mask
from .ncps import (
    _check_mapping,
    _check_representable,
    _map_keys,
    _maps,
    _normalise_mapping,
    ncps_wiring,
)

#: The Keras weights of ``ncps.keras.LTCCell``, in its ``add_weight`` order; the maps' entries
#: exist per mapping mode.
KERAS_WEIGHTS = tuple(f for f in SynapticParams.ARRAY_FIELDS if not f.endswith("sparsity_mask"))
#: The weights under ``keras.constraints.NonNeg()``.
NON_NEGATIVE = SynapticParams.POSITIVE_FIELDS
#: The value a zero conductance (a synapse ``NonNeg`` switched off) gets under its mask 0; any
#: positive value gives the same outputs (the synapse is masked).
MASKED_FILL = 1e-5


def _require_keras():
    try:
        import keras
        import ncps.keras
        import ncps.wirings
    except ImportError as err:
        raise ImportError(
            "ltc_ref.interop.ncps_keras needs Keras 3 and ncps (the ncps-keras extra): "
            f"{install_hint('ncps-keras')}"
        ) from err
    return keras, ncps


def params_from_keras_weights(
    weights: Mapping,
    *,
    sparsity_mask,
    sensory_sparsity_mask,
    input_mapping="affine",
    output_mapping="affine",
    motor_size: int | None = None,
    dtype=np.float32,
) -> SynapticParams:
    r"""ltc-ref parameters from the weights of an ``ncps.keras.LTCCell`` (physical values).

    Exact zeros of ``w`` / ``sensory_w`` (possible under ``NonNeg``) become mask zeros (module
    docstring, point 1). The result runs in ltc-ref with ``dt = 1`` (point 4).

    Arguments:
        weights: weight name → array (``{w.name: w.numpy() for w in cell.weights}``), names as
            in `KERAS_WEIGHTS`.
        sparsity_mask: ``(N, N)`` the wiring's ``abs(adjacency_matrix)``.
        sensory_sparsity_mask: ``(C, N)`` its ``abs(sensory_adjacency_matrix)``.
        input_mapping: the cell's ``input_mapping``: ``"affine"``, ``"linear"`` or ``None``.
        output_mapping: the cell's ``output_mapping``.
        motor_size: M; required when ``output_mapping`` is ``None``, checked otherwise.
        dtype: float32 (Keras's) or float64 (exact).

    Returns:
        `SynapticParams`.

    Raises:
        ValueError: missing or unexpected weights, ``cm`` or ``gleak`` not > 0, negative
            conductances, masks that are not 0/1 or of the wrong shape.
    """
    dtype = v.check_dtype("dtype", dtype)
    _check_mapping("input_mapping", input_mapping)
    _check_mapping("output_mapping", output_mapping)
    present = set(_map_keys("input", input_mapping)) | set(_map_keys("output", output_mapping))
    wanted = [k for k in KERAS_WEIGHTS if not k.startswith(("input_", "output_")) or k in present]
    missing = [k for k in wanted if k not in weights]
    extra = [k for k in weights if k not in wanted]
    if missing or extra:
        raise ValueError(
            f"weights: missing {missing}, unexpected {extra} (input_mapping={input_mapping!r}, "
            f"output_mapping={output_mapping!r}; names are {list(KERAS_WEIGHTS)})"
        )
    a = {k: v.as_array(f"weights[{k!r}]", weights[k]).astype(dtype) for k in wanted}
    N, C = a["gleak"].shape[0], a["sensory_w"].shape[0]
    masks = {
        "sparsity_mask": v.as_array("sparsity_mask", sparsity_mask, shape=(N, N)).astype(dtype),
        "sensory_sparsity_mask": v.as_array(
            "sensory_sparsity_mask", sensory_sparsity_mask, shape=(C, N)
        ).astype(dtype),
    }
    for name in NON_NEGATIVE:
        if np.any(~(a[name] >= 0)):
            raise ValueError(
                f"weights[{name!r}]: negative or NaN entries (min {float(np.min(a[name]))!r}); "
                "ncps.keras keeps them >= 0 with NonNeg"
            )
    for name in ("cm", "gleak"):
        if np.any(a[name] == 0):
            raise ValueError(
                f"weights[{name!r}]: exact zeros (NonNeg clipped them); a zero capacitance or "
                "leak conductance has no physical meaning and ltc-ref refuses it"
            )
    a["w"], masks["sparsity_mask"] = zero_weights_as_mask(
        a["w"], masks["sparsity_mask"], MASKED_FILL
    )
    a["sensory_w"], masks["sensory_sparsity_mask"] = zero_weights_as_mask(
        a["sensory_w"], masks["sensory_sparsity_mask"], MASKED_FILL
    )
    a.update(_maps(a, input_mapping, output_mapping, motor_size, N, C, dtype))
    return SynapticParams(**a, **masks)


def keras_weights(
    params: SynapticParams, *, dt=1.0, input_mapping="affine", output_mapping="affine"
):
    r"""The ``ncps.keras.LTCCell`` weights (float32 physical values) that compute
    ``ltc_ref.forward(params, x, dt=dt, ...)`` at ncps's elapsed time 1: ``cm / dt`` (module
    docstring, point 4), the rest as it is.

    Arguments:
        params: `SynapticParams`.
        dt: the elapsed time ``params`` are meant to run with in ltc-ref (> 0, a scalar).
        input_mapping: the target cell's ``input_mapping``; ``params``'s input map must be
            representable in it.
        output_mapping: the target cell's ``output_mapping``, likewise.

    Returns:
        dict weight name → float32 array (the masks are not weights: build the cell on a
        wiring that holds them, as `to_ncps_keras` does).
    """
    if not isinstance(params, SynapticParams):
        raise TypeError(f"params: expected SynapticParams, got {type(params).__name__}")
    dt = v.check_real("dt", dt)
    if not dt > 0:
        raise ValueError(f"dt: expected a scalar > 0, got {dt}")
    for kind, mapping in (("input", input_mapping), ("output", output_mapping)):
        _check_mapping(f"{kind}_mapping", mapping)
        _check_representable(params, kind, mapping)
    keep = set(_map_keys("input", input_mapping)) | set(_map_keys("output", output_mapping))
    out = {}
    for name in KERAS_WEIGHTS:
        if name.startswith(("input_", "output_")) and name not in keep:
            continue
        value = getattr(params, name)
        out[name] = np.asarray(value / dt if name == "cm" else value, dtype=np.float32)
    return out


def _wiring_of(params: SynapticParams, ncps):
    """An ``ncps.wirings.Wiring`` whose adjacency matrices are ``params``'s masks."""
    wiring = ncps.wirings.Wiring(params.n_units)
    wiring.set_output_dim(params.n_outputs)
    wiring.set_input_dim(params.n_inputs)
    wiring.adjacency_matrix = params.sparsity_mask.astype(np.int32)
    wiring.sensory_adjacency_matrix = params.sensory_sparsity_mask.astype(np.int32)
    return wiring


def to_ncps_keras(
    params: SynapticParams,
    *,
    dt=1.0,
    wiring=None,
    cell: bool = False,
    input_mapping="affine",
    output_mapping="affine",
    unfolds: int = 6,
    epsilon: float = 1e-8,
):
    r"""An ``ncps.keras`` model computing ``ltc_ref.forward(params, x, dt=dt, unfolds=unfolds,
    epsilon=epsilon)`` in float32.

    Arguments:
        params: `SynapticParams` (float64 values are rounded to float32).
        dt: the elapsed time of an input step in ltc-ref; ncps.keras runs at 1, so ``cm / dt``
            is stored.
        wiring: an `ltc_ref.wirings` recipe whose ncps wiring the model is built on (its masks
            must equal ``params``'s), or ``None``: a plain ``ncps.wirings.Wiring`` holding
            ``params``'s masks.
        cell: return the built ``ncps.keras.LTCCell`` instead of an ``ncps.keras.LTC``
            (``return_sequences=True``).
        input_mapping: ``"affine"``, ``"linear"`` or ``None``.
        output_mapping: likewise.
        unfolds: ncps's ``ode_unfolds``.
        epsilon: ncps's ``epsilon`` (its default 1e-8; ltc-ref's and the authors' is 0).

    Returns:
        ``ncps.keras.LTC`` (call it on ``(B, T, C)`` float32 inputs) or ``ncps.keras.LTCCell``,
        built, weights loaded.
    """
    _, ncps = _require_keras()
    weights = keras_weights(
        params, dt=dt, input_mapping=input_mapping, output_mapping=output_mapping
    )
    # An ncps wiring is built by the cell (ncps's build is not idempotent: do not build it here).
    wired = _wiring_of(params, ncps) if wiring is None else ncps_wiring(wiring)
    kw = dict(
        input_mapping=input_mapping,
        output_mapping=output_mapping,
        ode_unfolds=v.check_int("unfolds", unfolds, minimum=1),
        epsilon=v.check_real("epsilon", epsilon, minimum=0.0),
    )
    if cell:
        model = ncps.keras.LTCCell(wired, **kw)
        model.build((None, params.n_inputs))
        the_cell = model
    else:
        model = ncps.keras.LTC(wired, return_sequences=True, **kw)
        model.build((None, None, params.n_inputs))
        the_cell = model.cell
    if not (
        np.array_equal(np.abs(wired.adjacency_matrix), params.sparsity_mask)
        and np.array_equal(np.abs(wired.sensory_adjacency_matrix), params.sensory_sparsity_mask)
    ):
        raise ValueError("wiring: its masks differ from params.sparsity_mask / sensory mask")
    for variable in the_cell.weights:
        variable.assign(weights[variable.name])
    return model


def from_ncps_keras(model, *, dtype=np.float32):
    """ltc-ref parameters and forward settings of an ``ncps.keras.LTC`` or ``LTCCell`` (built).

    Arguments:
        model: ``ncps.keras.LTC`` (without mixed memory) or ``ncps.keras.LTCCell``.
        dtype: float32 (the model's) or float64.

    Returns:
        params (SynapticParams): the model's parameters (physical values).
        kwargs (dict): ``{"dt": 1.0, "unfolds": L, "epsilon": ε}`` for `ltc_ref.forward`
            (ncps.keras runs at elapsed time 1, module docstring).
    """
    _, ncps = _require_keras()
    if isinstance(model, ncps.keras.LTC):
        if isinstance(model.cell, ncps.keras.MixedMemoryRNN):
            raise ValueError("model: mixed_memory=True is not supported (an LSTM drives the state)")
        the_cell = model.cell
    elif isinstance(model, ncps.keras.LTCCell):
        the_cell = model
    else:
        raise TypeError(
            f"model: expected ncps.keras.LTC or ncps.keras.LTCCell, got {type(model).__name__}"
        )
    if not the_cell.built:
        raise ValueError("model: not built yet (call it on an input, or model.build(shape))")
    params = params_from_keras_weights(
        {w.name: np.asarray(w.numpy()) for w in the_cell.weights},
        sparsity_mask=np.abs(the_cell.wiring.adjacency_matrix),
        sensory_sparsity_mask=np.abs(the_cell.wiring.sensory_adjacency_matrix),
        input_mapping=_normalise_mapping(the_cell._input_mapping),
        output_mapping=_normalise_mapping(the_cell._output_mapping),
        motor_size=the_cell.motor_size,
        dtype=dtype,
    )
    kwargs = {"dt": 1.0, "unfolds": int(the_cell._ode_unfolds), "epsilon": float(the_cell._epsilon)}
    return params, kwargs


__all__ = [
    "KERAS_WEIGHTS",
    "MASKED_FILL",
    "NON_NEGATIVE",
    "from_ncps_keras",
    "keras_weights",
    "params_from_keras_weights",
    "to_ncps_keras",
]
