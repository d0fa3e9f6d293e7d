"""tf.data pipeline for instance detection/segmentation examples (chips6 ``objects``)."""

from __future__ import annotations

import tensorflow as tf


def _pad(tensor, length):
    """Pad or cut the first axis of ``tensor`` to ``length``."""
    tensor = tensor[:length]
    padding = [[0, length - tf.shape(tensor)[0]]] + [[0, 0]] * (len(tensor.shape) - 1)
    return tf.pad(tensor, padding)


def to_detection_example(example, max_instances: int):
    """One TFDS chips6 example -> (image (H, W, C) uint8, targets dict).

    targets: boxes (G, 4) normalised y1, x1, y2, x2; classes (G,) int32 with 1.. for
    bump, dent, dot and 0 for padding; masks (G, H, W) uint8. G = ``max_instances``; a chip
    with more instances raises, so no defect is silently dropped.
    """
    objects = example["objects"]
    count = tf.shape(objects["label"])[0]
    tf.debugging.assert_less_equal(
        count,
        max_instances,
        message=f"a chip has more instances than max_instances={max_instances}; raise it",
    )
    targets = {
        "boxes": _pad(tf.cast(objects["bbox"], tf.float32), max_instances),
        "classes": _pad(tf.cast(objects["label"], tf.int32) + 1, max_instances),
        "masks": _pad(tf.cast(objects["mask"], tf.uint8), max_instances),
    }
    return example["image"], targets


def detection_pipeline(
    dataset: tf.data.Dataset,
    *,
    batch_size: int,
    training: bool,
    max_instances: int = 8,
    shuffle_buffer: int = 256,
    seed: int | None = None,
    cache: bool = True,
) -> tf.data.Dataset:
    """TFDS examples -> batches of (images (B, H, W, C) uint8, targets with (B, G, ...)).

    decode (TFDS) -> pad instances -> cache -> [shuffle -> flip/rot90 jointly] -> batch ->
    prefetch. Defect and defect-free chips stay mixed in every batch as they come.
    """
    dataset = dataset.map(
        lambda ex: to_detection_example(ex, max_instances), num_parallel_calls=tf.data.AUTOTUNE
    )
    if cache:
        dataset = dataset.cache()
    if training:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.map(_augment, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=training)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _augment(image, targets):
    """Random horizontal and vertical flips of image, masks and boxes together."""
    boxes, masks = targets["boxes"], targets["masks"]
    valid = tf.cast(targets["classes"] > 0, tf.float32)[:, None]
    if_flip_x = tf.random.uniform([]) < 0.5
    if_flip_y = tf.random.uniform([]) < 0.5
    image = tf.cond(if_flip_x, lambda: tf.reverse(image, [1]), lambda: image)
    masks = tf.cond(if_flip_x, lambda: tf.reverse(masks, [2]), lambda: masks)
    boxes = tf.cond(
        if_flip_x,
        lambda: tf.stack([boxes[:, 0], 1 - boxes[:, 3], boxes[:, 2], 1 - boxes[:, 1]], -1),
        lambda: boxes,
    )
    image = tf.cond(if_flip_y, lambda: tf.reverse(image, [0]), lambda: image)
    masks = tf.cond(if_flip_y, lambda: tf.reverse(masks, [1]), lambda: masks)
    boxes = tf.cond(
        if_flip_y,
        lambda: tf.stack([1 - boxes[:, 2], boxes[:, 1], 1 - boxes[:, 0], boxes[:, 3]], -1),
        lambda: boxes,
    )
    return image, {"boxes": boxes * valid, "classes": targets["classes"], "masks": masks}
