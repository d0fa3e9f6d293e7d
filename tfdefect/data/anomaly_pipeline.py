"""tf.data for anomaly detection: pcb_anomaly / MVTec examples -> resized batches."""

from __future__ import annotations

import tensorflow as tf


def anomaly_pipeline(dataset: tf.data.Dataset, image_size: int, batch_size: int):
    """TFDS examples -> batches of (images (B, S, S, 3) uint8, {"mask": (B, S, S) uint8 0/1,
    "label": (B,) int64, "defect_type": (B,) string, "filename": (B,) string}).

    Images are resized bilinearly and masks by nearest neighbour to S x S (no crop, so a
    defect near the border is never cut away). Order is kept; nothing is shuffled.
    """

    def prepare(example):
        size = (image_size, image_size)
        image = tf.image.resize(example["image"], size, "bilinear", antialias=True)
        mask = tf.image.resize(example["mask"], size, "nearest")[..., 0]
        targets = {
            "mask": tf.cast(mask > 127, tf.uint8),
            "label": example["label"],
            "defect_type": example["defect_type"],
            "filename": example["filename"],
        }
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), targets

    return (
        dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
