"""An LTC "in another language": a standalone script that speaks the file protocol of
``ltc-ref crosscheck export`` / ``--results`` (docs/crosscheck.md) and imports nothing of
ltc-ref. It stands in for a Julia, C++ or CUDA implementation in tests/test_crosscheck_any.py.

For every case in DIR it reads ``case.json`` and ``inputs.npz`` and, for the conductance form's
fused solver (the only thing it implements; it says so in ``DIR/capabilities.json``), writes
``outputs.npz`` with ``y`` and ``h``. ``--no-epsilon`` makes it drop the fused step's ε (a wrong
implementation, for the diagnosis).

Usage: ``python foreign_ltc.py DIR [--no-epsilon]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def run(p, x, h0, dt, unfolds, epsilon):
    """The fused step of the conductance form, batch first; dt (B, T)."""
    B, T, _ = x.shape
    M = p["output_w"].shape[0]
    v, states = h0.copy(), []
    for t in range(T):
        xt = x[:, t] * p["input_w"] + p["input_b"]
        s = p["sensory_w"] * sigmoid(p["sensory_sigma"] * (xt[:, :, None] - p["sensory_mu"]))
        s = s * p["sensory_sparsity_mask"]
        s_num, s_den = (s * p["sensory_erev"]).sum(1), s.sum(1)
        c = p["cm"] * unfolds / dt[:, t : t + 1]
        for _ in range(unfolds):
            a = p["w"] * sigmoid(p["sigma"] * (v[:, :, None] - p["mu"])) * p["sparsity_mask"]
            num = c * v + p["gleak"] * p["vleak"] + (a * p["erev"]).sum(1) + s_num
            v = num / (c + p["gleak"] + a.sum(1) + s_den + epsilon)
        states.append(v)
    h = np.stack(states, 1)
    return h[:, :, :M] * p["output_w"] + p["output_b"], h


def main(argv) -> int:
    directory = Path(argv[0])
    no_epsilon = "--no-epsilon" in argv[1:]
    (directory / "capabilities.json").write_text(
        json.dumps({"forms": ["conductance"], "solvers": ["fused"]})
    )
    for name in json.loads((directory / "index.json").read_text())["cases"]:
        here = directory / name
        case = json.loads((here / "case.json").read_text())
        if case["form"] != "conductance" or case["solver"] != "fused":
            continue  # outside the capabilities: no outputs
        with np.load(here / "inputs.npz") as z:
            arrays = {k: z[k] for k in z.files}
        x = arrays["x"]
        dt = np.broadcast_to(arrays["dt"], x.shape[:2])
        epsilon = 0.0 if no_epsilon else case["epsilon"]
        with np.errstate(over="ignore"):  # exp(-z) of a saturated sigmoid: 1 / inf = 0
            y, h = run(arrays, x, arrays["h0"], dt, case["unfolds"], epsilon)
        np.savez(here / "outputs.npz", y=y, h=h)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
