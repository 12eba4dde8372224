r"""The one error measure of the checking tools: the normwise relative error of an array.

$$
    \text{rel}(c, r) = \frac{\max_i |c_i - r_i|}{\max_i |r_i|}
$$

relative to the reference's largest entry, so that entries near zero do not blow it up. Used by
the comparison of candidates (`ltc_ref.testing.compare`), the tolerances of the cases
(`ltc_ref.testing.cases`), the golden files' regeneration check and every section of
``ltc-ref verify``.
"""

from __future__ import annotations

import math

import numpy as np


def relative_error(candidate, reference) -> float:
    """``max|candidate - reference| / max|reference|``, in float64.

    Arguments:
        candidate: an array (anything ``numpy.asarray`` turns into a real array).
        reference: an array of the same shape.

    Returns:
        0 if the two are equal (also when both are empty); ``inf`` if the reference is zero
        everywhere and the candidate is not (no scale: only exact zeros match exact zeros).
    """
    c = np.asarray(candidate, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    diff = float(np.max(np.abs(c - r))) if r.size else 0.0
    if diff == 0.0:
        return 0.0
    scale = float(np.max(np.abs(r)))
    return diff / scale if scale > 0 else math.inf


__all__ = ["relative_error"]
