"""ResNet50 backbone exposing a feature pyramid {"P2".."P5"}."""

from __future__ import annotations

import keras

from tfdefect.backbones.pretrained import build_application, is_torch_checkpoint
from tfdefect.serialization import register

# Last layer of each ResNet50 stage in keras.applications, by pyramid level (stride 4..32).
RESNET50_PYRAMID_LAYERS = {
    "P2": "conv2_block3_out",
    "P3": "conv3_block4_out",
    "P4": "conv4_block6_out",
    "P5": "conv5_block3_out",
}


@register
class ResNet50Backbone(keras.Model):
    """keras.applications ResNet50 without its top, for any input channel count.

    Args:
        input_channels: C.
        weights: None, "imagenet" (3 channels, needs internet) or a path to weights of
            ``keras.applications.ResNet50(include_top=False)`` with the same C. Torch
            weights (a torchvision / timm ``.safetensors``, or what ``tfdefect
            convert-weights --architecture resnet50`` wrote) are refused: they load into
            ``ResNetBackbone("resnet50", weights=...)`` (torch's layout, other layer names).

    Input shape: (B, H, W, C) float32, already normalised; H and W multiples of 32.
    Output: dict {"P2": (B, H/4, W/4, 256), "P3": (B, H/8, W/8, 512),
    "P4": (B, H/16, W/16, 1024), "P5": (B, H/32, W/32, 2048)}; also ``self.pyramid_outputs``.
    """

    def __init__(self, input_channels=3, weights=None, **kwargs):
        if is_torch_checkpoint(weights):
            raise ValueError(
                f"{weights}: ResNet50Backbone is keras.applications' ResNet50 and takes no "
                "torch weights; load a torchvision / timm resnet50 checkpoint (.safetensors, "
                "or the .weights.h5 of tfdefect convert-weights --architecture resnet50) with "
                f"tfdefect.backbones.ResNetBackbone('resnet50', weights={weights!r})"
            )
        # === Layers ===
        application = build_application(
            keras.applications.ResNet50,
            weights=weights,
            input_channels=input_channels,
            include_top=False,
            input_shape=(None, None, input_channels),
        )
        extractor = keras.Model(
            application.input,
            {
                level: application.get_layer(name).output
                for level, name in RESNET50_PYRAMID_LAYERS.items()
            },
            name="resnet50",
        )
        # === Functional model ===
        inputs = keras.Input((None, None, input_channels), name="images")
        outputs = extractor(inputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.input_channels = input_channels
        self.pyramid_outputs = outputs

    def get_config(self):
        # Weights are restored by Keras after from_config, so they are never re-fetched.
        return {
            "input_channels": self.input_channels,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
