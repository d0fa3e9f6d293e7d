from tfdefect.losses.class_weighted_crossentropy import ClassWeightedCrossentropy
from tfdefect.losses.dice_focal_loss import DiceFocalLoss

__all__ = ["ClassWeightedCrossentropy", "DiceFocalLoss"]
from tfdefect.losses.class_weights import median_frequency_weights  # noqa: E402

__all__ += ["median_frequency_weights"]
