"""Checkpoints: named arrays in an ``.npz`` file beside a JSON file of metadata.

``save_checkpoint("run/epoch-0003.npz", arrays, metadata)`` writes

* ``run/epoch-0003.npz`` — the arrays, uncompressed, bit for bit (``numpy.savez``; loaded with
  ``allow_pickle=False``);
* ``run/epoch-0003.json`` — ``{"format", "version", "npz", "sha256", "arrays": {name: {"shape",
  "dtype"}}, "metadata": {...}, "record_sha256"}``: the SHA-256 of the ``.npz`` bytes, the
  name, shape and dtype of every array, the caller's metadata, and the SHA-256 of all of that
  (the record's canonical JSON without ``record_sha256``: sorted keys, no spaces), so that an
  edit of the metadata (an epoch, Adam's step count, the best epoch) is found like a flipped
  byte of the arrays.

Each file is written to a temporary name and moved into place (``os.replace``, atomic on one
file system), the ``.npz`` first: the JSON file is the commit record, so an interrupted write
leaves either the previous checkpoint or a stray ``.npz`` without its JSON, never a JSON that
describes other bytes. `load_checkpoint` checks everything the JSON states — format, version,
the type of every field, both hashes, array names, shapes and dtypes — and raises
`CheckpointError` naming the file and the field or the first difference; nothing is ever loaded
in part.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

#: The ``format`` field of every checkpoint's JSON file.
CHECKPOINT_FORMAT = "ltc-ref-checkpoint"
#: The layout version; a checkpoint of another version is refused with a clear error.
CHECKPOINT_VERSION = 2


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt (its bytes do not match its JSON record) or does not
    match what the caller expects (arrays, shapes, dtypes, configuration)."""


def _paths(path) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix in (".npz", ".json"):
        path = path.with_suffix("")
    return path.with_name(path.name + ".npz"), path.with_name(path.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_digest(record: dict) -> str:
    """The SHA-256 of a checkpoint record without its ``record_sha256`` field: of its canonical
    JSON (sorted keys, ``(",", ":")`` separators, UTF-8)."""
    body = {k: value for k, value in record.items() if k != "record_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _no_constant(name):
    raise ValueError(f"{name} is not standard JSON (save_checkpoint never writes it)")


def _check_record(json_path: Path, record: dict) -> None:
    """Check the type of every field of a record; a `CheckpointError` names the field."""

    def bad(field, expected, got):
        raise CheckpointError(
            f"checkpoint {json_path}: field {field!r}: expected {expected}, got {got!r}"
        )

    for key in ("npz", "sha256", "arrays", "metadata", "record_sha256"):
        if key not in record:
            raise CheckpointError(f"checkpoint {json_path}: the record has no {key!r} field")
    npz = record["npz"]
    if not isinstance(npz, str):
        bad("npz", "a file name (a string)", npz)
    if Path(npz).name != npz or not npz.endswith(".npz") or npz in (".npz", "..npz"):
        bad("npz", "the name of an .npz file beside the JSON file (no directory part)", npz)
    for key in ("sha256", "record_sha256"):
        digest = record[key]
        hex_digest = isinstance(digest, str) and len(digest) == 64
        if not (hex_digest and all(c in "0123456789abcdef" for c in digest)):
            bad(key, "a SHA-256 hex digest (64 characters 0-9a-f)", digest)
    if not isinstance(record["arrays"], dict):
        bad("arrays", "an object {name: {shape, dtype}}", type(record["arrays"]).__name__)
    for name, entry in record["arrays"].items():
        field = f"arrays.{name}"
        if not isinstance(entry, dict):
            bad(field, "an object {shape, dtype}", entry)
        for key in ("shape", "dtype"):
            if key not in entry:
                raise CheckpointError(f"checkpoint {json_path}: field {field!r} has no {key!r}")
        shape = entry["shape"]
        sizes_ok = isinstance(shape, list) and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        )
        if not sizes_ok:
            bad(f"{field}.shape", "a list of integers >= 0", shape)
        try:
            dtype = np.dtype(entry["dtype"]) if isinstance(entry["dtype"], str) else None
        except TypeError:
            dtype = None
        if dtype is None or dtype.hasobject or dtype.kind not in "biufc":
            bad(f"{field}.dtype", "a numeric NumPy dtype string such as '<f8'", entry["dtype"])
    if not isinstance(record["metadata"], dict):
        bad("metadata", "an object", type(record["metadata"]).__name__)


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_checkpoint(path, arrays: dict, metadata: dict) -> Path:
    """Write ``arrays`` and ``metadata`` as a checkpoint (module docstring).

    Arguments:
        path: ``"dir/name"``, ``"dir/name.npz"`` or ``"dir/name.json"``; the directory is
            created if needed.
        arrays: ``{name: ndarray}``, numeric arrays (no object arrays).
        metadata: JSON-serialisable ``dict`` (floats are written with ``repr``, so they come
            back exactly).

    Returns:
        The path of the JSON file.
    """
    npz_path, json_path = _paths(path)
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.asarray(a) for name, a in arrays.items()}
    for name, a in arrays.items():
        if a.dtype.hasobject:
            raise TypeError(f"arrays[{name!r}]: object arrays cannot be checkpointed")
    _write_atomic(npz_path, lambda f: np.savez(f, **arrays))
    record = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "npz": npz_path.name,
        "sha256": _sha256(npz_path),
        "arrays": {n: {"shape": list(a.shape), "dtype": a.dtype.str} for n, a in arrays.items()},
        "metadata": metadata,
    }
    record["record_sha256"] = record_digest(record)
    text = json.dumps(record, indent=1, allow_nan=False)
    _write_atomic(json_path, lambda f: f.write(text.encode()))
    return json_path


