"""Augmentations that never change what an SEM defect means (in the tf.data graph).

The wafer SEM report forbids flips and heavy distortions: a flipped or warped pattern can look
like another defect class (line-edge roughness, a bridge's direction, via shapes). Allowed:
small brightness and contrast drift (like the SEM's own drift), shot-like noise, and a
shift of a few pixels (stage placement).
"""

from __future__ import annotations

import tensorflow as tf

from tfdefect.data.element_seeds import seed_or_fresh


def safe_augment(image: tf.Tensor, max_shift: int = 3, seed=None) -> tf.Tensor:
    """(H, W, C) float 0..255 -> the same shape: brightness x0.9..1.1, contrast 0.9..1.1,
    Gaussian noise sigma <= 4 grey levels, shift <= ``max_shift`` px (edge pixels repeated).
    ``seed``: a (2,) stateless seed fixing all of it (None: drawn from the global generator;
    see ``with_element_seeds`` for seeded parallel maps)."""
    seed = seed_or_fresh(seed)
    seeds = tf.unstack(tf.random.split(seed, 5))
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    mean = tf.reduce_mean(image)
    image = (image - mean) * tf.random.stateless_uniform((), seeds[0], 0.9, 1.1) + mean
    image = image * tf.random.stateless_uniform((), seeds[1], 0.9, 1.1)
    sigma = tf.random.stateless_uniform((), seeds[2], 0.0, 4.0)
    image = image + tf.random.stateless_normal(tf.shape(image), seeds[3], stddev=sigma)
    padded = tf.pad(
        image[None], [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]], "SYMMETRIC"
    )[0]
    offset = tf.random.stateless_uniform((2,), seeds[4], 0, 2 * max_shift + 1, tf.int32)
    image = padded[offset[0] : offset[0] + height, offset[1] : offset[1] + width]
    return tf.clip_by_value(image, 0.0, 255.0)
