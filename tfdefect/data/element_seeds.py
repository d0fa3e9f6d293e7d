"""Per-element stateless seeds for random ops in parallel tf.data maps."""

from __future__ import annotations

import tensorflow as tf


def with_element_seeds(dataset: tf.data.Dataset, seed: int | None) -> tf.data.Dataset:
    """Pair every element of ``dataset`` with its own (2,) int64 stateless seed: the same
    seeds for the same ``seed``, new ones every epoch (None: unseeded). Random ops in a
    parallel ``map`` then give the same result whatever order the map's threads run in, which
    stateful ``tf.random`` ops do not."""
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return tf.data.Dataset.zip((dataset, seeds))
