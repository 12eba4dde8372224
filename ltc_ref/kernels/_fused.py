r"""Numba kernels of the fused solver: forward and backpropagation through time, both forms.

These are an optimisation of the NumPy specification (`ltc_ref.model.conductance`,
`ltc_ref.model.paper`, `ltc_ref.gradients`) and are tested against it; read the specification
first. Everything here is the same arithmetic, reorganised for speed:

* **samples one after the other** (`conductance_forward`, `conductance_vjp`, ...): a sample's
  whole sequence runs in one thread, and `ltc_ref.kernels` splits the batch across threads;
* **fused loops**: a sub-step never builds the ``(B, N, N)`` conductances; the sums over
  presynaptic neurons $i$ are accumulated as each sigmoid is evaluated, with the targets $j$
  innermost (contiguous rows of the ``[source, target]`` matrices, one independent sum per
  vector lane: LLVM vectorises them without reordering any floating-point sum);
* **backward by recomputation** (as `ltc_ref.gradients.vjp`): the forward pass stores the state
  after each input step only, ``(T, N)`` per sample; the backward pass recomputes the L
  sub-steps of one input step at a time from the stored state, keeping their sigmoids
  $\sigma_{ij}$ (``(L, N, N)`` per thread, reused for every input step), then differentiates
  them in reverse. Memory: $O(T B N)$ plus $O(L N^2)$ per thread; sigmoids: two evaluations per
  synapse and sub-step (forward, recomputation), none in the reverse sweep;
* **per-neuron loops without sums across neurons**: the backward pass's loop over neurons $j$
  of a sub-step accumulates the cotangents of $c_j = C_{m,j}/h$ per neuron over the L sub-steps
  and maps them to $\bar C_m$ and $\bar h$ once per input step (a sum over $j$ inside the loop
  is a chain of dependent additions the compiler may not reorder, which keeps the whole loop,
  divisions included, scalar);
* **subnormals flushed to zero** (`ltc_ref.kernels._fpenv`): every kernel sets the FTZ and DAZ
  bits of its thread's MXCSR on entry and restores the register before it returns. A cotangent
  that enters at the last step shrinks geometrically toward the start of the sequence and, in
  float32, passes through the subnormal range, where Intel processors take a microcode assist
  per vector instruction (measured on an Intel Xeon: float32 BPTT three times slower);
* the reverse sweep's sums over targets, $\bar v_i = \sum_j \ldots$, are the only sums whose
  order the compiler may change (``fastmath`` ``reassoc`` on `synapse_sums_vjp` alone, which
  evaluates no sigmoid), so that they vectorise too.

Notation as in the specification: $h = \Delta t / L$ the sub-step length; conductance form
$c_j = C_{m,j}/h$, $a_{ij} = w_{ij} m_{ij}\,\sigma(\sigma_{ij}(v_i - \mu_{ij}))$, one fused
sub-step

$$
    v'_j = \frac{n_j}{d_j},\qquad
    n_j = c_j v_j + g_{l,j} v_{l,j} + \textstyle\sum_i a_{ij} E_{ij} + S^E_j,\qquad
    d_j = c_j + g_{l,j} + \textstyle\sum_i a_{ij} + S_j + \varepsilon ;
$$

its vector–Jacobian product, for the cotangent $\bar v'$ (derivation in the docs'
derivations page and in `ltc_ref.model.conductance.fused_step_vjp`):

$$
    \bar n_j = \bar v'_j / d_j,\quad \bar d_j = -\bar n_j v'_j,\quad
    \bar a_{ij} = \bar n_j E_{ij} + \bar d_j,\quad
    \bar u_{ij} = \bar a_{ij}\,\sigma_{ij}(1 - \sigma_{ij})\ \ (\text{without } w_{ij}m_{ij}),
$$

$$
    \bar v_i = \bar n_i c_i + \textstyle\sum_j \bar u_{ij}\, w_{ij} m_{ij} \sigma_{ij},\quad
    \bar c_j = \bar n_j v_j + \bar d_j,\quad
    \bar h = -\textstyle\sum_j \bar c_j C_{m,j} / h^2 .
$$

The per-synapse cotangents are accumulated *without* the factor $w_{ij} m_{ij}$, which is
applied once at the end (``ltc_ref.kernels._finish_conductance``):
$Q = \sum \bar a\,\sigma$ ($\bar w = Q m$, $\bar m = Q w$),
$U = \sum \bar n_j \sigma$ ($\bar E = w m U$), $P = \sum \bar u$
($\bar\mu = -w m \sigma_{ij} P$), $S = \sum \bar u\,(v_i - \mu_{ij})$ ($\bar\sigma = w m S$).

The small functions of the sub-steps are inlined by Numba (``inline="always"``) into the loops
that call them, so that a sub-step does not pass some twenty array structures through a call;
`synapse_sums_vjp` is not (inlined code takes its caller's ``fastmath`` flags, and its own
``reassoc`` would be lost).

Every function takes arrays of one dtype (float32 or float64), C-contiguous; scalars of that
dtype are made with ``dtype.type`` so that float32 kernels never promote to float64.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._fpenv import flush_subnormals, restore_fp_state
from ._sigmoid import kernel, sigmoid, sigmoid_finish, sigmoid_reduce

# --------------------------------------------------------------------------------------------
# Parameters and cotangent accumulators, as the kernels read them
# --------------------------------------------------------------------------------------------


class ConductanceArrays(NamedTuple):
    r"""`SynapticParams` laid out for the kernels (physical values).

    Per neuron ``(N,)``: ``gleak``, ``vleak``, ``cm``, ``gleak_vleak`` ($g_l v_l$).
    Recurrent synapses ``(N, N)`` ``[source, target]``: ``sigma``, ``mu``, ``erev``, ``wm``
    ($w \odot m$), ``wmE`` ($w \odot m \odot E$), ``wms`` ($w \odot m \odot \sigma$);
    sensory synapses ``(C, N)``: the same with ``s_`` prefixes; the input map ``input_w``,
    ``input_b`` ``(C,)``.
    """

    gleak: np.ndarray
    vleak: np.ndarray
    cm: np.ndarray
    gleak_vleak: np.ndarray
    sigma: np.ndarray
    mu: np.ndarray
    erev: np.ndarray
    wm: np.ndarray
    wmE: np.ndarray
    wms: np.ndarray
    s_sigma: np.ndarray
    s_mu: np.ndarray
    s_erev: np.ndarray
    s_wm: np.ndarray
    s_wmE: np.ndarray
    s_wms: np.ndarray
    input_w: np.ndarray
    input_b: np.ndarray


class ConductanceCotangents(NamedTuple):
    """Cotangent accumulators of one chunk of the batch (one per thread).

    ``Q, U, P, S`` ``(N, N)`` and ``sQ, sU, sP, sS`` ``(C, N)``, ``[source, target]`` (see the
    module docstring); ``gleak, vleak, cm`` ``(N,)``; ``input_w, input_b`` ``(C,)``."""

    Q: np.ndarray
    U: np.ndarray
    P: np.ndarray
    S: np.ndarray
    sQ: np.ndarray
    sU: np.ndarray
    sP: np.ndarray
    sS: np.ndarray
    gleak: np.ndarray
    vleak: np.ndarray
    cm: np.ndarray
    input_w: np.ndarray
    input_b: np.ndarray


#: Activation codes of the paper's form (an int, so that one compiled kernel serves all four).
ACTIVATION_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2, "hard_tanh": 3}


class PaperArrays(NamedTuple):
    """`PaperParams` laid out for the kernels: ``inv_tau`` ($1/\\tau$), ``A``, ``mu``
    ``(N,)``; ``gamma`` ``(C, N)`` and ``gamma_r`` ``(N, N)`` ``[source, target]``, and their
    transposes ``gamma_T`` ``(N, C)``, ``gamma_r_T`` ``(N, N)``; ``activation`` (a code of
    `ACTIVATION_CODES`)."""

    inv_tau: np.ndarray
    A: np.ndarray
    mu: np.ndarray
    gamma: np.ndarray
    gamma_r: np.ndarray
    gamma_T: np.ndarray
    gamma_r_T: np.ndarray
    activation: int


class PaperCotangents(NamedTuple):
    r"""Cotangent accumulators of the paper's form for one chunk of the batch: ``tau_h``
    ($\sum \bar d\, h$; then $\bar\tau = -$ ``tau_h`` $/\tau^2$), ``A``, ``mu`` ``(N,)``;
    ``gamma`` ``(C, N)``; ``gamma_r`` ``(N, N)``."""

    tau_h: np.ndarray
    A: np.ndarray
    mu: np.ndarray
    gamma: np.ndarray
    gamma_r: np.ndarray


# --------------------------------------------------------------------------------------------
# Conductance form: forward
# --------------------------------------------------------------------------------------------


@kernel(inline="always")
def synapse_sums(pre, sigma, mu, wm, wmE, g_sum, gE_sum, sig, work):
    r"""$\sum_i a_{ij}$ and $\sum_i a_{ij} E_{ij}$ into ``g_sum``, ``gE_sum`` ``(N,)``, with
    $a_{ij} = w_{ij} m_{ij}\,\sigma_{ij}$, $\sigma_{ij} = \sigma(\sigma_{ij}(p_i - \mu_{ij}))$
    for presynaptic values ``pre`` ``(S,)`` and ``[source, target]`` matrices ``(S, N)``; the
    sigmoids are kept in ``sig`` ``(S, N)`` for the backward pass. ``work``: ``(2, N)``
    scratch for the sigmoid's two stages (`ltc_ref.kernels._sigmoid.sigmoid`)."""
    g_sum[:] = 0
    gE_sum[:] = 0
    r, scale = work[0], work[1]
    for i in range(pre.shape[0]):
        p_i = pre[i]
        sigma_i, mu_i, wm_i, wmE_i, sig_i = sigma[i], mu[i], wm[i], wmE[i], sig[i]
        for j in range(g_sum.shape[0]):  # vectorised: one target per lane
            r[j], scale[j] = sigmoid_reduce(sigma_i[j] * (p_i - mu_i[j]))
        for j in range(g_sum.shape[0]):
            s = sigmoid_finish(r[j], scale[j])
            sig_i[j] = s
            g_sum[j] += wm_i[j] * s
            gE_sum[j] += wmE_i[j] * s


