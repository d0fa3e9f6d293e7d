"""ResNet18 / ResNet34 of basic blocks (two 3x3 convs), exposing {"P2".."P5"}.

keras.applications has no basic-block ResNet; PaDiM's ResNet18 extractor and MPB3's
branches need one, so it is written out here (He et al. 2016, as in torchvision).
"""

from __future__ import annotations

import keras

from tfdefect.backbones.pretrained import is_torch_checkpoint, load_backbone_weights
from tfdefect.backbones.torch_layout import (
    batch_norm,
    check_initialization,
    conv,
    conv_initializer,
    max_pool,
)
from tfdefect.serialization import register

BASIC_RESNET_PRESETS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}


def _basic_block(x, filters, stride, name, momentum, torch_compatible=False, init="keras"):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(
            filters,
            1,
            strides=stride,
            use_bias=False,
            kernel_initializer=conv_initializer(init),
            name=f"{name}_proj",
        )(x)
        shortcut = batch_norm(shortcut, f"{name}_proj_bn", momentum, torch_compatible)
    for i, step in enumerate((stride, 1)):
        x = conv(
            x,
            filters,
            3,
            step,
            f"{name}_conv{i}",
            torch_compatible,
            use_bias=False,
            initialization=init,
        )
        x = batch_norm(
            x, f"{name}_bn{i}", momentum, torch_compatible, zero_gamma=init == "torch" and i == 1
        )
        if i == 0:
            x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.Activation("relu", name=f"{name}_out")(x)


@register
class BasicResNetBackbone(keras.Model):
    """Basic-block ResNet.

    Args:
        depth: "resnet18" or "resnet34".
        input_channels: C.
        weights: None (random), a ``.weights.h5`` saved from this architecture (or written by
            ``tfdefect convert-weights``), or a torchvision / timm ``.safetensors`` checkpoint
            (converted on load; implies ``torch_compatible``).
        batch_norm_momentum: BatchNormalization momentum.
        torch_compatible: torch's padding and BatchNorm epsilon (``torch_layout``), which
            converted torch weights need; False (default) keeps the Keras layout of models
            saved before it existed.
        initialization: random weights as Keras draws them ("keras", default) or as timm
            does ("torch": He normal on fan_out, the last BatchNorm of each block at gamma 0);
            no effect when ``weights`` are loaded.

    Input shape: (B, H, W, C) normalised floats.
    Output: dict {"P2": (B, H/4, W/4, 64), "P3": (B, H/8, W/8, 128), "P4": (B, H/16, W/16,
    256), "P5": (B, H/32, W/32, 512)}; also ``self.pyramid_outputs``.
    """

    def __init__(
        self,
        depth="resnet18",
        input_channels=3,
        weights=None,
        batch_norm_momentum=0.99,
        torch_compatible=False,
        initialization="keras",
        **kwargs,
    ):
        if depth not in BASIC_RESNET_PRESETS:
            raise ValueError(f"unknown depth {depth!r}; valid: {', '.join(BASIC_RESNET_PRESETS)}")
        check_initialization(initialization)
        torch_compatible = torch_compatible or is_torch_checkpoint(weights)
        # === Functional model ===
        inputs = keras.Input((None, None, input_channels), name="images")
        x = conv(
            inputs,
            64,
            7,
            2,
            "stem_conv",
            torch_compatible,
            use_bias=False,
            initialization=initialization,
        )
        x = batch_norm(x, "stem_bn", batch_norm_momentum, torch_compatible)
        x = keras.layers.Activation("relu", name="stem_relu")(x)
        x = max_pool(x, 3, 2, "stem_pool", torch_compatible)
        outputs = {}
        for stage, count in enumerate(BASIC_RESNET_PRESETS[depth]):
            for block in range(count):
                stride = 2 if block == 0 and stage > 0 else 1
                x = _basic_block(
                    x,
                    64 * 2**stage,
                    stride,
                    f"stage{stage + 2}_block{block}",
                    batch_norm_momentum,
                    torch_compatible,
                    init=initialization,
                )
            outputs[f"P{stage + 2}"] = x
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.depth = depth
        self.input_channels = input_channels
        self.weights_path = weights
        self.batch_norm_momentum = batch_norm_momentum
        self.torch_compatible = torch_compatible
        self.initialization = initialization
        self.pyramid_outputs = outputs
        if weights is not None:
            load_backbone_weights(self, weights, architecture=depth)

    def get_config(self):
        return {
            "depth": self.depth,
            "input_channels": self.input_channels,
            "batch_norm_momentum": self.batch_norm_momentum,
            "torch_compatible": self.torch_compatible,
            "initialization": self.initialization,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def resnet18_features(image_shape, weights=None, torch_layout=False) -> keras.Model:
    """ResNet18 on ImageNet-normalised input, as one model from pixels to its last map.

    Args:
        weights: None (random), a Keras file of this whole model, or a torch checkpoint /
            converted backbone file (loaded into the backbone, torch layout).
        torch_layout: build the torch layout without weights (a saved model reloading).

    Input (B, H, W, C) pixels 0..255 (C other than 3: normalised by ImageNet's mean
    statistics over the channels); output (B, H/32, W/32, 512).
    """
    from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
    from tfdefect.layers.image_normalization import ImageNormalization

    torch_weights = weights if is_torch_checkpoint(weights) else None
    resnet = BasicResNetBackbone(
        "resnet18",
        input_channels=image_shape[-1],
        weights=torch_weights,
        torch_compatible=torch_layout,
    )
    mean, std = IMAGENET_MEAN, IMAGENET_STD
    if image_shape[-1] != 3:  # grey or multi-channel input: ImageNet's statistics averaged
        mean, std = sum(mean) / len(mean), sum(std) / len(std)
    images = keras.Input(image_shape, name="images")
    x = ImageNormalization(mean, std, name="stem_normalize")(images)
    model = keras.Model(images, resnet(x)["P5"], name="resnet18")
    if weights is not None and torch_weights is None:
        load_backbone_weights(model, weights)
    return model
