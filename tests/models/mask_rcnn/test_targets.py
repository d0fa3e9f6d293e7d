import numpy as np
import tensorflow as tf

from tfdefect.models.mask_rcnn.anchors import ANCHOR_PRESETS, pyramid_anchors
from tfdefect.models.mask_rcnn.box_coder import decode_boxes, pairwise_iou
from tfdefect.models.mask_rcnn.detection_targets import detection_targets, jitter_boxes
from tfdefect.models.mask_rcnn.rpn_targets import rpn_targets

ANCHORS = pyramid_anchors((64, 64), **ANCHOR_PRESETS["chips6"])


def _ground_truth():
    boxes = np.zeros((2, 3, 4), np.float32)
    classes = np.zeros((2, 3), np.int32)
    masks = np.zeros((2, 3, 64, 64), np.uint8)
    boxes[0, 0] = [10 / 64, 12 / 64, 20 / 64, 22 / 64]
    classes[0, 0] = 2
    masks[0, 0, 10:20, 12:22] = 1
    boxes[0, 1] = [40 / 64, 40 / 64, 46 / 64, 46 / 64]
    classes[0, 1] = 3
    masks[0, 1, 40:46, 40:46] = 1
    return boxes, classes, masks  # image 1 has no defect


def test_rpn_targets_cover_every_defect_and_handle_empty_images():
    boxes, classes, _ = _ground_truth()
    labels, deltas = rpn_targets(ANCHORS, boxes, classes, train_anchors=64)
    labels, deltas = labels.numpy(), deltas.numpy()
    assert labels.shape == (2, len(ANCHORS))
    assert (labels[0] == 1).sum() >= 2 and (labels[0] >= 0).sum() <= 64
    assert (labels[1] == 1).sum() == 0 and (labels[1] == 0).sum() == 64
    # positive deltas lead from the anchor to one of the ground-truth boxes
    decoded = decode_boxes(ANCHORS[labels[0] == 1], deltas[0][labels[0] == 1]).numpy()
    distance = np.abs(decoded[:, None, :] - boxes[0][None, :2]).max(-1).min(-1)
    np.testing.assert_allclose(distance, 0.0, atol=1e-5)


def test_detection_targets_positives_negatives_and_empty_image():
    boxes, classes, masks = _ground_truth()
    proposals = np.zeros((2, 10, 4), np.float32)
    proposals[:, :4] = [
        [0.1, 0.1, 0.5, 0.5],
        [0.6, 0.6, 0.9, 0.9],
        [0.15, 0.18, 0.33, 0.36],
        [0.0, 0.0, 0.2, 0.2],
    ]
    # 16 ROIs accept up to 5 positives: every positive candidate, whatever the draw
    rois, weights, class_ids, deltas, mask_targets = (
        t.numpy() for t in detection_targets(proposals, boxes, classes, masks, train_rois=16)
    )
    assert rois.shape == (2, 16, 4) and mask_targets.shape == (2, 16, 28, 28)
    # image 0: both ground-truth boxes are positives with their classes, full masks
    positives = class_ids[0] > 0
    assert set(class_ids[0][positives].tolist()) == {2, 3}
    assert weights[0][positives].all()
    exact = np.isclose(np.abs(deltas[0][positives]).max(-1), 0.0, atol=1e-5)
    assert exact.sum() >= 2 and np.all(mask_targets[0][positives][exact] == 1.0)
    # image 1 (no defect): the 4 real proposals are weighted background ROIs, nothing else
    assert weights[1].sum() == 4 and (class_ids[1] == 0).all()
    assert np.all(deltas[1] == 0) and np.all(mask_targets[1] == 0)


def test_lower_rpn_positive_iou_gives_more_positive_anchors():
    boxes, classes, _ = _ground_truth()
    strict, _ = rpn_targets(ANCHORS, boxes, classes, train_anchors=256, positive_iou=0.9)
    loose, _ = rpn_targets(ANCHORS, boxes, classes, train_anchors=256, positive_iou=0.3)
    strict, loose = strict.numpy()[0], loose.numpy()[0]
    assert (loose == 1).sum() > (strict == 1).sum() >= 2


def test_jittered_boxes_surround_their_ground_truth():
    boxes = tf.constant([[0.2, 0.2, 0.4, 0.3], [0.9, 0.9, 1.0, 1.0]])
    tf.random.set_seed(1)
    jittered = jitter_boxes(boxes, 50).numpy()
    assert jittered.shape == (100, 4) and jitter_boxes(boxes, 0).shape == (0, 4)
    assert jittered.min() >= 0.0 and jittered.max() <= 1.0
    iou = pairwise_iou(jittered[:50], boxes[:1]).numpy()[:, 0]
    # loose copies, some still positives (IoU >= 0.5), some near misses, none identical
    assert (iou >= 0.5).any() and (iou < 0.5).any() and iou.max() < 0.999 and iou.min() > 0.0
    centres = (jittered[:50, :2] + jittered[:50, 2:]) / 2
    assert np.all(np.abs(centres - [0.3, 0.25]) <= [0.2 * 0.3 + 1e-6, 0.1 * 0.3 + 1e-6])


def test_jittered_rois_add_loose_positives_with_true_deltas():
    boxes, classes, masks = _ground_truth()
    proposals = np.zeros((2, 10, 4), np.float32)
    tf.random.set_seed(0)
    rois, weights, class_ids, deltas, _ = (
        t.numpy()
        for t in detection_targets(
            proposals, boxes, classes, masks, train_rois=16, jittered_rois=6, positive_fraction=1.0
        )
    )
    positives = class_ids[0] > 0
    assert positives.sum() > 2 and weights[0].sum() == 2 + 2 * 6
    # every positive's deltas decode onto its ground-truth box
    decoded = decode_boxes(rois[0][positives], deltas[0][positives]).numpy()
    distance = np.abs(decoded[:, None, :] - boxes[0][None, :2]).max(-1).min(-1)
    np.testing.assert_allclose(distance, 0.0, atol=1e-5)
    assert weights[1].sum() == 0  # no defect, no proposals: nothing to jitter


def test_positive_rois_fill_the_first_rows_only():
    # the mask head trains on rows [:max_positive_rois] alone: every positive must be there
    from tfdefect.models.mask_rcnn.detection_targets import max_positive_rois

    rng = np.random.default_rng(1)
    gt = np.zeros((1, 6, 4), np.float32)
    gt[0] = [[0.1 * i, 0.1 * i, 0.1 * i + 0.15, 0.1 * i + 0.15] for i in range(6)]
    classes = np.ones((1, 6), np.int32)
    masks = np.ones((1, 6, 64, 64), np.uint8)
    jitter = rng.normal(scale=0.01, size=(1, 60, 4)).astype(np.float32)
    proposals = np.clip(np.repeat(gt, 10, axis=1) + jitter, 0, 1)  # many positives
    tf.random.set_seed(1)
    _, _, class_ids, _, _ = detection_targets(proposals, gt, classes, masks, train_rois=32)
    limit = max_positive_rois(32)
    class_ids = class_ids.numpy()[0]
    assert (class_ids[:limit] > 0).sum() == limit  # capped at the positive fraction
    assert (class_ids[limit:] == 0).all()
