import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tfdefect
from tfdefect.cli import build_parser, main
from tfdefect.export import describe_model
from tfdefect.export.signatures import encode_channel_mosaic
from tfdefect.inference.image_io import ImageReadError, read_image
from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.recipes.common import save_keras_with_metadata

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_help_lists_subcommands():
    text = build_parser().format_help()
    for command in ("list-models", "recipe", "build-dataset", "export", "predict"):
        assert command in text


def test_console_script_help_and_list_models():
    script = os.path.join(os.path.dirname(sys.executable), "tfdefect")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [script, "list-models"], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""  # no TensorFlow start-up lines
    assert result.stdout.split() == [
        "anomaly_padim",
        "classifier_alexnet",
        "classifier_convnext",
        "classifier_deit",
        "classifier_efficientnetv2",
        "classifier_luna",
        "classifier_mobilenetv2",
        "classifier_resnet18",
        "classifier_swin_t",
        "classifier_vit",
        "detector_mask_rcnn",
        "pair_mpb3",
        "segmenter_resnet50_fpn",
        "segmenter_unet",
    ]
    result = subprocess.run(
        [script, "export", "--help"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "--overwrite VERSION" in result.stdout


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
    metadata = describe_model(model, ["background", "bump", "dent", "dot"])
    save_keras_with_metadata(model, str(tmp_path / "model.keras"), metadata)
    export_dir = tmp_path / "saved_models"
    command = ["export", str(tmp_path / "model.keras"), "--name", "unet"]
    assert main([*command, "--export-dir", str(export_dir)]) == 0
    assert main([*command, "--export-dir", str(export_dir), "--no-onnx"]) == 0
    assert sorted(os.listdir(export_dir / "unet")) == ["1", "2"]  # never replaced
    assert os.path.isfile(export_dir / "unet" / "1" / "model.onnx")
    np.save(tmp_path / "a.npy", images[0])
    (tmp_path / "b.png").write_bytes(encode_channel_mosaic(images[1]))
    out = tmp_path / "predictions"
    version = str(export_dir / "unet" / "2")
    inputs = [str(tmp_path / "a.npy"), str(tmp_path / "b.png")]
    assert main(["predict", version, *inputs, "--output", str(out)]) == 0
    with open(out / "predictions.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [os.path.basename(r["image"]) for r in rows] == ["a.npy", "b.png"]
    assert os.path.isfile(out / "pictures" / "a.npy.png")
    assert os.path.isfile(out / "pictures" / "b.png.png")
    expected = model.predict(images[:2], verbose=0).argmax(-1)
    for row, classes in zip(rows, expected, strict=True):
        assert int(row["pixel_counts.bump"]) == int((classes == 1).sum())
        assert int(row["pixel_counts.dot"]) == int((classes == 3).sum())


def test_user_mistakes_get_one_line_not_a_traceback(tmp_path, capsys, tiny_chips):
    (tmp_path / "empty.keras").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    (tmp_path / "model" / "3").mkdir(parents=True)
    cases = {
        str(tmp_path / "missing"): "no such model",
        str(tmp_path / "empty.keras"): "empty file",
        str(tmp_path / "folder"): "not a SavedModel folder",
        str(tmp_path / "model"): "add the version, e.g.",
    }
    for path, message in cases.items():
        assert main(["predict", path, "x.png", "--output", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(tmp_path / "empty.keras"), "--name", "m"]) == 2
    assert "empty.keras" in capsys.readouterr().err


def test_predict_output_rules(tmp_path, capsys, tiny_chips):
    images, _ = tiny_chips
    model = UNetSegmenter(image_shape=(64, 64, 6), filters=(4, 8))
    path = str(tmp_path / "m.keras")
    save_keras_with_metadata(model, path, describe_model(model, ["bg", "a", "b", "c"]))
    for folder in ("a", "b"):  # the same file name under two folders
        (tmp_path / "in" / folder).mkdir(parents=True)
        np.save(tmp_path / "in" / folder / "x.npy", images[0])
    (tmp_path / "file.txt").write_text("")
    assert main(["predict", path, str(tmp_path / "in"), "--output", str(tmp_path / "file.txt")])
    assert "is a file" in capsys.readouterr().err
    out = str(tmp_path / "out")
    assert (
        main(
            [
                "predict",
                path,
                str(tmp_path / "in" / "a"),
                str(tmp_path / "in" / "b"),
                "--output",
                out,
            ]
        )
        == 0
    )
    assert sorted(os.listdir(tmp_path / "out" / "pictures")) == ["a", "b"]
    assert main(["predict", path, str(tmp_path / "in"), "--output", out]) == 2
    assert "results of an earlier run" in capsys.readouterr().err
    assert main(["predict", path, str(tmp_path / "in"), "--output", out, "--overwrite"]) == 0
    names = [json.loads(line)["name"] for line in open(tmp_path / "out" / "predictions.jsonl")]
    assert names == [os.path.join("a", "x.npy"), os.path.join("b", "x.npy")]


def test_images_of_another_size_are_mapped_back(tmp_path, tiny_chips):
    images, _ = tiny_chips
    model = UNetSegmenter(image_shape=(64, 64, 6), filters=(4, 8))
    path = str(tmp_path / "m.keras")
    save_keras_with_metadata(model, path, describe_model(model, ["bg", "a", "b", "c"]))
    predictor = tfdefect.load(path)
    big = np.repeat(np.repeat(images[0], 2, axis=0), 2, axis=1)
    (result,) = predictor.predict(big)
    assert result.class_map.shape == (128, 128)
    with pytest.raises(ValueError, match="the model takes \\(H, W, 6\\)"):
        predictor.predict(images[0][..., :3])


def test_a_chip_folder_is_one_input_of_a_model_that_names_its_channels(tmp_path, tiny_chips):
    import cv2

    from tfdefect.datasets.chips6.names import CHANNEL_NAMES

    images, _ = tiny_chips
    model = UNetSegmenter(image_shape=(64, 64, 6), filters=(4, 8))
    extra = {"channel_names": list(CHANNEL_NAMES), "display_channel": 1}
    path = str(tmp_path / "m.keras")
    save_keras_with_metadata(model, path, describe_model(model, ["bg", "a", "b", "c"], extra=extra))
    for index, chip in enumerate(("chip_a", "chip_b")):
        (tmp_path / "chips" / chip).mkdir(parents=True)
        for channel, name in enumerate(CHANNEL_NAMES):
            cv2.imwrite(str(tmp_path / "chips" / chip / f"{name}.png"), images[index][..., channel])
        cv2.imwrite(str(tmp_path / "chips" / chip / "mask.png"), images[index][..., 0] * 0)
    np.save(tmp_path / "chips" / "loose.npy", images[2])
    out = tmp_path / "out"
    assert main(["predict", path, str(tmp_path / "chips"), "--output", str(out)]) == 0
    records = [json.loads(line) for line in open(out / "predictions.jsonl")]
    assert [r["name"] for r in records] == ["chip_a", "chip_b", "loose.npy"]
    assert os.path.getsize(out / "failures.jsonl") == 0
    expected = model.predict(images[:3], verbose=0).argmax(-1)
    for record, classes in zip(records, expected, strict=True):
        assert record["pixel_counts"]["a"] == int((classes == 1).sum())
    # one chip folder given directly is one input too
    chip_b = str(tmp_path / "chips" / "chip_b")
    assert main(["predict", path, chip_b, "--output", str(tmp_path / "o2")]) == 0
    (record,) = [json.loads(line) for line in open(tmp_path / "o2" / "predictions.jsonl")]
    assert record["name"] == "chip_b" and record["pixel_counts"] == records[1]["pixel_counts"]


def test_predict_input_errors_name_the_file(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"garbage")
    with pytest.raises(ImageReadError, match="broken.png: not a readable image"):
        read_image(str(tmp_path / "broken.png"), 6)
    np.save(tmp_path / "three.npy", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(
        ImageReadError, match="three.npy: image has 3 channels, the model expects 6"
    ):
        read_image(str(tmp_path / "three.npy"), 6)
    with pytest.raises(ImageReadError, match="missing.npy: no such file"):
        read_image(str(tmp_path / "missing.npy"), 6)


def test_pairs_csv_and_reference_give_the_same_verdicts(tmp_path, capsys):
    from tests.tiny_models import mpb3

    model = mpb3()
    path = str(tmp_path / "pairs.keras")
    save_keras_with_metadata(model, path, describe_model(model, [f"t{i}" for i in range(9)]))
    rng = np.random.default_rng(0)
    (tmp_path / "in").mkdir()
    np.save(tmp_path / "in" / "gold.npy", rng.integers(0, 256, (32, 32, 3), np.uint8))
    for i in range(3):
        np.save(tmp_path / "in" / f"t{i}.npy", rng.integers(0, 256, (32, 32, 3), np.uint8))
    (tmp_path / "in" / "pairs.csv").write_text(
        "reference,test\n" + "".join(f"gold.npy,t{i}.npy\n" for i in range(3))
    )
    by_csv, by_reference = tmp_path / "by_csv", tmp_path / "by_reference"
    assert (
        main(
            [
                "predict",
                path,
                "--pairs",
                str(tmp_path / "in" / "pairs.csv"),
                "--output",
                str(by_csv),
            ]
        )
        == 0
    )
    tests = [str(tmp_path / "in" / f"t{i}.npy") for i in range(3)]
    assert (
        main(
            [
                "predict",
                path,
                *tests,
                "--reference",
                str(tmp_path / "in" / "gold.npy"),
                "--output",
                str(by_reference),
            ]
        )
        == 0
    )
    first = [json.loads(x) for x in (by_csv / "predictions.jsonl").read_text().splitlines()]
    second = [json.loads(x) for x in (by_reference / "predictions.jsonl").read_text().splitlines()]
    assert [r["ng_probability"] for r in first] == [r["ng_probability"] for r in second]
    assert all(r["defect_class"].startswith("t") for r in first)
    assert main(["predict", path, *tests, "--output", str(tmp_path / "none")]) == 2
    assert "needs --reference" in capsys.readouterr().err


def test_without_tensorflow_the_cli_names_the_extra_to_install(monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorflow" else real_find_spec(name, *a),
    )
    assert main(["list-models"]) == 2
    err = capsys.readouterr().err
    assert "needs TensorFlow, which is not installed: pip install 'tfdefect[cpu]'" in err
    assert err.count("\n") == 1


def test_a_recipe_error_is_one_line_without_tensorflow_start_up_lines():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    command = [sys.executable, "-m", "recipes.wafer_mobilenet", "--quick", "--set", "pooling=min"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, cwd=REPO_ROOT
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "tfdefect recipe wafer_mobilenet: error: pooling 'min': choose from average, max "
        "(--debug shows the traceback)"
    ]
