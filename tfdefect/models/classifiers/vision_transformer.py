"""ViT and DeiT feature extractors (hand-written: no Keras ViT builds offline without
keras-hub, which would pull a second TensorFlow)."""

from __future__ import annotations

import keras

from tfdefect.layers.class_tokens import ClassTokens
from tfdefect.layers.erf_gelu import erf_gelu
from tfdefect.layers.fusable_layer_normalization import FusableLayerNormalization
from tfdefect.layers.leading_token_mean import LeadingTokenMean
from tfdefect.layers.position_embedding import PositionEmbedding


def transformer_block(x, heads: int, mlp_dim: int, name: str, epsilon: float = 1e-6):
    """Pre-norm encoder block on (B, N, D): x + MHA(LN(x)); x + MLP(LN(x)), exact GELU."""
    dim = x.shape[-1]
    y = FusableLayerNormalization(epsilon=epsilon, name=f"{name}_norm1")(x)
    y = keras.layers.MultiHeadAttention(heads, dim // heads, name=f"{name}_attention")(y, y)
    x = keras.layers.Add(name=f"{name}_add1")([x, y])
    y = FusableLayerNormalization(epsilon=epsilon, name=f"{name}_norm2")(x)
    y = keras.layers.Dense(mlp_dim, activation=erf_gelu, name=f"{name}_mlp1")(y)
    y = keras.layers.Dense(dim, name=f"{name}_mlp2")(y)
    return keras.layers.Add(name=f"{name}_add2")([x, y])


def vision_transformer_features(
    image_shape,
    patch_size: int = 16,
    dim: int = 768,
    depth: int = 12,
    heads: int = 12,
    mlp_dim: int = 3072,
    distillation_token: bool = False,
    name: str = "vit",
    input_normalization: str = "unit_range",
) -> keras.Model:
    """ViT (Dosovitskiy et al. 2021; ViT-B/16 by default) or, with ``distillation_token``,
    DeiT (Touvron et al. 2021): patch embedding, learned position embedding, ``depth``
    encoder blocks named ``block{i}_...``, final LayerNorm. Input (B, H, W, C) pixels
    0..255 with H, W multiples of ``patch_size``; output (B, dim): the class token (DeiT:
    the mean of the class and distillation tokens, as DeiT's inference head).
    ``input_normalization``: "unit_range" (pixels to [-1, 1], timm's ViT-B/16) or "imagenet"
    (ImageNet mean / std, what timm's DeiT checkpoints expect)."""
    height, width, _ = image_shape
    if height % patch_size or width % patch_size:
        raise ValueError(f"image size {height}x{width} is not a multiple of patch {patch_size}")
    images = keras.Input(image_shape, name="images")
    if input_normalization == "imagenet":
        from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
        from tfdefect.layers.image_normalization import ImageNormalization

        x = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="stem_normalize")(images)
    elif input_normalization == "unit_range":
        x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="stem_rescale")(images)
    else:
        raise ValueError(f"input_normalization {input_normalization!r}: unit_range or imagenet")
    x = keras.layers.Conv2D(dim, patch_size, strides=patch_size, name="stem_patch_embed")(x)
    x = keras.layers.Reshape(((height // patch_size) * (width // patch_size), dim))(x)
    tokens = 2 if distillation_token else 1
    x = ClassTokens(tokens, name="stem_class_tokens")(x)
    x = PositionEmbedding(name="stem_position_embedding")(x)
    for block in range(1, depth + 1):
        x = transformer_block(x, heads, mlp_dim, f"block{block}")
    x = FusableLayerNormalization(epsilon=1e-6, name="final_norm")(x)
    pooled = LeadingTokenMean(tokens, name="pool")(x)
    return keras.Model(images, pooled, name=name)
