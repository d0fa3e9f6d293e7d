import numpy as np
from scipy.ndimage import gaussian_filter

from tfdefect.layers import GaussianBlur


def test_matches_scipy_gaussian_filter_with_reflect_edges():
    maps = np.random.default_rng(0).normal(size=(2, 40, 48)).astype(np.float32)
    maps[0, 0, 0] = 30.0  # an edge peak exercises the padding
    got = GaussianBlur(sigma=2.0)(maps).numpy()
    for image, blurred in zip(maps, got, strict=True):
        expected = gaussian_filter(image.astype(np.float64), 2.0, mode="reflect", truncate=4.0)
        np.testing.assert_allclose(blurred, expected, atol=1e-5)


def test_preserves_a_constant_map_and_round_trips_config():
    layer = GaussianBlur(sigma=4.0)
    np.testing.assert_allclose(layer(np.full((1, 64, 64), 3.0, np.float32)), 3.0, atol=1e-5)
    assert GaussianBlur.from_config(layer.get_config()).sigma == 4.0
