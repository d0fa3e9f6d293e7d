"""Anomaly-detection metrics: image and pixel ROC-AUC, PRO / AUPRO, F1-optimal threshold.

ROC-AUC and the precision-recall curve come from scikit-learn. The per-region overlap
(PRO, Bergmann et al., MVTec AD, CVPR 2019) is written here because no maintained library
in our stack provides it.
"""

from __future__ import annotations

import cv2
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_auc_score, roc_curve


def image_roc_auc(labels, scores) -> float:
    """ROC-AUC of image scores (N,) against labels (N,) 1 = anomalous."""
    return float(roc_auc_score(np.asarray(labels).astype(int), np.asarray(scores)))


def pixel_roc_auc(masks, maps) -> float:
    """ROC-AUC of anomaly maps (N, H, W) against ground-truth masks (N, H, W) (nonzero = defect)."""
    truth = (np.asarray(masks) > 0).ravel()
    return float(roc_auc_score(truth, np.asarray(maps, np.float32).ravel()))


def pro_curve(masks, maps, num_thresholds: int = 200):
    """Mean per-region overlap and false-positive rate over thresholds.

    Each connected region of each ground-truth mask counts once, whatever its size; the
    false-positive rate is over all defect-free pixels of all images.

    Returns: (fpr (T,), pro (T,)) for thresholds from high to low, so fpr rises.
    """
    masks = np.asarray(masks) > 0
    maps = np.asarray(maps, np.float32)
    thresholds = np.linspace(maps.max(), maps.min(), num_thresholds)
    negatives = np.sort(maps[~masks])
    if negatives.size == 0:
        raise ValueError("PRO needs defect-free pixels")
    regions = []
    for mask, anomaly_map in zip(masks, maps, strict=True):
        count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        regions += [np.sort(anomaly_map[labels == r]) for r in range(1, count)]
    if not regions:
        raise ValueError("PRO needs at least one defect region")
    fpr = 1.0 - np.searchsorted(negatives, thresholds, side="left") / negatives.size
    overlaps = [1.0 - np.searchsorted(r, thresholds, side="left") / r.size for r in regions]
    return fpr, np.mean(overlaps, axis=0)


def aupro(masks, maps, fpr_limit: float = 0.3, num_thresholds: int = 200) -> float:
    """Area under the PRO curve up to ``fpr_limit`` false-positive rate, divided by the
    limit (1.0 is perfect)."""
    fpr, pro = pro_curve(masks, maps, num_thresholds)
    grid = np.linspace(0.0, fpr_limit, 200)
    return float(np.trapezoid(np.interp(grid, fpr, pro), grid) / fpr_limit)


def f1_optimal_threshold(truth, scores) -> tuple[float, float]:
    """(threshold, F1) maximising F1 on the precision-recall curve of ``scores`` against
    binary ``truth`` (any shape; pixels or images)."""
    precision, recall, thresholds = precision_recall_curve(
        (np.asarray(truth) > 0).ravel(), np.asarray(scores, np.float32).ravel()
    )
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1]))  # the last point has no threshold
    return float(thresholds[best]), float(f1[best])


def roc_points(truth, scores):
    """(fpr, tpr) of scikit-learn's ROC curve, for plots."""
    fpr, tpr, _ = roc_curve((np.asarray(truth) > 0).ravel(), np.asarray(scores).ravel())
    return fpr, tpr
