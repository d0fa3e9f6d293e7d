"""One image classifier class for every architecture of the transfer-learning zoo."""

from __future__ import annotations

import keras

from tfdefect.models.classifiers.freeze import walk_layers
from tfdefect.models.classifiers.zoo_presets import ZOO
from tfdefect.registry import register_model
from tfdefect.serialization import register


@register
class ImageClassifier(keras.Model):
    """A zoo backbone, global average pooling (for feature maps), dropout and a softmax head.

    Args:
        architecture: one of ``ZOO`` (luna, alexnet, resnet18, efficientnetv2, convnext,
            vit, deit, swin_t, mobilenetv2).
        num_classes: K (2 for ok / def).
        image_shape: (H, W, C), any size the architecture accepts (ViT: multiples of the
            patch, Swin: multiples of 32) and any channel count (ImageNet weights: 3).
        weights: None (random), "imagenet" (keras.applications backbones, needs internet) or
            a local ``.weights.h5`` of this backbone (e.g. from ``save_backbone_weights``).
        dropout: before the head.
        backbone_options: architecture keyword overrides (e.g. ``{"depth": 2, "dim": 64}``
            for a small ViT).
        batch_norm_momentum: None keeps each architecture's BatchNormalization momentum
            (MobileNetV2 0.999, EfficientNetV2 0.99); 0.9 suits short training from scratch,
            where moving statistics at 0.999 lag far behind the weights after a few hundred
            steps and inference-mode outputs collapse.

    Inputs: (B, H, W, C) pixel values 0..255 (each backbone normalises in graph).
    Outputs: (B, K) class probabilities (served as ``class_probabilities``).
    """

    def __init__(
        self,
        architecture="resnet18",
        num_classes=2,
        image_shape=(224, 224, 3),
        weights=None,
        dropout=0.2,
        backbone_options=None,
        batch_norm_momentum=None,
        **kwargs,
    ):
        if architecture not in ZOO:
            raise ValueError(f"unknown architecture {architecture!r}; choose from {', '.join(ZOO)}")
        spec = ZOO[architecture]
        # === Layers ===
        backbone = spec.build(tuple(image_shape), weights=weights, **(backbone_options or {}))
        backbone.name = "backbone"  # fixed, so that weights files and freezing find it
        if batch_norm_momentum is not None:
            for layer in walk_layers(backbone):
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.momentum = batch_norm_momentum
        # === Functional model ===
        images = keras.Input(image_shape, name="images")
        features = backbone(images)
        if len(features.shape) == 4:
            features = keras.layers.GlobalAveragePooling2D(name="head_pool")(features)
        features = keras.layers.Dropout(dropout, name="head_dropout")(features)
        probabilities = keras.layers.Dense(
            num_classes, activation="softmax", name="class_probabilities"
        )(features)
        super().__init__(images, probabilities, **kwargs)
        # === Config ===
        self.backbone = backbone
        self.architecture = architecture
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.dropout = dropout
        self.backbone_options = dict(backbone_options or {})
        self.batch_norm_momentum = batch_norm_momentum
        self.block_pattern = spec.block_pattern

    def save_backbone_weights(self, path: str) -> str:
        """Write the backbone's weights (``.weights.h5``) for ``weights=path`` later."""
        self.backbone.save_weights(path)
        return path

    def get_config(self):
        return {
            "architecture": self.architecture,
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "dropout": self.dropout,
            "backbone_options": self.backbone_options,
            "batch_norm_momentum": self.batch_norm_momentum,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _register(architecture):
    def build(**kwargs):
        return ImageClassifier(architecture=architecture, **kwargs)

    build.__doc__ = f"ImageClassifier(architecture={architecture!r}, ...)"
    register_model(f"classifier_{architecture}")(build)


for _architecture in ZOO:
    _register(_architecture)