@kernel(inline="always")
def map_inputs(p, I, x_tilde):
    r"""$\tilde x = I \odot w_{in} + b_{in}$ into ``x_tilde`` ``(C,)``."""
    for i in range(I.shape[0]):
        x_tilde[i] = I[i] * p.input_w[i] + p.input_b[i]


@kernel(inline="always")
def conductance_substep(p, v, h, eps, s_sum, sE_sum, v_new, den, sig, work):
    r"""One fused sub-step of length ``h`` from ``v``: ``v_new`` $= n / d$, ``den`` $= d$
    and the sigmoids in ``sig`` ``(N, N)`` (both kept for the backward pass); ``work`` is a
    ``(4, N)`` scratch array."""
    a_sum, aE_sum = work[0], work[1]
    synapse_sums(v, p.sigma, p.mu, p.wm, p.wmE, a_sum, aE_sum, sig, work[2:])
    for j in range(v.shape[0]):
        c = p.cm[j] / h
        num = c * v[j] + p.gleak_vleak[j] + aE_sum[j] + sE_sum[j]
        den[j] = c + p.gleak[j] + a_sum[j] + s_sum[j] + eps
        v_new[j] = num / den[j]


@kernel
def conductance_forward(p, x, h0, h, L, eps, states):
    r"""Forward pass of a batch, one sample after the other.

    Arguments:
        p: `ConductanceArrays`.
        x: ``(B, T, C)`` inputs.
        h0: ``(B, N)`` initial states.
        h: ``(B, T)`` sub-step lengths $\Delta t / L$.
        L: sub-steps per input step.
        eps: the denominator's ε.
        states: ``(B, T, N)`` output, the state after each input step.
    """
    B, T, C = x.shape
    N = h0.shape[1]
    dtype = h0.dtype
    v, v_new, den = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    s_sum, sE_sum = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    x_tilde = np.empty(C, dtype=dtype)
    sig, s_sig = np.empty((N, N), dtype=dtype), np.empty((C, N), dtype=dtype)  # not needed here
    work = np.empty((4, N), dtype=dtype)
    fp_state = flush_subnormals()  # ltc_ref.kernels._fpenv
    for b in range(B):
        v[:] = h0[b]
        for t in range(T):
            map_inputs(p, x[b, t], x_tilde)
            synapse_sums(x_tilde, p.s_sigma, p.s_mu, p.s_wm, p.s_wmE, s_sum, sE_sum, s_sig, work)
            for _ in range(L):  # the input is held over the L sub-steps
                conductance_substep(p, v, h[b, t], eps, s_sum, sE_sum, v_new, den, sig, work)
                v, v_new = v_new, v
            states[b, t] = v
    restore_fp_state(fp_state)


