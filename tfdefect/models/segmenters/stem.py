"""Input stem shared by the segmenters: normalisation, then an optional channel merge."""

from __future__ import annotations

from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.layers.image_normalization import ImageNormalization


def apply_input_stem(inputs, *, normalization: dict, merge_channels: bool, merge_weights):
    """Normalise ``inputs`` (B, H, W, C) and merge C -> 3 channels when asked.

    Returns (features (B, H, W, C or 3), the ChannelMergeStem or None).
    """
    x = ImageNormalization(**normalization, name="normalize")(inputs)
    if not merge_channels:
        return x, None
    stem = ChannelMergeStem(
        input_channels=inputs.shape[-1], weights=merge_weights, name="channel_merge"
    )
    return stem(x), stem
