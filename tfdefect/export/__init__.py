"""Export contract: versioned SavedModels for TF Serving and parity-checked ONNX files,
each carrying the metadata a caller needs (see ``tfdefect.export.metadata``).

The names below load their module on first use, so that the TensorFlow-free helpers
(``serving_config``'s name checks, the metadata records) keep a recipe's argument checks
fast and free of TensorFlow's start-up.
"""

from __future__ import annotations

from tfdefect.lazy_names import lazy_names

_HOMES = {
    "ModelMetadata": "metadata",
    "attach_keras_metadata": "metadata",
    "describe_model": "model_description",
    "OnnxParityError": "onnx_export",
    "export_onnx": "onnx_export",
    "PublishedModel": "publish",
    "next_version": "publish",
    "publish_model": "publish",
    "export_savedmodel": "savedmodel",
    "update_models_config": "serving_config",
}


__getattr__, __dir__, __all__ = lazy_names(__name__, _HOMES)
