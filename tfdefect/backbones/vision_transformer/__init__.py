"""ViT / DeiT: the feature extractor, its presets and the layers only it uses."""

from tfdefect.backbones.vision_transformer.class_tokens import ClassTokens
from tfdefect.backbones.vision_transformer.leading_token_mean import LeadingTokenMean
from tfdefect.backbones.vision_transformer.position_embedding import PositionEmbedding
from tfdefect.backbones.vision_transformer.vision_transformer import (
    VISION_TRANSFORMER_PRESETS,
    vision_transformer_features,
    vision_transformer_from_preset,
)

__all__ = [
    "VISION_TRANSFORMER_PRESETS",
    "ClassTokens",
    "LeadingTokenMean",
    "PositionEmbedding",
    "vision_transformer_features",
    "vision_transformer_from_preset",
]
