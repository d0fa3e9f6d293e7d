"""Stateless seeds: one per tf.data element, one per image of a batch, or a fresh one."""

from __future__ import annotations

import tensorflow as tf


def with_element_seeds(dataset: tf.data.Dataset, seed: int | None) -> tf.data.Dataset:
    """Pair every element of ``dataset`` with its own (2,) int64 stateless seed: the same
    seeds for the same ``seed``, new ones every epoch (None: unseeded). Random ops in a
    parallel ``map`` then give the same result whatever order the map's threads run in, which
    stateful ``tf.random`` ops do not."""
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return tf.data.Dataset.zip((dataset, seeds))


def fresh_seeds(count):
    """(count, 2) int32 stateless seeds drawn by one stateful op (from TensorFlow's global
    generator, so seeded by ``keras.utils.set_random_seed``). Draw them outside any
    ``map_fn``: a stateful random op inside the loop hands out its numbers in whatever order
    the parallel iterations run, so a seeded run would not repeat."""
    return tf.random.uniform([count, 2], 0, 2**31 - 1, tf.int32)


def seed_or_fresh(seed):
    """``seed`` ((2,) stateless seed) itself, or a fresh one when it is None."""
    return fresh_seeds(1)[0] if seed is None else seed
