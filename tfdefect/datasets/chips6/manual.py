"""Reader for real chip data in the chips6 manual folder format.

Layout under ``<manual_dir>`` (one folder per split, one folder per chip)::

    train/<chip_id>/height.png      8-bit grey, H x W   (channel 0, 3D height map)
    train/<chip_id>/intensity.png   8-bit grey          (channel 1, 2D intensity)
    train/<chip_id>/pattern.png                          (channel 2)
    train/<chip_id>/variance.png                         (channel 3)
    train/<chip_id>/pads.png                             (channel 4)
    train/<chip_id>/drill.png                            (channel 5)
    train/<chip_id>/mask.png        8-bit grey class map: 0 background, k the k-th defect
                                    class (default 1 bump 2 dent 3 dot; ``class_names``)
    train/<chip_id>/instances.png   optional 8/16-bit instance-id map (0 = none); without it
                                    each connected component of a class is one instance
    validation/...  test/...        same layout

A split folder may instead hold COCO instance annotations (``annotations.json``, see
``tfdefect.data.coco_annotations``) or Matterport's VIA regions (``via_region_data.json``,
``tfdefect.data.via_annotations``); their ``file_name`` is a chip folder of the six channel
PNGs above (relative to the split folder) or one multi-page TIFF of six grey pages.
``splits.py`` here reads a split in whichever of these layouts it holds.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from tfdefect.data.coco_annotations import AnnotationError
from tfdefect.data.instance_masks import instances_from_semantic
from tfdefect.datasets.chips6.names import CHANNEL_NAMES, CLASS_NAMES


class ChipFolderError(AnnotationError):
    """A chip folder is missing a file, holds an unreadable file or a wrongly shaped one."""


def _read_grey(path: str, expected_shape=None) -> np.ndarray:
    if not os.path.isfile(path):
        raise ChipFolderError(f"{path}: file is missing")
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ChipFolderError(f"{path}: not a readable image (corrupt or wrong format)")
    if image.ndim != 2:
        raise ChipFolderError(
            f"{path}: expected a single-channel grey image, got shape {image.shape}"
        )
    if expected_shape is not None and image.shape != expected_shape:
        raise ChipFolderError(
            f"{path}: shape {image.shape} does not match the chip's {expected_shape}"
        )
    return image


def read_chip_channels(path: str, image_size: int | None = None) -> np.ndarray:
    """(H, W, 6) uint8 channels of one chip: a folder of the six channel PNGs, or a
    multi-page TIFF whose six pages are the channels in CHANNEL_NAMES order."""
    if os.path.isdir(path):
        channels = [_read_grey(os.path.join(path, f"{CHANNEL_NAMES[0]}.png"))]
        channels += [
            _read_grey(os.path.join(path, f"{name}.png"), channels[0].shape)
            for name in CHANNEL_NAMES[1:]
        ]
        names = [os.path.join(path, f"{name}.png") for name in CHANNEL_NAMES]
    elif os.path.isfile(path):
        ok, pages = cv2.imreadmulti(path, flags=cv2.IMREAD_UNCHANGED)
        if not ok:
            raise ChipFolderError(f"{path}: not a readable image (corrupt or wrong format)")
        if len(pages) != len(CHANNEL_NAMES) or any(page.ndim != 2 for page in pages):
            raise ChipFolderError(
                f"{path}: {len(pages)} page(s) of shape {pages[0].shape}; a chip file needs "
                f"{len(CHANNEL_NAMES)} grey pages ({', '.join(CHANNEL_NAMES)})"
            )
        channels, names = pages, [path] * len(pages)
    else:
        raise ChipFolderError(f"{path}: no such chip folder or file")
    for name, channel in zip(names, channels, strict=True):
        if channel.dtype != np.uint8:
            raise ChipFolderError(f"{name}: expected 8-bit, got {channel.dtype}")
        if channel.shape != channels[0].shape:
            raise ChipFolderError(f"{name}: shape {channel.shape}, the chip's {channels[0].shape}")
    if image_size is not None and channels[0].shape != (image_size, image_size):
        height, width = channels[0].shape
        hint = f"; --set data.image_size={height} if every chip is" if height == width else ""
        raise ChipFolderError(
            f"{names[0]}: shape {channels[0].shape}, the dataset expects "
            f"({image_size}, {image_size}): chips are squares of data.image_size{hint}"
        )
    return np.stack(channels, axis=-1)


def list_chip_folders(split_dir: str) -> list[str]:
    """Sorted chip folders of one split; an empty or missing split is an error."""
    if not os.path.isdir(split_dir):
        raise ChipFolderError(f"{split_dir}: split folder is missing")
    folders = sorted(
        os.path.join(split_dir, d)
        for d in os.listdir(split_dir)
        if os.path.isdir(os.path.join(split_dir, d))
    )
    if not folders:
        raise ChipFolderError(f"{split_dir}: split folder holds no chip folders")
    return folders


def read_chip_folder(
    folder: str, image_size: int | None = None, class_names=tuple(CLASS_NAMES[1:])
) -> dict:
    """Read one chip folder whose mask values are 0 (background) and 1..len(class_names).

    Returns dict(image (H, W, 6) uint8, semantic_mask (H, W) uint8, instance_masks
    (N, H, W) bool, boxes (N, 4) float32 pixels, labels (N,) int64, is_crowd (N,) bool).
    """
    image = read_chip_channels(folder, image_size)
    first = image[..., 0]
    # read with its real values (a 16-bit 257 must not wrap to class 1), then checked
    semantic = _read_grey(os.path.join(folder, "mask.png"), first.shape)
    if semantic.max() > len(class_names):
        raise ChipFolderError(
            f"{folder}/mask.png: class id {int(semantic.max())} out of range "
            f"0..{len(class_names)} (0 background, then {', '.join(class_names)})"
        )
    semantic = semantic.astype(np.uint8)
    instance_path = os.path.join(folder, "instances.png")
    instance_ids = _read_grey(instance_path, first.shape) if os.path.exists(instance_path) else None
    try:
        masks, boxes, labels = instances_from_semantic(semantic, instance_ids)
    except ValueError as error:
        raise ChipFolderError(f"{instance_path}: {error}") from error
    return {
        "image": image,
        "semantic_mask": semantic,
        "instance_masks": masks,
        "boxes": boxes,
        "labels": labels,
        "is_crowd": np.zeros(len(labels), bool),
    }


def write_chip_channels(path: str, image: np.ndarray) -> None:
    """Write (H, W, 6) chip channels as ``read_chip_channels`` reads them: a six-page TIFF
    when ``path`` ends in .tif/.tiff, else a folder of the six channel PNGs."""
    channels = [np.ascontiguousarray(image[..., i]) for i in range(image.shape[-1])]
    if path.lower().endswith((".tif", ".tiff")):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if not cv2.imwritemulti(path, channels):
            raise OSError(f"{path}: could not write the TIFF")
        return
    os.makedirs(path, exist_ok=True)
    for name, channel in zip(CHANNEL_NAMES, channels, strict=True):
        cv2.imwrite(os.path.join(path, f"{name}.png"), channel)


def write_chip_folder(folder: str, image: np.ndarray, semantic_mask: np.ndarray) -> None:
    """Write a chip in the manual format (used to export synthetic chips and in tests)."""
    write_chip_channels(folder, image)
    cv2.imwrite(os.path.join(folder, "mask.png"), semantic_mask)
