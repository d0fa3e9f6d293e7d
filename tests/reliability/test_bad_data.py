"""Guarantee: every bad input is named, nothing is dropped without a word.

One test per row of the fault table in README ("What tfdefect guarantees")."""

import cv2
import numpy as np
import pytest

from tests.conftest import TINY_SYNTHESIS
from tfdefect.data.good_image_extractor import extract_good_images
from tfdefect.data.mvtec_folder import list_category
from tfdefect.datasets.casting.manual import list_casting
from tfdefect.datasets.chips6.manual import ChipFolderError, read_chip_folder, write_chip_folder
from tfdefect.datasets.chips6.synthetic import render_chip
from tfdefect.datasets.smt_pairs.manual import read_annotations

HEADER = "position,reference_image,test_image,label,defect_class,board_id,split"


def test_a_16_bit_chip_mask_is_read_with_its_real_values(tmp_path):
    chip = render_chip(np.random.default_rng(0), TINY_SYNTHESIS)
    write_chip_folder(str(tmp_path / "chip"), chip.image, chip.semantic_mask)
    wide = chip.semantic_mask.astype(np.uint16)
    wide[0, 0] = 257  # wrapped to 1 (bump) when cast to uint8
    cv2.imwrite(str(tmp_path / "chip" / "mask.png"), wide)
    with pytest.raises(ChipFolderError, match=r"mask.png: class id 257 out of range 0..3"):
        read_chip_folder(str(tmp_path / "chip"))


def test_a_chip_of_another_size_names_the_setting_that_fits_it(tmp_path):
    chip = render_chip(np.random.default_rng(0), TINY_SYNTHESIS)  # 64 px
    write_chip_folder(str(tmp_path / "chip"), chip.image, chip.semantic_mask)
    with pytest.raises(ChipFolderError, match=r"expects \(224, 224\).*data.image_size=64"):
        read_chip_folder(str(tmp_path / "chip"), 224)


def _pairs_csv(folder, rows, header=HEADER, bom=False):
    for name in ("ref.png", "a.png"):
        cv2.imwrite(str(folder / name), np.zeros((8, 8, 3), np.uint8))
    text = header + "\n" + "\n".join(rows) + "\n"
    (folder / "annotation_labels.csv").write_bytes(
        ("\ufeff" if bom else "").encode() + text.encode()
    )
    return str(folder / "annotation_labels.csv")


ALL_SPLITS = [
    "R0402,ref.png,a.png,ok,ok,B1,train",
    "R0402,ref.png,a.png,ok,ok,B2,validation",
    "R0402,ref.png,a.png,ng,shift,B3,test",
]


def test_a_csv_saved_with_a_byte_order_mark_reads(tmp_path, caplog):
    caplog.set_level("INFO", logger="tfdefect")
    grouped = read_annotations(_pairs_csv(tmp_path, ALL_SPLITS, bom=True))
    assert {split: len(rows) for split, rows in grouped.items()} == {
        "train": 1,
        "validation": 1,
        "test": 1,
    }
    assert "train 1, validation 1, test 1 pairs" in caplog.text


def test_a_short_csv_row_is_named(tmp_path):
    rows = [*ALL_SPLITS, "R0402,ref.png,a.png"]
    with pytest.raises(ValueError, match=r"row 4: 3 values for 7 columns \(a short or malformed"):
        read_annotations(_pairs_csv(tmp_path, rows))


def test_a_csv_without_validation_rows_is_refused(tmp_path):
    rows = [ALL_SPLITS[0], ALL_SPLITS[2]]
    with pytest.raises(ValueError, match=r"no pairs for validation \(train 1, validation 0"):
        read_annotations(_pairs_csv(tmp_path, rows))


def _casting_tree(root, splits=("train", "test"), classes=("ok_front", "def_front")):
    for split in splits:
        for name in classes:
            (root / split / name).mkdir(parents=True)
            cv2.imwrite(str(root / split / name / "a.jpeg"), np.zeros((8, 8, 3), np.uint8))
    return root


def test_casting_with_an_extra_class_folder_is_refused(tmp_path):
    root = _casting_tree(tmp_path, classes=("ok_front", "def_front", "scratch_front"))
    with pytest.raises(ValueError, match=r"train: unexpected class folder\(s\) scratch_front"):
        list_casting(str(root))


def test_casting_without_a_test_split_is_refused(tmp_path):
    root = _casting_tree(tmp_path, splits=("train",))
    with pytest.raises(FileNotFoundError, match=r"test: missing"):
        list_casting(str(root))


def test_extract_good_and_the_builder_agree_on_subfolders(tmp_path):
    source = tmp_path / "capture"
    (source / "line1").mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(source / "line1" / f"{i}.png"), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(source / "top.png"), np.zeros((8, 8, 3), np.uint8))
    category = tmp_path / "mvtec" / "toolbox"
    assert extract_good_images(str(source), str(category / "train" / "good"))["copied"] == 4
    (category / "test" / "good").mkdir(parents=True)
    cv2.imwrite(str(category / "test" / "good" / "t.png"), np.zeros((8, 8, 3), np.uint8))
    records = list_category(str(tmp_path / "mvtec"), "toolbox")
    assert len(records["train"]) == 4  # every copied image is read
    (category / "train" / "good" / "nested").mkdir()
    with pytest.raises(ValueError, match="holds subfolders nested, which are not read"):
        list_category(str(tmp_path / "mvtec"), "toolbox")
