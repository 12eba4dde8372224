r"""``ltc-ref crosscheck ncps``: run ncps 1.0.1 on the golden cases and on hypothesis-drawn cases
and compare it with the reference.

Two ways of running ncps are checked on every case, both in float64 (``.double()``):

* ``LTC`` — the public wrapper ``ncps.torch.LTC`` (``implicit_param_constraints=True``, its
  default, on golden cases): ``y, h_T = model(x, h0, timespans)`` with ``timespans = None`` when
  every Δt is 1, else the ``(B, T)`` elapsed times;
* ``LTCCell`` — the bare cell called once per input step with ``elapsed_time`` of shape
  ``(B, 1)`` (``implicit_param_constraints=False``, its default, on golden cases): the correct
  way to pass per-sample elapsed times to ncps.

Compared quantities (see `ltc_ref.testing.cases`): the outputs ``y``, the states (``h`` for
the cell, the final state ``h_last`` for the wrapper), and the gradients of
$\ell = \sum y \odot \bar y + \sum h_T \odot \bar h_T$ by torch autograd with respect to every
ncps parameter, the inputs, ``h0`` and the elapsed times. ncps's gradients of its raw parameters
are converted to cotangents of physical values (`ltc_ref.interop.ncps.grads_from_state_dict`:
divided by $\varphi'(r)$) and compared with ``ltc_ref.vjp`` — the golden files store exactly
those.

Where ncps is wrong the row says ``FINDING Fk`` (a reproduced, documented ncps defect) instead of
``FAIL``; the findings section runs a minimal reproducer of each. Exit code 0 unless a ``FAIL``
(a disagreement that no known defect explains).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .._extras import install_hint, with_hint
from ..testing.cases import Case, build_wiring, case_from_spec
from ..testing.compare import CaseResult, compare_to_reference
from . import ncps as nx

#: Hypothesis examples of the full command (the CI test runs fewer).
DEFAULT_EXAMPLES = 300

#: The quantity columns of the table: label -> predicate on quantity names.
COLUMNS = (
    ("y", lambda q: q == "y"),
    ("h", lambda q: q in ("h", "h_last")),
    ("grad params", lambda q: q.startswith("g_") and q not in ("g_x", "g_h0", "g_dt")),
    ("grad x", lambda q: q == "g_x"),
    ("grad h0", lambda q: q == "g_h0"),
    ("grad dt", lambda q: q == "g_dt"),
)


# ---- the findings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A documented ncps defect, its minimal reproducer (run as shown) and the check of its
    outcome."""

    key: str
    title: str
    reproducer: str
    workaround: str


