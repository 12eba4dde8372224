"""Whether the Numba kernels are already compiled in Numba's on-disk cache.

The kernels are compiled with ``cache=True`` (`ltc_ref.kernels._sigmoid.kernel`): the first
process that calls one compiles it (tens of seconds for all of them) and writes the machine code
next to the source (``__pycache__/*.nbi`` index and ``*.nbc`` data files), or into
``$NUMBA_CACHE_DIR`` when that is set, or into the user's cache directory when the installation
is read-only; later processes load it in a fraction of a second. `uncompiled_kernels` tells,
*before* anything is compiled, which entry points have nothing usable in that cache, so that
``ltc-ref verify`` can say that it is about to compile.

"Usable" is Numba's own rule, read from its index: an entry for the current source file (its
modification time and size), the current Numba version, this machine's target (CPU name and
features) and the function's current bytecode. The entry for each signature is not checked:
a cache that holds only some signatures (e.g. float64 but not float32) counts as compiled.
"""

from __future__ import annotations

from pathlib import Path

import numba

from . import _fused, _sigmoid

#: The kernels Python calls (the others are compiled into them): name -> dispatcher.
ENTRY_KERNELS = {
    "conductance_forward": _fused.conductance_forward,
    "conductance_vjp": _fused.conductance_vjp,
    "paper_forward": _fused.paper_forward,
    "paper_vjp": _fused.paper_vjp,
    "sigmoid_array": _sigmoid.sigmoid_array,
}


def _has_usable_entry(dispatcher) -> bool:
    cache = dispatcher._cache
    codegen = dispatcher.targetctx.codegen()
    _, magic, code_hash = cache._index_key(None, codegen)
    index = cache._cache_file._load_index()  # {} when absent, stale, or another Numba version
    return any(key[1] == magic and key[2] == code_hash for key in index)


def uncompiled_kernels() -> list[str] | None:
    """The entry kernels (`ENTRY_KERNELS`) that will be compiled when first called, because
    Numba's on-disk cache has no usable entry for them (module docstring).

    Returns:
        Their names (``[]``: all are cached, or JIT is disabled with ``NUMBA_DISABLE_JIT=1``
        and nothing is compiled), or ``None`` when it cannot be told (a Numba whose cache
        internals differ from those this was written against, 0.68).
    """
    if numba.config.DISABLE_JIT:
        return []
    try:
        missing = []
        for name, dispatcher in ENTRY_KERNELS.items():
            if getattr(dispatcher, "_cache", None) is None or not _has_usable_entry(dispatcher):
                missing.append(name)
        return missing
    except Exception:  # private Numba API: never let a changed internal break the caller
        return None


def cache_dir() -> Path | None:
    """The directory Numba caches the kernels in (``None`` if it cannot be told)."""
    try:
        return Path(_fused.conductance_forward._cache._cache_path)
    except Exception:  # private Numba API, as above
        return None


__all__ = ["ENTRY_KERNELS", "cache_dir", "uncompiled_kernels"]
