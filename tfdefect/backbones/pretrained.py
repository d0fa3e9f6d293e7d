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
    if is_torch_checkpoint(weights):
        raise ValueError(
            f"{weights}: torch weights (a .safetensors checkpoint or a tfdefect convert-weights "
            f"file) do not load into keras.applications' {factory.__name__}, which takes "
            "'imagenet' or a .weights.h5 saved from it; tfdefect's own backbones take them "
            "(docs/pretrained-weights.md)"
        )
    model = factory(weights=None, **kwargs)
    model.load_weights(weights)
    return model


# attributes tfdefect convert-weights writes into its .weights.h5
TORCH_LAYOUT_ATTRIBUTE = "tfdefect_torch_layout"
ARCHITECTURE_ATTRIBUTE = "tfdefect_architecture"  # the model name (earlier: the layout)
IMAGE_SIZE_ATTRIBUTE = "tfdefect_image_size"  # [H, W] it was converted for
SOURCE_ATTRIBUTE = "tfdefect_source"  # the checkpoint's absolute path


def is_torch_checkpoint(weights) -> bool:
    """Whether ``weights`` needs the torch layout: a ``.safetensors`` checkpoint, or a
    ``.weights.h5`` written by ``tfdefect convert-weights`` (it carries a marker)."""
    if not isinstance(weights, str) or weights == "imagenet" or not os.path.isfile(weights):
        return False
    if weights.endswith(".safetensors"):
        return True
    return bool(converted_weights_attributes(weights))


def converted_weights_attributes(weights) -> dict:
    """The attributes of a ``.weights.h5`` that ``tfdefect convert-weights`` wrote ({} for
    any other file): the torch-layout marker, and from this version on the model name,
    the image size it was converted for and the checkpoint's path."""
    if not isinstance(weights, str) or not weights.endswith(".h5"):
        return {}
    import h5py

    try:
        with h5py.File(weights, "r") as handle:
            attributes = dict(handle.attrs)
    except OSError:
        return {}
    return attributes if attributes.get(TORCH_LAYOUT_ATTRIBUTE, False) else {}


def load_backbone_weights(model, weights: str, architecture: str | None = None) -> dict | None:
    """Load a local weights file into a backbone that keras.applications does not provide:
    a Keras ``.weights.h5``, or (with ``architecture``) a torch ``.safetensors`` checkpoint,
    converted on the way (``torch_conversion``; the report is returned).

    A ``.weights.h5`` written by ``tfdefect convert-weights`` holds the position / bias
    tables of the image size it was converted for: loading it into a ViT, DeiT or Swin built
    at another size is refused (no resampling here) with the exact ``tfdefect
    convert-weights ... --image-size H W`` command that converts for this model's size; a
    file converted for another architecture is refused too, naming both.

    Raises:
        ValueError: ``weights="imagenet"``: no ImageNet file is published for this Keras
            architecture; convert a torch checkpoint (``tfdefect convert-weights``) and pass
            its path; a pickled torch file (refused, with the command that converts it); a
            converted file of another architecture or image size (``CheckpointError``).
        FileNotFoundError: the path does not exist.
    """
    from tfdefect.backbones.torch_checkpoint import read_checkpoint, refuse_pickle

    if weights == "imagenet":
        raise ValueError(
            f"no Keras ImageNet weights are published for {type(model).__name__}; convert a "
            "torchvision / timm checkpoint (tfdefect convert-weights, see "
            "docs/pretrained-weights.md) and pass the .weights.h5 or the .safetensors path"
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
    _load_weights_file(model, weights, architecture)
    return None


def _load_weights_file(model, weights: str, architecture: str | None) -> None:
    """``model.load_weights``, refusing a converted file of another architecture or image
    size with one line instead of Keras' "could not be loaded"."""
    from tfdefect.backbones.torch_checkpoint import CheckpointError
    from tfdefect.backbones.torch_conversion import ALIASES

    attributes = converted_weights_attributes(weights)
    stored = str(attributes.get(ARCHITECTURE_ATTRIBUTE, ""))
    converted_for = ALIASES.get(stored, stored)
    wanted = ALIASES.get(architecture, architecture)
    if converted_for and wanted and converted_for != wanted:
        raise CheckpointError(
            f"{weights} holds {converted_for} weights (tfdefect convert-weights --architecture "
            f"{converted_for}), this model is {wanted}: convert its checkpoint with "
            f"--architecture {wanted}"
        )
    try:
        model.load_weights(weights)
    except ValueError:
        name = converted_for or wanted or "<architecture>"
        message = _image_size_mismatch(model, weights, name, attributes) if attributes else None
        if message is None:
            raise
        raise CheckpointError(message) from None


def _image_size_mismatch(model, weights: str, name: str, attributes: dict) -> str | None:
    """The one-line refusal of a converted file whose image size is not the model's (None
    when the sizes agree or the model takes any size)."""
    converted = tuple(int(side) for side in attributes.get(IMAGE_SIZE_ATTRIBUTE, (224, 224)))
    shape = getattr(model, "input_shape", None)
    built = tuple(shape[1:3]) if isinstance(shape, tuple) and len(shape) == 4 else None
    if built is None or None in built or built == converted:
        return None
    source = str(attributes.get(SOURCE_ATTRIBUTE, "<checkpoint>.safetensors"))
    command = (
        f"tfdefect convert-weights --architecture {name} --input {source} --output {weights} "
        f"--image-size {built[0]} {built[1]} --overwrite"
    )
    return (
        f"{weights} was converted for {converted[0]}x{converted[1]} px images, this {name} is "
        f"built for {built[0]}x{built[1]} px (its position / bias tables differ); convert "
        f"the checkpoint for {built[0]}x{built[1]} px (replacing the file): {command}"
    )


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
