"""One chips6 manual split folder in whichever layout it holds (chip folders, COCO, VIA)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from tfdefect.data.chips_manual import list_chip_folders, read_chip_folder
from tfdefect.data.coco_annotations import COCO_FILE, read_coco_split
from tfdefect.data.via_annotations import VIA_FILE, read_via_split


def read_chip_split(split_dir: str, image_size: int, class_names) -> Iterator[tuple[str, dict]]:
    """(key, chip dict) per chip of ``split_dir``: COCO when it holds ``annotations.json``,
    VIA when ``via_region_data.json``, else one folder per chip (``chips_manual``)."""
    split_dir = os.fspath(split_dir)
    if os.path.isfile(os.path.join(split_dir, COCO_FILE)):
        yield from read_coco_split(split_dir, image_size, class_names)
    elif os.path.isfile(os.path.join(split_dir, VIA_FILE)):
        yield from read_via_split(split_dir, image_size, class_names)
    else:
        for folder in list_chip_folders(split_dir):
            yield os.path.basename(folder), read_chip_folder(folder, image_size, class_names)
