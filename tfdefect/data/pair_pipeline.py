"""tf.data for MPB3: smt_pairs examples -> (inputs, targets) batches, MPWR for training."""

from __future__ import annotations

import tensorflow as tf

from tfdefect.data.mpwr import mpwr_dataset


def with_position_ids(dataset: tf.data.Dataset, positions: list[str]) -> tf.data.Dataset:
    """Add ``position_id`` (index in ``positions``; -1 for an unknown position)."""
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(positions), tf.range(len(positions), dtype=tf.int64)
        ),
        default_value=-1,
    )
    return dataset.map(lambda e: {**e, "position_id": table.lookup(e["position"])})


def to_model_inputs(example):
    """Example dict -> ({"reference", "test"}, {"ng": (1,), "defect_class": ()})."""
    inputs = {"reference": example["reference"], "test": example["test"]}
    targets = {
        "ng": tf.cast(example["label"], tf.float32)[None],
        "defect_class": example["defect_class"],
    }
    return inputs, targets


def pair_pipeline(dataset, positions, batch_size, weights=None, seed=None, counter=None):
    """Batches for ``model.fit``; with MPWR ``weights`` ({(position_id, class): p}) the
    dataset is resampled endlessly (training), otherwise kept once in order. A
    :class:`~tfdefect.data.group_counter.GroupCounter` ``counter`` counts the drawn pairs."""
    examples = with_position_ids(dataset, positions).cache()
    if weights is not None:
        examples = mpwr_dataset(
            examples, weights, position_key="position_id", class_key="defect_class", seed=seed
        )
    if counter is not None:
        examples = examples.map(counter.count)
    return examples.map(to_model_inputs).batch(batch_size).prefetch(tf.data.AUTOTUNE)
