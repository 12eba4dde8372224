"""The ``ltc-ref`` command line.

``ltc-ref COMMAND [ARGS]``; each command lives in the module that implements it and has its own
``--help``:

* ``ltc-ref verify`` — check the whole reference against itself and print a report (exit 0/1).
* ``ltc-ref crosscheck TARGET`` — check another implementation (``ncps``, ``module:function``,
  ``file.py:function``, or ``--results DIR`` after ``ltc-ref crosscheck export DIR``).
* ``ltc-ref trajectory`` — the trajectory-length study.
* ``ltc-ref train DATASET`` — train the paper's LTC on a dataset.
* ``ltc-ref data [NAME ...]`` — summarise the datasets; ``ltc-ref data download NAME`` downloads.

With no command, ``ltc-ref`` prints this list. Exit codes and error messages follow one rule
(`ltc_ref._command`): 0 done, 1 a check failed, 2 a usage error, printed as
``ltc-ref COMMAND: message``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap

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
        "load the paper's datasets, print shapes, split sizes and class balance; "
        "'ltc-ref data download NAME' downloads one",
    ),
}


def _parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="ltc-ref",
        usage="ltc-ref COMMAND [ARGS ...]   (ltc-ref COMMAND --help for a command's options)",
        description="Reference implementation of Liquid Time-Constant networks.",
        epilog="commands:\n"
        + "\n".join(
            textwrap.fill(spec[2], 94, initial_indent=f"  {name:<12} ", subsequent_indent=" " * 15)
            for name, spec in COMMANDS.items()
        )
        + "\n\nexit codes: 0 done, 1 a check (or a download) failed, 2 a usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv=None) -> int:
    """``ltc-ref COMMAND [ARGS ...]``: run the command's ``main`` on the remaining arguments and
    return its exit code; with no command, print the list of commands (exit code 0)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument(
        "command",
        nargs="?",
        choices=sorted(COMMANDS),
        metavar="COMMAND",
        help="the command to run: one of those below",
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments")
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.print_help()
        return 0
    module, func, _ = COMMANDS[ns.command]
    return getattr(importlib.import_module(module), func)(ns.args)


def _version() -> str:
    from ._version import __version__

    return f"ltc-ref {__version__}"


if __name__ == "__main__":
    sys.exit(main())
