"""ResNet50 + FPN semantic segmenter (panoptic-FPN style semantic head)."""

from __future__ import annotations

import keras

from tfdefect.backbones.input_normalization import normalization_for
from tfdefect.backbones.resnet50 import ResNet50Backbone
from tfdefect.models.segmenters.stem import apply_input_stem
from tfdefect.registry import register_model
from tfdefect.serialization import register

LEVELS = ("P2", "P3", "P4", "P5")


@register_model("segmenter_resnet50_fpn", aliases=("resnet50_fpn",))
@register
class ResNet50FPNSegmenter(keras.Model):
    """Semantic segmenter: ResNet50 pyramid -> FPN -> summed upsampled levels -> classes.

    The FPN top-down path (Lin et al. 2017) merges C2..C5; each level is convolved and
    upsampled to stride 4, summed, classified, and upsampled to the input size
    (Kirillov et al. 2019, semantic branch).

    Args:
        num_classes: K, including background.
        image_shape: (H, W, C); H and W multiples of 32 (None allowed).
        backbone: a ``ResNet50Backbone``; built from ``backbone_weights`` when None.
        backbone_weights: None, "imagenet" or a weights path (used when backbone is None).
        fpn_channels: channels of the pyramid features.
        merge_channels: put a ChannelMergeStem (C -> 3) in front of the backbone.
        merge_weights: optional ``.weights.h5`` file of a separately trained stem.
        normalization: dict for ImageNormalization; defaults to the preset of the weights.

    Input shape: (B, H, W, C) pixel values 0..255.
    Output shape: (B, H, W, K) float32 softmax probabilities.
    """

    task = "segmentation"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        num_classes=4,
        image_shape=(None, None, 6),
        backbone=None,
        backbone_weights=None,
        fpn_channels=128,
        merge_channels=False,
        merge_weights=None,
        normalization=None,
        **kwargs,
    ):
        channels = image_shape[-1]
        backbone_channels = 3 if merge_channels else channels
        if backbone is None:
            backbone = ResNet50Backbone(
                input_channels=backbone_channels, weights=backbone_weights, name="backbone"
            )
        elif backbone.input_channels != backbone_channels:
            raise ValueError(
                f"backbone takes {backbone.input_channels} channels, the stem "
                f"gives {backbone_channels}"
            )
        normalization = normalization or normalization_for(backbone_weights)
        # === Functional model ===
        inputs = keras.Input(tuple(image_shape), name="images")
        x, _ = apply_input_stem(
            inputs,
            normalization=normalization,
            merge_channels=merge_channels,
            merge_weights=merge_weights,
        )
        features = backbone(x)
        pyramid = {}
        top = None
        for level in reversed(LEVELS):
            lateral = keras.layers.Conv2D(fpn_channels, 1, name=f"fpn_lateral_{level}")(
                features[level]
            )
            if top is not None:
                up = keras.layers.UpSampling2D(2, name=f"fpn_up_{level}")(top)
                lateral = keras.layers.Add(name=f"fpn_add_{level}")([lateral, up])
            top = lateral
            pyramid[level] = keras.layers.Conv2D(
                fpn_channels, 3, padding="same", name=f"fpn_out_{level}"
            )(lateral)
        merged = []
        for scale, level in enumerate(LEVELS):
            y = keras.layers.Conv2D(
                fpn_channels // 2, 3, padding="same", activation="relu", name=f"head_conv_{level}"
            )(pyramid[level])
            if scale:
                y = keras.layers.UpSampling2D(
                    2**scale, interpolation="bilinear", name=f"head_up_{level}"
                )(y)
            merged.append(y)
        y = keras.layers.Add(name="head_sum")(merged)
        y = keras.layers.Conv2D(num_classes, 1, name="logits")(y)
        y = keras.layers.UpSampling2D(4, interpolation="bilinear", name="logits_up")(y)
        outputs = keras.layers.Softmax(name="probabilities", dtype="float32")(y)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.backbone = backbone
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.fpn_channels = fpn_channels
        self.merge_channels = merge_channels
        self.normalization = normalization

    @property
    def size_multiple(self) -> int:
        """Input sides must be multiples of this (the backbone's stride 32)."""
        return 32

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "fpn_channels": self.fpn_channels,
            "merge_channels": self.merge_channels,
            "normalization": self.normalization,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
