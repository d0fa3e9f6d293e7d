"""Guarantee: ``tfdefect predict`` and ``stream`` lose nothing and answer nothing wrongly.

Bad files are failures with their reason (never predictions, never the end of the run),
results are written as they come, ``--overwrite`` replaces earlier results only with a
finished run, pictures are drawn at a bounded size, and every model type takes any size.
"""

import json
import os
import subprocess
import sys

import cv2
import keras
import numpy as np
import pytest

import tfdefect
from tests import tiny_models
from tfdefect.cli import main
from tfdefect.export import describe_model
from tfdefect.inference import folder_prediction
from tfdefect.inference.image_io import ImageReadError, read_image
from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.recipes.common import save_keras_with_metadata

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def classifier_path(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = tiny_models.classifier()  # 32x32 grey, 3 classes
    path = str(tmp_path_factory.mktemp("model") / "luna.keras")
    save_keras_with_metadata(model, path, describe_model(model, ["a", "b", "c"]))
    return path


def _texture(seed: int, shape=(40, 48)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


def _lines(path) -> list[dict]:
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def _truncated_jpeg(path):
    cv2.imwrite(str(path), _texture(5, (64, 64)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_bad_files_are_failures_with_reasons_and_the_rest_is_predicted(
    classifier_path, tmp_path, capsys
):
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "x.png"), _texture(1))
    cv2.imwrite(str(folder / "x.jpg"), _texture(2))  # same stem, another extension
    _truncated_jpeg(folder / "cut.jpg")
    cv2.imwrite(str(folder / "deep.png"), (_texture(3).astype(np.uint16) * 257))
    np.save(folder / "empty.npy", np.zeros((0, 0, 1), np.uint8))
    (folder / "zero.npy").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["predict", classifier_path, str(folder), "--output", str(out)]) == 1
    predicted = {r["name"]: r for r in _lines(out / "predictions.jsonl")}
    assert sorted(predicted) == ["x.jpg", "x.png"]
    assert sorted(os.listdir(out / "pictures")) == ["x.jpg.png", "x.png.png"]
    failures = {f["name"]: f["reason"] for f in _lines(out / "failures.jsonl")}
    assert "damaged or truncated" in failures["cut.jpg"]
    assert "uint16 pixels" in failures["deep.png"] and "8-bit" in failures["deep.png"]
    assert "empty image of shape (0, 0, 1)" in failures["empty.npy"]
    assert "empty file" in failures["zero.npy"]
    assert "4 inputs could not be read" in capsys.readouterr().err


def test_sixteen_bit_inputs_follow_one_rule_for_every_channel_count(tmp_path):
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), np.full((16, 18, 3), 4000, np.uint16))
    np.save(tmp_path / "deep.npy", np.zeros((16, 18, 6), np.uint16))
    for path, channels in ((deep, 1), (deep, 3), (deep, 6), (tmp_path / "deep.npy", 6)):
        with pytest.raises(ImageReadError, match="takes 8-bit pixels|take 8-bit pixels"):
            read_image(str(path), channels)


def test_results_are_written_as_they_come(classifier_path, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(4):
        cv2.imwrite(str(folder / f"{index}.png"), _texture(index))
    calls = []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr("tfdefect.viz.prediction_pictures.plot_prediction", crash_on_third)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        main(["predict", classifier_path, str(folder), "--output", str(out), "--batch-size", "1"])
    assert [r["name"] for r in _lines(out / "predictions.jsonl")] == ["0.png", "1.png"]


def test_overwrite_replaces_earlier_results_only_with_a_finished_run(
    classifier_path, tmp_path, monkeypatch
):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(folder / f"{name}.png"), _texture(ord(name)))
    out = tmp_path / "out"
    assert main(["predict", classifier_path, str(folder), "--output", str(out)]) == 0
    earlier = (out / "predictions.jsonl").read_text()
    (out / "notes.txt").write_text("mine")  # the user's own file in the results folder
    (folder / "c.png").unlink()

    def broken(*args, **kwargs):
        raise RuntimeError("plotting failed")

    with monkeypatch.context() as patched:
        patched.setattr("tfdefect.viz.prediction_pictures.plot_prediction", broken)
        with pytest.raises(RuntimeError, match="plotting failed"):
            main(["predict", classifier_path, str(folder), "--output", str(out), "--overwrite"])
    assert (out / "predictions.jsonl").read_text() == earlier  # a failed run keeps them
    assert sorted(os.listdir(out)) == [
        "failures.jsonl",
        "notes.txt",
        "pictures",
        "predictions.csv",
        "predictions.jsonl",
    ]
    assert main(["predict", classifier_path, str(folder), "--output", str(out), "--overwrite"]) == 0
    assert [r["name"] for r in _lines(out / "predictions.jsonl")] == ["a.png", "b.png"]
    assert sorted(os.listdir(out / "pictures")) == ["a.png.png", "b.png.png"]  # no stale c
    assert (out / "notes.txt").read_text() == "mine"
    assert not [n for n in os.listdir(out) if n.startswith(".")]


