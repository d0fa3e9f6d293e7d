"""`python -m recipes.mpb3_smt` from a checkout.

The recipe lives in `tfdefect.recipes.mpb3_smt`
(installed: `tfdefect recipe mpb3_smt`).
"""

import sys

from tfdefect.recipes.mpb3_smt import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
