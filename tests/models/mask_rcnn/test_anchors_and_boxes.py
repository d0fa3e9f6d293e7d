import numpy as np
import pytest

from tfdefect.models.mask_rcnn.anchors import (
    ANCHOR_PRESETS,
    anchors_per_location,
    level_anchors,
    pyramid_anchors,
)
from tfdefect.models.mask_rcnn.box_coder import decode_boxes, encode_boxes, pairwise_iou


def test_level_anchor_geometry():
    anchors = level_anchors(16, (0.5, 1.0, 2.0), 8, (32, 32))
    assert anchors.shape == (4 * 4 * 3, 4)
    heights = anchors[:, 2] - anchors[:, 0]
    widths = anchors[:, 3] - anchors[:, 1]
    np.testing.assert_allclose(heights * widths, 256.0)  # same area for every ratio
    np.testing.assert_allclose(sorted(set(np.round(widths / heights, 6))), [0.5, 1.0, 2.0])
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    assert set(np.round(centres[:, 0], 6)) == {4.0, 12.0, 20.0, 28.0}


def test_pyramid_anchor_count_and_normalisation():
    preset = ANCHOR_PRESETS["chips6"]
    anchors = pyramid_anchors((224, 224), **preset)
    expected = sum(int(np.ceil(224 / s)) ** 2 * 3 for s in preset["strides"])
    assert anchors.shape == (expected, 4) and anchors.dtype == np.float32
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    assert centres.min() > 0 and centres.max() <= 1  # P6 (4x4 cells of 64 px) reaches 224


def test_mismatched_scales_and_strides():
    with pytest.raises(ValueError, match="2 scales for 3 strides"):
        pyramid_anchors((64, 64), (8, 16), (1.0,), (4, 8, 16))


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 0.7, (50, 2))
    reference = np.concatenate([corner, corner + rng.uniform(0.05, 0.3, (50, 2))], -1)
    corner = rng.uniform(0, 0.7, (50, 2))
    target = np.concatenate([corner, corner + rng.uniform(0.05, 0.3, (50, 2))], -1)
    deltas = encode_boxes(reference, target)
    np.testing.assert_allclose(decode_boxes(reference, deltas), target, atol=1e-5)
    np.testing.assert_allclose(encode_boxes(reference, reference), 0.0, atol=1e-6)


def test_pairwise_iou_known_values():
    a = np.array([[0, 0, 2, 2], [0, 0, 1, 1]], np.float32)
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]], np.float32)
    np.testing.assert_allclose(pairwise_iou(a, b), [[1 / 7, 1.0, 0.0], [0.0, 0.25, 0.0]], atol=1e-6)


def test_crop_boxes_sample_cell_centres():
    import tensorflow as tf

    from tfdefect.models.mask_rcnn.box_coder import crop_boxes

    image = np.zeros((1, 64, 64, 1), np.float32)
    image[0, 10:20, 12:22] = 1.0  # a 10x10 square
    box = np.array([[10 / 64, 12 / 64, 20 / 64, 22 / 64]], np.float32)
    aligned = tf.image.crop_and_resize(image, crop_boxes(box, 64, 64, 10), [0], (10, 10))
    np.testing.assert_allclose(aligned, 1.0)  # exactly the square's pixels
    naive = tf.image.crop_and_resize(image, box, [0], (10, 10))
    assert float(np.min(naive)) < 0.9  # what plain normalised boxes would give


def test_level_anchors_with_two_sides_per_cell():
    anchors = level_anchors((8, 16), (0.5, 1.0, 2.0), 8, (16, 16))
    assert anchors.shape == (2 * 2 * 2 * 3, 4)
    areas = (anchors[:, 2] - anchors[:, 0]) * (anchors[:, 3] - anchors[:, 1])
    np.testing.assert_allclose(areas[:6], [64.0] * 3 + [256.0] * 3)  # cell order: side, ratio
    assert anchors_per_location(ANCHOR_PRESETS["chips6_dense"]) == 6
    assert anchors_per_location(ANCHOR_PRESETS["chips6"]) == 3


def test_dense_preset_gives_small_boxes_more_matching_anchors():
    box = np.array([[40.0, 41.0, 52.0, 53.0]]) / 96  # a 12 px defect off the anchor grid
    matching = {}
    for name in ("chips6", "chips6_dense"):
        anchors = pyramid_anchors((96, 96), **ANCHOR_PRESETS[name])
        matching[name] = int((pairwise_iou(anchors, box).numpy()[:, 0] >= 0.5).sum())
    assert matching["chips6"] == 0 and matching["chips6_dense"] >= 3
