import csv

import cv2
import numpy as np
import pytest

from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.config import ConfigError
from tfdefect.recipes.casting_zoo import main


def _overrides(tmp_path, **extra):
    settings = {
        "image_size": "32",
        "workdir": str(tmp_path / "run"),
        "export.dir": str(tmp_path / "saved_models"),
        "data.data_dir": str(tmp_path / "tfds"),
        "data.image_size": "64",
        "data.num_train": "24",
        "data.num_validation": "8",
        "data.num_test": "16",
        "train.epochs": "1",
        "train.steps_per_epoch": "2",
        "train.batch_size": "8",
        "train.tensorboard": "false",
        **extra,
    }
    return [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]


def test_zoo_trains_compares_and_exports(tmp_path):
    rows = main(["--models", "luna", "alexnet", "--freeze", "partial:1", *_overrides(tmp_path)])
    check_report_page(tmp_path / "run")
    assert [r["model"] for r in rows] == ["luna", "alexnet"]
    assert rows[0]["freeze"] == "full" and rows[0]["start"] == "scratch"  # LUNA from scratch
    assert rows[1]["freeze"] == "partial:1" and rows[1]["trainable_blocks"] == "1/5"
    for row in rows:
        assert 0.0 <= row["accuracy"] <= 1.0 and row["onnx_max_diff"] < 1e-4
    with open(tmp_path / "run" / "comparison.csv") as handle:
        assert [r["model"] for r in csv.DictReader(handle)] == ["luna", "alexnet"]
    table = (tmp_path / "run" / "comparison.md").read_text().splitlines()
    assert table[0].startswith("| model |") and len(table) == 4
    for name in ("metrics.png", "confusion/luna.png", "confusion/alexnet.png"):
        assert (tmp_path / "run" / name).stat().st_size > 0
    assert (tmp_path / "saved_models" / "casting_alexnet" / "1" / "saved_model.pb").exists()
    version = tmp_path / "saved_models" / "casting_luna" / "1"
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"part{i}.png"), image[..., ::-1])
    check_predictions(
        [version, version / "model.onnx", tmp_path / "run" / "luna" / "best.keras"],
        images,
        "classification",
        ["ok", "def"],
        tmp_path,
        [tmp_path / "part0.png", tmp_path / "part1.png"],
    )


def test_pretraining_on_smt_pairs_feeds_the_fine_tuning(tmp_path):
    overrides = _overrides(tmp_path, pretrain_epochs="1", **{"export.enabled": "false"})
    rows = main(["--models", "alexnet", "--pretrain", "smt_pairs", *overrides])
    assert rows[0]["start"] == "alexnet.weights.h5"
    assert (tmp_path / "run" / "pretrained" / "alexnet.weights.h5").exists()


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match="unknown models"):
        main(["--models", "vgg"])
    with pytest.raises(ConfigError, match="unknown freeze strategy"):
        main(["--freeze", "half"])
    with pytest.raises(ConfigError, match="not both"):
        main(["--backbone-weights", "imagenet", "--pretrain", "smt_pairs"])
