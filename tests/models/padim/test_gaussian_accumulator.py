import numpy as np
import pytest

from tfdefect.models.padim import PatchGaussianAccumulator


def test_streamed_statistics_equal_those_of_all_images_at_once():
    embeddings = np.random.default_rng(0).normal(size=(23, 5, 4)) * [1.0, 2.0, 0.5, 3.0]
    accumulator = PatchGaussianAccumulator(patches=5, dims=4, chunk=2)  # uneven chunks
    for start in range(0, 23, 6):  # uneven batches
        accumulator.update(embeddings[start : start + 6])
    assert accumulator.count == 23
    np.testing.assert_allclose(accumulator.mean(), embeddings.mean(axis=0))
    for p in range(5):
        expected = np.cov(embeddings[:, p, :], rowvar=False) + 0.01 * np.eye(4)
        np.testing.assert_allclose(accumulator.covariance(0.01)[p], expected, atol=1e-10)
        precision = accumulator.precision(0.01, dtype=np.float64)[p]
        np.testing.assert_allclose(precision @ expected, np.eye(4), atol=1e-8)


def test_memory_does_not_depend_on_the_number_of_images():
    accumulator = PatchGaussianAccumulator(patches=3, dims=2)
    sizes = (accumulator.sums.nbytes, accumulator.outer_sums.nbytes)
    for _ in range(50):
        accumulator.update(np.ones((8, 3, 2)))
    assert (accumulator.sums.nbytes, accumulator.outer_sums.nbytes) == sizes


def test_bad_shapes_and_too_few_images_are_refused():
    accumulator = PatchGaussianAccumulator(patches=3, dims=2)
    with pytest.raises(ValueError, match=r"expected \(B, 3, 2\)"):
        accumulator.update(np.ones((4, 3, 5)))
    accumulator.update(np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match="at least 2 training images"):
        accumulator.precision()
