r"""The LTC network in the conductance form of the authors' code and ncps (docs/model.md).

A neuron *j* with capacitance $C_{m,j}$, leak conductance $g_{l,j}$ and leak
potential $v_{l,j}$ receives sigmoid-gated synapses from neurons *i* (recurrent) and from
the mapped inputs $\tilde x_i$ (sensory), each with its own reversal potential:

$$
    C_{m,j} \frac{dv_j}{dt} = g_{l,j}(v_{l,j} - v_j) + \sum_i a_{ij}(E_{ij} - v_j)
                             + \sum_i s_{ij}(E^s_{ij} - v_j)
$$

$$
    a_{ij} = w_{ij}\,\sigma(\sigma_{ij}(v_i - \mu_{ij}))\,m_{ij},\qquad
    s_{ij} = w^s_{ij}\,\sigma(\sigma^s_{ij}(\tilde x_i - \mu^s_{ij}))\,m^s_{ij},\qquad
    \tilde x = x \odot w_{in} + b_{in}
$$

The fused step, with $c_j = C_{m,j}/\Delta t$ (and ncps's optional $\varepsilon$):

$$
    v_j \leftarrow \frac{c_j v_j + g_{l,j} v_{l,j} + \sum_i a_{ij} E_{ij}
                         + \sum_i s_{ij} E^s_{ij}}
                        {c_j + g_{l,j} + \sum_i a_{ij} + \sum_i s_{ij} + \varepsilon}
$$

It is an instance of the paper's Eq. 1 with a state-dependent f and A (dividing by
$C_m$): $1/\tau = g_l / C_m$, $f = (\sum_i a_{ij} + \sum_i s_{ij}) / C_m$,
$f A = (g_l v_l + \sum_i a_{ij}E_{ij} + \sum_i s_{ij}E^s_{ij}) / C_m$; see `eq1_tau`,
`eq1_f`, `eq1_A`. Note that ε here is in conductance units: it equals
$\Delta t\,\varepsilon / C_m$ added to Eq. 3's dimensionless denominator.

Shapes: ``v`` ``(..., N)``; input ``I`` ``(..., C)``; per-synapse matrices ``(N, N)`` and
``(C, N)`` indexed ``[source, target]``; per-neuron vectors ``(N,)``. The sensory sums depend only
on the input, which is held constant over one input step: `input_drive` computes them once
and the other functions take them as ``drive``. Written with ``autograd.numpy`` so that autograd
traces this code itself.

Each function is followed by its hand-written vector–Jacobian product (``*_vjp``), returning the
cotangents of its inputs in argument order, parameter cotangents as a dict ``{field: array}``
summed over the batch axes (derivations: docs/derivations.md).
"""

from __future__ import annotations

import autograd.numpy as np

from .cotangents import reduce_to, sum_batch
from .paper import sigmoid


def synapse_conductances(pre, sigma, mu, w, mask):
    r"""Conductances $w_{ij}\,\sigma(\sigma_{ij}(p_i - \mu_{ij}))\,m_{ij}$ of a synapse
    population, for presynaptic values ``pre``.

    Arguments:
        pre: ``(..., S)`` presynaptic potentials (neurons) or mapped inputs.
        sigma: ``(S, N)`` slopes, indexed ``[source, target]`` (as are the next three).
        mu: ``(S, N)`` centres.
        w: ``(S, N)`` maximal conductances.
        mask: ``(S, N)`` 0/1 wiring mask.

    Returns:
        ``(..., S, N)``, every entry in $[0, w_{ij}]$.
    """
    return w * sigmoid(sigma * (pre[..., :, None] - mu)) * mask


