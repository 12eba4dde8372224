"""Helpers of the hand-written VJPs, shared by the two forms (`.paper`, `.conductance`), the
solvers and backpropagation through time: cotangents of parameters that were broadcast over the
batch are summed back to the parameter's shape, and cotangents from several uses add up."""

from __future__ import annotations

from collections.abc import Mapping

import autograd.numpy as np
import numpy as onp


def sum_batch(g, ndim=1):
    """Sum ``g`` over all but its last ``ndim`` axes (the cotangent of a broadcast parameter)."""
    return np.sum(g, axis=tuple(range(np.ndim(g) - ndim))) if np.ndim(g) > ndim else g


def sum_outer(a, b):
    r"""$\sum_{batch} a^T b$: the cotangent of a matrix ``W`` in ``a @ W``, ``(i, j)``."""
    rows = int(np.prod(np.shape(a)[:-1]))  # explicit: a reshape to -1 fails when C = 0
    return np.reshape(a, (rows, np.shape(a)[-1])).T @ np.reshape(b, (rows, np.shape(b)[-1]))


def reduce_to(g, like):
    """Sum ``g`` down to the shape of ``like`` (a scalar or an array that was broadcast)."""
    shape = np.shape(like)
    if shape == np.shape(g):
        return g
    if shape == ():
        return np.sum(g)
    lead = np.ndim(g) - len(shape)
    g = np.sum(g, axis=tuple(range(lead))) if lead > 0 else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


def add_cotangents(total: dict, part: dict) -> dict:
    """Accumulate parameter cotangents ``part`` into ``total`` (dicts ``{field: array}``)."""
    for name, g in part.items():
        total[name] = total[name] + g if name in total else g
    return total


def add_drive_cotangents(a, b):
    """Add two drive cotangents (an array in the paper's form, a pair in the conductance form)."""
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b, strict=True))
    return a + b


# --------------------------------------------------------------------------------------------
# The cotangent container returned by ltc_ref.vjp
# --------------------------------------------------------------------------------------------


