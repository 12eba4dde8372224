r"""The training loop: minibatch Adam on the project's own gradients, best-validation selection,
checkpoints every epoch, resuming, and a clean stop on a non-finite loss.

One epoch (the paper's Algorithm 2 and Table S1, the authors' scripts):

1. shuffle the training sequences (``numpy.random.default_rng([seed, epoch])``: the order of an
   epoch depends only on the seed and the epoch number, so a resumed run sees the same batches);
2. for each full batch of ``batch_size`` sequences (the last, incomplete batch is dropped, as
   the scripts' ``total_seqs // batch_size``): loss and gradient (`model.loss_and_grad`:
   backpropagation through time through every fused sub-step), optional clipping of the
   gradient's norm, an Adam step, and the positivity constraint (`model.project`);
3. evaluate the validation and test splits; keep the parameters of the best validation metric
   (the paper reports the test metric at the best-validation epoch);
4. write a checkpoint (`ltc_ref.training.checkpoint`).

Everything is a function of ``(config, dataset)``: the initial parameters come from
``default_rng(seed)``, so two runs with the same arguments give the same numbers (with the Numba
backend, for the same number of threads).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validation as v
from .._version import __version__
from ..data.windowing import ZScore
from ..forward import NonFiniteError
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .losses import Objective
from .model import (
    POSITIVITY,
    Model,
    default_backend,
    init_model,
    loss_and_grad,
    predict,
    preset_dt_epsilon,
    project,
)
from .optim import AdamState, adam_init, adam_step, clip_by_global_norm

#: Batch size of evaluation (forward passes only; memory is ``O(batch · T · N)``).
EVAL_BATCH_SIZE = 256
#: Checkpoints kept in a run directory (the newest ones); older ones are deleted.
KEEP_CHECKPOINTS = 2
#: Name pattern of the per-epoch checkpoints in a run directory.
CHECKPOINT_NAME = "epoch-{epoch:04d}"


class NonFiniteLossError(RuntimeError):
    """The loss or its gradient became NaN or infinite; training stopped before the bad step
    and the last good checkpoint was kept (`checkpoint` names it, ``None`` without ``out_dir``).
    """

    def __init__(self, message: str, checkpoint: Path | None = None):
        super().__init__(message)
        self.checkpoint = checkpoint


#: The (N, N) arrays a training run holds at a time, counted conservatively (5 synapse fields ×
#: parameters, gradient, 2 Adam moments, best copy, and temporaries): `TrainConfig` refuses a
#: ``units`` whose arrays would not fit in the machine's memory before anything is allocated.
MEMORY_PER_SQUARED_UNIT = 32


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (saved in every checkpoint; resuming requires the
    same values except ``epochs``).

    Attributes:
        dataset: the dataset's name (for the records; `fit` takes the data itself).
        seed: seed of the initial parameters and of the batch order.
        epochs: number of epochs (the paper: 200).
        learning_rate: Adam's step size; ``None`` takes the dataset's (the authors' script).
        batch_size: ``None`` takes the dataset's (16).
        units: N, LTC neurons (32 in Table 3).
        unfolds: L, fused sub-steps per input step (6).
        dt: elapsed time of an input step; ``None`` (default) takes the preset of ``init``
            (`ltc_ref.training.model.TIME_PRESETS`): ``"authors"`` L (= 6, so that ``cm`` is
            their ``cm_t``), ``"ncps"`` 1 (ncps's ``LTC`` without timespans, $c = L\\,C_m$).
        epsilon: the fused step's $\\varepsilon$; ``None`` takes the preset's (0 for
            ``"authors"``, ncps's 1e-8 for ``"ncps"``).
        init: initial ranges and time preset, ``"authors"`` or ``"ncps"``.
        positivity: ``"clip"`` (the authors' projection) or ``"softplus"`` (ncps).
        clip_norm: maximal gradient norm, or ``None`` (the authors clip nothing).
        dtype: ``"float32"`` (the authors' TensorFlow default, faster) or ``"float64"``.
        max_batches: optional cap on the batches of an epoch (quick runs on a slice).
    """

    dataset: str = "custom"
    seed: int = 0
    epochs: int = 10
    learning_rate: float | None = None
    batch_size: int | None = None
    units: int = 32
    unfolds: int = 6
    dt: float | None = None
    epsilon: float | None = None
    init: str = "authors"
    positivity: str = "clip"
    clip_norm: float | None = None
    dtype: str = "float64"
    max_batches: int | None = None

    def __post_init__(self):
        v.check_int("seed", self.seed, minimum=0)
        v.check_int("epochs", self.epochs, minimum=0)
        v.check_int("units", self.units, minimum=1)
        itemsize = 4 if self.dtype == "float32" else 8
        # the model's (N, N) arrays: 5 synapse fields, their gradient, Adam's two moments, the
        # parameter vector and its best copy, and the (B, N, N) temporaries of one step
        v.check_memory(
            "units",
            f"training N = {self.units} units ({MEMORY_PER_SQUARED_UNIT} (N, N) arrays)",
            MEMORY_PER_SQUARED_UNIT * self.units**2 * itemsize,
        )
        v.check_int("unfolds", self.unfolds, minimum=1)
        v.check_choice("positivity", self.positivity, POSITIVITY)
        v.check_choice("init", self.init, ("authors", "ncps"))
        v.check_choice("dtype", self.dtype, ("float32", "float64"))
        # Resolve the preset here, so that the saved config states the numbers used.
        preset_dt, preset_epsilon = preset_dt_epsilon(self.init, self.unfolds)
        if self.dt is None:
            object.__setattr__(self, "dt", preset_dt)
        if self.epsilon is None:
            object.__setattr__(self, "epsilon", preset_epsilon)
        if not v.check_real("epsilon", self.epsilon) >= 0:
            raise ValueError(f"epsilon: expected a number >= 0, got {self.epsilon}")
        for name in ("learning_rate", "clip_norm", "dt"):
            value = getattr(self, name)
            if value is not None and not v.check_real(name, value) > 0:
                raise ValueError(f"{name}: expected a number > 0, got {value}")
        for name in ("batch_size", "max_batches"):
            if getattr(self, name) is not None:
                v.check_int(name, getattr(self, name), minimum=1)


