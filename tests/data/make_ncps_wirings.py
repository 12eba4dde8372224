"""Regenerate ``ncps_wirings.json``: wirings drawn by ncps 1.0.1, the reference for our wirings.

This script runs only where ncps is installed (it needs torch too, because importing
``ncps.torch`` is how we read the matrices the LTC cell really uses)::

    python3 -m venv /tmp/ncps-venv
    /tmp/ncps-venv/bin/pip install numpy torch==2.13.0 ncps==1.0.1
    /tmp/ncps-venv/bin/python tests/data/make_ncps_wirings.py

Each case is built on a *fresh* ncps wiring with exactly one ``build(input_dim)`` call (ncps's
``build`` is not idempotent: a second call draws again from the same RNG stream). The JSON holds,
per case, the class name, the constructor arguments, ``input_dim`` and the resulting matrices as
nested int lists, plus the neuron type labels ncps reports. For a few cases the script also builds
an ``LTCCell`` on another fresh wiring and stores the cell's ``erev``, ``sensory_erev``,
``sparsity_mask`` and ``sensory_sparsity_mask`` tensors, so the tests can check how the cell derives
them from the adjacency matrices. The tests (``tests/test_wirings.py``) read the JSON without ncps.
"""

from __future__ import annotations

import importlib.metadata
import json
import pathlib

import numpy as np
from ncps.torch import LTCCell
from ncps.wirings import NCP, AutoNCP, FullyConnected, Random

OUT = pathlib.Path(__file__).with_name("ncps_wirings.json")

# (class, constructor keyword arguments, input_dim, also record the LTCCell tensors?)
CASES = [
    # FullyConnected: defaults, no self connections, other seeds, output_dim < units.
    (FullyConnected, {"units": 4}, 1, True),
    (FullyConnected, {"units": 8, "output_dim": 3, "self_connections": False}, 5, False),
    (FullyConnected, {"units": 6, "output_dim": 2, "erev_init_seed": 7}, 3, False),
    (FullyConnected, {"units": 16, "erev_init_seed": 2024, "self_connections": False}, 2, False),
    (FullyConnected, {"units": 32}, 20, False),  # what ncps.torch.LTC(20, 32) uses
    # Random: sparsity 0 / 0.5 / 0.9, and a count that is exactly x.5 (numpy rounds half to even).
    (Random, {"units": 8, "sparsity_level": 0.0}, 3, True),
    (Random, {"units": 10, "output_dim": 4, "sparsity_level": 0.5}, 1, False),
    (Random, {"units": 12, "output_dim": 2, "sparsity_level": 0.9, "random_seed": 42}, 6, False),
    (Random, {"units": 20, "sparsity_level": 0.5, "random_seed": 3}, 7, False),
    (Random, {"units": 5, "sparsity_level": 0.5, "random_seed": 5}, 1, False),  # 12.5 -> 12
    # NCP: the ncps docstring example, a tiny one, sparse fanouts (forgotten neurons get wired
    # in the second pass), no recurrent command synapses, full fanouts.
    (
        NCP,
        {
            "inter_neurons": 10,
            "command_neurons": 10,
            "motor_neurons": 8,
            "sensory_fanout": 6,
            "inter_fanout": 6,
            "recurrent_command_synapses": 4,
            "motor_fanin": 6,
        },
        20,
        True,
    ),
    (
        NCP,
        {
            "inter_neurons": 3,
            "command_neurons": 2,
            "motor_neurons": 1,
            "sensory_fanout": 2,
            "inter_fanout": 1,
            "recurrent_command_synapses": 1,
            "motor_fanin": 1,
        },
        1,
        False,
    ),
    (
        NCP,
        {
            "inter_neurons": 8,
            "command_neurons": 6,
            "motor_neurons": 3,
            "sensory_fanout": 2,
            "inter_fanout": 2,
            "recurrent_command_synapses": 5,
            "motor_fanin": 2,
            "seed": 123,
        },
        4,
        False,
    ),
    (
        NCP,
        {
            "inter_neurons": 5,
            "command_neurons": 4,
            "motor_neurons": 2,
            "sensory_fanout": 5,
            "inter_fanout": 4,
            "recurrent_command_synapses": 0,
            "motor_fanin": 4,
            "seed": 9,
        },
        10,
        False,
    ),
    (
        NCP,
        {
            "inter_neurons": 12,
            "command_neurons": 8,
            "motor_neurons": 4,
            "sensory_fanout": 1,
            "inter_fanout": 1,
            "recurrent_command_synapses": 3,
            "motor_fanin": 1,
        },
        3,
        False,
    ),
    # Seed 46 leaves a command neuron that no inter neuron chose; it is then fed by
    # min(int(12 * 1 / 3), 3) = 3 inter neurons: ncps caps at the command count (4 uncapped).
    (
        NCP,
        {
            "inter_neurons": 12,
            "command_neurons": 3,
            "motor_neurons": 2,
            "sensory_fanout": 2,
            "inter_fanout": 1,
            "recurrent_command_synapses": 2,
            "motor_fanin": 1,
            "seed": 46,
        },
        2,
        False,
    ),
    # AutoNCP: units 16/32, several output sizes and sparsities (0.1 and 1.0 are ncps's limits).
    (AutoNCP, {"units": 16, "output_size": 4}, 1, True),
    (AutoNCP, {"units": 16, "output_size": 4, "sparsity_level": 0.1}, 3, False),
    (AutoNCP, {"units": 16, "output_size": 8, "sparsity_level": 0.9}, 5, False),
    (AutoNCP, {"units": 16, "output_size": 13}, 3, False),  # largest output_size allowed
    (AutoNCP, {"units": 32, "output_size": 8}, 6, False),
    (AutoNCP, {"units": 32, "output_size": 3, "sparsity_level": 0.75, "seed": 7}, 32, False),
    (AutoNCP, {"units": 32, "output_size": 1, "sparsity_level": 1.0}, 2, False),
    # 1.0 - 0.9 == 0.09999999999999998, so int(20 * density) == 1, not 2: the fanouts depend
    # on this float rounding, and ours must too.
    (AutoNCP, {"units": 37, "output_size": 4, "sparsity_level": 0.9}, 3, False),
]


