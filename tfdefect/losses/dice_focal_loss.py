"""Class-balanced segmentation loss: soft Dice over defect classes + focal cross-entropy."""

from __future__ import annotations

import keras
from keras import ops

from tfdefect.serialization import register


@register
class DiceFocalLoss(keras.losses.Loss):
    """``dice_weight * soft_dice + focal_weight * focal_ce`` for sparse pixel labels.

    Background is >99% of chips6 pixels, so plain cross-entropy is minimised by predicting
    background everywhere. The focal term (Lin et al. 2017) down-weights easy pixels; the
    Dice term is computed per class over the whole batch and averaged over the classes
    present in it, so a class scores by overlap, not by pixel count, and chips without
    defects do not divide by zero.

    Args:
        num_classes: K, including background (class 0).
        gamma: focal exponent.
        class_weights: optional K per-class weights of the focal term.
        dice_weight / focal_weight: mix of the two terms.
        include_background_in_dice: also average the Dice of class 0.

    y_true: (B, H, W) integer class ids (or (B, H, W, 1)).
    y_pred: (B, H, W, K) probabilities.
    Returns (B,) per-sample losses: each image's focal term plus the batch's Dice term
    (Dice is a batch-level quantity), so the reduced mean equals the batch loss.
    """

    def __init__(
        self,
        num_classes=4,
        gamma=2.0,
        class_weights=None,
        dice_weight=1.0,
        focal_weight=1.0,
        include_background_in_dice=False,
        name="dice_focal",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.gamma = gamma
        self.class_weights = list(class_weights) if class_weights is not None else None
        self.dice_weight = dice_weight
        self.focal_weight = focal_weight
        self.include_background_in_dice = include_background_in_dice

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, -1)
        one_hot = ops.one_hot(y_true, self.num_classes, dtype="float32")
        probabilities = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1.0 - 1e-7)

        focal = -one_hot * ops.power(1.0 - probabilities, self.gamma) * ops.log(probabilities)
        if self.class_weights is not None:
            focal = focal * ops.convert_to_tensor(self.class_weights, "float32")
        focal = ops.mean(ops.sum(focal, axis=-1), axis=(1, 2))  # (B,)

        axes = (0, 1, 2)
        intersection = ops.sum(one_hot * probabilities, axis=axes)
        denominator = ops.sum(one_hot, axis=axes) + ops.sum(probabilities, axis=axes)
        dice = 1.0 - (2.0 * intersection + 1.0) / (denominator + 1.0)
        # Dice only for classes present in the batch; absent ones are left to the focal term
        present = ops.cast(ops.sum(one_hot, axis=axes) > 0, "float32")
        if not self.include_background_in_dice:
            dice, present = dice[1:], present[1:]
        dice = ops.sum(dice * present) / ops.maximum(ops.sum(present), 1.0)
        # per-sample values (B,), as Keras losses return; their mean is the batch loss
        return self.dice_weight * dice + self.focal_weight * focal

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            gamma=self.gamma,
            class_weights=self.class_weights,
            dice_weight=self.dice_weight,
            focal_weight=self.focal_weight,
            include_background_in_dice=self.include_background_in_dice,
        )
        return config
