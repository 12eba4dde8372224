"""Theorem 3, illustrated: an autonomous LTC fitted to a known 2-D system, error vs width.

Theorem 3 (universal approximation, SPEC §5) says that any autonomous C¹ system ẋ = F(x), on a
compact set and a finite horizon, is approximated to any ε by an LTC with enough hidden units and
no inputs, the first n neurons tracking x. This script fits LTCs of growing width N to the
cubic spiral

    ż₁ = -0.1 z₁³ + 2 z₂³,      ż₂ = -2 z₁³ - 0.1 z₂³

with the project's hand-written BPTT gradients (`ltc_ref.vjp`) and Adam. The LTC is the
paper's form with tanh, no inputs (C = 0), output read from its first two neurons, fused
solver; its initial state is (z(0), W₀ z(0) + b₀) with W₀, b₀ learned too (through the
cotangent of h0 that `ltc_ref.vjp` returns). 32 training and 16 test trajectories start at
random points of the annulus 0.5 ≤ |z| ≤ 1.2 and run for 40 steps of 0.05. The table reports
the root-mean-square error on both.

This is an illustration, not a proof: a finite optimisation of a non-convex loss from one random
start per width. That the error falls as N grows is what the theorem leads one to expect; it
does not show that it would reach any ε.

Run:  python examples/theorem3_spiral.py              (≈ 6 minutes on 2 cores)
      python examples/theorem3_spiral.py --plot docs/img/theorem3_spiral.png
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ltc_ref


def spiral(t, z):
    z1, z2 = z[..., 0], z[..., 1]
    return np.stack([-0.1 * z1**3 + 2.0 * z2**3, -2.0 * z1**3 - 0.1 * z2**3], axis=-1)


def trajectories(n, *, T, dt, seed):
    """``(n, 2)`` initial points drawn uniformly from the annulus 0.5 <= |z| <= 1.2 and the
    ``(n, T, 2)`` exact trajectories sampled every ``dt`` (z(dt) … z(T·dt)), integrated by
    Dormand–Prince at rtol 1e-10."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, 2 * np.pi, n)
    r = np.sqrt(rng.uniform(0.5**2, 1.2**2, n))
    z0 = np.stack([r * np.cos(angles), r * np.sin(angles)], axis=-1)
    sol = ltc_ref.dopri5(spiral, (0.0, T * dt), z0, rtol=1e-10, atol=1e-12, dense=True)
    z = sol(dt * np.arange(1, T + 1))  # (T, n, 2)
    return z0, np.transpose(z, (1, 0, 2))


def initial_state(z0, init, N):
    """(z0, z0 W0 + b0): the visible neurons start at z0; the hidden ones at a learned affine
    function of z0 (Theorem 3's hidden units are functions of the state, so their initial
    values must depend on it)."""
    W0, b0 = init
    return np.concatenate([z0, z0 @ W0 + b0], axis=1)


def rmse(params, init, z0, target, *, dt, unfolds):
    h0 = initial_state(z0, init, params.n_units)
    y, _ = ltc_ref.forward(params, np.zeros((*target.shape[:2], 0)), h0=h0, dt=dt, unfolds=unfolds)
    return float(np.sqrt(np.mean((y[..., :2] - target) ** 2)))


