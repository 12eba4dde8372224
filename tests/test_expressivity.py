"""The trajectory-length study (paper §5.1, SPEC §6): the cells, the input, PCA, arc length,
computational depth, and a smoke run of ``ltc-ref trajectory``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ltc_ref import dopri5, expressivity, paper, trajectory
from ltc_ref.expressivity import MODELS, Protocol, Record

#: PCA and arc length are a few dozen floating-point operations per point: float64 agreement
#: to ~1e-12 relative.
GEOMETRY_RTOL = 1e-12
#: The constant-f Neural ODE has the exact solution x(t) = f t, which Dormand–Prince integrates
#: exactly (a linear function); only rounding remains.
EXACT_ATOL = 1e-12
#: Independent integration of the same stacked system with the same tolerances but a different
#: code path: both are within ~rtol of the true solution, so they agree to a small multiple.
STACK_RTOL = 1e-6


def test_cells_are_the_three_models_with_one_f(rng):
    """Neural ODE ẋ = f, CT-RNN ẋ = -x/τ + f, LTC ẋ = -(1/τ + f) x + f A (Eq. 1), with the
    same f = act(x γ_r + I γ + μ)."""
    (p,) = expressivity.draw_layers(7, 1, rng, activation="tanh")
    x, I = rng.standard_normal((3, 7)), rng.standard_normal((3, 2))
    drive = paper.input_drive(p, I)
    f = np.tanh(x @ p.gamma_r + I @ p.gamma + p.mu)
    np.testing.assert_allclose(expressivity.neural_ode_rhs(p, x, drive), f, rtol=1e-14)
    np.testing.assert_allclose(expressivity.ctrnn_rhs(p, x, drive), -x / p.tau + f, rtol=1e-14)
    np.testing.assert_allclose(
        expressivity.ltc_rhs(p, x, drive), -(1 / p.tau + f) * x + f * p.A, rtol=1e-14
    )


def test_draw_layers_shapes_and_scales():
    """Layer 1 reads 2 inputs, deeper layers read k; weights have variance σ_w²/k."""
    rng = np.random.default_rng(0)
    layers = expressivity.draw_layers(400, 3, rng, activation="relu", sigma_w2=4.0, sigma_b2=9.0)
    assert [p.gamma.shape for p in layers] == [(2, 400), (400, 400), (400, 400)]
    assert all(p.activation == "relu" for p in layers)
    # 160 000 draws: the sample variance is within 1 % of σ_w²/k = 0.01 with overwhelming odds.
    assert abs(layers[1].gamma_r.var() / 0.01 - 1) < 0.02
    assert abs(layers[1].mu.std() / 3.0 - 1) < 0.15  # 400 draws of N(0, 9)


def test_circle_input_and_interpolations_agree_on_the_samples():
    p = Protocol(T=16, dt=0.5)
    t_k = np.arange(16) * 0.5
    exact = expressivity.circle_input(t_k, p.period)
    np.testing.assert_allclose(exact[:, 0], np.sin(2 * np.pi * t_k / 8.0), atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(exact, axis=1), 1.0, rtol=1e-15)
    for interpolation in ("exact", "linear", "hold"):
        fn = Protocol(T=16, dt=0.5, interpolation=interpolation).input_function()
        np.testing.assert_allclose(np.stack([fn(t) for t in t_k]), exact, atol=1e-14)
    hold = Protocol(T=16, dt=0.5, interpolation="hold").input_function()
    np.testing.assert_array_equal(hold(0.74), hold(0.5))  # held until the next sample
    lin = Protocol(T=16, dt=0.5, interpolation="linear").input_function()
    np.testing.assert_allclose(lin(0.25), (exact[0] + exact[1]) / 2, rtol=1e-14)


def test_pca_and_arc_length_recover_a_planar_circle():
    """A circle of radius 3 embedded in R^50 by an orthonormal pair: PCA explains all the
    variance and the latent curve has the circle's polygon length."""
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((50, 2)))
    theta = np.linspace(0, 2 * np.pi, 401)
    circle = 3 * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    states = circle @ Q.T + rng.standard_normal(50)  # plus an offset, removed by centring
    z, explained = expressivity.pca_2d(states)
    polygon = 400 * 2 * 3 * np.sin(np.pi / 400)
    assert explained == pytest.approx(1.0, rel=GEOMETRY_RTOL)
    assert expressivity.arc_length(z) == pytest.approx(polygon, rel=GEOMETRY_RTOL)
    # A three-turn helix keeps ~20 % of its variance in the third direction.
    helix = np.stack([3 * np.cos(3 * theta), 3 * np.sin(3 * theta), 2 * theta], axis=1)
    assert expressivity.trajectory_length(helix)[1] < 0.85


def test_arc_length_of_a_known_polyline():
    assert expressivity.arc_length([[0, 0], [3, 4], [3, 0]]) == 9.0
    z, explained = expressivity.pca_2d(np.ones((5, 3)))
    assert explained == 1.0 and np.all(z == 0)  # a constant trajectory is a point


