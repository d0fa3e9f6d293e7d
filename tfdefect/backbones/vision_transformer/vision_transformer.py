"""ViT and DeiT feature extractors (hand-written: no Keras ViT builds offline without
keras-hub, which would pull a second TensorFlow), and timm's layouts as presets."""

from __future__ import annotations

import keras

from tfdefect.backbones.pretrained import is_torch_checkpoint, load_backbone_weights
from tfdefect.backbones.vision_transformer.class_tokens import ClassTokens
from tfdefect.backbones.vision_transformer.leading_token_mean import LeadingTokenMean
from tfdefect.backbones.vision_transformer.position_embedding import PositionEmbedding
from tfdefect.layers.erf_gelu import erf_gelu
from tfdefect.layers.fusable_layer_normalization import FusableLayerNormalization

# timm's ViT / DeiT layouts as vision_transformer_features settings; the keys are the
# architectures ``tfdefect convert-weights`` converts
VISION_TRANSFORMER_PRESETS = {
    "vit_b16": {"name": "vit"},
    "deit_s16": {
        "dim": 384,
        "heads": 6,
        "mlp_dim": 1536,
        "name": "deit",
        "input_normalization": "imagenet",
    },
    "deit_s16_distilled": {
        "dim": 384,
        "heads": 6,
        "mlp_dim": 1536,
        "distillation_token": True,
        "name": "deit",
        "input_normalization": "imagenet",
    },
}


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


def vision_transformer_from_preset(
    preset: str, image_shape, weights=None, torch_layout: bool = False, **options
) -> keras.Model:
    """A ViT / DeiT of ``VISION_TRANSFORMER_PRESETS`` (``options`` override its settings).

    Args:
        preset: "vit_b16", "deit_s16" or "deit_s16_distilled" (the checkpoint layouts; the
            model names are vit, deit_undistilled and deit: ``torch_conversion.MODEL_NAMES``).
        weights: None (random), a timm ``.safetensors`` checkpoint (converted on load, its
            position table resampled to this image size), or a ``.weights.h5`` of this model
            (Keras, or written by ``tfdefect convert-weights --architecture <name>`` for this
            image size: a file converted for another size is refused with the command that
            converts for this one).
        torch_layout: the input normalisation timm's checkpoints expect (DeiT: ImageNet mean
            / std; ViT needs no change); implied by a torch checkpoint. Without it DeiT keeps
            the [-1, 1] input of models saved before.

    Input (B, H, W, C) pixels 0..255; output (B, dim).
    """
    if preset not in VISION_TRANSFORMER_PRESETS:
        valid = ", ".join(VISION_TRANSFORMER_PRESETS)
        raise ValueError(f"unknown vision transformer preset {preset!r}; valid: {valid}")
    settings = dict(VISION_TRANSFORMER_PRESETS[preset])
    normalization = settings.pop("input_normalization", None)
    if (torch_layout or is_torch_checkpoint(weights)) and normalization is not None:
        options["input_normalization"] = normalization
    settings = {**settings, **options}
    model = vision_transformer_features(image_shape, **settings)
    if weights is not None:
        load_backbone_weights(model, weights, architecture=_checkpoint_layout(preset, settings))
    return model


def _checkpoint_layout(preset: str, settings: dict) -> str:
    """The checkpoint layout the built model takes: a DeiT preset whose distillation token
    was switched by ``options`` takes the other DeiT's checkpoints."""
    if not preset.startswith("deit"):
        return preset
    return "deit_s16_distilled" if settings.get("distillation_token") else "deit_s16"
