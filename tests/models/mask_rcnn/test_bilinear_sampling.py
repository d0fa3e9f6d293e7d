import numpy as np
import pytest
import tensorflow as tf

from tfdefect.models.mask_rcnn.bilinear_sampling import gather_crops, interpolation_matrix
from tfdefect.models.mask_rcnn.detection_layer import paste_masks


@pytest.mark.parametrize("crop_size", [1, 7, 14])
def test_gather_crops_equal_crop_and_resize_on_maps_of_different_sizes(crop_size):
    rng = np.random.default_rng(0)
    maps = [rng.normal(size=(h, w, 3)).astype(np.float32) for h, w in ((9, 12), (5, 4))]
    table = np.concatenate([m.reshape(-1, 3) for m in maps])
    starts = [0, 9 * 12]
    # boxes inside, on the edges and partly outside each map (crop_and_resize coordinates)
    boxes = np.array(
        [[0.1, 0.2, 0.7, 0.9], [0.0, 0.0, 1.0, 1.0], [-0.3, 0.5, 0.4, 1.6], [0.3, 0.3, 0.3, 0.8]],
        np.float32,
    )
    owners = np.array([0, 1, 1, 0])
    crops = gather_crops(
        tf.constant(table),
        tf.constant(boxes),
        tf.constant(np.array(starts)[owners], tf.int32),
        tf.constant([float(maps[o].shape[0]) for o in owners]),
        tf.constant([float(maps[o].shape[1]) for o in owners]),
        crop_size,
    ).numpy()
    for i, owner in enumerate(owners):
        expected = tf.image.crop_and_resize(
            maps[owner][None], boxes[i : i + 1], [0], (crop_size, crop_size)
        ).numpy()[0]
        np.testing.assert_allclose(crops[i], expected, atol=1e-5)


def test_interpolation_matrix_samples_a_signal_like_crop_and_resize():
    signal = np.arange(6, dtype=np.float32) ** 2
    positions = tf.constant([[-0.5, 0.0, 2.25, 5.0, 5.5]])
    matrix = interpolation_matrix(positions, 6).numpy()[0]
    np.testing.assert_allclose(matrix @ signal, [0.0, 0.0, 4 + 0.25 * 5, 25.0, 0.0], atol=1e-6)


def test_masks_are_pasted_inside_their_boxes_only():
    masks = np.ones((1, 2, 28, 28), np.float32)
    boxes = np.array([[[0.25, 0.25, 0.5, 0.75], [0.0, 0.0, 0.0, 0.0]]], np.float32)
    pasted = paste_masks(tf.constant(masks), tf.constant(boxes), 32, 32).numpy()
    assert pasted.shape == (1, 2, 32, 32) and pasted.dtype == np.uint8
    expected = np.zeros((32, 32), np.uint8)
    expected[8:16, 8:24] = 1
    np.testing.assert_array_equal(pasted[0, 0], expected)
    assert pasted[0, 1].sum() == 0  # an empty slot pastes nothing
