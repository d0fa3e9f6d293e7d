"""Scoring an anomaly detector (PaDiM) on a split and its test figures."""

from __future__ import annotations

import time

import numpy as np

from tfdefect.metrics.anomaly_metrics import aupro, image_roc_auc, pixel_roc_auc
from tfdefect.progress import progress_bar_over


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
    print(f"{name}: {count} images scored in {time.time() - started:.1f}s", flush=True)
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
