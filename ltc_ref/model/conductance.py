r"""The LTC network in the conductance form of the authors' code and ncps (SPEC §2–3).

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
"""

from __future__ import annotations

import autograd.numpy as np

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


def synaptic_sums(params, v):
    r"""Recurrent sums $(\sum_i a_{ij},\ \sum_i a_{ij} E_{ij})$, each ``(..., N)``."""
    a = synapse_conductances(v, params.sigma, params.mu, params.w, params.sparsity_mask)
    return np.sum(a, axis=-2), np.sum(a * params.erev, axis=-2)


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


def fused_step(params, v, drive, dt, epsilon=0.0):
    r"""One fused step of the conductance ODE (SPEC §3), with $c = C_m / \Delta t$.

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
