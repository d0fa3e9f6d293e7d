import json

import cv2
import numpy as np
import pytest

import tfdefect
from tests.prediction_checks import check_predictions
from tests.report_checks import check_report_page
from tfdefect.data.label_map import read_label_map
from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES, render_site, site_layout
from tfdefect.recipes.wafer_mobilenet import main


def _overrides(tmp_path, **extra):
    settings = {
        "data.image_size": "32",
        "alpha": "0.35",
        "data.num_sites": "90",
        "calibration_images": "16",
        "workdir": str(tmp_path / "run"),
        "export.dir": str(tmp_path / "saved_models"),
        "data.data_dir": str(tmp_path / "tfds"),
        "train.epochs": "2",
        "train.steps_per_epoch": "2",
        "recall_warmup_epochs": "1",
        "train.batch_size": "8",
        "train.tensorboard": "false",
        **extra,
    }
    return [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]


USER_CLASSES = ("pit", "scratch", "particle", "residue", "good")


def _user_folder(root, per_class=14):
    """A manual folder with five classes of the user's own names (drawn from synthetic sites
    of five distinct defects), one folder per class."""
    sources = ("vias", "cmp_scratch", "others", "bridge", "clean")
    for name, source in zip(USER_CLASSES, sources, strict=True):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            rng = np.random.default_rng([USER_CLASSES.index(name), i])
            cv2.imwrite(
                str(root / name / f"{name}_{i}.png"), render_site(site_layout(rng, source), rng)
            )


def test_whole_recipe_with_the_users_own_classes(tmp_path):
    _user_folder(tmp_path / "manual")
    names = ",".join(USER_CLASSES)
    overrides = _overrides(
        tmp_path, **{"data.manual_dir": str(tmp_path / "manual"), "data.class_names": names}
    )
    # one pass over the training split per epoch (the repeated data has no end of its own),
    # and the model options against small defects, through every export
    overrides += ["--set", "train.steps_per_epoch=none", "--set", "input_scale=2"]
    overrides += ["--set", "pooling=max"]
    # channel pruning after training: the pruned model is evaluated and exported
    overrides += ["--set", "prune.target=0.4", "--set", "prune.epochs=1"]
    overrides += ["--set", "prune.channel_multiple=1"]
    summary = main(["--fail-on-leak", *overrides])
    check_report_page(tmp_path / "run")
    run = tmp_path / "run"
    assert summary["leaks"] == 0
    assert json.loads((run / "leakage_report.json").read_text())["leaks"] == 0
    assert read_label_map(str(run / "label_map.json")) == list(USER_CLASSES)
    for name in ("float", "onnx_float", "tflite_int8", "onnx_int8"):
        figures = summary["results"][name]
        assert 0.0 <= figures["accuracy"] <= 1.0 and set(figures["per_class"]) == set(USER_CLASSES)
    # the float ONNX file is the Keras model: same figures
    assert summary["results"]["onnx_float"]["accuracy"] == summary["results"]["float"]["accuracy"]
    sizes = summary["sizes_bytes"]
    # 8-bit weights; on a model this small the graph's fixed overhead keeps it above a quarter
    assert sizes["tflite_int8"] < 0.6 * sizes["onnx_float"]
    assert sizes["onnx_int8"] < 0.6 * sizes["onnx_float"]
    for name in ("training_curves.png", "confusion_matrix.png", "results.md"):
        assert (run / name).stat().st_size > 0
    history = (run / "checkpoints" / "history.csv").read_text().splitlines()
    assert "val_macro_recall" in history[0] and "loss_weight_scratch" in history[0]
    assert len(history) == 1 + 2  # two epochs, each ended
    (pruning,) = summary["pruning"]
    assert pruning["macs_removed"] >= 0.4 and pruning["params_after"] < pruning["params_before"]
    pruned = run / "prune_round_1" / "best.keras"
    exports = tmp_path / "saved_models"
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 1), np.uint8)  # grey SEM
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"site{i}.png"), image)
    version = exports / "wafer_mobilenetv2" / "1"
    check_predictions(
        [version, version / "model.onnx", pruned],
        images,
        "classification",
        list(USER_CLASSES),
        tmp_path,
        [tmp_path / "site0.png", tmp_path / "site1.png"],
    )
    int8 = [
        exports / "tflite" / "wafer_mobilenetv2_v1_int8.tflite",
        exports / "onnx" / "wafer_mobilenetv2_v1_int8.onnx",
    ]
    for path in [version, *int8]:  # the pruning is recorded in every export
        assert tfdefect.load(str(path)).metadata.extra["pruning"] == summary["pruning"]
    for path in int8:  # quantized models: same task and classes, valid probabilities
        predictor = tfdefect.load(str(path))
        assert predictor.class_names == list(USER_CLASSES)
        for result in predictor.predict(images):
            assert result.label in USER_CLASSES
            assert abs(sum(result.probabilities.values()) - 1.0) < 0.05


def test_synthetic_data_cannot_take_other_class_names(tmp_path):
    with pytest.raises(ValueError, match="need manual_dir"):
        main(_overrides(tmp_path, **{"data.class_names": "a,b"}))


def test_fail_on_leak_stops_before_training(tmp_path):
    manual = tmp_path / "manual"
    for i in range(24):  # the same file names under two classes: filename collisions
        defect = CLASS_NAMES[i % 2]
        image = render_site(site_layout(np.random.default_rng(i), defect), np.random.default_rng(i))
        (manual / defect).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(manual / defect / f"img_{i // 2}.png"), image)
    with pytest.raises(SystemExit, match="leaks between splits"):
        main(["--fail-on-leak", *_overrides(tmp_path, **{"data.manual_dir": str(manual)})])
    report = json.loads((tmp_path / "run" / "leakage_report.json").read_text())
    assert report["filename_collisions"] and not (tmp_path / "run" / "checkpoints").exists()


def test_another_backbone_exports_under_its_own_name(tmp_path):
    from tfdefect.recipes.wafer_mobilenet import RECIPE

    run = ["--workdir", str(tmp_path / "run")]
    config, _ = RECIPE.configure(["--set", "backbone=resnet18", *run])
    assert config.export.name == "wafer_resnet18"
    config, _ = RECIPE.configure(["--set", "backbone=resnet18", "--set", "export.name=mine", *run])
    assert config.export.name == "mine"
