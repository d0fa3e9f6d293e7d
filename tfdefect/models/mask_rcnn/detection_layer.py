"""Inference: refine, score-filter and NMS the ROIs into final detections; paste masks."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfdefect.models.mask_rcnn.bilinear_sampling import interpolation_matrix, sample_positions
from tfdefect.models.mask_rcnn.box_coder import decode_boxes
from tfdefect.serialization import register


@register
class DetectionLayer(keras.layers.Layer):
    """Box refinement with each ROI's best class and per-class NMS
    (``tf.image.combined_non_max_suppression``); background ROIs are dropped.

    Args:
        max_detections: detections kept per image (rows past ``num_detections`` are zeros).
        min_confidence: class probability below which a detection is dropped.
        nms_threshold: per-class NMS IoU threshold.

    Inputs: [rois (B, N, 4), probabilities (B, N, K), deltas (B, N, K, 4)].
    Outputs: boxes (B, D, 4) normalised y1, x1, y2, x2; class_ids (B, D) int32 (1..K-1,
    0 for padding); scores (B, D); num_detections (B,) int32.
    """

    def __init__(self, max_detections=20, min_confidence=0.5, nms_threshold=0.3, **kwargs):
        super().__init__(**kwargs)
        self.max_detections = max_detections
        self.min_confidence = min_confidence
        self.nms_threshold = nms_threshold

    def call(self, inputs):
        rois, probabilities, deltas = inputs
        # Matterport: each ROI keeps its most likely class and that class's refined box.
        # One box per ROI (shared across classes) is also what tf2onnx can convert.
        best_class = tf.argmax(probabilities, axis=-1, output_type=tf.int32)  # (B, N)
        best_score = tf.reduce_max(probabilities, axis=-1)
        best_deltas = tf.gather(deltas, best_class, axis=2, batch_dims=2)  # (B, N, 4)
        boxes = tf.clip_by_value(decode_boxes(rois, best_deltas), 0.0, 1.0)[:, :, None, :]
        area = (rois[..., 2] - rois[..., 0]) * (rois[..., 3] - rois[..., 1])
        keep = best_score * tf.cast(area > 0, tf.float32)
        num_classes = probabilities.shape[-1]
        scores = tf.one_hot(best_class, num_classes)[..., 1:] * keep[..., None]
        nms = tf.image.combined_non_max_suppression(
            boxes,
            scores,
            max_output_size_per_class=self.max_detections,
            max_total_size=self.max_detections,
            iou_threshold=self.nms_threshold,
            score_threshold=self.min_confidence,
            clip_boxes=False,
        )
        valid = tf.sequence_mask(nms.valid_detections, self.max_detections)
        class_ids = tf.where(valid, tf.cast(nms.nmsed_classes, tf.int32) + 1, 0)
        return nms.nmsed_boxes, class_ids, nms.nmsed_scores, nms.valid_detections

    def get_config(self):
        config = super().get_config()
        config.update(
            max_detections=self.max_detections,
            min_confidence=self.min_confidence,
            nms_threshold=self.nms_threshold,
        )
        return config


def paste_masks(masks, boxes, height, width, threshold=0.5):
    """Paste (B, D, m, m) box-relative mask probabilities into (B, D, H, W) uint8 masks.

    Each image pixel samples the mask cell under its centre (bilinear, 0 outside the box),
    the samples crop_and_resize would take with the image seen from the mask as its "box";
    bilinear sampling is separable, so each mask is pasted as rows @ mask @ columns^T.
    """
    shape = tf.shape(masks)
    batch, count, size = shape[0], shape[1], masks.shape[2]
    flat_masks = tf.reshape(tf.cast(masks, tf.float32), [-1, size, size])
    flat_boxes = tf.reshape(tf.cast(boxes, tf.float32), [-1, 4])
    y1, x1, y2, x2 = (flat_boxes[:, i] for i in range(4))
    box_height = tf.maximum(y2 - y1, 1e-6)
    box_width = tf.maximum(x2 - x1, 1e-6)

    def to_mask_index(coordinate, start, extent):
        return ((coordinate - start) / extent * size - 0.5) / (size - 1)

    def axis_matrix(start, extent, pixels):
        first, last = 0.5 / pixels, (pixels - 0.5) / pixels
        positions = sample_positions(
            to_mask_index(first, start, extent),
            to_mask_index(last, start, extent),
            tf.fill(tf.shape(start), float(size)),
            pixels,
        )
        return interpolation_matrix(positions, size)  # (N, pixels, size)

    rows = axis_matrix(y1, box_height, height)
    columns = axis_matrix(x1, box_width, width)
    pasted = tf.matmul(tf.matmul(rows, flat_masks), columns, transpose_b=True)
    binary = tf.cast(pasted >= threshold, tf.uint8)
    return tf.reshape(binary, [batch, count, height, width])
