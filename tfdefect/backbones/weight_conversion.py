"""``tfdefect convert-weights``: a torchvision / timm ``.safetensors`` checkpoint -> a Keras
``.weights.h5`` of the matching tfdefect backbone (torch layout), plus a JSON report."""

from __future__ import annotations

import json
import os

from tfdefect.atomic_files import atomic_write_file, atomic_write_text
from tfdefect.backbones.pretrained import TORCH_LAYOUT_ATTRIBUTE
from tfdefect.backbones.torch_checkpoint import CheckpointError, read_checkpoint
from tfdefect.backbones.torch_conversion import ARCHITECTURES, assign_torch_checkpoint

# where each architecture's ImageNet checkpoint comes from (README lists them too)
SOURCES = {
    "resnet18": "timm resnet18.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "resnet34": "timm resnet34.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "resnet25": "timm resnet26 (timm's ImageNet weights, Apache-2.0): the same 2-2-2-2 "
    "bottleneck layout",
    "resnet50": "timm resnet50.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "wide_resnet50_2": "timm wide_resnet50_2.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "alexnet": "torchvision alexnet (BSD-3-Clause; a .pth: convert it to safetensors first)",
    "vit_b16": "timm vit_base_patch16_224.augreg2_in21k_ft_in1k (Apache-2.0)",
    "deit_s16": "timm deit_small_patch16_224.fb_in1k (Apache-2.0)",
    "deit_s16_distilled": "timm deit_small_distilled_patch16_224.fb_in1k (Apache-2.0)",
    "swin_t": "timm swin_tiny_patch4_window7_224.ms_in1k (MIT, Microsoft's Swin weights)",
}


def convertible_backbone(architecture: str, image_size=(224, 224)):
    """The Keras backbone of ``architecture`` in torch layout (random weights)."""
    from tfdefect.backbones.resnet_basic import BasicResNetBackbone
    from tfdefect.backbones.resnet_bottleneck import ResNetBackbone
    from tfdefect.backbones.small_cnns import alexnet_features
    from tfdefect.backbones.swin_transformer import swin_features
    from tfdefect.backbones.vision_transformer import (
        VISION_TRANSFORMER_PRESETS,
        vision_transformer_from_preset,
    )

    if architecture in ("resnet18", "resnet34"):
        return BasicResNetBackbone(architecture, torch_compatible=True, name="backbone")
    if architecture in ("resnet25", "resnet50", "wide_resnet50_2"):
        preset = "resnet25" if architecture == "resnet25" else "resnet50"
        width = 2 if architecture == "wide_resnet50_2" else 1
        return ResNetBackbone(
            preset, width_multiplier=width, torch_compatible=True, name="backbone"
        )
    if architecture == "alexnet":
        return alexnet_features((*image_size, 3), torch_compatible=True)
    if architecture == "swin_t":
        return swin_features((*image_size, 3))
    if architecture in VISION_TRANSFORMER_PRESETS:
        return vision_transformer_from_preset(architecture, (*image_size, 3), torch_layout=True)
    raise CheckpointError(
        f"unknown architecture {architecture!r}; convertible: {', '.join(ARCHITECTURES)}"
    )


def convert_checkpoint(
    architecture: str, source: str, output: str, image_size=(224, 224), overwrite=False
) -> dict:
    """Convert ``source`` into ``output`` (``.weights.h5``, written atomically, marked as
    torch layout) and ``<output stem>.conversion.json``; return the report.

    Raises:
        CheckpointError: a pickled or unreadable checkpoint, or one that does not fit.
        FileExistsError: ``output`` exists and ``overwrite`` is False.
    """
    import h5py

    if not output.endswith(".weights.h5"):
        raise CheckpointError(f"{output}: the output must end in .weights.h5 (Keras' rule)")
    if os.path.exists(output) and not overwrite:
        raise FileExistsError(f"{output} exists; pass --overwrite to replace it")
    tensors = read_checkpoint(source)
    model = convertible_backbone(architecture, image_size)
    report = assign_torch_checkpoint(model, tensors, architecture, source)

    def write(temp):
        model.save_weights(temp)
        with h5py.File(temp, "a") as weights:
            weights.attrs[TORCH_LAYOUT_ATTRIBUTE] = True
            weights.attrs["tfdefect_architecture"] = architecture

    atomic_write_file(output, write, suffix=".weights.h5")
    report.update(output=output, source_of_imagenet_weights=SOURCES[architecture])
    report_path = output[: -len(".weights.h5")] + ".conversion.json"
    atomic_write_text(report_path, json.dumps(report, indent=2) + "\n")
    report["report"] = report_path
    return report
