"""Box deltas (dy, dx, log dh, log dw) and pairwise IoU, in TensorFlow ops (export-safe)."""

from __future__ import annotations

import tensorflow as tf

# Matterport's RPN_BBOX_STD_DEV / BBOX_STD_DEV
BOX_STD = (0.1, 0.1, 0.2, 0.2)


def _centres(boxes):
    height = boxes[..., 2] - boxes[..., 0]
    width = boxes[..., 3] - boxes[..., 1]
    return boxes[..., 0] + 0.5 * height, boxes[..., 1] + 0.5 * width, height, width


def encode_boxes(reference, target, std=BOX_STD):
    """Deltas that turn ``reference`` boxes (..., 4) into ``target`` boxes (..., 4).

    Returns (..., 4) float32 ``((ty - ry) / rh, (tx - rx) / rw, log(th / rh), log(tw / rw))``
    divided by ``std``.
    """
    ry, rx, rh, rw = _centres(tf.cast(reference, tf.float32))
    ty, tx, th, tw = _centres(tf.cast(target, tf.float32))
    rh = tf.maximum(rh, 1e-8)
    rw = tf.maximum(rw, 1e-8)
    deltas = tf.stack(
        [
            (ty - ry) / rh,
            (tx - rx) / rw,
            tf.math.log(tf.maximum(th, 1e-8) / rh),
            tf.math.log(tf.maximum(tw, 1e-8) / rw),
        ],
        axis=-1,
    )
    return deltas / tf.constant(std, tf.float32)


def decode_boxes(reference, deltas, std=BOX_STD):
    """Apply ``deltas`` (..., 4) to ``reference`` boxes (..., 4); inverse of encode_boxes."""
    deltas = tf.cast(deltas, tf.float32) * tf.constant(std, tf.float32)
    ry, rx, rh, rw = _centres(tf.cast(reference, tf.float32))
    cy = ry + deltas[..., 0] * rh
    cx = rx + deltas[..., 1] * rw
    height = rh * tf.exp(deltas[..., 2])
    width = rw * tf.exp(deltas[..., 3])
    return tf.stack(
        [cy - 0.5 * height, cx - 0.5 * width, cy + 0.5 * height, cx + 0.5 * width], axis=-1
    )


def pairwise_iou(boxes_a, boxes_b):
    """IoU of every box in (N, 4) ``boxes_a`` with every box in (M, 4) ``boxes_b``: (N, M)."""
    a = tf.cast(boxes_a, tf.float32)[:, None, :]
    b = tf.cast(boxes_b, tf.float32)[None, :, :]
    top = tf.maximum(a[..., 0], b[..., 0])
    left = tf.maximum(a[..., 1], b[..., 1])
    bottom = tf.minimum(a[..., 2], b[..., 2])
    right = tf.minimum(a[..., 3], b[..., 3])
    intersection = tf.maximum(bottom - top, 0.0) * tf.maximum(right - left, 0.0)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return intersection / tf.maximum(area_a + area_b - intersection, 1e-8)


def crop_boxes(boxes, height, width, crop_size):
    """Convert (..., 4) boxes in edge coordinates (pixel i spans [i/H, (i+1)/H]) to the
    coordinates ``tf.image.crop_and_resize`` expects, so that a crop of ``crop_size`` samples
    the centres of ``crop_size`` equal cells of the box ("aligned" ROIAlign). Without this,
    crop_and_resize maps y to y * (H - 1) and a 10 px box loses up to a pixel at its edges.

    ``height`` and ``width`` are the size of the map being cropped (image or feature).
    """
    height = tf.cast(height, tf.float32)
    width = tf.cast(width, tf.float32)
    size = float(crop_size)
    y1, x1, y2, x2 = (boxes[..., i] * s for i, s in enumerate((height, width, height, width)))
    half_y = 0.5 * (y2 - y1) / size
    half_x = 0.5 * (x2 - x1) / size
    return tf.stack(
        [
            (y1 + half_y - 0.5) / tf.maximum(height - 1.0, 1.0),
            (x1 + half_x - 0.5) / tf.maximum(width - 1.0, 1.0),
            (y2 - half_y - 0.5) / tf.maximum(height - 1.0, 1.0),
            (x2 - half_x - 0.5) / tf.maximum(width - 1.0, 1.0),
        ],
        axis=-1,
    )
