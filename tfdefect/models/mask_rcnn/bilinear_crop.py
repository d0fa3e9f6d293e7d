"""``tf.image.crop_and_resize`` (bilinear) written with gathers.

tf2onnx converts ``CropAndResize`` into an ONNX Loop over boxes, which made those crops
about half of the Mask R-CNN time in onnxruntime (bench/mask_rcnn.py). The same sampling
expressed as one batched Gather converts without a loop. Results match
``tf.image.crop_and_resize`` (tests compare them).
"""

from __future__ import annotations

import tensorflow as tf


def _sample_positions(start, end, size, crop):
    """(N, crop) positions in index space and their in-range mask, as crop_and_resize."""
    size = tf.cast(size, tf.float32)
    if crop > 1:
        steps = tf.range(crop, dtype=tf.float32) / float(crop - 1)
        positions = start[:, None] * (size - 1) + steps[None, :] * (end - start)[:, None] * (
            size - 1
        )
    else:
        positions = (0.5 * (start + end) * (size - 1))[:, None]
    inside = tf.logical_and(positions >= 0.0, positions <= size - 1.0)
    return positions, inside


def bilinear_crop(features, boxes, box_indices, crop_size, extrapolation_value=0.0):
    """Bilinear crops of ``features`` (B, H, W, C) at ``boxes`` (N, 4) of image
    ``box_indices`` (N,), each resized to ``crop_size`` (h, w): (N, h, w, C) float32.

    Boxes use crop_and_resize's convention (y1, x1, y2, x2; 0 and 1 are the first and
    last pixel centres); samples outside the map take ``extrapolation_value``.
    """
    features = tf.cast(features, tf.float32)
    shape = tf.shape(features)
    height, width, channels = shape[1], shape[2], features.shape[-1]
    crop_height, crop_width = crop_size
    boxes = tf.cast(boxes, tf.float32)
    ys, inside_y = _sample_positions(boxes[:, 0], boxes[:, 2], height, crop_height)
    xs, inside_x = _sample_positions(boxes[:, 1], boxes[:, 3], width, crop_width)
    top = tf.floor(ys)
    left = tf.floor(xs)
    weight_y = (ys - top)[:, :, None, None]
    weight_x = (xs - left)[:, None, :, None]

    def index(rows, columns):
        rows = tf.clip_by_value(tf.cast(rows, tf.int32), 0, height - 1)
        columns = tf.clip_by_value(tf.cast(columns, tf.int32), 0, width - 1)
        base = tf.cast(box_indices, tf.int32)[:, None, None] * height * width
        return base + rows[:, :, None] * width + columns[:, None, :]

    flat = tf.reshape(features, [-1, channels])
    top_left = tf.gather(flat, index(top, left))
    top_right = tf.gather(flat, index(top, left + 1))
    bottom_left = tf.gather(flat, index(top + 1, left))
    bottom_right = tf.gather(flat, index(top + 1, left + 1))
    upper = top_left + (top_right - top_left) * weight_x
    lower = bottom_left + (bottom_right - bottom_left) * weight_x
    crops = upper + (lower - upper) * weight_y
    inside = tf.logical_and(inside_y[:, :, None], inside_x[:, None, :])[..., None]
    return tf.where(inside, crops, extrapolation_value)