# --------------------------------------------------------------------------------------------
# Conductance form: backward
# --------------------------------------------------------------------------------------------


@kernel(fastmath={"contract", "reassoc"})
def synapse_sums_vjp(sig, erev, wms, g_num, g_den, g_pre):
    r"""The presynaptic part of the VJP of `synapse_sums`, for the cotangents
    $\bar S^E_j$ = ``g_num`` and $\bar S_j$ = ``g_den`` ``(N,)`` of its two sums, from the
    sigmoids ``sig`` it kept: adds $\sum_j \bar u_{ij}\, w_{ij} m_{ij} \sigma_{ij}$ to
    ``g_pre`` ``(S,)``. ``[source, target]`` matrices ``(S, N)``.

    ``reassoc``: the sum over targets $j$ is reordered (vector lanes); it is the only sum here,
    and no sigmoid is evaluated."""
    one = sig.dtype.type(1)
    for i in range(sig.shape[0]):
        sig_i, erev_i, wms_i = sig[i], erev[i], wms[i]
        g_p = sig.dtype.type(0)
        for j in range(sig.shape[1]):  # vectorised
            s = sig_i[j]
            g_a = g_num[j] * erev_i[j] + g_den[j]
            g_p += g_a * (s * (one - s)) * wms_i[j]  # σ' = σ(1 - σ), as the specification
        g_pre[i] += g_p


