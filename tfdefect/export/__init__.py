"""Export contract: versioned SavedModels for TF Serving and parity-checked ONNX files,
each carrying the metadata a caller needs (see ``tfdefect.export.metadata``)."""

from tfdefect.export.metadata import ModelMetadata, attach_keras_metadata
from tfdefect.export.model_description import describe_model
from tfdefect.export.onnx_export import OnnxParityError, export_onnx
from tfdefect.export.publish import PublishedModel, next_version, publish_model
from tfdefect.export.savedmodel import export_savedmodel
from tfdefect.export.serving_config import update_models_config

__all__ = [
    "ModelMetadata",
    "OnnxParityError",
    "PublishedModel",
    "attach_keras_metadata",
    "describe_model",
    "export_onnx",
    "export_savedmodel",
    "next_version",
    "publish_model",
    "update_models_config",
]
