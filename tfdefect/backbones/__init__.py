"""Feature extractors shared by the models (ResNets, MobileNetV2, ViT, Swin, small CNNs).

The names below load their module on first use, so that ``tfdefect.backbones.<module>``
helpers without Keras (the torch checkpoint reader, the conversion tables) stay fast.
"""

from __future__ import annotations

from tfdefect.lazy_names import lazy_names

_HOMES = {
    "application_features": "applications",
    "mobilenet_v2_features": "applications",
    "ChannelMergeStem": "channel_merge",
    "ResNet50Backbone": "resnet50",
    "BasicResNetBackbone": "resnet_basic",
    "resnet18_features": "resnet_basic",
    "ResNetBackbone": "resnet_bottleneck",
    "alexnet_features": "small_cnns",
    "luna_features": "small_cnns",
    "swin_features": "swin_transformer",
    "vision_transformer_features": "vision_transformer",
    "vision_transformer_from_preset": "vision_transformer",
}


__getattr__, __dir__, __all__ = lazy_names(__name__, _HOMES)
