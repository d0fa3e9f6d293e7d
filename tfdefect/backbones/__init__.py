from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.backbones.resnet50 import ResNet50Backbone
from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.backbones.resnet_bottleneck import ResNetBackbone

__all__ = ["BasicResNetBackbone", "ChannelMergeStem", "ResNet50Backbone", "ResNetBackbone"]
