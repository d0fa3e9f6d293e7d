"""Mask R-CNN detections agree in Keras, a clean-process SavedModel and onnxruntime."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import onnxruntime as ort
import pytest

from tfdefect.export import export_onnx, export_savedmodel
from tfdefect.export.signatures import encode_channel_mosaic
from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf
path, images_file, encoded_dir, count = sys.argv[1:5]
loaded = tf.saved_model.load(path)
images = np.load(images_file)
by_array = loaded.signatures["serving_default"](images=tf.constant(images))
encoded = [open(f"{encoded_dir}/{i}.png", "rb").read() for i in range(int(count))]
by_bytes = loaded.signatures["serving_bytes"](encoded_images=tf.constant(encoded))
print(json.dumps({"tfdefect": "tfdefect" in sys.modules,
                  "array": {k: v.numpy().tolist() for k, v in by_array.items()},
                  "bytes": {k: v.numpy().tolist() for k, v in by_bytes.items()}}))
"""


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
    np.save(tmp_path / "images.npy", images)
    for i, image in enumerate(images):
        (tmp_path / f"{i}.png").write_bytes(encode_channel_mosaic(image))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CLIENT,
            path,
            str(tmp_path / "images.npy"),
            str(tmp_path),
            str(len(images)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["tfdefect"] is False
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
