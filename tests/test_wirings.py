"""Tests of ``ltc_ref.wirings``: bit-identical to ncps 1.0.1, validated, immutable, well-formed.

The ncps reference matrices live in ``tests/data/ncps_wirings.json``, written by
``tests/data/make_ncps_wirings.py`` in a venv with ncps 1.0.1 (this suite needs neither ncps nor
torch).
"""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc_ref.wirings import NCP, AutoNCP, FullyConnected, Random, Wiring

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "ncps_wirings.json").read_text())
CASES = DATA["cases"]
RECIPES = {"FullyConnected": FullyConnected, "Random": Random, "NCP": NCP, "AutoNCP": AutoNCP}


def case_id(case: dict) -> str:
    args = ",".join(f"{k}={v}" for k, v in case["kwargs"].items())
    return f"{case['class']}({args}).build({case['input_dim']})"


def build_case(case: dict) -> Wiring:
    return RECIPES[case["class"]](**case["kwargs"]).build(case["input_dim"])


# ------------------------------------------------------------------------------------------------
# Bit-identical to ncps
# ------------------------------------------------------------------------------------------------


def test_fixture_is_from_ncps_1_0_1():
    assert DATA["ncps_version"] == "1.0.1"
    assert {c["class"] for c in CASES} == set(RECIPES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_build_equals_ncps(case):
    wiring = build_case(case)
    # Exact equality: the same RNG draws in the same order give the same integers.
    np.testing.assert_array_equal(wiring.adjacency, np.array(case["adjacency"], dtype=float))
    np.testing.assert_array_equal(
        wiring.sensory_adjacency, np.array(case["sensory_adjacency"], dtype=float)
    )
    assert wiring.units == case["units"]
    assert wiring.input_dim == case["input_dim"]
    assert wiring.output_dim == case["output_dim"]
    assert list(wiring.neuron_types) == case["neuron_types"]


@pytest.mark.parametrize("case", [c for c in CASES if "ltc_cell" in c], ids=case_id)
def test_properties_equal_ncps_ltc_cell_tensors(case):
    """erev, sensory_erev and the sparsity masks are what ncps's LTCCell registers."""
    wiring = build_case(case)
    cell = case["ltc_cell"]
    np.testing.assert_array_equal(wiring.erev, np.array(cell["erev"], dtype=float))
    np.testing.assert_array_equal(wiring.sensory_erev, np.array(cell["sensory_erev"], dtype=float))
    np.testing.assert_array_equal(wiring.sparsity_mask, np.array(cell["sparsity_mask"], float))
    np.testing.assert_array_equal(
        wiring.sensory_sparsity_mask, np.array(cell["sensory_sparsity_mask"], dtype=float)
    )


@pytest.mark.parametrize("case", [c for c in CASES if c["class"] == "AutoNCP"], ids=case_id)
def test_autoncp_derives_ncps_ncp_arguments(case):
    ncp = AutoNCP(**case["kwargs"]).ncp
    ours = {name: getattr(ncp, name) for name in case["ncp_args"]}
    assert ours == case["ncp_args"]


def test_autoncp_density_uses_float_subtraction():
    # 1.0 - 0.9 == 0.09999999999999998, so int(20 * density) is 1, not 2 (as in ncps).
    ncp = AutoNCP(37, 4, sparsity_level=0.9).ncp
    assert (ncp.inter_neurons, ncp.command_neurons) == (20, 13)
    assert ncp.sensory_fanout == 1
    assert ncp.recurrent_command_synapses == 2


def test_random_counts_round_half_to_even():
    # 5 * 5 * 0.5 = 12.5 -> 12 and 1 * 5 * 0.5 = 2.5 -> 2 (numpy.round), as in ncps.
    wiring = Random(5, sparsity_level=0.5, random_seed=5).build(1)
    assert wiring.synapse_count == 12
    assert wiring.sensory_synapse_count == 2


# ------------------------------------------------------------------------------------------------
# Defaults and derived attributes
# ------------------------------------------------------------------------------------------------


def test_defaults_are_ncps_defaults():
    assert FullyConnected(3) == FullyConnected(3, 3, 1111, True)
    assert Random(3) == Random(3, 3, 0.0, 1111)
    assert NCP(2, 2, 1, 1, 1, 1, 1).seed == 22222
    auto = AutoNCP(10, 2)
    assert (auto.sparsity_level, auto.seed) == (0.5, 22222)


def test_ncp_neuron_groups_are_motor_command_inter():
    ncp = NCP(inter_neurons=4, command_neurons=3, motor_neurons=2, sensory_fanout=2,
              inter_fanout=2, recurrent_command_synapses=1, motor_fanin=2)  # fmt: skip
    assert (ncp.units, ncp.output_dim) == (9, 2)
    assert ncp.motor_range == range(0, 2)
    assert ncp.command_range == range(2, 5)
    assert ncp.inter_range == range(5, 9)
    assert ncp.neuron_types == ("motor",) * 2 + ("command",) * 3 + ("inter",) * 4
    assert ncp.build(3).neuron_types == ncp.neuron_types


def test_autoncp_forwards_neuron_groups():
    auto = AutoNCP(16, 4)
    assert auto.output_dim == 4
    assert auto.motor_range == auto.ncp.motor_range == range(0, 4)
    assert auto.neuron_types == auto.ncp.neuron_types
    assert auto.build(2) == auto.ncp.build(2)


def test_default_neuron_types_label_outputs_motor():
    wiring = FullyConnected(5, output_dim=2).build(1)
    assert wiring.neuron_types == ("motor", "motor", "inter", "inter", "inter")


def test_recipe_round_trips_through_asdict():
    # Unlike ncps's NCP.get_config()/from_config, the constructor arguments round-trip.
    for recipe in (FullyConnected(4, 2, 7, False), Random(6, 3, 0.5, 9),
                   NCP(3, 2, 1, 2, 1, 1, 1, seed=5)):  # fmt: skip
        assert type(recipe)(**dataclasses.asdict(recipe)) == recipe
    auto = AutoNCP(16, 4, 0.3, 8)
    args = {k: v for k, v in dataclasses.asdict(auto).items() if k != "ncp"}
    assert AutoNCP(**args).build(3) == auto.build(3)


# ------------------------------------------------------------------------------------------------
# Properties of built wirings
# ------------------------------------------------------------------------------------------------

RECIPE_SAMPLES = [
    FullyConnected(7, output_dim=3),
    FullyConnected(6, self_connections=False),
    Random(9, sparsity_level=0.6, random_seed=4),
    NCP(6, 4, 2, 3, 2, 3, 2),
    AutoNCP(20, 5, sparsity_level=0.4),
]


@pytest.mark.parametrize("recipe", RECIPE_SAMPLES, ids=repr)
def test_wiring_matrices_are_signs_and_masks_are_their_magnitudes(recipe):
    wiring = recipe.build(4)
    n = wiring.units
    assert wiring.adjacency.shape == wiring.erev.shape == wiring.sparsity_mask.shape == (n, n)
    assert wiring.sensory_adjacency.shape == (4, n)
    for a in (wiring.adjacency, wiring.sensory_adjacency, wiring.erev, wiring.sensory_erev):
        assert a.dtype == np.float64
        assert set(np.unique(a)) <= {-1.0, 0.0, 1.0}
    np.testing.assert_array_equal(wiring.erev, wiring.adjacency)
    np.testing.assert_array_equal(wiring.sensory_erev, wiring.sensory_adjacency)
    np.testing.assert_array_equal(wiring.sparsity_mask, np.abs(wiring.adjacency))
    np.testing.assert_array_equal(wiring.sensory_sparsity_mask, np.abs(wiring.sensory_adjacency))
    assert wiring.synapse_count == int(wiring.sparsity_mask.sum())
    assert wiring.sensory_synapse_count == int(wiring.sensory_sparsity_mask.sum())


@pytest.mark.parametrize("recipe", RECIPE_SAMPLES, ids=repr)
def test_build_is_pure(recipe):
    # ncps's build draws again when called twice; ours returns the same wiring every time.
    first, second = recipe.build(3), recipe.build(3)
    assert first == second
    assert hash(first) == hash(second)


def test_fully_connected_has_every_synapse_except_optionally_the_diagonal():
    with_self = FullyConnected(6).build(3)
    assert with_self.synapse_count == 36 and with_self.sensory_synapse_count == 18
    without_self = FullyConnected(6, self_connections=False).build(3)
    assert np.all(np.diag(without_self.adjacency) == 0)
    assert without_self.synapse_count == 30 and without_self.sensory_synapse_count == 18


def test_fully_connected_signs_are_excitatory_two_thirds_of_the_time():
    """ncps draws each sign uniformly from (-1, +1, +1): P(+1) = 2/3."""
    signs = FullyConnected(64).build(64).adjacency
    # 4096 draws: the standard deviation of the fraction is sqrt(2/9 / 4096) ~ 0.0074.
    five_sigma = 5 * math.sqrt(2 / 9 / signs.size)
    assert abs(np.mean(signs > 0) - 2 / 3) < five_sigma


def test_random_sparsity_sets_synapse_counts():
    wiring = Random(10, sparsity_level=0.9, random_seed=3).build(20)
    assert wiring.synapse_count == 10  # round(100 * 0.1)
    assert wiring.sensory_synapse_count == 20  # round(200 * 0.1)


def assert_ncp_structure(wiring: Wiring, ncp: NCP) -> None:
    """The NCP layer structure as ncps defines it (its build steps 1-4)."""
    a, s = wiring.adjacency, wiring.sensory_adjacency
    motor, command, inter = (list(r) for r in (ncp.motor_range, ncp.command_range,
                                               ncp.inter_range))  # fmt: skip
    # Inputs feed inter neurons only; every input feeds at least sensory_fanout of them.
    assert not s[:, motor + command].any()
    assert np.all(np.count_nonzero(s[:, inter], axis=1) >= ncp.sensory_fanout)
    # Inter neurons receive only from inputs (all of them do), and feed command neurons only.
    assert not a[:, inter].any()
    assert np.all(np.count_nonzero(s[:, inter], axis=0) >= 1)
    assert not a[np.ix_(inter, motor + inter)].any()
    assert np.all(np.count_nonzero(a[np.ix_(inter, command)], axis=1) >= ncp.inter_fanout)
    # Command neurons receive from inter and command neurons (every one from some inter neuron);
    # the recurrent command synapses are at most the number drawn.
    assert np.all(np.count_nonzero(a[np.ix_(inter, command)], axis=0) >= 1)
    assert np.count_nonzero(a[np.ix_(command, command)]) <= ncp.recurrent_command_synapses
    # Motor neurons receive only from command neurons, at least motor_fanin each, and feed
    # nothing; every command neuron feeds at least one motor neuron.
    assert not a[np.ix_(motor + inter, motor)].any()
    assert np.all(np.count_nonzero(a[np.ix_(command, motor)], axis=0) >= ncp.motor_fanin)
    assert not a[motor, :].any()
    assert np.all(np.count_nonzero(a[np.ix_(command, motor)], axis=1) >= 1)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["class"] in ("NCP", "AutoNCP")], ids=case_id
)
def test_ncp_structure_of_ncps_cases(case):
    recipe = RECIPES[case["class"]](**case["kwargs"])
    ncp = recipe.ncp if isinstance(recipe, AutoNCP) else recipe
    assert_ncp_structure(recipe.build(case["input_dim"]), ncp)


