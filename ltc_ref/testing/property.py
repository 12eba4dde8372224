"""A property-based runner: check a candidate on hypothesis-drawn cases, shrink a failure.

`check_with_hypothesis` draws case specs (`ltc_ref.testing.strategies.case_specs`) inside the
candidate's capabilities, runs the candidate's forward pass and/or VJP on each (the same
comparison as `ltc_ref.testing.check_candidate`) and, when a case fails, lets hypothesis
shrink it to a minimal failing case (fewest samples, steps, neurons, ...). It returns the same
`ltc_ref.testing.Report`: the passing cases drawn before the first failure and the minimal
failing case, with its spec, its one-line reproducer and the diagnosis. Needs hypothesis.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .cases import UnstableCaseError, case_from_spec
from .compare import Report, candidate_call, run_cases
from .variants import diagnose as run_diagnosis

#: The ε values drawn when the capabilities do not restrict them (the paper's 0, ncps's 1e-8).
DEFAULT_EPSILONS = (0.0, 1e-8)
#: The sub-step counts drawn by default.
DEFAULT_UNFOLDS = (1, 2, 6)


class _CaseFailed(Exception):
    def __init__(self, case, result):
        super().__init__(result.case)
        self.case, self.result = case, result


def _strategy_kwargs(capabilities, overrides: dict) -> dict:
    """`case_specs` arguments restricted to the capabilities (then ``overrides`` win)."""
    kw = {}
    if capabilities is not None:
        c = capabilities
        if c.forms is not None:
            kw["forms"] = c.forms
        if c.solvers is not None:
            kw["solvers"] = c.solvers
        if c.dt is not None:
            kw["dt_forms"] = c.dt
        if c.initial_state is not None:
            kw["initial_states"] = c.initial_state
        kw["epsilons"] = c.epsilon if c.epsilon is not None else DEFAULT_EPSILONS
        kw["unfolds"] = c.unfolds if c.unfolds is not None else DEFAULT_UNFOLDS
        maps = {"none": None, "linear": "linear", "affine": "affine"}
        allowed = set(c.input_map or maps) & set(c.output_map or maps)
        kw["mappings"] = tuple(maps[m] for m in ("none", "linear", "affine") if m in allowed)
        for cap, arg in (("max_units", "max_units"), ("max_batch", "max_batch")):
            if getattr(c, cap) is not None:
                kw[arg] = getattr(c, cap)
        if c.max_inputs is not None:
            kw["max_inputs"] = c.max_inputs
        if c.max_steps is not None:
            kw["max_steps"] = c.max_steps
    else:
        kw["mappings"] = (None, "linear", "affine")
    kw.update(overrides)
    return kw


def check_with_hypothesis(
    forward_fn=None,
    vjp_fn=None,
    *,
    capabilities=None,
    max_examples: int = 50,
    seed: int = 0,
    dtype=np.float64,
    shrink: bool = True,
    diagnose: bool = True,
    target: str = "TARGET",
    **strategy_kwargs,
) -> Report:
    """Check a candidate on hypothesis-drawn cases; a failure is shrunk to a minimal case.

    Arguments:
        forward_fn: the forward pass (``ltc_ref.forward``'s signature), or None.
        vjp_fn: the VJP (``ltc_ref.vjp``'s signature), or None.
        capabilities: `ltc_ref.testing.capabilities.Capabilities`: only cases inside them are
            drawn (the strategy is restricted where it can be, the rest is filtered).
        max_examples: how many cases to draw (before shrinking).
        seed: hypothesis's seed: the same seed draws the same cases.
        dtype: float64 or float32.
        shrink: shrink a failing case (hypothesis's shrink phase).
        diagnose: diagnose the minimal failing case against the variants of the reference.
        target: the command-line target named in the reproducers.
        **strategy_kwargs: arguments of `ltc_ref.testing.strategies.case_specs` (``forms``,
            ``solvers``, ``regimes``, ``max_batch``, ...), applied after the capabilities.

    Returns:
        `Report`: the cases drawn before the first failure (pass or not applicable) and, if
        one failed, the minimal failing case (named ``hypothesis-<seed>-minimal``). A run where
        no case could be drawn inside the capabilities has no cases and does not pass.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable

    from .strategies import case_specs

    call = candidate_call(forward_fn, vjp_fn, capabilities)
    dtype_name = np.dtype(dtype).name

    drawn, first_failure = [], []

    def run_one(case):
        return run_cases(
            [case],
            call,
            dtype=dtype,
            capabilities=capabilities,
            diagnose=False,
            gradients=forward_fn is None,
        ).results[0]

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]

    @hypothesis_seed(seed)
    @settings(
        max_examples=max_examples,
        derandomize=False,  # the seed decides (a loaded profile may say otherwise)
        database=None,
        deadline=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,  # the report says what failed; nothing on stdout
    )
    @given(case_specs(**_strategy_kwargs(capabilities, strategy_kwargs)))
    def one(spec):
        spec = dataclasses.replace(spec, name=f"hypothesis-{seed}-{len(drawn)}")
        if capabilities is not None:
            assume(capabilities.excludes_spec(spec) is None)  # cheap: before drawing the case
        try:
            case = case_from_spec(spec)
        except UnstableCaseError:
            assume(False)
        if capabilities is not None:
            assume(capabilities.excludes(case, dtype_name) is None)
        result = run_one(case)
        if not first_failure:
            if result.status == "fail":
                first_failure.append(result)
            else:
                drawn.append((case, result))
        if result.status == "fail":
            raise _CaseFailed(case, result)

    minimal = None
    try:
        one()
    except _CaseFailed as failed:
        name = f"hypothesis-{seed}-minimal"
        case = dataclasses.replace(
            failed.case, name=name, spec=dataclasses.replace(failed.case.spec, name=name)
        )
        minimal = (case, run_one(case))
    except Unsatisfiable:
        pass  # no case inside the capabilities: an empty report, which does not pass
    results = [r for _, r in drawn]
    diagnosis = ()
    if minimal is not None:
        results.append(minimal[1])
        if diagnose and minimal[1].status == "fail":
            diagnosis = run_diagnosis([minimal])
    title = "candidate vs ltc-ref (hypothesis-drawn cases)"
    return Report(tuple(results), title, diagnosis, target)


__all__ = ["DEFAULT_EPSILONS", "DEFAULT_UNFOLDS", "check_with_hypothesis"]
