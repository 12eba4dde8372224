"""Tools for checking an LTC implementation — this one or yours — against the reference.

* `check_vjp`, `check_forward_vjp` — random-direction VJP checks against central differences.
* `autograd_vjp` — the VJP of the specification by autograd, for comparison.
"""

from __future__ import annotations

from .gradcheck import (
    FD_RTOL,
    FD_STEP,
    VJPCheck,
    autograd_vjp,
    check_forward_vjp,
    check_vjp,
    flatten_all,
    unflatten_all,
)

__all__ = [
    "FD_RTOL",
    "FD_STEP",
    "VJPCheck",
    "autograd_vjp",
    "check_forward_vjp",
    "check_vjp",
    "flatten_all",
    "unflatten_all",
]
