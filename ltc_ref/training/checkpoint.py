"""Checkpoints: named arrays in an ``.npz`` file beside a JSON file of metadata.

``save_checkpoint("run/epoch-0003.npz", arrays, metadata)`` writes

* ``run/epoch-0003.npz`` — the arrays, uncompressed, bit for bit (``numpy.savez``; loaded with
  ``allow_pickle=False``);
* ``run/epoch-0003.json`` — ``{"format", "version", "npz", "sha256", "arrays": {name: {"shape",
  "dtype"}}, "metadata": {...}}``: the SHA-256 of the ``.npz`` bytes and the name, shape and
  dtype of every array.

Each file is written to a temporary name and moved into place (``os.replace``, atomic on one
file system), the ``.npz`` first: the JSON file is the commit record, so an interrupted write
leaves either the previous checkpoint or a stray ``.npz`` without its JSON, never a JSON that
describes other bytes. `load_checkpoint` checks everything the JSON states — format, version,
hash, array names, shapes and dtypes — and raises `CheckpointError` naming the file and the
first difference; nothing is ever loaded in part.
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
CHECKPOINT_VERSION = 1


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
        ``(arrays, metadata)``: ``{name: ndarray}`` (in memory, writeable) and the metadata
        ``dict``.

    Raises:
        CheckpointError: missing file, unreadable or foreign JSON, other version, bytes that do
            not match the recorded SHA-256, arrays that differ from the record or from
            ``expect``.
    """
    npz_path, json_path = _paths(path)
    if not json_path.is_file():
        raise CheckpointError(f"checkpoint {json_path}: missing (the JSON record is required)")
    try:
        record = json.loads(json_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"checkpoint {json_path}: not a valid JSON file ({err})") from err
    if not isinstance(record, dict) or record.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {json_path}: not an {CHECKPOINT_FORMAT} record")
    if record.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"checkpoint {json_path}: version {record.get('version')!r}, this code reads "
            f"version {CHECKPOINT_VERSION}"
        )
    for key in ("npz", "sha256", "arrays", "metadata"):
        if key not in record:
            raise CheckpointError(f"checkpoint {json_path}: the record has no {key!r} field")
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
    "save_checkpoint",
]