@kernel
def synapse_cotangents(pres, sigs, mu, erev, g_nums, g_dens, Q, U, P, S, rows):
    r"""The synaptic part of the VJP of `synapse_sums`, for K calls at once (the sub-steps of
    one input step): accumulates ``Q, U, P, S`` ``(S, N)`` (module docstring) from the
    presynaptic values ``pres`` ``(K, S)``, the kept sigmoids ``sigs`` ``(K, S, N)`` and the
    cotangents ``g_nums``, ``g_dens`` ``(K, N)`` of the sums. ``rows``: ``(4, N)`` scratch.

    Separate from `synapse_sums_vjp` because these cotangents, unlike $\bar v$, are not needed
    by the next sub-step of the reverse sweep: summing the K sub-steps in rows that stay in the
    L1 cache, then adding the rows to ``Q, U, P, S`` once, reads and writes those four
    ``(S, N)`` matrices once per input step instead of once per sub-step."""
    one = mu.dtype.type(1)
    q, u, pp, ss = rows[0], rows[1], rows[2], rows[3]
    for i in range(mu.shape[0]):
        mu_i, erev_i = mu[i], erev[i]
        rows[:] = 0
        for k in range(sigs.shape[0]):
            p_i, sig_i, g_num, g_den = pres[k, i], sigs[k, i], g_nums[k], g_dens[k]
            for j in range(mu.shape[1]):  # vectorised
                s = sig_i[j]
                g_a = g_num[j] * erev_i[j] + g_den[j]
                q[j] += g_a * s
                u[j] += g_num[j] * s
                g_u = g_a * (s * (one - s))
                pp[j] += g_u
                ss[j] += g_u * (p_i - mu_i[j])
        Q_i, U_i, P_i, S_i = Q[i], U[i], P[i], S[i]
        for j in range(mu.shape[1]):
            Q_i[j] += q[j]
            U_i[j] += u[j]
            P_i[j] += pp[j]
            S_i[j] += ss[j]


