r"""ncps 1.0.1 (PyTorch) ↔ ltc-ref: parameters, wirings and models.

ncps's ``LTCCell`` computes the conductance form's fused step (docs/model.md, docs/crosscheck.md)
with three conventions of its own, which this module converts:

1. **Raw parameters.** With ``implicit_param_constraints=True`` (the ``LTC`` wrapper's default)
   ncps stores ``w``, ``sensory_w``, ``cm`` and ``gleak`` as unconstrained raw values $r$ and uses
   $\varphi(r)$ at run time, where $\varphi$ is ``torch.nn.Softplus()`` — beta 1 *and threshold
   20*: $\varphi(r) = \log(1 + e^{r})$ for $r \le 20$, $\varphi(r) = r$ above (not exactly
   softplus: $\log(1 + e^{20}) - 20 \approx 2\cdot 10^{-9}$). `ncps_softplus` reproduces it.
   With ``False`` (the bare ``LTCCell``'s default) the values are used as they are.
2. **Input and output maps.** ``input_mapping`` / ``output_mapping``: ``"affine"`` (``*_w`` and
   ``*_b`` in the state dict), ``"linear"`` (``*_w`` only; the bias is 0) or ``None`` (neither;
   weight 1, bias 0). ncps treats any other string as ``None``.
3. **Key prefix.** An ``LTC`` module's state dict has keys ``rnn_cell.<field>``; an ``LTCCell``'s
   has ``<field>``. The field names are `SynapticParams`'s.

ncps's ``ode_unfolds`` and ``epsilon`` become ``ltc_ref.forward(..., unfolds=, epsilon=)``; its
``timespans`` / ``elapsed_time`` become ``dt`` (see ``docs/crosscheck.md`` for the per-sample
``timespans`` defect of ncps's ``LTC`` wrapper).

torch and ncps are imported only inside the functions that need them (`params_to_state_dict`,
`ncps_wiring`, `to_ncps`, `from_ncps`): `params_from_state_dict` and `grads_from_state_dict` also
accept plain NumPy arrays.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .. import _validation as v
from .._extras import install_hint
from ..model.params import SynapticParams, softplus_inverse

#: ``torch.nn.Softplus``'s default threshold: above it the map is the identity.
TORCH_SOFTPLUS_THRESHOLD = 20.0
#: The fields ncps passes through its positivity map.
POSITIVE_FIELDS = SynapticParams.POSITIVE_FIELDS
#: ncps's parameter (and state dict) order; the maps' entries are present per mapping mode.
STATE_DICT_ORDER = SynapticParams.ARRAY_FIELDS
#: The prefix of an ``ncps.torch.LTC`` module's cell parameters.
LTC_PREFIX = "rnn_cell."
MAPPINGS = ("affine", "linear", None)


def _require_torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            f"ltc_ref.interop.ncps needs torch and ncps (the ncps extra): {install_hint('ncps')}"
        ) from err
    return torch


def _require_ncps():
    _require_torch()
    try:
        import ncps.torch
        import ncps.wirings
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            f"ltc_ref.interop.ncps needs ncps (the ncps extra): {install_hint('ncps')}"
        ) from err
    return ncps


def _require_ncps_wirings():
    """ncps's wirings alone (shared by its backends; no torch needed)."""
    try:
        import ncps.wirings
    except ImportError as err:  # pragma: no cover - exercised only without ncps
        raise ImportError("ncps_wiring needs ncps: pip install ncps==1.0.1") from err
    return ncps


# ---- ncps's positivity map ------------------------------------------------------------------


def ncps_softplus(raw):
    r"""ncps's positivity map, ``torch.nn.Softplus()`` (beta 1, threshold 20), in NumPy:
    $\varphi(r) = \log(1 + e^{r})$ for $r \le 20$ and $\varphi(r) = r$ for $r > 20$.

    Arguments:
        raw: array of raw values.

    Returns:
        Array of the same shape and dtype.
    """
    raw = np.asarray(raw)
    safe = np.minimum(raw, TORCH_SOFTPLUS_THRESHOLD)  # no overflow in the branch not taken
    return np.where(raw > TORCH_SOFTPLUS_THRESHOLD, raw, np.log1p(np.exp(safe)))


