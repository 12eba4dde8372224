r"""The paper's bounds (Theorems 1 and 2) as functions you can evaluate on your own parameters.

Hasani et al., "Liquid Time-constant Networks", AAAI 2021, §3 (docs/theorems.md). Both theorems
rest on one observation: with $f \ge 0$, Eq. 1

$$
    \frac{dx}{dt} = -\Big[\frac{1}{\tau} + f\Big] \odot x + f \odot A
$$

pulls each $x_i$ towards $f_i A_i / (1/\tau_i + f_i)$, a convex combination of $0$ (weight
$1/\tau_i$) and $A_i$ (weight $f_i$), at the rate $1/\tau_{sys,i} = 1/\tau_i + f_i$.

* **Theorem 1 (time constant).** If $0 \le f_i \le W_i$, then
  $$
      \frac{\tau_i}{1 + \tau_i W_i} \;\le\; \tau_{sys,i} = \frac{\tau_i}{1 + \tau_i f_i}
      \;\le\; \tau_i .
  $$
  It holds at every state and input, not only along solutions. See `tau_sys_interval`.
* **Theorem 2 (state).** If $f \ge 0$, every solution stays in
  $[\min(0, A_i, x_i(0)),\ \max(0, A_i, x_i(0))]$ for all $t \ge 0$ (the paper states
  $[\min(0, A_i^{min}), \max(0, A_i^{max})]$ for initial states inside that range). The
  fused step (Eq. 3) is itself a convex combination of $x_i$, $0$ and $A_i$ with weights
  $1$, $\Delta t/\tau_i$ and $\Delta t f_i$, so the discrete solution stays in the same
  interval **for every** $\Delta t > 0$, however large or stiff; explicit Euler has no such
  guarantee. See `state_interval`.

In the conductance form (docs/model.md) $A_j$ depends on the state, but the same argument runs on
the native equation: $C_{m,j}\dot v_j = \sum_k g_k (E_k - v_j)$ over the leak ($g = g_{l,j}$,
$E = v_{l,j}$) and every synapse *onto j* ($g = a_{ij}$ or $s_{ij} \ge 0$, $E = E_{ij}$ or
$E^s_{ij}$), so $v_j$ stays in the hull of $v_{l,j}$, those reversal potentials and
$v_j(0)$. Only synapses that exist count: a masked synapse ($m_{ij} = 0$) has conductance exactly
0 and its $E_{ij}$ (stored but unused) does not enter the bound; nor do synapses *from* j onto
other neurons. The fused step

$$
    v_j \leftarrow \frac{c_j v_j + g_{l,j} v_{l,j} + \sum_i a_{ij} E_{ij}
                         + \sum_i s_{ij} E^s_{ij}}
                        {c_j + g_{l,j} + \sum_i a_{ij} + \sum_i s_{ij} + \varepsilon}
$$

is a convex combination of the same values, plus $0$ with weight $\varepsilon$ when ncps's
$\varepsilon > 0$ is used (so 0 then joins the hull).

Floating point: the theorems hold in exact arithmetic. A computed fused step is a convex
combination whose weights carry rounding errors, so it may leave the interval by a few units
in the last place of the interval's largest endpoint; `fused_rounding_allowance` gives the
allowance the tests hold it to.

Shapes: intervals are returned as a pair ``(lo, hi)`` of arrays ``(N,)``, or ``(..., N)`` when
an initial state ``(..., N)`` is given; the dtype is the parameters'.
"""

from __future__ import annotations

import numpy as np

from . import _validation as v
from .model.params import PaperParams, SynapticParams

