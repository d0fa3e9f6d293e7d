"""`python -m recipes.casting_zoo` from a checkout.

The recipe lives in `tfdefect.recipes.casting_zoo`
(installed: `tfdefect recipe casting_zoo`).
"""

import sys

from tfdefect.recipes.casting_zoo import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
