"""Swin Transformer: the feature extractor and the window attention only it uses."""

from tfdefect.backbones.swin_transformer.shifted_window_attention import ShiftedWindowAttention
from tfdefect.backbones.swin_transformer.swin_transformer import swin_features

__all__ = ["ShiftedWindowAttention", "swin_features"]
