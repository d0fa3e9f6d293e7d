from tfdefect.models.classifiers.backbone_zoo import ZOO
from tfdefect.models.classifiers.freeze import apply_freeze_strategy, backbone_blocks
from tfdefect.models.classifiers.image_classifier import ImageClassifier

__all__ = ["ImageClassifier", "ZOO", "apply_freeze_strategy", "backbone_blocks"]
