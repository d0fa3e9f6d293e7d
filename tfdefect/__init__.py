"""tfdefect: visual defect inspection in TensorFlow / Keras 3.

``tfdefect.load(path)`` returns a Predictor for any export or ``.keras`` file the library
wrote (SavedModel version folder, ``.keras``, ``.onnx``, ``.tflite``).
``tfdefect.create_model(name, **kwargs)`` builds a registered model, ``list_models()``
names them. The model classes are ``tfdefect.models.<Class>``, the evaluators
``tfdefect.evaluation.<Evaluator>``. Subpackages load on first use, so ``import tfdefect``
stays fast and imports no TensorFlow.
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata

from tfdefect.registry import create_model, list_models

try:
    __version__ = _metadata.version("tfdefect")
except _metadata.PackageNotFoundError:  # a bare checkout, not installed
    __version__ = "0+unknown"

_SUBPACKAGES = (
    "backbones",
    "callbacks",
    "data",
    "datasets",
    "evaluation",
    "export",
    "inference",
    "layers",
    "losses",
    "metrics",
    "models",
    "training",
    "viz",
)


def load(path: str, batch_size: int = 8):
    """A ``tfdefect.inference.Predictor`` for ``path`` (see its docstring)."""
    from tfdefect.errors import require_tensorflow

    require_tensorflow()
    from tfdefect.inference.predictor import load as _load

    return _load(path, batch_size=batch_size)


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        from tfdefect.errors import require_tensorflow

        require_tensorflow()
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))


__all__ = [
    "__version__",
    "create_model",
    "datasets",
    "evaluation",
    "list_models",
    "load",
    "models",
]