#: Upper bounds $W$ of each activation of the paper form, and whether $f \ge 0$.
#: Theorem 1 needs $0 \le f \le W$; Theorem 2 needs $f \ge 0$ only.
_ACTIVATION_RANGE = {
    "sigmoid": (0.0, 1.0),
    "relu": (0.0, np.inf),
    "tanh": (-1.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
}

#: Number of rounding errors, per term of the convex combination, that a computed fused step
#: may accumulate: each weight is formed with ≤ 2 roundings, the numerator and the denominator
#: are sums (≤ 1 rounding per term each) and the quotient adds one. A computed step
#: $\hat v = \sum_k w_k(1+\delta_k)E_k / \sum_k w_k(1+\delta'_k)$ with
#: $|\delta|, |\delta'| \le$ ``ROUNDING_TERMS_FACTOR`` $\cdot n u$ lies within
#: $2 \cdot$ ``ROUNDING_TERMS_FACTOR`` $\cdot n u \max_k |E_k|$ of the hull.
ROUNDING_TERMS_FACTOR = 4


def _check_params(params):
    if not isinstance(params, PaperParams | SynapticParams):
        raise TypeError(
            f"params: expected ltc_ref.PaperParams or ltc_ref.SynapticParams, "
            f"got {type(params).__name__}"
        )


def _check_state(name, x0, params):
    N = params.n_units
    x0 = v.as_array(name, x0, dtype=params.dtype)
    if x0.ndim == 0 or x0.shape[-1] != N:
        raise ValueError(f"{name}: expected shape (..., {N}) (N = {N} neurons), got {x0.shape}")
    return x0


# --------------------------------------------------------------------------------------------
# Theorem 1
# --------------------------------------------------------------------------------------------


def tau_sys_interval(params, *, f_max=None):
    r"""Theorem 1: the interval that contains $\tau_{sys}$ at every state and input.

    Paper form, with $0 \le f_i \le W_i$:

    $$
        \frac{\tau_i}{1 + \tau_i W_i} \le \tau_{sys,i} \le \tau_i .
    $$

    $W = 1$ for the sigmoid; for the ReLU $f$ is unbounded above, so $W = \infty$ and the
    lower end is 0 (not attained) unless you pass a bound ``f_max`` that holds for your inputs.
    tanh and hard-tanh take negative values, for which Theorem 1 does not hold
    ($\tau_{sys}$ is negative or infinite where $f_i \le -1/\tau_i$): a ``ValueError``.

    Conductance form: $\tau_{sys,j} = C_{m,j} / (g_{l,j} + \sum_i a_{ij} + \sum_i s_{ij})$
    with $0 \le a_{ij} \le w_{ij} m_{ij}$ and $0 \le s_{ij} \le w^s_{ij} m^s_{ij}$, so

    $$
        \frac{C_{m,j}}{g_{l,j} + \sum_i w_{ij} m_{ij} + \sum_i w^s_{ij} m^s_{ij}}
        \le \tau_{sys,j} \le \frac{C_{m,j}}{g_{l,j}},
    $$

    which is Theorem 1 with $\tau_j = C_{m,j}/g_{l,j}$ and
    $W_j = (\sum_i w_{ij} m_{ij} + \sum_i w^s_{ij} m^s_{ij}) / C_{m,j}$. Both ends are
    approached as every sigmoid saturates at 0 or at 1.

    Arguments:
        params: `ltc_ref.PaperParams` or `ltc_ref.SynapticParams`.
        f_max: paper form only: an upper bound $W$ of f, a number or ``(N,)`` array
            $\ge 0$, replacing the activation's own bound. ``None`` uses the activation's.

    Returns:
        lo (np.ndarray): ``(N,)``, the lower bound per neuron, in the parameters' dtype.
        hi (np.ndarray): ``(N,)``, the upper bound per neuron, in the parameters' dtype.
    """
    _check_params(params)
    if isinstance(params, SynapticParams):
        if f_max is not None:
            raise ValueError(
                "f_max: only for the paper form; the conductance form's bound follows from "
                "its synaptic weights"
            )
        W = np.sum(params.w * params.sparsity_mask, axis=0) + np.sum(
            params.sensory_w * params.sensory_sparsity_mask, axis=0
        )
        return params.cm / (params.gleak + W), params.cm / params.gleak
    f_lo, W = _ACTIVATION_RANGE[params.activation]
    if f_max is None:
        if f_lo < 0:
            raise ValueError(
                f"params.activation: Theorem 1 needs 0 <= f <= W; {params.activation!r} takes "
                f"negative values (use 'sigmoid' or 'relu')"
            )
        W = np.full(params.n_units, W, dtype=params.dtype)
    else:
        W = v.as_array("f_max", f_max, dtype=params.dtype, ndim=(0, 1))
        if W.ndim == 1 and W.shape != (params.n_units,):
            raise ValueError(
                f"f_max: expected a number or shape ({params.n_units},), got {W.shape}"
            )
        if np.any(W < 0):
            raise ValueError("f_max: expected every entry >= 0")
        W = np.broadcast_to(W, (params.n_units,))
    tau = params.tau
    with np.errstate(over="ignore"):  # tau * W = inf for the ReLU: lo = 0, as it should
        lo = tau / (1.0 + tau * W)
    return lo.astype(params.dtype), tau.copy()


# --------------------------------------------------------------------------------------------
# Theorem 2
# --------------------------------------------------------------------------------------------


def reversal_interval(params):
    r"""The values a neuron's state is pulled towards, and their hull, per neuron.

    Paper form (constant $A$): $[\min(0, A_i), \max(0, A_i)]$.

    Conductance form: the hull of $v_{l,j}$ and the reversal potentials of the synapses
    *onto* neuron j that exist:
    $\{E_{ij} : m_{ij} = 1\} \cup \{E^s_{ij} : m^s_{ij} = 1\}$ (column j of ``erev`` and
    ``sensory_erev``, masked). A neuron without synapses gets $[v_{l,j}, v_{l,j}]$.

    Arguments:
        params: `ltc_ref.PaperParams` or `ltc_ref.SynapticParams`.

    Returns:
        lo (np.ndarray): ``(N,)``, the lower end per neuron.
        hi (np.ndarray): ``(N,)``, the upper end per neuron.
    """
    _check_params(params)
    if isinstance(params, PaperParams):
        zero = np.zeros_like(params.A)
        return np.minimum(zero, params.A), np.maximum(zero, params.A)
    # Masked entries are replaced by v_l, which is in the hull anyway, so they cannot widen it.
    vl = params.vleak
    E = np.where(params.sparsity_mask == 1, params.erev, vl)
    Es = np.where(params.sensory_sparsity_mask == 1, params.sensory_erev, vl)
    lo = np.minimum(vl, np.minimum(E.min(axis=0), Es.min(axis=0)))
    hi = np.maximum(vl, np.maximum(E.max(axis=0), Es.max(axis=0)))
    return lo, hi


def state_interval(params, x0=None, *, epsilon=0.0):
    r"""Theorem 2: the interval the state never leaves, in continuous time and under the fused
    step with any $\Delta t > 0$.

    Paper form (needs $f \ge 0$: the sigmoid or the ReLU):

    $$
        \min(0, A_i, x_i(0)) \le x_i(t) \le \max(0, A_i, x_i(0)).
    $$

    Conductance form (conductances are $\ge 0$ by construction):

    $$
        \min(v_{l,j}, E^{min}_j, v_j(0)) \le v_j(t) \le \max(v_{l,j}, E^{max}_j, v_j(0)),
    $$

    with $E^{min}_j, E^{max}_j$ over the existing synapses onto j (`reversal_interval`).
    With ncps's $\varepsilon > 0$ in the fused step's denominator, 0 joins the hull
    (for the paper form it is already in it).

    Arguments:
        params: `ltc_ref.PaperParams` or `ltc_ref.SynapticParams`.
        x0: the initial state ``(..., N)``, or ``None`` for the interval alone, which holds for
            initial states inside it (the paper's statement).
        epsilon: the fused step's $\varepsilon \ge 0$.

    Returns:
        lo (np.ndarray): ``(N,)``, or ``(..., N)`` when ``x0`` is given.
        hi (np.ndarray): ``(N,)``, or ``(..., N)`` when ``x0`` is given.
    """
    _check_params(params)
    epsilon = v.check_real("epsilon", epsilon, minimum=0.0)
    if isinstance(params, PaperParams) and _ACTIVATION_RANGE[params.activation][0] < 0:
        raise ValueError(
            f"params.activation: Theorem 2 needs f >= 0; {params.activation!r} takes negative "
            f"values, for which the state can grow without bound (use 'sigmoid' or 'relu')"
        )
    lo, hi = reversal_interval(params)
    if epsilon > 0:
        lo, hi = np.minimum(lo, 0), np.maximum(hi, 0)
    if x0 is not None:
        x0 = _check_state("x0", x0, params)
        lo, hi = np.minimum(lo, x0), np.maximum(hi, x0)
    return lo, hi


def distance_outside(x, interval):
    r"""How far each entry of ``x`` lies outside ``interval``: $\max(lo - x,\ x - hi,\ 0)$.

    For monitoring a model: ``distance_outside(h, state_interval(params, h0)).max()`` is 0 (up
    to `fused_rounding_allowance`) for any sequence of fused steps.

    Arguments:
        x: ``(..., N)`` values (states, or $\tau_{sys}$).
        interval: ``(lo, hi)`` broadcastable against ``x``.

    Returns:
        Array of ``x``'s shape, $\ge 0$.

    Raises:
        ValueError: ``interval`` is not a pair, ``lo`` or ``hi`` does not broadcast to ``x``'s
            shape (e.g. ``(4, 1)`` states against ``(N,)`` bounds, which would give a
            ``(4, N)`` table of unrelated pairs), or some ``lo > hi``.
    """
    x = v.as_array("x", x)
    if not isinstance(interval, (tuple, list)) or len(interval) != 2:
        raise ValueError("interval: expected a pair (lo, hi)")
    lo, hi = (v.as_array(f"interval[{k}]", b) for k, b in enumerate(interval))
    for name, bound in (("interval[0] (lo)", lo), ("interval[1] (hi)", hi)):
        try:
            shape = np.broadcast_shapes(bound.shape, x.shape)
        except ValueError:
            shape = None
        if shape != x.shape:
            raise ValueError(
                f"{name}: shape {bound.shape} does not broadcast to x's shape {x.shape} "
                f"(expected the trailing axis N = {x.shape[-1] if x.ndim else 1} or a scalar)"
            )
    bad = np.broadcast_to(lo > hi, np.broadcast_shapes(lo.shape, hi.shape))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"interval: expected lo <= hi, got lo > hi at index {idx} ({int(bad.sum())} entries)"
        )
    return np.maximum(np.maximum(lo - x, x - hi), 0)


