"""batch-predict loses nothing and fails loudly: earlier results survive a run that fails,
a pattern that matches nothing or no input at all is a one-line error, and a bad file goes
to the failures output (exit code 1) without stopping the others."""

import glob
import json
import os

import cv2
import numpy as np
import pytest

from tfdefect.beam import batch_predict as batch_module
from tfdefect.beam import inspect_images
from tfdefect.beam.batch_predict import batch_predict
from tfdefect.beam.predictor_model_handler import FAILURE, PredictorModelHandler
from tfdefect.cli import main

SYSTEM = "classification"  # the cheapest tiny model: (32, 32, 1) images
EARLIER = {
    "predictions-00000-of-00002.jsonl": '{"image": "old0.png", "verdict": "ok"}\n',
    "predictions-00001-of-00002.jsonl": '{"image": "old1.png", "verdict": "ok"}\n',
    "failures-00000-of-00001.jsonl": '{"image": "old2.png", "reason": "old"}\n',
    "summary.json": '{"images": 2, "failures": 1, "verdicts": {"ok": 2}}',
}


def _good_images(folder, count=3):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        cv2.imwrite(str(folder / f"img{index}.png"), rng.integers(0, 256, (32, 32), np.uint8))
    return str(folder / "*")


def _earlier_results(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in EARLIER.items():
        (folder / name).write_text(text)


def _contents(folder):
    return {name: (folder / name).read_text() for name in sorted(os.listdir(folder))}


def _records(folder, prefix):
    lines = []
    for path in sorted(glob.glob(str(folder / f"{prefix}-*.jsonl"))):
        with open(path) as handle:
            lines += [json.loads(line) for line in handle if line.strip()]
    return sorted(lines, key=lambda record: record["name"])


def _one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _only_results_left(folder):
    """No temporary folder of the run (nor Beam's beam-temp-*) remains beside the results."""
    names = os.listdir(folder)
    assert not [n for n in names if n.startswith((".tmp", ".old", "beam-temp"))], names
    assert all(os.path.isfile(folder / n) for n in names), names


def test_overwrite_with_a_bad_model_path_keeps_the_earlier_results(tmp_path, capsys):
    pattern = _good_images(tmp_path / "in")
    _earlier_results(tmp_path / "out")
    missing = str(tmp_path / "no_such_model" / "1")
    args = ["batch-predict", missing, pattern, "--output", str(tmp_path / "out"), "--overwrite"]
    assert main(args) == 2
    assert missing in _one_error_line(capsys)
    assert _contents(tmp_path / "out") == EARLIER


def test_a_failing_pipeline_keeps_the_earlier_results_and_no_temporary_folder(
    tiny_export, tmp_path, monkeypatch
):
    pattern = _good_images(tmp_path / "in")
    _earlier_results(tmp_path / "out")

    def broken_summary(*_args, **_kwargs):
        raise RuntimeError("summary step failed")

    monkeypatch.setattr(batch_module, "_summary", broken_summary)
    with pytest.raises(Exception, match="summary step failed"):
        batch_predict(tiny_export(SYSTEM), pattern, str(tmp_path / "out"), overwrite=True)
    assert _contents(tmp_path / "out") == EARLIER  # also: no .tmp-*, beam-temp-* folder


def test_overwrite_replaces_the_earlier_results_once_the_run_succeeded(tiny_export, tmp_path):
    pattern = _good_images(tmp_path / "in", count=4)
    _earlier_results(tmp_path / "out")
    args = ["batch-predict", tiny_export(SYSTEM), pattern, "--output", str(tmp_path / "out")]
    assert main([*args, "--overwrite"]) == 0
    _only_results_left(tmp_path / "out")
    earlier_shards = {name for name in EARLIER if name.startswith("predictions")}
    assert not earlier_shards & set(os.listdir(tmp_path / "out"))
    assert [r["name"] for r in _records(tmp_path / "out", "predictions")] == [
        f"img{index}.png" for index in range(4)
    ]
    assert _records(tmp_path / "out", "failures") == []
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["images"] == 4 and summary["failures"] == 0
    assert sum(summary["verdicts"].values()) == 4


def test_a_pattern_that_matches_nothing_is_a_one_line_error(tiny_export, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    pattern = str(tmp_path / "in" / "*.png")
    model = tiny_export(SYSTEM)
    assert main(["batch-predict", model, pattern, "--output", str(tmp_path / "out")]) == 2
    assert pattern in _one_error_line(capsys)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="matches no file"):
        batch_predict(model, pattern, str(tmp_path / "out"))


def test_no_pattern_and_no_pairs_is_a_one_line_error(tiny_export, tmp_path, capsys):
    args = ["batch-predict", tiny_export(SYSTEM), "--output", str(tmp_path / "out")]
    assert main(args) == 2
    assert "no images given" in _one_error_line(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", ["--pairs", "--position-id"])
def test_pair_options_for_a_single_image_model_are_a_one_line_error(
    tiny_export, tmp_path, capsys, option
):
    pattern = _good_images(tmp_path / "in", count=2)
    table = tmp_path / "pairs.csv"
    table.write_text("reference,test\nin/img0.png,in/img1.png\n")
    source = [option, str(table)] if option == "--pairs" else [pattern, option, "0"]
    args = ["batch-predict", tiny_export(SYSTEM), *source, "--output", str(tmp_path / "out")]
    assert main(args) == 2
    assert "takes single images" in _one_error_line(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stage", ["read", "model call"])
def test_a_zero_size_npy_goes_to_failures_and_the_others_are_predicted(
    tiny_export, tmp_path, monkeypatch, capsys, stage
):
    if stage == "model call":  # as when the read checks let such a file through
        read_any = inspect_images.read_any

        def unchecked(path, channels):
            return np.load(path) if path.endswith(".npy") else read_any(path, channels)

        monkeypatch.setattr(inspect_images, "read_any", unchecked)
    pattern = _good_images(tmp_path / "in")
    np.save(tmp_path / "in" / "empty.npy", np.zeros((0, 0, 1), np.uint8))
    args = ["batch-predict", tiny_export(SYSTEM), pattern, "--output", str(tmp_path / "out")]
    assert main(args) == 1
    err = capsys.readouterr().err
    named = [line for line in err.splitlines() if "1 inputs failed" in line]
    assert len(named) == 1 and str(tmp_path / "out" / "failures-") in named[0]
    assert [r["name"] for r in _records(tmp_path / "out", "predictions")] == [
        f"img{index}.png" for index in range(3)
    ]
    (failure,) = _records(tmp_path / "out", "failures")
    assert failure["image"] == str(tmp_path / "in" / "empty.npy")
    assert failure["name"] == "empty.npy" and failure["reason"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["images"] == 3 and summary["failures"] == 1
    _only_results_left(tmp_path / "out")


def test_a_batch_that_raises_is_predicted_one_image_at_a_time(tiny_export):
    handler = PredictorModelHandler(tiny_export(SYSTEM))
    model = handler.load_model()
    good = np.full((32, 32, 1), 128, np.uint8)
    results = handler.run_inference(
        [(good, None), (np.zeros((0, 0, 1), np.uint8), None), (good, None)], model
    )
    expected = model.predict([good])[0].to_dict()
    assert results[0] == expected and results[2] == expected
    assert set(results[1]) == {FAILURE} and results[1][FAILURE]


def test_an_output_that_is_a_file_is_one_line(tmp_path, capsys):
    from tfdefect.cli import main as cli_main

    (tmp_path / "afile").write_text("mine")
    assert cli_main(["batch-predict", "nowhere", "x/*.png", "--output", str(tmp_path / "afile")])
    assert (tmp_path / "afile").read_text() == "mine"
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "is a file" in errors[0]
