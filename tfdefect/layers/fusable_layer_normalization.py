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
    multiply-add, which tf2onnx writes as ~12 small ONNX ops. Written as above, tf2onnx
    writes a mean-Sub-Pow-mean-Add-Sqrt-Div-Mul-Add chain that
    ``tfdefect.export.onnx_fusions.fuse_layer_norms`` replaces by one LayerNormalization
    op. That works on (B, N, C) token tensors (ViT, DeiT); on 4-D maps (Swin, ConvNeXt)
    tf2onnx's transpose optimizer moves the axes inside the chain and it stays unfused.
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
