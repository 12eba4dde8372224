"""Small text-parsing helpers that turn every bad token into a `DataFormatError` naming the file,
the line (counted from 1) and what was expected."""

from __future__ import annotations

import csv
import math

from ._base import format_error


def csv_rows(path, *, delimiter=","):
    """Yield ``(line_number, fields)`` for every non-blank line of a CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for fields in reader:
            if not fields or all(not s.strip() for s in fields):
                continue
            yield reader.line_num, fields


def check_header(path, fields, expected) -> None:
    """Raise unless the header ``fields`` equal ``expected`` (names, stripped)."""
    got = [s.strip() for s in fields]
    if got != list(expected):
        raise format_error(path, 1, f"the header {list(expected)}", f"{got}")


def check_width(path, line, fields, width: int, what: str) -> None:
    """Raise unless a row has ``width`` fields."""
    if len(fields) != width:
        raise format_error(path, line, f"{width} fields ({what})", f"{len(fields)}: {fields!r}")


def to_float(path, line, token: str, column: str) -> float:
    """Parse a finite float or raise naming the column."""
    try:
        value = float(token)
    except ValueError:
        raise format_error(path, line, f"a number in column {column}", repr(token)) from None
    if not math.isfinite(value):
        raise format_error(path, line, f"a finite number in column {column}", repr(token))
    return value


def to_label(path, line, token: str, column: str, mapping: dict) -> int:
    """Map a label token through ``mapping`` or raise listing the allowed labels."""
    key = token.strip()
    if key not in mapping:
        raise format_error(
            path, line, f"a label in column {column} among {sorted(mapping)}", repr(token)
        )
    return mapping[key]
