"""Static INT8 quantization of an ONNX classifier with onnxruntime's quantization tools."""

from __future__ import annotations

import os
import tempfile

import numpy as np


def quantize_onnx_int8(float_path: str, calibration_images: np.ndarray, path: str) -> str:
    """Quantize ``float_path`` (an ONNX file exported by tfdefect, input ``images`` uint8)
    to INT8 weights and activations (QDQ format, per-channel weights, MinMax calibration on
    ``calibration_images`` (N, H, W, C) uint8), after onnxruntime's recommended shape
    inference pre-processing. Written atomically to ``path``."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(calibration_images)

        def get_next(self):
            image = next(self.items, None)
            return None if image is None else {"images": image[None]}

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".tmp-int8-") as workdir:
        prepared = os.path.join(workdir, "prepared.onnx")
        quant_pre_process(float_path, prepared, skip_symbolic_shape=True)
        temp_path = os.path.join(workdir, "int8.onnx")
        quantize_static(
            prepared,
            temp_path,
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
        )
        os.replace(temp_path, path)
    return path
