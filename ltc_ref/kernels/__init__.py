"""Numba kernels of the fused solver (private: reached through ``ltc_ref.forward(...,
backend="numba")`` and ``ltc_ref.vjp(..., backend="numba")``, and always tested against the NumPy
specification).

* `._driver` — lays the parameters out, allocates, calls the kernels over threads, finishes the
  parameter cotangents (`forward`, `vjp`, `AGREEMENT_RTOL`).
* `._fused` — the compiled forward and BPTT loops of both forms.
* `._sigmoid` — the vectorisable logistic sigmoid and its stated accuracy.
* `._fpenv` — subnormal numbers flushed to zero inside the kernels on x86-64 (cotangents that
  underflow cost a microcode assist per instruction on Intel processors), `FLUSHED_ATOL`.
* `._cache` — whether the kernels are compiled in Numba's on-disk cache yet (`uncompiled_kernels`).
"""

from __future__ import annotations

from ._cache import ENTRY_KERNELS, cache_dir, uncompiled_kernels
from ._driver import AGREEMENT_RTOL, forward, vjp
from ._fpenv import FLUSHED_ATOL
from ._sigmoid import SIGMOID_ATOL, SIGMOID_RTOL, U_MAX_32, U_MAX_64, fast_sigmoid

__all__ = [
    "AGREEMENT_RTOL",
    "ENTRY_KERNELS",
    "FLUSHED_ATOL",
    "SIGMOID_ATOL",
    "SIGMOID_RTOL",
    "U_MAX_32",
    "U_MAX_64",
    "cache_dir",
    "fast_sigmoid",
    "forward",
    "uncompiled_kernels",
    "vjp",
]
