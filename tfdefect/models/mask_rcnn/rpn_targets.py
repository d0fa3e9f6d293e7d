"""RPN training targets: anchor labels and deltas, sampled in the graph."""

from __future__ import annotations

import tensorflow as tf

from tfdefect.data.element_seeds import fresh_seeds, seed_or_fresh
from tfdefect.models.mask_rcnn.box_coder import encode_boxes, pairwise_iou


def _sample_mask(candidates, count, seed):
    """Boolean (N,) mask of at most ``count`` random True entries of ``candidates`` (N,);
    ``seed``: (2,) stateless seed."""
    random = tf.random.stateless_uniform(tf.shape(candidates), seed)
    priority = tf.where(candidates, random + 1.0, 0.0)
    count = tf.minimum(count, tf.shape(candidates)[0])
    threshold = tf.math.top_k(priority, k=count).values[-1]
    return tf.logical_and(candidates, priority >= tf.maximum(threshold, 1.0))


def rpn_targets_for_image(
    anchors,
    gt_boxes,
    gt_classes,
    train_anchors=128,
    positive_iou=0.7,
    negative_iou=0.3,
    positive_fraction=0.5,
    seed=None,
):
    """Labels and deltas for one image (Ren et al. 2015; Matterport's build_rpn_targets).

    An anchor is positive if its IoU with some ground truth is >= ``positive_iou`` or it is
    a ground truth's best anchor, negative if its best IoU is < ``negative_iou``. At most
    ``train_anchors`` anchors are sampled, up to half positive. Images with no ground truth
    get negatives only.

    Args:
        anchors: (A, 4) normalised.
        gt_boxes: (G, 4) normalised, padded rows are zeros.
        gt_classes: (G,) int32, 0 marks padding.
        seed: (2,) stateless seed of the sampling (None: drawn from the global generator).

    Returns:
        labels (A,) int32 (1 positive, 0 negative, -1 ignored) and deltas (A, 4) towards
        the matched ground truth (zeros where not positive).
    """
    valid = gt_classes > 0
    iou = pairwise_iou(anchors, gt_boxes)  # (A, G)
    iou = tf.where(valid[None, :], iou, -1.0)
    best_iou = tf.reduce_max(iou, axis=1)
    best_gt = tf.argmax(iou, axis=1, output_type=tf.int32)
    # each ground truth's best anchor is positive (small defects rarely reach 0.7)
    best_anchor_per_gt = tf.argmax(iou, axis=0, output_type=tf.int32)  # (G,)
    forced = tf.scatter_nd(
        best_anchor_per_gt[:, None], tf.cast(valid, tf.int32), tf.shape(best_iou)
    )
    positive = tf.logical_or(best_iou >= positive_iou, tf.logical_and(forced > 0, best_iou > 0.0))
    negative = tf.logical_and(best_iou < negative_iou, tf.logical_not(positive))
    max_positive = int(train_anchors * positive_fraction)
    seed = seed_or_fresh(seed)
    positive_seed, negative_seed = tf.unstack(tf.random.split(seed, 2))
    positive = _sample_mask(positive, max_positive, positive_seed)
    n_positive = tf.reduce_sum(tf.cast(positive, tf.int32))
    negative = _sample_mask(negative, train_anchors - n_positive, negative_seed)
    labels = tf.where(positive, 1, tf.where(negative, 0, -1))
    matched = tf.gather(gt_boxes, best_gt)
    deltas = tf.where(positive[:, None], encode_boxes(anchors, matched), 0.0)
    return tf.cast(labels, tf.int32), deltas


def rpn_targets(anchors, gt_boxes, gt_classes, **kwargs):
    """Batched ``rpn_targets_for_image``: (B, A) labels and (B, A, 4) deltas."""
    anchors = tf.constant(anchors) if not isinstance(anchors, tf.Tensor) else anchors
    seeds = fresh_seeds(tf.shape(gt_boxes)[0])
    return tf.map_fn(
        lambda args: rpn_targets_for_image(anchors, args[0], args[1], seed=args[2], **kwargs),
        (tf.cast(gt_boxes, tf.float32), tf.cast(gt_classes, tf.int32), seeds),
        fn_output_signature=(tf.TensorSpec([None], tf.int32), tf.TensorSpec([None, 4], tf.float32)),
    )