def fused_rounding_allowance(params, interval):
    r"""How far a *computed* fused step may leave the exact interval through rounding.

    $2\,\kappa\, n\, u \max(|lo|, |hi|)$ per neuron, with $u$ the unit round-off of the
    parameters' dtype ($2^{-53}$ or $2^{-24}$), $n$ the number of terms in the convex
    combination ($N + C + 3$: the state, the leak, the synapses, ε) and
    $\kappa$ = `ROUNDING_TERMS_FACTOR`. In float64 this is ~1e-14 for N = 10; in float32 ~1e-5.

    Arguments:
        params: the parameters.
        interval: ``(lo, hi)``.

    Returns:
        Array broadcastable against ``lo``.
    """
    _check_params(params)
    lo, hi = interval
    u = np.finfo(params.dtype).eps / 2
    n = params.n_units + params.n_inputs + 3
    return 2 * ROUNDING_TERMS_FACTOR * n * u * np.maximum(np.abs(lo), np.abs(hi))


# --------------------------------------------------------------------------------------------
# Measuring the bounds along a computed solution
# --------------------------------------------------------------------------------------------

#: Default tolerances of the Dormand–Prince integration in `continuous_worst_excess`: its global
#: error then stays below ~5e-9 over the horizons used (``ltc-ref verify`` measures <= 10 × rtol
#: per unit time), far below the bounds' scale.
VERIFY_RTOL, VERIFY_ATOL = 1e-10, 1e-12


