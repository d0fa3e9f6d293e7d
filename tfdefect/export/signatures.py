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
    """(H, W, C) of a model's image input(s); H and W may be None (any size)."""
    shape = getattr(model, "image_shape", None)
    if shape is not None:
        return tuple(shape)
    if isinstance(model.input, dict):
        return tuple(model.inputs[0].shape[1:])
    return tuple(model.input_shape[1:])


def image_input_names(model) -> list[str] | None:
    """Names of a multi-image model's inputs (a dict-input model, e.g. MPB3's reference and
    test crops), in the model's order; None for a single-image model."""
    try:
        inputs = model.input
    except (AttributeError, ValueError):  # a subclassed model with no functional input
        return None
    if isinstance(inputs, dict):
        return [tensor.name.split(":")[0] for tensor in model.inputs]
    return None


def make_serving_functions(model, postprocess=None):
    """Build the uint8 and encoded-bytes serving functions of ``model``.

    Args:
        model: a Keras model taking (B, H, W, C) pixel values 0..255 (normalisation in graph),
            or a dict of such images (one per named input, all the same shape).
        postprocess: optional ``fn(named_outputs: dict) -> dict`` adding derived outputs
            (for example a class map).

    Returns:
        (serve_images, serve_bytes, specs): two undecorated functions taking one uint8 image
        batch (or one encoded-string batch) per input, and the list of uint8 TensorSpecs,
        named ``images`` for a single-input model or after the model's inputs.
    """
    height, width, channels = model_image_shape(model)
    names = image_input_names(model)
    shape = [None, height, width, channels]
    specs = [tf.TensorSpec(shape, tf.uint8, name=n) for n in (names or ["images"])]

    def serve_images(*images):
        floats = [tf.cast(i, tf.float32) for i in images]
        inputs = dict(zip(names, floats, strict=True)) if names else floats[0]
        outputs = model_output_dict(model, model(inputs, training=False))
        return postprocess(outputs) if postprocess else outputs

    def decode(encoded_images):
        return tf.map_fn(
            lambda e: decode_image_bytes(e, height, width, channels),
            encoded_images,
            fn_output_signature=tf.TensorSpec([height, width, channels], tf.uint8),
        )

    def serve_bytes(*encoded):
        return serve_images(*[decode(e) for e in encoded])

    return serve_images, serve_bytes, specs
