r"""Losses with their gradients, and the metrics of the paper's Table 3.

Each loss returns its value and its gradient with respect to the network's outputs, written by
hand next to the formula (the tests check them against autograd and against the definitions).
Shapes: ``outputs`` is ``(n, K)`` — one row per target step (all ``B·T`` steps of a batch, or
the last step of each sequence for sequential MNIST; `Objective` does the selection) — and
``targets`` is ``(n,)`` int class labels or ``(n, K)`` regression targets.

Averaging follows the authors' TensorFlow scripts: the loss is the **mean over target steps**
(``tf.reduce_mean`` of ``tf.losses.sparse_softmax_cross_entropy``; for the regression tasks
``tf.reduce_mean(tf.square(...))`` over every step and every target dimension). The class
weights of the ozone script multiply each step's cross-entropy and the sum is still divided by
the number of steps (TensorFlow's ``SUM_BY_NONZERO_WEIGHTS`` with all weights non-zero), not by
the sum of the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The metrics of Table 3 and whether larger is better.
HIGHER_IS_BETTER = {"accuracy": True, "f1": True, "mse": False}


def _log_softmax(logits):
    """Row-wise $\\log \\mathrm{softmax}$, shifted by the row maximum so that no ``exp``
    overflows (the shift cancels exactly in the formula)."""
    z = logits - np.max(logits, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels, class_weights=None):
    r"""Mean (optionally class-weighted) softmax cross-entropy and its gradient.

    $$
        \ell = \frac{1}{n}\sum_{k=1}^{n} w_{y_k}\Big(\log\sum_c e^{z_{kc}} - z_{k y_k}\Big),
        \qquad
        \frac{\partial \ell}{\partial z_{kc}} = \frac{w_{y_k}}{n}
            \big(\mathrm{softmax}(z_k)_c - [c = y_k]\big)
    $$

    with $w \equiv 1$ when ``class_weights`` is ``None``.

    Arguments:
        logits: ``(n, K)`` float32 or float64.
        labels: ``(n,)`` integers in ``[0, K)``.
        class_weights: optional ``(K,)`` per-class weights $w_c$ (ozone: 0.1, 1.6).

    Returns:
        loss (float): the mean loss, a Python float.
        g_logits (np.ndarray): ``(n, K)``, its gradient, in the dtype of ``logits``.
    """
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    n = logits.shape[0]
    if labels.shape != (n,):
        raise ValueError(f"labels: expected shape ({n},), got {labels.shape}")
    log_p = _log_softmax(logits)
    rows = np.arange(n)
    nll = -log_p[rows, labels]
    w = np.ones(n, dtype=logits.dtype)
    if class_weights is not None:
        w = np.asarray(class_weights, dtype=logits.dtype)[labels]
    loss = float(np.sum(w * nll) / n)
    g = np.exp(log_p)
    g[rows, labels] -= 1
    g *= (w / n)[:, None]
    return loss, g.astype(logits.dtype, copy=False)


def mean_squared_error(predictions, targets):
    r"""Mean squared error over every element and its gradient.

    $$
        \ell = \frac{1}{nD}\sum_{k,d} (p_{kd} - t_{kd})^2,\qquad
        \frac{\partial \ell}{\partial p_{kd}} = \frac{2}{nD}(p_{kd} - t_{kd})
    $$

    Arguments:
        predictions: ``(n, D)``.
        targets: ``(n, D)``.

    Returns:
        loss (float): the mean squared error (``inf`` when the squares overflow — the training loop
            checks).
        g_predictions (np.ndarray): ``(n, D)``, its gradient, in the dtype of ``predictions``.
    """
    predictions = np.asarray(predictions)
    targets = np.asarray(targets, dtype=predictions.dtype)
    if targets.shape != predictions.shape:
        raise ValueError(f"targets: expected shape {predictions.shape}, got {targets.shape}")
    r = predictions - targets
    with np.errstate(over="ignore"):  # an overflow is reported as a non-finite loss
        loss = float(np.mean(np.square(r, dtype=np.float64)))
    return loss, (2.0 / r.size) * r


def accuracy(logits, labels) -> float:
    r"""Fraction of steps whose arg-max logit is the label, $\frac1n\sum_k [\arg\max_c z_{kc}
    = y_k]$ (ties go to the lower class, as ``argmax``).

    Arguments:
        logits: ``(n, K)``.
        labels: ``(n,)`` integers.

    Returns:
        A float in ``[0, 1]``.
    """
    return float(np.mean(np.argmax(logits, axis=-1) == np.asarray(labels)))


def f1_positive(logits, labels, positive: int = 1) -> float:
    r"""F1 score of one class (the ozone metric, class 1 = ozone day):
    $F_1 = 2\,TP / (2\,TP + FP + FN)$ over every step; 0 when the class is neither predicted
    nor present ($TP = FP = FN = 0$).

    Arguments:
        logits: ``(n, K)``.
        labels: ``(n,)`` integers.
        positive: the class whose F1 score is returned.

    Returns:
        A float in ``[0, 1]``.
    """
    pred = np.argmax(logits, axis=-1) == positive
    true = np.asarray(labels) == positive
    tp = int(np.sum(pred & true))
    fp = int(np.sum(pred & ~true))
    fn = int(np.sum(~pred & true))
    return 0.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


@dataclass(frozen=True)
class Objective:
    """What a dataset is trained and judged on: the loss, the metric and the target steps.

    Attributes:
        task: ``"classification"`` (softmax cross-entropy) or ``"regression"`` (MSE).
        metric: ``"accuracy"``, ``"f1"`` or ``"mse"``.
        target_steps: ``"all"`` (every time step) or ``"last"`` (the last step only).
        class_weights: ``(K,)`` class weights of the cross-entropy, or ``None``.
    """

    task: str
    metric: str
    target_steps: str = "all"
    class_weights: tuple | None = None

    def __post_init__(self):
        if self.task not in ("classification", "regression"):
            raise ValueError(f"task: expected 'classification' or 'regression', got {self.task!r}")
        if self.metric not in HIGHER_IS_BETTER:
            raise ValueError(
                f"metric: expected one of {sorted(HIGHER_IS_BETTER)}, got {self.metric!r}"
            )
        if self.target_steps not in ("all", "last"):
            raise ValueError(f"target_steps: expected 'all' or 'last', got {self.target_steps!r}")

    @classmethod
    def from_dataset(cls, dataset) -> Objective:
        """The objective of a `ltc_ref.data.Dataset` (its task, metric, target steps, weights)."""
        weights = dataset.class_weights
        return cls(
            task=dataset.task,
            metric=dataset.metric,
            target_steps=dataset.target_steps,
            class_weights=None if weights is None else tuple(float(w) for w in weights),
        )

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger metric is better (accuracy, F1) or worse (MSE)."""
        return HIGHER_IS_BETTER[self.metric]

    def is_better(self, new: float, old: float | None) -> bool:
        """Whether metric ``new`` improves on ``old`` (``None``: nothing yet); ties do not."""
        if old is None:
            return bool(np.isfinite(new))
        return new > old if self.higher_is_better else new < old

    def select(self, outputs, targets):
        """Flatten the target steps: ``(B, T, K)`` outputs and ``(B, T)`` / ``(B, T, D)``
        targets → ``(n, K)`` and ``(n,)`` / ``(n, D)``, with ``n = B·T`` (``"all"``) or
        ``n = B`` (``"last"``)."""
        if self.target_steps == "last":
            outputs, targets = outputs[:, -1:], targets[:, -1:]
        K = outputs.shape[-1]
        flat_targets = targets.reshape(-1) if targets.ndim == 2 else targets.reshape(-1, K)
        return outputs.reshape(-1, K), flat_targets

    def loss(self, outputs, targets):
        """The loss of a batch and its gradient with respect to ``outputs``.

        Arguments:
            outputs: ``(B, T, K)`` logits or predictions for every time step.
            targets: ``(B, T)`` labels or ``(B, T, K)`` regression targets.

        Returns:
            loss (float): the loss.
            g_outputs (np.ndarray): ``(B, T, K)``, its gradient (zero on the steps that are not
                targets).
        """
        flat_out, flat_tgt = self.select(outputs, targets)
        if self.task == "classification":
            loss, g_flat = softmax_cross_entropy(flat_out, flat_tgt, self.class_weights)
        else:
            loss, g_flat = mean_squared_error(flat_out, flat_tgt)
        g = np.zeros_like(outputs)
        if self.target_steps == "last":
            g[:, -1] = g_flat
        else:
            g[...] = g_flat.reshape(outputs.shape)
        return loss, g

    def metric_value(self, outputs, targets) -> float:
        """The metric over every target step of ``outputs`` ``(B, T, K)`` (see `loss`)."""
        flat_out, flat_tgt = self.select(outputs, targets)
        if self.metric == "accuracy":
            return accuracy(flat_out, flat_tgt)
        if self.metric == "f1":
            return f1_positive(flat_out, flat_tgt)
        return mean_squared_error(flat_out, flat_tgt)[0]


__all__ = [
    "HIGHER_IS_BETTER",
    "Objective",
    "accuracy",
    "f1_positive",
    "mean_squared_error",
    "softmax_cross_entropy",
]