def fused_worst_excess(params, x0, inputs, dts, epsilon=0.0):
    r"""Run fused steps from ``x0``; return the worst one-step distance outside the Theorem 2
    interval, in units of `fused_rounding_allowance` (so ``<= 1`` means the bound held).

    Each step is checked against the interval of the state it starts from,
    $[\min(x_i, \text{hull}_i), \max(x_i, \text{hull}_i)]$: that one-step statement is
    the discrete theorem (a convex combination); the bound over a whole sequence follows by
    induction, with at most one rounding allowance added per step.

    Arguments:
        params: the parameters.
        x0: ``(N,)`` or ``(B, N)`` initial state.
        inputs: ``(T, C)`` or ``(T, B, C)`` inputs, one per step.
        dts: ``(T,)`` step lengths $> 0$.
        epsilon: the fused step's ε.

    Returns:
        worst_step (float): the worst one-step ratio.
        worst_total (float): the worst distance outside the interval of ``x0`` after any number of
            steps, in the same units.
    """
    from .model import dynamics_of

    dyn = dynamics_of(params)
    dts = v.as_array("dts", dts, ndim=1)
    v.check_positive("dts", dts)
    if len(inputs) != len(dts):
        raise ValueError(f"dts: expected one step length per input ({len(inputs)}), got {len(dts)}")
    tiny = np.finfo(params.dtype).tiny  # keeps the ratio finite when the interval is [0, 0]
    first = state_interval(params, x0, epsilon=epsilon)
    first_allowance = np.maximum(fused_rounding_allowance(params, first), tiny)
    x, worst_step, worst_total = np.asarray(x0), 0.0, 0.0
    for I, dt in zip(inputs, dts, strict=True):
        interval = state_interval(params, x, epsilon=epsilon)
        allowance = np.maximum(fused_rounding_allowance(params, interval), tiny)
        x = dyn.fused_step(params, x, dyn.input_drive(params, I), params.dtype.type(dt), epsilon)
        worst_step = max(worst_step, float(np.max(distance_outside(x, interval) / allowance)))
        total = float(np.max(distance_outside(x, first) / first_allowance))
        worst_total = max(worst_total, total)
    return worst_step, worst_total


