import numpy as np
import pytest
import tensorflow as tf

from tfdefect.layers import GaussianBlur
from tfdefect.layers.smooth_upsampling import SmoothUpsampling


@pytest.mark.parametrize(
    ("source", "size", "sigma"), [((14, 14), (56, 56), 4.0), ((7, 5), (28, 40), 2.0)]
)
def test_equals_bilinear_resize_then_gaussian_blur(source, size, sigma):
    maps = np.random.default_rng(0).gamma(2.0, 1.0, (3, *source)).astype(np.float32)
    resized = tf.image.resize(maps[..., None], size, "bilinear")[..., 0]
    expected = GaussianBlur(sigma)(resized).numpy()
    got = SmoothUpsampling(size, sigma)(maps).numpy()
    assert got.shape == (3, *size)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_config_round_trip():
    layer = SmoothUpsampling((32, 48), 3.0)
    clone = SmoothUpsampling.from_config(layer.get_config())
    assert clone.size == (32, 48) and clone.sigma == 3.0
