from tfdefect.losses.class_weighted_crossentropy import ClassWeightedCrossentropy
from tfdefect.losses.class_weights import balanced_class_weights, median_frequency_weights
from tfdefect.losses.dice_focal_loss import DiceFocalLoss

__all__ = [
    "ClassWeightedCrossentropy",
    "DiceFocalLoss",
    "balanced_class_weights",
    "median_frequency_weights",
]
