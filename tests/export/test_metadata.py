"""ModelMetadata round trips through every carrier (SavedModel, ONNX, .keras, .tflite)."""

import zipfile

import keras
import pytest

from tfdefect.export.metadata import (
    ModelMetadata,
    attach_keras_metadata,
    onnx_metadata_props,
    read_keras_metadata,
    read_onnx_metadata,
    read_savedmodel_metadata,
    read_tflite_metadata,
    write_savedmodel_metadata,
    write_tflite_metadata,
)

METADATA = ModelMetadata(
    task="detection",
    class_names=["background", "bump", "dent", "dot"],
    inputs=[{"name": "images", "shape": [224, 224, 6], "dtype": "uint8"}],
    thresholds={"detection_score": 0.5},
    name="chips",
    version=3,
    extra={"channel_names": ["height", "intensity"]},
)


def test_every_carrier_round_trips(tmp_path):
    write_savedmodel_metadata(str(tmp_path), METADATA)
    assert read_savedmodel_metadata(str(tmp_path)) == METADATA
    assert read_onnx_metadata(onnx_metadata_props(METADATA), "m.onnx") == METADATA
    tflite = str(tmp_path / "m.tflite")
    write_tflite_metadata(tflite, METADATA)
    assert read_tflite_metadata(tflite) == METADATA
    assert read_savedmodel_metadata(str(tmp_path / "none")) is None


def test_keras_archive_keeps_loading_with_metadata_inside(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    assert read_keras_metadata(path) is None
    attach_keras_metadata(path, METADATA)
    attach_keras_metadata(path, METADATA.replace(version=4))  # replaced, not duplicated
    assert read_keras_metadata(path).version == 4
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist().count("tfdefect.json") == 1
    assert keras.saving.load_model(path).count_params() == model.count_params()


def test_unknown_tasks_and_bad_json_are_refused():
    with pytest.raises(ValueError, match="unknown task 'regression'"):
        ModelMetadata(task="regression", class_names=[], inputs=[])
    with pytest.raises(ValueError, match="m.json: tfdefect metadata is not valid JSON"):
        ModelMetadata.from_json("{", "m.json")
