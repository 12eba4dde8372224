"""The paper's Theorems 1 and 2 (SPEC §5) as property tests, with `ltc_ref.theory`'s intervals.

Hypothesis draws networks whose parameters satisfy the theorems' assumptions (f ∈ [0, 1] or
f ≥ 0 in the paper form; positive conductances in the conductance form) over many orders of
magnitude, including stiff ones. Bounded by the ``ci`` profile; ``--hypothesis-profile=dev``
runs 12× more examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

from ltc_ref import PaperParams, SynapticParams, conductance, paper, theory
from ltc_ref.model import dynamics_of
from ltc_ref.verify import theorems as verify_theorems
from ltc_ref.verify.command import sections_of

#: τ_sys from the model and the interval's ends are sums of the same non-negative terms, in
#: possibly different orders: they agree to a few ulp (N + C ≤ 8 terms).
TAU_SYS_RTOL = 1e-13
#: Continuous-time checks integrate with Dormand–Prince at these tolerances; the global error over
#: the horizon (3 time units) stays below 10 × rtol per unit time (the solver's own check in
#: ltc_ref.verify), so a state may appear outside the exact interval by at most ~3e-9 of its
#: scale; we allow 1e-8 (verify_theorems.CONTINUOUS_ALLOWANCE).
RTOL, ATOL = theory.VERIFY_RTOL, theory.VERIFY_ATOL
T_END = 3.0
#: Number of fused steps in a discrete run. Rounding may add one allowance per step to the
#: distance outside the initial interval (see theory.fused_worst_excess).
N_STEPS = 12

FORMS = ("paper", "conductance")
DTYPES = (np.float64, np.float32)


def network(form, seed, log_scale, dtype=np.float64, activation="sigmoid"):
    """A random network satisfying the theorems' assumptions.

    ``log_scale`` sets the stiffness: conductances (or the paper form's weights and 1/τ) are
    spread over a decade around ``10**log_scale``. Reversal potentials and A lie in [-2, 2];
    a random 0/1 wiring mask keeps about 60 % of the synapses."""
    rng = np.random.default_rng(seed)
    N, C = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    scale = 10.0**log_scale

    def spread(shape):
        return scale * 10.0 ** rng.uniform(-0.5, 0.5, shape)

    if form == "paper":
        # f = act(x γ_r + I γ + μ) lies in [0, 1] (sigmoid) or [0, ∞) (ReLU) whatever the sign of
        # the weights: the assumption is on f's range, so the weights take both signs.
        p = PaperParams(
            tau=1.0 / spread(N),
            A=rng.uniform(-2, 2, N),
            gamma=rng.normal(0, 1, (C, N)) * spread((C, N)),
            gamma_r=rng.normal(0, 1, (N, N)) * spread((N, N)),
            mu=rng.normal(0, 3, N),
            activation=activation,
        )
    else:
        p = SynapticParams(
            gleak=spread(N),
            vleak=rng.uniform(-1, 1, N),
            cm=10.0 ** rng.uniform(-2, 1, N),
            sigma=rng.uniform(-20, 20, (N, N)),
            mu=rng.uniform(-1, 1, (N, N)),
            w=spread((N, N)),
            erev=rng.uniform(-2, 2, (N, N)),
            sensory_sigma=rng.uniform(-20, 20, (C, N)),
            sensory_mu=rng.uniform(-1, 1, (C, N)),
            sensory_w=spread((C, N)),
            sensory_erev=rng.uniform(-2, 2, (C, N)),
            sparsity_mask=(rng.random((N, N)) < 0.6).astype(float),
            sensory_sparsity_mask=(rng.random((C, N)) < 0.6).astype(float),
            input_w=rng.normal(0, 2, C),
            input_b=rng.normal(0, 1, C),
            output_w=np.ones(1),
            output_b=np.zeros(1),
        )
    return p.astype(dtype)


def initial_state(params, rng, where):
    """x(0) inside the reversal hull, on one of its ends, or outside it."""
    lo, hi = theory.reversal_interval(params)
    if where == "inside":
        x0 = rng.uniform(lo, hi)
    elif where == "end":
        x0 = np.where(rng.random(lo.shape) < 0.5, lo, hi)
    else:
        x0 = np.where(rng.random(lo.shape) < 0.5, lo - 3.0, hi + 3.0)
    return x0.astype(params.dtype)


seeds = st.integers(0, 2**32 - 1)
forms = st.sampled_from(FORMS)
placements = st.sampled_from(("inside", "end", "outside"))


# --------------------------------------------------------------------------------------------
# Theorem 1
# --------------------------------------------------------------------------------------------


@given(
    form=forms,
    seed=seeds,
    log_scale=st.floats(-3, 4),
    activation=st.sampled_from(("sigmoid", "relu")),
)
def test_theorem1_tau_sys_bounds_at_any_state(form, seed, log_scale, activation):
    """Theorem 1: with 0 <= f_i <= W_i, τ_i / (1 + τ_i W_i) <= τ_sys,i <= τ_i at every state
    and input (conductance form: C_m / (g_l + Σ w m + Σ wˢ mˢ) <= τ_sys <= C_m / g_l)."""
    params = network(form, seed, log_scale, activation=activation)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(0, 10, (50, params.n_units))
    I = rng.normal(0, 10, (50, params.n_inputs))
    dyn = dynamics_of(params)
    tau_sys = dyn.tau_sys(params, x, dyn.input_drive(params, I))
    lo, hi = theory.tau_sys_interval(params)
    assert np.all(tau_sys >= lo * (1 - TAU_SYS_RTOL))
    assert np.all(tau_sys <= hi * (1 + TAU_SYS_RTOL))


@pytest.mark.parametrize("form", FORMS)
def test_theorem1_bounds_are_attained_when_the_sigmoids_saturate(form):
    """Theorem 1 is tight: τ_sys reaches the lower end when every sigmoid is at 1 and the upper
    end when every sigmoid is at 0 (so the interval cannot be shrunk)."""
    params = network(form, 3, 0.0)
    N, C = params.n_units, params.n_inputs
    lo, hi = theory.tau_sys_interval(params)
    if form == "paper":
        at_one = params.replace(
            mu=np.full(N, 60.0), gamma=0 * params.gamma, gamma_r=0 * params.gamma_r
        )
        at_zero = at_one.replace(mu=np.full(N, -60.0))
        x, I = np.zeros(N), np.zeros(C)
    else:
        at_one = params.replace(
            sigma=np.full((N, N), 50.0),
            sensory_sigma=np.full((C, N), 50.0),
            input_w=np.ones(C),
            input_b=np.zeros(C),
        )
        at_zero = at_one
        x, I = np.full(N, 40.0), np.full(C, 40.0)  # far above every μ: sigmoids at 1
    for p, state, inp, end in [(at_one, x, I, lo), (at_zero, -x, -I, hi)]:
        dyn = dynamics_of(p)
        got = dyn.tau_sys(p, state, dyn.input_drive(p, inp))
        np.testing.assert_allclose(got, end, rtol=TAU_SYS_RTOL)


def test_theorem1_relu_and_an_explicit_weight_bound():
    """With the ReLU, f is unbounded: the interval is (0, τ]; a user bound f <= W tightens it
    to [τ / (1 + τ W), τ]."""
    params = network("paper", 5, 0.0, activation="relu")
    lo, hi = theory.tau_sys_interval(params)
    np.testing.assert_array_equal(lo, 0.0)
    np.testing.assert_array_equal(hi, params.tau)
    lo, _ = theory.tau_sys_interval(params, f_max=2.0)
    np.testing.assert_allclose(lo, params.tau / (1 + 2 * params.tau), rtol=1e-15)


# --------------------------------------------------------------------------------------------
# Theorem 2, continuous time
# --------------------------------------------------------------------------------------------

CONTINUOUS_EXAMPLES = max(4, settings.default.max_examples // 3)


@settings(max_examples=CONTINUOUS_EXAMPLES)
@given(
    form=forms,
    seed=seeds,
    log_scale=st.floats(-1, 0.7),
    where=placements,
    amplitude=st.floats(0, 5),
)
def test_theorem2_continuous_time(form, seed, log_scale, where, amplitude):
    """Theorem 2 (and Theorem 1 along the way), continuous time: with f >= 0 the solution of
    Eq. 1 stays in [min(0, A_i, x_i(0)), max(0, A_i, x_i(0))] (conductance form: the hull of
    v_l,j, the reversal potentials of the synapses onto j and v_j(0)) for every bounded input;
    checked at every accepted Dormand–Prince step and at 200 dense-output points, to the
    integrator's error (verify_theorems.CONTINUOUS_ALLOWANCE)."""
    params = network(form, seed, log_scale)
    rng = np.random.default_rng(seed + 2)
    x0 = initial_state(params, rng, where)
    amp = amplitude * rng.random(params.n_inputs)
    omega, phase = rng.uniform(0.3, 6, params.n_inputs), rng.uniform(0, 6.3, params.n_inputs)
    s_exc, t_exc, _ = theory.continuous_worst_excess(
        params, x0, lambda t: amp * np.sin(omega * t + phase), T_END, rtol=RTOL, atol=ATOL
    )
    assert s_exc <= verify_theorems.CONTINUOUS_ALLOWANCE
    assert t_exc <= verify_theorems.CONTINUOUS_ALLOWANCE


def test_theorem2_continuous_bound_is_tight():
    """The interval cannot be shrunk: with f ≡ 1 and τ large the paper form's state tends to
    τ A / (1 + τ) ≈ A, arbitrarily close to the end max(0, A)."""
    params = PaperParams(
        tau=np.array([1e4]),
        A=np.array([1.5]),
        gamma=np.zeros((1, 1)),
        gamma_r=np.zeros((1, 1)),
        mu=np.array([60.0]),
    )
    state_exc, _, _ = theory.continuous_worst_excess(
        params, np.zeros(1), lambda t: np.zeros(1), 40.0, rtol=RTOL, atol=ATOL
    )
    from ltc_ref import dopri5

    sol = dopri5(
        lambda t, x: paper.rhs(params, x, paper.input_drive(params, np.zeros(1))),
        (0.0, 40.0),
        np.zeros(1),
        rtol=RTOL,
        atol=ATOL,
    )
    assert state_exc == 0.0
    assert 1.5 - sol.y[-1, 0] < 2e-4  # τ A / (1 + τ) = 1.49985; e^{-40} transient


def test_theorem2_needs_f_nonnegative():
    """The assumption f >= 0 matters: with tanh, f = -1 and τ = 2 the paper form reads
    dx/dt = x/2 - A, and from x(0) = 1, A = 0 the state grows like e^{t/2}, leaving [0, 1]."""
    params = PaperParams(
        tau=np.array([2.0]),
        A=np.array([0.0]),
        gamma=np.zeros((1, 1)),
        gamma_r=np.zeros((1, 1)),
        mu=np.array([-60.0]),
        activation="hard_tanh",
    )
    from ltc_ref import dopri5

    drive = paper.input_drive(params, np.zeros(1))
    sol = dopri5(
        lambda t, x: paper.rhs(params, x, drive), (0.0, 4.0), np.ones(1), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(sol.y[-1], np.exp(2.0), rtol=1e-8)
    with pytest.raises(ValueError, match="f >= 0"):
        theory.state_interval(params)


# --------------------------------------------------------------------------------------------
# Theorem 2, discrete time: the fused step
# --------------------------------------------------------------------------------------------


@given(
    form=forms,
    seed=seeds,
    log_scale=st.floats(-3, 6),
    log_dt=st.floats(-6, 6),
    dtype=st.sampled_from(DTYPES),
    where=placements,
    epsilon=st.sampled_from((0.0, 1e-8)),
    activation=st.sampled_from(("sigmoid", "relu")),
)
@example(
    form="conductance",
    seed=1,
    log_scale=6.0,
    log_dt=6.0,
    dtype=np.float32,
    where="end",
    epsilon=0.0,
    activation="sigmoid",
)
@example(
    form="paper",
    seed=1,
    log_scale=6.0,
    log_dt=6.0,
    dtype=np.float32,
    where="end",
    epsilon=0.0,
    activation="relu",
)
@example(
    form="conductance",
    seed=2,
    log_scale=6.0,
    log_dt=6.0,
    dtype=np.float64,
    where="inside",
    epsilon=1e-8,
    activation="sigmoid",
)
def test_theorem2_fused_step_any_dt(
    form, seed, log_scale, log_dt, dtype, where, epsilon, activation
):
    """Theorem 2, discrete form: every fused step (Eq. 3) is a convex combination of the state,
    0 and A (conductance form: of v_j, v_l,j and the reversal potentials of the synapses onto j,
    plus 0 when ε > 0), so the state stays in the interval for every Δt > 0 — here up to 1e6
    with conductances up to 1e6 — in float64 and float32, to the rounding allowance
    theory.fused_rounding_allowance (2 · 4 · (N + C + 3) · u · max|end|; u = 2^-53 or 2^-24)
    per step."""
    params = network(form, seed, log_scale, dtype, activation)
    rng = np.random.default_rng(seed + 3)
    x0 = np.stack([initial_state(params, rng, where) for _ in range(3)])
    inputs = rng.normal(0, 5, (N_STEPS, 3, params.n_inputs)).astype(dtype)
    dts = 10.0 ** (log_dt + rng.uniform(-1, 0, N_STEPS))
    dts[0] = 10.0**log_dt
    worst_step, worst_total = theory.fused_worst_excess(params, x0, inputs, dts, epsilon)
    assert worst_step <= 1.0
    assert worst_total <= N_STEPS


def test_fused_rounding_allowance_is_needed_in_float32_and_small():
    """The allowance is not slack: over many random float32 cases a computed fused step does
    leave the exact interval by a rounding error, but by less than the allowance."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for seed in range(200):
        form = FORMS[seed % 2]
        params = network(form, seed, rng.uniform(-2, 3), np.float32)
        x0 = np.stack([initial_state(params, rng, "end") for _ in range(4)])
        inputs = rng.normal(0, 5, (5, 4, params.n_inputs)).astype(np.float32)
        worst = max(
            worst, theory.fused_worst_excess(params, x0, inputs, 10.0 ** rng.uniform(-3, 3, 5))[0]
        )
    assert 0.0 < worst <= 1.0


def test_epsilon_adds_zero_to_the_hull():
    """With ncps's ε > 0 the fused step also weighs 0 (by ε): tiny conductances then pull v
    below a positive hull, so the ε-aware interval must contain 0."""
    params = SynapticParams(
        gleak=[1e-9],
        vleak=[0.5],
        cm=[1e-9],
        sigma=[[1.0]],
        mu=[[0.0]],
        w=[[1e-9]],
        erev=[[1.0]],
        sensory_sigma=[[1.0]],
        sensory_mu=[[0.0]],
        sensory_w=[[1e-9]],
        sensory_erev=[[1.0]],
        sparsity_mask=[[1.0]],
        sensory_sparsity_mask=[[1.0]],
        input_w=[1.0],
        input_b=[0.0],
        output_w=[1.0],
        output_b=[0.0],
    )
    v0 = np.array([0.75])
    v1 = conductance.fused_step(params, v0, conductance.input_drive(params, [0.0]), 1.0, 1e-8)
    lo0, _ = theory.state_interval(params, v0)
    lo, _ = theory.state_interval(params, v0, epsilon=1e-8)
    assert v1[0] < lo0[0] == 0.5  # leaves the ε = 0 interval ...
    assert lo[0] == 0.0 <= v1[0]  # ... but not the ε-aware one


# --------------------------------------------------------------------------------------------
# Explicit Euler: the counterexample
# --------------------------------------------------------------------------------------------


def _euler_case(form):
    """A hypothesis strategy of one-neuron, one-step problems ``(params, x0, I, dt)`` whose
    fields are drawn directly, so that `find` shrinks them to a readable counterexample."""
    pos = st.floats(0.01, 100.0)
    real = st.floats(-2.0, 2.0)

    @st.composite
    def case(draw):
        if form == "paper":
            params = PaperParams(
                tau=[draw(pos)],
                A=[draw(real)],
                gamma=[[draw(real)]],
                gamma_r=[[draw(real)]],
                mu=[draw(real)],
            )
        else:
            params = SynapticParams(
                gleak=[draw(pos)],
                vleak=[draw(real)],
                cm=[draw(pos)],
                sigma=[[draw(real)]],
                mu=[[draw(real)]],
                w=[[draw(pos)]],
                erev=[[draw(real)]],
                sensory_sigma=[[draw(real)]],
                sensory_mu=[[draw(real)]],
                sensory_w=[[draw(pos)]],
                sensory_erev=[[draw(real)]],
                sparsity_mask=[[1.0]],
                sensory_sparsity_mask=[[1.0]],
                input_w=[1.0],
                input_b=[0.0],
                output_w=[1.0],
                output_b=[0.0],
            )
        return params, np.array([draw(real)]), np.array([draw(real)]), draw(pos)

    return case()


def _euler_excess(case):
    params, x0, I, dt = case
    dyn = dynamics_of(params)
    x1 = x0 + dt * dyn.rhs(params, x0, dyn.input_drive(params, I))
    return float(np.max(theory.distance_outside(x1, theory.state_interval(params, x0))))


@pytest.mark.parametrize("form", FORMS)
def test_explicit_euler_has_no_such_bound(form):
    """Theorem 2 has no discrete counterpart for explicit Euler: hypothesis finds a network and
    a Δt whose Euler step leaves the interval, while the fused step from the same state with the
    same Δt stays inside."""
    found = find(
        _euler_case(form),
        lambda case: _euler_excess(case) > 1e-6,
        settings=settings(max_examples=500, database=None, derandomize=True),
    )
    params, x0, I, dt = found
    assert _euler_excess(found) > 1e-6
    dyn = dynamics_of(params)
    x1 = dyn.fused_step(params, x0, dyn.input_drive(params, I), dt)
    interval = theory.state_interval(params, x0)
    assert np.all(
        theory.distance_outside(x1, interval) <= theory.fused_rounding_allowance(params, interval)
    )


@pytest.mark.parametrize(
    ("form", "euler", "fused"), [("paper", -0.5, 0.4), ("conductance", 2.0, 0.5)]
)
def test_documented_euler_counterexample(form, euler, fused):
    """The counterexamples in docs/theorems.md (what `find` above shrinks to). Paper form:
    τ = 1, A = 0, f = σ(0) = 1/2, x(0) = 1, Δt = 1; interval [0, 1]; Euler gives -1/2, the
    fused step 0.4. Conductance form: g_l = 2, v_l = 1, C_m = 1, a = s = 1/2 with E = Eˢ = 0,
    v(0) = 0, Δt = 1; interval [0, 1]; Euler gives 2, the fused step 0.5."""
    params, x0, I, dt = theory.euler_counterexample(form)
    dyn = dynamics_of(params)
    drive = dyn.input_drive(params, I)
    assert (x0 + dt * dyn.rhs(params, x0, drive)).item() == euler
    assert dyn.fused_step(params, x0, drive, dt).item() == pytest.approx(fused, rel=1e-15)
    lo, hi = theory.state_interval(params, x0)
    assert (lo.item(), hi.item()) == (0.0, 1.0)


def test_euler_diverges_where_fused_converges():
    """Repeated Euler steps on the counterexample with Δt = 2 oscillate with growing amplitude
    (factor 1 - Δt(1/τ + f) = -2 per step) and leave every bound; fused steps decay to 0."""
    params, x0, I, _ = theory.euler_counterexample()
    drive = paper.input_drive(params, I)
    xe, xf = x0, x0
    for _ in range(20):
        xe = xe + 2.0 * paper.rhs(params, xe, drive)
        xf = paper.fused_step(params, xf, drive, 2.0)
    assert abs(xe.item()) == 2.0**20
    assert 0.0 < xf.item() < 0.25**20 * 1.0001


# --------------------------------------------------------------------------------------------
# The interval functions themselves
# --------------------------------------------------------------------------------------------


def test_conductance_interval_counts_only_existing_synapses_onto_each_neuron():
    """Neuron 0 receives a synapse from neuron 1 (E = 2) and a masked one from itself (E = -5,
    must not count); neuron 1 receives only a sensory synapse (Eˢ = -0.5). The synapse 1 -> 0
    must not widen neuron 1's interval."""
    erev = np.array([[-5.0, 0.0], [2.0, 0.0]])  # [source, target]
    mask = np.array([[0.0, 0.0], [1.0, 0.0]])
    params = SynapticParams(
        gleak=[1.0, 1.0],
        vleak=[0.1, 0.2],
        cm=[1.0, 1.0],
        sigma=np.ones((2, 2)),
        mu=np.zeros((2, 2)),
        w=np.ones((2, 2)),
        erev=erev,
        sensory_sigma=np.ones((1, 2)),
        sensory_mu=np.zeros((1, 2)),
        sensory_w=np.ones((1, 2)),
        sensory_erev=[[3.0, -0.5]],
        sensory_sparsity_mask=[[0.0, 1.0]],
        sparsity_mask=mask,
        input_w=[1.0],
        input_b=[0.0],
        output_w=[1.0],
        output_b=[0.0],
    )
    lo, hi = theory.state_interval(params)
    np.testing.assert_array_equal(lo, [0.1, -0.5])
    np.testing.assert_array_equal(hi, [2.0, 0.2])
    lo, hi = theory.state_interval(params, [[1.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_array_equal(lo, [[0.1, -0.5], [-1.0, -0.5]])
    np.testing.assert_array_equal(hi, [[2.0, 1.0], [2.0, 0.2]])
    t_lo, t_hi = theory.tau_sys_interval(params)
    np.testing.assert_allclose(t_lo, [1 / 2, 1 / 2])  # each neuron: g_l = 1 plus one synapse
    np.testing.assert_allclose(t_hi, [1.0, 1.0])


def test_paper_interval():
    params = PaperParams(
        tau=[1.0, 2.0],
        A=[-1.5, 0.5],
        gamma=np.zeros((1, 2)),
        gamma_r=np.zeros((2, 2)),
        mu=[0.0, 0.0],
    )
    lo, hi = theory.state_interval(params, [0.5, 3.0])
    np.testing.assert_array_equal(lo, [-1.5, 0.0])
    np.testing.assert_array_equal(hi, [0.5, 3.0])
    lo, hi = theory.tau_sys_interval(params)
    np.testing.assert_allclose(lo, [1 / 2, 2 / 3])
    np.testing.assert_array_equal(hi, [1.0, 2.0])


def test_distance_outside():
    d = theory.distance_outside([-2.0, 0.5, 4.0], (np.zeros(3), np.ones(3)))
    np.testing.assert_array_equal(d, [2.0, 0.0, 3.0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: theory.state_interval("p"), TypeError, "params"),
        (
            lambda: theory.tau_sys_interval(
                network("paper", 0, 0, activation="relu").replace(activation="tanh")
            ),
            ValueError,
            "activation",
        ),
        (
            lambda: theory.tau_sys_interval(network("conductance", 0, 0), f_max=1.0),
            ValueError,
            "f_max",
        ),
        (lambda: theory.tau_sys_interval(network("paper", 0, 0), f_max=-1.0), ValueError, "f_max"),
        (lambda: theory.state_interval(network("paper", 0, 0), np.zeros(99)), ValueError, "x0"),
        (
            lambda: theory.state_interval(network("paper", 0, 0), epsilon=-1.0),
            ValueError,
            "epsilon",
        ),
    ],
)
def test_invalid_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_verify_sections_pass():
    """Every check of the theorem section of ``ltc-ref verify`` passes (its run time is not a
    test's business: a wall-clock bound fails on a loaded machine)."""
    for _, fn in sections_of(verify_theorems):
        for result in fn():
            assert result.passed, result