def test_constant_f_neural_ode_is_exact_and_takes_fewer_steps_than_samples():
    """With γ = γ_r = 0 the Neural ODE is ẋ = act(μ), so x(t) = act(μ) t. The solver is not
    restarted at each sample: it takes far fewer steps than there are samples (computational
    depth < 1, the mechanism behind Table 2's 0.56)."""
    (p,) = expressivity.draw_layers(5, 1, np.random.default_rng(2), activation="sigmoid")
    p = p.replace(gamma=np.zeros((2, 5)), gamma_r=np.zeros((5, 5)))
    traj = expressivity.simulate("neural_ode", [p], Protocol(T=100, dt=0.01))
    exact = traj.t[:, None] * paper.sigmoid(p.mu)
    np.testing.assert_allclose(traj.states[:, 0], exact, atol=EXACT_ATOL)
    assert traj.computational_depth < 0.2
    assert traj.states.shape == (401, 1, 5)


def test_stacked_layers_read_the_previous_layer():
    """Depth 2: layer 2's input is layer 1's state. Compare with an independent integration of
    the stacked system written out by hand."""
    rng = np.random.default_rng(3)
    layers = expressivity.draw_layers(6, 2, rng, activation="tanh")
    protocol = Protocol(T=30, dt=0.1, rtol=1e-9, atol=1e-12)
    traj = expressivity.simulate("ltc", layers, protocol)
    p1, p2 = layers

    def fun(t, y):
        x1, x2 = y[:6], y[6:]
        I = np.array([np.sin(2 * np.pi * t / 3.0), np.cos(2 * np.pi * t / 3.0)])
        f1 = np.tanh(x1 @ p1.gamma_r + I @ p1.gamma + p1.mu)
        f2 = np.tanh(x2 @ p2.gamma_r + x1 @ p2.gamma + p2.mu)
        return np.concatenate(
            [-(1 / p1.tau + f1) * x1 + f1 * p1.A, -(1 / p2.tau + f2) * x2 + f2 * p2.A]
        )

    ref = dopri5(fun, (0.0, 3.0), np.zeros(12), rtol=1e-11, atol=1e-13, dense=True)(traj.t)
    scale = np.max(np.abs(ref))
    np.testing.assert_allclose(traj.states.reshape(-1, 12), ref, atol=STACK_RTOL * scale)


def test_warmup_measures_the_last_turn():
    (p,) = expressivity.draw_layers(4, 1, np.random.default_rng(4), activation="tanh")
    one = expressivity.simulate("ctrnn", [p], Protocol(T=20, dt=0.1))
    two = expressivity.simulate("ctrnn", [p], Protocol(T=20, dt=0.1, warmup_turns=1))
    np.testing.assert_allclose(two.t[[0, -1]], [2.0, 4.0])
    assert two.n_samples == 40 and one.n_samples == 20
    assert not np.allclose(one.states, two.states)  # the transient is gone


def test_run_one_is_reproducible_and_models_share_the_network():
    """A run is seeded by its configuration without the model: the three models of a try are
    the same random network, and a rerun gives the same record."""
    protocol = Protocol(T=20, dt=0.1)
    jobs = [expressivity.Job("t", m, "tanh", 6, 2.0, 1, 0, protocol) for m in MODELS]
    records = [expressivity.run_one(j) for j in jobs]
    assert expressivity.run_one(jobs[0]).lengths == records[0].lengths
    rng = expressivity._seed("t", "tanh", 6, 2000, 1, 0)
    layers = expressivity.draw_layers(6, 1, rng, activation="tanh")
    for m, rec in zip(MODELS, records, strict=True):
        traj = expressivity.simulate(m, layers, protocol)
        assert expressivity.trajectory_length(traj.states[:, 0])[0] == rec.lengths[0]
        assert traj.n_accepted == rec.n_accepted


def test_step_cap_marks_the_run_and_keeps_it_out_of_the_tables():
    """A draw too stiff for an explicit solver stops at the cap: recorded as not completed,
    left out of the summaries, listed in the report."""
    protocol = Protocol(T=20, dt=10.0, max_steps_per_sample=1)  # 200 time units, τ ~ 0.03
    job = expressivity.Job("table2", "ctrnn", "tanh", 30, 2.0, 1, 0, protocol)
    rec = expressivity.run_one(job)
    assert not rec.completed and np.isnan(rec.computational_depth)
    ok = _record("ctrnn", "tanh", depth_=4.0)
    assert expressivity.table2([rec, ok]) == {"tanh": {"ctrnn": (4.0, 0.0)}}
    report = expressivity.format_report([ok, rec])
    assert "1 of 2 runs" in report and "CT-RNN, tanh, k = 30" in report


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"T": 1}, "T"),
        ({"dt": -1.0}, "dt"),
        ({"interpolation": "cubic"}, "interpolation"),
        ({"warmup_turns": -1}, "warmup_turns"),
        ({"max_steps_per_sample": 0}, "max_steps_per_sample"),
    ],
)
def test_protocol_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Protocol(**kwargs)


