"""Assigning torch checkpoint tensors (torchvision / timm names) to tfdefect's Keras
backbones in their ``torch_compatible`` layout: strict, shape-checked, with a report.

Every checkpoint tensor is either assigned or named as ignored with a reason (classifier
heads, ``num_batches_tracked``); every Keras variable must be assigned; shapes are checked
after the layout change (conv kernels OIHW -> HWIO). Written by hand: no converter in the
stack maps torchvision / timm names to these Keras layers (keras-hub's converters are tied to
its own models and need the ``tensorflow`` distribution).
"""

from __future__ import annotations

import re

import numpy as np

from tfdefect.backbones.torch_checkpoint import CheckpointError

_BATCH_NORM = {
    "weight": "gamma",
    "bias": "beta",
    "running_mean": "moving_mean",
    "running_var": "moving_variance",
}
RESNET_ARCHITECTURES = ("resnet18", "resnet34", "resnet25", "resnet50", "wide_resnet50_2")
ARCHITECTURES = (*RESNET_ARCHITECTURES, "alexnet")


def _resnet_target(key: str):
    """torchvision / timm ResNet key -> (Keras layer, variable) or (None, reason)."""
    if key.endswith("num_batches_tracked"):
        return None, "BatchNorm step counter"
    if key.startswith("fc."):
        return None, "ImageNet classifier head"
    if key == "conv1.weight":
        return ("stem_conv", "kernel"), None
    match = re.fullmatch(r"bn1\.(\w+)", key)
    if match:
        return ("stem_bn", _BATCH_NORM.get(match.group(1))), None
    match = re.fullmatch(r"layer(\d)\.(\d+)\.(conv|bn)(\d)\.(\w+)", key)
    if match:
        layer, block, kind, index, field = match.groups()
        name = f"stage{int(layer) + 1}_block{block}_{kind}{int(index) - 1}"
        return (name, "kernel" if kind == "conv" else _BATCH_NORM.get(field)), None
    match = re.fullmatch(r"layer(\d)\.(\d+)\.downsample\.([01])\.(\w+)", key)
    if match:
        layer, block, part, field = match.groups()
        name = f"stage{int(layer) + 1}_block{block}_proj" + ("" if part == "0" else "_bn")
        return (name, "kernel" if part == "0" else _BATCH_NORM.get(field)), None
    return (None, None), None


_ALEXNET_CONVS = {0: 1, 3: 2, 6: 3, 8: 4, 10: 5}  # torchvision features.<i> -> block<n>


def _alexnet_target(key: str):
    if key.startswith("classifier."):
        return None, "ImageNet classifier head (the zoo puts its own head on the features)"
    match = re.fullmatch(r"features\.(\d+)\.(weight|bias)", key)
    if match and int(match.group(1)) in _ALEXNET_CONVS:
        name = f"block{_ALEXNET_CONVS[int(match.group(1))]}_conv"
        return (name, "kernel" if match.group(2) == "weight" else "bias"), None
    return (None, None), None


def _target(architecture: str):
    if architecture in RESNET_ARCHITECTURES:
        return _resnet_target
    if architecture == "alexnet":
        return _alexnet_target
    raise CheckpointError(
        f"no torch conversion for {architecture!r}; convertible: {', '.join(ARCHITECTURES)}"
    )


def _layer(model, name):
    for layer in model._flatten_layers(include_self=False):
        if layer.name == name:
            return layer
    return None


def assign_torch_checkpoint(model, tensors: dict, architecture: str, source: str = "") -> dict:
    """Assign ``tensors`` ({torch name: array}) to ``model``'s variables.

    Returns: the report {"architecture", "checkpoint", "assigned" (tensors), "ignored"
    {name: reason}, "keras_variables"}.

    Raises:
        CheckpointError: an unknown tensor, a shape mismatch, or a Keras variable left
            unassigned (naming them).
    """
    target_of = _target(architecture)
    assigned, ignored, unknown = {}, {}, []
    for key in sorted(tensors):
        target, reason = target_of(key)
        if target is None:
            ignored[key] = reason
            continue
        layer_name, variable_name = target
        layer = _layer(model, layer_name) if layer_name else None
        variable = getattr(layer, variable_name, None) if layer and variable_name else None
        if variable is None:
            unknown.append(key)
            continue
        value = np.asarray(tensors[key], np.float32)
        if variable_name == "kernel":
            value = value.transpose(2, 3, 1, 0)  # OIHW -> HWIO
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointError(
                f"{source}: {key} has shape {tuple(tensors[key].shape)}, which does not fit "
                f"{layer_name}.{variable_name} {tuple(variable.shape)} (another architecture, "
                "or a different input channel count: ImageNet weights take 3 channels)"
            )
        variable.assign(value)
        assigned[id(variable)] = key
    if unknown:
        raise CheckpointError(
            f"{source}: {len(unknown)} tensors match no layer of {architecture} "
            f"(e.g. {', '.join(unknown[:5])}): is it a {architecture} checkpoint?"
        )
    missing = [v.path for v in model.weights if id(v) not in assigned]
    if missing:
        raise CheckpointError(
            f"{source}: {len(missing)} variables of {architecture} got no tensor "
            f"(e.g. {', '.join(missing[:5])}): the checkpoint is incomplete or of a smaller model"
        )
    return {
        "architecture": architecture,
        "checkpoint": source,
        "assigned": len(assigned),
        "ignored": ignored,
        "keras_variables": len(model.weights),
    }
