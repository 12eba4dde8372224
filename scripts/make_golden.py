"""Regenerate or check the golden vectors of ltc-ref (``ltc_ref/testing/golden/``).

    python scripts/make_golden.py --regenerate   # write the .npz files and manifest.json
    python scripts/make_golden.py --check        # regenerate into a temporary directory and
                                                 # compare bytes (exit 1 if any file differs)
    python scripts/make_golden.py --list         # what each case covers

The cases are defined in ``ltc_ref.testing.golden.SPECS`` with fixed seeds; float64 throughout.
"""

from __future__ import annotations

import sys

from ltc_ref.testing.golden import main

if __name__ == "__main__":
    sys.exit(main())
