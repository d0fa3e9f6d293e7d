import json
import os

import numpy as np
import pytest

from tests.prediction_checks import check_predictions
from tfdefect.config import ConfigError
from tfdefect.recipes.mask_rcnn_chips import main


def test_recipe_runs_end_to_end_on_tiny_chips(tmp_path):
    workdir, exports = tmp_path / "run", tmp_path / "saved_models"
    settings = {
        "variants": "r25_c3",
        "workdir": str(workdir),
        "export_dir": str(exports),
        "crop_size": "32",
        "train_rois": "8",
        "fpn_channels": "16",
        "mask_channels": "8",
        "export_onnx": "false",  # Mask R-CNN's ONNX parity: tests/models/mask_rcnn (35 s)
        "data.data_dir": str(tmp_path / "tfds"),
        "data.image_size": "64",
        "data.num_train": "4",
        "data.num_validation": "2",
        "data.num_test": "2",
        "train.epochs": "1",
        "train.batch_size": "2",
        "train.tensorboard": "false",
    }
    overrides = [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]
    result = main(overrides)
    row = result["rows"][0]
    assert row["variant"] == "r25_c3" and 0.0 <= row["map50"] <= 1.0
    with open(workdir / "comparison.json") as handle:
        assert json.load(handle) == json.loads(json.dumps(result["rows"]))
    assert (workdir / "comparison.md").read_text().count("| r25_c3 |") == 1
    assert (workdir / "predictions_r25_c3.png").stat().st_size > 0
    assert (exports / "chips_mask_rcnn" / "1" / "saved_model.pb").exists()
    assert not (exports / "chips_mask_rcnn" / "1" / "model.onnx").exists()  # export_onnx=false
    assert os.path.exists(workdir / "r25_c3" / "history.csv")
    # the whole-chip model is saved, and every runtime predicts alike with class names
    chips = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), np.uint8)
    for i, chip in enumerate(chips):
        np.save(tmp_path / f"chip{i}.npy", chip)
    version = exports / "chips_mask_rcnn" / "1"
    check_predictions(
        [version, workdir / "r25_c3" / "inference.keras"],
        chips,
        "detection",
        ["background", "bump", "dent", "dot"],
        tmp_path,
        [tmp_path / "chip0.npy", tmp_path / "chip1.npy"],
    )
    assert result["published"].version == 1


def test_recipe_refuses_a_crop_size_that_is_not_a_multiple_of_32():
    with pytest.raises(ConfigError, match="multiple of 32"):
        main(["--set", "crop_size=100"])