class Cotangents:
    r"""The cotangents (gradients) $\bar\theta$ of every array field of a parameter container,
    at the point ``params`` where they were computed: what `ltc_ref.vjp` returns as
    ``g_params``.

    A type of its own, not a parameter container: a cotangent of a positive field (``tau``,
    ``cm``, ``w`` …) is any real number, a mask's cotangent any real. Fields are read as
    attributes (``g.tau``, ``g.w``: ndarrays of the field's shape and the parameters' dtype,
    read-only); ``g.params`` is the point.

    Arguments:
        params: the `PaperParams` or `SynapticParams` the cotangents belong to.
        fields: ``{field: array}`` for some or all of ``params.ARRAY_FIELDS`` (missing ones are
            zeros); every array must have the field's shape, be finite, and be of the
            parameters' dtype (integers and Python numbers are converted, as for any input).

    Raises:
        TypeError, ValueError: naming the field (an unknown name, a shape, dtype or a
            non-finite entry).
    """

    __slots__ = ("_fields", "params")

    def __init__(self, params, fields):
        from .. import _validation as v
        from .params import PaperParams, SynapticParams

        if not isinstance(params, (PaperParams, SynapticParams)):
            raise TypeError(
                f"params: expected a PaperParams or SynapticParams, got {type(params).__name__}"
            )
        if not isinstance(fields, Mapping):
            raise TypeError(
                f"fields: expected a mapping {{field: array}}, got {type(fields).__name__}"
            )
        unknown = sorted(set(fields) - set(params.ARRAY_FIELDS))
        if unknown:
            raise ValueError(
                f"fields: {unknown} are not array fields of {type(params).__name__} "
                f"(expected some of {list(params.ARRAY_FIELDS)})"
            )
        arrays = {}
        for name in params.ARRAY_FIELDS:
            ref = getattr(params, name)
            value = fields.get(name)
            if value is None:
                arr = onp.zeros(ref.shape, dtype=ref.dtype)
            else:
                arr = v.as_array(f"g_params.{name}", value, dtype=ref.dtype, shape=ref.shape)
                arr = onp.array(arr, copy=True)
            arr.flags.writeable = False
            arrays[name] = arr
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "_fields", arrays)

    @classmethod
    def of(cls, params, g):
        """``g`` as `Cotangents` at ``params``: ``g`` itself (if it belongs to a container of the
        same type and shapes), a mapping ``{field: array}``, or any object with the fields as
        attributes (e.g. a parameter container used as a cotangent). Raises ``TypeError`` naming
        the argument otherwise."""
        if isinstance(g, Cotangents):
            if type(g.params) is not type(params):
                raise TypeError(
                    f"g_params: cotangents of a {type(g.params).__name__}, expected ones of a "
                    f"{type(params).__name__}"
                )
            if g.params is params:
                return g
            return cls(params, g.as_dict())
        if isinstance(g, Mapping):
            return cls(params, g)
        missing = [name for name in params.ARRAY_FIELDS if not hasattr(g, name)]
        if missing:
            raise TypeError(
                f"g_params: expected the cotangents of a {type(params).__name__} (Cotangents, a "
                f"mapping or a container with its fields), got {type(g).__name__} without "
                f"{missing[:3]}{'…' if len(missing) > 3 else ''}"
            )
        return cls(params, {name: getattr(g, name) for name in params.ARRAY_FIELDS})

    def __getattr__(self, name):
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __setattr__(self, name, value):
        raise AttributeError("Cotangents are immutable: use replace(...)")

    # ---- the container's vocabulary ------------------------------------------------------------

    @property
    def ARRAY_FIELDS(self) -> tuple:
        """The fields, in the container's order."""
        return self.params.ARRAY_FIELDS

    @property
    def TRAINABLE_FIELDS(self) -> tuple:
        """The fields `flatten` packs (those of ``params.flatten``)."""
        return self.params.TRAINABLE_FIELDS

    @property
    def dtype(self) -> onp.dtype:
        """The parameters' dtype."""
        return self.params.dtype

    @property
    def activation(self):
        """The paper form's activation (None for the conductance form)."""
        return getattr(self.params, "activation", None)

    def as_dict(self) -> dict:
        """``{field: ndarray}`` (read-only arrays)."""
        return dict(self._fields)

    def items(self):
        """The ``(field, array)`` pairs, in ``ARRAY_FIELDS`` order."""
        return self._fields.items()

    def replace(self, **changes) -> Cotangents:
        """A new `Cotangents` with some fields replaced (validated as in the constructor)."""
        return Cotangents(self.params, {**self._fields, **changes})

    def astype(self, dtype) -> Cotangents:
        """The cotangents and their point cast to ``dtype`` (float32 or float64)."""
        from .. import _validation as v

        dtype = v.check_dtype("dtype", dtype)
        fields = {name: a.astype(dtype) for name, a in self._fields.items()}
        return Cotangents(self.params.astype(dtype), fields)

    def flatten(self, *, raw: bool = False) -> onp.ndarray:
        r"""The gradient of ``params.flatten(raw=raw)``: the trainable fields' cotangents in
        ``TRAINABLE_FIELDS`` order, ``(params.n_trainable,)``. With ``raw=True`` the positive
        fields go through the softplus chain rule $\bar r = \bar x\,\varphi'(r) = \bar x\,(1 -
        e^{-x})$, with $x = \varphi(r)$ the physical value at ``params``."""
        parts = []
        for name in self.params.TRAINABLE_FIELDS:
            g = self._fields[name]
            if raw and name in self.params.POSITIVE_FIELDS:
                g = g * -onp.expm1(-getattr(self.params, name))
            parts.append(onp.ravel(g))
        return onp.concatenate(parts).astype(self.dtype, copy=False)

    def flatten_all(self) -> onp.ndarray:
        """Every field (masks included), in ``ARRAY_FIELDS`` order, as one vector."""
        return onp.concatenate([onp.ravel(a) for a in self._fields.values()])

    # ---- arithmetic and comparison -----------------------------------------------------------

    def _other(self, other) -> Cotangents:
        return Cotangents.of(self.params, other)

    def __add__(self, other) -> Cotangents:
        other = self._other(other)
        return Cotangents(self.params, {k: a + other._fields[k] for k, a in self._fields.items()})

    def __eq__(self, other) -> bool:
        if not isinstance(other, Cotangents) or type(other.params) is not type(self.params):
            return NotImplemented
        return all(
            a.shape == other._fields[k].shape and onp.array_equal(a, other._fields[k])
            for k, a in self._fields.items()
        )

    __hash__ = None

    def allclose(self, other, *, rtol: float, atol: float = 0.0) -> bool:
        """Whether every field is close to ``other``'s (``numpy.allclose`` per field)."""
        other = self._other(other)
        return all(
            onp.allclose(a, other._fields[k], rtol=rtol, atol=atol) for k, a in self._fields.items()
        )

    def max_abs(self) -> float:
        """The largest magnitude over every field."""
        return max(
            (float(onp.max(onp.abs(a))) for a in self._fields.values() if a.size), default=0.0
        )

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{a.shape}" for k, a in self._fields.items())
        return f"Cotangents of a {type(self.params).__name__} ({self.dtype}): {shapes}"


__all__ = [
    "Cotangents",
    "add_cotangents",
    "add_drive_cotangents",
    "reduce_to",
    "sum_batch",
    "sum_outer",
]
