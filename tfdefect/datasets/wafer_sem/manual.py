"""Read wafer SEM images stored one folder per class (manual_dir/<class>/*.png)."""

from __future__ import annotations

import os

import cv2
import numpy as np

from tfdefect.datasets.wafer_sem.settings import WaferSemSettings

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def list_class_folders(
    manual_dir: str, class_names=WaferSemSettings.class_names
) -> list[tuple[str, int]]:
    """[(path, class index)] of every image; errors name unknown folders and empty input."""
    class_names = list(class_names)
    if not os.path.isdir(manual_dir):
        raise FileNotFoundError(f"{manual_dir}: not a folder")
    folders = sorted(
        d for d in os.listdir(manual_dir) if os.path.isdir(os.path.join(manual_dir, d))
    )
    lookup = {name.lower(): i for i, name in enumerate(class_names)}
    lookup.update(
        {"cmp(scratch)": class_names.index("cmp_scratch")} if "cmp_scratch" in class_names else {}
    )
    unknown = [d for d in folders if d.lower() not in lookup]
    if unknown:
        raise ValueError(
            f"{manual_dir}: unknown class folders {unknown}; expected some of {list(class_names)}"
        )
    records = []
    for folder in folders:
        path = os.path.join(manual_dir, folder)
        files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_SUFFIXES))
        records += [(os.path.join(path, f), lookup[folder.lower()]) for f in files]
    if not records:
        raise ValueError(
            f"{manual_dir}: no images in any class folder ({', '.join(IMAGE_SUFFIXES)})"
        )
    return records


def read_grey(path: str, size: int) -> np.ndarray:
    """(size, size, 1) uint8; a clear error naming ``path`` if it cannot be decoded."""
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    if image.shape != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return image[..., None]
