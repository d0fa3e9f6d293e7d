"""`python -m recipes.wafer_mobilenet` from a checkout.

The recipe lives in `tfdefect.recipes.wafer_mobilenet`
(installed: `tfdefect recipe wafer_mobilenet`).
"""

import sys

from tfdefect.recipes.wafer_mobilenet import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
