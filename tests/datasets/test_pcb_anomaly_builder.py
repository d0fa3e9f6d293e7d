import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfdefect.data.mvtec_folder import list_category, read_record
from tfdefect.datasets.pcb_anomaly.data_config import PcbAnomalyDataConfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _write(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), array)


def _mvtec_tree(root, category="toolbox", size=40):
    """A tiny MVTec-format category with a custom name."""
    rng = np.random.default_rng(0)
    base = os.path.join(root, category)
    for i in range(3):
        _write(f"{base}/train/good/{i:03d}.png", rng.integers(0, 255, (size, size, 3), np.uint8))
    _write(f"{base}/test/good/000.png", rng.integers(0, 255, (size, size, 3), np.uint8))
    _write(f"{base}/test/scratch/000.png", rng.integers(0, 255, (size, size), np.uint8))  # grey
    mask = np.zeros((size, size), np.uint8)
    mask[5:10, 5:20] = 255
    _write(f"{base}/ground_truth/scratch/000_mask.png", mask)
    return base


def test_synthetic_splits_labels_and_masks(tmp_path):
    config = PcbAnomalyDataConfig(
        data_dir=str(tmp_path), num_train=3, num_validation=1, num_test=2, image_size=64
    )
    builder = config.prepare()
    counts = {s: builder.info.splits[s].num_examples for s in ("train", "validation", "test")}
    assert counts == {"train": 3, "validation": 3, "test": 6}
    train = list(tfds.as_numpy(builder.as_dataset(split="train")))
    assert all(e["label"] == 0 and e["mask"].max() == 0 for e in train)
    for example in tfds.as_numpy(builder.as_dataset(split="test")):
        assert example["image"].shape == (64, 64, 3)
        defective = example["defect_type"].decode() != "good"
        assert example["label"] == int(defective)
        assert (example["mask"].max() == 255) == defective


def test_mvtec_folder_with_a_custom_category_name(tmp_path):
    _mvtec_tree(tmp_path / "manual")
    config = PcbAnomalyDataConfig(
        data_dir=str(tmp_path / "data"), manual_dir=str(tmp_path / "manual"), category="toolbox"
    )
    builder = config.prepare()
    assert builder.info.config_name.startswith("mvtec_toolbox_")
    assert builder.info.splits["train"].num_examples == 3
    test = {e["filename"].decode(): e for e in tfds.as_numpy(builder.as_dataset(split="test"))}
    scratch = next(e for name, e in test.items() if "scratch" in name)
    assert scratch["label"] == 1 and scratch["image"].shape == (40, 40, 3)
    assert scratch["mask"][5:10, 5:20].min() == 255 and scratch["mask"].sum() == 5 * 15 * 255


def test_mvtec_errors_name_the_path(tmp_path):
    base = _mvtec_tree(tmp_path)
    with pytest.raises(FileNotFoundError, match="category folder .*cable not found.*toolbox"):
        list_category(str(tmp_path), "cable")
    os.remove(f"{base}/ground_truth/scratch/000_mask.png")
    with pytest.raises(FileNotFoundError, match="000.png: ground-truth mask missing, expected"):
        list_category(str(tmp_path), "toolbox")
    _write(f"{base}/ground_truth/scratch/000_mask.png", np.zeros((20, 40), np.uint8))
    record = [r for r in list_category(str(tmp_path), "toolbox")["test"] if r["mask_path"]][0]
    with pytest.raises(ValueError, match="000_mask.png: mask is 40x20 but its image .* is 40x40"):
        read_record(record)
    with open(f"{base}/test/good/000.png", "wb") as handle:
        handle.write(b"not a png")
    good = [r for r in list_category(str(tmp_path), "toolbox")["test"] if not r["mask_path"]][0]
    with pytest.raises(ValueError, match="test/good/000.png: unreadable image"):
        read_record(good)
    for name in os.listdir(f"{base}/train/good"):
        os.remove(f"{base}/train/good/{name}")
    with pytest.raises(ValueError, match="train/good: no training images"):
        list_category(str(tmp_path), "toolbox")


@pytest.mark.slow
def test_tfds_command_line_builds_a_custom_category(tmp_path):
    _mvtec_tree(tmp_path / "manual", category="pcb")
    tfds_cli = os.path.join(os.path.dirname(sys.executable), "tfds")
    config = '{"name": "mvtec_pcb", "category": "pcb", "manual": true}'
    result = subprocess.run(
        [tfds_cli, "build", "datasets/pcb_anomaly", "--config", config]
        + ["--data_dir", str(tmp_path / "data"), "--manual_dir", str(tmp_path / "manual")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = tfds.builder_from_directory(
        str(tmp_path / "data" / "pcb_anomaly" / "mvtec_pcb" / "1.0.0")
    )
    assert built.info.splits["test"].num_examples == 2