def test_batch_size_must_be_positive(classifier_path, tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "a.png"), _texture(0))
    for size in ("-1", "0", "two"):
        with pytest.raises(SystemExit) as stopped:
            main(["predict", classifier_path, str(tmp_path / "a.png"), "--batch-size", size])
        assert stopped.value.code == 2
        assert "--batch-size" in capsys.readouterr().err


def test_free_size_segmenter_takes_any_size_and_mixed_batches(tmp_path):
    keras.utils.set_random_seed(1)
    model = UNetSegmenter(image_shape=(None, None, 6), filters=(4, 8, 16))  # sides of 4k
    metadata = describe_model(model, ["bg", "bump", "dent", "dot"])
    assert metadata.extra["size_multiple"] == 4
    path = str(tmp_path / "unet.keras")
    save_keras_with_metadata(model, path, metadata)
    predictor = tfdefect.load(path, batch_size=4)
    rng = np.random.default_rng(0)
    images = [
        rng.integers(0, 256, (h, w, 6)).astype(np.uint8)
        for h, w in ((30, 45), (32, 32), (30, 45), (17, 9))
    ]
    results = predictor.predict(images)
    for image, result in zip(images, results, strict=True):
        height, width = image.shape[:2]
        assert result.class_map.shape == (height, width)
        padded = np.pad(image, ((0, -height % 4), (0, -width % 4), (0, 0)), mode="symmetric")
        expected = model.predict(padded[None], verbose=0)[0].argmax(-1)[:height, :width]
        np.testing.assert_array_equal(result.class_map, expected)


