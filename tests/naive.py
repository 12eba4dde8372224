"""Deliberately slow, obviously correct versions of the model, one neuron and one synapse at a
time in plain Python floats, written straight from SPEC §1–3. The vectorised specification in
``ltc_ref.model`` is tested against these."""

from __future__ import annotations

import math


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


ACT = {
    "sigmoid": sigmoid,
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "hard_tanh": lambda z: min(max(z, -1.0), 1.0),
}


def paper_f(p, x, I):
    N, C = len(x), len(I)
    out = []
    for j in range(N):
        z = p.mu[j]
        z += sum(x[i] * p.gamma_r[i][j] for i in range(N))
        z += sum(I[i] * p.gamma[i][j] for i in range(C))
        out.append(ACT[p.activation](z))
    return out


def paper_rhs(p, x, I):
    f = paper_f(p, x, I)
    return [-(1.0 / p.tau[j] + f[j]) * x[j] + f[j] * p.A[j] for j in range(len(x))]


def paper_fused(p, x, I, dt, eps=0.0):
    f = paper_f(p, x, I)
    return [
        (x[j] + dt * f[j] * p.A[j]) / (1.0 + dt * (1.0 / p.tau[j] + f[j]) + eps)
        for j in range(len(x))
    ]


def _currents(p, v, I):
    """Per target neuron j: (sum of conductances, sum of conductance * reversal)."""
    N, C = len(v), len(I)
    g = [0.0] * N
    gE = [0.0] * N
    for j in range(N):
        for i in range(N):
            a = p.w[i][j] * sigmoid(p.sigma[i][j] * (v[i] - p.mu[i][j])) * p.sparsity_mask[i][j]
            g[j] += a
            gE[j] += a * p.erev[i][j]
        for i in range(C):
            xt = I[i] * p.input_w[i] + p.input_b[i]
            s = (
                p.sensory_w[i][j]
                * sigmoid(p.sensory_sigma[i][j] * (xt - p.sensory_mu[i][j]))
                * p.sensory_sparsity_mask[i][j]
            )
            g[j] += s
            gE[j] += s * p.sensory_erev[i][j]
    return g, gE


def conductance_rhs(p, v, I):
    g, gE = _currents(p, v, I)
    return [
        (p.gleak[j] * (p.vleak[j] - v[j]) + gE[j] - g[j] * v[j]) / p.cm[j] for j in range(len(v))
    ]


def conductance_fused(p, v, I, dt, eps=0.0):
    g, gE = _currents(p, v, I)
    out = []
    for j in range(len(v)):
        c = p.cm[j] / dt
        out.append((c * v[j] + p.gleak[j] * p.vleak[j] + gE[j]) / (c + p.gleak[j] + g[j] + eps))
    return out


def conductance_output(p, v):
    return [v[j] * p.output_w[j] + p.output_b[j] for j in range(len(p.output_w))]


def forward_fused(p, xs, h0, dts, L, eps=0.0):
    """One sequence: xs is a list of T inputs, dts a list of T elapsed times."""
    step = paper_fused if hasattr(p, "tau") else conductance_fused
    h, hs = list(h0), []
    for I, dt in zip(xs, dts, strict=True):
        for _ in range(L):
            h = step(p, h, I, dt / L, eps)
        hs.append(list(h))
    return hs
