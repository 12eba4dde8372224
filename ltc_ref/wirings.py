r"""Wirings: which neuron feeds which, and with what sign, reproducing ncps 1.0.1 exactly.

An LTC network of $N$ neurons with $C$ inputs has two synapse matrices, both indexed
``[source, target]`` (the convention of the whole package, docs/model.md):

- ``adjacency``, shape ``(N, N)``: entry $(i, j)$ is $+1$ for an excitatory synapse
  from neuron $i$ to neuron $j$, $-1$ for an inhibitory one, $0$ for none;
- ``sensory_adjacency``, shape ``(C, N)``: the same from input $i$ to neuron $j$.

The LTC cell derives its per-synapse constants from them as ncps does: the wiring mask
$m_{ij} = |\mathrm{adjacency}_{ij}|$ (a synapse exists) and the *initial* reversal
potential $E_{ij} = \mathrm{adjacency}_{ij}$ (the sign; ncps then trains ``erev`` freely, so
after training it is no longer $\pm 1$). The first $M$ neurons (``output_dim``) are the
outputs ("motor" neurons): the cell's output is $v_{0:M}$.

A built wiring is a `Wiring`, an immutable container of those two matrices. The other
classes are *recipes* that draw one: each takes ncps's constructor arguments, with ncps's names and
defaults, and its `build` ``(input_dim)`` returns the matrices that ncps 1.0.1 holds after
``wiring.build(input_dim)`` on a fresh wiring, bit for bit (checked against stored ncps output in
``tests/test_wirings.py``). To that end each recipe makes the same NumPy RNG calls in the same
order as ncps, and this module documents that order.

The four recipes
----------------
`FullyConnected`
    Every neuron feeds every neuron (optionally not itself) and every input feeds every neuron.
    Each synapse's sign is drawn uniformly from ``(-1, +1, +1)`` (excitatory with probability
    2/3) by ``numpy.random.default_rng(erev_init_seed)``: first the recurrent synapses in
    row-major ``(source, target)`` order, then, in `build`, the sensory
    ones, continuing the same stream. ``ncps.torch.LTC(input_size, units)`` with an integer
    ``units`` uses ``FullyConnected(units)``.
`Random`
    A random subset of ``round(N * N * (1 - sparsity_level))`` of the $N^2$ possible
    recurrent synapses (self-loops included) and ``round(C * N * (1 - sparsity_level))`` of the
    sensory ones, chosen without replacement, each with a sign drawn from ``(-1, +1, +1)``, by
    ``numpy.random.default_rng(random_seed)``.
`NCP`
    A Neural Circuit Policy (Lechner et al., Nature Machine Intelligence 2020): four layers,
    inputs → inter → command → motor, with recurrent synapses among the command neurons only.
    Signs are drawn uniformly from ``(-1, +1)`` by the legacy ``numpy.random.RandomState(seed)``.
    Neurons are numbered motor first, then command, then inter (so the motor neurons are the first
    ``motor_neurons`` = ``output_dim`` neurons, the outputs).
`AutoNCP`
    An `NCP` whose layer sizes and fan-outs are derived from a total ``units``, an
    ``output_size`` and a ``sparsity_level`` by ncps's formula.

ncps quirks that matter when you compare with it
------------------------------------------------
- ncps's ``build`` is not idempotent: calling it again draws from the same RNG stream again (new
  sensory signs for ``FullyConnected``; *extra* synapses for ``Random`` and ``NCP``). And
  ``LTCCell(wiring, in_features=C)`` (hence ``ncps.torch.LTC(C, wiring)``) always calls
  ``wiring.build(C)``: a wiring you built yourself and then hand to ``LTC`` is built twice, and the
  model's matrices are *not* the ones you saw. Ours are the single-build ones, i.e. those of
  ``LTC(C, fresh_wiring)``. Our `build` methods are pure: the same recipe and ``input_dim``
  always give the same `Wiring`.
- ``Random`` draws two signs for each sensory synapse and keeps the second; ``FullyConnected``
  and ``Random`` draw one sign per recurrent synapse.
- The synapse counts use ``numpy.round``, which rounds halves to even (12.5 → 12).
- ``AutoNCP`` accepts ``0.1 <= sparsity_level <= 1.0`` although its error message says "between
  0.0 and 0.9"; its fan-outs use ``density = 1.0 - sparsity_level`` in floating point, so e.g.
  ``1.0 - 0.9 = 0.09999999999999998`` and ``int(20 * density) == 1``, not 2.
- In the inter → command layer, the number of inter neurons given to a command neuron that no
  inter neuron chose is capped at the number of *command* neurons (the sensory → inter and
  command → motor layers cap at the size of the source population). We reproduce it.

Our argument checks are a little stricter than ncps's: ncps accepts NCP fan-outs of 0 and zero
motor neurons, and any ``output_dim``; here every neuron group and fan-out must be >= 1 and
``1 <= output_dim <= units``. Every argument set we accept gives ncps's matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_memory, check_real

__all__ = ["NCP", "AutoNCP", "FullyConnected", "Random", "Wiring"]

#: The labels of `Wiring.neuron_types` (ncps's names).
NEURON_TYPES = ("motor", "command", "inter")

# Signs are drawn by a uniform choice of one entry of these tuples. FullyConnected and Random use
# the first (so a synapse is excitatory with probability 2/3), NCP the second (1/2).
_SIGNS_MOSTLY_EXCITATORY = np.array([-1, 1, 1])
_SIGNS_BALANCED = np.array([-1, 1])

# numpy.random.RandomState accepts seeds in [0, 2**32 - 1] only.
_MAX_LEGACY_SEED = 2**32 - 1


# ------------------------------------------------------------------------------------------------
# The built wiring
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Wiring:
    r"""An immutable wiring: the signed synapse matrices of an LTC network.

    Arguments:
        adjacency: array-like, shape ``(N, N)``, entries in $\{-1, 0, +1\}$, indexed
            ``[source neuron, target neuron]``: the sign of each recurrent synapse, 0 where there
            is none. Stored as a read-only float64 copy.
        sensory_adjacency: array-like, shape ``(C, N)``, same entries, indexed
            ``[source input, target neuron]``. ``C = 0`` (no inputs, an autonomous system) is
            allowed. Stored as a read-only float64 copy.
        output_dim: the number $M$ of output ("motor") neurons, ``1 <= M <= N``; they are
            neurons ``0 .. M-1``.
        neuron_types: optional, length ``N``: each neuron's role, one of ``"motor"``,
            ``"command"``, ``"inter"``. ``None`` (the default) labels the first ``output_dim``
            neurons ``"motor"`` and the rest ``"inter"``, as ncps does for non-NCP wirings.

    Raises:
        TypeError: an argument has the wrong type (e.g. a non-numeric array, a float output_dim).
        ValueError: an entry not in {-1, 0, 1}, inconsistent shapes, or output_dim out of range.
    """

    adjacency: np.ndarray
    sensory_adjacency: np.ndarray
    output_dim: int
    neuron_types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        adjacency = _sign_matrix("adjacency", self.adjacency)
        n = adjacency.shape[0]
        if n == 0 or adjacency.shape[1] != n:
            raise ValueError(
                f"adjacency: expected a square (N, N) matrix with N >= 1, got shape "
                f"{adjacency.shape}"
            )
        sensory = _sign_matrix("sensory_adjacency", self.sensory_adjacency)
        if sensory.shape[1] != n:
            raise ValueError(
                f"sensory_adjacency: expected shape (C, N) = (C, {n}) to match adjacency, got "
                f"{sensory.shape}"
            )
        output_dim = _check_output_dim(self.output_dim, n)
        if self.neuron_types is None:
            neuron_types = ("motor",) * output_dim + ("inter",) * (n - output_dim)
        else:
            neuron_types = tuple(self.neuron_types)
            if len(neuron_types) != n:
                raise ValueError(f"neuron_types: expected N = {n} labels, got {len(neuron_types)}")
            unknown = [t for t in neuron_types if t not in NEURON_TYPES]
            if unknown:
                raise ValueError(
                    f"neuron_types: expected labels in {NEURON_TYPES}, got {unknown[0]!r}"
                )
        # A frozen dataclass only forbids re-binding the fields; object.__setattr__ is the
        # documented way to normalise them in __post_init__.
        object.__setattr__(self, "adjacency", adjacency)
        object.__setattr__(self, "sensory_adjacency", sensory)
        object.__setattr__(self, "output_dim", output_dim)
        object.__setattr__(self, "neuron_types", neuron_types)

    # -- sizes --------------------------------------------------------------------------------

    @property
    def units(self) -> int:
        """N, the number of neurons (the state size)."""
        return self.adjacency.shape[0]

    @property
    def input_dim(self) -> int:
        """C, the number of inputs (sensory features)."""
        return self.sensory_adjacency.shape[0]

    @property
    def synapse_count(self) -> int:
        """The number of recurrent synapses (non-zero entries of ``adjacency``)."""
        return int(np.count_nonzero(self.adjacency))

    @property
    def sensory_synapse_count(self) -> int:
        """The number of sensory synapses (non-zero entries of ``sensory_adjacency``)."""
        return int(np.count_nonzero(self.sensory_adjacency))

    # -- what the LTC cell takes from the wiring (ncps's LTCCell derives exactly these) ---------

    @property
    def erev(self) -> np.ndarray:
        r"""Initial reversal potentials $E$, float64 ``(N, N)``, ``[source, target]``.

        The sign of each synapse ($\pm 1$, 0 where there is none; the 0 entries are masked
        out by `sparsity_mask`). A fresh, writable copy, to be used as an initial value.
        """
        return self.adjacency.copy()

    @property
    def sparsity_mask(self) -> np.ndarray:
        r"""The recurrent wiring mask $m = |\mathrm{adjacency}|$, float64 ``(N, N)``, 0/1.

        A fresh, writable array.
        """
        return np.abs(self.adjacency)

    @property
    def sensory_erev(self) -> np.ndarray:
        r"""Initial sensory reversal potentials $E^s$, float64 ``(C, N)``. A fresh copy."""
        return self.sensory_adjacency.copy()

    @property
    def sensory_sparsity_mask(self) -> np.ndarray:
        r"""The sensory wiring mask $m^s = |\mathrm{sensory\_adjacency}|$, float64 ``(C, N)``.

        A fresh, writable array.
        """
        return np.abs(self.sensory_adjacency)

    # -- value semantics ----------------------------------------------------------------------
    # The generated dataclass __eq__ would compare ndarrays with ==, whose truth value is
    # ambiguous; compare them exactly instead. The arrays are read-only, so hashing their bytes
    # is stable.

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Wiring):
            return NotImplemented
        return (
            self.output_dim == other.output_dim
            and self.neuron_types == other.neuron_types
            and np.array_equal(self.adjacency, other.adjacency)
            and np.array_equal(self.sensory_adjacency, other.sensory_adjacency)
        )

    def __hash__(self) -> int:
        return hash(
            (
                self.adjacency.shape,
                self.adjacency.tobytes(),
                self.sensory_adjacency.shape,
                self.sensory_adjacency.tobytes(),
                self.output_dim,
                self.neuron_types,
            )
        )

    def __repr__(self) -> str:
        return (
            f"Wiring(units={self.units}, input_dim={self.input_dim}, "
            f"output_dim={self.output_dim}, synapses={self.synapse_count}, "
            f"sensory_synapses={self.sensory_synapse_count})"
        )


# ------------------------------------------------------------------------------------------------
# Recipes
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FullyConnected:
    """All-to-all wiring with random signs (ncps ``FullyConnected``).

    Arguments:
        units: N, the number of neurons.
        output_dim: M, the number of output neurons (the first M); ``None`` means ``units``.
        erev_init_seed: the seed of ``numpy.random.default_rng`` that draws the signs.
        self_connections: whether neuron i has a synapse onto itself (the diagonal of
            ``adjacency``). Sensory synapses are always all-to-all.
    """

    units: int
    output_dim: int | None = None
    erev_init_seed: int = 1111
    self_connections: bool = True

    def __post_init__(self) -> None:
        units = check_int("units", self.units, minimum=1)
        output_dim = units if self.output_dim is None else _check_output_dim(self.output_dim, units)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "output_dim", output_dim)
        object.__setattr__(
            self, "erev_init_seed", _check_seed("erev_init_seed", self.erev_init_seed)
        )
        object.__setattr__(
            self, "self_connections", _check_bool("self_connections", self.self_connections)
        )

    def build(self, input_dim: int) -> Wiring:
        """Draw the wiring for ``input_dim`` inputs.

        Arguments:
            input_dim: C >= 1, the number of input features.

        Returns:
            A `Wiring` with ``adjacency`` ``(N, N)`` and ``sensory_adjacency`` ``(C, N)``,
            equal to ncps's after ``FullyConnected(...).build(input_dim)``.
        """
        n_in = _check_input_dim(input_dim)
        n = self.units
        rng = np.random.default_rng(self.erev_init_seed)
        # One scalar draw per synapse, recurrent synapses first, row-major (source, target),
        # skipping the diagonal when self-connections are off (ncps draws these in __init__ and
        # the sensory ones in build, from one stream; a fresh stream here is the same sequence).
        # A vector of k draws of Generator.choice is the same stream as k scalar draws.
        _check_wiring_memory("units", n, n_in)
        adjacency = np.zeros((n, n))
        present = np.ones((n, n), dtype=bool)
        if not self.self_connections:
            np.fill_diagonal(present, False)
        adjacency[present] = rng.choice(_SIGNS_MOSTLY_EXCITATORY, size=int(present.sum()))
        sensory = rng.choice(_SIGNS_MOSTLY_EXCITATORY, size=(n_in, n)).astype(float)
        return Wiring(adjacency, sensory, self.output_dim)


@dataclass(frozen=True)
class Random:
    """Randomly sparse wiring with random signs (ncps ``Random``).

    Arguments:
        units: N, the number of neurons.
        output_dim: M, the number of output neurons (the first M); ``None`` means ``units``.
        sparsity_level: the fraction of absent synapses, ``0 <= sparsity_level < 1``; the same
            fraction applies to the recurrent and to the sensory synapses.
        random_seed: the seed of ``numpy.random.default_rng`` that draws synapses and signs.
    """

    units: int
    output_dim: int | None = None
    sparsity_level: float = 0.0
    random_seed: int = 1111

    def __post_init__(self) -> None:
        units = check_int("units", self.units, minimum=1)
        output_dim = units if self.output_dim is None else _check_output_dim(self.output_dim, units)
        sparsity = check_real("sparsity_level", self.sparsity_level)
        if not 0.0 <= sparsity < 1.0:
            raise ValueError(f"sparsity_level: expected a value in [0, 1), got {sparsity}")
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "output_dim", output_dim)
        object.__setattr__(self, "sparsity_level", sparsity)
        object.__setattr__(self, "random_seed", _check_seed("random_seed", self.random_seed))

    def build(self, input_dim: int) -> Wiring:
        """Draw the wiring for ``input_dim`` inputs.

        Arguments:
            input_dim: C >= 1, the number of input features.

        Returns:
            A `Wiring` with ``round(N*N*(1-s))`` recurrent and ``round(C*N*(1-s))``
            sensory synapses, equal to ncps's after ``Random(...).build(input_dim)``.
        """
        n_in = _check_input_dim(input_dim)
        n = self.units
        rng = np.random.default_rng(self.random_seed)

        # Recurrent synapses: choose the (source, target) pairs without replacement among all
        # N*N pairs listed row-major, then draw one sign per chosen pair, in the chosen order.
        # (A vector of k draws of Generator.choice is the same stream as k scalar draws.)
        _check_wiring_memory("units", n, n_in)
        adjacency = np.zeros((n, n))
        chosen = rng.choice(_all_pairs(n, n), size=self._synapse_count(n * n), replace=False)
        adjacency[chosen[:, 0], chosen[:, 1]] = rng.choice(
            _SIGNS_MOSTLY_EXCITATORY, size=len(chosen)
        )

        # Sensory synapses: the same among all C*N pairs, except that ncps draws two signs per
        # synapse and keeps the second; the first draw must still be made to stay in step.
        sensory = np.zeros((n_in, n))
        chosen = rng.choice(_all_pairs(n_in, n), size=self._synapse_count(n_in * n), replace=False)
        signs = rng.choice(_SIGNS_MOSTLY_EXCITATORY, size=2 * len(chosen))
        sensory[chosen[:, 0], chosen[:, 1]] = signs[1::2]  # the first of each pair discarded
        return Wiring(adjacency, sensory, self.output_dim)

    def _synapse_count(self, n_pairs: int) -> int:
        # numpy.round rounds halves to even (ncps's choice): 12.5 -> 12, 13.5 -> 14.
        return int(np.round(n_pairs * (1 - self.sparsity_level)))


@dataclass(frozen=True)
class NCP:
    """A Neural Circuit Policy wiring (ncps ``NCP``): inputs → inter → command → motor.

    The network has ``N = inter_neurons + command_neurons + motor_neurons`` neurons, numbered
    motor ``[0, M)``, then command, then inter (see `motor_range` etc.). Its synapses:

    1. inputs → inter: each input feeds ``sensory_fanout`` distinct inter neurons; an inter neuron
       that no input chose is then fed by ``clip(int(C * sensory_fanout / inter_neurons), 1, C)``
       distinct inputs.
    2. inter → command: each inter neuron feeds ``inter_fanout`` distinct command neurons; a
       command neuron that none chose is then fed by ``clip(int(inter_neurons * inter_fanout /
       command_neurons), 1, command_neurons)`` distinct inter neurons (ncps caps this at the
       number of *command* neurons).
    3. command → command: ``recurrent_command_synapses`` draws of a (source, target) pair of
       command neurons, with replacement (self-loops allowed; a repeated pair keeps its last
       sign, so there may be fewer synapses than draws).
    4. command → motor: each motor neuron is fed by ``motor_fanin`` distinct command neurons; a
       command neuron that fed none then feeds ``clip(int(motor_neurons * motor_fanin /
       command_neurons), 1, motor_neurons)`` distinct motor neurons.

    Every synapse's sign is drawn uniformly from ``(-1, +1)`` right after its target (or source)
    is chosen. All draws come from ``numpy.random.RandomState(seed)``, in the order above, with
    ``RandomState.choice`` (which, without replacement, shuffles the whole candidate population
    and takes a prefix).

    Arguments:
        inter_neurons: the number of inter neurons (>= 1).
        command_neurons: the number of command neurons (>= 1).
        motor_neurons: the number of motor neurons = outputs (>= 1).
        sensory_fanout: synapses per input onto inter neurons, ``1 <= . <= inter_neurons``.
        inter_fanout: synapses per inter neuron onto command neurons,
            ``1 <= . <= command_neurons``.
        recurrent_command_synapses: the number of recurrent command synapses drawn,
            ``0 <= . <= MAX_RECURRENT_COMMAND_SYNAPSES`` (10**6).
        motor_fanin: synapses per motor neuron from command neurons, ``1 <= . <= command_neurons``.
        seed: the seed of ``numpy.random.RandomState``, in ``[0, 2**32 - 1]``.
    """

    inter_neurons: int
    command_neurons: int
    motor_neurons: int
    sensory_fanout: int
    inter_fanout: int
    recurrent_command_synapses: int
    motor_fanin: int
    seed: int = 22222

    def __post_init__(self) -> None:
        n_inter = check_int("inter_neurons", self.inter_neurons, minimum=1)
        n_command = check_int("command_neurons", self.command_neurons, minimum=1)
        n_motor = check_int("motor_neurons", self.motor_neurons, minimum=1)
        values = {
            "inter_neurons": n_inter,
            "command_neurons": n_command,
            "motor_neurons": n_motor,
            "sensory_fanout": _check_fan("sensory_fanout", self.sensory_fanout, n_inter, "inter"),
            "inter_fanout": _check_fan("inter_fanout", self.inter_fanout, n_command, "command"),
            "recurrent_command_synapses": check_int(
                "recurrent_command_synapses",
                self.recurrent_command_synapses,
                minimum=0,
                maximum=MAX_RECURRENT_COMMAND_SYNAPSES,
            ),
            "motor_fanin": _check_fan("motor_fanin", self.motor_fanin, n_command, "command"),
            "seed": _check_seed("seed", self.seed, maximum=_MAX_LEGACY_SEED),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # -- neuron groups (ncps numbers motor, then command, then inter) ---------------------------

    @property
    def units(self) -> int:
        """N = inter_neurons + command_neurons + motor_neurons."""
        return self.inter_neurons + self.command_neurons + self.motor_neurons

    @property
    def output_dim(self) -> int:
        """M = motor_neurons: the outputs are the motor neurons, neurons ``0 .. M-1``."""
        return self.motor_neurons

    @property
    def motor_range(self) -> range:
        """Indices of the motor neurons: ``range(0, M)``."""
        return range(0, self.motor_neurons)

    @property
    def command_range(self) -> range:
        """Indices of the command neurons, right after the motor neurons."""
        return range(self.motor_neurons, self.motor_neurons + self.command_neurons)

    @property
    def inter_range(self) -> range:
        """Indices of the inter neurons, the last ``inter_neurons`` neurons."""
        return range(self.motor_neurons + self.command_neurons, self.units)

    @property
    def neuron_types(self) -> tuple[str, ...]:
        """Each neuron's role, length N: ``"motor"``, ``"command"`` or ``"inter"``."""
        return (
            ("motor",) * self.motor_neurons
            + ("command",) * self.command_neurons
            + ("inter",) * self.inter_neurons
        )

    def build(self, input_dim: int) -> Wiring:
        """Draw the wiring for ``input_dim`` inputs (see the class docstring for the algorithm).

        Arguments:
            input_dim: C >= 1, the number of input features (the "sensory neurons").

        Returns:
            A `Wiring` with ``neuron_types`` set, equal to ncps's after
            ``NCP(...).build(input_dim)``.
        """
        n_in = _check_input_dim(input_dim)
        _check_wiring_memory("units", self.units, n_in)
        rng = np.random.RandomState(self.seed)
        adjacency = np.zeros((self.units, self.units))
        sensory = np.zeros((n_in, self.units))
        inputs = np.arange(n_in)
        motor, command, inter = (
            np.array(self.motor_range),
            np.array(self.command_range),
            np.array(self.inter_range),
        )
        n_motor, n_command, n_inter = len(motor), len(command), len(inter)

        # 1. inputs -> inter.
        _wire_layer(
            rng,
            sensory,
            pickers=inputs,
            candidates=inter,
            per_picker=self.sensory_fanout,
            fill_in=_clip(int(n_in * self.sensory_fanout / n_inter), 1, n_in),
        )
        # 2. inter -> command. ncps caps the fill-in at the number of command neurons, not of
        # inter neurons; int(n_inter * fanout / n_command) <= n_inter, so the cap never makes it
        # too large, but it can make it smaller than the formula.
        _wire_layer(
            rng,
            adjacency,
            pickers=inter,
            candidates=command,
            per_picker=self.inter_fanout,
            fill_in=_clip(int(n_inter * self.inter_fanout / n_command), 1, n_command),
        )
        # 3. command -> command: pairs drawn with replacement; a repeat overwrites the sign.
        for _ in range(self.recurrent_command_synapses):
            src = rng.choice(command)
            dest = rng.choice(command)
            adjacency[src, dest] = rng.choice(_SIGNS_BALANCED)
        # 4. command -> motor. Here the *targets* pick: each motor neuron picks its command
        # inputs, and a command neuron nobody picked is given motor targets. That is step 1's
        # procedure with the roles of source and target swapped, so we run it on the transposed
        # view, whose [motor, command] entry is adjacency[command, motor].
        _wire_layer(
            rng,
            adjacency.T,
            pickers=motor,
            candidates=command,
            per_picker=self.motor_fanin,
            fill_in=_clip(int(n_motor * self.motor_fanin / n_command), 1, n_motor),
        )
        return Wiring(adjacency, sensory, self.output_dim, neuron_types=self.neuron_types)