def ncps_softplus_inverse(x):
    r"""The raw value $r$ with `ncps_softplus` $(r) = x$: $x$ itself above the threshold
    (where ncps's map is the identity), `ltc_ref.softplus_inverse` $(x) = \log(e^x - 1)$ below.

    Arguments:
        x: array, every entry > 0.

    Returns:
        Array of the same shape and dtype.
    """
    x = np.asarray(x)
    below = np.minimum(x, TORCH_SOFTPLUS_THRESHOLD)
    return np.where(x > TORCH_SOFTPLUS_THRESHOLD, x, softplus_inverse(below))


def ncps_softplus_grad(raw):
    r"""$\varphi'(r)$ as torch's Softplus backward computes it: $\sigma(r) = e^r / (1 + e^r)$
    for $r \le 20$, 1 above.

    Arguments:
        raw: array of raw values.

    Returns:
        Array of the same shape, in (0, 1].
    """
    raw = np.asarray(raw)
    safe = np.minimum(raw, TORCH_SOFTPLUS_THRESHOLD)
    return np.where(raw > TORCH_SOFTPLUS_THRESHOLD, 1.0, 1.0 / (1.0 + np.exp(-safe)))


# ---- state dicts ------------------------------------------------------------------------------


def _check_mapping(name: str, mapping):
    if mapping not in MAPPINGS:
        raise ValueError(f"{name}: expected 'affine', 'linear' or None, got {mapping!r}")
    return mapping


def _check_flag(implicit_param_constraints) -> None:
    # A bool exactly (numpy bools too): a truthy string such as "False" must not pass.
    if not isinstance(implicit_param_constraints, (bool, np.bool_)):
        raise TypeError(
            "implicit_param_constraints: expected True (the state dict holds ncps's raw values, "
            "softplus applied at run time: LTC's default) or False (physical values: LTCCell's "
            f"default), got {implicit_param_constraints!r}"
        )


