"""Swin Transformer feature extractor (Liu et al. 2021), hand-written: keras.applications
has no Swin and keras-hub would pull a second TensorFlow."""

from __future__ import annotations

import keras

from tfdefect.backbones.pretrained import load_backbone_weights
from tfdefect.backbones.swin_transformer.shifted_window_attention import ShiftedWindowAttention
from tfdefect.layers.erf_gelu import erf_gelu
from tfdefect.layers.fusable_layer_normalization import FusableLayerNormalization


def _window_for(size: int, window: int) -> int:
    """The largest window <= ``window`` that tiles a ``size``-token map (7 at 224 px)."""
    return max(w for w in range(1, min(window, size) + 1) if size % w == 0)


def swin_block(x, heads: int, window: int, shift: int, name: str):
    """x + W-MSA/SW-MSA(LN(x)); x + MLP(LN(x)) on a (B, H, W, C) map, exact GELU."""
    channels = x.shape[-1]
    y = FusableLayerNormalization(epsilon=1e-5, name=f"{name}_norm1")(x)
    y = ShiftedWindowAttention(heads, window, shift, name=f"{name}_attention")(y)
    x = keras.layers.Add(name=f"{name}_add1")([x, y])
    y = FusableLayerNormalization(epsilon=1e-5, name=f"{name}_norm2")(x)
    y = keras.layers.Dense(4 * channels, activation=erf_gelu, name=f"{name}_mlp1")(y)
    y = keras.layers.Dense(channels, name=f"{name}_mlp2")(y)
    return keras.layers.Add(name=f"{name}_add2")([x, y])


def patch_merging(x, name: str):
    """(B, H, W, C) -> (B, H/2, W/2, 2C): 2x2 neighbours concatenated, LN, linear."""
    channels = x.shape[-1]
    x = _space_to_depth(x, name)
    x = FusableLayerNormalization(epsilon=1e-5, name=f"{name}_norm")(x)
    return keras.layers.Dense(2 * channels, use_bias=False, name=f"{name}_reduction")(x)


def _space_to_depth(x, name):
    height, width, channels = x.shape[1:]
    x = keras.layers.Reshape((height // 2, 2, width // 2, 2 * channels), name=f"{name}_split")(x)
    x = keras.layers.Permute((1, 3, 2, 4), name=f"{name}_permute")(x)
    return keras.layers.Reshape((height // 2, width // 2, 4 * channels), name=f"{name}_fold")(x)


def swin_features(
    image_shape,
    patch_size: int = 4,
    dim: int = 96,
    depths=(2, 2, 6, 2),
    heads=(3, 6, 12, 24),
    window: int = 7,
    name: str = "swin_t",
    weights=None,
) -> keras.Model:
    """Swin-T by default. Patch embedding (stride-``patch_size`` conv + LN), four stages of
    alternating W-MSA / SW-MSA blocks (named ``block{i}_...``, numbered across stages) with
    patch merging between stages, final LN and global average pooling. The window shrinks
    to the largest size <= ``window`` that tiles each stage's map, so small inputs work
    (64 px: 16, 8, 4, 2 tokens -> windows 4, 4, 4, 2). Input (B, H, W, C) pixels 0..255,
    H and W multiples of patch_size * 8; output (B, dim * 8). ``weights``: None (random), a
    timm Swin-T ``.safetensors`` checkpoint (converted on load; the layout needs no change;
    window 7 only: a table of another window is refused, the crop to the smaller windows
    above is listed in the report) or a ``.weights.h5`` of this model (Keras, or written by
    ``tfdefect convert-weights`` for this image size: another size is refused with the
    command that converts for this one)."""
    height, width, _ = image_shape
    if height % (patch_size * 8) or width % (patch_size * 8):
        raise ValueError(f"image size {height}x{width} is not a multiple of {patch_size * 8}")
    from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
    from tfdefect.layers.image_normalization import ImageNormalization

    images = keras.Input(image_shape, name="images")
    if image_shape[-1] == 3:
        x = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="stem_normalize")(images)
    else:
        x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="stem_rescale")(images)
    x = keras.layers.Conv2D(dim, patch_size, strides=patch_size, name="stem_patch_embed")(x)
    x = FusableLayerNormalization(epsilon=1e-5, name="stem_norm")(x)
    block = 0
    for stage, (depth, stage_heads) in enumerate(zip(depths, heads, strict=True)):
        if stage > 0:
            x = patch_merging(x, f"merge{stage}")
        stage_window = _window_for(min(x.shape[1], x.shape[2]), window)
        for i in range(depth):
            block += 1
            shift = stage_window // 2 if i % 2 and stage_window < min(x.shape[1:3]) else 0
            x = swin_block(x, stage_heads, stage_window, shift, f"block{block}")
    x = FusableLayerNormalization(epsilon=1e-5, name="final_norm")(x)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(images, pooled, name=name)
    if weights is not None:
        load_backbone_weights(model, weights, architecture="swin_t")
    return model
