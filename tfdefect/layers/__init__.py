from tfdefect.layers.absolute_difference import AbsoluteDifference
from tfdefect.layers.channel_subset import ChannelSubset
from tfdefect.layers.gaussian_blur import GaussianBlur
from tfdefect.layers.image_normalization import ImageNormalization

__all__ = ["AbsoluteDifference", "ChannelSubset", "GaussianBlur", "ImageNormalization"]