@pytest.mark.slow
def test_a_huge_image_predicts_in_bounded_memory(tmp_path):
    model = tiny_models.padim()
    path = str(tmp_path / "padim.keras")
    save_keras_with_metadata(model, path, describe_model(model))
    image = np.zeros((10000, 10000, 3), np.uint8)
    image[4000:4400, 5000:5400] = 255
    cv2.imwrite(str(tmp_path / "huge.png"), image)
    del image
    # the peak of this process's own memory (VmHWM): ru_maxrss would also count the pytest
    # worker's memory, which Linux carries into a forked child across exec
    script = (
        "import sys\n"
        "from tfdefect.cli import main\n"
        "code = main(['predict', sys.argv[1], sys.argv[2], '--output', sys.argv[3]])\n"
        "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print('RESULT', code, peak.split()[1])\n"
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", script, path, str(tmp_path / "huge.png"), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, peak_kib = done.stdout.split("RESULT")[-1].split()
    assert code == "0", done.stderr[-2000:]
    assert int(peak_kib) < 2 * 2**20  # 2 GiB, TensorFlow included
    (record,) = _lines(out / "predictions.jsonl")
    picture = cv2.imread(str(out / record["picture"]))
    assert max(picture.shape[:2]) < 2000  # drawn at a bounded size


def test_stream_output_is_checked_made_and_never_replaced_unasked(tmp_path, capsys):
    model = tiny_models.padim()
    path = str(tmp_path / "padim.keras")
    save_keras_with_metadata(model, path, describe_model(model))
    video = str(tmp_path / "line.avi")
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (32, 32))
    for seed in range(3):
        writer.write(np.random.default_rng(seed).integers(0, 256, (32, 32, 3), np.uint8))
    writer.release()
    annotated = tmp_path / "missing_dir" / "a.avi"
    assert main(["stream", path, video, "--output", str(annotated)]) == 0
    assert annotated.stat().st_size > 0  # its folder was made, the video written
    size = annotated.stat().st_size
    capsys.readouterr()
    assert main(["stream", path, video, "--output", str(annotated)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["stream", path, video, "--output", str(tmp_path / "a.mp4")]) == 2
    assert (
        main(
            ["stream", path, video, "--output", str(annotated), "--overwrite", "--max-frames", "1"]
        )
        == 0
    )
    assert annotated.stat().st_size < size  # replaced by the finished one-frame video
    assert sorted(os.listdir(annotated.parent)) == ["a.avi"]  # no temporary file left


def test_results_folder_names_are_unique_per_extension():
    names = {"x.png", "x.jpg", "x.npy"}
    pictures = {os.path.join(folder_prediction.PICTURES, n + ".png") for n in names}
    assert len(pictures) == len(names)


def test_an_npy_header_claiming_a_huge_array_is_a_failure_not_a_crash(classifier_path, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with open(folder / "bomb.npy", "wb") as handle:  # 144 bytes claiming 10^12 pixels
        header = {"descr": "|u1", "fortran_order": False, "shape": (1000000, 1000000, 1)}
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\0" * 16)
    cv2.imwrite(str(folder / "good.png"), _texture(0))
    out = tmp_path / "out"
    assert main(["predict", classifier_path, str(folder), "--output", str(out)]) == 1
    assert [r["name"] for r in _lines(out / "predictions.jsonl")] == ["good.png"]
    (failure,) = _lines(out / "failures.jsonl")
    assert "bomb.npy" in failure["reason"] and "more than" in failure["reason"]


def test_the_results_folder_inside_the_input_folder_is_not_predicted(classifier_path, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), _texture(0))
    out = folder / "results"
    for extra in ([], ["--overwrite"]):
        assert main(["predict", classifier_path, str(folder), "--output", str(out), *extra]) == 0
        assert [r["name"] for r in _lines(out / "predictions.jsonl")] == ["a.png"]


def test_linked_folders_are_followed_once(classifier_path, tmp_path):
    lines = tmp_path / "line1"
    lines.mkdir()
    cv2.imwrite(str(lines / "b.png"), _texture(1))
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), _texture(0))
    os.symlink(lines, folder / "line1")
    os.symlink(folder, folder / "loop")  # a link back to itself ends, not loops
    out = tmp_path / "out"
    assert main(["predict", classifier_path, str(folder), "--output", str(out)]) == 0
    names = sorted(r["name"] for r in _lines(out / "predictions.jsonl"))
    assert names == ["a.png", os.path.join("line1", "b.png")]


def test_a_negative_position_id_is_refused_before_any_work(tmp_path, capsys):
    model = tiny_models.mpb3_cached()
    path = str(tmp_path / "cached.keras")
    save_keras_with_metadata(model, path, describe_model(model))
    cv2.imwrite(str(tmp_path / "t.png"), np.zeros((32, 32, 3), np.uint8))
    out = tmp_path / "out"
    arguments = ["predict", path, str(tmp_path / "t.png"), "--output", str(out)]
    assert main([*arguments, "--position-id=-1"]) == 2
    assert "position_id must be in" in capsys.readouterr().err
    assert not out.exists()


def test_class_names_must_match_the_model(tmp_path):
    with pytest.raises(ValueError, match="2 class names .* of 3 classes"):
        describe_model(tiny_models.classifier(), ["a", "b"])


def test_a_loaded_sequential_model_predicts_without_a_traceback(tmp_path):
    model = keras.Sequential(
        [keras.Input((32, 32, 1)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")]
    )
    model.save(tmp_path / "plain.keras")
    cv2.imwrite(str(tmp_path / "a.png"), _texture(0, (32, 32)))
    out = tmp_path / "out"
    assert (
        main(
            [
                "predict",
                str(tmp_path / "plain.keras"),
                str(tmp_path / "a.png"),
                "--output",
                str(out),
            ]
        )
        == 0
    )
    (record,) = _lines(out / "predictions.jsonl")
    assert record["task"] == "classification" and len(record["probabilities"]) == 2
