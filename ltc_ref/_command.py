"""What every ``ltc-ref`` command shares: its exit codes and how it reports an error.

Exit codes (the rule of every command): `EXIT_OK` 0 — done; `EXIT_FAILED` 1 — the job ran and
something failed (a check, a non-finite loss, a download or its hash); `EXIT_USAGE` 2 — a usage
error (bad arguments, missing or malformed data, an unwritable output), found before the work
starts wherever it can be. Errors are printed by `error` as ``ltc-ref COMMAND: message`` on
standard error, never as a traceback; argparse's own usage errors also exit with 2.
"""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def error(command: str, message, code: int = EXIT_USAGE, *, stream=None) -> int:
    """Print ``ltc-ref COMMAND: message`` to standard error and return the exit code.

    Arguments:
        command: the command's name after ``ltc-ref``, e.g. ``"train"`` or ``"data download"``.
        message: the error (an exception or text); a message of several lines (e.g. a missing
            file and the expected layout) is printed as it is, after the prefix.
        code: the exit code to return (`EXIT_USAGE` by default, or `EXIT_FAILED`).
        stream: where to print (``sys.stderr`` by default).

    Returns:
        ``code``.
    """
    print(f"ltc-ref {command}: {message}", file=stream or sys.stderr, flush=True)
    return code


__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "error"]
