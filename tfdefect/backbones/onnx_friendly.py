"""Rewrite the Keras constructs tf2onnx turns into files onnxruntime rejects or runs slowly."""

from __future__ import annotations

import keras
import numpy as np

from tfdefect.layers.erf_gelu import erf_gelu
from tfdefect.layers.fusable_layer_normalization import FusableLayerNormalization


def _is_exact_gelu(activation) -> bool:
    return getattr(activation, "__name__", "") == "gelu"


def _replacement(layer):
    """A layer computing the same function in ONNX-convertible ops, or None."""
    config = layer.get_config()
    if isinstance(layer, keras.layers.Conv2D) and config.get("groups", 1) > 1:
        if config["groups"] != config["filters"] or layer.input.shape[-1] != config["filters"]:
            raise ValueError(f"{layer.name}: only depthwise grouped convolutions are rewritten")
        return keras.layers.DepthwiseConv2D(
            config["kernel_size"],
            strides=config["strides"],
            padding=config["padding"],
            dilation_rate=config["dilation_rate"],
            use_bias=config["use_bias"],
            activation=config["activation"],
            name=layer.name,
        )
    if type(layer) is keras.layers.LayerNormalization:
        return FusableLayerNormalization.from_config(config)
    if _is_exact_gelu(getattr(layer, "activation", None)):
        cloned = layer.__class__.from_config(config)
        cloned.activation = erf_gelu
        return cloned
    return None


def make_onnx_friendly(model: keras.Model) -> keras.Model:
    """A copy of functional ``model`` with the same weights and outputs where grouped
    Conv2D (groups == channels, as ConvNeXt's 7x7) becomes DepthwiseConv2D, exact GELU
    activations use the erf form and LayerNormalization is written in the pattern
    onnxruntime fuses (``FusableLayerNormalization``). tf2onnx compiles the grouped conv
    into an unsupported StatefulPartitionedCall and maps TF's erfc-based GELU to an
    ``Erfc`` node that onnxruntime cannot run (../shared/STACK.md). Other layers are
    cloned unchanged."""
    replaced = {}

    def clone(layer):
        new = _replacement(layer)
        if new is None:
            return layer.__class__.from_config(layer.get_config())
        replaced[layer.name] = layer
        return new

    copy = keras.models.clone_model(model, clone_function=clone)
    for original, cloned in zip(model.layers, copy.layers, strict=True):
        weights = original.get_weights()
        if isinstance(cloned, keras.layers.DepthwiseConv2D) and original.name in replaced:
            weights[0] = np.transpose(weights[0], (0, 1, 3, 2))  # (k, k, 1, C) -> (k, k, C, 1)
        cloned.set_weights(weights)
    return copy
