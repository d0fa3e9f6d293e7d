"""COCO detection metrics (COCOeval's twelve: AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l,
and per class) and F1 scores.

Written out rather than calling pycocotools at run time: pycocotools needs its own
annotation JSON round trip and RLE encoding for every image; this follows COCOeval's
algorithm on arrays (per image and class: the top ``max_detections`` by score, greedy
matching with crowd and out-of-area ground truth ignored, 101-point interpolated precision;
area ranges small < 32^2 <= medium < 96^2 <= large, inclusive at both ends as COCOeval),
and tests check every figure against pycocotools.
"""

from __future__ import annotations

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
AREA_RANGES = {
    "all": (0, 1e10),
    "small": (0, 32**2),
    "medium": (32**2, 96**2),
    "large": (96**2, 1e10),
}
MAX_DETECTIONS = (1, 10, 100)
# (key, IoU threshold or None for all, area, max detections, AP or AR): COCOeval.summarize
COCO_STATS = (
    ("AP", None, "all", 100, "precision"),
    ("AP50", 0.5, "all", 100, "precision"),
    ("AP75", 0.75, "all", 100, "precision"),
    ("APs", None, "small", 100, "precision"),
    ("APm", None, "medium", 100, "precision"),
    ("APl", None, "large", 100, "precision"),
    ("AR1", None, "all", 1, "recall"),
    ("AR10", None, "all", 10, "recall"),
    ("AR100", None, "all", 100, "recall"),
    ("ARs", None, "small", 100, "recall"),
    ("ARm", None, "medium", 100, "recall"),
    ("ARl", None, "large", 100, "recall"),
)


