"""``ltc-ref data download``: against files served by a local HTTP server (never the internet).

The server (``http.server`` in a thread, on 127.0.0.1) serves a temporary directory laid out as a
mirror of the registry's URLs (``<host>/<path>``, `ltc_ref.data.download`'s ``mirror``). The real
registry's URLs, file names, folders, archive members and unpacking are exercised on synthetic
files in each dataset's real format (``tests/synthetic_data.py``), with the registry's hashes
replaced by theirs; the real hashes are checked against the real files in ``test_data_real.py``
style by ``test_real_registry_matches_the_shared_data`` (marker ``realdata``).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import re
import socket
import threading
import urllib.parse
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from ltc_ref import cli, data
from ltc_ref.data import __main__ as data_main
from ltc_ref.data import (
    _download,
    cheetah,
    digits,
    gesture,
    occupancy,
    ozone,
    person,
    power,
    smnist,
    sources,
    traffic,
)
from ltc_ref.data.sources import SOURCES, File, Remote, Source
from tests import synthetic_data
from tests.synthetic_data import SEQ_LEN

HEX64 = re.compile(r"[0-9a-f]{64}")


# ---------------------------------------------------------------- the local server


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass


class Server:
    """A static file server on 127.0.0.1 in a thread; ``requests`` lists the paths asked for."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        server = self

        class Handler(_Handler):
            def do_GET(self):
                server.requests.append(urllib.parse.unquote(self.path))
                if self.path.startswith("/truncated/"):  # promises more than it sends
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"only a few bytes")
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(Handler, directory=str(self.root))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "served")
    s.root.mkdir()
    yield s
    s.close()


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _serve(server, relpath: str, blob: bytes) -> str:
    """Put ``blob`` at ``relpath`` under the server's root; return its URL."""
    path = server.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    return f"{server.url}/{relpath}"


def _one_file_registry(url, name="a.txt", sha256=None, folder="toy", **remote):
    file = File(name, sha256, member=remote.pop("member", None))
    return {"toy": Source("toy", folder, (Remote(url, (file,), **remote),), "test", "-", "-")}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# ---------------------------------------------------------------- the mechanics


def test_success_writes_the_file_verified(server, tmp_path):
    blob = b"hello, data\n"
    url = _serve(server, "x/a.txt", blob)
    got = data.download(
        "toy", tmp_path / "dest", sources=_one_file_registry(url, sha256=_sha(blob))
    )
    [f] = got
    assert f.path == (tmp_path / "dest" / "toy" / "a.txt").resolve()
    assert f.path.read_bytes() == blob and f.sha256 == _sha(blob) and f.status == "downloaded"
    assert _leftovers(f.path.parent) == []


def test_hash_mismatch_names_file_expected_and_actual_and_writes_nothing(server, tmp_path):
    blob = b"the real bytes"
    url = _serve(server, "x/a.txt", b"other bytes")
    with pytest.raises(data.DownloadError) as err:
        data.download("toy", tmp_path, sources=_one_file_registry(url, sha256=_sha(blob)))
    message = str(err.value)
    assert "sha256 mismatch for a.txt" in message and url in message
    assert _sha(blob) in message and _sha(b"other bytes") in message
    folder = tmp_path / "toy"
    assert not (folder / "a.txt").exists() and _leftovers(folder) == []


def test_http_404_names_the_url(server, tmp_path):
    url = f"{server.url}/nowhere/a.txt"
    with pytest.raises(data.DownloadError, match=r"cannot download .*nowhere/a\.txt: HTTP 404"):
        data.download("toy", tmp_path, sources=_one_file_registry(url, sha256="0" * 64))
    assert _leftovers(tmp_path / "toy") == []