def synapse_sums_vjp(pre, sigma, mu, w, mask, erev, g_sum, g_sumE):
    r"""VJP of the pair $(\sum_i a_{ij},\ \sum_i a_{ij}E_{ij})$ with
    $a_{ij} = w_{ij}\,\sigma(u_{ij})\,m_{ij}$, $u_{ij} = \sigma_{ij}(p_i - \mu_{ij})$.

    $$
    \bar a_{ij} = \bar S_j + \bar S^E_j E_{ij},\quad
    \bar u_{ij} = \bar a_{ij}\, w_{ij} m_{ij}\, \sigma(u_{ij})(1 - \sigma(u_{ij})),
    $$

    $$
    \bar p_i = \sum_j \bar u_{ij}\sigma_{ij},\quad
    \bar\sigma_{ij} = \sum_b \bar u_{ij}(p_i - \mu_{ij}),\quad
    \bar\mu_{ij} = -\sum_b \bar u_{ij}\sigma_{ij},\quad
    \bar w_{ij} = \sum_b \bar a_{ij}\sigma(u_{ij}) m_{ij},
    $$

    $\bar m_{ij} = \sum_b \bar a_{ij} w_{ij}\sigma(u_{ij})$,
    $\bar E_{ij} = \sum_b \bar S^E_j a_{ij}$.

    Arguments:
        pre: ``(..., S)`` presynaptic values.
        sigma: ``(S, N)``.
        mu: ``(S, N)``.
        w: ``(S, N)``.
        mask: ``(S, N)``.
        erev: ``(S, N)``.
        g_sum: ``(..., N)`` cotangent of $\sum_i a_{ij}$.
        g_sumE: ``(..., N)`` cotangent of $\sum_i a_{ij}E_{ij}$.

    Returns:
        g_pre (np.ndarray): cotangent of ``pre``.
        g_sigma (np.ndarray): of ``sigma``, summed over the batch.
        g_mu (np.ndarray): of ``mu``, summed over the batch.
        g_w (np.ndarray): of ``w``, summed over the batch.
        g_mask (np.ndarray): of ``mask``, summed over the batch.
        g_erev (np.ndarray): of ``erev``, summed over the batch.
    """
    diff = pre[..., :, None] - mu  # (..., S, N)
    sig = sigmoid(sigma * diff)
    a = w * sig * mask
    g_a = g_sum[..., None, :] + g_sumE[..., None, :] * erev
    g_u = g_a * w * mask * sig * (1.0 - sig)
    g_pre = np.sum(g_u * sigma, axis=-1)
    g_sigma = sum_batch(g_u * diff, 2)
    g_mu = -sum_batch(g_u, 2) * sigma
    g_w = sum_batch(g_a * sig, 2) * mask
    g_mask = sum_batch(g_a * sig, 2) * w
    g_erev = sum_batch(g_sumE[..., None, :] * a, 2)
    return g_pre, g_sigma, g_mu, g_w, g_mask, g_erev


def map_inputs(params, I):
    r"""The affine input map $\tilde x = I \odot w_{in} + b_{in}$, ``(..., C)``."""
    return I * params.input_w + params.input_b


def input_drive(params, I):
    r"""Sensory sums of one (held) input: $(\sum_i s_{ij},\ \sum_i s_{ij} E^s_{ij})$.

    Arguments:
        params: `SynapticParams`.
        I: ``(..., C)`` raw input (the affine input map is applied here).

    Returns:
        A pair of ``(..., N)`` arrays: the total sensory conductance onto each neuron and its
        reversal-weighted sum.
    """
    x_tilde = map_inputs(params, I)
    s = synapse_conductances(
        x_tilde,
        params.sensory_sigma,
        params.sensory_mu,
        params.sensory_w,
        params.sensory_sparsity_mask,
    )
    return np.sum(s, axis=-2), np.sum(s * params.sensory_erev, axis=-2)


def input_drive_vjp(params, I, g):
    r"""VJP of `input_drive`, through the sensory synapses and the affine input map
    ($\bar I = \bar{\tilde x}\odot w_{in}$, $\bar w_{in} = \sum_b \bar{\tilde x} \odot I$,
    $\bar b_{in} = \sum_b \bar{\tilde x}$).

    Arguments:
        params: `SynapticParams`.
        I: ``(..., C)`` raw input.
        g: pair of ``(..., N)`` cotangents of the two sensory sums.

    Returns:
        g_params (dict): field → cotangent of the sensory fields (summed over the batch).
        g_I (np.ndarray): ``(..., C)``, cotangent of the input.
    """
    x_tilde = map_inputs(params, I)
    g_xt, g_sigma, g_mu, g_w, g_mask, g_erev = synapse_sums_vjp(
        x_tilde,
        params.sensory_sigma,
        params.sensory_mu,
        params.sensory_w,
        params.sensory_sparsity_mask,
        params.sensory_erev,
        g[0],
        g[1],
    )
    g_params = {
        "sensory_sigma": g_sigma,
        "sensory_mu": g_mu,
        "sensory_w": g_w,
        "sensory_sparsity_mask": g_mask,
        "sensory_erev": g_erev,
        "input_w": sum_batch(g_xt * I),
        "input_b": sum_batch(g_xt),
    }
    return g_params, g_xt * params.input_w


def synaptic_sums(params, v):
    r"""Recurrent sums $(\sum_i a_{ij},\ \sum_i a_{ij} E_{ij})$, each ``(..., N)``."""
    a = synapse_conductances(v, params.sigma, params.mu, params.w, params.sparsity_mask)
    return np.sum(a, axis=-2), np.sum(a * params.erev, axis=-2)


