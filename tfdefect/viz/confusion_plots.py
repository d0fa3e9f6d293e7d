"""Confusion-matrix figures for any classifier of the library."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402


def plot_confusion_matrix(matrix, class_names, title: str, path: str) -> str:
    """Counts (rows truth, columns prediction) with each row's recall as colour, so rare
    classes are as visible as common ones. Returns ``path``."""
    matrix = np.asarray(matrix)
    if matrix.shape != (len(class_names), len(class_names)):
        raise ValueError(f"matrix {matrix.shape} does not match {len(class_names)} class names")
    row_share = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    size = 1.2 + 0.55 * len(class_names)
    figure, axis = plt.subplots(figsize=(size + 1.5, size))
    display = ConfusionMatrixDisplay(row_share, display_labels=list(class_names))
    display.plot(ax=axis, cmap="Blues", colorbar=True, values_format=".2f", xticks_rotation=45)
    for (r, c), text in np.ndenumerate(display.text_):
        text.set_text(f"{matrix[r, c]}" if matrix[r, c] else "")
        text.set_fontsize(7)
    display.im_.set_clim(0, 1)
    axis.set_title(f"{title} (colour: share of the true class)", fontsize=9)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path
