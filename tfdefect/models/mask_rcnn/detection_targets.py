"""Second-stage training targets: sampled ROIs with classes, box deltas and masks."""

from __future__ import annotations

import tensorflow as tf

from tfdefect.data.element_seeds import fresh_seeds, seed_or_fresh
from tfdefect.models.mask_rcnn.box_coder import crop_boxes, encode_boxes, pairwise_iou

POSITIVE_FRACTION = 0.33  # Matterport's ROI_POSITIVE_RATIO


def max_positive_rois(train_rois, positive_fraction=POSITIVE_FRACTION):
    """Most positive ROIs sampled per image; they fill the first rows of the targets."""
    return int(train_rois * positive_fraction)


def jitter_boxes(boxes, copies, seed=None):
    """(N * copies, 4) random perturbations of (N, 4) normalised boxes, clipped to [0, 1]
    (``seed``: (2,) stateless seed; None: drawn from the global generator)."""
    if copies == 0:
        return tf.zeros([0, 4], boxes.dtype)
    seed = seed_or_fresh(seed)
    shift_seed, scale_seed = tf.unstack(tf.random.split(seed, 2))
    boxes = tf.repeat(boxes, copies, axis=0)
    size = boxes[:, 2:] - boxes[:, :2]
    count = tf.shape(boxes)[0]
    shift = tf.random.stateless_uniform([count, 2], shift_seed, -0.3, 0.3)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 + size * shift
    size = size * tf.exp(tf.random.stateless_uniform([count, 2], scale_seed, -0.4, 0.4))
    return tf.clip_by_value(tf.concat([centre - size / 2, centre + size / 2], axis=1), 0.0, 1.0)


def detection_targets_for_image(
    proposals,
    gt_boxes,
    gt_classes,
    gt_masks,
    train_rois=64,
    positive_fraction=POSITIVE_FRACTION,
    positive_iou=0.5,
    mask_size=28,
    jittered_rois=0,
    seed=None,
):
    """Sample ``train_rois`` ROIs of one image and their targets (Matterport's
    DetectionTargetLayer, with the chips Mask R-CNN report's change (b)).

    Ground-truth boxes are added to the candidates, so every defect has a positive ROI from
    the first step, and with ``jittered_rois`` = k also k copies of each ground-truth box with
    its centre shifted by up to 30% of its side and each side scaled by 0.67-1.5x. While the
    RPN is still poor, those are the only loose boxes around defects: they teach the box head
    to refine and the class head to accept imperfect boxes (positives at IoU >= 0.5) and
    reject near misses (negatives). Candidates with IoU >= ``positive_iou`` are positives (at most
    ``positive_fraction`` of the ROIs), the rest negatives. An image with no ground truth
    yields negatives only: its ROIs still reach the classification loss as background
    (the "direct path from ROIs to the final loss"), so defect-free chips train, and box and
    mask losses simply have no positives. Unused rows have weight 0.

    Args:
        proposals: (P, 4) normalised, zero rows are padding.
        gt_boxes: (G, 4); gt_classes: (G,) int32 with 0 = padding; gt_masks: (G, H, W).
        seed: (2,) stateless seed of the jitter and the sampling (None: drawn from the
            global generator).

    Returns:
        rois (T, 4), weights (T,) float 1/0, class_ids (T,) int32 (0 background),
        deltas (T, 4), masks (T, mask_size, mask_size) float 0/1.
    """
    seed = seed_or_fresh(seed)
    jitter_seed, sampling_seed = tf.unstack(tf.random.split(seed, 2))
    valid_gt = gt_classes > 0
    present = tf.boolean_mask(gt_boxes, valid_gt)
    jittered = jitter_boxes(present, jittered_rois, jitter_seed)
    candidates = tf.concat([proposals, present, jittered], axis=0)
    area = (candidates[:, 2] - candidates[:, 0]) * (candidates[:, 3] - candidates[:, 1])
    usable = area > 0
    iou = tf.where(valid_gt[None, :], pairwise_iou(candidates, gt_boxes), -1.0)
    best_iou = tf.reduce_max(iou, axis=1)
    best_gt = tf.argmax(iou, axis=1, output_type=tf.int32)
    positive = tf.logical_and(usable, best_iou >= positive_iou)
    negative = tf.logical_and(usable, tf.logical_not(positive))

    random = tf.random.stateless_uniform(tf.shape(best_iou), sampling_seed)
    # rank positives randomly; accept the first max_positive of them
    positive_rank = tf.argsort(tf.argsort(tf.where(positive, -random, 2.0)))
    accepted = tf.logical_and(
        positive, positive_rank < max_positive_rois(train_rois, positive_fraction)
    )
    priority = tf.where(accepted, 3.0 + random, tf.where(negative, 1.0 + random, 0.0))
    count = tf.shape(priority)[0]
    padding = tf.maximum(train_rois - count, 0)
    priority = tf.pad(priority, [[0, padding]])
    candidates = tf.pad(candidates, [[0, padding], [0, 0]])
    best_gt = tf.pad(best_gt, [[0, padding]])
    accepted = tf.pad(accepted, [[0, padding]])
    chosen_priority, chosen = tf.math.top_k(priority, k=train_rois)

    rois = tf.gather(candidates, chosen)
    weights = tf.cast(chosen_priority > 0, tf.float32)
    is_positive = tf.gather(accepted, chosen)
    matched = tf.gather(best_gt, chosen)
    class_ids = tf.where(is_positive, tf.gather(gt_classes, matched), 0)
    deltas = tf.where(is_positive[:, None], encode_boxes(rois, tf.gather(gt_boxes, matched)), 0.0)
    mask_shape = tf.shape(gt_masks)
    masks = tf.image.crop_and_resize(
        tf.cast(gt_masks, tf.float32)[..., None],
        crop_boxes(rois, mask_shape[1], mask_shape[2], mask_size),
        matched,
        (mask_size, mask_size),
        method="nearest",  # binary masks: each cell takes the pixel under its centre
    )[..., 0]
    masks = tf.where(is_positive[:, None, None], tf.round(masks), 0.0)
    return rois, weights, tf.cast(class_ids, tf.int32), deltas, masks


def detection_targets(proposals, gt_boxes, gt_classes, gt_masks, train_rois=64, **kwargs):
    """Batched ``detection_targets_for_image`` over (B, ...) inputs."""
    size = kwargs.get("mask_size", 28)
    seeds = fresh_seeds(tf.shape(proposals)[0])
    return tf.map_fn(
        lambda args: detection_targets_for_image(
            *args[:4], train_rois=train_rois, seed=args[4], **kwargs
        ),
        (
            tf.cast(proposals, tf.float32),
            tf.cast(gt_boxes, tf.float32),
            tf.cast(gt_classes, tf.int32),
            gt_masks,
            seeds,
        ),
        fn_output_signature=(
            tf.TensorSpec([train_rois, 4], tf.float32),
            tf.TensorSpec([train_rois], tf.float32),
            tf.TensorSpec([train_rois], tf.int32),
            tf.TensorSpec([train_rois, 4], tf.float32),
            tf.TensorSpec([train_rois, size, size], tf.float32),
        ),
    )
