"""`python -m recipes.segment_chips` from a checkout.

The recipe lives in `tfdefect.recipes.segment_chips`
(installed: `tfdefect recipe segment_chips`).
"""

import sys

from tfdefect.recipes.segment_chips import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