def synaptic_sums_vjp(params, v, g_sum, g_sumE):
    """VJP of `synaptic_sums`: ``(g_params, g_v)`` (see `synapse_sums_vjp`)."""
    g_v, g_sigma, g_mu, g_w, g_mask, g_erev = synapse_sums_vjp(
        v, params.sigma, params.mu, params.w, params.sparsity_mask, params.erev, g_sum, g_sumE
    )
    g_params = {"sigma": g_sigma, "mu": g_mu, "w": g_w, "sparsity_mask": g_mask, "erev": g_erev}
    return g_params, g_v


def rhs(params, v, drive):
    r"""Right-hand side of the conductance ODE, $dv/dt$.

    $$
        \frac{dv_j}{dt} = \frac{1}{C_{m,j}}\Big[g_{l,j}(v_{l,j} - v_j)
            + \sum_i a_{ij}(E_{ij} - v_j) + \sum_i s_{ij}(E^s_{ij} - v_j)\Big]
    $$

    Arguments:
        params: `SynapticParams`.
        v: ``(..., N)`` membrane potentials.
        drive: the pair returned by `input_drive` for the held input.

    Returns:
        ``(..., N)``.
    """
    s_sum, sE_sum = drive
    a_sum, aE_sum = synaptic_sums(params, v)
    leak = params.gleak * (params.vleak - v)
    recurrent = aE_sum - a_sum * v  # = sum_i a_ij (E_ij - v_j)
    sensory = sE_sum - s_sum * v  # = sum_i s_ij (Es_ij - v_j)
    return (leak + recurrent + sensory) / params.cm


def rhs_vjp(params, v, drive, g):
    r"""VJP of `rhs`. With $\dot v = q / C_m$, $q = g_l(v_l - v) + (S^E_a - S_a v) + (S^E - S v)$
    and $\bar q = \bar{\dot v} / C_m$: $\bar C_m = -\sum_b \bar{\dot v}\,\dot v / C_m$,
    $\bar g_l = \sum_b \bar q (v_l - v)$, $\bar v_l = \sum_b \bar q g_l$,
    $\bar S^E_a = \bar S^E = \bar q$, $\bar S_a = \bar S = -\bar q v$,
    $\bar v = -\bar q (g_l + S_a + S) + \bar v_{(a)}$.

    Returns:
        g_params (dict): field → cotangent (summed over the batch).
        g_v (np.ndarray): ``(..., N)``, cotangent of the state.
        g_drive (tuple): cotangents of the two ``(..., N)`` sums of the input drive.
    """
    s_sum, sE_sum = drive
    a_sum, aE_sum = synaptic_sums(params, v)
    q = params.gleak * (params.vleak - v) + (aE_sum - a_sum * v) + (sE_sum - s_sum * v)
    g_q = g / params.cm
    g_params, g_v = synaptic_sums_vjp(params, v, -g_q * v, g_q)
    g_params["cm"] = -sum_batch(g_q * q) / params.cm
    g_params["gleak"] = sum_batch(g_q * (params.vleak - v))
    g_params["vleak"] = sum_batch(g_q) * params.gleak
    g_v = g_v - g_q * (params.gleak + a_sum + s_sum)
    return g_params, g_v, (-g_q * v, g_q)


def fused_step(params, v, drive, dt, epsilon=0.0):
    r"""One fused step of the conductance ODE (docs/model.md), with $c = C_m / \Delta t$.

    $$
        v_j \leftarrow \frac{c_j v_j + g_{l,j} v_{l,j} + \sum_i a_{ij} E_{ij}
                             + \sum_i s_{ij} E^s_{ij}}
                            {c_j + g_{l,j} + \sum_i a_{ij} + \sum_i s_{ij} + \varepsilon}
    $$

    A convex combination of $v_j$, $v_{l,j}$ and the reversal potentials, so the
    state never leaves their hull, whatever $\Delta t > 0$ (Theorem 2, discrete form).

    Arguments:
        params: `SynapticParams`.
        v: ``(..., N)`` potentials at the start of the step.
        drive: the pair returned by `input_drive`.
        dt: step length, scalar or broadcastable against ``v`` (``(B, 1)`` per sample).
        epsilon: $\varepsilon \ge 0$ added to the denominator (ncps uses 1e-8).

    Returns:
        ``(..., N)``.
    """
    s_sum, sE_sum = drive
    a_sum, aE_sum = synaptic_sums(params, v)
    c = params.cm / dt
    numerator = c * v + params.gleak * params.vleak + aE_sum + sE_sum
    denominator = c + params.gleak + a_sum + s_sum + epsilon
    return numerator / denominator