@dataclass
class History:
    """Per-epoch records: ``rows[e - 1]`` is epoch ``e`` with keys ``epoch``, ``train_loss``,
    ``train_metric`` (running means over the epoch's batches), ``valid_loss``,
    ``valid_metric``, ``test_loss``, ``test_metric`` and ``seconds`` (wall time of the epoch,
    evaluation included)."""

    rows: list = field(default_factory=list)

    def column(self, key: str) -> np.ndarray:
        """One column as an array, e.g. ``history.column("valid_metric")``."""
        return np.array([row[key] for row in self.rows], dtype=float)


@dataclass
class FitResult:
    """What `fit` returns.

    Attributes:
        model: the best-validation `Model`.
        best_epoch: its epoch (0: the initial parameters).
        valid_metric: its validation metric.
        test_metric: its test metric (the number Table 3 reports).
        test_loss: its test loss.
        history: the `History` of every epoch trained so far (resumed epochs included).
        epochs_run: epochs trained by this call.
        stopped: ``None``, or why training stopped before ``config.epochs``.
        checkpoint: the last checkpoint's JSON path (``None`` without ``out_dir``).
        metric: the metric's name.
    """

    model: Model
    best_epoch: int
    valid_metric: float
    test_metric: float
    test_loss: float
    history: History
    epochs_run: int
    stopped: str | None
    checkpoint: Path | None
    metric: str

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall time of the recorded epochs (NaN when none)."""
        seconds = self.history.column("seconds")
        return float(np.mean(seconds)) if seconds.size else math.nan


@dataclass
class _State:
    """The mutable state of a run; exactly what a checkpoint stores."""

    theta: np.ndarray
    adam: AdamState
    epoch: int
    best_theta: np.ndarray
    best_epoch: int
    best_valid: float | None
    history: History


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def evaluate(
    model: Model,
    split,
    objective: Objective,
    *,
    backend: str = "numpy",
    batch_size: int = EVAL_BATCH_SIZE,
) -> tuple[float, float]:
    """The loss and the metric of ``model`` on a whole split.

    Arguments:
        model: `Model`.
        split: a `ltc_ref.data.Split` (``x`` ``(n, T, C)``, ``y``), normalised as the model's
            training data (a split of the same `ltc_ref.data.Dataset`).
        objective: `Objective`.
        backend: ``"numpy"`` or ``"numba"``.
        batch_size: sequences per forward pass (does not change the result).

    Returns:
        loss (float): over every target step of the split.
        metric (float): the dataset's metric over the same steps.
    """
    x = np.asarray(split.x, dtype=model.dtype)
    outputs = []
    for start in range(0, x.shape[0], batch_size):
        try:
            batch = x[start : start + batch_size]
            z, _ = predict(model, batch, backend=backend, normalise=False)
        except NonFiniteError:  # the states ran away on this split: no finite loss or metric
            return math.nan, math.nan
        outputs.append(z[:, -1:] if objective.target_steps == "last" else z)
    z = np.concatenate(outputs)
    y = split.y[:, -1:] if objective.target_steps == "last" else split.y
    with np.errstate(over="ignore", invalid="ignore"):
        loss, _ = objective.loss(z, y)
        metric = objective.metric_value(z, y)
    return loss, metric


# --------------------------------------------------------------------------------------------
# Checkpoints of a run
# --------------------------------------------------------------------------------------------


def dataset_fingerprint(dataset) -> dict:
    """Name, protocol, split shapes and a SHA-256 of the training arrays: enough to refuse
    resuming a run on other data."""
    digest = hashlib.sha256()
    for a in (dataset.train.x, dataset.train.y):
        digest.update(np.ascontiguousarray(a).tobytes())
    return {
        "name": dataset.name,
        "protocol": dataset.protocol,
        "shapes": {k: [list(s.x.shape), list(s.y.shape)] for k, s in dataset.splits.items()},
        "train_sha256": digest.hexdigest(),
    }


def list_checkpoints(out_dir) -> list[Path]:
    """The JSON records of the per-epoch checkpoints in ``out_dir``, oldest first."""
    return sorted(Path(out_dir).glob("epoch-[0-9][0-9][0-9][0-9].json"))


def _finite_or_none(value):
    """``value`` with every non-finite float replaced by ``None`` (standard JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(x) for k, x in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(x) for x in value]
    return value


