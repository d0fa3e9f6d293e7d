"""`python -m recipes.mask_rcnn_chips` from a checkout.

The recipe lives in `tfdefect.recipes.mask_rcnn_chips`
(installed: `tfdefect recipe mask_rcnn_chips`).
"""

import sys

from tfdefect.recipes.mask_rcnn_chips import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
