"""Multi-position weighted resampling (MPWR) of (reference, test) pairs, in tf.data.

Pairs are grouped by (position, defect class). Each training example is drawn by first
choosing a group with probability

    P(p, c) = P(p) * P(c | p),   P(p) ~ n_p ** position_power,   P(c | p) ~ n_pc ** class_power

(n = pair counts in the training split), then a pair of that group. Powers of 1 reproduce
the natural distribution, 0 makes positions (or classes within a position) uniform; the
default 0.5 lets rare positions and rare defect classes be seen far more often without
forgetting how common ok pairs are. Only the training split is resampled; validation and
test data keep their natural distribution and are never duplicated.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def mpwr_weights(counts: dict, position_power: float = 0.5, class_power: float = 0.5) -> dict:
    """{(position, class): sampling probability} from {(position, class): pair count}.

    Groups with no pairs get no weight. Probabilities sum to 1.
    """
    counts = {key: n for key, n in counts.items() if n > 0}
    if not counts:
        raise ValueError("MPWR needs at least one training pair")
    positions = sorted({p for p, _ in counts})
    per_position = {p: sum(n for (q, _), n in counts.items() if q == p) for p in positions}
    position_mass = {p: per_position[p] ** position_power for p in positions}
    total_position = sum(position_mass.values())
    weights = {}
    for p in positions:
        classes = {c: n for (q, c), n in counts.items() if q == p}
        class_mass = {c: n**class_power for c, n in classes.items()}
        total_class = sum(class_mass.values())
        for c, mass in class_mass.items():
            weights[(p, c)] = position_mass[p] / total_position * mass / total_class
    return weights


def class_distribution(weights: dict) -> dict:
    """{class: probability} that a resampled pair has that class (summed over positions)."""
    result: dict = {}
    for (_, c), w in weights.items():
        result[c] = result.get(c, 0.0) + w
    return result


def mpwr_dataset(
    dataset: tf.data.Dataset,
    weights: dict,
    position_key: str = "position",
    class_key: str = "defect_class",
    seed: int | None = None,
) -> tf.data.Dataset:
    """An endless dataset of ``dataset``'s elements resampled with MPWR ``weights``.

    ``dataset`` yields dicts whose ``position_key`` and ``class_key`` entries are integer
    scalars matching the keys of ``weights``. Each group is a filtered, repeated view of
    ``dataset`` (cache ``dataset`` first when reading is costly);
    ``tf.data.Dataset.sample_from_datasets`` draws among them. Use ``steps_per_epoch``.
    """
    groups, probabilities = [], []
    for (position, defect_class), weight in sorted(weights.items()):
        group = dataset.filter(
            lambda e, p=position, c=defect_class: tf.logical_and(
                tf.equal(tf.cast(e[position_key], tf.int64), p),
                tf.equal(tf.cast(e[class_key], tf.int64), c),
            )
        )
        groups.append(group.repeat())
        probabilities.append(weight)
    probabilities = np.asarray(probabilities) / np.sum(probabilities)
    return tf.data.Dataset.sample_from_datasets(
        groups, weights=probabilities.tolist(), seed=seed, stop_on_empty_dataset=False
    )


def format_weights(weights: dict, position_names, class_names) -> str:
    """A table of sampling probabilities (rows positions, columns classes) and the
    resulting class distribution, for logs."""
    used_classes = sorted({c for _, c in weights})
    header = "position".ljust(12) + "".join(class_names[c][:10].rjust(11) for c in used_classes)
    lines = [header]
    for p in sorted({p for p, _ in weights}):
        row = position_names[p].ljust(12)
        row += "".join(f"{weights.get((p, c), 0.0):11.4f}" for c in used_classes)
        lines.append(row)
    distribution = class_distribution(weights)
    lines.append(
        "per epoch".ljust(12) + "".join(f"{distribution.get(c, 0.0):11.4f}" for c in used_classes)
    )
    return "\n".join(lines)
