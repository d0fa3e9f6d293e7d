"""Resolving ``weights=None | "imagenet" | path`` for keras.applications backbones."""

from __future__ import annotations

import os


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


def load_backbone_weights(model, weights: str) -> None:
    """Load a local weights file into a backbone that keras.applications does not provide.

    Raises:
        ValueError: ``weights="imagenet"``: no ImageNet file is published for this Keras
            architecture; convert one and pass its path.
        FileNotFoundError: the path does not exist.
    """
    if weights == "imagenet":
        raise ValueError(
            f"no ImageNet weights are published for {type(model).__name__}; pass the path of "
            "a .weights.h5 file saved from the same architecture"
        )
    if not os.path.exists(weights):
        raise FileNotFoundError(f"backbone weights file not found: {weights}")
    model.load_weights(weights)
