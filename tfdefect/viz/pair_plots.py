"""Figures for pair classification: reference | test crops with prediction and truth."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_pairs(references, tests, titles, path, columns: int = 4) -> str:
    """Grid of pairs: the ok reference (left) beside the test sample (right), one title each."""
    count = len(references)
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(
        rows, 2 * columns, figsize=(3.2 * columns, 1.9 * rows), squeeze=False
    )
    for axis in axes.ravel():
        axis.axis("off")
    for i in range(count):
        r, c = divmod(i, columns)
        axes[r, 2 * c].imshow(references[i])
        axes[r, 2 * c + 1].imshow(tests[i])
        axes[r, 2 * c].set_title(titles[i], fontsize=7, loc="left")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path
