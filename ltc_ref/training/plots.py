r"""Pictures of a training run: the learning curves, and the liquid time constant of a few
neurons over a test sequence (the paper's central idea, made visible).

matplotlib is imported only when a plot is drawn (the ``plot`` extra:
``pip install ".[plot]"`` in a checkout).

The liquid time constant of neuron $j$ at input step $t$ is the time constant of its linear
ODE with the synaptic conductances frozen at the state $v_{t-1}$ and the input $I_t$ (Eq. 1,
the docs' model page):

$$
    \tau_{sys,j}(t) = \frac{C_{m,j}}{g_{l,j} + \sum_i a_{ij}(v_{t-1}) + \sum_i s_{ij}(I_t)}
    \;\le\; \tau_j = \frac{C_{m,j}}{g_{l,j}},
$$

shown in units of input steps ($\tau_{sys} / \Delta t$). Every synapse that opens shortens it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._extras import install_hint
from ..forward import forward
from ..model import conductance
from .model import Model


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"plots need matplotlib: {install_hint('plot')}") from err
    return plt


def tau_sys_sequence(model: Model, x) -> np.ndarray:
    r"""$\tau_{sys}(t) / \Delta t$ of every neuron along one input sequence (module docstring).

    Arguments:
        model: a trained `Model`.
        x: ``(T, C)`` one input sequence.

    Returns:
        ``(T, N)``: row t is the liquid time constant during input step t, in input steps.
    """
    x = np.asarray(x, dtype=model.dtype)
    _, h = forward(model.ltc, x, dt=model.dt, unfolds=model.unfolds, epsilon=model.epsilon)
    v_prev = np.concatenate([np.zeros((1, model.ltc.n_units), dtype=model.dtype), h[:-1]])
    drive = conductance.input_drive(model.ltc, x)
    return conductance.tau_sys(model.ltc, v_prev, drive) / model.dt


def liveliest_sequence(x) -> int:
    r"""The index of the sequence whose inputs move most: the largest
    $\sum_{t, c} |x_{i, t+1, c} - x_{i, t, c}|$ (``ltc-ref train --plot`` draws $\tau_{sys}$ on
    this test sequence, the liveliest picture of the liquid time constant).

    Arguments:
        x: ``(n, T, C)`` sequences (e.g. ``dataset.test.x``), n >= 1.

    Returns:
        The index i (the first one on a tie).
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"x: expected shape (n, T, C) with n >= 1, got {x.shape}")
    return int(np.argmax(np.abs(np.diff(x, axis=1)).sum(axis=(1, 2))))


def _legend_outside(ax, **kwargs):
    """A legend to the right of ``ax``, outside it, so that it covers no data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


def _integer_ticks(ax):
    """Ticks at whole numbers only on the x axis (epochs, input steps)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_history(history, path, *, metric: str = "accuracy", title: str = "") -> Path:
    """Training curves: loss (train, valid, test) and metric per epoch, best epoch marked.

    Arguments:
        history: `ltc_ref.training.loop.History`.
        path: the PNG to write.
        metric: the metric's name (axis label; accuracy shown in %).
        title: figure title.

    Returns:
        ``path`` as a ``Path``.
    """
    plt = _pyplot()
    epochs = history.column("epoch")
    scale = 100.0 if metric == "accuracy" else 1.0
    fig, (ax_loss, ax_metric) = plt.subplots(1, 2, figsize=(9, 3.4))
    for split, style in (("train", "-"), ("valid", "--"), ("test", ":")):
        ax_loss.plot(epochs, history.column(f"{split}_loss"), style, label=split)
        ax_metric.plot(epochs, scale * history.column(f"{split}_metric"), style, label=split)
    valid = history.column("valid_metric")
    if valid.size and np.isfinite(valid).any():
        best = np.nanargmax(valid) if metric in ("accuracy", "f1") else np.nanargmin(valid)
        ax_metric.axvline(epochs[best], color="grey", lw=0.8)
        ax_metric.annotate(
            " best valid",
            (epochs[best], ax_metric.get_ylim()[0]),
            va="bottom",
            fontsize=8,
            color="grey",
        )
    ax_loss.set(xlabel="epoch", ylabel="loss")
    ax_metric.set(xlabel="epoch", ylabel=metric + (" (%)" if metric == "accuracy" else ""))
    for ax in (ax_loss, ax_metric):
        _integer_ticks(ax)
    _legend_outside(ax_metric, fontsize=8)
    return _save(fig, path, title)


def plot_tau_sys(
    model: Model,
    x,
    path,
    *,
    neurons=None,
    n_neurons: int = 4,
    feature_names=(),
    n_features: int = 3,
    title: str = "",
) -> Path:
    r"""The liquid time constant of a few neurons over one input sequence, under the inputs.

    Top: ``n_features`` input features; bottom: $\tau_{sys}(t)/\Delta t$ of the chosen neurons
    (solid) and their upper bound $\tau = C_m / g_l$ (dashed, Theorem 1), log scale.

    Arguments:
        model: a trained `Model`.
        x: ``(T, C)`` one input sequence (``ltc-ref train --plot``: the test sequence of
            `liveliest_sequence`).
        path: the PNG to write.
        neurons: indices to show; ``None`` picks the ``n_neurons`` whose $\tau_{sys}$ varies
            most (largest ratio max/min over the sequence).
        n_neurons: see ``neurons``.
        feature_names: names of the C inputs, for the legend.
        n_features: how many inputs to draw.
        title: figure title.

    Returns:
        ``path`` as a ``Path``.
    """
    plt = _pyplot()
    x = np.asarray(x, dtype=model.dtype)
    tau = tau_sys_sequence(model, x)
    if neurons is None:
        spread = np.log(tau.max(axis=0)) - np.log(tau.min(axis=0))
        neurons = np.argsort(spread)[::-1][:n_neurons]
    tau_bound = (model.ltc.cm / model.ltc.gleak) / model.dt
    t = np.arange(x.shape[0])
    fig, (ax_in, ax_tau) = plt.subplots(
        2, 1, figsize=(8, 5), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    for c in range(min(n_features, x.shape[1])):
        name = feature_names[c] if c < len(feature_names) else f"input {c}"
        ax_in.plot(t, x[:, c], lw=1, label=name)
    ax_in.set(ylabel="input (normalised)")
    _legend_outside(ax_in, fontsize=7)
    for k, j in enumerate(neurons):
        color = f"C{k}"
        ax_tau.plot(t, tau[:, j], color=color, label=f"neuron {j}")
        ax_tau.axhline(tau_bound[j], color=color, ls="--", lw=0.8)
    ax_tau.set_yscale("log")
    ax_tau.set(xlabel="input step t", ylabel=r"$\tau_{sys}$ / $\Delta t$ (input steps)")
    _integer_ticks(ax_tau)
    _legend_outside(ax_tau, fontsize=7)
    ax_tau.set_title(
        r"liquid time constant $\tau_{sys}$ (solid) and $\tau = C_m/g_l$ (dashed)", fontsize=9
    )
    return _save(fig, path, title)


def _save(fig, path, title) -> Path:
    """Title, lay out and write ``fig`` to ``path`` (creating its directory); close it."""
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")  # "tight": the legends outside the axes
    _pyplot().close(fig)
    return path


__all__ = ["liveliest_sequence", "plot_history", "plot_tau_sys", "tau_sys_sequence"]
