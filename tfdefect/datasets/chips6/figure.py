"""Save the docs figure: one synthetic chip, six channels, mask overlaid.

python -m tfdefect.datasets.chips6.figure docs/chips6_example.png
"""

import sys

import numpy as np

from tfdefect.datasets.chips6.names import CHANNEL_NAMES, CLASS_NAMES
from tfdefect.datasets.chips6.synthetic import render_chip
from tfdefect.viz import plot_chip_channels


def main(path="docs/chips6_example.png"):
    for seed in range(200):  # the first chip that shows all three defect classes
        chip = render_chip(np.random.default_rng([0, 0, seed]))
        if set(chip.labels.tolist()) == {1, 2, 3}:
            break
    print(
        plot_chip_channels(chip.image, chip.semantic_mask, CHANNEL_NAMES, CLASS_NAMES, path),
        f"(train chip {seed})",
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
