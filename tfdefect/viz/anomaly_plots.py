"""Figures for anomaly detection: ROC and PR curves, heatmap overlays."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from tfdefect.evaluation.anomaly import roc_points  # noqa: E402


def _save(figure, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_roc_curves(curves: dict, path: str) -> str:
    """ROC curves: ``curves`` maps a label ("image", "pixel") to (truth, scores, auc)."""
    figure, axis = plt.subplots(figsize=(4.5, 4.2))
    for label, (truth, scores, auc) in curves.items():
        fpr, tpr = roc_points(truth, scores)
        axis.plot(fpr, tpr, label=f"{label} ROC-AUC {auc:.3f}")
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    axis.set_xlabel("false-positive rate")
    axis.set_ylabel("true-positive rate")
    axis.legend(loc="lower right")
    return _save(figure, path)


def plot_precision_recall(truth, scores, threshold: float, title: str, path: str) -> str:
    """Precision-recall curve with the chosen threshold marked."""
    precision, recall, thresholds = precision_recall_curve(
        (np.asarray(truth) > 0).ravel(), np.asarray(scores, np.float32).ravel()
    )
    figure, axis = plt.subplots(figsize=(4.5, 4.2))
    axis.plot(recall, precision)
    index = min(int(np.searchsorted(thresholds, threshold)), len(thresholds) - 1)
    axis.scatter([recall[index]], [precision[index]], color="red", zorder=3)
    axis.annotate(f"threshold {threshold:.3g}", (recall[index], precision[index]))
    axis.set_xlabel("recall")
    axis.set_ylabel("precision")
    axis.set_title(title)
    return _save(figure, path)


def plot_heatmaps(images, masks, maps, threshold, titles, path, max_rows: int = 8) -> str:
    """Rows of: image with the ground-truth outline, anomaly heatmap over the image, and the
    predicted mask (map >= threshold). images (N, H, W, 3) uint8, masks / maps (N, H, W)."""
    rows = min(len(images), max_rows)
    figure, axes = plt.subplots(rows, 3, figsize=(9, 3 * rows), squeeze=False)
    high = float(np.max(maps[:rows]))
    for r in range(rows):
        axes[r, 0].imshow(images[r])
        if masks[r].any():
            axes[r, 0].contour(masks[r] > 0, levels=[0.5], colors="red", linewidths=1)
        axes[r, 0].set_title(titles[r], fontsize=8)
        axes[r, 1].imshow(images[r])
        axes[r, 1].imshow(maps[r], cmap="jet", alpha=0.5, vmin=0, vmax=high)
        axes[r, 1].set_title(f"score {maps[r].max():.2f}", fontsize=8)
        axes[r, 2].imshow(images[r])
        predicted = maps[r] >= threshold
        if predicted.any():
            axes[r, 2].contour(predicted, levels=[0.5], colors="yellow", linewidths=1)
        if masks[r].any():
            axes[r, 2].contour(masks[r] > 0, levels=[0.5], colors="red", linewidths=1)
        axes[r, 2].set_title("predicted (yellow) vs truth (red)", fontsize=8)
        for axis in axes[r]:
            axis.set_xticks([])
            axis.set_yticks([])
    return _save(figure, path)