@st.composite
def ncp_recipes(draw):
    inter = draw(st.integers(1, 8))
    command = draw(st.integers(1, 8))
    return NCP(
        inter_neurons=inter,
        command_neurons=command,
        motor_neurons=draw(st.integers(1, 6)),
        sensory_fanout=draw(st.integers(1, inter)),
        inter_fanout=draw(st.integers(1, command)),
        recurrent_command_synapses=draw(st.integers(0, 10)),
        motor_fanin=draw(st.integers(1, command)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=60, deadline=None)
@given(recipe=ncp_recipes(), input_dim=st.integers(1, 8))
def test_ncp_structure_holds_for_any_arguments(recipe, input_dim):
    """Property: every valid NCP wiring is layered sensory → inter → command → motor, with the
    command layer the only recurrent one and no neuron of a layer left unconnected."""
    assert_ncp_structure(recipe.build(input_dim), recipe)


# ------------------------------------------------------------------------------------------------
# Immutability
# ------------------------------------------------------------------------------------------------


def test_wiring_arrays_are_read_only():
    wiring = FullyConnected(3).build(2)
    with pytest.raises(ValueError, match="read-only"):
        wiring.adjacency[0, 0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        wiring.sensory_adjacency[0, 0] = 0.0


def test_wiring_fields_cannot_be_reassigned():
    wiring = FullyConnected(3).build(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        wiring.adjacency = np.zeros((3, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        wiring.output_dim = 1


def test_recipes_are_frozen():
    recipe = NCP(2, 2, 1, 1, 1, 1, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.seed = 3


def test_wiring_copies_its_inputs():
    adjacency = np.array([[1, -1], [0, 1]])
    wiring = Wiring(adjacency, np.ones((1, 2)), output_dim=1)
    adjacency[0, 0] = -1  # the caller's array stays writable and is not aliased
    assert wiring.adjacency[0, 0] == 1.0


def test_derived_arrays_are_fresh_copies():
    wiring = FullyConnected(3).build(2)
    erev = wiring.erev
    erev[0, 0] = 7.0  # an initial value the caller may train
    assert wiring.adjacency[0, 0] in (-1.0, 1.0)
    mask = wiring.sparsity_mask
    mask[:] = 0.0
    assert wiring.sparsity_mask.all()


def test_wiring_equality_compares_contents():
    base = Wiring([[1, 0], [0, -1]], [[1, 1]], output_dim=1)
    assert base == Wiring(np.array([[1.0, 0.0], [0.0, -1.0]]), [[1, 1]], output_dim=1)
    assert base != Wiring([[1, 0], [0, 1]], [[1, 1]], output_dim=1)
    assert base != Wiring([[1, 0], [0, -1]], [[1, 1]], output_dim=2)
    assert base != "not a wiring"


# ------------------------------------------------------------------------------------------------
# Validation: one case per test, the message names the argument and the value received
# ------------------------------------------------------------------------------------------------

GOOD_ADJ = [[1, 0], [-1, 1]]
GOOD_SENSORY = [[1, -1]]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        pytest.param(
            lambda: Wiring([[1, 0, 1], [0, 1, 0]], [[1, 1, 1]], 1),
            ValueError, r"adjacency: expected a square .*got shape \(2, 3\)", id="adj-not-square",
        ),
        pytest.param(
            lambda: Wiring(np.zeros((0, 0)), np.zeros((1, 0)), 1),
            ValueError, r"adjacency: expected a square .*N >= 1", id="adj-empty",
        ),
        pytest.param(
            lambda: Wiring([1, 0, -1], GOOD_SENSORY, 1),
            ValueError, r"adjacency: expected a 2-D array, got 1 dimensions", id="adj-1d",
        ),
        pytest.param(
            lambda: Wiring([[1, 2], [0, 1]], GOOD_SENSORY, 1),
            ValueError, r"adjacency: expected entries in \{-1, 0, \+1\}, got 2.0 at index \(0, 1\)",
            id="adj-entry-2",
        ),
        pytest.param(
            lambda: Wiring([[1, 0.5], [0, 1]], GOOD_SENSORY, 1),
            ValueError, r"adjacency: expected entries .*got 0.5", id="adj-entry-half",
        ),
        pytest.param(
            lambda: Wiring([[1, np.nan], [0, 1]], GOOD_SENSORY, 1),
            ValueError, r"adjacency: expected entries .*got nan", id="adj-nan",
        ),
        pytest.param(
            lambda: Wiring([["a", "b"], ["c", "d"]], GOOD_SENSORY, 1),
            TypeError, r"adjacency: expected a real 2-D array .*got dtype <U1", id="adj-strings",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, [[1, -1, 1]], 1),
            ValueError, r"sensory_adjacency: expected shape \(C, N\) = \(C, 2\).*got \(1, 3\)",
            id="sensory-wrong-n",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, [[1, -3]], 1),
            ValueError, r"sensory_adjacency: expected entries .*got -3.0", id="sensory-entry",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, GOOD_SENSORY, 0),
            ValueError, r"output_dim: expected an integer >= 1, got 0", id="output-dim-0",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, GOOD_SENSORY, 3),
            ValueError, r"output_dim: expected an integer in \[1, units\] = \[1, 2\], got 3",
            id="output-dim-too-big",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, GOOD_SENSORY, 1.0),
            TypeError, r"output_dim: expected an integer, got float", id="output-dim-float",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, GOOD_SENSORY, 1, neuron_types=("motor",)),
            ValueError, r"neuron_types: expected N = 2 labels, got 1", id="types-length",
        ),
        pytest.param(
            lambda: Wiring(GOOD_ADJ, GOOD_SENSORY, 1, neuron_types=("motor", "sensory")),
            ValueError, r"neuron_types: expected labels in .*got 'sensory'", id="types-label",
        ),
    ],
)  # fmt: skip
def test_wiring_rejects(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        pytest.param(lambda: FullyConnected(0), ValueError,
                     r"units: expected an integer >= 1, got 0", id="fc-units-0"),
        pytest.param(lambda: FullyConnected(4.0), TypeError,
                     r"units: expected an integer, got float", id="fc-units-float"),
        pytest.param(lambda: FullyConnected(True), TypeError,
                     r"units: expected an integer, got bool", id="fc-units-bool"),
        pytest.param(lambda: FullyConnected(4, output_dim=5), ValueError,
                     r"output_dim: expected an integer in \[1, units\] = \[1, 4\], got 5",
                     id="fc-output-dim"),
        pytest.param(lambda: FullyConnected(4, erev_init_seed=-1), ValueError,
                     r"erev_init_seed: expected an integer >= 0, got -1", id="fc-seed"),
        pytest.param(lambda: FullyConnected(4, self_connections=1), TypeError,
                     r"self_connections: expected a bool, got int 1", id="fc-self-connections"),
        pytest.param(lambda: FullyConnected(4).build(0), ValueError,
                     r"input_dim: expected an integer >= 1, got 0", id="fc-input-dim-0"),
        pytest.param(lambda: FullyConnected(4).build(2.5), TypeError,
                     r"input_dim: expected an integer, got float", id="fc-input-dim-float"),
        pytest.param(lambda: Random(4, sparsity_level=1.0), ValueError,
                     r"sparsity_level: expected a value in \[0, 1\), got 1.0", id="random-s-1"),
        pytest.param(lambda: Random(4, sparsity_level=-0.1), ValueError,
                     r"sparsity_level: expected a value in \[0, 1\), got -0.1", id="random-s-neg"),
        pytest.param(lambda: Random(4, sparsity_level=float("nan")), ValueError,
                     r"sparsity_level: expected a finite number, got nan", id="random-s-nan"),
        pytest.param(lambda: Random(4, sparsity_level="0.5"), TypeError,
                     r"sparsity_level: expected a real number, got str", id="random-s-str"),
        pytest.param(lambda: Random(4, random_seed=None), TypeError,
                     r"random_seed: expected an integer, got NoneType", id="random-seed-none"),
        pytest.param(lambda: Random(4, output_dim=0), ValueError,
                     r"output_dim: expected an integer >= 1, got 0", id="random-output-dim"),
        pytest.param(lambda: Random(4).build(-1), ValueError,
                     r"input_dim: expected an integer >= 1, got -1", id="random-input-dim"),
    ],
)  # fmt: skip
def test_fully_connected_and_random_reject(make, error, match):
    with pytest.raises(error, match=match):
        make()


