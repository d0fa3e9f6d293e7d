"""Figures for segmentation work: channels with masks, predictions vs truth, curves."""

from __future__ import annotations

import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

# background transparent, bump red, dent blue, dot yellow
CLASS_COLORS = [(0, 0, 0, 0), (0.9, 0.1, 0.1, 0.6), (0.1, 0.4, 1.0, 0.6), (1.0, 0.85, 0.0, 0.7)]
_MASK_CMAP = ListedColormap(CLASS_COLORS)


def _save(figure, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_chip_channels(image, mask, channel_names, class_names, path):
    """One chip: each channel (H, W, C) in grey with the class mask (H, W) overlaid."""
    channels = image.shape[-1]
    figure, axes = plt.subplots(1, channels + 1, figsize=(2.6 * (channels + 1), 2.9))
    for c in range(channels):
        axes[c].imshow(image[..., c], cmap="gray", vmin=0, vmax=255)
        axes[c].imshow(
            mask, cmap=_MASK_CMAP, vmin=0, vmax=len(CLASS_COLORS) - 1, interpolation="nearest"
        )
        axes[c].set_title(channel_names[c])
    axes[-1].imshow(
        mask, cmap=_MASK_CMAP, vmin=0, vmax=len(CLASS_COLORS) - 1, interpolation="nearest"
    )
    axes[-1].set_facecolor("black")
    present = [class_names[k] for k in np.unique(mask) if k > 0]
    axes[-1].set_title("mask: " + (", ".join(present) or "no defect"))
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    return _save(figure, path)


def plot_segmentation_predictions(
    images, true_masks, predicted_masks, channel_names, class_names, path, max_rows: int = 6
):
    """Rows of chips: every channel, then ground truth and prediction class maps."""
    rows = min(len(images), max_rows)
    channels = images.shape[-1]
    columns = channels + 2
    figure, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.3 * rows), squeeze=False)
    for r in range(rows):
        for c in range(channels):
            axes[r, c].imshow(images[r, ..., c], cmap="gray", vmin=0, vmax=255)
            if r == 0:
                axes[r, c].set_title(channel_names[c])
        for offset, (mask, title) in enumerate(
            ((true_masks[r], "truth"), (predicted_masks[r], "prediction"))
        ):
            axis = axes[r, channels + offset]
            axis.imshow(images[r, ..., min(1, channels - 1)], cmap="gray", vmin=0, vmax=255)
            axis.imshow(
                mask, cmap=_MASK_CMAP, vmin=0, vmax=len(CLASS_COLORS) - 1, interpolation="nearest"
            )
            if r == 0:
                axis.set_title(title)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=CLASS_COLORS[k]) for k in range(1, len(class_names))
    ]
    figure.legend(handles, class_names[1:], loc="lower center", ncol=len(class_names) - 1)
    return _save(figure, path)


def plot_training_curves(history_csv: str, path: str, keys=None):
    """Train and validation curves per epoch from a Keras CSVLogger file: ``keys`` (default:
    every logged training metric that is not a validation one)."""
    with open(history_csv) as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"{history_csv}: no epochs logged")
    epochs = [int(row["epoch"]) + 1 for row in rows]
    if keys is None:
        keys = [k for k in rows[0] if k not in ("epoch",) and not k.startswith("val_")]
    figure, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 3), squeeze=False)
    for axis, key in zip(axes[0], keys, strict=True):
        axis.plot(epochs, [float(r[key]) for r in rows], label="train")
        if f"val_{key}" in rows[0]:
            axis.plot(epochs, [float(r[f"val_{key}"]) for r in rows], label="validation")
        axis.set_title(key)
        axis.set_xlabel("epoch")
        axis.legend()
    return _save(figure, path)
