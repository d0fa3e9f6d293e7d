from tfdefect.models.segmenters.resnet50_fpn_segmenter import ResNet50FPNSegmenter
from tfdefect.models.segmenters.unet_segmenter import UNetSegmenter

__all__ = ["ResNet50FPNSegmenter", "UNetSegmenter"]
