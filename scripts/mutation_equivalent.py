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
EQUAL_LENGTHS = (
    "the zipped sequences always have equal lengths (row i of the tableau has i entries when i "
    "stages exist; 7 weights for 7 stages; a drive cotangent is a pair), so `strict` never fires"
)
ZERO_TERMS = (
    "no tableau coefficient equals 1.0, so the filter only adds the 0·k terms the original "
    "skips: + 0.0 changes no finite sum, and a non-finite stage makes the error estimate "
    "non-finite, so that step is rejected either way"
)
DEAD_CHECK = (
    "dead check: an accepted step has a finite last stage (a non-finite k7 makes the error "
    "estimate non-finite, so the step is rejected), so the check never fails there and the "
    "time it would name is never printed"
)
CLIP_INACTIVE = (
    "the clip is never active: for t0 <= t <= t1, `searchsorted(..., side='right') - 1` lies in "
    "[0, len(starts) - 1] already"
)
NODE_SIDE = (
    "only differs at an accepted point t_k, where the continuous extension of step k-1 at "
    "θ = 1 and that of step k at θ = 0 both give y_k (rows of P sum to b): equal up to rounding"
)
STILL_NONE = (
    "at the first stage of the reverse sweep the drive cotangent is still None, so passing "
    "None explicitly is the same call"
)
CLAMPED_AGAIN = (
    "dopri5, the only caller, cuts every step to t1 - t before taking it, so capping the "
    "starting step by the interval here as well changes no step"
)
DTYPE_ALREADY = (
    "the reverse sweep computes every cotangent in the parameters' dtype already (float32 stays "
    "float32: test_bptt_exact checks it), so the cast is a no-op"
)
ALL_FIELDS_SET = (
    "every array field of both forms receives a cotangent from some VJP (masks and maps "
    "included), so the default is never read"
)
COPY_DEFAULT = "`np.array` copies by default (`copy=True` is its default)"
WRITEABLE_NONE = (
    "numpy converts the flag to bool: `None` sets `writeable` to False, as `False` does"
)

NONEMPTY = (
    "every quantity of a case has entries (B, T, C, N, M >= 1), so the empty-array branch is "
    "never taken"
)
EXTRA_KIND_LETTERS = (
    "'X' is no NumPy dtype kind, so adding it to the accepted kinds 'biuf' accepts and refuses "
    "the same arrays"
)
EXPECTED_FLOAT64 = (
    "the expected values of a case are float64 arrays by construction (make_case, load_golden), "
    "so converting them to float64 changes nothing"
)
PROMOTED = (
    "the other operand is converted to float64, and NumPy computes a float32, integer or boolean "
    "array minus a float64 one in float64: the same differences, maxima and ratios"
)

EQUIVALENT: dict[str, str] = {
    # ltc_ref/model/paper.py
    "ltc_ref.model.paper.x_sigmoid__mutmut_11": SIGMOID_AT_ZERO,
    # ltc_ref/model/cotangents.py
    "ltc_ref.model.cotangents.x_sum_batch__mutmut_3": EMPTY_AXES,
    "ltc_ref.model.cotangents.x_sum_batch__mutmut_13": EMPTY_AXES,
    "ltc_ref.model.cotangents.x_reduce_to__mutmut_12": EMPTY_AXES,
    "ltc_ref.model.cotangents.x_reduce_to__mutmut_19": EMPTY_AXES,
    "ltc_ref.model.cotangents.x_reduce_to__mutmut_30": EMPTY_AXES,
    "ltc_ref.model.cotangents.x_add_drive_cotangents__mutmut_5": EQUAL_LENGTHS,
    "ltc_ref.model.cotangents.x_add_drive_cotangents__mutmut_8": EQUAL_LENGTHS,
    "ltc_ref.model.cotangents.x_add_drive_cotangents__mutmut_9": EQUAL_LENGTHS,
    # ltc_ref/model/params.py
    "ltc_ref.model.params.xǁ_Paramsǁ__post_init____mutmut_57": COPY_DEFAULT,
    "ltc_ref.model.params.xǁ_Paramsǁ__post_init____mutmut_63": WRITEABLE_NONE,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_15": FRESH_ARRAY,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_17": FRESH_ARRAY,
    "ltc_ref.model.params.xǁ_Paramsǁflatten__mutmut_19": FRESH_ARRAY,
    # ltc_ref/solvers/dormand_prince.py
    "ltc_ref.solvers.dormand_prince.x__initial_step__mutmut_72": CLAMPED_AGAIN,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_17": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_20": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_21": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_42": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_45": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_46": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_55": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_58": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_59": EQUAL_LENGTHS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_23": ZERO_TERMS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_48": ZERO_TERMS,
    "ltc_ref.solvers.dormand_prince.x_attempt_step__mutmut_61": ZERO_TERMS,
    "ltc_ref.solvers.dormand_prince.x_dopri5__mutmut_134": DEAD_CHECK,
    "ltc_ref.solvers.dormand_prince.xǁDopriSolutionǁ__call____mutmut_36": CLIP_INACTIVE,
    "ltc_ref.solvers.dormand_prince.xǁDopriSolutionǁ__call____mutmut_37": CLIP_INACTIVE,
    "ltc_ref.solvers.dormand_prince.xǁDopriSolutionǁ__call____mutmut_52": CLIP_INACTIVE,
    "ltc_ref.solvers.dormand_prince.xǁDopriSolutionǁ__call____mutmut_47": NODE_SIDE,
    # ltc_ref/solvers/rk4.py
    "ltc_ref.solvers.rk4.xǁRK4ǁstep_vjp__mutmut_80": STILL_NONE,
    # ltc_ref/gradients/bptt.py
    "ltc_ref.gradients.bptt.x__container__mutmut_9": DTYPE_ALREADY,
    "ltc_ref.gradients.bptt.x__container__mutmut_11": DTYPE_ALREADY,
    "ltc_ref.gradients.bptt.x__container__mutmut_13": ALL_FIELDS_SET,
    "ltc_ref.gradients.bptt.x__container__mutmut_15": ALL_FIELDS_SET,
    "ltc_ref.gradients.bptt.x__container__mutmut_16": ALL_FIELDS_SET,
    "ltc_ref.gradients.bptt.x_grad_to_flat__mutmut_22": FRESH_ARRAY,
    "ltc_ref.gradients.bptt.x_grad_to_flat__mutmut_24": FRESH_ARRAY,
    "ltc_ref.gradients.bptt.x_grad_to_flat__mutmut_26": FRESH_ARRAY,
    # ltc_ref/testing/quantities.py (compare_to_reference moved there from compare.py)
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_25": EXTRA_KIND_LETTERS,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_55": EXPECTED_FLOAT64,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_57": EXPECTED_FLOAT64,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_68": PROMOTED,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_70": PROMOTED,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_107": NONEMPTY,
    "ltc_ref.testing.quantities.x_compare_to_reference__mutmut_112": NONEMPTY,
    # ltc_ref/testing/measure.py
    "ltc_ref.testing.measure.x_relative_error__mutmut_3": PROMOTED,
    "ltc_ref.testing.measure.x_relative_error__mutmut_5": PROMOTED,
    "ltc_ref.testing.measure.x_relative_error__mutmut_8": PROMOTED,
    "ltc_ref.testing.measure.x_relative_error__mutmut_10": PROMOTED,
}