FINDINGS = (
    Finding(
        "F1",
        "LTC wrapper: per-sample timespans with 1 < B != N raise a shape error",
        """import torch
from ncps.torch import LTC
model = LTC(2, 3).double()                      # N = 3 neurons
x = torch.zeros(4, 5, 2, dtype=torch.float64)   # B = 4 samples
timespans = torch.ones(4, 5, dtype=torch.float64)
model(x, timespans=timespans)                   # raises RuntimeError""",
        "call the LTCCell once per step with elapsed_time = timespans[:, t:t+1] (shape (B, 1))",
    ),
    Finding(
        "F2",
        "LTC wrapper: per-sample timespans with B == N give silently wrong numbers",
        """import torch
from ncps.torch import LTC
torch.manual_seed(0)
model = LTC(2, 3).double()                      # N = 3 neurons
x = torch.randn(3, 5, 2, dtype=torch.float64)   # B = 3 samples
timespans = torch.rand(3, 5, dtype=torch.float64) + 0.5
y_batch, _ = model(x, timespans=timespans)
y_alone, _ = model(x[:1], timespans=timespans[:1])   # sample 0 alone (B = 1 is correct)
difference = (y_batch[0] - y_alone[0]).abs().max().item()   # not 0""",
        "as F1",
    ),
    Finding(
        "F3",
        "LTC wrapper: per-sample timespans with N == 1 < B give outputs of the wrong shape",
        """import torch
from ncps.torch import LTC
model = LTC(2, 1).double()                      # N = 1 neuron
x = torch.zeros(3, 4, 2, dtype=torch.float64)   # B = 3 samples
timespans = torch.ones(3, 4, dtype=torch.float64)
y, h = model(x, timespans=timespans)            # y (3, 4, 3), h (3, 3), not (3, 4, 1), (3, 1)""",
        "as F1",
    ),
    Finding(
        "F4",
        "a wiring built before LTC(...) is built again inside it: other synapses than inspected",
        """import numpy as np
from ncps.torch import LTC
from ncps.wirings import NCP
wiring = NCP(3, 2, 2, 2, 2, 2, 1, seed=7)
wiring.build(3)
inspected = np.abs(wiring.adjacency_matrix).copy()
model = LTC(3, wiring)                          # calls wiring.build(3) again
used = model.state_dict()["rnn_cell.sparsity_mask"].numpy()
same = np.array_equal(inspected, used)          # False""",
        "pass a fresh (unbuilt) wiring to LTC; ltc_ref.wirings recipes are pure "
        "(ltc_ref.interop.ncps.ncps_wiring makes the ncps twin of one)",
    ),
    Finding(
        "F5",
        "LTC.sensory_synapse_count returns the recurrent synapse count",
        """from ncps.torch import LTC
from ncps.wirings import FullyConnected
model = LTC(2, FullyConnected(3))               # 9 recurrent, 6 sensory synapses
count = model.sensory_synapse_count             # 9, not 6""",
        "count np.abs(wiring.sensory_adjacency_matrix).sum() yourself",
    ),
)


def run_reproducer(finding: Finding) -> tuple[bool, str]:
    """Execute a finding's reproducer (the code printed in the report, as it is).

    Arguments:
        finding: one of `FINDINGS`.

    Returns:
        reproduced (bool): whether the defect showed.
        outcome (str): what happened, in words.
    """
    namespace: dict = {}
    try:
        exec(compile(finding.reproducer, f"<{finding.key}>", "exec"), namespace)
    except RuntimeError as err:
        message = str(err).splitlines()[0]
        return finding.key == "F1", f"RuntimeError: {message}"
    if finding.key == "F2":
        d = namespace["difference"]
        return d > 1e-6, f"sample 0 differs between the batch and alone by {d:.3g}"
    if finding.key == "F3":
        y, h = namespace["y"], namespace["h"]
        return tuple(y.shape) != (3, 4, 1), f"y {tuple(y.shape)}, h {tuple(h.shape)}"
    if finding.key == "F4":
        return not namespace["same"], f"inspected mask == model's mask: {namespace['same']}"
    if finding.key == "F5":
        return namespace["count"] == 9, f"sensory_synapse_count = {namespace['count']}"
    return False, "ran without error"


# ---- running ncps on a case -------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How the ncps model is configured for a case."""

    implicit_param_constraints: bool = True
    input_mapping: str | None = "affine"
    output_mapping: str | None = "affine"


def _unit_dt(case: Case) -> bool:
    return np.ndim(case.dt) == 0 and float(case.dt) == 1.0


def _tensors(case: Case):
    import torch

    x = torch.tensor(case.x, requires_grad=True)
    h0 = torch.tensor(case.h0, requires_grad=True)
    dt = torch.tensor(case.dt_per_entry, requires_grad=True)
    return x, h0, dt


def _gradients(model, loss, settings, tensors) -> dict:
    loss.backward()
    x, h0, dt = tensors
    grads = {k: p.grad for k, p in model.named_parameters()}
    values = {
        f"g_{k}": g
        for k, g in nx.grads_from_state_dict(
            grads,
            model.state_dict(),
            implicit_param_constraints=settings.implicit_param_constraints,
        ).items()
    }
    values.update(g_x=x.grad.numpy(), g_h0=h0.grad.numpy())
    if dt.grad is not None:
        values["g_dt"] = dt.grad.numpy()
    return values


