import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from tfdefect.cli import build_parser, main
from tfdefect.export.signatures import encode_channel_mosaic
from tfdefect.inference.segmentation_predictor import read_image_file
from tfdefect.models.segmenters import UNetSegmenter


def test_help_lists_subcommands():
    text = build_parser().format_help()
    for command in ("list-models", "recipe", "build-dataset", "export", "predict"):
        assert command in text


def test_console_script_help_and_list_models():
    script = os.path.join(os.path.dirname(sys.executable), "tfdefect")
    result = subprocess.run([script, "list-models"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [
        "classifier_alexnet",
        "classifier_convnext",
        "classifier_deit",
        "classifier_efficientnetv2",
        "classifier_luna",
        "classifier_mobilenetv2",
        "classifier_resnet18",
        "classifier_swin_t",
        "classifier_vit",
        "mask_rcnn",
        "mpb3",
        "padim",
        "resnet50_fpn",
        "unet",
    ]
    result = subprocess.run(
        [script, "export", "--help"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "--onnx" in result.stdout


def test_recipe_prints_its_config(capsys):
    main(["recipe", "segment_chips", "--quick", "--print-config", "--set", "train.epochs=2"])
    out = capsys.readouterr().out
    assert '"epochs": 2' in out and '"num_train": 320' in out


def test_unknown_recipe_is_refused(capsys):
    assert main(["recipe", "nope"]) == 2
    assert "available: segment_chips" in capsys.readouterr().err


def test_export_then_predict_files(tmp_path, tiny_chips):
    images, _ = tiny_chips
    model = UNetSegmenter(image_shape=(64, 64, 6), filters=(4, 8))
    model.save(tmp_path / "model.keras")
    export_dir = tmp_path / "saved_models"
    assert (
        main(
            [
                "export",
                str(tmp_path / "model.keras"),
                "--name",
                "unet",
                "--version",
                "2",
                "--export-dir",
                str(export_dir),
                "--onnx",
            ]
        )
        == 0
    )
    assert os.path.isdir(export_dir / "unet" / "2")
    assert os.path.isfile(export_dir / "onnx" / "unet_v2.onnx")
    np.save(tmp_path / "a.npy", images[0])
    (tmp_path / "b.png").write_bytes(encode_channel_mosaic(images[1]))
    out = tmp_path / "predictions"
    assert (
        main(
            [
                "predict",
                str(export_dir / "unet" / "2"),
                str(tmp_path / "a.npy"),
                str(tmp_path / "b.png"),
                "--output",
                str(out),
            ]
        )
        == 0
    )
    with open(out / "predictions.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [os.path.basename(r["image"]) for r in rows] == ["a.npy", "b.png"]
    assert os.path.isfile(out / "a_mask.png") and os.path.isfile(out / "b_mask.png")
    expected = model.predict(images[:2], verbose=0).argmax(-1)
    for row, classes in zip(rows, expected, strict=True):
        assert int(row["bump_pixels"]) == int((classes == 1).sum())


def test_predict_input_errors_name_the_file(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="broken.png: not a readable image"):
        read_image_file(str(tmp_path / "broken.png"), 6)
    np.save(tmp_path / "three.npy", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="three.npy: image has 3 channels, the model expects 6"):
        read_image_file(str(tmp_path / "three.npy"), 6)
    with pytest.raises(FileNotFoundError, match="missing.npy: no such file"):
        read_image_file(str(tmp_path / "missing.npy"), 6)