def fused_step_vjp(params, v, drive, dt, epsilon, g):
    r"""VJP of `fused_step`. With $v' = n/d$: $\bar n = \bar v'/d$, $\bar d = -\bar v' v'/d$,

    $$
    \bar c = \bar n v + \bar d,\quad \bar v = \bar n c + \bar v_{(a)},\quad
    \bar g_l = \sum_b \bar n v_l + \bar d,\quad \bar v_l = \sum_b \bar n g_l,
    $$

    $\bar S^E_a = \bar S^E = \bar n$, $\bar S_a = \bar S = \bar d$; and from
    $c = C_m/\Delta t$: $\bar C_m = \sum_b \bar c/\Delta t$,
    $\overline{\Delta t} = -\sum_j \bar c\, C_m / \Delta t^2$.

    Returns:
        g_params (dict): field → cotangent (summed over the batch).
        g_v (np.ndarray): ``(..., N)``, cotangent of the state.
        g_drive (tuple): cotangents of the two ``(..., N)`` sums of the input drive.
        g_dt (np.ndarray): cotangent of ``dt``, of ``dt``'s shape.
    """
    s_sum, sE_sum = drive
    a_sum, aE_sum = synaptic_sums(params, v)
    c = params.cm / dt
    numerator = c * v + params.gleak * params.vleak + aE_sum + sE_sum
    denominator = c + params.gleak + a_sum + s_sum + epsilon
    g_num = g / denominator
    g_den = -g_num * (numerator / denominator)  # = -g n / d², without overflowing d² or g n
    g_c = g_num * v + g_den
    g_params, g_v = synaptic_sums_vjp(params, v, g_den, g_num)
    g_params["gleak"] = sum_batch(g_num * params.vleak + g_den)
    g_params["vleak"] = sum_batch(g_num) * params.gleak
    g_params["cm"] = sum_batch(g_c / dt)
    g_dt = reduce_to(-(g_c * params.cm / dt) / dt, dt)  # dt² would overflow for dt > 1e154
    return g_params, g_v + g_num * c, (g_den, g_num), g_dt


def tau_sys(params, v, drive):
    r"""Liquid time constant $\tau_{sys} = C_m / (g_l + \sum_i a_{ij} + \sum_i s_{ij})$.

    Equal to $\tau/(1 + \tau f)$ with `eq1_tau` and `eq1_f`.
    """
    s_sum, _ = drive
    a_sum, _ = synaptic_sums(params, v)
    return params.cm / (params.gleak + a_sum + s_sum)


def output(params, v):
    r"""The output map $y = v_{:M} \odot w_{out} + b_{out}$, ``(..., M)``."""
    M = params.output_w.shape[0]
    return v[..., :M] * params.output_w + params.output_b


def output_vjp(params, v, g):
    r"""VJP of `output`: $\bar v_{:M} = \bar y \odot w_{out}$ (0 for the other neurons),
    $\bar w_{out} = \sum_b \bar y \odot v_{:M}$, $\bar b_{out} = \sum_b \bar y$.

    Returns:
        g_params (dict): cotangents of ``output_w`` and ``output_b`` (summed over the batch).
        g_v (np.ndarray): ``(..., N)``, cotangent of the state.
    """
    M = params.output_w.shape[0]
    g_motor = g * params.output_w
    pad = [(0, 0)] * (np.ndim(v) - 1) + [(0, v.shape[-1] - M)]
    g_params = {"output_w": sum_batch(g * v[..., :M]), "output_b": sum_batch(g)}
    return g_params, np.pad(g_motor, pad)


# --------------------------------------------------------------------------------------------
# The conductance form as an instance of Eq. 1
# --------------------------------------------------------------------------------------------


def eq1_tau(params):
    r"""$\tau = C_m / g_l$, ``(N,)``: the time constant of Eq. 1."""
    return params.cm / params.gleak


def eq1_f(params, v, drive):
    r"""$f = (\sum_i a_{ij} + \sum_i s_{ij}) / C_m$, ``(..., N)``: Eq. 1's f."""
    s_sum, _ = drive
    a_sum, _ = synaptic_sums(params, v)
    return (a_sum + s_sum) / params.cm


def eq1_A(params, v, drive):
    r"""$A = (g_l v_l + \sum_i a_{ij}E_{ij} + \sum_i s_{ij}E^s_{ij}) / (C_m f)$, Eq. 1's A.

    A weighted mean of the reversal potentials plus the leak drive; it depends on the state.
    It is undefined where $f = 0$ (a neuron without any synapse, or every synapse's
    sigmoid underflowing to 0); this function raises ``ValueError`` there rather than return a
    meaningless number.

    Returns:
        ``(..., N)``.
    """
    s_sum, sE_sum = drive
    a_sum, aE_sum = synaptic_sums(params, v)
    total = a_sum + s_sum
    if np.any(total == 0):
        raise ValueError(
            "eq1_A: A is undefined where f = 0 (no synaptic conductance onto a neuron); "
            "the conductance form is then not an instance of Eq. 1 with finite A"
        )
    return (params.gleak * params.vleak + aE_sum + sE_sum) / total