def fit(N, z0, target, *, dt, unfolds, steps, lr, seed):
    """Adam on the raw (softplus for τ) parameters and the initial-state map, loss = mean
    squared error of the first two neurons over the trajectories, learning rate decayed by
    cosine from ``lr`` to ``lr / 20``. Returns the parameters, the initial-state map and the
    loss history."""
    rng = np.random.default_rng(seed)
    params = ltc_ref.init_paper_params(0, N, rng, activation="tanh", sigma_w=1.0, sigma_b=0.1)
    params = params.replace(tau=np.full(N, 1.0), A=rng.normal(0, 0.5, N))
    B, T, _ = target.shape
    x = np.zeros((B, T, 0))
    n_p = params.n_trainable
    theta = np.concatenate([params.flatten(raw=True), np.zeros(2 * (N - 2) + (N - 2))])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    b1, b2, eps = 0.9, 0.999, 1e-8
    history = []

    def split(theta):
        W0 = theta[n_p : n_p + 2 * (N - 2)].reshape(2, N - 2)
        return params.unflatten(theta[:n_p], raw=True), (W0, theta[n_p + 2 * (N - 2) :])

    for k in range(1, steps + 1):
        p, init = split(theta)
        h0 = initial_state(z0, init, N)
        y, _ = ltc_ref.forward(p, x, h0=h0, dt=dt, unfolds=unfolds)
        err = y[..., :2] - target
        history.append(float(np.mean(err**2)))
        g_y = np.zeros_like(y)
        g_y[..., :2] = 2.0 * err / err.size
        g_params, _, g_h0, _ = ltc_ref.vjp(p, x, g_y, h0=h0, dt=dt, unfolds=unfolds)
        g_hidden = g_h0[:, 2:]
        g = np.concatenate(
            [
                ltc_ref.grad_to_flat(p, g_params, raw=True),
                (z0.T @ g_hidden).ravel(),
                g_hidden.sum(axis=0),
            ]
        )
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_k = lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * k / steps)))
        theta = theta - lr_k * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
    return (*split(theta), history)


def run(widths=(2, 4, 8, 16), *, steps=600, T=40, dt=0.05, unfolds=2, seed=0):
    z0_train, train = trajectories(32, T=T, dt=dt, seed=1)
    z0_test, test = trajectories(16, T=T, dt=dt, seed=2)
    rows, fitted = [], {}
    for N in widths:
        t0 = time.perf_counter()
        params, init, history = fit(
            N, z0_train, train, dt=dt, unfolds=unfolds, steps=steps, lr=0.02, seed=seed
        )
        rows.append(
            {
                "N": N,
                "train_rmse": rmse(params, init, z0_train, train, dt=dt, unfolds=unfolds),
                "test_rmse": rmse(params, init, z0_test, test, dt=dt, unfolds=unfolds),
                "initial_loss": history[0],
                "final_loss": history[-1],
                "seconds": time.perf_counter() - t0,
            }
        )
        fitted[N] = (params, init)
    return rows, fitted, (z0_test, test, dt, unfolds)


def plot(path, fitted, test_data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z0, test, dt, unfolds = test_data
    fig, axes = plt.subplots(1, len(fitted), figsize=(3.2 * len(fitted), 3.2), sharey=True)
    for ax, (N, (params, init)) in zip(np.atleast_1d(axes), fitted.items(), strict=True):
        h0 = initial_state(z0, init, N)
        y, _ = ltc_ref.forward(
            params, np.zeros((*test.shape[:2], 0)), h0=h0, dt=dt, unfolds=unfolds
        )
        for b in range(len(z0)):
            ax.plot(test[b, :, 0], test[b, :, 1], color="0.6", lw=2)
            ax.plot(y[b, :, 0], y[b, :, 1], color="C0", lw=1)
        ax.set_title(f"N = {N}")
        ax.set_aspect("equal")
    fig.suptitle("cubic spiral (grey) and the fitted autonomous LTC (blue), test starts")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=600, help="Adam steps per width")
    parser.add_argument("--plot", help="write a PNG of the test trajectories")
    parser.add_argument("--quick", action="store_true", help="tiny run for the test suite")
    args = parser.parse_args(argv)
    if args.quick:
        rows, fitted, test_data = run((2, 6), steps=30, T=10)
    else:
        rows, fitted, test_data = run(steps=args.steps)
    print("| N | train RMSE | test RMSE | loss: first step → last | time (s) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['N']} | {r['train_rmse']:.4f} | {r['test_rmse']:.4f} | "
            f"{r['initial_loss']:.3g} → {r['final_loss']:.3g} | {r['seconds']:.0f} |"
        )
    if args.plot:
        plot(args.plot, fitted, test_data)
    # Self-check: training reduced the loss for every width, and the widest network fits the
    # test trajectories better than the narrowest.
    assert all(r["final_loss"] < r["initial_loss"] for r in rows)
    assert rows[-1]["test_rmse"] < rows[0]["test_rmse"]
    return rows


if __name__ == "__main__":
    main()