def _model(case: Case, settings: Settings, *, cell: bool):
    return nx.to_ncps(
        case.params,
        cell=cell,
        implicit_param_constraints=settings.implicit_param_constraints,
        input_mapping=settings.input_mapping,
        output_mapping=settings.output_mapping,
        unfolds=case.unfolds,
        epsilon=case.epsilon,
    )


def run_ltc(case: Case, settings: Settings) -> dict:
    """Run ``ncps.torch.LTC`` on a case, forward and backward (torch autograd).

    Arguments:
        case: a conductance-form, fused-solver `Case`.
        settings: the model's positivity map and mapping modes.

    Returns:
        dict quantity → NumPy array: ``y``, ``h_last`` and (when the shapes allow a loss) the
        gradients ``g_<field>`` (physical values), ``g_x``, ``g_h0``, ``g_dt`` (when
        ``timespans`` were passed).
    """
    import torch

    model = _model(case, settings, cell=False)
    x, h0, dt = tensors = _tensors(case)
    y, h_last = model(x, h0, None if _unit_dt(case) else dt)
    loss = torch.sum(y * torch.from_numpy(case.g_y))
    if tuple(h_last.shape) == case.g_h_last.shape:
        loss = loss + torch.sum(h_last * torch.from_numpy(case.g_h_last))
    values = {"y": y.detach().numpy(), "h_last": h_last.detach().numpy()}
    if tuple(y.shape) == case.g_y.shape:
        values.update(_gradients(model, loss, settings, tensors))
    return values


def run_cell(case: Case, settings: Settings) -> dict:
    """Run ``ncps.torch.LTCCell`` once per input step with ``elapsed_time`` ``(B, 1)``, forward
    and backward.

    Arguments:
        case: a conductance-form, fused-solver `Case`.
        settings: the cell's positivity map and mapping modes.

    Returns:
        dict quantity → NumPy array: ``y``, ``h`` and the gradients.
    """
    import torch

    model = _model(case, settings, cell=True)
    x, h0, dt = tensors = _tensors(case)
    h, ys, hs = h0, [], []
    for t in range(case.x.shape[1]):
        y_t, h = model(x[:, t], h, dt[:, t : t + 1])
        ys.append(y_t)
        hs.append(h)
    y, h_seq = torch.stack(ys, 1), torch.stack(hs, 1)
    loss = torch.sum(y * torch.from_numpy(case.g_y))
    loss = loss + torch.sum(h_seq[:, -1] * torch.from_numpy(case.g_h_last))
    values = {"y": y.detach().numpy(), "h": h_seq.detach().numpy()}
    values.update(_gradients(model, loss, settings, tensors))
    return values


def defect_model_outputs(case: Case):
    r"""What the ``LTC`` wrapper computes with per-sample ``timespans`` when B = N (finding F2):
    neuron j of *every* sample uses sample j's elapsed time, $c_{b,j} = C_{m,j} L / \Delta t_{j,t}$.
    Computed with ltc-ref, one input step at a time, with the capacitances rescaled.

    Arguments:
        case: a case with B = N.

    Returns:
        y (np.ndarray): the outputs ``(B, T, M)``.
        h_last (np.ndarray): the last state ``(B, N)``.
    """
    from ..forward import forward
    from ..model import conductance

    p, dt = case.params, case.dt_per_entry
    h = case.h0
    ys = []
    for t in range(case.x.shape[1]):
        # c = (cm / dt[j, t]) / (1 / L): ltc-ref with dt = 1 and neuron j's cm divided by dt[j, t].
        p_t = p.replace(cm=p.cm / dt[: p.n_units, t])
        _, hs = forward(
            p_t, case.x[:, t : t + 1], h0=h, dt=1.0, unfolds=case.unfolds, epsilon=case.epsilon
        )
        h = hs[:, -1]
        ys.append(conductance.output(p, h))
    return np.stack(ys, axis=1), h


@dataclass
class Row:
    """One line of the table."""

    case: str
    candidate: str
    status: str  # PASS, FAIL, FINDING Fk
    result: CaseResult | None = None
    detail: str = ""
    spec: dict | None = None  # the case's CaseSpec as JSON (its reproducer)


