"""COCO-style detection metrics (mAP@0.5, mAP@[.5:.95] per class) and F1 scores.

Written out rather than calling pycocotools at run time: pycocotools needs its own
annotation JSON round trip and RLE encoding for every image; this follows its algorithm
(greedy matching by score, 101-point interpolated precision, maxDets 100, area "all", no
crowd regions) on arrays directly, and a test checks it against pycocotools.
"""

from __future__ import annotations

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def box_iou_matrix(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of (N, 4) and (M, 4) boxes y1, x1, y2, x2 (any consistent units)."""
    top = np.maximum(boxes_a[:, None, 0], boxes_b[None, :, 0])
    left = np.maximum(boxes_a[:, None, 1], boxes_b[None, :, 1])
    bottom = np.minimum(boxes_a[:, None, 2], boxes_b[None, :, 2])
    right = np.minimum(boxes_a[:, None, 3], boxes_b[None, :, 3])
    intersection = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]) * (boxes_a[:, 3] - boxes_a[:, 1])
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]) * (boxes_b[:, 3] - boxes_b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    return np.where(union > 0, intersection / np.maximum(union, 1e-12), 0.0)


def mask_iou_matrix(masks_a: np.ndarray, masks_b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of (N, H, W) and (M, H, W) binary masks."""
    a = masks_a.reshape(len(masks_a), -1).astype(np.float64)  # float32 rounding flips
    b = masks_b.reshape(len(masks_b), -1).astype(np.float64)  # IoU == threshold ties
    intersection = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - intersection
    return np.where(union > 0, intersection / np.maximum(union, 1e-12), 0.0)


def _match(iou: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy COCO matching: detections (rows, score order) -> bool matched (N,)."""
    matched_gt = np.zeros(iou.shape[1], bool)
    matched = np.zeros(iou.shape[0], bool)
    for d in range(iou.shape[0]):
        best, best_iou = -1, min(threshold, 1 - 1e-10)
        for g in range(iou.shape[1]):
            if matched_gt[g] or iou[d, g] < best_iou:
                continue
            best, best_iou = g, iou[d, g]
        if best >= 0:
            matched_gt[best] = True
            matched[d] = True
    return matched


class DetectionEvaluator:
    """Accumulates per-image detections and ground truth; reports COCO AP and F1.

    Args:
        class_names: names of classes 1..K-1 (index 0, background, excluded).
        iou_type: "segm" (mask IoU) or "bbox".
        score_threshold: detections at or above it count for the F1 scores.
        max_detections: per image, as COCO's maxDets.
    """

    def __init__(
        self,
        class_names,
        iou_type: str = "segm",
        score_threshold: float = 0.5,
        max_detections: int = 100,
    ):
        if iou_type not in ("segm", "bbox"):
            raise ValueError(f"iou_type must be 'segm' or 'bbox', got {iou_type!r}")
        self.class_names = list(class_names)
        self.iou_type = iou_type
        self.score_threshold = score_threshold
        self.max_detections = max_detections
        self.images: list[dict] = []

    def update(
        self, gt_classes, gt_boxes, gt_masks, det_classes, det_scores, det_boxes, det_masks
    ) -> None:
        """Add one image. Classes are 1..K-1; boxes (N, 4); masks (N, H, W) binary."""
        order = np.argsort(-np.asarray(det_scores), kind="mergesort")[: self.max_detections]
        self.images.append(
            {
                "gt_classes": np.asarray(gt_classes, int),
                "gt": np.asarray(gt_masks if self.iou_type == "segm" else gt_boxes),
                "det_classes": np.asarray(det_classes, int)[order],
                "det_scores": np.asarray(det_scores, float)[order],
                "det": np.asarray(det_masks if self.iou_type == "segm" else det_boxes)[order],
            }
        )

    def _iou(self, dets, gts):
        if len(dets) == 0 or len(gts) == 0:
            return np.zeros((len(dets), len(gts)))
        return mask_iou_matrix(dets, gts) if self.iou_type == "segm" else box_iou_matrix(dets, gts)

    def average_precision(self, class_id: int, threshold: float) -> float:
        """COCO AP of one class at one IoU threshold; NaN when the class has no ground truth."""
        scores, hits, positives = [], [], 0
        for image in self.images:
            gt_mask = image["gt_classes"] == class_id
            det_mask = image["det_classes"] == class_id
            positives += int(gt_mask.sum())
            iou = self._iou(image["det"][det_mask], image["gt"][gt_mask])
            scores.append(image["det_scores"][det_mask])
            hits.append(_match(iou, threshold))
        if positives == 0:
            return float("nan")
        scores = np.concatenate(scores)
        hits = np.concatenate(hits)
        order = np.argsort(-scores, kind="mergesort")
        true_positive = np.cumsum(hits[order])
        false_positive = np.cumsum(~hits[order])
        recall = true_positive / positives
        precision = true_positive / np.maximum(true_positive + false_positive, np.spacing(1))
        for i in range(len(precision) - 1, 0, -1):  # precision envelope
            precision[i - 1] = max(precision[i - 1], precision[i])
        indices = np.searchsorted(recall, RECALL_POINTS, side="left")
        sampled = [precision[i] if i < len(precision) else 0.0 for i in indices]
        return float(np.mean(sampled))

    def f1_scores(self, iou_threshold: float = 0.5) -> dict:
        """Instance-level precision/recall/F1 (class-aware match) and image-level defect F1
        for detections with score >= ``score_threshold``."""
        true_positive = detections = ground_truth = 0
        image_tp = image_fp = image_fn = 0
        for image in self.images:
            keep = image["det_scores"] >= self.score_threshold
            ground_truth += len(image["gt_classes"])
            detections += int(keep.sum())
            for class_id in set(image["gt_classes"].tolist()) | set(
                image["det_classes"][keep].tolist()
            ):
                gt_mask = image["gt_classes"] == class_id
                det_mask = keep & (image["det_classes"] == class_id)
                iou = self._iou(image["det"][det_mask], image["gt"][gt_mask])
                true_positive += int(_match(iou, iou_threshold).sum())
            has_truth, has_detection = len(image["gt_classes"]) > 0, bool(keep.any())
            image_tp += has_truth and has_detection
            image_fp += has_detection and not has_truth
            image_fn += has_truth and not has_detection

        def f1(tp, fp, fn):
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            return precision, recall, score

        p, r, f = f1(true_positive, detections - true_positive, ground_truth - true_positive)
        ip, ir, imf = f1(image_tp, image_fp, image_fn)
        return {
            "instance_precision": p,
            "instance_recall": r,
            "instance_f1": f,
            "image_precision": ip,
            "image_recall": ir,
            "image_f1": imf,
        }

    def result(self) -> dict:
        """Per-class AP@0.5 and AP@[.5:.95], their means over classes with ground truth,
        and the F1 scores; JSON-ready."""
        per_class = {}
        for class_id, name in enumerate(self.class_names, start=1):
            aps = [self.average_precision(class_id, t) for t in IOU_THRESHOLDS]
            per_class[name] = {"ap50": aps[0], "ap": float(np.mean(aps))}
        present = [v for v in per_class.values() if not np.isnan(v["ap50"])]
        return {
            "iou_type": self.iou_type,
            "per_class": per_class,
            "map50": float(np.mean([v["ap50"] for v in present])) if present else float("nan"),
            "map": float(np.mean([v["ap"] for v in present])) if present else float("nan"),
            "score_threshold": self.score_threshold,
            **self.f1_scores(),
        }