def box_iou_matrix(boxes_a: np.ndarray, boxes_b: np.ndarray, crowd=None) -> np.ndarray:
    """(N, M) IoU of (N, 4) and (M, 4) boxes y1, x1, y2, x2 (any consistent units); for a
    crowd column (``crowd`` (M,) bool) intersection over the row's own area, as COCO."""
    top = np.maximum(boxes_a[:, None, 0], boxes_b[None, :, 0])
    left = np.maximum(boxes_a[:, None, 1], boxes_b[None, :, 1])
    bottom = np.minimum(boxes_a[:, None, 2], boxes_b[None, :, 2])
    right = np.minimum(boxes_a[:, None, 3], boxes_b[None, :, 3])
    intersection = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]) * (boxes_a[:, 3] - boxes_a[:, 1])
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]) * (boxes_b[:, 3] - boxes_b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    if crowd is not None:
        union = np.where(np.asarray(crowd, bool)[None, :], area_a[:, None], union)
    return np.where(union > 0, intersection / np.maximum(union, 1e-12), 0.0)


def mask_iou_matrix(masks_a: np.ndarray, masks_b: np.ndarray, crowd=None) -> np.ndarray:
    """(N, M) IoU of (N, H, W) and (M, H, W) binary masks (crowd columns as box_iou_matrix)."""
    a = masks_a.reshape(len(masks_a), -1).astype(np.float64)  # float32 rounding flips
    b = masks_b.reshape(len(masks_b), -1).astype(np.float64)  # IoU == threshold ties
    intersection = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - intersection
    if crowd is not None:
        union = np.where(np.asarray(crowd, bool)[None, :], a.sum(1)[:, None], union)
    return np.where(union > 0, intersection / np.maximum(union, 1e-12), 0.0)


def _coco_match(iou, threshold, gt_ignore, gt_crowd):
    """COCOeval.evaluateImg's matching at one IoU threshold.

    Args:
        iou: (D, G) IoU, detections in score order, ground truth with the ignored last.
        gt_ignore: (G,) bool; gt_crowd: (G,) bool or None (a crowd can match many).

    Returns:
        (matched (D,) bool, matched_ignored (D,) bool: matched to an ignored ground truth).
    """
    crowd = np.zeros(iou.shape[1], bool) if gt_crowd is None else gt_crowd
    taken = np.zeros(iou.shape[1], bool)
    matched = np.zeros(iou.shape[0], bool)
    ignored = np.zeros(iou.shape[0], bool)
    for d in range(iou.shape[0]):
        best, best_iou = -1, min(threshold, 1 - 1e-10)
        for g in range(iou.shape[1]):
            if taken[g] and not crowd[g]:
                continue
            if best > -1 and not gt_ignore[best] and gt_ignore[g]:
                break
            if iou[d, g] < best_iou:
                continue
            best, best_iou = g, iou[d, g]
        if best >= 0:
            taken[best] = True
            matched[d] = True
            ignored[d] = gt_ignore[best]
    return matched, ignored


def _area(items: np.ndarray) -> np.ndarray:
    """Pixel areas of (N, H, W) masks or (N, 4) boxes."""
    if len(items) == 0:
        return np.zeros(0)
    if items.ndim == 2:
        return (items[:, 2] - items[:, 0]) * (items[:, 3] - items[:, 1])
    return items.reshape(len(items), -1).astype(bool).sum(1).astype(float)


class DetectionEvaluator:
    """Accumulates per-image detections and ground truth; reports COCO metrics and F1.

    Args:
        class_names: names of classes 1..K-1 (index 0, background, excluded).
        iou_type: "segm" (mask IoU) or "bbox".
        score_threshold: detections at or above it count for the F1 scores.
        max_detections: per image and class, as COCO's largest maxDets.
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
        self,
        gt_classes,
        gt_boxes,
        gt_masks,
        det_classes,
        det_scores,
        det_boxes,
        det_masks,
        gt_crowd=None,
    ) -> None:
        """Add one image. Classes are 1..K-1; boxes (N, 4) pixels y1, x1, y2, x2; masks
        (N, H, W) binary (None for ``bbox`` without masks); ``gt_crowd`` (G,) bool marks
        crowd regions (ignored: detections on them count neither way). A ground truth's
        area is its mask's pixel count when masks are given (COCO's ``area``), else its box's.
        """
        order = np.argsort(-np.asarray(det_scores, float), kind="mergesort")
        gt_boxes = np.asarray(gt_boxes, float).reshape(-1, 4)
        gt = np.asarray(gt_masks) if self.iou_type == "segm" else gt_boxes
        det = (
            np.asarray(det_masks)
            if self.iou_type == "segm"
            else np.asarray(det_boxes, float).reshape(-1, 4)
        )[order]
        has_masks = gt_masks is not None and len(gt_boxes) and np.asarray(gt_masks).ndim == 3
        self.images.append(
            {
                "gt_classes": np.asarray(gt_classes, int).reshape(-1),
                "gt": gt,
                "gt_area": _area(np.asarray(gt_masks)) if has_masks else _area(gt_boxes),
                "gt_crowd": np.zeros(len(gt_boxes), bool)
                if gt_crowd is None
                else np.asarray(gt_crowd, bool).reshape(-1),
                "det_classes": np.asarray(det_classes, int).reshape(-1)[order],
                "det_scores": np.asarray(det_scores, float).reshape(-1)[order],
                "det": det,
                "det_area": _area(det),
            }
        )

    def _iou(self, dets, gts, crowd=None):
        if len(dets) == 0 or len(gts) == 0:
            return np.zeros((len(dets), len(gts)))
        if self.iou_type == "segm":
            return mask_iou_matrix(dets, gts, crowd)
        return box_iou_matrix(dets, gts, crowd)

    def _evaluate_image(self, image, class_id):
        """COCOeval.evaluateImg for every area range: {area: (scores (D,), matched (T, D),
        ignored (T, D), ground truth ignored (G,))}, or None without detections or truth."""
        gt_index = np.flatnonzero(image["gt_classes"] == class_id)
        det_index = np.flatnonzero(image["det_classes"] == class_id)[: self.max_detections]
        if len(gt_index) == 0 and len(det_index) == 0:
            return None
        crowd = image["gt_crowd"][gt_index]
        iou_all = self._iou(image["det"][det_index], image["gt"][gt_index], crowd)
        det_area = image["det_area"][det_index]
        gt_area = image["gt_area"][gt_index]
        result = {}
        for area_name, (low, high) in AREA_RANGES.items():
            gt_ignore = crowd | (gt_area < low) | (gt_area > high)
            order = np.argsort(gt_ignore, kind="mergesort")
            iou = iou_all[:, order]
            matched = np.zeros((len(IOU_THRESHOLDS), len(det_index)), bool)
            ignored = np.zeros_like(matched)
            for t, threshold in enumerate(IOU_THRESHOLDS):
                matched[t], ignored[t] = _coco_match(iou, threshold, gt_ignore[order], crowd[order])
            outside = (det_area < low) | (det_area > high)
            ignored |= ~matched & outside[None, :]
            result[area_name] = (image["det_scores"][det_index], matched, ignored, gt_ignore)
        return result

    def accumulate(self) -> tuple[np.ndarray, np.ndarray]:
        """COCOeval.accumulate: precision (T, R, K, A, M) and recall (T, K, A, M), -1 where a
        class has no (non-ignored) ground truth. T IoU thresholds, R 101 recall points, K
        classes, A area ranges (AREA_RANGES order), M maxDets (MAX_DETECTIONS)."""
        shape = (len(IOU_THRESHOLDS), len(self.class_names), len(AREA_RANGES), len(MAX_DETECTIONS))
        precision = -np.ones((shape[0], len(RECALL_POINTS), *shape[1:]))
        recall = -np.ones(shape)
        for k in range(len(self.class_names)):
            per_image = [self._evaluate_image(image, k + 1) for image in self.images]
            per_image = [e for e in per_image if e is not None]
            for a, area_name in enumerate(AREA_RANGES):
                entries = [e[area_name] for e in per_image]
                positives = sum(int((~e[3]).sum()) for e in entries)
                if positives == 0:
                    continue
                for m, max_det in enumerate(MAX_DETECTIONS):
                    scores = np.concatenate([e[0][:max_det] for e in entries])
                    order = np.argsort(-scores, kind="mergesort")
                    hits = np.concatenate([e[1][:, :max_det] for e in entries], 1)[:, order]
                    skip = np.concatenate([e[2][:, :max_det] for e in entries], 1)[:, order]
                    tp = np.cumsum(hits & ~skip, axis=1).astype(float)
                    fp = np.cumsum(~hits & ~skip, axis=1).astype(float)
                    for t in range(len(IOU_THRESHOLDS)):
                        rc = tp[t] / positives
                        pr = tp[t] / (fp[t] + tp[t] + np.spacing(1))
                        recall[t, k, a, m] = rc[-1] if len(rc) else 0.0
                        pr = np.maximum.accumulate(pr[::-1])[::-1]  # precision envelope
                        indices = np.searchsorted(rc, RECALL_POINTS, side="left")
                        q = np.zeros(len(RECALL_POINTS))
                        valid = indices < len(pr)
                        q[valid] = pr[indices[valid]]
                        precision[t, :, k, a, m] = q
        return precision, recall

    @staticmethod
    def _summarise(precision, recall, iou, area, max_det, kind, k=slice(None)) -> float:
        a = list(AREA_RANGES).index(area)
        m = MAX_DETECTIONS.index(max_det)
        t = slice(None) if iou is None else int(np.flatnonzero(np.isclose(IOU_THRESHOLDS, iou))[0])
        values = precision[t, :, k, a, m] if kind == "precision" else recall[t, k, a, m]
        values = np.asarray(values)[np.asarray(values) > -1]
        return float(np.mean(values)) if values.size else -1.0

    def coco_stats(self) -> dict:
        """COCOeval.summarize's twelve figures by name (AP, AP50, ..., ARl); -1 where no
        ground truth falls in the figure's area range, as COCO prints."""
        return self._coco_figures(*self.accumulate())

    def _coco_figures(self, precision, recall) -> dict:
        return {key: self._summarise(precision, recall, *spec) for key, *spec in COCO_STATS}

    def f1_scores(self, iou_threshold: float = 0.5) -> dict:
        """Instance-level precision/recall/F1 (class-aware match) and image-level defect F1
        for detections with score >= ``score_threshold``; detections on crowd regions and
        crowd regions themselves count neither way."""
        true_positive = detections = ground_truth = 0
        image_tp = image_fp = image_fn = 0
        for image in self.images:
            keep = image["det_scores"] >= self.score_threshold
            crowd = image["gt_crowd"]
            counted = np.zeros(len(keep), bool)
            for class_id in set(image["gt_classes"].tolist()) | set(
                image["det_classes"][keep].tolist()
            ):
                gt_index = np.flatnonzero(image["gt_classes"] == class_id)
                gt_index = gt_index[np.argsort(crowd[gt_index], kind="mergesort")]
                det_index = np.flatnonzero(keep & (image["det_classes"] == class_id))
                iou = self._iou(image["det"][det_index], image["gt"][gt_index], crowd[gt_index])
                matched, ignored = _coco_match(iou, iou_threshold, crowd[gt_index], crowd[gt_index])
                true_positive += int((matched & ~ignored).sum())
                counted[det_index[~ignored]] = True
            ground_truth += int((~crowd).sum())
            detections += int(counted.sum())
            has_truth, has_detection = bool((~crowd).any()), bool(counted.any())
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
        """JSON-ready: ``coco`` (the twelve COCO figures), per-class AP, AP50, AP75 and AR100
        (``ap``, ``ap50``, ``ap75``, ``ar100``; NaN for a class without ground truth),
        ``map50`` / ``map`` (= AP50 / AP over classes with ground truth, NaN with none) and
        the F1 scores."""
        precision, recall = self.accumulate()
        stats = self._coco_figures(precision, recall)
        per_class = {}
        for k, name in enumerate(self.class_names):
            figures = {
                "ap": self._summarise(precision, recall, None, "all", 100, "precision", k),
                "ap50": self._summarise(precision, recall, 0.5, "all", 100, "precision", k),
                "ap75": self._summarise(precision, recall, 0.75, "all", 100, "precision", k),
                "ar100": self._summarise(precision, recall, None, "all", 100, "recall", k),
            }
            per_class[name] = {key: (v if v > -1 else float("nan")) for key, v in figures.items()}
        return {
            "iou_type": self.iou_type,
            "coco": stats,
            "per_class": per_class,
            "map50": stats["AP50"] if stats["AP50"] > -1 else float("nan"),
            "map": stats["AP"] if stats["AP"] > -1 else float("nan"),
            "score_threshold": self.score_threshold,
            **self.f1_scores(),
        }


def coco_metric_lines(stats: dict) -> list[str]:
    """COCOeval.summarize's twelve lines for ``coco_stats()``'s dict (same wording)."""
    lines = []
    for key, iou, area, max_det, kind in COCO_STATS:
        title = "Average Precision" if kind == "precision" else "Average Recall"
        short = "(AP)" if kind == "precision" else "(AR)"
        iou_text = "0.50:0.95" if iou is None else f"{iou:0.2f}"
        lines.append(
            f" {title:<18} {short} @[ IoU={iou_text:<9} | area={area:>6s} | "
            f"maxDets={max_det:>3d} ] = {stats[key]:0.3f}"
        )
    return lines
