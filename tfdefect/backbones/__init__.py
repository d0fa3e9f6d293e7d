from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.backbones.resnet50 import ResNet50Backbone

__all__ = ["ChannelMergeStem", "ResNet50Backbone"]
