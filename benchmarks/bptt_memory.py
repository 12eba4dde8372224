"""Peak memory and time of one NumPy BPTT call (`ltc_ref.vjp`), measured in a fresh process.

    python benchmarks/bptt_memory.py                    # N=128, B=32, float64, T = 100 and 1000
    python benchmarks/bptt_memory.py --T 100 300 --N 32

Each size runs in its own subprocess; the figure is the growth of the process's peak resident
set (``ru_maxrss``) during the forward + backward call, over the baseline after building the
inputs. The states kept by BPTT are T·B·N numbers (T = 1000: 31 MiB in float64); the rest is
one input step's temporaries. Prints JSON, then a table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one(N, B, T, C, dtype):
    import numpy as np

    import ltc_ref

    rng = np.random.default_rng(0)
    params = ltc_ref.init_synaptic_params(
        ltc_ref.FullyConnected(N, output_dim=8).build(C), rng, dtype=dtype
    )
    x = rng.standard_normal((B, T, C)).astype(dtype)
    g_y = rng.standard_normal((B, T, 8)).astype(dtype)
    ltc_ref.vjp(params, x[:, :2], g_y[:, :2])  # warm up allocations and imports
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    ltc_ref.vjp(params, x, g_y)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    states_mib = T * B * N * np.dtype(dtype).itemsize / 2**20
    return {
        "N": N,
        "B": B,
        "T": T,
        "C": C,
        "dtype": dtype,
        "seconds": round(seconds, 2),
        "peak_growth_MiB": round(peak - base, 1),
        "stored_states_MiB": round(states_mib, 1),
        "process_peak_MiB": round(peak, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--N", type=int, default=128)
    parser.add_argument("--B", type=int, default=32)
    parser.add_argument("--C", type=int, default=8)
    parser.add_argument("--T", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one(args.N, args.B, args.T[0], args.C, args.dtype)))
        return
    rows = []
    for T in args.T:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--N",
            str(args.N),
            "--B",
            str(args.B),
            "--C",
            str(args.C),
            "--T",
            str(T),
            "--dtype",
            args.dtype,
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(json.dumps(rows, indent=1))
    print("| N | B | T | dtype | time (s) | peak growth (MiB) | stored states (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['N']} | {r['B']} | {r['T']} | {r['dtype']} | {r['seconds']} | "
            f"{r['peak_growth_MiB']} | {r['stored_states_MiB']} |"
        )


if __name__ == "__main__":
    main()
