"""BPTT vs the continuous adjoint method on the same networks and data (paper Table 1).

For three conductance-form networks of increasing stiffness — slow (ncps's initial ranges with
10x larger capacitances), ncps's initial ranges, and stiff (3x larger synaptic weights, 5x
smaller capacitances) — this measures, for each way of computing the parameter gradient of a
sequence loss:

* its error relative to the exact gradient of its own discretisation (for the adjoint: BPTT
  through the same RK4 discretisation; BPTT is exact for its own by construction, checked
  against autograd),
* its error relative to the gradient of the continuous ODE (BPTT through RK4 with a very fine
  step, at least 2 steps per τ_sys; the reference's own error is estimated against half as many
  steps),
* wall time and peak memory (tracemalloc) of the gradient call; and, separately, how the peak
  memory of BPTT and of the adjoint grows with the sequence length T.

Run:  python examples/adjoint_vs_bptt.py            (≈ 2 minutes on 2 cores)
      python examples/adjoint_vs_bptt.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

import numpy as np

import ltc_ref
from ltc_ref.gradients.adjoint import adjoint_vjp
from ltc_ref.testing import autograd_vjp, flatten_all

#: (scale of w and sensory_w, scale of cm) applied to ncps's initial ranges.
SETTINGS = {"slow": (1.0, 10.0), "ncps defaults": (1.0, 1.0), "stiff": (3.0, 0.2)}


def make_problem(setting, *, T, N=8, C=3, B=4, seed=0):
    """A conductance-form network, inputs and a fixed output cotangent (the loss <g_y, y>)."""
    w_scale, cm_scale = SETTINGS[setting]
    rng = np.random.default_rng(seed)
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(N, output_dim=2).build(C), rng)
    p = p.replace(w=p.w * w_scale, sensory_w=p.sensory_w * w_scale, cm=p.cm * cm_scale)
    x = rng.standard_normal((B, T, C))
    g_y = rng.standard_normal((B, T, p.n_outputs)) / T
    return p, x, g_y


def stiffness(p, x):
    """max over the trajectory of Δt / τ_sys (Δt = 1): how many time constants one input step
    spans; explicit RK4 with L sub-steps is stable only for about Δt/(L τ_sys) < 2.8."""
    _, h = ltc_ref.forward(p, x)
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    drive = ltc_ref.conductance.input_drive(p, x)
    return float(np.max(1.0 / ltc_ref.conductance.tau_sys(p, h_prev, drive)))


def measure(fn):
    """(result, seconds, peak MiB) of one call; the result is the exception if it raised (a
    diverging backward integration is a finding, not a crash)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    except (RuntimeError, FloatingPointError) as err:
        out = err
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, seconds, peak


def rel(a, b):
    if isinstance(b, Exception):
        return float("inf")
    a, b = flatten_all(a), flatten_all(b)
    if not np.all(np.isfinite(b)):
        return float("inf")
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))


