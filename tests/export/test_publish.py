"""publish_model: next free versions, explicit overwrite, all-or-nothing versions."""

import json
import os

import numpy as np
import onnxruntime as ort
import pytest

from tfdefect.export import describe_model, publish_model
from tfdefect.export import publish as publish_module
from tfdefect.export.metadata import read_savedmodel_metadata
from tfdefect.export.serving_config import ServingConfigError
from tfdefect.models.segmenters import UNetSegmenter

CLASSES = ["background", "bump", "dent", "dot"]


@pytest.fixture(scope="module")
def model():
    return UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))


def test_versions_are_added_never_replaced(model, tmp_path):
    metadata = describe_model(model, CLASSES)
    first = publish_model(model, str(tmp_path), "unet", metadata, log=None)
    second = publish_model(model, str(tmp_path), "unet", metadata, onnx=False, log=None)
    assert (first.version, second.version) == (1, 2)
    assert sorted(os.listdir(tmp_path / "unet")) == ["1", "2"]
    assert sorted(os.listdir(first.path)) == [
        "assets",
        "assets.extra",
        "fingerprint.pb",
        "model.onnx",
        "saved_model.pb",
        "variables",
    ]
    saved = read_savedmodel_metadata(first.path)
    assert saved.task == "segmentation" and saved.class_names == CLASSES
    assert (saved.name, saved.version) == ("unet", 1)
    assert saved.inputs == [{"name": "images", "shape": [32, 32, 6], "dtype": "uint8"}]
    session = ort.InferenceSession(first.onnx_path)
    props = session.get_modelmeta().custom_metadata_map
    assert json.loads(props["class_names"]) == CLASSES and props["task"] == "segmentation"
    assert session.get_inputs()[0].shape[0] == "batch"
    assert all(o.shape[0] == "batch" for o in session.get_outputs())


def test_overwrite_is_explicit_and_must_exist(model, tmp_path):
    published = publish_model(model, str(tmp_path), "m", onnx=False, log=None)
    (tmp_path / "m" / "1" / "stale.txt").write_text("old")
    again = publish_model(model, str(tmp_path), "m", onnx=False, overwrite=1, log=None)
    assert again.path == published.path and not os.path.exists(tmp_path / "m" / "1" / "stale.txt")
    with pytest.raises(FileNotFoundError, match="published versions: \\[1\\]"):
        publish_model(model, str(tmp_path), "m", onnx=False, overwrite=5, log=None)


def test_a_failed_export_publishes_nothing_and_leaves_no_temp(model, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("conversion died")

    monkeypatch.setattr(publish_module, "export_onnx", broken)
    with pytest.raises(RuntimeError, match="conversion died"):
        publish_model(model, str(tmp_path), "m", log=None)
    assert os.listdir(tmp_path / "m") == []  # no version without its ONNX, no temp folder


def test_leftovers_of_a_killed_export_are_removed_and_the_number_reused(model, tmp_path):
    dead = tmp_path / "m" / ".tmp-1-999999999-abc"  # a writer pid that cannot be alive
    (dead / "variables").mkdir(parents=True)
    lines = []
    published = publish_model(model, str(tmp_path), "m", onnx=False, log=lines.append)
    assert published.version == 1 and sorted(os.listdir(tmp_path / "m")) == ["1"]
    assert any("interrupted export" in line for line in lines)


def test_invalid_names_are_refused_before_any_work(model, tmp_path):
    for name in ['bad"name', "a/b", "", "-x"]:
        with pytest.raises(ServingConfigError, match="not valid"):
            publish_model(model, str(tmp_path), name, log=None)
    assert os.listdir(tmp_path) == []


def test_sample_images_feed_the_parity_check(model, tmp_path):
    sample = np.zeros((1, 32, 32, 6), np.uint8)
    published = publish_model(model, str(tmp_path), "m", sample_images=sample, log=None)
    assert published.onnx_max_diff < 1e-4