@kernel
def conductance_vjp(p, x, h0, h, L, eps, states, g_states, g_x, g_h0, g_step, acc):
    r"""Backpropagation through time for a batch, one sample after the other.

    Arguments:
        p: `ConductanceArrays`.
        x: ``(B, T, C)`` inputs.
        h0: ``(B, N)`` initial states.
        h: ``(B, T)`` sub-step lengths.
        L: sub-steps per input step.
        eps: the denominator's ε.
        states: ``(B, T, N)`` from `conductance_forward`.
        g_states: ``(B, T, N)`` cotangent of ``states`` (from the outputs and the caller's
            ``g_h``).
        g_x: ``(B, T, C)`` output, cotangent of ``x``.
        g_h0: ``(B, N)`` output, cotangent of ``h0``.
        g_step: ``(B, T)`` output, cotangent of the sub-step length ``h``, summed over the L
            sub-steps.
        acc: `ConductanceCotangents` of this batch, added to.
    """
    B, T, C = x.shape
    N = h0.shape[1]
    dtype = h0.dtype
    vs = np.empty((L + 1, N), dtype=dtype)  # the sub-step states of one input step,
    dens = np.empty((L, N), dtype=dtype)  # their denominators,
    sigs = np.empty((L, N, N), dtype=dtype)  # their sigmoids,
    g_nums, g_dens = np.empty((L, N), dtype=dtype), np.empty((L, N), dtype=dtype)  # cotangents
    s_sig = np.empty((C, N), dtype=dtype)
    work = np.empty((4, N), dtype=dtype)
    s_sum, sE_sum = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    g_s_sum, g_sE_sum = np.empty((1, N), dtype=dtype), np.empty((1, N), dtype=dtype)
    x_tilde, g_x_tilde = np.empty((1, C), dtype=dtype), np.empty(C, dtype=dtype)
    g = np.empty(N, dtype=dtype)  # cotangent of the state after the current sub-step
    g_new = np.empty(N, dtype=dtype)
    c, g_c_sum = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    fp_state = flush_subnormals()  # cotangents that underflow: ltc_ref.kernels._fpenv

    for b in range(B):
        g[:] = 0
        for t in range(T - 1, -1, -1):
            g += g_states[b, t]
            # Recompute the sub-steps of input step t from the stored state before it.
            vs[0] = states[b, t - 1] if t > 0 else h0[b]
            h_t = h[b, t]
            map_inputs(p, x[b, t], x_tilde[0])
            synapse_sums(x_tilde[0], p.s_sigma, p.s_mu, p.s_wm, p.s_wmE, s_sum, sE_sum, s_sig, work)
            for l in range(L):
                conductance_substep(
                    p, vs[l], h_t, eps, s_sum, sE_sum, vs[l + 1], dens[l], sigs[l], work
                )

            # Reverse through the sub-steps; the held sensory sums collect cotangents from each.
            # The cotangent of c = C_m / h is summed over the sub-steps (g_c_sum) and mapped to
            # C_m and h once per input step: no division by h and no sum over j in the loop,
            # which then vectorises.
            g_s_sum[:] = 0
            g_sE_sum[:] = 0
            g_c_sum[:] = 0
            for j in range(N):
                c[j] = p.cm[j] / h_t
            for l in range(L - 1, -1, -1):
                v, v_new, den, g_num, g_den = vs[l], vs[l + 1], dens[l], g_nums[l], g_dens[l]
                for j in range(N):  # vectorised
                    gn = g[j] / den[j]
                    gd = -gn * v_new[j]
                    g_c_sum[j] += gn * v[j] + gd
                    acc.gleak[j] += gn * p.vleak[j] + gd
                    acc.vleak[j] += gn * p.gleak[j]
                    g_sE_sum[0, j] += gn
                    g_s_sum[0, j] += gd
                    g_num[j], g_den[j] = gn, gd
                    g_new[j] = gn * c[j]
                synapse_sums_vjp(sigs[l], p.erev, p.wms, g_num, g_den, g_new)
                g, g_new = g_new, g
            g_step_t = dtype.type(0)
            for j in range(N):  # c = C_m / h: dc/dC_m = 1 / h, dc/dh = -C_m / h^2
                acc.cm[j] += g_c_sum[j] / h_t
                g_step_t -= g_c_sum[j] * p.cm[j] / (h_t * h_t)
            synapse_cotangents(
                vs[:L], sigs, p.mu, p.erev, g_nums, g_dens, acc.Q, acc.U, acc.P, acc.S, work
            )

            # The sensory synapses and the input map, once per input step.
            g_x_tilde[:] = 0
            synapse_sums_vjp(s_sig, p.s_erev, p.s_wms, g_sE_sum[0], g_s_sum[0], g_x_tilde)
            synapse_cotangents(
                x_tilde, s_sig.reshape((1, C, N)), p.s_mu, p.s_erev, g_sE_sum, g_s_sum,
                acc.sQ, acc.sU, acc.sP, acc.sS, work,
            )  # fmt: skip
            for i in range(C):
                g_x[b, t, i] = g_x_tilde[i] * p.input_w[i]
                acc.input_w[i] += g_x_tilde[i] * x[b, t, i]
                acc.input_b[i] += g_x_tilde[i]
            g_step[b, t] = g_step_t
        g_h0[b] = g
    restore_fp_state(fp_state)


