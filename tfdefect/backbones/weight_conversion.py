"""``tfdefect convert-weights``: a torchvision / timm ``.safetensors`` checkpoint -> a Keras
``.weights.h5`` of the matching tfdefect backbone (torch layout), plus a JSON report.

Architectures go by tfdefect's model names (``torch_conversion.MODEL_NAMES``: the names the
models and the zoo's ``<name>.weights.h5`` use); the deprecated names (``vit_b16``,
``wide_resnet50_2``, ...) are accepted as aliases. The output defaults to
``<model name>.weights.h5`` in the current folder.

Image size: the ``.weights.h5`` holds ViT / DeiT position tables and Swin bias tables for
the ``image_size`` it was converted at (224 px by default); the file records that size, and
``conversion.json`` lists the tensors resampled or cropped for it. Loading it into a
transformer built at another size is refused with the command that converts for that size
(``pretrained.load_backbone_weights``); ResNets and AlexNet load at any size.
"""

from __future__ import annotations

import json
import os

from tfdefect.atomic_files import atomic_write_file, atomic_write_text
from tfdefect.backbones.pretrained import (
    ARCHITECTURE_ATTRIBUTE,
    IMAGE_SIZE_ATTRIBUTE,
    SOURCE_ATTRIBUTE,
    TORCH_LAYOUT_ATTRIBUTE,
)
from tfdefect.backbones.torch_checkpoint import CheckpointError, read_checkpoint
from tfdefect.backbones.torch_conversion import (
    assign_torch_checkpoint,
    checkpoint_layout,
    model_name,
)

# where each model's ImageNet checkpoint comes from (docs/pretrained-weights.md lists them too)
SOURCES = {
    "resnet18": "timm resnet18.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "resnet34": "timm resnet34.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "resnet25": "timm resnet26 (timm's ImageNet weights, Apache-2.0): the same 2-2-2-2 "
    "bottleneck layout",
    "resnet50": "timm resnet50.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "wide_resnet50": "timm wide_resnet50_2.tv_in1k (torchvision's weights, BSD-3-Clause)",
    "alexnet": "torchvision alexnet (BSD-3-Clause; a .pth: convert it to safetensors first)",
    "vit": "timm vit_base_patch16_224.augreg2_in21k_ft_in1k (Apache-2.0)",
    "deit": "timm deit_small_distilled_patch16_224.fb_in1k (Apache-2.0)",
    "deit_undistilled": "timm deit_small_patch16_224.fb_in1k (Apache-2.0)",
    "swin_t": "timm swin_tiny_patch4_window7_224.ms_in1k (MIT, Microsoft's Swin weights)",
}


def default_output(architecture: str) -> str:
    """``<model name>.weights.h5`` in the current folder (what the zoo looks for)."""
    return f"{model_name(architecture)}.weights.h5"


def convertible_backbone(architecture: str, image_size=(224, 224)):
    """The Keras backbone of ``architecture`` (a model name, alias or checkpoint layout) in
    torch layout (random weights)."""
    from tfdefect.backbones.resnet_basic import BasicResNetBackbone
    from tfdefect.backbones.resnet_bottleneck import ResNetBackbone
    from tfdefect.backbones.small_cnns import alexnet_features
    from tfdefect.backbones.swin_transformer import swin_features
    from tfdefect.backbones.vision_transformer import vision_transformer_from_preset

    layout = checkpoint_layout(architecture)
    if layout in ("resnet18", "resnet34"):
        return BasicResNetBackbone(layout, torch_compatible=True, name="backbone")
    if layout in ("resnet25", "resnet50", "wide_resnet50_2"):
        preset = "resnet25" if layout == "resnet25" else "resnet50"
        width = 2 if layout == "wide_resnet50_2" else 1
        return ResNetBackbone(
            preset, width_multiplier=width, torch_compatible=True, name="backbone"
        )
    if layout == "alexnet":
        return alexnet_features((*image_size, 3), torch_compatible=True)
    if layout == "swin_t":
        return swin_features((*image_size, 3))
    return vision_transformer_from_preset(layout, (*image_size, 3), torch_layout=True)


def convert_checkpoint(
    architecture: str, source: str, output=None, image_size=(224, 224), overwrite=False
) -> dict:
    """Convert ``source`` into ``output`` (``.weights.h5``, written atomically, marked as
    torch layout, with the model name, image size and source path) and
    ``<output stem>.conversion.json``; return the report.

    Args:
        architecture: a model name (``torch_conversion.MODEL_NAMES``) or an alias.
        output: default ``<model name>.weights.h5`` in the current folder.
        image_size: (H, W) the model is built for: ViT / DeiT position tables are resampled
            and Swin bias tables cropped for it (listed in the report's "resampled").

    Raises:
        CheckpointError: an unknown architecture, a pickled or unreadable checkpoint, or one
            that does not fit.
        FileExistsError: ``output`` exists and ``overwrite`` is False.
    """
    import h5py

    name = model_name(architecture)
    output = output or default_output(name)
    if not output.endswith(".weights.h5"):
        raise CheckpointError(f"{output}: the output must end in .weights.h5 (Keras' rule)")
    if os.path.exists(output) and not overwrite:
        raise FileExistsError(f"{output} exists; pass --overwrite to replace it")
    tensors = read_checkpoint(source)
    image_size = tuple(int(side) for side in image_size)
    model = convertible_backbone(name, image_size)
    report = assign_torch_checkpoint(model, tensors, name, source)

    def write(temp):
        model.save_weights(temp)
        with h5py.File(temp, "a") as weights:
            weights.attrs[TORCH_LAYOUT_ATTRIBUTE] = True
            weights.attrs[ARCHITECTURE_ATTRIBUTE] = name
            weights.attrs[IMAGE_SIZE_ATTRIBUTE] = list(image_size)
            weights.attrs[SOURCE_ATTRIBUTE] = os.path.abspath(source)

    atomic_write_file(output, write, suffix=".weights.h5")
    report.update(
        output=output, image_size=list(image_size), source_of_imagenet_weights=SOURCES[name]
    )
    report_path = output[: -len(".weights.h5")] + ".conversion.json"
    atomic_write_text(report_path, json.dumps(report, indent=2) + "\n")
    report["report"] = report_path
    return report
