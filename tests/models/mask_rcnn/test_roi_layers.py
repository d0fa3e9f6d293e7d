import numpy as np
import tensorflow as tf

from tfdefect.models.mask_rcnn.box_coder import crop_boxes, encode_boxes
from tfdefect.models.mask_rcnn.proposal_layer import ProposalLayer
from tfdefect.models.mask_rcnn.pyramid_roi_align import PyramidROIAlign


def _features(batch=2, size=64, channels=3):
    """P2..P5 of a (size x size) image; every value of level L equals L (+ channel index)."""
    return [
        np.full((batch, size // s, size // s, channels), level, np.float32)
        + np.arange(channels, dtype=np.float32)
        for level, s in zip(range(2, 6), (4, 8, 16, 32), strict=True)
    ]


def test_roi_levels_follow_roi_size():
    layer = PyramidROIAlign(pool_size=7, image_size=(224, 224))
    side = np.array([28, 56, 112, 224, 448], np.float32) / 224  # sqrt(area) in image fractions
    boxes = np.stack([np.zeros(5), np.zeros(5), side, side], -1)[None].astype(np.float32)
    # a 224 px ROI is canonical (level 4); halving the side goes one level down
    np.testing.assert_array_equal(layer.roi_levels(boxes)[0], [2, 2, 3, 4, 5])


def test_each_roi_is_pooled_from_its_level():
    layer = PyramidROIAlign(pool_size=5, image_size=(224, 224))
    boxes = np.array(
        [
            [[0.1, 0.1, 0.2, 0.2], [0.0, 0.0, 1.0, 1.0]],
            [[0.5, 0.5, 0.75, 0.75], [0.2, 0.2, 0.3, 0.3]],
        ],
        np.float32,
    )
    pooled = layer([boxes, *_features(size=224)]).numpy()
    assert pooled.shape == (2, 2, 5, 5, 3)
    levels = layer.roi_levels(boxes).numpy()
    for b in range(2):
        for n in range(2):
            np.testing.assert_allclose(pooled[b, n, ..., 0], levels[b, n])
            np.testing.assert_allclose(pooled[b, n, ..., 2], levels[b, n] + 2)


def test_crops_match_crop_and_resize_on_the_right_image():
    rng = np.random.default_rng(0)
    features = [
        rng.normal(size=(2, 224 // s, 224 // s, 4)).astype(np.float32) for s in (4, 8, 16, 32)
    ]
    boxes = np.array([[[0.1, 0.2, 0.3, 0.35]], [[0.4, 0.1, 0.55, 0.3]]], np.float32)
    layer = PyramidROIAlign(pool_size=7, image_size=(224, 224))
    pooled = layer([boxes, *features]).numpy()
    level = int(layer.roi_levels(boxes).numpy()[1, 0])
    feature = features[level - 2]
    aligned = crop_boxes(boxes[1], feature.shape[1], feature.shape[2], 7)
    expected = tf.image.crop_and_resize(feature, aligned, [1], (7, 7)).numpy()
    np.testing.assert_allclose(pooled[1, 0], expected[0], atol=1e-6)


def test_proposals_are_refined_suppressed_and_padded():
    anchors = np.array(
        [
            [0.1, 0.1, 0.3, 0.3],
            [0.11, 0.11, 0.31, 0.31],
            [0.6, 0.6, 0.8, 0.8],
            [0.0, 0.0, 0.05, 0.05],
        ],
        np.float32,
    )
    layer = ProposalLayer(anchors, proposal_count=4, pre_nms_limit=4, nms_threshold=0.5)
    scores = np.array([[0.9, 0.8, 0.7, 0.1]], np.float32)
    target = np.array([[0.12, 0.1, 0.32, 0.3]], np.float32)
    deltas = np.zeros((1, 4, 4), np.float32)
    deltas[0, 0] = encode_boxes(anchors[:1], target).numpy()[0]
    proposals = layer([scores, deltas]).numpy()[0]
    assert proposals.shape == (4, 4)
    np.testing.assert_allclose(proposals[0], target[0], atol=1e-5)  # best, refined
    np.testing.assert_allclose(proposals[1], anchors[2], atol=1e-6)  # anchor 1 suppressed
    np.testing.assert_allclose(proposals[2], anchors[3], atol=1e-6)
    np.testing.assert_array_equal(proposals[3], 0.0)  # padding


def test_proposal_layer_config_round_trip():
    anchors = np.random.default_rng(0).uniform(0, 1, (10, 4)).astype(np.float32)
    layer = ProposalLayer(anchors, proposal_count=3)
    clone = ProposalLayer.from_config(layer.get_config())
    scores = np.random.default_rng(1).uniform(size=(2, 10)).astype(np.float32)
    deltas = np.zeros((2, 10, 4), np.float32)
    np.testing.assert_allclose(clone([scores, deltas]), layer([scores, deltas]))


def test_proposals_equal_padded_nms_of_the_refined_top_anchors():
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 0.8, (200, 2)).astype(np.float32)
    anchors = np.concatenate([corners, corners + rng.uniform(0.05, 0.2, (200, 2))], -1)
    layer = ProposalLayer(anchors, proposal_count=30, pre_nms_limit=120, nms_threshold=0.6)
    scores = rng.uniform(size=(2, 200)).astype(np.float32)
    deltas = rng.normal(scale=0.3, size=(2, 200, 4)).astype(np.float32)
    proposals = layer([scores, deltas]).numpy()
    from tfdefect.models.mask_rcnn.box_coder import decode_boxes

    for b in range(2):
        top = np.argsort(-scores[b], kind="stable")[:120]
        boxes = np.clip(decode_boxes(anchors[top], deltas[b, top]).numpy(), 0, 1)
        keep = tf.image.non_max_suppression(boxes, scores[b, top], 30, 0.6).numpy()
        np.testing.assert_allclose(proposals[b, : len(keep)], boxes[keep], atol=1e-6)
        np.testing.assert_array_equal(proposals[b, len(keep) :], 0.0)