# --------------------------------------------------------------------------------------------
# Paper form: forward
# --------------------------------------------------------------------------------------------


@kernel(inline="always")
def activation(code, z, one):
    """The activation ``code`` (`ACTIVATION_CODES`) of a scalar ``z``; ``one`` is 1 in the
    kernel's dtype."""
    if code == 0:
        return sigmoid(z)
    if code == 1:
        return math.tanh(z)
    if code == 2:
        return z if z > 0 else one - one  # ReLU
    return min(max(z, -one), one)  # hard tanh


@kernel(inline="always")
def paper_substep(p, x, h, eps, drive, x_new, pre, f, den):
    r"""One fused step of Eq. 3, $x' = (x + h f A) / (1 + h(1/\tau + f) + \varepsilon)$,
    with $f = \mathrm{act}(x\gamma_r + d)$; keeps ``pre`` ($x\gamma_r + d$), ``f`` and
    ``den`` for the backward pass."""
    N = x.shape[0]
    one = x.dtype.type(1)
    pre[:] = 0
    for i in range(N):
        x_i, gamma_r_i = x[i], p.gamma_r[i]
        for j in range(N):
            pre[j] += x_i * gamma_r_i[j]
    for j in range(N):
        pre[j] += drive[j]
        f[j] = activation(p.activation, pre[j], one)
        den[j] = one + h * (p.inv_tau[j] + f[j]) + eps
        x_new[j] = (x[j] + h * f[j] * p.A[j]) / den[j]


@kernel(inline="always")
def paper_drive(p, I, drive):
    r"""$d = I\gamma + \mu$ into ``drive`` ``(N,)``."""
    drive[:] = 0
    for i in range(I.shape[0]):
        I_i, gamma_i = I[i], p.gamma[i]
        for j in range(drive.shape[0]):
            drive[j] += I_i * gamma_i[j]
    for j in range(drive.shape[0]):
        drive[j] += p.mu[j]


@kernel
def paper_forward(p, x, h0, h, L, eps, states):
    """Forward pass of a batch in the paper's form; arguments as `conductance_forward` with
    `PaperArrays`."""
    B, T, _ = x.shape
    N = h0.shape[1]
    dtype = h0.dtype
    v, v_new, drive = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    pre, f, den = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    fp_state = flush_subnormals()  # ltc_ref.kernels._fpenv
    for b in range(B):
        v[:] = h0[b]
        for t in range(T):
            paper_drive(p, x[b, t], drive)
            for _ in range(L):
                paper_substep(p, v, h[b, t], eps, drive, v_new, pre, f, den)
                v, v_new = v_new, v
            states[b, t] = v
    restore_fp_state(fp_state)


# --------------------------------------------------------------------------------------------
# Paper form: backward
# --------------------------------------------------------------------------------------------


@kernel(inline="always")
def activation_derivative(code, z, a, one):
    """$\\mathrm{act}'(z)$ given $a = \\mathrm{act}(z)$; at the kinks of ReLU and hard-tanh
    the one-sided value 0, as in `ltc_ref.model.paper.activation_derivative`."""
    zero = one - one
    if code == 0:
        return a * (one - a)
    if code == 1:
        return one - a * a
    if code == 2:
        return one if z > zero else zero
    return one if -one < z < one else zero


