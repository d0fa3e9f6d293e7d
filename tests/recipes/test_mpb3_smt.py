import csv
import json

import cv2
import numpy as np
import pytest

from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.config import ConfigError
from tfdefect.datasets.smt_pairs.synthetic import DEFECT_CLASSES, render_pair
from tfdefect.export.metadata import read_savedmodel_metadata
from tfdefect.recipes.mpb3_smt import main


def test_train_val_infer_on_tiny_boards(tmp_path):
    settings = {
        "ckp": str(tmp_path / "ckp"),
        "workdir": str(tmp_path / "run"),
        "export.dir": str(tmp_path / "saved_models"),
        "data.image_size": "32",
        "data.data_dir": str(tmp_path / "tfds"),
        "data.boards_train": "2",
        "data.boards_validation": "1",
        "data.boards_test": "1",
        "train.epochs": "1",
        "train.steps_per_epoch": "3",
        "train.batch_size": "8",
        "train.tensorboard": "false",
        "ng_threshold": "0.3",
    }
    overrides = [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]
    result = main(["--mode", "train", *overrides])
    check_report_page(tmp_path / "run")
    assert len(result["positions"]) == 6 and len(result["history"]["loss"]) == 1
    assert (tmp_path / "ckp" / "best.keras").exists()
    drawn = json.loads((tmp_path / "run" / "sampled_distribution.jsonl").read_text())
    assert drawn["epoch"] == 1 and drawn["pairs"] >= 3 * 8
    assert sum(sum(row.values()) for row in drawn["counts"].values()) == drawn["pairs"]
    assert (tmp_path / "saved_models" / "smt_mpb3_cached" / "1" / "saved_model.pb").exists()
    assert (tmp_path / "saved_models" / "smt_mpb3_cached" / "1" / "model.onnx").exists()

    exports = tmp_path / "saved_models"
    rng = np.random.default_rng(5)
    tests = rng.integers(0, 256, (2, 32, 32, 3), np.uint8)
    reference = rng.integers(0, 256, (32, 32, 3), np.uint8)
    for i, image in enumerate(tests):
        np.save(tmp_path / f"test{i}.npy", image)
    files = [tmp_path / "test0.npy", tmp_path / "test1.npy"]
    version = exports / "smt_mpb3" / "1"
    check_predictions(
        [version, version / "model.onnx", tmp_path / "ckp" / "best.keras"],
        tests,
        "pair_classification",
        list(DEFECT_CLASSES),
        tmp_path,
        files,
        reference=reference,
    )
    cached = exports / "smt_mpb3_cached" / "1"
    check_predictions(
        [cached, cached / "model.onnx"],
        tests,
        "pair_classification",
        list(DEFECT_CLASSES),
        tmp_path / "cached",
        files,
        position_id=2,
    )

    report = main(["--mode", "val", *overrides])
    overall = report["overall"]
    assert overall["pairs"] == 6 * 4 and 0.0 <= overall["weighted_f_score"] <= 1.0
    assert np.sum(overall["confusion_matrix"]) == overall["pairs"]
    assert set(report["per_position"]) == {"C0603", "ECAP", "QFP_corner", "R0402", "SOIC8", "SOT23"}
    saved = json.loads((tmp_path / "run" / "validation_report.json").read_text())
    assert saved["overall"] == overall
    assert (tmp_path / "run" / "validation_pairs.png").stat().st_size > 0
    assert (tmp_path / "run" / "validation_confusion_matrix.png").stat().st_size > 0

    pairs = tmp_path / "pairs"
    pairs.mkdir()
    for i, defect in enumerate(["ok", "missing"]):
        reference, test = render_pair(np.random.default_rng(i), "SOIC8", defect, size=48)
        cv2.imwrite(str(pairs / f"p{i}_reference.png"), reference[..., ::-1])
        cv2.imwrite(str(pairs / f"p{i}_test.png"), test[..., ::-1])
    answers = {}
    for runtime in ("tf", "savedmodel", "onnx", "cached"):
        out = tmp_path / f"infer_{runtime}"
        flags = (
            ["--runtime", "tf", "--cached-reference"]
            if runtime == "cached"
            else ["--runtime", runtime]
        )
        main(
            ["--mode", "infer", "--infer-dir", str(pairs), *flags, "--output", str(out), *overrides]
        )
        with open(out / "predictions.csv") as handle:
            answers[runtime] = list(csv.DictReader(handle))
    assert [r["pair"] for r in answers["tf"]] == ["p0", "p1"]
    for runtime, rows in answers.items():  # the threshold trained with, in every route
        for row in rows:
            assert (row["ng"] == "True") == (float(row["ng_probability"]) >= 0.3), runtime
    for name in ("smt_mpb3", "smt_mpb3_cached"):
        assert read_savedmodel_metadata(str(exports / name / "1")).thresholds["ng"] == 0.3
    for runtime in ("savedmodel", "onnx", "cached"):
        for a, b in zip(answers["tf"], answers[runtime], strict=True):
            assert a["defect_class"] == b["defect_class"]
            assert abs(float(a["ng_probability"]) - float(b["ng_probability"])) < 1e-4


def test_pretrained_model_needs_a_local_weights_file():
    with pytest.raises(ConfigError, match="needs --set backbone_weights"):
        main(["--mode", "train", "--model", "resnet18_pretrained"])
