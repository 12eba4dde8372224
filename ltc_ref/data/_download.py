"""Download a dataset from its public source into the layout the loaders read.

```python
from ltc_ref import data

data.download("occupancy", "~/ltc-data")          # -> ~/ltc-data/occupancy/datatraining.txt, ...
ds = data.load("occupancy", "~/ltc-data")
```

On the command line: ``ltc-ref data download NAME [NAME ...] [--to DIR]`` (``--list`` shows
every source). What is downloaded, from where, and what its SHA-256 values were checked against
is the table `ltc_ref.data.sources.SOURCES` (and ``docs/data.md``).

Every file is written atomically: downloaded to a temporary file in the dataset folder, hashed
while it arrives, unpacked (``.gz``, or the named members of a ``.zip``) to temporary files,
checked against its SHA-256, and only then renamed into place — a failed or refused download
leaves nothing behind under the file's name. A file already present is hashed: if it matches it
is kept and not downloaded again (unless ``force``); if it does not, the download stops with an
error naming the file, the expected and the actual hash. Only the standard library is used
(``urllib``).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .._validation import check_choice, check_output_dir
from .._version import __version__
from ._base import DATA_ENV
from .sources import SOURCES, Remote, Source

#: Bytes read at a time, from the network and from files being hashed.
CHUNK = 1 << 20
#: Seconds to wait for a server to connect or to send the next block (``urlopen``'s timeout).
TIMEOUT = 60.0


class DownloadError(OSError):
    """A download failed or was refused: a network or HTTP error (the message names the URL), a
    SHA-256 that does not match (the file, the expected and the actual hash), a damaged archive,
    or a file already present that differs from the registry's."""


@dataclass(frozen=True)
class Fetched:
    """What `download` did with one file.

    Attributes:
        path: the file in the dataset folder.
        sha256: its SHA-256.
        status: ``"downloaded"``, ``"present"`` (already there, hash verified, kept) or, for a
            file with no known hash, ``"downloaded, unverified"`` / ``"present, unverified"``.
    """

    path: Path
    sha256: str
    status: str


def destination(to=None) -> Path:
    """The directory datasets are downloaded into: ``to``, else ``$LTC_REF_DATA``.

    Arguments:
        to: a directory (str or ``Path``; created if absent) or ``None``.

    Returns:
        The directory as an absolute ``Path``.

    Raises:
        ValueError: when neither is given.
    """
    if to is None:
        env = os.environ.get(DATA_ENV, "")
        if not env:
            raise ValueError(
                f"no destination: pass --to DIR (command line) or to=... (Python), or set the "
                f"environment variable {DATA_ENV} (the data directory the loaders read)"
            )
        to = env
    return Path(to).expanduser().resolve()


def mirrored(url: str, mirror: str | None) -> str:
    """The URL to fetch ``url`` from: itself, or its copy under ``mirror``.

    A mirror is laid out as ``wget --mirror`` writes one: ``<mirror>/<host>/<path>`` (e.g.
    ``https://raw.githubusercontent.com/a/b/c.csv`` →
    ``<mirror>/raw.githubusercontent.com/a/b/c.csv``); ``mirror`` may be ``http(s)://`` or
    ``file://``.
    """
    if mirror is None:
        return url
    parts = urllib.parse.urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def sha256_of(path) -> str:
    """The SHA-256 (hex) of a file, read in blocks of `CHUNK` bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _mismatch(what: str, url: str, expected: str, actual: str) -> DownloadError:
    return DownloadError(
        f"sha256 mismatch for {what} from {url}: expected {expected}, got {actual}; nothing "
        f"was written (a changed or damaged download: try again, or report it)"
    )


def _fetch_to(url: str, path: Path, timeout: float) -> str:
    """Stream ``url`` into ``path``; return the SHA-256 of what arrived."""
    request = urllib.request.Request(url, headers={"User-Agent": f"ltc-ref/{__version__}"})
    h, n = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(path, "wb") as f:
            expected = response.headers.get("Content-Length")
            while block := response.read(CHUNK):
                h.update(block)
                f.write(block)
                n += len(block)
    except urllib.error.HTTPError as err:
        raise DownloadError(f"cannot download {url}: HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        raise DownloadError(
            f"cannot download {url}: {err.reason} (no network? --mirror URL downloads from a copy)"
        ) from err
    except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
        raise DownloadError(f"cannot download {url}: {type(err).__name__}: {err}") from err
    if expected is not None and expected.isdigit() and int(expected) != n:
        raise DownloadError(
            f"cannot download {url}: the connection ended after {n} of {expected} bytes"
        )
    return h.hexdigest()


def _copy_hashed(src, path: Path) -> str:
    """Copy the binary stream ``src`` into ``path``; return the SHA-256 of the bytes."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        while block := src.read(CHUNK):
            h.update(block)
            f.write(block)
    return h.hexdigest()