def test_network_failure_names_the_url(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/a.txt"
    with pytest.raises(data.DownloadError, match=rf"cannot download {re.escape(url)}: "):
        data.download("toy", tmp_path, sources=_one_file_registry(url, sha256="0" * 64))


def test_truncated_download_is_refused(server, tmp_path):
    url = f"{server.url}/truncated/a.txt"
    with pytest.raises(data.DownloadError, match=r"truncated/a\.txt"):
        data.download("toy", tmp_path, sources=_one_file_registry(url, sha256=None),
                      allow_unverified=True)  # fmt: skip
    assert not (tmp_path / "toy" / "a.txt").exists()


def test_present_file_is_verified_and_not_downloaded_again_unless_forced(server, tmp_path):
    blob = b"12345\n"
    url = _serve(server, "x/a.txt", blob)
    sources = _one_file_registry(url, sha256=_sha(blob))
    data.download("toy", tmp_path, sources=sources)
    assert len(server.requests) == 1
    [f] = data.download("toy", tmp_path, sources=sources)
    assert f.status == "present" and len(server.requests) == 1  # no second request
    [f] = data.download("toy", tmp_path, sources=sources, force=True)
    assert f.status == "downloaded" and len(server.requests) == 2


def test_present_file_that_differs_is_an_error_until_forced(server, tmp_path):
    blob = b"good"
    url = _serve(server, "x/a.txt", blob)
    sources = _one_file_registry(url, sha256=_sha(blob))
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_bytes(b"damaged")
    with pytest.raises(data.DownloadError) as err:
        data.download("toy", tmp_path, sources=sources)
    message = str(err.value)
    assert str(tmp_path / "toy" / "a.txt") in message and "--force" in message
    assert _sha(blob) in message and _sha(b"damaged") in message
    assert server.requests == []
    data.download("toy", tmp_path, sources=sources, force=True)
    assert (tmp_path / "toy" / "a.txt").read_bytes() == blob


def test_also_accepted_hash_keeps_a_documented_copy(server, tmp_path):
    file = File("a.txt", _sha(b"new"), also=(_sha(b"old"),))
    sources = {"toy": Source("toy", "toy", (Remote(f"{server.url}/a.txt", (file,)),), "", "", "")}
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_bytes(b"old")
    [f] = data.download("toy", tmp_path, sources=sources)
    assert f.status == "present" and server.requests == []


def test_unverified_needs_the_flag_and_reports_the_hash(server, tmp_path):
    blob = b"no hash known"
    url = _serve(server, "x/a.txt", blob)
    sources = _one_file_registry(url, sha256=None)
    with pytest.raises(ValueError, match="--allow-unverified"):
        data.download("toy", tmp_path, sources=sources)
    assert server.requests == []
    [f] = data.download("toy", tmp_path, sources=sources, allow_unverified=True)
    assert f.status == "downloaded, unverified" and f.sha256 == _sha(blob)
    [f] = data.download("toy", tmp_path, sources=sources, allow_unverified=True)
    assert f.status == "present, unverified" and len(server.requests) == 1


def test_zip_members_are_extracted_and_each_checked(server, tmp_path):
    a, b = b"first member\n", b"second member\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/a.txt", a)
        z.writestr("b.txt", b)
        z.writestr("unused.txt", b"not extracted")
    blob = archive.getvalue()
    url = _serve(server, "x/pack.zip", blob)
    files = (File("a.txt", _sha(a), member="inner/a.txt"), File("b.txt", _sha(b), member="b.txt"))
    sources = {"toy": Source("toy", "toy", (Remote(url, files, unpack="zip", sha256=_sha(blob)),),
                             "", "", "")}  # fmt: skip
    got = data.download("toy", tmp_path, sources=sources)
    assert [f.path.read_bytes() for f in got] == [a, b]
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["a.txt", "b.txt"]
    # a member whose bytes differ: nothing of that archive is written
    bad = (File("a.txt", _sha(a), member="inner/a.txt"), File("b.txt", _sha(a), member="b.txt"))
    sources = {"toy": Source("toy", "fresh", (Remote(url, bad, unpack="zip"),), "", "", "")}
    with pytest.raises(data.DownloadError, match=r"sha256 mismatch for b\.txt"):
        data.download("toy", tmp_path, sources=sources)
    assert list((tmp_path / "fresh").iterdir()) == []
    # the archive's own hash is checked before unpacking
    wrong = {"toy": Source("toy", "again", (Remote(url, files, unpack="zip", sha256="0" * 64),),
                           "", "", "")}  # fmt: skip
    with pytest.raises(data.DownloadError, match=r"mismatch for the archive pack\.zip"):
        data.download("toy", tmp_path, sources=wrong)
    # a member the archive lacks is named
    missing = (File("c.txt", None, member="c.txt"),)
    absent = {"toy": Source("toy", "absent", (Remote(url, missing, unpack="zip"),), "", "", "")}
    with pytest.raises(data.DownloadError, match=r"no member 'c\.txt'.*inner/a\.txt"):
        data.download("toy", tmp_path, sources=absent, allow_unverified=True)


