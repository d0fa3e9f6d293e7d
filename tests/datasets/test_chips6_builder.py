import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tests.conftest import TINY_CHIPS6, TINY_SYNTHESIS
from tfdefect.datasets.chips6 import Builder, Chips6Config
from tfdefect.datasets.chips6.data_config import Chips6DataConfig, chips6_class_names
from tfdefect.datasets.chips6.manual import ChipFolderError, write_chip_folder
from tfdefect.datasets.chips6.synthetic import render_chip

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_synthetic_features_and_splits(tiny_chips6):
    info = tiny_chips6.info
    assert {s: info.splits[s].num_examples for s in ("train", "validation", "test")} == {
        "train": 8,
        "validation": 2,
        "test": 2,
    }
    for example in tfds.as_numpy(tiny_chips6.as_dataset(split="train")):
        assert example["image"].shape == (64, 64, 6) and example["image"].dtype == np.uint8
        assert example["mask"].shape == (64, 64)
        objects = example["objects"]
        n = len(objects["label"])
        assert objects["mask"].shape == (n, 64, 64) and objects["bbox"].shape == (n, 4)
        assert example["has_defect"] == (n > 0)
        for mask, label, box in zip(
            objects["mask"], objects["label"], objects["bbox"], strict=True
        ):
            assert np.all(example["mask"][mask] == label + 1)  # ClassLabel 0 = bump
            ys, xs = np.nonzero(mask)
            assert np.allclose(
                box, [ys.min() / 64, xs.min() / 64, (ys.max() + 1) / 64, (xs.max() + 1) / 64]
            )


def test_synthetic_examples_are_reproducible(tiny_chips6):
    example = next(iter(tfds.as_numpy(tiny_chips6.as_dataset(split="test").take(1))))
    index = int(example["chip_id"].decode().split("_")[1])
    chip = render_chip(np.random.default_rng([0, 2, index]), TINY_SYNTHESIS)
    assert np.array_equal(chip.image, example["image"])


def _manual_tree(root, count=2, size=64):
    for split in ("train", "validation", "test"):
        for i in range(count):
            chip = render_chip(np.random.default_rng(100 + i), TINY_SYNTHESIS)
            write_chip_folder(os.path.join(root, split, f"chip{i}"), chip.image, chip.semantic_mask)
    return root


def _build_manual(tmp_path, manual_dir):
    config = Chips6Config(name="manual_tiny", manual=True, **TINY_CHIPS6)
    builder = Builder(config=config, data_dir=str(tmp_path / "data"))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir))
    )
    return builder


def test_manual_config_reads_folders(tmp_path):
    manual = _manual_tree(tmp_path / "manual")
    builder = _build_manual(tmp_path, manual)
    examples = list(tfds.as_numpy(builder.as_dataset(split="train")))
    assert len(examples) == 2
    expected = render_chip(np.random.default_rng(100), TINY_SYNTHESIS)
    by_id = {e["chip_id"].decode(): e for e in examples}
    assert np.array_equal(by_id["chip0"]["image"], expected.image)
    assert np.array_equal(by_id["chip0"]["mask"], expected.semantic_mask)
    assert len(by_id["chip0"]["objects"]["label"]) == len(expected.labels)


def test_manual_corrupt_file_is_named(tmp_path):
    manual = _manual_tree(tmp_path / "manual")
    bad = manual / "train" / "chip1" / "pads.png"
    bad.write_bytes(b"not a png at all")
    with pytest.raises(ChipFolderError, match=r"chip1/pads.png: not a readable image"):
        _build_manual(tmp_path, manual)


def test_manual_wrong_shape_is_named(tmp_path):
    manual = _manual_tree(tmp_path / "manual")
    cv2.imwrite(str(manual / "test" / "chip0" / "drill.png"), np.zeros((32, 64), np.uint8))
    with pytest.raises(ChipFolderError, match=r"chip0/drill.png: shape \(32, 64\)"):
        _build_manual(tmp_path, manual)


def test_manual_missing_channel_and_empty_split(tmp_path):
    manual = _manual_tree(tmp_path / "manual")
    os.remove(manual / "validation" / "chip0" / "variance.png")
    with pytest.raises(ChipFolderError, match=r"chip0/variance.png: file is missing"):
        _build_manual(tmp_path, manual)
    empty = _manual_tree(tmp_path / "empty")
    for chip in os.listdir(empty / "test"):
        for f in os.listdir(empty / "test" / chip):
            os.remove(empty / "test" / chip / f)
        os.rmdir(empty / "test" / chip)
    with pytest.raises(ChipFolderError, match=r"test: split folder holds no chip folders"):
        _build_manual(tmp_path / "second", empty)


