"""Evaluating an anomaly detector: image and pixel ROC-AUC, PRO / AUPRO, F1-optimal
threshold, and scoring a model (PaDiM) on a split with its test figures.

ROC-AUC and the precision-recall curve come from scikit-learn. The per-region overlap
(PRO, Bergmann et al., MVTec AD, CVPR 2019) is written here because no maintained library
among tfdefect's dependencies provides it.
"""

from __future__ import annotations

import logging
import time

import cv2
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_auc_score, roc_curve

from tfdefect.progress import progress_bar_over

logger = logging.getLogger(__name__)


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


def score_anomaly_split(model, dataset, name: str) -> dict:
    """Run ``model`` over an anomaly_pipeline split; stack its outputs and the truth.

    Returns {"images" (N, H, W, 3), "maps" (N, H, W), "scores" (N,), "masks" (N, H, W),
    "labels" (N,) 1 anomalous, "types" (N,) defect type names, "files" (N,)}."""
    parts = {k: [] for k in ("images", "maps", "scores", "masks", "labels", "types", "files")}
    started = time.time()
    for images, targets in progress_bar_over(dataset, f"score {name}"):
        outputs = model.predict_on_batch(images)
        parts["images"].append(images.numpy())
        parts["maps"].append(np.asarray(outputs["anomaly_map"]))
        parts["scores"].append(np.asarray(outputs["score"]))
        parts["masks"].append(targets["mask"].numpy())
        parts["labels"].append(targets["label"].numpy())
        parts["types"].append(targets["defect_type"].numpy().astype(str))
        parts["files"].append(targets["filename"].numpy().astype(str))
    result = {k: np.concatenate(v) for k, v in parts.items()}
    count = len(result["scores"])
    logger.info(f"{name}: {count} images scored in {time.time() - started:.1f}s")
    return result


def anomaly_test_metrics(scored: dict, image_threshold: float, pixel_threshold=None) -> dict:
    """Test figures under anomalib's names: image_AUROC, pixel_AUROC, pixel_AUPRO (exact
    curve, FPR up to 0.3), image_F1Score at ``image_threshold``, pixel_F1Score at
    ``pixel_threshold`` (default: the image threshold), and image_AUROC per defect type."""
    pixel_threshold = image_threshold if pixel_threshold is None else pixel_threshold
    labels, scores, masks, maps = (scored[k] for k in ("labels", "scores", "masks", "maps"))
    predicted = scores >= image_threshold
    true_positive = np.sum(predicted & (labels == 1))
    image_f1 = 2 * true_positive / max(predicted.sum() + labels.sum(), 1)
    pixel_predicted = maps >= pixel_threshold
    pixel_tp = np.sum(pixel_predicted & (masks > 0))
    pixel_f1 = 2 * pixel_tp / max(pixel_predicted.sum() + (masks > 0).sum(), 1)
    per_type = {}
    good = scored["types"] == "good"
    for defect_type in sorted(set(scored["types"]) - {"good"}):
        chosen = good | (scored["types"] == defect_type)
        per_type[defect_type] = {
            "images": int(np.sum(scored["types"] == defect_type)),
            "image_AUROC": image_roc_auc(labels[chosen], scores[chosen]),
        }
    return {
        "image_AUROC": image_roc_auc(labels, scores),
        "pixel_AUROC": pixel_roc_auc(masks, maps),
        "pixel_AUPRO": aupro(masks, maps, fpr_limit=0.3),
        "image_F1Score": float(image_f1),
        "pixel_F1Score": float(pixel_f1),
        "image_threshold": float(image_threshold),
        "pixel_threshold": float(pixel_threshold),
        "images": int(len(labels)),
        "anomalous_images": int(labels.sum()),
        "per_defect_type": per_type,
    }
