"""Binary defect masks from colour segmentation images, with colours read from the JSON
that comes with them (Unity Perception / SOLO style: label_name + pixel_value)."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _rgb(pixel_value, path) -> tuple[int, int, int]:
    if isinstance(pixel_value, dict):
        values = [pixel_value[k] for k in ("r", "g", "b")]
    else:
        values = list(pixel_value)[:3]
    if all(isinstance(v, float) for v in values) and max(values) <= 1.0:
        values = [round(v * 255) for v in values]  # Unity writes 0..1 floats in some versions
    if len(values) != 3:
        raise ValueError(f"{path}: pixel_value {pixel_value!r} is not an RGB colour")
    return tuple(int(v) for v in values)


def read_label_colours(json_path: str) -> dict[str, tuple[int, int, int]]:
    """{label name: (r, g, b)} from every object with ``label_name`` and ``pixel_value``."""
    try:
        with open(json_path) as handle:
            document = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{json_path}: not a readable JSON file ({error})") from error
    colours = {
        node["label_name"]: _rgb(node["pixel_value"], json_path)
        for node in _walk(document)
        if "label_name" in node and "pixel_value" in node
    }
    if not colours:
        raise ValueError(f"{json_path}: no label_name / pixel_value entries")
    return colours


def build_binary_mask(segmentation_path: str, json_path: str, labels) -> np.ndarray:
    """(H, W) uint8 mask, 255 where the segmentation image shows any of ``labels``."""
    colours = read_label_colours(json_path)
    unknown = [label for label in labels if label not in colours]
    if unknown:
        raise ValueError(
            f"{json_path}: no colour for {unknown}; labels there: {', '.join(sorted(colours))}"
        )
    image = cv2.imread(segmentation_path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{segmentation_path}: not a readable image")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    mask = np.zeros(rgb.shape[:2], bool)
    for label in labels:
        mask |= np.all(rgb == np.asarray(colours[label], np.uint8), axis=-1)
    return mask.astype(np.uint8) * 255


def build_masks(segmentation_paths, json_path: str, labels, output_dir: str) -> list[str]:
    """Write ``<stem>_mask.png`` for each segmentation image (MVTec naming); never overwrites."""
    os.makedirs(output_dir, exist_ok=True)
    written = []
    for path in segmentation_paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        target = os.path.join(output_dir, f"{stem}_mask.png")
        if os.path.exists(target):
            raise FileExistsError(f"{target} already exists")
        cv2.imwrite(target, build_binary_mask(path, json_path, labels))
        written.append(target)
    return written
