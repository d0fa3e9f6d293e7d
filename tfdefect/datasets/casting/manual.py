"""Read the public casting-product folder layout (ok / defective cast impellers).

<manual_dir>/[casting_data/]train/def_front/*.jpeg
<manual_dir>/[casting_data/]train/ok_front/*.jpeg
<manual_dir>/[casting_data/]test/def_front/...   and test/ok_front/...
"""

from __future__ import annotations

import logging
import os

import cv2
import numpy as np

logger = logging.getLogger(__name__)

CLASS_FOLDERS = {"ok_front": 0, "def_front": 1}
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".bmp")


def casting_root(manual_dir: str) -> str:
    """The folder holding train/ and test/ (manual_dir itself or manual_dir/casting_data)."""
    for root in (manual_dir, os.path.join(manual_dir, "casting_data")):
        if os.path.isdir(os.path.join(root, "train")):
            return root
    raise FileNotFoundError(
        f"{manual_dir}: no train/ folder (expected train/ and test/ with def_front/ and "
        "ok_front/, optionally under casting_data/)"
    )


def list_casting(manual_dir: str) -> dict[str, list[tuple[str, int]]]:
    """{split: [(image path, label 0 ok / 1 def)]} of train and test. A missing split, or a
    class folder the layout does not use, is an error naming it: it would change what the
    model is trained or tested on."""
    root = casting_root(manual_dir)
    splits = {}
    for split in ("train", "test"):
        folder = os.path.join(root, split)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"{folder}: missing (the casting layout has train/ and test/; without test/ "
                "nothing would be tested)"
            )
        _refuse_unused(folder, tuple(CLASS_FOLDERS), "class")
        records = []
        for class_folder, label in CLASS_FOLDERS.items():
            path = os.path.join(folder, class_folder)
            if not os.path.isdir(path):
                raise FileNotFoundError(
                    f"{path}: missing (each split needs def_front and ok_front)"
                )
            files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_SUFFIXES))
            if not files:
                raise ValueError(f"{path}: no images ({', '.join(IMAGE_SUFFIXES)})")
            records += [(os.path.join(path, f), label) for f in files]
        splits[split] = records
    logger.info(
        f"{root}: "
        + ", ".join(f"{split} {len(records)} images" for split, records in splits.items())
    )
    return splits


def _refuse_unused(folder: str, expected: tuple[str, ...], what: str) -> None:
    """Raise naming any subfolder of ``folder`` that is not among ``expected``."""
    extra = sorted(
        name
        for name in os.listdir(folder)
        if os.path.isdir(os.path.join(folder, name)) and name not in expected
    )
    if extra:
        raise ValueError(
            f"{folder}: unexpected {what} folder(s) {', '.join(extra)} (expected "
            f"{', '.join(expected)}); move them out, they would be silently left out"
        )


def read_casting_image(path: str, size: int) -> np.ndarray:
    """(size, size, 3) uint8 RGB; a clear error naming ``path`` if it cannot be decoded."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    if image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
