"""The architectures of the transfer-learning zoo: how each backbone is built, how its
input is normalised, and which layer names mark its repeated blocks (for freezing)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras

from tfdefect.backbones.pretrained import (
    build_application,
    is_torch_checkpoint,
    load_backbone_weights,
)
from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.models.classifiers.onnx_friendly import make_onnx_friendly
from tfdefect.models.classifiers.small_cnns import alexnet_features, luna_features
from tfdefect.models.classifiers.swin_transformer import swin_features
from tfdefect.models.classifiers.vision_transformer import vision_transformer_features


@dataclasses.dataclass(frozen=True)
class ZooArchitecture:
    """Attributes:
    build: ``fn(image_shape, weights, **options) -> keras.Model`` mapping (B, H, W, C) pixels
        0..255 to a (B, h, w, F) feature map or a (B, F) vector.
    block_pattern: regex whose first group names a block from a layer name.
    family: "cnn" or "transformer"; pretrained: whether the seed fine-tunes it (LUNA is
        trained from scratch).
    """

    build: Callable
    block_pattern: str
    family: str = "cnn"
    pretrained: bool = True


def _with_local_weights(builder):
    def build(image_shape, weights=None, **options):
        model = builder(image_shape, **options)
        if weights is not None:
            load_backbone_weights(model, weights)
        return model

    return build


def _resnet18(image_shape, weights=None, torch_layout=False):
    """ResNet18 on ImageNet-normalised input; ``weights``: a Keras file of this whole model,
    or a torch checkpoint / converted backbone file (loaded into the backbone, torch layout).
    ``torch_layout``: build the torch layout without weights (a saved model reloading)."""
    from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
    from tfdefect.layers.image_normalization import ImageNormalization

    torch_weights = weights if is_torch_checkpoint(weights) else None
    resnet = BasicResNetBackbone(
        "resnet18",
        input_channels=image_shape[-1],
        weights=torch_weights,
        torch_compatible=torch_layout,
    )
    images = keras.Input(image_shape, name="images")
    x = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="stem_normalize")(images)
    model = keras.Model(images, resnet(x)["P5"], name="resnet18")
    if weights is not None and torch_weights is None:
        load_backbone_weights(model, weights)
    return model


def _alexnet(image_shape, weights=None, torch_layout=False):
    """AlexNet features; a torch checkpoint (or a file converted from one), or
    ``torch_layout``, switches on torchvision's layout."""
    torch_layout = torch_layout or is_torch_checkpoint(weights)
    model = alexnet_features(image_shape, torch_compatible=torch_layout)
    if weights is not None:
        load_backbone_weights(model, weights, architecture="alexnet")
    return model


def _transformer(builder, architecture: str, **fixed):
    """A ViT / DeiT / Swin builder whose ``weights`` may be a timm checkpoint (or the file
    ``tfdefect convert-weights --architecture <architecture>`` wrote); ``torch_layout`` gives
    DeiT the ImageNet normalisation its checkpoints expect (ViT and Swin need no change)."""

    def build(image_shape, weights=None, torch_layout=False, **options):
        torch_layout = torch_layout or is_torch_checkpoint(weights)
        if torch_layout and architecture.startswith("deit"):
            options["input_normalization"] = "imagenet"
        model = builder(image_shape, **{**fixed, **options})
        if weights is not None:
            load_backbone_weights(model, weights, architecture=architecture)
        return model

    return build


def _application(factory, **fixed):
    def build(image_shape, weights=None):
        local = weights not in (None, "imagenet")
        model = build_application(
            factory,
            weights=None if local else weights,
            input_channels=image_shape[-1],
            include_top=False,
            input_shape=tuple(image_shape),
            **fixed,
        )
        from tfdefect.backbones.pretrained import inline_normalization_constants

        model = make_onnx_friendly(model)
        inline_normalization_constants(model)
        if local:
            load_backbone_weights(model, weights)
        return model

    return build


def _mobilenet_v2(image_shape, weights=None, alpha=1.0, input_scale=1):
    """MobileNetV2 (the edge model of the wafer seed); grey inputs are repeated to three
    channels inside the model so that ImageNet weights apply. ``input_scale`` > 1 enlarges
    the image (bilinear) before the network: its first two stride-2 layers otherwise blur
    a 2-3 px defect of a 96 px image into a fraction of a feature-map cell."""
    images = keras.Input(image_shape, name="images")
    x = images
    if image_shape[-1] == 1:
        x = keras.layers.Concatenate(name="stem_grey_to_rgb")([x, x, x])
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="stem_rescale")(x)
    size = (image_shape[0] * input_scale, image_shape[1] * input_scale)
    if input_scale > 1:
        x = keras.layers.Resizing(*size, interpolation="bilinear", name="stem_upsample")(x)
    local = weights not in (None, "imagenet")
    base = build_application(
        keras.applications.MobileNetV2,
        weights=None if local else weights,
        input_channels=3,
        include_top=False,
        input_shape=(*size, 3),
        alpha=alpha,
    )
    model = keras.Model(images, base(x), name="mobilenetv2")
    if local:
        load_backbone_weights(model, weights)
    return model


ZOO = {
    "luna": ZooArchitecture(_with_local_weights(luna_features), r"^(block\d+)_", pretrained=False),
    "alexnet": ZooArchitecture(_alexnet, r"^(block\d+)_"),
    "resnet18": ZooArchitecture(_resnet18, r"^(stage\d+_block\d+)_"),
    "efficientnetv2": ZooArchitecture(
        _application(keras.applications.EfficientNetV2B0, include_preprocessing=True),
        r"^(block\d+[a-z])_",
    ),
    "convnext": ZooArchitecture(
        _application(keras.applications.ConvNeXtTiny, include_preprocessing=True),
        r"_(stage_\d+_block_\d+)_",
    ),
    "vit": ZooArchitecture(
        _transformer(vision_transformer_features, "vit_b16"), r"^(block\d+)_", "transformer"
    ),
    "deit": ZooArchitecture(
        _transformer(
            vision_transformer_features,
            "deit_s16_distilled",
            dim=384,
            heads=6,
            mlp_dim=1536,
            distillation_token=True,
            name="deit",
        ),
        r"^(block\d+)_",
        "transformer",
    ),
    "swin_t": ZooArchitecture(
        _transformer(swin_features, "swin_t"), r"^(block\d+)_", "transformer"
    ),
    "mobilenetv2": ZooArchitecture(_mobilenet_v2, r"^(block_\d+)_"),
}
