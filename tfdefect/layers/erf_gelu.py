"""Exact GELU written with erf, which tf2onnx converts (its ``Erfc`` form does not load)."""

from __future__ import annotations

import math

import keras


@keras.saving.register_keras_serializable(package="tfdefect")
def erf_gelu(x):
    """GELU(x) = 0.5 x (1 + erf(x / sqrt(2))): the same function as
    ``keras.activations.gelu(x, approximate=False)``, which TensorFlow computes with erfc;
    tf2onnx maps erfc to an ``Erfc`` node that onnxruntime has no kernel for."""
    return 0.5 * x * (1.0 + keras.ops.erf(x * (1.0 / math.sqrt(2.0))))
