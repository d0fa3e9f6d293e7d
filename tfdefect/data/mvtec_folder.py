"""Reading MVTec-AD-format folders (any category name, real or custom).

Layout of one category folder::

    <root>/<category>/train/good/*.png
    <root>/<category>/test/good/*.png
    <root>/<category>/test/<defect_type>/*.png
    <root>/<category>/ground_truth/<defect_type>/<image stem>_mask.png

Every problem (missing folders, an empty train/good, a defect image without its mask, an
unreadable file, a mask whose size differs from its image) raises an error naming the path.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

MVTEC_CATEGORIES = (
    "bottle",
    "cable",
    "capsule",
    "carpet",
    "grid",
    "hazelnut",
    "leather",
    "metal_nut",
    "pill",
    "screw",
    "tile",
    "toothbrush",
    "transistor",
    "wood",
    "zipper",
)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def _images_in(folder: str) -> list[str]:
    """The images directly in ``folder``; a subfolder is an error naming it (its images
    would be left out without a word)."""
    nested = sorted(f for f in os.listdir(folder) if os.path.isdir(os.path.join(folder, f)))
    if nested:
        raise ValueError(
            f"{folder}: holds subfolders {', '.join(nested)}, which are not read (images must "
            "be directly in it; `tfdefect extract-good` copies a tree flat)"
        )
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith(".")
    )


def list_category(root: str, category: str) -> dict[str, list[dict]]:
    """Records of one category: {"train": [...], "test": [...]}, each record a dict with
    path, defect_type ("good" or the folder name) and mask_path (None for good images)."""
    base = os.path.join(root, category)
    if not os.path.isdir(base):
        present = sorted(d for d in os.listdir(root)) if os.path.isdir(root) else []
        raise FileNotFoundError(
            f"category folder {base} not found; folders in {root}: {', '.join(present) or 'none'}"
        )
    train_good = os.path.join(base, "train", "good")
    if not os.path.isdir(train_good) or not _images_in(train_good):
        raise ValueError(f"{train_good}: no training images (train/good must hold good images)")
    records = {
        "train": [
            {"path": p, "defect_type": "good", "mask_path": None} for p in _images_in(train_good)
        ],
        "test": [],
    }
    test_root = os.path.join(base, "test")
    if not os.path.isdir(test_root):
        raise FileNotFoundError(f"{test_root} not found")
    for defect_type in sorted(os.listdir(test_root)):
        folder = os.path.join(test_root, defect_type)
        if not os.path.isdir(folder):
            continue
        images = _images_in(folder)
        if not images:
            raise ValueError(f"{folder}: empty test folder")
        for path in images:
            mask_path = None
            if defect_type != "good":
                stem = os.path.splitext(os.path.basename(path))[0]
                mask_path = os.path.join(base, "ground_truth", defect_type, f"{stem}_mask.png")
                if not os.path.isfile(mask_path):
                    raise FileNotFoundError(
                        f"{path}: ground-truth mask missing, expected {mask_path}"
                    )
            records["test"].append(
                {"path": path, "defect_type": defect_type, "mask_path": mask_path}
            )
    return records


def read_record(record: dict) -> tuple[np.ndarray, np.ndarray]:
    """(image (H, W, 3) uint8 RGB, mask (H, W) uint8 0/255) of one record."""
    image = cv2.imread(record["path"], cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{record['path']}: unreadable image")
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if record["mask_path"] is None:
        return image, np.zeros(image.shape[:2], np.uint8)
    mask = cv2.imread(record["mask_path"], cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise ValueError(f"{record['mask_path']}: unreadable mask")
    if mask.shape != image.shape[:2]:
        raise ValueError(
            f"{record['mask_path']}: mask is {mask.shape[1]}x{mask.shape[0]} but its image "
            f"{record['path']} is {image.shape[1]}x{image.shape[0]}"
        )
    return image, np.where(mask > 127, 255, 0).astype(np.uint8)