def ncp_with(**changes) -> NCP:
    args = dict(inter_neurons=4, command_neurons=3, motor_neurons=2, sensory_fanout=2,
                inter_fanout=2, recurrent_command_synapses=1, motor_fanin=2)  # fmt: skip
    args.update(changes)
    return NCP(**args)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        pytest.param({"inter_neurons": 0}, ValueError,
                     r"inter_neurons: expected an integer >= 1, got 0", id="inter-0"),
        pytest.param({"command_neurons": 0}, ValueError,
                     r"command_neurons: expected an integer >= 1, got 0", id="command-0"),
        pytest.param({"motor_neurons": 0}, ValueError,
                     r"motor_neurons: expected an integer >= 1, got 0", id="motor-0"),
        pytest.param({"motor_neurons": 2.0}, TypeError,
                     r"motor_neurons: expected an integer, got float", id="motor-float"),
        pytest.param({"sensory_fanout": 5}, ValueError,
                     r"sensory_fanout: expected at most inter_neurons = 4, got 5",
                     id="sensory-fanout-too-big"),
        pytest.param({"sensory_fanout": 0}, ValueError,
                     r"sensory_fanout: expected an integer >= 1, got 0", id="sensory-fanout-0"),
        pytest.param({"inter_fanout": 4}, ValueError,
                     r"inter_fanout: expected at most command_neurons = 3, got 4",
                     id="inter-fanout-too-big"),
        pytest.param({"motor_fanin": 4}, ValueError,
                     r"motor_fanin: expected at most command_neurons = 3, got 4",
                     id="motor-fanin-too-big"),
        pytest.param({"recurrent_command_synapses": -1}, ValueError,
                     r"recurrent_command_synapses: expected an integer >= 0, got -1",
                     id="recurrent-negative"),
        pytest.param({"seed": 2**32}, ValueError,
                     r"seed: expected an integer in \[0, 4294967295\], got 4294967296",
                     id="seed-too-big"),
        pytest.param({"seed": -5}, ValueError,
                     r"seed: expected an integer >= 0, got -5", id="seed-negative"),
    ],
)  # fmt: skip
def test_ncp_rejects(changes, error, match):
    with pytest.raises(error, match=match):
        ncp_with(**changes)