@dataclass(frozen=True)
class AutoNCP:
    """An `NCP` sized from a neuron count, an output size and a sparsity (ncps ``AutoNCP``).

    With ``density = 1.0 - sparsity_level`` and ``K = units - output_size`` (computed exactly as
    ncps does, in floating point, truncating with ``int``):

    - command_neurons = max(int(0.4 * K), 1); inter_neurons = K - command_neurons;
      motor_neurons = output_size;
    - sensory_fanout = max(int(inter_neurons * density), 1);
    - inter_fanout = motor_fanin = max(int(command_neurons * density), 1);
    - recurrent_command_synapses = max(int(command_neurons * density * 2), 1).

    The derived `NCP` is `ncp`; its neuron groups are forwarded.

    Arguments:
        units: N, the total number of neurons.
        output_size: M, the number of motor neurons (outputs), ``1 <= M < units - 2``.
        sparsity_level: ``0.1 <= sparsity_level <= 1.0`` (ncps's accepted range).
        seed: the seed of ``numpy.random.RandomState``, in ``[0, 2**32 - 1]``.
    """

    units: int
    output_size: int
    sparsity_level: float = 0.5
    seed: int = 22222
    ncp: NCP = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        units = check_int("units", self.units, minimum=1)
        output_size = check_int("output_size", self.output_size, minimum=1)
        if output_size >= units - 2:
            raise ValueError(
                f"output_size: expected an integer < units - 2 = {units - 2} (ncps needs at least "
                f"3 inter and command neurons), got {output_size}"
            )
        sparsity = check_real("sparsity_level", self.sparsity_level)
        if not 0.1 <= sparsity <= 1.0:
            raise ValueError(f"sparsity_level: expected a value in [0.1, 1.0], got {sparsity}")
        seed = _check_seed("seed", self.seed, maximum=_MAX_LEGACY_SEED)

        density = 1.0 - sparsity
        inter_and_command = units - output_size
        command = max(int(0.4 * inter_and_command), 1)
        inter = inter_and_command - command
        ncp = NCP(
            inter_neurons=inter,
            command_neurons=command,
            motor_neurons=output_size,
            sensory_fanout=max(int(inter * density), 1),
            inter_fanout=max(int(command * density), 1),
            recurrent_command_synapses=max(int(command * density * 2), 1),
            motor_fanin=max(int(command * density), 1),
            seed=seed,
        )
        for name, value in (
            ("units", units),
            ("output_size", output_size),
            ("sparsity_level", sparsity),
            ("seed", seed),
            ("ncp", ncp),
        ):
            object.__setattr__(self, name, value)

    @property
    def output_dim(self) -> int:
        """M = output_size."""
        return self.output_size

    @property
    def motor_range(self) -> range:
        """Indices of the motor neurons: ``range(0, M)``."""
        return self.ncp.motor_range

    @property
    def command_range(self) -> range:
        """Indices of the command neurons, right after the motor neurons."""
        return self.ncp.command_range

    @property
    def inter_range(self) -> range:
        """Indices of the inter neurons, the last ones."""
        return self.ncp.inter_range

    @property
    def neuron_types(self) -> tuple[str, ...]:
        """Each neuron's role, length N: ``"motor"``, ``"command"`` or ``"inter"``."""
        return self.ncp.neuron_types

    def build(self, input_dim: int) -> Wiring:
        """Draw the wiring for ``input_dim`` inputs: `NCP.build` of `ncp`.

        Arguments:
            input_dim: C >= 1, the number of input features.

        Returns:
            A `Wiring`, equal to ncps's after ``AutoNCP(...).build(input_dim)``.
        """
        return self.ncp.build(input_dim)


