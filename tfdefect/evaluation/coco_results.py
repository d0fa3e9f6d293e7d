"""A run's detections in COCO results format, with its test ground truth as COCO annotations.

``detections.json`` is the list pycocotools' ``COCO.loadRes`` reads (``image_id``,
``category_id``, ``bbox`` [x, y, w, h] pixels, ``segmentation`` compressed RLE, ``score``);
``test_annotations.json`` holds the matching images, categories and ground truth (crowd
regions with ``iscrowd`` 1), so ``COCOeval`` or any COCO tool scores the run.
"""

from __future__ import annotations

import json
import os

import numpy as np

from tfdefect.atomic_files import atomic_write_text
from tfdefect.data.coco_annotations import coco_annotations
from tfdefect.data.coco_masks import encode_rle

DETECTIONS_FILE = "detections.json"
ANNOTATIONS_FILE = "test_annotations.json"


def coco_detection(image_id, category_id, score, box_xyxy, mask=None) -> dict:
    """One COCO result: ``bbox`` [x, y, width, height] pixels of ``box_xyxy`` (x_min,
    y_min, x_max, y_max pixels), ``segmentation`` the compressed RLE of ``mask`` (H, W) bool
    when there is one, ``score``."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    row = {
        "image_id": int(image_id),
        "category_id": int(category_id),
        "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
    }
    if mask is not None:
        row["segmentation"] = encode_rle(mask)
    row["score"] = round(float(score), 5)
    return row


class CocoResults:
    """Collects one image at a time; ``write`` saves both files.

    Args:
        class_names: the foreground classes; category id k is ``class_names[k - 1]``.
    """

    def __init__(self, class_names):
        self.class_names = list(class_names)
        self.truth: list[tuple] = []
        self.detections: list[dict] = []

    def add_image(
        self,
        file_name,
        gt_classes,
        gt_masks,
        gt_crowd,
        det_classes,
        det_scores,
        det_boxes,
        det_masks,
    ) -> None:
        """One image: ground truth classes (G,) 1..K, masks (G, H, W), crowd (G,) bool;
        detections classes (D,), scores (D,), boxes (D, 4) pixel y1, x1, y2, x2, masks
        (D, H, W) binary."""
        height, width = np.asarray(gt_masks).shape[1:] if len(gt_masks) else det_masks.shape[1:]
        self.truth.append((file_name, (height, width), gt_masks, gt_classes, gt_crowd))
        image_id = len(self.truth)
        for class_id, score, box, mask in zip(
            det_classes, det_scores, det_boxes, det_masks, strict=True
        ):
            y1, x1, y2, x2 = box
            self.detections.append(
                coco_detection(image_id, class_id, score, (x1, y1, x2, y2), np.asarray(mask) > 0)
            )

    def write(self, folder: str) -> tuple[str, str]:
        """Write ``detections.json`` and ``test_annotations.json`` in ``folder`` (each
        atomically); return their paths."""
        os.makedirs(folder, exist_ok=True)
        detections = os.path.join(folder, DETECTIONS_FILE)
        annotations = os.path.join(folder, ANNOTATIONS_FILE)
        atomic_write_text(detections, json.dumps(self.detections) + "\n")
        atomic_write_text(
            annotations, json.dumps(coco_annotations(self.truth, self.class_names)) + "\n"
        )
        return detections, annotations
