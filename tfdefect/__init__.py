"""tfdefect: visual defect inspection in TensorFlow / Keras 3.

``tfdefect.load(path)`` returns a Predictor for any export or ``.keras`` file the library
wrote (SavedModel version folder, ``.keras``, ``.onnx``, ``.tflite``). Heavy modules load
on first use, so ``import tfdefect`` stays fast.
"""


def load(path: str, batch_size: int = 8):
    """A ``tfdefect.inference.Predictor`` for ``path`` (see its docstring)."""
    from tfdefect.inference.predictor import load as _load

    return _load(path, batch_size=batch_size)


__all__ = ["load"]
