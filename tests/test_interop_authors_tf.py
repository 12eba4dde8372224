"""The authors' TensorFlow checkpoints (`ltc_ref.interop.authors.load_authors_checkpoint`).

A TF1 graph written here from the description of their code (``/work/shared/AUTHORS_CODE.md``,
SPEC §2–3), not from their repository: their ``LTCCell`` in ``tf.compat.v1`` (variables under
``rnn/ltc``, affine ``sensory_mapping``, fused solver with ``L = 6`` unfolds and no Δt), a dense
read-out, a mean-squared loss, Adam, their clipping after every step, optionally their
``--sparsity`` mask, and a ``tf.train.Saver`` checkpoint (with Adam's slots and
``beta1_power`` / ``beta2_power``). The test loads the checkpoint and compares ltc-ref's outputs
with the graph's own.

Needs the ``tf`` extra (TensorFlow); skipped without it.
"""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow", reason="needs the tf extra: pip install '.[tf]'")

from ltc_ref.interop import authors  # noqa: E402

from .test_interop_authors import explicit_step  # noqa: E402

pytestmark = pytest.mark.tensorflow

#: Their graph runs in float32, ltc-ref here in float64 (and float32): every fused step is a
#: convex combination, so rounding errors do not grow; T·L = 30 steps of a few float32 ulp (eps
#: 6e-8) each leave relative differences of ~1e-7 (measured 1.3e-7 in float64, 1.1e-7 in float32,
#: max |error| / max |output|). 2e-6 keeps a margin of ten; a cm_t off by 1 % errs by 6e-4.
FLOAT32_RTOL = 2e-6

N, C, K, T, B = 6, 3, 2, 5, 4


def _session_config():
    """One thread each (the machine is shared) and no graph rewriting: grappler's optimisation
    of the unrolled graphs costs more than running them (RK4: 24 derivative evaluations per input
    step)."""
    from tensorflow.core.protobuf import rewriter_config_pb2

    config = tf.compat.v1.ConfigProto(
        intra_op_parallelism_threads=1, inter_op_parallelism_threads=1
    )
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    config.graph_options.rewrite_options.constant_folding = rewriter_config_pb2.RewriterConfig.OFF
    return config


_SESSION_CONFIG = _session_config()


