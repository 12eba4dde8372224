"""The ``ltc-ref`` command line.

``ltc-ref COMMAND [ARGS]``; each command lives in the module that implements it and has its own
``--help``:

* ``ltc-ref verify`` — check the whole reference against itself and print a report (exit 0/1).
* ``ltc-ref crosscheck TARGET`` — check another implementation (``ncps``, ``module:function``,
  ``file.py:function``, or ``--results DIR`` after ``ltc-ref crosscheck export DIR``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: command -> (module, function taking the remaining argv and returning an exit code, help).
COMMANDS = {
    "verify": ("ltc_ref.verify", "main", "check the reference against itself, print a report"),
    "crosscheck": (
        "ltc_ref.interop.command",
        "main",
        "check another implementation (ncps, module:function, file.py:function, --results "
        "DIR) on the golden and drawn cases",
    ),
    "trajectory": (
        "ltc_ref.trajectory",
        "main",
        "trajectory-length study (paper §5.1): Fig. 1, Fig. 3B-D, Table 2",
    ),
    "train": (
        "ltc_ref.training.cli",
        "main",
        "train the paper's 32-unit LTC on a dataset (Table 3), print the test metric",
    ),
    "data": (
        "ltc_ref.data.__main__",
        "main",
        "load the paper's datasets, print shapes, split sizes and class balance",
    ),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog="ltc-ref",
        description="Reference implementation of Liquid Time-Constant networks.",
        epilog="commands:\n"
        + "\n".join(f"  {name:<12} {spec[2]}" for name, spec in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("command", choices=sorted(COMMANDS), help="see below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments")
    ns = parser.parse_args(argv)
    module, func, _ = COMMANDS[ns.command]
    return getattr(importlib.import_module(module), func)(ns.args)


def _version() -> str:
    from ._version import __version__

    return f"ltc-ref {__version__}"


if __name__ == "__main__":
    sys.exit(main())