def test_gzip_is_decompressed_and_the_result_checked(server, tmp_path):
    text = b"a,b\n1,2\n"
    url = _serve(server, "x/t.csv.gz", gzip.compress(text))
    [f] = data.download("toy", tmp_path, sources=_one_file_registry(
        url, name="t.csv", sha256=_sha(text), unpack="gzip"))  # fmt: skip
    assert f.path.name == "t.csv" and f.path.read_bytes() == text
    url = _serve(server, "x/not.gz", b"plain text, not gzip")
    with pytest.raises(data.DownloadError, match="not a valid gzip archive"):
        data.download("toy", tmp_path / "b", sources=_one_file_registry(
            url, name="t.csv", sha256=_sha(text), unpack="gzip"))  # fmt: skip
    assert _leftovers(tmp_path / "b" / "toy") == []


def test_mirror_layout_and_file_urls(tmp_path):
    url = "https://raw.githubusercontent.com/a/b/0123/dir/c.csv"
    assert _download.mirrored(url, None) == url
    assert (_download.mirrored(url, "http://localhost:8000/m/")
            == "http://localhost:8000/m/raw.githubusercontent.com/a/b/0123/dir/c.csv")  # fmt: skip
    copy = tmp_path / "mirror" / "raw.githubusercontent.com" / "a/b/0123/dir/c.csv"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"x,y\n")
    sources = _one_file_registry(url, name="c.csv", sha256=_sha(b"x,y\n"))
    [f] = data.download("toy", tmp_path / "d", sources=sources, mirror=copy.parents[5].as_uri())
    assert f.path.read_bytes() == b"x,y\n"


def test_destination_from_the_argument_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    assert _download.destination() == (tmp_path / "env").resolve()
    assert _download.destination(tmp_path / "arg") == (tmp_path / "arg").resolve()
    monkeypatch.delenv(data.DATA_ENV)
    with pytest.raises(ValueError, match=r"--to DIR .*to=\.\.\..*LTC_REF_DATA"):
        _download.destination()


# ---------------------------------------------------------------- the registry


def test_registry_covers_every_dataset_with_its_folder_and_files():
    assert list(SOURCES) == list(data.DATASETS)
    needed = {
        "occupancy": occupancy.FILES,
        "gesture": gesture.FILES,
        "traffic": (traffic.FILE,),
        "ozone": (ozone.FILE,),
        "power": (power.FILE,),
        "person": (person.FILE,),
        "smnist": (smnist.FILE,),
        "digits": (digits.FILE,),
        "cheetah": tuple(f"trace_{k:04d}.npy" for k in range(cheetah.N_FILES)),
    }
    for name, source in SOURCES.items():
        assert source.name == name and source.folder == data.DATASETS[name].folder
        names = [f.name for f in source.files]
        assert len(names) == len(set(names)) and set(needed[name]) <= set(names), name
        for remote in source.remotes:
            assert remote.url.startswith("https://")
            for f in remote.files:
                assert f.sha256 is None or HEX64.fullmatch(f.sha256), (name, f)
            pinned = re.search(r"raw\.githubusercontent\.com/[^/]+/[^/]+/([^/]+)/", remote.url)
            if pinned:  # a commit (or, for scikit-learn, a release tag), never a branch
                assert re.fullmatch(r"[0-9a-f]{40}|\d+\.\d+\.\d+", pinned[1]), remote.url
    assert {n for n, s in SOURCES.items() if not s.verified} == {"power", "person"}


def _synthetic_mirror(tmp_path):
    """A mirror of every real URL serving synthetic files in the real formats, and the real
    registry with their hashes: ``(mirror root, registry)``."""
    files = tmp_path / "synthetic"
    rng = np.random.default_rng(3)
    for name, write in synthetic_data.WRITERS.items():
        write(files, rng, n_files=31) if name == "cheetah" else write(files, rng)
    (files / "gesture" / "data_description.txt").write_text("the columns\n")
    (files / "digits_sklearn" / "digits.rst").write_text("digits\n")
    mirror, registry = tmp_path / "mirror", {}
    for name, source in SOURCES.items():
        remotes = []
        for remote in source.remotes:
            parts = urllib.parse.urlsplit(remote.url)
            target = mirror / parts.netloc / parts.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            blobs = [(files / source.folder / f.name).read_bytes() for f in remote.files]
            if remote.unpack == "zip":
                with zipfile.ZipFile(target, "w") as z:
                    for f, blob in zip(remote.files, blobs, strict=True):
                        z.writestr(f.member, blob)
            elif remote.unpack == "gzip":
                target.write_bytes(gzip.compress(blobs[0]))
            else:
                target.write_bytes(blobs[0])
            new = tuple(dataclasses.replace(f, sha256=_sha(b), also=())
                        for f, b in zip(remote.files, blobs, strict=True))  # fmt: skip
            remotes.append(dataclasses.replace(remote, files=new, sha256=None))
        registry[name] = dataclasses.replace(source, remotes=tuple(remotes))
    return mirror, registry


