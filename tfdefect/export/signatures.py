"""Serving functions shared by the SavedModel and ONNX exports.

Encoded-image convention for ``serving_bytes`` (each string is one PNG or JPEG):

* 1-channel models: a grey image.
* 3-channel models: an RGB image.
* any other channel count C: one 8-bit grey PNG holding the C channels side by side,
  H x (C * W), channel 0 leftmost (for chips6: height, intensity, pattern, variance, pads,
  drill). ``encode_channel_mosaic`` writes this format.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def encode_channel_mosaic(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, C) uint8 image in the ``serving_bytes`` format."""
    channels = image.shape[-1]
    if channels in (1, 3):
        return tf.io.encode_png(image).numpy()
    mosaic = np.concatenate([image[..., c] for c in range(channels)], axis=1)[..., None]
    return tf.io.encode_png(mosaic).numpy()


def decode_image_bytes(encoded: tf.Tensor, height, width, channels: int) -> tf.Tensor:
    """Decode one PNG/JPEG string into (H, W, C) uint8 following the module convention."""
    if channels in (1, 3):
        image = tf.io.decode_image(encoded, channels=channels, expand_animations=False)
    else:
        mosaic = tf.io.decode_image(encoded, channels=1, expand_animations=False)
        shape = tf.shape(mosaic)
        tf.debugging.assert_equal(
            shape[1] % channels, 0, message=f"mosaic width must be a multiple of {channels}"
        )
        tile_width = shape[1] // channels
        image = tf.reshape(mosaic, [shape[0], channels, tile_width])
        image = tf.transpose(image, [0, 2, 1])
    image = tf.ensure_shape(image, [height, width, channels])
    return image


def model_output_dict(model, outputs) -> dict:
    """Name a model's outputs: dict outputs keep their keys, others take ``model.output_names``."""
    if isinstance(outputs, dict):
        return dict(outputs)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    names = getattr(model, "output_names", None) or [f"output_{i}" for i in range(len(outputs))]
    return dict(zip(names, outputs, strict=True))


def model_image_shape(model) -> tuple:
    """(H, W, C) of a model's image input; H and W may be None (any size)."""
    shape = getattr(model, "image_shape", None)
    return tuple(shape) if shape is not None else tuple(model.input_shape[1:])


def make_serving_functions(model, postprocess=None):
    """Build the uint8 and encoded-bytes serving functions of ``model``.

    Args:
        model: a Keras model taking (B, H, W, C) pixel values 0..255 (normalisation in graph).
        postprocess: optional ``fn(named_outputs: dict) -> dict`` adding derived outputs
            (for example a class map).

    Returns:
        (serve_images, serve_bytes, image_spec): two undecorated functions and the
        uint8 TensorSpec of the image input.
    """
    height, width, channels = model_image_shape(model)
    image_spec = tf.TensorSpec([None, height, width, channels], tf.uint8, name="images")

    def serve_images(images):
        outputs = model_output_dict(model, model(tf.cast(images, tf.float32), training=False))
        return postprocess(outputs) if postprocess else outputs

    def serve_bytes(encoded_images):
        images = tf.map_fn(
            lambda e: decode_image_bytes(e, height, width, channels),
            encoded_images,
            fn_output_signature=tf.TensorSpec([height, width, channels], tf.uint8),
        )
        return serve_images(images)

    return serve_images, serve_bytes, image_spec
