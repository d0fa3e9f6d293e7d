"""The architectures of the transfer-learning zoo: which ``tfdefect.backbones`` constructor
builds each, and which layer names mark its repeated blocks (for freezing).

Torch checkpoints (torchvision / timm ``.safetensors``, or the ``.weights.h5`` of ``tfdefect
convert-weights --architecture <zoo name>``) load into alexnet, resnet18, vit, deit
(distilled; ``deit_undistilled`` is the alias without the distillation token) and swin_t."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import keras

from tfdefect.backbones.applications import application_features, mobilenet_v2_features
from tfdefect.backbones.resnet_basic import resnet18_features
from tfdefect.backbones.small_cnns import alexnet_features, luna_features
from tfdefect.backbones.swin_transformer import swin_features
from tfdefect.backbones.vision_transformer import vision_transformer_from_preset


@dataclasses.dataclass(frozen=True)
class ZooArchitecture:
    """Attributes:
    build: ``fn(image_shape, weights, **options) -> keras.Model`` mapping (B, H, W, C) pixels
        0..255 to a (B, h, w, F) feature map or a (B, F) vector.
    block_pattern: regex whose first group names a block from a layer name.
    family: "cnn" or "transformer"; pretrained: whether the ZDMP casting zoo fine-tunes
        it (LUNA is trained from scratch).
    """

    build: Callable
    block_pattern: str
    family: str = "cnn"
    pretrained: bool = True


def _alexnet(image_shape, weights=None, torch_layout=False):
    """``torch_layout`` (kept in a classifier's config): torchvision's layout."""
    return alexnet_features(image_shape, torch_compatible=torch_layout, weights=weights)


def _swin_t(image_shape, weights=None, torch_layout=False, **options):
    """Swin's layout is torch's already: ``torch_layout`` changes nothing."""
    return swin_features(image_shape, weights=weights, **options)


ZOO = {
    "luna": ZooArchitecture(luna_features, r"^(block\d+)_", pretrained=False),
    "alexnet": ZooArchitecture(_alexnet, r"^(block\d+)_"),
    "resnet18": ZooArchitecture(resnet18_features, r"^(stage\d+_block\d+)_"),
    "efficientnetv2": ZooArchitecture(
        functools.partial(
            application_features, keras.applications.EfficientNetV2B0, include_preprocessing=True
        ),
        r"^(block\d+[a-z])_",
    ),
    "convnext": ZooArchitecture(
        functools.partial(
            application_features, keras.applications.ConvNeXtTiny, include_preprocessing=True
        ),
        r"_(stage_\d+_block_\d+)_",
    ),
    "vit": ZooArchitecture(
        functools.partial(vision_transformer_from_preset, "vit_b16"),
        r"^(block\d+)_",
        "transformer",
    ),
    "deit": ZooArchitecture(
        functools.partial(vision_transformer_from_preset, "deit_s16_distilled"),
        r"^(block\d+)_",
        "transformer",
    ),
    "swin_t": ZooArchitecture(_swin_t, r"^(block\d+)_", "transformer"),
    "mobilenetv2": ZooArchitecture(mobilenet_v2_features, r"^(block_\d+)_"),
}

# other names ImageClassifier takes: (zoo architecture, its backbone options); "deit" is the
# distilled DeiT (timm deit_small_distilled_patch16_224), "deit_undistilled" the one without
# the distillation token (deit_small_patch16_224): the tfdefect convert-weights names
ALIASES = {
    "deit_distilled": ("deit", {}),
    "deit_undistilled": ("deit", {"distillation_token": False}),
}


def resolve_alias(backbone: str, options: dict | None) -> tuple[str, dict]:
    """(zoo architecture, backbone options) of ``backbone``, a ZOO name or an ALIASES one;
    options given explicitly win over the alias's."""
    name, implied = ALIASES.get(backbone, (backbone, {}))
    return name, {**implied, **(options or {})}
