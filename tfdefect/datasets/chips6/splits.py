"""One chips6 manual split folder in whichever layout it holds (chip folders, COCO, VIA):
a list of per-chip records and the function that reads one (so a Beam build can spread the
reading), and the COCO and VIA formats (``tfdefect.data.coco_annotations``,
``tfdefect.data.via_annotations``) bound to chips: their images are chip folders of the six
channel PNGs or six-page TIFFs (``manual.read_chip_channels``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from tfdefect.data import coco_annotations, via_annotations
from tfdefect.data.coco_annotations import COCO_FILE, coco_records
from tfdefect.data.via_annotations import VIA_FILE, via_records
from tfdefect.datasets.chips6.manual import (
    list_chip_folders,
    read_chip_channels,
    read_chip_folder,
    write_chip_channels,
)


def folder_chip(folder: str, image_size: int | None, class_names) -> tuple[str, dict]:
    """(key, chip dict) of one chip folder."""
    return os.path.basename(folder), read_chip_folder(folder, image_size, class_names)


def coco_chip(record: dict, image_size: int | None, class_names) -> tuple[str, dict]:
    """(key, chip dict) of one ``coco_records`` record (``coco_annotations.coco_example``)."""
    return coco_annotations.coco_example(record, image_size, class_names, read_chip_channels)


def via_chip(record: dict, image_size: int | None, class_names) -> tuple[str, dict]:
    """(key, chip dict) of one ``via_records`` record (``via_annotations.via_example``)."""
    return via_annotations.via_example(record, image_size, class_names, read_chip_channels)


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


def read_coco_split(
    split_dir: str, image_size: int | None, class_names, annotation_file: str = COCO_FILE
) -> Iterator[tuple[str, dict]]:
    """(key, chip dict) per image of a COCO-annotated chip split, in image id order; images
    without annotations are defect-free chips. Errors: ``AnnotationError`` (a
    ``ChipFolderError`` for a chip's files)."""
    return coco_annotations.read_coco_split(
        split_dir, image_size, class_names, read_chip_channels, annotation_file
    )


def read_via_split(
    split_dir: str, image_size: int | None, class_names, annotation_file: str = VIA_FILE
) -> Iterator[tuple[str, dict]]:
    """(key, chip dict) per image of a VIA-annotated chip split, in file name order."""
    return via_annotations.read_via_split(
        split_dir, image_size, class_names, read_chip_channels, annotation_file
    )


def write_coco_split(split_dir: str, chips, class_names, tiff: bool = False) -> str:
    """Write chips as a COCO-annotated split folder; return the annotation file's path.

    Args:
        chips: (key, chip dict) pairs (``image`` (H, W, 6), ``instance_masks``, ``labels``,
            ``is_crowd``), e.g. from ``read_coco_split`` or synthetic chips.
        tiff: each chip as ``<key>.tiff`` (six pages) instead of a ``<key>/`` folder of PNGs.
    """
    suffix = ".tiff" if tiff else ""
    return coco_annotations.write_coco_split(
        split_dir, chips, class_names, write_chip_channels, suffix
    )