@kernel
def paper_vjp(p, x, h0, h, L, eps, states, g_states, g_x, g_h0, g_step, acc):
    r"""Backpropagation through time for a batch in the paper's form (arguments as
    `conductance_vjp`, with `PaperArrays` and `PaperCotangents`). Per sub-step, with
    $\bar n = \bar x'/d$ and $\bar d = -\bar n x'$:
    $\bar f = h(\bar n A + \bar d)$, $\bar z = \bar f\,\mathrm{act}'(z)$,
    $\bar x = \bar n + \gamma_r \bar z$, $\bar\gamma_r \mathrel{+}= x \bar z^T$,
    $\bar A \mathrel{+}= \bar n h f$, $\bar h = \sum_j \bar n f A + \bar d (1/\tau + f)$."""
    B, T, C = x.shape
    N = h0.shape[1]
    dtype = h0.dtype
    one = dtype.type(1)
    xs = np.empty((L + 1, N), dtype=dtype)
    pres, fs = np.empty((L, N), dtype=dtype), np.empty((L, N), dtype=dtype)
    dens = np.empty((L, N), dtype=dtype)
    drive, g_drive = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    g_z, g, g_new = np.empty(N, dtype=dtype), np.empty(N, dtype=dtype), np.empty(N, dtype=dtype)
    g_step_row = np.empty(N, dtype=dtype)
    fp_state = flush_subnormals()  # cotangents that underflow: ltc_ref.kernels._fpenv

    for b in range(B):
        g[:] = 0
        for t in range(T - 1, -1, -1):
            g += g_states[b, t]
            xs[0] = states[b, t - 1] if t > 0 else h0[b]
            h_t = h[b, t]
            paper_drive(p, x[b, t], drive)
            for l in range(L):
                paper_substep(p, xs[l], h_t, eps, drive, xs[l + 1], pres[l], fs[l], dens[l])

            g_drive[:] = 0
            g_step_row[:] = 0  # the cotangent of h per neuron, summed over j at the end
            for l in range(L - 1, -1, -1):
                x_l, x_new, pre, f = xs[l], xs[l + 1], pres[l], fs[l]
                for j in range(N):  # vectorised (no sum over j in the loop)
                    gn = g[j] / dens[l, j]
                    gd = -gn * x_new[j]
                    acc.A[j] += gn * h_t * f[j]
                    acc.tau_h[j] += gd * h_t
                    g_step_row[j] += gn * f[j] * p.A[j] + gd * (p.inv_tau[j] + f[j])
                    g_f = h_t * (gn * p.A[j] + gd)
                    g_z[j] = g_f * activation_derivative(p.activation, pre[j], f[j], one)
                    g_drive[j] += g_z[j]
                    g_new[j] = gn
                for i in range(N):  # γ_r cotangent: an outer product, targets innermost
                    x_i, g_gamma_r_i = x_l[i], acc.gamma_r[i]
                    for j in range(N):
                        g_gamma_r_i[j] += x_i * g_z[j]
                for j in range(N):  # x cotangent: sources innermost, over γ_r transposed
                    g_z_j, gamma_r_j = g_z[j], p.gamma_r_T[j]
                    for i in range(N):
                        g_new[i] += gamma_r_j[i] * g_z_j
                g, g_new = g_new, g

            for j in range(N):
                acc.mu[j] += g_drive[j]
            for i in range(C):
                x_ti, g_gamma_i = x[b, t, i], acc.gamma[i]
                for j in range(N):
                    g_gamma_i[j] += x_ti * g_drive[j]
            g_x[b, t] = 0
            for j in range(N):
                g_d, gamma_j = g_drive[j], p.gamma_T[j]
                for i in range(C):
                    g_x[b, t, i] += gamma_j[i] * g_d
            g_step_t = dtype.type(0)
            for j in range(N):
                g_step_t += g_step_row[j]
            g_step[b, t] = g_step_t
        g_h0[b] = g
    restore_fp_state(fp_state)
