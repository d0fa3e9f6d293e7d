import json
import os

import numpy as np
import pytest

from tests.conftest import TINY_SYNTHESIS
from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.config import ConfigError
from tfdefect.datasets.chips6.manual import write_chip_folder
from tfdefect.datasets.chips6.synthetic import render_chip
from tfdefect.recipes.segment_chips import main

USER_CLASSES = ("scratch", "void")


def _user_chips(root, per_split=3):
    """Real-data layout with two defect classes of the user's own (mask values 1 and 2)."""
    for split_index, split in enumerate(("train", "validation", "test")):
        for i in range(per_split):
            chip = render_chip(np.random.default_rng([split_index, i]), TINY_SYNTHESIS)
            semantic = np.minimum(chip.semantic_mask, 2)
            write_chip_folder(os.path.join(root, split, f"chip{i}"), chip.image, semantic)


def test_recipe_trains_evaluates_and_exports_the_users_classes(tmp_path):
    _user_chips(tmp_path / "manual")
    workdir, exports = tmp_path / "run", tmp_path / "saved_models"
    settings = {
        "unet_filters": "4,8",
        "crop_size": "32",
        "workdir": str(workdir),
        "export.dir": str(exports),
        "data.data_dir": str(tmp_path / "tfds"),
        "data.manual_dir": str(tmp_path / "manual"),
        "data.class_names": ",".join(USER_CLASSES),
        "data.image_size": "64",
        "train.epochs": "1",
        "train.steps_per_epoch": "2",
        "train.batch_size": "2",
        "train.tensorboard": "false",
    }
    result = main([arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")])
    check_report_page(workdir)
    names = ["background", *USER_CLASSES]
    assert list(result["per_class"]) == names
    report = json.loads((workdir / "metrics.json").read_text())
    assert report["recipe"] == "segment_chips" and list(report["results"]["per_class"]) == names
    assert (workdir / "predictions.png").stat().st_size > 0
    chips = np.stack([render_chip(np.random.default_rng(9), TINY_SYNTHESIS).image] * 2)
    np.save(tmp_path / "chip.npy", chips[0])
    version = exports / "chips_segmenter" / "1"
    check_predictions(
        [version, version / "model.onnx", workdir / "inference.keras"],
        chips,
        "segmentation",
        names,
        tmp_path,
        [tmp_path / "chip.npy"],
    )


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="channels must be 3 or 6"):
        main(["--set", "channels=4"])
