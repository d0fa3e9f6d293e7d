"""Count which (position, class) groups a resampled tf.data pipeline actually draws."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


class GroupCounter:
    """A (P, K) int64 counter of examples that pass through :meth:`count` in a tf.data map.

    Used to log the realised per-epoch distribution of MPWR next to the expected one. The
    counts are taken when the pipeline produces an example, so with prefetching a few
    batches of the next epoch are counted in the current one.

    Args:
        num_positions: P.
        num_classes: K.
    """

    def __init__(self, num_positions: int, num_classes: int):
        self.counts = tf.Variable(
            tf.zeros([num_positions, num_classes], tf.int64), trainable=False, name="counts"
        )

    def count(self, example: dict, position_key="position_id", class_key="defect_class"):
        """tf.data map function: add one to the example's (position, class) cell."""
        cell = tf.stack(
            [tf.cast(example[position_key], tf.int64), tf.cast(example[class_key], tf.int64)]
        )
        with tf.control_dependencies([self.counts.scatter_nd_add(cell[None], [1])]):
            return {key: tf.identity(value) for key, value in example.items()}

    def take(self) -> np.ndarray:
        """The (P, K) counts so far, then reset to zero."""
        counts = self.counts.numpy().copy()
        self.counts.assign(tf.zeros_like(self.counts))
        return counts
