"""Missing synapses stored as zero conductances, read as masks (shared by the converters of the
authors' code and of ncps's Keras backend)."""

from __future__ import annotations

import numpy as np


def zero_weights_as_mask(w: np.ndarray, mask: np.ndarray, fill) -> tuple[np.ndarray, np.ndarray]:
    r"""A synapse with $w_{ij} = 0$ exactly conducts nothing ($a_{ij} = w_{ij}\sigma(\cdot)m_{ij}
    = 0$), as one with $m_{ij} = 0$; ltc-ref's containers need $w > 0$, so such a synapse
    becomes ``mask = 0`` with ``w = fill`` (any positive value gives the same outputs).

    Arguments:
        w: ``(S, N)`` conductances, >= 0 where the synapse is missing.
        mask: ``(S, N)`` 0/1 mask the model had already (ones for a dense cell).
        fill: the positive value written where ``w == 0``.

    Returns:
        ``(w, mask)``: new arrays in ``w``'s dtype.
    """
    missing = w == 0
    w = np.where(missing, w.dtype.type(fill), w)
    mask = np.where(missing, 0, mask).astype(w.dtype)
    return w, mask
