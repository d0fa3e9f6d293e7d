from tfdefect.layers.channel_subset import ChannelSubset
from tfdefect.layers.gaussian_blur import GaussianBlur
from tfdefect.layers.image_normalization import ImageNormalization

__all__ = ["ChannelSubset", "GaussianBlur", "ImageNormalization"]
