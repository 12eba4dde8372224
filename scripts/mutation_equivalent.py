"""Surviving mutants of ``scripts/mutation.py`` that cannot change behaviour, with the reason.

Keys are mutmut 3.8.1's mutant names (``module.x_function__mutmut_N`` or
``module.xǁClassǁmethod__mutmut_N``); ``python scripts/mutation.py --target T --markdown``
prints them as the table in docs/development.md (file:line, the mutation, the reason). A mutant
belongs here only when no input can tell it from the original; a mutant that changes behaviour
is killed by a test instead. Numbers shift when a function is edited: rerun the script and
check the table after any change to a mutated function.
"""

from __future__ import annotations

# Reasons shared by several mutants.
EMPTY_AXES = (
    "`np.sum` over an empty tuple of axes is the identity (same values, shape and dtype), so "
    "taking the branch that sums anyway changes nothing"
)
SIGMOID_AT_ZERO = (
    "both branches give exactly 0.5 at z = ±0 (e = exp(-0) = 1: 1/(1+1) = 1/(1+1)), so the "
    "branch taken at z = 0 does not matter"
)
FRESH_ARRAY = (
    "`np.concatenate` returns a new array already of the container's dtype, so `astype` returns "
    "equal values whether it copies or not, and the result aliases no field either way"
)
COPY_DEFAULT = "`np.array` copies by default (`copy=True` is its default)"
WRITEABLE_NONE = (
    "numpy converts the flag to bool: `None` sets `writeable` to False, as `False` does"
)

EQUIVALENT: dict[str, str] = {
    # ltc_ref/model/paper.py
    "ltc_ref.model.paper.x_sigmoid__mutmut_11": SIGMOID_AT_ZERO,
    "ltc_ref.model.paper.x_sum_batch__mutmut_3": EMPTY_AXES,
    "ltc_ref.model.paper.x_sum_batch__mutmut_13": EMPTY_AXES,
    "ltc_ref.model.paper.x_reduce_to__mutmut_30": EMPTY_AXES,
    # ltc_ref/model/params.py
    "ltc_ref.model.params.xǁ_Paramsǁ__post_init____mutmut_57": COPY_DEFAULT,
    "ltc_ref.model.params.xǁ_Paramsǁ__post_init____mutmut_63": WRITEABLE_NONE,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_15": FRESH_ARRAY,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_17": FRESH_ARRAY,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_19": FRESH_ARRAY,
}