def _scaling_record(scaling: ZScore | None):
    """A `ZScore` as JSON (``repr`` floats come back exactly), or ``None``."""
    if scaling is None:
        return None
    return {
        "mean": [float(m) for m in np.asarray(scaling.mean, dtype=np.float64)],
        "std": [float(s) for s in np.asarray(scaling.std, dtype=np.float64)],
    }


def _scaling_from_record(record) -> ZScore | None:
    if record is None:
        return None
    return ZScore(
        np.array(record["mean"], dtype=np.float64), np.array(record["std"], dtype=np.float64)
    )


def _normalisation(dataset) -> dict:
    """The normalisation the dataset was built with (`ltc_ref.data.Dataset.x_scaling`,
    ``y_scaling``), for the checkpoint's metadata."""
    return {
        "x": _scaling_record(getattr(dataset, "x_scaling", None)),
        "y": _scaling_record(getattr(dataset, "y_scaling", None)),
    }


def _expected_arrays(template: Model) -> dict:
    n = (template.n_params,)
    dtype = template.dtype
    return {
        "theta": (n, dtype),
        "best_theta": (n, dtype),
        "adam_m": (n, dtype),
        "adam_v": (n, dtype),
        "sparsity_mask": (template.ltc.sparsity_mask.shape, dtype),
        "sensory_sparsity_mask": (template.ltc.sensory_sparsity_mask.shape, dtype),
    }


