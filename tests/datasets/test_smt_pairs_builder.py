import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfdefect.datasets.smt_pairs.manual import read_annotations, split_of_board
from tfdefect.datasets.smt_pairs.synthetic import POSITIONS
from tfdefect.datasets.tfds_builders import builder_module


def test_synthetic_boards_never_cross_splits(tmp_path):
    module = builder_module("smt_pairs")
    config = module.SmtPairsConfig(
        name="tiny", boards_train=2, boards_validation=1, boards_test=1, parts_per_position=2
    )
    builder = module.Builder(config=config, data_dir=str(tmp_path))
    builder.download_and_prepare()
    per_board = len(POSITIONS) * 2
    boards = {}
    for split, count in (("train", 2), ("validation", 1), ("test", 1)):
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == count * per_board
        boards[split] = {e["board_id"] for e in examples}
        for e in examples:
            assert e["reference"].shape == e["test"].shape == (64, 64, 3)
            assert e["label"] == int(e["defect_class"] != 0)
    assert not boards["train"] & boards["validation"] and not boards["train"] & boards["test"]


def _csv(tmp_path, rows, header="position,reference_image,test_image,label,defect_class,board_id"):
    rng = np.random.default_rng(0)
    for name in ("ref.png", "a.png"):
        cv2.imwrite(str(tmp_path / name), rng.integers(0, 255, (30, 40, 3), np.uint8))
    path = tmp_path / "annotation_labels.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return str(path)


def test_manual_csv_builds_and_resizes(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    _csv(
        manual,
        [
            "R0402,ref.png,a.png,ok,ok,B1,train",
            "R0402,ref.png,a.png,ng,shift,B1,train",
            "R0402,ref.png,a.png,ok,ok,B3,validation",
            "SOT23,ref.png,a.png,ng,missing,B2,test",
        ],
        header="position,reference_image,test_image,label,defect_class,board_id,split",
    )
    module = builder_module("smt_pairs")
    builder = module.Builder(config="manual", data_dir=str(tmp_path / "data"))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual))
    )
    assert builder.info.splits["train"].num_examples == 2
    example = next(iter(tfds.as_numpy(builder.as_dataset(split="test"))))
    assert example["test"].shape == (64, 64, 3) and example["position"] == b"SOT23"


def test_csv_errors_name_the_row_and_path(tmp_path):
    with pytest.raises(ValueError, match=r"row 2: unknown defect_class 'scratch'"):
        read_annotations(
            _csv(tmp_path, ["R0402,ref.png,a.png,ok,ok,B1", "R0402,ref.png,a.png,ng,scratch,B1"])
        )
    with pytest.raises(FileNotFoundError, match=r"row 1: test_image .*nothere.png not found"):
        read_annotations(_csv(tmp_path, ["R0402,ref.png,nothere.png,ok,ok,B1"]))
    with pytest.raises(ValueError, match="row 1: label ok contradicts shift"):
        read_annotations(_csv(tmp_path, ["R0402,ref.png,a.png,ok,shift,B1"]))
    with pytest.raises(ValueError, match=r"missing columns \['board_id'\]"):
        read_annotations(
            _csv(
                tmp_path,
                ["R0402,ref.png,a.png,ok,ok"],
                header="position,reference_image,test_image,label,defect_class",
            )
        )
    assert split_of_board("B1") == split_of_board("B1") in ("train", "validation", "test")
    os.remove(tmp_path / "annotation_labels.csv")
    with pytest.raises(FileNotFoundError, match="annotation CSV not found"):
        read_annotations(str(tmp_path / "annotation_labels.csv"))


def test_manual_csv_with_the_users_own_defect_classes(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    _csv(
        manual,
        [
            "R0402,ref.png,a.png,ok,ok,B1,train",
            "R0402,ref.png,a.png,ng,scratch,B1,train",
            "R0402,ref.png,a.png,ok,ok,B3,validation",
            "SOT23,ref.png,a.png,ng,lifted_lead,B2,test",
        ],
        header="position,reference_image,test_image,label,defect_class,board_id,split",
    )
    module = builder_module("smt_pairs")
    names = ("ok", "scratch", "lifted_lead")
    config = module.SmtPairsConfig(name="own", manual=True, class_names=names)
    builder = module.Builder(config=config, data_dir=str(tmp_path / "data"))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual))
    )
    assert builder.info.features["defect_class"].names == list(names)
    example = next(iter(tfds.as_numpy(builder.as_dataset(split="test"))))
    assert example["defect_class"] == 2 and example["label"] == 1
    with pytest.raises(ValueError, match="must include 'ok'"):
        read_annotations(str(manual / "annotation_labels.csv"), ("scratch",))
    synthetic = module.SmtPairsConfig(name="bad", class_names=names)
    with pytest.raises(ValueError, match="need manual_dir"):
        module.Builder(config=synthetic, data_dir=str(tmp_path / "x")).download_and_prepare()
