"""A ResNet of bottleneck blocks with any number of blocks per stage (e.g. "ResNet-25").

keras.applications builds ResNet50/101/152 only, with a fixed depth; the slim "ResNet-25"
of the chips Mask R-CNN report needs fewer blocks per stage, so this one is written out
(He et al. 2016, v1 bottleneck, stride on the 3x3 conv as in torchvision).
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

# 1 stem conv + 3 convs per bottleneck block.
RESNET_PRESETS = {
    "resnet25": (2, 2, 2, 2),  # 1 + 3 * 8 = 25 conv layers
    "resnet50": (3, 4, 6, 3),
}


def _bottleneck(
    x, filters, stride, name, momentum, inner_width=None, torch_compatible=False, init="keras"
):
    shortcut = x
    if stride != 1 or x.shape[-1] != 4 * filters:
        shortcut = keras.layers.Conv2D(
            4 * filters,
            1,
            strides=stride,
            use_bias=False,
            kernel_initializer=conv_initializer(init),
            name=f"{name}_proj",
        )(x)
        shortcut = batch_norm(shortcut, f"{name}_proj_bn", momentum, torch_compatible)
    inner = inner_width or filters
    for i, (width, kernel, step) in enumerate(
        ((inner, 1, 1), (inner, 3, stride), (4 * filters, 1, 1))
    ):
        x = conv(
            x,
            width,
            kernel,
            step,
            f"{name}_conv{i}",
            torch_compatible,
            use_bias=False,
            initialization=init,
        )
        x = batch_norm(
            x, f"{name}_bn{i}", momentum, torch_compatible, zero_gamma=init == "torch" and i == 2
        )
        if i < 2:
            x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.Activation("relu", name=f"{name}_out")(x)


@register
class ResNetBackbone(keras.Model):
    """Bottleneck ResNet with configurable depth, exposing {"P2".."P5"}.

    Args:
        blocks_per_stage: blocks in stages 2..5, or a preset name ("resnet25", "resnet50").
        input_channels: C.
        base_width: filters of the first stage's 3x3 convs (64 in the paper).
        batch_norm_momentum: BatchNormalization momentum.
        width_multiplier: inner (1x1 and 3x3) width of each bottleneck relative to the
            standard one; 2 with "resnet50" is Wide ResNet-50-2 (Zagoruyko & Komodakis 2016).
        weights: None (random), a ``.weights.h5`` of this architecture (or written by
            ``tfdefect convert-weights``), or a torchvision / timm ``.safetensors`` checkpoint
            (resnet26 for "resnet25", resnet50, wide_resnet50_2; implies torch_compatible).
        torch_compatible: torch's padding and BatchNorm epsilon (``torch_layout``), which
            converted torch weights need; False (default) keeps Keras' own layout.
        initialization: random weights as Keras draws them ("keras", default) or as timm
            does ("torch": He normal on fan_out, the last BatchNorm of each block at gamma 0);
            no effect when ``weights`` are loaded.

    Input shape: (B, H, W, C) normalised floats; H, W multiples of 32.
    Output: dict {"P2": (B, H/4, W/4, 4w), "P3": (B, H/8, W/8, 8w), "P4": (B, H/16, W/16,
    16w), "P5": (B, H/32, W/32, 32w)} with w = base_width; also ``self.pyramid_outputs``.
    """

    def __init__(
        self,
        blocks_per_stage="resnet25",
        input_channels=3,
        base_width=64,
        batch_norm_momentum=0.99,
        width_multiplier=1,
        weights=None,
        torch_compatible=False,
        initialization="keras",
        **kwargs,
    ):
        check_initialization(initialization)
        torch_compatible = torch_compatible or is_torch_checkpoint(weights)
        blocks = (
            RESNET_PRESETS[blocks_per_stage]
            if isinstance(blocks_per_stage, str)
            else (tuple(blocks_per_stage))
        )
        # === Functional model ===
        inputs = keras.Input((None, None, input_channels), name="images")
        x = conv(
            inputs,
            base_width,
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
        for stage, count in enumerate(blocks):
            for block in range(count):
                stride = 2 if block == 0 and stage > 0 else 1
                x = _bottleneck(
                    x,
                    base_width * 2**stage,
                    stride,
                    f"stage{stage + 2}_block{block}",
                    batch_norm_momentum,
                    inner_width=base_width * 2**stage * width_multiplier,
                    torch_compatible=torch_compatible,
                    init=initialization,
                )
            outputs[f"P{stage + 2}"] = x
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.blocks_per_stage = blocks_per_stage
        self.input_channels = input_channels
        self.base_width = base_width
        self.batch_norm_momentum = batch_norm_momentum
        self.width_multiplier = width_multiplier
        self.torch_compatible = torch_compatible
        self.initialization = initialization
        self.pyramid_outputs = outputs
        if weights is not None:
            load_backbone_weights(self, weights, architecture=self.architecture_name())

    def get_config(self):
        return {
            "blocks_per_stage": self.blocks_per_stage,
            "input_channels": self.input_channels,
            "base_width": self.base_width,
            "batch_norm_momentum": self.batch_norm_momentum,
            "width_multiplier": self.width_multiplier,
            "torch_compatible": self.torch_compatible,
            "initialization": self.initialization,
            "name": self.name,
            "trainable": self.trainable,
        }

    def architecture_name(self) -> str | None:
        """The torch architecture this layout matches (for checkpoint conversion)."""
        blocks = self.blocks_per_stage
        blocks = RESNET_PRESETS.get(blocks, blocks) if isinstance(blocks, str) else blocks
        if self.base_width != 64:
            return None
        known = {
            ((2, 2, 2, 2), 1): "resnet25",
            ((3, 4, 6, 3), 1): "resnet50",
            ((3, 4, 6, 3), 2): "wide_resnet50_2",
        }
        return known.get((tuple(blocks), self.width_multiplier))

    @classmethod
    def from_config(cls, config):
        return cls(**config)
