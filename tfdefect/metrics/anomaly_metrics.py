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


def pro_curve(masks, maps):
    """The exact per-region-overlap curve: (fpr, pro) at every distinct map value.

    Each connected region (8-connectivity) of each ground-truth mask counts once, whatever its
    size; the false-positive rate is over all defect-free pixels of all images. Thresholds run
    from the highest map value down, one curve point per distinct value (ties move together),
    so the curve is exact, not sampled: pixels sorted once, then two weighted cumulative
    sums (a region pixel weighs 1 / (regions * its region's size), a defect-free pixel
    1 / defect-free pixels).

    Returns: (fpr (T + 1,), pro (T + 1,)) from (0, 0), fpr rising, T distinct values.
    """
    masks = np.asarray(masks) > 0
    maps = np.asarray(maps, np.float64)
    if masks.shape != maps.shape:
        raise ValueError(f"masks {masks.shape} and maps {maps.shape} differ in shape")
    region_ids = np.zeros(masks.shape, np.int64)
    regions = 0
    for index, mask in enumerate(masks):
        count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        region_ids[index] = np.where(labels > 0, labels + regions, 0)
        regions += count - 1
    if regions == 0:
        raise ValueError("PRO needs at least one defect region")
    negatives = int((~masks).sum())
    if negatives == 0:
        raise ValueError("PRO needs defect-free pixels")
    flat_ids = region_ids.ravel()
    sizes = np.bincount(flat_ids, minlength=regions + 1).astype(np.float64)
    pro_weight = np.where(flat_ids > 0, 1.0 / (regions * sizes[flat_ids]), 0.0)
    fpr_weight = np.where(flat_ids == 0, 1.0 / negatives, 0.0)
    values = maps.ravel()
    order = np.argsort(-values, kind="stable")
    values = values[order]
    pro = np.cumsum(pro_weight[order])
    fpr = np.cumsum(fpr_weight[order])
    last_of_tie = np.flatnonzero(np.append(values[1:] != values[:-1], True))
    return (
        np.concatenate([[0.0], np.minimum(fpr[last_of_tie], 1.0)]),
        np.concatenate([[0.0], np.minimum(pro[last_of_tie], 1.0)]),
    )


def aupro(masks, maps, fpr_limit: float = 0.3) -> float:
    """Area under the exact PRO curve up to ``fpr_limit`` false-positive rate, divided by the
    limit (1.0 is perfect), as MVTec AD's evaluation code and anomalib's AUPRO: trapezoids
    between the curve's points, the last one cut at the limit by linear interpolation."""
    fpr, pro = pro_curve(masks, maps)
    inside = fpr <= fpr_limit
    x, y = fpr[inside], pro[inside]
    if x[-1] < fpr_limit and inside.sum() < len(fpr):
        following = int(np.flatnonzero(~inside)[0])
        x = np.append(x, fpr_limit)
        y = np.append(
            y,
            np.interp(
                fpr_limit, fpr[following - 1 : following + 1], pro[following - 1 : following + 1]
            ),
        )
    return float(np.trapezoid(y, x) / fpr_limit)


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
