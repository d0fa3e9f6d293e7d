"""A chip example from instance masks (what COCO and VIA annotations give)."""

from __future__ import annotations

import numpy as np

from tfdefect.data.synthetic.chips import mask_box


def chip_from_instances(image, masks, labels, is_crowd) -> dict:
    """The chips6 example fields of an image and its instances.

    Args:
        image: (H, W, C) uint8.
        masks: (N, H, W) bool instance masks.
        labels: (N,) class ids 1..K.
        is_crowd: (N,) bool; crowd regions stay in the semantic mask and the objects (flagged,
            so training leaves them out and evaluation ignores them, as COCO does).

    Returns:
        dict(image, semantic_mask (H, W) uint8 (later instances win), instance_masks
        (N, H, W) bool, boxes (N, 4) float32 pixel y1, x1, y2, x2 (end exclusive), labels
        (N,) int64, is_crowd (N,) bool).
    """
    height, width = image.shape[:2]
    masks = np.asarray(masks, bool).reshape(-1, height, width)
    semantic = np.zeros((height, width), np.uint8)
    boxes = np.zeros((len(masks), 4), np.float32)
    for index, (mask, label) in enumerate(zip(masks, labels, strict=True)):
        semantic[mask] = label
        boxes[index] = mask_box(mask)
    return {
        "image": image,
        "semantic_mask": semantic,
        "instance_masks": masks,
        "boxes": boxes,
        "labels": np.asarray(labels, np.int64).reshape(-1),
        "is_crowd": np.asarray(is_crowd, bool).reshape(-1),
    }


def synthetic_chip_fields(chip) -> dict:
    """The same fields for a rendered ``synthetic.chips.Chip`` (which has no crowd regions)."""
    return {
        "image": chip.image,
        "semantic_mask": chip.semantic_mask,
        "instance_masks": chip.instance_masks,
        "boxes": chip.boxes,
        "labels": chip.labels,
        "is_crowd": np.zeros(len(chip.labels), bool),
    }
