"""Mask R-CNN detections agree in Keras, a clean-process SavedModel and onnxruntime."""

import keras
import numpy as np
import onnxruntime as ort
import pytest

from tests.savedmodel_client import serve_in_clean_process
from tfdefect.export import export_onnx, export_savedmodel
from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN


@pytest.fixture(scope="module")
def model_and_images():
    keras.utils.set_random_seed(3)
    # min confidence 0: a random model still returns detections to compare
    model = MaskRCNN(
        image_shape=(64, 64, 6),
        backbone="resnet25",
        merge_channels=True,
        proposals_inference=16,
        max_detections=6,
        detection_min_confidence=0.0,
    )
    images = np.random.default_rng(4).integers(0, 256, (2, 64, 64, 6)).astype(np.uint8)
    return model, images


def _assert_same(got, expected):
    np.testing.assert_array_equal(got["num_detections"], expected["num_detections"])
    assert np.min(expected["num_detections"]) > 0
    np.testing.assert_allclose(got["scores"], expected["scores"], atol=1e-4)
    np.testing.assert_allclose(got["boxes"], expected["boxes"], atol=1e-4)
    np.testing.assert_array_equal(got["class_ids"], expected["class_ids"])
    mismatch = np.mean(np.asarray(got["masks"]) != np.asarray(expected["masks"]))
    assert mismatch < 1e-3


def test_savedmodel_in_a_clean_process(model_and_images, tmp_path):
    model, images = model_and_images
    expected = {k: np.asarray(v) for k, v in model(images).items()}
    path = export_savedmodel(model, str(tmp_path / "chips_mask_rcnn"), version=1)
    served = serve_in_clean_process(path, images, tmp_path)
    assert served["tfdefect_imported"] is False
    assert sorted(served["array"]) == ["boxes", "class_ids", "masks", "num_detections", "scores"]
    _assert_same(served["array"], expected)
    _assert_same(served["bytes"], expected)


def test_onnxruntime_matches_keras(model_and_images, tmp_path):
    model, images = model_and_images
    path = str(tmp_path / "mask_rcnn.onnx")
    difference = export_onnx(model, path, sample_images=images)
    assert difference < 1e-3
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, {"images": images}), strict=True))
    _assert_same(got, {k: np.asarray(v) for k, v in model(images).items()})
