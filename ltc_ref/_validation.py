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
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name}: expected a plain ndarray, got a numpy.ma.MaskedArray (masked entries "
            "would be used as they are); pass value.filled(...) or value.data explicitly"
        )
    if isinstance(value, np.matrix):
        raise TypeError(
            f"{name}: expected a plain ndarray, got a numpy.matrix (its operators are matrix "
            "products and it is always 2-D); convert it with numpy.asarray"
        )
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


#: The largest integer any count or size may take (int64, the width of NumPy's and Numba's
#: integers): a larger one is refused by `check_int` before it can wrap around.
INT_MAX = int(np.iinfo(np.int64).max)


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int, checking it is an integer (not a bool) in
    ``[minimum, maximum]``; ``maximum`` defaults to `INT_MAX` (int64), so that no count can wrap
    around in NumPy or Numba."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    limit = INT_MAX if maximum is None else min(maximum, INT_MAX)
    if value > limit:
        raise ValueError(f"{name}: expected an integer <= {limit}, got {value}")
    return value


def physical_memory() -> int:
    """The machine's physical memory in bytes (``os.sysconf``; 2**63 - 1 where unknown)."""
    import os

    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return INT_MAX


def check_memory(name: str, what: str, nbytes: int) -> None:
    """Refuse, before allocating, an array of ``nbytes`` bytes that exceeds the machine's
    physical memory (it could only fail with a bare ``MemoryError`` or swap for hours).

    Arguments:
        name: the argument that fixes the size (named in the message).
        what: the array and its shape, e.g. ``"the (N, N) adjacency, N = 10**6"``.
        nbytes: its size in bytes.
    """
    limit = physical_memory()
    if nbytes > limit:
        raise ValueError(
            f"{name}: {what} would take {nbytes / 2**30:.3g} GiB, more than this machine's "
            f"{limit / 2**30:.3g} GiB of memory"
        )


def check_work(name: str, what: str, amount: int, limit: int) -> None:
    """Refuse, before starting, a computation of ``amount`` elementary operations above
    ``limit`` (one that would run for hours or days: it cannot be meant)."""
    if amount > limit:
        raise ValueError(
            f"{name}: {what} is {amount:.3g} operations, more than the limit of {limit:.3g} "
            "(hours of computation); split the work into smaller calls"
        )


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: expected one of {sorted(choices)}, got {value!r}")
    return value


def check_real(name: str, value, *, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float, optionally checking ``value >= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError as err:
        raise ValueError(
            f"{name}: expected a finite number, got {value!r}, beyond the float range"
        ) from err
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected a number >= {minimum}, got {value}")
    return value


def check_output_dir(name: str, path) -> None:
    """Make sure ``path`` is (or can be created as) a directory this process can write into:
    create it (with its parents) and write and delete a probe file. Raises ``ValueError``
    naming the option and the reason (an existing file, ``/dev/null``, a read-only place)."""
    import tempfile
    from pathlib import Path

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}: {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".ltc-ref-probe-"):
            pass
    except OSError as err:
        raise ValueError(f"{name}: cannot write into {path} ({err.strerror or err})") from err


def check_output_file(name: str, path) -> None:
    """Make sure the file ``path`` can be written (its directory exists or can be created and is
    writable, and ``path`` is not a directory or a device such as ``/dev/null``), without
    changing an existing file. Raises ``ValueError`` naming the option and the reason."""
    from pathlib import Path

    path = Path(path)
    if path.exists() and not path.is_file():
        raise ValueError(f"{name}: {path} exists and is not a regular file")
    check_output_dir(name, path.parent if str(path.parent) else Path("."))
    if path.exists():
        import os

        if not os.access(path, os.W_OK):
            raise ValueError(f"{name}: {path} exists and is not writable")