def int_lists(a) -> list:
    """A matrix as nested Python int lists, checking its entries really are integers."""
    a = np.asarray(a)
    assert np.array_equal(a, np.round(a)), "non-integer entries"
    return np.round(a).astype(int).tolist()


def record(cls, kwargs: dict, input_dim: int, with_cell: bool) -> dict:
    """Build one case with ncps and return its JSON record."""
    wiring = cls(**kwargs)
    wiring.build(input_dim)
    case = {
        "class": cls.__name__,
        "kwargs": kwargs,
        "input_dim": input_dim,
        "units": int(wiring.units),
        "output_dim": int(wiring.output_dim),
        "adjacency": int_lists(wiring.adjacency_matrix),
        "sensory_adjacency": int_lists(wiring.sensory_adjacency_matrix),
        "neuron_types": [wiring.get_type_of_neuron(i) for i in range(wiring.units)],
    }
    if isinstance(wiring, NCP):
        # The NCP arguments ncps used (for AutoNCP: the ones it derived from units/sparsity).
        case["ncp_args"] = {
            "inter_neurons": wiring._num_inter_neurons,
            "command_neurons": wiring._num_command_neurons,
            "motor_neurons": wiring._num_motor_neurons,
            "sensory_fanout": wiring._sensory_fanout,
            "inter_fanout": wiring._inter_fanout,
            "recurrent_command_synapses": wiring._recurrent_command_synapses,
            "motor_fanin": wiring._motor_fanin,
        }
    if with_cell:
        # The cell calls wiring.build(in_features) itself, so give it a fresh, unbuilt wiring.
        cell = LTCCell(cls(**kwargs), in_features=input_dim)
        state = cell.state_dict()
        names = ("erev", "sensory_erev", "sparsity_mask", "sensory_sparsity_mask")
        case["ltc_cell"] = {name: int_lists(state[name].numpy()) for name in names}
        # The cell's wiring must have drawn the same matrices as the stand-alone build.
        assert case["ltc_cell"]["erev"] == case["adjacency"]
        assert case["ltc_cell"]["sensory_erev"] == case["sensory_adjacency"]
    return case


def main() -> None:
    data = {
        "description": "Wirings drawn by ncps; see tests/data/make_ncps_wirings.py.",
        "ncps_version": importlib.metadata.version("ncps"),
        "numpy_version": np.__version__,
        "cases": [record(*case) for case in CASES],
    }
    # One case per line keeps the file small and its diffs readable.
    lines = ",\n".join(json.dumps(case, separators=(",", ":")) for case in data["cases"])
    header = {k: v for k, v in data.items() if k != "cases"}
    text = json.dumps(header)[:-1] + ', "cases": [\n' + lines + "\n]}\n"
    json.loads(text)  # check it parses
    OUT.write_text(text)
    print(f"wrote {len(data['cases'])} cases, {len(text)} bytes, to {OUT}")


if __name__ == "__main__":
    main()
