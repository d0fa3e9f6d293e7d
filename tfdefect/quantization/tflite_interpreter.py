"""The TFLite interpreter: LiteRT's when ``ai-edge-litert`` is installed (the ``litert``
extra), else TensorFlow's ``tf.lite.Interpreter``, which TensorFlow deprecates in its
favour. Both take the same files and answer the same calls."""

from __future__ import annotations


def interpreter_class():
    """``ai_edge_litert.interpreter.Interpreter``, or ``tf.lite.Interpreter`` without it."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    return Interpreter


def tflite_interpreter(path: str, num_threads: int | None = None):
    """An interpreter of the ``.tflite`` file at ``path`` (tensors not yet allocated)."""
    return interpreter_class()(model_path=path, num_threads=num_threads)