def check_case(case: Case, candidate: str, settings: Settings) -> Row:
    """Run one candidate on one case and classify the outcome (see `_classify`); the row
    carries the case's spec."""
    row = _classify(case, candidate, settings)
    row.spec = None if case.spec is None else case.spec.to_json()
    return row


def _classify(case: Case, candidate: str, settings: Settings) -> Row:
    """Run one candidate on one case and classify the outcome.

    ``PASS``: within tolerance. ``FINDING F1``: the wrapper raised the shape error of per-sample
    ``timespans`` (1 < B != N). ``FINDING F3``: it returned outputs of the wrong shape (N = 1 < B).
    ``FINDING F2``: B = N and its outputs equal `defect_model_outputs` to tolerance. ``FAIL``:
    anything else (a disagreement or an exception no known defect explains).

    Arguments:
        case: a conductance-form, fused-solver `Case`.
        candidate: ``"LTC"`` or ``"LTCCell"``.
        settings: the ncps model's settings.

    Returns:
        `Row`.
    """
    run = run_ltc if candidate == "LTC" else run_cell
    B, N = case.x.shape[0], case.params.n_units
    suspect = candidate == "LTC" and not _unit_dt(case) and B > 1  # per-sample timespans
    try:
        values = run(case, settings)
    except RuntimeError as err:
        message = str(err).splitlines()[0]
        if suspect and "must match the size" in message:
            return Row(case.name, candidate, "FINDING F1", None, message)
        return Row(case.name, candidate, "FAIL", None, f"RuntimeError: {message}")
    except Exception as err:  # any other crash is a failure, reported, not raised
        return Row(case.name, candidate, "FAIL", None, f"{type(err).__name__}: {err}")
    if suspect and N == 1 and values["y"].shape != case.g_y.shape:
        return Row(case.name, candidate, "FINDING F3", None, f"y shape {values['y'].shape}")
    result = compare_to_reference(case, values, candidate=candidate, dtype="float64")
    if result.passed:
        return Row(case.name, candidate, "PASS", result)
    if suspect and B == N:
        y_defect, h_defect = defect_model_outputs(case)
        defect = {**case.expected, "y": y_defect, "h": h_defect[:, None]}
        explained = compare_to_reference(
            dataclasses.replace(case, expected=defect),
            {"y": values["y"], "h_last": values["h_last"]},
            dtype="float64",
        )
        if explained.passed:
            return Row(case.name, candidate, "FINDING F2", result, "equals the defect model")
    return Row(case.name, candidate, "FAIL", result)


# ---- the runs ---------------------------------------------------------------------------------


@dataclass
class Crosscheck:
    """Everything ``ltc-ref crosscheck ncps`` measured."""

    golden_rows: list = field(default_factory=list)
    golden_skipped: list = field(default_factory=list)
    hypothesis_rows: list = field(default_factory=list)
    wiring_checks: list = field(default_factory=list)  # (recipe, C, identical)
    findings: list = field(default_factory=list)  # (Finding, reproduced, outcome)
    seconds: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def rows(self) -> list:
        return self.golden_rows + self.hypothesis_rows

    @property
    def failures(self) -> list:
        return [r for r in self.rows if r.status == "FAIL"]

    @property
    def wiring_failures(self) -> list:
        return [w for w in self.wiring_checks if not w[2]]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.wiring_failures


GOLDEN_SETTINGS = {
    "LTC": Settings(implicit_param_constraints=True),
    "LTCCell": Settings(implicit_param_constraints=False),
}


