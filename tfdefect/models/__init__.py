"""The model classes, one subpackage per system; importing this package registers every
model with ``tfdefect.create_model`` (see ``tfdefect.registry``) and Keras' serialisation."""

from tfdefect.models.classifiers import ImageClassifier
from tfdefect.models.mask_rcnn import MaskRCNN
from tfdefect.models.mpb3 import MPB3, CachedReferenceMPB3
from tfdefect.models.padim import Padim, PadimFeatureExtractor
from tfdefect.models.segmenters import ResNet50FPNSegmenter, UNetSegmenter

__all__ = [
    "MPB3",
    "CachedReferenceMPB3",
    "ImageClassifier",
    "MaskRCNN",
    "Padim",
    "PadimFeatureExtractor",
    "ResNet50FPNSegmenter",
    "UNetSegmenter",
]