# ------------------------------------------------------------------------------------------------
# Private helpers
# ------------------------------------------------------------------------------------------------


def _wire_layer(
    rng: np.random.RandomState,
    matrix: np.ndarray,
    *,
    pickers: np.ndarray,
    candidates: np.ndarray,
    per_picker: int,
    fill_in: int,
) -> None:
    """One NCP layer, in place: the random fan-out with a second pass for forgotten neurons.

    For each picker in order, choose ``per_picker`` distinct candidates and, for each chosen one
    in the order drawn, draw a sign and set ``matrix[picker, candidate]``. Then, for each
    candidate that no picker chose (in increasing index order), choose ``fill_in`` distinct
    pickers and do the same. ``matrix`` is indexed [picker, candidate]: the adjacency matrix for
    a fan-out (pickers are sources), its transpose for a fan-in (pickers are targets).
    """
    chosen_once = set()
    for picker in pickers:
        for candidate in rng.choice(candidates, size=per_picker, replace=False):
            chosen_once.add(int(candidate))
            matrix[picker, candidate] = rng.choice(_SIGNS_BALANCED)
    # No candidate may be left without a synapse from this layer.
    for candidate in candidates:
        if int(candidate) in chosen_once:
            continue
        for picker in rng.choice(pickers, size=fill_in, replace=False):
            matrix[picker, candidate] = rng.choice(_SIGNS_BALANCED)