def _their_graph(
    sparsity_mask=None,
    sensory_sparsity_mask=None,
    *,
    steps=5,
    seed=0,
    solver="semi_implicit",
    T=T,
):
    """Their cell, training graph and ``Saver``: returns ``(graph, handles)``."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(seed)
        x = tf1.placeholder(tf.float32, [None, None, C])  # time-major (T, B, C), as their scripts
        target = tf1.placeholder(tf.float32, [None, None, K])
        uni = tf1.random_uniform_initializer
        with tf1.variable_scope("rnn/ltc"):
            with tf1.variable_scope("sensory_mapping"):
                input_w = tf1.get_variable("input_w", [C], initializer=tf1.ones_initializer())
                input_b = tf1.get_variable("input_b", [C], initializer=tf1.zeros_initializer())
            rng = np.random.default_rng(seed)

            def erev(shape):
                return tf1.constant_initializer(2.0 * rng.integers(0, 2, shape) - 1.0)

            var = {
                "sensory_mu": tf1.get_variable("sensory_mu", [C, N], initializer=uni(0.3, 0.8)),
                "sensory_sigma": tf1.get_variable("sensory_sigma", [C, N], initializer=uni(3, 8)),
                "sensory_W": tf1.get_variable("sensory_W", [C, N], initializer=uni(0.01, 1)),
                "sensory_erev": tf1.get_variable("sensory_erev", [C, N], initializer=erev((C, N))),
                "mu": tf1.get_variable("mu", [N, N], initializer=uni(0.3, 0.8)),
                "sigma": tf1.get_variable("sigma", [N, N], initializer=uni(3, 8)),
                "W": tf1.get_variable("W", [N, N], initializer=uni(0.01, 1)),
                "erev": tf1.get_variable("erev", [N, N], initializer=erev((N, N))),
                "vleak": tf1.get_variable("vleak", [N], initializer=uni(-0.2, 0.2)),
                "gleak": tf1.get_variable("gleak", [N], initializer=tf1.constant_initializer(1)),
                "cm_t": tf1.get_variable("cm_t", [N], initializer=tf1.constant_initializer(0.5)),
            }

        def gate(pre, mu, sigma):
            return tf.nn.sigmoid(sigma * (tf.expand_dims(pre, -1) - mu))

        v = tf.zeros([tf.shape(x)[1], N])
        states = []
        for t in range(T):  # unrolled: tf.nn.dynamic_rnn needs the legacy Keras cell classes
            xt = x[t] * input_w + input_b
            s = var["sensory_W"] * gate(xt, var["sensory_mu"], var["sensory_sigma"])
            s_num, s_den = tf.reduce_sum(s * var["sensory_erev"], 1), tf.reduce_sum(s, 1)

            def f_prime(v, s_num=s_num, s_den=s_den):  # dv/dt with cm_t as C_m (explicit solvers)
                a = var["W"] * gate(v, var["mu"], var["sigma"])
                inflow = tf.reduce_sum(a * var["erev"], 1) + s_num
                outflow = (tf.reduce_sum(a, 1) + s_den) * v
                return (var["gleak"] * (var["vleak"] - v) + inflow - outflow) / var["cm_t"]

            for _ in range(6):  # _ode_solver_unfolds
                if solver == "semi_implicit":
                    a = var["W"] * gate(v, var["mu"], var["sigma"])
                    num = var["cm_t"] * v + var["gleak"] * var["vleak"]
                    num = num + tf.reduce_sum(a * var["erev"], 1) + s_num
                    den = var["cm_t"] + var["gleak"] + tf.reduce_sum(a, 1) + s_den
                    v = num / den
                else:  # "explicit", "runge_kutta": fixed step 0.1
                    v = explicit_step(solver, f_prime, v)
            states.append(v)
        h = tf.stack(states)  # (T, B, N)
        with tf1.variable_scope("dense"):
            kernel = tf1.get_variable("kernel", [N, K], initializer=uni(-0.5, 0.5))
            bias = tf1.get_variable("bias", [K], initializer=tf1.zeros_initializer())
        z = tf.tensordot(h, kernel, 1) + bias
        loss = tf.reduce_mean(tf.square(z - target))
        train = tf1.train.AdamOptimizer(0.05).minimize(loss)
        clip = [
            tf1.assign(var[name], tf.clip_by_value(var[name], low, high))
            for name, (low, high) in authors.CLIP_RANGES.items()
        ]
        masking = []
        for name, mask in (("W", sparsity_mask), ("sensory_W", sensory_sparsity_mask)):
            if mask is not None:
                masking.append(tf1.assign(var[name], var[name] * mask.astype(np.float32)))
        floor = [
            tf1.assign(var["W"][0, 1], 1e-9),  # below the floor: clipping sets float32(1e-5)
            tf1.assign(var["sensory_W"][1, 2], 1e-9),
        ]
        saver = tf1.train.Saver()
        init = tf1.global_variables_initializer()
    handles = dict(x=x, target=target, z=z, h=h, train=train, clip=clip, masking=masking,
                   floor=floor, saver=saver, init=init, steps=steps)  # fmt: skip
    return graph, handles


def _train_and_save(directory, *, T=T, **kw):
    """A few Adam steps with their clipping (and mask), then a ``Saver`` checkpoint. Returns
    ``(prefix, x, z, h)``: the graph's own outputs on a time-major batch."""
    graph, hd = _their_graph(T=T, **kw)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((T, B, C)).astype(np.float32)
    target = rng.standard_normal((T, B, K)).astype(np.float32)
    with tf.compat.v1.Session(graph=graph, config=_SESSION_CONFIG) as sess:
        sess.run(hd["init"])
        for _ in range(hd["steps"]):
            sess.run(hd["train"], {hd["x"]: x, hd["target"]: target})
            sess.run(hd["clip"])
            sess.run(hd["masking"])
        sess.run(hd["floor"])
        sess.run(hd["clip"])
        sess.run(hd["masking"])
        prefix = hd["saver"].save(sess, str(directory / "model.ckpt"))
        z, h = sess.run([hd["z"], hd["h"]], {hd["x"]: x})
    return prefix, x, z, h


