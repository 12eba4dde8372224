r"""The dense read-out on the LTC outputs, with its vector–Jacobian product.

The paper's models read out through a dense layer on the recurrent cell's output at every time
step (the authors' scripts: ``tf.layers.Dense(K)`` on the whole 32-unit state of their
``LTCCell``, whose output is its state):

$$
    z_{b,t} = y_{b,t}\, W + b, \qquad W \in \mathbb{R}^{M \times K},\ b \in \mathbb{R}^K,
$$

where $y_{b,t} \in \mathbb{R}^M$ is the LTC's output (here all $M = N = 32$ neurons, as the
authors) and $K$ the number of classes or regression targets. Its VJP, for the cotangent
$\bar z$:

$$
    \bar W = \sum_{b,t} y_{b,t}^\top \bar z_{b,t},\qquad \bar b = \sum_{b,t} \bar z_{b,t},\qquad
    \bar y_{b,t} = \bar z_{b,t} W^\top .
$$

The three products are NumPy matrix products over **one sample at a time**: ``np.matmul`` of a
``(B, T, M)`` array by an ``(M, K)`` matrix runs one small BLAS product per sample (``T × M``
by ``M × K``), which a BLAS library does on the calling thread. One product of the flattened
batch (``B·T × M``) is large enough for OpenBLAS to wake its worker threads, which then keep
spinning for a while afterwards on the cores the LTC kernels are about to use. Measured on 2
cores (B = 128, T = 28, M = 32, K = 10, float32, an Intel Xeon; `python benchmarks/read_out.py`):
the BPTT pullback that follows the flattened products took 38.7 ms against 20.5 ms after the
per-sample products (20.6 ms after none); `numpy.einsum` loops (no BLAS, the previous
implementation) cost 440–470 µs per product there against 34–44 µs. $\bar W$ is the sum over
samples of the per-sample products $y_b^\top \bar z_b$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as v


@dataclass(frozen=True, eq=False)
class DenseHead:
    """A dense layer ``z = y @ W + b`` (immutable: read-only arrays).

    Attributes:
        W: ``(M, K)`` weights, ``[LTC output, class or target]``.
        b: ``(K,)`` bias.
    """

    W: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        W = v.as_array("DenseHead.W", self.W, ndim=2)
        b = v.as_array("DenseHead.b", self.b, dtype=W.dtype, shape=(W.shape[1],))
        for name, arr in (("W", W), ("b", b)):
            arr = np.array(arr, copy=True)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``W`` and ``b``."""
        return self.W.dtype

    @property
    def n_inputs(self) -> int:
        """M, the width of the LTC output it reads."""
        return self.W.shape[0]

    @property
    def n_outputs(self) -> int:
        """K, the number of logits or regression targets."""
        return self.W.shape[1]

    @property
    def size(self) -> int:
        """The number of parameters, ``M·K + K``."""
        return self.W.size + self.b.size


def init_dense_head(n_inputs: int, n_outputs: int, rng: np.random.Generator, *, dtype=np.float64):
    r"""Glorot-uniform weights and zero bias (TensorFlow's ``Dense`` defaults, as in the authors'
    scripts): $W_{ij} \sim U(-a, a)$ with $a = \sqrt{6 / (M + K)}$.

    Arguments:
        n_inputs: M >= 1.
        n_outputs: K >= 1.
        rng: a ``numpy.random.Generator``.
        dtype: float32 or float64.

    Returns:
        `DenseHead`.
    """
    M = v.check_int("n_inputs", n_inputs, minimum=1)
    K = v.check_int("n_outputs", n_outputs, minimum=1)
    dtype = v.check_dtype("dtype", dtype)
    limit = np.sqrt(6.0 / (M + K))
    W = rng.uniform(-limit, limit, size=(M, K)).astype(dtype)
    return DenseHead(W=W, b=np.zeros(K, dtype=dtype))


def head_forward(head: DenseHead, y):
    r"""The read-out $z = y W + b$ (module docstring).

    Arguments:
        head: the layer.
        y: ``(..., M)`` LTC outputs (e.g. ``(B, T, M)``), the layer's dtype.

    Returns:
        ``(..., K)``.
    """
    return np.matmul(y, head.W) + head.b  # one BLAS product per sample (module docstring)


def head_vjp(head: DenseHead, y, g_z):
    r"""VJP of `head_forward` (module docstring).

    Arguments:
        head: the layer.
        y: ``(..., M)`` its input.
        g_z: ``(..., K)`` cotangent of its output.

    Returns:
        g_W (np.ndarray): ``(M, K)``, cotangent of the weights.
        g_b (np.ndarray): ``(K,)``, of the bias.
        g_y (np.ndarray): ``(..., M)``, of the LTC outputs.
    """
    M, K = head.W.shape
    # (samples, steps, M) and (samples, steps, K): per-sample products (module docstring)
    y3 = y.reshape(-1, *y.shape[-2:]) if y.ndim >= 2 else y.reshape(1, 1, M)
    g3 = g_z.reshape(*y3.shape[:-1], K)
    g_W = np.matmul(y3.swapaxes(-1, -2), g3).sum(axis=0)
    return g_W, g3.sum(axis=(0, 1)), np.matmul(g_z, head.W.T)


__all__ = ["DenseHead", "head_forward", "head_vjp", "init_dense_head"]
