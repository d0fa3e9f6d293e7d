"""Reading real SMT pairs listed in ``annotation_labels.csv``.

Columns (header row required; extra columns are ignored):

    position         component model series, e.g. R0402 or a part number
    reference_image  path of the ok crop from the gold board (relative to the CSV)
    test_image       path of the crop from the inspected board (relative to the CSV)
    label            ok or ng
    defect_class     one of the dataset's class_names (default ``SmtPairsSettings``'s: the
                     synthetic classes; ok for ok pairs)
    board_id         inspected board; all pairs of a board land in the same split
    split            optional: train, validation or test; without it the split follows a
                     hash of board_id (70 / 15 / 15), so no board is in two splits

Every problem names the CSV row (1 = first data row) and the path.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os

import cv2

from tfdefect.datasets.smt_pairs.settings import SmtPairsSettings

logger = logging.getLogger(__name__)

REQUIRED = ("position", "reference_image", "test_image", "label", "defect_class", "board_id")
SPLITS = ("train", "validation", "test")


def split_of_board(board_id: str) -> str:
    """Deterministic 70 / 15 / 15 split from a hash of the board id."""
    bucket = int(hashlib.sha1(board_id.encode()).hexdigest(), 16) % 100
    return "train" if bucket < 70 else "validation" if bucket < 85 else "test"


def read_annotations(
    csv_path: str, class_names=SmtPairsSettings.class_names
) -> dict[str, list[dict]]:
    """Rows of ``annotation_labels.csv`` grouped by split, checked against ``class_names``
    (which must hold ``ok``); paths made absolute."""
    class_names = list(class_names)
    if "ok" not in class_names:
        raise ValueError(f"class_names {class_names} must include 'ok' (the class of ok pairs)")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"{csv_path}: annotation CSV not found")
    root = os.path.dirname(os.path.abspath(csv_path))
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:  # Excel writes a BOM
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ValueError(f"{csv_path}: missing columns {missing}; required: {list(REQUIRED)}")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{csv_path}: no rows")
    grouped = {split: [] for split in SPLITS}
    for number, row in enumerate(rows, start=1):
        where = f"{csv_path} row {number}"
        if None in row or any(row[c] is None for c in columns):
            count = len([v for k, v in row.items() if k is not None and v is not None])
            count += len(row.get(None) or [])
            raise ValueError(
                f"{where}: {count} values for {len(columns)} columns (a short or malformed "
                "line; quote values that hold commas)"
            )
        if row["defect_class"] not in class_names:
            raise ValueError(
                f"{where}: unknown defect_class {row['defect_class']!r}; "
                f"valid: {', '.join(class_names)}"
            )
        if row["label"] not in ("ok", "ng"):
            raise ValueError(f"{where}: label must be ok or ng, got {row['label']!r}")
        if (row["label"] == "ok") != (row["defect_class"] == "ok"):
            raise ValueError(f"{where}: label {row['label']} contradicts {row['defect_class']}")
        record = {k: row[k] for k in REQUIRED}
        for key in ("reference_image", "test_image"):
            path = os.path.join(root, row[key])
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{where}: {key} {path} not found")
            record[key] = path
        split = row.get("split") or split_of_board(row["board_id"])
        if split not in SPLITS:
            raise ValueError(f"{where}: split must be one of {SPLITS}, got {split!r}")
        record["row"] = number
        grouped[split].append(record)
    counts = ", ".join(f"{split} {len(records)}" for split, records in grouped.items())
    empty = [split for split, records in grouped.items() if not records]
    if empty:
        how = (
            "add rows with that split"
            if "split" in columns
            else "add boards, or a split column (train / validation / test)"
        )
        raise ValueError(f"{csv_path}: no pairs for {', '.join(empty)} ({counts}); {how}")
    logger.info(f"{csv_path}: {counts} pairs")
    return grouped


def read_crop(path: str, where: str, size: int):
    """(size, size, 3) uint8 RGB crop; errors name the CSV row and path."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{where}: unreadable image {path}")
    image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