def _rel_err(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_their_checkpoint_loads_and_reproduces_their_graph(tmp_path, dtype):
    prefix, x, z, h = _train_and_save(tmp_path)
    keys = tf.train.load_checkpoint(prefix).get_variable_to_shape_map()
    assert "beta1_power" in keys and "rnn/ltc/W/Adam" in keys  # what the loader must ignore
    model = authors.load_authors_checkpoint(prefix, dtype=dtype)
    assert model.params.dtype == dtype and model.readout_w.shape == (N, K)
    # their float32 clip floor survives in float64: 9.99999975e-06 < 1e-5
    assert model.params.w[0, 1] == np.float32(1e-5)
    assert dtype == np.float32 or model.params.w[0, 1] < 1e-5
    assert np.all(model.params.sparsity_mask == 1)
    ours = model.predict(x.astype(dtype), time_major=True)
    assert ours.shape == (T, B, K)
    assert _rel_err(ours, z) <= FLOAT32_RTOL
    states = authors.AuthorsModel(model.params).predict(x.astype(dtype), time_major=True)
    assert _rel_err(states, h) <= FLOAT32_RTOL
    # the directory form finds the same checkpoint
    again = authors.load_authors_checkpoint(tmp_path, dtype=dtype)
    np.testing.assert_array_equal(again.params.flatten(), model.params.flatten())


def test_sparsity_trained_checkpoint_loads_with_masks(tmp_path):
    rng = np.random.default_rng(7)
    mask = (rng.uniform(size=(N, N)) > 0.5).astype(np.float32)
    sensory_mask = (rng.uniform(size=(C, N)) > 0.3).astype(np.float32)
    mask[0, 1] = 1.0  # the entry forced to the floor stays a synapse
    sensory_mask[1, 2] = 1.0
    prefix, x, z, _ = _train_and_save(
        tmp_path, sparsity_mask=mask, sensory_sparsity_mask=sensory_mask
    )
    model = authors.load_authors_checkpoint(prefix)
    np.testing.assert_array_equal(model.params.sparsity_mask, mask)
    np.testing.assert_array_equal(model.params.sensory_sparsity_mask, sensory_mask)
    assert _rel_err(model.predict(x.astype(np.float64), time_major=True), z) <= FLOAT32_RTOL
    back = authors.params_to_authors(model.params)
    theirs = tf.train.load_checkpoint(prefix)
    np.testing.assert_array_equal(back["W"], theirs.get_tensor("rnn/ltc/W"))
    np.testing.assert_array_equal(back["sensory_W"], theirs.get_tensor("rnn/ltc/sensory_W"))


@pytest.mark.parametrize("solver", ["explicit", "runge_kutta"])
def test_their_explicit_solvers_from_a_checkpoint(tmp_path, solver):
    """Their explicit Euler and RK4 (fixed step 0.1, cm_t as C_m): dt = 0.1·L here. A few small
    Adam steps (their explicit solvers diverge over a whole training run, not in five steps)."""
    prefix, x, z, h = _train_and_save(tmp_path, solver=solver, T=2)  # T = 2: RK4 graphs are big
    model = authors.load_authors_checkpoint(prefix)
    ours = model.predict(x.astype(np.float64), time_major=True, solver=solver)
    assert _rel_err(ours, z) <= FLOAT32_RTOL
    fused = model.predict(x.astype(np.float64), time_major=True)  # the wrong solver: detected
    assert _rel_err(fused, z) > 100 * FLOAT32_RTOL


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="checkpoint"):
        authors.load_authors_checkpoint(tmp_path)
    prefix, *_ = _train_and_save(tmp_path, steps=1)
    with pytest.raises(ValueError, match="no variables under 'ltc'"):
        authors.load_authors_checkpoint(prefix, scope="ltc")
    no_readout = authors.load_authors_checkpoint(prefix, readout=None)
    assert no_readout.readout_w is None