def run(T=10, ref_unfolds=None, settings=tuple(SETTINGS)):
    rows = []
    for setting in settings:
        p, x, g_y = make_problem(setting, T=T)
        stiff = stiffness(p, x)
        L_ref = ref_unfolds or int(2 ** np.ceil(np.log2(max(64, 2 * stiff))))
        ref = ltc_ref.vjp(p, x, g_y, solver="rk4", unfolds=L_ref)[0]
        ref_half = ltc_ref.vjp(p, x, g_y, solver="rk4", unfolds=L_ref // 2)[0]
        ref_err = rel(ref, ref_half)
        bptt_rk4 = ltc_ref.vjp(p, x, g_y, solver="rk4", unfolds=6)[0]
        methods = {
            "BPTT, fused, L=6": (
                lambda p=p, x=x, g=g_y: ltc_ref.vjp(p, x, g)[0],
                lambda p=p, x=x, g=g_y: autograd_vjp(p, x, g)[0],
            ),
            "BPTT, RK4, L=6": (
                lambda p=p, x=x, g=g_y: ltc_ref.vjp(p, x, g, solver="rk4", unfolds=6)[0],
                lambda p=p, x=x, g=g_y: autograd_vjp(p, x, g, solver="rk4", unfolds=6)[0],
            ),
            "adjoint, RK4, L=6": (
                lambda p=p, x=x, g=g_y: adjoint_vjp(p, x, g, method="rk4", steps=6)[0],
                lambda g=bptt_rk4: g,
            ),
            "adjoint, dopri5, rtol=1e-6": (
                lambda p=p, x=x, g=g_y: adjoint_vjp(p, x, g, method="dopri5", rtol=1e-6, atol=1e-9)[
                    0
                ],
                None,
            ),
        }
        for name, (fn, own_discrete) in methods.items():
            with np.errstate(all="ignore"):
                g, seconds, peak = measure(fn)
                own = rel(own_discrete(), g) if own_discrete else None
            failure = f"{type(g).__name__}: {g}" if isinstance(g, Exception) else None
            rows.append(
                {
                    "setting": setting,
                    "max dt/tau_sys": stiff,
                    "method": name,
                    "error vs own discretisation": own,
                    "error vs continuous gradient": rel(ref, g),
                    "reference error estimate": ref_err,
                    "reference unfolds": L_ref,
                    "failure": failure,
                    "seconds": seconds,
                    "peak MiB": peak,
                }
            )
    return rows


def memory_scaling(T_values, *, N=32, B=32):
    """Peak traced memory of a gradient call against T on the slow network: BPTT stores the
    T·B·N states, the adjoint keeps O(1) in T."""
    rows = []
    for name in ("BPTT, fused, L=6", "adjoint, RK4, L=6"):
        for T in T_values:
            p, x, g = make_problem("slow", T=T, N=N, B=B)
            _, seconds, peak = measure(lambda p=p, x=x, g=g, name=name: methods_at(name, p, x, g))
            rows.append(
                {
                    "method": name,
                    "N": N,
                    "B": B,
                    "T": T,
                    "seconds": seconds,
                    "peak MiB": peak,
                    "stored states MiB": T * B * N * 8 / 2**20,
                }
            )
    return rows


def methods_at(name, p, x, g):
    if name.startswith("BPTT, fused"):
        return ltc_ref.vjp(p, x, g)
    if name.startswith("BPTT, RK4"):
        return ltc_ref.vjp(p, x, g, solver="rk4", unfolds=6)
    if name.startswith("adjoint, RK4"):
        return adjoint_vjp(p, x, g, method="rk4", steps=6)
    return adjoint_vjp(p, x, g, method="dopri5", rtol=1e-6, atol=1e-9)


def table(rows):
    head = ["setting", "method", "err vs own discr.", "err vs continuous", "time s", "peak MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        own = r["error vs own discretisation"]
        cells = [
            f"{r['setting']} (max Δt/τ_sys = {r['max dt/tau_sys']:.0f})",
            r["method"],
            "—" if own is None else f"{own:.1e}",
            f"{r['error vs continuous gradient']:.1e}" + (" (diverged)" if r["failure"] else ""),
            f"{r['seconds']:.2f}",
            f"{r['peak MiB']:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the test suite)")
    args = parser.parse_args(argv)
    if args.quick:
        rows = run(3, ref_unfolds=32, settings=("slow",))
        memory = memory_scaling((2, 4), N=4, B=2)
    else:
        rows, memory = run(), memory_scaling((50, 200))
    print(json.dumps({"accuracy": rows, "memory": memory}, indent=1))
    print(table(rows))
    print()
    print("| method | N | B | T | time s | peak MiB | stored states MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in memory:
        print(
            f"| {r['method']} | {r['N']} | {r['B']} | {r['T']} | {r['seconds']:.2f} | "
            f"{r['peak MiB']:.2f} | {r['stored states MiB']:.2f} |"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"accuracy": rows, "memory": memory}, fh, indent=1)
    # Self-check: BPTT is exact for its discretisation; on the slow network the adjoint
    # converges to the continuous gradient (dopri5 at rtol 1e-6 within 1e-3).
    by = {(r["setting"], r["method"]): r for r in rows}
    assert by[("slow", "BPTT, fused, L=6")]["error vs own discretisation"] < 1e-10
    assert by[("slow", "adjoint, dopri5, rtol=1e-6")]["error vs continuous gradient"] < 1e-3
    return rows


if __name__ == "__main__":
    main()