def _to_numpy(name: str, value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor (or Parameter)
        if str(getattr(value, "dtype", "")) not in ("torch.float32", "torch.float64"):
            raise TypeError(
                f"state_dict[{name!r}]: expected a float32 or float64 tensor, got {value.dtype} "
                "(convert the model with .float() or .double())"
            )
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype not in (np.float32, np.float64):
        raise TypeError(f"state_dict[{name!r}]: expected float32 or float64, got {arr.dtype}")
    return arr


def _strip_prefix(state_dict: Mapping, name: str = "state_dict") -> dict:
    """Keys without the ``rnn_cell.`` prefix; mixed-memory and unknown keys are errors."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"{name}: expected a mapping key -> tensor (module.state_dict()), got "
            f"{type(state_dict).__name__}"
        )
    out = {}
    for key, value in state_dict.items():
        if key.startswith("lstm."):
            raise ValueError(
                f"state_dict: key {key!r} belongs to the LSTM of an LTC with mixed_memory=True; "
                "ltc-ref implements the LTC alone (the mixed-memory LSTM overwrites its state)"
            )
        name = key[len(LTC_PREFIX) :] if key.startswith(LTC_PREFIX) else key
        if name not in STATE_DICT_ORDER:
            raise ValueError(
                f"state_dict: unknown key {key!r}; expected ncps LTCCell parameters "
                f"{list(STATE_DICT_ORDER)}, optionally prefixed with {LTC_PREFIX!r}"
            )
        out[name] = value
    return out


def _map_keys(kind: str, mapping) -> tuple[str, ...]:
    return {"affine": (f"{kind}_w", f"{kind}_b"), "linear": (f"{kind}_w",), None: ()}[mapping]


def params_from_state_dict(
    state_dict: Mapping,
    *,
    implicit_param_constraints: bool,
    input_mapping="affine",
    output_mapping="affine",
    motor_size: int | None = None,
) -> SynapticParams:
    r"""ltc-ref parameters from an ncps ``LTC`` / ``LTCCell`` state dict.

    The positive fields (``w``, ``sensory_w``, ``cm``, ``gleak``) become $\varphi$(raw) with
    ncps's map (`ncps_softplus`) when ``implicit_param_constraints`` is True, and are taken as
    they are otherwise; ``erev``, masks and the rest are copied. Missing maps are filled with
    weight 1 and bias 0.

    ``implicit_param_constraints`` has no default: a state dict does not say whether its values
    are raw, and a guess is silently wrong (softplus applied to physical values changes every
    output, with no error). Read it from the model (``model.rnn_cell._implicit_param_constraints``
    for an ``LTC``, ``cell._implicit_param_constraints`` for an ``LTCCell``), or use `from_ncps`,
    which does.

    Arguments:
        state_dict: mapping key → torch tensor or NumPy array; keys with or without the
            ``rnn_cell.`` prefix (``module.state_dict()`` of an ``LTC`` or an ``LTCCell``).
        implicit_param_constraints: required, the model's setting (``LTC``'s default True:
            raw values; ``LTCCell``'s default False: physical values).
        input_mapping: the model's ``input_mapping``: ``"affine"``, ``"linear"`` or ``None``.
        output_mapping: the model's ``output_mapping``.
        motor_size: M, the number of outputs; needed only when ``output_mapping`` is ``None``
            (the state dict then has no ``output_w`` to read M from). With an output map it must
            equal ``len(output_w)`` if given.

    Returns:
        `SynapticParams` in the state dict's dtype (float32, or float64 after ``.double()``).

    Raises:
        ValueError: missing or unexpected keys for the mapping modes, a mixed-memory model, or a
            positive field <= 0 without implicit constraints (the bare cell does not clip it;
            ncps's ``apply_weight_constraints()`` would set it to 0, which has no physical meaning
            either).
    """
    _check_flag(implicit_param_constraints)
    _check_mapping("input_mapping", input_mapping)
    _check_mapping("output_mapping", output_mapping)
    sd = _strip_prefix(state_dict)
    present_maps = set(_map_keys("input", input_mapping)) | set(_map_keys("output", output_mapping))
    required = [k for k in STATE_DICT_ORDER if not k.startswith(("input_", "output_"))]
    required += sorted(present_maps)
    missing = [k for k in required if k not in sd]
    if missing:
        raise ValueError(
            f"state_dict: missing keys {missing} (input_mapping={input_mapping!r}, "
            f"output_mapping={output_mapping!r})"
        )
    extra = [k for k in sd if k.startswith(("input_", "output_")) and k not in present_maps]
    if extra:
        raise ValueError(
            f"state_dict: keys {extra} do not belong to input_mapping={input_mapping!r}, "
            f"output_mapping={output_mapping!r}; pass the model's mapping modes"
        )
    arrays = {k: _to_numpy(k, a) for k, a in sd.items()}
    dtype = arrays["gleak"].dtype
    _check_one_dtype("state_dict", arrays, dtype)
    N, C = arrays["gleak"].shape[0], arrays["sensory_w"].shape[0]

    fields = {}
    for name in required:
        if name.startswith(("input_", "output_")):
            continue
        arr = arrays[name]
        if name in POSITIVE_FIELDS:
            if implicit_param_constraints:
                arr = ncps_softplus(arr)
            elif np.any(~(arr > 0)):
                raise ValueError(
                    f"state_dict[{name!r}]: entries <= 0 with implicit_param_constraints=False "
                    f"(min {np.min(arr):g}); ncps's bare LTCCell does not constrain {name}, and "
                    "a non-positive conductance or capacitance has no physical meaning"
                )
        fields[name] = arr

    fields.update(_maps(arrays, input_mapping, output_mapping, motor_size, N, C, dtype))
    return SynapticParams(**{k: np.asarray(a, dtype=dtype) for k, a in fields.items()})


def _maps(arrays, input_mapping, output_mapping, motor_size, N: int, C: int, dtype) -> dict:
    """``input_w, input_b, output_w, output_b`` from ``arrays`` per mapping mode (weight 1 and
    bias 0 where the mode has none) and M from ``output_w`` or ``motor_size``. Shared by the
    PyTorch and Keras converters (ncps's two backends have the same mapping modes)."""
    if output_mapping:
        M = arrays["output_w"].shape[0]
        if motor_size is not None and motor_size != M:
            raise ValueError(f"motor_size: {motor_size} != len(output_w) = {M}")
    else:
        if motor_size is None:
            raise ValueError(
                "motor_size: required when output_mapping is None (the model has no "
                "output_w to read M from); pass the wiring's output_dim"
            )
        M = v.check_int("motor_size", motor_size, minimum=1)
        if M > N:
            raise ValueError(f"motor_size: expected 1 <= motor_size <= N = {N}, got {M}")
    return {
        "input_w": arrays["input_w"] if input_mapping else np.ones(C, dtype),
        "input_b": arrays["input_b"] if input_mapping == "affine" else np.zeros(C, dtype),
        "output_w": arrays["output_w"] if output_mapping else np.ones(M, dtype),
        "output_b": arrays["output_b"] if output_mapping == "affine" else np.zeros(M, dtype),
    }


def _check_representable(params, kind: str, mapping):
    w, b = getattr(params, f"{kind}_w"), getattr(params, f"{kind}_b")
    if mapping in ("linear", None) and np.any(b != 0):
        raise ValueError(
            f"{kind}_mapping={mapping!r} has no bias, but params.{kind}_b is not 0; use 'affine'"
        )
    if mapping is None and np.any(w != 1):
        raise ValueError(
            f"{kind}_mapping=None has no weight, but params.{kind}_w is not 1; use 'linear' or "
            "'affine'"
        )


def params_to_state_dict(
    params: SynapticParams,
    *,
    implicit_param_constraints: bool = True,
    input_mapping="affine",
    output_mapping="affine",
    prefix: str = LTC_PREFIX,
):
    r"""An ncps state dict (torch tensors) holding ``params``; load it with
    ``model.load_state_dict(...)`` (ncps ignores re-assigned attributes, so this is the way).

    Positive fields are stored raw, `ncps_softplus_inverse` (value), when
    ``implicit_param_constraints`` is True (then ncps's run-time map gives the value back to
    rounding), as they are otherwise.

    Arguments:
        params: `SynapticParams`.
        implicit_param_constraints: the target model's setting.
        input_mapping: the target model's ``input_mapping`` (``"affine"``, ``"linear"``,
            ``None``); the parameters' input map must be representable in it.
        output_mapping: the target model's ``output_mapping``, likewise.
        prefix: ``"rnn_cell."`` for an ``LTC`` module (default), ``""`` for an ``LTCCell``.

    Returns:
        ``OrderedDict`` key → ``torch.Tensor`` in ncps's parameter order, in the parameters'
        dtype.
    """
    torch = _require_torch()
    if not isinstance(params, SynapticParams):
        raise TypeError(f"params: expected SynapticParams, got {type(params).__name__}")
    _check_mapping("input_mapping", input_mapping)
    _check_mapping("output_mapping", output_mapping)
    _check_representable(params, "input", input_mapping)
    _check_representable(params, "output", output_mapping)
    keep = set(_map_keys("input", input_mapping)) | set(_map_keys("output", output_mapping))
    out = OrderedDict()
    for name in STATE_DICT_ORDER:
        if name.startswith(("input_", "output_")) and name not in keep:
            continue
        arr = getattr(params, name)
        if implicit_param_constraints and name in POSITIVE_FIELDS:
            arr = ncps_softplus_inverse(arr)
        out[prefix + name] = torch.from_numpy(np.array(arr, dtype=params.dtype))
    return out


def grads_from_state_dict(grads: Mapping, state_dict: Mapping, *, implicit_param_constraints: bool):
    r"""Cotangents of ltc-ref's physical values from ncps's gradients (of its raw parameters).

    For the positive fields with implicit constraints, $\bar x = \bar r / \varphi'(r)$ with
    ncps's $\varphi$ (`ncps_softplus_grad`, torch's Softplus backward); other fields are
    copied. Masks have no gradient in ncps (``requires_grad=False``) and are skipped, as are
    ``None`` entries.

    Arguments:
        grads: key → gradient (``{k: p.grad for k, p in model.named_parameters()}``).
        state_dict: the model's state dict (for the raw values).
        implicit_param_constraints: required (as for `params_from_state_dict`): the model's
            setting.

    Returns:
        dict field → NumPy array (cotangent of the physical value, as in `ltc_ref.vjp`).
    """
    _check_flag(implicit_param_constraints)
    raw = {k: _to_numpy(k, a) for k, a in _strip_prefix(state_dict).items()}
    if "gleak" in raw:
        _check_one_dtype("state_dict", raw, raw["gleak"].dtype)
    out = {}
    for name, g in _strip_prefix(grads, "grads").items():
        if g is None or name in SynapticParams.MASK_FIELDS:
            continue
        g = _to_numpy(name, g)
        if name in raw and g.dtype != raw[name].dtype:
            raise TypeError(
                f"grads[{name!r}]: dtype {g.dtype}, but the state dict's {name!r} is "
                f"{raw[name].dtype}"
            )
        v.check_finite(f"grads[{name!r}]", g)
        if implicit_param_constraints and name in POSITIVE_FIELDS:
            # x̄ = r̄ / φ'(r), in float64: φ'(r) = σ(r) underflows to 0 in float32 for r <= -104
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                x_bar = g.astype(np.float64) / ncps_softplus_grad(raw[name].astype(np.float64))
                x_bar_cast = x_bar.astype(g.dtype)
            bad = ~np.isfinite(x_bar_cast)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(
                    f"grads[{name!r}]: the cotangent of the physical value, r̄ / φ'(r), is not "
                    f"representable in {g.dtype} at index {idx} (raw value r = "
                    f"{raw[name][idx]:.6g}, gradient r̄ = {g[idx]:.6g}): φ'(r) = σ(r) "
                    "underflows there, so ncps's gradient no longer determines it"
                )
            g = x_bar_cast
        out[name] = g
    return out


def _check_one_dtype(what: str, arrays: dict, dtype) -> None:
    """Refuse a state dict whose tensors mix float32 and float64 (one would be cast silently)."""
    for key, a in arrays.items():
        if a.dtype != dtype:
            raise TypeError(
                f"{what}[{key!r}]: dtype {a.dtype}, but {what}['gleak'] is {dtype}: all tensors "
                "must share one dtype (convert the model with .float() or .double())"
            )


# ---- wirings and models -----------------------------------------------------------------------


def ncps_wiring(recipe):
    """The ncps wiring (not built) with the same arguments as an `ltc_ref.wirings` recipe.

    ``ncps.torch.LTC(C, ncps_wiring(recipe))`` then holds ``recipe.build(C)``'s masks and signs
    (ncps builds the wiring inside the model; do not build it yourself first: ncps's ``build`` is
    not idempotent, see `ltc_ref.wirings`).

    Arguments:
        recipe: `ltc_ref.FullyConnected`, `ltc_ref.Random`, `ltc_ref.NCP` or `ltc_ref.AutoNCP`.

    Returns:
        The matching ``ncps.wirings`` instance (for either backend: ``ncps.torch`` and
        ``ncps.keras`` share the wirings; torch is not needed here).
    """
    ncps = _require_ncps_wirings()
    from .. import wirings as ours

    w = ncps.wirings
    if isinstance(recipe, ours.FullyConnected):
        return w.FullyConnected(
            recipe.units, recipe.output_dim, recipe.erev_init_seed, recipe.self_connections
        )
    if isinstance(recipe, ours.Random):
        return w.Random(recipe.units, recipe.output_dim, recipe.sparsity_level, recipe.random_seed)
    if isinstance(recipe, ours.AutoNCP):
        return w.AutoNCP(recipe.units, recipe.output_size, recipe.sparsity_level, recipe.seed)
    if isinstance(recipe, ours.NCP):
        return w.NCP(
            recipe.inter_neurons,
            recipe.command_neurons,
            recipe.motor_neurons,
            recipe.sensory_fanout,
            recipe.inter_fanout,
            recipe.recurrent_command_synapses,
            recipe.motor_fanin,
            recipe.seed,
        )
    raise TypeError(
        "recipe: expected ltc_ref.FullyConnected, Random, NCP or AutoNCP, "
        f"got {type(recipe).__name__}"
    )


def to_ncps(
    params: SynapticParams,
    *,
    wiring=None,
    cell: bool = False,
    implicit_param_constraints: bool = True,
    input_mapping="affine",
    output_mapping="affine",
    unfolds: int = 6,
    epsilon: float = 1e-8,
):
    """An ncps model computing the same function as ``ltc_ref.forward(params, ...,
    unfolds=unfolds, epsilon=epsilon)``.

    Arguments:
        params: `SynapticParams` (the model gets their dtype).
        wiring: an `ltc_ref.wirings` recipe to build the ncps wiring from (its masks must equal
            ``params``'s), or ``None``: a ``FullyConnected(N, output_dim=M)`` placeholder whose
            masks and signs are then overwritten by ``params``'s.
        cell: return an ``ncps.torch.LTCCell`` instead of an ``ncps.torch.LTC``.
        implicit_param_constraints: the ncps setting (stored raw values if True).
        input_mapping: ``"affine"``, ``"linear"`` or ``None``.
        output_mapping: likewise.
        unfolds: ncps's ``ode_unfolds``.
        epsilon: ncps's ``epsilon``; the default is ncps's 1e-8, while `ltc_ref.forward`'s and
            the authors' is 0: pass the value the parameters are run with. For a model trained
            with ``ltc-ref train`` use `ltc_ref.training.to_ncps_model`, which sets it (and
            ``dt`` and the read-out) from the model.

    Returns:
        ``ncps.torch.LTC`` (or ``LTCCell``) with the parameters loaded. torch's global random
        state is left untouched (ncps draws initial values, discarded here, from it).
    """
    torch = _require_torch()
    ncps = _require_ncps()
    N, C, M = params.n_units, params.n_inputs, params.n_outputs
    wired = ncps.wirings.FullyConnected(N, output_dim=M) if wiring is None else ncps_wiring(wiring)
    kw = dict(
        input_mapping=input_mapping,
        output_mapping=output_mapping,
        ode_unfolds=v.check_int("unfolds", unfolds, minimum=1),
        epsilon=v.check_real("epsilon", epsilon, minimum=0.0),
        implicit_param_constraints=implicit_param_constraints,
    )
    with torch.random.fork_rng(devices=[]):
        if cell:
            model = ncps.torch.LTCCell(wired, in_features=C, **kw)
        else:
            model = ncps.torch.LTC(C, wired, **kw)
    if wiring is not None:
        built = model.state_dict()
        key = "sparsity_mask" if cell else LTC_PREFIX + "sparsity_mask"
        skey = "sensory_" + key if cell else LTC_PREFIX + "sensory_sparsity_mask"
        if not (
            np.array_equal(built[key].numpy(), params.sparsity_mask)
            and np.array_equal(built[skey].numpy(), params.sensory_sparsity_mask)
        ):
            raise ValueError("wiring: its masks differ from params.sparsity_mask / sensory mask")
    model = model.to(torch.float64 if params.dtype == np.float64 else torch.float32)
    sd = params_to_state_dict(
        params,
        implicit_param_constraints=implicit_param_constraints,
        input_mapping=input_mapping,
        output_mapping=output_mapping,
        prefix="" if cell else LTC_PREFIX,
    )
    model.load_state_dict(sd)
    return model


def _normalise_mapping(mapping):
    # ncps: "affine" and "linear" are recognised, anything else means no map.
    return mapping if mapping in ("affine", "linear") else None


def from_ncps(model):
    """ltc-ref parameters and forward settings of an ncps ``LTC`` or ``LTCCell``.

    Reads the model's settings (positivity map, mapping modes, motor size, ``ode_unfolds``,
    ``epsilon``) and its state dict.

    Arguments:
        model: ``ncps.torch.LTC`` (without mixed memory) or ``ncps.torch.LTCCell``.

    Returns:
        params (SynapticParams): the model's parameters (physical values).
        kwargs (dict): ``{"unfolds": L, "epsilon": ε}`` for `ltc_ref.forward` (add ``dt`` for
            ncps's ``timespans`` / ``elapsed_time``).
    """
    ncps = _require_ncps()
    if isinstance(model, ncps.torch.LTC):
        if model.use_mixed:
            raise ValueError("model: mixed_memory=True is not supported (an LSTM drives the state)")
        the_cell = model.rnn_cell
    elif isinstance(model, ncps.torch.LTCCell):
        the_cell = model
    else:
        raise TypeError(f"model: expected ncps.torch.LTC or LTCCell, got {type(model).__name__}")
    params = params_from_state_dict(
        model.state_dict(),
        implicit_param_constraints=bool(the_cell._implicit_param_constraints),
        input_mapping=_normalise_mapping(the_cell._input_mapping),
        output_mapping=_normalise_mapping(the_cell._output_mapping),
        motor_size=the_cell.motor_size,
    )
    return params, {"unfolds": int(the_cell._ode_unfolds), "epsilon": float(the_cell._epsilon)}


__all__ = [
    "LTC_PREFIX",
    "TORCH_SOFTPLUS_THRESHOLD",
    "from_ncps",
    "grads_from_state_dict",
    "ncps_softplus",
    "ncps_softplus_grad",
    "ncps_softplus_inverse",
    "ncps_wiring",
    "params_from_state_dict",
    "params_to_state_dict",
    "to_ncps",
]
