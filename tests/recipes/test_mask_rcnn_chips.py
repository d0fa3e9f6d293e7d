import json
import os

import numpy as np
import pytest

from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.config import ConfigError
from tfdefect.recipes.mask_rcnn_chips import main


def _converted_resnet25(tmp_path) -> str:
    """A ResNet-25 .weights.h5 written by `tfdefect convert-weights` from a timm resnet26
    checkpoint (seeded random values in its tensor names and shapes)."""
    from tests.backbones.random_state import random_state
    from tfdefect.backbones.torch_checkpoint import write_checkpoint
    from tfdefect.cli import main as cli

    with open("tests/backbones/fixtures/resnet25/meta.json") as handle:
        shapes = json.load(handle)["shapes"]
    source, output = tmp_path / "resnet26.safetensors", tmp_path / "resnet25.weights.h5"
    write_checkpoint(str(source), random_state(0, shapes))
    args = ["--architecture", "resnet25", "--input", str(source), "--output", str(output)]
    assert cli(["convert-weights", *args]) == 0
    return str(output)


def test_recipe_runs_end_to_end_on_tiny_chips(tmp_path):
    workdir, exports = tmp_path / "run", tmp_path / "saved_models"
    settings = {
        "backbone_weights": _converted_resnet25(tmp_path),  # converted torch weights load
        "models": "r25_c3",
        "workdir": str(workdir),
        "export.dir": str(exports),
        "crop_size": "32",
        "train_rois": "8",
        "fpn_channels": "16",
        "mask_channels": "8",
        "export.onnx": "false",  # Mask R-CNN's ONNX parity: tests/models/mask_rcnn (35 s)
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
    check_report_page(workdir)
    row = result["rows"][0]
    assert row["variant"] == "r25_c3" and 0.0 <= row["map50"] <= 1.0
    with open(workdir / "comparison.json") as handle:
        assert json.load(handle) == json.loads(json.dumps(result["rows"]))
    assert (workdir / "comparison.md").read_text().count("| r25_c3 |") == 1
    assert (workdir / "predictions_r25_c3.png").stat().st_size > 0
    assert (exports / "chips_mask_rcnn" / "1" / "saved_model.pb").exists()
    assert not (exports / "chips_mask_rcnn" / "1" / "model.onnx").exists()  # export.onnx=false
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
    import keras

    reloaded = keras.saving.load_model(workdir / "r25_c3" / "inference.keras")
    assert reloaded.backbone_torch_layout and reloaded.normalization["reverse_channels"] is False


def test_recipe_refuses_a_crop_size_that_is_not_a_multiple_of_32():
    with pytest.raises(ConfigError, match="multiple of 32"):
        main(["--set", "crop_size=100"])


def test_recipe_trains_on_coco_and_via_folders_and_writes_coco_results(tmp_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from tests.annotated_chips import write_annotated_tree
    from tfdefect.data.coco_annotations import COCO_FILE
    from tfdefect.evaluation.detection_evaluator import COCO_STATS

    # training read from COCO files, validation from VIA ones, test (the COCO results) COCO
    manual = write_annotated_tree(tmp_path / "manual", ("coco", "via", "coco"))
    test_file = tmp_path / "manual" / "test" / COCO_FILE
    content = json.loads(test_file.read_text())
    content["annotations"].append(  # a crowd region: ignored by both evaluators
        {
            "id": 999,
            "image_id": 1,
            "category_id": 1,
            "iscrowd": 1,
            "segmentation": [[40, 40, 60, 40, 60, 60, 40, 60]],
        }
    )
    test_file.write_text(json.dumps(content))
    workdir = tmp_path / "run"
    settings = {
        "models": "r25_c3",
        "workdir": str(workdir),
        "export.dir": str(tmp_path / "saved_models"),
        "crop_size": "32",
        "train_rois": "8",
        "fpn_channels": "16",
        "mask_channels": "8",
        "export.onnx": "false",
        "data.data_dir": str(tmp_path / "tfds"),
        "data.manual_dir": manual,
        "data.image_size": "64",
        "train.epochs": "1",
        "train.batch_size": "2",
        "train.tensorboard": "false",
    }
    result = main([arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")])
    row = result["rows"][0]
    truth = COCO(str(workdir / "r25_c3" / "test_annotations.json"))
    assert sum(a["iscrowd"] for a in truth.dataset["annotations"]) == 1
    detections = json.loads((workdir / "r25_c3" / "detections.json").read_text())
    if not detections:  # one tiny epoch may detect nothing; COCO then scores 0 (or -1: no truth)
        assert all(value in (0.0, -1.0) for value in row["coco_segm"].values())
        return
    evaluation = COCOeval(truth, truth.loadRes(detections), "segm")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    for (key, *_), value in zip(COCO_STATS, evaluation.stats, strict=True):
        assert row["coco_segm"][key] == pytest.approx(value, abs=1e-4), key  # scores rounded