def _save(out_dir: Path, state: _State, template: Model, meta: dict) -> Path:
    arrays = {
        "theta": state.theta,
        "best_theta": state.best_theta,
        "adam_m": state.adam.m,
        "adam_v": state.adam.v,
        "sparsity_mask": template.ltc.sparsity_mask,
        "sensory_sparsity_mask": template.ltc.sensory_sparsity_mask,
    }
    metadata = dict(
        meta,
        epoch=state.epoch,
        adam_t=state.adam.t,
        best_epoch=state.best_epoch,
        best_valid=state.best_valid,
        history=_finite_or_none(state.history.rows),
    )
    path = save_checkpoint(out_dir / CHECKPOINT_NAME.format(epoch=state.epoch), arrays, metadata)
    for old in list_checkpoints(out_dir)[:-KEEP_CHECKPOINTS]:
        old.with_suffix(".npz").unlink(missing_ok=True)
        old.unlink(missing_ok=True)
    return path


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_run_metadata(path: Path, saved: dict) -> None:
    """Check the fields `fit` writes into a checkpoint's metadata (beyond what the hashes of
    `load_checkpoint` cover: a record written by another tool); a `CheckpointError` names the
    file and the field."""

    def bad(field, expected, got):
        raise CheckpointError(
            f"checkpoint {path}: metadata field {field!r}: expected {expected}, got {got!r}"
        )

    for key in ("config", "model", "dataset", "epoch", "adam_t", "best_epoch", "best_valid",
                "history"):  # fmt: skip
        if key not in saved:
            raise CheckpointError(f"checkpoint {path}: the metadata has no {key!r} field")
    if not isinstance(saved["config"], dict):
        bad("config", "an object (the TrainConfig)", saved["config"])
    model = saved["model"]
    if not isinstance(model, dict) or not all(
        _is_int(model.get(k)) and model[k] >= 1 for k in ("n_inputs", "n_outputs")
    ):
        bad("model", "an object with integers n_inputs, n_outputs >= 1", model)
    for key in ("epoch", "adam_t", "best_epoch"):
        if not _is_int(saved[key]) or saved[key] < 0:
            bad(key, "an integer >= 0", saved[key])
    if saved["best_epoch"] > saved["epoch"]:
        bad("best_epoch", f"at most the epoch ({saved['epoch']})", saved["best_epoch"])
    best = saved["best_valid"]
    if best is not None and (isinstance(best, bool) or not isinstance(best, (int, float))):
        bad("best_valid", "a number or null", best)
    history = saved["history"]
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        bad("history", "a list of per-epoch objects", history)
    if len(history) != saved["epoch"]:
        bad("history", f"one row per epoch trained ({saved['epoch']})", f"{len(history)} rows")


def _restore(path: Path, template: Model, meta: dict) -> _State:
    """Load a run's checkpoint and check that it belongs to this run."""
    arrays, saved = load_checkpoint(path, expect=_expected_arrays(template))
    _check_run_metadata(path, saved)
    mine, theirs = meta["config"], saved["config"]
    diff = [
        f"{k}: checkpoint {theirs.get(k)!r}, now {mine.get(k)!r}"
        for k in sorted(set(mine) | set(theirs))
        if k != "epochs" and mine.get(k) != theirs.get(k)
    ]
    if saved.get("dataset") != meta["dataset"]:
        diff.append("dataset: the data differ (name, protocol, split shapes or training arrays)")
    if diff:
        raise CheckpointError(
            f"checkpoint {path}: belongs to another run; differences: "
            + "; ".join(diff)
            + " (use another output directory, or --no-resume to start over)"
        )
    for name in ("sparsity_mask", "sensory_sparsity_mask"):
        if not np.array_equal(arrays[name], getattr(template.ltc, name)):
            raise CheckpointError(f"checkpoint {path}: {name} differs from this model's wiring")
    return _State(
        theta=arrays["theta"],
        adam=AdamState(arrays["adam_m"], arrays["adam_v"], int(saved["adam_t"])),
        epoch=int(saved["epoch"]),
        best_theta=arrays["best_theta"],
        best_epoch=int(saved["best_epoch"]),
        best_valid=saved["best_valid"],
        history=History(list(saved["history"])),
    )


