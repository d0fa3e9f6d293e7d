"""Layers laid out as torch pads them, for weights converted from torch checkpoints.

Keras ``padding="same"`` on a stride-2 layer over an even-sized map pads [k//2 - 1, k//2]
(e.g. [2, 3] for a 7x7 stem); torch pads ``k // 2`` on both sides. With explicit
``ZeroPadding2D`` + ``"valid"`` the two frameworks compute the same thing. BatchNorm epsilon
is torch's 1e-5 (Keras' default is 1e-3). Max-pools pad with zeros, which equals torch's
-inf padding when, as in every use here, the pool follows a ReLU.

Random initialisation differs too: Keras draws conv kernels glorot-uniform, torchvision and
timm He-normal on fan_out, and timm starts the last BatchNorm of every residual branch at
gamma 0 (``zero_init_last``), so a fresh timm ResNet is its shortcut path.
``initialization="torch"`` gives a fresh ResNet here timm's scheme (what a random-weight
anomalib PaDiM extracts features with).
"""

from __future__ import annotations

import keras

TORCH_BATCH_NORM_EPSILON = 1e-5
KERAS_BATCH_NORM_EPSILON = 1e-3


INITIALIZATIONS = ("keras", "torch")


def check_initialization(initialization: str) -> None:
    if initialization not in INITIALIZATIONS:
        raise ValueError(
            f"unknown initialization {initialization!r}; valid: {', '.join(INITIALIZATIONS)}"
        )


def conv_initializer(initialization: str):
    """Kernel initializer: Keras' glorot_uniform, or torch's He normal on fan_out ("torch")."""
    if initialization == "torch":
        return keras.initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal")
    return "glorot_uniform"


def conv(
    x,
    filters,
    kernel,
    stride,
    name,
    torch_compatible,
    padding=None,
    initialization="keras",
    **options,
):
    """Conv2D (no bias unless given) with ``initialization``'s kernel initializer; torch
    layout pads ``padding`` (default kernel // 2) on both sides before a "valid"
    convolution, Keras layout uses "same"."""
    options.setdefault("kernel_initializer", conv_initializer(initialization))
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


def batch_norm(x, name, momentum, torch_compatible, zero_gamma=False):
    """BatchNormalization with torch's epsilon in torch layout; ``zero_gamma`` starts its
    scale at 0 (the last norm of a residual branch under timm's ``zero_init_last``)."""
    epsilon = TORCH_BATCH_NORM_EPSILON if torch_compatible else KERAS_BATCH_NORM_EPSILON
    return keras.layers.BatchNormalization(
        momentum=momentum,
        epsilon=epsilon,
        gamma_initializer="zeros" if zero_gamma else "ones",
        name=name,
    )(x)