def test_every_real_source_unpacks_to_the_layout_its_loader_reads(tmp_path):
    """The real registry's URLs (through a mirror), names, folders and zip members, on synthetic
    files: every dataset downloads and loads, both protocols."""
    mirror, registry = _synthetic_mirror(tmp_path)
    s = Server(mirror)
    try:
        for name in registry:
            data.download(name, tmp_path / "data", sources=registry, mirror=s.url)
        assert len(s.requests) == sum(len(src.remotes) for src in registry.values())
    finally:
        s.close()
    windowed = ("occupancy", "gesture", "traffic", "ozone", "power", "person", "cheetah")
    for name in registry:
        ds = data.load(name, tmp_path / "data", seq_len=SEQ_LEN if name in windowed else None)
        assert ds.train.n > 0 and ds.test.n > 0, name


def test_power_and_person_entries_unpack_where_the_loaders_read(tmp_path):
    """The two entries with no known hash, as they are in the real registry (unverified)."""
    mirror, _ = _synthetic_mirror(tmp_path)
    s = Server(mirror)
    try:
        for name in ("power", "person"):
            got = data.download(name, tmp_path / "data", mirror=s.url, allow_unverified=True)
            assert [f.status for f in got] == ["downloaded, unverified"]
            assert data.load(name, tmp_path / "data", seq_len=SEQ_LEN).train.n > 0
    finally:
        s.close()
    assert s.requests[0].endswith("/00235/household_power_consumption.zip")


def test_docs_list_every_known_hash_as_the_registry_does():
    page = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text()
    blocks = re.findall(r"```text\n(.*?)\n```", page, re.S)
    assert sources.sha256sums() in blocks
    lines = sources.sha256sums().splitlines()
    assert len(lines) == sum(f.sha256 is not None for s in SOURCES.values() for f in s.files)
    assert f"{sources.MNIST_KERAS_SHA256}  mnist/mnist.npz" in lines


# ---------------------------------------------------------------- the command


