"""Helpers of the hand-written VJPs, shared by the two forms (`.paper`, `.conductance`), the
solvers and backpropagation through time: cotangents of parameters that were broadcast over the
batch are summed back to the parameter's shape, and cotangents from several uses add up."""

from __future__ import annotations

import autograd.numpy as np


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


__all__ = ["add_cotangents", "add_drive_cotangents", "reduce_to", "sum_batch", "sum_outer"]
