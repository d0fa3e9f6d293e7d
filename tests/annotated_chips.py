"""Synthetic chips written as COCO or VIA annotated split folders (for the tests)."""

from __future__ import annotations

import json
import os

import numpy as np

from tests.conftest import TINY_SYNTHESIS
from tfdefect.data.via_annotations import VIA_FILE
from tfdefect.datasets.chips6.manual import write_chip_channels
from tfdefect.datasets.chips6.names import CLASS_NAMES
from tfdefect.datasets.chips6.splits import write_coco_split
from tfdefect.datasets.chips6.synthetic import render_chip, synthetic_chip_fields

NAMES = list(CLASS_NAMES[1:])


def synthetic_chips(count: int, seed: int = 0, prefix: str = "chip"):
    """(key, chip dict) pairs of ``count`` 64 px synthetic chips (no crowd regions)."""
    chips = []
    for index in range(count):
        chip = render_chip(np.random.default_rng([seed, index]), TINY_SYNTHESIS)
        chips.append((f"{prefix}_{index:03d}", synthetic_chip_fields(chip)))
    return chips


def write_via_split(split_dir, chips, tiff: bool = True) -> str:
    """Matterport's VIA layout: each instance as a rect region around its box (the region
    is the box, not the mask: VIA draws shapes), class in region_attributes["class"]."""
    content = {}
    for key, chip in chips:
        file_name = f"{key}.tiff" if tiff else key
        write_chip_channels(os.path.join(split_dir, file_name), chip["image"])
        regions = []
        for box, label in zip(chip["boxes"], chip["labels"], strict=True):
            y1, x1, y2, x2 = (float(v) for v in box)
            regions.append(
                {
                    "shape_attributes": {
                        "name": "rect",
                        "x": x1,
                        "y": y1,
                        "width": x2 - x1,
                        "height": y2 - y1,
                    },
                    "region_attributes": {"class": NAMES[int(label) - 1]},
                }
            )
        content[f"{file_name}123"] = {
            "filename": file_name,
            "size": 123,
            "regions": regions,
            "file_attributes": {},
        }
    path = os.path.join(split_dir, VIA_FILE)
    os.makedirs(split_dir, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(content, handle)
    return path


def write_annotated_tree(root, formats=("coco", "via", "coco"), counts=(4, 2, 2)) -> str:
    """A manual_dir with train/validation/test in the given formats; returns root."""
    for split, fmt, count in zip(("train", "validation", "test"), formats, counts, strict=True):
        chips = synthetic_chips(count, seed=("train", "validation", "test").index(split))
        if fmt == "coco":
            write_coco_split(os.path.join(root, split), chips, NAMES)
        else:
            write_via_split(os.path.join(root, split), chips)
    return str(root)