#: The largest ``recurrent_command_synapses`` of an `NCP`: the draws are made one by one (three
#: interleaved draws of ``RandomState.choice`` each, to stay in ncps's stream), about 50,000 per
#: second; more than 10**6 draws (some 20 s) cannot be meant — every pair of command neurons is
#: drawn long before (ncps's AutoNCP uses a few per command neuron).
MAX_RECURRENT_COMMAND_SYNAPSES = 10**6


def _check_wiring_memory(name: str, n: int, n_in: int) -> None:
    """Refuse before allocating a wiring whose (N, N) and (C, N) arrays (the adjacency, and the
    reversal potentials and masks derived from it: 4 float64 arrays each) exceed the memory."""
    check_memory(name, f"the (N, N) wiring arrays, N = {n}, C = {n_in}", 4 * 8 * n * (n + n_in))


def _all_pairs(n_sources: int, n_targets: int) -> np.ndarray:
    """All (source, target) index pairs in row-major order, int ``(n_sources * n_targets, 2)``."""
    src, dest = np.meshgrid(np.arange(n_sources), np.arange(n_targets), indexing="ij")
    return np.stack([src.ravel(), dest.ravel()], axis=1)


def _clip(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def _sign_matrix(name: str, value) -> np.ndarray:
    """``value`` as a read-only float64 2-D copy with entries in {-1, 0, +1}, or raise."""
    try:
        arr = np.array(value)  # a copy, so the caller's array is neither aliased nor frozen
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected a 2-D array of -1/0/+1, got {value!r}") from err
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a real 2-D array of -1/0/+1, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array, got {arr.ndim} dimensions ({arr.shape})")
    arr = arr.astype(np.float64)
    bad = ~np.isin(arr, (-1.0, 0.0, 1.0))  # NaN is not in the set, so it is caught too
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected entries in {{-1, 0, +1}}, got {arr[idx]} at index {idx} "
            f"({int(bad.sum())} such entries)"
        )
    arr.flags.writeable = False
    return arr


def _check_output_dim(value, units: int) -> int:
    output_dim = check_int("output_dim", value, minimum=1)
    if output_dim > units:
        raise ValueError(
            f"output_dim: expected an integer in [1, units] = [1, {units}], got {value}"
        )
    return output_dim


def _check_input_dim(value) -> int:
    return check_int("input_dim", value, minimum=1)


def _check_seed(name: str, value, *, maximum: int | None = None) -> int:
    seed = check_int(name, value, minimum=0)
    if maximum is not None and seed > maximum:
        raise ValueError(f"{name}: expected an integer in [0, {maximum}], got {seed}")
    return seed


def _check_fan(name: str, value, population: int, population_name: str) -> int:
    fan = check_int(name, value, minimum=1)
    if fan > population:
        raise ValueError(
            f"{name}: expected at most {population_name}_neurons = {population}, got {fan}"
        )
    return fan


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a bool, got {type(value).__name__} {value!r}")
    return bool(value)
