r"""The LTC network in the paper's form: Eq. 1 and its fused step, Eq. 3.

Hasani et al., "Liquid Time-constant Networks", AAAI 2021, §2 and Algorithm 1:

$$
    \frac{dx}{dt} = -\Big[\frac{1}{\tau} + f(x, I, t, \theta)\Big] \odot x
                    + f(x, I, t, \theta) \odot A                                   \quad (1)
$$

$$
    f(x, I) = \mathrm{act}(x\,\gamma_r + I\,\gamma + \mu)
$$

$$
    \tau_{sys} = \frac{\tau}{1 + \tau f(x, I)}   \quad\text{(the liquid time constant)}
$$

The fused solver (Eq. 2–3) takes an explicit Euler step but uses the *new* value of the x that
appears linearly (outside f), and solves for it, with f evaluated at the old state:

$$
    x(t + \Delta t) = \frac{x(t) + \Delta t\, f(x(t), I(t)) \odot A}
                           {1 + \Delta t\,\big(1/\tau + f(x(t), I(t))\big)}          \quad (3)
$$

Shapes: ``x`` is ``(..., N)`` (any leading batch axes), ``I`` is ``(..., C)``; ``tau, A, mu`` are
``(N,)``, ``gamma`` is ``(C, N)``, ``gamma_r`` is ``(N, N)``, indexed ``[source, target]`` so that
``x @ gamma_r`` sums over sources. ``dt`` is a scalar or an array broadcastable against ``x``
(``(B, 1)`` for per-sample elapsed times).

The input enters f only through $I\gamma + \mu$, which stays constant while the input is
held constant over one input step (zero-order hold); `input_drive` computes it once and the
functions below take it as ``drive``. Everything here is written with ``autograd.numpy`` so that
autograd can trace this very code (the gradient checks differentiate the specification itself).
"""

from __future__ import annotations

import autograd.numpy as np

# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------


def sigmoid(z):
    r"""Logistic sigmoid $\sigma(z) = 1 / (1 + e^{-z})$, without overflow.

    Evaluated through $e = e^{-|z|} \in (0, 1]$: $\sigma = 1/(1+e)$ for
    $z \ge 0$ and $e/(1+e)$ for $z < 0$. ``exp`` never overflows (no warning at
    $|z| > 709$), and small values for very negative ``z`` keep full relative accuracy.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(z):
    """Rectified linear unit, ``max(z, 0)``, element-wise."""
    return np.maximum(z, 0.0)


def hard_tanh(z):
    """Hard tanh, ``clip(z, -1, 1)``, element-wise."""
    return np.clip(z, -1.0, 1.0)


ACTIVATION_FUNCTIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": relu,
    "hard_tanh": hard_tanh,
}


# --------------------------------------------------------------------------------------------
# Eq. 1
# --------------------------------------------------------------------------------------------


def input_drive(params, I):
    r"""The input's contribution to f's pre-activation, $I\gamma + \mu$.

    Arguments:
        params: `PaperParams`.
        I: ``(..., C)`` input.

    Returns:
        ``(..., N)``.
    """
    return I @ params.gamma + params.mu


def f(params, x, drive):
    r"""$f(x, I) = \mathrm{act}(x\gamma_r + I\gamma + \mu)$, ``(..., N)``.

    Arguments:
        params: `PaperParams`.
        x: ``(..., N)`` state.
        drive: ``(..., N)``, `input_drive` of the input.
    """
    act = ACTIVATION_FUNCTIONS[params.activation]
    return act(x @ params.gamma_r + drive)


def rhs(params, x, drive):
    r"""Right-hand side of Eq. 1, $dx/dt = -[1/\tau + f] \odot x + f \odot A$.

    Arguments:
        params: `PaperParams`.
        x: ``(..., N)`` state.
        drive: ``(..., N)``, `input_drive` of the (held) input.

    Returns:
        ``(..., N)``, $dx/dt$.
    """
    tau, A = params.tau, params.A
    f_ = f(params, x, drive)
    return -(1.0 / tau + f_) * x + f_ * A


def tau_sys(params, x, drive):
    r"""The liquid (system) time constant $\tau_{sys} = \tau / (1 + \tau f(x, I))$.

    Returns:
        ``(..., N)``; with $f \ge 0$ it lies in $(0, \tau]$ (Theorem 1).
    """
    tau = params.tau
    return tau / (1.0 + tau * f(params, x, drive))


# --------------------------------------------------------------------------------------------
# Eq. 3, the fused step
# --------------------------------------------------------------------------------------------


def fused_step(params, x, drive, dt, epsilon=0.0):
    r"""One fused (semi-implicit) step of Eq. 1, the paper's Eq. 3.

    $$
        x \leftarrow \frac{x + \Delta t\, f \odot A}{1 + \Delta t\,(1/\tau + f) + \varepsilon}
    $$

    Arguments:
        params: `PaperParams`.
        x: ``(..., N)`` state at the start of the step.
        drive: ``(..., N)``, `input_drive` of the held input.
        dt: step length $\Delta t > 0$, a scalar or broadcastable against ``x``.
        epsilon: optional $\varepsilon \ge 0$ added to the denominator (0 in the paper).

    Returns:
        ``(..., N)``, the state after the step.
    """
    tau, A = params.tau, params.A
    f_ = f(params, x, drive)
    return (x + dt * f_ * A) / (1.0 + dt * (1.0 / tau + f_) + epsilon)


def output(params, x):
    """The paper's form outputs its whole state: ``y = x``, ``(..., N)``."""
    return x
