"""Export contract: versioned SavedModels for TF Serving and parity-checked ONNX files."""

from tfdefect.export.onnx_export import OnnxParityError, export_onnx
from tfdefect.export.savedmodel import export_savedmodel
from tfdefect.export.serving_config import update_models_config

__all__ = ["OnnxParityError", "export_onnx", "export_savedmodel", "update_models_config"]
