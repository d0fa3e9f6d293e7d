"""Writes the committed ``dummy_data/`` of the five TFDS builders (the manual-dir fixtures of
``tests/datasets/test_tfds_conventions.py``): ``python -m tests.datasets.dummy_data_writer``.

Small and deterministic: every image comes from a seeded generator, so rerunning rewrites
the same files.
"""

from __future__ import annotations

import csv
import os

import cv2
import numpy as np

from tests.annotated_chips import NAMES, synthetic_chips, write_via_split
from tfdefect.datasets.chips6.manual import write_chip_folder
from tfdefect.datasets.chips6.splits import write_coco_split

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "tfdefect", "datasets")


def _folder(name: str) -> str:
    return os.path.join(ROOT, name, "dummy_data")


def _texture(rng, size, channels=3):
    base = rng.integers(60, 200, (size // 8, size // 8, channels)).astype(np.uint8)
    image = cv2.resize(base, (size, size), interpolation=cv2.INTER_CUBIC)
    return image.reshape(size, size, channels)


def write_chips6():
    root = _folder("chips6")
    write_coco_split(os.path.join(root, "train"), synthetic_chips(2, seed=10), NAMES, tiff=True)
    write_via_split(os.path.join(root, "validation"), synthetic_chips(1, seed=11), tiff=False)
    ((key, chip),) = synthetic_chips(1, seed=12)
    write_chip_folder(os.path.join(root, "test", key), chip["image"], chip["semantic_mask"])


def write_pcb_anomaly():
    rng = np.random.default_rng(0)
    base = os.path.join(_folder("pcb_anomaly"), "bottle")
    for folder, count in (("train/good", 2), ("test/good", 1), ("test/broken_large", 1)):
        os.makedirs(os.path.join(base, folder), exist_ok=True)
        for index in range(count):
            cv2.imwrite(os.path.join(base, folder, f"{index:03d}.png"), _texture(rng, 64))
    mask = np.zeros((64, 64), np.uint8)
    mask[20:30, 24:40] = 255
    os.makedirs(os.path.join(base, "ground_truth", "broken_large"), exist_ok=True)
    cv2.imwrite(os.path.join(base, "ground_truth", "broken_large", "000_mask.png"), mask)


def write_casting():
    rng = np.random.default_rng(1)
    for split in ("train", "test"):
        for label in ("def_front", "ok_front"):
            folder = os.path.join(_folder("casting"), split, label)
            os.makedirs(folder, exist_ok=True)
            cv2.imwrite(os.path.join(folder, f"cast_{label}_0.jpeg"), _texture(rng, 64))


def write_smt_pairs():
    rng = np.random.default_rng(2)
    root = _folder("smt_pairs")
    os.makedirs(os.path.join(root, "crops"), exist_ok=True)
    rows = []
    for index, (split, label, defect) in enumerate(
        [
            ("train", "ok", "ok"),
            ("train", "ng", "missing"),
            ("validation", "ok", "ok"),
            ("test", "ng", "shift"),
        ]
    ):
        names = []
        for role in ("reference", "test"):
            name = f"crops/{index}_{role}.png"
            cv2.imwrite(os.path.join(root, name), _texture(rng, 32))
            names.append(name)
        rows.append(
            {
                "position": "R0402",
                "reference_image": names[0],
                "test_image": names[1],
                "label": label,
                "defect_class": defect,
                "board_id": f"board{index}",
                "split": split,
            }
        )
    with open(os.path.join(root, "annotation_labels.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_wafer_sem(class_names):
    rng = np.random.default_rng(3)
    for label in class_names[:3]:
        folder = os.path.join(_folder("wafer_sem"), label)
        os.makedirs(folder, exist_ok=True)
        for index in range(3):
            image = (rng.random((32, 32)) * 255).astype(np.uint8)  # no near-duplicates
            cv2.imwrite(os.path.join(folder, f"{label}_{index}.png"), image)


def main():
    from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES

    write_chips6()
    write_pcb_anomaly()
    write_casting()
    write_smt_pairs()
    write_wafer_sem(list(CLASS_NAMES))
    print(os.path.abspath(ROOT))


if __name__ == "__main__":
    main()
