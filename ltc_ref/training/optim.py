r"""Adam and gradient clipping, on flat parameter vectors.

Adam (Kingma & Ba 2015, Algorithm 1) with the paper's settings $\beta_1 = 0.9$,
$\beta_2 = 0.999$, $\epsilon = 10^{-8}$ (the paper's Table S1): for step $t = 1, 2, \dots$

$$
    m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t,\quad
    v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,\quad
    \theta_t = \theta_{t-1} - \alpha\,\frac{m_t / (1 - \beta_1^t)}
        {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}.
$$

TensorFlow's ``AdamOptimizer`` (the authors' code) folds the bias corrections into the step
size and adds $\epsilon$ to $\sqrt{v_t}$ instead of $\sqrt{\hat v_t}$; the two differ only
while $\sqrt{v_t}$ is comparable to $\epsilon$, i.e. for gradients near $10^{-8}$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Adam's defaults, as in the paper (the paper's Table S1) and Kingma & Ba.
ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8


@dataclass(frozen=True, eq=False)
class AdamState:
    """Adam's moment estimates after ``t`` steps.

    Attributes:
        m: first moment $m_t$, the shape and dtype of the parameters.
        v: second moment $v_t$, the same.
        t: the number of steps taken.
    """

    m: np.ndarray
    v: np.ndarray
    t: int = 0


def adam_init(theta) -> AdamState:
    """Zero moments for the parameter vector ``theta`` (any shape, float32 or float64)."""
    theta = np.asarray(theta)
    return AdamState(np.zeros_like(theta), np.zeros_like(theta), 0)


def adam_step(
    theta,
    grad,
    state: AdamState,
    learning_rate: float,
    *,
    beta1: float = ADAM_BETA1,
    beta2: float = ADAM_BETA2,
    epsilon: float = ADAM_EPSILON,
):
    r"""One Adam step (module docstring).

    Arguments:
        theta: parameters $\theta_{t-1}$, any shape.
        grad: gradient $g_t$, the shape of ``theta``.
        state: `AdamState` after $t - 1$ steps.
        learning_rate: $\alpha > 0$.
        beta1: $\beta_1 \in [0, 1)$.
        beta2: $\beta_2 \in [0, 1)$.
        epsilon: $\epsilon > 0$.

    Returns:
        theta_t (np.ndarray): the new parameters, a new array in ``theta``'s dtype.
        state_t (AdamState): the new optimizer state, new arrays (the inputs are not modified).
    """
    theta = np.asarray(theta)
    grad = np.asarray(grad, dtype=theta.dtype)
    if grad.shape != theta.shape:
        raise ValueError(f"grad: expected shape {theta.shape}, got {grad.shape}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate: expected a number > 0, got {learning_rate}")
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * np.square(grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    step = learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return (theta - step).astype(theta.dtype, copy=False), AdamState(
        m.astype(theta.dtype, copy=False), v.astype(theta.dtype, copy=False), t
    )


def clip_by_global_norm(grad, max_norm: float | None):
    r"""Scale ``grad`` down to Euclidean norm ``max_norm`` if it is longer:
    $g \leftarrow g \cdot \min(1, c / \lVert g\rVert_2)$.

    Arguments:
        grad: the gradient, any shape.
        max_norm: $c > 0$, or ``None`` for no clipping.

    Returns:
        clipped (np.ndarray): the (possibly) scaled gradient.
        norm (float): the gradient's norm before clipping.
    """
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm: expected a number > 0 or None, got {max_norm}")
    grad = np.asarray(grad)
    norm = float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))
    if max_norm is None or norm <= max_norm:
        return grad, norm
    return (grad * (max_norm / norm)).astype(grad.dtype, copy=False), norm


__all__ = [
    "ADAM_BETA1",
    "ADAM_BETA2",
    "ADAM_EPSILON",
    "AdamState",
    "adam_init",
    "adam_step",
    "clip_by_global_norm",
]
