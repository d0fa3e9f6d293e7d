"""One chips6 manual split folder in whichever layout it holds (chip folders, COCO, VIA):
a list of per-chip records and the function that reads one (so a Beam build can spread the
reading)."""

from __future__ import annotations

import os

from tfdefect.data.chips_manual import list_chip_folders, read_chip_folder
from tfdefect.data.coco_annotations import COCO_FILE, coco_chip, coco_records
from tfdefect.data.via_annotations import VIA_FILE, via_chip, via_records


def folder_chip(folder: str, image_size: int | None, class_names) -> tuple[str, dict]:
    """(key, chip dict) of one chip folder."""
    return os.path.basename(folder), read_chip_folder(folder, image_size, class_names)


def chip_records(split_dir: str):
    """(records, reader) of a split: COCO when it holds ``annotations.json``, VIA when
    ``via_region_data.json``, else one folder per chip; ``reader(record, image_size,
    class_names) -> (key, chip dict)`` is a module-level function (picklable)."""
    split_dir = os.fspath(split_dir)
    if os.path.isfile(os.path.join(split_dir, COCO_FILE)):
        return coco_records(split_dir), coco_chip
    if os.path.isfile(os.path.join(split_dir, VIA_FILE)):
        return via_records(split_dir), via_chip
    return list_chip_folders(split_dir), folder_chip