def load_model(path, *, which: str = "best") -> Model:
    """The model stored in a checkpoint written by `fit`.

    Arguments:
        path: a run directory (its newest checkpoint is read) or a checkpoint's ``.json``.
        which: ``"best"`` (best validation, the reported model) or ``"last"``.

    Returns:
        `Model`, with the input (and target) normalisation the run was trained with
        (``x_scaling``, ``y_scaling``; ``None`` for checkpoints written before they were
        stored, or data used as they are): ``predict(model, x_raw, normalise=True)`` applies it.

    Raises:
        CheckpointError: no checkpoint, or a corrupt one.
    """
    v.check_choice("which", which, ("best", "last"))
    path = Path(path)
    if path.is_dir():
        found = list_checkpoints(path)
        if not found:
            raise CheckpointError(f"{path}: no checkpoint (epoch-NNNN.json) in this directory")
        path = found[-1]
    arrays, meta = load_checkpoint(path)
    _check_run_metadata(path, meta)
    cfg, shape = meta["config"], meta["model"]
    try:
        config = TrainConfig(**cfg)
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {path}: metadata field 'config': {err}") from err
    template = _template(config, shape["n_inputs"], shape["n_outputs"])
    for name in ("theta", "best_theta"):
        if name not in arrays:
            raise CheckpointError(f"checkpoint {path}: has no array {name!r}")
    if arrays["theta"].shape != (template.n_params,):
        raise CheckpointError(f"checkpoint {path}: parameter vector of another model size")
    theta = arrays["best_theta" if which == "best" else "theta"]
    model = template.unflatten(theta, raw=config.positivity == "softplus")
    norm = meta.get("normalisation") or {}
    try:
        return dataclasses.replace(
            model,
            x_scaling=_scaling_from_record(norm.get("x")),
            y_scaling=_scaling_from_record(norm.get("y")),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(
            f"checkpoint {path}: unreadable normalisation record ({err})"
        ) from err


def _template(config: TrainConfig, n_inputs: int, n_outputs: int) -> Model:
    """The initial model of a run (its parameters are the run's starting point)."""
    return init_model(
        n_inputs,
        n_outputs,
        np.random.default_rng(config.seed),
        units=config.units,
        ranges=config.init,
        dt=config.dt,
        unfolds=config.unfolds,
        epsilon=config.epsilon,
        dtype=np.dtype(config.dtype),
    )


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------


def _progress_bar(total: int, desc: str, enabled: bool | None):
    """A tqdm bar when tqdm is installed (the ``progress`` extra) and ``enabled`` is not
    False; otherwise ``None`` (`fit` then prints one line per epoch)."""
    if enabled is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total, desc=desc, unit="batch", leave=False, mininterval=0.5, dynamic_ncols=True
    )


def _format_metric(metric: str, value: float) -> str:
    return f"{100 * value:.2f} %" if metric == "accuracy" else f"{value:.4f}"


def _run_epoch(template, state, train_x, train_y, objective, config, order, *, lr, batch_size,
               n_batches, raw, backend, epoch, checkpoint, progress):  # fmt: skip
    """The batches of one epoch: gradient, clipping, Adam step, projection. Returns the new
    parameters and Adam state and the batches' losses and metrics; raises
    `NonFiniteLossError` before any step with a non-finite loss or gradient."""
    theta, adam = state.theta, state.adam
    losses, metrics = [], []
    bar = _progress_bar(n_batches, f"epoch {epoch}/{config.epochs}", progress)
    try:
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            model = template.unflatten(theta, raw=raw)
            loss, grad, z = loss_and_grad(
                model, train_x[idx], train_y[idx], objective, raw=raw, backend=backend
            )
            if grad is None or not np.all(np.isfinite(grad)):
                what = f"loss {loss}" if grad is None else f"gradient (loss {loss})"
                where = (
                    f"the last good checkpoint is {checkpoint} (epoch {state.epoch})"
                    if checkpoint is not None
                    else "no checkpoint (no out_dir)"
                )
                raise NonFiniteLossError(
                    f"training stopped: non-finite {what} at epoch {epoch}, batch {b + 1} "
                    f"of {n_batches}; the parameters were not updated and {where}. Try a "
                    f"smaller learning rate (now {lr}) or gradient clipping (clip_norm).",
                    checkpoint,
                )
            grad, _ = clip_by_global_norm(grad, config.clip_norm)
            theta, adam = adam_step(theta, grad, adam, lr)
            theta = project(template, theta, config.positivity)
            losses.append(loss)
            with np.errstate(over="ignore", invalid="ignore"):
                metrics.append(objective.metric_value(z, train_y[idx]))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(
                    loss=f"{np.mean(losses):.4f}",
                    **{objective.metric: f"{np.mean(metrics):.4f}"},
                )
    finally:
        if bar is not None:
            bar.close()
    return theta, adam, losses, metrics


