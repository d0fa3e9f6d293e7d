import csv
import json

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.config import ConfigError
from tfdefect.recipes.padim_pcb import main


def test_recipe_runs_end_to_end_on_tiny_boards(tmp_path):
    workdir, exports = tmp_path / "run", tmp_path / "saved_models"
    settings = {
        "model": "resnet18",
        "embedding_dims": "16",
        "image_size": "64",
        "sigma": "2.0",
        "batch_size": "4",
        "workdir": str(workdir),
        "export.dir": str(exports),
        "data.data_dir": str(tmp_path / "tfds"),
        "data.image_size": "64",
        "data.num_train": "8",
        "data.num_validation": "2",
        "data.num_test": "3",
    }
    overrides = [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]
    metrics = main(overrides)
    check_report_page(workdir)
    assert metrics["threshold_split"] == "validation" and metrics["train_images"] == 8
    assert metrics["images"] == 9 and metrics["anomalous_images"] == 6
    for key in ("image_AUROC", "pixel_AUROC", "pixel_AUPRO", "image_F1Score", "pixel_F1Score"):
        assert 0.0 <= metrics[key] <= 1.0
    assert set(metrics["per_defect_type"]) == {"missing_objects", "misplaced_objects"}
    report = json.loads((workdir / "metrics.json").read_text())
    assert report["recipe"] == "padim_pcb" and report["results"] == metrics
    assert report["exports"] == [str(exports / "pcb_padim" / "1")]
    with open(workdir / "scores.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9 and {r["defect_type"] for r in rows} >= {"good", "missing_objects"}
    for plot in ("roc.png", "precision_recall.png", "heatmaps.png"):
        assert (workdir / plot).stat().st_size > 0
    assert (exports / "pcb_padim" / "1" / "saved_model.pb").exists()
    session = ort.InferenceSession(str(exports / "pcb_padim" / "1" / "model.onnx"))
    assert sorted(o.name for o in session.get_outputs()) == [
        "anomaly_map",
        "is_anomalous",
        "mask",
        "score",
    ]
    boards = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), np.uint8)
    for i, board in enumerate(boards):
        cv2.imwrite(str(tmp_path / f"board{i}.png"), board[..., ::-1])
    version = exports / "pcb_padim" / "1"
    results = check_predictions(
        [version, version / "model.onnx", workdir / "padim.keras"],
        boards,
        "anomaly",
        ["good", "anomalous"],
        tmp_path,
        [tmp_path / "board0.png", tmp_path / "board1.png"],
    )
    assert results[0].threshold == pytest.approx(metrics["image_threshold"], rel=1e-5)
    assert results[0].map_threshold == pytest.approx(metrics["pixel_threshold"], rel=1e-5)


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="multiple of 32"):
        main(["--set", "image_size=100"])
    with pytest.raises(ConfigError, match="unknown model"):
        main(["--set", "model=vgg"])


def test_a_converted_wide_resnet50_2_loads_through_the_recipe(tmp_path, capfd):
    """The PaDiM paper's backbone from a timm / torchvision checkpoint (seeded random values
    in wide_resnet50_2's tensor names and shapes), passed as a .safetensors path; with
    ``--quiet`` the whole run (dataset build, fit, export) prints nothing."""
    from tests.backbones.random_state import random_state
    from tfdefect.backbones.torch_checkpoint import write_checkpoint

    with open("tests/backbones/fixtures/wide_resnet50_2/meta.json") as handle:
        shapes = json.load(handle)["shapes"]
    checkpoint = tmp_path / "wide_resnet50_2.safetensors"
    write_checkpoint(str(checkpoint), random_state(0, shapes))
    settings = {
        "model": "wide_resnet50",
        "backbone_weights": str(checkpoint),
        "embedding_dims": "16",
        "image_size": "64",
        "batch_size": "4",
        "export.onnx": "false",
        "workdir": str(tmp_path / "run"),
        "export.dir": str(tmp_path / "saved_models"),
        "data.data_dir": str(tmp_path / "tfds"),
        "data.image_size": "64",
        "data.num_train": "4",
        "data.num_validation": "1",
        "data.num_test": "1",
    }
    import keras  # TensorFlow's own start-up lines (if it starts now) are not the recipe's

    capfd.readouterr()
    metrics = main(["--quiet", *[a for k, v in settings.items() for a in ("--set", f"{k}={v}")]])
    assert capfd.readouterr() == ("", "")
    assert metrics["backbone_weights"] == str(checkpoint) and metrics["train_images"] == 4

    model = keras.saving.load_model(tmp_path / "run" / "padim.keras")
    assert model.backbone_torch_layout and model.extractor.total_channels == 256 + 512 + 1024
