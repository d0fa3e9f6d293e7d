"""tf.data pipeline for semantic segmentation examples (chips6 and alike)."""

from __future__ import annotations

import tensorflow as tf


def _augment(image, mask):
    """Random flips and 90-degree rotations, applied jointly to image (H, W, C) and mask (H, W).

    These keep defect meaning on chips (bumps, dents and dots have no orientation).
    """
    stacked = tf.concat([image, tf.expand_dims(mask, -1)], axis=-1)
    stacked = tf.image.random_flip_left_right(stacked)
    stacked = tf.image.random_flip_up_down(stacked)
    stacked = tf.image.rot90(stacked, k=tf.random.uniform([], 0, 4, dtype=tf.int32))
    return stacked[..., :-1], stacked[..., -1]


def _crop(image, mask, crop_size: int, defect_probability: float):
    """Crop (crop_size, crop_size); with ``defect_probability`` centred near a defect pixel.

    Defects cover <1% of a chip, so uniform crops would mostly show background; centring
    some crops on defects is class-balanced sampling at the pixel level.
    """
    shape = tf.shape(mask)
    height, width = shape[0], shape[1]
    tf.debugging.assert_less_equal(
        crop_size, tf.minimum(height, width), message=f"crop_size {crop_size} > image size"
    )
    defect_pixels = tf.where(mask > 0)
    use_defect = tf.logical_and(
        tf.shape(defect_pixels)[0] > 0, tf.random.uniform([]) < defect_probability
    )

    def around_defect():
        index = tf.random.uniform([], 0, tf.shape(defect_pixels)[0], dtype=tf.int32)
        center = tf.cast(defect_pixels[index], tf.int32)
        jitter = tf.random.uniform([2], -crop_size // 3, crop_size // 3 + 1, dtype=tf.int32)
        return center + jitter - crop_size // 2

    def uniform():
        return tf.stack(
            [
                tf.random.uniform([], 0, height - crop_size + 1, dtype=tf.int32),
                tf.random.uniform([], 0, width - crop_size + 1, dtype=tf.int32),
            ]
        )

    corner = tf.cond(use_defect, around_defect, uniform)
    top = tf.clip_by_value(corner[0], 0, height - crop_size)
    left = tf.clip_by_value(corner[1], 0, width - crop_size)
    return (
        image[top : top + crop_size, left : left + crop_size],
        mask[top : top + crop_size, left : left + crop_size],
    )


def segmentation_pipeline(
    dataset: tf.data.Dataset,
    *,
    batch_size: int,
    training: bool,
    shuffle_buffer: int = 512,
    seed: int | None = None,
    cache: bool = True,
    crop_size: int | None = None,
    defect_crop_probability: float = 0.7,
) -> tf.data.Dataset:
    """TFDS examples -> batches of (image uint8 (B, H, W, C), mask uint8 (B, H, W)).

    decode (TFDS) -> select -> cache -> [shuffle -> crop -> augment] -> batch -> prefetch.
    When training with ``crop_size``, batches hold (B, crop, crop, C) crops, a share
    ``defect_crop_probability`` of them centred near a defect. Square inputs are assumed
    when training (rotations).
    """
    dataset = dataset.map(lambda ex: (ex["image"], ex["mask"]), num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        dataset = dataset.cache()
    if training:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        if crop_size:
            dataset = dataset.map(
                lambda i, m: _crop(i, m, crop_size, defect_crop_probability),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        dataset = dataset.map(_augment, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=training)
    return dataset.prefetch(tf.data.AUTOTUNE)
