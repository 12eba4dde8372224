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

Each function is followed by its hand-written vector–Jacobian product (``*_vjp``): given the
cotangent ``g`` of the output it returns the cotangents of the inputs, in argument order, with
the parameter cotangents as a dict ``{field: array}`` summed over the batch axes (derivations:
docs/derivations.md).
"""

from __future__ import annotations

import autograd.numpy as np

from .cotangents import reduce_to, sum_batch, sum_outer

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


def activation_derivative(name, z, a):
    r"""$\mathrm{act}'(z)$, given $z$ and $a = \mathrm{act}(z)$ (each ``(..., N)``).

    sigmoid: $a(1 - a)$; tanh: $1 - a^2$; ReLU: $[z > 0]$; hard-tanh: $[-1 < z < 1]$. At the
    kinks of ReLU and hard-tanh (a set of measure zero) the one-sided value 0 is used.
    """
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(a.dtype)
    if name == "hard_tanh":
        return ((z > -1.0) & (z < 1.0)).astype(a.dtype)
    raise ValueError(f"activation: expected one of {sorted(ACTIVATION_FUNCTIONS)}, got {name!r}")


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


def input_drive_vjp(params, I, g):
    r"""VJP of `input_drive`: with $d = I\gamma + \mu$,
    $\bar I = \bar d\,\gamma^T$, $\bar\gamma = \sum_b I^T \bar d$, $\bar\mu = \sum_b \bar d$.

    Returns:
        g_params (dict): cotangents of ``gamma`` and ``mu`` (summed over the batch).
        g_I (np.ndarray): ``(..., C)``, cotangent of the input.
    """
    return {"gamma": sum_outer(I, g), "mu": sum_batch(g)}, g @ params.gamma.T


def f(params, x, drive):
    r"""$f(x, I) = \mathrm{act}(x\gamma_r + I\gamma + \mu)$, ``(..., N)``.

    Arguments:
        params: `PaperParams`.
        x: ``(..., N)`` state.
        drive: ``(..., N)``, `input_drive` of the input.
    """
    act = ACTIVATION_FUNCTIONS[params.activation]
    return act(x @ params.gamma_r + drive)


def f_vjp(params, x, drive, g):
    r"""VJP of `f`: with $z = x\gamma_r + d$ and $\bar z = \bar f \odot \mathrm{act}'(z)$,
    $\bar x = \bar z\,\gamma_r^T$, $\bar\gamma_r = \sum_b x^T \bar z$, $\bar d = \bar z$.

    Returns:
        g_params (dict): field → cotangent (summed over the batch).
        g_x (np.ndarray): ``(..., N)``, cotangent of the state.
        g_drive (np.ndarray): ``(..., N)``, cotangent of the input drive.
    """
    z = x @ params.gamma_r + drive
    a = ACTIVATION_FUNCTIONS[params.activation](z)
    g_z = g * activation_derivative(params.activation, z, a)
    return {"gamma_r": sum_outer(x, g_z)}, g_z @ params.gamma_r.T, g_z


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


def rhs_vjp(params, x, drive, g):
    r"""VJP of `rhs`. With $\dot x = -(1/\tau + f)\,x + f A$:
    $\bar f = \bar{\dot x}\,(A - x)$, $\bar x = -\bar{\dot x}\,(1/\tau + f) + \bar x_{(f)}$,
    $\bar\tau = \sum_b \bar{\dot x}\, x / \tau^2$, $\bar A = \sum_b \bar{\dot x} f$.

    Returns:
        g_params (dict): field → cotangent (summed over the batch).
        g_x (np.ndarray): ``(..., N)``, cotangent of the state.
        g_drive (np.ndarray): ``(..., N)``, cotangent of the input drive.
    """
    tau, A = params.tau, params.A
    f_ = f(params, x, drive)
    g_params, g_x, g_drive = f_vjp(params, x, drive, g * (A - x))
    g_params["tau"] = sum_batch(g * x) / tau**2
    g_params["A"] = sum_batch(g * f_)
    return g_params, g_x - g * (1.0 / tau + f_), g_drive


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

    With $f \ge 0$ (sigmoid, ReLU) a convex combination of $x$, 0 and $A$ for every
    $\Delta t > 0$ (Theorem 2, discrete form). With tanh or hard-tanh $f$ can be negative: then
    the denominator can be small or negative and the step is not bounded.

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


def fused_step_vjp(params, x, drive, dt, epsilon, g):
    r"""VJP of `fused_step`. With $x' = n / d$, $n = x + \Delta t\, f A$,
    $d = 1 + \Delta t (1/\tau + f) + \varepsilon$: $\bar n = \bar x' / d$ and
    $\bar d = -\bar x'\, x' / d$; then

    $$
    \bar x = \bar n + \bar x_{(f)},\quad
    \bar f = \Delta t\,(\bar n A + \bar d),\quad
    \bar A = \sum_b \bar n\, \Delta t f,\quad
    \bar\tau = -\sum_b \bar d\, \Delta t / \tau^2,\quad
    \overline{\Delta t} = \textstyle\sum_j \bar n f A + \bar d\,(1/\tau + f).
    $$

    Returns:
        g_params (dict): field → cotangent (summed over the batch).
        g_x (np.ndarray): ``(..., N)``, cotangent of the state.
        g_drive (np.ndarray): ``(..., N)``, cotangent of the input drive.
        g_dt (np.ndarray): cotangent of ``dt``, of ``dt``'s shape (e.g. ``(B, 1)``).
    """
    tau, A = params.tau, params.A
    f_ = f(params, x, drive)
    den = 1.0 + dt * (1.0 / tau + f_) + epsilon
    x_new = (x + dt * f_ * A) / den
    g_num = g / den
    g_den = -g * x_new / den
    g_params, g_x, g_drive = f_vjp(params, x, drive, dt * (g_num * A + g_den))
    g_params["A"] = sum_batch(g_num * dt * f_)
    g_params["tau"] = -sum_batch(g_den * dt) / tau**2
    g_dt = reduce_to(g_num * f_ * A + g_den * (1.0 / tau + f_), dt)
    return g_params, g_x + g_num, g_drive, g_dt


def output(params, x):
    """The paper's form outputs its whole state: ``y = x``, ``(..., N)``."""
    return x


def output_vjp(params, x, g):
    """VJP of `output`: ``(g_params, g_x) = ({}, g)``."""
    return {}, g
