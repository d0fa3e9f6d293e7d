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
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from tfdefect.data.synthetic.chips import CHANNEL_NAMES, CLASS_NAMES, instances_from_semantic


class ChipFolderError(ValueError):
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
    (N, H, W) bool, boxes (N, 4) float32 pixels, labels (N,) int64).
    """
    first = _read_grey(os.path.join(folder, f"{CHANNEL_NAMES[0]}.png"))
    if first.dtype != np.uint8:
        raise ChipFolderError(f"{folder}/{CHANNEL_NAMES[0]}.png: expected 8-bit, got {first.dtype}")
    if image_size is not None and first.shape != (image_size, image_size):
        raise ChipFolderError(
            f"{folder}/{CHANNEL_NAMES[0]}.png: shape {first.shape}, the "
            f"dataset expects ({image_size}, {image_size})"
        )
    channels = [first] + [
        _read_grey(os.path.join(folder, f"{name}.png"), first.shape) for name in CHANNEL_NAMES[1:]
    ]
    for name, channel in zip(CHANNEL_NAMES, channels, strict=True):
        if channel.dtype != np.uint8:
            raise ChipFolderError(f"{folder}/{name}.png: expected 8-bit, got {channel.dtype}")
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
        "image": np.stack(channels, axis=-1),
        "semantic_mask": semantic,
        "instance_masks": masks,
        "boxes": boxes,
        "labels": labels,
    }


def write_chip_folder(folder: str, image: np.ndarray, semantic_mask: np.ndarray) -> None:
    """Write a chip in the manual format (used to export synthetic chips and in tests)."""
    os.makedirs(folder, exist_ok=True)
    for index, name in enumerate(CHANNEL_NAMES):
        cv2.imwrite(os.path.join(folder, f"{name}.png"), image[..., index])
    cv2.imwrite(os.path.join(folder, "mask.png"), semantic_mask)
