r"""The expressivity study of the paper's §5.1: trajectory length and computational depth.

Hasani et al., "Liquid Time-constant Networks", AAAI 2021, §5 (Theorems 4–5, Fig. 1, Fig. 3,
Table 2). A 2-D input trajectory, the circle, is fed to randomly initialised
continuous-time networks; their hidden trajectory is projected onto its first two principal
components and the length of that latent curve is measured. Three cells share one
$f(x, I) = \mathrm{act}(x\gamma_r + I\gamma + \mu)$ (`ltc_ref.model.paper.f`):

$$
    \text{Neural ODE:}\ \dot x = f(x, I), \qquad
    \text{CT-RNN:}\ \dot x = -x/\tau + f(x, I), \qquad
    \text{LTC (Eq. 1):}\ \dot x = -[1/\tau + f(x, I)] \odot x + f(x, I) \odot A.
$$

Parameters (`ltc_ref.init_paper_params`, one draw shared by the three cells of a try): width
$k$, weights $\gamma, \gamma_r \sim N(0, \sigma_w^2/k)$, biases $\mu \sim N(0, \sigma_b^2)$,
$\tau = |N(0, 1)|$, $A \sim N(0, 1)$; activations tanh, sigmoid, ReLU, hard-tanh, element-wise.

**Protocol** (the choices the paper leaves open are ours, and are stated here):

* *Input.* $T$ samples of one turn of the circle, $I_n = (\sin\theta_n, \cos\theta_n)$ with
  $\theta_n = 2\pi n / T$, arriving every $\Delta t$, so the turn takes $T\Delta t$ time
  units. Table 2 states $T = 100$, $\Delta t = 0.01$; the lengths (Fig. 1, 3B–D) use
  $\Delta t = 2\pi/T$, i.e. $I(t) = (\sin t, \cos t)$, $t \in [0, 2\pi]$ as stated for the
  circle (§5.1) — the two statements cannot describe one run. Between samples the solver
  sees the circle itself, $I(t) = (\sin(2\pi t / T\Delta t), \cos(2\pi t / T\Delta t))$
  (``interpolation="exact"``, the smooth curve the samples come from); ``"linear"`` and
  ``"hold"`` (zero-order hold) are available for comparison.
* *Solver.* One adaptive Dormand–Prince 5(4) run (`ltc_ref.dopri5`) over the whole
  $[0, T\Delta t]$, from $x(0) = 0$, **not restarted at each sample**: the step size carries
  over from sample to sample, which is how a smooth system can need fewer steps than samples
  (Table 2's 0.56 for the Neural ODE). Tolerances rtol = 1e-3, atol = 1e-6 (the defaults of
  SciPy's ``RK45``, our guess at what the paper used; the paper does not state them).
  Optional warm-up turns before the measured one (`Protocol.warmup_turns`). A run stops after
  `Protocol.max_steps_per_sample` attempted steps per sample (a $\tau$ of $10^{-5}$, which
  $|N(0, 1)|$ draws now and then, would take hours); the study reports such runs apart.
* *Computational depth* = accepted steps / $T$ (rejected steps are not counted).
* *Latent curve.* The states at ``points_per_sample`` evenly spaced times per input interval
  (dense output), centred, projected onto their first two principal components; its length is
  the sum of the segment lengths. The fraction of variance the two components explain is
  reported with it.
* *Depth.* Layer $\ell \ge 2$ is a cell of the same kind and width whose input is the
  previous layer's state trajectory $x^{(\ell-1)}(t)$ (so its $\gamma$ is $k \times k$, also
  $N(0, \sigma_w^2/k)$); all layers are integrated together as one ODE (one step sequence,
  the error norm taking the worst layer), and each layer's trajectory is measured separately.

The command ``ltc-ref trajectory`` runs the whole study (`main`); ``docs/expressivity.md`` shows
its output beside the paper's numbers.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from . import _validation as v
from ._extras import install_hint
from .model import paper
from .model.params import ACTIVATIONS, init_paper_params
from .solvers import dopri5

MODELS = ("neural_ode", "ctrnn", "ltc")
MODEL_LABELS = {"neural_ode": "Neural ODE", "ctrnn": "CT-RNN", "ltc": "LTC"}
ACTIVATION_LABELS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "ReLU", "hard_tanh": "hard-tanh"}
INTERPOLATIONS = ("exact", "linear", "hold")

#: Table 2 of the paper (mean ± std of RK45 steps per input sample, 100 tries).
PAPER_TABLE2 = {
    "tanh": {"neural_ode": (0.56, 0.016), "ctrnn": (4.13, 2.19), "ltc": (9.19, 2.92)},
    "sigmoid": {"neural_ode": (0.56, 0.00), "ctrnn": (5.33, 3.76), "ltc": (7.00, 5.36)},
    "relu": {"neural_ode": (1.29, 0.10), "ctrnn": (4.31, 2.05), "ltc": (56.9, 9.03)},
    "hard_tanh": {"neural_ode": (0.61, 0.02), "ctrnn": (4.05, 2.17), "ltc": (81.01, 10.05)},
}


# --------------------------------------------------------------------------------------------
# The cells
# --------------------------------------------------------------------------------------------


def neural_ode_rhs(params, x, drive):
    r"""Neural ODE, $\dot x = f(x, I)$ (Chen et al. 2018). Shapes as `ltc_ref.model.paper.rhs`."""
    return paper.f(params, x, drive)


def ctrnn_rhs(params, x, drive):
    r"""CT-RNN, $\dot x = -x/\tau + f(x, I)$ (Funahashi & Nakamura 1993)."""
    return -x / params.tau + paper.f(params, x, drive)


def ltc_rhs(params, x, drive):
    r"""LTC, Eq. 1: $\dot x = -[1/\tau + f] \odot x + f \odot A$ (`ltc_ref.model.paper.rhs`)."""
    return paper.rhs(params, x, drive)


CELLS = {"neural_ode": neural_ode_rhs, "ctrnn": ctrnn_rhs, "ltc": ltc_rhs}


def draw_layers(width, depth, rng, *, activation="tanh", sigma_w2=2.0, sigma_b2=1.0, n_inputs=2):
    r"""Random parameters of a stack of ``depth`` cells of width $k$ (one draw, used by all three
    models: the Neural ODE ignores $\tau$ and $A$, the CT-RNN ignores $A$).

    Arguments:
        width: $k \ge 1$.
        depth: number of layers $\ge 1$; layer 1 reads the ``n_inputs``-dimensional input,
            layer $\ell \ge 2$ reads layer $\ell - 1$'s state ($k$ inputs).
        rng: ``numpy.random.Generator``.
        activation: one of ``ltc_ref.model.params.ACTIVATIONS``.
        sigma_w2: $\sigma_w^2$; weights are $N(0, \sigma_w^2 / k)$.
        sigma_b2: $\sigma_b^2$; biases are $N(0, \sigma_b^2)$.
        n_inputs: input dimension of the first layer (2 for the circle).

    Returns:
        list of ``depth`` `ltc_ref.PaperParams` (float64).
    """
    width = v.check_int("width", width, minimum=1)
    depth = v.check_int("depth", depth, minimum=1)
    sigma_w2 = v.check_real("sigma_w2", sigma_w2, minimum=0.0)
    sigma_b2 = v.check_real("sigma_b2", sigma_b2, minimum=0.0)
    return [
        init_paper_params(
            n_inputs if layer == 0 else width,
            width,
            rng,
            activation=activation,
            sigma_w=np.sqrt(sigma_w2),
            sigma_b=np.sqrt(sigma_b2),
        )
        for layer in range(depth)
    ]


# --------------------------------------------------------------------------------------------
# The input and the integration
# --------------------------------------------------------------------------------------------


def circle_input(t, period):
    r"""The circle $I(t) = (\sin(2\pi t / P), \cos(2\pi t / P))$, ``(..., 2)`` for ``t`` of
    shape ``(...)``; one turn per period $P$."""
    phase = 2 * np.pi * np.asarray(t, dtype=float) / period
    return np.stack([np.sin(phase), np.cos(phase)], axis=-1)


@dataclass(frozen=True)
class Protocol:
    r"""How one network is driven and measured (see the module docstring).

    Attributes:
        T: number of input samples (one turn of the circle).
        dt: input $\Delta t$, time between samples; one turn lasts $T\Delta t$.
        rtol: Dormand–Prince relative tolerance.
        atol: Dormand–Prince absolute tolerance.
        points_per_sample: latent-curve points per input interval (dense output).
        interpolation: the input between samples: ``"exact"`` (the circle), ``"linear"``
            or ``"hold"``.
        max_steps_per_sample: the solver gives up (``RuntimeError``) after this many attempted
            steps per input sample; a stiff draw (a $\tau$ of $10^{-5}$ in $|N(0, 1)|$)
            would otherwise take hours and gigabytes of dense output.
        warmup_turns: turns of the circle run before the measured one (0: measure the first
            turn, from $x(0) = 0$, transient included; $\ge 1$: closer to the periodic
            response). Computational depth counts the steps of every turn.
    """

    T: int = 100
    dt: float = 0.01
    rtol: float = 1e-3
    atol: float = 1e-6
    points_per_sample: int = 4
    interpolation: str = "exact"
    max_steps_per_sample: int = 200
    warmup_turns: int = 0

    def __post_init__(self):
        v.check_int("T", self.T, minimum=2)
        if not v.check_real("dt", self.dt) > 0:
            raise ValueError(f"dt: expected > 0, got {self.dt}")
        v.check_int("points_per_sample", self.points_per_sample, minimum=1)
        v.check_choice("interpolation", self.interpolation, INTERPOLATIONS)
        v.check_int("warmup_turns", self.warmup_turns, minimum=0)
        v.check_int("max_steps_per_sample", self.max_steps_per_sample, minimum=1)

    @property
    def period(self) -> float:
        """One turn of the circle, $T \\Delta t$."""
        return self.T * self.dt

    @property
    def duration(self) -> float:
        """The whole run, warm-up turns included."""
        return (1 + self.warmup_turns) * self.period

    def input_function(self):
        """``t -> (2,)``, the input the solver sees (per ``interpolation``), periodic."""
        period = self.period
        if self.interpolation == "exact":
            return lambda t: circle_input(t, period)
        t_k = np.arange(self.T + 1) * self.dt  # the last sample closes the circle
        samples = circle_input(t_k, period)
        if self.interpolation == "linear":
            return lambda t: np.array([np.interp(t % period, t_k, samples[:, c]) for c in range(2)])
        # Zero-order hold; the 1e-9 guards t_k / dt landing just below an integer.
        return lambda t: samples[int(np.floor((t % period) / self.dt + 1e-9)) % self.T]


@dataclass
class Trajectory:
    """Result of `simulate`.

    Attributes:
        t: ``(P,)`` times of the latent-curve points.
        states: ``(P, depth, k)`` states of every layer at ``t``.
        n_accepted: accepted solver steps.
        n_rejected: rejected solver steps.
        n_fev: right-hand-side evaluations.
        n_samples: input samples over the whole run (warm-up turns included).
    """

    t: np.ndarray
    states: np.ndarray
    n_accepted: int
    n_rejected: int
    n_fev: int
    n_samples: int

    @property
    def computational_depth(self) -> float:
        """Accepted solver steps per input sample (Table 2)."""
        return self.n_accepted / self.n_samples


def simulate(model, layers, protocol=None):
    r"""Drive a stack of cells with the circle and record its trajectory.

    Arguments:
        model: ``"neural_ode"``, ``"ctrnn"`` or ``"ltc"``.
        layers: list of `ltc_ref.PaperParams` of equal width $k$ (`draw_layers`); layer 1
            takes 2 inputs, the others $k$.
        protocol: `Protocol` (default: ``Protocol()``).

    Returns:
        `Trajectory`.

    Raises:
        RuntimeError: when the solver needs more than ``protocol.max_steps_per_sample``
            attempted steps per input sample.
    """
    v.check_choice("model", model, MODELS)
    protocol = Protocol() if protocol is None else protocol
    if not layers:
        raise ValueError("layers: expected at least one layer")
    k = layers[0].n_units
    if layers[0].n_inputs != 2 or any(p.n_units != k or p.n_inputs != k for p in layers[1:]):
        raise ValueError("layers: expected layer 1 with 2 inputs and k units, then k -> k layers")
    cell = CELLS[model]
    input_of = protocol.input_function()

    def fun(t, y):  # y: (depth, k)
        dy = np.empty_like(y)
        for layer, params in enumerate(layers):
            inp = input_of(t) if layer == 0 else y[layer - 1]
            dy[layer] = cell(params, y[layer], paper.input_drive(params, inp))
        return dy

    y0 = np.zeros((len(layers), k))
    n_samples = protocol.T * (1 + protocol.warmup_turns)
    sol = dopri5(
        fun,
        (0.0, protocol.duration),
        y0,
        rtol=protocol.rtol,
        atol=protocol.atol,
        max_steps=protocol.max_steps_per_sample * n_samples,
        dense=True,
    )
    # The measured (last) turn, T * points_per_sample intervals, both ends included.
    start = protocol.duration - protocol.period
    t = np.linspace(start, protocol.duration, protocol.T * protocol.points_per_sample + 1)
    return Trajectory(t, sol(t), sol.n_accepted, sol.n_rejected, sol.n_fev, n_samples)


# --------------------------------------------------------------------------------------------
# Measuring the latent curve
# --------------------------------------------------------------------------------------------


def pca_2d(states):
    r"""Project a trajectory onto its first two principal components.

    With the centred data $X = U S V^\top$ (``(P, k)``), $z = U_{:, :2} S_{:2}$ and the
    explained fraction $(s_1^2 + s_2^2) / \sum_i s_i^2$.

    Arguments:
        states: ``(P, k)`` states at P times.

    Returns:
        z (np.ndarray): ``(P, 2)``, the latent curve.
        explained (float): the fraction of variance in it (1 for a constant trajectory, whose latent
            curve is a point).
    """
    X = v.as_array("states", states, ndim=2)
    X = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(X, full_matrices=False)
    S2 = np.zeros(2)
    S2[: min(2, S.size)] = S[:2]
    z = np.zeros((X.shape[0], 2))
    z[:, : min(2, S.size)] = U[:, :2] * S[:2]
    total = float(np.sum(S**2))
    return z, (float(np.sum(S2**2)) / total if total > 0 else 1.0)


def arc_length(z):
    r"""Length of the polygonal curve through the rows of ``z`` (``(P, d)``):
    $\sum_n \lVert z_{n+1} - z_n \rVert_2$."""
    z = v.as_array("z", z, ndim=2)
    return float(np.sum(np.linalg.norm(np.diff(z, axis=0), axis=1)))


def trajectory_length(states):
    """Arc length of the 2-D PCA projection of ``states`` (``(P, k)``); returns
    ``(length, explained_variance)``."""
    z, explained = pca_2d(states)
    return arc_length(z), explained


# --------------------------------------------------------------------------------------------
# The study
# --------------------------------------------------------------------------------------------

#: Table 2's stated input spacing: T = 100 samples Δt = 0.01 apart, one turn in 1 time unit.
TABLE2_DT = 0.01
#: Fixed settings (Fig. 3 / Table 2): σ_w² and σ_b² when not varied.
DEFAULT_SIGMA_W2, DEFAULT_SIGMA_B2 = 2.0, 1.0
PARTS = ("table2", "width", "sigma", "depth")


def circle_dt(T):
    r"""$\Delta t = 2\pi / T$: the samples of $I(t) = (\sin t, \cos t)$, $t \in [0, 2\pi]$
    (§5.1), the circle in its own time; the protocol of the length studies."""
    return 2 * np.pi / T


@dataclass(frozen=True)
class StudySize:
    """Run sizes of the study (``ltc-ref trajectory --size``).

    Attributes:
        tries: random networks per configuration of the length studies (Fig. 3B–D).
        table_tries: random networks per cell of Table 2.
        widths: the widths of Fig. 3B.
        sigma_w2s: the σ_w² of Fig. 3C.
        max_depth: the deepest stack of Fig. 3D.
        depth_width: width of the layers of Fig. 3D.
        table_width: width of Table 2 and Fig. 3C.
        T: input samples.
    """

    tries: int
    table_tries: int
    widths: tuple = (10, 25, 50, 100, 150, 200)
    sigma_w2s: tuple = (1.0, 2.0, 4.0, 8.0)
    max_depth: int = 6
    depth_width: int = 100
    table_width: int = 100
    T: int = 100


SIZES = {
    "full": StudySize(tries=5, table_tries=12),
    "smoke": StudySize(
        tries=1,
        table_tries=2,
        widths=(4, 8),
        sigma_w2s=(1.0, 4.0),
        max_depth=2,
        depth_width=4,
        table_width=8,
        T=20,
    ),
}


def _seed(*key):
    """A reproducible generator per configuration, independent of run order and of the model
    (so that the three models of a try share one network)."""
    words = [
        int(x) if isinstance(x, int | np.integer) else zlib.crc32(str(x).encode()) for x in key
    ]
    return np.random.default_rng(np.random.SeedSequence([20210204, *words]))


@dataclass(frozen=True)
class Job:
    """One run of the study: which network, which cell, which protocol."""

    study: str
    model: str
    activation: str
    width: int
    sigma_w2: float
    depth: int
    seed: int
    protocol: Protocol


@dataclass
class Record:
    r"""One measured run.

    Attributes:
        study: ``"table2"``, ``"width"``, ``"sigma"`` or ``"depth"``.
        model: ``"neural_ode"``, ``"ctrnn"`` or ``"ltc"``.
        activation: the activation of f.
        width: k.
        sigma_w2: $\sigma_w^2$.
        depth: number of layers.
        seed: the try's index.
        dt: the input Δt of the protocol.
        T: input samples per turn of the circle.
        n_samples: input samples of the whole run (warm-up turns included).
        lengths: latent-curve length of each layer.
        explained: variance explained by the two components, per layer.
        n_accepted: accepted solver steps.
        n_rejected: rejected solver steps.
        n_fev: right-hand-side evaluations.
        computational_depth: accepted steps per input sample.
        seconds: wall time of the run.
        completed: False when the solver hit the step cap (`Protocol.max_steps_per_sample`);
            the figures are then NaN and the run is left out of every summary (and counted).
        peaks: largest $|x_i(t)|$ over the measured turn, per layer (an unbounded trajectory
            is long for a different reason than a winding one).
        protocol: ``"equations"`` (this module) or ``"authors"``
            (`ltc_ref.expressivity_authors`; there ``sigma_w2`` is the paper's label σ_w²,
            i.e. the script's ``sigma``, a standard deviation).
        variant: the ablation variant (``"authors"`` for the authors' protocol as shipped,
            ``""`` under the equations protocol).
        rows_per_sample: solver output rows per input interval (the authors' count; NaN under
            the equations protocol, which counts accepted steps).
        min_tau: the smallest $\tau_i$ of the network (a tiny one makes the solver crawl).
        failure: why a run did not complete (`failure_of`); ``""`` for a completed run.
    """

    study: str
    model: str
    activation: str
    width: int
    sigma_w2: float
    depth: int
    seed: int
    dt: float
    T: int
    n_samples: int
    lengths: list
    explained: list
    n_accepted: int
    n_rejected: int
    n_fev: int
    computational_depth: float
    seconds: float = field(default=0.0)
    completed: bool = True
    peaks: list = field(default_factory=list)
    protocol: str = "equations"
    variant: str = ""
    rows_per_sample: float = float("nan")
    min_tau: float = float("nan")
    failure: str = ""


def run_one(job):
    """Draw the network of ``job`` (seeded by its configuration, not its model or Δt), simulate
    it and measure every layer. Returns a `Record`."""
    rng = _seed(job.study, job.activation, job.width, int(job.sigma_w2 * 1000), job.depth, job.seed)
    layers = draw_layers(
        job.width,
        job.depth,
        rng,
        activation=job.activation,
        sigma_w2=job.sigma_w2,
        sigma_b2=DEFAULT_SIGMA_B2,
    )
    t0 = time.perf_counter()
    n_samples = job.protocol.T * (1 + job.protocol.warmup_turns)
    min_tau = float(min(p.tau.min() for p in layers))
    try:
        traj = simulate(job.model, layers, job.protocol)
    except RuntimeError as err:  # the step cap: too stiff for an explicit solver in time
        nan = [float("nan")] * job.depth
        return Record(
            job.study, job.model, job.activation, job.width, job.sigma_w2, job.depth, job.seed,
            job.protocol.dt, job.protocol.T, n_samples, nan, nan, 0, 0, 0, float("nan"),
            time.perf_counter() - t0, completed=False, peaks=nan, min_tau=min_tau,
            failure=failure_of(err),
        )  # fmt: skip
    measured = [trajectory_length(traj.states[:, d]) for d in range(job.depth)]
    return Record(
        job.study,
        job.model,
        job.activation,
        job.width,
        job.sigma_w2,
        job.depth,
        job.seed,
        job.protocol.dt,
        job.protocol.T,
        traj.n_samples,
        [m[0] for m in measured],
        [m[1] for m in measured],
        traj.n_accepted,
        traj.n_rejected,
        traj.n_fev,
        traj.computational_depth,
        time.perf_counter() - t0,
        peaks=[float(np.max(np.abs(traj.states[:, d]))) for d in range(job.depth)],
        min_tau=min_tau,
    )


def failure_of(err):
    """Why a solver raised ``RuntimeError``: ``"diverges"`` (a non-finite state),
    ``"step underflow"`` (the step fell below its minimum: a finite-time blow-up or extreme
    stiffness; MATLAB's "unable to meet integration tolerances") or ``"step cap"`` (more than
    the allowed number of steps)."""
    msg = str(err)
    if "not finite" in msg:
        return "diverges"
    if "underflow" in msg or "below the minimum" in msg:
        return "step underflow"
    return "step cap"


def study_jobs(
    size="full", *, parts=PARTS, interpolation="exact", rtol=1e-3, atol=1e-6, warmup_turns=0
):
    """The list of `Job` of the study.

    Arguments:
        size: a key of `SIZES` or a `StudySize`.
        parts: any of ``"table2"`` (computational depth of every model × activation at width
            ``table_width``, σ_w² = 2, with Δt = 0.01 and with Δt = 2π/T), ``"width"``
            (Fig. 3B), ``"sigma"`` (Fig. 3C), ``"depth"`` (Fig. 3D: tanh and sigmoid).
        interpolation: the input between samples (`Protocol`).
        rtol: solver relative tolerance.
        atol: solver absolute tolerance.
        warmup_turns: turns run before the measured one (`Protocol`).
    """
    size = SIZES[v.check_choice("size", size, SIZES)] if isinstance(size, str) else size
    for part in parts:
        v.check_choice("parts", part, PARTS)

    def protocol(dt):
        return Protocol(
            T=size.T,
            dt=dt,
            rtol=rtol,
            atol=atol,
            interpolation=interpolation,
            warmup_turns=warmup_turns,
        )

    circle = protocol(circle_dt(size.T))
    k0, w0 = size.table_width, DEFAULT_SIGMA_W2
    jobs = []
    if "table2" in parts:
        for dt in (TABLE2_DT, circle.dt):
            jobs += [
                Job("table2", m, a, k0, w0, 1, s, protocol(dt))
                for a in ACTIVATIONS
                for m in MODELS
                for s in range(size.table_tries)
            ]
    if "width" in parts:
        jobs += [
            Job("width", m, a, k, w0, 1, s, circle)
            for a in ACTIVATIONS
            for k in size.widths
            for m in MODELS
            for s in range(size.tries)
        ]
    if "sigma" in parts:
        jobs += [
            Job("sigma", m, a, k0, w2, 1, s, circle)
            for a in ACTIVATIONS
            for w2 in size.sigma_w2s
            for m in MODELS
            for s in range(size.tries)
        ]
    if "depth" in parts:
        jobs += [
            Job("depth", m, a, size.depth_width, w0, size.max_depth, s, circle)
            for a in ("tanh", "sigmoid")
            for m in MODELS
            for s in range(size.tries)
        ]
    return jobs


#: Environment that keeps each worker process's BLAS to one thread (two single-threaded
#: workers on two cores are much faster than two processes whose BLAS threads contend).
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_jobs(jobs, *, workers=1, progress=None, runner=None):
    """Run `Job` s, in this process (``workers=1``) or in a pool of fresh processes.

    Arguments:
        jobs: list of `Job` (or of ``AuthorsJob`` with
            ``runner=ltc_ref.expressivity_authors.run_authors_one``).
        workers: number of processes.
        progress: optional callable receiving a one-line message per finished run.
        runner: module-level function ``job -> Record`` (default `run_one`).

    Returns:
        list of `Record`, in the order of ``jobs``.
    """
    workers = v.check_int("workers", workers, minimum=1)
    runner = run_one if runner is None else runner

    def report(rec):
        if progress is not None:
            progress(
                f"{rec.variant or rec.study:8s} {rec.model:10s} {rec.activation:9s} "
                f"k={rec.width:<3d} "
                f"sw2={rec.sigma_w2:g} d={rec.depth} dt={rec.dt:.3g} try {rec.seed}: "
                f"length {rec.lengths[-1]:9.3f}  steps/sample "
                f"{rec.computational_depth:7.2f}  ({rec.seconds:.1f} s)"
            )

    if workers == 1:
        records = []
        for job in jobs:
            records.append(runner(job))
            report(records[-1])
        return records
    import concurrent.futures as cf
    import multiprocessing
    import os

    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)  # inherited by the spawned workers before they import NumPy
    try:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(runner, job): i for i, job in enumerate(jobs)}
            records = [None] * len(jobs)
            for fut in cf.as_completed(futures):
                records[futures[fut]] = fut.result()
                report(records[futures[fut]])
    finally:
        for k, val in saved.items():
            if val is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = val
    return records


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def _select(records, **kw):
    """The completed records whose fields equal ``kw``."""
    return [
        r for r in records if r.completed and all(getattr(r, k) == val for k, val in kw.items())
    ]


def _mean_std(xs):
    xs = np.asarray(xs, dtype=float)
    if xs.size == 0:
        return float("nan"), float("nan")
    return float(xs.mean()), (float(xs.std(ddof=1)) if xs.size > 1 else 0.0)


#: Statistics of the JSON ``summary``: name -> the per-run value (NaN values are skipped:
#: ``rows_per_sample`` exists only under the authors' protocol).
STATISTICS = {
    "steps_per_sample": lambda r, layer: r.computational_depth,
    "rows_per_sample": lambda r, layer: r.rows_per_sample,
    "fev_per_sample": lambda r, layer: r.n_fev / r.n_samples,
    "trajectory_length": lambda r, layer: r.lengths[layer],
}
#: A try whose smallest τ is below this makes every explicit solver crawl (its steps are a
#: few τ long): a handful of such tries dominate a mean, so they are counted beside it.
SMALL_TAU = 1e-3


def _moments(xs):
    xs = np.asarray(xs, dtype=float)
    mean, std = _mean_std(xs)
    return mean, std, (float(np.median(xs)) if xs.size else float("nan"))


def summarize(records, small_tau=SMALL_TAU):
    r"""One entry per reported figure: every statistic of every configuration.

    A configuration is (protocol, part, variant, activation, model, width, σ_w², Δt, layer).
    Each entry holds ``protocol``, ``part``, ``activation``, ``model``, ``statistic`` (a key
    of `STATISTICS`), ``mean``, ``std`` (ddof = 1), ``median`` and ``tries`` (completed runs),
    plus ``variant``, ``width``, ``sigma_w2``, ``dt``, ``layer`` (1-based), ``capped`` (runs
    stopped at the step cap, not in the figures), ``small_tau_tries`` (completed runs whose
    smallest τ is below ``small_tau``) and ``mean_large_tau``, ``std_large_tau`` over the
    other runs.

    Arguments:
        records: list of `Record`.
        small_tau: the threshold on the network's smallest τ (default `SMALL_TAU`).

    Returns:
        list of dicts (JSON-serialisable), in the order the configurations first appear.
    """
    groups = {}
    for r in records:
        for layer in range(r.depth):
            key = (
                r.protocol, r.study, r.variant, r.activation, r.model, r.width,
                float(r.sigma_w2), round(float(r.dt), 12), layer,
            )  # fmt: skip
            groups.setdefault(key, []).append(r)
    out = []
    for key, rs in groups.items():
        protocol, part, variant, activation, model, width, sigma_w2, dt, layer = key
        done = [r for r in rs if r.completed]
        for statistic, value in STATISTICS.items():
            if statistic != "trajectory_length" and layer > 0:
                continue  # counts belong to the whole stack, reported once
            vals = [(value(r, layer), r.min_tau) for r in done]
            vals = [(x, tau) for x, tau in vals if np.isfinite(x)]
            if done and not vals:
                continue  # a statistic this protocol does not measure
            mean, std, median = _moments([x for x, _ in vals])
            large = [x for x, tau in vals if not tau < small_tau]
            mean_l, std_l, _ = _moments(large)
            out.append(
                {
                    "protocol": protocol, "part": part, "variant": variant,
                    "activation": activation, "model": model, "width": width,
                    "sigma_w2": sigma_w2, "dt": dt, "layer": layer + 1,
                    "statistic": statistic, "mean": mean, "std": std, "median": median,
                    "tries": len(vals), "capped": len(rs) - len(done),
                    "small_tau_tries": len(vals) - len(large),
                    "mean_large_tau": mean_l, "std_large_tau": std_l,
                }
            )  # fmt: skip
    return out


def table2(records, dt=TABLE2_DT, quantity="computational_depth"):
    """Table 2 from the records: ``{activation: {model: (mean, std)}}`` of accepted steps per
    input sample (``quantity="computational_depth"``), or of right-hand-side evaluations per
    sample (``"fev"``), for the runs with input spacing ``dt``."""
    out = {}
    for a in ACTIVATIONS:
        for m in MODELS:
            rs = [
                r
                for r in _select(records, study="table2", activation=a, model=m)
                if np.isclose(r.dt, dt)
            ]
            if rs:
                vals = [
                    r.computational_depth
                    if quantity == "computational_depth"
                    else r.n_fev / r.n_samples
                    for r in rs
                ]
                out.setdefault(a, {})[m] = _mean_std(vals)
    return out


def length_curve(records, study, model, activation, key=None, dt=None):
    """Mean ± std of the last layer's length against ``key`` (``"width"``, ``"sigma_w2"``), or
    per layer for ``study="depth"``: ``[(x, mean, std), ...]``."""
    rs = _select(records, study=study, model=model, activation=activation)
    if dt is not None:
        rs = [r for r in rs if np.isclose(r.dt, dt)]
    if not rs:
        return []
    if study == "depth":
        per_layer = np.array([r.lengths for r in rs])
        return [(d + 1, *_mean_std(per_layer[:, d])) for d in range(per_layer.shape[1])]
    xs = sorted({getattr(r, key) for r in rs})
    return [(x, *_mean_std([r.lengths[-1] for r in rs if getattr(r, key) == x])) for x in xs]


def _loglog_slope(curve):
    curve = np.asarray(curve, dtype=float)
    return float(np.polyfit(np.log(curve[:, 0]), np.log(curve[:, 1]), 1)[0])


#: "A is longer / deeper than B" holds when mean(A) >= CLEAR_RATIO * mean(B): a 20 % margin, so
#: that equal figures (e.g. the CT-RNN's and the LTC's step counts, both set by the smallest τ)
#: do not count as an ordering. The paper's ratios are >= 1.3.
CLEAR_RATIO = 1.2
#: "Grows linearly": the least-squares exponent p of length ~ x^p over the measured range lies
#: in this interval (a loose reading: the paper shows a straight line on linear axes).
LINEAR_EXPONENTS = (0.7, 1.3)
#: "Does not grow with depth": the last layer's mean length is at most this multiple of the
#: first layer's (the paper's tanh/sigmoid curves are flat; this allows noise of 5 tries).
DEPTH_GROWTH_LIMIT = 1.5


def claims(records):
    """The paper's measurable claims (§5.1), each with the figure measured here.

    Returns:
        list of ``(claim, figure, holds)``; ``holds`` is True, False or None (not measured).
    """
    out = []
    circle = [r for r in _select(records, study="table2") if not np.isclose(r.dt, TABLE2_DT)]
    for a in ACTIVATIONS:
        means = {
            m: np.mean([r.lengths[0] for r in circle if r.model == m and r.activation == a])
            for m in MODELS
            if any(r.model == m and r.activation == a for r in circle)
        }
        if len(means) == 3:
            fig = ", ".join(f"{MODEL_LABELS[m]} {means[m]:.3g}" for m in MODELS)
            out.append(
                (
                    f"LTC trajectory longer than CT-RNN and Neural ODE ({a})",
                    fig,
                    bool(means["ltc"] >= CLEAR_RATIO * max(means["ctrnn"], means["neural_ode"])),
                )
            )
    for a in ACTIVATIONS:
        curve = length_curve(records, "width", "ltc", a, "width")
        if len(curve) >= 2:
            p = _loglog_slope(curve)
            lo, hi = LINEAR_EXPONENTS
            out.append(
                (
                    f"LTC length grows linearly with width k ({a})",
                    f"length ~ k^{p:.2f}",
                    bool(lo <= p <= hi),
                )
            )
    for a in ACTIVATIONS:
        curve = length_curve(records, "sigma", "ltc", a, "sigma_w2")
        if len(curve) >= 2:
            p = _loglog_slope(curve)
            out.append(
                (
                    f"LTC length grows faster than linearly with σ_w² ({a})",
                    f"length ~ (σ_w²)^{p:.2f}",
                    bool(p > 1.0),
                )
            )
    for a in ("tanh", "sigmoid"):
        curve = length_curve(records, "depth", "ltc", a)
        if len(curve) >= 2:
            ratio = curve[-1][1] / curve[0][1]
            out.append(
                (
                    f"LTC length does not grow with depth ({a})",
                    f"layer {len(curve)} / layer 1 = {ratio:.2f}",
                    bool(ratio <= DEPTH_GROWTH_LIMIT),
                )
            )
    t2 = table2(records)
    for a, row in t2.items():
        if len(row) == 3:
            node, ctrnn, ltc = (row[m][0] for m in MODELS)
            order = CLEAR_RATIO * node <= ctrnn and CLEAR_RATIO * ctrnn <= ltc
            fig = " < ".join(f"{row[m][0]:.2f}" for m in MODELS)
            out.append(
                (
                    f"computational depth Neural ODE < CT-RNN < LTC ({a}, Δt = 0.01)",
                    fig,
                    bool(order),
                )
            )
    return out


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows]


def claims_table(found, title):
    """Markdown lines of a list of `claims` (``[]`` for none), under the heading ``title``."""
    if not found:
        return []
    verdict = {True: "yes", False: "**no**", None: "-"}
    rows = [[c, f, verdict[h]] for c, f, h in found]
    return ["", f"### {title}", "", *_table(["claim", "measured", "reproduced?"], rows)]


def _pm(row, model):
    """``mean ± std`` of ``row[model]`` with two decimals, or a dash when absent."""
    return "{:.2f} ± {:.2f}".format(*row[model]) if model in row else "–"


def format_report(records, command="", small_tau=SMALL_TAU):
    """The study as Markdown (what ``ltc-ref trajectory`` prints); ``small_tau`` as in
    `summarize`."""
    lines = [f"Command: `{command}`", ""] if command else []
    t2 = table2(records)
    if t2:
        T = records[0].T
        lines += [f"### Table 2: accepted RK45 steps per input sample (T = {T}, Δt = 0.01)", ""]
        header = ["activation"] + [
            f"{MODEL_LABELS[m]} {who}" for m in MODELS for who in ("(ours)", "(paper)")
        ]
        rows = [
            [ACTIVATION_LABELS[a]]
            + [
                c
                for m in MODELS
                for c in (
                    _pm(row, m),
                    "{:g} ± {:g}".format(*PAPER_TABLE2[a][m]),
                )
            ]
            for a, row in t2.items()
        ]
        lines += _table(header, rows)
        medians = [
            e
            for e in summarize(_select(records, study="table2"), small_tau)
            if e["statistic"] == "steps_per_sample" and np.isclose(e["dt"], TABLE2_DT)
        ]
        if medians:
            lines += [
                "",
                f"### The same runs: median [tries with min τ < {small_tau:g} of all tries; "
                "mean ± std of the others]",
                "",
            ]
            rows = []
            for a in ACTIVATIONS:
                cells = []
                for m in MODELS:
                    e = next((e for e in medians if (e["activation"], e["model"]) == (a, m)), None)
                    cells.append(
                        "–"
                        if e is None
                        else f"{e['median']:.2f} [{e['small_tau_tries']} of {e['tries']}; "
                        f"{e['mean_large_tau']:.2f} ± {e['std_large_tau']:.2f}]"
                    )
                rows.append([ACTIVATION_LABELS[a], *cells])
            lines += _table(["activation"] + [MODEL_LABELS[m] for m in MODELS], rows)
        for title, dt, quantity in [
            ("Right-hand-side evaluations per input sample (Δt = 0.01)", TABLE2_DT, "fev"),
            (
                f"Accepted steps per input sample, circle in its own time (Δt = 2π/{T})",
                circle_dt(T),
                "computational_depth",
            ),
        ]:
            tab = table2(records, dt, quantity)
            if tab:
                lines += ["", f"### {title}", ""]
                lines += _table(
                    ["activation"] + [MODEL_LABELS[m] for m in MODELS],
                    [
                        [ACTIVATION_LABELS[a]] + [_pm(row, m) for m in MODELS]
                        for a, row in tab.items()
                    ],
                )
        circle = [r for r in _select(records, study="table2") if np.isclose(r.dt, circle_dt(T))]
        if circle:
            k = circle[0].width
            lines += [
                "",
                f"### Trajectory length, width {k}, σ_w² = 2, Δt = 2π/{T} "
                "(variance explained by PC1+PC2 in brackets)",
                "",
            ]
            rows = []
            for a in ACTIVATIONS:
                cells = []
                for m in MODELS:
                    rs = [r for r in circle if r.model == m and r.activation == a]
                    mean, std = _mean_std([r.lengths[0] for r in rs])
                    explained = _mean_std([r.explained[0] for r in rs])[0]
                    cells.append(f"{mean:.3g} ± {std:.2g} ({explained:.2f})" if rs else "–")
                rows.append([ACTIVATION_LABELS[a], *cells])
            lines += _table(["activation"] + [MODEL_LABELS[m] for m in MODELS], rows)
            lines += [
                "",
                "### Largest |x_i(t)| on the same runs (A ~ N(0, 1); Theorem 2 bounds the LTC "
                "by max(|A_i|, |x_i(0)|) when f >= 0)",
                "",
            ]
            rows = [
                [ACTIVATION_LABELS[a]]
                + [
                    "{:.3g} ± {:.2g}".format(
                        *_mean_std(
                            [r.peaks[0] for r in circle if r.model == m and r.activation == a]
                        )
                    )
                    for m in MODELS
                ]
                for a in ACTIVATIONS
            ]
            lines += _table(["activation"] + [MODEL_LABELS[m] for m in MODELS], rows)
    for study, key, title in [
        ("width", "width", "Fig. 3B: length against width k"),
        ("sigma", "sigma_w2", "Fig. 3C: length against σ_w²"),
    ]:
        rs = _select(records, study=study)
        if not rs:
            continue
        xs = sorted({getattr(r, key) for r in rs})
        lines += ["", f"### {title} (Δt = 2π/T)", ""]
        rows = [
            [MODEL_LABELS[m], ACTIVATION_LABELS[a]]
            + [f"{mu:.3g} ± {sd:.2g}" for _, mu, sd in length_curve(records, study, m, a, key)]
            for m in MODELS
            for a in ACTIVATIONS
            if length_curve(records, study, m, a, key)
        ]
        lines += _table(["model", "activation"] + [f"{x:g}" for x in xs], rows)
    rs = _select(records, study="depth")
    if rs:
        depth = max(r.depth for r in rs)
        lines += ["", "### Fig. 3D: length per layer (Δt = 2π/T)", ""]
        rows = [
            [MODEL_LABELS[m], ACTIVATION_LABELS[a]]
            + [f"{mu:.3g} ± {sd:.2g}" for _, mu, sd in length_curve(records, "depth", m, a)]
            for m in MODELS
            for a in ("tanh", "sigmoid")
            if length_curve(records, "depth", m, a)
        ]
        lines += _table(["model", "activation"] + [f"layer {d}" for d in range(1, depth + 1)], rows)
    lines += claims_table(claims(records), "The paper's claims, as measured here")
    capped = [r for r in records if not r.completed]
    if capped:
        cap = f"{len(capped)} of {len(records)} runs"
        lines += ["", f"Stopped at the step cap and left out of the tables above: {cap}:", ""]
        lines += [
            f"- {r.study}, {MODEL_LABELS[r.model]}, {ACTIVATION_LABELS[r.activation]}, "
            f"k = {r.width}, σ_w² = {r.sigma_w2:g}, depth {r.depth}, Δt = {r.dt:.3g}, "
            f"try {r.seed}"
            for r in capped
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Figures (matplotlib: the optional ``plot`` extra, imported here only)
# --------------------------------------------------------------------------------------------

_COLOURS = {"neural_ode": "tab:blue", "ctrnn": "tab:orange", "ltc": "tab:green"}


def _pyplot():
    try:
        import matplotlib
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"plots need matplotlib (the plot extra): {install_hint('plot')}; or run without "
            "--plots"
        ) from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _panel(ax, curve, model):
    curve = np.asarray(curve, dtype=float)
    if curve.size:
        ax.errorbar(
            curve[:, 0],
            curve[:, 1],
            yerr=curve[:, 2],
            marker="o",
            ms=3,
            capsize=2,
            color=_COLOURS[model],
            label=MODEL_LABELS[model],
        )


def plot_study(records, outdir):
    """Write the Fig. 3B/3C/3D-style PNGs of ``records`` into ``outdir``; return the paths."""
    import pathlib

    plt = _pyplot()
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    # Under the authors' protocol the paper's σ_w² label is the script's sigma, a std.
    authors = bool(records) and all(r.protocol == "authors" for r in records)
    sigma_label = r"the script's $\sigma$ (std; the paper's $\sigma_w^2$)" if authors else None
    figures = [
        ("width", "width", "width k", ACTIVATIONS, "trajectory_width.png"),
        (
            "sigma",
            "sigma_w2",
            sigma_label or r"$\sigma_w^2$",
            ACTIVATIONS,
            "trajectory_sigma_w.png",
        ),
        ("depth", None, "layer", ("tanh", "sigmoid"), "trajectory_depth.png"),
    ]
    for study, key, xlabel, acts, name in figures:
        if not _select(records, study=study):
            continue
        fig, axes = plt.subplots(1, len(acts), figsize=(3.5 * len(acts), 3.4))
        for ax, a in zip(axes, acts, strict=True):
            for m in MODELS:
                _panel(ax, length_curve(records, study, m, a, key), m)
            ax.set_yscale("log")
            ax.set_title(ACTIVATION_LABELS[a])
            ax.set_xlabel(xlabel)
        axes[0].set_ylabel("trajectory length")
        labelled = [ax for ax in axes if ax.get_legend_handles_labels()[0]]
        if labelled:
            labelled[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(outdir / name, dpi=100)
        plt.close(fig)
        paths.append(outdir / name)
    return paths


def plot_latent_trajectories(
    outdir, *, activation="tanh", width=100, sigma_w2=2.0, seed=0, protocol=None
):
    """Fig. 1-style figure: the input circle and the 2-D latent trajectories of the three models
    (one shared random network, colour = time). Returns the path of the PNG."""
    import pathlib

    plt = _pyplot()
    protocol = Protocol(dt=circle_dt(100)) if protocol is None else protocol
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    layers = draw_layers(
        width,
        1,
        _seed("fig1", activation, seed),
        activation=activation,
        sigma_w2=sigma_w2,
        sigma_b2=DEFAULT_SIGMA_B2,
    )
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
    circle = circle_input(np.linspace(0, protocol.duration, 200), protocol.duration)
    axes[0].plot(circle[:, 0], circle[:, 1], color="k")
    axes[0].set_title("input I(t)", fontsize=9)
    for ax, m in zip(axes[1:], MODELS, strict=True):
        traj = simulate(m, layers, protocol)
        z, explained = pca_2d(traj.states[:, 0])
        points = ax.scatter(z[:, 0], z[:, 1], c=traj.t, s=4, cmap="viridis")
        ax.plot(z[:, 0], z[:, 1], lw=0.5, color="grey")
        ax.set_title(
            f"{MODEL_LABELS[m]} ({ACTIVATION_LABELS[activation]}): length "
            f"{arc_length(z):.3g}\nPC1+PC2 explain {100 * explained:.0f} %",
            fontsize=9,
        )
    for ax in axes:
        ax.set_aspect("equal", adjustable="datalim")
    fig.colorbar(points, ax=axes[-1], label="t")
    fig.tight_layout()
    path = outdir / f"latent_{activation}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


__all__ = [
    "CELLS",
    "MODELS",
    "PAPER_TABLE2",
    "SIZES",
    "SMALL_TAU",
    "STATISTICS",
    "Job",
    "Protocol",
    "Record",
    "StudySize",
    "Trajectory",
    "arc_length",
    "circle_dt",
    "circle_input",
    "claims",
    "ctrnn_rhs",
    "draw_layers",
    "format_report",
    "length_curve",
    "ltc_rhs",
    "neural_ode_rhs",
    "pca_2d",
    "plot_latent_trajectories",
    "plot_study",
    "run_jobs",
    "run_one",
    "study_jobs",
    "summarize",
    "table2",
    "trajectory_length",
]