def test_ncp_build_rejects_bad_input_dim():
    with pytest.raises(ValueError, match=r"input_dim: expected an integer >= 1, got 0"):
        ncp_with().build(0)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        pytest.param(lambda: AutoNCP(10, 8), ValueError,
                     r"output_size: expected an integer < units - 2 = 8 .*got 8",
                     id="output-size-too-big"),
        pytest.param(lambda: AutoNCP(10, 0), ValueError,
                     r"output_size: expected an integer >= 1, got 0", id="output-size-0"),
        pytest.param(lambda: AutoNCP(10.0, 2), TypeError,
                     r"units: expected an integer, got float", id="units-float"),
        # ncps rejects 0.0 (its message claims "between 0.0 and 0.9") and accepts 1.0.
        pytest.param(lambda: AutoNCP(10, 2, sparsity_level=0.0), ValueError,
                     r"sparsity_level: expected a value in \[0.1, 1.0\], got 0.0",
                     id="sparsity-0"),
        pytest.param(lambda: AutoNCP(10, 2, sparsity_level=1.01), ValueError,
                     r"sparsity_level: expected a value in \[0.1, 1.0\], got 1.01",
                     id="sparsity-above-1"),
        pytest.param(lambda: AutoNCP(10, 2, seed=2**40), ValueError,
                     r"seed: expected an integer in \[0, 4294967295\]", id="seed-too-big"),
        pytest.param(lambda: AutoNCP(10, 2).build(0), ValueError,
                     r"input_dim: expected an integer >= 1, got 0", id="input-dim-0"),
    ],
)  # fmt: skip
def test_autoncp_rejects(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_autoncp_accepts_ncps_sparsity_limits():
    # units 10, output 2: 3 command and 5 inter neurons.
    dense = AutoNCP(10, 2, sparsity_level=0.1).ncp  # density 0.9
    assert (dense.sensory_fanout, dense.inter_fanout, dense.recurrent_command_synapses) == (4, 2, 5)
    empty = AutoNCP(10, 2, sparsity_level=1.0).ncp  # density 0: every count floors at 1
    assert (empty.sensory_fanout, empty.inter_fanout, empty.recurrent_command_synapses) == (1, 1, 1)
    assert empty.motor_fanin == 1
