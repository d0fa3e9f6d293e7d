"""Instance masks: their boxes, instances from a class map, and the example fields of an
image and its instances (what COCO and VIA annotations give)."""

from __future__ import annotations

import cv2
import numpy as np


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    """Pixel box y1, x1, y2, x2 (end exclusive) of a non-empty (H, W) binary mask."""
    ys, xs = np.nonzero(mask)
    return float(ys.min()), float(xs.min()), float(ys.max() + 1), float(xs.max() + 1)


def instances_from_semantic(semantic: np.ndarray, instance_ids: np.ndarray | None = None):
    """Split a semantic mask into instances.

    Args:
        semantic: (H, W) integer class map.
        instance_ids: optional (H, W) integer instance-id map (0 = none). Without it the
            connected components of each class are the instances.

    Returns:
        (masks (N, H, W) bool, boxes (N, 4) float32 pixel ymin/xmin/ymax/xmax, labels (N,) int64).
    """
    masks, labels = [], []
    if instance_ids is not None:
        for instance in np.unique(instance_ids):
            if instance == 0:
                continue
            mask = instance_ids == instance
            classes = np.unique(semantic[mask])
            classes = classes[classes > 0]
            if len(classes) != 1:
                raise ValueError(f"instance {instance} covers classes {classes.tolist()}, need one")
            masks.append(mask)
            labels.append(int(classes[0]))
    else:
        for label in range(1, int(semantic.max(initial=0)) + 1):  # every class present
            count, components = cv2.connectedComponents((semantic == label).astype(np.uint8))
            for component in range(1, count):
                masks.append(components == component)
                labels.append(label)
    height, width = semantic.shape
    if not masks:
        return (
            np.zeros((0, height, width), bool),
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.int64),
        )
    boxes = np.asarray([mask_box(m) for m in masks], np.float32)
    return np.stack(masks), boxes, np.asarray(labels, np.int64)


def example_from_instances(image, masks, labels, is_crowd) -> dict:
    """The example fields of an image and its instances.

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