@contextlib.contextmanager
def _temporary(folder: Path, name: str):
    """A temporary file's path in ``folder`` (hidden, ``.part``), removed unless renamed."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _present(remote: Remote, folder: Path) -> list[Fetched] | None:
    """The remote's files if all are present and match (or have no hash); ``None`` if one is
    absent; raises `DownloadError` for a present file whose hash differs."""
    out = []
    for f in remote.files:
        path = folder / f.name
        if not path.is_file():
            return None
        got = sha256_of(path)
        if f.sha256 is None:
            out.append(Fetched(path, got, "present, unverified"))
        elif got == f.sha256 or got in f.also:
            out.append(Fetched(path, got, "present"))
        else:
            raise DownloadError(
                f"{path} is already there but its sha256 is {got}, expected {f.sha256} "
                f"(another version, or a damaged file): --force (force=True) replaces it"
            )
    return out


def _unpacked(remote: Remote, archive: Path, folder: Path, stack, url: str) -> list[Path]:
    """The temporary files ``archive`` unpacks to, one per `Remote.files`, in ``stack``."""
    if remote.unpack == "none":
        return [archive]
    temps = [stack.enter_context(_temporary(folder, f.name)) for f in remote.files]
    try:
        if remote.unpack == "gzip":
            with gzip.open(archive, "rb") as src:
                _copy_hashed(src, temps[0])
        else:
            with zipfile.ZipFile(archive) as z:
                names = z.namelist()
                for f, tmp in zip(remote.files, temps, strict=True):
                    if f.member not in names:
                        raise DownloadError(
                            f"{url}: the archive has no member {f.member!r} (it has "
                            f"{', '.join(names[:10])}{' ...' if len(names) > 10 else ''})"
                        )
                    with z.open(f.member) as src:
                        _copy_hashed(src, tmp)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
        if isinstance(err, DownloadError):
            raise
        raise DownloadError(f"{url}: not a valid {remote.unpack} archive ({err})") from err
    return temps


def _download_remote(remote: Remote, folder: Path, *, mirror, timeout, log) -> list[Fetched]:
    url = mirrored(remote.url, mirror)
    log(f"  downloading {url} ({_size(remote.size or remote.files[0].size)})")
    with contextlib.ExitStack() as stack:
        archive = stack.enter_context(_temporary(folder, remote.url.rpartition("/")[2]))
        got = _fetch_to(url, archive, timeout)
        if remote.unpack != "none" and remote.sha256 is not None and got != remote.sha256:
            raise _mismatch(f"the archive {remote.url.rpartition('/')[2]}", url, remote.sha256, got)
        temps = _unpacked(remote, archive, folder, stack, url)
        fetched = []
        for f, tmp in zip(remote.files, temps, strict=True):
            actual = got if remote.unpack == "none" else sha256_of(tmp)
            if f.sha256 is not None and actual != f.sha256:
                raise _mismatch(f.name, url, f.sha256, actual)
            fetched.append((f, tmp, actual))
        out = []
        for f, tmp, actual in fetched:  # every file checked: now move them into place
            os.replace(tmp, folder / f.name)
            status = "downloaded" if f.sha256 is not None else "downloaded, unverified"
            out.append(Fetched(folder / f.name, actual, status))
        return out


def download(
    name: str,
    to=None,
    *,
    force: bool = False,
    mirror: str | None = None,
    allow_unverified: bool = False,
    timeout: float = TIMEOUT,
    sources: dict[str, Source] | None = None,
    log=None,
) -> list[Fetched]:
    """Download one dataset into ``<to>/<folder>/``, the layout `ltc_ref.data.load` reads.

    Arguments:
        name: a key of `ltc_ref.data.sources.SOURCES` (every dataset of
            `ltc_ref.data.DATASETS`).
        to: the data directory (created if absent); ``None`` reads ``$LTC_REF_DATA``.
        force: download every file again, even one already present and verified.
        mirror: fetch every URL from a mirror laid out as ``<mirror>/<host>/<path>`` instead
            (see `mirrored`); the hashes are the same.
        allow_unverified: download a dataset whose files have no known SHA-256 (power,
            person); their hashes are computed and returned, not checked.
        timeout: seconds to wait for a connection or for the next block of data.
        sources: the registry to use (default `SOURCES`; tests pass their own).
        log: a callable taking one line of progress (``None``: silent).

    Returns:
        One `Fetched` per file, in the registry's order.

    Raises:
        DownloadError: (an ``OSError``) a network or HTTP error naming the URL, a SHA-256 that
            does not match (naming the file, the expected and the actual hash), a damaged
            archive, or a file already present that differs (without ``force``).
        ValueError: an unknown name, no destination, a destination that cannot be created or
            written, or a dataset with no known hashes without ``allow_unverified``.
    """
    sources = SOURCES if sources is None else sources
    check_choice("name", name, sources)
    source = sources[name]
    log = log or (lambda line: None)
    if not source.verified and not allow_unverified:
        raise ValueError(
            f"{name}: no sha256 is known for its files ({source.checked}), so a download could "
            f"not be checked; pass --allow-unverified (allow_unverified=True) to download it "
            f"anyway and print the hashes it computes"
        )
    folder = destination(to) / source.folder
    check_output_dir("--to (to)", folder)
    log(f"{name} -> {folder} ({len(source.files)} file(s); {source.origin})")
    out = []
    for remote in source.remotes:
        present = None if force else _present(remote, folder)
        if present is not None:
            for f in present:
                if "unverified" in f.status:
                    log(f"  {f.path.name}: already there, no known sha256 to check; kept "
                        "(--force replaces it)")  # fmt: skip
                else:
                    log(f"  {f.path.name}: already there, sha256 verified; not downloaded "
                        "(--force downloads it again)")  # fmt: skip
            out += present
            continue
        fetched = _download_remote(remote, folder, mirror=mirror, timeout=timeout, log=log)
        for f in fetched:
            check = "verified" if f.status == "downloaded" else "NOT verified (no known hash)"
            log(f"  {f.path.name}: sha256 {f.sha256} {check}")
        out += fetched
    return out


__all__ = ["CHUNK", "TIMEOUT", "DownloadError", "Fetched", "destination", "download", "mirrored"]
