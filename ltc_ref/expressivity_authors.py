r"""The authors' MATLAB protocol of the trajectory-length study (``--protocol authors``).

The paper's Table 2 and Fig. 3 come from MATLAB scripts in the authors' repository
(``trajectory_length_analysis/``), which compute something other than the paper's equations
(`ltc_ref.expressivity` implements those). This module is written from the description of that
code in ``AUTHORS_CODE.md``, the project's notes on the authors' code (no code copied); every
difference from the equations is named in the docstring that implements it, and `ABLATIONS`
switches each one back.

Per neuron $i$ of one layer of width $k$, with two separate nonlinearities

$$
    f^{\mathrm{in}} = \mathrm{act}(w_{\mathrm{in}}^\top I(t) + b), \qquad
    f^{\mathrm{rec}} = \mathrm{act}(w_r^\top x + b_r),
$$

the three models are

$$
\begin{aligned}
    \text{LTC:}\quad & \dot x_i = -x_i\,\big(1/\tau_i + |f^{\mathrm{in}}_i|
        + |f^{\mathrm{rec}}_i|\big) + A_i f^{\mathrm{in}}_i + A^r_i f^{\mathrm{rec}}_i,
        \quad A_i = \textstyle\sum_j E_{ji},\ A^r_i = \sum_j E^r_{ji},\\
    \text{CT-RNN:}\quad & \dot x = -x/\tau + f^{\mathrm{in}}(I(t))
        \quad\text{(the recurrent term is computed, not used)},\\
    \text{Neural ODE:}\quad & \dot x = f^{\mathrm{in}}(I(t)) \quad\text{(independent of } x).
\end{aligned}
$$

Parameters: $w_{\mathrm{in}}$ (2×k), $w_r$, $E$, $E^r$ (k×k) $\sim N(0, \sigma^2)$ with the
script's ``sigma = 2`` used as a standard deviation (the paper: $\sigma_w^2 = 2$, variance
$\sigma_w^2/k$); $b, b_r \sim N(0, 1)$; $\tau = |N(0, 1)|$. The activation ``hard_tanh`` is the
script's ``Htanh``, which is not element-wise (`matlab_hard_tanh`: the identity in practice).

Protocol: 100 samples ``gt = linspace(0, 2π, 100)`` of the circle $(\sin, \cos)$, linearly
interpolated in between; one `ltc_ref.ode45` call over $[0, 2\pi]$ from $x(0) = 0$ with
``RelTol = 1e-2``, ``AbsTol = 1e-4`` and MATLAB's defaults (``MaxStep`` = span/10,
``Refine = 4``). Table 2's figure is the number of returned rows in each input interval
$(gt_l, gt_{l+1}]$, averaged over the 99 intervals; the trajectory length is the arc length of
the centred PCA projection (first two components) of all returned rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from . import _validation as v
from .expressivity import (
    ACTIVATION_LABELS,
    CLEAR_RATIO,
    MODEL_LABELS,
    MODELS,
    PAPER_TABLE2,
    SMALL_TAU,
    Record,
    _seed,
    _table,
    claims,
    claims_table,
    failure_of,
    summarize,
    trajectory_length,
)
from .model.paper import ACTIVATION_FUNCTIONS
from .model.params import ACTIVATIONS
from .solvers import ode45

#: The script's ``steps``: samples of the input circle.
AUTHORS_STEPS = 100
#: The script's ``t_max``: the time span of the ``ode45`` call.
AUTHORS_T_MAX = 2 * np.pi
#: The script's ``odeset('RelTol', 1e-2, 'AbsTol', 1e-4)``.
AUTHORS_RTOL, AUTHORS_ATOL = 1e-2, 1e-4
#: The script's ``sigma`` (a standard deviation, labelled σ_w² = 2 in the paper) and ``sigma_b``.
AUTHORS_SIGMA, AUTHORS_SIGMA_B = 2.0, 1.0

HARD_TANH_RULES = ("matlab", "elementwise")
DECAYS = ("abs", "signed")
A_RULES = ("column_sum", "one_entry")
WEIGHT_RULES = ("sigma", "sigma_over_sqrt_k")
MAX_STEP_RULES = ("default", "none")


@dataclass(frozen=True)
class AuthorsChoices:
    """The choices of the authors' protocol, each switchable back to the paper's equations.

    Attributes:
        hard_tanh: ``"matlab"`` (the script's ``Htanh``, `matlab_hard_tanh`) or
            ``"elementwise"`` (``clip(z, -1, 1)``, the paper's hard-tanh).
        decay: ``"abs"`` ($|f|$ in the LTC's decay, the script) or ``"signed"`` ($f$, Eq. 1).
        A: ``"column_sum"`` ($A_i = \\sum_j E_{ji}$, std $\\sigma\\sqrt k$) or ``"one_entry"``
            ($A_i = E_{ii}$, std $\\sigma$).
        weights: std of $w_{\\mathrm{in}}, w_r$: ``"sigma"`` (the script) or
            ``"sigma_over_sqrt_k"`` (the paper's $N(0, \\sigma_w^2/k)$ scaling).
        recurrence: the CT-RNN and the Neural ODE add $f^{\\mathrm{rec}}(x)$ (False: the script).
        max_step: ``"default"`` (MATLAB's span/10) or ``"none"``.
        t_max: time span; the input samples are always one full turn of the circle, so
            ``t_max = 0.99`` is Table 2's stated $\\Delta t = 0.01$ between the 100 samples.
        rtol, atol: the solver's tolerances.
        refine: output rows per accepted step (MATLAB's ``Refine``).
        max_steps_per_interval: give up (the run is recorded as capped) after this many
            attempted steps per input interval (a τ of 1e-5 would take minutes).
    """

    hard_tanh: str = "matlab"
    decay: str = "abs"
    A: str = "column_sum"
    weights: str = "sigma"
    recurrence: bool = False
    max_step: str = "default"
    t_max: float = AUTHORS_T_MAX
    rtol: float = AUTHORS_RTOL
    atol: float = AUTHORS_ATOL
    refine: int = 4
    max_steps_per_interval: int = 1000

    def __post_init__(self):
        v.check_choice("hard_tanh", self.hard_tanh, HARD_TANH_RULES)
        v.check_choice("decay", self.decay, DECAYS)
        v.check_choice("A", self.A, A_RULES)
        v.check_choice("weights", self.weights, WEIGHT_RULES)
        v.check_choice("max_step", self.max_step, MAX_STEP_RULES)
        if not v.check_real("t_max", self.t_max) > 0:
            raise ValueError(f"t_max: expected > 0, got {self.t_max}")
        v.check_int("refine", self.refine, minimum=1)
        v.check_int("max_steps_per_interval", self.max_steps_per_interval, minimum=1)


#: One switch at a time back to the paper's equations: ``name: (description, changes,
#: affected)``; ``affected`` lists the (model, activation) cells the switch can change (the
#: others are identical by construction and are not rerun).
_ALL = [(m, a) for m in MODELS for a in ACTIVATIONS]
ABLATIONS = {
    "authors": ("the authors' protocol, as shipped", {}, _ALL),
    "elementwise_hard_tanh": (
        "hard-tanh element-wise, clip(z, -1, 1)",
        {"hard_tanh": "elementwise"},
        [(m, "hard_tanh") for m in MODELS],
    ),
    "signed_decay": (
        "signed f in the LTC's decay (Eq. 1); the same for sigmoid, ReLU (f >= 0)",
        {"decay": "signed"},
        [("ltc", "tanh"), ("ltc", "hard_tanh")],
    ),
    "one_entry_A": (
        "A_i one entry of N(0, σ²), not a column sum of k",
        {"A": "one_entry"},
        [("ltc", a) for a in ACTIVATIONS],
    ),
    "weights_over_sqrt_k": (
        "weights w_in, w_r of std σ/√k",
        {"weights": "sigma_over_sqrt_k"},
        _ALL,
    ),
    "no_max_step": ("no MaxStep (MATLAB's default: span/10)", {"max_step": "none"}, _ALL),
    "recurrence": (
        "CT-RNN and Neural ODE use f_rec(x)",
        {"recurrence": True},
        [(m, a) for m in ("neural_ode", "ctrnn") for a in ACTIVATIONS],
    ),
    "dt_0.01": ("Δt = 0.01 between samples (t_max = 0.99, not 2π)", {"t_max": 0.99}, _ALL),
    "tolerance": ("RelTol 1e-3, AbsTol 1e-6 (not 1e-2, 1e-4)", {"rtol": 1e-3, "atol": 1e-6}, _ALL),
}


# --------------------------------------------------------------------------------------------
# Parameters and activations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorsParams:
    r"""One layer of the authors' networks (float64; matrices indexed [source, target]).

    Attributes:
        w_in: ``(2, k)`` input weights.
        b: ``(k,)`` input bias.
        w_r: ``(k, k)`` recurrent weights.
        b_r: ``(k,)`` recurrent bias.
        E: ``(k, k)``; the LTC's $A_i$ is a column sum (or one entry) of it.
        E_r: ``(k, k)``; the same for $A^r_i$.
        tau: ``(k,)`` time constants, $|N(0, 1)|$.
        activation: one of ``ltc_ref.model.params.ACTIVATIONS``.
    """

    w_in: np.ndarray
    b: np.ndarray
    w_r: np.ndarray
    b_r: np.ndarray
    E: np.ndarray
    E_r: np.ndarray
    tau: np.ndarray
    activation: str

    @property
    def width(self) -> int:
        return self.tau.size


def draw_authors_params(
    width,
    rng,
    *,
    activation="tanh",
    sigma=AUTHORS_SIGMA,
    sigma_b=AUTHORS_SIGMA_B,
    weights="sigma",
):
    r"""Random parameters as the authors' script draws them (the paper's §5.1 law differs: see the
    module docstring).

    The standard normal draws do not depend on ``sigma`` or ``weights`` (they only scale
    them), so two choices compare the same network.

    Arguments:
        width: $k \ge 1$.
        rng: ``numpy.random.Generator``.
        activation: one of ``ACTIVATIONS``.
        sigma: the script's ``sigma`` ($\ge 0$), the standard deviation of every weight and of
            $E$, $E^r$ (not a variance, and not divided by $\sqrt k$).
        sigma_b: standard deviation of the biases.
        weights: ``"sigma"`` or ``"sigma_over_sqrt_k"`` (std of $w_{\mathrm{in}}, w_r$).

    Returns:
        `AuthorsParams`.
    """
    k = v.check_int("width", width, minimum=1)
    v.check_choice("activation", activation, ACTIVATIONS)
    sigma = v.check_real("sigma", sigma, minimum=0.0)
    sigma_b = v.check_real("sigma_b", sigma_b, minimum=0.0)
    v.check_choice("weights", weights, WEIGHT_RULES)
    s_w = sigma if weights == "sigma" else sigma / np.sqrt(k)
    w_in, w_r = rng.standard_normal((2, k)), rng.standard_normal((k, k))
    E, E_r = rng.standard_normal((k, k)), rng.standard_normal((k, k))
    b, b_r = rng.standard_normal(k), rng.standard_normal(k)
    tau = np.abs(rng.standard_normal(k))
    return AuthorsParams(
        s_w * w_in, sigma_b * b, s_w * w_r, sigma_b * b_r, sigma * E, sigma * E_r, tau, activation
    )


def matlab_hard_tanh(z):
    r"""The script's ``Htanh`` as MATLAB evaluates it on a vector ``z`` (``(k,)``).

    ``if z >= 1`` on a vector is true only when *every* element is (MATLAB's ``if`` of an
    array), likewise ``elseif z <= -1``: so the result is all ones when every $z_i \ge 1$, all
    minus ones when every $z_i \le -1$, and otherwise ``z`` itself, unclipped. For a random
    pre-activation of 100 neurons that is always the last case: the authors' "hard-tanh"
    networks are linear. The paper's hard-tanh is `ltc_ref.model.paper.hard_tanh`.
    """
    z = np.asarray(z)
    if np.all(z >= 1):
        return np.ones_like(z)
    if np.all(z <= -1):
        return -np.ones_like(z)
    return z


def authors_activation(name, hard_tanh="matlab"):
    """The activation callable of the authors' protocol: sigmoid, tanh, ReLU element-wise;
    ``hard_tanh`` per ``hard_tanh`` (``"matlab"``: `matlab_hard_tanh`)."""
    v.check_choice("activation", name, ACTIVATIONS)
    if name == "hard_tanh" and v.check_choice("hard_tanh", hard_tanh, HARD_TANH_RULES) == "matlab":
        return matlab_hard_tanh
    return ACTIVATION_FUNCTIONS[name]


# --------------------------------------------------------------------------------------------
# The three models
# --------------------------------------------------------------------------------------------


def authors_f(params, x, I, choices=AuthorsChoices()):
    r"""The two nonlinearities, $f^{\mathrm{in}} = \mathrm{act}(w_{\mathrm{in}}^\top I + b)$ and
    $f^{\mathrm{rec}} = \mathrm{act}(w_r^\top x + b_r)$ (the paper has one,
    $\mathrm{act}(\gamma_r x + \gamma I + \mu)$).

    Arguments:
        params: `AuthorsParams`.
        x: ``(k,)`` state.
        I: ``(2,)`` input.
        choices: `AuthorsChoices` (its ``hard_tanh``).

    Returns:
        f_in (np.ndarray): ``(k,)``, the input's part.
        f_rec (np.ndarray): ``(k,)``, the recurrent part.
    """
    act = authors_activation(params.activation, choices.hard_tanh)
    return act(I @ params.w_in + params.b), act(x @ params.w_r + params.b_r)


def authors_A(params, choices=AuthorsChoices()):
    r"""$(A, A^r)$, each ``(k,)``: column sums $\sum_j E_{ji}$ (std $\sigma\sqrt k$; the
    script) or, with ``choices.A = "one_entry"``, the diagonal $E_{ii}$ (std $\sigma$)."""
    if choices.A == "column_sum":
        return params.E.sum(axis=0), params.E_r.sum(axis=0)
    return np.diag(params.E).copy(), np.diag(params.E_r).copy()


def authors_ltc_rhs(params, x, I, choices=AuthorsChoices()):
    r"""The authors' LTC: $\dot x = -x \odot (1/\tau + |f^{\mathrm{in}}| + |f^{\mathrm{rec}}|)
    + A \odot f^{\mathrm{in}} + A^r \odot f^{\mathrm{rec}}$.

    Differs from Eq. 1 ($\dot x = -[1/\tau + f] \odot x + f \odot A$, one $f$ of $x$ and $I$
    together) in: two separate nonlinearities with their own $A$; **absolute values** in the
    decay (``choices.decay = "signed"`` restores $f$), which keeps the decay rate positive for
    tanh and the linear "hard-tanh"; $A$ a column sum of $k$ entries (std $\sigma\sqrt k$ =
    20 at $k = 100$; the paper's $A$ has no stated law, ltc-ref draws $N(0, 1)$).

    Arguments:
        params: `AuthorsParams`.
        x: ``(k,)`` state.
        I: ``(2,)`` input.
        choices: `AuthorsChoices`.

    Returns:
        ``(k,)``.
    """
    f_in, f_rec = authors_f(params, x, I, choices)
    A, A_r = authors_A(params, choices)
    if choices.decay == "abs":
        rate = 1 / params.tau + np.abs(f_in) + np.abs(f_rec)
    else:
        rate = 1 / params.tau + f_in + f_rec
    return -x * rate + A * f_in + A_r * f_rec


def authors_ctrnn_rhs(params, x, I, choices=AuthorsChoices()):
    r"""The authors' CT-RNN: $\dot x = -x/\tau + f^{\mathrm{in}}(I)$.

    Differs from the CT-RNN of the paper's §5.1 ($\dot x = -x/\tau + f(x, I)$) in having **no
    recurrence**: the script computes $f^{\mathrm{rec}}$ and does not use it, so the network is
    a bank of independent low-pass filters of the input. ``choices.recurrence = True`` adds
    $f^{\mathrm{rec}}(x)$.
    """
    f_in, f_rec = authors_f(params, x, I, choices)
    drive = f_in + f_rec if choices.recurrence else f_in
    return -x / params.tau + drive


def authors_neural_ode_rhs(params, x, I, choices=AuthorsChoices()):
    r"""The authors' Neural ODE: $\dot x = f^{\mathrm{in}}(I)$.

    Differs from the paper's (§5.1) $\dot x = f(x, I)$ in **not depending on the state**: $x(t)$
    is the integral of a function of the input alone, so ``ode45``'s error estimate is tiny and the
    step count is set by ``MaxStep`` (span/10): 14 steps, 56 rows, 0.566 per interval — the
    paper's 0.56. ``choices.recurrence = True`` adds $f^{\mathrm{rec}}(x)$.
    """
    f_in, f_rec = authors_f(params, x, I, choices)
    return f_in + f_rec if choices.recurrence else f_in


AUTHORS_CELLS = {
    "neural_ode": authors_neural_ode_rhs,
    "ctrnn": authors_ctrnn_rhs,
    "ltc": authors_ltc_rhs,
}


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


@dataclass
class AuthorsTrajectory:
    """Result of `simulate_authors`.

    Attributes:
        t: ``(R,)`` the rows' times (MATLAB's ``t``: $t_0$ and ``refine`` rows per step).
        states: ``(R, k)`` the rows (MATLAB's ``y``).
        gt: ``(S,)`` the input sample times.
        rows_per_interval: ``(S - 1,)`` rows with $t \\in (gt_l, gt_{l+1}]$.
        n_accepted, n_rejected, n_fev: the solver's counts.
    """

    t: np.ndarray
    states: np.ndarray
    gt: np.ndarray
    rows_per_interval: np.ndarray
    n_accepted: int
    n_rejected: int
    n_fev: int

    @property
    def rows_per_sample(self) -> float:
        """Table 2's figure in the script: the mean of `rows_per_interval`."""
        return float(self.rows_per_interval.mean())

    @property
    def steps_per_sample(self) -> float:
        """Accepted steps per input interval (the paper's stated "steps per sample")."""
        return self.n_accepted / self.rows_per_interval.size


def authors_input(choices=AuthorsChoices(), steps=AUTHORS_STEPS):
    r"""The input samples: ``(gt, inputs)``, ``(S,)`` and ``(S, 2)``; ``gt`` spans
    ``[0, t_max]`` and the inputs one full turn $(\sin\varphi, \cos\varphi)$,
    $\varphi = 2\pi\,gt/t_{\max}$ (for the script's $t_{\max} = 2\pi$, $\varphi = gt$)."""
    gt = np.linspace(0.0, choices.t_max, steps)
    phase = np.linspace(0.0, 2 * np.pi, steps)
    return gt, np.stack([np.sin(phase), np.cos(phase)], axis=1)


def simulate_authors(model, params, choices=AuthorsChoices(), steps=AUTHORS_STEPS):
    """Run one of the authors' models on the circle, as their script does.

    Arguments:
        model: ``"neural_ode"``, ``"ctrnn"`` or ``"ltc"``.
        params: `AuthorsParams`.
        choices: `AuthorsChoices`.
        steps: number of input samples (the script's ``steps = 100``).

    Returns:
        `AuthorsTrajectory`.

    Raises:
        RuntimeError: more than ``choices.max_steps_per_interval`` attempted steps per
            interval, or a diverging solution (`ltc_ref.ode45`).
    """
    v.check_choice("model", model, MODELS)
    steps = v.check_int("steps", steps, minimum=2)
    cell = AUTHORS_CELLS[model]
    gt, inputs = authors_input(choices, steps)

    def fun(t, x):
        I = np.array([np.interp(t, gt, inputs[:, 0]), np.interp(t, gt, inputs[:, 1])])
        return cell(params, x, I, choices)

    sol = ode45(
        fun,
        (0.0, choices.t_max),
        np.zeros(params.width),
        rtol=choices.rtol,
        atol=choices.atol,
        max_step=None if choices.max_step == "default" else np.inf,
        refine=choices.refine,
        max_steps=choices.max_steps_per_interval * (steps - 1),
    )
    # Rows in (gt_l, gt_{l+1}]: searchsorted(..., "left") counts the rows <= each gt.
    at_or_before = np.searchsorted(gt, sol.t, side="left")
    counts = np.bincount(at_or_before[at_or_before >= 1] - 1, minlength=steps - 1)
    return AuthorsTrajectory(
        sol.t, sol.y, gt, counts[: steps - 1], sol.n_accepted, sol.n_rejected, sol.n_fev
    )


@dataclass(frozen=True)
class AuthorsJob:
    """One run of the authors' protocol: which network, which model, which choices."""

    study: str
    model: str
    activation: str
    width: int
    sigma: float
    seed: int
    variant: str = "authors"
    choices: AuthorsChoices = AuthorsChoices()


def run_authors_one(job):
    """Draw the network of ``job`` (seeded by activation, width, σ and try only: the models and
    the ablation variants of a try share it), simulate and measure it. Returns a
    `ltc_ref.expressivity.Record` with ``protocol="authors"``; ``sigma_w2`` holds the paper's
    label σ_w², i.e. the script's ``sigma`` (a standard deviation)."""
    rng = _seed("authors", job.activation, job.width, int(job.sigma * 1000), job.seed)
    params = draw_authors_params(
        job.width, rng, activation=job.activation, sigma=job.sigma, weights=job.choices.weights
    )
    steps = AUTHORS_STEPS
    common = dict(
        study=job.study, model=job.model, activation=job.activation, width=job.width,
        sigma_w2=job.sigma, depth=1, seed=job.seed, dt=job.choices.t_max / (steps - 1), T=steps,
        n_samples=steps - 1, protocol="authors", variant=job.variant,
        min_tau=float(params.tau.min()),
    )  # fmt: skip
    t0 = time.perf_counter()
    try:
        traj = simulate_authors(job.model, params, job.choices, steps)
    except RuntimeError as err:  # the attempt cap (a tiny τ) or a diverging run
        nan = float("nan")
        return Record(
            **common, lengths=[nan], explained=[nan], n_accepted=0, n_rejected=0, n_fev=0,
            computational_depth=nan, seconds=time.perf_counter() - t0, completed=False,
            peaks=[nan], rows_per_sample=nan, failure=failure_of(err),
        )  # fmt: skip
    length, explained = trajectory_length(traj.states)
    return Record(
        **common, lengths=[length], explained=[explained], n_accepted=traj.n_accepted,
        n_rejected=traj.n_rejected, n_fev=traj.n_fev,
        computational_depth=traj.steps_per_sample, seconds=time.perf_counter() - t0,
        peaks=[float(np.max(np.abs(traj.states)))], rows_per_sample=traj.rows_per_sample,
    )  # fmt: skip


def ablation_choices(name):
    """The `AuthorsChoices` of the ablation ``name`` (a key of `ABLATIONS`)."""
    v.check_choice("ablation", name, ABLATIONS)
    return replace(AuthorsChoices(), **ABLATIONS[name][1])


# --------------------------------------------------------------------------------------------
# The study
# --------------------------------------------------------------------------------------------

AUTHORS_PARTS = ("table2", "width", "sigma", "ablation")


@dataclass(frozen=True)
class AuthorsStudySize:
    """Run sizes of ``ltc-ref trajectory --protocol authors``.

    Attributes:
        table_tries: tries per cell of Table 2 (the paper: 100).
        tries: tries per point of the width and σ sweeps.
        ablation_tries: tries per cell and switch of the ablation (the first
            ``ablation_tries`` networks of Table 2's cells).
        widths: the widths of the Fig. 3B-style sweep.
        sigmas: the script's ``sigma`` values of the Fig. 3C-style sweep (labelled σ_w²).
        table_width: width of Table 2, the σ sweep and the ablation.
    """

    table_tries: int
    tries: int
    ablation_tries: int
    widths: tuple = (10, 25, 50, 100, 150, 200)
    sigmas: tuple = (1.0, 2.0, 4.0, 8.0)
    table_width: int = 100


AUTHORS_SIZES = {
    "full": AuthorsStudySize(table_tries=100, tries=10, ablation_tries=30),
    "smoke": AuthorsStudySize(
        table_tries=2, tries=1, ablation_tries=1, widths=(4, 8), sigmas=(1.0, 4.0), table_width=8
    ),
}


def authors_study_jobs(size="full", *, parts=AUTHORS_PARTS, ablations=None):
    """The list of `AuthorsJob` of the authors' protocol.

    Arguments:
        size: a key of `AUTHORS_SIZES` or an `AuthorsStudySize`.
        parts: any of ``"table2"`` (every model × activation at ``table_width``, σ = 2),
            ``"width"``, ``"sigma"`` (the sweeps, as shipped), ``"ablation"`` (each switch of
            `ABLATIONS` on the cells it can change; the unswitched baseline is Table 2's runs,
            so ``"ablation"`` adds ``"table2"`` runs for its tries when that part is absent).
        ablations: names of `ABLATIONS` to run (default: all).

    Returns:
        list of `AuthorsJob`.
    """
    if isinstance(size, str):
        size = AUTHORS_SIZES[v.check_choice("size", size, AUTHORS_SIZES)]
    for part in parts:
        v.check_choice("parts", part, AUTHORS_PARTS)
    names = list(ABLATIONS) if ablations is None else list(ablations)
    for name in names:
        v.check_choice("ablations", name, ABLATIONS)
    k0, s0 = size.table_width, AUTHORS_SIGMA
    jobs = []
    table_tries = size.table_tries if "table2" in parts else 0
    if "ablation" in parts:
        table_tries = max(table_tries, size.ablation_tries)
    jobs += [
        AuthorsJob("table2", m, a, k0, s0, s)
        for a in ACTIVATIONS
        for m in MODELS
        for s in range(table_tries)
    ]
    if "ablation" in parts:
        for name in names:
            if name == "authors":
                continue
            choices = ablation_choices(name)
            jobs += [
                AuthorsJob("ablation", m, a, k0, s0, s, name, choices)
                for m, a in ABLATIONS[name][2]
                for s in range(size.ablation_tries)
            ]
    if "width" in parts:
        jobs += [
            AuthorsJob("width", m, a, k, s0, s)
            for a in ACTIVATIONS
            for k in size.widths
            for m in MODELS
            for s in range(size.tries)
        ]
    if "sigma" in parts:
        jobs += [
            AuthorsJob("sigma", m, a, k0, sigma, s)
            for a in ACTIVATIONS
            for sigma in size.sigmas
            for m in MODELS
            for s in range(size.tries)
        ]
    return jobs


# --------------------------------------------------------------------------------------------
# The report (generated from the JSON summary, `ltc_ref.expressivity.summarize`)
# --------------------------------------------------------------------------------------------

#: Table 2 prints two decimals: a figure "matches" the paper when it is within the paper's ±
#: or, for a ± of 0.00, within half a unit of the last printed digit.
PRINTED_HALF_UNIT = 0.005


def within_paper(mean, activation, model):
    """Whether a rows-per-sample ``mean`` lies within Table 2's ± of the paper's figure."""
    paper_mean, paper_std = PAPER_TABLE2[activation][model]
    return bool(abs(mean - paper_mean) <= max(paper_std, PRINTED_HALF_UNIT))


def _find(summary, **kw):
    for e in summary:
        if all(e.get(k) == val for k, val in kw.items()):
            return e
    return None


def _cell(e, digits=2):
    if e is None or not e["tries"]:
        return "–"
    return f"{e['mean']:.{digits}f} ± {e['std']:.{digits}f}"


def _cell_g(e):
    return "–" if e is None or not e["tries"] else f"{e['mean']:.3g} ± {e['std']:.2g}"


def format_authors_report(records, command="", small_tau=SMALL_TAU):
    """The authors' protocol study as Markdown, every figure read from
    `ltc_ref.expressivity.summarize` (what ``ltc-ref trajectory --protocol authors`` prints);
    ``small_tau``: the threshold on a try's smallest τ (figures beside the means)."""
    summary = summarize(records, small_tau)
    st = f"{small_tau:g}"
    lines = [f"Command: `{command}`", ""] if command else []
    base = dict(protocol="authors", part="table2", variant="authors")
    if _find(summary, **base):
        k = next(e["width"] for e in summary if e["part"] == "table2")
        lines += [
            f"### Table 2 (authors' protocol): rows per input interval, width {k}, σ = 2",
            "",
            f"Mean ± std over all tries [median; tries with min τ < {st} of all tries], then "
            f"over the tries with min τ ≥ {st}; **bold**: within the paper's ±.",
            "",
        ]
        header = ["activation"]
        for m in MODELS:
            header += [f"{MODEL_LABELS[m]} (all tries)", f"{MODEL_LABELS[m]} (τ ≥ {st})", "paper"]
        rows = []
        for a in ACTIVATIONS:
            row = [ACTIVATION_LABELS[a]]
            for m in MODELS:
                e = _find(summary, **base, activation=a, model=m, statistic="rows_per_sample")
                if e is None:
                    row += ["–", "–", "–"]
                    continue
                large = {"mean": e["mean_large_tau"], "std": e["std_large_tau"]}
                large_txt = (
                    f"{large['mean']:.2f} ± {large['std']:.2f}"
                    if e["tries"] > e["small_tau_tries"]
                    else "–"
                )
                if e["tries"] > e["small_tau_tries"] and within_paper(large["mean"], a, m):
                    large_txt = f"**{large_txt}**"
                row += [
                    f"{_cell(e)} [{e['median']:.2f}; {e['small_tau_tries']} of {e['tries']}]",
                    large_txt,
                    "{:g} ± {:g}".format(*PAPER_TABLE2[a][m]),
                ]
            rows.append(row)
        lines += _table(header, rows)
        for statistic, title, fmt in [
            ("steps_per_sample", "Accepted ode45 steps per input interval", _cell),
            ("trajectory_length", "Trajectory length (PCA of all returned rows)", _cell_g),
        ]:
            lines += ["", f"### {title}, width {k}, σ = 2 (mean ± std [median])", ""]
            rows = []
            for a in ACTIVATIONS:
                row = [ACTIVATION_LABELS[a]]
                for m in MODELS:
                    e = _find(summary, **base, activation=a, model=m, statistic=statistic)
                    row.append("–" if e is None else f"{fmt(e)} [{e['median']:.3g}]")
                rows.append(row)
            lines += _table(["activation"] + [MODEL_LABELS[m] for m in MODELS], rows)
    ablated = [r for r in records if r.study == "ablation"]
    if ablated:
        # The baseline row compares the same networks: Table 2's first tries, as many as the
        # ablation ran.
        n = 1 + max(r.seed for r in ablated)
        unswitched = [
            replace(r, study="ablation") for r in records if r.study == "table2" and r.seed < n
        ]
        lines += _ablation_tables(summarize(unswitched + ablated, small_tau), st, n)
    for part, key, title in [
        ("width", "width", "Fig. 3B-style (authors' protocol): length against width k, σ = 2"),
        ("sigma", "sigma_w2", "Fig. 3C-style (authors' protocol): length against the script's σ"),
    ]:
        entries = [
            e
            for e in summary
            if e["part"] == part and e["statistic"] == "trajectory_length" and e["tries"]
        ]
        if not entries:
            continue
        xs = sorted({e[key] for e in entries})
        lines += ["", f"### {title} (mean ± std)", ""]
        rows = []
        for m in MODELS:
            for a in ACTIVATIONS:
                cells = [
                    _cell_g(next((e for e in entries if e["model"] == m and e["activation"] == a
                                  and e[key] == x), None))
                    for x in xs
                ]  # fmt: skip
                rows.append([MODEL_LABELS[m], ACTIVATION_LABELS[a], *cells])
        lines += _table(["model", "activation"] + [f"{x:g}" for x in xs], rows)
    found = claims([r for r in records if r.variant == "authors"])
    for a in ACTIVATIONS:  # Table 2's ordering, in the authors' unit (rows per interval)
        es = [
            _find(summary, **base, activation=a, model=m, statistic="rows_per_sample")
            for m in MODELS
        ]
        if all(e is not None and e["tries"] > e["small_tau_tries"] for e in es):
            node, ctrnn, ltc = (e["mean_large_tau"] for e in es)
            found.append(
                (
                    f"rows per interval Neural ODE < CT-RNN < LTC ({a}, min τ ≥ {st})",
                    f"{node:.2f} < {ctrnn:.2f} < {ltc:.2f}",
                    bool(CLEAR_RATIO * node <= ctrnn and CLEAR_RATIO * ctrnn <= ltc),
                )
            )
    lines += claims_table(found, "The paper's claims, as measured under the authors' protocol")
    capped = [r for r in records if not r.completed]
    if capped:
        lines += [
            "",
            f"Not completed (attempt cap or divergence), left out: {len(capped)} of "
            f"{len(records)}:",
        ]
        lines += [""] + [
            f"- {r.variant} {r.study}, {MODEL_LABELS[r.model]}, {ACTIVATION_LABELS[r.activation]}"
            f", k = {r.width}, σ = {r.sigma_w2:g}, try {r.seed} (min τ = {r.min_tau:.2g})"
            + (f": {r.failure}" if r.failure else "")
            for r in capped
        ]
    return "\n".join(lines)


def _ablation_tables(summary, st, tries):
    """The ablation: one row per switch; the 12 cells of Table 2 (rows per interval, mean over
    the tries with min τ ≥ ``st``) and the trajectory lengths; '=' where the switch cannot change
    the cell (identical by construction, not rerun). ``summary`` holds the unswitched runs as
    part ``"ablation"``, variant ``"authors"``."""
    cells = [(m, a) for m in MODELS for a in ACTIVATIONS]
    header = ["switch (one at a time)"] + [
        f"{MODEL_LABELS[m]} {ACTIVATION_LABELS[a]}" for m, a in cells
    ]
    base = [
        _find(summary, protocol="authors", part="ablation", variant="authors", activation=a,
              model=m, statistic="rows_per_sample")
        for m, a in cells
    ]  # fmt: skip

    def figures(statistic, digits):
        rows = []
        paper = ["paper's Table 2"] + [f"{PAPER_TABLE2[a][m][0]:g}" for m, a in cells]
        if statistic == "rows_per_sample":
            rows.append(paper)
        for name, (description, _, affected) in ABLATIONS.items():
            row = [f"{description} (`{name}`)"]
            for m, a in cells:
                if (m, a) not in affected:
                    row.append("=")
                    continue
                e = _find(summary, protocol="authors", part="ablation", variant=name, activation=a,
                          model=m, statistic=statistic)  # fmt: skip
                if e is None or e["tries"] == e["small_tau_tries"]:
                    stopped = "" if e is None else f"{e['capped']} of {e['capped'] + e['tries']}"
                    row.append(f"none completed ({stopped})" if stopped else "–")
                    continue
                txt = f"{e['mean_large_tau']:.{digits}g}"
                if statistic == "rows_per_sample" and within_paper(e["mean_large_tau"], a, m):
                    txt = f"**{txt}**"
                row.append(txt)
            rows.append(row)
            if name == "authors" and statistic == "rows_per_sample":
                row = ["accepted steps instead of rows (`accepted_steps`)"]
                for (m, a), b in zip(cells, base, strict=True):
                    e = _find(summary, protocol="authors", part="ablation", variant="authors",
                              activation=a, model=m, statistic="steps_per_sample")  # fmt: skip
                    if e is None or b is None:
                        row.append("–")
                        continue
                    txt = f"{e['mean_large_tau']:.{digits}g}"
                    if within_paper(e["mean_large_tau"], a, m):
                        txt = f"**{txt}**"
                    row.append(txt)
                rows.append(row)
        return rows

    out = [
        "",
        f"### Ablation: rows per input interval ({tries} tries, mean over the tries with min "
        f"τ ≥ {st}; **bold**: within the paper's ±; '=': unchanged by construction)",
        "",
    ]
    out += _table(header, figures("rows_per_sample", 3))
    out += ["", "### Ablation: trajectory length (same runs, same mean)", ""]
    out += _table(header, figures("trajectory_length", 3))
    return out


def format_comparison(records, small_tau=SMALL_TAU):
    """Table 2 and the trajectory lengths under both protocols beside the paper's numbers
    (Markdown), from `ltc_ref.expressivity.summarize` of records of both protocols: accepted
    steps per sample at Δt = 0.01 and lengths at Δt = 2π/T (equations), rows per interval over
    the tries with min τ ≥ ``small_tau`` and lengths (authors); medians in brackets."""
    summary = summarize(records, small_tau)

    def cell(protocol, a, m, statistic, dt=None, large=False, digits=2):
        es = [
            e
            for e in summary
            if (e["protocol"], e["part"], e["activation"], e["model"], e["statistic"])
            == (protocol, "table2", a, m, statistic)
            and e["variant"] in ("", "authors")
            and (dt is None or np.isclose(e["dt"], dt))
            and e["tries"]
        ]
        if not es:
            return "–"
        e = es[0]
        mean, std = (e["mean_large_tau"], e["std_large_tau"]) if large else (e["mean"], e["std"])
        if digits == 2:
            return f"{mean:.2f} ± {std:.2f} [{e['median']:.2f}]"
        return f"{mean:.3g} ± {std:.2g} [{e['median']:.3g}]"

    T = next((r.T for r in records if r.protocol == "equations"), 100)
    lines = [
        "### Both protocols beside the paper (mean ± std [median])",
        "",
    ]
    header = [
        "activation", "model", "paper's Table 2", "equations: steps/sample (Δt = 0.01)",
        f"authors: rows/interval (min τ ≥ {small_tau:g})", "equations: length (Δt = 2π/T)",
        "authors: length",
    ]  # fmt: skip
    rows = []
    for a in ACTIVATIONS:
        for m in MODELS:
            rows.append(
                [
                    ACTIVATION_LABELS[a], MODEL_LABELS[m],
                    "{:g} ± {:g}".format(*PAPER_TABLE2[a][m]),
                    cell("equations", a, m, "steps_per_sample", dt=0.01),
                    cell("authors", a, m, "rows_per_sample", large=True),
                    cell("equations", a, m, "trajectory_length", dt=2 * np.pi / T, digits=3),
                    cell("authors", a, m, "trajectory_length", digits=3),
                ]
            )  # fmt: skip
    return "\n".join(lines + _table(header, rows))
