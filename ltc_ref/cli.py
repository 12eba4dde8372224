"""The ``ltc-ref`` command line.

* ``ltc-ref verify`` — check the whole reference against itself and print a report (exit 0/1).
"""

from __future__ import annotations

import argparse
import sys


def _verify(args) -> int:
    from .verify import run_all

    return 0 if run_all() else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="ltc-ref", description="Reference implementation of Liquid Time-Constant networks."
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify", help="check the reference against itself and print a report")
    p.set_defaults(func=_verify)
    args = parser.parse_args(argv)
    return args.func(args)


def _version() -> str:
    from . import __version__

    return f"ltc-ref {__version__}"


if __name__ == "__main__":
    sys.exit(main())