def test_simulate_validation():
    layers = expressivity.draw_layers(4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="model"):
        expressivity.simulate("lstm", layers)
    with pytest.raises(ValueError, match="layers"):
        expressivity.simulate("ltc", layers[1:])  # a k -> k layer cannot read the circle


def _record(
    model, activation, study="table2", width=100, sigma_w2=2.0, lengths=(1.0,), depth_=1.0, dt=0.01
):
    return Record(
        study,
        model,
        activation,
        width,
        sigma_w2,
        len(lengths),
        0,
        dt,
        100,
        100,
        list(lengths),
        [1.0] * len(lengths),
        int(depth_ * 100),
        0,
        0,
        depth_,
    )


def test_claims_are_judged_from_the_numbers():
    """Synthetic records where the LTC is clearly deeper/longer, grows like k and (σ_w²)^2 and
    is flat in depth: every claim holds; with equal figures the ordering claims fail."""
    recs = []
    for m, steps, length in [("neural_ode", 0.5, 1.0), ("ctrnn", 4.0, 2.0), ("ltc", 9.0, 5.0)]:
        recs.append(_record(m, "tanh", depth_=steps))
        recs.append(_record(m, "tanh", lengths=(length,), dt=expressivity.circle_dt(100)))
    recs += [_record("ltc", "tanh", "width", width=k, lengths=(0.1 * k,)) for k in (10, 100)]
    recs += [_record("ltc", "tanh", "sigma", sigma_w2=w, lengths=(w**2,)) for w in (1.0, 8.0)]
    recs += [_record("ltc", "tanh", "depth", lengths=(3.0, 3.1, 2.9))]
    verdicts = {c.split(" (")[0]: h for c, _, h in expressivity.claims(recs)}
    assert all(verdicts.values()) and len(verdicts) == 5
    same = [_record(m, "tanh", depth_=4.0) for m in MODELS]
    assert [h for _, _, h in expressivity.claims(same)] == [False]


def test_trajectory_command_smoke(tmp_path, capsys):
    """``ltc-ref trajectory`` at smoke size: the report (with the paper's Table 2 beside ours)
    and the JSON records."""
    out_json = tmp_path / "records.json"
    argv = ["--size", "smoke", "--parts", "table2,depth", "--tries", "1", "--quiet"]
    assert trajectory.main([*argv, "--json", str(out_json)]) == 0
    report = capsys.readouterr().out
    assert "| tanh | " in report and "0.56 ± 0.016" in report  # ours beside the paper's
    assert "Fig. 3D" in report and "claims" in report
    data = json.loads(out_json.read_text())
    assert len(data["records"]) == 2 * 4 * 3 + 2 * 3  # Table 2 at two Δt; Fig. 3D


def test_trajectory_plots_smoke(tmp_path):
    """The figures (needs matplotlib, the ``plot`` extra): Fig. 3-style curves from records and
    the Fig. 1-style latent trajectories."""
    jobs = expressivity.study_jobs(expressivity.SIZES["smoke"], parts=("width", "depth"))
    records = expressivity.run_jobs([j for j in jobs if j.activation == "tanh"])
    paths = expressivity.plot_study(records, tmp_path)
    paths.append(
        expressivity.plot_latent_trajectories(
            tmp_path, activation="sigmoid", width=6, protocol=Protocol(T=20, dt=0.3)
        )
    )
    names = sorted(p.name for p in paths)
    assert names == ["latent_sigmoid.png", "trajectory_depth.png", "trajectory_width.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


#: Table 2 as documented in docs/expressivity.md (means of accepted steps per sample, Δt = 0.01,
#: 12 tries). Step counts are integers that a different BLAS could shift by one now and then:
#: the means are compared to 5 %.
DOCUMENTED_TABLE2 = {
    "sigmoid": (0.06, 0.87, 0.87),
    "tanh": (0.07, 0.86, 0.86),
    "relu": (0.12, 2.05, 2.04),
    "hard_tanh": (0.08, 4.27, 4.26),
}


@pytest.mark.slow
def test_full_table2_matches_the_documented_one():
    """The Table 2 part of the documented study (about 2 minutes on 2 cores): the figures in
    docs/expressivity.md, and the Neural ODE below one step per sample."""
    jobs = expressivity.study_jobs("full", parts=("table2",))
    t2 = expressivity.table2(expressivity.run_jobs(jobs, workers=2))
    for activation, means in DOCUMENTED_TABLE2.items():
        got = [t2[activation][m][0] for m in MODELS]
        np.testing.assert_allclose(got, means, rtol=0.05, atol=0.005)
        assert got[0] < 1.0