def load_checkpoint(path, *, expect: dict | None = None) -> tuple[dict, dict]:
    """Read a checkpoint written by `save_checkpoint`, checking it completely.

    Arguments:
        path: the checkpoint's ``.json`` or ``.npz`` path, or the path without suffix.
        expect: optional ``{name: (shape, dtype)}``: the arrays the caller needs; any other
            set of names, shape or dtype is an error.

    Returns:
        arrays (dict): ``{name: ndarray}``, in memory and writeable.
        metadata (dict): the checkpoint's metadata.

    Raises:
        CheckpointError: missing file, unreadable or foreign JSON, other version, a field of the
            wrong type (named), a record or bytes that do not match their recorded SHA-256,
            arrays that differ from the record or from ``expect``.
    """
    npz_path, json_path = _paths(path)
    if not json_path.is_file():
        raise CheckpointError(f"checkpoint {json_path}: missing (the JSON record is required)")
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (OSError, ValueError) as err:  # ValueError: JSONDecodeError, UnicodeDecodeError
        raise CheckpointError(f"checkpoint {json_path}: not a valid JSON file ({err})") from err
    if not isinstance(record, dict) or record.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {json_path}: not an {CHECKPOINT_FORMAT} record")
    if record.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"checkpoint {json_path}: version {record.get('version')!r}, this code reads "
            f"version {CHECKPOINT_VERSION}"
        )
    _check_record(json_path, record)
    if record_digest(record) != record["record_sha256"]:
        raise CheckpointError(
            f"checkpoint {json_path}: corrupt or edited — the SHA-256 of its record does not "
            f"match its field 'record_sha256' (the metadata, hashes or array list were changed)"
        )
    npz_path = json_path.with_name(record["npz"])
    if not npz_path.is_file():
        raise CheckpointError(f"checkpoint {json_path}: its array file {npz_path} is missing")
    digest = _sha256(npz_path)
    if digest != record["sha256"]:
        raise CheckpointError(
            f"checkpoint {npz_path}: corrupt — SHA-256 {digest[:16]}… does not match the "
            f"recorded {str(record['sha256'])[:16]}… in {json_path.name}"
        )
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {name: np.array(npz[name]) for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"checkpoint {npz_path}: unreadable ({err})") from err
    recorded = record["arrays"]
    if set(arrays) != set(recorded):
        raise CheckpointError(
            f"checkpoint {npz_path}: holds arrays {sorted(arrays)}, its record lists "
            f"{sorted(recorded)}"
        )
    for name, a in arrays.items():
        want = (tuple(recorded[name]["shape"]), np.dtype(recorded[name]["dtype"]))
        if (a.shape, a.dtype) != want:
            raise CheckpointError(
                f"checkpoint {npz_path}: array {name!r} is {a.shape} {a.dtype}, its record "
                f"says {want[0]} {want[1]}"
            )
    if expect is not None:
        if set(arrays) != set(expect):
            raise CheckpointError(
                f"checkpoint {npz_path}: holds arrays {sorted(arrays)}, expected {sorted(expect)}"
            )
        for name, (shape, dtype) in expect.items():
            a = arrays[name]
            if a.shape != tuple(shape) or a.dtype != np.dtype(dtype):
                raise CheckpointError(
                    f"checkpoint {npz_path}: array {name!r} is {a.shape} {a.dtype}, expected "
                    f"{tuple(shape)} {np.dtype(dtype)} (a checkpoint of another model?)"
                )
    return arrays, record["metadata"]


__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "load_checkpoint",
    "record_digest",
    "save_checkpoint",
]
