import csv
import os

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.cli import main
from tfdefect.export import describe_model, export_savedmodel
from tfdefect.inference.anomaly_stream import stream
from tfdefect.models.padim import Padim

SIZE = 64


def _board(rng, defect=False):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    image = 120 + 40 * np.sin(xx / 5.0)[..., None] * np.array([1.0, 0.8, 0.6])
    image = image + rng.normal(0, 3, (SIZE, SIZE, 3))
    if defect:
        image[20:34, 24:40] = 0
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    model = Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=16, sigma=2.0)
    good = np.stack([_board(rng) for _ in range(16)])
    model.fit_gaussian(tf.data.Dataset.from_tensor_slices(good).batch(8), verbose=False)
    scores = model(np.stack([_board(rng), _board(rng, True)]))["score"].numpy()
    model.set_threshold(float(scores.mean()))
    root = tmp_path_factory.mktemp("models")
    keras_path = str(root / "padim.keras")
    model.save(keras_path)
    version = export_savedmodel(
        model, str(root / "pcb_padim"), version=1, metadata=describe_model(model)
    )
    return version, keras_path


def test_predict_folder_writes_pictures_and_scores(exported, tmp_path, capsys):
    rng = np.random.default_rng(1)
    folder = tmp_path / "boards" / "line1"
    folder.mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(folder / f"good{i}.png"), _board(rng)[..., ::-1])
    # a larger photo of a defective board: resized to the model's input
    big = cv2.resize(_board(rng, defect=True), (128, 128), interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(folder / "bad.png"), big[..., ::-1])
    for model_path in exported:
        output = tmp_path / f"out_{os.path.basename(model_path)}"
        assert main(["predict", model_path, str(tmp_path / "boards"), "--output", str(output)]) == 0
        with open(output / "predictions.csv") as handle:
            rows = {os.path.basename(r["image"]): r for r in csv.DictReader(handle)}
        assert sorted(rows) == ["bad.png", "good0.png", "good1.png", "good2.png"]
        assert rows["bad.png"]["verdict"] == "anomalous"
        assert all(rows[f"good{i}.png"]["verdict"] == "good" for i in range(3))
        assert float(rows["bad.png"]["score"]) > max(
            float(rows[f"good{i}.png"]["score"]) for i in range(3)
        )
        assert int(rows["bad.png"]["anomalous_pixels"]) > 0
        pictures = sorted(os.listdir(output / "pictures" / "line1"))
        assert pictures == [f"{n}.png.png" for n in ("bad", "good0", "good1", "good2")]
    assert "anomalous 1, good 3" in capsys.readouterr().out


def test_stream_scores_every_frame_of_a_video(exported, tmp_path, caplog):
    caplog.set_level("INFO", logger="tfdefect")
    rng = np.random.default_rng(2)
    video = str(tmp_path / "line.avi")
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (SIZE, SIZE))
    frames = [_board(rng), _board(rng), _board(rng, True), _board(rng)]
    for frame in frames:
        writer.write(frame[..., ::-1].copy())
    writer.release()
    annotated = str(tmp_path / "annotated.avi")
    results = stream(exported[0], video, output=annotated)
    assert [r[0] for r in results] == [0, 1, 2, 3]
    assert [r[2] for r in results] == [False, False, True, False]
    assert os.path.getsize(annotated) > 0
    out = caplog.text
    assert "frame 2: score" in out and "ANOMALY" in out and "frames/s" in out
    assert len(stream(exported[0], video, max_frames=2)) == 2
    from_keras = stream(exported[1], video)  # any format Predictor reads, same scores
    for a, b in zip(results, from_keras, strict=True):
        assert a[2] == b[2] and abs(a[1] - b[1]) < 1e-3 * max(1.0, abs(a[1]))


def test_stream_refuses_a_model_of_another_task(tmp_path):
    classifier = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Flatten()])
    classifier.add(keras.layers.Dense(2, activation="softmax"))
    path = str(tmp_path / "classifier.keras")
    classifier.save(path)
    with pytest.raises(ValueError, match="a classification model, not an anomaly model"):
        stream(path, str(tmp_path / "line.avi"))


def test_bad_inputs_are_named(exported, tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="nothere.avi: no such video file"):
        stream(exported[0], str(tmp_path / "nothere.avi"))
    (tmp_path / "empty").mkdir()
    assert main(["predict", exported[0], str(tmp_path / "empty")]) == 2
    assert "empty: folder holds no images" in capsys.readouterr().err
    (tmp_path / "broken.png").write_bytes(b"nope")
    cv2.imwrite(str(tmp_path / "fine.png"), _board(np.random.default_rng(3)))
    output = tmp_path / "out"
    inputs = [str(tmp_path / "broken.png"), str(tmp_path / "fine.png")]
    assert main(["predict", exported[0], *inputs, "--output", str(output)]) == 1
    assert "broken.png: not a readable image" in capsys.readouterr().err
    assert len((output / "predictions.jsonl").read_text().splitlines()) == 1  # the run went on
    assert "not a readable image" in (output / "failures.jsonl").read_text()
