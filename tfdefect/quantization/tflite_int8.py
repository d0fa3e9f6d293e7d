"""Full-integer (INT8) TFLite conversion of a Keras image classifier, and its runner."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from tfdefect.progress import progress_bar_over
from tfdefect.quantization.tflite_interpreter import tflite_interpreter


def frozen_converter(model) -> tf.lite.TFLiteConverter:
    """A TFLite converter of ``model`` at batch 1 (float32 input) with its weights frozen
    into constants: Keras 3 variables would stay READ_VARIABLE ops that the INT8 calibrator
    cannot run and that a float flatbuffer would not carry."""
    shape = (1, *model.input_shape[1:])
    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(tf.TensorSpec(shape, tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    return tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)


def convert_tflite_int8(model, representative_images: np.ndarray, path: str) -> str:
    """Write a full-integer TFLite model: every op INT8, uint8 image input (the pixel
    values 0..255 themselves: the input scale is 1, zero point 0) and uint8 probabilities.

    Args:
        model: Keras model taking (B, H, W, C) float pixel values 0..255.
        representative_images: (N, H, W, C) uint8 images (a few hundred training images)
            that calibrate the activation ranges.
        path: output ``.tflite`` (written atomically).
    """
    converter = frozen_converter(model)

    def representative():
        for image in representative_images:
            yield [image[None].astype(np.float32)]

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.uint8
    converter.inference_output_type = tf.uint8
    flatbuffer = converter.convert()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
        handle.write(flatbuffer)
    os.replace(handle.name, path)
    return path


class TfliteClassifier:
    """Run a (quantized) TFLite classifier on uint8 image batches, one image at a time.

    Args:
        path: ``.tflite`` file.
        num_threads: interpreter threads (LiteRT's interpreter when installed, else
            TensorFlow's: ``tflite_interpreter``).

    ``predict(images)``: (B, H, W, C) uint8 -> (B, K) float probabilities (dequantized).
    """

    def __init__(self, path: str, num_threads: int | None = None):
        self.interpreter = tflite_interpreter(path, num_threads)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    def predict_one(self, image: np.ndarray) -> np.ndarray:
        self.interpreter.set_tensor(self.input["index"], image[None].astype(self.input["dtype"]))
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.output["index"])[0]
        scale, zero_point = self.output["quantization"]
        if scale:
            return (raw.astype(np.float32) - zero_point) * scale
        return raw.astype(np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) -> (N, K) dequantised outputs, one image at a time (the
        interpreter's input is batch 1), with a progress bar."""
        return np.stack(
            [self.predict_one(image) for image in progress_bar_over(images, "tflite", "image")]
        )
