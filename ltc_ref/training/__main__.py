"""``python -m ltc_ref.training DATASET ...`` is ``ltc-ref train DATASET ...``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
