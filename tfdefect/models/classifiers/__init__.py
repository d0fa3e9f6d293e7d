from tfdefect.models.classifiers.freeze import apply_freeze_strategy, backbone_blocks
from tfdefect.models.classifiers.image_classifier import ImageClassifier
from tfdefect.models.classifiers.zoo_presets import ZOO

__all__ = ["ImageClassifier", "ZOO", "apply_freeze_strategy", "backbone_blocks"]