@pytest.mark.slow
def test_tfds_build_command_line(tmp_path):
    """`tfds build datasets/chips6` works offline (it imports apache_beam and mlcroissant)."""
    manual = _manual_tree(tmp_path / "manual", count=1, size=224)
    # the registered manual config expects 224 px chips
    for split in ("train", "validation", "test"):
        chip = render_chip(np.random.default_rng(7))
        write_chip_folder(str(manual / split / "chip0"), chip.image, chip.semantic_mask)
    tfds_cli = os.path.join(os.path.dirname(sys.executable), "tfds")
    result = subprocess.run(
        [
            tfds_cli,
            "build",
            "datasets/chips6",
            "--config",
            "manual",
            "--data_dir",
            str(tmp_path / "data"),
            "--manual_dir",
            str(manual),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = tfds.builder_from_directory(str(tmp_path / "data" / "chips6" / "manual" / "1.1.0"))
    assert built.info.splits["train"].num_examples == 1


def test_manual_chips_with_the_users_own_classes(tmp_path):
    manual = tmp_path / "manual"
    for split in ("train", "validation", "test"):
        chip = render_chip(np.random.default_rng(7), TINY_SYNTHESIS)
        semantic = np.minimum(chip.semantic_mask, 2)  # two classes of the user's own
        semantic[:4, :4] = 2
        write_chip_folder(os.path.join(manual, split, "chip0"), chip.image, semantic)
    settings = {"data_dir": str(tmp_path / "data"), "image_size": 64}
    builder = Chips6DataConfig(
        manual_dir=str(manual), class_names=("scratch", "void"), **settings
    ).prepare()
    assert chips6_class_names(builder) == ["background", "scratch", "void"]
    with pytest.raises(ValueError, match="renders bump, dent, dot; other class_names"):
        Chips6DataConfig(class_names=("scratch", "void"), **settings).prepare()
    with pytest.raises(ChipFolderError, match=r"mask.png: class id 2 out of range 0..1"):
        Chips6DataConfig(manual_dir=str(manual), class_names=("scratch",), **settings).prepare()


def _as_chips(examples):
    return [
        (
            example["chip_id"].decode(),
            {
                "image": example["image"],
                "instance_masks": example["objects"]["mask"],
                "boxes": example["objects"]["bbox"] * 64,
                "labels": example["objects"]["label"] + 1,
                "is_crowd": example["objects"]["is_crowd"],
            },
        )
        for example in examples
    ]


def test_manual_coco_and_via_annotations_build_the_synthetic_examples(tiny_chips6, tmp_path):
    from tests.annotated_chips import NAMES, write_via_split
    from tfdefect.datasets.chips6.splits import write_coco_split

    splits = {
        s: list(tfds.as_numpy(tiny_chips6.as_dataset(split=s)))
        for s in ("train", "validation", "test")
    }
    manual = tmp_path / "manual"
    write_coco_split(str(manual / "train"), _as_chips(splits["train"]), NAMES, tiff=True)
    write_via_split(str(manual / "validation"), _as_chips(splits["validation"]), tiff=False)
    write_coco_split(str(manual / "test"), _as_chips(splits["test"]), NAMES)
    builder = _build_manual(tmp_path, manual)
    for split, examples in splits.items():
        built = {
            ex["chip_id"].decode().removesuffix(".tiff"): ex
            for ex in tfds.as_numpy(builder.as_dataset(split=split))
        }
        assert sorted(built) == sorted(ex["chip_id"].decode() for ex in examples)
        for original in examples:
            back = built[original["chip_id"].decode()]
            assert np.array_equal(back["image"], original["image"])
            assert np.array_equal(back["objects"]["label"], original["objects"]["label"])
            assert np.allclose(back["objects"]["bbox"], original["objects"]["bbox"])
            if split != "validation":  # VIA rect regions are the boxes, not the masks
                assert np.array_equal(back["mask"], original["mask"])
                assert np.array_equal(back["objects"]["mask"], original["objects"]["mask"])
            assert not back["objects"]["is_crowd"].any()
