"""crop_and_resize's bilinear sampling as gathers and matrix products.

``tf.image.crop_and_resize`` samples one image per box; its ONNX conversion is a Loop over
the boxes, and pooling each ROI from its own pyramid level with it needs a crop per level.
These functions compute the same samples (same coordinates, same 0 outside the map) with
plain gathers and matmuls, which run fast in TensorFlow and convert to loop-free ONNX.
Written by hand because no library op gathers crops from maps of different sizes at once.
"""

from __future__ import annotations

import tensorflow as tf


def sample_positions(start, end, extent, count):
    """crop_and_resize's sample coordinates along one axis.

    ``start``, ``end`` (N,) box edges in crop_and_resize's normalised coordinates (0 and 1
    are the first and last pixel centres); ``extent`` (N,) or scalar float map size.
    Returns (N, count) float positions in pixels; like crop_and_resize, one sample takes
    the box centre.
    """
    steps = tf.range(count, dtype=tf.float32)[None, :]
    last = extent - 1.0
    if count > 1:
        scale = (end - start) * last / float(count - 1)
        return start[:, None] * last[..., None] + steps * scale[:, None]
    return (0.5 * (start + end) * last)[:, None] + 0.0 * steps


def corner_weights(positions, extent):
    """Lower/upper pixel indices (int32) and their weights for bilinear sampling at
    ``positions`` (N, P) on an axis of ``extent`` (N,) pixels; weights are 0 where the
    position lies outside [0, extent - 1] (crop_and_resize's extrapolation value 0)."""
    last = extent[:, None] - 1.0
    inside = tf.cast((positions >= 0.0) & (positions <= last), tf.float32)
    lower = tf.floor(positions)
    fraction = positions - lower
    upper_index = tf.minimum(lower + 1.0, tf.maximum(last, 0.0))
    lower_index = tf.clip_by_value(lower, 0.0, tf.maximum(last, 0.0))
    return (
        tf.cast(lower_index, tf.int32),
        tf.cast(upper_index, tf.int32),
        (1.0 - fraction) * inside,
        fraction * inside,
    )


def gather_crops(flat_features, boxes, row_offsets, heights, widths, crop_size):
    """Bilinear crops of rows of a flattened stack of feature maps.

    Args:
        flat_features: (S, C) every map's pixels, row-major, one map after the other.
        boxes: (N, 4) crop_and_resize boxes (y1, x1, y2, x2) on each crop's own map.
        row_offsets: (N,) int32 index in ``flat_features`` of each box's map's pixel (0, 0).
        heights, widths: (N,) float32 size of each box's map.
        crop_size: side P of the square crops.

    Returns:
        (N, P, P, C) float32, equal to crop_and_resize on each box's own map.
    """
    y = sample_positions(boxes[:, 0], boxes[:, 2], heights, crop_size)
    x = sample_positions(boxes[:, 1], boxes[:, 3], widths, crop_size)
    top, bottom, top_weight, bottom_weight = corner_weights(y, heights)
    left, right, left_weight, right_weight = corner_weights(x, widths)
    row_width = tf.cast(widths, tf.int32)[:, None, None]
    base = row_offsets[:, None, None]

    def corner(rows, columns):
        index = base + rows[:, :, None] * row_width + columns[:, None, :]
        return tf.gather(flat_features, index)  # (N, P, P, C)

    def weight(row_weight, column_weight):
        return (row_weight[:, :, None] * column_weight[:, None, :])[..., None]

    return (
        corner(top, left) * weight(top_weight, left_weight)
        + corner(top, right) * weight(top_weight, right_weight)
        + corner(bottom, left) * weight(bottom_weight, left_weight)
        + corner(bottom, right) * weight(bottom_weight, right_weight)
    )


def interpolation_matrix(positions, source_size):
    """(N, P, source_size) matrix whose product with a (source_size, ...) signal samples it
    bilinearly at ``positions`` (N, P) (0 outside [0, source_size - 1])."""
    extent = tf.fill(tf.shape(positions)[:1], float(source_size))
    lower, upper, lower_weight, upper_weight = corner_weights(positions, extent)
    return lower_weight[..., None] * tf.one_hot(lower, source_size) + upper_weight[
        ..., None
    ] * tf.one_hot(upper, source_size)
