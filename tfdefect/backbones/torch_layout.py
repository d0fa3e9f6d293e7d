"""Layers laid out as torch pads them, for weights converted from torch checkpoints.

Keras ``padding="same"`` on a stride-2 layer over an even-sized map pads [k//2 - 1, k//2]
(e.g. [2, 3] for a 7x7 stem); torch pads ``k // 2`` on both sides. With explicit
``ZeroPadding2D`` + ``"valid"`` the two frameworks compute the same thing. BatchNorm epsilon
is torch's 1e-5 (Keras' default is 1e-3). Max-pools pad with zeros, which equals torch's
-inf padding when, as in every use here, the pool follows a ReLU.
"""

from __future__ import annotations

import keras

TORCH_BATCH_NORM_EPSILON = 1e-5
KERAS_BATCH_NORM_EPSILON = 1e-3


def conv(x, filters, kernel, stride, name, torch_compatible, padding=None, **options):
    """Conv2D (no bias unless given); torch layout pads ``padding`` (default kernel // 2)
    on both sides before a "valid" convolution, Keras layout uses "same"."""
    if torch_compatible:
        pad = kernel // 2 if padding is None else padding
        if pad:
            x = keras.layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        return keras.layers.Conv2D(
            filters, kernel, strides=stride, padding="valid", name=name, **options
        )(x)
    return keras.layers.Conv2D(
        filters, kernel, strides=stride, padding="same", name=name, **options
    )(x)


def max_pool(x, size, stride, name, torch_compatible, padding=None):
    """MaxPooling2D; torch layout zero-pads ``padding`` (default size // 2) then "valid"."""
    if torch_compatible:
        pad = size // 2 if padding is None else padding
        if pad:
            x = keras.layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        return keras.layers.MaxPooling2D(size, strides=stride, padding="valid", name=name)(x)
    return keras.layers.MaxPooling2D(size, strides=stride, padding="same", name=name)(x)


def batch_norm(x, name, momentum, torch_compatible):
    """BatchNormalization with torch's epsilon in torch layout."""
    epsilon = TORCH_BATCH_NORM_EPSILON if torch_compatible else KERAS_BATCH_NORM_EPSILON
    return keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, name=name)(x)
