import numpy as np
import pytest
import tensorflow as tf

from tfdefect.models.mask_rcnn.bilinear_crop import bilinear_crop


@pytest.mark.parametrize("crop_size", [(7, 7), (14, 14), (5, 9), (1, 1)])
def test_matches_crop_and_resize(crop_size):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(3, 17, 23, 4)).astype(np.float32)
    corner = rng.uniform(-0.3, 0.9, (40, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(0.01, 0.8, (40, 2))], -1)
    boxes = boxes.astype(np.float32)
    boxes[0] = [0.5, 0.5, 0.2, 0.1]  # flipped boxes are allowed by crop_and_resize
    indices = rng.integers(0, 3, 40).astype(np.int32)
    expected = tf.image.crop_and_resize(
        features, boxes, indices, crop_size, extrapolation_value=-2.0
    )
    got = bilinear_crop(features, boxes, indices, crop_size, extrapolation_value=-2.0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
