"""Mask R-CNN losses; every one is a weighted mean that is 0 (not NaN) with no samples."""

from __future__ import annotations

import tensorflow as tf


def _weighted_mean(values, weights):
    weights = tf.cast(weights, tf.float32)
    return tf.reduce_sum(values * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


def smooth_l1(difference):
    """Huber loss with delta 1, elementwise."""
    absolute = tf.abs(difference)
    return tf.where(absolute < 1.0, 0.5 * difference**2, absolute - 0.5)


def rpn_class_loss(labels, logits, balanced=False):
    """Cross-entropy over sampled anchors. labels (B, A): 1, 0, -1 ignored; logits (B, A, 2).

    ``balanced``: mean over positives plus mean over negatives, so that the one or two
    positive anchors of a small defect weigh as much as the hundred negatives beside them.
    """
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(labels, 0), logits)
    if balanced:
        return _weighted_mean(losses, labels == 1) + _weighted_mean(losses, labels == 0)
    return _weighted_mean(losses, labels >= 0)


def rpn_box_loss(labels, target_deltas, deltas):
    """Smooth L1 over positive anchors. (B, A), (B, A, 4), (B, A, 4)."""
    losses = tf.reduce_sum(smooth_l1(target_deltas - deltas), axis=-1)
    return _weighted_mean(losses, labels == 1)


def roi_class_loss(class_ids, weights, logits):
    """Cross-entropy over sampled ROIs, background included. (B, T), (B, T), (B, T, K)."""
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(class_ids, logits)
    return _weighted_mean(losses, weights)


def roi_box_loss(class_ids, target_deltas, deltas):
    """Smooth L1 of the true class's deltas over positive ROIs. (B, T), (B, T, 4), (B, T, K, 4)."""
    chosen = tf.gather(deltas, class_ids, axis=2, batch_dims=2)
    losses = tf.reduce_sum(smooth_l1(target_deltas - chosen), axis=-1)
    return _weighted_mean(losses, class_ids > 0)


def roi_mask_loss(class_ids, target_masks, masks):
    """Binary cross-entropy of the true class's mask over positive ROIs.

    class_ids (B, T), target_masks (B, T, m, m), masks (B, T, m, m, K) probabilities.
    """
    chosen = tf.gather(tf.transpose(masks, [0, 1, 4, 2, 3]), class_ids, axis=2, batch_dims=2)
    chosen = tf.clip_by_value(chosen, 1e-7, 1.0 - 1e-7)
    bce = -(target_masks * tf.math.log(chosen) + (1.0 - target_masks) * tf.math.log(1.0 - chosen))
    return _weighted_mean(tf.reduce_mean(bce, axis=[2, 3]), class_ids > 0)
