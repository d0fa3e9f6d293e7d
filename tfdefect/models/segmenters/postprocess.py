"""Named serving outputs of the segmenters."""

from __future__ import annotations

import tensorflow as tf


def segmentation_outputs(outputs: dict) -> dict:
    """Add ``class_map`` (B, H, W) int32 (argmax) to ``probabilities`` (B, H, W, K)."""
    probabilities = outputs["probabilities"]
    return {
        "probabilities": probabilities,
        "class_map": tf.argmax(probabilities, axis=-1, output_type=tf.int32),
    }
