"""ROIAlign over FPN levels: crop_and_resize's sampling, each ROI on its own level."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfdefect.models.mask_rcnn.bilinear_sampling import gather_crops
from tfdefect.models.mask_rcnn.box_coder import crop_boxes
from tfdefect.serialization import register


@register
class PyramidROIAlign(keras.layers.Layer):
    """Pools each ROI from the FPN level that matches its size (Lin et al. 2017, eq. 1).

    ``level = clip(4 + round(log2(sqrt(h * w) / (224 / sqrt(H * W)))), 2, 5)`` with h, w the
    ROI's normalised height and width and H, W the image size, as in Matterport.

    Sampling is "aligned" (``crop_boxes``): each output cell samples its centre.
    Each ROI is sampled from its own level only, by gathers from all levels flattened into
    one table (``gather_crops``): the same values as ``crop_and_resize`` on that level,
    without cropping every level, and an ONNX graph without per-box loops.

    Args:
        pool_size: output side (7 for box heads, 14 for mask heads).
        image_size: (H, W) of the network input.

    Inputs: [boxes (B, N, 4) normalised y1, x1, y2, x2, P2 (B, H/4, W/4, C), P3, P4, P5].
    Output: (B, N, pool_size, pool_size, C).
    """

    def __init__(self, pool_size=7, image_size=(224, 224), **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.image_size = tuple(image_size)

    def roi_levels(self, boxes):
        """(B, N) int32 pyramid level 2..5 of each ROI."""
        height = boxes[..., 2] - boxes[..., 0]
        width = boxes[..., 3] - boxes[..., 1]
        image_area = float(self.image_size[0] * self.image_size[1])
        reference = 224.0 / image_area**0.5
        log2 = tf.math.log(tf.sqrt(tf.maximum(height * width, 1e-12)) / reference) / tf.math.log(
            2.0
        )
        return tf.clip_by_value(4 + tf.cast(tf.round(log2), tf.int32), 2, 5)

    def call(self, inputs):
        boxes, *features = inputs
        boxes = tf.cast(boxes, tf.float32)
        shape = tf.shape(boxes)
        batch, count = shape[0], shape[1]
        channels = features[0].shape[-1]
        flat_boxes = tf.reshape(boxes, [-1, 4])
        level_index = tf.reshape(self.roi_levels(boxes), [-1]) - 2
        # one (B * S, C) table: per image, the pixels of P2, then P3, P4, P5
        table = tf.concat(
            [tf.reshape(tf.cast(f, tf.float32), [batch, -1, channels]) for f in features],
            axis=1,
        )
        pixels_per_image = tf.shape(table)[1]
        table = tf.reshape(table, [-1, channels])
        map_shapes = tf.stack([tf.shape(f)[1:3] for f in features])  # (4, 2)
        map_pixels = map_shapes[:, 0] * map_shapes[:, 1]
        map_starts = tf.cumsum(map_pixels, exclusive=True)
        heights = tf.cast(tf.gather(map_shapes[:, 0], level_index), tf.float32)
        widths = tf.cast(tf.gather(map_shapes[:, 1], level_index), tf.float32)
        image_index = tf.repeat(tf.range(batch), count)
        row_offsets = image_index * pixels_per_image + tf.gather(map_starts, level_index)
        crops = gather_crops(
            table,
            crop_boxes(flat_boxes, heights, widths, self.pool_size),
            row_offsets,
            heights,
            widths,
            self.pool_size,
        )
        return tf.reshape(crops, [batch, count, self.pool_size, self.pool_size, channels])

    def compute_output_shape(self, input_shapes):
        boxes, feature = input_shapes[0], input_shapes[1]
        return (boxes[0], boxes[1], self.pool_size, self.pool_size, feature[-1])

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, image_size=self.image_size)
        return config
