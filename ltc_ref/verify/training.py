"""``ltc-ref verify``: the training code: the whole gradient of read-out + LTC +
cross-entropy against autograd, one Adam step against its formula, and a checkpoint round trip.
About a second in total."""

from __future__ import annotations

import tempfile
from pathlib import Path

import autograd
import autograd.numpy as anp
import numpy as np

from ..forward import forward_traceable
from ..solvers import SOLVERS
from ..training.checkpoint import load_checkpoint, save_checkpoint
from ..training.losses import Objective
from ..training.model import init_model, loss_and_grad
from ..training.optim import adam_init, adam_step
from .report import CheckResult

#: Hand-written chain (read-out VJP, BPTT, softplus chain rule) vs autograd through the NumPy
#: specification, float64: both exact to rounding over T·L = 12 fused sub-steps.
GRAD_RTOL = 1e-10
#: Adam's step vs the formula evaluated with Python floats.
ADAM_RTOL = 1e-13


def autograd_loss(model, x, targets, objective, raw):
    """The training loss written for autograd, as a function of ``model.flatten(raw=raw)``:
    `ltc_ref.forward.forward_traceable` (the NumPy specification) traced through
    ``unflatten_unvalidated``, the dense read-out, and the objective's loss (softmax
    cross-entropy, class-weighted if the objective has weights, or MSE; over every step or the
    last). The reference `loss_and_grad` is checked
    against."""
    n = model.ltc.n_trainable
    M, K = model.head.W.shape
    B, T, _ = x.shape
    dt = np.full((B, T), model.dt)
    h0 = np.zeros((B, model.ltc.n_units))

    def loss(vec):
        ltc = model.ltc.unflatten_unvalidated(vec[:n], raw=raw)
        W = anp.reshape(vec[n : n + M * K], (M, K))
        b = vec[n + M * K :]
        y, _ = forward_traceable(ltc, x, h0, dt, model.unfolds, SOLVERS["fused"], model.epsilon)
        z = anp.dot(y, W) + b
        if objective.target_steps == "last":
            z, tgt = z[:, -1], targets[:, -1]
        else:
            z, tgt = anp.reshape(z, (-1, K)), targets.reshape((-1, *targets.shape[2:]))
        if objective.task == "regression":
            return anp.mean((z - anp.reshape(tgt, z.shape)) ** 2)
        log_p = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        w = np.ones(K) if objective.class_weights is None else np.array(objective.class_weights)
        return -anp.sum(w[tgt] * log_p[np.arange(len(tgt)), tgt]) / len(tgt)

    return loss


def check_full_gradient():
    """Read-out + LTC + cross-entropy: `loss_and_grad` vs autograd, both parameterisations."""
    results = []

    for raw in (False, True):
        rng = np.random.default_rng(7)
        model = init_model(2, 3, rng, units=4, unfolds=3)
        x = rng.normal(size=(2, 4, 2))
        labels = rng.integers(0, 3, (2, 4))
        objective = Objective("classification", "accuracy")
        _, grad, _ = loss_and_grad(model, x, labels, objective, raw=raw)
        expected = autograd.grad(autograd_loss(model, x, labels, objective, raw))(
            model.flatten(raw=raw)
        )
        mask = model.trainable_mask()
        err = float(np.max(np.abs(grad[mask] - expected[mask])) / np.max(np.abs(expected)))
        results.append(
            CheckResult(
                f"training gradient vs autograd ({'softplus' if raw else 'physical'} values)",
                err <= GRAD_RTOL,
                f"{err:.1e}",
                f"max rel error <= {GRAD_RTOL:g}",
            )
        )
    return results


def check_adam_and_checkpoint():
    """One Adam step against its formula; a checkpoint written and read back bit for bit."""

    theta, g, lr = np.array([1.0, -2.0]), np.array([0.5, -0.1]), 0.1
    new, _ = adam_step(theta, g, adam_init(theta), lr)
    want = theta - lr * g / (np.abs(g) + 1e-8)  # step 1: m̂ = g, v̂ = g²
    err = float(np.max(np.abs(new - want) / np.abs(want)))
    arrays = {"theta": np.random.default_rng(0).normal(size=7).astype(np.float32)}
    with tempfile.TemporaryDirectory() as tmp:
        save_checkpoint(Path(tmp) / "ck", arrays, {"lr": 0.1 + 0.2})
        back, meta = load_checkpoint(Path(tmp) / "ck.json")
    exact = back["theta"].tobytes() == arrays["theta"].tobytes() and meta["lr"] == 0.1 + 0.2
    return [
        CheckResult(
            "Adam step vs Kingma & Ba",
            err <= ADAM_RTOL,
            f"{err:.1e}",
            f"rel error <= {ADAM_RTOL:g}",
        ),
        CheckResult(
            "checkpoint round trip", exact, "bit-exact" if exact else "differs", "bit-exact"
        ),
    ]


def check_training() -> list[CheckResult]:
    """The training checks, one section."""
    return [*check_full_gradient(), *check_adam_and_checkpoint()]


__all__ = [
    "ADAM_RTOL",
    "GRAD_RTOL",
    "autograd_loss",
    "check_adam_and_checkpoint",
    "check_full_gradient",
    "check_training",
]
