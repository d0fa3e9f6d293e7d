"""`python -m recipes.padim_pcb` from a checkout.

The recipe lives in `tfdefect.recipes.padim_pcb`
(installed: `tfdefect recipe padim_pcb`).
"""

import sys

from tfdefect.recipes.padim_pcb import cli

if __name__ == "__main__":
    cli(sys.argv[1:])