def test_cli_downloads_and_says_where(server, tmp_path, capsys, monkeypatch):
    blob = b"payload\n"
    url = _serve(server, "x/a.txt", blob)
    sources = _one_file_registry(url, sha256=_sha(blob))
    monkeypatch.setattr(data_main, "SOURCES", sources)
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    assert cli.main(["data", "download", "toy", "--to", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert f"downloading {url}" in out and f"sha256 {_sha(blob)} verified" in out
    assert f"--data-dir {(tmp_path / 'd').resolve()}" in out
    assert cli.main(["data", "download", "all", "--to", str(tmp_path / "d")]) == 0
    assert "already there, sha256 verified; not downloaded" in capsys.readouterr().out


def test_cli_errors_exit_codes_and_one_format(server, tmp_path, capsys, monkeypatch):
    url = _serve(server, "x/a.txt", b"changed")
    monkeypatch.setattr(data_main, "SOURCES", _one_file_registry(url, sha256="0" * 64))
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    assert data_main.main(["download", "toy", "--to", str(tmp_path)]) == 1  # the download failed
    err = capsys.readouterr().err
    assert err.startswith("ltc-ref data download: sha256 mismatch for a.txt") and "0" * 64 in err
    assert data_main.main(["download", "toy"]) == 2  # no destination: a usage error
    assert "ltc-ref data download: no destination: pass --to DIR" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("")
    assert data_main.main(["download", "toy", "--to", str(tmp_path / "a-file")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ltc-ref data download: --to (to): ") and "a-file" in err
    monkeypatch.setattr(data_main, "SOURCES", _one_file_registry(url, sha256=None))
    assert data_main.main(["download", "toy", "--to", str(tmp_path)]) == 2
    assert "--allow-unverified" in capsys.readouterr().err
    assert data_main.main(["download", "all", "--to", str(tmp_path)]) == 0
    assert "skipped toy: no sha256 known" in capsys.readouterr().out
    for argv in (["download"], ["download", "nosuch", "--to", "x"], ["download", "toy",
                 "--timeout", "0"], ["--data-dir", str(tmp_path), "download"]):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            data_main.main(argv)
        assert exit_.value.code == 2


def test_cli_list_and_help_name_every_dataset(capsys):
    assert cli.main(["data", "download", "--list"]) == 0
    table = capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["data", "download", "--help"])
    helptext = capsys.readouterr().out
    assert helptext.startswith("usage: ltc-ref data download")
    for name, source in SOURCES.items():
        assert re.search(rf"^{name} +{source.folder}/ ", table, re.M), name
        assert re.search(rf"^  {name} ", helptext, re.M), name
    assert "no sha256 known" in table and "docs/data.md" in helptext


def test_missing_data_errors_name_the_option_the_argument_and_the_download(tmp_path, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    with pytest.raises(data.DataNotFoundError) as err:
        data.data_dir()
    for words in ("--data-dir", "data_dir=", "LTC_REF_DATA", "ltc-ref data download"):
        assert words in str(err.value)
    with pytest.raises(data.DataNotFoundError, match=r"--data-dir / data_dir.*ltc-ref data downl"):
        data.data_dir(tmp_path / "nowhere")
    for name in data.DATASETS:
        with pytest.raises(data.DataNotFoundError) as err:
            data.load(name, tmp_path)
        assert f"ltc-ref data download {name} --to {tmp_path}" in str(err.value)


def test_data_and_train_print_a_missing_directory_the_same_way(tmp_path, capsys, monkeypatch):
    from ltc_ref.training.cli import main as train

    monkeypatch.delenv(data.DATA_ENV, raising=False)
    assert data_main.main(["occupancy", "--data-dir", str(tmp_path / "none")]) == 2
    from_data = capsys.readouterr().err
    assert train(["occupancy", "--data-dir", str(tmp_path / "none")]) == 2
    from_train = capsys.readouterr().err
    assert (
        from_data.startswith("ltc-ref data: data directory")
        and "ltc-ref data download" in from_data
    )
    assert from_train.replace("ltc-ref train:", "ltc-ref data:", 1) == from_data
    assert data_main.main(["occupancy"]) == 2
    assert train(["occupancy"]) == 2
    both = capsys.readouterr().err.splitlines()
    assert both[0].startswith("ltc-ref data: no data directory: pass --data-dir DIR")
    assert both[1] == both[0].replace("ltc-ref data:", "ltc-ref train:", 1)


@pytest.mark.realdata
def test_real_registry_matches_the_shared_data(tmp_path):
    """Every file the real registry knows a hash of, served from ``LTC_REF_DATA`` through the
    mirror layout: each one downloads, verifies, and the datasets load. mnist.npz is the
    project's rebuild (another hash than keras's download): accepted as already present."""
    root = os.environ.get(data.DATA_ENV)
    if not root or not Path(root).is_dir():
        pytest.skip("LTC_REF_DATA is not set to a data directory (CI: ../shared/data)")
    mirror, dest, names = tmp_path / "mirror", tmp_path / "data", []
    for name, source in SOURCES.items():
        if not source.verified or name == "smnist":
            continue
        if not all((Path(root) / source.folder / f.name).is_file() for f in source.files):
            continue
        names.append(name)
        for remote in source.remotes:
            parts = urllib.parse.urlsplit(remote.url)
            target = mirror / parts.netloc / parts.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(Path(root) / source.folder / remote.files[0].name)
    if not names:
        pytest.skip(f"no dataset of the registry under {root}")
    s = Server(mirror)
    try:
        for name in names:
            got = data.download(name, dest, mirror=s.url)
            assert {f.status for f in got} == {"downloaded"}, name
    finally:
        s.close()
    for name in names:
        assert data.load(name, dest, protocol="paper").train.n > 0
    mnist = Path(root) / "mnist" / "mnist.npz"
    if mnist.is_file():
        (dest / "mnist").mkdir()
        (dest / "mnist" / "mnist.npz").symlink_to(mnist)
        [f] = data.download("smnist", dest)  # no network needed: present and accepted
        assert f.status == "present"
