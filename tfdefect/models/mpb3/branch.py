"""The two halves of MPB3, shared by the pair model and the cached-reference model."""

from __future__ import annotations

import keras

from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
from tfdefect.layers.absolute_difference import AbsoluteDifference
from tfdefect.layers.image_normalization import ImageNormalization

EMBEDDING_DIM = 512  # ResNet18's last stage, globally average pooled


def build_branch(image_shape, backbone_weights=None) -> keras.Model:
    """The embedding branch: (B, H, W, 3) pixels 0..255 -> (B, 512) pooled ResNet18 P5."""
    crop = keras.Input(image_shape, name="crop")
    backbone = BasicResNetBackbone(
        "resnet18", input_channels=image_shape[-1], weights=backbone_weights, name="resnet18"
    )
    normalized = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="normalize")(crop)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(backbone(normalized)["P5"])
    return keras.Model(crop, pooled, name="branch")


def fused_heads(e_ref, e_test, num_classes: int, hidden_units: int, dropout: float) -> dict:
    """Fuse (B, D) reference and test embeddings as [e_ref, e_test, |e_ref - e_test|,
    e_ref * e_test] -> hidden ReLU layer -> {"ng": (B, 1) sigmoid, "defect_class": (B, K)
    softmax}. Layer names are fixed so that weights can be copied between models."""
    fused = keras.layers.Concatenate(name="fusion")(
        [
            e_ref,
            e_test,
            AbsoluteDifference(name="abs_difference")([e_ref, e_test]),
            keras.layers.Multiply(name="product")([e_ref, e_test]),
        ]
    )
    hidden = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(fused)
    hidden = keras.layers.Dropout(dropout, name="dropout")(hidden)
    return {
        "ng": keras.layers.Dense(1, activation="sigmoid", name="ng")(hidden),
        "defect_class": keras.layers.Dense(num_classes, activation="softmax", name="defect_class")(
            hidden
        ),
    }


HEAD_LAYERS = ("branch", "hidden", "ng", "defect_class")  # every trained weight of MPB3
