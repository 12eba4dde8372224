"""Trajectory length of random Neural ODE, CT-RNN and LTC networks (paper §5.1, Fig. 1).

Feed one turn of the circle I(t) = (sin t, cos t) to three continuous-time networks that share one
random f = tanh(x γ_r + I γ + μ), integrate each with adaptive Dormand–Prince, project the hidden
trajectory onto its first two principal components and measure the length of that 2-D curve and
the solver's steps per input sample ("computational depth", Table 2).

    python examples/trajectory_length.py            # width 100, as in the paper
    python examples/trajectory_length.py --quick    # width 8, a second

The full study (Fig. 3B–D, Table 2) is ``ltc-ref trajectory``; see docs/expressivity.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from ltc_ref import expressivity


def run(width=100, T=100, seed=0):
    """Lengths and computational depths of the three models on one shared random network."""
    rng = np.random.default_rng(seed)
    layers = expressivity.draw_layers(width, 1, rng, activation="tanh", sigma_w2=2.0)
    # T samples of one turn, Δt = 2π/T apart: the circle in its own time.
    protocol = expressivity.Protocol(T=T, dt=expressivity.circle_dt(T))
    results = {}
    for model in expressivity.MODELS:
        traj = expressivity.simulate(model, layers, protocol)
        length, explained = expressivity.trajectory_length(traj.states[:, 0])
        results[model] = (length, explained, traj.computational_depth)
        print(
            f"{expressivity.MODEL_LABELS[model]:>10}: length {length:8.3f}  "
            f"(PC1+PC2 explain {100 * explained:5.1f} %)  "
            f"steps per sample {traj.computational_depth:5.2f}"
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="width 8, 20 samples")
    args = parser.parse_args(argv)
    results = run(width=8, T=20) if args.quick else run()
    # Self-check: every length is positive and finite, the projection keeps most of the
    # variance, and the Neural ODE (smooth, not restarted at each sample) needs fewer solver
    # steps than there are input samples.
    for length, explained, _ in results.values():
        assert np.isfinite(length) and length > 0
        assert 0.5 < explained <= 1.0 + 1e-12
    assert results["neural_ode"][2] < 1.0
    print("self-check passed")
    return results


if __name__ == "__main__":
    main()
