"""Resolving ``weights=None | "imagenet" | path`` for keras.applications backbones."""

from __future__ import annotations

import os

import keras


def build_application(factory, *, weights, input_channels, **kwargs):
    """Call a keras.applications constructor with tfdefect's weights convention.

    Args:
        factory: e.g. ``keras.applications.ResNet50``.
        weights: None (random), "imagenet" (downloads; 3 channels only) or a path to a
            weights file saved from the same architecture.
        input_channels: number of input channels of the backbone.

    Raises:
        ValueError: "imagenet" asked for a non-3-channel input.
        FileNotFoundError: a weights path that does not exist.
        RuntimeError: ImageNet weights could not be fetched (no internet).
    """
    if weights is None:
        return factory(weights=None, **kwargs)
    if weights == "imagenet":
        if input_channels != 3:
            raise ValueError(
                "ImageNet weights exist for 3-channel inputs only; use a channel-merge stem "
                f"(merge_channels=True) in front of the backbone for {input_channels} channels"
            )
        try:
            return factory(weights="imagenet", **kwargs)
        except Exception as error:  # urllib raises several types here
            raise RuntimeError(
                "could not fetch ImageNet weights for "
                f"{factory.__name__}: pretrained weights need internet access or a local "
                f"weights file passed as weights=<path> ({error})"
            ) from error
    if not os.path.exists(weights):
        raise FileNotFoundError(f"backbone weights file not found: {weights}")
    model = factory(weights=None, **kwargs)
    model.load_weights(weights)
    return model


TORCH_LAYOUT_ATTRIBUTE = "tfdefect_torch_layout"


def is_torch_checkpoint(weights) -> bool:
    """Whether ``weights`` needs the torch layout: a ``.safetensors`` checkpoint, or a
    ``.weights.h5`` written by ``tfdefect convert-weights`` (it carries a marker)."""
    if not isinstance(weights, str) or weights == "imagenet" or not os.path.isfile(weights):
        return False
    if weights.endswith(".safetensors"):
        return True
    if weights.endswith(".h5"):
        import h5py

        try:
            with h5py.File(weights, "r") as handle:
                return bool(handle.attrs.get(TORCH_LAYOUT_ATTRIBUTE, False))
        except OSError:
            return False
    return False


def load_backbone_weights(model, weights: str, architecture: str | None = None) -> dict | None:
    """Load a local weights file into a backbone that keras.applications does not provide:
    a Keras ``.weights.h5``, or (with ``architecture``) a torch ``.safetensors`` checkpoint,
    converted on the way (``torch_conversion``; the report is returned).

    Raises:
        ValueError: ``weights="imagenet"``: no ImageNet file is published for this Keras
            architecture; convert a torch checkpoint (``tfdefect convert-weights``) and pass
            its path; a pickled torch file (refused, with the command that converts it).
        FileNotFoundError: the path does not exist.
    """
    from tfdefect.backbones.torch_checkpoint import read_checkpoint, refuse_pickle

    if weights == "imagenet":
        raise ValueError(
            f"no Keras ImageNet weights are published for {type(model).__name__}; convert a "
            "torchvision / timm checkpoint (tfdefect convert-weights, see README) and pass "
            "the .weights.h5 or the .safetensors path"
        )
    refuse_pickle(weights)
    if not os.path.exists(weights):
        raise FileNotFoundError(f"backbone weights file not found: {weights}")
    if weights.endswith(".safetensors"):
        if architecture is None:
            raise ValueError(
                f"{weights}: a torch checkpoint needs a known architecture to convert into "
                f"({type(model).__name__})"
            )
        from tfdefect.backbones.torch_conversion import assign_torch_checkpoint

        return assign_torch_checkpoint(model, read_checkpoint(weights), architecture, weights)
    model.load_weights(weights)
    return None


def inline_normalization_constants(model) -> None:
    """Make keras Normalization layers (EfficientNet's built-in preprocessing) read their
    mean and variance from their variables, or from numpy when they were given as fixed
    values, instead of from the eager-tensor copies Keras keeps.

    A traced function captures those eager tensors as extra inputs; tf2onnx then leaves them
    as unfed ONNX graph inputs and onnxruntime refuses the file. Variables are frozen into
    constants by tf2onnx, and weights loaded later still reach the computation.
    """
    import numpy as np

    for layer in model._flatten_layers(include_self=False):
        if not isinstance(layer, keras.layers.Normalization) or layer.mean is None:
            continue
        if getattr(layer, "adapt_mean", None) is not None:
            layer.mean, layer.variance = layer.adapt_mean, layer.adapt_variance
        else:
            layer.mean, layer.variance = np.asarray(layer.mean), np.asarray(layer.variance)