def fit(
    dataset,
    config: TrainConfig,
    out_dir=None,
    *,
    backend: str | None = None,
    resume: bool = True,
    max_minutes: float | None = None,
    progress: bool | None = None,
    log: Callable[[str], None] = print,
) -> FitResult:
    """Train an LTC with a dense read-out on ``dataset`` (module docstring).

    Arguments:
        dataset: a `ltc_ref.data.Dataset` (or any object with its attributes ``train``,
            ``valid``, ``test``, ``task``, ``metric``, ``target_steps``, ``class_weights``,
            ``learning_rate``, ``batch_size``, ``n_features``, ``n_outputs``, ``name``,
            ``protocol``, ``splits``).
        config: `TrainConfig`.
        out_dir: directory of the run's checkpoints (``epoch-NNNN.npz`` / ``.json``), or
            ``None`` for none.
        backend: ``"numpy"`` or ``"numba"``; ``None`` picks `model.default_backend`. Not part
            of the run's identity (a run may be resumed with the other backend).
        resume: continue from the newest checkpoint in ``out_dir`` if there is one (it must
            belong to the same configuration and data; only ``epochs`` may differ); with
            False, the run's checkpoints in ``out_dir`` are deleted and training starts over.
        max_minutes: wall-time budget of this call: stop after the epoch at which another epoch
            would exceed it.
        progress: show a tqdm progress bar (``None``: when tqdm is installed).
        log: where the per-epoch lines go.

    Returns:
        `FitResult`.

    Raises:
        NonFiniteLossError: the loss or the gradient became non-finite; the parameters were
            not updated and the last good checkpoint (written at the end of the previous
            epoch, or the initial one) is kept.
        CheckpointError: a checkpoint in ``out_dir`` is corrupt or belongs to another run.
    """

    backend = default_backend() if backend is None else backend
    if max_minutes is not None and not v.check_real("max_minutes", max_minutes) > 0:
        raise ValueError(f"max_minutes: expected a number of minutes > 0, got {max_minutes}")
    objective = Objective.from_dataset(dataset)
    dtype = np.dtype(config.dtype)
    lr = config.learning_rate if config.learning_rate is not None else dataset.learning_rate
    batch_size = config.batch_size if config.batch_size is not None else dataset.batch_size
    raw = config.positivity == "softplus"
    template = _template(config, dataset.n_features, dataset.n_outputs)
    train_x = np.asarray(dataset.train.x, dtype=dtype)
    train_y = (
        dataset.train.y
        if dataset.task == "classification"
        else (np.asarray(dataset.train.y, dtype=dtype))
    )
    n = train_x.shape[0]
    n_batches = max(1, n // batch_size)
    if config.max_batches is not None:
        n_batches = min(n_batches, config.max_batches)
    meta = {
        "config": dataclasses.asdict(config),
        "dataset": dataset_fingerprint(dataset),
        "model": {
            "n_inputs": dataset.n_features,
            "n_outputs": dataset.n_outputs,
            "n_params": template.n_params,
        },
        "normalisation": _normalisation(dataset),
        "learning_rate": lr,
        "batch_size": batch_size,
        "backend": backend,
        "ltc_ref_version": __version__,
    }

    out_dir = None if out_dir is None else Path(out_dir)
    checkpoint = None
    state = None
    if out_dir is not None and resume and list_checkpoints(out_dir):
        checkpoint = list_checkpoints(out_dir)[-1]
        state = _restore(checkpoint, template, meta)
        log(f"resuming from {checkpoint} (epoch {state.epoch})")
    if out_dir is not None and not resume:
        for old in list_checkpoints(out_dir):  # start over: older records must not be resumed
            old.with_suffix(".npz").unlink(missing_ok=True)
            old.unlink(missing_ok=True)
    if state is None:
        theta = project(template, template.flatten(raw=raw), config.positivity)
        state = _State(theta, adam_init(theta), 0, theta, 0, None, History())
        if out_dir is not None:
            checkpoint = _save(out_dir, state, template, meta)

    started = time.perf_counter()
    epochs_run, stopped = 0, None
    for epoch in range(state.epoch + 1, config.epochs + 1):
        t0 = time.perf_counter()
        order = np.random.default_rng([config.seed, epoch]).permutation(n)
        theta, adam, losses, metrics = _run_epoch(
            template, state, train_x, train_y, objective, config, order,
            lr=lr, batch_size=batch_size, n_batches=n_batches, raw=raw, backend=backend,
            epoch=epoch, checkpoint=checkpoint, progress=progress,
        )  # fmt: skip
        if not np.all(np.isfinite(theta)):
            raise NonFiniteLossError(
                f"training stopped: parameters became non-finite in epoch {epoch}; the last "
                f"good checkpoint is {checkpoint}",
                checkpoint,
            )

        model = template.unflatten(theta, raw=raw)
        valid_loss, valid_metric = evaluate(model, dataset.valid, objective, backend=backend)
        test_loss, test_metric = evaluate(model, dataset.test, objective, backend=backend)
        row = {
            "epoch": epoch,
            "train_loss": float(np.mean(losses)),
            "train_metric": float(np.mean(metrics)),
            "valid_loss": valid_loss,
            "valid_metric": valid_metric,
            "test_loss": test_loss,
            "test_metric": test_metric,
            "seconds": time.perf_counter() - t0,
        }
        history = History([*state.history.rows, row])
        best = objective.is_better(valid_metric, state.best_valid)
        state = _State(
            theta=theta,
            adam=adam,
            epoch=epoch,
            best_theta=theta if best else state.best_theta,
            best_epoch=epoch if best else state.best_epoch,
            best_valid=valid_metric if best else state.best_valid,
            history=history,
        )
        epochs_run += 1
        if out_dir is not None:
            checkpoint = _save(out_dir, state, template, meta)
        m = objective.metric
        log(
            f"epoch {epoch:3d}/{config.epochs}  train loss {row['train_loss']:.4f}  "
            f"valid {m} {_format_metric(m, valid_metric)}  test {m} "
            f"{_format_metric(m, test_metric)}  {row['seconds']:.1f} s" + ("  *" if best else "")
        )
        elapsed = time.perf_counter() - started
        if (
            max_minutes is not None
            and epoch < config.epochs
            and elapsed + elapsed / epochs_run > 60 * max_minutes
        ):
            stopped = (
                f"time budget: {elapsed / 60:.1f} of {max_minutes} minutes used after "
                f"epoch {epoch}; another epoch would exceed it"
            )
            log(f"stopping: {stopped}")
            break

    norm = meta["normalisation"]
    best_model = dataclasses.replace(
        template.unflatten(state.best_theta, raw=raw),
        x_scaling=_scaling_from_record(norm["x"]),
        y_scaling=_scaling_from_record(norm["y"]),
    )
    if state.best_epoch > 0:
        best_row = state.history.rows[state.best_epoch - 1]
        valid_metric, test_metric, test_loss = (
            best_row["valid_metric"],
            best_row["test_metric"],
            best_row["test_loss"],
        )
    else:
        _, valid_metric = evaluate(best_model, dataset.valid, objective, backend=backend)
        test_loss, test_metric = evaluate(best_model, dataset.test, objective, backend=backend)
    return FitResult(
        model=best_model,
        best_epoch=state.best_epoch,
        valid_metric=valid_metric,
        test_metric=test_metric,
        test_loss=test_loss,
        history=state.history,
        epochs_run=epochs_run,
        stopped=stopped,
        checkpoint=checkpoint,
        metric=objective.metric,
    )


__all__ = [
    "EVAL_BATCH_SIZE",
    "FitResult",
    "History",
    "NonFiniteLossError",
    "TrainConfig",
    "dataset_fingerprint",
    "evaluate",
    "fit",
    "list_checkpoints",
    "load_model",
]