def check_wiring(recipe: dict, n_inputs: int) -> bool:
    """Whether ``ncps.torch.LTC(C, ncps_wiring(recipe))`` holds exactly the masks and reversal
    potential signs of ``ltc_ref``'s ``recipe.build(C)``.

    Arguments:
        recipe: ``{"class": ..., "args": {...}}`` (see
            `ltc_ref.testing.cases.build_wiring`).
        n_inputs: C.

    Returns:
        bool.
    """
    import torch

    from ..wirings import NCP, AutoNCP, FullyConnected, Random

    classes = {"FullyConnected": FullyConnected, "Random": Random, "NCP": NCP, "AutoNCP": AutoNCP}
    ours = classes[recipe["class"]](**recipe["args"])
    ncps = nx._require_ncps()
    with torch.random.fork_rng(devices=[]):
        model = ncps.torch.LTC(n_inputs, nx.ncps_wiring(ours))
    sd = model.state_dict()
    built = build_wiring(recipe, n_inputs)
    pairs = [
        ("rnn_cell.sparsity_mask", built.sparsity_mask),
        ("rnn_cell.sensory_sparsity_mask", built.sensory_sparsity_mask),
        ("rnn_cell.erev", built.erev),
        ("rnn_cell.sensory_erev", built.sensory_erev),
    ]
    return all(np.array_equal(sd[k].numpy().astype(np.float64), a) for k, a in pairs)


def _run_golden(result: Crosscheck) -> None:
    from ..testing.golden import golden_cases

    for case in golden_cases():
        if case.form != "conductance" or case.solver != "fused":
            result.golden_skipped.append(case.name)
            continue
        for candidate, settings in GOLDEN_SETTINGS.items():
            result.golden_rows.append(check_case(case, candidate, settings))
        if case.spec is not None and case.spec.wiring is not None:
            key = (repr(case.spec.wiring), case.spec.n_inputs)
            if key not in {(repr(w[0]), w[1]) for w in result.wiring_checks}:
                ok = check_wiring(case.spec.wiring, case.spec.n_inputs)
                result.wiring_checks.append((case.spec.wiring, case.spec.n_inputs, ok))


