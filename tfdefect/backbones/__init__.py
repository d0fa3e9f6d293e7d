from tfdefect.backbones.applications import application_features, mobilenet_v2_features
from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.backbones.resnet50 import ResNet50Backbone
from tfdefect.backbones.resnet_basic import BasicResNetBackbone, resnet18_features
from tfdefect.backbones.resnet_bottleneck import ResNetBackbone
from tfdefect.backbones.small_cnns import alexnet_features, luna_features
from tfdefect.backbones.swin_transformer import swin_features
from tfdefect.backbones.vision_transformer import (
    vision_transformer_features,
    vision_transformer_from_preset,
)

__all__ = [
    "BasicResNetBackbone",
    "ChannelMergeStem",
    "ResNet50Backbone",
    "ResNetBackbone",
    "alexnet_features",
    "application_features",
    "luna_features",
    "mobilenet_v2_features",
    "resnet18_features",
    "swin_features",
    "vision_transformer_features",
    "vision_transformer_from_preset",
]
