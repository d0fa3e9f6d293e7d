"""PaDiM's patch embedding: multi-layer CNN features, upsampled, concatenated, subsampled."""

from __future__ import annotations

import keras
import numpy as np

from tfdefect.backbones.pretrained import (
    build_application,
    inline_normalization_constants,
    is_torch_checkpoint,
)
from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.backbones.resnet_bottleneck import ResNetBackbone
from tfdefect.backbones.torch_layout import check_initialization
from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
from tfdefect.layers.channel_subset import ChannelSubset
from tfdefect.layers.image_normalization import ImageNormalization
from tfdefect.models.padim.presets import PADIM_PRESETS
from tfdefect.serialization import register

DEFAULT_INITIALIZATION = "keras"
_EFFICIENTNETS = {f"efficientnetb{i}": f"EfficientNetB{i}" for i in range(8)}


def _stage_outputs(backbone_name, image_shape, weights, torch_layout=False, initialization="keras"):
    """(inputs, [stride 4, 8, 16 feature maps]) of a backbone taking raw 0..255 pixels."""
    preset = PADIM_PRESETS[backbone_name]
    if preset["family"] == "efficientnet":
        # keras.applications EfficientNets rescale and normalise 0..255 inputs themselves
        application = build_application(
            getattr(keras.applications, _EFFICIENTNETS[backbone_name]),
            weights=weights,
            input_channels=image_shape[-1],
            include_top=False,
            input_shape=image_shape,
        )
        inline_normalization_constants(application)
        last = {}
        for layer in application.layers:
            for stage in preset["stages"]:
                if layer.name.startswith(stage):
                    last[stage] = layer
        return application.input, [last[stage].output for stage in preset["stages"]]
    inputs = keras.Input(image_shape, name="images")
    x = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="normalize")(inputs)
    # a torch checkpoint (or a file converted from one) switches the torch layout on
    if backbone_name == "resnet18":
        backbone = BasicResNetBackbone(
            "resnet18",
            input_channels=image_shape[-1],
            weights=weights,
            torch_compatible=torch_layout,
            initialization=initialization,
            name="backbone",
        )
    else:
        backbone = ResNetBackbone(
            "resnet50",
            input_channels=image_shape[-1],
            width_multiplier=2,
            weights=weights,
            torch_compatible=torch_layout,
            initialization=initialization,
            name="backbone",
        )
    pyramid = backbone(x)
    return inputs, [pyramid[stage] for stage in preset["stages"]]


@register
class PadimFeatureExtractor(keras.Model):
    """Patch embeddings for PaDiM.

    Of the three stage outputs (strides 4, 8, 16), ``embedding_dims`` channels chosen at
    random with ``seed`` (the same ones every time the model is built with that seed) are
    kept, upsampled (nearest) to the stride-4 grid and concatenated in stage order.

    Args:
        backbone: a key of ``PADIM_PRESETS`` (efficientnetb0..b7, resnet18, wide_resnet50).
        image_shape: (H, W, 3), H and W multiples of 32.
        backbone_weights: None (random), "imagenet" (EfficientNets; needs internet) or a
            local weights file.
        embedding_dims: channels kept; None uses the preset; must not exceed the total.
        seed: seed of the channel subset.
        torch_layout: the ResNet in torch's padding / epsilon layout (None: when the weights
            need it).
        initialization: how a ResNet's random weights are drawn ("keras" or "torch", see
            ``BasicResNetBackbone`` / ``ResNetBackbone``); EfficientNets keep
            keras.applications' own and ignore it.

    Input shape: (B, H, W, 3) pixel values 0..255.
    Output shape: (B, H/4, W/4, embedding_dims) float32.
    """

    def __init__(
        self,
        backbone="efficientnetb0",
        image_shape=(224, 224, 3),
        backbone_weights=None,
        embedding_dims=None,
        seed=0,
        torch_layout=None,
        initialization=DEFAULT_INITIALIZATION,
        **kwargs,
    ):
        if backbone not in PADIM_PRESETS:
            raise ValueError(f"unknown backbone {backbone!r}; valid: {', '.join(PADIM_PRESETS)}")
        check_initialization(initialization)
        height, width = image_shape[:2]
        if height % 32 or width % 32:
            raise ValueError(f"image_shape {image_shape}: height and width must be multiples of 32")
        # === Functional model ===
        if torch_layout is None:  # a torch checkpoint (or a file converted from one)
            torch_layout = PADIM_PRESETS[backbone]["family"] == "resnet" and is_torch_checkpoint(
                backbone_weights
            )
        inputs, stages = _stage_outputs(
            backbone, tuple(image_shape), backbone_weights, bool(torch_layout), initialization
        )
        grid = stages[0].shape[1]
        widths = [s.shape[-1] for s in stages]
        total = sum(widths)
        dims = embedding_dims or min(PADIM_PRESETS[backbone]["embedding_dims"], total)
        if dims > total:
            raise ValueError(f"embedding_dims {dims} > the {total} channels of {backbone}")
        indices = np.sort(np.random.default_rng(seed).choice(total, dims, replace=False))
        # channels are kept before upsampling (the same values as upsampling all and then
        # keeping them: nearest upsampling and channel selection commute), so only the kept
        # channels are copied to the stride-4 grid
        kept, start = [], 0
        for i, (stage, width) in enumerate(zip(stages, widths, strict=True)):
            own = indices[(indices >= start) & (indices < start + width)] - start
            start += width
            if len(own) == 0:
                continue
            x = ChannelSubset(own, name=f"channel_subset_{i}")(stage)
            if stage.shape[1] != grid:
                x = keras.layers.UpSampling2D(grid // stage.shape[1], name=f"upsample_{i}")(x)
            kept.append(x)
        embedding = keras.layers.Concatenate(name="concat")(kept) if len(kept) > 1 else kept[0]
        super().__init__(inputs=inputs, outputs=embedding, **kwargs)
        # === Config ===
        self.backbone_name = backbone
        self.image_shape = tuple(image_shape)
        self.embedding_dims = dims
        self.seed = seed
        self.torch_layout = bool(torch_layout)
        self.initialization = initialization
        self.channel_indices = indices
        self.total_channels = total

    def get_config(self):
        return {
            "backbone": self.backbone_name,
            "image_shape": self.image_shape,
            "embedding_dims": self.embedding_dims,
            "seed": self.seed,
            "torch_layout": self.torch_layout,
            "initialization": self.initialization,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
