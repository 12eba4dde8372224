"""Training an LTC on the project's own gradients (the paper's Table 3 experiments).

* `ltc_ref.training.model` — `Model`: the LTC (conductance form, fused solver, 32 units) and a
  dense read-out as one flat vector; `loss_and_grad` (BPTT by `ltc_ref.vjp`).
* `ltc_ref.training.losses` — cross-entropy (optionally class-weighted) and MSE with their
  gradients; accuracy, F1, MSE; `Objective` (which steps are targets).
* `ltc_ref.training.optim` — Adam and gradient-norm clipping.
* `ltc_ref.training.loop` — `fit`, `evaluate`, `TrainConfig`, best-validation selection,
  checkpoints, resuming, `NonFiniteLossError`.
* `ltc_ref.training.checkpoint` — ``.npz`` + JSON checkpoints, checked on load (a run's also
  store the input normalisation, so that `load_model` + `predict` work on raw data).
* `ltc_ref.training.export` — `to_ncps_model`: a trained model as an ncps (PyTorch) module,
  read-out, Δt, ε and normalisation included (torch imported only there).
* `ltc_ref.training.plots` — learning curves and $\\tau_{sys}$ over a sequence (matplotlib).
* `ltc_ref.verify.training` — the ``ltc-ref verify`` section (gradient, Adam, checkpoint).
* ``ltc-ref train DATASET`` — the command line (`ltc_ref.training.cli`).
"""

from __future__ import annotations

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .export import to_ncps_model
from .head import DenseHead, head_forward, head_vjp, init_dense_head
from .loop import (
    FitResult,
    History,
    NonFiniteLossError,
    TrainConfig,
    evaluate,
    fit,
    list_checkpoints,
    load_model,
)
from .losses import (
    Objective,
    accuracy,
    f1_positive,
    mean_squared_error,
    softmax_cross_entropy,
)
from .model import (
    PROJECTION_BOUNDS,
    TIME_PRESETS,
    Model,
    available_backends,
    default_backend,
    init_model,
    loss_and_grad,
    predict,
    preset_dt_epsilon,
    project,
)
from .optim import AdamState, adam_init, adam_step, clip_by_global_norm

__all__ = [
    "PROJECTION_BOUNDS",
    "TIME_PRESETS",
    "AdamState",
    "CheckpointError",
    "DenseHead",
    "FitResult",
    "History",
    "Model",
    "NonFiniteLossError",
    "Objective",
    "TrainConfig",
    "accuracy",
    "adam_init",
    "adam_step",
    "available_backends",
    "clip_by_global_norm",
    "default_backend",
    "evaluate",
    "f1_positive",
    "fit",
    "head_forward",
    "head_vjp",
    "init_dense_head",
    "init_model",
    "list_checkpoints",
    "load_checkpoint",
    "load_model",
    "loss_and_grad",
    "mean_squared_error",
    "predict",
    "preset_dt_epsilon",
    "project",
    "save_checkpoint",
    "softmax_cross_entropy",
    "to_ncps_model",
]
