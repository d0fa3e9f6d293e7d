from tfdefect.layers.image_normalization import ImageNormalization

__all__ = ["ImageNormalization"]
