"""LayerNormalization written in the op pattern onnxruntime fuses into one kernel."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfdefect.serialization import register


@register
class FusableLayerNormalization(keras.layers.LayerNormalization):
    """``keras.layers.LayerNormalization`` over the last axis, same weights and values,
    computed as ``(x - mean) / sqrt(mean((x - mean)^2) + epsilon) * gamma + beta``.

    Keras' TensorFlow backend computes layer norm with ``tf.nn.moments`` and a fused
    multiply-add; tf2onnx writes that as ~12 small ONNX ops that onnxruntime does not
    recognise as a layer norm. Written as above, the converted graph is
    ReduceMean-Sub-Pow-ReduceMean-Add-Sqrt-Div-Mul-Add, which onnxruntime's
    LayerNormFusion turns into one LayerNormalization kernel when it loads the file.
    Other axes fall back to the parent's computation.

    Input shape: (..., C). Output shape: same.
    """

    def call(self, inputs):
        if self.rms_scaling or tuple(self.axis) not in ((len(inputs.shape) - 1,), (-1,)):
            return super().call(inputs)
        x = tf.cast(inputs, self.compute_dtype)
        mean = tf.reduce_mean(x, axis=-1, keepdims=True)
        centred = x - mean
        variance = tf.reduce_mean(tf.pow(centred, 2.0), axis=-1, keepdims=True)
        y = centred / tf.sqrt(variance + self.epsilon)
        if self.scale:
            y = y * tf.cast(self.gamma, y.dtype)
        if self.center:
            y = y + tf.cast(self.beta, y.dtype)
        return y
