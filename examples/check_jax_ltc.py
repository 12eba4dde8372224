"""Check another framework's LTC against the reference: a small, independent LTC in JAX.

The conductance form's fused step (SPEC §2–3), written from the maths with ``jax.numpy``:

    v_j <- [c_j v_j + g_l,j v_l,j + Σ_i a_ij E_ij + Σ_i s_ij Eˢ_ij]
           / [c_j + g_l,j + Σ_i a_ij + Σ_i s_ij + ε],        c_j = C_m,j / (Δt / L)

with the sensory terms computed once per input step, L sub-steps per input step and the output
map y = v[:M] ⊙ output_w + output_b. Its gradients come from ``jax.vjp``. The kit checks it on
the golden cases and on hypothesis-drawn cases (forward and every gradient) and declares what it
supports (the conductance form, the fused solver): the paper-form and explicit-solver cases are
``not_applicable``.

Then a deliberately wrong variant, the authors' TF code's ``cm_t`` (the capacitance used as the
per-sub-step constant c, not divided by Δt / L), fails, and the diagnosis names it.

Needs JAX (the ``jax`` extra: ``pip install '.[jax]'`` in the checkout); without it the example
says so and stops.

Run: ``python examples/check_jax_ltc.py [--quick]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from ltc_ref.testing import Capabilities, check_candidate, check_with_hypothesis, golden_cases

#: What this JAX LTC can represent; everything left out (Δt forms, ε, maps, masks) is supported.
CAPABILITIES = Capabilities(forms=["conductance"], solvers=["fused"])
#: The golden cases of ``--quick``: ncps's defaults, per-sample Δt, and a paper-form case (not
#: applicable to this candidate).
QUICK_CASES = (
    "cond-fc-fused-L6-ncps-init",
    "cond-fc-fused-dt-per-sample",
    "paper-sigmoid-fused-L6",
)
FIELDS = (
    "gleak", "vleak", "cm", "sigma", "mu", "w", "erev", "sensory_sigma", "sensory_mu",
    "sensory_w", "sensory_erev", "sparsity_mask", "sensory_sparsity_mask", "input_w", "input_b",
    "output_w", "output_b",
)  # fmt: skip


def make_ltc(jax, *, cm_is_per_substep=False):
    """The JAX LTC as a pure, jitted function ``ltc(p, x, h0, dt, unfolds, epsilon) -> (y, h)``
    of a dict of parameter arrays, ``x`` ``(B, T, C)``, ``h0`` ``(B, N)``, ``dt`` ``(B, T)``.

    ``cm_is_per_substep=True`` builds the wrong variant: c = C_m (the authors' ``cm_t``)."""
    jnp, sigmoid = jax.numpy, jax.nn.sigmoid

    def ltc(p, x, h0, dt, unfolds, epsilon):
        def input_step(v, inputs):
            x_t, dt_t = inputs  # (B, C), (B,)
            xt = x_t * p["input_w"] + p["input_b"]
            s = sigmoid(p["sensory_sigma"] * (xt[:, :, None] - p["sensory_mu"]))
            s = p["sensory_w"] * s * p["sensory_sparsity_mask"]  # (B, C, N), computed once
            s_num, s_den = jnp.sum(s * p["sensory_erev"], axis=1), jnp.sum(s, axis=1)
            c = p["cm"] if cm_is_per_substep else p["cm"] / (dt_t[:, None] / unfolds)

            def sub_step(_, v):
                a = sigmoid(p["sigma"] * (v[:, :, None] - p["mu"]))
                a = p["w"] * a * p["sparsity_mask"]  # (B, N, N), [source, target]
                num = c * v + p["gleak"] * p["vleak"] + jnp.sum(a * p["erev"], axis=1) + s_num
                den = c + p["gleak"] + jnp.sum(a, axis=1) + s_den + epsilon
                return num / den

            v = jax.lax.fori_loop(0, unfolds, sub_step, v)
            return v, v

        _, hs = jax.lax.scan(input_step, h0, (jnp.swapaxes(x, 0, 1), dt.T))
        hs = jnp.swapaxes(hs, 0, 1)  # (B, T, N)
        M = p["output_w"].shape[0]
        return hs[:, :, :M] * p["output_w"] + p["output_b"], hs

    return jax.jit(ltc, static_argnums=(4,))


def make_candidate(jax, *, wrong=False):
    """``(forward, vjp)`` with ltc-ref's signatures around the JAX LTC."""
    jnp = jax.numpy
    ltc = make_ltc(jax, cm_is_per_substep=wrong)

    def arguments(params, x, h0, dt):
        p = {k: jnp.asarray(getattr(params, k)) for k in FIELDS}
        dt = np.broadcast_to(np.asarray(dt, dtype=x.dtype), x.shape[:2])
        return p, jnp.asarray(x), jnp.asarray(h0), jnp.asarray(dt)

    def forward(params, x, *, h0, dt, unfolds, solver, epsilon):
        y, h = ltc(*arguments(params, x, h0, dt), unfolds, epsilon)
        return np.asarray(y), np.asarray(h)

    def vjp(params, x, g_y, *, g_h, h0, dt, unfolds, solver, epsilon):
        def f(p, x, h0, dt):
            return ltc(p, x, h0, dt, unfolds, epsilon)

        _, pullback = jax.vjp(f, *arguments(params, x, h0, dt))  # f's VJP, traced by JAX
        g_p, g_x, g_h0, g_dt = pullback((jnp.asarray(g_y), jnp.asarray(g_h)))
        trainable = {k: np.asarray(g) for k, g in g_p.items() if not k.endswith("sparsity_mask")}
        return trainable, np.asarray(g_x), np.asarray(g_h0), np.asarray(g_dt)  # g_dt (B, T)

    return forward, vjp


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer drawn cases (for the tests)")
    ns = parser.parse_args(argv)
    try:
        import jax
    except ImportError:
        print(
            "JAX is not installed (pip install '.[jax]' in the checkout): nothing to check, "
            "skipping."
        )
        return

    jax.config.update("jax_enable_x64", True)  # the check is in float64

    forward, vjp = make_candidate(jax)
    # JAX compiles once per shape (~3 s for the forward and the VJP on 2 cores): --quick checks
    # three golden cases (one of them outside the capabilities) and one drawn case.
    cases = golden_cases(names=QUICK_CASES) if ns.quick else golden_cases()
    golden = check_candidate(forward, vjp, cases, capabilities=CAPABILITIES)
    print(golden.format())
    drawn = check_with_hypothesis(
        forward,
        vjp,
        capabilities=CAPABILITIES,
        max_examples=1 if ns.quick else 25,
        seed=0,
        max_units=4 if ns.quick else 8,
    )
    print("\n" + drawn.format())

    wrong_forward, wrong_vjp = make_candidate(jax, wrong=True)
    cases = golden_cases(names=QUICK_CASES[:1] if ns.quick else None, form="conductance")
    wrong = check_candidate(wrong_forward, wrong_vjp, cases, capabilities=CAPABILITIES)
    print("\nthe wrong variant (c = C_m, the authors' cm_t):\n" + wrong.format())

    # The self-check: the JAX LTC agrees with the reference (forward and gradients) on every case
    # it supports; the wrong one does not, and the diagnosis names what it does.
    assert golden.passed and drawn.passed, "the JAX LTC disagrees with ltc-ref"
    assert golden.counts["not_applicable"] > 0  # the paper-form and explicit-solver cases
    assert not wrong.passed
    # (on a case with L = 1, "Δt ignored" is the same computation, and is named as well)
    assert "cm_per_substep" in [d.variant for d in wrong.explanations], wrong.explanations
    print("\nself-check passed: the JAX LTC matches ltc-ref; the cm_t variant is diagnosed")


if __name__ == "__main__":
    main()