def _run_hypothesis(result: Crosscheck, n_examples: int, seed: int) -> None:
    """Draw ``n_examples`` conductance-form, fused-solver cases with hypothesis (every regime,
    wiring class, dt form, ε, mapping mode and positivity setting) and run both candidates."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    from ..testing.strategies import case_specs

    specs = case_specs(
        forms=("conductance",),
        solvers=("fused",),
        mappings=("affine", "linear", None),
        epsilons=(0.0, 1e-8),
        unfolds=(1, 2, 3, 6),
        max_batch=4,
        max_steps=4,
    )

    @hypothesis_seed(seed)
    @settings(
        max_examples=n_examples,
        derandomize=False,  # the seed decides (a loaded profile may say otherwise)
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(specs, st.booleans())
    def one(spec, implicit):
        spec = dataclasses.replace(spec, name=f"hypothesis-{len(result.hypothesis_rows) // 2}")
        case = case_from_spec(spec)
        s = Settings(implicit, spec.input_mapping, spec.output_mapping)
        for candidate in ("LTC", "LTCCell"):
            row = check_case(case, candidate, s)
            row.detail = (row.detail + " " + _spec_text(spec, implicit)).strip()
            result.hypothesis_rows.append(row)
        result.wiring_checks.append(
            (spec.wiring, spec.n_inputs, check_wiring(spec.wiring, spec.n_inputs))
        )

    one()


def _spec_text(spec, implicit) -> str:
    return (
        f"[{spec.wiring['class']} {spec.wiring['args']}, C={spec.n_inputs}, B={spec.batch}, "
        f"T={spec.steps}, L={spec.unfolds}, eps={spec.epsilon:g}, dt {spec.dt_form} "
        f"{spec.dt_range}, {spec.regime}, maps {spec.input_mapping}/{spec.output_mapping}, "
        f"implicit={implicit}, seed={spec.seed}]"
    )


def run(n_examples: int = DEFAULT_EXAMPLES, *, seed: int = 0, golden: bool = True) -> Crosscheck:
    """Run the whole cross-check: the golden cases, ``n_examples`` hypothesis-drawn cases (every
    regime, wiring class, Δt form, ε, mapping mode and positivity setting), the wiring
    comparison and the findings' reproducers.

    Arguments:
        n_examples: hypothesis-drawn cases (0: none).
        seed: their seed.
        golden: run the golden cases.

    Returns:
        `Crosscheck`.
    """
    result = Crosscheck(seed=seed)
    t0 = time.perf_counter()
    if golden:
        _run_golden(result)
    t1 = time.perf_counter()
    if n_examples > 0:
        _run_hypothesis(result, n_examples, seed)
    t2 = time.perf_counter()
    for finding in FINDINGS:
        reproduced, outcome = run_reproducer(finding)
        result.findings.append((finding, reproduced, outcome))
    t3 = time.perf_counter()
    result.seconds = {"golden": t1 - t0, "hypothesis": t2 - t1, "findings": t3 - t2}
    return result


# ---- the report -------------------------------------------------------------------------------


def _column_errors(row: Row) -> list[str]:
    cells = []
    for _, pred in COLUMNS:
        errs = [e for e in (row.result.errors if row.result else ()) if pred(e.quantity)]
        if not errs:
            cells.append("-")
        elif any(e.note for e in errs):
            cells.append("shape")
        else:
            cells.append(f"{max(e.max_rel for e in errs):.1e}")
    return cells


def _worst_ratio(row: Row) -> str:
    if row.result is None or not row.result.errors or row.status.startswith("FINDING"):
        return "-"
    return f"{max(e.ratio for e in row.result.errors):.3f}"


_HEADER = f"{'case':<38} {'ncps':<8}" + "".join(f" {c[0]:>11}" for c in COLUMNS)
_HEADER += f" {'err/tol':>8}  status"


def _line(name, candidate, cells, ratio, status) -> str:
    columns = "".join(f" {c:>11}" for c in cells)
    return f"{name:<38} {candidate:<8}{columns} {ratio:>8}  {status}"


def format_report(result: Crosscheck, *, verbose: bool = False) -> str:
    """The report printed by ``ltc-ref crosscheck ncps``.

    Arguments:
        result: what `run` returned.
        verbose: list every hypothesis-drawn case, not only the failing ones.

    Returns:
        str.
    """
    import importlib.metadata

    import torch

    versions = {name: importlib.metadata.version(name) for name in ("ncps", "hypothesis")}
    lines = [
        "ltc-ref crosscheck ncps: ncps (PyTorch) against the reference",
        f"ncps {versions['ncps']}, torch {torch.__version__}, float64, "
        f"{torch.get_num_threads()} torch threads; drawn cases: hypothesis "
        f"{versions['hypothesis']}, seed {result.seed}",
        "columns: max relative error (max|ncps - ref| / max|ref|) per quantity group; err/tol: "
        "worst error / its tolerance",
        "",
        f"== golden cases ({len(result.golden_rows) // 2} conductance-form fused cases; "
        f"{len(result.golden_skipped)} paper-form or explicit-solver cases do not apply to ncps)",
        _HEADER,
    ]
    for row in result.golden_rows:
        cells = _column_errors(row)
        lines.append(_line(row.case, row.candidate, cells, _worst_ratio(row), row.status))
    rows = result.hypothesis_rows
    if rows:
        lines += ["", f"== hypothesis-drawn cases ({len(rows) // 2} cases, both candidates)"]
        lines.append(_HEADER)
        for candidate in ("LTC", "LTCCell"):
            mine = [r for r in rows if r.candidate == candidate]
            counts = {}
            for r in mine:
                counts[r.status] = counts.get(r.status, 0) + 1
            compared = [r for r in mine if r.status == "PASS"]
            cells = []
            for _, pred in COLUMNS:
                errs = [e.max_rel for r in compared for e in r.result.errors if pred(e.quantity)]
                cells.append(f"{max(errs):.1e}" if errs else "-")
            ratios = [e.ratio for r in compared for e in r.result.errors]
            ratio = f"{max(ratios):.3f}" if ratios else "-"
            status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            lines.append(_line("(worst over passing cases)", candidate, cells, ratio, status))
        shown = rows if verbose else [r for r in rows if r.status == "FAIL"]
        for r in shown:
            cells = _column_errors(r)
            lines.append(_line(r.case, r.candidate, cells, _worst_ratio(r), r.status))
            lines.append(f"    {r.detail}")
    n_wiring = len(result.wiring_checks)
    bad = result.wiring_failures
    lines += [
        "",
        f"== wirings: ncps.torch.LTC(C, ncps_wiring(recipe)) vs ltc_ref recipe.build(C): "
        f"{n_wiring - len(bad)}/{n_wiring} identical (masks and reversal signs)",
    ]
    lines += [f"  DIFFERENT: {w[0]} C={w[1]}" for w in bad]
    lines += ["", "== findings (ncps defects, reproduced now; not failures of the cross-check)"]
    status_counts = {}
    for r in result.rows:
        status_counts[r.status] = status_counts.get(r.status, 0) + 1
    for finding, reproduced, outcome in result.findings:
        seen = status_counts.get(f"FINDING {finding.key}", 0)
        mark = "reproduced" if reproduced else "NOT reproduced (fixed in this ncps?)"
        lines.append(f"{finding.key} [{mark}] {finding.title}")
        lines.append(f"   outcome: {outcome}")
        if seen:
            lines.append(f"   rows marked {finding.key} above: {seen}")
        lines.append(f"   workaround: {finding.workaround}")
        lines.append("   reproducer:")
        lines += [f"      {code}" for code in finding.reproducer.splitlines()]
    passing = [e for r in result.rows if r.status == "PASS" for e in r.result.errors]
    worst_fwd = max((e.max_rel for e in passing if e.quantity in ("y", "h", "h_last")), default=0)
    worst_ratio = max((e.ratio for e in passing), default=0.0)
    n_fail = len(result.failures) + len(bad)
    n_findings = sum(1 for r in result.rows if r.status.startswith("FINDING"))
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    lines += [
        "",
        f"summary: {len(result.rows)} rows: {len(result.rows) - n_fail - n_findings} PASS, "
        f"{n_findings} FINDING, {n_fail} FAIL. Where ncps is correct it agrees with ltc-ref to "
        f"{worst_fwd:.1e} relative error in outputs and states, and every compared quantity is "
        f"within {worst_ratio:.1%} of its tolerance ({secs})",
        "RESULT: " + ("PASS" if result.passed else "FAIL"),
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """``ltc-ref crosscheck ncps [--examples N] [--seed S] [--verbose]``.

    Arguments:
        argv: the command's arguments.

    Returns:
        0 if no row is ``FAIL`` and every wiring matches, 1 otherwise, 2 if torch, ncps or
        hypothesis is missing.
    """
    parser = argparse.ArgumentParser(
        prog="ltc-ref crosscheck",
        description="Run another LTC implementation on the golden and hypothesis-drawn cases and "
        "compare it with the reference (needs the implementation installed: "
        f"{install_hint('ncps')}).",
    )
    parser.add_argument("target", choices=["ncps"], help="the implementation to check")
    parser.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"hypothesis-drawn cases (default {DEFAULT_EXAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument(
        "--verbose", action="store_true", help="print every hypothesis case, not only failures"
    )
    ns = parser.parse_args(argv)
    if ns.examples < 0:
        parser.error(f"--examples: expected a number of cases >= 0, got {ns.examples}")
    try:
        nx._require_ncps()
        import hypothesis  # noqa: F401
    except ImportError as err:
        print(
            f"ltc-ref crosscheck ncps: {with_hint(err)}",
            file=sys.stderr,
        )
        return 2
    result = run(ns.examples, seed=ns.seed)
    print(format_report(result, verbose=ns.verbose))
    return 0 if result.passed else 1


__all__ = [
    "FINDINGS",
    "Crosscheck",
    "Finding",
    "Row",
    "Settings",
    "check_case",
    "defect_model_outputs",
    "format_report",
    "main",
    "run",
    "run_cell",
    "run_ltc",
]
