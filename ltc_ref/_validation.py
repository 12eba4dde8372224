"""Input validation shared by the public entry points.

Every public function of ``ltc_ref`` checks its arguments here before any arithmetic, so that a
wrong shape, dtype or range is reported with the argument's name, the expected value and the
received one, instead of being broadcast into a silently wrong result.
"""

from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def shape_str(shape) -> str:
    """Render a shape with symbolic entries, e.g. ``(B, T, 3)``."""
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def check_dtype(name: str, dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype, checking it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name}: expected float32 or float64, got {dtype!r}") from err
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected dtype float32 or float64, got {dt}")
    return dt


def as_array(name: str, value, *, dtype=None, ndim=None, shape=None) -> np.ndarray:
    """Convert ``value`` to a finite floating ndarray and check its rank and shape.

    Arguments:
        name: the argument's name, used in error messages.
        value: anything ``numpy.asarray`` accepts (a real number, a nested list, an ndarray).
        dtype: the required dtype. A floating array of another dtype is an error (no silent
            precision change); integers, booleans and Python numbers are converted to it.
            ``None`` keeps a float32/float64 array's dtype and converts anything else to float64.
        ndim: the required number of dimensions (an int or a tuple of allowed ints).
        shape: the required shape; ``None`` entries match any size.

    Returns:
        The array (a view when no conversion was needed).
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name}: expected a real array, got {type(value).__name__}") from err
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a real floating array, got dtype {arr.dtype}")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if arr.dtype.kind == "f" and arr.dtype != dtype:
            raise TypeError(
                f"{name}: expected dtype {dtype} (the parameters' dtype), got {arr.dtype}; "
                f"convert it explicitly with .astype(np.{dtype})"
            )
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype not in FLOAT_DTYPES:
        if arr.dtype.kind == "f":
            raise TypeError(f"{name}: expected dtype float32 or float64, got {arr.dtype}")
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(
                f"{name}: expected {want} dimensions, got {arr.ndim} (shape {arr.shape})"
            )
    if shape is not None:
        ok = len(shape) == arr.ndim and all(
            s is None or s == a for s, a in zip(shape, arr.shape, strict=True)
        )
        if not ok:
            want = shape_str(["?" if s is None else s for s in shape])
            raise ValueError(f"{name}: expected shape {want}, got {arr.shape}")
    check_finite(name, arr)
    return arr


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or ±inf, saying where."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected finite values, got {arr[idx]} at index {idx} "
            f"({int(bad.sum())} non-finite entries)"
        )


def check_positive(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` unless every entry of ``arr`` is > 0."""
    bad = ~(arr > 0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected every entry > 0, got {arr[idx]} at index {idx} "
            f"({int(bad.sum())} entries <= 0)"
        )


def check_binary(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` unless every entry of ``arr`` is exactly 0 or 1."""
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected a 0/1 mask, got {arr[idx]} at index {idx} "
            f"({int(bad.sum())} entries not in {{0, 1}})"
        )


def check_int(name: str, value, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int, checking it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return value


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: expected one of {sorted(choices)}, got {value!r}")
    return value


def check_real(name: str, value, *, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float, optionally checking ``value >= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected a number >= {minimum}, got {value}")
    return value
