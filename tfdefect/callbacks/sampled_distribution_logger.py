"""Log the class distribution a resampled training pipeline realised in each epoch."""

from __future__ import annotations

import json
import logging
import os

import keras
import numpy as np

logger = logging.getLogger(__name__)


class SampledDistributionLogger(keras.callbacks.Callback):
    """Log (INFO), at the end of each epoch, the share of each class (and position) the training
    pipeline drew, next to the share the sampling weights promise, and append both to
    ``<workdir>/sampled_distribution.jsonl``.

    Args:
        counter: the :class:`tfdefect.data.group_counter.GroupCounter` mapped over the
            training pipeline.
        expected: (P, K) sampling probabilities (e.g. MPWR weights).
        position_names: P names; class_names: K names.
        workdir: folder of the JSON-lines log (None: print only).
    """

    def __init__(self, counter, expected, position_names, class_names, workdir=None):
        super().__init__()
        self.counter = counter
        self.expected = np.asarray(expected, dtype=float)
        self.position_names = list(position_names)
        self.class_names = list(class_names)
        self.path = None if workdir is None else os.path.join(workdir, "sampled_distribution.jsonl")

    def on_epoch_end(self, epoch, logs=None):
        counts = self.counter.take()
        total = max(int(counts.sum()), 1)
        drawn_class = counts.sum(0) / total
        expected_class = self.expected.sum(0) / self.expected.sum()
        used = np.flatnonzero(expected_class > 0)
        logger.info(
            f"  sampled {total} pairs; class share drawn (expected): "
            + ", ".join(
                f"{self.class_names[c]} {drawn_class[c]:.3f} ({expected_class[c]:.3f})"
                for c in used
            )
        )
        if self.path:
            record = {
                "epoch": epoch + 1,
                "pairs": total,
                "counts": {
                    p: {self.class_names[c]: int(counts[i, c]) for c in used}
                    for i, p in enumerate(self.position_names)
                },
                "class_share": {self.class_names[c]: float(drawn_class[c]) for c in used},
                "expected_class_share": {
                    self.class_names[c]: float(expected_class[c]) for c in used
                },
            }
            with open(self.path, "a") as handle:
                handle.write(json.dumps(record) + "\n")
