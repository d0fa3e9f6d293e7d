"""INT8 exports for edge devices: full-integer TFLite and onnxruntime static quantization."""

from tfdefect.quantization.onnx_int8 import quantize_onnx_int8
from tfdefect.quantization.tflite_int8 import TfliteClassifier, convert_tflite_int8

__all__ = ["TfliteClassifier", "convert_tflite_int8", "quantize_onnx_int8"]
