"""The paper's datasets, loaded with the authors' protocols and their known defects fixed.

```python
from ltc_ref import data

ds = data.load("occupancy", "../shared/data")            # or set LTC_REF_DATA
ds.train.x.shape, ds.train.y.shape                        # (n, T, C), (n, T)
ds = data.load("traffic", protocol="blocked")             # leak-free split by blocks of time
```

* `load` — one dataset as a `Dataset` (train/valid/test `Split` s plus the protocol's metadata).
* `DATASETS` — the registry: name -> `DatasetSpec` (folder, expected layout, loader).
* `data_dir` — where the data are: the argument, else ``$LTC_REF_DATA``.
* `download` — fetch a dataset from its public source into that layout, each file checked
  against its SHA-256; `SOURCES` (`ltc_ref.data.sources`) — the URLs, hashes and layouts.
* `ltc_ref.data.windowing` — windows, splits and normalisation, the pieces of every loader.

One module per dataset (`occupancy`, `gesture`, `traffic`, `ozone`, `power`, `person`,
`smnist`, `cheetah`, and `digits`, a small stand-in for sequential MNIST) documents its protocol
and the fixes. ``ltc-ref data`` (or ``python -m ltc_ref.data``) prints a summary table of every
dataset found; ``ltc-ref data download NAME --to DIR`` downloads one.
"""

from __future__ import annotations

from ._assemble import make_dataset
from ._base import (
    DATA_ENV,
    PROTOCOLS,
    DataFormatError,
    DataNotFoundError,
    Dataset,
    DatasetSpec,
    Split,
    data_dir,
)
from ._download import DownloadError, download
from .registry import DATASETS, load
from .sources import SOURCES
from .windowing import (
    PAPER_FRACTIONS,
    Recording,
    ZScore,
    block_bounds,
    fit_zscore,
    random_split,
    split_recordings,
    window_starts,
    windows,
)

__all__ = [
    "DATASETS",
    "DATA_ENV",
    "PAPER_FRACTIONS",
    "PROTOCOLS",
    "SOURCES",
    "DataFormatError",
    "DataNotFoundError",
    "Dataset",
    "DatasetSpec",
    "DownloadError",
    "Recording",
    "Split",
    "ZScore",
    "block_bounds",
    "data_dir",
    "download",
    "fit_zscore",
    "load",
    "make_dataset",
    "random_split",
    "split_recordings",
    "window_starts",
    "windows",
]