def euler_counterexample(form="paper"):
    r"""The documented counterexamples to Theorem 2 for explicit Euler: the one-neuron cases
    that hypothesis's ``find`` shrinks to (``tests/test_theorems.py``).

    Paper form: $\tau = 1$, $A = 0$, $\gamma = \gamma_r = \mu = 0$ (so
    $f = \sigma(0) = 1/2$), $x(0) = 1$, one step of $\Delta t = 1$. The interval is
    $[\min(0, A, x_0), \max(0, A, x_0)] = [0, 1]$; explicit Euler gives
    $x_1 = 1 - (1 + 1/2) \cdot 1 = -1/2$, the fused step $1 / (1 + 3/2) = 0.4$.

    Conductance form: $g_l = 2$, $v_l = 1$, $C_m = 1$, one recurrent and one sensory synapse
    with $w = w^s = 1$, slopes $\sigma = \sigma^s = 0$ (so $a = s = 1/2$) and
    $E = E^s = 0$, $v(0) = 0$, $\Delta t = 1$. The interval is $[0, 1]$; Euler gives
    $v_1 = 0 + 2\,(1 - 0) = 2$, the fused step $(1 \cdot 0 + 2 \cdot 1) / (1 + 2 + 1) = 0.5$.

    Arguments:
        form: ``"paper"`` or ``"conductance"``.

    Returns:
        params (PaperParams | SynapticParams): a one-neuron network of the form.
        x0 (np.ndarray): ``(1, 1)``, the initial state.
        I (np.ndarray): ``(1, 1)``, the input.
        dt (float): the step that leaves the interval.
    """
    v.check_choice("form", form, ("paper", "conductance"))
    if form == "paper":
        params = PaperParams(
            tau=np.ones(1),
            A=np.zeros(1),
            gamma=np.zeros((1, 1)),
            gamma_r=np.zeros((1, 1)),
            mu=np.zeros(1),
            activation="sigmoid",
        )
        return params, np.ones((1, 1)), np.zeros((1, 1)), 1.0
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    params = SynapticParams(
        gleak=[2.0],
        vleak=[1.0],
        cm=[1.0],
        sigma=zero,
        mu=zero,
        w=one,
        erev=zero,
        sensory_sigma=zero,
        sensory_mu=zero,
        sensory_w=one,
        sensory_erev=zero,
        sparsity_mask=one,
        sensory_sparsity_mask=one,
        input_w=[1.0],
        input_b=[0.0],
        output_w=[1.0],
        output_b=[0.0],
    )
    return params, np.zeros((1, 1)), np.zeros((1, 1)), 1.0


def continuous_worst_excess(
    params, x0, I_of_t, t_end, *, rtol=VERIFY_RTOL, atol=VERIFY_ATOL, n_dense=200
):
    r"""Integrate Eq. 1 (either form) with Dormand–Prince and measure Theorems 1 and 2.

    Arguments:
        params: the parameters.
        x0: ``(N,)`` initial state.
        I_of_t: callable ``t -> (C,)`` input.
        t_end: horizon $> 0$.
        rtol: Dormand–Prince relative tolerance.
        atol: Dormand–Prince absolute tolerance.
        n_dense: number of dense-output points checked besides the accepted steps.

    Returns:
        state_excess (float): the largest distance of the state outside the Theorem 2 interval,
            relative to $\max(1, |lo|, |hi|)$, over every accepted step and dense-output point.
        tau_excess (float): the largest distance of $\tau_{sys}$ outside the Theorem 1 interval,
            relative to its upper end.
        n_accepted (int): the number of accepted steps.
    """
    from .model import dynamics_of
    from .solvers import dopri5

    dyn = dynamics_of(params)

    def fun(t, x):
        return dyn.rhs(params, x, dyn.input_drive(params, I_of_t(t)))

    sol = dopri5(fun, (0.0, t_end), x0, rtol=rtol, atol=atol, dense=True)
    ts = np.concatenate([sol.t, np.linspace(0.0, t_end, n_dense)])
    xs = np.concatenate([sol.y, sol(np.linspace(0.0, t_end, n_dense))])
    lo, hi = state_interval(params, x0)
    scale = np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
    state_excess = float(np.max(distance_outside(xs, (lo, hi)) / scale))
    t_lo, t_hi = tau_sys_interval(params)
    taus = np.stack(
        [
            dyn.tau_sys(params, x, dyn.input_drive(params, I_of_t(t)))
            for t, x in zip(ts, xs, strict=True)
        ]
    )
    tau_excess = float(np.max(distance_outside(taus, (t_lo, t_hi)) / t_hi))
    return state_excess, tau_excess, sol.n_accepted


__all__ = [
    "ROUNDING_TERMS_FACTOR",
    "continuous_worst_excess",
    "distance_outside",
    "euler_counterexample",
    "fused_rounding_allowance",
    "fused_worst_excess",
    "reversal_interval",
    "state_interval",
    "tau_sys_interval",
]
