"""Where each dataset can be downloaded from: the registry of ``ltc-ref data download``.

`SOURCES` maps every name of `ltc_ref.data.DATASETS` to a `Source`: the URL of each file, the
SHA-256 of each file the loader reads, how a download unpacks (a plain file, a ``.gz`` that is
decompressed, a ``.zip`` whose named members are extracted) and the folder it unpacks to — the
same ``<data dir>/<folder>/<file>`` layout the loaders read under ``LTC_REF_DATA``.

What the hashes are (``docs/data.md`` says the same, dataset by dataset):

* **Pinned copies** (occupancy, gesture, traffic, ozone, cheetah, digits): each URL names a git
  commit (or, for scikit-learn, a release tag) of a public repository, and each SHA-256 is that
  of the project's own copy of the file, taken from that commit (``shared/data/*/PROVENANCE.md``).
  They have **not** been checked against a real download from the machines this package was
  written on, which have no internet access; a download whose bytes differ is refused, naming
  the file, the expected and the actual hash.
* **smnist**: keras's ``mnist.npz``, with the SHA-256 keras itself checks it against
  (``keras.datasets.mnist.load_data``). The project's own copy is a rebuild in the same layout
  (another hash, `File.also`), so this one too is unchecked against the download here.
* **power and person**: the UCI files the authors' ``download_datasets.sh`` fetches. The project
  has never had a copy, so no hash is known: ``ltc-ref data download`` refuses them unless
  ``--allow-unverified`` is given, and then prints the hashes it computed.

This module is a table only; `ltc_ref.data.download` (in `ltc_ref.data._download`) does the work.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How a download becomes the files of a dataset folder.
UNPACK = ("none", "gzip", "zip")


@dataclass(frozen=True)
class File:
    """One file of a dataset folder, as the loader reads it.

    Attributes:
        name: the file's name in the dataset folder.
        sha256: the SHA-256 (hex) of the file, or ``None`` where none is known.
        size: its size in bytes, where known (for the listing).
        member: for a ``zip`` download, the archive member it is extracted from.
        also: other SHA-256 accepted for a copy that is *already present* (a documented copy of
            the same data in the same layout); a download must match `sha256`.
    """

    name: str
    sha256: str | None
    size: int | None = None
    member: str | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Remote:
    """One URL to download and the files it gives.

    Attributes:
        url: where to download it from.
        files: the files it gives: exactly one for ``unpack`` ``"none"`` (the download is the
            file) and ``"gzip"`` (the download decompressed), one per extracted member for
            ``"zip"``.
        unpack: ``"none"``, ``"gzip"`` or ``"zip"``.
        sha256: for ``"gzip"`` and ``"zip"``, the SHA-256 of the archive itself where known
            (checked before unpacking); each file's own hash is checked after.
        size: the size of the download in bytes, where known.
    """

    url: str
    files: tuple[File, ...]
    unpack: str = "none"
    sha256: str | None = None
    size: int | None = None

    def __post_init__(self):
        if self.unpack not in UNPACK:
            raise ValueError(f"Remote.unpack: expected one of {UNPACK}, got {self.unpack!r}")
        if self.unpack != "zip" and len(self.files) != 1:
            raise ValueError(f"Remote {self.url}: unpack {self.unpack!r} gives exactly one file")
        if self.unpack == "zip" and any(f.member is None for f in self.files):
            raise ValueError(f"Remote {self.url}: every file of a zip needs its member")

    @property
    def verified(self) -> bool:
        """Whether every file it gives has a known SHA-256."""
        return all(f.sha256 is not None for f in self.files)


@dataclass(frozen=True)
class Source:
    """Where one dataset comes from.

    Attributes:
        name: the dataset's name (a key of `ltc_ref.data.DATASETS`).
        folder: its folder under the data directory (`ltc_ref.data.DatasetSpec.folder`).
        remotes: the downloads.
        origin: where the files come from, one line.
        licence: the data's licence.
        checked: what the SHA-256 values were checked against, one line.
    """

    name: str
    folder: str
    remotes: tuple[Remote, ...]
    origin: str
    licence: str
    checked: str

    @property
    def verified(self) -> bool:
        """Whether every file has a known SHA-256 (else ``--allow-unverified`` is needed)."""
        return all(r.verified for r in self.remotes)

    @property
    def files(self) -> tuple[File, ...]:
        """Every file the downloads give, in order."""
        return tuple(f for r in self.remotes for f in r.files)

    @property
    def size(self) -> int | None:
        """The bytes to download, or ``None`` if a size is unknown."""
        sizes = [r.size if r.size is not None else r.files[0].size for r in self.remotes]
        return None if None in sizes else sum(sizes)


def _github(repo: str, commit: str, path: str, sha256: str, size: int) -> Remote:
    """A file of a public GitHub repository at a pinned commit (or tag), served raw."""
    name = path.rpartition("/")[2]
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    return Remote(url, (File(name, sha256, size),))


_SHARED = "the project's own copy, taken from that commit"
_UNCHECKED = "; not yet checked against a real download (written offline)"

_OCCUPANCY = ("jaynoel/Occupancy-detection-data", "ba2b1d7b53a71292ff61b867d3e16f0e539c7eb6")
_GESTURE = ("Fmelle/Gesture-Phase-Segmentation", "8207046c2b683b9727af505a2b2d6a633fb6b107")
_TRAFFIC = (
    "CodyTheCoderPrice/Finding-Heavy-Traffic-Indicators-on-I94",
    "71a5b54c34abb30e8e72fa0032d3898e3996e5f3",
)
_OZONE = ("totoff/ML_snippets", "fd5fb235d2347915c8e8a04f951ebcb2de462256")
_CHEETAH = ("raminmh/liquid_time_constant_networks", "4a8a4fa22a91c4067b6944a264819ff30a4aae9d")
_CHEETAH_PATH = "experiments_with_ltcs/data/cheetah"
_SKLEARN = ("scikit-learn/scikit-learn", "1.9.1")

#: sha256 of trace_0000.npy ... trace_0030.npy (136,128 bytes each).
_CHEETAH_SHA256 = (
    "c043e141c6dd99e9b41ac7a9d4bc741b0991cff6a769954517e9c204ce3c7ccc",
    "f231fe66284b535c745f9f44a595aac2f740b988171d3db3201597e821c6c5d3",
    "7ff8a0c8974247187717417f6a163023b739c3a22a374894becff1723ce67f68",
    "28109a8f9eae1ec0246aca4f5bfa10ebf21e9f86e62e448b9f8b66f345091680",
    "b478f21d00868db66d6aef8a14ed69f6214120870cc1491dec85a3f74aeb46eb",
    "45e6288f3d5ba610b98aea300c117b032c6585144eb55e7f7fb67178d71eb4d6",
    "ab93f0d3b9e0c5f1a7886a089e76d5ff99f955ad0671f23d98351d05fecf4913",
    "e29bc1ffee113f760b3efd33831dea0485626e2deddc1ee7a81baf30344aeaaa",
    "c7028a2301720e65a31f608d362c03f811aca977ebb0f3ee0d6985bc4f6f1c2c",
    "937afdd66e3c6487a48b1d04c2f2120ba24be563296f5bfaa8bef741083c7b7c",
    "625dbb7c7f8451816799b3dcd47d20ace4a82019e52d467e7a985422551be890",
    "d230f2c43a84462fda2f5af28480f7a2b7945f032731587fca896229dc3b02dc",
    "feef3754c2c547fdd7cfd697323eea81b212c854bfd3029f04048e277b9399c1",
    "53e9e0d128f9e21def2ee015bc41c40184b22df5928d05f5a978687d3696c76d",
    "f022f778ad332f8c6986709ca27dd18823130bb3a7f71f646c8a5ccdc483acda",
    "bcb9e34a17317e31f22ef71d82aa180c282ab08b81a21bfcfefb827dabbd8ee8",
    "7d22f86d205728c7c106d43c97cfc4038621700bc88bf4081855e1c01b2c9229",
    "403d52608b364089a4c8d48cc89758eacdb89b572ef6ca0c0829a4cf40fb063c",
    "6d8322ec8351fb68ec11e4173ed23c4c247c23faa4e66be6cfa3dbeec0717e5a",
    "7354afb2041a1af8117f0c2dca36f57cd489d6bb77f939bc81d134409836b358",
    "9d22d9138c0fd51eaa8271e484ce0a5b3c3f8ef592f5c91cf55933af4091e4d2",
    "363b31828ed262556cb987dc7ad470c8c039e6ca492a92e9139d4ab5422924d1",
    "27f624129fdeca0c4fa40499cb48ba5321d2bfd9b4effd0de189124de9fb7a5f",
    "680f5675eed8d8cc62ca9fcba2fe0f23a2acbad51019b7bb0d3954dc6e607e9b",
    "ae98a98829f61ec23260818743e7f659601641c459a4a797a8df86e235ec4b85",
    "a2488d0aaf847990f1a90f302803891b51dc5ba40e28e94f044ca11e428292ae",
    "bc9acb935a821810ecef4050b6d1e9e7bdb992601b70393492efa9c471e26c0c",
    "573e85ef1bda7c22583f362de712e62a33e8f9be319bf1bf4d754d822edfe701",
    "a20bdc1de0904a0522128db016d592f2ef95559ae9b6623e1496cb590bd552e0",
    "49f13631038f37b52e1fd929ecf430d02a6f140a32b43bec764855db41780c78",
    "f5b868f5886f5014fc2f4060fcce9694c0e30b03fc9e402ae6da3805da9d6a65",
)

#: The gesture files: name -> (sha256, bytes).
_GESTURE_FILES = {
    "a1_va3.csv": ("54e174983592f10a739e15a39cb433559a4313bbb090404d90e057b6ad14c4d0", 637733),
    "a2_va3.csv": ("a067eac95288fdf569e3e8a4a3264431483e1c761974b17397004ca6b4bcd366", 460877),
    "a3_va3.csv": ("8c654d8aa8c3827a8cd70cffbb03c121eef7a63f733c44612320db286e7a76f1", 670330),
    "b1_va3.csv": ("1e368713eafe49fcad7066ca7bb656146ec4fab07f5321fb28c18d67d5f990ee", 391295),
    "b3_va3.csv": ("1015ae81042cd97729367aea8fb370eb6a93669959a5065863309de20e89ba5c", 519619),
    "c1_va3.csv": ("4bd3d53f36e2ade19844b31a143b93b1c9410aad5eead3f7dcb37b0b84fb64db", 405235),
    "c3_va3.csv": ("e9bf6faa2271bb28c6008564ebe331ee86d963d7f468ffea979da39389d970a2", 528623),
    "data_description.txt": (
        "18144c833eef6d27e711fc230fd7d7cb74758000c070298fef509e3d0b056f91",
        9218,
    ),
}

#: keras's mnist.npz (``keras.datasets.mnist.load_data``'s origin and file_hash).
MNIST_KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
#: The project's rebuild of mnist.npz in the keras layout (shared/data/mnist/PROVENANCE.md).
MNIST_REBUILD_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"

_UCI_OLD = "https://archive.ics.uci.edu/ml/machine-learning-databases"

#: name -> `Source`, one per dataset of `ltc_ref.data.DATASETS`, in its order.
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "gesture",
            "gesture",
            tuple(
                _github(*_GESTURE, f"data_unprocessed/{name}", sha, size)
                for name, (sha, size) in _GESTURE_FILES.items()
            ),
            origin=f"UCI Gesture Phase Segmentation, as committed in github {_GESTURE[0]} "
            f"@ {_GESTURE[1][:10]} (data_unprocessed/)",
            licence="CC BY 4.0 (UCI)",
            checked=_SHARED + _UNCHECKED,
        ),
        Source(
            "occupancy",
            "occupancy",
            (
                _github(
                    *_OCCUPANCY,
                    "datatraining.txt",
                    "b2c4d0ce2b9e4e453c476f7125ef31aeec2d1f5c7f5572d0e80de3df6521ab56",
                    596674,
                ),
                _github(
                    *_OCCUPANCY,
                    "datatest.txt",
                    "1b92c7c1b2838963464fa891a610cf3c5db4becb7189189b29b330107a584c7f",
                    200766,
                ),
                _github(
                    *_OCCUPANCY,
                    "datatest2.txt",
                    "d026d1bd5aeccd4aff4f3b3710d48e40613bd5fc370db7e61bbdcaa50d985095",
                    699664,
                ),
            ),
            origin=f"UCI Occupancy Detection, the dataset author's commit in github "
            f"{_OCCUPANCY[0]} @ {_OCCUPANCY[1][:10]}",
            licence="CC BY 4.0 (UCI)",
            checked=_SHARED + _UNCHECKED,
        ),
        Source(
            "person",
            "person",
            (
                Remote(
                    f"{_UCI_OLD}/00196/ConfLongDemo_JSI.txt", (File("ConfLongDemo_JSI.txt", None),)
                ),
            ),
            origin="UCI Localization Data for Person Activity (the URL of the authors' "
            "download_datasets.sh)",
            licence="CC BY 4.0 (UCI)",
            checked="the project has never had a copy to hash",
        ),
        Source(
            "smnist",
            "mnist",
            (
                Remote(
                    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
                    (
                        File(
                            "mnist.npz", MNIST_KERAS_SHA256, 11490434, also=(MNIST_REBUILD_SHA256,)
                        ),
                    ),
                ),
            ),
            origin="MNIST in the keras layout (the file keras.datasets.mnist.load_data fetches)",
            licence="CC BY-SA 3.0",
            checked="keras's own file_hash for this URL" + _UNCHECKED + "; a copy already "
            "present may also be the project's rebuild (same layout, another hash)",
        ),
        Source(
            "traffic",
            "traffic",
            (
                _github(
                    *_TRAFFIC,
                    "Metro_Interstate_Traffic_Volume.csv",
                    "3ec6b8844c4e5e20904855c81079a30e4342da20b7010e78606a244e539f29f6",
                    3188251,
                ),
            ),
            origin=f"UCI Metro Interstate Traffic Volume, as committed in github {_TRAFFIC[0]} "
            f"@ {_TRAFFIC[1][:10]}",
            licence="CC BY 4.0 (UCI)",
            checked=_SHARED + _UNCHECKED,
        ),
        Source(
            "power",
            "power",
            (
                Remote(
                    f"{_UCI_OLD}/00235/household_power_consumption.zip",
                    (
                        File(
                            "household_power_consumption.txt",
                            None,
                            member="household_power_consumption.txt",
                        ),
                    ),
                    unpack="zip",
                ),
            ),
            origin="UCI Individual Household Electric Power Consumption (the URL of the "
            "authors' download_datasets.sh; a zip of household_power_consumption.txt)",
            licence="CC BY 4.0 (UCI)",
            checked="the project has never had a copy to hash",
        ),
        Source(
            "ozone",
            "ozone",
            (
                _github(
                    *_OZONE,
                    "eighthr.data",
                    "0c10d1e216db3249c565e3ed5474302032067f6df0ea6fd49e6f06ec061f83a9",
                    818328,
                ),
            ),
            origin=f"UCI Ozone Level Detection (eight-hour peak), as committed in github "
            f"{_OZONE[0]} @ {_OZONE[1][:10]}",
            licence="CC BY 4.0 (UCI)",
            checked=_SHARED + _UNCHECKED,
        ),
        Source(
            "cheetah",
            "cheetah",
            tuple(
                _github(*_CHEETAH, f"{_CHEETAH_PATH}/trace_{k:04d}.npy", sha, 136128)
                for k, sha in enumerate(_CHEETAH_SHA256)
            ),
            origin=f"the LTC authors' Half-Cheetah traces, github {_CHEETAH[0]} @ "
            f"{_CHEETAH[1][:10]} (experiments_with_ltcs/data/cheetah/)",
            licence="Apache-2.0",
            checked=_SHARED + _UNCHECKED,
        ),
        Source(
            "digits",
            "digits_sklearn",
            (
                _github(
                    *_SKLEARN,
                    "sklearn/datasets/data/digits.csv.gz",
                    "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
                    57523,
                ),
                _github(
                    *_SKLEARN,
                    "sklearn/datasets/descr/digits.rst",
                    "8e7e58d612958f7d9b0de1931ed68b211703eeb239e808f3d82c5f0837cc0222",
                    2007,
                ),
            ),
            origin="scikit-learn's bundled 8x8 digits, github scikit-learn/scikit-learn "
            "@ tag 1.9.1",
            licence="BSD-3-Clause (scikit-learn); data CC BY 4.0 (UCI)",
            checked="the project's copy, from the scikit-learn 1.9.1 wheel" + _UNCHECKED,
        ),
    )
}


def sha256sums(sources: dict[str, Source] | None = None) -> str:
    """Every known SHA-256 in ``sha256sum``'s format, ``<hash>  <folder>/<file>`` one a line:
    run ``sha256sum -c`` on it in a data directory to check the files there.

    Arguments:
        sources: the registry (default `SOURCES`).

    Returns:
        The lines, joined (files with no known hash are left out).
    """
    sources = SOURCES if sources is None else sources
    return "\n".join(
        f"{f.sha256}  {s.folder}/{f.name}"
        for s in sources.values()
        for f in s.files
        if f.sha256 is not None
    )


__all__ = ["MNIST_KERAS_SHA256", "SOURCES", "UNPACK", "File", "Remote", "Source", "sha256sums"]
